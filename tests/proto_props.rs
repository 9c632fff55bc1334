//! Property tests of the MQTT codec: round trips of every valid packet through `frame`, `decode_slice`
//! and `decode`, robustness against arbitrary and mutated bytes, the span invariants the inspector
//! relies on, the remaining-length varint, and the offsets and rule ids of decode errors; the same
//! for MQTT 5.0 packets through `decode_slice_v` and `decode_v` (the last part of this file).

#[path = "common/packets.rs"]
mod packets;
#[path = "common/packets5.rs"]
mod packets5;

use bytes::{Bytes, BytesMut};
use mqtt_lab::i18n::{Lang, check_bilingual};
use mqtt_lab::proto::field::{self, Field};
use mqtt_lab::proto::{
    DecodeError, ErrorKind, FrameHeader, Framing, MAX_REMAINING_LENGTH, PACKET_BODY, Packet, Protocol, QoS, Span,
    SubAckCode, decode, decode_slice, decode_spans, frame, put_remaining_length, remaining_length_len,
    topic_filter_error, validate_topic_name,
};
use packets::{big_publish, packet, topic_filter, topic_name};
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::{BTreeMap, HashSet};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Parses hex like "10 0c | 00 04" (spaces and `|` ignored).
fn hex(s: &str) -> Vec<u8> {
    let digits: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    assert!(digits.len().is_multiple_of(2), "odd number of hex digits in {s:?}");
    (0..digits.len()).step_by(2).map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap()).collect()
}

fn varint(n: usize) -> Vec<u8> {
    let mut b = BytesMut::new();
    put_remaining_length(&mut b, n);
    b.to_vec()
}

fn whole(buf: &[u8]) -> FrameHeader {
    match frame(buf, usize::MAX) {
        Ok(Framing::Whole(h)) => h,
        other => panic!("expected a whole frame in {buf:02x?}, got {other:?}"),
    }
}

/// Everything a valid encoding must satisfy: length, framing of the whole and of every strict prefix,
/// and decoding back to the same packet.
fn check_round_trip(p: &Packet) -> Result<(), TestCaseError> {
    let bytes = p.to_bytes();
    let total = bytes.len();
    prop_assert_eq!(p.encoded_len(), total);

    // `encode` appends to what is already in the buffer and writes the same bytes as `to_bytes`.
    let mut out = BytesMut::from(&b"xyz"[..]);
    p.encode(&mut out);
    prop_assert_eq!(&out[..3], b"xyz");
    prop_assert_eq!(&out[3..], &bytes[..]);

    // The whole frame.
    let h = match frame(&bytes, usize::MAX)? {
        Framing::Whole(h) => h,
        Framing::Incomplete { need } => return Err(TestCaseError::fail(format!("whole frame needs {need} more"))),
    };
    prop_assert_eq!(h.frame_len(), total);
    prop_assert_eq!(h.byte1, bytes[0]);
    prop_assert_eq!(h.header_len, 1 + remaining_length_len(h.remaining));
    prop_assert_eq!(h.packet_type(), Some(p.packet_type()));
    // A following frame does not change where this one ends.
    let mut two = bytes.to_vec();
    two.extend_from_slice(&[0xc0, 0x00]);
    prop_assert_eq!(frame(&two, usize::MAX)?, Framing::Whole(h));
    // The size limit is inclusive.
    prop_assert_eq!(frame(&bytes, total)?, Framing::Whole(h));
    let e = frame(&bytes, total - 1).unwrap_err();
    prop_assert_eq!(e.kind, ErrorKind::PacketTooLarge { size: total, max: total - 1 });

    // Every strict prefix is incomplete and asks for a sensible number of bytes.
    for n in 0..total {
        match frame(&bytes[..n], usize::MAX)? {
            Framing::Incomplete { need } => {
                prop_assert!(need > 0, "prefix of {} bytes: need 0", n);
                prop_assert!(n + need <= total, "prefix of {} bytes asks for {} more, frame is {}", n, need, total);
                // Once the fixed header is complete, `need` is exact.
                if n >= h.header_len {
                    prop_assert_eq!(n + need, total);
                }
            }
            Framing::Whole(h) => return Err(TestCaseError::fail(format!("prefix of {n}/{total} is whole: {h:?}"))),
        }
    }

    // Decoding gives the packet back, from a slice and from shared `Bytes`.
    prop_assert_eq!(&decode_slice(&bytes)?, p);
    prop_assert_eq!(&decode(&bytes)?, p);
    Ok(())
}

/// The span invariants of a successfully decoded frame of `len` bytes.
fn check_spans(len: usize, spans: &[Span]) -> Result<(), TestCaseError> {
    check_span_prefix(len, spans)?;
    let end = spans.iter().filter(|s| s.bits.is_none()).map(|s| s.end).next_back().unwrap_or(0);
    prop_assert_eq!(end, len, "byte spans end at {} of {}", end, len);
    Ok(())
}

/// What holds for the spans of any decode, even a failed one: byte spans are contiguous from byte 0
/// within `len`, bit spans sit in a one-byte byte span without overlapping, every field is registered.
fn check_span_prefix(len: usize, spans: &[Span]) -> Result<(), TestCaseError> {
    let mut at = 0;
    let mut one_byte = HashSet::new();
    for s in spans.iter().filter(|s| s.bits.is_none()) {
        prop_assert_eq!(s.start, at, "byte span {} starts at {}, the previous ended at {}", s.field.key, s.start, at);
        prop_assert!(s.end >= s.start, "span {} ends before it starts", s.field.key);
        prop_assert!(s.end <= len, "span {} ends at {} past the {} bytes", s.field.key, s.end, len);
        prop_assert_eq!(s.depth, 0);
        if s.len() == 1 {
            one_byte.insert(s.start);
        }
        at = s.end;
    }
    let mut masks: BTreeMap<usize, u8> = BTreeMap::new();
    for s in spans {
        let registered = field::by_key(s.field.key);
        prop_assert!(
            registered.is_some_and(|f| std::ptr::eq(f, s.field)),
            "field {} is not the registry's entry",
            s.field.key
        );
        let Some(mask) = s.bits else { continue };
        prop_assert_eq!(s.end, s.start + 1, "bit span {} is not one byte", s.field.key);
        prop_assert_eq!(s.depth, 1);
        prop_assert!(mask != 0, "bit span {} has an empty mask", s.field.key);
        prop_assert!(one_byte.contains(&s.start), "bit span {} at {} has no one-byte span", s.field.key, s.start);
        let m = masks.entry(s.start).or_default();
        prop_assert_eq!(*m & mask, 0, "bit span {} overlaps another at byte {}", s.field.key, s.start);
        *m |= mask;
    }
    Ok(())
}

/// Feeds anything to the framer and the decoders: they must not panic, must agree with each other,
/// and whatever they accept must be lossless.
fn poke(buf: &[u8]) -> Result<(), TestCaseError> {
    let framed = frame(buf, usize::MAX);
    for max in [0, 1, 2, 64, 1 << 20] {
        let limited = frame(buf, max);
        match (&framed, &limited) {
            // A limit can only turn an answer into PacketTooLarge.
            (_, Err(e)) if matches!(e.kind, ErrorKind::PacketTooLarge { .. }) => {}
            (a, b) => prop_assert_eq!(a, b),
        }
    }
    let r = decode_slice(buf);
    let (r_spans, spans) = decode_spans(buf);
    prop_assert_eq!(&r, &r_spans);
    prop_assert_eq!(&r, &decode(&Bytes::copy_from_slice(buf)));
    if let Ok(Framing::Incomplete { need }) = framed {
        prop_assert!(need > 0);
        prop_assert!(r.is_err(), "decoded {:?} from an incomplete frame", r);
    }
    if let Err(e) = &framed {
        prop_assert!(r.is_err());
        prop_assert!(e.offset < buf.len().max(1));
    }
    match &r {
        Ok(p) => {
            let h = whole(buf);
            check_spans(h.frame_len(), &spans)?;
            // Every accepted frame is canonical apart from a possibly over-long varint: re-encoding
            // gives the same first byte and body, and decodes to the same packet.
            let again = p.to_bytes();
            let ah = whole(&again);
            prop_assert_eq!(again[0], buf[0]);
            prop_assert_eq!(&again[ah.header_len..], &buf[h.header_len..h.frame_len()]);
            prop_assert_eq!(&decode_slice(&again)?, p);
        }
        Err(e) => {
            check_span_prefix(buf.len(), &spans)?;
            prop_assert!(e.offset <= buf.len(), "error {:?} past the end of {} bytes", e, buf.len());
            let _ = (e.message(Lang::En), e.message(Lang::Zh), e.rule());
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Truncate(Index),
    /// Rewrites the remaining length, keeping the body.
    SetRemaining(usize),
    /// Writes the remaining length as a longer varint than needed.
    PadRemaining,
    Append(Vec<u8>),
    Remove(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::SetByte(i, b)),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        2 => prop_oneof![0usize..400, 0..=MAX_REMAINING_LENGTH].prop_map(Mutation::SetRemaining),
        1 => Just(Mutation::PadRemaining),
        1 => proptest::collection::vec(any::<u8>(), 1..8).prop_map(Mutation::Append),
        1 => any::<Index>().prop_map(Mutation::Remove),
    ]
}

fn apply(buf: &mut Vec<u8>, m: &Mutation) {
    let header_len = match frame(buf, usize::MAX) {
        Ok(Framing::Whole(h)) => Some(h.header_len),
        _ => None,
    };
    match m {
        Mutation::FlipBit(i, b) if !buf.is_empty() => {
            let i = i.index(buf.len());
            buf[i] ^= 1 << b;
        }
        Mutation::SetByte(i, v) if !buf.is_empty() => {
            let i = i.index(buf.len());
            buf[i] = *v;
        }
        Mutation::Truncate(i) if !buf.is_empty() => {
            let i = i.index(buf.len());
            buf.truncate(i);
        }
        Mutation::Remove(i) if !buf.is_empty() => {
            let i = i.index(buf.len());
            buf.remove(i);
        }
        Mutation::SetRemaining(n) => {
            if let Some(hl) = header_len {
                let mut out = vec![buf[0]];
                out.extend(varint(*n));
                out.extend_from_slice(&buf[hl..]);
                *buf = out;
            }
        }
        Mutation::PadRemaining => {
            if let Some(hl) = header_len
                && hl < 5
            {
                // One more continuation byte: same value, one byte longer.
                buf[hl - 1] |= 0x80;
                buf.insert(hl, 0x00);
            }
        }
        Mutation::Append(extra) => buf.extend_from_slice(extra),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_valid_packet_round_trips(p in packet()) {
        check_round_trip(&p)?;
    }

    #[test]
    fn a_stream_of_packets_splits_back_into_the_same_packets(ps in proptest::collection::vec(packet(), 1..8)) {
        let mut stream = BytesMut::new();
        for p in &ps {
            p.encode(&mut stream);
        }
        let mut rest = &stream[..];
        let mut out = Vec::new();
        while !rest.is_empty() {
            let h = whole(rest);
            out.push(decode_slice(&rest[..h.frame_len()])?);
            rest = &rest[h.frame_len()..];
        }
        prop_assert_eq!(out, ps);
    }

    #[test]
    fn spans_of_every_valid_packet_tile_the_frame(p in packet()) {
        let bytes = p.to_bytes();
        let (r, spans) = decode_spans(&bytes);
        prop_assert_eq!(&r?, &p);
        check_spans(bytes.len(), &spans)?;
        // Every flag byte that has bit spans is fully explained: the masks add up to all 8 bits.
        let mut masks: BTreeMap<usize, u8> = BTreeMap::new();
        for s in &spans {
            if let Some(m) = s.bits {
                *masks.entry(s.start).or_default() |= m;
            }
        }
        prop_assert_eq!(masks.get(&0), Some(&0xff));
        for (at, m) in masks {
            prop_assert_eq!(m, 0xff, "bits of byte {} are not all explained", at);
        }
        // The fixed header's two fields come first.
        prop_assert_eq!(spans[0].field.key, field::HDR.key);
        let len = spans.iter().find(|s| s.field.key == field::LEN.key).unwrap();
        prop_assert_eq!((len.start, len.end), (1, 1 + remaining_length_len(bytes.len() - len.end)));
    }

    #[test]
    fn generated_topics_and_filters_are_valid(t in topic_name(), f in topic_filter()) {
        // Checks the generators as much as the validators.
        prop_assert_eq!(validate_topic_name(&t), Ok(()));
        prop_assert!(!t.contains('\0'));
        prop_assert_eq!(topic_filter_error(&f), None, "filter {:?}", f);
        prop_assert_eq!(topic_filter_error(&t), None, "topic {:?} as a filter", t);
    }

    #[test]
    fn remaining_length_varint_round_trips(n in prop_oneof![0usize..20_000, 0..=MAX_REMAINING_LENGTH]) {
        let v = varint(n);
        prop_assert_eq!(v.len(), remaining_length_len(n));
        let mut hdr = vec![0x30];
        hdr.extend_from_slice(&v);
        match frame(&hdr, usize::MAX)? {
            Framing::Whole(h) => prop_assert_eq!((n, h.remaining, h.header_len), (0, 0, 2)),
            Framing::Incomplete { need } => prop_assert_eq!(need, n),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn big_publishes_round_trip_with_3_byte_lengths(p in big_publish()) {
        let p = Packet::Publish(p);
        check_round_trip(&p)?;
        let bytes = p.to_bytes();
        let h = whole(&bytes);
        prop_assert!(h.remaining >= 16_370);
        prop_assert_eq!(h.header_len, if h.remaining >= 16_384 { 4 } else { 3 });
    }
}

/// Single-bit corruption of the first 64 bytes of `bytes` (the headers, and the start of any payload).
fn bit_flips(bytes: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    (0..bytes.len().min(64) * 8).map(move |bit| {
        let mut b = bytes.to_vec();
        b[bit / 8] ^= 1 << (bit % 8);
        b
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_single_bit_flip_is_rejected_or_lossless(p in packet()) {
        // Exhaustive over the bits, so that every reserved bit and every flag of every generated
        // packet is corrupted once: the decoder must reject the frame or decode something that
        // re-encodes to exactly these bytes (it never silently drops or normalises a bit).
        let bytes = p.to_bytes();
        for b in bit_flips(&bytes) {
            let Ok(q) = decode_slice(&b) else { continue };
            let h = whole(&b);
            let again = q.to_bytes();
            let ah = whole(&again);
            prop_assert_eq!(again[0], b[0], "first byte of {:02x?}", b);
            prop_assert_eq!(&again[ah.header_len..], &b[h.header_len..h.frame_len()], "{:02x?} became {:?}", b, q);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(buf in proptest::collection::vec(any::<u8>(), 0..512)) {
        poke(&buf)?;
    }

    #[test]
    fn arbitrary_bytes_behind_a_valid_first_byte_never_panic(
        byte1 in prop_oneof![0x10u8..=0xe2, any::<u8>()],
        rem in 0usize..300,
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        // A plausible header makes the body decoders run far more often than random bytes do.
        let mut buf = vec![byte1];
        buf.extend(varint(rem));
        buf.extend(body);
        poke(&buf)?;
    }

    #[test]
    fn mutated_valid_packets_never_panic(p in packet(), ms in proptest::collection::vec(mutation(), 1..4)) {
        let mut buf = p.to_bytes().to_vec();
        for m in &ms {
            apply(&mut buf, m);
        }
        poke(&buf)?;
    }
}

/// The generator reaches what the properties are meant to cover; a property over a generator that
/// never makes, say, a 3-byte remaining length proves nothing about it.
#[test]
fn the_packet_generator_covers_every_case() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = packet();
    let mut seen = HashSet::new();
    let mut see = |what: &'static str| {
        seen.insert(what);
    };
    for _ in 0..4000 {
        let p = strategy.new_tree(&mut runner).unwrap().current();
        see(p.packet_type().name());
        if remaining_length_len(p.encoded_len() - 2) >= 3 {
            see("3-byte length");
        }
        match &p {
            Packet::Connect(c) => {
                see(if c.protocol == Protocol::V31 { "3.1" } else { "3.1.1" });
                if c.client_id.is_empty() {
                    see("empty client id");
                }
                if c.will.as_ref().is_some_and(|w| w.retain && w.qos == QoS::ExactlyOnce) {
                    see("retained QoS 2 will");
                }
                if c.username.is_some() && c.password.is_some() {
                    see("user and password");
                }
                if c.username.is_none() && c.password.is_some() {
                    see("3.1 password alone");
                }
            }
            Packet::Publish(p) => {
                if !p.topic.is_ascii() {
                    see("multi-byte topic");
                }
                if p.topic.contains("汽车速度") {
                    see("汽车速度");
                }
                if p.topic.contains("//") || p.topic.starts_with('/') {
                    see("empty topic level");
                }
                if p.payload.is_empty() {
                    see("empty payload");
                }
                if p.dup && p.retain && p.qos() == QoS::ExactlyOnce {
                    see("DUP RETAIN QoS 2");
                }
            }
            Packet::Subscribe(s) => {
                for (f, _) in &s.filters {
                    if f.contains('+') {
                        see("+ filter");
                    }
                    if f.ends_with('#') {
                        see("# filter");
                    }
                }
            }
            Packet::SubAck(s) if s.codes.contains(&SubAckCode::Failure) => see("SUBACK failure"),
            _ => {}
        }
    }
    let want = [
        "CONNECT",
        "CONNACK",
        "PUBLISH",
        "PUBACK",
        "PUBREC",
        "PUBREL",
        "PUBCOMP",
        "SUBSCRIBE",
        "SUBACK",
        "UNSUBSCRIBE",
        "UNSUBACK",
        "PINGREQ",
        "PINGRESP",
        "DISCONNECT",
        "3-byte length",
        "3.1",
        "3.1.1",
        "empty client id",
        "retained QoS 2 will",
        "user and password",
        "3.1 password alone",
        "multi-byte topic",
        "汽车速度",
        "empty topic level",
        "empty payload",
        "DUP RETAIN QoS 2",
        "+ filter",
        "# filter",
        "SUBACK failure",
    ];
    let missing: Vec<_> = want.iter().filter(|w| !seen.contains(*w)).collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}

// ---------------------------------------------------------------------------------------------
// The field registry
// ---------------------------------------------------------------------------------------------

#[test]
fn registry_keys_are_unique_and_every_entry_is_explained() {
    assert!(field::ALL.len() > 40, "{} fields", field::ALL.len());
    let mut keys = HashSet::new();
    for f in field::ALL {
        let f: &Field = f;
        assert!(keys.insert(f.key), "duplicate key {}", f.key);
        assert!(f.key.starts_with("mqtt."), "{}", f.key);
        assert!(f.key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_'));
        for w in [f.name, f.explanation] {
            if let Err(e) = check_bilingual(w.zh, w.en) {
                panic!("{}: {e}", f.key);
            }
        }
        assert_eq!(f.label(Lang::Zh), f.name.zh);
        assert_eq!(f.explain(Lang::En), f.explanation.en);
        assert!(std::ptr::eq(field::by_key(f.key).unwrap(), f));
    }
    assert!(field::by_key("mqtt.nope").is_none());
}

// ---------------------------------------------------------------------------------------------
// The remaining length and the framer's limits
// ---------------------------------------------------------------------------------------------

#[test]
fn remaining_length_table() {
    let table: &[(usize, &str)] = &[
        (0, "00"),
        (127, "7f"),
        (128, "80 01"),
        (16_383, "ff 7f"),
        (16_384, "80 80 01"),
        (2_097_151, "ff ff 7f"),
        (2_097_152, "80 80 80 01"),
        (268_435_455, "ff ff ff 7f"),
    ];
    for &(n, wire) in table {
        assert_eq!(varint(n), hex(wire), "remaining length {n}");
        assert_eq!(remaining_length_len(n), hex(wire).len(), "remaining_length_len({n})");
    }
    assert_eq!(MAX_REMAINING_LENGTH, 268_435_455);
    // put_remaining_length appends.
    let mut b = BytesMut::from(&[0x30][..]);
    put_remaining_length(&mut b, 321);
    assert_eq!(&b[..], [0x30, 0xc1, 0x02]);
}

#[test]
fn a_fifth_remaining_length_byte_is_rejected_at_offset_4() {
    let e = frame(&[0x30, 0xff, 0xff, 0xff, 0xff, 0x01], usize::MAX).unwrap_err();
    assert_eq!((e.offset, &e.kind.clone(), e.rule()), (4, &ErrorKind::RemainingLengthTooLong, Some("§2.2.3")));
    // Known as soon as the fourth length byte still has its continuation bit.
    let e = frame(&[0x30, 0x80, 0x80, 0x80, 0x80], usize::MAX).unwrap_err();
    assert_eq!((e.offset, e.kind), (4, ErrorKind::RemainingLengthTooLong));
    // Three continuation bytes are not an error yet: one more byte may end the varint.
    assert_eq!(frame(&[0x30, 0xff, 0xff, 0xff], usize::MAX).unwrap(), Framing::Incomplete { need: 1 });
    // decode_slice reports the same.
    let e = decode_slice(&[0x30, 0xff, 0xff, 0xff, 0xff, 0x01]).unwrap_err();
    assert_eq!((e.offset, e.kind), (4, ErrorKind::RemainingLengthTooLong));
}

#[test]
fn framing_of_short_buffers() {
    assert_eq!(frame(&[], usize::MAX).unwrap(), Framing::Incomplete { need: 2 });
    assert_eq!(frame(&[0xc0], usize::MAX).unwrap(), Framing::Incomplete { need: 1 });
    assert_eq!(frame(&[0x30, 0x80], usize::MAX).unwrap(), Framing::Incomplete { need: 1 });
    // 30 80 01 = 128 bytes to come after a three-byte fixed header
    assert_eq!(frame(&[0x30, 0x80, 0x01], usize::MAX).unwrap(), Framing::Incomplete { need: 128 });
    assert_eq!(frame(&[0x30, 0x80, 0x01, 0, 0], usize::MAX).unwrap(), Framing::Incomplete { need: 126 });
    let h = whole(&[0xc0, 0x00, 0xff]);
    assert_eq!((h.byte1, h.header_len, h.remaining, h.frame_len()), (0xc0, 2, 0, 2));
    // An over-long varint (0 written as 80 00) still frames; the header is 3 bytes.
    let h = whole(&[0xe0, 0x80, 0x00]);
    assert_eq!((h.header_len, h.remaining), (3, 0));
}

#[test]
fn a_frame_larger_than_max_size_is_packet_too_large() {
    let e = frame(&[0xc0, 0x00], 1).unwrap_err();
    assert_eq!(e.kind, ErrorKind::PacketTooLarge { size: 2, max: 1 });
    assert_eq!(e.rule(), None);
    assert!(matches!(frame(&[0xc0, 0x00], 2), Ok(Framing::Whole(_))));
    // The limit is enforced from the fixed header alone, before the body has arrived.
    let e = frame(&[0x30, 0x80, 0x01], 100).unwrap_err();
    assert_eq!((e.offset, e.kind), (1, ErrorKind::PacketTooLarge { size: 131, max: 100 }));
    // The largest possible frame against a 1 MiB limit.
    let e = frame(&[0x30, 0xff, 0xff, 0xff, 0x7f], 1 << 20).unwrap_err();
    assert_eq!(e.kind, ErrorKind::PacketTooLarge { size: 5 + MAX_REMAINING_LENGTH, max: 1 << 20 });
}

// ---------------------------------------------------------------------------------------------
// Offsets and rule ids of decode errors (cases the unit tests in src/proto/packet/ do not cover)
// ---------------------------------------------------------------------------------------------

/// Decodes `hex` expecting an error; checks it against the spans, which must still be well formed.
fn fail(h: &str) -> DecodeError {
    let b = hex(h);
    let e = decode_slice(&b).expect_err(h);
    let (r, spans) = decode_spans(&b);
    assert_eq!(r.as_ref(), Err(&e), "decode_spans disagrees for {h}");
    check_span_prefix(b.len(), &spans).unwrap_or_else(|err| panic!("{h}: {err}"));
    assert!(e.offset <= b.len(), "{h}: offset {} past the end", e.offset);
    e
}

fn trunc(field: &Field) -> ErrorKind {
    ErrorKind::Truncated { field: field.name }
}

#[test]
fn reserved_packet_types_fail_at_byte_0() {
    for (h, t) in [("00 00", 0), ("f0 00", 15), ("f2 02 00 01", 15)] {
        let e = fail(h);
        assert_eq!((e.offset, e.kind.clone(), e.rule()), (0, ErrorKind::ReservedPacketType(t), Some("§2.2.1")), "{h}");
    }
}

#[test]
fn wrong_fixed_flags_fail_at_byte_0() {
    // c8 = PINGREQ with flags 1000
    let e = fail("c8 00");
    assert_eq!(e.kind, ErrorKind::ReservedFlags { packet: "PINGREQ", flags: 0b1000, expected: 0 });
    assert_eq!((e.offset, e.rule()), (0, Some("MQTT-2.2.2-1")));
    // a0 = UNSUBSCRIBE with flags 0000 instead of 0010
    let e = fail("a0 05 | 00 01 | 00 01 61");
    assert_eq!(e.kind, ErrorKind::ReservedFlags { packet: "UNSUBSCRIBE", flags: 0, expected: 0b0010 });
    // 22 = CONNACK with flags 0010
    assert_eq!(fail("22 02 00 00").rule(), Some("MQTT-2.2.2-1"));
}

#[test]
fn truncated_fixed_header_and_body() {
    // 30 80: the varint says "more follows" and the buffer ends
    let e = fail("30 80");
    assert_eq!((e.offset, e.kind.clone(), e.rule()), (2, trunc(&field::LEN), Some("§2.2.3")));
    let e = fail("30");
    assert_eq!((e.offset, e.kind), (1, trunc(&field::LEN)));
    // 30 05 promises five bytes, two arrive
    let e = fail("30 05 | 00 01");
    assert_eq!((e.offset, e.kind.clone(), e.rule()), (4, ErrorKind::Truncated { field: PACKET_BODY }, Some("§2.2.3")));
    assert_eq!(fail("").offset, 0);
}

#[test]
fn publish_errors() {
    // QoS 1 without a packet id: the frame ends at 5 where the id should start
    let e = fail("32 03 | 00 01 61");
    assert_eq!((e.offset, e.kind.clone(), e.rule()), (5, trunc(&field::PUBLISH_PACKET_ID), Some("§2.2.3")));
    // QoS 2 with packet id 0 at bytes 5..7
    let e = fail("34 05 | 00 01 61 | 00 00");
    assert_eq!((e.offset, e.kind.clone(), e.rule()), (5, ErrorKind::ZeroPacketId, Some("MQTT-2.3.1-1")));
    // the topic length (5) runs past the frame (3 bytes)
    let e = fail("30 03 | 00 05 61");
    assert_eq!((e.offset, e.kind), (5, trunc(&field::PUBLISH_TOPIC)));
    // "汽/+" = e6 b1 bd 2f 2b: the + is at 4 + 4
    let e = fail("30 07 | 00 05 e6 b1 bd 2f 2b");
    assert_eq!((e.offset, e.kind.clone(), e.rule()), (8, ErrorKind::WildcardInTopic, Some("MQTT-3.3.2-2")));
    // DUP at QoS 0 with an otherwise fine body
    let e = fail("39 05 | 00 01 61 | 68 69");
    assert_eq!((e.offset, e.kind), (0, ErrorKind::DupAtQoS0));
}

#[test]
fn connect_errors() {
    // client id "ab\xffc": the bad byte ff is at 16
    let e = fail("10 10 | 00 04 4d 51 54 54 | 04 | 02 | 00 3c | 00 04 61 62 ff 63");
    assert_eq!((e.offset, e.rule()), (16, Some("MQTT-1.5.3-1")));
    assert_eq!(e.kind, ErrorKind::InvalidUtf8 { field: field::CONNECT_CLIENT_ID.name });
    // "MQIsdp" with level 4: the level byte is at 10
    let e = fail("10 0f | 00 06 4d 51 49 73 64 70 | 04 | 02 | 00 3c | 00 01 61");
    assert_eq!(
        (e.offset, e.kind.clone(), e.rule()),
        (10, ErrorKind::UnsupportedProtocolLevel(4), Some("MQTT-3.1.2-2"))
    );
    // will flag with an empty will topic: the topic would start at 17
    let e = fail("10 11 | 00 04 4d 51 54 54 | 04 | 06 | 00 3c | 00 01 63 | 00 00 | 00 00");
    assert_eq!((e.offset, e.kind.clone(), e.rule()), (17, ErrorKind::EmptyTopic, Some("MQTT-4.7.3-1")));
    // will topic "a/#" (bytes 17..20, the # at 19)
    let e = fail("10 14 | 00 04 4d 51 54 54 | 04 | 06 | 00 3c | 00 01 63 | 00 03 61 2f 23 | 00 00");
    assert_eq!((e.kind.clone(), e.rule()), (ErrorKind::WildcardInWillTopic, Some("MQTT-4.7.1-1")));
    assert!((17..20).contains(&e.offset), "offset {} is outside the will topic", e.offset);
    // user name + password, the password's length (5) runs past the end of the frame at 21
    let e = fail("10 13 | 00 04 4d 51 54 54 | 04 | c2 | 00 3c | 00 01 63 | 00 01 75 | 00 05 70");
    assert_eq!((e.offset, e.kind), (21, trunc(&field::CONNECT_PASSWORD)));
    // a byte after the last field
    let e = fail("10 10 | 00 04 4d 51 54 54 | 04 | 02 | 00 0f | 00 03 65 73 70 | ff");
    assert_eq!((e.offset, e.kind.clone(), e.rule()), (17, ErrorKind::TrailingBytes(1), Some("§2.2.3")));
    // the protocol name's length (4) runs past a 3-byte frame
    let e = fail("10 03 | 00 04 4d");
    assert_eq!((e.offset, e.kind), (5, trunc(&field::CONNECT_PROTO_NAME)));
}

#[test]
fn connack_suback_and_ack_errors() {
    let e = fail("20 03 | 00 00 | 00");
    assert_eq!((e.offset, e.kind.clone(), e.rule()), (4, ErrorKind::TrailingBytes(1), Some("§2.2.3")));
    let e = fail("20 01 | 00");
    assert_eq!((e.offset, e.kind), (3, trunc(&field::CONNACK_CODE)));
    // 81 is neither a QoS nor the failure code 80
    let e = fail("90 03 | 00 01 | 81");
    assert_eq!((e.offset, e.kind.clone(), e.rule()), (4, ErrorKind::BadSubackCode(0x81), Some("MQTT-3.9.3-2")));
    // the second code is bad
    assert_eq!(fail("90 04 | 00 01 | 80 40").offset, 5);
    let e = fail("90 02 | 00 00");
    assert_eq!((e.offset, e.kind), (2, ErrorKind::ZeroPacketId));
    let e = fail("50 01 | 00");
    assert_eq!((e.offset, e.kind), (3, trunc(&field::PUBREC_PACKET_ID)));
    let e = fail("b0 00");
    assert_eq!((e.offset, e.kind), (2, trunc(&field::UNSUBACK_PACKET_ID)));
}

#[test]
fn subscribe_and_unsubscribe_errors() {
    let e = fail("82 06 | 00 00 | 00 01 61 | 00");
    assert_eq!((e.offset, e.kind.clone(), e.rule()), (2, ErrorKind::ZeroPacketId, Some("MQTT-2.3.1-1")));
    // filter "a" without its requested QoS byte
    let e = fail("82 05 | 00 01 | 00 01 61");
    assert_eq!((e.offset, e.kind), (7, trunc(&field::SUBSCRIBE_OPTIONS)));
    // filter "a\0b": the NUL is at 7
    let e = fail("82 08 | 00 01 | 00 03 61 00 62 | 00");
    assert_eq!((e.offset, e.rule()), (7, Some("MQTT-1.5.3-2")));
    assert_eq!(e.kind, ErrorKind::NullCharacter { field: field::SUBSCRIBE_FILTER.name });
    // the second filter asks for QoS 3 (byte 11)
    let e = fail("82 0a | 00 01 | 00 01 61 00 | 00 01 62 03");
    assert_eq!((e.offset, e.kind.clone(), e.rule()), (11, ErrorKind::BadRequestedQoS(3), Some("MQTT-3.8.3-4")));
    // e6 b1 is the start of 汽 without its last byte
    let e = fail("a2 06 | 00 01 | 00 02 e6 b1");
    assert_eq!((e.offset, e.rule()), (6, Some("MQTT-1.5.3-1")));
    assert_eq!(e.kind, ErrorKind::InvalidUtf8 { field: field::UNSUBSCRIBE_FILTER.name });
    // an UNSUBSCRIBE whose second filter's length runs past the end
    let e = fail("a2 08 | 00 01 | 00 01 61 | 00 09 62");
    assert_eq!((e.offset, e.kind), (10, trunc(&field::UNSUBSCRIBE_FILTER)));
}

#[test]
fn truncated_frames_keep_the_remaining_length_span() {
    // 30 05 with only two body bytes: the header and length spans are still there
    let (r, spans) = decode_spans(&hex("30 05 | 00 01"));
    assert!(r.is_err());
    let len = spans.iter().find(|s| s.field.key == field::LEN.key).expect("length span");
    assert_eq!((len.start, len.end), (1, 2));
    assert!(len.value.starts_with('5'), "{}", len.value);
}

// ---------------------------------------------------------------------------------------------
// Error locations and rules of frames that once were reported wrongly.
// ---------------------------------------------------------------------------------------------

#[test]
fn truncated_frames_show_the_declared_multi_byte_remaining_length() {
    for (h, declared) in [("30 05 | 00 01", 5), ("30 80 01 | 00 01", 128), ("30 80 80 01 | 00 01", 16_384)] {
        let (r, spans) = decode_spans(&hex(h));
        assert!(matches!(r, Err(DecodeError { kind: ErrorKind::Truncated { .. }, .. })), "{h}: {r:?}");
        let len = spans.iter().find(|s| s.field.key == field::LEN.key).expect("length span");
        let shown = len.value.split(' ').next().unwrap_or_default();
        assert_eq!(shown, declared.to_string(), "{h}: the length span reads {:?}", len.value);
    }
}

#[test]
fn a_wildcard_in_the_will_topic_is_reported_at_the_wildcard() {
    // will topic "a/#" at bytes 17..20: the # is byte 19
    let e = fail("10 14 | 00 04 4d 51 54 54 | 04 | 06 | 00 3c | 00 01 63 | 00 03 61 2f 23 | 00 00");
    assert_eq!((e.offset, e.kind), (19, ErrorKind::WildcardInWillTopic));
}

#[test]
fn an_unsubscribe_without_filters_cites_the_unsubscribe_rule() {
    let e = fail("a2 02 | 00 01");
    assert_eq!((e.offset, e.kind.clone()), (4, ErrorKind::NoTopicFilters { packet: "UNSUBSCRIBE" }));
    assert_eq!(e.rule(), Some("MQTT-3.10.3-2"));
    // SUBSCRIBE's own rule stays
    assert_eq!(fail("82 02 | 00 01").rule(), Some("MQTT-3.8.3-3"));
}

// ---------------------------------------------------------------------------------------------
// MQTT 5.0
// ---------------------------------------------------------------------------------------------

use mqtt_lab::proto::v5::{self, PropContext, ReasonPacket};
use mqtt_lab::proto::{AnyPacket, decode_slice_v, decode_spans_v, decode_v, rules};
use packets5::{big_publish5, packet5};

fn decode5(b: &[u8]) -> Result<v5::Packet, DecodeError> {
    match decode_slice_v(b, Protocol::V5)? {
        AnyPacket::V5(p) => Ok(p),
        AnyPacket::V3(p) => panic!("a 3.1.1 packet from {b:02x?}: {p:?}"),
    }
}

/// What a valid 5.0 encoding must satisfy: the checks of `check_round_trip`, for `decode_slice_v` and
/// `decode_v` with `Protocol::V5`.
fn check_round_trip5(p: &v5::Packet) -> Result<(), TestCaseError> {
    prop_assert_eq!(p.check_encodable(), Ok(()));
    let bytes = p.to_bytes();
    let total = bytes.len();
    prop_assert_eq!(p.encoded_len(), total);
    let mut out = BytesMut::from(&b"xyz"[..]);
    p.encode(&mut out);
    prop_assert_eq!(&out[3..], &bytes[..]);
    let h = whole(&bytes);
    prop_assert_eq!(h.frame_len(), total);
    prop_assert_eq!(h.byte1 >> 4, p.packet_type() as u8);
    for n in 0..total {
        match frame(&bytes[..n], usize::MAX)? {
            Framing::Incomplete { need } => prop_assert!(need > 0 && n + need <= total),
            Framing::Whole(h) => return Err(TestCaseError::fail(format!("prefix of {n}/{total} is whole: {h:?}"))),
        }
        prop_assert!(decode_slice_v(&bytes[..n], Protocol::V5).is_err(), "a prefix of {} bytes decodes", n);
    }
    prop_assert_eq!(&decode5(&bytes)?, p);
    prop_assert_eq!(decode_v(&bytes, Protocol::V5)?, AnyPacket::V5(p.clone()));
    Ok(())
}

/// Whatever the 5.0 decoder accepts is lossless in value (re-encoding decodes to the same packet, and
/// the encoder finds it valid); whatever it refuses has its offset in the frame and a rule of 5.0.
fn poke5(buf: &[u8]) -> Result<(), TestCaseError> {
    let r = decode_slice_v(buf, Protocol::V5);
    let (r_spans, spans) = decode_spans_v(buf, Protocol::V5);
    prop_assert_eq!(&r, &r_spans);
    prop_assert_eq!(&r, &decode_v(&Bytes::copy_from_slice(buf), Protocol::V5));
    match &r {
        Ok(AnyPacket::V5(p)) => {
            check_spans(whole(buf).frame_len(), &spans)?;
            prop_assert_eq!(p.check_encodable(), Ok(()), "{:02x?} decodes to {:?}", buf, p);
            prop_assert_eq!(&decode5(&p.to_bytes())?, p);
        }
        // A 3.1 / 3.1.1 CONNECT: the 3.1.1 decoder's answer.
        Ok(AnyPacket::V3(p)) => {
            prop_assert!(matches!(p, Packet::Connect(_)));
            prop_assert_eq!(&decode_slice(buf)?, p);
        }
        Err(e) => {
            check_span_prefix(buf.len(), &spans)?;
            prop_assert!(e.offset <= buf.len(), "error {:?} past the end of {} bytes", e, buf.len());
            let _ = (e.message(Lang::En), e.message(Lang::Zh));
            match e.rule() {
                Some(r) if r.starts_with('§') => {}
                Some(r) if e.is_v5() => prop_assert!(rules::is_rule_id_v5(r), "{:?} cites {}", e, r),
                Some(r) => prop_assert!(rules::is_rule_id(r), "{:?} cites {}", e, r),
                None => {
                    let too_large = matches!(e.kind, ErrorKind::PacketTooLarge { .. });
                    prop_assert!(too_large, "{:?} cites nothing", e);
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_valid_v5_packet_round_trips(p in packet5()) {
        check_round_trip5(&p)?;
    }

    #[test]
    fn a_stream_of_v5_packets_splits_back_into_the_same_packets(ps in proptest::collection::vec(packet5(), 1..8)) {
        let mut stream = BytesMut::new();
        for p in &ps {
            p.encode(&mut stream);
        }
        let mut rest = &stream[..];
        let mut out = Vec::new();
        while !rest.is_empty() {
            let h = whole(rest);
            out.push(decode5(&rest[..h.frame_len()])?);
            rest = &rest[h.frame_len()..];
        }
        prop_assert_eq!(out, ps);
    }

    #[test]
    fn spans_of_every_valid_v5_packet_tile_the_frame(p in packet5()) {
        let bytes = p.to_bytes();
        let (r, spans) = decode_spans_v(&bytes, Protocol::V5);
        prop_assert_eq!(r?, AnyPacket::V5(p.clone()));
        check_spans(bytes.len(), &spans)?;
        let mut masks: BTreeMap<usize, u8> = BTreeMap::new();
        for s in &spans {
            if let Some(m) = s.bits {
                *masks.entry(s.start).or_default() |= m;
            }
        }
        for (at, m) in masks {
            prop_assert_eq!(m, 0xff, "bits of byte {} are not all explained", at);
        }
        // Every property identifier is followed by its value's span, under the property's field (a
        // string or binary value after its length, a User Property's name first).
        let bytes_only: Vec<&Span> = spans.iter().filter(|s| s.bits.is_none()).collect();
        let mut props = 0;
        for (i, s) in bytes_only.iter().enumerate().filter(|(_, s)| s.field.key == field::PROP_ID.key) {
            props += 1;
            let def = v5::PROPERTIES.iter().find(|d| d.id == bytes[s.start]).expect("a known property");
            let next = bytes_only[i + 1];
            let value = if next.field.key == field::PROP_LEN.key { bytes_only[i + 2] } else { next };
            prop_assert_eq!(value.field.key, def.field.key, "the value after identifier {:#04x}", def.id);
        }
        let count: usize = properties_of(&p).map(|ps| ps.iter().map(|p| p.ids().len()).sum()).unwrap_or(0);
        prop_assert_eq!(props, count, "one identifier span per property");
    }
}

/// The property sets of a packet (a CONNECT has two when it has a will).
fn properties_of(p: &v5::Packet) -> Option<Vec<&v5::Properties>> {
    let mut out = vec![p.properties()?];
    if let v5::Packet::Connect(c) = p
        && let Some(w) = &c.will
    {
        out.push(&w.properties);
    }
    Some(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn big_v5_publishes_round_trip(p in big_publish5()) {
        check_round_trip5(&v5::Packet::Publish(p))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_single_bit_flip_of_a_v5_packet_is_rejected_or_lossless(p in packet5()) {
        let bytes = p.to_bytes();
        for b in bit_flips(&bytes) {
            poke5(&b)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_the_v5_decoder(
        byte1 in prop_oneof![0x10u8..=0xf0, any::<u8>()],
        rem in 0usize..300,
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut buf = vec![byte1];
        buf.extend(varint(rem));
        buf.extend(body);
        poke5(&buf)?;
    }

    #[test]
    fn mutated_valid_v5_packets_never_panic(p in packet5(), ms in proptest::collection::vec(mutation(), 1..4)) {
        let mut buf = p.to_bytes().to_vec();
        for m in &ms {
            apply(&mut buf, m);
        }
        poke5(&buf)?;
    }

    #[test]
    fn a_3_1_1_connect_reads_the_same_on_a_5_0_connection(c in packets::connect()) {
        let p = Packet::Connect(Box::new(c));
        prop_assert_eq!(decode_slice_v(&p.to_bytes(), Protocol::V5)?, AnyPacket::V3(p.clone()));
        prop_assert_eq!(decode_slice_v(&p.to_bytes(), Protocol::V311)?, AnyPacket::V3(p));
    }
}

/// The 5.0 generator makes every packet type, every property in every packet that may carry it, every
/// reason code of every packet and the short forms of the acknowledgements.
#[test]
fn the_v5_packet_generator_covers_every_case() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = packet5();
    let mut seen: HashSet<String> = HashSet::new();
    for _ in 0..20_000 {
        let p = strategy.new_tree(&mut runner).unwrap().current();
        seen.insert(p.packet_type().name().to_string());
        let bytes = p.to_bytes();
        let ctx = match &p {
            v5::Packet::Connect(c) => {
                if let Some(w) = &c.will {
                    for id in w.properties.ids() {
                        seen.insert(format!("{:?} {id:#04x}", PropContext::Will));
                    }
                }
                if c.password.is_some() && c.username.is_none() {
                    seen.insert("password alone".into());
                }
                Some(PropContext::Connect)
            }
            v5::Packet::ConnAck(_) => Some(PropContext::ConnAck),
            v5::Packet::Publish(q) => {
                if q.topic.is_empty() {
                    seen.insert("empty topic with alias".into());
                }
                if q.properties.subscription_identifiers.len() > 1 {
                    seen.insert("two subscription identifiers".into());
                }
                Some(PropContext::Publish)
            }
            v5::Packet::PubAck(_) => Some(PropContext::PubAck),
            v5::Packet::PubRec(_) => Some(PropContext::PubRec),
            v5::Packet::PubRel(_) => Some(PropContext::PubRel),
            v5::Packet::PubComp(_) => Some(PropContext::PubComp),
            v5::Packet::Subscribe(s) => {
                if s.filters.iter().any(|(f, _)| f.starts_with("$share/")) {
                    seen.insert("shared subscription".into());
                }
                Some(PropContext::Subscribe)
            }
            v5::Packet::SubAck(_) => Some(PropContext::SubAck),
            v5::Packet::Unsubscribe(_) => Some(PropContext::Unsubscribe),
            v5::Packet::UnsubAck(_) => Some(PropContext::UnsubAck),
            v5::Packet::Disconnect(_) => Some(PropContext::Disconnect),
            v5::Packet::Auth(_) => Some(PropContext::Auth),
            _ => None,
        };
        if let (Some(ctx), Some(props)) = (ctx, p.properties()) {
            for id in props.ids() {
                seen.insert(format!("{ctx:?} {id:#04x}"));
            }
        }
        let reasons: Vec<(ReasonPacket, v5::ReasonCode)> = match &p {
            v5::Packet::ConnAck(c) => vec![(ReasonPacket::ConnAck, c.reason)],
            v5::Packet::PubAck(a) => vec![(ReasonPacket::PubAck, a.reason)],
            v5::Packet::PubRec(a) => vec![(ReasonPacket::PubRec, a.reason)],
            v5::Packet::PubRel(a) => vec![(ReasonPacket::PubRel, a.reason)],
            v5::Packet::PubComp(a) => vec![(ReasonPacket::PubComp, a.reason)],
            v5::Packet::SubAck(s) => s.reasons.iter().map(|c| (ReasonPacket::SubAck, *c)).collect(),
            v5::Packet::UnsubAck(u) => u.reasons.iter().map(|c| (ReasonPacket::UnsubAck, *c)).collect(),
            v5::Packet::Disconnect(d) => vec![(ReasonPacket::Disconnect, d.reason)],
            v5::Packet::Auth(a) => vec![(ReasonPacket::Auth, a.reason)],
            _ => vec![],
        };
        for (packet, code) in reasons {
            seen.insert(format!("{} {code}", packet.name()));
        }
        let h = whole(&bytes);
        match (&p, h.remaining) {
            (v5::Packet::PubAck(_), 2) => seen.insert("PUBACK in 2 bytes".into()),
            (v5::Packet::PubAck(_), 3) => seen.insert("PUBACK in 3 bytes".into()),
            (v5::Packet::Disconnect(_), 0) => seen.insert("DISCONNECT in 0 bytes".into()),
            (v5::Packet::Disconnect(_), 1) => seen.insert("DISCONNECT in 1 byte".into()),
            (v5::Packet::Auth(_), 0) => seen.insert("AUTH in 0 bytes".into()),
            _ => false,
        };
        if h.header_len >= 4 {
            seen.insert("3-byte length".into());
        }
    }
    let mut want: Vec<String> = [
        "CONNECT",
        "CONNACK",
        "PUBLISH",
        "PUBACK",
        "PUBREC",
        "PUBREL",
        "PUBCOMP",
        "SUBSCRIBE",
        "SUBACK",
        "UNSUBSCRIBE",
        "UNSUBACK",
        "PINGREQ",
        "PINGRESP",
        "DISCONNECT",
        "AUTH",
        "password alone",
        "empty topic with alias",
        "two subscription identifiers",
        "shared subscription",
        "PUBACK in 2 bytes",
        "PUBACK in 3 bytes",
        "DISCONNECT in 0 bytes",
        "DISCONNECT in 1 byte",
        "AUTH in 0 bytes",
        "3-byte length",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for ctx in PropContext::ALL {
        for d in v5::PROPERTIES.iter().filter(|d| ctx.allows(d.id)) {
            want.push(format!("{ctx:?} {:#04x}", d.id));
        }
    }
    for packet in ReasonPacket::ALL {
        for code in packet.codes() {
            want.push(format!("{} {code}", packet.name()));
        }
    }
    let missing: Vec<_> = want.iter().filter(|w| !seen.contains(*w)).collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}

/// Independently written frames, one per property type, decoded and their spans checked by offset.
#[test]
fn a_publish_with_one_property_of_each_type() {
    // 30 | 31 | 00 01 "t" | 2c = 44 bytes of properties:
    //   01 01                    Payload Format Indicator (byte) = 1
    //   02 00 00 0e 10           Message Expiry Interval (four bytes) = 3600
    //   23 00 07                 Topic Alias (two bytes) = 7
    //   0b 81 01                 Subscription Identifier (varint, 2 bytes) = 129
    //   03 00 04 74 65 78 74     Content Type (UTF-8) = "text"
    //   09 00 02 ca fe           Correlation Data (binary) = ca fe
    //   26 00 01 6b 00 06 e6 b1 bd e8 bd a6   User Property (pair) = "k": "汽车"
    //   08 00 04 72 2f 31 32     Response Topic = "r/12"
    // | 78 = payload "x"
    let b = hex("30 31 | 00 01 74 | 2c 01 01 02 00 00 0e 10 23 00 07 0b 81 01 03 00 04 74 65 78 74 09 00 02 ca fe \
         26 00 01 6b 00 06 e6 b1 bd e8 bd a6 08 00 04 72 2f 31 32 | 78");
    let v5::Packet::Publish(p) = decode5(&b).unwrap() else { panic!() };
    let q = &p.properties;
    assert_eq!(q.payload_format_indicator, Some(true));
    assert_eq!(q.message_expiry_interval, Some(3600));
    assert_eq!(q.topic_alias.map(|v| v.get()), Some(7));
    assert_eq!(q.subscription_identifiers.iter().map(|v| v.get()).collect::<Vec<_>>(), vec![129]);
    assert_eq!(q.content_type.as_deref(), Some("text"));
    assert_eq!(q.correlation_data.as_deref(), Some(&[0xca, 0xfe][..]));
    assert_eq!(q.user_properties, vec![("k".to_string(), "汽车".to_string())]);
    assert_eq!(q.response_topic.as_deref(), Some("r/12"));
    assert_eq!(&p.payload[..], b"x");
    let (_, spans) = decode_spans_v(&b, Protocol::V5);
    check_spans(b.len(), &spans).unwrap();
    let at = |key: &str| spans.iter().find(|s| s.field.key == key).map(|s| (s.start, s.end, s.value.clone())).unwrap();
    assert_eq!(at("mqtt.props_len"), (5, 6, "44".into()));
    assert_eq!(at("mqtt.prop.payload_format_indicator"), (7, 8, "1".into()));
    assert_eq!(at("mqtt.prop.message_expiry_interval"), (9, 13, "3600".into()));
    assert_eq!(at("mqtt.prop.topic_alias"), (14, 16, "7".into()));
    assert_eq!(at("mqtt.prop.subscription_identifier"), (17, 19, "129".into()));
    assert_eq!(at("mqtt.prop.content_type"), (22, 26, "\"text\"".into()));
    assert_eq!(at("mqtt.prop.correlation_data"), (29, 31, "ca fe".into()));
    assert_eq!(at("mqtt.prop.user_property"), (34, 35, "\"k\"".into()));
    assert_eq!(at("mqtt.prop.user_property.value"), (37, 43, "\"汽车\"".into()));
    assert_eq!(at("mqtt.prop.response_topic"), (46, 50, "\"r/12\"".into()));
    assert_eq!(at("mqtt.publish.payload"), (50, 51, "\"x\"".into()));
}

/// Every field of the 5.0 packets is in the registry with both languages (checked with the others
/// above), and the 27 property fields are there by their keys.
#[test]
fn the_registry_has_every_v5_field() {
    for key in [
        "mqtt.connect.flags.clean_start",
        "mqtt.connect.will_props_len",
        "mqtt.props_len",
        "mqtt.prop.id",
        "mqtt.prop.len",
        "mqtt.prop.user_property.value",
        "mqtt.connack.reason_code",
        "mqtt.puback.reason_code",
        "mqtt.pubrec.reason_code",
        "mqtt.pubrel.reason_code",
        "mqtt.pubcomp.reason_code",
        "mqtt.subscribe.sub_options",
        "mqtt.subscribe.no_local",
        "mqtt.subscribe.retain_as_published",
        "mqtt.subscribe.retain_handling",
        "mqtt.suback.reason_code",
        "mqtt.unsuback.reason_code",
        "mqtt.disconnect.reason_code",
        "mqtt.auth.reason_code",
    ] {
        assert!(field::by_key(key).is_some(), "{key}");
    }
    assert_eq!(v5::PROPERTIES.len(), 27);
    for d in v5::PROPERTIES {
        assert!(std::ptr::eq(field::by_key(d.field.key).unwrap(), d.field));
    }
}

#[test]
fn v5_errors_in_frames_cite_5_0() {
    // a PUBREL's flags 0000 [MQTT-2.1.3-1]; type 15 is AUTH, so only type 0 is reserved
    let e = decode5(&hex("60 02 00 01")).unwrap_err();
    assert_eq!((e.offset, e.rule(), e.version), (0, Some("MQTT-2.1.3-1"), Protocol::V5));
    // the property length of a SUBACK written in two bytes [MQTT-1.5.5-1]
    let e = decode5(&hex("90 05 | 00 01 | 80 00 | 00")).unwrap_err();
    assert_eq!((e.offset, e.rule()), (4, Some("MQTT-1.5.5-1")));
    // a fifth varint byte in a property length (§1.5.5)
    let e = decode5(&hex("90 07 | 00 01 | ff ff ff ff 01")).unwrap_err();
    assert_eq!((e.offset, e.rule()), (7, Some("§1.5.5")));
    // truncated: a PUBACK's property length says 9 with 1 byte after it (§2.1.4)
    let e = decode5(&hex("40 05 | 00 01 | 00 | 09 00")).unwrap_err();
    assert_eq!(
        (e.kind.clone(), e.rule()),
        (ErrorKind::Truncated { field: mqtt_lab::proto::PROPERTY_BLOCK }, Some("§2.1.4"))
    );
}

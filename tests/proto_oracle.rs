//! Agreement with an independent implementation: the MQTT 3.1.1 codec of ntex-mqtt 9.0.0
//! (`ntex_mqtt::v3::codec`), and its MQTT 5.0 codec (`ntex_mqtt::v5::codec`, the second half of this
//! file, whose own notes are there).
//!
//! What ntex can and cannot do, read from its source (src/v3/codec/{codec,decode,encode}.rs):
//! - it decodes all 14 packet types in both directions (client→server and server→client: CONNACK,
//!   SUBACK, PINGRESP … included) and its `max_size` is 0, i.e. unlimited, by default;
//! - it speaks only 3.1.1: it neither decodes nor encodes a 3.1 CONNECT ("MQIsdp", level 3), so 3.1
//!   is only checked for being rejected by ntex;
//! - its decoder rejects a zero-length client id with CleanSession = 0 (`InvalidClientId`). That
//!   CONNECT is well formed (the spec has the *server* answer CONNACK 0x02 [MQTT-3.1.3-8]), so our
//!   decoder accepts it; such packets are checked in the ntex→ours direction only;
//! - it is laxer than ours in places the spec forbids (NUL in strings, wildcards in topic names,
//!   reserved SUBSCRIBE QoS bits, zero filters, will flags without a will, DUP at QoS 0, trailing
//!   bytes in CONNECT/CONNACK, CONNACK code 6 …): see `OURS_STRICTER`;
//! - its decoder panics ("attempt to subtract with overflow", codec.rs:120) on a PUBLISH whose topic
//!   length runs past the remaining length when enough bytes follow in the buffer, e.g.
//!   `30 02 00 05 61 62 63 64 65`; the differential fuzz below does not feed it such frames.
//!
//! Each decode uses a fresh `Codec` (it keeps its state in a `Cell`), except the stream test, which
//! deliberately decodes a sequence of frames with one.

#[path = "common/packets.rs"]
mod packets;
#[path = "common/packets5.rs"]
mod packets5;

use mqtt_lab::proto::{
    ConnAck, Connect, ErrorKind, Framing, Packet, PacketId, Protocol, Publish, QoS, SubAck, SubAckCode, Subscribe,
    Unsubscribe, decode_slice, frame,
};
use ntex_bytes::{BytePages, ByteString, Bytes as NBytes, BytesMut as NBytesMut};
use ntex_codec::{Decoder, Encoder};
use ntex_mqtt::error::DecodeError as NDecodeError;
use ntex_mqtt::v3::codec::{
    self as nc, Codec, ConnectAckReason, Decoded, Encoded, LastWill, Packet as NPacket, SubscribeReturnCode,
};
use packets::{big_publish, connect_of, packet_v311};
use proptest::prelude::*;
use proptest::sample::Index;
use std::num::NonZeroU16;

// ---------------------------------------------------------------------------------------------
// Conversions and the two codecs' entry points
// ---------------------------------------------------------------------------------------------

fn to_nqos(q: QoS) -> nc::QoS {
    match q {
        QoS::AtMostOnce => nc::QoS::AtMostOnce,
        QoS::AtLeastOnce => nc::QoS::AtLeastOnce,
        QoS::ExactlyOnce => nc::QoS::ExactlyOnce,
    }
}

fn nid(p: PacketId) -> NonZeroU16 {
    p.0
}

fn nbytes(b: &[u8]) -> NBytes {
    NBytes::copy_from_slice(b)
}

/// A 3.1.1 packet as the equivalent ntex value; `None` for a 3.1 CONNECT, which ntex cannot express.
fn to_ntex(p: &Packet) -> Option<Encoded> {
    Some(Encoded::Packet(match p {
        Packet::Connect(c) => {
            if c.protocol != Protocol::V311 {
                return None;
            }
            NPacket::Connect(Box::new(nc::Connect {
                clean_session: c.clean_session,
                keep_alive: c.keep_alive,
                last_will: c.will.as_ref().map(|w| LastWill {
                    qos: to_nqos(w.qos),
                    retain: w.retain,
                    topic: ByteString::from(w.topic.as_str()),
                    message: nbytes(&w.message),
                }),
                client_id: ByteString::from(c.client_id.as_str()),
                username: c.username.as_deref().map(ByteString::from),
                password: c.password.as_deref().map(nbytes),
            }))
        }
        Packet::ConnAck(a) => NPacket::ConnectAck(nc::ConnectAck {
            return_code: ConnectAckReason::try_from(a.code as u8).expect("0..=5"),
            session_present: a.session_present,
        }),
        Packet::Publish(p) => {
            let np = nc::Publish {
                dup: p.dup,
                retain: p.retain,
                qos: to_nqos(p.qos()),
                topic: ByteString::from(&*p.topic),
                packet_id: p.qos_pid.pid().map(nid),
                payload_size: p.payload.len() as u32,
            };
            return Some(Encoded::Publish(np, Some(nbytes(&p.payload))));
        }
        Packet::PubAck(id) => NPacket::PublishAck { packet_id: nid(*id) },
        Packet::PubRec(id) => NPacket::PublishReceived { packet_id: nid(*id) },
        Packet::PubRel(id) => NPacket::PublishRelease { packet_id: nid(*id) },
        Packet::PubComp(id) => NPacket::PublishComplete { packet_id: nid(*id) },
        Packet::Subscribe(s) => NPacket::Subscribe {
            packet_id: nid(s.pid),
            topic_filters: s.filters.iter().map(|(f, q)| (ByteString::from(f.as_str()), to_nqos(*q))).collect(),
        },
        Packet::SubAck(s) => NPacket::SubscribeAck {
            packet_id: nid(s.pid),
            status: s
                .codes
                .iter()
                .map(|c| match c {
                    SubAckCode::Granted(q) => SubscribeReturnCode::Success(to_nqos(*q)),
                    SubAckCode::Failure => SubscribeReturnCode::Failure,
                })
                .collect(),
        },
        Packet::Unsubscribe(u) => NPacket::Unsubscribe {
            packet_id: nid(u.pid),
            topic_filters: u.filters.iter().map(|f| ByteString::from(f.as_str())).collect(),
        },
        Packet::UnsubAck(id) => NPacket::UnsubscribeAck { packet_id: nid(*id) },
        Packet::PingReq => NPacket::PingRequest,
        Packet::PingResp => NPacket::PingResponse,
        Packet::Disconnect => NPacket::Disconnect,
    }))
}

/// Encodes with a fresh ntex codec through `encodev` (its `encode` panics by design).
fn ntex_encode(item: Encoded) -> Vec<u8> {
    let codec = Codec::new();
    let mut pages = BytePages::default();
    codec.encodev(item, &mut pages).expect("ntex encodes the packet");
    pages.freeze().to_vec()
}

/// Decodes the frame at the front of `bytes` with a fresh ntex codec; returns it and how many bytes
/// ntex consumed.
fn ntex_decode(bytes: &[u8]) -> Result<Option<(Decoded, usize)>, NDecodeError> {
    let codec = Codec::new();
    let mut buf = NBytesMut::copy_from_slice(bytes);
    let d = codec.decode(&mut buf)?;
    Ok(d.map(|d| (d, bytes.len() - buf.len())))
}

/// A well-formed CONNECT that ntex's decoder refuses by policy (see the module comment).
fn ntex_refuses(p: &Packet) -> bool {
    matches!(p, Packet::Connect(c) if c.protocol == Protocol::V31 || (c.client_id.is_empty() && !c.clean_session))
}

// ---------------------------------------------------------------------------------------------
// Field-by-field comparison of our packet with ntex's decoded one
// ---------------------------------------------------------------------------------------------

fn same_connect(c: &Connect, n: &nc::Connect) -> Result<(), TestCaseError> {
    prop_assert_eq!(c.protocol, Protocol::V311);
    prop_assert_eq!(c.clean_session, n.clean_session, "clean session");
    prop_assert_eq!(c.keep_alive, n.keep_alive, "keep alive");
    prop_assert_eq!(c.client_id.as_str(), &*n.client_id, "client id");
    match (&c.will, &n.last_will) {
        (None, None) => {}
        (Some(w), Some(nw)) => {
            prop_assert_eq!(w.topic.as_str(), &*nw.topic, "will topic");
            prop_assert_eq!(&w.message[..], &nw.message[..], "will message");
            prop_assert_eq!(to_nqos(w.qos), nw.qos, "will QoS");
            prop_assert_eq!(w.retain, nw.retain, "will retain");
        }
        (a, b) => return Err(TestCaseError::fail(format!("will: ours {a:?}, ntex {b:?}"))),
    }
    prop_assert_eq!(c.username.as_deref(), n.username.as_deref(), "user name");
    prop_assert_eq!(c.password.as_deref(), n.password.as_deref(), "password");
    Ok(())
}

fn same_connack(a: &ConnAck, n: &nc::ConnectAck) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.session_present, n.session_present, "session present");
    prop_assert_eq!(a.code as u8, u8::from(n.return_code), "return code");
    Ok(())
}

fn same_publish(p: &Publish, n: &nc::Publish, payload: &[u8]) -> Result<(), TestCaseError> {
    prop_assert_eq!(&*p.topic, &*n.topic, "topic");
    prop_assert_eq!(to_nqos(p.qos()), n.qos, "QoS");
    prop_assert_eq!(p.qos_pid.pid().map(nid), n.packet_id, "packet id");
    prop_assert_eq!(p.dup, n.dup, "DUP");
    prop_assert_eq!(p.retain, n.retain, "RETAIN");
    prop_assert_eq!(p.payload.len(), n.payload_size as usize, "payload size");
    prop_assert_eq!(&p.payload[..], payload, "payload");
    Ok(())
}

fn same_subscribe(s: &Subscribe, id: NonZeroU16, filters: &[(ByteString, nc::QoS)]) -> Result<(), TestCaseError> {
    prop_assert_eq!(nid(s.pid), id, "packet id");
    prop_assert_eq!(s.filters.len(), filters.len(), "number of filters");
    for ((f, q), (nf, nq)) in s.filters.iter().zip(filters) {
        prop_assert_eq!(f.as_str(), &**nf, "filter");
        prop_assert_eq!(to_nqos(*q), *nq, "requested QoS of {}", f);
    }
    Ok(())
}

fn same_suback(s: &SubAck, id: NonZeroU16, status: &[SubscribeReturnCode]) -> Result<(), TestCaseError> {
    prop_assert_eq!(nid(s.pid), id, "packet id");
    prop_assert_eq!(s.codes.len(), status.len(), "number of return codes");
    for (c, n) in s.codes.iter().zip(status) {
        match (c, n) {
            (SubAckCode::Granted(q), SubscribeReturnCode::Success(nq)) => prop_assert_eq!(to_nqos(*q), *nq),
            (SubAckCode::Failure, SubscribeReturnCode::Failure) => {}
            (c, n) => return Err(TestCaseError::fail(format!("return code: ours {c:?}, ntex {n:?}"))),
        }
    }
    Ok(())
}

fn same_unsubscribe(u: &Unsubscribe, id: NonZeroU16, filters: &[ByteString]) -> Result<(), TestCaseError> {
    prop_assert_eq!(nid(u.pid), id, "packet id");
    let ours: Vec<&str> = u.filters.iter().map(String::as_str).collect();
    let theirs: Vec<&str> = filters.iter().map(|f| &**f).collect();
    prop_assert_eq!(ours, theirs, "filters");
    Ok(())
}

/// Asserts that ntex decoded the same values as ours, and the same remaining length.
fn assert_same(ours: &Packet, theirs: &Decoded, remaining: usize) -> Result<(), TestCaseError> {
    let pid = |p: &PacketId, n: &NonZeroU16| -> Result<(), TestCaseError> {
        prop_assert_eq!(nid(*p), *n, "packet id");
        Ok(())
    };
    match (ours, theirs) {
        (Packet::Publish(p), Decoded::Publish(n, payload, rem)) => {
            prop_assert_eq!(*rem as usize, remaining, "remaining length");
            return same_publish(p, n, payload);
        }
        (_, Decoded::Packet(_, rem)) => prop_assert_eq!(*rem as usize, remaining, "remaining length"),
        _ => {}
    }
    let Decoded::Packet(n, _) = theirs else {
        return Err(TestCaseError::fail(format!("ours {ours:?}, ntex {theirs:?}")));
    };
    match (ours, n) {
        (Packet::Connect(c), NPacket::Connect(nc)) => same_connect(c, nc),
        (Packet::ConnAck(a), NPacket::ConnectAck(na)) => same_connack(a, na),
        (Packet::PubAck(a), NPacket::PublishAck { packet_id }) => pid(a, packet_id),
        (Packet::PubRec(a), NPacket::PublishReceived { packet_id }) => pid(a, packet_id),
        (Packet::PubRel(a), NPacket::PublishRelease { packet_id }) => pid(a, packet_id),
        (Packet::PubComp(a), NPacket::PublishComplete { packet_id }) => pid(a, packet_id),
        (Packet::UnsubAck(a), NPacket::UnsubscribeAck { packet_id }) => pid(a, packet_id),
        (Packet::Subscribe(s), NPacket::Subscribe { packet_id, topic_filters }) => {
            same_subscribe(s, *packet_id, topic_filters)
        }
        (Packet::SubAck(s), NPacket::SubscribeAck { packet_id, status }) => same_suback(s, *packet_id, status),
        (Packet::Unsubscribe(u), NPacket::Unsubscribe { packet_id, topic_filters }) => {
            same_unsubscribe(u, *packet_id, topic_filters)
        }
        (Packet::PingReq, NPacket::PingRequest)
        | (Packet::PingResp, NPacket::PingResponse)
        | (Packet::Disconnect, NPacket::Disconnect) => Ok(()),
        (o, n) => Err(TestCaseError::fail(format!("different packets: ours {o:?}, ntex {n:?}"))),
    }
}

fn remaining_of(bytes: &[u8]) -> usize {
    match frame(bytes, usize::MAX) {
        Ok(Framing::Whole(h)) => h.remaining,
        other => panic!("not a whole frame: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Both directions, for every valid 3.1.1 packet
// ---------------------------------------------------------------------------------------------

/// ours → ntex: ntex decodes our bytes to the same values, consuming exactly the frame.
fn check_ntex_decodes_ours(p: &Packet) -> Result<(), TestCaseError> {
    let bytes = p.to_bytes();
    let r = ntex_decode(&bytes);
    if ntex_refuses(p) {
        prop_assert_eq!(r.err(), Some(NDecodeError::InvalidClientId));
        return Ok(());
    }
    let Some((d, used)) = r.map_err(|e| TestCaseError::fail(format!("ntex rejects {p:?}: {e:?}")))? else {
        return Err(TestCaseError::fail("ntex wants more bytes of a whole frame"));
    };
    prop_assert_eq!(used, bytes.len(), "ntex consumed {} of {} bytes", used, bytes.len());
    assert_same(p, &d, remaining_of(&bytes))
}

/// ntex → ours: ntex's encoding of the same values is byte for byte ours, and we decode it back.
fn check_ours_decodes_ntex(p: &Packet) -> Result<(), TestCaseError> {
    let item = to_ntex(p).expect("a 3.1.1 packet");
    let theirs = ntex_encode(item);
    prop_assert_eq!(&decode_slice(&theirs)?, p);
    // Both encoders are canonical (shortest varint, flags fully determined by the values).
    prop_assert_eq!(&theirs[..], &p.to_bytes()[..]);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ntex_decodes_our_encodings_to_the_same_values(p in packet_v311()) {
        check_ntex_decodes_ours(&p)?;
    }

    #[test]
    fn ntex_encodings_decode_with_ours_and_are_identical(p in packet_v311()) {
        check_ours_decodes_ntex(&p)?;
    }

    #[test]
    fn one_ntex_codec_splits_our_stream_the_same_way(ps in proptest::collection::vec(packet_v311(), 1..8)) {
        let ps: Vec<Packet> = ps.into_iter().filter(|p| !ntex_refuses(p)).collect();
        let mut stream = Vec::new();
        for p in &ps {
            stream.extend_from_slice(&p.to_bytes());
        }
        let codec = Codec::new();
        let mut buf = NBytesMut::copy_from_slice(&stream);
        for p in &ps {
            let d = codec.decode(&mut buf).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let d = d.ok_or_else(|| TestCaseError::fail("ntex wants more bytes"))?;
            assert_same(p, &d, remaining_of(&p.to_bytes()))?;
        }
        prop_assert!(buf.is_empty(), "{} bytes left", buf.len());
        let tail = codec.decode(&mut buf).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert!(tail.is_none());
    }

    #[test]
    fn ntex_rejects_31_connects(c in connect_of(Just(Protocol::V31))) {
        // ntex has no 3.1: the protocol name "MQIsdp" (length 6) fails its check for "MQTT".
        let bytes = Packet::Connect(Box::new(c)).to_bytes();
        prop_assert_eq!(ntex_decode(&bytes).err(), Some(NDecodeError::InvalidProtocol));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn big_publishes_agree_in_both_directions(p in big_publish()) {
        let p = Packet::Publish(p);
        check_ntex_decodes_ours(&p)?;
        check_ours_decodes_ntex(&p)?;
    }
}

#[test]
fn ntex_refuses_an_empty_client_id_without_clean_session_but_encodes_it_like_ours() {
    let mut c = Connect::new("");
    c.clean_session = false;
    let p = Packet::Connect(Box::new(c));
    // 10 0c | 00 04 "MQTT" | 04 | 00 (persistent session) | 00 3c | 00 00 (empty client id)
    let wire = [0x10, 0x0c, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x00, 0x00, 0x3c, 0x00, 0x00];
    assert_eq!(&p.to_bytes()[..], wire);
    assert_eq!(ntex_decode(&wire).err(), Some(NDecodeError::InvalidClientId));
    assert_eq!(ntex_encode(to_ntex(&p).unwrap()), wire);
    assert_eq!(decode_slice(&wire).unwrap(), p);
}

// ---------------------------------------------------------------------------------------------
// Differential fuzz on mutated encodings
// ---------------------------------------------------------------------------------------------

/// Errors of ours for frames ntex accepts: each is a MUST of the 3.1.1 spec that ntex does not check.
const OURS_STRICTER: &[fn(&ErrorKind) -> bool] = &[
    |k| matches!(k, ErrorKind::NullCharacter { .. }),    // MQTT-1.5.3-2
    |k| matches!(k, ErrorKind::WildcardInTopic),         // MQTT-3.3.2-2
    |k| matches!(k, ErrorKind::WildcardInWillTopic),     // MQTT-4.7.1-1
    |k| matches!(k, ErrorKind::EmptyTopic),              // MQTT-4.7.3-1
    |k| matches!(k, ErrorKind::TrailingBytes(_)),        // CONNECT / CONNACK longer than their fields
    |k| matches!(k, ErrorKind::NoTopicFilters { .. }),   // MQTT-3.8.3-3, MQTT-3.10.3-2
    |k| matches!(k, ErrorKind::BadRequestedQoS(_)),      // MQTT-3.8.3-4 (ntex masks the reserved bits)
    |k| matches!(k, ErrorKind::WillFlagsWithoutWill),    // MQTT-3.1.2-11 (-13, -15)
    |k| matches!(k, ErrorKind::PasswordWithoutUsername), // MQTT-3.1.2-22
    |k| matches!(k, ErrorKind::DupAtQoS0),               // MQTT-3.3.1-2
    |k| matches!(k, ErrorKind::BadConnack),              // ntex ignores the reserved acknowledge flags
    |k| matches!(k, ErrorKind::ReservedReturnCode(_)),   // return code 6 is "Reserved" in ntex
];

/// ntex would panic on a PUBLISH whose variable header is longer than its remaining length (see the
/// module comment); such frames are not given to it.
fn ntex_would_underflow(buf: &[u8]) -> bool {
    let Ok(Framing::Whole(h)) = frame(buf, usize::MAX) else { return false };
    if h.byte1 >> 4 != 3 || buf.len() < h.header_len + 2 {
        return false;
    }
    let topic = u16::from_be_bytes([buf[h.header_len], buf[h.header_len + 1]]) as usize;
    let id = if (h.byte1 >> 1) & 3 != 0 { 2 } else { 0 };
    2 + topic + id > h.remaining
}

/// Compares the two decoders on one (possibly malformed) buffer.
fn differential(buf: &[u8]) -> Result<(), TestCaseError> {
    if ntex_would_underflow(buf) {
        return Ok(());
    }
    let ours = decode_slice(buf);
    let theirs = ntex_decode(buf);
    match (&ours, &theirs) {
        (Ok(o), _) if ntex_refuses(o) => prop_assert!(theirs.is_err(), "ntex took {:?}", theirs),
        (Ok(o), Ok(Some((d, _)))) => assert_same(o, d, remaining_of(buf))?,
        (Ok(o), t) => return Err(TestCaseError::fail(format!("we decode {o:?} from {buf:02x?}, ntex {t:?}"))),
        // ntex took the whole frame but we did not: only for a rule ntex does not check.
        (Err(e), Ok(Some((d, _)))) => {
            let partial_publish = matches!(d, Decoded::Publish(n, pl, _) if pl.len() < n.payload_size as usize);
            prop_assert!(
                partial_publish || OURS_STRICTER.iter().any(|f| f(&e.kind)),
                "ntex decodes {:?} from {:02x?}, we fail with {:?}",
                d,
                buf,
                e
            );
        }
        (Err(_), _) => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn on_every_single_bit_flip_ntex_accepts_whatever_we_accept(p in packet_v311()) {
        let bytes = p.to_bytes();
        for bit in 0..bytes.len().min(64) * 8 {
            let mut b = bytes.to_vec();
            b[bit / 8] ^= 1 << (bit % 8);
            differential(&b)?;
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Append(Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::SetByte(i, b)),
        1 => proptest::collection::vec(any::<u8>(), 1..4).prop_map(Mutation::Append),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn on_mutated_frames_ntex_accepts_whatever_we_accept(
        p in packet_v311(),
        ms in proptest::collection::vec(mutation(), 1..3),
    ) {
        let mut buf = p.to_bytes().to_vec();
        for m in &ms {
            match m {
                Mutation::FlipBit(i, b) => { let i = i.index(buf.len()); buf[i] ^= 1 << b; }
                Mutation::SetByte(i, v) => { let i = i.index(buf.len()); buf[i] = *v; }
                Mutation::Append(extra) => buf.extend_from_slice(extra),
            }
        }
        differential(&buf)?;
    }
}

// =============================================================================================
// MQTT 5.0: ntex_mqtt::v5::codec
// =============================================================================================
//
// What ntex's 5.0 codec does, read from its source (src/v5/codec/{codec,decode,packet/*}.rs,
// src/utils.rs):
// - it decodes and encodes all 15 packet types, with the properties each may carry; it refuses a
//   property a packet may not carry and a second copy of one that may appear once, like ours;
// - its values hold less than ours: a property at its default and an absent one are the same value
//   (Request Problem Information 1, Receive Maximum 65,535, Maximum QoS 2, Retain Available 1 …), and
//   its encoder leaves defaults out and writes properties in an order of its own, so the two encoders
//   do not agree byte for byte; the comparison is of values, as ntex holds them (`to_ntex5`);
// - it refuses a Message Expiry Interval of 0 (a PUBLISH or will property it reads as `NonZeroU32`),
//   which MQTT 5.0 allows: such packets are checked for being refused (`ntex5_refuses`);
// - it is laxer than ours where the spec is not (`OURS_STRICTER5`): U+0000 in strings, wildcards in
//   topic names and Response Topics, an empty topic without a Topic Alias, a SUBSCRIBE or UNSUBSCRIBE
//   without filters, the reserved bits of the subscription options (masked), No Local on a shared
//   subscription, will flags without a will, DUP at QoS 0, Maximum QoS 2 and Maximum Packet Size 0 in
//   a CONNACK, Authentication Data without a method, a variable byte integer in more bytes than it
//   needs, bytes after a CONNECT or a PINGREQ's last field;
// - like its 3.1.1 codec, it would panic (u32 underflow in `codec.rs`) on a PUBLISH whose topic,
//   packet id and properties are longer than its remaining length: the fuzz does not give it those.

use mqtt_lab::proto::v5;
use mqtt_lab::proto::{AnyPacket, decode_slice_v};
use ntex_mqtt::v5::codec as n5;
use packets5::packet5;
use std::num::NonZeroU32;

fn bs(s: &str) -> ByteString {
    ByteString::from(s)
}

fn user5(p: &v5::Properties) -> n5::UserProperties {
    p.user_properties.iter().map(|(k, v)| (bs(k), bs(v))).collect()
}

fn opt_bs(s: &Option<String>) -> Option<ByteString> {
    s.as_deref().map(bs)
}

fn opt_bytes(b: &Option<bytes::Bytes>) -> Option<NBytes> {
    b.as_deref().map(nbytes)
}

fn reason5<T: TryFrom<u8>>(c: v5::ReasonCode) -> T
where
    T::Error: std::fmt::Debug,
{
    T::try_from(c.as_u8()).expect("ntex knows every reason code of the packet")
}

/// ntex reads a Message Expiry Interval as non-zero; `None` when ours is 0.
fn expiry(v: Option<u32>) -> Option<Option<NonZeroU32>> {
    match v {
        None => Some(None),
        Some(v) => NonZeroU32::new(v).map(Some),
    }
}

/// A 5.0 packet as the equivalent ntex value; `None` when ntex cannot hold it (see `ntex5_refuses`).
fn to_ntex5(p: &v5::Packet) -> Option<n5::Encoded> {
    use n5::Packet as N;
    let acks = |a: &v5::Ack| n5::PublishAck {
        packet_id: nid(a.pid),
        reason_code: reason5(a.reason),
        properties: user5(&a.properties),
        reason_string: opt_bs(&a.properties.reason_string),
    };
    let acks2 = |a: &v5::Ack| n5::PublishAck2 {
        packet_id: nid(a.pid),
        reason_code: reason5(a.reason),
        properties: user5(&a.properties),
        reason_string: opt_bs(&a.properties.reason_string),
    };
    Some(n5::Encoded::Packet(match p {
        v5::Packet::Connect(c) => {
            let q = &c.properties;
            let last_will = match &c.will {
                None => None,
                Some(w) => {
                    let wp = &w.properties;
                    Some(n5::LastWill {
                        qos: to_nqos(w.qos),
                        retain: w.retain,
                        topic: bs(&w.topic),
                        message: nbytes(&w.message),
                        will_delay_interval_sec: wp.will_delay_interval,
                        correlation_data: opt_bytes(&wp.correlation_data),
                        message_expiry_interval: expiry(wp.message_expiry_interval)?,
                        content_type: opt_bs(&wp.content_type),
                        user_properties: user5(wp),
                        is_utf8_payload: wp.payload_format_indicator,
                        response_topic: opt_bs(&wp.response_topic),
                    })
                }
            };
            N::Connect(Box::new(n5::Connect {
                clean_start: c.clean_start,
                keep_alive: c.keep_alive,
                session_expiry_interval_secs: q.session_expiry_interval.unwrap_or(0),
                auth_method: opt_bs(&q.authentication_method),
                auth_data: opt_bytes(&q.authentication_data),
                request_problem_info: q.request_problem_information.unwrap_or(true),
                request_response_info: q.request_response_information.unwrap_or(false),
                receive_max: q.receive_maximum,
                topic_alias_max: q.topic_alias_maximum.unwrap_or(0),
                user_properties: user5(q),
                max_packet_size: q.maximum_packet_size,
                last_will,
                client_id: bs(&c.client_id),
                username: c.username.as_deref().map(bs),
                password: c.password.as_deref().map(nbytes),
            }))
        }
        v5::Packet::ConnAck(a) => {
            let q = &a.properties;
            N::ConnectAck(Box::new(n5::ConnectAck {
                session_present: a.session_present,
                reason_code: reason5(a.reason),
                session_expiry_interval_secs: q.session_expiry_interval,
                receive_max: q.receive_maximum.unwrap_or(NonZeroU16::MAX),
                max_qos: to_nqos(q.maximum_qos.unwrap_or(QoS::ExactlyOnce)),
                max_packet_size: q.maximum_packet_size.map(NonZeroU32::get),
                assigned_client_id: opt_bs(&q.assigned_client_identifier),
                topic_alias_max: q.topic_alias_maximum.unwrap_or(0),
                retain_available: q.retain_available.unwrap_or(true),
                wildcard_subscription_available: q.wildcard_subscription_available.unwrap_or(true),
                subscription_identifiers_available: q.subscription_identifier_available.unwrap_or(true),
                shared_subscription_available: q.shared_subscription_available.unwrap_or(true),
                server_keepalive_sec: q.server_keep_alive,
                response_info: opt_bs(&q.response_information),
                server_reference: opt_bs(&q.server_reference),
                auth_method: opt_bs(&q.authentication_method),
                auth_data: opt_bytes(&q.authentication_data),
                reason_string: opt_bs(&q.reason_string),
                user_properties: user5(q),
            }))
        }
        v5::Packet::Publish(x) => {
            let q = &x.properties;
            let np = n5::Publish {
                dup: x.dup,
                retain: x.retain,
                qos: to_nqos(x.qos()),
                packet_id: x.qos_pid.pid().map(nid),
                topic: bs(&x.topic),
                payload_size: x.payload.len() as u32,
                properties: n5::PublishProperties {
                    topic_alias: q.topic_alias,
                    correlation_data: opt_bytes(&q.correlation_data),
                    message_expiry_interval: expiry(q.message_expiry_interval)?,
                    content_type: opt_bs(&q.content_type),
                    user_properties: user5(q),
                    is_utf8_payload: q.payload_format_indicator.unwrap_or(false),
                    response_topic: opt_bs(&q.response_topic),
                    subscription_ids: q.subscription_identifiers.clone(),
                },
            };
            return Some(n5::Encoded::Publish(np, Some(nbytes(&x.payload))));
        }
        v5::Packet::PubAck(a) => N::PublishAck(acks(a)),
        v5::Packet::PubRec(a) => N::PublishReceived(acks(a)),
        v5::Packet::PubRel(a) => N::PublishRelease(acks2(a)),
        v5::Packet::PubComp(a) => N::PublishComplete(acks2(a)),
        v5::Packet::Subscribe(x) => N::Subscribe(n5::Subscribe {
            packet_id: nid(x.pid),
            id: x.properties.subscription_identifiers.first().copied(),
            user_properties: user5(&x.properties),
            topic_filters: x
                .filters
                .iter()
                .map(|(f, o)| {
                    let opts = n5::SubscriptionOptions {
                        qos: to_nqos(o.qos),
                        no_local: o.no_local,
                        retain_as_published: o.retain_as_published,
                        retain_handling: n5::RetainHandling::try_from(o.retain_handling as u8).unwrap(),
                    };
                    (bs(f), opts)
                })
                .collect(),
        }),
        v5::Packet::SubAck(x) => N::SubscribeAck(n5::SubscribeAck {
            packet_id: nid(x.pid),
            properties: user5(&x.properties),
            reason_string: opt_bs(&x.properties.reason_string),
            status: x.reasons.iter().map(|c| reason5(*c)).collect(),
        }),
        v5::Packet::Unsubscribe(x) => N::Unsubscribe(n5::Unsubscribe {
            packet_id: nid(x.pid),
            user_properties: user5(&x.properties),
            topic_filters: x.filters.iter().map(|f| bs(f)).collect(),
        }),
        v5::Packet::UnsubAck(x) => N::UnsubscribeAck(n5::UnsubscribeAck {
            packet_id: nid(x.pid),
            properties: user5(&x.properties),
            reason_string: opt_bs(&x.properties.reason_string),
            status: x.reasons.iter().map(|c| reason5(*c)).collect(),
        }),
        v5::Packet::PingReq => N::PingRequest,
        v5::Packet::PingResp => N::PingResponse,
        v5::Packet::Disconnect(d) => N::Disconnect(n5::Disconnect {
            reason_code: reason5(d.reason),
            session_expiry_interval_secs: d.properties.session_expiry_interval,
            server_reference: opt_bs(&d.properties.server_reference),
            reason_string: opt_bs(&d.properties.reason_string),
            user_properties: user5(&d.properties),
        }),
        v5::Packet::Auth(a) => N::Auth(n5::Auth {
            reason_code: reason5(a.reason),
            auth_method: opt_bs(&a.properties.authentication_method),
            auth_data: opt_bytes(&a.properties.authentication_data),
            reason_string: opt_bs(&a.properties.reason_string),
            user_properties: user5(&a.properties),
        }),
    }))
}

/// A valid 5.0 packet that ntex's decoder refuses: a Message Expiry Interval of 0.
fn ntex5_refuses(p: &v5::Packet) -> bool {
    to_ntex5(p).is_none()
}

fn ntex5_encode(item: n5::Encoded) -> Vec<u8> {
    let codec = n5::Codec::new();
    let mut pages = BytePages::default();
    codec.encodev(item, &mut pages).expect("ntex encodes the packet");
    pages.freeze().to_vec()
}

fn ntex5_decode(bytes: &[u8]) -> Result<Option<(n5::Decoded, usize)>, NDecodeError> {
    let codec = n5::Codec::new();
    let mut buf = NBytesMut::copy_from_slice(bytes);
    let d = codec.decode(&mut buf)?;
    Ok(d.map(|d| (d, bytes.len() - buf.len())))
}

fn decode5(bytes: &[u8]) -> Result<v5::Packet, TestCaseError> {
    match decode_slice_v(bytes, Protocol::V5)? {
        AnyPacket::V5(p) => Ok(p),
        AnyPacket::V3(p) => Err(TestCaseError::fail(format!("a 3.1.1 packet: {p:?}"))),
    }
}

/// ntex's decoded value is the one ours stands for, with the same remaining length.
fn assert_same5(ours: &v5::Packet, theirs: &n5::Decoded, remaining: usize) -> Result<(), TestCaseError> {
    let want = to_ntex5(ours).ok_or_else(|| TestCaseError::fail(format!("ntex cannot hold {ours:?}")))?;
    match (want, theirs) {
        (n5::Encoded::Publish(np, payload), n5::Decoded::Publish(tp, tpayload, rem)) => {
            prop_assert_eq!(*rem as usize, remaining, "remaining length");
            prop_assert_eq!(&np, tp);
            prop_assert_eq!(&payload.unwrap()[..], &tpayload[..], "payload");
        }
        (n5::Encoded::Packet(np), n5::Decoded::Packet(tp, rem)) => {
            prop_assert_eq!(*rem as usize, remaining, "remaining length");
            prop_assert_eq!(&np, tp);
        }
        (w, t) => return Err(TestCaseError::fail(format!("ours means {w:?}, ntex decoded {t:?}"))),
    }
    Ok(())
}

/// ours → ntex: ntex decodes our bytes to the values ours holds, consuming exactly the frame.
fn check_ntex5_decodes_ours(p: &v5::Packet) -> Result<(), TestCaseError> {
    let bytes = p.to_bytes();
    let r = ntex5_decode(&bytes);
    if ntex5_refuses(p) {
        prop_assert_eq!(r.err(), Some(NDecodeError::MalformedPacket), "ntex took a Message Expiry Interval of 0");
        return Ok(());
    }
    let Some((d, used)) = r.map_err(|e| TestCaseError::fail(format!("ntex rejects {p:?}: {e:?}")))? else {
        return Err(TestCaseError::fail("ntex wants more bytes of a whole frame"));
    };
    prop_assert_eq!(used, bytes.len(), "ntex consumed {} of {} bytes", used, bytes.len());
    assert_same5(p, &d, remaining_of(&bytes))
}

/// ntex → ours: we decode ntex's encoding of the same values to a packet that stands for them, and
/// that our encoder finds valid.
fn check_ours_decodes_ntex5(p: &v5::Packet) -> Result<(), TestCaseError> {
    let Some(item) = to_ntex5(p) else { return Ok(()) };
    let theirs = ntex5_encode(item.clone());
    let q = decode5(&theirs)?;
    prop_assert_eq!(q.check_encodable(), Ok(()));
    prop_assert_eq!(to_ntex5(&q), Some(item), "ntex's bytes {:02x?}", theirs);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ntex_decodes_our_v5_encodings_to_the_same_values(p in packet5()) {
        check_ntex5_decodes_ours(&p)?;
    }

    #[test]
    fn we_decode_ntex_v5_encodings_to_the_same_values(p in packet5()) {
        check_ours_decodes_ntex5(&p)?;
    }

    #[test]
    fn one_ntex_v5_codec_splits_our_stream_the_same_way(ps in proptest::collection::vec(packet5(), 1..8)) {
        let ps: Vec<v5::Packet> = ps.into_iter().filter(|p| !ntex5_refuses(p)).collect();
        let mut stream = Vec::new();
        for p in &ps {
            stream.extend_from_slice(&p.to_bytes());
        }
        let codec = n5::Codec::new();
        let mut buf = NBytesMut::copy_from_slice(&stream);
        for p in &ps {
            let d = codec.decode(&mut buf).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let d = d.ok_or_else(|| TestCaseError::fail("ntex wants more bytes"))?;
            assert_same5(p, &d, remaining_of(&p.to_bytes()))?;
        }
        prop_assert!(buf.is_empty(), "{} bytes left", buf.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn big_v5_publishes_agree_in_both_directions(p in packets5::big_publish5()) {
        let p = v5::Packet::Publish(p);
        check_ntex5_decodes_ours(&p)?;
        check_ours_decodes_ntex5(&p)?;
    }
}

#[test]
fn ntex_refuses_a_message_expiry_interval_of_0_which_5_0_allows() {
    let mut p = v5::Publish::new("a", bytes::Bytes::from_static(b"x"));
    p.properties.message_expiry_interval = Some(0);
    let p = v5::Packet::Publish(p);
    // 30 0a | 00 01 "a" | 05 02 00 00 00 00 = Message Expiry Interval 0 | "x"
    let wire = [0x30, 0x0a, 0x00, 0x01, b'a', 0x05, 0x02, 0x00, 0x00, 0x00, 0x00, b'x'];
    assert_eq!(&p.to_bytes()[..], wire);
    assert_eq!(decode5(&wire).unwrap(), p);
    assert_eq!(ntex5_decode(&wire).err(), Some(NDecodeError::MalformedPacket));
}

/// Independently written 5.0 frames that both codecs decode, compared value by value.
#[test]
fn hand_written_v5_frames_mean_the_same_to_both_codecs() {
    let frames: &[&[u8]] = &[
        // CONNECT "MQTT" 5, clean start, keep alive 60, Session Expiry 120, client id "c"
        &[0x10, 0x13, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x02, 0, 60, 5, 0x11, 0, 0, 0, 120, 0, 1, b'c'],
        // CONNACK session present, success, Receive Maximum 20
        &[0x20, 0x06, 0x01, 0x00, 0x03, 0x21, 0x00, 0x14],
        // PUBACK id 7 in two bytes; PUBREC id 7 with 0x10; PUBREL 0x92; PUBCOMP with an empty property length
        &[0x40, 0x02, 0x00, 0x07],
        &[0x50, 0x03, 0x00, 0x07, 0x10],
        &[0x62, 0x03, 0x00, 0x07, 0x92],
        &[0x70, 0x04, 0x00, 0x07, 0x00, 0x00],
        // SUBSCRIBE id 10, Subscription Identifier 3, "a/#" with Retain Handling 1 and QoS 1
        &[0x82, 0x0b, 0x00, 0x0a, 0x02, 0x0b, 0x03, 0x00, 0x03, b'a', b'/', b'#', 0x11],
        // SUBACK id 10: granted QoS 1, 0x87
        &[0x90, 0x05, 0x00, 0x0a, 0x00, 0x01, 0x87],
        // UNSUBACK id 10: 0x11
        &[0xb0, 0x04, 0x00, 0x0a, 0x00, 0x11],
        // DISCONNECT in zero bytes, with 0x04, with 0x8e and a Reason String "x"
        &[0xe0, 0x00],
        &[0xe0, 0x01, 0x04],
        &[0xe0, 0x06, 0x8e, 0x04, 0x1f, 0x00, 0x01, b'x'],
        // AUTH in zero bytes; AUTH continue with method "m"
        &[0xf0, 0x00],
        &[0xf0, 0x06, 0x18, 0x04, 0x15, 0x00, 0x01, b'm'],
    ];
    for f in frames {
        let ours = decode5(f).unwrap_or_else(|e| panic!("{f:02x?}: {e}"));
        let (d, used) = ntex5_decode(f).unwrap().unwrap();
        assert_eq!(used, f.len(), "{f:02x?}");
        assert_same5(&ours, &d, remaining_of(f)).unwrap_or_else(|e| panic!("{f:02x?}: {e}"));
    }
}

/// Errors of ours for 5.0 frames ntex accepts: each is a rule of 5.0 that ntex does not check.
const OURS_STRICTER5: &[fn(&ErrorKind) -> bool] = &[
    |k| matches!(k, ErrorKind::NullCharacter { .. }),    // MQTT-1.5.4-2
    |k| matches!(k, ErrorKind::WildcardInTopic),         // MQTT-3.3.2-2
    |k| matches!(k, ErrorKind::WildcardInWillTopic),     // MQTT-4.7.0-1
    |k| matches!(k, ErrorKind::WildcardInResponseTopic), // MQTT-3.3.2-14
    |k| matches!(k, ErrorKind::EmptyTopic),              // MQTT-4.7.3-1
    |k| matches!(k, ErrorKind::EmptyTopicWithoutAlias),  // §3.3.2.1
    |k| matches!(k, ErrorKind::NoTopicFilters { .. }),   // MQTT-3.8.3-2, MQTT-3.10.3-2
    |k| matches!(k, ErrorKind::SubscriptionOptionsReserved(_)), // MQTT-3.8.3-5 (ntex masks them)
    |k| matches!(k, ErrorKind::NoLocalOnSharedSubscription), // MQTT-3.8.3-4
    |k| matches!(k, ErrorKind::WillFlagsWithoutWill),    // MQTT-3.1.2-11, MQTT-3.1.2-13
    |k| matches!(k, ErrorKind::DupAtQoS0),               // MQTT-3.3.1-2
    |k| matches!(k, ErrorKind::AuthDataWithoutMethod),   // §3.1.2.11.10
    |k| matches!(k, ErrorKind::NonMinimalVarint { .. }), // MQTT-1.5.5-1
    |k| matches!(k, ErrorKind::TrailingBytes(_)),        // after a CONNECT or PINGREQ
    |k| matches!(k, ErrorKind::BadPropertyValue { id: 0x24 | 0x27, ctx: v5::PropContext::ConnAck, .. }), // §3.2.2.3.4, §3.2.2.3.6
];

/// ntex's codec.rs subtracts the PUBLISH header from the remaining length; it must not be longer.
fn ntex5_would_underflow(buf: &[u8]) -> bool {
    let Ok(Framing::Whole(h)) = frame(buf, usize::MAX) else { return false };
    if h.byte1 >> 4 != 3 || buf.len() < h.header_len + 2 {
        return false;
    }
    let at = h.header_len;
    let mut len = 2 + u16::from_be_bytes([buf[at], buf[at + 1]]) as usize;
    if (h.byte1 >> 1) & 3 != 0 {
        len += 2;
    }
    // The property length after the topic and packet id, as ntex reads it.
    let mut props = 0usize;
    let mut shift = 0;
    let mut i = at + len;
    loop {
        let Some(&b) = buf.get(i) else { return true };
        props |= ((b & 0x7f) as usize) << shift;
        i += 1;
        if b & 0x80 == 0 || shift >= 21 {
            break;
        }
        shift += 7;
    }
    len + (i - at - len) + props > h.remaining
}

/// Compares the two 5.0 decoders on one (possibly malformed) buffer.
fn differential5(buf: &[u8]) -> Result<(), TestCaseError> {
    if ntex5_would_underflow(buf) {
        return Ok(());
    }
    let ours = decode_slice_v(buf, Protocol::V5);
    let theirs = ntex5_decode(buf);
    match (&ours, &theirs) {
        // A 3.1 / 3.1.1 CONNECT: ntex's 5.0 codec speaks 5.0 only.
        (Ok(AnyPacket::V3(_)), _) => prop_assert!(theirs.is_err(), "ntex 5.0 took a 3.1.1 CONNECT"),
        (Ok(AnyPacket::V5(o)), _) if ntex5_refuses(o) => prop_assert!(theirs.is_err(), "ntex took {:?}", theirs),
        (Ok(AnyPacket::V5(o)), Ok(Some((d, _)))) => assert_same5(o, d, remaining_of(buf))?,
        (Ok(o), t) => return Err(TestCaseError::fail(format!("we decode {o:?} from {buf:02x?}, ntex {t:?}"))),
        (Err(e), Ok(Some((d, _)))) => {
            let partial_publish = matches!(d, n5::Decoded::Publish(n, pl, _) if pl.len() < n.payload_size as usize);
            prop_assert!(
                partial_publish || OURS_STRICTER5.iter().any(|f| f(&e.kind)),
                "ntex decodes {:?} from {:02x?}, we fail with {:?}",
                d,
                buf,
                e
            );
        }
        (Err(_), _) => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn on_every_single_bit_flip_of_a_v5_packet_ntex_accepts_whatever_we_accept(p in packet5()) {
        let bytes = p.to_bytes();
        for bit in 0..bytes.len().min(64) * 8 {
            let mut b = bytes.to_vec();
            b[bit / 8] ^= 1 << (bit % 8);
            differential5(&b)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn on_mutated_v5_frames_ntex_accepts_whatever_we_accept(
        p in packet5(),
        ms in proptest::collection::vec(mutation(), 1..3),
    ) {
        let mut buf = p.to_bytes().to_vec();
        for m in &ms {
            match m {
                Mutation::FlipBit(i, b) => { let i = i.index(buf.len()); buf[i] ^= 1 << b; }
                Mutation::SetByte(i, v) => { let i = i.index(buf.len()); buf[i] = *v; }
                Mutation::Append(extra) => buf.extend_from_slice(extra),
            }
        }
        differential5(&buf)?;
    }
}

/// The 5.0 fuzz is not vacuous: over mutated frames, both codecs often accept (and agree), both often
/// refuse, and ntex sometimes accepts what we refuse for one of `OURS_STRICTER5`'s reasons.
#[test]
fn the_v5_differential_meets_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = (packet5(), proptest::collection::vec(mutation(), 1..3));
    let (mut agree, mut both_refuse, mut stricter) = (0, 0, 0);
    for _ in 0..3000 {
        let (p, ms) = strategy.new_tree(&mut runner).unwrap().current();
        let mut buf = p.to_bytes().to_vec();
        for m in &ms {
            match m {
                Mutation::FlipBit(i, b) => {
                    let i = i.index(buf.len());
                    buf[i] ^= 1 << b;
                }
                Mutation::SetByte(i, v) => {
                    let i = i.index(buf.len());
                    buf[i] = *v;
                }
                Mutation::Append(extra) => buf.extend_from_slice(extra),
            }
        }
        if ntex5_would_underflow(&buf) {
            continue;
        }
        differential5(&buf).unwrap_or_else(|e| panic!("{buf:02x?}: {e}"));
        match (decode_slice_v(&buf, Protocol::V5), ntex5_decode(&buf)) {
            (Ok(_), Ok(Some(_))) => agree += 1,
            (Err(_), Ok(Some(_))) => stricter += 1,
            (Err(_), _) => both_refuse += 1,
            _ => {}
        }
    }
    assert!(
        agree > 300 && both_refuse > 300 && stricter > 10,
        "agree {agree}, both refuse {both_refuse}, ours stricter {stricter}"
    );
}

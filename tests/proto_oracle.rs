//! Agreement with an independent implementation: the MQTT 3.1.1 codec of ntex-mqtt 9.0.0
//! (`ntex_mqtt::v3::codec`).
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

//! The packets of MQTT 5.0, one file each (PUBACK, PUBREC, PUBREL and PUBCOMP share `ack.rs`, SUBACK
//! and UNSUBACK `suback.rs`), with their decode, encode and byte-commented tests. They are read by the
//! one decoder of [`proto`](crate::proto) (`decode_v(frame, Protocol::V5)`), which records their
//! spans like those of 3.1.1; their properties are [`Properties`], their reason codes [`ReasonCode`].
//!
//! Pure: part of the codec, no I/O.

mod ack;
mod auth;
mod connack;
pub(crate) mod connect;
mod disconnect;
mod publish;
mod suback;
mod subscribe;
mod unsubscribe;

pub use crate::proto::property::{PROPERTIES, PropContext, PropDef, PropType, Properties};
pub use crate::proto::reason::{ReasonCode, ReasonPacket};
pub use ack::Ack;
pub use auth::Auth;
pub use connack::ConnAck;
pub use connect::{Connect, Will};
pub use disconnect::Disconnect;
pub use publish::Publish;
pub use suback::{SubAck, UnsubAck};
pub use subscribe::{RetainHandling, Subscribe, SubscriptionOptions};
pub use unsubscribe::Unsubscribe;

use super::EncodeError;
use crate::proto::error::{DecodeError, ErrorKind};
use crate::proto::field as f;
use crate::proto::reader::Reader;
use crate::proto::span::Recorder;
use crate::proto::{MAX_REMAINING_LENGTH, PacketId, put_remaining_length, remaining_length_len};
use bytes::{BufMut, Bytes, BytesMut};

/// The 15 control packet types of MQTT 5.0: those of 3.1.1, and AUTH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PacketType {
    Connect = 1,
    ConnAck,
    Publish,
    PubAck,
    PubRec,
    PubRel,
    PubComp,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    PingReq,
    PingResp,
    Disconnect,
    Auth,
}

impl PacketType {
    pub fn from_u8(t: u8) -> Option<PacketType> {
        use PacketType::*;
        Some(match t {
            15 => Auth,
            t => match crate::proto::PacketType::from_u8(t)? {
                crate::proto::PacketType::Connect => Connect,
                crate::proto::PacketType::ConnAck => ConnAck,
                crate::proto::PacketType::Publish => Publish,
                crate::proto::PacketType::PubAck => PubAck,
                crate::proto::PacketType::PubRec => PubRec,
                crate::proto::PacketType::PubRel => PubRel,
                crate::proto::PacketType::PubComp => PubComp,
                crate::proto::PacketType::Subscribe => Subscribe,
                crate::proto::PacketType::SubAck => SubAck,
                crate::proto::PacketType::Unsubscribe => Unsubscribe,
                crate::proto::PacketType::UnsubAck => UnsubAck,
                crate::proto::PacketType::PingReq => PingReq,
                crate::proto::PacketType::PingResp => PingResp,
                crate::proto::PacketType::Disconnect => Disconnect,
            },
        })
    }

    /// The same type of MQTT 3.1.1 (AUTH has none).
    pub fn v3(self) -> Option<crate::proto::PacketType> {
        crate::proto::PacketType::from_u8(self as u8)
    }

    pub fn name(self) -> &'static str {
        self.v3().map_or("AUTH", crate::proto::PacketType::name)
    }

    /// The type in 中文.
    pub fn name_zh(self) -> &'static str {
        self.v3().map_or("认证交换", crate::proto::PacketType::name_zh)
    }

    /// The flags nibble this type requires (PUBLISH's flags are free and return `None`).
    pub fn fixed_flags(self) -> Option<u8> {
        self.v3().map_or(Some(0), crate::proto::PacketType::fixed_flags)
    }
}

/// One MQTT 5.0 control packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    Connect(Box<Connect>),
    ConnAck(ConnAck),
    Publish(Publish),
    PubAck(Ack),
    PubRec(Ack),
    PubRel(Ack),
    PubComp(Ack),
    Subscribe(Subscribe),
    SubAck(SubAck),
    Unsubscribe(Unsubscribe),
    UnsubAck(UnsubAck),
    PingReq,
    PingResp,
    Disconnect(Disconnect),
    Auth(Auth),
}

impl Packet {
    pub fn packet_type(&self) -> PacketType {
        match self {
            Packet::Connect(_) => PacketType::Connect,
            Packet::ConnAck(_) => PacketType::ConnAck,
            Packet::Publish(_) => PacketType::Publish,
            Packet::PubAck(_) => PacketType::PubAck,
            Packet::PubRec(_) => PacketType::PubRec,
            Packet::PubRel(_) => PacketType::PubRel,
            Packet::PubComp(_) => PacketType::PubComp,
            Packet::Subscribe(_) => PacketType::Subscribe,
            Packet::SubAck(_) => PacketType::SubAck,
            Packet::Unsubscribe(_) => PacketType::Unsubscribe,
            Packet::UnsubAck(_) => PacketType::UnsubAck,
            Packet::PingReq => PacketType::PingReq,
            Packet::PingResp => PacketType::PingResp,
            Packet::Disconnect(_) => PacketType::Disconnect,
            Packet::Auth(_) => PacketType::Auth,
        }
    }

    /// The packet id, for the packets that carry one.
    pub fn packet_id(&self) -> Option<PacketId> {
        match self {
            Packet::Publish(p) => p.qos_pid.pid(),
            Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => Some(a.pid),
            Packet::Subscribe(s) => Some(s.pid),
            Packet::SubAck(s) => Some(s.pid),
            Packet::Unsubscribe(u) => Some(u.pid),
            Packet::UnsubAck(u) => Some(u.pid),
            _ => None,
        }
    }

    /// The properties, for the packets that have them (all but PINGREQ and PINGRESP).
    pub fn properties(&self) -> Option<&Properties> {
        Some(match self {
            Packet::Connect(c) => &c.properties,
            Packet::ConnAck(c) => &c.properties,
            Packet::Publish(p) => &p.properties,
            Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => &a.properties,
            Packet::Subscribe(s) => &s.properties,
            Packet::SubAck(s) => &s.properties,
            Packet::Unsubscribe(u) => &u.properties,
            Packet::UnsubAck(u) => &u.properties,
            Packet::Disconnect(d) => &d.properties,
            Packet::Auth(a) => &a.properties,
            Packet::PingReq | Packet::PingResp => return None,
        })
    }

    fn body_len(&self) -> usize {
        match self {
            Packet::Connect(c) => c.body_len(),
            Packet::ConnAck(c) => c.body_len(),
            Packet::Publish(p) => p.body_len(),
            Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => a.body_len(),
            Packet::Subscribe(s) => s.body_len(),
            Packet::SubAck(s) => s.body_len(),
            Packet::Unsubscribe(u) => u.body_len(),
            Packet::UnsubAck(u) => u.body_len(),
            Packet::PingReq | Packet::PingResp => 0,
            Packet::Disconnect(d) => d.body_len(),
            Packet::Auth(a) => a.body_len(),
        }
    }

    /// Bytes this packet takes on the wire.
    pub fn encoded_len(&self) -> usize {
        let body = self.body_len();
        1 + remaining_length_len(body) + body
    }

    fn byte1(&self) -> u8 {
        let t = self.packet_type();
        let flags = match self {
            Packet::Publish(p) => p.flags(),
            _ => t.fixed_flags().unwrap_or(0),
        };
        ((t as u8) << 4) | flags
    }

    /// Whether this packet can be put on the wire as valid MQTT 5.0: every string and binary field
    /// within its 2-byte length prefix, the remaining length within four varint bytes, and nothing the
    /// decoder would refuse — a property the packet may not carry or carries twice, a value a property
    /// does not allow, a reason code of another packet, a string with U+0000, a topic name with a
    /// wildcard, an empty topic without a Topic Alias, a SUBSCRIBE or UNSUBSCRIBE without filters, DUP
    /// at QoS 0. A packet that passes decodes back to itself. [`encode`](Self::encode) panics only
    /// where it would have to truncate (a field over 65,535 bytes, a packet over 268,435,455).
    pub fn check_encodable(&self) -> Result<(), EncodeError> {
        match self {
            Packet::Connect(c) => c.check()?,
            Packet::ConnAck(c) => c.check()?,
            Packet::Publish(p) => p.check()?,
            Packet::PubAck(a) => a.check(ReasonPacket::PubAck)?,
            Packet::PubRec(a) => a.check(ReasonPacket::PubRec)?,
            Packet::PubRel(a) => a.check(ReasonPacket::PubRel)?,
            Packet::PubComp(a) => a.check(ReasonPacket::PubComp)?,
            Packet::Subscribe(s) => s.check()?,
            Packet::SubAck(s) => s.check()?,
            Packet::Unsubscribe(u) => u.check()?,
            Packet::UnsubAck(u) => u.check()?,
            Packet::PingReq | Packet::PingResp => {}
            Packet::Disconnect(d) => d.check()?,
            Packet::Auth(a) => a.check()?,
        }
        let remaining = self.body_len();
        if remaining > MAX_REMAINING_LENGTH {
            return Err(EncodeError::PacketTooLarge { remaining });
        }
        Ok(())
    }

    /// Appends this packet's bytes to `out`.
    pub fn encode(&self, out: &mut BytesMut) {
        let body = self.body_len();
        assert!(body <= MAX_REMAINING_LENGTH, "a remaining length of {body} does not fit MQTT's four varint bytes");
        out.reserve(1 + remaining_length_len(body) + body);
        out.put_u8(self.byte1());
        put_remaining_length(out, body);
        match self {
            Packet::Connect(c) => c.encode_body(out),
            Packet::ConnAck(c) => c.encode_body(out),
            Packet::Publish(p) => p.encode_body(out),
            Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => a.encode_body(out),
            Packet::Subscribe(s) => s.encode_body(out),
            Packet::SubAck(s) => s.encode_body(out),
            Packet::Unsubscribe(u) => u.encode_body(out),
            Packet::UnsubAck(u) => u.encode_body(out),
            Packet::PingReq | Packet::PingResp => {}
            Packet::Disconnect(d) => d.encode_body(out),
            Packet::Auth(a) => a.encode_body(out),
        }
    }

    /// Encodes this packet into a new buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(self.encoded_len());
        self.encode(&mut b);
        b.freeze()
    }
}

/// `field` as an encode error when it is longer than its 2-byte length prefix can say.
pub(crate) fn check_len(field: &'static str, len: usize) -> Result<(), EncodeError> {
    if len > u16::MAX as usize { Err(EncodeError::FieldTooLong { field, len }) } else { Ok(()) }
}

/// A string the decoder reads back: within its length prefix and without U+0000 [MQTT-1.5.4-2].
pub(crate) fn check_str(field: &'static str, s: &str) -> Result<(), EncodeError> {
    check_len(field, s.len())?;
    if s.contains('\0') {
        return Err(EncodeError::Invalid { what: format!("the {field} contains U+0000"), rule: "MQTT-1.5.4-2" });
    }
    Ok(())
}

/// A reason code `packet` may carry [MQTT-3.4.2-1 and the like].
pub(crate) fn check_reason(code: ReasonCode, packet: ReasonPacket) -> Result<(), EncodeError> {
    if code.is_valid_in(packet) {
        Ok(())
    } else {
        Err(EncodeError::Invalid {
            what: format!("reason code {code} is not one of the {} reason codes", packet.name()),
            rule: packet.rule(),
        })
    }
}

/// The body of every packet but CONNECT, whose protocol name and level the caller has read.
pub(crate) fn decode_body<R: Recorder>(
    kind: PacketType,
    flags: u8,
    r: &mut Reader<'_, R>,
) -> Result<Packet, DecodeError> {
    use PacketType as T;
    Ok(match kind {
        T::Connect => Packet::Connect(Box::new(connect::decode(r)?)),
        T::ConnAck => Packet::ConnAck(connack::decode(r)?),
        T::Publish => Packet::Publish(publish::decode(flags, r)?),
        T::PubAck => Packet::PubAck(ack::decode(ReasonPacket::PubAck, r)?),
        T::PubRec => Packet::PubRec(ack::decode(ReasonPacket::PubRec, r)?),
        T::PubRel => Packet::PubRel(ack::decode(ReasonPacket::PubRel, r)?),
        T::PubComp => Packet::PubComp(ack::decode(ReasonPacket::PubComp, r)?),
        T::Subscribe => Packet::Subscribe(subscribe::decode(r)?),
        T::SubAck => Packet::SubAck(suback::decode_suback(r)?),
        T::Unsubscribe => Packet::Unsubscribe(unsubscribe::decode(r)?),
        T::UnsubAck => Packet::UnsubAck(suback::decode_unsuback(r)?),
        T::PingReq => Packet::PingReq,
        T::PingResp => Packet::PingResp,
        T::Disconnect => Packet::Disconnect(disconnect::decode(r)?),
        T::Auth => Packet::Auth(auth::decode(r)?),
    })
}

/// Where a topic name has a wildcard, if it has one [MQTT-3.3.2-2] (an empty name is the caller's
/// question: a Topic Alias may stand for it in a PUBLISH).
pub(crate) fn topic_wildcard_at(topic: &str) -> Option<usize> {
    topic.bytes().position(|b| b == b'+' || b == b'#')
}

/// A will topic: a non-empty topic name without wildcards [MQTT-4.7.3-1, MQTT-4.7.0-1].
pub(crate) fn decode_will_topic<R: Recorder>(r: &mut Reader<'_, R>) -> Result<String, DecodeError> {
    let topic_at = r.pos + 2;
    let topic = r.string(&f::CONNECT_WILL_TOPIC_LEN, &f::CONNECT_WILL_TOPIC)?;
    if topic.is_empty() {
        return Err(DecodeError::new(topic_at, ErrorKind::EmptyTopic));
    }
    if let Some(at) = topic_wildcard_at(topic) {
        return Err(DecodeError::new(topic_at + at, ErrorKind::WildcardInWillTopic));
    }
    Ok(topic.to_string())
}

#[cfg(test)]
pub(crate) mod test_util {
    pub use crate::proto::packet::test_util::hex;
    use crate::proto::{AnyPacket, DecodeError, Protocol, Span, decode_slice_v, decode_spans_v};

    /// Decodes `hex` as MQTT 5.0, expecting a 5.0 packet.
    pub fn decode5(h: &str) -> Result<super::Packet, DecodeError> {
        match decode_slice_v(&hex(h), Protocol::V5)? {
            AnyPacket::V5(p) => Ok(p),
            AnyPacket::V3(p) => panic!("a 3.1.1 packet: {p:?}"),
        }
    }

    /// The spans of `hex` decoded as MQTT 5.0 (the packet must decode).
    pub fn spans5(h: &str) -> Vec<Span> {
        let (r, spans) = decode_spans_v(&hex(h), Protocol::V5);
        r.unwrap_or_else(|e| panic!("{h}: {e}"));
        spans
    }

    /// Encodes `p` and checks it is encodable and decodes back to itself.
    pub fn round_trip(p: &super::Packet) -> Vec<u8> {
        p.check_encodable().unwrap_or_else(|e| panic!("{p:?}: {e}"));
        let b = p.to_bytes();
        assert_eq!(b.len(), p.encoded_len());
        assert_eq!(decode_slice_v(&b, Protocol::V5), Ok(AnyPacket::V5(p.clone())));
        b.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;
    use crate::proto::{AnyPacket, Protocol, decode_slice_v};

    #[test]
    fn the_15_packet_types() {
        for t in 1..=15u8 {
            let k = PacketType::from_u8(t).unwrap();
            assert_eq!(k as u8, t);
            assert_eq!(k.v3().is_some(), t != 15);
        }
        assert!(PacketType::from_u8(0).is_none() && PacketType::from_u8(16).is_none());
        assert_eq!((PacketType::Auth.name(), PacketType::Auth.name_zh()), ("AUTH", "认证交换"));
        assert_eq!(PacketType::Auth.fixed_flags(), Some(0));
        assert_eq!(PacketType::PubRel.fixed_flags(), Some(0b0010));
    }

    #[test]
    fn ping_packets_are_two_bytes_and_type_0_is_reserved() {
        // c0 00 = PINGREQ, d0 00 = PINGRESP: the same in 5.0
        assert_eq!(decode5("c0 00").unwrap(), Packet::PingReq);
        assert_eq!(decode5("d0 00").unwrap(), Packet::PingResp);
        assert_eq!(round_trip(&Packet::PingResp), hex("d0 00"));
        // 00 00: type 0 is reserved in 5.0 too (§2.1.2)
        let e = decode5("00 00").unwrap_err();
        assert_eq!((e.offset, e.kind.clone(), e.rule()), (0, ErrorKind::ReservedPacketType(0), Some("§2.1.2")));
        // c1 00: PINGREQ's flags are reserved, 0000 [MQTT-2.1.3-1]
        let e = decode5("c1 00").unwrap_err();
        assert_eq!((e.offset, e.rule()), (0, Some("MQTT-2.1.3-1")));
        assert!(e.message(crate::i18n::Lang::En).ends_with("(byte 0, MQTT-2.1.3-1 of 5.0)"), "{e}");
        // c0 01 00: a PINGREQ has nothing after its fixed header
        assert_eq!(decode5("c0 01 00").unwrap_err().kind, ErrorKind::TrailingBytes(1));
    }

    #[test]
    fn a_remaining_length_in_more_bytes_than_needed_is_malformed_in_5_0() {
        // c0 80 00: remaining length 0 written in two bytes [MQTT-1.5.5-1]; 3.1.1 accepts it
        let e = decode5("c0 80 00").unwrap_err();
        assert_eq!((e.offset, e.rule()), (1, Some("MQTT-1.5.5-1")));
        assert!(crate::proto::decode_slice(&hex("c0 80 00")).is_ok());
    }

    #[test]
    fn the_packets_3_1_1_has_are_read_as_5_0_only_when_asked() {
        // 40 02 00 07: a PUBACK, short form in 5.0 (Success, no properties)
        let b = hex("40 02 | 00 07");
        let pid = PacketId::new(7).unwrap();
        assert_eq!(decode_slice_v(&b, Protocol::V311), Ok(AnyPacket::V3(crate::proto::Packet::PubAck(pid))));
        assert_eq!(decode_slice_v(&b, Protocol::V5), Ok(AnyPacket::V5(Packet::PubAck(Ack::new(pid)))));
        // f0 00: AUTH in 5.0, a reserved type in 3.1.1
        assert!(matches!(decode_slice_v(&hex("f0 00"), Protocol::V5), Ok(AnyPacket::V5(Packet::Auth(_)))));
        let e = decode_slice_v(&hex("f0 00"), Protocol::V311).unwrap_err();
        assert_eq!((e.kind, e.version), (ErrorKind::ReservedPacketType(15), Protocol::V311));
    }

    #[test]
    fn a_connect_tells_its_own_level() {
        // level 4 to a 5.0 receiver: a 3.1.1 CONNECT, read by 3.1.1's rules (its remaining length
        // 8f 00 is padded, which 3.1.1 allows)
        let c = hex("10 8f 00 | 00 04 4d 51 54 54 | 04 | 02 | 00 0f | 00 03 65 73 70");
        let Ok(AnyPacket::V3(crate::proto::Packet::Connect(c))) = decode_slice_v(&c, Protocol::V5) else { panic!() };
        assert_eq!((c.protocol, c.client_id.as_str()), (Protocol::V311, "esp"));
        // 42 = password without user name: 3.1.1 refuses it, citing 3.1.1 [MQTT-3.1.2-22]
        let e = decode_slice_v(&hex("10 10 | 00 04 4d 51 54 54 | 04 | 42 | 00 0f | 00 01 61 | 00 01 70"), Protocol::V5)
            .unwrap_err();
        assert_eq!((e.rule(), e.version), (Some("MQTT-3.1.2-22"), Protocol::V311));
        // MQIsdp level 3 too
        let c = hex("10 0f | 00 06 4d 51 49 73 64 70 | 03 | 00 | 00 3c | 00 01 61");
        assert!(matches!(decode_slice_v(&c, Protocol::V5), Ok(AnyPacket::V3(_))));
        // level 5 to a 3.1.1 receiver is refused at the level byte, as it always was
        let c5 = hex("10 10 | 00 04 4d 51 54 54 | 05 | 02 | 00 0f | 00 | 00 03 65 73 70");
        let e = decode_slice_v(&c5, Protocol::V311).unwrap_err();
        assert_eq!((e.offset, e.kind), (8, ErrorKind::UnsupportedProtocolLevel(5)));
        assert_eq!(crate::proto::decode_slice(&c5).unwrap_err().kind, ErrorKind::UnsupportedProtocolLevel(5));
        assert!(matches!(decode_slice_v(&c5, Protocol::V5), Ok(AnyPacket::V5(Packet::Connect(_)))));
        // level 6 is nobody's; the name must be "MQTT" [MQTT-3.1.2-1]
        let e = decode_slice_v(&hex("10 10 | 00 04 4d 51 54 54 | 06 | 02 | 00 0f | 00 | 00 03 65 73 70"), Protocol::V5)
            .unwrap_err();
        assert_eq!(
            (e.offset, e.kind.clone(), e.rule()),
            (8, ErrorKind::UnsupportedProtocolLevel(6), Some("MQTT-3.1.2-2"))
        );
        let e = decode_slice_v(&hex("10 10 | 00 04 4d 51 54 58 | 05 | 02 | 00 0f | 00 | 00 03 65 73 70"), Protocol::V5)
            .unwrap_err();
        assert_eq!((e.offset, e.rule(), e.version), (4, Some("MQTT-3.1.2-1"), Protocol::V5));
    }

    #[test]
    fn check_encodable_refuses_what_the_decoder_refuses() {
        let pid = PacketId::new(1).unwrap();
        let mut a = Ack::new(pid);
        a.reason = ReasonCode::Banned;
        assert!(matches!(Packet::PubAck(a).check_encodable(), Err(EncodeError::Invalid { rule: "MQTT-3.4.2-1", .. })));
        let mut a = Ack::new(pid);
        a.properties.topic_alias = std::num::NonZeroU16::new(3);
        assert!(matches!(Packet::PubRel(a).check_encodable(), Err(EncodeError::Invalid { rule: "§2.2.2.2", .. })));
        let s = Subscribe { pid, properties: Properties::default(), filters: vec![] };
        assert!(matches!(
            Packet::Subscribe(s).check_encodable(),
            Err(EncodeError::Invalid { rule: "MQTT-3.8.3-2", .. })
        ));
        let u = Unsubscribe { pid, properties: Properties::default(), filters: vec!["a\0".into()] };
        assert!(matches!(
            Packet::Unsubscribe(u).check_encodable(),
            Err(EncodeError::Invalid { rule: "MQTT-1.5.4-2", .. })
        ));
    }
}

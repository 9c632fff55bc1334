//! The packets of MQTT 3.1.1, one file each (the four two-byte acknowledgements share one), with
//! their decode and encode and byte-commented tests; those of MQTT 5.0 are in [`v5`].

mod ack;
mod connack;
pub(crate) mod connect;
mod publish;
mod suback;
mod subscribe;
mod unsubscribe;
pub mod v5;

pub use connack::{ConnAck, ConnectReturnCode};
pub use connect::{Connect, Protocol, Will};
pub use publish::Publish;
pub use suback::{SubAck, SubAckCode};
pub use subscribe::Subscribe;
pub use unsubscribe::Unsubscribe;

use super::error::DecodeError;
use super::reader::Reader;
use super::span::Recorder;
use super::{PacketId, PacketType, put_remaining_length, remaining_length_len};
use bytes::{BufMut, BytesMut};

/// Why a packet cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// A string or binary field longer than its 2-byte length prefix can say.
    FieldTooLong { field: &'static str, len: usize },
    /// A remaining length over 268,435,455 bytes.
    PacketTooLarge { remaining: usize },
    /// A 3.1 / 3.1.1 CONNECT that says another protocol (5.0 is [`v5::Connect`]).
    WrongProtocol { protocol: Protocol },
    /// An MQTT 5.0 packet that breaks a rule of the specification (`rule`, an id or a section).
    Invalid { what: String, rule: &'static str },
}

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EncodeError::FieldTooLong { field, len } => {
                write!(f, "the {field} has {len} bytes; an MQTT string holds at most 65,535 (see §1.5.3)")
            }
            EncodeError::PacketTooLarge { remaining } => {
                write!(f, "a packet of {remaining} bytes; MQTT allows at most 268,435,455 (see §2.2.3)")
            }
            EncodeError::WrongProtocol { protocol } => {
                write!(f, "a 3.1 / 3.1.1 CONNECT cannot say MQTT {}: its packets are proto::v5", protocol.label())
            }
            EncodeError::Invalid { what, rule } => write!(f, "{what} (see {rule} of MQTT 5.0)"),
        }
    }
}

impl std::error::Error for EncodeError {}

/// One MQTT 3.1 / 3.1.1 control packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    Connect(Box<Connect>),
    ConnAck(ConnAck),
    Publish(Publish),
    PubAck(PacketId),
    PubRec(PacketId),
    PubRel(PacketId),
    PubComp(PacketId),
    Subscribe(Subscribe),
    SubAck(SubAck),
    Unsubscribe(Unsubscribe),
    UnsubAck(PacketId),
    PingReq,
    PingResp,
    Disconnect,
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
            Packet::Disconnect => PacketType::Disconnect,
        }
    }

    /// The packet id, for the packets that carry one.
    pub fn packet_id(&self) -> Option<PacketId> {
        match self {
            Packet::Publish(p) => p.qos_pid.pid(),
            Packet::PubAck(id) | Packet::PubRec(id) | Packet::PubRel(id) | Packet::PubComp(id) => Some(*id),
            Packet::UnsubAck(id) => Some(*id),
            Packet::Subscribe(s) => Some(s.pid),
            Packet::SubAck(s) => Some(s.pid),
            Packet::Unsubscribe(u) => Some(u.pid),
            _ => None,
        }
    }

    fn body_len(&self) -> usize {
        match self {
            Packet::Connect(c) => c.body_len(),
            Packet::ConnAck(_) => 2,
            Packet::Publish(p) => p.body_len(),
            Packet::PubAck(_) | Packet::PubRec(_) | Packet::PubRel(_) | Packet::PubComp(_) | Packet::UnsubAck(_) => 2,
            Packet::Subscribe(s) => s.body_len(),
            Packet::SubAck(s) => 2 + s.codes.len(),
            Packet::Unsubscribe(u) => u.body_len(),
            Packet::PingReq | Packet::PingResp | Packet::Disconnect => 0,
        }
    }

    /// Bytes this packet takes on the wire.
    pub fn encoded_len(&self) -> usize {
        let body = self.body_len();
        1 + remaining_length_len(body) + body
    }

    fn byte1(&self) -> u8 {
        let t = (self.packet_type() as u8) << 4;
        match self {
            Packet::Publish(p) => t | p.flags(),
            _ => t | self.packet_type().fixed_flags().unwrap_or(0),
        }
    }

    /// Whether this packet can be put on the wire: every string and binary field within its 2-byte
    /// length prefix (§1.5.3) and the remaining length within its four varint bytes (§2.2.3).
    /// [`encode`](Self::encode) of a packet that fails this check panics rather than truncate.
    pub fn check_encodable(&self) -> Result<(), EncodeError> {
        let field = |name: &'static str, len: usize| {
            if len > u16::MAX as usize { Err(EncodeError::FieldTooLong { field: name, len }) } else { Ok(()) }
        };
        match self {
            Packet::Connect(c) => {
                if c.protocol == Protocol::V5 {
                    return Err(EncodeError::WrongProtocol { protocol: c.protocol });
                }
                field("client id", c.client_id.len())?;
                if let Some(w) = &c.will {
                    field("will topic", w.topic.len())?;
                    field("will message", w.message.len())?;
                }
                field("user name", c.username.as_ref().map_or(0, |u| u.len()))?;
                field("password", c.password.as_ref().map_or(0, |p| p.len()))?;
            }
            Packet::Publish(p) => field("topic name", p.topic.len())?,
            Packet::Subscribe(s) => s.filters.iter().try_for_each(|(f, _)| field("topic filter", f.len()))?,
            Packet::Unsubscribe(u) => u.filters.iter().try_for_each(|f| field("topic filter", f.len()))?,
            _ => {}
        }
        let remaining = self.body_len();
        if remaining > crate::proto::MAX_REMAINING_LENGTH {
            return Err(EncodeError::PacketTooLarge { remaining });
        }
        Ok(())
    }

    /// Appends this packet's bytes to `out`.
    pub fn encode(&self, out: &mut BytesMut) {
        if let Packet::Connect(c) = self {
            assert!(c.protocol != Protocol::V5, "a 3.1.1 CONNECT cannot say protocol level 5: use proto::v5::Connect");
        }
        let body = self.body_len();
        assert!(
            body <= crate::proto::MAX_REMAINING_LENGTH,
            "a remaining length of {body} does not fit MQTT's four varint bytes (§2.2.3)"
        );
        out.reserve(1 + remaining_length_len(body) + body);
        out.put_u8(self.byte1());
        put_remaining_length(out, body);
        match self {
            Packet::Connect(c) => c.encode_body(out),
            Packet::ConnAck(c) => c.encode_body(out),
            Packet::Publish(p) => p.encode_body(out),
            Packet::PubAck(id)
            | Packet::PubRec(id)
            | Packet::PubRel(id)
            | Packet::PubComp(id)
            | Packet::UnsubAck(id) => out.put_u16(id.get()),
            Packet::Subscribe(s) => s.encode_body(out),
            Packet::SubAck(s) => s.encode_body(out),
            Packet::Unsubscribe(u) => u.encode_body(out),
            Packet::PingReq | Packet::PingResp | Packet::Disconnect => {}
        }
    }
}

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
        T::PubAck | T::PubRec | T::PubRel | T::PubComp | T::UnsubAck => ack::decode(kind, r)?,
        T::Subscribe => Packet::Subscribe(subscribe::decode(r)?),
        T::SubAck => Packet::SubAck(suback::decode(r)?),
        T::Unsubscribe => Packet::Unsubscribe(unsubscribe::decode(r)?),
        T::PingReq => Packet::PingReq,
        T::PingResp => Packet::PingResp,
        T::Disconnect => Packet::Disconnect,
    })
}

#[cfg(test)]
pub(crate) mod test_util {
    /// Parses hex like "10 0c 00 04" (spaces and `|` separators ignored).
    pub fn hex(s: &str) -> Vec<u8> {
        let digits: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        (0..digits.len()).step_by(2).map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap()).collect()
    }
}

#[cfg(test)]
mod encode_tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn strings_over_65535_bytes_are_refused_not_truncated() {
        let long = "a".repeat(65_536);
        let p = Packet::Publish(Publish {
            dup: false,
            qos_pid: crate::proto::QosPid::AtMostOnce,
            retain: false,
            topic: long.as_str().into(),
            payload: Bytes::new(),
        });
        assert_eq!(p.check_encodable(), Err(EncodeError::FieldTooLong { field: "topic name", len: 65_536 }));
        let r = std::panic::catch_unwind(|| p.to_bytes());
        assert!(r.is_err(), "encoding it panics instead of writing a wrong length");
        let ok = Packet::Subscribe(Subscribe {
            pid: crate::proto::PacketId::new(1).unwrap(),
            filters: vec![("a".repeat(65_535), crate::proto::QoS::AtMostOnce)],
        });
        assert_eq!(ok.check_encodable(), Ok(()));
        assert_eq!(ok.to_bytes().len(), ok.encoded_len());
    }
}

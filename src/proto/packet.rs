//! The packets of MQTT 3.1.1, one file each (the four two-byte acknowledgements share one), with
//! their decode and encode and byte-commented tests.

mod ack;
mod connack;
mod connect;
mod publish;
mod suback;
mod subscribe;
mod unsubscribe;

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

    /// Appends this packet's bytes to `out`.
    pub fn encode(&self, out: &mut BytesMut) {
        let body = self.body_len();
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

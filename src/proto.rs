//! The MQTT codec, 3.1, 3.1.1 and 5.0: packet types, framing, one decoder that can record a span for
//! every field (see [`span`] and the field registry in [`field`]), and the encoder. The 5.0 packets
//! are in [`v5`], with their [properties](property) and [reason codes](reason).
//!
//! [`decode`] and [`decode_slice`] read 3.1 / 3.1.1, as they always did; [`decode_v`] and
//! [`decode_slice_v`] take the protocol of the connection: with [`Protocol::V5`] every packet but
//! CONNECT is read as 5.0, and a CONNECT tells its own level (3, 4 or 5).
//!
//! Pure: no tokio, no terminal, no I/O, no clock. Everything above builds on it; it depends on
//! nothing of the project.

pub mod error;
pub mod field;
pub mod packet;
pub mod property;
mod reader;
pub mod reason;
pub mod rules;
pub mod span;

pub use packet::v5;

use bytes::{BufMut, Bytes, BytesMut};
use std::num::NonZeroU16;

pub use error::{DecodeError, ErrorKind, PACKET_BODY, PROPERTY_BLOCK};
pub use packet::{
    ConnAck, Connect, ConnectReturnCode, EncodeError, Packet, Protocol, Publish, SubAck, SubAckCode, Subscribe,
    Unsubscribe, Will,
};
pub use reason::{ReasonCode, ReasonPacket};
pub use span::{NoSpans, Note, Recorder, Span, SpanList, Value};

use field as f;
use reader::Reader;

/// The largest remaining length the four-byte varint can express.
pub const MAX_REMAINING_LENGTH: usize = 268_435_455;

/// Quality of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub enum QoS {
    #[default]
    AtMostOnce = 0,
    AtLeastOnce = 1,
    ExactlyOnce = 2,
}

impl QoS {
    pub fn from_u8(v: u8) -> Option<QoS> {
        match v {
            0 => Some(QoS::AtMostOnce),
            1 => Some(QoS::AtLeastOnce),
            2 => Some(QoS::ExactlyOnce),
            _ => None,
        }
    }
    pub fn as_u8(self) -> u8 {
        self as u8
    }
}

/// A packet identifier: never 0 [MQTT-2.3.1-1].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct PacketId(pub NonZeroU16);

impl PacketId {
    pub fn new(v: u16) -> Option<PacketId> {
        NonZeroU16::new(v).map(PacketId)
    }
    pub fn get(self) -> u16 {
        self.0.get()
    }
    /// The next id after this one, wrapping from 65535 to 1.
    pub fn next(self) -> PacketId {
        PacketId::new(self.get().wrapping_add(1)).unwrap_or(PacketId(NonZeroU16::MIN))
    }
}

impl std::fmt::Display for PacketId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.get())
    }
}

/// The QoS of a PUBLISH together with its packet id, which exists only at QoS 1 and 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QosPid {
    AtMostOnce,
    AtLeastOnce(PacketId),
    ExactlyOnce(PacketId),
}

impl QosPid {
    pub fn qos(self) -> QoS {
        match self {
            QosPid::AtMostOnce => QoS::AtMostOnce,
            QosPid::AtLeastOnce(_) => QoS::AtLeastOnce,
            QosPid::ExactlyOnce(_) => QoS::ExactlyOnce,
        }
    }
    pub fn pid(self) -> Option<PacketId> {
        match self {
            QosPid::AtMostOnce => None,
            QosPid::AtLeastOnce(p) | QosPid::ExactlyOnce(p) => Some(p),
        }
    }
    /// `qos` with `pid` (ignored at QoS 0).
    pub fn from_qos(qos: QoS, pid: PacketId) -> QosPid {
        match qos {
            QoS::AtMostOnce => QosPid::AtMostOnce,
            QoS::AtLeastOnce => QosPid::AtLeastOnce(pid),
            QoS::ExactlyOnce => QosPid::ExactlyOnce(pid),
        }
    }
}

/// The 14 control packet types of MQTT 3.1.1 (5.0 adds AUTH: [`v5::PacketType`]).
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
}

impl PacketType {
    pub fn from_u8(t: u8) -> Option<PacketType> {
        use PacketType::*;
        Some(match t {
            1 => Connect,
            2 => ConnAck,
            3 => Publish,
            4 => PubAck,
            5 => PubRec,
            6 => PubRel,
            7 => PubComp,
            8 => Subscribe,
            9 => SubAck,
            10 => Unsubscribe,
            11 => UnsubAck,
            12 => PingReq,
            13 => PingResp,
            14 => Disconnect,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        use PacketType::*;
        match self {
            Connect => "CONNECT",
            ConnAck => "CONNACK",
            Publish => "PUBLISH",
            PubAck => "PUBACK",
            PubRec => "PUBREC",
            PubRel => "PUBREL",
            PubComp => "PUBCOMP",
            Subscribe => "SUBSCRIBE",
            SubAck => "SUBACK",
            Unsubscribe => "UNSUBSCRIBE",
            UnsubAck => "UNSUBACK",
            PingReq => "PINGREQ",
            PingResp => "PINGRESP",
            Disconnect => "DISCONNECT",
        }
    }
    /// The flags nibble this type requires (PUBLISH's flags are free and return `None`).
    pub fn fixed_flags(self) -> Option<u8> {
        use PacketType::*;
        match self {
            Publish => None,
            PubRel | Subscribe | Unsubscribe => Some(0b0010),
            _ => Some(0),
        }
    }
    /// The type in 中文.
    pub fn name_zh(self) -> &'static str {
        use PacketType::*;
        match self {
            Connect => "连接请求",
            ConnAck => "连接确认",
            Publish => "发布消息",
            PubAck => "发布确认",
            PubRec => "发布收到",
            PubRel => "发布释放",
            PubComp => "发布完成",
            Subscribe => "订阅请求",
            SubAck => "订阅确认",
            Unsubscribe => "取消订阅",
            UnsubAck => "取消订阅确认",
            PingReq => "心跳请求",
            PingResp => "心跳响应",
            Disconnect => "断开连接",
        }
    }
}

/// Where a frame starts and ends, as read from its fixed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The first byte: type and flags.
    pub byte1: u8,
    /// Length of the fixed header (1 + the varint's bytes).
    pub header_len: usize,
    /// The remaining length.
    pub remaining: usize,
}

impl FrameHeader {
    /// Length of the whole frame.
    pub fn frame_len(&self) -> usize {
        self.header_len + self.remaining
    }
    pub fn packet_type(&self) -> Option<PacketType> {
        PacketType::from_u8(self.byte1 >> 4)
    }
}

/// The result of [`frame`]: either a whole frame is at the front of the buffer, or more bytes are needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Whole(FrameHeader),
    /// At least `need` more bytes must arrive before the frame is whole.
    Incomplete {
        need: usize,
    },
}

/// Finds the frame at the front of `buf`. Fails on a remaining length of more than four bytes, or one
/// greater than `max_size` (the whole frame's limit in bytes).
pub fn frame(buf: &[u8], max_size: usize) -> Result<Framing, DecodeError> {
    if buf.is_empty() {
        return Ok(Framing::Incomplete { need: 2 });
    }
    let mut remaining = 0usize;
    let mut shift = 0;
    for i in 1..=4 {
        let Some(&b) = buf.get(i) else {
            return Ok(Framing::Incomplete { need: i + 1 - buf.len() });
        };
        remaining |= ((b & 0x7f) as usize) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            let h = FrameHeader { byte1: buf[0], header_len: i + 1, remaining };
            if h.frame_len() > max_size {
                return Err(DecodeError::new(1, ErrorKind::PacketTooLarge { size: h.frame_len(), max: max_size }));
            }
            return Ok(if buf.len() >= h.frame_len() {
                Framing::Whole(h)
            } else {
                Framing::Incomplete { need: h.frame_len() - buf.len() }
            });
        }
    }
    Err(DecodeError::new(4, ErrorKind::RemainingLengthTooLong))
}

/// Decodes one whole 3.1 / 3.1.1 frame (as found by [`frame`]); payloads are slices of `frame`, not
/// copies. A level-5 CONNECT is refused as [`ErrorKind::UnsupportedProtocolLevel`].
pub fn decode(frame: &Bytes) -> Result<Packet, DecodeError> {
    decode_with(frame, Some(frame), &mut NoSpans)
}

/// Decodes one whole 3.1 / 3.1.1 frame from a slice (payloads are copied).
pub fn decode_slice(frame: &[u8]) -> Result<Packet, DecodeError> {
    decode_with(frame, None, &mut NoSpans)
}

/// Decodes one 3.1 / 3.1.1 frame and records every field's span. On an error the spans read so far
/// are kept: the inspector shows how far a malformed frame got.
pub fn decode_spans(frame: &[u8]) -> (Result<Packet, DecodeError>, Vec<Span>) {
    let mut rec = SpanList::default();
    let r = decode_with(frame, None, &mut rec);
    (r, rec.0)
}

/// A decoded packet of either family. A 5.0 packet is the larger by far (its [`v5::Properties`]
/// hold all 27 properties inline); a decoder's result is taken apart at once, so it is not boxed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum AnyPacket {
    /// MQTT 3.1 or 3.1.1.
    V3(Packet),
    /// MQTT 5.0.
    V5(v5::Packet),
}

impl AnyPacket {
    /// The packet's name, e.g. "PUBLISH" or "AUTH".
    pub fn name(&self) -> &'static str {
        match self {
            AnyPacket::V3(p) => p.packet_type().name(),
            AnyPacket::V5(p) => p.packet_type().name(),
        }
    }
    pub fn into_v3(self) -> Option<Packet> {
        match self {
            AnyPacket::V3(p) => Some(p),
            AnyPacket::V5(_) => None,
        }
    }
    pub fn into_v5(self) -> Option<v5::Packet> {
        match self {
            AnyPacket::V5(p) => Some(p),
            AnyPacket::V3(_) => None,
        }
    }
    /// Bytes this packet takes on the wire.
    pub fn encoded_len(&self) -> usize {
        match self {
            AnyPacket::V3(p) => p.encoded_len(),
            AnyPacket::V5(p) => p.encoded_len(),
        }
    }
    /// Encodes this packet into a new buffer.
    pub fn to_bytes(&self) -> Bytes {
        match self {
            AnyPacket::V3(p) => p.to_bytes(),
            AnyPacket::V5(p) => p.to_bytes(),
        }
    }
}

/// Decodes one whole frame of a connection speaking `version`: with [`Protocol::V5`] every packet but
/// CONNECT is read as MQTT 5.0 (AUTH included) and a CONNECT tells its own level — 5 gives a 5.0
/// packet, 3 and 4 a 3.1 / 3.1.1 one; with 3.1 or 3.1.1 this is [`decode`]. Payloads are slices of
/// `frame`.
pub fn decode_v(frame: &Bytes, version: Protocol) -> Result<AnyPacket, DecodeError> {
    decode_with_v(frame, Some(frame), &mut NoSpans, version)
}

/// [`decode_v`] from a slice (payloads are copied).
pub fn decode_slice_v(frame: &[u8], version: Protocol) -> Result<AnyPacket, DecodeError> {
    decode_with_v(frame, None, &mut NoSpans, version)
}

/// [`decode_v`] recording every field's span (kept up to the error when there is one).
pub fn decode_spans_v(frame: &[u8], version: Protocol) -> (Result<AnyPacket, DecodeError>, Vec<Span>) {
    let mut rec = SpanList::default();
    let r = decode_with_v(frame, None, &mut rec, version);
    (r, rec.0)
}

/// The protocol a CONNECT asks for (`None` for any other frame, or a level MQTT does not have). A
/// malformed CONNECT tells its level byte when the decoder got that far.
pub fn connect_version(bytes: &[u8]) -> Option<Protocol> {
    if bytes.first().map(|b| b >> 4) != Some(1) {
        return None;
    }
    match decode_slice_v(bytes, Protocol::V5) {
        Ok(AnyPacket::V5(_)) => Some(Protocol::V5),
        Ok(AnyPacket::V3(Packet::Connect(c))) => Some(c.protocol),
        Ok(AnyPacket::V3(_)) => None,
        Err(_) => {
            let (_, spans) = decode_spans_v(bytes, Protocol::V5);
            let level = spans.iter().find(|s| s.field.key == field::CONNECT_LEVEL.key)?;
            match bytes.get(level.start)? {
                3 => Some(Protocol::V31),
                4 => Some(Protocol::V311),
                5 => Some(Protocol::V5),
                _ => None,
            }
        }
    }
}

/// The protocol one frame of a connection speaking `version` is read in: the connection's, but for
/// a CONNACK of remaining length 2 on a 5.0 connection. A 5.0 CONNACK always has a property
/// length, so that one is the 3.1.1 answer of a broker that does not speak 5.0 (return code 1,
/// unacceptable protocol version).
pub fn frame_version(bytes: &[u8], version: Protocol) -> Protocol {
    if version == Protocol::V5 && bytes.len() == 4 && bytes[0] == 0x20 && bytes[1] == 2 {
        Protocol::V311
    } else {
        version
    }
}

/// The fixed header, read the same way for every protocol: the type and flags with their spans, the
/// remaining length, and the flags the type requires. Returns the type, the flags and the frame's
/// extent. `v5` makes type 15 AUTH.
fn fixed_header<R: Recorder>(buf: &[u8], rec: &mut R, v5: bool) -> Result<(u8, u8, FrameHeader), DecodeError> {
    let Some(&byte1) = buf.first() else {
        return Err(DecodeError::new(0, ErrorKind::Truncated { field: f::HDR.name }));
    };
    let ptype = byte1 >> 4;
    let flags = byte1 & 0x0f;
    let kind = v5::PacketType::from_u8(ptype).filter(|k| v5 || k.v3().is_some());
    rec.bytes(&f::HDR, 0, 1, || format!("{byte1:#04x} = {byte1:08b}"));
    rec.bits(&f::HDR_TYPE, 0, 0xf0, || match kind {
        Some(k) => format!("{ptype} {}", k.name()),
        None => format!("{ptype} (reserved)"),
    });
    let Some(kind) = kind else {
        return Err(DecodeError::new(0, ErrorKind::ReservedPacketType(ptype)));
    };
    if kind == v5::PacketType::Publish {
        rec.bits(&f::HDR_DUP, 0, 0x08, || format!("{}", (flags >> 3) & 1));
        rec.bits(&f::HDR_QOS, 0, 0x06, || format!("{}", (flags >> 1) & 3));
        rec.bits(&f::HDR_RETAIN, 0, 0x01, || format!("{}", flags & 1));
    } else {
        rec.bits(&f::HDR_FLAGS, 0, 0x0f, || format!("{flags:04b}"));
    }
    // Remaining length.
    let header = match frame(buf, usize::MAX)? {
        Framing::Whole(h) => h,
        Framing::Incomplete { .. } => {
            // Either the varint or the body is cut short.
            let mut n = 1;
            while n < buf.len() && n < 5 && buf[n] & 0x80 != 0 {
                n += 1;
            }
            if n >= buf.len() {
                return Err(DecodeError::new(buf.len(), ErrorKind::Truncated { field: f::LEN.name }));
            }
            let h = match frame(&buf[..=n], usize::MAX)? {
                Framing::Incomplete { need } => FrameHeader { byte1, header_len: n + 1, remaining: need },
                Framing::Whole(h) => h,
            };
            rec.bytes(&f::LEN, 1, h.header_len, || format!("{}", h.remaining));
            return Err(DecodeError::new(buf.len(), ErrorKind::Truncated { field: PACKET_BODY }));
        }
    };
    rec.bytes(&f::LEN, 1, header.header_len, || {
        let n = header.header_len - 1;
        Value { text: header.remaining.to_string(), note: Some(Note::Bytes(n)) }
    });
    if let Some(expected) = kind.fixed_flags()
        && flags != expected
    {
        return Err(DecodeError::new(0, ErrorKind::ReservedFlags { packet: kind.name(), flags, expected }));
    }
    Ok((ptype, flags, header))
}

/// In MQTT 5.0 the remaining length is a variable byte integer in its shortest form [MQTT-1.5.5-1]
/// (3.1.1 has no such rule, and a padded length frames the same).
fn shortest_remaining_length(buf: &[u8], header: &FrameHeader) -> Result<(), DecodeError> {
    if header.header_len > 2 && buf[header.header_len - 1] == 0 {
        return Err(DecodeError::new(1, ErrorKind::NonMinimalVarint { field: f::LEN.name }));
    }
    Ok(())
}

/// The one decoder of 3.1 / 3.1.1, generic over whether it records spans.
pub fn decode_with<R: Recorder>(buf: &[u8], shared: Option<&Bytes>, rec: &mut R) -> Result<Packet, DecodeError> {
    let (ptype, flags, header) = fixed_header(buf, rec, false)?;
    let kind = PacketType::from_u8(ptype).expect("fixed_header accepts only the 3.1.1 types");
    let mut r = Reader { buf, shared, pos: header.header_len, end: header.frame_len(), rec };
    let p = packet::decode_body(kind, flags, &mut r)?;
    r.finish()?;
    Ok(p)
}

/// The one decoder for a connection speaking `version` (see [`decode_v`]), generic over whether it
/// records spans. Errors of a 5.0 frame cite MQTT 5.0 ([`DecodeError::version`]).
pub fn decode_with_v<R: Recorder>(
    buf: &[u8],
    shared: Option<&Bytes>,
    rec: &mut R,
    version: Protocol,
) -> Result<AnyPacket, DecodeError> {
    if version != Protocol::V5 {
        return decode_with(buf, shared, rec).map(AnyPacket::V3);
    }
    let five = |e: DecodeError| e.in_version(Protocol::V5);
    let (ptype, flags, header) = fixed_header(buf, rec, true).map_err(five)?;
    let kind = v5::PacketType::from_u8(ptype).expect("fixed_header accepts only the 5.0 types");
    let mut r = Reader { buf, shared, pos: header.header_len, end: header.frame_len(), rec };
    if kind == v5::PacketType::Connect {
        let protocol = packet::connect::decode_protocol(&mut r, true).map_err(five)?;
        if protocol != Protocol::V5 {
            // A 3.1 or 3.1.1 client: the rest of its CONNECT is read (and judged) as 3.1.1.
            let c = packet::connect::decode_rest(protocol, &mut r)?;
            r.finish()?;
            return Ok(AnyPacket::V3(Packet::Connect(Box::new(c))));
        }
        shortest_remaining_length(buf, &header).map_err(five)?;
        let c = v5::connect::decode_rest(&mut r).map_err(five)?;
        r.finish().map_err(five)?;
        return Ok(AnyPacket::V5(v5::Packet::Connect(Box::new(c))));
    }
    shortest_remaining_length(buf, &header).map_err(five)?;
    let p = v5::decode_body(kind, flags, &mut r).map_err(five)?;
    r.finish().map_err(five)?;
    Ok(AnyPacket::V5(p))
}

/// Writes a remaining length varint.
pub fn put_remaining_length(out: &mut BytesMut, mut len: usize) {
    loop {
        let mut b = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            b |= 0x80;
        }
        out.put_u8(b);
        if len == 0 {
            break;
        }
    }
}

/// Bytes a remaining length takes on the wire.
pub fn remaining_length_len(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// Writes a length-prefixed string or binary field. Its length must fit the 2-byte prefix: the
/// encoder never truncates, and [`Packet::check_encodable`] tells beforehand.
pub(crate) fn put_str(out: &mut BytesMut, s: &[u8]) {
    let len = u16::try_from(s.len()).unwrap_or_else(|_| {
        panic!("an MQTT string or binary field holds at most 65,535 bytes, not {} (§1.5.3)", s.len())
    });
    out.put_u16(len);
    out.put_slice(s);
}

/// Checks a topic name (PUBLISH, will): not empty, no wildcards [MQTT-3.3.2-2, MQTT-4.7.3-1].
pub fn validate_topic_name(topic: &str) -> Result<(), ErrorKind> {
    if topic.is_empty() {
        Err(ErrorKind::EmptyTopic)
    } else if topic.bytes().any(|b| b == b'+' || b == b'#') {
        Err(ErrorKind::WildcardInTopic)
    } else {
        Ok(())
    }
}

/// Why a topic filter is invalid, with the spec rule it breaks; `None` when it is valid.
pub fn topic_filter_error(filter: &str) -> Option<&'static str> {
    if filter.is_empty() {
        return Some("MQTT-4.7.3-1");
    }
    let levels: Vec<&str> = filter.split('/').collect();
    for (i, level) in levels.iter().enumerate() {
        if level.contains('#') && (*level != "#" || i != levels.len() - 1) {
            return Some("MQTT-4.7.1-2");
        }
        if level.contains('+') && *level != "+" {
            return Some("MQTT-4.7.1-3");
        }
    }
    None
}

impl Packet {
    /// Encodes this packet into a new buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(self.encoded_len());
        self.encode(&mut b);
        b.freeze()
    }
}

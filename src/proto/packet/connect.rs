//! CONNECT: protocol name and level, connect flags, keep alive, then client id, will, user name and
//! password. Both 3.1.1 ("MQTT", level 4) and 3.1 ("MQIsdp", level 3) are read; the name and level
//! are read here for 5.0 too (level 5, whose body is in `v5/connect.rs`).

use crate::proto::error::{DecodeError, ErrorKind};
use crate::proto::field as f;
use crate::proto::reader::Reader;
use crate::proto::span::Recorder;
use crate::proto::{QoS, put_str, validate_topic_name};
use bytes::{BufMut, Bytes, BytesMut};

/// The protocol version a CONNECT asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub enum Protocol {
    /// MQTT 3.1: name "MQIsdp", level 3.
    V31,
    /// MQTT 3.1.1: name "MQTT", level 4.
    #[default]
    V311,
    /// MQTT 5.0: name "MQTT", level 5 (its packets are [`v5::Packet`](crate::proto::v5::Packet)).
    V5,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::V31 => "MQIsdp",
            Protocol::V311 | Protocol::V5 => "MQTT",
        }
    }
    pub fn level(self) -> u8 {
        match self {
            Protocol::V31 => 3,
            Protocol::V311 => 4,
            Protocol::V5 => 5,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Protocol::V31 => "3.1",
            Protocol::V311 => "3.1.1",
            Protocol::V5 => "5.0",
        }
    }
}

/// The last will: published by the broker if the connection ends without DISCONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Will {
    pub topic: String,
    pub message: Bytes,
    pub qos: QoS,
    pub retain: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    pub protocol: Protocol,
    pub clean_session: bool,
    pub keep_alive: u16,
    pub client_id: String,
    pub will: Option<Will>,
    pub username: Option<String>,
    pub password: Option<Bytes>,
}

impl Connect {
    /// A 3.1.1 CONNECT with a clean session, 60 s keep alive and nothing else.
    pub fn new(client_id: impl Into<String>) -> Connect {
        Connect {
            protocol: Protocol::V311,
            clean_session: true,
            keep_alive: 60,
            client_id: client_id.into(),
            will: None,
            username: None,
            password: None,
        }
    }

    pub fn flags(&self) -> u8 {
        let will = self.will.as_ref().map(|w| (w.qos, w.retain));
        connect_flags(self.username.is_some(), self.password.is_some(), will, self.clean_session)
    }

    pub(crate) fn body_len(&self) -> usize {
        let mut n = 2 + self.protocol.name().len() + 1 + 1 + 2 + 2 + self.client_id.len();
        if let Some(w) = &self.will {
            n += 2 + w.topic.len() + 2 + w.message.len();
        }
        if let Some(u) = &self.username {
            n += 2 + u.len();
        }
        if let Some(p) = &self.password {
            n += 2 + p.len();
        }
        n
    }

    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        put_str(out, self.protocol.name().as_bytes());
        out.put_u8(self.protocol.level());
        out.put_u8(self.flags());
        out.put_u16(self.keep_alive);
        put_str(out, self.client_id.as_bytes());
        if let Some(w) = &self.will {
            put_str(out, w.topic.as_bytes());
            put_str(out, &w.message);
        }
        if let Some(u) = &self.username {
            put_str(out, u.as_bytes());
        }
        if let Some(p) = &self.password {
            put_str(out, p);
        }
    }
}

pub(crate) fn decode<R: Recorder>(r: &mut Reader<'_, R>) -> Result<Connect, DecodeError> {
    let protocol = decode_protocol(r, false)?;
    decode_rest(protocol, r)
}

/// Reads the protocol name and level that every CONNECT starts with; level 5 ("MQTT") only when
/// `v5` (the reader speaks MQTT 5.0), else it is an unsupported level like any other.
pub(crate) fn decode_protocol<R: Recorder>(r: &mut Reader<'_, R>, v5: bool) -> Result<Protocol, DecodeError> {
    let name_at = r.pos + 2;
    let name = r.string(&f::CONNECT_PROTO_NAME_LEN, &f::CONNECT_PROTO_NAME)?;
    let level_at = r.pos;
    let level = r.u8(&f::CONNECT_LEVEL)?;
    match (name, level) {
        ("MQTT", 4) => Ok(Protocol::V311),
        ("MQIsdp", 3) => Ok(Protocol::V31),
        ("MQTT", 5) if v5 => Ok(Protocol::V5),
        ("MQTT", l) | ("MQIsdp", l) => Err(DecodeError::new(level_at, ErrorKind::UnsupportedProtocolLevel(l))),
        (other, _) => Err(DecodeError::new(name_at, ErrorKind::BadProtocolName(other.to_string()))),
    }
}

/// The rest of a 3.1 or 3.1.1 CONNECT, after its protocol name and level.
pub(crate) fn decode_rest<R: Recorder>(protocol: Protocol, r: &mut Reader<'_, R>) -> Result<Connect, DecodeError> {
    let flags_at = r.pos;
    let flags = r.flag_byte(&f::CONNECT_FLAGS)?;
    let bit = |m: u8| flags & m != 0;
    r.rec.bits(&f::CONNECT_FLAG_USERNAME, flags_at, 0x80, || (bit(0x80) as u8).to_string());
    r.rec.bits(&f::CONNECT_FLAG_PASSWORD, flags_at, 0x40, || (bit(0x40) as u8).to_string());
    r.rec.bits(&f::CONNECT_FLAG_WILL_RETAIN, flags_at, 0x20, || (bit(0x20) as u8).to_string());
    r.rec.bits(&f::CONNECT_FLAG_WILL_QOS, flags_at, 0x18, || ((flags >> 3) & 3).to_string());
    r.rec.bits(&f::CONNECT_FLAG_WILL, flags_at, 0x04, || (bit(0x04) as u8).to_string());
    r.rec.bits(&f::CONNECT_FLAG_CLEAN, flags_at, 0x02, || (bit(0x02) as u8).to_string());
    r.rec.bits(&f::CONNECT_FLAG_RESERVED, flags_at, 0x01, || (flags & 1).to_string());
    if bit(0x01) {
        return Err(DecodeError::new(flags_at, ErrorKind::ConnectReservedFlag));
    }
    let will_qos = (flags >> 3) & 3;
    if !bit(0x04) && (will_qos != 0 || bit(0x20)) {
        return Err(DecodeError::new(flags_at, ErrorKind::WillFlagsWithoutWill));
    }
    let Some(will_qos) = QoS::from_u8(will_qos) else {
        return Err(DecodeError::new(flags_at, ErrorKind::WillQoS3));
    };
    if protocol == Protocol::V311 && bit(0x40) && !bit(0x80) {
        return Err(DecodeError::new(flags_at, ErrorKind::PasswordWithoutUsername));
    }
    let keep_alive = r.u16(&f::CONNECT_KEEPALIVE)?;
    let client_id = r.string(&f::CONNECT_CLIENT_ID_LEN, &f::CONNECT_CLIENT_ID)?.to_string();
    let will = if bit(0x04) {
        let topic_at = r.pos + 2;
        let topic = r.string(&f::CONNECT_WILL_TOPIC_LEN, &f::CONNECT_WILL_TOPIC)?.to_string();
        if let Err(k) = validate_topic_name(&topic) {
            let at = topic.bytes().position(|b| b == b'+' || b == b'#').unwrap_or(0);
            let k = if k == ErrorKind::WildcardInTopic { ErrorKind::WildcardInWillTopic } else { k };
            return Err(DecodeError::new(topic_at + at, k));
        }
        let message = r.binary_bytes(&f::CONNECT_WILL_MSG_LEN, &f::CONNECT_WILL_MSG)?;
        Some(Will { topic, message, qos: will_qos, retain: bit(0x20) })
    } else {
        None
    };
    let username =
        if bit(0x80) { Some(r.string(&f::CONNECT_USERNAME_LEN, &f::CONNECT_USERNAME)?.to_string()) } else { None };
    let password = if bit(0x40) { Some(r.binary_bytes(&f::CONNECT_PASSWORD_LEN, &f::CONNECT_PASSWORD)?) } else { None };
    Ok(Connect { protocol, clean_session: bit(0x02), keep_alive, client_id, will, username, password })
}

/// The connect flags byte, the same in 3.1, 3.1.1 and 5.0: user name (bit 7), password (bit 6),
/// will retain (bit 5), will QoS (bits 4-3), will (bit 2), clean session / clean start (bit 1).
pub(crate) fn connect_flags(username: bool, password: bool, will: Option<(QoS, bool)>, clean: bool) -> u8 {
    let mut b = 0;
    if username {
        b |= 0x80;
    }
    if password {
        b |= 0x40;
    }
    if let Some((qos, retain)) = will {
        b |= 0x04 | (qos.as_u8() << 3);
        if retain {
            b |= 0x20;
        }
    }
    if clean {
        b |= 0x02;
    }
    b
}

#[cfg(test)]
mod tests {
    use crate::proto::packet::test_util::hex;
    use crate::proto::*;

    /// PubSubClient's `connect("esp")`: 3.1.1, clean session, keep alive 15 s.
    const PUBSUB_CONNECT: &str = "10 0f | 00 04 4d 51 54 54 | 04 | 02 | 00 0f | 00 03 65 73 70";

    #[test]
    fn decodes_a_minimal_311_connect() {
        let p = decode_slice(&hex(PUBSUB_CONNECT)).unwrap();
        let Packet::Connect(c) = &p else { panic!("{p:?}") };
        assert_eq!(c.protocol, Protocol::V311);
        assert!(c.clean_session);
        assert_eq!(c.keep_alive, 15);
        assert_eq!(c.client_id, "esp");
        assert_eq!(c.will, None);
        assert_eq!(p.to_bytes().as_ref(), hex(PUBSUB_CONNECT));
    }

    #[test]
    fn decodes_a_31_mqisdp_connect() {
        // 00 06 "MQIsdp" | level 03 | flags 00 (persistent) | keep alive 60 | id "a"
        let b = hex("10 0f | 00 06 4d 51 49 73 64 70 | 03 | 00 | 00 3c | 00 01 61");
        let Packet::Connect(c) = decode_slice(&b).unwrap() else { panic!() };
        assert_eq!(c.protocol, Protocol::V31);
        assert!(!c.clean_session);
        assert_eq!(c.keep_alive, 60);
    }

    #[test]
    fn decodes_will_user_and_password() {
        // flags c4 = user + password + will (QoS 0, no retain), persistent session
        let b = hex(
            "10 1e | 00 04 4d 51 54 54 | 04 | c4 | 00 0a | 00 01 63 | 00 01 77 | 00 03 6f 66 66 | 00 02 75 31 | 00 03 70 77 21",
        );
        let Packet::Connect(c) = decode_slice(&b).unwrap() else { panic!() };
        let w = c.will.as_ref().unwrap();
        assert_eq!((w.topic.as_str(), w.message.as_ref(), w.qos, w.retain), ("w", &b"off"[..], QoS::AtMostOnce, false));
        assert_eq!(c.username.as_deref(), Some("u1"));
        assert_eq!(c.password.as_deref(), Some(&b"pw!"[..]));
        assert_eq!(Packet::Connect(c).to_bytes().as_ref(), b);
    }

    #[test]
    fn reserved_connect_flag_is_rejected() {
        // flags 03: clean session + reserved bit [MQTT-3.1.2-3]
        let e = decode_slice(&hex("10 0f | 00 04 4d 51 54 54 | 04 | 03 | 00 0f | 00 03 65 73 70")).unwrap_err();
        assert_eq!((e.offset, e.rule()), (9, Some("MQTT-3.1.2-3")));
    }

    #[test]
    fn will_qos_3_and_will_bits_without_will_are_rejected() {
        // flags 1e: will + will QoS 3 + clean
        let e = decode_slice(&hex("10 13 | 00 04 4d 51 54 54 | 04 | 1e | 00 0f | 00 01 61 | 00 01 77 | 00 01 78"))
            .unwrap_err();
        assert_eq!(e.rule(), Some("MQTT-3.1.2-14"));
        // flags 22: will retain without will
        let e = decode_slice(&hex("10 0d | 00 04 4d 51 54 54 | 04 | 22 | 00 0f | 00 01 61")).unwrap_err();
        assert_eq!(e.rule(), Some("MQTT-3.1.2-11"));
    }

    #[test]
    fn password_without_user_name_is_rejected_in_311() {
        let e = decode_slice(&hex("10 10 | 00 04 4d 51 54 54 | 04 | 42 | 00 0f | 00 01 61 | 00 01 70")).unwrap_err();
        assert_eq!(e.rule(), Some("MQTT-3.1.2-22"));
    }

    #[test]
    fn unknown_level_and_name_are_reported_where_they_are() {
        // level 05 (MQTT 5)
        let e = decode_slice(&hex("10 0d | 00 04 4d 51 54 54 | 05 | 02 | 00 0f | 00 01 61")).unwrap_err();
        assert_eq!((e.offset, e.kind.clone()), (8, ErrorKind::UnsupportedProtocolLevel(5)));
        // name "MQTX"
        let e = decode_slice(&hex("10 0d | 00 04 4d 51 54 58 | 04 | 02 | 00 0f | 00 01 61")).unwrap_err();
        assert_eq!(e.offset, 4);
        assert_eq!(e.rule(), Some("MQTT-3.1.2-1"));
    }

    #[test]
    fn truncated_client_id_names_the_field() {
        let e = decode_slice(&hex("10 0d | 00 04 4d 51 54 54 | 04 | 02 | 00 0f | 00 05 61")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Truncated { field: crate::proto::field::CONNECT_CLIENT_ID.name });
    }

    #[test]
    fn spans_cover_every_connect_flag_bit() {
        let (r, spans) = decode_spans(&hex(PUBSUB_CONNECT));
        r.unwrap();
        let keys: Vec<_> = spans.iter().filter(|s| s.bits.is_some()).map(|s| s.field.key).collect();
        assert!(keys.contains(&"mqtt.connect.flags.clean_session"));
        let clean = spans.iter().find(|s| s.field.key == "mqtt.connect.flags.clean_session").unwrap();
        assert_eq!((clean.start, clean.bits, clean.value.as_str()), (9, Some(0x02), "1"));
        let masks: u8 = spans.iter().filter(|s| s.start == 9 && s.bits.is_some()).map(|s| s.bits.unwrap()).sum();
        assert_eq!(masks, 0xff, "the bit fields of the connect flags cover all 8 bits");
    }
}

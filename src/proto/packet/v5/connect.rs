//! CONNECT of MQTT 5.0: "MQTT", level 5, connect flags (bit 1 is Clean Start), keep alive, the
//! properties, then client id, the will (its properties, topic and payload), user name and password.
//! Unlike 3.1.1, a password may come without a user name (§3.1.2.9).

use crate::proto::error::{DecodeError, ErrorKind};
use crate::proto::field as f;
use crate::proto::packet::EncodeError;
use crate::proto::property::{self, PropContext, Properties};
use crate::proto::reader::Reader;
use crate::proto::span::Recorder;
use crate::proto::{Protocol, QoS, put_str, validate_topic_name};
use bytes::{BufMut, Bytes, BytesMut};

/// The will of a 5.0 CONNECT: published by the broker if the connection ends without a normal
/// DISCONNECT, after its Will Delay Interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Will {
    pub topic: String,
    pub message: Bytes,
    pub qos: QoS,
    pub retain: bool,
    /// Will Delay Interval, Payload Format Indicator, Message Expiry Interval, Content Type, Response
    /// Topic, Correlation Data, User Property.
    pub properties: Properties,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    pub clean_start: bool,
    pub keep_alive: u16,
    pub properties: Properties,
    pub client_id: String,
    pub will: Option<Will>,
    pub username: Option<String>,
    pub password: Option<Bytes>,
}

impl Connect {
    /// A 5.0 CONNECT with Clean Start, 60 s keep alive and nothing else.
    pub fn new(client_id: impl Into<String>) -> Connect {
        Connect {
            clean_start: true,
            keep_alive: 60,
            properties: Properties::default(),
            client_id: client_id.into(),
            will: None,
            username: None,
            password: None,
        }
    }

    pub fn flags(&self) -> u8 {
        let will = self.will.as_ref().map(|w| (w.qos, w.retain));
        super::super::connect::connect_flags(self.username.is_some(), self.password.is_some(), will, self.clean_start)
    }

    pub(crate) fn body_len(&self) -> usize {
        let mut n = 2 + 4 + 1 + 1 + 2 + self.properties.encoded_len() + 2 + self.client_id.len();
        if let Some(w) = &self.will {
            n += w.properties.encoded_len() + 2 + w.topic.len() + 2 + w.message.len();
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
        put_str(out, b"MQTT");
        out.put_u8(5);
        out.put_u8(self.flags());
        out.put_u16(self.keep_alive);
        self.properties.encode(out);
        put_str(out, self.client_id.as_bytes());
        if let Some(w) = &self.will {
            w.properties.encode(out);
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

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        use super::{check_len, check_str};
        self.properties.check(PropContext::Connect)?;
        check_str("client id", &self.client_id)?;
        if let Some(w) = &self.will {
            w.properties.check(PropContext::Will)?;
            check_str("will topic", &w.topic)?;
            if let Err(k) = validate_topic_name(&w.topic) {
                let rule = if k == ErrorKind::EmptyTopic { "MQTT-4.7.3-1" } else { "MQTT-4.7.0-1" };
                return Err(EncodeError::Invalid { what: "the will topic is not a valid topic name".into(), rule });
            }
            check_len("will message", w.message.len())?;
        }
        check_str("user name", self.username.as_deref().unwrap_or_default())?;
        check_len("password", self.password.as_ref().map_or(0, |p| p.len()))
    }
}

/// A whole 5.0 CONNECT: its protocol name and level must be "MQTT" and 5.
pub(crate) fn decode<R: Recorder>(r: &mut Reader<'_, R>) -> Result<Connect, DecodeError> {
    match crate::proto::packet::connect::decode_protocol(r, true)? {
        Protocol::V5 => decode_rest(r),
        // The level is the byte just read.
        other => Err(DecodeError::new(r.pos - 1, ErrorKind::UnsupportedProtocolLevel(other.level()))),
    }
}

/// The rest of a 5.0 CONNECT, after "MQTT" and level 5.
pub(crate) fn decode_rest<R: Recorder>(r: &mut Reader<'_, R>) -> Result<Connect, DecodeError> {
    let flags_at = r.pos;
    let flags = r.flag_byte(&f::CONNECT_FLAGS)?;
    let bit = |m: u8| flags & m != 0;
    r.rec.bits(&f::CONNECT_FLAG_USERNAME, flags_at, 0x80, || (bit(0x80) as u8).to_string());
    r.rec.bits(&f::CONNECT_FLAG_PASSWORD, flags_at, 0x40, || (bit(0x40) as u8).to_string());
    r.rec.bits(&f::CONNECT_FLAG_WILL_RETAIN, flags_at, 0x20, || (bit(0x20) as u8).to_string());
    r.rec.bits(&f::CONNECT_FLAG_WILL_QOS, flags_at, 0x18, || ((flags >> 3) & 3).to_string());
    r.rec.bits(&f::CONNECT_FLAG_WILL, flags_at, 0x04, || (bit(0x04) as u8).to_string());
    r.rec.bits(&f::CONNECT_FLAG_CLEAN_START, flags_at, 0x02, || (bit(0x02) as u8).to_string());
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
    let keep_alive = r.u16(&f::CONNECT_KEEPALIVE)?;
    let properties = property::decode(r, PropContext::Connect)?;
    let client_id = r.string(&f::CONNECT_CLIENT_ID_LEN, &f::CONNECT_CLIENT_ID)?.to_string();
    let will = if bit(0x04) {
        let properties = property::decode(r, PropContext::Will)?;
        let topic = super::decode_will_topic(r)?;
        let message = r.binary_bytes(&f::CONNECT_WILL_MSG_LEN, &f::CONNECT_WILL_MSG)?;
        Some(Will { topic, message, qos: will_qos, retain: bit(0x20), properties })
    } else {
        None
    };
    let username =
        if bit(0x80) { Some(r.string(&f::CONNECT_USERNAME_LEN, &f::CONNECT_USERNAME)?.to_string()) } else { None };
    let password = if bit(0x40) { Some(r.binary_bytes(&f::CONNECT_PASSWORD_LEN, &f::CONNECT_PASSWORD)?) } else { None };
    Ok(Connect { clean_start: bit(0x02), keep_alive, properties, client_id, will, username, password })
}

#[cfg(test)]
mod tests {
    use crate::proto::packet::v5::test_util::*;
    use crate::proto::v5::*;
    use crate::proto::{AnyPacket, ErrorKind, Protocol, QoS, decode_slice_v};
    use std::num::{NonZeroU16, NonZeroU32};

    /// A minimal 5.0 CONNECT: clean start, keep alive 15 s, no properties, client id "esp".
    const MINIMAL: &str = "10 10 | 00 04 4d 51 54 54 | 05 | 02 | 00 0f | 00 | 00 03 65 73 70";

    #[test]
    fn decodes_a_minimal_5_0_connect() {
        let Packet::Connect(c) = decode5(MINIMAL).unwrap() else { panic!() };
        assert!(c.clean_start);
        assert_eq!((c.keep_alive, c.client_id.as_str()), (15, "esp"));
        assert!(c.properties.is_empty() && c.will.is_none() && c.username.is_none());
        assert_eq!(round_trip(&Packet::Connect(c)), hex(MINIMAL));
    }

    #[test]
    fn connect_properties_will_properties_user_and_password() {
        let b = hex("10 38 | 00 04 4d 51 54 54 | 05 \
             | ce \
             | 00 3c \
             | 0a | 11 00 00 00 78 | 21 00 0a | 17 00 \
             | 00 01 63 \
             | 07 | 18 00 00 00 05 | 01 01 \
             | 00 03 63 61 72 \
             | 00 07 6f 66 66 6c 69 6e 65 \
             | 00 04 75 73 65 72 \
             | 00 02 70 77");
        // ce = user name, password, will QoS 1, will, clean start
        //      (1100 1110: will retain 0, will QoS 01, will 1, clean start 1, reserved 0)
        // 0a = 10 bytes of properties: 11 = Session Expiry Interval 120, 21 = Receive Maximum 10,
        //      17 = Request Problem Information 0
        // client id "c"; will properties (7 bytes): 18 = Will Delay Interval 5, 01 = UTF-8 payload
        // will topic "car", will payload "offline", user name "user", password "pw"
        let Ok(AnyPacket::V5(Packet::Connect(c))) = decode_slice_v(&b, Protocol::V5) else { panic!() };
        assert_eq!(c.properties.session_expiry_interval, Some(120));
        assert_eq!(c.properties.receive_maximum, NonZeroU16::new(10));
        assert_eq!(c.properties.request_problem_information, Some(false));
        let w = c.will.as_ref().unwrap();
        assert_eq!(
            (w.topic.as_str(), &w.message[..], w.qos, w.retain),
            ("car", &b"offline"[..], QoS::AtLeastOnce, false)
        );
        assert_eq!((w.properties.will_delay_interval, w.properties.payload_format_indicator), (Some(5), Some(true)));
        assert_eq!((c.username.as_deref(), c.password.as_deref()), (Some("user"), Some(&b"pw"[..])));
        // Our encoder writes the properties in identifier order: 11, 17, 21.
        let again = round_trip(&Packet::Connect(c));
        assert_eq!(again.len(), b.len());
    }

    #[test]
    fn a_password_without_a_user_name_is_fine_in_5_0() {
        // 42 = password, clean start; client id "a"; password "p"
        let b = "10 11 | 00 04 4d 51 54 54 | 05 | 42 | 00 0f | 00 | 00 01 61 | 00 01 70";
        let Packet::Connect(c) = decode5(b).unwrap() else { panic!() };
        assert_eq!((c.username, c.password.as_deref()), (None, Some(&b"p"[..])));
    }

    #[test]
    fn spans_of_the_connect_flags_and_properties() {
        let b = "10 13 | 00 04 4d 51 54 54 | 05 | 02 | 00 0f | 05 11 00 00 00 3c | 00 01 61";
        let spans = spans5(b);
        let clean = spans.iter().find(|s| s.field.key == "mqtt.connect.flags.clean_start").unwrap();
        assert_eq!((clean.start, clean.bits, clean.value.as_str()), (9, Some(0x02), "1"));
        assert!(!spans.iter().any(|s| s.field.key == "mqtt.connect.flags.clean_session"));
        let len = spans.iter().find(|s| s.field.key == "mqtt.props_len").unwrap();
        assert_eq!((len.start, len.end, len.value.as_str()), (12, 13, "5"));
        let id = spans.iter().find(|s| s.field.key == "mqtt.prop.id").unwrap();
        assert_eq!((id.start, id.end, id.value.as_str()), (13, 14, "0x11"));
        assert_eq!(id.value_in(crate::i18n::Lang::En), "0x11 (Session Expiry Interval)");
        assert_eq!(id.value_in(crate::i18n::Lang::Zh), "0x11（会话过期间隔）");
        let v = spans.iter().find(|s| s.field.key == "mqtt.prop.session_expiry_interval").unwrap();
        assert_eq!((v.start, v.end, v.value.as_str()), (14, 18, "60"));
    }

    #[test]
    fn connect_flag_errors_cite_5_0() {
        // 03: reserved bit set [MQTT-3.1.2-3]
        let e = decode5("10 0e | 00 04 4d 51 54 54 | 05 | 03 | 00 0f | 00 | 00 01 61").unwrap_err();
        assert_eq!((e.offset, e.kind.clone(), e.rule()), (9, ErrorKind::ConnectReservedFlag, Some("MQTT-3.1.2-3")));
        // 12: will QoS 2 without the will flag [MQTT-3.1.2-11]
        let e = decode5("10 0e | 00 04 4d 51 54 54 | 05 | 12 | 00 0f | 00 | 00 01 61").unwrap_err();
        assert_eq!(e.rule(), Some("MQTT-3.1.2-11"));
        // 1c: will QoS 3 [MQTT-3.1.2-12]
        let e = decode5("10 0e | 00 04 4d 51 54 54 | 05 | 1c | 00 0f | 00 | 00 01 61").unwrap_err();
        assert_eq!((e.kind.clone(), e.rule()), (ErrorKind::WillQoS3, Some("MQTT-3.1.2-12")));
    }

    #[test]
    fn a_will_topic_with_a_wildcard_is_reported_at_the_wildcard() {
        // will properties 00, will topic "a/#" at 17..20 (the # at 19), payload empty
        let e = decode5("10 16 | 00 04 4d 51 54 54 | 05 | 06 | 00 0f | 00 | 00 01 61 | 00 | 00 03 61 2f 23 | 00 00")
            .unwrap_err();
        assert_eq!((e.offset, e.kind.clone(), e.rule()), (21, ErrorKind::WildcardInWillTopic, Some("MQTT-4.7.0-1")));
    }

    #[test]
    fn properties_that_a_connect_may_not_carry() {
        // 23 00 01 = Topic Alias: a PUBLISH property (§2.2.2.2)
        let e = decode5("10 11 | 00 04 4d 51 54 54 | 05 | 02 | 00 0f | 03 23 00 01 | 00 01 61").unwrap_err();
        assert_eq!((e.offset, e.rule()), (13, Some("§2.2.2.2")));
        assert_eq!(e.kind, ErrorKind::PropertyNotAllowed { id: 0x23, ctx: PropContext::Connect });
        // 21 00 00 = Receive Maximum 0 (§3.1.2.11.3)
        let e = decode5("10 11 | 00 04 4d 51 54 54 | 05 | 02 | 00 0f | 03 21 00 00 | 00 01 61").unwrap_err();
        assert_eq!((e.offset, e.rule()), (14, Some("§3.1.2.11.3")));
        // 27 00 00 00 00 = Maximum Packet Size 0 (§3.1.2.11.4)
        let e = decode5("10 13 | 00 04 4d 51 54 54 | 05 | 02 | 00 0f | 05 27 00 00 00 00 | 00 01 61").unwrap_err();
        assert_eq!(e.rule(), Some("§3.1.2.11.4"));
        // Session Expiry Interval twice (§3.1.2.11.2)
        let e = decode5("10 18 | 00 04 4d 51 54 54 | 05 | 02 | 00 0f | 0a 11 00 00 00 01 11 00 00 00 02 | 00 01 61")
            .unwrap_err();
        assert_eq!((e.offset, e.rule()), (18, Some("§3.1.2.11.2")));
        assert_eq!(e.kind, ErrorKind::DuplicateProperty { id: 0x11, ctx: PropContext::Connect });
        // 16 00 01 78 = Authentication Data without an Authentication Method (§3.1.2.11.10)
        let e = decode5("10 12 | 00 04 4d 51 54 54 | 05 | 02 | 00 0f | 04 16 00 01 78 | 00 01 61").unwrap_err();
        assert_eq!((e.offset, e.kind.clone(), e.rule()), (13, ErrorKind::AuthDataWithoutMethod, Some("§3.1.2.11.10")));
        // 2b: no such property
        let e = decode5("10 0f | 00 04 4d 51 54 54 | 05 | 02 | 00 0f | 01 2b | 00 01 61").unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownProperty { id: 0x2b, ctx: PropContext::Connect });
        // User Property twice is fine
        let b = "10 1c | 00 04 4d 51 54 54 | 05 | 02 | 00 0f | 0e 26 00 01 6b 00 01 31 26 00 01 6b 00 01 32 | 00 01 61";
        let Packet::Connect(c) = decode5(b).unwrap() else { panic!() };
        assert_eq!(c.properties.user_properties, vec![("k".into(), "1".into()), ("k".into(), "2".into())]);
    }

    #[test]
    fn will_properties_are_checked_as_will_properties() {
        // will properties 03: 21 00 05 = Receive Maximum, which only the CONNECT itself may carry
        let e = decode5("10 17 | 00 04 4d 51 54 54 | 05 | 06 | 00 0f | 00 | 00 01 61 | 03 21 00 05 | 00 01 74 | 00 00")
            .unwrap_err();
        assert_eq!(
            (e.offset, e.kind.clone()),
            (17, ErrorKind::PropertyNotAllowed { id: 0x21, ctx: PropContext::Will })
        );
        // will property 01 02: Payload Format Indicator 2 (§3.1.3.2.3)
        let e = decode5("10 16 | 00 04 4d 51 54 54 | 05 | 06 | 00 0f | 00 | 00 01 61 | 02 01 02 | 00 01 74 | 00 00")
            .unwrap_err();
        assert_eq!((e.offset, e.rule()), (18, Some("§3.1.3.2.3")));
    }

    #[test]
    fn a_properties_length_past_the_frame_is_malformed() {
        // property length 0x20, but only 4 bytes follow
        let e = decode5("10 0e | 00 04 4d 51 54 54 | 05 | 02 | 00 0f | 20 | 00 01 61").unwrap_err();
        assert!(matches!(e.kind, ErrorKind::Truncated { .. }), "{e:?}");
        assert_eq!(e.rule(), Some("§2.1.4"));
        // Session Expiry Interval whose value runs past the property length (3 of 4 bytes)
        let e = decode5("10 12 | 00 04 4d 51 54 54 | 05 | 02 | 00 0f | 04 11 00 00 00 | 00 01 61").unwrap_err();
        assert_eq!(
            (e.offset, e.kind.clone()),
            (17, ErrorKind::Truncated { field: crate::proto::field::PROP_SESSION_EXPIRY_INTERVAL.name })
        );
    }

    #[test]
    fn encode_checks() {
        let mut c = Connect::new("a");
        c.properties.topic_alias = NonZeroU16::new(1);
        assert!(Packet::Connect(Box::new(c)).check_encodable().is_err());
        let mut c = Connect::new("a");
        c.properties.authentication_data = Some(bytes::Bytes::from_static(b"x"));
        assert!(Packet::Connect(Box::new(c.clone())).check_encodable().is_err());
        c.properties.authentication_method = Some("SCRAM-SHA-1".into());
        c.properties.maximum_packet_size = NonZeroU32::new(1024);
        round_trip(&Packet::Connect(Box::new(c)));
    }
}

//! PUBLISH of MQTT 5.0: DUP, QoS and RETAIN in the fixed header, then the topic, a packet id at QoS 1
//! and 2, the properties, and the payload (whatever the remaining length leaves). The topic may be
//! empty when a Topic Alias stands for it (§3.3.2.1).

use crate::proto::error::{DecodeError, ErrorKind};
use crate::proto::field as f;
use crate::proto::packet::EncodeError;
use crate::proto::property::{self, PropContext, Properties};
use crate::proto::reader::Reader;
use crate::proto::span::Recorder;
use crate::proto::{QoS, QosPid, put_str};
use bytes::{BufMut, Bytes, BytesMut};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    pub dup: bool,
    pub qos_pid: QosPid,
    pub retain: bool,
    pub topic: Arc<str>,
    pub properties: Properties,
    pub payload: Bytes,
}

impl Publish {
    /// A QoS 0 PUBLISH without DUP, RETAIN or properties.
    pub fn new(topic: impl Into<Arc<str>>, payload: impl Into<Bytes>) -> Publish {
        Publish {
            dup: false,
            qos_pid: QosPid::AtMostOnce,
            retain: false,
            topic: topic.into(),
            properties: Properties::default(),
            payload: payload.into(),
        }
    }
    pub fn qos(&self) -> QoS {
        self.qos_pid.qos()
    }
    pub(crate) fn flags(&self) -> u8 {
        ((self.dup as u8) << 3) | (self.qos().as_u8() << 1) | self.retain as u8
    }
    pub(crate) fn body_len(&self) -> usize {
        2 + self.topic.len()
            + if self.qos_pid.pid().is_some() { 2 } else { 0 }
            + self.properties.encoded_len()
            + self.payload.len()
    }
    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        put_str(out, self.topic.as_bytes());
        if let Some(id) = self.qos_pid.pid() {
            out.put_u16(id.get());
        }
        self.properties.encode(out);
        out.put_slice(&self.payload);
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        super::check_str("topic name", &self.topic)?;
        self.properties.check(PropContext::Publish)?;
        let invalid = |what: &str, rule| Err(EncodeError::Invalid { what: what.into(), rule });
        if self.dup && self.qos() == QoS::AtMostOnce {
            return invalid("DUP must be 0 at QoS 0", "MQTT-3.3.1-2");
        }
        if super::topic_wildcard_at(&self.topic).is_some() {
            return invalid("a topic name must not contain + or #", "MQTT-3.3.2-2");
        }
        if self.topic.is_empty() && self.properties.topic_alias.is_none() {
            return invalid("an empty topic name needs a Topic Alias", "§3.3.2.1");
        }
        Ok(())
    }
}

pub(crate) fn decode<R: Recorder>(flags: u8, r: &mut Reader<'_, R>) -> Result<Publish, DecodeError> {
    let dup = flags & 0x08 != 0;
    let retain = flags & 0x01 != 0;
    let Some(qos) = QoS::from_u8((flags >> 1) & 3) else {
        return Err(DecodeError::new(0, ErrorKind::QoS3));
    };
    if dup && qos == QoS::AtMostOnce {
        return Err(DecodeError::new(0, ErrorKind::DupAtQoS0));
    }
    let topic_at = r.pos + 2;
    let topic = r.string(&f::PUBLISH_TOPIC_LEN, &f::PUBLISH_TOPIC)?;
    if let Some(at) = super::topic_wildcard_at(topic) {
        return Err(DecodeError::new(topic_at + at, ErrorKind::WildcardInTopic));
    }
    let topic: Arc<str> = Arc::from(topic);
    let qos_pid = match qos {
        QoS::AtMostOnce => QosPid::AtMostOnce,
        QoS::AtLeastOnce => QosPid::AtLeastOnce(r.packet_id(&f::PUBLISH_PACKET_ID)?),
        QoS::ExactlyOnce => QosPid::ExactlyOnce(r.packet_id(&f::PUBLISH_PACKET_ID)?),
    };
    let properties = property::decode(r, PropContext::Publish)?;
    if topic.is_empty() && properties.topic_alias.is_none() {
        return Err(DecodeError::new(topic_at - 2, ErrorKind::EmptyTopicWithoutAlias));
    }
    let payload = r.rest(&f::PUBLISH_PAYLOAD);
    Ok(Publish { dup, qos_pid, retain, topic, properties, payload })
}

#[cfg(test)]
mod tests {
    use crate::proto::packet::v5::test_util::*;
    use crate::proto::v5::*;
    use crate::proto::{AnyPacket, ErrorKind, PacketId, Protocol, QosPid, decode_v};
    use bytes::Bytes;
    use std::num::{NonZeroU16, NonZeroU32};

    #[test]
    fn qos0_publish_without_properties() {
        // 30 0e | 00 09 "car/speed" | 00 = no properties | "60"
        let b = "30 0e | 00 09 63 61 72 2f 73 70 65 65 64 | 00 | 36 30";
        let Packet::Publish(p) = decode5(b).unwrap() else { panic!() };
        assert_eq!((&*p.topic, p.payload.as_ref(), p.qos_pid), ("car/speed", &b"60"[..], QosPid::AtMostOnce));
        assert!(p.properties.is_empty());
        assert_eq!(round_trip(&Packet::Publish(p)), hex(b));
    }

    #[test]
    fn qos1_publish_with_properties() {
        // 32 16 = QoS 1 | 00 01 "a" | id 00 05 |
        // 0e = 14 bytes: 01 01 = UTF-8 payload, 02 00 00 00 3c = expires in 60 s,
        //                03 00 04 "json" = Content Type (01 + 02 + 03 in order) | payload "{}"
        let b = "32 16 | 00 01 61 | 00 05 | 0e 01 01 02 00 00 00 3c 03 00 04 6a 73 6f 6e | 7b 7d";
        let Packet::Publish(p) = decode5(b).unwrap() else { panic!() };
        assert_eq!(p.qos_pid, QosPid::AtLeastOnce(PacketId::new(5).unwrap()));
        assert_eq!(p.properties.payload_format_indicator, Some(true));
        assert_eq!(p.properties.message_expiry_interval, Some(60));
        assert_eq!(p.properties.content_type.as_deref(), Some("json"));
        assert_eq!(&p.payload[..], b"{}");
        assert_eq!(round_trip(&Packet::Publish(p)), hex(b));
    }

    #[test]
    fn an_empty_topic_with_a_topic_alias() {
        // 30 07 | 00 00 = empty topic | 03 23 00 02 = Topic Alias 2 | "x"
        let b = "30 07 | 00 00 | 03 23 00 02 | 78";
        let Packet::Publish(p) = decode5(b).unwrap() else { panic!() };
        assert_eq!((&*p.topic, p.properties.topic_alias), ("", NonZeroU16::new(2)));
        round_trip(&Packet::Publish(p));
        // without the alias it is a Protocol Error, reported at the topic's length (§3.3.2.1)
        let e = decode5("30 04 | 00 00 | 00 | 78").unwrap_err();
        assert_eq!((e.offset, e.kind.clone(), e.rule()), (2, ErrorKind::EmptyTopicWithoutAlias, Some("§3.3.2.1")));
        // Topic Alias 0 is not permitted [MQTT-3.3.2-8]
        let e = decode5("30 08 | 00 01 61 | 03 23 00 00 | 78").unwrap_err();
        assert_eq!((e.offset, e.rule()), (7, Some("MQTT-3.3.2-8")));
    }

    #[test]
    fn subscription_identifiers_may_repeat_in_a_publish() {
        // 30 0a | 00 01 61 | 05 0b 01 0b 80 01 = Subscription Identifiers 1 and 128 | "x"
        let b = "30 0a | 00 01 61 | 05 0b 01 0b 80 01 | 78";
        let Packet::Publish(p) = decode5(b).unwrap() else { panic!() };
        let ids: Vec<u32> = p.properties.subscription_identifiers.iter().map(|v| v.get()).collect();
        assert_eq!(ids, vec![1, 128]);
        assert_eq!(round_trip(&Packet::Publish(p)), hex(b));
        // 0b 00: Subscription Identifier 0 (§3.3.2.3.8)
        assert_eq!(decode5("30 07 | 00 01 61 | 02 0b 00 | 78").unwrap_err().rule(), Some("§3.3.2.3.8"));
        // 0b 80 00: 0 written in two bytes [MQTT-1.5.5-1]
        assert_eq!(decode5("30 08 | 00 01 61 | 03 0b 80 00 | 78").unwrap_err().rule(), Some("MQTT-1.5.5-1"));
    }

    #[test]
    fn response_topic_user_properties_and_correlation_data() {
        let mut p = Publish::new("req/1", Bytes::from_static(b"?"));
        p.properties.response_topic = Some("resp/汽车".into());
        p.properties.correlation_data = Some(Bytes::from_static(&[0, 1, 2]));
        p.properties.user_properties = vec![("b".into(), "2".into()), ("a".into(), "1".into())];
        let b = round_trip(&Packet::Publish(p));
        // the user properties keep their order on the wire: "b" before "a"
        let at_b = b.windows(4).position(|w| w == [0x26, 0x00, 0x01, b'b']).unwrap();
        let at_a = b.windows(4).position(|w| w == [0x26, 0x00, 0x01, b'a']).unwrap();
        assert!(at_b < at_a);
        // 08 00 03 "a/#": a Response Topic with a wildcard [MQTT-3.3.2-14], the # at byte 11
        let e = decode5("30 0b | 00 01 61 | 06 08 00 03 61 2f 23 | 78").unwrap_err();
        assert_eq!(
            (e.offset, e.kind.clone(), e.rule()),
            (11, ErrorKind::WildcardInResponseTopic, Some("MQTT-3.3.2-14"))
        );
    }

    #[test]
    fn flags_and_topic_errors_cite_5_0() {
        // 36: QoS 3 [MQTT-3.3.1-4]; 38: DUP at QoS 0 [MQTT-3.3.1-2]
        assert_eq!(decode5("36 04 00 01 61 00").unwrap_err().rule(), Some("MQTT-3.3.1-4"));
        assert_eq!(decode5("38 04 00 01 61 00").unwrap_err().rule(), Some("MQTT-3.3.1-2"));
        // "a/+": the + at 6 [MQTT-3.3.2-2]
        let e = decode5("30 06 | 00 03 61 2f 2b | 00").unwrap_err();
        assert_eq!((e.offset, e.rule()), (6, Some("MQTT-3.3.2-2")));
        // packet id 0 [MQTT-2.2.1-3]
        let e = decode5("32 06 | 00 01 61 | 00 00 | 00").unwrap_err();
        assert_eq!((e.offset, e.kind.clone(), e.rule()), (5, ErrorKind::ZeroPacketId, Some("MQTT-2.2.1-3")));
        // c3 28 is not UTF-8 [MQTT-1.5.4-1]
        assert_eq!(decode5("30 05 | 00 02 c3 28 | 00").unwrap_err().rule(), Some("MQTT-1.5.4-1"));
        // Session Expiry Interval is no PUBLISH property (§2.2.2.2)
        assert_eq!(decode5("30 09 | 00 01 61 | 05 11 00 00 00 01").unwrap_err().rule(), Some("§2.2.2.2"));
    }

    #[test]
    fn payload_is_sliced_not_copied_and_the_encoder_checks() {
        let frame = Bytes::from(hex("30 06 | 00 01 61 | 00 | 68 69"));
        let Ok(AnyPacket::V5(Packet::Publish(p))) = decode_v(&frame, Protocol::V5) else { panic!() };
        assert_eq!(p.payload.as_ptr(), frame[6..].as_ptr());
        let mut bad = Publish::new("", Bytes::new());
        assert!(Packet::Publish(bad.clone()).check_encodable().is_err());
        bad.properties.topic_alias = NonZeroU16::new(1);
        round_trip(&Packet::Publish(bad.clone()));
        bad.properties.subscription_identifiers.push(NonZeroU32::new(268_435_455).unwrap());
        round_trip(&Packet::Publish(bad));
    }
}

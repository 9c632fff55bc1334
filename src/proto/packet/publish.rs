//! PUBLISH: DUP, QoS and RETAIN in the fixed header, then the topic, a packet id at QoS 1 and 2,
//! and the payload, whose length is whatever the remaining length leaves.

use crate::proto::error::{DecodeError, ErrorKind};
use crate::proto::field as f;
use crate::proto::reader::Reader;
use crate::proto::span::Recorder;
use crate::proto::{QoS, QosPid, put_str, validate_topic_name};
use bytes::{BufMut, Bytes, BytesMut};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    pub dup: bool,
    pub qos_pid: QosPid,
    pub retain: bool,
    pub topic: Arc<str>,
    pub payload: Bytes,
}

impl Publish {
    /// A QoS 0 PUBLISH without DUP or RETAIN.
    pub fn new(topic: impl Into<Arc<str>>, payload: impl Into<Bytes>) -> Publish {
        Publish { dup: false, qos_pid: QosPid::AtMostOnce, retain: false, topic: topic.into(), payload: payload.into() }
    }
    pub fn qos(&self) -> QoS {
        self.qos_pid.qos()
    }
    pub(crate) fn flags(&self) -> u8 {
        ((self.dup as u8) << 3) | (self.qos().as_u8() << 1) | self.retain as u8
    }
    pub(crate) fn body_len(&self) -> usize {
        2 + self.topic.len() + if self.qos_pid.pid().is_some() { 2 } else { 0 } + self.payload.len()
    }
    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        put_str(out, self.topic.as_bytes());
        if let Some(id) = self.qos_pid.pid() {
            out.put_u16(id.get());
        }
        out.put_slice(&self.payload);
    }
}

pub(crate) fn decode<R: Recorder>(flags: u8, r: &mut Reader<'_, R>) -> Result<Publish, DecodeError> {
    let dup = flags & 0x08 != 0;
    let retain = flags & 0x01 != 0;
    let qos = match QoS::from_u8((flags >> 1) & 3) {
        Some(q) => q,
        None => return Err(DecodeError::new(0, ErrorKind::QoS3)),
    };
    if dup && qos == QoS::AtMostOnce {
        return Err(DecodeError::new(0, ErrorKind::DupAtQoS0));
    }
    let topic_at = r.pos + 2;
    let topic = r.string(&f::PUBLISH_TOPIC_LEN, &f::PUBLISH_TOPIC)?;
    if let Err(k) = validate_topic_name(topic) {
        let at = topic.bytes().position(|b| b == b'+' || b == b'#').unwrap_or(0);
        return Err(DecodeError::new(topic_at + at, k));
    }
    let topic: Arc<str> = Arc::from(topic);
    let qos_pid = match qos {
        QoS::AtMostOnce => QosPid::AtMostOnce,
        QoS::AtLeastOnce => QosPid::AtLeastOnce(r.packet_id(&f::PUBLISH_PACKET_ID)?),
        QoS::ExactlyOnce => QosPid::ExactlyOnce(r.packet_id(&f::PUBLISH_PACKET_ID)?),
    };
    let payload = r.rest(&f::PUBLISH_PAYLOAD);
    Ok(Publish { dup, qos_pid, retain, topic, payload })
}

#[cfg(test)]
mod tests {
    use crate::proto::packet::test_util::hex;
    use crate::proto::*;
    use bytes::Bytes;

    #[test]
    fn qos0_publish() {
        // 30 = PUBLISH qos 0 | 0b = 11 | 00 09 "car/speed" | "60"
        let b = hex("30 0d | 00 09 63 61 72 2f 73 70 65 65 64 | 36 30");
        let Packet::Publish(p) = decode_slice(&b).unwrap() else { panic!() };
        assert_eq!(
            (&*p.topic, p.payload.as_ref(), p.qos(), p.retain, p.dup),
            ("car/speed", &b"60"[..], QoS::AtMostOnce, false, false)
        );
        assert_eq!(Packet::Publish(p).to_bytes().as_ref(), b);
    }

    #[test]
    fn qos2_retained_dup_publish_with_id() {
        // 3d = PUBLISH | DUP 1 | QoS 2 | RETAIN 1 ; 00 01 "a" ; id 00 07 ; empty payload
        let b = hex("3d 05 | 00 01 61 | 00 07");
        let Packet::Publish(p) = decode_slice(&b).unwrap() else { panic!() };
        assert_eq!(p.qos_pid, QosPid::ExactlyOnce(PacketId::new(7).unwrap()));
        assert!(p.dup && p.retain && p.payload.is_empty());
        assert_eq!(Packet::Publish(p).to_bytes().as_ref(), b);
    }

    #[test]
    fn chinese_topic_is_12_bytes_for_4_characters() {
        // 汽车速度 = e6 b1 bd e8 bd a6 e9 80 9f e5 ba a6
        let b = hex("30 10 | 00 0c e6 b1 bd e8 bd a6 e9 80 9f e5 ba a6 | 36 30");
        let (r, spans) = decode_spans(&b);
        let Packet::Publish(p) = r.unwrap() else { panic!() };
        assert_eq!(&*p.topic, "汽车速度");
        let topic = spans.iter().find(|s| s.field.key == "mqtt.publish.topic").unwrap();
        assert_eq!(topic.len(), 12);
        assert_eq!(topic.value_in(crate::i18n::Lang::En), "\"汽车速度\" (4 chars, 12 bytes)");
        assert_eq!(topic.value_in(crate::i18n::Lang::Zh), "\"汽车速度\"（4 个字符，12 字节）");
    }

    #[test]
    fn qos_3_is_malformed() {
        let e = decode_slice(&hex("36 03 00 01 61")).unwrap_err();
        assert_eq!((e.offset, e.rule()), (0, Some("MQTT-3.3.1-4")));
    }

    #[test]
    fn wildcards_in_topic_names_are_malformed() {
        // "a/+" : the + is at frame offset 6
        let e = decode_slice(&hex("30 05 | 00 03 61 2f 2b")).unwrap_err();
        assert_eq!((e.offset, e.rule()), (6, Some("MQTT-3.3.2-2")));
        let e = decode_slice(&hex("30 03 | 00 01 23")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::WildcardInTopic);
    }

    #[test]
    fn invalid_utf8_and_nul_in_topic() {
        // c3 28 is not UTF-8
        let e = decode_slice(&hex("30 04 | 00 02 c3 28")).unwrap_err();
        assert_eq!((e.offset, e.rule()), (4, Some("MQTT-1.5.3-1")));
        let e = decode_slice(&hex("30 04 | 00 02 61 00")).unwrap_err();
        assert_eq!((e.offset, e.rule()), (5, Some("MQTT-1.5.3-2")));
    }

    #[test]
    fn empty_topic_is_malformed() {
        let e = decode_slice(&hex("30 02 | 00 00")).unwrap_err();
        assert_eq!(e.rule(), Some("MQTT-4.7.3-1"));
    }

    #[test]
    fn dup_at_qos0_is_malformed() {
        assert_eq!(decode_slice(&hex("38 03 00 01 61")).unwrap_err().rule(), Some("MQTT-3.3.1-2"));
    }

    #[test]
    fn payload_is_sliced_not_copied() {
        let frame = Bytes::from(hex("30 05 | 00 01 61 | 68 69"));
        let Packet::Publish(p) = decode(&frame).unwrap() else { panic!() };
        assert_eq!(p.payload.as_ptr(), frame[5..].as_ptr());
    }
}

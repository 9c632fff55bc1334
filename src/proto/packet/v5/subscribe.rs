//! SUBSCRIBE of MQTT 5.0: a packet id, the properties (Subscription Identifier, User Property), then
//! one or more (topic filter, subscription options) pairs. The options byte (§3.8.3.1): bits 1–0 the
//! maximum QoS, bit 2 No Local, bit 3 Retain As Published, bits 5–4 Retain Handling, bits 7–6
//! reserved [MQTT-3.8.3-5].

use crate::proto::error::{DecodeError, ErrorKind};
use crate::proto::field as f;
use crate::proto::packet::EncodeError;
use crate::proto::property::{self, PropContext, Properties};
use crate::proto::reader::Reader;
use crate::proto::span::Recorder;
use crate::proto::{PacketId, QoS, put_str};
use bytes::{BufMut, BytesMut};

/// Whether the broker sends the retained messages when the subscription is made (§3.8.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub enum RetainHandling {
    /// 0: send them.
    #[default]
    SendAtSubscribe = 0,
    /// 1: send them only if the subscription did not exist.
    SendIfNew = 1,
    /// 2: do not send them.
    DoNotSend = 2,
}

impl RetainHandling {
    pub fn from_u8(v: u8) -> Option<RetainHandling> {
        match v {
            0 => Some(RetainHandling::SendAtSubscribe),
            1 => Some(RetainHandling::SendIfNew),
            2 => Some(RetainHandling::DoNotSend),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SubscriptionOptions {
    pub qos: QoS,
    pub no_local: bool,
    pub retain_as_published: bool,
    pub retain_handling: RetainHandling,
}

impl SubscriptionOptions {
    /// Options asking for `qos` and nothing else.
    pub fn new(qos: QoS) -> SubscriptionOptions {
        SubscriptionOptions { qos, ..SubscriptionOptions::default() }
    }

    pub fn as_u8(self) -> u8 {
        self.qos.as_u8()
            | (self.no_local as u8) << 2
            | (self.retain_as_published as u8) << 3
            | (self.retain_handling as u8) << 4
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    pub pid: PacketId,
    pub properties: Properties,
    pub filters: Vec<(String, SubscriptionOptions)>,
}

/// A shared subscription's filter starts with `$share/` (§4.8.2).
fn is_shared(filter: &str) -> bool {
    filter.starts_with("$share/")
}

impl Subscribe {
    pub(crate) fn body_len(&self) -> usize {
        2 + self.properties.encoded_len() + self.filters.iter().map(|(t, _)| 2 + t.len() + 1).sum::<usize>()
    }

    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        out.put_u16(self.pid.get());
        self.properties.encode(out);
        for (t, o) in &self.filters {
            put_str(out, t.as_bytes());
            out.put_u8(o.as_u8());
        }
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        self.properties.check(PropContext::Subscribe)?;
        if self.filters.is_empty() {
            return Err(EncodeError::Invalid { what: "a SUBSCRIBE needs a topic filter".into(), rule: "MQTT-3.8.3-2" });
        }
        for (t, o) in &self.filters {
            super::check_str("topic filter", t)?;
            if o.no_local && is_shared(t) {
                let what = "No Local must not be set on a shared subscription".into();
                return Err(EncodeError::Invalid { what, rule: "MQTT-3.8.3-4" });
            }
        }
        Ok(())
    }
}

pub(crate) fn decode<R: Recorder>(r: &mut Reader<'_, R>) -> Result<Subscribe, DecodeError> {
    let pid = r.packet_id(&f::SUBSCRIBE_PACKET_ID)?;
    let properties = property::decode(r, PropContext::Subscribe)?;
    if r.remaining() == 0 {
        return Err(DecodeError::new(r.pos, ErrorKind::NoTopicFilters { packet: "SUBSCRIBE" }));
    }
    let mut filters = Vec::new();
    while r.remaining() > 0 {
        let filter = r.string(&f::SUBSCRIBE_FILTER_LEN, &f::SUBSCRIBE_FILTER)?.to_string();
        let at = r.pos;
        let b = r.flag_byte(&f::SUBSCRIBE_SUB_OPTIONS)?;
        r.rec.bits(&f::SUBSCRIBE_RESERVED, at, 0xc0, || format!("{:02b}", b >> 6));
        r.rec.bits(&f::SUBSCRIBE_RETAIN_HANDLING, at, 0x30, || ((b >> 4) & 3).to_string());
        r.rec.bits(&f::SUBSCRIBE_RETAIN_AS_PUBLISHED, at, 0x08, || ((b >> 3) & 1).to_string());
        r.rec.bits(&f::SUBSCRIBE_NO_LOCAL, at, 0x04, || ((b >> 2) & 1).to_string());
        r.rec.bits(&f::SUBSCRIBE_QOS, at, 0x03, || (b & 3).to_string());
        if b & 0xc0 != 0 {
            return Err(DecodeError::new(at, ErrorKind::SubscriptionOptionsReserved(b)));
        }
        let Some(qos) = QoS::from_u8(b & 3) else {
            return Err(DecodeError::new(at, ErrorKind::RequestedQoS3));
        };
        let Some(retain_handling) = RetainHandling::from_u8((b >> 4) & 3) else {
            return Err(DecodeError::new(at, ErrorKind::RetainHandling3));
        };
        let o =
            SubscriptionOptions { qos, no_local: b & 0x04 != 0, retain_as_published: b & 0x08 != 0, retain_handling };
        if o.no_local && is_shared(&filter) {
            return Err(DecodeError::new(at, ErrorKind::NoLocalOnSharedSubscription));
        }
        filters.push((filter, o));
    }
    Ok(Subscribe { pid, properties, filters })
}

#[cfg(test)]
mod tests {
    use crate::proto::packet::v5::test_util::*;
    use crate::proto::v5::*;
    use crate::proto::{ErrorKind, QoS};
    use std::num::NonZeroU32;

    #[test]
    fn two_filters_with_options_and_a_subscription_identifier() {
        // 82 | 11 | id 00 0a | 02 0b 07 = Subscription Identifier 7 |
        // 00 05 "car/#" 2d = 0010 1101: Retain Handling 2, Retain As Published 1, No Local 1, QoS 1
        // 00 01 "+" 02 = QoS 2
        let b = "82 11 | 00 0a | 02 0b 07 | 00 05 63 61 72 2f 23 | 2d | 00 01 2b | 02";
        let Packet::Subscribe(s) = decode5(b).unwrap() else { panic!() };
        assert_eq!(s.properties.subscription_identifiers, vec![NonZeroU32::new(7).unwrap()]);
        let want = SubscriptionOptions {
            qos: QoS::AtLeastOnce,
            no_local: true,
            retain_as_published: true,
            retain_handling: RetainHandling::DoNotSend,
        };
        assert_eq!(s.filters, vec![("car/#".into(), want), ("+".into(), SubscriptionOptions::new(QoS::ExactlyOnce))]);
        assert_eq!(round_trip(&Packet::Subscribe(s)), hex(b));
    }

    #[test]
    fn the_options_byte_has_a_span_for_every_bit() {
        let spans = spans5("82 07 | 00 01 | 00 | 00 01 61 | 1e");
        let bits: Vec<(&str, u8, &str)> = spans
            .iter()
            .filter(|s| s.start == 8)
            .filter_map(|s| Some((s.field.key, s.bits?, s.value.as_str())))
            .collect();
        assert_eq!(
            bits,
            vec![
                ("mqtt.subscribe.reserved", 0xc0, "00"),
                ("mqtt.subscribe.retain_handling", 0x30, "1"),
                ("mqtt.subscribe.retain_as_published", 0x08, "1"),
                ("mqtt.subscribe.no_local", 0x04, "1"),
                ("mqtt.subscribe.qos", 0x03, "2"),
            ]
        );
    }

    #[test]
    fn bad_options() {
        // 40: a reserved bit [MQTT-3.8.3-5]
        let e = decode5("82 07 | 00 01 | 00 | 00 01 61 | 40").unwrap_err();
        assert_eq!(
            (e.offset, e.kind.clone(), e.rule()),
            (8, ErrorKind::SubscriptionOptionsReserved(0x40), Some("MQTT-3.8.3-5"))
        );
        // 03: QoS 3; 30: Retain Handling 3 (§3.8.3.1)
        assert_eq!(decode5("82 07 | 00 01 | 00 | 00 01 61 | 03").unwrap_err().kind, ErrorKind::RequestedQoS3);
        let e = decode5("82 07 | 00 01 | 00 | 00 01 61 | 30").unwrap_err();
        assert_eq!((e.kind.clone(), e.rule()), (ErrorKind::RetainHandling3, Some("§3.8.3.1")));
        // No Local on "$share/g/a" [MQTT-3.8.3-4]; without No Local it is fine
        let e = decode5("82 10 | 00 01 | 00 | 00 0a 24 73 68 61 72 65 2f 67 2f 61 | 04").unwrap_err();
        assert_eq!((e.offset, e.rule()), (17, Some("MQTT-3.8.3-4")));
        assert!(decode5("82 10 | 00 01 | 00 | 00 0a 24 73 68 61 72 65 2f 67 2f 61 | 01").is_ok());
    }

    #[test]
    fn a_subscribe_needs_a_filter_and_one_subscription_identifier() {
        // properties but no filter [MQTT-3.8.3-2]
        let e = decode5("82 03 | 00 01 | 00").unwrap_err();
        assert_eq!((e.offset, e.rule()), (5, Some("MQTT-3.8.3-2")));
        // two Subscription Identifiers (§3.8.2.1.2)
        let e = decode5("82 0b | 00 01 | 04 0b 01 0b 02 | 00 01 61 | 00").unwrap_err();
        assert_eq!((e.offset, e.rule()), (7, Some("§3.8.2.1.2")));
        // a Reason String is not a SUBSCRIBE property
        assert_eq!(decode5("82 0b | 00 01 | 04 1f 00 01 61 | 00 01 61 | 00").unwrap_err().rule(), Some("§2.2.2.2"));
    }
}

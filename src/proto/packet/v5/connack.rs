//! CONNACK of MQTT 5.0: acknowledge flags (Session Present), the Connect Reason Code and the
//! properties (what the broker allows: Receive Maximum, Maximum QoS, Topic Alias Maximum …).

use crate::proto::error::{DecodeError, ErrorKind};
use crate::proto::field as f;
use crate::proto::packet::EncodeError;
use crate::proto::property::{self, PropContext, Properties};
use crate::proto::reader::Reader;
use crate::proto::reason::{ReasonCode, ReasonPacket};
use crate::proto::span::Recorder;
use bytes::{BufMut, BytesMut};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnAck {
    pub session_present: bool,
    pub reason: ReasonCode,
    pub properties: Properties,
}

impl ConnAck {
    /// A CONNACK with this reason code, no session and no properties.
    pub fn new(reason: ReasonCode) -> ConnAck {
        ConnAck { session_present: false, reason, properties: Properties::default() }
    }

    pub(crate) fn body_len(&self) -> usize {
        2 + self.properties.encoded_len()
    }

    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        out.put_u8(self.session_present as u8);
        out.put_u8(self.reason.as_u8());
        self.properties.encode(out);
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        super::check_reason(self.reason, ReasonPacket::ConnAck)?;
        self.properties.check(PropContext::ConnAck)
    }
}

pub(crate) fn decode<R: Recorder>(r: &mut Reader<'_, R>) -> Result<ConnAck, DecodeError> {
    let at = r.pos;
    let flags = r.flag_byte(&f::CONNACK_FLAGS)?;
    r.rec.bits(&f::CONNACK_FLAGS_RESERVED, at, 0xfe, || format!("{:07b}", flags >> 1));
    r.rec.bits(&f::CONNACK_SESSION_PRESENT, at, 0x01, || (flags & 1).to_string());
    if flags & 0xfe != 0 {
        return Err(DecodeError::new(at, ErrorKind::BadConnack));
    }
    let reason = r.reason(&f::CONNACK_REASON_CODE, ReasonPacket::ConnAck)?;
    let properties = property::decode(r, PropContext::ConnAck)?;
    Ok(ConnAck { session_present: flags & 1 == 1, reason, properties })
}

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;
    use crate::proto::packet::v5::test_util::*;
    use crate::proto::v5::*;
    use crate::proto::{ErrorKind, QoS};
    use std::num::NonZeroU16;

    #[test]
    fn an_accepting_connack_with_what_the_broker_allows() {
        // 20 0b | 01 = session present | 00 = success | 08 = 8 bytes of properties:
        //   21 00 14 = Receive Maximum 20, 24 01 = Maximum QoS 1, 22 00 0a = Topic Alias Maximum 10
        let b = "20 0b | 01 | 00 | 08 21 00 14 24 01 22 00 0a";
        let Packet::ConnAck(c) = decode5(b).unwrap() else { panic!() };
        assert!(c.session_present);
        assert_eq!(c.reason, ReasonCode::Success);
        assert_eq!(c.properties.receive_maximum, NonZeroU16::new(20));
        assert_eq!(c.properties.maximum_qos, Some(QoS::AtLeastOnce));
        assert_eq!(c.properties.topic_alias_maximum, Some(10));
        // Re-encoded in identifier order: 21, 22, 24.
        assert_eq!(round_trip(&Packet::ConnAck(c)), hex("20 0b | 01 | 00 | 08 21 00 14 22 00 0a 24 01"));
    }

    #[test]
    fn a_refusal_names_its_reason_in_both_languages() {
        // 20 03 | 00 | 87 = not authorized | 00 = no properties
        let b = "20 03 | 00 | 87 | 00";
        let Packet::ConnAck(c) = decode5(b).unwrap() else { panic!() };
        assert_eq!(c.reason, ReasonCode::NotAuthorized);
        assert_eq!(round_trip(&Packet::ConnAck(c)), hex(b));
        let s = spans5(b).into_iter().find(|s| s.field.key == "mqtt.connack.reason_code").unwrap();
        assert_eq!(s.value_in(Lang::En), "0x87 (not authorized)");
        assert_eq!(s.value_in(Lang::Zh), "0x87（未授权）");
        assert_eq!(
            spans5("20 03 00 00 00").iter().find(|s| s.start == 3).unwrap().value_in(Lang::En),
            "0x00 (connection accepted)"
        );
    }

    #[test]
    fn a_reason_code_of_another_packet_is_refused() {
        // 10 = no matching subscribers: a PUBACK code, never a CONNACK one [MQTT-3.2.2-8]
        let e = decode5("20 03 | 00 | 10 | 00").unwrap_err();
        assert_eq!((e.offset, e.rule()), (3, Some("MQTT-3.2.2-8")));
        assert_eq!(e.kind, ErrorKind::BadReasonCode { packet: ReasonPacket::ConnAck, code: 0x10 });
        // 01 is no CONNACK code in 5.0 (3.1.1's return code 1 is 0x84 here)
        assert!(decode5("20 03 | 00 | 01 | 00").is_err());
    }

    #[test]
    fn reserved_flags_and_bad_property_values() {
        // 02: bit 1 of the acknowledge flags is reserved [MQTT-3.2.2-1]
        let e = decode5("20 03 | 02 | 00 | 00").unwrap_err();
        assert_eq!((e.offset, e.kind.clone(), e.rule()), (2, ErrorKind::BadConnack, Some("MQTT-3.2.2-1")));
        // 24 02: Maximum QoS 2 (§3.2.2.3.4)
        let e = decode5("20 05 | 00 | 00 | 02 24 02").unwrap_err();
        assert_eq!((e.offset, e.rule()), (6, Some("§3.2.2.3.4")));
        // 25 05: Retain Available must be 0 or 1 (§3.2.2.3.5)
        assert_eq!(decode5("20 05 | 00 | 00 | 02 25 05").unwrap_err().rule(), Some("§3.2.2.3.5"));
        // 17 00: Request Problem Information is a CONNECT property (§2.2.2.2)
        let e = decode5("20 05 | 00 | 00 | 02 17 00").unwrap_err();
        assert_eq!(e.kind, ErrorKind::PropertyNotAllowed { id: 0x17, ctx: PropContext::ConnAck });
        // a CONNACK without its property length is cut short
        assert!(matches!(decode5("20 02 | 00 | 00").unwrap_err().kind, ErrorKind::Truncated { .. }));
    }

    #[test]
    fn every_connack_reason_code_round_trips() {
        for code in ReasonPacket::ConnAck.codes() {
            round_trip(&Packet::ConnAck(ConnAck::new(code)));
        }
        let mut c = ConnAck::new(ReasonCode::Success);
        c.properties.assigned_client_identifier = Some("auto-1".into());
        c.properties.server_keep_alive = Some(30);
        c.properties.reason_string = Some("欢迎".into());
        round_trip(&Packet::ConnAck(c));
    }
}

//! SUBACK and UNSUBACK of MQTT 5.0: the packet id of the SUBSCRIBE or UNSUBSCRIBE, the properties,
//! then one reason code per filter (granted QoS or why it failed; removed, or why not).

use crate::proto::PacketId;
use crate::proto::error::DecodeError;
use crate::proto::field as f;
use crate::proto::packet::EncodeError;
use crate::proto::property::{self, PropContext, Properties};
use crate::proto::reader::Reader;
use crate::proto::reason::{ReasonCode, ReasonPacket};
use crate::proto::span::Recorder;
use bytes::{BufMut, BytesMut};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubAck {
    pub pid: PacketId,
    pub properties: Properties,
    pub reasons: Vec<ReasonCode>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubAck {
    pub pid: PacketId,
    pub properties: Properties,
    pub reasons: Vec<ReasonCode>,
}

fn body_len(properties: &Properties, reasons: &[ReasonCode]) -> usize {
    2 + properties.encoded_len() + reasons.len()
}

fn encode_body(pid: PacketId, properties: &Properties, reasons: &[ReasonCode], out: &mut BytesMut) {
    out.put_u16(pid.get());
    properties.encode(out);
    for c in reasons {
        out.put_u8(c.as_u8());
    }
}

fn check(
    properties: &Properties,
    reasons: &[ReasonCode],
    packet: ReasonPacket,
    ctx: PropContext,
) -> Result<(), EncodeError> {
    properties.check(ctx)?;
    reasons.iter().try_for_each(|c| super::check_reason(*c, packet))
}

impl SubAck {
    pub(crate) fn body_len(&self) -> usize {
        body_len(&self.properties, &self.reasons)
    }
    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        encode_body(self.pid, &self.properties, &self.reasons, out)
    }
    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        check(&self.properties, &self.reasons, ReasonPacket::SubAck, PropContext::SubAck)
    }
}

impl UnsubAck {
    pub(crate) fn body_len(&self) -> usize {
        body_len(&self.properties, &self.reasons)
    }
    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        encode_body(self.pid, &self.properties, &self.reasons, out)
    }
    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        check(&self.properties, &self.reasons, ReasonPacket::UnsubAck, PropContext::UnsubAck)
    }
}

type Parts = (PacketId, Properties, Vec<ReasonCode>);

fn decode<R: Recorder>(r: &mut Reader<'_, R>, packet: ReasonPacket) -> Result<Parts, DecodeError> {
    let (pid_field, code_field, ctx) = match packet {
        ReasonPacket::SubAck => (&f::SUBACK_PACKET_ID, &f::SUBACK_REASON_CODE, PropContext::SubAck),
        _ => (&f::UNSUBACK_PACKET_ID, &f::UNSUBACK_REASON_CODE, PropContext::UnsubAck),
    };
    let pid = r.packet_id(pid_field)?;
    let properties = property::decode(r, ctx)?;
    let mut reasons = Vec::with_capacity(r.remaining());
    while r.remaining() > 0 {
        reasons.push(r.reason(code_field, packet)?);
    }
    Ok((pid, properties, reasons))
}

pub(crate) fn decode_suback<R: Recorder>(r: &mut Reader<'_, R>) -> Result<SubAck, DecodeError> {
    let (pid, properties, reasons) = decode(r, ReasonPacket::SubAck)?;
    Ok(SubAck { pid, properties, reasons })
}

pub(crate) fn decode_unsuback<R: Recorder>(r: &mut Reader<'_, R>) -> Result<UnsubAck, DecodeError> {
    let (pid, properties, reasons) = decode(r, ReasonPacket::UnsubAck)?;
    Ok(UnsubAck { pid, properties, reasons })
}

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;
    use crate::proto::packet::v5::test_util::*;
    use crate::proto::v5::*;
    use crate::proto::{ErrorKind, QoS};

    #[test]
    fn suback_codes() {
        // 90 07 | id 00 0a | 00 = no properties | 01 = granted QoS 1, 87 = not authorized,
        // 00 = granted QoS 0, a2 = wildcard subscriptions not supported
        let b = "90 07 | 00 0a | 00 | 01 87 00 a2";
        let Packet::SubAck(s) = decode5(b).unwrap() else { panic!() };
        use ReasonCode::*;
        assert_eq!(s.reasons, vec![GrantedQoS1, NotAuthorized, Success, WildcardSubscriptionsNotSupported]);
        assert_eq!(s.reasons[2].granted_qos(), Some(QoS::AtMostOnce));
        assert_eq!(round_trip(&Packet::SubAck(s)), hex(b));
        let spans = spans5(b);
        let zero = spans.iter().find(|s| s.start == 7).unwrap();
        assert_eq!(zero.value_in(Lang::En), "0x00 (granted QoS 0)");
    }

    #[test]
    fn unsuback_codes() {
        // b0 09 | id 00 02 | 04 1f 00 01 "x" = Reason String "x" | 00 = removed, 11 = there was none
        let b = "b0 09 | 00 02 | 04 1f 00 01 78 | 00 11";
        let Packet::UnsubAck(u) = decode5(b).unwrap() else { panic!() };
        assert_eq!(u.reasons, vec![ReasonCode::Success, ReasonCode::NoSubscriptionExisted]);
        assert_eq!(u.properties.reason_string.as_deref(), Some("x"));
        assert_eq!(round_trip(&Packet::UnsubAck(u)), hex(b));
        let s = spans5(b).into_iter().find(|s| s.start == 10).unwrap();
        assert_eq!(s.value_in(Lang::Zh), "0x11（本来就没有这个订阅）");
    }

    #[test]
    fn codes_of_the_other_ack_are_refused() {
        // 11 is UNSUBACK's, not SUBACK's [MQTT-3.9.3-2]
        let e = decode5("90 05 | 00 0a | 00 | 01 11").unwrap_err();
        assert_eq!((e.offset, e.rule()), (6, Some("MQTT-3.9.3-2")));
        // 02 (granted QoS 2) is SUBACK's, not UNSUBACK's [MQTT-3.11.3-2]
        let e = decode5("b0 04 | 00 0a | 00 | 02").unwrap_err();
        assert_eq!(
            (e.offset, e.kind.clone(), e.rule()),
            (5, ErrorKind::BadReasonCode { packet: ReasonPacket::UnsubAck, code: 2 }, Some("MQTT-3.11.3-2"))
        );
        // an UNSUBACK with a property length and no codes decodes (the count is the UNSUBSCRIBE's)
        let Packet::UnsubAck(u) = decode5("b0 03 | 00 0a | 00").unwrap() else { panic!() };
        assert!(u.reasons.is_empty());
    }
}

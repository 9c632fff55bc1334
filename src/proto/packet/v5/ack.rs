//! PUBACK, PUBREC, PUBREL and PUBCOMP of MQTT 5.0: a packet id, a reason code and properties. The
//! short forms: a remaining length of 2 means Success and no properties, 3 means no properties
//! (§3.4.2.1, §3.4.2.2.1 and the same for the others). The encoder writes the shortest form.

use crate::proto::PacketId;
use crate::proto::error::DecodeError;
use crate::proto::field::{self as f, Field};
use crate::proto::packet::EncodeError;
use crate::proto::property::{self, PropContext, Properties};
use crate::proto::reader::Reader;
use crate::proto::reason::{ReasonCode, ReasonPacket};
use crate::proto::span::Recorder;
use bytes::{BufMut, BytesMut};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub pid: PacketId,
    pub reason: ReasonCode,
    pub properties: Properties,
}

impl Ack {
    /// Success, without properties: the two-byte form.
    pub fn new(pid: PacketId) -> Ack {
        Ack { pid, reason: ReasonCode::Success, properties: Properties::default() }
    }

    pub(crate) fn body_len(&self) -> usize {
        match (self.reason, self.properties.is_empty()) {
            (ReasonCode::Success, true) => 2,
            (_, true) => 3,
            (_, false) => 3 + self.properties.encoded_len(),
        }
    }

    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        out.put_u16(self.pid.get());
        let n = self.body_len();
        if n > 2 {
            out.put_u8(self.reason.as_u8());
        }
        if n > 3 {
            self.properties.encode(out);
        }
    }

    pub(crate) fn check(&self, packet: ReasonPacket) -> Result<(), EncodeError> {
        super::check_reason(self.reason, packet)?;
        self.properties.check(context(packet))
    }
}

fn context(packet: ReasonPacket) -> PropContext {
    match packet {
        ReasonPacket::PubAck => PropContext::PubAck,
        ReasonPacket::PubRec => PropContext::PubRec,
        ReasonPacket::PubRel => PropContext::PubRel,
        _ => PropContext::PubComp,
    }
}

fn fields(packet: ReasonPacket) -> (&'static Field, &'static Field) {
    match packet {
        ReasonPacket::PubAck => (&f::PUBACK_PACKET_ID, &f::PUBACK_REASON_CODE),
        ReasonPacket::PubRec => (&f::PUBREC_PACKET_ID, &f::PUBREC_REASON_CODE),
        ReasonPacket::PubRel => (&f::PUBREL_PACKET_ID, &f::PUBREL_REASON_CODE),
        _ => (&f::PUBCOMP_PACKET_ID, &f::PUBCOMP_REASON_CODE),
    }
}

pub(crate) fn decode<R: Recorder>(packet: ReasonPacket, r: &mut Reader<'_, R>) -> Result<Ack, DecodeError> {
    let (pid_field, reason_field) = fields(packet);
    let pid = r.packet_id(pid_field)?;
    let mut ack = Ack::new(pid);
    if r.remaining() > 0 {
        ack.reason = r.reason(reason_field, packet)?;
    }
    if r.remaining() > 0 {
        ack.properties = property::decode(r, context(packet))?;
    }
    Ok(ack)
}

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;
    use crate::proto::packet::v5::test_util::*;
    use crate::proto::v5::*;
    use crate::proto::{ErrorKind, PacketId};

    fn pid(v: u16) -> PacketId {
        PacketId::new(v).unwrap()
    }

    #[test]
    fn the_three_lengths_of_a_puback() {
        // 40 02 | 00 07: remaining length 2 = Success, no properties
        assert_eq!(decode5("40 02 | 00 07").unwrap(), Packet::PubAck(Ack::new(pid(7))));
        // 40 03 | 00 07 | 10: no matching subscribers, no properties
        let a = Ack { reason: ReasonCode::NoMatchingSubscribers, ..Ack::new(pid(7)) };
        assert_eq!(decode5("40 03 | 00 07 | 10").unwrap(), Packet::PubAck(a.clone()));
        assert_eq!(round_trip(&Packet::PubAck(a)), hex("40 03 00 07 10"));
        // 40 04 | 00 07 | 00 | 00: Success with an empty property length decodes to the short form
        assert_eq!(decode5("40 04 | 00 07 | 00 | 00").unwrap(), Packet::PubAck(Ack::new(pid(7))));
        assert_eq!(round_trip(&Packet::PubAck(Ack::new(pid(7)))), hex("40 02 00 07"));
        // 40 0a | 00 07 | 87 | 06 1f 00 03 "bad" = not authorized, Reason String "bad"
        let b = "40 0a | 00 07 | 87 | 06 1f 00 03 62 61 64";
        let Packet::PubAck(a) = decode5(b).unwrap() else { panic!() };
        assert_eq!((a.reason, a.properties.reason_string.as_deref()), (ReasonCode::NotAuthorized, Some("bad")));
        assert_eq!(round_trip(&Packet::PubAck(a)), hex(b));
    }

    #[test]
    fn pubrec_pubrel_pubcomp() {
        // 50 03 | 00 01 | 91 = packet identifier in use
        let Packet::PubRec(a) = decode5("50 03 | 00 01 | 91").unwrap() else { panic!() };
        assert_eq!(a.reason, ReasonCode::PacketIdentifierInUse);
        // 62 03 | ff ff | 92 = packet identifier not found; PUBREL's flags stay 0010
        let Packet::PubRel(a) = decode5("62 03 | ff ff | 92").unwrap() else { panic!() };
        assert_eq!((a.pid.get(), a.reason), (65535, ReasonCode::PacketIdentifierNotFound));
        assert_eq!(round_trip(&Packet::PubRel(a)), hex("62 03 ff ff 92"));
        // 70 02 | 00 01
        assert_eq!(decode5("70 02 | 00 01").unwrap(), Packet::PubComp(Ack::new(pid(1))));
        let e = decode5("60 02 | 00 01").unwrap_err();
        assert_eq!((e.offset, e.rule()), (0, Some("MQTT-2.1.3-1")));
    }

    #[test]
    fn reason_codes_of_other_packets_are_refused() {
        // 92 is PUBREL's and PUBCOMP's, not PUBACK's [MQTT-3.4.2-1]
        let e = decode5("40 03 | 00 01 | 92").unwrap_err();
        assert_eq!(
            (e.offset, e.kind.clone(), e.rule()),
            (4, ErrorKind::BadReasonCode { packet: ReasonPacket::PubAck, code: 0x92 }, Some("MQTT-3.4.2-1"))
        );
        // 10 is PUBACK's and PUBREC's, not PUBREL's [MQTT-3.6.2-1]
        assert_eq!(decode5("62 03 | 00 01 | 10").unwrap_err().rule(), Some("MQTT-3.6.2-1"));
        assert_eq!(decode5("50 03 | 00 01 | 04").unwrap_err().rule(), Some("MQTT-3.5.2-1"));
        assert_eq!(decode5("70 03 | 00 01 | 80").unwrap_err().rule(), Some("MQTT-3.7.2-1"));
        let e = decode5("40 03 | 00 01 | 92").unwrap_err();
        assert_eq!(
            e.message(Lang::En),
            "reason code 0x92 is not one of the PUBACK reason codes (byte 4, MQTT-3.4.2-1 of 5.0)"
        );
        assert_eq!(e.message(Lang::Zh), "原因码 0x92 不是 PUBACK 可用的原因码（第 4 字节，5.0 规范 MQTT-3.4.2-1）");
    }

    #[test]
    fn properties_of_an_ack() {
        // 26 = User Property is fine; 1f twice is not (§3.4.2.2.2); 0b is not an ack property
        let b = "40 0c | 00 01 | 00 | 08 26 00 01 6b 00 02 76 31";
        let Packet::PubAck(a) = decode5(b).unwrap() else { panic!() };
        assert_eq!(a.properties.user_properties, vec![("k".into(), "v1".into())]);
        let e = decode5("40 0c | 00 01 | 00 | 08 1f 00 01 61 1f 00 01 62").unwrap_err();
        assert_eq!((e.offset, e.rule()), (10, Some("§3.4.2.2.2")));
        assert_eq!(decode5("40 06 | 00 01 | 00 | 02 0b 01").unwrap_err().rule(), Some("§2.2.2.2"));
        // the property length runs past the frame
        assert!(matches!(decode5("40 04 | 00 01 | 00 | 05").unwrap_err().kind, ErrorKind::Truncated { .. }));
    }

    #[test]
    fn every_code_of_every_ack_round_trips() {
        for (packet, make) in [
            (ReasonPacket::PubAck, Packet::PubAck as fn(Ack) -> Packet),
            (ReasonPacket::PubRec, Packet::PubRec),
            (ReasonPacket::PubRel, Packet::PubRel),
            (ReasonPacket::PubComp, Packet::PubComp),
        ] {
            for code in packet.codes() {
                let b = round_trip(&make(Ack { reason: code, ..Ack::new(pid(9)) }));
                assert_eq!(b.len(), if code == ReasonCode::Success { 4 } else { 5 });
            }
        }
    }
}

//! PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK: a fixed header and a two-byte packet id.

use super::Packet;
use crate::proto::PacketType;
use crate::proto::error::DecodeError;
use crate::proto::field as f;
use crate::proto::reader::Reader;
use crate::proto::span::Recorder;

pub(crate) fn decode<R: Recorder>(kind: PacketType, r: &mut Reader<'_, R>) -> Result<Packet, DecodeError> {
    Ok(match kind {
        PacketType::PubAck => Packet::PubAck(r.packet_id(&f::PUBACK_PACKET_ID)?),
        PacketType::PubRec => Packet::PubRec(r.packet_id(&f::PUBREC_PACKET_ID)?),
        PacketType::PubRel => Packet::PubRel(r.packet_id(&f::PUBREL_PACKET_ID)?),
        PacketType::PubComp => Packet::PubComp(r.packet_id(&f::PUBCOMP_PACKET_ID)?),
        _ => Packet::UnsubAck(r.packet_id(&f::UNSUBACK_PACKET_ID)?),
    })
}

#[cfg(test)]
mod tests {
    use crate::proto::packet::test_util::hex;
    use crate::proto::*;

    fn pid(v: u16) -> PacketId {
        PacketId::new(v).unwrap()
    }

    #[test]
    fn four_acks_and_unsuback() {
        // 40 = PUBACK | 02 = remaining length | 00 07 = packet id 7
        assert_eq!(decode_slice(&hex("40 02 | 00 07")).unwrap(), Packet::PubAck(pid(7)));
        assert_eq!(decode_slice(&hex("50 02 | 01 00")).unwrap(), Packet::PubRec(pid(256)));
        // PUBREL's flags are 0010 [MQTT-3.6.1-1]
        assert_eq!(decode_slice(&hex("62 02 | ff ff")).unwrap(), Packet::PubRel(pid(65535)));
        assert_eq!(decode_slice(&hex("70 02 | 00 01")).unwrap(), Packet::PubComp(pid(1)));
        assert_eq!(decode_slice(&hex("b0 02 | 00 09")).unwrap(), Packet::UnsubAck(pid(9)));
        assert_eq!(Packet::PubRel(pid(65535)).to_bytes().as_ref(), hex("62 02 ff ff"));
        assert_eq!(Packet::UnsubAck(pid(9)).to_bytes().as_ref(), hex("b0 02 00 09"));
    }

    #[test]
    fn pubrel_with_flags_0000_is_malformed() {
        let e = decode_slice(&hex("60 02 00 01")).unwrap_err();
        assert_eq!(e.rule(), Some("MQTT-2.2.2-1"));
        assert_eq!(e.offset, 0);
    }

    #[test]
    fn packet_id_zero_is_rejected() {
        let e = decode_slice(&hex("40 02 00 00")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::ZeroPacketId);
        assert_eq!(e.offset, 2);
    }

    #[test]
    fn ack_with_extra_byte_is_malformed() {
        let e = decode_slice(&hex("40 03 00 01 00")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::TrailingBytes(1));
    }

    #[test]
    fn ping_and_disconnect_are_two_bytes() {
        assert_eq!(decode_slice(&hex("c0 00")).unwrap(), Packet::PingReq);
        assert_eq!(decode_slice(&hex("d0 00")).unwrap(), Packet::PingResp);
        assert_eq!(decode_slice(&hex("e0 00")).unwrap(), Packet::Disconnect);
        assert_eq!(Packet::PingResp.to_bytes().as_ref(), [0xd0, 0x00]);
        // DISCONNECT with flags 0001 is malformed [MQTT-2.2.2-2]
        assert!(decode_slice(&hex("e1 00")).is_err());
    }
}

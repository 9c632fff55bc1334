//! SUBSCRIBE: a packet id, then one or more (topic filter, requested QoS) pairs.

use crate::proto::error::{DecodeError, ErrorKind};
use crate::proto::field as f;
use crate::proto::reader::Reader;
use crate::proto::span::Recorder;
use crate::proto::{PacketId, QoS, put_str};
use bytes::{BufMut, BytesMut};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    pub pid: PacketId,
    pub filters: Vec<(String, QoS)>,
}

impl Subscribe {
    pub(crate) fn body_len(&self) -> usize {
        2 + self.filters.iter().map(|(t, _)| 2 + t.len() + 1).sum::<usize>()
    }
    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        out.put_u16(self.pid.get());
        for (t, q) in &self.filters {
            put_str(out, t.as_bytes());
            out.put_u8(q.as_u8());
        }
    }
}

pub(crate) fn decode<R: Recorder>(r: &mut Reader<'_, R>) -> Result<Subscribe, DecodeError> {
    let pid = r.packet_id(&f::SUBSCRIBE_PACKET_ID)?;
    let mut filters = Vec::new();
    if r.remaining() == 0 {
        return Err(DecodeError::new(r.pos, ErrorKind::NoTopicFilters { packet: "SUBSCRIBE" }));
    }
    while r.remaining() > 0 {
        let filter = r.string(&f::SUBSCRIBE_FILTER_LEN, &f::SUBSCRIBE_FILTER)?.to_string();
        let at = r.pos;
        let b = r.flag_byte(&f::SUBSCRIBE_OPTIONS)?;
        r.rec.bits(&f::SUBSCRIBE_RESERVED, at, 0xfc, || format!("{:06b}", b >> 2));
        r.rec.bits(&f::SUBSCRIBE_QOS, at, 0x03, || (b & 3).to_string());
        let qos = match (b & 0xfc, QoS::from_u8(b & 3)) {
            (0, Some(q)) => q,
            _ => return Err(DecodeError::new(at, ErrorKind::BadRequestedQoS(b))),
        };
        filters.push((filter, qos));
    }
    Ok(Subscribe { pid, filters })
}

#[cfg(test)]
mod tests {
    use crate::proto::packet::test_util::hex;
    use crate::proto::*;

    #[test]
    fn two_filters() {
        // 82 = SUBSCRIBE (flags 0010) | 0e | id 00 0a | 00 05 "car/#" 01 | 00 01 "+" 02
        let b = hex("82 0e | 00 0a | 00 05 63 61 72 2f 23 | 01 | 00 01 2b | 02");
        let Packet::Subscribe(s) = decode_slice(&b).unwrap() else { panic!() };
        assert_eq!(s.pid.get(), 10);
        assert_eq!(s.filters, vec![("car/#".to_string(), QoS::AtLeastOnce), ("+".to_string(), QoS::ExactlyOnce)]);
        assert_eq!(Packet::Subscribe(s).to_bytes().as_ref(), b);
    }

    #[test]
    fn subscribe_without_filters_is_malformed() {
        assert_eq!(decode_slice(&hex("82 02 00 01")).unwrap_err().rule(), Some("MQTT-3.8.3-3"));
    }

    #[test]
    fn reserved_qos_bits_are_malformed() {
        // requested QoS byte 04 has a reserved bit set; 03 is QoS 3
        let e = decode_slice(&hex("82 06 | 00 01 | 00 01 61 | 04")).unwrap_err();
        assert_eq!((e.offset, e.rule()), (7, Some("MQTT-3.8.3-4")));
        assert!(decode_slice(&hex("82 06 | 00 01 | 00 01 61 | 03")).is_err());
    }

    #[test]
    fn subscribe_with_flags_0000_is_malformed() {
        assert_eq!(decode_slice(&hex("80 06 00 01 00 01 61 00")).unwrap_err().rule(), Some("MQTT-2.2.2-1"));
    }
}

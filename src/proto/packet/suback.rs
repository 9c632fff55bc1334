//! SUBACK: the SUBSCRIBE's packet id and one return code per filter (granted QoS or 0x80).

use crate::proto::error::{DecodeError, ErrorKind};
use crate::proto::field as f;
use crate::proto::reader::Reader;
use crate::proto::span::Recorder;
use crate::proto::{PacketId, QoS};
use bytes::{BufMut, BytesMut};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubAckCode {
    Granted(QoS),
    Failure,
}

impl SubAckCode {
    pub fn as_u8(self) -> u8 {
        match self {
            SubAckCode::Granted(q) => q.as_u8(),
            SubAckCode::Failure => 0x80,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubAck {
    pub pid: PacketId,
    pub codes: Vec<SubAckCode>,
}

impl SubAck {
    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        out.put_u16(self.pid.get());
        for c in &self.codes {
            out.put_u8(c.as_u8());
        }
    }
}

pub(crate) fn decode<R: Recorder>(r: &mut Reader<'_, R>) -> Result<SubAck, DecodeError> {
    let pid = r.packet_id(&f::SUBACK_PACKET_ID)?;
    let mut codes = Vec::new();
    while r.remaining() > 0 {
        let at = r.pos;
        let c = r.u8(&f::SUBACK_CODE)?;
        codes.push(match c {
            0x80 => SubAckCode::Failure,
            c => SubAckCode::Granted(QoS::from_u8(c).ok_or(DecodeError::new(at, ErrorKind::BadSubackCode(c)))?),
        });
    }
    Ok(SubAck { pid, codes })
}

#[cfg(test)]
mod tests {
    use crate::proto::packet::test_util::hex;
    use crate::proto::*;

    #[test]
    fn granted_and_failure_codes() {
        // 90 | 05 | id 00 0a | granted 1 | failure 80 | granted 0
        let b = hex("90 05 | 00 0a | 01 80 00");
        let Packet::SubAck(s) = decode_slice(&b).unwrap() else { panic!() };
        assert_eq!(
            s.codes,
            vec![SubAckCode::Granted(QoS::AtLeastOnce), SubAckCode::Failure, SubAckCode::Granted(QoS::AtMostOnce)]
        );
        assert_eq!(Packet::SubAck(s).to_bytes().as_ref(), b);
        assert_eq!(decode_slice(&hex("90 03 00 0a 03")).unwrap_err().offset, 4);
    }
}

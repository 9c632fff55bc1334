//! UNSUBSCRIBE: a packet id, then one or more topic filters.

use crate::proto::error::{DecodeError, ErrorKind};
use crate::proto::field as f;
use crate::proto::reader::Reader;
use crate::proto::span::Recorder;
use crate::proto::{PacketId, put_str};
use bytes::{BufMut, BytesMut};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub pid: PacketId,
    pub filters: Vec<String>,
}

impl Unsubscribe {
    pub(crate) fn body_len(&self) -> usize {
        2 + self.filters.iter().map(|t| 2 + t.len()).sum::<usize>()
    }
    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        out.put_u16(self.pid.get());
        for t in &self.filters {
            put_str(out, t.as_bytes());
        }
    }
}

pub(crate) fn decode<R: Recorder>(r: &mut Reader<'_, R>) -> Result<Unsubscribe, DecodeError> {
    let pid = r.packet_id(&f::UNSUBSCRIBE_PACKET_ID)?;
    if r.remaining() == 0 {
        return Err(DecodeError::new(r.pos, ErrorKind::NoTopicFilters { packet: "UNSUBSCRIBE" }));
    }
    let mut filters = Vec::new();
    while r.remaining() > 0 {
        filters.push(r.string(&f::UNSUBSCRIBE_FILTER_LEN, &f::UNSUBSCRIBE_FILTER)?.to_string());
    }
    Ok(Unsubscribe { pid, filters })
}

#[cfg(test)]
mod tests {
    use crate::proto::packet::test_util::hex;
    use crate::proto::*;

    #[test]
    fn one_filter() {
        // a2 = UNSUBSCRIBE (flags 0010) | 07 | id 00 02 | 00 03 "a/b"
        let b = hex("a2 07 | 00 02 | 00 03 61 2f 62");
        let Packet::Unsubscribe(u) = decode_slice(&b).unwrap() else { panic!() };
        assert_eq!((u.pid.get(), u.filters.clone()), (2, vec!["a/b".to_string()]));
        assert_eq!(Packet::Unsubscribe(u).to_bytes().as_ref(), b);
        assert_eq!(
            decode_slice(&hex("a2 02 00 02")).unwrap_err().kind,
            ErrorKind::NoTopicFilters { packet: "UNSUBSCRIBE" }
        );
    }
}

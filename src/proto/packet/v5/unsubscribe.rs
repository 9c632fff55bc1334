//! UNSUBSCRIBE of MQTT 5.0: a packet id, the properties (User Property only), then one or more
//! topic filters [MQTT-3.10.3-2].

use crate::proto::error::{DecodeError, ErrorKind};
use crate::proto::field as f;
use crate::proto::packet::EncodeError;
use crate::proto::property::{self, PropContext, Properties};
use crate::proto::reader::Reader;
use crate::proto::span::Recorder;
use crate::proto::{PacketId, put_str};
use bytes::{BufMut, BytesMut};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub pid: PacketId,
    pub properties: Properties,
    pub filters: Vec<String>,
}

impl Unsubscribe {
    pub(crate) fn body_len(&self) -> usize {
        2 + self.properties.encoded_len() + self.filters.iter().map(|t| 2 + t.len()).sum::<usize>()
    }

    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        out.put_u16(self.pid.get());
        self.properties.encode(out);
        for t in &self.filters {
            put_str(out, t.as_bytes());
        }
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        self.properties.check(PropContext::Unsubscribe)?;
        if self.filters.is_empty() {
            let what = "an UNSUBSCRIBE needs a topic filter".into();
            return Err(EncodeError::Invalid { what, rule: "MQTT-3.10.3-2" });
        }
        self.filters.iter().try_for_each(|t| super::check_str("topic filter", t))
    }
}

pub(crate) fn decode<R: Recorder>(r: &mut Reader<'_, R>) -> Result<Unsubscribe, DecodeError> {
    let pid = r.packet_id(&f::UNSUBSCRIBE_PACKET_ID)?;
    let properties = property::decode(r, PropContext::Unsubscribe)?;
    if r.remaining() == 0 {
        return Err(DecodeError::new(r.pos, ErrorKind::NoTopicFilters { packet: "UNSUBSCRIBE" }));
    }
    let mut filters = Vec::new();
    while r.remaining() > 0 {
        filters.push(r.string(&f::UNSUBSCRIBE_FILTER_LEN, &f::UNSUBSCRIBE_FILTER)?.to_string());
    }
    Ok(Unsubscribe { pid, properties, filters })
}

#[cfg(test)]
mod tests {
    use crate::proto::ErrorKind;
    use crate::proto::packet::v5::test_util::*;
    use crate::proto::v5::*;

    #[test]
    fn one_filter_and_a_user_property() {
        // a2 10 | id 00 02 | 08 26 00 01 "k" 00 02 "v1" | 00 03 "a/b"
        let b = "a2 10 | 00 02 | 08 26 00 01 6b 00 02 76 31 | 00 03 61 2f 62";
        let Packet::Unsubscribe(u) = decode5(b).unwrap() else { panic!() };
        assert_eq!((u.pid.get(), u.filters.clone()), (2, vec!["a/b".to_string()]));
        assert_eq!(u.properties.user_properties, vec![("k".into(), "v1".into())]);
        assert_eq!(round_trip(&Packet::Unsubscribe(u)), hex(b));
    }

    #[test]
    fn no_filter_and_foreign_properties() {
        let e = decode5("a2 03 | 00 02 | 00").unwrap_err();
        assert_eq!(
            (e.offset, e.kind.clone(), e.rule()),
            (5, ErrorKind::NoTopicFilters { packet: "UNSUBSCRIBE" }, Some("MQTT-3.10.3-2"))
        );
        // a Subscription Identifier is not an UNSUBSCRIBE property (§2.2.2.2)
        assert_eq!(decode5("a2 08 | 00 02 | 02 0b 01 | 00 01 61").unwrap_err().rule(), Some("§2.2.2.2"));
        // flags 0000 instead of 0010 [MQTT-2.1.3-1]
        assert_eq!(decode5("a0 06 | 00 02 | 00 | 00 01 61").unwrap_err().rule(), Some("MQTT-2.1.3-1"));
    }
}

//! DISCONNECT of MQTT 5.0: a reason code and properties, both optional: a remaining length of 0
//! means 0x00 Normal disconnection (§3.14.2.1), one of 1 means no properties (§3.14.2.2.1). The
//! encoder writes the shortest form.

use crate::proto::error::DecodeError;
use crate::proto::field as f;
use crate::proto::packet::EncodeError;
use crate::proto::property::{self, PropContext, Properties};
use crate::proto::reader::Reader;
use crate::proto::reason::{ReasonCode, ReasonPacket};
use crate::proto::span::Recorder;
use bytes::{BufMut, BytesMut};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnect {
    pub reason: ReasonCode,
    pub properties: Properties,
}

impl Disconnect {
    /// A DISCONNECT with this reason code and no properties.
    pub fn new(reason: ReasonCode) -> Disconnect {
        Disconnect { reason, properties: Properties::default() }
    }

    pub(crate) fn body_len(&self) -> usize {
        match (self.reason, self.properties.is_empty()) {
            (ReasonCode::Success, true) => 0,
            (_, true) => 1,
            (_, false) => 1 + self.properties.encoded_len(),
        }
    }

    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        let n = self.body_len();
        if n > 0 {
            out.put_u8(self.reason.as_u8());
        }
        if n > 1 {
            self.properties.encode(out);
        }
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        super::check_reason(self.reason, ReasonPacket::Disconnect)?;
        self.properties.check(PropContext::Disconnect)
    }
}

pub(crate) fn decode<R: Recorder>(r: &mut Reader<'_, R>) -> Result<Disconnect, DecodeError> {
    let mut d = Disconnect::new(ReasonCode::Success);
    if r.remaining() > 0 {
        d.reason = r.reason(&f::DISCONNECT_REASON_CODE, ReasonPacket::Disconnect)?;
    }
    if r.remaining() > 0 {
        d.properties = property::decode(r, PropContext::Disconnect)?;
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;
    use crate::proto::ErrorKind;
    use crate::proto::packet::v5::test_util::*;
    use crate::proto::v5::*;

    #[test]
    fn the_short_forms() {
        // e0 00: normal disconnection
        assert_eq!(decode5("e0 00").unwrap(), Packet::Disconnect(Disconnect::new(ReasonCode::Success)));
        assert_eq!(round_trip(&Packet::Disconnect(Disconnect::new(ReasonCode::Success))), hex("e0 00"));
        // e0 01 | 04: disconnect with will message, no properties
        let d = Disconnect::new(ReasonCode::DisconnectWithWill);
        assert_eq!(decode5("e0 01 | 04").unwrap(), Packet::Disconnect(d.clone()));
        assert_eq!(round_trip(&Packet::Disconnect(d)), hex("e0 01 04"));
        // e0 02 | 00 | 00: the long way to say e0 00
        assert_eq!(decode5("e0 02 | 00 | 00").unwrap(), Packet::Disconnect(Disconnect::new(ReasonCode::Success)));
        let s = spans5("e0 01 | 00").into_iter().find(|s| s.start == 2).unwrap();
        assert_eq!(s.value_in(Lang::En), "0x00 (normal disconnection)");
    }

    #[test]
    fn reason_and_properties() {
        // e0 0e | 8e = session taken over | 0c: 11 00 00 00 00 = Session Expiry 0,
        //   1c 00 04 "b:88" = Server Reference
        let b = "e0 0e | 8e | 0c 11 00 00 00 00 1c 00 04 62 3a 38 38";
        let Packet::Disconnect(d) = decode5(b).unwrap() else { panic!() };
        assert_eq!(d.reason, ReasonCode::SessionTakenOver);
        assert_eq!(
            (d.properties.session_expiry_interval, d.properties.server_reference.as_deref()),
            (Some(0), Some("b:88"))
        );
        assert_eq!(round_trip(&Packet::Disconnect(d)), hex(b));
    }

    #[test]
    fn errors() {
        // 84 = unsupported protocol version: a CONNACK code only [MQTT-3.14.2-1]
        let e = decode5("e0 01 | 84").unwrap_err();
        assert_eq!((e.offset, e.rule()), (2, Some("MQTT-3.14.2-1")));
        // flags 0001 [MQTT-2.1.3-1]
        assert_eq!(decode5("e1 00").unwrap_err().rule(), Some("MQTT-2.1.3-1"));
        // a Topic Alias is no DISCONNECT property (§2.2.2.2); the Reason String twice (§3.14.2.2.3)
        assert_eq!(decode5("e0 05 | 00 | 03 23 00 01").unwrap_err().rule(), Some("§2.2.2.2"));
        let e = decode5("e0 0a | 00 | 08 1f 00 01 61 1f 00 01 61").unwrap_err();
        assert_eq!(
            (e.offset, e.kind.clone(), e.rule()),
            (8, ErrorKind::DuplicateProperty { id: 0x1f, ctx: PropContext::Disconnect }, Some("§3.14.2.2.3"))
        );
    }

    #[test]
    fn every_disconnect_code_round_trips() {
        for code in ReasonPacket::Disconnect.codes() {
            let mut d = Disconnect::new(code);
            round_trip(&Packet::Disconnect(d.clone()));
            d.properties.reason_string = Some("再见".into());
            round_trip(&Packet::Disconnect(d));
        }
    }
}

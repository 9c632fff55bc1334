//! AUTH (MQTT 5.0 only, packet type 15): the enhanced authentication exchange. A reason code (0x00
//! success, 0x18 continue authentication, 0x19 re-authenticate) and properties (Authentication
//! Method and Data, Reason String, User Property). A remaining length of 0 means 0x00 and no
//! properties (§3.15.2.1); the decoder also takes a reason code alone, which the encoder never writes.

use crate::proto::error::DecodeError;
use crate::proto::field as f;
use crate::proto::packet::EncodeError;
use crate::proto::property::{self, PropContext, Properties};
use crate::proto::reader::Reader;
use crate::proto::reason::{ReasonCode, ReasonPacket};
use crate::proto::span::Recorder;
use bytes::{BufMut, BytesMut};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    pub reason: ReasonCode,
    pub properties: Properties,
}

impl Auth {
    /// An AUTH with this reason code and no properties.
    pub fn new(reason: ReasonCode) -> Auth {
        Auth { reason, properties: Properties::default() }
    }

    pub(crate) fn body_len(&self) -> usize {
        if self.reason == ReasonCode::Success && self.properties.is_empty() {
            0
        } else {
            1 + self.properties.encoded_len()
        }
    }

    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        if self.body_len() > 0 {
            out.put_u8(self.reason.as_u8());
            self.properties.encode(out);
        }
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        super::check_reason(self.reason, ReasonPacket::Auth)?;
        self.properties.check(PropContext::Auth)
    }
}

pub(crate) fn decode<R: Recorder>(r: &mut Reader<'_, R>) -> Result<Auth, DecodeError> {
    let mut a = Auth::new(ReasonCode::Success);
    if r.remaining() > 0 {
        a.reason = r.reason(&f::AUTH_REASON_CODE, ReasonPacket::Auth)?;
    }
    if r.remaining() > 0 {
        a.properties = property::decode(r, PropContext::Auth)?;
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use crate::proto::ErrorKind;
    use crate::proto::packet::v5::test_util::*;
    use crate::proto::v5::*;
    use bytes::Bytes;

    #[test]
    fn success_in_zero_bytes() {
        // f0 00: AUTH, success
        assert_eq!(decode5("f0 00").unwrap(), Packet::Auth(Auth::new(ReasonCode::Success)));
        assert_eq!(round_trip(&Packet::Auth(Auth::new(ReasonCode::Success))), hex("f0 00"));
        // f0 01 | 19: re-authenticate, no properties; re-encoded with an empty property length
        let a = Auth::new(ReasonCode::ReAuthenticate);
        assert_eq!(decode5("f0 01 | 19").unwrap(), Packet::Auth(a.clone()));
        assert_eq!(round_trip(&Packet::Auth(a)), hex("f0 02 19 00"));
    }

    #[test]
    fn continue_authentication_with_method_and_data() {
        // f0 10 | 18 = continue | 0e: 15 00 05 "SCRAM" = method, 16 00 03 01 02 03 = data
        let b = "f0 10 | 18 | 0e 15 00 05 53 43 52 41 4d 16 00 03 01 02 03";
        let Packet::Auth(a) = decode5(b).unwrap() else { panic!() };
        assert_eq!(a.reason, ReasonCode::ContinueAuthentication);
        assert_eq!(a.properties.authentication_method.as_deref(), Some("SCRAM"));
        assert_eq!(a.properties.authentication_data, Some(Bytes::from_static(&[1, 2, 3])));
        assert_eq!(round_trip(&Packet::Auth(a)), hex(b));
    }

    #[test]
    fn only_three_codes_and_four_properties() {
        // 87 is no AUTH code [MQTT-3.15.2-1]
        let e = decode5("f0 01 | 87").unwrap_err();
        assert_eq!((e.offset, e.rule()), (2, Some("MQTT-3.15.2-1")));
        // Session Expiry Interval is no AUTH property
        let e = decode5("f0 07 | 18 | 05 11 00 00 00 01").unwrap_err();
        assert_eq!(e.kind, ErrorKind::PropertyNotAllowed { id: 0x11, ctx: PropContext::Auth });
        // AUTH's flags are reserved: f2 [MQTT-2.1.3-1]
        assert_eq!(decode5("f2 00").unwrap_err().rule(), Some("MQTT-2.1.3-1"));
    }
}

//! CONNACK: acknowledge flags (Session Present) and the return code.

use crate::proto::error::{DecodeError, ErrorKind};
use crate::proto::field as f;
use crate::proto::reader::Reader;
use crate::proto::span::{Note, Recorder};
use bytes::{BufMut, BytesMut};

/// CONNACK return codes 0–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ConnectReturnCode {
    Accepted = 0,
    BadProtocolVersion = 1,
    IdentifierRejected = 2,
    ServerUnavailable = 3,
    BadUsernameOrPassword = 4,
    NotAuthorized = 5,
}

impl ConnectReturnCode {
    pub fn from_u8(v: u8) -> Option<Self> {
        use ConnectReturnCode::*;
        Some(match v {
            0 => Accepted,
            1 => BadProtocolVersion,
            2 => IdentifierRejected,
            3 => ServerUnavailable,
            4 => BadUsernameOrPassword,
            5 => NotAuthorized,
            _ => return None,
        })
    }
    /// What the return code means, in `lang`.
    pub fn describe(self, lang: crate::i18n::Lang) -> &'static str {
        use ConnectReturnCode::*;
        match (self, lang.is_zh()) {
            (Accepted, false) => "connection accepted",
            (Accepted, true) => "连接成功",
            (BadProtocolVersion, false) => "unacceptable protocol version",
            (BadProtocolVersion, true) => "不支持的协议版本",
            (IdentifierRejected, false) => "identifier rejected",
            (IdentifierRejected, true) => "客户端ID不合格",
            (ServerUnavailable, false) => "server unavailable",
            (ServerUnavailable, true) => "服务端不可用",
            (BadUsernameOrPassword, false) => "bad user name or password",
            (BadUsernameOrPassword, true) => "用户名或密码无效",
            (NotAuthorized, false) => "not authorized",
            (NotAuthorized, true) => "未授权",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnAck {
    pub session_present: bool,
    pub code: ConnectReturnCode,
}

impl ConnAck {
    pub(crate) fn encode_body(&self, out: &mut BytesMut) {
        out.put_u8(self.session_present as u8);
        out.put_u8(self.code as u8);
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
    let code_at = r.pos;
    let byte = r.u8_noted(&f::CONNACK_CODE, |b| ConnectReturnCode::from_u8(b).map(Note::ReturnCode))?;
    let code =
        ConnectReturnCode::from_u8(byte).ok_or(DecodeError::new(code_at, ErrorKind::ReservedReturnCode(byte)))?;
    Ok(ConnAck { session_present: flags & 1 == 1, code })
}

#[cfg(test)]
mod tests {
    use crate::proto::packet::test_util::hex;
    use crate::proto::*;

    #[test]
    fn connack_codes_round_trip() {
        for code in 0..=5u8 {
            // 20 = CONNACK | 02 | 00 = no session | code
            let b = hex(&format!("20 02 | 00 | {code:02x}"));
            let Packet::ConnAck(c) = decode_slice(&b).unwrap() else { panic!() };
            assert_eq!(c.code as u8, code);
            assert!(!c.session_present);
            assert_eq!(Packet::ConnAck(c).to_bytes().as_ref(), b);
        }
        // 01 = session present
        let Packet::ConnAck(c) = decode_slice(&hex("20 02 | 01 | 00")).unwrap() else { panic!() };
        assert!(c.session_present);
    }

    /// The inspector's field tree and the narration say a return code in the same words.
    #[test]
    fn the_field_value_uses_the_return_code_table() {
        use crate::i18n::Lang;
        for code in 0..=5u8 {
            let (_, spans) = decode_spans(&hex(&format!("20 02 00 {code:02x}")));
            let s = spans.iter().find(|s| s.field.key == "mqtt.connack.code").expect("the return code");
            let rc = ConnectReturnCode::from_u8(code).unwrap();
            assert_eq!(s.value_in(Lang::En), format!("{code} ({})", rc.describe(Lang::En)));
            assert_eq!(s.value_in(Lang::Zh), format!("{code}（{}）", rc.describe(Lang::Zh)));
        }
    }

    #[test]
    fn reserved_codes_and_flags_are_rejected() {
        assert_eq!(decode_slice(&hex("20 02 00 06")).unwrap_err().offset, 3);
        assert_eq!(decode_slice(&hex("20 02 02 00")).unwrap_err().offset, 2);
    }
}

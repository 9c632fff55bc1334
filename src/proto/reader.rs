//! A cursor over one whole frame that reads MQTT's primitive types (byte, two-byte integer,
//! length-prefixed string and binary) and records a span for each field it reads.

use super::error::{DecodeError, ErrorKind};
use super::field::Field;
use super::reason::{ReasonCode, ReasonPacket};
use super::span::{Note, Recorder, Value};
use bytes::Bytes;

pub(crate) struct Reader<'a, R: Recorder> {
    pub buf: &'a [u8],
    /// The same bytes as `buf` when the caller has them as `Bytes`: payloads are then sliced, not copied.
    pub shared: Option<&'a Bytes>,
    pub pos: usize,
    pub end: usize,
    pub rec: &'a mut R,
}

impl<'a, R: Recorder> Reader<'a, R> {
    pub fn remaining(&self) -> usize {
        self.end - self.pos
    }

    fn need(&self, n: usize, field: &'static Field) -> Result<(), DecodeError> {
        if self.remaining() < n {
            Err(DecodeError::new(self.end.min(self.buf.len()), ErrorKind::Truncated { field: field.name }))
        } else {
            Ok(())
        }
    }

    pub fn u8(&mut self, field: &'static Field) -> Result<u8, DecodeError> {
        self.need(1, field)?;
        let b = self.buf[self.pos];
        self.rec.bytes(field, self.pos, self.pos + 1, || format!("{b}"));
        self.pos += 1;
        Ok(b)
    }

    /// A byte whose value gets a note in words (`5 (not authorized)`).
    pub fn u8_noted(
        &mut self,
        field: &'static Field,
        note: impl FnOnce(u8) -> Option<Note>,
    ) -> Result<u8, DecodeError> {
        self.need(1, field)?;
        let b = self.buf[self.pos];
        self.rec.bytes(field, self.pos, self.pos + 1, || Value { text: format!("{b}"), note: note(b) });
        self.pos += 1;
        Ok(b)
    }

    /// A byte recorded as a flag byte (shown in binary); bit fields are recorded by the caller.
    pub fn flag_byte(&mut self, field: &'static Field) -> Result<u8, DecodeError> {
        self.need(1, field)?;
        let b = self.buf[self.pos];
        self.rec.bytes(field, self.pos, self.pos + 1, || format!("{b:08b}"));
        self.pos += 1;
        Ok(b)
    }

    pub fn u16(&mut self, field: &'static Field) -> Result<u16, DecodeError> {
        self.need(2, field)?;
        let v = u16::from_be_bytes([self.buf[self.pos], self.buf[self.pos + 1]]);
        self.rec.bytes(field, self.pos, self.pos + 2, || format!("{v}"));
        self.pos += 2;
        Ok(v)
    }

    pub fn u32(&mut self, field: &'static Field) -> Result<u32, DecodeError> {
        self.need(4, field)?;
        let b = &self.buf[self.pos..self.pos + 4];
        let v = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        self.rec.bytes(field, self.pos, self.pos + 4, || format!("{v}"));
        self.pos += 4;
        Ok(v)
    }

    /// A variable byte integer (§1.5.5 of MQTT 5.0): 7 bits a byte, at most four bytes, and in the
    /// fewest bytes that can hold the value [MQTT-1.5.5-1].
    pub fn varint(&mut self, field: &'static Field) -> Result<u32, DecodeError> {
        let start = self.pos;
        let mut v = 0u32;
        for i in 0..4 {
            self.need(i + 1, field)?;
            let b = self.buf[start + i];
            v |= u32::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                let n = i + 1;
                if n > 1 && b == 0 {
                    return Err(DecodeError::new(start, ErrorKind::NonMinimalVarint { field: field.name }));
                }
                self.rec.bytes(field, start, start + n, || Value { text: v.to_string(), note: Some(Note::Bytes(n)) });
                self.pos = start + n;
                return Ok(v);
            }
        }
        Err(DecodeError::new(start + 3, ErrorKind::VarintTooLong { field: field.name }))
    }

    /// An MQTT 5.0 reason code (shown in hex with its meaning), one that `packet` may carry.
    pub fn reason(&mut self, field: &'static Field, packet: ReasonPacket) -> Result<ReasonCode, DecodeError> {
        self.need(1, field)?;
        let at = self.pos;
        let b = self.buf[at];
        let code = ReasonCode::from_u8(b).filter(|c| c.is_valid_in(packet));
        self.rec.bytes(field, at, at + 1, || Value {
            text: format!("{b:#04x}"),
            note: code.map(|c| Note::Reason(c, packet)),
        });
        self.pos += 1;
        code.ok_or(DecodeError::new(at, ErrorKind::BadReasonCode { packet, code: b }))
    }

    pub fn packet_id(&mut self, field: &'static Field) -> Result<super::PacketId, DecodeError> {
        let at = self.pos;
        let v = self.u16(field)?;
        super::PacketId::new(v).ok_or(DecodeError::new(at, ErrorKind::ZeroPacketId))
    }

    /// A two-byte length followed by that many bytes.
    pub fn binary(&mut self, len_field: &'static Field, field: &'static Field) -> Result<&'a [u8], DecodeError> {
        let n = self.u16(len_field)? as usize;
        self.need(n, field)?;
        let s = &self.buf[self.pos..self.pos + n];
        self.rec.bytes(field, self.pos, self.pos + n, || hex_or_text(s));
        self.pos += n;
        Ok(s)
    }

    /// Like [`binary`](Self::binary) but as `Bytes` (sliced when the frame is shared).
    pub fn binary_bytes(&mut self, len_field: &'static Field, field: &'static Field) -> Result<Bytes, DecodeError> {
        let start = self.pos + 2;
        let s = self.binary(len_field, field)?;
        Ok(self.slice(start, start + s.len()))
    }

    pub fn slice(&self, start: usize, end: usize) -> Bytes {
        match self.shared {
            Some(b) => b.slice(start..end),
            None => Bytes::copy_from_slice(&self.buf[start..end]),
        }
    }

    /// A two-byte length followed by a UTF-8 string without U+0000.
    pub fn string(&mut self, len_field: &'static Field, field: &'static Field) -> Result<&'a str, DecodeError> {
        let n = self.u16(len_field)? as usize;
        self.need(n, field)?;
        let start = self.pos;
        let raw = &self.buf[start..start + n];
        let s = std::str::from_utf8(raw)
            .map_err(|e| DecodeError::new(start + e.valid_up_to(), ErrorKind::InvalidUtf8 { field: field.name }))?;
        if let Some(i) = raw.iter().position(|&b| b == 0) {
            return Err(DecodeError::new(start + i, ErrorKind::NullCharacter { field: field.name }));
        }
        self.rec.bytes(field, start, start + n, || {
            let chars = s.chars().count();
            let note = (chars != n).then_some(Note::Chars { chars, bytes: n });
            Value { text: format!("{s:?}"), note }
        });
        self.pos += n;
        Ok(s)
    }

    /// Everything up to the end of the frame.
    pub fn rest(&mut self, field: &'static Field) -> Bytes {
        let (start, end) = (self.pos, self.end);
        self.rec.bytes(field, start, end, || hex_or_text(&self.buf[start..end]));
        self.pos = end;
        self.slice(start, end)
    }

    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.pos < self.end {
            Err(DecodeError::new(self.pos, ErrorKind::TrailingBytes(self.end - self.pos)))
        } else {
            Ok(())
        }
    }
}

/// Shows bytes as text when they are printable UTF-8, else as hex.
pub fn hex_or_text(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') => {
            let chars = s.chars().count();
            let note = (chars != b.len()).then_some(Note::Chars { chars, bytes: b.len() });
            Value { text: format!("{s:?}"), note }
        }
        _ => {
            let mut out = String::with_capacity(b.len() * 3);
            for (i, x) in b.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(&format!("{x:02x}"));
            }
            out.into()
        }
    }
}

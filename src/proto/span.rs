//! Span recording for the one decoder: where each field of a frame lies, byte by byte and bit by bit.
//!
//! The decoder is generic over [`Recorder`]. The hot path decodes with [`NoSpans`], whose methods are
//! empty and whose value closures are never called, so recording costs nothing there; the inspector
//! decodes the same bytes again with a [`SpanList`] when a frame is viewed.

use super::field::Field;
use crate::i18n::Lang;

/// Words after a value that depend on the language: its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    /// The field takes this many bytes.
    Bytes(usize),
    /// A string of this many characters in this many bytes (they differ for non-ASCII text).
    Chars { chars: usize, bytes: usize },
    /// What a CONNACK return code means (the same words as the narration's).
    ReturnCode(super::ConnectReturnCode),
    /// Which MQTT 5.0 property an identifier names.
    Property(u8),
    /// What an MQTT 5.0 reason code means in this packet.
    Reason(super::ReasonCode, super::ReasonPacket),
}

impl Note {
    pub fn text(self, lang: Lang) -> String {
        match (self, lang) {
            (Note::Bytes(n), Lang::Zh) => format!("（{n} 字节）"),
            (Note::Bytes(1), Lang::En) => " (1 byte)".to_string(),
            (Note::Bytes(n), Lang::En) => format!(" ({n} bytes)"),
            (Note::Chars { chars, bytes }, Lang::Zh) => format!("（{chars} 个字符，{bytes} 字节）"),
            (Note::Chars { chars, bytes }, Lang::En) => {
                let c = if chars == 1 { "char" } else { "chars" };
                let b = if bytes == 1 { "byte" } else { "bytes" };
                format!(" ({chars} {c}, {bytes} {b})")
            }
            (Note::ReturnCode(c), Lang::Zh) => format!("（{}）", c.describe(lang)),
            (Note::ReturnCode(c), Lang::En) => format!(" ({})", c.describe(lang)),
            (Note::Property(id), Lang::Zh) => format!("（{}）", super::property::name(id).zh),
            (Note::Property(id), Lang::En) => format!(" ({})", super::property::name(id).en),
            (Note::Reason(c, p), Lang::Zh) => format!("（{}）", c.describe(p, lang)),
            (Note::Reason(c, p), Lang::En) => format!(" ({})", c.describe(p, lang)),
        }
    }
}

/// A field's value: the text (the same in every language) and the words after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub text: String,
    pub note: Option<Note>,
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value { text, note: None }
    }
}

/// One decoded field of a frame: its bytes `start..end` (offsets in the whole frame), an optional bit
/// mask when the field is some bits of one byte, its nesting depth and its value as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub field: &'static Field,
    pub start: usize,
    pub end: usize,
    /// `Some(mask)` for a bit field inside the single byte `start..start + 1`.
    pub bits: Option<u8>,
    /// 0 for byte fields, 1 for the bit fields inside a flag byte.
    pub depth: u8,
    /// The value as text (numbers, bits, quoted strings: the same in every language).
    pub value: String,
    /// Words after the value, in the reader's language.
    pub note: Option<Note>,
}

impl Span {
    /// The value with its note in `lang`: `2 (1 byte)`, `"汽车" （2 个字符，6 字节）`.
    pub fn value_in(&self, lang: Lang) -> String {
        match self.note {
            Some(n) => format!("{}{}", self.value, n.text(lang)),
            None => self.value.clone(),
        }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// Receives the spans the decoder finds. `value` is only called by recorders that keep spans.
pub trait Recorder {
    fn bytes<V: Into<Value>>(&mut self, field: &'static Field, start: usize, end: usize, value: impl FnOnce() -> V);
    fn bits(&mut self, field: &'static Field, at: usize, mask: u8, value: impl FnOnce() -> String);
}

/// The recorder of the hot path: records nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSpans;

impl Recorder for NoSpans {
    #[inline(always)]
    fn bytes<V: Into<Value>>(&mut self, _: &'static Field, _: usize, _: usize, _: impl FnOnce() -> V) {}
    #[inline(always)]
    fn bits(&mut self, _: &'static Field, _: usize, _: u8, _: impl FnOnce() -> String) {}
}

/// Keeps every span in the order the decoder met them.
#[derive(Debug, Default, Clone)]
pub struct SpanList(pub Vec<Span>);

impl Recorder for SpanList {
    fn bytes<V: Into<Value>>(&mut self, field: &'static Field, start: usize, end: usize, value: impl FnOnce() -> V) {
        let Value { text, note } = value().into();
        self.0.push(Span { field, start, end, bits: None, depth: 0, value: text, note });
    }
    fn bits(&mut self, field: &'static Field, at: usize, mask: u8, value: impl FnOnce() -> String) {
        self.0.push(Span { field, start: at, end: at + 1, bits: Some(mask), depth: 1, value: value(), note: None });
    }
}

//! Span recording for the one decoder: where each field of a frame lies, byte by byte and bit by bit.
//!
//! The decoder is generic over [`Recorder`]. The hot path decodes with [`NoSpans`], whose methods are
//! empty and whose value closures are never called, so recording costs nothing there; the inspector
//! decodes the same bytes again with a [`SpanList`] when a frame is viewed.

use super::field::Field;

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
    pub value: String,
}

impl Span {
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// Receives the spans the decoder finds. `value` is only called by recorders that keep spans.
pub trait Recorder {
    fn bytes(&mut self, field: &'static Field, start: usize, end: usize, value: impl FnOnce() -> String);
    fn bits(&mut self, field: &'static Field, at: usize, mask: u8, value: impl FnOnce() -> String);
}

/// The recorder of the hot path: records nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSpans;

impl Recorder for NoSpans {
    #[inline(always)]
    fn bytes(&mut self, _: &'static Field, _: usize, _: usize, _: impl FnOnce() -> String) {}
    #[inline(always)]
    fn bits(&mut self, _: &'static Field, _: usize, _: u8, _: impl FnOnce() -> String) {}
}

/// Keeps every span in the order the decoder met them.
#[derive(Debug, Default, Clone)]
pub struct SpanList(pub Vec<Span>);

impl Recorder for SpanList {
    fn bytes(&mut self, field: &'static Field, start: usize, end: usize, value: impl FnOnce() -> String) {
        self.0.push(Span { field, start, end, bits: None, depth: 0, value: value() });
    }
    fn bits(&mut self, field: &'static Field, at: usize, mask: u8, value: impl FnOnce() -> String) {
        self.0.push(Span { field, start: at, end: at + 1, bits: Some(mask), depth: 1, value: value() });
    }
}

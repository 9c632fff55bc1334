//! Bytes from a serial port into lines of text. It owns the line-ending rule, the incremental UTF-8
//! decoding and the replacement of what a terminal pane must not show; it knows nothing of ports,
//! tasks or the clock.

/// What replaces a byte that is not text: invalid UTF-8 and control characters.
const REPLACEMENT: char = '\u{FFFD}';

/// The smallest line length the assembler accepts: one UTF-8 character of four bytes must fit.
const MIN_LINE: usize = 4;

/// Cuts a byte stream into lines, however the bytes arrive.
///
/// - `\r\n`, `\n` and a lone `\r` each end one line; a `\r\n` split across two pushes ends one line,
///   not two. Lines are returned without their ending, empty lines included (a sketch's
///   `Serial.println()`).
/// - Bytes are decoded as UTF-8. A character split across pushes is joined; an invalid byte (the
///   boot ROM's log at the wrong baud rate) becomes U+FFFD, one per maximal invalid sequence, as
///   `String::from_utf8_lossy` does.
/// - Control characters other than TAB (C0, DEL and C1, NUL included) are **shown as U+FFFD**, not
///   dropped: at a wrong baud rate the learner should see that something arrived, and a control
///   character must never reach the terminal.
/// - A line longer than `max_line` bytes (of the decoded text, so U+FFFD counts as three) is cut
///   into pieces of at most `max_line` bytes, at character boundaries.
#[derive(Debug, Clone)]
pub struct LineAssembler {
    max_line: usize,
    /// The unfinished line, decoded.
    text: String,
    /// The start of a UTF-8 character whose other bytes have not arrived yet (at most 3 bytes).
    partial: Vec<u8>,
    /// The last byte was a `\r` that ended a line: a `\n` right after it ends nothing.
    after_cr: bool,
}

impl LineAssembler {
    /// An assembler whose lines are at most `max_line` bytes long (at least 4).
    pub fn new(max_line: usize) -> Self {
        LineAssembler { max_line: max_line.max(MIN_LINE), text: String::new(), partial: Vec::new(), after_cr: false }
    }

    /// Takes the next bytes; returns the lines they complete, without their line endings.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        for &b in bytes {
            self.byte(b, &mut lines);
        }
        lines
    }

    /// The unfinished line so far (`Connecting to wifi.....` while the dots come), or `None` when
    /// nothing of it has arrived. The start of a character still incomplete is not shown.
    pub fn pending(&self) -> Option<String> {
        (!self.text.is_empty()).then(|| self.text.clone())
    }

    /// Ends the unfinished line (the port closed): it is returned, and the assembler starts afresh.
    /// An incomplete character at its end becomes U+FFFD.
    pub fn flush(&mut self) -> Option<String> {
        self.after_cr = false;
        if !self.partial.is_empty() {
            self.partial.clear();
            self.put(REPLACEMENT, &mut Vec::new());
        }
        (!self.text.is_empty()).then(|| std::mem::take(&mut self.text))
    }

    fn byte(&mut self, b: u8, lines: &mut Vec<String>) {
        if !self.partial.is_empty() {
            self.partial.push(b);
            match std::str::from_utf8(&self.partial) {
                Ok(s) => {
                    let c = s.chars().next().unwrap_or(REPLACEMENT);
                    self.partial.clear();
                    self.put(shown(c), lines);
                    return;
                }
                // Still a valid start of a character: wait for its next byte.
                Err(e) if e.error_len().is_none() => return,
                // `b` does not continue the character: what came before it is one invalid sequence,
                // and `b` starts afresh.
                Err(_) => {
                    self.partial.clear();
                    self.put(REPLACEMENT, lines);
                }
            }
        }
        let after_cr = std::mem::replace(&mut self.after_cr, false);
        match b {
            b'\n' if after_cr => {}
            b'\n' => self.end(lines),
            b'\r' => {
                self.end(lines);
                self.after_cr = true;
            }
            0x00..=0x7f => self.put(shown(b as char), lines),
            // Lead bytes of two-, three- and four-byte characters.
            0xc2..=0xf4 => self.partial.push(b),
            // A continuation byte with no lead, an overlong lead (C0, C1), or no UTF-8 at all (F5..FF).
            _ => self.put(REPLACEMENT, lines),
        }
    }

    /// Appends one character, cutting the line first if it would not fit.
    fn put(&mut self, c: char, lines: &mut Vec<String>) {
        if self.text.len() + c.len_utf8() > self.max_line {
            lines.push(std::mem::take(&mut self.text));
        }
        self.text.push(c);
    }

    fn end(&mut self, lines: &mut Vec<String>) {
        if !self.partial.is_empty() {
            self.partial.clear();
            self.put(REPLACEMENT, lines);
        }
        lines.push(std::mem::take(&mut self.text));
    }
}

/// The character as the pane shows it: TAB and printable characters as they are, control
/// characters as U+FFFD.
fn shown(c: char) -> char {
    if c == '\t' || !c.is_control() { c } else { REPLACEMENT }
}

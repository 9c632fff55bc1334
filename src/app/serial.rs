//! The serial pane's model: which port is attached (a real board's USB-serial adapter, or a
//! virtual NodeMCU's pseudo-terminal), its baud rate and state, the lines it printed with their
//! time, a search, the send line's ending, PubSubClient state codes explained, and the link from
//! the board to the MQTT client it is (by the client id or MAC address the sketch printed). No
//! tokio: the port itself is the runtime's.

use crate::i18n::Text;
use crate::serial::{Identity, IdentityTracker, StateContext, StateNote, explain_state};
use std::collections::VecDeque;
use std::time::Duration;

/// Lines the pane keeps.
pub const SERIAL_CAP: usize = 5000;

/// What the runtime's port reports, in the app's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SerialMsg {
    Opened {
        path: String,
        baud: u32,
    },
    Line(String),
    /// The unfinished line so far (the dots of a Wi-Fi join).
    Pending(String),
    Closed {
        why: Text,
        will_retry: bool,
    },
    Failed {
        why: Text,
    },
    Note(Text),
    /// `serial list`: the ports found, one line each (path, VID:PID, chip).
    Ports(Vec<String>),
}

/// The line ending the send line adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ending {
    None,
    Lf,
    Cr,
    #[default]
    CrLf,
}

impl Ending {
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Ending::None => b"",
            Ending::Lf => b"\n",
            Ending::Cr => b"\r",
            Ending::CrLf => b"\r\n",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Ending::None => "none",
            Ending::Lf => "LF",
            Ending::Cr => "CR",
            Ending::CrLf => "CRLF",
        }
    }
    pub fn next(self) -> Ending {
        match self {
            Ending::None => Ending::Lf,
            Ending::Lf => Ending::Cr,
            Ending::Cr => Ending::CrLf,
            Ending::CrLf => Ending::None,
        }
    }
    pub fn parse(s: &str) -> Option<Ending> {
        match s.to_ascii_lowercase().as_str() {
            "none" | "no" => Some(Ending::None),
            "lf" | "nl" | "\\n" => Some(Ending::Lf),
            "cr" | "\\r" => Some(Ending::Cr),
            "crlf" | "both" | "\\r\\n" => Some(Ending::CrLf),
            _ => None,
        }
    }
}

/// Where the port stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PortState {
    #[default]
    Detached,
    Opening,
    Open,
    /// Unplugged (or the pseudo-terminal's other end closed); reattaching when `will_retry`.
    Closed {
        why: Text,
        will_retry: bool,
    },
    Failed {
        why: Text,
    },
}

/// One line of the pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialLine {
    pub at: Duration,
    pub text: String,
    /// What the lab has to say about it (a state code explained, a board linked, the port's news).
    pub note: Option<Text>,
    /// The line is the lab's, not the board's.
    pub lab: bool,
}

/// The serial pane.
#[derive(Debug, Clone, Default)]
pub struct Serial {
    pub path: Option<String>,
    pub baud: u32,
    pub state: PortState,
    /// The virtual board on stage whose pseudo-terminal this is.
    pub board: Option<String>,
    /// Given on the command line (`--serial`): a virtual board does not take its place.
    pub pinned: bool,
    pub lines: VecDeque<SerialLine>,
    pub pending: Option<String>,
    pub search: Option<String>,
    pub ending: Ending,
    /// The client id the board printed (or a MAC address it printed).
    pub identity: Option<Identity>,
    /// The inspector and ladder show only the linked client.
    pub filtering: bool,
    tracker: IdentityTracker,
    ctx: StateContext,
    /// Noise was pointed out since the last clean line.
    noise_noted: bool,
}

impl Serial {
    pub fn new() -> Serial {
        Serial { baud: 115_200, ctx: StateContext::new(), ..Serial::default() }
    }

    /// Whether the pane has a port to show.
    pub fn active(&self) -> bool {
        self.path.is_some() || !self.lines.is_empty()
    }

    /// The pane's news, as a line of the lab's own.
    pub fn note(&mut self, at: Duration, text: Text) {
        self.push(SerialLine { at, text: String::new(), note: Some(text), lab: true });
    }

    /// Notes `text` on the newest line (the one that told it), or as a line of its own.
    pub fn annotate(&mut self, at: Duration, text: Text) {
        match self.lines.back_mut() {
            Some(l) if !l.lab && l.note.is_none() => l.note = Some(text),
            _ => self.note(at, text),
        }
    }

    fn push(&mut self, l: SerialLine) {
        self.lines.push_back(l);
        while self.lines.len() > SERIAL_CAP {
            self.lines.pop_front();
        }
    }

    /// A line the board printed: what it says about the board is noted with it. Returns the
    /// identity when the line told a new one.
    pub fn line(&mut self, at: Duration, text: String, lab_on_lan: bool, lab_port: u16) -> Option<Identity> {
        self.pending = None;
        self.ctx.lab_on_lan = lab_on_lan;
        self.ctx.lab_port = lab_port;
        self.ctx.observe(&text);
        let mut note = explain_state(&text, &self.ctx).map(|StateNote { text, .. }| text);
        if is_noise(&text) {
            if !self.noise_noted {
                self.noise_noted = true;
                note = Some(Text::new(
                    format!(
                        "这是乱码：波特率和程序的 Serial.begin 不一样？开机时 ROM 用 74880 说话，在 {} 下总是乱码。串口窗格里按 ←/→ 换波特率",
                        self.baud
                    ),
                    format!(
                        "noise: a baud rate other than the sketch's Serial.begin? The boot ROM talks at 74880 and always looks like this at {}. ←/→ in the pane change the rate",
                        self.baud
                    ),
                ));
            }
        } else if !text.trim().is_empty() {
            self.noise_noted = false;
        }
        // A MAC inside a client id already known (a topic with the MAC in it) is the same board.
        let known = |i: &Identity| match (&self.identity, i) {
            (Some(k), i) if k == i => true,
            (Some(Identity::ClientId(c)), Identity::Mac(m)) => c.to_ascii_uppercase().contains(m.as_str()),
            _ => false,
        };
        let found = self.tracker.line(&text).filter(|i| !known(i));
        if let Some(i) = &found {
            self.identity = Some(i.clone());
        }
        self.push(SerialLine { at, text, note, lab: false });
        found
    }

    /// The lines that match the search (all without one), oldest first.
    pub fn shown(&self) -> Vec<&SerialLine> {
        match &self.search {
            Some(s) if !s.is_empty() => {
                let s = s.to_lowercase();
                self.lines
                    .iter()
                    .filter(|l| {
                        l.text.to_lowercase().contains(&s)
                            || l.note
                                .as_ref()
                                .is_some_and(|n| n.zh.to_lowercase().contains(&s) || n.en.to_lowercase().contains(&s))
                    })
                    .collect()
            }
            _ => self.lines.iter().collect(),
        }
    }

    /// The port was attached (again).
    pub fn opened(&mut self, path: String, baud: u32) {
        self.path = Some(path);
        self.baud = baud;
        self.state = PortState::Open;
    }

    /// Forgets the board's lines and what they told (a lesson opens on a fresh stage).
    pub fn clear(&mut self) {
        self.lines.clear();
        self.pending = None;
        self.identity = None;
        self.filtering = false;
        self.tracker = IdentityTracker::new();
        self.ctx = StateContext::new();
        self.noise_noted = false;
    }
}

/// A line that is mostly what a wrong baud rate makes: replacement characters (bytes that are no
/// text at all) and stray high characters.
fn is_noise(line: &str) -> bool {
    let n = line.chars().count();
    let bad = line.chars().filter(|c| *c == '\u{fffd}' || (!c.is_ascii() && !c.is_alphabetic())).count();
    n >= 4 && bad * 2 >= n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(s: &mut Serial, lines: &[&str]) -> Vec<Identity> {
        lines.iter().filter_map(|l| s.line(Duration::ZERO, l.to_string(), false, 1883)).collect()
    }

    #[test]
    fn a_board_is_known_once_by_its_client_id_and_not_again_by_the_mac_in_its_topics() {
        let mut s = Serial::new();
        let found = feed(
            &mut s,
            &["ClientId:", "esp8266-5C:CF:7F:12:34:56", "Subscribe Topic: Taichi-Maker-Sub-5C:CF:7F:12:34:56"],
        );
        assert_eq!(found, vec![Identity::ClientId("esp8266-5C:CF:7F:12:34:56".into())]);
        // Another board's MAC is news.
        let found = feed(&mut s, &["MAC: 5C:CF:7F:AA:BB:CC"]);
        assert_eq!(found, vec![Identity::Mac("5C:CF:7F:AA:BB:CC".into())]);
    }

    #[test]
    fn a_state_code_is_explained_on_its_line_and_the_search_keeps_only_matching_lines() {
        let mut s = Serial::new();
        feed(&mut s, &["Attempting MQTT connection...failed, rc=-2 try again in 5 seconds", "WiFi connected"]);
        let note = s.lines[0].note.as_ref().expect("explained");
        assert!(note.en.contains("MQTT_CONNECT_FAILED") && note.zh.contains("MQTT_CONNECT_FAILED"), "{note:?}");
        assert!(s.lines[1].note.is_none());
        s.search = Some("WIFI".into());
        let shown: Vec<&str> = s.shown().iter().map(|l| l.text.as_str()).collect();
        assert_eq!(shown, vec!["WiFi connected"]);
    }

    #[test]
    fn noise_is_pointed_out_once_until_a_clean_line_comes() {
        let mut s = Serial::new();
        let rom = "\u{fffd}\u{fffd}l\u{fffd}\u{fffd}\u{fffd}r\u{fffd}\u{fffd}";
        feed(&mut s, &[rom, rom, "WiFi Connected!", "温度 25 度", rom]);
        let notes: Vec<bool> = s.lines.iter().map(|l| l.note.is_some()).collect();
        assert_eq!(notes, vec![true, false, false, false, true]);
        assert!(s.lines[0].note.as_ref().unwrap().en.contains("74880"));
    }

    #[test]
    fn the_pane_keeps_at_most_its_cap_of_lines() {
        let mut s = Serial::new();
        for i in 0..SERIAL_CAP + 10 {
            s.line(Duration::ZERO, format!("Publish message: hello world #{i}"), false, 1883);
        }
        assert_eq!(s.lines.len(), SERIAL_CAP);
        assert_eq!(s.lines[0].text, "Publish message: hello world #10");
    }
}

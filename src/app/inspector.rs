//! The inspector's model: a bounded ring of recorded frames with their one-line summaries, the
//! selection, the field cursor and the filters. Spans are not kept: the selected frame is decoded
//! again when it is shown.

use crate::broker::ConnId;
use crate::i18n::Lang;
use crate::proto::{self, Packet, PacketType, Span};
use crate::world::record::{Dir, Fate, TapFrame};
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// One row of the frame list.
#[derive(Debug, Clone)]
pub struct FrameRow {
    pub seq: u64,
    pub at: Duration,
    pub conn: ConnId,
    /// The client id, when known at the time the frame passed.
    pub client: Option<Arc<str>>,
    pub dir: Dir,
    pub bytes: Bytes,
    pub kind: Option<PacketType>,
    pub pid: Option<u16>,
    /// Topic of a PUBLISH, first filter of a SUBSCRIBE / UNSUBSCRIBE.
    pub topic: Option<String>,
    /// Short description of the decoded packet, or of the decode error.
    pub summary: String,
    pub malformed: bool,
    /// Why the frame did not decode (the summary says it in English; panes use this for 中文).
    pub error: Option<proto::DecodeError>,
    /// What became of it at the gate; `None`: it went through.
    pub fate: Option<Fate>,
}

impl FrameRow {
    pub fn from_tap(f: &TapFrame) -> FrameRow {
        let kind = f.bytes.first().and_then(|b| PacketType::from_u8(b >> 4));
        let (summary, pid, topic, error) = match proto::decode(&f.bytes) {
            Ok(p) => {
                let (s, t) = summarize(&p, Lang::En);
                (s, p.packet_id().map(|i| i.get()), t, None)
            }
            Err(e) => (e.message(Lang::En), None, None, Some(e)),
        };
        let malformed = error.is_some();
        FrameRow {
            seq: f.seq,
            at: f.at,
            conn: f.conn,
            client: f.client.clone(),
            dir: f.dir,
            bytes: f.bytes.clone(),
            kind,
            pid,
            topic,
            summary,
            malformed,
            error,
            fate: None,
        }
    }

    /// The summary in `lang` (kept in English; the 中文 one is made when it is shown).
    pub fn summary_in(&self, lang: Lang) -> String {
        match (&self.error, lang) {
            (_, Lang::En) => self.summary.clone(),
            (Some(e), Lang::Zh) => e.message(Lang::Zh),
            (None, Lang::Zh) => {
                proto::decode_slice(&self.bytes).map_or_else(|e| e.message(lang), |p| summarize(&p, lang).0)
            }
        }
    }

    /// The frame decoded with every field's span.
    pub fn spans(&self) -> (Result<Packet, proto::DecodeError>, Vec<Span>) {
        proto::decode_spans(&self.bytes)
    }

    /// The short type label: `PUBLISH`, `PUBACK`, or `?` for a reserved type.
    pub fn type_name(&self) -> &'static str {
        self.kind.map_or("?", PacketType::name)
    }
}

fn payload_text(b: &[u8], lang: Lang) -> String {
    match std::str::from_utf8(b) {
        Ok(s) if s.chars().count() <= 24 => format!("{s:?}"),
        Ok(s) => format!("{:?}…", s.chars().take(24).collect::<String>()),
        Err(_) => match lang {
            Lang::Zh => format!("{} 字节", b.len()),
            Lang::En if b.len() == 1 => "1 byte".to_string(),
            Lang::En => format!("{} bytes", b.len()),
        },
    }
}

/// A frame's type and one-line summary (or what is wrong with it).
pub fn frame_summary(bytes: &[u8], lang: Lang) -> String {
    match proto::decode_slice(bytes) {
        Ok(p) => format!("{} {}", p.packet_type().name(), summarize(&p, lang).0).trim_end().to_string(),
        Err(e) => e.message(lang),
    }
}

/// A one-line summary of a packet in `lang`, and the topic it concerns.
pub fn summarize(p: &Packet, lang: Lang) -> (String, Option<String>) {
    let zh = lang.is_zh();
    match p {
        Packet::Connect(c) => {
            let (clean, ka) = if zh { ("清除会话", "心跳") } else { ("clean", "ka") };
            let mut s = format!("id={} {clean}={} {ka}={}", c.client_id, c.clean_session as u8, c.keep_alive);
            if let Some(w) = &c.will {
                s.push_str(&format!(" {}={}", lang.pick("遗嘱", "will"), w.topic));
            }
            if let Some(u) = &c.username {
                s.push_str(&format!(" {}={u}", lang.pick("用户名", "user")));
            }
            (s, None)
        }
        Packet::ConnAck(a) => {
            let (rc, sp) = if zh { ("返回码", "会话存在") } else { ("rc", "sp") };
            (format!("{rc}={} {sp}={}", a.code as u8, a.session_present as u8), None)
        }
        Packet::Publish(p) => {
            let mut s = format!("{} q{}", p.topic, p.qos().as_u8());
            if let Some(id) = p.qos_pid.pid() {
                s.push_str(&format!(" id={id}"));
            }
            if p.retain {
                s.push_str(lang.pick(" 保留", " R"));
            }
            if p.dup {
                s.push_str(" DUP");
            }
            s.push(' ');
            s.push_str(&payload_text(&p.payload, lang));
            (s, Some(p.topic.to_string()))
        }
        Packet::PubAck(id) | Packet::PubRec(id) | Packet::PubRel(id) | Packet::PubComp(id) | Packet::UnsubAck(id) => {
            (format!("id={id}"), None)
        }
        Packet::Subscribe(s) => {
            let f: Vec<String> = s.filters.iter().map(|(t, q)| format!("{t} q{}", q.as_u8())).collect();
            (format!("id={} {}", s.pid, f.join(", ")), s.filters.first().map(|f| f.0.clone()))
        }
        Packet::SubAck(s) => {
            let c: Vec<String> = s.codes.iter().map(|c| format!("{:#04x}", c.as_u8())).collect();
            (format!("id={} [{}]", s.pid, c.join(" ")), None)
        }
        Packet::Unsubscribe(u) => (format!("id={} {}", u.pid, u.filters.join(", ")), u.filters.first().cloned()),
        Packet::PingReq | Packet::PingResp | Packet::Disconnect => (String::new(), None),
    }
}

/// The mark a fate leaves on a row: none once a held frame went on.
fn fate_mark(f: Fate) -> Option<Fate> {
    match f {
        Fate::Released => None,
        f => Some(f),
    }
}

/// Which frames the list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub client: Option<String>,
    pub kind: Option<PacketType>,
    /// A substring of the topic.
    pub topic: Option<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.client.is_none() && self.kind.is_none() && self.topic.is_none()
    }
}

/// The inspector's state.
#[derive(Debug, Clone)]
pub struct Inspector {
    pub frames: VecDeque<FrameRow>,
    /// The most frames kept; older ones are forgotten.
    pub capacity: usize,
    /// Frames the tap dropped because the lab fell behind.
    pub lost: u64,
    /// Frames forgotten because of the capacity.
    pub evicted: u64,
    /// The selected frame, by tap number; `None` follows the newest.
    pub selected: Option<u64>,
    /// Index of the selected field in the selected frame's spans.
    pub field: usize,
    pub filter: Filter,
    /// Fates that came before their frame (the two travel on different channels).
    early_fates: VecDeque<(u64, Fate)>,
}

impl Default for Inspector {
    fn default() -> Self {
        Inspector::with_capacity(10_000)
    }
}

impl Inspector {
    pub fn with_capacity(capacity: usize) -> Inspector {
        Inspector {
            frames: VecDeque::new(),
            capacity: capacity.max(1),
            lost: 0,
            evicted: 0,
            selected: None,
            field: 0,
            filter: Filter::default(),
            early_fates: VecDeque::new(),
        }
    }

    /// Forgets every frame (a lesson opens on a fresh broker); the filter stays.
    pub fn clear(&mut self) {
        self.frames.clear();
        self.early_fates.clear();
        self.selected = None;
        self.field = 0;
    }

    pub fn push(&mut self, row: FrameRow) {
        if self.frames.len() >= self.capacity {
            let gone = self.frames.pop_front();
            self.evicted += 1;
            if let (Some(g), Some(sel)) = (gone, self.selected)
                && g.seq == sel
            {
                self.selected = None;
            }
        }
        let mut row = row;
        while let Some(i) = self.early_fates.iter().position(|(s, _)| *s == row.seq) {
            let (_, f) = self.early_fates.remove(i).expect("found");
            row.fate = fate_mark(f);
        }
        self.frames.push_back(row);
    }

    /// Notes what became of frame `seq` (held, released, dropped, lost with a cut connection).
    pub fn set_fate(&mut self, seq: u64, fate: Fate) {
        // The newest frames are at the back, and fates concern recent frames.
        let newest = self.frames.back().map(|b| b.seq);
        match self.frames.iter_mut().rev().find(|r| r.seq == seq) {
            Some(r) => r.fate = fate_mark(fate),
            None if newest.is_none_or(|b| b < seq) => {
                self.early_fates.push_back((seq, fate));
                if self.early_fates.len() > 1024 {
                    self.early_fates.pop_front();
                }
            }
            None => {}
        }
    }

    /// The row of frame `seq`, if the inspector still has it.
    pub fn row(&self, seq: u64) -> Option<&FrameRow> {
        self.frames.iter().rev().find(|r| r.seq == seq)
    }

    /// Whether a frame passes the filters; `name` resolves a row's client name.
    pub fn visible(&self, row: &FrameRow, name: &dyn Fn(&FrameRow) -> Option<String>) -> bool {
        if let Some(c) = &self.filter.client
            && name(row).as_deref() != Some(c.as_str())
        {
            return false;
        }
        if let Some(k) = self.filter.kind
            && row.kind != Some(k)
        {
            return false;
        }
        if let Some(t) = &self.filter.topic
            && !row.topic.as_deref().is_some_and(|x| x.contains(t.as_str()))
        {
            return false;
        }
        true
    }

    /// The selected row (the newest visible one when following).
    pub fn selected_row(&self, name: &dyn Fn(&FrameRow) -> Option<String>) -> Option<&FrameRow> {
        match self.selected {
            Some(seq) => self.frames.iter().find(|r| r.seq == seq),
            None => self.frames.iter().rev().find(|r| self.visible(r, name)),
        }
    }

    /// Moves the selection by `delta` visible rows (negative = older).
    pub fn move_selection(&mut self, delta: i64, name: &dyn Fn(&FrameRow) -> Option<String>) {
        let visible: Vec<u64> = self.frames.iter().filter(|r| self.visible(r, name)).map(|r| r.seq).collect();
        if visible.is_empty() {
            return;
        }
        let cur = match self.selected {
            Some(seq) => visible.iter().position(|&s| s >= seq).unwrap_or(visible.len() - 1),
            None => visible.len() - 1,
        };
        let next = (cur as i64 + delta).clamp(0, visible.len() as i64 - 1) as usize;
        self.selected = if next == visible.len() - 1 && delta > 0 { None } else { Some(visible[next]) };
        self.field = 0;
    }
}

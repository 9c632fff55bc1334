//! The inspector's model: a bounded ring of recorded frames with their one-line summaries, the
//! selection, the field cursor and the filters. Spans are not kept: the selected frame is decoded
//! again when it is shown.

use crate::broker::ConnId;
use crate::i18n::Lang;
use crate::proto::{self, AnyPacket, Packet, PacketType, Protocol, ReasonCode, ReasonPacket, Span, v5};
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
    /// The protocol the frame is read in: its connection's, as the connection's CONNECT said (3.1.1
    /// when that was not seen).
    pub version: Protocol,
    /// The type of 3.1.1 (`None` for a reserved type, and for AUTH, which only 5.0 has).
    pub kind: Option<PacketType>,
    pub pid: Option<u16>,
    /// Topic of a PUBLISH, first filter of a SUBSCRIBE / UNSUBSCRIBE.
    pub topic: Option<String>,
    /// The reason code of a 5.0 CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT or AUTH.
    pub reason: Option<ReasonCode>,
    /// Short description of the decoded packet, or of the decode error.
    pub summary: String,
    pub malformed: bool,
    /// Why the frame did not decode (the summary says it in English; panes use this for 中文).
    pub error: Option<proto::DecodeError>,
    /// What became of it at the gate; `None`: it went through.
    pub fate: Option<Fate>,
}

impl FrameRow {
    /// A frame read as MQTT 3.1.1 (a CONNECT tells its own level in any case).
    pub fn from_tap(f: &TapFrame) -> FrameRow {
        FrameRow::from_tap_v(f, Protocol::V311)
    }

    /// A frame of a connection speaking `version`.
    pub fn from_tap_v(f: &TapFrame, version: Protocol) -> FrameRow {
        let version = frame_version(&f.bytes, version);
        let kind = f.bytes.first().and_then(|b| PacketType::from_u8(b >> 4));
        let (summary, pid, topic, reason, error) = match proto::decode_slice_v(&f.bytes, version) {
            Ok(p) => {
                let (s, t) = summarize_any(&p, Lang::En);
                let (pid, reason) = match &p {
                    AnyPacket::V3(p) => (p.packet_id().map(|i| i.get()), None),
                    AnyPacket::V5(p) => (p.packet_id().map(|i| i.get()), reason_of(p).map(|r| r.0)),
                };
                (s, pid, t, reason, None)
            }
            Err(e) => (e.message(Lang::En), None, None, None, Some(e)),
        };
        let malformed = error.is_some();
        FrameRow {
            seq: f.seq,
            at: f.at,
            conn: f.conn,
            client: f.client.clone(),
            dir: f.dir,
            bytes: f.bytes.clone(),
            version,
            kind,
            pid,
            topic,
            reason,
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
            (None, Lang::Zh) => proto::decode_slice_v(&self.bytes, self.version)
                .map_or_else(|e| e.message(lang), |p| summarize_any(&p, lang).0),
        }
    }

    /// The frame decoded with every field's span.
    pub fn spans(&self) -> (Result<AnyPacket, proto::DecodeError>, Vec<Span>) {
        proto::decode_spans_v(&self.bytes, self.version)
    }

    /// The short type label: `PUBLISH`, `PUBACK`, or `?` for a reserved type.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Some(k) => k.name(),
            None if self.version == Protocol::V5 && self.bytes.first().is_some_and(|b| b >> 4 == 15) => "AUTH",
            None => "?",
        }
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

/// A frame's type and one-line summary (or what is wrong with it), read as MQTT 3.1.1.
pub fn frame_summary(bytes: &[u8], lang: Lang) -> String {
    frame_summary_v(bytes, Protocol::V311, lang)
}

/// A frame's type and one-line summary, read as a frame of a connection speaking `version`.
pub fn frame_summary_v(bytes: &[u8], version: Protocol, lang: Lang) -> String {
    match proto::decode_slice_v(bytes, frame_version(bytes, version)) {
        Ok(p) => format!("{} {}", p.name(), summarize_any(&p, lang).0).trim_end().to_string(),
        Err(e) => e.message(lang),
    }
}

pub use crate::proto::{connect_version, frame_version};

/// A one-line summary of a packet of either version in `lang`, and the topic it concerns.
pub fn summarize_any(p: &AnyPacket, lang: Lang) -> (String, Option<String>) {
    match p {
        AnyPacket::V3(p) => summarize(p, lang),
        AnyPacket::V5(p) => summarize_v5(p, lang),
    }
}

/// The reason code of a 5.0 packet that carries one (SUBACK and UNSUBACK carry one per filter).
fn reason_of(p: &v5::Packet) -> Option<(ReasonCode, ReasonPacket)> {
    use v5::Packet as P;
    Some(match p {
        P::ConnAck(a) => (a.reason, ReasonPacket::ConnAck),
        P::PubAck(a) => (a.reason, ReasonPacket::PubAck),
        P::PubRec(a) => (a.reason, ReasonPacket::PubRec),
        P::PubRel(a) => (a.reason, ReasonPacket::PubRel),
        P::PubComp(a) => (a.reason, ReasonPacket::PubComp),
        P::Disconnect(d) => (d.reason, ReasonPacket::Disconnect),
        P::Auth(a) => (a.reason, ReasonPacket::Auth),
        _ => return None,
    })
}

fn publish_text(topic: &str, qos_pid: proto::QosPid, retain: bool, dup: bool, payload: &[u8], lang: Lang) -> String {
    let mut s = format!("{topic} q{}", qos_pid.qos().as_u8());
    if let Some(id) = qos_pid.pid() {
        s.push_str(&format!(" id={id}"));
    }
    if retain {
        s.push_str(lang.pick(" 保留", " R"));
    }
    if dup {
        s.push_str(" DUP");
    }
    s.push(' ');
    s.push_str(&payload_text(payload, lang));
    s
}

/// A one-line summary of an MQTT 5.0 packet in `lang`: that of 3.1.1, with the reason code and
/// what it means where there is one, and `v5` on a CONNECT.
pub fn summarize_v5(p: &v5::Packet, lang: Lang) -> (String, Option<String>) {
    use v5::Packet as P;
    let zh = lang.is_zh();
    let mut s = match p {
        P::Connect(c) => {
            let (clean, ka) = if zh { ("新开始", "心跳") } else { ("clean", "ka") };
            let mut s = format!("v5 id={} {clean}={} {ka}={}", c.client_id, c.clean_start as u8, c.keep_alive);
            if let Some(e) = c.properties.session_expiry_interval {
                s.push_str(&format!(" {}={e}", lang.pick("会话过期", "expiry")));
            }
            if let Some(w) = &c.will {
                s.push_str(&format!(" {}={}", lang.pick("遗嘱", "will"), w.topic));
            }
            if let Some(u) = &c.username {
                s.push_str(&format!(" {}={u}", lang.pick("用户名", "user")));
            }
            s
        }
        P::ConnAck(_) | P::Disconnect(_) | P::Auth(_) => String::new(),
        P::Publish(p) => {
            // With a topic alias the topic may be empty: the alias stands for it.
            let shown = match p.properties.topic_alias {
                Some(a) if p.topic.is_empty() => format!("{}={a}", lang.pick("别名", "alias")),
                Some(a) => format!("{} {}={a}", p.topic, lang.pick("别名", "alias")),
                None => p.topic.to_string(),
            };
            let s = publish_text(&shown, p.qos_pid, p.retain, p.dup, &p.payload, lang);
            let topic = (!p.topic.is_empty()).then(|| p.topic.to_string());
            return (s, topic);
        }
        P::PubAck(a) | P::PubRec(a) | P::PubRel(a) | P::PubComp(a) => format!("id={}", a.pid),
        P::Subscribe(s) => {
            let f: Vec<String> = s.filters.iter().map(|(t, o)| format!("{t} q{}", o.qos.as_u8())).collect();
            return (format!("id={} {}", s.pid, f.join(", ")), s.filters.first().map(|f| f.0.clone()));
        }
        P::SubAck(a) => codes_text(a.pid, &a.reasons),
        P::UnsubAck(a) => codes_text(a.pid, &a.reasons),
        P::Unsubscribe(u) => {
            return (format!("id={} {}", u.pid, u.filters.join(", ")), u.filters.first().cloned());
        }
        P::PingReq | P::PingResp => String::new(),
    };
    if let Some((code, packet)) = reason_of(p) {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&format!("{code} {}", code.describe(packet, lang)));
    }
    if let P::ConnAck(a) = p
        && a.session_present
    {
        s.push_str(lang.pick(" 会话存在=1", " sp=1"));
    }
    if let Some(r) = p.properties().and_then(|pr| pr.reason_string.as_deref()) {
        s.push_str(&format!(" {r:?}"));
    }
    (s, None)
}

fn codes_text(pid: proto::PacketId, codes: &[ReasonCode]) -> String {
    let c: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
    format!("id={pid} [{}]", c.join(" "))
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
            let s = publish_text(&p.topic, p.qos_pid, p.retain, p.dup, &p.payload, lang);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::v5;

    fn tap(bytes: Bytes) -> TapFrame {
        TapFrame { seq: 1, at: Duration::ZERO, conn: 1, client: None, dir: Dir::Out, bytes }
    }

    #[test]
    fn a_connect_tells_its_version_even_when_malformed() {
        let v5 = v5::Packet::Connect(Box::new(v5::Connect::new("a"))).to_bytes();
        assert_eq!(connect_version(&v5), Some(Protocol::V5));
        let v3 = Packet::Connect(Box::new(proto::Connect::new("a"))).to_bytes();
        assert_eq!(connect_version(&v3), Some(Protocol::V311));
        // A 5.0 CONNECT with the reserved connect flag set.
        let bad = [0x10, 0x0b, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x01, 0, 60, 0];
        assert!(proto::decode_slice_v(&bad, Protocol::V5).is_err());
        assert_eq!(connect_version(&bad), Some(Protocol::V5));
        assert_eq!(connect_version(&[0x20, 2, 0, 0]), None, "not a CONNECT");
    }

    #[test]
    fn a_5_0_connack_says_its_reason_and_a_3_1_1_refusal_of_5_0_reads_as_3_1_1() {
        let mut a = v5::ConnAck {
            session_present: false,
            reason: ReasonCode::UnsupportedProtocolVersion,
            properties: Default::default(),
        };
        let row = FrameRow::from_tap_v(&tap(v5::Packet::ConnAck(a.clone()).to_bytes()), Protocol::V5);
        assert_eq!(row.summary, "0x84 unsupported protocol version");
        assert_eq!(row.reason, Some(ReasonCode::UnsupportedProtocolVersion));
        assert_eq!(row.summary_in(Lang::Zh), "0x84 不支持的协议版本");
        a.reason = ReasonCode::Success;
        a.session_present = true;
        let bytes = v5::Packet::ConnAck(a).to_bytes();
        assert_eq!(frame_summary_v(&bytes, Protocol::V5, Lang::En), "CONNACK 0x00 connection accepted sp=1");
        // What the lab's broker answers a 5.0 CONNECT today: the 3.1.1 CONNACK 1.
        let row = FrameRow::from_tap_v(&tap(Bytes::from_static(&[0x20, 2, 0, 1])), Protocol::V5);
        assert_eq!((row.version, row.malformed, row.summary.as_str()), (Protocol::V311, false, "rc=1 sp=0"));
        // AUTH has no 3.1.1 type but a name.
        let auth =
            v5::Packet::Auth(v5::Auth { reason: ReasonCode::ContinueAuthentication, properties: Default::default() });
        let row = FrameRow::from_tap_v(&tap(auth.to_bytes()), Protocol::V5);
        assert_eq!((row.type_name(), row.summary.as_str()), ("AUTH", "0x18 continue authentication"));
    }
}

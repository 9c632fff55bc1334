//! The step engine: a lesson in progress. It is told what the world reports ([`Run::observe`]), how
//! far time has got ([`Run::tick`]), the learner's quiz answers and "go on"; it answers with what
//! the lab must run, which step is done, and hints that name what differs when an attempt is near
//! but wrong. A frame counts once it reached its receiver: one held at the gate counts when released,
//! one dropped or cut never does. Pure: events in, effects out, no clock.

use super::cond;
use super::model::{
    BrokerExpect, BrokerKind, ClientExpect, ClientKind, Expect, FrameExpect, Lesson, ReceiveExpect, SerialExpect,
    SubscribedExpect,
};
use crate::broker::{ConnId, Event, RetainAction, WillCause};
use crate::client::{ClientEvent, DropReason};
use crate::i18n::Text;
use crate::proto::{self, Packet, PacketType, QoS};
use crate::world::event::WorldEvent;
use crate::world::record::{Dir, Fate};
use crate::world::view::Delivered;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

/// How long a frame that nobody held, or an event, waits before it is judged: a gate decision comes
/// on another channel and may trail the frame by a moment, and the broker's decisions and the
/// clients' receipts travel apart too. Within the line, what happened first is judged first.
const GRACE: Duration = Duration::from_millis(250);

/// What the engine asks of the lab.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    /// Run this command line (a step's `do`).
    Run(String),
    /// Step `index` (from 0) is done.
    Done { index: usize },
    /// An attempt that is near but not it: what differs.
    Miss(Text),
    /// A quiz answer: right or not, and why.
    Answered { right: bool },
    /// The last step is done.
    Finished,
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Waiting,
    Active,
    /// Done; `first_try` for a quiz answered right at once.
    Done {
        first_try: bool,
    },
}

/// What one observation is about, with names resolved.
enum Obs<'a> {
    Frame {
        from: &'a str,
        to: &'a str,
        packet: &'a cond::Frame,
    },
    Delivered(&'a Delivered),
    Broker(&'a Event),
    Client {
        name: &'a str,
        event: &'a ClientEvent,
    },
    /// The broker's subscriptions changed.
    Subs,
    Serial {
        board: &'a str,
        line: &'a str,
    },
}

/// An expectation with what has been seen of it.
#[derive(Debug)]
enum M {
    Frame {
        spec: FrameExpect,
        kind: Option<PacketType>,
        seen: u32,
    },
    Receives {
        spec: ReceiveExpect,
        seen: u32,
    },
    Subscribed {
        spec: SubscribedExpect,
        ok: bool,
    },
    Broker {
        spec: BrokerExpect,
        ok: bool,
    },
    Client {
        spec: ClientExpect,
        ok: bool,
    },
    Serial {
        spec: SerialExpect,
        seen: u32,
    },
    All(Vec<M>),
    Seq(Vec<M>, usize),
    Any(Vec<M>),
    /// `since`: when the quiet period began (`None` until a sequence reaches it).
    None {
        of: Box<M>,
        spec: Box<Expect>,
        secs: f64,
        since: Option<Duration>,
    },
    /// `since`: when the wait began (`None` until a sequence reaches it).
    Wait {
        secs: f64,
        since: Option<Duration>,
    },
}

impl M {
    fn new(e: &Expect, now: Duration) -> M {
        match e {
            Expect::Frame(f) => {
                let kind = (1..=14).filter_map(PacketType::from_u8).find(|k| k.name() == f.kind.value);
                M::Frame { spec: f.clone(), kind, seen: 0 }
            }
            Expect::Receives(r) => M::Receives { spec: r.clone(), seen: 0 },
            Expect::Subscribed(s) => M::Subscribed { spec: s.clone(), ok: false },
            Expect::Broker(b) => M::Broker { spec: b.clone(), ok: false },
            Expect::Client(c) => M::Client { spec: c.clone(), ok: false },
            Expect::Serial(c) => M::Serial { spec: c.clone(), seen: 0 },
            Expect::All(v) => M::All(v.iter().map(|e| M::new(e, now)).collect()),
            Expect::Sequence(v) => {
                let mut items: Vec<M> = v.iter().map(|e| M::new(e, now)).collect();
                // Waits further on start when the sequence gets to them.
                for m in items.iter_mut().skip(1) {
                    m.disarm();
                }
                M::Seq(items, 0)
            }
            Expect::Any(v) => M::Any(v.iter().map(|e| M::new(e, now)).collect()),
            Expect::None(n) => {
                M::None { of: Box::new(M::new(&n.of, now)), spec: n.of.clone(), secs: n.secs, since: Some(now) }
            }
            Expect::Wait(s) => M::Wait { secs: s.max(0.0), since: Some(now) },
        }
    }

    fn disarm(&mut self) {
        match self {
            M::None { since, .. } | M::Wait { since, .. } => *since = None,
            M::All(v) | M::Any(v) => v.iter_mut().for_each(M::disarm),
            _ => {}
        }
    }

    fn arm(&mut self, now: Duration) {
        match self {
            M::None { since, .. } | M::Wait { since, .. } => {
                since.get_or_insert(now);
            }
            M::All(v) | M::Any(v) => v.iter_mut().for_each(|m| m.arm(now)),
            M::Seq(v, i) => {
                if let Some(m) = v.get_mut(*i) {
                    m.arm(now)
                }
            }
            _ => {}
        }
    }

    fn done(&self, now: Duration) -> bool {
        match self {
            M::Frame { spec, seen, .. } => *seen >= spec.count.unwrap_or(1),
            M::Receives { spec, seen } => *seen >= spec.count.unwrap_or(1),
            M::Serial { spec, seen } => *seen >= spec.count.unwrap_or(1),
            M::Subscribed { ok, .. } | M::Broker { ok, .. } | M::Client { ok, .. } => *ok,
            M::All(v) => v.iter().all(|m| m.done(now)),
            M::Seq(v, i) => *i >= v.len(),
            M::Any(v) => v.iter().any(|m| m.done(now)),
            M::None { of, secs, since, .. } => {
                !of.done(now) && since.is_some_and(|s| now >= s + Duration::from_secs_f64(*secs))
            }
            M::Wait { secs, since } => since.is_some_and(|s| now >= s + Duration::from_secs_f64(*secs)),
        }
    }

    /// Feeds one observation; returns what differs when it was near but not it.
    fn feed(&mut self, o: &Obs, w: &Seen, now: Duration) -> Option<Text> {
        match self {
            M::Frame { spec, kind, seen } => {
                let Obs::Frame { from, to, packet } = o else { return None };
                if Some(packet.packet.packet_type()) != *kind {
                    return None;
                }
                let party_ok =
                    |p: &Option<serde_saphyr::Spanned<String>>, got: &str| p.as_ref().is_none_or(|p| p.value == got);
                if !party_ok(&spec.from, from) || !party_ok(&spec.to, to) {
                    return None;
                }
                match spec.conds.iter().find(|c| !c.value.holds(packet)) {
                    None => {
                        *seen += 1;
                        None
                    }
                    Some(c) => Some(c.value.miss(packet)),
                }
            }
            M::Receives { spec, seen } => {
                let Obs::Delivered(d) = o else { return None };
                if d.client != spec.client.value {
                    return None;
                }
                let differs = receive_differs(spec, d);
                match differs {
                    None => {
                        *seen += 1;
                        None
                    }
                    Some(t) => Some(t),
                }
            }
            M::Subscribed { spec, ok } => {
                let relevant = match o {
                    Obs::Subs => true,
                    Obs::Client { name, event: ClientEvent::Subscribed { .. } | ClientEvent::Unsubscribed { .. } } => {
                        *name == spec.client.value
                    }
                    _ => false,
                };
                if !relevant {
                    return None;
                }
                let (good, miss) = subscribed(spec, w);
                *ok = good;
                // A hint only when the client has just changed its subscriptions.
                if matches!(o, Obs::Client { .. }) { miss } else { None }
            }
            M::Broker { spec, ok } => {
                let Obs::Broker(e) = o else { return None };
                match broker_matches(spec, e, w) {
                    Some(Ok(())) => {
                        *ok = true;
                        None
                    }
                    Some(Err(t)) => Some(t),
                    None => None,
                }
            }
            M::Client { spec, ok } => {
                let Obs::Client { name, event } = o else { return None };
                if *name != spec.name.value {
                    return None;
                }
                match client_matches(spec, event) {
                    Some(Ok(())) => {
                        *ok = true;
                        None
                    }
                    Some(Err(t)) => Some(t),
                    None => None,
                }
            }
            M::Serial { spec, seen } => {
                let Obs::Serial { board, line } = o else { return None };
                if spec.board.as_ref().is_some_and(|b| b.value != *board) {
                    return None;
                }
                if line.contains(spec.contains.as_str()) {
                    *seen += 1;
                }
                None
            }
            M::All(v) | M::Any(v) => {
                let mut miss = None;
                for m in v.iter_mut() {
                    if !m.done(now)
                        && let Some(t) = m.feed(o, w, now)
                    {
                        miss = Some(t);
                    }
                }
                miss
            }
            M::Seq(v, i) => {
                let m = v.get_mut(*i)?;
                let miss = m.feed(o, w, now);
                seq_advance(v, i, now);
                miss
            }
            M::None { of, spec, since, .. } => {
                if since.is_none() {
                    return None;
                }
                of.feed(o, w, now);
                if of.done(now) {
                    // It happened: the quiet period starts again.
                    **of = M::new(spec, now);
                    *since = Some(now);
                }
                None
            }
            M::Wait { .. } => None,
        }
    }

    /// Time passed: a sequence may move on past waits.
    fn tick(&mut self, now: Duration) {
        match self {
            M::All(v) | M::Any(v) => v.iter_mut().for_each(|m| m.tick(now)),
            M::Seq(v, i) => {
                if let Some(m) = v.get_mut(*i) {
                    m.tick(now);
                }
                seq_advance(v, i, now);
            }
            _ => {}
        }
    }
}

/// Moves a sequence past its done items, starting the clock of the one it gets to.
fn seq_advance(v: &mut [M], i: &mut usize, now: Duration) {
    while *i < v.len() && v[*i].done(now) {
        *i += 1;
        if let Some(m) = v.get_mut(*i) {
            m.arm(now);
        }
    }
}

fn receive_differs(spec: &ReceiveExpect, d: &Delivered) -> Option<Text> {
    let got = format!("{} {:?} q{}{}", d.topic, d.payload, d.qos.as_u8(), if d.retain { " retain" } else { "" });
    let say = |zh: String, en: String| {
        Some(Text::new(format!("{} 收到了 {got}，{zh}", d.client), format!("{} got {got}; {en}", d.client)))
    };
    if let Some(t) = &spec.topic
        && *t != d.topic
    {
        return say(format!("这一步要的是主题 {t}"), format!("the step wants topic {t}"));
    }
    if let Some(p) = &spec.payload
        && *p != d.payload
    {
        return say(format!("这一步要的消息是 {p:?}"), format!("the step wants the payload {p:?}"));
    }
    if let Some(q) = spec.qos
        && q != d.qos.as_u8()
    {
        return say(format!("这一步要的是 QoS {q}"), format!("the step wants QoS {q}"));
    }
    if let Some(r) = spec.retain
        && r != d.retain
    {
        return say(format!("这一步要的 RETAIN 是 {}", r as u8), format!("the step wants RETAIN {}", r as u8));
    }
    if let Some(x) = spec.dup
        && x != d.dup
    {
        return say(format!("这一步要的 DUP 是 {}", x as u8), format!("the step wants DUP {}", x as u8));
    }
    None
}

/// Whether a client's subscriptions reach the topics they should and only those, by the broker's
/// own matching (the topics a publish would reach): (satisfied, what differs).
fn subscribed(spec: &SubscribedExpect, w: &Seen) -> (bool, Option<Text>) {
    let name = &spec.client.value;
    let id = w.id_of(name);
    let subs: Vec<&(String, String, QoS)> = w.subs.iter().filter(|(_, c, _)| Some(c.as_str()) == id).collect();
    let reach = |t: &str| subs.iter().filter(|(f, _, _)| crate::broker::topic::matches(f, t)).map(|s| s.2).max();
    let filters: Vec<&str> = subs.iter().map(|s| s.0.as_str()).collect();
    let shown = if filters.is_empty() { "—".to_string() } else { filters.join(", ") };
    for t in &spec.topics {
        match reach(t) {
            None => {
                return (
                    false,
                    Some(Text::new(
                        format!("{name} 的订阅（{shown}）收不到发往 {t} 的消息"),
                        format!("{name}'s subscriptions ({shown}) do not reach {t}"),
                    )),
                );
            }
            Some(q) if spec.qos.is_some_and(|want| q.as_u8() < want) => {
                let want = spec.qos.unwrap_or(0);
                return (
                    false,
                    Some(Text::new(
                        format!("{name} 对 {t} 的订阅只授予了 QoS {}，这一步要 QoS {want}", q.as_u8()),
                        format!("{name}'s subscription to {t} is granted QoS {}; the step wants QoS {want}", q.as_u8()),
                    )),
                );
            }
            Some(_) => {}
        }
    }
    for t in &spec.not {
        if reach(t).is_some() {
            return (
                false,
                Some(Text::new(
                    format!("{name} 的订阅（{shown}）也会收到发往 {t} 的消息，这一步不要它"),
                    format!("{name}'s subscriptions ({shown}) also reach {t}, which the step does not want"),
                )),
            );
        }
    }
    (true, None)
}

fn cause_name(c: WillCause) -> &'static str {
    match c {
        WillCause::KeepAliveExpired => "keepalive",
        WillCause::ConnectionLost => "connection_lost",
        WillCause::ProtocolError => "protocol_error",
        WillCause::TakenOver => "taken_over",
        WillCause::Requested => "disconnect_with_will",
        WillCause::Delayed => "delayed",
    }
}

/// `Some(Ok)` when the event is it, `Some(Err(what differs))` when it is the same kind for the same
/// client but differs, `None` when it is something else.
fn broker_matches(spec: &BrokerExpect, e: &Event, w: &Seen) -> Option<Result<(), Text>> {
    use BrokerKind as K;
    let want_id = spec.client.as_ref().map(|c| w.id_of(&c.value).unwrap_or(c.value.as_str()).to_string());
    let client_ok = |id: &str| want_id.as_deref().is_none_or(|w| w == id);
    let topic_ok = |t: &str| spec.topic.as_deref().is_none_or(|w| w == t);
    let differs = |zh: String, en: String| Some(Err(Text::new(zh, en)));
    match (spec.event, e) {
        (K::Connected, Event::Connected { client_id, session_present, clean_session, .. }) if client_ok(client_id) => {
            if let Some(sp) = spec.session_present
                && sp != *session_present
            {
                return differs(
                    format!("CONNACK 的会话存在是 {}，这一步要 {}", *session_present as u8, sp as u8),
                    format!("CONNACK session present was {}; the step wants {}", *session_present as u8, sp as u8),
                );
            }
            if let Some(c) = spec.clean
                && c != *clean_session
            {
                return differs(
                    format!("CONNECT 的清除会话是 {}，这一步要 {}", *clean_session as u8, c as u8),
                    format!("CONNECT clean session was {}; the step wants {}", *clean_session as u8, c as u8),
                );
            }
            Some(Ok(()))
        }
        (K::ConnectRefused, Event::Connected { client_id, .. }) if spec.client.is_some() && client_ok(client_id) => {
            differs(
                "服务端接受了这次连接（CONNACK 0），这一步要的是被拒绝".into(),
                "the broker accepted it (CONNACK 0); the step wants a refusal".into(),
            )
        }
        (K::ConnectRefused, Event::ConnectRefused { client_id, code, .. }) if client_ok(client_id) => match spec.code {
            Some(want) if want != *code as u8 => differs(
                format!("CONNACK 返回码是 {}，这一步要 {want}", *code as u8),
                format!("CONNACK return code was {}; the step wants {want}", *code as u8),
            ),
            _ => Some(Ok(())),
        },
        (K::TakenOver, Event::TakenOver { client_id, .. })
        | (K::SessionDiscarded, Event::SessionDiscarded { client_id })
        | (K::Disconnected, Event::Disconnected { client_id, .. })
        | (K::KeepaliveExpired, Event::KeepAliveExpired { client_id, .. })
        | (K::WillDiscarded, Event::WillDiscarded { client_id })
        | (K::Resent, Event::Resent { client_id, .. })
        | (K::DuplicateQos2, Event::DuplicateQos2 { client_id, .. })
            if client_ok(client_id) =>
        {
            Some(Ok(()))
        }
        (K::SessionResumed, Event::SessionResumed { client_id, queued, resent, .. }) if client_ok(client_id) => {
            match spec.queued {
                Some(want) if queued + resent < want => differs(
                    format!("会话恢复了，但只交出 {} 条消息，这一步要至少 {want} 条", queued + resent),
                    format!(
                        "the session resumed with {} messages handed over; the step wants at least {want}",
                        queued + resent
                    ),
                ),
                _ => Some(Ok(())),
            }
        }
        (K::SessionKept, Event::SessionKept { client_id, .. }) if client_ok(client_id) => Some(Ok(())),
        (K::ConnectionLost, Event::ConnectionLost { client_id: Some(c), .. }) if client_ok(c) => Some(Ok(())),
        (K::ProtocolError, Event::ProtocolError { client_id, .. })
            if client_id.as_deref().is_some_and(client_ok) || want_id.is_none() =>
        {
            Some(Ok(()))
        }
        (K::WillPublished, Event::WillPublished { client_id, topic, cause, .. }) if client_ok(client_id) => {
            if !topic_ok(topic) {
                return None;
            }
            match &spec.cause {
                Some(want) if want != cause_name(*cause) => differs(
                    format!("遗嘱发布了，原因是 {}，这一步要的是 {want}", cause_name(*cause)),
                    format!("the will went out because of {}; the step wants {want}", cause_name(*cause)),
                ),
                _ => Some(Ok(())),
            }
        }
        (K::Subscribed, Event::Subscribed { client_id, filter, granted, .. }) if client_ok(client_id) => {
            if spec.filter.as_deref().is_some_and(|f| f != filter) {
                return None;
            }
            match spec.granted {
                Some(want) if want != granted.as_u8() => differs(
                    format!("授予的 QoS 是 {}，这一步要 {want}", granted.as_u8()),
                    format!("the granted QoS was {}; the step wants {want}", granted.as_u8()),
                ),
                _ => Some(Ok(())),
            }
        }
        (K::SubscribeRefused, Event::SubscribeRefused { client_id, filter, .. })
        | (K::Unsubscribed, Event::Unsubscribed { client_id, filter, .. })
            if client_ok(client_id) && spec.filter.as_deref().is_none_or(|f| f == filter) =>
        {
            Some(Ok(()))
        }
        (K::Routed, Event::Routed { from, topic, deliveries, .. }) if client_ok(from) && topic_ok(topic) => {
            let reached = deliveries.iter().filter(|d| !d.dropped).count();
            match spec.deliveries {
                Some(want) if reached < want => differs(
                    format!("消息只投递给了 {reached} 个订阅者，这一步要至少 {want} 个"),
                    format!("the message reached {reached} subscribers; the step wants at least {want}"),
                ),
                _ => Some(Ok(())),
            }
        }
        (K::RetainedStored, Event::Routed { from, topic, retain: RetainAction::Stored, .. })
        | (K::RetainedCleared, Event::Routed { from, topic, retain: RetainAction::Cleared, .. })
            if client_ok(from) && topic_ok(topic) =>
        {
            Some(Ok(()))
        }
        (K::PublishRefused, Event::PublishRefused { client_id, topic, .. })
            if client_ok(client_id) && topic_ok(topic) =>
        {
            Some(Ok(()))
        }
        (K::QueueFull, Event::QueueFull { client_id, topic, .. }) if client_ok(client_id) && topic_ok(topic) => {
            Some(Ok(()))
        }
        (K::AliasSet, Event::AliasSet { client_id, topic, .. })
        | (K::MessageExpired, Event::MessageExpired { client_id, topic, .. })
        | (K::SharedDelivered, Event::SharedDelivered { to: client_id, topic, .. })
        | (K::WillDelayed, Event::WillDelayed { client_id, topic, .. })
            if client_ok(client_id) && topic_ok(topic) =>
        {
            Some(Ok(()))
        }
        (K::SessionExpired, Event::SessionExpired { client_id, .. })
        | (K::WillCancelled, Event::WillCancelled { client_id })
            if client_ok(client_id) =>
        {
            Some(Ok(()))
        }
        _ => None,
    }
}

fn client_matches(spec: &ClientExpect, e: &ClientEvent) -> Option<Result<(), Text>> {
    use ClientKind as K;
    let differs = |zh: String, en: String| Some(Err(Text::new(zh, en)));
    match (spec.event, e) {
        (K::Connected, ClientEvent::Connected { session_present }) => match spec.session_present {
            Some(want) if want != *session_present => differs(
                format!("会话存在是 {}，这一步要 {}", *session_present as u8, want as u8),
                format!("session present was {}; the step wants {}", *session_present as u8, want as u8),
            ),
            _ => Some(Ok(())),
        },
        (K::Connected, ClientEvent::Refused { code }) => differs(
            format!("连接被拒绝（CONNACK {}）", *code as u8),
            format!("the connection was refused (CONNACK {})", *code as u8),
        ),
        (K::Refused, ClientEvent::Refused { code }) => match spec.code {
            Some(want) if want != *code as u8 => differs(
                format!("CONNACK 返回码是 {}，这一步要 {want}", *code as u8),
                format!("CONNACK return code was {}; the step wants {want}", *code as u8),
            ),
            _ => Some(Ok(())),
        },
        (K::Message, ClientEvent::Message { topic, .. }) => match &spec.topic {
            Some(t) if **topic != **t => None,
            _ => Some(Ok(())),
        },
        (K::Dropped, ClientEvent::Dropped { reason: DropReason::TooLarge { .. }, .. })
        | (K::ConnectFailed, ClientEvent::ConnectFailed)
        | (K::ConnectionLost, ClientEvent::ConnectionLost)
        | (K::Disconnected, ClientEvent::Disconnected)
        | (K::Ping, ClientEvent::KeepAlivePing { .. })
        | (K::PingResponse, ClientEvent::PingResponse { .. })
        | (K::PingTimeout, ClientEvent::PingTimeout { .. })
        | (K::Resent, ClientEvent::Resent { .. })
        | (K::DuplicateQos2, ClientEvent::DuplicateQos2 { .. })
        | (K::Subscribed, ClientEvent::Subscribed { .. })
        | (K::SessionDiscarded, ClientEvent::SessionDiscarded { .. }) => Some(Ok(())),
        _ => None,
    }
}

/// What the engine knows of the world: names and ids, connections, subscriptions.
#[derive(Debug, Default)]
struct Seen {
    /// name on stage → client id.
    ids: HashMap<String, String>,
    /// name → client id of a real client that plays that part (a board on the LAN plays `esp`).
    aliases: HashMap<String, String>,
    /// connection → client id.
    conns: HashMap<ConnId, String>,
    /// connection → the protocol its CONNECT asked for.
    levels: HashMap<ConnId, proto::Protocol>,
    /// (filter, client id, granted QoS).
    subs: Vec<(String, String, QoS)>,
}

impl Seen {
    fn id_of(&self, name: &str) -> Option<&str> {
        self.aliases.get(name).or_else(|| self.ids.get(name)).map(String::as_str)
    }
    fn name_of(&self, id: &str) -> String {
        if let Some((n, _)) = self.aliases.iter().find(|(_, i)| *i == id) {
            return n.clone();
        }
        self.ids.iter().find(|(_, i)| *i == id).map_or_else(|| id.to_string(), |(n, _)| n.clone())
    }
}

/// A frame waiting to count: held, or within its grace.
#[derive(Debug)]
struct Pending {
    seq: u64,
    at: Duration,
    /// Released from the gate: it has arrived, no grace needed.
    released: bool,
    /// Sender and receiver: "broker" or a client id (named when judged).
    from: String,
    to: String,
    packet: cond::Frame,
}

/// One thing in line to be judged.
#[derive(Debug)]
enum Item {
    Frame(Pending),
    /// An event and when it happened.
    Event(Duration, WorldEvent),
}

impl Item {
    fn at(&self) -> Duration {
        match self {
            Item::Frame(p) => p.at,
            Item::Event(at, _) => *at,
        }
    }
}

/// A lesson in progress.
#[derive(Debug)]
pub struct Run {
    pub lesson: Arc<Lesson>,
    /// The step in progress (the number of steps when the lesson is finished).
    pub step: usize,
    pub states: Vec<StepState>,
    /// The newest "near, but" of the current step.
    pub miss: Option<Text>,
    /// Hints shown so far for the current step.
    pub hints_shown: usize,
    /// Quizzes answered right at the first try, and quizzes answered.
    pub score: (usize, usize),
    /// The current quiz's wrong answers so far.
    pub wrong: Vec<usize>,
    /// The newest quiz answer: (choice, right).
    pub last_answer: Option<(usize, bool)>,
    matcher: Option<M>,
    seen: Seen,
    /// What waits to be judged, in the order it happened.
    line: VecDeque<Item>,
    /// Frames held at the gate.
    held: Vec<Pending>,
    started: Duration,
    now: Duration,
    /// When the item being judged happened (a step it completes ends then, the next one begins).
    cursor: Option<Duration>,
}

impl Run {
    pub fn new(lesson: Arc<Lesson>) -> Run {
        let n = lesson.steps.len();
        Run {
            lesson,
            step: 0,
            states: vec![StepState::Waiting; n],
            miss: None,
            hints_shown: 0,
            score: (0, 0),
            wrong: Vec::new(),
            last_answer: None,
            matcher: None,
            seen: Seen::default(),
            line: VecDeque::new(),
            held: Vec::new(),
            started: Duration::ZERO,
            now: Duration::ZERO,
            cursor: None,
        }
    }

    pub fn finished(&self) -> bool {
        self.step >= self.lesson.steps.len()
    }

    pub fn now(&self) -> Duration {
        self.now
    }

    /// Opens the lesson at its first step: its `do` lines.
    pub fn start(&mut self, at: Duration) -> Vec<Out> {
        self.start_at(0, at)
    }

    /// Opens the lesson at step `index`, the ones before it done (a resumed lesson).
    pub fn start_at(&mut self, index: usize, at: Duration) -> Vec<Out> {
        self.now = self.now.max(at);
        let index = index.min(self.lesson.steps.len());
        for s in &mut self.states[..index] {
            *s = StepState::Done { first_try: false };
        }
        self.enter(index)
    }

    fn enter(&mut self, index: usize) -> Vec<Out> {
        self.step = index;
        self.miss = None;
        self.hints_shown = 0;
        self.wrong.clear();
        self.last_answer = None;
        self.started = self.cursor.unwrap_or(self.now);
        let Some(s) = self.lesson.steps.get(index) else {
            self.matcher = None;
            return vec![Out::Finished];
        };
        self.states[index] = StepState::Active;
        self.matcher = s.value.expect.as_ref().map(|e| M::new(&e.value, self.now));
        // Subscriptions already in place count (the step is judged by what they deliver).
        if let Some(m) = self.matcher.as_mut() {
            m.feed(&Obs::Subs, &self.seen, self.now);
        }
        s.value.actions.iter().map(|a| Out::Run(a.value.clone())).collect()
    }

    fn complete(&mut self, first_try: bool) -> Vec<Out> {
        let i = self.step;
        if let Some(s) = self.states.get_mut(i) {
            *s = StepState::Done { first_try };
        }
        let mut out = vec![Out::Done { index: i }];
        out.extend(self.enter(i + 1));
        out
    }

    /// The current step waits for "go on" (it has nothing to wait for).
    pub fn is_reading(&self) -> bool {
        self.lesson.steps.get(self.step).is_some_and(|s| s.value.expect.is_none() && s.value.quiz.is_none())
    }

    /// From now on the client with client id `id` plays `name` (a real board standing in for the
    /// virtual one).
    pub fn alias(&mut self, name: &str, id: &str) {
        self.seen.aliases.insert(name.to_string(), id.to_string());
    }

    /// The learner goes on from a step that waits for nothing.
    pub fn go(&mut self) -> Vec<Out> {
        if self.is_reading() { self.complete(true) } else { Vec::new() }
    }

    /// The next hint of the current step, if there is one left.
    pub fn hint(&mut self) -> Option<Text> {
        let s = self.lesson.steps.get(self.step)?;
        let h = s.value.hints.get(self.hints_shown)?;
        self.hints_shown += 1;
        Some(h.text())
    }

    /// A quiz answer, counted from 1.
    pub fn answer(&mut self, choice: usize) -> Vec<Out> {
        let Some(q) = self.lesson.steps.get(self.step).and_then(|s| s.value.quiz.as_ref()) else { return Vec::new() };
        let right = choice == q.answer.value;
        self.last_answer = Some((choice, right));
        let mut out = vec![Out::Answered { right }];
        if right {
            let first = self.wrong.is_empty();
            self.score.1 += 1;
            if first {
                self.score.0 += 1;
            }
            // The step also waits for its expectation, if it has one.
            if self.matcher.as_ref().is_none_or(|m| m.done(self.now)) {
                out.extend(self.complete(first));
            }
        } else if !self.wrong.contains(&choice) {
            self.wrong.push(choice);
        }
        out
    }

    /// Time has got to `at`.
    pub fn tick(&mut self, at: Duration) -> Vec<Out> {
        self.now = self.now.max(at);
        let mut out = self.drain();
        if let Some(m) = self.matcher.as_mut() {
            m.tick(self.now);
        }
        out.extend(self.check());
        out
    }

    fn check(&mut self) -> Vec<Out> {
        let quiz_left = self
            .lesson
            .steps
            .get(self.step)
            .is_some_and(|s| s.value.quiz.is_some() && !matches!(self.last_answer, Some((_, true))));
        match &self.matcher {
            Some(m) if m.done(self.now) && !quiz_left => self.complete(true),
            _ => Vec::new(),
        }
    }

    fn feed(&mut self, o: Obs) -> Vec<Out> {
        let mut out = Vec::new();
        if let Some(m) = self.matcher.as_mut()
            && let Some(miss) = m.feed(&o, &self.seen, self.now)
        {
            self.miss = Some(miss.clone());
            out.push(Out::Miss(miss));
        }
        out.extend(self.check());
        out
    }

    /// Feeds what is ready, in the order it happened: a frame waits for its grace (or its release),
    /// and what came after it waits with it, so that "A before B" holds as it happened. A held frame
    /// steps out of the line until it is released.
    fn drain(&mut self) -> Vec<Out> {
        let mut out = Vec::new();
        loop {
            let ready = match self.line.front() {
                Some(Item::Frame(p)) => p.released || p.at + GRACE <= self.now,
                Some(Item::Event(at, _)) => *at + GRACE <= self.now,
                None => false,
            };
            if !ready {
                break;
            }
            let item = self.line.pop_front();
            self.cursor = item.as_ref().map(Item::at);
            match item {
                Some(Item::Frame(p)) => out.extend(self.arrived(p)),
                // An event from before the step began is not the step's.
                Some(Item::Event(at, e)) if at >= self.started || matches!(e, WorldEvent::BrokerState(_)) => {
                    out.extend(self.judge(&e));
                }
                Some(Item::Event(..)) | None => {}
            }
        }
        self.cursor = None;
        out
    }

    fn arrived(&mut self, p: Pending) -> Vec<Out> {
        if p.at < self.started {
            return Vec::new();
        }
        let name = |w: &str| if w == "broker" { w.to_string() } else { self.seen.name_of(w) };
        let (from, to) = (name(&p.from), name(&p.to));
        self.feed(Obs::Frame { from: &from, to: &to, packet: &p.packet })
    }

    /// Judges an event that is not a frame.
    fn judge(&mut self, e: &WorldEvent) -> Vec<Out> {
        match e {
            WorldEvent::Broker { event, .. } => self.feed(Obs::Broker(event)),
            WorldEvent::Delivered(d) => self.feed(Obs::Delivered(d)),
            WorldEvent::ClientEvent { client, event, .. } => self.feed(Obs::Client { name: client, event }),
            WorldEvent::BrokerState(_) => self.feed(Obs::Subs),
            WorldEvent::Serial { board, line, .. } => self.feed(Obs::Serial { board, line }),
            _ => Vec::new(),
        }
    }

    /// Puts an event in line (or judges it at once when nothing waits before it).
    fn enqueue(&mut self, at: Duration, e: &WorldEvent) -> Vec<Out> {
        self.insert(Item::Event(at, e.clone()));
        Vec::new()
    }

    /// Puts an item in line by the time it happened (after everything no later).
    fn insert(&mut self, item: Item) {
        let at = item.at();
        let pos = self.line.iter().rposition(|i| i.at() <= at).map_or(0, |p| p + 1);
        self.line.insert(pos, item);
    }

    /// One report of the world.
    pub fn observe(&mut self, e: &WorldEvent) -> Vec<Out> {
        use WorldEvent as W;
        let mut out = Vec::new();
        match e {
            W::Frame(f) => {
                self.now = self.now.max(f.at);
                out.extend(self.drain());
                // Each connection's frames are read in the version its CONNECT asked for.
                let version = match self.seen.levels.get(&f.conn) {
                    Some(&v) => v,
                    None => proto::connect_version(&f.bytes).unwrap_or_default(),
                };
                let packet = match proto::decode_slice_v(&f.bytes, proto::frame_version(&f.bytes, version)) {
                    Ok(proto::AnyPacket::V3(p)) => cond::Frame::v3(p),
                    Ok(proto::AnyPacket::V5(p)) => match cond::Frame::v5(p) {
                        Some(f) => f,
                        None => return out,
                    },
                    Err(_) => return out,
                };
                if let Packet::Connect(c) = &packet.packet {
                    self.seen.conns.insert(f.conn, c.client_id.clone());
                    self.seen.levels.insert(f.conn, c.protocol);
                }
                let id = f.client.as_deref().map(str::to_string).or_else(|| self.seen.conns.get(&f.conn).cloned());
                // The client id, named when judged: a real board may take a part in between.
                let who = id.unwrap_or_else(|| format!("#{}", f.conn));
                let (from, to) = match f.dir {
                    Dir::In => (who, "broker".to_string()),
                    Dir::Out => ("broker".to_string(), who),
                };
                self.insert(Item::Frame(Pending { seq: f.seq, at: f.at, released: false, from, to, packet }));
            }
            W::Fate { seq, fate } => {
                let in_line = self.line.iter().position(|i| matches!(i, Item::Frame(p) if p.seq == *seq));
                match (fate, in_line) {
                    (Fate::Held, Some(i)) => {
                        if let Some(Item::Frame(p)) = self.line.remove(i) {
                            self.held.push(p);
                        }
                    }
                    (Fate::Released, _) => {
                        if let Some(i) = self.held.iter().position(|p| p.seq == *seq) {
                            let mut p = self.held.remove(i);
                            p.released = true;
                            self.line.push_back(Item::Frame(p));
                        }
                    }
                    (Fate::Dropped | Fate::Cut, Some(i)) => {
                        self.line.remove(i);
                    }
                    (Fate::Dropped | Fate::Cut, None) => self.held.retain(|p| p.seq != *seq),
                    _ => {}
                }
                out.extend(self.drain());
            }
            W::Broker { at, event } => {
                self.now = self.now.max(*at);
                out.extend(self.drain());
                match event {
                    Event::Connected { conn, client_id, .. } | Event::ConnectRefused { conn, client_id, .. } => {
                        self.seen.conns.insert(*conn, client_id.clone());
                    }
                    _ => {}
                }
                out.extend(self.enqueue(*at, e));
            }
            W::Client(v) => {
                self.seen.ids.insert(v.name.clone(), v.client_id.clone());
            }
            W::Delivered(d) => {
                self.now = self.now.max(d.at);
                out.extend(self.drain());
                out.extend(self.enqueue(d.at, e));
            }
            W::ClientEvent { at, .. } | W::Serial { at, .. } => {
                self.now = self.now.max(*at);
                out.extend(self.drain());
                out.extend(self.enqueue(*at, e));
            }
            W::BrokerState(b) => {
                let subs: Vec<(String, String, QoS)> = b.subscriptions.clone();
                if subs != self.seen.subs {
                    self.seen.subs = subs;
                    let now = self.now;
                    out.extend(self.enqueue(now, e));
                }
            }
            W::CommandDone { at, .. } | W::ClientNote { at, .. } => self.now = self.now.max(*at),
            W::Lost(_) | W::ClientRemoved(_) | W::Held { .. } | W::ResetDone | W::SerialPort { .. } => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::event::WillCause;
    use crate::proto::QoS;

    fn will(at: f64) -> WorldEvent {
        WorldEvent::Broker {
            at: Duration::from_secs_f64(at),
            event: Event::WillPublished {
                client_id: "car".into(),
                topic: "car/status".into(),
                qos: QoS::AtLeastOnce,
                retain: false,
                cause: WillCause::KeepAliveExpired,
            },
        }
    }

    fn got(at: f64) -> WorldEvent {
        WorldEvent::Delivered(Delivered {
            at: Duration::from_secs_f64(at),
            client: "phone".into(),
            topic: "car/status".into(),
            payload: "gone".into(),
            qos: QoS::AtLeastOnce,
            retain: false,
            dup: false,
        })
    }

    fn run() -> Run {
        let yaml = "format_version: 1\nid: \"T-1\"\npart: extra\ntitle: { zh: 测试, en: A test }\ncast: [car, phone]\nsteps:\n  - say: { zh: 等遗嘱。, en: Wait for the will. }\n    expect:\n      sequence:\n        - broker: { event: will_published, client: car }\n        - receives: { client: phone, topic: car/status }\n    solution: [\"car cut\"]\n";
        let l = crate::lesson::parse_lesson("t.yaml", yaml).unwrap_or_else(|e| panic!("{}", e[0]));
        let mut r = Run::new(Arc::new(l));
        let _ = r.start(Duration::from_secs(1));
        r
    }

    /// The broker's decision and the subscriber's receipt travel apart: the receipt may be reported
    /// first. The line puts them back in the order they happened, so a sequence still holds.
    #[test]
    fn events_reported_out_of_order_are_judged_in_the_order_they_happened() {
        let mut r = run();
        let mut out = r.observe(&got(2.002));
        out.extend(r.observe(&will(2.001)));
        assert!(!out.iter().any(|o| matches!(o, Out::Done { .. })), "judged before the grace: {out:?}");
        let out = r.tick(Duration::from_secs_f64(2.5));
        assert!(out.iter().any(|o| matches!(o, Out::Done { index: 0 })), "{out:?}");
    }

    /// Really in the wrong order (the message before the will), the sequence does not hold.
    #[test]
    fn a_sequence_in_the_wrong_order_does_not_hold() {
        let mut r = run();
        let _ = r.observe(&got(2.0));
        let _ = r.observe(&will(2.1));
        let out = r.tick(Duration::from_secs_f64(3.0));
        assert!(!out.iter().any(|o| matches!(o, Out::Done { .. })), "{out:?}");
    }

    /// What happened before the step began does not count for it, even when reported after.
    #[test]
    fn an_event_from_before_the_step_does_not_count() {
        let mut r = run();
        let _ = r.observe(&will(0.5));
        let _ = r.observe(&got(0.6));
        let out = r.tick(Duration::from_secs_f64(2.0));
        assert!(!out.iter().any(|o| matches!(o, Out::Done { .. })), "{out:?}");
    }
}

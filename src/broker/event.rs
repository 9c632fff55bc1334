//! Narration: every decision the broker makes, as a structured event that can say itself in 中文 or
//! English. The headless broker prints them; the TUI and the lessons consume them as values.

use super::ConnId;
use crate::i18n::{Lang, Text, count};
use crate::proto::{ConnectReturnCode, PacketId, Protocol, QoS};
use serde::Serialize;

/// Why a will was published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WillCause {
    KeepAliveExpired,
    ConnectionLost,
    ProtocolError,
    /// A new connection with the same client id closed this one.
    TakenOver,
    /// 5.0: the client's DISCONNECT had reason code 0x04, "disconnect with will message".
    Requested,
    /// 5.0: its Will Delay Interval ran out (or its session ended) after the connection was lost.
    Delayed,
}

/// Why a SUBSCRIBE's filter got return code 0x80.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SubscribeRefusal {
    /// Not a valid topic filter; `rule` is the conformance statement it breaks.
    InvalidFilter { rule: &'static str },
    /// The ACL does not allow it.
    NotAuthorized,
    /// The filter has more levels than the broker keeps.
    TooManyLevels { levels: usize, limit: usize },
    /// The session already holds as many subscriptions as the broker allows one client.
    TooManySubscriptions { limit: usize },
}

/// Why a PUBLISH was taken but not routed (MQTT 3.1.1 has no way to say so to the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PublishRefusal {
    /// The ACL does not allow this client to publish there.
    NotAuthorized,
    /// `$SYS/...` topics are the broker's own.
    SysTopic,
}

/// The longest topic or filter an event keeps; longer ones are cut (narration is for people, and a
/// 65,535-byte topic in every line would only fill memory).
pub const CLIP: usize = 256;

/// `s`, or its first [`CLIP`] bytes (at a character boundary) and how long it was.
pub fn clip(s: &str) -> String {
    if s.len() <= CLIP {
        return s.to_string();
    }
    let mut end = CLIP;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…({} bytes)", &s[..end], s.len())
}

/// What a PUBLISH did to the retained store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RetainAction {
    None,
    Stored,
    Cleared,
    /// RETAIN was set but the message was not stored: the broker's storage budget is spent.
    Refused,
}

/// One delivery of a routed message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub client_id: String,
    pub qos: QoS,
    /// The subscription's granted QoS was lower than the message's.
    pub downgraded: bool,
    /// The client was offline (or its inflight window full): the message waits in its queue.
    pub queued: bool,
    /// The message was not kept: the client was offline at QoS 0, its queue was full, or the
    /// broker's storage budget was spent (`budget`).
    pub dropped: bool,
    /// The client was not connected.
    pub offline: bool,
    /// Dropped because the broker already holds as many bytes of messages as it may
    /// (--max-stored-bytes), not because of this client's queue.
    pub budget: bool,
}

/// A broker decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event")]
pub enum Event {
    Listening {
        addr: String,
    },
    Connected {
        conn: ConnId,
        client_id: String,
        protocol: Protocol,
        clean_session: bool,
        keep_alive: u16,
        session_present: bool,
        assigned_id: bool,
    },
    ConnectRefused {
        conn: ConnId,
        client_id: String,
        code: ConnectReturnCode,
        reason: Text,
    },
    TakenOver {
        client_id: String,
        old_conn: ConnId,
        new_conn: ConnId,
    },
    SessionResumed {
        client_id: String,
        subscriptions: usize,
        resent: usize,
        queued: usize,
    },
    SessionKept {
        client_id: String,
        subscriptions: usize,
        queued: usize,
    },
    SessionDiscarded {
        client_id: String,
    },
    Disconnected {
        conn: ConnId,
        client_id: String,
    },
    ConnectionLost {
        conn: ConnId,
        client_id: Option<String>,
    },
    KeepAliveExpired {
        conn: ConnId,
        client_id: String,
        keep_alive: u16,
        idle_ms: u64,
    },
    ConnectTimeout {
        conn: ConnId,
    },
    ProtocolError {
        conn: ConnId,
        client_id: Option<String>,
        message: Text,
        rule: Option<String>,
    },
    WillPublished {
        client_id: String,
        topic: String,
        qos: QoS,
        retain: bool,
        cause: WillCause,
    },
    WillDiscarded {
        client_id: String,
    },
    /// 5.0: the will waits `delay` seconds (or for the session's end) before it is published.
    WillDelayed {
        client_id: String,
        topic: String,
        delay: u32,
        cause: WillCause,
    },
    /// 5.0: the client came back within its will's delay: the will is not published.
    WillCancelled {
        client_id: String,
    },
    /// 5.0: what CONNACK agreed beyond 3.1.1 (a session that outlives its connection, the broker's
    /// keep alive).
    Agreed5 {
        client_id: String,
        /// Seconds; `u32::MAX` never expires.
        session_expiry: u32,
        keep_alive: Option<u16>,
    },
    /// 5.0: a disconnected session's expiry interval passed: it is gone.
    SessionExpired {
        client_id: String,
        after: u32,
    },
    /// 5.0: a topic alias now stands for a topic on one connection (`inbound`: set by the client,
    /// otherwise by the broker towards it).
    AliasSet {
        client_id: String,
        alias: u16,
        topic: String,
        inbound: bool,
    },
    /// 5.0: a message's expiry interval passed while it waited for this client: not delivered.
    MessageExpired {
        client_id: String,
        topic: String,
        after: u32,
    },
    /// 5.0: a message is larger than the client's Maximum Packet Size: not sent to it.
    TooLargeForClient {
        client_id: String,
        topic: String,
        size: usize,
        max: u32,
    },
    /// 5.0: one message of a shared subscription went to one member of its group.
    SharedDelivered {
        group: String,
        filter: String,
        topic: String,
        from: String,
        to: String,
        others: Vec<String>,
    },
    Subscribed {
        client_id: String,
        filter: String,
        requested: QoS,
        granted: QoS,
        retained: usize,
    },
    SubscribeRefused {
        client_id: String,
        filter: String,
        reason: SubscribeRefusal,
    },
    Unsubscribed {
        client_id: String,
        filter: String,
        existed: bool,
    },
    Routed {
        from: String,
        topic: String,
        qos: QoS,
        retain: RetainAction,
        deliveries: Vec<Delivery>,
        bytes: usize,
    },
    PublishRefused {
        client_id: String,
        topic: String,
        reason: PublishRefusal,
    },
    DuplicateQos2 {
        client_id: String,
        pid: PacketId,
    },
    QueueFull {
        client_id: String,
        topic: String,
        limit: usize,
        /// The client was offline (otherwise connected, but its inflight window was full).
        offline: bool,
        /// The broker's storage budget (`limit` bytes, --max-stored-bytes) was spent, not the
        /// client's queue (`limit` messages).
        budget: bool,
    },
    Resent {
        client_id: String,
        pid: PacketId,
        pubrel: bool,
    },
    TooManyConnections {
        conn: ConnId,
        limit: usize,
    },
    /// A CONNECT needed a new session but the broker keeps as many as it allows.
    TooManySessions {
        conn: ConnId,
        limit: usize,
    },
    /// The operating system refused a new connection (e.g. out of file descriptors).
    AcceptFailed {
        error: String,
    },
    /// A client reads so slowly that `buffered` bytes wait for it: QoS 0 messages to it are dropped
    /// until it catches up.
    SlowConsumer {
        client_id: String,
        buffered: usize,
    },
    /// A client's messages wait unsent (it reads slowly, or its queue is long): the publisher is
    /// not read from until the client catches up, so that nothing is dropped.
    Throttled {
        publisher: String,
        behind: String,
    },
    /// The CONNECT of a client from another machine was accepted (said by the runtime, which knows
    /// the peer's address): `from` is its IP address, `lan` whether that is on the local network.
    DeviceJoined {
        conn: ConnId,
        client_id: String,
        from: String,
        lan: bool,
    },
}

fn qos_list(lang: Lang, ds: &[Delivery]) -> String {
    let parts: Vec<String> = ds
        .iter()
        .map(|d| {
            let (c, q) = (&d.client_id, d.qos.as_u8());
            let down = match (lang, d.downgraded) {
                (_, false) => "",
                (Lang::Zh, true) => "按订阅降级，",
                (Lang::En, true) => "downgraded by its subscription, ",
            };
            match (lang, d.dropped, d.queued, d.offline) {
                (Lang::Zh, true, _, true) if q == 0 => {
                    format!("{c}（QoS 0，{down}离线：本服务端不为离线客户端保存 QoS 0 消息，已丢弃）")
                }
                (Lang::En, true, _, true) if q == 0 => {
                    format!(
                        "{c} (QoS 0, {down}offline: this broker keeps no QoS 0 messages for offline clients, dropped)"
                    )
                }
                (Lang::Zh, true, _, _) if d.budget => {
                    format!("{c}（QoS {q}，{down}服务端保存的消息已达上限 --max-stored-bytes，已丢弃）")
                }
                (Lang::En, true, _, _) if d.budget => {
                    format!("{c} (QoS {q}, {down}the broker's storage is full, --max-stored-bytes: dropped)")
                }
                (Lang::Zh, true, _, true) => format!("{c}（QoS {q}，{down}离线且队列已满，已丢弃）"),
                (Lang::En, true, _, true) => format!("{c} (QoS {q}, {down}offline and its queue is full: dropped)"),
                (Lang::Zh, true, _, false) => format!("{c}（QoS {q}，{down}在途窗口和队列都满了，已丢弃）"),
                (Lang::En, true, _, false) => {
                    format!("{c} (QoS {q}, {down}its inflight window and queue are full: dropped)")
                }
                (Lang::Zh, false, true, true) => format!("{c}（QoS {q}，{down}离线，排队等它回来）"),
                (Lang::En, false, true, true) => format!("{c} (QoS {q}, {down}offline: queued until it returns)"),
                (Lang::Zh, false, true, false) => format!("{c}（QoS {q}，{down}在途窗口已满，排队等待）"),
                (Lang::En, false, true, false) => format!("{c} (QoS {q}, {down}its inflight window is full: queued)"),
                (Lang::Zh, false, false, _) if d.downgraded => format!("{c}（按订阅降为 QoS {q}）"),
                (Lang::En, false, false, _) if d.downgraded => format!("{c} (QoS {q}, downgraded by its subscription)"),
                (_, false, false, _) => format!("{c} (QoS {q})"),
            }
        })
        .collect();
    match (lang, parts.len()) {
        (_, 0) => String::new(),
        (_, 1) => parts[0].clone(),
        (Lang::Zh, n) => crate::i18n::zh_concat(&[&parts[..n - 1].join("、"), "和", &parts[n - 1]]),
        (Lang::En, n) => format!("{} and {}", parts[..n - 1].join(", "), parts[n - 1]),
    }
}

impl Event {
    /// Whether this is a per-message decision (printed only with `-v`).
    pub fn is_message_level(&self) -> bool {
        matches!(
            self,
            Event::Routed { .. } | Event::DuplicateQos2 { .. } | Event::Resent { .. } | Event::QueueFull { .. }
        )
    }

    /// The event in words.
    pub fn text(&self, lang: Lang) -> String {
        use Event::*;
        let zh = lang.is_zh();
        let yn = |b: bool| if b { "1" } else { "0" };
        match self {
            Listening { addr } => {
                if zh {
                    format!("服务端正在监听 {addr}")
                } else {
                    format!("broker listening on {addr}")
                }
            }
            Connected { client_id, protocol, clean_session, keep_alive, session_present, assigned_id, .. } => {
                let assigned = match (assigned_id, zh) {
                    (true, true) => "（客户端ID为空，服务端分配）",
                    (true, false) => " (empty client id: assigned by the broker)",
                    _ => "",
                };
                let sp = match (*protocol == Protocol::V31, *session_present, *clean_session, zh) {
                    (true, _, _, true) => "（MQTT 3.1 的 CONNACK 没有会话存在标志）",
                    (true, _, _, false) => " (MQTT 3.1's CONNACK has no session present flag)",
                    (false, true, _, true) => "，会话存在=1：订阅还在",
                    (false, true, _, false) => ", session present=1: its subscriptions are kept",
                    (false, false, true, true) => "，会话存在=0：要重新订阅",
                    (false, false, true, false) => ", session present=0: it must subscribe again",
                    (false, false, false, true) => "，会话存在=0（没有保存的会话）：要重新订阅",
                    (false, false, false, false) => ", session present=0 (no stored session): it must subscribe again",
                };
                if zh {
                    format!(
                        "{client_id}{assigned} 已连接（MQTT {}，清除会话={}，心跳 {keep_alive} 秒）→ CONNACK 0{sp}",
                        protocol.label(),
                        yn(*clean_session),
                    )
                } else {
                    format!(
                        "{client_id}{assigned} connected (MQTT {}, clean session={}, keep alive {keep_alive} s) → CONNACK 0{sp}",
                        protocol.label(),
                        yn(*clean_session),
                    )
                }
            }
            ConnectRefused { conn, client_id, code, reason } => {
                let c = *code as u8;
                let who = match (client_id.is_empty(), zh) {
                    (true, true) => format!("连接 #{conn}"),
                    (true, false) => format!("connection #{conn}"),
                    (false, _) => format!("{client_id:?}"),
                };
                if zh {
                    format!("拒绝 {who} 的连接：CONNACK {c}（{}）—— {}", code.describe(lang), reason.zh)
                } else {
                    format!("refused {who}: CONNACK {c} ({}) — {}", code.describe(lang), reason.en)
                }
            }
            TakenOver { client_id, old_conn, new_conn } => {
                if zh {
                    format!(
                        "{client_id} 在新连接 #{new_conn} 上再次连接：断开旧连接 #{old_conn}（同一客户端ID只能有一个连接）"
                    )
                } else {
                    format!(
                        "{client_id} connected again on #{new_conn}: the old connection #{old_conn} is closed (one connection per client id)"
                    )
                }
            }
            SessionResumed { client_id, subscriptions, resent, queued } => {
                if zh {
                    format!(
                        "{client_id} 恢复了保存的会话：{subscriptions} 个订阅，重发 {resent} 条未确认消息，投递 {queued} 条离线消息"
                    )
                } else {
                    format!(
                        "{client_id} resumed its stored session: {}, {} resent, {} delivered",
                        count(*subscriptions, "subscription"),
                        count(*resent, "unacknowledged message"),
                        count(*queued, "queued message"),
                    )
                }
            }
            SessionKept { client_id, subscriptions, queued } => {
                if zh {
                    format!("{client_id} 的持久会话被保留（{subscriptions} 个订阅，{queued} 条排队消息），等它回来")
                } else {
                    format!(
                        "{client_id}'s persistent session is kept ({}, {}) until it returns",
                        count(*subscriptions, "subscription"),
                        count(*queued, "queued message"),
                    )
                }
            }
            SessionDiscarded { client_id } => {
                if zh {
                    format!("{client_id} 的会话已清除（清除会话=1）")
                } else {
                    format!("{client_id}'s session is discarded (clean session=1)")
                }
            }
            Disconnected { client_id, .. } => {
                if zh {
                    format!("{client_id} 发送 DISCONNECT 正常断开")
                } else {
                    format!("{client_id} sent DISCONNECT and left normally")
                }
            }
            ConnectionLost { conn, client_id } => match (client_id, zh) {
                (Some(c), true) => format!("{c} 的连接断开了，没有收到 DISCONNECT"),
                (Some(c), false) => format!("{c}'s connection closed without DISCONNECT"),
                (None, true) => format!("连接 #{conn} 在 CONNECT 之前断开"),
                (None, false) => format!("connection #{conn} closed before CONNECT"),
            },
            KeepAliveExpired { client_id, keep_alive, idle_ms, .. } => {
                let limit = *keep_alive as f64 * 1.5;
                if zh {
                    format!(
                        "{client_id} 已 {:.1} 秒没有任何报文（心跳 {keep_alive} 秒 × 1.5 = {limit:.1} 秒）：服务端断开它",
                        *idle_ms as f64 / 1000.0
                    )
                } else {
                    format!(
                        "nothing from {client_id} for {:.1} s (keep alive {keep_alive} s × 1.5 = {limit:.1} s): the broker closes it",
                        *idle_ms as f64 / 1000.0
                    )
                }
            }
            ConnectTimeout { conn } => {
                if zh {
                    format!("连接 #{conn} 迟迟不发 CONNECT：关闭")
                } else {
                    format!("connection #{conn} sent no CONNECT in time: closed")
                }
            }
            ProtocolError { conn, client_id, message, .. } => {
                let who = client_id.clone().unwrap_or_else(|| format!("#{conn}"));
                if zh {
                    format!("{who} 违反协议：{} → 断开连接", message.zh)
                } else {
                    format!("{who} broke the protocol: {} → connection closed", message.en)
                }
            }
            WillPublished { client_id, topic, qos, retain, cause } => {
                let why = match (cause, zh) {
                    (WillCause::KeepAliveExpired, true) => "心跳超时",
                    (WillCause::KeepAliveExpired, false) => "keep alive expired",
                    (WillCause::ConnectionLost, true) => "连接意外断开",
                    (WillCause::ConnectionLost, false) => "connection lost",
                    (WillCause::ProtocolError, true) => "协议错误",
                    (WillCause::ProtocolError, false) => "protocol error",
                    (WillCause::TakenOver, true) => "被同一客户端ID的新连接顶替",
                    (WillCause::TakenOver, false) => "taken over by a new connection with the same client id",
                    (WillCause::Requested, true) => "发送了原因码 0x04 的 DISCONNECT（断开并发布遗嘱）",
                    (WillCause::Requested, false) => "sent DISCONNECT 0x04 (disconnect with will message)",
                    (WillCause::Delayed, true) => "遗嘱延迟到期（或会话结束）",
                    (WillCause::Delayed, false) => "its will delay ran out (or its session ended)",
                };
                let q = qos.as_u8();
                if zh {
                    format!(
                        "{client_id} {why}：服务端替它发布遗嘱到 {topic}（QoS {q}{}）",
                        if *retain { "，作为保留消息" } else { "" }
                    )
                } else {
                    format!(
                        "{client_id}: {why} — the broker publishes its will to {topic} (QoS {q}{})",
                        if *retain { ", retained" } else { "" }
                    )
                }
            }
            WillDiscarded { client_id } => {
                if zh {
                    format!("{client_id} 的遗嘱已丢弃：它发送了 DISCONNECT，正常断开不发布遗嘱")
                } else {
                    format!(
                        "{client_id}'s will is discarded: it sent DISCONNECT, and a normal goodbye publishes no will"
                    )
                }
            }
            WillDelayed { client_id, topic, delay, .. } => {
                if zh {
                    format!(
                        "{client_id} 的连接异常结束：遗嘱（{topic}）等 {delay} 秒（遗嘱延迟间隔）再发布，它在这之前回来就不发 [MQTT-3.1.3-9]"
                    )
                } else {
                    format!(
                        "{client_id}'s connection ended abnormally: its will ({topic}) waits {delay} s (Will Delay Interval) and is not published if it comes back first [MQTT-3.1.3-9]"
                    )
                }
            }
            WillCancelled { client_id } => {
                if zh {
                    format!("{client_id} 在遗嘱延迟内重新连上了：遗嘱不发布 [MQTT-3.1.3-9]")
                } else {
                    format!("{client_id} reconnected within its will delay: the will is not published [MQTT-3.1.3-9]")
                }
            }
            Agreed5 { client_id, session_expiry, keep_alive } => {
                let expiry = match (*session_expiry, zh) {
                    (0, true) => "会话随连接结束".to_string(),
                    (0, false) => "the session ends with the connection".to_string(),
                    (u32::MAX, true) => "会话永不过期".to_string(),
                    (u32::MAX, false) => "the session never expires".to_string(),
                    (n, true) => format!("断开后会话保留 {n} 秒（会话过期间隔）"),
                    (n, false) => format!("the session is kept {n} s after a disconnect (Session Expiry Interval)"),
                };
                let ka = match (keep_alive, zh) {
                    (None, _) => String::new(),
                    (Some(k), true) => format!("；服务端规定心跳 {k} 秒（服务端保持连接）[MQTT-3.2.2-21]"),
                    (Some(k), false) => {
                        format!("; the broker sets keep alive to {k} s (Server Keep Alive) [MQTT-3.2.2-21]")
                    }
                };
                if zh {
                    format!("{client_id}（MQTT 5）：{expiry}{ka}")
                } else {
                    format!("{client_id} (MQTT 5): {expiry}{ka}")
                }
            }
            SessionExpired { client_id, after } => {
                if zh {
                    format!("{client_id} 的会话断开 {after} 秒后过期：订阅和排队的消息都删除了 [MQTT-4.1.0-2]")
                } else {
                    format!(
                        "{client_id}'s session expired {after} s after it disconnected: its subscriptions and queued messages are gone [MQTT-4.1.0-2]"
                    )
                }
            }
            AliasSet { client_id, alias, topic, inbound } => match (inbound, zh) {
                (true, true) => format!("{client_id} 设定主题别名 {alias} = {topic}：以后它只发别名"),
                (true, false) => {
                    format!("alias {alias} now means {topic} from {client_id}: it may send the alias alone")
                }
                (false, true) => format!("服务端发给 {client_id} 的主题别名 {alias} 现在代表 {topic}"),
                (false, false) => format!("alias {alias} now means {topic} for {client_id}"),
            },
            MessageExpired { client_id, topic, after } => {
                if zh {
                    format!(
                        "发给 {client_id} 的 {topic} 消息在队列里等了超过 {after} 秒，已过期：不再投递 [MQTT-3.3.2-5]"
                    )
                } else {
                    format!(
                        "message {topic} for {client_id} expired after {after} s in the queue: not delivered [MQTT-3.3.2-5]"
                    )
                }
            }
            TooLargeForClient { client_id, topic, size, max } => {
                if zh {
                    format!(
                        "{topic} 的消息有 {size} 字节，超过了 {client_id} 的最大报文长度 {max}：不发给它 [MQTT-3.1.2-24]"
                    )
                } else {
                    format!(
                        "message {topic} is {size} bytes, more than {client_id}'s Maximum Packet Size {max}: not sent to it [MQTT-3.1.2-24]"
                    )
                }
            }
            SharedDelivered { group, topic, to, others, .. } => {
                let not = others.join(if zh { "、" } else { ", " });
                match (others.is_empty(), zh) {
                    (true, true) => format!("共享组 {group}：{topic} 投递给 {to}（组里只有它）"),
                    (true, false) => format!("shared group {group}: {topic} delivered to {to} (its only member)"),
                    (false, true) => format!("共享组 {group}：{topic} 投递给 {to}，不给 {not}"),
                    (false, false) => format!("shared group {group}: {topic} delivered to {to}, not {not}"),
                }
            }
            Subscribed { client_id, filter, requested, granted, retained } => {
                let (r, g) = (requested.as_u8(), granted.as_u8());
                let replay = match (retained, zh) {
                    (0, _) => String::new(),
                    (n, true) => format!("；重放 {n} 条保留消息（RETAIN=1）"),
                    (n, false) => format!("; {} replayed (RETAIN=1)", count(*n, "retained message")),
                };
                if zh {
                    format!(
                        "{client_id} 订阅 {filter}（请求 QoS {r}）→ SUBACK 授予 QoS {g}，消息按发布 QoS 与 {g} 中较小的投递{replay}"
                    )
                } else {
                    format!(
                        "{client_id} subscribed to {filter} (asked QoS {r}) → SUBACK granted QoS {g}; messages come at min(published QoS, {g}){replay}"
                    )
                }
            }
            SubscribeRefused { client_id, filter, reason } => {
                let why = match (reason, zh) {
                    (SubscribeRefusal::NotAuthorized, true) => "ACL 不允许".to_string(),
                    (SubscribeRefusal::NotAuthorized, false) => "not allowed by the ACL".to_string(),
                    (SubscribeRefusal::InvalidFilter { rule }, true) => format!("主题过滤器不合法 [{rule}]"),
                    (SubscribeRefusal::InvalidFilter { rule }, false) => format!("invalid topic filter [{rule}]"),
                    (SubscribeRefusal::TooManyLevels { levels, limit }, true) => {
                        format!("主题过滤器有 {levels} 级，本服务端最多保存 {limit} 级（--max-topic-levels）")
                    }
                    (SubscribeRefusal::TooManyLevels { levels, limit }, false) => {
                        format!(
                            "the filter has {levels} levels; this broker keeps at most {limit} (--max-topic-levels)"
                        )
                    }
                    (SubscribeRefusal::TooManySubscriptions { limit }, true) => {
                        format!("它已有 {limit} 个订阅，达到每个客户端的上限（--max-subscriptions）")
                    }
                    (SubscribeRefusal::TooManySubscriptions { limit }, false) => {
                        format!("it already holds {limit} subscriptions, the limit per client (--max-subscriptions)")
                    }
                };
                if zh {
                    format!("{client_id} 订阅 {filter} 失败：{why} → SUBACK 0x80")
                } else {
                    format!("{client_id} cannot subscribe to {filter}: {why} → SUBACK 0x80")
                }
            }
            Unsubscribed { client_id, filter, existed } => match (existed, zh) {
                (true, true) => format!("{client_id} 取消订阅 {filter} → UNSUBACK"),
                (true, false) => format!("{client_id} unsubscribed from {filter} → UNSUBACK"),
                (false, true) => {
                    format!("{client_id} 取消订阅 {filter}，但它并没有这个订阅（逐字比较）→ 仍回 UNSUBACK")
                }
                (false, false) => format!(
                    "{client_id} unsubscribed from {filter} but had no such subscription (compared letter by letter) → UNSUBACK all the same"
                ),
            },
            Routed { from, topic, qos, retain, deliveries, .. } => {
                let q = qos.as_u8();
                let to = qos_list(lang, deliveries);
                let mut s = match (zh, deliveries.is_empty()) {
                    (true, true) => format!("{from} 发布 {topic} (QoS {q}) → 没有订阅者"),
                    (true, false) => format!("{from} 发布 {topic} (QoS {q}) → 投递给 {to}"),
                    (false, true) => format!("{from} published {topic} (QoS {q}) → no subscribers"),
                    (false, false) => format!("{from} published {topic} (QoS {q}) → delivered to {to}"),
                };
                match (retain, zh) {
                    (RetainAction::Stored, true) => s.push_str("；存为该主题的保留消息，留给新订阅者（每个主题一条）"),
                    (RetainAction::Stored, false) => {
                        s.push_str("; kept as the topic's retained message for new subscribers (one per topic)")
                    }
                    (RetainAction::Cleared, true) => s.push_str("；空消息且 RETAIN=1：该主题的保留消息被清除"),
                    (RetainAction::Cleared, false) => {
                        s.push_str("; empty payload with RETAIN=1: the topic's retained message is cleared")
                    }
                    (RetainAction::Refused, true) => {
                        s.push_str("；服务端保存的消息已达上限（--max-stored-bytes），这条没有作为保留消息存储")
                    }
                    (RetainAction::Refused, false) => s.push_str(
                        "; not stored as the retained message: the broker's storage is full (--max-stored-bytes)",
                    ),
                    (RetainAction::None, _) => {}
                }
                s
            }
            PublishRefused { client_id, topic, reason } => match (reason, zh) {
                (PublishRefusal::NotAuthorized, true) => {
                    format!(
                        "{client_id} 无权发布到 {topic}：消息被丢弃（MQTT 3.1.1 没有发布失败的返回码，QoS 1/2 仍照常确认）"
                    )
                }
                (PublishRefusal::NotAuthorized, false) => format!(
                    "{client_id} may not publish to {topic}: the message is dropped (MQTT 3.1.1 has no return code for a refused PUBLISH; QoS 1/2 are still acknowledged)"
                ),
                (PublishRefusal::SysTopic, true) => {
                    format!("{client_id} 发布到 {topic}：$SYS/ 主题属于服务端自己，客户端的消息被丢弃")
                }
                (PublishRefusal::SysTopic, false) => format!(
                    "{client_id} published to {topic}: $SYS/ topics belong to the broker, so a client's message there is dropped"
                ),
            },
            DuplicateQos2 { client_id, pid } => {
                if zh {
                    format!("{client_id} 重发了 QoS 2 的 PUBLISH id={pid}（还没收到 PUBREL）：只回 PUBREC，不再次投递")
                } else {
                    format!(
                        "{client_id} sent QoS 2 PUBLISH id={pid} again before PUBREL: PUBREC again, not delivered twice"
                    )
                }
            }
            QueueFull { client_id, topic, limit, budget: true, .. } => {
                let mib = limit / (1024 * 1024);
                if zh {
                    format!(
                        "服务端为所有会话和保留消息保存的消息已达上限（{mib} MiB，--max-stored-bytes）：发给 {client_id} 的 {topic} 消息没有保存，被丢弃"
                    )
                } else {
                    format!(
                        "the broker already holds {mib} MiB of messages for all sessions and retained topics (--max-stored-bytes): the message on {topic} for {client_id} is not kept, it is dropped"
                    )
                }
            }
            QueueFull { client_id, topic, limit, offline, .. } => match (offline, zh) {
                (true, true) => {
                    format!("{client_id} 离线，它的队列已满（{limit} 条，--max-queued）：{topic} 的这条消息被丢弃")
                }
                (true, false) => format!(
                    "{client_id} is offline and its queue is full ({}, --max-queued): the message on {topic} is dropped",
                    count(*limit, "message")
                ),
                (false, true) => format!(
                    "{client_id} 的在途窗口和队列都满了（队列 {limit} 条，--max-queued），它确认得太慢或不再确认：{topic} 的这条消息被丢弃"
                ),
                (false, false) => format!(
                    "{client_id}'s inflight window and queue are full (queue: {}, --max-queued); it acknowledges too slowly or not at all: the message on {topic} is dropped",
                    count(*limit, "message")
                ),
            },
            Resent { client_id, pid, pubrel } => match (pubrel, zh) {
                (false, true) => format!("向 {client_id} 重发未确认的 PUBLISH id={pid}（DUP=1）"),
                (false, false) => format!("resending unacknowledged PUBLISH id={pid} to {client_id} (DUP=1)"),
                (true, true) => format!("向 {client_id} 重发 PUBREL id={pid}"),
                (true, false) => format!("resending PUBREL id={pid} to {client_id}"),
            },
            SlowConsumer { client_id, buffered } => {
                let kib = buffered / 1024;
                if zh {
                    format!(
                        "{client_id} 停止读取了（{kib} KiB 未发出）：在它赶上之前，发给它的 QoS 0 消息被丢弃；发布者不再为它等待"
                    )
                } else {
                    format!(
                        "{client_id} has stopped reading ({kib} KiB unsent): QoS 0 messages to it are dropped until it catches up, and publishers no longer wait for it"
                    )
                }
            }
            Throttled { publisher, behind } => {
                if zh {
                    format!("{behind} 跟不上了：暂停读取 {publisher} 的报文，等 {behind} 赶上，这样不会丢消息")
                } else {
                    format!(
                        "{behind} is behind: {publisher} is not read from until {behind} catches up, so nothing is lost"
                    )
                }
            }
            DeviceJoined { client_id, from, lan, .. } => match (lan, zh) {
                (true, true) => format!("局域网里的设备加入了：{client_id}，来自 {from}"),
                (true, false) => format!("a device on the LAN joined: {client_id} from {from}"),
                (false, true) => format!("另一个网络的设备加入了：{client_id}，来自 {from}"),
                (false, false) => format!("a device from another network joined: {client_id} from {from}"),
            },
            AcceptFailed { error } => {
                if zh {
                    format!("无法接受新连接：{error}（文件描述符用完了？试试 ulimit -n）")
                } else {
                    format!("cannot accept a new connection: {error} (out of file descriptors? try ulimit -n)")
                }
            }
            TooManySessions { limit, .. } => {
                if zh {
                    format!("会话数已达上限 {limit}（--max-sessions，含保留着的持久会话）：CONNACK 3（服务端不可用）")
                } else {
                    format!(
                        "session limit of {limit} reached (--max-sessions, kept persistent sessions included): CONNACK 3 (server unavailable)"
                    )
                }
            }
            TooManyConnections { limit, .. } => {
                if zh {
                    format!("连接数已达上限 {limit}：CONNACK 3（服务端不可用）")
                } else {
                    format!("connection limit of {limit} reached: CONNACK 3 (server unavailable)")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routed_reads_like_the_tutorial() {
        let e = Event::Routed {
            from: "car".into(),
            topic: "car/speed".into(),
            qos: QoS::AtLeastOnce,
            retain: RetainAction::Stored,
            deliveries: vec![
                Delivery {
                    client_id: "phone".into(),
                    qos: QoS::AtLeastOnce,
                    downgraded: false,
                    queued: false,
                    dropped: false,
                    offline: false,
                    budget: false,
                },
                Delivery {
                    client_id: "computer".into(),
                    qos: QoS::AtMostOnce,
                    downgraded: true,
                    queued: false,
                    dropped: false,
                    offline: false,
                    budget: false,
                },
            ],
            bytes: 2,
        };
        assert_eq!(
            e.text(Lang::Zh),
            "car 发布 car/speed (QoS 1) → 投递给 phone (QoS 1) 和 computer（按订阅降为 QoS 0）；存为该主题的保留消息，留给新订阅者（每个主题一条）"
        );
        assert!(
            e.text(Lang::En).starts_with("car published car/speed (QoS 1) → delivered to phone (QoS 1) and computer")
        );
    }
}

//! Narration of the client: every decision it makes (and every message it receives) as a structured
//! event that can say itself in 中文 or English. The lab's panes and lessons consume them as values.
//! Pure: it must not depend on tokio, a terminal, the broker or the runtime.

use crate::i18n::{Lang, count};
use crate::proto::{ConnectReturnCode, PacketId, PacketType, QoS, ReasonCode, ReasonPacket};
use bytes::Bytes;
use serde::Serialize;
use std::time::Duration;

/// Why an incoming packet was dropped without being processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DropReason {
    /// It does not fit the client's packet buffer (PubSubClient: 256 bytes).
    TooLarge { size: usize, max: usize },
    /// It arrived while the client had no connection.
    NotConnected,
}

/// Why the client's session state was thrown away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DiscardCause {
    /// Clean session = 1: the session lasts as long as the connection.
    CleanSession,
    /// CONNACK said session present = 0: the server has no session to continue.
    NoSessionOnServer,
    /// The options now name another client id (or another protocol version).
    NewClientId,
    /// 5.0 Clean Start = 1: the broker starts a new session.
    CleanStart,
    /// 5.0 with a Session Expiry Interval of 0: the session ends with the connection.
    SessionExpiryZero,
}

/// Which silence made the client send PINGREQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Silence {
    /// Nothing was sent for the keep alive.
    Outbound,
    /// Nothing was received for the keep alive (PubSubClient also pings then).
    Inbound,
}

/// How the server broke the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Violation {
    /// The first packet from the server was not CONNACK.
    NotConnAckFirst,
    /// A CONNACK on a connection that already had one.
    SecondConnAck,
    /// A packet only clients send (CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT).
    ClientOnlyPacket,
    /// Session present = 1 in answer to clean session = 1.
    SessionPresentWithCleanSession,
    /// A SUBACK whose return codes do not match the SUBSCRIBE's filters one to one.
    SubAckCodeCount { filters: usize, codes: usize },
    /// 5.0: an UNSUBACK whose reason codes do not match the UNSUBSCRIBE's filters one to one.
    UnsubAckCodeCount { filters: usize, codes: usize },
    /// 5.0: a PUBLISH with an empty topic name and a Topic Alias the broker never set.
    UnknownTopicAlias { alias: u16 },
    /// 5.0: a Topic Alias above the Topic Alias Maximum this client's CONNECT allowed.
    TopicAliasTooLarge { alias: u16, max: u16 },
    /// 5.0: a packet larger than the Maximum Packet Size this client's CONNECT allowed.
    PacketTooLarge { size: usize, max: usize },
}

impl Violation {
    /// The conformance statement of MQTT 3.1.1 it breaks.
    pub fn rule(self) -> Option<&'static str> {
        match self {
            Violation::NotConnAckFirst => Some("MQTT-3.2.0-1"),
            Violation::SecondConnAck => None,
            Violation::ClientOnlyPacket => Some("MQTT-4.8.0-1"),
            Violation::SessionPresentWithCleanSession => Some("MQTT-3.2.2-1"),
            Violation::SubAckCodeCount { .. } => Some("MQTT-3.8.4-5"),
            Violation::UnsubAckCodeCount { .. } => Some("MQTT-3.11.3-2"),
            Violation::UnknownTopicAlias { .. } => Some("§3.3.2.3.4"),
            Violation::TopicAliasTooLarge { .. } => Some("§3.3.2.3.4"),
            Violation::PacketTooLarge { .. } => Some("§3.1.2.11.4"),
        }
    }

    /// The reason code a 5.0 client's DISCONNECT gives for it.
    pub fn reason(self) -> ReasonCode {
        match self {
            Violation::TopicAliasTooLarge { .. } => ReasonCode::TopicAliasInvalid,
            Violation::PacketTooLarge { .. } => ReasonCode::PacketTooLarge,
            _ => ReasonCode::ProtocolError,
        }
    }

    fn text(self, packet: PacketType, zh: bool) -> String {
        let name = packet.name();
        match (self, zh) {
            (Violation::NotConnAckFirst, true) => format!("服务端的第一个报文必须是 CONNACK，却收到了 {name}"),
            (Violation::NotConnAckFirst, false) => format!("the server's first packet must be CONNACK, not {name}"),
            (Violation::SecondConnAck, true) => "同一连接上第二次收到 CONNACK".into(),
            (Violation::SecondConnAck, false) => "a second CONNACK on one connection".into(),
            (Violation::ClientOnlyPacket, true) => format!("{name} 只能由客户端发送"),
            (Violation::ClientOnlyPacket, false) => format!("{name} is sent only by a client"),
            (Violation::SessionPresentWithCleanSession, true) => "清除会话=1 时服务端必须回答会话存在=0".into(),
            (Violation::SessionPresentWithCleanSession, false) => {
                "session present=1 in answer to clean session=1".into()
            }
            (Violation::SubAckCodeCount { filters, codes }, true) => {
                format!("SUBSCRIBE 有 {filters} 个过滤器，SUBACK 却有 {codes} 个返回码")
            }
            (Violation::SubAckCodeCount { filters, codes }, false) => {
                format!("{codes} return codes in SUBACK for {filters} filters in SUBSCRIBE")
            }
            (Violation::UnsubAckCodeCount { filters, codes }, true) => {
                format!("UNSUBSCRIBE 有 {filters} 个过滤器，UNSUBACK 却有 {codes} 个原因码")
            }
            (Violation::UnsubAckCodeCount { filters, codes }, false) => {
                format!("{codes} reason codes in UNSUBACK for {filters} filters in UNSUBSCRIBE")
            }
            (Violation::UnknownTopicAlias { alias }, true) => {
                format!("PUBLISH 的主题名为空，主题别名 {alias} 却从没有设置过")
            }
            (Violation::UnknownTopicAlias { alias }, false) => {
                format!("a PUBLISH with an empty topic name and topic alias {alias}, which was never set")
            }
            (Violation::TopicAliasTooLarge { alias, max }, true) => {
                format!("主题别名 {alias} 超过了 CONNECT 里的主题别名最大值 {max}")
            }
            (Violation::TopicAliasTooLarge { alias, max }, false) => {
                format!("topic alias {alias} is above the Topic Alias Maximum {max} of our CONNECT")
            }
            (Violation::PacketTooLarge { size, max }, true) => {
                format!("{name} 有 {size} 字节，超过了 CONNECT 里的最大报文长度 {max}")
            }
            (Violation::PacketTooLarge { size, max }, false) => {
                format!("a {name} of {size} bytes, more than the Maximum Packet Size {max} of our CONNECT")
            }
        }
    }
}

/// The answer to one filter of a SUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubResult {
    pub filter: String,
    pub requested: QoS,
    /// The granted QoS; `None` for return code 0x80 (failure).
    pub granted: Option<QoS>,
    /// 5.0: why the filter was refused (a reason code of 0x80 or above); `None` in 3.1.1.
    pub reason: Option<ReasonCode>,
}

/// The properties of an incoming 5.0 PUBLISH that a learner can see in the narration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct MessageProps {
    /// Message Expiry Interval: the seconds left of the message's lifetime.
    pub message_expiry: Option<u32>,
    /// Payload Format Indicator: `true` for UTF-8 text.
    pub payload_utf8: Option<bool>,
    pub content_type: Option<String>,
    pub response_topic: Option<String>,
    #[serde(serialize_with = "opt_payload_as_text")]
    pub correlation_data: Option<Bytes>,
    pub user_properties: Vec<(String, String)>,
    pub subscription_ids: Vec<u32>,
    /// The Topic Alias the PUBLISH carried (its topic is already the resolved one).
    pub topic_alias: Option<u16>,
}

impl MessageProps {
    pub fn from_properties(p: &crate::proto::v5::Properties) -> MessageProps {
        MessageProps {
            message_expiry: p.message_expiry_interval,
            payload_utf8: p.payload_format_indicator,
            content_type: p.content_type.clone(),
            response_topic: p.response_topic.clone(),
            correlation_data: p.correlation_data.clone(),
            user_properties: p.user_properties.clone(),
            subscription_ids: p.subscription_identifiers.iter().map(|v| v.get()).collect(),
            topic_alias: p.topic_alias.map(|a| a.get()),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == MessageProps::default()
    }

    /// "message expiry 59 s, user property k=v, …", each property by its name in the specification.
    pub fn text(&self, lang: Lang) -> String {
        let name = |id: u8| crate::proto::property::def(id).map_or("", |d| d.name.get(lang));
        let mut parts = Vec::new();
        if let Some(e) = self.message_expiry {
            parts.push(match lang {
                Lang::Zh => format!("{} 还剩 {e} 秒", name(0x02)),
                Lang::En => format!("{} {e} s left", name(0x02)),
            });
        }
        if let Some(u) = self.payload_utf8 {
            let v = match (u, lang) {
                (true, Lang::Zh) => "1（UTF-8 文本）",
                (true, Lang::En) => "1 (UTF-8 text)",
                (false, Lang::Zh) => "0（未指明的字节）",
                (false, Lang::En) => "0 (unspecified bytes)",
            };
            parts.push(format!("{} {v}", name(0x01)));
        }
        if let Some(c) = &self.content_type {
            parts.push(format!("{} {c:?}", name(0x03)));
        }
        if let Some(r) = &self.response_topic {
            parts.push(format!("{} {r}", name(0x08)));
        }
        if let Some(c) = &self.correlation_data {
            parts.push(format!("{} {}", name(0x09), payload_preview(c, lang)));
        }
        for (k, v) in &self.user_properties {
            parts.push(format!("{} {k}={v}", name(0x26)));
        }
        for id in &self.subscription_ids {
            parts.push(format!("{} {id}", name(0x0b)));
        }
        if let Some(a) = self.topic_alias {
            parts.push(format!("{} {a}", name(0x23)));
        }
        parts.join(lang.pick("，", ", "))
    }
}

/// What a broker's accepting 5.0 CONNACK said besides the reason code.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ServerProps {
    /// The client id the broker chose for a CONNECT with an empty one: the client's id from now on.
    pub assigned_client_id: Option<String>,
    /// Server Keep Alive, and the keep alive the client asked for: the broker's is used.
    pub server_keep_alive: Option<(u16, u16)>,
    pub session_expiry: Option<u32>,
    pub receive_maximum: Option<u16>,
    pub maximum_qos: Option<QoS>,
    pub retain_available: Option<bool>,
    pub topic_alias_maximum: Option<u16>,
    pub maximum_packet_size: Option<u32>,
    pub reason_string: Option<String>,
    pub user_properties: Vec<(String, String)>,
}

impl ServerProps {
    pub fn is_empty(&self) -> bool {
        *self == ServerProps::default()
    }

    fn text(&self, lang: Lang) -> String {
        let zh = lang.is_zh();
        let name = |id: u8| crate::proto::property::def(id).map_or("", |d| d.name.get(lang));
        let mut parts = Vec::new();
        if let Some(id) = &self.assigned_client_id {
            parts.push(if zh {
                format!("{} {id:?}：这就是客户端现在的ID", name(0x12))
            } else {
                format!("{} {id:?}: the client's id from now on", name(0x12))
            });
        }
        if let Some((k, asked)) = self.server_keep_alive {
            parts.push(if zh {
                format!("{} {k} 秒，代替客户端要求的 {asked} 秒", name(0x13))
            } else {
                format!("{} {k} s replaces the {asked} s the client asked for", name(0x13))
            });
        }
        if let Some(e) = self.session_expiry {
            parts.push(if zh { format!("{} {e} 秒", name(0x11)) } else { format!("{} {e} s", name(0x11)) });
        }
        if let Some(r) = self.receive_maximum {
            parts.push(if zh {
                format!("{} {r}：最多同时 {r} 条 QoS 1/2 消息未确认", name(0x21))
            } else {
                format!("{} {r}: at most {r} QoS 1/2 messages unacknowledged at once", name(0x21))
            });
        }
        if let Some(q) = self.maximum_qos {
            let q = q.as_u8();
            parts.push(if zh {
                format!("{} {q}：发布时 QoS 不能超过 {q}", name(0x24))
            } else {
                format!("{} {q}: no PUBLISH above QoS {q}", name(0x24))
            });
        }
        if let Some(r) = self.retain_available {
            parts.push(match (r, zh) {
                (true, _) => format!("{} 1", name(0x25)),
                (false, true) => format!("{} 0：不能发布保留消息", name(0x25)),
                (false, false) => format!("{} 0: no retained messages", name(0x25)),
            });
        }
        if let Some(t) = self.topic_alias_maximum {
            parts.push(if zh {
                format!("{} {t}：客户端最多可设 {t} 个主题别名", name(0x22))
            } else {
                format!("{} {t}: the client may set up to {t} topic aliases", name(0x22))
            });
        }
        if let Some(m) = self.maximum_packet_size {
            parts.push(if zh {
                format!("{} {m} 字节：更大的报文不发送", name(0x27))
            } else {
                format!("{} {m} bytes: larger packets are not sent", name(0x27))
            });
        }
        if let Some(r) = &self.reason_string {
            parts.push(format!("{} {r:?}", name(0x1f)));
        }
        for (k, v) in &self.user_properties {
            parts.push(format!("{} {k}={v}", name(0x26)));
        }
        parts.join(lang.pick("；", "; "))
    }
}

/// "0x87 not authorized" / "0x87 未授权（not authorized）": a reason code with its name in the
/// specification and, in 中文, what it means.
pub fn reason_words(reason: ReasonCode, packet: ReasonPacket, lang: Lang) -> String {
    let en = reason.describe(packet, Lang::En);
    match lang {
        Lang::Zh => format!("{reason} {}（{en}）", reason.describe(packet, Lang::Zh)),
        Lang::En => format!("{reason} {en}"),
    }
}

/// " — reason string: \"…\"" when there is one.
fn reason_string_words(s: &Option<String>, lang: Lang) -> String {
    match (s, lang) {
        (None, _) => String::new(),
        (Some(s), Lang::Zh) => format!("；原因字符串：{s:?}"),
        (Some(s), Lang::En) => format!("; reason string: {s:?}"),
    }
}

/// A client decision or observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event")]
pub enum ClientEvent {
    /// CONNACK 0.
    Connected { session_present: bool },
    /// CONNACK 1–5.
    Refused { code: ConnectReturnCode },
    /// No CONNACK within the connect timeout.
    ConnectTimeout { waited: Duration },
    /// The network connection could not be opened.
    ConnectFailed,
    /// Session state was thrown away.
    SessionDiscarded { cause: DiscardCause, inflight: usize, awaiting_pubrel: usize, subscriptions: usize },
    /// An unacknowledged PUBLISH (with DUP=1) or a PUBREL was sent again: after reconnecting to a
    /// stored session [MQTT-4.4.0-1], or because the retry interval passed.
    Resent { pid: PacketId, pubrel: bool, reconnect: bool },
    /// An application message arrived (delivered to the application once per message).
    Message {
        topic: String,
        #[serde(serialize_with = "payload_as_text")]
        payload: Bytes,
        qos: QoS,
        retain: bool,
        dup: bool,
        pid: Option<PacketId>,
        /// A 5.0 PUBLISH's properties (`None` in 3.1 / 3.1.1).
        #[serde(skip_serializing_if = "Option::is_none")]
        props: Option<Box<MessageProps>>,
    },
    /// A QoS 2 PUBLISH with an id already awaiting PUBREL: answered with PUBREC, not delivered again.
    DuplicateQos2 { pid: PacketId },
    /// PUBREL for an incoming QoS 2 message, answered with PUBCOMP (`known`: the id was awaiting it).
    Released { pid: PacketId, known: bool },
    /// PUBACK for our QoS 1 message.
    PubAcked { pid: PacketId },
    /// PUBREC for our QoS 2 message; PUBREL goes out.
    PubReceived { pid: PacketId },
    /// PUBCOMP for our QoS 2 message: its flow is complete.
    PubCompleted { pid: PacketId },
    /// A PUBACK, PUBREC, PUBCOMP, SUBACK or UNSUBACK with an id nothing of ours is waiting on.
    UnexpectedAck { packet: PacketType, pid: PacketId },
    /// SUBACK.
    Subscribed { pid: PacketId, results: Vec<SubResult> },
    /// UNSUBACK; a 5.0 UNSUBACK's reason codes, one per filter (none in 3.1.1).
    Unsubscribed { pid: PacketId, filters: Vec<String>, reasons: Vec<ReasonCode> },
    /// PINGREQ sent to keep the connection alive.
    KeepAlivePing { keep_alive: u16, silence: Silence },
    /// PINGRESP, `rtt` after the PINGREQ.
    PingResponse { rtt: Duration },
    /// PINGRESP arrived without a PINGREQ outstanding.
    UnexpectedPingResp,
    /// No PINGRESP in time: the client closes the connection.
    PingTimeout { keep_alive: u16, waited: Duration },
    /// The network connection died without DISCONNECT.
    ConnectionLost,
    /// We sent DISCONNECT and closed.
    Disconnected,
    /// An incoming packet was dropped unprocessed.
    Dropped { packet: PacketType, reason: DropReason },
    /// The server broke the protocol: the client closes the connection.
    ProtocolViolation { packet: PacketType, violation: Violation },
    /// The client stopped processing (like a sketch that no longer calls `loop()`).
    Frozen,
    /// The client runs again; `buffered` packets waited while it was frozen.
    Thawed { buffered: usize },
    /// 5.0: a CONNACK with a reason code of 0x80 or above.
    Refused5 { reason: ReasonCode, reason_string: Option<String> },
    /// 5.0: what the accepting CONNACK said besides the reason code (limits, ids, keep alive).
    ConnAckProps(Box<ServerProps>),
    /// 5.0: a PUBACK or PUBREC (or PUBCOMP) with a reason code of 0x80 or above: the broker did not
    /// take the message.
    PubRefused { packet: PacketType, pid: PacketId, reason: ReasonCode, reason_string: Option<String> },
    /// 5.0: PUBACK or PUBREC 0x10: the broker took the message, but nobody subscribes to its topic.
    NoMatchingSubscribers { packet: PacketType, pid: PacketId },
    /// 5.0: the broker sent DISCONNECT and closed the connection.
    ServerDisconnected { reason: ReasonCode, reason_string: Option<String>, server_reference: Option<String> },
    /// 5.0: we sent DISCONNECT with reason 0x04 (the will is published) or a new Session Expiry Interval.
    Disconnected5 { with_will: bool, session_expiry: Option<u32> },
    /// 5.0: an AUTH although this client asked for no extended authentication: DISCONNECT 0x82.
    UnrequestedAuth,
}

fn payload_as_text<S: serde::Serializer>(payload: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(payload))
}

fn opt_payload_as_text<S: serde::Serializer>(payload: &Option<Bytes>, s: S) -> Result<S::Ok, S::Error> {
    match payload {
        Some(p) => s.serialize_some(&String::from_utf8_lossy(p)),
        None => s.serialize_none(),
    }
}

/// A payload for one line of narration: text when it is UTF-8, hex otherwise; long ones cut short.
pub fn payload_preview(payload: &[u8], lang: Lang) -> String {
    const MAX_CHARS: usize = 64;
    const MAX_HEX: usize = 16;
    if payload.is_empty() {
        return lang.pick("（空）", "(empty)").into();
    }
    match std::str::from_utf8(payload) {
        Ok(s) => {
            let n = s.chars().count();
            if n <= MAX_CHARS {
                format!("{s:?}")
            } else {
                let cut: String = s.chars().take(MAX_CHARS).collect();
                match lang {
                    Lang::Zh => format!("{cut:?}…（共 {n} 个字符）"),
                    Lang::En => format!("{cut:?}… ({n} chars)"),
                }
            }
        }
        Err(_) => {
            let hex: Vec<String> = payload.iter().take(MAX_HEX).map(|b| format!("{b:02x}")).collect();
            let more = if payload.len() > MAX_HEX { " …" } else { "" };
            match lang {
                Lang::Zh => format!("{}{more}（{} 字节二进制）", hex.join(" "), payload.len()),
                Lang::En => format!("{}{more} ({} binary bytes)", hex.join(" "), payload.len()),
            }
        }
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64())
}

impl ClientEvent {
    /// The event in words.
    pub fn text(&self, lang: Lang) -> String {
        use ClientEvent::*;
        let zh = lang.is_zh();
        match self {
            Connected { session_present } => {
                match (session_present, zh) {
                    (true, true) => "已连接：CONNACK 0（连接成功），会话存在=1：订阅还在".into(),
                    (true, false) => "connected: CONNACK 0 (connection accepted), session present=1: subscriptions kept".into(),
                    (false, true) => "已连接：CONNACK 0（连接成功），会话存在=0：要重新订阅".into(),
                    (false, false) => "connected: CONNACK 0 (connection accepted), session present=0: subscribe again".into(),
                }
            }
            Refused { code } => {
                let c = *code as u8;
                if zh {
                    format!("服务端拒绝连接：CONNACK {c}（{}）", code.describe(Lang::Zh))
                } else {
                    format!("the broker refused the connection: CONNACK {c} ({})", code.describe(Lang::En))
                }
            }
            ConnectTimeout { waited } => {
                if zh {
                    format!("{} 秒内没有收到 CONNACK：放弃这次连接", secs(*waited))
                } else {
                    format!("no CONNACK within {} s: this connection attempt is abandoned", secs(*waited))
                }
            }
            ConnectFailed => lang
                .pick(
                    "无法建立网络连接（state() = -2）：检查 IP 和端口；Wi-Fi 上的开发板要连实验室，实验室需用 --lan 启动",
                    "the network connection could not be opened (state -2): check the IP address and port; a board on Wi-Fi reaches the lab only when it runs with --lan",
                )
                .into(),
            SessionDiscarded { cause, inflight, awaiting_pubrel, subscriptions } => {
                let why = match (cause, zh) {
                    (DiscardCause::CleanSession, true) => "清除会话=1，会话只存在于这次连接",
                    (DiscardCause::CleanSession, false) => {
                        "clean session=1: the session lived as long as the connection"
                    }
                    (DiscardCause::NoSessionOnServer, true) => "CONNACK 会话存在=0，服务端没有保存的会话",
                    (DiscardCause::NoSessionOnServer, false) => {
                        "CONNACK session present=0: the server has no stored session"
                    }
                    (DiscardCause::NewClientId, true) => "换了客户端ID（或协议版本）",
                    (DiscardCause::NewClientId, false) => "the client id (or the protocol version) changed",
                    (DiscardCause::CleanStart, true) => "新开始=1，服务端开始一个新会话",
                    (DiscardCause::CleanStart, false) => "clean start=1: the broker starts a new session",
                    (DiscardCause::SessionExpiryZero, true) => "会话过期间隔为 0，会话随连接结束",
                    (DiscardCause::SessionExpiryZero, false) => {
                        "session expiry interval 0: the session ended with the connection"
                    }
                };
                if zh {
                    format!(
                        "{why}：丢弃 {inflight} 条未确认的发出消息、{awaiting_pubrel} 条未完成的 QoS 2 接收和 {subscriptions} 个订阅"
                    )
                } else {
                    format!(
                        "{why}: dropping {}, {} and {}",
                        count(*inflight, "unacknowledged outgoing message"),
                        count(*awaiting_pubrel, "unfinished incoming QoS 2 message"),
                        count(*subscriptions, "subscription"),
                    )
                }
            }
            Resent { pid, pubrel, reconnect } => {
                let what = match (pubrel, zh) {
                    (false, true) => format!("重发未确认的 PUBLISH id={pid}（DUP=1，报文标识符不变）"),
                    (false, false) => format!("resending unacknowledged PUBLISH id={pid} (DUP=1, the same packet id)"),
                    (true, true) => format!("重发 PUBREL id={pid}"),
                    (true, false) => format!("resending PUBREL id={pid}"),
                };
                let why = match (reconnect, zh) {
                    (true, true) => "：重新连接后继续之前保存的会话 [MQTT-4.4.0-1]",
                    (true, false) => ": the stored session continues after reconnecting [MQTT-4.4.0-1]",
                    (false, true) => "：重试间隔内没有收到确认",
                    (false, false) => ": no acknowledgement within the retry interval",
                };
                format!("{what}{why}")
            }
            Message { topic, payload, qos, retain, dup, pid, props } => {
                let q = qos.as_u8();
                let id = pid.map(|p| format!(" id={p}")).unwrap_or_default();
                let mut flags = String::new();
                if *retain {
                    flags.push_str(lang.pick("，保留消息", ", retained"));
                }
                if *dup {
                    flags.push_str(lang.pick("，DUP=1", ", DUP=1"));
                }
                let body = payload_preview(payload, lang);
                let ack = match qos {
                    QoS::AtMostOnce => "",
                    QoS::AtLeastOnce => " → PUBACK",
                    QoS::ExactlyOnce => " → PUBREC",
                };
                let props = match props.as_deref().filter(|p| !p.is_empty()) {
                    Some(p) if zh => format!("；属性：{}", p.text(lang)),
                    Some(p) => format!("; properties: {}", p.text(lang)),
                    None => String::new(),
                };
                if zh {
                    format!("收到 {topic}（QoS {q}{id}{flags}）：{body}{ack}{props}")
                } else {
                    format!("received {topic} (QoS {q}{id}{flags}): {body}{ack}{props}")
                }
            }
            DuplicateQos2 { pid } => {
                if zh {
                    format!("再次收到 QoS 2 的 PUBLISH id={pid}（还没收到 PUBREL）：再回 PUBREC，不重复投递")
                } else {
                    format!("QoS 2 PUBLISH id={pid} again before its PUBREL: PUBREC again, not delivered twice")
                }
            }
            Released { pid, known } => match (known, zh) {
                (true, true) => {
                    format!("收到 PUBREL id={pid}（第 3/4 步）→ 回 PUBCOMP（第 4/4 步）：这条 QoS 2 消息的交换完成")
                }
                (true, false) => format!(
                    "PUBREL id={pid} (step 3/4) → PUBCOMP (step 4/4): the QoS 2 exchange for this message is complete"
                ),
                (false, true) => format!("收到 PUBREL id={pid}，但没有等待它的消息：仍回 PUBCOMP"),
                (false, false) => format!("PUBREL id={pid} for no known message: PUBCOMP all the same"),
            },
            PubAcked { pid } => {
                if zh {
                    format!("收到 PUBACK id={pid}：服务端已收到这条 QoS 1 消息（只确认这一段，订阅者各自确认）")
                } else {
                    format!("PUBACK id={pid}: the broker has the QoS 1 message (this hop only; subscribers acknowledge their own)")
                }
            }
            PubReceived { pid } => {
                if zh {
                    format!("收到 PUBREC id={pid}（第 2/4 步）→ 发送 PUBREL（第 3/4 步），此后不再重发这条 PUBLISH")
                } else {
                    format!("PUBREC id={pid} (step 2/4) → PUBREL (step 3/4); the PUBLISH is not sent again from now on")
                }
            }
            PubCompleted { pid } => {
                if zh {
                    format!("收到 PUBCOMP id={pid}（第 4/4 步）：服务端恰好收到一次这条 QoS 2 消息，这个报文标识符可以再用")
                } else {
                    format!(
                        "PUBCOMP id={pid} (step 4/4): the broker has the QoS 2 message exactly once; the packet id is free again"
                    )
                }
            }
            UnexpectedAck { packet, pid } => {
                let name = packet.name();
                if zh {
                    format!("收到 {name} id={pid}，但没有等待它的请求：忽略")
                } else {
                    format!("{name} id={pid} answers nothing outstanding: ignored")
                }
            }
            Subscribed { pid, results } => {
                let parts: Vec<String> = results
                    .iter()
                    .map(|r| match (r.granted, r.reason, zh) {
                        (Some(g), _, true) => format!("{} → 授予 QoS {}", r.filter, g.as_u8()),
                        (Some(g), _, false) => format!("{} → granted QoS {}", r.filter, g.as_u8()),
                        (None, Some(c), _) => {
                            let what = reason_words(c, ReasonPacket::SubAck, lang);
                            format!("{} → {what}{}", r.filter, lang.pick("：订阅失败", ": not subscribed"))
                        }
                        (None, None, true) => format!("{} → 0x80（订阅失败）", r.filter),
                        (None, None, false) => format!("{} → 0x80 (failure)", r.filter),
                    })
                    .collect();
                if zh {
                    format!("SUBACK id={pid}：{}", parts.join("；"))
                } else {
                    format!("SUBACK id={pid}: {}", parts.join("; "))
                }
            }
            Unsubscribed { pid, filters, reasons } if !reasons.is_empty() => {
                let parts: Vec<String> = filters
                    .iter()
                    .zip(reasons)
                    .map(|(f, r)| {
                        let what = reason_words(*r, ReasonPacket::UnsubAck, lang);
                        let after = match (r.is_error(), zh) {
                            (true, true) => "：没有取消，订阅还在",
                            (true, false) => ": not removed, still subscribed",
                            (false, true) => "：已取消",
                            (false, false) => ": removed",
                        };
                        format!("{f} → {what}{after}")
                    })
                    .collect();
                format!("UNSUBACK id={pid}{}{}", lang.pick("：", ": "), parts.join(lang.pick("；", "; ")))
            }
            Unsubscribed { pid, filters, .. } => {
                if zh {
                    format!("UNSUBACK id={pid}：已取消订阅 {}", filters.join("、"))
                } else {
                    format!("UNSUBACK id={pid}: unsubscribed from {}", filters.join(", "))
                }
            }
            KeepAlivePing { keep_alive, silence } => match (silence, zh) {
                (Silence::Outbound, true) => format!("{keep_alive} 秒没有发送任何报文：发送 PINGREQ 保持连接"),
                (Silence::Outbound, false) => {
                    format!("nothing sent for {keep_alive} s: PINGREQ keeps the connection alive")
                }
                (Silence::Inbound, true) => format!("超过 {keep_alive} 秒没有收到任何报文：发送 PINGREQ 探测连接"),
                (Silence::Inbound, false) => {
                    format!("nothing received for over {keep_alive} s: PINGREQ checks the connection")
                }
            },
            PingResponse { rtt } => {
                let ms = rtt.as_millis();
                if zh { format!("收到 PINGRESP（往返 {ms} 毫秒）") } else { format!("PINGRESP after {ms} ms") }
            }
            UnexpectedPingResp => {
                lang.pick("收到 PINGRESP，但没有发过 PINGREQ：忽略", "PINGRESP without a PINGREQ: ignored").into()
            }
            PingTimeout { keep_alive, waited } => {
                if zh {
                    format!("PINGREQ 发出 {} 秒仍没有 PINGRESP（心跳 {keep_alive} 秒）：断开连接", secs(*waited))
                } else {
                    format!(
                        "no PINGRESP {} s after PINGREQ (keep alive {keep_alive} s): the connection is closed",
                        secs(*waited)
                    )
                }
            }
            ConnectionLost => lang
                .pick(
                    "连接意外断开（没有 DISCONNECT）：服务端会发布遗嘱（如果有）",
                    "the connection dropped without DISCONNECT: the broker will publish the will, if any",
                )
                .into(),
            Disconnected => lang
                .pick(
                    "发送 DISCONNECT 正常断开：遗嘱不会发布",
                    "sent DISCONNECT and left normally: the will is not published",
                )
                .into(),
            Dropped { packet, reason } => {
                let name = packet.name();
                match (reason, zh) {
                    (DropReason::TooLarge { size, max }, true) => format!(
                        "收到的 {name} 共 {size} 字节（报头、主题和载荷一起算），超出 {max} 字节的缓冲区：被悄悄丢弃，不回确认；setBufferSize() 可以调大缓冲区"
                    ),
                    (DropReason::TooLarge { size, max }, false) => format!(
                        "an incoming {name} of {size} bytes (header, topic and payload together) does not fit the {max}-byte buffer: dropped silently, not acknowledged; setBufferSize() makes the buffer larger"
                    ),
                    (DropReason::NotConnected, true) => format!("没有连接时收到 {name}：丢弃"),
                    (DropReason::NotConnected, false) => format!("{name} arrived with no connection: dropped"),
                }
            }
            ProtocolViolation { packet, violation } => {
                let rule = violation.rule().map(|r| format!(" [{r}]")).unwrap_or_default();
                let what = violation.text(*packet, zh);
                if zh {
                    format!("服务端违反协议：{what}{rule} → 断开连接")
                } else {
                    format!("the server broke the protocol: {what}{rule} → connection closed")
                }
            }
            Frozen => lang
                .pick(
                    "客户端冻结：不再调用 loop()，不发心跳，收到的报文留在缓冲区",
                    "frozen: loop() is no longer called; no pings, incoming packets wait in the buffer",
                )
                .into(),
            Thawed { buffered } => {
                if zh {
                    format!("客户端恢复运行：处理缓冲区中的 {buffered} 个报文")
                } else {
                    format!("running again: processing {}", count(*buffered, "buffered packet"))
                }
            }
            Refused5 { reason, reason_string } => {
                let what = reason_words(*reason, ReasonPacket::ConnAck, lang);
                let rs = reason_string_words(reason_string, lang);
                if zh {
                    format!("服务端拒绝连接：CONNACK {what}{rs}")
                } else {
                    format!("the broker refused the connection: CONNACK {what}{rs}")
                }
            }
            ConnAckProps(p) => {
                if zh {
                    format!("CONNACK 的属性：{}", p.text(lang))
                } else {
                    format!("the CONNACK's properties: {}", p.text(lang))
                }
            }
            PubRefused { packet, pid, reason, reason_string } => {
                let name = packet.name();
                let rp = match packet {
                    PacketType::PubRec => ReasonPacket::PubRec,
                    PacketType::PubComp => ReasonPacket::PubComp,
                    _ => ReasonPacket::PubAck,
                };
                let what = reason_words(*reason, rp, lang);
                let rs = reason_string_words(reason_string, lang);
                if zh {
                    format!("{name} id={pid} {what}{rs}：服务端没有接受这条消息，不会投递；这个报文标识符可以再用")
                } else {
                    format!(
                        "{name} id={pid} {what}{rs}: the broker did not take the message, it is not delivered; the packet id is free again"
                    )
                }
            }
            NoMatchingSubscribers { packet, pid } => {
                let name = packet.name();
                if zh {
                    format!("{name} id={pid} 0x10 没有匹配的订阅者（no matching subscribers）：服务端收下了消息，但现在没有人订阅这个主题")
                } else {
                    format!(
                        "{name} id={pid} 0x10 no matching subscribers: the broker has the message, but nobody subscribes to its topic right now"
                    )
                }
            }
            ServerDisconnected { reason, reason_string, server_reference } => {
                let what = reason_words(*reason, ReasonPacket::Disconnect, lang);
                let rs = reason_string_words(reason_string, lang);
                let moved = match (server_reference, zh) {
                    (None, _) => String::new(),
                    (Some(s), true) => format!("；服务端参考：{s}"),
                    (Some(s), false) => format!("; server reference: {s}"),
                };
                if zh {
                    format!("服务端发来 DISCONNECT {what}{rs}{moved}，然后断开了连接")
                } else {
                    format!("the broker sent DISCONNECT {what}{rs}{moved} and closed the connection")
                }
            }
            Disconnected5 { with_will, session_expiry } => {
                let (reason, will) = match (with_will, zh) {
                    (true, true) => ("0x04（断开并发布遗嘱）", "服务端会发布遗嘱"),
                    (true, false) => ("0x04 (disconnect with will message)", "the broker publishes the will"),
                    (false, true) => ("0x00（正常断开）", "遗嘱不会发布"),
                    (false, false) => ("0x00 (normal disconnection)", "the will is not published"),
                };
                let session = match (session_expiry, zh) {
                    (None, _) => String::new(),
                    (Some(0), true) => "；会话过期间隔改为 0：会话随连接结束".into(),
                    (Some(0), false) => "; session expiry interval now 0: the session ends with the connection".into(),
                    (Some(n), true) => format!("；会话过期间隔改为 {n} 秒：服务端保留会话这么久"),
                    (Some(n), false) => {
                        format!("; session expiry interval now {n} s: the broker keeps the session that long")
                    }
                };
                if zh {
                    format!("发送 DISCONNECT {reason}：{will}{session}")
                } else {
                    format!("sent DISCONNECT {reason}: {will}{session}")
                }
            }
            UnrequestedAuth => lang
                .pick(
                    "服务端发来 AUTH，但客户端没有要求扩展认证：协议错误 → DISCONNECT 0x82",
                    "the broker sent AUTH although the client asked for no extended authentication: protocol error → DISCONNECT 0x82",
                )
                .into(),
        }
    }
}

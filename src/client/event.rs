//! Narration of the client: every decision it makes (and every message it receives) as a structured
//! event that can say itself in 中文 or English. The lab's panes and lessons consume them as values.
//! Pure: it must not depend on tokio, a terminal, the broker or the runtime.

use crate::i18n::{Lang, count};
use crate::proto::{ConnectReturnCode, PacketId, PacketType, QoS};
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
    /// The options now name another client id.
    NewClientId,
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
    /// UNSUBACK.
    Unsubscribed { pid: PacketId, filters: Vec<String> },
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
}

fn payload_as_text<S: serde::Serializer>(payload: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(payload))
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
                    (DiscardCause::NewClientId, true) => "换了客户端ID",
                    (DiscardCause::NewClientId, false) => "the client id changed",
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
            Message { topic, payload, qos, retain, dup, pid } => {
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
                if zh {
                    format!("收到 {topic}（QoS {q}{id}{flags}）：{body}{ack}")
                } else {
                    format!("received {topic} (QoS {q}{id}{flags}): {body}{ack}")
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
                    .map(|r| match (r.granted, zh) {
                        (Some(g), true) => format!("{} → 授予 QoS {}", r.filter, g.as_u8()),
                        (Some(g), false) => format!("{} → granted QoS {}", r.filter, g.as_u8()),
                        (None, true) => format!("{} → 0x80（订阅失败）", r.filter),
                        (None, false) => format!("{} → 0x80 (failure)", r.filter),
                    })
                    .collect();
                if zh {
                    format!("SUBACK id={pid}：{}", parts.join("；"))
                } else {
                    format!("SUBACK id={pid}: {}", parts.join("; "))
                }
            }
            Unsubscribed { pid, filters } => {
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
        }
    }
}

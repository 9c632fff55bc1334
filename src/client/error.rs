//! Why the client refused a request of its user (connect, publish, subscribe, ...), with zh/en text.
//! These are answers to calls, not narration: nothing was sent. Pure: it must not depend on tokio, a
//! terminal, the broker or the runtime.

use crate::i18n::{Lang, count};
use crate::proto::{PacketType, QoS};
use std::fmt;

/// A request the client cannot carry out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum ClientError {
    /// Publish, subscribe and unsubscribe need an accepted connection.
    NotConnected,
    /// `connect` while connecting or connected; changing options while connected.
    AlreadyConnected,
    /// The client is frozen (like a sketch that stopped calling `loop()`).
    Frozen,
    /// The profile cannot publish (or subscribe) at this QoS.
    QosNotSupported { qos: QoS, max: QoS, subscribe: bool },
    /// The packet would not fit the client's buffer (or MQTT's largest frame).
    PacketTooLarge { packet: PacketType, size: usize, max: usize },
    /// A topic name that is empty or has a wildcard.
    InvalidTopic { topic: String, rule: &'static str },
    /// An invalid topic filter (use the `_unchecked` methods to send one on purpose).
    InvalidFilter { filter: String, rule: &'static str },
    /// SUBSCRIBE [MQTT-3.8.3-3] and UNSUBSCRIBE [MQTT-3.10.3-2] carry at least one filter.
    NoFilters { unsubscribe: bool },
    /// A string longer than the 65,535 bytes its 2-byte length prefix can say.
    StringTooLong { len: usize },
    /// All 65,535 packet ids are waiting for an answer.
    NoPacketIds,
    /// A property or option of MQTT 5.0 (named as the specification names it) on a 3.1 / 3.1.1
    /// connection.
    NeedsV5 { what: &'static str },
    /// 5.0: the broker's CONNACK said Maximum QoS `max` [§3.2.2.3.4].
    BrokerMaxQos { qos: QoS, max: QoS },
    /// 5.0: the broker's CONNACK said Retain Available 0 [§3.2.2.3.5].
    RetainNotAvailable,
    /// 5.0: as many QoS 1 and 2 messages are unacknowledged as the broker's Receive Maximum allows
    /// [§4.9].
    ReceiveMaximum { max: u16 },
    /// 5.0: the broker's CONNACK allows no topic aliases (Topic Alias Maximum 0 or absent).
    NoTopicAlias,
    /// 5.0: the packet is larger than the broker's Maximum Packet Size [§3.2.2.3.6].
    TooLargeForBroker { packet: PacketType, size: usize, max: usize },
    /// 5.0: a DISCONNECT may not set a Session Expiry Interval when the CONNECT's was 0
    /// [MQTT-3.14.2-2].
    SessionExpiryWasZero,
}

impl ClientError {
    /// The error in words.
    pub fn text(&self, lang: Lang) -> String {
        use ClientError::*;
        let zh = lang.is_zh();
        match self {
            NotConnected => {
                lang.pick("未连接：先连接并等到 CONNACK", "not connected: connect and wait for CONNACK first").into()
            }
            AlreadyConnected => lang.pick("已经连接（或正在连接）", "already connected (or connecting)").into(),
            Frozen => {
                lang.pick("客户端已冻结（不再调用 loop()）", "the client is frozen (loop() is not being called)").into()
            }
            QosNotSupported { qos, max, subscribe } => {
                let (q, m) = (qos.as_u8(), max.as_u8());
                match (subscribe, zh) {
                    (false, true) if m == 0 => format!("PubSubClient 只能以 QoS 0 发布，不能用 QoS {q}"),
                    (false, false) if m == 0 => format!("PubSubClient publishes at QoS 0 only, not QoS {q}"),
                    (false, true) => format!("这个客户端只能以 QoS {m} 发布，不能用 QoS {q}"),
                    (false, false) => format!("this client publishes at QoS {m} only, not QoS {q}"),
                    (true, true) => format!("这个客户端订阅时最高只能请求 QoS {m}，不能请求 QoS {q}"),
                    (true, false) => format!("this client can request at most QoS {m} when subscribing, not QoS {q}"),
                }
            }
            PacketTooLarge { packet: PacketType::Publish, size, max }
                if *max == crate::client::PUBSUBCLIENT_BUFFER_SIZE =>
            {
                let name = PacketType::Publish.name();
                if zh {
                    format!(
                        "{name} 共 {size} 字节（报头、主题和载荷一起算），超过 {max} 字节的缓冲区：不发送（publish() 返回 false）；setBufferSize() 可以调大缓冲区"
                    )
                } else {
                    format!(
                        "the {name} would be {size} bytes (header, topic and payload together), more than the {max}-byte buffer: not sent (publish() returns false); setBufferSize() makes the buffer larger"
                    )
                }
            }
            PacketTooLarge { packet, size, max } => {
                let name = packet.name();
                if zh {
                    format!("{name} 有 {size} 字节，超过 {max} 字节的上限：不发送")
                } else {
                    format!("the {name} would be {size} bytes, more than the {max}-byte limit: not sent")
                }
            }
            InvalidTopic { topic, rule } => {
                if zh {
                    format!("主题名 {topic:?} 不合法（不能为空，不能含 + 或 #）[{rule}]")
                } else {
                    format!("invalid topic name {topic:?} (it must not be empty or contain + or #) [{rule}]")
                }
            }
            InvalidFilter { filter, rule } => {
                if zh {
                    format!("主题过滤器 {filter:?} 不合法 [{rule}]")
                } else {
                    format!("invalid topic filter {filter:?} [{rule}]")
                }
            }
            NoFilters { unsubscribe: false } => lang
                .pick(
                    "SUBSCRIBE 至少要有一个主题过滤器 [MQTT-3.8.3-3]",
                    "SUBSCRIBE needs at least one topic filter [MQTT-3.8.3-3]",
                )
                .into(),
            NoFilters { unsubscribe: true } => lang
                .pick(
                    "UNSUBSCRIBE 至少要有一个主题过滤器 [MQTT-3.10.3-2]",
                    "UNSUBSCRIBE needs at least one topic filter [MQTT-3.10.3-2]",
                )
                .into(),
            StringTooLong { len } => {
                if zh {
                    format!("字符串有 {len} 字节：MQTT 的 2 字节长度前缀最多表示 65535")
                } else {
                    format!("a string of {len} bytes: MQTT's 2-byte length prefix says at most 65535")
                }
            }
            NoPacketIds => lang.pick("65535 个报文标识符都在使用中", "all 65535 packet ids are in use").into(),
            NeedsV5 { what } => {
                if zh {
                    format!("{what} 是 MQTT 5.0 才有的：这个客户端说的是 3.1.1（用 connect --v5 连接）")
                } else {
                    format!("{what} is MQTT 5.0 only: this client speaks 3.1.1 (connect it with --v5)")
                }
            }
            BrokerMaxQos { qos, max } => {
                let (q, m) = (qos.as_u8(), max.as_u8());
                if zh {
                    format!("服务端的 CONNACK 说最大服务质量是 {m}：不能以 QoS {q} 发布 [§3.2.2.3.4]")
                } else {
                    format!("the broker's CONNACK says Maximum QoS {m}: no PUBLISH at QoS {q} [§3.2.2.3.4]")
                }
            }
            RetainNotAvailable => lang
                .pick(
                    "服务端的 CONNACK 说保留可用=0：不能发布保留消息 [§3.2.2.3.5]",
                    "the broker's CONNACK says Retain Available 0: no retained messages [§3.2.2.3.5]",
                )
                .into(),
            ReceiveMaximum { max } => {
                if zh {
                    format!(
                        "已有 {max} 条 QoS 1/2 消息等待确认，达到服务端的接收最大值：等 PUBACK 或 PUBCOMP 来了再发 [§4.9]"
                    )
                } else {
                    format!(
                        "{} awaiting acknowledgement, the broker's Receive Maximum: wait for a PUBACK or PUBCOMP [§4.9]",
                        count(*max as usize, "QoS 1/2 message")
                    )
                }
            }
            NoTopicAlias => lang
                .pick(
                    "服务端的 CONNACK 没有允许主题别名（主题别名最大值为 0）：去掉 --alias 再发",
                    "the broker's CONNACK allows no topic aliases (Topic Alias Maximum 0): publish without --alias",
                )
                .into(),
            TooLargeForBroker { packet, size, max } => {
                let name = packet.name();
                if zh {
                    format!("{name} 有 {size} 字节，超过服务端 CONNACK 里的最大报文长度 {max} 字节：不发送 [§3.2.2.3.6]")
                } else {
                    format!(
                        "the {name} would be {size} bytes, more than the broker's Maximum Packet Size of {max} bytes: not sent [§3.2.2.3.6]"
                    )
                }
            }
            SessionExpiryWasZero => lang
                .pick(
                    "CONNECT 的会话过期间隔是 0，DISCONNECT 不能再改成非 0 [MQTT-3.14.2-2]：连接时用 --session-expiry",
                    "the CONNECT's session expiry interval was 0, so DISCONNECT cannot make it non-zero [MQTT-3.14.2-2]: connect with --session-expiry",
                )
                .into(),
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

impl std::error::Error for ClientError {}

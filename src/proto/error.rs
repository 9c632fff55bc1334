//! Decode errors: what is wrong, at which byte offset of the frame, and which rule of the
//! MQTT 3.1.1 specification it breaks.

use crate::i18n::{Lang, Words};
use std::fmt;

/// The part of a frame after the fixed header, named where it ends too soon.
pub const PACKET_BODY: Words = Words::new("报文主体", "packet body");

/// What was wrong with a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// Packet type 0 or 15.
    ReservedPacketType(u8),
    /// A fixed header flags nibble other than the one the packet type requires.
    ReservedFlags { packet: &'static str, flags: u8, expected: u8 },
    /// QoS bits 11 in a PUBLISH.
    QoS3,
    /// DUP set on a QoS 0 PUBLISH.
    DupAtQoS0,
    /// A fifth remaining-length byte (the fourth still had its continuation bit).
    RemainingLengthTooLong,
    /// The remaining length is larger than this receiver accepts.
    PacketTooLarge { size: usize, max: usize },
    /// The frame ended inside a field.
    Truncated { field: Words },
    /// Bytes left over after the last field.
    TrailingBytes(usize),
    /// A string that is not well-formed UTF-8.
    InvalidUtf8 { field: Words },
    /// A string containing U+0000.
    NullCharacter { field: Words },
    /// A PUBLISH topic containing `+` or `#`.
    WildcardInTopic,
    /// A will topic containing `+` or `#`.
    WildcardInWillTopic,
    /// An empty topic name or filter.
    EmptyTopic,
    /// A packet identifier of 0.
    ZeroPacketId,
    /// The protocol name is neither "MQTT" nor "MQIsdp".
    BadProtocolName(String),
    /// A protocol level this broker does not speak (not 3 or 4).
    UnsupportedProtocolLevel(u8),
    /// The reserved bit of the connect flags is 1.
    ConnectReservedFlag,
    /// Will QoS / will retain set without the will flag.
    WillFlagsWithoutWill,
    /// Will QoS 3.
    WillQoS3,
    /// Password flag without the user name flag.
    PasswordWithoutUsername,
    /// A SUBSCRIBE or UNSUBSCRIBE (named) without any filter.
    NoTopicFilters { packet: &'static str },
    /// Reserved bits of a SUBSCRIBE's requested QoS byte, or requested QoS 3.
    BadRequestedQoS(u8),
    /// A CONNACK whose reserved acknowledge flags (bits 7–1) are not 0.
    BadConnack,
    /// A CONNACK return code above 5 (6–255 are reserved).
    ReservedReturnCode(u8),
    /// A SUBACK return code other than 0, 1, 2, 0x80.
    BadSubackCode(u8),
}

/// A frame that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Offset of the offending byte in the frame.
    pub offset: usize,
    pub kind: ErrorKind,
}

impl DecodeError {
    pub fn new(offset: usize, kind: ErrorKind) -> Self {
        DecodeError { offset, kind }
    }

    /// What the frame breaks: a conformance statement of MQTT 3.1.1 (`MQTT-x.y.z-n`, all of them in
    /// [`rules`](crate::proto::rules)), or, where the rule has no number, its section (`§x.y.z`).
    pub fn rule(&self) -> Option<&'static str> {
        use ErrorKind::*;
        Some(match &self.kind {
            ReservedPacketType(_) => "§2.2.1",
            ReservedFlags { .. } => "MQTT-2.2.2-1",
            QoS3 => "MQTT-3.3.1-4",
            DupAtQoS0 => "MQTT-3.3.1-2",
            RemainingLengthTooLong => "§2.2.3",
            PacketTooLarge { .. } => return None,
            Truncated { .. } | TrailingBytes(_) => "§2.2.3",
            InvalidUtf8 { .. } => "MQTT-1.5.3-1",
            NullCharacter { .. } => "MQTT-1.5.3-2",
            WildcardInTopic => "MQTT-3.3.2-2",
            WildcardInWillTopic => "MQTT-4.7.1-1",
            EmptyTopic => "MQTT-4.7.3-1",
            ZeroPacketId => "MQTT-2.3.1-1",
            BadProtocolName(_) => "MQTT-3.1.2-1",
            UnsupportedProtocolLevel(_) => "MQTT-3.1.2-2",
            ConnectReservedFlag => "MQTT-3.1.2-3",
            WillFlagsWithoutWill => "MQTT-3.1.2-11",
            WillQoS3 => "MQTT-3.1.2-14",
            PasswordWithoutUsername => "MQTT-3.1.2-22",
            NoTopicFilters { packet: "UNSUBSCRIBE" } => "MQTT-3.10.3-2",
            NoTopicFilters { .. } => "MQTT-3.8.3-3",
            BadRequestedQoS(_) => "MQTT-3.8.3-4",
            BadConnack => "§3.2.2.1",
            ReservedReturnCode(_) => "§3.2.2.3",
            BadSubackCode(_) => "MQTT-3.9.3-2",
        })
    }

    /// The message in `lang`, with the byte where it went wrong and the rule it breaks (or the
    /// section that says so, where the rule has no number).
    pub fn message(&self, lang: Lang) -> String {
        let m = self.kind.text(lang);
        let at = self.offset;
        match (self.rule(), lang) {
            (Some(s), Lang::Zh) if s.starts_with('§') => {
                format!("{m}（第 {at} 字节，见规范 {} 节）", &s['§'.len_utf8()..])
            }
            (Some(s), Lang::En) if s.starts_with('§') => format!("{m} (byte {at}, see {s})"),
            (Some(rule), Lang::Zh) => format!("{m}（第 {at} 字节，{rule}）"),
            (Some(rule), Lang::En) => format!("{m} (byte {at}, {rule})"),
            (None, Lang::Zh) => format!("{m}（第 {at} 字节）"),
            (None, Lang::En) => format!("{m} (byte {at})"),
        }
    }
}

impl ErrorKind {
    /// What is wrong, in `lang` (without the byte and the rule).
    pub fn text(&self, lang: Lang) -> String {
        use ErrorKind::*;
        match (self, lang.is_zh()) {
            (ReservedPacketType(t), false) => format!("packet type {t} is reserved"),
            (ReservedPacketType(t), true) => format!("报文类型 {t} 是保留值"),
            (ReservedFlags { packet, flags, expected }, false) => {
                format!("{packet} flags must be {expected:04b}, got {flags:04b}")
            }
            (ReservedFlags { packet, flags, expected }, true) => {
                format!("{packet} 的标志位必须是 {expected:04b}，收到 {flags:04b}")
            }
            (QoS3, false) => "QoS 3 is not a valid QoS".into(),
            (QoS3, true) => "QoS 3 是非法值".into(),
            (DupAtQoS0, false) => "DUP must be 0 in a QoS 0 PUBLISH".into(),
            (DupAtQoS0, true) => "QoS 0 的 PUBLISH 中 DUP 必须为 0".into(),
            (RemainingLengthTooLong, false) => "remaining length has more than 4 bytes".into(),
            (RemainingLengthTooLong, true) => "剩余长度超过 4 个字节".into(),
            (PacketTooLarge { size, max }, false) => {
                format!("packet of {size} bytes exceeds the limit of {max}")
            }
            (PacketTooLarge { size, max }, true) => format!("报文 {size} 字节，超过上限 {max}"),
            (Truncated { field }, false) => format!("the packet ends inside {}", field.en),
            (Truncated { field }, true) => format!("报文在{}中途结束", field.zh),
            (TrailingBytes(n), false) => format!("{n} unexpected bytes after the last field"),
            (TrailingBytes(n), true) => format!("最后一个字段后多出 {n} 个字节"),
            (InvalidUtf8 { field }, false) => format!("{} is not valid UTF-8", field.en),
            (InvalidUtf8 { field }, true) => format!("{}不是合法的 UTF-8", field.zh),
            (NullCharacter { field }, false) => format!("{} contains U+0000", field.en),
            (NullCharacter { field }, true) => format!("{}含有 U+0000", field.zh),
            (WildcardInTopic, false) => "a topic name must not contain + or #".into(),
            (WildcardInTopic, true) => "主题名不能包含 + 或 #".into(),
            (WildcardInWillTopic, false) => "a will topic is a topic name and must not contain + or #".into(),
            (WildcardInWillTopic, true) => "遗嘱主题是主题名，不能包含 + 或 #".into(),
            (EmptyTopic, false) => "a topic must be at least one character long".into(),
            (EmptyTopic, true) => "主题至少要有一个字符".into(),
            (ZeroPacketId, false) => "packet identifier 0 is not allowed".into(),
            (ZeroPacketId, true) => "报文标识符不能为 0".into(),
            (BadProtocolName(n), false) => {
                format!("protocol name {n:?} is neither \"MQTT\" nor \"MQIsdp\"")
            }
            (BadProtocolName(n), true) => format!("协议名 {n:?} 既不是 \"MQTT\" 也不是 \"MQIsdp\""),
            // The decoder reports a level 3 or 4 only when the name does not go with it.
            (UnsupportedProtocolLevel(3), false) => {
                "the protocol name \"MQTT\" goes with level 4 (MQTT 3.1.1); level 3 (MQTT 3.1) is named \"MQIsdp\""
                    .into()
            }
            (UnsupportedProtocolLevel(3), true) => {
                "协议名 \"MQTT\" 配协议级别 4（MQTT 3.1.1）；级别 3（MQTT 3.1）的协议名是 \"MQIsdp\"".into()
            }
            (UnsupportedProtocolLevel(4), false) => {
                "protocol level 4 (MQTT 3.1.1) is named \"MQTT\"; \"MQIsdp\" goes with level 3 (MQTT 3.1)".into()
            }
            (UnsupportedProtocolLevel(4), true) => {
                "协议级别 4（MQTT 3.1.1）的协议名是 \"MQTT\"；\"MQIsdp\" 配级别 3（MQTT 3.1）".into()
            }
            (UnsupportedProtocolLevel(5), false) => {
                "protocol level 5 is MQTT 5.0, which this lab does not speak: use level 4 (MQTT 3.1.1)".into()
            }
            (UnsupportedProtocolLevel(5), true) => {
                "协议级别 5 是 MQTT 5.0，本实验不支持：请用级别 4（MQTT 3.1.1）".into()
            }
            (UnsupportedProtocolLevel(l), false) => format!(
                "protocol level {l} is not supported: \"MQTT\" goes with level 4 (MQTT 3.1.1), \"MQIsdp\" with level 3 (MQTT 3.1)"
            ),
            (UnsupportedProtocolLevel(l), true) => {
                format!("不支持协议级别 {l}：\"MQTT\" 配级别 4（MQTT 3.1.1），\"MQIsdp\" 配级别 3（MQTT 3.1）")
            }
            (ConnectReservedFlag, false) => "the reserved connect flag must be 0".into(),
            (ConnectReservedFlag, true) => "连接标志的保留位必须为 0".into(),
            (WillFlagsWithoutWill, false) => "will QoS and will retain must be 0 without a will".into(),
            (WillFlagsWithoutWill, true) => "没有遗嘱时遗嘱 QoS 和遗嘱保留必须为 0".into(),
            (WillQoS3, false) => "will QoS 3 is not valid".into(),
            (WillQoS3, true) => "遗嘱 QoS 3 是非法值".into(),
            (PasswordWithoutUsername, false) => "a password needs a user name".into(),
            (PasswordWithoutUsername, true) => "有密码就必须有用户名".into(),
            (NoTopicFilters { packet }, false) => format!("{packet} needs at least one topic filter"),
            (NoTopicFilters { packet }, true) => format!("{packet} 至少需要一个主题过滤器"),
            (BadRequestedQoS(b), false) => format!("requested QoS byte {b:#04x} is not 0, 1 or 2"),
            (BadRequestedQoS(b), true) => format!("请求的 QoS 字节 {b:#04x} 不是 0、1 或 2"),
            (BadConnack, false) => "the reserved bits 7–1 of CONNACK's acknowledge flags must be 0".into(),
            (BadConnack, true) => "CONNACK 连接确认标志的第 7–1 位是保留位，必须为 0".into(),
            (ReservedReturnCode(c), false) => format!("CONNACK return code {c} is reserved (only 0–5 are used)"),
            (ReservedReturnCode(c), true) => format!("CONNACK 返回码 {c} 是保留值（只用 0–5）"),
            (BadSubackCode(c), false) => format!("SUBACK return code {c:#04x} is not valid"),
            (BadSubackCode(c), true) => format!("SUBACK 返回码 {c:#04x} 不合法"),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for DecodeError {}

//! Decode errors: what is wrong, at which byte offset of the frame, and which rule of the
//! specification it breaks: MQTT 3.1.1 for a 3.1 / 3.1.1 frame, MQTT 5.0 for a 5.0 one (the two
//! number their statements differently, so an error knows which it cites).

use super::Protocol;
use super::property::{self, PropContext};
use super::reason::ReasonPacket;
use crate::i18n::{Lang, Words};
use std::fmt;

/// The part of a frame after the fixed header, named where it ends too soon.
pub const PACKET_BODY: Words = Words::new("报文主体", "packet body");

/// The properties of an MQTT 5.0 packet, named where their length runs past the frame.
pub const PROPERTY_BLOCK: Words = Words::new("属性", "the properties");

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

    // ---- MQTT 5.0 only ----
    /// A variable byte integer written in more bytes than its value needs.
    NonMinimalVarint { field: Words },
    /// A variable byte integer whose fourth byte still has its continuation bit.
    VarintTooLong { field: Words },
    /// A property identifier that MQTT 5.0 does not define.
    UnknownProperty { id: u8, ctx: PropContext },
    /// A property this packet (or the will) may not carry.
    PropertyNotAllowed { id: u8, ctx: PropContext },
    /// A second copy of a property that may appear only once.
    DuplicateProperty { id: u8, ctx: PropContext },
    /// A value the property does not allow (Receive Maximum 0, Maximum QoS 2 …).
    BadPropertyValue { id: u8, ctx: PropContext, value: u32 },
    /// Authentication Data in a CONNECT without an Authentication Method.
    AuthDataWithoutMethod,
    /// A Response Topic containing `+` or `#`.
    WildcardInResponseTopic,
    /// A PUBLISH with an empty topic name and no Topic Alias.
    EmptyTopicWithoutAlias,
    /// Subscription options with the reserved bits 7–6 set.
    SubscriptionOptionsReserved(u8),
    /// Subscription options asking for QoS 3.
    RequestedQoS3,
    /// Subscription options with Retain Handling 3.
    RetainHandling3,
    /// No Local on a shared subscription (`$share/…`).
    NoLocalOnSharedSubscription,
    /// A reason code the packet may not carry.
    BadReasonCode { packet: ReasonPacket, code: u8 },
}

impl ErrorKind {
    /// Whether only the MQTT 5.0 decoder reports this.
    fn is_v5_only(&self) -> bool {
        use ErrorKind::*;
        matches!(
            self,
            NonMinimalVarint { .. }
                | VarintTooLong { .. }
                | UnknownProperty { .. }
                | PropertyNotAllowed { .. }
                | DuplicateProperty { .. }
                | BadPropertyValue { .. }
                | AuthDataWithoutMethod
                | WildcardInResponseTopic
                | EmptyTopicWithoutAlias
                | SubscriptionOptionsReserved(_)
                | RequestedQoS3
                | RetainHandling3
                | NoLocalOnSharedSubscription
                | BadReasonCode { .. }
        )
    }
}

/// A frame that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Offset of the offending byte in the frame.
    pub offset: usize,
    pub kind: ErrorKind,
    /// The protocol the frame was read as: [`Protocol::V5`] for MQTT 5.0, whose rules the error then
    /// cites; 3.1 and 3.1.1 frames cite MQTT 3.1.1.
    pub version: Protocol,
}

impl DecodeError {
    /// An error of a 3.1 / 3.1.1 frame (see [`in_version`](Self::in_version) for 5.0).
    pub fn new(offset: usize, kind: ErrorKind) -> Self {
        DecodeError { offset, kind, version: Protocol::V311 }
    }

    /// The same error, of a frame read as `version`.
    pub fn in_version(self, version: Protocol) -> Self {
        DecodeError { version, ..self }
    }

    /// Whether the error cites MQTT 5.0.
    pub fn is_v5(&self) -> bool {
        self.version == Protocol::V5 || self.kind.is_v5_only()
    }

    /// What the frame breaks: a conformance statement (`MQTT-x.y.z-n`) of MQTT 3.1.1, or of MQTT 5.0
    /// when [`is_v5`](Self::is_v5) (all of them in [`rules`](crate::proto::rules)), or, where the
    /// rule has no number, its section (`§x.y.z`).
    pub fn rule(&self) -> Option<&'static str> {
        if self.is_v5() {
            return self.rule_v5();
        }
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
            _ => return self.rule_v5(),
        })
    }

    /// The statement or section of MQTT 5.0 (OASIS Standard, 7 March 2019) the frame breaks.
    fn rule_v5(&self) -> Option<&'static str> {
        use ErrorKind::*;
        Some(match &self.kind {
            ReservedPacketType(_) => "§2.1.2",
            ReservedFlags { .. } => "MQTT-2.1.3-1",
            QoS3 => "MQTT-3.3.1-4",
            DupAtQoS0 => "MQTT-3.3.1-2",
            RemainingLengthTooLong | VarintTooLong { .. } => "§1.5.5",
            NonMinimalVarint { .. } => "MQTT-1.5.5-1",
            PacketTooLarge { .. } => return None,
            Truncated { .. } | TrailingBytes(_) => "§2.1.4",
            InvalidUtf8 { .. } => "MQTT-1.5.4-1",
            NullCharacter { .. } => "MQTT-1.5.4-2",
            WildcardInTopic => "MQTT-3.3.2-2",
            WildcardInWillTopic => "MQTT-4.7.0-1",
            EmptyTopic => "MQTT-4.7.3-1",
            ZeroPacketId => "MQTT-2.2.1-3",
            BadProtocolName(_) => "MQTT-3.1.2-1",
            UnsupportedProtocolLevel(_) => "MQTT-3.1.2-2",
            ConnectReservedFlag => "MQTT-3.1.2-3",
            WillFlagsWithoutWill => "MQTT-3.1.2-11",
            WillQoS3 => "MQTT-3.1.2-12",
            // 5.0 allows a password without a user name (§3.1.2.9); the 5.0 decoder never says this.
            PasswordWithoutUsername => "§3.1.2.9",
            NoTopicFilters { packet: "UNSUBSCRIBE" } => "MQTT-3.10.3-2",
            NoTopicFilters { .. } => "MQTT-3.8.3-2",
            BadRequestedQoS(_) | RequestedQoS3 | RetainHandling3 => "§3.8.3.1",
            BadConnack => "MQTT-3.2.2-1",
            ReservedReturnCode(_) => "MQTT-3.2.2-8",
            BadSubackCode(_) => "MQTT-3.9.3-2",
            UnknownProperty { .. } | PropertyNotAllowed { .. } => "§2.2.2.2",
            DuplicateProperty { id, ctx } => ctx.section(*id).unwrap_or("§2.2.2.2"),
            BadPropertyValue { id: 0x23, .. } => "MQTT-3.3.2-8",
            BadPropertyValue { id, ctx, .. } => ctx.section(*id).unwrap_or("§2.2.2.2"),
            AuthDataWithoutMethod => "§3.1.2.11.10",
            WildcardInResponseTopic => "MQTT-3.3.2-14",
            EmptyTopicWithoutAlias => "§3.3.2.1",
            SubscriptionOptionsReserved(_) => "MQTT-3.8.3-5",
            NoLocalOnSharedSubscription => "MQTT-3.8.3-4",
            BadReasonCode { packet, .. } => packet.rule(),
        })
    }

    /// The message in `lang`, with the byte where it went wrong and the rule it breaks (or the
    /// section that says so, where the rule has no number).
    pub fn message(&self, lang: Lang) -> String {
        let m = self.kind.text(lang);
        let at = self.offset;
        if self.is_v5() {
            return match (self.rule(), lang) {
                (Some(s), Lang::Zh) if s.starts_with('§') => {
                    format!("{m}（第 {at} 字节，见 5.0 规范 {} 节）", &s['§'.len_utf8()..])
                }
                (Some(s), Lang::En) if s.starts_with('§') => format!("{m} (byte {at}, see {s} of 5.0)"),
                (Some(rule), Lang::Zh) => format!("{m}（第 {at} 字节，5.0 规范 {rule}）"),
                (Some(rule), Lang::En) => format!("{m} (byte {at}, {rule} of 5.0)"),
                (None, Lang::Zh) => format!("{m}（第 {at} 字节）"),
                (None, Lang::En) => format!("{m} (byte {at})"),
            };
        }
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
            (NonMinimalVarint { field }, false) => {
                format!("{} is a variable byte integer written in more bytes than it needs", field.en)
            }
            (NonMinimalVarint { field }, true) => format!("{}是变长整数，但用了多于所需的字节", field.zh),
            (VarintTooLong { field }, false) => format!("{} has more than 4 bytes", field.en),
            (VarintTooLong { field }, true) => format!("{}超过 4 个字节", field.zh),
            (UnknownProperty { id, .. }, false) => format!("property identifier {id:#04x} is not defined by MQTT 5.0"),
            (UnknownProperty { id, .. }, true) => format!("MQTT 5.0 没有定义属性标识符 {id:#04x}"),
            (PropertyNotAllowed { id, ctx }, false) => {
                format!("{} ({id:#04x}) is not allowed in {}", property::name(*id).en, ctx.words().en)
            }
            (PropertyNotAllowed { id, ctx }, true) => {
                format!("{}里不能有{}（{id:#04x}）", ctx.words().zh, property::name(*id).zh)
            }
            (DuplicateProperty { id, ctx }, false) => format!(
                "{} appears twice in {}; only User Property (and Subscription Identifier in PUBLISH) may repeat",
                property::name(*id).en,
                ctx.words().en
            ),
            (DuplicateProperty { id, ctx }, true) => format!(
                "{}里{}出现了两次；只有用户属性（以及 PUBLISH 里的订阅标识符）可以重复",
                ctx.words().zh,
                property::name(*id).zh
            ),
            (BadPropertyValue { id, value, .. }, false) => {
                let why = if property::value_ok(*id, 0) { "it must be 0 or 1" } else { "0 is not allowed" };
                format!("{} {value} is not valid: {why}", property::name(*id).en)
            }
            (BadPropertyValue { id, value, .. }, true) => {
                let why = if property::value_ok(*id, 0) { "只能是 0 或 1" } else { "不能为 0" };
                format!("{} {value} 不合法：{why}", property::name(*id).zh)
            }
            (AuthDataWithoutMethod, false) => "Authentication Data needs an Authentication Method".into(),
            (AuthDataWithoutMethod, true) => "有认证数据就必须有认证方法".into(),
            (WildcardInResponseTopic, false) => "a Response Topic is a topic name and must not contain + or #".into(),
            (WildcardInResponseTopic, true) => "响应主题是主题名，不能包含 + 或 #".into(),
            (EmptyTopicWithoutAlias, false) => "an empty topic name needs a Topic Alias".into(),
            (EmptyTopicWithoutAlias, true) => "主题名为空时必须带主题别名".into(),
            (SubscriptionOptionsReserved(b), false) => {
                format!("subscription options {b:#04x}: the reserved bits 7–6 must be 0")
            }
            (SubscriptionOptionsReserved(b), true) => format!("订阅选项 {b:#04x}：第 7–6 位是保留位，必须为 0"),
            (RequestedQoS3, false) => "the subscription options ask for QoS 3".into(),
            (RequestedQoS3, true) => "订阅选项请求了非法的 QoS 3".into(),
            (RetainHandling3, false) => "Retain Handling 3 is not valid".into(),
            (RetainHandling3, true) => "保留处理 3 是非法值".into(),
            (NoLocalOnSharedSubscription, false) => "No Local must not be set on a shared subscription".into(),
            (NoLocalOnSharedSubscription, true) => "共享订阅不能设置非本地".into(),
            (BadReasonCode { packet, code }, false) => {
                format!("reason code {code:#04x} is not one of the {} reason codes", packet.name())
            }
            (BadReasonCode { packet, code }, true) => format!("原因码 {code:#04x} 不是 {} 可用的原因码", packet.name()),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::rules;

    /// One value of every kind, some kinds several times (their rule depends on a field).
    fn samples() -> Vec<ErrorKind> {
        use ErrorKind::*;
        let field = PACKET_BODY;
        let mut all = vec![
            ReservedPacketType(0),
            ReservedFlags { packet: "PUBREL", flags: 0, expected: 2 },
            QoS3,
            DupAtQoS0,
            RemainingLengthTooLong,
            PacketTooLarge { size: 9, max: 8 },
            Truncated { field },
            TrailingBytes(1),
            InvalidUtf8 { field },
            NullCharacter { field },
            WildcardInTopic,
            WildcardInWillTopic,
            EmptyTopic,
            ZeroPacketId,
            BadProtocolName("MQTX".into()),
            UnsupportedProtocolLevel(6),
            ConnectReservedFlag,
            WillFlagsWithoutWill,
            WillQoS3,
            PasswordWithoutUsername,
            NoTopicFilters { packet: "SUBSCRIBE" },
            NoTopicFilters { packet: "UNSUBSCRIBE" },
            BadRequestedQoS(3),
            BadConnack,
            ReservedReturnCode(6),
            BadSubackCode(3),
            NonMinimalVarint { field },
            VarintTooLong { field },
            AuthDataWithoutMethod,
            WildcardInResponseTopic,
            EmptyTopicWithoutAlias,
            SubscriptionOptionsReserved(0x80),
            RequestedQoS3,
            RetainHandling3,
            NoLocalOnSharedSubscription,
        ];
        for ctx in PropContext::ALL {
            for p in property::PROPERTIES {
                all.push(UnknownProperty { id: 0x7f, ctx });
                all.push(PropertyNotAllowed { id: p.id, ctx });
                all.push(DuplicateProperty { id: p.id, ctx });
                all.push(BadPropertyValue { id: p.id, ctx, value: 0 });
            }
        }
        for packet in ReasonPacket::ALL {
            all.push(BadReasonCode { packet, code: 0x03 });
        }
        all
    }

    /// Every id an error can cite is in the list of its version: 3.1.1's for a 3.1.1 frame, 5.0's
    /// for a 5.0 one. A section is `§` and numbers.
    #[test]
    fn every_cited_rule_is_a_statement_of_its_version() {
        for kind in samples() {
            for version in [Protocol::V31, Protocol::V311, Protocol::V5] {
                let e = DecodeError::new(3, kind.clone()).in_version(version);
                let Some(rule) = e.rule() else { continue };
                if let Some(section) = rule.strip_prefix('§') {
                    assert!(section.split('.').all(|n| n.parse::<u32>().is_ok()), "{kind:?}: {rule}");
                } else if e.is_v5() {
                    assert!(rules::is_rule_id_v5(rule), "{kind:?} in 5.0 cites {rule}, not in RULES_5");
                } else {
                    assert!(rules::is_rule_id(rule), "{kind:?} cites {rule}, not a 3.1.1 statement");
                }
            }
        }
    }

    #[test]
    fn the_same_kind_cites_each_version_in_its_own_words() {
        let e = DecodeError::new(2, ErrorKind::ZeroPacketId);
        assert_eq!(
            (e.rule(), e.message(Lang::En).as_str()),
            (Some("MQTT-2.3.1-1"), "packet identifier 0 is not allowed (byte 2, MQTT-2.3.1-1)")
        );
        let e = e.in_version(Protocol::V5);
        assert_eq!(e.rule(), Some("MQTT-2.2.1-3"));
        assert_eq!(e.message(Lang::En), "packet identifier 0 is not allowed (byte 2, MQTT-2.2.1-3 of 5.0)");
        assert_eq!(e.message(Lang::Zh), "报文标识符不能为 0（第 2 字节，5.0 规范 MQTT-2.2.1-3）");
        let e = DecodeError::new(4, ErrorKind::EmptyTopicWithoutAlias);
        assert!(e.is_v5(), "a kind only 5.0 has cites 5.0 whatever the version says");
        assert_eq!(e.message(Lang::En), "an empty topic name needs a Topic Alias (byte 4, see §3.3.2.1 of 5.0)");
        assert_eq!(e.message(Lang::Zh), "主题名为空时必须带主题别名（第 4 字节，见 5.0 规范 3.3.2.1 节）");
    }
}

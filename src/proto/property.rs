//! The properties of MQTT 5.0 (§2.2.2): a variable byte integer length, then properties, each an
//! identifier byte and a value of the identifier's type. This module owns the 27 properties (their
//! identifier, type, field in the registry and name in both languages), which packet may carry which
//! (with the section of the specification that defines it there), their decoding with a span for the
//! identifier and for the value, their validation and their encoding.
//!
//! A property that the packet may not carry is a Malformed Packet (§2.2.2.2); a second copy of one
//! that may appear only once, and a value the property does not allow (Receive Maximum 0, Maximum QoS
//! 2, Topic Alias 0 [MQTT-3.3.2-8] …), is a Protocol Error. Only User Property may repeat anywhere,
//! and Subscription Identifier in a PUBLISH.
//!
//! Pure: part of the codec, no I/O.

use super::error::{DecodeError, ErrorKind, PROPERTY_BLOCK};
use super::field::{self as f, Field};
use super::reader::Reader;
use super::span::{Note, Recorder, Value};
use super::{MAX_REMAINING_LENGTH, QoS, put_remaining_length, put_str, remaining_length_len};
use crate::i18n::Words;
use bytes::{BufMut, Bytes, BytesMut};
use std::num::{NonZeroU16, NonZeroU32};

/// The type of a property's value (§1.5, §2.2.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropType {
    Byte,
    TwoByte,
    FourByte,
    Varint,
    Utf8,
    Binary,
    Utf8Pair,
}

/// One of the 27 properties of Table 2-4.
#[derive(Debug)]
pub struct PropDef {
    pub id: u8,
    /// Its name in 中文 and in the specification's English.
    pub name: Words,
    pub ty: PropType,
    /// The field its value is recorded under (a User Property's name; its value is
    /// [`PROP_USER_PROPERTY_VALUE`](f::PROP_USER_PROPERTY_VALUE)).
    pub field: &'static Field,
}

macro_rules! props {
    ($($id:literal $ty:ident $field:ident $zh:literal $en:literal;)*) => {
        /// Every property of MQTT 5.0, by identifier.
        pub static PROPERTIES: &[PropDef] = &[
            $(PropDef { id: $id, name: Words::new($zh, $en), ty: PropType::$ty, field: &f::$field },)*
        ];
    };
}

props! {
    0x01 Byte PROP_PAYLOAD_FORMAT_INDICATOR "载荷格式指示" "Payload Format Indicator";
    0x02 FourByte PROP_MESSAGE_EXPIRY_INTERVAL "消息过期间隔" "Message Expiry Interval";
    0x03 Utf8 PROP_CONTENT_TYPE "内容类型" "Content Type";
    0x08 Utf8 PROP_RESPONSE_TOPIC "响应主题" "Response Topic";
    0x09 Binary PROP_CORRELATION_DATA "对比数据" "Correlation Data";
    0x0b Varint PROP_SUBSCRIPTION_IDENTIFIER "订阅标识符" "Subscription Identifier";
    0x11 FourByte PROP_SESSION_EXPIRY_INTERVAL "会话过期间隔" "Session Expiry Interval";
    0x12 Utf8 PROP_ASSIGNED_CLIENT_IDENTIFIER "分配客户端ID" "Assigned Client Identifier";
    0x13 TwoByte PROP_SERVER_KEEP_ALIVE "服务端心跳间隔" "Server Keep Alive";
    0x15 Utf8 PROP_AUTHENTICATION_METHOD "认证方法" "Authentication Method";
    0x16 Binary PROP_AUTHENTICATION_DATA "认证数据" "Authentication Data";
    0x17 Byte PROP_REQUEST_PROBLEM_INFORMATION "请求问题信息" "Request Problem Information";
    0x18 FourByte PROP_WILL_DELAY_INTERVAL "遗嘱延时间隔" "Will Delay Interval";
    0x19 Byte PROP_REQUEST_RESPONSE_INFORMATION "请求响应信息" "Request Response Information";
    0x1a Utf8 PROP_RESPONSE_INFORMATION "响应信息" "Response Information";
    0x1c Utf8 PROP_SERVER_REFERENCE "服务端参考" "Server Reference";
    0x1f Utf8 PROP_REASON_STRING "原因字符串" "Reason String";
    0x21 TwoByte PROP_RECEIVE_MAXIMUM "接收最大值" "Receive Maximum";
    0x22 TwoByte PROP_TOPIC_ALIAS_MAXIMUM "主题别名最大值" "Topic Alias Maximum";
    0x23 TwoByte PROP_TOPIC_ALIAS "主题别名" "Topic Alias";
    0x24 Byte PROP_MAXIMUM_QOS "最大服务质量" "Maximum QoS";
    0x25 Byte PROP_RETAIN_AVAILABLE "保留可用" "Retain Available";
    0x26 Utf8Pair PROP_USER_PROPERTY "用户属性" "User Property";
    0x27 FourByte PROP_MAXIMUM_PACKET_SIZE "最大报文长度" "Maximum Packet Size";
    0x28 Byte PROP_WILDCARD_SUBSCRIPTION_AVAILABLE "通配符订阅可用" "Wildcard Subscription Available";
    0x29 Byte PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE "订阅标识符可用" "Subscription Identifier Available";
    0x2a Byte PROP_SHARED_SUBSCRIPTION_AVAILABLE "共享订阅可用" "Shared Subscription Available";
}

/// The property with this identifier.
pub fn def(id: u8) -> Option<&'static PropDef> {
    PROPERTIES.iter().find(|p| p.id == id)
}

/// The name of property `id` (its hex value if MQTT 5.0 has no such property).
pub(crate) fn name(id: u8) -> Words {
    def(id).map_or(Words::new("未知属性", "unknown property"), |d| d.name)
}

/// Where a set of properties sits: the packet, or the will properties of a CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropContext {
    Connect,
    Will,
    ConnAck,
    Publish,
    PubAck,
    PubRec,
    PubRel,
    PubComp,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    Disconnect,
    Auth,
}

impl PropContext {
    pub const ALL: [PropContext; 14] = [
        PropContext::Connect,
        PropContext::Will,
        PropContext::ConnAck,
        PropContext::Publish,
        PropContext::PubAck,
        PropContext::PubRec,
        PropContext::PubRel,
        PropContext::PubComp,
        PropContext::Subscribe,
        PropContext::SubAck,
        PropContext::Unsubscribe,
        PropContext::UnsubAck,
        PropContext::Disconnect,
        PropContext::Auth,
    ];

    /// The packet (or "will properties") in 中文 and English.
    pub fn words(self) -> Words {
        use PropContext::*;
        match self {
            Connect => Words::new("CONNECT", "CONNECT"),
            Will => Words::new("遗嘱属性", "the will properties"),
            ConnAck => Words::new("CONNACK", "CONNACK"),
            Publish => Words::new("PUBLISH", "PUBLISH"),
            PubAck => Words::new("PUBACK", "PUBACK"),
            PubRec => Words::new("PUBREC", "PUBREC"),
            PubRel => Words::new("PUBREL", "PUBREL"),
            PubComp => Words::new("PUBCOMP", "PUBCOMP"),
            Subscribe => Words::new("SUBSCRIBE", "SUBSCRIBE"),
            SubAck => Words::new("SUBACK", "SUBACK"),
            Unsubscribe => Words::new("UNSUBSCRIBE", "UNSUBSCRIBE"),
            UnsubAck => Words::new("UNSUBACK", "UNSUBACK"),
            Disconnect => Words::new("DISCONNECT", "DISCONNECT"),
            Auth => Words::new("AUTH", "AUTH"),
        }
    }

    /// The properties this context may carry, each with the section that defines it there.
    fn table(self) -> &'static [(u8, &'static str)] {
        use PropContext::*;
        match self {
            Connect => &[
                (0x11, "§3.1.2.11.2"),
                (0x21, "§3.1.2.11.3"),
                (0x27, "§3.1.2.11.4"),
                (0x22, "§3.1.2.11.5"),
                (0x19, "§3.1.2.11.6"),
                (0x17, "§3.1.2.11.7"),
                (0x26, "§3.1.2.11.8"),
                (0x15, "§3.1.2.11.9"),
                (0x16, "§3.1.2.11.10"),
            ],
            Will => &[
                (0x18, "§3.1.3.2.2"),
                (0x01, "§3.1.3.2.3"),
                (0x02, "§3.1.3.2.4"),
                (0x03, "§3.1.3.2.5"),
                (0x08, "§3.1.3.2.6"),
                (0x09, "§3.1.3.2.7"),
                (0x26, "§3.1.3.2.8"),
            ],
            ConnAck => &[
                (0x11, "§3.2.2.3.2"),
                (0x21, "§3.2.2.3.3"),
                (0x24, "§3.2.2.3.4"),
                (0x25, "§3.2.2.3.5"),
                (0x27, "§3.2.2.3.6"),
                (0x12, "§3.2.2.3.7"),
                (0x22, "§3.2.2.3.8"),
                (0x1f, "§3.2.2.3.9"),
                (0x26, "§3.2.2.3.10"),
                (0x28, "§3.2.2.3.11"),
                (0x29, "§3.2.2.3.12"),
                (0x2a, "§3.2.2.3.13"),
                (0x13, "§3.2.2.3.14"),
                (0x1a, "§3.2.2.3.15"),
                (0x1c, "§3.2.2.3.16"),
                (0x15, "§3.2.2.3.17"),
                (0x16, "§3.2.2.3.18"),
            ],
            Publish => &[
                (0x01, "§3.3.2.3.2"),
                (0x02, "§3.3.2.3.3"),
                (0x23, "§3.3.2.3.4"),
                (0x08, "§3.3.2.3.5"),
                (0x09, "§3.3.2.3.6"),
                (0x26, "§3.3.2.3.7"),
                (0x0b, "§3.3.2.3.8"),
                (0x03, "§3.3.2.3.9"),
            ],
            PubAck => &[(0x1f, "§3.4.2.2.2"), (0x26, "§3.4.2.2.3")],
            PubRec => &[(0x1f, "§3.5.2.2.2"), (0x26, "§3.5.2.2.3")],
            PubRel => &[(0x1f, "§3.6.2.2.2"), (0x26, "§3.6.2.2.3")],
            PubComp => &[(0x1f, "§3.7.2.2.2"), (0x26, "§3.7.2.2.3")],
            Subscribe => &[(0x0b, "§3.8.2.1.2"), (0x26, "§3.8.2.1.3")],
            SubAck => &[(0x1f, "§3.9.2.1.2"), (0x26, "§3.9.2.1.3")],
            Unsubscribe => &[(0x26, "§3.10.2.1.2")],
            UnsubAck => &[(0x1f, "§3.11.2.1.2"), (0x26, "§3.11.2.1.3")],
            Disconnect => &[(0x11, "§3.14.2.2.2"), (0x1f, "§3.14.2.2.3"), (0x26, "§3.14.2.2.4"), (0x1c, "§3.14.2.2.5")],
            Auth => &[(0x15, "§3.15.2.2.2"), (0x16, "§3.15.2.2.3"), (0x1f, "§3.15.2.2.4"), (0x26, "§3.15.2.2.5")],
        }
    }

    /// Whether a property with identifier `id` may appear here.
    pub fn allows(self, id: u8) -> bool {
        self.section(id).is_some()
    }

    /// The section that defines property `id` here, e.g. `"§3.1.2.11.3"` for Receive Maximum in CONNECT.
    pub fn section(self, id: u8) -> Option<&'static str> {
        self.table().iter().find(|(i, _)| *i == id).map(|(_, s)| *s)
    }

    /// Whether property `id` may appear more than once here.
    pub fn may_repeat(self, id: u8) -> bool {
        id == 0x26 || (id == 0x0b && self == PropContext::Publish)
    }
}

/// Whether `v` is a value property `id` allows; the others are a Protocol Error.
pub(crate) fn value_ok(id: u8, v: u32) -> bool {
    match id {
        0x01 | 0x17 | 0x19 | 0x24 | 0x25 | 0x28 | 0x29 | 0x2a => v <= 1,
        0x0b | 0x21 | 0x23 | 0x27 => v != 0,
        _ => true,
    }
}

/// The properties of one MQTT 5.0 packet (or of a will). A property that is absent is `None` (or an
/// empty list): "absent" and "present with the default value" stay different, so decoding and
/// re-encoding loses nothing. Which of them a packet may carry is [`PropContext::allows`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Properties {
    /// 0x01: `true` when the payload is UTF-8 text (1), `false` for unspecified bytes (0).
    pub payload_format_indicator: Option<bool>,
    /// 0x02, seconds.
    pub message_expiry_interval: Option<u32>,
    /// 0x03.
    pub content_type: Option<String>,
    /// 0x08.
    pub response_topic: Option<String>,
    /// 0x09.
    pub correlation_data: Option<Bytes>,
    /// 0x0B, 1 to 268,435,455; several only in a PUBLISH from the broker.
    pub subscription_identifiers: Vec<NonZeroU32>,
    /// 0x11, seconds.
    pub session_expiry_interval: Option<u32>,
    /// 0x12.
    pub assigned_client_identifier: Option<String>,
    /// 0x13, seconds.
    pub server_keep_alive: Option<u16>,
    /// 0x15.
    pub authentication_method: Option<String>,
    /// 0x16.
    pub authentication_data: Option<Bytes>,
    /// 0x17.
    pub request_problem_information: Option<bool>,
    /// 0x18, seconds.
    pub will_delay_interval: Option<u32>,
    /// 0x19.
    pub request_response_information: Option<bool>,
    /// 0x1A.
    pub response_information: Option<String>,
    /// 0x1C.
    pub server_reference: Option<String>,
    /// 0x1F.
    pub reason_string: Option<String>,
    /// 0x21.
    pub receive_maximum: Option<NonZeroU16>,
    /// 0x22.
    pub topic_alias_maximum: Option<u16>,
    /// 0x23.
    pub topic_alias: Option<NonZeroU16>,
    /// 0x24: QoS 0 or 1 only.
    pub maximum_qos: Option<QoS>,
    /// 0x25.
    pub retain_available: Option<bool>,
    /// 0x26, name and value, in their order on the wire.
    pub user_properties: Vec<(String, String)>,
    /// 0x27, bytes.
    pub maximum_packet_size: Option<NonZeroU32>,
    /// 0x28.
    pub wildcard_subscription_available: Option<bool>,
    /// 0x29.
    pub subscription_identifier_available: Option<bool>,
    /// 0x2A.
    pub shared_subscription_available: Option<bool>,
}

/// A string property's bytes on the wire, after its identifier.
fn str_len(s: &Option<String>) -> usize {
    s.as_ref().map_or(0, |s| 1 + 2 + s.len())
}

fn bin_len(b: &Option<Bytes>) -> usize {
    b.as_ref().map_or(0, |b| 1 + 2 + b.len())
}

fn opt_len<T>(v: &Option<T>, n: usize) -> usize {
    if v.is_some() { 1 + n } else { 0 }
}

impl Properties {
    pub fn is_empty(&self) -> bool {
        *self == Properties::default()
    }

    /// The identifiers of the properties present, in identifier order, one per copy.
    pub fn ids(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut one = |present: bool, id: u8| {
            if present {
                out.push(id)
            }
        };
        one(self.payload_format_indicator.is_some(), 0x01);
        one(self.message_expiry_interval.is_some(), 0x02);
        one(self.content_type.is_some(), 0x03);
        one(self.response_topic.is_some(), 0x08);
        one(self.correlation_data.is_some(), 0x09);
        for _ in &self.subscription_identifiers {
            one(true, 0x0b);
        }
        one(self.session_expiry_interval.is_some(), 0x11);
        one(self.assigned_client_identifier.is_some(), 0x12);
        one(self.server_keep_alive.is_some(), 0x13);
        one(self.authentication_method.is_some(), 0x15);
        one(self.authentication_data.is_some(), 0x16);
        one(self.request_problem_information.is_some(), 0x17);
        one(self.will_delay_interval.is_some(), 0x18);
        one(self.request_response_information.is_some(), 0x19);
        one(self.response_information.is_some(), 0x1a);
        one(self.server_reference.is_some(), 0x1c);
        one(self.reason_string.is_some(), 0x1f);
        one(self.receive_maximum.is_some(), 0x21);
        one(self.topic_alias_maximum.is_some(), 0x22);
        one(self.topic_alias.is_some(), 0x23);
        one(self.maximum_qos.is_some(), 0x24);
        one(self.retain_available.is_some(), 0x25);
        for _ in &self.user_properties {
            one(true, 0x26);
        }
        one(self.maximum_packet_size.is_some(), 0x27);
        one(self.wildcard_subscription_available.is_some(), 0x28);
        one(self.subscription_identifier_available.is_some(), 0x29);
        one(self.shared_subscription_available.is_some(), 0x2a);
        out
    }

    /// Bytes of the properties themselves (what the property length says).
    pub(crate) fn body_len(&self) -> usize {
        opt_len(&self.payload_format_indicator, 1)
            + opt_len(&self.message_expiry_interval, 4)
            + str_len(&self.content_type)
            + str_len(&self.response_topic)
            + bin_len(&self.correlation_data)
            + self.subscription_identifiers.iter().map(|v| 1 + remaining_length_len(v.get() as usize)).sum::<usize>()
            + opt_len(&self.session_expiry_interval, 4)
            + str_len(&self.assigned_client_identifier)
            + opt_len(&self.server_keep_alive, 2)
            + str_len(&self.authentication_method)
            + bin_len(&self.authentication_data)
            + opt_len(&self.request_problem_information, 1)
            + opt_len(&self.will_delay_interval, 4)
            + opt_len(&self.request_response_information, 1)
            + str_len(&self.response_information)
            + str_len(&self.server_reference)
            + str_len(&self.reason_string)
            + opt_len(&self.receive_maximum, 2)
            + opt_len(&self.topic_alias_maximum, 2)
            + opt_len(&self.topic_alias, 2)
            + opt_len(&self.maximum_qos, 1)
            + opt_len(&self.retain_available, 1)
            + self.user_properties.iter().map(|(k, v)| 1 + 2 + k.len() + 2 + v.len()).sum::<usize>()
            + opt_len(&self.maximum_packet_size, 4)
            + opt_len(&self.wildcard_subscription_available, 1)
            + opt_len(&self.subscription_identifier_available, 1)
            + opt_len(&self.shared_subscription_available, 1)
    }

    /// Bytes on the wire: the property length and the properties.
    pub(crate) fn encoded_len(&self) -> usize {
        let n = self.body_len();
        remaining_length_len(n) + n
    }

    /// Writes the property length and the properties, in identifier order (the order of properties
    /// with different identifiers has no meaning, §2.2.2.2; User Properties keep theirs).
    pub(crate) fn encode(&self, out: &mut BytesMut) {
        put_remaining_length(out, self.body_len());
        let byte = |out: &mut BytesMut, id: u8, v: Option<u8>| {
            if let Some(v) = v {
                out.put_u8(id);
                out.put_u8(v);
            }
        };
        let two = |out: &mut BytesMut, id: u8, v: Option<u16>| {
            if let Some(v) = v {
                out.put_u8(id);
                out.put_u16(v);
            }
        };
        let four = |out: &mut BytesMut, id: u8, v: Option<u32>| {
            if let Some(v) = v {
                out.put_u8(id);
                out.put_u32(v);
            }
        };
        let string = |out: &mut BytesMut, id: u8, v: &Option<String>| {
            if let Some(v) = v {
                out.put_u8(id);
                put_str(out, v.as_bytes());
            }
        };
        let binary = |out: &mut BytesMut, id: u8, v: &Option<Bytes>| {
            if let Some(v) = v {
                out.put_u8(id);
                put_str(out, v);
            }
        };
        let flag = |v: Option<bool>| v.map(u8::from);
        byte(out, 0x01, flag(self.payload_format_indicator));
        four(out, 0x02, self.message_expiry_interval);
        string(out, 0x03, &self.content_type);
        string(out, 0x08, &self.response_topic);
        binary(out, 0x09, &self.correlation_data);
        for v in &self.subscription_identifiers {
            out.put_u8(0x0b);
            put_remaining_length(out, v.get() as usize);
        }
        four(out, 0x11, self.session_expiry_interval);
        string(out, 0x12, &self.assigned_client_identifier);
        two(out, 0x13, self.server_keep_alive);
        string(out, 0x15, &self.authentication_method);
        binary(out, 0x16, &self.authentication_data);
        byte(out, 0x17, flag(self.request_problem_information));
        four(out, 0x18, self.will_delay_interval);
        byte(out, 0x19, flag(self.request_response_information));
        string(out, 0x1a, &self.response_information);
        string(out, 0x1c, &self.server_reference);
        string(out, 0x1f, &self.reason_string);
        two(out, 0x21, self.receive_maximum.map(NonZeroU16::get));
        two(out, 0x22, self.topic_alias_maximum);
        two(out, 0x23, self.topic_alias.map(NonZeroU16::get));
        byte(out, 0x24, self.maximum_qos.map(QoS::as_u8));
        byte(out, 0x25, flag(self.retain_available));
        for (k, v) in &self.user_properties {
            out.put_u8(0x26);
            put_str(out, k.as_bytes());
            put_str(out, v.as_bytes());
        }
        four(out, 0x27, self.maximum_packet_size.map(NonZeroU32::get));
        byte(out, 0x28, flag(self.wildcard_subscription_available));
        byte(out, 0x29, flag(self.subscription_identifier_available));
        byte(out, 0x2a, flag(self.shared_subscription_available));
    }

    /// Why these properties cannot be sent in `ctx`, if they cannot: a property the context may not
    /// carry, a second copy of one that may appear once, a value the decoder would refuse, a string or
    /// binary value over 65,535 bytes or a string with U+0000.
    pub(crate) fn check(&self, ctx: PropContext) -> Result<(), super::packet::EncodeError> {
        use super::packet::EncodeError;
        let invalid = |what: String, rule: &'static str| Err(EncodeError::Invalid { what, rule });
        let ids = self.ids();
        for (i, id) in ids.iter().enumerate() {
            let n = name(*id).en;
            let Some(section) = ctx.section(*id) else {
                return invalid(format!("{n} is not allowed in {}", ctx.words().en), "§2.2.2.2");
            };
            if !ctx.may_repeat(*id) && ids[..i].contains(id) {
                return invalid(format!("{n} may appear only once in {}", ctx.words().en), section);
            }
        }
        if self.maximum_qos == Some(QoS::ExactlyOnce) {
            return invalid("Maximum QoS must be 0 or 1".into(), "§3.2.2.3.4");
        }
        if self.subscription_identifiers.iter().any(|v| v.get() as usize > MAX_REMAINING_LENGTH) {
            return invalid("a Subscription Identifier holds at most 268,435,455".into(), "§1.5.5");
        }
        let strings = [
            (&self.content_type, 0x03),
            (&self.response_topic, 0x08),
            (&self.assigned_client_identifier, 0x12),
            (&self.authentication_method, 0x15),
            (&self.response_information, 0x1a),
            (&self.server_reference, 0x1c),
            (&self.reason_string, 0x1f),
        ];
        let pairs = self.user_properties.iter().flat_map(|(k, v)| [k, v]).map(|s| (s.as_str(), 0x26));
        let all = strings.iter().filter_map(|(s, id)| s.as_deref().map(|s| (s, *id))).chain(pairs);
        for (s, id) in all {
            if s.len() > u16::MAX as usize {
                return Err(EncodeError::FieldTooLong { field: name(id).en, len: s.len() });
            }
            if s.contains('\0') {
                return invalid(format!("{} contains U+0000", name(id).en), "MQTT-1.5.4-2");
            }
        }
        for (b, id) in [(&self.correlation_data, 0x09), (&self.authentication_data, 0x16)] {
            if let Some(b) = b
                && b.len() > u16::MAX as usize
            {
                return Err(EncodeError::FieldTooLong { field: name(id).en, len: b.len() });
            }
        }
        if let Some(t) = &self.response_topic
            && let Err(k) = super::validate_topic_name(t)
        {
            let rule = if k == ErrorKind::EmptyTopic { "MQTT-4.7.3-1" } else { "MQTT-3.3.2-14" };
            return invalid("the Response Topic is not a valid topic name".into(), rule);
        }
        if ctx == PropContext::Connect && self.authentication_data.is_some() && self.authentication_method.is_none() {
            return invalid("Authentication Data needs an Authentication Method".into(), "§3.1.2.11.10");
        }
        Ok(())
    }
}

/// Reads a property length and the properties it covers, for `ctx`, recording a span for the length,
/// for each identifier and for each value.
pub(crate) fn decode<R: Recorder>(r: &mut Reader<'_, R>, ctx: PropContext) -> Result<Properties, DecodeError> {
    let len_field = if ctx == PropContext::Will { &f::CONNECT_WILL_PROPS_LEN } else { &f::PROPS_LEN };
    let len = r.varint(len_field)? as usize;
    if len > r.remaining() {
        return Err(DecodeError::new(r.end.min(r.buf.len()), ErrorKind::Truncated { field: PROPERTY_BLOCK }));
    }
    let outer_end = r.end;
    r.end = r.pos + len;
    let mut p = Properties::default();
    let mut seen = 0u64;
    let mut auth_data_at = None;
    while r.remaining() > 0 {
        let at = r.pos;
        let id = r.buf[at];
        r.rec.bytes(&f::PROP_ID, at, at + 1, || Value {
            text: format!("{id:#04x}"),
            note: def(id).map(|_| Note::Property(id)),
        });
        r.pos += 1;
        let Some(d) = def(id) else {
            return Err(DecodeError::new(at, ErrorKind::UnknownProperty { id, ctx }));
        };
        if !ctx.allows(id) {
            return Err(DecodeError::new(at, ErrorKind::PropertyNotAllowed { id, ctx }));
        }
        if seen & (1 << id) != 0 && !ctx.may_repeat(id) {
            return Err(DecodeError::new(at, ErrorKind::DuplicateProperty { id, ctx }));
        }
        seen |= 1 << id;
        let value_at = r.pos;
        let number = |r: &mut Reader<'_, R>| -> Result<u32, DecodeError> {
            let v = match d.ty {
                PropType::Byte => u32::from(r.u8(d.field)?),
                PropType::TwoByte => u32::from(r.u16(d.field)?),
                PropType::FourByte => r.u32(d.field)?,
                _ => r.varint(d.field)?,
            };
            if value_ok(id, v) {
                Ok(v)
            } else {
                Err(DecodeError::new(value_at, ErrorKind::BadPropertyValue { id, ctx, value: v }))
            }
        };
        let string = |r: &mut Reader<'_, R>| r.string(&f::PROP_LEN, d.field).map(str::to_string);
        let binary = |r: &mut Reader<'_, R>| r.binary_bytes(&f::PROP_LEN, d.field);
        // `number` has checked the value, so the conversions below cannot fail.
        match id {
            0x01 => p.payload_format_indicator = Some(number(r)? == 1),
            0x02 => p.message_expiry_interval = Some(number(r)?),
            0x03 => p.content_type = Some(string(r)?),
            0x08 => {
                let topic = string(r)?;
                if let Err(k) = super::validate_topic_name(&topic) {
                    let k = if k == ErrorKind::EmptyTopic { k } else { ErrorKind::WildcardInResponseTopic };
                    let off = topic.bytes().position(|b| b == b'+' || b == b'#').unwrap_or(0);
                    return Err(DecodeError::new(value_at + 2 + off, k));
                }
                p.response_topic = Some(topic)
            }
            0x09 => p.correlation_data = Some(binary(r)?),
            0x0b => p.subscription_identifiers.extend(NonZeroU32::new(number(r)?)),
            0x11 => p.session_expiry_interval = Some(number(r)?),
            0x12 => p.assigned_client_identifier = Some(string(r)?),
            0x13 => p.server_keep_alive = Some(number(r)? as u16),
            0x15 => p.authentication_method = Some(string(r)?),
            0x16 => {
                auth_data_at = Some(at);
                p.authentication_data = Some(binary(r)?)
            }
            0x17 => p.request_problem_information = Some(number(r)? == 1),
            0x18 => p.will_delay_interval = Some(number(r)?),
            0x19 => p.request_response_information = Some(number(r)? == 1),
            0x1a => p.response_information = Some(string(r)?),
            0x1c => p.server_reference = Some(string(r)?),
            0x1f => p.reason_string = Some(string(r)?),
            0x21 => p.receive_maximum = NonZeroU16::new(number(r)? as u16),
            0x22 => p.topic_alias_maximum = Some(number(r)? as u16),
            0x23 => p.topic_alias = NonZeroU16::new(number(r)? as u16),
            0x24 => p.maximum_qos = QoS::from_u8(number(r)? as u8),
            0x25 => p.retain_available = Some(number(r)? == 1),
            0x26 => {
                let k = r.string(&f::PROP_LEN, &f::PROP_USER_PROPERTY)?.to_string();
                let v = r.string(&f::PROP_LEN, &f::PROP_USER_PROPERTY_VALUE)?.to_string();
                p.user_properties.push((k, v));
            }
            0x27 => p.maximum_packet_size = NonZeroU32::new(number(r)?),
            0x28 => p.wildcard_subscription_available = Some(number(r)? == 1),
            0x29 => p.subscription_identifier_available = Some(number(r)? == 1),
            _ => p.shared_subscription_available = Some(number(r)? == 1),
        }
    }
    r.end = outer_end;
    if let Some(at) = auth_data_at
        && ctx == PropContext::Connect
        && p.authentication_method.is_none()
    {
        return Err(DecodeError::new(at, ErrorKind::AuthDataWithoutMethod));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::check_bilingual;

    #[test]
    fn the_27_properties_of_table_2_4() {
        assert_eq!(PROPERTIES.len(), 27);
        let mut last = 0;
        for p in PROPERTIES {
            assert!(p.id > last, "{:#04x} out of order", p.id);
            last = p.id;
            assert!(p.field.key.starts_with("mqtt.prop."), "{}", p.field.key);
            check_bilingual(p.name.zh, p.name.en).unwrap();
            assert!(std::ptr::eq(f::by_key(p.field.key).unwrap(), p.field));
            // Every property is allowed somewhere, and in 14 contexts at most.
            assert!(PropContext::ALL.iter().any(|c| c.allows(p.id)), "{:#04x}", p.id);
        }
        assert_eq!(def(0x23).unwrap().field.key, "mqtt.prop.topic_alias");
        assert_eq!(def(0x11).unwrap().field.key, "mqtt.prop.session_expiry_interval");
        assert_eq!(def(0x26).unwrap().ty, PropType::Utf8Pair);
        assert!(def(0x04).is_none() && def(0x2b).is_none() && def(0xff).is_none());
    }

    /// Table 2-4's "Packet / Will Properties" column, written out by context.
    #[test]
    fn which_packet_carries_which_property() {
        use PropContext::*;
        let want: &[(PropContext, &[u8])] = &[
            (Connect, &[0x11, 0x15, 0x16, 0x17, 0x19, 0x21, 0x22, 0x26, 0x27]),
            (Will, &[0x01, 0x02, 0x03, 0x08, 0x09, 0x18, 0x26]),
            (
                ConnAck,
                &[0x11, 0x12, 0x13, 0x15, 0x16, 0x1a, 0x1c, 0x1f, 0x21, 0x22, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a],
            ),
            (Publish, &[0x01, 0x02, 0x03, 0x08, 0x09, 0x0b, 0x23, 0x26]),
            (PubAck, &[0x1f, 0x26]),
            (PubRec, &[0x1f, 0x26]),
            (PubRel, &[0x1f, 0x26]),
            (PubComp, &[0x1f, 0x26]),
            (Subscribe, &[0x0b, 0x26]),
            (SubAck, &[0x1f, 0x26]),
            (Unsubscribe, &[0x26]),
            (UnsubAck, &[0x1f, 0x26]),
            (Disconnect, &[0x11, 0x1c, 0x1f, 0x26]),
            (Auth, &[0x15, 0x16, 0x1f, 0x26]),
        ];
        for (ctx, ids) in want {
            let got: Vec<u8> = PROPERTIES.iter().map(|p| p.id).filter(|id| ctx.allows(*id)).collect();
            assert_eq!(&got, ids, "{ctx:?}");
            for id in *ids {
                let s = ctx.section(*id).unwrap();
                assert!(s.starts_with("§3.") && s.split('.').count() == 5, "{ctx:?} {id:#04x}: {s}");
            }
        }
        assert!(Publish.may_repeat(0x0b) && !Subscribe.may_repeat(0x0b) && Auth.may_repeat(0x26));
        assert!(!Connect.may_repeat(0x21));
    }

    #[test]
    fn values_the_properties_allow() {
        for id in [0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2a] {
            assert!(value_ok(id, 0) && value_ok(id, 1) && !value_ok(id, 2), "{id:#04x}");
        }
        for id in [0x0b, 0x21, 0x23, 0x27] {
            assert!(!value_ok(id, 0) && value_ok(id, 1), "{id:#04x}");
        }
        assert!(value_ok(0x22, 0) && value_ok(0x11, 0) && value_ok(0x13, 0));
    }

    #[test]
    fn the_encoded_length_is_what_encode_writes() {
        let p = Properties {
            payload_format_indicator: Some(true),
            subscription_identifiers: vec![NonZeroU32::new(200).unwrap(), NonZeroU32::new(1).unwrap()],
            user_properties: vec![("a".into(), "汽车".into())],
            maximum_qos: Some(QoS::AtLeastOnce),
            ..Properties::default()
        };
        let mut out = BytesMut::new();
        p.encode(&mut out);
        assert_eq!(out.len(), p.encoded_len());
        // 15 = 21 bytes | 01 01 | 0b c8 01 (200) | 0b 01 | 24 01 | 26 00 01 61 00 06 e6 b1 bd e8 bd a6
        assert_eq!(out.len(), 1 + 2 + 3 + 2 + 2 + 12);
        assert_eq!(&out[..8], [0x15, 0x01, 0x01, 0x0b, 0xc8, 0x01, 0x0b, 0x01]);
        assert_eq!(&out[10..], [0x26, 0x00, 0x01, 0x61, 0x00, 0x06, 0xe6, 0xb1, 0xbd, 0xe8, 0xbd, 0xa6]);
        assert_eq!(p.ids(), vec![0x01, 0x0b, 0x0b, 0x24, 0x26]);
        assert!(Properties::default().is_empty() && !p.is_empty());
        let mut empty = BytesMut::new();
        Properties::default().encode(&mut empty);
        assert_eq!(&empty[..], [0x00], "no properties is a property length of 0 [MQTT-2.2.2-1]");
    }
}

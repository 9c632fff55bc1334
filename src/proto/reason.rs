//! The reason codes of MQTT 5.0 (§2.4): one byte that says how an operation ended, `0x00` success and
//! `0x80` or above a failure. Every value the specification defines is here, with its name and what it
//! means in 中文 and English, and the packets that may carry it (a CONNACK says `0x84`, never `0x10`).
//!
//! Pure data: no I/O, nothing of the project but [`Lang`](crate::i18n::Lang).

use crate::i18n::Lang;

/// The packets of MQTT 5.0 that carry a reason code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ReasonPacket {
    ConnAck,
    PubAck,
    PubRec,
    PubRel,
    PubComp,
    SubAck,
    UnsubAck,
    Disconnect,
    Auth,
}

impl ReasonPacket {
    pub const ALL: [ReasonPacket; 9] = [
        ReasonPacket::ConnAck,
        ReasonPacket::PubAck,
        ReasonPacket::PubRec,
        ReasonPacket::PubRel,
        ReasonPacket::PubComp,
        ReasonPacket::SubAck,
        ReasonPacket::UnsubAck,
        ReasonPacket::Disconnect,
        ReasonPacket::Auth,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReasonPacket::ConnAck => "CONNACK",
            ReasonPacket::PubAck => "PUBACK",
            ReasonPacket::PubRec => "PUBREC",
            ReasonPacket::PubRel => "PUBREL",
            ReasonPacket::PubComp => "PUBCOMP",
            ReasonPacket::SubAck => "SUBACK",
            ReasonPacket::UnsubAck => "UNSUBACK",
            ReasonPacket::Disconnect => "DISCONNECT",
            ReasonPacket::Auth => "AUTH",
        }
    }

    /// The statement that says the sender uses one of this packet's reason codes.
    pub fn rule(self) -> &'static str {
        match self {
            ReasonPacket::ConnAck => "MQTT-3.2.2-8",
            ReasonPacket::PubAck => "MQTT-3.4.2-1",
            ReasonPacket::PubRec => "MQTT-3.5.2-1",
            ReasonPacket::PubRel => "MQTT-3.6.2-1",
            ReasonPacket::PubComp => "MQTT-3.7.2-1",
            ReasonPacket::SubAck => "MQTT-3.9.3-2",
            ReasonPacket::UnsubAck => "MQTT-3.11.3-2",
            ReasonPacket::Disconnect => "MQTT-3.14.2-1",
            ReasonPacket::Auth => "MQTT-3.15.2-1",
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }

    /// The reason codes this packet may carry, in ascending order.
    pub fn codes(self) -> impl Iterator<Item = ReasonCode> {
        ReasonCode::ALL.iter().copied().filter(move |c| c.is_valid_in(self))
    }
}

const C: u16 = 1 << ReasonPacket::ConnAck as u16;
const PA: u16 = 1 << ReasonPacket::PubAck as u16;
const PR: u16 = 1 << ReasonPacket::PubRec as u16;
const PL: u16 = 1 << ReasonPacket::PubRel as u16;
const PC: u16 = 1 << ReasonPacket::PubComp as u16;
const S: u16 = 1 << ReasonPacket::SubAck as u16;
const U: u16 = 1 << ReasonPacket::UnsubAck as u16;
const D: u16 = 1 << ReasonPacket::Disconnect as u16;
const A: u16 = 1 << ReasonPacket::Auth as u16;

macro_rules! reason_codes {
    ($($name:ident = $v:literal, $packets:expr, $en:literal, $zh:literal;)*) => {
        /// A reason code of MQTT 5.0 (Table 2-6). `0x00` is Success, Normal disconnection (DISCONNECT)
        /// or Granted QoS 0 (SUBACK) depending on the packet.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[repr(u8)]
        pub enum ReasonCode {
            $($name = $v,)*
        }

        impl ReasonCode {
            /// Every reason code of MQTT 5.0, in ascending order.
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$name),*];

            pub fn from_u8(v: u8) -> Option<ReasonCode> {
                match v {
                    $($v => Some(ReasonCode::$name),)*
                    _ => None,
                }
            }

            fn packets(self) -> u16 {
                match self {
                    $(ReasonCode::$name => $packets,)*
                }
            }

            /// The code's name in the specification (for 0x00 the name it has in most packets).
            fn names(self) -> (&'static str, &'static str) {
                match self {
                    $(ReasonCode::$name => ($en, $zh),)*
                }
            }
        }
    };
}

reason_codes! {
    Success = 0x00, C | PA | PR | PL | PC | S | U | D | A, "success", "成功";
    GrantedQoS1 = 0x01, S, "granted QoS 1", "授予 QoS 1";
    GrantedQoS2 = 0x02, S, "granted QoS 2", "授予 QoS 2";
    DisconnectWithWill = 0x04, D, "disconnect with will message", "断开并发布遗嘱";
    NoMatchingSubscribers = 0x10, PA | PR, "no matching subscribers", "没有匹配的订阅者";
    NoSubscriptionExisted = 0x11, U, "no subscription existed", "本来就没有这个订阅";
    ContinueAuthentication = 0x18, A, "continue authentication", "继续认证";
    ReAuthenticate = 0x19, A, "re-authenticate", "重新认证";
    UnspecifiedError = 0x80, C | PA | PR | S | U | D, "unspecified error", "未指明的错误";
    MalformedPacket = 0x81, C | D, "malformed packet", "无效报文";
    ProtocolError = 0x82, C | D, "protocol error", "协议错误";
    ImplementationSpecificError = 0x83, C | PA | PR | S | U | D, "implementation specific error", "实现特定错误";
    UnsupportedProtocolVersion = 0x84, C, "unsupported protocol version", "不支持的协议版本";
    ClientIdentifierNotValid = 0x85, C, "client identifier not valid", "客户端ID无效";
    BadUserNameOrPassword = 0x86, C, "bad user name or password", "用户名或密码错误";
    NotAuthorized = 0x87, C | PA | PR | S | U | D, "not authorized", "未授权";
    ServerUnavailable = 0x88, C, "server unavailable", "服务端不可用";
    ServerBusy = 0x89, C | D, "server busy", "服务端正忙";
    Banned = 0x8A, C, "banned", "已被禁止";
    ServerShuttingDown = 0x8B, D, "server shutting down", "服务端正在关闭";
    BadAuthenticationMethod = 0x8C, C | D, "bad authentication method", "认证方法无效";
    KeepAliveTimeout = 0x8D, D, "keep alive timeout", "心跳超时";
    SessionTakenOver = 0x8E, D, "session taken over", "会话被接管";
    TopicFilterInvalid = 0x8F, S | U | D, "topic filter invalid", "主题过滤器无效";
    TopicNameInvalid = 0x90, C | PA | PR | D, "topic name invalid", "主题名无效";
    PacketIdentifierInUse = 0x91, PA | PR | S | U, "packet identifier in use", "报文标识符正被占用";
    PacketIdentifierNotFound = 0x92, PL | PC, "packet identifier not found", "找不到报文标识符";
    ReceiveMaximumExceeded = 0x93, D, "receive maximum exceeded", "超出接收最大值";
    TopicAliasInvalid = 0x94, D, "topic alias invalid", "主题别名无效";
    PacketTooLarge = 0x95, C | D, "packet too large", "报文过长";
    MessageRateTooHigh = 0x96, D, "message rate too high", "消息速率过高";
    QuotaExceeded = 0x97, C | PA | PR | S | D, "quota exceeded", "超出配额";
    AdministrativeAction = 0x98, D, "administrative action", "管理操作";
    PayloadFormatInvalid = 0x99, C | PA | PR | D, "payload format invalid", "载荷格式无效";
    RetainNotSupported = 0x9A, C | D, "retain not supported", "不支持保留消息";
    QoSNotSupported = 0x9B, C | D, "QoS not supported", "不支持该 QoS";
    UseAnotherServer = 0x9C, C | D, "use another server", "请临时改用其他服务端";
    ServerMoved = 0x9D, C | D, "server moved", "服务端已永久迁移";
    SharedSubscriptionsNotSupported = 0x9E, S | D, "shared subscriptions not supported", "不支持共享订阅";
    ConnectionRateExceeded = 0x9F, C | D, "connection rate exceeded", "超出连接速率限制";
    MaximumConnectTime = 0xA0, D, "maximum connect time", "超出最长连接时间";
    SubscriptionIdentifiersNotSupported = 0xA1, S | D, "subscription identifiers not supported", "不支持订阅标识符";
    WildcardSubscriptionsNotSupported = 0xA2, S | D, "wildcard subscriptions not supported", "不支持通配符订阅";
}

impl ReasonCode {
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// 0x80 and above: the operation failed.
    pub fn is_error(self) -> bool {
        self.as_u8() >= 0x80
    }

    /// Whether `packet` may carry this code.
    pub fn is_valid_in(self, packet: ReasonPacket) -> bool {
        self.packets() & packet.bit() != 0
    }

    /// The code as SUBACK grants it: `Success` is Granted QoS 0.
    pub fn granted_qos(self) -> Option<crate::proto::QoS> {
        use crate::proto::QoS;
        match self {
            ReasonCode::Success => Some(QoS::AtMostOnce),
            ReasonCode::GrantedQoS1 => Some(QoS::AtLeastOnce),
            ReasonCode::GrantedQoS2 => Some(QoS::ExactlyOnce),
            _ => None,
        }
    }

    /// The SUBACK code that grants `qos`.
    pub fn granting(qos: crate::proto::QoS) -> ReasonCode {
        use crate::proto::QoS;
        match qos {
            QoS::AtMostOnce => ReasonCode::Success,
            QoS::AtLeastOnce => ReasonCode::GrantedQoS1,
            QoS::ExactlyOnce => ReasonCode::GrantedQoS2,
        }
    }

    /// What the code means in `packet`, in `lang` (0x00 reads "normal disconnection" in a DISCONNECT
    /// and "granted QoS 0" in a SUBACK).
    pub fn describe(self, packet: ReasonPacket, lang: Lang) -> &'static str {
        let (en, zh) = match (self, packet) {
            (ReasonCode::Success, ReasonPacket::Disconnect) => ("normal disconnection", "正常断开"),
            (ReasonCode::Success, ReasonPacket::SubAck) => ("granted QoS 0", "授予 QoS 0"),
            (ReasonCode::Success, ReasonPacket::ConnAck) => ("connection accepted", "连接成功"),
            _ => self.names(),
        };
        lang.pick(zh, en)
    }
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#04x}", self.as_u8())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::check_bilingual;

    #[test]
    fn every_value_round_trips_and_nothing_else_is_a_reason_code() {
        assert_eq!(ReasonCode::ALL.len(), 43);
        for v in 0..=255u8 {
            match ReasonCode::from_u8(v) {
                Some(c) => assert_eq!(c.as_u8(), v),
                None => assert!(!ReasonCode::ALL.iter().any(|c| c.as_u8() == v)),
            }
        }
        assert!(ReasonCode::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    /// The sets of Table 2-6, packet by packet, written out by value.
    #[test]
    fn each_packet_has_the_codes_of_the_table() {
        let table: &[(ReasonPacket, &[u8])] = &[
            (
                ReasonPacket::ConnAck,
                &[
                    0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97,
                    0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f,
                ],
            ),
            (ReasonPacket::PubAck, &[0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]),
            (ReasonPacket::PubRec, &[0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]),
            (ReasonPacket::PubRel, &[0x00, 0x92]),
            (ReasonPacket::PubComp, &[0x00, 0x92]),
            (ReasonPacket::SubAck, &[0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2]),
            (ReasonPacket::UnsubAck, &[0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91]),
            (
                ReasonPacket::Disconnect,
                &[
                    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94,
                    0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
                ],
            ),
            (ReasonPacket::Auth, &[0x00, 0x18, 0x19]),
        ];
        for (packet, want) in table {
            let got: Vec<u8> = packet.codes().map(ReasonCode::as_u8).collect();
            assert_eq!(&got, want, "{}", packet.name());
        }
        // Every code belongs to some packet.
        for c in ReasonCode::ALL {
            assert!(ReasonPacket::ALL.iter().any(|p| c.is_valid_in(*p)), "{c}");
        }
    }

    #[test]
    fn every_meaning_is_in_both_languages() {
        for c in ReasonCode::ALL {
            for p in ReasonPacket::ALL.iter().filter(|p| c.is_valid_in(**p)) {
                let (zh, en) = (c.describe(*p, Lang::Zh), c.describe(*p, Lang::En));
                check_bilingual(zh, en).unwrap_or_else(|e| panic!("{c} in {}: {e}", p.name()));
            }
        }
        assert_eq!(ReasonCode::Success.describe(ReasonPacket::Disconnect, Lang::En), "normal disconnection");
        assert_eq!(ReasonCode::Success.describe(ReasonPacket::SubAck, Lang::Zh), "授予 QoS 0");
        assert_eq!(ReasonCode::NotAuthorized.describe(ReasonPacket::PubAck, Lang::Zh), "未授权");
        assert_eq!(ReasonCode::PacketTooLarge.to_string(), "0x95");
    }

    #[test]
    fn granted_qos_is_the_suback_reading() {
        use crate::proto::QoS;
        for q in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            assert_eq!(ReasonCode::granting(q).granted_qos(), Some(q));
            assert!(ReasonCode::granting(q).is_valid_in(ReasonPacket::SubAck));
        }
        assert_eq!(ReasonCode::UnspecifiedError.granted_qos(), None);
        assert!(ReasonCode::UnspecifiedError.is_error() && !ReasonCode::GrantedQoS2.is_error());
    }
}

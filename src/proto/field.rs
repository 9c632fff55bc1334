//! The field registry: every field the decoder can record, with a stable dotted key, a 中文 and an
//! English label, and a one-line explanation in both languages. The inspector renders these; lessons
//! refer to fields by key. Keys never change once published.

use crate::i18n::{Lang, Words};

/// One entry of the registry.
#[derive(Debug, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub name: Words,
    pub explanation: Words,
}

impl Field {
    pub fn label(&self, lang: Lang) -> &'static str {
        self.name.get(lang)
    }
    pub fn explain(&self, lang: Lang) -> &'static str {
        self.explanation.get(lang)
    }
}

macro_rules! fields {
    ($($name:ident = $key:literal, $zh:literal, $en:literal, $ezh:literal, $een:literal;)*) => {
        $(pub static $name: Field = Field { key: $key, name: Words::new($zh, $en), explanation: Words::new($ezh, $een) };)*
        /// Every field, in registry order.
        pub static ALL: &[&Field] = &[$(&$name),*];
    };
}

/// Looks a field up by its key.
pub fn by_key(key: &str) -> Option<&'static Field> {
    ALL.iter().copied().find(|f| f.key == key)
}

fields! {
    HDR = "mqtt.hdr", "固定报头首字节", "Fixed header byte",
        "高 4 位是报文类型，低 4 位是该类型的标志位。",
        "The high 4 bits are the packet type, the low 4 bits that type's flags.";
    HDR_TYPE = "mqtt.hdr.type", "报文类型", "Packet type",
        "1 CONNECT … 14 DISCONNECT；0 和 15 是保留值，不能使用。",
        "1 CONNECT … 14 DISCONNECT; 0 and 15 are reserved and must not be used.";
    HDR_FLAGS = "mqtt.hdr.flags", "标志位", "Flags",
        "除 PUBLISH 外每种报文的标志位都是固定值（PUBREL、SUBSCRIBE、UNSUBSCRIBE 为 0010，其余 0000）。",
        "Except in PUBLISH these bits are fixed (0010 for PUBREL, SUBSCRIBE, UNSUBSCRIBE; 0000 otherwise).";
    HDR_DUP = "mqtt.hdr.dup", "重发标志 DUP", "DUP flag",
        "1 表示重发一个之前没有得到确认的 PUBLISH；QoS 0 时必须为 0。",
        "1 means a resend of a PUBLISH that was not acknowledged; must be 0 at QoS 0.";
    HDR_QOS = "mqtt.hdr.qos", "服务质量等级", "QoS level",
        "0 最多一次，1 至少一次，2 恰好一次（3 非法）；只管这一段：发布者→服务端、服务端→订阅者各自确认。",
        "0 at most once, 1 at least once, 2 exactly once, 3 illegal; each hop to or from the broker on its own.";
    HDR_RETAIN = "mqtt.hdr.retain", "保留标志 RETAIN", "RETAIN flag",
        "客户端发：存为该主题的保留消息（空消息清除它）。服务端发：只在给新订阅者重放时为 1。",
        "Client: keep it as the topic's retained message (empty clears it). Broker: 1 only when replaying it.";
    LEN = "mqtt.len", "剩余长度", "Remaining length",
        "其后字节数（可变报头+有效载荷），变长编码：每字节 7 位数据，最高位 1 表示后面还有，最多 4 字节。",
        "Bytes after it (variable header + payload): 7 bits per byte, top bit = more follows, at most 4 bytes.";

    CONNECT_PROTO_NAME_LEN = "mqtt.connect.proto_name_len", "协议名长度", "Protocol name length",
        "两字节大端长度：3.1.1 的 \"MQTT\" 为 4，3.1 的 \"MQIsdp\" 为 6。",
        "Two-byte big-endian length: 4 for 3.1.1's \"MQTT\", 6 for 3.1's \"MQIsdp\".";
    CONNECT_PROTO_NAME = "mqtt.connect.proto_name", "协议名", "Protocol name",
        "\"MQTT\"（3.1.1，配协议级别 4）或 \"MQIsdp\"（3.1，配协议级别 3）。",
        "\"MQTT\" (3.1.1, with protocol level 4) or \"MQIsdp\" (3.1, with protocol level 3).";
    CONNECT_LEVEL = "mqtt.connect.level", "协议级别", "Protocol level",
        "4 是 MQTT 3.1.1（协议名 \"MQTT\"），3 是 MQTT 3.1（协议名 \"MQIsdp\"）；其他级别回 CONNACK 返回码 1。",
        "4 = MQTT 3.1.1 (name \"MQTT\"), 3 = MQTT 3.1 (name \"MQIsdp\"); others get CONNACK return code 1.";
    CONNECT_FLAGS = "mqtt.connect.flags", "连接标志", "Connect flags",
        "一个字节里的 7 个开关：用户名、密码、遗嘱保留、遗嘱 QoS、遗嘱、清除会话、保留位。",
        "Seven switches in one byte: user name, password, will retain, will QoS, will, clean session, reserved.";
    CONNECT_FLAG_USERNAME = "mqtt.connect.flags.username", "用户名标志", "User name flag",
        "1 表示有效载荷中带有用户名。",
        "1 means a user name follows in the payload.";
    CONNECT_FLAG_PASSWORD = "mqtt.connect.flags.password", "密码标志", "Password flag",
        "1 表示带有密码；3.1.1 要求此时用户名标志也为 1。",
        "1 means a password follows; 3.1.1 requires the user name flag to be set as well.";
    CONNECT_FLAG_WILL_RETAIN = "mqtt.connect.flags.will_retain", "遗嘱保留", "Will retain",
        "1 表示遗嘱发布时作为保留消息存储；没有遗嘱时必须为 0。",
        "1 means the will is published as a retained message; must be 0 without a will.";
    CONNECT_FLAG_WILL_QOS = "mqtt.connect.flags.will_qos", "遗嘱 QoS", "Will QoS",
        "发布遗嘱时使用的 QoS（0–2）；没有遗嘱时必须为 0。",
        "The QoS the will is published with (0–2); must be 0 without a will.";
    CONNECT_FLAG_WILL = "mqtt.connect.flags.will", "遗嘱标志", "Will flag",
        "1：带有遗嘱主题和遗嘱消息；连接没有经过 DISCONNECT 就断开时，服务端替客户端发布。",
        "1: a will topic and message follow; the broker publishes them if the link ends without DISCONNECT.";
    CONNECT_FLAG_CLEAN = "mqtt.connect.flags.clean_session", "清除会话", "Clean session",
        "1：会话随连接结束，下次要重新订阅。0：服务端保留订阅和离线消息，下次接着用。",
        "1: the session ends with the connection, so subscribe again. 0: the broker keeps it for next time.";
    CONNECT_FLAG_RESERVED = "mqtt.connect.flags.reserved", "保留位", "Reserved bit",
        "必须为 0，否则服务端断开连接。",
        "Must be 0, or the broker closes the connection.";
    CONNECT_KEEPALIVE = "mqtt.connect.keepalive", "心跳间隔（秒）", "Keep alive (s)",
        "客户端空闲这么久就发 PINGREQ；服务端 1.5 倍时间内收不到报文就断开并发布遗嘱。0 表示关闭。",
        "Client: PINGREQ when idle this long. Broker: after 1.5× of silence, close and publish the will. 0: off.";
    CONNECT_CLIENT_ID_LEN = "mqtt.connect.client_id_len", "客户端ID长度", "Client id length",
        "客户端ID的字节数（不是字符数）。",
        "The client id's length in bytes (not characters).";
    CONNECT_CLIENT_ID = "mqtt.connect.client_id", "客户端ID", "Client id",
        "服务端用它识别会话；同一客户端ID的新连接会顶掉旧连接。",
        "The broker keys the session on it; a new connection with the same id takes over the old one.";
    CONNECT_WILL_TOPIC_LEN = "mqtt.connect.will_topic_len", "遗嘱主题长度", "Will topic length",
        "遗嘱主题的字节数。", "The will topic's length in bytes.";
    CONNECT_WILL_TOPIC = "mqtt.connect.will_topic", "遗嘱主题", "Will topic",
        "客户端没有发 DISCONNECT 就掉线时，服务端向这个主题发布遗嘱；它是主题名，不能含 + 或 #。",
        "Where the broker publishes the will if the client goes without DISCONNECT; a topic name: no + or #.";
    CONNECT_WILL_MSG_LEN = "mqtt.connect.will_msg_len", "遗嘱消息长度", "Will message length",
        "遗嘱消息的字节数。", "The will message's length in bytes.";
    CONNECT_WILL_MSG = "mqtt.connect.will_msg", "遗嘱消息", "Will message",
        "遗嘱发布时的消息内容。", "The payload of the will when it is published.";
    CONNECT_USERNAME_LEN = "mqtt.connect.username_len", "用户名长度", "User name length",
        "用户名的字节数。", "The user name's length in bytes.";
    CONNECT_USERNAME = "mqtt.connect.username", "用户名", "User name",
        "明文传输的用户名（1883 端口上没有加密）。", "The user name, sent in clear (port 1883 has no encryption).";
    CONNECT_PASSWORD_LEN = "mqtt.connect.password_len", "密码长度", "Password length",
        "密码的字节数。", "The password's length in bytes.";
    CONNECT_PASSWORD = "mqtt.connect.password", "密码", "Password",
        "明文传输的密码，任何人抓包都能看到。", "The password, sent in clear: anyone capturing packets can read it.";

    CONNACK_FLAGS = "mqtt.connack.flags", "连接确认标志", "Acknowledge flags",
        "只有最低位有意义：会话存在标志。",
        "Only the lowest bit means something: session present.";
    CONNACK_SESSION_PRESENT = "mqtt.connack.flags.session_present", "会话存在", "Session present",
        "1：服务端还保存着它的订阅和离线消息。0：什么都没保存，要重新订阅。",
        "1: its subscriptions and queued messages were kept. 0: nothing was kept, so subscribe again.";
    CONNACK_FLAGS_RESERVED = "mqtt.connack.flags.reserved", "保留位", "Reserved bits",
        "必须为 0。", "Must be 0.";
    CONNACK_CODE = "mqtt.connack.code", "连接返回码", "Return code",
        "0 表示连接成功，1–5 表示拒绝（值后面写着原因）；拒绝后服务端断开连接。",
        "0 accepted, 1–5 refused (the value says why); after a refusal the broker closes the connection.";

    PUBLISH_TOPIC_LEN = "mqtt.publish.topic_len", "主题长度", "Topic length",
        "主题的 UTF-8 字节数：一个汉字占 3 个字节。",
        "The topic's length in UTF-8 bytes: a Chinese character takes 3 bytes.";
    PUBLISH_TOPIC = "mqtt.publish.topic", "主题", "Topic",
        "消息发往的主题名，不能包含通配符 + 或 #。",
        "The topic name the message goes to; it must not contain the wildcards + or #.";
    PUBLISH_PACKET_ID = "mqtt.publish.packet_id", "报文标识符", "Packet identifier",
        "只在 QoS 1、2 时出现；QoS 1 的 PUBACK，QoS 2 的 PUBREC、PUBREL、PUBCOMP 都带这个编号。",
        "Only at QoS 1 and 2; PUBACK (QoS 1) or PUBREC, PUBREL, PUBCOMP (QoS 2) carry the same number.";
    PUBLISH_PAYLOAD = "mqtt.publish.payload", "有效载荷", "Payload",
        "消息内容，任意字节，可以为空；长度由剩余长度推算，没有单独的长度字段。",
        "The message: any bytes, possibly none; its length follows from the remaining length (no length field).";

    PUBACK_PACKET_ID = "mqtt.puback.packet_id", "报文标识符", "Packet identifier",
        "QoS 1：确认这个编号的 PUBLISH，只确认这一段（例如发布者→服务端）。",
        "QoS 1: acknowledges the PUBLISH with this number, for this hop only (e.g. publisher→broker).";
    PUBREC_PACKET_ID = "mqtt.pubrec.packet_id", "报文标识符", "Packet identifier",
        "QoS 2 第 2/4 步：接收方收下了这条消息（本实验的服务端此时就投递），并记住这个编号。",
        "QoS 2 step 2/4: the receiver has the message (the lab's broker delivers it now), keeps the number.";
    PUBREL_PACKET_ID = "mqtt.pubrel.packet_id", "报文标识符", "Packet identifier",
        "QoS 2 第 3/4 步：发送方不会再重发这个 PUBLISH；接收方收到后忘掉这个编号，回 PUBCOMP。",
        "QoS 2 step 3/4: the PUBLISH is not resent any more; the receiver forgets the number, answers PUBCOMP.";
    PUBCOMP_PACKET_ID = "mqtt.pubcomp.packet_id", "报文标识符", "Packet identifier",
        "QoS 2 第 4/4 步：这个编号的交换完成，发送方可以再用这个编号。",
        "QoS 2 step 4/4: the exchange with this number is complete; the sender may use the number again.";

    SUBSCRIBE_PACKET_ID = "mqtt.subscribe.packet_id", "报文标识符", "Packet identifier",
        "SUBACK 会用同一个编号回应。", "The SUBACK answers with the same number.";
    SUBSCRIBE_FILTER_LEN = "mqtt.subscribe.filter_len", "主题过滤器长度", "Topic filter length",
        "主题过滤器的字节数。", "The topic filter's length in bytes.";
    SUBSCRIBE_FILTER = "mqtt.subscribe.filter", "主题过滤器", "Topic filter",
        "可用通配符：+ 匹配一层；# 匹配任意多层，也包括零层（car/# 也匹配 car）。",
        "Wildcards: + matches one level, # any number of levels, none included (car/# matches car too).";
    SUBSCRIBE_OPTIONS = "mqtt.subscribe.options", "请求的 QoS 字节", "Requested QoS byte",
        "低 2 位是请求的最大 QoS，高 6 位是保留位，必须为 0。",
        "The low 2 bits are the requested maximum QoS; the high 6 bits are reserved and must be 0.";
    SUBSCRIBE_QOS = "mqtt.subscribe.qos", "请求的 QoS", "Requested QoS",
        "请求的最大 QoS；消息按发布 QoS 与 SUBACK 授予的 QoS 中较小的投递。",
        "The highest QoS asked for; messages come at the lower of their QoS and the one SUBACK grants.";
    SUBSCRIBE_RESERVED = "mqtt.subscribe.reserved", "保留位", "Reserved bits",
        "必须为 0，否则服务端断开连接。", "Must be 0, or the broker closes the connection.";

    SUBACK_PACKET_ID = "mqtt.suback.packet_id", "报文标识符", "Packet identifier",
        "与 SUBSCRIBE 的编号相同。", "The same number as the SUBSCRIBE's.";
    SUBACK_CODE = "mqtt.suback.code", "订阅返回码", "Return code",
        "每个过滤器一个：0–2 为授予的 QoS（消息按它与发布 QoS 中较小的投递），0x80 表示订阅失败。",
        "One per filter: 0–2 the granted QoS (messages come at the lower of it and theirs), 0x80 failure.";

    UNSUBSCRIBE_PACKET_ID = "mqtt.unsubscribe.packet_id", "报文标识符", "Packet identifier",
        "UNSUBACK 会用同一个编号回应。", "The UNSUBACK answers with the same number.";
    UNSUBSCRIBE_FILTER_LEN = "mqtt.unsubscribe.filter_len", "主题过滤器长度", "Topic filter length",
        "主题过滤器的字节数。", "The topic filter's length in bytes.";
    UNSUBSCRIBE_FILTER = "mqtt.unsubscribe.filter", "主题过滤器", "Topic filter",
        "要取消的订阅，必须与订阅时的写法逐字相同。",
        "The subscription to remove; it must be written exactly as it was subscribed.";
    UNSUBACK_PACKET_ID = "mqtt.unsuback.packet_id", "报文标识符", "Packet identifier",
        "与 UNSUBSCRIBE 的编号相同；即使没有匹配的订阅也会回应。",
        "The same number as the UNSUBSCRIBE's; sent even when nothing matched.";
}

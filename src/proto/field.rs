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
        "1 CONNECT … 14 DISCONNECT，15 AUTH（只有 MQTT 5.0 有）；0 是保留值，5.0 之前 15 也是，不能使用。",
        "1 CONNECT … 14 DISCONNECT, 15 AUTH (MQTT 5.0 only); 0 is reserved, and so is 15 before 5.0.";
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

    // ---- MQTT 5.0 -------------------------------------------------------------------------------
    CONNECT_FLAG_CLEAN_START = "mqtt.connect.flags.clean_start", "新开始", "Clean start",
        "MQTT 5.0：1 表示丢弃旧会话从头开始；会话在断开后保留多久由会话过期间隔属性决定。",
        "MQTT 5.0: 1 discards any old session; how long a session outlives the connection is the Session Expiry Interval.";
    CONNECT_WILL_PROPS_LEN = "mqtt.connect.will_props_len", "遗嘱属性长度", "Will property length",
        "MQTT 5.0：其后遗嘱属性的字节数（变长整数），0 表示没有遗嘱属性。",
        "MQTT 5.0: bytes of the will properties that follow (a variable byte integer); 0 means none.";
    PROPS_LEN = "mqtt.props_len", "属性长度", "Property length",
        "MQTT 5.0：其后属性的字节数（变长整数，不含它自己），0 表示没有属性。",
        "MQTT 5.0: bytes of the properties that follow (a variable byte integer, not counting itself); 0 means none.";
    PROP_ID = "mqtt.prop.id", "属性标识符", "Property identifier",
        "一个字节，说明后面是哪个属性、值是什么类型；不允许出现在这种报文里的属性是无效报文。",
        "One byte: which property follows and the type of its value; one this packet may not carry makes it malformed.";
    PROP_LEN = "mqtt.prop.len", "属性值长度", "Value length",
        "字符串或二进制属性值的两字节长度（字节数，不是字符数）。",
        "The two-byte length of a string or binary property value (in bytes, not characters).";
    PROP_PAYLOAD_FORMAT_INDICATOR = "mqtt.prop.payload_format_indicator", "载荷格式指示", "Payload Format Indicator",
        "0 表示载荷是任意字节，1 表示载荷是 UTF-8 文本；服务端原样转发给订阅者。",
        "0: the payload is unspecified bytes; 1: it is UTF-8 text. The broker forwards it unchanged.";
    PROP_MESSAGE_EXPIRY_INTERVAL = "mqtt.prop.message_expiry_interval", "消息过期间隔", "Message Expiry Interval",
        "消息的寿命（秒）：过期还没投递出去的副本被服务端删除；转发时减去已等待的时间。",
        "The message's lifetime in seconds: copies not delivered in time are dropped; forwarded minus the wait.";
    PROP_CONTENT_TYPE = "mqtt.prop.content_type", "内容类型", "Content Type",
        "描述载荷内容的字符串，常用 MIME 类型如 application/json；服务端原样转发。",
        "A string describing the payload, often a MIME type such as application/json; forwarded unchanged.";
    PROP_RESPONSE_TOPIC = "mqtt.prop.response_topic", "响应主题", "Response Topic",
        "请求/响应模式：接收方把回复发布到这个主题；它是主题名，不能含 + 或 #。",
        "Request/response: the receiver publishes its reply to this topic; a topic name, so no + or #.";
    PROP_CORRELATION_DATA = "mqtt.prop.correlation_data", "对比数据", "Correlation Data",
        "请求方放入的任意字节，回复时原样带回，用来认出是哪个请求的回复。",
        "Bytes the requester chooses and the reply carries back, to tell which request it answers.";
    PROP_SUBSCRIPTION_IDENTIFIER = "mqtt.prop.subscription_identifier", "订阅标识符", "Subscription Identifier",
        "1 到 268435455 的变长整数：订阅时给订阅编号，服务端转发消息时带上匹配的编号；0 是协议错误。",
        "A variable byte integer 1 to 268,435,455 given to a subscription; the broker tags matching messages with it.";
    PROP_SESSION_EXPIRY_INTERVAL = "mqtt.prop.session_expiry_interval", "会话过期间隔", "Session Expiry Interval",
        "断开后会话保留的秒数：0（或不写）随连接结束，0xFFFFFFFF 永不过期。",
        "Seconds the session outlives the connection: 0 (or absent) ends with it, 0xFFFFFFFF never expires.";
    PROP_ASSIGNED_CLIENT_IDENTIFIER = "mqtt.prop.assigned_client_identifier", "分配客户端ID", "Assigned Client Identifier",
        "客户端用空的客户端ID连接时，服务端在 CONNACK 里告诉它分配到的ID。",
        "When a client connects with an empty client id, the broker's CONNACK tells it the id it was given.";
    PROP_SERVER_KEEP_ALIVE = "mqtt.prop.server_keep_alive", "服务端心跳间隔", "Server Keep Alive",
        "服务端指定的心跳间隔（秒）；有它时客户端必须用它代替 CONNECT 里的值。",
        "The keep alive in seconds the broker wants; when present the client must use it instead of its own.";
    PROP_AUTHENTICATION_METHOD = "mqtt.prop.authentication_method", "认证方法", "Authentication Method",
        "增强认证所用方法的名字（如 SCRAM-SHA-1）；之后的 AUTH 报文都带同一个名字。",
        "The name of the enhanced authentication method (e.g. SCRAM-SHA-1); every later AUTH carries the same.";
    PROP_AUTHENTICATION_DATA = "mqtt.prop.authentication_data", "认证数据", "Authentication Data",
        "认证方法交换的二进制数据，内容由方法决定；没有认证方法时不能出现。",
        "Binary data of the authentication exchange, defined by the method; not allowed without a method.";
    PROP_REQUEST_PROBLEM_INFORMATION = "mqtt.prop.request_problem_information", "请求问题信息", "Request Problem Information",
        "0：除 PUBLISH、CONNACK、DISCONNECT 外不要给我原因字符串和用户属性；1（默认）：可以给。",
        "0: no Reason String or User Property except on PUBLISH, CONNACK, DISCONNECT; 1 (the default): they may come.";
    PROP_WILL_DELAY_INTERVAL = "mqtt.prop.will_delay_interval", "遗嘱延时间隔", "Will Delay Interval",
        "连接断开后再等这么多秒才发布遗嘱；期间客户端重连就不发布。",
        "Seconds to wait after the connection drops before publishing the will; a reconnect in time cancels it.";
    PROP_REQUEST_RESPONSE_INFORMATION = "mqtt.prop.request_response_information", "请求响应信息", "Request Response Information",
        "1：请服务端在 CONNACK 里给出响应信息；0（默认）：不要。",
        "1: asks the broker for Response Information in the CONNACK; 0 (the default): do not.";
    PROP_RESPONSE_INFORMATION = "mqtt.prop.response_information", "响应信息", "Response Information",
        "服务端给的字符串，客户端可以拿它拼出自己的响应主题。",
        "A string from the broker that the client can build its response topics from.";
    PROP_SERVER_REFERENCE = "mqtt.prop.server_reference", "服务端参考", "Server Reference",
        "服务端叫客户端改连的另一台服务端（配原因码 0x9C 或 0x9D）。",
        "Another broker the client should use instead (with reason code 0x9C or 0x9D).";
    PROP_REASON_STRING = "mqtt.prop.reason_string", "原因字符串", "Reason String",
        "给人看的诊断文字，解释原因码；程序不应该解析它。",
        "Human-readable words explaining the reason code, for diagnosis; programs should not parse it.";
    PROP_RECEIVE_MAXIMUM = "mqtt.prop.receive_maximum", "接收最大值", "Receive Maximum",
        "发送方最多同时处理这么多个未完成的 QoS 1、2 消息（流量控制）；默认 65535，0 是协议错误。",
        "At most this many QoS 1 and 2 messages in flight towards the sender (flow control); default 65,535, 0 illegal.";
    PROP_TOPIC_ALIAS_MAXIMUM = "mqtt.prop.topic_alias_maximum", "主题别名最大值", "Topic Alias Maximum",
        "发送方愿意接受的最大主题别名；0（默认）表示不接受主题别名。",
        "The highest topic alias the sender accepts; 0 (the default) means no topic aliases.";
    PROP_TOPIC_ALIAS = "mqtt.prop.topic_alias", "主题别名", "Topic Alias",
        "代替主题名的小整数：第一次和主题名一起发，之后主题名可以为空；0 是协议错误。",
        "A small number standing for the topic: sent once with it, later the topic may be empty; 0 is illegal.";
    PROP_MAXIMUM_QOS = "mqtt.prop.maximum_qos", "最大服务质量", "Maximum QoS",
        "服务端支持的最高 QoS，只能是 0 或 1；不写表示支持到 2。",
        "The highest QoS the broker supports, 0 or 1 only; absent means up to 2.";
    PROP_RETAIN_AVAILABLE = "mqtt.prop.retain_available", "保留可用", "Retain Available",
        "0：服务端不支持保留消息，RETAIN 为 1 的 PUBLISH 是协议错误；1（默认）：支持。",
        "0: the broker keeps no retained messages, so a PUBLISH with RETAIN 1 is an error; 1 (the default): it does.";
    PROP_USER_PROPERTY = "mqtt.prop.user_property", "用户属性（名）", "User Property (name)",
        "应用自己定义的名/值对的名字；可以出现多次，同名也行，服务端按顺序原样转发。",
        "The name of an application-defined name/value pair; may repeat, names too; forwarded in order.";
    PROP_USER_PROPERTY_VALUE = "mqtt.prop.user_property.value", "用户属性（值）", "User Property (value)",
        "这一对用户属性的值，同样是 UTF-8 字符串。",
        "The value of this user property pair, also a UTF-8 string.";
    PROP_MAXIMUM_PACKET_SIZE = "mqtt.prop.maximum_packet_size", "最大报文长度", "Maximum Packet Size",
        "发送方愿意接收的最大报文字节数（整个报文）；不写表示只受协议上限限制，0 是协议错误。",
        "The largest whole packet in bytes the sender accepts; absent means only the protocol's limit; 0 is illegal.";
    PROP_WILDCARD_SUBSCRIPTION_AVAILABLE = "mqtt.prop.wildcard_subscription_available", "通配符订阅可用", "Wildcard Subscription Available",
        "0：服务端不支持含 + 或 # 的订阅；1（默认）：支持。",
        "0: the broker refuses filters with + or #; 1 (the default): it takes them.";
    PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE = "mqtt.prop.subscription_identifier_available", "订阅标识符可用", "Subscription Identifier Available",
        "0：服务端不支持订阅标识符；1（默认）：支持。",
        "0: the broker does not support subscription identifiers; 1 (the default): it does.";
    PROP_SHARED_SUBSCRIPTION_AVAILABLE = "mqtt.prop.shared_subscription_available", "共享订阅可用", "Shared Subscription Available",
        "0：服务端不支持 $share/ 共享订阅；1（默认）：支持。",
        "0: the broker does not support $share/ shared subscriptions; 1 (the default): it does.";

    CONNACK_REASON_CODE = "mqtt.connack.reason_code", "连接原因码", "Connect reason code",
        "MQTT 5.0：0x00 连接成功；0x80 及以上表示拒绝（值说明原因），随后服务端关闭连接。",
        "MQTT 5.0: 0x00 accepted; 0x80 and above refused (the value says why), then the broker closes the connection.";
    PUBACK_REASON_CODE = "mqtt.puback.reason_code", "PUBACK 原因码", "PUBACK reason code",
        "MQTT 5.0：0x00 成功，0x10 收下了但没有订阅者，0x80 及以上表示没有接受这条消息。",
        "MQTT 5.0: 0x00 success, 0x10 taken but nobody subscribes, 0x80 and above: the message was not accepted.";
    PUBREC_REASON_CODE = "mqtt.pubrec.reason_code", "PUBREC 原因码", "PUBREC reason code",
        "MQTT 5.0：小于 0x80 时继续发 PUBREL；0x80 及以上表示拒绝，这次 QoS 2 交换就此结束。",
        "MQTT 5.0: below 0x80 the exchange goes on with PUBREL; 0x80 and above refuses and ends this QoS 2 exchange.";
    PUBREL_REASON_CODE = "mqtt.pubrel.reason_code", "PUBREL 原因码", "PUBREL reason code",
        "MQTT 5.0：0x00 成功，0x92 表示找不到这个报文标识符。",
        "MQTT 5.0: 0x00 success, 0x92 packet identifier not found.";
    PUBCOMP_REASON_CODE = "mqtt.pubcomp.reason_code", "PUBCOMP 原因码", "PUBCOMP reason code",
        "MQTT 5.0：0x00 成功，0x92 表示找不到这个报文标识符。",
        "MQTT 5.0: 0x00 success, 0x92 packet identifier not found.";
    SUBSCRIBE_SUB_OPTIONS = "mqtt.subscribe.sub_options", "订阅选项", "Subscription options",
        "MQTT 5.0：一个字节里的最大 QoS、非本地、保留发布、保留处理，最高 2 位是保留位。",
        "MQTT 5.0: maximum QoS, No Local, Retain As Published and Retain Handling in one byte; the top 2 bits are reserved.";
    SUBSCRIBE_NO_LOCAL = "mqtt.subscribe.no_local", "非本地", "No Local",
        "1：不要把我自己发布的消息再发给我；共享订阅上设为 1 是协议错误。",
        "1: do not send me the messages I publish myself; setting it on a shared subscription is an error.";
    SUBSCRIBE_RETAIN_AS_PUBLISHED = "mqtt.subscribe.retain_as_published", "保留发布", "Retain As Published",
        "1：转发时保留发布者设的 RETAIN 标志；0：转发时 RETAIN 一律为 0。",
        "1: forwarded messages keep the publisher's RETAIN flag; 0: they are forwarded with RETAIN 0.";
    SUBSCRIBE_RETAIN_HANDLING = "mqtt.subscribe.retain_handling", "保留处理", "Retain Handling",
        "订阅时是否发送保留消息：0 发送，1 只在新订阅时发送，2 不发送；3 是协议错误。",
        "Whether retained messages come at subscribe time: 0 yes, 1 only for a new subscription, 2 no; 3 is illegal.";
    SUBACK_REASON_CODE = "mqtt.suback.reason_code", "订阅原因码", "Subscribe reason code",
        "MQTT 5.0：每个过滤器一个：0x00–0x02 为授予的最大 QoS，0x80 及以上表示订阅失败及原因。",
        "MQTT 5.0: one per filter: 0x00–0x02 the granted maximum QoS, 0x80 and above a failure and why.";
    UNSUBACK_REASON_CODE = "mqtt.unsuback.reason_code", "取消订阅原因码", "Unsubscribe reason code",
        "MQTT 5.0：每个过滤器一个：0x00 已取消，0x11 本来就没有这个订阅，0x80 及以上表示失败。",
        "MQTT 5.0: one per filter: 0x00 removed, 0x11 there was no such subscription, 0x80 and above a failure.";
    DISCONNECT_REASON_CODE = "mqtt.disconnect.reason_code", "断开原因码", "Disconnect reason code",
        "MQTT 5.0：为什么断开。0x00 正常断开（不发布遗嘱），0x04 断开并发布遗嘱，0x80 及以上是出错。",
        "MQTT 5.0: why the connection ends. 0x00 normal (no will), 0x04 publish the will anyway, 0x80 and above errors.";
    AUTH_REASON_CODE = "mqtt.auth.reason_code", "认证原因码", "Authenticate reason code",
        "MQTT 5.0：0x00 认证成功，0x18 继续认证，0x19 重新认证。",
        "MQTT 5.0: 0x00 success, 0x18 continue authentication, 0x19 re-authenticate.";
}

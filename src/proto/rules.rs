//! The conformance statements of MQTT 3.1.1 (OASIS Standard, 29 October 2014): every numbered
//! normative statement `[MQTT-x.y.z-n]` of the specification, in the order of its Appendix B
//! ("Mandatory normative statements"), each with a one-sentence summary in English and in Chinese;
//! and, in [`RULES_5`], the statements of MQTT 5.0 that the project cites, marked as 5.0 by being
//! in that list (5.0 numbers its statements differently).
//!
//! This module owns that list and nothing else. It must not depend on anything else in the crate, so
//! that any part (decoder, client, broker, UI, tests) can cite a rule by its id and check the id is
//! real with [`is_rule_id`]. A requirement of the specification that carries no number (for example
//! the reserved packet types 0 and 15 of §2.2.1, or the remaining length encoding of §2.2.3) is not a
//! rule: show it as a section, "§2.2.1", never as a made-up `MQTT-2.2.1`.
//!
//! The summaries are paraphrases, not the normative text. Some ids are misprinted in the
//! specification: `MQTT-3.1.2.7` and `MQTT-3-8.3-4` (in the body and in Appendix B alike) and
//! `MQTT-3.3.1.-1` (in the body only). They are listed here in the regular form, `MQTT-3.1.2-7`,
//! `MQTT-3.8.3-4` and `MQTT-3.3.1-1`. `section` is the clause the id is numbered under, with trailing
//! `.0` parts dropped (`MQTT-3.1.0-1` is in §3.1, `MQTT-6.0.0-1` in chapter 6).

/// One numbered conformance statement of MQTT 3.1.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The statement's id as the specification numbers it, e.g. `"MQTT-3.1.2-24"`.
    pub id: &'static str,
    /// The clause it is numbered under, e.g. `"3.1.2"`.
    pub section: &'static str,
    /// What it requires, in one English sentence.
    pub en: &'static str,
    /// The same in Chinese.
    pub zh: &'static str,
}

/// All numbered conformance statements of MQTT 3.1.1, in specification order.
pub const RULES_311: &[Rule] = &[
    Rule {
        id: "MQTT-1.5.3-1",
        section: "1.5.3",
        en: "UTF-8 strings must be well-formed and free of the surrogate code points U+D800 to U+DFFF; a receiver of \
            ill-formed UTF-8 closes the network connection.",
        zh: "UTF-8 编码字符串必须是合法的 UTF-8，不得包含 U+D800 到 U+DFFF 之间的代理码点；收到不合法 UTF-8 \
            的一方必须关闭网络连接。",
    },
    Rule {
        id: "MQTT-1.5.3-2",
        section: "1.5.3",
        en: "UTF-8 strings must not contain the null character U+0000; a receiver that gets one closes the network \
            connection.",
        zh: "UTF-8 编码字符串不得包含空字符 U+0000；收到这种报文的一方必须关闭网络连接。",
    },
    Rule {
        id: "MQTT-1.5.3-3",
        section: "1.5.3",
        en: "The bytes EF BB BF always mean U+FEFF (zero width no-break space), and a receiver must neither skip nor \
            strip them.",
        zh: "字节序列 EF BB BF 无论出现在字符串何处都表示 U+FEFF（零宽不换行空格），接收方不得跳过或删除它。",
    },
    Rule {
        id: "MQTT-2.2.2-1",
        section: "2.2.2",
        en: "Fixed header flag bits marked reserved must hold exactly the values Table 2.2 lists for the packet type.",
        zh: "固定报头中标记为保留的标志位必须取表 2.2 为该报文类型规定的值。",
    },
    Rule {
        id: "MQTT-2.2.2-2",
        section: "2.2.2",
        en: "A receiver that gets invalid fixed header flags closes the network connection.",
        zh: "收到非法标志位的接收方必须关闭网络连接。",
    },
    Rule {
        id: "MQTT-2.3.1-1",
        section: "2.3.1",
        en: "SUBSCRIBE, UNSUBSCRIBE and PUBLISH with QoS > 0 carry a non-zero 16-bit packet identifier.",
        zh: "SUBSCRIBE、UNSUBSCRIBE 以及 QoS 大于 0 的 PUBLISH 报文必须带有非零的 16 位报文标识符。",
    },
    Rule {
        id: "MQTT-2.3.1-2",
        section: "2.3.1",
        en: "A client gives every new packet of those types a packet identifier that is not currently in use.",
        zh: "客户端每发送一个上述类型的新报文，都必须为它分配一个当前未被使用的报文标识符。",
    },
    Rule {
        id: "MQTT-2.3.1-3",
        section: "2.3.1",
        en: "A client resending a packet keeps its packet identifier, which becomes free only after the matching \
            acknowledgement (PUBACK, PUBCOMP, SUBACK or UNSUBACK) has been processed.",
        zh: "客户端重发报文时必须沿用原来的报文标识符；只有处理完对应的确认报文（PUBACK、PUBCOMP、SUBACK 或 UNSUBACK）\
            后，该标识符才能再次使用。",
    },
    Rule {
        id: "MQTT-2.3.1-4",
        section: "2.3.1",
        en: "The same packet identifier rules apply to a server that sends a PUBLISH with QoS > 0.",
        zh: "服务端发送 QoS 大于 0 的 PUBLISH 报文时，同样适用上述报文标识符规则。",
    },
    Rule {
        id: "MQTT-2.3.1-5",
        section: "2.3.1",
        en: "A PUBLISH with QoS 0 carries no packet identifier.",
        zh: "QoS 0 的 PUBLISH 报文不得包含报文标识符。",
    },
    Rule {
        id: "MQTT-2.3.1-6",
        section: "2.3.1",
        en: "PUBACK, PUBREC and PUBREL carry the packet identifier of the PUBLISH they belong to.",
        zh: "PUBACK、PUBREC 和 PUBREL 报文必须带有与最初发送的 PUBLISH 报文相同的报文标识符。",
    },
    Rule {
        id: "MQTT-2.3.1-7",
        section: "2.3.1",
        en: "SUBACK and UNSUBACK carry the packet identifier of the SUBSCRIBE or UNSUBSCRIBE they answer.",
        zh: "SUBACK 和 UNSUBACK 必须带有所响应的 SUBSCRIBE 或 UNSUBSCRIBE 报文的报文标识符。",
    },
    Rule {
        id: "MQTT-3.1.0-1",
        section: "3.1",
        en: "The first packet a client sends on a new network connection is CONNECT.",
        zh: "网络连接建立后，客户端发送给服务端的第一个报文必须是 CONNECT。",
    },
    Rule {
        id: "MQTT-3.1.0-2",
        section: "3.1",
        en: "A server treats a second CONNECT on the same connection as a protocol violation and disconnects the \
            client.",
        zh: "服务端必须把同一网络连接上的第二个 CONNECT 报文当作协议违规处理，并断开该客户端的连接。",
    },
    Rule {
        id: "MQTT-3.1.2-1",
        section: "3.1.2",
        en: "If the protocol name is wrong the server may disconnect or follow some other specification, but must not \
            go on processing the CONNECT as MQTT 3.1.1.",
        zh: "协议名不正确时，服务端可以断开连接，也可以按其他规范继续处理，但不得再按本规范处理该 CONNECT 报文。",
    },
    Rule {
        id: "MQTT-3.1.2-2",
        section: "3.1.2",
        en: "A server that does not support the protocol level answers CONNACK 0x01 (unacceptable protocol level) and \
            disconnects the client.",
        zh: "服务端不支持该协议级别时，必须回复返回码为 0x01（不支持的协议级别）的 CONNACK，然后断开客户端的连接。",
    },
    Rule {
        id: "MQTT-3.1.2-3",
        section: "3.1.2",
        en: "A server checks that the reserved bit of the connect flags is 0 and disconnects the client if it is not.",
        zh: "服务端必须检查连接标志中的保留位是否为 0，不为 0 时必须断开客户端的连接。",
    },
    Rule {
        id: "MQTT-3.1.2-4",
        section: "3.1.2",
        en: "With clean session 0 the server resumes the session stored under the client id (or creates one), and both \
            sides keep the session after they disconnect.",
        zh: "清除会话为 0 时，服务端必须根据客户端ID恢复已有的会话（没有则新建），并且客户端和服务端在断开连接后都\
            必须保存会话。",
    },
    Rule {
        id: "MQTT-3.1.2-5",
        section: "3.1.2",
        en: "While a clean session 0 client is disconnected, the server stores the QoS 1 and QoS 2 messages that match \
            its subscriptions as part of its session.",
        zh: "清除会话为 0 的客户端断开连接期间，服务端必须把匹配其订阅的 QoS 1 和 QoS 2 \
            消息作为会话状态的一部分保存下来。",
    },
    Rule {
        id: "MQTT-3.1.2-6",
        section: "3.1.2",
        en: "With clean session 1 both sides discard any previous session and start a new one that lasts only as long \
            as the connection and is never reused.",
        zh: "清除会话为 1 时，客户端和服务端必须丢弃之前的会话并开始一个新会话；新会话只持续到网络连接结束，\
            其状态不得被以后的会话复用。",
    },
    Rule {
        id: "MQTT-3.1.2-7",
        section: "3.1.2",
        en: "Retained messages are not part of the session state and are not deleted when a session ends.",
        zh: "保留消息不属于服务端的会话状态，会话结束时不得删除保留消息。",
    },
    Rule {
        id: "MQTT-3.1.2-8",
        section: "3.1.2",
        en: "With the will flag set, an accepted connection has its will message stored on the server, and it is \
            published when the connection closes unless a DISCONNECT deleted it.",
        zh: "遗嘱标志为 1 且连接被接受时，服务端必须保存遗嘱消息并与该网络连接关联；之后网络连接关闭时必须发布遗嘱消\
            息，除非收到 DISCONNECT 时已将其删除。",
    },
    Rule {
        id: "MQTT-3.1.2-9",
        section: "3.1.2",
        en: "With the will flag set, the server uses will QoS and will retain, and the payload must contain the will \
            topic and the will message.",
        zh: "遗嘱标志为 1 时，服务端会使用遗嘱 QoS 和遗嘱保留标志，并且有效载荷中必须包含遗嘱主题和遗嘱消息。",
    },
    Rule {
        id: "MQTT-3.1.2-10",
        section: "3.1.2",
        en: "The server removes the will message from the session state once it has been published or a DISCONNECT has \
            arrived.",
        zh: "遗嘱消息一旦发布，或服务端收到了客户端的 DISCONNECT，就必须从会话状态中删除。",
    },
    Rule {
        id: "MQTT-3.1.2-11",
        section: "3.1.2",
        en: "With the will flag 0, will QoS and will retain must both be 0 and the payload must contain neither will \
            topic nor will message.",
        zh: "遗嘱标志为 0 时，遗嘱 QoS 和遗嘱保留标志都必须为 0，有效载荷中不得包含遗嘱主题和遗嘱消息。",
    },
    Rule {
        id: "MQTT-3.1.2-12",
        section: "3.1.2",
        en: "With the will flag 0, no will message is published when the connection ends.",
        zh: "遗嘱标志为 0 时，网络连接结束时不得发布遗嘱消息。",
    },
    Rule {
        id: "MQTT-3.1.2-13",
        section: "3.1.2",
        en: "With the will flag 0, will QoS must be 0.",
        zh: "遗嘱标志为 0 时，遗嘱 QoS 必须为 0。",
    },
    Rule {
        id: "MQTT-3.1.2-14",
        section: "3.1.2",
        en: "With the will flag 1, will QoS may be 0, 1 or 2 but never 3.",
        zh: "遗嘱标志为 1 时，遗嘱 QoS 可以是 0、1 或 2，但不得为 3。",
    },
    Rule {
        id: "MQTT-3.1.2-15",
        section: "3.1.2",
        en: "With the will flag 0, will retain must be 0.",
        zh: "遗嘱标志为 0 时，遗嘱保留标志必须为 0。",
    },
    Rule {
        id: "MQTT-3.1.2-16",
        section: "3.1.2",
        en: "With the will flag 1 and will retain 0, the server publishes the will as a non-retained message.",
        zh: "遗嘱标志为 1 且遗嘱保留标志为 0 时，服务端必须把遗嘱作为非保留消息发布。",
    },
    Rule {
        id: "MQTT-3.1.2-17",
        section: "3.1.2",
        en: "With the will flag 1 and will retain 1, the server publishes the will as a retained message.",
        zh: "遗嘱标志为 1 且遗嘱保留标志为 1 时，服务端必须把遗嘱作为保留消息发布。",
    },
    Rule {
        id: "MQTT-3.1.2-18",
        section: "3.1.2",
        en: "With the user name flag 0, the payload contains no user name.",
        zh: "用户名标志为 0 时，有效载荷中不得包含用户名。",
    },
    Rule {
        id: "MQTT-3.1.2-19",
        section: "3.1.2",
        en: "With the user name flag 1, the payload contains a user name.",
        zh: "用户名标志为 1 时，有效载荷中必须包含用户名。",
    },
    Rule {
        id: "MQTT-3.1.2-20",
        section: "3.1.2",
        en: "With the password flag 0, the payload contains no password.",
        zh: "密码标志为 0 时，有效载荷中不得包含密码。",
    },
    Rule {
        id: "MQTT-3.1.2-21",
        section: "3.1.2",
        en: "With the password flag 1, the payload contains a password.",
        zh: "密码标志为 1 时，有效载荷中必须包含密码。",
    },
    Rule {
        id: "MQTT-3.1.2-22",
        section: "3.1.2",
        en: "The password flag may be 1 only if the user name flag is 1.",
        zh: "用户名标志为 0 时，密码标志也必须为 0。",
    },
    Rule {
        id: "MQTT-3.1.2-23",
        section: "3.1.2",
        en: "The client keeps the gaps between the packets it sends within the keep alive, sending PINGREQ when it has \
            nothing else to send.",
        zh: "客户端必须保证自己发送的控制报文之间的间隔不超过心跳时长，没有其他报文可发时必须发送 \
            PINGREQ。",
    },
    Rule {
        id: "MQTT-3.1.2-24",
        section: "3.1.2",
        en: "If keep alive is non-zero and the server hears nothing from the client for one and a half keep alive \
            periods, it closes the connection as if the network had failed.",
        zh: "心跳不为 0 且服务端在 1.5 倍心跳时长内没有收到客户端的任何控制报文时，服务端必须断开与该客户端的网络连接，\
            就像网络发生了故障一样。",
    },
    Rule {
        id: "MQTT-3.1.3-1",
        section: "3.1.3",
        en: "The payload fields that are present come in the order client id, will topic, will message, user name, \
            password.",
        zh: "有效载荷中出现的字段必须按客户端ID、遗嘱主题、遗嘱消息、用户名、密码的顺序排列。",
    },
    Rule {
        id: "MQTT-3.1.3-2",
        section: "3.1.3",
        en: "Client and server both use the client id to identify the state they hold for their session.",
        zh: "客户端和服务端都必须使用客户端ID来识别双方为该会话保存的状态。",
    },
    Rule {
        id: "MQTT-3.1.3-3",
        section: "3.1.3",
        en: "The client id is always present and is the first field of the CONNECT payload.",
        zh: "客户端ID必须存在，并且必须是 CONNECT 报文有效载荷的第一个字段。",
    },
    Rule {
        id: "MQTT-3.1.3-4",
        section: "3.1.3",
        en: "The client id is a UTF-8 encoded string.",
        zh: "客户端ID必须是 UTF-8 编码字符串。",
    },
    Rule {
        id: "MQTT-3.1.3-5",
        section: "3.1.3",
        en: "A server accepts client ids of 1 to 23 bytes made only of the characters 0-9, a-z and A-Z.",
        zh: "服务端必须接受长度为 1 到 23 个字节、只由 0-9、a-z 和 A-Z 组成的客户端ID。",
    },
    Rule {
        id: "MQTT-3.1.3-6",
        section: "3.1.3",
        en: "A server that allows a zero-length client id assigns the client a unique id and processes the CONNECT as \
            if the client had sent that id.",
        zh: "服务端如果允许零长度的客户端ID，必须为该客户端分配一个唯一的标识符，并像客户端提供了这个标识符一样处\
            理 CONNECT 报文。",
    },
    Rule {
        id: "MQTT-3.1.3-7",
        section: "3.1.3",
        en: "A client that sends a zero-length client id also sets clean session to 1.",
        zh: "客户端使用零长度的客户端ID时，必须同时把清除会话标志设为 1。",
    },
    Rule {
        id: "MQTT-3.1.3-8",
        section: "3.1.3",
        en: "A zero-length client id with clean session 0 is answered with CONNACK 0x02 (identifier rejected) and the \
            network connection is closed.",
        zh: "客户端ID为零长度且清除会话为 0 时，服务端必须回复返回码为 0x02（客户端ID不合格）的 CONNACK，\
            然后关闭网络连接。",
    },
    Rule {
        id: "MQTT-3.1.3-9",
        section: "3.1.3",
        en: "A server that rejects a client id answers CONNACK 0x02 (identifier rejected) and closes the network \
            connection.",
        zh: "服务端拒绝客户端ID时，必须回复返回码为 0x02（客户端ID不合格）的 CONNACK，然后关闭网络连接。",
    },
    Rule {
        id: "MQTT-3.1.3-10",
        section: "3.1.3",
        en: "The will topic is a UTF-8 encoded string.",
        zh: "遗嘱主题必须是 UTF-8 编码字符串。",
    },
    Rule {
        id: "MQTT-3.1.3-11",
        section: "3.1.3",
        en: "The user name is a UTF-8 encoded string.",
        zh: "用户名必须是 UTF-8 编码字符串。",
    },
    Rule {
        id: "MQTT-3.1.4-1",
        section: "3.1.4",
        en: "A server checks that the CONNECT conforms to section 3.1 and, if it does not, closes the connection \
            without sending a CONNACK.",
        zh: "服务端必须按 3.1 节校验 CONNECT 报文，不符合时不发送 CONNACK，直接关闭网络连接。",
    },
    Rule {
        id: "MQTT-3.1.4-2",
        section: "3.1.4",
        en: "If a client with the same client id is already connected, the server disconnects that existing client.",
        zh: "如果客户端ID表明该客户端已经连接到服务端，服务端必须断开原有客户端的连接。",
    },
    Rule {
        id: "MQTT-3.1.4-3",
        section: "3.1.4",
        en: "After a successful CONNECT the server carries out the clean session processing of section 3.1.2.4.",
        zh: "CONNECT 校验通过后，服务端必须按 3.1.2.4 节的描述执行清除会话的处理。",
    },
    Rule {
        id: "MQTT-3.1.4-4",
        section: "3.1.4",
        en: "After a successful CONNECT the server answers with a CONNACK whose return code is 0.",
        zh: "CONNECT 校验通过后，服务端必须回复返回码为 0 的 CONNACK 报文。",
    },
    Rule {
        id: "MQTT-3.1.4-5",
        section: "3.1.4",
        en: "A server that rejects a CONNECT processes nothing the client sends after it.",
        zh: "服务端拒绝 CONNECT 后，不得处理客户端在 CONNECT 之后发送的任何数据。",
    },
    Rule {
        id: "MQTT-3.2.0-1",
        section: "3.2",
        en: "The first packet a server sends to a client is CONNACK.",
        zh: "服务端发送给客户端的第一个报文必须是 CONNACK。",
    },
    Rule {
        id: "MQTT-3.2.2-1",
        section: "3.2.2",
        en: "A server accepting a clean session 1 connection sets session present to 0, besides return code 0.",
        zh: "服务端接受清除会话为 1 的连接时，除了把返回码设为 0，还必须把 CONNACK 中的会话存在标志设为 0。",
    },
    Rule {
        id: "MQTT-3.2.2-2",
        section: "3.2.2",
        en: "A server accepting a clean session 0 connection for which it has stored session state sets session \
            present to 1.",
        zh: "服务端接受清除会话为 0 的连接时，如果已经保存了该客户端的会话状态，必须把会话存在标志设为 1。",
    },
    Rule {
        id: "MQTT-3.2.2-3",
        section: "3.2.2",
        en: "A server accepting a clean session 0 connection without stored session state sets session present to 0, \
            besides return code 0.",
        zh: "服务端接受清除会话为 0 的连接时，如果没有保存该客户端的会话状态，必须把会话存在标志设为 0，并把返回码设为 \
            0。",
    },
    Rule {
        id: "MQTT-3.2.2-4",
        section: "3.2.2",
        en: "A CONNACK with a non-zero return code has session present 0.",
        zh: "服务端发送返回码不为 0 的 CONNACK 时，必须把会话存在标志设为 0。",
    },
    Rule {
        id: "MQTT-3.2.2-5",
        section: "3.2.2",
        en: "After sending a CONNACK with a non-zero return code the server closes the network connection.",
        zh: "服务端发送返回码不为 0 的 CONNACK 后，必须关闭网络连接。",
    },
    Rule {
        id: "MQTT-3.2.2-6",
        section: "3.2.2",
        en: "If none of the CONNACK return codes fits, the server closes the connection without sending a CONNACK.",
        zh: "如果表 3.1 中没有合适的连接返回码，服务端必须直接关闭网络连接，不发送 CONNACK。",
    },
    Rule {
        id: "MQTT-3.3.1-1",
        section: "3.3.1",
        en: "A client or server sets DUP to 1 when it re-delivers a PUBLISH.",
        zh: "客户端或服务端重新投递 PUBLISH 报文时，必须把 DUP 标志设为 1。",
    },
    Rule {
        id: "MQTT-3.3.1-2",
        section: "3.3.1",
        en: "DUP is 0 on every QoS 0 message.",
        zh: "所有 QoS 0 消息的 DUP 标志都必须为 0。",
    },
    Rule {
        id: "MQTT-3.3.1-3",
        section: "3.3.1",
        en: "The DUP flag of a PUBLISH the server delivers depends only on whether that outgoing packet is a \
            retransmission, not on the DUP it received.",
        zh: "服务端向订阅者投递 PUBLISH 时不沿用收到的 DUP 标志，发出报文的 DUP 只能取决于它本身是否为重发。",
    },
    Rule {
        id: "MQTT-3.3.1-4",
        section: "3.3.1",
        en: "A PUBLISH never has both QoS bits set, and a receiver that gets one closes the network connection.",
        zh: "PUBLISH 报文的两个 QoS 位不得同时为 1；服务端或客户端收到这种报文时必须关闭网络连接。",
    },
    Rule {
        id: "MQTT-3.3.1-5",
        section: "3.3.1",
        en: "A PUBLISH from a client with RETAIN 1 makes the server store the message and its QoS for future \
            subscribers of that topic.",
        zh: "客户端发来的 PUBLISH 保留标志为 1 时，服务端必须存储该应用消息及其服务质量等级（QoS），\
            以便发送给以后订阅匹配该主题的订阅者。",
    },
    Rule {
        id: "MQTT-3.3.1-6",
        section: "3.3.1",
        en: "A new subscription receives the latest retained message, if any, of every topic it matches.",
        zh: "新建立订阅时，每个匹配主题上最新的保留消息（如果有）都必须发送给这个订阅者。",
    },
    Rule {
        id: "MQTT-3.3.1-7",
        section: "3.3.1",
        en: "A retained QoS 0 PUBLISH makes the server drop the topic's previous retained message; it should keep the \
            new one but may discard it at any time.",
        zh: "服务端收到保留标志为 1 的 QoS 0 消息时，必须丢弃该主题之前的保留消息；它应当把新消息作为该主题的保留消息，\
            但可以随时丢弃。",
    },
    Rule {
        id: "MQTT-3.3.1-8",
        section: "3.3.1",
        en: "A PUBLISH the server sends because of a new subscription has RETAIN 1.",
        zh: "服务端因客户端新建订阅而发送 PUBLISH 报文时，必须把保留标志设为 1。",
    },
    Rule {
        id: "MQTT-3.3.1-9",
        section: "3.3.1",
        en: "A PUBLISH the server delivers to an established subscription has RETAIN 0, whatever the publisher set.",
        zh: "服务端因匹配已有订阅而发送 PUBLISH 报文时，无论收到的消息保留标志是什么，都必须把保留标志设为 0。",
    },
    Rule {
        id: "MQTT-3.3.1-10",
        section: "3.3.1",
        en: "A retained PUBLISH with an empty payload is delivered as usual and removes the retained message of its \
            topic.",
        zh: "保留标志为 1 且有效载荷为零字节的 PUBLISH 照常投递给订阅者，同时必须删除该主题现有的保留消息。",
    },
    Rule {
        id: "MQTT-3.3.1-11",
        section: "3.3.1",
        en: "A zero-byte retained message is never stored as a retained message.",
        zh: "服务端不得把零字节的保留消息存储为保留消息。",
    },
    Rule {
        id: "MQTT-3.3.1-12",
        section: "3.3.1",
        en: "A PUBLISH from a client with RETAIN 0 is not stored and leaves any existing retained message untouched.",
        zh: "客户端发来的 PUBLISH 保留标志为 0 时，服务端不得存储该消息，也不得删除或替换现有的保留消息。",
    },
    Rule {
        id: "MQTT-3.3.2-1",
        section: "3.3.2",
        en: "The topic name is the first field of the PUBLISH variable header and is a UTF-8 encoded string.",
        zh: "主题名必须是 PUBLISH 可变报头的第一个字段，并且必须是 UTF-8 编码字符串。",
    },
    Rule {
        id: "MQTT-3.3.2-2",
        section: "3.3.2",
        en: "The topic name of a PUBLISH contains no wildcard characters.",
        zh: "PUBLISH 报文中的主题名不得包含通配符。",
    },
    Rule {
        id: "MQTT-3.3.2-3",
        section: "3.3.2",
        en: "A PUBLISH the server sends to a subscriber has a topic name that matches the subscription's topic filter \
            by the rules of section 4.7.",
        zh: "服务端发送给订阅者的 PUBLISH 报文，其主题名必须按 4.7 节的匹配规则与该订阅的主题过滤器相匹配。",
    },
    Rule {
        id: "MQTT-3.3.4-1",
        section: "3.3.4",
        en: "The receiver of a PUBLISH answers as Table 3.4 prescribes for its QoS: nothing, PUBACK or PUBREC.",
        zh: "PUBLISH 报文的接收方必须按表 3.4 对其服务质量等级（QoS）的规定作出响应：不响应、回复 PUBACK 或回复 \
            PUBREC。",
    },
    Rule {
        id: "MQTT-3.3.5-1",
        section: "3.3.5",
        en: "When several subscriptions of one client match, the server delivers the message respecting the highest \
            maximum QoS among them.",
        zh: "客户端有多个订阅与消息匹配时，服务端必须按这些订阅中最大的 QoS 来投递该消息。",
    },
    Rule {
        id: "MQTT-3.3.5-2",
        section: "3.3.5",
        en: "A server that does not authorise a client's PUBLISH cannot tell it so, and either acknowledges it as \
            usual or closes the network connection.",
        zh: "服务端不允许某个客户端发布时无法通知该客户端，因此必须按正常的 QoS 规则给出肯定确认，或者关闭网络连接。",
    },
    Rule {
        id: "MQTT-3.6.1-1",
        section: "3.6.1",
        en: "PUBREL fixed header flags are 0010; the server treats any other value as malformed and closes the \
            connection.",
        zh: "PUBREL 固定报头的第 3、2、1、0 位是保留位，必须为 0、0、1、0；服务端必须把其他值视为报文格式错误并关闭网络\
            连接。",
    },
    Rule {
        id: "MQTT-3.8.1-1",
        section: "3.8.1",
        en: "SUBSCRIBE fixed header flags are 0010; the server treats any other value as malformed and closes the \
            connection.",
        zh: "SUBSCRIBE 固定报头的第 3、2、1、0 位是保留位，必须为 0、0、1、0；服务端必须把其他值视为报文格式错误并关闭\
            网络连接。",
    },
    Rule {
        id: "MQTT-3.8.3-1",
        section: "3.8.3",
        en: "The topic filters of a SUBSCRIBE are UTF-8 encoded strings.",
        zh: "SUBSCRIBE 报文有效载荷中的主题过滤器必须是 UTF-8 编码字符串。",
    },
    Rule {
        id: "MQTT-3.8.3-2",
        section: "3.8.3",
        en: "A server that does not support wildcard filters rejects every subscription whose filter contains one.",
        zh: "服务端如果不支持含通配符的主题过滤器，必须拒绝所有主题过滤器中含有通配符的订阅请求。",
    },
    Rule {
        id: "MQTT-3.8.3-3",
        section: "3.8.3",
        en: "A SUBSCRIBE contains at least one topic filter and QoS pair; one without a payload is a protocol \
            violation.",
        zh: "SUBSCRIBE 报文的有效载荷必须至少包含一对主题过滤器和 QoS；没有有效载荷的 SUBSCRIBE 属于协议违规。",
    },
    Rule {
        id: "MQTT-3.8.3-4",
        section: "3.8.3",
        en: "A SUBSCRIBE whose requested QoS byte has reserved bits set or a QoS other than 0, 1 or 2 is malformed, \
            and the server closes the connection.",
        zh: "SUBSCRIBE 有效载荷中的保留位不为 0，或请求的 QoS 不是 0、1、2 时，服务端必须视其为报文格式错误并关闭网络连\
            接。",
    },
    Rule {
        id: "MQTT-3.8.4-1",
        section: "3.8.4",
        en: "A server answers every SUBSCRIBE with a SUBACK.",
        zh: "服务端收到客户端的 SUBSCRIBE 报文时，必须回复 SUBACK 报文。",
    },
    Rule {
        id: "MQTT-3.8.4-2",
        section: "3.8.4",
        en: "A SUBACK carries the packet identifier of the SUBSCRIBE it acknowledges.",
        zh: "SUBACK 报文必须带有与所确认的 SUBSCRIBE 报文相同的报文标识符。",
    },
    Rule {
        id: "MQTT-3.8.4-3",
        section: "3.8.4",
        en: "A subscription whose filter equals an existing one replaces it (its QoS may differ), matching retained \
            messages are sent again, and the flow of publications is not interrupted.",
        zh: "新订阅的主题过滤器与已有订阅相同时，服务端必须用新订阅完全替换旧订阅（最大 QoS 可以不同），\
            重新发送匹配的保留消息，并且不得中断消息流。",
    },
    Rule {
        id: "MQTT-3.8.4-4",
        section: "3.8.4",
        en: "A SUBSCRIBE with several filters is handled like a series of SUBSCRIBEs whose answers are combined into \
            one SUBACK.",
        zh: "包含多个主题过滤器的 SUBSCRIBE 报文，必须像依次收到多个 SUBSCRIBE 报文一样处理，只是把响应合并到一个 \
            SUBACK 中。",
    },
    Rule {
        id: "MQTT-3.8.4-5",
        section: "3.8.4",
        en: "A SUBACK has one return code per topic filter, giving the maximum QoS granted or a failure.",
        zh: "SUBACK 报文必须为每对主题过滤器和 QoS 给出一个返回码，表示授予的最大 QoS 或订阅失败。",
    },
    Rule {
        id: "MQTT-3.8.4-6",
        section: "3.8.4",
        en: "Messages sent for a subscription use the lower of the published QoS and the granted QoS; duplicates are \
            allowed when QoS 1 was granted as QoS 0.",
        zh: "为订阅发送的消息，其 QoS 必须取原消息的 QoS 与服务端授予的最大 QoS 中较小的一个；原消息为 QoS 1 而授予 \
            QoS 0 时允许重复发送。",
    },
    Rule {
        id: "MQTT-3.9.3-1",
        section: "3.9.3",
        en: "The return codes of a SUBACK are in the same order as the topic filters of the SUBSCRIBE.",
        zh: "SUBACK 报文中返回码的顺序必须与 SUBSCRIBE 报文中主题过滤器的顺序一致。",
    },
    Rule {
        id: "MQTT-3.9.3-2",
        section: "3.9.3",
        en: "SUBACK return codes other than 0x00, 0x01, 0x02 and 0x80 are reserved and never used.",
        zh: "0x00、0x01、0x02 和 0x80 以外的 SUBACK 返回码是保留值，不得使用。",
    },
    Rule {
        id: "MQTT-3.10.1-1",
        section: "3.10.1",
        en: "UNSUBSCRIBE fixed header flags are 0010; the server treats any other value as malformed and closes the \
            connection.",
        zh: "UNSUBSCRIBE 固定报头的第 3、2、1、0 位是保留位，必须为 0、0、1、0；服务端必须把其他值视为报文格式错误并关\
            闭网络连接。",
    },
    Rule {
        id: "MQTT-3.10.3-1",
        section: "3.10.3",
        en: "The topic filters of an UNSUBSCRIBE are UTF-8 encoded strings packed one after another.",
        zh: "UNSUBSCRIBE 报文中的主题过滤器必须是连续排列的 UTF-8 编码字符串。",
    },
    Rule {
        id: "MQTT-3.10.3-2",
        section: "3.10.3",
        en: "An UNSUBSCRIBE contains at least one topic filter; one without a payload is a protocol violation.",
        zh: "UNSUBSCRIBE 报文的有效载荷必须至少包含一个主题过滤器；没有有效载荷的 UNSUBSCRIBE 属于协议违规。",
    },
    Rule {
        id: "MQTT-3.10.4-1",
        section: "3.10.4",
        en: "Each filter of an UNSUBSCRIBE, wildcards or not, is compared character by character with the client's \
            filters, and only an exact match deletes a subscription.",
        zh: "UNSUBSCRIBE 中的主题过滤器（无论是否含通配符）必须与服务端为该客户端保存的主题过滤器逐字符比较，\
            只有完全相同才删除对应的订阅。",
    },
    Rule {
        id: "MQTT-3.10.4-2",
        section: "3.10.4",
        en: "Once it has deleted a subscription the server adds no new messages for it.",
        zh: "服务端删除订阅后，必须停止为该订阅向客户端添加新消息。",
    },
    Rule {
        id: "MQTT-3.10.4-3",
        section: "3.10.4",
        en: "After deleting a subscription the server still completes the QoS 1 and QoS 2 deliveries it has started.",
        zh: "服务端删除订阅后，仍必须完成已经开始发送给客户端的 QoS 1 和 QoS 2 消息的投递。",
    },
    Rule {
        id: "MQTT-3.10.4-4",
        section: "3.10.4",
        en: "The server answers an UNSUBSCRIBE with an UNSUBACK that carries the same packet identifier.",
        zh: "服务端必须用 UNSUBACK 响应 UNSUBSCRIBE，并且 UNSUBACK 必须带有与 UNSUBSCRIBE 相同的报文标识符。",
    },
    Rule {
        id: "MQTT-3.10.4-5",
        section: "3.10.4",
        en: "The server sends an UNSUBACK even when no subscription was deleted.",
        zh: "即使没有删除任何订阅，服务端也必须回复 UNSUBACK。",
    },
    Rule {
        id: "MQTT-3.10.4-6",
        section: "3.10.4",
        en: "An UNSUBSCRIBE with several filters is handled like a series of UNSUBSCRIBEs answered by a single \
            UNSUBACK.",
        zh: "包含多个主题过滤器的 UNSUBSCRIBE 报文，必须像依次收到多个 UNSUBSCRIBE 报文一样处理，只是只回复一个 \
            UNSUBACK。",
    },
    Rule {
        id: "MQTT-3.12.4-1",
        section: "3.12.4",
        en: "The server answers every PINGREQ with a PINGRESP.",
        zh: "服务端必须用 PINGRESP 报文响应 PINGREQ 报文。",
    },
    Rule {
        id: "MQTT-3.14.1-1",
        section: "3.14.1",
        en: "The server checks that the reserved DISCONNECT flag bits are 0 and disconnects the client if they are \
            not.",
        zh: "服务端必须检查 DISCONNECT 报文的保留位是否为 0，不为 0 时必须断开客户端的连接。",
    },
    Rule {
        id: "MQTT-3.14.4-1",
        section: "3.14.4",
        en: "After sending DISCONNECT the client closes the network connection.",
        zh: "客户端发送 DISCONNECT 报文后，必须关闭网络连接。",
    },
    Rule {
        id: "MQTT-3.14.4-2",
        section: "3.14.4",
        en: "After sending DISCONNECT the client sends no more packets on that connection.",
        zh: "客户端发送 DISCONNECT 报文后，不得再通过该网络连接发送任何控制报文。",
    },
    Rule {
        id: "MQTT-3.14.4-3",
        section: "3.14.4",
        en: "On DISCONNECT the server discards the will message of the connection without publishing it.",
        zh: "服务端收到 DISCONNECT 报文时，必须丢弃与当前连接关联的遗嘱消息，不得发布。",
    },
    Rule {
        id: "MQTT-4.1.0-1",
        section: "4.1",
        en: "Client and server keep the session state for the whole life of the session.",
        zh: "在整个会话期间，客户端和服务端都必须保存会话状态。",
    },
    Rule {
        id: "MQTT-4.1.0-2",
        section: "4.1",
        en: "A session lasts at least as long as its active network connection.",
        zh: "会话的持续时间必须至少与其活动的网络连接一样长。",
    },
    Rule {
        id: "MQTT-4.3.1-1",
        section: "4.3.1",
        en: "A QoS 0 sender sends the PUBLISH with QoS 0 and DUP 0.",
        zh: "QoS 0 投递时，发送方必须发送 QoS 为 0、DUP 为 0 的 PUBLISH 报文。",
    },
    Rule {
        id: "MQTT-4.3.2-1",
        section: "4.3.2",
        en: "A QoS 1 sender uses an unused packet identifier, sends PUBLISH with QoS 1 and DUP 0, and treats it as \
            unacknowledged until the PUBACK arrives.",
        zh: "QoS 1 投递时，发送方必须为新消息分配未使用的报文标识符，发送 QoS 为 1、DUP 为 0 的 PUBLISH，\
            并在收到对应的 PUBACK 之前视其为未确认。",
    },
    Rule {
        id: "MQTT-4.3.2-2",
        section: "4.3.2",
        en: "A QoS 1 receiver that has taken ownership answers PUBACK with the packet identifier, and then treats a \
            PUBLISH with that identifier as a new message whatever its DUP flag.",
        zh: "QoS 1 投递时，接收方取得消息所有权后必须回复带有相同报文标识符的 PUBACK；此后收到使用该报文标识符的 \
            PUBLISH，无论 DUP 标志如何都必须当作新消息。",
    },
    Rule {
        id: "MQTT-4.3.3-1",
        section: "4.3.3",
        en: "A QoS 2 sender uses an unused packet identifier, sends PUBLISH with QoS 2 and DUP 0, answers PUBREC with \
            a PUBREL of the same identifier, waits for PUBREC and then PUBCOMP, and never resends the PUBLISH after \
            its PUBREL.",
        zh: "QoS 2 投递时，发送方必须分配未使用的报文标识符，发送 QoS 为 2、DUP 为 0 的 PUBLISH 并在收到 PUBREC \
            前视其为未确认；收到 PUBREC 后发送相同报文标识符的 PUBREL 并在收到 PUBCOMP 前视其为未确认；发送 PUBREL \
            后不得再重发该 PUBLISH。",
    },
    Rule {
        id: "MQTT-4.3.3-2",
        section: "4.3.3",
        en: "A QoS 2 receiver answers PUBREC, answers repeats of that PUBLISH with PUBREC without delivering them \
            again until PUBREL arrives, answers PUBREL with PUBCOMP, and then treats the identifier as new.",
        zh: "QoS 2 投递时，接收方必须回复带有相同报文标识符的 PUBREC；收到对应的 PUBREL 之前，对相同报文标识符的 \
            PUBLISH 一律回复 PUBREC 且不得重复投递；收到 PUBREL 后回复 PUBCOMP；此后把使用该标识符的 PUBLISH \
            当作新的发布。",
    },
    Rule {
        id: "MQTT-4.4.0-1",
        section: "4.4",
        en: "When a client reconnects with clean session 0, both sides resend unacknowledged PUBLISH (QoS > 0) and \
            PUBREL packets with their original packet identifiers.",
        zh: "客户端以清除会话为 0 重新连接时，客户端和服务端都必须使用原来的报文标识符重发所有未确认的 PUBLISH（QoS \
            大于 0）和 PUBREL 报文。",
    },
    Rule {
        id: "MQTT-4.5.0-1",
        section: "4.5",
        en: "When the server takes ownership of an incoming message, it adds it to the session state of every client \
            with a matching subscription.",
        zh: "服务端取得入站应用消息的所有权后，必须把它加入所有订阅与之匹配的客户端的会话状态中。",
    },
    Rule {
        id: "MQTT-4.5.0-2",
        section: "4.5",
        en: "A client acknowledges every PUBLISH it receives according to its QoS, even if it does not process the \
            message.",
        zh: "客户端必须按适用的 QoS 规则确认收到的每个 PUBLISH 报文，无论它是否处理其中的应用消息。",
    },
    Rule {
        id: "MQTT-4.6.0-1",
        section: "4.6",
        en: "A client resends PUBLISH packets (QoS 1 and 2) in the order in which the originals were sent.",
        zh: "客户端重发 PUBLISH 报文（QoS 1 和 QoS 2）时，必须按原始 PUBLISH 报文的发送顺序重发。",
    },
    Rule {
        id: "MQTT-4.6.0-2",
        section: "4.6",
        en: "A client sends PUBACKs in the order in which the QoS 1 PUBLISH packets were received.",
        zh: "客户端必须按对应 PUBLISH 报文的接收顺序发送 PUBACK 报文（QoS 1）。",
    },
    Rule {
        id: "MQTT-4.6.0-3",
        section: "4.6",
        en: "A client sends PUBRECs in the order in which the QoS 2 PUBLISH packets were received.",
        zh: "客户端必须按对应 PUBLISH 报文的接收顺序发送 PUBREC 报文（QoS 2）。",
    },
    Rule {
        id: "MQTT-4.6.0-4",
        section: "4.6",
        en: "A client sends PUBRELs in the order in which the PUBRECs were received.",
        zh: "客户端必须按对应 PUBREC 报文的接收顺序发送 PUBREL 报文（QoS 2）。",
    },
    Rule {
        id: "MQTT-4.6.0-5",
        section: "4.6",
        en: "A server treats every topic as an ordered topic by default, though it may let some topics be unordered.",
        zh: "服务端默认必须把每个主题都当作有序主题，可以提供管理手段或其他机制把某些主题设为无序主题。",
    },
    Rule {
        id: "MQTT-4.6.0-6",
        section: "4.6",
        en: "For an ordered topic the server applies the client ordering rules towards each subscriber and delivers \
            PUBLISH packets of the same topic and QoS in the order it received them from each client.",
        zh: "处理发布到有序主题的消息时，服务端向每个订阅者投递都必须遵守上述客户端的顺序规则，\
            并且必须按从同一客户端收到的顺序发送相同主题和 QoS 的 PUBLISH 报文。",
    },
    Rule {
        id: "MQTT-4.7.1-1",
        section: "4.7.1",
        en: "Wildcard characters may be used in topic filters but never in a topic name.",
        zh: "通配符可以用在主题过滤器中，但不得出现在主题名中。",
    },
    Rule {
        id: "MQTT-4.7.1-2",
        section: "4.7.1",
        en: "The multi-level wildcard # stands alone or right after a level separator, and is the last character of \
            the filter.",
        zh: "多层通配符 # 必须单独使用或紧跟在主题层级分隔符之后，并且必须是主题过滤器的最后一个字符。",
    },
    Rule {
        id: "MQTT-4.7.1-3",
        section: "4.7.1",
        en: "The single-level wildcard + may be used at any level, first and last included, but occupies the whole \
            level.",
        zh: "单层通配符 + 可以用在主题过滤器的任意层级（包括第一层和最后一层），但必须占据整个层级。",
    },
    Rule {
        id: "MQTT-4.7.2-1",
        section: "4.7.2",
        en: "A server does not match topic filters starting with # or + against topic names starting with $.",
        zh: "服务端不得把以通配符（# 或 +）开头的主题过滤器与以 $ 开头的主题名相匹配。",
    },
    Rule {
        id: "MQTT-4.7.3-1",
        section: "4.7.3",
        en: "Topic names and topic filters are at least one character long.",
        zh: "所有主题名和主题过滤器都必须至少包含一个字符。",
    },
    Rule {
        id: "MQTT-4.7.3-2",
        section: "4.7.3",
        en: "Topic names and topic filters do not contain the null character U+0000.",
        zh: "主题名和主题过滤器不得包含空字符 U+0000。",
    },
    Rule {
        id: "MQTT-4.7.3-3",
        section: "4.7.3",
        en: "Topic names and topic filters are UTF-8 encoded strings of at most 65535 bytes.",
        zh: "主题名和主题过滤器是 UTF-8 编码字符串，编码后不得超过 65535 个字节。",
    },
    Rule {
        id: "MQTT-4.7.3-4",
        section: "4.7.3",
        en: "When matching subscriptions the server does not normalise topic names or topic filters, nor alter \
            characters it does not recognise.",
        zh: "执行订阅匹配时，服务端不得对主题名或主题过滤器做任何规范化处理，也不得修改或替换无法识别的字符。",
    },
    Rule {
        id: "MQTT-4.8.0-1",
        section: "4.8",
        en: "Unless stated otherwise, a client or server that meets a protocol violation closes the network connection \
            on which the offending packet arrived.",
        zh: "除非另有规定，服务端或客户端遇到协议违规时，必须关闭收到该违规控制报文的网络连接。",
    },
    Rule {
        id: "MQTT-4.8.0-2",
        section: "4.8",
        en: "A client or server that hits a transient error, such as a full buffer, while processing an incoming \
            packet closes the network connection on which it arrived.",
        zh: "客户端或服务端在处理入站控制报文时遇到暂时性错误（例如内部缓冲区已满），必须关闭收到该报文的网络连接。",
    },
    Rule {
        id: "MQTT-6.0.0-1",
        section: "6",
        en: "Over WebSocket, MQTT packets are sent in binary data frames, and a receiver of any other frame type \
            closes the network connection.",
        zh: "通过 WebSocket 传输时，MQTT 控制报文必须使用二进制数据帧发送；收到其他类型数据帧的接收方必须关闭网络连\
            接。",
    },
    Rule {
        id: "MQTT-6.0.0-2",
        section: "6",
        en: "A WebSocket frame may hold several or partial MQTT packets, so a receiver does not assume packets align \
            with frame boundaries.",
        zh: "一个 WebSocket 数据帧可以包含多个或不完整的 MQTT 报文，接收方不得假定控制报文与 WebSocket 帧边界对齐。",
    },
    Rule {
        id: "MQTT-6.0.0-3",
        section: "6",
        en: "The client includes \"mqtt\" in the list of WebSocket subprotocols it offers.",
        zh: "客户端必须在其提供的 WebSocket 子协议列表中包含 “mqtt”。",
    },
    Rule {
        id: "MQTT-6.0.0-4",
        section: "6",
        en: "The WebSocket subprotocol the server selects and returns is \"mqtt\".",
        zh: "服务端选择并返回的 WebSocket 子协议名必须是 “mqtt”。",
    },
    Rule {
        id: "MQTT-7.0.0-1",
        section: "7",
        en: "A server that both accepts connections and opens connections to other servers conforms as a client and as \
            a server.",
        zh: "既接受入站连接又主动连接其他服务端的服务端，必须同时符合 MQTT 客户端和 MQTT 服务端的要求。",
    },
    Rule {
        id: "MQTT-7.0.0-2",
        section: "7",
        en: "A conformant implementation does not need extensions defined outside this specification to interoperate \
            with other conformant implementations.",
        zh: "符合规范的实现不得要求使用本规范之外定义的任何扩展，才能与其他符合规范的实现互操作。",
    },
    Rule {
        id: "MQTT-7.1.1-1",
        section: "7.1.1",
        en: "A conformant server supports at least one transport that gives an ordered, lossless byte stream in both \
            directions.",
        zh: "符合规范的服务端必须支持至少一种提供双向有序、无损字节流的底层传输协议。",
    },
    Rule {
        id: "MQTT-7.1.2-1",
        section: "7.1.2",
        en: "A conformant client supports at least one transport that gives an ordered, lossless byte stream in both \
            directions.",
        zh: "符合规范的客户端必须支持至少一种提供双向有序、无损字节流的底层传输协议。",
    },
];

/// The numbered conformance statements of MQTT 5.0 (OASIS Standard, 7 March 2019) that the project
/// cites, in specification order, each summarised like those of 3.1.1. MQTT 5.0 numbers its
/// statements afresh: `MQTT-3.1.2-3` is a statement of both versions, with different words, and ids
/// such as `MQTT-1.5.4-1` exist only in 5.0. An id is read as 5.0 where the text says so (a decode
/// error of a 5.0 frame knows its version, see [`DecodeError::is_v5`](crate::proto::DecodeError::is_v5)).
pub const RULES_5: &[Rule] = &[
    Rule {
        id: "MQTT-1.5.4-1",
        section: "1.5.4",
        en: "The character data of a UTF-8 Encoded String must be well-formed UTF-8 and must not encode the code points U+D800 to U+DFFF.",
        zh: "UTF-8 编码字符串中的字符数据必须是合法的 UTF-8，不得包含 U+D800 到 U+DFFF 之间的码点。",
    },
    Rule {
        id: "MQTT-1.5.4-2",
        section: "1.5.4",
        en: "A UTF-8 Encoded String must not include the null character U+0000; a packet that has one is a Malformed Packet.",
        zh: "UTF-8 编码字符串不得包含空字符 U+0000；含有它的报文是无效报文。",
    },
    Rule {
        id: "MQTT-1.5.5-1",
        section: "1.5.5",
        en: "A Variable Byte Integer must be encoded in the fewest bytes that can hold its value.",
        zh: "变长字节整数必须用表示该值所需的最少字节数编码。",
    },
    Rule {
        id: "MQTT-1.5.7-1",
        section: "1.5.7",
        en: "Both strings of a UTF-8 String Pair must be valid UTF-8 Encoded Strings; a pair that is not makes a Malformed Packet.",
        zh: "UTF-8 字符串对的两个字符串都必须是合法的 UTF-8 编码字符串，否则是无效报文。",
    },
    Rule {
        id: "MQTT-2.1.3-1",
        section: "2.1.3",
        en: "Fixed header flag bits marked Reserved must hold the values the specification lists for the packet type.",
        zh: "固定报头中标为保留的标志位必须取规范为该报文类型列出的值。",
    },
    Rule {
        id: "MQTT-2.2.1-2",
        section: "2.2.1",
        en: "A PUBLISH packet with QoS 0 must not contain a Packet Identifier.",
        zh: "QoS 为 0 的 PUBLISH 报文不得包含报文标识符。",
    },
    Rule {
        id: "MQTT-2.2.1-3",
        section: "2.2.1",
        en: "A Client gives every new SUBSCRIBE, UNSUBSCRIBE and QoS 1 or 2 PUBLISH a non-zero Packet Identifier that is currently unused.",
        zh: "客户端每发送一个新的 SUBSCRIBE、UNSUBSCRIBE 或 QoS 大于 0 的 PUBLISH，都必须为它分配一个当前未被使用的非零报文标识符。",
    },
    Rule {
        id: "MQTT-2.2.2-1",
        section: "2.2.2",
        en: "A packet without properties must still say so with a Property Length of zero.",
        zh: "没有属性时，也必须用值为 0 的属性长度表明。",
    },
    Rule {
        id: "MQTT-3.1.2-1",
        section: "3.1.2",
        en: "The protocol name must be the UTF-8 string \"MQTT\"; a Server refusing such a CONNECT as an MQTT server may answer CONNACK 0x84 and must then close the connection.",
        zh: "协议名必须是 UTF-8 字符串 \"MQTT\"；以 MQTT 服务端身份拒绝该 CONNECT 时，可以回复原因码 0x84 的 CONNACK，随后必须关闭网络连接。",
    },
    Rule {
        id: "MQTT-3.1.2-2",
        section: "3.1.2",
        en: "A Server that does not accept a Protocol Version other than 5 may answer CONNACK 0x84 (unsupported protocol version) and must then close the connection.",
        zh: "协议版本不是 5 且服务端不接受时，服务端可以回复原因码 0x84（不支持的协议版本）的 CONNACK，随后必须关闭网络连接。",
    },
    Rule {
        id: "MQTT-3.1.2-3",
        section: "3.1.2",
        en: "The Server validates that the reserved flag of the CONNECT is 0; if it is not, the packet is a Malformed Packet.",
        zh: "服务端必须验证 CONNECT 报文的保留标志位为 0，否则该报文是无效报文。",
    },
    Rule {
        id: "MQTT-3.1.2-4",
        section: "3.1.2",
        en: "If a CONNECT is received with Clean Start set to 1, the Client and Server must discard any existing Session and start a new Session.",
        zh: "收到新开始为 1 的 CONNECT 时，客户端和服务端必须丢弃已有的会话并开始一个新会话。",
    },
    Rule {
        id: "MQTT-3.1.2-8",
        section: "3.1.2",
        en: "The Will Message must be published after the Network Connection closes and either the Will Delay Interval has elapsed or the Session ends, unless it was deleted on a DISCONNECT with Reason Code 0x00 or a new Network Connection for the ClientID opened before the Will Delay Interval elapsed.",
        zh: "网络连接关闭后，遗嘱延时间隔已过或会话结束时必须发布遗嘱消息，除非服务端收到原因码为 0x00 的 DISCONNECT 时已删除了它，或者在遗嘱延时间隔过去之前该客户端ID已建立了新的网络连接。",
    },
    Rule {
        id: "MQTT-3.1.2-11",
        section: "3.1.2",
        en: "If the Will Flag is 0, the Will QoS must be 0.",
        zh: "遗嘱标志为 0 时，遗嘱 QoS 必须为 0。",
    },
    Rule {
        id: "MQTT-3.1.2-12",
        section: "3.1.2",
        en: "If the Will Flag is 1, the Will QoS may be 0, 1 or 2; the value 3 makes a Malformed Packet.",
        zh: "遗嘱标志为 1 时，遗嘱 QoS 可以是 0、1 或 2；值 3 是无效报文。",
    },
    Rule {
        id: "MQTT-3.1.2-13",
        section: "3.1.2",
        en: "If the Will Flag is 0, Will Retain must be 0.",
        zh: "遗嘱标志为 0 时，遗嘱保留必须为 0。",
    },
    Rule {
        id: "MQTT-3.1.2-22",
        section: "3.1.2",
        en: "If the Keep Alive is non-zero and the Server receives no packet from the Client within one and a half times the Keep Alive, it must close the Network Connection as if the network had failed.",
        zh: "心跳间隔不为 0 时，如果服务端在 1.5 倍心跳间隔内没有收到客户端的任何报文，必须像网络故障一样关闭网络连接。",
    },
    Rule {
        id: "MQTT-3.1.2-23",
        section: "3.1.2",
        en: "The Client and Server must store the Session State after the Network Connection is closed if the Session Expiry Interval is greater than 0.",
        zh: "会话过期间隔大于 0 时，客户端和服务端必须在网络连接关闭后保存会话状态。",
    },
    Rule {
        id: "MQTT-3.1.2-24",
        section: "3.1.2",
        en: "The Server must not send the Client packets exceeding the Maximum Packet Size the Client gave.",
        zh: "服务端发给客户端的报文不得超过客户端给出的最大报文长度。",
    },
    Rule {
        id: "MQTT-3.1.2-25",
        section: "3.1.2",
        en: "A packet too large to send must be discarded without being sent, and the Server then behaves as if it had completed sending that Application Message.",
        zh: "报文太大无法发送时，服务端必须丢弃它而不发送，然后当作已经发送完这条应用消息来处理。",
    },
    Rule {
        id: "MQTT-3.1.2-26",
        section: "3.1.2",
        en: "The Server must not send the Client a PUBLISH with a Topic Alias greater than the Client's Topic Alias Maximum.",
        zh: "服务端发给客户端的 PUBLISH 中，主题别名不得大于客户端的主题别名最大值。",
    },
    Rule {
        id: "MQTT-3.1.2-27",
        section: "3.1.2",
        en: "If the Client's Topic Alias Maximum is absent or zero, the Server must not send it any Topic Aliases.",
        zh: "客户端没有给出主题别名最大值或其值为 0 时，服务端不得向它发送任何主题别名。",
    },
    Rule {
        id: "MQTT-3.1.2-28",
        section: "3.1.2",
        en: "A Request Response Information of 0 means the Server must not return Response Information.",
        zh: "请求响应信息为 0 时，服务端不得返回响应信息。",
    },
    Rule {
        id: "MQTT-3.1.2-29",
        section: "3.1.2",
        en: "If Request Problem Information is 0, the Server must not send a Reason String or User Properties on any packet other than PUBLISH, CONNACK or DISCONNECT.",
        zh: "请求问题信息为 0 时，除 PUBLISH、CONNACK 和 DISCONNECT 外，服务端不得在任何报文中发送原因字符串或用户属性。",
    },
    Rule {
        id: "MQTT-3.1.2-30",
        section: "3.1.2",
        en: "A Client that sets an Authentication Method in the CONNECT must not send any packets other than AUTH or DISCONNECT until it has received a CONNACK.",
        zh: "客户端在 CONNECT 中设置了认证方法时，收到 CONNACK 之前只能发送 AUTH 或 DISCONNECT 报文。",
    },
    Rule {
        id: "MQTT-3.1.3-6",
        section: "3.1.3",
        en: "A Server may allow a zero-length ClientID, but must then treat it as a special case and assign the Client a unique ClientID.",
        zh: "服务端可以允许客户端使用零长度的客户端ID，但此时必须把它当作特例，为该客户端分配一个唯一的客户端ID。",
    },
    Rule {
        id: "MQTT-3.1.3-7",
        section: "3.1.3",
        en: "The Server must then process the CONNECT as if the Client had provided that unique ClientID, and return it as the Assigned Client Identifier in the CONNACK.",
        zh: "随后服务端必须像客户端提供了这个唯一的客户端ID一样处理 CONNECT，并在 CONNACK 中作为分配客户端ID返回它。",
    },
    Rule {
        id: "MQTT-3.1.3-9",
        section: "3.1.3",
        en: "If a new Network Connection to the Session is made before the Will Delay Interval has passed, the Server must not send the Will Message.",
        zh: "遗嘱延时间隔到期之前，如果这个会话有了新的网络连接，服务端不得发送遗嘱消息。",
    },
    Rule {
        id: "MQTT-3.1.4-3",
        section: "3.1.4",
        en: "If the ClientID belongs to a Client that is already connected, the Server sends that existing Client a DISCONNECT with Reason Code 0x8E (Session taken over) and must close its Network Connection.",
        zh: "客户端ID对应的客户端已经连接时，服务端向这个已有的客户端发送原因码为 0x8E（会话被接管）的 DISCONNECT，并且必须关闭它的网络连接。",
    },
    Rule {
        id: "MQTT-3.2.2-1",
        section: "3.2.2",
        en: "Bits 7 to 1 of the Connect Acknowledge Flags of a CONNACK are reserved and must be 0.",
        zh: "CONNACK 连接确认标志的第 7–1 位是保留位，必须为 0。",
    },
    Rule {
        id: "MQTT-3.2.2-7",
        section: "3.2.2",
        en: "A Server that sends a CONNACK with a Reason Code of 0x80 or greater must then close the Network Connection.",
        zh: "服务端发送原因码为 0x80 或更大的 CONNACK 之后，必须关闭网络连接。",
    },
    Rule {
        id: "MQTT-3.2.2-8",
        section: "3.2.2",
        en: "The Server sending a CONNACK must use one of the Connect Reason Code values.",
        zh: "服务端发送的 CONNACK 必须使用连接原因码表中的一个值。",
    },
    Rule {
        id: "MQTT-3.2.2-16",
        section: "3.2.2",
        en: "If the Client connects with a zero-length Client Identifier, the CONNACK must contain an Assigned Client Identifier that no other Session currently in the Server uses.",
        zh: "客户端使用零长度的客户端ID连接时，服务端回复的 CONNACK 必须带有分配客户端ID，并且它不得被服务端当前的任何其他会话使用。",
    },
    Rule {
        id: "MQTT-3.2.2-21",
        section: "3.2.2",
        en: "If the Server sends a Server Keep Alive in the CONNACK, the Client must use it instead of the Keep Alive it sent in the CONNECT.",
        zh: "服务端在 CONNACK 中发送了服务端心跳间隔时，客户端必须使用这个值，而不是它在 CONNECT 中发送的心跳。",
    },
    Rule {
        id: "MQTT-3.2.2-22",
        section: "3.2.2",
        en: "If the Server does not send a Server Keep Alive, it must use the Keep Alive the Client set in the CONNECT.",
        zh: "服务端没有发送服务端心跳间隔时，必须使用客户端在 CONNECT 中设置的心跳。",
    },
    Rule {
        id: "MQTT-3.3.1-2",
        section: "3.3.1",
        en: "The DUP flag must be 0 in every QoS 0 message.",
        zh: "所有 QoS 0 消息的 DUP 标志都必须为 0。",
    },
    Rule {
        id: "MQTT-3.3.1-4",
        section: "3.3.1",
        en: "A PUBLISH must not have both QoS bits set to 1; one that has is a Malformed Packet.",
        zh: "PUBLISH 报文的两个 QoS 位不得同时为 1，否则是无效报文。",
    },
    Rule {
        id: "MQTT-3.3.1-9",
        section: "3.3.1",
        en: "If Retain Handling is 0, the Server must send the Client the retained messages matching the Topic Filter of the subscription.",
        zh: "保留处理为 0 时，服务端必须把与该订阅的主题过滤器匹配的保留消息发送给客户端。",
    },
    Rule {
        id: "MQTT-3.3.1-10",
        section: "3.3.1",
        en: "If Retain Handling is 1, the Server must send the matching retained messages only if the subscription did not already exist.",
        zh: "保留处理为 1 时，只有该订阅原先不存在，服务端才必须发送匹配的保留消息；订阅已存在时不得发送。",
    },
    Rule {
        id: "MQTT-3.3.1-11",
        section: "3.3.1",
        en: "If Retain Handling is 2, the Server must not send retained messages when the subscription is made.",
        zh: "保留处理为 2 时，服务端在建立订阅时不得发送保留消息。",
    },
    Rule {
        id: "MQTT-3.3.1-12",
        section: "3.3.1",
        en: "If Retain As Published is 0, the Server must set the RETAIN flag to 0 when forwarding an Application Message, whatever the flag in the received PUBLISH.",
        zh: "保留发布为 0 时，服务端转发应用消息时必须把 RETAIN 标志设为 0，无论收到的 PUBLISH 中该标志是什么。",
    },
    Rule {
        id: "MQTT-3.3.1-13",
        section: "3.3.1",
        en: "If Retain As Published is 1, the Server must set the RETAIN flag equal to the one in the received PUBLISH.",
        zh: "保留发布为 1 时，服务端必须让 RETAIN 标志与收到的 PUBLISH 中的一致。",
    },
    Rule {
        id: "MQTT-3.3.2-2",
        section: "3.3.2",
        en: "The Topic Name of a PUBLISH must not contain wildcard characters.",
        zh: "PUBLISH 报文的主题名不得包含通配符。",
    },
    Rule {
        id: "MQTT-3.3.2-4",
        section: "3.3.2",
        en: "The Server must send the Payload Format Indicator unaltered to all subscribers receiving the Application Message.",
        zh: "服务端必须把载荷格式指示原样发送给所有收到该应用消息的订阅者。",
    },
    Rule {
        id: "MQTT-3.3.2-5",
        section: "3.3.2",
        en: "If the Message Expiry Interval has passed before the Server could start onward delivery to a matching subscriber, it must delete the copy of the message for that subscriber.",
        zh: "消息过期间隔已过而服务端还没能开始向某个匹配的订阅者投递时，必须删除给该订阅者的那份消息。",
    },
    Rule {
        id: "MQTT-3.3.2-6",
        section: "3.3.2",
        en: "A PUBLISH the Server sends to a Client must carry a Message Expiry Interval equal to the received value minus the time the message has been waiting in the Server.",
        zh: "服务端发给客户端的 PUBLISH 中，消息过期间隔必须是收到的值减去该消息在服务端等待的时间。",
    },
    Rule {
        id: "MQTT-3.3.2-7",
        section: "3.3.2",
        en: "A receiver must not carry Topic Alias mappings forward from one Network Connection to another.",
        zh: "接收方不得把主题别名映射从一个网络连接带到另一个网络连接。",
    },
    Rule {
        id: "MQTT-3.3.2-8",
        section: "3.3.2",
        en: "A sender must not send a PUBLISH with a Topic Alias of 0.",
        zh: "发送方不得发送主题别名为 0 的 PUBLISH 报文。",
    },
    Rule {
        id: "MQTT-3.3.2-9",
        section: "3.3.2",
        en: "A Client must not send a PUBLISH with a Topic Alias greater than the Topic Alias Maximum the Server returned in the CONNACK.",
        zh: "客户端发送的 PUBLISH 中，主题别名不得大于服务端在 CONNACK 中返回的主题别名最大值。",
    },
    Rule {
        id: "MQTT-3.3.2-11",
        section: "3.3.2",
        en: "A Server must not send a PUBLISH with a Topic Alias greater than the Topic Alias Maximum the Client sent in the CONNECT.",
        zh: "服务端发送的 PUBLISH 中，主题别名不得大于客户端在 CONNECT 中发送的主题别名最大值。",
    },
    Rule {
        id: "MQTT-3.3.2-12",
        section: "3.3.2",
        en: "A Server must accept every Topic Alias from 1 up to the Topic Alias Maximum it returned in the CONNACK.",
        zh: "服务端必须接受从 1 到它在 CONNACK 中返回的主题别名最大值之间的所有主题别名。",
    },
    Rule {
        id: "MQTT-3.3.2-14",
        section: "3.3.2",
        en: "A Response Topic must not contain wildcard characters.",
        zh: "响应主题不得包含通配符。",
    },
    Rule {
        id: "MQTT-3.3.2-15",
        section: "3.3.2",
        en: "The Server must send the Response Topic unaltered to all subscribers receiving the Application Message.",
        zh: "服务端必须把响应主题原样发送给所有收到该应用消息的订阅者。",
    },
    Rule {
        id: "MQTT-3.3.2-16",
        section: "3.3.2",
        en: "The Server must send the Correlation Data unaltered to all subscribers receiving the Application Message.",
        zh: "服务端必须把对比数据原样发送给所有收到该应用消息的订阅者。",
    },
    Rule {
        id: "MQTT-3.3.2-17",
        section: "3.3.2",
        en: "The Server must send all User Properties unaltered in the PUBLISH when forwarding the Application Message to a Client.",
        zh: "服务端向客户端转发应用消息时，必须在 PUBLISH 中原样发送所有用户属性。",
    },
    Rule {
        id: "MQTT-3.3.2-18",
        section: "3.3.2",
        en: "The Server must keep the order of the User Properties when forwarding the Application Message.",
        zh: "服务端转发应用消息时必须保持用户属性的顺序。",
    },
    Rule {
        id: "MQTT-3.3.2-20",
        section: "3.3.2",
        en: "The Server must send the Content Type unaltered to all subscribers receiving the Application Message.",
        zh: "服务端必须把内容类型原样发送给所有收到该应用消息的订阅者。",
    },
    Rule {
        id: "MQTT-3.3.4-3",
        section: "3.3.4",
        en: "If the Client gave a Subscription Identifier for any of the overlapping subscriptions, the Server must send those Subscription Identifiers in the message published as their result.",
        zh: "客户端为重叠的订阅中任何一个指定了订阅标识符时，服务端必须在因这些订阅而发布的消息中带上这些订阅标识符。",
    },
    Rule {
        id: "MQTT-3.3.4-4",
        section: "3.3.4",
        en: "If the Server sends a single copy of the message, its PUBLISH must include the Subscription Identifiers of all matching subscriptions that have one, in any order.",
        zh: "服务端只发送一份消息时，PUBLISH 中必须包含所有带有订阅标识符的匹配订阅的订阅标识符，顺序不限。",
    },
    Rule {
        id: "MQTT-3.3.4-5",
        section: "3.3.4",
        en: "If the Server sends several PUBLISH packets for overlapping subscriptions, each carries the Subscription Identifier of its own matching subscription, if it has one.",
        zh: "服务端为重叠的订阅分别发送多个 PUBLISH 时，每个都要带上与之匹配的那个订阅的订阅标识符（如果有）。",
    },
    Rule {
        id: "MQTT-3.3.4-6",
        section: "3.3.4",
        en: "A PUBLISH sent by a Client to the Server must not contain a Subscription Identifier.",
        zh: "客户端发给服务端的 PUBLISH 报文不得包含订阅标识符。",
    },
    Rule {
        id: "MQTT-3.3.4-7",
        section: "3.3.4",
        en: "The Client must not have more than Receive Maximum QoS 1 and QoS 2 PUBLISH packets outstanding for which it has not received a PUBACK, a PUBCOMP, or a PUBREC with a Reason Code of 128 or greater.",
        zh: "客户端已发送但尚未收到 PUBACK、PUBCOMP 或原因码不小于 128 的 PUBREC 的 QoS 1 和 QoS 2 PUBLISH 报文，不得多于接收最大值。",
    },
    Rule {
        id: "MQTT-3.3.4-9",
        section: "3.3.4",
        en: "The Server must not have more than the Client's Receive Maximum QoS 1 and QoS 2 PUBLISH packets outstanding for which it has not received a PUBACK, a PUBCOMP, or a PUBREC with a Reason Code of 128 or greater.",
        zh: "服务端已发送但尚未收到 PUBACK、PUBCOMP 或原因码不小于 128 的 PUBREC 的 QoS 1 和 QoS 2 PUBLISH 报文，不得多于客户端的接收最大值。",
    },
    Rule {
        id: "MQTT-3.4.2-1",
        section: "3.4.2",
        en: "The sender of a PUBACK must use one of the PUBACK Reason Codes.",
        zh: "发送 PUBACK 的一方必须使用 PUBACK 原因码中的一个。",
    },
    Rule {
        id: "MQTT-3.5.2-1",
        section: "3.5.2",
        en: "The sender of a PUBREC must use one of the PUBREC Reason Codes.",
        zh: "发送 PUBREC 的一方必须使用 PUBREC 原因码中的一个。",
    },
    Rule {
        id: "MQTT-3.6.2-1",
        section: "3.6.2",
        en: "The sender of a PUBREL must use one of the PUBREL Reason Codes.",
        zh: "发送 PUBREL 的一方必须使用 PUBREL 原因码中的一个。",
    },
    Rule {
        id: "MQTT-3.7.2-1",
        section: "3.7.2",
        en: "The sender of a PUBCOMP must use one of the PUBCOMP Reason Codes.",
        zh: "发送 PUBCOMP 的一方必须使用 PUBCOMP 原因码中的一个。",
    },
    Rule {
        id: "MQTT-3.8.3-2",
        section: "3.8.3",
        en: "A SUBSCRIBE must contain at least one Topic Filter and Subscription Options pair; one with none is a Protocol Error.",
        zh: "SUBSCRIBE 报文至少要有一对主题过滤器和订阅选项，一对都没有就是协议错误。",
    },
    Rule {
        id: "MQTT-3.8.3-3",
        section: "3.8.3",
        en: "If No Local is 1, Application Messages must not be forwarded to a connection whose ClientID equals that of the publishing connection.",
        zh: "非本地选项为 1 时，应用消息不得转发给客户端ID与发布者连接相同的连接。",
    },
    Rule {
        id: "MQTT-3.8.3-4",
        section: "3.8.3",
        en: "It is a Protocol Error to set the No Local option on a Shared Subscription.",
        zh: "在共享订阅上设置非本地选项是协议错误。",
    },
    Rule {
        id: "MQTT-3.8.3-5",
        section: "3.8.3",
        en: "The Server treats a SUBSCRIBE whose reserved bits of the Subscription Options are not 0 as a Malformed Packet.",
        zh: "订阅选项的保留位不为 0 时，服务端必须把该 SUBSCRIBE 当作无效报文。",
    },
    Rule {
        id: "MQTT-3.9.3-2",
        section: "3.9.3",
        en: "The Server sending a SUBACK must use one of the Subscribe Reason Codes for each Topic Filter it received.",
        zh: "服务端发送 SUBACK 时，必须为收到的每个主题过滤器使用订阅原因码中的一个。",
    },
    Rule {
        id: "MQTT-3.10.3-2",
        section: "3.10.3",
        en: "An UNSUBSCRIBE must contain at least one Topic Filter; one with none is a Protocol Error.",
        zh: "UNSUBSCRIBE 报文至少要有一个主题过滤器，一个都没有就是协议错误。",
    },
    Rule {
        id: "MQTT-3.11.3-2",
        section: "3.11.3",
        en: "The Server sending an UNSUBACK must use one of the Unsubscribe Reason Codes for each Topic Filter it received.",
        zh: "服务端发送 UNSUBACK 时，必须为收到的每个主题过滤器使用取消订阅原因码中的一个。",
    },
    Rule {
        id: "MQTT-3.14.0-1",
        section: "3.14",
        en: "A Server must not send a DISCONNECT until after it has sent a CONNACK with a Reason Code below 0x80.",
        zh: "服务端在发送原因码小于 0x80 的 CONNACK 之前不得发送 DISCONNECT。",
    },
    Rule {
        id: "MQTT-3.14.2-1",
        section: "3.14.2",
        en: "The sender of a DISCONNECT must use one of the DISCONNECT Reason Codes.",
        zh: "发送 DISCONNECT 的一方必须使用 DISCONNECT 原因码中的一个。",
    },
    Rule {
        id: "MQTT-3.14.2-2",
        section: "3.14.2",
        en: "The Server must not send a Session Expiry Interval in a DISCONNECT.",
        zh: "服务端不得在 DISCONNECT 中发送会话过期间隔。",
    },
    Rule {
        id: "MQTT-3.14.4-3",
        section: "3.14.4",
        en: "On receipt of a DISCONNECT with Reason Code 0x00, the Server must discard the Will Message of the current Connection without publishing it.",
        zh: "收到原因码为 0x00 的 DISCONNECT 时，服务端必须丢弃与当前连接关联的遗嘱消息，不得发布。",
    },
    Rule {
        id: "MQTT-3.15.2-1",
        section: "3.15.2",
        en: "The sender of an AUTH packet must use one of the Authenticate Reason Codes.",
        zh: "发送 AUTH 报文的一方必须使用认证原因码中的一个。",
    },
    Rule {
        id: "MQTT-4.1.0-2",
        section: "4.1",
        en: "The Server must discard the Session State when the Network Connection is closed and the Session Expiry Interval has passed.",
        zh: "网络连接已关闭且会话过期间隔已过时，服务端必须丢弃会话状态。",
    },
    Rule {
        id: "MQTT-4.3.3-7",
        section: "4.3.3",
        en: "A QoS 2 sender must not apply message expiry once the PUBLISH has been sent.",
        zh: "QoS 2 的发送方一旦发出了 PUBLISH，就不得再对该消息执行消息过期。",
    },
    Rule {
        id: "MQTT-4.3.3-9",
        section: "4.3.3",
        en: "After sending a PUBREC with a Reason Code of 0x80 or greater, the receiver must treat any later PUBLISH with that Packet Identifier as a new Application Message.",
        zh: "接收方发送了原因码不小于 0x80 的 PUBREC 之后，必须把之后带有该报文标识符的 PUBLISH 当作新的应用消息。",
    },
    Rule {
        id: "MQTT-4.4.0-2",
        section: "4.4",
        en: "If a PUBACK or PUBREC with a Reason Code of 0x80 or greater is received, the corresponding PUBLISH is treated as acknowledged and must not be retransmitted.",
        zh: "收到原因码不小于 0x80 的 PUBACK 或 PUBREC 时，对应的 PUBLISH 视为已确认，不得重发。",
    },
    Rule {
        id: "MQTT-4.7.0-1",
        section: "4.7",
        en: "Wildcard characters may be used in Topic Filters but must not be used within a Topic Name.",
        zh: "通配符可以用在主题过滤器中，但不得用在主题名中。",
    },
    Rule {
        id: "MQTT-4.7.3-1",
        section: "4.7.3",
        en: "All Topic Names and Topic Filters must be at least one character long.",
        zh: "所有主题名和主题过滤器都必须至少有一个字符。",
    },
    Rule {
        id: "MQTT-4.8.2-1",
        section: "4.8.2",
        en: "A Shared Subscription's Topic Filter must start with $share/ and contain a ShareName at least one character long.",
        zh: "共享订阅的主题过滤器必须以 $share/ 开头，并包含至少一个字符的共享名。",
    },
    Rule {
        id: "MQTT-4.8.2-2",
        section: "4.8.2",
        en: "The ShareName must not contain \"/\", \"+\" or \"#\", and must be followed by a \"/\" and then a Topic Filter.",
        zh: "共享名不得包含 \"/\"、\"+\" 或 \"#\"，其后必须跟一个 \"/\"，再跟一个主题过滤器。",
    },
    Rule {
        id: "MQTT-4.8.2-3",
        section: "4.8.2",
        en: "When sending an Application Message of a Shared Subscription to a Client, the Server must respect the QoS granted to that Client's subscription.",
        zh: "服务端把共享订阅的应用消息发送给某个客户端时，必须遵守为该客户端的订阅授予的 QoS。",
    },
    Rule {
        id: "MQTT-4.9.0-1",
        section: "4.9",
        en: "The Client or Server must set its initial send quota to a non-zero value not exceeding the Receive Maximum.",
        zh: "客户端和服务端都必须把初始发送配额设为不超过接收最大值的非零值。",
    },
    Rule {
        id: "MQTT-4.9.0-2",
        section: "4.9",
        en: "Each PUBLISH sent at QoS > 0 decrements the send quota; once it reaches zero, the sender must not send any more PUBLISH packets with QoS > 0.",
        zh: "每发送一个 QoS 大于 0 的 PUBLISH，发送配额减 1；配额为 0 时，不得再发送 QoS 大于 0 的 PUBLISH。",
    },
    Rule {
        id: "MQTT-4.12.0-1",
        section: "4.12",
        en: "If the Server does not support the Client's Authentication Method, it may send a CONNACK with Reason Code 0x8C (Bad authentication method) or 0x87 (Not authorized) and must close the Network Connection.",
        zh: "服务端不支持客户端给出的认证方法时，可以发送原因码为 0x8C（认证方法无效）或 0x87（未授权）的 CONNACK，并且必须关闭网络连接。",
    },
    Rule {
        id: "MQTT-4.12.0-6",
        section: "4.12",
        en: "If the Client does not include an Authentication Method in the CONNECT, the Server must not send an AUTH packet, nor an Authentication Method in the CONNACK.",
        zh: "客户端的 CONNECT 中没有认证方法时，服务端不得发送 AUTH 报文，也不得在 CONNACK 中发送认证方法。",
    },
    Rule {
        id: "MQTT-4.12.0-7",
        section: "4.12",
        en: "If the Client does not include an Authentication Method in the CONNECT, it must not send an AUTH packet to the Server.",
        zh: "客户端的 CONNECT 中没有认证方法时，客户端不得向服务端发送 AUTH 报文。",
    },
    Rule {
        id: "MQTT-4.13.1-1",
        section: "4.13.1",
        en: "A Server that detects a Malformed Packet or a Protocol Error for which the specification gives a Reason Code must close the Network Connection.",
        zh: "服务端发现无效报文或协议错误（规范为其给出了原因码）时，必须关闭网络连接。",
    },
];

/// The statement with this id, e.g. `lookup("MQTT-3.3.2-2")`; `None` for anything else, including
/// section numbers such as `"MQTT-2.2.1"`.
pub fn lookup(id: &str) -> Option<&'static Rule> {
    RULES_311.iter().find(|r| r.id == id)
}

/// Whether `id` names a numbered conformance statement of MQTT 3.1.1.
pub fn is_rule_id(id: &str) -> bool {
    lookup(id).is_some()
}

/// The MQTT 5.0 statement with this id, e.g. `lookup_v5("MQTT-3.3.2-8")` (Topic Alias 0).
pub fn lookup_v5(id: &str) -> Option<&'static Rule> {
    RULES_5.iter().find(|r| r.id == id)
}

/// Whether `id` names a numbered conformance statement of MQTT 5.0 that the project cites.
pub fn is_rule_id_v5(id: &str) -> bool {
    lookup_v5(id).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// `MQTT-x.y.z-n` split into its four numbers; `None` if `id` does not have that shape.
    fn numbers(id: &str) -> Option<[u32; 4]> {
        let (clause, n) = id.strip_prefix("MQTT-")?.rsplit_once('-')?;
        let parts: Vec<&str> = clause.split('.').collect();
        if parts.len() != 3 {
            return None;
        }
        Some([number(parts[0])?, number(parts[1])?, number(parts[2])?, number(n)?])
    }

    fn number(s: &str) -> Option<u32> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    }

    #[test]
    fn ids_are_unique() {
        let mut seen = HashSet::new();
        for r in RULES_311 {
            assert!(seen.insert(r.id), "{} is listed twice", r.id);
        }
    }

    #[test]
    fn every_id_has_the_mqtt_x_y_z_n_shape() {
        for r in RULES_311 {
            let n = numbers(r.id).unwrap_or_else(|| panic!("{} is not MQTT-x.y.z-n", r.id));
            assert!(n[3] >= 1, "{}: statements are numbered from 1", r.id);
        }
        assert_eq!(numbers("MQTT-2.2.1"), None);
        assert_eq!(numbers("MQTT-3.1.2.7"), None);
        assert_eq!(numbers("MQTT-3-8.3-4"), None);
    }

    #[test]
    fn the_list_is_in_specification_order_and_complete() {
        let keys: Vec<[u32; 4]> = RULES_311.iter().map(|r| numbers(r.id).unwrap()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "not in specification order");
        assert_eq!(RULES_311.len(), 141);
        assert_eq!(RULES_311.first().map(|r| r.id), Some("MQTT-1.5.3-1"));
        assert_eq!(RULES_311.last().map(|r| r.id), Some("MQTT-7.1.2-1"));
    }

    #[test]
    fn section_is_the_clause_of_the_id() {
        for r in RULES_311 {
            let [x, y, z, _] = numbers(r.id).unwrap();
            let want = match (y, z) {
                (0, 0) => format!("{x}"),
                (_, 0) => format!("{x}.{y}"),
                _ => format!("{x}.{y}.{z}"),
            };
            assert_eq!(r.section, want, "{}", r.id);
        }
    }

    #[test]
    fn every_rule_has_both_summaries() {
        for r in RULES_311 {
            assert!(r.en.ends_with('.') && !r.en.contains('\n'), "{}: {:?}", r.id, r.en);
            let chinese = r.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            assert!(chinese && r.zh.ends_with('。') && !r.zh.contains('\n'), "{}: {:?}", r.id, r.zh);
        }
    }

    #[test]
    fn spot_checks() {
        let rule = |id| lookup(id).unwrap_or_else(|| panic!("{id} is missing"));
        assert!(rule("MQTT-3.3.2-2").en.contains("wildcard"));
        assert!(rule("MQTT-3.3.2-2").zh.contains("通配符"));
        assert!(rule("MQTT-3.1.2-24").en.contains("one and a half keep alive"));
        assert!(rule("MQTT-3.1.2-11").en.contains("will QoS and will retain"));
        assert!(rule("MQTT-3.1.2-13").en.contains("will QoS must be 0"));
        assert!(rule("MQTT-3.1.2-15").en.contains("will retain must be 0"));
        assert!(rule("MQTT-3.10.3-2").en.starts_with("An UNSUBSCRIBE contains at least one topic filter"));
        assert!(rule("MQTT-4.7.1-1").en.contains("never in a topic name"));
        assert!(rule("MQTT-4.7.1-2").en.contains("multi-level wildcard"));
        assert!(rule("MQTT-4.8.0-1").en.contains("protocol violation"));
        assert_eq!(rule("MQTT-3.1.0-1").section, "3.1");
        assert_eq!(rule("MQTT-6.0.0-1").section, "6");
        assert_eq!(rule("MQTT-3.14.4-3").section, "3.14.4");
    }

    #[test]
    fn the_5_0_list_is_unique_in_order_and_summarised() {
        let keys: Vec<[u32; 4]> =
            RULES_5.iter().map(|r| numbers(r.id).unwrap_or_else(|| panic!("{} is not MQTT-x.y.z-n", r.id))).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "not in specification order (or listed twice)");
        for r in RULES_5 {
            let [x, y, z, _] = numbers(r.id).unwrap();
            let want = match (y, z) {
                (0, 0) => format!("{x}"),
                (_, 0) => format!("{x}.{y}"),
                _ => format!("{x}.{y}.{z}"),
            };
            assert_eq!(r.section, want, "{}", r.id);
            assert!(r.en.ends_with('.') && !r.en.contains('\n'), "{}: {:?}", r.id, r.en);
            let chinese = r.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            assert!(chinese && r.zh.ends_with('。') && !r.zh.contains('\n'), "{}: {:?}", r.id, r.zh);
        }
        // The two versions share some ids with different meanings, and each has ids of its own.
        assert!(lookup_v5("MQTT-3.3.2-8").unwrap().en.contains("Topic Alias of 0"));
        assert!(lookup("MQTT-3.1.2-11").unwrap().en.contains("will QoS and will retain"));
        assert!(lookup_v5("MQTT-3.1.2-11").unwrap().en.contains("Will QoS must be 0"));
        assert!(is_rule_id_v5("MQTT-1.5.4-1") && !is_rule_id("MQTT-1.5.4-1"));
        assert!(is_rule_id_v5("MQTT-4.7.0-1") && !is_rule_id("MQTT-4.7.0-1"));
        assert!(!is_rule_id_v5("MQTT-2.2.2-2") && !is_rule_id_v5("MQTT-2.1.3"));
    }

    #[test]
    fn section_numbers_and_misprints_are_not_rule_ids() {
        let section_numbers = ["MQTT-2.2.1", "MQTT-2.2.3", "MQTT-3.2.2", "MQTT-4.7.3"];
        let misprints = ["MQTT-3.1.2.7", "MQTT-3-8.3-4", "MQTT-3.3.1.-1"];
        for id in section_numbers.into_iter().chain(misprints) {
            assert!(!is_rule_id(id), "{id}");
        }
        // Ids that MQTT 3.1.1 does not have (some belong to MQTT 5.0 only).
        for id in ["MQTT-3.4.0-1", "MQTT-3.5.4-1", "MQTT-3.6.4-1", "MQTT-3.1.2-25", "MQTT-1.5.4-1", ""] {
            assert!(!is_rule_id(id), "{id}");
        }
        assert!(is_rule_id("MQTT-3.1.2-7") && is_rule_id("MQTT-3.8.3-4") && is_rule_id("MQTT-3.3.1-1"));
    }
}

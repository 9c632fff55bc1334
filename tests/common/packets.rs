//! Proptest strategies for valid MQTT 3.1 / 3.1.1 packets, shared by `proto_props` and `proto_oracle`.
//!
//! "Valid" means what a conforming sender may put on the wire: topic names are non-empty, have no
//! `+`, `#` or U+0000 and may be multi-byte UTF-8 (汽车速度); topic filters are non-empty and use the
//! wildcards correctly; packet ids are never 0; a QoS 0 PUBLISH has no DUP; a 3.1.1 CONNECT with a
//! password also has a user name; SUBSCRIBE, UNSUBSCRIBE and SUBACK carry at least one entry; a
//! CONNACK has Session Present only when it accepts.
#![allow(dead_code)]

use bytes::Bytes;
use mqtt_lab::proto::{
    ConnAck, Connect, ConnectReturnCode, Packet, PacketId, Protocol, Publish, QoS, QosPid, SubAck, SubAckCode,
    Subscribe, Unsubscribe, Will,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

/// Topic levels that are worth seeing often: multi-byte UTF-8, `$`, spaces, one-byte words.
const WORDS: &[&str] =
    &["car", "speed", "汽车速度", "温度", "sensor-1", "$SYS", "é", "🚗", " ", "a b", "ÿ", "x", "home", "灯"];

pub fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![Just(QoS::AtMostOnce), Just(QoS::AtLeastOnce), Just(QoS::ExactlyOnce)]
}

/// A packet id, 1..=65535 with both ends often.
pub fn packet_id() -> impl Strategy<Value = PacketId> {
    prop_oneof![1 => Just(1u16), 1 => Just(u16::MAX), 1 => Just(256u16), 6 => 1..=u16::MAX]
        .prop_map(|v| PacketId::new(v).expect("non-zero"))
}

/// One level of a topic name: never `+`, `#`, `/` or NUL, may be empty.
pub fn topic_level() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(WORDS).prop_map(String::from),
        3 => "[a-zA-Z0-9_.-]{0,8}",
        // any Unicode scalar value except NUL, the wildcards and the separator
        2 => "[^\\x00+#/]{1,6}",
    ]
}

/// A valid topic name: 1–5 levels joined with `/` (empty levels allowed), never empty.
pub fn topic_name() -> impl Strategy<Value = String> {
    vec(topic_level(), 1..6).prop_map(|levels| {
        let t = levels.join("/");
        if t.is_empty() { "t".to_string() } else { t }
    })
}

/// A valid topic filter: a topic name, or levels that may be `+` and may end in `#`.
pub fn topic_filter() -> impl Strategy<Value = String> {
    let level = prop_oneof![3 => topic_level(), 1 => Just("+".to_string())];
    prop_oneof![
        1 => topic_name(),
        2 => (vec(level, 0..5), proptest::bool::weighted(0.3)).prop_map(|(mut levels, hash)| {
            if hash || levels.is_empty() {
                levels.push("#".to_string());
            }
            let f = levels.join("/");
            if f.is_empty() { "+".to_string() } else { f }
        }),
    ]
}

/// A client id: often empty or a classic `[0-9a-zA-Z]{1,23}`, sometimes any UTF-8 without NUL.
pub fn client_id() -> impl Strategy<Value = String> {
    prop_oneof![1 => Just(String::new()), 4 => "[0-9a-zA-Z]{1,23}", 2 => "[^\\x00]{1,30}"]
}

/// A user name: any UTF-8 without NUL, possibly empty.
pub fn username() -> impl Strategy<Value = String> {
    prop_oneof![2 => "[a-z0-9]{0,12}", 1 => "[^\\x00]{0,20}"]
}

pub fn binary(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

pub fn will() -> impl Strategy<Value = Will> {
    (topic_name(), binary(64), qos(), any::<bool>()).prop_map(|(topic, message, qos, retain)| Will {
        topic,
        message,
        qos,
        retain,
    })
}

/// A CONNECT of the given protocol(s).
pub fn connect_of(protocol: impl Strategy<Value = Protocol>) -> impl Strategy<Value = Connect> {
    (
        protocol,
        any::<bool>(),
        any::<u16>(),
        client_id(),
        option::weighted(0.4, will()),
        option::weighted(0.5, username()),
        option::weighted(0.4, binary(32)),
    )
        .prop_map(|(protocol, clean_session, keep_alive, client_id, will, mut username, password)| {
            // 3.1.1: a password needs a user name [MQTT-3.1.2-22]; 3.1 allows a password alone.
            if protocol == Protocol::V311 && password.is_some() && username.is_none() {
                username = Some("user".to_string());
            }
            Connect { protocol, clean_session, keep_alive, client_id, will, username, password }
        })
}

/// A 3.1.1 or (one time in five) 3.1 CONNECT.
pub fn connect() -> impl Strategy<Value = Connect> {
    connect_of(prop_oneof![4 => Just(Protocol::V311), 1 => Just(Protocol::V31)])
}

pub fn connack() -> impl Strategy<Value = ConnAck> {
    (any::<bool>(), 0u8..=5).prop_map(|(sp, code)| {
        let code = ConnectReturnCode::from_u8(code).expect("0..=5");
        // Session Present is 0 whenever the return code is not 0 [MQTT-3.2.2-4].
        ConnAck { session_present: sp && code == ConnectReturnCode::Accepted, code }
    })
}

/// Payload sizes around and above 16384 bytes, where the remaining length takes 3 bytes.
pub fn big_binary() -> impl Strategy<Value = Bytes> {
    prop_oneof![16_370usize..16_400, 16_400usize..20_000].prop_flat_map(|n| vec(any::<u8>(), n)).prop_map(Bytes::from)
}

/// A payload: 0..300 bytes, and about one time in 40 more than 16384 bytes.
pub fn payload() -> impl Strategy<Value = Bytes> {
    prop_oneof![40 => binary(300), 1 => big_binary()]
}

pub fn publish_with(payload: impl Strategy<Value = Bytes>) -> impl Strategy<Value = Publish> {
    (any::<bool>(), qos(), packet_id(), any::<bool>(), topic_name(), payload).prop_map(
        |(dup, qos, pid, retain, topic, payload)| Publish {
            // DUP must be 0 at QoS 0 [MQTT-3.3.1-2]
            dup: dup && qos != QoS::AtMostOnce,
            qos_pid: QosPid::from_qos(qos, pid),
            retain,
            topic: topic.into(),
            payload,
        },
    )
}

pub fn publish() -> impl Strategy<Value = Publish> {
    publish_with(payload())
}

/// A PUBLISH whose payload is always more than 16370 bytes.
pub fn big_publish() -> impl Strategy<Value = Publish> {
    publish_with(big_binary())
}

pub fn subscribe() -> impl Strategy<Value = Subscribe> {
    (packet_id(), vec((topic_filter(), qos()), 1..6)).prop_map(|(pid, filters)| Subscribe { pid, filters })
}

pub fn suback_code() -> impl Strategy<Value = SubAckCode> {
    prop_oneof![3 => qos().prop_map(SubAckCode::Granted), 1 => Just(SubAckCode::Failure)]
}

pub fn suback() -> impl Strategy<Value = SubAck> {
    (packet_id(), vec(suback_code(), 1..8)).prop_map(|(pid, codes)| SubAck { pid, codes })
}

pub fn unsubscribe() -> impl Strategy<Value = Unsubscribe> {
    (packet_id(), vec(topic_filter(), 1..6)).prop_map(|(pid, filters)| Unsubscribe { pid, filters })
}

/// Any of the 14 packet types, with CONNECT drawn from `connect`.
pub fn packet_with(connect: impl Strategy<Value = Connect> + 'static) -> BoxedStrategy<Packet> {
    prop_oneof![
        3 => connect.prop_map(|c| Packet::Connect(Box::new(c))),
        1 => connack().prop_map(Packet::ConnAck),
        4 => publish().prop_map(Packet::Publish),
        1 => packet_id().prop_map(Packet::PubAck),
        1 => packet_id().prop_map(Packet::PubRec),
        1 => packet_id().prop_map(Packet::PubRel),
        1 => packet_id().prop_map(Packet::PubComp),
        2 => subscribe().prop_map(Packet::Subscribe),
        1 => suback().prop_map(Packet::SubAck),
        2 => unsubscribe().prop_map(Packet::Unsubscribe),
        1 => packet_id().prop_map(Packet::UnsubAck),
        1 => Just(Packet::PingReq),
        1 => Just(Packet::PingResp),
        1 => Just(Packet::Disconnect),
    ]
    .boxed()
}

/// Any valid packet of MQTT 3.1.1 or 3.1.
pub fn packet() -> BoxedStrategy<Packet> {
    packet_with(connect())
}

/// Any valid packet of MQTT 3.1.1 (CONNECT always "MQTT" level 4).
pub fn packet_v311() -> BoxedStrategy<Packet> {
    packet_with(connect_of(Just(Protocol::V311)))
}

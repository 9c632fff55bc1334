//! Proptest strategies for valid MQTT 5.0 packets, shared by `proto_props` and `proto_oracle`; they
//! build on the 3.1.1 ones in `packets.rs` (topics, filters, client ids, payloads).
//!
//! "Valid" means what a conforming sender may put on the wire: only the properties the packet may
//! carry (Table 2-4), each once except User Property (and Subscription Identifier in PUBLISH), with
//! values the property allows (Receive Maximum and Topic Alias never 0, Maximum QoS 0 or 1 …);
//! Authentication Data only with an Authentication Method; reason codes of the packet's own table; an
//! empty PUBLISH topic only with a Topic Alias; No Local never on a `$share/` filter.
#![allow(dead_code)]

use super::packets::{big_binary, binary, client_id, packet_id, payload, qos, topic_filter, topic_name, username};
use bytes::Bytes;
use mqtt_lab::proto::v5::{
    Ack, Auth, ConnAck, Connect, Disconnect, Packet, PropContext, Properties, Publish, ReasonCode, ReasonPacket,
    RetainHandling, SubAck, Subscribe, SubscriptionOptions, UnsubAck, Unsubscribe, Will,
};
use mqtt_lab::proto::{QoS, QosPid};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use std::num::{NonZeroU16, NonZeroU32};

/// A string value: often short ASCII, sometimes any UTF-8 without NUL (汽车 included).
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[a-z0-9/_.-]{0,10}", 1 => "[^\\x00]{0,8}", 1 => Just("汽车速度".to_string())]
}

fn some<T: std::fmt::Debug + Clone + 'static>(s: impl Strategy<Value = T> + 'static) -> BoxedStrategy<Option<T>> {
    option::weighted(0.25, s).boxed()
}

fn flag() -> BoxedStrategy<Option<bool>> {
    some(any::<bool>())
}

fn u32_edges() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0u32), Just(1), Just(u32::MAX), any::<u32>()]
}

fn nonzero_u16() -> impl Strategy<Value = NonZeroU16> {
    prop_oneof![Just(1u16), Just(u16::MAX), 1..=u16::MAX].prop_map(|v| NonZeroU16::new(v).unwrap())
}

/// A Subscription Identifier, 1 to 268,435,455 (one to four varint bytes).
pub fn subscription_identifier() -> impl Strategy<Value = NonZeroU32> {
    prop_oneof![Just(1u32), Just(127), Just(128), Just(16_384), Just(268_435_455), 1..=268_435_455u32]
        .prop_map(|v| NonZeroU32::new(v).unwrap())
}

/// Every property with a random value, before `for_context` keeps those a packet may carry.
fn any_properties() -> impl Strategy<Value = Properties> {
    let a = (
        flag(),
        some(u32_edges()),
        some(text()),
        some(topic_name()),
        some(binary(16)),
        vec(subscription_identifier(), 0..3),
    );
    let b = (
        some(u32_edges()),
        some(client_id()),
        some(any::<u16>()),
        some(text()),
        some(binary(16)),
        flag(),
        some(u32_edges()),
    );
    let c = (
        flag(),
        some(text()),
        some(text()),
        some(text()),
        some(nonzero_u16()),
        some(any::<u16>()),
        some(nonzero_u16()),
    );
    let d = (
        some(prop_oneof![Just(QoS::AtMostOnce), Just(QoS::AtLeastOnce)]),
        flag(),
        vec((text(), text()), 0..3),
        some(prop_oneof![Just(1u32), Just(u32::MAX), 1..=u32::MAX].prop_map(|v| NonZeroU32::new(v).unwrap())),
        flag(),
        flag(),
        flag(),
    );
    (a, b, c, d).prop_map(|(a, b, c, d)| Properties {
        payload_format_indicator: a.0,
        message_expiry_interval: a.1,
        content_type: a.2,
        response_topic: a.3,
        correlation_data: a.4,
        subscription_identifiers: a.5,
        session_expiry_interval: b.0,
        assigned_client_identifier: b.1,
        server_keep_alive: b.2,
        authentication_method: b.3,
        authentication_data: b.4,
        request_problem_information: b.5,
        will_delay_interval: b.6,
        request_response_information: c.0,
        response_information: c.1,
        server_reference: c.2,
        reason_string: c.3,
        receive_maximum: c.4,
        topic_alias_maximum: c.5,
        topic_alias: c.6,
        maximum_qos: d.0,
        retain_available: d.1,
        user_properties: d.2,
        maximum_packet_size: d.3,
        wildcard_subscription_available: d.4,
        subscription_identifier_available: d.5,
        shared_subscription_available: d.6,
    })
}

/// Drops from `p` what `ctx` may not carry.
pub fn for_context(mut p: Properties, ctx: PropContext) -> Properties {
    macro_rules! keep {
        ($($id:literal $field:ident),*) => {$(
            if !ctx.allows($id) {
                p.$field = Default::default();
            }
        )*};
    }
    keep!(0x01 payload_format_indicator, 0x02 message_expiry_interval, 0x03 content_type, 0x08 response_topic,
        0x09 correlation_data, 0x0b subscription_identifiers, 0x11 session_expiry_interval,
        0x12 assigned_client_identifier, 0x13 server_keep_alive, 0x15 authentication_method,
        0x16 authentication_data, 0x17 request_problem_information, 0x18 will_delay_interval,
        0x19 request_response_information, 0x1a response_information, 0x1c server_reference,
        0x1f reason_string, 0x21 receive_maximum, 0x22 topic_alias_maximum, 0x23 topic_alias,
        0x24 maximum_qos, 0x25 retain_available, 0x26 user_properties, 0x27 maximum_packet_size,
        0x28 wildcard_subscription_available, 0x29 subscription_identifier_available,
        0x2a shared_subscription_available);
    if !ctx.may_repeat(0x0b) {
        p.subscription_identifiers.truncate(1);
    }
    if ctx == PropContext::Connect && p.authentication_data.is_some() && p.authentication_method.is_none() {
        p.authentication_method = Some("SCRAM-SHA-1".into());
    }
    p
}

/// Valid properties for `ctx`.
pub fn properties(ctx: PropContext) -> impl Strategy<Value = Properties> {
    any_properties().prop_map(move |p| for_context(p, ctx))
}

/// A reason code of `packet`'s table.
pub fn reason(packet: ReasonPacket) -> impl Strategy<Value = ReasonCode> {
    let codes: Vec<ReasonCode> = packet.codes().collect();
    prop_oneof![1 => Just(ReasonCode::Success), 3 => select(codes)]
}

pub fn will5() -> impl Strategy<Value = Will> {
    (topic_name(), binary(64), qos(), any::<bool>(), properties(PropContext::Will))
        .prop_map(|(topic, message, qos, retain, properties)| Will { topic, message, qos, retain, properties })
}

pub fn connect5() -> impl Strategy<Value = Connect> {
    (
        any::<bool>(),
        any::<u16>(),
        properties(PropContext::Connect),
        client_id(),
        option::weighted(0.4, will5()),
        option::weighted(0.5, username()),
        option::weighted(0.4, binary(32)),
    )
        .prop_map(|(clean_start, keep_alive, properties, client_id, will, username, password)| Connect {
            clean_start,
            keep_alive,
            properties,
            client_id,
            will,
            username,
            password,
        })
}

pub fn connack5() -> impl Strategy<Value = ConnAck> {
    (any::<bool>(), reason(ReasonPacket::ConnAck), properties(PropContext::ConnAck)).prop_map(
        |(sp, reason, properties)| ConnAck {
            // Session Present is 0 with a non-zero reason code [MQTT-3.2.2-6] (not a decode rule).
            session_present: sp && reason == ReasonCode::Success,
            reason,
            properties,
        },
    )
}

pub fn publish5_with(payload: impl Strategy<Value = Bytes>) -> impl Strategy<Value = Publish> {
    (
        any::<bool>(),
        qos(),
        packet_id(),
        any::<bool>(),
        prop_oneof![6 => topic_name(), 1 => Just(String::new())],
        properties(PropContext::Publish),
        payload,
    )
        .prop_map(|(dup, qos, pid, retain, topic, mut properties, payload)| {
            if topic.is_empty() && properties.topic_alias.is_none() {
                properties.topic_alias = NonZeroU16::new(1);
            }
            Publish {
                dup: dup && qos != QoS::AtMostOnce,
                qos_pid: QosPid::from_qos(qos, pid),
                retain,
                topic: topic.into(),
                properties,
                payload,
            }
        })
}

pub fn publish5() -> impl Strategy<Value = Publish> {
    publish5_with(payload())
}

/// A 5.0 PUBLISH whose payload is always more than 16370 bytes.
pub fn big_publish5() -> impl Strategy<Value = Publish> {
    publish5_with(big_binary())
}

pub fn ack5(packet: ReasonPacket) -> impl Strategy<Value = Ack> {
    let ctx = match packet {
        ReasonPacket::PubAck => PropContext::PubAck,
        ReasonPacket::PubRec => PropContext::PubRec,
        ReasonPacket::PubRel => PropContext::PubRel,
        _ => PropContext::PubComp,
    };
    (packet_id(), reason(packet), prop_oneof![1 => Just(Properties::default()), 1 => properties(ctx).boxed()])
        .prop_map(|(pid, reason, properties)| Ack { pid, reason, properties })
}

pub fn options() -> impl Strategy<Value = SubscriptionOptions> {
    (
        qos(),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![
            Just(RetainHandling::SendAtSubscribe),
            Just(RetainHandling::SendIfNew),
            Just(RetainHandling::DoNotSend)
        ],
    )
        .prop_map(|(qos, no_local, retain_as_published, retain_handling)| SubscriptionOptions {
            qos,
            no_local,
            retain_as_published,
            retain_handling,
        })
}

/// A topic filter, sometimes of a shared subscription.
pub fn filter5() -> impl Strategy<Value = String> {
    prop_oneof![5 => topic_filter(), 1 => topic_filter().prop_map(|f| format!("$share/g/{f}"))]
}

pub fn subscribe5() -> impl Strategy<Value = Subscribe> {
    (packet_id(), properties(PropContext::Subscribe), vec((filter5(), options()), 1..6)).prop_map(
        |(pid, properties, mut filters)| {
            for (f, o) in &mut filters {
                // No Local on a shared subscription is a Protocol Error [MQTT-3.8.3-4].
                o.no_local &= !f.starts_with("$share/");
            }
            Subscribe { pid, properties, filters }
        },
    )
}

pub fn suback5() -> impl Strategy<Value = SubAck> {
    (packet_id(), properties(PropContext::SubAck), vec(reason(ReasonPacket::SubAck), 1..8))
        .prop_map(|(pid, properties, reasons)| SubAck { pid, properties, reasons })
}

pub fn unsubscribe5() -> impl Strategy<Value = Unsubscribe> {
    (packet_id(), properties(PropContext::Unsubscribe), vec(filter5(), 1..6))
        .prop_map(|(pid, properties, filters)| Unsubscribe { pid, properties, filters })
}

pub fn unsuback5() -> impl Strategy<Value = UnsubAck> {
    (packet_id(), properties(PropContext::UnsubAck), vec(reason(ReasonPacket::UnsubAck), 1..8))
        .prop_map(|(pid, properties, reasons)| UnsubAck { pid, properties, reasons })
}

pub fn disconnect5() -> impl Strategy<Value = Disconnect> {
    (
        reason(ReasonPacket::Disconnect),
        prop_oneof![1 => Just(Properties::default()), 1 => properties(PropContext::Disconnect).boxed()],
    )
        .prop_map(|(reason, properties)| Disconnect { reason, properties })
}

pub fn auth5() -> impl Strategy<Value = Auth> {
    (
        reason(ReasonPacket::Auth),
        prop_oneof![1 => Just(Properties::default()), 1 => properties(PropContext::Auth).boxed()],
    )
        .prop_map(|(reason, properties)| Auth { reason, properties })
}

/// Any of the 15 packet types of MQTT 5.0.
pub fn packet5() -> BoxedStrategy<Packet> {
    prop_oneof![
        3 => connect5().prop_map(|c| Packet::Connect(Box::new(c))),
        2 => connack5().prop_map(Packet::ConnAck),
        4 => publish5().prop_map(Packet::Publish),
        1 => ack5(ReasonPacket::PubAck).prop_map(Packet::PubAck),
        1 => ack5(ReasonPacket::PubRec).prop_map(Packet::PubRec),
        1 => ack5(ReasonPacket::PubRel).prop_map(Packet::PubRel),
        1 => ack5(ReasonPacket::PubComp).prop_map(Packet::PubComp),
        2 => subscribe5().prop_map(Packet::Subscribe),
        1 => suback5().prop_map(Packet::SubAck),
        2 => unsubscribe5().prop_map(Packet::Unsubscribe),
        1 => unsuback5().prop_map(Packet::UnsubAck),
        1 => Just(Packet::PingReq),
        1 => Just(Packet::PingResp),
        1 => disconnect5().prop_map(Packet::Disconnect),
        1 => auth5().prop_map(Packet::Auth),
    ]
    .boxed()
}

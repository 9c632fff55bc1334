//! The broker core under random sequences of packets, socket losses and clock jumps from several
//! connections, some speaking 3.1.1 and some 5.0: it never panics, and what it sends always makes
//! sense (in each connection's own protocol, within each 5.0 client's limits).

use bytes::Bytes;
use mqtt_lab::broker::{Broker, Config, ConnId, Output};
use mqtt_lab::proto::v5::{self, Packet as P5};
use mqtt_lab::proto::{Connect, Packet, PacketId, Publish, QoS, QosPid, ReasonCode, Subscribe, Unsubscribe, Will};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

const TOPICS: &[&str] = &["a", "a/b", "a/c", "$SYS/x", "汽车速度", "/a"];
const FILTERS: &[&str] =
    &["a", "a/+", "#", "+/+", "a/#", "$SYS/#", "汽车速度", "a/#/b", "+", "$share/g/a/#", "$share//a"];
const IDS: &[&str] = &["car", "phone", "pc", ""];

#[derive(Debug, Clone)]
enum Op {
    Open(u8),
    /// `v5`: a 5.0 CONNECT, with a Session Expiry Interval of 0 s, 1 s or never (`expiry`), Receive
    /// Maximum 2, Topic Alias Maximum 2, Maximum Packet Size 40 and a will delay of 0 or 1 s.
    Connect {
        conn: u8,
        id: u8,
        clean: bool,
        keep_alive: u16,
        will: bool,
        v5: bool,
        expiry: u8,
    },
    Publish {
        conn: u8,
        topic: u8,
        qos: u8,
        pid: u16,
        retain: bool,
        empty: bool,
        dup: bool,
    },
    Subscribe {
        conn: u8,
        filter: u8,
        qos: u8,
        pid: u16,
    },
    Unsubscribe {
        conn: u8,
        filter: u8,
        pid: u16,
    },
    Ack {
        conn: u8,
        kind: u8,
        pid: u16,
    },
    Ping(u8),
    Disconnect(u8),
    Lost(u8),
    Time(u16),
}

fn op() -> impl Strategy<Value = Op> {
    let conn = 0u8..3;
    let pid = 1u16..6;
    prop_oneof![
        2 => conn.clone().prop_map(Op::Open),
        2 => (conn.clone(), 0u8..4, any::<bool>(), prop_oneof![Just(0u16), Just(1), Just(5)], any::<bool>(), any::<bool>(), 0u8..3)
            .prop_map(|(conn, id, clean, keep_alive, will, v5, expiry)| Op::Connect { conn, id, clean, keep_alive, will, v5, expiry }),
        8 => (conn.clone(), 0u8..6, 0u8..3, pid.clone(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(conn, topic, qos, pid, retain, empty, dup)| Op::Publish { conn, topic, qos, pid, retain, empty, dup }
        ),
        3 => (conn.clone(), 0u8..11, 0u8..3, pid.clone()).prop_map(|(conn, filter, qos, pid)| Op::Subscribe {
            conn,
            filter,
            qos,
            pid
        }),
        1 => (conn.clone(), 0u8..11, pid.clone()).prop_map(|(conn, filter, pid)| Op::Unsubscribe { conn, filter, pid }),
        1 => (conn.clone(), 0u8..4, pid).prop_map(|(conn, kind, pid)| Op::Ack { conn, kind, pid }),
        1 => conn.clone().prop_map(Op::Ping),
        1 => conn.clone().prop_map(Op::Disconnect),
        1 => conn.prop_map(Op::Lost),
        1 => (0u16..20_000).prop_map(Op::Time),
    ]
}

fn qos(q: u8) -> QoS {
    QoS::from_u8(q).unwrap()
}

fn pid(v: u16) -> PacketId {
    PacketId::new(v).unwrap()
}

/// The 5.0 packet for an op on a 5.0 connection: with properties a 5.0 client would send (topic
/// aliases, message expiry, subscription identifiers and options).
fn packet5(op: &Op) -> P5 {
    match *op {
        Op::Connect { id, clean, keep_alive, will, expiry, .. } => {
            let mut x = v5::Connect::new(IDS[id as usize]);
            x.clean_start = clean;
            x.keep_alive = keep_alive;
            x.properties.session_expiry_interval = [None, Some(1), Some(u32::MAX)][expiry as usize];
            x.properties.receive_maximum = std::num::NonZeroU16::new(2);
            x.properties.topic_alias_maximum = Some(2);
            x.properties.maximum_packet_size = std::num::NonZeroU32::new(40);
            if will {
                let mut w = v5::Will {
                    topic: "a/b".into(),
                    message: Bytes::from("bye"),
                    qos: QoS::AtLeastOnce,
                    retain: true,
                    properties: Default::default(),
                };
                w.properties.will_delay_interval = Some(expiry as u32 % 2);
                x.will = Some(w);
            }
            P5::Connect(Box::new(x))
        }
        Op::Publish { topic, qos: q, pid: id, retain, empty, dup, .. } => {
            let mut p = v5::Publish::new(TOPICS[topic as usize], if empty { Bytes::new() } else { Bytes::from("v") });
            p.dup = dup && q > 0;
            p.qos_pid = QosPid::from_qos(qos(q), pid(id));
            p.retain = retain;
            // Alias 1 for "a" (set, then used alone), 3 is over the broker's maximum of 2.
            match topic {
                0 => p.properties.topic_alias = std::num::NonZeroU16::new(1),
                1 if id == 5 => {
                    p.topic = "".into();
                    p.properties.topic_alias = std::num::NonZeroU16::new(1);
                }
                2 if id == 5 => p.properties.topic_alias = std::num::NonZeroU16::new(3),
                _ => {}
            }
            if id % 2 == 0 {
                p.properties.message_expiry_interval = Some(id as u32 / 2);
                p.properties.user_properties.push(("k".into(), "v".into()));
            }
            P5::Publish(p)
        }
        Op::Subscribe { filter, qos: q, pid: id, .. } => {
            let mut o = v5::SubscriptionOptions::new(qos(q));
            o.no_local = id == 2 && filter < 9;
            o.retain_as_published = id == 3;
            o.retain_handling = v5::RetainHandling::from_u8((id % 3) as u8).unwrap();
            let mut s = v5::Subscribe {
                pid: pid(id),
                properties: Default::default(),
                filters: vec![(FILTERS[filter as usize].to_string(), o)],
            };
            s.properties.subscription_identifiers = std::num::NonZeroU32::new(id as u32).into_iter().collect();
            P5::Subscribe(s)
        }
        Op::Unsubscribe { filter, pid: id, .. } => P5::Unsubscribe(v5::Unsubscribe {
            pid: pid(id),
            properties: Default::default(),
            filters: vec![FILTERS[filter as usize].to_string()],
        }),
        Op::Ack { kind, pid: id, .. } => {
            let a = v5::Ack {
                reason: if id == 4 { ReasonCode::UnspecifiedError } else { ReasonCode::Success },
                ..v5::Ack::new(pid(id))
            };
            match kind {
                0 => P5::PubAck(a),
                1 => P5::PubRec(a),
                2 => P5::PubRel(v5::Ack::new(pid(id))),
                _ => P5::PubComp(v5::Ack::new(pid(id))),
            }
        }
        Op::Ping(_) => P5::PingReq,
        _ => {
            let mut d = v5::Disconnect::new(ReasonCode::Success);
            d.reason = ReasonCode::DisconnectWithWill;
            P5::Disconnect(d)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_traffic_keeps_the_broker_consistent(ops in prop::collection::vec(op(), 1..200)) {
        // A small storage budget, so that random traffic reaches it.
        let config =
            Config { max_inflight: 3, max_queued: 4, max_stored_bytes: 2_000, narrate_messages: true, ..Config::default() };
        let mut b = Broker::new(config);
        let t0 = Instant::now();
        let mut now = t0;
        // Connection numbers grow like the runtime's; slot k of the test maps to the current one.
        let mut next: ConnId = 1;
        let mut slot: HashMap<u8, ConnId> = HashMap::new();
        let mut open: HashSet<ConnId> = HashSet::new();
        // Connections whose CONNECT was 5.0, and the topic aliases the broker set towards each.
        let mut fives: HashSet<ConnId> = HashSet::new();
        let mut aliases: HashMap<ConnId, HashMap<u16, String>> = HashMap::new();
        let mut unacked: HashMap<ConnId, HashSet<PacketId>> = HashMap::new();
        for op in ops {
            match op {
                Op::Open(k) => {
                    let c = next;
                    next += 1;
                    slot.insert(k, c);
                    open.insert(c);
                    b.open(c, now);
                }
                Op::Time(ms) => {
                    now += Duration::from_millis(ms as u64);
                    b.handle_timeout(now);
                }
                Op::Lost(k) => {
                    if let Some(c) = slot.remove(&k) {
                        open.remove(&c);
                        aliases.remove(&c);
                        unacked.remove(&c);
                        b.closed(c, now);
                    }
                }
                other => {
                    let k = match &other {
                        Op::Connect { conn, .. } | Op::Publish { conn, .. } | Op::Subscribe { conn, .. }
                        | Op::Unsubscribe { conn, .. } | Op::Ack { conn, .. } => *conn,
                        Op::Ping(c) | Op::Disconnect(c) => *c,
                        _ => unreachable!(),
                    };
                    let Some(&c) = slot.get(&k) else { continue };
                    if let Op::Connect { v5: true, .. } = other {
                        fives.insert(c);
                    }
                    if fives.contains(&c) {
                        let p = packet5(&other);
                        match &p {
                            P5::PubAck(a) | P5::PubComp(a) => {
                                unacked.entry(c).or_default().remove(&a.pid);
                            }
                            P5::PubRec(a) if a.reason.is_error() => {
                                unacked.entry(c).or_default().remove(&a.pid);
                            }
                            _ => {}
                        }
                        b.handle_packet5(c, p, now);
                    } else {
                    let p = match other {
                        Op::Connect { id, clean, keep_alive, will, .. } => {
                            let mut x = Connect::new(IDS[id as usize]);
                            x.clean_session = clean;
                            x.keep_alive = keep_alive;
                            if will {
                                x.will = Some(Will { topic: "a/b".into(), message: Bytes::from("bye"), qos: QoS::AtLeastOnce, retain: true });
                            }
                            Packet::Connect(Box::new(x))
                        }
                        Op::Publish { topic, qos: q, pid: id, retain, empty, dup, .. } => {
                            let qos_pid = QosPid::from_qos(qos(q), pid(id));
                            Packet::Publish(Publish {
                                dup: dup && q > 0,
                                qos_pid,
                                retain,
                                topic: TOPICS[topic as usize].into(),
                                payload: if empty { Bytes::new() } else { Bytes::from("v") },
                            })
                        }
                        Op::Subscribe { filter, qos: q, pid: id, .. } => Packet::Subscribe(Subscribe {
                            pid: pid(id),
                            filters: vec![(FILTERS[filter as usize].to_string(), qos(q))],
                        }),
                        Op::Unsubscribe { filter, pid: id, .. } => {
                            Packet::Unsubscribe(Unsubscribe { pid: pid(id), filters: vec![FILTERS[filter as usize].to_string()] })
                        }
                        Op::Ack { kind, pid: id, .. } => match kind {
                            0 => Packet::PubAck(pid(id)),
                            1 => Packet::PubRec(pid(id)),
                            2 => Packet::PubRel(pid(id)),
                            _ => Packet::PubComp(pid(id)),
                        },
                        Op::Ping(_) => Packet::PingReq,
                        _ => Packet::Disconnect,
                    };
                    b.handle_packet(c, p, now);
                    }
                }
            }
            while let Some(o) = b.poll_output() {
                match o {
                    Output::Send(c, p) => {
                        prop_assert!(open.contains(&c), "sent {p:?} to closed connection {c}");
                        prop_assert!(!fives.contains(&c) || matches!(p, Packet::ConnAck(_)), "a 3.1.1 packet to the 5.0 connection {c}: {p:?}");
                        if let Packet::Publish(p) = &p {
                            prop_assert!(!p.topic.is_empty());
                            prop_assert!(p.qos() == QoS::AtMostOnce || p.qos_pid.pid().is_some());
                            prop_assert!(!(p.dup && p.qos() == QoS::AtMostOnce));
                        }
                    }
                    Output::Send5(c, p) => {
                        prop_assert!(open.contains(&c), "sent {p:?} to closed connection {c}");
                        prop_assert!(fives.contains(&c), "a 5.0 packet to the 3.1.1 connection {c}: {p:?}");
                        prop_assert!(p.check_encodable().is_ok(), "cannot encode {p:?}");
                        let len = p.encoded_len();
                        if let P5::Publish(p) = &*p {
                            prop_assert!(len <= 40, "over the client's Maximum Packet Size: {p:?}");
                            prop_assert!(p.qos() == QoS::AtMostOnce || p.qos_pid.pid().is_some());
                            let table = aliases.entry(c).or_default();
                            match p.properties.topic_alias {
                                Some(a) => {
                                    prop_assert!(a.get() <= 2, "alias over the client's maximum: {p:?}");
                                    if p.topic.is_empty() {
                                        prop_assert!(table.contains_key(&a.get()), "alias {a} used before it was set");
                                    } else {
                                        table.insert(a.get(), p.topic.to_string());
                                    }
                                }
                                None => prop_assert!(!p.topic.is_empty()),
                            }
                            if let Some(id) = p.qos_pid.pid() && !p.dup {
                                let u = unacked.entry(c).or_default();
                                u.insert(id);
                                prop_assert!(u.len() <= 2, "more than the client's Receive Maximum unacknowledged");
                            }
                        }
                    }
                    Output::Close(c) => {
                        open.remove(&c);
                        aliases.remove(&c);
                        unacked.remove(&c);
                        slot.retain(|_, v| *v != c);
                    }
                    Output::Event(_) => {}
                }
            }
            // Invariants of the broker's state.
            let mut connected = 0;
            for s in b.sessions() {
                prop_assert!(s.inflight.len() <= 3, "inflight window exceeded: {}", s.inflight.len());
                prop_assert!(s.queue.len() <= 4, "queue limit exceeded: {}", s.queue.len());
                let ids: HashSet<_> = s.inflight.iter().map(|m| m.publish.qos_pid.pid()).collect();
                prop_assert_eq!(ids.len(), s.inflight.len(), "two inflight messages share a packet id");
                if let Some(c) = s.conn {
                    connected += 1;
                    prop_assert!(open.contains(&c), "session {} on closed connection {}", s.client_id, c);
                } else {
                    prop_assert!(!s.clean, "a clean session outlived its connection: {}", s.client_id);
                }
            }
            prop_assert_eq!(b.connected_clients(), connected);
            for r in b.retained() {
                prop_assert!(!r.publish.payload.is_empty(), "an empty retained message was stored");
            }
            prop_assert_eq!(b.stored_bytes(), b.count_stored_bytes(), "the storage account drifted");
            prop_assert!(b.stored_bytes() <= 2_000, "stored {} bytes over the budget", b.stored_bytes());
        }
    }
}

//! The broker core under random sequences of packets, socket losses and clock jumps from several
//! connections: it never panics, and what it sends always makes sense.

use bytes::Bytes;
use mqtt_lab::broker::{Broker, Config, ConnId, Output};
use mqtt_lab::proto::{Connect, Packet, PacketId, Publish, QoS, QosPid, Subscribe, Unsubscribe, Will};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

const TOPICS: &[&str] = &["a", "a/b", "a/c", "$SYS/x", "汽车速度", "/a"];
const FILTERS: &[&str] = &["a", "a/+", "#", "+/+", "a/#", "$SYS/#", "汽车速度", "a/#/b", "+"];
const IDS: &[&str] = &["car", "phone", "pc", ""];

#[derive(Debug, Clone)]
enum Op {
    Open(u8),
    Connect { conn: u8, id: u8, clean: bool, keep_alive: u16, will: bool },
    Publish { conn: u8, topic: u8, qos: u8, pid: u16, retain: bool, empty: bool, dup: bool },
    Subscribe { conn: u8, filter: u8, qos: u8, pid: u16 },
    Unsubscribe { conn: u8, filter: u8, pid: u16 },
    Ack { conn: u8, kind: u8, pid: u16 },
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
        2 => (conn.clone(), 0u8..4, any::<bool>(), prop_oneof![Just(0u16), Just(1), Just(5)], any::<bool>())
            .prop_map(|(conn, id, clean, keep_alive, will)| Op::Connect { conn, id, clean, keep_alive, will }),
        8 => (conn.clone(), 0u8..6, 0u8..3, pid.clone(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(conn, topic, qos, pid, retain, empty, dup)| Op::Publish { conn, topic, qos, pid, retain, empty, dup }
        ),
        3 => (conn.clone(), 0u8..9, 0u8..3, pid.clone()).prop_map(|(conn, filter, qos, pid)| Op::Subscribe {
            conn,
            filter,
            qos,
            pid
        }),
        1 => (conn.clone(), 0u8..9, pid.clone()).prop_map(|(conn, filter, pid)| Op::Unsubscribe { conn, filter, pid }),
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
            while let Some(o) = b.poll_output() {
                match o {
                    Output::Send(c, p) => {
                        prop_assert!(open.contains(&c), "sent {p:?} to closed connection {c}");
                        if let Packet::Publish(p) = &p {
                            prop_assert!(!p.topic.is_empty());
                            prop_assert!(p.qos() == QoS::AtMostOnce || p.qos_pid.pid().is_some());
                            prop_assert!(!(p.dup && p.qos() == QoS::AtMostOnce));
                        }
                    }
                    Output::Close(c) => {
                        open.remove(&c);
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

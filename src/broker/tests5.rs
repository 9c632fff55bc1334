//! Broker core tests for MQTT 5.0: 5.0 packets in, 5.0 packets and narration out, with time passed
//! in explicitly — expiry, will delay and session expiry are checked to the second without waiting.

use super::*;
use crate::proto::v5::{self as p5, Packet as P5};
use std::num::{NonZeroU16, NonZeroU32};

struct Lab {
    b: Broker,
    now: Instant,
    next: ConnId,
}

fn pid(v: u16) -> PacketId {
    PacketId::new(v).unwrap()
}

impl Lab {
    fn new() -> Lab {
        Lab { b: Broker::new(Config { narrate_messages: true, ..Config::default() }), now: Instant::now(), next: 1 }
    }
    fn drain(&mut self) -> Vec<Output> {
        std::iter::from_fn(|| self.b.poll_output()).collect()
    }
    /// 5.0 packets sent to `conn` (draining everything).
    fn sent(&mut self, conn: ConnId) -> Vec<P5> {
        self.drain()
            .into_iter()
            .filter_map(|o| match o {
                Output::Send5(c, p) if c == conn => Some(*p),
                _ => None,
            })
            .collect()
    }
    fn events(out: &[Output]) -> Vec<&Event> {
        out.iter().filter_map(|o| if let Output::Event(e) = o { Some(e) } else { None }).collect()
    }
    fn connect5(&mut self, c: p5::Connect) -> (ConnId, Vec<Output>) {
        let conn = self.next;
        self.next += 1;
        self.b.open(conn, self.now);
        self.b.handle_packet5(conn, P5::Connect(Box::new(c)), self.now);
        (conn, self.drain())
    }
    fn connect(&mut self, id: &str, f: impl FnOnce(&mut p5::Connect)) -> ConnId {
        let mut c = p5::Connect::new(id);
        f(&mut c);
        let (conn, out) = self.connect5(c);
        assert!(
            out.iter().any(|o| matches!(o, Output::Send5(_, p) if matches!(&**p, P5::ConnAck(a) if a.reason == ReasonCode::Success))),
            "{out:?}"
        );
        conn
    }
    fn sub(&mut self, conn: ConnId, filter: &str, f: impl FnOnce(&mut p5::SubscriptionOptions), id: Option<u32>) {
        let mut o = p5::SubscriptionOptions::new(QoS::AtLeastOnce);
        f(&mut o);
        let mut s = p5::Subscribe { pid: pid(1), properties: Default::default(), filters: vec![(filter.into(), o)] };
        s.properties.subscription_identifiers = id.and_then(NonZeroU32::new).into_iter().collect();
        self.b.handle_packet5(conn, P5::Subscribe(s), self.now);
    }
    fn publish(&mut self, conn: ConnId, p: p5::Publish) {
        self.b.handle_packet5(conn, P5::Publish(p), self.now);
    }
    fn advance(&mut self, secs: u64) {
        self.now += Duration::from_secs(secs);
        self.b.handle_timeout(self.now);
    }
}

fn publishes(ps: &[P5]) -> Vec<&p5::Publish> {
    ps.iter().filter_map(|p| if let P5::Publish(p) = p { Some(p) } else { None }).collect()
}

#[test]
fn connack_announces_the_limits_and_assigns_an_id() {
    let mut lab = Lab::new();
    let (_, out) = lab.connect5(p5::Connect::new(""));
    let ack = out
        .iter()
        .find_map(|o| match o {
            Output::Send5(_, p) => match &**p {
                P5::ConnAck(a) => Some(a.clone()),
                _ => None,
            },
            _ => None,
        })
        .expect("a 5.0 CONNACK");
    assert_eq!(ack.reason, ReasonCode::Success);
    let p = &ack.properties;
    assert_eq!(p.receive_maximum.map(|r| r.get()), Some(64));
    assert_eq!(p.topic_alias_maximum, Some(10));
    assert_eq!(p.maximum_packet_size.map(|m| m.get()), Some(16 * 1024 * 1024));
    let id = p.assigned_client_identifier.clone().expect("an assigned id [MQTT-3.2.2-16]");
    assert!(lab.b.session(&id).is_some(), "the session has the assigned id");
}

#[test]
fn a_session_with_an_expiry_outlives_its_connection_then_ends() {
    let mut lab = Lab::new();
    let c = lab.connect("car", |c| {
        c.clean_start = false;
        c.properties.session_expiry_interval = Some(10);
    });
    lab.sub(c, "car/#", |_| {}, None);
    lab.b.closed(c, lab.now);
    lab.drain();
    lab.advance(9);
    assert!(lab.b.session("car").is_some(), "kept for 10 s after an abnormal close [MQTT-3.1.2-23]");
    lab.advance(1);
    let out = lab.drain();
    assert!(lab.b.session("car").is_none(), "gone after 10 s [MQTT-4.1.0-2]");
    assert!(Lab::events(&out).iter().any(|e| matches!(e, Event::SessionExpired { after: 10, .. })), "{out:?}");
    assert!(lab.b.subscriptions().is_empty(), "its subscription is gone with it");
}

#[test]
fn a_queued_message_carries_what_is_left_of_its_expiry_or_expires() {
    let mut lab = Lab::new();
    let phone = lab.connect("phone", |c| {
        c.clean_start = false;
        c.properties.session_expiry_interval = Some(600);
    });
    lab.sub(phone, "car/+", |_| {}, None);
    lab.b.handle_packet5(phone, P5::Disconnect(p5::Disconnect::new(ReasonCode::Success)), lab.now);
    let car = lab.connect("car", |_| {});
    for (topic, secs) in [("car/speed", 10), ("car/rpm", 3)] {
        let mut p = p5::Publish::new(topic, "50");
        p.qos_pid = QosPid::AtLeastOnce(pid(1));
        p.properties.message_expiry_interval = Some(secs);
        p.properties.user_properties.push(("unit".into(), "kmh".into()));
        lab.publish(car, p);
    }
    lab.drain();
    lab.advance(4);
    let mut c = p5::Connect::new("phone");
    c.clean_start = false;
    let (phone, out) = lab.connect5(c);
    let sent: Vec<P5> = out
        .iter()
        .filter_map(|o| match o {
            Output::Send5(c, p) if *c == phone => Some((**p).clone()),
            _ => None,
        })
        .collect();
    let ps = publishes(&sent);
    assert_eq!(ps.len(), 1, "the 3 s message expired in the queue [MQTT-3.3.2-5]: {sent:?}");
    assert_eq!(&*ps[0].topic, "car/speed");
    assert_eq!(ps[0].properties.message_expiry_interval, Some(6), "10 s minus 4 s waited [MQTT-3.3.2-6]");
    assert_eq!(ps[0].properties.user_properties, vec![("unit".into(), "kmh".into())], "[MQTT-3.3.2-17]");
    let expired: Vec<_> = Lab::events(&out)
        .into_iter()
        .filter_map(|e| {
            if let Event::MessageExpired { topic, after, .. } = e { Some((topic.clone(), *after)) } else { None }
        })
        .collect();
    assert_eq!(expired, vec![("car/rpm".to_string(), 3)]);
}

#[test]
fn topic_aliases_both_ways() {
    let mut lab = Lab::new();
    let phone = lab.connect("phone", |c| c.properties.topic_alias_maximum = Some(2));
    lab.sub(phone, "car/#", |_| {}, None);
    lab.drain();
    let car = lab.connect("car", |_| {});
    // The car sets alias 3 = car/speed, then sends the alias alone.
    let mut p = p5::Publish::new("car/speed", "50");
    p.properties.topic_alias = NonZeroU16::new(3);
    lab.publish(car, p);
    let out = lab.drain();
    assert!(
        Lab::events(&out)
            .iter()
            .any(|e| matches!(e, Event::AliasSet { alias: 3, inbound: true, topic, .. } if topic == "car/speed")),
        "{out:?}"
    );
    let mut p = p5::Publish::new("", "51");
    p.properties.topic_alias = NonZeroU16::new(3);
    lab.publish(car, p);
    let sent = lab.sent(phone);
    let ps = publishes(&sent);
    // Towards the phone: alias 1 set with the first message, alone with the second.
    assert_eq!(ps.len(), 1);
    assert_eq!(&*ps[0].topic, "", "the second message to car/speed carries the alias alone");
    assert_eq!(ps[0].properties.topic_alias, NonZeroU16::new(1));
    assert_eq!(&ps[0].payload[..], b"51");
    // An alias over the broker's maximum closes the connection with 0x94.
    let mut p = p5::Publish::new("car/rpm", "1");
    p.properties.topic_alias = NonZeroU16::new(11);
    lab.publish(car, p);
    let sent = lab.sent(car);
    assert!(matches!(sent.last(), Some(P5::Disconnect(d)) if d.reason == ReasonCode::TopicAliasInvalid), "{sent:?}");
}

#[test]
fn an_unknown_alias_alone_is_a_protocol_error() {
    let mut lab = Lab::new();
    let car = lab.connect("car", |_| {});
    let mut p = p5::Publish::new("", "50");
    p.properties.topic_alias = NonZeroU16::new(2);
    lab.publish(car, p);
    let out = lab.drain();
    assert!(out.iter().any(|o| matches!(o, Output::Send5(_, p) if matches!(&**p, P5::Disconnect(d) if d.reason == ReasonCode::ProtocolError))));
    assert!(out.iter().any(|o| matches!(o, Output::Close(c) if *c == car)));
}

#[test]
fn receive_maximum_both_ways() {
    let mut lab = Lab::new();
    // Towards the client: no more unacknowledged than its Receive Maximum of 2 [MQTT-3.3.4-9].
    let phone = lab.connect("phone", |c| c.properties.receive_maximum = NonZeroU16::new(2));
    lab.sub(phone, "car/#", |_| {}, None);
    lab.drain();
    let car = lab.connect("car", |_| {});
    for i in 1..=5u16 {
        let mut p = p5::Publish::new("car/speed", format!("{i}"));
        p.qos_pid = QosPid::AtLeastOnce(pid(i));
        lab.publish(car, p);
    }
    let sent = lab.sent(phone);
    assert_eq!(publishes(&sent).len(), 2, "{sent:?}");
    let first = publishes(&sent)[0].qos_pid.pid().unwrap();
    lab.b.handle_packet5(phone, P5::PubAck(p5::Ack::new(first)), lab.now);
    assert_eq!(publishes(&lab.sent(phone)).len(), 1, "one acknowledgement lets one more go");
    // From the client: QoS 2 messages past the broker's 64 unreleased ones get DISCONNECT 0x93.
    for i in 1..=65u16 {
        let mut p = p5::Publish::new("x", "y");
        p.qos_pid = QosPid::ExactlyOnce(pid(100 + i));
        lab.publish(car, p);
    }
    let sent = lab.sent(car);
    let recs = sent.iter().filter(|p| matches!(p, P5::PubRec(_))).count();
    assert_eq!(recs, 64);
    assert!(
        matches!(sent.last(), Some(P5::Disconnect(d)) if d.reason == ReasonCode::ReceiveMaximumExceeded),
        "{:?}",
        sent.last()
    );
}

#[test]
fn puback_says_no_matching_subscribers() {
    let mut lab = Lab::new();
    let car = lab.connect("car", |_| {});
    let mut p = p5::Publish::new("nobody/listens", "1");
    p.qos_pid = QosPid::AtLeastOnce(pid(7));
    lab.publish(car, p);
    let sent = lab.sent(car);
    assert!(
        matches!(&sent[..], [P5::PubAck(a)] if a.reason == ReasonCode::NoMatchingSubscribers && a.pid == pid(7)),
        "{sent:?}"
    );
}

#[test]
fn no_local_retain_as_published_and_subscription_ids() {
    let mut lab = Lab::new();
    let car = lab.connect("car", |_| {});
    lab.sub(car, "car/#", |o| o.no_local = true, None);
    let phone = lab.connect("phone", |_| {});
    lab.sub(phone, "car/#", |o| o.retain_as_published = true, Some(1));
    lab.sub(phone, "car/speed", |_| {}, Some(2));
    lab.drain();
    let mut p = p5::Publish::new("car/speed", "50");
    p.retain = true;
    lab.publish(car, p);
    let out = lab.drain();
    let to = |c: ConnId| -> Vec<p5::Publish> {
        out.iter()
            .filter_map(|o| match o {
                Output::Send5(x, p) if *x == c => match &**p {
                    P5::Publish(p) => Some(p.clone()),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    };
    assert!(to(car).is_empty(), "No Local: not back to the publisher [MQTT-3.8.3-3]");
    let ps = to(phone);
    assert_eq!(ps.len(), 1, "one copy for two matching subscriptions");
    let ids: Vec<u32> = ps[0].properties.subscription_identifiers.iter().map(|i| i.get()).collect();
    assert_eq!(ids, vec![1, 2], "carrying both identifiers [MQTT-3.3.4-4]");
    assert!(ps[0].retain, "Retain As Published keeps RETAIN [MQTT-3.3.1-13]");
}

#[test]
fn retain_handling_0_1_2() {
    let mut lab = Lab::new();
    let car = lab.connect("car", |_| {});
    let mut p = p5::Publish::new("car/status", "online");
    p.retain = true;
    lab.publish(car, p);
    let phone = lab.connect("phone", |_| {});
    let mut got = Vec::new();
    for rh in [2u8, 1, 1, 0] {
        lab.sub(phone, "car/#", |o| o.retain_handling = p5::RetainHandling::from_u8(rh).unwrap(), None);
        got.push(publishes(&lab.sent(phone)).len());
    }
    // 2: never; 1: new subscription only (then not on renewal); 0: always.
    assert_eq!(got, vec![0, 0, 0, 1], "rh 2 first, then 1 on an existing subscription, then 0");
    let other = lab.connect("other", |_| {});
    lab.sub(other, "car/#", |o| o.retain_handling = p5::RetainHandling::from_u8(1).unwrap(), None);
    assert_eq!(publishes(&lab.sent(other)).len(), 1, "rh 1 on a new subscription sends it [MQTT-3.3.1-10]");
}

#[test]
fn a_shared_subscription_gives_each_message_to_one_member() {
    let mut lab = Lab::new();
    let phone = lab.connect("phone", |_| {});
    lab.sub(phone, "$share/g/car/speed", |_| {}, None);
    let computer = lab.connect("computer", |_| {});
    lab.sub(computer, "$share/g/car/speed", |_| {}, None);
    let watcher = lab.connect("watcher", |_| {});
    lab.sub(watcher, "car/speed", |_| {}, None);
    lab.drain();
    let car = lab.connect("car", |_| {});
    for i in 0..4 {
        lab.publish(car, p5::Publish::new("car/speed", format!("{i}")));
    }
    let out = lab.drain();
    let count = |c: ConnId| {
        out.iter().filter(|o| matches!(o, Output::Send5(x, p) if *x == c && matches!(&**p, P5::Publish(_)))).count()
    };
    assert_eq!((count(phone), count(computer), count(watcher)), (2, 2, 4), "in turn; the plain subscriber gets all");
    let shared: Vec<String> = Lab::events(&out)
        .into_iter()
        .filter_map(|e| if let Event::SharedDelivered { to, .. } = e { Some(to.clone()) } else { None })
        .collect();
    assert_eq!(shared, vec!["phone", "computer", "phone", "computer"]);
    let said = Lab::events(&out).iter().map(|e| e.text(crate::i18n::Lang::En)).collect::<Vec<_>>();
    assert!(said.iter().any(|t| t == "shared group g: car/speed delivered to phone, not computer"), "{said:?}");
}

#[test]
fn will_delay_waits_and_a_quick_return_cancels_it() {
    let mut lab = Lab::new();
    let watcher = lab.connect("watcher", |_| {});
    lab.sub(watcher, "car/status", |_| {}, None);
    let will = |c: &mut p5::Connect| {
        c.clean_start = false;
        c.properties.session_expiry_interval = Some(60);
        let mut w = p5::Will {
            topic: "car/status".into(),
            message: Bytes::from("offline"),
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: Default::default(),
        };
        w.properties.will_delay_interval = Some(5);
        c.will = Some(w);
    };
    let car = lab.connect("car", will);
    lab.b.closed(car, lab.now);
    lab.drain();
    lab.advance(4);
    let mut c = p5::Connect::new("car");
    will(&mut c);
    let (car, out) = lab.connect5(c);
    assert!(Lab::events(&out).iter().any(|e| matches!(e, Event::WillCancelled { .. })), "[MQTT-3.1.3-9] {out:?}");
    lab.advance(10);
    assert!(publishes(&lab.sent(watcher)).is_empty(), "no will after a return within the delay");
    // Lost again, and not back: the will goes out 5 s later.
    lab.b.closed(car, lab.now);
    lab.drain();
    lab.advance(4);
    assert!(publishes(&lab.sent(watcher)).is_empty(), "not before the delay");
    lab.advance(1);
    let sent = lab.sent(watcher);
    assert_eq!(publishes(&sent).len(), 1, "the will after 5 s");
    assert_eq!(&publishes(&sent)[0].payload[..], b"offline");
}

#[test]
fn a_session_that_ends_first_publishes_its_will_then() {
    let mut lab = Lab::new();
    let watcher = lab.connect("watcher", |_| {});
    lab.sub(watcher, "car/status", |_| {}, None);
    let car = lab.connect("car", |c| {
        c.properties.session_expiry_interval = Some(2);
        let mut w = p5::Will {
            topic: "car/status".into(),
            message: Bytes::from("offline"),
            qos: QoS::AtMostOnce,
            retain: false,
            properties: Default::default(),
        };
        w.properties.will_delay_interval = Some(30);
        c.will = Some(w);
    });
    lab.b.closed(car, lab.now);
    lab.drain();
    lab.advance(2);
    assert_eq!(publishes(&lab.sent(watcher)).len(), 1, "the will goes out when the session ends at 2 s, not at 30 s");
}

#[test]
fn disconnect_0x04_publishes_the_will_and_0x00_does_not() {
    let mut lab = Lab::new();
    let watcher = lab.connect("watcher", |_| {});
    lab.sub(watcher, "car/status", |_| {}, None);
    for (reason, wills) in [(ReasonCode::Success, 0), (ReasonCode::DisconnectWithWill, 1)] {
        let car = lab.connect("car", |c| {
            c.will = Some(p5::Will {
                topic: "car/status".into(),
                message: Bytes::from("offline"),
                qos: QoS::AtMostOnce,
                retain: false,
                properties: Default::default(),
            })
        });
        lab.b.handle_packet5(car, P5::Disconnect(p5::Disconnect::new(reason)), lab.now);
        assert_eq!(publishes(&lab.sent(watcher)).len(), wills, "DISCONNECT {reason}");
    }
}

#[test]
fn a_takeover_tells_the_old_connection_why() {
    let mut lab = Lab::new();
    let old = lab.connect("car", |_| {});
    let (_, out) = lab.connect5(p5::Connect::new("car"));
    assert!(
        out.iter().any(|o| matches!(o, Output::Send5(c, p) if *c == old && matches!(&**p, P5::Disconnect(d) if d.reason == ReasonCode::SessionTakenOver))),
        "DISCONNECT 0x8E to the old connection [MQTT-3.1.4-3]: {out:?}"
    );
    assert!(out.iter().any(|o| matches!(o, Output::Close(c) if *c == old)));
}

#[test]
fn a_message_larger_than_the_client_takes_is_not_sent_to_it() {
    let mut lab = Lab::new();
    let small = lab.connect("small", |c| c.properties.maximum_packet_size = NonZeroU32::new(30));
    lab.sub(small, "car/#", |_| {}, None);
    let big = lab.connect("big", |_| {});
    lab.sub(big, "car/#", |_| {}, None);
    lab.drain();
    let car = lab.connect("car", |_| {});
    lab.publish(car, p5::Publish::new("car/photo", vec![0u8; 100]));
    let out = lab.drain();
    assert!(!out.iter().any(|o| matches!(o, Output::Send5(c, _) if *c == small)), "[MQTT-3.1.2-24]");
    assert!(out.iter().any(|o| matches!(o, Output::Send5(c, _) if *c == big)));
    assert!(Lab::events(&out).iter().any(|e| matches!(e, Event::TooLargeForClient { max: 30, .. })));
}

#[test]
fn enhanced_authentication_is_refused_cleanly() {
    let mut lab = Lab::new();
    let mut c = p5::Connect::new("car");
    c.properties.authentication_method = Some("SCRAM-SHA-1".into());
    let (conn, out) = lab.connect5(c);
    assert!(
        out.iter().any(|o| matches!(o, Output::Send5(_, p) if matches!(&**p, P5::ConnAck(a) if a.reason == ReasonCode::BadAuthenticationMethod))),
        "[MQTT-4.12.0-1] {out:?}"
    );
    assert!(out.iter().any(|o| matches!(o, Output::Close(c) if *c == conn)));
    assert!(lab.b.session("car").is_none());
}

#[test]
fn a_3_1_1_subscriber_gets_a_5_0_message_in_3_1_1() {
    let mut lab = Lab::new();
    let old = lab.next;
    lab.next += 1;
    lab.b.open(old, lab.now);
    lab.b.handle_packet(old, Packet::Connect(Box::new(Connect::new("old"))), lab.now);
    lab.b.handle_packet(
        old,
        Packet::Subscribe(crate::proto::Subscribe { pid: pid(1), filters: vec![("car/#".into(), QoS::AtLeastOnce)] }),
        lab.now,
    );
    lab.drain();
    let car = lab.connect("car", |_| {});
    let mut p = p5::Publish::new("car/speed", "50");
    p.properties.user_properties.push(("unit".into(), "kmh".into()));
    p.qos_pid = QosPid::AtLeastOnce(pid(1));
    lab.publish(car, p);
    let out = lab.drain();
    let v3: Vec<&Packet> =
        out.iter().filter_map(|o| if let Output::Send(c, p) = o { (*c == old).then_some(p) } else { None }).collect();
    assert!(matches!(v3[..], [Packet::Publish(p)] if &*p.topic == "car/speed" && &p.payload[..] == b"50"), "{v3:?}");
    assert!(!out.iter().any(|o| matches!(o, Output::Send5(c, _) if *c == old)));
}

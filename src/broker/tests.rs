//! Broker core tests: packets in, packets and events out, time passed in explicitly.

use super::*;
use crate::proto::{Connect, Subscribe, Will};
use std::time::{Duration, Instant};

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
        Lab::with(Config { narrate_messages: true, ..Config::default() })
    }
    fn with(config: Config) -> Lab {
        Lab { b: Broker::new(config), now: Instant::now(), next: 1 }
    }
    fn drain(&mut self) -> Vec<Output> {
        std::iter::from_fn(|| self.b.poll_output()).collect()
    }
    fn sent(&mut self, conn: ConnId) -> Vec<Packet> {
        self.drain()
            .into_iter()
            .filter_map(|o| match o {
                Output::Send(c, p) if c == conn => Some(p),
                _ => None,
            })
            .collect()
    }
    fn connect_with(&mut self, c: Connect) -> (ConnId, Vec<Output>) {
        let conn = self.next;
        self.next += 1;
        self.b.open(conn, self.now);
        self.b.handle_packet(conn, Packet::Connect(Box::new(c)), self.now);
        (conn, self.drain())
    }
    fn connect(&mut self, id: &str, clean: bool) -> ConnId {
        let mut c = Connect::new(id);
        c.clean_session = clean;
        let (conn, out) = self.connect_with(c);
        assert!(
            out.iter()
                .any(|o| matches!(o, Output::Send(_, Packet::ConnAck(a)) if a.code == ConnectReturnCode::Accepted)),
            "{out:?}"
        );
        conn
    }
    fn sub(&mut self, conn: ConnId, filter: &str, qos: QoS) -> Vec<Packet> {
        self.b.handle_packet(
            conn,
            Packet::Subscribe(Subscribe { pid: pid(1), filters: vec![(filter.into(), qos)] }),
            self.now,
        );
        self.sent(conn)
    }
    fn publish(&mut self, conn: ConnId, topic: &str, payload: &str, qos_pid: QosPid, retain: bool) {
        let p = Publish { dup: false, qos_pid, retain, topic: topic.into(), payload: Bytes::from(payload.to_string()) };
        self.b.handle_packet(conn, Packet::Publish(p), self.now);
    }
}

fn publishes(ps: &[Packet]) -> Vec<&Publish> {
    ps.iter().filter_map(|p| if let Packet::Publish(p) = p { Some(p) } else { None }).collect()
}

fn connack(out: &[Output]) -> ConnAck {
    out.iter()
        .find_map(|o| if let Output::Send(_, Packet::ConnAck(a)) = o { Some(*a) } else { None })
        .expect("a CONNACK")
}

#[test]
fn connack_return_codes() {
    let passwords = auth::Passwords::from_plain([("alice", "secret")]);
    let mut lab = Lab::with(Config { passwords: Some(passwords), ..Config::default() });
    // 5: no credentials where they are required
    let (conn, out) = lab.connect_with(Connect::new("a"));
    assert_eq!(connack(&out).code, ConnectReturnCode::NotAuthorized);
    assert!(out.contains(&Output::Close(conn)));
    // 4: wrong password
    let mut c = Connect::new("a");
    c.username = Some("alice".into());
    c.password = Some(Bytes::from_static(b"nope"));
    let (_, out) = lab.connect_with(c.clone());
    assert_eq!(connack(&out).code, ConnectReturnCode::BadUsernameOrPassword);
    // 0: right password
    c.password = Some(Bytes::from_static(b"secret"));
    let (_, out) = lab.connect_with(c);
    assert_eq!(connack(&out), ConnAck { session_present: false, code: ConnectReturnCode::Accepted });
    // 2: empty id with a persistent session
    let mut c = Connect::new("");
    c.clean_session = false;
    c.username = Some("alice".into());
    c.password = Some(Bytes::from_static(b"secret"));
    let (_, out) = lab.connect_with(c);
    assert_eq!(connack(&out).code, ConnectReturnCode::IdentifierRejected);
    // 1: protocol level 5 arrives as a decode error before any CONNECT was accepted
    let mut lab = Lab::new();
    lab.b.open(9, lab.now);
    lab.b.handle_error(9, &DecodeError::new(8, ErrorKind::UnsupportedProtocolLevel(5)), lab.now);
    let out = lab.drain();
    assert_eq!(connack(&out).code, ConnectReturnCode::BadProtocolVersion);
    assert!(out.contains(&Output::Close(9)));
    // 3: connection limit
    let mut lab = Lab::with(Config { max_connections: 1, ..Config::default() });
    lab.connect("one", true);
    let (_, out) = lab.connect_with(Connect::new("two"));
    assert_eq!(connack(&out).code, ConnectReturnCode::ServerUnavailable);
}

#[test]
fn empty_client_id_with_clean_session_gets_an_assigned_id() {
    let mut lab = Lab::new();
    let (conn, out) = lab.connect_with(Connect::new(""));
    assert_eq!(connack(&out).code, ConnectReturnCode::Accepted);
    assert!(lab.b.client_of(conn).unwrap().starts_with("auto-"));
}

#[test]
fn second_connect_is_a_protocol_error_and_publishes_the_will() {
    let mut lab = Lab::new();
    let watcher = lab.connect("watcher", true);
    lab.sub(watcher, "status", QoS::AtMostOnce);
    let mut c = Connect::new("car");
    c.will = Some(Will {
        topic: "status".into(),
        message: Bytes::from_static(b"gone"),
        qos: QoS::AtMostOnce,
        retain: false,
    });
    let (car, _) = lab.connect_with(c.clone());
    lab.b.handle_packet(car, Packet::Connect(Box::new(c)), lab.now);
    let out = lab.drain();
    assert!(out.contains(&Output::Close(car)));
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::Event(Event::ProtocolError { rule: Some(r), .. }) if r == "MQTT-3.1.0-2"))
    );
    assert!(
        out.iter().any(|o| matches!(o, Output::Send(w, Packet::Publish(p)) if *w == watcher && &*p.payload == b"gone"))
    );
}

#[test]
fn takeover_closes_the_old_connection() {
    let mut lab = Lab::new();
    let old = lab.connect("car", false);
    lab.sub(old, "a", QoS::AtLeastOnce);
    let mut c = Connect::new("car");
    c.clean_session = false;
    let (new, out) = lab.connect_with(c);
    assert!(out.contains(&Output::Close(old)));
    assert!(connack(&out).session_present);
    assert_eq!(lab.b.session("car").unwrap().conn, Some(new));
    // The old socket's closing later changes nothing.
    lab.b.closed(old, lab.now);
    assert_eq!(lab.b.session("car").unwrap().conn, Some(new));
    assert_eq!(lab.b.connected_clients(), 1);
}

#[test]
fn qos2_inbound_is_delivered_exactly_once() {
    let mut lab = Lab::new();
    let phone = lab.connect("phone", true);
    lab.sub(phone, "t", QoS::ExactlyOnce);
    let car = lab.connect("car", true);
    lab.publish(car, "t", "x", QosPid::ExactlyOnce(pid(7)), false);
    let out = lab.drain();
    assert!(out.contains(&Output::Send(car, Packet::PubRec(pid(7)))));
    assert_eq!(out.iter().filter(|o| matches!(o, Output::Send(c, Packet::Publish(_)) if *c == phone)).count(), 1);
    // The same id again before PUBREL: PUBREC again, no second delivery.
    lab.publish(car, "t", "x", QosPid::ExactlyOnce(pid(7)), false);
    let out = lab.drain();
    assert!(out.contains(&Output::Send(car, Packet::PubRec(pid(7)))));
    assert!(!out.iter().any(|o| matches!(o, Output::Send(c, Packet::Publish(_)) if *c == phone)));
    lab.b.handle_packet(car, Packet::PubRel(pid(7)), lab.now);
    assert_eq!(lab.sent(car), vec![Packet::PubComp(pid(7))]);
    // After PUBCOMP the id is new again.
    lab.publish(car, "t", "y", QosPid::ExactlyOnce(pid(7)), false);
    assert_eq!(publishes(&lab.sent(phone)).len(), 1);
}

#[test]
fn qos2_outbound_flow_and_redelivery_after_reconnect() {
    let mut lab = Lab::new();
    let phone = lab.connect("phone", false);
    lab.sub(phone, "t", QoS::ExactlyOnce);
    let car = lab.connect("car", true);
    lab.publish(car, "t", "a", QosPid::ExactlyOnce(pid(1)), false);
    lab.publish(car, "t", "b", QosPid::AtLeastOnce(pid(2)), false);
    let to_phone = lab.sent(phone);
    let ps = publishes(&to_phone);
    assert_eq!(ps.len(), 2);
    let (id_a, id_b) = (ps[0].qos_pid.pid().unwrap(), ps[1].qos_pid.pid().unwrap());
    assert_eq!(ps[1].qos(), QoS::AtLeastOnce);
    // PUBREC for the QoS 2 message: PUBREL goes out; PUBACK is never sent for b.
    lab.b.handle_packet(phone, Packet::PubRec(id_a), lab.now);
    assert_eq!(lab.sent(phone), vec![Packet::PubRel(id_a)]);
    // The phone drops off; it comes back with the same persistent session.
    lab.b.closed(phone, lab.now);
    lab.drain();
    let mut c = Connect::new("phone");
    c.clean_session = false;
    let (phone2, out) = lab.connect_with(c);
    assert!(connack(&out).session_present);
    let again: Vec<_> = out
        .into_iter()
        .filter_map(|o| if let Output::Send(c, p) = o { (c == phone2).then_some(p) } else { None })
        .collect();
    assert_eq!(again[1], Packet::PubRel(id_a), "the released QoS 2 message continues with PUBREL");
    let Packet::Publish(b) = &again[2] else { panic!("{again:?}") };
    assert!(b.dup, "a resent PUBLISH has DUP=1");
    assert_eq!((b.qos_pid.pid(), &*b.payload), (Some(id_b), &b"b"[..]));
    lab.b.handle_packet(phone2, Packet::PubComp(id_a), lab.now);
    lab.b.handle_packet(phone2, Packet::PubAck(id_b), lab.now);
    assert!(lab.b.session("phone").unwrap().inflight.is_empty());
}

#[test]
fn delivery_qos_is_the_minimum_and_overlaps_deliver_once_at_the_highest() {
    let mut lab = Lab::new();
    let phone = lab.connect("phone", true);
    let pc = lab.connect("computer", true);
    lab.sub(phone, "car/#", QoS::AtMostOnce);
    lab.sub(phone, "car/speed", QoS::AtLeastOnce);
    lab.sub(pc, "car/+", QoS::AtMostOnce);
    let car = lab.connect("car", true);
    lab.publish(car, "car/speed", "60", QosPid::ExactlyOnce(pid(3)), false);
    let out = lab.drain();
    let to = |c: ConnId| -> Vec<QoS> {
        out.iter()
            .filter_map(|o| match o {
                Output::Send(x, Packet::Publish(p)) if *x == c => Some(p.qos()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(to(phone), vec![QoS::AtLeastOnce]);
    assert_eq!(to(pc), vec![QoS::AtMostOnce]);
    let routed = out.iter().find_map(|o| if let Output::Event(e @ Event::Routed { .. }) = o { Some(e) } else { None });
    let text = routed.unwrap().text(crate::i18n::Lang::Zh);
    assert!(text.contains("computer（按订阅降为 QoS 0）"), "{text}");
}

#[test]
fn retained_store_replace_clear_and_replay_flags() {
    let mut lab = Lab::new();
    let car = lab.connect("car", true);
    lab.publish(car, "car/speed", "50", QosPid::AtLeastOnce(pid(1)), true);
    lab.publish(car, "car/speed", "60", QosPid::AtMostOnce, true);
    lab.drain();
    let phone = lab.connect("phone", true);
    let got = lab.sub(phone, "car/#", QoS::AtLeastOnce);
    assert!(matches!(got[0], Packet::SubAck(_)), "SUBACK first");
    let ps = publishes(&got);
    assert_eq!(ps.len(), 1, "the newer retained message replaced the older");
    assert!(ps[0].retain, "RETAIN=1 on a replay to a new subscription");
    assert_eq!((&*ps[0].payload, ps[0].qos()), (&b"60"[..], QoS::AtMostOnce));
    // Live forwarding of a retained publish has RETAIN=0.
    lab.publish(car, "car/speed", "70", QosPid::AtMostOnce, true);
    let ps = lab.sent(phone);
    assert!(!publishes(&ps)[0].retain);
    // Clearing: empty payload with RETAIN; the subscriber still gets the empty message.
    lab.publish(car, "car/speed", "", QosPid::AtMostOnce, true);
    assert_eq!(publishes(&lab.sent(phone))[0].payload.len(), 0);
    assert_eq!(lab.b.retained().count(), 0);
    let pc = lab.connect("pc", true);
    assert!(publishes(&lab.sub(pc, "#", QoS::AtMostOnce)).is_empty());
}

#[test]
fn offline_queue_is_bounded_and_skips_qos0() {
    let mut lab = Lab::with(Config { max_queued: 2, narrate_messages: true, ..Config::default() });
    let phone = lab.connect("phone", false);
    lab.sub(phone, "t", QoS::AtLeastOnce);
    lab.b.handle_packet(phone, Packet::Disconnect, lab.now);
    lab.drain();
    let car = lab.connect("car", true);
    lab.publish(car, "t", "q0", QosPid::AtMostOnce, false);
    for (i, m) in ["1", "2", "3"].iter().enumerate() {
        lab.publish(car, "t", m, QosPid::AtLeastOnce(pid(i as u16 + 1)), false);
    }
    let out = lab.drain();
    assert!(out.iter().any(|o| matches!(o, Output::Event(Event::QueueFull { .. }))));
    assert_eq!(lab.b.session("phone").unwrap().queue.len(), 2);
    let mut c = Connect::new("phone");
    c.clean_session = false;
    let (_, out) = lab.connect_with(c);
    let got: Vec<_> = out
        .iter()
        .filter_map(|o| if let Output::Send(_, Packet::Publish(p)) = o { Some(p.payload.clone()) } else { None })
        .collect();
    assert_eq!(got, vec![Bytes::from("1"), Bytes::from("2")]);
}

#[test]
fn will_on_loss_and_keepalive_but_not_after_disconnect() {
    let mut lab = Lab::new();
    let watcher = lab.connect("watcher", true);
    lab.sub(watcher, "will/#", QoS::AtMostOnce);
    let with_will = |id: &str, ka: u16| {
        let mut c = Connect::new(id);
        c.keep_alive = ka;
        c.will = Some(Will {
            topic: format!("will/{id}"),
            message: Bytes::from("offline"),
            qos: QoS::AtMostOnce,
            retain: true,
        });
        c
    };
    // DISCONNECT: no will.
    let (a, _) = lab.connect_with(with_will("a", 0));
    lab.b.handle_packet(a, Packet::Disconnect, lab.now);
    assert!(publishes(&lab.sent(watcher)).is_empty());
    // Socket loss: will, retained.
    let (b, _) = lab.connect_with(with_will("b", 0));
    lab.b.closed(b, lab.now);
    assert_eq!(&*publishes(&lab.sent(watcher))[0].topic, "will/b");
    assert_eq!(lab.b.retained().count(), 1);
    // Keep alive 10 s: still fine at 14.9 s, closed at 15 s.
    let (c, _) = lab.connect_with(with_will("c", 10));
    let start = lab.now;
    lab.b.handle_timeout(start + Duration::from_millis(14_900));
    assert!(lab.drain().iter().all(|o| !matches!(o, Output::Close(_))));
    lab.b.handle_timeout(start + Duration::from_secs(15));
    let out = lab.drain();
    assert!(out.contains(&Output::Close(c)));
    assert!(out.iter().any(|o| matches!(o, Output::Event(Event::KeepAliveExpired { keep_alive: 10, .. }))));
    assert!(
        out.iter().any(|o| matches!(o, Output::Send(w, Packet::Publish(p)) if *w == watcher && &*p.topic == "will/c"))
    );
}

#[test]
fn any_packet_resets_the_keepalive_clock() {
    let mut lab = Lab::new();
    let mut c = Connect::new("esp");
    c.keep_alive = 15;
    let (esp, _) = lab.connect_with(c);
    let t0 = lab.now;
    lab.b.handle_packet(esp, Packet::PingReq, t0 + Duration::from_secs(20));
    assert_eq!(lab.sent(esp), vec![Packet::PingResp]);
    lab.b.handle_timeout(t0 + Duration::from_secs(30));
    assert!(!lab.drain().contains(&Output::Close(esp)));
    lab.b.handle_timeout(t0 + Duration::from_millis(42_500));
    assert!(lab.drain().contains(&Output::Close(esp)));
}

#[test]
fn dollar_topics_and_invalid_filters() {
    let mut lab = Lab::new();
    let s = lab.connect("s", true);
    let got = lab.sub(s, "car/#/speed", QoS::AtMostOnce);
    assert_eq!(got, vec![Packet::SubAck(SubAck { pid: pid(1), codes: vec![SubAckCode::Failure] })]);
    lab.sub(s, "#", QoS::AtMostOnce);
    let p = lab.connect("p", true);
    lab.publish(p, "$lab/x", "1", QosPid::AtMostOnce, false);
    assert!(publishes(&lab.sent(s)).is_empty(), "# does not match $ topics");
    lab.sub(s, "$lab/#", QoS::AtMostOnce);
    lab.publish(p, "$lab/x", "1", QosPid::AtMostOnce, false);
    assert_eq!(publishes(&lab.sent(s)).len(), 1);
}

#[test]
fn acl_refuses_subscribe_with_0x80_and_drops_publish_silently() {
    let acl = auth::Acl::parse("user alice\ntopic read car/#\ntopic write car/speed\n").unwrap();
    let mut lab = Lab::with(Config { acl: Some(acl), narrate_messages: true, ..Config::default() });
    let mut c = Connect::new("alice-phone");
    c.username = Some("alice".into());
    let (a, _) = lab.connect_with(c);
    let got = lab.sub(a, "#", QoS::AtLeastOnce);
    assert_eq!(got, vec![Packet::SubAck(SubAck { pid: pid(1), codes: vec![SubAckCode::Failure] })]);
    lab.sub(a, "car/#", QoS::AtLeastOnce);
    lab.publish(a, "car/ac", "on", QosPid::AtLeastOnce(pid(5)), false);
    let out = lab.drain();
    assert!(out.contains(&Output::Send(a, Packet::PubAck(pid(5)))), "still acknowledged");
    assert!(out.iter().any(|o| matches!(o, Output::Event(Event::PublishRefused { .. }))));
    assert!(!out.iter().any(|o| matches!(o, Output::Send(_, Packet::Publish(_)))));
    lab.publish(a, "car/speed", "1", QosPid::AtMostOnce, false);
    assert_eq!(publishes(&lab.sent(a)).len(), 1);
}

#[test]
fn first_packet_must_be_connect() {
    let mut lab = Lab::new();
    lab.b.open(1, lab.now);
    lab.b.handle_packet(1, Packet::PingReq, lab.now);
    let out = lab.drain();
    assert!(out.contains(&Output::Close(1)));
    assert!(!out.iter().any(|o| matches!(o, Output::Send(..))));
}

#[test]
fn clean_session_discards_a_stored_session() {
    let mut lab = Lab::new();
    let a = lab.connect("a", false);
    lab.sub(a, "t", QoS::AtLeastOnce);
    lab.b.handle_packet(a, Packet::Disconnect, lab.now);
    let (_, out) = lab.connect_with(Connect::new("a"));
    assert!(!connack(&out).session_present);
    assert!(lab.b.subscriptions().is_empty());
}

// ---- what one client can make the broker hold ----------------------------------------------------

fn refusal(out: &[Output]) -> Option<&SubscribeRefusal> {
    out.iter().find_map(|o| match o {
        Output::Event(Event::SubscribeRefused { reason, .. }) => Some(reason),
        _ => None,
    })
}

/// The filter of the crash report (8,150 `/` and a `#`: 8,151 levels) is legal but deeper than the
/// broker keeps: SUBACK 0x80 with the reason, nothing stored; DISCONNECT afterwards is ordinary.
#[test]
fn filters_deeper_than_the_limit_are_refused_and_nothing_is_stored() {
    let mut lab = Lab::new();
    let c = lab.connect("deep", true);
    let filter = format!("{}#", "/".repeat(8_150));
    lab.b.handle_packet(
        c,
        Packet::Subscribe(Subscribe { pid: pid(1), filters: vec![(filter, QoS::AtMostOnce)] }),
        lab.now,
    );
    let out = lab.drain();
    assert!(out.contains(&Output::Send(c, Packet::SubAck(SubAck { pid: pid(1), codes: vec![SubAckCode::Failure] }))));
    assert_eq!(refusal(&out), Some(&SubscribeRefusal::TooManyLevels { levels: 8_151, limit: 128 }));
    let text = out
        .iter()
        .find_map(|o| {
            if let Output::Event(e @ Event::SubscribeRefused { .. }) = o {
                Some(e.text(crate::i18n::Lang::En))
            } else {
                None
            }
        })
        .unwrap();
    assert!(text.len() < 600, "the narration clips the filter: {text}");
    assert_eq!(lab.b.subscriptions().len(), 0);
    // At the limit it is kept.
    let ok = format!("{}#", "a/".repeat(127));
    assert_eq!(
        lab.sub(c, &ok, QoS::AtMostOnce),
        vec![Packet::SubAck(SubAck { pid: pid(1), codes: vec![SubAckCode::Granted(QoS::AtMostOnce)] })]
    );
    lab.b.handle_packet(c, Packet::Disconnect, lab.now);
    assert!(lab.drain().contains(&Output::Close(c)));
    assert_eq!(lab.b.subscriptions().len(), 0);
}

#[test]
fn subscriptions_per_client_are_bounded_but_renewals_are_not_new() {
    let mut lab = Lab::with(Config { max_subscriptions: 3, narrate_messages: true, ..Config::default() });
    let c = lab.connect("c", true);
    for f in ["a", "b", "c"] {
        lab.sub(c, f, QoS::AtMostOnce);
    }
    lab.b.handle_packet(
        c,
        Packet::Subscribe(Subscribe { pid: pid(2), filters: vec![("d".into(), QoS::AtMostOnce)] }),
        lab.now,
    );
    let out = lab.drain();
    assert_eq!(refusal(&out), Some(&SubscribeRefusal::TooManySubscriptions { limit: 3 }));
    assert_eq!(
        lab.sub(c, "a", QoS::AtLeastOnce),
        vec![Packet::SubAck(SubAck { pid: pid(1), codes: vec![SubAckCode::Granted(QoS::AtLeastOnce)] })]
    );
    let other = lab.connect("other", true);
    assert_eq!(lab.sub(other, "d", QoS::AtMostOnce).len(), 1, "the limit is per client");
}

/// [MQTT-4.7.3-1] [MQTT-4.7.1-2] [MQTT-4.7.1-3] [MQTT-4.8.0-1] An invalid filter in UNSUBSCRIBE
/// closes the connection instead of being acknowledged.
#[test]
fn unsubscribe_with_an_invalid_filter_closes_the_connection() {
    for bad in ["", "a+", "#/b", "a/#/b"] {
        let mut lab = Lab::new();
        let c = lab.connect("c", true);
        lab.b.handle_packet(
            c,
            Packet::Unsubscribe(Unsubscribe { pid: pid(4), filters: vec!["ok".into(), bad.into()] }),
            lab.now,
        );
        let out = lab.drain();
        assert!(out.contains(&Output::Close(c)), "{bad:?}: {out:?}");
        assert!(
            !out.iter().any(|o| matches!(o, Output::Send(_, Packet::UnsubAck(_)))),
            "{bad:?} must not be acknowledged"
        );
        assert!(
            out.iter()
                .any(|o| matches!(o, Output::Event(Event::ProtocolError { rule: Some(r), .. }) if r == "MQTT-4.8.0-1"))
        );
    }
}

/// [MQTT-3.1.2-8] A takeover closes the old network connection without DISCONNECT: its will goes out.
#[test]
fn takeover_publishes_the_old_connections_will() {
    let mut lab = Lab::new();
    let w = lab.connect("watcher", true);
    lab.sub(w, "status/car", QoS::AtMostOnce);
    let mut c = Connect::new("car");
    c.will = Some(Will {
        topic: "status/car".into(),
        message: Bytes::from_static(b"lost"),
        qos: QoS::AtMostOnce,
        retain: false,
    });
    let (old, _) = lab.connect_with(c);
    let (_new, out) = lab.connect_with(Connect::new("car"));
    assert!(out.contains(&Output::Close(old)));
    assert!(out.iter().any(|o| matches!(o, Output::Event(Event::WillPublished { cause: WillCause::TakenOver, .. }))));
    let got: Vec<&Publish> = out
        .iter()
        .filter_map(|o| match o {
            Output::Send(c, Packet::Publish(p)) if *c == w => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(got.len(), 1);
    assert_eq!(&*got[0].payload, b"lost");
}

/// MQTT 3.1 has no session present flag: the CONNACK of a resumed session is `20 02 00 00`.
#[test]
fn mqtt_31_connack_never_sets_session_present() {
    let mut lab = Lab::new();
    let mut c = Connect::new("old-board");
    c.protocol = Protocol::V31;
    c.clean_session = false;
    let (conn, _) = lab.connect_with(c.clone());
    lab.sub(conn, "a", QoS::AtLeastOnce);
    lab.b.closed(conn, lab.now);
    lab.drain();
    let (_, out) = lab.connect_with(c.clone());
    let ack = Packet::ConnAck(connack(&out));
    assert_eq!(ack.to_bytes().as_ref(), [0x20, 0x02, 0x00, 0x00]);
    assert!(out.iter().any(|o| matches!(o, Output::Event(Event::SessionResumed { subscriptions: 1, .. }))));
    // 3.1.1 does set it.
    c.protocol = Protocol::V311;
    let (conn, _) = lab.connect_with(c.clone());
    lab.b.closed(conn, lab.now);
    let (_, out) = lab.connect_with(c);
    assert_eq!(Packet::ConnAck(connack(&out)).to_bytes().as_ref(), [0x20, 0x02, 0x01, 0x00]);
}

/// [MQTT-4.8.0-1] An acknowledgement of the wrong kind for a packet id is a protocol violation.
#[test]
fn acknowledgements_of_the_wrong_kind_close_the_connection() {
    let cases: [(QoS, Packet); 4] = [
        (QoS::AtLeastOnce, Packet::PubRec(pid(1))),
        (QoS::AtLeastOnce, Packet::PubComp(pid(1))),
        (QoS::ExactlyOnce, Packet::PubAck(pid(1))),
        (QoS::ExactlyOnce, Packet::PubComp(pid(1))), // before PUBREC
    ];
    for (qos, ack) in cases {
        let mut lab = Lab::new();
        let s = lab.connect("s", true);
        lab.sub(s, "t", qos);
        let p = lab.connect("p", true);
        lab.publish(p, "t", "x", QosPid::from_qos(qos, pid(9)), false);
        let sent = lab.sent(s);
        assert_eq!(publishes(&sent)[0].qos_pid.pid(), Some(pid(1)));
        lab.b.handle_packet(s, ack.clone(), lab.now);
        let out = lab.drain();
        assert!(out.contains(&Output::Close(s)), "{ack:?} for a QoS {} message: {out:?}", qos.as_u8());
    }
    // The right ones are fine, and a late duplicate PUBACK is ignored.
    let mut lab = Lab::new();
    let s = lab.connect("s", true);
    lab.sub(s, "t", QoS::AtLeastOnce);
    let p = lab.connect("p", true);
    lab.publish(p, "t", "x", QosPid::AtLeastOnce(pid(9)), false);
    lab.drain();
    lab.b.handle_packet(s, Packet::PubAck(pid(1)), lab.now);
    lab.b.handle_packet(s, Packet::PubAck(pid(1)), lab.now);
    assert!(!lab.drain().contains(&Output::Close(s)));
}

/// With every packet id in flight the next message waits in the queue; nothing loops.
#[test]
fn a_full_packet_id_space_queues_instead_of_looping() {
    let mut lab = Lab::with(Config { max_inflight: 70_000, max_queued: 10, ..Config::default() });
    let s = lab.connect("s", true);
    lab.sub(s, "t", QoS::AtLeastOnce);
    let p = lab.connect("p", true);
    for i in 0..65_536u32 {
        lab.publish(p, "t", "x", QosPid::AtLeastOnce(pid((i % 65_535 + 1) as u16)), false);
    }
    let session = lab.b.session("s").unwrap();
    assert_eq!(session.inflight.len(), 65_535);
    assert_eq!(session.queue.len(), 1);
    lab.drain();
    lab.b.handle_packet(s, Packet::PubAck(pid(7)), lab.now);
    let sent = lab.sent(s);
    assert_eq!(publishes(&sent).iter().map(|p| p.qos_pid.pid()).collect::<Vec<_>>(), vec![Some(pid(7))]);
}

#[test]
fn assigned_client_ids_never_collide_with_chosen_ones() {
    let mut lab = Lab::new();
    lab.connect("auto-00000001", false);
    let (conn, _) = lab.connect_with(Connect::new(""));
    let id = lab.b.client_of(conn).unwrap().to_string();
    assert_ne!(id, "auto-00000001");
    assert!(lab.b.session("auto-00000001").unwrap().conn.is_some(), "the chosen id keeps its connection");
}

#[test]
fn clients_cannot_publish_into_sys() {
    let mut lab = Lab::new();
    let s = lab.connect("s", true);
    lab.sub(s, "$SYS/#", QoS::AtMostOnce);
    let p = lab.connect("p", true);
    lab.publish(p, "$SYS/broker/uptime", "0", QosPid::AtLeastOnce(pid(3)), true);
    let out = lab.drain();
    assert!(out.contains(&Output::Send(p, Packet::PubAck(pid(3)))), "still acknowledged");
    assert!(!out.iter().any(|o| matches!(o, Output::Send(c, Packet::Publish(_)) if *c == s)));
    assert!(
        out.iter().any(|o| matches!(o, Output::Event(Event::PublishRefused { reason: PublishRefusal::SysTopic, .. })))
    );
    assert_eq!(lab.b.retained().count(), 0);
}

/// A connected subscriber that keeps acknowledging makes its publishers wait (the runtime stops
/// reading them) before its queue would overflow; one that stops acknowledging does not.
#[test]
fn a_long_queue_of_an_acknowledging_client_pushes_back() {
    let mut lab = Lab::with(Config { max_inflight: 2, max_queued: 8, ..Config::default() });
    let s = lab.connect("s", true);
    lab.sub(s, "t", QoS::AtLeastOnce);
    let p = lab.connect("p", true);
    for i in 1..=5 {
        lab.publish(p, "t", "x", QosPid::AtLeastOnce(pid(i)), false);
    }
    assert!(lab.b.take_pressured().is_empty(), "2 in flight, 3 queued: below half of 8");
    lab.publish(p, "t", "x", QosPid::AtLeastOnce(pid(6)), false);
    assert_eq!(lab.b.take_pressured(), vec![s]);
    assert!(lab.b.is_congested(s, lab.now));
    lab.drain();
    // Acknowledging drains the queue below a quarter: relief.
    for i in 1..=3 {
        lab.b.handle_packet(s, Packet::PubAck(pid(i)), lab.now);
    }
    assert!(!lab.b.is_congested(s, lab.now));
    assert!(lab.b.take_relief());
    // Silent for longer than ACK_STALL: no longer congested, whatever its queue.
    for i in 7..=12 {
        lab.publish(p, "t", "x", QosPid::AtLeastOnce(pid(i)), false);
    }
    assert!(lab.b.is_congested(s, lab.now));
    assert!(!lab.b.is_congested(s, lab.now + ACK_STALL));
}

/// Queued messages and retained ones share one storage budget; past it nothing more is kept, and
/// the account returns to zero when the messages are acknowledged, cleared or their session ends.
#[test]
fn the_storage_budget_bounds_queues_and_the_retained_store() {
    let mut lab = Lab::with(Config { max_stored_bytes: 1_000, narrate_messages: true, ..Config::default() });
    let off = lab.connect("off", false);
    lab.sub(off, "t/#", QoS::AtLeastOnce);
    lab.b.closed(off, lab.now);
    let p = lab.connect("p", true);
    let big = "x".repeat(300);
    for i in 1..=5 {
        lab.publish(p, "t/a", &big, QosPid::AtLeastOnce(pid(i)), false);
    }
    let out = lab.drain();
    assert_eq!(lab.b.session("off").unwrap().queue.len(), 2, "two of 367 bytes fit in 1,000");
    assert!(out.iter().any(|o| matches!(o, Output::Event(Event::QueueFull { budget: true, .. }))));
    lab.publish(p, "t/r", &big, QosPid::AtMostOnce, true);
    let out = lab.drain();
    assert!(out.iter().any(|o| matches!(o, Output::Event(Event::Routed { retain: RetainAction::Refused, .. }))));
    assert_eq!(lab.b.retained().count(), 0);
    assert_eq!(lab.b.stored_bytes(), lab.b.count_stored_bytes());
    // The persistent session comes back clean: its queue is discarded and the budget is free again.
    lab.connect("off", true);
    assert_eq!(lab.b.stored_bytes(), 0);
    lab.publish(p, "t/r", &big, QosPid::AtMostOnce, true);
    assert_eq!(lab.b.retained().count(), 1);
    lab.publish(p, "t/r", "", QosPid::AtMostOnce, true);
    assert_eq!(lab.b.stored_bytes(), 0, "clearing the retained message frees its bytes");
}

#[test]
fn new_sessions_past_the_limit_get_connack_3() {
    let mut lab = Lab::with(Config { max_sessions: 2, ..Config::default() });
    let a = lab.connect("a", false);
    lab.b.closed(a, lab.now);
    lab.connect("b", true);
    let (_, out) = lab.connect_with(Connect::new("c"));
    assert_eq!(connack(&out).code, ConnectReturnCode::ServerUnavailable);
    let mut again = Connect::new("a");
    again.clean_session = false;
    let (_, out) = lab.connect_with(again);
    assert_eq!(connack(&out).code, ConnectReturnCode::Accepted, "a kept session may come back");
}

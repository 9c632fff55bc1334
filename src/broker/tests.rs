//! Broker core tests: packets in, packets and events out, time passed in explicitly.

use super::*;
use crate::proto::{Connect, Will};
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
    let mut passwords = HashMap::new();
    passwords.insert("alice".to_string(), "secret".to_string());
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
    assert!(text.contains("computer (按订阅降为 QoS 0)"), "{text}");
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
    lab.publish(p, "$SYS/x", "1", QosPid::AtMostOnce, false);
    assert!(publishes(&lab.sent(s)).is_empty(), "# does not match $ topics");
    lab.sub(s, "$SYS/#", QoS::AtMostOnce);
    lab.publish(p, "$SYS/x", "1", QosPid::AtMostOnce, false);
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
    assert!(out.iter().any(|o| matches!(o, Output::Event(Event::PublishDenied { .. }))));
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

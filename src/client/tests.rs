//! Client core tests: requests and packets in, packets and events out, time passed in explicitly.

use super::*;
use crate::i18n::Lang;
use crate::proto::{SubAck, SubAckCode, decode_slice};

fn pid(v: u16) -> PacketId {
    PacketId::new(v).unwrap()
}

/// Parses hex like "10 0f | 00 04" (spaces and `|` ignored).
fn hex(s: &str) -> Vec<u8> {
    let digits: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..digits.len()).step_by(2).map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap()).collect()
}

fn connack(session_present: bool, code: ConnectReturnCode) -> Packet {
    Packet::ConnAck(ConnAck { session_present, code })
}

fn incoming(topic: &str, payload: &str, qos_pid: QosPid, dup: bool) -> Packet {
    Packet::Publish(Publish {
        dup,
        qos_pid,
        retain: false,
        topic: topic.into(),
        payload: Bytes::from(payload.to_string()),
    })
}

fn packets(out: &[Output]) -> Vec<Packet> {
    out.iter().filter_map(|o| if let Output::Send(AnyPacket::V3(p)) = o { Some(p.clone()) } else { None }).collect()
}

fn events(out: &[Output]) -> Vec<ClientEvent> {
    out.iter().filter_map(|o| if let Output::Event(e) = o { Some(e.clone()) } else { None }).collect()
}

fn closes(out: &[Output]) -> usize {
    out.iter().filter(|o| matches!(o, Output::Close)).count()
}

struct Lab {
    c: Client,
    t0: Instant,
}

impl Lab {
    fn new(opts: Options) -> Lab {
        Lab { c: Client::new(opts), t0: Instant::now() }
    }
    /// Connected at t0 (CONNECT and CONNACK both at t0), outputs drained.
    fn connected(opts: Options) -> Lab {
        let mut lab = Lab::new(opts);
        lab.c.connect(lab.t0).unwrap();
        lab.c.handle_packet(connack(false, ConnectReturnCode::Accepted), lab.t0);
        assert_eq!(lab.c.state(), State::Connected);
        lab.drain();
        lab
    }
    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }
    fn drain(&mut self) -> Vec<Output> {
        std::iter::from_fn(|| self.c.poll_output()).collect()
    }
    fn recv(&mut self, p: Packet, ms: u64) -> Vec<Output> {
        self.c.handle_packet(p, self.at(ms));
        self.drain()
    }
    fn tick(&mut self, ms: u64) -> Vec<Output> {
        self.c.handle_timeout(self.at(ms));
        self.drain()
    }
    fn publish(&mut self, topic: &str, payload: &str, qos: QoS, ms: u64) -> Option<PacketId> {
        self.c.publish(topic, Bytes::from(payload.to_string()), qos, false, self.at(ms)).unwrap()
    }
}

// ---- CONNECT / CONNACK --------------------------------------------------------------------------

#[test]
fn pubsubclient_connect_esp_is_byte_exact() {
    let mut lab = Lab::new(Options::pubsubclient("esp"));
    lab.c.connect(lab.t0).unwrap();
    assert_eq!(lab.c.state(), State::Connecting);
    let out = lab.drain();
    let sent = packets(&out);
    assert_eq!(sent.len(), 1);
    // 10 CONNECT | 0f | "MQTT" | level 4 | flags 02 clean | keep alive 15 | "esp"
    assert_eq!(sent[0].to_bytes().as_ref(), hex("10 0f | 00 04 4d 51 54 54 | 04 | 02 | 00 0f | 00 03 65 73 70"));
    assert_eq!(lab.c.last_sent(), Some(lab.t0));
}

#[test]
fn full_connect_carries_every_option() {
    let opts = Options {
        clean_session: false,
        keep_alive: 30,
        will: Some(Will {
            topic: "car/status".into(),
            message: Bytes::from("offline"),
            qos: QoS::AtLeastOnce,
            retain: true,
        }),
        username: Some("u".into()),
        password: Some(Bytes::from("p")),
        protocol: Protocol::V31,
        ..Options::new("car")
    };
    let mut lab = Lab::new(opts.clone());
    lab.c.connect(lab.t0).unwrap();
    let sent = packets(&lab.drain());
    assert_eq!(sent, vec![Packet::Connect(Box::new(opts.to_connect()))]);
    let Packet::Connect(c) = decode_slice(&sent[0].to_bytes()).unwrap() else { panic!() };
    assert_eq!((c.protocol, c.clean_session, c.keep_alive, c.client_id.as_str()), (Protocol::V31, false, 30, "car"));
    assert_eq!(c.will.unwrap().topic, "car/status");
}

#[test]
fn accepted_connack_connects() {
    let mut lab = Lab::new(Options::new("phone"));
    assert_eq!(lab.c.pubsub_state(), -1);
    lab.c.connect(lab.t0).unwrap();
    lab.drain();
    let out = lab.recv(connack(false, ConnectReturnCode::Accepted), 20);
    assert_eq!(lab.c.state(), State::Connected);
    assert_eq!(lab.c.pubsub_state(), 0);
    assert_eq!(events(&out), vec![ClientEvent::Connected { session_present: false }]);
    assert_eq!(closes(&out), 0);
    assert_eq!(lab.c.last_received(), Some(lab.at(20)));
}

#[test]
fn refused_connack_gives_its_code_as_state_and_closes() {
    for code in 1..=5u8 {
        let rc = ConnectReturnCode::from_u8(code).unwrap();
        let mut lab = Lab::new(Options::pubsubclient("esp"));
        lab.c.connect(lab.t0).unwrap();
        lab.drain();
        let out = lab.recv(connack(false, rc), 5);
        assert_eq!(lab.c.state(), State::Refused(rc));
        assert_eq!(lab.c.pubsub_state(), code as i8);
        assert_eq!(closes(&out), 1, "code {code}");
        assert_eq!(events(&out), vec![ClientEvent::Refused { code: rc }]);
        assert_eq!(lab.c.poll_timeout(), None);
    }
    assert_eq!(State::Refused(ConnectReturnCode::NotAuthorized).pubsub_name(), "MQTT_CONNECT_UNAUTHORIZED");
}

#[test]
fn connect_twice_and_requests_before_connack_are_refused() {
    let mut lab = Lab::new(Options::new("car"));
    let payload = Bytes::from("60");
    assert_eq!(
        lab.c.publish("car/speed", payload.clone(), QoS::AtMostOnce, false, lab.t0),
        Err(ClientError::NotConnected)
    );
    lab.c.connect(lab.t0).unwrap();
    assert_eq!(lab.c.connect(lab.t0), Err(ClientError::AlreadyConnected));
    assert_eq!(lab.c.publish("car/speed", payload, QoS::AtMostOnce, false, lab.t0), Err(ClientError::NotConnected));
    assert_eq!(lab.c.subscribe(vec![("a".into(), QoS::AtMostOnce)], lab.t0), Err(ClientError::NotConnected));
    assert_eq!(lab.c.set_options(Options::new("other")), Err(ClientError::AlreadyConnected));
    assert_eq!(packets(&lab.drain()).len(), 1, "only the CONNECT");
}

#[test]
fn connack_timeout_is_state_minus_4() {
    let mut lab = Lab::new(Options::pubsubclient("esp"));
    lab.c.connect(lab.t0).unwrap();
    lab.drain();
    assert_eq!(lab.c.poll_timeout(), Some(lab.at(15_000)));
    assert!(lab.tick(14_999).is_empty());
    let out = lab.tick(15_000);
    assert_eq!(closes(&out), 1);
    assert_eq!(events(&out), vec![ClientEvent::ConnectTimeout { waited: Duration::from_secs(15) }]);
    assert_eq!(lab.c.pubsub_state(), -4);
}

#[test]
fn connect_failed_is_state_minus_2() {
    let mut lab = Lab::new(Options::pubsubclient("esp"));
    lab.c.connect(lab.t0).unwrap();
    lab.c.connect_failed(lab.at(3));
    let out = lab.drain();
    assert!(packets(&out).is_empty(), "the queued CONNECT has nowhere to go: {out:?}");
    assert_eq!(events(&out), vec![ClientEvent::ConnectFailed]);
    assert_eq!(lab.c.pubsub_state(), -2);
}

#[test]
fn first_packet_must_be_connack() {
    let mut lab = Lab::new(Options::new("car"));
    lab.c.connect(lab.t0).unwrap();
    lab.drain();
    let out = lab.recv(Packet::PingResp, 1);
    assert_eq!(closes(&out), 1);
    assert_eq!(
        events(&out),
        vec![ClientEvent::ProtocolViolation { packet: PacketType::PingResp, violation: Violation::NotConnAckFirst }]
    );
    assert_eq!(lab.c.pubsub_state(), -3);
}

#[test]
fn client_only_packets_from_the_server_close_the_connection() {
    let client_only = [
        Packet::Connect(Box::new(Connect::new("evil"))),
        Packet::Subscribe(Subscribe { pid: pid(1), filters: vec![("a".into(), QoS::AtMostOnce)] }),
        Packet::Unsubscribe(Unsubscribe { pid: pid(1), filters: vec!["a".into()] }),
        Packet::PingReq,
        Packet::Disconnect,
    ];
    for p in client_only {
        let ptype = p.packet_type();
        let mut lab = Lab::connected(Options::new("car"));
        let out = lab.recv(p, 10);
        assert_eq!(closes(&out), 1, "{ptype:?}");
        assert!(packets(&out).is_empty(), "nothing is answered: {out:?}");
        let e = ClientEvent::ProtocolViolation { packet: ptype, violation: Violation::ClientOnlyPacket };
        assert_eq!(events(&out), vec![e.clone()]);
        assert!(e.text(Lang::En).contains("MQTT-4.8.0-1"));
        assert_eq!(lab.c.state(), State::ConnectionLost);
        // What arrives after the close is dropped.
        let out = lab.recv(Packet::PingResp, 11);
        assert_eq!(
            events(&out),
            vec![ClientEvent::Dropped { packet: PacketType::PingResp, reason: DropReason::NotConnected }]
        );
    }
}

#[test]
fn second_connack_and_session_present_with_clean_session_are_violations() {
    let mut lab = Lab::connected(Options::new("car"));
    let out = lab.recv(connack(false, ConnectReturnCode::Accepted), 5);
    assert_eq!(closes(&out), 1);
    assert!(matches!(events(&out)[0], ClientEvent::ProtocolViolation { violation: Violation::SecondConnAck, .. }));

    let mut lab = Lab::new(Options::new("car"));
    lab.c.connect(lab.t0).unwrap();
    lab.drain();
    let out = lab.recv(connack(true, ConnectReturnCode::Accepted), 5);
    assert_eq!(closes(&out), 1);
    let e = &events(&out)[0];
    assert!(matches!(e, ClientEvent::ProtocolViolation { violation: Violation::SessionPresentWithCleanSession, .. }));
    assert!(e.text(Lang::Zh).contains("MQTT-3.2.2-1"));
    assert_eq!(lab.c.state(), State::ConnectionLost);
}

#[test]
fn disconnect_sends_disconnect_then_closes() {
    let mut lab = Lab::connected(Options::new("car"));
    lab.c.disconnect(lab.at(100));
    let out = lab.drain();
    assert_eq!(
        out,
        vec![Output::Event(ClientEvent::Disconnected), Output::Send(AnyPacket::V3(Packet::Disconnect)), Output::Close]
    );
    assert_eq!(lab.c.state(), State::Disconnected);
    assert_eq!(lab.c.pubsub_state(), -1);
    assert_eq!(lab.c.poll_timeout(), None);
    // A second disconnect does nothing.
    lab.c.disconnect(lab.at(200));
    assert!(lab.drain().is_empty());
}

// ---- outgoing QoS 1 and 2 -----------------------------------------------------------------------

#[test]
fn qos0_publish_is_sent_and_forgotten() {
    let mut lab = Lab::connected(Options::new("car"));
    assert_eq!(lab.publish("car/speed", "60", QoS::AtMostOnce, 10), None);
    let sent = packets(&lab.drain());
    assert_eq!(sent, vec![incoming("car/speed", "60", QosPid::AtMostOnce, false)]);
    assert!(lab.c.inflight_ids().is_empty());
}

#[test]
fn qos1_publish_waits_for_puback() {
    let mut lab = Lab::connected(Options::new("car"));
    let id = lab.publish("car/speed", "60", QoS::AtLeastOnce, 10).unwrap();
    assert_eq!(id, pid(1));
    let sent = packets(&lab.drain());
    assert_eq!(sent, vec![incoming("car/speed", "60", QosPid::AtLeastOnce(pid(1)), false)]);
    assert_eq!(lab.c.inflight_ids(), vec![(pid(1), Stage::AwaitingPubAck)]);
    // A PUBACK for another id changes nothing.
    let out = lab.recv(Packet::PubAck(pid(9)), 20);
    assert_eq!(events(&out), vec![ClientEvent::UnexpectedAck { packet: PacketType::PubAck, pid: pid(9) }]);
    assert_eq!(lab.c.inflight_ids().len(), 1);
    let out = lab.recv(Packet::PubAck(pid(1)), 30);
    assert_eq!(events(&out), vec![ClientEvent::PubAcked { pid: pid(1) }]);
    assert!(packets(&out).is_empty());
    assert!(lab.c.inflight_ids().is_empty());
}

#[test]
fn qos2_publish_goes_through_pubrec_pubrel_pubcomp() {
    let mut lab = Lab::connected(Options::new("car"));
    let id = lab.publish("car/door", "open", QoS::ExactlyOnce, 10).unwrap();
    lab.drain();
    assert_eq!(lab.c.inflight_ids(), vec![(id, Stage::AwaitingPubRec)]);
    // PUBACK is the wrong answer for QoS 2.
    let out = lab.recv(Packet::PubAck(id), 15);
    assert!(matches!(events(&out)[0], ClientEvent::UnexpectedAck { packet: PacketType::PubAck, .. }));
    assert_eq!(lab.c.inflight_ids(), vec![(id, Stage::AwaitingPubRec)]);
    // PUBCOMP before PUBREC is unexpected too.
    let out = lab.recv(Packet::PubComp(id), 16);
    assert!(matches!(events(&out)[0], ClientEvent::UnexpectedAck { packet: PacketType::PubComp, .. }));
    let out = lab.recv(Packet::PubRec(id), 20);
    assert_eq!(packets(&out), vec![Packet::PubRel(id)]);
    assert_eq!(events(&out), vec![ClientEvent::PubReceived { pid: id }]);
    assert_eq!(lab.c.inflight_ids(), vec![(id, Stage::AwaitingPubComp)]);
    // A repeated PUBREC is answered with PUBREL again.
    let out = lab.recv(Packet::PubRec(id), 25);
    assert_eq!(packets(&out), vec![Packet::PubRel(id)]);
    let out = lab.recv(Packet::PubComp(id), 30);
    assert_eq!(events(&out), vec![ClientEvent::PubCompleted { pid: id }]);
    assert!(lab.c.inflight_ids().is_empty());
}

#[test]
fn packet_ids_are_sequential_and_skip_ids_in_use() {
    let mut lab = Lab::connected(Options::new("car"));
    let a = lab.publish("t", "1", QoS::AtLeastOnce, 1).unwrap();
    let s = lab.c.subscribe(vec![("x".into(), QoS::AtMostOnce)], lab.at(2)).unwrap();
    let b = lab.publish("t", "2", QoS::ExactlyOnce, 3).unwrap();
    assert_eq!((a.get(), s.get(), b.get()), (1, 2, 3));
    assert_eq!(lab.publish("t", "0", QoS::AtMostOnce, 4), None, "QoS 0 takes no id");
    lab.c.session.last_pid = 65_534;
    let c = lab.publish("t", "3", QoS::AtLeastOnce, 5).unwrap();
    let d = lab.publish("t", "4", QoS::AtLeastOnce, 6).unwrap();
    assert_eq!((c.get(), d.get()), (65_535, 4), "wraps to 1, and 1, 2, 3 are in use");
}

// ---- incoming QoS ---------------------------------------------------------------------------------

#[test]
fn incoming_qos0_and_qos1_are_delivered_and_qos1_acked() {
    let mut lab = Lab::connected(Options::new("phone"));
    let out = lab.recv(incoming("car/speed", "60", QosPid::AtMostOnce, false), 10);
    assert!(packets(&out).is_empty());
    assert!(
        matches!(&events(&out)[0], ClientEvent::Message { topic, qos: QoS::AtMostOnce, .. } if topic == "car/speed")
    );
    let out = lab.recv(incoming("car/speed", "61", QosPid::AtLeastOnce(pid(7)), false), 20);
    assert_eq!(packets(&out), vec![Packet::PubAck(pid(7))]);
    assert_eq!(
        events(&out),
        vec![ClientEvent::Message {
            topic: "car/speed".into(),
            payload: Bytes::from("61"),
            qos: QoS::AtLeastOnce,
            retain: false,
            dup: false,
            pid: Some(pid(7)),
            props: None,
        }]
    );
    // QoS 1 is at least once: a DUP is delivered again (and acked again).
    let out = lab.recv(incoming("car/speed", "61", QosPid::AtLeastOnce(pid(7)), true), 30);
    assert_eq!(packets(&out), vec![Packet::PubAck(pid(7))]);
    assert!(matches!(events(&out)[0], ClientEvent::Message { dup: true, .. }));
    assert_eq!(lab.c.last_sent(), Some(lab.at(30)));
}

#[test]
fn incoming_qos2_is_delivered_exactly_once() {
    let mut lab = Lab::connected(Options::new("phone"));
    let msg = || incoming("car/door", "open", QosPid::ExactlyOnce(pid(3)), false);
    let out = lab.recv(msg(), 10);
    assert_eq!(packets(&out), vec![Packet::PubRec(pid(3))]);
    assert_eq!(events(&out).iter().filter(|e| matches!(e, ClientEvent::Message { .. })).count(), 1);
    assert_eq!(lab.c.awaiting_pubrel().collect::<Vec<_>>(), vec![pid(3)]);
    // The server did not see our PUBREC and sends the message again, DUP=1: PUBREC, no delivery.
    let out = lab.recv(incoming("car/door", "open", QosPid::ExactlyOnce(pid(3)), true), 20);
    assert_eq!(packets(&out), vec![Packet::PubRec(pid(3))]);
    assert_eq!(events(&out), vec![ClientEvent::DuplicateQos2 { pid: pid(3) }]);
    let out = lab.recv(Packet::PubRel(pid(3)), 30);
    assert_eq!(packets(&out), vec![Packet::PubComp(pid(3))]);
    assert_eq!(events(&out), vec![ClientEvent::Released { pid: pid(3), known: true }]);
    assert_eq!(lab.c.awaiting_pubrel().count(), 0);
    // A PUBREL repeated after that still gets its PUBCOMP.
    let out = lab.recv(Packet::PubRel(pid(3)), 35);
    assert_eq!(packets(&out), vec![Packet::PubComp(pid(3))]);
    assert_eq!(events(&out), vec![ClientEvent::Released { pid: pid(3), known: false }]);
    // Id 3 is free again: the next message with it is a new message.
    let out = lab.recv(msg(), 40);
    assert_eq!(events(&out).iter().filter(|e| matches!(e, ClientEvent::Message { .. })).count(), 1);
}

// ---- SUBSCRIBE / UNSUBSCRIBE --------------------------------------------------------------------

#[test]
fn subscribe_is_pending_until_suback() {
    let mut lab = Lab::connected(Options::new("phone"));
    let id =
        lab.c.subscribe(vec![("car/#".into(), QoS::ExactlyOnce), ("a/+".into(), QoS::AtLeastOnce)], lab.at(5)).unwrap();
    let sent = packets(&lab.drain());
    assert_eq!(
        sent,
        vec![Packet::Subscribe(Subscribe {
            pid: id,
            filters: vec![("car/#".into(), QoS::ExactlyOnce), ("a/+".into(), QoS::AtLeastOnce)]
        })]
    );
    let subs: Vec<_> = lab.c.subscriptions().map(|(f, s)| (f.to_string(), *s)).collect();
    assert_eq!(
        subs,
        vec![
            ("a/+".into(), Subscription { granted: None, pending: Some((id, QoS::AtLeastOnce)), unsubscribing: None }),
            (
                "car/#".into(),
                Subscription { granted: None, pending: Some((id, QoS::ExactlyOnce)), unsubscribing: None }
            ),
        ]
    );
    let ack = SubAck { pid: id, codes: vec![SubAckCode::Granted(QoS::AtLeastOnce), SubAckCode::Failure] };
    let out = lab.recv(Packet::SubAck(ack), 10);
    assert_eq!(
        events(&out),
        vec![ClientEvent::Subscribed {
            pid: id,
            results: vec![
                SubResult {
                    filter: "car/#".into(),
                    requested: QoS::ExactlyOnce,
                    granted: Some(QoS::AtLeastOnce),
                    reason: None
                },
                SubResult { filter: "a/+".into(), requested: QoS::AtLeastOnce, granted: None, reason: None },
            ]
        }]
    );
    let subs: Vec<_> = lab.c.subscriptions().map(|(f, s)| (f.to_string(), s.granted, s.pending)).collect();
    assert_eq!(subs, vec![("car/#".into(), Some(QoS::AtLeastOnce), None)], "the refused filter is no subscription");
    assert!(events(&out)[0].text(Lang::En).contains("a/+ → 0x80 (failure)"));
}

#[test]
fn suback_with_the_wrong_number_of_codes_closes() {
    let mut lab = Lab::connected(Options::new("phone"));
    let id = lab.c.subscribe(vec![("a".into(), QoS::AtMostOnce), ("b".into(), QoS::AtMostOnce)], lab.at(1)).unwrap();
    lab.drain();
    let out = lab.recv(Packet::SubAck(SubAck { pid: id, codes: vec![SubAckCode::Granted(QoS::AtMostOnce)] }), 2);
    assert_eq!(closes(&out), 1);
    assert_eq!(
        events(&out)[0],
        ClientEvent::ProtocolViolation {
            packet: PacketType::SubAck,
            violation: Violation::SubAckCodeCount { filters: 2, codes: 1 }
        }
    );
    assert_eq!(lab.c.subscriptions().count(), 0, "pending filters are forgotten with the connection");
}

#[test]
fn invalid_filters_are_refused_unless_unchecked() {
    let mut lab = Lab::connected(Options::new("phone"));
    let bad = vec![("a/#/b".to_string(), QoS::AtMostOnce)];
    assert_eq!(
        lab.c.subscribe(bad.clone(), lab.at(1)),
        Err(ClientError::InvalidFilter { filter: "a/#/b".into(), rule: "MQTT-4.7.1-2" })
    );
    assert_eq!(lab.c.subscribe(vec![], lab.at(1)), Err(ClientError::NoFilters { unsubscribe: false }));
    assert_eq!(
        lab.c.unsubscribe(vec!["a+".into()], lab.at(1)).unwrap_err(),
        ClientError::InvalidFilter { filter: "a+".into(), rule: "MQTT-4.7.1-3" }
    );
    assert!(lab.drain().is_empty(), "nothing sent for refused requests");
    let id = lab.c.subscribe_unchecked(bad.clone(), lab.at(2)).unwrap();
    assert_eq!(packets(&lab.drain()), vec![Packet::Subscribe(Subscribe { pid: id, filters: bad })]);
    let id = lab.c.subscribe_unchecked(vec![], lab.at(3)).unwrap();
    assert_eq!(packets(&lab.drain()), vec![Packet::Subscribe(Subscribe { pid: id, filters: vec![] })]);
}

#[test]
fn invalid_topic_names_are_refused_unless_unchecked() {
    let mut lab = Lab::connected(Options::new("car"));
    let err = lab.c.publish("car/+", Bytes::new(), QoS::AtMostOnce, false, lab.at(1)).unwrap_err();
    assert_eq!(err, ClientError::InvalidTopic { topic: "car/+".into(), rule: "MQTT-3.3.2-2" });
    let err = lab.c.publish("", Bytes::new(), QoS::AtMostOnce, false, lab.at(1)).unwrap_err();
    assert_eq!(err, ClientError::InvalidTopic { topic: "".into(), rule: "MQTT-4.7.3-1" });
    assert!(lab.drain().is_empty());
    lab.c.publish_unchecked("car/+", Bytes::new(), QoS::AtMostOnce, false, lab.at(2)).unwrap();
    assert_eq!(packets(&lab.drain()), vec![incoming("car/+", "", QosPid::AtMostOnce, false)]);
}

#[test]
fn unsubscribe_removes_the_filter_on_unsuback() {
    let mut lab = Lab::connected(Options::new("phone"));
    let s = lab.c.subscribe(vec![("car/#".into(), QoS::AtLeastOnce)], lab.at(1)).unwrap();
    lab.recv(Packet::SubAck(SubAck { pid: s, codes: vec![SubAckCode::Granted(QoS::AtLeastOnce)] }), 2);
    let u = lab.c.unsubscribe(vec!["car/#".into(), "never".into()], lab.at(3)).unwrap();
    assert_eq!(
        packets(&lab.drain()),
        vec![Packet::Unsubscribe(Unsubscribe { pid: u, filters: vec!["car/#".into(), "never".into()] })]
    );
    let (_, sub) = lab.c.subscriptions().next().unwrap();
    assert_eq!((sub.granted, sub.unsubscribing), (Some(QoS::AtLeastOnce), Some(u)));
    let out = lab.recv(Packet::UnsubAck(u), 4);
    assert_eq!(
        events(&out),
        vec![ClientEvent::Unsubscribed { pid: u, filters: vec!["car/#".into(), "never".into()], reasons: vec![] }]
    );
    assert_eq!(lab.c.subscriptions().count(), 0);
    let out = lab.recv(Packet::UnsubAck(u), 5);
    assert_eq!(events(&out), vec![ClientEvent::UnexpectedAck { packet: PacketType::UnsubAck, pid: u }]);
}

// ---- keep alive -----------------------------------------------------------------------------------

#[test]
fn full_profile_pings_after_keep_alive_of_outbound_silence() {
    let mut lab = Lab::connected(Options::new("car"));
    assert_eq!(lab.c.poll_timeout(), Some(lab.at(60_000)));
    // Incoming packets do not count: only what the client sends [MQTT-3.1.2-23].
    lab.recv(incoming("x", "1", QosPid::AtMostOnce, false), 50_000);
    assert_eq!(lab.c.poll_timeout(), Some(lab.at(60_000)));
    assert!(lab.tick(59_999).is_empty());
    let out = lab.tick(60_000);
    assert_eq!(packets(&out), vec![Packet::PingReq]);
    assert_eq!(events(&out), vec![ClientEvent::KeepAlivePing { keep_alive: 60, silence: Silence::Outbound }]);
    assert_eq!(lab.c.ping_outstanding(), Some(lab.at(60_000)));
    // One PINGREQ at a time.
    assert!(packets(&lab.tick(60_500)).is_empty());
    let out = lab.recv(Packet::PingResp, 60_040);
    assert_eq!(events(&out), vec![ClientEvent::PingResponse { rtt: Duration::from_millis(40) }]);
    assert_eq!(lab.c.ping_outstanding(), None);
    assert_eq!(lab.c.poll_timeout(), Some(lab.at(120_000)));
}

#[test]
fn full_profile_sending_postpones_the_ping() {
    let mut lab = Lab::connected(Options::new("car"));
    lab.publish("car/speed", "60", QoS::AtMostOnce, 30_000);
    lab.drain();
    assert_eq!(lab.c.poll_timeout(), Some(lab.at(90_000)));
    assert!(packets(&lab.tick(60_000)).is_empty());
    assert!(packets(&lab.tick(89_999)).is_empty());
    assert_eq!(packets(&lab.tick(90_000)), vec![Packet::PingReq]);
}

#[test]
fn full_profile_ping_timeout_closes() {
    let mut lab = Lab::connected(Options::new("car"));
    lab.tick(60_000);
    assert_eq!(lab.c.poll_timeout(), Some(lab.at(120_000)));
    assert!(lab.tick(119_999).is_empty());
    let out = lab.tick(120_000);
    assert_eq!(closes(&out), 1);
    assert_eq!(events(&out), vec![ClientEvent::PingTimeout { keep_alive: 60, waited: Duration::from_secs(60) }]);
    assert_eq!(lab.c.state(), State::TimedOut);
    assert_eq!(lab.c.pubsub_state(), -4);
    assert_eq!(lab.c.poll_timeout(), None);
}

#[test]
fn keep_alive_0_never_pings() {
    let mut lab = Lab::connected(Options { keep_alive: 0, ..Options::new("car") });
    assert_eq!(lab.c.poll_timeout(), None);
    assert!(lab.tick(10_000_000).is_empty());
}

#[test]
fn pubsubclient_pings_when_nothing_is_received_even_while_sending() {
    let mut lab = Lab::connected(Options::pubsubclient("esp"));
    // The sketch publishes every 5 s: outbound is never silent, inbound is.
    for t in [5_000, 10_000] {
        lab.publish("esp/t", "21", QoS::AtMostOnce, t);
    }
    lab.drain();
    assert_eq!(lab.c.poll_timeout(), Some(lab.at(15_001)), "PubSubClient compares with > in milliseconds");
    assert!(lab.tick(15_000).is_empty());
    let out = lab.tick(15_001);
    assert_eq!(packets(&out), vec![Packet::PingReq]);
    assert_eq!(events(&out), vec![ClientEvent::KeepAlivePing { keep_alive: 15, silence: Silence::Inbound }]);

    // The same traffic on the full profile: no PINGREQ until 60 s after the last send.
    let mut full = Lab::connected(Options { keep_alive: 15, ..Options::new("car") });
    for t in [5_000, 10_000] {
        full.publish("car/t", "21", QoS::AtMostOnce, t);
    }
    full.drain();
    assert!(packets(&full.tick(15_001)).is_empty());
    assert_eq!(full.c.poll_timeout(), Some(full.at(25_000)));
}

#[test]
fn pubsubclient_pings_on_outbound_silence_too() {
    let mut lab = Lab::connected(Options::pubsubclient("esp"));
    for t in [5_000, 10_000, 14_000] {
        lab.recv(incoming("cmd", "on", QosPid::AtMostOnce, false), t);
    }
    assert!(lab.tick(15_000).is_empty());
    let out = lab.tick(15_001);
    assert_eq!(packets(&out), vec![Packet::PingReq]);
    assert_eq!(events(&out), vec![ClientEvent::KeepAlivePing { keep_alive: 15, silence: Silence::Outbound }]);
}

#[test]
fn pubsubclient_ping_timeout_is_state_minus_4() {
    let mut lab = Lab::connected(Options::pubsubclient("esp"));
    lab.tick(15_001);
    assert_eq!(lab.c.poll_timeout(), Some(lab.at(30_002)));
    assert!(lab.tick(30_001).is_empty());
    let out = lab.tick(30_002);
    assert_eq!(closes(&out), 1);
    assert!(matches!(events(&out)[0], ClientEvent::PingTimeout { keep_alive: 15, .. }));
    assert_eq!(lab.c.pubsub_state(), -4);

    // With the PINGRESP in time the connection stays.
    let mut lab = Lab::connected(Options::pubsubclient("esp"));
    lab.tick(15_001);
    lab.recv(Packet::PingResp, 15_050);
    assert!(lab.tick(30_002).iter().all(|o| !matches!(o, Output::Close)));
    assert_eq!(lab.c.pubsub_state(), 0);
}

// ---- freeze ---------------------------------------------------------------------------------------

#[test]
fn frozen_client_sends_no_pingreq_and_acks_only_after_thaw() {
    let mut lab = Lab::connected(Options::new("car"));
    lab.c.freeze();
    assert_eq!(events(&lab.drain()), vec![ClientEvent::Frozen]);
    assert!(lab.c.is_frozen());
    assert_eq!(lab.c.poll_timeout(), None);
    assert!(lab.tick(60_000).is_empty());
    assert!(lab.tick(200_000).is_empty());
    assert!(lab.recv(incoming("cmd", "on", QosPid::AtLeastOnce(pid(4)), false), 70_000).is_empty());
    assert!(lab.recv(incoming("cmd", "off", QosPid::ExactlyOnce(pid(5)), false), 71_000).is_empty());
    assert_eq!(lab.c.buffered(), 2);
    assert_eq!(lab.c.last_received(), Some(lab.t0), "buffered packets are not processed");
    assert_eq!(
        lab.c.publish("car/speed", Bytes::from("1"), QoS::AtMostOnce, false, lab.at(80_000)),
        Err(ClientError::Frozen)
    );
    lab.c.thaw(lab.at(90_000));
    let out = lab.drain();
    assert_eq!(events(&out)[0], ClientEvent::Thawed { buffered: 2 });
    assert_eq!(packets(&out), vec![Packet::PubAck(pid(4)), Packet::PubRec(pid(5))], "in arrival order");
    let payloads: Vec<_> = events(&out)
        .into_iter()
        .filter_map(|e| if let ClientEvent::Message { payload, .. } = e { Some(payload) } else { None })
        .collect();
    assert_eq!(payloads, vec![Bytes::from("on"), Bytes::from("off")]);
    assert_eq!(lab.c.last_received(), Some(lab.at(90_000)));
    // The keep alive resumes from the last send (the acks at 90 s).
    assert_eq!(lab.c.poll_timeout(), Some(lab.at(150_000)));
}

#[test]
fn thawed_pubsubclient_checks_keep_alive_before_reading_like_loop() {
    // PINGREQ at 15.001 s; the sketch blocks in delay(); the PINGRESP arrives and waits in the buffer.
    let mut lab = Lab::connected(Options::pubsubclient("esp"));
    lab.tick(15_001);
    lab.c.freeze();
    lab.recv(Packet::PingResp, 15_100);
    lab.c.thaw(lab.at(40_000));
    let out = lab.drain();
    assert_eq!(closes(&out), 1, "{out:?}");
    assert!(events(&out).iter().any(|e| matches!(e, ClientEvent::PingTimeout { .. })));
    assert!(!events(&out).iter().any(|e| matches!(e, ClientEvent::PingResponse { .. })));
    assert_eq!(lab.c.pubsub_state(), -4);
    assert_eq!(lab.c.buffered(), 0);

    // Thawed in time, the PINGRESP is read and the connection stays.
    let mut lab = Lab::connected(Options::pubsubclient("esp"));
    lab.tick(15_001);
    lab.c.freeze();
    lab.recv(Packet::PingResp, 15_100);
    lab.c.thaw(lab.at(20_000));
    let out = lab.drain();
    assert_eq!(closes(&out), 0);
    assert!(events(&out).iter().any(|e| matches!(e, ClientEvent::PingResponse { .. })));
    assert_eq!(lab.c.pubsub_state(), 0);
}

// ---- sessions -------------------------------------------------------------------------------------

#[test]
fn persistent_session_resends_with_dup_and_the_same_ids_after_reconnect() {
    let mut lab = Lab::connected(Options { clean_session: false, ..Options::new("car") });
    let a = lab.publish("car/speed", "60", QoS::AtLeastOnce, 10).unwrap();
    let b = lab.publish("car/door", "open", QoS::ExactlyOnce, 20).unwrap();
    let c = lab.publish("car/door", "shut", QoS::ExactlyOnce, 30).unwrap();
    lab.recv(Packet::PubRec(b), 40);
    lab.recv(incoming("cmd", "stop", QosPid::ExactlyOnce(pid(9)), false), 45);
    lab.c.connection_lost(lab.at(50));
    let out = lab.drain();
    assert_eq!(events(&out), vec![ClientEvent::ConnectionLost]);
    assert_eq!(lab.c.pubsub_state(), -3);
    assert_eq!(
        lab.c.inflight_ids(),
        vec![(a, Stage::AwaitingPubAck), (b, Stage::AwaitingPubComp), (c, Stage::AwaitingPubRec)]
    );
    assert_eq!(lab.c.poll_timeout(), None);

    lab.c.connect(lab.at(1_000)).unwrap();
    lab.drain();
    let out = lab.recv(connack(true, ConnectReturnCode::Accepted), 1_010);
    let dup = |topic: &str, payload: &str, qos_pid| incoming(topic, payload, qos_pid, true);
    assert_eq!(
        packets(&out),
        vec![
            dup("car/speed", "60", QosPid::AtLeastOnce(a)),
            Packet::PubRel(b),
            dup("car/door", "shut", QosPid::ExactlyOnce(c)),
        ]
    );
    assert!(events(&out).contains(&ClientEvent::Resent { pid: b, pubrel: true, reconnect: true }));
    assert_eq!(lab.c.awaiting_pubrel().collect::<Vec<_>>(), vec![pid(9)], "incoming QoS 2 state is kept");
    // The server resends its QoS 2 message: not delivered twice.
    let out = lab.recv(incoming("cmd", "stop", QosPid::ExactlyOnce(pid(9)), true), 1_020);
    assert_eq!(events(&out), vec![ClientEvent::DuplicateQos2 { pid: pid(9) }]);
    // The flows complete.
    lab.recv(Packet::PubAck(a), 1_030);
    lab.recv(Packet::PubComp(b), 1_031);
    lab.recv(Packet::PubRec(c), 1_032);
    lab.recv(Packet::PubComp(c), 1_033);
    assert!(lab.c.inflight_ids().is_empty());
}

#[test]
fn session_present_0_drops_the_session() {
    let mut lab = Lab::connected(Options { clean_session: false, ..Options::new("car") });
    let s = lab.c.subscribe(vec![("cmd/#".into(), QoS::AtLeastOnce)], lab.at(1)).unwrap();
    lab.recv(Packet::SubAck(SubAck { pid: s, codes: vec![SubAckCode::Granted(QoS::AtLeastOnce)] }), 2);
    lab.publish("car/speed", "60", QoS::AtLeastOnce, 10);
    lab.c.connection_lost(lab.at(20));
    assert_eq!(lab.c.subscriptions().count(), 1, "kept while offline");
    lab.c.connect(lab.at(100)).unwrap();
    lab.drain();
    let out = lab.recv(connack(false, ConnectReturnCode::Accepted), 110);
    assert_eq!(packets(&out), vec![], "nothing resent");
    assert_eq!(
        events(&out),
        vec![
            ClientEvent::Connected { session_present: false },
            ClientEvent::SessionDiscarded {
                cause: DiscardCause::NoSessionOnServer,
                inflight: 1,
                awaiting_pubrel: 0,
                subscriptions: 1
            },
        ]
    );
    assert!(lab.c.inflight_ids().is_empty());
    assert_eq!(lab.c.subscriptions().count(), 0);
}

#[test]
fn clean_session_drops_unacknowledged_messages_with_the_connection() {
    let mut lab = Lab::connected(Options::new("car"));
    lab.publish("car/speed", "60", QoS::AtLeastOnce, 10);
    lab.c.connection_lost(lab.at(20));
    let out = lab.drain();
    assert!(matches!(
        events(&out)[1],
        ClientEvent::SessionDiscarded { cause: DiscardCause::CleanSession, inflight: 1, .. }
    ));
    assert!(lab.c.inflight_ids().is_empty());
    lab.c.connect(lab.at(100)).unwrap();
    lab.drain();
    let out = lab.recv(connack(false, ConnectReturnCode::Accepted), 110);
    assert!(packets(&out).is_empty());
}

#[test]
fn connection_lost_drops_queued_packets() {
    let mut lab = Lab::connected(Options { clean_session: false, ..Options::new("car") });
    lab.publish("car/speed", "60", QoS::AtLeastOnce, 10);
    lab.c.connection_lost(lab.at(11));
    let out = lab.drain();
    assert!(packets(&out).is_empty(), "{out:?}");
    assert_eq!(lab.c.inflight_ids().len(), 1);
    lab.c.connection_lost(lab.at(12));
    assert!(lab.drain().is_empty(), "only once");
}

#[test]
fn retry_interval_resends_on_the_same_connection() {
    let opts = Options { retry_interval: Some(Duration::from_secs(5)), keep_alive: 0, ..Options::new("car") };
    let mut lab = Lab::connected(opts);
    let id = lab.publish("car/door", "open", QoS::ExactlyOnce, 0).unwrap();
    lab.drain();
    assert_eq!(lab.c.poll_timeout(), Some(lab.at(5_000)));
    assert!(lab.tick(4_999).is_empty());
    let out = lab.tick(5_000);
    let Packet::Publish(p) = &packets(&out)[0] else { panic!("{out:?}") };
    assert_eq!((p.dup, p.qos_pid), (true, QosPid::ExactlyOnce(id)));
    assert_eq!(events(&out), vec![ClientEvent::Resent { pid: id, pubrel: false, reconnect: false }]);
    assert_eq!(lab.c.inflight().next().unwrap().sends, 2);
    lab.recv(Packet::PubRec(id), 6_000);
    assert_eq!(lab.c.poll_timeout(), Some(lab.at(11_000)));
    assert_eq!(packets(&lab.tick(11_000)), vec![Packet::PubRel(id)]);
}

#[test]
fn no_retry_without_retry_interval() {
    let mut lab = Lab::connected(Options { keep_alive: 0, ..Options::new("car") });
    lab.publish("car/door", "open", QoS::AtLeastOnce, 0);
    lab.drain();
    assert_eq!(lab.c.poll_timeout(), None);
    assert!(lab.tick(3_600_000).is_empty());
}

#[test]
fn set_options_with_a_new_client_id_drops_the_old_session() {
    let mut lab = Lab::connected(Options { clean_session: false, ..Options::new("car") });
    lab.publish("car/speed", "60", QoS::AtLeastOnce, 10);
    lab.c.disconnect(lab.at(20));
    assert_eq!(lab.c.inflight_ids().len(), 1, "a persistent session survives DISCONNECT");
    lab.drain();
    lab.c.set_options(Options { keep_alive: 5, clean_session: false, ..Options::new("car") }).unwrap();
    assert_eq!(lab.c.inflight_ids().len(), 1);
    lab.c.set_options(Options { clean_session: false, ..Options::new("truck") }).unwrap();
    assert!(lab.c.inflight_ids().is_empty());
    assert!(matches!(events(&lab.drain())[0], ClientEvent::SessionDiscarded { cause: DiscardCause::NewClientId, .. }));
}

// ---- PubSubClient limits --------------------------------------------------------------------------

/// PubSubClient resets its packet counter to 1 on connect and counts before use: its first
/// SUBSCRIBE is `82 0c 00 02 …` (the tutorial's `inTopic` capture), its second id 3.
#[test]
fn pubsubclient_first_subscribe_after_connect_has_id_2() {
    let mut lab = Lab::connected(Options::pubsubclient("esp"));
    assert!(lab.c.subscribe(vec![("inTopic".into(), QoS::AtMostOnce)], lab.at(1)).is_ok());
    assert!(lab.c.subscribe(vec![("more".into(), QoS::AtMostOnce)], lab.at(1)).is_ok());
    let ids: Vec<u16> = packets(&lab.drain())
        .iter()
        .filter_map(|p| match p {
            Packet::Subscribe(s) => Some(s.pid.get()),
            _ => None,
        })
        .collect();
    assert_eq!(ids, vec![2, 3]);
    let mut full = Lab::connected(Options::new("car"));
    assert!(full.c.subscribe(vec![("a".into(), QoS::AtMostOnce)], full.at(1)).is_ok());
    let first = packets(&full.drain()).iter().find_map(|p| match p {
        Packet::Subscribe(s) => Some(s.pid.get()),
        _ => None,
    });
    assert_eq!(first, Some(1), "a full client starts at 1");
}

#[test]
fn pubsubclient_publishes_qos0_only_and_subscribes_at_most_qos1() {
    let mut lab = Lab::connected(Options::pubsubclient("esp"));
    for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
        assert_eq!(
            lab.c.publish("esp/t", Bytes::from("21"), qos, false, lab.at(1)),
            Err(ClientError::QosNotSupported { qos, max: QoS::AtMostOnce, subscribe: false })
        );
    }
    assert_eq!(
        lab.c.subscribe(vec![("cmd".into(), QoS::ExactlyOnce)], lab.at(1)),
        Err(ClientError::QosNotSupported { qos: QoS::ExactlyOnce, max: QoS::AtLeastOnce, subscribe: true })
    );
    assert!(lab.drain().is_empty());
    assert!(lab.c.subscribe(vec![("cmd".into(), QoS::AtLeastOnce)], lab.at(2)).is_ok());
    assert_eq!(lab.publish("esp/t", "21", QoS::AtMostOnce, 3), None);
    assert_eq!(packets(&lab.drain()).len(), 2);
}

#[test]
fn pubsubclient_buffer_boundary_is_256_bytes() {
    let mut lab = Lab::connected(Options::pubsubclient("esp"));
    // 30 | remaining length 2 bytes | 00 01 "t" | payload: 1 + 2 + 3 + 250 = 256.
    let fits = "x".repeat(250);
    let too_big = "x".repeat(251);
    assert_eq!(incoming("t", &fits, QosPid::AtMostOnce, false).encoded_len(), 256);
    assert_eq!(incoming("t", &too_big, QosPid::AtMostOnce, false).encoded_len(), 257);
    assert_eq!(lab.c.publish("t", Bytes::from(fits.clone()), QoS::AtMostOnce, false, lab.at(1)), Ok(None));
    assert_eq!(
        lab.c.publish("t", Bytes::from(too_big.clone()), QoS::AtMostOnce, false, lab.at(2)),
        Err(ClientError::PacketTooLarge { packet: PacketType::Publish, size: 257, max: 256 })
    );
    assert_eq!(packets(&lab.drain()), vec![incoming("t", &fits, QosPid::AtMostOnce, false)]);
    // A subscription too long for the buffer is refused as well.
    let long = "f".repeat(260);
    assert!(matches!(
        lab.c.subscribe(vec![(long, QoS::AtMostOnce)], lab.at(3)),
        Err(ClientError::PacketTooLarge { packet: PacketType::Subscribe, .. })
    ));
    // The full profile has no such limit.
    let mut full = Lab::connected(Options::new("car"));
    assert_eq!(full.c.publish("t", Bytes::from(too_big), QoS::AtMostOnce, false, full.at(1)), Ok(None));
}

#[test]
fn pubsubclient_drops_incoming_packets_over_256_bytes() {
    let mut lab = Lab::connected(Options::pubsubclient("esp"));
    let big = incoming("t", &"x".repeat(249), QosPid::AtLeastOnce(pid(2)), false);
    assert_eq!(big.encoded_len(), 257);
    let out = lab.recv(big, 1_000);
    assert!(packets(&out).is_empty(), "no PUBACK: {out:?}");
    assert_eq!(
        events(&out),
        vec![ClientEvent::Dropped {
            packet: PacketType::Publish,
            reason: DropReason::TooLarge { size: 257, max: 256 }
        }]
    );
    assert_eq!(lab.c.last_received(), Some(lab.t0), "a dropped packet is no activity");
    assert_eq!(lab.c.state(), State::Connected);
    let fits = incoming("t", &"x".repeat(248), QosPid::AtLeastOnce(pid(3)), false);
    assert_eq!(fits.encoded_len(), 256);
    let out = lab.recv(fits, 2_000);
    assert_eq!(packets(&out), vec![Packet::PubAck(pid(3))]);
    assert!(matches!(events(&out)[0], ClientEvent::Message { .. }));
}

#[test]
fn pubsubclient_connect_too_big_for_the_buffer_is_refused() {
    let mut lab = Lab::new(Options::pubsubclient("e".repeat(300)));
    assert!(matches!(lab.c.connect(lab.t0), Err(ClientError::PacketTooLarge { packet: PacketType::Connect, .. })));
    assert_eq!(lab.c.state(), State::Disconnected);
    assert!(lab.drain().is_empty());
}

// ---- words ----------------------------------------------------------------------------------------

#[test]
fn every_event_speaks_both_languages() {
    let id = pid(3);
    let all = vec![
        ClientEvent::Connected { session_present: true },
        ClientEvent::Refused { code: ConnectReturnCode::NotAuthorized },
        ClientEvent::ConnectTimeout { waited: Duration::from_secs(15) },
        ClientEvent::ConnectFailed,
        ClientEvent::SessionDiscarded {
            cause: DiscardCause::CleanSession,
            inflight: 1,
            awaiting_pubrel: 2,
            subscriptions: 3,
        },
        ClientEvent::Resent { pid: id, pubrel: false, reconnect: true },
        ClientEvent::Message {
            topic: "car/speed".into(),
            payload: Bytes::from("60"),
            qos: QoS::AtLeastOnce,
            retain: true,
            dup: false,
            pid: Some(id),
            props: None,
        },
        ClientEvent::DuplicateQos2 { pid: id },
        ClientEvent::Released { pid: id, known: true },
        ClientEvent::PubAcked { pid: id },
        ClientEvent::PubReceived { pid: id },
        ClientEvent::PubCompleted { pid: id },
        ClientEvent::UnexpectedAck { packet: PacketType::PubAck, pid: id },
        ClientEvent::Subscribed {
            pid: id,
            results: vec![SubResult {
                filter: "a".into(),
                requested: QoS::AtLeastOnce,
                granted: Some(QoS::AtMostOnce),
                reason: None,
            }],
        },
        ClientEvent::Unsubscribed { pid: id, filters: vec!["a".into()], reasons: vec![] },
        ClientEvent::KeepAlivePing { keep_alive: 15, silence: Silence::Inbound },
        ClientEvent::PingResponse { rtt: Duration::from_millis(3) },
        ClientEvent::UnexpectedPingResp,
        ClientEvent::PingTimeout { keep_alive: 15, waited: Duration::from_secs(15) },
        ClientEvent::ConnectionLost,
        ClientEvent::Disconnected,
        ClientEvent::Dropped { packet: PacketType::Publish, reason: DropReason::TooLarge { size: 300, max: 256 } },
        ClientEvent::ProtocolViolation { packet: PacketType::Connect, violation: Violation::ClientOnlyPacket },
        ClientEvent::Frozen,
        ClientEvent::Thawed { buffered: 2 },
    ];
    for e in &all {
        let (zh, en) = (e.text(Lang::Zh), e.text(Lang::En));
        assert!(!zh.is_empty() && !en.is_empty() && zh != en, "{e:?}");
        assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "no 中文 in {zh:?}");
        assert!(en.is_ascii() || en.contains('→') || en.contains('—'), "{en:?}");
        serde_json::to_string(e).unwrap();
    }
    assert_eq!(all[6].text(Lang::En), "received car/speed (QoS 1 id=3, retained): \"60\" → PUBACK");
    assert_eq!(all[6].text(Lang::Zh), "收到 car/speed（QoS 1 id=3，保留消息）：\"60\" → PUBACK");
    assert_eq!(all[1].text(Lang::Zh), "服务端拒绝连接：CONNACK 5（未授权）");
    assert_eq!(all[19].text(Lang::Zh), "连接意外断开（没有 DISCONNECT）：服务端会发布遗嘱（如果有）");
}

#[test]
fn errors_speak_both_languages() {
    let e = ClientError::PacketTooLarge { packet: PacketType::Publish, size: 257, max: 256 };
    assert_eq!(
        e.to_string(),
        "the PUBLISH would be 257 bytes (header, topic and payload together), more than the 256-byte buffer: not sent (publish() returns false); setBufferSize() makes the buffer larger"
    );
    assert_eq!(
        e.text(Lang::Zh),
        "PUBLISH 共 257 字节（报头、主题和载荷一起算），超过 256 字节的缓冲区：不发送（publish() 返回 false）；setBufferSize() 可以调大缓冲区"
    );
    let e = ClientError::PacketTooLarge { packet: PacketType::Publish, size: 300, max: 200 };
    assert_eq!(e.to_string(), "the PUBLISH would be 300 bytes, more than the 200-byte limit: not sent");
    assert_eq!(e.text(Lang::Zh), "PUBLISH 有 300 字节，超过 200 字节的上限：不发送");
    let e = ClientError::QosNotSupported { qos: QoS::AtLeastOnce, max: QoS::AtMostOnce, subscribe: false };
    assert_eq!(e.text(Lang::En), "PubSubClient publishes at QoS 0 only, not QoS 1");
}

#[test]
fn payload_preview_shows_text_or_hex() {
    assert_eq!(payload_preview(b"60", Lang::En), "\"60\"");
    assert_eq!(payload_preview(b"", Lang::Zh), "（空）");
    assert_eq!(payload_preview(&[0xff, 0x00], Lang::En), "ff 00 (2 binary bytes)");
    assert!(payload_preview("é".repeat(100).as_bytes(), Lang::En).ends_with("(100 chars)"));
}

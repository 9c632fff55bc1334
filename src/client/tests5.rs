//! The client core speaking MQTT 5.0: packets in are hand-written bytes decoded as 5.0, packets out
//! are compared byte for byte with hand-written bytes; time is passed in explicitly.

use super::super::*;
use crate::i18n::Lang;
use crate::proto::{Protocol, decode_slice_v, frame_version};
use std::num::{NonZeroU16, NonZeroU32};

fn pid(v: u16) -> PacketId {
    PacketId::new(v).unwrap()
}

/// Bytes from hex like "20 03 | 00 87 00" (spaces and `|` ignored).
fn hex(s: &str) -> Vec<u8> {
    let digits: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..digits.len()).step_by(2).map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap()).collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

/// What a runtime hands the client for these bytes on a 5.0 connection.
fn frame(h: &str) -> AnyPacket {
    let b = hex(h);
    decode_slice_v(&b, frame_version(&b, Protocol::V5)).unwrap_or_else(|e| panic!("{h}: {e:?}"))
}

/// The frames sent, as hex.
fn sent(out: &[Output]) -> Vec<String> {
    out.iter().filter_map(|o| if let Output::Send(p) = o { Some(to_hex(&p.to_bytes())) } else { None }).collect()
}

fn events(out: &[Output]) -> Vec<ClientEvent> {
    out.iter().filter_map(|o| if let Output::Event(e) = o { Some(e.clone()) } else { None }).collect()
}

fn closes(out: &[Output]) -> usize {
    out.iter().filter(|o| matches!(o, Output::Close)).count()
}

/// Every event's text in both languages, one per line.
fn said(out: &[Output], lang: Lang) -> String {
    events(out).iter().map(|e| e.text(lang) + "\n").collect()
}

struct Lab {
    c: Client,
    t0: Instant,
}

impl Lab {
    fn new(opts: Options) -> Lab {
        Lab { c: Client::new(opts), t0: Instant::now() }
    }
    /// CONNECT at t0, then this CONNACK at t0.
    fn connected_with(opts: Options, connack: &str) -> Lab {
        let mut lab = Lab::new(opts);
        lab.c.connect(lab.t0).unwrap();
        lab.c.handle(frame(connack), lab.t0);
        assert_eq!(lab.c.state(), State::Connected);
        lab.drain();
        lab
    }
    /// CONNACK 0x00 without properties.
    fn connected(opts: Options) -> Lab {
        Lab::connected_with(opts, "20 03 00 00 00")
    }
    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }
    fn drain(&mut self) -> Vec<Output> {
        std::iter::from_fn(|| self.c.poll_output()).collect()
    }
    fn recv(&mut self, h: &str, ms: u64) -> Vec<Output> {
        self.c.handle(frame(h), self.at(ms));
        self.drain()
    }
    fn publish(&mut self, topic: &str, qos: QoS, props: &PublishProps) -> Result<Option<PacketId>, ClientError> {
        self.c.publish_with(topic, Bytes::from("x"), qos, false, props, self.t0)
    }
}

fn alias() -> PublishProps {
    PublishProps { alias: true, ..PublishProps::default() }
}

// ---- CONNECT / CONNACK --------------------------------------------------------------------------

#[test]
fn a_5_0_connect_carries_its_properties_and_the_will_delay() {
    let opts = Options {
        will: Some(Will {
            topic: "car/status".into(),
            message: Bytes::from("offline"),
            qos: QoS::AtLeastOnce,
            retain: false,
        }),
        v5: V5Options {
            session_expiry: Some(300),
            receive_maximum: NonZeroU16::new(10),
            maximum_packet_size: NonZeroU32::new(1024),
            topic_alias_maximum: Some(5),
            user_properties: vec![("a".into(), "b".into())],
            will_delay: Some(7),
        },
        ..Options::v5("car")
    };
    let mut lab = Lab::new(opts);
    lab.c.connect(lab.t0).unwrap();
    let want = "10 42 | 00 04 4d 51 54 54 | 05 | 0e | 00 3c \
        | 17 | 11 00 00 01 2c | 21 00 0a | 22 00 05 | 26 00 01 61 00 01 62 | 27 00 00 04 00 \
        | 00 03 63 61 72 | 05 18 00 00 00 07 | 00 0a 63 61 72 2f 73 74 61 74 75 73 | 00 07 6f 66 66 6c 69 6e 65";
    assert_eq!(sent(&lab.drain()), vec![to_hex(&hex(want))]);
    assert_eq!(lab.c.state(), State::Connecting);
}

#[test]
fn what_the_connack_says_is_honoured() {
    // CONNACK 0x00 | Assigned Client Identifier "auto", Server Keep Alive 5, Receive Maximum 1,
    // Maximum QoS 1, Retain Available 0, Maximum Packet Size 30.
    let connack = "20 19 00 00 | 16 | 12 00 04 61 75 74 6f | 13 00 05 | 21 00 01 | 24 01 | 25 00 | 27 00 00 00 1e";
    let mut lab = Lab::new(Options { client_id: String::new(), ..Options::v5("") });
    lab.c.connect(lab.t0).unwrap();
    lab.drain();
    let out = lab.recv(connack, 0);
    assert_eq!(lab.c.state(), State::Connected);
    assert_eq!(lab.c.options().client_id, "auto", "the assigned id becomes the client's id");
    assert_eq!(lab.c.keep_alive(), 5, "the server's keep alive replaces the 60 s asked for");
    let en = said(&out, Lang::En);
    assert!(en.contains("Assigned Client Identifier \"auto\": the client's id from now on"), "{en}");
    assert!(en.contains("Server Keep Alive 5 s replaces the 60 s the client asked for"), "{en}");
    assert!(said(&out, Lang::Zh).contains("服务端心跳间隔 5 秒"), "{}", said(&out, Lang::Zh));
    // Keep alive 5 s: PINGREQ after 5 s of silence, not 60.
    assert_eq!(lab.c.poll_timeout(), Some(lab.at(5_000)));
    lab.c.handle_timeout(lab.at(5_000));
    assert_eq!(sent(&lab.drain()), vec!["c0 00"]);
    lab.recv("d0 00", 5_010);
    // Maximum QoS 1 and Retain Available 0 refuse, nothing is sent.
    let q2 = lab.publish("t", QoS::ExactlyOnce, &PublishProps::default());
    assert_eq!(q2, Err(ClientError::BrokerMaxQos { qos: QoS::ExactlyOnce, max: QoS::AtLeastOnce }));
    let r = lab.c.publish_with("t", Bytes::from("x"), QoS::AtMostOnce, true, &PublishProps::default(), lab.t0);
    assert_eq!(r, Err(ClientError::RetainNotAvailable));
    // Maximum Packet Size 30: a 31-byte PUBLISH is refused, a 30-byte one goes.
    let big = lab.c.publish("t", Bytes::from(vec![b'x'; 25]), QoS::AtMostOnce, false, lab.t0);
    assert_eq!(big, Err(ClientError::TooLargeForBroker { packet: PacketType::Publish, size: 31, max: 30 }));
    lab.c.publish("t", Bytes::from(vec![b'x'; 24]), QoS::AtMostOnce, false, lab.t0).unwrap();
    assert_eq!(sent(&lab.drain()).len(), 1);
    // Receive Maximum 1: a second QoS 1 message waits for the first one's PUBACK.
    assert_eq!(lab.publish("t", QoS::AtLeastOnce, &PublishProps::default()), Ok(Some(pid(1))));
    let second = lab.publish("t", QoS::AtLeastOnce, &PublishProps::default());
    assert_eq!(second, Err(ClientError::ReceiveMaximum { max: 1 }));
    assert!(second.unwrap_err().text(Lang::En).contains("Receive Maximum"));
    lab.drain();
    lab.recv("40 02 00 01", 6_000);
    assert_eq!(lab.publish("t", QoS::AtLeastOnce, &PublishProps::default()), Ok(Some(pid(2))));
    assert!(lab.publish("t", QoS::AtMostOnce, &PublishProps::default()).is_ok(), "QoS 0 does not count");
}

#[test]
fn a_refusing_connack_is_narrated_with_its_reason_code_and_reason_string() {
    let mut lab = Lab::new(Options::v5("car"));
    lab.c.connect(lab.t0).unwrap();
    lab.drain();
    // CONNACK | 00 | 0x87 Not authorized | Reason String "no"
    let out = lab.recv("20 08 00 87 | 05 1f 00 02 6e 6f", 10);
    assert_eq!(lab.c.state(), State::Refused5(ReasonCode::NotAuthorized));
    assert_eq!(closes(&out), 1);
    let en = said(&out, Lang::En);
    assert!(en.contains("refused the connection: CONNACK 0x87 not authorized; reason string: \"no\""), "{en}");
    let zh = said(&out, Lang::Zh);
    assert!(zh.contains("CONNACK 0x87 未授权（not authorized）"), "{zh}");
    assert!(lab.c.publish("t", Bytes::new(), QoS::AtMostOnce, false, lab.t0).is_err());
}

#[test]
fn a_broker_without_5_0_answers_with_a_3_1_1_connack() {
    let mut lab = Lab::new(Options::v5("car"));
    lab.c.connect(lab.t0).unwrap();
    lab.drain();
    let out = lab.recv("20 02 00 01", 10);
    assert_eq!(lab.c.state(), State::Refused(ConnectReturnCode::BadProtocolVersion));
    assert_eq!(closes(&out), 1);
}

// ---- PUBLISH ------------------------------------------------------------------------------------

#[test]
fn a_5_0_publish_carries_its_properties() {
    let mut lab = Lab::connected(Options::v5("car"));
    let props = PublishProps {
        message_expiry: Some(60),
        user_properties: vec![("k".into(), "v".into())],
        response_topic: Some("r".into()),
        correlation_data: Some(Bytes::from("c")),
        content_type: Some("text".into()),
        payload_format_utf8: Some(true),
        alias: false,
    };
    let id = lab.c.publish_with("a/b", Bytes::from("60"), QoS::AtLeastOnce, false, &props, lab.t0).unwrap();
    assert_eq!(id, Some(pid(1)));
    let want = "32 27 | 00 03 61 2f 62 | 00 01 | 1d | 01 01 | 02 00 00 00 3c | 03 00 04 74 65 78 74 \
        | 08 00 01 72 | 09 00 01 63 | 26 00 01 6b 00 01 76 | 36 30";
    assert_eq!(sent(&lab.drain()), vec![to_hex(&hex(want))]);
    // QoS 2 in 5.0: PUBREC, then PUBREL in its two-byte form, then PUBCOMP.
    lab.c.publish("a/b", Bytes::from("1"), QoS::ExactlyOnce, false, lab.t0).unwrap();
    lab.drain();
    let out = lab.recv("50 02 00 02", 10);
    assert_eq!(sent(&out), vec!["62 02 00 02"]);
    let out = lab.recv("70 02 00 02", 20);
    assert_eq!(events(&out), vec![ClientEvent::PubCompleted { pid: pid(2) }]);
}

#[test]
fn a_3_1_1_client_refuses_5_0_properties() {
    let mut lab = Lab::new(Options::new("car"));
    lab.c.connect(lab.t0).unwrap();
    lab.c.handle_packet(Packet::ConnAck(ConnAck { session_present: false, code: ConnectReturnCode::Accepted }), lab.t0);
    lab.drain();
    let p = PublishProps { message_expiry: Some(5), ..PublishProps::default() };
    assert_eq!(lab.publish("t", QoS::AtMostOnce, &p), Err(ClientError::NeedsV5 { what: "Message Expiry Interval" }));
    let s = SubscribeProps { no_local: true, ..SubscribeProps::default() };
    let r = lab.c.subscribe_unchecked_with(vec![("t".into(), QoS::AtMostOnce)], &s, lab.t0);
    assert_eq!(r, Err(ClientError::NeedsV5 { what: "No Local" }));
    let d = DisconnectOpts { with_will: true, session_expiry: None };
    assert_eq!(lab.c.disconnect_with(&d, lab.t0), Err(ClientError::NeedsV5 { what: "Disconnect with Will Message" }));
    assert!(lab.drain().is_empty(), "nothing was sent");
    assert_eq!(lab.c.state(), State::Connected);
}

#[test]
fn outgoing_topic_aliases_stay_within_the_brokers_maximum() {
    // No Topic Alias Maximum in the CONNACK: no aliases.
    let mut lab = Lab::connected(Options::v5("car"));
    assert_eq!(lab.publish("a/b", QoS::AtMostOnce, &alias()), Err(ClientError::NoTopicAlias));
    // Topic Alias Maximum 2.
    let mut lab = Lab::connected_with(Options::v5("car"), "20 06 00 00 | 03 22 00 02");
    lab.publish("a/b", QoS::AtMostOnce, &alias()).unwrap();
    lab.publish("a/b", QoS::AtMostOnce, &alias()).unwrap();
    lab.publish("c", QoS::AtMostOnce, &alias()).unwrap();
    lab.publish("d", QoS::AtMostOnce, &alias()).unwrap();
    lab.publish("a/b", QoS::AtMostOnce, &PublishProps::default()).unwrap();
    assert_eq!(
        sent(&lab.drain()),
        vec![
            // The first sets alias 1 for "a/b", the next sends the alias and an empty topic name.
            "30 0a 00 03 61 2f 62 03 23 00 01 78",
            "30 07 00 00 03 23 00 01 78",
            "30 08 00 01 63 03 23 00 02 78",
            // Both aliases in use: the oldest, 1, now stands for "d".
            "30 08 00 01 64 03 23 00 01 78",
            // Without --alias, the whole topic name.
            "30 07 00 03 61 2f 62 00 78",
        ]
    );
}

#[test]
fn a_resent_publish_has_its_whole_topic_name_and_no_alias() {
    let opts = Options {
        clean_session: false,
        v5: V5Options { session_expiry: Some(600), ..V5Options::default() },
        ..Options::v5("car")
    };
    let mut lab = Lab::connected_with(opts, "20 06 00 00 | 03 22 00 02");
    lab.publish("a/b", QoS::AtLeastOnce, &alias()).unwrap();
    lab.publish("a/b", QoS::AtLeastOnce, &alias()).unwrap();
    assert_eq!(sent(&lab.drain())[1], "32 09 00 00 00 02 03 23 00 01 78");
    lab.c.connection_lost(lab.at(100));
    let out = lab.drain();
    assert!(!events(&out).iter().any(|e| matches!(e, ClientEvent::SessionDiscarded { .. })), "{out:?}");
    assert_eq!(lab.c.inflight_ids().len(), 2, "session expiry 600 s: the session outlives the connection");
    lab.c.connect(lab.at(200)).unwrap();
    lab.drain();
    let out = lab.recv("20 03 01 00 00", 210);
    // DUP=1, the same ids, topic "a/b" in full and no properties: aliases died with the connection.
    assert_eq!(sent(&out), vec!["3a 09 00 03 61 2f 62 00 01 00 78", "3a 09 00 03 61 2f 62 00 02 00 78"]);
}

#[test]
fn incoming_topic_aliases_are_set_and_resolved() {
    let opts = Options { v5: V5Options { topic_alias_maximum: Some(2), ..V5Options::default() }, ..Options::v5("ph") };
    let mut lab = Lab::connected(opts);
    // PUBLISH "a/b" with Topic Alias 1 sets it; then an empty topic with alias 1 is "a/b".
    let out = lab.recv("30 0a 00 03 61 2f 62 03 23 00 01 31", 10);
    assert!(matches!(&events(&out)[0], ClientEvent::Message { topic, .. } if topic == "a/b"), "{out:?}");
    let out = lab.recv("30 07 00 00 03 23 00 01 32", 20);
    let ev = events(&out);
    let ClientEvent::Message { topic, payload, props, .. } = &ev[0] else { panic!("{ev:?}") };
    assert_eq!((topic.as_str(), payload.as_ref()), ("a/b", b"2".as_ref()));
    assert_eq!(props.as_ref().unwrap().topic_alias, Some(1));
    assert!(ev[0].text(Lang::En).contains("received a/b") && ev[0].text(Lang::En).contains("Topic Alias 1"));
    // Alias 2 was never set: a protocol error, DISCONNECT 0x82, the connection is closed.
    let out = lab.recv("30 07 00 00 03 23 00 02 33", 30);
    assert_eq!(sent(&out), vec!["e0 01 82"]);
    assert_eq!(closes(&out), 1);
    assert_eq!(lab.c.state(), State::ConnectionLost);
    assert!(!events(&out).iter().any(|e| matches!(e, ClientEvent::Message { .. })));
    assert!(said(&out, Lang::En).contains("topic alias 2, which was never set"), "{}", said(&out, Lang::En));
    // An alias above our Topic Alias Maximum: DISCONNECT 0x94 Topic Alias invalid.
    let opts = Options { v5: V5Options { topic_alias_maximum: Some(2), ..V5Options::default() }, ..Options::v5("ph") };
    let mut lab = Lab::connected(opts);
    let out = lab.recv("30 08 00 01 74 03 23 00 03 34", 10);
    assert_eq!(sent(&out), vec!["e0 01 94"]);
}

#[test]
fn message_properties_arrive_and_are_narrated() {
    let mut lab = Lab::connected(Options::v5("ph"));
    // PUBLISH QoS 1 id 7 "car/speed" | Message Expiry Interval 59, User Property unit=km/h | "60"
    let out = lab.recv("32 22 | 00 09 63 61 72 2f 73 70 65 65 64 | 00 07 | 12 | 02 00 00 00 3b | 26 00 04 75 6e 69 74 00 04 6b 6d 2f 68 | 36 30", 10);
    assert_eq!(sent(&out), vec!["40 02 00 07"], "a 5.0 PUBACK, two-byte form");
    let ev = events(&out);
    let ClientEvent::Message { props: Some(p), .. } = &ev[0] else { panic!("{ev:?}") };
    assert_eq!(p.message_expiry, Some(59));
    assert_eq!(p.user_properties, vec![("unit".to_string(), "km/h".to_string())]);
    let en = ev[0].text(Lang::En);
    assert!(en.contains("Message Expiry Interval 59 s left") && en.contains("User Property unit=km/h"), "{en}");
    assert!(ev[0].text(Lang::Zh).contains("消息过期间隔 还剩 59 秒"), "{}", ev[0].text(Lang::Zh));
}

#[test]
fn a_packet_above_our_maximum_packet_size_is_a_protocol_error() {
    let opts = Options {
        v5: V5Options { maximum_packet_size: NonZeroU32::new(10), ..V5Options::default() },
        ..Options::v5("ph")
    };
    let mut lab = Lab::connected(opts);
    let out = lab.recv("30 09 00 01 74 00 31 32 33 34 35", 10);
    assert_eq!(sent(&out), vec!["e0 01 95"]);
    assert_eq!(lab.c.state(), State::ConnectionLost);
}

// ---- acknowledgements ---------------------------------------------------------------------------

#[test]
fn puback_reason_codes_are_success_narrated_or_failure() {
    let mut lab = Lab::connected(Options::v5("car"));
    lab.publish("t", QoS::AtLeastOnce, &PublishProps::default()).unwrap();
    lab.publish("t", QoS::AtLeastOnce, &PublishProps::default()).unwrap();
    lab.publish("t", QoS::ExactlyOnce, &PublishProps::default()).unwrap();
    lab.drain();
    // 0x10 No matching subscribers: the broker has it; said so.
    let out = lab.recv("40 03 00 01 10", 10);
    assert_eq!(
        events(&out),
        vec![
            ClientEvent::NoMatchingSubscribers { packet: PacketType::PubAck, pid: pid(1) },
            ClientEvent::PubAcked { pid: pid(1) }
        ]
    );
    assert!(said(&out, Lang::En).contains("nobody subscribes"), "{}", said(&out, Lang::En));
    // 0x87 Not authorized with a reason string: a failure, not a delivery.
    let out = lab.recv("40 0a 00 02 87 | 06 1f 00 03 61 63 6c", 20);
    let ev = events(&out);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert!(matches!(ev[0], ClientEvent::PubRefused { reason: ReasonCode::NotAuthorized, .. }));
    let en = ev[0].text(Lang::En);
    assert!(en.contains("PUBACK id=2 0x87 not authorized; reason string: \"acl\": the broker did not take"), "{en}");
    assert!(ev[0].text(Lang::Zh).contains("没有接受"));
    // PUBREC 0x80: the exchange ends, no PUBREL.
    let out = lab.recv("50 03 00 03 80", 30);
    assert!(sent(&out).is_empty(), "{out:?}");
    assert!(matches!(events(&out)[0], ClientEvent::PubRefused { packet: PacketType::PubRec, .. }));
    assert!(lab.c.inflight_ids().is_empty(), "every id is free again");
}

#[test]
fn a_pubrel_for_an_unknown_id_gets_pubcomp_0x92() {
    let mut lab = Lab::connected(Options::v5("ph"));
    let out = lab.recv("62 02 00 09", 10);
    assert_eq!(sent(&out), vec!["70 03 00 09 92"]);
}

#[test]
fn suback_reason_codes_per_filter() {
    let mut lab = Lab::connected(Options::v5("ph"));
    let props = SubscribeProps {
        no_local: true,
        retain_as_published: true,
        retain_handling: crate::proto::v5::RetainHandling::DoNotSend,
        subscription_id: NonZeroU32::new(5),
    };
    lab.c.subscribe_unchecked_with(vec![("a/b".into(), QoS::AtLeastOnce)], &props, lab.t0).unwrap();
    // SUBSCRIBE id 1 | Subscription Identifier 5 | "a/b" | QoS 1 + No Local + RAP + Retain Handling 2
    assert_eq!(sent(&lab.drain()), vec![to_hex(&hex("82 0b 00 01 | 02 0b 05 | 00 03 61 2f 62 | 2d"))]);
    lab.recv("90 04 00 01 00 01", 5);
    let filters = vec![("car/#".to_string(), QoS::ExactlyOnce), ("secret".to_string(), QoS::AtMostOnce)];
    lab.c.subscribe_unchecked_with(filters, &SubscribeProps::default(), lab.t0).unwrap();
    lab.drain();
    let out = lab.recv("90 05 00 02 00 01 87", 10);
    let ev = events(&out);
    let ClientEvent::Subscribed { results, .. } = &ev[0] else { panic!("{ev:?}") };
    assert_eq!((results[0].granted, results[0].reason), (Some(QoS::AtLeastOnce), None));
    assert_eq!((results[1].granted, results[1].reason), (None, Some(ReasonCode::NotAuthorized)));
    let en = ev[0].text(Lang::En);
    assert!(en.contains("car/# → granted QoS 1") && en.contains("secret → 0x87 not authorized"), "{en}");
    let subs: Vec<&str> = lab.c.subscriptions().map(|(f, _)| f).collect();
    assert_eq!(subs, vec!["a/b", "car/#"], "the refused filter is no subscription");
}

#[test]
fn unsuback_reason_codes_per_filter() {
    let mut lab = Lab::connected(Options::v5("ph"));
    let filters = vec![("a".to_string(), QoS::AtMostOnce), ("b".to_string(), QoS::AtMostOnce)];
    lab.c.subscribe(filters, lab.t0).unwrap();
    lab.recv("90 05 00 01 00 00 00", 5);
    lab.c.unsubscribe(vec!["a".into(), "b".into()], lab.t0).unwrap();
    assert_eq!(sent(&lab.drain()), vec!["a2 09 00 02 00 00 01 61 00 01 62"]);
    let out = lab.recv("b0 05 00 02 00 00 87", 10);
    let en = said(&out, Lang::En);
    assert!(en.contains("a → 0x00 success: removed; b → 0x87 not authorized: not removed, still subscribed"), "{en}");
    let subs: Vec<&str> = lab.c.subscriptions().map(|(f, _)| f).collect();
    assert_eq!(subs, vec!["b"]);
}

// ---- DISCONNECT ---------------------------------------------------------------------------------

#[test]
fn a_disconnect_from_the_broker_is_narrated_and_is_not_a_lost_connection() {
    let mut lab = Lab::connected(Options::v5("car"));
    // DISCONNECT 0x8E Session taken over | Reason String "gone"
    let out = lab.recv("e0 09 8e | 07 1f 00 04 67 6f 6e 65", 10);
    assert_eq!(lab.c.state(), State::DisconnectedByServer(ReasonCode::SessionTakenOver));
    assert_eq!(closes(&out), 1);
    let en = said(&out, Lang::En);
    assert!(en.contains("the broker sent DISCONNECT 0x8e session taken over; reason string: \"gone\""), "{en}");
    assert!(said(&out, Lang::Zh).contains("0x8e 会话被接管（session taken over）"));
    // The socket's end that follows changes nothing.
    lab.c.connection_lost(lab.at(20));
    assert!(lab.drain().is_empty());
    assert_eq!(lab.c.state(), State::DisconnectedByServer(ReasonCode::SessionTakenOver));
    assert_eq!(lab.c.state().pubsub_code(), -1);
}

#[test]
fn the_clients_disconnect_says_normal_or_with_will_and_may_set_the_session_expiry() {
    let mut lab = Lab::connected(Options::v5("car"));
    lab.c.disconnect(lab.t0);
    assert_eq!(sent(&lab.drain()), vec!["e0 00"]);
    let mut lab = Lab::connected(Options::v5("car"));
    lab.c.disconnect_with(&DisconnectOpts { with_will: true, session_expiry: None }, lab.t0).unwrap();
    let out = lab.drain();
    assert_eq!(sent(&out), vec!["e0 01 04"]);
    assert!(said(&out, Lang::En).contains("the broker publishes the will"));
    // A CONNECT with session expiry 0 cannot be given a session by DISCONNECT [MQTT-3.14.2-2].
    let mut lab = Lab::connected(Options::v5("car"));
    let d = DisconnectOpts { with_will: false, session_expiry: Some(10) };
    assert_eq!(lab.c.disconnect_with(&d, lab.t0), Err(ClientError::SessionExpiryWasZero));
    assert!(lab.drain().is_empty());
    // With 300 s it can shorten it to 0: the session ends with the connection.
    let opts = Options { v5: V5Options { session_expiry: Some(300), ..V5Options::default() }, ..Options::v5("car") };
    let mut lab = Lab::connected(opts);
    lab.c.subscribe(vec![("t".into(), QoS::AtMostOnce)], lab.t0).unwrap();
    lab.recv("90 04 00 01 00 00", 5);
    lab.c.disconnect_with(&DisconnectOpts { with_will: false, session_expiry: Some(0) }, lab.at(10)).unwrap();
    let out = lab.drain();
    assert_eq!(sent(&out), vec!["e0 07 00 05 11 00 00 00 00"]);
    assert!(
        events(&out)
            .iter()
            .any(|e| matches!(e, ClientEvent::SessionDiscarded { cause: DiscardCause::SessionExpiryZero, .. }))
    );
}

#[test]
fn with_a_session_expiry_the_session_outlives_a_normal_disconnect() {
    let opts = Options {
        clean_session: false,
        v5: V5Options { session_expiry: Some(300), ..V5Options::default() },
        ..Options::v5("car")
    };
    let mut lab = Lab::connected(opts);
    lab.c.subscribe(vec![("t".into(), QoS::AtLeastOnce)], lab.t0).unwrap();
    lab.recv("90 04 00 01 00 01", 5);
    lab.c.disconnect(lab.at(10));
    lab.drain();
    assert_eq!(lab.c.subscriptions().count(), 1, "kept for the next connection");
    lab.c.connect(lab.at(20)).unwrap();
    lab.drain();
    let out = lab.recv("20 03 01 00 00", 30);
    assert_eq!(events(&out), vec![ClientEvent::Connected { session_present: true }]);
    assert_eq!(lab.c.subscriptions().count(), 1);
    // Session expiry 0 (the default): gone with the connection.
    let mut lab = Lab::connected(Options { clean_session: false, ..Options::v5("car") });
    lab.c.subscribe(vec![("t".into(), QoS::AtLeastOnce)], lab.t0).unwrap();
    lab.recv("90 04 00 01 00 01", 5);
    lab.c.disconnect(lab.at(10));
    let out = lab.drain();
    assert_eq!(lab.c.subscriptions().count(), 0);
    assert!(said(&out, Lang::En).contains("session expiry interval 0"), "{}", said(&out, Lang::En));
}

#[test]
fn an_auth_nobody_asked_for_is_a_protocol_error() {
    let mut lab = Lab::connected(Options::v5("car"));
    let out = lab.recv("f0 00", 10);
    assert_eq!(sent(&out), vec!["e0 01 82"]);
    assert_eq!(events(&out), vec![ClientEvent::UnrequestedAuth]);
    assert_eq!(lab.c.state(), State::ConnectionLost);
}

//! The broker against raw TCP clients: every frame is written here as hex, field by field, and every
//! reply is checked byte for byte. Nothing in this file uses the crate's encoder or decoder, so a bug
//! shared by both cannot hide. The rule ids are those of the MQTT 3.1.1 specification.

#[path = "support/helpers.rs"]
mod support;

use mqtt_lab::broker::auth::Acl;
use mqtt_lab::broker::{Config, Event, WillCause};
use mqtt_lab::runtime::{CutMode, Dir, TapItem};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::*;

const SHORT: Duration = Duration::from_millis(300);

/// CONNECT "car", 3.1.1, clean session, keep alive 60.
const CONNECT_CAR: &str = "10 0f | 00 04 4d 51 54 54 | 04 | 02 | 00 3c | 00 03 63 61 72";

/// Reads PUBLISH frames (acknowledging QoS 1 and 2 ones) until one on topic `end`; returns the
/// topics before it.
async fn topics_until_end(c: &mut Raw) -> Vec<String> {
    let mut topics = Vec::new();
    loop {
        let m = c.recv_publish().await;
        match (m.qos(), m.pid) {
            (1, Some(p)) => c.send_hex(&format!("40 02 {}", u16h(p))).await,
            (2, Some(p)) => {
                c.send_hex(&format!("50 02 {}", u16h(p))).await;
                c.expect(&format!("62 02 {}", u16h(p))).await;
                c.send_hex(&format!("70 02 {}", u16h(p))).await;
            }
            _ => {}
        }
        if m.topic == "end" {
            return topics;
        }
        topics.push(m.topic);
    }
}

// ---- CONNECT / CONNACK ----------------------------------------------------------------------------

/// [MQTT-3.1.2-2] [MQTT-3.2.2-1] A 3.1.1 CONNECT ("MQTT", level 4) and a 3.1 CONNECT ("MQIsdp",
/// level 3) are both accepted with CONNACK 0.
#[tokio::test]
async fn connack_0_for_mqtt_311_and_31() {
    let (_server, addr) = broker(config()).await;
    let mut c = Raw::open(addr, "v311").await;
    c.send_hex(CONNECT_CAR).await;
    c.expect("20 02 | 00 | 00").await;
    c.ping().await;

    let mut c = Raw::open(addr, "v31").await;
    c.send_hex("10 11 | 00 06 4d 51 49 73 64 70 | 03 | 02 | 00 3c | 00 03 62 75 73").await;
    c.expect("20 02 | 00 | 00").await;
    c.ping().await;
}

/// [MQTT-3.1.2-2] [MQTT-3.2.2-4] [MQTT-3.2.2-5] An unsupported protocol level gets CONNACK 1
/// (session present 0), then the connection is closed: level 6 with "MQTT" (a level no MQTT
/// version has) and level 5 with "MQIsdp" (3.1's name, which 5.0 does not use).
#[tokio::test]
async fn connack_1_unacceptable_protocol_level() {
    let (_server, addr) = broker(config()).await;
    let mut c = Raw::open(addr, "mqtt6").await;
    c.send_hex("10 0f | 00 04 4d 51 54 54 | 06 | 02 | 00 3c | 00 03 63 61 72").await;
    c.expect("20 02 | 00 | 01").await;
    c.expect_closed().await;

    let mut c = Raw::open(addr, "mqisdp5").await;
    c.send_hex("10 11 | 00 06 4d 51 49 73 64 70 | 05 | 02 | 00 3c | 00 03 63 61 72").await;
    c.expect("20 02 | 00 | 01").await;
    c.expect_closed().await;
}

/// [MQTT-3.1.3-8] [MQTT-3.1.3-6] [MQTT-3.2.2-4] [MQTT-3.2.2-5] An empty client id with clean session
/// 0 gets CONNACK 2; with clean session 1 it is accepted (the broker assigns an id). MQTT 3.1 allows
/// 1 to 23 characters: 24 get CONNACK 2, 23 are accepted.
#[tokio::test]
async fn connack_2_identifier_rejected() {
    let (_server, addr) = broker(config()).await;
    let mut c = Raw::open(addr, "empty-persistent").await;
    c.send_hex("10 0c | 00 04 4d 51 54 54 | 04 | 00 | 00 3c | 00 00").await;
    c.expect("20 02 | 00 | 02").await;
    c.expect_closed().await;

    let mut c = Raw::open(addr, "empty-clean").await;
    c.send_hex("10 0c | 00 04 4d 51 54 54 | 04 | 02 | 00 3c | 00 00").await;
    c.expect("20 02 | 00 | 00").await;
    c.ping().await;

    let mut c = Raw::open(addr, "v31-24").await;
    c.send(&Conn::new(&"x".repeat(24)).v31().bytes()).await;
    c.expect("20 02 | 00 | 02").await;
    c.expect_closed().await;

    let mut c = Raw::open(addr, "v31-23").await;
    c.send(&Conn::new(&"y".repeat(23)).v31().bytes()).await;
    c.expect("20 02 | 00 | 00").await;
    c.ping().await;
}

/// [MQTT-3.2.2-4] [MQTT-3.2.2-5] [MQTT-3.1.4-2] With `max_connections: 1` a second client gets
/// CONNACK 3 and is closed; the same client id reconnecting is a takeover, not a new connection;
/// once the first client leaves another one is accepted.
#[tokio::test]
async fn connack_3_server_unavailable_at_the_connection_limit() {
    let (_server, addr) = broker(Config { max_connections: 1, ..config() }).await;
    let first = Raw::connect(addr, &Conn::new("a")).await;
    let mut second = Raw::open(addr, "b").await;
    second.send(&Conn::new("b").bytes()).await;
    second.expect("20 02 | 00 | 03").await;
    second.expect_closed().await;

    // The same client id again: takes the slot over.
    let mut again = Raw::connect(addr, &Conn::new("a")).await;
    again.ping().await;
    drop(first);
    again.disconnect().await;

    let mut third = Raw::connect(addr, &Conn::new("b")).await;
    third.ping().await;
}

/// [MQTT-3.2.2-4] [MQTT-3.2.2-5] §3.1.4 With a password table: no user name → CONNACK 5;
/// a wrong password, an unknown user or a missing password → CONNACK 4; each refused connection is
/// closed. The right password → CONNACK 0.
#[tokio::test]
async fn connack_4_and_5_with_passwords() {
    let passwords = mqtt_lab::broker::auth::Passwords::from_plain([("alice", "secret")]);
    let (_server, addr) = broker(Config { passwords: Some(passwords), ..config() }).await;

    let mut c = Raw::open(addr, "anonymous").await;
    c.send_hex(CONNECT_CAR).await;
    c.expect("20 02 | 00 | 05").await;
    c.expect_closed().await;

    // user alice, password "wrong"
    let mut c = Raw::open(addr, "wrong-password").await;
    c.send_hex(
        "10 1d | 00 04 4d 51 54 54 | 04 | c2 | 00 3c | 00 03 63 61 72 | 00 05 61 6c 69 63 65 | 00 05 77 72 6f 6e 67",
    )
    .await;
    c.expect("20 02 | 00 | 04").await;
    c.expect_closed().await;

    // user bob (unknown), password "secret"
    let mut c = Raw::open(addr, "unknown-user").await;
    c.send_hex(
        "10 1c | 00 04 4d 51 54 54 | 04 | c2 | 00 3c | 00 03 63 61 72 | 00 03 62 6f 62 | 00 06 73 65 63 72 65 74",
    )
    .await;
    c.expect("20 02 | 00 | 04").await;
    c.expect_closed().await;

    // user alice without a password
    let mut c = Raw::open(addr, "no-password").await;
    c.send_hex("10 16 | 00 04 4d 51 54 54 | 04 | 82 | 00 3c | 00 03 63 61 72 | 00 05 61 6c 69 63 65").await;
    c.expect("20 02 | 00 | 04").await;
    c.expect_closed().await;

    // user alice, password "secret"
    let mut c = Raw::open(addr, "alice").await;
    c.send_hex(
        "10 1e | 00 04 4d 51 54 54 | 04 | c2 | 00 3c | 00 03 63 61 72 | 00 05 61 6c 69 63 65 | 00 06 73 65 63 72 65 74",
    )
    .await;
    c.expect("20 02 | 00 | 00").await;
    c.ping().await;
}

/// [MQTT-3.2.2-2] [MQTT-3.2.2-3] [MQTT-3.2.2-1] [MQTT-3.1.2-6] Session Present is 1 when a clean
/// session 0 client comes back to its stored session, 0 the first time, 0 with clean session 1 —
/// which also discards the stored session, so the next clean session 0 connect finds none.
#[tokio::test]
async fn session_present_flag_on_reconnect() {
    let (_server, addr) = broker(config()).await;
    // "phone", clean session 0
    let persistent = "10 11 | 00 04 4d 51 54 54 | 04 | 00 | 00 3c | 00 05 70 68 6f 6e 65";
    // "phone", clean session 1
    let clean = "10 11 | 00 04 4d 51 54 54 | 04 | 02 | 00 3c | 00 05 70 68 6f 6e 65";
    for (connect, connack) in [
        (persistent, "20 02 | 00 | 00"),
        (persistent, "20 02 | 01 | 00"),
        (persistent, "20 02 | 01 | 00"),
        (clean, "20 02 | 00 | 00"),
        (persistent, "20 02 | 00 | 00"),
    ] {
        let mut c = Raw::open(addr, "phone").await;
        c.send_hex(connect).await;
        c.expect(connack).await;
        c.disconnect().await;
    }
}

/// [MQTT-3.1.4-2] A second connection with a connected client id takes over: the new one gets
/// CONNACK 0, the broker closes the old socket.
#[tokio::test]
async fn takeover_closes_the_old_socket() {
    let (server, addr) = broker(config()).await;
    let mut events = server.events();
    let mut old = Raw::connect(addr, &Conn::new("car")).await;
    let old_conn = server.conn_of("car").expect("car is connected");
    let mut new = Raw::connect(addr, &Conn::new("car")).await;
    old.expect_closed().await;
    let (o, n) = wait_event(&mut events, |e| match e {
        Event::TakenOver { old_conn, new_conn, .. } => Some((*old_conn, *new_conn)),
        _ => None,
    })
    .await;
    assert_eq!(o, old_conn);
    assert_eq!(server.conn_of("car"), Some(n));
    new.ping().await;
}

// ---- topics -------------------------------------------------------------------------------------

/// §4.7.1.2 §4.7.1.3 [MQTT-4.7.2-1] `+` matches exactly one level, `#` the parent and
/// every level below; topics starting with `$` are not matched by `#` or by a filter starting with
/// `+`, only by a filter that names them.
#[tokio::test]
async fn wildcards_and_dollar_topics() {
    let (_server, addr) = broker(config()).await;
    let mut subs = Vec::new();
    for (name, filter) in [
        ("plus", "car/+"),
        ("hash", "car/#"),
        ("all", "#"),
        ("plus-info", "+/info"),
        ("lab", "$lab/#"),
        ("front", "+/+/front"),
    ] {
        let mut c = Raw::connect(addr, &Conn::new(name)).await;
        c.subscribe(1, filter, 0).await;
        if filter != "#" {
            c.subscribe(2, "end", 0).await;
        }
        subs.push((name, c));
    }
    let mut p = Raw::connect(addr, &Conn::new("pub")).await;
    for topic in ["car/speed", "car/speed/front", "car", "$lab/info", "car/", "end"] {
        p.send(&publish(0, topic, 0, "x")).await;
    }
    let want: HashMap<&str, Vec<&str>> = HashMap::from([
        ("plus", vec!["car/speed", "car/"]),
        ("hash", vec!["car/speed", "car/speed/front", "car", "car/"]),
        ("all", vec!["car/speed", "car/speed/front", "car", "car/"]),
        ("plus-info", vec![]),
        ("lab", vec!["$lab/info"]),
        ("front", vec!["car/speed/front"]),
    ]);
    for (name, mut c) in subs {
        assert_eq!(topics_until_end(&mut c).await, want[name], "subscriber {name}");
    }
}

// ---- QoS ----------------------------------------------------------------------------------------

/// [MQTT-1.5.3-1] [MQTT-4.7.3-4] Topics are UTF-8: multi-byte topic levels (汽车/速度) match `+`
/// and `#` like any other, and are matched byte for byte, not case-folded or normalised.
#[tokio::test]
async fn multibyte_utf8_topics_route() {
    let (_server, addr) = broker(config()).await;
    let mut sub = Raw::connect(addr, &Conn::new("phone")).await;
    // SUBSCRIBE id 1: 汽车/+ QoS 0 (e6 b1 bd e8 bd a6 = 汽车)
    sub.send_hex("82 0d | 00 01 | 00 08 e6 b1 bd e8 bd a6 2f 2b | 00").await;
    sub.expect("90 03 | 00 01 | 00").await;
    sub.subscribe(2, "end", 0).await;
    let mut p = Raw::connect(addr, &Conn::new("car")).await;
    // 汽车/速度 = "60"
    p.send_hex("30 11 | 00 0d e6 b1 bd e8 bd a6 2f e9 80 9f e5 ba a6 | 36 30").await;
    p.send(&publish(0, "汽车", 0, "x")).await;
    p.send(&publish(0, "Car/速度", 0, "x")).await;
    p.send(&publish(0, "end", 0, "")).await;
    sub.expect("30 11 | 00 0d e6 b1 bd e8 bd a6 2f e9 80 9f e5 ba a6 | 36 30").await;
    sub.expect("30 05 | 00 03 65 6e 64").await;
}

/// [MQTT-4.6.0-6] QoS 1 messages from one publisher reach a subscriber
/// in the order they were sent, and PUBACKs come back in order too.
#[tokio::test]
async fn qos1_order_is_kept() {
    let (_server, addr) = broker(config()).await;
    let mut sub = Raw::connect(addr, &Conn::new("phone")).await;
    sub.subscribe(1, "car/speed", 1).await;
    let mut p = Raw::connect(addr, &Conn::new("car")).await;
    let mut burst = Vec::new();
    for i in 1..=20u16 {
        burst.extend(publish(0x02, "car/speed", i, &format!("{i}")));
    }
    p.send(&burst).await;
    for i in 1..=20u16 {
        p.expect(&format!("40 02 {}", u16h(i))).await;
    }
    for i in 1..=20u16 {
        let m = sub.recv_publish().await;
        assert_eq!((m.qos(), m.text()), (1, i.to_string()));
        sub.send_hex(&format!("40 02 {}", u16h(m.pid.expect("pid")))).await;
    }
}

/// [MQTT-4.3.2-2] [MQTT-2.3.1-6] [MQTT-4.3.2-1] QoS 1: the publisher gets PUBACK
/// with its own packet id; the subscriber gets the message with a packet id of the broker's choice,
/// DUP 0, and its PUBACK with that id settles the delivery.
#[tokio::test]
async fn qos1_flow() {
    let (server, addr) = broker(config()).await;
    let mut sub = Raw::connect(addr, &Conn::new("phone")).await;
    sub.send_hex("82 0e | 00 01 | 00 09 63 61 72 2f 73 70 65 65 64 | 01").await;
    sub.expect("90 03 | 00 01 | 01").await;

    let mut p = Raw::connect(addr, &Conn::new("car")).await;
    p.send_hex("32 0f | 00 09 63 61 72 2f 73 70 65 65 64 | 00 07 | 35 35").await;
    p.expect("40 02 | 00 07").await;

    let m = sub.recv_publish().await;
    let pid = m.pid.expect("QoS 1 has a packet id");
    assert_ne!(pid, 0, "[MQTT-2.3.1-1] packet id 0");
    assert_eq!(
        to_hex(&publish(0x02, "car/speed", pid, "55")),
        to_hex(&publish(m.byte1 & 0x0f, &m.topic, pid, &m.text())),
        "QoS 1, DUP 0, RETAIN 0, same topic and payload"
    );
    assert_eq!(m.byte1, 0x32);
    let inflight = |s: &mqtt_lab::runtime::Server| s.with_broker(|b| b.session("phone").map(|s| s.inflight.len()));
    assert_eq!(inflight(&server), Some(1), "unacknowledged until PUBACK");
    sub.send_hex(&format!("40 02 | {}", u16h(pid))).await;
    eventually("phone's PUBACK settles the message", || inflight(&server) == Some(0)).await;
    sub.expect_silence(SHORT).await;
}

/// [MQTT-4.3.3-2] [MQTT-3.6.1-1] QoS 2 inbound: PUBLISH
/// → PUBREC, PUBREL (flags 0010) → PUBCOMP. The same PUBLISH id sent again (DUP=1) before PUBREL is
/// answered with PUBREC but delivered once; after PUBREL the id is free and a new PUBLISH with it is
/// a new message.
#[tokio::test]
async fn qos2_inbound_exactly_once() {
    let (_server, addr) = broker(config()).await;
    let mut sub = Raw::connect(addr, &Conn::new("phone")).await;
    sub.subscribe(1, "car/speed", 0).await;
    sub.subscribe(2, "end", 0).await;
    let mut p = Raw::connect(addr, &Conn::new("car")).await;

    p.send_hex("34 0f | 00 09 63 61 72 2f 73 70 65 65 64 | 00 0a | 36 30").await;
    p.expect("50 02 | 00 0a").await;
    // The same message again, DUP=1, before PUBREL.
    p.send_hex("3c 0f | 00 09 63 61 72 2f 73 70 65 65 64 | 00 0a | 36 30").await;
    p.expect("50 02 | 00 0a").await;
    p.send_hex("62 02 | 00 0a").await;
    p.expect("70 02 | 00 0a").await;
    // Id 10 again, after PUBCOMP: a new message.
    p.send_hex("34 0f | 00 09 63 61 72 2f 73 70 65 65 64 | 00 0a | 36 31").await;
    p.expect("50 02 | 00 0a").await;
    p.send_hex("62 02 | 00 0a").await;
    p.expect("70 02 | 00 0a").await;
    p.send(&publish(0, "end", 0, "")).await;

    sub.expect("30 0d | 00 09 63 61 72 2f 73 70 65 65 64 | 36 30").await;
    sub.expect("30 0d | 00 09 63 61 72 2f 73 70 65 65 64 | 36 31").await;
    sub.expect("30 05 | 00 03 65 6e 64").await;
}

/// [MQTT-4.3.3-1] [MQTT-3.6.1-1] QoS 2 outbound: the broker sends PUBLISH QoS 2, the client answers
/// PUBREC, the broker sends PUBREL (62), the client PUBCOMP, and the message is settled.
#[tokio::test]
async fn qos2_outbound_to_a_subscriber() {
    let (server, addr) = broker(config()).await;
    let mut sub = Raw::connect(addr, &Conn::new("phone")).await;
    sub.subscribe(1, "car/speed", 2).await;
    let mut p = Raw::connect(addr, &Conn::new("car")).await;
    p.send_hex("34 0f | 00 09 63 61 72 2f 73 70 65 65 64 | 00 01 | 37 30").await;
    p.expect("50 02 | 00 01").await;

    let m = sub.recv_publish().await;
    assert_eq!(m.byte1, 0x34, "QoS 2, DUP 0, RETAIN 0");
    assert_eq!((m.topic.as_str(), m.text().as_str()), ("car/speed", "70"));
    let pid = u16h(m.pid.expect("packet id"));
    sub.send_hex(&format!("50 02 | {pid}")).await;
    sub.expect(&format!("62 02 | {pid}")).await;
    sub.send_hex(&format!("70 02 | {pid}")).await;
    eventually("PUBCOMP settles the message", || {
        server.with_broker(|b| b.session("phone").is_some_and(|s| s.inflight.is_empty()))
    })
    .await;
    p.send_hex("62 02 | 00 01").await;
    p.expect("70 02 | 00 01").await;
    sub.expect_silence(SHORT).await;
}

/// [MQTT-4.4.0-1] [MQTT-3.3.1-1] [MQTT-2.3.1-4] A persistent QoS 1 subscriber that received a message
/// but did not acknowledge it gets it again after reconnecting: DUP=1 (0x3a) and the same packet id.
/// At QoS 2, a PUBREC that was answered with PUBREL before the drop gets the PUBREL again.
#[tokio::test]
async fn unacknowledged_messages_are_resent_after_reconnect() {
    let (_server, addr) = broker(config()).await;
    let phone = Conn::new("phone").clean(false);
    let mut sub = Raw::connect(addr, &phone).await;
    sub.subscribe(1, "car/speed", 1).await;
    sub.subscribe(2, "car/gear", 2).await;
    let mut p = Raw::connect(addr, &Conn::new("car")).await;
    p.send_hex("32 0f | 00 09 63 61 72 2f 73 70 65 65 64 | 00 01 | 38 30").await;
    p.expect("40 02 | 00 01").await;
    let first = sub.recv_publish().await;
    assert_eq!(first.byte1, 0x32);
    let pid = first.pid.expect("packet id");
    drop(sub); // no PUBACK

    let mut sub = Raw::open(addr, "phone again").await;
    sub.send(&phone.bytes()).await;
    sub.expect("20 02 | 01 | 00").await;
    sub.expect_bytes(&publish(0x0a, "car/speed", pid, "80")).await;
    sub.send_hex(&format!("40 02 | {}", u16h(pid))).await;

    // QoS 2: PUBREC is answered with PUBREL; the client drops before PUBCOMP.
    p.send_hex("34 0d | 00 08 63 61 72 2f 67 65 61 72 | 00 02 | 33").await;
    p.expect("50 02 | 00 02").await;
    let m = sub.recv_publish().await;
    assert_eq!((m.byte1, m.topic.as_str()), (0x34, "car/gear"));
    let pid2 = u16h(m.pid.expect("packet id"));
    sub.send_hex(&format!("50 02 | {pid2}")).await;
    sub.expect(&format!("62 02 | {pid2}")).await;
    drop(sub);

    let mut sub = Raw::open(addr, "phone third time").await;
    sub.send(&phone.bytes()).await;
    sub.expect("20 02 | 01 | 00").await;
    sub.expect(&format!("62 02 | {pid2}")).await;
    sub.send_hex(&format!("70 02 | {pid2}")).await;
    sub.expect_silence(SHORT).await;
}

/// [MQTT-3.3.5-1] Overlapping subscriptions of one client (`car/#` QoS 0 and `car/speed` QoS 1):
/// one delivery, at the highest granted QoS.
#[tokio::test]
async fn overlapping_subscriptions_deliver_once_at_the_highest_qos() {
    let (_server, addr) = broker(config()).await;
    let mut sub = Raw::connect(addr, &Conn::new("phone")).await;
    // SUBSCRIBE id 1: car/# QoS 0, car/speed QoS 1 → SUBACK 0, 1
    sub.send_hex("82 16 | 00 01 | 00 05 63 61 72 2f 23 | 00 | 00 09 63 61 72 2f 73 70 65 65 64 | 01").await;
    sub.expect("90 04 | 00 01 | 00 01").await;
    let mut p = Raw::connect(addr, &Conn::new("car")).await;
    p.send_hex("32 0f | 00 09 63 61 72 2f 73 70 65 65 64 | 00 05 | 39 30").await;
    p.expect("40 02 | 00 05").await;
    p.send(&publish(0, "car/end", 0, "")).await;

    let m = sub.recv_publish().await;
    assert_eq!((m.byte1, m.topic.as_str(), m.text().as_str()), (0x32, "car/speed", "90"));
    sub.send_hex(&format!("40 02 | {}", u16h(m.pid.expect("pid")))).await;
    let next = sub.recv_publish().await;
    assert_eq!(next.topic, "car/end", "a second copy of car/speed was delivered: {next:?}");
}

/// [MQTT-3.8.4-6] [MQTT-3.8.4-3] A message is delivered at the minimum of its QoS and the
/// subscription's granted QoS; subscribing again to the same filter replaces the subscription.
#[tokio::test]
async fn delivery_qos_is_the_minimum_of_publish_and_granted() {
    let (_server, addr) = broker(config()).await;
    let mut sub = Raw::connect(addr, &Conn::new("phone")).await;
    sub.subscribe(1, "q0", 0).await;
    sub.subscribe(2, "q1", 1).await;
    sub.subscribe(3, "q2", 2).await;
    let mut p = Raw::connect(addr, &Conn::new("car")).await;
    // (topic, publish QoS, expected delivery QoS)
    for (topic, qos, want) in [("q0", 2, 0), ("q1", 2, 1), ("q1", 0, 0), ("q2", 1, 1), ("q2", 2, 2), ("q0", 1, 0)] {
        p.send(&publish(qos << 1, topic, 9, "m")).await;
        match qos {
            1 => p.expect("40 02 00 09").await,
            2 => {
                p.expect("50 02 00 09").await;
                p.send_hex("62 02 00 09").await;
                p.expect("70 02 00 09").await;
            }
            _ => {}
        }
        let m = sub.recv_publish().await;
        assert_eq!((m.topic.as_str(), m.qos()), (topic, want), "published at QoS {qos}");
        match (want, m.pid) {
            (1, Some(pid)) => sub.send_hex(&format!("40 02 {}", u16h(pid))).await,
            (2, Some(pid)) => {
                sub.send_hex(&format!("50 02 {}", u16h(pid))).await;
                sub.expect(&format!("62 02 {}", u16h(pid))).await;
                sub.send_hex(&format!("70 02 {}", u16h(pid))).await;
            }
            _ => {}
        }
    }
    // q2 again at QoS 0 replaces the QoS 2 subscription.
    sub.subscribe(4, "q2", 0).await;
    p.send(&publish(0x04, "q2", 9, "m")).await;
    p.expect("50 02 00 09").await;
    sub.expect("30 05 | 00 02 71 32 | 6d").await;
    sub.expect_silence(SHORT).await;
}

// ---- retained messages --------------------------------------------------------------------------

/// [MQTT-3.3.1-5] [MQTT-3.3.1-6] [MQTT-3.3.1-8] [MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11]
/// [MQTT-3.3.1-12] A retained message is replayed with RETAIN=1 to a new subscription, forwarded
/// with RETAIN=0 to existing ones, replaced by the next retained message (not by a non-retained
/// one), and cleared by an empty retained message so that a later subscriber gets nothing.
#[tokio::test]
async fn retained_set_replace_and_clear() {
    let (_server, addr) = broker(config()).await;
    let mut p = Raw::connect(addr, &Conn::new("car")).await;
    // Retained, QoS 0: car/speed = "50"
    p.send_hex("31 0d | 00 09 63 61 72 2f 73 70 65 65 64 | 35 30").await;

    let mut a = Raw::connect(addr, &Conn::new("a")).await;
    a.subscribe(1, "car/#", 0).await;
    a.expect("31 0d | 00 09 63 61 72 2f 73 70 65 65 64 | 35 30").await;

    // A new retained value: forwarded live with RETAIN=0.
    p.send_hex("31 0d | 00 09 63 61 72 2f 73 70 65 65 64 | 36 30").await;
    a.expect("30 0d | 00 09 63 61 72 2f 73 70 65 65 64 | 36 30").await;
    // Not retained: forwarded, but the retained value stays "60".
    p.send_hex("30 0d | 00 09 63 61 72 2f 73 70 65 65 64 | 37 30").await;
    a.expect("30 0d | 00 09 63 61 72 2f 73 70 65 65 64 | 37 30").await;

    let mut b = Raw::connect(addr, &Conn::new("b")).await;
    b.subscribe(1, "car/speed", 0).await;
    b.expect("31 0d | 00 09 63 61 72 2f 73 70 65 65 64 | 36 30").await;

    // Empty retained payload: forwarded to existing subscribers, and clears the store.
    p.send_hex("31 0b | 00 09 63 61 72 2f 73 70 65 65 64").await;
    a.expect("30 0b | 00 09 63 61 72 2f 73 70 65 65 64").await;
    b.expect("30 0b | 00 09 63 61 72 2f 73 70 65 65 64").await;

    let mut c = Raw::connect(addr, &Conn::new("c")).await;
    c.subscribe(1, "car/#", 0).await;
    c.expect_silence(SHORT).await;
}

/// [MQTT-3.3.1-6] [MQTT-3.8.4-6] A retained QoS 1 message is replayed at the subscription's QoS
/// (the lower of the two).
#[tokio::test]
async fn retained_replay_respects_the_granted_qos() {
    let (_server, addr) = broker(config()).await;
    let mut p = Raw::connect(addr, &Conn::new("car")).await;
    p.send_hex("33 0f | 00 09 63 61 72 2f 73 70 65 65 64 | 00 03 | 35 35").await;
    p.expect("40 02 | 00 03").await;
    let mut q0 = Raw::connect(addr, &Conn::new("q0")).await;
    q0.subscribe(1, "car/speed", 0).await;
    q0.expect("31 0d | 00 09 63 61 72 2f 73 70 65 65 64 | 35 35").await;
    let mut q2 = Raw::connect(addr, &Conn::new("q2")).await;
    q2.subscribe(1, "car/speed", 2).await;
    let m = q2.recv_publish().await;
    assert_eq!((m.byte1, m.topic.as_str(), m.text().as_str()), (0x33, "car/speed", "55"));
}

// ---- sessions -----------------------------------------------------------------------------------

/// [MQTT-3.1.2-4] [MQTT-3.1.2-5] While a persistent session's client is away, QoS 1 messages for it
/// are queued and delivered on reconnect; QoS 0 messages are not kept.
#[tokio::test]
async fn offline_queue_keeps_qos1_not_qos0() {
    let (_server, addr) = broker(config()).await;
    let phone = Conn::new("phone").clean(false);
    let mut sub = Raw::connect(addr, &phone).await;
    sub.subscribe(1, "car/#", 1).await;
    sub.disconnect().await;

    let mut p = Raw::connect(addr, &Conn::new("car")).await;
    p.send(&publish(0x02, "car/a", 1, "1")).await;
    p.expect("40 02 00 01").await;
    p.send(&publish(0x00, "car/b", 0, "2")).await;
    p.send(&publish(0x02, "car/c", 2, "3")).await;
    p.expect("40 02 00 02").await;

    let mut sub = Raw::open(addr, "phone").await;
    sub.send(&phone.bytes()).await;
    sub.expect("20 02 | 01 | 00").await;
    for (topic, payload) in [("car/a", "1"), ("car/c", "3")] {
        let m = sub.recv_publish().await;
        assert_eq!((m.qos(), m.topic.as_str(), m.text().as_str()), (1, topic, payload));
        sub.send_hex(&format!("40 02 {}", u16h(m.pid.expect("pid")))).await;
    }
    p.send(&publish(0x00, "car/live", 0, "4")).await;
    let m = sub.recv_publish().await;
    assert_eq!(m.topic, "car/live", "the QoS 0 message sent while offline must not be queued");
}

// ---- wills --------------------------------------------------------------------------------------

/// [MQTT-3.1.2-8] A client whose socket closes without DISCONNECT has its will published.
#[tokio::test]
async fn will_is_published_when_the_socket_drops() {
    let (_server, addr) = broker(config()).await;
    let mut watcher = Raw::connect(addr, &Conn::new("watcher")).await;
    watcher.subscribe(1, "will/#", 0).await;
    // CONNECT "car", will flag, will QoS 0: will/car = "gone"
    let mut car = Raw::open(addr, "car").await;
    car.send_hex("10 1f | 00 04 4d 51 54 54 | 04 | 06 | 00 3c | 00 03 63 61 72 | 00 08 77 69 6c 6c 2f 63 61 72 | 00 04 67 6f 6e 65")
        .await;
    car.expect("20 02 00 00").await;
    drop(car);
    watcher.expect("30 0e | 00 08 77 69 6c 6c 2f 63 61 72 | 67 6f 6e 65").await;
}

/// [MQTT-3.1.2-10] [MQTT-3.14.4-3] DISCONNECT discards the will: closing the socket afterwards
/// publishes nothing.
#[tokio::test]
async fn no_will_after_disconnect() {
    let (_server, addr) = broker(config()).await;
    let mut watcher = Raw::connect(addr, &Conn::new("watcher")).await;
    watcher.subscribe(1, "will/#", 0).await;
    let car = Raw::connect(addr, &Conn::new("car").will("will/car", "gone", 0, false)).await;
    car.disconnect().await;
    watcher.expect_silence(Duration::from_millis(500)).await;
}

/// [MQTT-3.1.2-17] [MQTT-3.3.1-9] A will with Will Retain 1 is published as a retained message:
/// live subscribers get it with RETAIN=0, a later subscriber gets it replayed with RETAIN=1.
#[tokio::test]
async fn will_retain_is_stored() {
    let (_server, addr) = broker(config()).await;
    let mut watcher = Raw::connect(addr, &Conn::new("watcher")).await;
    watcher.subscribe(1, "will/#", 0).await;
    // will flag, will QoS 1, will retain: flags 0x2e
    let mut car = Raw::open(addr, "car").await;
    car.send_hex("10 1f | 00 04 4d 51 54 54 | 04 | 2e | 00 3c | 00 03 63 61 72 | 00 08 77 69 6c 6c 2f 63 61 72 | 00 04 67 6f 6e 65")
        .await;
    car.expect("20 02 00 00").await;
    drop(car);
    watcher.expect("30 0e | 00 08 77 69 6c 6c 2f 63 61 72 | 67 6f 6e 65").await;
    let mut late = Raw::connect(addr, &Conn::new("late")).await;
    late.subscribe(1, "will/car", 0).await;
    late.expect("31 0e | 00 08 77 69 6c 6c 2f 63 61 72 | 67 6f 6e 65").await;
}

// ---- keep alive ---------------------------------------------------------------------------------

/// [MQTT-3.1.2-24] [MQTT-3.1.2-8] A client with keep alive 1 s that stays silent is disconnected
/// after about 1.5 s and its will is published.
#[tokio::test]
async fn keepalive_expiry_closes_and_publishes_the_will() {
    let (_server, addr) = broker(config()).await;
    let mut watcher = Raw::connect(addr, &Conn::new("watcher")).await;
    watcher.subscribe(1, "will/#", 0).await;
    // CONNECT "car", keep alive 1, will/car = "gone"
    let mut car = Raw::open(addr, "car").await;
    car.send_hex("10 1f | 00 04 4d 51 54 54 | 04 | 06 | 00 01 | 00 03 63 61 72 | 00 08 77 69 6c 6c 2f 63 61 72 | 00 04 67 6f 6e 65")
        .await;
    car.expect("20 02 00 00").await;
    let t0 = Instant::now();
    watcher.expect("30 0e | 00 08 77 69 6c 6c 2f 63 61 72 | 67 6f 6e 65").await;
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_millis(1400) && waited <= Duration::from_secs(3),
        "keep alive 1 s: expected the will after about 1.5 s, got it after {waited:?}"
    );
    car.expect_closed().await;
}

/// [MQTT-3.12.4-1] [MQTT-3.1.2-23] A client that sends PINGREQ every 0.5 s with keep alive 1 s gets
/// PINGRESP (d0 00) each time and stays connected for 3 s.
#[tokio::test]
async fn pingreq_keeps_the_connection_alive() {
    let (server, addr) = broker(config()).await;
    let mut watcher = Raw::connect(addr, &Conn::new("watcher")).await;
    watcher.subscribe(1, "will/#", 0).await;
    let mut car = Raw::connect(addr, &Conn::new("car").keep_alive(1).will("will/car", "gone", 0, false)).await;
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        car.send_hex("c0 00").await;
        car.expect("d0 00").await;
    }
    assert!(server.conn_of("car").is_some(), "car must still be connected");
    watcher.expect_silence(Duration::from_millis(100)).await;
    car.disconnect().await;
}

// ---- ACL ----------------------------------------------------------------------------------------

/// [MQTT-3.9.3-1] [MQTT-3.9.3-2] With an ACL: a refused filter gets SUBACK 0x80 next to the granted
/// ones; a PUBLISH the client may not make is acknowledged (3.1.1 has no error code for it) and
/// silently dropped.
#[tokio::test]
async fn acl_refuses_subscriptions_and_drops_unauthorised_publishes() {
    let acl = Acl::parse("topic readwrite car/#\ntopic read news/#\n").expect("ACL");
    let (_server, addr) = broker(Config { acl: Some(acl), ..config() }).await;
    let mut sub = Raw::connect(addr, &Conn::new("reader")).await;
    // SUBSCRIBE id 1: news/# QoS 1, secret/# QoS 1, car/# QoS 0 → SUBACK 1, 0x80, 0
    sub.send_hex(
        "82 1e | 00 01 | 00 06 6e 65 77 73 2f 23 | 01 | 00 08 73 65 63 72 65 74 2f 23 | 01 | 00 05 63 61 72 2f 23 | 00",
    )
    .await;
    sub.expect("90 05 | 00 01 | 01 80 00").await;

    let mut p = Raw::connect(addr, &Conn::new("writer")).await;
    // news/flash is read-only: PUBACK, not delivered.
    p.send_hex("32 0f | 00 0a 6e 65 77 73 2f 66 6c 61 73 68 | 00 01 | 21").await;
    p.expect("40 02 | 00 01").await;
    // car/speed is allowed.
    p.send_hex("32 0e | 00 09 63 61 72 2f 73 70 65 65 64 | 00 02 | 21").await;
    p.expect("40 02 | 00 02").await;
    sub.expect("30 0c | 00 09 63 61 72 2f 73 70 65 65 64 | 21").await;
    sub.expect_silence(SHORT).await;
}

// ---- UNSUBSCRIBE --------------------------------------------------------------------------------

/// [MQTT-3.10.4-4] [MQTT-3.10.4-5] [MQTT-3.10.4-2] [MQTT-3.10.4-1] UNSUBACK answers UNSUBSCRIBE
/// with the same packet id, even for a filter the client never subscribed to (which changes
/// nothing); after unsubscribing no more messages arrive.
#[tokio::test]
async fn unsubscribe_unknown_filter_and_stop_deliveries() {
    let (_server, addr) = broker(config()).await;
    let mut sub = Raw::connect(addr, &Conn::new("phone")).await;
    sub.subscribe(1, "car/speed", 0).await;
    sub.subscribe(2, "end", 0).await;
    let mut p = Raw::connect(addr, &Conn::new("car")).await;

    // UNSUBSCRIBE id 5: car/unknown
    sub.send_hex("a2 0f | 00 05 | 00 0b 63 61 72 2f 75 6e 6b 6e 6f 77 6e").await;
    sub.expect("b0 02 | 00 05").await;
    // car/+ is not car/speed: filters are compared letter by letter.
    sub.send_hex("a2 09 | 00 06 | 00 05 63 61 72 2f 2b").await;
    sub.expect("b0 02 | 00 06").await;
    p.send_hex("30 0c | 00 09 63 61 72 2f 73 70 65 65 64 | 31").await;
    sub.expect("30 0c | 00 09 63 61 72 2f 73 70 65 65 64 | 31").await;

    // UNSUBSCRIBE id 7: car/speed
    sub.send_hex("a2 0d | 00 07 | 00 09 63 61 72 2f 73 70 65 65 64").await;
    sub.expect("b0 02 | 00 07").await;
    p.send_hex("30 0c | 00 09 63 61 72 2f 73 70 65 65 64 | 32").await;
    p.send(&publish(0, "end", 0, "")).await;
    sub.expect("30 05 | 00 03 65 6e 64").await;
}

// ---- malformed input ----------------------------------------------------------------------------

/// Connects a probe pair, then a client "bad" (with a will on will/bad when `connect_first`) that
/// sends `bad`: the broker must close that client only, publish its will, and keep routing for the
/// others; a new client can still connect.
async fn bad_client_is_closed_alone(config: Config, connect_first: bool, bad: &[u8]) {
    let (_server, addr) = broker(config).await;
    let mut probe = Probe::new(addr).await;
    probe.check().await;
    let mut c = Raw::open(addr, "bad").await;
    if connect_first {
        c.send(&Conn::new("bad").will("will/bad", "bad-gone", 0, false).bytes()).await;
        c.expect("20 02 00 00").await;
    }
    let _ = c.send_raw(bad).await;
    c.expect_closed().await;
    if connect_first {
        // The will of a client closed for a protocol error is published.
        probe.sub.expect("30 12 | 00 08 77 69 6c 6c 2f 62 61 64 | 62 61 64 2d 67 6f 6e 65").await;
    }
    probe.check().await;
    let mut fresh = Raw::connect(addr, &Conn::new("fresh")).await;
    fresh.ping().await;
    probe.check().await;
}

/// §2.2.3 [MQTT-4.8.0-1] A remaining length of five bytes (the fourth still continues).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_five_byte_remaining_length() {
    bad_client_is_closed_alone(config(), true, &hex("30 | ff ff ff ff 01")).await;
}

/// [MQTT-3.3.1-4] A PUBLISH with both QoS bits set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_qos_3() {
    bad_client_is_closed_alone(config(), true, &hex("36 09 | 00 03 63 61 72 | 00 01 | 68 69")).await;
}

/// [MQTT-2.2.2-1] [MQTT-2.2.2-2] DISCONNECT with a reserved flag bit set is not a DISCONNECT: the
/// connection is closed as malformed and the will published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_disconnect_flags() {
    bad_client_is_closed_alone(config(), true, &hex("e1 00")).await;
}

/// [MQTT-3.6.1-1] [MQTT-2.2.2-2] PUBREL must have flags 0010; 0000 is malformed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_pubrel_flags() {
    bad_client_is_closed_alone(config(), true, &hex("60 02 | 00 01")).await;
}

/// [MQTT-3.8.1-1] SUBSCRIBE must have flags 0010; 0000 is malformed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_subscribe_flags() {
    bad_client_is_closed_alone(config(), true, &hex("80 08 | 00 01 | 00 03 63 61 72 | 00")).await;
}

/// [MQTT-3.3.2-2] A topic name with a wildcard (`car/#`, then `car/+`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_wildcard_in_publish_topic() {
    bad_client_is_closed_alone(config(), true, &hex("30 09 | 00 05 63 61 72 2f 23 | 68 69")).await;
    bad_client_is_closed_alone(config(), true, &hex("30 09 | 00 05 63 61 72 2f 2b | 68 69")).await;
}

/// [MQTT-1.5.3-1] A topic that is not well-formed UTF-8 (`c3 28`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_invalid_utf8_topic() {
    bad_client_is_closed_alone(config(), true, &hex("30 06 | 00 02 c3 28 | 68 69")).await;
}

/// [MQTT-4.8.0-2] With `max_packet_size: 1024`: a 1000-byte PUBLISH is delivered, a 2003-byte one
/// closes the connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packet_larger_than_max_packet_size() {
    let config = Config { max_packet_size: 1024, ..config() };
    {
        let (_server, addr) = broker(config.clone()).await;
        let mut probe = Probe::new(addr).await;
        let big = publish(0, "alive", 0, &"x".repeat(990));
        assert_eq!(big.len(), 1000);
        probe.publ.send(&big).await;
        probe.sub.expect_bytes(&big).await;
    }
    // remaining length 2000 = d0 0f
    let mut too_big = hex("30 d0 0f | 00 05 61 6c 69 76 65");
    too_big.extend(std::iter::repeat_n(b'x', 2000 - 7));
    bad_client_is_closed_alone(config, true, &too_big).await;
}

/// [MQTT-3.1.0-1] The first packet must be CONNECT: a PUBLISH first closes the connection, and is not
/// routed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_first_packet_not_connect() {
    bad_client_is_closed_alone(config(), false, &hex("30 0b | 00 05 61 6c 69 76 65 | 65 76 69 6c")).await;
    bad_client_is_closed_alone(config(), false, &hex("c0 00")).await;
}

/// [MQTT-3.1.0-2] A second CONNECT on a connection is a protocol violation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_second_connect() {
    bad_client_is_closed_alone(config(), true, &hex(CONNECT_CAR)).await;
}

// ---- the gate -----------------------------------------------------------------------------------

/// Waits until the gate holds at least `n` frames.
async fn held(server: &mqtt_lab::runtime::Server, n: usize) -> Vec<mqtt_lab::runtime::HeldFrame> {
    eventually(&format!("{n} frame(s) held at the gate"), || server.held().len() >= n).await;
    server.held()
}

/// [MQTT-4.3.3-2] Step mode: with the gate holding, a QoS 2 exchange advances one frame per
/// `release_next()`: PUBLISH in → PUBREC out → PUBREL in → PUBCOMP out, and nothing moves meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gate_steps_through_a_qos2_exchange() {
    let (server, addr) = broker(config()).await;
    let mut car = Raw::connect(addr, &Conn::new("car")).await;
    let conn = server.conn_of("car").expect("connected");
    server.set_hold(true);

    let steps = [
        (
            Some("34 0d | 00 08 63 61 72 2f 67 65 61 72 | 00 01 | 34"),
            Dir::In,
            "34 0d 00 08 63 61 72 2f 67 65 61 72 00 01 34",
        ),
        (None, Dir::Out, "50 02 00 01"),
        (Some("62 02 | 00 01"), Dir::In, "62 02 00 01"),
        (None, Dir::Out, "70 02 00 01"),
    ];
    for (send, dir, bytes) in steps {
        if let Some(f) = send {
            car.send_hex(f).await;
        }
        let h = held(&server, 1).await;
        assert_eq!(h.len(), 1, "one frame at a time: {h:?}");
        assert_eq!((h[0].dir, h[0].conn, to_hex(&h[0].bytes)), (dir, conn, bytes.to_string()));
        car.expect_silence(Duration::from_millis(150)).await;
        let released = server.release_next().expect("a held frame");
        assert_eq!(to_hex(&released.bytes), bytes);
        if dir == Dir::Out {
            car.expect(bytes).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(server.held().is_empty(), "nothing more: {:?}", server.held());
    server.set_hold(false);
    car.ping().await;
}

/// `drop_next()` on a held PUBACK: the publisher never gets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gate_drop_next_loses_a_puback() {
    let (server, addr) = broker(config()).await;
    let mut car = Raw::connect(addr, &Conn::new("car")).await;
    server.set_hold(true);
    car.send_hex("32 0d | 00 08 63 61 72 2f 67 65 61 72 | 00 07 | 35").await;
    let h = held(&server, 1).await;
    assert_eq!((h[0].dir, h[0].bytes[0]), (Dir::In, 0x32));
    server.release_next().expect("the PUBLISH");
    let h = held(&server, 1).await;
    assert_eq!((h[0].dir, to_hex(&h[0].bytes)), (Dir::Out, "40 02 00 07".to_string()));
    let dropped = server.drop_next().expect("the PUBACK");
    assert_eq!(to_hex(&dropped.bytes), "40 02 00 07");
    server.set_hold(false);
    // The next thing the publisher hears is its PINGRESP: the PUBACK is gone.
    car.send_hex("c0 00").await;
    car.expect("d0 00").await;
    car.expect_silence(SHORT).await;
}

/// [MQTT-3.1.2-24] [MQTT-3.1.2-8] `cut(Silent)`: the client keeps pinging but nothing gets through,
/// so the broker only notices when keep alive (1 s × 1.5) runs out: then the socket is closed and
/// the will published. `cut(Reset)`: the socket closes at once and the will is published at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gate_cut_silent_and_reset_publish_the_will() {
    let (server, addr) = broker(config()).await;
    let mut events = server.events();
    let mut watcher = Raw::connect(addr, &Conn::new("watcher")).await;
    watcher.subscribe(1, "will/#", 0).await;

    let mut car = Raw::connect(addr, &Conn::new("car").keep_alive(1).will("will/car", "tunnel", 0, false)).await;
    let conn = server.conn_of("car").expect("connected");
    let t0 = Instant::now();
    server.cut(conn, CutMode::Silent);
    loop {
        let _ = car.send_raw(&hex("c0 00")).await;
        match car.next(Duration::from_millis(300)).await {
            Read::Timeout => {}
            Read::Closed => break,
            Read::Frame(f) => panic!("a silently cut connection received {}", to_hex(&f)),
        }
        assert!(t0.elapsed() < WAIT, "the broker never noticed the silent cut");
    }
    let waited = t0.elapsed();
    assert!(waited >= Duration::from_millis(1000), "closed after {waited:?}, before keep alive × 1.5");
    watcher.expect("30 10 | 00 08 77 69 6c 6c 2f 63 61 72 | 74 75 6e 6e 65 6c").await;
    let cause = wait_event(&mut events, |e| match e {
        Event::WillPublished { client_id, cause, .. } if client_id == "car" => Some(*cause),
        _ => None,
    })
    .await;
    assert_eq!(cause, WillCause::KeepAliveExpired);

    let mut bus = Raw::connect(addr, &Conn::new("bus").will("will/bus", "plug", 0, false)).await;
    let conn = server.conn_of("bus").expect("connected");
    let t0 = Instant::now();
    server.cut(conn, CutMode::Reset);
    watcher.expect("30 0e | 00 08 77 69 6c 6c 2f 62 75 73 | 70 6c 75 67").await;
    assert!(t0.elapsed() < Duration::from_secs(1), "a reset is noticed at once, took {:?}", t0.elapsed());
    bus.expect_closed().await;
}

// ---- the tap ------------------------------------------------------------------------------------

/// The tap shows every frame in and out, in order, with the right connection and client id, and the
/// exact bytes that crossed the wire.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tap_records_frames_in_order_with_client_ids() {
    let (server, addr) = broker(config()).await;
    let tap = server.tap(1024);
    let mut phone = Raw::open(addr, "phone").await;
    phone.send(&Conn::new("phone").bytes()).await;
    phone.expect("20 02 00 00").await;
    phone.subscribe(1, "car/speed", 1).await;
    let mut car = Raw::connect(addr, &Conn::new("car")).await;
    car.send_hex("32 0f | 00 09 63 61 72 2f 73 70 65 65 64 | 00 07 | 35 35").await;
    car.expect("40 02 00 07").await;
    let m = phone.recv_publish().await;
    let pid = u16h(m.pid.expect("pid"));
    phone.send_hex(&format!("40 02 {pid}")).await;
    eventually("phone's PUBACK reaches the broker", || {
        server.with_broker(|b| b.session("phone").is_some_and(|s| s.inflight.is_empty()))
    })
    .await;
    let (phone_conn, car_conn) = (server.conn_of("phone").expect("phone"), server.conn_of("car").expect("car"));

    let mut got = Vec::new();
    while let Some(item) = tap.try_recv() {
        match item {
            TapItem::Frame(f) => got.push(f),
            TapItem::Lost(n) => panic!("lost {n} frames with a capacity of 1024"),
        }
    }
    let seqs: Vec<u64> = got.iter().map(|f| f.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "frame numbers increase: {seqs:?}");
    let phone_connect = to_hex(&Conn::new("phone").bytes());
    let car_connect = to_hex(&Conn::new("car").bytes());
    let publish_out = format!("32 0f 00 09 63 61 72 2f 73 70 65 65 64 {pid} 35 35");
    let puback_in = format!("40 02 {pid}");
    let want: Vec<(u64, Dir, &str)> = vec![
        (phone_conn, Dir::In, &phone_connect),
        (phone_conn, Dir::Out, "20 02 00 00"),
        (phone_conn, Dir::In, "82 0e 00 01 00 09 63 61 72 2f 73 70 65 65 64 01"),
        (phone_conn, Dir::Out, "90 03 00 01 01"),
        (car_conn, Dir::In, &car_connect),
        (car_conn, Dir::Out, "20 02 00 00"),
        (car_conn, Dir::In, "32 0f 00 09 63 61 72 2f 73 70 65 65 64 00 07 35 35"),
        (phone_conn, Dir::Out, &publish_out),
        (car_conn, Dir::Out, "40 02 00 07"),
        (phone_conn, Dir::In, &puback_in),
    ];
    let seen: Vec<(u64, Dir, String)> = got.iter().map(|f| (f.conn, f.dir, to_hex(&f.bytes))).collect();
    let want_owned: Vec<(u64, Dir, String)> = want.iter().map(|(c, d, b)| (*c, *d, b.to_string())).collect();
    assert_eq!(seen, want_owned);
    // Client ids: none before the CONNECT is accepted, then the connection's client.
    assert_eq!(got[0].client, None, "the CONNECT arrives before there is a client id");
    assert_eq!(got[4].client, None);
    for (i, f) in got.iter().enumerate() {
        if matches!(i, 0 | 1 | 4 | 5) {
            continue; // CONNECT and CONNACK
        }
        let want = if f.conn == phone_conn { "phone" } else { "car" };
        assert_eq!(f.client.as_deref(), Some(want), "frame {i}: {}", to_hex(&f.bytes));
    }
}

/// A tap subscriber with capacity 4 that does not read while 100 frames pass (50 PUBLISH in, 50 out)
/// is told how many it lost and keeps the newest 4; the broker still delivers all 50 messages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_tap_subscriber_loses_frames_not_messages() {
    let (server, addr) = broker(config()).await;
    let mut sub = Raw::connect(addr, &Conn::new("phone")).await;
    sub.subscribe(1, "car/speed", 0).await;
    let mut car = Raw::connect(addr, &Conn::new("car")).await;
    let tap = server.tap(4);
    for i in 0..50 {
        car.send(&publish(0, "car/speed", 0, &format!("{i:02}"))).await;
    }
    for i in 0..50 {
        sub.expect_bytes(&publish(0, "car/speed", 0, &format!("{i:02}"))).await;
    }
    match tokio::time::timeout(WAIT, tap.recv()).await.expect("a tap item") {
        TapItem::Lost(n) => assert_eq!(n, 96, "100 frames passed, 4 kept"),
        TapItem::Frame(f) => panic!("expected Lost first, got frame {}", f.seq),
    }
    let mut kept = Vec::new();
    while let Some(item) = tap.try_recv() {
        match item {
            TapItem::Frame(f) => kept.push(f),
            TapItem::Lost(n) => panic!("lost {n} more"),
        }
    }
    // The tap numbers frames from 1 while someone listens: the newest four are 97..=100.
    let seqs: Vec<u64> = kept.iter().map(|f| f.seq).collect();
    assert_eq!(seqs, vec![97, 98, 99, 100], "the newest frames are kept");
    let last = kept.last().expect("a frame");
    assert_eq!(
        (last.dir, to_hex(&last.bytes)),
        (Dir::Out, to_hex(&publish(0, "car/speed", 0, "49"))),
        "the last frame is the last delivery"
    );
}

/// A subscriber that never reads cannot make the broker hoard memory: once `max_buffered_bytes` of
/// QoS 0 messages wait for it, further QoS 0 messages to it are dropped (and said so), while everyone
/// else keeps being served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_never_reads_gets_its_qos0_messages_dropped_not_hoarded() {
    let (server, addr) = broker(Config { max_buffered_bytes: 4 * 1024 * 1024, ..config() }).await;
    let mut events = server.events();
    let mut probe = Probe::new(addr).await;
    let mut stuck = Raw::connect(addr, &Conn::new("stuck")).await;
    stuck.subscribe(1, "flood", 0).await;
    let mut publ = Raw::connect(addr, &Conn::new("flooder")).await;
    // 3000 × 10 KB = 30 MB at QoS 0; "stuck" reads none of it.
    let payload = "x".repeat(10_000);
    let frame = publish(0, "flood", 0, &payload);
    let mut burst = Vec::new();
    for _ in 0..100 {
        burst.extend_from_slice(&frame);
    }
    for _ in 0..30 {
        publ.send(&burst).await;
    }
    let who = wait_event(&mut events, |e| match e {
        Event::SlowConsumer { client_id, .. } => Some(client_id.clone()),
        _ => None,
    })
    .await;
    assert_eq!(who, "stuck");
    probe.check().await;
    drop(stuck);
}

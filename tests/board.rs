//! The virtual NodeMCU against the broker in the in-memory world, in virtual time: its CONNECT is
//! byte for byte what PubSubClient 2.8 sends (built here by hand from the library's facts), it pings
//! by PubSubClient's rule, its will fires 1.5 × keep alive after its power is cut (no DISCONNECT, no
//! FIN), it prints the sketch's lines, and a refused connect is printed with its state code and
//! retried 5 s later.

use mqtt_lab::broker::{self, Event};
use mqtt_lab::world::cmd::{ClientCmd, ConnectOpts, LabCmd, LabSetup};
use mqtt_lab::world::event::WorldEvent;
use mqtt_lab::world::record::Dir;
use mqtt_lab::world::sim::World;
use std::time::{Duration, Instant};

fn world() -> World {
    World::new(broker::Config::default(), Instant::now())
}

fn board(w: &mut World, sketch: &str) {
    w.apply(LabCmd::AddClient {
        name: "esp".into(),
        opts: ConnectOpts { sketch: Some(sketch.into()), ..ConnectOpts::default() },
    });
}

/// (time, direction, bytes) of every frame, and the serial lines.
fn frames(ev: &[WorldEvent]) -> Vec<(f64, Dir, Vec<u8>)> {
    ev.iter()
        .filter_map(|e| match e {
            WorldEvent::Frame(f) => Some((f.at.as_secs_f64(), f.dir, f.bytes.to_vec())),
            _ => None,
        })
        .collect()
}

fn lines(ev: &[WorldEvent]) -> Vec<String> {
    ev.iter()
        .filter_map(|e| match e {
            WorldEvent::Serial { line, .. } => Some(line.clone()),
            _ => None,
        })
        .collect()
}

/// A 3.1.1 CONNECT as PubSubClient's `connect(id)` writes it: protocol name MQTT, level 4, flags
/// 0x02 (clean session only), keep alive 15, the id.
fn pubsubclient_connect(id: &str) -> Vec<u8> {
    let mut v = vec![0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x0f];
    v.extend_from_slice(&(id.len() as u16).to_be_bytes());
    v.extend_from_slice(id.as_bytes());
    let mut out = vec![0x10, v.len() as u8];
    out.extend(v);
    out
}

#[test]
fn the_connect_sketch_sends_pubsubclients_connect_and_prints_the_tutorials_lines() {
    let mut w = world();
    board(&mut w, "connect");
    w.advance(Duration::from_secs(10));
    let ev = w.take_events();
    let f = frames(&ev);
    let first = f.iter().find(|(_, d, _)| *d == Dir::In).expect("the board sent something");
    assert_eq!(first.2, pubsubclient_connect("esp8266-5C:CF:7F:12:34:56"));
    // Wi-Fi takes its dots first: the CONNECT is not at once.
    assert!(first.0 >= 3.0, "CONNECT at {} s", first.0);
    let l = lines(&ev);
    for want in
        ["WiFi Connected!", "MQTT Server Connected.", "Server Address: ", "ClientId:", "esp8266-5C:CF:7F:12:34:56"]
    {
        assert!(l.iter().any(|x| x == want), "no line {want:?} in {l:?}");
    }
    assert!(l.iter().any(|x| x == "..."), "the Wi-Fi dots are one line: {l:?}");
}

#[test]
fn the_library_example_sends_the_frames_of_its_table() {
    let mut w = world();
    board(&mut w, "example");
    w.advance(Duration::from_secs(9));
    let ev = w.take_events();
    let ins: Vec<Vec<u8>> = frames(&ev).into_iter().filter(|(_, d, _)| *d == Dir::In).map(|f| f.2).collect();
    // CONNECT with a random ESP8266Client-<hex> id, its length bytes following the id.
    let c = &ins[0];
    let id_len = u16::from_be_bytes([c[12], c[13]]) as usize;
    let id = std::str::from_utf8(&c[14..14 + id_len]).unwrap();
    assert!(id.starts_with("ESP8266Client-") && id.len() <= 18, "{id}");
    assert_eq!(*c, pubsubclient_connect(id));
    // Then "hello world" to outTopic (QoS 0, no retain) and SUBSCRIBE inTopic with packet id 2.
    let hello: Vec<u8> = [&[0x30, 0x15, 0x00, 0x08][..], b"outTopic", b"hello world"].concat();
    assert_eq!(ins[1], hello);
    let sub: Vec<u8> = [&[0x82, 0x0c, 0x00, 0x02, 0x00, 0x07][..], b"inTopic", &[0x00]].concat();
    assert_eq!(ins[2], sub);
    // #1 goes out on the first loop() after connecting, then every 2 s.
    let n1: Vec<u8> = [&[0x30, 0x18, 0x00, 0x08][..], b"outTopic", b"hello world #1"].concat();
    assert_eq!(ins[3], n1);
    let l = lines(&ev);
    assert!(l.iter().any(|x| x == "Attempting MQTT connection...connected"), "{l:?}");
    assert!(l.iter().any(|x| x == "Publish message: hello world #2"), "{l:?}");
}

#[test]
fn an_idle_board_pings_fifteen_seconds_after_its_last_packet_by_pubsubclients_rule() {
    let mut w = world();
    board(&mut w, "connect");
    w.advance(Duration::from_secs(60));
    let f = frames(&w.take_events());
    let connack = f.iter().find(|(_, d, b)| *d == Dir::Out && b[0] == 0x20).expect("CONNACK").0;
    let pings: Vec<f64> = f.iter().filter(|(_, d, b)| *d == Dir::In && b[..] == [0xc0, 0x00]).map(|f| f.0).collect();
    assert!(pings.len() >= 3, "{pings:?}");
    // More than 15 s (PubSubClient compares with >), from the last packet either way.
    let gap = pings[0] - connack;
    assert!(gap > 15.0 && gap < 15.01, "first PINGREQ {gap} s after CONNACK");
    for p in pings.windows(2) {
        let gap = p[1] - p[0];
        assert!(gap > 15.0 && gap < 15.01, "pings {gap} s apart");
    }
}

#[test]
fn power_off_leaves_the_connection_and_the_will_fires_after_one_and_a_half_keep_alives() {
    let mut w = world();
    board(&mut w, "will");
    w.advance(Duration::from_secs(6));
    let ev = w.take_events();
    assert!(ev.iter().any(|e| matches!(e, WorldEvent::Broker { event: Event::Connected { .. }, .. })));
    // The broker's clock runs from the last packet it heard from the board.
    let last = frames(&ev).iter().filter(|(_, d, _)| *d == Dir::In).map(|f| f.0).fold(0.0, f64::max);
    w.apply(LabCmd::Client { id: 1, name: "esp".into(), cmd: ClientCmd::Power(false) });
    w.advance(Duration::from_secs(40));
    let ev = w.take_events();
    // No DISCONNECT, and the broker did not see the connection end.
    assert!(!frames(&ev).iter().any(|(_, d, b)| *d == Dir::In && b[0] == 0xe0));
    let will = ev
        .iter()
        .find_map(|e| match e {
            WorldEvent::Broker { at, event: Event::WillPublished { topic, .. } } => Some((*at, topic.clone())),
            _ => None,
        })
        .expect("the will was published");
    assert_eq!(will.1, "Taichi-Maker-5C:CF:7F:12:34:56-Will");
    let after = will.0.as_secs_f64() - last;
    assert!((22.5..22.6).contains(&after), "will {after} s after the board's last packet");
}

#[test]
fn a_refused_connect_prints_its_state_and_tries_again_five_seconds_later() {
    let mut w = world();
    w.apply(LabCmd::Reset(LabSetup { users: vec!["u:p".into()], ..LabSetup::default() }));
    board(&mut w, "connect");
    w.advance(Duration::from_secs(14));
    let ev = w.take_events();
    let l = lines(&ev);
    assert!(l.iter().any(|x| x.starts_with("MQTT Server Connect Failed. Client State:5")), "{l:?}");
    let connects: Vec<f64> =
        frames(&ev).into_iter().filter(|(_, d, b)| *d == Dir::In && b[0] == 0x10).map(|f| f.0).collect();
    assert!(connects.len() >= 2, "{connects:?}");
    let gap = connects[1] - connects[0];
    assert!((5.0..5.1).contains(&gap), "retry {gap} s later");
}

#[test]
fn a_reset_reboots_the_sketch_and_the_board_connects_again_with_the_same_id() {
    let mut w = world();
    board(&mut w, "subscribe");
    w.advance(Duration::from_secs(6));
    w.take_events();
    w.apply(LabCmd::Client { id: 1, name: "esp".into(), cmd: ClientCmd::Reset });
    w.advance(Duration::from_secs(6));
    let ev = w.take_events();
    let ins: Vec<Vec<u8>> = frames(&ev).into_iter().filter(|(_, d, _)| *d == Dir::In).map(|f| f.2).collect();
    assert_eq!(ins[0], pubsubclient_connect("esp8266-5C:CF:7F:12:34:56"));
    // The new connection takes over the old one, which was left without a word.
    assert!(ev.iter().any(|e| matches!(e, WorldEvent::Broker { event: Event::TakenOver { .. }, .. })));
    let l = lines(&ev);
    assert!(l.iter().any(|x| x == "Subscribe Topic: Taichi-Maker-Sub-5C:CF:7F:12:34:56"), "{l:?}");
}

#[test]
fn a_message_starting_with_1_lights_the_led() {
    let mut w = world();
    board(&mut w, "subscribe");
    w.apply(LabCmd::AddClient { name: "computer".into(), opts: ConnectOpts::default() });
    w.advance(Duration::from_secs(6));
    let pub_ = |payload: &str| LabCmd::Client {
        id: 2,
        name: "computer".into(),
        cmd: ClientCmd::Publish {
            topic: "Taichi-Maker-Sub-5C:CF:7F:12:34:56".into(),
            payload: payload.into(),
            qos: mqtt_lab::proto::QoS::AtMostOnce,
            retain: false,
            v5: Default::default(),
        },
    };
    w.apply(pub_("1"));
    w.advance(Duration::from_millis(100));
    assert!(w.actor("esp").unwrap().as_board().unwrap().led());
    let l = lines(&w.take_events());
    assert!(l.iter().any(|x| x == "Message Received [Taichi-Maker-Sub-5C:CF:7F:12:34:56] 1"), "{l:?}");
    w.apply(pub_("0"));
    w.advance(Duration::from_millis(100));
    assert!(!w.actor("esp").unwrap().as_board().unwrap().led());
}

#[test]
fn a_second_board_gets_its_own_mac_and_two_boards_sharing_one_kick_each_other_off() {
    let takeovers = |ev: &[WorldEvent]| {
        ev.iter().filter(|e| matches!(e, WorldEvent::Broker { event: Event::TakenOver { .. }, .. })).count()
    };
    let mut w = world();
    board(&mut w, "connect");
    w.apply(LabCmd::AddClient {
        name: "esp2".into(),
        opts: ConnectOpts { sketch: Some("connect".into()), ..ConnectOpts::default() },
    });
    w.advance(Duration::from_secs(10));
    let ev = w.take_events();
    assert_eq!(takeovers(&ev), 0);
    assert!(lines(&ev).iter().any(|l| l == "esp8266-5C:CF:7F:12:34:57"), "{:?}", lines(&ev));
    // The same MAC on purpose: the same client id, and each loop() takes it back at once.
    w.apply(LabCmd::AddClient {
        name: "twin".into(),
        opts: ConnectOpts {
            sketch: Some("connect".into()),
            mac: Some("5c:cf:7f:12:34:56".into()),
            ..ConnectOpts::default()
        },
    });
    w.advance(Duration::from_secs(5));
    let n = takeovers(&w.take_events());
    assert!(n >= 20, "only {n} takeovers in the 1.7 s after the twin connected");
}

#[test]
fn a_board_that_only_publishes_still_pings_fifteen_seconds_after_its_last_inbound_packet() {
    let mut w = world();
    board(&mut w, "publish");
    w.advance(Duration::from_secs(70));
    let f = frames(&w.take_events());
    let publishes = f.iter().filter(|(_, d, b)| *d == Dir::In && b[0] == 0x30).count();
    assert!(publishes >= 20, "a PUBLISH every 3 s: {publishes}");
    let pings: Vec<f64> = f.iter().filter(|(_, d, b)| *d == Dir::In && b[..] == [0xc0, 0x00]).map(|f| f.0).collect();
    let pongs: Vec<f64> = f.iter().filter(|(_, d, b)| *d == Dir::Out && b[..] == [0xd0, 0x00]).map(|f| f.0).collect();
    assert!(pings.len() >= 3, "{pings:?}");
    // Each PINGREQ comes just over 15 s after the last thing received (the PINGRESP before it).
    for (p, r) in pings[1..].iter().zip(&pongs) {
        let gap = p - r;
        assert!(gap > 15.0 && gap < 15.01, "PINGREQ {gap} s after the last PINGRESP");
    }
}

#[test]
fn a_sketch_that_stops_calling_loop_is_dropped_and_reconnects_when_it_runs_again() {
    let mut w = world();
    board(&mut w, "connect");
    w.advance(Duration::from_secs(6));
    w.take_events();
    w.apply(LabCmd::Client { id: 1, name: "esp".into(), cmd: ClientCmd::Freeze });
    w.advance(Duration::from_secs(30));
    let ev = w.take_events();
    assert!(ev.iter().any(|e| matches!(e, WorldEvent::Broker { event: Event::KeepAliveExpired { .. }, .. })));
    assert!(!frames(&ev).iter().any(|(_, d, _)| *d == Dir::In), "a frozen sketch sends nothing");
    w.apply(LabCmd::Client { id: 2, name: "esp".into(), cmd: ClientCmd::Thaw });
    w.advance(Duration::from_secs(2));
    let ev = w.take_events();
    let connects = frames(&ev).iter().filter(|(_, d, b)| *d == Dir::In && b[0] == 0x10).count();
    assert_eq!(connects, 1, "loop() finds connected() false and connects again");
    assert!(lines(&ev).iter().any(|l| l == "MQTT Server Connected."));
}

#[test]
fn a_periodic_publish_goes_out_when_the_sketch_prints_it() {
    let mut w = world();
    board(&mut w, "publish");
    w.advance(Duration::from_secs(15));
    let ev = w.take_events();
    let printed: Vec<f64> = ev
        .iter()
        .filter_map(|e| match e {
            WorldEvent::Serial { at, line, .. } if line.starts_with("Publish message: Hello World") => {
                Some(at.as_secs_f64())
            }
            _ => None,
        })
        .collect();
    let sent: Vec<f64> =
        frames(&ev).into_iter().filter(|(_, d, b)| *d == Dir::In && b[0] == 0x30).map(|f| f.0).collect();
    assert!(printed.len() >= 3, "{printed:?}");
    assert_eq!(printed[..3], sent[..3], "printed at {printed:?}, sent at {sent:?}");
    // 3 s apart, the first 3 s after connecting.
    assert!((sent[1] - sent[0] - 3.0).abs() < 0.01, "{sent:?}");
}

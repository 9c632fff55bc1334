//! What users rely on, checked on the in-memory world under random traffic and random faults (frames
//! held and dropped at the gate, links cut, clients reconnecting, time passing): QoS 1 arrives at
//! least once and QoS 2 exactly once once everyone is back, order holds per publisher when nothing
//! is lost, a cut client's will goes out, and a persistent subscriber gets what was queued for it.

use mqtt_lab::broker::Config;
use mqtt_lab::proto::QoS;
use mqtt_lab::world::actor::Done;
use mqtt_lab::world::cmd::{ClientCmd, ConnectOpts, LabCmd};
use mqtt_lab::world::event::WorldEvent;
use mqtt_lab::world::sim::World;
use proptest::prelude::*;
use std::time::{Duration, Instant};

fn world() -> World {
    World::new(Config { narrate_messages: true, ..Config::default() }, Instant::now())
}

fn persistent(keep_alive: u16) -> ConnectOpts {
    ConnectOpts { clean: Some(false), keep_alive: Some(keep_alive), ..ConnectOpts::default() }
}

fn cmd(w: &mut World, id: u64, name: &str, c: ClientCmd) {
    w.apply(LabCmd::Client { id, name: name.into(), cmd: c });
}

/// The payloads delivered to `name`, in order.
fn delivered(events: &[WorldEvent], name: &str) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            WorldEvent::Delivered(d) if d.client == name => Some(d.payload.clone()),
            _ => None,
        })
        .collect()
}

/// The ids of the publish commands the client accepted (and so will stand by).
fn accepted(events: &[WorldEvent]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            WorldEvent::CommandDone { id, done: Done::Sent { .. }, .. } => Some(*id),
            _ => None,
        })
        .collect()
}

#[derive(Debug, Clone)]
enum Op {
    Publish,
    Step(bool),
    Drop,
    Release,
    CutCar,
    ReconnectCar,
    ReconnectPhone,
    Wait(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => Just(Op::Publish),
        1 => any::<bool>().prop_map(Op::Step),
        2 => Just(Op::Drop),
        2 => Just(Op::Release),
        1 => Just(Op::CutCar),
        1 => Just(Op::ReconnectCar),
        1 => Just(Op::ReconnectPhone),
        1 => (1u8..40).prop_map(Op::Wait),
    ]
}

/// Runs `ops` with car publishing at `qos` to phone (both persistent, keep alive 10 s); at the end
/// the faults stop, both reconnect and time passes; returns (accepted publish ids, phone's payloads).
fn run(ops: &[Op], qos: QoS) -> (Vec<u64>, Vec<String>) {
    let mut w = world();
    let mut events = Vec::new();
    for name in ["car", "phone"] {
        w.apply(LabCmd::AddClient { name: name.into(), opts: persistent(10) });
    }
    cmd(
        &mut w,
        1,
        "phone",
        ClientCmd::Subscribe { filter: "car/#".into(), qos: QoS::ExactlyOnce, v5: Default::default() },
    );
    events.extend(w.take_events());
    let mut id = 100;
    for o in ops {
        match o {
            Op::Publish => {
                id += 1;
                cmd(
                    &mut w,
                    id,
                    "car",
                    ClientCmd::Publish {
                        topic: "car/speed".into(),
                        payload: id.to_string(),
                        qos,
                        retain: false,
                        v5: Default::default(),
                    },
                );
            }
            Op::Step(on) => w.apply(LabCmd::Hold(*on)),
            Op::Drop => w.apply(LabCmd::DropNext),
            Op::Release => w.apply(LabCmd::ReleaseNext),
            Op::CutCar => cmd(&mut w, 0, "car", ClientCmd::Cut),
            Op::ReconnectCar => cmd(&mut w, 0, "car", ClientCmd::Connect(persistent(10))),
            Op::ReconnectPhone => cmd(&mut w, 0, "phone", ClientCmd::Connect(persistent(10))),
            Op::Wait(s) => w.advance(Duration::from_secs(*s as u64)),
        }
        events.extend(w.take_events());
    }
    // The network heals: nothing held, everyone reconnects (resending what was not acknowledged).
    w.apply(LabCmd::Hold(false));
    cmd(&mut w, 0, "phone", ClientCmd::Connect(persistent(10)));
    cmd(&mut w, 0, "car", ClientCmd::Connect(persistent(10)));
    w.advance(Duration::from_secs(5));
    events.extend(w.take_events());
    let ids: Vec<u64> = accepted(&events).into_iter().filter(|i| *i > 100).collect();
    (ids, delivered(&events, "phone"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// [MQTT-4.3.2-1] [MQTT-4.4.0-1] Every QoS 1 message the client accepted arrives at least once.
    #[test]
    fn qos1_arrives_at_least_once_whatever_the_network_does(ops in prop::collection::vec(op(), 1..60)) {
        let (ids, got) = run(&ops, QoS::AtLeastOnce);
        for i in ids {
            prop_assert!(got.contains(&i.to_string()), "message {i} never arrived; phone got {got:?}");
        }
    }

    /// [MQTT-4.3.3-2] [MQTT-4.4.0-1] Every QoS 2 message arrives exactly once.
    #[test]
    fn qos2_arrives_exactly_once_whatever_the_network_does(ops in prop::collection::vec(op(), 1..60)) {
        let (ids, got) = run(&ops, QoS::ExactlyOnce);
        for i in &ids {
            let n = got.iter().filter(|p| **p == i.to_string()).count();
            prop_assert_eq!(n, 1, "message {} arrived {} times; phone got {:?}", i, n, got);
        }
        prop_assert_eq!(got.len(), ids.len(), "phone got messages nobody sent: {:?}", got);
    }

    /// [MQTT-4.6.0-6] Without faults, QoS 0, 1 and 2 messages of one publisher on one topic arrive
    /// in the order they were sent.
    #[test]
    fn order_holds_per_publisher(qos in prop::sample::select(vec![QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce]), n in 1usize..200) {
        let ops = vec![Op::Publish; n];
        let (ids, got) = run(&ops, qos);
        let want: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        prop_assert_eq!(got, want);
    }
}

/// [MQTT-3.1.2-8] A client that drives into the tunnel: the broker notices after 1.5 × keep alive of
/// silence and publishes its will; before that, nothing.
#[test]
fn a_cut_client_s_will_goes_out_after_one_and_a_half_keep_alives() {
    let mut w = world();
    w.apply(LabCmd::AddClient { name: "phone".into(), opts: ConnectOpts::default() });
    cmd(
        &mut w,
        1,
        "phone",
        ClientCmd::Subscribe { filter: "car/status".into(), qos: QoS::AtMostOnce, v5: Default::default() },
    );
    let will = ConnectOpts {
        keep_alive: Some(60),
        will_topic: Some("car/status".into()),
        will_msg: Some("offline".into()),
        ..ConnectOpts::default()
    };
    w.apply(LabCmd::AddClient { name: "car".into(), opts: will });
    w.take_events();
    cmd(&mut w, 2, "car", ClientCmd::Cut);
    w.advance(Duration::from_secs(89));
    assert!(delivered(&w.take_events(), "phone").is_empty(), "no will before 90 s");
    let t0 = w.at();
    w.advance(Duration::from_secs(2));
    let ev = w.take_events();
    assert_eq!(delivered(&ev, "phone"), vec!["offline"]);
    let when = ev
        .iter()
        .find_map(|e| match e {
            WorldEvent::Delivered(d) if d.client == "phone" => Some(d.at),
            _ => None,
        })
        .unwrap();
    assert!(when >= t0 && when <= t0 + Duration::from_secs(2), "at {when:?}");
    assert!(w.broker().session("car").is_none(), "the clean session is gone with the connection");
}

/// [MQTT-3.1.2-4] A persistent subscriber that goes away gets the QoS 1 messages queued meanwhile
/// when it comes back, in order, and QoS 0 ones are not kept.
#[test]
fn queued_messages_arrive_after_a_reconnect() {
    let mut w = world();
    w.apply(LabCmd::AddClient { name: "phone".into(), opts: persistent(60) });
    cmd(
        &mut w,
        1,
        "phone",
        ClientCmd::Subscribe { filter: "car/#".into(), qos: QoS::AtLeastOnce, v5: Default::default() },
    );
    w.apply(LabCmd::AddClient { name: "car".into(), opts: ConnectOpts::default() });
    cmd(&mut w, 2, "phone", ClientCmd::Disconnect(Default::default()));
    for (i, q) in [(1, QoS::AtLeastOnce), (2, QoS::AtMostOnce), (3, QoS::AtLeastOnce)] {
        cmd(
            &mut w,
            10 + i,
            "car",
            ClientCmd::Publish {
                topic: "car/speed".into(),
                payload: i.to_string(),
                qos: q,
                retain: false,
                v5: Default::default(),
            },
        );
    }
    w.take_events();
    assert_eq!(w.broker().session("phone").map(|s| s.queue.len()), Some(2));
    cmd(&mut w, 3, "phone", ClientCmd::Connect(persistent(60)));
    assert_eq!(delivered(&w.take_events(), "phone"), vec!["1", "3"]);
}

/// Virtual time: a keep alive of 90 s costs nothing, and the client pings on time.
#[test]
fn virtual_time_runs_timers_in_order_without_waiting() {
    let started = Instant::now();
    let mut w = world();
    w.apply(LabCmd::AddClient { name: "esp".into(), opts: ConnectOpts { keep_alive: Some(15), ..Default::default() } });
    w.take_events();
    w.advance(Duration::from_secs(3600));
    let ev = w.take_events();
    let pings = ev.iter().filter(|e| matches!(e, WorldEvent::Frame(f) if f.bytes[0] == 0xc0)).count();
    assert!((230..=241).contains(&pings), "{pings} PINGREQs in an hour at keep alive 15 s");
    assert!(w.broker().session("esp").is_some_and(|s| s.conn.is_some()), "still connected");
    assert!(started.elapsed() < Duration::from_secs(5));
}

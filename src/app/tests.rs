//! Model tests: messages in, state and effects out, no terminal.

use super::*;
use crate::proto::{Connect, Packet, Publish, QosPid};
use crate::world::record::TapFrame;
use bytes::Bytes;
use std::sync::Arc;

fn app() -> App {
    let mut a = App::new(Lang::En, 100);
    for n in ["car", "phone", "computer"] {
        a.update(Msg::World(WorldEvent::Client(ClientView {
            name: n.into(),
            client_id: n.into(),
            ..Default::default()
        })));
    }
    a
}

fn typed(a: &mut App, line: &str) -> Vec<Effect> {
    for c in line.chars() {
        a.update(Msg::Action(Action::Input(c)));
    }
    a.update(Msg::Action(Action::Submit))
}

fn frame(seq: u64, conn: u64, client: Option<&str>, dir: Dir, p: Packet) -> TapFrame {
    TapFrame { seq, at: Duration::from_millis(seq), conn, client: client.map(Arc::from), dir, bytes: p.to_bytes() }
}

#[test]
fn typed_commands_become_effects() {
    let mut a = app();
    let fx = typed(&mut a, "phone sub car/speed -q 1");
    assert_eq!(
        fx,
        vec![Effect::Client {
            id: 1,
            name: "phone".into(),
            cmd: ClientCmd::Subscribe { filter: "car/speed".into(), qos: QoS::AtLeastOnce, v5: Default::default() }
        }]
    );
    assert_eq!(a.cmd.history, vec!["phone sub car/speed -q 1".to_string()]);
    assert!(a.cmd.text.is_empty());
}

#[test]
fn a_leading_colon_is_ignored_and_errors_stay_inline() {
    let mut a = app();
    let fx = typed(&mut a, ":car pub car/speed 60 -q 5");
    assert!(fx.is_empty());
    let e = a.cmd.error.clone().unwrap();
    assert!(e.en.contains("QoS must be 0, 1 or 2"));
    assert!(e.zh.contains("QoS 只能是 0、1 或 2"));
    assert_eq!(a.cmd.text, "car pub car/speed 60 -q 5", "the line stays for fixing");
}

#[test]
fn history_and_completion() {
    let mut a = app();
    typed(&mut a, "car disconnect");
    a.update(Msg::Action(Action::HistoryPrev));
    assert_eq!(a.cmd.text, "car disconnect");
    a.update(Msg::Action(Action::Cancel));
    for c in "pho".chars() {
        a.update(Msg::Action(Action::Input(c)));
    }
    a.update(Msg::Action(Action::Complete));
    assert_eq!(a.cmd.text, "phone ");
    for c in "s".chars() {
        a.update(Msg::Action(Action::Input(c)));
    }
    a.update(Msg::Action(Action::Complete));
    assert_eq!(a.cmd.text, "phone sub ");
}

#[test]
fn frames_fill_a_bounded_ring_and_selection_moves() {
    let mut a = App::new(Lang::En, 3);
    for i in 1..=5u64 {
        let p = Packet::Publish(Publish { qos_pid: QosPid::AtMostOnce, ..Publish::new("t", Bytes::from("1")) });
        a.update(Msg::World(WorldEvent::Frame(frame(i, 1, Some("car"), Dir::In, p))));
    }
    assert_eq!(a.inspector.frames.len(), 3);
    assert_eq!(a.inspector.evicted, 2);
    a.focus = Pane::Inspector;
    a.update(Msg::Action(Action::Up));
    assert_eq!(a.inspector.selected, Some(4));
    a.update(Msg::Action(Action::End));
    assert_eq!(a.inspector.selected, None, "End follows the newest again");
}

#[test]
fn connect_frames_learn_their_client_from_the_broker() {
    let mut a = app();
    a.update(Msg::World(WorldEvent::Frame(frame(1, 7, None, Dir::In, Packet::Connect(Box::new(Connect::new("car")))))));
    a.update(Msg::World(WorldEvent::Broker {
        at: Duration::ZERO,
        event: Event::Connected {
            conn: 7,
            client_id: "car".into(),
            protocol: crate::proto::Protocol::V311,
            clean_session: true,
            keep_alive: 60,
            session_present: false,
            assigned_id: false,
        },
    }));
    let row = a.inspector.frames[0].clone();
    assert_eq!(a.frame_client(&row).as_deref(), Some("car"));
}

#[test]
fn step_keys_produce_gate_effects() {
    let mut a = app();
    use crate::app::marks::MarkState;
    assert_eq!(a.update(Msg::Action(Action::ToggleStep)), vec![Effect::Hold(true)]);
    // The mark waits for the gate to say it holds.
    assert!(a.marks.newest().unwrap().state.is_pending());
    a.update(Msg::World(WorldEvent::Held { holding: true, frames: vec![] }));
    assert!(matches!(a.marks.newest().unwrap().state, MarkState::Ok(_)));
    // Nothing held: releasing is refused, and nothing is sent.
    assert_eq!(a.update(Msg::Action(Action::ReleaseNext)), vec![]);
    let m = a.marks.newest().unwrap();
    assert!(matches!(m.state, MarkState::Failed(_)) && m.status(Lang::En).contains("no frame is held"), "{m:?}");
    let held = HeldView {
        id: 1,
        seq: Some(1),
        conn: 1,
        dir: Dir::In,
        client: Some("car".into()),
        bytes: Packet::PingReq.to_bytes(),
    };
    a.update(Msg::World(WorldEvent::Held { holding: true, frames: vec![held] }));
    assert_eq!(a.update(Msg::Action(Action::ReleaseNext)), vec![Effect::ReleaseNext]);
    assert_eq!(a.update(Msg::Action(Action::ToggleStep)), vec![Effect::Hold(false)]);
    assert_eq!(typed(&mut a, "step on"), vec![Effect::Hold(true)]);
    // With an external broker there is no gate to ask.
    let mut b = app();
    b.marks.external = true;
    assert_eq!(typed(&mut b, "step on"), vec![]);
    assert!(
        b.marks
            .newest()
            .unwrap()
            .status(Lang::En)
            .contains("✗ step on — step mode and the gate need the built-in broker")
    );
}

#[test]
fn numeric_deliveries_feed_the_chart() {
    let mut a = app();
    for (i, v) in ["50", "60", "not a number", "70"].iter().enumerate() {
        a.update(Msg::World(WorldEvent::Delivered(Delivered {
            at: Duration::from_secs(i as u64),
            client: "phone".into(),
            topic: "car/speed".into(),
            payload: v.to_string(),
            qos: QoS::AtMostOnce,
            retain: false,
            dup: false,
        })));
    }
    let s: Vec<f64> = a.series["car/speed"].iter().map(|p| p.1).collect();
    assert_eq!(s, vec![50.0, 60.0, 70.0]);
    assert_eq!(a.chart_topic.as_deref(), Some("car/speed"));
}

#[test]
fn the_composer_sends_a_multi_line_payload() {
    let mut a = app();
    assert!(typed(&mut a, "car compose car/json -q 1 -r").is_empty());
    assert_eq!(a.composer.as_ref().map(|c| c.topic.as_str()), Some("car/json"));
    let fx = a.update(Msg::Action(Action::ComposeDone { send: true, text: "{\n  \"speed\": 60\n}".into() }));
    assert_eq!(
        fx,
        vec![Effect::Client {
            id: 1,
            name: "car".into(),
            cmd: ClientCmd::Publish {
                topic: "car/json".into(),
                payload: "{\n  \"speed\": 60\n}".into(),
                qos: QoS::AtLeastOnce,
                retain: true,
                v5: Default::default()
            }
        }]
    );
    assert!(a.composer.is_none());
    // Esc cancels: nothing is sent.
    typed(&mut a, "car compose car/json");
    assert!(a.update(Msg::Action(Action::ComposeDone { send: false, text: "x".into() })).is_empty());
}

fn lab_notes(a: &App) -> Vec<String> {
    a.narration
        .iter()
        .filter_map(|(_, n)| match n {
            Narration::Note { client, text } if client == "lab" => Some(text.en.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn lan_notes_are_narrated_at_start_and_again_by_the_lan_command() {
    let mut a = app();
    // Code: the same in both languages.
    let sketch = "    const char* mqttServer = \"192.168.1.23\";";
    let notes = vec![
        Text::new("正在监听 0.0.0.0:1883", "listening on 0.0.0.0:1883: every network interface"),
        Text::new(sketch, sketch),
    ];
    a.set_lan(notes.clone(), notes[1..].to_vec());
    assert_eq!(lab_notes(&a), notes.iter().map(|t| t.en.clone()).collect::<Vec<_>>());
    assert_eq!(a.lan_sketch, notes[1..], "the sketch line is kept for the broker pane");
    assert!(typed(&mut a, "lan").is_empty());
    assert_eq!(lab_notes(&a).len(), 4, "said again: {:?}", lab_notes(&a));
    // Without --lan nothing is said at start, and the command says how to get it.
    let mut b = app();
    b.set_lan(Vec::new(), Vec::new());
    assert!(lab_notes(&b).is_empty(), "{:?}", lab_notes(&b));
    typed(&mut b, "lan");
    let said = lab_notes(&b);
    assert!(said.len() == 1 && said[0].contains("start mqtt-lab --lan"), "{said:?}");
}

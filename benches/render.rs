//! How long one full-screen render takes at 120×40 with a full inspector (20,000 frames), the
//! ladder, narration and the chart. `cargo bench --bench render` prints the median; under
//! `cargo test` it renders a few times only, to prove it still works.

use bytes::Bytes;
use mqtt_lab::app::{App, ClientView, Delivered, Msg};
use mqtt_lab::broker::{Delivery, Event, RetainAction};
use mqtt_lab::i18n::Lang;
use mqtt_lab::proto::{Packet, PacketId, Publish, QoS, QosPid};
use mqtt_lab::runtime::tap::{Dir, TapFrame};
use mqtt_lab::ui::{self, theme::Theme};
use mqtt_lab::world::event::WorldEvent;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn full_app(lang: Lang) -> App {
    let cap = 20_000;
    let mut app = App::new(lang, cap);
    for (name, zh) in [("car", "汽车"), ("phone", "手机"), ("computer", "电脑")] {
        app.update(Msg::World(WorldEvent::Client(ClientView {
            name: name.into(),
            label_zh: Some(zh.into()),
            client_id: name.into(),
            connected: true,
            state: mqtt_lab::i18n::Text::new("已连接（state 0）", "connected (state 0)"),
            ..Default::default()
        })));
    }
    for i in 0..cap as u64 {
        let pid = PacketId::new((i % 65_535) as u16 + 1).expect("not 0");
        let (conn, client, dir, p) = match i % 4 {
            0 => (
                1,
                "car",
                Dir::In,
                Packet::Publish(Publish {
                    qos_pid: QosPid::AtLeastOnce(pid),
                    ..Publish::new("汽车速度", Bytes::from(format!("{}", 40 + i % 60)))
                }),
            ),
            1 => (
                2,
                "phone",
                Dir::Out,
                Packet::Publish(Publish {
                    qos_pid: QosPid::AtLeastOnce(pid),
                    ..Publish::new("汽车速度", Bytes::from(format!("{}", 40 + i % 60)))
                }),
            ),
            2 => (1, "car", Dir::Out, Packet::PubAck(pid)),
            _ => (2, "phone", Dir::In, Packet::PubAck(pid)),
        };
        app.update(Msg::World(WorldEvent::Frame(TapFrame {
            seq: i + 1,
            at: Duration::from_micros(i * 50),
            conn,
            client: Some(Arc::from(client)),
            dir,
            bytes: p.to_bytes(),
        })));
        if i % 4 == 1 {
            app.update(Msg::World(WorldEvent::Delivered(Delivered {
                at: Duration::from_micros(i * 50),
                client: "phone".into(),
                topic: "汽车速度".into(),
                payload: format!("{}", 40 + i % 60),
                qos: QoS::AtLeastOnce,
                retain: false,
                dup: false,
            })));
        }
        if i % 40 == 0 {
            app.update(Msg::World(WorldEvent::Broker {
                at: Duration::ZERO,
                event: Event::Routed {
                    from: "car".into(),
                    topic: "汽车速度".into(),
                    qos: QoS::AtLeastOnce,
                    retain: RetainAction::None,
                    deliveries: vec![Delivery {
                        client_id: "phone".into(),
                        qos: QoS::AtLeastOnce,
                        downgraded: false,
                        queued: false,
                        dropped: false,
                        offline: false,
                        budget: false,
                    }],
                    bytes: 2,
                },
            }));
        }
    }
    app
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let rounds = if benching { 300 } else { 3 };
    let theme = Theme::new(false);
    for lang in [Lang::En, Lang::Zh] {
        let app = full_app(lang);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let t = Instant::now();
            terminal
                .draw(|f| {
                    ui::render(f, &app, &theme);
                })
                .expect("draw");
            times.push(t.elapsed());
        }
        times.sort();
        let median = times[times.len() / 2];
        let p90 = times[times.len() * 9 / 10];
        let max = times[times.len() - 1];
        println!(
            "render 120x40, {:?}, inspector {} frames: median {:.2} ms, p90 {:.2} ms, max {:.2} ms ({} rounds)",
            lang,
            app.inspector.frames.len(),
            median.as_secs_f64() * 1e3,
            p90.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3,
            rounds
        );
        let screen = format!("{:?}", terminal.backend().buffer());
        assert!(screen.contains("PUBLISH"), "the inspector rendered no PUBLISH row");
    }
}

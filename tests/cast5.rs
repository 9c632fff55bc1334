//! The cast speaking MQTT 5.0 against a real broker: Debian's mosquitto, started by each test on a
//! loopback port of its choosing (and killed when the test ends), with the lab's virtual clients in
//! `--broker` mode. The clients are driven by the command lines a learner types, and the checks are
//! what the learner is told: sessions kept after a disconnect, message properties arriving, topic
//! aliases, reason codes, and a DISCONNECT from the broker.

use mqtt_lab::client::ClientEvent;
use mqtt_lab::command::{self, Command};
use mqtt_lab::i18n::Lang;
use mqtt_lab::proto::{QoS, ReasonCode};
use mqtt_lab::runtime::lab::Lab;
use mqtt_lab::world::actor::Done;
use mqtt_lab::world::cmd::LabCmd;
use mqtt_lab::world::event::WorldEvent;
use std::net::SocketAddr;
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

const WAIT: Duration = Duration::from_secs(5);

/// mosquitto on 127.0.0.1 at a free port; killed (only this child) and its directory removed on drop.
struct Mosquitto {
    child: Child,
    dir: std::path::PathBuf,
    addr: SocketAddr,
}

impl Mosquitto {
    /// `extra`: more lines of mosquitto.conf.
    fn start(extra: &str) -> Mosquitto {
        let bin = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("mosquitto is needed for this test: install Debian's mosquitto");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("mqtt-lab-cast5-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let conf = format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n{extra}");
        let conf_file = dir.join("mosquitto.conf");
        std::fs::write(&conf_file, conf).unwrap();
        let child = Process::new(bin)
            .arg("-c")
            .arg(&conf_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "mosquitto did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Mosquitto { child, dir, addr: SocketAddr::from(([127, 0, 0, 1], port)) }
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The lab's cast against an external broker, told what to do in command lines.
struct Cast {
    lab: Lab,
    rx: UnboundedReceiver<WorldEvent>,
    names: Vec<String>,
    next_id: u64,
}

impl Cast {
    fn new(addr: SocketAddr) -> Cast {
        let (lab, rx) = Lab::external(addr);
        Cast { lab, rx, names: Vec::new(), next_id: 1 }
    }

    /// Runs a command line as typed in the lab: `new …` or `NAME VERB …`. Returns its id.
    fn run(&mut self, line: &str) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        match command::parse(line, &self.names).unwrap_or_else(|e| panic!("{line}: {}", e.en)) {
            Command::New { name, opts } => {
                self.names.push(name.clone());
                self.lab.apply(LabCmd::AddClient { name, opts });
            }
            Command::Client { name, cmd } => self.lab.apply(LabCmd::Client { id, name, cmd }),
            other => panic!("{line}: not a client command: {other:?}"),
        }
        id
    }

    /// The first event `pick` accepts, within [`WAIT`].
    async fn wait<T>(&mut self, what: &str, mut pick: impl FnMut(&WorldEvent) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(e)) => {
                    if let Some(t) = pick(&e) {
                        return t;
                    }
                }
                Ok(None) => panic!("the lab stopped while waiting for {what}"),
                Err(_) => panic!("no {what} within {WAIT:?}"),
            }
        }
    }

    /// The next event of client `who` that `pick` accepts.
    async fn event<T>(&mut self, who: &str, what: &str, mut pick: impl FnMut(&ClientEvent) -> Option<T>) -> T {
        self.wait(&format!("{what} at {who}"), |e| match e {
            WorldEvent::ClientEvent { client, event, .. } if client == who => pick(event),
            _ => None,
        })
        .await
    }

    async fn connected(&mut self, who: &str) -> bool {
        self.event(who, "CONNACK", |e| match e {
            ClientEvent::Connected { session_present } => Some(*session_present),
            ClientEvent::Refused5 { .. } | ClientEvent::Refused { .. } => panic!("{who} refused: {}", e.text(Lang::En)),
            _ => None,
        })
        .await
    }
}

/// Session Expiry Interval 300 keeps a subscriber's session (and its queued QoS 1 message) across a
/// normal DISCONNECT; the message keeps its user property, response topic, correlation data and
/// content type, and arrives with what is left of its Message Expiry Interval.
#[tokio::test]
async fn a_5_0_session_outlives_its_connection_and_messages_keep_their_properties() {
    let m = Mosquitto::start("");
    let mut cast = Cast::new(m.addr);
    cast.run("new phone --v5 --clean false --session-expiry 300 --id phone-5");
    assert!(!cast.connected("phone").await, "a first connection finds no session");
    cast.run("phone sub car/# -q 1");
    cast.event("phone", "SUBACK", |e| matches!(e, ClientEvent::Subscribed { .. }).then_some(())).await;
    cast.run("phone disconnect");
    cast.event("phone", "DISCONNECT", |e| matches!(e, ClientEvent::Disconnected).then_some(())).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    cast.run("new car --v5");
    cast.connected("car").await;
    cast.run(
        "car pub car/speed 60 -q 1 --expiry 120 --user-prop unit=km/h --response-topic car/answer --correlation req-7 --content-type text/plain",
    );
    cast.event("car", "PUBACK", |e| match e {
        ClientEvent::PubAcked { .. } => Some(()),
        ClientEvent::PubRefused { .. } => panic!("{}", e.text(Lang::En)),
        _ => None,
    })
    .await;

    cast.run("phone connect --v5 --clean false --session-expiry 300 --id phone-5");
    assert!(cast.connected("phone").await, "session present=1: mosquitto kept the session for 300 s");
    let (text, props) = cast
        .event("phone", "the queued message", |e| match e {
            ClientEvent::Message { topic, payload, qos: QoS::AtLeastOnce, props, .. }
                if topic == "car/speed" && payload.as_ref() == b"60" =>
            {
                Some((e.text(Lang::En), props.clone().expect("a 5.0 PUBLISH has properties")))
            }
            _ => None,
        })
        .await;
    let left = props.message_expiry.expect("the Message Expiry Interval arrives");
    assert!(left > 0 && left <= 120, "what is left of 120 s: {left}");
    assert_eq!(props.user_properties, vec![("unit".to_string(), "km/h".to_string())]);
    assert_eq!(props.response_topic.as_deref(), Some("car/answer"));
    assert_eq!(props.correlation_data.as_deref(), Some(b"req-7".as_ref()));
    assert_eq!(props.content_type.as_deref(), Some("text/plain"));
    assert!(text.contains("Message Expiry Interval") && text.contains("User Property unit=km/h"), "{text}");
}

/// Topic aliases the car sets are resolved by mosquitto (the second PUBLISH carries only the alias);
/// with `max_qos 1` the CONNACK's Maximum QoS keeps the car from publishing at QoS 2 and SUBACK's
/// reason code grants QoS 1 for 2; UNSUBACK says 0x11 for a filter never subscribed; a QoS 1
/// message nobody subscribes to is acknowledged with 0x10.
#[tokio::test]
async fn topic_aliases_limits_and_reason_codes_against_mosquitto() {
    let m = Mosquitto::start("max_qos 1\n");
    let mut cast = Cast::new(m.addr);
    cast.run("new phone --v5");
    cast.connected("phone").await;
    cast.run("phone sub car/# -q 2");
    let (granted, text) = cast
        .event("phone", "SUBACK", |e| match e {
            ClientEvent::Subscribed { results, .. } => Some((results[0].granted, e.text(Lang::En))),
            _ => None,
        })
        .await;
    assert_eq!(granted, Some(QoS::AtLeastOnce), "{text}");
    assert!(text.contains("car/# → granted QoS 1"), "{text}");
    cast.run("phone unsub never/subscribed");
    let text = cast
        .event("phone", "UNSUBACK", |e| matches!(e, ClientEvent::Unsubscribed { .. }).then(|| e.text(Lang::En)))
        .await;
    assert!(text.contains("never/subscribed → 0x11 no subscription existed"), "{text}");

    cast.run("new car --v5");
    cast.connected("car").await;
    let props = cast
        .event("car", "the CONNACK's properties", |e| match e {
            ClientEvent::ConnAckProps(p) => Some(p.clone()),
            _ => None,
        })
        .await;
    assert_eq!(props.maximum_qos, Some(QoS::AtLeastOnce));
    assert!(props.topic_alias_maximum.is_some_and(|m| m > 0), "mosquitto allows topic aliases: {props:?}");
    let id = cast.run("car pub car/speed 9 -q 2");
    let done = cast
        .wait("the QoS 2 publish", |e| match e {
            WorldEvent::CommandDone { id: i, done, .. } if *i == id => Some(done.clone()),
            _ => None,
        })
        .await;
    let Done::Refused(why) = done else { panic!("{done:?}") };
    assert!(why.en.contains("the broker's CONNACK says Maximum QoS 1"), "{}", why.en);

    for n in 1..=3 {
        let id = cast.run(&format!("car pub car/speed {n} --alias"));
        let done = cast
            .wait("the publish", |e| match e {
                WorldEvent::CommandDone { id: i, done, .. } if *i == id => Some(done.clone()),
                _ => None,
            })
            .await;
        assert!(matches!(done, Done::Sent { .. }), "{done:?}");
    }
    for n in 1..=3 {
        let want = n.to_string();
        let topic = cast
            .event("phone", "an aliased message", |e| match e {
                ClientEvent::Message { topic, payload, .. } if payload.as_ref() == want.as_bytes() => {
                    Some(topic.clone())
                }
                _ => None,
            })
            .await;
        assert_eq!(topic, "car/speed", "the broker resolved the alias");
    }

    cast.run("car pub lab/nobody 1 -q 1");
    let text = cast
        .event("car", "PUBACK 0x10", |e| match e {
            ClientEvent::NoMatchingSubscribers { .. } => Some(e.text(Lang::En)),
            ClientEvent::PubAcked { .. } | ClientEvent::ServerDisconnected { .. } => {
                panic!("{}", e.text(Lang::En))
            }
            _ => None,
        })
        .await;
    assert!(text.contains("0x10 no matching subscribers"), "{text}");
    cast.event("car", "the PUBACK", |e| matches!(e, ClientEvent::PubAcked { .. }).then_some(())).await;
}

/// A topic name with a wildcard, sent anyway: mosquitto answers a 5.0 client with DISCONNECT 0x82,
/// which the car narrates; it shows as disconnected by the broker, not as a lost connection.
#[tokio::test]
async fn a_disconnect_from_mosquitto_is_narrated_with_its_reason() {
    let m = Mosquitto::start("");
    let mut cast = Cast::new(m.addr);
    cast.run("new car --v5");
    cast.connected("car").await;
    cast.run("car pub car/+ 1");
    let (zh, en) = cast
        .event("car", "DISCONNECT", |e| match e {
            ClientEvent::ServerDisconnected { reason: ReasonCode::ProtocolError, .. } => {
                Some((e.text(Lang::Zh), e.text(Lang::En)))
            }
            ClientEvent::ConnectionLost => panic!("narrated as a lost connection"),
            _ => None,
        })
        .await;
    assert!(en.contains("the broker sent DISCONNECT 0x82 protocol error"), "{en}");
    assert!(zh.contains("服务端发来 DISCONNECT 0x82 协议错误（protocol error）"), "{zh}");
    let state = cast
        .wait("car's new state", |e| match e {
            WorldEvent::Client(v) if v.name == "car" && !v.connected => Some(v.state.clone()),
            _ => None,
        })
        .await;
    assert!(state.en.starts_with("disconnected by the broker: 0x82 protocol error"), "{}", state.en);
}

/// A 5.0 flag on a 3.1.1 client is refused by name, and nothing is sent.
#[tokio::test]
async fn a_5_0_flag_on_a_3_1_1_client_is_refused_by_name() {
    let m = Mosquitto::start("");
    let mut cast = Cast::new(m.addr);
    cast.run("new car");
    cast.connected("car").await;
    for line in ["car pub car/speed 1 --expiry 5", "car sub car/# --no-local", "car disconnect --with-will"] {
        let id = cast.run(line);
        let done = cast
            .wait(line, |e| match e {
                WorldEvent::CommandDone { id: i, done, .. } if *i == id => Some(done.clone()),
                _ => None,
            })
            .await;
        let flag = line.split(' ').find(|w| w.starts_with("--")).unwrap();
        let Done::Refused(why) = done else { panic!("{line}: {done:?}") };
        assert!(why.en.starts_with(&format!("{flag} needs MQTT 5.0 (--v5)")), "{}", why.en);
        assert!(why.zh.starts_with(&format!("{flag} 需要 MQTT 5.0")), "{}", why.zh);
    }
}

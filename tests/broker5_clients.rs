//! The broker as an MQTT 5.0 server against real 5.0 clients written by others: rumqttc's `v5`
//! client (in process), Debian's mosquitto_pub / mosquitto_sub with `-V 5`, and Eclipse Paho for
//! Python (`tests/fixtures/paho5.py`, Debian's python3-paho-mqtt). `MQTT_LAB_TEST_BROKER=mosquitto`
//! runs them against a real mosquitto instead.

#[path = "support/helpers.rs"]
mod support;
#[path = "support/v5.rs"]
mod v5;

use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{
    ConnAck, ConnectReturnCode, Filter, LastWill, LastWillProperties, Packet, Publish, PublishProperties,
    SubscribeReasonCode,
};
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::*;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use v5::*;

// ---- rumqttc v5 ---------------------------------------------------------------------------------

/// A rumqttc v5 client whose event loop runs in a task; incoming packets come through a channel.
struct Rumq5 {
    client: AsyncClient,
    rx: mpsc::UnboundedReceiver<Packet>,
    task: JoinHandle<()>,
    name: String,
}

impl Drop for Rumq5 {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn options(id: &str, addr: SocketAddr) -> MqttOptions {
    let mut o = MqttOptions::new(id, addr.ip().to_string(), addr.port());
    o.set_keep_alive(Duration::from_secs(30));
    o
}

impl Rumq5 {
    /// Connects and waits for CONNACK, which must be Success.
    async fn start(opts: MqttOptions) -> (Rumq5, ConnAck) {
        let name = opts.client_id();
        let (client, mut eventloop) = AsyncClient::new(opts, 10);
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(p)) => {
                        if tx.send(p).is_err() {
                            return;
                        }
                    }
                    Ok(Event::Outgoing(_)) => {}
                    // No reconnecting behind the test's back.
                    Err(_) => return,
                }
            }
        });
        let mut r = Rumq5 { client, rx, task, name };
        let connack = match r.next().await {
            Packet::ConnAck(c) => c,
            other => panic!("{}: expected CONNACK, got {other:?}", r.name),
        };
        assert_eq!(connack.code, ConnectReturnCode::Success, "{}: {connack:?}", r.name);
        (r, connack)
    }

    async fn next(&mut self) -> Packet {
        match tokio::time::timeout(WAIT, self.rx.recv()).await {
            Ok(Some(p)) => p,
            Ok(None) => panic!("{}: the event loop ended (connection error)", self.name),
            Err(_) => panic!("{}: nothing received within {WAIT:?}", self.name),
        }
    }

    async fn wait_for<T>(&mut self, mut pick: impl FnMut(&Packet) -> Option<T>) -> T {
        loop {
            let p = self.next().await;
            if let Some(t) = pick(&p) {
                return t;
            }
        }
    }

    async fn publish_msg(&mut self) -> Publish {
        self.wait_for(|p| match p {
            Packet::Publish(p) => Some(p.clone()),
            _ => None,
        })
        .await
    }

    async fn suback(&mut self) -> Vec<SubscribeReasonCode> {
        self.wait_for(|p| match p {
            Packet::SubAck(s) => Some(s.return_codes.clone()),
            _ => None,
        })
        .await
    }

    async fn subscribe(&mut self, filter: &str, qos: QoS) {
        self.client.subscribe(filter, qos).await.expect("subscribe request");
        assert_eq!(self.suback().await, vec![SubscribeReasonCode::Success(qos)], "{}: SUBACK {filter}", self.name);
    }

    /// Publishes and waits for PUBACK (QoS 1) or PUBCOMP (QoS 2).
    async fn publish(&mut self, topic: &str, qos: QoS, payload: &str, props: Option<PublishProperties>) {
        let bytes = payload.as_bytes().to_vec();
        match props {
            Some(p) => self.client.publish_with_properties(topic, qos, false, bytes, p).await,
            None => self.client.publish(topic, qos, false, bytes).await,
        }
        .expect("publish request");
        match qos {
            QoS::AtMostOnce => {}
            QoS::AtLeastOnce => self.wait_for(|p| matches!(p, Packet::PubAck(_)).then_some(())).await,
            QoS::ExactlyOnce => self.wait_for(|p| matches!(p, Packet::PubComp(_)).then_some(())).await,
        }
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// [MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-20] A rumqttc v5
/// publisher's User Properties, Content Type, Response Topic and Correlation Data reach a rumqttc v5
/// subscriber unchanged; the Message Expiry Interval (60 s) arrives at most what was sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rumqttc_v5_publish_properties_reach_the_subscriber() {
    let (_b, addr) = broker5().await;
    let (mut phone, _) = Rumq5::start(options("phone", addr)).await;
    phone.subscribe("car/#", QoS::AtLeastOnce).await;
    let (mut car, _) = Rumq5::start(options("car", addr)).await;
    let props = PublishProperties {
        message_expiry_interval: Some(60),
        content_type: Some("application/json".into()),
        response_topic: Some("car/reply".into()),
        correlation_data: Some(vec![0u8, 1, 0xff].into()),
        user_properties: vec![("unit".into(), "km/h".into()), ("sensor".into(), "front".into())],
        ..PublishProperties::default()
    };
    car.publish("car/speed", QoS::AtLeastOnce, "{\"v\":50}", Some(props)).await;
    let p = phone.publish_msg().await;
    assert_eq!((text(&p.topic), p.qos, text(&p.payload)), ("car/speed".into(), QoS::AtLeastOnce, "{\"v\":50}".into()));
    let got = p.properties.expect("properties");
    assert_eq!(got.content_type.as_deref(), Some("application/json"));
    assert_eq!(got.response_topic.as_deref(), Some("car/reply"));
    assert_eq!(got.correlation_data.as_deref(), Some(&[0u8, 1, 0xff][..]));
    assert_eq!(got.user_properties, vec![("unit".into(), "km/h".into()), ("sensor".into(), "front".into())]);
    assert!(got.message_expiry_interval.is_some_and(|v| (58..=60).contains(&v)), "{got:?}");
}

/// [MQTT-3.1.2-23] [MQTT-3.2.2-3] A rumqttc v5 client with Clean Start 0 and a Session Expiry
/// Interval of 60 s disconnects; QoS 1 messages published meanwhile arrive, in order, when it
/// reconnects to its session (Session Present 1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rumqttc_v5_session_expiry_keeps_queued_messages() {
    let (_b, addr) = broker5().await;
    let persistent = || {
        let mut o = options("phone", addr);
        o.set_clean_start(false);
        o.set_session_expiry_interval(Some(60));
        o
    };
    let (mut phone, ack) = Rumq5::start(persistent()).await;
    assert!(!ack.session_present);
    phone.subscribe("car/#", QoS::AtLeastOnce).await;
    phone.client.disconnect().await.expect("disconnect request");
    // The event loop ends when the broker closes the connection.
    let _ = tokio::time::timeout(WAIT, async { while phone.rx.recv().await.is_some() {} }).await;
    drop(phone);

    let (mut car, _) = Rumq5::start(options("car", addr)).await;
    for (topic, payload) in [("car/speed", "50"), ("car/rpm", "3000")] {
        car.publish(topic, QoS::AtLeastOnce, payload, None).await;
    }
    let (mut phone, ack) = Rumq5::start(persistent()).await;
    assert!(ack.session_present, "the stored session is resumed");
    let mut got = Vec::new();
    for _ in 0..2 {
        let p = phone.publish_msg().await;
        got.push((text(&p.topic), text(&p.payload)));
    }
    assert_eq!(got, vec![("car/speed".into(), "50".into()), ("car/rpm".into(), "3000".into())]);
}

/// [MQTT-3.1.2-8] A rumqttc v5 client's will with a Will Delay Interval of 1 s is published about
/// 1 s after its connection is lost, with its User Property.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rumqttc_v5_will_delay() {
    let (_b, addr) = broker5().await;
    let mut w = C5::plain(addr, "watcher").await;
    w.subscribe(1, "car/status", 0).await;
    let mut o = options("car", addr);
    o.set_session_expiry_interval(Some(30));
    let wprops = LastWillProperties {
        delay_interval: Some(1),
        payload_format_indicator: None,
        message_expiry_interval: None,
        content_type: None,
        response_topic: None,
        correlation_data: None,
        user_properties: vec![("by".into(), "rumqttc".into())],
    };
    o.set_last_will(LastWill::new("car/status", "gone", QoS::AtMostOnce, false, Some(wprops)));
    let (car, _) = Rumq5::start(o).await;
    let lost = Instant::now();
    drop(car);
    w.expect_silence(Duration::from_millis(700)).await;
    let m = w.recv_publish().await;
    assert_eq!((m.topic.as_str(), m.text().as_str()), ("car/status", "gone"));
    assert_eq!(m.props.user(), vec![("by".to_string(), "rumqttc".to_string())]);
    assert!(lost.elapsed() >= Duration::from_millis(900), "will after {:?}", lost.elapsed());
}

/// [MQTT-3.8.3-3] A rumqttc v5 subscription with No Local gets other clients' messages, not the
/// client's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rumqttc_v5_no_local() {
    let (_b, addr) = broker5().await;
    let (mut car, _) = Rumq5::start(options("car", addr)).await;
    let mut f = Filter::new("car/#", QoS::AtLeastOnce);
    f.nolocal = true;
    car.client.subscribe_many(vec![f]).await.expect("subscribe request");
    assert_eq!(car.suback().await, vec![SubscribeReasonCode::Success(QoS::AtLeastOnce)]);
    car.publish("car/own", QoS::AtLeastOnce, "mine", None).await;
    let (mut phone, _) = Rumq5::start(options("phone", addr)).await;
    phone.publish("car/other", QoS::AtLeastOnce, "yours", None).await;
    let p = car.publish_msg().await;
    assert_eq!((text(&p.topic), text(&p.payload)), ("car/other".into(), "yours".into()), "No Local sent its own");
}

/// [MQTT-3.3.2-12] [MQTT-3.3.2-11] Topic aliases with rumqttc v5 both ways: a publisher sets alias 1
/// with the topic and then sends the alias alone; a subscriber that allows 5 aliases gets every
/// message with its topic resolved (whether or not the broker uses aliases towards it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rumqttc_v5_topic_aliases() {
    let (_b, addr) = broker5().await;
    let mut o = options("phone", addr);
    o.set_topic_alias_max(Some(5));
    let (mut phone, _) = Rumq5::start(o).await;
    phone.subscribe("car/#", QoS::AtMostOnce).await;
    let (mut car, ack) = Rumq5::start(options("car", addr)).await;
    let max = ack.properties.and_then(|p| p.topic_alias_max).unwrap_or(0);
    assert!(max >= 1, "the broker announced no Topic Alias Maximum");
    let alias = |a| PublishProperties { topic_alias: Some(a), ..PublishProperties::default() };
    car.publish("car/speed", QoS::AtLeastOnce, "50", Some(alias(1))).await;
    car.publish("", QoS::AtLeastOnce, "60", Some(alias(1))).await;
    car.publish("car/speed", QoS::AtLeastOnce, "70", None).await;
    // rumqttc hands the application the topic as it came on the wire: an alias alone arrives with an
    // empty topic, so the subscriber keeps the aliases it was given, as its application must.
    let mut aliases = std::collections::HashMap::new();
    let mut got = Vec::new();
    for _ in 0..3 {
        let p = phone.publish_msg().await;
        let mut topic = text(&p.topic);
        if let Some(a) = p.properties.as_ref().and_then(|p| p.topic_alias) {
            assert!((1..=5).contains(&a), "alias {a} above the 5 allowed");
            if topic.is_empty() {
                topic = aliases.get(&a).cloned().unwrap_or_else(|| panic!("alias {a} used before it was set"));
            } else {
                aliases.insert(a, topic.clone());
            }
        }
        got.push((topic, text(&p.payload)));
    }
    assert_eq!(
        got,
        vec![("car/speed".into(), "50".into()), ("car/speed".into(), "60".into()), ("car/speed".into(), "70".into())]
    );
}

// ---- mosquitto_pub / mosquitto_sub -V 5 ---------------------------------------------------------

fn mosquitto(program: &str, addr: SocketAddr, args: &[&str]) -> Proc {
    spawn_mosquitto(program, addr, args, false)
}

/// Spawns `program -V mqttv5` against `addr`; with `line_buffered` its stdout is flushed line by
/// line (coreutils' `stdbuf -oL`: a pipe would otherwise hold its output until it exits).
fn spawn_mosquitto(program: &str, addr: SocketAddr, args: &[&str], line_buffered: bool) -> Proc {
    require_mosquitto();
    let port = addr.port().to_string();
    let mut cmd = if line_buffered {
        let mut c = Command::new("stdbuf");
        c.args(["-oL", program]);
        c
    } else {
        Command::new(program)
    };
    let child = cmd
        .args(["-h", "127.0.0.1", "-p", &port, "-V", "mqttv5"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e} (install Debian's mosquitto-clients)"));
    Proc(child)
}

/// Runs `mosquitto_pub -V 5` to its end; fails the test if it fails.
async fn publish_with(addr: SocketAddr, args: &[&str]) {
    let mut p = mosquitto("mosquitto_pub", addr, args);
    let status = p.wait_exit_async(WAIT).await;
    assert!(status.success(), "mosquitto_pub {args:?} failed: {}", p.stderr());
}

/// A running `mosquitto_sub -V 5 -d` whose output lines come through a channel; its messages are
/// printed as `MSG …` lines with the `-F` format given.
struct Sub {
    _proc: Proc,
    lines: mpsc::UnboundedReceiver<String>,
}

impl Sub {
    /// Starts it and waits until its SUBACK arrived.
    async fn start(addr: SocketAddr, format: &str, args: &[&str]) -> Sub {
        let fmt = format!("MSG {format}");
        let mut all = vec!["-d", "-F", &fmt];
        all.extend(args);
        let mut proc = spawn_mosquitto("mosquitto_sub", addr, &all, true);
        let out = proc.0.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(out).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut s = Sub { _proc: proc, lines };
        s.line(|l| l.contains("received SUBACK")).await;
        s
    }

    async fn line(&mut self, pick: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(l)) if pick(&l) => return l,
                Ok(Some(_)) => {}
                Ok(None) => panic!("mosquitto_sub ended"),
                Err(_) => panic!("mosquitto_sub printed no such line within {WAIT:?}"),
            }
        }
    }

    /// The next message, as formatted.
    async fn msg(&mut self) -> String {
        let l = self.line(|l| l.starts_with("MSG ")).await;
        l["MSG ".len()..].to_string()
    }
}

/// [MQTT-3.3.2-17] [MQTT-3.3.2-6] `mosquitto_pub -V 5 -D publish user-property … -D publish
/// message-expiry-interval 10` reaches `mosquitto_sub -V 5` with the user property and an expiry
/// interval of at most 10.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_v5_user_property_and_message_expiry() {
    let (_b, addr) = broker5().await;
    let mut sub = Sub::start(addr, "%t|%p|%P|%E", &["-t", "car/#", "-q", "1"]).await;
    publish_with(
        addr,
        &[
            "-q",
            "1",
            "-t",
            "car/speed",
            "-m",
            "50",
            "-D",
            "publish",
            "user-property",
            "unit",
            "km/h",
            "-D",
            "publish",
            "message-expiry-interval",
            "10",
        ],
    )
    .await;
    let got = sub.msg().await;
    let parts: Vec<&str> = got.split('|').collect();
    assert_eq!(parts[..3], ["car/speed", "50", "unit:km/h"], "{got:?}");
    let left: u32 = parts[3].parse().unwrap_or_else(|_| panic!("no expiry interval in {got:?}"));
    assert!((9..=10).contains(&left), "expiry interval {left}");
}

/// [MQTT-3.1.2-8] `mosquitto_sub -V 5 --will-topic … -D will will-delay-interval 1 -x 30`, killed:
/// its will arrives about 1 s later, not at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_v5_will_delay() {
    let (_b, addr) = broker5().await;
    let mut w = C5::plain(addr, "watcher").await;
    w.subscribe(1, "car/status", 0).await;
    let args = [
        "-t",
        "car/cmd",
        "-i",
        "car",
        "-x",
        "30",
        "--will-topic",
        "car/status",
        "--will-payload",
        "gone",
        "-D",
        "will",
        "will-delay-interval",
        "1",
    ];
    let mut car = Sub::start(addr, "%t", &args).await;
    car._proc.0.kill().expect("kill mosquitto_sub");
    let lost = Instant::now();
    w.expect_silence(Duration::from_millis(700)).await;
    let m = w.recv_publish().await;
    assert_eq!((m.topic.as_str(), m.text().as_str()), ("car/status", "gone"));
    assert!(lost.elapsed() >= Duration::from_millis(900), "will after {:?}", lost.elapsed());
    car.lines.close();
}

/// [MQTT-3.3.1-12] [MQTT-3.3.1-13] `mosquitto_sub -V 5 --retain-as-published` sees a live retained
/// message with its RETAIN flag (1); a subscriber without it sees 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_v5_retain_as_published() {
    let (_b, addr) = broker5().await;
    let mut rap = Sub::start(addr, "%t|%p|%r", &["-t", "car/#", "--retain-as-published"]).await;
    let mut plain = Sub::start(addr, "%t|%p|%r", &["-t", "car/#"]).await;
    publish_with(addr, &["-r", "-t", "car/status", "-m", "online"]).await;
    assert_eq!(rap.msg().await, "car/status|online|1");
    assert_eq!(plain.msg().await, "car/status|online|0");
}

/// [MQTT-3.1.2-23] [MQTT-3.2.2-3] `mosquitto_sub -V 5 -c -x 30` subscribes and leaves; a QoS 1
/// message published meanwhile reaches it when it comes back with the same id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_v5_session_expiry() {
    let (_b, addr) = broker5().await;
    let session = ["-c", "-x", "30", "-i", "phone", "-q", "1", "-t", "car/#"];
    let mut first = mosquitto("mosquitto_sub", addr, &[&session[..], &["-E"]].concat());
    let status = first.wait_exit_async(WAIT).await;
    assert!(status.success(), "mosquitto_sub -E failed: {}", first.stderr());
    publish_with(addr, &["-q", "1", "-t", "car/speed", "-m", "50"]).await;
    let mut again = mosquitto("mosquitto_sub", addr, &[&session[..], &["-C", "1", "-v"]].concat());
    let status = again.wait_exit_async(WAIT).await;
    assert!(status.success(), "mosquitto_sub failed: {}", again.stderr());
    assert_eq!(again.stdout(), "car/speed 50\n");
}

// ---- Eclipse Paho (Python) ----------------------------------------------------------------------

/// Runs `tests/fixtures/paho5.py MODE PORT` with Debian's Python (where python3-paho-mqtt is) and
/// returns its JSON output.
async fn paho(mode: &str, addr: SocketAddr) -> serde_json::Value {
    let python = ["/usr/bin/python3"].into_iter().find(|p| std::path::Path::new(p).is_file()).unwrap_or("python3");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/paho5.py");
    let child = Command::new(python)
        .args([script, mode, &addr.port().to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let mut p = Proc(child);
    let status = p.wait_exit_async(Duration::from_secs(15)).await;
    let (out, err) = (p.stdout(), p.stderr());
    assert!(
        !err.contains("No module named 'paho'"),
        "paho-mqtt is missing: install Debian's python3-paho-mqtt (the project's test command does)"
    );
    assert!(status.success(), "paho5.py {mode} failed ({status}): {out} {err}");
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("paho5.py {mode} printed {out:?}: {e}"))
}

/// [MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-18] [MQTT-3.3.2-20] [MQTT-3.8.3-3] Paho
/// MQTTv5 clients: a QoS 1 message with Payload Format Indicator, Content Type, Response Topic,
/// Correlation Data and two User Properties reaches a No Local subscriber with them unchanged; the
/// subscriber's own message does not come back to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paho_v5_properties_and_no_local() {
    let (_b, addr) = broker5().await;
    let out = paho("props", addr).await;
    assert_eq!(out["connack"]["reason"], 0, "{out}");
    let msgs = out["messages"].as_array().expect("messages");
    assert_eq!(msgs.len(), 1, "only the other client's message: {out}");
    let m = &msgs[0];
    assert_eq!(
        (m["topic"].as_str(), m["payload"].as_str(), m["qos"].as_u64()),
        (Some("car/speed"), Some("{\"v\":50}"), Some(1))
    );
    let p = &m["props"];
    assert_eq!(p["PayloadFormatIndicator"], 1, "{p}");
    assert_eq!(p["ContentType"], "application/json", "{p}");
    assert_eq!(p["ResponseTopic"], "car/reply", "{p}");
    assert_eq!(p["CorrelationData"], serde_json::json!([0, 1, 255]), "{p}");
    assert_eq!(p["UserProperty"], serde_json::json!([["unit", "km/h"], ["sensor", "front"]]), "{p}");
    let left = p["MessageExpiryInterval"].as_u64().expect("a Message Expiry Interval");
    assert!((58..=60).contains(&left), "{p}");
}

/// [MQTT-3.1.2-8] [MQTT-3.1.3-10] A Paho MQTTv5 client with a will (Will Delay Interval 1 s, a User
/// Property) whose process dies: the will arrives about 1 s later, with the User Property.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paho_v5_will_delay() {
    let (_b, addr) = broker5().await;
    let mut w = C5::plain(addr, "watcher").await;
    w.subscribe(1, "car/status", 0).await;
    let out = paho("will", addr).await;
    let lost = Instant::now();
    assert_eq!(out["connected"], true, "{out}");
    w.expect_silence(Duration::from_millis(600)).await;
    let m = w.recv_publish().await;
    assert_eq!((m.topic.as_str(), m.text().as_str()), ("car/status", "gone"));
    assert_eq!(m.props.user(), vec![("by".to_string(), "paho".to_string())]);
    assert!(lost.elapsed() >= Duration::from_millis(800), "will after {:?}", lost.elapsed());
}

//! The broker against real clients that were written by others: rumqttc 0.25 (in process) and
//! Debian's mosquitto_pub / mosquitto_sub (as processes).

#[path = "support/helpers.rs"]
mod support;

use mqtt_lab::broker::{Event, WillCause};
use mqtt_lab::proto::{Protocol, QoS as LabQoS};
use mqtt_lab::runtime::Server;
use rumqttc::{
    AsyncClient, ConnAck, Event as REvent, Incoming, LastWill, MqttOptions, Publish, QoS, SubscribeReasonCode,
};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::*;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

// ---- rumqttc ------------------------------------------------------------------------------------

/// A rumqttc client whose event loop runs in a task; incoming packets come through a channel.
struct Rumq {
    client: AsyncClient,
    rx: mpsc::UnboundedReceiver<Incoming>,
    task: JoinHandle<()>,
    name: String,
}

impl Drop for Rumq {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn options(id: &str, addr: SocketAddr) -> MqttOptions {
    let mut o = MqttOptions::new(id, addr.ip().to_string(), addr.port());
    o.set_keep_alive(Duration::from_secs(30));
    o
}

impl Rumq {
    /// Connects and waits for CONNACK.
    async fn start(opts: MqttOptions) -> (Rumq, ConnAck) {
        let name = opts.client_id();
        let (client, mut eventloop) = AsyncClient::new(opts, 10);
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            loop {
                match eventloop.poll().await {
                    Ok(REvent::Incoming(p)) => {
                        if tx.send(p).is_err() {
                            return;
                        }
                    }
                    Ok(REvent::Outgoing(_)) => {}
                    // Do not let rumqttc reconnect behind the test's back.
                    Err(_) => return,
                }
            }
        });
        let mut r = Rumq { client, rx, task, name };
        let connack = match r.next().await {
            Incoming::ConnAck(c) => c,
            other => panic!("{}: expected CONNACK, got {other:?}", r.name),
        };
        (r, connack)
    }

    async fn next(&mut self) -> Incoming {
        match tokio::time::timeout(WAIT, self.rx.recv()).await {
            Ok(Some(p)) => p,
            Ok(None) => panic!("{}: the event loop ended (connection error)", self.name),
            Err(_) => panic!("{}: nothing received within {WAIT:?}", self.name),
        }
    }

    /// The next incoming packet that `pick` accepts; PINGRESP and the like are skipped.
    async fn wait_for<T>(&mut self, mut pick: impl FnMut(&Incoming) -> Option<T>) -> T {
        loop {
            let p = self.next().await;
            if let Some(t) = pick(&p) {
                return t;
            }
        }
    }

    async fn publish_msg(&mut self) -> Publish {
        self.wait_for(|p| match p {
            Incoming::Publish(p) => Some(p.clone()),
            _ => None,
        })
        .await
    }

    async fn subscribe(&mut self, filter: &str, qos: QoS) {
        self.client.subscribe(filter, qos).await.expect("subscribe request");
        let codes = self
            .wait_for(|p| match p {
                Incoming::SubAck(s) => Some(s.return_codes.clone()),
                _ => None,
            })
            .await;
        assert_eq!(codes, vec![SubscribeReasonCode::Success(qos)], "{}: SUBACK for {filter}", self.name);
    }

    /// Publishes and waits for PUBACK (QoS 1) or PUBCOMP (QoS 2).
    async fn publish(&mut self, topic: &str, qos: QoS, retain: bool, payload: &str) {
        self.client.publish(topic, qos, retain, payload.as_bytes().to_vec()).await.expect("publish request");
        match qos {
            QoS::AtMostOnce => {}
            QoS::AtLeastOnce => self.wait_for(|p| matches!(p, Incoming::PubAck(_)).then_some(())).await,
            QoS::ExactlyOnce => self.wait_for(|p| matches!(p, Incoming::PubComp(_)).then_some(())).await,
        }
    }
}

fn summary(p: &Publish) -> (String, QoS, bool, String) {
    (p.topic.clone(), p.qos, p.retain, String::from_utf8_lossy(&p.payload).into_owned())
}

fn settled(server: &Server, client: &str) -> bool {
    server.with_broker(|b| b.session(client).is_some_and(|s| s.inflight.is_empty() && s.queue.is_empty()))
}

/// Two rumqttc clients through the broker at QoS 0, 1 and 2: every message arrives once, in order,
/// at the QoS it was published with, and both QoS 2 handshakes complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rumqttc_publish_and_subscribe_qos_0_1_2() {
    let (server, addr) = broker(config()).await;
    let (mut phone, connack) = Rumq::start(options("phone", addr)).await;
    assert!(!connack.session_present);
    phone.subscribe("car/#", QoS::ExactlyOnce).await;
    let (mut car, _) = Rumq::start(options("car", addr)).await;
    car.publish("car/a", QoS::AtMostOnce, false, "zero").await;
    car.publish("car/b", QoS::AtLeastOnce, false, "one").await;
    car.publish("car/c", QoS::ExactlyOnce, false, "two").await;
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(summary(&phone.publish_msg().await));
    }
    assert_eq!(
        got,
        vec![
            ("car/a".into(), QoS::AtMostOnce, false, "zero".into()),
            ("car/b".into(), QoS::AtLeastOnce, false, "one".into()),
            ("car/c".into(), QoS::ExactlyOnce, false, "two".into()),
        ]
    );
    eventually("phone acknowledged everything", || settled(&server, "phone")).await;
    eventually("car's QoS 2 message was released", || {
        server.with_broker(|b| b.session("car").is_some_and(|s| s.awaiting_pubrel.is_empty()))
    })
    .await;
}

/// A retained message reaches a later rumqttc subscriber with RETAIN set; a rumqttc client whose
/// connection is lost without DISCONNECT has its last will published (and, as a retained will,
/// stored for later subscribers).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rumqttc_retained_message_and_last_will() {
    let (server, addr) = broker(config()).await;
    let mut events = server.events();
    let mut o = options("car", addr);
    o.set_last_will(LastWill::new("car/status", "offline", QoS::AtLeastOnce, true));
    let (mut car, _) = Rumq::start(o).await;
    car.publish("car/status", QoS::AtLeastOnce, true, "online").await;

    let (mut phone, _) = Rumq::start(options("phone", addr)).await;
    phone.subscribe("car/status", QoS::AtLeastOnce).await;
    assert_eq!(summary(&phone.publish_msg().await), ("car/status".into(), QoS::AtLeastOnce, true, "online".into()));

    // Kill car's event loop: its socket closes without DISCONNECT.
    drop(car);
    assert_eq!(summary(&phone.publish_msg().await), ("car/status".into(), QoS::AtLeastOnce, false, "offline".into()));
    let cause = wait_event(&mut events, |e| match e {
        Event::WillPublished { client_id, cause, .. } if client_id == "car" => Some(*cause),
        _ => None,
    })
    .await;
    assert_eq!(cause, WillCause::ConnectionLost);

    let (mut late, _) = Rumq::start(options("late", addr)).await;
    late.subscribe("car/status", QoS::AtMostOnce).await;
    assert_eq!(summary(&late.publish_msg().await), ("car/status".into(), QoS::AtMostOnce, true, "offline".into()));
}

/// A rumqttc client with clean session 0 disconnects; QoS 1 messages published meanwhile are queued
/// and delivered, in order, when it reconnects to its stored session (session present = 1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rumqttc_persistent_session_receives_queued_messages() {
    let (server, addr) = broker(config()).await;
    let persistent = || {
        let mut o = options("phone", addr);
        o.set_clean_session(false);
        o
    };
    let (mut phone, connack) = Rumq::start(persistent()).await;
    assert!(!connack.session_present);
    phone.subscribe("car/#", QoS::AtLeastOnce).await;
    phone.client.disconnect().await.expect("disconnect request");
    eventually("phone is offline", || server.with_broker(|b| b.session("phone").is_some_and(|s| s.conn.is_none())))
        .await;
    drop(phone);

    let (mut car, _) = Rumq::start(options("car", addr)).await;
    for (topic, payload) in [("car/speed", "50"), ("car/rpm", "3000"), ("car/speed", "60")] {
        car.publish(topic, QoS::AtLeastOnce, false, payload).await;
    }
    assert_eq!(server.with_broker(|b| b.session("phone").map(|s| s.queue.len())), Some(3), "queued while offline");

    let (mut phone, connack) = Rumq::start(persistent()).await;
    assert!(connack.session_present, "the stored session is resumed");
    let mut got = Vec::new();
    for _ in 0..3 {
        let p = phone.publish_msg().await;
        got.push((p.topic.clone(), p.qos, String::from_utf8_lossy(&p.payload).into_owned()));
    }
    assert_eq!(
        got,
        vec![
            ("car/speed".into(), QoS::AtLeastOnce, "50".into()),
            ("car/rpm".into(), QoS::AtLeastOnce, "3000".into()),
            ("car/speed".into(), QoS::AtLeastOnce, "60".into()),
        ]
    );
    eventually("phone acknowledged the queued messages", || settled(&server, "phone")).await;
}

// ---- mosquitto_pub / mosquitto_sub --------------------------------------------------------------

/// Spawns `mosquitto_sub` or `mosquitto_pub` against `addr`.
fn mosquitto(program: &str, addr: SocketAddr, args: &[&str]) -> Proc {
    require_mosquitto();
    let port = addr.port().to_string();
    let child = Command::new(program)
        .args(["-h", "127.0.0.1", "-p", &port])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e} (install Debian's mosquitto-clients)"));
    Proc(child)
}

/// Runs a mosquitto client to its end: (success, stdout, stderr).
async fn run(program: &str, addr: SocketAddr, args: &[&str]) -> (bool, String, String) {
    let mut p = mosquitto(program, addr, args);
    let status = p.wait_exit_async(WAIT).await;
    (status.success(), p.stdout(), p.stderr())
}

async fn wait_subscribed(events: &mut broadcast::Receiver<(std::time::Duration, Event)>, filter: &str) -> LabQoS {
    wait_event(events, |e| match e {
        Event::Subscribed { filter: f, granted, .. } if f == filter => Some(*granted),
        _ => None,
    })
    .await
}

/// `mosquitto_sub -C 2 -v -t 'car/#' -q 1` receives one message from `mosquitto_pub -q 1` and one
/// from `mosquitto_pub -q 2`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_sub_receives_qos1_and_qos2_publishes() {
    require_mosquitto();
    let (server, addr) = broker(config()).await;
    let mut events = server.events();
    let mut sub = mosquitto("mosquitto_sub", addr, &["-C", "2", "-v", "-t", "car/#", "-q", "1", "-i", "phone"]);
    assert_eq!(wait_subscribed(&mut events, "car/#").await, LabQoS::AtLeastOnce);

    let (ok, _, err) = run("mosquitto_pub", addr, &["-q", "1", "-t", "car/speed", "-m", "50"]).await;
    assert!(ok, "mosquitto_pub -q 1 failed: {err}");
    let (ok, _, err) = run("mosquitto_pub", addr, &["-q", "2", "-t", "car/rpm", "-m", "3000"]).await;
    assert!(ok, "mosquitto_pub -q 2 failed: {err}");

    let status = sub.wait_exit_async(WAIT).await;
    let (out, err) = (sub.stdout(), sub.stderr());
    assert!(status.success(), "mosquitto_sub failed: {status} {err}");
    assert_eq!(out, "car/speed 50\ncar/rpm 3000\n");
}

/// `mosquitto_pub -r` stores a retained message that a later `mosquitto_sub -C 1` receives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_retained_message() {
    require_mosquitto();
    let (_server, addr) = broker(config()).await;
    let (ok, _, err) = run("mosquitto_pub", addr, &["-r", "-q", "1", "-t", "car/status", "-m", "online"]).await;
    assert!(ok, "mosquitto_pub -r failed: {err}");
    let (ok, out, err) = run("mosquitto_sub", addr, &["-C", "1", "-v", "-t", "car/#"]).await;
    assert!(ok, "mosquitto_sub failed: {err}");
    assert_eq!(out, "car/status online\n");
}

/// `-u/-P` against a broker with a password table: the right password works; a wrong password or an
/// unknown user is refused with CONNACK 4, no credentials with CONNACK 5, and the clients exit
/// non-zero saying why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_user_name_and_password() {
    require_mosquitto();
    let passwords = mqtt_lab::broker::auth::Passwords::from_plain([("alice", "secret")]);
    let (server, addr) = broker(mqtt_lab::broker::Config { passwords: Some(passwords), ..config() }).await;
    let mut events = server.events();

    let mut sub = mosquitto("mosquitto_sub", addr, &["-u", "alice", "-P", "secret", "-C", "1", "-t", "car/speed"]);
    wait_subscribed(&mut events, "car/speed").await;
    let (ok, _, err) =
        run("mosquitto_pub", addr, &["-u", "alice", "-P", "secret", "-t", "car/speed", "-m", "50"]).await;
    assert!(ok, "mosquitto_pub with the right password failed: {err}");
    let status = sub.wait_exit_async(WAIT).await;
    assert!(status.success(), "mosquitto_sub with the right password failed: {}", sub.stderr());
    assert_eq!(sub.stdout(), "50\n");

    for (args, want) in [
        (&["-u", "alice", "-P", "wrong"][..], "bad user name or password"),
        (&["-u", "bob", "-P", "secret"][..], "bad user name or password"),
        (&[][..], "not authorised"),
    ] {
        for program in ["mosquitto_sub", "mosquitto_pub"] {
            let mut all = args.to_vec();
            all.extend(["-t", "car/speed"]);
            all.extend(if program == "mosquitto_pub" { ["-m", "x"] } else { ["-C", "1"] });
            let (ok, out, err) = run(program, addr, &all).await;
            assert!(!ok, "{program} {args:?} should fail; stdout {out:?}");
            assert!(
                err.contains(&format!("Connection Refused: {want}")),
                "{program} {args:?}: expected \"Connection Refused: {want}\", stderr: {err:?}"
            );
        }
    }
}

/// `-V mqttv31`: MQTT 3.1 ("MQIsdp", level 3) publishers and subscribers work, QoS 2 included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_mqtt_31() {
    require_mosquitto();
    let (server, addr) = broker(config()).await;
    let mut events = server.events();
    let mut sub = mosquitto("mosquitto_sub", addr, &["-V", "mqttv31", "-C", "1", "-v", "-q", "2", "-t", "car/speed"]);
    let protocol = wait_event(&mut events, |e| match e {
        Event::Connected { protocol, .. } => Some(*protocol),
        _ => None,
    })
    .await;
    assert_eq!(protocol, Protocol::V31);
    wait_subscribed(&mut events, "car/speed").await;
    let (ok, _, err) = run("mosquitto_pub", addr, &["-V", "mqttv31", "-q", "2", "-t", "car/speed", "-m", "50"]).await;
    assert!(ok, "mosquitto_pub -V mqttv31 failed: {err}");
    let status = sub.wait_exit_async(WAIT).await;
    assert!(status.success(), "mosquitto_sub -V mqttv31 failed: {}", sub.stderr());
    assert_eq!(sub.stdout(), "car/speed 50\n");
}

/// `-V mqttv5`: a 5.0 subscriber gets a 5.0 publisher's message with its user property, response
/// topic, content type and message expiry unchanged [MQTT-3.3.2-15] [MQTT-3.3.2-17] [MQTT-3.3.2-20],
/// and the subscription identifier of its SUBSCRIBE [MQTT-3.3.4-3].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_mqtt_5_properties_reach_the_subscriber() {
    require_mosquitto();
    let (server, addr) = broker(config()).await;
    let mut events = server.events();
    let format = "%t %p|%P|%R|%C|%E|%S";
    let sub_args =
        ["-V", "mqttv5", "-C", "1", "-t", "car/speed", "-F", format, "-D", "subscribe", "subscription-identifier", "7"];
    let mut sub = mosquitto("mosquitto_sub", addr, &sub_args);
    let protocol = wait_event(&mut events, |e| match e {
        Event::Connected { protocol, .. } => Some(*protocol),
        _ => None,
    })
    .await;
    assert_eq!(protocol, Protocol::V5);
    wait_subscribed(&mut events, "car/speed").await;
    let pub_args = [
        "-V",
        "mqttv5",
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
        "kmh",
        "-D",
        "publish",
        "response-topic",
        "car/reply",
        "-D",
        "publish",
        "content-type",
        "text/plain",
        "-D",
        "publish",
        "message-expiry-interval",
        "60",
    ];
    let (ok, _, err) = run("mosquitto_pub", addr, &pub_args).await;
    assert!(ok, "mosquitto_pub -V mqttv5 failed: {err}");
    let status = sub.wait_exit_async(WAIT).await;
    assert!(status.success(), "mosquitto_sub -V mqttv5 failed: {}", sub.stderr());
    assert_eq!(sub.stdout(), "car/speed 50|unit:kmh|car/reply|text/plain|60|7\n");
}

/// 3.1.1 and 5.0 clients share topics: a 3.1.1 subscriber gets a 5.0 message (in 3.1.1 framing),
/// and a 5.0 subscriber a 3.1.1 one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_mqtt_5_and_3_1_1_share_topics() {
    require_mosquitto();
    let (server, addr) = broker(config()).await;
    let mut events = server.events();
    let mut v3 = mosquitto("mosquitto_sub", addr, &["-V", "mqttv311", "-C", "2", "-v", "-t", "car/#", "-i", "old"]);
    wait_subscribed(&mut events, "car/#").await;
    let mut v5 = mosquitto("mosquitto_sub", addr, &["-V", "mqttv5", "-C", "2", "-v", "-t", "car/#", "-i", "new"]);
    wait_subscribed(&mut events, "car/#").await;
    let (ok, _, err) = run(
        "mosquitto_pub",
        addr,
        &["-V", "mqttv5", "-q", "2", "-t", "car/speed", "-m", "50", "-D", "publish", "user-property", "unit", "kmh"],
    )
    .await;
    assert!(ok, "mosquitto_pub -V mqttv5 failed: {err}");
    let (ok, _, err) = run("mosquitto_pub", addr, &["-V", "mqttv311", "-q", "1", "-t", "car/rpm", "-m", "3000"]).await;
    assert!(ok, "mosquitto_pub -V mqttv311 failed: {err}");
    for (name, p) in [("3.1.1", &mut v3), ("5.0", &mut v5)] {
        let status = p.wait_exit_async(WAIT).await;
        assert!(status.success(), "the {name} subscriber failed: {}", p.stderr());
        assert_eq!(p.stdout(), "car/speed 50\ncar/rpm 3000\n", "the {name} subscriber");
    }
}

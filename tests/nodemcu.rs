//! `mqtt-lab nodemcu --pty` for real: the virtual board joins a broker (the lab's headless one) over
//! a loopback socket and prints on a real pseudo-terminal, which the lab's serial port layer reads
//! exactly as it reads a USB-serial adapter. The port survives the board going away and reattaches
//! when it comes back under the same name; a board whose power is cut leaves its connection
//! without a word, so its will reaches a mosquitto_sub subscriber only after 1.5 × keep alive.

use mqtt_lab::runtime::serial::{SerialEvent, SerialHandle};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_mqtt-lab");

/// A child process with its stdout read line by line; killed when dropped.
struct Proc {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Proc {
    fn start(cmd: &mut Command) -> Proc {
        let mut child = cmd
            .env("LANG", "C")
            .env_remove("LC_ALL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the program runs");
        let stdout = child.stdout.take().expect("stdout");
        let stdin = child.stdin.take();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Proc { child, stdin, lines, seen: Vec::new() }
    }

    fn wait_line(&mut self, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            match self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if pred(&line) {
                        return line;
                    }
                }
                Err(e) => panic!("no such line in {secs} s ({e}); printed so far:\n{}", self.seen.join("\n")),
            }
        }
    }

    fn say(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{line}").expect("write to stdin");
        stdin.flush().expect("flush");
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The lab's headless broker on a port of its own choosing.
fn broker() -> (Proc, u16) {
    let mut b = Proc::start(Command::new(BIN).args(["broker", "--listen", "127.0.0.1:0", "--lang", "en"]));
    let marker = "broker listening on 127.0.0.1:";
    let line = b.wait_line(10, |l| l.contains(marker));
    let rest = &line[line.find(marker).expect("found") + marker.len()..];
    let port: u16 = rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse().expect("a port");
    (b, port)
}

fn nodemcu(port: u16, sketch: &str, link: &std::path::Path) -> Proc {
    let mut n = Proc::start(Command::new(BIN).args([
        "nodemcu",
        "--pty",
        "--sketch",
        sketch,
        "--broker",
        &format!("127.0.0.1:{port}"),
        "--link",
        &link.display().to_string(),
        "--lang",
        "en",
    ]));
    n.wait_line(10, |l| l.starts_with("serial port: ") && l.contains(&link.display().to_string()));
    n
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("mqtt-lab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The next serial event that satisfies `pred`, within `secs`.
async fn next(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<SerialEvent>,
    secs: u64,
    seen: &mut Vec<String>,
    pred: impl Fn(&SerialEvent) -> bool,
) -> SerialEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(e)) => {
                seen.push(format!("{e:?}"));
                if pred(&e) {
                    return e;
                }
            }
            Ok(None) => panic!("the port's task ended; it said:\n{}", seen.join("\n")),
            Err(_) => panic!("waited {secs} s; the port said:\n{}", seen.join("\n")),
        }
    }
}

fn is_line(e: &SerialEvent, text: &str) -> bool {
    matches!(e, SerialEvent::Line(l) if l == text)
}

#[tokio::test]
async fn the_serial_port_reads_the_virtual_nodemcu_survives_its_restart_and_reattaches() {
    let (mut b, port) = broker();
    let dir = temp_dir("nodemcu-pty");
    let link = dir.join("nodemcu");
    let mut n = nodemcu(port, "connect", &link);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = SerialHandle::spawn(link.display().to_string(), 115_200, tx);
    let mut seen = Vec::new();
    next(&mut rx, 5, &mut seen, |e| matches!(e, SerialEvent::Opened { .. })).await;
    for want in ["WiFi Connected!", "MQTT Server Connected.", "ClientId:", "esp8266-5C:CF:7F:12:34:56"] {
        next(&mut rx, 10, &mut seen, |e| is_line(e, want)).await;
    }
    // The broker saw the same board join: its CONNECT came over the loopback socket.
    b.wait_line(5, |l| l.contains("esp8266-5C:CF:7F:12:34:56 connected"));
    // The board goes away (its pseudo-terminal with it): the port says so and waits.
    n.say("quit");
    let _ = n.child.wait();
    drop(n);
    let closed = next(&mut rx, 5, &mut seen, |e| matches!(e, SerialEvent::Closed { .. })).await;
    assert!(matches!(closed, SerialEvent::Closed { will_retry: true, .. }), "{closed:?}");
    // It comes back under the same name: the port reattaches by itself and reads the new boot.
    let _n = nodemcu(port, "connect", &link);
    next(&mut rx, 10, &mut seen, |e| matches!(e, SerialEvent::Opened { .. })).await;
    next(&mut rx, 10, &mut seen, |e| is_line(e, "MQTT Server Connected.")).await;
    handle.close();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_powered_off_virtual_nodemcu_leaves_its_will_after_one_and_a_half_keep_alives() {
    let (mut b, port) = broker();
    let dir = temp_dir("nodemcu-will");
    let topic = "Taichi-Maker-5C:CF:7F:12:34:56-Will";
    let mut sub = Proc::start(Command::new("mosquitto_sub").args([
        "-h",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-t",
        topic,
        "-v",
    ]));
    b.wait_line(5, |l| l.contains("subscribed"));
    let mut n = nodemcu(port, "will", &dir.join("nodemcu"));
    sub.wait_line(15, |l| l == format!("{topic} CLIENT-ONLINE"));
    let off = Instant::now();
    n.say("off");
    n.wait_line(5, |l| l.contains("powered off") || l.contains("power"));
    sub.wait_line(40, |l| l == format!("{topic} CLIENT-OFFLINE"));
    let after = off.elapsed().as_secs_f64();
    // No DISCONNECT and no FIN: the broker waited for 1.5 × 15 s of silence (counted from the
    // board's last packet, its CLIENT-ONLINE, just before the power went).
    assert!((19.0..26.0).contains(&after), "the will came {after:.1} s after the power was cut");
    b.wait_line(5, |l| l.contains("keep alive") || l.contains("keepalive"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_board_pointed_at_no_broker_prints_state_minus_2_and_tries_again_5_s_later() {
    // A port nothing listens on: taken from the OS, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = temp_dir("nodemcu-refused");
    let link = dir.join("nodemcu");
    let _n = nodemcu(port, "connect", &link);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = SerialHandle::spawn(link.display().to_string(), 115_200, tx);
    let mut seen = Vec::new();
    let failed = "MQTT Server Connect Failed. Client State:-2";
    next(&mut rx, 10, &mut seen, |e| is_line(e, failed)).await;
    let first = Instant::now();
    next(&mut rx, 10, &mut seen, |e| is_line(e, failed)).await;
    let gap = first.elapsed().as_secs_f64();
    assert!((4.5..6.5).contains(&gap), "tried again {gap:.1} s later");
    handle.close();
    let _ = std::fs::remove_dir_all(&dir);
}

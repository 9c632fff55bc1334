//! The real `mqtt-lab` binary: `mqtt-lab broker` as a user runs it, with mosquitto's clients talking
//! to it. Every child process is killed when its guard drops, also when a test fails.

#[path = "support/helpers.rs"]
mod support;

/// The binary's own code, for its command tree (`cli_command`); nothing else of it is used here.
#[path = "../src/main.rs"]
#[allow(dead_code)]
mod bin;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::{Conn, Proc, WAIT, require_mosquitto, scratch};

const BIN: &str = env!("CARGO_BIN_EXE_mqtt-lab");

/// A running `mqtt-lab broker` whose stdout is read line by line.
struct Broker {
    /// Killed when the test ends.
    _proc: Proc,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    port: u16,
}

impl Broker {
    /// Starts `mqtt-lab broker --listen 127.0.0.1:0 ARGS` and reads the port from the listening line,
    /// which must contain `listening`.
    fn start(args: &[&str], listening: &str) -> Broker {
        let child = Command::new(BIN)
            .args(["broker", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("LANG", "C")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run mqtt-lab");
        let mut proc = Proc(child);
        let stdout = proc.0.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut b = Broker { _proc: proc, lines, seen: Vec::new(), port: 0 };
        let line = b.wait_line(|l| l.contains(listening));
        let rest = &line[line.find(listening).expect("found") + listening.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        b.port = digits.parse().unwrap_or_else(|_| panic!("no port after {listening:?} in {line:?}"));
        assert_ne!(b.port, 0, "the printed port must be the one the OS chose, not 0");
        b
    }

    /// The next line that satisfies `pred`, within [`WAIT`].
    fn wait_line(&mut self, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if pred(&line) {
                        return line;
                    }
                }
                Err(e) => panic!("no matching line ({e}); the broker printed:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Runs a mosquitto client against this broker.
    fn mosquitto(&self, program: &str, args: &[&str]) -> Proc {
        require_mosquitto();
        let child = Command::new(program)
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        Proc(child)
    }

    /// Runs `mosquitto_pub ARGS` to its end and requires success.
    fn publish(&self, args: &[&str]) {
        let mut p = self.mosquitto("mosquitto_pub", args);
        let status = p.wait_exit(WAIT);
        assert!(status.success(), "mosquitto_pub {args:?}: {status} {}", p.stderr());
    }
}

/// Runs `mqtt-lab ARGS` to its end: (exit code, stdout, stderr).
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    run_in("C", args)
}

/// Runs `mqtt-lab ARGS` with the locale `LANG=lang` to its end: (exit code, stdout, stderr).
fn run_in(lang: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let child = Command::new(BIN)
        .args(args)
        .env("LANG", lang)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mqtt-lab");
    let mut p = Proc(child);
    let status = p.wait_exit(WAIT);
    (status.code(), p.stdout(), p.stderr())
}

#[test]
fn broker_prints_its_address_and_accepts_a_client() {
    let mut b = Broker::start(&["--lang", "en"], "broker listening on 127.0.0.1:");
    b.publish(&["-t", "car/speed", "-m", "50", "-i", "car"]);
    b.wait_line(|l| l.contains("car connected (MQTT 3.1.1"));
    b.wait_line(|l| l.contains("car sent DISCONNECT"));
    assert!(
        !b.seen.iter().any(|l| l.contains("published")),
        "without -v single messages are not narrated:\n{}",
        b.seen.join("\n")
    );
}

#[test]
fn verbose_narrates_every_publish() {
    let mut b = Broker::start(&["-v", "--lang", "en"], "broker listening on 127.0.0.1:");
    let mut sub = b.mosquitto("mosquitto_sub", &["-C", "1", "-q", "1", "-t", "car/speed", "-i", "phone"]);
    b.wait_line(|l| l.contains("phone subscribed to car/speed"));
    b.publish(&["-q", "1", "-t", "car/speed", "-m", "50", "-i", "car"]);
    let line = b.wait_line(|l| l.contains("published car/speed (QoS 1) → delivered to"));
    assert!(line.contains("car published car/speed (QoS 1) → delivered to phone (QoS 1)"), "{line}");
    let status = sub.wait_exit(WAIT);
    assert!(status.success(), "mosquitto_sub: {}", sub.stderr());
    assert_eq!(sub.stdout(), "50\n");
}

#[test]
fn lang_zh_narrates_in_chinese() {
    let mut b = Broker::start(&["-v", "--lang", "zh"], "服务端正在监听 127.0.0.1:");
    let mut sub = b.mosquitto("mosquitto_sub", &["-C", "1", "-q", "1", "-t", "car/speed", "-i", "phone"]);
    b.wait_line(|l| l.contains("phone 订阅 car/speed"));
    b.publish(&["-q", "1", "-t", "car/speed", "-m", "50", "-i", "car"]);
    let line = b.wait_line(|l| l.contains("发布"));
    assert!(line.contains("car 发布 car/speed (QoS 1) → 投递给 phone (QoS 1)"), "{line}");
    let status = sub.wait_exit(WAIT);
    assert!(status.success(), "mosquitto_sub: {}", sub.stderr());
}

#[test]
fn port_in_use_exits_2_and_names_the_address() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let (code, _, err) = run(&["broker", "--listen", &addr, "--lang", "en"]);
    assert_eq!(code, Some(2), "stderr: {err}");
    assert!(err.contains(&addr), "stderr must name {addr}: {err}");
    assert!(err.contains("already in use"), "stderr: {err}");
}

#[test]
fn unreadable_password_file_exits_2_and_names_it() {
    let (code, _, err) = run(&["broker", "--listen", "127.0.0.1:0", "--passwd", "/nonexistent", "--lang", "en"]);
    assert_eq!(code, Some(2), "stderr: {err}");
    assert!(err.contains("/nonexistent"), "stderr: {err}");
}

#[test]
fn bad_password_file_line_exits_2_with_file_line_column() {
    let path = scratch("passwd-bad");
    std::fs::write(&path.0, "# users\nalice:secret\nnocolon\n").expect("write");
    let p = path.display();
    let (code, _, err) = run(&["broker", "--listen", "127.0.0.1:0", "--passwd", &p, "--lang", "en"]);
    assert_eq!(code, Some(2), "stderr: {err}");
    assert!(err.contains(&format!("{p}:3:1")), "stderr must say {p}:3:1: {err}");
}

/// Sends one CONNECT on a fresh socket to 127.0.0.1:`port` and returns the CONNACK's 4 bytes.
fn connack(port: u16, c: &Conn) -> [u8; 4] {
    use std::io::{Read, Write};
    let mut sock = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    sock.set_read_timeout(Some(WAIT)).expect("timeout");
    sock.write_all(&c.bytes()).expect("send CONNECT");
    let mut ack = [0u8; 4];
    sock.read_exact(&mut ack).expect("a CONNACK");
    ack
}

#[test]
fn auth_refuses_anonymous_clients_and_lets_its_users_in() {
    let path = scratch("passwd-auth");
    std::fs::write(&path.0, "alice:secret\n").expect("write");
    let p = path.display().to_string();
    let mut b = Broker::start(
        &["--auth", "u:p", "--passwd", &p, "--auth", "esp:p:w", "--lang", "en"],
        "broker listening on 127.0.0.1:",
    );
    // Anonymous: CONNACK 5 (not authorized); a wrong password: CONNACK 4.
    assert_eq!(connack(b.port, &Conn::new("anon")), [0x20, 0x02, 0x00, 0x05]);
    b.wait_line(|l| l.contains("refused \"anon\": CONNACK 5"));
    assert_eq!(connack(b.port, &Conn::new("guess").user("u", Some("q"))), [0x20, 0x02, 0x00, 0x04]);
    b.wait_line(|l| l.contains("refused \"guess\": CONNACK 4"));
    // The --auth users, one with a colon in its password as a --passwd line allows, and the file's.
    assert_eq!(connack(b.port, &Conn::new("u1").user("u", Some("p"))), [0x20, 0x02, 0x00, 0x00]);
    b.wait_line(|l| l.contains("u1 connected"));
    assert_eq!(connack(b.port, &Conn::new("esp").user("esp", Some("p:w"))), [0x20, 0x02, 0x00, 0x00]);
    assert_eq!(connack(b.port, &Conn::new("a1").user("alice", Some("secret"))), [0x20, 0x02, 0x00, 0x00]);
    // mosquitto's own client too.
    let mut anon = b.mosquitto("mosquitto_pub", &["-t", "t", "-m", "1", "-i", "anon-pub"]);
    let status = anon.wait_exit(WAIT);
    assert!(!status.success(), "an anonymous mosquitto_pub must be refused: {}", anon.stderr());
    b.wait_line(|l| l.contains("refused \"anon-pub\": CONNACK 5"));
    b.publish(&["-t", "t", "-m", "1", "-i", "u-pub", "-u", "u", "-P", "p"]);
    b.wait_line(|l| l.contains("u-pub connected"));
}

#[test]
fn a_bad_auth_exits_2_naming_the_flag_without_echoing_it() {
    for (value, en) in [("nocolon", "expected user:password"), (":pw", "empty user name")] {
        let (code, _, err) = run(&["broker", "--listen", "127.0.0.1:0", "--auth", value, "--lang", "en"]);
        assert_eq!(code, Some(2), "--auth {value}: {err}");
        assert!(err.starts_with("error: --auth: ") && err.contains(en), "--auth {value}: {err}");
        assert!(err.contains("--auth USER:PASSWORD"), "the fix is named: {err}");
        assert!(!err.contains(value), "the value may hold a password and is not echoed: {err}");
    }
    let (code, _, err) = run(&["broker", "--listen", "127.0.0.1:0", "--auth", "nocolon", "--lang", "zh"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.starts_with("错误：--auth：应写成 用户名:密码"), "{err}");
    let (code, _, err) = run(&["broker", "--listen", "127.0.0.1:0", "--auth", "a:1", "--auth", "a:2", "--lang", "en"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--auth (2 of 2): user \"a\" appears twice"), "{err}");
    let (code, _, err) = run(&["--broker", "mqtt://127.0.0.1:1", "--auth", "a:1", "--lang", "en"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--auth") && err.contains("cannot be used with"), "{err}");
}

#[test]
fn a_loopback_client_is_not_announced_as_a_device() {
    let mut b = Broker::start(&["--lang", "en"], "broker listening on 127.0.0.1:");
    assert_eq!(connack(b.port, &Conn::new("esp8266-5C:CF:7F:12:34:56")), [0x20, 0x02, 0x00, 0x00]);
    b.wait_line(|l| l.contains("esp8266-5C:CF:7F:12:34:56 connected"));
    // A later line: whatever came right after the CONNECT has been printed by then.
    b.publish(&["-t", "t", "-m", "1", "-i", "after"]);
    b.wait_line(|l| l.contains("after sent DISCONNECT"));
    assert!(
        !b.seen.iter().any(|l| l.contains("joined") || l.contains("every network interface") || l.contains("warning")),
        "a broker on 127.0.0.1 announces no device and says nothing of the LAN:\n{}",
        b.seen.join("\n")
    );
}

#[test]
fn listen_nonsense_exits_2() {
    let (code, _, err) = run(&["broker", "--listen", "nonsense", "--lang", "en"]);
    assert_eq!(code, Some(2), "stderr: {err}");
    assert!(err.contains("nonsense"), "stderr: {err}");
}

#[test]
fn broker_help_lists_the_options() {
    let (code, out, err) = run(&["broker", "--help"]);
    assert_eq!(code, Some(0), "stderr: {err}");
    for opt in ["--listen", "--lan", "--passwd", "--auth", "--acl", "--tap", "-v, --verbose", "--lang"] {
        assert!(out.contains(opt), "`mqtt-lab broker --help` does not list {opt}:\n{out}");
    }
}

/// The lines of a tap file once one of them has `type` DISCONNECT.
fn tap_lines_until_disconnect(path: &std::path::Path) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<serde_json::Value> =
            text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
        if lines.iter().any(|l| l["type"] == "DISCONNECT") {
            return lines;
        }
        assert!(Instant::now() < deadline, "the tap file never showed the DISCONNECT:\n{text}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn tap_file_has_json_lines_with_decoded_fields() {
    let path = scratch("tap.jsonl");
    let p = path.display();
    let b = Broker::start(&["--lang", "en", "--tap", &p], "broker listening on 127.0.0.1:");
    // Give the broker a moment to set the tap up: a client connecting at once is the subject of
    // `tap_file_records_a_client_that_connects_as_soon_as_the_broker_listens`.
    std::thread::sleep(Duration::from_millis(300));
    b.publish(&["-q", "1", "-t", "car/speed", "-m", "50", "-i", "car"]);
    let lines = tap_lines_until_disconnect(&path.0);
    drop(b);

    let types: BTreeSet<&str> = lines.iter().filter_map(|l| l["type"].as_str()).collect();
    for t in ["CONNECT", "CONNACK", "PUBLISH", "PUBACK", "DISCONNECT"] {
        assert!(types.contains(t), "no {t} line; types: {types:?}");
    }
    let keys: BTreeSet<&str> =
        lines.iter().filter_map(|l| l["fields"].as_array()).flatten().filter_map(|f| f["key"].as_str()).collect();
    assert!(keys.contains("mqtt.connect.flags.clean_session"), "keys: {keys:?}");
    let publish = lines.iter().find(|l| l["type"] == "PUBLISH").expect("a PUBLISH line");
    assert_eq!(publish["dir"], "in");
    assert_eq!(publish["client"], "car");
    let hex = publish["hex"].as_str().expect("hex");
    assert!(hex.starts_with("32 ") && hex.ends_with(" 35 30"), "PUBLISH QoS 1 with payload \"50\": {hex}");
}

/// Devices that retry until the broker is up connect the moment it listens: their frames must be in
/// the tap file too. Client "car" connects as soon as the listening line is printed and sends
/// CONNECT (`10 0f … "car"`), then DISCONNECT; a second client comes 300 ms later. The file must
/// show the first connection's CONNECT, CONNACK and DISCONNECT, not only the second one's.
///
/// The window is short (the broker subscribes its tap after printing the listening line), so a
/// broker with that race fails this test only some of the time.
#[test]
fn tap_file_records_a_client_that_connects_as_soon_as_the_broker_listens() {
    use std::io::{Read, Write};
    let path = scratch("tap-early.jsonl");
    let p = path.display();
    let b = Broker::start(&["--lang", "en", "--tap", &p], "broker listening on 127.0.0.1:");
    let mut s = std::net::TcpStream::connect(("127.0.0.1", b.port)).expect("connect");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    s.write_all(&support::hex("10 0f | 00 04 4d 51 54 54 | 04 | 02 | 00 3c | 00 03 63 61 72")).expect("CONNECT");
    let mut connack = [0u8; 4];
    s.read_exact(&mut connack).expect("CONNACK");
    assert_eq!(connack, [0x20, 0x02, 0x00, 0x00]);
    s.write_all(&[0xe0, 0x00]).expect("DISCONNECT");
    std::thread::sleep(Duration::from_millis(300));
    b.publish(&["-t", "late", "-m", "x", "-i", "late"]);
    let deadline = Instant::now() + WAIT;
    let lines = loop {
        let lines = tap_lines_until_disconnect(&path.0);
        if lines.iter().any(|l| l["type"] == "DISCONNECT" && l["client"] == "late") {
            break lines;
        }
        assert!(Instant::now() < deadline, "the late client's DISCONNECT never reached the tap file");
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(b);
    let first: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| l["conn"] == 1)
        .map(|l| (l["dir"].as_str().unwrap_or("?"), l["type"].as_str().unwrap_or("?")))
        .collect();
    assert_eq!(
        first,
        vec![("in", "CONNECT"), ("out", "CONNACK"), ("in", "DISCONNECT")],
        "the first connection's frames are missing from the tap file, which has only {:?}",
        lines.iter().map(|l| format!("#{} {} {}", l["conn"], l["dir"], l["type"])).collect::<Vec<_>>()
    );
}

/// Sends a signal to a process by pid with the system's `kill`.
fn signal(pid: u32, name: &str) {
    let status = Command::new("kill").args([&format!("-{name}"), &pid.to_string()]).status().expect("run kill");
    assert!(status.success(), "kill -{name} {pid}");
}

/// Every frame is in the tap file after the broker is stopped with SIGTERM, Ctrl-C (SIGINT) or SIGHUP
/// right after the traffic: a subscriber and a QoS 1 publisher make 12 frames (CONNECT, CONNACK,
/// SUBSCRIBE, SUBACK; CONNECT, CONNACK, PUBLISH, PUBACK; the delivery and its PUBACK; two
/// DISCONNECTs), and the signal comes the moment the last one is sent.
#[test]
fn tap_file_keeps_every_frame_when_the_broker_is_stopped_by_a_signal() {
    use std::io::{Read, Write};
    for sig in ["TERM", "INT", "HUP"] {
        let path = scratch(&format!("tap-{sig}.jsonl"));
        let p = path.display();
        let mut b = Broker::start(&["--lang", "en", "--tap", &p], "broker listening on 127.0.0.1:");
        let open = |id: &str| {
            let mut s = std::net::TcpStream::connect(("127.0.0.1", b.port)).expect("connect");
            s.set_read_timeout(Some(WAIT)).expect("timeout");
            s.set_nodelay(true).expect("nodelay");
            // CONNECT, 3.1.1, clean session, keep alive 60, client id of 3 letters
            let mut c = support::hex("10 0f | 00 04 4d 51 54 54 | 04 | 02 | 00 3c | 00 03");
            c.extend_from_slice(id.as_bytes());
            s.write_all(&c).expect("CONNECT");
            let mut ack = [0u8; 4];
            s.read_exact(&mut ack).expect("CONNACK");
            assert_eq!(ack, [0x20, 0x02, 0x00, 0x00]);
            s
        };
        let mut sub = open("sub");
        // SUBSCRIBE id 1 to "t" at QoS 1 → SUBACK granted 1
        sub.write_all(&support::hex("82 06 | 00 01 | 00 01 74 | 01")).expect("SUBSCRIBE");
        let mut suback = [0u8; 5];
        sub.read_exact(&mut suback).expect("SUBACK");
        assert_eq!(suback, [0x90, 0x03, 0x00, 0x01, 0x01]);
        let mut publ = open("pub");
        // PUBLISH QoS 1 "t" id 7 payload "x" → PUBACK 7
        publ.write_all(&support::hex("32 06 | 00 01 74 | 00 07 | 78")).expect("PUBLISH");
        let mut puback = [0u8; 4];
        publ.read_exact(&mut puback).expect("PUBACK");
        assert_eq!(puback, [0x40, 0x02, 0x00, 0x07]);
        let mut delivery = [0u8; 8];
        sub.read_exact(&mut delivery).expect("delivery");
        assert_eq!(&delivery[..5], &support::hex("32 06 00 01 74")[..]);
        sub.write_all(&[0x40, 0x02, delivery[5], delivery[6]]).expect("PUBACK");
        publ.write_all(&[0xe0, 0x00]).expect("DISCONNECT");
        sub.write_all(&[0xe0, 0x00]).expect("DISCONNECT");
        // The broker closes both after their DISCONNECT: then all 12 frames have reached it.
        let mut rest = Vec::new();
        let _ = sub.read_to_end(&mut rest);
        let _ = publ.read_to_end(&mut rest);
        signal(b._proc.0.id(), sig);
        let status = b._proc.wait_exit(WAIT);
        assert!(status.success(), "SIG{sig}: the broker exits with 0, not {status}");
        let text = std::fs::read_to_string(&path.0).expect("the tap file");
        let frames: Vec<(String, String)> = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .map(|l| (l["dir"].as_str().unwrap_or("?").to_string(), l["type"].as_str().unwrap_or("?").to_string()))
            .collect();
        assert_eq!(frames.len(), 12, "SIG{sig}: the tap file holds {} of 12 frames: {frames:?}", frames.len());
        assert_eq!(frames.iter().filter(|f| f.1 == "DISCONNECT").count(), 2, "SIG{sig}: {frames:?}");
        assert_eq!(frames.iter().filter(|f| f.1 == "PUBACK").count(), 2, "SIG{sig}: {frames:?}");
    }
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn help_is_chinese_with_lang_zh_and_english_without() {
    let (code, zh, err) = run(&["--lang", "zh", "--help"]);
    assert_eq!(code, Some(0), "stderr: {err}");
    for text in [
        "用法：mqtt-lab [OPTIONS] [COMMAND]",
        "子命令：",
        "选项：",
        "一个终端里的 MQTT 课堂",
        "监听地址，写 HOST:PORT 或只写端口 PORT",
        "要求客户端提供用户名和密码",
        "监听这台电脑的每个网络接口",
        "要求用户名和密码：加上这个用户",
        "不带界面运行 MQTT 3.1 / 3.1.1 服务端",
        "默认值：20000",
        "打印版本",
    ] {
        assert!(zh.contains(text), "`--lang zh --help` lacks {text:?}:\n{zh}");
    }
    for english in ["Usage:", "Options:", "Commands:", "[default:", "Print help", "Address to listen on"] {
        assert!(!zh.contains(english), "`--lang zh --help` still has {english:?}:\n{zh}");
    }
    let (code, short, _) = run(&["--lang=zh", "-h"]);
    assert_eq!(code, Some(0));
    assert!(short.contains("用法：") && short.contains("一个终端里的 MQTT 课堂：内置服务端"), "{short}");

    let (code, en, err) = run(&["--help"]);
    assert_eq!(code, Some(0), "stderr: {err}");
    assert!(en.contains("Usage: mqtt-lab [OPTIONS] [COMMAND]") && en.contains("Address to listen on"), "{en}");
    // The long about names the cast in both languages; nothing else may be Chinese.
    let rest: String = en.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert!(!has_cjk(&rest), "English help with Chinese in it:\n{en}");

    let (code, version, _) = run(&["--lang", "zh", "-V"]);
    assert_eq!(code, Some(0));
    assert_eq!(version, format!("mqtt-lab {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_chinese_locale_gives_chinese_help_of_every_subcommand() {
    let (code, out, err) = run_in("zh_CN.UTF-8", &["broker", "--help"]);
    assert_eq!(code, Some(0), "stderr: {err}");
    assert!(out.contains("用法：mqtt-lab broker [OPTIONS]"), "{out}");
    assert!(out.contains("把收发的每个报文写成一行 JSON") && out.contains("-v, --verbose"), "{out}");
    let (_, out, _) = run_in("zh_CN.UTF-8", &["bench", "--help"]);
    assert!(out.contains("参数：") && out.contains("- fanin：N 个发布者"), "{out}");
    let (_, out, _) = run_in("zh_CN.UTF-8", &["fuzz", "decode", "--help"]);
    assert!(out.contains("输入生成器的种子"), "{out}");
    let (_, out, _) = run_in("zh_CN.UTF-8", &["help", "fuzz"]);
    assert!(out.contains("健壮性测试") && out.contains("子命令："), "{out}");
    // --lang wins over the locale.
    let (_, out, _) = run_in("zh_CN.UTF-8", &["broker", "--help", "--lang", "en"]);
    assert!(out.contains("Usage: mqtt-lab broker") && !has_cjk(&out), "{out}");
}

/// Every command, argument and possible value of the whole tree has a Chinese help text: adding an
/// option (or rewording one) without its Chinese in `src/cli_text.rs` fails here.
#[test]
fn every_command_and_argument_has_chinese() {
    use mqtt_lab::cli_text;
    use mqtt_lab::i18n::Lang;
    let mut en = bin::cli_command();
    en.build();
    assert_eq!(cli_text::missing(&en), Vec::<String>::new(), "help texts without Chinese in cli_text::TABLE");
    let zh = cli_text::localize(bin::cli_command(), Lang::Zh);
    fn walk(en: &clap::Command, zh: &clap::Command, path: &str, seen: &mut usize) {
        let about = |c: &clap::Command| c.get_about().map(|a| a.to_string()).unwrap_or_default();
        assert!(has_cjk(&about(zh)) && about(zh) != about(en), "{path}: about {:?}", about(zh));
        for a in en.get_arguments() {
            let id = a.get_id().as_str();
            let b = zh.get_arguments().find(|b| b.get_id() == a.get_id()).expect("the same arguments");
            let (e, z) = (a.get_help().map(|h| h.to_string()), b.get_help().map(|h| h.to_string()));
            let z = z.unwrap_or_default();
            assert!(has_cjk(&z) && Some(&z) != e.as_ref(), "{path} {id}: {z:?}");
            *seen += 1;
        }
        for sc in en.get_subcommands() {
            let other = zh.find_subcommand(sc.get_name()).expect("the same subcommands");
            walk(sc, other, &format!("{path} {}", sc.get_name()), seen);
        }
    }
    let mut seen = 0;
    walk(&en, &zh, "mqtt-lab", &mut seen);
    assert!(seen > 60, "only {seen} arguments walked");
}

/// A mistake on the command line: exit code 2, and stderr, in Chinese under `--lang zh`, names
/// each of `names`; in English it names them too.
fn bad_args(args: &[&str], zh: &[&str], en: &[&str]) {
    let mut with_zh = vec!["--lang", "zh"];
    with_zh.extend_from_slice(args);
    let (code, out, err) = run(&with_zh);
    assert_eq!(code, Some(2), "{with_zh:?}: stdout {out} stderr {err}");
    assert!(err.starts_with("错误："), "{with_zh:?}: {err}");
    assert!(err.contains("\n用法：") && err.contains("更多信息请运行 mqtt-lab"), "{with_zh:?}: {err}");
    for n in zh {
        assert!(err.contains(n), "{with_zh:?} does not say {n:?}: {err}");
    }
    assert!(!err.contains("error:") && !err.contains("Usage:"), "{with_zh:?}: {err}");
    let (code, _, err) = run(args);
    assert_eq!(code, Some(2), "{args:?}: {err}");
    assert!(err.starts_with("error:") && !has_cjk(&err), "{args:?}: {err}");
    for n in en {
        assert!(err.contains(n), "{args:?} does not say {n:?}: {err}");
    }
}

#[test]
fn an_unknown_option_is_named_with_a_suggestion() {
    bad_args(&["--lsten", "1883"], &["没有参数 --lsten", "你是不是想写 --listen？"], &["--lsten", "--listen"]);
    bad_args(&["broker", "--foo"], &["没有参数 --foo", "mqtt-lab broker --help"], &["--foo"]);
}

#[test]
fn a_bad_listen_address_names_the_option_and_the_value() {
    bad_args(
        &["broker", "--listen", "abc"],
        &["--listen 的值 \"abc\" 无效", "不是地址", "127.0.0.1:1883"],
        &["'abc'", "--listen", "is not an address"],
    );
    bad_args(
        &["broker", "--max-inflight", "0"],
        &["--max-inflight 的值 \"0\" 无效", "1 到 65535"],
        &["'0'", "--max-inflight"],
    );
    bad_args(&["bench", "fanim"], &["\"fanim\" 无效", "可选值：fanin、fanout", "fanin？"], &["'fanim'", "fanin"]);
    // A language that is not one: the locale's language says so.
    let (code, _, err) = run_in("zh_CN.UTF-8", &["broker", "--lang", "fr"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.starts_with("错误：--lang 的值 \"fr\" 无效：只能是 zh 或 en"), "{err}");
    let (code, _, err) = run(&["broker", "--lang", "fr"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("'fr'") && err.contains("--lang") && err.contains("use zh or en"), "{err}");
}

#[test]
fn broker_with_listen_is_a_conflict_said_in_chinese() {
    bad_args(
        &["--broker", "mqtt://127.0.0.1:1883", "--listen", "127.0.0.1:1884"],
        &["--broker 不能和 --listen 一起用", "外部服务端"],
        &["--broker", "--listen", "cannot be used with"],
    );
    bad_args(&["--passwd", "p", "--broker", "x"], &["--passwd 不能和 --broker 一起用"], &["--passwd", "--broker"]);
}

#[test]
fn a_missing_value_names_the_option() {
    bad_args(&["broker", "--listen"], &["--listen 后面缺少值", "<ADDR>"], &["--listen", "a value is required"]);
    bad_args(&["bench"], &["缺少必需的参数：<SCENARIO>"], &["<SCENARIO>"]);
}

#[test]
fn an_unknown_subcommand_is_named() {
    bad_args(&["brokr"], &["没有子命令 brokr", "你是不是想写 broker？"], &["'brokr'", "broker"]);
    bad_args(&["xyzzy"], &["没有子命令 xyzzy", "可用的子命令：broker、bench、fuzz"], &["'xyzzy'"]);
    bad_args(&["fuzz", "decodr"], &["没有子命令 decodr", "mqtt-lab fuzz --help"], &["'decodr'"]);
}

#[test]
fn bench_prints_in_chinese_or_english_with_the_loss() {
    let b = Broker::start(&["--lang", "en"], "broker listening on 127.0.0.1:");
    let port = b.port.to_string();
    let args = ["bench", "fanin", "--port", &port, "--pubs", "1", "--msgs", "50", "--qos", "1", "--timeout", "20"];
    let (code, out, err) = run(&[&args[..], &["--lang", "zh"]].concat());
    assert_eq!(code, Some(0), "stderr: {err}");
    for text in ["1 个发布者 → 1 个订阅者", "发送", "收到", "已确认", "条/秒"] {
        assert!(out.contains(text), "no {text:?} in:\n{out}");
    }
    let lost =
        out.lines().find(|l| l.trim_start().starts_with("丢失")).unwrap_or_else(|| panic!("no loss line:\n{out}"));
    assert!(lost.contains("0 条，应收 50 条（0.00 %）"), "{lost}");
    assert!(!out.contains("sent") && !out.contains("lost"), "{out}");

    let (code, out, err) = run(&args);
    assert_eq!(code, Some(0), "stderr: {err}");
    assert!(!has_cjk(&out), "{out}");
    assert!(out.starts_with("fanin  QoS 1  1 pub → 1 sub  64-byte payload"), "{out}");
    let lost =
        out.lines().find(|l| l.trim_start().starts_with("lost")).unwrap_or_else(|| panic!("no loss line:\n{out}"));
    assert!(lost.contains("0 of 50 expected (0.00 %)"), "{lost}");
    assert!(out.contains("msg/s") && out.contains("acknowledged"), "{out}");
    drop(b);

    // A broker that is not there: the error names the address, in the language asked for.
    let free = TcpListener::bind("127.0.0.1:0").expect("bind");
    let gone = free.local_addr().expect("addr").port().to_string();
    drop(free);
    let (code, _, err) = run(&["bench", "fanin", "--port", &gone, "--lang", "zh"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("错误：连不上 127.0.0.1:") && err.contains(&gone), "{err}");
    let (code, _, err) = run(&["bench", "fanin", "--port", &gone]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("error: cannot reach broker at 127.0.0.1:") && err.contains(&gone), "{err}");
}

#[test]
fn fuzz_decode_prints_in_chinese_or_english() {
    let (code, out, err) = run(&["fuzz", "decode", "--inputs", "2000", "--lang", "zh"]);
    assert_eq!(code, Some(0), "stderr: {err}");
    assert!(out.starts_with("解码器模糊测试：2000 个输入"), "{out}");
    assert!(out.contains("按类型统计的拒绝：") && out.contains("失败：0"), "{out}");
    let (code, out, err) = run_in("zh_CN.UTF-8", &["fuzz", "decode", "--inputs", "2000", "--lang", "en"]);
    assert_eq!(code, Some(0), "stderr: {err}");
    assert!(out.starts_with("decoder fuzz: 2000 inputs in "), "{out}");
    assert!(out.contains("refusals by kind: ") && out.contains("failures: 0"), "{out}");
    assert!(!has_cjk(&out), "{out}");
}

#[test]
fn serial_list_prints_ports_or_says_there_are_none() {
    for (lang, none) in [("en", "No USB serial port found."), ("zh", "没有找到 USB 串口。")] {
        let (code, out, err) = run(&["serial", "list", "--lang", lang]);
        assert_eq!(code, Some(0), "stderr: {err}");
        assert!(err.is_empty(), "nothing on stderr: {err}");
        let port_lines = out.lines().filter(|l| l.starts_with("/dev/") || l.starts_with("COM")).count();
        assert!(port_lines > 0 || out.contains(none), "neither ports nor the none sentence:\n{out}");
        if out.contains(none) {
            assert!(out.contains("mqtt-lab nodemcu --pty"), "{out}");
        }
    }
}

/// A 5.0 client's frames are written to the tap file as 5.0: its CONNECT's properties decoded field
/// by field, and the broker's 5.0 CONNACK with its reason code and properties.
#[test]
fn tap_file_reads_a_5_0_connection_in_5_0() {
    use std::io::{Read, Write};
    let path = scratch("tap-v5.jsonl");
    let p = path.display();
    let b = Broker::start(&["--lang", "en", "--tap", &p], "broker listening on 127.0.0.1:");
    std::thread::sleep(Duration::from_millis(300));
    let mut s = std::net::TcpStream::connect(("127.0.0.1", b.port)).expect("connect");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    // CONNECT, 5.0, clean start, keep alive 60, properties (5 bytes): Session Expiry Interval 120;
    // client id "v5"
    s.write_all(&support::hex("10 14 | 00 04 4d 51 54 54 | 05 | 02 | 00 3c | 05 | 11 00 00 00 78 | 00 02 76 35"))
        .expect("CONNECT");
    let mut head = [0u8; 2];
    s.read_exact(&mut head).expect("CONNACK");
    let mut body = vec![0u8; head[1] as usize];
    s.read_exact(&mut body).expect("CONNACK body");
    assert_eq!(head[0], 0x20, "CONNACK");
    assert_eq!(&body[..2], &[0x00, 0x00], "session present 0, reason code 0x00 success");
    let deadline = Instant::now() + WAIT;
    let lines = loop {
        let text = std::fs::read_to_string(&path.0).unwrap_or_default();
        let lines: Vec<serde_json::Value> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        if lines.iter().filter(|l| l["type"].is_string()).count() >= 2 || Instant::now() > deadline {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(b);
    let connect = lines.iter().find(|l| l["type"] == "CONNECT").expect("a CONNECT line");
    assert!(connect["error"].is_null(), "the 5.0 CONNECT decodes: {connect}");
    let fields = connect["fields"].as_array().expect("fields");
    let expiry = fields.iter().find(|f| f["key"].as_str().is_some_and(|k| k.contains("session_expiry")));
    let expiry = expiry.unwrap_or_else(|| panic!("no session expiry field: {connect}"));
    assert!(expiry["value"].as_str().is_some_and(|v| v.contains("120")), "{expiry}");
    let connack = lines.iter().find(|l| l["type"] == "CONNACK").expect("a CONNACK line");
    assert!(connack["error"].is_null(), "{connack}");
    let keys: Vec<&str> =
        connack["fields"].as_array().expect("fields").iter().filter_map(|f| f["key"].as_str()).collect();
    assert!(keys.iter().any(|k| k.contains("receive_maximum")), "the 5.0 CONNACK's properties: {keys:?}");
}

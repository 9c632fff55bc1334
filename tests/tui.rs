//! The real `mqtt-lab` binary in a real terminal (tmux): what a learner types and what appears.

use std::process::Command;
use std::time::{Duration, Instant};

/// A private tmux server running the lab; killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(width: u16, height: u16, lang: &str) -> Tmux {
        Tmux::start_then(width, height, lang, "sleep 60")
    }

    /// Starts the lab; `after` runs in the same terminal once the lab has exited.
    fn start_then(width: u16, height: u16, lang: &str, after: &str) -> Tmux {
        Tmux::start_with(width, height, &format!("--listen 127.0.0.1:0 --lang {lang}"), after)
    }

    /// Starts the lab with these arguments.
    fn start_with(width: u16, height: u16, args: &str, after: &str) -> Tmux {
        assert!(
            Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success()),
            "tmux is needed for these tests: install it (the project's test command, scripts/test, does)"
        );
        let socket = format!("mqtt-lab-test-{}-{}", std::process::id(), rand_suffix());
        let bin = env!("CARGO_BIN_EXE_mqtt-lab");
        let cmd = format!("{bin} {args}; {after}");
        let ok = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-s",
                "lab",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .arg(cmd)
            .env("NO_COLOR", "")
            .status()
            .expect("tmux runs");
        assert!(ok.success());
        let t = Tmux { socket };
        t.wait_for("the cast to connect", |s| s.matches("●").count() >= 3, 10);
        t
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").args(["-L", &self.socket]).args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "lab"])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "lab"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Types a command line and presses Enter.
    fn command(&self, line: &str) {
        self.tmux(&["send-keys", "-t", "lab", "-l", line]);
        self.keys(&["Enter"]);
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("waited {secs} s for {what}; the screen shows:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos() as u64).unwrap_or(0)
}

/// Lines of the screen that contain every one of `words`.
fn rows_with<'a>(screen: &'a str, words: &[&str]) -> Vec<&'a str> {
    screen.lines().filter(|l| words.iter().all(|w| l.contains(w))).collect()
}

#[test]
fn a_qos1_publish_shows_in_the_inspector_the_ladder_and_at_the_subscriber() {
    let t = Tmux::start(120, 35, "en");
    t.command("phone sub car/speed -q 1");
    t.wait_for("the SUBACK", |s| s.contains("SUBACK"), 5);
    t.command("car pub car/speed 60 -q 1");
    let s = t.wait_for("the PUBACK from phone", |s| !rows_with(s, &["phone→broker", "PUBACK"]).is_empty(), 5);
    // Inspector rows: the car's PUBLISH, the broker's PUBLISH to phone, and both PUBACKs.
    assert!(!rows_with(&s, &["car→broker", "PUBLISH", "car/speed q1"]).is_empty(), "{s}");
    assert!(!rows_with(&s, &["broker→phone", "PUBLISH", "car/speed q1"]).is_empty(), "{s}");
    assert!(!rows_with(&s, &["broker→car", "PUBACK", "id=1"]).is_empty(), "{s}");
    // Ladder arrows with the packet id on them.
    assert!(
        s.lines().any(|l| l.contains("◀") && l.contains("PUBLISH") && l.contains("id=1")),
        "no PUBLISH arrow into the broker:\n{s}"
    );
    assert!(s.lines().any(|l| l.contains("▶") && l.contains("PUBACK id=1")), "no PUBACK arrow out of the broker:\n{s}");
    // The phone got the message.
    assert!(s.contains("⇐ car/speed 60 q1"), "phone did not show the delivered message:\n{s}");
    // Narration in words.
    assert!(s.contains("car published car/speed (QoS 1)"), "{s}");
}

#[test]
fn step_mode_walks_a_qos2_exchange_one_frame_at_a_time() {
    let t = Tmux::start(120, 35, "en");
    t.command("phone sub car/speed -q 2");
    t.wait_for("the SUBACK", |s| s.contains("SUBACK"), 5);
    t.command("step on");
    t.wait_for("step mode", |s| s.contains("STEP"), 5);
    t.command("car pub car/speed 70 -q 2");
    t.wait_for("the held PUBLISH", |s| s.contains("holding 1") && s.contains("car→broker PUBLISH"), 5);
    // Nothing reached the phone yet.
    assert!(!t.screen().contains("⇐ car/speed 70"));
    // Release frame by frame: PUBLISH in; then the broker's PUBLISH to phone and PUBREC to car are held.
    t.command("next");
    t.wait_for("two frames held after the PUBLISH", |s| s.contains("holding 2"), 5);
    let mut released = 1;
    // Keep releasing until the exchange is complete: PUBLISH, PUBREC, PUBREL, PUBCOMP on both legs.
    let s = loop {
        let s = t.screen();
        // The car's leg ends with the broker's PUBCOMP, the phone's with the phone's PUBCOMP.
        if !rows_with(&s, &["broker→car", "PUBCOMP"]).is_empty()
            && !rows_with(&s, &["phone→broker", "PUBCOMP"]).is_empty()
        {
            break s;
        }
        assert!(released < 20, "the exchange did not complete after {released} releases:\n{s}");
        t.keys(&["F3"]);
        released += 1;
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(released >= 6, "each frame had to be released on its own (released {released}):\n{s}");
    assert!(s.contains("⇐ car/speed 70 q2"), "{s}");
    t.command("step off");
    t.wait_for("step mode off", |s| !s.contains("STEP"), 5);
}

#[test]
fn a_car_that_drives_into_a_tunnel_leaves_its_will_at_the_subscriber() {
    let t = Tmux::start(120, 35, "en");
    t.command("phone sub car/status -q 1");
    t.wait_for("the SUBACK", |s| s.contains("SUBACK"), 5);
    t.command("car connect --keepalive 1 --will-topic car/status --will-msg offline --will-qos 1");
    t.wait_for("the car's new session", |s| s.contains("car clean=1 ka=1"), 5);
    t.command("car cut");
    // The broker notices only through the keep alive (1.5 × 1 s), then publishes the will.
    let s = t.wait_for("the will at phone", |s| s.contains("⇐ car/status offline"), 8);
    assert!(s.contains("publishes its will") || s.contains("keep alive"), "{s}");
}

#[test]
fn chinese_at_80_by_24_with_a_chinese_topic() {
    let t = Tmux::start(80, 24, "zh");
    t.command("phone sub 汽车速度");
    t.wait_for("SUBACK", |s| s.contains("SUBACK"), 5);
    t.command("car pub 汽车速度 60");
    let s = t.wait_for("the delivery", |s| s.contains("⇐ 汽车速度 60"), 5);
    assert!(s.contains("客户端") && s.contains("报文检查器"), "{s}");
    // Inline errors say what is wrong.
    t.command("car pub 汽车速度 60 -q 7");
    let s = t.wait_for("the error", |s| s.contains("QoS 只能是 0、1 或 2"), 5);
    assert!(s.contains("✗"), "{s}");
}

/// Quitting with Ctrl-C, or being sent SIGTERM, leaves the terminal as it was: cooked mode with echo,
/// the normal screen, no mouse reporting.
#[test]
fn the_terminal_is_restored_after_ctrl_c_and_sigterm() {
    for how in ["ctrl-c", "sigterm"] {
        let t = Tmux::start_then(100, 30, "en", "echo EXITED $?; stty -a | tr '\\n' ' '; echo; sleep 60");
        match how {
            "ctrl-c" => {
                // The first Ctrl-C only asks; the second quits.
                t.keys(&["C-c"]);
                t.wait_for("the question", |s| s.contains("Ctrl-C again quits"), 5);
                t.keys(&["C-c"]);
            }
            _ => {
                let pid = t.tmux(&["display", "-p", "-t", "lab", "#{pane_pid}"]);
                let out = Command::new("pkill")
                    .args(["-TERM", "-P", pid.trim(), "-f", "mqtt-lab"])
                    .status()
                    .expect("pkill runs");
                assert!(out.success(), "no lab process under the pane's shell {pid}");
            }
        }
        let s = t.wait_for("the lab to exit and stty to report", |s| s.contains("EXITED") && s.contains("baud"), 10);
        assert!(s.contains("EXITED 0"), "{how}: {s}");
        assert!(!s.contains("Inspector"), "{how}: the lab's screen is still shown:\n{s}");
        let stty = s.lines().skip_while(|l| !l.contains("EXITED")).skip(1).collect::<Vec<_>>().join(" ");
        for flag in [" icanon", " echo ", " isig"] {
            assert!(stty.contains(flag), "{how}: terminal not restored ({flag:?} missing): {stty}");
        }
    }
}

/// `--broker mqtt://HOST:PORT`: the lab's clients use another broker (here a headless mqtt-lab
/// broker in its own process); the inspector shows their frames and step mode says it needs the
/// built-in broker.
#[test]
fn the_lab_can_use_an_external_broker() {
    use std::io::{BufRead, BufReader};
    let mut broker = Command::new(env!("CARGO_BIN_EXE_mqtt-lab"))
        .args(["broker", "--listen", "127.0.0.1:0", "--lang", "en"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the broker starts");
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut first = String::new();
    // Keep reading the broker's narration so that it never writes into a closed pipe.
    let mut out = BufReader::new(broker.stdout.take().unwrap());
    out.read_line(&mut first).unwrap();
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let _guard = Kill(broker);
    let addr = first.trim().rsplit(' ').next().unwrap().to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{first}");
    let t = Tmux::start_with(120, 35, &format!("--broker mqtt://{addr} --lang en"), "sleep 60");
    let s = t.wait_for("the external broker in the broker pane", |s| s.contains("(external"), 5);
    assert!(s.contains(&addr), "{s}");
    t.command("phone sub car/speed -q 1");
    t.wait_for("the SUBACK", |s| s.contains("SUBACK"), 5);
    t.command("car pub car/speed 60 -q 1");
    let s = t.wait_for("the delivery", |s| s.contains("⇐ car/speed 60 q1"), 5);
    assert!(!rows_with(&s, &["car→broker", "PUBLISH", "car/speed q1"]).is_empty(), "{s}");
    // Step mode needs the built-in broker's gate: the mark says it did not happen, and why.
    t.command("step on");
    let s = t.wait_for("the refusal", |s| s.contains("✗ step on"), 5);
    assert!(s.contains("need the built-in broker"), "{s}");
    assert!(!s.contains("STEP"), "{s}");
}

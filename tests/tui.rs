//! The real `mqtt-lab` binary in a real terminal (tmux): what a learner types and what appears.

use std::process::Command;
use std::time::{Duration, Instant};

/// A private tmux server running the lab; killed on drop.
struct Tmux {
    socket: String,
    data: std::path::PathBuf,
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
        Tmux::start_with_wait(width, height, args, after, |s| s.matches("●").count() >= 3)
    }

    /// Starts the lab and waits until the screen satisfies `ready`.
    fn start_with_wait(width: u16, height: u16, args: &str, after: &str, ready: impl Fn(&str) -> bool) -> Tmux {
        assert!(
            Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success()),
            "tmux is needed for these tests: install it (the project's test command, scripts/test, does)"
        );
        let socket = format!("mqtt-lab-test-{}-{}", std::process::id(), rand_suffix());
        let bin = env!("CARGO_BIN_EXE_mqtt-lab");
        // Progress goes to a folder of the test's own, never to the user's.
        let data = std::env::temp_dir().join(&socket);
        let cmd = format!("XDG_DATA_HOME={} {bin} {args}; {after}", data.display());
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
        let t = Tmux { socket, data };
        // The first screen is the lesson list; Esc goes to the free lab.
        let s = t.wait_for(
            "the first screen",
            |s| s.contains("mqtt-lab · Lessons") || s.contains("mqtt-lab · 课程") || ready(s),
            10,
        );
        if !ready(&s) {
            t.keys(&["Escape"]);
        }
        t.wait_for("the lab to be ready", ready, 10);
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
        let _ = std::fs::remove_dir_all(&self.data);
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

/// A free loopback port (bound, then let go).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Debian's `mosquitto` broker on a port of the test's choosing; killed on drop.
struct Mosquitto {
    child: std::process::Child,
    _dir: std::path::PathBuf,
    port: u16,
}

impl Mosquitto {
    fn start() -> Mosquitto {
        let bin = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("mosquitto is needed for this test: install it (scripts/test does)");
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("mqtt-lab-mosquitto-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("mosquitto.conf");
        std::fs::write(&conf, format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")).unwrap();
        let child = Command::new(bin)
            .arg("-c")
            .arg(&conf)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("mosquitto starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "mosquitto did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Mosquitto { child, _dir: dir, port }
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self._dir);
    }
}

/// `--broker mqtt://HOST:PORT` against the broker users point it at: Debian's mosquitto. The cast
/// connects, a QoS 1 and a QoS 2 message arrive with their acknowledgements, a retained message is
/// replayed to a late subscriber, and a cut client's will comes from mosquitto after 1.5 × keep alive.
#[test]
fn the_lab_works_against_mosquitto() {
    let m = Mosquitto::start();
    let t = Tmux::start_with(120, 35, &format!("--broker mqtt://127.0.0.1:{} --lang en", m.port), "sleep 60");
    t.command("phone sub car/# -q 2");
    t.wait_for("the SUBACK", |s| s.contains("✓ phone sub car/# -q 2 — SUBACK: granted QoS 2"), 5);
    t.command("car pub car/speed 60 -q 1");
    let s = t.wait_for("the PUBACK", |s| s.contains("✓ car pub car/speed 60 -q 1 — PUBACK id="), 5);
    t.wait_for("the delivery", |s| s.contains("⇐ car/speed 60 q1"), 5);
    assert!(!rows_with(&s, &["broker→car", "PUBACK"]).is_empty(), "{s}");
    t.command("car pub car/speed 70 -q 2");
    t.wait_for("the PUBCOMP", |s| s.contains("✓ car pub car/speed 70 -q 2 — PUBCOMP"), 5);
    t.wait_for("the QoS 2 delivery", |s| s.contains("⇐ car/speed 70 q2"), 5);
    t.command("car pub car/ac/temp 22 -q 1 -r");
    t.wait_for("the retained PUBACK", |s| s.contains("✓ car pub car/ac/temp 22 -q 1 -r"), 5);
    t.command("computer sub car/ac/temp -q 1");
    t.wait_for("the retained replay", |s| s.contains("⇐ car/ac/temp 22 q1 R"), 5);
    t.command("car connect --keepalive 1 --will-topic car/status --will-msg gone --will-qos 1");
    t.wait_for("the reconnect", |s| s.contains("✓ car connect --keepalive 1"), 5);
    t.command("car cut");
    let s = t.wait_for("the tunnel", |s| s.contains("in the tunnel"), 5);
    assert!(!s.lines().any(|l| l.contains("● car")), "a car in the tunnel must not look connected:\n{s}");
    t.wait_for("mosquitto's will at the phone", |s| s.contains("⇐ car/status gone q1"), 8);
}

/// `--passwd`: the cast is refused and shows under its own names, the learner is told how to log in,
/// and logging in works.
#[test]
fn with_passwords_refused_clients_keep_their_names_and_the_lab_says_how_to_log_in() {
    let dir = std::env::temp_dir().join(format!("mqtt-lab-passwd-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("passwd");
    std::fs::write(&file, "alice:secret\n").unwrap();
    let t = Tmux::start_with_wait(
        120,
        35,
        &format!("--listen 127.0.0.1:0 --lang en --passwd {}", file.display()),
        "sleep 60",
        |s| s.contains("rc=5"),
    );
    let s = t.wait_for("the login hint", |s| s.contains("--user U --pass P"), 5);
    // The inspector may have scrolled past car's own CONNECT; every refused CONNECT row still names
    // its sender, and the clients pane keeps all three.
    let named = ["car→broker", "phone→broker", "computer→broker"];
    assert!(named.iter().any(|n| !rows_with(&s, &[n, "CONNECT"]).is_empty()), "refused clients keep their names:\n{s}");
    assert!(s.contains("○ car refused") && s.contains("○ phone refused"), "{s}");
    assert!(!s.contains("#1→") && !s.contains("→#1"), "{s}");
    t.command("car connect --user alice --pass wrong");
    t.wait_for("the wrong password", |s| s.contains("✗ car connect --user alice --pass wrong — CONNACK 4"), 5);
    t.command("car connect --user alice --pass secret");
    t.wait_for("the login", |s| s.contains("✓ car connect --user alice --pass secret — CONNACK 0"), 5);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A learner presses Esc and types a command as if still in the command line, then stray keys: nothing
/// switches modes, drops frames or quits; the letters land in the command line and run from there.
#[test]
fn stray_keys_never_lose_the_session() {
    let t = Tmux::start(100, 30, "en");
    t.command("phone sub car/speed -q 1");
    t.wait_for("the SUBACK", |s| s.contains("SUBACK: granted QoS 1"), 5);
    t.keys(&["Escape"]);
    t.wait_for("the inspector focused", |s| s.contains("Esc") || s.contains("field"), 5);
    t.command("car pub car/speed 60 -q 1");
    let s = t.wait_for("the PUBACK", |s| s.contains("✓ car pub car/speed 60 -q 1 — PUBACK"), 5);
    assert!(!s.contains("STEP"), "step mode was switched on by a letter:\n{s}");
    assert!(s.contains("⇐ car/speed 60 q1"), "{s}");
    // Stray letters in a pane (s, d, n, q …) only type.
    t.keys(&["Tab", "Tab"]);
    t.tmux(&["send-keys", "-t", "lab", "-l", "sdnq"]);
    let s = t.wait_for("the letters in the command line", |s| s.contains("> sdnq"), 5);
    assert!(!s.contains("STEP") && s.contains("Inspector"), "{s}");
    // One Ctrl-C only asks; another key keeps the lab.
    t.keys(&["C-u"]);
    t.keys(&["C-c"]);
    t.wait_for("the question", |s| s.contains("Ctrl-C again quits"), 5);
    t.keys(&["Escape"]);
    let s = t.wait_for("the question gone", |s| !s.contains("Ctrl-C again quits"), 5);
    assert!(s.contains("Inspector"), "the lab quit:\n{s}");
    // `?` on an empty line opens help; keys there do not leak; Esc closes it.
    t.keys(&["Escape", ":"]);
    t.keys(&["?"]);
    t.wait_for("help", |s| s.contains("Esc closes"), 5);
    t.tmux(&["send-keys", "-t", "lab", "-l", "xyz"]);
    t.keys(&["Escape"]);
    let s = t.wait_for("help closed", |s| !s.contains("Esc closes"), 5);
    assert!(!s.contains("> xyz"), "keys leaked from help into the command line:\n{s}");
}

/// What the screen claims matches what happened: a frame dropped in step mode is marked ✗ in the
/// inspector, its ladder arrow stops at ✗, the narration says so, the command's mark fails, and the
/// subscriber did not get it; a publish that breaks a rule is warned about and its client shown
/// disconnected, and the next command on it fails.
#[test]
fn the_screen_reports_what_happened() {
    let t = Tmux::start(120, 35, "en");
    t.command("phone sub car/speed -q 1");
    t.wait_for("the SUBACK", |s| s.contains("SUBACK: granted QoS 1"), 5);
    t.command("step on");
    t.wait_for("step mode", |s| s.contains("✓ step on"), 5);
    t.command("car pub car/speed 60 -q 1");
    t.wait_for("the held PUBLISH", |s| s.contains("held at the gate"), 5);
    t.command("drop");
    let s = t.wait_for("the drop", |s| s.contains("✓ drop — dropped PUBLISH"), 5);
    assert!(s.lines().any(|l| l.contains("car→broker") && l.contains("PUBLISH") && l.contains('✗')), "{s}");
    assert!(s.lines().any(|l| l.contains("PUBLISH") && l.contains('✗') && l.contains('┤')), "ladder:\n{s}");
    assert!(s.contains("gate: PUBLISH car/speed q1 id=1") && s.contains("was dropped"), "{s}");
    t.command("step off");
    t.wait_for("step off", |s| s.contains("✓ step off"), 5);
    assert!(!t.screen().contains("⇐ car/speed 60"), "the phone got a dropped message:\n{}", t.screen());
    // The car resends at its next connection only; its mark says the frame was lost.
    t.command("car pub car/+/x 1");
    let s = t.wait_for(
        "the closed connection",
        |s| s.contains("✗ car pub car/+/x 1 — the broker closed the connection"),
        5,
    );
    assert!(s.contains("[MQTT-3.3.2-2]"), "{s}");
    t.command("car pub car/speed 61");
    t.wait_for("the refusal", |s| s.contains("✗ car pub car/speed 61 — nothing was sent"), 5);
}

/// Help at 80×24 in Chinese: a page of its own that scrolls to the end, where the last section is.
#[test]
fn help_at_80_by_24_in_chinese_scrolls_to_its_end() {
    let t = Tmux::start(80, 24, "zh");
    t.keys(&["?"]);
    let s = t.wait_for("help", |s| s.contains("Esc 关闭"), 5);
    assert!(s.lines().next().unwrap().starts_with("┌ 帮助"), "{s}");
    assert!(!s.contains("报文检查器 ─"), "pane borders show through:\n{s}");
    for _ in 0..20 {
        t.keys(&["PageDown"]);
    }
    let s = t.wait_for("the end", |s| s.contains("⏸ ✗ ✂"), 5);
    assert!(!s.contains("↓ 还有"), "{s}");
    t.keys(&["Home"]);
    t.wait_for("the top", |s| s.contains("先试这两条"), 5);
}

/// One built-in lesson, as the lab embeds it.
fn builtin_lesson(id: &str) -> mqtt_lab::lesson::Lesson {
    let path = format!("{}/lessons/{id}.yaml", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(&path).expect("the lesson file");
    mqtt_lab::lesson::parse_lesson(&path, &src).unwrap_or_else(|e| panic!("{}", e[0]))
}

/// A new learner in the real TUI: starts `mqtt-lab` with no arguments past the language, picks the
/// lesson on the first screen with ↓ and Enter, and does every step by typing what the step asks for
/// (the lesson's own solution lines, a quiz by its number), watching the pane advance to the end.
fn walk_lesson(id: &str, lang: &str, width: u16, height: u16, first_try: &[(&str, &str)]) -> String {
    let lesson = builtin_lesson(id);
    let n = lesson.steps.len();
    let t = Tmux::start_with_wait(width, height, &format!("--listen 127.0.0.1:0 --lang {lang}"), "sleep 60", |s| {
        s.contains("mqtt-lab · Lessons") || s.contains("mqtt-lab · 课程")
    });
    // The first screen says how to start.
    let s = t.screen();
    assert!(s.contains("Enter"), "the list says how to open a lesson:\n{s}");
    let picked = |s: &str| s.lines().any(|l| l.contains('›') && l.contains(&format!(" {id} ")));
    for _ in 0..40 {
        if picked(&t.screen()) {
            break;
        }
        t.keys(&["Down"]);
        std::thread::sleep(Duration::from_millis(60));
    }
    t.wait_for(&format!("lesson {id} selected"), picked, 5);
    t.keys(&["Enter"]);
    t.wait_for("the lesson pane", |s| s.contains(&format!("{id} · 1/{n}")), 10);
    // The cast and the setup are on stage before the learner types.
    std::thread::sleep(Duration::from_millis(800));
    for (i, step) in lesson.steps.iter().enumerate() {
        let s = &step.value;
        t.wait_for(&format!("step {}", i + 1), |sc| sc.contains(&format!("{id} · {}/{n}", i + 1)), 10);
        // A wrong first try where the test has one: the step stays, and the pane says what differs.
        for (at, wrong) in first_try {
            if *at == format!("{}", i + 1) {
                t.command(wrong);
                let sc = t.wait_for("the near miss", |sc| sc.contains('≈'), 5);
                assert!(sc.contains(&format!("{id} · {}/{n}", i + 1)), "a wrong try must not complete the step:\n{sc}");
                t.command("hint");
                t.wait_for("the hint", |sc| sc.contains('💡'), 5);
            }
        }
        if s.expect.is_none() && s.quiz.is_none() {
            t.command("go");
        }
        for line in &s.solution {
            let l = line.value.trim();
            if let Some(secs) = l.strip_prefix("wait ").and_then(|v| v.trim().parse::<f64>().ok()) {
                std::thread::sleep(Duration::from_secs_f64(secs));
            } else if let Some(k) = l.strip_prefix("answer ") {
                // A quiz is answered by its number.
                t.command(k.trim());
            } else {
                t.command(l);
                std::thread::sleep(Duration::from_millis(250));
            }
        }
        if i + 1 < n {
            t.wait_for(&format!("step {} done", i + 1), |sc| sc.contains(&format!("{id} · {}/{n}", i + 2)), 15);
        }
    }
    let done = if lang == "zh" { "课程完成" } else { "Lesson complete" };
    let s = t.wait_for("the lesson complete", |sc| sc.contains(done), 15);
    assert!(s.contains(&format!("{id} ")) && s.contains('✓'), "{s}");
    // Back on the list, the chapter shows as done.
    t.keys(&["F9"]);
    t.wait_for("the list", |sc| sc.contains(&format!("{n}/{n}")), 5)
}

#[test]
fn a_new_learner_completes_lesson_1_2_in_chinese_at_80_by_24() {
    walk_lesson("1-2", "zh", 80, 24, &[("2", "phone sub 汽车")]);
}

#[test]
fn a_new_learner_completes_lesson_1_2_in_english_at_120_by_40() {
    walk_lesson("1-2", "en", 120, 40, &[]);
}

#[test]
fn a_new_learner_completes_lesson_1_3_in_english_at_80_by_24() {
    walk_lesson("1-3", "en", 80, 24, &[]);
}

#[test]
fn a_new_learner_completes_lesson_1_3_in_chinese_at_120_by_40() {
    walk_lesson("1-3", "zh", 120, 40, &[]);
}

#[test]
fn a_new_learner_completes_lesson_2_1_in_chinese_at_80_by_24() {
    walk_lesson("2-1", "zh", 80, 24, &[]);
}

#[test]
fn a_new_learner_completes_lesson_2_1_in_english_at_120_by_40() {
    walk_lesson("2-1", "en", 120, 40, &[]);
}

/// The IoT console: a switch publishes (never retained), the lamp follows what the board reports,
/// the gauge its readings, a retained switch is refused with the reason, a restarted console knows
/// nothing until it subscribes and then shows the true state from retained messages, and the
/// presence badge turns offline with the board's will.
#[test]
fn the_iot_console_shows_what_the_board_reported_and_survives_a_restart() {
    let fixture = format!("{}/tests/fixtures/console.yaml", env!("CARGO_MANIFEST_DIR"));
    let t = Tmux::start_with_wait(
        120,
        35,
        &format!("--listen 127.0.0.1:0 --lang en --lesson {fixture}"),
        "sleep 60",
        |s| s.contains("IoT console") && s.contains("Board online"),
    );
    let s = t.screen();
    assert!(s.contains("? Lamp state unknown") && s.contains("Temperature —"), "{s}");
    t.command("switch 1 on");
    t.wait_for("the command at the board", |s| s.contains("⇐ lab/led_kz 1 q0"), 5);
    let s = t.screen();
    assert!(s.contains("[ ON ] Lamp"), "{s}");
    assert!(s.contains("? Lamp state unknown"), "the lamp follows the board, not the switch:\n{s}");
    t.command("esp pub lab/led_zt 1 -r");
    t.wait_for("the lamp on", |s| s.contains("● Lamp state on"), 5);
    t.command("esp pub lab/temp 23.5");
    t.wait_for("the gauge", |s| s.contains("Temperature 23.5°C"), 5);
    t.command("switch 2 on");
    let s = t.wait_for("the refusal", |s| s.contains("✗ switch 2 on"), 5);
    assert!(s.contains("does not send retained commands"), "{s}");
    // The console starts again: it knows nothing until it subscribes; then the retained state.
    t.command("rm console");
    t.wait_for("the console gone", |s| s.contains("the console (client console) is offline"), 5);
    t.command("new console");
    let s = t.wait_for("the new console", |s| s.contains("✓ new console"), 5);
    assert!(s.contains("? Lamp state unknown") && s.contains("Temperature —"), "a new console knows nothing yet:\n{s}");
    assert!(s.contains("[ -- ] Lamp"), "nor how its switches were flipped:\n{s}");
    t.command("console sub lab/#");
    let s = t.wait_for("the retained state", |s| s.contains("● Lamp state on") && s.contains("Board online"), 5);
    assert!(s.contains("Temperature —"), "a reading that was not retained does not come back:\n{s}");
    // The board loses power: keep alive 2 s, so the broker publishes its will within 3 s.
    t.command("esp cut");
    t.wait_for("the badge offline", |s| s.contains("Board offline"), 8);
}

/// A real board joins a lesson: a client whose id is the tutorial's `esp8266-<MAC>` connects from
/// outside (here Debian's mosquitto_pub standing in for a NodeMCU); it takes the part of the virtual
/// esp, which leaves the stage, and the step is judged by the real board's frames.
#[test]
fn a_real_board_takes_the_part_of_the_virtual_esp() {
    let fixture = format!("{}/tests/fixtures/board.yaml", env!("CARGO_MANIFEST_DIR"));
    let port = free_port();
    let t = Tmux::start_with_wait(
        120,
        35,
        &format!("--listen 127.0.0.1:{port} --lang en --lesson {fixture}"),
        "sleep 60",
        // The step has begun once the stage is set (what happens before does not count).
        |s| s.contains("T-2 · 1/1") && s.contains("● esp") && s.contains('◉') && !s.contains("setting the stage"),
    );
    let out = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-i", "esp8266-A4:CF:12:9B:7E:01"])
        .args(["-t", "lab/hello", "-m", "from the desk"])
        .output()
        .expect("mosquitto_pub runs (scripts/test installs mosquitto-clients)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = t.wait_for("the step done by the real board", |s| s.contains("Lesson complete"), 8);
    assert!(s.contains("A real board joined") || s.contains("real board"), "{s}");
    assert!(!s.lines().any(|l| l.contains("● esp ")), "the virtual esp left the stage:\n{s}");
    assert!(s.contains("⇐ lab/hello from the desk"), "the computer got the board's message:\n{s}");
}

#[test]
fn a_new_learner_without_a_board_completes_lesson_1_4_with_the_virtual_nodemcu_in_chinese_at_80_by_24() {
    walk_lesson("1-4", "zh", 80, 24, &[]);
}

#[test]
fn a_new_learner_completes_lesson_1_8_with_the_virtual_nodemcu_in_english_at_120_by_40() {
    walk_lesson("1-8", "en", 120, 40, &[]);
}

#[test]
fn a_new_learner_completes_lesson_2_7_with_the_virtual_nodemcu_in_chinese_at_80_by_24() {
    walk_lesson("2-7", "zh", 80, 24, &[]);
}

/// The serial pane attaches to the virtual NodeMCU's pseudo-terminal: the sketch's lines stand
/// beside the frames they go with, and the reset key reboots the board (a new CONNECT, the boot
/// again).
#[test]
fn the_serial_pane_shows_the_virtual_nodemcu_beside_its_frames() {
    let t = Tmux::start_with_wait(120, 35, "--listen 127.0.0.1:0 --lang en --lesson 1-4", "sleep 60", |s| {
        s.contains("MQTT Server Connected.")
    });
    let s = t.screen();
    // The pane names the port (a pseudo-terminal), the baud rate and the board.
    assert!(s.contains("/dev/pts/") && s.contains("115200") && s.contains("esp connect"), "{s}");
    for want in ["ClientId:", "esp8266-5C:CF:7F:12:34:56"] {
        assert!(s.contains(want), "no {want:?} in the serial pane:\n{s}");
    }
    // Beside it, the ladder has the board's CONNECT and CONNACK.
    assert!(s.contains("CONNECT") && s.contains("CONNACK"), "{s}");
    // The lab linked the board to its client.
    assert!(s.contains("this board is that client"), "{s}");
    let connects = |s: &str| s.lines().filter(|l| l.contains("esp→broker") && l.contains("CONNECT")).count();
    let before = connects(&t.screen());
    t.command("esp reset");
    // The board boots again: the Wi-Fi dots, a new CONNECT, and the sketch's lines once more.
    let s = t.wait_for("the CONNECT after the reset", |s| connects(s) > before && s.contains("ClientId:"), 10);
    assert!(s.contains("WiFi Connected!"), "{s}");
}

/// `--serial` names a board that is not plugged in yet: the pane says why it cannot open it and
/// keeps trying; when the board (here `mqtt-lab nodemcu`, which joins the lab's broker like a real
/// board on the LAN) appears under that name, the pane attaches and its lines stand beside its
/// frames.
#[test]
fn the_serial_pane_waits_for_a_board_plugged_in_later() {
    let dir = std::env::temp_dir().join(format!("mqtt-lab-later-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("ttyUSB0");
    let args = format!("--listen 127.0.0.1:0 --lang en --serial {}", link.display());
    let t = Tmux::start_with(120, 35, &args, "sleep 60");
    let s = t.wait_for("the pane to say the port is missing", |s| s.contains("cannot open"), 10);
    assert!(s.contains("no such port") && s.contains("trying again"), "{s}");
    // The lab's broker port, from the broker pane's title.
    let port: u16 = s
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok())
        .unwrap_or_else(|| panic!("no broker address on screen:\n{s}"));
    let mut board = std::process::Command::new(env!("CARGO_BIN_EXE_mqtt-lab"))
        .args(["nodemcu", "--pty", "--sketch", "connect", "--lang", "en"])
        .args(["--broker", &format!("127.0.0.1:{port}"), "--link", &link.display().to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("mqtt-lab nodemcu runs");
    let s = t.wait_for("the board's lines in the pane", |s| s.contains("MQTT Server Connected."), 15);
    let _ = board.kill();
    let _ = board.wait();
    let _ = std::fs::remove_dir_all(&dir);
    // Its CONNECT is in the inspector, from the client id the pane linked it to.
    assert!(s.contains("CONNECT id=esp8266-5C:C"), "{s}");
}

/// A 5.0 client (Debian's mosquitto_pub -V 5) publishes through the lab's broker: the inspector
/// reads its CONNECT as 5.0, with the property mosquitto_pub sends (Receive Maximum 20) in the field
/// tree, and the broker's 5.0 CONNACK with reason code 0x00.
#[test]
fn a_5_0_client_s_connect_is_read_as_5_0_with_its_properties() {
    // Tall enough for the whole field tree of the CONNECT.
    let t = Tmux::start(120, 60, "en");
    let s = t.screen();
    let port: u16 = s
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok())
        .unwrap_or_else(|| panic!("no broker address on screen:\n{s}"));
    let out = Command::new("mosquitto_pub")
        .args(["-V", "5", "-h", "127.0.0.1", "-p", &port.to_string(), "-t", "t", "-m", "x"])
        .output()
        .expect("mosquitto_pub runs (scripts/test installs mosquitto-clients)");
    assert!(out.status.success(), "mosquitto_pub -V 5 against the lab: {}", String::from_utf8_lossy(&out.stderr));
    let s = t.wait_for("the 5.0 CONNECT", |s| !rows_with(s, &["→broker", "CONNECT", "v5 id= clean=1"]).is_empty(), 5);
    assert!(!rows_with(&s, &["broker→", "CONNACK", "0x00"]).is_empty(), "the 5.0 CONNACK:\n{s}");
    assert!(!s.lines().any(|l| l.contains("CONNACK") && l.contains("✗")), "nothing malformed:\n{s}");
    // The newest CONNECT is the 5.0 one: its field tree.
    t.command("filter type CONNECT");
    let s = t.wait_for("the 5.0 CONNECT's fields", |s| s.contains("MQTT 5.0") && s.contains("Receive Maximum"), 5);
    assert!(!rows_with(&s, &["Protocol level", "5"]).is_empty(), "{s}");
    assert!(!rows_with(&s, &["Property length", "3 (1 byte)"]).is_empty(), "{s}");
    assert!(!rows_with(&s, &["Property identifier", "0x21 (Receive Maximum)"]).is_empty(), "{s}");
    assert!(!rows_with(&s, &["Receive Maximum", "20"]).is_empty(), "{s}");
}

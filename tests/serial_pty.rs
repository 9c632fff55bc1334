//! The serial port task over real pseudo-terminals: the test holds the master side (the board), the
//! handle opens the slave side by its path (the port). Every wait has a timeout, so a failure never
//! hangs; no network is used.

#![cfg(unix)]

use mqtt_lab::runtime::serial::{SerialEvent, SerialHandle};
use nix::sys::termios::{SetArg, cfmakeraw, tcgetattr, tcsetattr};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::timeout;

/// How long any single wait may take before the test fails.
const WAIT: Duration = Duration::from_secs(5);

/// One pseudo-terminal: the master is the board's end, `path` the port the handle opens.
struct Pty {
    master: File,
    /// Held so that the port exists whatever the handle does.
    _slave: OwnedFd,
    path: String,
}

fn pty() -> Pty {
    let r = nix::pty::openpty(None, None).expect("openpty");
    let mut t = tcgetattr(&r.slave).expect("tcgetattr");
    cfmakeraw(&mut t);
    tcsetattr(&r.slave, SetArg::TCSANOW, &t).expect("tcsetattr");
    let path = nix::unistd::ttyname(&r.slave).expect("ttyname").display().to_string();
    Pty { master: File::from(r.master), _slave: r.slave, path }
}

impl Pty {
    fn write(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).expect("write to the master");
        self.master.flush().expect("flush");
    }
}

/// A fresh folder for symlinks, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("mqtt-lab-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Points `link` at `target`, replacing what it pointed at in one step (as udev does).
fn point(link: &Path, target: &str) {
    let tmp = link.with_extension("new");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).expect("symlink");
    std::fs::rename(&tmp, link).expect("rename the symlink");
}

/// The events seen so far, for failure messages.
struct Events {
    rx: UnboundedReceiver<SerialEvent>,
    seen: Vec<SerialEvent>,
}

impl Events {
    fn new(rx: UnboundedReceiver<SerialEvent>) -> Events {
        Events { rx, seen: Vec::new() }
    }

    /// The next event that satisfies `pred`, within [`WAIT`]; the others are kept in `seen`.
    async fn until(&mut self, what: &str, pred: impl Fn(&SerialEvent) -> bool) -> SerialEvent {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(e)) => {
                    self.seen.push(e.clone());
                    if pred(&e) {
                        return e;
                    }
                }
                Ok(None) => panic!("the port task ended before {what}; events: {:#?}", self.seen),
                Err(_) => panic!("no {what} within {WAIT:?}; events: {:#?}", self.seen),
            }
        }
    }

    async fn opened(&mut self) -> (String, u32) {
        match self.until("Opened", |e| matches!(e, SerialEvent::Opened { .. })).await {
            SerialEvent::Opened { path, baud } => (path, baud),
            _ => unreachable!(),
        }
    }

    /// The lines up to and including `last`.
    async fn lines_until(&mut self, last: &str) -> Vec<String> {
        let from = self.seen.len();
        self.until(&format!("Line({last:?})"), |e| matches!(e, SerialEvent::Line(l) if l == last)).await;
        self.seen[from..]
            .iter()
            .filter_map(|e| if let SerialEvent::Line(l) = e { Some(l.clone()) } else { None })
            .collect()
    }

    async fn note(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        match self.until(what, |e| matches!(e, SerialEvent::Note(t) if pred(&t.en))).await {
            SerialEvent::Note(t) => {
                assert!(!t.zh.is_empty() && t.zh != t.en, "the note has its Chinese: {t:?}");
                t.en
            }
            _ => unreachable!(),
        }
    }
}

fn open(path: &str) -> (SerialHandle, Events) {
    let (tx, rx) = unbounded_channel();
    (SerialHandle::spawn(path.to_string(), 115_200, tx), Events::new(rx))
}

#[tokio::test]
async fn lines_arrive_whole_however_the_board_writes_them() {
    let mut board = pty();
    let (port, mut ev) = open(&board.path);
    assert_eq!(port.path(), board.path);
    assert_eq!(ev.opened().await, (board.path.clone(), 115_200));

    board.write(b"\r\nConnecting to lab-wifi\r\n");
    assert_eq!(ev.lines_until("Connecting to lab-wifi").await, ["", "Connecting to lab-wifi"]);

    // One line in three writes: `°` split between the first two, CR and LF between the last two.
    // Each write is seen by the port before the next one is made, so they are read apart.
    let line = "Temperature 25°C ✓\r\n".as_bytes();
    let cut1 = "Temperature 25".len() + 1;
    let cut2 = line.len() - 1;
    board.write(&line[..cut1]);
    let half = ev.until("Pending", |e| matches!(e, SerialEvent::Pending(_))).await;
    assert_eq!(half, SerialEvent::Pending("Temperature 25".into()), "half a character is not shown as garbage");
    board.write(&line[cut1..cut2]);
    assert_eq!(ev.lines_until("Temperature 25°C ✓").await, ["Temperature 25°C ✓"]);
    board.write(&line[cut2..]);
    board.write(b"next\r\n");
    assert_eq!(ev.lines_until("next").await, ["next"], "no empty line from the split CRLF");

    // Dots while Wi-Fi joins: the pending line grows.
    board.write(b"..");
    ev.until("Pending(\"..\")", |e| matches!(e, SerialEvent::Pending(p) if p == "..")).await;
    board.write(b"...");
    ev.until("Pending(\".....\")", |e| matches!(e, SerialEvent::Pending(p) if p == ".....")).await;
    board.write(b"\r\n");
    assert_eq!(ev.lines_until(".....").await, ["....."]);
}

#[tokio::test]
async fn garbage_before_a_clean_line_leaves_it_intact() {
    let mut board = pty();
    let (_port, mut ev) = open(&board.path);
    ev.opened().await;
    let mut garbage = vec![0x00u8];
    garbage.extend(0x80..=0xffu8);
    garbage.push(0x00);
    board.write(&garbage);
    board.write(b"\r\nhello world #1\r\n");
    let lines = ev.lines_until("hello world #1").await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].chars().all(|c| c == '\u{FFFD}'), "garbage is shown as U+FFFD: {:?}", lines[0]);
    assert_eq!(lines[1], "hello world #1");
}

#[tokio::test]
async fn an_unplugged_port_is_reopened_when_its_link_points_at_a_new_one() {
    let dir = TempDir::new("serial-relink");
    let link = dir.0.join("board");
    let mut first = pty();
    point(&link, &first.path);
    let link_path = link.display().to_string();
    let (_port, mut ev) = open(&link_path);
    assert_eq!(ev.opened().await.0, link_path);
    first.write(b"one\r\nhalf a li");
    assert_eq!(ev.lines_until("one").await, ["one"]);

    // Unplugged: the unfinished line is ended, and the port will be tried again.
    drop(first);
    let closed = ev.until("Closed", |e| matches!(e, SerialEvent::Closed { .. })).await;
    let SerialEvent::Closed { why, will_retry } = closed else { unreachable!() };
    assert!(will_retry, "{why:?}");
    assert!(why.en.contains(&link_path) && why.zh.contains(&link_path), "{why:?}");
    assert!(ev.seen.contains(&SerialEvent::Line("half a li".into())), "{:#?}", ev.seen);

    // Plugged in again, as another device: the link now points at it.
    let mut second = pty();
    point(&link, &second.path);
    assert_eq!(ev.opened().await, (link_path.clone(), 115_200));
    second.write(b"two\r\n");
    assert_eq!(ev.lines_until("two").await, ["two"]);
}

#[tokio::test]
async fn sent_bytes_arrive_at_the_board() {
    let board = pty();
    let (port, mut ev) = open(&board.path);
    ev.opened().await;
    let mut reader = board.master.try_clone().expect("clone the master");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                return;
            }
        }
    });
    port.send(b"1".to_vec());
    port.send("hello 板子\r\n".as_bytes().to_vec());
    let want = "1hello 板子\r\n".as_bytes();
    let mut got = Vec::new();
    let got = tokio::task::spawn_blocking(move || {
        while got.len() < want.len() {
            match rx.recv_timeout(WAIT) {
                Ok(b) => got.extend(b),
                Err(e) => panic!("only {got:?} arrived ({e})"),
            }
        }
        got
    })
    .await
    .expect("reader");
    assert_eq!(got, "1hello 板子\r\n".as_bytes());
}

#[tokio::test]
async fn a_missing_port_fails_naming_it_and_the_task_ends() {
    let path = "/dev/ttyUSB-mqtt-lab-missing";
    let (_port, mut ev) = open(path);
    let failed = ev.until("Failed", |e| matches!(e, SerialEvent::Failed { .. })).await;
    let SerialEvent::Failed { why } = failed else { unreachable!() };
    assert!(why.en.contains(path) && why.en.contains("mqtt-lab serial list"), "{why:?}");
    assert!(why.zh.contains(path) && why.zh.contains("mqtt-lab serial list"), "{why:?}");
    mqtt_lab::i18n::check_bilingual(&why.zh, &why.en).unwrap();
    assert_eq!(timeout(WAIT, ev.rx.recv()).await.expect("the task ends"), None);
}

#[tokio::test]
async fn a_port_held_by_another_program_is_busy_and_names_it() {
    let board = pty();
    let held = board._slave.try_clone().expect("dup the slave");
    let _lock = nix::fcntl::Flock::lock(held, nix::fcntl::FlockArg::LockExclusiveNonblock).expect("flock");
    let (_port, mut ev) = open(&board.path);
    let failed = ev.until("Failed", |e| matches!(e, SerialEvent::Failed { .. })).await;
    let SerialEvent::Failed { why } = failed else { unreachable!() };
    let me = format!("(pid {})", std::process::id());
    assert!(why.en.contains("busy") && why.en.contains(&me), "{why:?}");
    assert!(why.zh.contains("占用") && why.zh.contains(&format!("（pid {}）", std::process::id())), "{why:?}");
    mqtt_lab::i18n::check_bilingual(&why.zh, &why.en).unwrap();
}

#[tokio::test]
async fn reset_on_a_pseudo_terminal_says_there_is_no_rts_and_the_port_keeps_working() {
    let mut board = pty();
    let (port, mut ev) = open(&board.path);
    ev.opened().await;
    port.reset();
    let note = ev.note("the no-RTS note", |t| t.contains("no RTS")).await;
    assert!(note.contains("pseudo-terminal") && note.contains(&board.path), "{note}");
    board.write(b"still here\r\n");
    assert_eq!(ev.lines_until("still here").await, ["still here"]);

    // A wrong baud rate: the port takes it and keeps reading.
    port.set_baud(74_880);
    ev.note("the baud note", |t| t.contains("74880")).await;
    board.write(b"\xff\xfe ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n");
    let lines = ev.lines_until("\u{FFFD}\u{FFFD} ets Jan  8 2013,rst cause:2, boot mode:(3,6)").await;
    assert_eq!(lines.len(), 1);

    // Closing is the last event.
    port.close();
    let closed = ev.until("Closed", |e| matches!(e, SerialEvent::Closed { .. })).await;
    assert!(matches!(closed, SerialEvent::Closed { will_retry: false, .. }), "{closed:?}");
    assert_eq!(timeout(WAIT, ev.rx.recv()).await.expect("the task ends"), None);
}

#[tokio::test]
async fn dropping_the_handle_closes_the_port() {
    let board = pty();
    let (port, mut ev) = open(&board.path);
    ev.opened().await;
    drop(port);
    let closed = ev.until("Closed", |e| matches!(e, SerialEvent::Closed { .. })).await;
    assert!(matches!(closed, SerialEvent::Closed { will_retry: false, .. }), "{closed:?}");
}

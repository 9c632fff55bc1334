//! Helpers shared by `broker_raw`, `broker_clients` and `cli`: a raw MQTT client over TCP that writes
//! frames given as hex and reads replies with its own framer (nothing here uses the crate's codec),
//! a broker on 127.0.0.1 with an OS-chosen port, and a guard that kills spawned processes.
//!
//! Hex strings may group fields with spaces and `|`: `"20 02 | 00 | 00"`.
#![allow(dead_code)]

use mqtt_lab::broker::{Config, Event};
use mqtt_lab::runtime::{Server, ServerConfig};
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::broadcast;

/// How long any single wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(5);

// ---- bytes ------------------------------------------------------------------------------------

/// Bytes from hex: spaces and `|` separate, nothing else is allowed.
pub fn hex(s: &str) -> Vec<u8> {
    let mut digits = Vec::new();
    for c in s.chars() {
        match c {
            c if c.is_ascii_hexdigit() => digits.push(c.to_digit(16).expect("hex digit") as u8),
            c if c.is_whitespace() || c == '|' => {}
            other => panic!("test bug: {other:?} in hex string {s:?}"),
        }
    }
    assert!(digits.len() % 2 == 0, "test bug: odd number of hex digits in {s:?}");
    digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect()
}

/// Bytes as `"20 02 00 00"`.
pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

/// Raw bytes of a text as hex, without a length: `b("hi")` = `"68 69"`.
pub fn b(text: &str) -> String {
    to_hex(text.as_bytes())
}

/// An MQTT UTF-8 string as hex: two length bytes, then the bytes. `s("car")` = `"00 03 63 61 72"`.
pub fn s(text: &str) -> String {
    let n = text.len();
    assert!(n <= 0xffff, "test bug: string too long");
    format!("{:02x} {:02x} {}", n >> 8, n & 0xff, b(text)).trim_end().to_string()
}

/// A packet id (or any two-byte integer) as hex.
pub fn u16h(v: u16) -> String {
    format!("{:02x} {:02x}", v >> 8, v & 0xff)
}

/// The remaining-length varint, written here by hand (not with the crate's encoder).
pub fn varint(mut len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if len == 0 {
            return out;
        }
    }
}

/// A whole frame: the first byte (hex), then the body's fields (hex); the remaining length is
/// computed from the body.
pub fn pkt(byte1: &str, body: &[&str]) -> Vec<u8> {
    let first = hex(byte1);
    assert_eq!(first.len(), 1, "test bug: the first byte is one byte");
    let body: Vec<u8> = body.iter().flat_map(|f| hex(f)).collect();
    let mut out = first;
    out.extend(varint(body.len()));
    out.extend(body);
    out
}

/// A PUBLISH frame. `flags` is the low nibble of the first byte (DUP, QoS, RETAIN); `pid` is written
/// only when QoS > 0.
pub fn publish(flags: u8, topic: &str, pid: u16, payload: &str) -> Vec<u8> {
    let byte1 = format!("{:02x}", 0x30 | flags);
    let qos = (flags >> 1) & 3;
    let pid = if qos > 0 { u16h(pid) } else { String::new() };
    pkt(&byte1, &[&s(topic), &pid, &b(payload)])
}

/// The CONNECT packets of the tests, assembled field by field. 3.1.1 unless `v31()`.
#[derive(Debug, Clone)]
pub struct Conn {
    id: String,
    clean: bool,
    keep_alive: u16,
    will: Option<(String, String, u8, bool)>,
    user: Option<String>,
    password: Option<String>,
    v31: bool,
}

impl Conn {
    /// Clean session, keep alive 60 s.
    pub fn new(id: &str) -> Conn {
        Conn { id: id.into(), clean: true, keep_alive: 60, will: None, user: None, password: None, v31: false }
    }
    pub fn clean(mut self, clean: bool) -> Conn {
        self.clean = clean;
        self
    }
    pub fn keep_alive(mut self, secs: u16) -> Conn {
        self.keep_alive = secs;
        self
    }
    pub fn will(mut self, topic: &str, message: &str, qos: u8, retain: bool) -> Conn {
        self.will = Some((topic.into(), message.into(), qos, retain));
        self
    }
    pub fn user(mut self, user: &str, password: Option<&str>) -> Conn {
        self.user = Some(user.into());
        self.password = password.map(String::from);
        self
    }
    pub fn v31(mut self) -> Conn {
        self.v31 = true;
        self
    }
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The frame.
    pub fn bytes(&self) -> Vec<u8> {
        let mut flags = 0u8;
        if self.user.is_some() {
            flags |= 0x80;
        }
        if self.password.is_some() {
            flags |= 0x40;
        }
        if let Some((_, _, qos, retain)) = &self.will {
            flags |= 0x04 | qos << 3 | if *retain { 0x20 } else { 0 };
        }
        if self.clean {
            flags |= 0x02;
        }
        let (name, level) = if self.v31 { ("MQIsdp", "03") } else { ("MQTT", "04") };
        let mut body = vec![s(name), level.to_string(), format!("{flags:02x}"), u16h(self.keep_alive), s(&self.id)];
        if let Some((topic, message, _, _)) = &self.will {
            body.push(s(topic));
            body.push(s(message));
        }
        if let Some(u) = &self.user {
            body.push(s(u));
        }
        if let Some(p) = &self.password {
            body.push(s(p));
        }
        let parts: Vec<&str> = body.iter().map(String::as_str).collect();
        pkt("10", &parts)
    }
}

/// A PUBLISH read back from the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub byte1: u8,
    pub topic: String,
    pub pid: Option<u16>,
    pub payload: Vec<u8>,
}

impl Msg {
    pub fn qos(&self) -> u8 {
        (self.byte1 >> 1) & 3
    }
    pub fn dup(&self) -> bool {
        self.byte1 & 0x08 != 0
    }
    pub fn retain(&self) -> bool {
        self.byte1 & 0x01 != 0
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.payload).into_owned()
    }
}

/// Splits a frame's header: (first byte, header length, remaining length); `None` if incomplete.
/// Panics on a remaining length longer than four bytes.
pub fn split_header(buf: &[u8]) -> Option<(u8, usize, usize)> {
    let mut len = 0usize;
    for i in 1..=4 {
        let byte = *buf.get(i)?;
        len |= ((byte & 0x7f) as usize) << (7 * (i - 1));
        if byte & 0x80 == 0 {
            return Some((buf[0], i + 1, len));
        }
    }
    panic!("a remaining length of more than four bytes: {}", to_hex(&buf[..5]));
}

/// Reads a PUBLISH frame field by field.
pub fn parse_publish(frame: &[u8]) -> Msg {
    let (byte1, hl, len) = split_header(frame).expect("a whole frame");
    assert_eq!(byte1 >> 4, 3, "expected a PUBLISH, got {}", to_hex(frame));
    assert_eq!(frame.len(), hl + len, "frame length");
    let body = &frame[hl..];
    let tlen = (body[0] as usize) << 8 | body[1] as usize;
    let topic = String::from_utf8(body[2..2 + tlen].to_vec()).expect("the topic is UTF-8");
    let mut at = 2 + tlen;
    let pid = if (byte1 >> 1) & 3 > 0 {
        let p = (body[at] as u16) << 8 | body[at + 1] as u16;
        at += 2;
        Some(p)
    } else {
        None
    };
    Msg { byte1, topic, pid, payload: body[at..].to_vec() }
}

// ---- the raw client ---------------------------------------------------------------------------

/// What a read found.
#[derive(Debug)]
pub enum Read {
    Frame(Vec<u8>),
    /// End of stream or a reset.
    Closed,
    Timeout,
}

/// An MQTT client that is nothing but a TCP socket and a buffer.
pub struct Raw {
    stream: TcpStream,
    buf: Vec<u8>,
    pub name: String,
}

impl Raw {
    /// Opens a TCP connection.
    pub async fn open(addr: SocketAddr, name: &str) -> Raw {
        let stream = tokio::time::timeout(WAIT, TcpStream::connect(addr))
            .await
            .unwrap_or_else(|_| panic!("{name}: connect to {addr} timed out"))
            .unwrap_or_else(|e| panic!("{name}: connect to {addr}: {e}"));
        stream.set_nodelay(true).expect("nodelay");
        Raw { stream, buf: Vec::new(), name: name.into() }
    }

    /// Opens a connection, sends `c`'s CONNECT and expects CONNACK 0 without a session (`20 02 00 00`).
    pub async fn connect(addr: SocketAddr, c: &Conn) -> Raw {
        let mut r = Raw::open(addr, c.id()).await;
        r.send(&c.bytes()).await;
        r.expect("20 02 00 00").await;
        r
    }

    /// Sends bytes that the test believes are well-formed frames (checked by the test's framer).
    pub async fn send(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let (_, hl, len) = split_header(rest).unwrap_or_else(|| panic!("test bug: incomplete {}", to_hex(rest)));
            assert!(rest.len() >= hl + len, "test bug: remaining length {len} but {} bytes follow", rest.len() - hl);
            rest = &rest[hl + len..];
        }
        self.send_raw(bytes).await.unwrap_or_else(|e| panic!("{}: write failed: {e}", self.name));
    }

    /// `send` for hex.
    pub async fn send_hex(&mut self, h: &str) {
        self.send(&hex(h)).await;
    }

    /// Sends any bytes, malformed ones included.
    pub async fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await
    }

    /// The next frame, the end of the stream, or nothing within `within`.
    pub async fn next(&mut self, within: Duration) -> Read {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some((_, hl, len)) = split_header(&self.buf)
                && self.buf.len() >= hl + len
            {
                return Read::Frame(self.buf.drain(..hl + len).collect());
            }
            let mut tmp = [0u8; 4096];
            match tokio::time::timeout_at(deadline, self.stream.read(&mut tmp)).await {
                Err(_) => return Read::Timeout,
                Ok(Ok(0)) => return Read::Closed,
                Ok(Ok(n)) => self.buf.extend_from_slice(&tmp[..n]),
                Ok(Err(e))
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe
                    ) =>
                {
                    return Read::Closed;
                }
                Ok(Err(e)) => panic!("{}: read failed: {e}", self.name),
            }
        }
    }

    /// The next frame; fails the test on a close or after [`WAIT`].
    pub async fn recv(&mut self) -> Vec<u8> {
        match self.next(WAIT).await {
            Read::Frame(f) => f,
            Read::Closed => panic!("{}: the broker closed the connection while a frame was expected", self.name),
            Read::Timeout => panic!("{}: no frame within {WAIT:?}", self.name),
        }
    }

    /// Expects exactly these bytes as the next frame.
    pub async fn expect(&mut self, h: &str) {
        self.expect_bytes(&hex(h)).await;
    }

    pub async fn expect_bytes(&mut self, want: &[u8]) {
        let got = self.recv().await;
        assert_eq!(to_hex(&got), to_hex(want), "{}: unexpected frame", self.name);
    }

    /// The next frame, which must be a PUBLISH.
    pub async fn recv_publish(&mut self) -> Msg {
        let f = self.recv().await;
        assert_eq!(f[0] >> 4, 3, "{}: expected a PUBLISH, got {}", self.name, to_hex(&f));
        parse_publish(&f)
    }

    /// Nothing may arrive for `d`, and the connection must stay open.
    pub async fn expect_silence(&mut self, d: Duration) {
        match self.next(d).await {
            Read::Timeout => {}
            Read::Frame(f) => panic!("{}: expected nothing, got {}", self.name, to_hex(&f)),
            Read::Closed => panic!("{}: expected nothing, but the connection was closed", self.name),
        }
    }

    /// The broker must close the connection (EOF or reset) within [`WAIT`] without sending anything.
    pub async fn expect_closed(&mut self) {
        match self.next(WAIT).await {
            Read::Closed => {}
            Read::Frame(f) => panic!("{}: expected the connection to be closed, got {}", self.name, to_hex(&f)),
            Read::Timeout => panic!("{}: the broker did not close the connection within {WAIT:?}", self.name),
        }
    }

    /// SUBSCRIBE to one filter and expect SUBACK granting `qos`.
    pub async fn subscribe(&mut self, pid: u16, filter: &str, qos: u8) {
        self.send(&pkt("82", &[&u16h(pid), &s(filter), &format!("{qos:02x}")])).await;
        self.expect(&format!("90 03 {} {qos:02x}", u16h(pid))).await;
    }

    /// PINGREQ → PINGRESP.
    pub async fn ping(&mut self) {
        self.send_hex("c0 00").await;
        self.expect("d0 00").await;
    }

    /// DISCONNECT, then wait for the broker to close.
    pub async fn disconnect(mut self) {
        self.send_hex("e0 00").await;
        self.expect_closed().await;
    }
}

/// Two clients proving the broker still routes: `sub` listens on `alive` and `will/#`, `publ`
/// publishes on `alive`.
pub struct Probe {
    pub sub: Raw,
    pub publ: Raw,
    n: u32,
}

impl Probe {
    pub async fn new(addr: SocketAddr) -> Probe {
        let mut sub = Raw::connect(addr, &Conn::new("probe-sub")).await;
        // SUBSCRIBE id 1: alive QoS 0, will/# QoS 0 → SUBACK 0, 0
        sub.send_hex("82 13 | 00 01 | 00 05 61 6c 69 76 65 | 00 | 00 06 77 69 6c 6c 2f 23 | 00").await;
        sub.expect("90 04 | 00 01 | 00 00").await;
        let publ = Raw::connect(addr, &Conn::new("probe-pub")).await;
        Probe { sub, publ, n: 0 }
    }

    /// One message from `publ` to `sub`, and nothing before it.
    pub async fn check(&mut self) {
        self.n += 1;
        let frame = publish(0, "alive", 0, &format!("ping {}", self.n));
        self.publ.send(&frame).await;
        self.sub.expect_bytes(&frame).await;
    }
}

// ---- the broker -------------------------------------------------------------------------------

/// The default config with per-message narration.
pub fn config() -> Config {
    Config { narrate_messages: true, ..Config::default() }
}

/// A broker on 127.0.0.1 at a port the OS chose.
pub async fn broker(config: Config) -> (Server, SocketAddr) {
    let server = Server::start(ServerConfig {
        listen: vec!["127.0.0.1:0".parse().expect("addr")],
        broker: config,
        tap_capacity: None,
    })
    .await
    .expect("the broker starts");
    let addr = server.local_addrs()[0];
    (server, addr)
}

/// Waits for the first event `pick` accepts.
pub async fn wait_event<T>(
    rx: &mut broadcast::Receiver<(std::time::Duration, Event)>,
    mut pick: impl FnMut(&Event) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Err(_) => panic!("the awaited broker event did not come within {WAIT:?}"),
            Ok(Ok((_, e))) => {
                if let Some(t) = pick(&e) {
                    return t;
                }
            }
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(e)) => panic!("event channel: {e}"),
        }
    }
}

/// Polls `cond` until it holds; fails after [`WAIT`].
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

// ---- processes --------------------------------------------------------------------------------

/// A spawned process, killed when the guard is dropped (also when the test fails).
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Proc {
    /// Waits up to `within` for the process to exit.
    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.0.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "the process did not exit within {within:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Like [`wait_exit`](Self::wait_exit) without blocking the async runtime.
    pub async fn wait_exit_async(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.0.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "the process did not exit within {within:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// All of stdout (call after the process exited).
    pub fn stdout(&mut self) -> String {
        read_all(self.0.stdout.take())
    }

    /// All of stderr (call after the process exited).
    pub fn stderr(&mut self) -> String {
        read_all(self.0.stderr.take())
    }
}

fn read_all(r: Option<impl io::Read>) -> String {
    let mut s = String::new();
    if let Some(mut r) = r {
        let _ = r.read_to_string(&mut s);
    }
    s
}

/// Fails with install instructions when the mosquitto clients are missing.
pub fn require_mosquitto() {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found =
        std::env::split_paths(&path).any(|d| d.join("mosquitto_sub").is_file() && d.join("mosquitto_pub").is_file());
    assert!(
        found,
        "mosquitto_sub / mosquitto_pub are not on PATH: install Debian's mosquitto-clients \
         (`apt-get install mosquitto-clients`; the project's test command installs it)"
    );
}

/// A scratch file of this test run, removed when dropped (also when the test fails).
pub struct Scratch(pub PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl Scratch {
    pub fn display(&self) -> String {
        self.0.display().to_string()
    }
}

/// A path for a scratch file of this test run.
pub fn scratch(name: &str) -> Scratch {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    Scratch(dir.join(format!("{}-{name}", std::process::id())))
}

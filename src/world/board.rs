//! A virtual NodeMCU: an ESP8266 running one of the tutorial's sketches with PubSubClient 2.8. It
//! sits on an [`Actor`](super::actor::Actor)'s client (which already behaves like PubSubClient: the
//! CONNECT, keep alive 15 s and its ping rule, the 256-byte buffer, QoS 0 publishing, state codes)
//! and plays the sketch around it: the boot ROM's log at 74880 baud, `setup()` joining Wi-Fi with
//! its dots, `connect()` and what it prints on success or failure, the retry after 5 s,
//! `loop()`'s periodic publishing, the callback's prints and the LED. A reset or a power cut
//! abandons the TCP connection without DISCONNECT, as a real chip does. Its serial output is bytes
//! tagged with their baud rate, so a host can show them garbled when its terminal is set to
//! another rate. Pure: no I/O, time passed in.

pub mod sketch;

pub use sketch::{DEFAULT_MAC, DEFAULT_SKETCH, SKETCHES, Sketch, Style};

use crate::client::{Client, ClientEvent, Options};
use crate::proto::Will;
use bytes::Bytes;
use sketch::{BOARD_IP, IdRule, SSID, fill};
use std::time::{Duration, Instant};

/// The boot ROM's baud rate (115200 × 26 / 40: the ROM assumes a 40 MHz crystal).
pub const ROM_BAUD: u32 = 74_880;
/// From reset to `setup()`.
const BOOT: Duration = Duration::from_millis(300);
/// `delay(1000)` between the dots of `connectWifi()`; the example waits 500 ms.
const WIFI_DOT: Duration = Duration::from_millis(1000);
const WIFI_DOT_EXAMPLE: Duration = Duration::from_millis(500);
/// Dots before the (virtual) access point lets the board in.
const WIFI_DOTS: u32 = 3;
const WIFI_DOTS_EXAMPLE: u32 = 6;
/// From one `loop()` to the next when it finds the client disconnected.
const LOOP: Duration = Duration::from_millis(10);

/// The MAC address of a new board: the one asked for, or the first of the lab's (5C:CF:7F:12:34:56,
/// then …:57 and on) that no board on stage has, so that two boards do not share a client id
/// unless the learner wants them to.
pub fn mac_for(asked: Option<&str>, on_stage: &[String]) -> String {
    if let Some(m) = asked {
        return m.to_ascii_uppercase();
    }
    (0x56u8..=0xff)
        .map(|last| format!("5C:CF:7F:12:34:{last:02X}"))
        .find(|m| !on_stage.contains(m))
        .unwrap_or_else(|| DEFAULT_MAC.to_string())
}

/// Whether `s` is a MAC address written as the ESP8266 core prints it (`5C:CF:7F:12:34:56`).
pub fn is_mac(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 6 && parts.iter().all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Bytes on the board's serial line, at the rate they were sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialChunk {
    pub baud: u32,
    pub bytes: Vec<u8>,
}

/// What the board asks of its actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardReq {
    /// `mqttClient.connect(…)`: open a connection and send CONNECT with these options.
    Connect(Box<Options>),
    /// The chip stopped (reset or power cut): the TCP connection is left as it is, with no
    /// DISCONNECT and no FIN; the broker finds out by its keep alive.
    Abandon,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Off,
    /// The ROM is loading the sketch; `setup()` starts at the instant.
    Booting(Instant),
    /// `connectWifi()`: the next dot at the instant.
    Wifi {
        dots: u32,
        next: Instant,
    },
    /// `connect()` is blocking until the client reports.
    Connecting,
    /// `delay()` after a failed connect, or the next `loop()` after the connection was lost.
    Waiting(Instant),
    /// `loop()` with a connection.
    Running,
}

/// The board's state as the panes show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BoardView {
    pub sketch: &'static str,
    pub powered: bool,
    /// The blue LED on GPIO2 (active-low: on when the pin is LOW).
    pub led: bool,
    pub mac: String,
}

/// One virtual NodeMCU.
#[derive(Debug)]
pub struct Board {
    pub sketch: &'static Sketch,
    pub mac: String,
    /// The address the sketch's `mqttServer` holds, as it prints it.
    pub server: String,
    phase: Phase,
    led: bool,
    /// The first byte of the buffer: an empty payload leaves the previous one there.
    stale: u8,
    counter: u32,
    next_pub: Option<Instant>,
    published_once: bool,
    rng: u32,
    out: Vec<SerialChunk>,
    lines: Vec<String>,
    partial: Vec<u8>,
    reqs: Vec<BoardReq>,
    /// What the client reported while the sketch was not calling `loop()`: seen when it does again.
    missed: Vec<ClientEvent>,
}

impl Board {
    /// A board with `sketch`, powered off.
    pub fn new(sketch: &'static Sketch, mac: &str, server: &str) -> Board {
        let seed = mac.bytes().fold(0x9e37_79b9u32, |h, b| (h ^ b as u32).wrapping_mul(0x0100_0193));
        Board {
            sketch,
            mac: mac.to_string(),
            server: server.to_string(),
            phase: Phase::Off,
            led: false,
            stale: 0,
            counter: 0,
            next_pub: None,
            published_once: false,
            rng: seed | 1,
            out: Vec::new(),
            lines: Vec::new(),
            partial: Vec::new(),
            reqs: Vec::new(),
            missed: Vec::new(),
        }
    }

    pub fn view(&self) -> BoardView {
        BoardView { sketch: self.sketch.name, powered: self.phase != Phase::Off, led: self.led, mac: self.mac.clone() }
    }

    pub fn powered(&self) -> bool {
        self.phase != Phase::Off
    }

    pub fn led(&self) -> bool {
        self.led
    }

    /// Power comes on (`rst cause:1`).
    pub fn power_on(&mut self, now: Instant) {
        if self.phase == Phase::Off {
            self.boot(now, 1);
        }
    }

    /// The reset button, or esptool's RTS pulse (`rst cause:2`): the connection is abandoned.
    pub fn reset(&mut self, now: Instant) {
        if self.phase != Phase::Off {
            self.reqs.push(BoardReq::Abandon);
        }
        self.boot(now, 2);
    }

    /// The USB cable is pulled: the connection is abandoned, the LED goes dark, nothing is printed.
    pub fn power_off(&mut self) {
        if self.phase != Phase::Off {
            self.reqs.push(BoardReq::Abandon);
        }
        self.phase = Phase::Off;
        self.led = false;
        self.next_pub = None;
        self.partial.clear();
    }

    fn boot(&mut self, now: Instant, cause: u8) {
        self.led = false;
        self.missed.clear();
        self.counter = self.sketch.periodic.map_or(0, |p| p.2);
        self.next_pub = None;
        self.published_once = false;
        self.partial.clear();
        let rom = format!(
            "\r\n ets Jan  8 2013,rst cause:{cause}, boot mode:(3,6)\r\n\r\nload 0x4010f000, len 3424, room 16 \r\ntail 0\r\nchksum 0x2e\r\nload 0x3fff20b8, len 40, room 8 \r\ntail 0\r\nchksum 0x2b\r\ncsum 0x2b\r\nv2843a5ac\r\n~ld\r\n"
        );
        self.out.push(SerialChunk { baud: ROM_BAUD, bytes: rom.into_bytes() });
        self.phase = Phase::Booting(now + BOOT);
    }

    /// When [`step`](Self::step) next has something to do by itself.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Booting(t) | Phase::Waiting(t) => Some(t),
            Phase::Wifi { next, .. } => Some(next),
            Phase::Running => self.next_pub,
            Phase::Off | Phase::Connecting => None,
        }
    }

    /// Serial bytes since the last call.
    pub fn take_serial(&mut self) -> Vec<SerialChunk> {
        std::mem::take(&mut self.out)
    }

    /// Lines the sketch finished printing since the last call (at its own baud rate: what a serial
    /// monitor set to the sketch's rate shows; the ROM's log is not among them).
    pub fn take_lines(&mut self) -> Vec<String> {
        std::mem::take(&mut self.lines)
    }

    /// What the client reported, and the time: the sketch reacts, and runs its timers.
    pub fn step(&mut self, client: &mut Client, events: &[ClientEvent], now: Instant) -> Vec<BoardReq> {
        if self.phase == Phase::Off {
            self.missed.clear();
        } else if client.is_frozen() {
            self.missed.extend(events.iter().cloned());
        } else {
            let missed = std::mem::take(&mut self.missed);
            for e in missed.iter().chain(events) {
                self.on_event(client, e, now);
            }
            self.timers(client, now);
        }
        std::mem::take(&mut self.reqs)
    }

    fn on_event(&mut self, client: &mut Client, e: &ClientEvent, now: Instant) {
        match e {
            ClientEvent::Connected { .. } if self.phase == Phase::Connecting => self.connected(client, now),
            ClientEvent::Refused { .. } | ClientEvent::ConnectTimeout { .. } | ClientEvent::ConnectFailed
                if self.phase == Phase::Connecting =>
            {
                let code = client.pubsub_state();
                match self.sketch.style {
                    Style::Taichi => {
                        self.print("MQTT Server Connect Failed. Client State:");
                        self.println(&code.to_string());
                    }
                    Style::Example => self.println(&format!("failed, rc={code} try again in 5 seconds")),
                }
                self.phase = Phase::Waiting(now + Duration::from_millis(self.sketch.retry_ms));
            }
            ClientEvent::ConnectionLost | ClientEvent::PingTimeout { .. } if self.phase == Phase::Running => {
                // The next loop() finds connected() false and connects again.
                self.phase = Phase::Waiting(now + LOOP);
                self.next_pub = None;
            }
            ClientEvent::Message { topic, payload, .. } if self.phase == Phase::Running => {
                self.callback(client, topic, payload, now)
            }
            _ => {}
        }
    }

    fn timers(&mut self, client: &mut Client, now: Instant) {
        // A few rounds: one timer may start the next at the same instant.
        for _ in 0..4 {
            match self.phase {
                Phase::Booting(t) if t <= now => {
                    self.println("");
                    if self.sketch.style == Style::Example {
                        self.println(&format!("Connecting to {SSID}"));
                    }
                    self.phase = Phase::Wifi { dots: 0, next: now + self.dot() };
                }
                Phase::Wifi { dots, next } if next <= now => {
                    self.print(".");
                    if dots + 1 < self.dots() {
                        self.phase = Phase::Wifi { dots: dots + 1, next: now + self.dot() };
                    } else {
                        self.println("");
                        match self.sketch.style {
                            Style::Taichi => {
                                self.println("WiFi Connected!");
                                self.println("");
                            }
                            Style::Example => {
                                self.println("WiFi connected");
                                self.println("IP address: ");
                                self.println(BOARD_IP);
                            }
                        }
                        self.connect();
                    }
                }
                Phase::Waiting(t) if t <= now => self.connect(),
                Phase::Running if self.next_pub.is_some_and(|t| t <= now) => {
                    if let Some((p, every, _)) = self.sketch.periodic {
                        let payload = fill(p.payload, &self.mac, self.counter);
                        self.counter += 1;
                        self.publish(client, p.topic, &payload, p.retain, true, now);
                        self.next_pub = Some(now + Duration::from_millis(every));
                    }
                }
                _ => return,
            }
        }
    }

    fn dot(&self) -> Duration {
        if self.sketch.style == Style::Example { WIFI_DOT_EXAMPLE } else { WIFI_DOT }
    }

    fn dots(&self) -> u32 {
        if self.sketch.style == Style::Example { WIFI_DOTS_EXAMPLE } else { WIFI_DOTS }
    }

    /// `random(0xffff)`: 0 to 65534.
    fn random(&mut self) -> u32 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        x % 0xffff
    }

    /// The options of the next `connect()` (the example draws a new client id every time).
    fn options(&mut self) -> Options {
        let s = self.sketch;
        let id = match s.id {
            IdRule::Mac(prefix) => format!("{prefix}{}", self.mac),
            IdRule::RandomHex(prefix) => format!("{prefix}{:x}", self.random()),
        };
        let mut o = Options::pubsubclient(id);
        o.clean_session = s.clean;
        o.will = s.will.map(|(t, m, qos, retain)| Will {
            topic: fill(t, &self.mac, 0),
            message: Bytes::from(m.as_bytes().to_vec()),
            qos,
            retain,
        });
        // PubSubClient sends the password only with a user name.
        o.username = s.user.map(str::to_string);
        o.password = s.user.and(s.password).map(|p| Bytes::from(p.as_bytes().to_vec()));
        o
    }

    fn connect(&mut self) {
        if self.sketch.style == Style::Example {
            self.print("Attempting MQTT connection...");
        }
        let o = self.options();
        self.reqs.push(BoardReq::Connect(Box::new(o)));
        self.phase = Phase::Connecting;
    }

    fn connected(&mut self, client: &mut Client, now: Instant) {
        self.phase = Phase::Running;
        let id = client.options().client_id.clone();
        match self.sketch.style {
            Style::Taichi => {
                self.println("MQTT Server Connected.");
                self.println("Server Address: ");
                let server = self.server.clone();
                self.println(&server);
                self.println("ClientId:");
                self.println(&id);
            }
            Style::Example => self.println("connected"),
        }
        if let Some(p) = self.sketch.on_connect
            && !(self.sketch.once_per_boot && self.published_once)
        {
            self.published_once = true;
            let payload = fill(p.payload, &self.mac, 0);
            // The example's "hello world" after connecting is sent without a print.
            let say = self.sketch.style == Style::Taichi;
            self.publish(client, p.topic, &payload, p.retain, say, now);
        }
        if let Some((t, qos)) = self.sketch.subscribe {
            let topic = fill(t, &self.mac, 0);
            let ok = client.subscribe(vec![(topic.clone(), qos)], now).is_ok();
            if self.sketch.style == Style::Taichi {
                if ok {
                    self.println(&format!("Subscribe Topic: {topic}"));
                } else {
                    self.println("Subscribe Fail...");
                }
            }
        }
        if let Some((_, every, _)) = self.sketch.periodic {
            // The example's lastMsg starts at 0, so #1 goes out on the first loop(); the Ticker of
            // 太极创客's sketches counts 3 s first.
            self.next_pub = Some(match self.sketch.style {
                Style::Example => now,
                Style::Taichi => now + Duration::from_millis(every),
            });
        }
    }

    fn publish(&mut self, client: &mut Client, topic: &str, payload: &str, retain: bool, say: bool, now: Instant) {
        let topic = fill(topic, &self.mac, 0);
        let ok = client
            .publish(&topic, Bytes::from(payload.as_bytes().to_vec()), crate::proto::QoS::AtMostOnce, retain, now)
            .is_ok();
        match self.sketch.style {
            _ if !say => {}
            Style::Taichi if ok => {
                self.println(&format!("Publish Topic: {topic}"));
                self.println(&format!("Publish message: {payload}"));
            }
            Style::Taichi => self.println("Message Publish Failed."),
            // The example ignores publish()'s answer and prints the line anyway.
            Style::Example => self.println(&format!("Publish message: {payload}")),
        }
    }

    fn callback(&mut self, client: &mut Client, topic: &str, payload: &[u8], now: Instant) {
        match self.sketch.style {
            Style::Taichi => {
                self.print(&format!("Message Received [{topic}] "));
                self.print_bytes(payload);
                self.println("");
                self.println(&format!("Message Length(Bytes) {}", payload.len()));
            }
            Style::Example => {
                self.print(&format!("Message arrived [{topic}] "));
                self.print_bytes(payload);
                self.println("");
            }
        }
        if !self.sketch.led || self.sketch.subscribe.is_none_or(|(t, _)| fill(t, &self.mac, 0) != topic) {
            return;
        }
        if let Some(&b) = payload.first() {
            self.stale = b;
        }
        self.led = self.stale == b'1';
        if let Some(t) = self.sketch.led_report {
            let word = if self.led { "LED ON" } else { "LED OFF" };
            self.publish(client, t, word, false, true, now);
        }
    }

    fn print(&mut self, s: &str) {
        self.print_bytes(s.as_bytes());
    }

    fn print_bytes(&mut self, b: &[u8]) {
        self.partial.extend_from_slice(b);
        self.out.push(SerialChunk { baud: self.sketch.baud, bytes: b.to_vec() });
    }

    fn println(&mut self, s: &str) {
        self.partial.extend_from_slice(s.as_bytes());
        let mut bytes = s.as_bytes().to_vec();
        bytes.extend_from_slice(b"\r\n");
        self.out.push(SerialChunk { baud: self.sketch.baud, bytes });
        let line = String::from_utf8_lossy(&std::mem::take(&mut self.partial)).into_owned();
        self.lines.push(line);
    }
}

/// What a serial terminal set to `terminal` shows of bytes sent at another rate: the bytes
/// themselves when the rates agree, otherwise noise of the kind a wrong rate makes — fewer bytes
/// than were sent, none of them text, and no line breaks but the one that ends the chunk, so a
/// burst like the boot ROM's is a line or two of garbage. Not the exact bytes a UART would sample,
/// only their look.
pub fn as_received(chunk: &SerialChunk, terminal: u32) -> Vec<u8> {
    if chunk.baud == terminal {
        return chunk.bytes.clone();
    }
    let mut out: Vec<u8> = chunk
        .bytes
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 != 2)
        .map(|(i, &b)| (b.wrapping_mul(0x9d) ^ (i as u8).wrapping_mul(0x3b)) | 0x80)
        .collect();
    if chunk.bytes.ends_with(b"\n") {
        out.push(b'\n');
    }
    out
}

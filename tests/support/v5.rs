//! MQTT 5.0 on top of the raw client of `helpers.rs`: CONNECT, PUBLISH, SUBSCRIBE and properties
//! written as hex field by field, replies read back with a property parser of its own (nothing
//! here uses the crate's codec), and the broker under test.
//!
//! The broker is the lab's (`mqtt_lab::runtime::Server`) unless the environment variable
//! `MQTT_LAB_TEST_BROKER=mosquitto` is set: then a real `mosquitto` is started on 127.0.0.1 at a
//! free port, so the expected bytes can be checked against a second MQTT 5.0 broker.
#![allow(dead_code)]

use super::support::*;
use mqtt_lab::broker::Config;
use mqtt_lab::runtime::Server;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

// ---- the broker under test --------------------------------------------------------------------

/// Settings a test needs from the broker; each backend maps them to its own configuration.
#[derive(Debug, Clone, Default)]
pub struct Opts {
    /// The largest packet the broker accepts (announced as Maximum Packet Size).
    pub max_packet_size: Option<usize>,
    /// A Server Keep Alive for the broker to impose, where the backend can be told one.
    pub server_keep_alive: Option<u16>,
}

/// The running broker; stopped when dropped.
pub enum Under {
    Lab(Server),
    Mosquitto { proc: Proc, conf: Scratch },
}

impl Under {
    pub fn is_mosquitto(&self) -> bool {
        matches!(self, Under::Mosquitto { .. })
    }
    /// The lab's server, for tests that also look inside it.
    pub fn lab(&self) -> Option<&Server> {
        match self {
            Under::Lab(s) => Some(s),
            Under::Mosquitto { .. } => None,
        }
    }
}

/// Whether the tests run against mosquitto instead of the lab's broker.
pub fn against_mosquitto() -> bool {
    std::env::var("MQTT_LAB_TEST_BROKER").is_ok_and(|v| v == "mosquitto")
}

/// Whether a test may hold the broker to the lab's own choice where the specification allows
/// another (sending DISCONNECT before closing, a single copy for overlapping subscriptions …).
/// Against mosquitto the other allowed behaviour is accepted too.
pub fn lab_choices() -> bool {
    !against_mosquitto()
}

/// The broker under test with default settings.
pub async fn broker5() -> (Under, SocketAddr) {
    broker5_with(Opts::default()).await
}

/// The broker under test on 127.0.0.1 at a port chosen by binding port 0.
pub async fn broker5_with(opts: Opts) -> (Under, SocketAddr) {
    if !against_mosquitto() {
        let mut c = config();
        if let Some(n) = opts.max_packet_size {
            c.max_packet_size = n;
        }
        let (server, addr) = broker(Config { ..c }).await;
        return (Under::Lab(server), addr);
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        l.local_addr().expect("local addr").port()
    };
    let conf = scratch(&format!("mosquitto-{port}.conf"));
    let mut text = format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n");
    // The lab's default maximum unless the test sets one, so that both announce one.
    let max_packet_size = opts.max_packet_size.unwrap_or(Config::default().max_packet_size);
    text.push_str(&format!("max_packet_size {max_packet_size}\n"));
    if let Some(k) = opts.server_keep_alive {
        // mosquitto refuses a max_keepalive below 10.
        text.push_str(&format!("max_keepalive {}\n", k.max(10)));
    }
    std::fs::write(&conf.0, text).expect("write the mosquitto config");
    let program = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
        .into_iter()
        .find(|p| std::path::Path::new(p).is_file())
        .unwrap_or("mosquitto");
    let child = Command::new(program)
        .args(["-c", &conf.display()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run mosquitto: {e} (install Debian's mosquitto)"));
    let proc = Proc(child);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "mosquitto did not listen on {addr} within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (Under::Mosquitto { proc, conf }, addr)
}

// ---- properties -------------------------------------------------------------------------------

/// Property identifiers (§2.2.2.2, Table 2-4).
pub mod id {
    pub const PAYLOAD_FORMAT: u8 = 0x01;
    pub const MESSAGE_EXPIRY: u8 = 0x02;
    pub const CONTENT_TYPE: u8 = 0x03;
    pub const RESPONSE_TOPIC: u8 = 0x08;
    pub const CORRELATION_DATA: u8 = 0x09;
    pub const SUBSCRIPTION_ID: u8 = 0x0b;
    pub const SESSION_EXPIRY: u8 = 0x11;
    pub const ASSIGNED_CLIENT_ID: u8 = 0x12;
    pub const SERVER_KEEP_ALIVE: u8 = 0x13;
    pub const AUTH_METHOD: u8 = 0x15;
    pub const AUTH_DATA: u8 = 0x16;
    pub const REQUEST_PROBLEM: u8 = 0x17;
    pub const WILL_DELAY: u8 = 0x18;
    pub const REQUEST_RESPONSE: u8 = 0x19;
    pub const RESPONSE_INFO: u8 = 0x1a;
    pub const SERVER_REFERENCE: u8 = 0x1c;
    pub const REASON_STRING: u8 = 0x1f;
    pub const RECEIVE_MAXIMUM: u8 = 0x21;
    pub const TOPIC_ALIAS_MAXIMUM: u8 = 0x22;
    pub const TOPIC_ALIAS: u8 = 0x23;
    pub const MAXIMUM_QOS: u8 = 0x24;
    pub const RETAIN_AVAILABLE: u8 = 0x25;
    pub const USER_PROPERTY: u8 = 0x26;
    pub const MAXIMUM_PACKET_SIZE: u8 = 0x27;
    pub const WILDCARD_AVAILABLE: u8 = 0x28;
    pub const SUBSCRIPTION_ID_AVAILABLE: u8 = 0x29;
    pub const SHARED_AVAILABLE: u8 = 0x2a;
}

fn h8(v: u8) -> String {
    format!("{v:02x}")
}
fn h32(v: u32) -> String {
    to_hex(&v.to_be_bytes())
}

/// One property as hex: identifier, then value. Build a property list with [`props`].
pub fn p_byte(pid: u8, v: u8) -> String {
    format!("{} {}", h8(pid), h8(v))
}
pub fn p_u16(pid: u8, v: u16) -> String {
    format!("{} {}", h8(pid), u16h(v))
}
pub fn p_u32(pid: u8, v: u32) -> String {
    format!("{} {}", h8(pid), h32(v))
}
pub fn p_str(pid: u8, text: &str) -> String {
    format!("{} {}", h8(pid), s(text))
}
pub fn p_bin(pid: u8, data: &[u8]) -> String {
    format!("{} {} {}", h8(pid), u16h(data.len() as u16), to_hex(data)).trim_end().to_string()
}
pub fn p_var(pid: u8, v: u32) -> String {
    format!("{} {}", h8(pid), to_hex(&varint(v as usize)))
}
pub fn user_prop(k: &str, v: &str) -> String {
    format!("{} {} {}", h8(id::USER_PROPERTY), s(k), s(v))
}
pub fn session_expiry(secs: u32) -> String {
    p_u32(id::SESSION_EXPIRY, secs)
}
pub fn message_expiry(secs: u32) -> String {
    p_u32(id::MESSAGE_EXPIRY, secs)
}
pub fn topic_alias(a: u16) -> String {
    p_u16(id::TOPIC_ALIAS, a)
}
pub fn topic_alias_maximum(n: u16) -> String {
    p_u16(id::TOPIC_ALIAS_MAXIMUM, n)
}
pub fn receive_maximum(n: u16) -> String {
    p_u16(id::RECEIVE_MAXIMUM, n)
}
pub fn maximum_packet_size(n: u32) -> String {
    p_u32(id::MAXIMUM_PACKET_SIZE, n)
}
pub fn will_delay(secs: u32) -> String {
    p_u32(id::WILL_DELAY, secs)
}
pub fn subscription_id(v: u32) -> String {
    p_var(id::SUBSCRIPTION_ID, v)
}

/// A property list: its length as a variable byte integer, then the properties.
pub fn props(list: &[String]) -> String {
    let body: Vec<u8> = list.iter().flat_map(|p| hex(p)).collect();
    let mut out = to_hex(&varint(body.len()));
    if !body.is_empty() {
        out.push(' ');
        out.push_str(&to_hex(&body));
    }
    out
}

/// No properties: a property length of 0.
pub const NO_PROPS: &str = "00";

/// A property value read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Byte(u8),
    U16(u16),
    U32(u32),
    Var(u32),
    Str(String),
    Bin(Vec<u8>),
    Pair(String, String),
}

/// Properties as they came, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Props(pub Vec<(u8, Val)>);

impl Props {
    pub fn get(&self, pid: u8) -> Option<&Val> {
        self.0.iter().find(|(i, _)| *i == pid).map(|(_, v)| v)
    }
    pub fn all(&self, pid: u8) -> Vec<&Val> {
        self.0.iter().filter(|(i, _)| *i == pid).map(|(_, v)| v).collect()
    }
    pub fn has(&self, pid: u8) -> bool {
        self.get(pid).is_some()
    }
    /// A one-, two- or four-byte integer or a varint property, as u32.
    pub fn int(&self, pid: u8) -> Option<u32> {
        match self.get(pid)? {
            Val::Byte(v) => Some(*v as u32),
            Val::U16(v) => Some(*v as u32),
            Val::U32(v) | Val::Var(v) => Some(*v),
            other => panic!("property {pid:#04x} is not an integer: {other:?}"),
        }
    }
    pub fn str(&self, pid: u8) -> Option<String> {
        match self.get(pid)? {
            Val::Str(v) => Some(v.clone()),
            other => panic!("property {pid:#04x} is not a string: {other:?}"),
        }
    }
    pub fn user(&self) -> Vec<(String, String)> {
        self.all(id::USER_PROPERTY)
            .into_iter()
            .map(|v| match v {
                Val::Pair(k, v) => (k.clone(), v.clone()),
                other => panic!("user property is not a pair: {other:?}"),
            })
            .collect()
    }
    pub fn subscription_ids(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .all(id::SUBSCRIPTION_ID)
            .into_iter()
            .map(|v| match v {
                Val::Var(v) => *v,
                other => panic!("subscription identifier is not a varint: {other:?}"),
            })
            .collect();
        ids.sort();
        ids
    }
}

/// Reads a variable byte integer: (value, bytes used).
pub fn read_varint(b: &[u8]) -> (u32, usize) {
    let mut v = 0u32;
    for i in 0..4 {
        let byte = *b.get(i).unwrap_or_else(|| panic!("truncated varint in {}", to_hex(b)));
        v |= ((byte & 0x7f) as u32) << (7 * i);
        if byte & 0x80 == 0 {
            return (v, i + 1);
        }
    }
    panic!("varint longer than four bytes: {}", to_hex(b));
}

fn read_u16(b: &[u8], at: usize) -> u16 {
    (b[at] as u16) << 8 | b[at + 1] as u16
}

fn read_str(b: &[u8], at: &mut usize) -> String {
    let n = read_u16(b, *at) as usize;
    let v = String::from_utf8(b[*at + 2..*at + 2 + n].to_vec()).expect("a UTF-8 string");
    *at += 2 + n;
    v
}

/// Reads a property list at `b` (length first): (properties, bytes used).
pub fn read_props(b: &[u8]) -> (Props, usize) {
    let (len, n) = read_varint(b);
    let end = n + len as usize;
    assert!(b.len() >= end, "property length {len} beyond the packet: {}", to_hex(b));
    let mut at = n;
    let mut out = Vec::new();
    while at < end {
        let pid = b[at];
        at += 1;
        let v = match pid {
            0x01 | 0x17 | 0x19 | 0x24 | 0x25 | 0x28 | 0x29 | 0x2a => {
                at += 1;
                Val::Byte(b[at - 1])
            }
            0x13 | 0x21 | 0x22 | 0x23 => {
                at += 2;
                Val::U16(read_u16(b, at - 2))
            }
            0x02 | 0x11 | 0x18 | 0x27 => {
                at += 4;
                Val::U32(u32::from_be_bytes(b[at - 4..at].try_into().expect("4 bytes")))
            }
            0x0b => {
                let (v, k) = read_varint(&b[at..]);
                at += k;
                Val::Var(v)
            }
            0x03 | 0x08 | 0x12 | 0x15 | 0x1a | 0x1c | 0x1f => Val::Str(read_str(b, &mut at)),
            0x09 | 0x16 => {
                let n = read_u16(b, at) as usize;
                at += 2 + n;
                Val::Bin(b[at - n..at].to_vec())
            }
            0x26 => {
                let k = read_str(b, &mut at);
                let v = read_str(b, &mut at);
                Val::Pair(k, v)
            }
            other => panic!("unknown property identifier {other:#04x} in {}", to_hex(b)),
        };
        out.push((pid, v));
    }
    assert_eq!(at, end, "properties overran their length: {}", to_hex(b));
    (Props(out), end)
}

// ---- packets out ------------------------------------------------------------------------------

/// A 5.0 CONNECT assembled field by field. Clean Start 1, keep alive 60, no properties.
#[derive(Debug, Clone)]
pub struct Conn5 {
    pub id: String,
    pub clean_start: bool,
    pub keep_alive: u16,
    pub props: Vec<String>,
    /// topic, payload, QoS, retain, will properties
    pub will: Option<(String, String, u8, bool, Vec<String>)>,
}

impl Conn5 {
    pub fn new(id: &str) -> Conn5 {
        Conn5 { id: id.into(), clean_start: true, keep_alive: 60, props: Vec::new(), will: None }
    }
    pub fn clean_start(mut self, c: bool) -> Conn5 {
        self.clean_start = c;
        self
    }
    pub fn keep_alive(mut self, secs: u16) -> Conn5 {
        self.keep_alive = secs;
        self
    }
    /// Adds a CONNECT property (hex from the `p_*` builders).
    pub fn prop(mut self, p: String) -> Conn5 {
        self.props.push(p);
        self
    }
    pub fn session_expiry(self, secs: u32) -> Conn5 {
        self.prop(session_expiry(secs))
    }
    pub fn will(mut self, topic: &str, payload: &str, qos: u8, retain: bool, props: Vec<String>) -> Conn5 {
        self.will = Some((topic.into(), payload.into(), qos, retain, props));
        self
    }
    pub fn bytes(&self) -> Vec<u8> {
        let mut flags = 0u8;
        if let Some((_, _, qos, retain, _)) = &self.will {
            flags |= 0x04 | qos << 3 | if *retain { 0x20 } else { 0 };
        }
        if self.clean_start {
            flags |= 0x02;
        }
        let mut body = vec![s("MQTT"), "05".into(), h8(flags), u16h(self.keep_alive), props(&self.props), s(&self.id)];
        if let Some((topic, payload, _, _, wprops)) = &self.will {
            body.push(props(wprops));
            body.push(s(topic));
            body.push(s(payload));
        }
        let parts: Vec<&str> = body.iter().map(String::as_str).collect();
        pkt("10", &parts)
    }
}

/// A 5.0 PUBLISH: `flags` is the low nibble (DUP, QoS, RETAIN); `pid` is written only for QoS > 0;
/// `props` is a property list from [`props`] (or [`NO_PROPS`]).
pub fn publish5(flags: u8, topic: &str, pid: u16, props_hex: &str, payload: &str) -> Vec<u8> {
    let qos = (flags >> 1) & 3;
    let pid = if qos > 0 { u16h(pid) } else { String::new() };
    pkt(&h8(0x30 | flags), &[&s(topic), &pid, props_hex, &b(payload)])
}

/// Subscription Options byte (§3.8.3.1): QoS, No Local, Retain As Published, Retain Handling.
pub fn sub_opts(qos: u8, no_local: bool, rap: bool, retain_handling: u8) -> u8 {
    qos | (no_local as u8) << 2 | (rap as u8) << 3 | retain_handling << 4
}

/// A 5.0 SUBSCRIBE with one property list and (filter, options) pairs.
pub fn subscribe5(pid: u16, props_hex: &str, filters: &[(&str, u8)]) -> Vec<u8> {
    let mut body = vec![u16h(pid), props_hex.to_string()];
    for (f, o) in filters {
        body.push(s(f));
        body.push(h8(*o));
    }
    let parts: Vec<&str> = body.iter().map(String::as_str).collect();
    pkt("82", &parts)
}

/// DISCONNECT with a reason code and no properties.
pub fn disconnect5(reason: u8) -> Vec<u8> {
    pkt("e0", &[&h8(reason), NO_PROPS])
}

// ---- packets in -------------------------------------------------------------------------------

/// A CONNACK read back.
#[derive(Debug, Clone)]
pub struct ConnAck {
    pub session_present: bool,
    pub reason: u8,
    pub props: Props,
}

impl ConnAck {
    /// Receive Maximum, 65,535 when absent (§3.2.2.3.3).
    pub fn receive_maximum(&self) -> u32 {
        self.props.int(id::RECEIVE_MAXIMUM).unwrap_or(65_535)
    }
    /// Topic Alias Maximum, 0 when absent (§3.2.2.3.8).
    pub fn topic_alias_maximum(&self) -> u32 {
        self.props.int(id::TOPIC_ALIAS_MAXIMUM).unwrap_or(0)
    }
}

pub fn parse_connack(f: &[u8]) -> ConnAck {
    let (byte1, hl, len) = split_header(f).expect("a whole frame");
    assert_eq!(byte1, 0x20, "expected a CONNACK, got {}", to_hex(f));
    let body = &f[hl..];
    assert!(len >= 3, "a 5.0 CONNACK has flags, reason code and a property length: {}", to_hex(f));
    assert_eq!(body[0] & 0xfe, 0, "[MQTT-3.2.2-1] reserved CONNACK flag bits: {}", to_hex(f));
    let (props, used) = read_props(&body[2..]);
    assert_eq!(2 + used, len, "CONNACK length: {}", to_hex(f));
    ConnAck { session_present: body[0] & 1 == 1, reason: body[1], props }
}

/// A 5.0 PUBLISH read back.
#[derive(Debug, Clone)]
pub struct Msg5 {
    pub byte1: u8,
    pub topic: String,
    pub pid: Option<u16>,
    pub props: Props,
    pub payload: Vec<u8>,
}

impl Msg5 {
    pub fn qos(&self) -> u8 {
        (self.byte1 >> 1) & 3
    }
    pub fn retain(&self) -> bool {
        self.byte1 & 1 == 1
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.payload).into_owned()
    }
}

pub fn parse_publish5(f: &[u8]) -> Msg5 {
    let (byte1, hl, len) = split_header(f).expect("a whole frame");
    assert_eq!(byte1 >> 4, 3, "expected a PUBLISH, got {}", to_hex(f));
    assert_eq!(f.len(), hl + len);
    let body = &f[hl..];
    let mut at = 0;
    let topic = read_str(body, &mut at);
    let pid = if (byte1 >> 1) & 3 > 0 {
        at += 2;
        Some(read_u16(body, at - 2))
    } else {
        None
    };
    let (props, used) = read_props(&body[at..]);
    at += used;
    Msg5 { byte1, topic, pid, props, payload: body[at..].to_vec() }
}

/// An acknowledgement (PUBACK, PUBREC, PUBREL, PUBCOMP) read back; a missing reason code is 0x00
/// (§3.4.2.1).
#[derive(Debug, Clone)]
pub struct Ack {
    pub kind: u8,
    pub pid: u16,
    pub reason: u8,
    pub props: Props,
}

pub fn parse_ack(f: &[u8]) -> Ack {
    let (byte1, hl, len) = split_header(f).expect("a whole frame");
    let body = &f[hl..];
    assert!(len >= 2, "an acknowledgement has a packet id: {}", to_hex(f));
    let reason = if len > 2 { body[2] } else { 0 };
    let props = if len > 3 { read_props(&body[3..]).0 } else { Props::default() };
    Ack { kind: byte1 >> 4, pid: read_u16(body, 0), reason, props }
}

/// A DISCONNECT read back; an empty one is reason 0x00 (§3.14.2.1).
pub fn parse_disconnect(f: &[u8]) -> (u8, Props) {
    let (byte1, hl, len) = split_header(f).expect("a whole frame");
    assert_eq!(byte1, 0xe0, "expected a DISCONNECT, got {}", to_hex(f));
    let body = &f[hl..];
    let reason = if len > 0 { body[0] } else { 0 };
    let props = if len > 1 { read_props(&body[1..]).0 } else { Props::default() };
    (reason, props)
}

/// A SUBACK read back: (packet id, properties, reason codes).
pub fn parse_suback(f: &[u8]) -> (u16, Props, Vec<u8>) {
    let (byte1, hl, _) = split_header(f).expect("a whole frame");
    assert_eq!(byte1, 0x90, "expected a SUBACK, got {}", to_hex(f));
    let body = &f[hl..];
    let (props, used) = read_props(&body[2..]);
    (read_u16(body, 0), props, body[2 + used..].to_vec())
}

// ---- the client -------------------------------------------------------------------------------

/// A raw 5.0 client.
pub struct C5 {
    pub raw: Raw,
}

impl C5 {
    /// Opens a connection and sends `c`; returns the CONNACK whatever its reason code.
    pub async fn try_connect(addr: SocketAddr, c: &Conn5) -> (C5, ConnAck) {
        let mut raw = Raw::open(addr, &c.id).await;
        raw.send(&c.bytes()).await;
        let f = raw.recv().await;
        let ack = parse_connack(&f);
        (C5 { raw }, ack)
    }

    /// Connects and expects CONNACK 0x00.
    pub async fn connect(addr: SocketAddr, c: &Conn5) -> (C5, ConnAck) {
        let (me, ack) = C5::try_connect(addr, c).await;
        assert_eq!(ack.reason, 0x00, "{}: CONNACK reason code: {ack:?}", c.id);
        (me, ack)
    }

    /// Connects with a clean start and no properties.
    pub async fn plain(addr: SocketAddr, id: &str) -> C5 {
        C5::connect(addr, &Conn5::new(id)).await.0
    }

    pub fn name(&self) -> &str {
        &self.raw.name
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.raw.send(bytes).await;
    }

    pub async fn recv(&mut self) -> Vec<u8> {
        self.raw.recv().await
    }

    /// Subscribes and expects each filter granted the QoS of its options (reason code = QoS).
    pub async fn subscribe_with(&mut self, pid: u16, props_hex: &str, filters: &[(&str, u8)]) {
        self.send(&subscribe5(pid, props_hex, filters)).await;
        let f = self.recv().await;
        let (got_pid, _, codes) = parse_suback(&f);
        assert_eq!(got_pid, pid, "{}: SUBACK packet id", self.name());
        let want: Vec<u8> = filters.iter().map(|(_, o)| o & 3).collect();
        assert_eq!(codes, want, "{}: SUBACK reason codes for {filters:?}", self.name());
    }

    /// One filter at `qos`, default options, no properties.
    pub async fn subscribe(&mut self, pid: u16, filter: &str, qos: u8) {
        self.subscribe_with(pid, NO_PROPS, &[(filter, qos)]).await;
    }

    /// The next frame, which must be a PUBLISH; QoS 1 is acknowledged with PUBACK, QoS 2 with the
    /// full PUBREC / PUBREL / PUBCOMP exchange.
    pub async fn recv_publish(&mut self) -> Msg5 {
        let m = self.recv_publish_unacked().await;
        self.ack(&m).await;
        m
    }

    /// The next frame, which must be a PUBLISH; nothing is acknowledged.
    pub async fn recv_publish_unacked(&mut self) -> Msg5 {
        let f = self.recv().await;
        assert_eq!(f[0] >> 4, 3, "{}: expected a PUBLISH, got {}", self.name(), to_hex(&f));
        parse_publish5(&f)
    }

    /// Acknowledges a received PUBLISH (QoS 1: PUBACK; QoS 2: PUBREC, then PUBREL → PUBCOMP).
    pub async fn ack(&mut self, m: &Msg5) {
        match (m.qos(), m.pid) {
            (1, Some(p)) => self.send(&hex(&format!("40 02 {}", u16h(p)))).await,
            (2, Some(p)) => {
                self.send(&hex(&format!("50 02 {}", u16h(p)))).await;
                let f = self.recv().await;
                let a = parse_ack(&f);
                assert_eq!((f[0], a.pid, a.reason), (0x62, p, 0), "{}: PUBREL for {p}: {}", self.name(), to_hex(&f));
                self.send(&hex(&format!("70 02 {}", u16h(p)))).await;
            }
            _ => {}
        }
    }

    /// Publishes at QoS 0, 1 or 2 and completes the exchange; returns the reason code of PUBACK or
    /// PUBREC (0 for QoS 0).
    pub async fn publish(&mut self, flags: u8, topic: &str, pid: u16, props_hex: &str, payload: &str) -> u8 {
        self.send(&publish5(flags, topic, pid, props_hex, payload)).await;
        match (flags >> 1) & 3 {
            0 => 0,
            1 => {
                let f = self.recv().await;
                let a = parse_ack(&f);
                assert_eq!((a.kind, a.pid), (4, pid), "{}: expected PUBACK {pid}, got {}", self.name(), to_hex(&f));
                a.reason
            }
            _ => {
                let f = self.recv().await;
                let a = parse_ack(&f);
                assert_eq!((a.kind, a.pid), (5, pid), "{}: expected PUBREC {pid}, got {}", self.name(), to_hex(&f));
                if a.reason < 0x80 {
                    self.send(&hex(&format!("62 02 {}", u16h(pid)))).await;
                    let f = self.recv().await;
                    let c = parse_ack(&f);
                    assert_eq!((c.kind, c.pid), (7, pid), "{}: expected PUBCOMP, got {}", self.name(), to_hex(&f));
                }
                a.reason
            }
        }
    }

    /// The next frame must be a DISCONNECT with `reason`, then the connection must close.
    pub async fn expect_disconnect(&mut self, reason: u8) {
        let f = match self.raw.next(WAIT).await {
            Read::Frame(f) => f,
            Read::Closed => {
                panic!("{}: closed without DISCONNECT {reason:#04x}", self.name())
            }
            Read::Timeout => panic!("{}: no DISCONNECT {reason:#04x} within {WAIT:?}", self.name()),
        };
        let (got, props) = parse_disconnect(&f);
        assert_eq!(got, reason, "{}: DISCONNECT reason code ({})", self.name(), to_hex(&f));
        assert!(!props.has(id::SESSION_EXPIRY), "[MQTT-3.14.2-2] a Server DISCONNECT with a Session Expiry Interval");
        self.raw.expect_closed().await;
    }

    /// Like [`expect_disconnect`](Self::expect_disconnect) where the specification lets the server
    /// close without a DISCONNECT and the lab chose to send one: against another broker a plain
    /// close is accepted too.
    pub async fn expect_disconnect_chosen(&mut self, reason: u8) {
        if lab_choices() {
            return self.expect_disconnect(reason).await;
        }
        match self.raw.next(WAIT).await {
            Read::Closed => {}
            Read::Frame(f) => {
                assert_eq!(parse_disconnect(&f).0, reason, "{}: DISCONNECT reason code ({})", self.name(), to_hex(&f));
                self.raw.expect_closed().await;
            }
            Read::Timeout => panic!("{}: not closed within {WAIT:?}", self.name()),
        }
    }

    pub async fn expect_silence(&mut self, d: Duration) {
        self.raw.expect_silence(d).await;
    }

    pub async fn ping(&mut self) {
        self.raw.ping().await;
    }

    /// DISCONNECT 0x00, then wait for the close.
    pub async fn disconnect(mut self) {
        self.send(&disconnect5(0x00)).await;
        self.raw.expect_closed().await;
    }

    /// DISCONNECT with `reason`, then wait for the close.
    pub async fn disconnect_with(mut self, reason: u8) {
        self.send(&disconnect5(reason)).await;
        self.raw.expect_closed().await;
    }
}

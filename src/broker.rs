//! The broker core, sans-I/O: sessions, the subscription trie, the retained store, QoS 1 and 2 in
//! both directions, offline queues, wills, keep alive, user names and ACLs, and limits.
//!
//! The runtime feeds it what happened on the wire with the time ([`Broker::open`],
//! [`Broker::handle_packet`], [`Broker::handle_error`], [`Broker::closed`], [`Broker::handle_timeout`])
//! and drains [`Broker::poll_output`]: packets to send, connections to close, and narration
//! [`Event`]s. It must not depend on tokio, a terminal or the clock.

pub mod auth;
pub mod event;
pub mod topic;

use crate::i18n::{Lang, Text};
use crate::proto::{
    ConnAck, Connect, ConnectReturnCode, DecodeError, ErrorKind, Packet, PacketId, Protocol, Publish, QoS, QosPid,
    SubAck, SubAckCode, Subscribe, Unsubscribe, Will, topic_filter_error,
};
use auth::Acl;
use bytes::Bytes;
pub use event::{Delivery, Event, PublishRefusal, RetainAction, SubscribeRefusal, WillCause, clip};
use std::collections::{BTreeMap, VecDeque};

/// The broker's hash maps: foldhash, fast and seeded at random per process (client ids and topics
/// come from the network, so the seed matters).
pub type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// The broker's hash sets (see [`Map`]).
pub type Set<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
use std::sync::Arc;
use std::time::{Duration, Instant};
use topic::SubscriptionTree;

/// A connection's number, given by the runtime.
pub type ConnId = u64;

/// Limits and policies.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest frame accepted, in bytes (the runtime's framer enforces it).
    pub max_packet_size: usize,
    /// Messages kept per session while it is offline or its inflight window is full.
    pub max_queued: usize,
    /// Unacknowledged QoS 1 and 2 messages per session towards its client.
    pub max_inflight: usize,
    /// Connected clients at once.
    pub max_connections: usize,
    /// Unsent bytes one connection may pile up before QoS 0 messages to it are dropped, even while
    /// it still reads (publishers feeding it are paused long before; see the runtime).
    pub max_buffered_bytes: usize,
    /// Unsent bytes all connections together may pile up; past it, QoS 0 messages to clients that
    /// have stopped reading are dropped at once.
    pub buffer_budget: usize,
    /// Levels a subscription's topic filter may have (`a/b/#` has 3); a deeper one gets SUBACK 0x80.
    pub max_topic_levels: usize,
    /// Subscriptions one session may hold; the next gets SUBACK 0x80.
    pub max_subscriptions: usize,
    /// Bytes of messages the broker keeps at once, all sessions and the retained store together
    /// (queued and unacknowledged QoS 1/2 messages, retained messages). Past it a message is not
    /// queued, or not stored as retained, and the broker says so.
    pub max_stored_bytes: usize,
    /// Sessions at once (connected and kept persistent ones); a CONNECT that needs a new one past it
    /// gets CONNACK 3.
    pub max_sessions: usize,
    /// How long a connection may stay open without sending CONNECT.
    pub connect_timeout: Duration,
    /// Emit an event for every routed message (the headless broker's `-v`; always on in the lab).
    pub narrate_messages: bool,
    /// When set, clients must give a user name and password from this table.
    pub passwords: Option<auth::Passwords>,
    /// When set, topics are checked against these ACLs.
    pub acl: Option<Acl>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_packet_size: 16 * 1024 * 1024,
            max_queued: 1000,
            max_inflight: 64,
            max_connections: 100_000,
            max_buffered_bytes: 8 * 1024 * 1024,
            buffer_budget: 128 * 1024 * 1024,
            max_topic_levels: 128,
            max_subscriptions: 1000,
            max_stored_bytes: 256 * 1024 * 1024,
            max_sessions: 100_000,
            connect_timeout: Duration::from_secs(10),
            narrate_messages: false,
            passwords: None,
            acl: None,
        }
    }
}

/// What the runtime must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Send(ConnId, Packet),
    /// Send what is queued for this connection, then close it.
    Close(ConnId),
    Event(Event),
}

#[derive(Debug)]
struct Conn {
    client: Option<Arc<str>>,
    opened: Instant,
    last_seen: Instant,
    keep_alive: u16,
}

/// An outgoing QoS 1 or 2 message awaiting its acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inflight {
    pub publish: Publish,
    /// QoS 2: PUBREC arrived and PUBREL went out; waiting for PUBCOMP.
    pub released: bool,
}

/// A client's session, which outlives its connection when clean session is 0.
#[derive(Debug)]
pub struct Session {
    pub client_id: Arc<str>,
    pub conn: Option<ConnId>,
    pub clean: bool,
    pub protocol: Protocol,
    pub keep_alive: u16,
    pub username: Option<String>,
    pub will: Option<Will>,
    pub subscriptions: BTreeMap<String, QoS>,
    pub inflight: VecDeque<Inflight>,
    pub queue: VecDeque<Publish>,
    /// QoS 2 packet ids received and answered with PUBREC, awaiting PUBREL.
    pub awaiting_pubrel: Set<PacketId>,
    /// When the broker last heard from the client, as of its last disconnect (see
    /// [`Broker::last_seen`] for a connected one).
    pub last_seen: Instant,
    /// When the client last acknowledged a message (or its session started): a client that keeps
    /// acknowledging is still reading, and publishers are paused for it rather than its messages
    /// dropped.
    pub last_ack: Instant,
    /// The packet ids of `inflight`.
    inflight_ids: Set<PacketId>,
    next_pid: u16,
}

impl Session {
    fn new(client_id: Arc<str>, now: Instant) -> Session {
        Session {
            client_id,
            conn: None,
            clean: true,
            protocol: Protocol::V311,
            keep_alive: 0,
            username: None,
            will: None,
            subscriptions: BTreeMap::new(),
            inflight: VecDeque::new(),
            queue: VecDeque::new(),
            awaiting_pubrel: Set::default(),
            last_seen: now,
            last_ack: now,
            inflight_ids: Set::default(),
            next_pid: 0,
        }
    }

    /// A packet id no inflight message uses, or `None` when all 65,535 are taken (the message then
    /// waits in the queue; the limit on the inflight window keeps this from happening).
    fn alloc_pid(&mut self) -> Option<PacketId> {
        if self.inflight_ids.len() >= u16::MAX as usize {
            return None;
        }
        // At least one id is free, so this ends within 65,535 steps.
        loop {
            self.next_pid = self.next_pid.wrapping_add(1);
            if let Some(pid) = PacketId::new(self.next_pid)
                && !self.inflight_ids.contains(&pid)
            {
                return Some(pid);
            }
        }
    }

    /// Puts `p` (with QoS 1 or 2 and the id from [`alloc_pid`](Self::alloc_pid)) in the window.
    fn push_inflight(&mut self, p: Publish) {
        if let Some(pid) = p.qos_pid.pid() {
            self.inflight_ids.insert(pid);
        }
        self.inflight.push_back(Inflight { publish: p, released: false });
    }

    fn remove_inflight(&mut self, i: usize) {
        if let Some(m) = self.inflight.remove(i)
            && let Some(pid) = m.publish.qos_pid.pid()
        {
            self.inflight_ids.remove(&pid);
        }
    }
}

/// A retained message and when it was stored.
#[derive(Debug, Clone)]
pub struct Retained {
    pub publish: Publish,
    pub from: String,
    pub stored_at: Instant,
}

/// Counters for the broker pane and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub received: u64,
    pub routed: u64,
    pub delivered: u64,
    pub dropped: u64,
}

/// The broker.
#[derive(Debug)]
pub struct Broker {
    config: Config,
    conns: Map<ConnId, Conn>,
    sessions: Map<Arc<str>, Session>,
    subs: SubscriptionTree,
    retained: Map<Arc<str>, Retained>,
    out: VecDeque<Output>,
    connected: usize,
    next_auto_id: u64,
    next_check: Option<Instant>,
    stats: Stats,
    matches: Vec<(Arc<str>, QoS)>,
    /// Connections whose queue made publishers wait (see [`Broker::is_congested`]).
    pressured: Set<ConnId>,
    newly_pressured: Vec<ConnId>,
    relieved: bool,
    /// Bytes of the messages held in queues, inflight windows and the retained store.
    stored: usize,
}

/// What keeping one message costs against [`Config::max_stored_bytes`].
fn cost(p: &Publish) -> usize {
    p.topic.len() + p.payload.len() + 64
}

/// A client that has not acknowledged anything for this long while messages wait for it has
/// stopped reading: publishers are no longer paused for it, and its queue may overflow.
pub const ACK_STALL: Duration = Duration::from_secs(2);

/// Queue length at which the publishers feeding a connected, acknowledging client are paused.
fn queue_high(max_queued: usize) -> usize {
    (max_queued / 2).max(1)
}

/// Queue length below which they go on.
fn queue_low(max_queued: usize) -> usize {
    (max_queued / 4).max(1)
}

impl Broker {
    pub fn new(config: Config) -> Broker {
        Broker {
            config,
            conns: Map::default(),
            sessions: Map::default(),
            subs: SubscriptionTree::default(),
            retained: Map::default(),
            out: VecDeque::new(),
            connected: 0,
            next_auto_id: 0,
            next_check: None,
            stats: Stats::default(),
            matches: Vec::new(),
            pressured: Set::default(),
            newly_pressured: Vec::new(),
            relieved: false,
            stored: 0,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    // ---- inputs -------------------------------------------------------------------------------

    /// A socket was accepted.
    pub fn open(&mut self, conn: ConnId, now: Instant) {
        self.conns.insert(conn, Conn { client: None, opened: now, last_seen: now, keep_alive: 0 });
        self.lower_check(now + self.config.connect_timeout);
    }

    /// A whole, well-formed packet arrived on `conn`.
    pub fn handle_packet(&mut self, conn: ConnId, packet: Packet, now: Instant) {
        let Some(c) = self.conns.get_mut(&conn) else { return };
        c.last_seen = now;
        let client = c.client.clone();
        let Some(client) = client else {
            match packet {
                Packet::Connect(connect) => self.on_connect(conn, *connect, now),
                other => self.protocol_violation(
                    conn,
                    format!("the first packet must be CONNECT, not {}", other.packet_type().name()),
                    format!("第一个报文必须是 CONNECT，而不是 {}", other.packet_type().name()),
                    "MQTT-3.1.0-1",
                ),
            }
            return;
        };
        match packet {
            Packet::Connect(_) => self.protocol_violation(
                conn,
                "a second CONNECT on one connection".into(),
                "同一连接上第二次发送 CONNECT".into(),
                "MQTT-3.1.0-2",
            ),
            Packet::Publish(p) => self.on_publish(conn, &client, p, now),
            Packet::PubAck(pid) => self.on_ack(conn, &client, pid, false, now),
            Packet::PubRec(pid) => self.on_pubrec(conn, &client, pid, now),
            Packet::PubRel(pid) => {
                if let Some(s) = self.sessions.get_mut(&client) {
                    s.awaiting_pubrel.remove(&pid);
                }
                self.send(conn, Packet::PubComp(pid));
            }
            Packet::PubComp(pid) => self.on_ack(conn, &client, pid, true, now),
            Packet::Subscribe(s) => self.on_subscribe(conn, &client, s, now),
            Packet::Unsubscribe(u) => self.on_unsubscribe(conn, &client, u),
            Packet::PingReq => self.send(conn, Packet::PingResp),
            Packet::Disconnect => {
                self.emit(Event::Disconnected { conn, client_id: client.to_string() });
                self.out.push_back(Output::Close(conn));
                self.end_connection(conn, None, now);
            }
            other @ (Packet::ConnAck(_) | Packet::SubAck(_) | Packet::UnsubAck(_) | Packet::PingResp) => {
                let name = other.packet_type().name();
                self.protocol_violation(
                    conn,
                    format!("{name} is sent only by a server"),
                    format!("{name} 只能由服务端发送"),
                    "MQTT-4.8.0-1",
                )
            }
        }
    }

    /// A frame on `conn` could not be decoded: the spec's answer is to close the connection (after
    /// CONNACK 1 for an unsupported protocol level in a first CONNECT).
    pub fn handle_error(&mut self, conn: ConnId, err: &DecodeError, now: Instant) {
        let Some(c) = self.conns.get(&conn) else { return };
        if c.client.is_none()
            && let ErrorKind::UnsupportedProtocolLevel(_) = err.kind
        {
            self.send(
                conn,
                Packet::ConnAck(ConnAck { session_present: false, code: ConnectReturnCode::BadProtocolVersion }),
            );
            self.emit(Event::ConnectRefused {
                conn,
                client_id: String::new(),
                code: ConnectReturnCode::BadProtocolVersion,
                reason: Text::new(err.kind.text(Lang::Zh), err.kind.text(Lang::En)),
            });
            self.out.push_back(Output::Close(conn));
            self.conns.remove(&conn);
            return;
        }
        let client_id = c.client.as_ref().map(|c| c.to_string());
        self.emit(Event::ProtocolError {
            conn,
            client_id,
            message: Text::new(err.message(Lang::Zh), err.message(Lang::En)),
            rule: err.rule().map(str::to_string),
        });
        self.out.push_back(Output::Close(conn));
        self.end_connection(conn, Some(WillCause::ProtocolError), now);
    }

    /// The socket closed (or failed) without the broker asking for it.
    pub fn closed(&mut self, conn: ConnId, now: Instant) {
        let Some(c) = self.conns.get(&conn) else { return };
        self.emit(Event::ConnectionLost { conn, client_id: c.client.as_ref().map(|c| c.to_string()) });
        self.end_connection(conn, Some(WillCause::ConnectionLost), now);
    }

    /// Closes connections whose keep alive (× 1.5) or connect timeout has run out.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.next_check.is_none_or(|t| now < t) {
            return;
        }
        let mut expired = Vec::new();
        let mut next: Option<Instant> = None;
        for (&id, c) in &self.conns {
            let deadline = match (&c.client, c.keep_alive) {
                (None, _) => c.opened + self.config.connect_timeout,
                (Some(_), 0) => continue,
                (Some(_), ka) => c.last_seen + Duration::from_millis(ka as u64 * 1500),
            };
            if now >= deadline {
                expired.push(id);
            } else {
                next = Some(next.map_or(deadline, |n| n.min(deadline)));
            }
        }
        self.next_check = next;
        expired.sort_unstable();
        for id in expired {
            let c = &self.conns[&id];
            match &c.client {
                None => self.emit(Event::ConnectTimeout { conn: id }),
                Some(client) => {
                    let e = Event::KeepAliveExpired {
                        conn: id,
                        client_id: client.to_string(),
                        keep_alive: c.keep_alive,
                        idle_ms: now.duration_since(c.last_seen).as_millis() as u64,
                    };
                    self.emit(e);
                }
            }
            self.out.push_back(Output::Close(id));
            self.end_connection(id, Some(WillCause::KeepAliveExpired), now);
        }
    }

    /// The earliest time [`handle_timeout`](Self::handle_timeout) may have work to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next_check
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    // ---- views for the lab ----------------------------------------------------------------------

    pub fn sessions(&self) -> impl Iterator<Item = &Session> {
        self.sessions.values()
    }
    pub fn session(&self, client_id: &str) -> Option<&Session> {
        self.sessions.get(client_id)
    }
    /// When the broker last heard from the session's client (its connection's last packet while it
    /// is connected).
    pub fn last_seen(&self, s: &Session) -> Instant {
        s.conn.and_then(|c| self.conns.get(&c)).map_or(s.last_seen, |c| c.last_seen)
    }
    pub fn retained(&self) -> impl Iterator<Item = &Retained> {
        self.retained.values()
    }
    pub fn subscriptions(&self) -> Vec<(String, Arc<str>, QoS)> {
        self.subs.entries()
    }
    pub fn connected_clients(&self) -> usize {
        self.connected
    }
    pub fn stats(&self) -> Stats {
        self.stats
    }
    /// Bytes of messages held now (see [`Config::max_stored_bytes`]).
    pub fn stored_bytes(&self) -> usize {
        self.stored
    }
    /// The same, counted afresh from every queue, window and the retained store (for tests: it must
    /// always equal [`stored_bytes`](Self::stored_bytes)).
    pub fn count_stored_bytes(&self) -> usize {
        let sessions: usize = self
            .sessions
            .values()
            .map(|s| s.inflight.iter().map(|m| cost(&m.publish)).chain(s.queue.iter().map(cost)).sum::<usize>())
            .sum();
        sessions + self.retained.values().map(|r| cost(&r.publish)).sum::<usize>()
    }
    /// The client id connected on `conn`, if it has sent CONNECT.
    pub fn client_of(&self, conn: ConnId) -> Option<&Arc<str>> {
        self.conns.get(&conn).and_then(|c| c.client.as_ref())
    }

    // ---- CONNECT --------------------------------------------------------------------------------

    fn refuse(&mut self, conn: ConnId, client_id: &str, code: ConnectReturnCode, reason: Text) {
        self.send(conn, Packet::ConnAck(ConnAck { session_present: false, code }));
        self.emit(Event::ConnectRefused { conn, client_id: client_id.to_string(), code, reason });
        self.out.push_back(Output::Close(conn));
        self.conns.remove(&conn);
    }

    fn on_connect(&mut self, conn: ConnId, c: Connect, now: Instant) {
        use ConnectReturnCode as Rc;
        let mut assigned_id = false;
        let client_id: Arc<str> = if c.client_id.is_empty() {
            if !c.clean_session || c.protocol == Protocol::V31 {
                let reason = if c.protocol == Protocol::V31 {
                    Text::new(
                        "MQTT 3.1 的客户端ID要有 1 到 23 个字符",
                        "MQTT 3.1 needs a client id of 1 to 23 characters",
                    )
                } else {
                    Text::new(
                        "客户端ID为空时清除会话必须为 1 [MQTT-3.1.3-8]",
                        "an empty client id needs clean session = 1 [MQTT-3.1.3-8]",
                    )
                };
                return self.refuse(conn, "", Rc::IdentifierRejected, reason);
            }
            assigned_id = true;
            // A name no session has, not even one a client chose itself.
            loop {
                self.next_auto_id += 1;
                let id = format!("auto-{:08x}", self.next_auto_id);
                if !self.sessions.contains_key(id.as_str()) {
                    break Arc::from(id);
                }
            }
        } else {
            Arc::from(c.client_id.as_str())
        };
        if c.protocol == Protocol::V31 && client_id.len() > 23 {
            return self.refuse(
                conn,
                &client_id,
                Rc::IdentifierRejected,
                Text::new(
                    format!("MQTT 3.1 的客户端ID最多 23 个字符，这个有 {} 个字节", client_id.len()),
                    format!(
                        "MQTT 3.1 allows a client id of at most 23 characters; this one is {} bytes long",
                        client_id.len()
                    ),
                ),
            );
        }
        if let Some(passwords) = &self.config.passwords {
            match &c.username {
                None => {
                    return self.refuse(
                        conn,
                        &client_id,
                        Rc::NotAuthorized,
                        Text::new("这个服务端要求用户名和密码", "this broker requires a user name and password"),
                    );
                }
                Some(u) => {
                    let ok = c.password.as_ref().is_some_and(|got| passwords.check(u, got));
                    if !ok {
                        return self.refuse(
                            conn,
                            &client_id,
                            Rc::BadUsernameOrPassword,
                            Text::new(
                                format!("用户名 {u:?} 或它的密码不对"),
                                format!("user name {u:?} or its password is wrong"),
                            ),
                        );
                    }
                }
            }
        }
        // Takeover of a client id connected elsewhere [MQTT-3.1.4-2].
        let old_conn = self.sessions.get(&client_id).and_then(|s| s.conn);
        let taking_over = old_conn.is_some();
        if !taking_over && self.connected >= self.config.max_connections {
            self.emit(Event::TooManyConnections { conn, limit: self.config.max_connections });
            return self.refuse(
                conn,
                &client_id,
                Rc::ServerUnavailable,
                Text::new("连接数已达上限", "connection limit reached"),
            );
        }
        if let Some(old) = old_conn {
            self.emit(Event::TakenOver { client_id: client_id.to_string(), old_conn: old, new_conn: conn });
            self.out.push_back(Output::Close(old));
            // The old network connection closes without DISCONNECT: its will is published
            // [MQTT-3.1.2-8].
            self.end_connection(old, Some(WillCause::TakenOver), now);
        }
        if !self.sessions.contains_key(&client_id) && self.sessions.len() >= self.config.max_sessions {
            self.emit(Event::TooManySessions { conn, limit: self.config.max_sessions });
            return self.refuse(
                conn,
                &client_id,
                Rc::ServerUnavailable,
                Text::new("会话数已达上限", "session limit reached"),
            );
        }
        // Session.
        let mut session_present = false;
        if c.clean_session {
            if self.sessions.contains_key(&client_id) {
                self.discard_session(&client_id);
            }
        } else if self.sessions.contains_key(&client_id) {
            session_present = true;
        }
        let session = self.sessions.entry(client_id.clone()).or_insert_with(|| Session::new(client_id.clone(), now));
        session.conn = Some(conn);
        session.clean = c.clean_session;
        session.protocol = c.protocol;
        session.keep_alive = c.keep_alive;
        session.username = c.username.clone();
        session.will = c.will.clone();
        session.last_seen = now;
        self.connected += 1;
        if let Some(cn) = self.conns.get_mut(&conn) {
            cn.client = Some(client_id.clone());
            cn.keep_alive = c.keep_alive;
        }
        if c.keep_alive > 0 {
            self.lower_check(now + Duration::from_millis(c.keep_alive as u64 * 1500));
        }
        // MQTT 3.1 has no session present flag: the byte is reserved and sent as 0.
        let flag = session_present && c.protocol != Protocol::V31;
        self.send(conn, Packet::ConnAck(ConnAck { session_present: flag, code: Rc::Accepted }));
        self.emit(Event::Connected {
            conn,
            client_id: client_id.to_string(),
            protocol: c.protocol,
            clean_session: c.clean_session,
            keep_alive: c.keep_alive,
            session_present: flag,
            assigned_id,
        });
        if session_present {
            // Resend unacknowledged messages with their ids [MQTT-4.4.0-1], then the queue.
            let s = &self.sessions[&client_id];
            let resend: Vec<Inflight> = s.inflight.iter().cloned().collect();
            let (subscriptions, queued) = (s.subscriptions.len(), s.queue.len());
            for m in &resend {
                let pid = m.publish.qos_pid.pid().expect("inflight messages have ids");
                if m.released {
                    self.send(conn, Packet::PubRel(pid));
                } else {
                    let mut p = m.publish.clone();
                    p.dup = true;
                    self.send(conn, Packet::Publish(p));
                }
                if self.config.narrate_messages {
                    self.emit(Event::Resent { client_id: client_id.to_string(), pid, pubrel: m.released });
                }
            }
            self.pump(&client_id);
            self.emit(Event::SessionResumed {
                client_id: client_id.to_string(),
                subscriptions,
                resent: resend.len(),
                queued,
            });
        }
    }

    /// Detaches `conn` from its session; publishes the will when `cause` says the ending was abnormal.
    fn end_connection(&mut self, conn: ConnId, cause: Option<WillCause>, now: Instant) {
        let Some(c) = self.conns.remove(&conn) else { return };
        if self.pressured.remove(&conn) {
            self.relieved = true;
        }
        let Some(client) = c.client else { return };
        let Some(s) = self.sessions.get_mut(&client) else { return };
        if s.conn != Some(conn) {
            return;
        }
        s.conn = None;
        s.last_seen = c.last_seen;
        self.connected -= 1;
        let will = s.will.take();
        let user = s.username.clone();
        let (clean, subscriptions, queued) = (s.clean, s.subscriptions.len(), s.queue.len());
        if clean {
            self.discard_session(&client);
        } else {
            self.emit(Event::SessionKept { client_id: client.to_string(), subscriptions, queued });
        }
        match (will, cause) {
            (Some(w), Some(cause)) => {
                self.emit(Event::WillPublished {
                    client_id: client.to_string(),
                    topic: w.topic.clone(),
                    qos: w.qos,
                    retain: w.retain,
                    cause,
                });
                let p = Publish {
                    dup: false,
                    qos_pid: QosPid::from_qos(w.qos, PacketId::new(1).expect("1 is not 0")),
                    retain: w.retain,
                    topic: Arc::from(w.topic),
                    payload: w.message,
                };
                self.route(&client, user.as_deref(), p, now);
            }
            (Some(_), None) => self.emit(Event::WillDiscarded { client_id: client.to_string() }),
            _ => {}
        }
    }

    fn discard_session(&mut self, client: &Arc<str>) {
        if let Some(s) = self.sessions.remove(client) {
            let held: usize = s.inflight.iter().map(|m| cost(&m.publish)).chain(s.queue.iter().map(cost)).sum();
            self.stored -= held;
            for filter in s.subscriptions.keys() {
                self.subs.remove(filter, client);
            }
            self.emit(Event::SessionDiscarded { client_id: client.to_string() });
        }
    }

    fn protocol_violation(&mut self, conn: ConnId, en: String, zh: String, rule: &str) {
        let client_id = self.conns.get(&conn).and_then(|c| c.client.as_ref()).map(|c| c.to_string());
        let message = Text::new(zh, en);
        self.emit(Event::ProtocolError { conn, client_id, message, rule: Some(rule.into()) });
        self.out.push_back(Output::Close(conn));
        let now = self.conns.get(&conn).map(|c| c.last_seen);
        if let Some(now) = now {
            self.end_connection(conn, Some(WillCause::ProtocolError), now);
        }
    }

    // ---- PUBLISH in -------------------------------------------------------------------------------

    fn on_publish(&mut self, conn: ConnId, client: &Arc<str>, p: Publish, now: Instant) {
        self.stats.received += 1;
        let user = self.sessions.get(client).and_then(|s| s.username.clone());
        match p.qos_pid {
            QosPid::AtMostOnce => self.route(client, user.as_deref(), p, now),
            QosPid::AtLeastOnce(pid) => {
                self.route(client, user.as_deref(), p, now);
                self.send(conn, Packet::PubAck(pid));
            }
            QosPid::ExactlyOnce(pid) => {
                let first = self.sessions.get_mut(client).is_some_and(|s| s.awaiting_pubrel.insert(pid));
                if first {
                    self.route(client, user.as_deref(), p, now);
                } else if self.config.narrate_messages {
                    self.emit(Event::DuplicateQos2 { client_id: client.to_string(), pid });
                }
                self.send(conn, Packet::PubRec(pid));
            }
        }
    }

    /// Stores or clears the retained message and delivers to every matching subscription.
    fn route(&mut self, from: &Arc<str>, user: Option<&str>, p: Publish, now: Instant) {
        // `$SYS/` belongs to the broker: like mosquitto, it takes no client's message there.
        let refusal = if p.topic.starts_with("$SYS/") || &*p.topic == "$SYS" {
            Some(PublishRefusal::SysTopic)
        } else if let Some(acl) = &self.config.acl
            && !acl.can_publish(user, from, &p.topic)
        {
            Some(PublishRefusal::NotAuthorized)
        } else {
            None
        };
        if let Some(reason) = refusal {
            self.emit(Event::PublishRefused { client_id: from.to_string(), topic: clip(&p.topic), reason });
            return;
        }
        self.stats.routed += 1;
        let mut retain = RetainAction::None;
        if p.retain {
            let old = self.retained.get(&p.topic).map_or(0, |r| cost(&r.publish));
            if p.payload.is_empty() {
                if self.retained.remove(&p.topic).is_some() {
                    self.stored -= old;
                }
                retain = RetainAction::Cleared;
            } else if self.stored - old + cost(&p) > self.config.max_stored_bytes {
                retain = RetainAction::Refused;
            } else {
                let stored = Publish { dup: false, retain: true, ..p.clone() };
                self.stored = self.stored - old + cost(&stored);
                self.retained
                    .insert(p.topic.clone(), Retained { publish: stored, from: from.to_string(), stored_at: now });
                retain = RetainAction::Stored;
            }
        }
        // One delivery per client, at the highest QoS of its matching subscriptions [MQTT-3.3.5-1].
        let mut matches = std::mem::take(&mut self.matches);
        matches.clear();
        self.subs.for_each_match(&p.topic, |c, q| matches.push((c.clone(), q)));
        if matches.len() > 1 {
            matches.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            matches.dedup_by(|a, b| a.0 == b.0);
        }
        let narrate = self.config.narrate_messages;
        let mut deliveries = Vec::new();
        for (client, sub_qos) in &matches {
            if let Some(acl) = &self.config.acl {
                let user = self.sessions.get(client).and_then(|s| s.username.as_deref());
                if !acl.can_receive(user, client, &p.topic) {
                    continue;
                }
            }
            let qos = p.qos().min(*sub_qos);
            let d = self.deliver(client, &p.topic, &p.payload, qos, false, now);
            if narrate {
                deliveries.push(Delivery { client_id: client.to_string(), downgraded: qos < p.qos(), ..d });
            }
        }
        self.matches = matches;
        if narrate {
            self.emit(Event::Routed {
                from: from.to_string(),
                topic: clip(&p.topic),
                qos: p.qos(),
                retain,
                deliveries,
                bytes: p.payload.len(),
            });
        } else if retain != RetainAction::None {
            // Retained store changes are always narrated: they outlive the message.
            self.emit(Event::Routed {
                from: from.to_string(),
                topic: clip(&p.topic),
                qos: p.qos(),
                retain,
                deliveries: Vec::new(),
                bytes: p.payload.len(),
            });
        }
    }

    /// Sends or queues one message for a session.
    fn deliver(
        &mut self,
        client: &Arc<str>,
        topic: &Arc<str>,
        payload: &Bytes,
        qos: QoS,
        retain: bool,
        now: Instant,
    ) -> Delivery {
        let max_inflight = self.config.max_inflight.clamp(1, u16::MAX as usize);
        let max_queued = self.config.max_queued;
        let over_budget = self.stored + topic.len() + payload.len() + 64 > self.config.max_stored_bytes;
        let mut d = Delivery {
            client_id: String::new(),
            qos,
            downgraded: false,
            queued: false,
            dropped: false,
            offline: false,
            budget: false,
        };
        let Some(s) = self.sessions.get_mut(client) else {
            d.dropped = true;
            d.offline = true;
            return d;
        };
        d.offline = s.conn.is_none();
        let template = || Publish {
            dup: false,
            qos_pid: QosPid::AtMostOnce,
            retain,
            topic: topic.clone(),
            payload: payload.clone(),
        };
        if qos == QoS::AtMostOnce {
            match s.conn {
                Some(conn) => {
                    self.stats.delivered += 1;
                    self.out.push_back(Output::Send(conn, Packet::Publish(template())));
                }
                None => {
                    self.stats.dropped += 1;
                    d.dropped = true;
                }
            }
            return d;
        }
        if over_budget || s.queue.len() >= max_queued {
            self.stats.dropped += 1;
            d.dropped = true;
            d.budget = over_budget;
            let e = Event::QueueFull {
                client_id: client.to_string(),
                topic: clip(topic),
                limit: if over_budget { self.config.max_stored_bytes } else { max_queued },
                offline: s.conn.is_none(),
                budget: over_budget,
            };
            self.emit(e);
            return d;
        }
        self.stored += topic.len() + payload.len() + 64;
        if let Some(conn) = s.conn
            && s.queue.is_empty()
            && s.inflight.len() < max_inflight
            && let Some(pid) = s.alloc_pid()
        {
            let p = Publish { qos_pid: QosPid::from_qos(qos, pid), ..template() };
            s.push_inflight(p.clone());
            self.stats.delivered += 1;
            self.out.push_back(Output::Send(conn, Packet::Publish(p)));
            return d;
        }
        s.queue.push_back(Publish { qos_pid: QosPid::from_qos(qos, PacketId::new(1).expect("1")), ..template() });
        d.queued = true;
        // A connected client whose window is full but who keeps acknowledging is slow, not gone:
        // the runtime pauses the publishers feeding it before its queue overflows.
        if let Some(conn) = s.conn
            && s.queue.len() >= queue_high(max_queued)
            && now.saturating_duration_since(s.last_ack) < ACK_STALL
        {
            self.pressured.insert(conn);
            if self.newly_pressured.last() != Some(&conn) {
                self.newly_pressured.push(conn);
            }
        }
        self.pump(client);
        d
    }

    /// Moves queued messages into the inflight window while the client is connected.
    fn pump(&mut self, client: &Arc<str>) {
        let max_inflight = self.config.max_inflight.clamp(1, u16::MAX as usize);
        let max_queued = self.config.max_queued;
        let Some(s) = self.sessions.get_mut(client) else { return };
        let Some(conn) = s.conn else { return };
        while s.inflight.len() < max_inflight && !s.queue.is_empty() {
            let Some(pid) = s.alloc_pid() else { break };
            let Some(mut p) = s.queue.pop_front() else { break };
            p.qos_pid = QosPid::from_qos(p.qos(), pid);
            s.push_inflight(p.clone());
            self.stats.delivered += 1;
            self.out.push_back(Output::Send(conn, Packet::Publish(p)));
        }
        if s.queue.len() < queue_low(max_queued) && self.pressured.remove(&conn) {
            self.relieved = true;
        }
    }

    /// PUBACK (`pubcomp` false) or PUBCOMP (true) for an outgoing message.
    fn on_ack(&mut self, conn: ConnId, client: &Arc<str>, pid: PacketId, pubcomp: bool, now: Instant) {
        let Some(s) = self.sessions.get_mut(client) else { return };
        let Some(i) = s.inflight.iter().position(|m| m.publish.qos_pid.pid() == Some(pid)) else {
            // Not in flight (a late answer to a message already acknowledged): nothing to do.
            return;
        };
        let m = &s.inflight[i];
        let (qos, released) = (m.publish.qos(), m.released);
        let right = if pubcomp { qos == QoS::ExactlyOnce && released } else { qos == QoS::AtLeastOnce };
        if !right {
            let got = if pubcomp { "PUBCOMP" } else { "PUBACK" };
            return self.wrong_ack(conn, got, pid, qos, released, now);
        }
        if let Some(m) = s.inflight.get(i) {
            self.stored -= cost(&m.publish);
        }
        s.remove_inflight(i);
        s.last_ack = now;
        // Only when something waits to move into the window, or a paused publisher waits for it.
        if !s.queue.is_empty() || (!self.pressured.is_empty() && self.pressured.contains(&conn)) {
            self.pump(client);
        }
    }

    fn on_pubrec(&mut self, conn: ConnId, client: &Arc<str>, pid: PacketId, now: Instant) {
        let Some(s) = self.sessions.get_mut(client) else { return };
        let Some(m) = s.inflight.iter_mut().find(|m| m.publish.qos_pid.pid() == Some(pid)) else {
            return;
        };
        if m.publish.qos() != QoS::ExactlyOnce {
            let qos = m.publish.qos();
            return self.wrong_ack(conn, "PUBREC", pid, qos, false, now);
        }
        // A repeated PUBREC (ours PUBREL got lost) is answered with PUBREL again [MQTT-4.3.3-1].
        m.released = true;
        s.last_ack = now;
        self.send(conn, Packet::PubRel(pid));
    }

    /// An acknowledgement that does not fit the message with that id: a protocol violation.
    fn wrong_ack(&mut self, conn: ConnId, got: &str, pid: PacketId, qos: QoS, released: bool, _now: Instant) {
        let (want_en, want_zh) = match (qos, released) {
            (QoS::AtLeastOnce, _) => ("PUBACK", "PUBACK"),
            (_, false) => ("PUBREC", "PUBREC"),
            (_, true) => ("PUBCOMP", "PUBCOMP"),
        };
        let q = qos.as_u8();
        self.protocol_violation(
            conn,
            format!("{got} for id={pid}, but that message is QoS {q} and waits for {want_en}"),
            format!("收到 id={pid} 的 {got}，但这条消息是 QoS {q}，等待的是 {want_zh}"),
            "MQTT-4.8.0-1",
        );
    }

    /// Whether the client on `conn` is connected, keeps acknowledging, and still has so many
    /// messages queued that the publishers feeding it should wait.
    pub fn is_congested(&self, conn: ConnId, now: Instant) -> bool {
        let Some(client) = self.client_of(conn) else { return false };
        let Some(s) = self.sessions.get(client) else { return false };
        s.conn == Some(conn)
            && s.queue.len() >= queue_low(self.config.max_queued)
            && now.saturating_duration_since(s.last_ack) < ACK_STALL
    }

    /// Connections whose queue was found long since the last call: the runtime pauses the publisher
    /// of the packet just handled until [`is_congested`](Self::is_congested) turns false.
    pub fn take_pressured(&mut self) -> Vec<ConnId> {
        std::mem::take(&mut self.newly_pressured)
    }

    /// Whether some congested queue has drained since the last call (paused publishers may go on).
    pub fn take_relief(&mut self) -> bool {
        std::mem::take(&mut self.relieved)
    }

    // ---- SUBSCRIBE / UNSUBSCRIBE ----------------------------------------------------------------

    fn on_subscribe(&mut self, conn: ConnId, client: &Arc<str>, sub: Subscribe, now: Instant) {
        let user = self.sessions.get(client).and_then(|s| s.username.clone());
        let mut codes = Vec::with_capacity(sub.filters.len());
        let mut granted_filters = Vec::new();
        for (filter, requested) in sub.filters {
            let held = self.sessions.get(client).map_or(0, |s| s.subscriptions.len());
            let renews = self.sessions.get(client).is_some_and(|s| s.subscriptions.contains_key(&filter));
            let levels = topic::level_count(&filter);
            let refusal = if let Some(rule) = topic_filter_error(&filter) {
                Some(SubscribeRefusal::InvalidFilter { rule })
            } else if levels > self.config.max_topic_levels {
                Some(SubscribeRefusal::TooManyLevels { levels, limit: self.config.max_topic_levels })
            } else if !renews && held >= self.config.max_subscriptions {
                Some(SubscribeRefusal::TooManySubscriptions { limit: self.config.max_subscriptions })
            } else if let Some(acl) = &self.config.acl
                && !acl.can_subscribe(user.as_deref(), client, &filter)
            {
                Some(SubscribeRefusal::NotAuthorized)
            } else {
                None
            };
            if let Some(reason) = refusal {
                codes.push(SubAckCode::Failure);
                self.emit(Event::SubscribeRefused { client_id: client.to_string(), filter: clip(&filter), reason });
                continue;
            }
            let granted = requested;
            self.subs.insert(&filter, client, granted);
            if let Some(s) = self.sessions.get_mut(client) {
                s.subscriptions.insert(filter.clone(), granted);
            }
            codes.push(SubAckCode::Granted(granted));
            granted_filters.push((filter, requested, granted));
        }
        self.send(conn, Packet::SubAck(SubAck { pid: sub.pid, codes }));
        // Retained messages go to each new (or renewed) subscription with RETAIN=1 [MQTT-3.3.1-6].
        for (filter, requested, granted) in granted_filters {
            let mut replay: Vec<Publish> = self
                .retained
                .values()
                .filter(|r| topic::matches(&filter, &r.publish.topic))
                .map(|r| r.publish.clone())
                .collect();
            if let Some(acl) = &self.config.acl {
                replay.retain(|p| acl.can_receive(user.as_deref(), client, &p.topic));
            }
            replay.sort_by(|a, b| a.topic.cmp(&b.topic));
            let n = replay.len();
            for p in replay {
                let qos = p.qos().min(granted);
                self.deliver(client, &p.topic, &p.payload, qos, true, now);
            }
            self.emit(Event::Subscribed { client_id: client.to_string(), filter, requested, granted, retained: n });
        }
    }

    fn on_unsubscribe(&mut self, conn: ConnId, client: &Arc<str>, u: Unsubscribe) {
        // An invalid filter makes the whole packet a protocol violation [MQTT-4.8.0-1]: empty
        // [MQTT-4.7.3-1], `#` not alone at the end [MQTT-4.7.1-2], `+` not a whole level [MQTT-4.7.1-3].
        if let Some((filter, rule)) = u.filters.iter().find_map(|f| topic_filter_error(f).map(|r| (f, r))) {
            let f = clip(filter);
            return self.protocol_violation(
                conn,
                format!("UNSUBSCRIBE with the invalid topic filter {f:?} [{rule}]"),
                format!("UNSUBSCRIBE 里的主题过滤器 {f:?} 不合法 [{rule}]"),
                "MQTT-4.8.0-1",
            );
        }
        for filter in u.filters {
            let existed = self.subs.remove(&filter, client);
            if let Some(s) = self.sessions.get_mut(client) {
                s.subscriptions.remove(&filter);
            }
            self.emit(Event::Unsubscribed { client_id: client.to_string(), filter: clip(&filter), existed });
        }
        self.send(conn, Packet::UnsubAck(u.pid));
    }

    // ---- helpers --------------------------------------------------------------------------------

    fn send(&mut self, conn: ConnId, p: Packet) {
        self.out.push_back(Output::Send(conn, p));
    }

    fn emit(&mut self, e: Event) {
        self.out.push_back(Output::Event(e));
    }

    fn lower_check(&mut self, at: Instant) {
        self.next_check = Some(self.next_check.map_or(at, |n| n.min(at)));
    }
}

#[cfg(test)]
mod tests;

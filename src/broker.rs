//! The broker core, sans-I/O: sessions, the subscription trie, the retained store, QoS 1 and 2 in
//! both directions, offline queues, wills, keep alive, user names and ACLs, and limits — for MQTT
//! 3.1, 3.1.1 and 5.0 in one core. The version is a property of the session: a 5.0 session adds
//! session and message expiry, topic aliases both ways, Receive Maximum and Maximum Packet Size,
//! subscription options and identifiers, shared subscriptions, will delay and reason codes (see
//! [`v5`](self::v5)); 3.1.1 and 5.0 clients share topics, retained messages and wills.
//!
//! The runtime feeds it what happened on the wire with the time ([`Broker::open`],
//! [`Broker::handle_packet`], [`Broker::handle_error`], [`Broker::closed`], [`Broker::handle_timeout`])
//! and drains [`Broker::poll_output`]: packets to send, connections to close, and narration
//! [`Event`]s. It must not depend on tokio, a terminal or the clock.

pub mod auth;
pub mod event;
pub mod topic;
mod v5;

use crate::i18n::{Lang, Text};
use crate::proto::property::Properties;
use crate::proto::{
    AnyPacket, ConnAck, Connect, ConnectReturnCode, DecodeError, ErrorKind, Packet, PacketId, Protocol, Publish, QoS,
    QosPid, ReasonCode, ReasonPacket, SubAck, SubAckCode, Unsubscribe, Will, topic_filter_error,
};
use auth::Acl;
use bytes::Bytes;
pub use event::{Delivery, Event, PublishRefusal, RetainAction, SubscribeRefusal, WillCause, clip};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::num::NonZeroU32;

/// The broker's hash maps: foldhash, fast and seeded at random per process (client ids and topics
/// come from the network, so the seed matters).
pub type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// The broker's hash sets (see [`Map`]).
pub type Set<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
use std::sync::Arc;
use std::time::{Duration, Instant};
pub use topic::SubOpts;
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
    /// MQTT 5.0: QoS 1 and 2 PUBLISHes a client may have unacknowledged towards the broker (the
    /// Receive Maximum in CONNACK); one more gets DISCONNECT 0x93.
    pub receive_maximum: u16,
    /// MQTT 5.0: topic aliases a client may set towards the broker (Topic Alias Maximum in CONNACK).
    pub topic_alias_maximum: u16,
    /// MQTT 5.0: when set, the keep alive the broker imposes (Server Keep Alive in CONNACK).
    pub server_keep_alive: Option<u16>,
    /// MQTT 5.0: the longest Session Expiry Interval the broker grants, in seconds.
    pub max_session_expiry: u32,
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
            receive_maximum: 64,
            topic_alias_maximum: 10,
            server_keep_alive: None,
            max_session_expiry: u32::MAX,
        }
    }
}

/// What the runtime must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// A 3.1 / 3.1.1 packet.
    Send(ConnId, Packet),
    /// A 5.0 packet (boxed: its properties are large).
    Send5(ConnId, Box<crate::proto::v5::Packet>),
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
    /// The connection speaks MQTT 5.0 (its CONNECT said level 5).
    v5: bool,
}

/// The properties of a 5.0 message the broker passes on unchanged (payload format indicator,
/// content type, response topic, correlation data, user properties), and its expiry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Meta {
    pub props: Properties,
    /// The Message Expiry Interval as received, in seconds, and when it runs out.
    pub expiry: Option<(u32, Instant)>,
}

impl Meta {
    /// The part of `props` passed on, with the expiry counted from `now`; `None` when there is none.
    pub fn from_props(props: &Properties, now: Instant) -> Option<Arc<Meta>> {
        if props.payload_format_indicator.is_none()
            && props.message_expiry_interval.is_none()
            && props.content_type.is_none()
            && props.response_topic.is_none()
            && props.correlation_data.is_none()
            && props.user_properties.is_empty()
        {
            // The common case, a message with nothing to pass on: no allocation.
            return None;
        }
        let kept = Properties {
            payload_format_indicator: props.payload_format_indicator,
            content_type: props.content_type.clone(),
            response_topic: props.response_topic.clone(),
            correlation_data: props.correlation_data.clone(),
            user_properties: props.user_properties.clone(),
            ..Properties::default()
        };
        let expiry = props.message_expiry_interval.map(|s| (s, now + Duration::from_secs(s as u64)));
        (!kept.is_empty() || expiry.is_some()).then(|| Arc::new(Meta { props: kept, expiry }))
    }

    /// Whether the message expired before `now`.
    pub fn expired(&self, now: Instant) -> bool {
        self.expiry.is_some_and(|(_, at)| now >= at)
    }
}

/// Subscription identifiers one delivery carries (5.0).
pub type SubIds = Option<Box<[NonZeroU32]>>;

/// A message kept for one session: in its queue while it is offline or its window is full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub publish: Publish,
    pub meta: Option<Arc<Meta>>,
    pub sub_ids: SubIds,
}

/// What a 5.0 connection agreed on in CONNECT and CONNACK, and its topic aliases: it starts afresh
/// with every connection.
#[derive(Debug, Default)]
pub struct Link {
    /// The client's Receive Maximum: QoS 1 and 2 messages it takes unacknowledged.
    pub receive_max: u16,
    /// The client's Maximum Packet Size.
    pub max_packet: Option<u32>,
    /// The client's Topic Alias Maximum: aliases the broker may set towards it.
    pub alias_max: u16,
    /// Aliases the broker set towards the client.
    pub alias_out: Map<Arc<str>, u16>,
    /// Aliases the client set towards the broker.
    pub alias_in: Map<u16, Arc<str>>,
    /// Request Problem Information: reason strings may go on every packet.
    pub problem_info: bool,
}

/// An outgoing QoS 1 or 2 message awaiting its acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inflight {
    pub publish: Publish,
    /// QoS 2: PUBREC arrived and PUBREL went out; waiting for PUBCOMP.
    pub released: bool,
    pub meta: Option<Arc<Meta>>,
    pub sub_ids: SubIds,
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
    /// The will's 5.0 properties.
    pub will_meta: Option<Arc<Meta>>,
    /// 5.0: seconds the will waits after an abnormal end before it is published.
    pub will_delay: u32,
    /// A will waiting for its delay (5.0), and when it is due.
    pub pending_will: Option<(Instant, Will, Option<Arc<Meta>>)>,
    /// Seconds the session outlives its connection: 0 ends it with the connection, `u32::MAX`
    /// never (3.1.1's clean session 0).
    pub expiry: u32,
    /// When a disconnected session with a finite expiry ends.
    pub expires_at: Option<Instant>,
    /// The state of the client's 5.0 connection, while it has one.
    pub link: Option<Box<Link>>,
    pub subscriptions: BTreeMap<String, SubOpts>,
    pub inflight: VecDeque<Inflight>,
    pub queue: VecDeque<Msg>,
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
            will_meta: None,
            will_delay: 0,
            pending_will: None,
            expiry: 0,
            expires_at: None,
            link: None,
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
    fn push_inflight(&mut self, p: Publish, meta: Option<Arc<Meta>>, sub_ids: SubIds) {
        if let Some(pid) = p.qos_pid.pid() {
            self.inflight_ids.insert(pid);
        }
        self.inflight.push_back(Inflight { publish: p, released: false, meta, sub_ids });
    }

    /// QoS 1 and 2 messages the client takes unacknowledged: the broker's window, or the client's
    /// Receive Maximum when smaller.
    fn window(&self, max_inflight: usize) -> usize {
        match &self.link {
            Some(l) if l.receive_max > 0 => max_inflight.min(l.receive_max as usize),
            _ => max_inflight,
        }
    }

    /// Whether the session speaks 5.0 on its current connection.
    pub fn is_v5(&self) -> bool {
        self.protocol == Protocol::V5
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
    pub meta: Option<Arc<Meta>>,
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
    matches: Vec<(Arc<str>, SubOpts)>,
    /// Connections whose queue made publishers wait (see [`Broker::is_congested`]).
    pressured: Set<ConnId>,
    newly_pressured: Vec<ConnId>,
    relieved: bool,
    /// Bytes of the messages held in queues, inflight windows and the retained store.
    stored: usize,
    /// Shared subscriptions (5.0): `$share/GROUP/FILTER`, keyed like their entry in the tree.
    shared: Map<Arc<str>, SharedGroup>,
    /// When a session's will or the session itself is due (5.0 will delay, session expiry).
    timers: BTreeSet<(Instant, Arc<str>)>,
}

/// The members of one shared subscription, served in turn.
#[derive(Debug, Default)]
pub struct SharedGroup {
    pub group: String,
    pub filter: String,
    pub members: Vec<(Arc<str>, SubOpts)>,
    next: usize,
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
            shared: Map::default(),
            timers: BTreeSet::new(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    // ---- inputs -------------------------------------------------------------------------------

    /// A socket was accepted.
    pub fn open(&mut self, conn: ConnId, now: Instant) {
        self.conns.insert(conn, Conn { client: None, opened: now, last_seen: now, keep_alive: 0, v5: false });
        self.lower_check(now + self.config.connect_timeout);
    }

    /// A whole, well-formed packet of either protocol arrived on `conn`.
    pub fn handle_any(&mut self, conn: ConnId, packet: AnyPacket, now: Instant) {
        match packet {
            AnyPacket::V3(p) => self.handle_packet(conn, p, now),
            AnyPacket::V5(p) => self.handle_packet5(conn, p, now),
        }
    }

    /// A whole, well-formed 3.1 / 3.1.1 packet arrived on `conn`.
    pub fn handle_packet(&mut self, conn: ConnId, packet: Packet, now: Instant) {
        let Some(c) = self.conns.get_mut(&conn) else { return };
        c.last_seen = now;
        let client = c.client.clone();
        let Some(client) = client else {
            match packet {
                Packet::Connect(connect) => self.on_connect(conn, *connect, None, now),
                other => self.first_not_connect(conn, other.packet_type().name()),
            }
            return;
        };
        match packet {
            Packet::Connect(_) => self.second_connect(conn),
            Packet::Publish(p) => self.on_publish(conn, &client, p, None, now),
            Packet::PubAck(pid) => self.on_ack(conn, &client, pid, false, now),
            Packet::PubRec(pid) => self.on_pubrec(conn, &client, pid, false, now),
            Packet::PubRel(pid) => {
                if let Some(s) = self.sessions.get_mut(&client) {
                    s.awaiting_pubrel.remove(&pid);
                }
                self.send(conn, Packet::PubComp(pid));
            }
            Packet::PubComp(pid) => self.on_ack(conn, &client, pid, true, now),
            Packet::Subscribe(s) => {
                let filters = s.filters.into_iter().map(|(f, q)| (f, SubOpts::from(q), 0)).collect();
                self.on_subscribe(conn, &client, s.pid, filters, now)
            }
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
    /// CONNACK 1 for an unsupported protocol level in a first CONNECT; on a 5.0 connection after a
    /// CONNACK or DISCONNECT whose reason code says what was wrong).
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
        let code = v5::error_reason(&err.kind);
        let rule = err.rule().map(str::to_string);
        let message = Text::new(err.message(Lang::Zh), err.message(Lang::En));
        if c.client.is_none() && err.version == Protocol::V5 {
            // A 5.0 CONNECT that cannot be read: CONNACK with the reason, then close [MQTT-3.1.4-1].
            let mut ack = crate::proto::v5::ConnAck::new(code);
            ack.properties.reason_string = Some(clip(&err.message(Lang::En)));
            self.send5(conn, crate::proto::v5::Packet::ConnAck(ack));
            self.emit(Event::ProtocolError { conn, client_id: None, message, rule });
            self.out.push_back(Output::Close(conn));
            self.conns.remove(&conn);
            return;
        }
        let client_id = c.client.as_ref().map(|c| c.to_string());
        if c.v5 {
            self.disconnect5(conn, code, &err.message(Lang::En));
        }
        self.emit(Event::ProtocolError { conn, client_id, message, rule });
        self.out.push_back(Output::Close(conn));
        self.end_connection(conn, Some(WillCause::ProtocolError), now);
    }

    /// The socket closed (or failed) without the broker asking for it.
    pub fn closed(&mut self, conn: ConnId, now: Instant) {
        let Some(c) = self.conns.get(&conn) else { return };
        self.emit(Event::ConnectionLost { conn, client_id: c.client.as_ref().map(|c| c.to_string()) });
        self.end_connection(conn, Some(WillCause::ConnectionLost), now);
    }

    /// Closes connections whose keep alive (× 1.5) or connect timeout has run out; publishes delayed
    /// wills and ends expired sessions (5.0).
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
            let v5 = c.v5;
            match &c.client {
                None => self.emit(Event::ConnectTimeout { conn: id }),
                Some(client) => {
                    let e = Event::KeepAliveExpired {
                        conn: id,
                        client_id: client.to_string(),
                        keep_alive: c.keep_alive,
                        idle_ms: now.duration_since(c.last_seen).as_millis() as u64,
                    };
                    if v5 {
                        // The server may say why before it closes [MQTT-3.1.2-22].
                        self.disconnect5(id, ReasonCode::KeepAliveTimeout, "keep alive timeout");
                    }
                    self.emit(e);
                }
            }
            self.out.push_back(Output::Close(id));
            self.end_connection(id, Some(WillCause::KeepAliveExpired), now);
        }
        self.run_timers(now);
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
    /// Every subscription as (filter, client, granted QoS), shared ones as `$share/GROUP/FILTER`
    /// once per member.
    pub fn subscriptions(&self) -> Vec<(String, Arc<str>, QoS)> {
        let mut all: Vec<_> = self.subs.entries().into_iter().filter(|e| !e.1.starts_with('\0')).collect();
        for g in self.shared.values() {
            for (c, o) in &g.members {
                all.push((format!("$share/{}/{}", g.group, g.filter), c.clone(), o.qos));
            }
        }
        all.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        all
    }
    /// The shared subscriptions (5.0), with their members in serving order.
    pub fn shared_groups(&self) -> impl Iterator<Item = &SharedGroup> {
        self.shared.values()
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
            .map(|s| {
                s.inflight
                    .iter()
                    .map(|m| cost(&m.publish))
                    .chain(s.queue.iter().map(|m| cost(&m.publish)))
                    .sum::<usize>()
            })
            .sum();
        sessions + self.retained.values().map(|r| cost(&r.publish)).sum::<usize>()
    }
    /// The client id connected on `conn`, if it has sent CONNECT.
    pub fn client_of(&self, conn: ConnId) -> Option<&Arc<str>> {
        self.conns.get(&conn).and_then(|c| c.client.as_ref())
    }

    // ---- CONNECT --------------------------------------------------------------------------------

    /// Answers a CONNECT with a refusal and closes. A 5.0 client gets the 5.0 reason code for `code`
    /// (or `code5` when given) and the reason as a Reason String.
    fn refuse(&mut self, conn: ConnId, client_id: &str, code: ConnectReturnCode, reason: Text) {
        self.refuse5(conn, client_id, code, None, reason)
    }

    fn refuse5(
        &mut self,
        conn: ConnId,
        client_id: &str,
        code: ConnectReturnCode,
        code5: Option<ReasonCode>,
        reason: Text,
    ) {
        if self.conns.get(&conn).is_some_and(|c| c.v5) {
            let rc = code5.unwrap_or_else(|| v5::connack_reason(code));
            let mut ack = crate::proto::v5::ConnAck::new(rc);
            ack.properties.reason_string = Some(reason.en.clone());
            self.send5(conn, crate::proto::v5::Packet::ConnAck(ack));
            let tag = |l: Lang| format!(" [CONNACK 0x{:02X} {}]", rc.as_u8(), rc.describe(ReasonPacket::ConnAck, l));
            let reason =
                Text::new(format!("{}{}", reason.zh, tag(Lang::Zh)), format!("{}{}", reason.en, tag(Lang::En)));
            self.emit(Event::ConnectRefused { conn, client_id: client_id.to_string(), code, reason });
        } else {
            self.send(conn, Packet::ConnAck(ConnAck { session_present: false, code }));
            self.emit(Event::ConnectRefused { conn, client_id: client_id.to_string(), code, reason });
        }
        self.out.push_back(Output::Close(conn));
        self.conns.remove(&conn);
    }

    /// A CONNECT; `p5` holds a 5.0 CONNECT's properties and its will's.
    fn on_connect(&mut self, conn: ConnId, c: Connect, p5: Option<(Properties, Properties)>, now: Instant) {
        use ConnectReturnCode as Rc;
        let is5 = c.protocol == Protocol::V5;
        if let Some(cn) = self.conns.get_mut(&conn) {
            cn.v5 = is5;
        }
        let (props, will_props) = p5.unwrap_or_default();
        if is5 && let Some(method) = &props.authentication_method {
            // No enhanced authentication method is configured [MQTT-4.12.0-1].
            return self.refuse5(
                conn,
                &c.client_id,
                Rc::NotAuthorized,
                Some(ReasonCode::BadAuthenticationMethod),
                Text::new(
                    format!("这个服务端没有配置增强认证，不认识认证方法 {method:?}"),
                    format!("this broker has no enhanced authentication: it does not know the method {method:?}"),
                ),
            );
        }
        let mut assigned_id = false;
        let client_id: Arc<str> = if c.client_id.is_empty() {
            if !is5 && (!c.clean_session || c.protocol == Protocol::V31) {
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
            if self.conns.get(&old).is_some_and(|c| c.v5) {
                // The old 5.0 connection is told why [MQTT-3.1.4-3].
                self.disconnect5(old, ReasonCode::SessionTakenOver, "another connection took this client id");
            }
            self.out.push_back(Output::Close(old));
            // The old network connection closes without DISCONNECT: its will is published
            // [MQTT-3.1.2-8] (after its delay, 5.0).
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
                self.end_session(&client_id, now);
            }
        } else if self.sessions.contains_key(&client_id) {
            session_present = true;
        }
        // A session resumed within its will's delay: the will is not sent [MQTT-3.1.3-9].
        let cancelled = self.sessions.get_mut(&client_id).and_then(|s| s.pending_will.take());
        if cancelled.is_some() {
            self.emit(Event::WillCancelled { client_id: client_id.to_string() });
        }
        let requested_expiry = props.session_expiry_interval.unwrap_or(0);
        let expiry = match (is5, c.clean_session) {
            (true, _) => requested_expiry.min(self.config.max_session_expiry),
            (false, true) => 0,
            (false, false) => u32::MAX,
        };
        let keep_alive = match (is5, self.config.server_keep_alive) {
            (true, Some(k)) => k,
            _ => c.keep_alive,
        };
        let session = self.sessions.entry(client_id.clone()).or_insert_with(|| Session::new(client_id.clone(), now));
        session.conn = Some(conn);
        session.clean = expiry == 0;
        session.protocol = c.protocol;
        session.keep_alive = keep_alive;
        session.username = c.username.clone();
        session.will = c.will.clone();
        session.will_meta = c.will.as_ref().and_then(|_| Meta::from_props(&will_props, now));
        session.will_delay = will_props.will_delay_interval.unwrap_or(0);
        session.expiry = expiry;
        session.expires_at = None;
        session.last_seen = now;
        session.link = is5.then(|| {
            Box::new(Link {
                receive_max: props.receive_maximum.map_or(u16::MAX, |r| r.get()),
                max_packet: props.maximum_packet_size.map(|m| m.get()),
                alias_max: props.topic_alias_maximum.unwrap_or(0),
                problem_info: props.request_problem_information.unwrap_or(true),
                ..Link::default()
            })
        });
        self.connected += 1;
        if let Some(cn) = self.conns.get_mut(&conn) {
            cn.client = Some(client_id.clone());
            cn.keep_alive = keep_alive;
        }
        if keep_alive > 0 {
            self.lower_check(now + Duration::from_millis(keep_alive as u64 * 1500));
        }
        // MQTT 3.1 has no session present flag: the byte is reserved and sent as 0.
        let flag = session_present && c.protocol != Protocol::V31;
        if is5 {
            let mut ack = crate::proto::v5::ConnAck::new(ReasonCode::Success);
            ack.session_present = flag;
            let p = &mut ack.properties;
            p.receive_maximum = std::num::NonZeroU16::new(self.config.receive_maximum.max(1));
            p.topic_alias_maximum = (self.config.topic_alias_maximum > 0).then_some(self.config.topic_alias_maximum);
            if self.config.max_packet_size < crate::proto::MAX_REMAINING_LENGTH + 5 {
                p.maximum_packet_size = NonZeroU32::new(self.config.max_packet_size as u32);
            }
            if assigned_id {
                p.assigned_client_identifier = Some(client_id.to_string());
            }
            if keep_alive != c.keep_alive {
                p.server_keep_alive = Some(keep_alive);
            }
            if expiry != requested_expiry {
                p.session_expiry_interval = Some(expiry);
            }
            self.send5(conn, crate::proto::v5::Packet::ConnAck(ack));
        } else {
            self.send(conn, Packet::ConnAck(ConnAck { session_present: flag, code: Rc::Accepted }));
        }
        self.emit(Event::Connected {
            conn,
            client_id: client_id.to_string(),
            protocol: c.protocol,
            clean_session: c.clean_session,
            keep_alive,
            session_present: flag,
            assigned_id,
        });
        if is5 && (expiry > 0 || keep_alive != c.keep_alive) {
            self.emit(Event::Agreed5 {
                client_id: client_id.to_string(),
                session_expiry: expiry,
                keep_alive: (keep_alive != c.keep_alive).then_some(keep_alive),
            });
        }
        if session_present {
            // Resend unacknowledged messages with their ids [MQTT-4.4.0-1], then the queue.
            let s = &self.sessions[&client_id];
            let resend: Vec<Inflight> = s.inflight.iter().cloned().collect();
            let (subscriptions, queued) = (s.subscriptions.len(), s.queue.len());
            for m in &resend {
                let pid = m.publish.qos_pid.pid().expect("inflight messages have ids");
                if m.released {
                    self.send_ack(conn, AckKind::PubRel, pid, ReasonCode::Success);
                } else {
                    let mut p = m.publish.clone();
                    p.dup = true;
                    let s = self.sessions.get_mut(&client_id).expect("session");
                    // Onward delivery has begun: it is resent even if it has expired since.
                    let _ = transmit(&mut self.out, s, conn, p, m.meta.as_ref(), &m.sub_ids, false, now);
                }
                if self.config.narrate_messages {
                    self.emit(Event::Resent { client_id: client_id.to_string(), pid, pubrel: m.released });
                }
            }
            self.pump(&client_id, now);
            self.emit(Event::SessionResumed {
                client_id: client_id.to_string(),
                subscriptions,
                resent: resend.len(),
                queued,
            });
        }
    }

    /// Detaches `conn` from its session; publishes the will when `cause` says the ending was abnormal
    /// (5.0: after its delay, or when the session ends, whichever comes first).
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
        s.link = None;
        s.last_seen = c.last_seen;
        self.connected -= 1;
        let will = s.will.take();
        let will_meta = s.will_meta.take();
        let (expiry, delay) = (s.expiry, s.will_delay);
        let (subscriptions, queued) = (s.subscriptions.len(), s.queue.len());
        match (will, cause) {
            (Some(w), Some(cause)) => {
                if delay > 0 && expiry > 0 {
                    let at = now + Duration::from_secs(delay as u64);
                    s.pending_will = Some((at, w.clone(), will_meta));
                    self.timers.insert((at, client.clone()));
                    self.lower_check(at);
                    self.emit(Event::WillDelayed {
                        client_id: client.to_string(),
                        topic: w.topic.clone(),
                        delay,
                        cause,
                    });
                } else {
                    s.pending_will = Some((now, w, will_meta));
                    self.emit_pending_will(&client, Some(cause), now);
                }
            }
            (Some(_), None) => self.emit(Event::WillDiscarded { client_id: client.to_string() }),
            _ => {}
        }
        if expiry == 0 {
            self.end_session(&client, now);
        } else {
            if expiry != u32::MAX
                && let Some(s) = self.sessions.get_mut(&client)
            {
                let at = now + Duration::from_secs(expiry as u64);
                s.expires_at = Some(at);
                self.timers.insert((at, client.clone()));
                self.lower_check(at);
            }
            self.emit(Event::SessionKept { client_id: client.to_string(), subscriptions, queued });
        }
    }

    /// Publishes the session's pending will, if it has one (`cause` given: published at once, not
    /// after a delay).
    fn emit_pending_will(&mut self, client: &Arc<str>, cause: Option<WillCause>, now: Instant) {
        let Some(s) = self.sessions.get_mut(client) else { return };
        let Some((_, w, meta)) = s.pending_will.take() else { return };
        let user = s.username.clone();
        self.emit(Event::WillPublished {
            client_id: client.to_string(),
            topic: w.topic.clone(),
            qos: w.qos,
            retain: w.retain,
            cause: cause.unwrap_or(WillCause::Delayed),
        });
        let p = Publish {
            dup: false,
            qos_pid: QosPid::from_qos(w.qos, PacketId::new(1).expect("1 is not 0")),
            retain: w.retain,
            topic: Arc::from(w.topic),
            payload: w.message,
        };
        // The will's Message Expiry Interval counts from when it is published.
        let meta = meta.map(|m| match m.expiry {
            Some((secs, _)) => {
                Arc::new(Meta { expiry: Some((secs, now + Duration::from_secs(secs as u64))), ..(*m).clone() })
            }
            None => m,
        });
        self.route(client, user.as_deref(), p, meta, now);
    }

    /// Ends a session: its pending will goes out first (the earlier of its delay and the session's
    /// end), then the session is discarded.
    fn end_session(&mut self, client: &Arc<str>, now: Instant) {
        if self.sessions.get(client).is_some_and(|s| s.pending_will.is_some()) {
            self.emit_pending_will(client, None, now);
        }
        self.discard_session(client);
    }

    /// Delayed wills and session expiry (5.0) that are due by `now`.
    fn run_timers(&mut self, now: Instant) {
        while let Some((at, client)) = self.timers.first().cloned() {
            if at > now {
                self.lower_check(at);
                break;
            }
            self.timers.pop_first();
            let Some(s) = self.sessions.get(&client) else { continue };
            if s.conn.is_some() {
                continue;
            }
            if s.pending_will.as_ref().is_some_and(|w| w.0 == at) {
                self.emit_pending_will(&client, None, now);
            }
            if let Some(s) = self.sessions.get(&client)
                && s.expires_at == Some(at)
            {
                self.emit(Event::SessionExpired { client_id: client.to_string(), after: s.expiry });
                self.end_session(&client, now);
            }
        }
    }

    fn discard_session(&mut self, client: &Arc<str>) {
        if let Some(s) = self.sessions.remove(client) {
            let held: usize =
                s.inflight.iter().map(|m| cost(&m.publish)).chain(s.queue.iter().map(|m| cost(&m.publish))).sum();
            self.stored -= held;
            for filter in s.subscriptions.keys() {
                self.unsubscribe_filter(filter, client);
            }
            self.emit(Event::SessionDiscarded { client_id: client.to_string() });
        }
    }

    /// The first packet of a connection was not CONNECT [MQTT-3.1.0-1].
    fn first_not_connect(&mut self, conn: ConnId, name: &str) {
        self.protocol_violation(
            conn,
            format!("the first packet must be CONNECT, not {name}"),
            format!("第一个报文必须是 CONNECT，而不是 {name}"),
            "MQTT-3.1.0-1",
        )
    }

    /// A second CONNECT on one connection [MQTT-3.1.0-2].
    fn second_connect(&mut self, conn: ConnId) {
        self.protocol_violation(
            conn,
            "a second CONNECT on one connection".into(),
            "同一连接上第二次发送 CONNECT".into(),
            "MQTT-3.1.0-2",
        )
    }

    fn protocol_violation(&mut self, conn: ConnId, en: String, zh: String, rule: &str) {
        self.violation(conn, en, zh, rule, ReasonCode::ProtocolError)
    }

    /// Closes a connection that broke the protocol; a 5.0 one first gets DISCONNECT with `code` and
    /// the reason as a Reason String.
    fn violation(&mut self, conn: ConnId, en: String, zh: String, rule: &str, code: ReasonCode) {
        let Some(c) = self.conns.get(&conn) else { return };
        let client_id = c.client.as_ref().map(|c| c.to_string());
        let v5 = c.v5;
        let tag = |l: Lang| {
            if v5 {
                format!(" [DISCONNECT 0x{:02X} {}]", code.as_u8(), code.describe(ReasonPacket::Disconnect, l))
            } else {
                String::new()
            }
        };
        if v5 {
            self.disconnect5(conn, code, &format!("{en} [{rule}]"));
        }
        let message = Text::new(format!("{zh}{}", tag(Lang::Zh)), format!("{en}{}", tag(Lang::En)));
        self.emit(Event::ProtocolError { conn, client_id, message, rule: Some(rule.into()) });
        self.out.push_back(Output::Close(conn));
        let now = self.conns.get(&conn).map(|c| c.last_seen);
        if let Some(now) = now {
            self.end_connection(conn, Some(WillCause::ProtocolError), now);
        }
    }

    // ---- PUBLISH in -------------------------------------------------------------------------------

    /// A PUBLISH from a client (`meta`: a 5.0 one's properties passed on).
    fn on_publish(&mut self, conn: ConnId, client: &Arc<str>, p: Publish, meta: Option<Arc<Meta>>, now: Instant) {
        self.stats.received += 1;
        let user = self.sessions.get(client).and_then(|s| s.username.clone());
        match p.qos_pid {
            QosPid::AtMostOnce => {
                self.route(client, user.as_deref(), p, meta, now);
            }
            QosPid::AtLeastOnce(pid) => {
                let r = self.route(client, user.as_deref(), p, meta, now);
                self.send_ack(conn, AckKind::PubAck, pid, r.reason());
            }
            QosPid::ExactlyOnce(pid) => {
                let first = self.sessions.get_mut(client).is_some_and(|s| s.awaiting_pubrel.insert(pid));
                let mut reason = ReasonCode::Success;
                if first {
                    reason = self.route(client, user.as_deref(), p, meta, now).reason();
                    if reason.is_error()
                        && let Some(s) = self.sessions.get_mut(client)
                    {
                        // A PUBREC with an error ends the exchange: no PUBREL follows [MQTT-4.4.0-2].
                        s.awaiting_pubrel.remove(&pid);
                    }
                } else if self.config.narrate_messages {
                    self.emit(Event::DuplicateQos2 { client_id: client.to_string(), pid });
                }
                self.send_ack(conn, AckKind::PubRec, pid, reason);
            }
        }
    }

    /// Stores or clears the retained message and delivers to every matching subscription.
    fn route(
        &mut self,
        from: &Arc<str>,
        user: Option<&str>,
        p: Publish,
        meta: Option<Arc<Meta>>,
        now: Instant,
    ) -> Route {
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
            return Route::Refused;
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
                self.retained.insert(
                    p.topic.clone(),
                    Retained { publish: stored, meta: meta.clone(), from: from.to_string(), stored_at: now },
                );
                retain = RetainAction::Stored;
            }
        }
        // One delivery per client, at the highest QoS of its matching subscriptions [MQTT-3.3.5-1],
        // carrying every matching subscription identifier (5.0).
        let mut matches = std::mem::take(&mut self.matches);
        matches.clear();
        self.subs.for_each_match(&p.topic, |c, o| matches.push((c.clone(), o)));
        let mut groups = Vec::new();
        if matches.iter().any(|m| m.0.starts_with('\0')) {
            matches.retain(|m| {
                if m.0.starts_with('\0') {
                    groups.push(m.0.clone());
                    false
                } else {
                    true
                }
            });
        }
        if matches.len() > 1 {
            matches.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.qos.cmp(&a.1.qos)));
        }
        let narrate = self.config.narrate_messages;
        let mut deliveries = Vec::new();
        let mut matched = 0;
        let mut i = 0;
        while i < matches.len() {
            let client = matches[i].0.clone();
            let mut j = i;
            let mut best: Option<SubOpts> = None;
            let mut ids: Vec<NonZeroU32> = Vec::new();
            while j < matches.len() && matches[j].0 == client {
                let o = matches[j].1;
                j += 1;
                // No Local: not back to the client that published it [MQTT-3.8.3-3].
                if o.no_local && client == *from {
                    continue;
                }
                ids.extend(o.id);
                best = Some(match best {
                    None => o,
                    Some(b) => SubOpts { qos: b.qos.max(o.qos), rap: b.rap || o.rap, ..b },
                });
            }
            i = j;
            let Some(best) = best else { continue };
            matched += 1;
            if let Some(acl) = &self.config.acl {
                let user = self.sessions.get(&client).and_then(|s| s.username.as_deref());
                if !acl.can_receive(user, &client, &p.topic) {
                    continue;
                }
            }
            let qos = p.qos().min(best.qos);
            ids.sort_unstable();
            let sub_ids = (!ids.is_empty()).then(|| ids.into_boxed_slice());
            // Retain As Published keeps the flag; otherwise a forwarded message has RETAIN=0.
            let keep = best.rap && p.retain;
            let d = self.deliver(&client, &p.topic, &p.payload, qos, keep, meta.as_ref(), sub_ids, now);
            if narrate {
                deliveries.push(Delivery { client_id: client.to_string(), downgraded: qos < p.qos(), ..d });
            }
        }
        self.matches = matches;
        for key in groups {
            matched += 1;
            if let Some(d) = self.deliver_shared(&key, from, &p, meta.as_ref(), now)
                && narrate
            {
                deliveries.push(d);
            }
        }
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
        if matched == 0 { Route::NoSubscribers } else { Route::Delivered }
    }

    /// Gives one message of a shared subscription to one member: the next in turn that is
    /// connected, or the next in turn when none is.
    fn deliver_shared(
        &mut self,
        key: &Arc<str>,
        from: &Arc<str>,
        p: &Publish,
        meta: Option<&Arc<Meta>>,
        now: Instant,
    ) -> Option<Delivery> {
        let g = self.shared.get_mut(key)?;
        let n = g.members.len();
        if n == 0 {
            return None;
        }
        let online = |c: &Arc<str>| self.sessions.get(c).is_some_and(|s| s.conn.is_some());
        let start = g.next % n;
        let pick = (0..n).map(|k| (start + k) % n).find(|&k| online(&g.members[k].0)).unwrap_or(start);
        g.next = pick + 1;
        let (client, o) = g.members[pick].clone();
        let others: Vec<String> = g.members.iter().filter(|m| m.0 != client).map(|m| m.0.to_string()).collect();
        let (group, filter) = (g.group.clone(), g.filter.clone());
        let qos = p.qos().min(o.qos);
        let sub_ids = o.id.map(|id| vec![id].into_boxed_slice());
        let keep = o.rap && p.retain;
        let d = self.deliver(&client, &p.topic, &p.payload, qos, keep, meta, sub_ids, now);
        if self.config.narrate_messages {
            self.emit(Event::SharedDelivered {
                group,
                filter,
                topic: clip(&p.topic),
                from: from.to_string(),
                to: client.to_string(),
                others,
            });
        }
        Some(Delivery { client_id: client.to_string(), downgraded: qos < p.qos(), ..d })
    }

    /// Sends or queues one message for a session.
    #[allow(clippy::too_many_arguments)]
    fn deliver(
        &mut self,
        client: &Arc<str>,
        topic: &Arc<str>,
        payload: &Bytes,
        qos: QoS,
        retain: bool,
        meta: Option<&Arc<Meta>>,
        sub_ids: SubIds,
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
            let sent = match s.conn {
                Some(conn) => transmit(&mut self.out, s, conn, template(), meta, &sub_ids, true, now),
                None => false,
            };
            match sent {
                true => self.stats.delivered += 1,
                false => {
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
        let window = s.window(max_inflight);
        if let Some(conn) = s.conn
            && s.queue.is_empty()
            && s.inflight.len() < window
            && let Some(pid) = s.alloc_pid()
        {
            let p = Publish { qos_pid: QosPid::from_qos(qos, pid), ..template() };
            if transmit(&mut self.out, s, conn, p.clone(), meta, &sub_ids, true, now) {
                self.stored += cost(&p);
                s.push_inflight(p, meta.cloned(), sub_ids);
                self.stats.delivered += 1;
            } else {
                // Not sent (larger than the client takes): as if acknowledged [MQTT-3.1.2-25].
                self.stats.dropped += 1;
                d.dropped = true;
            }
            return d;
        }
        self.stored += topic.len() + payload.len() + 64;
        let publish = Publish { qos_pid: QosPid::from_qos(qos, PacketId::new(1).expect("1")), ..template() };
        s.queue.push_back(Msg { publish, meta: meta.cloned(), sub_ids });
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
        self.pump(client, now);
        d
    }

    /// Moves queued messages into the inflight window while the client is connected; a message
    /// whose expiry passed in the queue is dropped [MQTT-3.3.2-5].
    fn pump(&mut self, client: &Arc<str>, now: Instant) {
        let max_inflight = self.config.max_inflight.clamp(1, u16::MAX as usize);
        let max_queued = self.config.max_queued;
        let Some(s) = self.sessions.get_mut(client) else { return };
        let Some(conn) = s.conn else { return };
        let window = s.window(max_inflight);
        while s.inflight.len() < window && !s.queue.is_empty() {
            let Some(pid) = s.alloc_pid() else { break };
            let Some(m) = s.queue.pop_front() else { break };
            let mut p = m.publish;
            p.qos_pid = QosPid::from_qos(p.qos(), pid);
            if transmit(&mut self.out, s, conn, p.clone(), m.meta.as_ref(), &m.sub_ids, true, now) {
                s.push_inflight(p, m.meta, m.sub_ids);
                self.stats.delivered += 1;
            } else {
                self.stored -= cost(&p);
                self.stats.dropped += 1;
            }
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
            self.pump(client, now);
        }
    }

    /// PUBREC for an outgoing QoS 2 message; `error`: a 5.0 PUBREC whose reason code is an error,
    /// which ends the exchange without PUBREL [MQTT-4.4.0-2].
    fn on_pubrec(&mut self, conn: ConnId, client: &Arc<str>, pid: PacketId, error: bool, now: Instant) {
        let Some(s) = self.sessions.get_mut(client) else { return };
        let Some(i) = s.inflight.iter().position(|m| m.publish.qos_pid.pid() == Some(pid)) else {
            if s.is_v5() && !error {
                // 5.0: a PUBREC for an id not in flight is answered with PUBREL 0x92.
                self.send_ack(conn, AckKind::PubRel, pid, ReasonCode::PacketIdentifierNotFound);
            }
            return;
        };
        let m = &mut s.inflight[i];
        if m.publish.qos() != QoS::ExactlyOnce {
            let qos = m.publish.qos();
            return self.wrong_ack(conn, "PUBREC", pid, qos, false, now);
        }
        s.last_ack = now;
        if error {
            self.stored -= cost(&s.inflight[i].publish);
            s.remove_inflight(i);
            if !s.queue.is_empty() {
                self.pump(client, now);
            }
            return;
        }
        // A repeated PUBREC (ours PUBREL got lost) is answered with PUBREL again [MQTT-4.3.3-1].
        m.released = true;
        self.send_ack(conn, AckKind::PubRel, pid, ReasonCode::Success);
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

    /// A SUBSCRIBE: each filter with its options (a 3.1.1 one only has its QoS) and its Retain
    /// Handling (0: send retained messages, 1: only for a new subscription, 2: never).
    fn on_subscribe(
        &mut self,
        conn: ConnId,
        client: &Arc<str>,
        pid: PacketId,
        filters: Vec<(String, SubOpts, u8)>,
        now: Instant,
    ) {
        let user = self.sessions.get(client).and_then(|s| s.username.clone());
        let v5 = self.conns.get(&conn).is_some_and(|c| c.v5);
        let mut codes = Vec::with_capacity(filters.len());
        let mut reasons = Vec::with_capacity(filters.len());
        let mut granted_filters = Vec::new();
        for (filter, opts, rh) in filters {
            let requested = opts.qos;
            let held = self.sessions.get(client).map_or(0, |s| s.subscriptions.len());
            let renews = self.sessions.get(client).is_some_and(|s| s.subscriptions.contains_key(&filter));
            let shared = v5::parse_shared(&filter);
            let plain = match &shared {
                Some(Ok((_, f))) => f,
                _ => filter.as_str(),
            };
            let levels = topic::level_count(plain);
            let refusal = if let Some(Err(rule)) = shared {
                Some(SubscribeRefusal::InvalidFilter { rule })
            } else if let Some(rule) = topic_filter_error(plain) {
                Some(SubscribeRefusal::InvalidFilter { rule })
            } else if levels > self.config.max_topic_levels {
                Some(SubscribeRefusal::TooManyLevels { levels, limit: self.config.max_topic_levels })
            } else if !renews && held >= self.config.max_subscriptions {
                Some(SubscribeRefusal::TooManySubscriptions { limit: self.config.max_subscriptions })
            } else if let Some(acl) = &self.config.acl
                && !acl.can_subscribe(user.as_deref(), client, plain)
            {
                Some(SubscribeRefusal::NotAuthorized)
            } else {
                None
            };
            if let Some(reason) = refusal {
                codes.push(SubAckCode::Failure);
                reasons.push(v5::suback_reason(&reason));
                self.emit(Event::SubscribeRefused { client_id: client.to_string(), filter: clip(&filter), reason });
                continue;
            }
            let granted = requested;
            let opts = SubOpts { qos: granted, ..opts };
            match shared {
                Some(Ok((group, f))) => {
                    let key = v5::shared_key(group, f);
                    self.subs.insert(f, &key, SubOpts::from(QoS::AtMostOnce));
                    let g = self.shared.entry(key).or_insert_with(|| SharedGroup {
                        group: group.to_string(),
                        filter: f.to_string(),
                        ..SharedGroup::default()
                    });
                    match g.members.iter_mut().find(|m| m.0 == *client) {
                        Some(m) => m.1 = opts,
                        None => g.members.push((client.clone(), opts)),
                    }
                }
                _ => {
                    self.subs.insert(&filter, client, opts);
                }
            }
            if let Some(s) = self.sessions.get_mut(client) {
                s.subscriptions.insert(filter.clone(), opts);
            }
            codes.push(SubAckCode::Granted(granted));
            reasons.push(ReasonCode::granting(granted));
            // Retained messages: not for a shared subscription, and as Retain Handling says.
            let send_retained = shared.is_none() && (rh == 0 || (rh == 1 && !renews));
            granted_filters.push((filter, requested, granted, send_retained, opts.id));
        }
        if v5 {
            let mut ack = crate::proto::v5::SubAck { pid, properties: Properties::default(), reasons: reasons.clone() };
            if reasons.iter().any(|r| r.is_error()) && self.problem_info(client) {
                ack.properties.reason_string = Some("some topic filters were refused: see each reason code".into());
            }
            self.send5(conn, crate::proto::v5::Packet::SubAck(ack));
        } else {
            self.send(conn, Packet::SubAck(SubAck { pid, codes }));
        }
        // A retained message whose expiry has passed is no longer kept [MQTT-3.3.2-5].
        if !granted_filters.is_empty()
            && self.retained.values().any(|r| r.meta.as_ref().is_some_and(|m| m.expired(now)))
        {
            let gone: Vec<Arc<str>> = self
                .retained
                .iter()
                .filter(|(_, r)| r.meta.as_ref().is_some_and(|m| m.expired(now)))
                .map(|(t, _)| t.clone())
                .collect();
            for t in gone {
                if let Some(r) = self.retained.remove(&t) {
                    self.stored -= cost(&r.publish);
                }
            }
        }
        // Retained messages go to each new (or renewed) subscription with RETAIN=1 [MQTT-3.3.1-6]:
        // 5.0 as its Retain Handling says [MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11].
        for (filter, requested, granted, send_retained, id) in granted_filters {
            let mut n = 0;
            if send_retained {
                let mut replay: Vec<(Publish, Option<Arc<Meta>>)> = self
                    .retained
                    .values()
                    .filter(|r| topic::matches(&filter, &r.publish.topic))
                    .map(|r| (r.publish.clone(), r.meta.clone()))
                    .collect();
                if let Some(acl) = &self.config.acl {
                    replay.retain(|p| acl.can_receive(user.as_deref(), client, &p.0.topic));
                }
                replay.sort_by(|a, b| a.0.topic.cmp(&b.0.topic));
                n = replay.len();
                for (p, meta) in replay {
                    let qos = p.qos().min(granted);
                    let ids = id.map(|id| vec![id].into_boxed_slice());
                    self.deliver(client, &p.topic, &p.payload, qos, true, meta.as_ref(), ids, now);
                }
            }
            self.emit(Event::Subscribed { client_id: client.to_string(), filter, requested, granted, retained: n });
        }
    }

    /// Removes one subscription of `client` from the tree or from its shared group.
    fn unsubscribe_filter(&mut self, filter: &str, client: &Arc<str>) -> bool {
        match v5::parse_shared(filter) {
            Some(Ok((group, f))) => {
                let key = v5::shared_key(group, f);
                let Some(g) = self.shared.get_mut(&key) else { return false };
                let before = g.members.len();
                g.members.retain(|m| m.0 != *client);
                let existed = g.members.len() < before;
                if g.members.is_empty() {
                    self.shared.remove(&key);
                    self.subs.remove(f, &key);
                }
                existed
            }
            _ => self.subs.remove(filter, client),
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
            let existed = self.unsubscribe_filter(&filter, client);
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

    fn send5(&mut self, conn: ConnId, p: crate::proto::v5::Packet) {
        self.out.push_back(Output::Send5(conn, Box::new(p)));
    }

    /// PUBACK, PUBREC, PUBREL or PUBCOMP in the connection's protocol (3.1.1 has no reason code).
    fn send_ack(&mut self, conn: ConnId, kind: AckKind, pid: PacketId, reason: ReasonCode) {
        if self.conns.get(&conn).is_some_and(|c| c.v5) {
            use crate::proto::v5::{Ack, Packet as P5};
            let a = Ack { reason, ..Ack::new(pid) };
            self.send5(
                conn,
                match kind {
                    AckKind::PubAck => P5::PubAck(a),
                    AckKind::PubRec => P5::PubRec(a),
                    AckKind::PubRel => P5::PubRel(a),
                    AckKind::PubComp => P5::PubComp(a),
                },
            );
        } else {
            self.send(
                conn,
                match kind {
                    AckKind::PubAck => Packet::PubAck(pid),
                    AckKind::PubRec => Packet::PubRec(pid),
                    AckKind::PubRel => Packet::PubRel(pid),
                    AckKind::PubComp => Packet::PubComp(pid),
                },
            );
        }
    }

    /// A DISCONNECT from the broker to a 5.0 client, with a reason code and a Reason String.
    fn disconnect5(&mut self, conn: ConnId, code: ReasonCode, why: &str) {
        let mut d = crate::proto::v5::Disconnect::new(code);
        d.properties.reason_string = Some(clip(why));
        self.send5(conn, crate::proto::v5::Packet::Disconnect(d));
    }

    /// Whether reason strings may go to this client on packets other than PUBLISH, CONNACK and
    /// DISCONNECT [MQTT-3.1.2-29].
    fn problem_info(&self, client: &Arc<str>) -> bool {
        self.sessions.get(client).and_then(|s| s.link.as_ref()).is_none_or(|l| l.problem_info)
    }

    fn emit(&mut self, e: Event) {
        self.out.push_back(Output::Event(e));
    }

    fn lower_check(&mut self, at: Instant) {
        self.next_check = Some(self.next_check.map_or(at, |n| n.min(at)));
    }
}

/// The acknowledgements of QoS 1 and 2.
#[derive(Debug, Clone, Copy)]
#[allow(clippy::enum_variant_names)]
enum AckKind {
    PubAck,
    PubRec,
    PubRel,
    PubComp,
}

/// What became of a routed PUBLISH, for a 5.0 PUBACK or PUBREC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Delivered,
    NoSubscribers,
    Refused,
}

impl Route {
    fn reason(self) -> ReasonCode {
        match self {
            Route::Delivered => ReasonCode::Success,
            Route::NoSubscribers => ReasonCode::NoMatchingSubscribers,
            Route::Refused => ReasonCode::NotAuthorized,
        }
    }
}

/// Sends one message to a connected session: as 3.1.1, or as 5.0 with its properties, the
/// remaining expiry, its subscription identifiers and a topic alias. With `expire`, a message whose
/// expiry has passed is not sent. Returns whether it was sent: 5.0 drops one larger than the
/// client's Maximum Packet Size [MQTT-3.1.2-24]. Drops are narrated.
#[allow(clippy::too_many_arguments)]
fn transmit(
    out: &mut VecDeque<Output>,
    s: &mut Session,
    conn: ConnId,
    p: Publish,
    meta: Option<&Arc<Meta>>,
    sub_ids: &SubIds,
    expire: bool,
    now: Instant,
) -> bool {
    if expire
        && let Some(m) = meta
        && m.expired(now)
    {
        let after = m.expiry.map_or(0, |e| e.0);
        out.push_back(Output::Event(Event::MessageExpired {
            client_id: s.client_id.to_string(),
            topic: clip(&p.topic),
            after,
        }));
        return false;
    }
    let Some(link) = s.link.as_deref_mut() else {
        out.push_back(Output::Send(conn, Packet::Publish(p)));
        return true;
    };
    v5::transmit5(out, &s.client_id, link, conn, p, meta, sub_ids, now)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests5;

//! The client core, sans-I/O: one MQTT 3.1 / 3.1.1 or 5.0 client and its session — CONNECT and CONNACK,
//! QoS 0, 1 and 2 in both directions (exactly-once bookkeeping for incoming QoS 2), SUBSCRIBE and
//! UNSUBSCRIBE, keep alive with PINGREQ and a ping timeout, redelivery of unacknowledged messages
//! after reconnecting to a stored session, an optional in-session retry, and a freeze switch that
//! behaves like a sketch that stopped calling `loop()`. It is the engine behind the lab's virtual
//! clients; [`Profile::PubSubClient`] makes it behave like Arduino PubSubClient on a NodeMCU.
//!
//! With [`Protocol::V5`] in its [`Options`] it speaks MQTT 5.0 (see [`v5`]): properties on CONNECT,
//! PUBLISH and SUBSCRIBE, the limits the broker's CONNACK sets, topic aliases both ways, reason codes
//! on every acknowledgement, and a DISCONNECT from the broker. Packets go out as [`AnyPacket`]s of
//! the connection's version; packets come in through [`Client::handle`].
//!
//! The runtime tells it what happened, with the time ([`Client::handle_packet`],
//! [`Client::connection_lost`], [`Client::handle_timeout`] no later than [`Client::poll_timeout`]),
//! and what its user asks for ([`Client::connect`], [`Client::publish`], [`Client::subscribe`], ...),
//! and drains [`Client::poll_output`]: packets to send, the connection to close, and narration
//! [`ClientEvent`]s. It builds on `proto` and `i18n` only; it must not depend on tokio, a terminal,
//! the broker, the runtime or the clock.

pub mod error;
pub mod event;
pub mod session;
pub mod v5;

pub use error::ClientError;
pub use event::{
    ClientEvent, DiscardCause, DropReason, MessageProps, ServerProps, Silence, SubResult, Violation, payload_preview,
};
pub use session::{Inflight, Stage, Subscription};
pub use v5::{DisconnectOpts, PublishProps, SubscribeProps, V5Options};

use crate::proto::{
    AnyPacket, ConnAck, Connect, ConnectReturnCode, DecodeError, MAX_REMAINING_LENGTH, Packet, PacketId, PacketType,
    Protocol, Publish, QoS, QosPid, ReasonCode, SubAckCode, Subscribe, Unsubscribe, Will, topic_filter_error,
    validate_topic_name,
};
use bytes::Bytes;
use session::Session;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// PubSubClient's packet buffer (`MQTT_MAX_PACKET_SIZE`), in bytes.
pub const PUBSUBCLIENT_BUFFER_SIZE: usize = 256;
/// PubSubClient's keep alive (`MQTT_KEEPALIVE`), in seconds.
pub const PUBSUBCLIENT_KEEP_ALIVE: u16 = 15;
/// How long PubSubClient's `connect()` waits for CONNACK (`MQTT_SOCKET_TIMEOUT`).
pub const PUBSUBCLIENT_SOCKET_TIMEOUT: Duration = Duration::from_secs(15);
/// The full profile's keep alive, in seconds.
pub const DEFAULT_KEEP_ALIVE: u16 = 60;
/// How long the full profile waits for CONNACK.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest frame MQTT can express: 1 + 4 + 268,435,455 bytes.
const MAX_FRAME: usize = 1 + 4 + MAX_REMAINING_LENGTH;
/// PubSubClient compares `millis()` differences with `>`: it acts one millisecond after the limit.
const MILLI: Duration = Duration::from_millis(1);

/// Which client library the session behaves like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub enum Profile {
    /// A complete MQTT 3.1.1 client: QoS 0, 1 and 2 both ways, PINGREQ after keep alive seconds
    /// with nothing sent, a ping timeout of keep alive seconds.
    #[default]
    Full,
    /// Arduino PubSubClient (knolleary, 2.x): publishes at QoS 0 only, subscribes at QoS 0 or 1,
    /// acknowledges incoming QoS 1 with PUBACK, a 256-byte packet buffer (larger outgoing packets are
    /// refused, larger incoming ones dropped silently), keep alive 15 s, and `loop()`'s keep alive
    /// rule: PINGREQ once nothing was sent *or* received for more than the keep alive, and the
    /// connection closed (state -4) if that happens again with the PINGREQ unanswered.
    ///
    /// Not imitated: PubSubClient's `publish()` reserves 5 header bytes whatever the real header
    /// length, so it already refuses a PUBLISH of 255 or 256 bytes; here the packet's encoded length
    /// is what counts (256 accepted, 257 refused). An incoming QoS 2 PUBLISH (which a broker never
    /// sends it, as it subscribes at QoS 1 at most) is handled as the full profile does.
    PubSubClient,
}

impl Profile {
    /// The largest packet, in bytes, the client sends or accepts (`None`: what MQTT can express).
    pub fn max_packet_size(self) -> Option<usize> {
        match self {
            Profile::Full => None,
            Profile::PubSubClient => Some(PUBSUBCLIENT_BUFFER_SIZE),
        }
    }
    pub fn max_publish_qos(self) -> QoS {
        match self {
            Profile::Full => QoS::ExactlyOnce,
            Profile::PubSubClient => QoS::AtMostOnce,
        }
    }
    pub fn max_subscribe_qos(self) -> QoS {
        match self {
            Profile::Full => QoS::ExactlyOnce,
            Profile::PubSubClient => QoS::AtLeastOnce,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Profile::Full => "MQTT 3.1.1",
            Profile::PubSubClient => "Arduino PubSubClient",
        }
    }
}

/// How the client connects; fixed while a connection is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub client_id: String,
    pub clean_session: bool,
    /// Seconds; 0 turns keep alive off.
    pub keep_alive: u16,
    pub will: Option<Will>,
    pub username: Option<String>,
    pub password: Option<Bytes>,
    pub protocol: Protocol,
    pub profile: Profile,
    /// Resend unacknowledged PUBLISH (DUP=1) and PUBREL after this long on the same connection.
    /// MQTT 3.1.1 requires resending only after reconnecting [MQTT-4.4.0-1]; `None` does just that.
    pub retry_interval: Option<Duration>,
    /// Give up waiting for CONNACK after this long (state -4); `None` waits for ever.
    pub connect_timeout: Option<Duration>,
    /// What a 5.0 CONNECT says besides the 3.1.1 fields (ignored by 3.1 and 3.1.1).
    pub v5: V5Options,
}

impl Options {
    /// A full MQTT 3.1.1 client: clean session, keep alive 60 s, CONNACK timeout 30 s, no retry.
    pub fn new(client_id: impl Into<String>) -> Options {
        Options {
            client_id: client_id.into(),
            clean_session: true,
            keep_alive: DEFAULT_KEEP_ALIVE,
            will: None,
            username: None,
            password: None,
            protocol: Protocol::V311,
            profile: Profile::Full,
            retry_interval: None,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            v5: V5Options::default(),
        }
    }

    /// A full MQTT 5.0 client with the defaults of [`new`](Self::new): Clean Start, keep alive 60 s,
    /// no properties (so a Session Expiry Interval of 0: the session ends with the connection).
    pub fn v5(client_id: impl Into<String>) -> Options {
        Options { protocol: Protocol::V5, ..Options::new(client_id) }
    }

    /// Whether the client speaks MQTT 5.0.
    pub fn is_v5(&self) -> bool {
        self.protocol == Protocol::V5
    }

    /// What PubSubClient's `connect(id)` sends: MQTT 3.1.1, clean session, keep alive 15 s, and a
    /// 15 s wait for CONNACK.
    pub fn pubsubclient(client_id: impl Into<String>) -> Options {
        Options {
            keep_alive: PUBSUBCLIENT_KEEP_ALIVE,
            profile: Profile::PubSubClient,
            connect_timeout: Some(PUBSUBCLIENT_SOCKET_TIMEOUT),
            ..Options::new(client_id)
        }
    }

    /// The CONNECT these options make.
    pub fn to_connect(&self) -> Connect {
        Connect {
            protocol: self.protocol,
            clean_session: self.clean_session,
            keep_alive: self.keep_alive,
            client_id: self.client_id.clone(),
            will: self.will.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
        }
    }

    /// The CONNECT these options make, in the version they speak.
    pub fn connect_packet(&self) -> AnyPacket {
        if self.is_v5() {
            AnyPacket::V5(crate::proto::v5::Packet::Connect(Box::new(self.to_connect5())))
        } else {
            AnyPacket::V3(Packet::Connect(Box::new(self.to_connect())))
        }
    }
}

/// The constant PubSubClient names a `state()` code by (`-2` → `MQTT_CONNECT_FAILED`).
pub fn pubsub_state_name(code: i8) -> Option<&'static str> {
    Some(match code {
        -4 => "MQTT_CONNECTION_TIMEOUT",
        -3 => "MQTT_CONNECTION_LOST",
        -2 => "MQTT_CONNECT_FAILED",
        -1 => "MQTT_DISCONNECTED",
        0 => "MQTT_CONNECTED",
        1 => "MQTT_CONNECT_BAD_PROTOCOL",
        2 => "MQTT_CONNECT_BAD_CLIENT_ID",
        3 => "MQTT_CONNECT_UNAVAILABLE",
        4 => "MQTT_CONNECT_BAD_CREDENTIALS",
        5 => "MQTT_CONNECT_UNAUTHORIZED",
        _ => return None,
    })
}

/// Where the client's connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub enum State {
    /// Never connected, or said DISCONNECT.
    #[default]
    Disconnected,
    /// CONNECT sent, waiting for CONNACK.
    Connecting,
    /// CONNACK 0 received.
    Connected,
    /// CONNACK 1–5 received.
    Refused(ConnectReturnCode),
    /// A 5.0 CONNACK with a reason code of 0x80 or above.
    Refused5(ReasonCode),
    /// The broker sent a 5.0 DISCONNECT with this reason code, and closed.
    DisconnectedByServer(ReasonCode),
    /// The network connection could not be opened.
    ConnectFailed,
    /// The connection died, or the client closed it because the server broke the protocol.
    ConnectionLost,
    /// No CONNACK, or no PINGRESP, in time.
    TimedOut,
}

impl State {
    /// PubSubClient's `state()`: -4 MQTT_CONNECTION_TIMEOUT, -3 MQTT_CONNECTION_LOST,
    /// -2 MQTT_CONNECT_FAILED, -1 MQTT_DISCONNECTED, 0 MQTT_CONNECTED, 1–5 the CONNACK refusal code.
    /// Connecting is -1: `connect()` blocks in PubSubClient, so a sketch never sees it.
    pub fn pubsub_code(self) -> i8 {
        match self {
            State::TimedOut => -4,
            State::ConnectionLost => -3,
            State::ConnectFailed => -2,
            State::Disconnected | State::Connecting => -1,
            State::Connected => 0,
            State::Refused(code) => code as i8,
            State::Refused5(reason) => v5::pubsub_code(reason),
            State::DisconnectedByServer(_) => -1,
        }
    }
    /// PubSubClient's name for [`pubsub_code`](Self::pubsub_code).
    pub fn pubsub_name(self) -> &'static str {
        pubsub_state_name(self.pubsub_code()).unwrap_or("MQTT_CONNECT_UNAUTHORIZED")
    }
    /// Connecting or connected: a network connection is open.
    pub fn is_open(self) -> bool {
        matches!(self, State::Connecting | State::Connected)
    }
}

/// What the runtime must do. A 5.0 packet makes `Send` the largest by far; outputs are drained at
/// once, so it is not boxed (like [`AnyPacket`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum Output {
    /// Send this packet: a 3.1 / 3.1.1 one on such a connection, a 5.0 one on a 5.0 connection.
    Send(AnyPacket),
    /// Send what is queued, then close the connection.
    Close,
    Event(ClientEvent),
}

/// One MQTT client.
#[derive(Debug)]
pub struct Client {
    opts: Options,
    state: State,
    session: Session,
    out: VecDeque<Output>,
    frozen: bool,
    /// Packets that arrived while frozen, unprocessed.
    inbox: VecDeque<AnyPacket>,
    connect_sent: Option<Instant>,
    last_sent: Option<Instant>,
    last_received: Option<Instant>,
    /// PubSubClient's `lastInActivity`: the last packet processed, or the last PINGREQ sent.
    last_in_activity: Option<Instant>,
    /// When the outstanding PINGREQ was sent.
    ping_sent: Option<Instant>,
    /// The keep alive in force: the options', or the broker's Server Keep Alive (5.0).
    keep_alive: u16,
    /// 5.0: the Session Expiry Interval in force (the CONNECT's, the CONNACK's, then the DISCONNECT's).
    session_expiry: u32,
    /// 5.0: what the broker's CONNACK allows on this connection.
    limits: v5::Limits,
    /// 5.0: topic aliases the broker set on this connection.
    aliases_in: BTreeMap<u16, std::sync::Arc<str>>,
    /// 5.0: the topic aliases this client set on this connection.
    aliases_out: v5::OutAliases,
}

impl Client {
    pub fn new(opts: Options) -> Client {
        Client {
            keep_alive: opts.keep_alive,
            session_expiry: opts.v5.session_expiry.unwrap_or(0),
            limits: v5::Limits::default(),
            aliases_in: BTreeMap::new(),
            aliases_out: v5::OutAliases::default(),
            opts,
            state: State::Disconnected,
            session: Session::default(),
            out: VecDeque::new(),
            frozen: false,
            inbox: VecDeque::new(),
            connect_sent: None,
            last_sent: None,
            last_received: None,
            last_in_activity: None,
            ping_sent: None,
        }
    }

    // ---- requests of the user -------------------------------------------------------------------

    /// Queues CONNECT; the state becomes [`State::Connecting`]. With clean session = 1 any session
    /// state left from before is dropped first.
    pub fn connect(&mut self, now: Instant) -> Result<(), ClientError> {
        if self.frozen {
            return Err(ClientError::Frozen);
        }
        if self.state.is_open() {
            return Err(ClientError::AlreadyConnected);
        }
        let o = &self.opts;
        let strings = [
            Some(o.client_id.len()),
            o.will.as_ref().map(|w| w.topic.len()),
            o.will.as_ref().map(|w| w.message.len()),
            o.username.as_ref().map(String::len),
            o.password.as_ref().map(Bytes::len),
        ];
        for len in strings.into_iter().flatten() {
            check_str(len)?;
        }
        for (k, v) in &o.v5.user_properties {
            check_str(k.len())?;
            check_str(v.len())?;
        }
        let packet = self.opts.connect_packet();
        self.check_size(&packet)?;
        if self.opts.clean_session {
            let cause = if self.opts.is_v5() { DiscardCause::CleanStart } else { DiscardCause::CleanSession };
            self.discard_session(cause);
        }
        self.keep_alive = self.opts.keep_alive;
        self.session_expiry = self.opts.v5.session_expiry.unwrap_or(0);
        self.limits = v5::Limits::default();
        self.aliases_in.clear();
        self.aliases_out = v5::OutAliases::default();
        self.state = State::Connecting;
        self.connect_sent = Some(now);
        self.last_in_activity = Some(now);
        self.ping_sent = None;
        self.send(packet, now);
        Ok(())
    }

    /// Publishes to a valid topic name. QoS 0 is sent and forgotten (`Ok(None)`); QoS 1 and 2 get a
    /// packet id and stay in flight until acknowledged.
    pub fn publish(
        &mut self,
        topic: &str,
        payload: Bytes,
        qos: QoS,
        retain: bool,
        now: Instant,
    ) -> Result<Option<PacketId>, ClientError> {
        self.publish_with(topic, payload, qos, retain, &PublishProps::default(), now)
    }

    /// [`publish`](Self::publish) with the properties of a 5.0 PUBLISH (and, with
    /// [`PublishProps::alias`], a topic alias). A 3.1 / 3.1.1 client refuses any property.
    pub fn publish_with(
        &mut self,
        topic: &str,
        payload: Bytes,
        qos: QoS,
        retain: bool,
        props: &PublishProps,
        now: Instant,
    ) -> Result<Option<PacketId>, ClientError> {
        self.check_ready()?;
        if let Err(kind) = validate_topic_name(topic) {
            let rule = DecodeError::new(0, kind).rule().unwrap_or("§4.7.3");
            return Err(ClientError::InvalidTopic { topic: topic.to_string(), rule });
        }
        self.publish_inner(topic, payload, qos, retain, props, now)
    }

    /// Like [`publish`](Self::publish) but sends a topic name with wildcards or an empty one, for the
    /// lessons that show what the broker does with it.
    pub fn publish_unchecked(
        &mut self,
        topic: &str,
        payload: Bytes,
        qos: QoS,
        retain: bool,
        now: Instant,
    ) -> Result<Option<PacketId>, ClientError> {
        self.publish_unchecked_with(topic, payload, qos, retain, &PublishProps::default(), now)
    }

    /// [`publish_unchecked`](Self::publish_unchecked) with 5.0 properties.
    pub fn publish_unchecked_with(
        &mut self,
        topic: &str,
        payload: Bytes,
        qos: QoS,
        retain: bool,
        props: &PublishProps,
        now: Instant,
    ) -> Result<Option<PacketId>, ClientError> {
        self.check_ready()?;
        self.publish_inner(topic, payload, qos, retain, props, now)
    }

    /// Subscribes to valid topic filters; the SUBSCRIBE's packet id is returned.
    pub fn subscribe(&mut self, filters: Vec<(String, QoS)>, now: Instant) -> Result<PacketId, ClientError> {
        self.check_ready()?;
        if filters.is_empty() {
            return Err(ClientError::NoFilters { unsubscribe: false });
        }
        if let Some((filter, rule)) = filters.iter().find_map(|(f, _)| topic_filter_error(f).map(|r| (f, r))) {
            return Err(ClientError::InvalidFilter { filter: filter.clone(), rule });
        }
        self.subscribe_inner(filters, &SubscribeProps::default(), now)
    }

    /// Like [`subscribe`](Self::subscribe) but sends invalid filters (and an empty list) as they are,
    /// for the lessons that show what the broker answers.
    pub fn subscribe_unchecked(&mut self, filters: Vec<(String, QoS)>, now: Instant) -> Result<PacketId, ClientError> {
        self.subscribe_unchecked_with(filters, &SubscribeProps::default(), now)
    }

    /// [`subscribe_unchecked`](Self::subscribe_unchecked) with the subscription options and the
    /// Subscription Identifier of a 5.0 SUBSCRIBE (refused by a 3.1 / 3.1.1 client).
    pub fn subscribe_unchecked_with(
        &mut self,
        filters: Vec<(String, QoS)>,
        props: &SubscribeProps,
        now: Instant,
    ) -> Result<PacketId, ClientError> {
        self.check_ready()?;
        self.subscribe_inner(filters, props, now)
    }

    /// Unsubscribes from valid topic filters (compared letter by letter by the broker).
    pub fn unsubscribe(&mut self, filters: Vec<String>, now: Instant) -> Result<PacketId, ClientError> {
        self.check_ready()?;
        if filters.is_empty() {
            return Err(ClientError::NoFilters { unsubscribe: true });
        }
        if let Some((filter, rule)) = filters.iter().find_map(|f| topic_filter_error(f).map(|r| (f, r))) {
            return Err(ClientError::InvalidFilter { filter: filter.clone(), rule });
        }
        self.unsubscribe_inner(filters, now)
    }

    /// Like [`unsubscribe`](Self::unsubscribe) without checking the filters.
    pub fn unsubscribe_unchecked(&mut self, filters: Vec<String>, now: Instant) -> Result<PacketId, ClientError> {
        self.check_ready()?;
        self.unsubscribe_inner(filters, now)
    }

    /// Says goodbye: DISCONNECT, then close. The broker discards the will. A persistent session's
    /// unacknowledged messages are kept for the next connection. Does nothing without a connection.
    pub fn disconnect(&mut self, now: Instant) {
        let _ = self.disconnect_with(&DisconnectOpts::default(), now);
    }

    /// Stops processing, like a sketch that no longer calls `loop()`: [`handle_timeout`] sends
    /// nothing, incoming packets wait unprocessed, requests are refused with [`ClientError::Frozen`].
    ///
    /// [`handle_timeout`]: Self::handle_timeout
    pub fn freeze(&mut self) {
        if !self.frozen {
            self.frozen = true;
            self.emit(ClientEvent::Frozen);
        }
    }

    /// Runs again: the buffered packets are processed in order, at `now`. With the PubSubClient
    /// profile the keep alive is checked first, as `loop()` does: a PINGREQ left unanswered past the
    /// keep alive closes the connection (state -4) even if its PINGRESP sits in the buffer.
    pub fn thaw(&mut self, now: Instant) {
        if !self.frozen {
            return;
        }
        self.frozen = false;
        self.emit(ClientEvent::Thawed { buffered: self.inbox.len() });
        if self.opts.profile == Profile::PubSubClient && self.state == State::Connected {
            self.check_keep_alive(now);
        }
        while let Some(p) = self.inbox.pop_front() {
            self.process(p, now);
        }
    }

    /// Replaces the options, for the next connection. Refused while a connection is open. A new client
    /// id drops the session state of the old one.
    pub fn set_options(&mut self, opts: Options) -> Result<(), ClientError> {
        if self.state.is_open() {
            return Err(ClientError::AlreadyConnected);
        }
        if opts.client_id != self.opts.client_id || opts.is_v5() != self.opts.is_v5() {
            self.discard_session(DiscardCause::NewClientId);
        }
        self.keep_alive = opts.keep_alive;
        self.opts = opts;
        Ok(())
    }

    // ---- what happened on the wire --------------------------------------------------------------

    /// A whole, well-formed 3.1 / 3.1.1 packet arrived from the server.
    pub fn handle_packet(&mut self, packet: Packet, now: Instant) {
        self.handle(AnyPacket::V3(packet), now);
    }

    /// A whole, well-formed 5.0 packet arrived from the server.
    pub fn handle_packet5(&mut self, packet: crate::proto::v5::Packet, now: Instant) {
        self.handle(AnyPacket::V5(packet), now);
    }

    /// A whole, well-formed packet arrived from the server, decoded in the connection's version (a
    /// 5.0 client can get the 3.1.1 CONNACK of a broker that does not speak 5.0: see
    /// [`proto::frame_version`](crate::proto::frame_version)).
    pub fn handle(&mut self, packet: AnyPacket, now: Instant) {
        if self.frozen {
            self.inbox.push_back(packet);
        } else {
            self.process(packet, now);
        }
    }

    /// The network connection died (or was cut) without DISCONNECT: state -3. Packets still queued
    /// for it are dropped. A persistent session's unacknowledged messages are kept and resent after
    /// the next CONNACK with session present = 1; with clean session = 1 they are gone.
    pub fn connection_lost(&mut self, now: Instant) {
        let _ = now;
        if !self.state.is_open() {
            return;
        }
        self.out.retain(|o| matches!(o, Output::Event(_)));
        self.emit(ClientEvent::ConnectionLost);
        self.state = State::ConnectionLost;
        self.end_connection();
    }

    /// The network connection could not be opened after [`connect`](Self::connect): state -2.
    pub fn connect_failed(&mut self, now: Instant) {
        let _ = now;
        if self.state != State::Connecting {
            return;
        }
        self.out.retain(|o| matches!(o, Output::Event(_)));
        self.emit(ClientEvent::ConnectFailed);
        self.state = State::ConnectFailed;
        self.end_connection();
    }

    /// Keep alive, CONNACK timeout and retries; call no later than [`poll_timeout`](Self::poll_timeout).
    /// Does nothing while frozen.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.frozen {
            return;
        }
        match self.state {
            State::Connecting => {
                if let (Some(sent), Some(limit)) = (self.connect_sent, self.opts.connect_timeout)
                    && now >= sent + limit
                {
                    self.emit(ClientEvent::ConnectTimeout { waited: now.saturating_duration_since(sent) });
                    self.close(State::TimedOut);
                }
            }
            State::Connected => {
                self.check_keep_alive(now);
                if self.state == State::Connected {
                    self.retry(now);
                }
            }
            _ => {}
        }
    }

    /// The earliest time [`handle_timeout`](Self::handle_timeout) has work to do (`None` while frozen).
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.frozen {
            return None;
        }
        match self.state {
            State::Connecting => self.connect_sent.zip(self.opts.connect_timeout).map(|(t, d)| t + d),
            State::Connected => {
                let retry =
                    self.opts.retry_interval.and_then(|d| self.session.inflight.iter().map(|m| m.sent_at + d).min());
                [self.keep_alive_deadline(), retry].into_iter().flatten().min()
            }
            _ => None,
        }
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// Whether [`poll_output`](Self::poll_output) has something.
    pub fn has_output(&self) -> bool {
        !self.out.is_empty()
    }

    // ---- views for the lab ----------------------------------------------------------------------

    pub fn state(&self) -> State {
        self.state
    }
    /// PubSubClient's `state()` code for the current state.
    pub fn pubsub_state(&self) -> i8 {
        self.state.pubsub_code()
    }
    pub fn options(&self) -> &Options {
        &self.opts
    }
    /// The keep alive in force, in seconds: the options', or the broker's Server Keep Alive (5.0).
    pub fn keep_alive(&self) -> u16 {
        self.keep_alive
    }
    /// 5.0: the Session Expiry Interval in force, in seconds.
    pub fn session_expiry(&self) -> u32 {
        self.session_expiry
    }
    /// 5.0: what the broker's CONNACK allows on this connection.
    pub fn limits(&self) -> &v5::Limits {
        &self.limits
    }
    pub fn is_frozen(&self) -> bool {
        self.frozen
    }
    /// Packets waiting unprocessed because the client is frozen.
    pub fn buffered(&self) -> usize {
        self.inbox.len()
    }
    /// Topic filters with their granted QoS and pending SUBSCRIBE / UNSUBSCRIBE, sorted by filter.
    pub fn subscriptions(&self) -> impl Iterator<Item = (&str, &Subscription)> {
        self.session.subscriptions.iter().map(|(f, s)| (f.as_str(), s))
    }
    /// Outgoing QoS 1 and 2 messages not yet fully acknowledged, oldest first.
    pub fn inflight(&self) -> impl Iterator<Item = &Inflight> {
        self.session.inflight.iter()
    }
    /// The ids of [`inflight`](Self::inflight) with their stage.
    pub fn inflight_ids(&self) -> Vec<(PacketId, Stage)> {
        self.session.inflight.iter().map(|m| (m.pid(), m.stage)).collect()
    }
    /// Ids of incoming QoS 2 messages delivered and answered with PUBREC, awaiting PUBREL.
    pub fn awaiting_pubrel(&self) -> impl Iterator<Item = PacketId> + '_ {
        self.session.awaiting_pubrel.iter().copied()
    }
    pub fn last_sent(&self) -> Option<Instant> {
        self.last_sent
    }
    /// When the last packet was processed (a dropped or buffered one does not count).
    pub fn last_received(&self) -> Option<Instant> {
        self.last_received
    }
    /// When the PINGREQ still waiting for its PINGRESP was sent.
    pub fn ping_outstanding(&self) -> Option<Instant> {
        self.ping_sent
    }

    // ---- incoming packets -----------------------------------------------------------------------

    fn process(&mut self, packet: AnyPacket, now: Instant) {
        let packet = match packet {
            AnyPacket::V3(p) => p,
            AnyPacket::V5(p) => return self.process5(p, now),
        };
        let ptype = packet.packet_type();
        if !self.state.is_open() {
            self.emit(ClientEvent::Dropped { packet: ptype, reason: DropReason::NotConnected });
            return;
        }
        if let Some(max) = self.opts.profile.max_packet_size() {
            let size = packet.encoded_len();
            if size > max {
                // PubSubClient reads the packet to its end and ignores it; it does not count as activity.
                self.emit(ClientEvent::Dropped { packet: ptype, reason: DropReason::TooLarge { size, max } });
                return;
            }
        }
        self.last_received = Some(now);
        self.last_in_activity = Some(now);
        if self.state == State::Connecting {
            match packet {
                Packet::ConnAck(a) => self.on_connack(a, now),
                _ => self.violation(ptype, Violation::NotConnAckFirst),
            }
            return;
        }
        match packet {
            Packet::ConnAck(_) => self.violation(ptype, Violation::SecondConnAck),
            Packet::Publish(p) => self.on_publish(p, now),
            Packet::PubAck(pid) => self.on_puback(pid, ReasonCode::Success, None),
            Packet::PubRec(pid) => self.on_pubrec(pid, ReasonCode::Success, None, now),
            Packet::PubRel(pid) => {
                let known = self.session.awaiting_pubrel.remove(&pid);
                self.emit(ClientEvent::Released { pid, known });
                self.send3(Packet::PubComp(pid), now);
            }
            Packet::PubComp(pid) => self.on_pubcomp(pid, ReasonCode::Success, None),
            Packet::SubAck(s) => {
                let codes = s.codes.iter().map(|c| (sub_code_qos(*c), None)).collect();
                self.on_suback(s.pid, codes)
            }
            Packet::UnsubAck(pid) => self.on_unsuback(pid, Vec::new()),
            Packet::PingResp => match self.ping_sent.take() {
                Some(sent) => self.emit(ClientEvent::PingResponse { rtt: now.saturating_duration_since(sent) }),
                None => self.emit(ClientEvent::UnexpectedPingResp),
            },
            Packet::Connect(_)
            | Packet::Subscribe(_)
            | Packet::Unsubscribe(_)
            | Packet::PingReq
            | Packet::Disconnect => self.violation(ptype, Violation::ClientOnlyPacket),
        }
    }

    fn on_connack(&mut self, a: ConnAck, now: Instant) {
        if a.code != ConnectReturnCode::Accepted {
            self.emit(ClientEvent::Refused { code: a.code });
            self.close(State::Refused(a.code));
            return;
        }
        if a.session_present && self.opts.clean_session {
            self.violation(PacketType::ConnAck, Violation::SessionPresentWithCleanSession);
            return;
        }
        self.state = State::Connected;
        self.connect_sent = None;
        self.ping_sent = None;
        // PubSubClient sets its counter to 1 on every successful connect() and counts up before
        // use: the first SUBSCRIBE after each connect carries id 2.
        if self.opts.profile == Profile::PubSubClient {
            self.session.last_pid = 1;
        }
        self.emit(ClientEvent::Connected { session_present: a.session_present });
        self.session_continues(a.session_present, now);
    }

    /// After an accepting CONNACK: the session the server has is continued, or ours is dropped.
    fn session_continues(&mut self, session_present: bool, now: Instant) {
        if !session_present {
            self.discard_session(DiscardCause::NoSessionOnServer);
            return;
        }
        // Resend what is unacknowledged with the original ids, oldest first [MQTT-4.4.0-1].
        let resend: Vec<(PacketId, bool, AnyPacket)> = self
            .session
            .inflight
            .iter_mut()
            .map(|m| {
                m.sent_at = now;
                m.sends += 1;
                (m.pid(), m.stage == Stage::AwaitingPubComp, resend_packet(m))
            })
            .collect();
        for (pid, pubrel, p) in resend {
            self.emit(ClientEvent::Resent { pid, pubrel, reconnect: true });
            self.send(p, now);
        }
    }

    fn on_publish(&mut self, p: Publish, now: Instant) {
        self.deliver(p, None, now)
    }

    /// An incoming application message (its topic already resolved from an alias): delivered once,
    /// and acknowledged.
    fn deliver(&mut self, p: Publish, props: Option<Box<MessageProps>>, now: Instant) {
        let pid = p.qos_pid.pid();
        let deliver = match p.qos_pid {
            QosPid::ExactlyOnce(id) => self.session.awaiting_pubrel.insert(id),
            _ => true,
        };
        if deliver {
            self.emit(ClientEvent::Message {
                topic: p.topic.to_string(),
                payload: p.payload,
                qos: p.qos_pid.qos(),
                retain: p.retain,
                dup: p.dup,
                pid,
                props,
            });
        }
        match p.qos_pid {
            QosPid::AtMostOnce => {}
            QosPid::AtLeastOnce(id) => self.send_ack(PacketType::PubAck, id, ReasonCode::Success, now),
            QosPid::ExactlyOnce(id) => {
                if !deliver {
                    self.emit(ClientEvent::DuplicateQos2 { pid: id });
                }
                self.send_ack(PacketType::PubRec, id, ReasonCode::Success, now);
            }
        }
    }

    /// PUBACK (or, in 5.0, PUBACK with a reason code) for our QoS 1 message.
    fn on_puback(&mut self, pid: PacketId, reason: ReasonCode, reason_string: Option<String>) {
        let Some(i) = self.find_inflight(pid, Stage::AwaitingPubAck) else {
            self.emit(ClientEvent::UnexpectedAck { packet: PacketType::PubAck, pid });
            return;
        };
        self.session.inflight.remove(i);
        if reason.is_error() {
            self.emit(ClientEvent::PubRefused { packet: PacketType::PubAck, pid, reason, reason_string });
            return;
        }
        if reason == ReasonCode::NoMatchingSubscribers {
            self.emit(ClientEvent::NoMatchingSubscribers { packet: PacketType::PubAck, pid });
        }
        self.emit(ClientEvent::PubAcked { pid });
    }

    fn on_pubrec(&mut self, pid: PacketId, reason: ReasonCode, reason_string: Option<String>, now: Instant) {
        let i =
            self.find_inflight(pid, Stage::AwaitingPubRec).or_else(|| self.find_inflight(pid, Stage::AwaitingPubComp));
        let Some(i) = i else {
            self.emit(ClientEvent::UnexpectedAck { packet: PacketType::PubRec, pid });
            return;
        };
        if reason.is_error() {
            // The exchange ends here: no PUBREL follows a failing PUBREC (§4.3.3).
            self.session.inflight.remove(i);
            self.emit(ClientEvent::PubRefused { packet: PacketType::PubRec, pid, reason, reason_string });
            return;
        }
        if reason == ReasonCode::NoMatchingSubscribers {
            self.emit(ClientEvent::NoMatchingSubscribers { packet: PacketType::PubRec, pid });
        }
        let m = &mut self.session.inflight[i];
        if m.stage == Stage::AwaitingPubRec {
            m.stage = Stage::AwaitingPubComp;
            m.sends = 0;
        }
        // A repeated PUBREC is answered with PUBREL again.
        m.sent_at = now;
        m.sends += 1;
        self.emit(ClientEvent::PubReceived { pid });
        self.send_ack(PacketType::PubRel, pid, ReasonCode::Success, now);
    }

    fn on_pubcomp(&mut self, pid: PacketId, reason: ReasonCode, reason_string: Option<String>) {
        let Some(i) = self.find_inflight(pid, Stage::AwaitingPubComp) else {
            self.emit(ClientEvent::UnexpectedAck { packet: PacketType::PubComp, pid });
            return;
        };
        self.session.inflight.remove(i);
        if reason.is_error() {
            self.emit(ClientEvent::PubRefused { packet: PacketType::PubComp, pid, reason, reason_string });
        } else {
            self.emit(ClientEvent::PubCompleted { pid });
        }
    }

    /// SUBACK: for each filter the granted QoS, or (`None`) the failure with its 5.0 reason code.
    fn on_suback(&mut self, pid: PacketId, codes: Vec<(Option<QoS>, Option<ReasonCode>)>) {
        let Some(filters) = self.session.pending_subs.remove(&pid) else {
            self.emit(ClientEvent::UnexpectedAck { packet: PacketType::SubAck, pid });
            return;
        };
        if filters.len() != codes.len() {
            let v = Violation::SubAckCodeCount { filters: filters.len(), codes: codes.len() };
            self.violation(PacketType::SubAck, v);
            return;
        }
        let mut results = Vec::with_capacity(filters.len());
        for ((filter, requested), (granted, reason)) in filters.into_iter().zip(codes) {
            if let Some(s) = self.session.subscriptions.get_mut(&filter)
                && s.pending.is_some_and(|(p, _)| p == pid)
            {
                s.pending = None;
                if granted.is_some() {
                    s.granted = granted;
                }
                // A refused filter keeps an earlier grant; one never granted is no subscription.
                if s.granted.is_none() && s.pending.is_none() && s.unsubscribing.is_none() {
                    self.session.subscriptions.remove(&filter);
                }
            }
            results.push(SubResult { filter, requested, granted, reason });
        }
        self.emit(ClientEvent::Subscribed { pid, results });
    }

    /// UNSUBACK; `reasons` are a 5.0 UNSUBACK's, one per filter (empty for 3.1.1). A filter whose
    /// reason code is 0x80 or above stays subscribed.
    fn on_unsuback(&mut self, pid: PacketId, reasons: Vec<ReasonCode>) {
        let Some(filters) = self.session.pending_unsubs.remove(&pid) else {
            self.emit(ClientEvent::UnexpectedAck { packet: PacketType::UnsubAck, pid });
            return;
        };
        if !reasons.is_empty() && reasons.len() != filters.len() {
            let v = Violation::UnsubAckCodeCount { filters: filters.len(), codes: reasons.len() };
            self.violation(PacketType::UnsubAck, v);
            return;
        }
        for (i, f) in filters.iter().enumerate() {
            let failed = reasons.get(i).is_some_and(|r| r.is_error());
            if let Some(s) = self.session.subscriptions.get_mut(f)
                && s.unsubscribing == Some(pid)
            {
                s.unsubscribing = None;
                if !failed {
                    s.granted = None;
                    if s.pending.is_none() {
                        self.session.subscriptions.remove(f);
                    }
                }
            }
        }
        self.emit(ClientEvent::Unsubscribed { pid, filters, reasons });
    }

    // ---- timers ---------------------------------------------------------------------------------

    fn keep_alive_deadline(&self) -> Option<Instant> {
        if self.keep_alive == 0 {
            return None;
        }
        let ka = Duration::from_secs(self.keep_alive.into());
        let last_sent = self.last_sent?;
        match self.opts.profile {
            Profile::Full => Some(self.ping_sent.unwrap_or(last_sent) + ka),
            Profile::PubSubClient => {
                let last_in = self.last_in_activity.unwrap_or(last_sent);
                Some(last_sent.min(last_in) + ka + MILLI)
            }
        }
    }

    fn check_keep_alive(&mut self, now: Instant) {
        let keep_alive = self.keep_alive;
        if keep_alive == 0 {
            return;
        }
        let ka = Duration::from_secs(keep_alive.into());
        let last_sent = self.last_sent.unwrap_or(now);
        match self.opts.profile {
            Profile::Full => {
                // Send PINGREQ when nothing was sent for the keep alive [MQTT-3.1.2-23]; close when its
                // PINGRESP does not come within the keep alive.
                if let Some(sent) = self.ping_sent {
                    if now >= sent + ka {
                        self.ping_timeout(sent, now);
                    }
                } else if now >= last_sent + ka {
                    self.ping(Silence::Outbound, now);
                }
            }
            Profile::PubSubClient => {
                // loop(): `t - lastInActivity > keepAlive || t - lastOutActivity > keepAlive`, in ms.
                let last_in = self.last_in_activity.unwrap_or(last_sent);
                let out_idle = now >= last_sent + ka + MILLI;
                let in_idle = now >= last_in + ka + MILLI;
                if !(out_idle || in_idle) {
                    return;
                }
                if let Some(sent) = self.ping_sent {
                    self.ping_timeout(sent, now);
                } else {
                    self.last_in_activity = Some(now);
                    self.ping(if out_idle { Silence::Outbound } else { Silence::Inbound }, now);
                }
            }
        }
    }

    fn ping(&mut self, silence: Silence, now: Instant) {
        self.emit(ClientEvent::KeepAlivePing { keep_alive: self.keep_alive, silence });
        let ping = if self.opts.is_v5() {
            AnyPacket::V5(crate::proto::v5::Packet::PingReq)
        } else {
            AnyPacket::V3(Packet::PingReq)
        };
        self.send(ping, now);
        self.ping_sent = Some(now);
    }

    fn ping_timeout(&mut self, sent: Instant, now: Instant) {
        let waited = now.saturating_duration_since(sent);
        self.emit(ClientEvent::PingTimeout { keep_alive: self.keep_alive, waited });
        self.close(State::TimedOut);
    }

    fn retry(&mut self, now: Instant) {
        let Some(every) = self.opts.retry_interval else { return };
        let due: Vec<(PacketId, bool, AnyPacket)> = self
            .session
            .inflight
            .iter_mut()
            .filter(|m| now >= m.sent_at + every)
            .map(|m| {
                m.sent_at = now;
                m.sends += 1;
                (m.pid(), m.stage == Stage::AwaitingPubComp, resend_packet(m))
            })
            .collect();
        for (pid, pubrel, p) in due {
            self.emit(ClientEvent::Resent { pid, pubrel, reconnect: false });
            self.send(p, now);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    fn check_ready(&self) -> Result<(), ClientError> {
        if self.frozen {
            Err(ClientError::Frozen)
        } else if self.state != State::Connected {
            Err(ClientError::NotConnected)
        } else {
            Ok(())
        }
    }

    fn check_size(&self, packet: &AnyPacket) -> Result<(), ClientError> {
        let max = self.opts.profile.max_packet_size().unwrap_or(MAX_FRAME);
        let size = packet.encoded_len();
        let ptype = match packet {
            AnyPacket::V3(p) => p.packet_type(),
            AnyPacket::V5(p) => p.packet_type().v3().unwrap_or(PacketType::Connect),
        };
        if size > max {
            return Err(ClientError::PacketTooLarge { packet: ptype, size, max });
        }
        if let Some(max) = self.limits.maximum_packet_size
            && size > max as usize
        {
            return Err(ClientError::TooLargeForBroker { packet: ptype, size, max: max as usize });
        }
        Ok(())
    }

    fn publish_inner(
        &mut self,
        topic: &str,
        payload: Bytes,
        qos: QoS,
        retain: bool,
        props: &PublishProps,
        now: Instant,
    ) -> Result<Option<PacketId>, ClientError> {
        check_str(topic.len())?;
        let max = self.opts.profile.max_publish_qos();
        if qos > max {
            return Err(ClientError::QosNotSupported { qos, max, subscribe: false });
        }
        let v5 = self.opts.is_v5();
        if !v5 && let Some(what) = props.first_property() {
            return Err(ClientError::NeedsV5 { what });
        }
        if v5 {
            self.check_publish5(qos, retain, props)?;
        }
        let pid = match qos {
            QoS::AtMostOnce => None,
            _ => Some(self.session.next_free_pid().ok_or(ClientError::NoPacketIds)?),
        };
        let qos_pid = pid.map_or(QosPid::AtMostOnce, |id| QosPid::from_qos(qos, id));
        let publish = Publish { dup: false, qos_pid, retain, topic: Arc::from(topic), payload };
        let properties = v5.then(|| Box::new(props.properties()));
        let (packet, alias) = match &properties {
            None => (AnyPacket::V3(Packet::Publish(publish.clone())), None),
            Some(p) => self.publish5_packet(&publish, p, props.alias)?,
        };
        self.check_size(&packet)?;
        if let Some((alias, topic)) = alias {
            self.aliases_out.set(alias, topic);
        }
        if let Some(id) = pid {
            self.session.use_pid(id);
            let stage = if qos == QoS::AtLeastOnce { Stage::AwaitingPubAck } else { Stage::AwaitingPubRec };
            self.session.inflight.push_back(Inflight { publish, properties, stage, sent_at: now, sends: 1 });
        }
        self.send(packet, now);
        Ok(pid)
    }

    fn subscribe_inner(
        &mut self,
        filters: Vec<(String, QoS)>,
        props: &SubscribeProps,
        now: Instant,
    ) -> Result<PacketId, ClientError> {
        let max = self.opts.profile.max_subscribe_qos();
        for (f, q) in &filters {
            check_str(f.len())?;
            if *q > max {
                return Err(ClientError::QosNotSupported { qos: *q, max, subscribe: true });
            }
        }
        let v5 = self.opts.is_v5();
        if !v5 && let Some(what) = props.first_option() {
            return Err(ClientError::NeedsV5 { what });
        }
        let pid = self.session.next_free_pid().ok_or(ClientError::NoPacketIds)?;
        let packet = if v5 {
            AnyPacket::V5(crate::proto::v5::Packet::Subscribe(props.subscribe(pid, &filters)))
        } else {
            AnyPacket::V3(Packet::Subscribe(Subscribe { pid, filters: filters.clone() }))
        };
        self.check_size(&packet)?;
        self.session.use_pid(pid);
        for (f, q) in &filters {
            self.session.subscriptions.entry(f.clone()).or_default().pending = Some((pid, *q));
        }
        self.session.pending_subs.insert(pid, filters);
        self.send(packet, now);
        Ok(pid)
    }

    fn unsubscribe_inner(&mut self, filters: Vec<String>, now: Instant) -> Result<PacketId, ClientError> {
        for f in &filters {
            check_str(f.len())?;
        }
        let pid = self.session.next_free_pid().ok_or(ClientError::NoPacketIds)?;
        let packet = if self.opts.is_v5() {
            AnyPacket::V5(crate::proto::v5::Packet::Unsubscribe(crate::proto::v5::Unsubscribe {
                pid,
                properties: Default::default(),
                filters: filters.clone(),
            }))
        } else {
            AnyPacket::V3(Packet::Unsubscribe(Unsubscribe { pid, filters: filters.clone() }))
        };
        self.check_size(&packet)?;
        self.session.use_pid(pid);
        for f in &filters {
            if let Some(s) = self.session.subscriptions.get_mut(f) {
                s.unsubscribing = Some(pid);
            }
        }
        self.session.pending_unsubs.insert(pid, filters);
        self.send(packet, now);
        Ok(pid)
    }

    fn find_inflight(&self, pid: PacketId, stage: Stage) -> Option<usize> {
        self.session.inflight.iter().position(|m| m.pid() == pid && m.stage == stage)
    }

    fn send(&mut self, packet: AnyPacket, now: Instant) {
        self.last_sent = Some(now);
        self.out.push_back(Output::Send(packet));
    }

    fn send3(&mut self, packet: Packet, now: Instant) {
        self.send(AnyPacket::V3(packet), now);
    }

    /// PUBACK, PUBREC, PUBREL or PUBCOMP in the connection's version (3.1.1 has no reason code).
    fn send_ack(&mut self, kind: PacketType, pid: PacketId, reason: ReasonCode, now: Instant) {
        use crate::proto::v5;
        let p = if self.opts.is_v5() {
            let a = v5::Ack { pid, reason, properties: Default::default() };
            AnyPacket::V5(match kind {
                PacketType::PubAck => v5::Packet::PubAck(a),
                PacketType::PubRec => v5::Packet::PubRec(a),
                PacketType::PubRel => v5::Packet::PubRel(a),
                _ => v5::Packet::PubComp(a),
            })
        } else {
            AnyPacket::V3(match kind {
                PacketType::PubAck => Packet::PubAck(pid),
                PacketType::PubRec => Packet::PubRec(pid),
                PacketType::PubRel => Packet::PubRel(pid),
                _ => Packet::PubComp(pid),
            })
        };
        self.send(p, now);
    }

    fn emit(&mut self, e: ClientEvent) {
        self.out.push_back(Output::Event(e));
    }

    /// The server broke the protocol: a 5.0 client says why in a DISCONNECT before it closes.
    fn violation(&mut self, packet: PacketType, violation: Violation) {
        self.emit(ClientEvent::ProtocolViolation { packet, violation });
        if self.opts.is_v5() {
            let d = crate::proto::v5::Disconnect::new(violation.reason());
            self.out.push_back(Output::Send(AnyPacket::V5(crate::proto::v5::Packet::Disconnect(d))));
        }
        self.close(State::ConnectionLost);
    }

    /// The client closes the connection.
    fn close(&mut self, state: State) {
        self.out.push_back(Output::Close);
        self.state = state;
        self.end_connection();
    }

    /// After any end of a connection.
    fn end_connection(&mut self) {
        self.inbox.clear();
        self.connect_sent = None;
        self.ping_sent = None;
        self.session.forget_pending();
        self.aliases_in.clear();
        self.aliases_out = v5::OutAliases::default();
        if self.opts.is_v5() {
            // 5.0: the session outlives the connection by its Session Expiry Interval (§3.1.2.11.2).
            if self.session_expiry == 0 {
                self.discard_session(DiscardCause::SessionExpiryZero);
            }
        } else if self.opts.clean_session {
            self.discard_session(DiscardCause::CleanSession);
        }
    }

    fn discard_session(&mut self, cause: DiscardCause) {
        let d = self.session.discard();
        if !d.is_empty() {
            self.emit(ClientEvent::SessionDiscarded {
                cause,
                inflight: d.inflight,
                awaiting_pubrel: d.awaiting_pubrel,
                subscriptions: d.subscriptions,
            });
        }
    }
}

/// What resending an inflight message means at its stage: the PUBLISH again with DUP=1, or the PUBREL
/// (in 5.0 with its properties and the whole topic name: aliases do not outlive a connection).
fn resend_packet(m: &Inflight) -> AnyPacket {
    use crate::proto::v5;
    match (&m.properties, m.stage) {
        (None, Stage::AwaitingPubComp) => AnyPacket::V3(Packet::PubRel(m.pid())),
        (None, _) => AnyPacket::V3(Packet::Publish(Publish { dup: true, ..m.publish.clone() })),
        (Some(_), Stage::AwaitingPubComp) => AnyPacket::V5(v5::Packet::PubRel(v5::Ack::new(m.pid()))),
        (Some(props), _) => {
            let p = &m.publish;
            AnyPacket::V5(v5::Packet::Publish(v5::Publish {
                dup: true,
                qos_pid: p.qos_pid,
                retain: p.retain,
                topic: p.topic.clone(),
                properties: (**props).clone(),
                payload: p.payload.clone(),
            }))
        }
    }
}

/// A 3.1.1 SUBACK return code as the granted QoS (`None`: 0x80, failure).
fn sub_code_qos(code: SubAckCode) -> Option<QoS> {
    match code {
        SubAckCode::Granted(q) => Some(q),
        SubAckCode::Failure => None,
    }
}

fn check_str(len: usize) -> Result<(), ClientError> {
    if len > u16::MAX as usize { Err(ClientError::StringTooLong { len }) } else { Ok(()) }
}

#[cfg(test)]
mod tests;

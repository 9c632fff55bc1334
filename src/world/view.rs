//! Snapshots of the world for whoever shows it: a virtual client, the broker's sessions,
//! subscriptions and retained messages, the frames held at the gate, a delivered message. Built by
//! the runtime (over sockets) and by the in-memory world alike. Pure data: no I/O.

use super::record::Dir;
use crate::broker::ConnId;
use crate::i18n::Text;
use crate::proto::QoS;
use bytes::Bytes;
use std::time::Duration;

/// What the runtime knows of a virtual client, refreshed after every change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientView {
    pub name: String,
    /// The 中文 name of a cast member (汽车, 手机, 电脑).
    pub label_zh: Option<String>,
    pub client_id: String,
    pub connected: bool,
    /// State in words (connected, connecting, refused 5, connection lost …), zh and en.
    pub state: Text,
    pub frozen: bool,
    /// In the tunnel: its link was cut, and nothing goes through while the socket stays open.
    pub link_cut: bool,
    /// Since when (world time) it is in the tunnel.
    pub tunnel_since: Option<Duration>,
    pub clean: bool,
    pub keep_alive: u16,
    pub will: Option<String>,
    /// (filter, granted QoS; `None` while the SUBACK is awaited, 0x80 shows as `Some(None)`).
    pub subscriptions: Vec<(String, Option<Option<QoS>>)>,
    /// Outgoing QoS 1/2 packet ids with their stage ("PUBACK?", "PUBREC?", "PUBCOMP?").
    pub inflight: Vec<(u16, &'static str)>,
    /// A virtual NodeMCU's sketch, power and LED.
    pub board: Option<super::board::BoardView>,
}

/// One row of the broker's session table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub client_id: String,
    pub connected: bool,
    pub clean: bool,
    pub keep_alive: u16,
    pub idle: Duration,
    pub will: Option<String>,
    pub queued: usize,
    pub inflight: usize,
}

/// One retained message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetainedRow {
    pub topic: String,
    pub payload: String,
    pub qos: QoS,
    /// Time since the broker started when it was stored.
    pub stored_at: Duration,
    pub from: String,
}

/// A snapshot of the broker's state for its pane.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrokerView {
    pub sessions: Vec<SessionRow>,
    /// (filter, client id, granted QoS).
    pub subscriptions: Vec<(String, String, QoS)>,
    pub retained: Vec<RetainedRow>,
    pub listen: Vec<String>,
}

/// A frame waiting at the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldView {
    pub id: u64,
    pub seq: Option<u64>,
    pub conn: ConnId,
    pub dir: Dir,
    pub client: Option<String>,
    pub bytes: Bytes,
}

/// A message delivered to a virtual client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub at: Duration,
    pub client: String,
    pub topic: String,
    pub payload: String,
    pub qos: QoS,
    pub retain: bool,
    pub dup: bool,
}

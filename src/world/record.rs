//! The frame record: one frame as it crossed the wire between a client and the broker — its number,
//! time, connection, client, direction and raw bytes — and what became of it at the gate. Shared by
//! the runtime (which records real frames), the in-memory world (which records simulated ones) and
//! the app (which shows them). Pure data: no I/O.

use crate::broker::ConnId;
use bytes::Bytes;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// Which way a frame went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    /// From a client to the broker.
    In,
    /// From the broker to a client.
    Out,
}

/// One recorded frame.
#[derive(Debug, Clone)]
pub struct TapFrame {
    /// Frame number, counted from 1 across the whole broker.
    pub seq: u64,
    /// Time since the broker started.
    pub at: Duration,
    pub conn: ConnId,
    /// The client id on this connection, once its CONNECT was accepted.
    pub client: Option<Arc<str>>,
    pub dir: Dir,
    pub bytes: Bytes,
}

impl TapFrame {
    /// Decodes the frame again, recording every field's span (the inspector's view of it).
    pub fn spans(&self) -> (Result<crate::proto::Packet, crate::proto::DecodeError>, Vec<crate::proto::Span>) {
        crate::proto::decode_spans(&self.bytes)
    }
}

/// What became of a recorded frame on its way (everything not listed simply arrived).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Fate {
    /// Held at the gate (step mode) and not yet released.
    Held,
    /// Released from the gate: it went on.
    Released,
    /// Thrown away at the gate, as if the network lost it: the receiver never saw it.
    Dropped,
    /// Lost with a connection that was cut (the tunnel, the pulled plug).
    Cut,
}

//! The gate: where frames can be held, released one at a time, dropped, delayed, or where a
//! connection can be cut as if the client drove into a tunnel. This file keeps the gate's state;
//! the server consults it for every frame and carries out releases.

use super::tap::Dir;
use crate::broker::ConnId;
use bytes::Bytes;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A frame waiting at the gate.
#[derive(Debug, Clone)]
pub struct HeldFrame {
    /// The gate's number for this frame (stable while held).
    pub id: u64,
    /// The tap's frame number, when the tap was recording.
    pub seq: Option<u64>,
    pub conn: ConnId,
    pub client: Option<Arc<str>>,
    pub dir: Dir,
    pub bytes: Bytes,
    /// Time since the broker started, when the frame reached the gate.
    pub at: Duration,
}

/// How a connection is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutMode {
    /// The link goes silent both ways but the socket stays open, as in a tunnel: the broker only
    /// notices when the keep alive runs out.
    Silent,
    /// The socket is closed at once without DISCONNECT, as when the plug is pulled.
    Reset,
}

/// What the gate decided for one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Held,
    /// The connection is cut silently: the frame vanishes.
    Swallowed,
}

#[derive(Default)]
pub(crate) struct GateState {
    pub holding: bool,
    pub held: VecDeque<HeldFrame>,
    pub next_id: u64,
    pub silent: HashSet<ConnId>,
    pub delay: HashMap<ConnId, Duration>,
    pub delay_all: Option<Duration>,
}

/// The gate's shared state. `engaged` is true whenever any frame might be affected, so the fast path
/// checks a single atomic.
#[derive(Default)]
pub(crate) struct Gate {
    pub engaged: AtomicBool,
    pub state: std::sync::Mutex<GateState>,
}

impl Gate {
    #[inline]
    pub fn is_engaged(&self) -> bool {
        self.engaged.load(Ordering::Relaxed)
    }

    pub fn refresh(&self, s: &GateState) {
        let on =
            s.holding || !s.held.is_empty() || !s.silent.is_empty() || !s.delay.is_empty() || s.delay_all.is_some();
        self.engaged.store(on, Ordering::Relaxed);
    }

    /// Decides a frame's fate; a held frame is queued.
    #[allow(clippy::too_many_arguments)]
    pub fn check(
        &self,
        conn: ConnId,
        client: Option<Arc<str>>,
        dir: Dir,
        bytes: &Bytes,
        seq: Option<u64>,
        at: Duration,
    ) -> Verdict {
        let mut s = self.state.lock().expect("gate lock");
        if s.silent.contains(&conn) {
            return Verdict::Swallowed;
        }
        // Frames of a connection that already has frames held queue behind them, so that releasing
        // one at a time keeps each connection's order.
        if s.holding || s.held.iter().any(|h| h.conn == conn && h.dir == dir) {
            s.next_id += 1;
            let id = s.next_id;
            s.held.push_back(HeldFrame { id, seq, conn, client, dir, bytes: bytes.clone(), at });
            self.refresh(&s);
            return Verdict::Held;
        }
        Verdict::Pass
    }

    /// Whether `conn` is cut silently (in the tunnel).
    pub fn is_silent(&self, conn: ConnId) -> bool {
        self.is_engaged() && self.state.lock().expect("gate lock").silent.contains(&conn)
    }

    pub fn delay_for(&self, conn: ConnId) -> Option<Duration> {
        let s = self.state.lock().expect("gate lock");
        s.delay.get(&conn).copied().or(s.delay_all)
    }
}

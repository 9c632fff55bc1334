//! The wire tap: every frame in and out of the broker — raw bytes, connection, client id, direction,
//! time — handed to each subscriber through its own bounded queue. Recording never blocks and never
//! waits for a consumer: when a queue is full its oldest frame is dropped and counted, and the
//! consumer is told how many it lost. With no subscriber the tap costs one atomic load per frame.

use crate::broker::ConnId;
use bytes::Bytes;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::Notify;

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

/// What a tap subscriber receives.
#[derive(Debug, Clone)]
pub enum TapItem {
    Frame(TapFrame),
    /// This many frames were dropped because the subscriber fell behind.
    Lost(u64),
}

struct Queue {
    frames: Mutex<VecDeque<TapFrame>>,
    capacity: usize,
    lost: AtomicU64,
    notify: Notify,
}

/// The tap's sending side, owned by the runtime.
#[derive(Default)]
pub struct Tap {
    active: AtomicBool,
    seq: AtomicU64,
    subscribers: Mutex<Vec<Weak<Queue>>>,
}

impl Tap {
    /// Whether anyone is listening; frames need not be prepared for the tap otherwise.
    #[inline]
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    /// Adds a subscriber whose queue holds at most `capacity` frames.
    pub fn subscribe(&self, capacity: usize) -> TapReceiver {
        let q = Arc::new(Queue {
            frames: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
            capacity: capacity.max(1),
            lost: AtomicU64::new(0),
            notify: Notify::new(),
        });
        let mut subs = self.subscribers.lock().expect("tap lock");
        subs.push(Arc::downgrade(&q));
        self.active.store(true, Ordering::Relaxed);
        TapReceiver { q }
    }

    /// Records one frame for every subscriber; returns its frame number.
    pub fn record(&self, at: Duration, conn: ConnId, client: Option<Arc<str>>, dir: Dir, bytes: Bytes) -> Option<u64> {
        if !self.is_active() {
            return None;
        }
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let frame = TapFrame { seq, at, conn, client, dir, bytes };
        let mut subs = self.subscribers.lock().expect("tap lock");
        subs.retain(|w| w.strong_count() > 0);
        if subs.is_empty() {
            self.active.store(false, Ordering::Relaxed);
            return None;
        }
        for w in subs.iter() {
            let Some(q) = w.upgrade() else { continue };
            let was_empty = {
                let mut frames = q.frames.lock().expect("tap queue lock");
                if frames.len() >= q.capacity {
                    frames.pop_front();
                    q.lost.fetch_add(1, Ordering::Relaxed);
                }
                let was_empty = frames.is_empty();
                frames.push_back(frame.clone());
                was_empty
            };
            // A consumer only ever waits on an empty queue: wake it for the first frame only.
            if was_empty {
                q.notify.notify_one();
            }
        }
        Some(seq)
    }
}

/// A subscriber's end of the tap. Dropping it unsubscribes.
pub struct TapReceiver {
    q: Arc<Queue>,
}

impl TapReceiver {
    /// The next item, waiting for one.
    pub async fn recv(&self) -> TapItem {
        loop {
            if let Some(item) = self.try_recv() {
                return item;
            }
            self.q.notify.notified().await;
        }
    }

    /// The next item if there is one. Losses are reported before the frames that followed them.
    pub fn try_recv(&self) -> Option<TapItem> {
        let lost = self.q.lost.swap(0, Ordering::Relaxed);
        if lost > 0 {
            return Some(TapItem::Lost(lost));
        }
        self.q.frames.lock().expect("tap queue lock").pop_front().map(TapItem::Frame)
    }

    /// Takes up to `max` items at once (a lost count first, if any).
    pub fn drain(&self, max: usize) -> Vec<TapItem> {
        let mut out = Vec::new();
        let lost = self.q.lost.swap(0, Ordering::Relaxed);
        if lost > 0 {
            out.push(TapItem::Lost(lost));
        }
        let mut frames = self.q.frames.lock().expect("tap queue lock");
        let n = frames.len().min(max);
        out.extend(frames.drain(..n).map(TapItem::Frame));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_subscriber_loses_the_oldest_and_is_told() {
        let tap = Tap::default();
        assert!(!tap.is_active());
        let rx = tap.subscribe(3);
        for i in 0..5u8 {
            tap.record(Duration::ZERO, 1, None, Dir::In, Bytes::from(vec![i]));
        }
        let items = rx.drain(10);
        assert!(matches!(items[0], TapItem::Lost(2)));
        let kept: Vec<u8> =
            items[1..].iter().map(|i| if let TapItem::Frame(f) = i { f.bytes[0] } else { 255 }).collect();
        assert_eq!(kept, vec![2, 3, 4]);
        drop(rx);
        tap.record(Duration::ZERO, 1, None, Dir::In, Bytes::new());
        assert!(!tap.is_active(), "the tap switches itself off when nobody listens");
    }
}

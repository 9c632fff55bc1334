//! The wire tap: every frame in and out of the broker — raw bytes, connection, client id, direction,
//! time — handed to each subscriber through its own bounded queue. Recording never blocks and never
//! waits for a consumer: when a queue is full its oldest frame is dropped and counted, and the
//! consumer is told how many it lost. With no subscriber the tap costs one atomic load per frame.

use crate::broker::ConnId;
pub use crate::world::record::{Dir, TapFrame};
use bytes::{Bytes, BytesMut};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// What a tap subscriber receives.
#[derive(Debug, Clone)]
pub enum TapItem {
    Frame(TapFrame),
    /// This many frames were dropped because the subscriber fell behind.
    Lost(u64),
}

/// A frame waiting in a subscriber's queue: its bytes are in the queue's ring (or, for a large
/// frame, held as they are).
struct Entry {
    seq: u64,
    /// Microseconds since the broker started.
    at_us: u64,
    conn: ConnId,
    /// `len` bytes at `start` of the ring (wrapping at its end): the client's name (`name_len` bytes,
    /// when `named`), then the frame. A large frame's bytes are in [`Ring::large`] instead.
    start: u32,
    len: u32,
    name_len: u16,
    named: bool,
    large: bool,
    dir: Dir,
}

/// A frame handed to the tap: its connection and direction, where its bytes are in the frame block
/// handed over with it, and where its client's name is in the name block (the tap numbers and times
/// it, and copies both: recording touches no reference count and allocates nothing).
#[derive(Debug, Clone)]
pub struct Pending {
    pub conn: ConnId,
    pub dir: Dir,
    pub frame: std::ops::Range<usize>,
    pub name: Option<std::ops::Range<usize>>,
}

/// Frames up to this size are copied into the ring; larger ones are kept as they are.
const RING_FRAME_MAX: usize = 64 * 1024;

/// One subscriber's bounded queue: a ring of bytes allocated once, and the frames in it. Recording
/// copies the frame's bytes in (no allocation, nothing for another thread to free); when the ring or
/// the frame count is full the oldest frames are dropped and counted.
struct Ring {
    bytes: Vec<u8>,
    /// The large frames' bytes, oldest first (one for each entry with `large`).
    large: VecDeque<Bytes>,
    /// Where the oldest frame's bytes start, and how many ring bytes are in use.
    head: usize,
    used: usize,
    entries: VecDeque<Entry>,
}

impl Ring {
    fn new(bytes: usize) -> Ring {
        Ring { bytes: vec![0; bytes], large: VecDeque::new(), head: 0, used: 0, entries: VecDeque::new() }
    }

    /// Drops the oldest frame; returns false if there was none.
    fn pop_oldest(&mut self) -> bool {
        let Some(e) = self.entries.pop_front() else { return false };
        if e.large {
            self.large.pop_front();
        }
        let len = e.len as usize;
        self.head += len;
        if self.head >= self.bytes.len() {
            self.head -= self.bytes.len();
        }
        self.used -= len;
        if self.used == 0 {
            self.head = 0;
        }
        true
    }

    /// Copies `b` in behind the newest frame; returns where it starts.
    fn write(&mut self, b: &[u8]) -> u32 {
        let cap = self.bytes.len();
        let mut start = self.head + self.used;
        if start >= cap {
            start -= cap;
        }
        let first = b.len().min(cap - start);
        self.bytes[start..start + first].copy_from_slice(&b[..first]);
        self.bytes[..b.len() - first].copy_from_slice(&b[first..]);
        self.used += b.len();
        start as u32
    }

    fn read(&self, start: usize, len: usize, out: &mut BytesMut) {
        let cap = self.bytes.len();
        let first = len.min(cap - start);
        out.extend_from_slice(&self.bytes[start..start + first]);
        out.extend_from_slice(&self.bytes[..len - first]);
    }
}

struct Queue {
    ring: Mutex<Ring>,
    /// Frames kept at most.
    capacity: usize,
    lost: AtomicU64,
    notify: Notify,
    /// The receiver is gone.
    closed: AtomicBool,
}

impl Queue {
    /// Adds frames numbered from `first`, dropping the oldest as needed. Returns whether the queue
    /// was empty before.
    fn push(&self, first: u64, at: Duration, frames: &[Pending], block: &[u8], names: &[u8]) -> bool {
        let mut r = self.ring.lock().expect("tap queue lock");
        let was_empty = r.entries.is_empty();
        let mut lost = 0;
        // Only the newest `capacity` frames of a batch can stay.
        let skip = frames.len().saturating_sub(self.capacity);
        lost += skip as u64;
        let at_us = at.as_micros() as u64;
        for (i, p) in frames.iter().enumerate().skip(skip) {
            let bytes = &block[p.frame.clone()];
            let name = p.name.clone().map_or(&[][..], |n| &names[n]);
            let name = &name[..name.len().min(u16::MAX as usize)];
            let need = name.len() + bytes.len();
            let small = bytes.len() <= RING_FRAME_MAX && need <= r.bytes.len();
            let need = if small { need } else { name.len() };
            while r.entries.len() >= self.capacity || r.used + need > r.bytes.len() {
                if !r.pop_oldest() {
                    break;
                }
                lost += 1;
            }
            let start = r.write(name);
            if small {
                r.write(bytes);
            } else {
                r.large.push_back(Bytes::copy_from_slice(bytes));
            }
            r.entries.push_back(Entry {
                seq: first + i as u64,
                at_us,
                conn: p.conn,
                start,
                len: need as u32,
                name_len: name.len() as u16,
                named: p.name.is_some(),
                large: !small,
                dir: p.dir,
            });
        }
        drop(r);
        if lost > 0 {
            self.lost.fetch_add(lost, Ordering::Relaxed);
        }
        was_empty
    }

    /// Takes up to `max` frames, copying their bytes out into one block of the caller's thread.
    fn take(&self, max: usize) -> Vec<TapFrame> {
        let mut r = self.ring.lock().expect("tap queue lock");
        let n = r.entries.len().min(max);
        let total: usize = r.entries.iter().take(n).map(|e| e.len as usize).sum();
        let mut block = BytesMut::with_capacity(total);
        let mut out = Vec::with_capacity(n);
        // Names repeat frame after frame: the last one is kept, so that most frames share one Arc.
        let mut last_name: Option<Arc<str>> = None;
        for _ in 0..n {
            let Some(e) = r.entries.front() else { break };
            let (start, len, name_len, named, large) =
                (e.start as usize, e.len as usize, e.name_len as usize, e.named, e.large);
            r.read(start, len, &mut block);
            let mut both = block.split();
            let name = both.split_to(name_len);
            let client = named.then(|| match &last_name {
                Some(n) if n.as_bytes() == &name[..] => n.clone(),
                _ => {
                    let n: Arc<str> = Arc::from(String::from_utf8_lossy(&name).as_ref());
                    last_name = Some(n.clone());
                    n
                }
            });
            let bytes = if large { r.large.front().cloned().unwrap_or_default() } else { both.freeze() };
            let e = r.entries.front().expect("still there");
            let at = Duration::from_micros(e.at_us);
            out.push(TapFrame { seq: e.seq, at, conn: e.conn, client, dir: e.dir, bytes });
            r.pop_oldest();
        }
        out
    }
}

/// The tap's sending side, owned by the runtime.
#[derive(Default)]
pub struct Tap {
    active: AtomicBool,
    seq: AtomicU64,
    /// Read on every batch, changed when someone subscribes or a subscriber is gone.
    subscribers: std::sync::RwLock<Vec<Arc<Queue>>>,
}

impl Tap {
    /// Whether anyone is listening; frames need not be prepared for the tap otherwise.
    #[inline]
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    /// Adds a subscriber whose queue holds at most `capacity` frames (and a ring of 256 bytes per
    /// frame, between 1 and 64 MiB, allocated now and kept).
    pub fn subscribe(&self, capacity: usize) -> TapReceiver {
        let capacity = capacity.max(1);
        let ring = (capacity.saturating_mul(256)).clamp(1 << 20, 64 << 20);
        let q = Arc::new(Queue {
            ring: Mutex::new(Ring::new(ring)),
            capacity,
            lost: AtomicU64::new(0),
            notify: Notify::new(),
            closed: AtomicBool::new(false),
        });
        let mut subs = self.subscribers.write().expect("tap lock");
        subs.retain(|q| !q.closed.load(Ordering::Relaxed));
        subs.push(q.clone());
        self.active.store(true, Ordering::Relaxed);
        TapReceiver { q }
    }

    /// Records frames in order for every subscriber, taking each subscriber's lock once: the hot path
    /// hands over a whole batch of frames (one read, or all the deliveries of one packet).
    pub fn record_batch(&self, at: Duration, frames: &mut Vec<Pending>, block: &[u8], names: &[u8]) {
        if frames.is_empty() {
            return;
        }
        if !self.is_active() {
            frames.clear();
            return;
        }
        let first = self.seq.fetch_add(frames.len() as u64, Ordering::Relaxed) + 1;
        self.deliver(first, at, frames, block, names);
        frames.clear();
    }

    fn deliver(&self, first: u64, at: Duration, batch: &[Pending], block: &[u8], names: &[u8]) -> bool {
        let mut any = false;
        {
            let subs = self.subscribers.read().expect("tap lock");
            for q in subs.iter().filter(|q| !q.closed.load(Ordering::Relaxed)) {
                any = true;
                // A consumer only ever waits on an empty queue: wake it for the first frame only.
                if q.push(first, at, batch, block, names) {
                    q.notify.notify_one();
                }
            }
        }
        if !any {
            // Everyone left: switch the tap off until someone subscribes again.
            let mut subs = self.subscribers.write().expect("tap lock");
            subs.retain(|q| !q.closed.load(Ordering::Relaxed));
            if subs.is_empty() {
                self.active.store(false, Ordering::Relaxed);
            }
        }
        any
    }

    /// Records one frame for every subscriber; returns its frame number.
    pub fn record(&self, at: Duration, conn: ConnId, client: Option<Arc<str>>, dir: Dir, bytes: Bytes) -> Option<u64> {
        if !self.is_active() {
            return None;
        }
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let name = client.as_deref().unwrap_or("").as_bytes();
        let p = Pending { conn, dir, frame: 0..bytes.len(), name: client.as_ref().map(|_| 0..name.len()) };
        self.deliver(seq, at, &[p], &bytes, name).then_some(seq)
    }
}

/// A subscriber's end of the tap. Dropping it unsubscribes.
pub struct TapReceiver {
    q: Arc<Queue>,
}

impl Drop for TapReceiver {
    fn drop(&mut self) {
        self.q.closed.store(true, Ordering::Relaxed);
    }
}

impl TapReceiver {
    /// The next item, waiting for one.
    pub async fn recv(&self) -> TapItem {
        loop {
            if let Some(item) = self.try_recv() {
                return item;
            }
            let notified = self.q.notify.notified();
            if let Some(item) = self.try_recv() {
                return item;
            }
            notified.await;
        }
    }

    /// The next item if there is one. Losses are reported before the frames that followed them.
    pub fn try_recv(&self) -> Option<TapItem> {
        let lost = self.q.lost.swap(0, Ordering::Relaxed);
        if lost > 0 {
            return Some(TapItem::Lost(lost));
        }
        self.q.take(1).pop().map(TapItem::Frame)
    }

    /// Takes up to `max` items at once (a lost count first, if any).
    pub fn drain(&self, max: usize) -> Vec<TapItem> {
        let mut out = Vec::new();
        let lost = self.q.lost.swap(0, Ordering::Relaxed);
        if lost > 0 {
            out.push(TapItem::Lost(lost));
        }
        out.extend(self.q.take(max).into_iter().map(TapItem::Frame));
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

    #[test]
    fn batches_keep_order_numbers_and_the_bound() {
        let tap = Tap::default();
        let rx = tap.subscribe(4);
        tap.record(Duration::ZERO, 1, None, Dir::In, Bytes::from_static(b"a"));
        let block = [0u8, 1, 2, 3, 4];
        let names = b"phone";
        let mut batch: Vec<_> = (0..5usize)
            .map(|i| Pending { conn: 2, dir: Dir::Out, frame: i..i + 1, name: (i % 2 == 0).then_some(0..5) })
            .collect();
        tap.record_batch(Duration::ZERO, &mut batch, &block, names);
        assert!(batch.is_empty());
        let items = rx.drain(10);
        assert!(matches!(items[0], TapItem::Lost(2)), "{items:?}");
        let seqs: Vec<u64> = items[1..].iter().map(|i| if let TapItem::Frame(f) = i { f.seq } else { 0 }).collect();
        assert_eq!(seqs, vec![3, 4, 5, 6], "the newest four of six, numbered in order");
        let names: Vec<Option<String>> = items[1..]
            .iter()
            .map(|i| if let TapItem::Frame(f) = i { f.client.as_deref().map(String::from) } else { None })
            .collect();
        assert_eq!(names, vec![None, Some("phone".into()), None, Some("phone".into())]);
        let bytes: Vec<u8> =
            items[1..].iter().map(|i| if let TapItem::Frame(f) = i { f.bytes[0] } else { 99 }).collect();
        assert_eq!(bytes, vec![1, 2, 3, 4]);
    }
}

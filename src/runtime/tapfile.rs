//! `--tap FILE.jsonl`: every frame as one JSON line — time, connection, client, direction, the raw
//! bytes in hex and every decoded field with its key, byte range and value. The writer is a tap
//! subscriber like any other: if the disk is slower than the broker, frames are lost (and a
//! `{"lost": N}` line says how many), the broker is never slowed.

use super::tap::{Dir, TapFrame, TapItem, TapReceiver};
use crate::proto::{self, PacketType};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Serialize)]
struct FieldLine<'a> {
    key: &'a str,
    start: usize,
    end: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    bits: Option<String>,
    value: &'a str,
}

#[derive(Serialize)]
struct FrameLine<'a> {
    seq: u64,
    t_ms: f64,
    conn: u64,
    client: Option<&'a str>,
    dir: Dir,
    #[serde(rename = "type")]
    kind: Option<&'static str>,
    len: usize,
    hex: String,
    fields: Vec<FieldLine<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'static str>,
}

/// One frame as a JSON line (without the newline).
pub fn frame_json(f: &TapFrame) -> String {
    let (result, spans) = proto::decode_spans(&f.bytes);
    let (error, rule) = match &result {
        Ok(_) => (None, None),
        Err(e) => (Some(e.message(false)), e.rule()),
    };
    let kind = f.bytes.first().and_then(|b| PacketType::from_u8(b >> 4)).map(PacketType::name);
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(f.bytes.len() * 3);
    for (i, b) in f.bytes.iter().enumerate() {
        if i > 0 {
            hex.push(' ');
        }
        hex.push(DIGITS[(b >> 4) as usize] as char);
        hex.push(DIGITS[(b & 15) as usize] as char);
    }
    let line = FrameLine {
        seq: f.seq,
        t_ms: f.at.as_secs_f64() * 1000.0,
        conn: f.conn,
        client: f.client.as_deref(),
        dir: f.dir,
        kind,
        len: f.bytes.len(),
        hex,
        fields: spans
            .iter()
            .map(|s| FieldLine {
                key: s.field.key,
                start: s.start,
                end: s.end,
                bits: s.bits.map(|b| format!("{b:#04x}")),
                value: &s.value,
            })
            .collect(),
        error,
        rule,
    };
    serde_json::to_string(&line).expect("tap lines serialize")
}

/// The running tap file writer. [`finish`](TapWriter::finish) writes what the tap still holds and
/// flushes the file: call it on every way out (Ctrl-C, SIGTERM, SIGHUP, the end of the program).
pub struct TapWriter {
    stop: Arc<(AtomicBool, tokio::sync::Notify)>,
    thread: std::thread::JoinHandle<()>,
}

impl TapWriter {
    /// Stops the writer after it has written every frame recorded so far, and waits for it.
    pub fn finish(self) {
        self.stop.0.store(true, Ordering::SeqCst);
        self.stop.1.notify_one();
        let _ = self.thread.join();
    }
}

/// Writes the tap to `path` on a thread of its own, so that decoding and formatting never take a
/// turn from the broker's tasks. `handle` is the runtime the broker runs on. The file is written in
/// batches: after the first frame of a batch arrives the writer waits a few milliseconds for more,
/// and never works more than half the time.
pub fn spawn_tap_writer(path: PathBuf, rx: TapReceiver, handle: tokio::runtime::Handle) -> std::io::Result<TapWriter> {
    use std::io::Write;
    let file = std::fs::File::create(&path)?;
    let stop = Arc::new((AtomicBool::new(false), tokio::sync::Notify::new()));
    let stop2 = stop.clone();
    let thread = std::thread::Builder::new().name("tap-writer".into()).spawn(move || {
        let mut w = std::io::BufWriter::with_capacity(256 * 1024, file);
        let mut text = String::new();
        let mut busy = std::time::Duration::ZERO;
        loop {
            let first = handle.block_on(async {
                tokio::select! {
                    item = rx.recv() => Some(item),
                    _ = stop2.1.notified() => None,
                }
            });
            let stopping = stop2.0.load(Ordering::SeqCst);
            if !stopping {
                // Rest at least as long as the last batch took: the writer uses at most half a core,
                // so under a flood it loses frames (and says so) rather than taking the broker's CPU.
                std::thread::sleep(busy.max(std::time::Duration::from_millis(5)));
            }
            let started = std::time::Instant::now();
            text.clear();
            for item in first.into_iter().chain(rx.drain(usize::MAX)) {
                match item {
                    TapItem::Frame(f) => text.push_str(&frame_json(&f)),
                    TapItem::Lost(n) => text.push_str(&format!("{{\"lost\":{n}}}")),
                }
                text.push('\n');
            }
            if w.write_all(text.as_bytes()).and_then(|_| w.flush()).is_err() {
                eprintln!("mqtt-lab: cannot write the tap file {}", path.display());
                return;
            }
            if stopping {
                return;
            }
            busy = started.elapsed();
        }
    })?;
    Ok(TapWriter { stop, thread })
}

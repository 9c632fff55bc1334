//! `--tap FILE.jsonl`: every frame as one JSON line — time, connection, client, direction, the raw
//! bytes in hex and every decoded field with its key, byte range and value. The writer is a tap
//! subscriber like any other: if the disk is slower than the broker, frames are lost (and a
//! `{"lost": N}` line says how many), the broker is never slowed.

use super::tap::{Dir, TapFrame, TapItem, TapReceiver};
use crate::proto::{self, PacketType};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Appends `s` as a JSON string (quoted and escaped).
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends one frame as a JSON line (without the newline): `seq`, `t_ms`, `conn`, `client`, `dir`,
/// `type`, `len`, `hex`, `fields` (each with `key`, `start`, `end`, `bits` for flag bits, `value`),
/// and `error` and `rule` for a frame that does not decode. Written by hand into one reused buffer:
/// the writer formats hundreds of thousands of frames a second.
pub fn write_frame_json(out: &mut String, f: &TapFrame) {
    write_frame_json_v(out, f, proto::Protocol::V311)
}

/// [`write_frame_json`] for a frame of a connection speaking `version` (its CONNECT said so).
pub fn write_frame_json_v(out: &mut String, f: &TapFrame, version: proto::Protocol) {
    let (result, spans) = proto::decode_spans_v(&f.bytes, proto::frame_version(&f.bytes, version));
    let kind = f.bytes.first().and_then(|b| PacketType::from_u8(b >> 4)).map(PacketType::name);
    let _ =
        write!(out, "{{\"seq\":{},\"t_ms\":{:?},\"conn\":{},\"client\":", f.seq, f.at.as_secs_f64() * 1000.0, f.conn);
    match f.client.as_deref() {
        Some(c) => json_str(out, c),
        None => out.push_str("null"),
    }
    out.push_str(match f.dir {
        Dir::In => ",\"dir\":\"in\",\"type\":",
        Dir::Out => ",\"dir\":\"out\",\"type\":",
    });
    match kind {
        Some(k) => {
            out.push('"');
            out.push_str(k);
            out.push('"');
        }
        None => out.push_str("null"),
    }
    let _ = write!(out, ",\"len\":{},\"hex\":\"", f.bytes.len());
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in f.bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out.push_str("\",\"fields\":[");
    for (i, s) in spans.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{{\"key\":\"{}\",\"start\":{},\"end\":{}", s.field.key, s.start, s.end);
        if let Some(b) = s.bits {
            let _ = write!(out, ",\"bits\":\"{b:#04x}\"");
        }
        out.push_str(",\"value\":");
        json_str(out, &s.value_in(crate::i18n::Lang::En));
        out.push('}');
    }
    out.push(']');
    if let Err(e) = &result {
        out.push_str(",\"error\":");
        json_str(out, &e.message(crate::i18n::Lang::En));
        if let Some(rule) = e.rule() {
            out.push_str(",\"rule\":");
            json_str(out, rule);
        }
    }
    out.push('}');
}

/// One frame as a JSON line (without the newline).
pub fn frame_json(f: &TapFrame) -> String {
    let mut s = String::with_capacity(256 + f.bytes.len() * 4);
    write_frame_json(&mut s, f);
    s
}

/// The longest slice of work of the tap file writer between rests.
const SLICE: std::time::Duration = std::time::Duration::from_millis(3);

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
/// slices: after the first frame arrives the writer waits a few milliseconds for more, works for at
/// most a few milliseconds, and never works more than a twentieth of the time.
pub fn spawn_tap_writer(path: PathBuf, rx: TapReceiver, handle: tokio::runtime::Handle) -> std::io::Result<TapWriter> {
    use std::io::Write;
    let file = std::fs::File::create(&path)?;
    let stop = Arc::new((AtomicBool::new(false), tokio::sync::Notify::new()));
    let stop2 = stop.clone();
    let thread = std::thread::Builder::new().name("tap-writer".into()).spawn(move || {
        let mut w = std::io::BufWriter::with_capacity(256 * 1024, file);
        let mut text = String::new();
        let mut busy = std::time::Duration::ZERO;
        // Each connection's version, from its CONNECT: its frames are read in it.
        let mut versions: std::collections::HashMap<u64, proto::Protocol> = std::collections::HashMap::new();
        loop {
            let first = handle.block_on(async {
                tokio::select! {
                    item = rx.recv() => Some(item),
                    _ = stop2.1.notified() => None,
                }
            });
            let stopping = stop2.0.load(Ordering::SeqCst);
            if !stopping {
                // Rest at least nineteen times as long as the last slice of work took: the writer
                // uses at most a twentieth of a core, so under a flood it loses frames (and says so)
                // rather than taking the broker's CPU. At the pace of people it keeps every frame.
                std::thread::sleep((busy * 19).max(std::time::Duration::from_millis(5)));
            }
            let started = std::time::Instant::now();
            text.clear();
            let mut items: Vec<TapItem> = first.into_iter().collect();
            loop {
                for item in items.drain(..) {
                    match item {
                        TapItem::Frame(f) => {
                            if f.dir == Dir::In
                                && let Some(v) = proto::connect_version(&f.bytes)
                            {
                                versions.insert(f.conn, v);
                            }
                            let v = versions.get(&f.conn).copied().unwrap_or(proto::Protocol::V311);
                            write_frame_json_v(&mut text, &f, v);
                            if versions.len() > 1_000_000 {
                                versions.clear();
                            }
                        }
                        TapItem::Lost(n) => {
                            let _ = write!(text, "{{\"lost\":{n}}}");
                        }
                    }
                    text.push('\n');
                }
                // A slice of work is at most a few milliseconds (all of it when stopping): what the
                // writer does not get to meanwhile is overwritten by newer frames and counted as lost.
                if !stopping && started.elapsed() >= SLICE {
                    break;
                }
                items = rx.drain(512);
                if items.is_empty() {
                    break;
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::time::Duration;

    /// The same line built with serde_json from the decoder's spans: the hand-written JSON must parse
    /// to exactly this.
    fn oracle(f: &TapFrame) -> serde_json::Value {
        let (result, spans) = proto::decode_spans(&f.bytes);
        let fields: Vec<serde_json::Value> = spans
            .iter()
            .map(|s| {
                let mut v = serde_json::json!({"key": s.field.key, "start": s.start, "end": s.end, "value": s.value_in(crate::i18n::Lang::En)});
                if let Some(b) = s.bits {
                    v["bits"] = format!("{b:#04x}").into();
                }
                v
            })
            .collect();
        let hex: Vec<String> = f.bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut v = serde_json::json!({
            "seq": f.seq, "t_ms": f.at.as_secs_f64() * 1000.0, "conn": f.conn, "client": f.client.as_deref(),
            "dir": if f.dir == Dir::In { "in" } else { "out" },
            "type": f.bytes.first().and_then(|b| PacketType::from_u8(b >> 4)).map(PacketType::name),
            "len": f.bytes.len(), "hex": hex.join(" "), "fields": fields,
        });
        if let Err(e) = result {
            v["error"] = e.message(crate::i18n::Lang::En).into();
            if let Some(r) = e.rule() {
                v["rule"] = r.into();
            }
        }
        v
    }

    #[test]
    fn hand_written_lines_are_the_json_the_fields_say() {
        let frames: [(&[u8], Option<&str>); 5] = [
            // CONNECT "car"
            (&[0x10, 0x0f, 0, 4, b'M', b'Q', b'T', b'T', 4, 2, 0, 60, 0, 3, b'c', b'a', b'r'], Some("car")),
            // PUBLISH QoS 1 to 汽车速度 with a quote, a backslash and a newline in the payload
            ("\x32\x12\x00\x0c汽车速度\x00\x07\"\\\n\x01".as_bytes(), Some("a \"b\"\n")),
            // reserved type 15
            (&[0xf0, 0x00], None),
            // QoS 3
            (&[0x36, 0x05, 0, 1, b't', 0, 1], Some("x")),
            // truncated SUBSCRIBE
            (&[0x82, 0x09, 0, 1, 0, 4], None),
        ];
        for (i, (bytes, client)) in frames.into_iter().enumerate() {
            let f = TapFrame {
                seq: i as u64 + 1,
                at: Duration::from_micros(1_234_567 * i as u64),
                conn: 7,
                client: client.map(Arc::from),
                dir: if i % 2 == 0 { Dir::In } else { Dir::Out },
                bytes: Bytes::copy_from_slice(bytes),
            };
            let line = frame_json(&f);
            let parsed: serde_json::Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("frame {i}: not JSON ({e}): {line}"));
            assert_eq!(parsed, oracle(&f), "frame {i}: {line}");
        }
    }
}

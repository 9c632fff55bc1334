//! `--tap FILE.jsonl`: every frame as one JSON line — time, connection, client, direction, the raw
//! bytes in hex and every decoded field with its key, byte range and value. The writer is a tap
//! subscriber like any other: if the disk is slower than the broker, frames are lost (and a
//! `{"lost": N}` line says how many), the broker is never slowed.

use super::tap::{Dir, TapFrame, TapItem, TapReceiver};
use crate::proto::{self, PacketType};
use serde::Serialize;
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

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
    let mut hex = String::with_capacity(f.bytes.len() * 3);
    for (i, b) in f.bytes.iter().enumerate() {
        if i > 0 {
            hex.push(' ');
        }
        hex.push_str(&format!("{b:02x}"));
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

/// Writes the tap to `path` until the receiver's broker stops.
pub async fn write_tap(path: PathBuf, rx: TapReceiver) -> std::io::Result<()> {
    let file = tokio::fs::File::create(&path).await?;
    let mut w = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    loop {
        let first = rx.recv().await;
        let mut items = vec![first];
        items.extend(rx.drain(4096));
        let mut text = String::new();
        for item in items {
            match item {
                TapItem::Frame(f) => text.push_str(&frame_json(&f)),
                TapItem::Lost(n) => text.push_str(&format!("{{\"lost\":{n}}}")),
            }
            text.push('\n');
        }
        w.write_all(text.as_bytes()).await?;
        w.flush().await?;
    }
}

//! What recording a frame on the wire tap costs the broker's hot path: frames of 20 bytes, ten per
//! batch (one PUBLISH delivered to ten subscribers), into a subscriber's ring, with the client's name.
//! `cargo bench --bench tap` prints nanoseconds per frame; in `cargo test` it runs briefly and checks
//! that the frames arrive intact and in order.

use mqtt_lab::runtime::Dir;
use mqtt_lab::runtime::tap::{Pending, Tap, TapItem};
use std::time::{Duration, Instant};

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let frames_total: u64 = if benching { 5_000_000 } else { 50_000 };
    let tap = Tap::default();
    let rx = tap.subscribe(16_384);
    let block: Vec<u8> = (0..200u8).collect();
    let names = b"subscriber-1";
    let mut frames = Vec::new();
    let t = Instant::now();
    for i in 0..frames_total / 10 {
        for k in 0..10 {
            frames.push(Pending { conn: i, dir: Dir::Out, frame: k * 20..k * 20 + 20, name: Some(0..names.len()) });
        }
        tap.record_batch(Duration::ZERO, &mut frames, &block, names);
    }
    let elapsed = t.elapsed();
    println!(
        "tap record: {:.1} ns per frame ({} frames of 20 bytes in batches of 10, one subscriber)",
        elapsed.as_nanos() as f64 / frames_total as f64,
        frames_total
    );
    // The newest frames are there, intact, numbered in order, with the name.
    let items = rx.drain(usize::MAX);
    assert!(matches!(items[0], TapItem::Lost(n) if n == frames_total - 16_384), "older frames were dropped");
    let mut last = 0;
    for item in &items[1..] {
        let TapItem::Frame(f) = item else { panic!("only one lost count") };
        assert!(f.seq > last);
        last = f.seq;
        let k = ((f.seq - 1) % 10) as usize;
        assert_eq!(&f.bytes[..], &block[k * 20..k * 20 + 20]);
        assert_eq!(f.client.as_deref(), Some("subscriber-1"));
    }
    assert_eq!(last, frames_total);
}

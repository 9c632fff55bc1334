//! `mqtt-lab fuzz decode`: millions of inputs through the framer, the decoder and the span recorder.
//! No input may panic; a frame that decodes must encode again and decode to the same packet; the
//! span-recording decoder must agree with the plain one and give spans inside the frame, byte
//! fields in order and not overlapping.

use super::inputs::{Rng, input};
use crate::proto::{self, Framing};
use std::collections::BTreeMap;
use std::time::Instant;

/// What a run found.
#[derive(Debug, Default, Clone)]
pub struct DecodeReport {
    pub inputs: u64,
    pub whole_frames: u64,
    pub decoded: u64,
    /// Decode errors by kind (the first word of the error's debug form).
    pub errors: BTreeMap<String, u64>,
    /// Broken properties, with the input in hex (at most 20 kept).
    pub failures: Vec<String>,
    pub failure_count: u64,
    pub seconds: f64,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

/// Checks one input; `Err` names the broken property.
fn check(buf: &[u8], spans: bool, report: &mut DecodeReport) -> Result<(), String> {
    let frame = match proto::frame(buf, usize::MAX) {
        Ok(Framing::Whole(h)) if h.frame_len() <= buf.len() => &buf[..h.frame_len()],
        Ok(Framing::Whole(h)) => {
            return Err(format!("framer says whole with {} bytes of {}", h.frame_len(), buf.len()));
        }
        Ok(Framing::Incomplete { need }) => {
            if need == 0 {
                return Err("framer asks for 0 more bytes".into());
            }
            return Ok(());
        }
        Err(_) => return Ok(()),
    };
    report.whole_frames += 1;
    let plain = proto::decode_slice(frame);
    match &plain {
        Ok(p) => {
            report.decoded += 1;
            p.check_encodable().map_err(|e| format!("decoded {p:?} cannot be encoded: {e}"))?;
            let again = p.to_bytes();
            match proto::decode_slice(&again) {
                Ok(q) if &q == p => {}
                other => return Err(format!("{p:?} encodes to {} which decodes to {other:?}", hex(&again))),
            }
        }
        Err(e) => {
            let kind = format!("{:?}", e.kind);
            let word: String = kind.chars().take_while(|c| c.is_alphanumeric()).collect();
            *report.errors.entry(word).or_default() += 1;
            if e.offset > frame.len() {
                return Err(format!("error offset {} past the frame's {} bytes", e.offset, frame.len()));
            }
        }
    }
    if spans {
        let (with_spans, list) = proto::decode_spans(frame);
        if with_spans != plain {
            return Err(format!("the span decoder says {with_spans:?}, the plain one {plain:?}"));
        }
        let mut last_end = 0;
        for s in &list {
            if s.start > s.end || s.end > frame.len() {
                return Err(format!(
                    "span {}..{} of {} outside the {}-byte frame",
                    s.start,
                    s.end,
                    s.field.key,
                    frame.len()
                ));
            }
            if s.depth == 0 {
                if s.start < last_end {
                    return Err(format!(
                        "byte span {} at {} overlaps the one before (ends at {last_end})",
                        s.field.key, s.start
                    ));
                }
                last_end = s.end;
            }
        }
    }
    Ok(())
}

/// Runs `inputs` inputs from `seed` (spans checked on every `span_every`-th).
pub fn run(inputs: u64, seed: u64, span_every: u64) -> DecodeReport {
    let mut rng = Rng::new(seed);
    let mut report = DecodeReport::default();
    let started = Instant::now();
    for i in 0..inputs {
        let buf = input(&mut rng);
        let spans = span_every > 0 && i % span_every == 0;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut r = DecodeReport::default();
            let res = check(&buf, spans, &mut r);
            (res, r)
        }));
        report.inputs += 1;
        let failure = match outcome {
            Ok((res, r)) => {
                report.whole_frames += r.whole_frames;
                report.decoded += r.decoded;
                for (k, n) in r.errors {
                    *report.errors.entry(k).or_default() += n;
                }
                res.err()
            }
            Err(_) => Some("panicked".to_string()),
        };
        if let Some(f) = failure {
            report.failure_count += 1;
            if report.failures.len() < 20 {
                report.failures.push(format!("input {i}: {f}: {}", hex(&buf[..buf.len().min(256)])));
            }
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_short_run_finds_nothing_and_reaches_every_outcome() {
        let r = super::run(20_000, 1, 1);
        assert_eq!(r.failure_count, 0, "{:?}", r.failures);
        assert!(r.decoded > 2_000, "{r:?}");
        assert!(r.errors.len() > 5, "the mutations reach many decode errors: {:?}", r.errors);
    }
}

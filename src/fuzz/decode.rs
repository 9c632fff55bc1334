//! `mqtt-lab fuzz decode`: millions of inputs through the framer, the decoder and the span recorder,
//! each read both as a frame of a 3.1.1 connection and as one of a 5.0 connection.
//! No input may panic; a frame that decodes must encode again and decode to the same packet; the
//! span-recording decoder must agree with the plain one and give spans inside the frame, byte
//! fields in order and not overlapping.

use super::inputs::{Rng, input};
use crate::i18n::Text;
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
    pub failures: Vec<Text>,
    pub failure_count: u64,
    pub seconds: f64,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

/// Checks one input; `Err` names the broken property.
fn check(buf: &[u8], spans: bool, report: &mut DecodeReport) -> Result<(), Text> {
    let frame = match proto::frame(buf, usize::MAX) {
        Ok(Framing::Whole(h)) if h.frame_len() <= buf.len() => &buf[..h.frame_len()],
        Ok(Framing::Whole(h)) => {
            let (n, have) = (h.frame_len(), buf.len());
            return Err(Text::new(
                format!("分帧器说报文完整，要 {n} 字节，实际只有 {have} 字节"),
                format!("framer says whole with {n} bytes of {have}"),
            ));
        }
        Ok(Framing::Incomplete { need }) => {
            if need == 0 {
                return Err(Text::new("分帧器要求再读 0 个字节", "framer asks for 0 more bytes"));
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
            p.check_encodable().map_err(|e| {
                Text::new(format!("解码出的 {p:?} 无法再编码：{e}"), format!("decoded {p:?} cannot be encoded: {e}"))
            })?;
            let again = p.to_bytes();
            match proto::decode_slice(&again) {
                Ok(q) if &q == p => {}
                other => {
                    let h = hex(&again);
                    return Err(Text::new(
                        format!("{p:?} 编码为 {h}，再解码却得到 {other:?}"),
                        format!("{p:?} encodes to {h} which decodes to {other:?}"),
                    ));
                }
            }
        }
        Err(e) => {
            let kind = format!("{:?}", e.kind);
            let word: String = kind.chars().take_while(|c| c.is_alphanumeric()).collect();
            *report.errors.entry(word).or_default() += 1;
            if e.offset > frame.len() {
                let (at, n) = (e.offset, frame.len());
                return Err(Text::new(
                    format!("错误位置 {at} 超出了报文的 {n} 个字节"),
                    format!("error offset {at} past the frame's {n} bytes"),
                ));
            }
        }
    }
    check_v5(frame, spans)?;
    if spans {
        let (with_spans, list) = proto::decode_spans(frame);
        if with_spans != plain {
            return Err(Text::new(
                format!("记录字段范围的解码器给出 {with_spans:?}，普通解码器给出 {plain:?}"),
                format!("the span decoder says {with_spans:?}, the plain one {plain:?}"),
            ));
        }
        let mut last_end = 0;
        for s in &list {
            let (a, b, key, n) = (s.start, s.end, s.field.key, frame.len());
            if a > b || b > n {
                return Err(Text::new(
                    format!("{key} 的字段范围 {a}..{b} 超出了 {n} 字节的报文"),
                    format!("span {a}..{b} of {key} outside the {n}-byte frame"),
                ));
            }
            if s.depth == 0 {
                if a < last_end {
                    return Err(Text::new(
                        format!("{key} 的字节范围从 {a} 开始，和前一个（到 {last_end} 结束）重叠"),
                        format!("byte span {key} at {a} overlaps the one before (ends at {last_end})"),
                    ));
                }
                last_end = s.end;
            }
        }
    }
    Ok(())
}

/// The same frame read as one of a 5.0 connection: whatever decodes must encode again and decode to
/// the same packet, and the span decoder must agree and stay inside the frame.
fn check_v5(frame: &[u8], spans: bool) -> Result<(), Text> {
    use proto::{AnyPacket, Protocol};
    let plain = proto::decode_slice_v(frame, Protocol::V5);
    match &plain {
        Ok(AnyPacket::V5(p)) => {
            p.check_encodable().map_err(|e| {
                Text::new(
                    format!("5.0 解码出的 {p:?} 无法再编码：{e}"),
                    format!("5.0: decoded {p:?} cannot be encoded: {e}"),
                )
            })?;
            let again = p.to_bytes();
            match proto::decode_slice_v(&again, Protocol::V5) {
                Ok(AnyPacket::V5(q)) if &q == p => {}
                other => {
                    let h = hex(&again);
                    return Err(Text::new(
                        format!("5.0：{p:?} 编码为 {h}，再解码却得到 {other:?}"),
                        format!("5.0: {p:?} encodes to {h} which decodes to {other:?}"),
                    ));
                }
            }
        }
        Ok(AnyPacket::V3(_)) => {}
        Err(e) if e.offset > frame.len() => {
            let (at, n) = (e.offset, frame.len());
            return Err(Text::new(
                format!("5.0：错误位置 {at} 超出了报文的 {n} 个字节"),
                format!("5.0: error offset {at} past the frame's {n} bytes"),
            ));
        }
        Err(_) => {}
    }
    if spans {
        let (with_spans, list) = proto::decode_spans_v(frame, Protocol::V5);
        if with_spans != plain {
            return Err(Text::new(
                format!("5.0：记录字段范围的解码器给出 {with_spans:?}，普通解码器给出 {plain:?}"),
                format!("5.0: the span decoder says {with_spans:?}, the plain one {plain:?}"),
            ));
        }
        if let Some(s) = list.iter().find(|s| s.start > s.end || s.end > frame.len()) {
            let (a, b, key, n) = (s.start, s.end, s.field.key, frame.len());
            return Err(Text::new(
                format!("5.0：{key} 的字段范围 {a}..{b} 超出了 {n} 字节的报文"),
                format!("5.0: span {a}..{b} of {key} outside the {n}-byte frame"),
            ));
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
            Err(_) => Some(Text::new("崩溃了（panic）", "panicked")),
        };
        if let Some(f) = failure {
            report.failure_count += 1;
            if report.failures.len() < 20 {
                let h = hex(&buf[..buf.len().min(256)]);
                report
                    .failures
                    .push(Text::new(format!("输入 {i}：{}：{h}", f.zh), format!("input {i}: {}: {h}", f.en)));
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

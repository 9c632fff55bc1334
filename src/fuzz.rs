//! `mqtt-lab fuzz`: robustness campaigns a developer runs for millions of inputs and CI runs for a
//! few seconds. `fuzz decode` drives the framer and decoder in-process; `fuzz broker` attacks a real
//! broker over loopback while a canary pair checks it keeps every promise to the clients that behave.
//! It depends on `proto` and tokio, never on the broker it attacks.

pub mod broker;
pub mod decode;
pub mod inputs;

use crate::i18n::{Lang, Text};

/// `mqtt-lab fuzz ...`.
#[derive(clap::Args, Debug, Clone)]
pub struct FuzzArgs {
    #[command(subcommand)]
    pub target: FuzzTarget,
    /// Language of the output: zh or en (default: from the locale).
    #[arg(long, global = true, value_name = "zh|en", value_parser = crate::cli_text::parse_lang)]
    pub lang: Option<Lang>,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum FuzzTarget {
    /// Random and mutated frames through the framer and the decoder (no network).
    Decode {
        /// How many inputs.
        #[arg(long, default_value_t = 1_000_000)]
        inputs: u64,
        /// Seed of the input generator (the same seed gives the same inputs).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Check the span recorder on every Nth input (0: never).
        #[arg(long, value_name = "N", default_value_t = 1)]
        spans_every: u64,
        /// Print one JSON line instead of the text report.
        #[arg(long)]
        json: bool,
    },
    /// Random, mutated and pathological packets against a broker over loopback, with a canary pair.
    Broker {
        /// Stop after this many inputs...
        #[arg(long, default_value_t = u64::MAX)]
        inputs: u64,
        /// ...or after this many seconds, whichever comes first.
        #[arg(long, default_value_t = 30.0)]
        seconds: f64,
        /// Seed of the input generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Fuzzing connections at once.
        #[arg(long, default_value_t = 16)]
        conns: usize,
        /// Fail when the broker's resident memory exceeds this many MiB.
        #[arg(long, default_value_t = 512)]
        max_rss_mib: u64,
        /// Attack a broker already listening on 127.0.0.1:PORT instead of starting one.
        #[arg(long)]
        port: Option<u16>,
        /// The pid of that broker, to watch its memory.
        #[arg(long, requires = "port")]
        broker_pid: Option<u32>,
        /// Print one JSON line instead of the text report.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a campaign and prints its report in `lang` (the JSON line is the same in both languages,
/// its texts in English); `Err` (exit 1) when it found something.
pub async fn run(args: FuzzArgs, lang: Lang) -> Result<(), String> {
    match args.target {
        FuzzTarget::Decode { inputs, seed, spans_every, json } => {
            let r = tokio::task::spawn_blocking(move || decode::run(inputs, seed, spans_every)).await.map_err(|e| {
                lang.pick(&format!("解码器模糊测试意外中止：{e}"), &format!("the decoder fuzz stopped: {e}"))
                    .to_string()
            })?;
            if json {
                let errors: serde_json::Map<String, serde_json::Value> =
                    r.errors.iter().map(|(k, v)| (k.clone(), (*v).into())).collect();
                println!(
                    "{}",
                    serde_json::json!({
                        "inputs": r.inputs, "whole_frames": r.whole_frames, "decoded": r.decoded,
                        "errors": errors, "failures": r.failure_count, "seconds": r.seconds,
                        "inputs_per_s": r.inputs as f64 / r.seconds.max(1e-9),
                    })
                );
            } else {
                for line in decode_lines(&r, seed, lang) {
                    println!("{line}");
                }
            }
            let n = r.failure_count;
            if n > 0 {
                let en = format!("{n} input{} broke the decoder", if n == 1 { "" } else { "s" });
                Err(lang.pick(&format!("{n} 个输入让解码器出了错"), &en).to_string())
            } else {
                Ok(())
            }
        }
        FuzzTarget::Broker { inputs, seconds, seed, conns, max_rss_mib, port, broker_pid, json } => {
            let opts = broker::BrokerFuzz { inputs, seconds, seed, conns, max_rss_mib, port, broker_pid };
            let r = broker::run(opts).await.map_err(|e| e.get(lang).to_string())?;
            if json {
                println!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?);
            } else {
                for line in broker_lines(&r, seed, max_rss_mib, lang) {
                    println!("{line}");
                }
            }
            let n = r.failures.len();
            if r.ok() {
                Ok(())
            } else {
                let en = format!("the broker fuzz found {n} problem{}", if n == 1 { "" } else { "s" });
                Err(lang.pick(&format!("服务端模糊测试发现了 {n} 个问题"), &en).to_string())
            }
        }
    }
}

/// The text report of `fuzz decode`.
fn decode_lines(r: &decode::DecodeReport, seed: u64, lang: Lang) -> Vec<String> {
    let rate = r.inputs as f64 / r.seconds.max(1e-9);
    let refused = r.whole_frames - r.decoded;
    let mut kinds: Vec<_> = r.errors.iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(a.1));
    let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let mut out = match lang {
        Lang::Zh => vec![
            format!(
                "解码器模糊测试：{} 个输入，用时 {:.1} 秒（每秒 {rate:.0} 个），种子 {seed}；{} 个完整报文，{} 个解码成功，{refused} 个被拒绝",
                r.inputs, r.seconds, r.whole_frames, r.decoded
            ),
            format!("按类型统计的拒绝：{}", list.join("、")),
            format!("失败：{}", r.failure_count),
        ],
        Lang::En => vec![
            format!(
                "decoder fuzz: {} inputs in {:.1} s ({rate:.0}/s), seed {seed}; {} whole frames, {} decoded, {refused} refused",
                r.inputs, r.seconds, r.whole_frames, r.decoded
            ),
            format!("refusals by kind: {}", list.join(", ")),
            format!("failures: {}", r.failure_count),
        ],
    };
    out.extend(r.failures.iter().map(|f| format!("  {}", f.get(lang))));
    out
}

/// The text report of `fuzz broker`.
fn broker_lines(r: &broker::BrokerReport, seed: u64, max_rss_mib: u64, lang: Lang) -> Vec<String> {
    let rate = r.inputs as f64 / r.seconds.max(1e-9);
    let (start, peak, end) = (r.rss_start_kib / 1024, r.rss_peak_kib / 1024, r.rss_end_kib / 1024);
    let (sent, got, lost, dup, order) =
        (r.canary_sent, r.canary_received, r.canary_lost, r.canary_duplicated, r.canary_reordered);
    let mut out = match lang {
        Lang::Zh => vec![
            format!(
                "服务端模糊测试：{} 个输入，{} 个连接，用时 {:.1} 秒（每秒 {rate:.0} 个输入），种子 {seed}",
                r.inputs, r.connections, r.seconds
            ),
            format!("金丝雀：发送 {sent} 条，收到 {got} 条，丢失 {lost} 条，重复 {dup} 条，乱序 {order} 条"),
            format!(
                "服务端 RSS：开始 {start} MiB，峰值 {peak} MiB，结束 {end} MiB（上限 {max_rss_mib} MiB）；仍在运行：{}",
                if r.broker_alive { "是" } else { "否" }
            ),
        ],
        Lang::En => vec![
            format!(
                "broker fuzz: {} inputs on {} connections in {:.1} s ({rate:.0} inputs/s), seed {seed}",
                r.inputs, r.connections, r.seconds
            ),
            format!("canary: {sent} sent, {got} received, {lost} lost, {dup} duplicated, {order} out of order"),
            format!(
                "broker RSS: {start} MiB at start, {peak} MiB peak, {end} MiB at the end (bound {max_rss_mib} MiB); alive: {}",
                if r.broker_alive { "yes" } else { "NO" }
            ),
        ],
    };
    out.extend(r.failures.iter().map(|f| format!("{}{}", lang.pick("失败：", "FAILED: "), f.get(lang))));
    out
}

/// Serializes texts as their English (for the JSON reports, which scripts read).
fn english<S: serde::Serializer>(texts: &[Text], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(texts.iter().map(|t| t.en.as_str()))
}

//! `mqtt-lab fuzz`: robustness campaigns a developer runs for millions of inputs and CI runs for a
//! few seconds. `fuzz decode` drives the framer and decoder in-process; `fuzz broker` attacks a real
//! broker over loopback while a canary pair checks it keeps every promise to the clients that behave.
//! It depends on `proto` and tokio, never on the broker it attacks.

pub mod broker;
pub mod decode;
pub mod inputs;

/// `mqtt-lab fuzz ...`.
#[derive(clap::Args, Debug, Clone)]
pub struct FuzzArgs {
    #[command(subcommand)]
    pub target: FuzzTarget,
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

/// Runs a campaign; `Err` (exit 1) when it found something.
pub async fn run(args: FuzzArgs) -> Result<(), String> {
    match args.target {
        FuzzTarget::Decode { inputs, seed, spans_every, json } => {
            let r = tokio::task::spawn_blocking(move || decode::run(inputs, seed, spans_every))
                .await
                .map_err(|e| format!("the decoder fuzz stopped: {e}"))?;
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
                println!(
                    "decoder fuzz: {} inputs in {:.1} s ({:.0}/s), seed {seed}; {} whole frames, {} decoded, {} refused",
                    r.inputs,
                    r.seconds,
                    r.inputs as f64 / r.seconds.max(1e-9),
                    r.whole_frames,
                    r.decoded,
                    r.whole_frames - r.decoded
                );
                let mut kinds: Vec<_> = r.errors.iter().collect();
                kinds.sort_by(|a, b| b.1.cmp(a.1));
                let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
                println!("refusals by kind: {}", list.join(", "));
                println!("failures: {}", r.failure_count);
                for f in &r.failures {
                    println!("  {f}");
                }
            }
            if r.failure_count > 0 { Err(format!("{} inputs broke the decoder", r.failure_count)) } else { Ok(()) }
        }
        FuzzTarget::Broker { inputs, seconds, seed, conns, max_rss_mib, port, broker_pid, json } => {
            let opts = broker::BrokerFuzz { inputs, seconds, seed, conns, max_rss_mib, port, broker_pid };
            let r = broker::run(opts).await?;
            if json {
                println!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?);
            } else {
                println!(
                    "broker fuzz: {} inputs on {} connections in {:.1} s ({:.0} inputs/s), seed {seed}",
                    r.inputs,
                    r.connections,
                    r.seconds,
                    r.inputs as f64 / r.seconds.max(1e-9)
                );
                println!(
                    "canary: {} sent, {} received, {} lost, {} duplicated, {} out of order",
                    r.canary_sent, r.canary_received, r.canary_lost, r.canary_duplicated, r.canary_reordered
                );
                println!(
                    "broker RSS: {} MiB at start, {} MiB peak, {} MiB at the end (bound {max_rss_mib} MiB); alive: {}",
                    r.rss_start_kib / 1024,
                    r.rss_peak_kib / 1024,
                    r.rss_end_kib / 1024,
                    if r.broker_alive { "yes" } else { "NO" }
                );
                for f in &r.failures {
                    println!("FAILED: {f}");
                }
            }
            if r.ok() { Ok(()) } else { Err(format!("the broker fuzz found {} problem(s)", r.failures.len())) }
        }
    }
}

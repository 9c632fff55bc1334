//! `mqtt-lab bench`: a load generator that speaks MQTT 3.1.1 itself, with the project's codec, over
//! real sockets, so it measures any broker (ours, mosquitto, EMQX…) the same way. It owns the
//! command line of the subcommand, the four scenarios (fan-in, fan-out, latency at a fixed rate, many
//! idle connections; in `bench/`) and their report (a table, or one JSON line for scripts). It
//! depends on `proto` and tokio only — never on the broker or the runtime it may be measuring.

mod client;
mod conns;
mod flow;
mod report;

use std::time::Duration;

use crate::cli_text::in_range;
use crate::i18n::{Lang, Text};
use crate::proto::QoS;

/// What to measure.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// N publishers (--pubs, default 4) → 1 subscriber on one topic: messages received per second.
    Fanin,
    /// 1 publisher → N subscribers (--subs, default 10): deliveries (messages × subscribers) per second.
    Fanout,
    /// One publisher at a fixed --rate → one subscriber for --seconds: one-way latency percentiles.
    Latency,
    /// Open --conns idle connections, hold them for --seconds: how many succeeded, connect time, memory.
    Conns,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Fanin => "fanin",
            Scenario::Fanout => "fanout",
            Scenario::Latency => "latency",
            Scenario::Conns => "conns",
        }
    }
}

/// `mqtt-lab bench SCENARIO [options]`.
#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// The scenario to run.
    #[arg(value_enum)]
    pub scenario: Scenario,
    /// Broker host.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Broker port.
    #[arg(long, default_value_t = 1883)]
    pub port: u16,
    /// QoS of the publishes and of the subscriptions.
    #[arg(long, default_value_t = 0, value_parser = in_range(0u8, 2))]
    pub qos: u8,
    /// Payload size in bytes (latency needs at least 8: the send timestamp).
    #[arg(long, default_value_t = 64)]
    pub payload_bytes: usize,
    /// Publishers [default: 4 for fanin, else 1].
    #[arg(long)]
    pub pubs: Option<usize>,
    /// Subscribers [default: 10 for fanout, else 1].
    #[arg(long)]
    pub subs: Option<usize>,
    /// Messages per publisher [default: 100000 for fanin, 20000 for fanout unless --seconds is given;
    /// latency: no limit but --seconds].
    #[arg(long)]
    pub msgs: Option<u64>,
    /// Publishing time (fanin, fanout, latency [default 5]) or holding time (conns [default 5]).
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Messages per second per publisher [default: 5000 for latency, unlimited otherwise].
    #[arg(long)]
    pub rate: Option<f64>,
    /// Connections to open (conns).
    #[arg(long, default_value_t = 10_000)]
    pub conns: usize,
    /// Connection attempts in flight at once (conns).
    #[arg(long, default_value_t = 200)]
    pub concurrency: usize,
    /// Unacknowledged publishes per publisher at QoS 1 and 2.
    #[arg(long, default_value_t = 64, value_parser = in_range(1u16, 32_768))]
    pub inflight: u16,
    /// The broker's process id: conns then reports its memory (VmRSS) per connection.
    #[arg(long)]
    pub broker_pid: Option<u32>,
    /// Upper bound on the whole run in seconds, whatever the broker does.
    #[arg(long, default_value_t = 120.0)]
    pub timeout: f64,
    /// Print one JSON object line instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Speak MQTT 5.0 instead of 3.1.1 (the same load, 5.0 framing: property lengths, reason codes).
    #[arg(long)]
    pub v5: bool,
    /// Language of the output: zh or en (default: from the locale).
    #[arg(long, value_name = "zh|en", value_parser = crate::cli_text::parse_lang)]
    pub lang: Option<Lang>,
}

/// Where the broker is, for connecting and for error messages.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub host: String,
    pub port: u16,
    /// The clients speak MQTT 5.0.
    pub v5: bool,
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Runs one scenario and prints its result to stdout in `lang` (progress and warnings go to
/// stderr); the JSON line is the same in both languages, its texts in English.
pub async fn run(args: BenchArgs, lang: Lang) -> Result<(), String> {
    let report = measure(&args, lang).await.map_err(|e| e.get(lang).to_string())?;
    let out = if args.json { report.json() } else { report.table(lang) };
    println!("{out}");
    Ok(())
}

async fn measure(args: &BenchArgs, lang: Lang) -> Result<report::Report, Text> {
    let target = Target { host: args.host.clone(), port: args.port, v5: args.v5 };
    let qos = QoS::from_u8(args.qos).ok_or_else(|| {
        Text::new(format!("--qos {}：只能是 0、1 或 2", args.qos), format!("--qos {}: must be 0, 1 or 2", args.qos))
    })?;
    let timeout = positive_secs("--timeout", args.timeout)?;
    let seconds = args.seconds.map(|s| positive_secs("--seconds", s)).transpose()?;
    let rate = match args.rate {
        Some(r) if !(r.is_finite() && r > 0.0) => {
            return Err(Text::new(format!("--rate {r}：必须是正数"), format!("--rate {r}: must be a positive number")));
        }
        r => r,
    };
    let report = match args.scenario {
        Scenario::Conns => {
            if args.conns == 0 || args.concurrency == 0 {
                return Err(Text::new(
                    "--conns 和 --concurrency 至少为 1",
                    "--conns and --concurrency must be at least 1",
                ));
            }
            let plan = conns::Plan {
                conns: args.conns,
                concurrency: args.concurrency,
                hold: seconds.unwrap_or(Duration::from_secs(5)),
                broker_pid: args.broker_pid,
                timeout,
            };
            report::Report::Conns(conns::run(&target, &plan, lang).await?)
        }
        scenario => {
            let latency = scenario == Scenario::Latency;
            let pubs = args.pubs.unwrap_or(if scenario == Scenario::Fanin { 4 } else { 1 });
            let subs = args.subs.unwrap_or(if scenario == Scenario::Fanout { 10 } else { 1 });
            if pubs == 0 || subs == 0 {
                return Err(Text::new("--pubs 和 --subs 至少为 1", "--pubs and --subs must be at least 1"));
            }
            let n = args.payload_bytes;
            if latency && n < 8 {
                return Err(Text::new(
                    format!("--payload-bytes {n}：latency 至少要 8 字节（放发送时间戳）"),
                    format!("--payload-bytes {n}: latency needs at least 8 (the send timestamp)"),
                ));
            }
            if n > 16 << 20 {
                return Err(Text::new(
                    format!("--payload-bytes {n}：最多 16 MiB"),
                    format!("--payload-bytes {n}: at most 16 MiB"),
                ));
            }
            let (msgs, seconds) = match (args.msgs, seconds, latency) {
                (Some(0), _, _) => return Err(Text::new("--msgs 至少为 1", "--msgs must be at least 1")),
                (m, Some(s), _) => (m, Some(s)),
                (m, None, true) => (m, Some(Duration::from_secs(5))),
                (Some(m), None, false) => (Some(m), None),
                (None, None, false) => (Some(if scenario == Scenario::Fanin { 100_000 } else { 20_000 }), None),
            };
            let plan = flow::Plan {
                scenario,
                pubs,
                subs,
                qos,
                payload_bytes: args.payload_bytes,
                msgs,
                seconds,
                rate: rate.or(if latency { Some(5000.0) } else { None }),
                window: args.inflight,
                stamp: latency,
                timeout,
                v5: args.v5,
            };
            report::Report::Flow(flow::run(&target, &plan).await?)
        }
    };
    Ok(report)
}

fn positive_secs(flag: &str, s: f64) -> Result<Duration, Text> {
    if s.is_finite() && s > 0.0 && s < 1e6 {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(Text::new(
            format!("{flag} {s}：必须是正的秒数"),
            format!("{flag} {s}: must be a positive number of seconds"),
        ))
    }
}

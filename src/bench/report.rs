//! The bench's output: a small human-readable table, or one JSON object line whose keys the
//! comparison script (`scripts/bench-vs-mosquitto`) reads. Pure formatting over the scenario
//! reports; no I/O.

use serde_json::{Value, json};

use super::Scenario;
use super::conns::ConnsReport;
use super::flow::FlowReport;

pub enum Report {
    Flow(FlowReport),
    Conns(ConnsReport),
}

/// The value at quantile `q` (0..=1) of sorted `v`, by the nearest-rank method.
pub fn quantile(v: &[u64], q: f64) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    let rank = (q * v.len() as f64).ceil() as usize;
    Some(v[rank.clamp(1, v.len()) - 1])
}

fn per_sec(n: u64, secs: f64) -> f64 {
    if secs > 0.0 { n as f64 / secs } else { 0.0 }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Latency percentiles in microseconds: (label, JSON key, quantile).
const PERCENTILES: [(&str, &str, f64); 5] = [
    ("p50", "p50_us", 0.5),
    ("p90", "p90_us", 0.9),
    ("p99", "p99_us", 0.99),
    ("p99.9", "p999_us", 0.999),
    ("max", "max_us", 1.0),
];

impl Report {
    pub fn json(&self) -> String {
        match self {
            Report::Flow(r) => flow_json(r),
            Report::Conns(r) => conns_json(r),
        }
        .to_string()
    }

    pub fn table(&self) -> String {
        match self {
            Report::Flow(r) => flow_table(r),
            Report::Conns(r) => conns_table(r),
        }
    }
}

fn flow_json(r: &FlowReport) -> Value {
    let p = &r.plan;
    let mut v = json!({
        "scenario": p.scenario.name(),
        "qos": p.qos.as_u8(),
        "pubs": p.pubs,
        "subs": p.subs,
        "payload_bytes": p.payload_bytes,
        "msgs_per_pub": p.msgs,
        "seconds": p.seconds.map(|d| d.as_secs_f64()),
        "rate": p.rate,
        "inflight": p.window,
        "sent": r.sent,
        "completed": r.completed,
        "expected": r.expected,
        "received": r.received,
        "lost": r.expected.saturating_sub(r.received),
        "duplicates": r.received.saturating_sub(r.expected),
        "send_secs": r.send_secs,
        "recv_secs": r.recv_secs,
        "sent_per_s": round1(per_sec(r.sent, r.send_secs)),
        "received_per_s": round1(per_sec(r.received, r.recv_secs)),
        "errors": r.errors,
    });
    if p.scenario == Scenario::Latency {
        for (_, key, q) in PERCENTILES {
            v[key] = json!(quantile(&r.latencies, q).map(|ns| round1(ns as f64 / 1e3)));
        }
        v["samples"] = json!(r.latencies.len());
    }
    v
}

fn conns_json(r: &ConnsReport) -> Value {
    let mut v = json!({
        "scenario": "conns",
        "requested": r.plan.conns,
        "concurrency": r.plan.concurrency,
        "connected": r.connected,
        "failed": r.failed,
        "alive_after_hold": r.alive,
        "hold_secs": r.plan.hold.as_secs_f64(),
        "connect_secs": r.connect_secs,
        "connects_per_s": round1(per_sec(r.connected as u64, r.connect_secs)),
        "broker_pid": r.plan.broker_pid,
        "rss_before_bytes": r.rss_before,
        "rss_after_bytes": r.rss_after,
        "rss_per_conn_bytes": r.rss_per_conn().map(|x| x.round()),
        "nofile_limit": r.nofile,
        "errors": r.errors,
    });
    for (_, key, q) in PERCENTILES {
        v[format!("connect_{key}")] = json!(quantile(&r.connect_us, q));
    }
    v
}

/// Two columns, the labels padded.
fn rows(title: String, rows: &[(String, String)]) -> String {
    let w = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let mut out = title;
    for (l, v) in rows {
        out.push_str(&format!("\n  {l:<w$}  {v}"));
    }
    out
}

fn flow_table(r: &FlowReport) -> String {
    let p = &r.plan;
    let mut title = format!(
        "{}  QoS {}  {} pub{} → {} sub{}  {}-byte payload",
        p.scenario.name(),
        p.qos.as_u8(),
        p.pubs,
        if p.pubs == 1 { "" } else { "s" },
        p.subs,
        if p.subs == 1 { "" } else { "s" },
        p.payload_bytes
    );
    if let Some(rate) = p.rate {
        title.push_str(&format!("  {rate} msg/s per publisher"));
    }
    let what = if p.subs > 1 { "deliveries" } else { "received" };
    let lost = r.expected.saturating_sub(r.received);
    let mut v = vec![
        (
            "sent".to_string(),
            format!("{:>10} msgs in {:.3} s = {:>10.0} msg/s", r.sent, r.send_secs, per_sec(r.sent, r.send_secs)),
        ),
        (
            what.to_string(),
            format!(
                "{:>10} msgs in {:.3} s = {:>10.0} msg/s",
                r.received,
                r.recv_secs,
                per_sec(r.received, r.recv_secs)
            ),
        ),
        (
            "lost".to_string(),
            format!(
                "{lost:>10} of {} expected ({:.2} %)",
                r.expected,
                if r.expected > 0 { lost as f64 * 100.0 / r.expected as f64 } else { 0.0 }
            ),
        ),
    ];
    if p.qos.as_u8() > 0 {
        v.push(("acknowledged".to_string(), format!("{:>10} of {} sent", r.completed, r.sent)));
    }
    if r.received > r.expected {
        v.push(("duplicates".to_string(), format!("{:>10}", r.received - r.expected)));
    }
    if p.scenario == Scenario::Latency {
        v.push(("samples".to_string(), format!("{:>10}", r.latencies.len())));
        for (label, _, q) in PERCENTILES {
            let x = quantile(&r.latencies, q).map_or("-".to_string(), |ns| format!("{:.1}", ns as f64 / 1e3));
            v.push((format!("latency {label}"), format!("{x:>10} µs")));
        }
    }
    for e in &r.errors {
        v.push(("error".to_string(), e.clone()));
    }
    rows(title, &v)
}

fn conns_table(r: &ConnsReport) -> String {
    let title = format!(
        "conns  {} idle connections, {} at a time, held {:.1} s",
        r.plan.conns,
        r.plan.concurrency,
        r.plan.hold.as_secs_f64()
    );
    let mut v = vec![
        ("connected".to_string(), format!("{:>8} of {}", r.connected, r.plan.conns)),
        ("failed".to_string(), format!("{:>8}", r.failed)),
        ("alive after hold".to_string(), format!("{:>8}", r.alive)),
        (
            "connect time".to_string(),
            format!(
                "{:>8.3} s for all = {:.0} connections/s",
                r.connect_secs,
                per_sec(r.connected as u64, r.connect_secs)
            ),
        ),
    ];
    let us: Vec<String> = PERCENTILES
        .iter()
        .map(|(l, _, q)| format!("{l} {}", quantile(&r.connect_us, *q).map_or("-".into(), |x| x.to_string())))
        .collect();
    v.push(("CONNECT→CONNACK µs".to_string(), us.join("  ")));
    if let (Some(b), Some(a)) = (r.rss_before, r.rss_after) {
        v.push(("broker RSS".to_string(), format!("{} KiB → {} KiB", b / 1024, a / 1024)));
    }
    if let Some(x) = r.rss_per_conn() {
        v.push(("RSS per connection".to_string(), format!("{x:>8.0} bytes")));
    }
    if let Some(n) = r.nofile {
        v.push(("open-file limit".to_string(), format!("{n:>8}")));
    }
    for e in &r.errors {
        v.push(("error".to_string(), e.clone()));
    }
    rows(title, &v)
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<u64> = (1..=1000).collect();
        assert_eq!(quantile(&v, 0.5), Some(500));
        assert_eq!(quantile(&v, 0.99), Some(990));
        assert_eq!(quantile(&v, 0.999), Some(999));
        assert_eq!(quantile(&v, 1.0), Some(1000));
        assert_eq!(quantile(&v, 0.0), Some(1));
        assert_eq!(quantile(&[], 0.5), None);
    }
}

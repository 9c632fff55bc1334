//! The bench's output: a small human-readable table in 中文 or English, or one JSON object line
//! whose keys the comparison script (`scripts/bench-vs-mosquitto`) reads (the same in both
//! languages, its texts in English). Pure formatting over the scenario reports; no I/O.

use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use crate::i18n::Lang;

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

    pub fn table(&self, lang: Lang) -> String {
        match self {
            Report::Flow(r) => flow_table(r, lang),
            Report::Conns(r) => conns_table(r, lang),
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
        "mqtt": if p.v5 { "5.0" } else { "3.1.1" },
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
        "errors": r.errors.iter().map(|e| e.en.as_str()).collect::<Vec<_>>(),
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
        "errors": r.errors.iter().map(|e| e.en.as_str()).collect::<Vec<_>>(),
    });
    for (_, key, q) in PERCENTILES {
        v[format!("connect_{key}")] = json!(quantile(&r.connect_us, q));
    }
    v
}

/// Two columns, the labels padded to the widest (in terminal columns: a Chinese character takes
/// two).
fn rows(title: String, rows: &[(String, String)]) -> String {
    let w = rows.iter().map(|(l, _)| l.width()).max().unwrap_or(0);
    let mut out = title;
    for (l, v) in rows {
        out.push_str(&format!("\n  {l}{}  {v}", " ".repeat(w - l.width())));
    }
    out
}

/// "" or "s".
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn flow_table(r: &FlowReport, lang: Lang) -> String {
    let p = &r.plan;
    let (q, pubs, subs, bytes) = (p.qos.as_u8(), p.pubs, p.subs, p.payload_bytes);
    let mut title = match lang {
        Lang::Zh => format!("{}  QoS {q}  {pubs} 个发布者 → {subs} 个订阅者  消息内容 {bytes} 字节", p.scenario.name()),
        Lang::En => format!(
            "{}  QoS {q}  {pubs} pub{} → {subs} sub{}  {bytes}-byte payload",
            p.scenario.name(),
            plural(pubs),
            plural(subs)
        ),
    };
    if p.v5 {
        title.push_str("  MQTT 5.0");
    }
    if let Some(rate) = p.rate {
        title.push_str(&match lang {
            Lang::Zh => format!("  每个发布者 {rate} 条/秒"),
            Lang::En => format!("  {rate} msg/s per publisher"),
        });
    }
    let what = if p.subs > 1 { lang.pick("投递", "deliveries") } else { lang.pick("收到", "received") };
    let lost = r.expected.saturating_sub(r.received);
    let lost_pct = if r.expected > 0 { lost as f64 * 100.0 / r.expected as f64 } else { 0.0 };
    let flow = |n: u64, secs: f64| match lang {
        Lang::Zh => format!("{n:>10} 条，用时 {secs:.3} 秒 = {:>10.0} 条/秒", per_sec(n, secs)),
        Lang::En => format!("{n:>10} msgs in {secs:.3} s = {:>10.0} msg/s", per_sec(n, secs)),
    };
    let mut v = vec![
        (lang.pick("发送", "sent").to_string(), flow(r.sent, r.send_secs)),
        (what.to_string(), flow(r.received, r.recv_secs)),
        (
            lang.pick("丢失", "lost").to_string(),
            match lang {
                Lang::Zh => format!("{lost:>10} 条，应收 {} 条（{lost_pct:.2} %）", r.expected),
                Lang::En => format!("{lost:>10} of {} expected ({lost_pct:.2} %)", r.expected),
            },
        ),
    ];
    if p.qos.as_u8() > 0 {
        v.push((
            lang.pick("已确认", "acknowledged").to_string(),
            match lang {
                Lang::Zh => format!("{:>10} 条，共发送 {} 条", r.completed, r.sent),
                Lang::En => format!("{:>10} of {} sent", r.completed, r.sent),
            },
        ));
    }
    if r.received > r.expected {
        let n = r.received - r.expected;
        v.push((
            lang.pick("重复", "duplicates").to_string(),
            match lang {
                Lang::Zh => format!("{n:>10} 条"),
                Lang::En => format!("{n:>10}"),
            },
        ));
    }
    if p.scenario == Scenario::Latency {
        v.push((lang.pick("样本数", "samples").to_string(), format!("{:>10}", r.latencies.len())));
        for (label, _, q) in PERCENTILES {
            let x = quantile(&r.latencies, q).map_or("-".to_string(), |ns| format!("{:.1}", ns as f64 / 1e3));
            let label = match (lang, label) {
                (Lang::Zh, "max") => "最大延迟".to_string(),
                (Lang::Zh, p) => format!("延迟 {p}"),
                (Lang::En, p) => format!("latency {p}"),
            };
            v.push((label, format!("{x:>10} {}", lang.pick("微秒", "µs"))));
        }
    }
    for e in &r.errors {
        v.push((lang.pick("错误", "error").to_string(), e.get(lang).to_string()));
    }
    rows(title, &v)
}

fn conns_table(r: &ConnsReport, lang: Lang) -> String {
    let (n, at_once, held) = (r.plan.conns, r.plan.concurrency, r.plan.hold.as_secs_f64());
    let title = match lang {
        Lang::Zh => format!("conns  {n} 个空闲连接，每次同时连 {at_once} 个，保持 {held:.1} 秒"),
        Lang::En => format!("conns  {n} idle connection{}, {at_once} at a time, held {held:.1} s", plural(n)),
    };
    let rate = per_sec(r.connected as u64, r.connect_secs);
    let mut v = vec![
        (
            lang.pick("已连接", "connected").to_string(),
            match lang {
                Lang::Zh => format!("{:>8} 个，共 {n} 个", r.connected),
                Lang::En => format!("{:>8} of {n}", r.connected),
            },
        ),
        (lang.pick("失败", "failed").to_string(), format!("{:>8}", r.failed)),
        (lang.pick("保持后仍在线", "alive after hold").to_string(), format!("{:>8}", r.alive)),
        (
            lang.pick("连接用时", "connect time").to_string(),
            match lang {
                Lang::Zh => format!("{:>8.3} 秒连完全部 = 每秒 {rate:.0} 个连接", r.connect_secs),
                Lang::En => format!("{:>8.3} s for all = {rate:.0} connections/s", r.connect_secs),
            },
        ),
    ];
    let us: Vec<String> = PERCENTILES
        .iter()
        .map(|(l, _, q)| {
            let l = if *l == "max" { lang.pick("最大", "max") } else { l };
            format!("{l} {}", quantile(&r.connect_us, *q).map_or("-".into(), |x| x.to_string()))
        })
        .collect();
    v.push((lang.pick("CONNECT→CONNACK 微秒", "CONNECT→CONNACK µs").to_string(), us.join("  ")));
    if let (Some(b), Some(a)) = (r.rss_before, r.rss_after) {
        v.push((lang.pick("服务端 RSS", "broker RSS").to_string(), format!("{} KiB → {} KiB", b / 1024, a / 1024)));
    }
    if let Some(x) = r.rss_per_conn() {
        v.push((
            lang.pick("每个连接的 RSS", "RSS per connection").to_string(),
            format!("{x:>8.0} {}", lang.pick("字节", "bytes")),
        ));
    }
    if let Some(n) = r.nofile {
        v.push((lang.pick("打开文件数上限", "open-file limit").to_string(), format!("{n:>8}")));
    }
    for e in &r.errors {
        v.push((lang.pick("错误", "error").to_string(), e.get(lang).to_string()));
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

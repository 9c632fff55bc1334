//! The `conns` scenario: open many idle MQTT connections (CONNECT with a clean session, keep alive
//! 600 s, wait for CONNACK) with a bounded number of attempts in flight, hold them, count how many
//! are still open, and — given the broker's pid — read its resident memory from /proc before and
//! after to get bytes per connection. Depends on `client` only.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use super::Target;
use super::client::connect;
use crate::cli_text::io_zh;
use crate::i18n::{Lang, Text};
use crate::proto::Packet;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub conns: usize,
    pub concurrency: usize,
    pub hold: Duration,
    pub broker_pid: Option<u32>,
    pub timeout: Duration,
}

/// What happened.
#[derive(Debug, Clone)]
pub struct ConnsReport {
    pub plan: Plan,
    pub connected: usize,
    pub failed: usize,
    /// The first few distinct failures.
    pub errors: Vec<Text>,
    /// Still open at the end of the hold.
    pub alive: usize,
    /// From the first attempt until the last one ended.
    pub connect_secs: f64,
    /// Connect-to-CONNACK times of the successful ones, in microseconds, sorted.
    pub connect_us: Vec<u64>,
    /// The broker's VmRSS in bytes before opening and at the end of the hold.
    pub rss_before: Option<u64>,
    pub rss_after: Option<u64>,
    /// This process's open-file limit (soft) during the run.
    pub nofile: Option<u64>,
}

impl ConnsReport {
    pub fn rss_per_conn(&self) -> Option<f64> {
        match (self.rss_before, self.rss_after) {
            (Some(b), Some(a)) if self.connected > 0 => Some((a as f64 - b as f64) / self.connected as f64),
            _ => None,
        }
    }
}

/// The keep alive of the idle connections: longer than any hold, so no PINGREQ is needed.
const KEEP_ALIVE: u16 = 600;

pub async fn run(target: &Target, plan: &Plan, lang: Lang) -> Result<ConnsReport, Text> {
    let nofile = raise_nofile_limit();
    if let Some(n) = nofile
        && (n as usize) < plan.conns + 64
    {
        let c = plan.conns;
        eprintln!(
            "{}",
            match lang {
                Lang::Zh => format!("bench：打开文件数上限是 {n}，不够 {c} 个连接用；请用 `ulimit -n` 调高"),
                Lang::En => format!(
                    "bench: the open-file limit is {n}, too low for {c} {}; raise it with `ulimit -n`",
                    if c == 1 { "connection" } else { "connections" }
                ),
            }
        );
    }
    let rss_before = match plan.broker_pid {
        Some(pid) => Some(read_rss(pid)?),
        None => None,
    };
    let me = std::process::id();
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + plan.timeout;
    let mut workers = Vec::new();
    for _ in 0..plan.concurrency.min(plan.conns) {
        let (next, failed, target) = (next.clone(), failed.clone(), target.clone());
        let n = plan.conns;
        workers.push(tokio::spawn(async move {
            let mut streams: Vec<TcpStream> = Vec::new();
            let mut times = Vec::new();
            let mut errors: Vec<Text> = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n || Instant::now() >= deadline {
                    break;
                }
                let t0 = Instant::now();
                match connect(&target, &format!("bench-{me}-c{i}"), KEEP_ALIVE, 64).await {
                    Ok(c) => {
                        times.push(t0.elapsed().as_micros() as u64);
                        streams.push(c.stream);
                    }
                    Err(e) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        if errors.len() < 3 && !errors.contains(&e) {
                            errors.push(e);
                        }
                    }
                }
            }
            (streams, times, errors)
        }));
    }
    let mut streams = Vec::with_capacity(plan.conns);
    let mut connect_us = Vec::with_capacity(plan.conns);
    let mut errors: Vec<Text> = Vec::new();
    for w in workers {
        let (s, t, e) = w
            .await
            .map_err(|e| Text::new(format!("连接任务意外退出：{e}"), format!("connection worker failed: {e}")))?;
        streams.extend(s);
        connect_us.extend(t);
        for e in e {
            if errors.len() < 5 && !errors.contains(&e) {
                errors.push(e);
            }
        }
    }
    let connect_secs = start.elapsed().as_secs_f64();
    connect_us.sort_unstable();
    let failed = failed.load(Ordering::Relaxed);
    if streams.is_empty()
        && let Some(e) = errors.first()
    {
        return Err(e.clone());
    }

    tokio::time::sleep(plan.hold).await;
    let rss_after = match plan.broker_pid {
        Some(pid) => Some(read_rss(pid)?),
        None => None,
    };
    let alive = streams.iter().filter(|s| is_open(s)).count();

    // Say goodbye: DISCONNECT on each (never blocks: the send buffers are empty), then close.
    let bye = Packet::Disconnect.to_bytes();
    for s in &streams {
        let _ = s.try_write(&bye);
    }
    drop(streams);

    Ok(ConnsReport {
        plan: plan.clone(),
        connected: connect_us.len(),
        failed,
        errors,
        alive,
        connect_secs,
        connect_us,
        rss_before,
        rss_after,
        nofile,
    })
}

/// Whether the broker has not closed this connection (nothing to read, or data but no EOF).
fn is_open(s: &TcpStream) -> bool {
    let mut b = [0u8; 64];
    match s.try_read(&mut b) {
        Ok(0) => false,
        Ok(_) => true,
        Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
    }
}

/// VmRSS of a process, in bytes.
pub fn read_rss(pid: u32) -> Result<u64, Text> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Text::new(
            format!("读取 {path} 失败（--broker-pid {pid}）：{}", io_zh(&e)),
            format!("reading {path} (--broker-pid {pid}): {e}"),
        )
    })?;
    text.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| Text::new(format!("{path} 里没有 VmRSS 这一行"), format!("{path} has no VmRSS line")))
}

/// The soft open-file limit of this process, from /proc/self/limits.
fn nofile_limits() -> Option<(u64, Option<u64>)> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let mut nums = line["Max open files".len()..].split_whitespace();
    let soft = nums.next()?.parse().ok()?;
    let hard = nums.next().and_then(|h| h.parse().ok());
    Some((soft, hard))
}

/// Raises the soft open-file limit to the hard one if it is lower, and returns the soft limit in
/// force.
fn raise_nofile_limit() -> Option<u64> {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    nofile_limits().map(|(soft, _)| soft)
}

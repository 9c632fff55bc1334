//! `mqtt-lab fuzz broker`: random, mutated and pathological packets against a real broker over
//! loopback sockets, from several connections at once, while a canary pair (one QoS 1 publisher, one
//! subscriber) checks that no message is lost, duplicated or reordered, the broker stays alive and its
//! memory (RSS) stays under a bound. Without `--port` it starts `mqtt-lab broker` itself as a child
//! process, so a crash is seen as the child's exit.

use super::inputs::{self, Rng};
use crate::cli_text::io_zh;
use crate::i18n::Text;
use crate::proto::{self, Connect, Framing, Packet, PacketId, Publish, QoS, QosPid, Subscribe};
use bytes::{Bytes, BytesMut};
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Options of one run.
#[derive(Debug, Clone)]
pub struct BrokerFuzz {
    pub inputs: u64,
    pub seconds: f64,
    pub seed: u64,
    pub conns: usize,
    pub max_rss_mib: u64,
    /// An already running broker (then its pid, if given, is watched for RSS).
    pub port: Option<u16>,
    pub broker_pid: Option<u32>,
}

/// What a run found.
#[derive(Debug, Default, Clone, Serialize)]
pub struct BrokerReport {
    pub inputs: u64,
    pub connections: u64,
    pub seconds: f64,
    pub canary_sent: u64,
    pub canary_received: u64,
    pub canary_lost: u64,
    pub canary_duplicated: u64,
    pub canary_reordered: u64,
    pub rss_start_kib: u64,
    pub rss_peak_kib: u64,
    pub rss_end_kib: u64,
    pub broker_alive: bool,
    /// What went wrong (in the JSON line: the English).
    #[serde(serialize_with = "super::english")]
    pub failures: Vec<Text>,
}

impl BrokerReport {
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The resident memory of `pid` in KiB (Linux), or 0.
pub fn rss_kib(pid: u32) -> u64 {
    let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status")) else { return 0 };
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A broker child process started for the run; killed (by its pid, which it is) when dropped.
struct Child {
    child: std::process::Child,
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `mqtt-lab broker --listen 127.0.0.1:0` and reads its port from the first line.
fn start_broker() -> Result<(Child, u16), Text> {
    use std::io::{BufRead, BufReader};
    let exe = std::env::current_exe()
        .map_err(|e| Text::new(format!("找不到本程序：{}", io_zh(&e)), format!("cannot find this program: {e}")))?;
    let mut child = std::process::Command::new(exe)
        .args(["broker", "--listen", "127.0.0.1:0", "--lang", "en"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .map_err(|e| Text::new(format!("无法启动服务端：{}", io_zh(&e)), format!("cannot start the broker: {e}")))?;
    let stdout = child.stdout.take().ok_or_else(|| Text::new("服务端没有标准输出", "no stdout"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(first)) = lines.next() {
            let _ = tx.send(first);
        }
        // Keep reading, so that the broker's narration never blocks on a full pipe.
        for _ in lines {}
    });
    let child = Child { child };
    let first = rx
        .recv_timeout(Duration::from_secs(10))
        .map_err(|_| Text::new("服务端什么也没有输出", "the broker printed nothing"))?;
    let port = first.rsplit(':').next().and_then(|p| p.trim().parse::<u16>().ok()).ok_or_else(|| {
        Text::new(
            format!("服务端的第一行里没有端口：{first:?}"),
            format!("no port in the broker's first line {first:?}"),
        )
    })?;
    Ok((child, port))
}

fn encode(p: &Packet) -> Vec<u8> {
    inputs::encode(p)
}

/// Reads frames from `r` until one whole frame is there; `None` on close or after `within`.
async fn read_frame(r: &mut TcpStream, buf: &mut BytesMut, within: Duration) -> Option<Bytes> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Ok(Framing::Whole(h)) = proto::frame(buf, usize::MAX)
            && buf.len() >= h.frame_len()
        {
            return Some(buf.split_to(h.frame_len()).freeze());
        }
        let mut tmp = [0u8; 8192];
        match tokio::time::timeout_at(deadline, r.read(&mut tmp)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&tmp[..n]),
            _ => return None,
        }
    }
}

async fn connect(addr: SocketAddr, id: &str) -> Result<(TcpStream, BytesMut), Text> {
    let mut s = TcpStream::connect(addr)
        .await
        .map_err(|e| Text::new(format!("{id}：连接失败：{}", io_zh(&e)), format!("{id}: connect: {e}")))?;
    let _ = s.set_nodelay(true);
    let mut c = Connect::new(id);
    c.keep_alive = 30;
    s.write_all(&encode(&Packet::Connect(Box::new(c))))
        .await
        .map_err(|e| Text::new(format!("{id}：{}", io_zh(&e)), format!("{id}: {e}")))?;
    let mut buf = BytesMut::new();
    match read_frame(&mut s, &mut buf, Duration::from_secs(5)).await.map(|f| proto::decode(&f)) {
        Some(Ok(Packet::ConnAck(a))) if a.code == proto::ConnectReturnCode::Accepted => Ok((s, buf)),
        other => Err(Text::new(
            format!("{id}：没有收到 CONNACK 0，而是 {other:?}"),
            format!("{id}: no CONNACK 0 but {other:?}"),
        )),
    }
}

/// The canary: `canary-pub` publishes sequence numbers at QoS 1, `canary-sub` receives them.
struct Canary {
    sent: AtomicU64,
    received: AtomicU64,
    duplicated: AtomicU64,
    reordered: AtomicU64,
    /// Milliseconds since start of the last message received.
    last_at: AtomicU64,
    error: std::sync::Mutex<Option<Text>>,
}

async fn canary_sub(addr: SocketAddr, c: Arc<Canary>, started: Instant, stop: Arc<AtomicBool>) {
    let fail = |m: Text| *c.error.lock().expect("lock") = Some(m);
    let (mut s, mut buf) = match connect(addr, "canary-sub").await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let sub = Packet::Subscribe(Subscribe {
        pid: PacketId::new(1).expect("1"),
        filters: vec![("canary/#".into(), QoS::AtLeastOnce)],
    });
    if s.write_all(&encode(&sub)).await.is_err() {
        return fail(Text::new("canary-sub：SUBSCRIBE 发送失败", "canary-sub: SUBSCRIBE failed"));
    }
    let mut expected = 1u64;
    loop {
        let Some(f) = read_frame(&mut s, &mut buf, Duration::from_secs(1)).await else {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            continue;
        };
        match proto::decode(&f) {
            Ok(Packet::Publish(p)) => {
                if let Some(pid) = p.qos_pid.pid() {
                    let _ = s.write_all(&encode(&Packet::PubAck(pid))).await;
                }
                let Ok(seq) = std::str::from_utf8(&p.payload).unwrap_or("").parse::<u64>() else {
                    let t = &p.topic;
                    return fail(Text::new(
                        format!("canary-sub：收到一条不是金丝雀发的消息：{t:?}"),
                        format!("canary-sub: a message that is not the canary's: {t:?}"),
                    ));
                };
                if seq < expected {
                    c.duplicated.fetch_add(1, Ordering::Relaxed);
                } else {
                    if seq > expected {
                        c.reordered.fetch_add(1, Ordering::Relaxed);
                    }
                    expected = seq + 1;
                    c.received.fetch_add(1, Ordering::Relaxed);
                }
                c.last_at.store(started.elapsed().as_millis() as u64, Ordering::Relaxed);
            }
            Ok(Packet::SubAck(_)) | Ok(Packet::PingResp) => {}
            other => {
                return fail(Text::new(
                    format!("canary-sub：收到意外的 {other:?}"),
                    format!("canary-sub: unexpected {other:?}"),
                ));
            }
        }
    }
}

async fn canary_pub(addr: SocketAddr, c: Arc<Canary>, stop: Arc<AtomicBool>) {
    let fail = |m: Text| *c.error.lock().expect("lock") = Some(m);
    let (mut s, mut buf) = match connect(addr, "canary-pub").await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let mut seq = 0u64;
    while !stop.load(Ordering::Relaxed) {
        seq += 1;
        let pid = PacketId::new((seq % 65_535 + 1) as u16).expect("not 0");
        let p = Packet::Publish(Publish {
            dup: false,
            qos_pid: QosPid::AtLeastOnce(pid),
            retain: false,
            topic: "canary/seq".into(),
            payload: Bytes::from(seq.to_string()),
        });
        if s.write_all(&encode(&p)).await.is_err() {
            return fail(Text::new(
                format!("canary-pub：发到第 {seq} 条消息时服务端关闭了连接"),
                format!("canary-pub: the broker closed it at message {seq}"),
            ));
        }
        c.sent.store(seq, Ordering::Relaxed);
        match read_frame(&mut s, &mut buf, Duration::from_secs(10)).await.map(|f| proto::decode(&f)) {
            Some(Ok(Packet::PubAck(got))) if got == pid => {}
            other => {
                return fail(Text::new(
                    format!("canary-pub：第 {seq} 条消息没有收到 PUBACK：{other:?}"),
                    format!("canary-pub: no PUBACK for message {seq}: {other:?}"),
                ));
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// One fuzz connection: maybe a CONNECT, then a burst of packets, then a way to leave.
async fn fuzz_conn(addr: SocketAddr, rng: &mut Rng, budget: &AtomicU64, sent: &AtomicU64) {
    let Ok(mut s) = TcpStream::connect(addr).await else {
        tokio::time::sleep(Duration::from_millis(50)).await;
        return;
    };
    let _ = s.set_nodelay(true);
    let mut out = Vec::new();
    if rng.chance(85) {
        out.extend(encode(&Packet::Connect(Box::new(inputs::connect(rng)))));
    }
    let n = 1 + rng.below(40);
    for _ in 0..n {
        let mut b = match rng.below(10) {
            0..=4 => encode(&inputs::packet(rng)),
            5..=7 => {
                let mut b = encode(&inputs::packet(rng));
                inputs::mutate(rng, &mut b);
                b
            }
            _ => inputs::input(rng),
        };
        // Never the canary's topic, so its count stays exact.
        if b.windows(6).any(|w| w == b"canary") {
            b = vec![0xc0, 0x00];
        }
        out.extend(b);
    }
    sent.fetch_add(n as u64 + 1, Ordering::Relaxed);
    budget.fetch_add(n as u64 + 1, Ordering::Relaxed);
    let reads = rng.below(10);
    let hold = Duration::from_millis(rng.below(200) as u64);
    // Written in random pieces, so that frames are split across reads.
    let mut pieces = Vec::new();
    let mut at = 0;
    while at < out.len() {
        let k = (1 + rng.below(4096)).min(out.len() - at);
        pieces.push(at..at + k);
        at += k;
    }
    let (mut r, mut w) = s.split();
    let write = async {
        for p in pieces {
            if w.write_all(&out[p]).await.is_err() {
                return;
            }
        }
    };
    let read = async {
        if reads == 0 {
            // A client that never reads.
            std::future::pending::<()>().await;
        }
        let mut tmp = vec![0u8; 16 * 1024];
        while let Ok(Ok(k)) = tokio::time::timeout(Duration::from_secs(2), r.read(&mut tmp)).await {
            if k == 0 {
                return;
            }
            if reads == 1 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(3), async {
        tokio::join!(write, async {
            let _ = tokio::time::timeout(hold, read).await;
        });
    })
    .await;
}

/// Runs the campaign.
pub async fn run(opts: BrokerFuzz) -> Result<BrokerReport, Text> {
    let (child, port, pid) = match opts.port {
        Some(p) => (None, p, opts.broker_pid),
        None => {
            let (c, p) = start_broker()?;
            let pid = c.child.id();
            (Some(c), p, Some(pid))
        }
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    let mut report = BrokerReport { rss_start_kib: pid.map_or(0, rss_kib), ..BrokerReport::default() };
    report.rss_peak_kib = report.rss_start_kib;
    let canary = Arc::new(Canary {
        sent: AtomicU64::new(0),
        received: AtomicU64::new(0),
        duplicated: AtomicU64::new(0),
        reordered: AtomicU64::new(0),
        last_at: AtomicU64::new(0),
        error: std::sync::Mutex::new(None),
    });
    let stop = Arc::new(AtomicBool::new(false));
    let sub = tokio::spawn(canary_sub(addr, canary.clone(), started, stop.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let publ = tokio::spawn(canary_pub(addr, canary.clone(), stop.clone()));

    let inputs = Arc::new(AtomicU64::new(0));
    let conns = Arc::new(AtomicU64::new(0));
    let deadline = started + Duration::from_secs_f64(opts.seconds.max(0.1));
    let fuzz_stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..opts.conns.max(1) {
        let (inputs, conns, fuzz_stop) = (inputs.clone(), conns.clone(), fuzz_stop.clone());
        let mut rng = Rng::new(opts.seed.wrapping_add(w as u64 * 7919));
        let limit = opts.inputs;
        workers.push(tokio::spawn(async move {
            let counted = AtomicU64::new(0);
            while !fuzz_stop.load(Ordering::Relaxed) && inputs.load(Ordering::Relaxed) < limit {
                fuzz_conn(addr, &mut rng, &inputs, &counted).await;
                conns.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let mut child = child;
    let mut crashed = None;
    while Instant::now() < deadline && inputs.load(Ordering::Relaxed) < opts.inputs {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if let Some(c) = child.as_mut()
            && let Ok(Some(status)) = c.child.try_wait()
        {
            crashed = Some(Text::new(
                format!("服务端在运行中退出了：{status}"),
                format!("the broker exited during the run: {status}"),
            ));
            break;
        }
        if let Some(pid) = pid {
            let rss = rss_kib(pid);
            report.rss_peak_kib = report.rss_peak_kib.max(rss);
            if rss > opts.max_rss_mib * 1024 {
                let (mib, max) = (rss / 1024, opts.max_rss_mib);
                crashed = Some(Text::new(
                    format!("服务端的 RSS 达到 {mib} MiB，超过上限 {max}"),
                    format!("the broker's RSS reached {mib} MiB, over the bound of {max}"),
                ));
                break;
            }
        }
        let silent = started.elapsed().as_millis() as u64 - canary.last_at.load(Ordering::Relaxed);
        if started.elapsed() > Duration::from_secs(3) && silent > 5_000 {
            crashed = Some(Text::new(
                format!("金丝雀已经 {silent} 毫秒没有消息了"),
                format!("the canary has been silent for {silent} ms"),
            ));
            break;
        }
        if let Some(e) = canary.error.lock().expect("lock").clone() {
            crashed = Some(e);
            break;
        }
    }
    fuzz_stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = tokio::time::timeout(Duration::from_secs(5), w).await;
    }
    // Let the canary's last messages arrive.
    stop.store(true, Ordering::Relaxed);
    let _ = tokio::time::timeout(Duration::from_secs(12), publ).await;
    let settle = Instant::now();
    while canary.received.load(Ordering::Relaxed) < canary.sent.load(Ordering::Relaxed)
        && settle.elapsed() < Duration::from_secs(5)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sub.abort();
    report.seconds = started.elapsed().as_secs_f64();
    report.inputs = inputs.load(Ordering::Relaxed);
    report.connections = conns.load(Ordering::Relaxed);
    report.canary_sent = canary.sent.load(Ordering::Relaxed);
    report.canary_received = canary.received.load(Ordering::Relaxed);
    report.canary_lost = report.canary_sent.saturating_sub(report.canary_received);
    report.canary_duplicated = canary.duplicated.load(Ordering::Relaxed);
    report.canary_reordered = canary.reordered.load(Ordering::Relaxed);
    report.broker_alive = match connect(addr, "fuzz-final-check").await {
        Ok((mut s, mut buf)) => {
            let _ = s.write_all(&[0xc0, 0x00]).await;
            matches!(read_frame(&mut s, &mut buf, Duration::from_secs(5)).await.as_deref(), Some([0xd0, 0x00]))
        }
        Err(_) => false,
    };
    report.rss_end_kib = pid.map_or(0, rss_kib);
    report.rss_peak_kib = report.rss_peak_kib.max(report.rss_end_kib);
    if let Some(c) = crashed {
        report.failures.push(c);
    }
    if let Some(e) = canary.error.lock().expect("lock").clone()
        && !report.failures.contains(&e)
    {
        report.failures.push(e);
    }
    if !report.broker_alive {
        report
            .failures
            .push(Text::new("运行结束后服务端不回应 PINGREQ", "the broker does not answer PINGREQ after the run"));
    }
    if report.canary_lost > 0 || report.canary_duplicated > 0 || report.canary_reordered > 0 {
        let (lost, dup, order) = (report.canary_lost, report.canary_duplicated, report.canary_reordered);
        report.failures.push(Text::new(
            format!("金丝雀：丢失 {lost} 条，重复 {dup} 条，乱序 {order} 条"),
            format!("canary: {lost} lost, {dup} duplicated, {order} out of order"),
        ));
    }
    if report.canary_sent == 0 {
        report.failures.push(Text::new("金丝雀什么也没发出去", "the canary sent nothing"));
    }
    drop(child);
    Ok(report)
}

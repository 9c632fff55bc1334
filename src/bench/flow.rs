//! The message-flow scenarios (fanin, fanout, latency): P publishers and S subscribers on one
//! topic. Publishers copy one pre-encoded PUBLISH frame into a batch per socket write, patching only
//! the packet id (and the send timestamp for latency); at QoS 1 and 2 each keeps an inflight window
//! and completes the acknowledgement flows. Subscribers count PUBLISH frames in place, answer with
//! PUBACK / PUBREC / PUBCOMP, and stop once every expected message arrived, after an idle spell once
//! the publishers are done, or at the run's time limit. Depends on `client` only.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::time::{sleep_until, timeout, timeout_at};

use super::client::{Conn, ack_pid, connect, each_frame, publish_view, put_ack};
use super::{Scenario, Target};
use crate::cli_text::io_zh;
use crate::i18n::Text;
use crate::proto::{Framing, Packet, PacketId, PacketType, Publish, QoS, QosPid, frame};

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub scenario: Scenario,
    pub pubs: usize,
    pub subs: usize,
    pub qos: QoS,
    pub payload_bytes: usize,
    /// Messages per publisher (`None`: until `seconds` is over).
    pub msgs: Option<u64>,
    /// Publishing time.
    pub seconds: Option<Duration>,
    /// Messages per second per publisher.
    pub rate: Option<f64>,
    /// Inflight window per publisher at QoS 1 and 2.
    pub window: u16,
    /// Put the send time in the first 8 payload bytes and measure latency.
    pub stamp: bool,
    pub timeout: Duration,
    /// The clients speak MQTT 5.0.
    pub v5: bool,
}

/// What happened.
#[derive(Debug, Clone)]
pub struct FlowReport {
    pub plan: Plan,
    /// PUBLISH frames written by all publishers.
    pub sent: u64,
    /// Of those, the ones whose PUBACK (QoS 1) or PUBCOMP (QoS 2) came back.
    pub completed: u64,
    /// Deliveries expected: sent × subscribers.
    pub expected: u64,
    /// PUBLISH frames received by all subscribers.
    pub received: u64,
    /// From the start until the last publisher finished (last write, or last acknowledgement).
    pub send_secs: f64,
    /// From the start until the last message arrived at any subscriber.
    pub recv_secs: f64,
    /// One-way latencies in nanoseconds, sorted (latency scenario only).
    pub latencies: Vec<u64>,
    /// Connections that ended badly or waits that timed out.
    pub errors: Vec<Text>,
}

/// Keep alive of the flow connections: longer than any run (so no PINGREQ is needed), and not 0,
/// which some brokers (rumqttd) refuse.
const KEEP_ALIVE: u16 = 600;
/// Bytes batched into one socket write.
const WRITE_BATCH: usize = 64 * 1024;
/// A subscriber gives up this long after the last message once the publishers are done.
const RECV_IDLE: Duration = Duration::from_secs(2);
/// A publisher gives up waiting for acknowledgements after this long without one.
const ACK_IDLE: Duration = Duration::from_secs(5);
/// How often a waiting subscriber checks whether it is done.
const POLL: Duration = Duration::from_millis(50);

/// State shared by the tasks of one run.
struct Shared {
    /// The start of the run; timestamps are nanoseconds since it.
    clock: Instant,
    /// Messages each subscriber should get; `u64::MAX` until known.
    target: AtomicU64,
    /// All publishers have finished.
    pubs_done: AtomicBool,
    /// When they did, in nanoseconds since `clock`.
    pubs_done_at: AtomicU64,
    /// No task waits beyond this.
    hard: Instant,
}

/// One PUBLISH frame to copy, with where to patch it.
struct Template {
    bytes: Vec<u8>,
    pid_at: usize,
    payload_at: usize,
}

impl Template {
    fn new(topic: &str, qos: QoS, payload_bytes: usize, v5: bool) -> Template {
        let payload: Vec<u8> = (0..payload_bytes).map(|i| b'a' + (i % 26) as u8).collect();
        let mut b = BytesMut::new();
        let qos_pid = QosPid::from_qos(qos, PacketId::new(1).expect("1 is not 0"));
        if v5 {
            let mut p = crate::proto::v5::Publish::new(topic, payload);
            p.qos_pid = qos_pid;
            crate::proto::v5::Packet::Publish(p).encode(&mut b);
        } else {
            let mut p = Publish::new(topic, payload);
            p.qos_pid = qos_pid;
            Packet::Publish(p).encode(&mut b);
        }
        let header_len = match frame(&b, usize::MAX) {
            Ok(Framing::Whole(h)) => h.header_len,
            other => unreachable!("our own PUBLISH frames itself: {other:?}"),
        };
        let pid_at = header_len + 2 + topic.len();
        // 5.0: a property length of 0 (one byte) before the payload.
        let payload_at = pid_at + if qos == QoS::AtMostOnce { 0 } else { 2 } + usize::from(v5);
        Template { bytes: b.to_vec(), pid_at, payload_at }
    }
}

struct PubStats {
    sent: u64,
    completed: u64,
    /// Nanoseconds since the start when this publisher finished.
    done_ns: u64,
    error: Option<Text>,
}

struct SubStats {
    received: u64,
    /// Nanoseconds since the start of the last arrival.
    last_ns: u64,
    latencies: Vec<u64>,
    error: Option<Text>,
}

/// Connects everyone, runs the flow, gathers the numbers.
pub async fn run(target: &Target, plan: &Plan) -> Result<FlowReport, Text> {
    let me = std::process::id();
    let topic = format!("mqtt-lab/bench/{me}/{}", plan.scenario.name());
    let mut subs = Vec::with_capacity(plan.subs);
    for i in 0..plan.subs {
        let mut c = connect(target, &format!("bench-{me}-s{i}"), KEEP_ALIVE, 256 * 1024).await?;
        c.subscribe(&topic, plan.qos).await?;
        subs.push(c);
    }
    let template = Arc::new(Template::new(&topic, plan.qos, plan.payload_bytes, target.v5));
    let mut pubs = Vec::with_capacity(plan.pubs);
    for i in 0..plan.pubs {
        let buf = WRITE_BATCH.max(template.bytes.len()) + template.bytes.len();
        pubs.push(connect(target, &format!("bench-{me}-p{i}"), KEEP_ALIVE, buf).await?);
    }

    let clock = Instant::now();
    let known = match (plan.msgs, plan.seconds) {
        (Some(m), None) => m.saturating_mul(plan.pubs as u64),
        _ => u64::MAX,
    };
    let shared = Arc::new(Shared {
        clock,
        target: AtomicU64::new(known),
        pubs_done: AtomicBool::new(false),
        pubs_done_at: AtomicU64::new(u64::MAX),
        hard: clock + plan.timeout,
    });
    let plan_arc = Arc::new(plan.clone());
    let sub_tasks: Vec<_> =
        subs.into_iter().map(|c| tokio::spawn(subscriber(c, shared.clone(), plan_arc.clone()))).collect();
    let pub_tasks: Vec<_> = pubs
        .into_iter()
        .map(|c| tokio::spawn(publisher(c, shared.clone(), plan_arc.clone(), template.clone())))
        .collect();

    let mut report = FlowReport {
        plan: plan.clone(),
        sent: 0,
        completed: 0,
        expected: 0,
        received: 0,
        send_secs: 0.0,
        recv_secs: 0.0,
        latencies: Vec::new(),
        errors: Vec::new(),
    };
    let mut done_ns = 0;
    for (i, t) in pub_tasks.into_iter().enumerate() {
        let s = t
            .await
            .map_err(|e| Text::new(format!("发布者 {i} 意外退出：{e}"), format!("publisher {i} failed: {e}")))?;
        report.sent += s.sent;
        report.completed += s.completed;
        done_ns = done_ns.max(s.done_ns);
        if let Some(e) = s.error {
            report.errors.push(Text::new(format!("发布者 {i}：{}", e.zh), format!("publisher {i}: {}", e.en)));
        }
    }
    shared.target.store(report.sent, Ordering::Release);
    shared.pubs_done_at.store(clock.elapsed().as_nanos() as u64, Ordering::Release);
    shared.pubs_done.store(true, Ordering::Release);
    report.send_secs = done_ns as f64 / 1e9;
    report.expected = report.sent * plan.subs as u64;

    let mut last_ns = 0;
    for (i, t) in sub_tasks.into_iter().enumerate() {
        let s = t
            .await
            .map_err(|e| Text::new(format!("订阅者 {i} 意外退出：{e}"), format!("subscriber {i} failed: {e}")))?;
        report.received += s.received;
        last_ns = last_ns.max(s.last_ns);
        report.latencies.extend(s.latencies);
        if let Some(e) = s.error {
            report.errors.push(Text::new(format!("订阅者 {i}：{}", e.zh), format!("subscriber {i}: {}", e.en)));
        }
    }
    report.recv_secs = last_ns as f64 / 1e9;
    report.latencies.sort_unstable();
    Ok(report)
}

/// Finds a free packet id at or after `next`.
fn take_pid(in_use: &mut [bool], next: &mut u16) -> u16 {
    loop {
        let p = *next;
        *next = if p == u16::MAX { 1 } else { p + 1 };
        if !in_use[p as usize] {
            in_use[p as usize] = true;
            return p;
        }
    }
}

async fn publisher(mut conn: Conn, shared: Arc<Shared>, plan: Arc<Plan>, t: Arc<Template>) -> PubStats {
    let clock = shared.clock;
    let qos0 = plan.qos == QoS::AtMostOnce;
    let limit = plan.msgs.unwrap_or(u64::MAX);
    let send_end = plan.seconds.map(|d| clock + d);
    let per_batch = (WRITE_BATCH / t.bytes.len()).max(1) as u64;
    let window = if qos0 { u64::MAX } else { plan.window as u64 };
    let mut in_use = if qos0 { Vec::new() } else { vec![false; 1 << 16] };
    let mut next_pid = 1u16;
    let (mut sent, mut completed, mut inflight) = (0u64, 0u64, 0u64);
    let mut sending = true;
    let mut last_ack = Instant::now();
    let mut done = Instant::now();
    let mut error = None;
    loop {
        let now = Instant::now();
        if sending && (sent >= limit || send_end.is_some_and(|e| now >= e) || now >= shared.hard) {
            sending = false;
            done = now;
            last_ack = now;
        }
        // Append as many PUBLISH frames as the limits allow now.
        let mut next_due = None;
        let mut more_now = false;
        if sending {
            let room = window - inflight;
            let mut n = (limit - sent).min(per_batch).min(room);
            if let Some(rate) = plan.rate {
                let due = ((now - clock).as_secs_f64() * rate) as u64 + 1;
                let allowed = due.saturating_sub(sent);
                if allowed < n {
                    n = allowed;
                    next_due = Some(clock + Duration::from_secs_f64((sent + n) as f64 / rate));
                }
            }
            more_now = next_due.is_none() && n < room && n < limit - sent;
            for _ in 0..n {
                let base = conn.wbuf.len();
                conn.wbuf.extend_from_slice(&t.bytes);
                if !qos0 {
                    let pid = take_pid(&mut in_use, &mut next_pid);
                    conn.wbuf[base + t.pid_at..base + t.pid_at + 2].copy_from_slice(&pid.to_be_bytes());
                    inflight += 1;
                }
                if plan.stamp {
                    let ns = clock.elapsed().as_nanos() as u64;
                    conn.wbuf[base + t.payload_at..base + t.payload_at + 8].copy_from_slice(&ns.to_be_bytes());
                }
            }
            sent += n;
            if qos0 && n > 0 {
                done = Instant::now();
            }
        }
        // A broker that stops reading must not hold the run beyond its time limit.
        match timeout_at((shared.hard + ACK_IDLE).into(), conn.flush()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                error = Some(write_failed(&conn.target, &e));
                break;
            }
            Err(_) => {
                error = Some(stopped_reading(&conn.target));
                break;
            }
        }
        if !sending && inflight == 0 {
            break;
        }
        if qos0 {
            if let Some(d) = next_due {
                sleep_until(d.into()).await;
            }
            continue;
        }
        // QoS 1 and 2: take in acknowledgements until there is room, something is due, or time is up.
        let wake = if !sending {
            (last_ack + ACK_IDLE).min(shared.hard + ACK_IDLE)
        } else if more_now {
            now
        } else {
            let mut w = shared.hard;
            if let Some(e) = send_end {
                w = w.min(e);
            }
            if let Some(d) = next_due {
                w = w.min(d);
            }
            w
        };
        tokio::select! {
            biased;
            r = conn.fill() => match r {
                Ok(0) => {
                    let t = &conn.target;
                    error = Some(Text::new(format!("{t} 关闭了连接"), format!("{t} closed the connection")));
                    break;
                }
                Ok(_) => {
                    let before = completed;
                    let wbuf = &mut conn.wbuf;
                    let r = each_frame(&mut conn.rbuf, |h, f| {
                        let (Some(kind), Some(pid)) = (h.packet_type(), ack_pid(h, f)) else { return Ok(()) };
                        let slot = &mut in_use[pid as usize];
                        match kind {
                            PacketType::PubAck | PacketType::PubComp if *slot => {
                                *slot = false;
                                completed += 1;
                            }
                            PacketType::PubRec if *slot => put_ack(wbuf, PacketType::PubRel, pid),
                            _ => {}
                        }
                        Ok(())
                    });
                    if let Err(e) = r {
                        error = Some(e);
                        break;
                    }
                    if completed > before {
                        inflight -= completed - before;
                        last_ack = Instant::now();
                        if !sending {
                            done = last_ack;
                        }
                    }
                }
                Err(e) => {
                    error = Some(read_failed(&conn.target, &e));
                    break;
                }
            },
            _ = sleep_until(wake.into()) => {
                if !sending && Instant::now() >= wake {
                    error = Some(Text::new(
                        format!("{inflight} 条发布一直没有得到确认（等了 {} 秒后放弃）", ACK_IDLE.as_secs()),
                        format!(
                            "{inflight} {} never acknowledged (gave up after {ACK_IDLE:?})",
                            if inflight == 1 { "publish" } else { "publishes" }
                        ),
                    ));
                    break;
                }
            }
        }
    }
    if error.is_none() {
        conn.disconnect().await;
    }
    PubStats { sent, completed, done_ns: (done - clock).as_nanos() as u64, error }
}

async fn subscriber(mut conn: Conn, shared: Arc<Shared>, plan: Arc<Plan>) -> SubStats {
    let clock = shared.clock;
    let mut s = SubStats { received: 0, last_ns: 0, latencies: Vec::new(), error: None };
    if plan.stamp {
        let expect = plan.rate.unwrap_or(0.0) * plan.seconds.map_or(0.0, |d| d.as_secs_f64()) * plan.pubs as f64;
        s.latencies.reserve((expect as usize).min(10_000_000));
    }
    loop {
        if s.received >= shared.target.load(Ordering::Acquire) {
            break;
        }
        let now = Instant::now();
        if now >= shared.hard + RECV_IDLE {
            let n = s.received;
            s.error = Some(Text::new(
                format!("到了时间上限，只收到 {n} 条消息"),
                format!("time limit reached with {n} {} received", messages(n)),
            ));
            break;
        }
        if shared.pubs_done.load(Ordering::Acquire) {
            let quiet_since = s.last_ns.max(shared.pubs_done_at.load(Ordering::Acquire));
            if (now - clock).as_nanos() as u64 > quiet_since + RECV_IDLE.as_nanos() as u64 {
                break;
            }
        }
        match timeout(POLL, conn.fill()).await {
            Err(_) => continue,
            Ok(Ok(0)) => {
                let (t, n) = (&conn.target, s.received);
                s.error = Some(Text::new(
                    format!("{t} 关闭了连接（此前收到 {n} 条消息）"),
                    format!("{t} closed the connection after {n} {}", messages(n)),
                ));
                break;
            }
            Ok(Err(e)) => {
                s.error = Some(read_failed(&conn.target, &e));
                break;
            }
            Ok(Ok(_)) => {
                let at = clock.elapsed().as_nanos() as u64;
                let before = s.received;
                let wbuf = &mut conn.wbuf;
                let (received, latencies) = (&mut s.received, &mut s.latencies);
                let v5 = conn.target.v5;
                let r = each_frame(&mut conn.rbuf, |h, f| {
                    if let Some(p) = publish_view(h, f, v5) {
                        *received += 1;
                        if plan.stamp && p.payload.len() >= 8 {
                            let sent = u64::from_be_bytes(p.payload[..8].try_into().expect("8 bytes"));
                            latencies.push(at.saturating_sub(sent));
                        }
                        match (p.qos, p.pid) {
                            (1, Some(pid)) => put_ack(wbuf, PacketType::PubAck, pid),
                            (2, Some(pid)) => put_ack(wbuf, PacketType::PubRec, pid),
                            _ => {}
                        }
                    } else if h.packet_type() == Some(PacketType::PubRel)
                        && let Some(pid) = ack_pid(h, f)
                    {
                        put_ack(wbuf, PacketType::PubComp, pid);
                    }
                    Ok(())
                });
                if s.received > before {
                    s.last_ns = at;
                }
                if let Err(e) = r {
                    s.error = Some(e);
                    break;
                }
                match timeout_at((shared.hard + RECV_IDLE).into(), conn.flush()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        s.error = Some(write_failed(&conn.target, &e));
                        break;
                    }
                    Err(_) => {
                        s.error = Some(stopped_reading(&conn.target));
                        break;
                    }
                }
            }
        }
    }
    if s.error.is_none() {
        conn.disconnect().await;
    }
    s
}

/// "message" or "messages".
fn messages(n: u64) -> &'static str {
    if n == 1 { "message" } else { "messages" }
}

fn write_failed(t: &Target, e: &std::io::Error) -> Text {
    Text::new(format!("写入 {t} 失败：{}", io_zh(e)), format!("writing to {t}: {e}"))
}

fn read_failed(t: &Target, e: &std::io::Error) -> Text {
    Text::new(format!("从 {t} 读取失败：{}", io_zh(e)), format!("reading from {t}: {e}"))
}

fn stopped_reading(t: &Target) -> Text {
    Text::new(format!("{t} 不再读取；到了时间上限，放弃"), format!("{t} stopped reading; gave up at the time limit"))
}

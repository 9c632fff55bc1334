//! The broker on real sockets: listeners, one task per connection, the keep-alive timer, and the
//! path every frame takes — framer → tap → gate → broker core → tap → gate → socket. The listener
//! knows each client's address: one from another machine is announced when the broker accepts it.

use super::gate::{CutMode, Gate, HeldFrame, Verdict};
use super::lan;
use super::tap::{Dir, Pending, Tap, TapReceiver};
use crate::broker::{self, Broker, ConnId, Event, Output};
use crate::i18n::Lang;
use crate::proto::{self, AnyPacket, Framing, Packet, Protocol};
use crate::world::record::Fate;
use bytes::{Buf, Bytes, BytesMut};
use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};
use tokio::io::Interest;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;

/// Where to listen and how the broker behaves.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: Vec<SocketAddr>,
    pub broker: broker::Config,
    /// Subscribe a tap receiver of this capacity before the first connection is accepted
    /// (take it with [`Server::take_tap`]), so that no frame is missed.
    pub tap_capacity: Option<usize>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: vec![SocketAddr::from(([127, 0, 0, 1], 1883))],
            broker: broker::Config::default(),
            tap_capacity: None,
        }
    }
}

/// Why the server could not start.
#[derive(Debug)]
pub struct StartError {
    pub addr: SocketAddr,
    pub error: io::Error,
    /// A port near the one asked for that was free when the error happened.
    pub free: Option<SocketAddr>,
}

impl StartError {
    fn new(addr: SocketAddr, error: io::Error) -> StartError {
        let free = if error.kind() == io::ErrorKind::AddrInUse { free_port_near(addr) } else { None };
        StartError { addr, error, free }
    }

    /// The message with the fix, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let addr = self.addr;
        let zh = lang.is_zh();
        let try_other = match (self.free, zh) {
            (Some(f), false) => format!(", or choose another port: --listen {f} is free"),
            (Some(f), true) => format!("，或换一个端口：--listen {f} 现在是空闲的"),
            (None, false) => ", or choose another port with --listen".to_string(),
            (None, true) => "，或用 --listen 换一个端口".to_string(),
        };
        match (self.error.kind(), zh) {
            (io::ErrorKind::AddrInUse, false) => format!(
                "cannot listen on {addr}: the address is already in use — another MQTT broker (mosquitto?) may be running; stop it{try_other}"
            ),
            (io::ErrorKind::AddrInUse, true) => format!(
                "无法监听 {addr}：地址已被占用 —— 可能已有另一个 MQTT 服务端（如 mosquitto）在运行；请先停止它{try_other}"
            ),
            (io::ErrorKind::AddrNotAvailable, false) => format!(
                "cannot listen on {addr}: this machine has no such address — use 127.0.0.1, 0.0.0.0 (--lan) or one of its own addresses"
            ),
            (io::ErrorKind::AddrNotAvailable, true) => {
                format!("无法监听 {addr}：本机没有这个地址 —— 请用 127.0.0.1、0.0.0.0（--lan）或本机的地址")
            }
            (io::ErrorKind::PermissionDenied, false) => {
                format!(
                    "cannot listen on {addr}: permission denied — ports below 1024 need root; use a port such as 1883"
                )
            }
            (io::ErrorKind::PermissionDenied, true) => {
                format!("无法监听 {addr}：没有权限 —— 1024 以下的端口需要 root；请用 1883 这样的端口")
            }
            (_, false) => format!("cannot listen on {addr}: {}", self.error),
            (_, true) => format!("无法监听 {addr}：{}", self.error),
        }
    }
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for StartError {}

/// The first port after `addr`'s (up to 100 further) that can be bound on the same address now.
fn free_port_near(addr: SocketAddr) -> Option<SocketAddr> {
    (1..=100u16)
        .filter_map(|d| addr.port().checked_add(d))
        .map(|p| SocketAddr::new(addr.ip(), p))
        .find(|a| std::net::TcpListener::bind(a).is_ok())
}

struct OutState {
    buf: BytesMut,
    close: bool,
    reset: bool,
}

/// A connection's outgoing side, shared between its task and whoever sends to it.
struct ConnIo {
    out: Mutex<OutState>,
    notify: Notify,
    client: OnceLock<Arc<str>>,
    /// The protocol level its CONNECT asked for (0 until a CONNECT is read): frames are decoded in it.
    level: AtomicU8,
    /// Bytes waiting in `out.buf` (kept beside it, so that senders can look without the lock).
    buffered: AtomicUsize,
    /// When the client last took bytes, or when its output last became pending (ms since start).
    progress_at: AtomicU64,
    /// A publisher is paused because of this connection's backlog: wake the paused when it drains.
    pressuring: AtomicBool,
    /// QoS 0 messages are being dropped because the client has stopped reading.
    dropping: AtomicBool,
    /// The connection is gone: nobody waits for it any more.
    closed: AtomicBool,
    /// When this connection was last said to be paused (ms since start), to narrate it once a second.
    throttled_at: AtomicU64,
    /// The client's IP address: one from another machine is announced when its CONNECT is accepted.
    peer: IpAddr,
}

impl ConnIo {
    /// Decodes one frame from this connection, in the version its CONNECT asked for (the first
    /// CONNECT sets it).
    fn decode(&self, frame: &[u8]) -> Decoded {
        let level = self.level.load(Ordering::Relaxed);
        let version = match level {
            0 => {
                let v = proto::connect_version(frame).unwrap_or(Protocol::V311);
                if frame.first().is_some_and(|b| b >> 4 == 1) {
                    self.level.store(v.level(), Ordering::Relaxed);
                }
                v
            }
            5 => Protocol::V5,
            _ => Protocol::V311,
        };
        proto::decode_slice_v(frame, version)
    }

    fn new(now_ms: u64, peer: IpAddr) -> ConnIo {
        ConnIo {
            out: Mutex::new(OutState { buf: BytesMut::new(), close: false, reset: false }),
            notify: Notify::new(),
            client: OnceLock::new(),
            level: AtomicU8::new(0),
            buffered: AtomicUsize::new(0),
            progress_at: AtomicU64::new(now_ms),
            pressuring: AtomicBool::new(false),
            dropping: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            throttled_at: AtomicU64::new(0),
            peer,
        }
    }
}

/// What a paused publisher waits for.
#[derive(Clone)]
enum Blocker {
    /// This connection's unsent output is above the pause mark.
    Output(ConnId, Arc<ConnIo>),
    /// This connection's session queue is long (see [`Broker::is_congested`]).
    Queue(ConnId),
}

impl Blocker {
    fn conn(&self) -> ConnId {
        match self {
            Blocker::Output(c, _) | Blocker::Queue(c) => *c,
        }
    }
}

struct Core {
    broker: Broker,
    conns: crate::broker::Map<ConnId, Arc<ConnIo>>,
    /// Reused for every dispatch, so that recording frames for the tap allocates nothing.
    scratch: TapBatch,
}

struct Shared {
    core: Mutex<Core>,
    tap: Tap,
    gate: Gate,
    events: broadcast::Sender<(Duration, Event)>,
    started: Instant,
    next_conn: AtomicU64,
    timer: Notify,
    max_packet: usize,
    /// Unsent bytes one connection may pile up before QoS 0 messages to it are dropped.
    max_buffered: usize,
    /// Unsent bytes of all connections together.
    total_buffered: AtomicUsize,
    /// Past this total, clients that stopped reading lose QoS 0 messages as soon as they are behind.
    budget: usize,
    /// A receiver with more unsent bytes than this pauses the publishers feeding it...
    pause_at: usize,
    /// ...until it is below this.
    resume_at: usize,
    /// Told whenever a receiver that paused someone drains.
    relief: Notify,
    /// What became of recorded frames at the gate: (frame number, fate).
    fates: broadcast::Sender<(u64, Fate)>,
    shutdown: watch::Receiver<bool>,
}

/// A receiver that takes no bytes for this long while some wait for it has stopped reading: it no
/// longer pauses publishers, and QoS 0 messages to it are dropped.
const STALL: Duration = Duration::from_secs(2);

/// A running broker. Dropping it stops the listeners and closes every connection.
pub struct Server {
    shared: Arc<Shared>,
    addrs: Vec<SocketAddr>,
    first_tap: Option<TapReceiver>,
    first_events: Option<broadcast::Receiver<(Duration, Event)>>,
    tasks: Vec<JoinHandle<()>>,
    stop: watch::Sender<bool>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Server {
    /// Binds every listen address, then starts accepting. Fails without starting anything if any
    /// address cannot be bound.
    pub async fn start(config: ServerConfig) -> Result<Server, StartError> {
        let mut listeners = Vec::new();
        for addr in &config.listen {
            let l = TcpListener::bind(addr).await.map_err(|error| StartError::new(*addr, error))?;
            listeners.push(l);
        }
        let addrs: Vec<SocketAddr> = listeners.iter().map(|l| l.local_addr().expect("bound listener")).collect();
        let (events, _) = broadcast::channel(4096);
        let (stop, shutdown) = watch::channel(false);
        let max_packet = config.broker.max_packet_size;
        let max_buffered = config.broker.max_buffered_bytes.max(64 * 1024);
        let budget = config.broker.buffer_budget;
        let pause_at = (max_buffered / 8).clamp(32 * 1024, 1024 * 1024);
        let shared = Arc::new(Shared {
            core: Mutex::new(Core {
                broker: Broker::new(config.broker),
                conns: Default::default(),
                scratch: TapBatch::default(),
            }),
            tap: Tap::default(),
            gate: Gate::default(),
            events,
            started: Instant::now(),
            next_conn: AtomicU64::new(1),
            timer: Notify::new(),
            max_packet,
            max_buffered,
            total_buffered: AtomicUsize::new(0),
            budget,
            pause_at,
            resume_at: pause_at / 2,
            relief: Notify::new(),
            fates: broadcast::channel(4096).0,
            shutdown,
        });
        let first_tap = config.tap_capacity.map(|c| shared.tap.subscribe(c));
        let first_events = Some(shared.events.subscribe());
        let mut tasks = Vec::new();
        for l in listeners {
            tasks.push(tokio::spawn(accept_loop(shared.clone(), l)));
        }
        tasks.push(tokio::spawn(timer_loop(shared.clone())));
        Ok(Server { shared, addrs, first_tap, first_events, tasks, stop })
    }

    /// The addresses actually bound (port 0 resolved).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// What becomes of recorded frames at the gate from now on: (frame number, fate).
    pub fn fates(&self) -> broadcast::Receiver<(u64, Fate)> {
        self.shared.fates.subscribe()
    }

    /// Narration events from now on, each with its time since the broker started.
    pub fn events(&self) -> broadcast::Receiver<(Duration, Event)> {
        self.shared.events.subscribe()
    }

    /// Narration events from before the first connection was accepted (once; then `None`).
    pub fn take_events(&mut self) -> Option<broadcast::Receiver<(Duration, Event)>> {
        self.first_events.take()
    }

    /// The tap receiver subscribed at start (see [`ServerConfig::tap_capacity`]), once.
    pub fn take_tap(&mut self) -> Option<TapReceiver> {
        self.first_tap.take()
    }

    /// A new tap subscriber keeping at most `capacity` unread frames.
    pub fn tap(&self, capacity: usize) -> TapReceiver {
        self.shared.tap.subscribe(capacity)
    }

    /// Bytes waiting in every connection's output, not yet taken by its client.
    pub fn buffered_bytes(&self) -> usize {
        self.shared.total_buffered.load(Ordering::Relaxed)
    }

    /// Time since the broker started: the tap's clock.
    pub fn elapsed(&self) -> Duration {
        self.shared.started.elapsed()
    }

    /// Reads the broker's state (sessions, retained store, subscriptions).
    pub fn with_broker<R>(&self, f: impl FnOnce(&Broker) -> R) -> R {
        f(&self.shared.lock().broker)
    }

    // ---- the gate ------------------------------------------------------------------------------

    /// Step mode: hold every frame from now on. Turning it off releases the held frames in order.
    pub fn set_hold(&self, on: bool) {
        let mut s = self.shared.gate.state.lock().expect("gate lock");
        s.holding = on;
        self.shared.gate.refresh(&s);
        drop(s);
        if !on {
            while self.release_next().is_some() {}
        }
    }

    pub fn is_holding(&self) -> bool {
        self.shared.gate.state.lock().expect("gate lock").holding
    }

    /// The frames waiting at the gate, oldest first.
    pub fn held(&self) -> Vec<HeldFrame> {
        self.shared.gate.state.lock().expect("gate lock").held.iter().cloned().collect()
    }

    /// Lets the oldest held frame through.
    pub fn release_next(&self) -> Option<HeldFrame> {
        let f = self.take_held(None)?;
        self.shared.fate(f.seq, Fate::Released);
        self.shared.pass(&f);
        Some(f)
    }

    /// Lets the held frame `id` through.
    pub fn release(&self, id: u64) -> Option<HeldFrame> {
        let f = self.take_held(Some(id))?;
        self.shared.fate(f.seq, Fate::Released);
        self.shared.pass(&f);
        Some(f)
    }

    /// Throws the oldest held frame away, as if the network lost it.
    pub fn drop_next(&self) -> Option<HeldFrame> {
        let f = self.take_held(None)?;
        self.shared.fate(f.seq, Fate::Dropped);
        Some(f)
    }

    /// Throws the held frame `id` away.
    pub fn drop_frame(&self, id: u64) -> Option<HeldFrame> {
        let f = self.take_held(Some(id))?;
        self.shared.fate(f.seq, Fate::Dropped);
        Some(f)
    }

    fn take_held(&self, id: Option<u64>) -> Option<HeldFrame> {
        let mut s = self.shared.gate.state.lock().expect("gate lock");
        let i = match id {
            None => 0,
            Some(id) => s.held.iter().position(|h| h.id == id)?,
        };
        let f = s.held.remove(i);
        self.shared.gate.refresh(&s);
        f
    }

    /// Cuts a connection without DISCONNECT: silently (a tunnel; the keep alive finds out) or at
    /// once (a pulled plug). Its held frames are lost with it.
    pub fn cut(&self, conn: ConnId, mode: CutMode) {
        {
            let mut s = self.shared.gate.state.lock().expect("gate lock");
            for h in s.held.iter().filter(|h| h.conn == conn) {
                self.shared.fate(h.seq, Fate::Cut);
            }
            s.held.retain(|h| h.conn != conn);
            if mode == CutMode::Silent {
                s.silent.insert(conn);
            }
            self.shared.gate.refresh(&s);
        }
        if mode == CutMode::Reset {
            let core = self.shared.lock();
            if let Some(io) = core.conns.get(&conn) {
                self.shared.reset_conn(io);
            }
        }
    }

    /// Delays every frame of `conn` (or of all connections with `None`) by `delay`; `None` ends it.
    pub fn set_delay(&self, conn: Option<ConnId>, delay: Option<Duration>) {
        let mut s = self.shared.gate.state.lock().expect("gate lock");
        match (conn, delay) {
            (Some(c), Some(d)) => {
                s.delay.insert(c, d);
            }
            (Some(c), None) => {
                s.delay.remove(&c);
            }
            (None, d) => s.delay_all = d,
        }
        self.shared.gate.refresh(&s);
    }

    /// A fresh broker with `config`: every connection is closed (frames held at the gate are lost
    /// with them), and no session or retained message is left. How a lesson opens.
    pub fn reset_broker(&self, config: broker::Config) {
        self.set_hold(false);
        let mut core = self.shared.lock();
        for io in core.conns.values() {
            self.shared.reset_conn(io);
        }
        core.broker = Broker::new(config);
    }

    /// The broker's configuration.
    pub fn broker_config(&self) -> broker::Config {
        self.shared.lock().broker.config().clone()
    }

    /// The connection of a connected client.
    pub fn conn_of(&self, client_id: &str) -> Option<ConnId> {
        self.shared.lock().broker.session(client_id).and_then(|s| s.conn)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn at(&self) -> Duration {
        self.started.elapsed()
    }

    /// Drops what waits to be written to a connection and closes it with a TCP reset.
    fn reset_conn(&self, io: &ConnIo) {
        let mut out = io.out.lock().expect("out lock");
        out.reset = true;
        let n = out.buf.len();
        out.buf.clear();
        drop(out);
        self.unbuffer(io, n);
        io.notify.notify_one();
    }

    /// Says what became of a recorded frame (frames the tap did not record have no number).
    fn fate(&self, seq: Option<u64>, fate: Fate) {
        if let Some(seq) = seq {
            let _ = self.fates.send((seq, fate));
        }
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Carries a released frame on (a learner's step: never paused).
    fn pass(&self, f: &HeldFrame) {
        match f.dir {
            Dir::In => {
                let d = self.lock().conns.get(&f.conn).map(|io| io.decode(&f.bytes));
                let Some(d) = d else { return };
                let mut q = VecDeque::from([d]);
                self.handle_packets(f.conn, &mut q, false, None);
            }
            Dir::Out => {
                let core = self.lock();
                if let Some(io) = core.conns.get(&f.conn) {
                    self.push(io, &f.bytes);
                }
            }
        }
    }

    /// Whole frames from a socket, at `ranges` of `block`: gate and decode, in order into `into`.
    /// Without the gate, the frames for the tap are only listed in `scratch` (the connection's
    /// reusable list): [`handle_packets`](Self::handle_packets) records them under the broker's lock,
    /// right before it handles them, so that the workers never contend for the tap.
    fn inbound(
        &self,
        conn: ConnId,
        io: &ConnIo,
        block: &[u8],
        ranges: &[std::ops::Range<usize>],
        into: &mut VecDeque<Decoded>,
        scratch: &mut Vec<Pending>,
    ) {
        if !self.gate.is_engaged() {
            if self.tap.is_active() {
                let named = io.client.get().map(|c| 0..c.len());
                scratch.extend(ranges.iter().map(|r| Pending {
                    conn,
                    dir: Dir::In,
                    frame: r.clone(),
                    name: named.clone(),
                }));
            }
            into.extend(ranges.iter().map(|r| io.decode(&block[r.clone()])));
            return;
        }
        let client = io.client.get().cloned();
        for r in ranges {
            let f = Bytes::copy_from_slice(&block[r.clone()]);
            let seq = self.tap.record(self.at(), conn, client.clone(), Dir::In, f.clone());
            match self.gate.check(conn, client.clone(), Dir::In, &f, seq, self.at()) {
                Verdict::Pass => {}
                Verdict::Held => {
                    self.fate(seq, Fate::Held);
                    continue;
                }
                Verdict::Swallowed => {
                    self.fate(seq, Fate::Cut);
                    continue;
                }
            }
            into.push_back(io.decode(&f));
        }
    }

    /// Hands packets to the broker, front first. With `throttle`, stops after the first packet whose
    /// deliveries leave a receiver congested, and returns what it waits for; the rest stay in
    /// `packets` (the connection is not read from meanwhile, which pushes back on its client).
    fn handle_packets(
        &self,
        conn: ConnId,
        packets: &mut VecDeque<Decoded>,
        throttle: bool,
        tap_in: Option<TapIn<'_>>,
    ) -> Vec<Blocker> {
        let now = Instant::now();
        let mut core = self.lock();
        if let Some(t) = tap_in
            && !t.frames.is_empty()
        {
            // The frames read go first into the batch; the frames they cause follow them.
            let b = &mut core.scratch;
            for mut p in t.frames.drain(..) {
                let from = b.block.len();
                b.block.extend_from_slice(&t.block[p.frame.clone()]);
                p.frame = from..b.block.len();
                if p.name.is_some() {
                    let n = b.names.len();
                    b.names.extend_from_slice(t.name);
                    p.name = Some(n..b.names.len());
                }
                b.frames.push(p);
            }
        }
        let mut blockers = Vec::new();
        while let Some(d) = packets.pop_front() {
            match d {
                Ok(p) => core.broker.handle_any(conn, p, now),
                Err(e) => {
                    core.broker.handle_error(conn, &e, now);
                    packets.clear();
                }
            }
            self.dispatch_deferred(&mut core, throttle.then_some(&mut blockers), now);
            if throttle {
                for c in core.broker.take_pressured() {
                    // Its own acknowledgements arrive on this very socket: never wait for oneself.
                    if c != conn && !blockers.iter().any(|b| b.conn() == c) {
                        blockers.push(Blocker::Queue(c));
                    }
                }
                if !blockers.is_empty() {
                    break;
                }
            }
        }
        self.flush_tap(&mut core, now);
        if core.broker.take_relief() {
            self.relief.notify_waiters();
        }
        if !blockers.is_empty() {
            for b in &blockers {
                if let Blocker::Output(_, io) = b {
                    io.pressuring.store(true, Ordering::Relaxed);
                }
            }
            let now_ms = self.now_ms();
            let quiet = core.conns.get(&conn).is_some_and(|io| {
                let last = io.throttled_at.swap(now_ms.max(1), Ordering::Relaxed);
                last != 0 && now_ms.saturating_sub(last) < 1000
            });
            if !quiet {
                let name =
                    |c: ConnId| core.broker.client_of(c).map(|s| s.to_string()).unwrap_or_else(|| format!("#{c}"));
                let _ = self
                    .events
                    .send((self.at(), Event::Throttled { publisher: name(conn), behind: name(blockers[0].conn()) }));
            }
        }
        blockers
    }

    /// Whether a paused publisher must still wait for `b`.
    fn still_blocks(&self, b: &Blocker) -> bool {
        match b {
            Blocker::Output(_, io) => {
                !io.closed.load(Ordering::Relaxed)
                    && io.buffered.load(Ordering::Relaxed) > self.resume_at
                    && self.is_live(io)
            }
            Blocker::Queue(c) => self.lock().broker.is_congested(*c, Instant::now()),
        }
    }

    /// Whether the client on `io` has taken bytes recently (or has nothing waiting).
    fn is_live(&self, io: &ConnIo) -> bool {
        io.buffered.load(Ordering::Relaxed) == 0
            || self.now_ms().saturating_sub(io.progress_at.load(Ordering::Relaxed)) < STALL.as_millis() as u64
    }

    fn malformed(&self, conn: ConnId, io: &ConnIo, bytes: Bytes, err: &proto::DecodeError) {
        self.tap.record(self.at(), conn, io.client.get().cloned(), Dir::In, bytes);
        let mut core = self.lock();
        core.broker.handle_error(conn, err, Instant::now());
        self.dispatch(&mut core, None, Instant::now());
    }

    /// Carries out the broker's outputs. `now` is the time of the packets they answer (read once).
    fn dispatch(&self, core: &mut Core, blockers: Option<&mut Vec<Blocker>>, now: Instant) {
        self.dispatch_deferred(core, blockers, now);
        self.flush_tap(core, now);
    }

    /// Records the frames gathered in the core's scratch batch on the tap, all at once.
    fn flush_tap(&self, core: &mut Core, now: Instant) {
        let batch = &mut core.scratch;
        if !batch.frames.is_empty() {
            let at = now.saturating_duration_since(self.started);
            self.tap.record_batch(at, &mut batch.frames, &batch.block, &batch.names);
        }
        batch.frames.clear();
        batch.block.clear();
        batch.names.clear();
        if batch.block.capacity() > 1 << 20 {
            batch.block = Vec::new();
        }
    }

    /// Like [`dispatch`](Self::dispatch), leaving the tap's frames in the scratch batch for one
    /// [`flush_tap`](Self::flush_tap) later (one lock of the tap for a whole read).
    fn dispatch_deferred(&self, core: &mut Core, mut blockers: Option<&mut Vec<Blocker>>, now: Instant) {
        let at = now.saturating_duration_since(self.started);
        let mut batch = std::mem::take(&mut core.scratch);
        batch.now_ms = at.as_millis() as u64;
        while let Some(o) = core.broker.poll_output() {
            match o {
                Output::Send(conn, p) => {
                    let congested = self.send(core, conn, Wire::V3(&p), &mut batch);
                    if let (Some(io), Some(bs)) = (congested, blockers.as_deref_mut())
                        && !bs.iter().any(|b| b.conn() == conn)
                    {
                        bs.push(Blocker::Output(conn, io));
                    }
                }
                Output::Send5(conn, p) => {
                    let congested = self.send(core, conn, Wire::V5(&p), &mut batch);
                    if let (Some(io), Some(bs)) = (congested, blockers.as_deref_mut())
                        && !bs.iter().any(|b| b.conn() == conn)
                    {
                        bs.push(Blocker::Output(conn, io));
                    }
                }
                Output::Close(conn) => {
                    if let Some(io) = core.conns.get(&conn) {
                        io.out.lock().expect("out lock").close = true;
                        io.notify.notify_one();
                    }
                }
                Output::Event(e) => {
                    // A client from another machine is announced right after the broker accepts it.
                    let joined = match &e {
                        Event::Connected { conn, .. } => core.conns.get(conn).and_then(|io| lan::joined(&e, io.peer)),
                        _ => None,
                    };
                    let _ = self.events.send((self.at(), e));
                    if let Some(j) = joined {
                        let _ = self.events.send((self.at(), j));
                    }
                }
            }
        }
        // Still under the core's lock, so that frame numbers follow the broker's order.
        core.scratch = batch;
    }

    /// Appends bytes to a connection's output and wakes its task.
    fn push(&self, io: &ConnIo, bytes: &[u8]) {
        let mut out = io.out.lock().expect("out lock");
        if out.buf.is_empty() {
            io.progress_at.store(self.now_ms(), Ordering::Relaxed);
        }
        out.buf.extend_from_slice(bytes);
        // Counted before the lock is let go, so that a flush never subtracts what is not counted yet.
        io.buffered.fetch_add(bytes.len(), Ordering::Relaxed);
        self.total_buffered.fetch_add(bytes.len(), Ordering::Relaxed);
        drop(out);
        io.notify.notify_one();
    }

    /// `n` bytes left a connection's output (written, or thrown away with it).
    fn unbuffer(&self, io: &ConnIo, n: usize) {
        if n == 0 {
            return;
        }
        let left = io.buffered.fetch_sub(n, Ordering::Relaxed) - n;
        self.total_buffered.fetch_sub(n, Ordering::Relaxed);
        if left <= self.resume_at && io.pressuring.swap(false, Ordering::Relaxed) {
            self.relief.notify_waiters();
        }
        if left < self.max_buffered / 2 {
            io.dropping.store(false, Ordering::Relaxed);
        }
    }

    /// Sends one packet to `conn`. Returns the connection's I/O when that leaves it congested: more
    /// unsent bytes than the pause mark while it is still reading.
    fn send(&self, core: &Core, conn: ConnId, p: Wire<'_>, batch: &mut TapBatch) -> Option<Arc<ConnIo>> {
        let io = core.conns.get(&conn)?;
        let buffered = io.buffered.load(Ordering::Relaxed);
        if p.is_qos0_publish() && buffered > self.pause_at {
            // Shed only for a client that stopped reading, for one far over its own limit, or when
            // all clients together hold more than the budget.
            let live = self.is_live(io);
            if !live || buffered > self.max_buffered || self.total_buffered.load(Ordering::Relaxed) > self.budget {
                if !io.dropping.swap(true, Ordering::Relaxed) {
                    let client_id = io.client.get().map(|c| c.to_string()).unwrap_or_else(|| format!("#{conn}"));
                    let _ = self.events.send((self.at(), Event::SlowConsumer { client_id, buffered }));
                }
                return None;
            }
        }
        if p.is_connack()
            && io.client.get().is_none()
            && let Some(c) = core.broker.client_of(conn)
        {
            // From the CONNACK that accepts it on, the connection's frames carry the client's name.
            let _ = io.client.set(c.clone());
        }
        if self.gate.is_engaged() {
            let mut b = BytesMut::with_capacity(p.encoded_len());
            p.encode(&mut b);
            let bytes = b.freeze();
            let client = io.client.get().cloned();
            let seq = self.tap.record(self.at(), conn, client.clone(), Dir::Out, bytes.clone());
            if self.gate.is_engaged() {
                match self.gate.check(conn, client, Dir::Out, &bytes, seq, self.at()) {
                    Verdict::Pass => {}
                    Verdict::Held => {
                        self.fate(seq, Fate::Held);
                        return None;
                    }
                    Verdict::Swallowed => {
                        self.fate(seq, Fate::Cut);
                        return None;
                    }
                }
            }
            self.push(io, &bytes);
        } else {
            let mut out = io.out.lock().expect("out lock");
            let before = out.buf.len();
            if before == 0 {
                io.progress_at.store(batch.now_ms, Ordering::Relaxed);
            }
            p.encode(&mut out.buf);
            let n = out.buf.len() - before;
            if self.tap.is_active() {
                // The tap's copy: the bytes just written, into one shared block per batch.
                let at = batch.block.len();
                batch.block.extend_from_slice(&out.buf[before..]);
                let name = io.client.get().map(|c| {
                    let from = batch.names.len();
                    batch.names.extend_from_slice(c.as_bytes());
                    from..batch.names.len()
                });
                batch.frames.push(Pending { conn, dir: Dir::Out, frame: at..at + n, name });
            }
            io.buffered.fetch_add(n, Ordering::Relaxed);
            self.total_buffered.fetch_add(n, Ordering::Relaxed);
            drop(out);
            io.notify.notify_one();
        }
        let now = io.buffered.load(Ordering::Relaxed);
        (now > self.pause_at && self.is_live(io)).then(|| io.clone())
    }

    fn gone(&self, conn: ConnId) {
        let mut core = self.lock();
        if let Some(io) = core.conns.remove(&conn) {
            io.closed.store(true, Ordering::Relaxed);
            let n = std::mem::take(&mut io.out.lock().expect("out lock").buf).len();
            self.unbuffer(&io, n);
            if io.pressuring.swap(false, Ordering::Relaxed) {
                self.relief.notify_waiters();
            }
        }
        core.broker.closed(conn, Instant::now());
        self.dispatch(&mut core, None, Instant::now());
        if core.broker.take_relief() {
            self.relief.notify_waiters();
        }
        drop(core);
        let mut s = self.gate.state.lock().expect("gate lock");
        if s.silent.remove(&conn) | s.delay.remove(&conn).is_some() {
            self.gate.refresh(&s);
        }
    }
}

type Decoded = Result<AnyPacket, proto::DecodeError>;

/// A packet the broker sends, of either protocol.
#[derive(Clone, Copy)]
enum Wire<'a> {
    V3(&'a Packet),
    V5(&'a proto::v5::Packet),
}

impl Wire<'_> {
    fn is_qos0_publish(self) -> bool {
        match self {
            Wire::V3(Packet::Publish(p)) => p.qos() == crate::proto::QoS::AtMostOnce,
            Wire::V5(proto::v5::Packet::Publish(p)) => p.qos() == crate::proto::QoS::AtMostOnce,
            _ => false,
        }
    }
    fn is_connack(self) -> bool {
        matches!(self, Wire::V3(Packet::ConnAck(_)) | Wire::V5(proto::v5::Packet::ConnAck(_)))
    }
    fn encoded_len(self) -> usize {
        match self {
            Wire::V3(p) => p.encoded_len(),
            Wire::V5(p) => p.encoded_len(),
        }
    }
    fn encode(self, out: &mut BytesMut) {
        match self {
            Wire::V3(p) => p.encode(out),
            Wire::V5(p) => p.encode(out),
        }
    }
}

/// Frames just read, for the tap: listed by [`Shared::inbound`], recorded by
/// [`Shared::handle_packets`].
struct TapIn<'a> {
    block: &'a [u8],
    frames: &'a mut Vec<Pending>,
    name: &'a [u8],
}

/// Outgoing frames for the tap, gathered while the broker's outputs are sent and recorded at once.
#[derive(Default)]
struct TapBatch {
    frames: Vec<Pending>,
    /// One block the frames' bytes are copied into (reused: nothing is allocated per frame).
    block: Vec<u8>,
    /// And one for the clients' names.
    names: Vec<u8>,
    /// The clock, read once for the whole batch.
    now_ms: u64,
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                // Out of file descriptors and the like: say so, and wait a little rather than spin.
                let _ = shared.events.send((shared.at(), Event::AcceptFailed { error: e.to_string() }));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
        let io = Arc::new(ConnIo::new(shared.now_ms(), peer.ip()));
        {
            let mut core = shared.lock();
            core.conns.insert(id, io.clone());
            core.broker.open(id, Instant::now());
        }
        shared.timer.notify_one();
        tokio::spawn(conn_task(shared.clone(), stream, id, io));
    }
}

async fn timer_loop(shared: Arc<Shared>) {
    loop {
        let next = {
            let mut core = shared.lock();
            core.broker.handle_timeout(Instant::now());
            shared.dispatch(&mut core, None, Instant::now());
            core.broker.poll_timeout()
        };
        let wait = next.map_or(Duration::from_secs(1), |t| t.saturating_duration_since(Instant::now()));
        let wait = wait.clamp(Duration::from_millis(5), Duration::from_secs(1));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shared.timer.notified() => {}
        }
    }
}

const READ_CHUNK: usize = 16 * 1024;
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// How often a paused publisher looks again whether what it waits for has stopped reading.
const RECHECK: Duration = Duration::from_millis(20);

async fn conn_task(shared: Arc<Shared>, stream: TcpStream, id: ConnId, io: Arc<ConnIo>) {
    let mut rbuf = BytesMut::new();
    let mut shutdown = shared.shutdown.clone();
    let mut reading = true;
    // Decoded packets not yet handed to the broker, and what they wait for.
    let mut pending: VecDeque<Decoded> = VecDeque::new();
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    let mut tap_scratch: Vec<Pending> = Vec::new();
    let mut blockers: Vec<Blocker> = Vec::new();
    // A client told goodbye gets this long to take its last bytes (a CONNACK refusal, say).
    let mut give_up: Option<tokio::time::Instant> = None;
    loop {
        let relief = shared.relief.notified();
        tokio::pin!(relief);
        if !blockers.is_empty() {
            relief.as_mut().enable();
            blockers.retain(|b| shared.still_blocks(b));
        }
        if blockers.is_empty() && !pending.is_empty() {
            blockers = shared.handle_packets(id, &mut pending, true, None);
            if !blockers.is_empty() {
                continue;
            }
        }
        let (has_output, close, reset) = {
            let o = io.out.lock().expect("out lock");
            (!o.buf.is_empty(), o.close, o.reset)
        };
        if reset || (close && !has_output) {
            break;
        }
        if close && give_up.is_none() {
            give_up = Some(tokio::time::Instant::now() + CLOSE_GRACE);
        }
        let deadline = async {
            match give_up {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        let paused = !blockers.is_empty();
        let recheck = async { if paused { tokio::time::sleep(RECHECK).await } else { std::future::pending().await } };
        let want_read = reading && !close && !paused;
        let interest = match (want_read, has_output) {
            (true, true) => Some(Interest::READABLE | Interest::WRITABLE),
            (true, false) => Some(Interest::READABLE),
            (false, true) => Some(Interest::WRITABLE),
            (false, false) => None,
        };
        let ready = async {
            match interest {
                Some(i) => stream.ready(i).await.map(Some),
                None => std::future::pending().await,
            }
        };
        let ready = tokio::select! {
            r = ready => match r {
                Ok(Some(r)) => r,
                Ok(None) | Err(_) => break,
            },
            _ = io.notify.notified() => continue,
            _ = &mut relief, if paused => continue,
            _ = recheck => continue,
            _ = shutdown.changed() => break,
            _ = deadline => break,
        };
        if ready.is_writable() && has_output && flush(&stream, &io, &shared).is_err() {
            break;
        }
        if ready.is_readable() && want_read {
            match read_some(&stream, &mut rbuf) {
                Ok(true) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                // In a tunnel (a silent cut) even the end of the stream does not get through: the
                // broker only finds out when the keep alive runs out.
                Ok(false) | Err(_) if shared.gate.is_silent(id) => {
                    reading = false;
                    continue;
                }
                Ok(false) => break, // end of stream
                Err(_) => break,
            }
            // The whole frames at the front of the buffer, as ranges of it.
            ranges.clear();
            let mut at = 0;
            let mut bad = None;
            loop {
                match proto::frame(&rbuf[at..], shared.max_packet) {
                    Ok(Framing::Whole(h)) => {
                        ranges.push(at..at + h.frame_len());
                        at += h.frame_len();
                    }
                    Ok(Framing::Incomplete { .. }) => break,
                    Err(e) => {
                        bad = Some(e);
                        reading = false;
                        break;
                    }
                }
            }
            if !ranges.is_empty() {
                if let Some(d) = shared.gate.is_engaged().then(|| shared.gate.delay_for(id)).flatten() {
                    tokio::time::sleep(d).await;
                }
                shared.inbound(id, &io, &rbuf[..at], &ranges, &mut pending, &mut tap_scratch);
            }
            let name = io.client.get().map_or(&b""[..], |c| c.as_bytes());
            let tap_in = TapIn { block: &rbuf[..at], frames: &mut tap_scratch, name };
            if let Some(e) = bad {
                // What came before the bad frame is handled first; then the broker closes.
                shared.handle_packets(id, &mut pending, false, Some(tap_in));
                rbuf.advance(at);
                let bytes = rbuf.split().freeze();
                shared.malformed(id, &io, bytes, &e);
            } else {
                if !pending.is_empty() || !tap_in.frames.is_empty() {
                    blockers = shared.handle_packets(id, &mut pending, true, Some(tap_in));
                }
                rbuf.advance(at);
            }
            if rbuf.is_empty() && rbuf.capacity() > READ_CHUNK {
                rbuf = BytesMut::new();
            }
        }
    }
    drop(stream);
    shared.gone(id);
}

/// Reads what the socket has; false at end of stream.
fn read_some(stream: &TcpStream, rbuf: &mut BytesMut) -> io::Result<bool> {
    let mut tmp = [0u8; READ_CHUNK];
    let mut got_any = false;
    loop {
        match stream.try_read(&mut tmp) {
            Ok(0) => return if got_any { Ok(true) } else { Ok(false) },
            Ok(n) => {
                rbuf.extend_from_slice(&tmp[..n]);
                got_any = true;
                if n < tmp.len() || rbuf.len() > 4 * READ_CHUNK {
                    return Ok(true);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && got_any => return Ok(true),
            Err(e) => return Err(e),
        }
    }
}

/// Writes as much of the pending output as the socket takes.
fn flush(stream: &TcpStream, io: &ConnIo, shared: &Shared) -> io::Result<()> {
    let mut chunk = std::mem::take(&mut io.out.lock().expect("out lock").buf);
    let total = chunk.len();
    let mut result = Ok(());
    while !chunk.is_empty() {
        match stream.try_write(&chunk) {
            Ok(n) => chunk.advance(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    let written = total - chunk.len();
    let mut o = io.out.lock().expect("out lock");
    if written > 0 {
        io.progress_at.store(shared.now_ms(), Ordering::Relaxed);
    }
    if !chunk.is_empty() {
        // Put the unwritten rest back in front of anything queued meanwhile.
        chunk.extend_from_slice(&o.buf);
        o.buf = chunk;
    } else if o.buf.is_empty() && chunk.capacity() <= 256 * 1024 {
        // Keep the allocation for the next batch.
        chunk.clear();
        o.buf = chunk;
    }
    drop(o);
    shared.unbuffer(io, written);
    result
}

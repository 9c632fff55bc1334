//! The broker on real sockets: listeners, one task per connection, the keep-alive timer, and the
//! path every frame takes — framer → tap → gate → broker core → tap → gate → socket.

use super::gate::{CutMode, Gate, HeldFrame, Verdict};
use super::tap::{Dir, Tap, TapReceiver};
use crate::broker::{self, Broker, ConnId, Event, Output};
use crate::proto::{self, Framing, Packet};
use bytes::{Buf, Bytes, BytesMut};
use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
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
}

impl StartError {
    /// The message with the fix, in 中文 or English.
    pub fn message(&self, zh: bool) -> String {
        let addr = self.addr;
        let next = SocketAddr::new(addr.ip(), addr.port().wrapping_add(1).max(1));
        match (self.error.kind(), zh) {
            (io::ErrorKind::AddrInUse, false) => format!(
                "cannot listen on {addr}: the address is already in use — another MQTT broker (mosquitto?) may be running; stop it, or choose another port with --listen {next}"
            ),
            (io::ErrorKind::AddrInUse, true) => format!(
                "无法监听 {addr}：地址已被占用 —— 可能已有另一个 MQTT 服务端（如 mosquitto）在运行；请先停止它，或用 --listen {next} 换一个端口"
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
        f.write_str(&self.message(false))
    }
}

impl std::error::Error for StartError {}

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
    /// QoS 0 messages are being dropped because the client reads too slowly.
    dropping: std::sync::atomic::AtomicBool,
}

impl ConnIo {
    fn push(&self, bytes: &[u8]) {
        self.out.lock().expect("out lock").buf.extend_from_slice(bytes);
        self.notify.notify_one();
    }
}

struct Core {
    broker: Broker,
    conns: HashMap<ConnId, Arc<ConnIo>>,
}

struct Shared {
    core: Mutex<Core>,
    tap: Tap,
    gate: Gate,
    events: broadcast::Sender<Event>,
    started: Instant,
    next_conn: AtomicU64,
    timer: Notify,
    max_packet: usize,
    /// Unsent bytes one connection may pile up before QoS 0 messages to it are dropped.
    max_buffered: usize,
    shutdown: watch::Receiver<bool>,
}

/// A running broker. Dropping it stops the listeners and closes every connection.
pub struct Server {
    shared: Arc<Shared>,
    addrs: Vec<SocketAddr>,
    first_tap: Option<TapReceiver>,
    first_events: Option<broadcast::Receiver<Event>>,
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
            let l = TcpListener::bind(addr).await.map_err(|error| StartError { addr: *addr, error })?;
            listeners.push(l);
        }
        let addrs: Vec<SocketAddr> = listeners.iter().map(|l| l.local_addr().expect("bound listener")).collect();
        let (events, _) = broadcast::channel(4096);
        let (stop, shutdown) = watch::channel(false);
        let max_packet = config.broker.max_packet_size;
        let max_buffered = config.broker.max_buffered_bytes;
        let shared = Arc::new(Shared {
            core: Mutex::new(Core { broker: Broker::new(config.broker), conns: HashMap::new() }),
            tap: Tap::default(),
            gate: Gate::default(),
            events,
            started: Instant::now(),
            next_conn: AtomicU64::new(1),
            timer: Notify::new(),
            max_packet,
            max_buffered,
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

    /// Narration events from now on.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.shared.events.subscribe()
    }

    /// Narration events from before the first connection was accepted (once; then `None`).
    pub fn take_events(&mut self) -> Option<broadcast::Receiver<Event>> {
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
        self.shared.pass(&f);
        Some(f)
    }

    /// Lets the held frame `id` through.
    pub fn release(&self, id: u64) -> Option<HeldFrame> {
        let f = self.take_held(Some(id))?;
        self.shared.pass(&f);
        Some(f)
    }

    /// Throws the oldest held frame away, as if the network lost it.
    pub fn drop_next(&self) -> Option<HeldFrame> {
        self.take_held(None)
    }

    /// Throws the held frame `id` away.
    pub fn drop_frame(&self, id: u64) -> Option<HeldFrame> {
        self.take_held(Some(id))
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
            s.held.retain(|h| h.conn != conn);
            if mode == CutMode::Silent {
                s.silent.insert(conn);
            }
            self.shared.gate.refresh(&s);
        }
        if mode == CutMode::Reset {
            let core = self.shared.lock();
            if let Some(io) = core.conns.get(&conn) {
                let mut out = io.out.lock().expect("out lock");
                out.reset = true;
                out.buf.clear();
                drop(out);
                io.notify.notify_one();
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

    /// Carries a released frame on.
    fn pass(&self, f: &HeldFrame) {
        match f.dir {
            Dir::In => self.handle_frames(f.conn, std::slice::from_ref(&f.bytes)),
            Dir::Out => {
                let core = self.lock();
                if let Some(io) = core.conns.get(&f.conn) {
                    io.push(&f.bytes);
                }
            }
        }
    }

    /// Frames from a socket: tap, gate, then the broker.
    fn inbound(&self, conn: ConnId, io: &ConnIo, frames: Vec<Bytes>) {
        if !self.tap.is_active() && !self.gate.is_engaged() {
            self.handle_frames(conn, &frames);
            return;
        }
        let client = io.client.get().cloned();
        let mut pass = Vec::with_capacity(frames.len());
        for f in frames {
            let seq = self.tap.record(self.at(), conn, client.clone(), Dir::In, f.clone());
            if self.gate.is_engaged()
                && self.gate.check(conn, client.clone(), Dir::In, &f, seq, self.at()) != Verdict::Pass
            {
                continue;
            }
            pass.push(f);
        }
        if !pass.is_empty() {
            self.handle_frames(conn, &pass);
        }
    }

    fn handle_frames(&self, conn: ConnId, frames: &[Bytes]) {
        let decoded: Vec<_> = frames.iter().map(proto::decode).collect();
        let now = Instant::now();
        let mut core = self.lock();
        for d in decoded {
            match d {
                Ok(p) => core.broker.handle_packet(conn, p, now),
                Err(e) => {
                    core.broker.handle_error(conn, &e, now);
                    break;
                }
            }
        }
        self.dispatch(&mut core);
    }

    fn malformed(&self, conn: ConnId, io: &ConnIo, bytes: Bytes, err: &proto::DecodeError) {
        self.tap.record(self.at(), conn, io.client.get().cloned(), Dir::In, bytes);
        let mut core = self.lock();
        core.broker.handle_error(conn, err, Instant::now());
        self.dispatch(&mut core);
    }

    fn dispatch(&self, core: &mut Core) {
        while let Some(o) = core.broker.poll_output() {
            match o {
                Output::Send(conn, p) => self.send(core, conn, &p),
                Output::Close(conn) => {
                    if let Some(io) = core.conns.get(&conn) {
                        io.out.lock().expect("out lock").close = true;
                        io.notify.notify_one();
                    }
                }
                Output::Event(e) => {
                    let _ = self.events.send(e);
                }
            }
        }
    }

    fn send(&self, core: &Core, conn: ConnId, p: &Packet) {
        let Some(io) = core.conns.get(&conn) else { return };
        if let Packet::Publish(pb) = p
            && pb.qos() == crate::proto::QoS::AtMostOnce
            && io.out.lock().expect("out lock").buf.len() > self.max_buffered
        {
            if !io.dropping.swap(true, Ordering::Relaxed) {
                let client_id = io.client.get().map(|c| c.to_string()).unwrap_or_else(|| format!("#{conn}"));
                let _ = self.events.send(Event::SlowConsumer { client_id, buffered: self.max_buffered });
            }
            return;
        }
        if let Packet::ConnAck(_) = p
            && io.client.get().is_none()
            && let Some(c) = core.broker.client_of(conn)
        {
            // From the CONNACK that accepts it on, the connection's frames carry the client's name.
            let _ = io.client.set(c.clone());
        }
        if self.tap.is_active() || self.gate.is_engaged() {
            let mut b = BytesMut::with_capacity(p.encoded_len());
            p.encode(&mut b);
            let bytes = b.freeze();
            let client = io.client.get().cloned();
            let seq = self.tap.record(self.at(), conn, client.clone(), Dir::Out, bytes.clone());
            if self.gate.is_engaged()
                && self.gate.check(conn, client, Dir::Out, &bytes, seq, self.at()) != Verdict::Pass
            {
                return;
            }
            io.push(&bytes);
        } else {
            p.encode(&mut io.out.lock().expect("out lock").buf);
            io.notify.notify_one();
        }
    }

    fn gone(&self, conn: ConnId) {
        let mut core = self.lock();
        core.conns.remove(&conn);
        core.broker.closed(conn, Instant::now());
        self.dispatch(&mut core);
        drop(core);
        let mut s = self.gate.state.lock().expect("gate lock");
        if s.silent.remove(&conn) | s.delay.remove(&conn).is_some() {
            self.gate.refresh(&s);
        }
    }
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    loop {
        let (stream, _peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                // Out of file descriptors and the like: say so, and wait a little rather than spin.
                let _ = shared.events.send(Event::AcceptFailed { error: e.to_string() });
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
        let io = Arc::new(ConnIo {
            out: Mutex::new(OutState { buf: BytesMut::new(), close: false, reset: false }),
            notify: Notify::new(),
            client: OnceLock::new(),
            dropping: std::sync::atomic::AtomicBool::new(false),
        });
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
            shared.dispatch(&mut core);
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

async fn conn_task(shared: Arc<Shared>, stream: TcpStream, id: ConnId, io: Arc<ConnIo>) {
    let mut rbuf = BytesMut::new();
    let mut shutdown = shared.shutdown.clone();
    let mut reading = true;
    // A client told goodbye gets this long to take its last bytes (a CONNACK refusal, say).
    let mut give_up: Option<tokio::time::Instant> = None;
    loop {
        let (pending, close, reset) = {
            let o = io.out.lock().expect("out lock");
            (!o.buf.is_empty(), o.close, o.reset)
        };
        if reset || (close && !pending) {
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
        let interest = match (reading && !close, pending) {
            (true, true) => Interest::READABLE | Interest::WRITABLE,
            (true, false) => Interest::READABLE,
            (false, true) => Interest::WRITABLE,
            (false, false) => {
                // Nothing to read any more and nothing to write: wait to be told to close.
                tokio::select! {
                    _ = io.notify.notified() => continue,
                    _ = shutdown.changed() => break,
                }
            }
        };
        let ready = tokio::select! {
            r = stream.ready(interest) => match r {
                Ok(r) => r,
                Err(_) => break,
            },
            _ = io.notify.notified() => continue,
            _ = shutdown.changed() => break,
            _ = deadline => break,
        };
        if ready.is_writable() && pending && flush(&stream, &io, shared.max_buffered).is_err() {
            break;
        }
        if ready.is_readable() && reading && !close {
            match read_some(&stream, &mut rbuf) {
                Ok(true) => {}
                Ok(false) => break, // end of stream
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(_) => break,
            }
            let mut frames = Vec::new();
            loop {
                match proto::frame(&rbuf, shared.max_packet) {
                    Ok(Framing::Whole(h)) => {
                        let n = h.frame_len();
                        frames.push(Bytes::copy_from_slice(&rbuf[..n]));
                        rbuf.advance(n);
                    }
                    Ok(Framing::Incomplete { .. }) => break,
                    Err(e) => {
                        if !frames.is_empty() {
                            shared.inbound(id, &io, std::mem::take(&mut frames));
                        }
                        let bad = rbuf.split().freeze();
                        shared.malformed(id, &io, bad, &e);
                        reading = false;
                        break;
                    }
                }
            }
            if !frames.is_empty() {
                if let Some(d) = shared.gate.is_engaged().then(|| shared.gate.delay_for(id)).flatten() {
                    tokio::time::sleep(d).await;
                }
                shared.inbound(id, &io, frames);
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
fn flush(stream: &TcpStream, io: &ConnIo, max_buffered: usize) -> io::Result<()> {
    let mut chunk = std::mem::take(&mut io.out.lock().expect("out lock").buf);
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
    let mut o = io.out.lock().expect("out lock");
    if o.buf.len() + chunk.len() < max_buffered / 2 {
        io.dropping.store(false, Ordering::Relaxed);
    }
    if !chunk.is_empty() {
        // Put the unwritten rest back in front of anything queued meanwhile.
        chunk.extend_from_slice(&o.buf);
        o.buf = chunk;
    } else if o.buf.is_empty() && chunk.capacity() <= 64 * 1024 {
        // Keep the allocation for the next batch.
        chunk.clear();
        o.buf = chunk;
    }
    result
}

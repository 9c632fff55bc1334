//! The lab's world on real sockets: the broker and the cast of virtual clients, each a sans-I/O
//! [`Client`] driven by a tokio task over a loopback socket, through the same tap as any other
//! client. It takes [`LabCmd`]s and reports [`WorldEvent`]s; it knows nothing of the app or the
//! terminal (the loop that joins them is `crate::tui`).

use super::gate::CutMode;
use super::server::{Server, ServerConfig};
use super::tap::{Dir, Tap};
use crate::i18n::{Lang, Text};
use crate::proto::{self, Framing};
use crate::world::actor::{Actor, Io, options_from};
use crate::world::board::Board;
use crate::world::cmd::{ClientCmd, ConnectOpts, LabCmd};
use crate::world::event::WorldEvent;
use crate::world::view::{BrokerView, HeldView, RetainedRow, SessionRow};
use bytes::{Bytes, BytesMut};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

/// How to start the lab.
#[derive(Debug, Clone)]
pub struct LabOptions {
    pub server: ServerConfig,
    pub lang: Lang,
    /// Frames the inspector keeps.
    pub inspector_capacity: usize,
    /// Put car, phone and computer on stage at start.
    pub cast: bool,
    /// Append narration and errors to this file.
    pub log: Option<std::path::PathBuf>,
    /// Use this broker instead of starting one (`--broker mqtt://HOST:PORT`): the inspector then
    /// shows the frames of the lab's own clients, and step mode is not available.
    pub external: Option<SocketAddr>,
}

/// The tutorial's cast: name, 中文 name.
pub use crate::world::CAST;

enum ToClient {
    Cmd(u64, Box<ClientCmd>),
    Remove,
    /// Leave at once, without DISCONNECT and without a word (the broker is being replaced).
    Vanish,
}

struct ClientHandle {
    tx: mpsc::UnboundedSender<ToClient>,
    client_id: String,
    alive: Arc<std::sync::Mutex<bool>>,
    /// A board's MAC address.
    mac: Option<String>,
}

/// An [`Actor`] hosted over a loopback socket.
struct VirtualClient {
    actor: Actor,
    addr: SocketAddr,
    reader: Option<OwnedReadHalf>,
    writer: Option<OwnedWriteHalf>,
    app: mpsc::UnboundedSender<WorldEvent>,
    epoch: Instant,
    /// With an external broker the client records its own frames here.
    tap: Option<Arc<Tap>>,
    conn: u64,
    conns: Arc<AtomicU64>,
    /// False once the client vanished with a reset: from then on it says nothing more. Held while
    /// sending, so that every word of the old world comes before the reset's [`WorldEvent::ResetDone`].
    alive: Arc<std::sync::Mutex<bool>>,
    /// A virtual board's serial port.
    pty: Option<super::pty::Pty>,
}

impl VirtualClient {
    /// A board's serial output into its pseudo-terminal, as a terminal at its baud rate sees it.
    fn serial(&mut self) {
        let chunks = self.actor.take_serial();
        self.actor.take_lines();
        let Some(pty) = &self.pty else { return };
        // The board has no use for what the terminal sends it, but it must not pile up.
        pty.read_input();
        if chunks.is_empty() {
            return;
        }
        let baud = pty.baud();
        for c in chunks {
            pty.write(&crate::world::board::as_received(&c, baud));
        }
    }

    fn at(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// Records a frame of this client's (external broker mode only).
    fn record(&self, dir: Dir, bytes: Bytes) {
        if let Some(t) = &self.tap {
            let id: Arc<str> = Arc::from(self.actor.client_id());
            t.record(self.at(), self.conn, Some(id), dir, bytes);
        }
    }

    fn send(&self, ev: Vec<WorldEvent>) {
        let alive = self.alive.lock().unwrap_or_else(|p| p.into_inner());
        if !*alive {
            return;
        }
        for e in ev {
            let _ = self.app.send(e);
        }
    }

    /// Carries out what the actor asked for, and whatever that leads to.
    async fn run_io(&mut self, mut io: Vec<Io>, ev: &mut Vec<WorldEvent>) {
        while !io.is_empty() {
            let now = Instant::now();
            let at = self.at();
            let mut next = Vec::new();
            for op in io.drain(..) {
                match op {
                    Io::Write(bytes) => {
                        self.record(Dir::In, bytes.clone());
                        if let Some(w) = &mut self.writer
                            && w.write_all(&bytes).await.is_err()
                        {
                            self.reader = None;
                            self.writer = None;
                            self.actor.lost(now, at, &mut next, ev);
                        }
                    }
                    Io::Close => {
                        if let Some(mut w) = self.writer.take() {
                            let _ = w.shutdown().await;
                        }
                        self.reader = None;
                    }
                    Io::Abandon => {
                        // A chip that lost power sends nothing more, not even FIN: the socket stays
                        // open and silent until the broker gives up on it (what it sends is read and
                        // thrown away, so that it never sees a reset either).
                        if let (Some(mut r), Some(w)) = (self.reader.take(), self.writer.take()) {
                            tokio::spawn(async move {
                                let mut sink = vec![0u8; 4096];
                                let hold = async {
                                    while let Ok(n) = r.read(&mut sink).await {
                                        if n == 0 {
                                            break;
                                        }
                                    }
                                };
                                let _ = tokio::time::timeout(Duration::from_secs(600), hold).await;
                                drop(w);
                            });
                        }
                    }
                    Io::Open => match TcpStream::connect(self.addr).await {
                        Ok(s) => {
                            let _ = s.set_nodelay(true);
                            self.conn = self.conns.fetch_add(1, Ordering::Relaxed);
                            let (r, w) = s.into_split();
                            self.reader = Some(r);
                            self.writer = Some(w);
                            self.actor.opened(Instant::now(), self.at(), &mut next, ev);
                        }
                        Err(e) => {
                            ev.push(WorldEvent::ClientNote {
                                client: self.actor.name.clone(),
                                at: self.at(),
                                text: Text::new(
                                    format!("无法连接 {}：{e}", self.addr),
                                    format!("cannot connect to {}: {e}", self.addr),
                                ),
                            });
                            self.actor.open_failed(Instant::now(), self.at(), &mut next, ev);
                        }
                    },
                }
            }
            io = next;
        }
    }

    /// Frames from the broker.
    fn received(&mut self, rbuf: &mut BytesMut, io: &mut Vec<Io>, ev: &mut Vec<WorldEvent>) {
        let now = Instant::now();
        let at = self.at();
        loop {
            match proto::frame(rbuf, proto::MAX_REMAINING_LENGTH + 5) {
                Ok(Framing::Whole(h)) => {
                    let frame = rbuf.split_to(h.frame_len()).freeze();
                    self.record(Dir::Out, frame.clone());
                    let version = proto::frame_version(&frame, self.actor.protocol());
                    match proto::decode_v(&frame, version) {
                        Ok(p) => self.actor.received(p, now, at, io, ev),
                        Err(e) => {
                            ev.push(WorldEvent::ClientNote {
                                client: self.actor.name.clone(),
                                at,
                                text: Text::new(
                                    format!("服务端发来格式错误的报文：{}", e.message(Lang::Zh)),
                                    format!("the broker sent a malformed frame: {}", e.message(Lang::En)),
                                ),
                            });
                            self.reader = None;
                            self.writer = None;
                            rbuf.clear();
                            self.actor.lost(now, at, io, ev);
                            return;
                        }
                    }
                }
                Ok(Framing::Incomplete { .. }) => return,
                Err(_) => {
                    rbuf.clear();
                    return;
                }
            }
        }
    }
}

enum Wake {
    Cmd(Option<ToClient>),
    Read(std::io::Result<usize>),
    Timer,
}

async fn client_task(mut vc: VirtualClient, mut rx: mpsc::UnboundedReceiver<ToClient>) {
    let mut rbuf = BytesMut::new();
    loop {
        let deadline = vc.actor.poll_timeout();
        let wake = {
            let read = async {
                match vc.reader.as_mut() {
                    Some(r) => r.read_buf(&mut rbuf).await,
                    None => std::future::pending().await,
                }
            };
            let timer = async {
                match deadline {
                    Some(t) => tokio::time::sleep_until(t.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                c = rx.recv() => Wake::Cmd(c),
                r = read => Wake::Read(r),
                _ = timer => Wake::Timer,
            }
        };
        let (now, at) = (Instant::now(), vc.at());
        let (mut io, mut ev) = (Vec::new(), Vec::new());
        match wake {
            Wake::Cmd(Some(ToClient::Vanish)) => return,
            Wake::Cmd(None) | Wake::Cmd(Some(ToClient::Remove)) => {
                if vc.actor.client().state().is_open() {
                    let done = vc.actor.command(ClientCmd::Disconnect(Default::default()), now, at, &mut io, &mut ev);
                    let _ = done;
                    vc.run_io(io, &mut ev).await;
                }
                ev.push(WorldEvent::ClientRemoved(vc.actor.name.clone()));
                vc.send(ev);
                return;
            }
            Wake::Cmd(Some(ToClient::Cmd(id, c))) => {
                let done = vc.actor.command(*c, now, at, &mut io, &mut ev);
                ev.insert(0, WorldEvent::CommandDone { id, client: vc.actor.name.clone(), at, done });
            }
            Wake::Read(Ok(0)) | Wake::Read(Err(_)) => {
                vc.reader = None;
                vc.writer = None;
                rbuf.clear();
                vc.actor.lost(now, at, &mut io, &mut ev);
            }
            Wake::Read(Ok(_)) => {
                vc.received(&mut rbuf, &mut io, &mut ev);
                if rbuf.is_empty() && rbuf.capacity() > 64 * 1024 {
                    rbuf = BytesMut::new();
                }
            }
            Wake::Timer => vc.actor.timeout(now, at, &mut io, &mut ev),
        }
        vc.run_io(io, &mut ev).await;
        vc.serial();
        vc.send(ev);
    }
}

/// The broker's state for its pane.
pub fn broker_view(server: &Server) -> BrokerView {
    let now = Instant::now();
    let epoch = now - server.elapsed();
    server.with_broker(|b| {
        let mut sessions: Vec<SessionRow> = b
            .sessions()
            .map(|s| SessionRow {
                client_id: s.client_id.to_string(),
                connected: s.conn.is_some(),
                clean: s.clean,
                keep_alive: s.keep_alive,
                idle: now.saturating_duration_since(b.last_seen(s)),
                will: s.will.as_ref().map(|w| w.topic.clone()),
                queued: s.queue.len(),
                inflight: s.inflight.len(),
            })
            .collect();
        sessions.sort_by(|a, b| a.client_id.cmp(&b.client_id));
        let mut retained: Vec<RetainedRow> = b
            .retained()
            .map(|r| RetainedRow {
                topic: r.publish.topic.to_string(),
                payload: String::from_utf8_lossy(&r.publish.payload).into_owned(),
                qos: r.publish.qos(),
                stored_at: r.stored_at.saturating_duration_since(epoch),
                from: r.from.clone(),
            })
            .collect();
        retained.sort_by(|a, b| a.topic.cmp(&b.topic));
        BrokerView {
            sessions,
            subscriptions: b.subscriptions().into_iter().map(|(f, c, q)| (f, c.to_string(), q)).collect(),
            retained,
            listen: server.local_addrs().iter().map(|a| a.to_string()).collect(),
        }
    })
}

pub fn held_view(server: &Server) -> WorldEvent {
    let frames = server
        .held()
        .into_iter()
        .map(|h| HeldView {
            id: h.id,
            seq: h.seq,
            conn: h.conn,
            dir: h.dir,
            client: h.client.as_ref().map(|c| c.to_string()),
            bytes: h.bytes.clone(),
        })
        .collect();
    WorldEvent::Held { holding: server.is_holding(), frames }
}

/// The lab's world: the broker and the virtual clients.
pub struct Lab {
    /// The built-in broker; `None` with an external one.
    pub server: Option<Server>,
    /// With an external broker, the clients' own frames.
    pub own_tap: Option<Arc<Tap>>,
    /// Where the clients connect.
    pub addr: SocketAddr,
    clients: HashMap<String, ClientHandle>,
    tx: mpsc::UnboundedSender<WorldEvent>,
    epoch: Instant,
    conns: Arc<AtomicU64>,
    /// The broker's configuration as started (what a reset starts from).
    base: Option<crate::broker::Config>,
}

impl Lab {
    /// Starts the broker; the app's messages arrive on the returned receiver.
    pub async fn start(config: ServerConfig) -> Result<(Lab, mpsc::UnboundedReceiver<WorldEvent>), super::StartError> {
        let server = Server::start(config).await?;
        let mut addr = server.local_addrs()[0];
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::IpAddr::from([127, 0, 0, 1]));
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let epoch = Instant::now() - server.elapsed();
        let lab = Lab {
            server: Some(server),
            own_tap: None,
            addr,
            clients: HashMap::new(),
            tx,
            epoch,
            conns: Arc::new(AtomicU64::new(1)),
            base: None,
        };
        Ok((lab, rx))
    }

    /// The lab without a broker of its own: the clients connect to `addr`.
    pub fn external(addr: SocketAddr) -> (Lab, mpsc::UnboundedReceiver<WorldEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let lab = Lab {
            server: None,
            own_tap: Some(Arc::new(Tap::default())),
            addr,
            clients: HashMap::new(),
            tx,
            epoch: Instant::now(),
            conns: Arc::new(AtomicU64::new(1)),
            base: None,
        };
        (lab, rx)
    }

    /// Time since the lab (or its broker) started: the frames' clock.
    pub fn elapsed(&self) -> Duration {
        self.epoch.elapsed()
    }

    fn needs_broker(&self) {
        let _ = self.tx.send(WorldEvent::ClientNote {
            client: "lab".into(),
            at: self.elapsed(),
            text: Text::new(
                "单步模式和网关只有内置服务端才有（启动时不要加 --broker）",
                "step mode and the gate need the built-in broker (start without --broker)",
            ),
        });
    }

    /// Puts a client on stage and connects it.
    pub fn add_client(&mut self, name: &str, label_zh: Option<&str>, opts: ConnectOpts) {
        let options = options_from(name, &opts);
        let (ctx, crx) = mpsc::unbounded_channel();
        let alive = Arc::new(std::sync::Mutex::new(true));
        let sketch = opts.sketch.as_deref().and_then(crate::world::board::sketch::find);
        let mut pty = None;
        let mut board_mac = None;
        let actor = match sketch {
            Some(sk) => {
                let macs: Vec<String> = self.clients.values().filter_map(|h| h.mac.clone()).collect();
                let mac = crate::world::board::mac_for(opts.mac.as_deref(), &macs);
                board_mac = Some(mac.clone());
                let board = Board::new(sk, &mac, &self.addr.ip().to_string());
                match super::pty::Pty::open() {
                    Ok(p) => {
                        let path = p.path().display().to_string();
                        let _ = self.tx.send(WorldEvent::SerialPort { board: name.to_string(), path });
                        pty = Some(p);
                    }
                    Err(e) => {
                        let _ = self.tx.send(WorldEvent::ClientNote {
                            client: "lab".into(),
                            at: self.elapsed(),
                            text: Text::new(
                                format!("无法为 {name} 打开伪终端（串口）：{e}；开发板照常运行，只是看不到它的串口输出"),
                                format!("cannot open a pseudo-terminal (serial port) for {name}: {e}; the board runs, but its serial output cannot be seen"),
                            ),
                        });
                    }
                }
                Actor::board(name, board, self.server.is_some())
            }
            None => Actor::new(name, label_zh, options.clone(), self.server.is_some()),
        };
        let client_id = actor.client_id().to_string();
        let vc = VirtualClient {
            actor,
            pty,
            addr: self.addr,
            reader: None,
            writer: None,
            app: self.tx.clone(),
            epoch: self.epoch,
            tap: self.own_tap.clone(),
            conn: 0,
            conns: self.conns.clone(),
            alive: alive.clone(),
        };
        tokio::spawn(client_task(vc, crx));
        if !opts.offline {
            let first = if sketch.is_some() { ClientCmd::Power(true) } else { ClientCmd::Connect(opts) };
            let _ = ctx.send(ToClient::Cmd(0, Box::new(first)));
        }
        let client_id = if sketch.is_some() { client_id } else { options.client_id };
        self.clients.insert(name.to_string(), ClientHandle { tx: ctx, client_id, alive, mac: board_mac });
    }

    /// Carries out one command.
    pub fn apply(&mut self, e: LabCmd) {
        match e {
            LabCmd::Client { id, name, cmd } => {
                let Some(h) = self.clients.get_mut(&name) else { return };
                match &cmd {
                    ClientCmd::Cut => {
                        if let Some(server) = &self.server
                            && let Some(conn) = server.conn_of(&h.client_id)
                        {
                            server.cut(conn, CutMode::Silent);
                        }
                    }
                    ClientCmd::Connect(o) => {
                        h.client_id = o.client_id.clone().unwrap_or_else(|| name.clone());
                    }
                    _ => {}
                }
                let _ = h.tx.send(ToClient::Cmd(id, Box::new(cmd)));
            }
            LabCmd::AddClient { name, opts } => {
                let label = crate::world::cast_label(&name);
                self.add_client(&name, label, opts)
            }
            LabCmd::Reset(setup) => {
                for (_, h) in self.clients.drain() {
                    *h.alive.lock().unwrap_or_else(|p| p.into_inner()) = false;
                    let _ = h.tx.send(ToClient::Vanish);
                }
                if let Some(s) = &self.server {
                    let base = self.base.get_or_insert_with(|| s.broker_config()).clone();
                    s.reset_broker(setup.config(&base));
                }
                let _ = self.tx.send(WorldEvent::ResetDone);
            }
            LabCmd::RemoveClient { name } => {
                if let Some(h) = self.clients.remove(&name) {
                    let _ = h.tx.send(ToClient::Remove);
                }
            }
            LabCmd::Hold(_) | LabCmd::ReleaseNext | LabCmd::DropNext | LabCmd::CutHeld if self.server.is_none() => {
                self.needs_broker()
            }
            LabCmd::Hold(on) => self.server.iter().for_each(|s| s.set_hold(on)),
            LabCmd::ReleaseNext => {
                self.server.iter().for_each(|s| drop(s.release_next()));
            }
            LabCmd::DropNext => {
                self.server.iter().for_each(|s| drop(s.drop_next()));
            }
            LabCmd::CutHeld => {
                if let Some(s) = &self.server
                    && let Some(h) = s.held().first()
                {
                    s.cut(h.conn, CutMode::Reset);
                }
            }
        }
        if let Some(s) = &self.server {
            let _ = self.tx.send(held_view(s));
        }
    }
}

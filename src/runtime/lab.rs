//! The lab's world on real sockets: the broker and the cast of virtual clients, each a sans-I/O
//! [`Client`] driven by a tokio task over a loopback socket, through the same tap as any other
//! client. It takes [`LabCmd`]s and reports [`WorldEvent`]s; it knows nothing of the app or the
//! terminal (the loop that joins them is `crate::tui`).

use super::gate::CutMode;
use super::server::{Server, ServerConfig};
use super::tap::{Dir, Tap};
use crate::client::{self, Client, ClientEvent, Options, State};
use crate::i18n::Lang;
use crate::proto::{self, Framing, QoS, Will};
use crate::world::cmd::{ClientCmd, ConnectOpts, LabCmd};
use crate::world::event::WorldEvent;
use crate::world::view::{BrokerView, ClientView, Delivered, HeldView, RetainedRow, SessionRow};
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
pub const CAST: [(&str, &str); 3] = [("car", "汽车"), ("phone", "手机"), ("computer", "电脑")];

enum ToClient {
    Cmd(ClientCmd),
    Remove,
}

struct ClientHandle {
    tx: mpsc::UnboundedSender<ToClient>,
    client_id: String,
}

/// Options for a CONNECT from the command line's words.
pub fn options_from(client_id: &str, o: &ConnectOpts) -> Options {
    let mut opts = Options::new(o.client_id.clone().unwrap_or_else(|| client_id.to_string()));
    if let Some(c) = o.clean {
        opts.clean_session = c;
    }
    if let Some(k) = o.keep_alive {
        opts.keep_alive = k;
    }
    if let Some(t) = &o.will_topic {
        opts.will = Some(Will {
            topic: t.clone(),
            message: Bytes::from(o.will_msg.clone().unwrap_or_default()),
            qos: o.will_qos.unwrap_or(QoS::AtMostOnce),
            retain: o.will_retain,
        });
    }
    opts.username = o.user.clone();
    opts.password = o.pass.clone().map(Bytes::from);
    opts
}

fn state_words(s: State, code: i8) -> (String, String) {
    let (en, zh) = match s {
        State::Disconnected => ("disconnected".to_string(), "未连接".to_string()),
        State::Connecting => ("connecting…".into(), "连接中…".into()),
        State::Connected => ("connected".into(), "已连接".into()),
        State::Refused(c) => (format!("refused: {}", c.describe(false)), format!("被拒绝：{}", c.describe(true))),
        State::ConnectFailed => ("cannot reach the broker".into(), "连不上服务端".into()),
        State::ConnectionLost => ("connection lost".into(), "连接断开".into()),
        State::TimedOut => ("timed out".into(), "超时".into()),
    };
    (format!("{en} (state {code})"), format!("{zh}（state {code}）"))
}

struct VirtualClient {
    name: String,
    label_zh: Option<String>,
    addr: SocketAddr,
    client: Client,
    reader: Option<OwnedReadHalf>,
    writer: Option<OwnedWriteHalf>,
    /// The link is cut (a tunnel): nothing goes through, the socket stays open until the broker closes it.
    link_cut: bool,
    app: mpsc::UnboundedSender<WorldEvent>,
    epoch: Instant,
    last_view: Option<ClientView>,
    /// With an external broker the client records its own frames here.
    tap: Option<Arc<Tap>>,
    conn: u64,
    conns: Arc<AtomicU64>,
}

impl VirtualClient {
    /// Records a frame of this client's (external broker mode only).
    fn record(&self, dir: Dir, bytes: Bytes) {
        if let Some(t) = &self.tap {
            let id: Arc<str> = Arc::from(self.client.options().client_id.as_str());
            t.record(self.epoch.elapsed(), self.conn, Some(id), dir, bytes);
        }
    }

    fn note(&self, en: String, zh: String) {
        let _ = self.app.send(WorldEvent::ClientNote { client: self.name.clone(), at: self.epoch.elapsed(), en, zh });
    }

    fn view(&self) -> ClientView {
        let (state_en, state_zh) = state_words(self.client.state(), self.client.pubsub_state());
        let o = self.client.options();
        ClientView {
            name: self.name.clone(),
            label_zh: self.label_zh.clone(),
            client_id: o.client_id.clone(),
            connected: self.client.state() == State::Connected,
            state_en,
            state_zh,
            frozen: self.client.is_frozen(),
            link_cut: self.link_cut,
            clean: o.clean_session,
            keep_alive: o.keep_alive,
            will: o.will.as_ref().map(|w| w.topic.clone()),
            subscriptions: self
                .client
                .subscriptions()
                .map(|(f, s)| {
                    (f.to_string(), if s.pending.is_some() && s.granted.is_none() { None } else { Some(s.granted) })
                })
                .collect(),
            inflight: self
                .client
                .inflight_ids()
                .into_iter()
                .map(|(id, st)| {
                    let s = match st {
                        client::Stage::AwaitingPubAck => "PUBACK?",
                        client::Stage::AwaitingPubRec => "PUBREC?",
                        client::Stage::AwaitingPubComp => "PUBCOMP?",
                    };
                    (id.get(), s)
                })
                .collect(),
        }
    }

    fn publish_view(&mut self) {
        let v = self.view();
        if self.last_view.as_ref() != Some(&v) {
            self.last_view = Some(v.clone());
            let _ = self.app.send(WorldEvent::Client(v));
        }
    }

    /// Carries out what the session asked for.
    async fn flush(&mut self) {
        while let Some(o) = self.client.poll_output() {
            match o {
                client::Output::Send(p) => {
                    if self.link_cut {
                        continue;
                    }
                    let bytes = p.to_bytes();
                    if self.writer.is_some() {
                        self.record(Dir::In, bytes.clone());
                    }
                    if let Some(w) = &mut self.writer
                        && w.write_all(&bytes).await.is_err()
                    {
                        self.reader = None;
                        self.writer = None;
                        self.client.connection_lost(Instant::now());
                    }
                }
                client::Output::Close => {
                    if !self.link_cut {
                        if let Some(mut w) = self.writer.take() {
                            let _ = w.shutdown().await;
                        }
                        self.reader = None;
                    }
                }
                client::Output::Event(e) => self.event(e),
            }
        }
    }

    fn event(&mut self, e: ClientEvent) {
        match &e {
            ClientEvent::Message { topic, payload, qos, retain, dup, .. } => {
                let _ = self.app.send(WorldEvent::Delivered(Delivered {
                    at: self.epoch.elapsed(),
                    client: self.name.clone(),
                    topic: topic.clone(),
                    payload: String::from_utf8_lossy(payload).into_owned(),
                    qos: *qos,
                    retain: *retain,
                    dup: *dup,
                }));
            }
            ClientEvent::KeepAlivePing { .. }
            | ClientEvent::PingResponse { .. }
            | ClientEvent::PubAcked { .. }
            | ClientEvent::PubCompleted { .. }
            | ClientEvent::PubReceived { .. } => {}
            _ => self.note(e.text(Lang::En), e.text(Lang::Zh)),
        }
    }

    async fn connect(&mut self, opts: Options) {
        if self.client.state().is_open() {
            self.client.disconnect(Instant::now());
            self.flush().await;
        }
        self.reader = None;
        self.writer = None;
        self.link_cut = false;
        if self.client.is_frozen() {
            self.client.thaw(Instant::now());
        }
        if let Err(e) = self.client.set_options(opts) {
            return self.note(e.text(Lang::En), e.text(Lang::Zh));
        }
        match TcpStream::connect(self.addr).await {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                self.conn = self.conns.fetch_add(1, Ordering::Relaxed);
                let (r, w) = s.into_split();
                self.reader = Some(r);
                self.writer = Some(w);
                if let Err(e) = self.client.connect(Instant::now()) {
                    self.note(e.text(Lang::En), e.text(Lang::Zh));
                }
            }
            Err(e) => {
                self.client.connect_failed(Instant::now());
                self.note(format!("cannot connect to {}: {e}", self.addr), format!("无法连接 {}：{e}", self.addr));
            }
        }
    }

    async fn command(&mut self, c: ClientCmd) {
        let now = Instant::now();
        let result = match c {
            ClientCmd::Connect(o) => {
                let opts = options_from(&self.name, &o);
                self.connect(opts).await;
                Ok(())
            }
            ClientCmd::Disconnect => {
                self.client.disconnect(now);
                Ok(())
            }
            ClientCmd::Cut => {
                self.link_cut = true;
                Ok(())
            }
            ClientCmd::Freeze => {
                self.client.freeze();
                Ok(())
            }
            ClientCmd::Thaw => {
                self.client.thaw(now);
                Ok(())
            }
            ClientCmd::Subscribe { filter, qos } => {
                self.client.subscribe_unchecked(vec![(filter, qos)], now).map(|_| ())
            }
            ClientCmd::Unsubscribe { filter } => self.client.unsubscribe_unchecked(vec![filter], now).map(|_| ()),
            ClientCmd::Publish { topic, payload, qos, retain } => {
                self.client.publish_unchecked(&topic, Bytes::from(payload), qos, retain, now).map(|_| ())
            }
        };
        if let Err(e) = result {
            self.note(e.text(Lang::En), e.text(Lang::Zh));
        }
    }

    fn received(&mut self, rbuf: &mut BytesMut) {
        let now = Instant::now();
        loop {
            match proto::frame(rbuf, proto::MAX_REMAINING_LENGTH + 5) {
                Ok(Framing::Whole(h)) => {
                    let frame = rbuf.split_to(h.frame_len()).freeze();
                    if self.link_cut {
                        continue;
                    }
                    self.record(Dir::Out, frame.clone());
                    match proto::decode(&frame) {
                        Ok(p) => self.client.handle_packet(p, now),
                        Err(e) => {
                            self.note(
                                format!("the broker sent a malformed frame: {}", e.message(false)),
                                format!("服务端发来畸形报文：{}", e.message(true)),
                            );
                            self.client.connection_lost(now);
                            self.reader = None;
                            self.writer = None;
                            rbuf.clear();
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
        vc.flush().await;
        vc.publish_view();
        let deadline = vc.client.poll_timeout();
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
        match wake {
            Wake::Cmd(None) | Wake::Cmd(Some(ToClient::Remove)) => {
                if vc.client.state().is_open() {
                    vc.client.disconnect(Instant::now());
                    vc.flush().await;
                }
                let _ = vc.app.send(WorldEvent::ClientRemoved(vc.name.clone()));
                return;
            }
            Wake::Cmd(Some(ToClient::Cmd(c))) => vc.command(c).await,
            Wake::Read(Ok(0)) | Wake::Read(Err(_)) => {
                vc.reader = None;
                vc.writer = None;
                rbuf.clear();
                vc.client.connection_lost(Instant::now());
            }
            Wake::Read(Ok(_)) => {
                vc.received(&mut rbuf);
                if rbuf.is_empty() && rbuf.capacity() > 64 * 1024 {
                    rbuf = BytesMut::new();
                }
            }
            Wake::Timer => vc.client.handle_timeout(Instant::now()),
        }
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
            en: "step mode and the gate need the built-in broker (run without --broker)".into(),
            zh: "单步模式需要内置服务端（不要用 --broker）".into(),
        });
    }

    /// Puts a client on stage and connects it.
    pub fn add_client(&mut self, name: &str, label_zh: Option<&str>, opts: ConnectOpts) {
        let options = options_from(name, &opts);
        let (ctx, crx) = mpsc::unbounded_channel();
        let vc = VirtualClient {
            name: name.to_string(),
            label_zh: label_zh.map(str::to_string),
            addr: self.addr,
            client: Client::new(options.clone()),
            reader: None,
            writer: None,
            link_cut: false,
            app: self.tx.clone(),
            epoch: self.epoch,
            last_view: None,
            tap: self.own_tap.clone(),
            conn: 0,
            conns: self.conns.clone(),
        };
        tokio::spawn(client_task(vc, crx));
        let _ = ctx.send(ToClient::Cmd(ClientCmd::Connect(opts)));
        self.clients.insert(name.to_string(), ClientHandle { tx: ctx, client_id: options.client_id });
    }

    /// Carries out one command.
    pub fn apply(&mut self, e: LabCmd) {
        match e {
            LabCmd::Client { name, cmd } => {
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
                let _ = h.tx.send(ToClient::Cmd(cmd));
            }
            LabCmd::AddClient { name, opts } => self.add_client(&name, None, opts),
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

//! The in-memory world: the broker core and the virtual clients ([`Actor`]s) wired together without
//! sockets. Every frame is really encoded, recorded (like the tap), passed through a gate (hold,
//! drop, cut) and decoded on the other side; time is virtual and only moves when told, so a
//! 90-second keep alive takes no time at all. It takes the same [`LabCmd`]s as the lab on sockets and
//! reports the same [`WorldEvent`]s, so lessons are checked headless on the very logic the learner
//! uses. Pure: no I/O, no clock.

use super::actor::{Actor, Io, options_from};
use super::cmd::{ClientCmd, LabCmd};
use super::event::WorldEvent;
use super::record::{Dir, Fate, TapFrame};
use super::view::{BrokerView, HeldView, RetainedRow, SessionRow};
use crate::broker::{self, Broker, ConnId, Output};
use crate::proto::{self, Framing};
use bytes::Bytes;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A frame on the simulated wire.
#[derive(Debug, Clone)]
struct Transit {
    seq: u64,
    conn: ConnId,
    dir: Dir,
    bytes: Bytes,
}

/// What is in flight on the wire, in order.
#[derive(Debug, Clone)]
enum Wire {
    Frame(Transit),
    /// The broker closed `conn`: its client sees the end of the stream.
    BrokerClosed(ConnId),
    /// The client closed its connection: the broker sees the end of the stream.
    ClientClosed(ConnId),
}

struct Slot {
    actor: Actor,
    conn: Option<ConnId>,
}

/// The world.
pub struct World {
    broker: Broker,
    /// The configuration a [`LabCmd::Reset`] starts from.
    base: broker::Config,
    slots: BTreeMap<String, Slot>,
    /// Connection → client name, for the connections of virtual clients.
    owners: HashMap<ConnId, String>,
    epoch: Instant,
    now: Instant,
    next_conn: ConnId,
    seq: u64,
    wire: VecDeque<Wire>,
    holding: bool,
    held: VecDeque<(u64, Transit)>,
    next_held: u64,
    /// Connections cut silently (in the tunnel).
    silent: HashSet<ConnId>,
    /// The protocol each connection's CONNECT asked for: the broker reads its frames in it.
    levels: HashMap<ConnId, crate::proto::Protocol>,
    events: Vec<WorldEvent>,
}

impl World {
    /// A world whose clock starts at `epoch` (any `Instant`: it is only a base for virtual time).
    pub fn new(config: broker::Config, epoch: Instant) -> World {
        World {
            base: config.clone(),
            broker: Broker::new(config),
            slots: BTreeMap::new(),
            owners: HashMap::new(),
            epoch,
            now: epoch,
            next_conn: 1,
            seq: 0,
            wire: VecDeque::new(),
            holding: false,
            held: VecDeque::new(),
            next_held: 0,
            silent: HashSet::new(),
            levels: HashMap::new(),
            events: Vec::new(),
        }
    }

    /// Virtual time since the world started.
    pub fn at(&self) -> Duration {
        self.now - self.epoch
    }

    pub fn now(&self) -> Instant {
        self.now
    }

    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    pub fn actor(&self, name: &str) -> Option<&Actor> {
        self.slots.get(name).map(|s| &s.actor)
    }

    pub fn names(&self) -> Vec<String> {
        self.slots.keys().cloned().collect()
    }

    /// Everything reported since the last call.
    pub fn take_events(&mut self) -> Vec<WorldEvent> {
        std::mem::take(&mut self.events)
    }

    /// Carries out a command and everything it sets going at this instant.
    pub fn apply(&mut self, cmd: LabCmd) {
        match cmd {
            LabCmd::Client { id, name, cmd } => self.client_cmd(id, &name, cmd),
            LabCmd::AddClient { name, opts } => {
                if let Some(sketch) = opts.sketch.as_deref().and_then(super::board::sketch::find) {
                    let macs: Vec<String> =
                        self.slots.values().filter_map(|s| s.actor.as_board().map(|b| b.mac.clone())).collect();
                    let mac = super::board::mac_for(opts.mac.as_deref(), &macs);
                    let board = super::board::Board::new(sketch, &mac, "127.0.0.1");
                    let slot = Slot { actor: Actor::board(&name, board, true), conn: None };
                    self.slots.insert(name.clone(), slot);
                    if !opts.offline {
                        self.client_cmd(0, &name, ClientCmd::Power(true));
                    }
                    return;
                }
                self.add(&name, super::cast_label(&name), options_from(&name, &opts));
                if !opts.offline {
                    self.client_cmd(0, &name, ClientCmd::Connect(opts));
                }
            }
            LabCmd::RemoveClient { name } => {
                if self.slots.get(&name).is_some_and(|s| s.actor.client().state().is_open()) {
                    self.client_cmd(0, &name, ClientCmd::Disconnect(Default::default()));
                }
                if let Some(s) = self.slots.remove(&name)
                    && let Some(c) = s.conn
                {
                    self.owners.remove(&c);
                }
                self.events.push(WorldEvent::ClientRemoved(name));
            }
            LabCmd::Hold(on) => {
                self.holding = on;
                if !on {
                    while self.release_next() {}
                }
                self.held_view();
            }
            LabCmd::ReleaseNext => {
                self.release_next();
                self.held_view();
            }
            LabCmd::DropNext => {
                if let Some((_, t)) = self.held.pop_front() {
                    self.events.push(WorldEvent::Fate { seq: t.seq, fate: Fate::Dropped });
                }
                self.held_view();
            }
            LabCmd::CutHeld => {
                if let Some((_, t)) = self.held.front().cloned() {
                    self.reset(t.conn);
                }
                self.held_view();
            }
            LabCmd::Reset(setup) => {
                for name in std::mem::take(&mut self.slots).into_keys() {
                    self.events.push(WorldEvent::ClientRemoved(name));
                }
                self.owners.clear();
                self.wire.clear();
                self.silent.clear();
                for (_, t) in std::mem::take(&mut self.held) {
                    self.events.push(WorldEvent::Fate { seq: t.seq, fate: Fate::Cut });
                }
                self.holding = false;
                self.held_view();
                self.broker = Broker::new(setup.config(&self.base));
                self.events.push(WorldEvent::ResetDone);
            }
        }
        self.settle();
    }

    /// Puts a client on stage (not yet connected).
    pub fn add(&mut self, name: &str, label_zh: Option<&str>, opts: crate::client::Options) {
        self.slots.insert(name.to_string(), Slot { actor: Actor::new(name, label_zh, opts, true), conn: None });
    }

    fn client_cmd(&mut self, id: u64, name: &str, cmd: ClientCmd) {
        let (now, at) = (self.now, self.at());
        let Some(slot) = self.slots.get_mut(name) else { return };
        let cut = cmd == ClientCmd::Cut;
        let (mut io, mut ev) = (Vec::new(), Vec::new());
        let done = slot.actor.command(cmd, now, at, &mut io, &mut ev);
        if cut && let Some(c) = slot.conn {
            self.silent.insert(c);
            // Frames of this connection waiting at the gate are lost with it.
            let lost: Vec<u64> = self.held.iter().filter(|(_, t)| t.conn == c).map(|(_, t)| t.seq).collect();
            self.held.retain(|(_, t)| t.conn != c);
            for seq in lost {
                ev.push(WorldEvent::Fate { seq, fate: Fate::Cut });
            }
        }
        self.events.push(WorldEvent::CommandDone { id, client: name.to_string(), at, done });
        self.events.extend(ev);
        self.io(name, io);
        self.serial_lines();
    }

    /// Carries out what an actor asked of its host.
    fn io(&mut self, name: &str, io: Vec<Io>) {
        let mut todo: VecDeque<Io> = io.into();
        while let Some(op) = todo.pop_front() {
            let (now, at) = (self.now, self.at());
            let Some(slot) = self.slots.get_mut(name) else { return };
            match op {
                Io::Open => {
                    let conn = self.next_conn;
                    self.next_conn += 1;
                    slot.conn = Some(conn);
                    self.owners.insert(conn, name.to_string());
                    self.broker.open(conn, now);
                    let (mut more, mut ev) = (Vec::new(), Vec::new());
                    slot.actor.opened(now, at, &mut more, &mut ev);
                    self.events.extend(ev);
                    todo.extend(more);
                }
                Io::Write(bytes) => {
                    if let Some(conn) = slot.conn {
                        self.send(conn, Dir::In, bytes);
                    }
                }
                Io::Close => {
                    if let Some(conn) = slot.conn.take() {
                        self.wire.push_back(Wire::ClientClosed(conn));
                    }
                }
                Io::Abandon => {
                    // Silent both ways and never closed by the client: the broker's keep alive ends it.
                    if let Some(conn) = slot.conn.take() {
                        self.owners.remove(&conn);
                        self.silent.insert(conn);
                    }
                }
            }
        }
    }

    /// The lines the boards printed, as a serial monitor at each sketch's rate shows them.
    fn serial_lines(&mut self) {
        let at = self.at();
        for (name, slot) in &mut self.slots {
            slot.actor.take_serial();
            for line in slot.actor.take_lines() {
                self.events.push(WorldEvent::Serial { board: name.clone(), at, line });
            }
        }
    }

    /// Records a frame and puts it on the wire, through the gate.
    fn send(&mut self, conn: ConnId, dir: Dir, bytes: Bytes) {
        self.seq += 1;
        let seq = self.seq;
        let client = self.broker.client_of(conn).cloned();
        let frame = TapFrame { seq, at: self.at(), conn, client, dir, bytes: bytes.clone() };
        self.events.push(WorldEvent::Frame(frame));
        let t = Transit { seq, conn, dir, bytes };
        if self.silent.contains(&conn) {
            self.events.push(WorldEvent::Fate { seq, fate: Fate::Cut });
        } else if self.holding || self.held.iter().any(|(_, h)| h.conn == conn && h.dir == dir) {
            self.next_held += 1;
            self.held.push_back((self.next_held, t));
            self.events.push(WorldEvent::Fate { seq, fate: Fate::Held });
            self.held_view();
        } else {
            self.wire.push_back(Wire::Frame(t));
        }
    }

    fn release_next(&mut self) -> bool {
        let Some((_, t)) = self.held.pop_front() else { return false };
        self.events.push(WorldEvent::Fate { seq: t.seq, fate: Fate::Released });
        self.wire.push_back(Wire::Frame(t));
        true
    }

    fn held_view(&mut self) {
        let frames = self
            .held
            .iter()
            .map(|(id, t)| HeldView {
                id: *id,
                seq: Some(t.seq),
                conn: t.conn,
                dir: t.dir,
                client: self.broker.client_of(t.conn).map(|c| c.to_string()),
                bytes: t.bytes.clone(),
            })
            .collect();
        self.events.push(WorldEvent::Held { holding: self.holding, frames });
    }

    /// Pulls the plug on `conn`: both sides see the connection end at once, without DISCONNECT.
    pub fn reset(&mut self, conn: ConnId) {
        let lost: Vec<u64> = self.held.iter().filter(|(_, t)| t.conn == conn).map(|(_, t)| t.seq).collect();
        self.held.retain(|(_, t)| t.conn != conn);
        for seq in lost {
            self.events.push(WorldEvent::Fate { seq, fate: Fate::Cut });
        }
        self.silent.remove(&conn);
        self.wire.push_back(Wire::ClientClosed(conn));
        self.wire.push_back(Wire::BrokerClosed(conn));
    }

    /// Delivers everything on the wire, and what that causes, until the wire is empty.
    pub fn settle(&mut self) {
        let mut guard = 0usize;
        while let Some(w) = self.wire.pop_front() {
            guard += 1;
            assert!(guard < 10_000_000, "the simulated wire does not come to rest");
            let (now, at) = (self.now, self.at());
            match w {
                Wire::Frame(t) => match t.dir {
                    Dir::In => {
                        if let Ok(Framing::Whole(_)) = proto::frame(&t.bytes, usize::MAX) {
                            let version = match self.levels.get(&t.conn) {
                                Some(&v) => v,
                                None => {
                                    let v = proto::connect_version(&t.bytes).unwrap_or_default();
                                    if t.bytes.first().is_some_and(|b| b >> 4 == 1) {
                                        self.levels.insert(t.conn, v);
                                    }
                                    v
                                }
                            };
                            match proto::decode_v(&t.bytes, version) {
                                Ok(p) => self.broker.handle_any(t.conn, p, now),
                                Err(e) => self.broker.handle_error(t.conn, &e, now),
                            }
                        }
                        self.broker_outputs();
                    }
                    Dir::Out => {
                        let Some(name) = self.owners.get(&t.conn).cloned() else { continue };
                        let Some(slot) = self.slots.get_mut(&name) else { continue };
                        if slot.conn != Some(t.conn) {
                            continue;
                        }
                        // Read in the client's version (a 5.0 client may get a broker's 3.1.1 CONNACK).
                        let version = proto::frame_version(&t.bytes, slot.actor.protocol());
                        if let Ok(p) = proto::decode_v(&t.bytes, version) {
                            let (mut io, mut ev) = (Vec::new(), Vec::new());
                            slot.actor.received(p, now, at, &mut io, &mut ev);
                            self.events.extend(ev);
                            self.io(&name, io);
                        }
                    }
                },
                Wire::BrokerClosed(conn) => {
                    self.levels.remove(&conn);
                    let Some(name) = self.owners.remove(&conn) else { continue };
                    let Some(slot) = self.slots.get_mut(&name) else { continue };
                    if slot.conn == Some(conn) {
                        slot.conn = None;
                        let (mut io, mut ev) = (Vec::new(), Vec::new());
                        slot.actor.lost(now, at, &mut io, &mut ev);
                        self.events.extend(ev);
                        self.io(&name, io);
                    }
                }
                Wire::ClientClosed(conn) => {
                    // In the tunnel even the end of the stream does not get through.
                    if !self.silent.contains(&conn) {
                        self.broker.closed(conn, now);
                        self.broker_outputs();
                    }
                }
            }
        }
        self.serial_lines();
    }

    fn broker_outputs(&mut self) {
        while let Some(o) = self.broker.poll_output() {
            match o {
                Output::Send(conn, p) => {
                    if p.check_encodable().is_ok() {
                        self.send(conn, Dir::Out, p.to_bytes());
                    }
                }
                Output::Send5(conn, p) => {
                    if p.check_encodable().is_ok() {
                        self.send(conn, Dir::Out, p.to_bytes());
                    }
                }
                Output::Close(conn) => {
                    self.silent.remove(&conn);
                    self.wire.push_back(Wire::BrokerClosed(conn));
                }
                Output::Event(e) => self.events.push(WorldEvent::Broker { at: self.at(), event: e }),
            }
        }
    }

    /// The earliest time something wants to happen (a keep alive, a ping, a connect timeout).
    fn next_deadline(&self) -> Option<Instant> {
        let actors = self.slots.values().filter_map(|s| s.actor.poll_timeout());
        self.broker.poll_timeout().into_iter().chain(actors).min()
    }

    /// Lets `d` of virtual time pass: every timer that falls due fires at its own moment, in order.
    pub fn advance(&mut self, d: Duration) {
        let until = self.now + d;
        self.settle();
        while let Some(t) = self.next_deadline().filter(|t| *t <= until) {
            self.now = self.now.max(t);
            let (now, at) = (self.now, self.at());
            self.broker.handle_timeout(now);
            self.broker_outputs();
            let names: Vec<String> = self.slots.keys().cloned().collect();
            for name in names {
                let Some(slot) = self.slots.get_mut(&name) else { continue };
                if slot.actor.poll_timeout().is_some_and(|t| t <= now) {
                    let (mut io, mut ev) = (Vec::new(), Vec::new());
                    slot.actor.timeout(now, at, &mut io, &mut ev);
                    self.events.extend(ev);
                    self.io(&name, io);
                }
            }
            self.settle();
            // A timer that does not move on (nothing to do at its instant) must not spin.
            if self.next_deadline() == Some(t) {
                self.now += Duration::from_millis(1);
            }
        }
        self.now = until;
        self.settle();
    }

    /// The broker's state, as its pane shows it.
    pub fn broker_view(&self) -> BrokerView {
        let b = &self.broker;
        let mut sessions: Vec<SessionRow> = b
            .sessions()
            .map(|s| SessionRow {
                client_id: s.client_id.to_string(),
                connected: s.conn.is_some(),
                clean: s.clean,
                keep_alive: s.keep_alive,
                idle: self.now.saturating_duration_since(b.last_seen(s)),
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
                stored_at: r.stored_at.saturating_duration_since(self.epoch),
                from: r.from.clone(),
            })
            .collect();
        retained.sort_by(|a, b| a.topic.cmp(&b.topic));
        BrokerView {
            sessions,
            subscriptions: b.subscriptions().into_iter().map(|(f, c, q)| (f, c.to_string(), q)).collect(),
            retained,
            listen: vec!["in-memory".into()],
        }
    }

    /// The connection of a client on stage.
    pub fn conn_of(&self, name: &str) -> Option<ConnId> {
        self.slots.get(name).and_then(|s| s.conn)
    }

    /// A name for a connection's client id (`Arc` of the broker's own), for tests.
    pub fn client_id_of(&self, conn: ConnId) -> Option<Arc<str>> {
        self.broker.client_of(conn).cloned()
    }
}

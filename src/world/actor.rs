//! One virtual client on stage, independent of how its bytes travel: a sans-I/O [`Client`] with a
//! name, the commands it takes, what it tells the world ([`WorldEvent`]s with the time), and what it
//! asks of its host ([`Io`]: open a connection, write bytes, close). The runtime hosts actors over
//! loopback sockets and the in-memory world over a simulated wire; both use this same code, so what
//! a lesson checks headless is what the learner sees. Pure: no I/O, time passed in.

use super::board::{Board, BoardReq, SerialChunk};
use super::cmd::{ClientCmd, ConnectOpts, PubOpts, SubOpts};
use super::event::WorldEvent;
use super::view::{ClientView, Delivered};
use crate::client::{self, Client, ClientEvent, Options, State};
use crate::i18n::{Lang, Text};
use crate::proto::{AnyPacket, PacketType, Protocol, QoS, Will};
use bytes::Bytes;
use std::time::{Duration, Instant};

/// What an actor asks of its host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Io {
    /// Open a network connection to the broker, then call [`Actor::opened`] (or
    /// [`Actor::open_failed`]).
    Open,
    /// Write these bytes (one encoded packet).
    Write(Bytes),
    /// Close the connection (after what was written).
    Close,
    /// Leave the connection as it is, silent both ways, without DISCONNECT or FIN (a board that was
    /// reset or lost power): the broker finds out by its keep alive. The actor's next [`Io::Open`]
    /// is a new connection.
    Abandon,
}

/// What a command did at once: refused by the client (nothing was sent), or the packet it sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    /// Carried out with nothing to wait for (cut, freeze, thaw, a connect that opens a socket).
    Local,
    /// This packet went out (with its packet id): its answer settles the command.
    Sent { packet: PacketType, pid: Option<u16> },
    /// The client refused: nothing was sent, and this is why (zh, en).
    Refused(Text),
}

/// Options for a CONNECT from the command line's words.
pub fn options_from(client_id: &str, o: &ConnectOpts) -> Options {
    let id = o.client_id.clone().unwrap_or_else(|| client_id.to_string());
    let mut opts = if o.pubsubclient { Options::pubsubclient(id) } else { Options::new(id) };
    if o.v31 {
        opts.protocol = Protocol::V31;
    }
    if o.v5 {
        opts.protocol = Protocol::V5;
        opts.v5 = client::V5Options {
            session_expiry: o.session_expiry,
            receive_maximum: o.receive_max.and_then(std::num::NonZeroU16::new),
            maximum_packet_size: o.max_packet.and_then(std::num::NonZeroU32::new),
            topic_alias_maximum: o.alias_max,
            user_properties: o.user_props.clone(),
            will_delay: o.will_delay,
        };
    }
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

/// The client's state in words (en, zh), with PubSubClient's `state()` code.
pub fn state_words(s: State, code: i8) -> Text {
    let (en, zh) = match s {
        State::Disconnected => ("disconnected".to_string(), "未连接".to_string()),
        State::Connecting => ("connecting…".into(), "连接中…".into()),
        State::Connected => ("connected".into(), "已连接".into()),
        State::Refused(c) => {
            (format!("refused: {}", c.describe(Lang::En)), format!("被拒绝：{}", c.describe(Lang::Zh)))
        }
        State::ConnectFailed => {
            ("cannot reach the broker: check the IP address and port".into(), "连不上服务端：检查 IP 和端口".into())
        }
        State::Refused5(r) => {
            let p = crate::proto::ReasonPacket::ConnAck;
            (
                format!("refused: {}", client::event::reason_words(r, p, Lang::En)),
                format!("被拒绝：{}", client::event::reason_words(r, p, Lang::Zh)),
            )
        }
        State::DisconnectedByServer(r) => {
            let p = crate::proto::ReasonPacket::Disconnect;
            (
                format!("disconnected by the broker: {}", client::event::reason_words(r, p, Lang::En)),
                format!("被服务端断开：{}", client::event::reason_words(r, p, Lang::Zh)),
            )
        }
        State::ConnectionLost => ("connection lost".into(), "连接断开".into()),
        State::TimedOut => ("timed out: the broker did not answer".into(), "超时：服务端没有回应".into()),
    };
    Text::new(format!("{zh}（state() = {code}）"), format!("{en} (state {code})"))
}

/// What a 5.0-only flag says to a 3.1 / 3.1.1 client.
pub fn needs_v5(name: &str, flag: &str) -> Text {
    Text::new(
        format!("{flag} 需要 MQTT 5.0：{name} 说的是 3.1.1，先用 {name} connect --v5 重新连接"),
        format!("{flag} needs MQTT 5.0 (--v5): {name} speaks 3.1.1; reconnect it with {name} connect --v5 first"),
    )
}

/// A `pub`'s 5.0 options as the client core takes them.
fn publish_props(o: &PubOpts) -> client::PublishProps {
    client::PublishProps {
        message_expiry: o.expiry,
        user_properties: o.user_props.clone(),
        response_topic: o.response_topic.clone(),
        correlation_data: o.correlation.clone().map(Bytes::from),
        content_type: o.content_type.clone(),
        payload_format_utf8: None,
        alias: o.alias,
    }
}

/// A `sub`'s 5.0 options as the client core takes them.
fn subscribe_props(o: &SubOpts) -> client::SubscribeProps {
    client::SubscribeProps {
        no_local: o.no_local,
        retain_as_published: o.rap,
        retain_handling: o.rh.and_then(crate::proto::v5::RetainHandling::from_u8).unwrap_or_default(),
        subscription_id: o.sub_id.and_then(std::num::NonZeroU32::new),
    }
}

/// What a board-only command says to a plain client.
fn not_a_board(name: &str) -> Text {
    Text::new(
        format!("{name} 不是开发板：只有虚拟 NodeMCU 能复位或断电（board 命令让一块上台）"),
        format!(
            "{name} is not a board: only a virtual NodeMCU can be reset or powered off (the board command puts one on stage)"
        ),
    )
}

/// One virtual client.
#[derive(Debug)]
pub struct Actor {
    pub name: String,
    pub label_zh: Option<String>,
    client: Client,
    /// The host holds an open connection for it.
    transport: bool,
    /// In the tunnel since (world time): the link is silent both ways. The host's gate swallows the
    /// frames; without a gate (an external broker) the actor drops them itself.
    tunnel_since: Option<Duration>,
    /// Whether the host has a gate that cuts links (the built-in broker, the in-memory world).
    host_gate: bool,
    last_view: Option<ClientView>,
    /// A virtual NodeMCU's sketch around the client.
    board: Option<Board>,
}

impl Actor {
    pub fn new(name: &str, label_zh: Option<&str>, opts: Options, host_gate: bool) -> Actor {
        Actor {
            name: name.to_string(),
            label_zh: label_zh.map(str::to_string),
            client: Client::new(opts),
            transport: false,
            tunnel_since: None,
            host_gate,
            last_view: None,
            board: None,
        }
    }

    /// A virtual NodeMCU running `board`'s sketch, powered off until [`power`](Self::power).
    pub fn board(name: &str, board: Board, host_gate: bool) -> Actor {
        let mut a = Actor::new(name, None, Options::pubsubclient(format!("esp8266-{}", board.mac)), host_gate);
        a.board = Some(board);
        a
    }

    pub fn as_board(&self) -> Option<&Board> {
        self.board.as_ref()
    }

    /// Serial bytes the board sent since the last call (none for a plain client).
    pub fn take_serial(&mut self) -> Vec<SerialChunk> {
        self.board.as_mut().map(Board::take_serial).unwrap_or_default()
    }

    /// Lines the board's sketch printed since the last call.
    pub fn take_lines(&mut self) -> Vec<String> {
        self.board.as_mut().map(Board::take_lines).unwrap_or_default()
    }

    /// Power on (or off) a board.
    pub fn power(&mut self, on: bool, now: Instant, at: Duration, io: &mut Vec<Io>, ev: &mut Vec<WorldEvent>) {
        if let Some(b) = &mut self.board {
            if on {
                b.power_on(now);
            } else {
                b.power_off();
            }
        }
        self.drain(now, at, io, ev);
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn client_id(&self) -> &str {
        &self.client.options().client_id
    }

    /// When the actor next needs [`timeout`](Self::timeout).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let board = self.board.as_ref().and_then(Board::poll_timeout);
        match (self.client.poll_timeout(), board) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Carries out a command; returns what happened at once.
    pub fn command(
        &mut self,
        cmd: ClientCmd,
        now: Instant,
        at: Duration,
        io: &mut Vec<Io>,
        ev: &mut Vec<WorldEvent>,
    ) -> Done {
        let refused = |e: client::ClientError| Done::Refused(Text::new(e.text(Lang::Zh), e.text(Lang::En)));
        let v5_flag = match &cmd {
            ClientCmd::Publish { v5, .. } => v5.flags().first().copied(),
            ClientCmd::Subscribe { v5, .. } => v5.flags().first().copied(),
            ClientCmd::Disconnect(o) => o.flags().first().copied(),
            _ => None,
        };
        if let Some(flag) = v5_flag
            && !self.client.options().is_v5()
        {
            return Done::Refused(needs_v5(&self.name, flag));
        }
        let done = match cmd {
            ClientCmd::Connect(o) => {
                if self.client.state().is_open() {
                    self.client.disconnect(now);
                    self.drain(now, at, io, ev);
                }
                if self.transport {
                    io.push(Io::Close);
                    self.transport = false;
                }
                self.tunnel_since = None;
                if self.client.is_frozen() {
                    self.client.thaw(now);
                }
                let opts = options_from(&self.name, &o);
                match self.client.set_options(opts) {
                    Ok(()) => {
                        io.push(Io::Open);
                        Done::Local
                    }
                    Err(e) => refused(e),
                }
            }
            ClientCmd::Disconnect(o) => {
                if !self.client.state().is_open() {
                    refused(client::ClientError::NotConnected)
                } else {
                    let o = client::DisconnectOpts { with_will: o.with_will, session_expiry: o.session_expiry };
                    match self.client.disconnect_with(&o, now) {
                        Ok(()) => Done::Sent { packet: PacketType::Disconnect, pid: None },
                        Err(e) => refused(e),
                    }
                }
            }
            ClientCmd::Cut => {
                if !self.transport {
                    refused(client::ClientError::NotConnected)
                } else {
                    self.tunnel_since = Some(at);
                    ev.push(self.tunnel_note(at));
                    Done::Local
                }
            }
            ClientCmd::Reset => match &mut self.board {
                Some(b) => {
                    b.reset(now);
                    Done::Local
                }
                None => Done::Refused(not_a_board(&self.name)),
            },
            ClientCmd::Power(on) => match &mut self.board {
                Some(b) => {
                    if on {
                        b.power_on(now)
                    } else {
                        b.power_off()
                    }
                    Done::Local
                }
                None => Done::Refused(not_a_board(&self.name)),
            },
            ClientCmd::Freeze => {
                self.client.freeze();
                Done::Local
            }
            ClientCmd::Thaw => {
                self.client.thaw(now);
                Done::Local
            }
            ClientCmd::Subscribe { filter, qos, v5 } => {
                match self.client.subscribe_unchecked_with(vec![(filter, qos)], &subscribe_props(&v5), now) {
                    Ok(pid) => Done::Sent { packet: PacketType::Subscribe, pid: Some(pid.get()) },
                    Err(e) => refused(e),
                }
            }
            ClientCmd::Unsubscribe { filter } => match self.client.unsubscribe_unchecked(vec![filter], now) {
                Ok(pid) => Done::Sent { packet: PacketType::Unsubscribe, pid: Some(pid.get()) },
                Err(e) => refused(e),
            },
            ClientCmd::Publish { topic, payload, qos, retain, v5 } => {
                let props = publish_props(&v5);
                match self.client.publish_unchecked_with(&topic, Bytes::from(payload), qos, retain, &props, now) {
                    Ok(pid) => Done::Sent { packet: PacketType::Publish, pid: pid.map(|p| p.get()) },
                    Err(e) => refused(e),
                }
            }
        };
        self.drain(now, at, io, ev);
        done
    }

    /// What `cut` means, said at once: the link is gone, the broker does not know yet.
    fn tunnel_note(&self, at: Duration) -> WorldEvent {
        let o = self.client.options();
        let (name, ka) = (&self.name, self.client.keep_alive());
        let (en, zh) = match (ka, &o.will) {
            (0, _) => (
                format!(
                    "{name} is in the tunnel: the TCP link is gone, but the broker does not know — with keep alive 0 it never checks, so it will not notice"
                ),
                format!("{name} 进了隧道：TCP 链路断了，但服务端不知道 —— 心跳间隔为 0，服务端从不检查，所以不会发现"),
            ),
            (ka, will) => {
                // 1.5 × 15 = 22.5: the half second is said, not rounded away.
                let limit = ka as f64 * 1.5;
                let will_en = match will {
                    Some(w) => format!(" and then publish its will to {}", w.topic),
                    None => " (it has no will to publish)".to_string(),
                };
                let will_zh = match will {
                    Some(w) => format!("，然后替它发布遗嘱到 {}", w.topic),
                    None => "（它没有遗嘱）".to_string(),
                };
                (
                    format!(
                        "{name} is in the tunnel: the TCP link is gone, the broker does not know yet; it will notice after 1.5 × keep alive = {limit} s of silence{will_en}"
                    ),
                    format!(
                        "{name} 进了隧道：TCP 链路断了，服务端还不知道；它要等到 1.5 × 心跳间隔 = {limit} 秒没有任何报文才会发现{will_zh}"
                    ),
                )
            }
        };
        WorldEvent::ClientNote { client: "lab".into(), at, text: Text::new(zh, en) }
    }

    /// The host opened the connection.
    pub fn opened(&mut self, now: Instant, at: Duration, io: &mut Vec<Io>, ev: &mut Vec<WorldEvent>) {
        self.transport = true;
        if let Err(e) = self.client.connect(now) {
            ev.push(WorldEvent::ClientNote {
                client: self.name.clone(),
                at,
                text: Text::new(e.text(Lang::Zh), e.text(Lang::En)),
            });
        }
        self.drain(now, at, io, ev);
    }

    /// The host could not open the connection; `why` says so (en, zh).
    pub fn open_failed(&mut self, now: Instant, at: Duration, io: &mut Vec<Io>, ev: &mut Vec<WorldEvent>) {
        self.transport = false;
        // connect() was called and found no TCP connection: PubSubClient's -2. (The CONNECT it
        // would have sent is dropped with the connection that never was.)
        if !self.client.state().is_open() {
            let _ = self.client.connect(now);
        }
        self.client.connect_failed(now);
        self.drain(now, at, io, ev);
    }

    /// The protocol the client speaks: frames from the broker are decoded in it.
    pub fn protocol(&self) -> Protocol {
        self.client.options().protocol
    }

    /// A packet arrived from the broker, decoded in the client's protocol (see [`protocol`](Self::protocol)).
    pub fn received(&mut self, p: AnyPacket, now: Instant, at: Duration, io: &mut Vec<Io>, ev: &mut Vec<WorldEvent>) {
        if self.tunnel_since.is_some() && !self.host_gate {
            return;
        }
        self.client.handle(p, now);
        self.drain(now, at, io, ev);
    }

    /// The connection is gone (closed by the broker, reset, or failed).
    pub fn lost(&mut self, now: Instant, at: Duration, io: &mut Vec<Io>, ev: &mut Vec<WorldEvent>) {
        if !self.transport {
            return;
        }
        self.transport = false;
        self.tunnel_since = None;
        self.client.connection_lost(now);
        self.drain(now, at, io, ev);
    }

    /// Time passed: keep alive, ping timeout, connect timeout.
    pub fn timeout(&mut self, now: Instant, at: Duration, io: &mut Vec<Io>, ev: &mut Vec<WorldEvent>) {
        self.client.handle_timeout(now);
        self.drain(now, at, io, ev);
    }

    /// Turns what the client did into writes, a close and reports; a board's sketch reacts to what
    /// its client reported, which may make the client do more.
    fn drain(&mut self, now: Instant, at: Duration, io: &mut Vec<Io>, ev: &mut Vec<WorldEvent>) {
        // Bounded: each round is the sketch answering what the last one reported.
        for _ in 0..16 {
            let mut seen = Vec::new();
            while let Some(o) = self.client.poll_output() {
                match o {
                    client::Output::Send(p) => {
                        if !self.transport || (self.tunnel_since.is_some() && !self.host_gate) {
                            continue;
                        }
                        io.push(Io::Write(p.to_bytes()));
                    }
                    client::Output::Close => {
                        if self.transport {
                            io.push(Io::Close);
                            self.transport = false;
                            self.tunnel_since = None;
                        }
                    }
                    client::Output::Event(e) => {
                        if let ClientEvent::Message { topic, payload, qos, retain, dup, .. } = &e {
                            ev.push(WorldEvent::Delivered(Delivered {
                                at,
                                client: self.name.clone(),
                                topic: topic.clone(),
                                payload: String::from_utf8_lossy(payload).into_owned(),
                                qos: *qos,
                                retain: *retain,
                                dup: *dup,
                            }));
                        }
                        if self.board.is_some() {
                            seen.push(e.clone());
                        }
                        ev.push(WorldEvent::ClientEvent { client: self.name.clone(), at, event: e });
                    }
                }
            }
            let Some(board) = &mut self.board else { break };
            let reqs = board.step(&mut self.client, &seen, now);
            let acted = !reqs.is_empty();
            for r in reqs {
                match r {
                    BoardReq::Connect(opts) => {
                        if self.transport {
                            io.push(Io::Close);
                            self.transport = false;
                        }
                        self.tunnel_since = None;
                        match self.client.set_options(*opts) {
                            Ok(()) => io.push(Io::Open),
                            Err(e) => ev.push(WorldEvent::ClientNote {
                                client: self.name.clone(),
                                at,
                                text: Text::new(e.text(Lang::Zh), e.text(Lang::En)),
                            }),
                        }
                    }
                    BoardReq::Abandon => {
                        if self.transport {
                            io.push(Io::Abandon);
                            self.transport = false;
                        }
                        self.tunnel_since = None;
                        // The chip's memory is gone: a new client, as after power-on.
                        self.client = Client::new(self.client.options().clone());
                    }
                }
            }
            // What the sketch made the client do (a publish from its timer) is drained next round.
            if !acted && seen.is_empty() && !self.client.has_output() {
                break;
            }
        }
        let v = self.view();
        if self.last_view.as_ref() != Some(&v) {
            self.last_view = Some(v.clone());
            ev.push(WorldEvent::Client(v));
        }
    }

    /// The client as the panes show it.
    pub fn view(&self) -> ClientView {
        let state = state_words(self.client.state(), self.client.pubsub_state());
        let o = self.client.options();
        ClientView {
            name: self.name.clone(),
            label_zh: self.label_zh.clone(),
            client_id: o.client_id.clone(),
            connected: self.client.state() == State::Connected && self.tunnel_since.is_none(),
            state,
            frozen: self.client.is_frozen(),
            link_cut: self.tunnel_since.is_some(),
            tunnel_since: self.tunnel_since,
            board: self.board.as_ref().map(Board::view),
            clean: o.clean_session,
            keep_alive: self.client.keep_alive(),
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
}

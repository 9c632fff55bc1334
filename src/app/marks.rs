//! The marks of the learner's commands: `…` while a command is on its way, then ✓, ⚠ or ✗ — decided
//! by what actually happened (the client's and the broker's events, the frames' fates), never by the
//! parse. A QoS 1 publish is ✓ at its PUBACK, a subscription at a SUBACK that grants it, a connect at
//! CONNACK 0; a command the client refused, one whose connection the broker closed, or one whose
//! frame was dropped at the gate is ✗ with the reason (and its rule id when there is one). Pure.

use crate::broker::{Event, PublishRefusal};
use crate::client::ClientEvent;
use crate::client::event::reason_words;
use crate::i18n::{Lang, Text};
use crate::proto::{PacketType, QoS, ReasonCode, ReasonPacket};
use crate::world::actor::Done;
use crate::world::cmd::ClientCmd;
use std::time::Duration;

/// Where a command stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkState {
    /// On its way; the text says what it waits for.
    Pending(Text),
    /// Done as asked.
    Ok(Text),
    /// Done, but not as one might think (a publish the broker acknowledged and dropped).
    Warn(Text),
    /// Not done, and why.
    Failed(Text),
}

impl MarkState {
    pub fn symbol(&self) -> &'static str {
        match self {
            MarkState::Pending(_) => "…",
            MarkState::Ok(_) => "✓",
            MarkState::Warn(_) => "⚠",
            MarkState::Failed(_) => "✗",
        }
    }
    pub fn text(&self) -> &Text {
        match self {
            MarkState::Pending(t) | MarkState::Ok(t) | MarkState::Warn(t) | MarkState::Failed(t) => t,
        }
    }
    pub fn is_pending(&self) -> bool {
        matches!(self, MarkState::Pending(_))
    }
}

/// What settles a command once it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    /// Not sent yet: waiting for the client to say what it did.
    Dispatch,
    /// CONNACK.
    ConnAck,
    /// A QoS 0 publish: the broker's routing of it (or, with an external broker, nothing).
    Routed {
        topic: String,
    },
    /// PUBACK / PUBCOMP for this packet id.
    Ack {
        pid: u16,
        qos: QoS,
        topic: String,
    },
    Suback {
        pid: u16,
    },
    Unsuback {
        pid: u16,
    },
    /// A lab command waiting for the world to confirm it.
    Lab(LabWait),
    Nothing,
}

/// What a lab command waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabWait {
    /// The gate to report holding on or off.
    Hold(bool),
    /// The gate to report a frame released, dropped or cut.
    Gate,
    /// The client to leave the stage.
    Removed(String),
}

/// One command line the learner ran for a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub id: u64,
    /// The client's name on stage.
    pub client: String,
    /// The command line as typed.
    pub line: String,
    pub state: MarkState,
    /// A warning given before sending (a topic name with a wildcard, say).
    pub warning: Option<Text>,
    pub at: Duration,
    expect: Expect,
    /// The client command (none for a lab command).
    cmd: Option<ClientCmd>,
    /// Failed because the connection closed, before the broker said why: its reason may follow.
    unexplained: bool,
}

/// The marks of recent commands (the newest last).
#[derive(Debug, Clone, Default)]
pub struct Marks {
    pub list: Vec<Mark>,
    next: u64,
    /// No broker events will come (an external broker): a QoS 0 publish is done once sent.
    pub external: bool,
}

const KEEP: usize = 50;

fn t(zh: impl Into<String>, en: impl Into<String>) -> Text {
    Text::new(zh, en)
}

/// What became of a routed message: how many subscribers got it now, how many wait for it in a
/// queue, and for how many it was dropped.
fn routed_words(ds: &[crate::broker::Delivery]) -> Text {
    if ds.is_empty() {
        return t("服务端收到了，但没有订阅者", "the broker took it: no subscribers");
    }
    let queued = ds.iter().filter(|d| d.queued).count();
    let dropped = ds.iter().filter(|d| d.dropped).count();
    let now = ds.len() - queued - dropped;
    let mut zh = format!("服务端收到了：投递给 {now} 个订阅者");
    let mut en = format!("the broker delivered it to {}", crate::i18n::count(now, "subscriber"));
    if queued > 0 {
        zh.push_str(&format!("，{queued} 个在排队"));
        en.push_str(&format!(", {queued} queued"));
    }
    if dropped > 0 {
        zh.push_str(&format!("，{dropped} 个被丢弃"));
        en.push_str(&format!(", {dropped} dropped"));
    }
    t(zh, en)
}

/// The rule a topic name or a filter breaks, said before it is sent anyway.
pub fn warning(cmd: &ClientCmd) -> Option<Text> {
    match cmd {
        ClientCmd::Publish { topic, .. } if topic.is_empty() => Some(t(
            "主题名至少要有一个字符 [MQTT-4.7.3-1]：照样发送 —— 服务端会断开这个连接",
            "a topic name must be at least one character long [MQTT-4.7.3-1]: sending anyway — the broker will close the connection",
        )),
        ClientCmd::Publish { topic, .. } if topic.contains(['+', '#']) => Some(t(
            "主题名不能包含 + 或 # [MQTT-3.3.2-2]：照样发送 —— 服务端会断开这个连接",
            "topic names may not contain + or # [MQTT-3.3.2-2]: sending anyway — the broker will close the connection",
        )),
        ClientCmd::Subscribe { filter, .. } => crate::proto::topic_filter_error(filter).map(|rule| {
            t(
                format!("{filter:?} 不是合法的主题过滤器 [{rule}]：照样发送 —— 服务端会回 SUBACK 0x80"),
                format!("{filter:?} is not a valid topic filter [{rule}]: sending anyway — the broker will answer SUBACK 0x80"),
            )
        }),
        ClientCmd::Unsubscribe { filter } => crate::proto::topic_filter_error(filter).map(|rule| {
            t(
                format!("{filter:?} 不是合法的主题过滤器 [{rule}]：照样发送 —— 服务端会断开这个连接 [MQTT-4.8.0-1]"),
                format!(
                    "{filter:?} is not a valid topic filter [{rule}]: sending anyway — the broker will close the connection [MQTT-4.8.0-1]"
                ),
            )
        }),
        _ => None,
    }
}

impl Marks {
    /// A new command for `client`; returns its id.
    pub fn start(&mut self, client: &str, line: &str, cmd: &ClientCmd, at: Duration) -> u64 {
        self.next += 1;
        let id = self.next;
        self.list.push(Mark {
            id,
            client: client.to_string(),
            line: line.to_string(),
            state: MarkState::Pending(t("发出中", "on its way")),
            warning: warning(cmd),
            at,
            expect: Expect::Dispatch,
            cmd: Some(cmd.clone()),
            unexplained: false,
        });
        if self.list.len() > KEEP {
            self.list.remove(0);
        }
        id
    }

    /// A lab command that the world has yet to confirm.
    pub fn start_lab(&mut self, line: &str, wait: LabWait, at: Duration) -> u64 {
        self.next += 1;
        let id = self.next;
        let waiting = match &wait {
            LabWait::Hold(_) => t("等待网关", "waiting for the gate"),
            LabWait::Gate => t("等待网关处理扣住的报文", "waiting for the gate to act on the held frame"),
            LabWait::Removed(_) => t("等待客户端离开", "waiting for the client to leave"),
        };
        self.list.push(Mark {
            id,
            client: String::new(),
            line: line.to_string(),
            state: MarkState::Pending(waiting),
            warning: None,
            at,
            expect: Expect::Lab(wait),
            cmd: None,
            unexplained: false,
        });
        if self.list.len() > KEEP {
            self.list.remove(0);
        }
        id
    }

    /// A lab command that could not be carried out at all.
    pub fn refuse_lab(&mut self, line: &str, why: Text, at: Duration) {
        let id = self.start_lab(line, LabWait::Gate, at);
        if let Some(m) = self.list.iter_mut().find(|m| m.id == id) {
            m.state = MarkState::Failed(why);
        }
    }

    /// The lab's pending commands waiting for `pred`, settled with `state`.
    fn settle_lab(&mut self, pred: impl Fn(&LabWait) -> bool, state: MarkState) {
        for m in self.list.iter_mut().filter(|m| m.state.is_pending()) {
            if let Expect::Lab(w) = &m.expect
                && pred(w)
            {
                m.state = state.clone();
            }
        }
    }

    /// The gate says whether it holds frames.
    pub fn gate_holding(&mut self, holding: bool) {
        let s = if holding {
            t(
                "单步模式开：每个报文都在网关等待，F3 或 next 放行一个",
                "step mode on: every frame waits at the gate; F3 or next releases one",
            )
        } else {
            t("单步模式关：扣住的报文都放行了", "step mode off: the held frames went on")
        };
        self.settle_lab(|w| *w == LabWait::Hold(holding), MarkState::Ok(s));
    }

    /// The gate did something to a held frame: `what` says what, to which frame.
    pub fn gate_acted(&mut self, what: Text) {
        self.settle_lab(|w| *w == LabWait::Gate, MarkState::Ok(what));
    }

    /// A client left the stage.
    pub fn client_removed(&mut self, name: &str) {
        self.settle_lab(
            |w| matches!(w, LabWait::Removed(n) if n == name),
            MarkState::Ok(t(format!("{name} 已移除"), format!("{name} left the stage"))),
        );
    }

    pub fn newest(&self) -> Option<&Mark> {
        self.list.last()
    }

    fn pending_of<'a>(&'a mut self, client: &'a str) -> impl Iterator<Item = &'a mut Mark> + 'a {
        self.list.iter_mut().filter(move |m| m.client == client && m.state.is_pending())
    }

    /// The marks still waiting, and those that failed on a closed connection the broker may yet
    /// explain (the client's and the broker's reports come on separate channels).
    fn open_to_broker<'a>(&'a mut self, client: &'a str) -> impl Iterator<Item = &'a mut Mark> + 'a {
        self.list.iter_mut().filter(move |m| m.client == client && (m.state.is_pending() || m.unexplained))
    }

    /// What the client did with command `id` at once.
    pub fn done(&mut self, id: u64, done: &Done) {
        let external = self.external;
        let Some(m) = self.list.iter_mut().find(|m| m.id == id) else { return };
        let Some(cmd) = m.cmd.clone() else { return };
        // The broker's account can come first (the client's report travels on another channel):
        // a mark the broker already settled stays settled.
        if !m.state.is_pending() {
            return;
        }
        match done {
            Done::Refused(why) => {
                m.state =
                    MarkState::Failed(t(format!("没有发送（{}）", why.zh), format!("nothing was sent ({})", why.en)))
            }
            Done::Local => match &cmd {
                ClientCmd::Connect(_) => {
                    m.expect = Expect::ConnAck;
                    m.state = MarkState::Pending(t("等待 CONNACK", "waiting for CONNACK"));
                }
                ClientCmd::Cut => {
                    m.state =
                        MarkState::Ok(t("进了隧道：链路两头都不通了", "in the tunnel: nothing gets through either way"))
                }
                ClientCmd::Freeze => {
                    m.state = MarkState::Ok(t("已冻结：不再处理任何报文", "frozen: it handles nothing"))
                }
                ClientCmd::Thaw => m.state = MarkState::Ok(t("恢复运行", "running again")),
                ClientCmd::Reset => {
                    m.state = MarkState::Ok(t(
                        "已复位：芯片重启，旧的 TCP 连接被丢下（没有 DISCONNECT）",
                        "reset: the chip restarts; the old TCP connection is left behind (no DISCONNECT)",
                    ))
                }
                ClientCmd::Power(true) => {
                    m.state = MarkState::Ok(t(
                        "已通电：开发板启动，程序开始运行",
                        "powered: the board boots and runs its sketch",
                    ))
                }
                ClientCmd::Power(false) => {
                    m.state = MarkState::Ok(t(
                        "已断电：连接被丢下，服务端要等 1.5 倍心跳间隔才发现",
                        "powered off: the connection is left behind; the broker notices after 1.5 × keep alive",
                    ))
                }
                _ => m.state = MarkState::Ok(t("完成", "done")),
            },
            Done::Sent { packet, pid } => match (&cmd, packet, pid) {
                (ClientCmd::Publish { qos, topic, .. }, PacketType::Publish, Some(pid)) => {
                    m.expect = Expect::Ack { pid: *pid, qos: *qos, topic: topic.clone() };
                    m.state = MarkState::Pending(if *qos == QoS::ExactlyOnce {
                        t(
                            "已发出 PUBLISH（第 1/4 步），等待 PUBREC、PUBREL、PUBCOMP",
                            "PUBLISH sent (step 1/4), waiting for PUBREC, PUBREL, PUBCOMP",
                        )
                    } else {
                        t("已发出，等待 PUBACK", "sent, waiting for PUBACK")
                    });
                }
                (ClientCmd::Publish { topic, .. }, PacketType::Publish, None) => {
                    if external {
                        m.state = MarkState::Ok(t("已发出（QoS 0 没有确认）", "sent (QoS 0 has no acknowledgement)"));
                    } else {
                        m.expect = Expect::Routed { topic: topic.clone() };
                        m.state = MarkState::Pending(t("已发出", "sent"));
                    }
                }
                (_, PacketType::Subscribe, Some(pid)) => {
                    m.expect = Expect::Suback { pid: *pid };
                    m.state = MarkState::Pending(t("已发出，等待 SUBACK", "sent, waiting for SUBACK"));
                }
                (_, PacketType::Unsubscribe, Some(pid)) => {
                    m.expect = Expect::Unsuback { pid: *pid };
                    m.state = MarkState::Pending(t("已发出，等待 UNSUBACK", "sent, waiting for UNSUBACK"));
                }
                (ClientCmd::Disconnect(o), PacketType::Disconnect, _) if o.with_will => {
                    m.expect = Expect::Nothing;
                    m.state = MarkState::Ok(t(
                        "已发送 DISCONNECT 0x04：正常断开，服务端照样发布遗嘱",
                        "DISCONNECT 0x04 sent: a normal goodbye, and the broker publishes the will",
                    ));
                }
                (_, PacketType::Disconnect, _) => {
                    m.expect = Expect::Nothing;
                    m.state = MarkState::Ok(t(
                        "已发送 DISCONNECT：正常断开，遗嘱不会发布",
                        "DISCONNECT sent: a normal goodbye, the will is not published",
                    ));
                }
                _ => m.state = MarkState::Ok(t("已发出", "sent")),
            },
        }
    }

    /// A client's own event.
    pub fn client_event(&mut self, client: &str, e: &ClientEvent) {
        for m in self.pending_of(client) {
            let s = match (&m.expect, e) {
                (Expect::ConnAck, ClientEvent::Connected { session_present }) => MarkState::Ok(t(
                    format!("CONNACK 0：已连接，会话存在={}", *session_present as u8),
                    format!("CONNACK 0: connected, session present={}", *session_present as u8),
                )),
                (Expect::ConnAck, ClientEvent::Refused { code }) => MarkState::Failed(t(
                    format!("CONNACK {}：{}", *code as u8, code.describe(Lang::Zh)),
                    format!("CONNACK {}: {}", *code as u8, code.describe(Lang::En)),
                )),
                (Expect::ConnAck, ClientEvent::Refused5 { reason, .. }) => MarkState::Failed(t(
                    format!("CONNACK {}", reason_words(*reason, ReasonPacket::ConnAck, Lang::Zh)),
                    format!("CONNACK {}", reason_words(*reason, ReasonPacket::ConnAck, Lang::En)),
                )),
                (Expect::ConnAck, ClientEvent::ConnectFailed) => MarkState::Failed(t(
                    "连不上服务端（TCP 连接失败，state() = -2）：检查 IP 和端口",
                    "cannot reach the broker (the TCP connection failed, state -2): check the IP address and port",
                )),
                (Expect::ConnAck, ClientEvent::ConnectTimeout { .. }) => {
                    MarkState::Failed(t("迟迟没有 CONNACK", "no CONNACK came in time"))
                }
                (Expect::Ack { pid, qos: QoS::AtLeastOnce, .. }, ClientEvent::PubAcked { pid: p })
                    if p.get() == *pid =>
                {
                    MarkState::Ok(t(
                        format!("PUBACK id={pid}：服务端收到了（只确认这一段）"),
                        format!("PUBACK id={pid}: the broker has it (this hop only)"),
                    ))
                }
                (Expect::Ack { pid, qos: QoS::ExactlyOnce, .. }, ClientEvent::PubCompleted { pid: p })
                    if p.get() == *pid =>
                {
                    MarkState::Ok(t(
                        format!("PUBCOMP id={pid}（第 4/4 步）：服务端恰好收到一次"),
                        format!("PUBCOMP id={pid} (step 4/4): the broker has it exactly once"),
                    ))
                }
                (Expect::Ack { pid, .. }, ClientEvent::PubRefused { packet, pid: p, reason, .. })
                    if p.get() == *pid =>
                {
                    let rp = if *packet == PacketType::PubRec { ReasonPacket::PubRec } else { ReasonPacket::PubAck };
                    let name = packet.name();
                    MarkState::Failed(t(
                        format!("{name} {}：服务端没有接受，不会投递", reason_words(*reason, rp, Lang::Zh)),
                        format!(
                            "{name} {}: the broker did not take it; not delivered",
                            reason_words(*reason, rp, Lang::En)
                        ),
                    ))
                }
                (Expect::Suback { pid }, ClientEvent::Subscribed { pid: p, results }) if p.get() == *pid => {
                    match results.iter().find(|r| r.granted.is_none()) {
                        Some(r) if r.reason.is_some() => {
                            let c = r.reason.unwrap_or(ReasonCode::UnspecifiedError);
                            MarkState::Failed(t(
                                format!(
                                    "SUBACK {}：服务端拒绝了 {}",
                                    reason_words(c, ReasonPacket::SubAck, Lang::Zh),
                                    r.filter
                                ),
                                format!(
                                    "SUBACK {}: the broker refused {}",
                                    reason_words(c, ReasonPacket::SubAck, Lang::En),
                                    r.filter
                                ),
                            ))
                        }
                        Some(r) => MarkState::Failed(t(
                            format!("SUBACK 0x80：服务端拒绝了 {}", r.filter),
                            format!("SUBACK 0x80: the broker refused {}", r.filter),
                        )),
                        None => {
                            let g: Vec<String> =
                                results.iter().map(|r| r.granted.map_or(0, |q| q.as_u8()).to_string()).collect();
                            MarkState::Ok(t(
                                format!("SUBACK：授予 QoS {}", g.join("、")),
                                format!("SUBACK: granted QoS {}", g.join(", ")),
                            ))
                        }
                    }
                }
                (Expect::Unsuback { pid }, ClientEvent::Unsubscribed { pid: p, reasons, .. }) if p.get() == *pid => {
                    match reasons.iter().find(|r| r.is_error() || **r == ReasonCode::NoSubscriptionExisted) {
                        Some(r) if r.is_error() => MarkState::Failed(t(
                            format!("UNSUBACK {}：订阅还在", reason_words(*r, ReasonPacket::UnsubAck, Lang::Zh)),
                            format!(
                                "UNSUBACK {}: still subscribed",
                                reason_words(*r, ReasonPacket::UnsubAck, Lang::En)
                            ),
                        )),
                        Some(r) => MarkState::Ok(t(
                            format!("UNSUBACK {}", reason_words(*r, ReasonPacket::UnsubAck, Lang::Zh)),
                            format!("UNSUBACK {}", reason_words(*r, ReasonPacket::UnsubAck, Lang::En)),
                        )),
                        None => MarkState::Ok(t("UNSUBACK：已取消订阅", "UNSUBACK: unsubscribed")),
                    }
                }
                (_, ClientEvent::ServerDisconnected { reason, .. }) => MarkState::Failed(t(
                    format!(
                        "回答来之前服务端发来 DISCONNECT {}",
                        reason_words(*reason, ReasonPacket::Disconnect, Lang::Zh)
                    ),
                    format!(
                        "the broker sent DISCONNECT {} before the answer came",
                        reason_words(*reason, ReasonPacket::Disconnect, Lang::En)
                    ),
                )),
                (
                    _,
                    ClientEvent::ConnectionLost
                    | ClientEvent::PingTimeout { .. }
                    | ClientEvent::ProtocolViolation { .. },
                ) => {
                    m.unexplained = true;
                    MarkState::Failed(t("回答来之前连接断了", "the connection closed before the answer came"))
                }
                _ => continue,
            };
            m.state = s;
        }
    }

    /// A decision of the broker about client id `client_id`, whose name on stage is `client`.
    pub fn broker_event(&mut self, client: &str, e: &Event) {
        for m in self.open_to_broker(client) {
            let closing =
                matches!(e, Event::ProtocolError { .. } | Event::KeepAliveExpired { .. } | Event::TakenOver { .. });
            if m.unexplained && !closing {
                continue;
            }
            let s = match (&m.expect, e) {
                (Expect::Routed { topic }, Event::Routed { topic: tp, deliveries, .. }) if tp == topic => {
                    MarkState::Ok(routed_words(deliveries))
                }
                (
                    Expect::Routed { topic } | Expect::Ack { topic, .. },
                    Event::PublishRefused { topic: tp, reason, .. },
                ) if tp == topic => match reason {
                    PublishRefusal::NotAuthorized => MarkState::Warn(t(
                        "服务端收下了，但 ACL 不允许发布到这里：消息被丢弃",
                        "the broker took it, but the ACL does not allow publishing there: the message is dropped",
                    )),
                    PublishRefusal::SysTopic => MarkState::Warn(t(
                        "服务端收下了，但 $SYS/ 主题属于服务端：消息被丢弃",
                        "the broker took it, but $SYS/ topics are the broker's: the message is dropped",
                    )),
                },
                (_, Event::ProtocolError { message, .. }) => MarkState::Failed(t(
                    format!("服务端断开了连接：{}", message.zh),
                    format!("the broker closed the connection: {}", message.en),
                )),
                (_, Event::KeepAliveExpired { .. }) => MarkState::Failed(t(
                    "服务端因心跳超时断开了连接",
                    "the broker closed the connection: keep alive expired",
                )),
                (_, Event::TakenOver { .. }) => MarkState::Failed(t(
                    "同一客户端ID的新连接顶替了这个连接",
                    "a new connection with the same client id took over this one",
                )),
                (Expect::ConnAck, Event::ConnectRefused { code, reason, .. }) => MarkState::Failed(t(
                    format!("CONNACK {}：{}（{}）", *code as u8, code.describe(Lang::Zh), reason.zh),
                    format!("CONNACK {}: {} ({})", *code as u8, code.describe(Lang::En), reason.en),
                )),
                _ => continue,
            };
            m.state = s;
            m.unexplained = false;
        }
    }

    /// A frame of `client` never reached the broker (dropped at the gate, or lost in the tunnel).
    pub fn frame_lost(
        &mut self,
        client: &str,
        kind: Option<PacketType>,
        pid: Option<u16>,
        topic: Option<&str>,
        cut: bool,
    ) {
        let why = if cut {
            t("报文随断开的链路丢失了：服务端没有收到", "its frame was lost with the cut link: the broker never got it")
        } else {
            t("报文在网关被丢弃：服务端没有收到", "its frame was dropped at the gate: the broker never got it")
        };
        for m in self.pending_of(client) {
            let hit = match (&m.expect, kind) {
                (Expect::Routed { topic: tp }, Some(PacketType::Publish)) => topic == Some(tp.as_str()),
                (Expect::Ack { pid: p, .. }, Some(PacketType::Publish)) => pid == Some(*p),
                (Expect::Suback { pid: p }, Some(PacketType::Subscribe)) => pid == Some(*p),
                (Expect::Unsuback { pid: p }, Some(PacketType::Unsubscribe)) => pid == Some(*p),
                (Expect::ConnAck, Some(PacketType::Connect)) => true,
                _ => false,
            };
            if hit {
                m.state = MarkState::Failed(why.clone());
            }
        }
    }

    /// A frame of `client` is held at the gate.
    pub fn frame_held(&mut self, client: &str) {
        for m in self.pending_of(client) {
            if !matches!(m.expect, Expect::Dispatch | Expect::Nothing) {
                m.state = MarkState::Pending(t(
                    "报文被网关扣住了（F3 或 next 放行，F4 或 drop 丢弃）",
                    "held at the gate (F3 or next releases it, F4 or drop drops it)",
                ));
            }
        }
    }
}

impl Mark {
    /// The status line: symbol, command, what happened.
    pub fn status(&self, lang: Lang) -> String {
        format!("{} {} — {}", self.state.symbol(), self.line, self.state.text().get(lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The broker closes the connection for a wildcard topic before the client's own report of
    /// sending arrives: the mark keeps the broker's reason, whatever order the reports come in.
    #[test]
    fn the_brokers_reason_stays_when_the_clients_report_comes_after_it() {
        let cmd = ClientCmd::Publish {
            topic: "car/+/x".into(),
            payload: "1".into(),
            qos: QoS::AtMostOnce,
            retain: false,
            v5: Default::default(),
        };
        let closed = Event::ProtocolError {
            conn: 1,
            client_id: Some("car".into()),
            message: Text::new("主题名不能含 + 或 #", "a topic name must not contain + or #"),
            rule: Some("MQTT-3.3.2-2".into()),
        };
        let sent = Done::Sent { packet: PacketType::Publish, pid: None };
        for broker_first in [true, false] {
            let mut m = Marks::default();
            let id = m.start("car", "car pub car/+/x 1", &cmd, Duration::ZERO);
            if broker_first {
                m.broker_event("car", &closed);
                m.done(id, &sent);
            } else {
                m.done(id, &sent);
            }
            m.client_event("car", &ClientEvent::ConnectionLost);
            if !broker_first {
                m.broker_event("car", &closed);
            }
            match &m.list[0].state {
                MarkState::Failed(why) => assert!(why.en.starts_with("the broker closed the connection"), "{why:?}"),
                s => panic!("{s:?}"),
            }
        }
    }
}

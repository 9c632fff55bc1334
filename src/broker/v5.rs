//! The MQTT 5.0 side of the broker core: 5.0 packets in, translated onto the one core (the session
//! keeps the version), and 5.0 packets out — topic aliases both ways, Receive Maximum, Maximum
//! Packet Size, message expiry, subscription options and identifiers, shared subscriptions,
//! reason codes, and DISCONNECT from the server.

use super::{AckKind, Broker, ConnId, Event, Link, Meta, Output, SubIds, SubOpts, SubscribeRefusal, WillCause, clip};
use crate::proto::v5::{self as p5, Packet as P5};
use crate::proto::{Connect, ConnectReturnCode, ErrorKind, Protocol, Publish, ReasonCode, Will, topic_filter_error};
use std::collections::VecDeque;
use std::num::NonZeroU16;
use std::sync::Arc;
use std::time::Instant;

/// The reason code a DISCONNECT (or CONNACK) gives for a frame that could not be read.
pub(super) fn error_reason(kind: &ErrorKind) -> ReasonCode {
    use ErrorKind as K;
    match kind {
        K::PacketTooLarge { .. } => ReasonCode::PacketTooLarge,
        K::BadPropertyValue { id: 0x23, .. } => ReasonCode::TopicAliasInvalid,
        K::WildcardInTopic | K::EmptyTopic => ReasonCode::TopicNameInvalid,
        K::DuplicateProperty { .. }
        | K::PropertyNotAllowed { .. }
        | K::BadPropertyValue { .. }
        | K::AuthDataWithoutMethod
        | K::EmptyTopicWithoutAlias
        | K::NoLocalOnSharedSubscription
        | K::NoTopicFilters { .. }
        | K::ZeroPacketId
        | K::WildcardInResponseTopic => ReasonCode::ProtocolError,
        K::UnsupportedProtocolLevel(_) | K::BadProtocolName(_) => ReasonCode::UnsupportedProtocolVersion,
        _ => ReasonCode::MalformedPacket,
    }
}

/// The 5.0 CONNACK reason code for a refusal the core states as a 3.1.1 return code.
pub(super) fn connack_reason(code: ConnectReturnCode) -> ReasonCode {
    use ConnectReturnCode as Rc;
    match code {
        Rc::Accepted => ReasonCode::Success,
        Rc::BadProtocolVersion => ReasonCode::UnsupportedProtocolVersion,
        Rc::IdentifierRejected => ReasonCode::ClientIdentifierNotValid,
        Rc::ServerUnavailable => ReasonCode::ServerUnavailable,
        Rc::BadUsernameOrPassword => ReasonCode::BadUserNameOrPassword,
        Rc::NotAuthorized => ReasonCode::NotAuthorized,
    }
}

/// The 5.0 SUBACK reason code for a refused filter.
pub(super) fn suback_reason(r: &SubscribeRefusal) -> ReasonCode {
    match r {
        SubscribeRefusal::InvalidFilter { .. } => ReasonCode::TopicFilterInvalid,
        SubscribeRefusal::NotAuthorized => ReasonCode::NotAuthorized,
        SubscribeRefusal::TooManyLevels { .. } | SubscribeRefusal::TooManySubscriptions { .. } => {
            ReasonCode::QuotaExceeded
        }
    }
}

/// A shared subscription's group and filter: `None` for an ordinary filter, an error (the rule it
/// breaks) for a malformed `$share/…` [MQTT-4.8.2-1] [MQTT-4.8.2-2].
pub(super) fn parse_shared(filter: &str) -> Option<Result<(&str, &str), &'static str>> {
    let rest = filter.strip_prefix("$share/")?;
    let Some((group, f)) = rest.split_once('/') else { return Some(Err("MQTT-4.8.2-2")) };
    if group.is_empty() {
        return Some(Err("MQTT-4.8.2-1"));
    }
    if group.contains(['+', '#']) || f.is_empty() {
        return Some(Err("MQTT-4.8.2-2"));
    }
    Some(Ok((group, f)))
}

/// The key a shared subscription has in the subscription tree (a NUL-led name no client id can
/// be, since client ids are UTF-8 strings without NUL).
pub(super) fn shared_key(group: &str, filter: &str) -> Arc<str> {
    Arc::from(format!("\0{group}\0{filter}"))
}

/// Sends one message to a 5.0 client (see [`super::transmit`]).
#[allow(clippy::too_many_arguments)]
pub(super) fn transmit5(
    out: &mut VecDeque<Output>,
    client_id: &Arc<str>,
    link: &mut Link,
    conn: ConnId,
    p: Publish,
    meta: Option<&Arc<Meta>>,
    sub_ids: &SubIds,
    now: Instant,
) -> bool {
    let mut properties = meta.map(|m| m.props.clone()).unwrap_or_default();
    if let Some((_, at)) = meta.and_then(|m| m.expiry) {
        // What is left of the interval, rounded up: a message with time left never says 0
        // [MQTT-3.3.2-6].
        let left = at.saturating_duration_since(now);
        let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        properties.message_expiry_interval = Some(secs.min(u32::MAX as u64) as u32);
    }
    if let Some(ids) = sub_ids {
        properties.subscription_identifiers = ids.to_vec();
    }
    let topic = p.topic.clone();
    let mut packet = p5::Publish {
        dup: p.dup,
        qos_pid: p.qos_pid,
        retain: p.retain,
        topic: p.topic,
        properties,
        payload: p.payload,
    };
    let mut new_alias = None;
    if link.alias_max > 0 {
        // Aliases within the client's Topic Alias Maximum [MQTT-3.1.2-26], set once per
        // connection: later messages to the topic carry the alias and an empty topic.
        match link.alias_out.get(&topic) {
            Some(&a) => {
                packet.topic = Arc::from("");
                packet.properties.topic_alias = NonZeroU16::new(a);
            }
            None if link.alias_out.len() < link.alias_max as usize => {
                let a = link.alias_out.len() as u16 + 1;
                packet.properties.topic_alias = NonZeroU16::new(a);
                new_alias = Some(a);
            }
            None => {}
        }
    }
    let packet = P5::Publish(packet);
    if let Some(max) = link.max_packet
        && let size = packet.encoded_len()
        && size > max as usize
    {
        // Larger than the client takes: not sent [MQTT-3.1.2-24] [MQTT-3.1.2-25].
        out.push_back(Output::Event(Event::TooLargeForClient {
            client_id: client_id.to_string(),
            topic: clip(&topic),
            size,
            max,
        }));
        return false;
    }
    if let Some(a) = new_alias {
        link.alias_out.insert(topic.clone(), a);
        out.push_back(Output::Event(Event::AliasSet {
            client_id: client_id.to_string(),
            alias: a,
            topic: clip(&topic),
            inbound: false,
        }));
    }
    out.push_back(Output::Send5(conn, Box::new(packet)));
    true
}

impl Broker {
    /// A whole, well-formed MQTT 5.0 packet arrived on `conn` (a CONNECT of level 5, then every
    /// packet of that connection).
    pub fn handle_packet5(&mut self, conn: ConnId, packet: P5, now: Instant) {
        let Some(c) = self.conns.get_mut(&conn) else { return };
        c.last_seen = now;
        let client = c.client.clone();
        let Some(client) = client else {
            match packet {
                P5::Connect(c) => {
                    let c = *c;
                    let will_props = c.will.as_ref().map(|w| w.properties.clone()).unwrap_or_default();
                    let v3 = Connect {
                        protocol: Protocol::V5,
                        clean_session: c.clean_start,
                        keep_alive: c.keep_alive,
                        client_id: c.client_id,
                        will: c.will.map(|w| Will { topic: w.topic, message: w.message, qos: w.qos, retain: w.retain }),
                        username: c.username,
                        password: c.password,
                    };
                    self.on_connect(conn, v3, Some((c.properties, will_props)), now);
                }
                other => self.first_not_connect(conn, other.packet_type().name()),
            }
            return;
        };
        match packet {
            P5::Connect(_) => self.second_connect(conn),
            P5::Publish(p) => self.on_publish5(conn, &client, p, now),
            P5::PubAck(a) => self.on_ack(conn, &client, a.pid, false, now),
            P5::PubRec(a) => self.on_pubrec(conn, &client, a.pid, a.reason.is_error(), now),
            P5::PubRel(a) => {
                let known = self.sessions.get_mut(&client).is_some_and(|s| s.awaiting_pubrel.remove(&a.pid));
                let reason = if known { ReasonCode::Success } else { ReasonCode::PacketIdentifierNotFound };
                self.send_ack(conn, AckKind::PubComp, a.pid, reason);
            }
            P5::PubComp(a) => self.on_ack(conn, &client, a.pid, true, now),
            P5::Subscribe(s) => {
                let id = s.properties.subscription_identifiers.first().copied();
                let filters = s
                    .filters
                    .into_iter()
                    .map(|(f, o)| {
                        let opts = SubOpts { qos: o.qos, no_local: o.no_local, rap: o.retain_as_published, id };
                        (f, opts, o.retain_handling as u8)
                    })
                    .collect();
                self.on_subscribe(conn, &client, s.pid, filters, now)
            }
            P5::Unsubscribe(u) => self.on_unsubscribe5(conn, &client, u),
            P5::PingReq => self.send5(conn, P5::PingResp),
            P5::Disconnect(d) => self.on_disconnect5(conn, &client, d, now),
            P5::Auth(_) => self.protocol_violation(
                conn,
                "AUTH, but CONNECT named no authentication method".into(),
                "CONNECT 没有给出认证方法，却发来了 AUTH".into(),
                "MQTT-4.12.0-7",
            ),
            other @ (P5::ConnAck(_) | P5::SubAck(_) | P5::UnsubAck(_) | P5::PingResp) => {
                let name = other.packet_type().name();
                self.protocol_violation(
                    conn,
                    format!("{name} is sent only by a server"),
                    format!("{name} 只能由服务端发送"),
                    "MQTT-4.13.1-1",
                )
            }
        }
    }

    /// A 5.0 PUBLISH: its topic alias resolved, its Receive Maximum checked, then the common path.
    fn on_publish5(&mut self, conn: ConnId, client: &Arc<str>, mut p: p5::Publish, now: Instant) {
        let max = self.config.topic_alias_maximum;
        if let Some(alias) = p.properties.topic_alias {
            let a = alias.get();
            if a > max {
                return self.violation(
                    conn,
                    format!("topic alias {a}, but this broker's Topic Alias Maximum is {max}"),
                    format!("主题别名 {a} 超过了本服务端的主题别名最大值 {max}"),
                    "MQTT-3.3.2-9",
                    ReasonCode::TopicAliasInvalid,
                );
            }
            let Some(link) = self.sessions.get_mut(client).and_then(|s| s.link.as_deref_mut()) else { return };
            if p.topic.is_empty() {
                match link.alias_in.get(&a) {
                    Some(t) => p.topic = t.clone(),
                    None => {
                        return self.violation(
                            conn,
                            format!(
                                "topic alias {a} with an empty topic, but no topic was set for it on this connection"
                            ),
                            format!("主题别名 {a} 的主题为空，而这个连接上从没给它设过主题"),
                            "§3.3.2.3.4",
                            ReasonCode::ProtocolError,
                        );
                    }
                }
            } else if link.alias_in.get(&a) != Some(&p.topic) {
                link.alias_in.insert(a, p.topic.clone());
                self.emit(Event::AliasSet {
                    client_id: client.to_string(),
                    alias: a,
                    topic: clip(&p.topic),
                    inbound: true,
                });
            }
        }
        if let Some(pid) = p.qos_pid.pid()
            && p.qos() == crate::proto::QoS::ExactlyOnce
        {
            let limit = self.config.receive_maximum.max(1) as usize;
            let over = self
                .sessions
                .get(client)
                .is_some_and(|s| !s.awaiting_pubrel.contains(&pid) && s.awaiting_pubrel.len() >= limit);
            if over {
                return self.violation(
                    conn,
                    format!("more than Receive Maximum = {limit} QoS 2 messages unacknowledged"),
                    format!("未确认的 QoS 2 消息超过了接收最大值 {limit}"),
                    "MQTT-3.3.4-7",
                    ReasonCode::ReceiveMaximumExceeded,
                );
            }
        }
        let meta = Meta::from_props(&p.properties, now);
        let v3 = Publish { dup: p.dup, qos_pid: p.qos_pid, retain: p.retain, topic: p.topic, payload: p.payload };
        self.on_publish(conn, client, v3, meta, now);
    }

    /// A 5.0 UNSUBSCRIBE: one reason code per filter (an invalid filter is refused, not a reason to
    /// close).
    fn on_unsubscribe5(&mut self, conn: ConnId, client: &Arc<str>, u: p5::Unsubscribe) {
        let mut reasons = Vec::with_capacity(u.filters.len());
        for filter in u.filters {
            let invalid = match parse_shared(&filter) {
                Some(Err(_)) => true,
                Some(Ok((_, f))) => topic_filter_error(f).is_some(),
                None => topic_filter_error(&filter).is_some(),
            };
            if invalid {
                reasons.push(ReasonCode::TopicFilterInvalid);
                continue;
            }
            let existed = self.unsubscribe_filter(&filter, client);
            if let Some(s) = self.sessions.get_mut(client) {
                s.subscriptions.remove(&filter);
            }
            self.emit(Event::Unsubscribed { client_id: client.to_string(), filter: clip(&filter), existed });
            reasons.push(if existed { ReasonCode::Success } else { ReasonCode::NoSubscriptionExisted });
        }
        let ack = p5::UnsubAck { pid: u.pid, properties: Default::default(), reasons };
        self.send5(conn, P5::UnsubAck(ack));
    }

    /// A 5.0 DISCONNECT: it may change the Session Expiry Interval, and 0x04 asks for the will.
    fn on_disconnect5(&mut self, conn: ConnId, client: &Arc<str>, d: p5::Disconnect, now: Instant) {
        if let Some(x) = d.properties.session_expiry_interval {
            let cur = self.sessions.get(client).map_or(0, |s| s.expiry);
            if cur == 0 && x != 0 {
                // §3.14.2.2.2: a session that was to end with the connection cannot be kept now.
                return self.protocol_violation(
                    conn,
                    format!("DISCONNECT sets Session Expiry Interval {x}, but CONNECT had 0 (§3.14.2.2.2)"),
                    format!("CONNECT 的会话过期间隔是 0，DISCONNECT 却要改成 {x}（§3.14.2.2.2）"),
                    "MQTT-4.13.1-1",
                );
            }
            let max = self.config.max_session_expiry;
            if let Some(s) = self.sessions.get_mut(client) {
                s.expiry = x.min(max);
                s.clean = s.expiry == 0;
            }
        }
        self.emit(Event::Disconnected { conn, client_id: client.to_string() });
        self.out.push_back(Output::Close(conn));
        // 0x04 publishes the will; any other reason discards it [MQTT-3.14.4-3].
        let cause = (d.reason == ReasonCode::DisconnectWithWill).then_some(WillCause::Requested);
        self.end_connection(conn, cause, now);
    }
}

//! What the client does only when it speaks MQTT 5.0: the CONNECT's properties and the will's
//! delay, the limits the broker's CONNACK sets (Receive Maximum, Maximum QoS, Retain Available,
//! Topic Alias Maximum, Maximum Packet Size) and what else it says (Assigned Client Identifier,
//! Server Keep Alive, Session Expiry Interval), PUBLISH properties and topic aliases both ways,
//! reason codes on every acknowledgement, a DISCONNECT from the broker, and its own DISCONNECT with
//! a reason code and a new Session Expiry Interval.
//!
//! Pure like the rest of the client core: no tokio, no clock, no broker, no runtime.

use super::{Client, ClientError, ClientEvent, MessageProps, Options, Output, ServerProps, State, Violation};
use crate::proto::v5::{self, Properties, RetainHandling, SubscriptionOptions};
use crate::proto::{AnyPacket, PacketId, PacketType, Publish, QoS, ReasonCode, Will};
use bytes::Bytes;
use std::collections::BTreeMap;
use std::num::{NonZeroU16, NonZeroU32};
use std::sync::Arc;
use std::time::Instant;

/// What a 5.0 CONNECT carries besides the 3.1.1 fields. Absent properties are not sent (and then mean
/// what the specification says: no session after the connection, 65,535 in flight, no packet size
/// limit, no topic aliases).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct V5Options {
    /// Session Expiry Interval, seconds: how long the broker keeps the session after the connection
    /// ends (`u32::MAX`: for ever).
    pub session_expiry: Option<u32>,
    /// Receive Maximum: how many QoS 1 and 2 messages the broker may have in flight to this client.
    pub receive_maximum: Option<NonZeroU16>,
    /// Maximum Packet Size this client accepts, in bytes.
    pub maximum_packet_size: Option<NonZeroU32>,
    /// Topic Alias Maximum: how many topic aliases the broker may set for this client.
    pub topic_alias_maximum: Option<u16>,
    pub user_properties: Vec<(String, String)>,
    /// The will's Will Delay Interval, seconds.
    pub will_delay: Option<u32>,
}

impl Options {
    /// The 5.0 CONNECT these options make.
    pub fn to_connect5(&self) -> v5::Connect {
        let v = &self.v5;
        let properties = Properties {
            session_expiry_interval: v.session_expiry,
            receive_maximum: v.receive_maximum,
            maximum_packet_size: v.maximum_packet_size,
            topic_alias_maximum: v.topic_alias_maximum,
            user_properties: v.user_properties.clone(),
            ..Properties::default()
        };
        let will = self.will.as_ref().map(|w: &Will| v5::Will {
            topic: w.topic.clone(),
            message: w.message.clone(),
            qos: w.qos,
            retain: w.retain,
            properties: Properties { will_delay_interval: v.will_delay, ..Properties::default() },
        });
        v5::Connect {
            clean_start: self.clean_session,
            keep_alive: self.keep_alive,
            properties,
            client_id: self.client_id.clone(),
            will,
            username: self.username.clone(),
            password: self.password.clone(),
        }
    }
}

/// The properties a user can give a 5.0 PUBLISH, and whether to use a topic alias.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PublishProps {
    /// Message Expiry Interval, seconds: the broker drops the message if it cannot deliver it in time.
    pub message_expiry: Option<u32>,
    pub user_properties: Vec<(String, String)>,
    pub response_topic: Option<String>,
    pub correlation_data: Option<Bytes>,
    pub content_type: Option<String>,
    /// Payload Format Indicator: `true` says the payload is UTF-8 text.
    pub payload_format_utf8: Option<bool>,
    /// Send a Topic Alias (within the broker's Topic Alias Maximum): the first PUBLISH to a topic sets
    /// it, the next ones send an empty topic name and the alias only.
    pub alias: bool,
}

impl PublishProps {
    /// The properties of the PUBLISH (without the topic alias, which depends on the connection).
    pub fn properties(&self) -> Properties {
        Properties {
            message_expiry_interval: self.message_expiry,
            user_properties: self.user_properties.clone(),
            response_topic: self.response_topic.clone(),
            correlation_data: self.correlation_data.clone(),
            content_type: self.content_type.clone(),
            payload_format_indicator: self.payload_format_utf8,
            ..Properties::default()
        }
    }

    /// The name of the first 5.0 property asked for (`None`: a PUBLISH 3.1.1 can send).
    pub fn first_property(&self) -> Option<&'static str> {
        [
            (self.message_expiry.is_some(), "Message Expiry Interval"),
            (!self.user_properties.is_empty(), "User Property"),
            (self.response_topic.is_some(), "Response Topic"),
            (self.correlation_data.is_some(), "Correlation Data"),
            (self.content_type.is_some(), "Content Type"),
            (self.payload_format_utf8.is_some(), "Payload Format Indicator"),
            (self.alias, "Topic Alias"),
        ]
        .into_iter()
        .find_map(|(on, name)| on.then_some(name))
    }
}

/// The subscription options and the Subscription Identifier of a 5.0 SUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubscribeProps {
    /// No Local: the broker does not send this client its own messages.
    pub no_local: bool,
    /// Retain As Published: the RETAIN flag of forwarded messages stays as the publisher set it.
    pub retain_as_published: bool,
    pub retain_handling: RetainHandling,
    pub subscription_id: Option<NonZeroU32>,
}

impl SubscribeProps {
    /// The name of the first 5.0 option asked for (`None`: a SUBSCRIBE 3.1.1 can send).
    pub fn first_option(&self) -> Option<&'static str> {
        [
            (self.no_local, "No Local"),
            (self.retain_as_published, "Retain As Published"),
            (self.retain_handling != RetainHandling::SendAtSubscribe, "Retain Handling"),
            (self.subscription_id.is_some(), "Subscription Identifier"),
        ]
        .into_iter()
        .find_map(|(on, name)| on.then_some(name))
    }

    pub(super) fn subscribe(&self, pid: PacketId, filters: &[(String, QoS)]) -> v5::Subscribe {
        let options = |qos| SubscriptionOptions {
            qos,
            no_local: self.no_local,
            retain_as_published: self.retain_as_published,
            retain_handling: self.retain_handling,
        };
        v5::Subscribe {
            pid,
            properties: Properties {
                subscription_identifiers: self.subscription_id.into_iter().collect(),
                ..Properties::default()
            },
            filters: filters.iter().map(|(f, q)| (f.clone(), options(*q))).collect(),
        }
    }
}

/// How a 5.0 client says goodbye.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DisconnectOpts {
    /// Reason code 0x04, Disconnect with Will Message: the broker publishes the will all the same.
    pub with_will: bool,
    /// A new Session Expiry Interval, seconds (not allowed if the CONNECT's was 0 [MQTT-3.14.2-2]).
    pub session_expiry: Option<u32>,
}

/// What the broker's 5.0 CONNACK allows on this connection (the defaults when it says nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Receive Maximum: QoS 1 and 2 PUBLISHes in flight to the broker at once.
    pub receive_maximum: u16,
    /// Maximum QoS the broker accepts in a PUBLISH.
    pub maximum_qos: QoS,
    /// Retain Available.
    pub retain_available: bool,
    /// Topic Alias Maximum: how many topic aliases this client may set.
    pub topic_alias_maximum: u16,
    /// Maximum Packet Size the broker accepts, in bytes.
    pub maximum_packet_size: Option<u32>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            receive_maximum: u16::MAX,
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            topic_alias_maximum: 0,
            maximum_packet_size: None,
        }
    }
}

/// The topic aliases a client set on one connection: alias → topic, and the next alias to use. When
/// all the broker allows are in use, the oldest is set to the new topic.
#[derive(Debug, Clone, Default)]
pub(super) struct OutAliases {
    by_alias: BTreeMap<u16, String>,
    next: u16,
}

impl OutAliases {
    fn find(&self, topic: &str) -> Option<u16> {
        self.by_alias.iter().find(|(_, t)| *t == topic).map(|(a, _)| *a)
    }

    /// The alias a new topic gets under `max`.
    fn pick(&self, max: u16) -> u16 {
        if self.next == 0 || self.next > max { 1 } else { self.next }
    }

    pub(super) fn set(&mut self, alias: u16, topic: String) {
        self.by_alias.insert(alias, topic);
        self.next = alias.wrapping_add(1).max(1);
    }
}

/// PubSubClient's `state()` for a 5.0 refusal: the 3.1.1 return code that means the same, or 5.
pub(super) fn pubsub_code(reason: ReasonCode) -> i8 {
    match reason {
        ReasonCode::UnsupportedProtocolVersion => 1,
        ReasonCode::ClientIdentifierNotValid => 2,
        ReasonCode::ServerUnavailable | ReasonCode::ServerBusy => 3,
        ReasonCode::BadUserNameOrPassword => 4,
        _ => 5,
    }
}

impl Client {
    /// Says goodbye with a 5.0 DISCONNECT: reason 0x00 (the broker drops the will), or 0x04 with
    /// [`DisconnectOpts::with_will`] (it publishes the will), and optionally a new Session Expiry
    /// Interval. A 3.1 / 3.1.1 client sends its plain DISCONNECT and refuses the options. Does nothing
    /// without a connection.
    pub fn disconnect_with(&mut self, o: &DisconnectOpts, now: Instant) -> Result<(), ClientError> {
        if !self.state.is_open() {
            return Ok(());
        }
        if !self.opts.is_v5() {
            if o.with_will {
                return Err(ClientError::NeedsV5 { what: "Disconnect with Will Message" });
            }
            if o.session_expiry.is_some() {
                return Err(ClientError::NeedsV5 { what: "Session Expiry Interval" });
            }
            self.emit(ClientEvent::Disconnected);
            self.send3(crate::proto::Packet::Disconnect, now);
            self.close(State::Disconnected);
            return Ok(());
        }
        if let Some(n) = o.session_expiry
            && n > 0
            && self.opts.v5.session_expiry.unwrap_or(0) == 0
        {
            return Err(ClientError::SessionExpiryWasZero);
        }
        let reason = if o.with_will { ReasonCode::DisconnectWithWill } else { ReasonCode::Success };
        let d = v5::Disconnect {
            reason,
            properties: Properties { session_expiry_interval: o.session_expiry, ..Properties::default() },
        };
        if let Some(n) = o.session_expiry {
            self.session_expiry = n;
        }
        if *o == DisconnectOpts::default() {
            self.emit(ClientEvent::Disconnected);
        } else {
            self.emit(ClientEvent::Disconnected5 { with_will: o.with_will, session_expiry: o.session_expiry });
        }
        self.send(AnyPacket::V5(v5::Packet::Disconnect(d)), now);
        self.close(State::Disconnected);
        Ok(())
    }

    /// The checks of a 5.0 PUBLISH against what the broker's CONNACK allows.
    pub(super) fn check_publish5(&self, qos: QoS, retain: bool, props: &PublishProps) -> Result<(), ClientError> {
        let l = &self.limits;
        if qos > l.maximum_qos {
            return Err(ClientError::BrokerMaxQos { qos, max: l.maximum_qos });
        }
        if retain && !l.retain_available {
            return Err(ClientError::RetainNotAvailable);
        }
        if qos != QoS::AtMostOnce && self.session.inflight.len() >= l.receive_maximum as usize {
            return Err(ClientError::ReceiveMaximum { max: l.receive_maximum });
        }
        if props.alias && l.topic_alias_maximum == 0 {
            return Err(ClientError::NoTopicAlias);
        }
        for (k, v) in &props.user_properties {
            super::check_str(k.len())?;
            super::check_str(v.len())?;
        }
        for s in [&props.response_topic, &props.content_type].into_iter().flatten() {
            super::check_str(s.len())?;
        }
        if let Some(c) = &props.correlation_data {
            super::check_str(c.len())?;
        }
        Ok(())
    }

    /// The 5.0 PUBLISH to put on the wire, with a topic alias when asked for one; and the alias to
    /// record once it is sent.
    pub(super) fn publish5_packet(
        &self,
        p: &Publish,
        props: &Properties,
        alias: bool,
    ) -> Result<(AnyPacket, Option<(u16, String)>), ClientError> {
        let mut wire = v5::Publish {
            dup: false,
            qos_pid: p.qos_pid,
            retain: p.retain,
            topic: p.topic.clone(),
            properties: props.clone(),
            payload: p.payload.clone(),
        };
        let mut record = None;
        if alias {
            let max = self.limits.topic_alias_maximum;
            let (n, known) = match self.aliases_out.find(&p.topic) {
                Some(n) => (n, true),
                None => (self.aliases_out.pick(max), false),
            };
            wire.properties.topic_alias = NonZeroU16::new(n);
            if known {
                wire.topic = Arc::from("");
            } else {
                record = Some((n, p.topic.to_string()));
            }
        }
        Ok((AnyPacket::V5(v5::Packet::Publish(wire)), record))
    }

    /// A 5.0 packet from the server.
    pub(super) fn process5(&mut self, packet: v5::Packet, now: Instant) {
        let Some(ptype) = packet.packet_type().v3() else {
            // AUTH: this client never asks for extended authentication.
            if self.state.is_open() {
                self.emit(ClientEvent::UnrequestedAuth);
                let d = v5::Disconnect::new(ReasonCode::ProtocolError);
                self.out.push_back(Output::Send(AnyPacket::V5(v5::Packet::Disconnect(d))));
                self.close(State::ConnectionLost);
            }
            return;
        };
        if !self.state.is_open() {
            self.emit(ClientEvent::Dropped { packet: ptype, reason: super::DropReason::NotConnected });
            return;
        }
        let size = packet.encoded_len();
        if let Some(max) = self.opts.profile.max_packet_size()
            && size > max
        {
            let reason = super::DropReason::TooLarge { size, max };
            self.emit(ClientEvent::Dropped { packet: ptype, reason });
            return;
        }
        self.last_received = Some(now);
        self.last_in_activity = Some(now);
        if let Some(max) = self.opts.v5.maximum_packet_size
            && size > max.get() as usize
        {
            self.violation(ptype, Violation::PacketTooLarge { size, max: max.get() as usize });
            return;
        }
        if self.state == State::Connecting {
            match packet {
                v5::Packet::ConnAck(a) => self.on_connack5(a, now),
                _ => self.violation(ptype, Violation::NotConnAckFirst),
            }
            return;
        }
        match packet {
            v5::Packet::ConnAck(_) => self.violation(ptype, Violation::SecondConnAck),
            v5::Packet::Publish(p) => self.on_publish5(p, now),
            v5::Packet::PubAck(a) => self.on_puback(a.pid, a.reason, a.properties.reason_string),
            v5::Packet::PubRec(a) => self.on_pubrec(a.pid, a.reason, a.properties.reason_string, now),
            v5::Packet::PubRel(a) => {
                let known = self.session.awaiting_pubrel.remove(&a.pid);
                self.emit(ClientEvent::Released { pid: a.pid, known });
                let reason = if known { ReasonCode::Success } else { ReasonCode::PacketIdentifierNotFound };
                self.send_ack(PacketType::PubComp, a.pid, reason, now);
            }
            v5::Packet::PubComp(a) => self.on_pubcomp(a.pid, a.reason, a.properties.reason_string),
            v5::Packet::SubAck(s) => {
                let codes = s
                    .reasons
                    .iter()
                    .map(|r| match r.granted_qos() {
                        Some(q) => (Some(q), None),
                        None => (None, Some(*r)),
                    })
                    .collect();
                self.on_suback(s.pid, codes)
            }
            v5::Packet::UnsubAck(u) => self.on_unsuback(u.pid, u.reasons),
            v5::Packet::PingResp => match self.ping_sent.take() {
                Some(sent) => self.emit(ClientEvent::PingResponse { rtt: now.saturating_duration_since(sent) }),
                None => self.emit(ClientEvent::UnexpectedPingResp),
            },
            v5::Packet::Disconnect(d) => {
                let reason_string = d.properties.reason_string;
                let server_reference = d.properties.server_reference;
                self.emit(ClientEvent::ServerDisconnected { reason: d.reason, reason_string, server_reference });
                self.close(State::DisconnectedByServer(d.reason));
            }
            v5::Packet::Connect(_) | v5::Packet::Subscribe(_) | v5::Packet::Unsubscribe(_) | v5::Packet::PingReq => {
                self.violation(ptype, Violation::ClientOnlyPacket)
            }
            v5::Packet::Auth(_) => unreachable!("AUTH has no 3.1.1 type and was handled above"),
        }
    }

    fn on_connack5(&mut self, a: v5::ConnAck, now: Instant) {
        let p = a.properties;
        if a.reason.is_error() {
            self.emit(ClientEvent::Refused5 { reason: a.reason, reason_string: p.reason_string });
            self.close(State::Refused5(a.reason));
            return;
        }
        if a.session_present && self.opts.clean_session {
            self.violation(PacketType::ConnAck, Violation::SessionPresentWithCleanSession);
            return;
        }
        if let Some(id) = &p.assigned_client_identifier {
            self.opts.client_id = id.clone();
        }
        if let Some(k) = p.server_keep_alive {
            self.keep_alive = k;
        }
        if let Some(e) = p.session_expiry_interval {
            self.session_expiry = e;
        }
        self.limits = Limits {
            receive_maximum: p.receive_maximum.map_or(u16::MAX, NonZeroU16::get),
            maximum_qos: p.maximum_qos.unwrap_or(QoS::ExactlyOnce),
            retain_available: p.retain_available.unwrap_or(true),
            topic_alias_maximum: p.topic_alias_maximum.unwrap_or(0),
            maximum_packet_size: p.maximum_packet_size.map(NonZeroU32::get),
        };
        self.state = State::Connected;
        self.connect_sent = None;
        self.ping_sent = None;
        self.emit(ClientEvent::Connected { session_present: a.session_present });
        let said = ServerProps {
            assigned_client_id: p.assigned_client_identifier,
            server_keep_alive: p.server_keep_alive.map(|k| (k, self.opts.keep_alive)),
            session_expiry: p.session_expiry_interval,
            receive_maximum: p.receive_maximum.map(NonZeroU16::get),
            maximum_qos: p.maximum_qos,
            retain_available: p.retain_available,
            topic_alias_maximum: p.topic_alias_maximum,
            maximum_packet_size: p.maximum_packet_size.map(NonZeroU32::get),
            reason_string: p.reason_string,
            user_properties: p.user_properties,
        };
        if !said.is_empty() {
            self.emit(ClientEvent::ConnAckProps(Box::new(said)));
        }
        self.session_continues(a.session_present, now);
    }

    fn on_publish5(&mut self, p: v5::Publish, now: Instant) {
        let mut topic = p.topic;
        let alias = p.properties.topic_alias.map(NonZeroU16::get);
        if let Some(a) = alias {
            let max = self.opts.v5.topic_alias_maximum.unwrap_or(0);
            if a > max {
                self.violation(PacketType::Publish, Violation::TopicAliasTooLarge { alias: a, max });
                return;
            }
            if topic.is_empty() {
                match self.aliases_in.get(&a) {
                    Some(t) => topic = t.clone(),
                    None => {
                        self.violation(PacketType::Publish, Violation::UnknownTopicAlias { alias: a });
                        return;
                    }
                }
            } else {
                self.aliases_in.insert(a, topic.clone());
            }
        }
        let props = MessageProps::from_properties(&p.properties);
        let publish = Publish { dup: p.dup, qos_pid: p.qos_pid, retain: p.retain, topic, payload: p.payload };
        self.deliver(publish, Some(Box::new(props)), now);
    }
}

#[cfg(test)]
#[path = "tests5.rs"]
mod tests;

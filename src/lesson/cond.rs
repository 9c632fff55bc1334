//! Conditions on a frame's fields, as a lesson writes them: `clean_session == 0`, `qos >= 1`,
//! `topic == car/speed`, `payload contains on`. A name is the last part of a field key of the
//! inspector's registry (`mqtt.connect.flags.clean_session` → `clean_session`), so a hint can name
//! the field in the learner's language. Multi-valued fields (a SUBSCRIBE's filters, a SUBACK's
//! codes) hold when any value does.

use crate::i18n::{Lang, Text};
use crate::proto::v5::{self, Packet as P5};
use crate::proto::{
    ConnAck, Connect, ConnectReturnCode, Packet, PacketType, SubAck, SubAckCode, Subscribe, Unsubscribe, Will, field,
};

/// A frame as a lesson judges it: its 3.1.1 form (a 5.0 packet projected onto the fields both
/// versions have) and, for a 5.0 frame, the 5.0 packet with its properties and reason codes.
#[derive(Debug, Clone)]
pub struct Frame {
    pub packet: Packet,
    pub v5: Option<Box<P5>>,
}

impl Frame {
    pub fn v3(packet: Packet) -> Frame {
        Frame { packet, v5: None }
    }

    /// A 5.0 packet; `None` for AUTH, which 3.1.1 has no form of.
    pub fn v5(p: P5) -> Option<Frame> {
        let packet = match &p {
            P5::Connect(c) => Packet::Connect(Box::new(Connect {
                protocol: crate::proto::Protocol::V5,
                clean_session: c.clean_start,
                keep_alive: c.keep_alive,
                client_id: c.client_id.clone(),
                will: c.will.as_ref().map(|w| Will {
                    topic: w.topic.clone(),
                    message: w.message.clone(),
                    qos: w.qos,
                    retain: w.retain,
                }),
                username: c.username.clone(),
                password: c.password.clone(),
            })),
            P5::ConnAck(a) => Packet::ConnAck(ConnAck {
                session_present: a.session_present,
                code: if a.reason.is_error() { ConnectReturnCode::NotAuthorized } else { ConnectReturnCode::Accepted },
            }),
            P5::Publish(x) => Packet::Publish(crate::proto::Publish {
                dup: x.dup,
                qos_pid: x.qos_pid,
                retain: x.retain,
                topic: x.topic.clone(),
                payload: x.payload.clone(),
            }),
            P5::PubAck(a) => Packet::PubAck(a.pid),
            P5::PubRec(a) => Packet::PubRec(a.pid),
            P5::PubRel(a) => Packet::PubRel(a.pid),
            P5::PubComp(a) => Packet::PubComp(a.pid),
            P5::Subscribe(s) => Packet::Subscribe(Subscribe {
                pid: s.pid,
                filters: s.filters.iter().map(|(f, o)| (f.clone(), o.qos)).collect(),
            }),
            P5::SubAck(s) => Packet::SubAck(SubAck {
                pid: s.pid,
                codes: s
                    .reasons
                    .iter()
                    .map(|r| r.granted_qos().map_or(SubAckCode::Failure, SubAckCode::Granted))
                    .collect(),
            }),
            P5::Unsubscribe(u) => Packet::Unsubscribe(Unsubscribe { pid: u.pid, filters: u.filters.clone() }),
            P5::UnsubAck(u) => Packet::UnsubAck(u.pid),
            P5::PingReq => Packet::PingReq,
            P5::PingResp => Packet::PingResp,
            P5::Disconnect(_) => Packet::Disconnect,
            P5::Auth(_) => return None,
        };
        Some(Frame { packet, v5: Some(Box::new(p)) })
    }
}

/// The values of a 5.0-only field: reason codes, properties, subscription options.
fn values5(p: &P5, name: &str) -> Option<Vec<Val>> {
    let n = |v: u64| Val::Num(v as i64);
    let props = p.properties();
    let prop = |f: &dyn Fn(&v5::Properties) -> Option<Val>| props.and_then(f).into_iter().collect::<Vec<_>>();
    Some(match name {
        "reason" | "code" => match p {
            P5::ConnAck(a) => vec![n(a.reason.as_u8() as u64)],
            P5::PubAck(a) | P5::PubRec(a) | P5::PubRel(a) | P5::PubComp(a) => vec![n(a.reason.as_u8() as u64)],
            P5::SubAck(s) => s.reasons.iter().map(|r| n(r.as_u8() as u64)).collect(),
            P5::UnsubAck(u) => u.reasons.iter().map(|r| n(r.as_u8() as u64)).collect(),
            P5::Disconnect(d) => vec![n(d.reason.as_u8() as u64)],
            P5::Auth(a) => vec![n(a.reason.as_u8() as u64)],
            _ => return None,
        },
        "session_expiry" => prop(&|p| p.session_expiry_interval.map(|v| n(v as u64))),
        "message_expiry" => prop(&|p| p.message_expiry_interval.map(|v| n(v as u64))),
        "topic_alias" => prop(&|p| p.topic_alias.map(|v| n(v.get() as u64))),
        "topic_alias_maximum" => prop(&|p| p.topic_alias_maximum.map(|v| n(v as u64))),
        "receive_maximum" => prop(&|p| p.receive_maximum.map(|v| n(v.get() as u64))),
        "maximum_packet_size" => prop(&|p| p.maximum_packet_size.map(|v| n(v.get() as u64))),
        "server_keep_alive" => prop(&|p| p.server_keep_alive.map(|v| n(v as u64))),
        "assigned_client_id" => prop(&|p| p.assigned_client_identifier.clone().map(Val::Str)),
        "response_topic" => prop(&|p| p.response_topic.clone().map(Val::Str)),
        "content_type" => prop(&|p| p.content_type.clone().map(Val::Str)),
        "reason_string" => prop(&|p| p.reason_string.clone().map(Val::Str)),
        "user_property" => props
            .map(|p| p.user_properties.iter().map(|(k, v)| Val::Str(format!("{k}={v}"))).collect())
            .unwrap_or_default(),
        "subscription_id" => {
            props.map(|p| p.subscription_identifiers.iter().map(|i| n(i.get() as u64)).collect()).unwrap_or_default()
        }
        "will_delay" => match p {
            P5::Connect(c) => c
                .will
                .as_ref()
                .and_then(|w| w.properties.will_delay_interval)
                .map(|v| n(v as u64))
                .into_iter()
                .collect(),
            _ => return None,
        },
        "no_local" | "rap" | "retain_handling" => match p {
            P5::Subscribe(s) => s
                .filters
                .iter()
                .map(|(_, o)| match name {
                    "no_local" => n(o.no_local as u64),
                    "rap" => n(o.retain_as_published as u64),
                    _ => n(o.retain_handling as u64),
                })
                .collect(),
            _ => return None,
        },
        _ => return None,
    })
}

/// The values of field `name` in a frame: a 5.0 field when the frame has one, else the field both
/// versions share.
pub fn frame_values(f: &Frame, name: &str) -> Vec<Val> {
    if let Some(p) = &f.v5
        && let Some(v) = values5(p, name)
    {
        return v;
    }
    values(&f.packet, name)
}
use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
        }
    }
}

/// One condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    pub name: String,
    pub op: Op,
    pub value: String,
}

impl std::str::FromStr for Cond {
    type Err = String;
    fn from_str(s: &str) -> Result<Cond, String> {
        let s = s.trim();
        let (name, rest) = s.split_once(char::is_whitespace).ok_or_else(|| shape(s))?;
        let rest = rest.trim_start();
        let (op, value) = [
            ("contains", Op::Contains),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("<", Op::Lt),
            (">", Op::Gt),
        ]
        .iter()
        .find_map(|(sym, op)| rest.strip_prefix(sym).map(|v| (*op, v)))
        .ok_or_else(|| shape(s))?;
        let value = value.trim();
        let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(shape(s));
        }
        Ok(Cond { name: name.to_string(), op, value: value.to_string() })
    }
}

fn shape(s: &str) -> String {
    format!("{s:?} is not a condition: write NAME OP VALUE, e.g. \"qos == 1\" (OP is ==, !=, <, <=, >, >= or contains)")
}

impl<'de> Deserialize<'de> for Cond {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cond, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for Cond {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.name, self.op.symbol(), self.value)
    }
}

/// A field's value: a number or text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Num(i64),
    Str(String),
}

impl std::fmt::Display for Val {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Val::Num(n) => write!(f, "{n}"),
            Val::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// The names a packet type's conditions may use, with the field key each stands for.
pub fn names(kind: PacketType) -> &'static [(&'static str, &'static str)] {
    use PacketType::*;
    match kind {
        Connect => &[
            ("protocol_name", "mqtt.connect.proto_name"),
            ("level", "mqtt.connect.level"),
            ("client_id", "mqtt.connect.client_id"),
            ("clean_session", "mqtt.connect.flags.clean_session"),
            ("keepalive", "mqtt.connect.keepalive"),
            ("will", "mqtt.connect.flags.will"),
            ("will_qos", "mqtt.connect.flags.will_qos"),
            ("will_retain", "mqtt.connect.flags.will_retain"),
            ("will_topic", "mqtt.connect.will_topic"),
            ("will_msg", "mqtt.connect.will_msg"),
            ("username", "mqtt.connect.username"),
            ("password", "mqtt.connect.password"),
            ("session_expiry", "mqtt.prop.session_expiry_interval"),
            ("receive_maximum", "mqtt.prop.receive_maximum"),
            ("maximum_packet_size", "mqtt.prop.maximum_packet_size"),
            ("topic_alias_maximum", "mqtt.prop.topic_alias_maximum"),
            ("user_property", "mqtt.prop.user_property"),
            ("will_delay", "mqtt.prop.will_delay_interval"),
        ],
        ConnAck => &[
            ("session_present", "mqtt.connack.flags.session_present"),
            ("code", "mqtt.connack.code"),
            ("reason", "mqtt.connack.reason_code"),
            ("session_expiry", "mqtt.prop.session_expiry_interval"),
            ("receive_maximum", "mqtt.prop.receive_maximum"),
            ("topic_alias_maximum", "mqtt.prop.topic_alias_maximum"),
            ("maximum_packet_size", "mqtt.prop.maximum_packet_size"),
            ("server_keep_alive", "mqtt.prop.server_keep_alive"),
            ("assigned_client_id", "mqtt.prop.assigned_client_identifier"),
            ("reason_string", "mqtt.prop.reason_string"),
        ],
        Publish => &[
            ("topic", "mqtt.publish.topic"),
            ("payload", "mqtt.publish.payload"),
            ("qos", "mqtt.hdr.qos"),
            ("retain", "mqtt.hdr.retain"),
            ("dup", "mqtt.hdr.dup"),
            ("packet_id", "mqtt.publish.packet_id"),
            ("topic_alias", "mqtt.prop.topic_alias"),
            ("message_expiry", "mqtt.prop.message_expiry_interval"),
            ("user_property", "mqtt.prop.user_property"),
            ("response_topic", "mqtt.prop.response_topic"),
            ("content_type", "mqtt.prop.content_type"),
            ("subscription_id", "mqtt.prop.subscription_identifier"),
        ],
        PubAck => &[("packet_id", "mqtt.puback.packet_id"), ("reason", "mqtt.puback.reason_code")],
        PubRec => &[("packet_id", "mqtt.pubrec.packet_id"), ("reason", "mqtt.pubrec.reason_code")],
        PubRel => &[("packet_id", "mqtt.pubrel.packet_id"), ("reason", "mqtt.pubrel.reason_code")],
        PubComp => &[("packet_id", "mqtt.pubcomp.packet_id"), ("reason", "mqtt.pubcomp.reason_code")],
        Subscribe => &[
            ("packet_id", "mqtt.subscribe.packet_id"),
            ("filter", "mqtt.subscribe.filter"),
            ("qos", "mqtt.subscribe.qos"),
            ("no_local", "mqtt.subscribe.no_local"),
            ("rap", "mqtt.subscribe.retain_as_published"),
            ("retain_handling", "mqtt.subscribe.retain_handling"),
            ("subscription_id", "mqtt.prop.subscription_identifier"),
        ],
        SubAck => &[
            ("packet_id", "mqtt.suback.packet_id"),
            ("code", "mqtt.suback.code"),
            ("reason", "mqtt.suback.reason_code"),
            ("reason_string", "mqtt.prop.reason_string"),
        ],
        Unsubscribe => &[("packet_id", "mqtt.unsubscribe.packet_id"), ("filter", "mqtt.unsubscribe.filter")],
        UnsubAck => &[("packet_id", "mqtt.unsuback.packet_id"), ("reason", "mqtt.unsuback.reason_code")],
        Disconnect => &[
            ("reason", "mqtt.disconnect.reason_code"),
            ("session_expiry", "mqtt.prop.session_expiry_interval"),
            ("reason_string", "mqtt.prop.reason_string"),
        ],
        PingReq | PingResp => &[],
    }
}

/// The field a condition's name stands for in a packet type.
pub fn field_of(kind: PacketType, name: &str) -> Option<&'static field::Field> {
    names(kind).iter().find(|(n, _)| *n == name).and_then(|(_, key)| field::by_key(key))
}

fn num(b: bool) -> Val {
    Val::Num(b as i64)
}

fn text(b: &[u8]) -> Val {
    Val::Str(String::from_utf8_lossy(b).into_owned())
}

/// The values of field `name` in a decoded packet (several for a SUBSCRIBE's filters).
pub fn values(p: &Packet, name: &str) -> Vec<Val> {
    let one = |v: Val| vec![v];
    match (p, name) {
        (Packet::Connect(c), n) => match n {
            "protocol_name" => one(Val::Str(c.protocol.name().to_string())),
            "level" => one(Val::Num(c.protocol.level() as i64)),
            "client_id" => one(Val::Str(c.client_id.clone())),
            "clean_session" => one(num(c.clean_session)),
            "keepalive" => one(Val::Num(c.keep_alive as i64)),
            "will" => one(num(c.will.is_some())),
            "will_qos" => one(Val::Num(c.will.as_ref().map_or(0, |w| w.qos.as_u8() as i64))),
            "will_retain" => one(num(c.will.as_ref().is_some_and(|w| w.retain))),
            "will_topic" => one(Val::Str(c.will.as_ref().map(|w| w.topic.clone()).unwrap_or_default())),
            "will_msg" => one(c.will.as_ref().map_or(Val::Str(String::new()), |w| text(&w.message))),
            "username" => one(Val::Str(c.username.clone().unwrap_or_default())),
            "password" => one(c.password.as_ref().map_or(Val::Str(String::new()), |p| text(p))),
            _ => Vec::new(),
        },
        (Packet::ConnAck(a), "session_present") => one(num(a.session_present)),
        (Packet::ConnAck(a), "code") => one(Val::Num(a.code as i64)),
        (Packet::Publish(x), n) => match n {
            "topic" => one(Val::Str(x.topic.to_string())),
            "payload" => one(text(&x.payload)),
            "qos" => one(Val::Num(x.qos().as_u8() as i64)),
            "retain" => one(num(x.retain)),
            "dup" => one(num(x.dup)),
            "packet_id" => x.qos_pid.pid().map(|p| Val::Num(p.get() as i64)).into_iter().collect(),
            _ => Vec::new(),
        },
        (Packet::Subscribe(s), "filter") => s.filters.iter().map(|(f, _)| Val::Str(f.clone())).collect(),
        (Packet::Subscribe(s), "qos") => s.filters.iter().map(|(_, q)| Val::Num(q.as_u8() as i64)).collect(),
        (Packet::SubAck(s), "code") => s.codes.iter().map(|c| Val::Num(c.as_u8() as i64)).collect(),
        (Packet::Unsubscribe(u), "filter") => u.filters.iter().map(|f| Val::Str(f.clone())).collect(),
        (p, "packet_id") => p.packet_id().map(|i| Val::Num(i.get() as i64)).into_iter().collect(),
        _ => Vec::new(),
    }
}

impl Cond {
    /// Whether one value satisfies the condition.
    fn holds_for(&self, v: &Val) -> bool {
        let want_num = self.value.parse::<i64>().ok();
        match (v, want_num) {
            (Val::Num(n), Some(w)) => match self.op {
                Op::Eq => *n == w,
                Op::Ne => *n != w,
                Op::Lt => *n < w,
                Op::Le => *n <= w,
                Op::Gt => *n > w,
                Op::Ge => *n >= w,
                Op::Contains => n.to_string().contains(&self.value),
            },
            (v, _) => {
                let s = match v {
                    Val::Num(n) => n.to_string(),
                    Val::Str(s) => s.clone(),
                };
                match self.op {
                    Op::Eq => s == self.value,
                    Op::Ne => s != self.value,
                    Op::Contains => s.contains(&self.value),
                    Op::Lt => s < self.value,
                    Op::Le => s <= self.value,
                    Op::Gt => s > self.value,
                    Op::Ge => s >= self.value,
                }
            }
        }
    }

    /// Whether the frame satisfies the condition (any value of a multi-valued field).
    pub fn holds(&self, f: &Frame) -> bool {
        let vs = frame_values(f, &self.name);
        if self.op == Op::Ne {
            return !vs.is_empty() && vs.iter().all(|v| self.holds_for(v));
        }
        vs.iter().any(|v| self.holds_for(v))
    }

    /// What differs, for a hint: "CONNECT 的 清除会话标志 是 1，这一步要的是 == 0".
    pub fn miss(&self, f: &Frame) -> Text {
        let kind = f.packet.packet_type();
        let got: Vec<String> = frame_values(f, &self.name).iter().map(|v| v.to_string()).collect();
        let got = if got.is_empty() { "—".to_string() } else { got.join(", ") };
        let label = |lang: Lang| field_of(kind, &self.name).map_or(self.name.clone(), |f| f.label(lang).to_string());
        // Text is quoted, as the field's own value is ("" stays visible).
        let value = if self.value.parse::<i64>().is_ok() { self.value.clone() } else { format!("{:?}", self.value) };
        let want = format!("{} {value}", self.op.symbol());
        Text::new(
            format!("{} 的{}是 {got}，这一步要的是 {want}", kind.name(), label(Lang::Zh)),
            format!("{} {} was {got}; the step wants {want}", kind.name(), label(Lang::En)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{Connect, Publish, QoS, QosPid};

    #[test]
    fn conditions_parse_and_say_what_is_wrong_with_a_bad_one() {
        let c: Cond = "clean_session == 0".parse().unwrap();
        assert_eq!(c, Cond { name: "clean_session".into(), op: Op::Eq, value: "0".into() });
        let c: Cond = "topic == \"car/speed\"".parse().unwrap();
        assert_eq!(c.value, "car/speed");
        assert_eq!("payload contains on".parse::<Cond>().unwrap().op, Op::Contains);
        for bad in ["qos = 1", "qos", "QoS == 1", "== 1"] {
            let e = bad.parse::<Cond>().unwrap_err();
            assert!(e.contains("NAME OP VALUE"), "{bad}: {e}");
        }
    }

    #[test]
    fn conditions_judge_decoded_fields_and_name_the_field_in_hints() {
        let mut c = Connect::new("car");
        c.clean_session = true;
        let p = Frame::v3(Packet::Connect(Box::new(c)));
        let want: Cond = "clean_session == 0".parse().unwrap();
        assert!(!want.holds(&p));
        assert!("keepalive >= 60".parse::<Cond>().unwrap().holds(&p));
        let m = want.miss(&p);
        let label = field::CONNECT_FLAG_CLEAN.name;
        assert_eq!(m.en, format!("CONNECT {} was 1; the step wants == 0", label.en));
        assert_eq!(m.zh, format!("CONNECT 的{}是 1，这一步要的是 == 0", label.zh));
        let mut x = Publish::new("car/speed", "60");
        x.qos_pid = QosPid::AtLeastOnce(crate::proto::PacketId::new(3).unwrap());
        let p = Frame::v3(Packet::Publish(x));
        assert!("qos == 1".parse::<Cond>().unwrap().holds(&p));
        assert!("topic == car/speed".parse::<Cond>().unwrap().holds(&p));
        assert!("payload contains 6".parse::<Cond>().unwrap().holds(&p));
        assert!(!"qos == 2".parse::<Cond>().unwrap().holds(&p));
        let _ = QoS::AtMostOnce;
        for kind in (1..=14).filter_map(PacketType::from_u8) {
            for (name, key) in names(kind) {
                assert!(field::by_key(key).is_some(), "{name}: no field {key}");
            }
        }
    }

    #[test]
    fn conditions_read_5_0_properties_and_reason_codes() {
        let mut x = v5::Publish::new("", "60");
        x.properties.topic_alias = std::num::NonZeroU16::new(3);
        x.properties.message_expiry_interval = Some(9);
        x.properties.user_properties.push(("unit".into(), "kmh".into()));
        let f = Frame::v5(P5::Publish(x)).expect("a PUBLISH has a 3.1.1 form");
        for yes in ["topic_alias == 3", "message_expiry <= 10", "user_property == unit=kmh", "payload == 60"] {
            assert!(yes.parse::<Cond>().unwrap().holds(&f), "{yes}");
        }
        assert!(!"topic_alias == 2".parse::<Cond>().unwrap().holds(&f));
        let ack = v5::Ack {
            reason: crate::proto::ReasonCode::NoMatchingSubscribers,
            ..v5::Ack::new(crate::proto::PacketId::new(1).unwrap())
        };
        let f = Frame::v5(P5::PubAck(ack)).unwrap();
        assert!("reason == 16".parse::<Cond>().unwrap().holds(&f));
        let miss = "reason == 0".parse::<Cond>().unwrap().miss(&f);
        assert!(miss.en.contains("was 16"), "{}", miss.en);
        assert!(Frame::v5(P5::Auth(v5::Auth::new(crate::proto::ReasonCode::Success))).is_none());
    }
}

//! Conditions on a frame's fields, as a lesson writes them: `clean_session == 0`, `qos >= 1`,
//! `topic == car/speed`, `payload contains on`. A name is the last part of a field key of the
//! inspector's registry (`mqtt.connect.flags.clean_session` → `clean_session`), so a hint can name
//! the field in the learner's language. Multi-valued fields (a SUBSCRIBE's filters, a SUBACK's
//! codes) hold when any value does.

use crate::i18n::{Lang, Text};
use crate::proto::{Packet, PacketType, field};
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
        ],
        ConnAck => &[("session_present", "mqtt.connack.flags.session_present"), ("code", "mqtt.connack.code")],
        Publish => &[
            ("topic", "mqtt.publish.topic"),
            ("payload", "mqtt.publish.payload"),
            ("qos", "mqtt.hdr.qos"),
            ("retain", "mqtt.hdr.retain"),
            ("dup", "mqtt.hdr.dup"),
            ("packet_id", "mqtt.publish.packet_id"),
        ],
        PubAck => &[("packet_id", "mqtt.puback.packet_id")],
        PubRec => &[("packet_id", "mqtt.pubrec.packet_id")],
        PubRel => &[("packet_id", "mqtt.pubrel.packet_id")],
        PubComp => &[("packet_id", "mqtt.pubcomp.packet_id")],
        Subscribe => &[
            ("packet_id", "mqtt.subscribe.packet_id"),
            ("filter", "mqtt.subscribe.filter"),
            ("qos", "mqtt.subscribe.qos"),
        ],
        SubAck => &[("packet_id", "mqtt.suback.packet_id"), ("code", "mqtt.suback.code")],
        Unsubscribe => &[("packet_id", "mqtt.unsubscribe.packet_id"), ("filter", "mqtt.unsubscribe.filter")],
        UnsubAck => &[("packet_id", "mqtt.unsuback.packet_id")],
        PingReq | PingResp | Disconnect => &[],
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

    /// Whether the packet satisfies the condition (any value of a multi-valued field).
    pub fn holds(&self, p: &Packet) -> bool {
        let vs = values(p, &self.name);
        if self.op == Op::Ne {
            return !vs.is_empty() && vs.iter().all(|v| self.holds_for(v));
        }
        vs.iter().any(|v| self.holds_for(v))
    }

    /// What differs, for a hint: "CONNECT 的 清除会话标志 是 1，这一步要的是 == 0".
    pub fn miss(&self, p: &Packet) -> Text {
        let kind = p.packet_type();
        let got: Vec<String> = values(p, &self.name).iter().map(|v| v.to_string()).collect();
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
        let p = Packet::Connect(Box::new(c));
        let want: Cond = "clean_session == 0".parse().unwrap();
        assert!(!want.holds(&p));
        assert!("keepalive >= 60".parse::<Cond>().unwrap().holds(&p));
        let m = want.miss(&p);
        let label = field::CONNECT_FLAG_CLEAN.name;
        assert_eq!(m.en, format!("CONNECT {} was 1; the step wants == 0", label.en));
        assert_eq!(m.zh, format!("CONNECT 的{}是 1，这一步要的是 == 0", label.zh));
        let mut x = Publish::new("car/speed", "60");
        x.qos_pid = QosPid::AtLeastOnce(crate::proto::PacketId::new(3).unwrap());
        let p = Packet::Publish(x);
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
}

//! The lesson file format, as serde reads it (unknown keys refused). A lesson has a cast (the
//! clients on stage, as `new` arguments), an optional setup, and steps. A step says something in
//! both languages, may act (`do`: command lines the lab runs), and waits for an expectation over
//! the world's events or a quiz answer; every waiting step carries the `solution` that satisfies
//! it, so that `lessons check` can run the lesson headless. `docs/lessons.md` is the reference.

use super::cond::Cond;
use crate::i18n::{Lang, Text};
use serde::Deserialize;
use serde_saphyr::Spanned;

/// The version of the format this lab reads.
pub const FORMAT_VERSION: u32 = 1;

/// The course's three parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// 基础篇: chapters 1-1 … 1-9.
    Basics,
    /// 进阶篇: chapters 2-1 … 2-9.
    Advanced,
    /// 应用篇: A-1 … A-6.
    Applications,
    /// Lessons beyond the tutorial (a teacher's own, MQTT 5).
    Extra,
}

impl Part {
    pub const ALL: [Part; 4] = [Part::Basics, Part::Advanced, Part::Applications, Part::Extra];

    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            Part::Basics => lang.pick("基础篇", "Basics"),
            Part::Advanced => lang.pick("进阶篇", "Advanced"),
            Part::Applications => lang.pick("应用篇", "Applications"),
            Part::Extra => lang.pick("更多", "More"),
        }
    }
}

/// A text in both languages as written in a lesson: `{ zh: …, en: … }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Words {
    pub zh: String,
    pub en: String,
}

impl Words {
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
    pub fn text(&self) -> Text {
        Text::new(self.zh.clone(), self.en.clone())
    }
}

/// One lesson file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub format_version: Spanned<u32>,
    /// The chapter: `1-2`, `2-1`, `A-5`, or a teacher's own id.
    pub id: Spanned<String>,
    pub part: Part,
    pub title: Words,
    /// What the learner will be able to do afterwards, in a sentence.
    #[serde(default)]
    pub goal: Option<Words>,
    #[serde(default)]
    pub broker: BrokerSetup,
    /// The clients on stage, each as the arguments of `new`: `car`, `phone --clean false`,
    /// `esp --pubsubclient --id esp8266-5C:CF:7F:12:34:56`. Connected when the lesson opens.
    #[serde(default)]
    pub cast: Vec<Spanned<String>>,
    /// Command lines run once the cast is connected, before the first step (not shown as steps).
    #[serde(default)]
    pub setup: Vec<Spanned<String>>,
    /// The IoT console's widgets (applications part).
    #[serde(default)]
    pub console: Vec<Spanned<Widget>>,
    pub steps: Vec<Spanned<Step>>,
}

/// The broker the lesson needs (a fresh one opens with every lesson).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerSetup {
    /// `user:password` lines: with any, clients must log in.
    #[serde(default)]
    pub users: Vec<Spanned<String>>,
    /// An ACL in mosquitto's format.
    #[serde(default)]
    pub acl: Option<Spanned<String>>,
    /// Clients connected at once (the next gets CONNACK 3).
    #[serde(default)]
    pub max_connections: Option<usize>,
    /// Messages kept per offline session.
    #[serde(default)]
    pub max_queued: Option<usize>,
}

/// One step.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What the lab says: the explanation and the task.
    pub say: Words,
    /// Command lines the lab runs when the step begins.
    #[serde(default, rename = "do")]
    pub actions: Vec<Spanned<String>>,
    /// What must happen for the step to be done.
    #[serde(default)]
    pub expect: Option<Spanned<Expect>>,
    /// A question answered in the lesson pane (`answer N`).
    #[serde(default)]
    pub quiz: Option<Quiz>,
    /// Shown one by one on request (F1 in the lesson pane, or `hint`).
    #[serde(default)]
    pub hints: Vec<Words>,
    /// Field keys the inspector lights up for this step (`mqtt.connect.flags.clean_session`).
    #[serde(default)]
    pub highlight: Vec<Spanned<String>>,
    /// What satisfies the step: command lines, `wait SECONDS`, `answer N`.
    #[serde(default)]
    pub solution: Vec<Spanned<String>>,
    /// Said when the step is done: what the learner just saw.
    #[serde(default)]
    pub done: Option<Words>,
}

/// A multiple-choice question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quiz {
    pub choices: Vec<Words>,
    /// The right choice, counted from 1.
    pub answer: Spanned<usize>,
    /// Why that is the answer (shown after any answer).
    pub explain: Words,
}

/// Who sent or got a frame: `broker` or a client's name on stage.
pub type Party = String;

/// What must happen. Names are the clients' names on stage.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Expect {
    /// A frame on the wire that reached its receiver (not held, dropped or cut).
    Frame(FrameExpect),
    /// A message a client received.
    Receives(ReceiveExpect),
    /// A client's subscriptions deliver these topics and not those: judged by the broker's routing,
    /// so every equivalent filter passes.
    Subscribed(SubscribedExpect),
    /// A decision of the broker.
    Broker(BrokerExpect),
    /// A client's own account.
    Client(ClientExpect),
    /// A line on a board's serial port.
    Serial(SerialExpect),
    /// Every one, in any order.
    All(Vec<Expect>),
    /// Each one after the one before.
    Sequence(Vec<Expect>),
    /// Any one of them.
    Any(Vec<Expect>),
    /// `of` does not happen for `for` seconds.
    None(NoneExpect),
    /// This many seconds pass.
    Wait(f64),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameExpect {
    /// CONNECT, CONNACK, PUBLISH, …
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    #[serde(default)]
    pub from: Option<Spanned<Party>>,
    #[serde(default)]
    pub to: Option<Spanned<Party>>,
    /// Conditions on its fields: `clean_session == 0`, `qos >= 1`, `topic == car/speed`.
    #[serde(default, rename = "where")]
    pub conds: Vec<Spanned<Cond>>,
    /// At least this many such frames (default 1).
    #[serde(default)]
    pub count: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiveExpect {
    pub client: Spanned<String>,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub payload: Option<String>,
    #[serde(default)]
    pub qos: Option<u8>,
    #[serde(default)]
    pub retain: Option<bool>,
    #[serde(default)]
    pub dup: Option<bool>,
    #[serde(default)]
    pub count: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscribedExpect {
    pub client: Spanned<String>,
    /// Topics a publish to which must reach the client.
    pub topics: Vec<String>,
    /// Topics a publish to which must not.
    #[serde(default)]
    pub not: Vec<String>,
    /// The QoS every reaching subscription must at least be granted.
    #[serde(default)]
    pub qos: Option<u8>,
}

/// The broker decisions a step can wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokerKind {
    Connected,
    ConnectRefused,
    TakenOver,
    SessionResumed,
    SessionKept,
    SessionDiscarded,
    Disconnected,
    ConnectionLost,
    KeepaliveExpired,
    ProtocolError,
    WillPublished,
    WillDiscarded,
    Subscribed,
    SubscribeRefused,
    Unsubscribed,
    Routed,
    RetainedStored,
    RetainedCleared,
    PublishRefused,
    QueueFull,
    Resent,
    DuplicateQos2,
    /// 5.0: a topic alias was set (by the client, or by the broker towards it).
    AliasSet,
    /// 5.0: a message expired before it reached the client.
    MessageExpired,
    /// 5.0: a message of a shared subscription went to this client.
    SharedDelivered,
    /// 5.0: a disconnected session's expiry interval ran out.
    SessionExpired,
    /// 5.0: a will waits for its delay.
    WillDelayed,
    /// 5.0: the client came back within its will delay.
    WillCancelled,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerExpect {
    pub event: BrokerKind,
    /// The client it concerns (the publisher of a routed message).
    #[serde(default)]
    pub client: Option<Spanned<String>>,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub filter: Option<String>,
    /// CONNACK return code (connect_refused).
    #[serde(default)]
    pub code: Option<u8>,
    /// Session present (connected), clean session (connected).
    #[serde(default)]
    pub session_present: Option<bool>,
    #[serde(default)]
    pub clean: Option<bool>,
    /// Granted QoS (subscribed).
    #[serde(default)]
    pub granted: Option<u8>,
    /// Why a will was published: keepalive, connection_lost, protocol_error, taken_over.
    #[serde(default)]
    pub cause: Option<String>,
    /// A routed message reached at least this many subscribers.
    #[serde(default)]
    pub deliveries: Option<usize>,
    /// Resumed sessions: at least this many queued messages handed over.
    #[serde(default)]
    pub queued: Option<usize>,
}

/// The client events a step can wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    Connected,
    Refused,
    ConnectFailed,
    ConnectionLost,
    Disconnected,
    Message,
    /// A message the client threw away (PubSubClient's 256-byte buffer).
    Dropped,
    Ping,
    PingResponse,
    PingTimeout,
    Resent,
    DuplicateQos2,
    Subscribed,
    SessionDiscarded,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientExpect {
    pub name: Spanned<String>,
    pub event: ClientKind,
    #[serde(default)]
    pub code: Option<u8>,
    #[serde(default)]
    pub session_present: Option<bool>,
    #[serde(default)]
    pub topic: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SerialExpect {
    /// The board on stage whose port it is (default: any).
    #[serde(default)]
    pub board: Option<Spanned<String>>,
    /// Text the line contains.
    pub contains: String,
    /// At least this many such lines (default 1).
    #[serde(default)]
    pub count: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoneExpect {
    pub of: Box<Expect>,
    #[serde(rename = "for")]
    pub secs: f64,
}

/// A widget of the IoT console, bound to topics.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Widget {
    /// Publishes `on` / `off` payloads to `topic` (never retained: a retained command would be
    /// replayed to every board that connects).
    Switch(SwitchWidget),
    /// Shows the payload of a state topic as on/off.
    Lamp(TopicWidget),
    /// Shows a numeric payload with its unit.
    Gauge(TopicWidget),
    /// A line of a numeric payload over time.
    Chart(TopicWidget),
    /// Online / offline from a retained status topic (and the will that sets it).
    Presence(PresenceWidget),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchWidget {
    pub label: Words,
    pub topic: Spanned<String>,
    #[serde(default = "on")]
    pub on: String,
    #[serde(default = "off")]
    pub off: String,
    #[serde(default)]
    pub qos: u8,
    /// Refused with an explanation when true.
    #[serde(default)]
    pub retain: bool,
}

fn on() -> String {
    "on".into()
}
fn off() -> String {
    "off".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicWidget {
    pub label: Words,
    pub topic: Spanned<String>,
    #[serde(default)]
    pub unit: Option<String>,
    /// For a lamp: the payload that means on.
    #[serde(default = "on")]
    pub on: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresenceWidget {
    pub label: Words,
    pub topic: Spanned<String>,
    #[serde(default = "online")]
    pub online: String,
    #[serde(default = "offline")]
    pub offline: String,
}

fn online() -> String {
    "online".into()
}
fn offline() -> String {
    "offline".into()
}

//! What a virtual client can be told to do, as values: the command line produces them, lessons
//! declare them, the runtime and the in-memory world carry them out. Pure data.

use crate::proto::QoS;

/// How a client connects (the `connect` and `new` options).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectOpts {
    pub clean: Option<bool>,
    pub keep_alive: Option<u16>,
    pub will_topic: Option<String>,
    pub will_msg: Option<String>,
    pub will_qos: Option<QoS>,
    pub will_retain: bool,
    pub user: Option<String>,
    pub pass: Option<String>,
    pub client_id: Option<String>,
    /// MQTT 3.1 (`MQIsdp`, level 3) instead of 3.1.1.
    pub v31: bool,
    /// Behave like Arduino's PubSubClient (QoS 0 publishing, 256-byte buffer, keep alive 15 s).
    pub pubsubclient: bool,
    /// Put the client on stage without connecting it (`new` only).
    pub offline: bool,
    /// A virtual NodeMCU running this sketch (`new` only): it connects by itself.
    pub sketch: Option<String>,
    /// The board's MAC address (`new --sketch` only; default: one no board on stage has).
    pub mac: Option<String>,
    /// MQTT 5.0 instead of 3.1.1.
    pub v5: bool,
    /// 5.0: Session Expiry Interval, seconds.
    pub session_expiry: Option<u32>,
    /// 5.0: Receive Maximum.
    pub receive_max: Option<u16>,
    /// 5.0: Maximum Packet Size, bytes.
    pub max_packet: Option<u32>,
    /// 5.0: Topic Alias Maximum.
    pub alias_max: Option<u16>,
    /// 5.0: User Properties of the CONNECT, in order.
    pub user_props: Vec<(String, String)>,
    /// 5.0: the will's Will Delay Interval, seconds.
    pub will_delay: Option<u32>,
}

/// The MQTT 5.0 options of `pub` (all absent for a 3.1.1 PUBLISH).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PubOpts {
    /// `--expiry S`: Message Expiry Interval.
    pub expiry: Option<u32>,
    /// `--user-prop k=v`, repeatable.
    pub user_props: Vec<(String, String)>,
    /// `--response-topic T`.
    pub response_topic: Option<String>,
    /// `--correlation D`: Correlation Data (the text's bytes).
    pub correlation: Option<String>,
    /// `--content-type T`.
    pub content_type: Option<String>,
    /// `--alias`: use a topic alias.
    pub alias: bool,
}

impl PubOpts {
    /// The flags given, as typed (a 3.1.1 client refuses them by name).
    pub fn flags(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        if self.expiry.is_some() {
            f.push("--expiry");
        }
        if !self.user_props.is_empty() {
            f.push("--user-prop");
        }
        if self.response_topic.is_some() {
            f.push("--response-topic");
        }
        if self.correlation.is_some() {
            f.push("--correlation");
        }
        if self.content_type.is_some() {
            f.push("--content-type");
        }
        if self.alias {
            f.push("--alias");
        }
        f
    }
}

/// The MQTT 5.0 options of `sub`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubOpts {
    /// `--no-local`.
    pub no_local: bool,
    /// `--rap`: Retain As Published.
    pub rap: bool,
    /// `--rh 0|1|2`: Retain Handling.
    pub rh: Option<u8>,
    /// `--sub-id N`: Subscription Identifier.
    pub sub_id: Option<u32>,
}

impl SubOpts {
    /// The flags given, as typed.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        if self.no_local {
            f.push("--no-local");
        }
        if self.rap {
            f.push("--rap");
        }
        if self.rh.is_some() {
            f.push("--rh");
        }
        if self.sub_id.is_some() {
            f.push("--sub-id");
        }
        f
    }
}

/// The options of `disconnect` (MQTT 5.0 only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DisconnectOpts {
    /// `--with-will`: reason code 0x04, the broker publishes the will.
    pub with_will: bool,
    /// `--session-expiry N`: a new Session Expiry Interval.
    pub session_expiry: Option<u32>,
}

impl DisconnectOpts {
    /// The flags given, as typed.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        if self.with_will {
            f.push("--with-will");
        }
        if self.session_expiry.is_some() {
            f.push("--session-expiry");
        }
        f
    }
}

/// What a client is told to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientCmd {
    Connect(ConnectOpts),
    Disconnect(DisconnectOpts),
    Cut,
    Freeze,
    Thaw,
    Subscribe {
        filter: String,
        qos: QoS,
        v5: SubOpts,
    },
    Unsubscribe {
        filter: String,
    },
    Publish {
        topic: String,
        payload: String,
        qos: QoS,
        retain: bool,
        v5: PubOpts,
    },
    /// A board's reset button: the chip restarts and runs its sketch again.
    Reset,
    /// A board's power: off abandons its connection, on boots it.
    Power(bool),
}

/// What the lab is told to do: the app's effects, as the runtime and the in-memory world take them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabCmd {
    /// `id` numbers the command, so that what it did can be reported back ([`WorldEvent::CommandDone`](super::event::WorldEvent::CommandDone)).
    Client {
        id: u64,
        name: String,
        cmd: ClientCmd,
    },
    AddClient {
        name: String,
        opts: ConnectOpts,
    },
    RemoveClient {
        name: String,
    },
    Hold(bool),
    ReleaseNext,
    DropNext,
    CutHeld,
    /// A fresh broker (every connection closed, no sessions or retained messages) with these
    /// settings, and no client on stage: how a lesson opens.
    Reset(LabSetup),
}

/// What a lesson asks of the broker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabSetup {
    /// `user:password` lines; with any, clients must log in.
    pub users: Vec<String>,
    /// An ACL in mosquitto's format.
    pub acl: Option<String>,
    pub max_connections: Option<usize>,
    pub max_queued: Option<usize>,
}

impl LabSetup {
    /// The broker's configuration: `base` with this setup's settings.
    pub fn config(&self, base: &crate::broker::Config) -> crate::broker::Config {
        let mut c = base.clone();
        c.passwords = None;
        c.acl = None;
        if !self.users.is_empty() {
            c.passwords = crate::broker::auth::parse_passwords(&self.users.join("\n")).ok();
        }
        if let Some(a) = &self.acl {
            c.acl = crate::broker::auth::Acl::parse(a).ok();
        }
        if let Some(n) = self.max_connections {
            c.max_connections = n;
        }
        if let Some(n) = self.max_queued {
            c.max_queued = n;
        }
        c
    }
}

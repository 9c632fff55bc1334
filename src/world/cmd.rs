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
}

/// What a client is told to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientCmd {
    Connect(ConnectOpts),
    Disconnect,
    Cut,
    Freeze,
    Thaw,
    Subscribe {
        filter: String,
        qos: QoS,
    },
    Unsubscribe {
        filter: String,
    },
    Publish {
        topic: String,
        payload: String,
        qos: QoS,
        retain: bool,
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

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
}

/// What a client is told to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientCmd {
    Connect(ConnectOpts),
    Disconnect,
    Cut,
    Freeze,
    Thaw,
    Subscribe { filter: String, qos: QoS },
    Unsubscribe { filter: String },
    Publish { topic: String, payload: String, qos: QoS, retain: bool },
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
}

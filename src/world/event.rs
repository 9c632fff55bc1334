//! What a world (the runtime over sockets, or the in-memory one) reports as things happen: frames,
//! what became of them, the broker's decisions, the clients' own account, snapshots. The app turns
//! these into what the screen shows; the lessons judge them. Pure data.

use super::actor::Done;
use super::record::{Fate, TapFrame};
use super::view::{BrokerView, ClientView, Delivered, HeldView};
use crate::broker::Event;
use crate::client::ClientEvent;
use crate::i18n::Text;
use std::time::Duration;

/// One report of a world.
#[derive(Debug, Clone)]
pub enum WorldEvent {
    /// A frame crossed the wire (recorded where the broker sees it).
    Frame(TapFrame),
    /// This many frames were not recorded (the record could not keep up).
    Lost(u64),
    /// A virtual board's serial port is this pseudo-terminal.
    SerialPort {
        board: String,
        path: String,
    },
    /// A line a board's sketch printed on its serial port.
    Serial {
        board: String,
        at: Duration,
        line: String,
    },
    /// What became of frame `seq` at the gate.
    Fate {
        seq: u64,
        fate: Fate,
    },
    /// A decision of the broker, at `at` (since the world started).
    Broker {
        at: Duration,
        event: Event,
    },
    /// A virtual client's state, after any change.
    Client(ClientView),
    ClientRemoved(String),
    /// A message a virtual client received.
    Delivered(Delivered),
    /// A virtual client's own words, at `at` (since the world started).
    ClientNote {
        client: String,
        at: Duration,
        text: Text,
    },
    /// A decision or observation of a virtual client, at `at`.
    ClientEvent {
        client: String,
        at: Duration,
        event: ClientEvent,
    },
    /// What command `id` for `client` did at once (the answers that settle it come later as
    /// frames and events).
    CommandDone {
        id: u64,
        client: String,
        at: Duration,
        done: Done,
    },
    /// The broker's state for its pane.
    BrokerState(BrokerView),
    /// A [`crate::world::cmd::LabCmd::Reset`] is complete: no event of the world before it follows.
    ResetDone,
    /// Step mode and the frames held at the gate.
    Held {
        holding: bool,
        frames: Vec<HeldView>,
    },
}

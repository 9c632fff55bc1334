//! Everything that touches the operating system: the broker's listeners and connection tasks, the
//! wire tap and the gate, the tap file writer, and the serial ports of real (or virtual) boards.
//! Built on tokio; the pure layers below know nothing of it.

pub mod gate;
pub mod lab;
pub mod lan;
pub mod nodemcu;
pub mod pty;
pub mod serial;
pub mod server;
pub mod tap;
pub mod tapfile;

pub use gate::{CutMode, HeldFrame};
pub use server::{Server, ServerConfig, StartError};
pub use tap::{Dir, TapFrame, TapItem, TapReceiver};

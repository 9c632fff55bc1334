//! What the serial pane makes of a board's serial output, without touching a port: bytes cut into
//! lines ([`LineAssembler`]: any line ending, split UTF-8 joined, garbage from a wrong baud rate
//! survived), the baud rates a learner may pick ([`BAUDS`]), the USB-serial chip behind a VID:PID
//! ([`chip_name`]), the board's client id or MAC address in what the sketch prints ([`identity`],
//! [`IdentityTracker`]), and PubSubClient's `state()` codes explained in both languages
//! ([`explain_state`]).
//!
//! Pure: it builds on `i18n` and the client core (the names of its state codes). It must not depend on tokio, ratatui, crossterm, the runtime, the
//! app or the ui, and it reads no clock; the runtime's port task (`runtime::serial`) feeds it bytes.

pub mod chips;
pub mod identity;
pub mod lines;
pub mod state;

pub use chips::chip_name;
pub use identity::{Identity, IdentityTracker, identity};
pub use lines::LineAssembler;
pub use state::{StateContext, StateNote, explain_state, server_address};

/// The baud rates the pane offers: the Arduino habit (9600), the ESP8266 boot ROM (74880), the
/// ESP examples (115200) and the upload rates.
pub const BAUDS: &[u32] = &[9600, 19200, 38400, 57600, 74880, 115200, 230400, 460800, 921600];

/// The baud rate the tutorial's sketch uses (`Serial.begin(115200)`).
pub const DEFAULT_BAUD: u32 = 115_200;

/// The baud rate of the ESP8266 boot ROM's log (115200 × 26/40 MHz).
pub const BOOT_ROM_BAUD: u32 = 74_880;

#[cfg(test)]
mod tests;

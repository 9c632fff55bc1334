//! mqtt-lab: an MQTT classroom in one binary. See ARCHITECTURE.md for the layers.

pub mod bench;
pub mod broker;
pub mod i18n;
pub mod proto;
pub mod runtime;

//! mqtt-lab: an MQTT classroom in one binary. See ARCHITECTURE.md for the layers.

pub mod proto;

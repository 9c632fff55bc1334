//! mqtt-lab: an MQTT classroom in one binary. See ARCHITECTURE.md for the layers.

pub mod app;
pub mod bench;
pub mod broker;
pub mod cli_text;
pub mod client;
pub mod command;
pub mod fuzz;
pub mod headless;
pub mod i18n;
pub mod lesson;
pub mod proto;
pub mod runtime;
pub mod serial;
pub mod tui;
pub mod ui;
pub mod world;

//! The world the lab shows, as plain data and pure logic: the frame record (`record`), snapshots for
//! the panes (`view`), the commands a virtual client takes (`cmd`), and the reports of a world
//! (`event`); one virtual client independent of its transport (`actor`), and the in-memory world
//! that wires actors to the broker core without sockets, in virtual time (`sim`). The runtime fills these from real
//! sockets; the app and the lessons read them. It must not depend on tokio, a terminal, the app or
//! the runtime, and it reads no clock: time is passed in.

pub mod actor;
pub mod board;
pub mod cmd;
pub mod event;
pub mod record;
pub mod sim;
pub mod view;

/// The tutorial's cast: names on stage and their 中文 names.
pub const CAST: [(&str, &str); 3] = [("car", "汽车"), ("phone", "手机"), ("computer", "电脑")];

/// The 中文 name of a cast member.
pub fn cast_label(name: &str) -> Option<&'static str> {
    CAST.iter().find(|(n, _)| *n == name).map(|(_, zh)| *zh)
}

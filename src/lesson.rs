//! Lessons: the YAML format ([`model`]), loading and checking a file with errors that name the file,
//! line and column and show the offending line ([`load`]), the conditions on a frame's fields
//! ([`cond`]), and the step engine that judges what happens in a world ([`engine`]). Pure: text in,
//! values out; events in, effects out; time passed in. Knows the world's events and the command
//! language, nothing of the app, the screen or the sockets.

pub mod builtin;
pub mod cond;
pub mod engine;
pub mod load;
pub mod model;

pub use engine::{Out, Run, StepState};
pub use load::{LessonError, parse_lesson};
pub use model::{Expect, Lesson, Part, Step};

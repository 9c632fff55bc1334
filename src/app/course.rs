//! The course in the app: the lesson list with each lesson's progress, the lesson in progress (a
//! [`Run`] of the lesson engine), and the queue of command lines a lesson runs (its cast, its setup,
//! its steps' `do`) — one at a time, each connect waiting for its CONNACK before the next line, as a
//! learner would. Progress is plain data the runtime saves in the user's data directory.

use crate::lesson::{Lesson, Part, Run};
use crate::world::cmd::LabSetup;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// One lesson of the list.
#[derive(Debug, Clone)]
pub struct Entry {
    pub lesson: Arc<Lesson>,
    /// Where it came from (`lessons/1-2.yaml`, or a teacher's file).
    pub path: String,
}

impl Entry {
    pub fn id(&self) -> &str {
        &self.lesson.id.value
    }
    pub fn part(&self) -> Part {
        self.lesson.part
    }
}

/// What a learner has done in one lesson.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Steps done, counted from the start (the lesson resumes at the first one not done).
    pub done: usize,
    pub total: usize,
    pub finished: bool,
    /// Quizzes right at the first try, and quizzes answered (the best run).
    #[serde(default)]
    pub score: Option<(usize, usize)>,
}

/// Every lesson's record, by lesson id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub lessons: BTreeMap<String, Record>,
}

impl Progress {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
    /// Reads saved progress; anything unreadable starts afresh (the file is the lab's own).
    pub fn from_json(s: &str) -> Progress {
        serde_json::from_str(s).unwrap_or_default()
    }
}

/// A line waiting in the lesson's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queued {
    /// Put a cast member on stage: the arguments of `new`.
    Cast(String),
    /// A command line, as typed.
    Line(String),
}

/// What the lesson's queue waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wait {
    /// A connect's mark to settle (CONNACK, or a refusal).
    Mark(u64),
    /// A client to appear on stage.
    Client(String),
    /// A client to leave the stage.
    Gone(String),
    /// The world to confirm a reset (events of the clients before it are stale).
    Reset,
}

/// The course's state in the app.
#[derive(Debug, Default)]
pub struct Course {
    pub entries: Vec<Entry>,
    pub progress: Progress,
    /// The selected row of the lesson list.
    pub selected: usize,
    pub run: Option<Run>,
    /// Which entry the run is.
    pub current: Option<usize>,
    pub queue: VecDeque<Queued>,
    /// What the queue waits for before its next line.
    pub waiting: Option<Wait>,
    /// The newest hint asked for.
    pub hint: Option<crate::i18n::Text>,
    /// What the last finished step said when it was done.
    pub last_done: Option<crate::i18n::Text>,
    /// Field keys to light up in the inspector.
    pub highlight: Vec<String>,
    /// The run is setting its stage (cast, setup, the steps replayed on resume): it begins at
    /// this step once the queue is empty and the stage has been quiet for a moment since. What
    /// happens before does not count for any step.
    pub start: Option<Start>,
}

/// A run waiting for its stage.
#[derive(Debug, Clone, Copy)]
pub struct Start {
    pub step: usize,
    /// When the queue ran empty (the run begins [`SETTLE`] later).
    pub empty_at: Option<std::time::Duration>,
}

/// How long the stage settles after its last setup line (answers in flight arrive).
pub const SETTLE: std::time::Duration = std::time::Duration::from_millis(300);

impl Course {
    /// The entries of a part, with their index in `entries`.
    pub fn part(&self, p: Part) -> Vec<(usize, &Entry)> {
        self.entries.iter().enumerate().filter(|(_, e)| e.part() == p).collect()
    }

    /// The index of the lesson with this id.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.id() == id)
    }

    pub fn record(&self, id: &str) -> Option<&Record> {
        self.progress.lessons.get(id)
    }

    /// The broker a lesson needs.
    pub fn setup(lesson: &Lesson) -> LabSetup {
        let b = &lesson.broker;
        LabSetup {
            users: b.users.iter().map(|u| u.value.clone()).collect(),
            acl: b.acl.as_ref().map(|a| a.value.clone()),
            max_connections: b.max_connections,
            max_queued: b.max_queued,
        }
    }

    /// The list in display order: parts in order, lessons in file order within them.
    pub fn order(&self) -> Vec<usize> {
        Part::ALL.iter().flat_map(|p| self.part(*p).into_iter().map(|(i, _)| i)).collect()
    }
}

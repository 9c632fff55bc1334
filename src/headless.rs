//! The lab without a terminal or sockets: the app (with its command parser, marks and lesson
//! engine) over the in-memory world, in virtual time. `mqtt-lab lessons check` runs each lesson's
//! solutions here, as a learner would type them; tests drive whole sessions the same way. Pure:
//! no I/O, no clock (virtual time moves only when told).

use crate::app::course::Entry;
use crate::app::{Action, App, Effect, Msg};
use crate::broker;
use crate::i18n::{Lang, Text};
use crate::lesson::{Lesson, StepState};
use crate::world::event::WorldEvent;
use crate::world::sim::World;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The app over the in-memory world.
pub struct Headless {
    pub world: World,
    pub app: App,
}

/// How finely virtual time moves while waiting.
const TICK: Duration = Duration::from_millis(100);

impl Headless {
    /// An empty lab (no client on stage). `epoch` is any instant: virtual time counts from it.
    pub fn new(lang: Lang, epoch: Instant) -> Headless {
        let world = World::new(broker::Config { narrate_messages: true, ..broker::Config::default() }, epoch);
        Headless { world, app: App::new(lang, 20_000) }
    }

    /// Carries out effects and feeds back what the world reports, until nothing more happens.
    fn carry(&mut self, mut fx: Vec<Effect>) {
        let mut guard = 0;
        loop {
            for e in fx.drain(..) {
                if let Some(c) = e.lab_cmd() {
                    self.world.apply(c);
                }
            }
            let events = self.world.take_events();
            if events.is_empty() {
                break;
            }
            for e in events {
                fx.extend(self.app.update(Msg::World(e)));
            }
            fx.extend(self.app.update(Msg::World(WorldEvent::BrokerState(self.world.broker_view()))));
            guard += 1;
            assert!(guard < 100_000, "the lab does not come to rest");
        }
        let at = self.world.at();
        let more = self.app.update(Msg::Tick(at));
        if !more.is_empty() {
            self.carry(more);
        }
    }

    pub fn act(&mut self, a: Action) {
        let fx = self.app.update(Msg::Action(a));
        self.carry(fx);
    }

    /// Types a command line and presses Enter.
    pub fn type_line(&mut self, line: &str) {
        self.act(Action::Cancel);
        for c in line.chars() {
            let fx = self.app.update(Msg::Action(Action::Input(c)));
            self.carry(fx);
        }
        self.act(Action::Submit);
    }

    /// Lets `secs` of virtual time pass, in small steps (timers fire, lessons tick).
    pub fn wait(&mut self, secs: f64) {
        let mut left = Duration::from_secs_f64(secs.max(0.0));
        while !left.is_zero() {
            let d = left.min(TICK);
            self.world.advance(d);
            left -= d;
            self.carry(Vec::new());
        }
    }

    /// Puts these lessons in the app's list.
    pub fn load(&mut self, entries: Vec<Entry>) {
        self.app.course.entries = entries;
    }
}

/// What became of one step when its solution ran.
#[derive(Debug, Clone)]
pub struct StepCheck {
    pub index: usize,
    pub done: bool,
    /// Virtual seconds the step took.
    pub secs: f64,
    /// The engine's last "near, but", when it did not complete.
    pub miss: Option<Text>,
}

/// What `lessons check` found for one lesson.
#[derive(Debug, Clone)]
pub struct LessonCheck {
    pub id: String,
    /// How many steps the lesson has.
    pub total: usize,
    pub steps: Vec<StepCheck>,
    /// Virtual seconds for the whole lesson.
    pub secs: f64,
    /// When a step did not complete: the last lines of the narration (what the lab saw), in both languages.
    pub tail: Vec<Text>,
}

impl LessonCheck {
    pub fn passed(&self) -> bool {
        self.steps.len() == self.total && self.steps.iter().all(|s| s.done)
    }
}

/// How long a step may take after its solution before it counts as not completing (virtual).
const SETTLE: f64 = 20.0;

/// Runs a lesson headless: opens it, and for each step types its solution (`wait S` lets time
/// pass, `answer N` answers the quiz, a step that only explains is gone on from), then waits until
/// the step is done or [`SETTLE`] virtual seconds have passed. Stops at the first step that does not
/// complete.
pub fn check_lesson(lesson: Arc<Lesson>, path: &str, lang: Lang, epoch: Instant) -> LessonCheck {
    let mut h = Headless::new(lang, epoch);
    let id = lesson.id.value.clone();
    h.load(vec![Entry { lesson: lesson.clone(), path: path.to_string() }]);
    h.act(Action::OpenLesson(0));
    // The cast connects and the setup runs; then the first step begins.
    h.wait(0.5);
    let mut staged = 0.0;
    while h.app.course.start.is_some() && staged < SETTLE {
        h.wait(0.1);
        staged += 0.1;
    }
    let mut steps = Vec::new();
    let start = h.world.at();
    for (i, step) in lesson.steps.iter().enumerate() {
        let began = h.world.at();
        let at_step = |h: &Headless| h.app.course.run.as_ref().map_or(usize::MAX, |r| r.step);
        if at_step(&h) != i {
            let run = h.app.course.run.as_ref();
            if run.is_some_and(|r| r.step > i && matches!(r.states.get(i), Some(StepState::Done { .. }))) {
                // An earlier step's lines already completed this one.
                steps.push(StepCheck { index: i, done: true, secs: 0.0, miss: None });
                continue;
            }
            // The lesson is not at this step (it stopped earlier): nothing more to check.
            break;
        }
        let s = &step.value;
        if s.expect.is_none() && s.quiz.is_none() {
            h.type_line("go");
        }
        for line in &s.solution {
            let l = line.value.trim();
            if let Some(secs) = l.strip_prefix("wait ").and_then(|v| v.trim().parse::<f64>().ok()) {
                h.wait(secs);
            } else {
                h.type_line(l);
                h.wait(0.2);
            }
        }
        let mut waited = 0.0;
        while at_step(&h) == i && waited < SETTLE {
            h.wait(0.5);
            waited += 0.5;
        }
        let run = h.app.course.run.as_ref();
        let done = run.is_some_and(|r| matches!(r.states.get(i), Some(StepState::Done { .. })));
        let miss = run.and_then(|r| r.miss.clone());
        steps.push(StepCheck { index: i, done, secs: (h.world.at() - began).as_secs_f64(), miss });
        if !done {
            break;
        }
    }
    let passed = steps.iter().all(|s| s.done) && steps.len() == lesson.steps.len();
    let tail = if passed {
        Vec::new()
    } else {
        let n = h.app.narration.len();
        h.app
            .narration
            .iter()
            .skip(n.saturating_sub(12))
            .map(|(_, l)| Text::new(l.text(Lang::Zh), l.text(Lang::En)))
            .collect()
    };
    LessonCheck { id, total: lesson.steps.len(), steps, secs: (h.world.at() - start).as_secs_f64(), tail }
}

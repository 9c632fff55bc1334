//! The lab's model, in the Elm style: one [`App`], messages in ([`App::update`]), [`Effect`]s out for
//! the runtime to carry out. It owns what the panes show — clients, the broker's state, the frame
//! ring, narration, held frames, the command line — and no I/O: no tokio, no terminal.

pub use crate::command;
pub mod course;
pub mod inspector;
pub mod marks;
pub mod serial;

use crate::broker::{ConnId, Event};
use crate::client::ClientEvent;
use crate::i18n::{Lang, Text, zh_concat};
use crate::lesson;
use crate::proto::{ConnectReturnCode, PacketType, QoS};
use crate::world::cmd::LabCmd;
use crate::world::event::WorldEvent;
pub use crate::world::record::{Dir, Fate, TapFrame};
pub use crate::world::view::{BrokerView, ClientView, Delivered, HeldView, RetainedRow, SessionRow};
use command::{ClientCmd, Command, ConnectOpts, FilterCmd};
use inspector::{FrameRow, Inspector};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

/// A pane of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Clients,
    Broker,
    Inspector,
    Ladder,
    Narration,
    Chart,
    Command,
    Lesson,
    Console,
    Serial,
}

impl Pane {
    /// The panes Tab cycles through, in order.
    pub const CYCLE: [Pane; 10] = [
        Pane::Command,
        Pane::Lesson,
        Pane::Console,
        Pane::Serial,
        Pane::Clients,
        Pane::Broker,
        Pane::Inspector,
        Pane::Ladder,
        Pane::Narration,
        Pane::Chart,
    ];

    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            Pane::Clients => lang.pick("客户端", "Clients"),
            Pane::Broker => lang.pick("服务端", "Broker"),
            Pane::Inspector => lang.pick("报文检查器", "Inspector"),
            Pane::Ladder => lang.pick("时序图", "Ladder"),
            Pane::Narration => lang.pick("解说", "Narration"),
            Pane::Chart => lang.pick("数值曲线", "Payload chart"),
            Pane::Command => lang.pick("命令", "Command"),
            Pane::Lesson => lang.pick("课程", "Lesson"),
            Pane::Console => lang.pick("物联网控制台", "IoT console"),
            Pane::Serial => lang.pick("串口", "Serial"),
        }
    }
}

/// One line of the narration pane: a broker decision or a client's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Narration {
    Broker(Event),
    /// A virtual client's own account.
    Client {
        client: String,
        event: ClientEvent,
    },
    Note {
        client: String,
        text: Text,
    },
    /// What the gate did to a frame: `frame` is its type and summary; it went `dir` between the
    /// broker and `client`.
    Gate {
        fate: Fate,
        frame: Text,
        dir: Dir,
        client: String,
    },
}

impl Narration {
    /// Who speaks: the broker, a client, the gate, the lab.
    pub fn voice(&self, lang: Lang) -> String {
        match self {
            Narration::Broker(_) => lang.pick("服务端", "broker").to_string(),
            Narration::Client { client, .. } | Narration::Note { client, .. } => match client.as_str() {
                "lab" => lang.pick("实验室", "lab").to_string(),
                "lesson" => lang.pick("课程", "lesson").to_string(),
                "broker" => lang.pick("服务端", "broker").to_string(),
                c => c.to_string(),
            },
            Narration::Gate { .. } => lang.pick("网关", "gate").to_string(),
        }
    }

    /// What is said.
    pub fn body(&self, lang: Lang) -> String {
        match self {
            Narration::Broker(e) => e.text(lang),
            Narration::Client { event, .. } => event.text(lang),
            Narration::Note { text, .. } => text.get(lang).to_string(),
            Narration::Gate { fate, frame, dir, client } => {
                let broker = lang.pick("服务端", "the broker").to_string();
                let (from, to) = match dir {
                    Dir::In => (client.clone(), broker),
                    Dir::Out => (broker, client.clone()),
                };
                let frame = frame.get(lang);
                match (fate, lang) {
                    (Fate::Dropped, Lang::Zh) => {
                        zh_concat(&[&from, "发给", &to, "的", frame, "被丢弃，就像网络把它弄丢了，", &to, "没有收到"])
                    }
                    (Fate::Dropped, Lang::En) => {
                        format!(
                            "{frame} from {from} to {to} was dropped, as if the network lost it — {to} never got it"
                        )
                    }
                    (Fate::Cut, Lang::Zh) => {
                        zh_concat(&[&from, "发给", &to, "的", frame, "随断开的链路丢失了，", &to, "没有收到"])
                    }
                    (Fate::Cut, Lang::En) => {
                        format!("{frame} from {from} to {to} was lost with the cut link — {to} never got it")
                    }
                    (Fate::Held, Lang::Zh) => {
                        zh_concat(&["扣住了", &from, "发给", &to, "的", frame, "（F3 放行，F4 丢弃）"])
                    }
                    (Fate::Held, Lang::En) => format!("holding {frame} from {from} to {to} (F3 releases, F4 drops)"),
                    (Fate::Released, Lang::Zh) => zh_concat(&["放行", &from, "发给", &to, "的", frame]),
                    (Fate::Released, Lang::En) => format!("released {frame} from {from} to {to}"),
                }
            }
        }
    }

    /// The whole line: voice and words.
    pub fn text(&self, lang: Lang) -> String {
        let sep = if lang.is_zh() { "：" } else { ": " };
        format!("{}{sep}{}", self.voice(lang), self.body(lang))
    }
}

/// Everything the app can be told.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A report of the world (the runtime's or the in-memory one).
    World(WorldEvent),
    Action(Action),
    /// The runtime failed to carry out an effect.
    Error(Text),
    /// Time has got this far (since the world started): lessons that wait for time move on.
    Tick(Duration),
    /// The serial port reported this, at this time.
    Serial {
        at: Duration,
        msg: serial::SerialMsg,
    },
}

impl From<WorldEvent> for Msg {
    fn from(e: WorldEvent) -> Msg {
        Msg::World(e)
    }
}

impl From<Action> for Msg {
    fn from(a: Action) -> Msg {
        Msg::Action(a)
    }
}

/// What a key press means, independent of which key it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Quit,
    FocusNext,
    FocusPrev,
    Focus(Pane),
    ToggleZoom,
    ToggleHelp,
    ToggleLang,
    ToggleStep,
    ReleaseNext,
    DropNext,
    CutHeld,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    FieldPrev,
    FieldNext,
    /// Editing the command line.
    Input(char),
    Backspace,
    Delete,
    CursorLeft,
    CursorRight,
    CursorHome,
    CursorEnd,
    HistoryPrev,
    HistoryNext,
    Complete,
    Submit,
    Cancel,
    /// A payload from the composer for `name`.
    ComposeDone {
        send: bool,
        text: String,
    },
    /// A character typed while a pane other than the command line has focus: it goes to the
    /// command line, which takes the focus.
    TypeCommand(char),
    /// Scroll the help page by this many lines (`i32::MIN`/`MAX`: to the top/end).
    HelpScroll(i32),
    /// Between the lesson list and the lab.
    ToggleScreen,
    /// Open lesson `index` of the list (resuming where the learner left it).
    OpenLesson(usize),
    /// Open the lesson selected in the list.
    OpenSelected,
    /// The lesson's next hint.
    LessonHint,
    /// Go on from a lesson step that only explains.
    LessonGo,
    /// Answer the lesson's quiz with choice N (from 1).
    LessonAnswer(usize),
    /// Flip the console's switch N (from 1).
    ConsoleToggle(usize),
    /// The serial pane: filter the inspector and ladder to its board (or stop).
    SerialLink,
    /// The serial pane: reset the board.
    SerialReset,
    /// The serial pane: the next baud rate up (1) or down (-1).
    SerialBaud(i32),
}

/// What the runtime must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// `id` is the command's mark ([`marks::Marks`]), settled by what the world reports.
    Client {
        id: u64,
        name: String,
        cmd: ClientCmd,
    },
    AddClient {
        name: String,
        opts: ConnectOpts,
    },
    RemoveClient {
        name: String,
    },
    Hold(bool),
    ReleaseNext,
    DropNext,
    CutHeld,
    /// A fresh broker with this setup and no client on stage (a lesson opens).
    Reset(crate::world::cmd::LabSetup),
    /// Save the learner's progress (JSON) in their data directory.
    SaveProgress(String),
    /// Attach the serial pane to this port (closing the one it had).
    SerialOpen {
        path: String,
        baud: u32,
    },
    SerialClose,
    SerialBaud(u32),
    SerialSend(Vec<u8>),
    /// Pulse RTS for about 100 ms with DTR off (esptool's hard reset).
    SerialReset,
    /// List the serial ports (answered with [`serial::SerialMsg::Ports`]).
    SerialList,
    Quit,
}

/// What fills the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The lesson list: the first screen.
    Lessons,
    /// The lab (with the lesson pane when a lesson is open).
    Lab,
}

impl Effect {
    /// The world's command for this effect (`None` for quitting, which is the terminal loop's own).
    pub fn lab_cmd(self) -> Option<LabCmd> {
        Some(match self {
            Effect::Client { id, name, cmd } => LabCmd::Client { id, name, cmd },
            Effect::AddClient { name, opts } => LabCmd::AddClient { name, opts },
            Effect::RemoveClient { name } => LabCmd::RemoveClient { name },
            Effect::Hold(on) => LabCmd::Hold(on),
            Effect::ReleaseNext => LabCmd::ReleaseNext,
            Effect::DropNext => LabCmd::DropNext,
            Effect::CutHeld => LabCmd::CutHeld,
            Effect::Reset(s) => LabCmd::Reset(s),
            Effect::Quit
            | Effect::SaveProgress(_)
            | Effect::SerialOpen { .. }
            | Effect::SerialClose
            | Effect::SerialBaud(_)
            | Effect::SerialSend(_)
            | Effect::SerialReset
            | Effect::SerialList => return None,
        })
    }
}

/// The command line: text, cursor, history, completion candidates and the last error.
#[derive(Debug, Clone, Default)]
pub struct CommandLine {
    pub text: String,
    /// Cursor position in characters.
    pub cursor: usize,
    pub history: Vec<String>,
    history_pos: Option<usize>,
    pub candidates: Vec<String>,
    pub error: Option<command::CmdError>,
    pub info: Option<String>,
}

impl CommandLine {
    fn byte_at(&self, chars: usize) -> usize {
        self.text.char_indices().nth(chars).map_or(self.text.len(), |(i, _)| i)
    }
    fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }
    fn set(&mut self, s: String) {
        self.cursor = s.chars().count();
        self.text = s;
    }
}

/// An open payload composer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composer {
    pub name: String,
    pub topic: String,
    pub qos: QoS,
    pub retain: bool,
}

/// The whole model.
#[derive(Debug)]
pub struct App {
    pub lang: Lang,
    /// The lesson list or the lab.
    pub screen: Screen,
    pub course: course::Course,
    /// The console's switches as last flipped.
    pub console_on: HashMap<usize, bool>,
    pub focus: Pane,
    pub zoom: Option<Pane>,
    pub help: bool,
    /// First line of the help page shown.
    pub help_scroll: usize,
    /// Ctrl-C was pressed once: the next Ctrl-C quits, any other key keeps the lab running.
    pub quit_armed: bool,
    pub clients: Vec<ClientView>,
    pub broker: BrokerView,
    pub inspector: Inspector,
    pub narration: VecDeque<(Duration, Narration)>,
    pub deliveries: VecDeque<Delivered>,
    pub holding: bool,
    pub held: Vec<HeldView>,
    pub cmd: CommandLine,
    /// The learner's commands and what became of them.
    pub marks: marks::Marks,
    pub composer: Option<Composer>,
    /// conn → client id, learned from the broker's events.
    pub conn_names: HashMap<ConnId, String>,
    /// conn → the protocol its CONNECT asked for; the inspector reads the connection's frames in
    /// it (3.1.1 for a connection whose CONNECT it did not see).
    pub conn_versions: HashMap<ConnId, crate::proto::Protocol>,
    /// Numeric payloads per topic: (seconds, value).
    pub series: BTreeMap<String, VecDeque<(f64, f64)>>,
    pub chart_topic: Option<String>,
    /// Scroll offset of the panes that scroll: rows from the bottom for the narration and the
    /// ladder (the newest is at the bottom), from the top for the clients and the broker.
    pub scroll: HashMap<Pane, usize>,
    pub quit: bool,
    /// When the broker listens on every interface: that it does, who may connect, where LAN devices
    /// reach it and the sketch line (see [`App::set_lan`]).
    pub lan: Vec<Text>,
    /// The sketch's lines among them, for the broker pane.
    pub lan_sketch: Vec<Text>,
    /// The newest time the app has seen (from frames and deliveries).
    pub now: Duration,
    pub serial: serial::Serial,
    /// The ports the last `serial list` found (`serial open N`).
    pub ports: Vec<String>,
}

const NARRATION_CAP: usize = 2000;
const SERIES_CAP: usize = 600;

impl App {
    pub fn new(lang: Lang, inspector_capacity: usize) -> App {
        App {
            lang,
            screen: Screen::Lab,
            course: course::Course::default(),
            console_on: HashMap::new(),
            focus: Pane::Command,
            zoom: None,
            help: false,
            help_scroll: 0,
            quit_armed: false,
            clients: Vec::new(),
            broker: BrokerView::default(),
            inspector: Inspector::with_capacity(inspector_capacity),
            narration: VecDeque::new(),
            deliveries: VecDeque::new(),
            holding: false,
            held: Vec::new(),
            cmd: CommandLine::default(),
            marks: marks::Marks::default(),
            composer: None,
            conn_names: HashMap::new(),
            conn_versions: HashMap::new(),
            series: BTreeMap::new(),
            chart_topic: None,
            scroll: HashMap::new(),
            quit: false,
            lan: Vec::new(),
            lan_sketch: Vec::new(),
            now: Duration::ZERO,
            serial: serial::Serial::new(),
            ports: Vec::new(),
        }
    }

    pub fn client_names(&self) -> Vec<String> {
        self.clients.iter().map(|c| c.name.clone()).collect()
    }

    /// The client name a frame belongs to.
    pub fn frame_client(&self, row: &FrameRow) -> Option<String> {
        client_of(&self.conn_names, row)
    }

    /// The protocol connection `conn` speaks, as its CONNECT said (3.1.1 when it was not seen).
    pub fn conn_version(&self, conn: ConnId) -> crate::proto::Protocol {
        self.conn_versions.get(&conn).copied().unwrap_or_default()
    }

    /// Every topic the lab has seen: for completion.
    pub fn known_topics(&self) -> Vec<String> {
        let mut t: Vec<String> = self.inspector.frames.iter().filter_map(|r| r.topic.clone()).collect();
        t.extend(self.broker.retained.iter().map(|r| r.topic.clone()));
        t.extend(self.broker.subscriptions.iter().map(|s| s.0.clone()));
        t.extend(["car/speed", "car/ac/temp", "汽车速度", "空调温度"].map(String::from));
        t.sort();
        t.dedup();
        t
    }

    /// Puts a line into the one timeline, in the order things happened (reports come on several
    /// channels and may arrive out of order; each carries the time it happened).
    fn narrate_at(&mut self, at: Duration, n: Narration) {
        let i = self.narration.iter().rposition(|(t, _)| *t <= at).map_or(0, |i| i + 1);
        self.narration.insert(i, (at, n));
        while self.narration.len() > NARRATION_CAP {
            self.narration.pop_front();
        }
    }

    fn narrate(&mut self, n: Narration) {
        self.narrate_at(self.now, n);
    }

    /// What listening on every interface means, said by the lab in the narration and kept for the
    /// `lan` command; the sketch's lines stay in the broker pane. Without notes nothing is said.
    pub fn set_lan(&mut self, notes: Vec<Text>, sketch: Vec<Text>) {
        self.lan = notes;
        self.lan_sketch = sketch;
        if !self.lan.is_empty() {
            self.say_lan();
        }
    }

    /// Says the LAN notes again (the `lan` command), or why there are none.
    fn say_lan(&mut self) {
        let notes = if !self.lan.is_empty() {
            self.lan.clone()
        } else if self.marks.external {
            vec![Text::new(
                "实验室用的是外部服务端：谁能从网络连上它，由那个服务端的设置决定",
                "the lab uses an external broker: its own settings decide who can reach it from the network",
            )]
        } else {
            vec![Text::new(
                "服务端只监听这台电脑（127.0.0.1）：要让网络里的设备（比如 ESP8266）连上，请用 mqtt-lab --lan 启动",
                "the broker listens on this computer only (127.0.0.1): start mqtt-lab --lan to let devices on the network (an ESP8266) in",
            )]
        };
        for text in notes {
            self.narrate(Narration::Note { client: "lab".into(), text });
        }
    }

    /// Applies one message and returns what the runtime must do.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut fx = match msg {
            Msg::World(WorldEvent::ResetDone) => {
                if matches!(self.course.waiting, Some(course::Wait::Reset)) {
                    self.course.waiting = None;
                }
                Vec::new()
            }
            // Until the world confirms a reset, what its old clients and broker still say is of
            // another story: a late event must not bring a vanished client back on stage.
            Msg::World(e)
                if matches!(self.course.waiting, Some(course::Wait::Reset))
                    && !matches!(e, WorldEvent::Held { .. } | WorldEvent::BrokerState(_)) =>
            {
                Vec::new()
            }
            Msg::World(WorldEvent::SerialPort { board, path }) => {
                if self.serial.pinned {
                    Vec::new()
                } else {
                    self.serial.board = Some(board);
                    self.serial.clear();
                    self.serial.state = serial::PortState::Opening;
                    self.serial.path = Some(path.clone());
                    let baud = self.serial.baud;
                    vec![Effect::SerialOpen { path, baud }]
                }
            }
            Msg::World(e) => {
                let outs = match self.course.run.as_mut() {
                    Some(run) => run.observe(&e),
                    None => Vec::new(),
                };
                self.world(e);
                self.lesson_outs(outs)
            }
            Msg::Serial { at, msg } => self.serial_msg(at, msg),
            Msg::Error(e) => {
                self.cmd.error = Some(e);
                Vec::new()
            }
            Msg::Tick(at) => {
                self.now = self.now.max(at);
                let outs = match self.course.run.as_mut() {
                    Some(run) => run.tick(at),
                    None => Vec::new(),
                };
                self.lesson_outs(outs)
            }
            Msg::Action(a) => self.act(a),
        };
        fx.extend(self.pump());
        fx
    }

    /// What the lesson engine asked for.
    fn lesson_outs(&mut self, outs: Vec<lesson::Out>) -> Vec<Effect> {
        use lesson::Out;
        let mut fx = Vec::new();
        if outs.is_empty() {
            return fx;
        }
        for o in outs {
            match o {
                Out::Run(line) => self.course.queue.push_back(course::Queued::Line(line)),
                Out::Miss(t) => self.narrate(Narration::Note { client: "lesson".into(), text: t }),
                Out::Answered { right } => {
                    let Some(run) = &self.course.run else { continue };
                    let Some(q) = run.lesson.steps.get(run.step).and_then(|s| s.value.quiz.as_ref()) else { continue };
                    let text = if right {
                        Text::new(format!("答对了。{}", q.explain.zh), format!("Right. {}", q.explain.en))
                    } else {
                        Text::new("不是这个，再想想（hint 看提示）", "Not that one; think again (hint for a hint)")
                    };
                    self.narrate(Narration::Note { client: "lesson".into(), text });
                }
                Out::Done { index } => {
                    // A new step is read from its top.
                    self.scroll.remove(&Pane::Lesson);
                    let Some(run) = &self.course.run else { continue };
                    let step = &run.lesson.steps[index].value;
                    let n = run.lesson.steps.len();
                    let said = step.done.as_ref().map(|d| d.text());
                    let text = match &said {
                        Some(d) => Text::new(
                            format!("✓ 第 {}/{n} 步完成：{}", index + 1, d.zh),
                            format!("✓ step {}/{n} done: {}", index + 1, d.en),
                        ),
                        None => Text::new(
                            format!("✓ 第 {}/{n} 步完成", index + 1),
                            format!("✓ step {}/{n} done", index + 1),
                        ),
                    };
                    let id = run.lesson.id.value.clone();
                    let score = run.score;
                    self.course.last_done = said;
                    self.course.hint = None;
                    self.narrate(Narration::Note { client: "lesson".into(), text });
                    let r = self.course.progress.lessons.entry(id).or_default();
                    r.done = r.done.max(index + 1);
                    r.total = n;
                    if score.1 > 0 {
                        r.score = Some(r.score.map_or(score, |s| if score.0 > s.0 { score } else { s }));
                    }
                    fx.push(Effect::SaveProgress(self.course.progress.to_json()));
                }
                Out::Finished => {
                    let Some(run) = &self.course.run else { continue };
                    let id = run.lesson.id.value.clone();
                    let title = run.lesson.title.text();
                    let r = self.course.progress.lessons.entry(id).or_default();
                    r.finished = true;
                    r.done = r.total.max(r.done);
                    self.narrate(Narration::Note {
                        client: "lesson".into(),
                        text: Text::new(
                            format!("🎉 课程《{}》完成！F9 回到课程列表", title.zh),
                            format!("🎉 Lesson \"{}\" complete! F9 for the lesson list", title.en),
                        ),
                    });
                    fx.push(Effect::SaveProgress(self.course.progress.to_json()));
                }
            }
        }
        self.course.highlight = self
            .course
            .run
            .as_ref()
            .and_then(|r| r.lesson.steps.get(r.step))
            .map(|s| s.value.highlight.iter().map(|h| h.value.clone()).collect())
            .unwrap_or_default();
        fx
    }

    /// Runs the lesson's queued lines, one at a time: after a connect, the next line waits for its
    /// CONNACK (or its refusal), as a learner would.
    fn pump(&mut self) -> Vec<Effect> {
        let mut fx = self.pump_queue();
        if !self.queue_blocked() {
            self.course.waiting = None;
        }
        // The stage is set: the run begins (its first step's own lines go in line after).
        if let Some(st) = self.course.start
            && self.course.queue.is_empty()
            && self.course.waiting.is_none()
        {
            match st.empty_at {
                None => self.course.start = Some(course::Start { empty_at: Some(self.now), ..st }),
                Some(t) if self.now >= t + course::SETTLE => {
                    self.course.start = None;
                    if let Some(run) = self.course.run.as_mut() {
                        let outs = run.start_at(st.step, self.now);
                        fx.extend(self.lesson_outs(outs));
                        fx.extend(self.pump_queue());
                    }
                }
                Some(_) => {}
            }
        }
        fx
    }

    /// Whether the queue's next line must wait (for a CONNACK, a client, the reset).
    fn queue_blocked(&self) -> bool {
        match &self.course.waiting {
            Some(course::Wait::Mark(id)) => self.marks.list.iter().any(|m| m.id == *id && m.state.is_pending()),
            Some(course::Wait::Client(name)) => !self.clients.iter().any(|c| &c.name == name),
            Some(course::Wait::Gone(name)) => self.clients.iter().any(|c| &c.name == name),
            Some(course::Wait::Reset) => true,
            None => false,
        }
    }

    fn pump_queue(&mut self) -> Vec<Effect> {
        let mut fx = Vec::new();
        if self.course.queue.is_empty() {
            return fx;
        }
        loop {
            if self.queue_blocked() {
                break;
            }
            self.course.waiting = None;
            let Some(q) = self.course.queue.pop_front() else { break };
            let line = match q {
                course::Queued::Cast(args) => format!("new {args}"),
                course::Queued::Line(l) => l,
            };
            match command::parse(&line, &self.client_names()) {
                Ok(c) => {
                    let wait = match &c {
                        Command::New { name, opts } if opts.offline || opts.sketch.is_some() => {
                            Some(course::Wait::Client(name.clone()))
                        }
                        Command::Remove { name } => Some(course::Wait::Gone(name.clone())),
                        Command::New { .. } | Command::Client { cmd: ClientCmd::Connect(_), .. } => None,
                        _ => None,
                    };
                    let connects = matches!(&c, Command::New { opts, .. } if !opts.offline && opts.sketch.is_none())
                        || matches!(&c, Command::Client { cmd: ClientCmd::Connect(_), .. });
                    fx.extend(self.run(c, &line));
                    self.course.waiting = wait
                        .or_else(|| connects.then(|| self.marks.newest().map(|m| course::Wait::Mark(m.id))).flatten());
                }
                Err(e) => self.narrate(Narration::Note {
                    client: "lesson".into(),
                    text: Text::new(format!("{line}：{}", e.zh), format!("{line}: {}", e.en)),
                }),
            }
        }
        fx
    }

    /// Opens lesson `i` of the list: a fresh broker, the cast, the setup, and its first step not done.
    pub fn open_lesson(&mut self, i: usize) -> Vec<Effect> {
        let Some(entry) = self.course.entries.get(i).cloned() else { return Vec::new() };
        let lesson = entry.lesson.clone();
        let mut fx = vec![Effect::Reset(course::Course::setup(&lesson))];
        // A virtual board's port goes with the old stage (a real board's stays).
        if self.serial.board.is_some() && !self.serial.pinned {
            self.serial = serial::Serial::new();
            fx.push(Effect::SerialClose);
        }
        self.clients.clear();
        // The frames of the broker before belong to another story.
        self.inspector.clear();
        self.held.clear();
        self.holding = false;
        self.deliveries.clear();
        self.series.clear();
        self.chart_topic = None;
        self.conn_names.clear();
        self.conn_versions.clear();
        self.marks.list.clear();
        self.course.queue.clear();
        self.course.waiting = Some(course::Wait::Reset);
        self.course.hint = None;
        self.course.last_done = None;
        for c in &lesson.cast {
            self.course.queue.push_back(course::Queued::Cast(c.value.clone()));
        }
        for l in &lesson.setup {
            self.course.queue.push_back(course::Queued::Line(l.value.clone()));
        }
        // A lesson left half way resumes at its first step not done: the earlier steps' actions and
        // solutions run again (their waits and answers aside), so the lab is as it was.
        let resume = match self.course.record(entry.id()) {
            Some(r) if !r.finished && r.done < lesson.steps.len() => r.done,
            _ => 0,
        };
        for s in &lesson.steps[..resume] {
            for l in s.value.actions.iter().chain(&s.value.solution) {
                let w = l.value.trim();
                if !(w.starts_with("wait ") || w.starts_with("answer ")) {
                    self.course.queue.push_back(course::Queued::Line(l.value.clone()));
                }
            }
        }
        let title = lesson.title.text();
        let id = lesson.id.value.clone();
        self.narrate(Narration::Note {
            client: "lesson".into(),
            text: if resume > 0 {
                Text::new(
                    format!("打开课程 {id}《{}》，从第 {} 步继续", title.zh, resume + 1),
                    format!("lesson {id} \"{}\" opened, resuming at step {}", title.en, resume + 1),
                )
            } else {
                Text::new(format!("打开课程 {id}《{}》", title.zh), format!("lesson {id} \"{}\" opened", title.en))
            },
        });
        let run = lesson::Run::new(lesson);
        self.course.start = Some(course::Start { step: resume, empty_at: None });
        self.course.run = Some(run);
        self.course.current = Some(i);
        self.screen = Screen::Lab;
        self.focus = Pane::Command;
        fx
    }

    /// The client on stage whose client id this is.
    fn name_of(&self, client_id: &str) -> Option<String> {
        self.clients.iter().find(|c| c.client_id == client_id).map(|c| c.name.clone())
    }

    fn world(&mut self, e: WorldEvent) {
        use WorldEvent as W;
        match e {
            W::Frame(f) => {
                self.now = self.now.max(f.at);
                // A connection speaks what its CONNECT asked for, in both directions.
                if f.dir == Dir::In
                    && let Some(v) = inspector::connect_version(&f.bytes)
                {
                    self.conn_versions.insert(f.conn, v);
                }
                let version = self.conn_version(f.conn);
                self.inspector.push(FrameRow::from_tap_v(&f, version));
            }
            W::Lost(n) => self.inspector.lost += n,
            W::ResetDone | W::SerialPort { .. } => {}
            W::Serial { at, line, .. } => {
                self.now = self.now.max(at);
                let on_lan = !self.lan.is_empty();
                if let Some(id) = self.serial.line(at, line, on_lan, 1883) {
                    self.serial_identity(at, id);
                }
            }
            W::Fate { seq, fate } => self.fate(seq, fate),
            W::Broker { at, event } => {
                self.now = self.now.max(at);
                match &event {
                    // A refused client is named by the client id it sent, like an accepted one.
                    Event::Connected { conn, client_id, .. } | Event::ConnectRefused { conn, client_id, .. }
                        if !client_id.is_empty() =>
                    {
                        self.conn_names.insert(*conn, client_id.clone());
                    }
                    _ => {}
                }
                if let Some(id) = event_client(&event)
                    && let Some(name) = self.name_of(id)
                {
                    self.marks.broker_event(&name, &event);
                }
                if let Event::Connected { client_id, .. } = &event {
                    self.board_joined(client_id);
                }
                self.narrate_at(at, Narration::Broker(event));
            }
            W::Client(v) => match self.clients.iter_mut().find(|c| c.name == v.name) {
                Some(c) => *c = v,
                None => {
                    self.clients.push(v);
                    // The tutorial's cast first, in its order; then others as they came.
                    let rank = |n: &str| ["car", "phone", "computer"].iter().position(|c| *c == n).unwrap_or(3);
                    self.clients.sort_by_key(|c| rank(&c.name));
                }
            },
            W::ClientRemoved(name) => {
                self.marks.client_removed(&name);
                // What a removed client received goes with it (a console that starts again knows
                // only what the broker tells it anew).
                self.deliveries.retain(|d| d.client != name);
                if name == "console" {
                    // Nor does it remember how its switches were last flipped.
                    self.console_on.clear();
                }
                self.clients.retain(|c| c.name != name);
            }
            W::Delivered(d) => {
                self.now = self.now.max(d.at);
                if let Ok(v) = d.payload.trim().parse::<f64>()
                    && v.is_finite()
                {
                    let s = self.series.entry(d.topic.clone()).or_default();
                    s.push_back((d.at.as_secs_f64(), v));
                    while s.len() > SERIES_CAP {
                        s.pop_front();
                    }
                    if self.chart_topic.is_none() {
                        self.chart_topic = Some(d.topic.clone());
                    }
                }
                self.deliveries.push_back(d);
                while self.deliveries.len() > 200 {
                    self.deliveries.pop_front();
                }
            }
            W::ClientNote { client, at, text } => self.narrate_at(at, Narration::Note { client, text }),
            W::ClientEvent { client, at, event } => {
                self.now = self.now.max(at);
                self.marks.client_event(&client, &event);
                if let ClientEvent::Refused {
                    code: code @ (ConnectReturnCode::BadUsernameOrPassword | ConnectReturnCode::NotAuthorized),
                } = &event
                {
                    let board = self.clients.iter().find(|c| c.name == client).and_then(|c| c.board.clone());
                    let text = match board {
                        Some(b) => board_login_hint(&client, b.sketch, *code),
                        None => login_hint(&client, *code),
                    };
                    self.narrate_at(at, Narration::Note { client: "lab".into(), text });
                }
                if self.client_says(&event) {
                    self.narrate_at(at, Narration::Client { client, event });
                }
            }
            W::CommandDone { id, at, done, .. } => {
                self.now = self.now.max(at);
                self.marks.done(id, &done);
            }
            W::BrokerState(b) => self.broker = b,
            W::Held { holding, frames } => {
                for h in &frames {
                    if h.dir == Dir::In
                        && let Some(c) = &h.client
                        && let Some(name) = self.name_of(c)
                    {
                        self.marks.frame_held(&name);
                    }
                }
                self.holding = holding;
                self.held = frames;
                self.marks.gate_holding(holding);
            }
        }
    }

    /// Whether a client's event belongs in the narration. With the built-in broker, what the broker
    /// already says (connected, subscribed, a delivery, a closed connection) is not said again by the
    /// client: one fact, one line.
    fn client_says(&self, e: &ClientEvent) -> bool {
        use ClientEvent::*;
        match e {
            KeepAlivePing { .. } | PingResponse { .. } | PubAcked { .. } | PubReceived { .. } | PubCompleted { .. } => {
                false
            }
            Connected { .. }
            | Refused { .. }
            | Subscribed { .. }
            | Unsubscribed { .. }
            | Disconnected
            | Message { .. }
            | ConnectionLost
            | Released { .. }
            | SessionDiscarded { .. } => self.marks.external,
            _ => true,
        }
    }

    /// What became of frame `seq` at the gate.
    fn fate(&mut self, seq: u64, fate: Fate) {
        self.inspector.set_fate(seq, fate);
        let Some(r) = self.inspector.row(seq) else { return };
        let who = client_of(&self.conn_names, r).unwrap_or_else(|| format!("#{}", r.conn));
        let name = self.name_of(&who);
        let (kind, pid, topic, dir, at) = (r.kind, r.pid, r.topic.clone(), r.dir, r.at);
        if let (Some(name), Dir::In, Fate::Dropped | Fate::Cut) = (&name, dir, fate) {
            self.marks.frame_lost(name, kind, pid, topic.as_deref(), fate == Fate::Cut);
        }
        // A frame that never arrives is said in the narration too; holding and releasing show in
        // the panes.
        let summary = |lang| inspector::frame_summary_v(&r.bytes, r.version, lang);
        let (fz, fe) = (summary(Lang::Zh), summary(Lang::En));
        let what = match fate {
            Fate::Held => None,
            Fate::Released => Some(Text::new(format!("放行了 {fz} #{seq}"), format!("released {fe} #{seq}"))),
            Fate::Dropped => Some(Text::new(format!("丢弃了 {fz} #{seq}"), format!("dropped {fe} #{seq}"))),
            Fate::Cut => {
                Some(Text::new(format!("切断了 {fz} #{seq} 所在的连接"), format!("cut the link of {fe} #{seq}")))
            }
        };
        if let Some(what) = what {
            self.marks.gate_acted(what);
        }
        if matches!(fate, Fate::Dropped | Fate::Cut) {
            let frame = Text::new(format!("{fz} #{seq}"), format!("{fe} #{seq}"));
            self.narrate_at(at, Narration::Gate { fate, frame, dir, client: who });
        }
    }

    fn act(&mut self, a: Action) -> Vec<Effect> {
        use Action::*;
        // Quitting by key asks once: the first Ctrl-C arms, the second quits, anything else disarms.
        let armed = std::mem::take(&mut self.quit_armed);
        match a {
            Quit if armed => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Quit => self.quit_armed = true,
            ToggleScreen => {
                self.screen = match self.screen {
                    Screen::Lessons => Screen::Lab,
                    Screen::Lab => {
                        let order = self.course.order();
                        if let Some(c) = self.course.current
                            && let Some(p) = order.iter().position(|i| *i == c)
                        {
                            self.course.selected = p;
                        }
                        Screen::Lessons
                    }
                };
            }
            OpenLesson(i) => return self.open_lesson(i),
            OpenSelected => {
                let order = self.course.order();
                if let Some(i) = order.get(self.course.selected).copied() {
                    return self.open_lesson(i);
                }
            }
            LessonHint => self.lesson_hint(),
            LessonAnswer(n) => {
                let line = format!("answer {n}");
                return self.run(Command::Answer(n), &line);
            }
            ConsoleToggle(n) => {
                let on = !self.console_on.get(&n).copied().unwrap_or(false);
                let line = format!("switch {n} {}", if on { "on" } else { "off" });
                self.cmd.info = Some(line.clone());
                return self.run(Command::Switch { n, on }, &line);
            }
            LessonGo => {
                let outs = self.course.run.as_mut().map(|r| r.go()).unwrap_or_default();
                return self.lesson_outs(outs);
            }
            SerialLink => self.serial_link(),
            SerialReset => return self.serial_reset(),
            SerialBaud(d) => {
                let rates = crate::serial::BAUDS;
                let i = rates.iter().position(|b| *b == self.serial.baud).unwrap_or(5) as i32;
                let j = (i + d).clamp(0, rates.len() as i32 - 1) as usize;
                return self.serial_cmd(command::SerialCmd::Baud(rates[j]));
            }
            Up | Down | PageUp | PageDown | Home | End if self.screen == Screen::Lessons => {
                let n = self.course.order().len();
                if n > 0 {
                    let s = self.course.selected as i64;
                    let to = match a {
                        Up => s - 1,
                        Down => s + 1,
                        PageUp => s - 10,
                        PageDown => s + 10,
                        Home => 0,
                        _ => n as i64 - 1,
                    };
                    self.course.selected = to.clamp(0, n as i64 - 1) as usize;
                }
            }
            TypeCommand(c) => {
                self.focus = Pane::Command;
                if self.zoom.is_some() {
                    self.zoom = None;
                }
                return self.act(Input(c));
            }
            HelpScroll(d) => {
                self.help_scroll = match d {
                    i32::MIN => 0,
                    i32::MAX => usize::MAX / 2,
                    d => (self.help_scroll as i64 + d as i64).max(0) as usize,
                };
            }
            FocusNext | FocusPrev => {
                let i = Pane::CYCLE.iter().position(|p| *p == self.focus).unwrap_or(0);
                let n = Pane::CYCLE.len();
                let mut j = if a == FocusNext { (i + 1) % n } else { (i + n - 1) % n };
                // The lesson pane is only there with a lesson open, the console with a console.
                let hidden = |p: Pane| match p {
                    Pane::Lesson => self.course.run.is_none(),
                    Pane::Console => !self.has_console(),
                    Pane::Serial => !self.serial.active(),
                    _ => false,
                };
                while hidden(Pane::CYCLE[j]) {
                    j = if a == FocusNext { (j + 1) % n } else { (j + n - 1) % n };
                }
                self.focus = Pane::CYCLE[j];
                if self.zoom.is_some() {
                    self.zoom = Some(self.focus);
                }
            }
            Focus(p) => self.focus = p,
            ToggleZoom => self.zoom = if self.zoom.is_some() { None } else { Some(self.focus) },
            ToggleHelp => {
                self.help = !self.help;
                self.help_scroll = 0;
            }
            ToggleLang => self.lang = if self.lang.is_zh() { Lang::En } else { Lang::Zh },
            ToggleStep => {
                let line = if self.holding { "step off" } else { "step on" };
                return self.gate(line, Effect::Hold(!self.holding));
            }
            ReleaseNext => return self.gate("next", Effect::ReleaseNext),
            DropNext => return self.gate("drop", Effect::DropNext),
            CutHeld => return self.gate("cutheld", Effect::CutHeld),
            Up | Down | PageUp | PageDown | Home | End => self.scroll_focus(&a),
            FieldPrev | FieldNext => {
                if a == FieldNext {
                    self.inspector.field += 1;
                } else {
                    self.inspector.field = self.inspector.field.saturating_sub(1);
                }
                let names = &self.conn_names;
                let name = |r: &FrameRow| client_of(names, r);
                let n = self.inspector.selected_row(&name).map_or(0, |r| r.spans().1.len());
                self.inspector.field = self.inspector.field.min(n.saturating_sub(1));
            }
            Input(c) => {
                if !(c == ':' && self.cmd.text.is_empty()) {
                    self.cmd.insert(c);
                }
                self.cmd.candidates.clear();
            }
            Backspace => {
                if self.cmd.cursor > 0 {
                    self.cmd.cursor -= 1;
                    let at = self.cmd.byte_at(self.cmd.cursor);
                    self.cmd.text.remove(at);
                }
            }
            Delete => {
                if self.cmd.cursor < self.cmd.text.chars().count() {
                    let at = self.cmd.byte_at(self.cmd.cursor);
                    self.cmd.text.remove(at);
                }
            }
            CursorLeft => self.cmd.cursor = self.cmd.cursor.saturating_sub(1),
            CursorRight => self.cmd.cursor = (self.cmd.cursor + 1).min(self.cmd.text.chars().count()),
            CursorHome => self.cmd.cursor = 0,
            CursorEnd => self.cmd.cursor = self.cmd.text.chars().count(),
            HistoryPrev | HistoryNext => {
                let h = &self.cmd.history;
                if h.is_empty() {
                    return Vec::new();
                }
                let pos = match (self.cmd.history_pos, &a) {
                    (None, HistoryPrev) => Some(h.len() - 1),
                    (None, _) => None,
                    (Some(0), HistoryPrev) => Some(0),
                    (Some(p), HistoryPrev) => Some(p - 1),
                    (Some(p), _) if p + 1 < h.len() => Some(p + 1),
                    (Some(_), _) => None,
                };
                self.cmd.history_pos = pos;
                let text = pos.map(|p| h[p].clone()).unwrap_or_default();
                self.cmd.set(text);
            }
            Complete => self.complete(),
            Cancel => {
                self.cmd.set(String::new());
                self.cmd.candidates.clear();
                self.cmd.error = None;
                self.help = false;
            }
            Submit => {
                let line = std::mem::take(&mut self.cmd.text);
                self.cmd.cursor = 0;
                self.cmd.history_pos = None;
                self.cmd.candidates.clear();
                if line.trim().is_empty() {
                    return Vec::new();
                }
                if self.cmd.history.last() != Some(&line) {
                    self.cmd.history.push(line.clone());
                }
                // On a quiz, a bare choice number answers it (as `answer N` and the digit keys do).
                let quiz = self
                    .course
                    .run
                    .as_ref()
                    .and_then(|r| r.lesson.steps.get(r.step))
                    .is_some_and(|s| s.value.quiz.is_some());
                let parsed = match line.trim().parse::<usize>() {
                    Ok(n) if quiz && n >= 1 => Ok(Command::Answer(n)),
                    _ => command::parse(&line, &self.client_names()),
                };
                match parsed {
                    Ok(c) => {
                        self.cmd.error = None;
                        self.cmd.info = Some(line.clone());
                        return self.run(c, &line);
                    }
                    Err(e) => {
                        self.cmd.error = Some(e);
                        self.cmd.set(line);
                    }
                }
            }
            ComposeDone { send, text } => {
                if let Some(c) = self.composer.take()
                    && send
                {
                    let line = format!("{} pub {} … -q {}", c.name, c.topic, c.qos.as_u8());
                    let cmd = ClientCmd::Publish {
                        topic: c.topic,
                        payload: text,
                        qos: c.qos,
                        retain: c.retain,
                        v5: Default::default(),
                    };
                    return vec![self.client_effect(c.name, cmd, &line)];
                }
            }
        }
        Vec::new()
    }

    fn complete(&mut self) {
        let cands = command::complete(&self.cmd.text, &self.client_names(), &self.known_topics());
        match cands.len() {
            0 => self.cmd.candidates.clear(),
            1 => {
                let words_done = if self.cmd.text.ends_with(' ') || self.cmd.text.is_empty() {
                    self.cmd.text.clone()
                } else {
                    match self.cmd.text.rfind(' ') {
                        Some(i) => self.cmd.text[..=i].to_string(),
                        None => String::new(),
                    }
                };
                let c = &cands[0];
                let c = if c.contains(' ') { format!("\"{c}\"") } else { c.clone() };
                self.cmd.set(format!("{words_done}{c} "));
                self.cmd.candidates.clear();
            }
            _ => {
                // Extend to the common prefix.
                let prefix = cands.iter().skip(1).fold(cands[0].clone(), |acc, c| {
                    acc.chars().zip(c.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect()
                });
                let start = if self.cmd.text.ends_with(' ') {
                    self.cmd.text.len()
                } else {
                    self.cmd.text.rfind(' ').map_or(0, |i| i + 1)
                };
                if prefix.len() > self.cmd.text.len() - start {
                    let t = format!("{}{prefix}", &self.cmd.text[..start]);
                    self.cmd.set(t);
                }
                self.cmd.candidates = cands;
            }
        }
    }

    fn scroll_focus(&mut self, a: &Action) {
        use Action::*;
        match self.focus {
            Pane::Inspector => {
                let names = &self.conn_names;
                let name = |r: &FrameRow| client_of(names, r);
                let ins = &mut self.inspector;
                match a {
                    Up => ins.move_selection(-1, &name),
                    Down => ins.move_selection(1, &name),
                    PageUp => ins.move_selection(-10, &name),
                    PageDown => ins.move_selection(10, &name),
                    Home => ins.move_selection(i64::MIN / 2, &name),
                    _ => {
                        ins.selected = None;
                        ins.field = 0;
                    }
                }
            }
            Pane::Chart => {
                let topics: Vec<&String> = self.series.keys().collect();
                if topics.is_empty() {
                    return;
                }
                let i = self.chart_topic.as_ref().and_then(|t| topics.iter().position(|x| *x == t)).unwrap_or(0);
                let j = match a {
                    Up | PageUp | Home => i.saturating_sub(1),
                    _ => (i + 1).min(topics.len() - 1),
                };
                self.chart_topic = Some(topics[j].clone());
            }
            // Read from the top: Down goes further down the list.
            Pane::Clients | Pane::Broker | Pane::Lesson => {
                let s = self.scroll.entry(self.focus).or_insert(0);
                *s = match a {
                    Up => s.saturating_sub(1),
                    Down => s.saturating_add(1),
                    PageUp => s.saturating_sub(10),
                    PageDown => s.saturating_add(10),
                    Home => 0,
                    _ => usize::MAX / 2,
                };
            }
            p => {
                let s = self.scroll.entry(p).or_insert(0);
                *s = match a {
                    Up => s.saturating_add(1),
                    Down => s.saturating_sub(1),
                    PageUp => s.saturating_add(10),
                    PageDown => s.saturating_sub(10),
                    Home => usize::MAX / 2,
                    _ => 0,
                };
            }
        }
    }

    /// A client that is not one of the lab's, with an ESP8266 client id, joined while a lesson has
    /// a virtual `esp` on stage: the real board plays `esp` from now on, and the virtual one leaves.
    fn board_joined(&mut self, client_id: &str) {
        if !client_id.starts_with("esp8266-") || self.clients.iter().any(|c| c.client_id == client_id) {
            return;
        }
        let Some(run) = self.course.run.as_mut() else { return };
        if !self.clients.iter().any(|c| c.name == "esp") {
            return;
        }
        run.alias("esp", client_id);
        self.course.queue.push_back(course::Queued::Line("rm esp".into()));
        self.narrate(Narration::Note {
            client: "lesson".into(),
            text: Text::new(
                format!("一块真正的开发板连上来了：{client_id}。这一课里由它来当 esp，虚拟的 esp 下台。"),
                format!(
                    "A real board joined: {client_id}. It plays esp in this lesson; the virtual esp leaves the stage."
                ),
            ),
        });
    }

    /// What the serial port reported.
    fn serial_msg(&mut self, at: Duration, msg: serial::SerialMsg) -> Vec<Effect> {
        use serial::{PortState, SerialMsg as S};
        self.now = self.now.max(at);
        match msg {
            S::Opened { path, baud } => {
                let again = matches!(self.serial.state, PortState::Closed { .. });
                let text = if again {
                    Text::new(format!("{path} 又接上了（{baud}）"), format!("{path} is back ({baud} baud)"))
                } else {
                    Text::new(format!("已打开 {path}，{baud} 波特"), format!("{path} open at {baud} baud"))
                };
                self.serial.opened(path, baud);
                self.serial.note(at, text);
                Vec::new()
            }
            S::Line(line) => {
                // A line is judged by the lesson like any other report of the world.
                let board = self.serial.board.clone().unwrap_or_else(|| "board".into());
                self.update(Msg::World(WorldEvent::Serial { board, at, line }))
            }
            S::Pending(p) => {
                self.serial.pending = Some(p);
                Vec::new()
            }
            S::Closed { why, will_retry } => {
                self.serial.pending = None;
                self.serial.note(at, why.clone());
                self.serial.state = PortState::Closed { why, will_retry };
                Vec::new()
            }
            S::Failed { why } => {
                // Tried again every 2 s: the same reason is said once.
                if self.serial.state != (PortState::Failed { why: why.clone() }) {
                    self.serial.note(at, why.clone());
                    self.serial.note(
                        at,
                        Text::new(
                            "每 2 秒再试一次（serial close 停止）",
                            "trying again every 2 s (serial close stops it)",
                        ),
                    );
                }
                self.serial.state = PortState::Failed { why };
                Vec::new()
            }
            S::Note(t) => {
                self.serial.note(at, t);
                Vec::new()
            }
            S::Ports(list) => {
                self.ports = list.iter().map(|l| l.split_whitespace().next().unwrap_or("").to_string()).collect();
                if list.is_empty() {
                    self.serial.note(
                        at,
                        Text::new(
                            "没有找到串口：请用数据线（不是只能充电的线）插上开发板；没有开发板就用虚拟的：new esp --sketch connect",
                            "no serial ports found: plug the board in with a data cable (not a charge-only one); without a board use the virtual one: new esp --sketch connect",
                        ),
                    );
                } else {
                    for (i, l) in list.iter().enumerate() {
                        self.serial.note(at, Text::new(format!("{}. {l}", i + 1), format!("{}. {l}", i + 1)));
                    }
                    self.serial
                        .note(at, Text::new("用 serial open 序号 [波特率] 打开一个", "serial open N [BAUD] opens one"));
                }
                Vec::new()
            }
        }
    }

    /// The board told who it is: link it to the client on stage (or the connection) with that id.
    fn serial_identity(&mut self, at: Duration, id: crate::serial::Identity) {
        use crate::serial::Identity;
        let found = match &id {
            Identity::ClientId(c) => self.linked_name(|x| x == c),
            Identity::Mac(m) => self.linked_name(|x| x.contains(m.as_str())),
        };
        let (what, printed) = match &id {
            Identity::ClientId(c) => (format!("ClientId {c}"), c.clone()),
            Identity::Mac(m) => (format!("MAC {m}"), m.clone()),
        };
        let text = match found {
            // The line itself is the id: no need to say it again.
            Some(name) if name == printed => Text::new(
                "这块板就是这个客户端：在串口窗格按 Enter 只看它的报文",
                "this board is that client: Enter in the serial pane shows only its frames",
            ),
            Some(name) => Text::new(
                format!("这块板就是客户端 {name}：在串口窗格按 Enter 只看它的报文"),
                format!("this board is client {name}: Enter in the serial pane shows only its frames"),
            ),
            None => Text::new(
                format!("开发板说了它的 {what}；它的 CONNECT 一到就能对上"),
                format!("the board told its {what}; it is matched once its CONNECT arrives"),
            ),
        };
        self.serial.annotate(at, text);
    }

    /// The inspector's name for a client whose client id passes `id`: a client on stage, or a
    /// connection the broker knows by that id.
    fn linked_name(&self, id: impl Fn(&str) -> bool) -> Option<String> {
        if let Some(c) = self.clients.iter().find(|c| id(&c.client_id)) {
            return Some(c.client_id.clone());
        }
        self.conn_names.values().find(|c| id(c)).cloned()
    }

    /// The client id the serial pane's board is, if the lab can tell.
    pub fn serial_client(&self) -> Option<String> {
        use crate::serial::Identity;
        match self.serial.identity.as_ref()? {
            Identity::ClientId(c) => self.linked_name(|x| x == c).or_else(|| Some(c.clone())),
            Identity::Mac(m) => self.linked_name(|x| x.contains(m.as_str())),
        }
    }

    /// Enter in the serial pane: the inspector and ladder show only the board's frames, or all again.
    fn serial_link(&mut self) {
        if self.serial.filtering {
            self.serial.filtering = false;
            self.inspector.filter.client = None;
            self.inspector.selected = None;
            return;
        }
        match self.serial_client() {
            Some(id) => {
                self.serial.filtering = true;
                self.inspector.filter.client = Some(id);
                self.inspector.selected = None;
            }
            None => {
                self.cmd.error = Some(Text::new(
                    "还不知道这块开发板是哪个客户端：它的串口输出里还没有客户端ID或 MAC 地址",
                    "the lab cannot tell yet which client this board is: its serial output has shown no client id or MAC address",
                ))
            }
        }
    }

    fn serial_cmd(&mut self, c: command::SerialCmd) -> Vec<Effect> {
        use command::SerialCmd as C;
        let none = || {
            Text::new(
                "串口窗格没有接任何串口：serial list 看有哪些，serial open 端口 打开",
                "the serial pane has no port: serial list shows the ports, serial open PORT opens one",
            )
        };
        match c {
            C::List => vec![Effect::SerialList],
            C::Open { port, baud } => {
                let path = match port.parse::<usize>() {
                    Ok(n) if n >= 1 && n <= self.ports.len() => self.ports[n - 1].clone(),
                    Ok(n) => {
                        self.cmd.error = Some(Text::new(
                            format!("没有第 {n} 个串口：先用 serial list 列出来"),
                            format!("there is no port {n}: list them first with serial list"),
                        ));
                        return Vec::new();
                    }
                    Err(_) => port,
                };
                let baud = baud.unwrap_or(self.serial.baud);
                self.serial.board = self.board_of(&path);
                self.serial.pinned = self.serial.board.is_none();
                self.serial.clear();
                self.serial.state = serial::PortState::Opening;
                self.serial.path = Some(path.clone());
                self.serial.baud = baud;
                vec![Effect::SerialOpen { path, baud }]
            }
            _ if self.serial.path.is_none() => {
                self.cmd.error = Some(none());
                Vec::new()
            }
            C::Close => {
                self.serial.path = None;
                self.serial.state = serial::PortState::Detached;
                self.serial.pinned = false;
                vec![Effect::SerialClose]
            }
            C::Baud(b) => {
                self.serial.baud = b;
                vec![Effect::SerialBaud(b)]
            }
            C::Send(text) => {
                let mut bytes = text.into_bytes();
                bytes.extend_from_slice(self.serial.ending.bytes());
                vec![Effect::SerialSend(bytes)]
            }
            C::Ending(e) => {
                self.serial.ending = serial::Ending::parse(&e).unwrap_or_default();
                Vec::new()
            }
            C::Reset => self.serial_reset(),
            C::Find(t) => {
                self.serial.search = t;
                Vec::new()
            }
            C::Link => {
                self.serial_link();
                Vec::new()
            }
        }
    }

    /// The virtual board on stage this port belongs to (none: a real port).
    fn board_of(&self, path: &str) -> Option<String> {
        self.serial.board.clone().filter(|_| self.serial.path.as_deref() == Some(path))
    }

    /// The reset key: a virtual board is reset directly (a pseudo-terminal has no RTS line); a
    /// real one by esptool's RTS pulse.
    fn serial_reset(&mut self) -> Vec<Effect> {
        match self.serial.board.clone() {
            Some(name) if self.clients.iter().any(|c| c.name == name) => {
                let id = self.marks.start(&name, &format!("{name} reset"), &ClientCmd::Reset, self.now);
                vec![Effect::Client { id, name, cmd: ClientCmd::Reset }]
            }
            _ => vec![Effect::SerialReset],
        }
    }

    /// Whether the open lesson has an IoT console.
    pub fn has_console(&self) -> bool {
        self.course.run.as_ref().is_some_and(|r| !r.lesson.console.is_empty())
    }

    /// The topics the lesson's console shows (lamps, gauges, charts, presence), in order, once each.
    pub fn console_topics(&self) -> Vec<String> {
        use crate::lesson::model::Widget;
        let mut v: Vec<String> = Vec::new();
        for w in self.course.run.iter().flat_map(|r| r.lesson.console.iter()) {
            let t = match &w.value {
                Widget::Switch(_) => continue,
                Widget::Lamp(t) | Widget::Gauge(t) | Widget::Chart(t) => &t.topic.value,
                Widget::Presence(p) => &p.topic.value,
            };
            if !v.contains(t) {
                v.push(t.clone());
            }
        }
        v
    }

    /// Flips the console's switch `n` (from 1): the console client publishes its payload — never
    /// retained, because a retained command would be replayed to every board that connects later.
    fn switch(&mut self, n: usize, on: bool, line: &str) -> Vec<Effect> {
        use crate::lesson::model::Widget;
        let sw = self
            .course
            .run
            .iter()
            .flat_map(|r| r.lesson.console.iter())
            .filter_map(|w| match &w.value {
                Widget::Switch(s) => Some(s.clone()),
                _ => None,
            })
            .nth(n.saturating_sub(1));
        let Some(sw) = sw else {
            self.cmd.error =
                Some(Text::new(format!("控制台没有第 {n} 个开关"), format!("the console has no switch {n}")));
            return Vec::new();
        };
        if !self.clients.iter().any(|c| c.name == "console") {
            self.cmd.error = Some(Text::new(
                "台上没有 console 客户端（new console 让它上台）",
                "no console client is on stage (new console puts it there)",
            ));
            return Vec::new();
        }
        if sw.retain {
            self.cmd.info = Some(line.to_string());
            let why = Text::new(
                format!(
                    "控制台不发送保留的控制命令：{} 若是保留消息，以后每个连上来的开发板都会收到它，灯会被“自己”打开",
                    sw.topic.value
                ),
                format!(
                    "the console does not send retained commands: retained on {}, the command would be replayed to every board that connects later, switching the lamp on by itself",
                    sw.topic.value
                ),
            );
            self.narrate(Narration::Note { client: "lab".into(), text: why.clone() });
            self.marks.refuse_lab(line, why, self.now);
            return Vec::new();
        }
        self.console_on.insert(n, on);
        let payload = if on { sw.on.clone() } else { sw.off.clone() };
        let qos = QoS::from_u8(sw.qos).unwrap_or(QoS::AtMostOnce);
        let cmd =
            ClientCmd::Publish { topic: sw.topic.value.clone(), payload, qos, retain: false, v5: Default::default() };
        vec![self.client_effect("console".into(), cmd, line)]
    }

    /// The current step's next hint; once they are used up, what its solution types.
    fn lesson_hint(&mut self) {
        let Some(run) = self.course.run.as_mut() else {
            self.cmd.error = Some(Text::new("没有打开的课程（F9 看课程列表）", "no lesson is open (F9 for the list)"));
            return;
        };
        let text = match run.hint() {
            Some(h) => h,
            None => {
                let Some(step) = run.lesson.steps.get(run.step) else { return };
                let lines: Vec<String> = step.value.solution.iter().map(|l| l.value.clone()).collect();
                if lines.is_empty() {
                    Text::new("这一步读完输入 go 继续", "type go when you have read this step")
                } else {
                    let l = lines.join(" · ");
                    Text::new(format!("提示用完了，可以这样做：{l}"), format!("No hints left; this does it: {l}"))
                }
            }
        };
        self.course.hint = Some(text.clone());
        self.narrate(Narration::Note { client: "lesson".into(), text });
    }

    /// A client command, with its mark (and, for a rule about to be broken on purpose, a warning
    /// in the narration before it is sent).
    fn client_effect(&mut self, name: String, cmd: ClientCmd, line: &str) -> Effect {
        let id = self.marks.start(&name, line, &cmd, self.now);
        if let Some(w) = self.marks.newest().and_then(|m| m.warning.clone()) {
            self.narrate(Narration::Note { client: "lab".into(), text: w });
        }
        Effect::Client { id, name, cmd }
    }

    /// A command for the gate, with its mark: refused when there is no gate (an external broker)
    /// or nothing to act on, otherwise settled by what the gate reports.
    fn gate(&mut self, line: &str, e: Effect) -> Vec<Effect> {
        self.cmd.info = Some(line.to_string());
        let refuse = if self.marks.external {
            Some(Text::new(
                "单步模式和网关只有内置服务端才有（启动时不要加 --broker）",
                "step mode and the gate need the built-in broker (start without --broker)",
            ))
        } else if matches!(e, Effect::ReleaseNext | Effect::DropNext | Effect::CutHeld) && self.held.is_empty() {
            Some(Text::new(
                "网关没有扣住报文：先打开单步模式（F2 或 step on），再让客户端发点什么",
                "no frame is held: turn step mode on (F2 or step on), then let a client send something",
            ))
        } else {
            None
        };
        if let Some(why) = refuse {
            self.marks.refuse_lab(line, why, self.now);
            return Vec::new();
        }
        match e {
            Effect::Hold(on) => {
                self.marks.start_lab(line, marks::LabWait::Hold(on), self.now);
                if on == self.holding {
                    self.marks.gate_holding(on);
                }
            }
            _ => {
                self.marks.start_lab(line, marks::LabWait::Gate, self.now);
            }
        }
        vec![e]
    }

    fn run(&mut self, c: Command, line: &str) -> Vec<Effect> {
        match c {
            Command::Client { name, cmd } => vec![self.client_effect(name, cmd, line)],
            Command::New { name, opts } if opts.sketch.is_some() => {
                // A board powers up and runs its sketch: it connects when the sketch gets there.
                let id = self.marks.start(&name, line, &ClientCmd::Power(true), self.now);
                self.marks.done(id, &crate::world::actor::Done::Local);
                vec![Effect::AddClient { name, opts }]
            }
            Command::New { name, opts } => {
                // The new client connects at once: its mark waits for the CONNACK.
                let id = self.marks.start(&name, line, &ClientCmd::Connect(opts.clone()), self.now);
                self.marks.done(id, &crate::world::actor::Done::Local);
                vec![Effect::AddClient { name, opts }]
            }
            Command::Switch { n, on } => self.switch(n, on, line),
            Command::Remove { name } => {
                self.marks.start_lab(line, marks::LabWait::Removed(name.clone()), self.now);
                vec![Effect::RemoveClient { name }]
            }
            Command::Step(on) => self.gate(line, Effect::Hold(on.unwrap_or(!self.holding))),
            Command::Next => self.gate(line, Effect::ReleaseNext),
            Command::Drop => self.gate(line, Effect::DropNext),
            Command::CutHeld => self.gate(line, Effect::CutHeld),
            Command::Lang(l) => {
                self.lang = l.unwrap_or(if self.lang.is_zh() { Lang::En } else { Lang::Zh });
                Vec::new()
            }
            Command::Filter(f) => {
                let flt = &mut self.inspector.filter;
                match f {
                    FilterCmd::Clear => *flt = Default::default(),
                    FilterCmd::Client(c) => flt.client = Some(c),
                    FilterCmd::Topic(t) => flt.topic = Some(t),
                    FilterCmd::Type(t) => match (1..=14).filter_map(PacketType::from_u8).find(|k| k.name() == t) {
                        Some(k) => flt.kind = Some(k),
                        None => {
                            self.cmd.error = Some(Text::new(
                                format!("没有报文类型 {t}：CONNECT、PUBLISH、PUBACK……"),
                                format!("no packet type {t}: CONNECT, PUBLISH, PUBACK, …"),
                            ))
                        }
                    },
                }
                self.inspector.selected = None;
                Vec::new()
            }
            Command::Help => {
                self.help = true;
                self.help_scroll = 0;
                Vec::new()
            }
            Command::Serial(c) => self.serial_cmd(c),
            Command::Quit => {
                self.quit = true;
                vec![Effect::Quit]
            }
            Command::Answer(_) | Command::Go | Command::Hint if self.course.start.is_some() => {
                self.cmd.error = Some(Text::new(
                    "课程还在布置场景（客户端上台、准备），稍等一下",
                    "the lesson is still setting the stage (the cast, the setup): a moment",
                ));
                Vec::new()
            }
            Command::Answer(n) => match self.course.run.as_mut() {
                Some(r) if r.lesson.steps.get(r.step).is_some_and(|s| s.value.quiz.is_some()) => {
                    let outs = r.answer(n);
                    self.lesson_outs(outs)
                }
                _ => {
                    self.cmd.error = Some(Text::new("现在没有要回答的问题", "there is no question to answer now"));
                    Vec::new()
                }
            },
            Command::Go => match self.course.run.as_mut() {
                Some(r) if r.is_reading() => {
                    let outs = r.go();
                    self.lesson_outs(outs)
                }
                Some(_) => {
                    self.cmd.error = Some(Text::new(
                        "这一步在等你动手（hint 看提示）",
                        "this step waits for you to do something (hint for a hint)",
                    ));
                    Vec::new()
                }
                None => {
                    self.cmd.error =
                        Some(Text::new("没有打开的课程（F9 看课程列表）", "no lesson is open (F9 for the list)"));
                    Vec::new()
                }
            },
            Command::Hint => {
                self.lesson_hint();
                Vec::new()
            }
            Command::Lessons => {
                self.screen = Screen::Lessons;
                Vec::new()
            }
            Command::Lan => {
                self.say_lan();
                Vec::new()
            }
            Command::Compose { name, topic, qos, retain } => {
                self.composer = Some(Composer { name, topic, qos, retain });
                Vec::new()
            }
        }
    }
}

/// How to connect a client the broker refused for its user name and password.
fn login_hint(name: &str, code: ConnectReturnCode) -> Text {
    let why = match code {
        ConnectReturnCode::NotAuthorized => Text::new(
            format!("{name} 没有带用户名和密码，而这个服务端（--passwd）要求登录"),
            format!("{name} sent no user name and password, and this broker (--passwd) wants them"),
        ),
        _ => Text::new(format!("{name} 的用户名或密码不对"), format!("{name}'s user name or password is wrong")),
    };
    Text::new(
        format!("{}：用密码文件里的用户名和密码重新连接 —— {name} connect --user 用户名 --pass 密码", why.zh),
        format!(
            "{}: connect again with a user name and password of the password file — {name} connect --user U --pass P",
            why.en
        ),
    )
}

/// A board's login was refused: its user name and password are in its sketch.
fn board_login_hint(name: &str, sketch: &str, code: ConnectReturnCode) -> Text {
    let (zh, en) = match code {
        ConnectReturnCode::NotAuthorized => ("没有带用户名和密码", "sends no user name and password"),
        _ => ("的用户名或密码不对", "has a wrong user name or password"),
    };
    Text::new(
        format!(
            "{name} 的程序 {sketch} {zh}：要改的是程序里的 mqttUserName 和 mqttPassword（要登录的程序：new 名字 --sketch auth）"
        ),
        format!(
            "{name}'s sketch {sketch} {en}: what must change is the sketch's mqttUserName and mqttPassword (a sketch that logs in: new NAME --sketch auth)"
        ),
    )
}

/// The client id a broker event concerns (the one whose commands it may settle).
fn event_client(e: &Event) -> Option<&str> {
    use Event::*;
    match e {
        Routed { from, .. } => Some(from),
        PublishRefused { client_id, .. }
        | ConnectRefused { client_id, .. }
        | KeepAliveExpired { client_id, .. }
        | TakenOver { client_id, .. } => Some(client_id),
        ProtocolError { client_id, .. } => client_id.as_deref(),
        _ => None,
    }
}

/// The client name of a frame: its recorded client id, or the one its connection later got.
pub fn client_of(conn_names: &HashMap<ConnId, String>, row: &FrameRow) -> Option<String> {
    row.client.as_ref().map(|c| c.to_string()).or_else(|| conn_names.get(&row.conn).cloned())
}

#[cfg(test)]
mod tests;

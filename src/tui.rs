//! The terminal loop: joins the lab's world (`runtime::lab`) and the app (`app`, `ui`). It reads
//! keys, mouse and the world's reports, feeds them to the [`App`], carries out its effects on the
//! [`Lab`], and redraws at most about 30 times a second. This is the only module that knows both the
//! runtime and the app; neither of them knows the other.

use crate::app::serial::SerialMsg;
use crate::app::{Action, App, BrokerView, Effect, Msg, Screen};
use crate::i18n::{Lang, Text};
use crate::runtime::lab::{CAST, Lab, LabOptions, broker_view, held_view};
use crate::runtime::serial::{self, SerialEvent, SerialHandle};
use crate::runtime::tap::{TapItem, TapReceiver};
use crate::ui::{self, theme::Theme};
use crate::world::cmd::ConnectOpts;
use crate::world::event::WorldEvent;
use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Feeds tap items to the app; returns what the app asks for (a lesson may act on a frame).
fn take_tap(app: &mut App, tap: &TapReceiver, first: Option<TapItem>, max: usize) -> Vec<Effect> {
    let mut fx = Vec::new();
    for item in first.into_iter().chain(tap.drain(max)) {
        match item {
            TapItem::Frame(f) => fx.extend(app.update(WorldEvent::Frame(f).into())),
            TapItem::Lost(l) => fx.extend(app.update(WorldEvent::Lost(l).into())),
        }
    }
    fx
}

/// Restores the terminal: leaves raw mode and the alternate screen, turns mouse capture off.
fn restore_terminal() {
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    ratatui::restore();
}

/// What the terminal lab is started with.
pub struct TuiOptions {
    pub lab: LabOptions,
    /// The lessons of the list: (where from, lesson).
    pub lessons: Vec<(String, crate::lesson::Lesson)>,
    /// Open this lesson (by id) at once; otherwise the lesson list is the first screen.
    pub open: Option<String>,
    /// Where the learner's progress is kept.
    pub progress: Option<std::path::PathBuf>,
    /// Attach the serial pane to this port at this baud rate at start (`--serial`, `--baud`).
    pub serial: Option<(String, u32)>,
}

/// The serial pane's port: the handle and the channel its reports come on (a new pair for every
/// port, so that a closed one's last words do not reach the pane).
struct Port {
    handle: Option<SerialHandle>,
    rx: Option<tokio::sync::mpsc::UnboundedReceiver<SerialEvent>>,
    /// A port that would not open is tried again (a board plugged in later, a permission fixed):
    /// the path, the baud rate and when.
    retry: Option<(String, u32, Instant)>,
    /// The port asked for last.
    wanted: Option<(String, u32)>,
}

impl Port {
    fn open(&mut self, path: String, baud: u32) {
        self.close();
        self.wanted = Some((path.clone(), baud));
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        self.handle = Some(SerialHandle::spawn(path, baud, tx));
        self.rx = Some(rx);
    }

    fn close(&mut self) {
        if let Some(h) = self.handle.take() {
            h.close();
        }
        self.rx = None;
        self.retry = None;
        self.wanted = None;
    }

    /// What the port said; a failure to open schedules another try in 2 s.
    fn note(&mut self, e: &SerialEvent) {
        if let SerialEvent::Failed { .. } = e
            && let Some((path, baud)) = self.wanted.clone()
        {
            self.retry = Some((path, baud, Instant::now() + Duration::from_secs(2)));
        }
    }

    /// Tries a failed port again when its time has come.
    fn tick(&mut self) {
        if let Some((path, baud, at)) = self.retry.clone()
            && Instant::now() >= at
        {
            self.open(path, baud);
        }
    }

    async fn recv(&mut self) -> SerialEvent {
        match self.rx.as_mut() {
            Some(rx) => match rx.recv().await {
                Some(e) => e,
                None => std::future::pending().await,
            },
            None => std::future::pending().await,
        }
    }
}

/// A report of the port in the app's words.
fn serial_msg(e: SerialEvent) -> SerialMsg {
    match e {
        SerialEvent::Opened { path, baud } => SerialMsg::Opened { path, baud },
        SerialEvent::Line(l) => SerialMsg::Line(l),
        SerialEvent::Pending(p) => SerialMsg::Pending(p),
        SerialEvent::Closed { why, will_retry } => SerialMsg::Closed { why, will_retry },
        SerialEvent::Failed { why } => SerialMsg::Failed { why },
        SerialEvent::Note(t) => SerialMsg::Note(t),
    }
}

/// `serial list` for the pane: one line per port.
fn port_lines(lang: Lang) -> Vec<String> {
    let ports = serial::list_ports();
    if ports.is_empty() {
        return Vec::new();
    }
    serial::list_text(&ports, lang).lines().filter(|l| l.starts_with('/')).map(str::to_string).collect()
}

/// Writes the progress file (its folder made if need be); a failure is said, not fatal.
fn save_progress(path: &std::path::Path, json: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json).and_then(|_| std::fs::rename(&tmp, path)).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs the lab in the terminal until the learner quits.
pub async fn run(topts: TuiOptions) -> Result<(), String> {
    let opts = topts.lab;
    let zh = opts.lang.is_zh();
    let (mut lab, mut rx) = match opts.external {
        Some(addr) => Lab::external(addr),
        None => Lab::start(opts.server.clone()).await.map_err(|e| e.message(opts.lang))?,
    };
    // With an external broker there are no broker events: a channel that stays silent.
    let (_quiet, quiet_rx) = tokio::sync::broadcast::channel(1);
    let (tap, mut events) = match (&mut lab.server, &lab.own_tap) {
        (Some(server), _) => (
            server.take_tap().unwrap_or_else(|| server.tap(65_536)),
            server.take_events().unwrap_or_else(|| server.events()),
        ),
        (None, Some(own)) => (own.subscribe(65_536), quiet_rx),
        (None, None) => unreachable!("a lab has a broker or a tap of its own"),
    };
    // What becomes of frames at the gate (the built-in broker only).
    let (_no_fates, quiet_fates) = tokio::sync::broadcast::channel(1);
    let mut fates = lab.server.as_ref().map_or(quiet_fates, |s| s.fates());
    let mut app = App::new(opts.lang, opts.inspector_capacity);
    // With an external broker no broker events come: marks settle on what the clients see.
    app.marks.external = lab.server.is_none();
    app.course.entries = topts
        .lessons
        .into_iter()
        .map(|(path, l)| crate::app::course::Entry { lesson: std::sync::Arc::new(l), path })
        .collect();
    if let Some(p) = &topts.progress
        && let Ok(text) = std::fs::read_to_string(p)
    {
        app.course.progress = crate::app::course::Progress::from_json(&text);
    }
    // The first screen is the lesson list (the free lab behind it is one key away).
    app.screen = if app.course.entries.is_empty() { Screen::Lab } else { Screen::Lessons };
    let mut effects = Vec::new();
    if let Some(id) = &topts.open
        && let Some(i) = app.course.find(id)
    {
        effects = app.open_lesson(i);
    }
    let mut log = match &opts.log {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::OpenOptions::new().create(true).append(true).open(p).map_err(|e| match zh {
                true => format!("无法打开日志文件 {}：{e} —— 请检查 --log 后面的路径", p.display()),
                false => format!("cannot open the log file {}: {e} — check the path given to --log", p.display()),
            })?,
        )),
        None => None,
    };
    // On every interface: said in the narration (nothing is printed over the screen), kept for the
    // broker pane and the `lan` command.
    let listen: Vec<SocketAddr> = lab.server.as_ref().map(|s| s.local_addrs().to_vec()).unwrap_or_default();
    let notes = crate::runtime::lan::notes(&listen, opts.server.broker.passwords.is_some());
    let sketch = notes.iter().filter(|n| n.code).map(|n| n.text.clone()).collect();
    app.set_lan(notes.into_iter().map(|n| n.text).collect(), sketch);
    if opts.cast {
        for (name, zh_name) in CAST {
            lab.add_client(name, Some(zh_name), ConnectOpts::default());
        }
    }
    let mut port = Port { handle: None, rx: None, retry: None, wanted: None };
    if let Some((path, baud)) = topts.serial.clone() {
        app.serial.pinned = true;
        app.serial.baud = baud;
        app.serial.state = crate::app::serial::PortState::Opening;
        app.serial.path = Some(path.clone());
        port.open(path, baud);
    }
    let theme = Theme::from_env();
    let mut terminal = ratatui::try_init().map_err(|e| match zh {
        true => format!("无法使用这个终端：{e}（实验室需要在真正的终端里运行；只要服务端请用 mqtt-lab broker）"),
        false => format!(
            "cannot use this terminal: {e} (the lab needs a real terminal; for the broker alone use mqtt-lab broker)"
        ),
    })?;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A bug anywhere (also in a background task) must not leave the terminal raw or keep
        // drawing into a restored one: restore it, say what happened, and stop.
        restore_terminal();
        hook(info);
        std::process::exit(101);
    }));
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    let mut term_events = EventStream::new();
    let mut areas = ui::Areas::default();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    #[cfg(unix)]
    let mut term_signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("SIGTERM: {e}"))?;
    let mut composer: Option<ratatui_textarea::TextArea<'static>> = None;
    let mut dirty = true;
    let mut broker_dirty = true;
    let mut last_draw = Instant::now() - Duration::from_secs(1);
    let mut last_snapshot = Instant::now() - Duration::from_secs(1);
    let frame_gap = Duration::from_millis(33);
    let result: Result<(), String> = loop {
        if dirty && last_draw.elapsed() >= frame_gap {
            if app.help
                && let Ok(size) = terminal.size()
            {
                // The help page scrolls no further than its end (the app does not know the screen).
                let max = ui::help::max_scroll(&app, &theme, ratatui::layout::Rect::new(0, 0, size.width, size.height));
                app.help_scroll = app.help_scroll.min(max);
            }
            if let Err(e) = terminal.draw(|f| {
                areas = ui::render(f, &app, &theme);
                if let Some(t) = composer.as_mut() {
                    ui::render_composer(f, t, &app, &theme);
                }
            }) {
                break Err(format!("{}: {e}", opts.lang.pick("无法绘制屏幕", "drawing failed")));
            }
            areas.clamp_scroll(&mut app.scroll);
            last_draw = Instant::now();
            dirty = false;
        }
        let redraw_in = if dirty { frame_gap.saturating_sub(last_draw.elapsed()) } else { Duration::from_secs(3600) };
        #[cfg(unix)]
        let sigterm = term_signal.recv();
        #[cfg(not(unix))]
        let sigterm = std::future::pending::<Option<()>>();
        tokio::select! {
            ev = term_events.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => {
                    if let Some(editor) = composer.as_mut() {
                        use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};
                        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
                        match k.code {
                            _ if k.kind == KeyEventKind::Release => {}
                            KeyCode::Char('s') if ctrl => {
                                let text = editor.lines().join("\n");
                                effects.extend(app.update(Msg::Action(Action::ComposeDone { send: true, text })));
                            }
                            KeyCode::Char('c') if ctrl => {
                                effects.extend(app.update(Msg::Action(Action::Quit)));
                            }
                            KeyCode::Esc => {
                                let text = String::new();
                                effects.extend(app.update(Msg::Action(Action::ComposeDone { send: false, text })));
                            }
                            _ => {
                                editor.input(k);
                            }
                        }
                        if app.composer.is_none() {
                            composer = None;
                        }
                    } else if let Some(a) = ui::handle_key(&app, &k) {
                        effects.extend(app.update(Msg::Action(a)));
                        if app.composer.is_some() {
                            composer = Some(ratatui_textarea::TextArea::default());
                        }
                    }
                    dirty = true;
                }
                Some(Ok(TermEvent::Mouse(m))) => {
                    for a in ui::handle_mouse(&app, &areas, &m) {
                        effects.extend(app.update(Msg::Action(a)));
                    }
                    dirty = true;
                }
                Some(Ok(_)) => dirty = true,
                Some(Err(e)) => break Err(format!("{}: {e}", opts.lang.pick("无法读取终端输入", "terminal input failed"))),
                None => break Ok(()),
            },
            item = tap.recv() => {
                effects.extend(take_tap(&mut app, &tap, Some(item), 8192));
                dirty = true;
                broker_dirty = true;
            },
            Some(m) = rx.recv() => {
                effects.extend(app.update(Msg::from(m)));
                while let Ok(m) = rx.try_recv() {
                    effects.extend(app.update(Msg::from(m)));
                }
                dirty = true;
            },
            e = events.recv() => {
                match e {
                    Ok(e) => {
                        for e in std::iter::once(e).chain(std::iter::from_fn(|| events.try_recv().ok())) {
                            if let Some(w) = log.as_mut() {
                                use std::io::Write;
                                let _ = writeln!(w, "[{:10.3}] {}", e.0.as_secs_f64(), e.1.text(Lang::En));
                            }
                            effects.extend(app.update(Msg::World(WorldEvent::Broker { at: e.0, event: e.1 })));
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        app.update(WorldEvent::ClientNote {
                            client: "broker".into(),
                            at: lab.elapsed(),
                            text: Text::new(
                                format!("解说太多，省略了 {n} 条"),
                                format!("{} skipped (too many at once)", crate::i18n::count(n as usize, "narration line")),
                            ),
                        }.into());
                    }
                    Err(_) => {}
                }
                broker_dirty = true;
                dirty = true;
            },
            e = port.recv() => {
                port.note(&e);
                effects.extend(app.update(Msg::Serial { at: lab.elapsed(), msg: serial_msg(e) }));
                dirty = true;
            },
            f = fates.recv() => {
                if let Ok((seq, fate)) = f {
                    // The frame itself may still be on its way through the tap.
                    effects.extend(take_tap(&mut app, &tap, None, 8192));
                    effects.extend(app.update(WorldEvent::Fate { seq, fate }.into()));
                    dirty = true;
                }
            },
            _ = tick.tick() => {
                port.tick();
                effects.extend(app.update(Msg::Tick(lab.elapsed())));
                if let Some(w) = log.as_mut() {
                    use std::io::Write;
                    let _ = w.flush();
                }
                if broker_dirty || last_snapshot.elapsed() >= Duration::from_secs(1) {
                    match &lab.server {
                        Some(server) => {
                            effects.extend(app.update(WorldEvent::BrokerState(broker_view(server)).into()));
                            effects.extend(app.update(Msg::from(held_view(server))));
                        }
                        None => {
                            let listen = vec![format!("{} ({})", lab.addr, opts.lang.pick("外部服务端", "external broker"))];
                            app.update(WorldEvent::BrokerState(BrokerView { listen, ..BrokerView::default() }).into());
                        }
                    }
                    last_snapshot = Instant::now();
                    broker_dirty = false;
                    dirty = true;
                }
            },
            _ = tokio::time::sleep(redraw_in) => {},
            _ = tokio::signal::ctrl_c() => break Ok(()),
            _ = sigterm => break Ok(()),
        }
        let mut effects_later = Vec::new();
        for e in std::mem::take(&mut effects) {
            match e {
                Effect::Quit => app.quit = true,
                Effect::SaveProgress(json) => {
                    if let Some(p) = &topts.progress
                        && let Err(why) = save_progress(p, &json)
                    {
                        app.update(Msg::Error(Text::new(
                            format!("无法保存学习进度：{why}"),
                            format!("cannot save the progress: {why}"),
                        )));
                    }
                }
                Effect::SerialOpen { path, baud } => port.open(path, baud),
                Effect::SerialClose => port.close(),
                Effect::SerialBaud(b) => port.handle.iter().for_each(|h| h.set_baud(b)),
                Effect::SerialSend(bytes) => port.handle.iter().for_each(|h| h.send(bytes.clone())),
                Effect::SerialReset => port.handle.iter().for_each(SerialHandle::reset),
                Effect::SerialList => {
                    let msg = SerialMsg::Ports(port_lines(app.lang));
                    effects_later.extend(app.update(Msg::Serial { at: lab.elapsed(), msg }));
                }
                other => {
                    if let Some(c) = other.lab_cmd() {
                        lab.apply(c);
                        broker_dirty = true;
                    }
                }
            }
        }
        effects.extend(effects_later);
        if app.quit {
            break Ok(());
        }
    };
    port.close();
    restore_terminal();
    if let Some(w) = log.as_mut() {
        use std::io::Write;
        let _ = w.flush();
    }
    result
}

//! The screen: layout, the keymap (one table per focus drives key dispatch, the footer hints and the
//! `?` help), and the panes that are not big enough for a file of their own. Renders `&App`; turns
//! keys and mouse events into [`Action`]s. No tokio, no sockets.

pub mod broker;
pub mod chart;
pub mod clients;
pub mod command;
pub mod composer;
pub mod console;
pub mod help;
pub mod inspector;
pub mod keys;
pub mod ladder;
pub mod lesson;
pub mod lessons;
pub mod narration;
pub mod serial;
pub mod text;
pub mod theme;

pub use composer::render_composer;
pub use keys::{Binding, Key, global_keys, handle_key, handle_mouse, keymap, keymaps_complete};
pub use text::{one_line, truncate as fit, wrap};

use crate::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Paragraph};
use std::collections::HashMap;
use theme::Theme;

pub fn pane_block<'a>(app: &App, theme: &Theme, pane: Pane, extra: String) -> Block<'a> {
    let focused = app.focus == pane;
    let title = format!(" {}{} ", pane.title(app.lang), extra);
    Block::bordered()
        .title(Span::styled(title, if focused { theme.focused() } else { Style::new() }))
        .border_style(if focused { theme.focused() } else { theme.border() })
}

/// [`pane_block`] for a pane `width` columns wide: when the pane's name and `extra` do not both fit
/// on the border, `extra` alone (cut with … if it must be) — it says more than the name.
pub fn pane_block_fit<'a>(app: &App, theme: &Theme, pane: Pane, extra: &str, width: u16) -> Block<'a> {
    let room = (width as usize).saturating_sub(4);
    let full = format!("{}{}", pane.title(app.lang), extra);
    if text::width(&full) <= room || extra.is_empty() {
        return pane_block(app, theme, pane, extra.to_string());
    }
    let focused = app.focus == pane;
    let title = format!(" {} ", text::truncate(extra.trim(), room));
    Block::bordered()
        .title(Span::styled(title, if focused { theme.focused() } else { Style::new() }))
        .border_style(if focused { theme.focused() } else { theme.border() })
}

/// Where each pane was drawn last (for mouse clicks), and how far the panes read from the top can
/// scroll (the app does not know the screen).
#[derive(Debug, Default, Clone)]
pub struct Areas(pub HashMap<Pane, Rect>, pub HashMap<Pane, usize>);

impl Areas {
    pub fn pane_at(&self, x: u16, y: u16) -> Option<Pane> {
        self.0.iter().find(|(_, r)| r.contains(Position { x, y })).map(|(p, _)| *p)
    }

    /// Keeps the app's scroll offsets within what was drawn.
    pub fn clamp_scroll(&self, scroll: &mut HashMap<Pane, usize>) {
        for (p, max) in &self.1 {
            if let Some(s) = scroll.get_mut(p) {
                *s = (*s).min(*max);
            }
        }
    }
}

/// Draws the whole screen and returns where each pane went.
pub fn render(f: &mut Frame, app: &App, theme: &Theme) -> Areas {
    let mut areas = Areas::default();
    let area = f.area();
    if area.width < 20 || area.height < 8 {
        f.render_widget(Paragraph::new(app.lang.pick("窗口太小", "window too small")), area);
        return areas;
    }
    let [main, cmd, footer] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(2), Constraint::Length(1)]).areas(area);
    if app.screen == crate::app::Screen::Lessons {
        lessons::render_lessons(f, app, theme, main);
    } else if let Some(p) = app.zoom.filter(|p| *p != Pane::Command) {
        if let Some(max) = render_pane(f, app, theme, p, main) {
            areas.1.insert(p, max);
        }
        areas.0.insert(p, main);
    } else if app.course.run.is_some() {
        // A lesson: its pane on the left, the clients (or the broker, when it has the focus) under
        // it, the inspector beside; the ladder and the narration below.
        let top_h = (main.height * 2 / 3).max(6);
        let [top, bottom] = Layout::vertical([Constraint::Length(top_h), Constraint::Min(3)]).areas(main);
        let wide = top.width >= 110;
        let mut parts: Vec<(Pane, Rect)> = Vec::new();
        if wide {
            let [l, m, r] =
                Layout::horizontal([Constraint::Percentage(32), Constraint::Percentage(24), Constraint::Min(30)])
                    .areas(top);
            let [c, b] = Layout::vertical([Constraint::Percentage(50), Constraint::Min(3)]).areas(m);
            parts.extend([(Pane::Lesson, l), (Pane::Clients, c), (Pane::Broker, b), (Pane::Inspector, r)]);
        } else {
            let [l, r] = Layout::horizontal([Constraint::Percentage(40), Constraint::Min(20)]).areas(top);
            let [lesson, lower] = Layout::vertical([Constraint::Percentage(72), Constraint::Min(3)]).areas(l);
            let lower_pane = if app.focus == Pane::Broker { Pane::Broker } else { Pane::Clients };
            parts.extend([(Pane::Lesson, lesson), (lower_pane, lower), (Pane::Inspector, r)]);
        }
        let wide_bottom = bottom.width >= 110;
        if app.has_console() {
            // The console takes the chart's place (it draws its own charts).
            let [a, b, c] =
                Layout::horizontal([Constraint::Percentage(36), Constraint::Percentage(34), Constraint::Min(16)])
                    .areas(bottom);
            parts.extend([(Pane::Console, a), (Pane::Ladder, b), (Pane::Narration, c)]);
        } else if app.serial.active() {
            parts.extend(serial_row(bottom));
        } else if wide_bottom {
            let [a, b, c] =
                Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(35), Constraint::Min(16)])
                    .areas(bottom);
            parts.extend([(Pane::Ladder, a), (Pane::Narration, b), (Pane::Chart, c)]);
        } else {
            let [a, b] = Layout::horizontal([Constraint::Percentage(50), Constraint::Min(16)]).areas(bottom);
            parts.extend([(Pane::Ladder, a), (Pane::Narration, b)]);
        }
        for (p, r) in parts {
            if let Some(max) = render_pane(f, app, theme, p, r) {
                areas.1.insert(p, max);
            }
            areas.0.insert(p, r);
        }
    } else {
        let top_h = (main.height * 3 / 5).max(6);
        let [top, bottom] = Layout::vertical([Constraint::Length(top_h), Constraint::Min(3)]).areas(main);
        let [left, right] = Layout::horizontal([Constraint::Percentage(34), Constraint::Min(20)]).areas(top);
        let [clients, broker] = Layout::vertical([Constraint::Percentage(45), Constraint::Min(3)]).areas(left);
        let wide = bottom.width >= 110;
        let bottom_parts: Vec<(Pane, Rect)> = if app.serial.active() {
            serial_row(bottom)
        } else if wide {
            let [a, b, c] =
                Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(35), Constraint::Min(16)])
                    .areas(bottom);
            vec![(Pane::Ladder, a), (Pane::Narration, b), (Pane::Chart, c)]
        } else {
            let [a, b] = Layout::horizontal([Constraint::Percentage(55), Constraint::Min(16)]).areas(bottom);
            vec![(Pane::Ladder, a), (Pane::Narration, b)]
        };
        for (p, r) in
            [(Pane::Clients, clients), (Pane::Broker, broker), (Pane::Inspector, right)].into_iter().chain(bottom_parts)
        {
            if let Some(max) = render_pane(f, app, theme, p, r) {
                areas.1.insert(p, max);
            }
            areas.0.insert(p, r);
        }
    }
    command::render_command(f, app, theme, cmd);
    areas.0.insert(Pane::Command, cmd);
    command::render_footer(f, app, theme, footer);
    if app.help {
        help::render_help(f, app, theme, area);
    }
    areas
}

/// The bottom row with a serial port: the board's output beside the ladder of its frames (and the
/// narration when there is room).
fn serial_row(bottom: Rect) -> Vec<(Pane, Rect)> {
    if bottom.width >= 110 {
        let [a, b, c] =
            Layout::horizontal([Constraint::Percentage(42), Constraint::Percentage(33), Constraint::Min(16)])
                .areas(bottom);
        vec![(Pane::Serial, a), (Pane::Ladder, b), (Pane::Narration, c)]
    } else {
        let [a, b] = Layout::horizontal([Constraint::Percentage(55), Constraint::Min(16)]).areas(bottom);
        vec![(Pane::Serial, a), (Pane::Ladder, b)]
    }
}

/// Draws one pane; a pane read from the top returns how far it can scroll.
fn render_pane(f: &mut Frame, app: &App, theme: &Theme, pane: Pane, area: Rect) -> Option<usize> {
    let focused = app.focus == pane;
    match pane {
        Pane::Inspector => inspector::render(f, area, app, theme, focused),
        Pane::Ladder => ladder::render(f, area, app, theme, focused, app.scroll.get(&pane).copied().unwrap_or(0)),
        Pane::Clients => return Some(clients::render_clients(f, app, theme, area)),
        Pane::Broker => return Some(broker::render_broker(f, app, theme, area)),
        Pane::Narration => narration::render_narration(f, app, theme, area),
        Pane::Chart => chart::render_chart(f, app, theme, area),
        Pane::Lesson => lesson::render_lesson(f, app, theme, area),
        Pane::Console => console::render_console(f, app, theme, area),
        Pane::Serial => serial::render_serial(f, app, theme, area),
        Pane::Command => {}
    }
    None
}

#[cfg(test)]
mod tests {
    use super::broker::subscription_tree;
    use super::text::wrap;
    use super::*;
    use crate::app::{Action, ClientView, Msg};
    use crate::i18n::Lang;
    use crate::proto::QoS;
    use crate::world::event::WorldEvent;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use unicode_width::UnicodeWidthStr;

    fn draw(app: &App, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| {
            render(f, app, &Theme::new(false));
        })
        .unwrap();
        let buf = t.backend().buffer();
        let mut out = String::new();
        for y in 0..h {
            let mut x = 0;
            while x < w {
                let sym = buf[(x, y)].symbol();
                out.push_str(sym);
                x += (sym.width() as u16).max(1);
            }
            out.push('\n');
        }
        out
    }

    /// The serial pane at 80×24: the board's lines with their time, a PubSubClient state code
    /// explained under its line (in the learner's language), the unfinished dots, and a search.
    #[test]
    fn the_serial_pane_explains_a_state_code_and_searches() {
        use crate::app::serial::SerialMsg;
        use std::time::Duration;
        for lang in [Lang::En, Lang::Zh] {
            let mut app = App::new(lang, 100);
            let at = Duration::from_millis(3300);
            app.update(Msg::Serial { at, msg: SerialMsg::Opened { path: "/dev/ttyUSB0".into(), baud: 115_200 } });
            for l in ["WiFi Connected!", "Server Address: ", "127.0.0.1", "MQTT Server Connect Failed. Client State:-2"]
            {
                app.update(Msg::Serial { at, msg: SerialMsg::Line(l.into()) });
            }
            app.update(Msg::Serial { at, msg: SerialMsg::Pending("...".into()) });
            let s = draw(&app, 80, 24);
            assert!(s.contains("/dev/ttyUSB0 115200"), "{s}");
            assert!(s.contains("MQTT_CONNECT_FAILED"), "the state code is named:\n{s}");
            // The cause the lab can tell: the sketch points at the board itself.
            assert!(s.contains("127.0.0.1") && (lang.is_zh() || s.contains("the board itself")), "{s}");
            assert!(s.contains("        ..."), "the unfinished line shows: {s}");
            app.update(Msg::Action(Action::Focus(Pane::Command)));
            for c in "serial find wifi".chars() {
                app.update(Msg::Action(Action::Input(c)));
            }
            app.update(Msg::Action(Action::Submit));
            let s = draw(&app, 80, 24);
            assert!(s.contains("    3.3 WiFi Connected!") && !s.contains("Client State:-2"), "{s}");
            assert!(s.contains("wifi"), "the title says what is searched: {s}");
        }
    }

    #[test]
    fn subscriptions_render_as_a_topic_tree() {
        let subs = vec![
            ("car/speed".to_string(), "phone".to_string(), QoS::AtLeastOnce),
            ("car/#".to_string(), "computer".to_string(), QoS::AtMostOnce),
            ("汽车速度".to_string(), "phone".to_string(), QoS::AtMostOnce),
        ];
        assert_eq!(
            subscription_tree(&subs),
            vec!["  car/", "    # → computer q0", "    speed → phone q1", "  汽车速度 → phone q0"]
        );
    }

    #[test]
    fn footer_and_help_come_from_the_keymap() {
        let mut app = App::new(Lang::En, 100);
        app.update(Msg::Action(Action::Focus(Pane::Inspector)));
        let s = draw(&app, 120, 30);
        let footer = s.lines().last().unwrap();
        for b in keymap(Pane::Inspector).iter().filter(|b| b.footer) {
            assert!(footer.contains(b.en), "footer lacks {:?}: {footer}", b.en);
        }
        app.update(Msg::Action(Action::ToggleHelp));
        let s = draw(&app, 120, 40);
        for b in keymap(Pane::Inspector) {
            assert!(s.contains(b.en), "help lacks {:?}", b.en);
        }
        assert!(keymaps_complete(Lang::Zh) && keymaps_complete(Lang::En));
    }

    #[test]
    fn keys_dispatch_through_the_same_table() {
        let mut app = App::new(Lang::En, 100);
        let key = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        // In the command line letters are typed …
        assert_eq!(handle_key(&app, &key('s')), Some(Action::Input('s')));
        // … and in a pane they go there too: no letter is a mode switch.
        app.focus = Pane::Inspector;
        for c in "car pub car/speed 60 -q 1 sdnq".chars() {
            assert_eq!(handle_key(&app, &key(c)), Some(Action::TypeCommand(c)), "{c:?}");
        }
        assert_eq!(handle_key(&app, &key(':')), Some(Action::Focus(Pane::Command)));
        assert_eq!(handle_key(&app, &KeyEvent::new(KeyCode::F(2), KeyModifiers::NONE)), Some(Action::ToggleStep));
        assert_eq!(handle_key(&app, &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
        // Shift-Tab arrives as BackTab, with or without SHIFT.
        for m in [KeyModifiers::NONE, KeyModifiers::SHIFT] {
            assert_eq!(handle_key(&app, &KeyEvent::new(KeyCode::BackTab, m)), Some(Action::FocusPrev));
        }
    }

    #[test]
    fn a_stray_word_in_a_pane_lands_in_the_command_line_and_changes_nothing_else() {
        let mut app = App::new(Lang::En, 100);
        app.update(Msg::Action(Action::Focus(Pane::Ladder)));
        let mut effects = Vec::new();
        for c in "step on q drop s d n".chars() {
            let a = handle_key(&app, &KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)).unwrap();
            effects.extend(app.update(Msg::Action(a)));
        }
        assert!(effects.is_empty(), "{effects:?}");
        assert!(!app.quit && !app.holding);
        assert_eq!(app.focus, Pane::Command);
        assert_eq!(app.cmd.text, "step on q drop s d n");
    }

    #[test]
    fn quitting_by_key_asks_once() {
        let mut app = App::new(Lang::En, 100);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        let a = handle_key(&app, &ctrl_c).unwrap();
        assert!(app.update(Msg::Action(a.clone())).is_empty());
        assert!(!app.quit);
        assert!(draw(&app, 100, 30).lines().last().unwrap().contains("Ctrl-C again quits"));
        // Another key disarms; then one Ctrl-C only arms again.
        app.update(Msg::Action(Action::Input('x')));
        assert!(app.update(Msg::Action(a.clone())).is_empty());
        assert_eq!(app.update(Msg::Action(a)), vec![crate::app::Effect::Quit]);
        assert!(app.quit);
    }

    #[test]
    fn help_is_a_modal_page_complete_at_80_by_24() {
        for lang in [Lang::En, Lang::Zh] {
            let mut app = App::new(lang, 100);
            let key = |c: KeyCode| KeyEvent::new(c, KeyModifiers::NONE);
            // `?` on an empty command line opens help; typed after text it is text.
            let a = handle_key(&app, &key(KeyCode::Char('?'))).unwrap();
            assert_eq!(a, Action::ToggleHelp);
            app.update(Msg::Action(a));
            // Keys do not leak into the command line while help is open.
            assert_eq!(handle_key(&app, &key(KeyCode::Char('x'))), None);
            let theme = Theme::new(false);
            let whole: String = help::page(&app, &theme, 80)
                .iter()
                .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>() + "\n")
                .collect();
            for v in crate::app::command::CLIENT_VERBS {
                assert!(whole.contains(v.usage.split(' ').nth(1).unwrap()), "{lang:?} help lacks {}", v.usage);
            }
            for c in crate::app::command::LAB_COMMANDS {
                assert!(whole.contains(c.names[0]), "{lang:?} help lacks {}", c.names[0]);
            }
            for o in crate::app::command::CONNECT_OPTS {
                assert!(whole.contains(o.name), "{lang:?} help lacks {}", o.name);
            }
            for v in crate::app::command::V5_VERB_OPTS {
                let lead = format!("{} {}", v.verb, v.opt.name);
                assert!(whole.contains(&lead), "{lang:?} help lacks {lead}");
            }
            assert!(whole.contains("--user U --pass P"));
            // Scrolled page by page to the end at 80×24, every line of the page is seen once, and
            // no pane border shows through.
            let max = help::max_scroll(&app, &theme, Rect::new(0, 0, 80, 24));
            assert!(max > 0, "the page is longer than one screen");
            let mut seen = String::new();
            let mut top = 0;
            loop {
                app.help_scroll = top;
                let s = draw(&app, 80, 24);
                let rows: Vec<&str> = s.lines().collect();
                assert!(rows[0].starts_with('┌') && rows[23].starts_with('└'), "{s}");
                assert!(rows[1..23].iter().all(|r| r.starts_with('│') && r.ends_with('│')), "{s}");
                seen.push_str(&s);
                if top >= max {
                    break;
                }
                top = (top + 22).min(max);
            }
            for line in whole.lines().filter(|l| !l.trim().is_empty()) {
                assert!(seen.contains(line.trim_end()), "{lang:?}: never shown: {line:?}");
            }
        }
    }

    #[test]
    fn the_first_screen_says_what_to_type() {
        for lang in [Lang::En, Lang::Zh] {
            let app = App::new(lang, 100);
            let s = draw(&app, 80, 24);
            assert!(s.contains("phone sub car/speed -q 1"), "{s}");
            assert!(s.contains(lang.pick("? 帮助", "? for help")), "{s}");
        }
    }

    #[test]
    fn the_footer_keeps_a_gap_before_the_step_status() {
        for (lang, w) in [(Lang::En, 80), (Lang::Zh, 80), (Lang::En, 120), (Lang::Zh, 120)] {
            let mut app = App::new(lang, 100);
            app.update(Msg::Action(Action::Focus(Pane::Inspector)));
            app.holding = true;
            let s = draw(&app, w, 24);
            let footer = s.lines().last().unwrap();
            let at = footer.find('⏸').expect(footer);
            assert!(footer[..at].ends_with("  "), "{footer:?}");
        }
    }

    #[test]
    fn usable_at_80_by_24_in_both_languages_and_tiny_sizes_do_not_panic() {
        for lang in [Lang::En, Lang::Zh] {
            let mut app = App::new(lang, 100);
            app.update(Msg::World(WorldEvent::Client(ClientView {
                name: "car".into(),
                label_zh: Some("汽车".into()),
                connected: true,
                ..Default::default()
            })));
            let s = draw(&app, 80, 24);
            assert!(s.contains(Pane::Inspector.title(lang)), "{s}");
            assert!(s.contains(Pane::Clients.title(lang)), "{s}");
            assert!(s.contains("car"), "{s}");
            for (w, h) in [(1, 1), (10, 3), (19, 7), (20, 8), (40, 12)] {
                draw(&app, w, h);
            }
        }
    }

    #[test]
    fn lan_notes_show_inside_the_screen_at_80_by_24() {
        for lang in [Lang::En, Lang::Zh] {
            let mut app = App::new(lang, 100);
            // Code: the same in both languages.
            let code = "    const char* mqttServer = \"192.168.1.23\";";
            let sketch = crate::i18n::Text::new(code, code);
            let warning = crate::i18n::Text::new(
                "注意：同一网络里的任何人不用密码就能连接",
                "warning: anyone on this network can connect without a password",
            );
            app.set_lan(vec![warning, sketch.clone()], vec![sketch]);
            let s = draw(&app, 80, 24);
            // The broker pane is the left column's second pane: its first rows.
            let title = format!("┌ {}", Pane::Broker.title(lang));
            let top = s.lines().position(|l| l.contains(&title)).expect("the broker pane");
            let pane: String =
                s.lines().skip(top + 1).take(3).map(|l| l.chars().take(26).collect::<String>()).collect();
            assert!(pane.contains("const char* mqttServer"), "the broker pane keeps the sketch line:\n{s}");
            assert!(s.contains(lang.pick("实验室：注意", "lab: warning")), "the narration says it all:\n{s}");
            app.screen = crate::app::Screen::Lessons;
            let s = draw(&app, 80, 24);
            assert!(s.contains(lang.pick("局域网模式", "LAN mode")), "the lesson list says LAN mode is on:\n{s}");
        }
    }

    #[test]
    fn a_click_focuses_the_pane_under_the_mouse_and_the_wheel_scrolls_it() {
        let app = App::new(Lang::En, 100);
        let mut t = Terminal::new(TestBackend::new(120, 35)).unwrap();
        let mut areas = Areas::default();
        t.draw(|f| areas = render(f, &app, &Theme::new(false))).unwrap();
        let r = areas.0[&Pane::Ladder];
        let at = |kind| MouseEvent { kind, column: r.x + 2, row: r.y + 2, modifiers: KeyModifiers::NONE };
        assert_eq!(
            handle_mouse(&app, &areas, &at(MouseEventKind::Down(MouseButton::Left))),
            vec![Action::Focus(Pane::Ladder)]
        );
        assert_eq!(
            handle_mouse(&app, &areas, &at(MouseEventKind::ScrollUp)),
            vec![Action::Focus(Pane::Ladder), Action::Up]
        );
    }

    #[test]
    fn a_long_command_line_scrolls_to_keep_the_cursor_in_view() {
        let mut app = App::new(Lang::En, 100);
        let line = "car connect --clean false --keepalive 10 --will-topic 汽车/状态 --will-msg offline-now";
        for c in line.chars() {
            app.update(Msg::Action(Action::Input(c)));
        }
        let s = draw(&app, 60, 20);
        let row = s.lines().rev().nth(2).unwrap();
        assert!(row.contains("offline-now"), "{row}");
        assert!(row.contains("…"), "{row}");
        assert!(!row.contains("car connect"), "{row}");
    }

    #[test]
    fn multi_line_payloads_stay_on_one_row() {
        assert_eq!(one_line("{\r\n  \"a\": 1\n}"), "{⏎  \"a\": 1⏎}");
        assert_eq!(one_line("a\u{7}b"), "a\u{fffd}b");
    }

    #[test]
    fn wrap_keeps_display_width() {
        for part in wrap("汽车速度汽车速度 abc", 5) {
            assert!(part.width() <= 5, "{part:?}");
        }
        assert_eq!(wrap("", 5), vec![String::new()]);
    }
}

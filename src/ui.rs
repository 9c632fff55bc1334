//! The screen: layout, the keymap (one table per focus drives key dispatch, the footer hints and the
//! `?` help), and the panes that are not big enough for a file of their own. Renders `&App`; turns
//! keys and mouse events into [`Action`]s. No tokio, no sockets.

pub mod broker;
pub mod chart;
pub mod clients;
pub mod command;
pub mod composer;
pub mod help;
pub mod inspector;
pub mod keys;
pub mod ladder;
pub mod narration;
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

/// Where each pane was drawn last: for mouse clicks.
#[derive(Debug, Default, Clone)]
pub struct Areas(pub HashMap<Pane, Rect>);

impl Areas {
    pub fn pane_at(&self, x: u16, y: u16) -> Option<Pane> {
        self.0.iter().find(|(_, r)| r.contains(Position { x, y })).map(|(p, _)| *p)
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
    if let Some(p) = app.zoom.filter(|p| *p != Pane::Command) {
        render_pane(f, app, theme, p, main);
        areas.0.insert(p, main);
    } else {
        let top_h = (main.height * 3 / 5).max(6);
        let [top, bottom] = Layout::vertical([Constraint::Length(top_h), Constraint::Min(3)]).areas(main);
        let [left, right] = Layout::horizontal([Constraint::Percentage(34), Constraint::Min(20)]).areas(top);
        let [clients, broker] = Layout::vertical([Constraint::Percentage(45), Constraint::Min(3)]).areas(left);
        let wide = bottom.width >= 110;
        let bottom_parts: Vec<(Pane, Rect)> = if wide {
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
            render_pane(f, app, theme, p, r);
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

fn render_pane(f: &mut Frame, app: &App, theme: &Theme, pane: Pane, area: Rect) {
    let focused = app.focus == pane;
    match pane {
        Pane::Inspector => inspector::render(f, area, app, theme, focused),
        Pane::Ladder => ladder::render(f, area, app, theme, focused, app.scroll.get(&pane).copied().unwrap_or(0)),
        Pane::Clients => clients::render_clients(f, app, theme, area),
        Pane::Broker => broker::render_broker(f, app, theme, area),
        Pane::Narration => narration::render_narration(f, app, theme, area),
        Pane::Chart => chart::render_chart(f, app, theme, area),
        Pane::Command => {}
    }
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
        // … elsewhere they are commands.
        app.focus = Pane::Inspector;
        assert_eq!(handle_key(&app, &key('s')), Some(Action::ToggleStep));
        assert_eq!(handle_key(&app, &key(':')), Some(Action::Focus(Pane::Command)));
        assert_eq!(handle_key(&app, &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
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

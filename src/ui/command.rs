//! The command line (with sideways scrolling for long lines), the status row under it (the mark of
//! the last command: …, ✓, ⚠ or ✗ with what happened) and the footer of keys.

use super::keys::keymap;
use super::text::truncate;
use super::theme::Theme;
use crate::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

pub fn render_command(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let [input, status] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let focused = app.focus == Pane::Command;
    let prompt = Span::styled("> ", if focused { theme.focused() } else { theme.dim() });
    // An empty line says what to type: the first screen's clue.
    let text = if app.cmd.text.is_empty() {
        let hint = if focused {
            app.lang.pick(
                "输入命令，例如 phone sub car/speed -q 1（? 帮助）",
                "type a command, e.g. phone sub car/speed -q 1 (? for help)",
            )
        } else {
            app.lang.pick(
                "直接打字即可输入命令，例如 phone sub car/speed -q 1",
                "just type to enter a command, e.g. phone sub car/speed -q 1",
            )
        };
        Span::styled(hint, theme.dim())
    } else {
        Span::raw(String::new())
    };
    // A line longer than the row scrolls sideways so that the cursor stays in view.
    let room = (input.width as usize).saturating_sub(3).max(1);
    let chars: Vec<char> = app.cmd.text.chars().collect();
    let cursor = app.cmd.cursor.min(chars.len());
    let cw = |c: &char| unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
    let mut start = 0;
    let mut before_w: usize = chars[..cursor].iter().map(cw).sum();
    while before_w > room {
        before_w -= cw(&chars[start]);
        start += 1;
    }
    let mut shown = String::new();
    let mut used = 0;
    for c in &chars[start..] {
        if used + cw(c) > room + 1 {
            break;
        }
        shown.push(*c);
        used += cw(c);
    }
    let text = if app.cmd.text.is_empty() { text } else { Span::raw(shown) };
    let marker = if start > 0 { Span::styled("…", theme.dim()) } else { Span::raw("") };
    f.render_widget(Paragraph::new(Line::from(vec![prompt, marker, text])), input);
    if focused {
        let before: String = chars[start..cursor].iter().collect();
        let x = input.x + 2 + u16::from(start > 0) + before.width() as u16;
        f.set_cursor_position(Position { x: x.min(input.right().saturating_sub(1)), y: input.y });
    }
    let line = if let Some(e) = &app.cmd.error {
        Line::from(Span::styled(format!("✗ {}", e.get(app.lang)), theme.error()))
    } else if !app.cmd.candidates.is_empty() {
        Line::from(Span::styled(app.cmd.candidates.join("  "), theme.dim()))
    } else if let Some(m) = app.marks.newest().filter(|m| app.cmd.info.as_deref() == Some(m.line.as_str())) {
        let style = match m.state {
            crate::app::marks::MarkState::Pending(_) => theme.dim(),
            crate::app::marks::MarkState::Ok(_) => theme.ok(),
            crate::app::marks::MarkState::Warn(_) => theme.warn(),
            crate::app::marks::MarkState::Failed(_) => theme.error(),
        };
        Line::from(Span::styled(truncate(&m.status(app.lang), status.width as usize), style))
    } else if let Some(i) = &app.cmd.info {
        Line::from(Span::styled(format!("✓ {i}"), theme.dim()))
    } else {
        Line::default()
    };
    f.render_widget(Paragraph::new(line), status);
}

pub fn render_footer(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let (right, style) = if app.quit_armed {
        (
            app.lang.pick("再按 Ctrl-C 退出，按其他键继续", "Ctrl-C again quits; any other key stays").to_string(),
            theme.warn(),
        )
    } else if app.holding {
        (
            format!("⏸ {} · {} {}", app.lang.pick("单步", "STEP"), app.lang.pick("扣住", "held"), app.held.len()),
            theme.held(),
        )
    } else {
        (String::new(), theme.dim())
    };
    let rw = right.width() as u16;
    let [l, r] = Layout::horizontal([Constraint::Min(0), Constraint::Length(rw + 1)]).areas(area);
    // Whole hints only, as many as fit, with a gap before the status.
    let room = (l.width as usize).saturating_sub(1);
    let mut spans = Vec::new();
    let mut used = 0;
    let bindings = if app.screen == crate::app::Screen::Lessons && app.cmd.text.is_empty() {
        let mut v = super::keys::list_keys();
        v.extend(super::keys::global_keys());
        v
    } else {
        keymap(app.focus)
    };
    for b in bindings.iter().filter(|b| b.footer) {
        let key = b.keys[0].label();
        let words = format!(" {}  ", app.lang.pick(b.zh, b.en));
        let w = key.width() + words.width();
        if used + w > room + 2 {
            break;
        }
        used += w;
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(words));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), l);
    f.render_widget(Paragraph::new(Span::styled(right, style)), Rect { x: r.x + 1, width: r.width - 1, ..r });
}

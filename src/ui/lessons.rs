//! The lesson list, the first screen: the course's parts, each chapter with its progress, what to
//! press, and whether the network can get in (`--lan`). The free lab is one key away (F9, or Esc),
//! and F9 comes back.

use super::text::{pad, truncate, width};
use super::theme::Theme;
use crate::app::App;
use crate::lesson::Part;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn render_lessons(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let lang = app.lang;
    let c = &app.course;
    let block = Block::bordered()
        .title(Span::styled(lang.pick(" mqtt-lab · 课程 ", " mqtt-lab · Lessons "), theme.focused()))
        .border_style(theme.focused());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = vec![
        Line::from(Span::styled(
            truncate(
                lang.pick(
                    "↑↓ 选择 · Enter 开始 · Esc/F9 自由实验室（F9 回来）· Ctrl-C 两次退出",
                    "↑↓ choose · Enter start · Esc or F9 the free lab (F9 comes back) · Ctrl-C twice quits",
                ),
                w,
            ),
            theme.dim(),
        )),
        Line::default(),
    ];
    if !app.lan.is_empty() {
        // With --lan, the first screen already says that the network can get in.
        let t = lang.pick(
            "局域网模式：服务端监听每个网络接口；Arduino 程序的那一行在实验室的解说里（命令 lan）",
            "LAN mode: the broker listens on every network interface; the sketch line is in the lab's narration (command lan)",
        );
        lines.insert(1, Line::from(Span::styled(truncate(t, w), theme.warn())));
    }
    let order = c.order();
    let mut selected_line = 0;
    let mut k = 0;
    for part in Part::ALL {
        let entries = c.part(part);
        if entries.is_empty() {
            continue;
        }
        lines.push(Line::from(Span::styled(part.title(lang).to_string(), theme.key().add_modifier(Modifier::BOLD))));
        for (i, e) in entries {
            let total = e.lesson.steps.len();
            let (mark, prog, style) = match c.record(e.id()) {
                Some(r) if r.finished => {
                    let score = r.score.map(|(a, b)| format!(" {a}/{b}")).unwrap_or_default();
                    ("✓", format!("{total}/{total}{score}"), theme.ok())
                }
                Some(r) if r.done > 0 => ("◐", format!("{}/{total}", r.done.min(total)), theme.warn()),
                _ => (" ", format!("0/{total}"), theme.dim()),
            };
            let sel = order.get(c.selected) == Some(&i);
            if sel {
                selected_line = lines.len();
            }
            let cur = if c.current == Some(i) { "▶" } else { " " };
            // The selection shows without colour too (NO_COLOR, screen readers).
            let pick = if sel { "›" } else { " " };
            let head = format!("{pick}{cur}{mark} {:<4} ", e.id());
            let prog = format!(" {prog}");
            let room = w.saturating_sub(width(&head) + width(&prog) + 1);
            let title = pad(&truncate(e.lesson.title.get(lang), room), room);
            let row_style =
                if sel { theme.focused().add_modifier(Modifier::REVERSED) } else { ratatui::style::Style::new() };
            lines.push(Line::from(vec![
                Span::styled(head, row_style),
                Span::styled(title, row_style),
                Span::styled(prog, if sel { row_style } else { style }),
            ]));
            k += 1;
        }
        lines.push(Line::default());
    }
    let _ = k;
    if let Some(i) = order.get(c.selected).copied()
        && let Some(e) = c.entries.get(i)
        && let Some(g) = &e.lesson.goal
    {
        lines.push(Line::from(Span::styled(truncate(g.get(lang), w), theme.dim())));
    }
    // Keep the selected row in view.
    let h = inner.height as usize;
    let top = selected_line.saturating_sub(h.saturating_sub(3));
    let shown: Vec<Line> = lines.into_iter().skip(top).collect();
    f.render_widget(Paragraph::new(shown), inner);
}

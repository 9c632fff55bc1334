//! The serial pane: what the board printed, each line with the lab's time (the inspector's clock,
//! so a line sits beside the frames it caused), the lab's own notes in another colour (a state
//! code explained, the port unplugged, the board linked to its client), the unfinished line at the
//! bottom, and in the title the port, baud rate, line ending, state, search and filter.

use super::text::{one_line, truncate, wrap_widths};
use super::{pane_block_fit, theme::Theme};
use crate::app::serial::PortState;
use crate::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The title's words after the pane's name: the state first (it matters most), then the port (a
/// long path by its last part), the baud rate, the board, the line ending, the search and filter.
fn title(app: &App) -> String {
    let s = &app.serial;
    let l = app.lang;
    let mut t = String::new();
    match &s.state {
        PortState::Detached => {}
        PortState::Opening => t.push_str(l.pick(" 打开中…", " opening…")),
        PortState::Open => t.push_str(" ●"),
        PortState::Closed { will_retry: true, .. } => {
            t.push_str(l.pick(" ○ 已断开，等它回来", " ○ unplugged, waiting"))
        }
        PortState::Closed { .. } => t.push_str(l.pick(" ○ 已断开", " ○ closed")),
        PortState::Failed { .. } => t.push_str(l.pick(" ✗ 打不开", " ✗ cannot open")),
    }
    if let Some(p) = &s.path {
        let shown = match p.rsplit_once('/') {
            Some((_, name)) if p.chars().count() > 24 => format!("…/{name}"),
            _ => p.clone(),
        };
        t.push_str(&format!(" {shown} {}", s.baud));
    }
    if let Some(b) = &s.board
        && let Some(c) = app.clients.iter().find(|c| &c.name == b)
        && let Some(v) = &c.board
    {
        let led = if v.led { "LED ●" } else { "LED ○" };
        t.push_str(&format!(" · {b} {} {led}", v.sketch));
    }
    t.push_str(&format!(" · {}", s.ending.label()));
    if let Some(q) = &s.search {
        t.push_str(&format!(" · {}{q}", l.pick("找：", "find: ")));
    }
    if s.filtering {
        t.push_str(l.pick(" · 只看这块板", " · this board only"));
    }
    t
}

pub fn render_serial(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let inner_h = area.height.saturating_sub(2) as usize;
    let w = (area.width.saturating_sub(2) as usize).max(8);
    let s = &app.serial;
    let shown = s.shown();
    let scroll = app.scroll.get(&Pane::Serial).copied().unwrap_or(0).min(shown.len());
    let mut rows: Vec<Line> = Vec::new();
    if scroll == 0
        && let Some(p) = &s.pending
    {
        rows.push(Line::from(Span::raw(truncate(&format!("        {}", one_line(p)), w))));
    }
    let end = shown.len() - scroll;
    // Newest at the bottom; the time column is the inspector's clock.
    for l in shown[..end].iter().rev() {
        if rows.len() >= inner_h {
            break;
        }
        let time = format!("{:>7.1} ", l.at.as_secs_f64());
        let mut entry: Vec<Line> = Vec::new();
        if !l.lab || !l.text.is_empty() {
            let text = one_line(&l.text);
            entry.push(Line::from(vec![Span::styled(time.clone(), theme.dim()), Span::raw(truncate(&text, w - 8))]));
        }
        if let Some(n) = &l.note {
            let lead = if l.lab { time.clone() } else { "      ↳ ".to_string() };
            let style = if l.lab { theme.dim() } else { theme.warn() };
            let parts =
                n.get(app.lang).lines().flat_map(|l| wrap_widths(&one_line(l), w - 8, w - 8)).collect::<Vec<_>>();
            for (i, part) in parts.into_iter().enumerate() {
                let lead = if i == 0 { lead.clone() } else { "        ".to_string() };
                entry.push(Line::from(vec![Span::styled(lead, theme.dim()), Span::styled(part, style)]));
            }
        }
        for line in entry.into_iter().rev() {
            rows.push(line);
        }
    }
    rows.truncate(inner_h);
    rows.reverse();
    if rows.is_empty() {
        rows.push(Line::from(Span::styled(
            app.lang.pick(
                "没有串口：serial list 列出串口，serial open 端口 打开；没有开发板：new esp --sketch connect",
                "no port: serial list shows the ports, serial open PORT opens one; no board: new esp --sketch connect",
            ),
            theme.dim(),
        )));
    }
    let extra = title(app);
    let block = pane_block_fit(app, theme, Pane::Serial, &extra, area.width);
    f.render_widget(Paragraph::new(rows).block(block), area);
}

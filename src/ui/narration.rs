//! The narration pane: one timeline of what the broker, the clients and the gate say, each line with
//! its voice, wrapped at word boundaries; held frames on top while step mode holds them.

use super::text::{one_line, truncate, width, wrap_widths};
use super::{pane_block, theme::Theme};
use crate::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render_narration(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let inner_h = area.height.saturating_sub(2) as usize;
    let w = area.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    if app.holding || !app.held.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(
                "⏸ {} {} — F3 {} · F4 {} · F5 {}",
                app.lang.pick("单步：暂扣", "step: holding"),
                app.held.len(),
                app.lang.pick("放行", "release"),
                app.lang.pick("丢弃", "drop"),
                app.lang.pick("切断", "cut")
            ),
            theme.held(),
        )));
        for h in app.held.iter().take(4) {
            let who = h.client.clone().unwrap_or_else(|| format!("#{}", h.conn));
            let arrow = match h.dir {
                crate::world::record::Dir::In => format!("{who}→broker"),
                crate::world::record::Dir::Out => format!("broker→{who}"),
            };
            lines.push(Line::from(Span::styled(
                truncate(
                    &format!(
                        "  {arrow} {}",
                        crate::app::inspector::frame_summary_v(&h.bytes, app.conn_version(h.conn), app.lang)
                    ),
                    w,
                ),
                theme.held(),
            )));
        }
    }
    let room = inner_h.saturating_sub(lines.len());
    let scroll = app.scroll.get(&Pane::Narration).copied().unwrap_or(0);
    // Newest last. Each line starts with its voice; long lines wrap at word boundaries onto
    // following rows, indented by one column.
    let mut rows: Vec<Line> = Vec::new();
    let end = app.narration.len().saturating_sub(scroll.min(app.narration.len()));
    let sep = if app.lang.is_zh() { "：" } else { ": " };
    for (_, n) in app.narration.iter().take(end).rev() {
        if rows.len() >= room {
            break;
        }
        let voice = format!("{}{sep}", n.voice(app.lang));
        let body = one_line(&n.body(app.lang));
        let vw = width(&voice);
        let w = w.max(4);
        let first = w.saturating_sub(vw).max(1);
        let wrapped = wrap_widths(&body, first, w.saturating_sub(1));
        let (voice_style, style) = match n {
            crate::app::Narration::Broker(_) => (theme.key(), Style::new()),
            crate::app::Narration::Gate { .. } => (theme.error(), Style::new()),
            crate::app::Narration::Note { client, .. } if client == "lab" => (theme.warn(), Style::new()),
            _ => (theme.client_to_broker(), theme.dim()),
        };
        // Whole entries only: one that does not fit any more is left for scrolling back to.
        if !rows.is_empty() && rows.len() + wrapped.len() > room {
            break;
        }
        for (i, part) in wrapped.into_iter().enumerate().rev() {
            if i == 0 {
                rows.push(Line::from(vec![Span::styled(voice.clone(), voice_style), Span::styled(part, style)]));
            } else {
                rows.push(Line::from(Span::styled(format!(" {part}"), style)));
            }
        }
    }
    rows.truncate(room);
    rows.reverse();
    lines.extend(rows);
    let p = Paragraph::new(lines).block(pane_block(app, theme, Pane::Narration, String::new()));
    f.render_widget(p, area);
}

//! The clients pane: each virtual client with its state (in the tunnel, frozen, refused …), its
//! subscriptions with their granted QoS, its unacknowledged messages and the last message it got.

use super::text::one_line;
use super::{pane_block, theme::Theme};
use crate::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn qos_text(q: Option<Option<crate::proto::QoS>>) -> String {
    match q {
        None => "…".into(),
        Some(None) => "0x80".into(),
        Some(Some(q)) => format!("q{}", q.as_u8()),
    }
}

pub fn render_clients(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let zh = app.lang.is_zh();
    let inner_h = area.height.saturating_sub(2) as usize;
    let bold = Style::new().add_modifier(ratatui::style::Modifier::BOLD);
    let head = |c: &crate::app::ClientView, full: bool| {
        let dot = if c.connected { Span::styled("● ", theme.ok()) } else { Span::styled("○ ", theme.dim()) };
        let mut spans = vec![dot, Span::styled(c.name.clone(), bold)];
        if zh
            && full
            && let Some(l) = &c.label_zh
        {
            spans.push(Span::raw(format!(" {l}")));
        }
        if full || !c.connected {
            let state = if zh { &c.state_zh } else { &c.state_en };
            spans.push(Span::styled(format!(" {state}"), theme.dim()));
        }
        if c.frozen {
            spans.push(Span::styled(app.lang.pick(" 冻结", " frozen"), theme.warn()));
        }
        if c.link_cut {
            spans.push(Span::styled(app.lang.pick(" 断线", " link cut"), theme.error()));
        }
        spans
    };
    let last = |c: &crate::app::ClientView| {
        app.deliveries.iter().rev().find(|d| d.client == c.name).map(|d| {
            Span::styled(
                format!(
                    " ⇐ {} {} q{}{}",
                    d.topic,
                    one_line(&d.payload),
                    d.qos.as_u8(),
                    if d.retain { " R" } else { "" }
                ),
                theme.broker_to_client(),
            )
        })
    };
    let subs_text = |c: &crate::app::ClientView| -> Option<String> {
        (!c.subscriptions.is_empty()).then(|| {
            let subs: Vec<String> = c.subscriptions.iter().map(|(t, q)| format!("{t} {}", qos_text(*q))).collect();
            format!("{} {}", app.lang.pick("订阅", "sub"), subs.join(", "))
        })
    };
    let mut lines: Vec<Line> = Vec::new();
    for c in &app.clients {
        lines.push(Line::from(head(c, true)));
        if let Some(s) = subs_text(c) {
            lines.push(Line::from(format!("  {s}")));
        }
        if !c.inflight.is_empty() {
            let ids: Vec<String> = c.inflight.iter().map(|(id, st)| format!("{id} {st}")).collect();
            lines.push(Line::from(format!("  {} {}", app.lang.pick("待确认", "inflight"), ids.join(", "))));
        }
        if let Some(d) = last(c) {
            lines.push(Line::from(vec![Span::raw(" "), d]));
        }
    }
    if lines.len() > inner_h {
        // Short of room: one line per client — name, its newest message, its subscriptions.
        lines = app
            .clients
            .iter()
            .map(|c| {
                let mut spans = head(c, false);
                spans.extend(last(c));
                if let Some(s) = subs_text(c) {
                    spans.push(Span::styled(format!(" [{s}]"), theme.dim()));
                }
                if !c.inflight.is_empty() {
                    spans.push(Span::styled(format!(" {}✉", c.inflight.len()), theme.warn()));
                }
                Line::from(spans)
            })
            .collect();
    }
    let p = Paragraph::new(lines).block(pane_block(app, theme, Pane::Clients, String::new()));
    f.render_widget(p, area);
}

//! The broker pane: where it listens (and the line for a sketch), its sessions, the subscriptions as
//! a topic tree and the retained messages, as the broker itself reports them.

use super::text::{one_line, truncate};
use super::{pane_block, theme::Theme};
use crate::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn ago(now: std::time::Duration, then: std::time::Duration) -> String {
    let s = now.saturating_sub(then).as_secs();
    if s < 60 { format!("{s}s") } else { format!("{}m{}s", s / 60, s % 60) }
}

pub fn render_broker(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let b = &app.broker;
    let zh = app.lang.is_zh();
    let mut lines = Vec::new();
    let head = |t: &str| Line::from(Span::styled(t.to_string(), theme.dim()));
    for (en, zh_text) in &app.lan {
        lines.push(Line::from(Span::styled(if zh { zh_text.clone() } else { en.clone() }, theme.warn())));
    }
    lines.push(head(app.lang.pick("会话", "sessions")));
    for s in &b.sessions {
        let mut t = format!(
            "{} {} {}={} ka={} {}",
            if s.connected { "●" } else { "○" },
            s.client_id,
            if zh { "清理" } else { "clean" },
            s.clean as u8,
            s.keep_alive,
            if s.connected {
                format!("{}{}", app.lang.pick("空闲", "idle "), s.idle.as_secs())
            } else {
                String::new()
            }
        );
        if let Some(w) = &s.will {
            t.push_str(&format!(" {}={w}", app.lang.pick("遗嘱", "will")));
        }
        if s.queued > 0 {
            t.push_str(&format!(" {}={}", app.lang.pick("排队", "queued"), s.queued));
        }
        if s.inflight > 0 {
            t.push_str(&format!(" {}={}", app.lang.pick("待确认", "inflight"), s.inflight));
        }
        lines.push(Line::from(t));
    }
    lines.push(head(app.lang.pick("订阅（主题树）", "subscriptions (topic tree)")));
    lines.extend(subscription_tree(&b.subscriptions).into_iter().map(Line::from));
    lines.push(head(app.lang.pick("保留消息", "retained")));
    for r in &b.retained {
        lines.push(Line::from(format!(
            "  {} = {} q{} ({} {})",
            r.topic,
            truncate(&one_line(&r.payload), 20),
            r.qos.as_u8(),
            ago(app.now, r.stored_at),
            app.lang.pick("前", "ago")
        )));
    }
    let p = Paragraph::new(lines).block(pane_block(
        app,
        theme,
        Pane::Broker,
        b.listen.first().map(|a| format!(" {a}")).unwrap_or_default(),
    ));
    f.render_widget(p, area);
}

/// The subscriptions as a tree of topic levels: shared leading levels are written once.
pub fn subscription_tree(subs: &[(String, String, crate::proto::QoS)]) -> Vec<String> {
    let mut sorted: Vec<&(String, String, crate::proto::QoS)> = subs.iter().collect();
    sorted.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let mut out = Vec::new();
    let mut prev: Vec<&str> = Vec::new();
    for (filter, client, q) in sorted {
        let levels: Vec<&str> = filter.split('/').collect();
        let common = levels.iter().zip(&prev).take_while(|(a, b)| a == b).count().min(levels.len() - 1);
        for (d, level) in levels.iter().enumerate().take(levels.len() - 1).skip(common) {
            out.push(format!("{}{}/", "  ".repeat(d + 1), level));
        }
        let leaf = levels[levels.len() - 1];
        let leaf = if leaf.is_empty() { "\"\"" } else { leaf };
        out.push(format!("{}{leaf} → {client} q{}", "  ".repeat(levels.len()), q.as_u8()));
        prev = levels;
    }
    out
}

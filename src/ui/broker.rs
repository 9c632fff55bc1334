//! The broker pane: where it listens (and the line for a sketch), its sessions, the subscriptions as
//! a topic tree and the retained messages, as the broker itself reports them.

use super::clients::wrap_spans;
use super::text::{one_line, truncate};
use super::{pane_block, theme::Theme};
use crate::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn ago(now: std::time::Duration, then: std::time::Duration, lang: crate::i18n::Lang) -> String {
    let s = now.saturating_sub(then).as_secs();
    match (lang, s < 60) {
        (crate::i18n::Lang::Zh, true) => format!("{s} 秒前"),
        (crate::i18n::Lang::Zh, false) => format!("{} 分 {} 秒前", s / 60, s % 60),
        (crate::i18n::Lang::En, true) => format!("{s}s ago"),
        (crate::i18n::Lang::En, false) => format!("{}m{}s ago", s / 60, s % 60),
    }
}

/// Draws the pane (long lines wrap; it scrolls when focused); returns how far it can scroll.
pub fn render_broker(f: &mut Frame, app: &App, theme: &Theme, area: Rect) -> usize {
    let b = &app.broker;
    let lang = app.lang;
    let w = area.width.saturating_sub(2).max(1) as usize;
    let inner_h = area.height.saturating_sub(2) as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    let head = |t: &str| Line::from(Span::styled(t.to_string(), theme.dim()));
    let add = |lines: &mut Vec<Line<'static>>, spans: Vec<Span<'static>>| lines.extend(wrap_spans(spans, w));
    for t in &app.lan_sketch {
        add(&mut lines, vec![Span::styled(t.get(lang).trim_start().to_string(), theme.warn())]);
    }
    lines.push(head(lang.pick("会话", "sessions")));
    for s in &b.sessions {
        let mut t = format!(
            "{} {} {}={} {}={}",
            if s.connected { "●" } else { "○" },
            s.client_id,
            lang.pick("清除会话", "clean"),
            s.clean as u8,
            lang.pick("心跳", "ka"),
            s.keep_alive,
        );
        if s.connected {
            t.push_str(&match lang {
                crate::i18n::Lang::Zh => format!(" 空闲{}秒", s.idle.as_secs()),
                crate::i18n::Lang::En => format!(" idle {}s", s.idle.as_secs()),
            });
        }
        if let Some(will) = &s.will {
            t.push_str(&format!(" {}={will}", lang.pick("遗嘱", "will")));
        }
        if s.queued > 0 {
            t.push_str(&format!(" {}={}", lang.pick("排队", "queued"), s.queued));
        }
        if s.inflight > 0 {
            t.push_str(&format!(" {}={}", lang.pick("待确认", "inflight"), s.inflight));
        }
        add(&mut lines, vec![Span::raw(t)]);
    }
    lines.push(head(lang.pick("订阅（主题树）", "subscriptions (topic tree)")));
    for t in subscription_tree(&b.subscriptions) {
        add(&mut lines, vec![Span::raw(t)]);
    }
    lines.push(head(lang.pick("保留消息", "retained")));
    for r in &b.retained {
        let t = format!(
            "  {} = {} q{} {}",
            r.topic,
            truncate(&one_line(&r.payload), 20),
            r.qos.as_u8(),
            match lang {
                crate::i18n::Lang::Zh => format!("（{}）", ago(app.now, r.stored_at, lang)),
                crate::i18n::Lang::En => format!("({})", ago(app.now, r.stored_at, lang)),
            }
        );
        add(&mut lines, vec![Span::raw(t)]);
    }
    let max = lines.len().saturating_sub(inner_h);
    let mut title = String::new();
    if max > 0 {
        let top = app.scroll.get(&Pane::Broker).copied().unwrap_or(0).min(max);
        title.push_str(&format!(" {}/{}", top + inner_h, lines.len()));
        lines.drain(..top);
    }
    title.push_str(&b.listen.first().map(|a| format!(" {a}")).unwrap_or_default());
    let p = Paragraph::new(lines).block(pane_block(app, theme, Pane::Broker, title));
    f.render_widget(p, area);
    max
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

//! The IoT console of the applications part: the lesson's widgets bound to topics — switches (digit
//! keys or `switch N on|off`), lamps, gauges, charts and presence badges — showing what the console
//! client really received, so that after the console starts again its state comes back only through
//! retained messages.

use super::text::truncate;
use super::{pane_block, theme::Theme};
use crate::app::{App, Pane};
use crate::lesson::model::Widget;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The newest payload the console client got on `topic`, and whether it came as a retained replay.
fn newest<'a>(app: &'a App, topic: &str) -> Option<(&'a str, bool)> {
    app.deliveries
        .iter()
        .rev()
        .find(|d| d.client == "console" && d.topic == topic)
        .map(|d| (d.payload.as_str(), d.retain))
}

/// A line of ▁▂▃▄▅▆▇█ for the newest numeric values the console client got on a topic (a console
/// that starts again starts its curve again).
fn spark(app: &App, topic: &str, n: usize) -> String {
    let mut v: Vec<f64> = app
        .deliveries
        .iter()
        .rev()
        .filter(|d| d.client == "console" && d.topic == topic)
        .filter_map(|d| d.payload.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .take(n)
        .collect();
    v.reverse();
    let (lo, hi) = v.iter().fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
    let bars = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    v.iter().map(|x| if hi > lo { bars[(((x - lo) / (hi - lo)) * 7.0).round() as usize] } else { bars[3] }).collect()
}

pub fn render_console(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let lang = app.lang;
    let w = area.width.saturating_sub(2) as usize;
    let online = app.clients.iter().any(|c| c.name == "console" && c.connected);
    let mut lines: Vec<Line> = Vec::new();
    if !online {
        lines.push(Line::from(Span::styled(
            lang.pick("控制台（console 客户端）不在线", "the console (client console) is offline"),
            theme.warn(),
        )));
    }
    let mut switch = 0;
    for wd in app.course.run.iter().flat_map(|r| r.lesson.console.iter()) {
        let line = match &wd.value {
            Widget::Switch(s) => {
                switch += 1;
                let on = app.console_on.get(&switch).copied();
                let state = match on {
                    Some(true) => Span::styled("[ ON ]", theme.ok()),
                    Some(false) => Span::styled("[OFF ]", theme.dim()),
                    None => Span::styled("[ -- ]", theme.dim()),
                };
                Line::from(vec![
                    Span::styled(format!("{switch} "), theme.key()),
                    state,
                    Span::raw(format!(" {} → {}", s.label.get(lang), s.topic.value)),
                ])
            }
            Widget::Lamp(t) => {
                let (mark, word, style) = match newest(app, &t.topic.value) {
                    Some((p, _)) if p == t.on => ("●", lang.pick("亮", "on"), theme.warn()),
                    Some(_) => ("○", lang.pick("灭", "off"), theme.dim()),
                    None => ("?", lang.pick("未知", "unknown"), theme.dim()),
                };
                Line::from(vec![
                    Span::styled(format!("  {mark} "), style),
                    Span::raw(format!("{} ", t.label.get(lang))),
                    Span::styled(word.to_string(), style),
                ])
            }
            Widget::Gauge(t) => {
                let v = newest(app, &t.topic.value).map_or("—".to_string(), |(p, _)| p.to_string());
                let unit = t.unit.clone().unwrap_or_default();
                Line::from(vec![
                    Span::raw(format!("  {} ", t.label.get(lang))),
                    Span::styled(format!("{v}{unit}"), theme.key()),
                ])
            }
            Widget::Chart(t) => {
                let label = format!("  {} ", t.label.get(lang));
                let room = w.saturating_sub(label.chars().count() + 1).max(4);
                Line::from(vec![Span::raw(label), Span::styled(spark(app, &t.topic.value, room), theme.ok())])
            }
            Widget::Presence(p) => {
                let (word, style) = match newest(app, &p.topic.value) {
                    Some((x, _)) if x == p.online => (lang.pick("在线", "online"), theme.ok()),
                    Some((x, _)) if x == p.offline => (lang.pick("离线", "offline"), theme.error()),
                    Some((x, _)) => (x, theme.dim()),
                    None => (lang.pick("未知", "unknown"), theme.dim()),
                };
                Line::from(vec![Span::raw(format!("  {} ", p.label.get(lang))), Span::styled(word.to_string(), style)])
            }
        };
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        lines.push(if text.chars().count() > w { Line::from(truncate(&text, w)) } else { line });
    }
    if switch > 0 {
        lines.push(Line::from(Span::styled(
            lang.pick("switch N on|off 拨开关（本窗格里按数字键也行）", "switch N on|off (or digit keys here)"),
            theme.dim(),
        )));
    }
    let p = Paragraph::new(lines).block(pane_block(app, theme, Pane::Console, String::new()));
    f.render_widget(p, area);
}

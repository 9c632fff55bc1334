//! The clients pane: each virtual client with its real state (connected, in the tunnel with the
//! broker's countdown, frozen, refused …), its subscriptions with their granted QoS, its
//! unacknowledged messages and the last message it got. Long lines wrap; when focused the pane
//! scrolls, when not and short of room it shows one line per client.

use super::text::{one_line, truncate, width, wrap_styled};
use super::{pane_block, theme::Theme};
use crate::app::{App, ClientView, Pane};
use crate::i18n::Lang;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::time::Duration;

fn qos_text(q: Option<Option<crate::proto::QoS>>) -> String {
    match q {
        None => "…".into(),
        Some(None) => "0x80".into(),
        Some(Some(q)) => format!("q{}", q.as_u8()),
    }
}

/// Where a client in the tunnel stands, as the broker sees it.
pub enum Tunnel {
    /// The broker still holds the connection open; it gives up after `left`.
    Counting { left: Duration, keep_alive: u16 },
    /// Keep alive 0: the broker never gives up on its own.
    Never,
    /// The broker has noticed and closed the connection.
    Noticed,
}

/// The tunnel state of `c`, from the broker's session table (its own idle time and keep alive).
pub fn tunnel(app: &App, c: &ClientView) -> Option<Tunnel> {
    if !c.link_cut {
        return None;
    }
    let s = app.broker.sessions.iter().find(|s| s.client_id == c.client_id);
    Some(match s {
        Some(s) if s.connected && s.keep_alive == 0 => Tunnel::Never,
        Some(s) if s.connected => {
            let limit = Duration::from_millis(s.keep_alive as u64 * 1500);
            Tunnel::Counting { left: limit.saturating_sub(s.idle), keep_alive: s.keep_alive }
        }
        // With an external broker there is no session table: count from the cut.
        None if app.marks.external && c.keep_alive > 0 => {
            let limit = Duration::from_millis(c.keep_alive as u64 * 1500);
            let since = c.tunnel_since.map_or(Duration::ZERO, |t| app.now.saturating_sub(t));
            Tunnel::Counting { left: limit.saturating_sub(since), keep_alive: c.keep_alive }
        }
        None if app.marks.external => Tunnel::Never,
        _ => Tunnel::Noticed,
    })
}

/// The words for a tunnel state: (short, long).
pub fn tunnel_words(t: &Tunnel, lang: Lang, will: bool) -> (String, String) {
    match t {
        Tunnel::Counting { left, keep_alive } => {
            let s = left.as_secs_f64().ceil() as u64;
            let limit = *keep_alive as f64 * 1.5;
            let then = match (lang, will) {
                (Lang::Zh, true) => "，然后发布遗嘱",
                (Lang::Zh, false) => "",
                (Lang::En, true) => ", then publishes the will",
                (Lang::En, false) => "",
            };
            match lang {
                Lang::Zh => (
                    format!("在隧道里，{s} 秒后服务端发现"),
                    format!(
                        "在隧道里：服务端还不知道，{s} 秒后发现（1.5 × 心跳间隔 {keep_alive} 秒 = {limit} 秒）{then}"
                    ),
                ),
                Lang::En => (
                    format!("in the tunnel, broker notices in {s} s"),
                    format!(
                        "in the tunnel: the broker does not know yet and notices in {s} s (1.5 × keep alive {keep_alive} s = {limit} s){then}"
                    ),
                ),
            }
        }
        Tunnel::Never => {
            let long = lang.pick(
                "在隧道里：心跳间隔为 0，服务端永远不会自己发现",
                "in the tunnel: keep alive is 0, so the broker never notices on its own",
            );
            (lang.pick("在隧道里（心跳间隔 0）", "in the tunnel (keep alive 0)").to_string(), long.to_string())
        }
        Tunnel::Noticed => {
            let long = lang.pick(
                "在隧道里：服务端已经发现并断开了连接；用 connect 命令重新连接",
                "in the tunnel: the broker noticed and closed the connection; the connect command connects again",
            );
            (lang.pick("在隧道里，服务端已断开", "in the tunnel, broker gave up").to_string(), long.to_string())
        }
    }
}

/// One client's head: the dot of its real state, its name, and its state in words.
fn head<'a>(app: &App, theme: &Theme, c: &ClientView, long: bool) -> Vec<Span<'a>> {
    let lang = app.lang;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let tun = tunnel(app, c);
    let dot = match (&tun, c.connected, c.frozen) {
        (Some(_), _, _) => Span::styled("◌ ", theme.error()),
        (None, true, true) => Span::styled("◍ ", theme.warn()),
        (None, true, false) => Span::styled("● ", theme.ok()),
        (None, false, _) => Span::styled("○ ", theme.dim()),
    };
    let mut spans = vec![dot, Span::styled(c.name.clone(), bold)];
    if lang.is_zh()
        && long
        && let Some(l) = &c.label_zh
    {
        spans.push(Span::raw(format!(" {l}")));
    }
    let state = match &tun {
        Some(t) => {
            let (short, full) = tunnel_words(t, lang, c.will.is_some());
            Span::styled(format!(" {}", if long { full } else { short }), theme.error())
        }
        None if c.frozen => Span::styled(
            format!(" {}", lang.pick("冻结：不调用 loop()，什么都不处理", "frozen: no loop(), it handles nothing")),
            theme.warn(),
        ),
        None => Span::styled(format!(" {}", c.state.get(lang)), theme.dim()),
    };
    if long || !c.connected || tun.is_some() || c.frozen {
        spans.push(state);
    }
    if let Some(b) = &c.board {
        // A board: its LED, and whether it has power at all.
        let (mark, style) = match (b.powered, b.led) {
            (false, _) => (lang.pick(" 断电", " no power").to_string(), theme.error()),
            (true, true) => (" 💡LED".to_string(), theme.warn()),
            (true, false) => (" LED ○".to_string(), theme.dim()),
        };
        spans.push(Span::styled(mark, style));
    }
    spans
}

fn last<'a>(app: &App, theme: &Theme, c: &ClientView) -> Option<Span<'a>> {
    app.deliveries.iter().rev().find(|d| d.client == c.name).map(|d| {
        Span::styled(
            format!(" ⇐ {} {} q{}{}", d.topic, one_line(&d.payload), d.qos.as_u8(), if d.retain { " R" } else { "" }),
            theme.broker_to_client(),
        )
    })
}

fn subs_text(app: &App, c: &ClientView) -> Option<String> {
    (!c.subscriptions.is_empty()).then(|| {
        let subs: Vec<String> = c.subscriptions.iter().map(|(t, q)| format!("{t} {}", qos_text(*q))).collect();
        format!("{} {}", app.lang.pick("订阅", "sub"), subs.join(", "))
    })
}

/// Spans wrapped to `w` columns at word boundaries; following rows indented by two.
pub fn wrap_spans(spans: Vec<Span<'static>>, w: usize) -> Vec<Line<'static>> {
    let parts: Vec<(&str, Style)> = spans.iter().map(|s| (s.content.as_ref(), s.style)).collect();
    wrap_styled(&parts, w, w.saturating_sub(2))
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let lead = (i > 0).then(|| Span::raw("  "));
            Line::from(lead.into_iter().chain(l.into_iter().map(|(t, s)| Span::styled(t, s))).collect::<Vec<_>>())
        })
        .collect()
}

/// Draws the pane; returns how far it can scroll.
pub fn render_clients(f: &mut Frame, app: &App, theme: &Theme, area: Rect) -> usize {
    let inner_h = area.height.saturating_sub(2) as usize;
    let w = area.width.saturating_sub(2).max(1) as usize;
    let focused = app.focus == Pane::Clients || app.zoom == Some(Pane::Clients);
    let mut lines: Vec<Line> = Vec::new();
    for c in &app.clients {
        lines.extend(wrap_spans(head(app, theme, c, true), w));
        if let Some(s) = subs_text(app, c) {
            lines.extend(wrap_spans(vec![Span::raw(format!("  {s}"))], w));
        }
        if !c.inflight.is_empty() {
            let ids: Vec<String> = c.inflight.iter().map(|(id, st)| format!("{id} {st}")).collect();
            let t = format!("  {} {}", app.lang.pick("待确认", "inflight"), ids.join(", "));
            lines.extend(wrap_spans(vec![Span::raw(t)], w));
        }
        if let Some(d) = last(app, theme, c) {
            lines.extend(wrap_spans(vec![Span::raw(" "), d], w));
        }
    }
    let mut extra = String::new();
    let max = lines.len().saturating_sub(inner_h);
    if lines.len() > inner_h && !focused {
        // Short of room and not being read: one line per client (Tab here, or zoom, shows all).
        lines = app
            .clients
            .iter()
            .map(|c| {
                let mut spans = head(app, theme, c, false);
                spans.extend(last(app, theme, c));
                if let Some(s) = subs_text(app, c) {
                    spans.push(Span::styled(format!(" [{s}]"), theme.dim()));
                }
                if !c.inflight.is_empty() {
                    spans.push(Span::styled(format!(" {}✉", c.inflight.len()), theme.warn()));
                }
                let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
                if width(&text) > w {
                    // Keep the styled head, cut the rest.
                    let mut out = Vec::new();
                    let mut used = 0;
                    for s in spans {
                        let sw = width(&s.content);
                        if used + sw <= w {
                            used += sw;
                            out.push(s);
                        } else {
                            out.push(Span::styled(truncate(&s.content, w - used), s.style));
                            break;
                        }
                    }
                    Line::from(out)
                } else {
                    Line::from(spans)
                }
            })
            .collect();
        if lines.len() > inner_h {
            extra = " ↓".into();
        }
    } else if lines.len() > inner_h {
        let top = app.scroll.get(&Pane::Clients).copied().unwrap_or(0).min(lines.len() - inner_h);
        extra = format!(" {}/{}", top + inner_h, lines.len());
        lines = lines.into_iter().skip(top).collect();
    }
    let p = Paragraph::new(lines).block(pane_block(app, theme, Pane::Clients, extra));
    f.render_widget(p, area);
    max
}

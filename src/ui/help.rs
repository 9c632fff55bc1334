//! `?` help: a modal page over the whole screen that scrolls, made from the keymap and the command
//! table (the same ones that dispatch keys and parse commands), so it cannot fall behind them.

use super::keys::{Binding, Key, command_keys, global_keys, help_keys, pane_keys};
use super::text::{pad, width, wrap_widths};
use super::theme::Theme;
use crate::app::command::{CLIENT_VERBS, CONNECT_OPTS, LAB_COMMANDS, V5_VERB_OPTS};
use crate::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

/// A line of the page before it is fitted: a styled lead (a key, a command) and the words after it.
struct Row {
    lead: String,
    lead_style: Style,
    words: String,
    words_style: Style,
}

/// The rows of the page for `app`'s language and focus.
fn rows(app: &App, theme: &Theme) -> Vec<Row> {
    let l = app.lang;
    let mut out = Vec::new();
    let head = |out: &mut Vec<Row>, s: &str| {
        out.push(Row {
            lead: String::new(),
            lead_style: Style::new(),
            words: String::new(),
            words_style: Style::new(),
        });
        out.push(Row {
            lead: s.to_string(),
            lead_style: theme.focused(),
            words: String::new(),
            words_style: Style::new(),
        });
    };
    let text = |out: &mut Vec<Row>, s: &str| {
        out.push(Row { lead: String::new(), lead_style: Style::new(), words: s.to_string(), words_style: Style::new() })
    };
    let keys = |out: &mut Vec<Row>, bs: &[Binding]| {
        for b in bs {
            let k: Vec<String> = b.keys.iter().map(Key::label).collect();
            out.push(Row {
                lead: k.join(" "),
                lead_style: theme.key(),
                words: l.pick(b.zh, b.en).to_string(),
                words_style: Style::new(),
            });
        }
    };
    text(
        &mut out,
        l.pick(
            "mqtt-lab 里有一个 MQTT 服务端和三个客户端：car（汽车）、phone（手机）、computer（电脑）。在最下面的 > 后输入命令，按 Enter 执行。",
            "mqtt-lab runs an MQTT broker and three clients: car, phone and computer. Type a command after > at the bottom and press Enter.",
        ),
    );
    head(&mut out, l.pick("先试这两条", "Try these two first"));
    for (c, zh, en) in [
        ("phone sub car/speed -q 1", "手机订阅汽车速度", "the phone subscribes to the car's speed"),
        (
            "car pub car/speed 60 -q 1",
            "汽车发布速度 60，看报文检查器和时序图",
            "the car publishes 60; watch the inspector and the ladder",
        ),
    ] {
        out.push(Row {
            lead: c.into(),
            lead_style: theme.key(),
            words: l.pick(zh, en).into(),
            words_style: Style::new(),
        });
    }
    head(&mut out, l.pick("本窗格的按键：", "Keys of this pane: ").to_string().as_str());
    if let Some(last) = out.last_mut() {
        last.lead.push_str(app.focus.title(l));
    }
    let own = if app.focus == Pane::Command { command_keys() } else { pane_keys(app.focus) };
    keys(&mut out, &own);
    if app.focus != Pane::Command {
        text(
            &mut out,
            l.pick(
                "在窗格里直接打字，字会进入命令行，不会触发别的操作。",
                "Typing in a pane types into the command line; letters never trigger anything else.",
            ),
        );
    }
    head(&mut out, l.pick("任何时候", "Anywhere"));
    keys(&mut out, &global_keys());
    head(&mut out, l.pick("帮助页", "This page"));
    keys(&mut out, &help_keys());
    head(
        &mut out,
        l.pick(
            "客户端命令：名字 动作 …（名字如 car、phone、computer）",
            "Client commands: NAME VERB … (NAME is car, phone, computer, …)",
        ),
    );
    for v in CLIENT_VERBS {
        out.push(Row {
            lead: v.usage.into(),
            lead_style: theme.key(),
            words: String::new(),
            words_style: Style::new(),
        });
        out.push(Row {
            lead: String::new(),
            lead_style: Style::new(),
            words: format!("{}    {} {}", l.pick(v.zh, v.en), l.pick("例：", "e.g."), v.example),
            words_style: Style::new(),
        });
    }
    head(&mut out, l.pick("连接选项（connect 和 new）", "Connect options (connect and new)"));
    for o in CONNECT_OPTS {
        let lead = if o.arg.is_empty() { o.name.to_string() } else { format!("{} {}", o.name, o.arg) };
        out.push(Row { lead, lead_style: theme.key(), words: l.pick(o.zh, o.en).into(), words_style: Style::new() });
    }
    head(
        &mut out,
        l.pick(
            "pub、sub 和 disconnect 的 MQTT 5.0 选项（用 --v5 连接的客户端）",
            "MQTT 5.0 options of pub, sub and disconnect (clients connected with --v5)",
        ),
    );
    for v in V5_VERB_OPTS {
        let o = &v.opt;
        let lead = if o.arg.is_empty() {
            format!("{} {}", v.verb, o.name)
        } else {
            format!("{} {} {}", v.verb, o.name, o.arg)
        };
        out.push(Row { lead, lead_style: theme.key(), words: l.pick(o.zh, o.en).into(), words_style: Style::new() });
    }
    head(&mut out, l.pick("实验室命令", "Lab commands"));
    for c in LAB_COMMANDS {
        out.push(Row {
            lead: c.usage.into(),
            lead_style: theme.key(),
            words: l.pick(c.zh, c.en).into(),
            words_style: Style::new(),
        });
    }
    head(&mut out, l.pick("标记", "Marks"));
    for (m, zh, en) in [
        ("…", "已发出，等待回应", "sent, waiting for the answer"),
        ("✓", "对方确认了（CONNACK、PUBACK、SUBACK……）", "the other side confirmed it (CONNACK, PUBACK, SUBACK, …)"),
        (
            "⚠",
            "做到了，但有要注意的地方（比如故意违反规则）",
            "done, with something to notice (e.g. a rule broken on purpose)",
        ),
        ("✗", "没有做到，后面写着原因", "it did not happen; the reason follows"),
        ("⏸ ✗ ✂", "报文被扣住 / 被丢弃 / 随断开的连接丢失", "a frame held / dropped / lost with a cut link"),
    ] {
        out.push(Row {
            lead: m.into(),
            lead_style: theme.key(),
            words: l.pick(zh, en).into(),
            words_style: Style::new(),
        });
    }
    out
}

/// The page fitted to `w` columns: a lead longer than a third of the page gets a line of its own,
/// the words wrap under their column.
fn fit(rows: Vec<Row>, w: usize) -> Vec<Line<'static>> {
    let col = (w / 3).clamp(8, 28);
    let mut lines = Vec::new();
    let own_lines = |lines: &mut Vec<Line<'static>>, s: &str, style: Style| {
        for part in wrap_widths(s, w, w) {
            lines.push(Line::from(Span::styled(part, style)));
        }
    };
    for r in rows {
        if r.words.is_empty() {
            own_lines(&mut lines, &r.lead, r.lead_style);
            continue;
        }
        let indent = if r.lead.is_empty() { 2 } else { col };
        let mut lead = Some(Span::raw(" ".repeat(indent)));
        if !r.lead.is_empty() {
            if width(&r.lead) + 2 > col {
                own_lines(&mut lines, &r.lead, r.lead_style);
            } else {
                lead = Some(Span::styled(pad(&r.lead, col), r.lead_style));
            }
        }
        let room = w.saturating_sub(indent).max(1);
        for part in wrap_widths(&r.words, room, room) {
            let first = lead.take().unwrap_or_else(|| Span::raw(" ".repeat(indent)));
            lines.push(Line::from(vec![first, Span::styled(part, r.words_style)]));
        }
    }
    lines
}

/// The page's lines at a width (for tests and for the scroll limit).
pub fn page(app: &App, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    fit(rows(app, theme), width.saturating_sub(2).max(10) as usize)
}

/// The largest useful scroll offset for a screen of this size.
pub fn max_scroll(app: &App, theme: &Theme, area: Rect) -> usize {
    page(app, theme, area.width).len().saturating_sub(area.height.saturating_sub(2) as usize)
}

pub fn render_help(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    f.render_widget(Clear, area);
    let lines = page(app, theme, area.width);
    let h = area.height.saturating_sub(2) as usize;
    let top = app.help_scroll.min(lines.len().saturating_sub(h));
    let more = if top + h < lines.len() {
        format!(" {} {}/{} ", app.lang.pick("↓ 还有", "↓ more"), top + h, lines.len())
    } else {
        String::new()
    };
    let close = app.lang.pick(" Esc 关闭 · ↑↓ PgUp PgDn 滚动 ", " Esc closes · ↑↓ PgUp PgDn scroll ");
    let block = Block::bordered()
        .title(Span::styled(app.lang.pick(" 帮助 ", " Help "), theme.focused()))
        .title_bottom(Line::from(vec![Span::raw(close), Span::styled(more, theme.dim())]))
        .border_style(theme.focused());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let shown: Vec<Line> = lines.into_iter().skip(top).take(h).collect();
    f.render_widget(Paragraph::new(shown), inner);
}

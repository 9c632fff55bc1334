//! The screen: layout, the keymap (one table per focus drives key dispatch, the footer hints and the
//! `?` help), and the panes that are not big enough for a file of their own. Renders `&App`; turns
//! keys and mouse events into [`Action`]s. No tokio, no sockets.

pub mod inspector;
pub mod ladder;
pub mod theme;

use crate::app::{Action, App, Pane};
use crate::i18n::Lang;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Clear, Dataset, GraphType, Paragraph, Wrap};
use std::collections::HashMap;
use theme::Theme;
use unicode_width::UnicodeWidthStr;

/// A key as the keymap names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(code: KeyCode) -> Key {
    Key { code, mods: KeyModifiers::NONE }
}
const fn ctrl(c: char) -> Key {
    Key { code: KeyCode::Char(c), mods: KeyModifiers::CONTROL }
}
const fn ch(c: char) -> Key {
    k(KeyCode::Char(c))
}

impl Key {
    fn matches(&self, e: &KeyEvent) -> bool {
        let mods = e.modifiers - KeyModifiers::SHIFT;
        match (self.code, e.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b && self.mods == mods,
            (a, b) => a == b && self.mods == e.modifiers,
        }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Backspace => "Bksp".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) { format!("Ctrl-{base}") } else { base }
    }
}

/// One row of a keymap: the keys, what they do, and the words for the footer and help.
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub zh: &'static str,
    pub en: &'static str,
    /// Shown in the footer (the rest only in `?` help).
    pub footer: bool,
}

macro_rules! b {
    ($keys:expr, $action:expr, $zh:literal, $en:literal, $footer:literal) => {
        Binding { keys: const { $keys }, action: $action, zh: $zh, en: $en, footer: $footer }
    };
}

/// Keys that work in every pane, the command line included.
pub fn global_keys() -> Vec<Binding> {
    use Action::*;
    vec![
        b!(&[ctrl('c')], Quit, "退出", "quit", false),
        b!(&[k(KeyCode::F(1))], ToggleHelp, "帮助", "help", false),
        b!(&[k(KeyCode::F(2))], ToggleStep, "单步模式开/关", "step mode on/off", false),
        b!(&[k(KeyCode::F(3))], ReleaseNext, "放行下一帧", "release next frame", false),
        b!(&[k(KeyCode::F(4))], DropNext, "丢弃下一帧", "drop next frame", false),
        b!(&[k(KeyCode::F(5))], CutHeld, "切断下一帧的连接", "cut next frame's connection", false),
        b!(&[ctrl('z')], ToggleZoom, "放大/还原窗格", "zoom pane", false),
        b!(&[ctrl('l')], ToggleLang, "切换中文/English", "中文/English", false),
    ]
}

/// Keys of the panes other than the command line.
fn pane_keys(pane: Pane) -> Vec<Binding> {
    use Action::*;
    let mut v = vec![
        b!(&[ch(':')], Focus(Pane::Command), "命令行", "command", true),
        b!(&[k(KeyCode::Tab)], FocusNext, "下一个窗格", "next pane", true),
        b!(&[k(KeyCode::BackTab)], FocusPrev, "上一个窗格", "previous pane", false),
        b!(&[ch('?')], ToggleHelp, "帮助", "help", true),
        b!(&[ch('s')], ToggleStep, "单步", "step", true),
        b!(&[ch('n')], ReleaseNext, "放行", "next", true),
        b!(&[ch('d')], DropNext, "丢弃", "drop", true),
        b!(&[ch('x')], CutHeld, "切断", "cut", true),
        b!(&[ch('z')], ToggleZoom, "放大", "zoom", true),
        b!(&[ch('L')], ToggleLang, "中/英", "zh/en", false),
        b!(&[ch('q')], Quit, "退出", "quit", true),
        b!(&[k(KeyCode::Up), ch('k')], Up, "上移", "up", false),
        b!(&[k(KeyCode::Down), ch('j')], Down, "下移", "down", false),
        b!(&[k(KeyCode::PageUp)], PageUp, "上翻页", "page up", false),
        b!(&[k(KeyCode::PageDown)], PageDown, "下翻页", "page down", false),
        b!(&[k(KeyCode::Home), ch('g')], Home, "最早", "oldest", false),
        b!(&[k(KeyCode::End), ch('G')], End, "最新（跟随）", "newest (follow)", false),
    ];
    if pane == Pane::Inspector {
        v.push(b!(&[k(KeyCode::Left), ch('h')], FieldPrev, "上一个字段", "previous field", true));
        v.push(b!(&[k(KeyCode::Right), ch('l')], FieldNext, "下一个字段", "next field", true));
    }
    if pane == Pane::Chart {
        v.push(b!(&[k(KeyCode::Up), k(KeyCode::Down)], Down, "换主题", "other topic", true));
    }
    v
}

/// Keys of the command line (printable characters are typed).
fn command_keys() -> Vec<Binding> {
    use Action::*;
    vec![
        b!(&[k(KeyCode::Enter)], Submit, "执行", "run", true),
        b!(&[k(KeyCode::Tab)], Complete, "补全", "complete", true),
        b!(&[k(KeyCode::Esc)], Cancel, "清空/离开", "clear/leave", true),
        b!(&[k(KeyCode::Up)], HistoryPrev, "上一条命令", "previous command", true),
        b!(&[k(KeyCode::Down)], HistoryNext, "下一条命令", "next command", false),
        b!(&[k(KeyCode::Left)], CursorLeft, "光标左移", "cursor left", false),
        b!(&[k(KeyCode::Right)], CursorRight, "光标右移", "cursor right", false),
        b!(&[k(KeyCode::Home), ctrl('a')], CursorHome, "行首", "line start", false),
        b!(&[k(KeyCode::End), ctrl('e')], CursorEnd, "行尾", "line end", false),
        b!(&[k(KeyCode::Backspace)], Backspace, "删除前一个字", "delete back", false),
        b!(&[k(KeyCode::Delete)], Delete, "删除", "delete", false),
        b!(&[k(KeyCode::BackTab)], FocusNext, "下一个窗格", "next pane", false),
    ]
}

/// The keymap of a focus: its own keys, then the global ones.
pub fn keymap(focus: Pane) -> Vec<Binding> {
    let mut v = if focus == Pane::Command { command_keys() } else { pane_keys(focus) };
    v.extend(global_keys());
    v
}

/// What a key press means in the app's current focus.
pub fn handle_key(app: &App, e: &KeyEvent) -> Option<Action> {
    if e.kind == KeyEventKind::Release {
        return None;
    }
    if app.help && matches!(e.code, KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q')) {
        return Some(Action::ToggleHelp);
    }
    for b in keymap(app.focus) {
        if b.keys.iter().any(|k| k.matches(e)) {
            // Esc on an empty command line leaves it for the inspector.
            if app.focus == Pane::Command && b.action == Action::Cancel && app.cmd.text.is_empty() {
                return Some(Action::Focus(Pane::Inspector));
            }
            return Some(b.action.clone());
        }
    }
    if app.focus == Pane::Command
        && let KeyCode::Char(c) = e.code
        && !e.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return Some(Action::Input(c));
    }
    None
}

/// Where each pane was drawn last: for mouse clicks.
#[derive(Debug, Default, Clone)]
pub struct Areas(pub HashMap<Pane, Rect>);

impl Areas {
    pub fn pane_at(&self, x: u16, y: u16) -> Option<Pane> {
        self.0.iter().find(|(_, r)| r.contains(Position { x, y })).map(|(p, _)| *p)
    }
}

/// What a mouse event means.
pub fn handle_mouse(app: &App, areas: &Areas, m: &MouseEvent) -> Vec<Action> {
    let Some(pane) = areas.pane_at(m.column, m.row) else { return Vec::new() };
    let focus = if pane != app.focus { vec![Action::Focus(pane)] } else { Vec::new() };
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => focus,
        MouseEventKind::ScrollUp => focus.into_iter().chain([Action::Up]).collect(),
        MouseEventKind::ScrollDown => focus.into_iter().chain([Action::Down]).collect(),
        _ => Vec::new(),
    }
}

fn pane_block<'a>(app: &App, theme: &Theme, pane: Pane, extra: String) -> Block<'a> {
    let focused = app.focus == pane;
    let title = format!(" {}{} ", pane.title(app.lang), extra);
    Block::bordered()
        .title(Span::styled(title, if focused { theme.focused() } else { Style::new() }))
        .border_style(if focused { theme.focused() } else { theme.border() })
}

/// A payload on one row: line breaks shown as ⏎, other control characters as �.
pub fn one_line(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '\r')
        .map(|c| match c {
            '\n' => '⏎',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Truncates `s` to `w` display columns.
pub fn fit(s: &str, w: usize) -> String {
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw + 1 > w {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    out
}

/// Breaks `s` into pieces of at most `w` display columns (continuation pieces get one column less).
pub fn wrap_text(s: &str, w: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        let limit = if out.is_empty() { w } else { w.saturating_sub(1).max(1) };
        if used + cw > limit && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
            used = 0;
        }
        cur.push(c);
        used += cw;
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// Draws the whole screen and returns where each pane went.
pub fn render(f: &mut Frame, app: &App, theme: &Theme) -> Areas {
    let mut areas = Areas::default();
    let area = f.area();
    if area.width < 20 || area.height < 8 {
        f.render_widget(Paragraph::new(app.lang.pick("窗口太小", "window too small")), area);
        return areas;
    }
    let [main, cmd, footer] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(2), Constraint::Length(1)]).areas(area);
    if let Some(p) = app.zoom.filter(|p| *p != Pane::Command) {
        render_pane(f, app, theme, p, main);
        areas.0.insert(p, main);
    } else {
        let top_h = (main.height * 3 / 5).max(6);
        let [top, bottom] = Layout::vertical([Constraint::Length(top_h), Constraint::Min(3)]).areas(main);
        let [left, right] = Layout::horizontal([Constraint::Percentage(34), Constraint::Min(20)]).areas(top);
        let [clients, broker] = Layout::vertical([Constraint::Percentage(45), Constraint::Min(3)]).areas(left);
        let wide = bottom.width >= 110;
        let bottom_parts: Vec<(Pane, Rect)> = if wide {
            let [a, b, c] =
                Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(35), Constraint::Min(16)])
                    .areas(bottom);
            vec![(Pane::Ladder, a), (Pane::Narration, b), (Pane::Chart, c)]
        } else {
            let [a, b] = Layout::horizontal([Constraint::Percentage(55), Constraint::Min(16)]).areas(bottom);
            vec![(Pane::Ladder, a), (Pane::Narration, b)]
        };
        for (p, r) in
            [(Pane::Clients, clients), (Pane::Broker, broker), (Pane::Inspector, right)].into_iter().chain(bottom_parts)
        {
            render_pane(f, app, theme, p, r);
            areas.0.insert(p, r);
        }
    }
    render_command(f, app, theme, cmd);
    areas.0.insert(Pane::Command, cmd);
    render_footer(f, app, theme, footer);
    if app.help {
        render_help(f, app, theme, area);
    }
    areas
}

fn render_pane(f: &mut Frame, app: &App, theme: &Theme, pane: Pane, area: Rect) {
    let focused = app.focus == pane;
    match pane {
        Pane::Inspector => inspector::render(f, area, app, theme, focused),
        Pane::Ladder => ladder::render(f, area, app, theme, focused, app.scroll.get(&pane).copied().unwrap_or(0)),
        Pane::Clients => render_clients(f, app, theme, area),
        Pane::Broker => render_broker(f, app, theme, area),
        Pane::Narration => render_narration(f, app, theme, area),
        Pane::Chart => render_chart(f, app, theme, area),
        Pane::Command => {}
    }
}

fn qos_text(q: Option<Option<crate::proto::QoS>>) -> String {
    match q {
        None => "…".into(),
        Some(None) => "0x80".into(),
        Some(Some(q)) => format!("q{}", q.as_u8()),
    }
}

fn render_clients(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
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

fn ago(now: std::time::Duration, then: std::time::Duration) -> String {
    let s = now.saturating_sub(then).as_secs();
    if s < 60 { format!("{s}s") } else { format!("{}m{}s", s / 60, s % 60) }
}

fn render_broker(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
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
            fit(&one_line(&r.payload), 20),
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

fn render_narration(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let inner_h = area.height.saturating_sub(2) as usize;
    let w = area.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    if app.holding || !app.held.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(
                "⏸ {} {} — n {} · d {} · x {}",
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
                fit(&format!("  {arrow} {}", crate::app::inspector::frame_summary(&h.bytes, app.lang.is_zh())), w),
                theme.held(),
            )));
        }
    }
    let room = inner_h.saturating_sub(lines.len());
    let scroll = app.scroll.get(&Pane::Narration).copied().unwrap_or(0);
    // Newest last; long lines wrap onto following rows, indented.
    let mut rows: Vec<Line> = Vec::new();
    let end = app.narration.len().saturating_sub(scroll.min(app.narration.len()));
    for (_, n) in app.narration.iter().take(end).rev() {
        if rows.len() >= room {
            break;
        }
        let wrapped = wrap_text(&one_line(&n.text(app.lang)), w.max(4));
        for (i, part) in wrapped.into_iter().enumerate().rev() {
            let style = if matches!(n, crate::app::Narration::Note { .. }) { theme.dim() } else { Style::new() };
            let text = if i == 0 { part } else { format!(" {part}") };
            rows.push(Line::from(Span::styled(text, style)));
        }
    }
    rows.truncate(room);
    rows.reverse();
    lines.extend(rows);
    let p = Paragraph::new(lines).block(pane_block(app, theme, Pane::Narration, String::new()));
    f.render_widget(p, area);
}

fn render_chart(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let topic = app.chart_topic.clone();
    let block = pane_block(app, theme, Pane::Chart, topic.as_ref().map(|t| format!(" {t}")).unwrap_or_default());
    let Some(points) = topic.as_ref().and_then(|t| app.series.get(t)) else {
        let hint = app.lang.pick("收到数字消息后显示曲线", "numeric payloads appear here");
        f.render_widget(Paragraph::new(Span::styled(hint, theme.dim())).wrap(Wrap { trim: true }).block(block), area);
        return;
    };
    let data: Vec<(f64, f64)> = points.iter().copied().collect();
    let (x0, x1) = (data.first().map_or(0.0, |p| p.0), data.last().map_or(1.0, |p| p.0).max(data[0].0 + 1.0));
    let (mut y0, mut y1) = data.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    if y1 - y0 < 1.0 {
        y0 -= 1.0;
        y1 += 1.0;
    }
    let ds = Dataset::default().marker(Marker::Braille).graph_type(GraphType::Line).style(theme.ok()).data(&data);
    let chart = Chart::new(vec![ds]).block(block).x_axis(Axis::default().bounds([x0, x1])).y_axis(
        Axis::default().bounds([y0, y1]).labels(vec![Line::from(format!("{y0:.0}")), Line::from(format!("{y1:.0}"))]),
    );
    f.render_widget(chart, area);
}

fn render_command(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let [input, status] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let focused = app.focus == Pane::Command;
    let prompt = Span::styled("> ", if focused { theme.focused() } else { theme.dim() });
    let text = if app.cmd.text.is_empty() && !focused {
        Span::styled(
            app.lang.pick(
                "按 : 输入命令，例如 phone sub car/speed -q 1",
                "press : to type a command, e.g. phone sub car/speed -q 1",
            ),
            theme.dim(),
        )
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
        Line::from(Span::styled(format!("✗ {}", e.text(app.lang)), theme.error()))
    } else if !app.cmd.candidates.is_empty() {
        Line::from(Span::styled(app.cmd.candidates.join("  "), theme.dim()))
    } else if let Some(m) = app.marks.newest().filter(|m| app.cmd.info.as_deref() == Some(m.line.as_str())) {
        let style = match m.state {
            crate::app::marks::MarkState::Pending(_) => theme.dim(),
            crate::app::marks::MarkState::Ok(_) => theme.ok(),
            crate::app::marks::MarkState::Warn(_) => theme.warn(),
            crate::app::marks::MarkState::Failed(_) => theme.error(),
        };
        Line::from(Span::styled(fit(&m.status(app.lang), status.width as usize), style))
    } else if let Some(i) = &app.cmd.info {
        Line::from(Span::styled(format!("✓ {i}"), theme.dim()))
    } else {
        Line::default()
    };
    f.render_widget(Paragraph::new(line), status);
}

fn render_footer(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let mut spans = Vec::new();
    for b in keymap(app.focus).iter().filter(|b| b.footer) {
        spans.push(Span::styled(b.keys[0].label(), theme.key()));
        spans.push(Span::raw(format!(" {}  ", app.lang.pick(b.zh, b.en))));
    }
    let mut right = String::new();
    if app.holding {
        right = format!("⏸ {} {}", app.lang.pick("单步", "STEP"), app.held.len());
    }
    let rw = right.width() as u16;
    let [l, r] = Layout::horizontal([Constraint::Min(0), Constraint::Length(rw + 1)]).areas(area);
    f.render_widget(Paragraph::new(Line::from(spans)), l);
    f.render_widget(Paragraph::new(Span::styled(right, theme.held())), r);
}

fn render_help(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let popup =
        Rect { x: area.x + 1, y: area.y, width: area.width.saturating_sub(2), height: area.height.saturating_sub(1) };
    let key_line = |b: &Binding| {
        let keys: Vec<String> = b.keys.iter().map(Key::label).collect();
        Line::from(vec![
            Span::styled(format!("{:<12}", keys.join(" ")), theme.key()),
            Span::raw(app.lang.pick(b.zh, b.en).to_string()),
        ])
    };
    let own = if app.focus == Pane::Command { command_keys() } else { pane_keys(app.focus) };
    let mut left = vec![Line::from(Span::styled(
        format!("{} — {}", app.lang.pick("按键", "Keys"), app.focus.title(app.lang)),
        theme.focused(),
    ))];
    left.extend(own.iter().map(key_line));
    let mut right = vec![Line::from(Span::styled(app.lang.pick("任何时候", "Anywhere"), theme.focused()))];
    right.extend(global_keys().iter().map(key_line));
    right.push(Line::from(Span::styled(
        app.lang.pick("命令（在 > 后输入）", "Commands (type after >)"),
        theme.focused(),
    )));
    let cmds: &[(&str, &str, &str)] = &[
        ("phone sub car/# -q 1", "订阅", "subscribe"),
        ("phone unsub car/#", "取消订阅", "unsubscribe"),
        ("car pub car/speed 60 -q 1 -r", "发布（-r 保留）", "publish (-r retained)"),
        ("car compose car/json", "多行/JSON 编辑器", "multi-line / JSON composer"),
        ("car connect --clean false --keepalive 10 --will-topic T --will-msg M", "重新连接", "reconnect with options"),
        ("car disconnect|cut|freeze|thaw", "正常断开/断线/冻结/恢复", "goodbye / link dies / stop loop() / resume"),
        ("new esp --keepalive 15 · rm esp", "添加/移除客户端", "add / remove a client"),
        ("step on|off · next · drop · cutheld", "单步：扣住/放行/丢弃/切断", "step: hold / release / drop / cut"),
        ("filter client car|type PUBLISH|topic car|clear", "筛选报文", "filter frames"),
        ("lang zh|en · help · quit", "语言 · 帮助 · 退出", "language · help · quit"),
    ];
    for (c, zh, en) in cmds {
        right.push(Line::from(vec![
            Span::styled(format!("{c}  "), theme.key()),
            Span::raw(app.lang.pick(zh, en).to_string()),
        ]));
    }
    f.render_widget(Clear, popup);
    let block = Block::bordered().title(" ? ").title_bottom(" Esc ").border_style(theme.focused());
    let inner = block.inner(popup);
    f.render_widget(block, popup);
    if inner.width >= 70 {
        let [l, r] = Layout::horizontal([Constraint::Percentage(45), Constraint::Min(10)]).areas(inner);
        f.render_widget(Paragraph::new(left), l);
        f.render_widget(Paragraph::new(right).wrap(Wrap { trim: false }), r);
    } else {
        left.push(Line::default());
        left.extend(right);
        f.render_widget(Paragraph::new(left).wrap(Wrap { trim: false }), inner);
    }
}

/// The payload composer: a multi-line editor over the screen (JSON is checked as you type).
pub fn render_composer(f: &mut Frame, editor: &mut ratatui_textarea::TextArea<'_>, app: &App, theme: &Theme) {
    let Some(c) = &app.composer else { return };
    let area = f.area();
    let w = area.width.saturating_sub(4).min(90);
    let h = area.height.saturating_sub(4).clamp(5, 20);
    let popup = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    let text = editor.lines().join("\n");
    let json = match text.trim_start().chars().next() {
        Some('{') | Some('[') => Some(serde_json::from_str::<serde_json::Value>(&text)),
        _ => None,
    };
    let (status, style) = match json {
        None => (String::new(), theme.dim()),
        Some(Ok(_)) => (app.lang.pick(" JSON 正确", " valid JSON").to_string(), theme.ok()),
        Some(Err(e)) => {
            (format!(" JSON: {} {}:{}", app.lang.pick("有误", "error at"), e.line(), e.column()), theme.error())
        }
    };
    let title = format!(
        " {} {} → {} q{}{} — Ctrl-S {} · Esc {} ",
        app.lang.pick("编辑消息", "compose"),
        c.name,
        c.topic,
        c.qos.as_u8(),
        if c.retain { " R" } else { "" },
        app.lang.pick("发送", "send"),
        app.lang.pick("取消", "cancel")
    );
    editor.set_block(
        Block::bordered()
            .title(Span::styled(title, theme.focused()))
            .title_bottom(Span::styled(status, style))
            .border_style(theme.focused()),
    );
    f.render_widget(Clear, popup);
    f.render_widget(&*editor, popup);
}

/// The language-independent check that every binding has words in both languages.
pub fn keymaps_complete(lang: Lang) -> bool {
    Pane::CYCLE.iter().all(|p| keymap(*p).iter().all(|b| !lang.pick(b.zh, b.en).is_empty() && !b.keys.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Action, ClientView, Msg};
    use crate::proto::QoS;
    #[allow(unused_imports)]
    use crate::world::event::WorldEvent;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn draw(app: &App, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| {
            render(f, app, &Theme::new(false));
        })
        .unwrap();
        let buf = t.backend().buffer();
        let mut out = String::new();
        for y in 0..h {
            let mut x = 0;
            while x < w {
                let sym = buf[(x, y)].symbol();
                out.push_str(sym);
                x += (sym.width() as u16).max(1);
            }
            out.push('\n');
        }
        out
    }

    #[test]
    fn subscriptions_render_as_a_topic_tree() {
        let subs = vec![
            ("car/speed".to_string(), "phone".to_string(), QoS::AtLeastOnce),
            ("car/#".to_string(), "computer".to_string(), QoS::AtMostOnce),
            ("汽车速度".to_string(), "phone".to_string(), QoS::AtMostOnce),
        ];
        assert_eq!(
            subscription_tree(&subs),
            vec!["  car/", "    # → computer q0", "    speed → phone q1", "  汽车速度 → phone q0"]
        );
    }

    #[test]
    fn footer_and_help_come_from_the_keymap() {
        let mut app = App::new(Lang::En, 100);
        app.update(Msg::Action(Action::Focus(Pane::Inspector)));
        let s = draw(&app, 120, 30);
        let footer = s.lines().last().unwrap();
        for b in keymap(Pane::Inspector).iter().filter(|b| b.footer) {
            assert!(footer.contains(b.en), "footer lacks {:?}: {footer}", b.en);
        }
        app.update(Msg::Action(Action::ToggleHelp));
        let s = draw(&app, 120, 40);
        for b in keymap(Pane::Inspector) {
            assert!(s.contains(b.en), "help lacks {:?}", b.en);
        }
        assert!(keymaps_complete(Lang::Zh) && keymaps_complete(Lang::En));
    }

    #[test]
    fn keys_dispatch_through_the_same_table() {
        let mut app = App::new(Lang::En, 100);
        let key = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        // In the command line letters are typed …
        assert_eq!(handle_key(&app, &key('s')), Some(Action::Input('s')));
        // … elsewhere they are commands.
        app.focus = Pane::Inspector;
        assert_eq!(handle_key(&app, &key('s')), Some(Action::ToggleStep));
        assert_eq!(handle_key(&app, &key(':')), Some(Action::Focus(Pane::Command)));
        assert_eq!(handle_key(&app, &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
    }

    #[test]
    fn usable_at_80_by_24_in_both_languages_and_tiny_sizes_do_not_panic() {
        for lang in [Lang::En, Lang::Zh] {
            let mut app = App::new(lang, 100);
            app.update(Msg::World(WorldEvent::Client(ClientView {
                name: "car".into(),
                label_zh: Some("汽车".into()),
                connected: true,
                ..Default::default()
            })));
            let s = draw(&app, 80, 24);
            assert!(s.contains(Pane::Inspector.title(lang)), "{s}");
            assert!(s.contains(Pane::Clients.title(lang)), "{s}");
            assert!(s.contains("car"), "{s}");
            for (w, h) in [(1, 1), (10, 3), (19, 7), (20, 8), (40, 12)] {
                draw(&app, w, h);
            }
        }
    }

    #[test]
    fn a_click_focuses_the_pane_under_the_mouse_and_the_wheel_scrolls_it() {
        let app = App::new(Lang::En, 100);
        let mut t = Terminal::new(TestBackend::new(120, 35)).unwrap();
        let mut areas = Areas::default();
        t.draw(|f| areas = render(f, &app, &Theme::new(false))).unwrap();
        let r = areas.0[&Pane::Ladder];
        let at = |kind| MouseEvent { kind, column: r.x + 2, row: r.y + 2, modifiers: KeyModifiers::NONE };
        assert_eq!(
            handle_mouse(&app, &areas, &at(MouseEventKind::Down(MouseButton::Left))),
            vec![Action::Focus(Pane::Ladder)]
        );
        assert_eq!(
            handle_mouse(&app, &areas, &at(MouseEventKind::ScrollUp)),
            vec![Action::Focus(Pane::Ladder), Action::Up]
        );
    }

    #[test]
    fn a_long_command_line_scrolls_to_keep_the_cursor_in_view() {
        let mut app = App::new(Lang::En, 100);
        let line = "car connect --clean false --keepalive 10 --will-topic 汽车/状态 --will-msg offline-now";
        for c in line.chars() {
            app.update(Msg::Action(Action::Input(c)));
        }
        let s = draw(&app, 60, 20);
        let row = s.lines().rev().nth(2).unwrap();
        assert!(row.contains("offline-now"), "{row}");
        assert!(row.contains("…"), "{row}");
        assert!(!row.contains("car connect"), "{row}");
    }

    #[test]
    fn multi_line_payloads_stay_on_one_row() {
        assert_eq!(one_line("{\r\n  \"a\": 1\n}"), "{⏎  \"a\": 1⏎}");
        assert_eq!(one_line("a\u{7}b"), "a\u{fffd}b");
    }

    #[test]
    fn wrap_keeps_display_width() {
        for part in wrap_text("汽车速度汽车速度 abc", 5) {
            assert!(part.width() <= 5, "{part:?}");
        }
        assert_eq!(wrap_text("", 5), vec![String::new()]);
    }
}

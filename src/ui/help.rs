//! `?` help: a scrollable page over the whole screen, made from the keymap and the command table
//! (the same ones that dispatch keys and parse commands).

use super::keys::{Binding, Key, command_keys, global_keys, pane_keys};
use super::theme::Theme;
use crate::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub fn render_help(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
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

//! The payload composer: a multi-line editor over the screen, which checks JSON as you type.

use super::theme::Theme;
use crate::app::App;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Clear};

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

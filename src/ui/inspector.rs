//! The inspector pane: the frame list (number, time since the broker started, gap to the previous
//! frame, who → whom, type, summary, size) and, for the selected frame, a hex dump coloured field by
//! field, the field tree with the cursor field's explanation, and for a malformed frame the decode
//! error with its offending byte.
//!
//! It draws what [`App`] holds and nothing more: it reads the model and never changes it, keeps no
//! state between draws (the list's scroll position follows from the selection) and takes every style
//! from [`Theme`]. It must not depend on the runtime's I/O (tokio, sockets), the broker core or the
//! other panes; the ladder pane uses its [`peer_name`], [`arrow_text`], [`truncate`] and [`fit`] so
//! that both panes name a frame's ends alike.

use crate::app::inspector::FrameRow;
use crate::app::{App, Pane};
use crate::proto::Span as FieldSpan;
use crate::proto::{self, DecodeError, Protocol};
use crate::ui::text::{pad, pad_left, truncate};
use crate::ui::theme::Theme;
use crate::world::record::{Dir, Fate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use std::time::Duration;
use unicode_width::UnicodeWidthStr;

/// Draws the inspector pane into `area` (clipped to the frame).
pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme, focused: bool) {
    let area = area.intersection(f.area());
    if area.is_empty() {
        return;
    }
    let border = if focused { theme.focused() } else { theme.border() };
    let block = Block::bordered()
        .title(Span::styled(title(app), if focused { theme.focused() } else { Style::new() }))
        .border_style(border);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.is_empty() {
        return;
    }

    let names = |r: &FrameRow| app.frame_client(r);
    let visible: Vec<&FrameRow> = app.inspector.frames.iter().filter(|r| app.inspector.visible(r, &names)).collect();
    let selected = app.inspector.selected_row(&names);
    let detail = selected.map(|row| Detail::new(app, row, inner.width as usize));

    let h = inner.height as usize;
    let list_h = match &detail {
        None => h,
        Some(_) if h < 6 => h,
        Some(d) => {
            let natural = 1 + visible.len().max(1);
            (h / 3).max(3).max(h.saturating_sub(d.wanted())).min(natural).min(h)
        }
    };
    let list_area = Rect { height: list_h as u16, ..inner };
    render_list(f, list_area, app, theme, &visible, selected.map(|r| r.seq));
    if let Some(d) = detail
        && list_h < h
    {
        let area = Rect { y: inner.y + list_h as u16, height: (h - list_h) as u16, ..inner };
        render_detail(f, area, app, theme, &d);
    }
}

/// The pane title: its name, the filter and the lost / forgotten counts.
fn title(app: &App) -> String {
    let ins = &app.inspector;
    let zh = app.lang.is_zh();
    let mut t = format!(" {}", Pane::Inspector.title(app.lang));
    if !ins.filter.is_empty() {
        let mut parts = Vec::new();
        if let Some(c) = &ins.filter.client {
            parts.push(format!("client={c}"));
        }
        if let Some(k) = ins.filter.kind {
            parts.push(format!("type={}", k.name()));
        }
        if let Some(tp) = &ins.filter.topic {
            parts.push(format!("topic~{tp}"));
        }
        t.push_str(&format!(" ({} {})", app.lang.pick("过滤", "filter"), parts.join(" ")));
    }
    if ins.lost > 0 {
        t.push_str(&format!(" · {} {}", if zh { "丢失" } else { "lost" }, ins.lost));
    }
    if ins.evicted > 0 {
        t.push_str(&format!(" · {} {}", if zh { "已淘汰" } else { "evicted" }, ins.evicted));
    }
    t.push(' ');
    t
}

// ---- shared text helpers --------------------------------------------------------------------------

/// The name of a frame's client as the panes show it: the lab's name for a known client (looked up
/// by client id, then by name), the raw client id otherwise, or `#conn` before the id is known.
pub fn peer_name(app: &App, row: &FrameRow) -> String {
    match app.frame_client(row) {
        Some(id) => app
            .clients
            .iter()
            .find(|c| c.client_id == id)
            .or_else(|| app.clients.iter().find(|c| c.name == id))
            .map_or(id, |c| c.name.clone()),
        None => format!("#{}", row.conn),
    }
}

/// `car→broker` or `broker→car`.
pub fn arrow_text(app: &App, row: &FrameRow) -> String {
    let broker = app.lang.pick("服务端", "broker");
    let peer = peer_name(app, row);
    match row.dir {
        Dir::In => format!("{peer}→{broker}"),
        Dir::Out => format!("{broker}→{peer}"),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The first row of a window of `h` rows out of `total` that keeps row `focus` in view (centred
/// when there is room on both sides).
fn window_start(total: usize, h: usize, focus: usize) -> usize {
    if total <= h { 0 } else { focus.saturating_sub(h / 2).min(total - h) }
}

// ---- the frame list -------------------------------------------------------------------------------

struct Cols {
    seq: usize,
    t: usize,
    d: usize,
    who: usize,
    ty: usize,
    summary: usize,
    size: usize,
}

fn render_list(f: &mut Frame, area: Rect, app: &App, theme: &Theme, visible: &[&FrameRow], sel: Option<u64>) {
    if area.is_empty() {
        return;
    }
    let lang = app.lang;
    let width = area.width as usize;
    let body_h = (area.height as usize).saturating_sub(1);
    let sel_idx = sel.and_then(|s| visible.iter().position(|r| r.seq == s));
    let focus = sel_idx.unwrap_or(visible.len().saturating_sub(1));
    let start = window_start(visible.len(), body_h, focus);
    let end = (start + body_h).min(visible.len());

    struct Cells {
        seq: String,
        t: String,
        d: String,
        who: String,
        ty: &'static str,
        size: String,
    }
    let cells: Vec<Cells> = (start..end)
        .map(|i| {
            let r = visible[i];
            Cells {
                seq: r.seq.to_string(),
                t: format!("{:.1}", ms(r.at)),
                d: if i == 0 { String::new() } else { format!("+{:.1}", ms(r.at.saturating_sub(visible[i - 1].at))) },
                who: arrow_text(app, r),
                ty: r.type_name(),
                size: r.bytes.len().to_string(),
            }
        })
        .collect();

    let heads = [
        "#",
        "t(ms)",
        "Δms",
        lang.pick("发→收", "from→to"),
        lang.pick("类型", "type"),
        lang.pick("摘要", "summary"),
        lang.pick("字节", "bytes"),
    ];
    let widest = |head: &str, f: &dyn Fn(&Cells) -> usize| cells.iter().map(f).max().unwrap_or(0).max(head.width());
    let mut c = Cols {
        seq: widest(heads[0], &|c| c.seq.len()),
        t: widest(heads[1], &|c| c.t.len()),
        d: widest(heads[2], &|c| c.d.len()),
        who: widest(heads[3], &|c| c.who.width()).min(24),
        ty: widest(heads[4], &|c| c.ty.len()),
        summary: 0,
        size: widest(heads[6], &|c| c.size.len()),
    };
    // Gutter, then each column with one space before it; the summary takes what is left. Each
    // optional column stays only while the summary keeps some room: the time since the start (the
    // least telling) wants a wide summary beside it, the gap and the size less.
    let fixed = 1 + c.seq + 1 + c.who + 1 + c.ty + 1;
    let mut optional = c.t + 1 + c.d + 1 + c.size + 1;
    for (col, keep_summary) in [(&mut c.t, 32), (&mut c.d, 12), (&mut c.size, 8)] {
        if width < fixed + optional + keep_summary {
            optional -= *col + 1;
            *col = 0;
        }
    }
    c.summary = width.saturating_sub(fixed + optional);

    let mut lines = Vec::with_capacity(area.height as usize);
    let dim = theme.dim();
    let mut head = vec![Span::raw(" "), Span::styled(pad_left(heads[0], c.seq), dim)];
    if c.t > 0 {
        head.push(Span::styled(format!(" {}", pad_left(heads[1], c.t)), dim));
    }
    if c.d > 0 {
        head.push(Span::styled(format!(" {}", pad_left(heads[2], c.d)), dim));
    }
    head.push(Span::styled(format!(" {}", pad(heads[3], c.who)), dim));
    head.push(Span::styled(format!(" {}", pad(heads[4], c.ty)), dim));
    head.push(Span::styled(format!(" {}", pad(heads[5], c.summary.saturating_sub(1))), dim));
    if c.size > 0 {
        head.push(Span::styled(format!(" {}", pad_left(heads[6], c.size)), dim));
    }
    lines.push(Line::from(head));

    if visible.is_empty() {
        let msg = if app.inspector.frames.is_empty() {
            lang.pick(
                "还没有报文：进出服务端的每个报文都会出现在这里",
                "no frames yet: every frame to and from the broker shows up here",
            )
        } else {
            lang.pick("没有符合过滤条件的报文（filter clear 清除）", "no frame matches the filter (filter clear)")
        };
        lines.push(Line::from(Span::styled(msg, dim)));
    }

    for (k, cell) in cells.iter().enumerate() {
        let r = visible[start + k];
        let held = app.held.iter().any(|h| h.seq == Some(r.seq)) || r.fate == Some(Fate::Held);
        let lost = matches!(r.fate, Some(Fate::Dropped | Fate::Cut));
        let mut style = Style::new();
        if r.malformed || lost {
            style = style.patch(theme.error());
        }
        if held {
            style = style.patch(theme.held());
        }
        if sel_idx == Some(start + k) {
            style = style.patch(theme.selected());
        }
        let gutter = match r.fate {
            _ if held => "⏸",
            Some(Fate::Dropped) => "✗",
            Some(Fate::Cut) => "✂",
            _ if r.malformed => "✗",
            _ => " ",
        };
        let dir_style = match r.dir {
            Dir::In => theme.client_to_broker(),
            Dir::Out => theme.broker_to_client(),
        };
        let mut spans = vec![Span::raw(pad(gutter, 1)), Span::raw(pad_left(&cell.seq, c.seq))];
        if c.t > 0 {
            spans.push(Span::styled(format!(" {}", pad_left(&cell.t, c.t)), dim));
        }
        if c.d > 0 {
            spans.push(Span::styled(format!(" {}", pad_left(&cell.d, c.d)), dim));
        }
        spans.push(Span::raw(" "));
        spans.push(Span::styled(pad(&cell.who, c.who), dir_style));
        spans.push(Span::raw(format!(" {}", pad(cell.ty, c.ty))));
        if c.summary > 0 {
            spans.push(Span::raw(format!(" {}", pad(&r.summary_in(app.lang), c.summary - 1))));
        }
        if c.size > 0 {
            spans.push(Span::styled(format!(" {}", pad_left(&cell.size, c.size)), dim));
        }
        lines.push(Line::from(spans).style(style));
    }
    f.render_widget(Paragraph::new(lines), area);
}

// ---- the selected frame ---------------------------------------------------------------------------

/// The selected frame decoded again, with what the detail view needs to lay itself out.
struct Detail<'a> {
    row: &'a FrameRow,
    err: Option<DecodeError>,
    spans: Vec<FieldSpan>,
    /// For every byte of the frame, the index (among byte spans) of the byte span holding it.
    byte_field: Vec<Option<usize>>,
    /// For every span, its colour index: its own among byte spans, its byte's for a bit span.
    colour: Vec<Option<usize>>,
    /// For every span, its depth in the tree: a bit field under its byte; a 5.0 property's
    /// identifier under the property length, its value under the identifier.
    depth: Vec<usize>,
    /// Index into `spans` of the field under the cursor.
    cursor: Option<usize>,
    hex: HexGeometry,
    err_text: Option<String>,
    err_need: usize,
    expl_need: usize,
    width: usize,
}

#[derive(Clone, Copy)]
struct HexGeometry {
    /// Hex digits of the offset column (0 = no offset column).
    offset: usize,
    per_line: usize,
    ascii: bool,
    lines: usize,
}

impl HexGeometry {
    fn new(len: usize, width: usize) -> HexGeometry {
        let digits = format!("{:x}", len.saturating_sub(1)).len().max(4);
        let bytes_w = |n: usize| 3 * n - 1;
        let (offset, per_line) = [16, 8, 4]
            .into_iter()
            .find(|&n| digits + 1 + bytes_w(n) <= width)
            .map(|n| (digits, n))
            .or_else(|| [16, 8, 4, 2, 1].into_iter().find(|&n| bytes_w(n) <= width).map(|n| (0, n)))
            .unwrap_or((0, 1));
        let ascii = per_line == 16 && digits + 1 + bytes_w(16) + 2 + 16 <= width;
        HexGeometry { offset, per_line, ascii, lines: len.div_ceil(per_line).max(1) }
    }
}

fn wrapped_lines(text: &str, width: usize) -> usize {
    if width == 0 { 0 } else { text.width().div_ceil(width).max(1) }
}

impl<'a> Detail<'a> {
    fn new(app: &App, row: &'a FrameRow, width: usize) -> Detail<'a> {
        let (res, spans) = row.spans();
        let err = res.err();
        let mut byte_field = vec![None; row.bytes.len()];
        let mut colour = Vec::with_capacity(spans.len());
        let mut n = 0;
        for s in &spans {
            if s.bits.is_none() {
                for b in byte_field.iter_mut().take(s.end).skip(s.start) {
                    *b = Some(n);
                }
                colour.push(Some(n));
                n += 1;
            } else {
                colour.push(byte_field.get(s.start).copied().flatten());
            }
        }
        let depth = tree_depths(&spans, &row.bytes);
        let cursor = if spans.is_empty() { None } else { Some(app.inspector.field.min(spans.len() - 1)) };
        let err_text = err.as_ref().map(|e| format!("✗ {}", e.message(app.lang)));
        let err_need = err_text.as_deref().map_or(0, |t| wrapped_lines(t, width).min(3));
        let mut d = Detail {
            row,
            err,
            spans,
            byte_field,
            colour,
            depth,
            cursor,
            hex: HexGeometry::new(row.bytes.len(), width),
            err_text,
            err_need,
            expl_need: 0,
            width,
        };
        d.expl_need = d.explanation(app, false).map_or(0, |t| wrapped_lines(&t, width).min(3));
        d
    }

    /// Rows the detail would like: header, hex, error, tree, explanation.
    fn wanted(&self) -> usize {
        1 + self.hex.lines + self.err_need + self.spans.len() + self.expl_need
    }

    fn cursor_span(&self) -> Option<&FieldSpan> {
        self.cursor.map(|i| &self.spans[i])
    }

    fn byte_style(&self, b: usize, theme: &Theme) -> Style {
        let mut st = match self.byte_field.get(b).copied().flatten() {
            Some(i) => theme.field(i),
            None => theme.dim(),
        };
        if self.err.as_ref().is_some_and(|e| e.offset == b) {
            st = st.patch(theme.error());
        }
        if self.in_cursor(b) {
            st = st.patch(theme.field_cursor());
        }
        st
    }

    fn in_cursor(&self, b: usize) -> bool {
        self.cursor_span().is_some_and(|s| s.start <= b && b < s.end)
    }

    /// The cursor field's explanation: label, place, words (and its value when `with_value`).
    fn explanation(&self, app: &App, with_value: bool) -> Option<String> {
        let zh = app.lang.is_zh();
        let s = self.cursor_span()?;
        let mut t = format!("{} {}", s.field.label(app.lang), range_text(s, app.lang));
        // A 5.0 property's identifier is explained by the property it names.
        let named = (s.field.key == proto::field::PROP_ID.key)
            .then(|| self.row.bytes.get(s.start).and_then(|&id| proto::property::def(id)))
            .flatten();
        let reason = matches!(s.note, Some(proto::Note::Reason(..)));
        if with_value || named.is_some() || reason {
            t.push_str(&format!(" = {}", s.value_in(app.lang)));
        }
        t.push_str(if zh { "：" } else { ": " });
        t.push_str(named.map_or(s.field, |d| d.field).explain(app.lang));
        Some(t)
    }
}

/// The depth of each span in the field tree. A bit field sits under its byte (the decoder's own
/// depth); the fields inside a 5.0 property block (after a property length, of the packet or of a
/// will) sit under it: an identifier one level down, the value it introduces (with its length) two.
fn tree_depths(spans: &[FieldSpan], bytes: &[u8]) -> Vec<usize> {
    let mut blocks: Vec<std::ops::Range<usize>> = Vec::new();
    let mut out = Vec::with_capacity(spans.len());
    for s in spans {
        let key = s.field.key;
        let inside = blocks.iter().filter(|b| b.contains(&s.start)).count();
        let depth = match inside {
            0 => s.depth as usize,
            n if key == proto::field::PROP_ID.key => 2 * n - 1,
            n => 2 * n,
        };
        out.push(depth);
        if (key == proto::field::PROPS_LEN.key || key == proto::field::CONNECT_WILL_PROPS_LEN.key) && s.bits.is_none() {
            let len = varint(bytes.get(s.start..s.end).unwrap_or_default());
            blocks.push(s.end..s.end.saturating_add(len));
        }
    }
    out
}

/// The value of a variable byte integer (its bytes as recorded).
fn varint(b: &[u8]) -> usize {
    b.iter().take(4).enumerate().fold(0, |n, (i, &x)| n | (usize::from(x & 0x7f) << (7 * i)))
}

fn range_text(s: &FieldSpan, lang: crate::i18n::Lang) -> String {
    match s.bits {
        Some(m) => format!("{} {:04b}_{:04b}", lang.pick("位", "bits"), m >> 4, m & 0x0f),
        None => format!("[{}..{}]", s.start, s.end),
    }
}

fn take(left: &mut usize, want: usize) -> usize {
    let n = want.min(*left);
    *left -= n;
    n
}

fn render_detail(f: &mut Frame, area: Rect, app: &App, theme: &Theme, d: &Detail) {
    let total = area.height as usize;
    let mut left = total;
    // Everything gets a row first, then grows in order of importance.
    let mut hex_h = take(&mut left, 1);
    let mut err_h = take(&mut left, usize::from(d.err_text.is_some()));
    let mut tree_h = take(&mut left, d.spans.len().min(1));
    let mut expl_h = take(&mut left, usize::from(d.cursor.is_some()));
    let head_h = take(&mut left, usize::from(total >= 9));
    hex_h += take(&mut left, d.hex.lines.min((total / 3).max(2)).saturating_sub(hex_h));
    err_h += take(&mut left, d.err_need.saturating_sub(err_h));
    expl_h += take(&mut left, d.expl_need.min(2).saturating_sub(expl_h));
    tree_h += take(&mut left, d.spans.len().saturating_sub(tree_h));
    expl_h += take(&mut left, d.expl_need.saturating_sub(expl_h));
    hex_h += take(&mut left, d.hex.lines.saturating_sub(hex_h));

    let mut y = area.y;
    let mut next = |h: usize| {
        let r = Rect { y, height: h as u16, ..area };
        y += h as u16;
        r
    };
    let head_area = next(head_h);
    let hex_area = next(hex_h);
    let err_area = next(err_h);
    let tree_area = next(tree_h);
    let expl_area = next(expl_h);

    if head_h > 0 {
        let row = d.row;
        let mut text = format!(
            "#{} {} · {} · {} {}",
            row.seq,
            row.type_name(),
            arrow_text(app, row),
            row.bytes.len(),
            app.lang.pick("字节", "bytes")
        );
        if row.version == Protocol::V5 {
            text.push_str(" · MQTT 5.0");
        }
        f.render_widget(Paragraph::new(Line::from(Span::styled(pad(&text, d.width), theme.dim()))), head_area);
    }
    render_hex(f, hex_area, theme, d, app.inspector.field);
    if let Some(t) = &d.err_text {
        f.render_widget(Paragraph::new(Span::styled(t.clone(), theme.error())).wrap(Wrap { trim: true }), err_area);
    }
    let value_cut = render_tree(f, tree_area, app, theme, d);
    if let Some(t) = d.explanation(app, value_cut) {
        f.render_widget(Paragraph::new(Span::raw(t)).wrap(Wrap { trim: true }), expl_area);
    }
}

fn render_hex(f: &mut Frame, area: Rect, theme: &Theme, d: &Detail, field: usize) {
    if area.is_empty() {
        return;
    }
    let bytes = &d.row.bytes;
    let g = d.hex;
    if bytes.is_empty() {
        f.render_widget(Paragraph::new(Span::styled("(0 bytes)", theme.dim())), area);
        return;
    }
    // Keep the cursor field in view; on a malformed frame not yet explored, the offending byte.
    let focus_byte = match (&d.err, d.cursor_span()) {
        (Some(e), _) if field == 0 => e.offset.min(bytes.len() - 1),
        (_, Some(s)) => s.start.min(bytes.len() - 1),
        _ => 0,
    };
    let h = area.height as usize;
    let first = window_start(g.lines, h, focus_byte / g.per_line);
    let mut lines = Vec::with_capacity(h);
    for line in first..(first + h).min(g.lines) {
        let from = line * g.per_line;
        let to = (from + g.per_line).min(bytes.len());
        let mut spans = Vec::new();
        if g.offset > 0 {
            spans.push(Span::styled(format!("{from:0w$x} ", w = g.offset), theme.dim()));
        }
        for b in from..to {
            if b > from {
                let joined = d.in_cursor(b - 1) && d.in_cursor(b);
                spans.push(Span::styled(" ", if joined { theme.field_cursor() } else { Style::new() }));
            }
            spans.push(Span::styled(format!("{:02x}", bytes[b]), d.byte_style(b, theme)));
        }
        if g.ascii {
            spans.push(Span::raw(" ".repeat(3 * (g.per_line - (to - from)) + 2)));
            for b in from..to {
                let c = bytes[b];
                let ch = if c.is_ascii_graphic() || c == b' ' { c as char } else { '.' };
                spans.push(Span::styled(ch.to_string(), d.byte_style(b, theme)));
            }
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// Draws the field tree; returns whether the cursor field's value had to be cut.
fn render_tree(f: &mut Frame, area: Rect, app: &App, theme: &Theme, d: &Detail) -> bool {
    let width = d.width;
    let label_w = d
        .spans
        .iter()
        .zip(&d.depth)
        .map(|(s, &depth)| 2 * depth + s.field.label(app.lang).width())
        .max()
        .unwrap_or(0)
        .min((width / 3).max(8));
    let mut cursor_cut = false;
    let mut lines = Vec::with_capacity(d.spans.len());
    for (k, s) in d.spans.iter().enumerate() {
        let indent = "  ".repeat(d.depth[k]);
        let label = pad(&format!("{indent}{}", s.field.label(app.lang)), label_w);
        let range = range_text(s, app.lang);
        let mut room = width.saturating_sub(label_w + 2);
        // The value matters more than the range: the range goes when both do not fit.
        let shown = s.value_in(app.lang);
        let show_range = shown.width() + 2 + range.width() <= room;
        if show_range {
            room -= 2 + range.width();
        }
        let value = truncate(&shown, room);
        let cut = value.width() < shown.width();
        let mut label_style = d.colour[k].map_or(Style::new(), |i| theme.field(i));
        // The fields the lesson's step is about stand out, and so does their value.
        let lit = app.course.highlight.iter().any(|h| h == s.field.key);
        let mut value_style = Style::new();
        if lit {
            label_style =
                label_style.add_modifier(ratatui::style::Modifier::BOLD | ratatui::style::Modifier::UNDERLINED);
            value_style = theme.held();
        }
        let mut spans =
            vec![Span::styled(label, label_style), Span::raw("  "), Span::styled(pad(&value, room), value_style)];
        if show_range {
            spans.push(Span::styled(format!("  {range}"), theme.dim()));
        }
        let mut line = Line::from(spans);
        if Some(k) == d.cursor {
            cursor_cut = cut;
            line = line.style(theme.field_cursor());
        }
        lines.push(line);
    }
    if !area.is_empty() {
        let h = area.height as usize;
        let first = window_start(lines.len(), h, d.cursor.unwrap_or(0));
        let shown: Vec<Line> = lines.into_iter().skip(first).take(h).collect();
        f.render_widget(Paragraph::new(shown), area);
    }
    cursor_cut
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::app::{ClientView, HeldView, Msg};
    use crate::i18n::Lang;
    use crate::proto::{Connect, Packet, PacketId, Publish, QosPid};
    #[allow(unused_imports)]
    use crate::world::event::WorldEvent;
    use crate::world::record::TapFrame;
    use bytes::Bytes;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;
    use ratatui::style::{Color, Modifier};
    use std::sync::Arc;

    pub(crate) fn frame(seq: u64, ms: u64, client: Option<&str>, dir: Dir, bytes: Bytes) -> Msg {
        Msg::World(WorldEvent::Frame(TapFrame {
            seq,
            at: Duration::from_millis(ms),
            conn: 1,
            client: client.map(Arc::from),
            dir,
            bytes,
        }))
    }

    pub(crate) fn publish_q1() -> Packet {
        Packet::Publish(Publish {
            dup: false,
            qos_pid: QosPid::AtLeastOnce(PacketId::new(3).unwrap()),
            retain: false,
            topic: Arc::from("汽车速度"),
            payload: Bytes::from_static(b"60"),
        })
    }

    /// A lab with three clients and car's CONNECT (before its id is known), a QoS 1 PUBLISH to
    /// 汽车速度 and the broker's PUBACK.
    pub(crate) fn lab() -> App {
        let mut app = App::new(Lang::En, 100);
        for (n, zh) in [("car", "汽车"), ("phone", "手机"), ("computer", "电脑")] {
            app.update(Msg::World(WorldEvent::Client(ClientView {
                name: n.into(),
                label_zh: Some(zh.into()),
                client_id: n.into(),
                connected: true,
                ..Default::default()
            })));
        }
        app.update(frame(1, 10, None, Dir::In, Packet::Connect(Box::new(Connect::new("car"))).to_bytes()));
        app.update(frame(3, 25, Some("car"), Dir::In, publish_q1().to_bytes()));
        app.update(frame(4, 27, Some("car"), Dir::Out, Packet::PubAck(PacketId::new(3).unwrap()).to_bytes()));
        app
    }

    fn draw(app: &App, theme: Theme, w: u16, h: u16) -> Buffer {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| render(f, f.area(), app, &theme, true)).unwrap();
        t.backend().buffer().clone()
    }

    /// The text of row `y`, wide characters once.
    pub(crate) fn row_text(buf: &Buffer, y: u16) -> String {
        let mut s = String::new();
        let mut x = 0;
        while x < buf.area.width {
            let sym = buf[(x, y)].symbol();
            s.push_str(sym);
            x += sym.width().max(1) as u16;
        }
        s
    }

    pub(crate) fn screen(buf: &Buffer) -> Vec<String> {
        (0..buf.area.height).map(|y| row_text(buf, y)).collect()
    }

    /// The cell of byte `b` in the hex dump (its first hex digit), found from the offset column.
    fn hex_cell(buf: &Buffer, b: usize) -> (u16, u16) {
        let rows = screen(buf);
        let line = format!("{:04x} ", b / 16 * 16);
        let y = rows.iter().position(|r| r.starts_with(&format!("│{line}"))).expect("hex line") as u16;
        (1 + 5 + 3 * (b % 16) as u16, y)
    }

    fn span_index(app: &App, key: &str) -> usize {
        let names = |r: &FrameRow| app.frame_client(r);
        let row = app.inspector.selected_row(&names).unwrap();
        row.spans().1.iter().position(|s| s.field.key == key).unwrap()
    }

    #[test]
    fn the_list_shows_who_sent_what() {
        let mut app = lab();
        let buf = draw(&app, Theme::new(false), 100, 30);
        let rows = screen(&buf);
        assert!(rows[0].contains("Inspector"), "{rows:#?}");
        let publish = rows.iter().find(|r| r.contains("PUBLISH")).expect("PUBLISH row");
        assert!(publish.contains("car→broker") && publish.contains("汽车速度 q1 id=3"), "{publish}");
        assert!(publish.contains("25.0") && publish.contains("+15.0") && publish.contains(" 20"), "{publish}");
        let puback = rows.iter().find(|r| r.contains("PUBACK")).expect("PUBACK row");
        assert!(puback.contains("broker→car") && puback.contains("id=3"), "{puback}");
        let connect = rows.iter().find(|r| r.contains("CONNECT")).expect("CONNECT row");
        assert!(connect.contains("#1→broker"), "the id is not known yet: {connect}");
        app.conn_names.insert(1, "car".into());
        let rows = screen(&draw(&app, Theme::new(false), 100, 30));
        assert!(rows.iter().any(|r| r.contains("CONNECT") && r.contains("car→broker")), "{rows:#?}");
    }

    #[test]
    fn the_selected_row_is_reversed_and_held_rows_marked() {
        let mut app = lab();
        app.inspector.selected = Some(3);
        app.update(Msg::World(WorldEvent::Held {
            holding: true,
            frames: vec![HeldView {
                id: 1,
                seq: Some(4),
                conn: 1,
                dir: Dir::Out,
                client: Some("car".into()),
                bytes: bytes::Bytes::new(),
            }],
        }));
        let theme = Theme::new(false);
        let buf = draw(&app, theme, 100, 30);
        let rows = screen(&buf);
        let y = rows.iter().position(|r| r.contains("PUBLISH") && r.contains("car→broker")).unwrap() as u16;
        assert!(buf[(2, y)].modifier.contains(Modifier::REVERSED), "selected row");
        let y = rows.iter().position(|r| r.contains("PUBACK")).unwrap() as u16;
        assert!(rows[y as usize].starts_with("│⏸"), "{}", rows[y as usize]);
        assert_eq!(buf[(2, y)].fg, theme.held().fg.unwrap());
        assert!(!buf[(2, y)].modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn hex_bytes_take_their_fields_colours_and_the_cursor_reverses_one_field() {
        let mut app = lab();
        app.inspector.selected = Some(3);
        let theme = Theme::new(false);
        let buf = draw(&app, theme, 100, 30);
        // 32 12 | 00 0c | e6 b1 bd e8 bd a6 e9 80 9f e5 ba a6 | 00 03 | 36 30
        let fg = |b: usize| buf[hex_cell(&buf, b)].fg;
        let (x, y) = hex_cell(&buf, 0);
        assert_eq!(buf[(x, y)].symbol(), "3");
        assert_eq!(buf[(x + 1, y)].symbol(), "2");
        assert_eq!(fg(0), theme.field(0).fg.unwrap());
        assert_eq!(fg(1), theme.field(1).fg.unwrap());
        let topic = fg(4);
        assert!((4..16).all(|b| fg(b) == topic), "one colour for the whole topic");
        assert_ne!(topic, fg(3), "the topic differs from its length field");
        assert_ne!(topic, fg(16), "and from the packet id");
        assert_eq!(fg(2), fg(3));
        assert!((4..16).all(|b| !buf[hex_cell(&buf, b)].modifier.contains(Modifier::REVERSED)));
        assert!(buf[hex_cell(&buf, 0)].modifier.contains(Modifier::REVERSED), "the cursor starts on byte 0");

        app.inspector.field = span_index(&app, "mqtt.publish.topic");
        let buf = draw(&app, theme, 100, 30);
        assert!((4..16).all(|b| buf[hex_cell(&buf, b)].modifier.contains(Modifier::REVERSED)));
        assert!(!buf[hex_cell(&buf, 3)].modifier.contains(Modifier::REVERSED));
        assert!(!buf[hex_cell(&buf, 16)].modifier.contains(Modifier::REVERSED));
        assert!(!buf[hex_cell(&buf, 0)].modifier.contains(Modifier::REVERSED));

        // A bit field lights up its byte.
        app.inspector.field = span_index(&app, "mqtt.hdr.qos");
        let buf = draw(&app, theme, 100, 30);
        assert!(buf[hex_cell(&buf, 0)].modifier.contains(Modifier::REVERSED));
        assert!(!buf[hex_cell(&buf, 1)].modifier.contains(Modifier::REVERSED));
        let rows = screen(&buf);
        assert!(rows.iter().any(|r| r.contains("QoS level") && r.contains("bits 0000_0110")), "{rows:#?}");
    }

    #[test]
    fn the_tree_shows_labels_values_ranges_and_the_explanation() {
        let mut app = lab();
        app.inspector.selected = Some(3);
        app.inspector.field = span_index(&app, "mqtt.publish.topic");
        let buf = draw(&app, Theme::new(false), 100, 30);
        let rows = screen(&buf);
        let topic = rows.iter().position(|r| r.contains("Topic  ")).expect("topic line");
        assert!(rows[topic].contains("(4 chars, 12 bytes)") && rows[topic].contains("[4..16]"), "{}", rows[topic]);
        assert!(rows.iter().any(|r| r.contains("Topic length") && r.contains("[2..4]")), "{rows:#?}");
        let y = topic as u16;
        assert!(buf[(2, y)].modifier.contains(Modifier::REVERSED), "the cursor line is highlighted");
        assert!(rows.iter().any(|r| r.contains("Topic [4..16]: The topic name the message goes to")), "{rows:#?}");

        app.lang = Lang::Zh;
        let buf = draw(&app, Theme::new(false), 100, 30);
        let rows = screen(&buf);
        assert!(rows.iter().any(|r| r.contains("主题  ") && r.contains("（4 个字符，12 字节）")), "{rows:#?}");
        assert!(rows.iter().any(|r| r.contains("剩余长度") && r.contains("（1 字节）")), "{rows:#?}");
        assert!(!rows.iter().any(|r| r.contains("byte") || r.contains("chars")), "{rows:#?}");
        assert!(rows.iter().any(|r| r.contains("消息发往的主题名")), "{rows:#?}");
        assert!(rows[0].contains("报文检查器"));
    }

    #[test]
    fn no_color_draws_no_colour() {
        let mut app = lab();
        app.inspector.selected = Some(3);
        app.update(frame(5, 30, Some("car"), Dir::In, Bytes::from_static(&[0x36, 0x03, 0x00, 0x01, 0x61])));
        app.update(Msg::World(WorldEvent::Held {
            holding: true,
            frames: vec![HeldView {
                id: 1,
                seq: Some(4),
                conn: 1,
                dir: Dir::Out,
                client: None,
                bytes: bytes::Bytes::new(),
            }],
        }));
        for sel in [Some(3), Some(5)] {
            app.inspector.selected = sel;
            let buf = draw(&app, Theme::new(true), 100, 30);
            for c in buf.content() {
                assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset), "{c:?}");
            }
            // Fields still alternate: plain, underlined.
            if sel == Some(3) {
                assert!(buf[hex_cell(&buf, 1)].modifier.contains(Modifier::UNDERLINED));
                assert!(!buf[hex_cell(&buf, 2)].modifier.contains(Modifier::UNDERLINED));
            }
        }
        // The same screen in colour does use colour: the check above can fail.
        let buf = draw(&app, Theme::new(false), 100, 30);
        assert!(buf.content().iter().any(|c| c.fg != Color::Reset));
    }

    #[test]
    fn a_malformed_frame_shows_the_rule_and_its_byte() {
        let mut app = lab();
        app.update(frame(5, 30, Some("car"), Dir::In, Bytes::from_static(&[0x36, 0x03, 0x00, 0x01, 0x61])));
        let theme = Theme::new(false);
        let buf = draw(&app, theme, 100, 30);
        let rows = screen(&buf);
        let err = rows.iter().find(|r| r.starts_with("│✗ ")).expect("error line");
        assert!(err.contains("QoS 3 is not a valid QoS (byte 0, MQTT-3.3.1-4)"), "{err}");
        assert!(rows.iter().any(|r| r.starts_with("│✗") && r.contains("PUBLISH")), "the list row: {rows:#?}");
        let c = &buf[hex_cell(&buf, 0)];
        assert_eq!(c.fg, Color::Red);
        assert!(c.modifier.contains(Modifier::BOLD));
        assert_ne!(buf[hex_cell(&buf, 1)].fg, Color::Red);

        app.lang = Lang::Zh;
        let rows = screen(&draw(&app, theme, 100, 30));
        assert!(rows.iter().any(|r| r.contains("QoS 3 是非法值") && r.contains("MQTT-3.3.1-4")), "{rows:#?}");
    }

    #[test]
    fn small_panes_degrade_and_tiny_ones_do_not_panic() {
        let mut app = lab();
        app.inspector.selected = Some(3);
        app.inspector.field = span_index(&app, "mqtt.publish.topic");
        // The whole 80×24 screen, and the pane the layout gives it there.
        for (w, h) in [(80, 24), (54, 12), (50, 12)] {
            let buf = draw(&app, Theme::new(false), w, h);
            let rows = screen(&buf);
            assert!(rows.iter().any(|r| r.contains("PUBLISH")), "{w}×{h}: {rows:#?}");
            assert!(rows.iter().any(|r| r.contains("Topic")), "{w}×{h}: {rows:#?}");
            assert!(rows.iter().all(|r| r.width() == w as usize), "{w}×{h}: {rows:#?}");
            // The topic bytes are still on screen and reversed.
            assert!(buf.content().iter().filter(|c| c.modifier.contains(Modifier::REVERSED)).count() >= 12);
        }
        let rows = screen(&draw(&app, Theme::new(false), 80, 24));
        assert!(rows.iter().any(|r| r.contains("(4 chars, 12 bytes)")), "{rows:#?}");
        for (w, h) in [(0, 0), (1, 1), (2, 2), (10, 3), (3, 10), (20, 5), (30, 7)] {
            draw(&app, Theme::new(false), w, h);
            app.lang = Lang::Zh;
            draw(&app, Theme::new(true), w, h);
            app.lang = Lang::En;
        }
        // An area partly outside the frame is clipped, not a panic.
        let mut t = Terminal::new(TestBackend::new(20, 10)).unwrap();
        t.draw(|f| render(f, Rect::new(10, 5, 50, 50), &app, &Theme::new(false), false)).unwrap();
    }

    #[test]
    fn the_list_follows_the_selection_and_the_title_tells_the_filter() {
        let mut app = App::new(Lang::En, 3);
        for i in 1..=40u64 {
            let p = Packet::PubAck(PacketId::new(i as u16).unwrap());
            app.update(frame(i, i, Some("car"), Dir::Out, p.to_bytes()));
        }
        app.update(Msg::World(WorldEvent::Lost(2)));
        let rows = screen(&draw(&app, Theme::new(false), 100, 30));
        assert!(rows[0].contains("lost 2") && rows[0].contains("evicted 37"), "{}", rows[0]);
        assert!(rows.iter().any(|r| r.contains("id=40")));

        let mut app = App::new(Lang::En, 100);
        for i in 1..=40u64 {
            let p = Packet::PubAck(PacketId::new(i as u16).unwrap());
            app.update(frame(i, i, Some("car"), Dir::Out, p.to_bytes()));
        }
        let rows = screen(&draw(&app, Theme::new(false), 100, 20));
        assert!(rows.iter().any(|r| r.contains("id=40")) && !rows.iter().any(|r| r.contains("id=5 ")));
        app.inspector.selected = Some(5);
        let buf = draw(&app, Theme::new(false), 100, 20);
        let rows = screen(&buf);
        let y = rows.iter().position(|r| r.contains("id=5 ")).expect("scrolled to the selection");
        assert!(buf[(3, y as u16)].modifier.contains(Modifier::REVERSED));
        assert!(!rows.iter().any(|r| r.contains("id=40")));
        app.inspector.filter.kind = Some(crate::proto::PacketType::Publish);
        app.inspector.selected = None;
        let rows = screen(&draw(&app, Theme::new(false), 100, 20));
        assert!(rows[0].contains("(filter type=PUBLISH)"), "{}", rows[0]);
        assert!(rows.iter().any(|r| r.contains("no frame matches the filter")), "{rows:#?}");
    }

    /// A frame of connection `conn`.
    pub(crate) fn frame_on(conn: u64, seq: u64, ms: u64, client: Option<&str>, dir: Dir, bytes: Bytes) -> Msg {
        Msg::World(WorldEvent::Frame(TapFrame {
            seq,
            at: Duration::from_millis(ms),
            conn,
            client: client.map(Arc::from),
            dir,
            bytes,
        }))
    }

    /// The 5.0 CONNECT of the tests: Session Expiry Interval 120, Receive Maximum 10, User
    /// Property unit = celsius.
    pub(crate) fn connect_v5() -> Bytes {
        let mut c = crate::proto::v5::Connect::new("sensor");
        c.properties.session_expiry_interval = Some(120);
        c.properties.receive_maximum = std::num::NonZeroU16::new(10);
        c.properties.user_properties.push(("unit".into(), "celsius".into()));
        crate::proto::v5::Packet::Connect(Box::new(c)).to_bytes()
    }

    /// The lab, and a 5.0 client on connection 2: its CONNECT (#5) and the broker's PUBACK with
    /// reason 0x10 (#6).
    pub(crate) fn lab_v5() -> App {
        let mut app = lab();
        app.update(frame_on(2, 5, 40, None, Dir::In, connect_v5()));
        let mut ack = crate::proto::v5::Ack::new(PacketId::new(1).unwrap());
        ack.reason = crate::proto::ReasonCode::NoMatchingSubscribers;
        app.update(frame_on(2, 6, 45, Some("sensor"), Dir::Out, crate::proto::v5::Packet::PubAck(ack).to_bytes()));
        app
    }

    /// The rows' text inside the border, one line: wrapped words meet again.
    fn joined(rows: &[String]) -> String {
        let inner: Vec<&str> = rows.iter().map(|r| r.trim_matches(|c| c == '│' || c == ' ')).collect();
        inner.join(" ")
    }

    fn reversed(buf: &Buffer, b: usize) -> bool {
        buf[hex_cell(buf, b)].modifier.contains(Modifier::REVERSED)
    }

    #[test]
    fn a_5_0_connection_is_summarised_in_5_0_and_a_3_1_1_one_as_before() {
        let mut app = lab_v5();
        assert_eq!(app.conn_version(2), Protocol::V5);
        assert_eq!(app.conn_version(1), Protocol::V311);
        for (w, h) in [(80, 24), (120, 40)] {
            let rows = screen(&draw(&app, Theme::new(false), w, h));
            let connect = rows.iter().find(|r| r.contains("#2→broker")).expect("the 5.0 CONNECT row");
            assert!(connect.contains("CONNECT") && connect.contains("v5 id=sensor clean=1 ka=60"), "{connect}");
            let puback = rows.iter().find(|r| r.contains("broker→sensor")).expect("the 5.0 PUBACK row");
            assert!(puback.contains("PUBACK") && puback.contains("id=1 0x10 no matching"), "{puback}");
            if w >= 100 {
                assert!(connect.contains("expiry=120"), "{connect}");
                assert!(puback.contains("id=1 0x10 no matching subscribers"), "{puback}");
            }
            // The 3.1.1 connection's rows are what they were.
            let publish = rows.iter().find(|r| r.contains("PUBLISH")).expect("PUBLISH row");
            assert!(publish.contains("汽车速度 q1 id=3"), "{publish}");
            let old = rows.iter().find(|r| r.contains("broker→car")).expect("the 3.1.1 PUBACK row");
            assert!(old.contains("PUBACK") && old.contains("id=3") && !old.contains("0x"), "{old}");
            assert!(!rows.iter().any(|r| r.starts_with("│✗")), "nothing is malformed: {rows:#?}");
        }
        app.lang = Lang::Zh;
        let rows = screen(&draw(&app, Theme::new(false), 120, 40));
        let connect = rows.iter().find(|r| r.contains("#2→服务端")).expect("the 5.0 CONNECT row");
        assert!(connect.contains("v5 id=sensor 新开始=1 心跳=60 会话过期=120"), "{connect}");
        let puback = rows.iter().find(|r| r.contains("服务端→sensor")).expect("the 5.0 PUBACK row");
        assert!(puback.contains("id=1 0x10 没有匹配的订阅者"), "{puback}");
    }

    #[test]
    fn a_5_0_frame_shows_its_properties_as_a_tree_and_lights_each_one() {
        let mut app = lab_v5();
        app.inspector.selected = Some(5);
        let theme = Theme::new(false);
        let (_, spans) = app.inspector.row(5).unwrap().spans();
        let at = |key: &str| spans.iter().position(|s| s.field.key == key).unwrap();
        let props_len = at("mqtt.prop.session_expiry_interval") - 1 - 1;
        assert_eq!(spans[props_len].field.key, "mqtt.props_len");
        let (id, value) = (&spans[props_len + 1], &spans[props_len + 2]);
        assert_eq!(id.field.key, "mqtt.prop.id");
        for (w, h) in [(80, 24), (120, 40)] {
            // From the property length, → moves onto the identifier of the first property, then its value.
            app.focus = Pane::Inspector;
            app.inspector.field = props_len;
            app.update(Msg::Action(crate::app::Action::FieldNext));
            assert_eq!(app.inspector.field, props_len + 1);
            let buf = draw(&app, theme, w, h);
            let rows = screen(&buf);
            assert!(reversed(&buf, id.start) && !reversed(&buf, id.start - 1) && !reversed(&buf, id.end), "{rows:#?}");
            let line = rows.iter().find(|r| r.contains("Property identifier")).expect("the identifier line");
            assert!(line.contains("0x11 (Session Expiry Interval)"), "{line}");
            assert!(
                joined(&rows).contains("Seconds the session outlives the connection"),
                "the identifier is explained by its property: {rows:#?}"
            );
            app.update(Msg::Action(crate::app::Action::FieldNext));
            let buf = draw(&app, theme, w, h);
            let rows = screen(&buf);
            assert!((value.start..value.end).all(|b| reversed(&buf, b)), "{rows:#?}");
            assert!(!reversed(&buf, id.start) && !reversed(&buf, value.end), "{rows:#?}");
            // Nested: the identifier under the property length, the value under the identifier.
            // The tree line a label starts (after the border and the indentation), and its column.
            let tree_line = |label: &str| {
                let starts = |r: &&String| r.trim_start_matches(['│', ' ']).starts_with(label);
                rows.iter().find(starts).unwrap_or_else(|| panic!("{label}: {rows:#?}"))
            };
            let indent = |label: &str| {
                let r = tree_line(label);
                r.find(label).unwrap()
            };
            let len_x = indent("Property length");
            assert_eq!(indent("Property identifier"), len_x + 2, "{rows:#?}");
            // (At 80 columns the label is cut: "Session Expiry Interv…".)
            assert_eq!(indent("Session Expiry Interv"), len_x + 4, "{rows:#?}");
            let line = tree_line("Session Expiry Interv");
            assert!(line.contains("  120  ") && line.contains("[14..18]"), "{line}");
            assert!(rows.iter().any(|r| r.contains("· MQTT 5.0")), "the header says the version: {rows:#?}");
            if h >= 40 {
                // Every property is in the tree: Receive Maximum, the user property's name and value.
                assert!(rows.iter().any(|r| r.contains("Receive Maximum") && r.contains("10")), "{rows:#?}");
                assert!(rows.iter().any(|r| r.contains("User Property (name)") && r.contains("\"unit\"")), "{rows:#?}");
                assert!(
                    rows.iter().any(|r| r.contains("User Property (value)") && r.contains("\"celsius\"")),
                    "{rows:#?}"
                );
                assert!(rows.iter().any(|r| r.contains("0x26 (User Property)")), "{rows:#?}");
            }
        }
        app.lang = Lang::Zh;
        let rows = screen(&draw(&app, theme, 120, 40));
        assert!(rows.iter().any(|r| r.contains("会话过期间隔") && r.contains("120")), "{rows:#?}");
        assert!(rows.iter().any(|r| r.contains("属性标识符") && r.contains("0x11（会话过期间隔）")), "{rows:#?}");
        assert!(joined(&rows).contains("断开后会话保留的秒数"), "{rows:#?}");
    }

    #[test]
    fn a_5_0_reason_code_is_explained_in_the_chosen_language() {
        let mut app = lab_v5();
        app.inspector.selected = Some(6);
        app.inspector.field = span_index(&app, "mqtt.puback.reason_code");
        let theme = Theme::new(false);
        let buf = draw(&app, theme, 80, 24);
        let rows = screen(&buf);
        let line = rows.iter().find(|r| r.contains("PUBACK reason code")).expect("the reason code line");
        assert!(line.contains("0x10 (no matching subscribers)"), "{line}");
        // 40 03 | 00 01 | 10: the reason code is byte 4.
        assert!(reversed(&buf, 4) && !reversed(&buf, 3), "{rows:#?}");
        let text = joined(&rows);
        assert!(text.contains("PUBACK reason code [4..5] = 0x10 (no matching subscribers): MQTT 5.0:"), "{rows:#?}");
        assert!(text.contains("0x10 taken but nobody subscribes"), "{rows:#?}");
        app.lang = Lang::Zh;
        let rows = screen(&draw(&app, theme, 80, 24));
        assert!(
            rows.iter().any(|r| r.contains("PUBACK 原因码") && r.contains("0x10（没有匹配的订阅者）")),
            "{rows:#?}"
        );
        assert!(joined(&rows).contains("收下了但没有订阅者"), "{rows:#?}");
    }

    #[test]
    fn truncation_counts_display_columns() {
        assert_eq!(truncate("汽车速度", 8), "汽车速度");
        assert_eq!(truncate("汽车速度", 7), "汽车速…");
        assert_eq!(truncate("汽车速度", 6), "汽车…");
        assert_eq!(pad("汽车", 6), "汽车  ");
        assert_eq!(pad("a\nb", 4), "a·b ");
        assert_eq!(pad_left("7", 3), "  7");
        assert_eq!(truncate("abc", 0), "");
    }
}

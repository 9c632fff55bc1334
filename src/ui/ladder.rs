//! The ladder (sequence) diagram pane: one lane per participant — the broker at the left, then the
//! virtual clients in the order the lab lists them and any other client seen in the frames on screen
//! — and one row per visible frame, oldest at the top and newest at the bottom, drawn as an arrow from
//! the sender's lane to the receiver's, labelled with the packet type, QoS, packet id and topic.
//!
//! Like the inspector it only reads [`App`] and keeps no state (the scroll offset, in rows from the
//! bottom, is handed in); it follows the inspector's filter and names clients with
//! [`inspector::peer_name`] so both panes agree. Every style comes from [`Theme`]. It must not depend
//! on the runtime's I/O (tokio, sockets), the broker core or any pane but the inspector's helpers.

use crate::app::inspector::FrameRow;
use crate::app::{App, Pane};
use crate::proto::PacketType;
use crate::ui::inspector;
use crate::ui::text::{self, truncate};
use crate::ui::theme::Theme;
use crate::world::record::{Dir, Fate};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::Block;
use unicode_width::UnicodeWidthStr;

/// Below this many columns between neighbouring lanes (room for `PUBLISH q1 id=3` and its arrow),
/// clients that are neither connected nor in view give up their lanes.
const ROOMY: usize = 17;
/// Room between other neighbouring lanes for their names.
const NAME_GAP: usize = 10;
/// The least room between other neighbouring lanes before the first gap gives up its full label.
const SMALL_GAP: usize = 7;
/// Below this, arrows cannot carry a label and the pane lists the frames as text instead.
const NARROWEST: usize = 4;

/// Draws the ladder pane into `area` (clipped to the frame); `scroll` = rows hidden below.
pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme, focused: bool, scroll: usize) {
    let area = area.intersection(f.area());
    if area.is_empty() {
        return;
    }
    let names = |r: &FrameRow| app.frame_client(r);
    let visible: Vec<&FrameRow> = app.inspector.frames.iter().filter(|r| app.inspector.visible(r, &names)).collect();
    let rows_h = area.height.saturating_sub(3) as usize;
    let total = visible.len();
    let end = total.saturating_sub(scroll).max(rows_h.min(total));
    let start = end.saturating_sub(rows_h);

    let mut title = format!(" {}", Pane::Ladder.title(app.lang));
    if !app.inspector.filter.is_empty() {
        title.push_str(app.lang.pick("（已过滤）", " (filtered)"));
    }
    if start > 0 {
        title.push_str(&format!(" ↑{start}"));
    }
    if end < total {
        title.push_str(&format!(" ↓{}", total - end));
    }
    title.push(' ');
    let block = Block::bordered()
        .title(Span::styled(title, if focused { theme.focused() } else { Style::new() }))
        .border_style(if focused { theme.focused() } else { theme.border() });
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    let window = &visible[start..end];
    let selected = app.inspector.selected_row(&names).map(|r| r.seq);
    draw(f.buffer_mut(), inner, app, theme, window, selected);
}

/// One participant.
struct Lane {
    /// The client name; `None` for the broker.
    key: Option<String>,
    label: String,
}

/// Where the lanes go: their x positions and the columns between neighbours.
struct Geometry {
    xs: Vec<u16>,
    /// `gaps[i]` = columns from lane `i` to lane `i + 1`.
    gaps: Vec<usize>,
}

impl Geometry {
    /// The narrowest gap (the whole width with a single lane).
    fn narrowest(&self, width: usize) -> usize {
        self.gaps.iter().copied().min().unwrap_or(width)
    }

    /// Whether every arrow can carry a full label and every name its room.
    fn roomy(&self) -> bool {
        self.gaps.first().is_none_or(|&g| g >= ROOMY) && self.gaps.iter().skip(1).all(|&g| g >= NAME_GAP)
    }
}

/// Spreads `lanes` over `width` columns from `left`, leaving room for the outer names to centre.
/// Every arrow crosses the first gap (broker → first client), so it gets room for a full label
/// when the other gaps can spare it; the others share the rest evenly.
fn geometry(left: u16, width: usize, lanes: &[Lane]) -> Geometry {
    let n = lanes.len();
    if n <= 1 {
        return Geometry { xs: vec![left + (width / 2) as u16], gaps: Vec::new() };
    }
    let cap = (width / (2 * n)).max(1);
    let half = |l: &Lane| (l.label.width() / 2).clamp(1, cap);
    let (ml, mr) = (half(&lanes[0]), half(&lanes[n - 1]));
    let span = width.saturating_sub(ml + mr + 1);
    let even = span / (n - 1);
    // Short of room the other gaps shrink to a few columns (their names are cut) before the
    // first one gives up its full label.
    let first = if n == 2 { span } else { ROOMY.min(span.saturating_sub((n - 2) * SMALL_GAP)).max(even) };
    let rest = if n == 2 { 0 } else { (span - first) / (n - 2) };
    let gaps: Vec<usize> = (0..n - 1).map(|i| if i == 0 { first } else { rest }).collect();
    let mut xs = vec![left + ml as u16];
    for g in &gaps {
        xs.push(xs[xs.len() - 1] + *g as u16);
    }
    Geometry { xs, gaps }
}

fn draw(buf: &mut Buffer, inner: Rect, app: &App, theme: &Theme, window: &[&FrameRow], selected: Option<u64>) {
    let zh = app.lang.is_zh();
    let peers: Vec<String> = window.iter().map(|r| inspector::peer_name(app, r)).collect();

    let broker = Lane { key: None, label: app.lang.pick("服务端", "broker").to_string() };
    let mut lanes = vec![broker];
    for c in &app.clients {
        let label = if zh { c.label_zh.clone().unwrap_or_else(|| c.name.clone()) } else { c.name.clone() };
        lanes.push(Lane { key: Some(c.name.clone()), label });
    }
    for p in &peers {
        if !lanes.iter().any(|l| l.key.as_ref() == Some(p)) {
            lanes.push(Lane { key: Some(p.clone()), label: p.clone() });
        }
    }

    // The gutter: a marker column (held ⏸, malformed ✗), and the frame number when there is room.
    let width = inner.width as usize;
    let seq_w = window.iter().map(|r| r.seq.to_string().len()).max().unwrap_or(1);
    let show_seq = width >= 60;
    let gutter = 1 + if show_seq { seq_w + 1 } else { 0 };
    let lane_left = inner.x + gutter.min(width) as u16;
    let lane_w = width.saturating_sub(gutter);

    let mut g = geometry(lane_left, lane_w, &lanes);
    if !g.roomy() && lanes.len() > 2 {
        // Short of room, a client that is off stage and not in view gives up its lane; a connected
        // one keeps it (a lane that vanishes would say it left).
        let connected = |k: &String| app.clients.iter().any(|c| &c.name == k && c.connected);
        lanes.retain(|l| l.key.as_ref().is_none_or(|k| peers.contains(k) || connected(k)));
        g = geometry(lane_left, lane_w, &lanes);
    }
    let right = inner.right();
    let put = |buf: &mut Buffer, x: u16, y: u16, s: &str, style: Style| {
        if x < right && y < inner.bottom() {
            buf.set_stringn(x, y, s, (right - x) as usize, style);
        }
    };

    if g.narrowest(lane_w) < NARROWEST || (lanes.len() < 2 && !window.is_empty()) {
        // Too narrow for lanes: one line of text per frame.
        for (k, r) in window.iter().enumerate() {
            let y = inner.y + 1 + k as u16;
            let (mark, mark_style) = marker(app, theme, r);
            put(buf, inner.x, y, mark, mark_style);
            let text = format!("{} {}", inspector::arrow_text(app, r), labels(r).swap_remove(2));
            put(buf, inner.x + 1, y, &truncate(&text, width.saturating_sub(1)), arrow_style(app, theme, r));
        }
        return;
    }

    // Header: lane names centred over their lanes, kept apart and inside the pane.
    let lane_right = lane_left + lane_w as u16;
    let mut free = lane_left;
    for (i, (lane, &x)) in lanes.iter().zip(&g.xs).enumerate() {
        // A centred name may take one column less than the gap on either side of its lane; the
        // last one whatever is left on its line.
        let room = match (i.checked_sub(1).map(|j| g.gaps[j]), g.gaps.get(i)) {
            (Some(l), Some(&r)) => l.min(r).saturating_sub(1),
            (None, Some(&r)) => r.saturating_sub(1),
            (_, None) => lane_right.saturating_sub(free) as usize,
        };
        let mut name = truncate(&lane.label, room.min(lane_w));
        let at = x.saturating_sub(name.width() as u16 / 2).max(free);
        let at = at.min(lane_right.saturating_sub(name.width() as u16)).max(free);
        name = truncate(&name, lane_right.saturating_sub(at) as usize);
        put(buf, at, inner.y, &name, Style::new());
        free = at + name.width() as u16 + 1;
    }

    // Lanes.
    for y in inner.y + 1..inner.bottom() {
        for &x in &g.xs {
            put(buf, x, y, "│", theme.dim());
        }
    }

    // Frames, oldest first from the top.
    for (k, (r, peer)) in window.iter().zip(&peers).enumerate() {
        let y = inner.y + 1 + k as u16;
        if y >= inner.bottom() {
            break;
        }
        let (mark, mark_style) = marker(app, theme, r);
        put(buf, inner.x, y, mark, mark_style);
        if show_seq {
            let style = if Some(r.seq) == selected { theme.selected() } else { theme.dim() };
            put(buf, inner.x + 1, y, &format!("{:>seq_w$}", r.seq), style);
        }
        let Some(client) = lanes.iter().position(|l| l.key.as_ref() == Some(peer)) else { continue };
        let (from, to) = match r.dir {
            Dir::In => (client, 0),
            Dir::Out => (0, client),
        };
        let (xa, xb) = (g.xs[from], g.xs[to]);
        let (lo, hi) = (xa.min(xb), xa.max(xb));
        let inside = (hi - lo) as usize - 1;
        if inside < 2 {
            continue;
        }
        let room = inside - 1;
        let cands = labels(r);
        let label = match cands.iter().find(|c| c.width() <= room) {
            Some(c) => c.clone(),
            None => truncate(&cands[3], room),
        };
        let pad = room - label.width();
        let (pre, post) = ("─".repeat(pad / 2), "─".repeat(pad - pad / 2));
        let style = arrow_style(app, theme, r);
        if matches!(r.fate, Some(Fate::Dropped | Fate::Cut)) {
            // A frame that never arrived: the arrow stops two thirds of the way, at a ✗.
            let reach = (inside * 2 / 3).max(2);
            let label = truncate(&label, reach - 1);
            let pad = reach - 1 - label.width();
            let (pre, post) = ("─".repeat(pad / 2), "─".repeat(pad - pad / 2));
            if xb > xa {
                put(buf, lo + 1, y, &format!("{pre}{label}{post}✗"), style);
                put(buf, xa, y, "├", style);
            } else {
                put(buf, hi - reach as u16, y, &format!("✗{pre}{label}{post}"), style);
                put(buf, xa, y, "┤", style);
            }
            continue;
        }
        let (text, tail) =
            if xb > xa { (format!("{pre}{label}{post}▶"), "├") } else { (format!("◀{pre}{label}{post}"), "┤") };
        put(buf, lo + 1, y, &text::pad(&text, inside), style);
        put(buf, xa, y, tail, style);
    }
}

fn is_held(app: &App, r: &FrameRow) -> bool {
    app.held.iter().any(|h| h.seq == Some(r.seq)) || r.fate == Some(Fate::Held)
}

/// The gutter marker of a frame: ⏸ held at the gate, ✗ dropped there or malformed, ✂ lost with a
/// cut connection.
fn marker(app: &App, theme: &Theme, r: &FrameRow) -> (&'static str, Style) {
    if is_held(app, r) {
        ("⏸", theme.held())
    } else if r.fate == Some(Fate::Dropped) {
        ("✗", theme.error())
    } else if r.fate == Some(Fate::Cut) {
        ("✂", theme.error())
    } else if r.malformed {
        ("✗", theme.error())
    } else {
        (" ", Style::new())
    }
}

fn arrow_style(app: &App, theme: &Theme, r: &FrameRow) -> Style {
    if is_held(app, r) {
        theme.held()
    } else if r.malformed || matches!(r.fate, Some(Fate::Dropped | Fate::Cut)) {
        theme.error()
    } else {
        match r.dir {
            Dir::In => theme.client_to_broker(),
            Dir::Out => theme.broker_to_client(),
        }
    }
}

/// Arrow labels from the most to the least telling; the first that fits is used.
fn labels(r: &FrameRow) -> Vec<String> {
    let mark = if r.malformed { "✗ " } else { "" };
    let name = r.type_name();
    let short = match r.kind {
        Some(PacketType::Publish) => "PUB",
        Some(PacketType::PubAck) => "ACK",
        Some(PacketType::PubRec) => "REC",
        Some(PacketType::PubRel) => "REL",
        Some(PacketType::PubComp) => "COMP",
        Some(PacketType::Subscribe) => "SUB",
        Some(PacketType::Unsubscribe) => "UNSUB",
        Some(PacketType::Connect) => "CONN",
        _ => name,
    };
    let qos = match (r.kind, r.malformed) {
        (Some(PacketType::Publish), false) => format!(" q{}", (r.bytes[0] >> 1) & 3),
        _ => String::new(),
    };
    let id = r.pid.map(|p| format!(" id={p}")).unwrap_or_default();
    // A 5.0 reason code is told when it is not plain success (a CONNACK's always).
    let reason = r.reason.filter(|c| r.kind == Some(PacketType::ConnAck) || *c != crate::proto::ReasonCode::Success);
    let extra = match (r.kind, reason) {
        (_, Some(c)) => format!(" {c}"),
        (Some(PacketType::ConnAck), None) if !r.malformed => {
            r.bytes.get(3).map(|c| format!(" rc={c}")).unwrap_or_default()
        }
        (Some(PacketType::Connect), None) if r.version == crate::proto::Protocol::V5 => " v5".to_string(),
        _ => r.topic.as_ref().map(|t| format!(" {t}")).unwrap_or_default(),
    };
    vec![
        format!("{mark}{name}{qos}{id}{extra}"),
        format!("{mark}{name}{qos}{id}"),
        format!("{mark}{name}{id}"),
        format!("{mark}{short}{id}"),
        format!("{mark}{name}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{ClientView, HeldView, Msg};
    use crate::i18n::Lang;
    use crate::proto::{Packet, PacketId};
    use crate::ui::inspector::tests::{frame, lab, screen};
    #[allow(unused_imports)]
    use crate::world::event::WorldEvent;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::Color;

    fn draw(app: &App, theme: Theme, w: u16, h: u16, scroll: usize) -> Buffer {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| render(f, f.area(), app, &theme, false, scroll)).unwrap();
        t.backend().buffer().clone()
    }

    /// The column where `needle` starts in `row` (in cells, wide characters counting two).
    fn col(row: &str, needle: &str) -> Option<usize> {
        row.find(needle).map(|i| row[..i].width())
    }

    /// The x of each lane, from the header's centred names.
    fn lane_x(rows: &[String], name: &str) -> usize {
        let at = col(&rows[1], name).unwrap_or_else(|| panic!("no lane {name}: {rows:#?}"));
        let x = at + name.width() / 2;
        assert!(rows[2..rows.len() - 1].iter().any(|r| r.chars().nth(x) == Some('│')), "lane {name} at {x}: {rows:#?}");
        x
    }

    #[test]
    fn a_5_0_connection_tells_its_version_and_reason_codes() {
        let app = crate::ui::inspector::tests::lab_v5();
        for (w, h) in [(80, 24), (120, 30)] {
            let rows = screen(&draw(&app, Theme::new(false), w, h, 0));
            assert!(rows.iter().any(|r| r.contains("CONNECT v5")), "{w}×{h}: {rows:#?}");
            assert!(rows.iter().any(|r| r.contains("PUBACK id=1 0x10")), "{w}×{h}: {rows:#?}");
            // The 3.1.1 PUBACK says no reason code.
            assert!(rows.iter().any(|r| r.contains("PUBACK id=3") && !r.contains("0x")), "{w}×{h}: {rows:#?}");
        }
    }

    #[test]
    fn lanes_and_arrows() {
        let app = lab();
        let theme = Theme::new(false);
        let buf = draw(&app, theme, 80, 12, 0);
        let rows = screen(&buf);
        assert!(rows[0].contains("Ladder"), "{rows:#?}");
        let broker = lane_x(&rows, "broker");
        let car = lane_x(&rows, "car");
        let phone = lane_x(&rows, "phone");
        let computer = lane_x(&rows, "computer");
        assert!(broker < car && car < phone && phone < computer, "{rows:#?}");

        let y = rows.iter().position(|r| r.contains("PUBLISH")).expect("PUBLISH arrow");
        let row = &rows[y];
        let at = col(row, "PUBLISH").unwrap();
        assert!(broker < at && at < car, "between the broker and car lanes: {row}");
        assert!(row.contains("PUBLISH q1 id=3"), "{row}");
        assert_eq!(row.chars().nth(broker + 1), Some('◀'), "{row}");
        assert_eq!(row.chars().nth(car), Some('┤'), "{row}");
        assert_eq!(row.chars().nth(phone), Some('│'), "other lanes go on: {row}");
        let cell = &buf[(at as u16, y as u16)];
        assert_eq!(cell.fg, theme.client_to_broker().fg.unwrap());

        let y2 = rows.iter().position(|r| r.contains("PUBACK")).expect("PUBACK arrow");
        assert!(y2 > y, "newest at the bottom");
        let row = &rows[y2];
        assert!(row.contains("PUBACK id=3") && row.chars().nth(car - 1) == Some('▶'), "{row}");
        assert_eq!(buf[(col(row, "PUBACK").unwrap() as u16, y2 as u16)].fg, theme.broker_to_client().fg.unwrap());
        // The CONNECT came before the client id was known: it has a lane of its own.
        let y0 = rows.iter().position(|r| r.contains("CONN")).expect("CONNECT arrow");
        assert!(y0 < y && rows[1].contains("#1"), "{rows:#?}");
    }

    #[test]
    fn held_frames_are_marked_and_scroll_counts_from_the_bottom() {
        let mut app = lab();
        app.update(Msg::World(WorldEvent::Held {
            holding: true,
            frames: vec![HeldView {
                id: 1,
                seq: Some(3),
                conn: 1,
                dir: Dir::In,
                client: Some("car".into()),
                bytes: bytes::Bytes::new(),
            }],
        }));
        let theme = Theme::new(false);
        let buf = draw(&app, theme, 80, 12, 0);
        let rows = screen(&buf);
        let y = rows.iter().position(|r| r.contains("PUBLISH")).unwrap();
        assert!(rows[y].starts_with("│⏸"), "{}", rows[y]);
        let x = col(&rows[y], "PUBLISH").unwrap() as u16;
        assert_eq!(buf[(x, y as u16)].fg, theme.held().fg.unwrap());
        assert!(!rows.iter().any(|r| r.contains("PUBACK") && r.starts_with("│⏸")));

        // All three frames fit in 80×12: scrolling has nothing to show. In 80×5 two rows fit.
        assert_eq!(screen(&draw(&app, theme, 80, 12, 1)), rows);
        let rows = screen(&draw(&app, theme, 80, 5, 0));
        assert!(rows[2].contains("PUBLISH") && rows[3].contains("PUBACK") && rows[0].contains("↑1"), "{rows:#?}");
        let rows = screen(&draw(&app, theme, 80, 5, 1));
        assert!(rows[2].contains("CONNECT") && rows[3].contains("PUBLISH") && rows[0].contains("↓1"), "{rows:#?}");
        // Scrolling past the top shows the first page.
        assert_eq!(screen(&draw(&app, theme, 80, 5, usize::MAX / 2)), rows);

        let mut many = lab();
        for i in 0..30u16 {
            many.update(frame(
                10 + i as u64,
                100,
                Some("phone"),
                Dir::Out,
                Packet::PubAck(PacketId::new(i + 100).unwrap()).to_bytes(),
            ));
        }
        let rows = screen(&draw(&many, theme, 80, 12, 0));
        assert!(rows[10].contains("id=129") && rows[0].contains("↑"), "{rows:#?}");
        let rows = screen(&draw(&many, theme, 80, 12, 5));
        assert!(rows[10].contains("id=124") && rows[0].contains("↓5"), "{rows:#?}");
    }

    #[test]
    fn chinese_names_filters_and_no_colour() {
        let mut app = lab();
        app.lang = Lang::Zh;
        let rows = screen(&draw(&app, Theme::new(false), 80, 12, 0));
        for name in ["服务端", "汽车", "手机", "电脑"] {
            lane_x(&rows, name);
        }
        assert!(rows[0].contains("时序图"));

        let buf = draw(&app, Theme::new(true), 80, 12, 0);
        assert!(buf.content().iter().all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
        let buf = draw(&app, Theme::new(false), 80, 12, 0);
        assert!(buf.content().iter().any(|c| c.fg != Color::Reset), "the check above can fail");

        app.lang = Lang::En;
        app.inspector.filter.kind = Some(PacketType::PubAck);
        let rows = screen(&draw(&app, Theme::new(false), 80, 12, 0));
        assert!(rows[0].contains("(filtered)"), "{}", rows[0]);
        assert!(rows.iter().any(|r| r.contains("PUBACK")) && !rows.iter().any(|r| r.contains("PUBLISH")));
    }

    #[test]
    fn narrow_panes_keep_the_clients_on_screen_and_tiny_ones_do_not_panic() {
        let mut app = lab();
        app.update(Msg::World(WorldEvent::Client(ClientView {
            name: "esp".into(),
            client_id: "esp".into(),
            ..Default::default()
        })));
        // The ladder's place on an 80×24 screen: 44×9. Idle clients give up their lanes.
        let buf = draw(&app, Theme::new(false), 44, 9, 0);
        let rows = screen(&buf);
        let broker = lane_x(&rows, "broker");
        let car = lane_x(&rows, "car");
        assert!(!rows[1].contains("esp"), "{rows:#?}");
        let row = rows.iter().find(|r| r.contains("PUBLISH")).expect("PUBLISH fits");
        assert!(col(row, "PUBLISH").is_some_and(|x| broker < x && x < car), "{rows:#?}");
        assert!(row.contains("id=3"), "{row}");
        // Wide enough: every client has a lane.
        let rows = screen(&draw(&app, Theme::new(false), 100, 12, 0));
        lane_x(&rows, "esp");
        // A connected client keeps its lane even when short of room and idle.
        for name in ["phone", "computer"] {
            let rows = screen(&draw(&app, Theme::new(false), 44, 9, 0));
            assert!(rows[1].contains(&name[..4]), "{name}: {rows:#?}");
        }
        app.update(Msg::World(WorldEvent::Client(ClientView {
            name: "esp".into(),
            client_id: "esp".into(),
            connected: true,
            ..Default::default()
        })));
        let rows = screen(&draw(&app, Theme::new(false), 44, 9, 0));
        assert!(rows[1].contains("esp"), "{rows:#?}");

        for (w, h) in [(0, 0), (1, 1), (2, 2), (10, 3), (3, 10), (12, 6), (20, 5)] {
            let buf = draw(&app, Theme::new(false), w, h, 0);
            if (w, h) == (12, 6) {
                assert!(screen(&buf).iter().any(|r| r.contains("car→")), "{:#?}", screen(&buf));
            }
        }
        let mut t = Terminal::new(TestBackend::new(20, 10)).unwrap();
        t.draw(|f| render(f, Rect::new(15, 8, 40, 40), &app, &Theme::new(false), true, 3)).unwrap();
    }
}

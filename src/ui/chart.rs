//! The payload chart: numeric payloads of one topic over time.

use super::text::one_line;
use super::{pane_block_fit, theme::Theme};
use crate::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Wrap};

pub fn render_chart(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let topic = app.chart_topic.clone();
    let extra = topic.as_ref().map(|t| format!(" {}", one_line(t))).unwrap_or_default();
    let block = pane_block_fit(app, theme, Pane::Chart, &extra, area.width);
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

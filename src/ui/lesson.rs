//! The lesson pane: the lesson and its step, what to do, the hint asked for, a quiz's choices, a
//! "near, but" from the engine, and the ✓ of the step just done. Words wrap at word boundaries.

use super::text::wrap_styled;
use super::{pane_block, theme::Theme};
use crate::app::{App, Pane};
use crate::lesson::StepState;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render_lesson(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let lang = app.lang;
    let w = area.width.saturating_sub(2).max(1) as usize;
    let h = area.height.saturating_sub(2) as usize;
    let Some(run) = &app.course.run else {
        let p = Paragraph::new(Line::from(Span::styled(
            lang.pick("没有打开的课程：F9 打开课程列表", "No lesson open: F9 opens the lesson list"),
            theme.dim(),
        )))
        .block(pane_block(app, theme, Pane::Lesson, String::new()));
        f.render_widget(p, area);
        return;
    };
    let l = &run.lesson;
    let n = l.steps.len();
    // Prose wraps without indenting its continuation lines (every column counts in this pane).
    let add = |lines: &mut Vec<Line<'static>>, spans: Vec<Span<'static>>| {
        let parts: Vec<(&str, ratatui::style::Style)> = spans.iter().map(|s| (s.content.as_ref(), s.style)).collect();
        for l in wrap_styled(&parts, w, w) {
            lines.push(Line::from(l.into_iter().map(|(t, s)| Span::styled(t, s)).collect::<Vec<_>>()));
        }
    };
    // The pane's parts, from the most needed: the task (the step's words, a quiz's choices, what to
    // type to go on, the near miss, the hint asked for), the progress dots, the "stuck?" line, and
    // the ✓ of the step before. What does not fit is left out from the least needed.
    let mut task: Vec<Line<'static>> = Vec::new();
    let mut stuck: Vec<Line<'static>> = Vec::new();
    let mut done: Vec<Line<'static>> = Vec::new();
    if let Some(d) = &app.course.last_done {
        add(&mut done, vec![Span::styled(format!("✓ {}", d.get(lang)), theme.ok())]);
    }
    let title = if run.finished() {
        format!(" {} {} ✓", l.id.value, l.title.get(lang))
    } else {
        format!(" {} · {}/{n}", l.id.value, run.step + 1)
    };
    if app.course.start.is_some() {
        add(
            &mut task,
            vec![Span::styled(
                lang.pick("布置场景：客户端上台，准备就绪……", "setting the stage: the cast comes on…").to_string(),
                theme.dim(),
            )],
        );
    }
    if let Some(step) = l.steps.get(run.step) {
        let s = &step.value;
        add(&mut task, vec![Span::raw(s.say.get(lang).to_string())]);
        if let Some(q) = &s.quiz {
            for (i, c) in q.choices.iter().enumerate() {
                let mark = match run.last_answer {
                    Some((k, true)) if k == i + 1 => "✓",
                    _ if run.wrong.contains(&(i + 1)) => "✗",
                    _ => " ",
                };
                let style = if run.wrong.contains(&(i + 1)) { theme.dim() } else { theme.key() };
                add(
                    &mut task,
                    vec![Span::styled(format!("{mark}{}. ", i + 1), style), Span::raw(c.get(lang).to_string())],
                );
            }
            add(
                &mut task,
                vec![Span::styled(
                    lang.pick("输入答案的序号作答，例如 2", "type the number of your answer, e.g. 2").to_string(),
                    theme.dim(),
                )],
            );
        } else if s.expect.is_none() {
            add(
                &mut task,
                vec![Span::styled(
                    lang.pick("读完输入 go 继续（或 F8）", "type go (or F8) to go on").to_string(),
                    theme.dim(),
                )],
            );
        }
        if let Some(m) = &run.miss {
            add(&mut task, vec![Span::styled(format!("≈ {}", m.get(lang)), theme.warn())]);
        }
        if let Some(hint) = &app.course.hint {
            add(&mut task, vec![Span::styled(format!("💡 {}", hint.get(lang)), theme.held())]);
        } else if !s.hints.is_empty() || !s.solution.is_empty() {
            add(
                &mut stuck,
                vec![Span::styled(lang.pick("需要提示？输入 hint", "stuck? type hint").to_string(), theme.dim())],
            );
        }
    } else {
        add(
            &mut task,
            vec![Span::styled(
                lang.pick("课程完成！F9 回到课程列表。", "Lesson complete! F9 for the lesson list.").to_string(),
                theme.ok().add_modifier(Modifier::BOLD),
            )],
        );
        if run.score.1 > 0 {
            add(
                &mut task,
                vec![Span::raw(match lang {
                    crate::i18n::Lang::Zh => format!("得分：{}/{}（第一次就答对的题）", run.score.0, run.score.1),
                    crate::i18n::Lang::En => format!("score: {}/{} (right at the first try)", run.score.0, run.score.1),
                })],
            );
        }
    }
    // Progress dots: ● done, ◉ now, · to come.
    let dots: String = run
        .states
        .iter()
        .map(|s| match s {
            StepState::Done { .. } => '●',
            StepState::Active => '◉',
            StepState::Waiting => '·',
        })
        .collect();
    let dots = vec![Line::from(Span::styled(dots, theme.dim()))];
    let mut room = h.saturating_sub(task.len());
    let mut take = |part: &Vec<Line<'static>>| {
        let fits = part.len() <= room;
        if fits {
            room -= part.len();
        }
        fits
    };
    let (with_dots, with_stuck, with_done) = (take(&dots), take(&stuck), take(&done));
    let cut = task.len() > h;
    let mut lines = Vec::new();
    if with_done {
        lines.extend(done);
    }
    lines.extend(task);
    if with_stuck {
        lines.extend(stuck);
    }
    if with_dots {
        lines.extend(dots);
    }
    // A step longer than the pane: ↑↓ in the pane scroll it, F6 shows it whole.
    let skip = app.scroll.get(&Pane::Lesson).copied().unwrap_or(0).min(lines.len().saturating_sub(h));
    let lines: Vec<Line<'static>> = lines.into_iter().skip(skip).collect();
    let title = if cut { format!("{title} · ↑↓ F6") } else { title };
    let p = Paragraph::new(lines).block(pane_block(app, theme, Pane::Lesson, title));
    f.render_widget(p, area);
}

//! Reading a lesson file: YAML into the [`model`](super::model), then every check a teacher needs
//! before a learner sees it — the format version, texts in both languages, command lines that parse
//! with the clients on stage at that point, conditions that name real fields, highlights that are
//! field keys, quizzes whose answer exists, and a solution for every step that waits. Each error
//! names the file, line and column and shows the line with a caret under the spot.

use super::cond;
use super::model::{Expect, FORMAT_VERSION, Lesson, Step, Words};
use crate::command::{self, Command};
use crate::i18n::{Lang, Text};
use crate::proto::{PacketType, field};
use serde_saphyr::{Location, Spanned};

/// A problem in a lesson file, at a place in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: Text,
    /// The offending line with a caret under the column.
    pub snippet: String,
}

impl LessonError {
    /// `path:line:column: message` and the snippet below.
    pub fn render(&self, lang: Lang) -> String {
        format!("{}:{}:{}: {}\n{}", self.path, self.line, self.column, self.message.get(lang), self.snippet)
    }
}

impl std::fmt::Display for LessonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

/// The line `line` of `src` with a caret under `column` (both counted from 1).
fn snippet(src: &str, line: usize, column: usize) -> String {
    let Some(text) = src.lines().nth(line.saturating_sub(1)) else { return String::new() };
    let num = line.to_string();
    let pad = " ".repeat(num.len());
    let before: String = text.chars().take(column.saturating_sub(1)).collect();
    let caret_at = crate::i18n::display_width(&before);
    format!("{pad} |\n{num} | {text}\n{pad} | {}^", " ".repeat(caret_at))
}

/// The words of serde's most common complaints, in Chinese too.
fn yaml_message(en: &str) -> Text {
    let zh = if let Some(rest) = en.strip_prefix("unknown field ") {
        let (name, tail) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let tail = tail.trim_start_matches("one of ");
        format!("没有这个键 {name}；这里可以用：{tail}")
    } else if let Some(rest) = en.strip_prefix("unknown variant ") {
        let (name, tail) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let tail = tail.trim_start_matches("one of ");
        format!("没有 {name} 这一种；可以用：{tail}")
    } else if let Some(rest) = en.strip_prefix("missing field ") {
        format!("缺少键 {rest}")
    } else if en.starts_with("invalid type") || en.starts_with("invalid ") {
        format!("值的类型不对：{en}")
    } else {
        format!("YAML 有误：{en}")
    };
    Text::new(zh, en)
}

/// A lesson text really in both languages: the Chinese has Chinese, the English has English words
/// (it may quote a Chinese topic such as 汽车速度), and they differ.
fn lesson_words(zh: &str, en: &str) -> Result<(), String> {
    if zh.trim().is_empty() || en.trim().is_empty() {
        return Err(format!("an empty side: zh {zh:?}, en {en:?}"));
    }
    if !zh.chars().any(crate::i18n::is_cjk) {
        return Err(format!("no Chinese in the Chinese text {zh:?}"));
    }
    let words = en.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 2).count();
    if words == 0 || zh == en {
        return Err(format!("no English in the English text {en:?}"));
    }
    Ok(())
}

struct Checker<'a> {
    path: &'a str,
    src: &'a str,
    errors: Vec<LessonError>,
    /// Switches of the lesson's console.
    switches: usize,
}

impl Checker<'_> {
    fn at(&mut self, loc: Location, message: Text) {
        let (line, column) = (loc.line() as usize, loc.column() as usize);
        self.errors.push(LessonError {
            path: self.path.to_string(),
            line,
            column,
            snippet: snippet(self.src, line, column),
            message,
        });
    }

    fn words(&mut self, loc: Location, w: &Words, what: &str) {
        if let Err(e) = lesson_words(&w.zh, &w.en).or_else(|_| crate::i18n::check_bilingual(&w.zh, &w.en)) {
            self.at(
                loc,
                Text::new(format!("{what}的两种语言不齐：{e}"), format!("{what}: not in both languages: {e}")),
            );
        }
    }

    /// Checks a command line; returns the name it puts on stage or takes off it.
    fn line(&mut self, l: &Spanned<String>, names: &mut Vec<String>, in_solution: bool, quiz: Option<usize>) {
        let text = l.value.trim();
        let words: Vec<&str> = text.split_whitespace().collect();
        match words.as_slice() {
            ["wait", s] if in_solution => {
                if !s.parse::<f64>().is_ok_and(|v| v.is_finite() && v >= 0.0) {
                    self.at(
                        l.referenced,
                        Text::new(format!("wait 后面要写秒数，不是 {s:?}"), format!("wait needs seconds, not {s:?}")),
                    );
                }
                return;
            }
            ["answer", n] if in_solution => {
                match (n.parse::<usize>(), quiz) {
                    (Ok(n), Some(k)) if (1..=k).contains(&n) => {}
                    (_, None) => self.at(
                        l.referenced,
                        Text::new("answer 只能用在有 quiz 的步骤里", "answer belongs to a step with a quiz"),
                    ),
                    _ => self.at(
                        l.referenced,
                        Text::new(format!("answer {n}：没有这个选项"), format!("answer {n}: there is no such choice")),
                    ),
                }
                return;
            }
            ["wait" | "answer", ..] if !in_solution => {
                self.at(
                    l.referenced,
                    Text::new(
                        "wait 和 answer 只能写在 solution 里（那是学习者要做的事）",
                        "wait and answer go in a solution only (they are what the learner does)",
                    ),
                );
                return;
            }
            _ => {}
        }
        match command::parse(text, names) {
            Ok(Command::New { name, .. }) => {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            Ok(Command::Remove { name }) => names.retain(|n| *n != name),
            Ok(Command::Switch { n, .. }) if n > self.switches => self.at(
                l.referenced,
                Text::new(
                    format!("switch {n}：控制台只有 {} 个开关", self.switches),
                    format!("switch {n}: the console has {} switches", self.switches),
                ),
            ),
            Ok(Command::Quit | Command::Help | Command::Compose { .. }) => self.at(
                l.referenced,
                Text::new("课程里不能用 quit、help 或 compose", "a lesson cannot run quit, help or compose"),
            ),
            Ok(_) => {}
            Err(e) => self.at(l.referenced, e),
        }
    }

    fn party(&mut self, p: &Option<Spanned<String>>, names: &[String]) {
        if let Some(p) = p
            && p.value != "broker"
            && !names.contains(&p.value)
        {
            self.unknown_client(p, names);
        }
    }

    fn client(&mut self, c: &Spanned<String>, names: &[String]) {
        if !names.contains(&c.value) {
            self.unknown_client(c, names);
        }
    }

    fn unknown_client(&mut self, c: &Spanned<String>, names: &[String]) {
        let on = names.join(", ");
        self.at(
            c.referenced,
            Text::new(
                format!("这时台上没有客户端 {:?}（有：{on}）", c.value),
                format!("no client {:?} is on stage here (there are: {on})", c.value),
            ),
        );
    }

    fn expect(&mut self, loc: Location, e: &Expect, names: &[String]) {
        match e {
            Expect::Frame(f) => {
                let kind = (1..=14).filter_map(PacketType::from_u8).find(|k| k.name() == f.kind.value);
                match kind {
                    None => self.at(
                        f.kind.referenced,
                        Text::new(
                            format!("没有报文类型 {:?}：CONNECT、CONNACK、PUBLISH、PUBACK……", f.kind.value),
                            format!("no packet type {:?}: CONNECT, CONNACK, PUBLISH, PUBACK, …", f.kind.value),
                        ),
                    ),
                    Some(k) => {
                        for c in &f.conds {
                            if cond::field_of(k, &c.value.name).is_none() {
                                let can: Vec<&str> = cond::names(k).iter().map(|(n, _)| *n).collect();
                                let can = if can.is_empty() { "—".to_string() } else { can.join(", ") };
                                self.at(
                                    c.referenced,
                                    Text::new(
                                        format!("{} 没有字段 {:?}；可以用：{can}", k.name(), c.value.name),
                                        format!("{} has no field {:?}; it has: {can}", k.name(), c.value.name),
                                    ),
                                );
                            }
                        }
                    }
                }
                self.party(&f.from, names);
                self.party(&f.to, names);
            }
            Expect::Receives(r) => self.client(&r.client, names),
            Expect::Subscribed(s) => {
                self.client(&s.client, names);
                if s.topics.is_empty() {
                    self.at(
                        s.client.referenced,
                        Text::new("subscribed 至少要列出一个主题", "subscribed needs at least one topic"),
                    );
                }
                for t in s.topics.iter().chain(&s.not) {
                    if crate::proto::validate_topic_name(t).is_err() {
                        self.at(
                            s.client.referenced,
                            Text::new(
                                format!("{t:?} 不是主题名（不能含 + 或 #）"),
                                format!("{t:?} is not a topic name (no + or #)"),
                            ),
                        );
                    }
                }
            }
            Expect::Broker(b) => {
                if let Some(c) = &b.client {
                    self.client(c, names);
                }
            }
            Expect::Client(c) => self.client(&c.name, names),
            Expect::Serial(c) => {
                if let Some(b) = &c.board {
                    self.client(b, names);
                }
            }
            Expect::All(v) | Expect::Sequence(v) | Expect::Any(v) => {
                if v.is_empty() {
                    self.at(loc, Text::new("这里至少要有一项", "this needs at least one item"));
                }
                for e in v {
                    self.expect(loc, e, names);
                }
            }
            Expect::None(n) => {
                if !(n.secs.is_finite() && n.secs > 0.0) {
                    self.at(loc, Text::new("none 的 for 要写大于 0 的秒数", "none needs for: seconds above 0"));
                }
                self.expect(loc, &n.of, names);
            }
            Expect::Wait(s) => {
                if !(s.is_finite() && *s >= 0.0) {
                    self.at(loc, Text::new("wait 要写秒数", "wait needs seconds"));
                }
            }
        }
    }

    fn step(&mut self, n: usize, s: &Spanned<Step>, names: &mut Vec<String>) {
        let loc = s.referenced;
        let st = &s.value;
        self.words(loc, &st.say, &format!("step {n} say"));
        for h in &st.hints {
            self.words(loc, h, &format!("step {n} hint"));
        }
        if let Some(d) = &st.done {
            self.words(loc, d, &format!("step {n} done"));
        }
        for a in &st.actions {
            self.line(a, names, false, None);
        }
        for h in &st.highlight {
            if field::by_key(&h.value).is_none() {
                self.at(
                    h.referenced,
                    Text::new(
                        format!("没有字段键 {:?}（例如 mqtt.connect.flags.clean_session）", h.value),
                        format!("no field key {:?} (e.g. mqtt.connect.flags.clean_session)", h.value),
                    ),
                );
            }
        }
        let choices = st.quiz.as_ref().map(|q| q.choices.len());
        if let Some(q) = &st.quiz {
            if q.choices.len() < 2 {
                self.at(loc, Text::new("quiz 至少要有两个选项", "a quiz needs at least two choices"));
            }
            for c in &q.choices {
                self.words(loc, c, &format!("step {n} choice"));
            }
            self.words(loc, &q.explain, &format!("step {n} explain"));
            if !(1..=q.choices.len()).contains(&q.answer.value) {
                self.at(
                    q.answer.referenced,
                    Text::new(
                        format!("answer 是 {}，但只有 {} 个选项（从 1 数起）", q.answer.value, q.choices.len()),
                        format!(
                            "answer is {}, but there are {} choices (counted from 1)",
                            q.answer.value,
                            q.choices.len()
                        ),
                    ),
                );
            }
        }
        if let Some(e) = &st.expect {
            self.expect(e.referenced, &e.value, names);
        }
        let waits = st.expect.is_some() || st.quiz.is_some();
        if waits && st.solution.is_empty() {
            self.at(
                loc,
                Text::new(
                    format!("第 {n} 步在等待（expect 或 quiz），却没有 solution：lessons check 无法验证它"),
                    format!("step {n} waits (expect or quiz) but has no solution: lessons check cannot run it"),
                ),
            );
        }
        if !waits && !st.solution.is_empty() {
            self.at(
                loc,
                Text::new(
                    format!("第 {n} 步不等待任何事，solution 用不上"),
                    format!("step {n} waits for nothing, so its solution is never used"),
                ),
            );
        }
        let mut in_solution = names.clone();
        for a in &st.solution {
            self.line(a, &mut in_solution, true, choices);
        }
        if st.quiz.is_some() && !st.solution.iter().any(|a| a.value.trim().starts_with("answer ")) {
            self.at(
                loc,
                Text::new(format!("第 {n} 步的 solution 里没有 answer"), format!("step {n}'s solution has no answer")),
            );
        }
        // What the solution put on stage is there for the next steps.
        *names = in_solution;
    }
}

/// Reads and checks one lesson; `path` names it in errors. All errors are reported, not just the first.
pub fn parse_lesson(path: &str, src: &str) -> Result<Lesson, Vec<LessonError>> {
    let lesson: Lesson = match serde_saphyr::from_str(src) {
        Ok(l) => l,
        Err(e) => {
            let loc = e.location();
            let full = e.to_string();
            let first = full.lines().next().unwrap_or(&full).trim_start_matches("error: ");
            // "line 4 column 5: unknown field …" → "unknown field …".
            let msg = first.split_once(": ").filter(|(h, _)| h.starts_with("line ")).map_or(first, |(_, m)| m);
            let (line, column) = loc.map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
            return Err(vec![LessonError {
                path: path.to_string(),
                line,
                column,
                snippet: snippet(src, line, column),
                message: yaml_message(msg),
            }]);
        }
    };
    let switches = lesson.console.iter().filter(|w| matches!(w.value, super::model::Widget::Switch(_))).count();
    let mut c = Checker { path, src, errors: Vec::new(), switches };
    if lesson.format_version.value != FORMAT_VERSION {
        c.at(
            lesson.format_version.referenced,
            Text::new(
                format!("format_version 是 {}，这个版本的实验室只读 {FORMAT_VERSION}", lesson.format_version.value),
                format!("format_version is {}; this lab reads version {FORMAT_VERSION}", lesson.format_version.value),
            ),
        );
    }
    if lesson.id.value.trim().is_empty() {
        c.at(lesson.id.referenced, Text::new("id 不能为空", "id must not be empty"));
    }
    let top = lesson.id.referenced;
    c.words(top, &lesson.title, "title");
    if let Some(g) = &lesson.goal {
        c.words(top, g, "goal");
    }
    if lesson.steps.is_empty() {
        c.at(top, Text::new("课程至少要有一步", "a lesson needs at least one step"));
    }
    for u in &lesson.broker.users {
        if !u.value.contains(':') {
            c.at(u.referenced, Text::new("用户要写成 用户名:密码", "a user is written user:password"));
        }
    }
    if let Some(acl) = &lesson.broker.acl
        && let Err(e) = crate::broker::auth::Acl::parse(&acl.value)
    {
        c.at(acl.referenced, e.message.clone());
    }
    let mut names: Vec<String> = Vec::new();
    for m in &lesson.cast {
        match command::parse(&format!("new {}", m.value), &names) {
            Ok(Command::New { name, .. }) => names.push(name),
            Ok(_) => {}
            Err(e) => c.at(m.referenced, e),
        }
    }
    for a in &lesson.setup {
        c.line(a, &mut names, false, None);
    }
    for w in &lesson.console {
        use super::model::Widget::*;
        let (label, topic) = match &w.value {
            Switch(s) => (&s.label, &s.topic),
            Lamp(t) | Gauge(t) | Chart(t) => (&t.label, &t.topic),
            Presence(p) => (&p.label, &p.topic),
        };
        c.words(w.referenced, label, "widget label");
        if crate::proto::validate_topic_name(&topic.value).is_err() {
            c.at(
                topic.referenced,
                Text::new(format!("{:?} 不是主题名", topic.value), format!("{:?} is not a topic name", topic.value)),
            );
        }
    }
    for (i, s) in lesson.steps.iter().enumerate() {
        c.step(i + 1, s, &mut names);
    }
    if c.errors.is_empty() { Ok(lesson) } else { Err(c.errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"format_version: 1
id: "9-9"
part: extra
title: { zh: 测试课, en: A test lesson }
cast: [car, phone]
steps:
  - say: { zh: 让 phone 订阅汽车速度。, en: Make phone subscribe to the car's speed. }
    expect:
      frame: { type: SUBSCRIBE, from: phone, where: ["qos == 1"] }
    solution: ["phone sub car/speed -q 1"]
  - say: { zh: 选一个。, en: Pick one. }
    quiz:
      choices: [{ zh: 对, en: "yes" }, { zh: 错, en: "no" }]
      answer: 1
      explain: { zh: 因为如此。, en: Because. }
    solution: ["answer 1"]
"#;

    fn errors(src: &str) -> Vec<LessonError> {
        parse_lesson("t.yaml", src).unwrap_err()
    }

    #[test]
    fn a_good_lesson_loads() {
        let l = parse_lesson("t.yaml", GOOD).unwrap();
        assert_eq!(l.steps.len(), 2);
        assert_eq!(l.id.value, "9-9");
    }

    #[test]
    fn a_typo_in_a_key_names_the_line_and_column_and_shows_the_line() {
        let e = errors(&GOOD.replace("    solution: [\"phone sub", "    solutoin: [\"phone sub"));
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].line, e[0].column), (10, 5), "{e:?}");
        assert!(e[0].message.en.contains("unknown field `solutoin`"), "{e:?}");
        assert!(e[0].message.zh.contains("没有这个键"), "{e:?}");
        assert!(e[0].snippet.contains("10 |     solutoin:") && e[0].snippet.ends_with("    ^"), "{}", e[0].snippet);
        assert!(e[0].render(Lang::En).starts_with("t.yaml:10:5: unknown field"));
    }

    #[test]
    fn every_semantic_mistake_is_reported_at_its_place() {
        let bad = GOOD
            .replace("format_version: 1", "format_version: 2")
            .replace("from: phone", "from: tablet")
            .replace("\"qos == 1\"", "\"speed == 1\"")
            .replace("phone sub car/speed -q 1", "phone sub car/speed -q 7")
            .replace("answer: 1", "answer: 3")
            .replace("en: Pick one.", "en: 选一个。");
        let e = errors(&bad);
        let said: Vec<String> = e.iter().map(|e| format!("{}:{} {}", e.line, e.column, e.message.en)).collect();
        let has = |line: usize, what: &str| said.iter().any(|s| s.starts_with(&format!("{line}:")) && s.contains(what));
        assert!(has(1, "format_version is 2"), "{said:#?}");
        assert!(has(9, "no client \"tablet\""), "{said:#?}");
        assert!(has(9, "SUBSCRIBE has no field \"speed\""), "{said:#?}");
        assert!(has(10, "QoS"), "{said:#?}");
        assert!(has(14, "answer is 3"), "{said:#?}");
        assert!(has(11, "not in both languages"), "{said:#?}");
    }

    #[test]
    fn a_waiting_step_without_a_solution_is_refused() {
        let e = errors(&GOOD.replace("    solution: [\"phone sub car/speed -q 1\"]\n", ""));
        assert!(e.iter().any(|e| e.message.en.contains("step 1 waits") && e.line == 7), "{e:?}");
        let e = errors(&GOOD.replace("\"answer 1\"", "\"wait 1\""));
        assert!(e.iter().any(|e| e.message.en.contains("has no answer")), "{e:?}");
    }

    #[test]
    fn clients_put_on_stage_by_a_solution_are_known_afterwards() {
        let src = GOOD
            .replace("\"phone sub car/speed -q 1\"", "\"new esp --keepalive 15\", \"phone sub car/speed -q 1\"")
            + "  - say: { zh: 等。, en: Wait. }\n    expect: { wait: 1 }\n    solution: [\"esp pub a b\", \"wait 1\"]\n";
        parse_lesson("t.yaml", &src).unwrap();
        let src = GOOD.to_string()
            + "  - say: { zh: 等。, en: Wait. }\n    expect: { wait: 1 }\n    solution: [\"esp pub a b\", \"wait 1\"]\n";
        let e = errors(&src);
        assert!(e.iter().any(|e| e.message.en.contains("\"esp\" is neither a client")), "{e:?}");
    }
}

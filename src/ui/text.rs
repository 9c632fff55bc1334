//! Fitting text into cells, the one place that knows display widths: cutting to a width with `…`,
//! padding, keeping a payload on one row, and wrapping at word boundaries (CJK text may break
//! between any two characters, as Chinese typesetting does). Every pane uses these.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display width of a character; a control character counts as the `·` it is shown as.
pub fn char_width(c: char) -> usize {
    if c.is_control() { 1 } else { c.width().unwrap_or(0) }
}

/// Display width of a string.
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// `s` cut to at most `w` display columns, ending in `…` when cut; control characters become `·`.
pub fn truncate(s: &str, w: usize) -> String {
    let clean = |c: char| if c.is_control() { '·' } else { c };
    if width(s) <= w {
        return s.chars().map(clean).collect();
    }
    if w == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = char_width(c);
        if used + cw + 1 > w {
            break;
        }
        out.push(clean(c));
        used += cw;
    }
    out.push('…');
    out
}

/// `s` cut or padded with spaces to exactly `w` display columns.
pub fn pad(s: &str, w: usize) -> String {
    let mut t = truncate(s, w);
    let used = t.width();
    t.extend(std::iter::repeat_n(' ', w.saturating_sub(used)));
    t
}

/// `s` cut or padded on the left to exactly `w` display columns.
pub fn pad_left(s: &str, w: usize) -> String {
    let t = truncate(s, w);
    format!("{}{t}", " ".repeat(w.saturating_sub(t.width())))
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

/// Marks that may not start a line.
fn closes(c: char) -> bool {
    "，。、；：！？）」』》】〉”’…%".contains(c)
}

/// Marks that may not end a line.
fn opens(c: char) -> bool {
    "（「『《【〈“‘".contains(c)
}

/// A wide (CJK) character: a line may break before or after it.
fn breaks_anywhere(c: char) -> bool {
    char_width(c) >= 2
}

/// Breaks `s` into lines of at most `first` display columns for the first line and `rest` for the
/// others, at spaces (which are dropped at the break) or next to CJK characters; a word longer than
/// a line is cut where it must be.
pub fn wrap_widths(s: &str, first: usize, rest: usize) -> Vec<String> {
    wrap_styled(&[(s, ())], first, rest).into_iter().map(|l| l.into_iter().map(|(t, _)| t).collect()).collect()
}

/// One line of [`wrap_styled`]: pieces of text with their style.
pub type StyledLine<S> = Vec<(String, S)>;

/// [`wrap_widths`] for text in styled pieces: each line keeps the style of every character.
pub fn wrap_styled<S: Copy + PartialEq>(parts: &[(&str, S)], first: usize, rest: usize) -> Vec<StyledLine<S>> {
    let first = first.max(1);
    let rest = rest.max(1);
    let mut lines: Vec<StyledLine<S>> = Vec::new();
    let mut line: StyledLine<S> = Vec::new();
    let mut used = 0;
    let limit = |lines: &Vec<StyledLine<S>>| if lines.is_empty() { first } else { rest };
    fn push<S: Copy + PartialEq>(line: &mut StyledLine<S>, t: &str, st: S) {
        match line.last_mut() {
            Some((text, s)) if *s == st => text.push_str(t),
            _ => line.push((t.to_string(), st)),
        }
    }
    fn done<S>(mut line: StyledLine<S>) -> StyledLine<S> {
        while let Some((t, _)) = line.last_mut() {
            let n = t.trim_end_matches(' ').len();
            t.truncate(n);
            if t.is_empty() && line.len() > 1 {
                line.pop();
            } else {
                break;
            }
        }
        line
    }
    // Tokens: a run of spaces, a single CJK character, or a word of anything else (a word may span
    // pieces of different styles).
    let chars: Vec<(char, S)> = parts.iter().flat_map(|(t, st)| t.chars().map(move |c| (c, *st))).collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].0;
        if c == ' ' {
            let mut j = i;
            while j < chars.len() && chars[j].0 == ' ' {
                j += 1;
            }
            let n = j - i;
            if used + n <= limit(&lines) {
                for (c, st) in &chars[i..j] {
                    push(&mut line, &c.to_string(), *st);
                }
                used += n;
            } else {
                lines.push(done(std::mem::take(&mut line)));
                used = 0;
            }
            i = j;
            continue;
        }
        let mut j = i + 1;
        if opens(c) && j < chars.len() && chars[j].0 != ' ' {
            // An opening bracket stays with what follows it.
            j += 1;
        }
        if !breaks_anywhere(chars[j - 1].0) {
            while j < chars.len() && chars[j].0 != ' ' && !breaks_anywhere(chars[j].0) {
                j += 1;
            }
        }
        // A line never starts with a closing mark (，。）…): it stays with what precedes it.
        while j < chars.len() && closes(chars[j].0) {
            j += 1;
        }
        let ww: usize = chars[i..j].iter().map(|(c, _)| char_width(*c)).sum();
        if used + ww > limit(&lines) && used > 0 {
            lines.push(done(std::mem::take(&mut line)));
            used = 0;
        }
        let fits = ww <= limit(&lines);
        for (ch, st2) in &chars[i..j] {
            let cw = char_width(*ch);
            if !fits && used + cw > limit(&lines) && used > 0 {
                // Longer than a whole line: cut it.
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            push(&mut line, &ch.to_string(), *st2);
            used += cw;
        }
        i = j;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(done(line));
    }
    lines
}

/// [`wrap_widths`] with every line `w` columns wide.
pub fn wrap(s: &str, w: usize) -> Vec<String> {
    wrap_widths(s, w, w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_breaks_at_spaces_never_inside_words() {
        let lines = wrap("the client id is session based: clean session 1 discards it", 16);
        assert_eq!(lines, vec!["the client id is", "session based:", "clean session 1", "discards it"]);
        for l in &lines {
            assert!(width(l) <= 16, "{l:?}");
        }
    }

    #[test]
    fn cjk_breaks_between_characters_and_mixed_text_keeps_latin_words_whole() {
        let lines = wrap("car 已连接（清除会话=1，心跳 60 秒）→ CONNACK 0", 12);
        for l in &lines {
            assert!(width(l) <= 12, "{l:?} in {lines:?}");
        }
        assert!(lines.iter().any(|l| l.contains("CONNACK")), "{lines:?}");
        assert!(!lines.iter().any(|l| l.ends_with("CONN") || l.starts_with("ACK")), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), "car已连接（清除会话=1，心跳60秒）→CONNACK0");
    }

    #[test]
    fn chinese_punctuation_never_starts_a_line_and_brackets_never_end_one() {
        // From 6 columns on: the widest unbreakable piece is 嘱）。
        for w in 6..24 {
            let lines = wrap("car 进了隧道：TCP 链路断了，服务端还不知道（它没有遗嘱）。", w);
            for l in &lines[1..] {
                assert!(!l.starts_with(['，', '。', '：', '）']), "{w}: {lines:?}");
            }
            for l in &lines {
                assert!(!l.ends_with('（'), "{w}: {lines:?}");
                assert!(width(l) <= w, "{w}: {lines:?}");
            }
        }
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_and_widths_hold() {
        let lines = wrap_widths("a mqtt.connect.flags.clean_session b", 10, 8);
        assert_eq!(lines[0], "a");
        assert!(width(&lines[1]) <= 8);
        assert_eq!(lines.concat().replace(' ', ""), "amqtt.connect.flags.clean_sessionb");
        assert_eq!(wrap("", 5), vec![String::new()]);
    }

    #[test]
    fn styled_wrapping_keeps_each_character_s_style() {
        let lines = wrap_styled(&[("● ", 1), ("car", 2), (" in the tunnel: 63 s left", 3)], 12, 10);
        let text: Vec<String> = lines.iter().map(|l| l.iter().map(|(t, _)| t.as_str()).collect()).collect();
        assert_eq!(text, vec!["● car in the", "tunnel: 63", "s left"]);
        assert_eq!(lines[0][1], ("car".to_string(), 2));
        assert_eq!(lines[1], vec![("tunnel: 63".to_string(), 3)]);
        for (l, w) in text.iter().zip([12, 10, 10]) {
            assert!(width(l) <= w);
        }
    }

    #[test]
    fn truncating_and_padding_count_display_columns() {
        assert_eq!(truncate("汽车速度", 5), "汽车…");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad_left("ab", 4), "  ab");
        assert_eq!(truncate("a\u{7}b", 3), "a·b");
        assert_eq!(one_line("{\r\n  \"a\": 1\n}"), "{⏎  \"a\": 1⏎}");
    }
}

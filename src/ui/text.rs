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

/// A wide (CJK) character: a line may break before or after it.
fn breaks_anywhere(c: char) -> bool {
    char_width(c) >= 2
}

/// Breaks `s` into lines of at most `first` display columns for the first line and `rest` for the
/// others, at spaces (which are dropped at the break) or next to CJK characters; a word longer than
/// a line is cut where it must be.
pub fn wrap_widths(s: &str, first: usize, rest: usize) -> Vec<String> {
    let first = first.max(1);
    let rest = rest.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    let limit = |lines: &Vec<String>| if lines.is_empty() { first } else { rest };
    // Tokens: a run of spaces, a single CJK character, or a word of anything else.
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' {
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            let n = j - i;
            if used + n <= limit(&lines) {
                line.extend(std::iter::repeat_n(' ', n));
                used += n;
            } else {
                lines.push(std::mem::take(&mut line).trim_end().to_string());
                used = 0;
            }
            i = j;
            continue;
        }
        let mut j = i + 1;
        if !breaks_anywhere(c) {
            while j < chars.len() && chars[j] != ' ' && !breaks_anywhere(chars[j]) {
                j += 1;
            }
        }
        let word: String = chars[i..j].iter().collect();
        let ww = width(&word);
        if used + ww > limit(&lines) && used > 0 {
            lines.push(std::mem::take(&mut line).trim_end().to_string());
            used = 0;
        }
        if ww <= limit(&lines) {
            line.push_str(&word);
            used += ww;
        } else {
            // Longer than a whole line: cut it.
            for ch in word.chars() {
                let cw = char_width(ch);
                if used + cw > limit(&lines) && used > 0 {
                    lines.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push(ch);
                used += cw;
            }
        }
        i = j;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_string());
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
    fn a_word_longer_than_the_line_is_cut_and_widths_hold() {
        let lines = wrap_widths("a mqtt.connect.flags.clean_session b", 10, 8);
        assert_eq!(lines[0], "a");
        assert!(width(&lines[1]) <= 8);
        assert_eq!(lines.concat().replace(' ', ""), "amqtt.connect.flags.clean_sessionb");
        assert_eq!(wrap("", 5), vec![String::new()]);
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

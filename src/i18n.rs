//! The two languages of the product and how the default is chosen. Pure: no I/O except reading
//! the locale variables handed in.

/// 中文 or English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Zh,
    #[default]
    En,
}

impl Lang {
    /// The language a locale string such as `zh_CN.UTF-8` asks for.
    pub fn from_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("zh") { Lang::Zh } else { Lang::En }
    }

    /// The language of the environment: `LC_ALL`, then `LC_MESSAGES`, then `LANG` (the first set wins).
    pub fn from_env_vars(get: impl Fn(&str) -> Option<String>) -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Some(v) = get(var).filter(|v| !v.is_empty()) {
                return Lang::from_locale(&v);
            }
        }
        Lang::En
    }

    pub fn is_zh(self) -> bool {
        self == Lang::Zh
    }

    /// Picks the text of this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        if self.is_zh() { zh } else { en }
    }
}

/// A fixed text in both languages, for tables (the field registry, return codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Words {
    pub zh: &'static str,
    pub en: &'static str,
}

impl Words {
    pub const fn new(zh: &'static str, en: &'static str) -> Words {
        Words { zh, en }
    }

    /// The text in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }
}

impl From<Words> for Text {
    fn from(w: Words) -> Text {
        Text::new(w.zh, w.en)
    }
}

/// A text in both languages, for words made at one place and shown at another.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text { zh: zh.into(), en: en.into() }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        if lang.is_zh() { &self.zh } else { &self.en }
    }
}

/// Columns a text takes on a terminal (CJK characters take two).
pub fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// A count with its English noun in agreement: `count(1, "message")` is "1 message",
/// `count(2, "message")` "2 messages" (a plural is the noun with an `s`).
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// Chinese words and names joined the way Chinese is written: a space between a Chinese character and
/// a Latin word (`car 发给服务端`), none between two Chinese ones (`发给服务端的`).
pub fn zh_concat(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts.iter().filter(|p| !p.is_empty()) {
        if let (Some(a), Some(b)) = (out.chars().last(), p.chars().next())
            && !a.is_whitespace()
            && !b.is_whitespace()
            && !(is_cjk(a) && is_cjk(b))
            && !is_cjk_punctuation(a)
            && !is_cjk_punctuation(b)
        {
            out.push(' ');
        }
        out.push_str(p);
    }
    out
}

/// Full-width punctuation (，。：；（）、…): no space goes next to it.
fn is_cjk_punctuation(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303f | 0xff01..=0xff0f | 0xff1a..=0xff20 | 0xff3b..=0xff40 | 0xff5b..=0xff65)
}

/// A CJK character (the Chinese side of a text must have some).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303f | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xff00..=0xffef)
}

/// Whether a pair of texts really is in both languages: the Chinese one has Chinese in it (or is the
/// same as the English one and that has no English words, like `UNSUBACK` or `QoS 1`), the English one
/// has none, and neither is empty. The error says what is wrong.
pub fn check_bilingual(zh: &str, en: &str) -> Result<(), String> {
    if zh.trim().is_empty() || en.trim().is_empty() {
        return Err(format!("an empty side: zh {zh:?}, en {en:?}"));
    }
    if en.chars().any(is_cjk) {
        return Err(format!("Chinese in the English text {en:?}"));
    }
    let english_word = |s: &str| {
        s.split(|c: char| !c.is_ascii_alphabetic()).any(|w| w.len() >= 3 && w.chars().any(|c| c.is_ascii_lowercase()))
    };
    if !zh.chars().any(is_cjk) && (zh != en || english_word(en)) {
        return Err(format!("no Chinese in the Chinese text {zh:?} (English: {en:?})"));
    }
    Ok(())
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        match s {
            "zh" | "zh-CN" | "cn" | "中文" => Ok(Lang::Zh),
            "en" | "en-US" | "english" => Ok(Lang::En),
            other => Err(format!("unknown language {other:?}: use zh or en")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_in_one_language_is_caught() {
        assert!(check_bilingual("已连接", "connected").is_ok());
        assert!(check_bilingual("UNSUBACK", "UNSUBACK").is_ok());
        assert!(check_bilingual("connected", "connected").is_err());
        assert!(check_bilingual("已连接", "已连接").is_err());
        assert!(check_bilingual("", "connected").is_err());
        assert!(check_bilingual("1 byte", "1 byte").is_err());
    }

    #[test]
    fn chinese_is_joined_without_spaces_between_chinese_words() {
        assert_eq!(
            zh_concat(&["car", "发给", "服务端", "的", "PUBLISH #3", "被丢弃"]),
            "car 发给服务端的 PUBLISH #3 被丢弃"
        );
        assert_eq!(zh_concat(&["服务端", "发给", "phone", "的", "SUBACK"]), "服务端发给 phone 的 SUBACK");
        assert_eq!(zh_concat(&["扣住了", "car", "（F3 放行）"]), "扣住了 car（F3 放行）");
        assert_eq!(zh_concat(&["丢失了，", "computer", "没有收到"]), "丢失了，computer 没有收到");
    }

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(count(0, "subscription"), "0 subscriptions");
        assert_eq!(count(1, "subscription"), "1 subscription");
        assert_eq!(count(2, "retained message"), "2 retained messages");
    }

    #[test]
    fn locale_picks_the_language() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
        let env = |k: &str| match k {
            "LC_ALL" => Some(String::new()),
            "LANG" => Some("zh_TW.UTF-8".to_string()),
            _ => None,
        };
        assert_eq!(Lang::from_env_vars(env), Lang::Zh);
    }
}

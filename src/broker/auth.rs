//! User names, passwords and per-user topic ACLs, parsed from text (the runtime reads the files), with
//! the meaning mosquitto gives the same files, so that a mosquitto user's files work unchanged.
//!
//! Password file: one `user:password` a line; `#` starts a comment; blank lines are skipped. The
//! password is clear text, or a hash as `mosquitto_passwd` writes it: `$6$SALT$HASH` (SHA-512 of the
//! password followed by the salt) or `$7$ITERATIONS$SALT$HASH` (PBKDF2-HMAC-SHA512), salt and hash in
//! base64.
//!
//! ACL file (mosquitto's `acl_file`): `topic [read|write|readwrite|deny] FILTER` lines apply to the
//! user named by the last `user NAME` line, or to clients without a user name before any `user` line;
//! `pattern [read|write|readwrite|deny] FILTER` lines apply to everyone, with `%c` replaced by the
//! client id and `%u` by the user name. A `deny` that matches wins over every grant. A substituted
//! client id or user name containing `+`, `#` or `/` never makes a grant wider: such a grant does not
//! apply (a `deny` still does). Pure: no I/O; it depends only on the topic matcher.

use super::topic::matches;
use crate::i18n::{Lang, Text};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::collections::HashMap;

/// What an ACL line allows (or, for `Deny`, forbids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    ReadWrite,
    Deny,
}

impl Access {
    fn grants(self, want: Access) -> bool {
        self == Access::ReadWrite || (self == want && self != Access::Deny)
    }
    fn word(s: &str) -> Option<Access> {
        Some(match s {
            "read" => Access::Read,
            "write" => Access::Write,
            "readwrite" => Access::ReadWrite,
            "deny" => Access::Deny,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    access: Access,
    filter: String,
}

/// Parsed ACLs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acl {
    anonymous: Vec<Rule>,
    users: HashMap<String, Vec<Rule>>,
    patterns: Vec<Rule>,
}

/// A parse error: the line (1-based), the column (1-based) and what is wrong, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: Text,
}

impl ParseError {
    fn new(line: usize, column: usize, en: impl Into<String>, zh: impl Into<String>) -> ParseError {
        ParseError { line, column, message: Text::new(zh, en) }
    }
    /// The message in `lang`.
    pub fn text(&self, lang: Lang) -> &str {
        self.message.get(lang)
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} column {}: {}", self.line, self.column, self.message.en)
    }
}

// ---- passwords --------------------------------------------------------------------------------

/// How a password is stored.
#[derive(Clone, PartialEq, Eq)]
enum Secret {
    Plain(Vec<u8>),
    /// `$6$`: SHA-512 over password ‖ salt.
    Sha512 {
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
    /// `$7$`: PBKDF2-HMAC-SHA512.
    Pbkdf2 {
        iterations: u32,
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a password, not even in a debug dump.
        f.write_str(match self {
            Secret::Plain(_) => "Plain(..)",
            Secret::Sha512 { .. } => "Sha512(..)",
            Secret::Pbkdf2 { .. } => "Pbkdf2(..)",
        })
    }
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Secret {
    fn check(&self, password: &[u8]) -> bool {
        use sha2::Digest;
        match self {
            Secret::Plain(p) => same(p, password),
            Secret::Sha512 { salt, hash } => {
                let mut h = sha2::Sha512::new();
                h.update(password);
                h.update(salt);
                same(&h.finalize(), hash)
            }
            Secret::Pbkdf2 { iterations, salt, hash } => {
                let mut out = vec![0u8; hash.len()];
                pbkdf2::pbkdf2_hmac::<pbkdf2::sha2::Sha512>(password, salt, *iterations, &mut out);
                same(&out, hash)
            }
        }
    }
}

/// The users of a password file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Passwords {
    users: HashMap<String, Secret>,
}

impl Passwords {
    /// A table of clear-text passwords (for tests and embedding).
    pub fn from_plain<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Passwords {
        Passwords {
            users: pairs.into_iter().map(|(u, p)| (u.to_string(), Secret::Plain(p.as_bytes().to_vec()))).collect(),
        }
    }

    pub fn contains(&self, user: &str) -> bool {
        self.users.contains_key(user)
    }

    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Whether `user` exists and `password` is its password.
    pub fn check(&self, user: &str, password: &[u8]) -> bool {
        self.users.get(user).is_some_and(|s| s.check(password))
    }
}

/// Parses a `mosquitto_passwd` hash (`$6$...` or `$7$...`); `None` if `text` is not in that shape.
/// `col` is the column of `text` in its line, for errors.
fn parse_hash(text: &str, line: usize, col: usize) -> Option<Result<Secret, ParseError>> {
    let (kind, rest) = if let Some(r) = text.strip_prefix("$6$") {
        (6, r)
    } else if let Some(r) = text.strip_prefix("$7$") {
        (7, r)
    } else {
        return None;
    };
    let parts: Vec<&str> = rest.split('$').collect();
    let want = if kind == 6 { 2 } else { 3 };
    if parts.len() != want {
        return Some(Err(ParseError::new(
            line,
            col,
            format!(
                "a ${kind}$ password hash has the form {}: this one has {} after ${kind}$",
                if kind == 6 { "$6$SALT$HASH" } else { "$7$ITERATIONS$SALT$HASH" },
                crate::i18n::count(parts.len(), "part")
            ),
            format!(
                "${kind}$ 密码哈希的格式是 {}：这一行在 ${kind}$ 之后有 {} 段",
                if kind == 6 { "$6$盐$哈希" } else { "$7$迭代次数$盐$哈希" },
                parts.len()
            ),
        )));
    }
    let mut offset = col + 3;
    let mut iterations = 0u32;
    if kind == 7 {
        match parts[0].parse::<u32>() {
            Ok(n) if n > 0 => iterations = n,
            _ => {
                return Some(Err(ParseError::new(
                    line,
                    offset,
                    format!("{:?} is not an iteration count (a whole number above 0)", parts[0]),
                    format!("{:?} 不是迭代次数（应为大于 0 的整数）", parts[0]),
                )));
            }
        }
        offset += parts[0].len() + 1;
    }
    let (salt_b64, hash_b64) = (parts[want - 2], parts[want - 1]);
    let salt = match BASE64.decode(salt_b64) {
        Ok(s) if !s.is_empty() => s,
        _ => {
            return Some(Err(ParseError::new(line, offset, "the salt is not base64", "盐不是 base64 编码")));
        }
    };
    offset += salt_b64.len() + 1;
    let hash = match BASE64.decode(hash_b64) {
        Ok(h) if h.len() == 64 => h,
        Ok(h) => {
            return Some(Err(ParseError::new(
                line,
                offset,
                format!("the hash decodes to {} bytes; SHA-512 gives 64", h.len()),
                format!("哈希解码后有 {} 字节；SHA-512 应为 64 字节", h.len()),
            )));
        }
        Err(_) => {
            return Some(Err(ParseError::new(line, offset, "the hash is not base64", "哈希不是 base64 编码")));
        }
    };
    Some(Ok(if kind == 6 { Secret::Sha512 { salt, hash } } else { Secret::Pbkdf2 { iterations, salt, hash } }))
}

/// One `user:password` line of a password file (line `n`, for errors).
fn parse_entry(line: &str, n: usize) -> Result<(String, Secret), ParseError> {
    let Some((user, pass)) = line.split_once(':') else {
        return Err(ParseError::new(
            n,
            1,
            "expected user:password (a user without a password is not accepted)",
            "应写成 用户名:密码（不接受没有密码的用户）",
        ));
    };
    if user.is_empty() {
        return Err(ParseError::new(n, 1, "empty user name", "用户名为空"));
    }
    let secret = match parse_hash(pass, n, user.chars().count() + 2) {
        Some(r) => r?,
        None => Secret::Plain(pass.as_bytes().to_vec()),
    };
    Ok((user.to_string(), secret))
}

impl Passwords {
    /// Adds `user` with its secret; a user already there is an error (at line `n`).
    fn insert(&mut self, (user, secret): (String, Secret), n: usize) -> Result<(), ParseError> {
        if self.users.contains_key(&user) {
            return Err(ParseError::new(
                n,
                1,
                format!("user {user:?} appears twice"),
                format!("用户 {user:?} 出现了两次"),
            ));
        }
        self.users.insert(user, secret);
        Ok(())
    }

    /// Adds one `user:password` entry read exactly as a line of a password file (a
    /// `mosquitto_passwd` hash is accepted too); the command line's `--auth`. A user already there,
    /// or a line break in the entry, is an error.
    pub fn add_entry(&mut self, entry: &str) -> Result<(), ParseError> {
        if entry.contains(['\n', '\r']) {
            return Err(ParseError::new(
                1,
                1,
                "one user:password without line breaks",
                "只能写一个 用户名:密码，不能换行",
            ));
        }
        self.insert(parse_entry(entry, 1)?, 1)
    }
}

/// Parses a password file.
pub fn parse_passwords(text: &str) -> Result<Passwords, ParseError> {
    let mut users = Passwords::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        users.insert(parse_entry(line, i + 1)?, i + 1)?;
    }
    Ok(users)
}

// ---- ACLs -------------------------------------------------------------------------------------

/// The 1-based column of `part` (a slice of `line`) in `line`, counted in characters.
fn column_of(line: &str, part: &str) -> usize {
    let byte = part.as_ptr() as usize - line.as_ptr() as usize;
    line[..byte].chars().count() + 1
}

impl Acl {
    /// Parses an ACL file.
    pub fn parse(text: &str) -> Result<Acl, ParseError> {
        let mut acl = Acl::default();
        let mut current: Option<String> = None;
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.trim_end_matches('\r');
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (word, rest) = trimmed.split_once(char::is_whitespace).unwrap_or((trimmed, ""));
            let rest = rest.trim();
            match word {
                "user" => {
                    if rest.is_empty() {
                        return Err(ParseError::new(
                            n,
                            column_of(line, word) + word.len(),
                            "`user` needs a name",
                            "`user` 后面需要用户名",
                        ));
                    }
                    current = Some(rest.to_string());
                    acl.users.entry(rest.to_string()).or_default();
                }
                "topic" | "pattern" => {
                    let (access, filter) = match rest.split_once(char::is_whitespace) {
                        Some((a, f)) => match Access::word(a) {
                            Some(access) => (access, f.trim()),
                            None => {
                                return Err(ParseError::new(
                                    n,
                                    column_of(line, a),
                                    format!(
                                        "unknown access {a:?}: write `{word} read|write|readwrite|deny FILTER`, or `{word} FILTER` for readwrite"
                                    ),
                                    format!(
                                        "未知的权限 {a:?}：应写成 `{word} read|write|readwrite|deny 主题过滤器`，或 `{word} 主题过滤器`（读写）"
                                    ),
                                ));
                            }
                        },
                        None if Access::word(rest).is_some() => (Access::word(rest).expect("checked"), ""),
                        None => (Access::ReadWrite, rest),
                    };
                    if filter.is_empty() {
                        return Err(ParseError::new(
                            n,
                            line.chars().count() + 1,
                            format!("`{word}` needs a topic filter"),
                            format!("`{word}` 后面需要主题过滤器"),
                        ));
                    }
                    if let Some(rule) = crate::proto::topic_filter_error(filter) {
                        return Err(ParseError::new(
                            n,
                            column_of(line, filter),
                            format!("{filter:?} is not a valid topic filter ({rule})"),
                            format!("{filter:?} 不是合法的主题过滤器（{rule}）"),
                        ));
                    }
                    let rule = Rule { access, filter: filter.to_string() };
                    if word == "pattern" {
                        acl.patterns.push(rule);
                    } else {
                        match &current {
                            Some(u) => acl.users.entry(u.clone()).or_default().push(rule),
                            None => acl.anonymous.push(rule),
                        }
                    }
                }
                other => {
                    return Err(ParseError::new(
                        n,
                        column_of(line, other),
                        format!("unknown keyword {other:?}: expected user, topic or pattern"),
                        format!("未知的关键字 {other:?}：应为 user、topic 或 pattern"),
                    ));
                }
            }
        }
        Ok(acl)
    }

    fn rules<'a>(&'a self, user: Option<&str>) -> &'a [Rule] {
        match user {
            Some(u) => self.users.get(u).map(Vec::as_slice).unwrap_or(&[]),
            None => &self.anonymous,
        }
    }

    /// May this client publish to `topic`?
    pub fn can_publish(&self, user: Option<&str>, client_id: &str, topic: &str) -> bool {
        self.check(user, client_id, Access::Write, |f| matches(f, topic), |f| matches(f, topic))
    }

    /// May this client receive messages on `topic`?
    pub fn can_receive(&self, user: Option<&str>, client_id: &str, topic: &str) -> bool {
        self.check(user, client_id, Access::Read, |f| matches(f, topic), |f| matches(f, topic))
    }

    /// May this client subscribe to `filter`? A grant must cover every topic the filter could match
    /// (its wildcards are compared as levels: `car/#` allows `car/+` and `car/speed`, not `#`); a
    /// `deny` that covers the whole filter refuses it, and one that covers part of it keeps those
    /// messages from being delivered ([`can_receive`](Self::can_receive)).
    pub fn can_subscribe(&self, user: Option<&str>, client_id: &str, filter: &str) -> bool {
        self.check(user, client_id, Access::Read, |f| filter_covers(f, filter), |f| filter_covers(f, filter))
    }

    fn check(
        &self,
        user: Option<&str>,
        client_id: &str,
        want: Access,
        mut grant_ok: impl FnMut(&str) -> bool,
        mut deny_hits: impl FnMut(&str) -> bool,
    ) -> bool {
        let rules = self.rules(user);
        // Every deny first, wherever it stands in the file (as mosquitto orders them).
        if rules.iter().any(|r| r.access == Access::Deny && deny_hits(&r.filter)) {
            return false;
        }
        let substituted: Vec<(Access, String)> = self
            .patterns
            .iter()
            .filter_map(|r| Some((r.access, substitute(&r.filter, client_id, user, r.access == Access::Deny)?)))
            .collect();
        if substituted.iter().any(|(a, f)| *a == Access::Deny && deny_hits(f)) {
            return false;
        }
        rules.iter().any(|r| r.access.grants(want) && grant_ok(&r.filter))
            || substituted.iter().any(|(a, f)| a.grants(want) && grant_ok(f))
    }
}

/// `filter` with `%c` and `%u` replaced, or `None` when the rule does not apply to this client: a
/// grant whose value contains `+`, `#` or `/` (it could widen the rule: a client id `#` in
/// `clients/%c/#` would grant every client's topics), or a `%u` rule for a client without a user name.
/// A deny is substituted as it is: a wildcard there only makes it deny more.
fn substitute(filter: &str, client_id: &str, user: Option<&str>, deny: bool) -> Option<String> {
    let dangerous = |v: &str| v.contains(['+', '#', '/']);
    let mut out = filter.to_string();
    if filter.contains("%c") {
        if !deny && dangerous(client_id) {
            return None;
        }
        out = out.replace("%c", client_id);
    }
    if filter.contains("%u") {
        let u = user?;
        if !deny && dangerous(u) {
            return None;
        }
        out = out.replace("%u", u);
    }
    Some(out)
}

/// Whether ACL filter `acl` covers every topic that subscription filter `sub` could match.
fn filter_covers(acl: &str, sub: &str) -> bool {
    // A wildcard first level does not reach `$` topics, as in matching [MQTT-4.7.2-1].
    if sub.starts_with('$') && (acl.starts_with('#') || acl.starts_with('+')) {
        return false;
    }
    let mut s = sub.split('/');
    for a in acl.split('/') {
        if a == "#" {
            return true;
        }
        match s.next() {
            Some(level) if a == level || (a == "+" && level != "#") => {}
            _ => return false,
        }
    }
    s.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::check_bilingual;

    #[test]
    fn passwords_parse_and_errors_name_the_line() {
        let p = parse_passwords("# users\nalice:secret\n\nbob:p:w\n").unwrap();
        assert!(p.check("alice", b"secret"));
        assert!(!p.check("alice", b"Secret"));
        assert!(p.check("bob", b"p:w"));
        assert!(!p.check("carol", b""));
        let e = parse_passwords("alice:x\nnocolon\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        assert!(check_bilingual(&e.message.zh, &e.message.en).is_ok(), "{e:?}");
    }

    #[test]
    fn an_entry_is_read_like_a_line_of_the_file() {
        let mut p = parse_passwords("alice:secret\n").unwrap();
        p.add_entry("esp:p:w").unwrap();
        p.add_entry("carol:$6$bXxNFX56Kj+8ClcF$ZmdoqD6nmYoShNTfkM7+m9l57Kme5QZ2x5zkMg0cV0DJD8jdE3QAcB01b8jrTAI7E6jdLHmRglfURHM9z0I4gw==").unwrap();
        assert!(p.check("alice", b"secret") && p.check("esp", b"p:w") && p.check("carol", b"taichi"));
        for bad in ["nocolon", ":pw", "alice:again", "a:b\nc:d", ""] {
            let e = p.add_entry(bad).unwrap_err();
            assert!(check_bilingual(&e.message.zh, &e.message.en).is_ok(), "{bad:?}: {e:?}");
        }
        assert!(p.add_entry("alice:again").unwrap_err().message.en.contains("\"alice\" appears twice"));
        assert_eq!(p.len(), 3, "a refused entry adds nobody");
    }

    /// Lines written by `mosquitto_passwd` 2.0.11 (`-H sha512-pbkdf2`, the default, and `-H sha512`).
    #[test]
    fn mosquitto_passwd_hashes_are_checked() {
        let file = "alice:$7$101$VAeXW9s2CQmE8jov$eZ4i6XjyRAmN/eDhOBAQButhpb/2ixo++xXOX3/lLn1RSRFLhCm9C2SiNNq49szkNf+Z/qfz2cNdo6HaHsglVw==\n\
                    bob:$7$101$JcJj2DgB/xKBRd1l$uWXGhoV7m80KunhvxWUpklFrVEhAO2oKU1aMUPqwmLq8/K+J6/+95ax4teNHOB3m3+n6VK6h89gnrT1rKawwdA==\n\
                    carol:$6$bXxNFX56Kj+8ClcF$ZmdoqD6nmYoShNTfkM7+m9l57Kme5QZ2x5zkMg0cV0DJD8jdE3QAcB01b8jrTAI7E6jdLHmRglfURHM9z0I4gw==\n";
        let p = parse_passwords(file).unwrap();
        assert!(p.check("alice", b"secret"));
        assert!(!p.check("alice", b"secret "));
        assert!(!p.check("alice", "$7$101$VAeXW9s2CQmE8jov".as_bytes()), "the hash is not the password");
        assert!(p.check("bob", "p:w 中".as_bytes()));
        assert!(p.check("carol", b"taichi"));
        assert!(!p.check("carol", b"taichi2"));
    }

    #[test]
    fn malformed_hashes_are_refused_with_their_column() {
        let e = parse_passwords("alice:$7$abc$c2FsdA==$aGFzaA==\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 10), "{e}");
        let e = parse_passwords("ab:$6$c2FsdA==$aGFzaA==\n").unwrap_err();
        assert!(e.message.en.contains("64"), "{e}");
        let e = parse_passwords("ab:$6$onlyone\n").unwrap_err();
        assert_eq!(e.column, 4, "{e}");
    }

    #[test]
    fn acl_users_patterns_and_anonymous() {
        let acl = Acl::parse(
            "topic read public/#\n\nuser alice\ntopic readwrite car/#\ntopic write cmd\nuser bob\ntopic read car/speed\npattern write clients/%c/status\n",
        )
        .unwrap();
        assert!(acl.can_publish(Some("alice"), "a", "car/speed"));
        assert!(acl.can_subscribe(Some("alice"), "a", "car/+"));
        assert!(!acl.can_subscribe(Some("alice"), "a", "#"));
        assert!(acl.can_publish(Some("alice"), "a", "cmd"));
        assert!(!acl.can_receive(Some("alice"), "a", "cmd"));
        assert!(acl.can_subscribe(Some("bob"), "b", "car/speed"));
        assert!(!acl.can_publish(Some("bob"), "b", "car/speed"));
        assert!(acl.can_subscribe(None, "x", "public/news"));
        assert!(!acl.can_subscribe(None, "x", "car/speed"));
        assert!(acl.can_publish(Some("bob"), "esp1", "clients/esp1/status"));
        assert!(!acl.can_publish(Some("bob"), "esp1", "clients/esp2/status"));
    }

    #[test]
    fn deny_beats_every_grant_wherever_it_stands() {
        let acl =
            Acl::parse("user a\ntopic readwrite home/#\ntopic deny home/secret/#\npattern deny home/%c/x\n").unwrap();
        assert!(acl.can_publish(Some("a"), "c1", "home/kitchen"));
        assert!(!acl.can_publish(Some("a"), "c1", "home/secret/door"));
        assert!(!acl.can_receive(Some("a"), "c1", "home/secret"));
        assert!(!acl.can_subscribe(Some("a"), "c1", "home/secret/+"));
        assert!(acl.can_subscribe(Some("a"), "c1", "home/#"), "partly denied: those messages are held back");
        assert!(!acl.can_receive(Some("a"), "c1", "home/c1/x"), "pattern deny with %c");
        assert!(acl.can_receive(Some("a"), "c2", "home/c1/x"));
        // `topic deny X` is a denial of X, never a grant of the filter "deny X".
        let acl = Acl::parse("topic deny x\n").unwrap();
        assert!(!acl.can_publish(None, "c", "x"));
        assert!(!acl.can_publish(None, "c", "deny x"));
    }

    #[test]
    fn substituted_wildcards_never_widen_a_grant() {
        let acl = Acl::parse("pattern readwrite clients/%c/#\npattern read users/%u/+\n").unwrap();
        assert!(acl.can_publish(None, "esp1", "clients/esp1/led"));
        assert!(!acl.can_publish(None, "#", "clients/esp1/led"), "client id # must not grant clients/#");
        assert!(!acl.can_publish(None, "+", "clients/esp1/led"));
        assert!(!acl.can_publish(None, "esp1/led", "clients/esp1/led/x"), "a / in the id adds no levels");
        assert!(!acl.can_subscribe(Some("#"), "c", "users/alice/inbox"));
        assert!(acl.can_subscribe(Some("alice"), "c", "users/alice/inbox"));
        assert!(!acl.can_receive(None, "c", "users//inbox"), "%u needs a user name");
    }

    #[test]
    fn acl_errors_have_line_and_column() {
        let e = Acl::parse("user a\n  topic read car/#/x\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 14));
        assert!(e.message.en.contains("MQTT-4.7.1-2"), "{}", e.message.en);
        let e = Acl::parse("usr a\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 1));
        let e = Acl::parse("topic rw car/#\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 7), "{e}");
        assert!(e.message.en.contains("unknown access \"rw\""), "{e}");
        let e = Acl::parse("# c\ntopic read\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.en.contains("needs a topic filter"), "{e}");
        let e = Acl::parse("pattern deny   \n").unwrap_err();
        assert!(e.message.en.contains("needs a topic filter"), "{e}");
        assert!(Acl::parse("topic 汽车/速度 x\n").unwrap_err().message.en.contains("unknown access"));
    }
}

//! User names, passwords and per-user topic ACLs, parsed from text (the runtime reads the files).
//!
//! Password file: one `user:password` a line; `#` starts a comment; blank lines are skipped.
//! ACL file (mosquitto's format): `topic [read|write|readwrite] FILTER` lines apply to the user named
//! by the last `user NAME` line, or to anonymous clients before any `user` line; `pattern ...` lines
//! apply to everyone, with `%u` replaced by the user name and `%c` by the client id.

use super::topic::matches;
use std::collections::HashMap;

/// What an ACL line allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    ReadWrite,
}

impl Access {
    fn allows(self, want: Access) -> bool {
        self == Access::ReadWrite || self == want
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

/// A parse error: the line (1-based), the column (1-based) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} column {}: {}", self.line, self.column, self.message)
    }
}

/// Parses a password file into user → password.
pub fn parse_passwords(text: &str) -> Result<HashMap<String, String>, ParseError> {
    let mut users = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((user, pass)) = line.split_once(':') else {
            return Err(ParseError { line: i + 1, column: 1, message: "expected user:password".into() });
        };
        if user.is_empty() {
            return Err(ParseError { line: i + 1, column: 1, message: "empty user name".into() });
        }
        if users.insert(user.to_string(), pass.to_string()).is_some() {
            return Err(ParseError { line: i + 1, column: 1, message: format!("user {user:?} appears twice") });
        }
    }
    Ok(users)
}

impl Acl {
    /// Parses an ACL file.
    pub fn parse(text: &str) -> Result<Acl, ParseError> {
        let mut acl = Acl::default();
        let mut current: Option<String> = None;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim_end_matches('\r');
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            let err = |col: usize, message: String| ParseError { line: i + 1, column: indent + col + 1, message };
            let (word, rest) = trimmed.split_once(char::is_whitespace).unwrap_or((trimmed, ""));
            let rest_col = word.len() + 1;
            match word {
                "user" => {
                    let name = rest.trim();
                    if name.is_empty() {
                        return Err(err(rest_col, "`user` needs a name".into()));
                    }
                    current = Some(name.to_string());
                    acl.users.entry(name.to_string()).or_default();
                }
                "topic" | "pattern" => {
                    let rest = rest.trim_start();
                    let (access, filter) = match rest.split_once(char::is_whitespace) {
                        Some(("read", f)) => (Access::Read, f.trim()),
                        Some(("write", f)) => (Access::Write, f.trim()),
                        Some(("readwrite", f)) => (Access::ReadWrite, f.trim()),
                        _ => (Access::ReadWrite, rest.trim()),
                    };
                    if filter.is_empty() {
                        return Err(err(rest_col, format!("`{word}` needs a topic filter")));
                    }
                    if let Some(rule) = crate::proto::topic_filter_error(filter) {
                        let col = filter.as_ptr() as usize - trimmed.as_ptr() as usize;
                        return Err(err(col, format!("{filter:?} is not a valid topic filter ({rule})")));
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
                    return Err(err(0, format!("unknown keyword {other:?}: expected user, topic or pattern")));
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
        self.check(user, client_id, Access::Write, |f| matches(f, topic))
    }

    /// May this client receive messages on `topic`?
    pub fn can_receive(&self, user: Option<&str>, client_id: &str, topic: &str) -> bool {
        self.check(user, client_id, Access::Read, |f| matches(f, topic))
    }

    /// May this client subscribe to `filter`? The filter is compared as if it were a topic, its
    /// wildcards as plain levels: `car/#` allows `car/+` and `car/speed`, not `#`.
    pub fn can_subscribe(&self, user: Option<&str>, client_id: &str, filter: &str) -> bool {
        self.check(user, client_id, Access::Read, |f| filter_covers(f, filter))
    }

    fn check(&self, user: Option<&str>, client_id: &str, want: Access, mut ok: impl FnMut(&str) -> bool) -> bool {
        if self.rules(user).iter().any(|r| r.access.allows(want) && ok(&r.filter)) {
            return true;
        }
        self.patterns.iter().any(|r| {
            r.access.allows(want) && {
                let f = r.filter.replace("%c", client_id).replace("%u", user.unwrap_or(""));
                ok(&f)
            }
        })
    }
}

/// Whether ACL filter `acl` covers every topic that subscription filter `sub` could match.
fn filter_covers(acl: &str, sub: &str) -> bool {
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

    #[test]
    fn passwords_parse_and_errors_name_the_line() {
        let p = parse_passwords("# users\nalice:secret\n\nbob:p:w\n").unwrap();
        assert_eq!(p.get("alice").map(String::as_str), Some("secret"));
        assert_eq!(p.get("bob").map(String::as_str), Some("p:w"));
        let e = parse_passwords("alice:x\nnocolon\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
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
    fn acl_errors_have_line_and_column() {
        let e = Acl::parse("user a\n  topic read car/#/x\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 14));
        assert!(e.message.contains("MQTT-4.7.1-2"), "{}", e.message);
        let e = Acl::parse("usr a\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 1));
    }
}

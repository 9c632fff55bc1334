//! Who the board is, from what its sketch prints: a client id (`ESP8266Client-1a2b`,
//! `esp8266-5C:CF:7F:12:34:56`, after a `ClientId:` label on the same line or the one before) or a
//! MAC address anywhere in a line. Text in, values out: it must not depend on ports or the broker.

/// What a line says about the board.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    /// The MQTT client id the sketch connects with, as printed.
    ClientId(String),
    /// A MAC address (`WiFi.macAddress()`), in capitals with colons: `5C:CF:7F:12:34:56`.
    Mac(String),
}

/// The identity in one line on its own: `ClientId: ESP8266Client-1a2b` (a label and its value,
/// `Client ID:`, `clientId =` …), a line that is a client id such as `esp8266-5C:CF:7F:12:34:56` or
/// `ESP8266Client-1a2b`, or else a MAC address anywhere (`MAC: 5C:CF:7F:12:34:56`). A label whose
/// value is on the next line needs an [`IdentityTracker`].
pub fn identity(line: &str) -> Option<Identity> {
    match label(line) {
        Some(Some(id)) => return Some(Identity::ClientId(id)),
        Some(None) => return None,
        None => {}
    }
    let t = line.trim();
    if looks_like_client_id(t) {
        return Some(Identity::ClientId(t.to_string()));
    }
    mac_in(line).map(Identity::Mac)
}

/// [`identity`] over a stream of lines, for the tutorial's two-line form: a `ClientId:` label on one
/// line, the id alone on the next.
#[derive(Debug, Clone, Default)]
pub struct IdentityTracker {
    /// The last non-empty line was a label without its value.
    awaiting: bool,
}

impl IdentityTracker {
    pub fn new() -> Self {
        IdentityTracker::default()
    }

    /// The identity this line gives, taking the line after a bare label as the id (empty lines in
    /// between are skipped; a line with spaces in it is no id, and it is read on its own).
    pub fn line(&mut self, line: &str) -> Option<Identity> {
        match label(line) {
            Some(Some(id)) => {
                self.awaiting = false;
                return Some(Identity::ClientId(id));
            }
            Some(None) => {
                self.awaiting = true;
                return None;
            }
            None => {}
        }
        let t = line.trim();
        if self.awaiting {
            if t.is_empty() {
                return None;
            }
            self.awaiting = false;
            if !t.chars().any(char::is_whitespace) {
                return Some(Identity::ClientId(unquote(t).to_string()));
            }
        }
        identity(line)
    }
}

/// The first MAC address in a line (six pairs of hex digits joined by `:` or by `-`), in capitals
/// with colons.
pub fn mac_in(line: &str) -> Option<String> {
    let b = line.as_bytes();
    const LEN: usize = 17;
    if b.len() < LEN {
        return None;
    }
    for start in 0..=b.len() - LEN {
        let w = &b[start..start + LEN];
        let sep = w[2];
        if sep != b':' && sep != b'-' {
            continue;
        }
        let ok = (0..LEN).all(|i| if i % 3 == 2 { w[i] == sep } else { w[i].is_ascii_hexdigit() });
        let free = |c: Option<&u8>| c.is_none_or(|&c| !c.is_ascii_alphanumeric() && c != sep);
        if ok && free(start.checked_sub(1).and_then(|i| b.get(i))) && free(b.get(start + LEN)) {
            let mac = std::str::from_utf8(w).ok()?;
            return Some(mac.to_ascii_uppercase().replace('-', ":"));
        }
    }
    None
}

/// `Some(Some(id))` for `ClientId: id`, `Some(None)` for a bare label, `None` for no label. A label
/// is whatever ends in "client id" (any case, spaces, `_` or `-` inside) before the first `:` or
/// `=`.
fn label(line: &str) -> Option<Option<String>> {
    let at = line.find([':', '='])?;
    let name: String = line[..at].chars().filter(char::is_ascii_alphanumeric).collect();
    if !name.to_ascii_lowercase().ends_with("clientid") {
        return None;
    }
    let value = line[at + 1..].trim();
    let value = value.split_whitespace().next().map(unquote).unwrap_or("");
    Some((!value.is_empty()).then(|| value.to_string()))
}

fn unquote(s: &str) -> &str {
    s.trim_matches(|c| c == '"' || c == '\'')
}

/// A whole line that names a board: one word that begins like the ids sketches make (`esp…`,
/// `nodemcu…`, `wemos…`, `arduino…`) and has a `-` or `_` before its variable part, such as
/// `ESP8266Client-1a2b` or `esp8266-5C:CF:7F:12:34:56`.
fn looks_like_client_id(t: &str) -> bool {
    if t.len() < 5 || t.len() > 64 || !t.is_ascii() || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    if !["esp", "nodemcu", "wemos", "arduino"].iter().any(|p| lower.starts_with(p)) {
        return false;
    }
    let Some(cut) = t.find(['-', '_']) else { return false };
    let (head, tail) = (&t[..cut], &t[cut + 1..]);
    head.chars().all(|c| c.is_ascii_alphanumeric())
        && !tail.is_empty()
        && tail.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'))
}

//! The Arduino sketches under `examples/` against the virtual NodeMCU that plays them
//! (`src/world/board/sketch.rs`): every entry of the table has its `.ino`, and the program does
//! what the emulation does — the same client id, user and password, will, clean session, topics,
//! subscription QoS, retain flags, payloads, LED rule, baud rate, delays, and the same
//! `Serial.print`/`println` texts. Then the emulation runs each sketch, and every line it prints
//! must be one the program's prints can make, and every text the program prints must show up.
//!
//! The C source is read by a few small functions here: comments blanked, string literals decoded,
//! call arguments split at their top-level commas, `const NAME = VALUE;` followed.

use mqtt_lab::broker;
use mqtt_lab::proto::QoS;
use mqtt_lab::world::board::sketch::{self, IdRule, SKETCHES, Sketch, Style};
use mqtt_lab::world::cmd::{ClientCmd, ConnectOpts, LabCmd, LabSetup};
use mqtt_lab::world::event::WorldEvent;
use mqtt_lab::world::sim::World;
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Reading C source.

/// The index just past the quoted literal that opens at `i` (a backslash escapes what follows; a
/// line end closes an unterminated one).
fn skip_quoted(b: &[char], i: usize) -> usize {
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() && b[j] != q && b[j] != '\n' {
        j += if b[j] == '\\' { 2 } else { 1 };
    }
    (j + 1).min(b.len())
}

/// The source with each comment replaced by a space; string and character literals are kept
/// whole, so `"//"` is no comment and `'"'` opens no string.
fn code(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            '/' if b.get(i + 1) == Some(&'/') => {
                while i < b.len() && b[i] != '\n' {
                    i += 1;
                }
                out.push(' ');
            }
            '/' if b.get(i + 1) == Some(&'*') => {
                i += 2;
                while i < b.len() && !(b[i] == '*' && b.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i = (i + 2).min(b.len());
                out.push(' ');
            }
            '"' | '\'' => {
                let end = skip_quoted(&b, i);
                out.extend(&b[i..end]);
                i = end;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The characters between a literal's quotes, its escapes decoded (`\n`, `\"`, `\\`, `\x41`,
/// `\101`, …).
fn unescape(body: &[char]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < body.len() {
        if body[i] != '\\' || i + 1 == body.len() {
            out.push(body[i]);
            i += 1;
            continue;
        }
        let e = body[i + 1];
        i += 2;
        match e {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            'x' => {
                let hex: String = body[i..].iter().take_while(|c| c.is_ascii_hexdigit()).collect();
                i += hex.len();
                out.push(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).unwrap_or('\u{fffd}'));
            }
            '0'..='7' => {
                let mut oct = e.to_string();
                while oct.len() < 3 && i < body.len() && ('0'..='7').contains(&body[i]) {
                    oct.push(body[i]);
                    i += 1;
                }
                out.push(char::from_u32(u32::from_str_radix(&oct, 8).unwrap()).unwrap());
            }
            other => out.push(other), // \\ \" \' \?
        }
    }
    out
}

/// Every string literal of C source, in order, with its escapes decoded. Comments and character
/// literals are skipped; literals with only white space between them are one, as C joins them.
fn string_literals(src: &str) -> Vec<String> {
    let b: Vec<char> = code(src).chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut joinable = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            '"' => {
                let end = skip_quoted(&b, i);
                let close = if end - 1 > i && matches!(b[end - 1], '"' | '\n') { end - 1 } else { end };
                let text = unescape(&b[i + 1..close]);
                match out.last_mut() {
                    Some(last) if joinable => last.push_str(&text),
                    _ => out.push(text),
                }
                joinable = b[end - 1] == '"' && end - 1 > i;
                i = end;
            }
            '\'' => {
                i = skip_quoted(&b, i);
                joinable = false;
            }
            c => {
                joinable &= c.is_whitespace();
                i += 1;
            }
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The arguments of every call of `callee` (`mqttClient.connect`, `delay`, …) in comment-free
/// code, as trimmed source text split at the call's own commas. `f()` has no arguments.
fn calls(code: &str, callee: &str) -> Vec<Vec<String>> {
    let b: Vec<char> = code.chars().collect();
    let name: Vec<char> = callee.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + name.len() <= b.len() {
        if b[i] == '"' || b[i] == '\'' {
            i = skip_quoted(&b, i);
            continue;
        }
        let starts = b[i..i + name.len()] == name[..] && (i == 0 || !(is_ident(b[i - 1]) || b[i - 1] == '.'));
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i + name.len();
        while j < b.len() && b[j].is_whitespace() {
            j += 1;
        }
        if b.get(j) != Some(&'(') {
            i += 1;
            continue;
        }
        let (mut depth, mut args, mut cur) = (0, Vec::new(), String::new());
        while j < b.len() {
            let c = b[j];
            match c {
                '"' | '\'' => {
                    let end = skip_quoted(&b, j);
                    cur.extend(&b[j..end]);
                    j = end;
                    continue;
                }
                '(' | '[' | '{' => {
                    depth += 1;
                    if depth == 1 {
                        j += 1;
                        continue;
                    }
                }
                ')' | ']' | '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                ',' if depth == 1 => {
                    args.push(cur.trim().to_string());
                    cur.clear();
                    j += 1;
                    continue;
                }
                _ => {}
            }
            cur.push(c);
            j += 1;
        }
        if !(args.is_empty() && cur.trim().is_empty()) {
            args.push(cur.trim().to_string());
        }
        out.push(args);
        i = j;
    }
    out
}

/// The value of an argument that is a string literal and nothing else.
fn literal(arg: &str) -> Option<String> {
    let a = arg.trim();
    let lits = string_literals(a);
    (a.starts_with('"') && a.ends_with('"') && lits.len() == 1).then(|| lits[0].clone())
}

/// `const … NAME = VALUE;` (globals and locals) and `#define NAME VALUE`, NAME → VALUE as written.
fn constants(code: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in code.lines() {
        let mut w = line.split_whitespace();
        if w.next() == Some("#define")
            && let Some(name) = w.next()
        {
            out.insert(name.to_string(), w.collect::<Vec<_>>().join(" "));
        }
    }
    for stmt in code.split(';') {
        let stmt = stmt.rsplit(['{', '}']).next().unwrap_or("");
        // Preprocessor lines before the declaration are not part of it.
        let stmt: Vec<&str> =
            stmt.lines().skip_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#')).collect();
        let stmt = stmt.join("\n");
        let stmt = stmt.trim();
        let stmt = stmt.strip_prefix("static ").unwrap_or(stmt);
        if !stmt.starts_with("const ") {
            continue;
        }
        if let Some((lhs, value)) = stmt.split_once('=') {
            let name: String = lhs.trim_end().chars().rev().take_while(|&c| is_ident(c)).collect();
            out.insert(name.chars().rev().collect(), value.trim().to_string());
        }
    }
    out
}

/// An argument with its named constants followed (`subQoS` → `1`).
fn resolve(arg: &str, consts: &HashMap<String, String>) -> String {
    let mut a = arg.trim().to_string();
    for _ in 0..4 {
        match consts.get(&a) {
            Some(v) => a = v.clone(),
            None => break,
        }
    }
    a
}

/// `print` (false) or `println` (true), and the text when the argument is a literal (`println()`
/// prints ""); `None` for a value only known when it runs.
type SerialCall = (bool, Option<String>);

fn serial_calls(code: &str) -> Vec<SerialCall> {
    let mut out = Vec::new();
    for (callee, ln) in [("Serial.print", false), ("Serial.println", true)] {
        for args in calls(code, callee) {
            let text = match args.as_slice() {
                [] => Some(String::new()),
                [a] => literal(a),
                _ => None,
            };
            out.push((ln, text));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// What the emulation says a sketch does.

fn qos(q: QoS) -> String {
    (q as u8).to_string()
}

/// A topic template as the sketch builds it: `Taichi-Maker-{mac}-Will` is
/// `"Taichi-Maker-" + WiFi.macAddress() + "-Will"`.
fn topic_expr(template: &str) -> String {
    let mut pieces = Vec::new();
    for (i, part) in template.split("{mac}").enumerate() {
        if i > 0 {
            pieces.push("WiFi.macAddress()".to_string());
        }
        if !part.is_empty() {
            pieces.push(format!("\"{part}\""));
        }
    }
    pieces.join(" + ")
}

/// Every topic the sketch uses.
fn topics(s: &Sketch) -> Vec<&'static str> {
    let mut t = Vec::new();
    t.extend(s.subscribe.map(|x| x.0));
    t.extend(s.on_connect.map(|p| p.topic));
    t.extend(s.periodic.map(|p| p.0.topic));
    t.extend(s.will.map(|w| w.0));
    t.extend(s.led_report);
    t
}

fn publishes(s: &Sketch) -> bool {
    s.on_connect.is_some() || s.periodic.is_some() || s.led_report.is_some()
}

/// The `Serial.print` (false) and `Serial.println` (true) texts the emulation prints for this
/// sketch, as `Board` in `src/world/board.rs` prints them.
fn serial_texts(s: &Sketch) -> Vec<(bool, &'static str)> {
    let mut t = Vec::new();
    match s.style {
        Style::Taichi => {
            t.extend([
                (true, ""), // Serial.println() first, then after the dots and after WiFi Connected!
                (false, "."),
                (true, "WiFi Connected!"),
                (true, "MQTT Server Connected."),
                (true, "Server Address: "),
                (true, "ClientId:"),
                (false, "MQTT Server Connect Failed. Client State:"),
            ]);
            if publishes(s) {
                t.extend([(false, "Publish Topic: "), (false, "Publish message: "), (true, "Message Publish Failed.")]);
            }
            if s.subscribe.is_some() {
                t.extend([
                    (false, "Subscribe Topic: "),
                    (true, "Subscribe Fail..."),
                    (false, "Message Received ["),
                    (false, "] "),
                    (false, "Message Length(Bytes) "),
                ]);
            }
        }
        Style::Example => {
            t.extend([
                (true, ""),
                (false, "Connecting to "),
                (false, "."),
                (true, "WiFi connected"),
                (true, "IP address: "),
                (false, "Attempting MQTT connection..."),
                (true, "connected"),
                (false, "failed, rc="),
                (true, " try again in 5 seconds"),
            ]);
            if s.periodic.is_some() {
                t.push((false, "Publish message: "));
            }
            if s.subscribe.is_some() {
                t.extend([(false, "Message arrived ["), (false, "] ")]);
            }
        }
    }
    t
}

/// The `delay()` between two Wi-Fi dots (`WIFI_DOT` and `WIFI_DOT_EXAMPLE` in `board.rs`).
fn wifi_dot_ms(style: Style) -> u64 {
    match style {
        Style::Taichi => 1000,
        Style::Example => 500,
    }
}

/// Whether `lit` is `prefix` itself, or `prefix` and one printf integer conversion
/// (`"hello world #%d"` makes `hello world #{n}`).
fn is_payload_literal(lit: &str, prefix: &str) -> bool {
    lit.strip_prefix(prefix).is_some_and(|rest| ["", "%d", "%i", "%u", "%ld", "%lu"].contains(&rest))
}

// ---------------------------------------------------------------------------------------------
// The check.

/// Everything in which the program `src` does not do what the emulation does for `s`.
fn check(s: &Sketch, src: &str) -> Vec<String> {
    let code = code(src);
    let flat = code.split_whitespace().collect::<Vec<_>>().join(" ");
    let lits = string_literals(src);
    let consts = constants(&code);
    let has_lit = |t: &str| lits.iter().any(|l| l == t);
    let r = |a: &str| resolve(a, &consts);
    let mut bad = Vec::new();
    let mut need = |ok: bool, what: String| {
        if !ok {
            bad.push(what);
        }
    };

    for want in [
        "#include <ESP8266WiFi.h>",
        "#include <PubSubClient.h>",
        "WiFiClient wifiClient;",
        "PubSubClient mqttClient(wifiClient);",
        "const char* mqttServer = \"192.168.1.23\";",
        "WiFi.mode(WIFI_STA)",
    ] {
        need(flat.contains(want), format!("no `{want}`"));
    }
    need(
        src.contains("// ← the line mqtt-lab --lan prints"),
        "mqttServer is not marked as the line --lan prints".into(),
    );

    // The header: what it shows, its lesson, how to run it against the lab and without a board, in
    // English and then in 中文.
    let header: String = src.lines().take_while(|l| l.starts_with("//")).collect::<Vec<_>>().join("\n");
    let sketch_opt = format!("--sketch {}", s.name);
    for want in [s.lesson, "mqtt-lab --lan", "115200", "mqtt-lab nodemcu --pty", "new esp", sketch_opt.as_str()] {
        need(header.contains(want), format!("the header comment does not say {want}"));
    }
    let cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    let text: Vec<&str> = header.lines().map(|l| l.trim_start_matches('/').trim_start()).collect();
    let zh = text.iter().position(|l| l.starts_with(cjk));
    need(
        zh.is_some_and(|i| text[..i].join(" ").contains("Against the lab")),
        "the header is not an English paragraph, then a 中文 one".into(),
    );
    need(
        consts.get("ssid").and_then(|v| literal(v)).as_deref() == Some(sketch::SSID),
        format!("ssid is not \"{}\"", sketch::SSID),
    );
    let servers = calls(&code, "mqttClient.setServer");
    need(
        servers.len() == 1 && servers[0].len() == 2 && servers[0][0] == "mqttServer" && r(&servers[0][1]) == "1883",
        format!("setServer is not setServer(mqttServer, 1883): {servers:?}"),
    );

    // Baud rate, loop(), PubSubClient's defaults.
    let begins = calls(&code, "Serial.begin");
    need(
        begins.len() == 1 && begins[0].len() == 1 && r(&begins[0][0]) == s.baud.to_string(),
        format!("Serial.begin is not Serial.begin({}): {begins:?}", s.baud),
    );
    need(!calls(&code, "mqttClient.loop").is_empty(), "no mqttClient.loop()".into());
    for args in calls(&code, "mqttClient.setKeepAlive") {
        need(args.len() == 1 && r(&args[0]) == "15", format!("setKeepAlive({args:?}): the emulation keeps 15 s"));
    }
    for args in calls(&code, "mqttClient.setBufferSize") {
        need(args.len() == 1 && r(&args[0]) == "256", format!("setBufferSize({args:?}): the emulation keeps 256"));
    }

    // Delays: the Wi-Fi dots and the retry after a failed connect.
    let delays: Vec<String> = calls(&code, "delay").iter().filter(|a| a.len() == 1).map(|a| r(&a[0])).collect();
    need(delays.contains(&s.retry_ms.to_string()), format!("no delay({}) to retry: {delays:?}", s.retry_ms));
    let dot = wifi_dot_ms(s.style);
    need(delays.contains(&dot.to_string()), format!("no delay({dot}) between the Wi-Fi dots: {delays:?}"));

    // The client id.
    match s.id {
        IdRule::Mac(prefix) => {
            need(has_lit(prefix), format!("no literal \"{prefix}\""));
            let e = format!("\"{prefix}\" + WiFi.macAddress()");
            need(flat.contains(&e), format!("no client id {e}"));
        }
        IdRule::RandomHex(prefix) => {
            need(has_lit(prefix), format!("no literal \"{prefix}\""));
            need(flat.contains("String(random(0xffff), HEX)"), "no String(random(0xffff), HEX)".into());
        }
    }

    // connect(): the overload decides what the CONNECT carries.
    let connects = calls(&code, "mqttClient.connect");
    if connects.len() != 1 {
        need(false, format!("{} calls of mqttClient.connect, not 1", connects.len()));
    } else {
        let a = &connects[0];
        let (user, will, clean) = match a.len() {
            1 => (None, None, None),
            3 => (Some(1), None, None),
            5 => (None, Some(1), None),
            7 => (Some(1), Some(3), None),
            8 => (Some(1), Some(3), Some(7)),
            n => {
                need(false, format!("connect() with {n} arguments: PubSubClient has no such overload"));
                (None, None, None)
            }
        };
        let null = |i: Option<usize>| i.is_none_or(|i| matches!(r(&a[i]).as_str(), "NULL" | "nullptr" | "0"));
        match (s.user, user) {
            (Some(u), Some(i)) => {
                need(literal(&r(&a[i])).as_deref() == Some(u), format!("connect() user is {} not \"{u}\"", a[i]));
                let p = s.password.unwrap_or_default();
                need(
                    literal(&r(&a[i + 1])).as_deref() == Some(p),
                    format!("connect() password is {} not \"{p}\"", a[i + 1]),
                );
                need(has_lit(u) && has_lit(p), "the user or password is not a literal".into());
            }
            (Some(u), None) => need(false, format!("connect() without the user \"{u}\"")),
            (None, i) => need(null(i) && null(i.map(|i| i + 1)), format!("connect() has a user: {a:?}")),
        }
        match (s.will, will) {
            (Some((t, m, q, retain)), Some(i)) => {
                let topic = r(&a[i]);
                need(!null(Some(i)), "connect() will topic is NULL".into());
                if let Some(l) = literal(&topic) {
                    need(l == t, format!("connect() will topic is \"{l}\" not \"{t}\""));
                }
                need(r(&a[i + 1]) == qos(q), format!("connect() will QoS is {} not {}", a[i + 1], qos(q)));
                need(r(&a[i + 2]) == retain.to_string(), format!("connect() will retain is {} not {retain}", a[i + 2]));
                need(
                    literal(&r(&a[i + 3])).as_deref() == Some(m),
                    format!("connect() will message is {} not \"{m}\"", a[i + 3]),
                );
            }
            (Some((t, ..)), None) => need(false, format!("connect() without the will on {t}")),
            (None, i) => need(null(i), format!("connect() has a will: {a:?}")),
        }
        match clean {
            Some(i) => {
                need(r(&a[i]) == s.clean.to_string(), format!("connect() clean session is {} not {}", a[i], s.clean))
            }
            None => need(s.clean, "clean session 0 needs the 8-argument connect()".into()),
        }
    }

    // Topics, built as the emulation fills them.
    for t in topics(s) {
        for part in t.split("{mac}").filter(|p| !p.is_empty()) {
            need(has_lit(part), format!("no literal \"{part}\" (topic {t})"));
        }
        if t.contains("{mac}") {
            let e = topic_expr(t);
            need(flat.contains(&e), format!("no topic {e}"));
        }
    }

    // The subscription and its QoS; the callback only with one.
    let subs = calls(&code, "mqttClient.subscribe");
    match s.subscribe {
        Some((t, q)) => {
            need(subs.len() == 1, format!("{} calls of subscribe, not 1", subs.len()));
            for a in &subs {
                let got = match a.len() {
                    1 => "0".to_string(),
                    2 => r(&a[1]),
                    _ => format!("{a:?}"),
                };
                need(got == qos(q), format!("subscribe({}) at QoS {got}, not {}", a.join(", "), qos(q)));
                if let Some(l) = literal(&r(&a[0])) {
                    need(l == t, format!("subscribe(\"{l}\"), not \"{t}\""));
                }
            }
            need(calls(&code, "mqttClient.setCallback").len() == 1, "no setCallback()".into());
        }
        None => need(subs.is_empty() && !flat.contains("setCallback"), "subscribes, but the emulation does not".into()),
    }

    // Publishing: retain flags and payloads.
    let pubs = calls(&code, "mqttClient.publish");
    let retained = |a: &Vec<String>| a.len() == 3 && r(&a[2]) == "true";
    let mut all = Vec::new();
    all.extend(s.on_connect);
    all.extend(s.periodic.map(|p| p.0));
    if publishes(s) {
        let want_retained = all.iter().any(|p| p.retain);
        let want_plain = all.iter().any(|p| !p.retain) || s.led_report.is_some();
        need(!want_retained || pubs.iter().any(retained), "no publish(…, true) for the retained message".into());
        need(!want_plain || pubs.iter().any(|a| !retained(a)), "no publish without retain".into());
        need(want_retained || !pubs.iter().any(retained), "a retained publish the emulation does not make".into());
    } else {
        need(pubs.is_empty(), "publishes, but the emulation does not".into());
    }
    for p in &all {
        match p.payload.split_once("{n}") {
            Some((prefix, _)) => need(
                lits.iter().any(|l| is_payload_literal(l, prefix)),
                format!("no literal for the payload {}", p.payload),
            ),
            None => need(has_lit(p.payload), format!("no literal \"{}\"", p.payload)),
        }
    }
    if s.led_report.is_some() {
        need(has_lit("LED ON") && has_lit("LED OFF"), "no \"LED ON\" / \"LED OFF\"".into());
    }

    // The periodic publish: a Ticker counting seconds, or the example's millis() check.
    match s.periodic {
        Some((_, every, first)) => {
            match s.style {
                Style::Taichi => {
                    need(flat.contains("#include <Ticker.h>"), "no #include <Ticker.h>".into());
                    let attach = calls(&code, "ticker.attach");
                    need(
                        attach.len() == 1 && attach[0] == ["1", "tickerCount"],
                        format!("ticker.attach is not ticker.attach(1, tickerCount): {attach:?}"),
                    );
                    let e = format!("count >= {}", every / 1000);
                    need(flat.contains(&e), format!("no `{e}`"));
                }
                Style::Example => {
                    let e = format!("now - lastMsg > {every}");
                    need(flat.contains(&e), format!("no `{e}`"));
                }
            }
            let counter = if first == 0 { "value++" } else { "++value" };
            need(flat.contains(counter) && flat.contains("value = 0;"), format!("the counter is not {counter} from 0"));
        }
        None => need(
            !flat.contains("Ticker") && !flat.contains("lastMsg"),
            "a periodic publish the emulation does not make".into(),
        ),
    }

    // The LED: LED_BUILTIN, active-low, off at start, on for a first byte '1'.
    let writes: Vec<Vec<String>> = calls(&code, "digitalWrite");
    if s.led {
        need(
            calls(&code, "pinMode").iter().any(|a| a == &["LED_BUILTIN", "OUTPUT"]),
            "no pinMode(LED_BUILTIN, OUTPUT)".into(),
        );
        need(flat.contains("(char)payload[0] == '1'"), "no (char)payload[0] == '1'".into());
        let low = writes.iter().any(|a| a.len() == 2 && a[0] == "LED_BUILTIN" && a[1].contains("LOW"));
        let high = writes.iter().any(|a| a.len() == 2 && a[0] == "LED_BUILTIN" && a[1].contains("HIGH"));
        need(low && high, "no digitalWrite(LED_BUILTIN, LOW) and HIGH".into());
        need(
            flat.contains("pinMode(LED_BUILTIN, OUTPUT); digitalWrite(LED_BUILTIN, HIGH);"),
            "the LED does not start off (digitalWrite(LED_BUILTIN, HIGH) after pinMode)".into(),
        );
    } else {
        need(!flat.contains("LED_BUILTIN"), "uses the LED, but the emulation does not".into());
    }

    // The serial texts, print or println, character for character — and no others.
    let printed = serial_calls(&code);
    let want = serial_texts(s);
    for (ln, t) in &want {
        let f = if *ln { "println" } else { "print" };
        need(printed.iter().any(|(l, c)| l == ln && c.as_deref() == Some(*t)), format!("no Serial.{f}({t:?})"));
    }
    for (ln, c) in &printed {
        if let Some(t) = c {
            let f = if *ln { "println" } else { "print" };
            need(
                want.iter().any(|(l, w)| l == ln && w == t),
                format!("Serial.{f}({t:?}) is not a text the emulation prints"),
            );
        }
    }
    bad
}

/// [`check`] on the sketch's file, and its place: `examples/NAME/NAME.ino`, as the Arduino IDE
/// wants the folder named after the file.
fn check_file(s: &Sketch) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(s.file);
    let mut bad = Vec::new();
    let parts: Vec<&str> = s.file.split('/').collect();
    let placed = matches!(parts.as_slice(), ["examples", dir, file] if file.strip_suffix(".ino") == Some(*dir));
    if !placed {
        bad.push(format!("{} is not examples/NAME/NAME.ino", s.file));
    }
    match std::fs::read_to_string(&path) {
        Ok(src) => bad.extend(check(s, &src)),
        Err(e) => bad.push(format!("{}: {e}", s.file)),
    }
    bad
}

#[test]
fn every_sketch_of_the_table_has_its_program_and_it_does_what_the_emulation_does() {
    let mut bad = Vec::new();
    for s in SKETCHES {
        bad.extend(check_file(s).into_iter().map(|b| format!("{} ({}): {b}", s.name, s.file)));
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn a_missing_file_and_a_sketch_that_lacks_a_line_or_says_more_are_caught() {
    let connect = sketch::find("connect").unwrap();
    let nowhere = Sketch { file: "examples/nowhere/nowhere.ino", ..*connect };
    assert!(check_file(&nowhere).iter().any(|b| b.contains("nowhere.ino")), "{:?}", check_file(&nowhere));
    let misplaced = Sketch { file: "examples/connect/main.ino", ..*connect };
    assert!(check_file(&misplaced).iter().any(|b| b.contains("NAME/NAME.ino")));

    // A made-up program that gets most of it right but prints "WiFi connected!" and forgets the
    // failure line.
    let src = r#"// connect, lesson 1-4. Against the lab: `mqtt-lab --lan`, the serial monitor at 115200. Without
// a board: `mqtt-lab nodemcu --pty --sketch connect` or `new esp --sketch connect`.
// 连接服务端（第 1-4 课）。
        #include <ESP8266WiFi.h>
        #include <PubSubClient.h>
        const char* ssid = "taichi-maker";
        const char* mqttServer = "192.168.1.23";  // ← the line mqtt-lab --lan prints
        WiFiClient wifiClient;
        PubSubClient mqttClient(wifiClient);
        void setup() { Serial.begin(115200); Serial.println(); WiFi.mode(WIFI_STA);
          while (WiFi.status() != WL_CONNECTED) { delay(1000); Serial.print("."); }
          Serial.println(""); Serial.println("WiFi connected!"); Serial.println("");
          mqttClient.setServer(mqttServer, 1883); }
        void loop() {
          String clientId = "esp8266-" + WiFi.macAddress();
          if (mqttClient.connect(clientId.c_str())) {
            Serial.println("MQTT Server Connected."); Serial.println("Server Address: ");
            Serial.println(mqttServer); Serial.println("ClientId:"); Serial.println(clientId);
          } else { delay(5000); }
          mqttClient.loop();
        }"#;
    let bad = check(connect, src);
    assert!(bad.iter().any(|b| b.contains("\"WiFi Connected!\"")), "{bad:?}");
    assert!(bad.iter().any(|b| b.contains("MQTT Server Connect Failed. Client State:")), "{bad:?}");
    assert!(bad.iter().any(|b| b.contains("(\"WiFi connected!\") is not a text")), "{bad:?}");
    let fixed = src.replace("WiFi connected!", "WiFi Connected!").replace(
        "} else { delay(5000); }",
        "} else { Serial.print(\"MQTT Server Connect Failed. Client State:\"); delay(5000); }",
    );
    assert_eq!(check(connect, &fixed), Vec::<String>::new());

    // The real qos sketch with its subscription at QoS 0, or with clean session 1.
    let qos = sketch::find("qos").unwrap();
    let src = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(qos.file)).unwrap();
    let bad = check(qos, &src.replace("subQoS = 1;", "subQoS = 0;"));
    assert!(bad.iter().any(|b| b.contains("at QoS 0, not 1")), "{bad:?}");
    let bad = check(qos, &src.replace("cleanSession = false;", "cleanSession = true;"));
    assert!(bad.iter().any(|b| b.contains("clean session is cleanSession not false")), "{bad:?}");
    // A print of its own: the emulation would not show it.
    let bad =
        check(qos, &src.replace("Serial.println(length);", "Serial.println(length);\n  Serial.println(\"LED ON\");"));
    assert!(bad.iter().any(|b| b.contains("(\"LED ON\") is not a text")), "{bad:?}");
}

#[test]
fn string_literals_are_decoded_and_comments_and_characters_are_skipped() {
    let src = r#"
        // "not this"
        /* "nor this" */
        char q = '"';
        const char* a = "tab\there \"quoted\" \\ \x41\101 \?";
        Serial.print("ab" "c");   // C joins them
        Serial.print("d"); Serial.print("e");
        x = "// not a comment" /* "no" */;
    "#;
    assert_eq!(string_literals(src), ["tab\there \"quoted\" \\ AA ?", "abc", "d", "e", "// not a comment"]);
    assert_eq!(string_literals(r#"u8"x" '\'' "y""#), ["x", "y"]);
    assert_eq!(string_literals("\"unterminated\n\"next\""), ["unterminated", "next"]);
    assert_eq!(literal(r#" "a\"b" "#).as_deref(), Some("a\"b"));
    assert_eq!(literal(r#""a" + x + "b""#), None);
    assert_eq!(
        calls(r#"f(a, g(b, c), "x,)y"); obj.f(1); ff(2); f ( ); f(x)"#, "f"),
        [vec!["a", r#"g(b, c)"#, r#""x,)y""#], vec![], vec!["x"]]
    );
    let c = constants("const int subQoS = 1;\nvoid f() {\n  const char* m = \"M\";\n}\n#define N 5\n");
    assert_eq!(resolve("subQoS", &c), "1");
    assert_eq!(resolve("m", &c), "\"M\"");
    assert_eq!(resolve("N", &c), "5");
    assert_eq!(topic_expr("Taichi-Maker-{mac}-Will"), r#""Taichi-Maker-" + WiFi.macAddress() + "-Will""#);
    assert_eq!(topic_expr("inTopic"), r#""inTopic""#);
}

// ---------------------------------------------------------------------------------------------
// The emulation's lines against the programs' prints.

fn lines(w: &mut World) -> Vec<String> {
    w.take_events()
        .into_iter()
        .filter_map(|e| match e {
            WorldEvent::Serial { line, .. } => Some(line),
            _ => None,
        })
        .collect()
}

/// What the emulation prints running `s`: connected (messages 1, 0 and an empty one arrive when it
/// subscribes, and its periodic messages go out), then refused by a broker that knows no such user.
fn emulated(s: &Sketch) -> (Vec<String>, String) {
    let add = |w: &mut World| {
        w.apply(LabCmd::AddClient {
            name: "esp".into(),
            opts: ConnectOpts { sketch: Some(s.name.into()), ..ConnectOpts::default() },
        })
    };
    let mut w = World::new(broker::Config::default(), Instant::now());
    add(&mut w);
    w.apply(LabCmd::AddClient { name: "computer".into(), opts: ConnectOpts::default() });
    w.advance(Duration::from_secs(12));
    let server = w.actor("esp").unwrap().as_board().unwrap().server.clone();
    if let Some((t, _)) = s.subscribe {
        for payload in ["1", "0", ""] {
            w.apply(LabCmd::Client {
                id: 2,
                name: "computer".into(),
                cmd: ClientCmd::Publish {
                    topic: sketch::fill(t, sketch::DEFAULT_MAC, 0),
                    payload: payload.into(),
                    qos: QoS::AtMostOnce,
                    retain: false,
                    v5: Default::default(),
                },
            });
            w.advance(Duration::from_secs(1));
        }
    }
    w.advance(Duration::from_secs(5));
    let mut out = lines(&mut w);

    let mut w = World::new(broker::Config::default(), Instant::now());
    w.apply(LabCmd::Reset(LabSetup { users: vec!["nobody:nothing".into()], ..LabSetup::default() }));
    add(&mut w);
    w.advance(Duration::from_secs(12));
    out.extend(lines(&mut w));
    (out, server)
}

/// Whether `line` is what some calls of the program print: prints, then one println, each a
/// literal text or one of the values only known when it runs.
fn explained(line: &str, calls: &[SerialCall], values: &[String]) -> bool {
    let mut reach = vec![false; line.len() + 1];
    reach[0] = true;
    for i in 0..=line.len() {
        if !reach[i] || !line.is_char_boundary(i) {
            continue;
        }
        let rest = &line[i..];
        for (ln, c) in calls {
            let texts: Vec<&str> = match c {
                Some(t) => vec![t.as_str()],
                None => values.iter().map(String::as_str).collect(),
            };
            for t in texts {
                if *ln && rest == t {
                    return true;
                }
                if !*ln && !t.is_empty() && rest.starts_with(t) {
                    reach[i + t.len()] = true;
                }
            }
        }
    }
    false
}

#[test]
fn every_line_the_emulation_prints_is_one_the_program_prints_and_every_text_shows_up() {
    let mut bad = Vec::new();
    for s in SKETCHES {
        let src = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(s.file)).unwrap();
        let calls = serial_calls(&code(&src));
        let (lines, server) = emulated(s);
        let mac = sketch::DEFAULT_MAC;
        // The values the program prints from variables.
        let mut values: Vec<String> = vec![String::new(), server, sketch::SSID.into(), sketch::BOARD_IP.into()];
        if let IdRule::Mac(p) = s.id {
            values.push(format!("{p}{mac}"));
        }
        values.extend(topics(s).into_iter().map(|t| sketch::fill(t, mac, 0)));
        for p in s.on_connect.iter().chain(s.periodic.iter().map(|p| &p.0)) {
            values.extend((0..50).map(|n| sketch::fill(p.payload, mac, n)));
        }
        values.extend(["1", "0", "LED ON", "LED OFF"].map(String::from));
        values.extend((-4..=5).map(|n: i32| n.to_string()));
        for l in &lines {
            if !explained(l, &calls, &values) {
                bad.push(format!("{}: the emulation prints {l:?}, the program cannot", s.name));
            }
        }
        // Every literal text the program prints shows up, but for the failures of publish and
        // subscribe (the broker here accepts both).
        for (_, c) in &calls {
            if let Some(t) = c
                && !t.is_empty()
                && !["Message Publish Failed.", "Subscribe Fail..."].contains(&t.as_str())
                && !lines.iter().any(|l| l.contains(t.as_str()))
            {
                bad.push(format!("{}: the program prints {t:?}, the emulation never does", s.name));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_examples_readme_lists_every_sketch() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/README.md")).unwrap();
    for s in SKETCHES {
        let dir = s.file.trim_start_matches("examples/");
        for want in [format!("`{}`", s.name), dir.to_string(), s.lesson.to_string()] {
            assert!(readme.contains(&want), "examples/README.md does not mention {want} ({})", s.name);
        }
    }
}

//! The examples in the docs are real: every ```passwd and ```acl block of `docs/auth-files.md` parses,
//! and what the page says about them holds. A password file written just now by Debian's
//! `mosquitto_passwd` (installed by the test command) is accepted with its passwords.

#[path = "support/helpers.rs"]
mod support;

use mqtt_lab::broker::auth::{Acl, parse_passwords};
use std::path::Path;
use std::process::Command;

/// The fenced blocks of `markdown` whose info string is `lang`, with the line each starts on.
fn blocks(markdown: &str, lang: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in markdown.lines().enumerate() {
        match &mut current {
            None if line.trim_start() == format!("```{lang}") => current = Some((n + 2, String::new())),
            Some(_) if line.trim_start().starts_with("```") => out.push(current.take().expect("open block")),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    assert!(current.is_none(), "an unclosed ```{lang} block");
    out
}

fn auth_doc() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/auth-files.md")).expect("the doc")
}

#[test]
fn every_password_example_parses_and_its_passwords_work() {
    let doc = auth_doc();
    let examples = blocks(&doc, "passwd");
    assert_eq!(examples.len(), 2, "the page shows a clear-text file and a hashed one");
    for (line, text) in &examples {
        parse_passwords(text).unwrap_or_else(|e| panic!("docs/auth-files.md:{line}: {e}"));
    }
    let clear = parse_passwords(&examples[0].1).unwrap();
    assert!(clear.check("phone", b"phone-secret"));
    assert!(clear.check("esp8266", b"taichi"));
    let hashed = parse_passwords(&examples[1].1).unwrap();
    assert!(hashed.check("esp8266", b"taichi"), "the $7$ line is esp8266 / taichi");
    assert!(hashed.check("phone", b"taichi"), "the $6$ line is phone / taichi");
    assert!(!hashed.check("phone", b"phone-secret"));
}

#[test]
fn every_acl_example_parses_and_means_what_the_page_says() {
    let doc = auth_doc();
    let examples = blocks(&doc, "acl");
    assert_eq!(examples.len(), 1);
    let (line, text) = &examples[0];
    let acl = Acl::parse(text).unwrap_or_else(|e| panic!("docs/auth-files.md:{line}: {e}"));
    // "phone may subscribe to car/# but gets nothing published on car/secret/door"
    assert!(acl.can_subscribe(Some("phone"), "phone", "car/#"));
    assert!(acl.can_receive(Some("phone"), "phone", "car/speed"));
    assert!(!acl.can_receive(Some("phone"), "phone", "car/secret/door"));
    // "its SUBSCRIBE to car/secret/+ gets 0x80"
    assert!(!acl.can_subscribe(Some("phone"), "phone", "car/secret/+"));
    assert!(acl.can_publish(Some("phone"), "phone", "car/ac/temp"));
    // "a client without a user name may read public/news and nothing else"
    assert!(acl.can_subscribe(None, "x", "public/news"));
    assert!(!acl.can_subscribe(None, "x", "car/speed"));
    assert!(!acl.can_publish(None, "x", "public/news"));
    // The tutorial's topics for the board.
    assert!(acl.can_publish(Some("esp8266"), "esp8266-5C:CF:7F:00:00:01", "Taichi-Maker/led"));
    // Patterns, and the client id that must not widen them.
    assert!(acl.can_publish(Some("phone"), "esp1", "clients/esp1/status"));
    assert!(!acl.can_publish(Some("phone"), "#", "clients/esp1/status"));
    assert!(acl.can_receive(Some("alice"), "c", "users/alice/inbox"));
    assert!(!acl.can_receive(None, "c", "users//inbox"));
}

#[test]
fn the_invalid_filter_the_page_warns_about_is_refused() {
    let e = Acl::parse("user esp8266\ntopic readwrite Taichi-Maker-#\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 17), "{e}");
    assert!(e.message.en.contains("MQTT-4.7.1-2"), "{e}");
}

/// A file written by the real `mosquitto_passwd`, with both of its hash kinds.
#[test]
fn files_from_mosquitto_passwd_work() {
    support::require_mosquitto();
    let Ok(out) = Command::new("mosquitto_passwd").arg("-h").output() else {
        panic!("mosquitto_passwd is not installed: the test command installs mosquitto");
    };
    let _ = out;
    let path = support::scratch("mosquitto-passwd.txt");
    let p = path.0.to_str().expect("utf-8 path");
    let run = |args: &[&str]| {
        let st = Command::new("mosquitto_passwd").args(args).status().expect("run mosquitto_passwd");
        assert!(st.success(), "mosquitto_passwd {args:?}");
    };
    run(&["-c", "-b", p, "board", "太极创客 pass:1"]);
    run(&["-H", "sha512", "-b", p, "old", "legacy"]);
    let text = std::fs::read_to_string(p).expect("the file");
    assert!(text.contains("board:$7$") && text.contains("old:$6$"), "{text}");
    let users = parse_passwords(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(users.check("board", "太极创客 pass:1".as_bytes()));
    assert!(!users.check("board", b"pass:1"));
    assert!(users.check("old", b"legacy"));
}

//! Every rule id the project shows or cites is a real conformance statement: each string of the shape
//! `MQTT-<digits and dots>[-n]` in the sources, tests, lessons and docs must be listed in
//! `proto::rules`, among the statements of MQTT 3.1.1 or those of MQTT 5.0 the project cites
//! (`RULES_5`) (a section without a number is written `§x.y.z` instead).

use mqtt_lab::proto::rules;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("rs" | "yaml" | "md" | "ino")) {
            out.push(p);
        }
    }
}

/// The rule-id-shaped strings in `text`, with their line numbers.
fn ids(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(i) = rest.find("MQTT-") {
            let tail = &rest[i + 5..];
            let end = tail.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')).unwrap_or(tail.len());
            let id = tail[..end].trim_end_matches(['.', '-']);
            if id.starts_with(|c: char| c.is_ascii_digit()) {
                out.push((n + 1, format!("MQTT-{id}")));
            }
            rest = &tail[end..];
        }
    }
    out
}

#[test]
fn every_cited_rule_id_is_a_conformance_statement() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    for d in ["src", "tests", "lessons", "docs", "examples", "benches"] {
        files(&root.join(d), &mut all);
    }
    for f in ["README.md", "ARCHITECTURE.md", "CHANGELOG.md"] {
        all.push(root.join(f));
    }
    let mut bad = Vec::new();
    let mut seen = 0;
    // The registry itself and this test name non-statements on purpose, as examples.
    let skip = [root.join("src/proto/rules.rs"), root.join("tests/rule_ids.rs")];
    for path in all.iter().filter(|p| !skip.contains(p)) {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        for (line, id) in ids(&text) {
            seen += 1;
            if !rules::is_rule_id(&id) && !rules::is_rule_id_v5(&id) {
                bad.push(format!("{}:{line}: {id}", path.strip_prefix(root).unwrap_or(path).display()));
            }
        }
    }
    assert!(seen > 100, "only {seen} rule ids found: is the scanner broken?");
    assert!(
        bad.is_empty(),
        "neither MQTT 3.1.1 conformance statements nor 5.0 ones in RULES_5 (write a section as §x.y.z):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_scanner_finds_ids_and_section_numbers() {
    let found = ids("see [MQTT-3.3.2-2] and MQTT-2.2.3, not MQTT-x; MQTT-4.7.1-1.");
    let ids: Vec<&str> = found.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(ids, vec!["MQTT-3.3.2-2", "MQTT-2.2.3", "MQTT-4.7.1-1"]);
    assert!(!rules::is_rule_id("MQTT-2.2.3"));
    assert!(rules::is_rule_id("MQTT-4.7.1-1"));
    // 5.0 has ids of its own; a made-up one is in neither list.
    assert!(rules::is_rule_id_v5("MQTT-3.3.2-8") && !rules::is_rule_id_v5("MQTT-2.2.3"));
    assert!(!rules::is_rule_id("MQTT-2.2.2-9") && !rules::is_rule_id_v5("MQTT-2.2.2-9"));
}

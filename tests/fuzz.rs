//! The fuzz campaigns as CI runs them: briefly, with the real binary. A developer runs the same
//! commands for millions of inputs (docs/fuzzing.md).

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_mqtt-lab");

fn run_json(args: &[&str]) -> serde_json::Value {
    let out = Command::new(BIN).args(args).output().expect("run mqtt-lab fuzz");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "mqtt-lab {args:?} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

#[test]
fn the_decoder_survives_a_short_campaign() {
    let r = run_json(&["fuzz", "decode", "--inputs", "300000", "--seed", "42", "--json"]);
    assert_eq!(r["inputs"], 300_000);
    assert_eq!(r["failures"], 0);
    assert!(r["decoded"].as_u64().unwrap() > 30_000, "{r}");
    assert!(r["errors"].as_object().unwrap().len() >= 10, "the inputs reach many decode errors: {r}");
}

/// Random and mutated packets from 16 connections for a few seconds against the real broker, with
/// the canary pair connected throughout: nothing lost, duplicated or reordered, the broker alive and
/// under 256 MiB.
#[test]
fn the_broker_survives_a_short_campaign_and_the_canary_sees_everything() {
    let r = run_json(&["fuzz", "broker", "--seconds", "8", "--seed", "7", "--max-rss-mib", "256", "--json"]);
    assert!(r["failures"].as_array().unwrap().is_empty(), "{r}");
    assert!(r["inputs"].as_u64().unwrap() > 1_000, "{r}");
    let sent = r["canary_sent"].as_u64().unwrap();
    assert!(sent > 100, "{r}");
    assert_eq!(r["canary_received"].as_u64().unwrap(), sent, "{r}");
    assert_eq!(r["broker_alive"], true);
}

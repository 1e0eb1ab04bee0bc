//! The demo binary, end to end: it must succeed and show the session's key transitions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::process::Command;

fn cognito_auth(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cognito-auth"))
        .args(args)
        .output()
        .expect("the cognito-auth binary runs")
}

#[test]
fn the_demo_walks_the_whole_session_and_replays_it_identically() {
    let run = cognito_auth(&["demo"]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "demo failed ({:?})\nstdout:\n{stdout}\nstderr:\n{stderr}",
        run.status
    );
    for expected in [
        "state: unknown -> guest",
        "-> signedIn",
        "ConfirmWithTotpCode",
        "tokens() failed: network error",
        "user_state() is still signedIn",
        "signedIn -> signedOutUserPoolsTokenInvalid",
        "signedOutUserPoolsTokenInvalid -> signedIn",
        "the waiting task got fresh tokens",
        "signedIn -> signedOut",
        "identical",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    // Secrets stay out of the output: the demo password and any JWT.
    assert!(!stdout.contains("Demo-Passw0rd!"), "{stdout}");
    assert!(!stdout.contains("eyJ"), "{stdout}");
}

#[test]
fn a_kept_demo_log_replays_with_the_replay_command() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("events.jsonl");
    let log = log.to_str().unwrap();
    let demo = cognito_auth(&["demo", "--log", log]);
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let replay = cognito_auth(&["replay", log]);
    let text = String::from_utf8_lossy(&replay.stdout);
    assert!(
        replay.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    // The summary's input count is the one the demo reported for its own replay.
    let demo_out = String::from_utf8_lossy(&demo.stdout);
    let inputs = demo_out
        .lines()
        .find_map(|l| {
            l.trim()
                .split_once(" inputs -> ")
                .map(|(n, _)| n.to_owned())
        })
        .expect("the demo reports its input count");
    assert!(text.contains(&format!(": {inputs} inputs -> ")), "{text}");
    assert!(
        text.contains(
            "states: unknown -> signedOut -> signedIn -> signedOut -> signedIn \
             -> signedOutUserPoolsTokenInvalid -> signedIn -> signedOut"
        ),
        "{text}"
    );

    // With --json: one document with the same figures.
    let replay = cognito_auth(&["--json", "replay", log]);
    assert!(replay.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&replay.stdout).expect("one JSON document");
    assert_eq!(doc["inputs"].to_string(), inputs, "{doc}");
    assert_eq!(doc["replies_failed"], 1, "{doc}");
    assert_eq!(
        doc["states"],
        serde_json::json!([
            "unknown",
            "signedOut",
            "signedIn",
            "signedOut",
            "signedIn",
            "signedOutUserPoolsTokenInvalid",
            "signedIn",
            "signedOut"
        ]),
        "{doc}"
    );
}

#[test]
fn help_lists_the_commands() {
    let run = cognito_auth(&["--help"]);
    assert!(run.status.success());
    let text = String::from_utf8_lossy(&run.stdout);
    for command in [
        "demo",
        "replay",
        "emulator",
        "sign-in",
        "credentials",
        "watch",
    ] {
        assert!(text.contains(&format!("\n  {command} ")), "{text}");
    }
    assert!(text.contains("Exit codes:"), "{text}");
    let demo = cognito_auth(&["demo", "--help"]);
    assert!(
        String::from_utf8_lossy(&demo.stdout).contains("--log <FILE>"),
        "{demo:?}"
    );
}

#[test]
fn bad_arguments_and_a_missing_or_invalid_log_exit_with_2() {
    assert_eq!(cognito_auth(&["frobnicate"]).status.code(), Some(2));
    let missing = cognito_auth(&["replay", "/nonexistent/events.jsonl"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot open"));
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.jsonl");
    std::fs::write(&garbage, "not an event log\n").unwrap();
    let invalid = cognito_auth(&["--json", "replay", garbage.to_str().unwrap()]);
    assert_eq!(invalid.status.code(), Some(2));
    let doc: serde_json::Value =
        serde_json::from_slice(&invalid.stdout).expect("one JSON document");
    assert_eq!(doc["error"]["code"], "InvalidLog", "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with(garbage.to_str().unwrap())),
        "the message names the file: {doc}"
    );
}

#[test]
fn the_demo_with_json_prints_one_document_with_its_transcript() {
    let demo = cognito_auth(&["--json", "demo"]);
    assert!(demo.status.success(), "{demo:?}");
    let doc: serde_json::Value =
        serde_json::from_slice(&demo.stdout).expect("exactly one JSON document on stdout");
    assert_eq!(doc["identical"], true, "{doc}");
    let transcript = doc["transcript"].as_array().expect("the transcript lines");
    assert!(
        transcript.iter().any(|l| l
            .as_str()
            .is_some_and(|l| l.contains("signedOutUserPoolsTokenInvalid"))),
        "{doc}"
    );
}

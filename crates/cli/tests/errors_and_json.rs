//! What a person or a script sees when something is wrong: one clear line on stderr, the
//! documented exit code, and with `--json` exactly one error document on stdout, whoever
//! found the problem (clap, the configuration, the engine, the service).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::process::Command;

use common::{World, PASSWORD};

/// The lines of stderr that are not the announcement of what stdin is read for.
fn message_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| !l.contains("from the next line of stdin"))
        .collect()
}

#[test]
fn an_unreachable_endpoint_is_one_line_naming_the_cause() {
    let world = World::emulator();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-auth"));
    command.args([
        "--config",
        world.config.to_str().unwrap(),
        "--endpoint",
        &format!("http://127.0.0.1:{port}"),
        "--session",
        world.session("offline").to_str().unwrap(),
        "sign-in",
        "alice",
    ]);
    let run = common::run(&mut command, &format!("{PASSWORD}\n")).exit(4);
    let lines = message_lines(&run.stderr);
    assert_eq!(lines.len(), 1, "one line: {run:#?}");
    let line = lines[0];
    assert!(line.starts_with("cognito-auth: network error: "), "{line}");
    assert!(line.contains("Connection refused"), "{line}");
    // Neither the SDK's Debug dump nor the class said twice.
    assert!(!line.contains("DispatchFailure"), "{line}");
    assert!(!line.contains("network error: network error"), "{line}");
}

#[test]
fn a_service_refusal_names_its_code_once() {
    let world = World::emulator();
    world.sign_in("alice", PASSWORD);
    let run = world
        .run(&["devices", "forget", "us-east-1_nosuchdevice"], "")
        .exit(5);
    let lines = message_lines(&run.stderr);
    assert_eq!(lines.len(), 1, "{run:#?}");
    assert!(
        lines[0].starts_with("cognito-auth: service error: ResourceNotFound"),
        "{run:#?}"
    );
    assert!(
        !lines[0].contains("service error: service error"),
        "{run:#?}"
    );
}

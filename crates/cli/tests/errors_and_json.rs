//! What a person or a script sees when something is wrong: one clear line on stderr, the
//! documented exit code, and with `--json` exactly one error document on stdout, whoever
//! found the problem (clap, the configuration, the engine, the service).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use common::{World, PASSWORD};

/// The lines of stderr that are not the announcement of what stdin is read for.
fn message_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| !l.contains("from the next line of stdin"))
        .collect()
}

#[test]
fn usage_errors_found_by_the_argument_parser_print_the_error_document_with_json() {
    let world = World::emulator();
    let run = world.run(&["--json", "sign-in"], "").exit(2);
    let doc = run.json();
    assert_eq!(doc["error"]["class"], "usage", "{doc}");
    assert_eq!(doc["error"]["exit_code"], 2, "{doc}");
    assert_eq!(
        doc["error"]["message"], "the following required arguments were not provided: <USER>",
        "{doc}"
    );
    // The person still gets clap's usage text on stderr.
    assert!(
        run.stderr.contains("Usage: cognito-auth sign-in"),
        "{run:#?}"
    );

    let run = world
        .run(&["attributes", "set", "novalue", "--json"], "")
        .exit(2);
    assert!(
        run.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expected NAME=VALUE"),
        "{run:#?}"
    );
    // A command group without its subcommand: clap's help on stderr, the document on stdout.
    let run = world.run(&["--json", "devices"], "").exit(2);
    assert_eq!(run.json()["error"]["class"], "usage", "{run:#?}");
    assert!(
        run.stderr.contains("remember"),
        "the group's help: {run:#?}"
    );
    // Without --json, stdout stays empty; help is not an error.
    assert_eq!(world.run(&["sign-in"], "").exit(2).stdout, "");
    let help = world.run(&["--json", "sign-in", "--help"], "").ok();
    assert!(help.stdout.contains("--password-stdin"), "{help:#?}");
}

#[test]
fn a_malformed_endpoint_is_a_usage_error_before_any_call() {
    let world = World::emulator();
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-auth"));
    command.args([
        "--json",
        "--config",
        world.config.to_str().unwrap(),
        "--session",
        world.session("x").to_str().unwrap(),
        "--endpoint",
        "127.0.0.1:9229",
        "sign-in",
        "alice",
    ]);
    let run = common::run(&mut command, &format!("{PASSWORD}\n")).exit(2);
    assert_eq!(run.json()["error"]["code"], "InvalidEndpoint", "{run:#?}");
    assert!(
        !run.stderr.contains("reading the password"),
        "nothing is asked for: {run:#?}"
    );
}

#[test]
fn a_session_path_that_is_a_directory_is_a_usage_error() {
    let world = World::emulator();
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-auth"));
    command.args([
        "--config",
        world.config.to_str().unwrap(),
        "--endpoint",
        &world.endpoint,
        "--session",
        world.dir.path().to_str().unwrap(),
        "whoami",
    ]);
    let run = common::run(&mut command, "").exit(2);
    assert!(run.stderr.contains("is a directory"), "{run:#?}");
    assert_eq!(run.stdout, "", "{run:#?}");
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

#[test]
fn password_change_while_signed_out_asks_for_nothing() {
    let world = World::emulator();
    let run = world
        .run(&["--json", "password", "change"], "old\nnew\n")
        .exit(6);
    assert_eq!(run.json()["error"]["code"], "NotSignedIn", "{run:#?}");
    assert!(!run.stderr.contains("password from"), "{run:#?}");
}

#[test]
fn the_custom_challenge_prompt_shows_the_question() {
    let world = World::emulator();
    let run = world
        .run(&["--json", "sign-in", "alice", "--flow", "custom"], "42\n")
        .ok();
    assert_eq!(run.json()["steps"], serde_json::json!(["customChallenge"]));
    assert!(
        run.stderr
            .contains("customChallenge: answer to the custom challenge (question: What is 6 x 7?)"),
        "{run:#?}"
    );
    // Cognito's echo of the user name is not part of the question.
    assert!(!run.stderr.contains("USERNAME"), "{run:#?}");
}

#[test]
fn sign_in_web_without_a_hosted_ui_is_a_usage_error_that_opens_nothing() {
    let world = World::emulator();
    let run = world.run(&["--json", "sign-in", "--web"], "").exit(2);
    assert_eq!(run.json()["error"]["code"], "NotConfigured", "{run:#?}");
    assert!(!run.stderr.contains("URL"), "{run:#?}");
}

#[test]
fn the_emulator_prints_where_it_listens_as_json() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-auth"))
        .args(["--json", "emulator", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let doc: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
    let endpoint = doc["endpoint"].as_str().unwrap();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{doc}");
    assert!(!endpoint.ends_with(":0"), "the chosen port: {doc}");
    assert_eq!(doc["user_pool_id"], "us-east-1_Demo0001", "{doc}");
}

#[test]
fn sign_out_while_nobody_is_signed_in_says_so() {
    let world = World::emulator();
    let run = world.run(&["sign-out", "--global"], "").ok();
    assert_eq!(run.stdout.trim(), "nobody was signed in", "{run:#?}");
    world.sign_in("alice", PASSWORD);
    let doc = world.run(&["--json", "sign-out"], "").ok().json();
    assert_eq!(doc["was_signed_in"], true, "{doc}");
    let doc = world.run(&["--json", "sign-out"], "").ok().json();
    assert_eq!(doc["was_signed_in"], false, "{doc}");
}

#[test]
fn federate_without_an_identity_pool_asks_for_no_token() {
    let world = World::emulator();
    let config = world.dir.path().join("user_pool_only.json");
    let text = serde_json::json!({"version": "1", "auth": {
        "aws_region": "us-east-1",
        "user_pool_id": common::POOL_ID,
        "user_pool_client_id": common::CLIENT_ID,
    }});
    std::fs::write(&config, text.to_string()).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-auth"));
    command.args([
        "--json",
        "--config",
        config.to_str().unwrap(),
        "--endpoint",
        &world.endpoint,
        "--session",
        world.session("pool-only").to_str().unwrap(),
        "federate",
        "accounts.google.com",
    ]);
    let run = common::run(&mut command, "a-token\n").exit(2);
    assert_eq!(run.json()["error"]["code"], "NotConfigured", "{run:#?}");
    assert!(!run.stderr.contains("token from"), "{run:#?}");
}

#[test]
fn an_empty_user_name_is_refused_before_the_password_is_asked_for() {
    let world = World::emulator();
    let run = world.run(&["--json", "sign-up", ""], "Passw0rd!\n").exit(2);
    assert!(
        run.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("must not be empty"),
        "{run:#?}"
    );
    assert!(!run.stderr.contains("password from"), "{run:#?}");
}

#[test]
fn a_corrupt_session_file_is_moved_aside_with_a_plain_warning() {
    let world = World::emulator();
    let session = world.session("default");
    std::fs::create_dir_all(session.parent().unwrap()).unwrap();
    std::fs::write(&session, "not a session").unwrap();
    let run = world.run(&["--json", "whoami"], "").ok();
    assert_eq!(run.json()["state"], "guest", "{run:#?}");
    let warning = run
        .stderr
        .lines()
        .find(|l| l.contains("corrupt session file moved aside"))
        .unwrap_or_else(|| panic!("a warning: {run:#?}"));
    // Without -v: the level and the message, no timestamp or module path.
    assert!(warning.trim_start().starts_with("WARN "), "{warning}");
    assert!(!warning.contains("cognito_auth::"), "{warning}");
    let aside = session.with_file_name("session.json.corrupt-1");
    assert_eq!(std::fs::read_to_string(aside).unwrap(), "not a session");
}

#[test]
fn the_emulator_refuses_a_bad_seed_file_and_a_busy_port_as_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, "{not json").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-auth"));
    command.args(["--json", "emulator", "--port", "0", "--seed-file"]);
    command.arg(&seed);
    let run = common::run(&mut command, "").exit(2);
    assert_eq!(run.json()["error"]["code"], "InvalidSeedFile", "{run:#?}");

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-auth"));
    command.args(["--json", "emulator", "--port", &port]);
    let run = common::run(&mut command, "").exit(2);
    assert_eq!(run.json()["error"]["code"], "Listen", "{run:#?}");
    assert!(
        run.stderr.contains(&format!("127.0.0.1:{port}")),
        "{run:#?}"
    );
}

#[test]
fn password_stdin_with_a_flow_that_asks_for_no_password_first_is_a_usage_error() {
    let world = World::emulator();
    for flow in ["custom", "user-auth"] {
        let run = world
            .run(
                &["sign-in", "alice", "--flow", flow, "--password-stdin"],
                &format!("{PASSWORD}\n"),
            )
            .exit(2);
        assert!(run.stderr.contains("--password-stdin"), "{run:#?}");
    }
}

#[test]
fn signing_in_unconfirmed_says_how_to_confirm() {
    let world = World::emulator();
    world
        .run(&["sign-up", "newcomer"], &format!("{PASSWORD}\n"))
        .ok();
    let run = world
        .run(&["--json", "sign-in", "newcomer"], &format!("{PASSWORD}\n"))
        .exit(3);
    let doc = run.json();
    assert_eq!(doc["error"]["code"], "UserNotConfirmed", "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cognito-auth confirm-sign-up newcomer CODE"),
        "{doc}"
    );
}

//! The binary against the emulator: every flow a script would run, one process per command,
//! the session carried between them by the session file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use cognito_auth_emulator::CodePurpose;
use common::{World, PASSWORD};

#[test]
fn sign_up_confirm_sign_in_whoami_tokens_credentials_and_global_sign_out() {
    let world = World::emulator();
    let signed_up = world
        .run(
            &[
                "--json",
                "sign-up",
                "bob",
                "--attribute",
                "email=bob@example.com",
            ],
            "Bob-Passw0rd!\n",
        )
        .ok()
        .json();
    assert_eq!(signed_up["user_confirmed"], false, "{signed_up}");
    assert_eq!(signed_up["code_delivery"]["delivery_medium"], "EMAIL");
    let first = world.code("bob", CodePurpose::SignUp);
    world.run(&["confirm-sign-up", "bob", "000000"], "").exit(3);
    let resent = world.run(&["--json", "resend-code", "bob"], "").ok().json();
    assert_eq!(
        resent["code_delivery"]["delivery_medium"], "EMAIL",
        "{resent}"
    );
    let code = world.code("bob", CodePurpose::SignUp);
    assert_ne!(code, first, "a new code was sent");
    world.run(&["confirm-sign-up", "bob", &code], "").ok();

    let signed_in = world
        .run(&["--json", "sign-in", "bob"], "Bob-Passw0rd!\n")
        .ok()
        .json();
    assert_eq!(signed_in["state"], "signedIn", "{signed_in}");

    // A second session of the same user, to see the global sign-out reach it.
    world
        .run_as(
            "other",
            &["sign-in", "bob", "--flow", "password"],
            "Bob-Passw0rd!\n",
        )
        .ok();

    let whoami = world.run(&["--json", "whoami"], "").ok().json();
    assert_eq!(whoami["state"], "signedIn");
    assert_eq!(whoami["username"], "bob");
    assert_eq!(whoami["sub"], signed_up["user_sub"]);
    assert!(
        whoami["identity_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("us-east-1:")),
        "{whoami}"
    );
    assert!(whoami["access_token_expires_at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));

    let tokens = world.run(&["--json", "tokens"], "").ok().json();
    assert_eq!(tokens["username"], "bob");
    for token in ["id_token", "access_token", "refresh_token"] {
        assert!(
            tokens[token].as_str().is_some_and(|t| !t.is_empty()),
            "{tokens}"
        );
    }
    let refreshed = world.run(&["--json", "tokens", "--force"], "").ok().json();
    assert_eq!(refreshed["username"], "bob");

    check_credentials_formats(&world);

    world.run(&["sign-out", "--global"], "").ok();
    let after = world.run(&["--json", "whoami"], "").ok().json();
    assert_ne!(after["state"], "signedIn", "{after}");
    // Nobody is signed in here any more: a state error.
    world.run(&["tokens"], "").exit(6);
    // The other session's refresh token died with the global sign-out: a service error.
    let other = world.run_as("other", &["tokens", "--force"], "").exit(5);
    assert!(other.stderr.contains("session expired"), "{other:#?}");
}

fn check_credentials_formats(world: &World) {
    let full = world
        .run(&["credentials", "--format", "json"], "")
        .ok()
        .json();
    let key = full["access_key_id"].as_str().unwrap().to_owned();
    assert!(full["identity_id"]
        .as_str()
        .unwrap()
        .starts_with("us-east-1:"));
    for field in ["secret_access_key", "session_token", "expiration"] {
        assert!(
            full[field].as_str().is_some_and(|v| !v.is_empty()),
            "{full}"
        );
    }

    let process = world
        .run(&["credentials", "--format", "process"], "")
        .ok()
        .json();
    assert_eq!(process["Version"], 1);
    assert_eq!(process["AccessKeyId"], key.as_str());
    assert_eq!(process["SecretAccessKey"], full["secret_access_key"]);
    assert_eq!(process["SessionToken"], full["session_token"]);
    let expiration = process["Expiration"].as_str().unwrap();
    assert!(
        expiration.len() == 20 && expiration.ends_with('Z') && &expiration[10..11] == "T",
        "RFC 3339: {expiration}"
    );

    let env = world.run(&["credentials", "--format", "env"], "").ok();
    assert!(
        env.stdout
            .contains(&format!("export AWS_ACCESS_KEY_ID='{key}'")),
        "{env:#?}"
    );
    for name in ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
        assert!(env.stdout.contains(&format!("export {name}='")), "{env:#?}");
    }
}

#[test]
fn password_and_srp_sign_in_and_the_exit_codes_of_a_wrong_password_and_state() {
    let world = World::emulator();
    let wrong = world
        .run(
            &["--json", "sign-in", "alice", "--flow", "password"],
            "nope\n",
        )
        .exit(3);
    assert_eq!(wrong.json()["error"]["code"], "NotAuthorized");
    world
        .run(&["sign-in", "alice", "--flow", "srp"], "wrong!\n")
        .exit(3);

    world
        .run(
            &["sign-in", "alice", "--flow", "password"],
            &format!("{PASSWORD}\n"),
        )
        .ok();
    // Already signed in: a state error, before any password is read.
    let again = world.run(&["--json", "sign-in", "alice"], "").exit(6);
    assert_eq!(again.json()["error"]["code"], "AlreadySignedIn");
    world.run(&["sign-out"], "").ok();
    let srp = world
        .run(
            &["--json", "sign-in", "alice", "--flow", "srp"],
            &format!("{PASSWORD}\n"),
        )
        .ok()
        .json();
    assert_eq!(srp["state"], "signedIn");
    // Unknown user and no password on stdin.
    world
        .run_as("x", &["sign-in", "nobody"], "Whatever1!\n")
        .exit(3);
    world.run_as("y", &["sign-in", "alice"], "").exit(2);
}

#[test]
fn an_sms_mfa_code_is_answered_as_the_next_stdin_line() {
    let world = World::emulator();
    let mut sign_in = world.spawn(&["--json", "sign-in", "sam"]);
    sign_in.send(PASSWORD);
    let step = sign_in.expect_stderr("confirmWithSmsCode");
    assert!(step.contains("SMS code"), "{step}");
    sign_in.expect_stderr("from the next line of stdin");
    sign_in.send(&world.code("sam", CodePurpose::SmsMfa));
    let run = sign_in.finish().ok();
    let doc = run.json();
    assert_eq!(doc["steps"], serde_json::json!(["confirmWithSmsCode"]));
    assert_eq!(doc["state"], "signedIn");
    assert_eq!(
        world.run(&["--json", "whoami"], "").ok().json()["username"],
        "sam"
    );
}

#[test]
fn the_mfa_type_is_chosen_by_its_short_name() {
    let world = World::emulator();
    let mut sign_in = world.spawn(&["--json", "sign-in", "mia"]);
    sign_in.send(PASSWORD);
    let step = sign_in.expect_stderr("selectMfaType");
    assert!(step.contains("SMS_MFA, SOFTWARE_TOKEN_MFA"), "{step}");
    // The name `mfa prefer` uses, not Cognito's SOFTWARE_TOKEN_MFA.
    sign_in.send("totp");
    sign_in.expect_stderr("confirmWithTotpCode");
    let key = cognito_auth_emulator::totp::base32_decode(common::MIA_TOTP_SECRET).unwrap();
    sign_in.send(&cognito_auth_emulator::totp::totp(&key, world.now_s()));
    let done = sign_in.finish().ok().json();
    assert_eq!(
        done["steps"],
        serde_json::json!(["selectMfaType", "confirmWithTotpCode"]),
        "{done}"
    );
}

#[test]
fn a_wrong_mfa_code_is_a_user_error() {
    let world = World::emulator();
    let run = world.run(&["sign-in", "sam"], &format!("{PASSWORD}\n000000\n"));
    let run = run.exit(3);
    assert!(run.stderr.contains("confirmWithSmsCode"), "{run:#?}");
}

#[test]
fn attributes_get_set_and_verify() {
    let world = World::emulator();
    world.sign_in("alice", PASSWORD);
    let got = world.run(&["--json", "attributes", "get"], "").ok().json();
    assert_eq!(got["attributes"]["email"], "alice@example.com");

    let set = world
        .run(
            &[
                "--json",
                "attributes",
                "set",
                "name=Alice",
                "email=alice@example.org",
            ],
            "",
        )
        .ok()
        .json();
    assert_eq!(set["updated"], serde_json::json!(["name", "email"]));
    let got = world.run(&["--json", "attributes", "get"], "").ok().json();
    assert_eq!(got["attributes"]["name"], "Alice", "{got}");

    let sent = world
        .run(&["--json", "attributes", "verify", "email"], "")
        .ok()
        .json();
    assert_eq!(sent["code_delivery"]["attribute_name"], "email", "{sent}");
    world
        .run(&["attributes", "verify", "email", "000000"], "")
        .exit(3);
    let code = world.code("alice", CodePurpose::VerifyEmail);
    world
        .run(&["attributes", "verify", "email", &code], "")
        .ok();
    let got = world.run(&["attributes", "get"], "").ok();
    assert!(got.stdout.contains("email=alice@example.org"), "{got:#?}");
    assert!(got.stdout.contains("email_verified=true"), "{got:#?}");
}

#[test]
fn devices_are_listed_remembered_set_not_remembered_and_forgotten() {
    let world = World::emulator();
    world.sign_in("alice", PASSWORD);
    let listed = world.run(&["--json", "devices", "list"], "").ok().json();
    let devices = listed["devices"].as_array().unwrap();
    assert_eq!(
        devices.len(),
        1,
        "the sign-in tracked this device: {listed}"
    );
    let key = devices[0]["device_key"].as_str().unwrap().to_owned();
    // The pool remembers devices only when asked (the emulator's status names).
    assert_eq!(
        devices[0]["attributes"]["device_status"], "not_remembered",
        "{listed}"
    );

    world.run(&["devices", "remember"], "").ok();
    let listed = world.run(&["--json", "devices", "list"], "").ok().json();
    assert_eq!(
        listed["devices"][0]["attributes"]["device_status"], "valid",
        "{listed}"
    );
    let text = world.run(&["devices", "list"], "").ok();
    assert!(text.stdout.starts_with(&key), "{text:#?}");

    world
        .run(&["devices", "status", "not-remembered", &key], "")
        .ok();
    let listed = world.run(&["--json", "devices", "list"], "").ok().json();
    assert_eq!(
        listed["devices"][0]["attributes"]["device_status"], "not_remembered",
        "{listed}"
    );
    world.run(&["devices", "status", "remembered"], "").ok();
    let listed = world.run(&["--json", "devices", "list"], "").ok().json();
    assert_eq!(
        listed["devices"][0]["attributes"]["device_status"], "valid",
        "{listed}"
    );

    world.run(&["devices", "forget", &key], "").ok();
    let listed = world.run(&["--json", "devices", "list"], "").ok().json();
    assert_eq!(listed["devices"], serde_json::json!([]), "{listed}");
}

#[test]
fn password_forgot_confirm_then_change() {
    let world = World::emulator();
    let forgot = world
        .run(&["--json", "password", "forgot", "alice"], "")
        .ok()
        .json();
    assert_eq!(
        forgot["code_delivery"]["delivery_medium"], "EMAIL",
        "{forgot}"
    );
    let code = world.code("alice", CodePurpose::ForgotPassword);
    world
        .run(
            &["password", "confirm", "alice", &code, "--password-stdin"],
            "Reset-Passw0rd!\n",
        )
        .ok();
    world
        .run(&["sign-in", "alice"], &format!("{PASSWORD}\n"))
        .exit(3);
    world.sign_in("alice", "Reset-Passw0rd!");

    world
        .run(
            &["password", "change"],
            "Reset-Passw0rd!\nChanged-Passw0rd!\n",
        )
        .ok();
    world.run(&["sign-out"], "").ok();
    world.sign_in("alice", "Changed-Passw0rd!");
}

#[test]
fn totp_is_set_up_preferred_shown_then_asked_at_sign_in() {
    let world = World::emulator();
    world.sign_in("alice", PASSWORD);
    let mut setup = world.spawn(&["--json", "mfa", "setup-totp", "--device-name", "phone"]);
    let line = setup.expect_stderr("authenticator app: ");
    let secret = line.rsplit(": ").next().unwrap().trim().to_owned();
    let key = cognito_auth_emulator::totp::base32_decode(&secret).expect("a base32 secret");
    setup.send(&cognito_auth_emulator::totp::totp(&key, world.now_s()));
    assert_eq!(setup.finish().ok().json()["totp"], "verified");

    let prefer = world
        .run(&["--json", "mfa", "prefer", "totp"], "")
        .ok()
        .json();
    assert_eq!(prefer["preferred"], "totp");
    let shown = world.run(&["--json", "mfa", "show"], "").ok().json();
    assert_eq!(shown["preferred"], "SOFTWARE_TOKEN_MFA", "{shown}");
    assert_eq!(shown["enabled"], serde_json::json!(["SOFTWARE_TOKEN_MFA"]));
    assert_eq!(shown["username"], "alice");
    assert!(
        shown["first_factors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "PASSWORD"),
        "{shown}"
    );
    let text = world.run(&["mfa", "show"], "").ok().stdout;
    assert!(text.contains("preferred: SOFTWARE_TOKEN_MFA"), "{text}");
    world.run(&["sign-out"], "").ok();

    let mut sign_in = world.spawn(&["--json", "sign-in", "alice"]);
    sign_in.send(PASSWORD);
    sign_in.expect_stderr("confirmWithTotpCode");
    sign_in.send(&cognito_auth_emulator::totp::totp(&key, world.now_s()));
    let done = sign_in.finish().ok().json();
    assert_eq!(done["steps"], serde_json::json!(["confirmWithTotpCode"]));

    world.run(&["mfa", "prefer", "none"], "").ok();
    let local = world
        .run(&["--json", "sign-out", "--local"], "")
        .ok()
        .json();
    assert_eq!(local["local_only"], true, "{local}");
    let plain = world
        .run(&["--json", "sign-in", "alice"], &format!("{PASSWORD}\n"))
        .ok()
        .json();
    assert_eq!(plain["steps"], serde_json::json!([]), "MFA is off again");
}

#[test]
fn an_unreachable_endpoint_is_a_network_error() {
    let world = World::emulator();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_cognito-auth"));
    command.args([
        "--json",
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
    assert_eq!(run.json()["error"]["class"], "network");
}

#[test]
fn usage_errors_exit_with_2() {
    let world = World::emulator();
    world.run(&["sign-in"], "").exit(2);
    world.run(&["credentials", "--format", "yaml"], "").exit(2);
    world.run(&["attributes", "set", "novalue"], "").exit(2);
    // A password is never an argument.
    world.run(&["sign-in", "alice", PASSWORD], "").exit(2);
    // No configuration anywhere.
    let empty = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_cognito-auth"));
    command
        .args([
            "whoami",
            "--session",
            world.session("none").to_str().unwrap(),
        ])
        .current_dir(empty.path())
        .env_remove("COGNITO_AUTH_CONFIG");
    let run = common::run(&mut command, "").exit(2);
    assert!(run.stderr.contains("no configuration"), "{run:#?}");
}

#[test]
fn the_config_comes_from_the_environment_variable() {
    let world = World::emulator();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_cognito-auth"));
    command
        .args(["--json", "--endpoint", &world.endpoint, "--session"])
        .arg(world.session("env"))
        .arg("whoami")
        .env("COGNITO_AUTH_CONFIG", &world.config)
        .current_dir(std::env::temp_dir());
    let run = common::run(&mut command, "").ok();
    assert_eq!(
        run.json()["state"],
        "guest",
        "the identity pool allows guests"
    );
}

#[test]
fn very_verbose_output_holds_no_password_and_no_token() {
    let world = World::emulator();
    let sign_in = world
        .run(&["-vvv", "sign-in", "alice"], &format!("{PASSWORD}\n"))
        .ok();
    let tokens = world.run(&["-vvv", "--json", "tokens", "--force"], "").ok();
    let credentials = world
        .run(&["-vvv", "credentials", "--format", "json", "--force"], "")
        .ok();
    assert!(
        sign_in.stderr.contains("DEBUG"),
        "-vvv traces: {sign_in:#?}"
    );
    // The engine's calls and state changes are in the trace, by name.
    for needle in [
        "operation=\"InitiateAuth\"",
        "operation=\"RespondToAuthChallenge\"",
        "to=SignedIn",
    ] {
        assert!(sign_in.stderr.contains(needle), "{needle}: {sign_in:#?}");
    }
    // The refresh, and the identity-pool calls, whichever operations they are.
    for run in [&tokens, &credentials] {
        assert!(run.stderr.contains("call succeeded service="), "{run:#?}");
    }
    let doc = tokens.json();
    let mut secrets: Vec<String> = ["id_token", "access_token", "refresh_token"]
        .iter()
        .map(|k| doc[k].as_str().unwrap().to_owned())
        .collect();
    let creds = credentials.json();
    secrets.push(creds["secret_access_key"].as_str().unwrap().to_owned());
    secrets.push(creds["session_token"].as_str().unwrap().to_owned());
    for run in [&sign_in, &tokens, &credentials] {
        assert!(!run.stderr.contains(PASSWORD), "password in {}", run.stderr);
        assert!(!run.stderr.contains("eyJ"), "a JWT in {}", run.stderr);
        for secret in &secrets {
            assert!(
                !run.stderr.contains(secret.as_str()),
                "a secret in {}",
                run.stderr
            );
        }
    }
}

#[test]
fn watch_prints_the_current_state_first() {
    let world = World::emulator();
    world.sign_in("alice", PASSWORD);
    let line = world
        .spawn(&["--json", "watch"])
        .first_stdout_line_then_kill();
    let doc: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(doc, serde_json::json!({"from": null, "state": "signedIn"}));
}

#[test]
fn watch_ends_normally_on_sigint_and_sigterm() {
    let world = World::emulator();
    world.sign_in("alice", PASSWORD);
    for signal in ["INT", "TERM"] {
        let (line, code) = world
            .spawn(&["watch"])
            .first_stdout_line_then_signal(signal);
        assert_eq!(line.trim(), "state: signedIn");
        assert_eq!(code, Some(0), "SIG{signal}");
    }
    // The session survived both.
    let who = world.run(&["--json", "whoami"], "").ok().json();
    assert_eq!(who["state"], "signedIn", "{who}");
}

#[test]
fn federate_reads_the_token_from_stdin_and_gets_credentials() {
    use base64::Engine as _;
    let world = World::emulator();
    let b64 = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let token = format!(
        "{}.{}.sig",
        b64(r#"{"alg":"RS256","typ":"JWT"}"#),
        b64(r#"{"sub":"google-user-1","aud":"google-client"}"#)
    );
    // The emulator cannot ask Google: the test says which token Google issued.
    world.emulator.as_ref().unwrap().shared().with(|e| {
        e.register_provider_token(
            "accounts.google.com",
            &token,
            cognito_auth_emulator::ProviderToken::new("google-user-1"),
        )
    });
    let fed = world
        .run(
            &["--json", "federate", "accounts.google.com", "--token-stdin"],
            &format!("{token}\n"),
        )
        .ok()
        .json();
    assert_eq!(fed["state"], "federated", "{fed}");
    let identity = fed["identity_id"].as_str().unwrap().to_owned();
    let whoami = world.run(&["--json", "whoami"], "").ok().json();
    assert_eq!(whoami["state"], "federated");
    assert_eq!(whoami["identity_id"], identity.as_str());
    let process = world
        .run(&["credentials", "--format", "process"], "")
        .ok()
        .json();
    assert_eq!(process["Version"], 1);
    // The same provider subject maps to the same identity.
    let again = world
        .run_as(
            "again",
            &["--json", "federate", "accounts.google.com"],
            &format!("{token}\n"),
        )
        .ok()
        .json();
    assert_eq!(again["identity_id"], identity.as_str());
    // A provider the pool does not trust: the identity pool refuses.
    world
        .run_as(
            "bad",
            &["federate", "graph.facebook.com"],
            &format!("{token}\n"),
        )
        .exit(5);
}

/// One session file, two apps (two app clients of one pool, as a dev and a prod configuration
/// sharing `--session` would be): the other app starts signed out instead of handing out this
/// app's tokens, and starting it does not write over this app's session.
#[test]
fn a_session_file_of_another_app_client_is_not_used_nor_overwritten() {
    let world = World::emulator();
    world.sign_in("alice", PASSWORD);
    let mine = world.run(&["--json", "whoami"], "").ok().json();
    assert_eq!(mine["state"], "signedIn", "{mine}");

    world.configure_client(common::OTHER_CLIENT_ID);
    let other = world.run(&["-vv", "tokens"], "").exit(6);
    assert!(
        other.stderr.contains("another app's") && other.stderr.contains(common::CLIENT_ID),
        "says why at -vv: {}",
        other.stderr
    );

    world.configure_client(common::CLIENT_ID);
    let again = world.run(&["--json", "whoami"], "").ok().json();
    assert_eq!(again["state"], "signedIn", "{again}");
    assert_eq!(again["username"], "alice", "{again}");
    assert_eq!(again["identity_id"], mine["identity_id"], "{again}");
}

//! Replay: a session's inputs, written as JSON lines and read back, drive a fresh machine with
//! the same configuration and seed to byte-identical outputs. Covers scripted flows (SRP
//! verified by a real SRP server, SMS MFA, refresh, network failure and retry, identity-pool
//! credentials, sign-out), random sessions from the model's generator, and the fuzz corpus in
//! `fuzz/corpus/machine/` (so it runs in CI without nightly).

// Test helpers outside `#[test]` functions: a failed expectation is a test failure.
#![allow(clippy::expect_used, clippy::panic)]

mod common;
#[path = "model/mod.rs"]
mod model;

use std::path::PathBuf;

use cognito_auth_machine::cognito::{StringMap, UserPoolRequest};
use cognito_auth_machine::*;
use common::*;
use model::driver::{
    decode_session, outputs_json, replay as replay_driver, run_decoded, run_session, Checks,
    ConfigChoice, Driver, Reply, Step,
};
use model::strategy::Model;
use proptest::test_runner::Config as ProptestConfig;
use proptest_state_machine::ReferenceStateMachine;

/// Serialises `inputs` as JSON lines, reads them back, feeds them to a fresh machine built
/// like the original, and returns its outputs as JSON lines (the initial LoadSession effect
/// included).
fn replay_log(config: Config, seed: [u8; 32], inputs: &[Input]) -> String {
    let log: String = inputs
        .iter()
        .map(|i| {
            secret::expose_secrets_while(|| serde_json::to_string(i)).expect("inputs serialize")
                + "\n"
        })
        .collect();
    let mut m = Machine::new(config, seed);
    let mut outputs: Vec<Output> = std::iter::from_fn(|| m.poll_output()).collect();
    for line in log.lines() {
        let input: Input = serde_json::from_str(line).expect("a logged input reads back");
        outputs.extend(m.handle(input));
    }
    outputs_json(&outputs)
}

/// What the harness saw: the machine's first output (LoadSession) then every step's outputs.
fn recorded_outputs(config: Config, h: &Harness) -> String {
    let mut first = Machine::new(config, h.seed);
    let mut outputs: Vec<Output> = std::iter::from_fn(|| first.poll_output()).collect();
    outputs.extend(h.trace.iter().flat_map(|s| s.outputs.clone()));
    outputs_json(&outputs)
}

fn assert_replays(config: Config, h: &Harness) {
    assert_eq!(h.log.len(), h.trace.len(), "every input has its trace step");
    let original = recorded_outputs(config.clone(), h);
    let replayed = replay_log(config, h.seed, &h.log);
    assert!(
        original.lines().count() > h.log.len(),
        "the session did something"
    );
    assert_eq!(
        replayed, original,
        "replayed outputs differ from the original run"
    );
}

fn auth_params(req: &UserPoolRequest) -> StringMap {
    if let Some(parameters) = req.auth_parameters() {
        return parameters.expose().clone();
    }
    match req {
        UserPoolRequest::RespondToAuthChallenge {
            challenge_responses,
            ..
        } => challenge_responses.expose().clone(),
        other => panic!("not an auth request: {}", other.operation()),
    }
}

/// SRP sign-in verified by the server, a scheduled refresh that fails for lack of network and
/// succeeds on retry, then a global sign-out with revocation.
#[test]
fn srp_sign_in_refresh_network_retry_and_sign_out_replay_identically() {
    let config = config_user_pool();
    let mut h = Harness::new(config.clone(), None);
    let server = SrpServer::new("alice", "correct horse");
    let op = h.call(h.sign_in_call("alice", "correct horse"));
    let (id, req) = h.take_user_pool("InitiateAuth");
    let srp_a = auth_params(&req)["SRP_A"].clone();
    h.advance_ms(40);
    h.complete(id, server.challenge("alice"));
    h.run_srp();
    let (id, req) = h.take_user_pool("RespondToAuthChallenge");
    assert!(
        server.check(&srp_a, &auth_params(&req)),
        "the server accepts the claim"
    );
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("alice", now, 3600, 1)));
    h.assert_signed_in_answer(op);

    // The refresh timer fires; the network is down; the retry succeeds.
    h.fire(TimerKind::TokensDue);
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, network_error());
    let waiting = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    h.fire(TimerKind::RetryTokens);
    let (id, _) = h.take_user_pool("InitiateAuth");
    let now = h.now_s();
    let mut refreshed = auth_result("alice", now, 3600, 2);
    refreshed.refresh_token = None;
    h.complete(id, tokens_response(refreshed));
    let tokens = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    assert!(matches!(h.reply(waiting), Some(Ok(Answer::Tokens(_)))));
    assert!(matches!(h.reply(tokens), Some(Ok(Answer::Tokens(_)))));

    let out = h.call(ApiCall::SignOut(SignOutOptions {
        global: true,
        revoke: true,
        hosted_ui: false,
    }));
    let (id, _) = h.take_user_pool("GlobalSignOut");
    h.complete(
        id,
        EffectResult::UserPool(Ok(cognito::UserPoolResponse::Empty)),
    );
    let (id, _) = h.take_user_pool("RevokeToken");
    h.complete(id, service_error("UnsupportedOperationException"));
    assert!(matches!(h.reply(out), Some(Ok(Answer::SignedOut(_)))));
    assert_eq!(h.m.user_state(), UserState::SignedOut);

    assert_replays(config, &h);
}

/// USER_PASSWORD_AUTH with SMS MFA (a wrong code, then the right one), identity-pool
/// credentials, and a refresh rejected with NotAuthorized.
#[test]
fn mfa_credentials_and_rejected_refresh_replay_identically() {
    let config = config_full();
    let mut h = Harness::new(config.clone(), None);
    h.call(ApiCall::SignIn {
        username: "bob".into(),
        password: Some(Secret::new("pw".into())),
        flow: Some(AuthFlow::UserPasswordAuth),
        preferred_challenge: None,
        client_metadata: Default::default(),
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(
        id,
        challenge(
            "SMS_MFA",
            &[("CODE_DELIVERY_DELIVERY_MEDIUM", "SMS")],
            Some("s1"),
        ),
    );
    h.call(Harness::confirm_call("000000"));
    let (id, _) = h.take_user_pool("RespondToAuthChallenge");
    h.complete(id, service_error("CodeMismatchException"));
    let right = h.call(Harness::confirm_call("123456"));
    let (id, _) = h.take_user_pool("RespondToAuthChallenge");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("bob", now, 3600, 1)));
    h.assert_signed_in_answer(right);

    let creds = h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    });
    let (id, _) = h.take_identity("GetId");
    h.complete(
        id,
        EffectResult::Identity(Ok(cognito::IdentityResponse::IdentityId {
            identity_id: "us-east-1:bob".into(),
        })),
    );
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    let now = h.now_s();
    h.complete(id, credentials("us-east-1:bob", now + 3600));
    assert!(matches!(
        h.reply(creds),
        Some(Ok(Answer::Credentials { .. }))
    ));

    h.advance_ms(3_600_000);
    let late = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, service_error("NotAuthorizedException"));
    assert_eq!(h.m.user_state(), UserState::SignedOutUserPoolsTokenInvalid);
    h.call(ApiCall::ReleaseSignInWait);
    assert_eq!(h.reply(late), Some(&Err(AuthError::SignInWaitReleased)));

    assert_replays(config, &h);
}

fn first_srp_a(seed: [u8; 32]) -> String {
    let mut d = Driver::new(ConfigChoice::UserPool, seed);
    d.step(&Step::SignIn { user: 0, srp: true });
    // The SRP_A task, run by the driver's SRP executor.
    d.step(&Step::Answer {
        nth: 0,
        reply: Reply::Ok { ttl_s: 3600 },
    });
    d.outstanding
        .iter()
        .find_map(|o| match &o.effect {
            Effect::UserPool {
                request:
                    UserPoolRequest::InitiateAuth {
                        auth_parameters, ..
                    },
            } => auth_parameters.expose().get("SRP_A").cloned(),
            _ => None,
        })
        .expect("an SRP sign-in sends SRP_A with InitiateAuth")
}

/// The seed is what makes SRP ephemerals differ: a machine that ignored it (or drew from the
/// OS) would fail one of these.
#[test]
fn the_seed_decides_the_srp_ephemeral() {
    let a = first_srp_a([1; 32]);
    assert_eq!(a, first_srp_a([1; 32]), "same seed, same ephemeral");
    assert_ne!(a, first_srp_a([2; 32]), "another seed, another SRP_A");
}

/// A log replayed into a machine with another seed must not reproduce the run (the log alone
/// does not determine the outputs: the seed is part of the recording).
#[test]
fn replaying_with_another_seed_diverges() {
    let steps = [
        Step::SignIn { user: 0, srp: true },
        Step::Answer {
            nth: 0,
            reply: model::driver::Reply::Ok { ttl_s: 3600 },
        },
    ];
    let d = run_session(ConfigChoice::UserPool, [3; 32], &steps);
    let log = d.input_log();
    assert_eq!(
        replay_driver(ConfigChoice::UserPool, [3; 32], &log),
        d.output_log()
    );
    assert_ne!(
        replay_driver(ConfigChoice::UserPool, [4; 32], &log),
        d.output_log()
    );
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
}

proptest::proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Random sessions from the model's generator replay to identical outputs. The machine's
    /// other promises are the model test's business; here only determinism is checked.
    #[test]
    fn generated_sessions_replay_identically(
        (state, steps, _) in Model::sequential_strategy(1..60)
    ) {
        let mut d = Driver::restoring(Checks::NONE, state.config, state.stored, state.seed_bytes());
        for s in &steps {
            d.step(s);
        }
        d.finish();
        let log = d.input_log();
        proptest::prop_assert_eq!(
            replay_driver(state.config, state.seed_bytes(), &log),
            d.output_log()
        );
    }
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/machine")
}

/// Every file of the fuzz corpus, run as the fuzz target runs it: every promise checked after
/// every input, the liveness phase, and an identical replay.
#[test]
fn fuzz_corpus_sessions_keep_every_promise_and_replay() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("fuzz/corpus/machine exists")
        .map(|e| e.expect("a readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 4, "the corpus has its seed files");
    for path in files {
        // The no-IO rule is the machine's; the test reads its corpus.
        #[allow(clippy::disallowed_methods)]
        let bytes = std::fs::read(&path).expect("a readable corpus file");
        let session = decode_session(&bytes);
        let run = std::panic::catch_unwind(|| run_decoded(&session));
        let d = run.unwrap_or_else(|_| panic!("corpus file {} broke a promise", path.display()));
        assert_eq!(
            replay_driver(session.config, session.seed, &d.input_log()),
            d.output_log(),
            "corpus file {} does not replay",
            path.display()
        );
    }
}

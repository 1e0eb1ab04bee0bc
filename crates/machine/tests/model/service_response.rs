//! The `service_response` fuzz target's check (`fuzz/fuzz_targets/service_response.rs`
//! includes this file and `driver.rs` by path; `tests/fuzz_corpus.rs` replays the committed
//! corpus through it).
//!
//! The first byte picks a scenario that leaves the machine waiting on a service call (a
//! sign-in, a refresh, an identity-pool call, a user-attribute read, a global sign-out, a
//! federated sign-in); the rest is JSON lines, each an [`EffectResult`] that answers the
//! oldest outstanding effect, whatever it asked. Lines that are not an `EffectResult` are
//! skipped. Every promise the driver checks holds after each answer (nobody signed out without
//! a sign-out or a definitive rejection, every call answered once, no expired tokens handed
//! out, serde round trips), the liveness phase answers every call, and the recorded inputs
//! replay to the same outputs.
#![allow(dead_code, unreachable_pub, missing_docs)]
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use cognito_auth_machine::EffectResult;

use super::driver::{replay, Checks, ConfigChoice, Driver, Reply, Step};

/// At most this many answers per input: each may start SRP work.
const MAX_ANSWERS: usize = 16;

fn ok() -> Step {
    Step::Answer {
        nth: 0,
        reply: Reply::Ok { ttl_s: 3600 },
    }
}

/// The scenarios: a configuration and the steps that leave a call outstanding.
fn scenario(n: u8) -> (ConfigChoice, Vec<Step>) {
    let sign_in = |srp| Step::SignIn { user: 0, srp };
    let signed_in = vec![sign_in(false), ok()];
    let with = |mut steps: Vec<Step>, more: &[Step]| {
        steps.extend_from_slice(more);
        steps
    };
    match n % 8 {
        // SRP_A first (computed by the SRP task), then InitiateAuth is outstanding.
        0 => (ConfigChoice::UserPool, vec![sign_in(true), ok()]),
        1 => (ConfigChoice::UserPool, vec![sign_in(false)]),
        2 => (
            ConfigChoice::UserPool,
            with(
                signed_in,
                &[Step::Advance { secs: 7200 }, Step::Tokens { force: false }],
            ),
        ),
        3 => (
            ConfigChoice::WithGuests,
            vec![Step::Credentials { force: false }],
        ),
        4 => (
            ConfigChoice::NoGuests,
            with(signed_in, &[Step::Credentials { force: true }]),
        ),
        5 => (
            ConfigChoice::UserPool,
            with(signed_in, &[Step::FetchUserAttributes]),
        ),
        6 => (
            ConfigChoice::UserPool,
            with(
                signed_in,
                &[Step::SignOut {
                    global: true,
                    revoke: true,
                }],
            ),
        ),
        _ => (
            ConfigChoice::WithGuests,
            vec![Step::FederatedSignIn { empty_token: false }],
        ),
    }
}

pub fn check(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let (config, steps) = scenario(first);
    let seed = [first; 32];
    // Arbitrary answers carry tokens of anyone: the user model does not apply.
    let checks = Checks {
        agrees_with_model: false,
        ..Checks::ALL
    };
    let mut d = Driver::new_checking(checks, config, seed);
    for step in &steps {
        d.step(step);
    }
    let text = String::from_utf8_lossy(rest);
    let results = text
        .lines()
        .filter_map(|line| serde_json::from_str::<EffectResult>(line).ok())
        .take(MAX_ANSWERS);
    for result in results {
        if d.outstanding.is_empty() {
            break;
        }
        d.answer_with(0, result);
    }
    d.finish();
    assert_eq!(
        replay(config, seed, &d.input_log()),
        d.output_log(),
        "the recorded inputs replay to the same outputs"
    );
}

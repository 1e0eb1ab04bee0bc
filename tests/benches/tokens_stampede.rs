//! 10,000 concurrent `tokens()` at expiry (issue 16): how many REFRESH_TOKEN_AUTH calls the
//! engine makes (must be 1) and how long each caller waits.
//!
//! One engine signs in against the in-process emulator (over loopback HTTP), the emulator's
//! clock (which the engine's wall clock follows) jumps two hours past the tokens' expiry, and
//! 10,000 tasks call `tokens()` at once. Each task's wait runs from just before its first poll
//! to its answer. The refresh count comes from replaying the engine's event log.
//!
//! Run: `cargo bench -p cognito-auth-tests --bench tokens_stampede` (a few seconds).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::cast_precision_loss,
    missing_docs
)]

use cognito_auth_tests as common;

use std::time::{Duration, Instant};

use cognito_auth::machine::cognito::UserPoolRequest;
use cognito_auth::machine::output::Effect;
use cognito_auth::machine::{AuthFlow, Output};
use cognito_auth::{SignInOptions, UserState};
use common::start_emulator;

const CALLERS: usize = 10_000;
const ROUNDS: usize = 3;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn refreshes_in_log(path: &std::path::Path) -> usize {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    cognito_auth::replay(file)
        .unwrap()
        .iter()
        .filter(|o| {
            matches!(
                o,
                Output::Effect {
                    effect: Effect::UserPool {
                        request: UserPoolRequest::RefreshTokenAuth { .. },
                    },
                    ..
                }
            )
        })
        .count()
}

async fn round(round: usize) {
    let world = start_emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("events.jsonl");
    let auth = world
        .builder(AuthFlow::UserSrpAuth)
        .event_log(&log)
        .build()
        .unwrap();
    auth.watch_user_state()
        .wait_for(|s| *s == UserState::SignedOut)
        .await
        .unwrap();
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    let old = auth
        .tokens()
        .await
        .unwrap()
        .access_token
        .expose()
        .to_owned();
    world.advance_clock_s(2 * 3600);

    let start = Instant::now();
    let calls: Vec<_> = (0..CALLERS)
        .map(|_| {
            let auth = auth.clone();
            tokio::spawn(async move {
                let asked = Instant::now();
                let tokens = auth.tokens().await.unwrap();
                (asked.elapsed(), tokens.access_token.expose().to_owned())
            })
        })
        .collect();
    let mut waits = Vec::with_capacity(CALLERS);
    let mut fresh = None;
    for call in calls {
        let (wait, token) = call.await.unwrap();
        assert_ne!(token, old, "a caller got the expired token");
        fresh.get_or_insert(token.clone());
        assert_eq!(Some(&token), fresh.as_ref(), "callers got different tokens");
        waits.push(wait);
    }
    let all = start.elapsed();
    auth.shutdown().await;
    waits.sort();
    println!(
        "round {round}: refresh calls (event log) = {}; {CALLERS} callers answered in {:.1} ms; \
         wait p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        refreshes_in_log(&log),
        all.as_secs_f64() * 1e3,
        percentile(&waits, 0.50).as_secs_f64() * 1e3,
        percentile(&waits, 0.99).as_secs_f64() * 1e3,
        waits[waits.len() - 1].as_secs_f64() * 1e3,
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("tokens() stampede: {CALLERS} concurrent callers at expiry, tokio 2 workers");
    for r in 1..=ROUNDS {
        runtime.block_on(round(r));
    }
}

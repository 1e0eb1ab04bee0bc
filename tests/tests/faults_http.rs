//! The engine's main flows against the emulator over HTTP with its fault rules on: 5xx,
//! throttling, connections dropped mid-answer and answers slower than the request timeout, on
//! every operation. Every session survives: nobody is signed out, every call is answered
//! (with tokens or a retryable error) in bounded time, and once the faults stop every session
//! gets fresh tokens the service accepts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use cognito_auth_tests as common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cognito_auth::machine::config::IdentityPoolConfig;
use cognito_auth::machine::AuthFlow;
use cognito_auth::{Auth, Error, FetchOptions, SignInOptions, SignInStep, UserState};
use cognito_auth_emulator::faults::{FaultKind, FaultRule, Faults};
use tokio_stream::StreamExt as _;

/// Longest any one call may take under faults (retries included).
const CALL_BOUND: Duration = Duration::from_secs(30);
/// The engine gives up on a request after this; the slow rule answers later.
const REQUEST_TIMEOUT_MS: u64 = 400;

fn rule(kind: FaultKind, probability: f64) -> FaultRule {
    FaultRule {
        operation: "*".to_owned(),
        kind,
        probability,
        latency_ms: if kind == FaultKind::Latency {
            3 * REQUEST_TIMEOUT_MS
        } else {
            0
        },
    }
}

/// Roughly half of all requests fail, in every way the emulator knows.
fn harsh_faults(seed: u64) -> Faults {
    Faults::new(
        seed,
        vec![
            rule(FaultKind::ServerError, 0.15),
            rule(FaultKind::Throttle, 0.15),
            rule(FaultKind::Drop, 0.15),
            rule(FaultKind::Latency, 0.1),
        ],
    )
}

/// An engine with the identity pool, short retry delays (so the test does not wait minutes
/// through backoff) and a short request timeout, its wall clock following the emulator's.
fn engine(world: &common::EmulatorWorld) -> Auth {
    let mut config = common::config(&world.pool, AuthFlow::UserSrpAuth);
    config.identity_pool = Some(IdentityPoolConfig {
        pool_id: world.identity_pool_id.clone(),
        region: "us-east-1".to_owned(),
        allow_guest: true,
    });
    config.tuning.retry_base_ms = 50;
    config.tuning.retry_max_ms = 400;
    config.tuning.request_timeout_ms = REQUEST_TIMEOUT_MS;
    let shared = Arc::clone(world.server.shared());
    Auth::builder()
        .config(config)
        .endpoint_url(world.server.endpoint())
        .request_timeout(Duration::from_millis(REQUEST_TIMEOUT_MS))
        .unix_clock(move || i64::try_from(shared.now().0).unwrap_or(i64::MAX))
        .build()
        .unwrap()
}

/// Every user state the engine publishes, from now on.
fn record_states(auth: &Auth) -> Arc<Mutex<Vec<UserState>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut changes = auth.subscribe();
    let sink = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Some(change) = changes.next().await {
            sink.lock().unwrap().push(change.to);
        }
    });
    seen
}

async fn bounded<T>(what: &str, call: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(CALL_BOUND, call)
        .await
        .unwrap_or_else(|_| panic!("{what} not answered within {CALL_BOUND:?} under faults"))
}

/// Signs in, retrying what the faults make fail (each attempt bounded).
async fn sign_in_through_faults(auth: &Auth) {
    for _ in 0..40 {
        match bounded(
            "sign_in",
            auth.sign_in("alice", "Passw0rd!", SignInOptions::default()),
        )
        .await
        {
            Ok(out) => {
                assert_eq!(out.next_step, SignInStep::Done);
                return;
            }
            Err(e) => assert!(e.is_retryable(), "sign-in failed for good: {e:?}"),
        }
    }
    panic!("40 sign-in attempts all failed");
}

/// A token or credentials answer under faults: a value, or an error worth retrying.
fn answered_or_retryable<T: std::fmt::Debug>(what: &str, result: Result<T, Error>) -> bool {
    match result {
        Ok(_) => true,
        Err(e) => {
            assert!(
                e.is_retryable(),
                "{what} failed for good under faults: {e:?}"
            );
            false
        }
    }
}

/// The call's value once the faults have stopped. A request sent while they were on may still
/// be in flight (a slow answer the engine is waiting out), and callers that join it get its
/// retryable error: a few attempts are allowed, no more.
async fn once_faults_stop<T, F>(what: &str, call: impl Fn() -> F) -> T
where
    F: std::future::Future<Output = Result<T, Error>>,
{
    for _ in 0..5 {
        match bounded(what, call()).await {
            Ok(value) => return value,
            Err(e) => assert!(e.is_retryable(), "{what} failed for good: {e:?}"),
        }
        tokio::time::sleep(Duration::from_millis(3 * REQUEST_TIMEOUT_MS)).await;
    }
    panic!("{what} still fails 5 attempts after the faults stopped");
}

/// Tokens fresh on the emulator's clock, accepted by the service.
async fn fresh_and_accepted(world: &common::EmulatorWorld, auth: &Auth) {
    let now_s = i64::try_from(world.server.shared().now().0 / 1000).unwrap();
    let tokens = once_faults_stop("tokens", || auth.tokens()).await;
    assert!(
        tokens.expires_at_s > now_s,
        "expired tokens after the faults stopped"
    );
    once_faults_stop("fetch_user_attributes", || auth.fetch_user_attributes()).await;
    let credentials = once_faults_stop("aws_credentials", || auth.aws_credentials()).await;
    assert!(credentials.credentials.expiration_s > now_s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_survive_5xx_throttling_drops_and_timeouts() {
    let world = common::start_emulator().await;
    let sessions: Vec<Auth> = (0..3).map(|_| engine(&world)).collect();
    world.server.shared().set_faults(harsh_faults(7));
    let mut states = Vec::new();
    for auth in &sessions {
        sign_in_through_faults(auth).await;
        states.push(record_states(auth));
    }

    let mut answered = 0;
    for round in 0..6 {
        // Tokens and credentials expire between rounds: every round refreshes both.
        world.advance_clock_s(2 * 3600);
        for auth in &sessions {
            let calls = (0..3).map(|i| {
                let auth = auth.clone();
                async move {
                    let force = FetchOptions::default();
                    let force = if i == 0 { force.force_refresh() } else { force };
                    (
                        bounded("tokens", auth.tokens_with(force)).await,
                        bounded("aws_credentials", auth.aws_credentials()).await,
                    )
                }
            });
            for (tokens, credentials) in futures_join_all(calls).await {
                answered += usize::from(answered_or_retryable("tokens", tokens));
                answered += usize::from(answered_or_retryable("credentials", credentials));
            }
            assert_eq!(auth.user_state(), UserState::SignedIn, "round {round}");
        }
    }
    assert!(answered > 0, "no call succeeded under faults");

    world.server.shared().set_faults(Faults::none());
    for (auth, seen) in sessions.iter().zip(&states) {
        fresh_and_accepted(&world, auth).await;
        assert_eq!(auth.user_state(), UserState::SignedIn);
        let seen = seen.lock().unwrap().clone();
        assert!(
            seen.iter().all(|s| *s == UserState::SignedIn),
            "a session left SignedIn under faults: {seen:?}"
        );
    }
}

/// The rules set over HTTP (`POST /_emulator/faults`) apply the same way, and an offline spell
/// of timeouts only (every request slower than the engine waits) signs nobody out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spell_of_timeouts_set_over_http_signs_nobody_out() {
    let world = common::start_emulator().await;
    let auth = engine(&world);
    sign_in_through_faults(&auth).await;
    let seen = record_states(&auth);

    let rules = serde_json::json!({"seed": 3, "rules": [
        {"operation": "*", "kind": "latency", "latency_ms": 3 * REQUEST_TIMEOUT_MS}
    ]});
    post_json(&world, "/_emulator/faults", &rules).await;
    world.advance_clock_s(2 * 3600);
    for _ in 0..3 {
        let result = bounded("tokens", auth.tokens()).await;
        assert!(
            matches!(&result, Err(e) if e.is_retryable()),
            "every request times out: {result:?}"
        );
    }
    assert_eq!(auth.user_state(), UserState::SignedIn);

    delete(&world, "/_emulator/faults").await;
    fresh_and_accepted(&world, &auth).await;
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().all(|s| *s == UserState::SignedIn), "{seen:?}");
}

async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

async fn admin_request(world: &common::EmulatorWorld, method: &str, path: &str, body: &str) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let endpoint = world.server.endpoint();
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{method} {path}: {answer}"
    );
}

async fn post_json(world: &common::EmulatorWorld, path: &str, body: &serde_json::Value) {
    admin_request(world, "POST", path, &body.to_string()).await;
}

async fn delete(world: &common::EmulatorWorld, path: &str) {
    admin_request(world, "DELETE", path, "").await;
}

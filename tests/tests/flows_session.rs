//! End-to-end session flows against the emulator over HTTP: a revoked refresh token leaves the
//! callers of `tokens()` waiting for a new sign-in (or for `release_sign_in_wait`), a global
//! sign-out by one app instance is seen by another, and concurrent callers at expiry share one
//! refresh.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use cognito_auth_tests as common;

use cognito_auth::machine::cognito::UserPoolRequest;
use cognito_auth::machine::output::Effect;
use cognito_auth::machine::{AuthFlow, Output};
use cognito_auth::{
    AppError, Auth, Error, FetchOptions, SignInOptions, SignInStep, SignOutOptions, Tokens,
    UserState,
};
use common::{start_emulator, EmulatorWorld, EMU_POOL_ID};
use tokio::task::JoinHandle;

async fn wait_for_state(auth: &Auth, state: UserState) {
    let mut rx = auth.watch_user_state();
    rx.wait_for(|s| *s == state).await.unwrap();
}

async fn signed_in(world: &EmulatorWorld) -> Auth {
    let auth = world.builder(AuthFlow::UserSrpAuth).build().unwrap();
    wait_for_state(&auth, UserState::SignedOut).await;
    assert_eq!(
        auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
            .await
            .unwrap()
            .next_step,
        SignInStep::Done
    );
    auth
}

/// Invalidates every session of `alice` at the emulator, as an administrator would.
fn admin_global_sign_out(world: &EmulatorWorld) {
    let shared = world.server.shared();
    let now = shared.now();
    shared
        .with(|e| {
            e.handle(
                "AWSCognitoIdentityProviderService.AdminUserGlobalSignOut",
                &serde_json::json!({"UserPoolId": EMU_POOL_ID, "Username": "alice"}),
                now,
            )
        })
        .unwrap();
}

fn spawn_tokens(auth: &Auth, n: usize) -> Vec<JoinHandle<Result<Tokens, Error>>> {
    (0..n)
        .map(|_| {
            let auth = auth.clone();
            tokio::spawn(async move { auth.tokens().await })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_waiting_after_a_revoked_refresh_token_get_the_tokens_of_the_next_sign_in() {
    let world = start_emulator().await;
    let auth = signed_in(&world).await;
    let old = auth.tokens().await.unwrap();
    admin_global_sign_out(&world);
    world.advance_clock_s(2 * 3600);

    let waiting = spawn_tokens(&auth, 3);
    wait_for_state(&auth, UserState::SignedOutUserPoolsTokenInvalid).await;
    assert!(
        waiting.iter().all(|h| !h.is_finished()),
        "callers must wait for a new sign-in"
    );

    assert_eq!(
        auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
            .await
            .unwrap()
            .next_step,
        SignInStep::Done
    );
    assert_eq!(auth.user_state(), UserState::SignedIn);
    let fresh = auth.tokens().await.unwrap();
    assert_ne!(fresh.access_token.expose(), old.access_token.expose());
    for handle in waiting {
        let tokens = handle.await.unwrap().unwrap();
        assert_eq!(tokens.access_token.expose(), fresh.access_token.expose());
    }
    // The new tokens are accepted by the service.
    auth.fetch_user_attributes().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn releasing_the_sign_in_wait_answers_the_waiting_callers_with_an_error() {
    let world = start_emulator().await;
    let auth = signed_in(&world).await;
    admin_global_sign_out(&world);
    world.advance_clock_s(2 * 3600);

    let mut waiting = spawn_tokens(&auth, 3);
    wait_for_state(&auth, UserState::SignedOutUserPoolsTokenInvalid).await;
    // A release answers the callers waiting at that moment; a spawned caller whose call reaches
    // the engine later waits again (as in AWSMobileClient), so release until all have answered.
    let mut answers = Vec::new();
    for _ in 0..100 {
        auth.release_sign_in_wait().await.unwrap();
        let mut still_waiting = Vec::new();
        for mut handle in waiting {
            match tokio::time::timeout(std::time::Duration::from_millis(20), &mut handle).await {
                Ok(joined) => answers.push(joined.unwrap()),
                Err(_) => still_waiting.push(handle),
            }
        }
        waiting = still_waiting;
        if waiting.is_empty() {
            break;
        }
    }
    assert!(
        waiting.is_empty(),
        "callers still waiting after repeated releases"
    );
    assert_eq!(answers.len(), 3);
    for answer in answers {
        assert_eq!(
            answer.unwrap_err(),
            Error::App(AppError::SignInWaitReleased)
        );
    }
    assert_eq!(auth.user_state(), UserState::SignedOutUserPoolsTokenInvalid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_global_sign_out_by_one_instance_invalidates_the_session_of_another() {
    let world = start_emulator().await;
    let a = signed_in(&world).await;
    let b = signed_in(&world).await;
    b.fetch_user_attributes().await.unwrap();

    a.sign_out(SignOutOptions {
        global: true,
        revoke: false,
        hosted_ui: false,
    })
    .await
    .unwrap();
    assert_eq!(a.user_state(), UserState::SignedOut);
    assert_eq!(b.user_state(), UserState::SignedIn);

    // B's next refresh is refused: B drops its session and waits for a new sign-in.
    let waiting = {
        let b = b.clone();
        tokio::spawn(async move { b.tokens_with(FetchOptions::default().force_refresh()).await })
    };
    wait_for_state(&b, UserState::SignedOutUserPoolsTokenInvalid).await;
    b.release_sign_in_wait().await.unwrap();
    assert_eq!(
        waiting.await.unwrap().unwrap_err(),
        Error::App(AppError::SignInWaitReleased)
    );
    assert_eq!(b.user_state(), UserState::SignedOutUserPoolsTokenInvalid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_callers_at_expiry_share_one_refresh() {
    let world = start_emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("events.jsonl");
    let auth = world
        .builder(AuthFlow::UserSrpAuth)
        .event_log(&log)
        .build()
        .unwrap();
    wait_for_state(&auth, UserState::SignedOut).await;
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    let old = auth.tokens().await.unwrap();
    world.advance_clock_s(2 * 3600);

    let results: Vec<Tokens> = futures_join(spawn_tokens(&auth, 10)).await;
    let first = results[0].access_token.expose().to_owned();
    assert_ne!(
        first,
        *old.access_token.expose(),
        "expired tokens must be refreshed"
    );
    assert!(results.iter().all(|t| *t.access_token.expose() == first));
    drop(auth);

    let file = std::io::BufReader::new(std::fs::File::open(&log).unwrap());
    let outputs = cognito_auth::replay(file).unwrap();
    let refreshes = outputs
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
        .count();
    assert_eq!(refreshes, 1);
}

async fn futures_join(handles: Vec<JoinHandle<Result<Tokens, Error>>>) -> Vec<Tokens> {
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap().unwrap());
    }
    out
}

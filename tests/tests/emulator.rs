//! The engine against the project's emulator, which verifies SRP proofs, expires tokens on its
//! own clock and issues identity-pool credentials.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use cognito_auth_tests as common;

use cognito_auth::machine::Answer;
use cognito_auth::machine::AuthFlow;
use cognito_auth::machine::Output;
use cognito_auth::{
    Error, FileStore, SignInOptions, SignInStep, SignOutOptions, UserError, UserState,
};
use common::start_emulator;

async fn settled(auth: &cognito_auth::Auth) -> UserState {
    let mut rx = auth.watch_user_state();
    let state = *rx.wait_for(|s| *s != UserState::Unknown).await.unwrap();
    state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srp_sign_in_rejects_a_wrong_password_and_accepts_the_right_one() {
    let world = start_emulator().await;
    let auth = world.builder(AuthFlow::UserSrpAuth).build().unwrap();
    assert_eq!(settled(&auth).await, UserState::SignedOut);

    let err = auth
        .sign_in("alice", "not-the-password", SignInOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::User(UserError::NotAuthorized { .. })),
        "{err:?}"
    );
    assert_eq!(auth.user_state(), UserState::SignedOut);

    let step = auth
        .sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap()
        .next_step;
    assert_eq!(step, SignInStep::Done);
    assert_eq!(auth.user_state(), UserState::SignedIn);
    let tokens = auth.tokens().await.unwrap();
    assert_eq!(&*tokens.username, "alice");
    let attributes = auth.fetch_user_attributes().await.unwrap();
    assert!(
        attributes.iter().any(|a| a.name == "email"),
        "{attributes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_refreshed_after_the_clock_passes_their_expiry() {
    let world = start_emulator().await;
    let auth = world.builder(AuthFlow::UserSrpAuth).build().unwrap();
    settled(&auth).await;
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    let before = auth.tokens().await.unwrap();

    world.advance_clock_s(2 * 3600);
    let after = auth.tokens().await.unwrap();
    assert_ne!(
        after.access_token.expose(),
        before.access_token.expose(),
        "expired tokens must be refreshed"
    );
    assert!(after.expires_at_s > before.expires_at_s + 3600);
    assert_eq!(&*after.username, "alice");
    assert_eq!(auth.user_state(), UserState::SignedIn);
    // The refreshed access token is accepted by the service.
    auth.fetch_user_attributes().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_user_gets_identity_pool_credentials() {
    let world = start_emulator().await;
    let auth = world
        .builder_with_identity_pool(AuthFlow::UserPasswordAuth)
        .build()
        .unwrap();
    assert_eq!(settled(&auth).await, UserState::Guest);
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    let creds = auth.aws_credentials().await.unwrap();
    assert!(creds.identity_id.starts_with("us-east-1:"), "{creds:?}");
    assert!(!creds.credentials.access_key_id.is_empty());
    assert_eq!(auth.identity_id().await.unwrap(), creds.identity_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_survives_a_restart_through_the_file_store() {
    let world = start_emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.json");
    {
        let auth = world
            .builder(AuthFlow::UserSrpAuth)
            .store(FileStore::new(&path))
            .build()
            .unwrap();
        settled(&auth).await;
        auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
            .await
            .unwrap();
        auth.shutdown().await;
    }
    assert!(path.exists());
    let auth = world
        .builder(AuthFlow::UserSrpAuth)
        .store(FileStore::new(&path))
        .build()
        .unwrap();
    assert_eq!(settled(&auth).await, UserState::SignedIn);
    assert_eq!(&*auth.tokens().await.unwrap().username, "alice");
    auth.sign_out(SignOutOptions::default()).await.unwrap();
    assert_eq!(auth.user_state(), UserState::SignedOut);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_session_replays_to_the_same_answers_without_network() {
    let world = start_emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("events.jsonl");
    let auth = world
        .builder(AuthFlow::UserSrpAuth)
        .event_log(&log)
        .build()
        .unwrap();
    settled(&auth).await;
    let wrong = auth
        .sign_in("alice", "nope", SignInOptions::default())
        .await
        .unwrap_err();
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    let tokens = auth.tokens().await.unwrap();
    drop(auth);
    drop(world); // no server any more: the replay cannot reach the network

    let file = std::io::BufReader::new(std::fs::File::open(&log).unwrap());
    let outputs = cognito_auth::replay(file).unwrap();
    let replies: Vec<_> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Reply { result, .. } => Some(result.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(replies.len(), 3, "{replies:?}");
    assert_eq!(Error::from(replies[0].clone().unwrap_err()), wrong);
    assert_eq!(
        replies[1],
        Ok(Answer::SignIn {
            next_step: SignInStep::Done
        })
    );
    assert_eq!(replies[2], Ok(Answer::Tokens(tokens)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_refresh_keeps_the_session_and_recovers_when_the_service_does() {
    use cognito_auth_emulator::faults::{FaultKind, FaultRule, Faults};
    let world = start_emulator().await;
    let auth = world.builder(AuthFlow::UserSrpAuth).build().unwrap();
    settled(&auth).await;
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    let before = auth.tokens().await.unwrap();

    world.advance_clock_s(2 * 3600);
    world.server.shared().set_faults(Faults::new(
        1,
        vec![FaultRule {
            operation: "InitiateAuth".to_owned(),
            kind: FaultKind::ServerError,
            probability: 1.0,
            latency_ms: 0,
        }],
    ));
    let pending = {
        let auth = auth.clone();
        tokio::spawn(async move { auth.tokens().await })
    };
    // Either the machine answers the caller with a retryable error, or it keeps the caller
    // waiting while it retries; both must keep the user signed in.
    let early = tokio::time::timeout(std::time::Duration::from_secs(3), pending).await;
    if let Ok(joined) = early {
        if let Err(err) = joined.unwrap() {
            assert!(
                matches!(err, Error::Network(_)) && err.is_retryable(),
                "{err:?}"
            );
        }
    }
    assert_eq!(auth.user_state(), UserState::SignedIn);

    world.server.shared().set_faults(Faults::none());
    let after = auth.tokens().await.unwrap();
    assert_ne!(after.access_token.expose(), before.access_token.expose());
    assert_eq!(auth.user_state(), UserState::SignedIn);
}

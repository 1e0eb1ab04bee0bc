//! The typed public API against the emulator: `fetch_auth_session` and its parts, client
//! metadata reaching the service's triggers, errors nested by who must act, and the guest
//! identity handed over at sign-in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use cognito_auth_tests as common;

use std::time::Duration;

use cognito_auth::machine::AuthFlow;
use cognito_auth::SignUpOptions;
use cognito_auth::{
    Actor, AppError, Auth, ConfirmSignInOptions, Error, FetchOptions, ServiceError, SignInOptions,
    SignInStep, UserError, UserState,
};
use common::{post_json, start_emulator, EmulatorWorld, EMU_AUTH_ROLE, EMU_POOL_ID};
use serde_json::json;

async fn settled(auth: &Auth) -> UserState {
    let mut rx = auth.watch_user_state();
    let state = *rx.wait_for(|s| *s != UserState::Unknown).await.unwrap();
    state
}

async fn wait_for_state(auth: &Auth, state: UserState) {
    let mut rx = auth.watch_user_state();
    rx.wait_for(|s| *s == state).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_session_has_credentials_and_no_tokens() {
    let world = start_emulator().await;
    let auth = world
        .builder_with_identity_pool(AuthFlow::UserSrpAuth)
        .build()
        .unwrap();
    assert_eq!(settled(&auth).await, UserState::Guest);

    let session = auth
        .fetch_auth_session(FetchOptions::default())
        .await
        .unwrap();
    assert_eq!(session.user_state, UserState::Guest);
    assert!(!session.is_signed_in());
    let not_signed_in = Err(Error::App(AppError::NotSignedIn));
    assert_eq!(session.tokens.map(|_| ()), not_signed_in);
    assert_eq!(session.username.map(|_| ()), not_signed_in);
    assert_eq!(session.user_sub.map(|_| ()), not_signed_in);
    let identity_id = session.identity_id.unwrap();
    assert!(identity_id.starts_with("us-east-1:"), "{identity_id}");
    assert!(!session.credentials.unwrap().access_key_id.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_session_has_every_part() {
    let world = start_emulator().await;
    let auth = world
        .builder_with_identity_pool(AuthFlow::UserSrpAuth)
        .build()
        .unwrap();
    settled(&auth).await;
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();

    let session = auth
        .fetch_auth_session(FetchOptions::default())
        .await
        .unwrap();
    assert!(session.is_signed_in());
    let tokens = session.tokens.unwrap();
    assert_eq!(session.username.unwrap(), "alice");
    assert_eq!(session.user_sub.unwrap(), &*tokens.sub);
    assert!(!tokens.sub.is_empty());
    let credentials = auth.aws_credentials().await.unwrap();
    assert_eq!(session.identity_id.unwrap(), credentials.identity_id);
    assert_eq!(session.credentials.unwrap(), credentials.credentials);

    let forced = auth
        .fetch_auth_session(FetchOptions::default().force_refresh())
        .await
        .unwrap();
    assert_ne!(
        forced.tokens.unwrap().access_token.expose(),
        tokens.access_token.expose(),
        "force_refresh refreshes the tokens"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_identity_pool_only_the_identity_parts_fail() {
    let world = start_emulator().await;
    let auth = world.builder(AuthFlow::UserSrpAuth).build().unwrap();
    settled(&auth).await;
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();

    let session = auth
        .fetch_auth_session(FetchOptions::default())
        .await
        .unwrap();
    assert_eq!(session.username.unwrap(), "alice");
    assert!(session.tokens.is_ok());
    for part in [
        session.identity_id.map(|_| ()),
        session.credentials.map(|_| ()),
    ] {
        let err = part.unwrap_err();
        assert!(
            matches!(err, Error::App(AppError::NotConfigured { .. })),
            "{err:?}"
        );
    }
}

/// Invalidates every session of `alice` at the emulator, as an administrator would.
fn admin_global_sign_out(world: &EmulatorWorld) {
    let shared = world.server.shared();
    let now = shared.now();
    shared
        .with(|e| {
            e.handle(
                "AWSCognitoIdentityProviderService.AdminUserGlobalSignOut",
                &json!({"UserPoolId": EMU_POOL_ID, "Username": "alice"}),
                now,
            )
        })
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_is_reported_without_waiting_for_a_sign_in() {
    let world = start_emulator().await;
    let auth = world
        .builder_with_identity_pool(AuthFlow::UserSrpAuth)
        .build()
        .unwrap();
    settled(&auth).await;
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    admin_global_sign_out(&world);
    world.advance_clock_s(2 * 3600);
    // A plain `tokens()` call waits for the next sign-in; it drives the state there.
    let waiting = {
        let auth = auth.clone();
        tokio::spawn(async move { auth.tokens().await })
    };
    wait_for_state(&auth, UserState::SignedOutUserPoolsTokenInvalid).await;

    let session = tokio::time::timeout(
        Duration::from_secs(5),
        auth.fetch_auth_session(FetchOptions::default()),
    )
    .await
    .expect("fetch_auth_session must not wait for a sign-in")
    .unwrap();
    assert_eq!(
        session.user_state,
        UserState::SignedOutUserPoolsTokenInvalid
    );
    let expired = Err(Error::Service(ServiceError::SessionExpired));
    assert_eq!(session.tokens.map(|_| ()), expired);
    assert_eq!(session.credentials.map(|_| ()), expired);
    assert_eq!(session.identity_id.map(|_| ()), expired);
    assert!(!waiting.is_finished());
    auth.release_sign_in_wait().await.unwrap();
    assert_eq!(
        waiting.await.unwrap().unwrap_err(),
        Error::App(AppError::SignInWaitReleased)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_nested_by_who_must_act() {
    let world = start_emulator().await;
    let auth = world.builder(AuthFlow::UserPasswordAuth).build().unwrap();
    settled(&auth).await;

    let wrong = auth
        .sign_in("alice", "Wr0ng-Secret!", SignInOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(wrong, Error::User(UserError::NotAuthorized { .. })),
        "{wrong:?}"
    );
    assert_eq!(wrong.actor(), Actor::User);
    assert!(!wrong.to_string().contains("Wr0ng-Secret!"), "{wrong}");

    let not_signed_in = auth.fetch_user_attributes().await.unwrap_err();
    assert_eq!(not_signed_in, Error::App(AppError::NotSignedIn));
    assert_eq!(not_signed_in.actor(), Actor::App);

    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    let again = auth
        .sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap_err();
    assert_eq!(again, Error::App(AppError::AlreadySignedIn));

    // Nothing listens on this port: the engine reports the network, and keeps nobody out.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let offline = Auth::builder()
        .config(common::config(&world.pool, AuthFlow::UserPasswordAuth))
        .endpoint_url(dead)
        .build()
        .unwrap();
    settled(&offline).await;
    let err = offline
        .sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Network(_)), "{err:?}");
    assert_eq!(err.actor(), Actor::Network);
    assert!(err.is_retryable());
}

const CUSTOM_POOL: &str = "us-east-1_ApiCustom1";
const CUSTOM_CLIENT: &str = "apicustomclient00000000001";

/// Adds a pool whose custom challenge expects the answer the sign-in sent as client metadata
/// under `expected` (how a create-challenge trigger sees client metadata).
fn add_custom_pool(world: &EmulatorWorld) -> common::Pool {
    let seed = json!({
        "user_pools": [{
            "Id": CUSTOM_POOL,
            "PoolName": "api-custom",
            "CustomAuthRules": {"Challenges": [{"AnswerFromClientMetadata": "expected"}]},
            "Clients": [{
                "ClientId": CUSTOM_CLIENT,
                "ClientName": "app",
                "ExplicitAuthFlows": ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
            }],
            "Users": [{"Username": "hal", "Password": "Passw0rd!",
                       "Attributes": {"email": "hal@example.com", "email_verified": "true"}}]
        }]
    });
    let shared = world.server.shared();
    let now = shared.now();
    shared.with(|e| e.apply_seed(&seed, now)).unwrap();
    common::Pool {
        pool_id: CUSTOM_POOL.to_owned(),
        client_id: CUSTOM_CLIENT.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_client_metadata_reaches_the_challenge_trigger() {
    let world = start_emulator().await;
    let pool = add_custom_pool(&world);
    let engine = || {
        Auth::builder()
            .config(common::config(&pool, AuthFlow::CustomAuthWithoutSrp))
            .endpoint_url(world.server.endpoint())
            .build()
            .unwrap()
    };

    let auth = engine();
    settled(&auth).await;
    let step = auth
        .sign_in_without_password(
            "hal",
            SignInOptions::default().client_metadata("expected", "42"),
        )
        .await
        .unwrap()
        .next_step;
    assert!(
        matches!(step, SignInStep::CustomChallenge { .. }),
        "{step:?}"
    );
    let done = auth
        .confirm_sign_in("42", ConfirmSignInOptions::default())
        .await
        .unwrap();
    assert!(done.is_signed_in(), "{done:?}");
    assert_eq!(&*auth.tokens().await.unwrap().username, "hal");

    // Without the metadata the trigger expects nothing it could match: "42" does not sign in.
    let other = engine();
    settled(&other).await;
    other
        .sign_in_without_password("hal", SignInOptions::default())
        .await
        .unwrap();
    let answered = other
        .confirm_sign_in("42", ConfirmSignInOptions::default())
        .await;
    assert!(
        !matches!(&answered, Ok(out) if out.is_signed_in()),
        "{answered:?}"
    );
    assert_ne!(other.user_state(), UserState::SignedIn);
}

/// DescribeIdentity over HTTP: the identity's login providers, or the error code.
async fn describe_identity(w: &EmulatorWorld, identity_id: &str) -> Result<Vec<String>, String> {
    let (status, body) = post_json(
        &w.server.endpoint(),
        "/",
        Some("AWSCognitoIdentityService.DescribeIdentity"),
        &[],
        &json!({"IdentityId": identity_id}),
    )
    .await;
    if status != 200 {
        return Err(body["__type"].as_str().unwrap_or_default().to_owned());
    }
    Ok(body["Logins"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// "Switching unauthenticated users to authenticated users" (Cognito developer guide): the
/// guest identity keeps its identifier when the guest signs in; a login that already has an
/// identity gets that one, and the guest identity is merged into it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_who_signs_in_keeps_the_identity_and_a_linked_login_gets_its_own() {
    let w = start_emulator().await;
    let user_pool_login = format!("cognito-idp.us-east-1.amazonaws.com/{EMU_POOL_ID}");

    // alice, a guest first, signs in: same identity id, now linked to her login.
    let auth = w
        .builder_with_identity_pool(AuthFlow::UserSrpAuth)
        .build()
        .expect("engine");
    let guest = auth.aws_credentials().await.expect("guest credentials");
    assert_eq!(auth.user_state(), UserState::Guest);
    assert_eq!(describe_identity(&w, &guest.identity_id).await, Ok(vec![]));
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .expect("alice signs in");
    assert_eq!(auth.user_state(), UserState::SignedIn);
    let signed_in = auth.aws_credentials().await.expect("alice's credentials");
    assert_eq!(
        signed_in.identity_id, guest.identity_id,
        "the guest identity is handed over"
    );
    assert_ne!(
        signed_in.credentials.access_key_id,
        guest.credentials.access_key_id
    );
    assert_eq!(
        w.server.shared().with(|e| e
            .issued_credentials()
            .get(&signed_in.credentials.access_key_id)
            .map(|c| c.role_arn.clone())),
        Some(EMU_AUTH_ROLE.to_owned())
    );
    assert_eq!(
        describe_identity(&w, &guest.identity_id).await,
        Ok(vec![user_pool_login.clone()])
    );
    auth.shutdown().await;

    // bob gets an identity of his own (H) by signing in on another device with no guest.
    let device_one = w
        .builder_with_identity_pool(AuthFlow::UserSrpAuth)
        .build()
        .expect("engine");
    device_one
        .sign_up(
            "bob",
            "Passw0rd!bob",
            SignUpOptions::default().attribute("email", "bob@example.com"),
        )
        .await
        .expect("bob signs up");
    // The pool sends no code (no auto-verified attribute): an administrator confirms bob.
    let (status, _) = post_json(
        &w.server.endpoint(),
        "/",
        Some("AWSCognitoIdentityProviderService.AdminConfirmSignUp"),
        &[],
        &json!({"UserPoolId": EMU_POOL_ID, "Username": "bob"}),
    )
    .await;
    assert_eq!(status, 200, "AdminConfirmSignUp");
    device_one
        .sign_in("bob", "Passw0rd!bob", SignInOptions::default())
        .await
        .expect("bob signs in");
    let bobs = device_one.aws_credentials().await.expect("bob's identity");
    device_one.shutdown().await;

    // On a second device bob is a guest (G2) first; signing in ends with H, G2 merged away.
    let device_two = w
        .builder_with_identity_pool(AuthFlow::UserSrpAuth)
        .build()
        .expect("engine");
    let guest_two = device_two
        .aws_credentials()
        .await
        .expect("guest credentials");
    assert_ne!(guest_two.identity_id, bobs.identity_id);
    assert_ne!(guest_two.identity_id, guest.identity_id);
    device_two
        .sign_in("bob", "Passw0rd!bob", SignInOptions::default())
        .await
        .expect("bob signs in");
    let merged = device_two
        .aws_credentials()
        .await
        .expect("bob's credentials");
    assert_eq!(merged.identity_id, bobs.identity_id);
    assert_eq!(
        device_two.identity_id().await.expect("identity id"),
        bobs.identity_id
    );
    assert_eq!(
        describe_identity(&w, &guest_two.identity_id).await,
        Err("ResourceNotFoundException".to_owned()),
        "the guest identity was merged into bob's"
    );
    let requests = w.server.shared().with(|e| {
        e.served_requests()
            .iter()
            .filter(|r| r.operation.starts_with("Get"))
            .map(|r| r.operation.clone())
            .collect::<Vec<_>>()
    });
    // Guest: GetId + GetCredentialsForIdentity; signed in: GetCredentialsForIdentity only.
    assert_eq!(
        requests.iter().filter(|o| *o == "GetId").count(),
        3,
        "GetId for alice's guest, bob on device one, and bob's guest: {requests:?}"
    );
    device_two.shutdown().await;
}

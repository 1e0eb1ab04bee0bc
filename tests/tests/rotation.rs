//! Refresh-token rotation over HTTP against the emulator (issue 13): the app client's
//! `RefreshTokenRotation` setting through the admin API and GetTokensFromRefreshToken with the
//! AWS SDK, then the engine refreshing a rotating client in `enabled` mode and resuming from its
//! file store with the rotated refresh token, and answering only once that token is written.
//!
//! The rules checked are the API reference's (RefreshTokenRotationType: `Feature`, and
//! `RetryGracePeriodSeconds` 0-60 during which the replaced token still works) and the developer
//! guide's "Refresh tokens" page (a rotating client cannot use REFRESH_TOKEN_AUTH).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ExplicitAuthFlowsType as F, FeatureType, RefreshTokenRotationType, TimeUnitsType,
    TokenValidityUnitsType,
};
use aws_sdk_cognitoidentityprovider::Client;
use cognito_auth::machine::config::RefreshTokenRotation;
use cognito_auth::machine::AuthFlow;
use cognito_auth::{Auth, SignInOptions, UserState};
use cognito_auth_tests as common;
use common::{admin_client, start_emulator, EmulatorWorld, Pool, EMU_POOL_ID};

fn rotation(feature: FeatureType, grace_s: Option<i32>) -> RefreshTokenRotationType {
    RefreshTokenRotationType::builder()
        .feature(feature)
        .set_retry_grace_period_seconds(grace_s)
        .build()
        .unwrap()
}

/// A client of the emulator's pool allowing password, SRP and refresh flows, with 5-minute
/// access and id tokens, rotating its refresh tokens when `rotate` is given.
async fn create_client(admin: &Client, rotate: Option<RefreshTokenRotationType>) -> String {
    let units = TokenValidityUnitsType::builder()
        .access_token(TimeUnitsType::Minutes)
        .id_token(TimeUnitsType::Minutes)
        .build();
    admin
        .create_user_pool_client()
        .user_pool_id(EMU_POOL_ID)
        .client_name("rotating")
        .explicit_auth_flows(F::AllowUserPasswordAuth)
        .explicit_auth_flows(F::AllowUserSrpAuth)
        .explicit_auth_flows(F::AllowRefreshTokenAuth)
        .access_token_validity(5)
        .id_token_validity(5)
        .token_validity_units(units)
        .set_refresh_token_rotation(rotate)
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client()
        .and_then(|c| c.client_id())
        .expect("client id")
        .to_owned()
}

async fn described_rotation(admin: &Client, client_id: &str) -> Option<RefreshTokenRotationType> {
    admin
        .describe_user_pool_client()
        .user_pool_id(EMU_POOL_ID)
        .client_id(client_id)
        .send()
        .await
        .expect("DescribeUserPoolClient")
        .user_pool_client()
        .and_then(|c| c.refresh_token_rotation())
        .cloned()
}

/// Alice's refresh token for `client_id`, from a USER_PASSWORD_AUTH sign-in.
async fn sign_in_refresh_token(admin: &Client, client_id: &str) -> String {
    admin
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", "Passw0rd!")
        .send()
        .await
        .expect("InitiateAuth USER_PASSWORD_AUTH")
        .authentication_result()
        .and_then(|r| r.refresh_token())
        .expect("a refresh token")
        .to_owned()
}

/// GetTokensFromRefreshToken: `Ok((access token, new refresh token))` or the error code.
async fn get_tokens(
    admin: &Client,
    client_id: &str,
    refresh: &str,
) -> Result<(String, Option<String>), String> {
    match admin
        .get_tokens_from_refresh_token()
        .client_id(client_id)
        .refresh_token(refresh)
        .send()
        .await
    {
        Ok(out) => {
            let r = out.authentication_result().expect("AuthenticationResult");
            Ok((
                r.access_token().expect("access token").to_owned(),
                r.refresh_token().map(str::to_owned),
            ))
        }
        Err(e) => Err(e.into_service_error().code().unwrap_or("?").to_owned()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_setting_round_trips_through_describe_and_update() {
    let world = start_emulator().await;
    let admin = admin_client(&world.server.endpoint());
    let id = create_client(&admin, Some(rotation(FeatureType::Enabled, Some(10)))).await;
    let r = described_rotation(&admin, &id).await.expect("rotation set");
    assert_eq!(r.feature(), &FeatureType::Enabled);
    assert_eq!(r.retry_grace_period_seconds(), Some(10));

    admin
        .update_user_pool_client()
        .user_pool_id(EMU_POOL_ID)
        .client_id(&id)
        .explicit_auth_flows(F::AllowUserPasswordAuth)
        .explicit_auth_flows(F::AllowRefreshTokenAuth)
        .refresh_token_rotation(rotation(FeatureType::Enabled, Some(30)))
        .send()
        .await
        .expect("UpdateUserPoolClient");
    let r = described_rotation(&admin, &id).await.expect("rotation set");
    assert_eq!(r.feature(), &FeatureType::Enabled);
    assert_eq!(r.retry_grace_period_seconds(), Some(30));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_grace_period_outside_0_to_60_is_refused() {
    let world = start_emulator().await;
    let admin = admin_client(&world.server.endpoint());
    for bad in [61, -1] {
        let err = admin
            .create_user_pool_client()
            .user_pool_id(EMU_POOL_ID)
            .client_name("bad")
            .refresh_token_rotation(rotation(FeatureType::Enabled, Some(bad)))
            .send()
            .await
            .expect_err("grace period out of range");
        assert_eq!(
            err.into_service_error().code(),
            Some("InvalidParameterException"),
            "RetryGracePeriodSeconds {bad}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_refresh_token_works_within_the_grace_period_and_is_refused_after_it() {
    let world = start_emulator().await;
    let admin = admin_client(&world.server.endpoint());
    let id = create_client(&admin, Some(rotation(FeatureType::Enabled, Some(10)))).await;
    let old = sign_in_refresh_token(&admin, &id).await;

    let (_, new) = get_tokens(&admin, &id, &old).await.unwrap();
    let new = new.expect("a rotating client returns a new refresh token");
    assert_ne!(new, old);

    world.advance_clock_s(5);
    let (_, retried) = get_tokens(&admin, &id, &old).await.unwrap();
    assert!(
        retried.is_some(),
        "a retry within the grace period is answered"
    );

    // The grace period runs from the first use, so a retry did not extend it.
    world.advance_clock_s(6);
    assert_eq!(
        get_tokens(&admin, &id, &old).await.unwrap_err(),
        "RefreshTokenReuseException"
    );
    let (_, newer) = get_tokens(&admin, &id, &new).await.unwrap();
    assert!(newer.is_some_and(|t| t != new));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_token_auth_is_refused_on_a_rotating_client() {
    let world = start_emulator().await;
    let admin = admin_client(&world.server.endpoint());
    let id = create_client(&admin, Some(rotation(FeatureType::Enabled, Some(10)))).await;
    let refresh = sign_in_refresh_token(&admin, &id).await;
    let err = admin
        .initiate_auth()
        .client_id(&id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh)
        .send()
        .await
        .expect_err("REFRESH_TOKEN_AUTH on a rotating client");
    assert_eq!(
        err.into_service_error().code(),
        Some("InvalidParameterException")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_tokens_from_refresh_token_on_a_non_rotating_client_keeps_the_refresh_token() {
    let world = start_emulator().await;
    let admin = admin_client(&world.server.endpoint());
    let id = create_client(&admin, None).await;
    let refresh = sign_in_refresh_token(&admin, &id).await;
    for _ in 0..2 {
        let (access, new) = get_tokens(&admin, &id, &refresh).await.unwrap();
        assert!(!access.is_empty());
        assert_eq!(new, None, "a non-rotating client returns no refresh token");
        world.advance_clock_s(60);
    }
}

/// The operations the emulator served for `client_id`, as `(operation, auth flow, result)`.
fn served(world: &EmulatorWorld, client_id: &str) -> Vec<(String, Option<String>, String)> {
    let log = world
        .server
        .shared()
        .with(|e| serde_json::to_value(e.served_requests()).unwrap());
    log.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["client_id"].as_str() == Some(client_id))
        .map(|r| {
            let s = |k: &str| r[k].as_str().map(str::to_owned);
            (
                s("operation").unwrap(),
                s("auth_flow"),
                s("result").unwrap(),
            )
        })
        .collect()
}

fn count(log: &[(String, Option<String>, String)], op: &str, flow: Option<&str>) -> usize {
    log.iter()
        .filter(|(o, f, _)| o == op && f.as_deref() == flow)
        .count()
}

fn engine(
    world: &EmulatorWorld,
    client_id: &str,
    mode: RefreshTokenRotation,
    store: &std::path::Path,
) -> Auth {
    let mut config = common::config(
        &Pool {
            pool_id: EMU_POOL_ID.to_owned(),
            client_id: client_id.to_owned(),
        },
        AuthFlow::UserSrpAuth,
    );
    config.tuning.refresh_token_rotation = mode;
    let shared = std::sync::Arc::clone(world.server.shared());
    Auth::builder()
        .config(config)
        .endpoint_url(world.server.endpoint())
        .unix_clock(move || i64::try_from(shared.now().0).unwrap_or(i64::MAX))
        .session_file(store)
        .build()
        .unwrap()
}

/// Waits for `state`; fails, rather than hangs, when the engine settles elsewhere (a resumed
/// engine whose stored refresh token was refused goes to signedOutUserPoolsTokenInvalid).
async fn wait_for_state(auth: &Auth, state: UserState) {
    let mut rx = auth.watch_user_state();
    let reached = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        rx.wait_for(|s| *s == state),
    )
    .await;
    assert!(
        matches!(reached, Ok(Ok(_))),
        "expected {state:?}, the engine is {:?}",
        auth.user_state()
    );
}

/// Signs in on a rotating client, refreshes across several access-token expiries, then resumes
/// from the file store in a new engine; returns nothing, asserting along the way.
async fn engine_refreshes_a_rotating_client(mode: RefreshTokenRotation) {
    let world = start_emulator().await;
    let admin = admin_client(&world.server.endpoint());
    let id = create_client(&admin, Some(rotation(FeatureType::Enabled, Some(10)))).await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("session.json");

    let auth = engine(&world, &id, mode, &store);
    wait_for_state(&auth, UserState::SignedOut).await;
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    let mut prev = auth.tokens().await.unwrap();
    let mut retired = Vec::new();
    for round in 1..=3 {
        world.advance_clock_s(301);
        let t = auth.tokens().await.unwrap();
        assert_ne!(
            t.access_token.expose(),
            prev.access_token.expose(),
            "round {round}: expired tokens must be refreshed"
        );
        let (old_rt, new_rt) = (
            prev.refresh_token.as_ref().unwrap().expose().to_owned(),
            t.refresh_token.as_ref().unwrap().expose().to_owned(),
        );
        assert_ne!(new_rt, old_rt, "round {round}: the refresh token rotated");
        retired.push(old_rt);
        prev = t;
    }
    let log = served(&world, &id);
    let auto_tries = usize::from(mode == RefreshTokenRotation::Auto);
    assert_eq!(
        count(&log, "InitiateAuth", Some("REFRESH_TOKEN_AUTH")),
        auto_tries,
        "{log:?}"
    );
    let gets: Vec<_> = log
        .iter()
        .filter(|(o, _, _)| o == "GetTokensFromRefreshToken")
        .collect();
    assert_eq!(gets.len(), 3, "{log:?}");
    assert!(gets.iter().all(|(_, _, r)| r == "ok"), "{log:?}");
    drop(auth);

    // Past the grace period every retired token is refused; the stored one is the live one.
    world.advance_clock_s(301);
    for old in &retired {
        assert_eq!(
            get_tokens(&admin, &id, old).await.unwrap_err(),
            "RefreshTokenReuseException"
        );
    }
    let resumed = engine(&world, &id, mode, &store);
    wait_for_state(&resumed, UserState::SignedIn).await;
    let t = resumed.tokens().await.unwrap();
    assert_ne!(t.access_token.expose(), prev.access_token.expose());
    assert_ne!(
        t.refresh_token.as_ref().unwrap().expose(),
        prev.refresh_token.as_ref().unwrap().expose(),
        "the resumed engine's refresh rotated the persisted token"
    );
    let log = served(&world, &id);
    assert_eq!(
        count(&log, "InitiateAuth", Some("REFRESH_TOKEN_AUTH")),
        auto_tries,
        "the resumed engine must not try REFRESH_TOKEN_AUTH again: {log:?}"
    );
    let last = log.last().unwrap();
    assert_eq!(
        (last.0.as_str(), last.2.as_str()),
        ("GetTokensFromRefreshToken", "ok")
    );
    resumed.fetch_user_attributes().await.unwrap();
}

// The hang this test once showed (alone and beside the others) was the engine answering with
// rotated tokens before their save landed: the first engine was dropped with its saves still
// queued, the resumed one read an older session whose refresh token was past its grace period,
// was refused (RefreshTokenReuseException) and waited for a new sign-in.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_in_enabled_mode_rotates_and_resumes_from_its_file_store() {
    engine_refreshes_a_rotating_client(RefreshTokenRotation::Enabled).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_in_auto_mode_switches_once_rotates_and_resumes_from_its_file_store() {
    engine_refreshes_a_rotating_client(RefreshTokenRotation::Auto).await;
}

/// A memory store whose saves wait for a permit.
#[derive(Clone)]
struct GatedStore {
    inner: cognito_auth::MemoryStore,
    permits: std::sync::Arc<tokio::sync::Semaphore>,
}

impl cognito_auth::SessionStore for GatedStore {
    fn load(
        &self,
    ) -> cognito_auth::store::StoreFuture<'_, Option<cognito_auth::machine::PersistedSession>> {
        self.inner.load()
    }

    fn save<'a>(
        &'a self,
        session: &'a cognito_auth::machine::PersistedSession,
    ) -> cognito_auth::store::StoreFuture<'a, ()> {
        Box::pin(async move {
            let _permit = self.permits.acquire().await.unwrap();
            self.inner.save(session).await
        })
    }

    fn clear(&self) -> cognito_auth::store::StoreFuture<'_, ()> {
        self.inner.clear()
    }
}

impl GatedStore {
    fn refresh_token(&self) -> Option<String> {
        let tokens = self.inner.snapshot()?.tokens?;
        Some(tokens.refresh_token?.expose().to_owned())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_refresh_token_is_written_before_the_caller_gets_the_new_tokens() {
    let world = start_emulator().await;
    let admin = admin_client(&world.server.endpoint());
    let id = create_client(&admin, Some(rotation(FeatureType::Enabled, Some(10)))).await;
    let store = GatedStore {
        inner: cognito_auth::MemoryStore::new(),
        permits: std::sync::Arc::new(tokio::sync::Semaphore::new(1000)),
    };
    let mut config = common::config(
        &Pool {
            pool_id: EMU_POOL_ID.to_owned(),
            client_id: id.clone(),
        },
        AuthFlow::UserSrpAuth,
    );
    config.tuning.refresh_token_rotation = RefreshTokenRotation::Enabled;
    let shared = std::sync::Arc::clone(world.server.shared());
    let auth = Auth::builder()
        .config(config)
        .endpoint_url(world.server.endpoint())
        .unix_clock(move || i64::try_from(shared.now().0).unwrap_or(i64::MAX))
        .store(store.clone())
        .build()
        .unwrap();
    wait_for_state(&auth, UserState::SignedOut).await;
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    let first = auth.tokens().await.unwrap();
    let first_rt = first.refresh_token.as_ref().unwrap().expose().to_owned();
    assert_eq!(store.refresh_token(), Some(first_rt.clone()));

    // Saves stall; the access token expires; a caller asks for tokens.
    store
        .permits
        .forget_permits(store.permits.available_permits());
    world.advance_clock_s(301);
    let caller = auth.clone();
    let mut asked = tokio::spawn(async move { caller.tokens().await });
    let early = tokio::time::timeout(std::time::Duration::from_millis(500), &mut asked).await;
    assert!(
        early.is_err(),
        "answered with rotated tokens before they were written"
    );
    let log = served(&world, &id);
    assert_eq!(
        log.last().map(|(op, _, r)| (op.as_str(), r.as_str())),
        Some(("GetTokensFromRefreshToken", "ok")),
        "the refresh itself happened: {log:?}"
    );
    assert_eq!(store.refresh_token(), Some(first_rt.clone()));

    store.permits.add_permits(1000);
    let t = asked.await.unwrap().unwrap();
    let new_rt = t.refresh_token.as_ref().unwrap().expose().to_owned();
    assert_ne!(new_rt, first_rt, "the refresh token rotated");
    assert_eq!(store.refresh_token(), Some(new_rt));
}

//! The engine as an AWS SDK credentials provider, proven against the emulator's STS: a real
//! `aws-sdk-sts` client whose only credentials source is `auth.credentials_provider()` signs
//! `GetCallerIdentity`, the emulator verifies the SigV4 signature with the credentials it issued
//! and answers with the identity pool's role. Concurrent SDK callers share one identity fetch;
//! an ended session is a prompt `CredentialsError`, never a hang.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use cognito_auth_tests as common;

use std::time::Duration;

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::ProvideCredentials as _;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use cognito_auth::machine::AuthFlow;
use cognito_auth::{Auth, Error, ServiceError, SignInOptions, SignInStep, UserState};
use common::{start_emulator, EmulatorWorld, EMU_AUTH_ROLE, EMU_POOL_ID, EMU_UNAUTH_ROLE};

/// What STS reports for a role's sessions from an identity pool.
fn assumed(role_arn: &str) -> String {
    let (account, name) = role_arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|r| r.split_once(":role/"))
        .expect("a role ARN");
    // The role's path is not part of the session ARN.
    let name = name.rsplit('/').next().unwrap_or(name);
    format!("arn:aws:sts::{account}:assumed-role/{name}/CognitoIdentityCredentials")
}

fn sts_client(world: &EmulatorWorld, auth: &Auth) -> aws_sdk_sts::Client {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        // Any region: the emulator verifies the scope the client signed for.
        .region(Region::new("eu-central-1"))
        .credentials_provider(auth.credentials_provider())
        .endpoint_url(world.server.endpoint())
        .http_client(http)
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

/// The state once the stored session is loaded (guest when the pool allows guests).
async fn settled(auth: &Auth) -> UserState {
    let mut rx = auth.watch_user_state();
    let state = *rx.wait_for(|s| *s != UserState::Unknown).await.unwrap();
    state
}

async fn signed_in(world: &EmulatorWorld) -> Auth {
    let auth = world
        .builder_with_identity_pool(AuthFlow::UserSrpAuth)
        .build()
        .unwrap();
    assert_eq!(settled(&auth).await, UserState::Guest);
    assert_eq!(
        auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
            .await
            .unwrap()
            .next_step,
        SignInStep::Done
    );
    auth
}

/// How many credentials the emulator has issued so far.
fn issued(world: &EmulatorWorld) -> usize {
    world.server.shared().with(|e| e.issued_credentials().len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sdk_client_signs_with_the_engine_credentials_and_sts_names_the_role() {
    let world = start_emulator().await;
    let auth = signed_in(&world).await;
    let who = sts_client(&world, &auth)
        .get_caller_identity()
        .send()
        .await
        .expect("the emulator accepts the signature");
    assert_eq!(who.arn(), Some(assumed(EMU_AUTH_ROLE).as_str()));
    assert_eq!(who.account(), Some("123456789012"));
    assert!(who
        .user_id()
        .is_some_and(|u| u.starts_with("AROA") && u.ends_with(":CognitoIdentityCredentials")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_gets_the_unauthenticated_role() {
    let world = start_emulator().await;
    let auth = world
        .builder_with_identity_pool(AuthFlow::UserSrpAuth)
        .build()
        .unwrap();
    assert_eq!(settled(&auth).await, UserState::Guest);
    let who = sts_client(&world, &auth)
        .get_caller_identity()
        .send()
        .await
        .expect("guest credentials are real too");
    assert_eq!(who.arn(), Some(assumed(EMU_UNAUTH_ROLE).as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_provider_calls_share_one_identity_fetch() {
    let world = start_emulator().await;
    let auth = signed_in(&world).await;
    let before = issued(&world);
    let provider = auth.credentials_provider();
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.provide_credentials().await })
        })
        .collect();
    let mut keys = Vec::new();
    for call in calls {
        keys.push(call.await.unwrap().unwrap().access_key_id().to_owned());
    }
    keys.dedup();
    assert_eq!(keys.len(), 1, "every caller got the same credentials");
    assert_eq!(issued(&world) - before, 1, "one GetCredentialsForIdentity");

    // Later calls come from the engine's cache until the credentials are due.
    let again = provider.provide_credentials().await.unwrap();
    assert_eq!(again.access_key_id(), keys[0]);
    assert!(again.session_token().is_some());
    assert!(again.expiry().is_some());
    assert_eq!(issued(&world) - before, 1);
    let sts = sts_client(&world, &auth);
    for _ in 0..3 {
        sts.get_caller_identity().send().await.unwrap();
    }
    assert_eq!(issued(&world) - before, 1);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_is_a_prompt_credentials_error_with_our_cause() {
    let world = start_emulator().await;
    let auth = signed_in(&world).await;
    let provider = auth.credentials_provider();
    provider.provide_credentials().await.unwrap();
    admin_global_sign_out(&world);
    world.advance_clock_s(2 * 3600);

    // The credentials are due, the refresh is refused: the machine would hold a plain
    // `aws_credentials()` caller until the next sign-in; the provider answers at once.
    let err = tokio::time::timeout(Duration::from_secs(10), provider.provide_credentials())
        .await
        .expect("the provider must not wait for a sign-in")
        .expect_err("no credentials without a session");
    assert_eq!(auth.user_state(), UserState::SignedOutUserPoolsTokenInvalid);
    assert!(matches!(err, CredentialsError::ProviderError(_)), "{err:?}");
    let cause = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<Error>())
        .expect("the engine's error is the cause");
    assert_eq!(cause, &Error::Service(ServiceError::SessionExpired));

    // Already in that state: answered without asking the machine.
    let again = tokio::time::timeout(Duration::from_secs(1), provider.provide_credentials())
        .await
        .expect("prompt");
    assert!(again.is_err());

    // A new sign-in makes the provider serve again.
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    assert!(provider.provide_credentials().await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sdk_call_with_an_ended_session_fails_with_the_engine_cause() {
    let world = start_emulator().await;
    let auth = signed_in(&world).await;
    admin_global_sign_out(&world);
    world.advance_clock_s(2 * 3600);
    let err = tokio::time::timeout(
        Duration::from_secs(20),
        sts_client(&world, &auth).get_caller_identity().send(),
    )
    .await
    .expect("the SDK call must not hang")
    .expect_err("no credentials");
    let mut chain = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(&err);
    while let Some(e) = source {
        chain.push(e.to_string());
        source = e.source();
    }
    assert!(
        chain.iter().any(|m| m.contains("session expired")),
        "{chain:#?}"
    );
}

/// The app's own credentials (seed 002's custom credentials provider): fixed ones the emulator
/// never issued, and what the engine asked for, for the test to read.
#[derive(Clone, Default)]
struct AppCredentials {
    asked: std::sync::Arc<std::sync::Mutex<Vec<Asked>>>,
    cleared: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// One request: `force_refresh` and the signed-in user's name, if the tokens came along.
type Asked = (bool, Option<String>);

const APP_KEY_ID: &str = "ASIAAPPOWNCREDENTIAL";

impl cognito_auth::AwsCredentialsProvider for AppCredentials {
    fn credentials(
        &self,
        request: cognito_auth::CredentialsRequest,
    ) -> cognito_auth::custom::ProviderFuture<
        '_,
        Result<cognito_auth::IdentityCredentials, cognito_auth::ProviderError>,
    > {
        Box::pin(async move {
            let user = request.tokens.map(|t| t.username.to_string());
            self.asked
                .lock()
                .unwrap()
                .push((request.force_refresh, user));
            let now_s = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            Ok(cognito_auth::IdentityCredentials::new(
                "us-east-1:app-own-identity",
                cognito_auth::AwsCredentials {
                    access_key_id: APP_KEY_ID.into(),
                    secret_access_key: cognito_auth::machine::Secret::new("app-secret".into()),
                    session_token: cognito_auth::machine::Secret::new("app-session".into()),
                    expiration_s: i64::try_from(now_s).unwrap() + 3600,
                },
            ))
        })
    }

    fn clear(&self) {
        self.cleared
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_credentials_provider_replaces_the_identity_pool() {
    let world = start_emulator().await;
    let app = AppCredentials::default();
    let auth = world
        .builder_with_identity_pool(AuthFlow::UserSrpAuth)
        .aws_credentials_provider(app.clone())
        .build()
        .unwrap();
    assert_eq!(settled(&auth).await, UserState::Guest);
    let guest = auth.aws_credentials().await.unwrap();
    assert_eq!(guest.credentials.access_key_id, APP_KEY_ID);
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    let forced = auth
        .aws_credentials_with(cognito_auth::FetchOptions::default().force_refresh())
        .await
        .unwrap();
    assert_eq!(forced.identity_id, "us-east-1:app-own-identity");
    assert_eq!(
        auth.identity_id().await.unwrap(),
        "us-east-1:app-own-identity"
    );
    let session = auth
        .fetch_auth_session(cognito_auth::FetchOptions::default())
        .await
        .unwrap();
    assert_eq!(
        session.credentials.unwrap().access_key_id,
        APP_KEY_ID,
        "fetch_auth_session takes the app's credentials too"
    );
    // The SDK signs with the app's credentials: the emulator's STS never issued them.
    let refused = sts_client(&world, &auth)
        .get_caller_identity()
        .send()
        .await
        .expect_err("credentials the emulator did not issue");
    let code = refused
        .as_service_error()
        .and_then(aws_sdk_sts::error::ProvideErrorMetadata::code)
        .map(str::to_owned);
    assert_eq!(code.as_deref(), Some("InvalidClientTokenId"), "{refused:?}");
    let asked = app.asked.lock().unwrap().clone();
    assert_eq!(
        asked[0],
        (false, None),
        "the guest is asked for without tokens"
    );
    assert_eq!(asked[1], (true, Some("alice".to_owned())));
    assert!(asked[2..]
        .iter()
        .all(|(_, u)| u.as_deref() == Some("alice")));

    auth.sign_out(Default::default()).await.unwrap();
    assert_eq!(app.cleared.load(std::sync::atomic::Ordering::SeqCst), 1);
    let cognito_identity = ["GetId", "GetCredentialsForIdentity", "GetOpenIdToken"];
    let served = world.server.shared().with(|e| {
        e.served_requests()
            .iter()
            .map(|r| r.operation.clone())
            .collect::<Vec<_>>()
    });
    assert!(served.iter().any(|o| o == "InitiateAuth"), "{served:?}");
    assert!(
        !served
            .iter()
            .any(|o| cognito_identity.contains(&o.as_str())),
        "no Cognito Identity call: {served:?}"
    );
}

/// Credentials are served from the cache while they have life left, and fetched anew once they
/// are within the refresh window ahead of their `Expiration` (judged on the emulator's clock,
/// which the engine's wall clock follows): never handed out expired, never refetched early.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_cached_then_refreshed_ahead_of_expiry_under_the_emulators_clock() {
    let world = start_emulator().await;
    let auth = signed_in(&world).await;
    let first = auth.aws_credentials().await.unwrap();
    let issued_once = issued(&world);
    let now = || i64::try_from(world.server.shared().now().0 / 1000).unwrap();
    let lifetime = first.credentials.expiration_s - now();
    assert!(lifetime > 600, "credentials live {lifetime} s");

    // Half-way through their life: the same credentials, nothing issued.
    world.advance_clock_s(lifetime / 2);
    let cached = auth.aws_credentials().await.unwrap();
    assert_eq!(
        cached.credentials.access_key_id,
        first.credentials.access_key_id
    );
    assert_eq!(issued(&world), issued_once, "no fetch while they are fresh");

    // 100 s before they expire: inside the refresh window, so new ones are fetched first.
    world.advance_clock_s(first.credentials.expiration_s - now() - 100);
    let renewed = auth.aws_credentials().await.unwrap();
    assert_ne!(
        renewed.credentials.access_key_id,
        first.credentials.access_key_id
    );
    assert!(renewed.credentials.expiration_s > first.credentials.expiration_s);
    assert!(renewed.credentials.expiration_s - now() > 600);
    assert_eq!(renewed.identity_id, first.identity_id, "same identity");
    assert_eq!(issued(&world), issued_once + 1, "one fetch");

    // And the SDK provider hands out the renewed ones.
    let sdk = auth
        .credentials_provider()
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(sdk.access_key_id(), renewed.credentials.access_key_id);
}

/// A guest whose device clock is hours off the service's (issue 13): the credentials' lifetime
/// comes from the answer's `Date` (the emulator's clock), so with the device two hours ahead
/// they are cached rather than refetched on every call, and with it two hours behind they are
/// never handed out once expired on the service's clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_credentials_follow_the_services_date_with_the_device_clock_hours_off() {
    for ahead_s in [2 * 3600, -2 * 3600] {
        let world = start_emulator().await;
        let shared = std::sync::Arc::clone(world.server.shared());
        let auth = world
            .builder_with_identity_pool(AuthFlow::UserSrpAuth)
            .unix_clock(move || i64::try_from(shared.now().0).unwrap_or(i64::MAX) + ahead_s * 1000)
            .build()
            .unwrap();
        assert_eq!(settled(&auth).await, UserState::Guest);
        let now = || i64::try_from(world.server.shared().now().0 / 1000).unwrap();
        let first = auth.aws_credentials().await.unwrap();
        let lifetime = first.credentials.expiration_s - now();
        assert!(lifetime > 600, "credentials live {lifetime} s");
        let issued_once = issued(&world);

        // Ten minutes on: the same credentials (the device clock alone would call them expired
        // when it is ahead).
        world.advance_clock_s(600);
        let cached = auth.aws_credentials().await.unwrap();
        assert_eq!(
            cached.credentials.access_key_id, first.credentials.access_key_id,
            "device {ahead_s} s ahead: refetched fresh credentials"
        );
        assert_eq!(issued(&world), issued_once);

        // Past their expiry on the service's clock (the device clock alone would leave them two
        // hours of life when it is behind): new ones, unexpired.
        world.advance_clock_s(first.credentials.expiration_s - now() + 60);
        let renewed = auth.aws_credentials().await.unwrap();
        assert_ne!(
            renewed.credentials.access_key_id, first.credentials.access_key_id,
            "device {ahead_s} s ahead: handed out expired credentials"
        );
        assert!(renewed.credentials.expiration_s > now());
        assert_eq!(issued(&world), issued_once + 1);
    }
}

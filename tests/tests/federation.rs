//! Federation end to end: the engine's `federated_sign_in` for each provider kind against the
//! emulator over HTTP, the identity pool judging provider tokens as Cognito does, and
//! signedOutFederatedTokensInvalid with callers waiting and released.
//!
//! Social and SAML tokens are registered with the emulator's test seam
//! (`POST /_emulator/federation/tokens`): the emulator cannot ask Facebook whether a token is
//! theirs, so it accepts exactly the tokens a test says the provider issued.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use cognito_auth::machine::config::IdentityPoolConfig;
use cognito_auth::machine::AuthFlow;
use cognito_auth::{
    custom::ProviderFuture, AppError, Auth, Error, FederatedSignInOptions, FederatedToken,
    FederatedTokenProvider, FederationProvider, ProviderError, ServiceError, UserState,
};
use cognito_auth_emulator::TokenSigner;
use cognito_auth_tests::{config, post_json, start_emulator, EmulatorWorld, EMU_POOL_ID};
use serde_json::{json, Value};

const FED_POOL: &str = "us-east-1:00000000-0000-4000-8000-00000000fed1";
const FED_AUTH_ROLE: &str = "arn:aws:iam::123456789012:role/Cognito_fedAuth_Role";
const FED_UNAUTH_ROLE: &str = "arn:aws:iam::123456789012:role/Cognito_fedUnauth_Role";
const SAML_ARN: &str = "arn:aws:iam::123456789012:saml-provider/corp";
const ADMIN_ROLE: &str = "arn:aws:iam::123456789012:role/corp-admin";
const READER_ROLE: &str = "arn:aws:iam::123456789012:role/corp-reader";
const OIDC_ISSUER: &str = "https://login.example.com";
const DEV_PROVIDER: &str = "login.example";

/// The emulator world plus an identity pool that accepts every kind of provider.
async fn world() -> EmulatorWorld {
    let w = start_emulator().await;
    let user_pool_issuer = format!("cognito-idp.us-east-1.amazonaws.com/{EMU_POOL_ID}");
    let seed = json!({"identity_pools": [{
        "IdentityPoolId": FED_POOL,
        "IdentityPoolName": "federation",
        "AllowUnauthenticatedIdentities": true,
        "SupportedLoginProviders": {
            "graph.facebook.com": "fb-app",
            "accounts.google.com": "google-app.apps.googleusercontent.com",
            "www.amazon.com": "amzn1.application.lwa",
            "appleid.apple.com": "com.example.app"
        },
        "OpenIdConnectProviderARNs": [
            format!("arn:aws:iam::123456789012:oidc-provider/{user_pool_issuer}"),
            "arn:aws:iam::123456789012:oidc-provider/login.example.com"
        ],
        "SamlProviderARNs": [SAML_ARN],
        "DeveloperProviderName": DEV_PROVIDER,
        "Roles": {"authenticated": FED_AUTH_ROLE, "unauthenticated": FED_UNAUTH_ROLE}
    }]});
    let now = w.server.shared().now();
    w.server
        .shared()
        .with(|e| e.apply_seed(&seed, now))
        .expect("seed the federation identity pool");
    w
}

fn engine(w: &EmulatorWorld) -> Auth {
    engine_builder(w).build().expect("engine")
}

fn engine_builder(w: &EmulatorWorld) -> cognito_auth::AuthBuilder {
    let mut cfg = config(&w.pool, AuthFlow::UserSrpAuth);
    cfg.identity_pool = Some(IdentityPoolConfig {
        pool_id: FED_POOL.to_owned(),
        region: "us-east-1".to_owned(),
        allow_guest: true,
    });
    let shared = std::sync::Arc::clone(w.server.shared());
    Auth::builder()
        .config(cfg)
        .endpoint_url(w.server.endpoint())
        .unix_clock(move || i64::try_from(shared.now().0).unwrap_or(i64::MAX))
}

/// Registers `token` as issued by `provider` (the emulator's documented test seam).
async fn register(w: &EmulatorWorld, provider: &str, token: &str, extra: Value) {
    let mut body =
        json!({"provider": provider, "token": token, "subject": format!("{provider}-user")});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let (status, _) = post_json(
        &w.server.endpoint(),
        "/_emulator/federation/tokens",
        None,
        &[],
        &body,
    )
    .await;
    assert_eq!(status, 200, "registering a provider token");
}

fn role_of(w: &EmulatorWorld, access_key_id: &str) -> String {
    w.server.shared().with(|e| {
        e.issued_credentials()
            .get(access_key_id)
            .map(|c| c.role_arn.clone())
            .expect("credentials the emulator issued")
    })
}

fn operations(w: &EmulatorWorld) -> Vec<String> {
    w.server.shared().with(|e| {
        e.served_requests()
            .iter()
            .map(|r| r.operation.clone())
            .collect()
    })
}

#[tokio::test]
async fn each_social_provider_federates_with_a_token_it_issued_and_not_with_another() {
    let w = world().await;
    let providers = [
        FederationProvider::Facebook,
        FederationProvider::Google,
        FederationProvider::Amazon,
        FederationProvider::Apple,
    ];
    for provider in providers {
        let auth = engine(&w);
        let key = provider.login_key();
        let token = format!("{key}-token");
        register(&w, &key, &token, json!({})).await;

        // A token the provider did not issue is refused; nothing is federated.
        let refused = auth
            .federated_sign_in(
                provider.clone(),
                "forged",
                FederatedSignInOptions::default(),
            )
            .await;
        assert!(
            matches!(
                refused,
                Err(Error::Service(ServiceError::FederationExpired))
            ),
            "{key}: {refused:?}"
        );
        assert_eq!(auth.user_state(), UserState::Guest, "{key}");

        let out = auth
            .federated_sign_in(provider.clone(), &token, FederatedSignInOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(auth.user_state(), UserState::Federated, "{key}");
        assert_eq!(role_of(&w, &out.credentials.access_key_id), FED_AUTH_ROLE);
        let again = auth.aws_credentials().await.expect("cached credentials");
        assert_eq!(again.identity_id, out.identity_id, "{key}");

        // While federated there is no user-pool session: a typed error, nothing sent.
        let before = operations(&w).len();
        for result in [
            auth.tokens().await.map(drop),
            auth.change_password("a", "b").await,
            auth.fetch_devices(Default::default()).await.map(drop),
        ] {
            assert!(
                matches!(result, Err(Error::App(AppError::InvalidState { .. }))),
                "{key}: {result:?}"
            );
        }
        assert_eq!(
            operations(&w).len(),
            before,
            "no request for user-pool calls"
        );

        // clear_federation forgets the local session only; the same token gets the same
        // identity back.
        auth.clear_federation().await.expect("clear");
        assert_eq!(auth.user_state(), UserState::Guest);
        let back = auth
            .federated_sign_in(provider.clone(), &token, FederatedSignInOptions::default())
            .await
            .expect("federate again");
        assert_eq!(back.identity_id, out.identity_id, "{key}: the pool kept it");
        auth.shutdown().await;
    }
}

#[tokio::test]
async fn a_provider_the_pool_does_not_accept_is_refused() {
    let w = world().await;
    let auth = engine(&w);
    register(&w, "api.twitter.com", "tw", json!({})).await;
    let r = auth
        .federated_sign_in(
            FederationProvider::Custom("api.twitter.com".into()),
            "tw",
            FederatedSignInOptions::default(),
        )
        .await;
    assert!(
        matches!(r, Err(Error::Service(ServiceError::FederationExpired))),
        "{r:?}"
    );
    // The same answer Cognito gives, read at the wire.
    let (status, body) = post_json(
        &w.server.endpoint(),
        "/",
        Some("AWSCognitoIdentityService.GetId"),
        &[],
        &json!({"IdentityPoolId": FED_POOL, "Logins": {"api.twitter.com": "tw"}}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "NotAuthorizedException");
    assert!(body["message"]
        .as_str()
        .is_some_and(|m| m.contains("not from a supported provider")));
}

#[tokio::test]
async fn an_oidc_provider_is_judged_by_its_keys_and_the_emulators_user_pool_can_be_one() {
    let w = world().await;
    // The emulator's own user pool as an OIDC provider: alice's id token.
    let alice = w.builder(AuthFlow::UserSrpAuth).build().expect("engine");
    alice
        .sign_in("alice", "Passw0rd!", Default::default())
        .await
        .expect("sign in");
    let id_token = alice
        .tokens()
        .await
        .expect("tokens")
        .id_token
        .expect("id token");
    let issuer = format!("https://cognito-idp.us-east-1.amazonaws.com/{EMU_POOL_ID}");
    let auth = engine(&w);
    let out = auth
        .federated_sign_in(
            FederationProvider::Oidc { issuer },
            id_token.expose(),
            FederatedSignInOptions::default(),
        )
        .await
        .expect("the user pool's id token federates as OIDC");
    assert_eq!(auth.user_state(), UserState::Federated);
    assert!(!out.identity_id.is_empty());

    // Another issuer, verified against the JWKS the test registers for it.
    let signer = TokenSigner::emulator_only().expect("signer");
    let now_s = w.server.shared().now().secs();
    let claims = |iss: &str, exp: u64| {
        let v =
            json!({"iss": iss, "sub": "oidc-user-1", "aud": "client-1", "exp": exp, "iat": now_s});
        v.as_object().cloned().expect("claims")
    };
    let good = signer.sign(&claims(OIDC_ISSUER, now_s + 600));
    let provider = FederationProvider::Oidc {
        issuer: OIDC_ISSUER.into(),
    };
    let other = engine(&w);
    let unknown_keys = other
        .federated_sign_in(provider.clone(), &good, FederatedSignInOptions::default())
        .await;
    assert!(
        unknown_keys.is_err(),
        "no JWKS registered yet: {unknown_keys:?}"
    );
    let (status, _) = post_json(
        &w.server.endpoint(),
        "/_emulator/federation/oidc",
        None,
        &[],
        &json!({"issuer": OIDC_ISSUER, "jwks": signer.jwks()}),
    )
    .await;
    assert_eq!(status, 200);
    other
        .federated_sign_in(provider.clone(), &good, FederatedSignInOptions::default())
        .await
        .expect("a token signed by the registered keys");

    // Expired, foreign-issuer and tampered tokens are refused with NotAuthorizedException.
    let expired = signer.sign(&claims(OIDC_ISSUER, now_s.saturating_sub(5)));
    let foreign = signer.sign(&claims("https://evil.example.com", now_s + 600));
    // One signature character changed, well inside the signature (its last character holds
    // padding bits).
    let tampered = {
        let mut chars: Vec<char> = good.chars().collect();
        let i = chars.len() - 20;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect::<String>()
    };
    for (why, token) in [
        ("expired", expired),
        ("foreign", foreign),
        ("tampered", tampered),
    ] {
        let (status, body) = post_json(
            &w.server.endpoint(),
            "/",
            Some("AWSCognitoIdentityService.GetId"),
            &[],
            &json!({"IdentityPoolId": FED_POOL, "Logins": {"login.example.com": token}}),
        )
        .await;
        assert_eq!(
            (status, body["__type"].as_str()),
            (400, Some("NotAuthorizedException")),
            "{why}"
        );
    }
}

#[tokio::test]
async fn saml_with_several_roles_needs_custom_role_arn_and_gets_that_role() {
    let w = world().await;
    let assertion = "PHNhbWxwOlJlc3BvbnNlLz4=";
    register(
        &w,
        SAML_ARN,
        assertion,
        json!({"roles": [ADMIN_ROLE, READER_ROLE]}),
    )
    .await;
    let provider = FederationProvider::Saml {
        provider_arn: SAML_ARN.into(),
    };
    let auth = engine(&w);
    let without = auth
        .federated_sign_in(
            provider.clone(),
            assertion,
            FederatedSignInOptions::default(),
        )
        .await;
    assert!(without.is_err(), "several roles and no choice: {without:?}");
    let out = auth
        .federated_sign_in(
            provider,
            assertion,
            FederatedSignInOptions::default().custom_role_arn(READER_ROLE),
        )
        .await
        .expect("SAML with a custom role");
    assert_eq!(role_of(&w, &out.credentials.access_key_id), READER_ROLE);
}

#[tokio::test]
async fn developer_identities_federate_the_backends_token_without_get_id() {
    let w = world().await;
    // The app's backend: GetOpenIdTokenForDeveloperIdentity, signed with its developer
    // credentials (the emulator checks that the request is SigV4-signed, not the key).
    let (status, backend) = post_json(
        &w.server.endpoint(),
        "/",
        Some("AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity"),
        &[SIGNED],
        &json!({"IdentityPoolId": FED_POOL, "Logins": {DEV_PROVIDER: "backend-user-7"}}),
    )
    .await;
    assert_eq!(status, 200, "{backend}");
    let identity_id = backend["IdentityId"]
        .as_str()
        .expect("identity id")
        .to_owned();
    let token = backend["Token"].as_str().expect("token").to_owned();
    // An app cannot call it: it has no developer credentials to sign with.
    let (status, unsigned) = post_json(
        &w.server.endpoint(),
        "/",
        Some("AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity"),
        &[],
        &json!({"IdentityPoolId": FED_POOL, "Logins": {DEV_PROVIDER: "backend-user-7"}}),
    )
    .await;
    assert_eq!(
        (status, unsigned["__type"].as_str()),
        (400, Some("MissingAuthenticationTokenException"))
    );

    let auth = engine(&w);
    let missing = auth
        .federated_sign_in(
            FederationProvider::Developer,
            &token,
            FederatedSignInOptions::default(),
        )
        .await;
    assert!(
        matches!(missing, Err(Error::App(AppError::InvalidParameter { .. }))),
        "{missing:?}"
    );
    w.server.shared().with(|e| e.clear_served_requests());
    let out = auth
        .federated_sign_in(
            FederationProvider::Developer,
            &token,
            FederatedSignInOptions::default().developer_provided_identity_id(&identity_id),
        )
        .await
        .expect("developer identity");
    assert_eq!(out.identity_id, identity_id);
    assert_eq!(
        operations(&w),
        ["GetCredentialsForIdentity"],
        "GetId is skipped"
    );
    assert_eq!(auth.user_state(), UserState::Federated);
}

/// Federated credentials that expire while the provider token has expired too.
async fn federated_then_token_refused(w: &EmulatorWorld) -> (Auth, String) {
    register(
        w,
        "graph.facebook.com",
        "fb-short",
        json!({"expires_in_seconds": 600}),
    )
    .await;
    let auth = engine(w);
    let out = auth
        .federated_sign_in(
            FederationProvider::Facebook,
            "fb-short",
            FederatedSignInOptions::default(),
        )
        .await
        .expect("federate");
    // Credentials last an hour; the provider token ten minutes.
    w.advance_clock_s(3_700);
    (auth, out.identity_id)
}

fn spawn_callers(auth: &Auth, n: usize) -> Vec<tokio::task::JoinHandle<Result<String, Error>>> {
    (0..n)
        .map(|_| {
            let auth = auth.clone();
            tokio::spawn(async move { auth.aws_credentials().await.map(|c| c.identity_id) })
        })
        .collect()
}

async fn wait_for_state(auth: &Auth, state: UserState) {
    let mut watch = auth.watch_user_state();
    tokio::time::timeout(Duration::from_secs(10), watch.wait_for(|s| *s == state))
        .await
        .unwrap_or_else(|_| panic!("state {state:?} not reached"))
        .expect("engine running");
}

#[tokio::test]
async fn a_refused_provider_token_holds_credential_callers_until_the_next_federated_sign_in() {
    let w = world().await;
    let (auth, identity_id) = federated_then_token_refused(&w).await;
    let callers = spawn_callers(&auth, 5);
    wait_for_state(&auth, UserState::SignedOutFederatedTokensInvalid).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        callers.iter().all(|c| !c.is_finished()),
        "callers wait for a new token"
    );

    register(
        &w,
        "graph.facebook.com",
        "fb-new",
        json!({"expires_in_seconds": 7_200}),
    )
    .await;
    auth.federated_sign_in(
        FederationProvider::Facebook,
        "fb-new",
        FederatedSignInOptions::default(),
    )
    .await
    .expect("the new token");
    for c in callers {
        let got = tokio::time::timeout(Duration::from_secs(10), c)
            .await
            .expect("answered")
            .expect("task")
            .expect("credentials");
        assert_eq!(
            got, identity_id,
            "the same identity, answered with the new token"
        );
    }
    assert_eq!(auth.user_state(), UserState::Federated);
}

#[tokio::test]
async fn release_sign_in_wait_answers_the_waiting_callers_with_a_typed_error() {
    let w = world().await;
    let (auth, _) = federated_then_token_refused(&w).await;
    let callers = spawn_callers(&auth, 3);
    wait_for_state(&auth, UserState::SignedOutFederatedTokensInvalid).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    auth.release_sign_in_wait().await.expect("release");
    for c in callers {
        let got = tokio::time::timeout(Duration::from_secs(10), c)
            .await
            .expect("answered")
            .expect("task");
        assert!(
            matches!(got, Err(Error::App(AppError::SignInWaitReleased))),
            "{got:?}"
        );
    }
    assert_eq!(
        auth.user_state(),
        UserState::SignedOutFederatedTokensInvalid
    );
}

/// A SigV4-shaped header: moto reads the region and service from its credential scope; the
/// emulator's developer operations require one (neither checks the signature).
const SIGNED: (&str, &str) = (
    "Authorization",
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/cognito-identity/aws4_request, SignedHeaders=host, Signature=00",
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_understands_social_and_developer_federation_as_the_engine_sends_it() {
    let moto = cognito_auth_tests::start_moto().await;
    let target = |op: &str| format!("AWSCognitoIdentityService.{op}");
    let (status, pool) = post_json(
        &moto.endpoint,
        "/",
        Some(&target("CreateIdentityPool")),
        &[SIGNED],
        &json!({
            "IdentityPoolName": "fed",
            "AllowUnauthenticatedIdentities": false,
            "SupportedLoginProviders": {"graph.facebook.com": "fb-app"},
            "DeveloperProviderName": DEV_PROVIDER
        }),
    )
    .await;
    assert_eq!(status, 200, "{pool}");
    let pool_id = pool["IdentityPoolId"].as_str().expect("pool id").to_owned();
    let engine = || {
        let mut cfg = config(
            &cognito_auth_tests::Pool {
                pool_id: "us-east-1_unused".into(),
                client_id: "unused".into(),
            },
            AuthFlow::UserSrpAuth,
        );
        cfg.identity_pool = Some(IdentityPoolConfig {
            pool_id: pool_id.clone(),
            region: "us-east-1".to_owned(),
            allow_guest: false,
        });
        Auth::builder()
            .config(cfg)
            .endpoint_url(&moto.endpoint)
            .build()
            .expect("engine")
    };

    // moto accepts any provider token: this checks the wire, not the judging.
    let social = engine();
    let out = social
        .federated_sign_in(
            FederationProvider::Facebook,
            "fb-token",
            FederatedSignInOptions::default(),
        )
        .await
        .expect("GetId + GetCredentialsForIdentity on moto");
    assert!(!out.credentials.access_key_id.is_empty());
    assert_eq!(social.user_state(), UserState::Federated);
    assert_eq!(
        social.identity_id().await.expect("identity id"),
        out.identity_id
    );

    let (status, backend) = post_json(
        &moto.endpoint,
        "/",
        Some(&target("GetOpenIdTokenForDeveloperIdentity")),
        &[SIGNED],
        &json!({"IdentityPoolId": pool_id, "Logins": {DEV_PROVIDER: "backend-user-1"}}),
    )
    .await;
    assert_eq!(status, 200, "{backend}");
    let identity_id = backend["IdentityId"]
        .as_str()
        .expect("identity id")
        .to_owned();
    let developer = engine();
    let out = developer
        .federated_sign_in(
            FederationProvider::Developer,
            backend["Token"].as_str().expect("token"),
            FederatedSignInOptions::default().developer_provided_identity_id(&identity_id),
        )
        .await
        .expect("GetCredentialsForIdentity on moto");
    assert_eq!(out.identity_id, identity_id);
}

/// The app's token provider in the tests: OIDC id tokens signed with the keys registered for
/// `OIDC_ISSUER`, each valid ten minutes on the emulator's clock; or, without a signer, a
/// provider that cannot get a token.
struct OidcTokens {
    signer: Option<TokenSigner>,
    server: std::sync::Arc<cognito_auth_emulator::http::Shared>,
    issued: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl OidcTokens {
    fn token(&self, signer: &TokenSigner) -> String {
        let now_s = self.server.now().secs();
        let claims = json!({"iss": OIDC_ISSUER, "sub": "oidc-user-7", "aud": "client-1",
                            "exp": now_s + 600, "iat": now_s});
        signer.sign(claims.as_object().expect("claims"))
    }
}

impl FederatedTokenProvider for OidcTokens {
    fn fresh_token(&self) -> ProviderFuture<'_, Result<FederatedToken, ProviderError>> {
        Box::pin(async move {
            let signer = self
                .signer
                .as_ref()
                .ok_or_else(|| ProviderError::new("the user must sign in to the provider"))?;
            self.issued
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let provider = FederationProvider::Oidc {
                issuer: OIDC_ISSUER.into(),
            };
            Ok(FederatedToken::new(provider, self.token(signer)))
        })
    }
}

async fn register_oidc_keys(w: &EmulatorWorld, signer: &TokenSigner) {
    let (status, _) = post_json(
        &w.server.endpoint(),
        "/_emulator/federation/oidc",
        None,
        &[],
        &json!({"issuer": OIDC_ISSUER, "jwks": signer.jwks()}),
    )
    .await;
    assert_eq!(status, 200, "registering the OIDC provider's keys");
}

// Seed 002 ("custom token providers"): the app supplies the tokens; the engine renews the
// federation with them when the identity pool refuses the one it has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_provider_renews_a_refused_federation_and_answers_the_waiting_callers() {
    let w = world().await;
    let signer = TokenSigner::emulator_only().expect("signer");
    register_oidc_keys(&w, &signer).await;
    let issued = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tokens = OidcTokens {
        signer: Some(signer.clone()),
        server: std::sync::Arc::clone(w.server.shared()),
        issued: std::sync::Arc::clone(&issued),
    };
    let first = tokens.token(&signer);
    let auth = engine_builder(&w)
        .federated_token_provider(tokens)
        .build()
        .expect("engine");
    let provider = FederationProvider::Oidc {
        issuer: OIDC_ISSUER.into(),
    };
    let out = auth
        .federated_sign_in(provider, &first, FederatedSignInOptions::default())
        .await
        .expect("federate with the first token");
    assert_eq!(issued.load(std::sync::atomic::Ordering::SeqCst), 0);

    // The credentials expire after an hour, the token after ten minutes: the pool refuses it.
    w.advance_clock_s(3_700);
    let callers = spawn_callers(&auth, 4);
    for c in callers {
        let got = tokio::time::timeout(Duration::from_secs(10), c)
            .await
            .expect("answered without the app calling federated_sign_in")
            .expect("task")
            .expect("credentials");
        assert_eq!(got, out.identity_id, "the same identity, renewed");
    }
    assert_eq!(auth.user_state(), UserState::Federated);
    assert_eq!(
        issued.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one fresh token for all the callers"
    );
    let refused_then_renewed = operations(&w)
        .iter()
        .filter(|o| *o == "GetCredentialsForIdentity")
        .count();
    assert!(refused_then_renewed >= 3, "{:?}", operations(&w));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_provider_that_fails_releases_the_waiting_callers() {
    let w = world().await;
    let auth = engine_builder(&w)
        .federated_token_provider(OidcTokens {
            signer: None,
            server: std::sync::Arc::clone(w.server.shared()),
            issued: std::sync::Arc::default(),
        })
        .build()
        .expect("engine");
    register(
        &w,
        "graph.facebook.com",
        "fb-brief",
        json!({"expires_in_seconds": 600}),
    )
    .await;
    auth.federated_sign_in(
        FederationProvider::Facebook,
        "fb-brief",
        FederatedSignInOptions::default(),
    )
    .await
    .expect("federate");
    w.advance_clock_s(3_700);
    let got = tokio::time::timeout(Duration::from_secs(10), auth.aws_credentials())
        .await
        .expect("answered, not left waiting");
    assert!(
        matches!(got, Err(Error::App(AppError::SignInWaitReleased))),
        "{got:?}"
    );
    assert_eq!(
        auth.user_state(),
        UserState::SignedOutFederatedTokensInvalid
    );
}

/// A guest who federates keeps the guest identity ("Switching unauthenticated users to
/// authenticated users"): the login goes with the guest identity id, no second GetId, and the
/// pool links the login to it. A refused token leaves the guest as it was, cached credentials
/// and all.
#[tokio::test]
async fn a_guest_who_federates_keeps_the_guest_identity_and_a_refused_token_leaves_the_guest() {
    let w = world().await;
    register(&w, "graph.facebook.com", "fb-guest-token", json!({})).await;
    let auth = engine(&w);
    let guest = auth.aws_credentials().await.expect("guest credentials");
    assert_eq!(auth.user_state(), UserState::Guest);
    assert_eq!(
        role_of(&w, &guest.credentials.access_key_id),
        FED_UNAUTH_ROLE
    );

    let refused = auth
        .federated_sign_in(
            FederationProvider::Facebook,
            "forged",
            FederatedSignInOptions::default(),
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(Error::Service(ServiceError::FederationExpired))
        ),
        "{refused:?}"
    );
    assert_eq!(auth.user_state(), UserState::Guest);
    let before = operations(&w).len();
    let still = auth
        .aws_credentials()
        .await
        .expect("guest credentials again");
    assert_eq!(still.identity_id, guest.identity_id);
    assert_eq!(
        still.credentials.access_key_id, guest.credentials.access_key_id,
        "served from the guest's cache"
    );
    assert_eq!(operations(&w).len(), before, "no request");

    let gets_before = operations(&w)
        .iter()
        .filter(|o| o.ends_with(".GetId"))
        .count();
    let fed = auth
        .federated_sign_in(
            FederationProvider::Facebook,
            "fb-guest-token",
            FederatedSignInOptions::default(),
        )
        .await
        .expect("federated from guest");
    assert_eq!(auth.user_state(), UserState::Federated);
    assert_eq!(
        fed.identity_id, guest.identity_id,
        "the guest identity is kept"
    );
    assert_eq!(role_of(&w, &fed.credentials.access_key_id), FED_AUTH_ROLE);
    let gets_after = operations(&w)
        .iter()
        .filter(|o| o.ends_with(".GetId"))
        .count();
    assert_eq!(
        gets_after, gets_before,
        "no GetId for the federated sign-in"
    );
    auth.shutdown().await;
}

//! No secret reaches a log line or a `Debug`/`Display` string: whole flows run against the
//! emulator (sign-up and confirmation, SRP sign-in with a client secret, TOTP set up and used,
//! a remembered device and a device-SRP sign-in, refresh after expiry, identity-pool
//! credentials, a wrong password, sign-out local and global) with a `tracing` subscriber at
//! TRACE capturing everything the process logs (engine, machine, AWS SDK), and every value and
//! error the public API hands back formatted with `Debug` and `Display`.
//!
//! The secrets searched for are the distinctive ones the test chose (passwords, client secret)
//! plus every value the machine itself classes as secret: each input and output of the
//! recorded event log is serialised once with secrets in clear and once redacted, and every
//! string that differs (tokens, SRP `A`/`M1`/signatures, device passwords and verifiers,
//! session strings, AWS secret keys and session tokens, TOTP secrets) is searched for, unless
//! it also appears in clear somewhere in the redacted log (user names and device keys sit in
//! redacted parameter maps and are public).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use cognito_auth_tests as common;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::sync::{Arc, Mutex};

use cognito_auth::machine::secret::expose_secrets_while;
use cognito_auth::machine::AuthFlow;
use cognito_auth::{
    Auth, ConfirmSignInOptions, ConfirmSignUpOptions, FetchDevicesOptions, FetchOptions,
    MfaPreference, MfaSetting, SignInOptions, SignInStep, SignOutOptions, SignUpOptions, UserState,
    VerifyTotpSetupOptions,
};
use cognito_auth_emulator::CodePurpose;
use serde_json::Value;

const POOL: &str = "us-east-1_LeakTest1";
const CLIENT: &str = "leakclient000000000000001";
const CLIENT_SECRET: &str = "ClientSecret-CANARY-5b1e0c7d9f2a";
const IDENTITY_POOL: &str = "us-east-1:00000000-0000-4000-8000-0000000ea4c1";
const USER: &str = "lena";
const PASSWORD: &str = "Passw0rd-CANARY-93ad17!";
const WRONG_PASSWORD: &str = "Wr0ng-CANARY-4e02bb!";

/// A `tracing` writer into one shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A pool with a client secret, devices remembered on the user's prompt, and an identity pool
/// that trusts it.
fn add_leak_pool(world: &common::EmulatorWorld) {
    let seed = serde_json::json!({
        "user_pools": [{
            "Id": POOL,
            "PoolName": "leak",
            "AutoVerifiedAttributes": ["email"],
            "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": false,
                                    "DeviceOnlyRememberedOnUserPrompt": true},
            "Clients": [{
                "ClientId": CLIENT,
                "ClientName": "app",
                "ClientSecret": CLIENT_SECRET,
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                                      "ALLOW_REFRESH_TOKEN_AUTH"]
            }]
        }],
        "identity_pools": [{
            "IdentityPoolId": IDENTITY_POOL,
            "IdentityPoolName": "leak",
            "AllowUnauthenticatedIdentities": true,
            "CognitoIdentityProviders": [{
                "ProviderName": format!("cognito-idp.us-east-1.amazonaws.com/{POOL}"),
                "ClientId": CLIENT
            }],
            "Roles": {"authenticated": common::EMU_AUTH_ROLE,
                      "unauthenticated": common::EMU_UNAUTH_ROLE}
        }]
    });
    let shared = world.server.shared();
    let now = shared.now();
    shared.with(|e| e.apply_seed(&seed, now)).unwrap();
}

fn engine(world: &common::EmulatorWorld, dir: &std::path::Path) -> Auth {
    let pool = common::Pool {
        pool_id: POOL.to_owned(),
        client_id: CLIENT.to_owned(),
    };
    let mut config = common::config(&pool, AuthFlow::UserSrpAuth);
    if let Some(user_pool) = config.user_pool.as_mut() {
        user_pool.app_client_secret = Some(cognito_auth::Secret::new(CLIENT_SECRET.to_owned()));
    }
    config.identity_pool = Some(cognito_auth::machine::config::IdentityPoolConfig {
        pool_id: IDENTITY_POOL.to_owned(),
        region: "us-east-1".to_owned(),
        allow_guest: true,
    });
    let shared = Arc::clone(world.server.shared());
    Auth::builder()
        .config(config)
        .endpoint_url(world.server.endpoint())
        .unix_clock(move || i64::try_from(shared.now().0).unwrap_or(i64::MAX))
        .session_file(dir.join("session.json"))
        .event_log(dir.join("events.jsonl"))
        .build()
        .unwrap()
}

async fn settled(auth: &Auth) {
    let mut rx = auth.watch_user_state();
    rx.wait_for(|s| *s != UserState::Unknown).await.unwrap();
}

/// Records `Debug` and `Display` (where there is one) of what the API handed back.
#[derive(Default)]
struct Shown(String);

impl Shown {
    fn debug(&mut self, value: &impl std::fmt::Debug) {
        self.0.push_str(&format!("{value:?}\n{value:#?}\n"));
    }
    fn both(&mut self, value: &(impl std::fmt::Debug + std::fmt::Display)) {
        self.debug(value);
        self.0.push_str(&format!("{value}\n"));
    }
}

/// Runs every flow, recording what the API hands back in `shown`.
async fn run_flows(world: &common::EmulatorWorld, dir: &std::path::Path, shown: &mut Shown) {
    let auth = engine(world, dir);
    settled(&auth).await;
    shown.debug(&auth);

    let guest = auth.aws_credentials().await.unwrap();
    shown.debug(&guest);
    shown.debug(
        &auth
            .sign_up(
                USER,
                PASSWORD,
                SignUpOptions::default().attribute("email", "lena@example.com"),
            )
            .await
            .unwrap(),
    );
    let code = world.last_code(USER, CodePurpose::SignUp);
    shown.debug(
        &auth
            .confirm_sign_up(USER, &code, ConfirmSignUpOptions::default())
            .await
            .unwrap(),
    );
    let wrong = auth
        .sign_in(USER, WRONG_PASSWORD, SignInOptions::default())
        .await
        .unwrap_err();
    shown.both(&wrong);
    let signed_in = auth
        .sign_in(USER, PASSWORD, SignInOptions::default())
        .await
        .unwrap();
    assert_eq!(signed_in.next_step, SignInStep::Done);
    shown.debug(&signed_in);

    // TOTP set up and used on the next sign-in.
    let setup = auth.set_up_totp().await.unwrap();
    shown.debug(&setup);
    shown.both(&setup.shared_secret);
    let key = cognito_auth_emulator::totp::base32_decode(setup.shared_secret.expose()).unwrap();
    let totp = |world: &common::EmulatorWorld| {
        cognito_auth_emulator::totp::totp(&key, world.server.shared().now().0 / 1000)
    };
    auth.verify_totp_setup(&totp(world), VerifyTotpSetupOptions::default())
        .await
        .unwrap();
    auth.update_mfa_preference(MfaPreference::default().totp(MfaSetting::Preferred))
        .await
        .unwrap();
    auth.remember_device().await.unwrap();
    shown.debug(&auth.fetch_device().await.unwrap());
    shown.debug(
        &auth
            .fetch_devices(FetchDevicesOptions::default())
            .await
            .unwrap(),
    );

    let tokens = auth.tokens().await.unwrap();
    shown.debug(&tokens);
    shown.debug(&auth.aws_credentials().await.unwrap());
    // Past expiry: a refresh, and new credentials.
    world.advance_clock_s(2 * 3600);
    let refreshed = auth.tokens().await.unwrap();
    assert_ne!(
        refreshed.access_token.expose(),
        tokens.access_token.expose()
    );
    shown.debug(&refreshed);
    shown.debug(
        &auth
            .tokens_with(FetchOptions::default().force_refresh())
            .await
            .unwrap(),
    );
    shown.debug(&auth.aws_credentials().await.unwrap());
    shown.debug(&auth.fetch_user_attributes().await.unwrap());
    shown.debug(&auth.sign_out(SignOutOptions::default()).await.unwrap());

    // The remembered device answers the device challenge; TOTP is still asked.
    world.advance_clock_s(60);
    let step = auth
        .sign_in(USER, PASSWORD, SignInOptions::default())
        .await
        .unwrap();
    shown.debug(&step);
    if step.next_step != SignInStep::Done {
        let done = auth
            .confirm_sign_in(&totp(world), ConfirmSignInOptions::default())
            .await
            .unwrap();
        assert_eq!(done.next_step, SignInStep::Done, "{done:?}");
        shown.debug(&done);
    }
    shown.debug(&auth.tokens().await.unwrap());
    shown.debug(
        &auth
            .sign_out(SignOutOptions {
                global: true,
                ..SignOutOptions::default()
            })
            .await
            .unwrap(),
    );
    shown.both(&auth.tokens_with(FetchOptions::default()).await.unwrap_err());
    shown.debug(&auth);
    auth.shutdown().await;
}

/// Strings at the same place in the exposed and the redacted form that differ: the secrets.
fn differing(exposed: &Value, redacted: &Value, out: &mut BTreeSet<String>) {
    match (exposed, redacted) {
        (Value::String(e), r) if Some(e.as_str()) != r.as_str() => {
            out.insert(e.clone());
        }
        (Value::Array(e), Value::Array(r)) => {
            e.iter().zip(r).for_each(|(e, r)| differing(e, r, out));
        }
        (Value::Object(e), Value::Object(r)) => {
            for (k, v) in e {
                if let Some(rv) = r.get(k) {
                    differing(v, rv, out);
                }
            }
        }
        _ => {}
    }
}

/// Every secret the machine saw or produced, read from the event log (see the module docs).
fn secrets_in_log(path: &std::path::Path) -> BTreeSet<String> {
    let read = || std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let log = cognito_auth::event_log::read_log(read()).unwrap();
    let outputs = cognito_auth::replay(read()).unwrap();
    let mut values: Vec<(Value, Value)> = Vec::new();
    let mut both = |v: Value, redacted: Value| values.push((v, redacted));
    let exposed = |v: &dyn erased::Json| expose_secrets_while(|| v.json());
    both(exposed(&log.header), log.header.json());
    for input in &log.inputs {
        both(exposed(input), input.json());
    }
    for output in &outputs {
        both(exposed(output), output.json());
    }
    let mut secrets = BTreeSet::new();
    let mut public = String::new();
    for (exposed, redacted) in &values {
        differing(exposed, redacted, &mut secrets);
        public.push_str(&redacted.to_string());
    }
    secrets.retain(|s| s.len() >= 8 && !public.contains(s.as_str()));
    secrets
}

mod erased {
    /// Serialises any of the log's types to a JSON value.
    pub(super) trait Json {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}
use erased::Json as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_logs_debug_or_display() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(capture.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let world = common::start_emulator().await;
    add_leak_pool(&world);
    let dir = tempfile::tempdir().unwrap();
    let mut shown = Shown::default();
    run_flows(&world, dir.path(), &mut shown).await;

    let mut secrets = secrets_in_log(&dir.path().join("events.jsonl"));
    let session = std::fs::read_to_string(dir.path().join("session.json")).unwrap();
    let stored: cognito_auth::machine::PersistedSession = serde_json::from_str(&session).unwrap();
    let stored_secrets = {
        let mut s = BTreeSet::new();
        differing(
            &expose_secrets_while(|| stored.json()),
            &stored.json(),
            &mut s,
        );
        s
    };
    assert!(
        stored_secrets
            .iter()
            .all(|s| s.len() < 8 || secrets.contains(s)),
        "the store holds secrets the log does not"
    );
    for known in [CLIENT_SECRET, PASSWORD, WRONG_PASSWORD] {
        assert!(secrets.contains(known), "{known} is classed as a secret");
    }
    // Enough found to make the search meaningful: tokens, SRP values, device secrets, keys.
    assert!(secrets.len() >= 20, "only {} secrets found", secrets.len());
    secrets.extend([CLIENT_SECRET, PASSWORD, WRONG_PASSWORD].map(str::to_owned));

    let captured = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    // Known leak outside this project: at TRACE the AWS SDK's orchestrator logs each operation
    // output with `Debug`, and `GetCredentialsForIdentity`'s shows the session token in clear
    // (the secret key is redacted). Those lines are left out of the search, and only those:
    // an app that logs at TRACE must keep `aws_smithy_runtime` below TRACE.
    let sdk_output = "aws_smithy_runtime::client::orchestrator: output_or_error=";
    let logs: String = captured
        .lines()
        .filter(|l| !(l.contains(sdk_output) && l.contains("GetCredentialsForIdentityOutput")))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        logs.lines().count() > 50,
        "TRACE capture saw too little: {logs}"
    );
    for secret in &secrets {
        let prefix: String = secret.chars().take(6).collect();
        if let Some(line) = logs.lines().find(|l| l.contains(secret.as_str())) {
            panic!(
                "a secret ({prefix}...) is in the logs: {}",
                line.replace(secret.as_str(), "<SECRET>")
            );
        }
        if let Some(line) = shown.0.lines().find(|l| l.contains(secret.as_str())) {
            panic!(
                "a secret ({prefix}...) is in a Debug or Display string: {}",
                line.replace(secret.as_str(), "<SECRET>")
            );
        }
    }
    let _ = std::io::stderr().write_all(
        format!(
            "searched {} secrets in {} log lines and {} bytes of Debug/Display\n",
            secrets.len(),
            logs.lines().count(),
            shown.0.len()
        )
        .as_bytes(),
    );
}

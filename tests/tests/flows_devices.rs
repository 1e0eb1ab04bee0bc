//! Device tracking end to end against the emulator over HTTP: `update_device_status` decides
//! whether the next sign-in asks for MFA, device lists come in pages (`ListDevices` `Limit` and
//! `PaginationToken`), and a remembered device's secret survives an engine restart from the
//! file store, so the next sign-in runs device SRP and skips MFA.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::Path;
use std::sync::Arc;

use cognito_auth::machine::cognito::UserPoolRequest;
use cognito_auth::machine::output::Effect;
use cognito_auth::machine::{AuthFlow, Output};
use cognito_auth::{
    Auth, AuthBuilder, ConfirmSignInOptions, Device, DeviceRememberedStatus, FetchDevicesOptions,
    SignInOptions, SignInStep, SignOutOptions, UserState,
};
use cognito_auth_emulator::http::Server;
use cognito_auth_emulator::{CodePurpose, Emulator, EmulatorConfig};
use cognito_auth_tests::last_code;

const POOL: &str = "us-east-1_FlowsDev02";
const CLIENT: &str = "flowsdeviceclient000000002";

/// A pool that tracks devices and remembers them when confirmed, with optional MFA:
/// `mo` must answer an EMAIL_OTP challenge, `pat` has no MFA.
async fn start() -> Server {
    let seed = serde_json::json!({
        "seed": 31,
        "region": "us-east-1",
        "user_pools": [{
            "Id": POOL,
            "PoolName": "flows-devices-mfa",
            "MfaConfiguration": "OPTIONAL",
            "EmailMfaConfiguration": {},
            "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": false,
                                    "DeviceOnlyRememberedOnUserPrompt": false},
            "Clients": [{
                "ClientId": CLIENT,
                "ClientName": "app",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
            }],
            "Users": [
                {"Username": "mo", "Password": "Passw0rd!",
                 "Attributes": {"email": "mo@example.com", "email_verified": "true"},
                 "Mfa": {"EmailMfaSettings": {"Enabled": true, "PreferredMfa": true}}},
                {"Username": "pat", "Password": "Passw0rd!",
                 "Attributes": {"email": "pat@example.com", "email_verified": "true"}}
            ]
        }]
    });
    let mut emulator = Emulator::new(EmulatorConfig {
        seed: 31,
        ..EmulatorConfig::default()
    })
    .unwrap();
    let now = cognito_auth_emulator::http::system_now();
    emulator.apply_seed(&seed, now).unwrap();
    cognito_auth_emulator::http::serve("127.0.0.1:0", emulator)
        .await
        .unwrap()
}

fn builder(server: &Server) -> AuthBuilder {
    let config = cognito_auth::Config {
        user_pool: Some(cognito_auth::machine::config::UserPoolConfig {
            pool_id: POOL.to_owned(),
            app_client_id: CLIENT.to_owned(),
            app_client_secret: None,
            region: "us-east-1".to_owned(),
            auth_flow: AuthFlow::UserSrpAuth,
        }),
        identity_pool: None,
        oauth: None,
        tuning: Default::default(),
    };
    let shared = Arc::clone(server.shared());
    Auth::builder()
        .config(config)
        .endpoint_url(server.endpoint())
        .unix_clock(move || i64::try_from(shared.now().0).unwrap_or(i64::MAX))
}

async fn settled(auth: &Auth) -> UserState {
    let mut rx = auth.watch_user_state();
    let state = *rx.wait_for(|s| *s != UserState::Unknown).await.unwrap();
    state
}

/// The challenges the engine answered, from its event log.
fn challenges_answered(log: &Path) -> Vec<String> {
    let file = std::io::BufReader::new(std::fs::File::open(log).unwrap());
    cognito_auth::replay(file)
        .unwrap()
        .into_iter()
        .filter_map(|o| match o {
            Output::Effect {
                effect:
                    Effect::UserPool {
                        request: UserPoolRequest::RespondToAuthChallenge { challenge_name, .. },
                    },
                ..
            } => Some(challenge_name),
            _ => None,
        })
        .collect()
}

fn status(device: &Device) -> Option<&str> {
    device
        .attributes
        .iter()
        .find(|a| a.name == "device_status")
        .map(|a| a.value.as_str())
}

/// Signs `mo` in, answering the EMAIL_OTP challenge when it comes; returns whether it came.
async fn sign_in_mo(server: &Server, auth: &Auth) -> bool {
    let step = auth
        .sign_in("mo", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap()
        .next_step;
    if step == SignInStep::Done {
        return false;
    }
    assert!(
        matches!(step, SignInStep::ConfirmWithEmailCode { .. }),
        "{step:?}"
    );
    let code = last_code(server, "mo", CodePurpose::EmailOtp);
    let done = auth
        .confirm_sign_in(&code, ConfirmSignInOptions::default())
        .await
        .unwrap()
        .next_step;
    assert_eq!(done, SignInStep::Done);
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_keys_survive_an_engine_restart_from_the_file_store_and_skip_mfa() {
    let server = start().await;
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("session.json");
    let first_log = dir.path().join("first.jsonl");
    let second_log = dir.path().join("second.jsonl");

    let device_key = {
        let auth = builder(&server)
            .session_file(&session)
            .event_log(&first_log)
            .build()
            .unwrap();
        settled(&auth).await;
        assert!(
            sign_in_mo(&server, &auth).await,
            "a new device asks for MFA"
        );
        let device = auth.fetch_device().await.unwrap();
        assert_eq!(status(&device), Some("valid"), "{device:?}");
        auth.sign_out(SignOutOptions::default()).await.unwrap();
        device.device_key
    };

    let auth = builder(&server)
        .session_file(&session)
        .event_log(&second_log)
        .build()
        .unwrap();
    assert_eq!(settled(&auth).await, UserState::SignedOut);
    assert!(
        !sign_in_mo(&server, &auth).await,
        "the remembered device skips MFA after the restart; challenges: {:?}",
        challenges_answered(&second_log)
    );
    let challenges = challenges_answered(&second_log);
    assert!(
        challenges.iter().any(|c| c == "DEVICE_PASSWORD_VERIFIER"),
        "device SRP must run: {challenges:?}"
    );
    assert_eq!(auth.fetch_device().await.unwrap().device_key, device_key);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_no_longer_remembered_asks_for_mfa_until_it_is_remembered_again() {
    let server = start().await;
    let auth = builder(&server).build().unwrap();
    settled(&auth).await;
    assert!(sign_in_mo(&server, &auth).await);

    auth.update_device_status(None, DeviceRememberedStatus::NotRemembered)
        .await
        .unwrap();
    let device = auth.fetch_device().await.unwrap();
    assert_eq!(status(&device), Some("not_remembered"));
    auth.sign_out(SignOutOptions::default()).await.unwrap();
    assert!(
        sign_in_mo(&server, &auth).await,
        "a tracked device that is not remembered does not skip MFA"
    );
    assert_eq!(
        auth.fetch_device().await.unwrap().device_key,
        device.device_key,
        "the device stays tracked"
    );

    auth.update_device_status(Some(&device.device_key), DeviceRememberedStatus::Remembered)
        .await
        .unwrap();
    assert_eq!(status(&auth.fetch_device().await.unwrap()), Some("valid"));
    auth.sign_out(SignOutOptions::default()).await.unwrap();
    assert!(
        !sign_in_mo(&server, &auth).await,
        "remembered again: MFA skipped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_are_listed_in_pages_and_fetched_whole() {
    let server = start().await;
    // Each fresh engine has no device secret, so each sign-in registers a new device.
    let mut created = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let auth = builder(&server).build().unwrap();
        settled(&auth).await;
        auth.sign_in("pat", "Passw0rd!", SignInOptions::default())
            .await
            .unwrap();
        created.push(auth.fetch_device().await.unwrap().device_key);
        last = Some(auth);
    }
    let auth = last.unwrap();
    created.sort();

    let mut seen = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = auth.list_devices(Some(2), token).await.unwrap();
        assert!(page.devices.len() <= 2, "{page:?}");
        pages += 1;
        seen.extend(page.devices.into_iter().map(|d| d.device_key));
        match page.pagination_token {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    seen.sort();
    assert_eq!(seen, created);

    let whole = auth
        .fetch_devices(FetchDevicesOptions::default().limit(2))
        .await
        .unwrap();
    assert_eq!(whole.len(), 5);
    let first_page = auth.list_devices(None, None).await.unwrap();
    assert_eq!(first_page.devices.len(), 5);
    assert_eq!(first_page.pagination_token, None);

    assert!(
        auth.list_devices(Some(2), Some("forged".into()))
            .await
            .is_err(),
        "a token the service did not issue is refused"
    );
    assert!(
        auth.list_devices(Some(61), None).await.is_err(),
        "Limit is at most 60"
    );
}

//! End-to-end account flows against the emulator over HTTP: password reset and change,
//! attribute updates with verification, user deletion, and device tracking (the device is
//! confirmed at sign-in, listed, used for DEVICE_SRP_AUTH on the next sign-in, then forgotten).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use cognito_auth_tests as common;

use std::sync::Arc;

use cognito_auth::machine::cognito::{Attribute, UserPoolRequest};
use cognito_auth::machine::output::Effect;
use cognito_auth::machine::{AuthFlow, Output};
use cognito_auth::{
    Auth, ConfirmForgotPasswordOptions, Error, FetchDevicesOptions, ForgotPasswordOptions,
    SendAttributeVerificationCodeOptions, SignInOptions, SignInStep, SignOutOptions,
    UpdateUserAttributesOptions, UserError, UserState,
};
use cognito_auth_emulator::CodePurpose;
use common::{start_emulator, EmulatorWorld, Pool};

async fn settled(auth: &Auth) -> UserState {
    let mut rx = auth.watch_user_state();
    let state = *rx.wait_for(|s| *s != UserState::Unknown).await.unwrap();
    state
}

fn attribute<'a>(attributes: &'a [Attribute], name: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.value.as_str())
}

fn is_not_authorized(err: &Error) -> bool {
    matches!(err, Error::User(UserError::NotAuthorized { .. }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_with_the_code_from_the_outbox() {
    let world = start_emulator().await;
    let auth = world.builder(AuthFlow::UserSrpAuth).build().unwrap();
    settled(&auth).await;

    let delivery = auth
        .forgot_password("alice", ForgotPasswordOptions::default())
        .await
        .unwrap();
    assert!(
        delivery.code_delivery_details.is_some(),
        "the code went somewhere"
    );
    let code = world.last_code("alice", CodePurpose::ForgotPassword);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let err = auth
        .confirm_forgot_password(
            "alice",
            "Re5et-Passw0rd!",
            wrong,
            ConfirmForgotPasswordOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err, Error::User(UserError::CodeMismatch));
    auth.confirm_forgot_password(
        "alice",
        "Re5et-Passw0rd!",
        &code,
        ConfirmForgotPasswordOptions::default(),
    )
    .await
    .unwrap();

    assert!(is_not_authorized(
        &auth
            .sign_in("alice", "Passw0rd!", SignInOptions::default())
            .await
            .unwrap_err()
    ));
    assert_eq!(
        auth.sign_in("alice", "Re5et-Passw0rd!", SignInOptions::default())
            .await
            .unwrap()
            .next_step,
        SignInStep::Done
    );
    assert_eq!(auth.user_state(), UserState::SignedIn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_password_replaces_the_old_one() {
    let world = start_emulator().await;
    let auth = world.builder(AuthFlow::UserPasswordAuth).build().unwrap();
    settled(&auth).await;
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();

    let err = auth
        .change_password("not-the-password", "Chang3d-Passw0rd!")
        .await
        .unwrap_err();
    assert!(is_not_authorized(&err), "{err:?}");
    auth.change_password("Passw0rd!", "Chang3d-Passw0rd!")
        .await
        .unwrap();
    assert_eq!(auth.user_state(), UserState::SignedIn);
    auth.sign_out(SignOutOptions::default()).await.unwrap();

    assert!(is_not_authorized(
        &auth
            .sign_in("alice", "Passw0rd!", SignInOptions::default())
            .await
            .unwrap_err()
    ));
    assert_eq!(
        auth.sign_in("alice", "Chang3d-Passw0rd!", SignInOptions::default())
            .await
            .unwrap()
            .next_step,
        SignInStep::Done
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_updated_email_is_verified_with_the_code_from_the_outbox() {
    let world = start_emulator().await;
    let auth = world.builder(AuthFlow::UserSrpAuth).build().unwrap();
    settled(&auth).await;
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();

    let before = auth.fetch_user_attributes().await.unwrap();
    assert_eq!(attribute(&before, "email"), Some("alice@example.com"));
    assert!(attribute(&before, "sub").is_some(), "{before:?}");

    let deliveries = auth
        .update_user_attributes(
            vec![
                Attribute {
                    name: "email".to_owned(),
                    value: "alice@example.org".to_owned(),
                },
                Attribute {
                    name: "name".to_owned(),
                    value: "Alice".to_owned(),
                },
            ],
            UpdateUserAttributesOptions::default(),
        )
        .await
        .unwrap();
    // The pool does not auto-verify email, so no code is sent with the update itself.
    assert!(
        deliveries.code_delivery_details_list.is_empty(),
        "{deliveries:?}"
    );
    let updated = auth.fetch_user_attributes().await.unwrap();
    assert_eq!(attribute(&updated, "email"), Some("alice@example.org"));
    assert_eq!(attribute(&updated, "name"), Some("Alice"));
    assert_eq!(attribute(&updated, "email_verified"), Some("false"));

    // A resent code replaces the first one.
    auth.send_attribute_verification_code("email", SendAttributeVerificationCodeOptions::default())
        .await
        .unwrap();
    let code = world.last_code("alice", CodePurpose::VerifyEmail);
    auth.confirm_attribute("email", &code).await.unwrap();
    let verified = auth.fetch_user_attributes().await.unwrap();
    assert_eq!(attribute(&verified, "email_verified"), Some("true"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_user_is_signed_out_and_cannot_sign_in_again() {
    let world = start_emulator().await;
    let auth = world.builder(AuthFlow::UserPasswordAuth).build().unwrap();
    settled(&auth).await;
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();

    auth.delete_user().await.unwrap();
    assert_eq!(auth.user_state(), UserState::SignedOut);
    let err = auth
        .sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::User(UserError::UserNotFound)) || is_not_authorized(&err),
        "{err:?}"
    );
    assert_eq!(auth.user_state(), UserState::SignedOut);
}

const DEVICE_POOL: &str = "us-east-1_FlowsDev01";
const DEVICE_CLIENT: &str = "flowsdeviceclient000000001";

/// Adds a pool with device tracking (devices remembered without asking) to the world.
fn add_device_pool(world: &EmulatorWorld) -> Pool {
    let seed = serde_json::json!({
        "user_pools": [{
            "Id": DEVICE_POOL,
            "PoolName": "flows-devices",
            "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": false,
                                    "DeviceOnlyRememberedOnUserPrompt": false},
            "Clients": [{
                "ClientId": DEVICE_CLIENT,
                "ClientName": "app",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
            }],
            "Users": [{"Username": "dora", "Password": "Passw0rd!",
                       "Attributes": {"email": "dora@example.com", "email_verified": "true"}}]
        }]
    });
    let shared = world.server.shared();
    let now = shared.now();
    shared.with(|e| e.apply_seed(&seed, now)).unwrap();
    Pool {
        pool_id: DEVICE_POOL.to_owned(),
        client_id: DEVICE_CLIENT.to_owned(),
    }
}

fn challenges_answered(log: &std::path::Path) -> Vec<String> {
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

fn device_engine(world: &EmulatorWorld, pool: &Pool, log: &std::path::Path) -> Auth {
    let shared = Arc::clone(world.server.shared());
    Auth::builder()
        .config(common::config(pool, AuthFlow::UserSrpAuth))
        .endpoint_url(world.server.endpoint())
        .unix_clock(move || i64::try_from(shared.now().0).unwrap_or(i64::MAX))
        .event_log(log)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tracked_device_is_confirmed_at_sign_in_listed_and_forgotten() {
    let world = start_emulator().await;
    let pool = add_device_pool(&world);
    let dir = tempfile::tempdir().unwrap();
    let auth = device_engine(&world, &pool, &dir.path().join("events.jsonl"));
    settled(&auth).await;

    assert_eq!(
        auth.sign_in("dora", "Passw0rd!", SignInOptions::default())
            .await
            .unwrap()
            .next_step,
        SignInStep::Done
    );
    let device = auth.fetch_device().await.unwrap();
    let devices = auth
        .fetch_devices(FetchDevicesOptions::default())
        .await
        .unwrap();
    assert_eq!(devices.len(), 1, "{devices:?}");
    assert_eq!(devices[0].device_key, device.device_key);
    assert_eq!(
        &*auth.tokens().await.unwrap().username,
        "dora",
        "the session is intact after the device confirmation"
    );

    auth.forget_device(None).await.unwrap();
    assert!(auth
        .fetch_devices(FetchDevicesOptions::default())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(auth.user_state(), UserState::SignedIn);
}

/// For each DEVICE_PASSWORD_VERIFIER answer sent, whether it carried a Session.
fn verifier_sessions(log: &std::path::Path) -> Vec<bool> {
    let file = std::io::BufReader::new(std::fs::File::open(log).unwrap());
    cognito_auth::replay(file)
        .unwrap()
        .into_iter()
        .filter_map(|o| match o {
            Output::Effect {
                effect:
                    Effect::UserPool {
                        request:
                            UserPoolRequest::RespondToAuthChallenge {
                                challenge_name,
                                session,
                                ..
                            },
                    },
                ..
            } if challenge_name == "DEVICE_PASSWORD_VERIFIER" => Some(session.is_some()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_sign_in_on_a_remembered_device_uses_device_srp() {
    let world = start_emulator().await;
    let pool = add_device_pool(&world);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("events.jsonl");
    let auth = device_engine(&world, &pool, &log);
    settled(&auth).await;
    auth.sign_in("dora", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    let device = auth.fetch_device().await.unwrap();
    auth.sign_out(SignOutOptions::default()).await.unwrap();

    let second = auth
        .sign_in("dora", "Passw0rd!", SignInOptions::default())
        .await;
    // The service answered DEVICE_SRP_AUTH without a Session (as it does for the SRP verifier
    // challenges): the verifier must not carry the spent DEVICE_SRP_AUTH session.
    let stale = verifier_sessions(&log);
    assert!(
        stale.iter().all(|has_session| !has_session),
        "DEVICE_PASSWORD_VERIFIER sent with a Session: {stale:?}"
    );
    assert_eq!(
        second.map(|out| out.next_step),
        Ok(SignInStep::Done),
        "challenges answered: {:?}",
        challenges_answered(&log)
    );
    let challenges = challenges_answered(&log);
    assert!(
        challenges.iter().any(|c| c == "DEVICE_PASSWORD_VERIFIER"),
        "the second sign-in must authenticate the device: {challenges:?}"
    );
    let devices = auth
        .fetch_devices(FetchDevicesOptions::default())
        .await
        .unwrap();
    assert_eq!(devices.len(), 1, "the same device is reused: {devices:?}");
    assert_eq!(devices[0].device_key, device.device_key);
}

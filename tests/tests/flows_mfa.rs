//! End-to-end MFA flows against the emulator over HTTP: SMS MFA with a wrong then a right code,
//! TOTP set up after sign-in (seen by GetUserAuthFactors) and asked on the next sign-in, and the NEW_PASSWORD_REQUIRED
//! challenge of a user created with a temporary password, and sign-in following a pool MFA
//! setting changed through the AWS SDK (`SetUserPoolMfaConfig`, `UpdateUserPool`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;

use cognito_auth::machine::AuthFlow;
use cognito_auth::{
    account, AppError, Auth, ConfirmSignInOptions, Error, MfaPreference, MfaSetting, SignInOptions,
    SignInStep, UserError, UserState, VerifyTotpSetupOptions,
};
use cognito_auth_emulator::http::Server;
use cognito_auth_emulator::{CodePurpose, Emulator, EmulatorConfig};
use cognito_auth_tests::last_code;

const POOL: &str = "us-east-1_FlowsMfa1";
const CLIENT: &str = "flowsmfaclient000000000001";

/// An emulator with an MFA-optional pool: `sam` (SMS MFA preferred), `erin` (EMAIL_OTP
/// preferred), `alice` (no MFA),
/// `carol` (temporary password `Temp0rary!`).
async fn start() -> Server {
    let seed = serde_json::json!({
        "seed": 21,
        "region": "us-east-1",
        "user_pools": [{
            "Id": POOL,
            "PoolName": "flows-mfa",
            "MfaConfiguration": "OPTIONAL",
            "EmailMfaConfiguration": {},
            "Clients": [{
                "ClientId": CLIENT,
                "ClientName": "app",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                                      "ALLOW_REFRESH_TOKEN_AUTH"]
            }],
            "Users": [
                {"Username": "sam", "Password": "Passw0rd!",
                 "Attributes": {"email": "sam@example.com", "email_verified": "true",
                                "phone_number": "+15550100", "phone_number_verified": "true"},
                 "Mfa": {"SMSMfaSettings": {"Enabled": true, "PreferredMfa": true}}},
                {"Username": "erin", "Password": "Passw0rd!",
                 "Attributes": {"email": "erin@example.com", "email_verified": "true"},
                 "Mfa": {"EmailMfaSettings": {"Enabled": true, "PreferredMfa": true}}},
                {"Username": "alice", "Password": "Passw0rd!",
                 "Attributes": {"email": "alice@example.com", "email_verified": "true"}},
                {"Username": "carol", "Password": "Temp0rary!", "Status": "FORCE_CHANGE_PASSWORD",
                 "Attributes": {"email": "carol@example.com", "email_verified": "true"}}
            ]
        }]
    });
    let mut emulator = Emulator::new(EmulatorConfig {
        seed: 21,
        ..EmulatorConfig::default()
    })
    .unwrap();
    let now = cognito_auth_emulator::http::system_now();
    emulator.apply_seed(&seed, now).unwrap();
    cognito_auth_emulator::http::serve("127.0.0.1:0", emulator)
        .await
        .unwrap()
}

fn engine(server: &Server, flow: AuthFlow) -> Auth {
    let config = cognito_auth::Config {
        user_pool: Some(cognito_auth::machine::config::UserPoolConfig {
            pool_id: POOL.to_owned(),
            app_client_id: CLIENT.to_owned(),
            app_client_secret: None,
            region: "us-east-1".to_owned(),
            auth_flow: flow,
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
        .build()
        .unwrap()
}

async fn settled(auth: &Auth) -> UserState {
    let mut rx = auth.watch_user_state();
    let state = *rx.wait_for(|s| *s != UserState::Unknown).await.unwrap();
    state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_mfa_rejects_a_wrong_code_then_accepts_the_one_from_the_outbox() {
    let server = start().await;
    let auth = engine(&server, AuthFlow::UserSrpAuth);
    settled(&auth).await;

    let step = auth
        .sign_in("sam", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap()
        .next_step;
    assert!(
        matches!(step, SignInStep::ConfirmWithSmsCode { .. }),
        "{step:?}"
    );
    let code = last_code(&server, "sam", CodePurpose::SmsMfa);
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let err = auth
        .confirm_sign_in(wrong, ConfirmSignInOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::User(UserError::CodeMismatch)),
        "{err:?}"
    );
    assert_eq!(auth.user_state(), UserState::SignedOut);

    let step = auth
        .confirm_sign_in(&code, ConfirmSignInOptions::default())
        .await
        .unwrap()
        .next_step;
    assert_eq!(step, SignInStep::Done);
    assert_eq!(auth.user_state(), UserState::SignedIn);
    assert_eq!(&*auth.tokens().await.unwrap().username, "sam");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_otp_rejects_a_wrong_code_then_accepts_the_one_from_the_outbox() {
    let server = start().await;
    let auth = engine(&server, AuthFlow::UserPasswordAuth);
    settled(&auth).await;

    let step = auth
        .sign_in("erin", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap()
        .next_step;
    assert!(
        matches!(step, SignInStep::ConfirmWithEmailCode { .. }),
        "{step:?}"
    );
    let code = last_code(&server, "erin", CodePurpose::EmailOtp);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let err = auth
        .confirm_sign_in(wrong, ConfirmSignInOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err, Error::User(UserError::CodeMismatch));
    assert_eq!(auth.user_state(), UserState::SignedOut);

    assert_eq!(
        auth.confirm_sign_in(&code, ConfirmSignInOptions::default())
            .await
            .unwrap()
            .next_step,
        SignInStep::Done
    );
    assert_eq!(auth.user_state(), UserState::SignedIn);
    assert_eq!(&*auth.tokens().await.unwrap().username, "erin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_set_up_after_sign_in_is_asked_on_the_next_sign_in() {
    let server = start().await;
    let auth = engine(&server, AuthFlow::UserSrpAuth);
    settled(&auth).await;
    assert_eq!(
        auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
            .await
            .unwrap()
            .next_step,
        SignInStep::Done
    );

    // GetUserAuthFactors: an entry of the account-operation table and nothing else on the
    // client side (the proof operation of the table).
    let factors = auth.call(account::GetUserAuthFactors {}).await.unwrap();
    assert_eq!(&*factors.username, "alice");
    assert_eq!(factors.preferred_mfa_setting, None);
    assert!(factors.user_mfa_setting_list.is_empty(), "{factors:?}");
    assert_eq!(factors.configured_user_auth_factors, ["PASSWORD"]);

    let secret = auth.set_up_totp().await.unwrap().shared_secret;
    let key = cognito_auth_emulator::totp::base32_decode(secret.expose()).expect("base32 secret");
    let now_s = server.shared().now().0 / 1000;
    let code = cognito_auth_emulator::totp::totp(&key, now_s);
    auth.verify_totp_setup(
        &code,
        VerifyTotpSetupOptions::default().friendly_device_name("phone"),
    )
    .await
    .unwrap();
    auth.update_mfa_preference(MfaPreference::default().totp(MfaSetting::Preferred))
        .await
        .unwrap();
    let factors = auth.call(account::GetUserAuthFactors {}).await.unwrap();
    assert_eq!(
        factors.preferred_mfa_setting.as_deref(),
        Some("SOFTWARE_TOKEN_MFA")
    );
    assert_eq!(factors.user_mfa_setting_list, ["SOFTWARE_TOKEN_MFA"]);
    let user = auth.call(account::GetUser {}).await.unwrap();
    assert_eq!(user.preferred_mfa_setting, factors.preferred_mfa_setting);
    assert_eq!(user.user_mfa_setting_list, factors.user_mfa_setting_list);
    auth.sign_out(Default::default()).await.unwrap();
    assert_eq!(auth.user_state(), UserState::SignedOut);
    assert_eq!(
        auth.call(account::GetUserAuthFactors {}).await.unwrap_err(),
        Error::App(AppError::NotSignedIn)
    );

    // A later time step, so the code differs from the one used for the setup.
    server.shared().advance_clock_ms(60_000);
    let step = auth
        .sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap()
        .next_step;
    assert_eq!(step, SignInStep::ConfirmWithTotpCode);
    let code = cognito_auth_emulator::totp::totp(&key, server.shared().now().0 / 1000);
    assert_eq!(
        auth.confirm_sign_in(&code, ConfirmSignInOptions::default())
            .await
            .unwrap()
            .next_step,
        SignInStep::Done
    );
    assert_eq!(auth.user_state(), UserState::SignedIn);
    assert_eq!(&*auth.tokens().await.unwrap().username, "alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_with_a_temporary_password_must_choose_a_new_one() {
    let server = start().await;
    let auth = engine(&server, AuthFlow::UserSrpAuth);
    settled(&auth).await;

    let step = auth
        .sign_in("carol", "Temp0rary!", SignInOptions::default())
        .await
        .unwrap()
        .next_step;
    assert!(
        matches!(step, SignInStep::NewPasswordRequired { .. }),
        "{step:?}"
    );
    assert_eq!(auth.user_state(), UserState::SignedOut);
    assert_eq!(
        auth.confirm_sign_in("N3w-Passw0rd!", ConfirmSignInOptions::default())
            .await
            .unwrap()
            .next_step,
        SignInStep::Done
    );
    assert_eq!(auth.user_state(), UserState::SignedIn);
    auth.sign_out(Default::default()).await.unwrap();

    // The new password is now the permanent one; the temporary one no longer works.
    let err = auth
        .sign_in("carol", "Temp0rary!", SignInOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::User(UserError::NotAuthorized { .. })),
        "{err:?}"
    );
    assert_eq!(
        auth.sign_in("carol", "N3w-Passw0rd!", SignInOptions::default())
            .await
            .unwrap()
            .next_step,
        SignInStep::Done
    );
}

/// The first step of a fresh engine's sign-in as `user`.
async fn first_step(server: &Server, user: &str) -> SignInStep {
    let auth = engine(server, AuthFlow::UserPasswordAuth);
    settled(&auth).await;
    let step = auth
        .sign_in(user, "Passw0rd!", SignInOptions::default())
        .await
        .unwrap()
        .next_step;
    auth.shutdown().await;
    step
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_mfa_setting_changed_through_the_aws_sdk_is_what_sign_in_follows() {
    use aws_sdk_cognitoidentityprovider::types::{SoftwareTokenMfaConfigType, UserPoolMfaType};
    let server = start().await;
    let admin = cognito_auth_tests::admin_client(&server.endpoint());

    // OPTIONAL (the seed): alice, with no factor, signs straight in; sam is asked.
    assert_eq!(first_step(&server, "alice").await, SignInStep::Done);
    let set = admin
        .set_user_pool_mfa_config()
        .user_pool_id(POOL)
        .mfa_configuration(UserPoolMfaType::On)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .unwrap();
    let got = admin
        .get_user_pool_mfa_config()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap();
    assert_eq!(got.mfa_configuration(), Some(&UserPoolMfaType::On));
    assert_eq!(set.mfa_configuration(), got.mfa_configuration());
    assert_eq!(
        got.software_token_mfa_configuration()
            .map(SoftwareTokenMfaConfigType::enabled),
        Some(true)
    );
    assert!(got.sms_mfa_configuration().is_none(), "SMS left out: off");

    // ON: alice must set up TOTP, the only factor the pool offers now.
    let step = first_step(&server, "alice").await;
    assert!(matches!(step, SignInStep::SetUpTotp { .. }), "{step:?}");

    // ON with no factor at all is refused, and changes nothing.
    let err = admin
        .set_user_pool_mfa_config()
        .user_pool_id(POOL)
        .mfa_configuration(UserPoolMfaType::On)
        .send()
        .await
        .unwrap_err();
    let code = err.as_service_error().and_then(|e| {
        use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata as _;
        e.code().map(str::to_owned)
    });
    assert_eq!(code.as_deref(), Some("InvalidParameterException"));

    // UpdateUserPool without MfaConfiguration resets it to OFF: sam is no longer asked.
    admin
        .update_user_pool()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap();
    let described = admin
        .describe_user_pool()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.user_pool().and_then(|p| p.mfa_configuration()),
        Some(&UserPoolMfaType::Off)
    );
    assert_eq!(first_step(&server, "sam").await, SignInStep::Done);
}

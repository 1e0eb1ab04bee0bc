//! The engine against moto (an independent Cognito implementation): sign-up, confirmation,
//! password and SRP sign-in, tokens, refresh, attributes and sign-out through the `Auth` API.
//!
//! moto accepts any SRP proof and any confirmation code, so these runs check that the engine
//! speaks the protocol as another implementation understands it, not that proofs are right (the
//! emulator tests check those).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use cognito_auth::machine::AuthFlow;
use cognito_auth::{
    AppError, Auth, ConfirmSignUpOptions, Error, FetchOptions, ServiceError, SignInOptions,
    SignInStep, SignOutOptions, SignUpOptions, UserError, UserState,
};
use cognito_auth_tests as common;

use common::{admin_client, config, create_pool, create_user, start_moto};
use tokio_stream::StreamExt as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_confirm_password_sign_in_refresh_attributes_sign_out() {
    let moto = start_moto().await;
    let admin = admin_client(&moto.endpoint);
    let pool = create_pool(&admin).await;
    let auth = Auth::builder()
        .config(config(&pool, AuthFlow::UserPasswordAuth))
        .endpoint_url(&moto.endpoint)
        .build()
        .unwrap();
    // `subscribe` streams changes from now on. The engine updates the watched state before it
    // broadcasts the change (so a subscriber reacting to a change reads the new state), so a
    // subscription made right after the watch shows the restore's result may still get the
    // restore's change (Unknown -> SignedOut): skip it.
    auth.watch_user_state()
        .wait_for(|s| *s != UserState::Unknown)
        .await
        .unwrap();
    let mut changes = auth.subscribe();

    let signed_up = auth
        .sign_up(
            "bob",
            "Passw0rd!long",
            SignUpOptions::default().attribute("email", "bob@example.com"),
        )
        .await
        .unwrap();
    assert!(!signed_up.user_confirmed);
    assert!(!signed_up.user_sub.is_empty());
    auth.confirm_sign_up("bob", "123456", ConfirmSignUpOptions::default())
        .await
        .unwrap();

    let step = auth
        .sign_in("bob", "Passw0rd!long", SignInOptions::default())
        .await
        .unwrap()
        .next_step;
    assert_eq!(step, SignInStep::Done);
    assert!(auth.is_signed_in());
    let mut change = changes.next().await.unwrap();
    if change.from == UserState::Unknown {
        change = changes.next().await.unwrap();
    }
    assert_eq!(change.to, UserState::SignedIn, "{change:?}");

    let tokens = auth.tokens().await.unwrap();
    assert_eq!(&*tokens.username, "bob");
    assert!(tokens.refresh_token.is_some());
    assert_eq!(auth.username().await.unwrap(), "bob");

    let refreshed = auth
        .tokens_with(FetchOptions::default().force_refresh())
        .await
        .unwrap();
    assert_eq!(&*refreshed.username, "bob");
    assert!(
        refreshed.refresh_token.is_some(),
        "the refresh token is kept when the service does not rotate it"
    );

    let attributes = auth.fetch_user_attributes().await.unwrap();
    assert!(
        attributes
            .iter()
            .any(|a| a.name == "email" && a.value == "bob@example.com"),
        "{attributes:?}"
    );

    // moto has no RevokeToken: a local sign-out, which moto cannot fail.
    let local = SignOutOptions {
        global: false,
        revoke: false,
        hosted_ui: false,
    };
    let report = auth.sign_out(local).await.unwrap();
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(auth.user_state(), UserState::SignedOut);
    let err = auth.tokens().await.unwrap_err();
    assert!(matches!(err, Error::App(AppError::NotSignedIn)), "{err:?}");
}

/// moto answers USER_SRP_AUTH with a `SECRET_BLOCK` that is not base64 (it accepts any proof,
/// but the client cannot build one from that block); the machine refuses the challenge. The
/// engine must report that as an unexpected response and leave the user signed out. (SRP is
/// exercised for real against the emulator.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srp_sign_in_reports_motos_unusable_secret_block_and_stays_signed_out() {
    let moto = start_moto().await;
    let admin = admin_client(&moto.endpoint);
    let pool = create_pool(&admin).await;
    create_user(&admin, &pool, "carol", "Passw0rd!srp").await;
    let auth = Auth::builder()
        .config(config(&pool, AuthFlow::UserSrpAuth))
        .endpoint_url(&moto.endpoint)
        .build()
        .unwrap();

    let err = auth
        .sign_in("carol", "Passw0rd!srp", SignInOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Service(ServiceError::UnexpectedResponse { message }) if message.contains("SECRET_BLOCK")),
        "{err:?}"
    );
    assert_eq!(auth.user_state(), UserState::SignedOut);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_not_authorized_and_keeps_the_user_signed_out() {
    let moto = start_moto().await;
    let admin = admin_client(&moto.endpoint);
    let pool = create_pool(&admin).await;
    create_user(&admin, &pool, "dave", "Passw0rd!right").await;
    let auth = Auth::builder()
        .config(config(&pool, AuthFlow::UserPasswordAuth))
        .endpoint_url(&moto.endpoint)
        .build()
        .unwrap();
    let err = auth
        .sign_in("dave", "wrong-password", SignInOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::User(UserError::NotAuthorized { .. })),
        "{err:?}"
    );
    assert_eq!(auth.user_state(), UserState::SignedOut);
}

//! Identity pools: guest credentials, the signed-in user's federated id token, external
//! federation and its expiry, and the hosted UI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognito_auth_machine::account::{ChangePassword, GetUser, ListDevices};
use cognito_auth_machine::cognito::{IdentityRequest, IdentityResponse, ServiceError};
use cognito_auth_machine::*;
use common::*;

fn creds_op(h: &mut Harness) -> OperationId {
    h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    })
}

fn identity_id_answer(r: Option<&Result<Answer, AuthError>>) -> String {
    match r {
        Some(Ok(Answer::Credentials { identity_id, .. })) => identity_id.clone(),
        other => panic!("expected credentials, got {other:?}"),
    }
}

#[test]
fn guest_credentials_are_fetched_once_cached_and_refreshed_ahead_of_expiry() {
    let mut h = Harness::new(config_full(), None);
    assert_eq!(h.m.user_state(), UserState::Guest);
    let a = creds_op(&mut h);
    let b = creds_op(&mut h);
    let (id, req) = h.take_identity("GetId");
    assert!(matches!(&req, IdentityRequest::GetId { logins, .. } if logins.expose().is_empty()));
    assert!(h.effects.is_empty(), "one fetch for both callers");
    h.complete(
        id,
        EffectResult::Identity(Ok(IdentityResponse::IdentityId {
            identity_id: "us-east-1:guest".into(),
        })),
    );
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:guest", exp));
    assert_eq!(identity_id_answer(h.reply(a)), "us-east-1:guest");
    assert_eq!(identity_id_answer(h.reply(b)), "us-east-1:guest");
    assert_eq!(
        h.persisted
            .as_ref()
            .unwrap()
            .identity
            .identity_id
            .as_deref(),
        Some("us-east-1:guest")
    );
    let c = creds_op(&mut h);
    assert_eq!(identity_id_answer(h.reply(c)), "us-east-1:guest");
    assert!(h.effects.is_empty());
    // Refreshed ahead of expiry with the same identity id.
    h.fire(TimerKind::CredentialsDue);
    let (_, req) = h.take_identity("GetCredentialsForIdentity");
    assert!(
        matches!(&req, IdentityRequest::GetCredentialsForIdentity { identity_id, .. } if identity_id == "us-east-1:guest")
    );
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn signed_in_users_federate_their_id_token() {
    let mut h = Harness::signed_in(config_full(), "ann");
    let op = creds_op(&mut h);
    let (id, req) = h.take_identity("GetId");
    let IdentityRequest::GetId { logins, .. } = &req else {
        unreachable!()
    };
    let token = &logins.expose()["cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool"];
    assert_eq!(
        session::decode_claims(token).unwrap().token_use.as_deref(),
        Some("id")
    );
    h.complete(
        id,
        EffectResult::Identity(Ok(IdentityResponse::IdentityId {
            identity_id: "us-east-1:ann".into(),
        })),
    );
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:ann", exp));
    assert_eq!(identity_id_answer(h.reply(op)), "us-east-1:ann");
    assert_eq!(
        h.persisted
            .as_ref()
            .unwrap()
            .tokens
            .as_ref()
            .unwrap()
            .username
            .as_ref(),
        "ann"
    );
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn credentials_with_expired_tokens_refresh_the_tokens_first() {
    let mut h = Harness::signed_in(config_full(), "ann");
    h.advance_ms(3_700 * 1000);
    let op = creds_op(&mut h);
    let (id, _) = h.take_user_pool("InitiateAuth");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("ann", now, 3600, 2)));
    let (id, _) = h.take_identity("GetId");
    h.complete(
        id,
        EffectResult::Identity(Ok(IdentityResponse::IdentityId {
            identity_id: "us-east-1:ann".into(),
        })),
    );
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    h.complete(id, credentials("us-east-1:ann", now + 3600));
    assert_eq!(identity_id_answer(h.reply(op)), "us-east-1:ann");
}

#[test]
fn federated_sign_in_then_the_provider_token_expires_and_a_new_one_unblocks_callers() {
    let mut h = Harness::new(config_full(), None);
    let op = h.call(ApiCall::FederatedSignIn {
        provider: "accounts.google.com".into(),
        token: Secret::new("google-token-1".into()),
        identity_id: None,
        custom_role_arn: None,
    });
    let (id, req) = h.take_identity("GetId");
    let IdentityRequest::GetId { logins, .. } = &req else {
        unreachable!()
    };
    assert_eq!(logins.expose()["accounts.google.com"], "google-token-1");
    h.complete(
        id,
        EffectResult::Identity(Ok(IdentityResponse::IdentityId {
            identity_id: "us-east-1:fed".into(),
        })),
    );
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:fed", exp));
    assert_eq!(identity_id_answer(h.reply(op)), "us-east-1:fed");
    assert_eq!(h.m.user_state(), UserState::Federated);

    // User-pool calls are typed errors while federated: there is no user-pool session.
    let t = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    assert!(matches!(
        h.reply(t),
        Some(Err(AuthError::InvalidState { call, .. })) if call == "tokens"
    ));

    // Credentials expire; the provider token is refused.
    h.advance_ms(3_700 * 1000);
    let waiting = creds_op(&mut h);
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    h.complete(
        id,
        EffectResult::Identity(Err(ServiceError::service(
            "NotAuthorizedException",
            "Token is expired",
        ))),
    );
    assert_eq!(h.m.user_state(), UserState::SignedOutFederatedTokensInvalid);
    assert!(
        h.reply(waiting).is_none(),
        "the caller waits for a new token"
    );

    let op = h.call(ApiCall::FederatedSignIn {
        provider: "accounts.google.com".into(),
        token: Secret::new("google-token-2".into()),
        identity_id: None,
        custom_role_arn: None,
    });
    let (id, req) = h.take_identity("GetCredentialsForIdentity");
    let IdentityRequest::GetCredentialsForIdentity {
        identity_id,
        logins,
        ..
    } = &req
    else {
        unreachable!()
    };
    assert_eq!(identity_id, "us-east-1:fed", "the identity is kept");
    assert_eq!(logins.expose()["accounts.google.com"], "google-token-2");
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:fed", exp));
    assert_eq!(identity_id_answer(h.reply(op)), "us-east-1:fed");
    assert_eq!(identity_id_answer(h.reply(waiting)), "us-east-1:fed");
    assert_eq!(h.m.user_state(), UserState::Federated);

    let clear = h.call(ApiCall::ClearFederation);
    assert!(h.reply(clear).unwrap().is_ok());
    assert_eq!(h.m.user_state(), UserState::Guest);
    assert!(h.persisted.as_ref().unwrap().federation.is_none());
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn developer_authenticated_identities_use_the_given_identity_id() {
    let mut h = Harness::new(config_full(), None);
    h.call(ApiCall::FederatedSignIn {
        provider: "cognito-identity.amazonaws.com".into(),
        token: Secret::new("open-id-token".into()),
        identity_id: Some("us-east-1:dev".into()),
        custom_role_arn: Some("arn:aws:iam::1:role/r".into()),
    });
    let (_, req) = h.take_identity("GetCredentialsForIdentity");
    let IdentityRequest::GetCredentialsForIdentity {
        identity_id,
        custom_role_arn,
        ..
    } = &req
    else {
        unreachable!()
    };
    assert_eq!(identity_id, "us-east-1:dev");
    assert_eq!(custom_role_arn.as_deref(), Some("arn:aws:iam::1:role/r"));
}

fn federate(h: &mut Harness, provider: &str, token: &str) -> OperationId {
    h.call(ApiCall::FederatedSignIn {
        provider: provider.into(),
        token: Secret::new(token.into()),
        identity_id: None,
        custom_role_arn: None,
    })
}

fn federated_harness() -> Harness {
    let mut h = Harness::new(config_full(), None);
    let op = federate(&mut h, "graph.facebook.com", "fb-token-1");
    let (id, _) = h.take_identity("GetId");
    h.complete(
        id,
        EffectResult::Identity(Ok(IdentityResponse::IdentityId {
            identity_id: "us-east-1:fb".into(),
        })),
    );
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:fb", exp));
    assert_eq!(identity_id_answer(h.reply(op)), "us-east-1:fb");
    h
}

/// Every call that needs a user-pool session, as the app would make it.
fn user_pool_only_calls() -> Vec<ApiCall> {
    vec![
        ApiCall::FetchTokens {
            force_refresh: true,
        },
        ApiCall::account(ChangePassword {
            previous_password: Some(Secret::new("a".into())),
            proposed_password: Secret::new("b".into()),
        }),
        ApiCall::account(GetUser {}),
        ApiCall::account(ListDevices::default()),
        ApiCall::RememberDevice,
        ApiCall::SetUpTotp,
        ApiCall::DeleteUser,
    ]
}

#[test]
fn user_pool_calls_are_invalid_state_while_federated_or_its_token_is_refused() {
    let mut h = federated_harness();
    let mut refused = Vec::new();
    for call in user_pool_only_calls() {
        let op = h.call(call.clone());
        match h.reply(op) {
            Some(Err(AuthError::InvalidState { call: name, state })) => {
                assert_eq!(name, call.name());
                assert!(state.contains("no user-pool session"), "{state}");
            }
            other => panic!("{} while federated answered {other:?}", call.name()),
        }
        refused.push(call.name());
    }
    assert!(h.effects.is_empty(), "nothing was sent to the user pool");

    // The same once the provider token is refused (signedOutFederatedTokensInvalid).
    h.advance_ms(3_700 * 1000);
    let waiting = creds_op(&mut h);
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    h.complete(
        id,
        EffectResult::Identity(Err(ServiceError::service(
            "NotAuthorizedException",
            "Invalid login token. Token expired.",
        ))),
    );
    assert_eq!(h.m.user_state(), UserState::SignedOutFederatedTokensInvalid);
    for call in user_pool_only_calls() {
        let op = h.call(call.clone());
        assert!(
            matches!(h.reply(op), Some(Err(AuthError::InvalidState { .. }))),
            "{} while the federation token is refused",
            call.name()
        );
    }
    // release_sign_in_wait answers the waiting credentials caller with a typed error.
    let release = h.call(ApiCall::ReleaseSignInWait);
    assert!(matches!(h.reply(release), Some(Ok(Answer::Done))));
    assert_eq!(h.reply(waiting), Some(&Err(AuthError::SignInWaitReleased)));
    assert_eq!(h.m.user_state(), UserState::SignedOutFederatedTokensInvalid);
    insta::assert_yaml_snapshot!((refused, &h.trace));
}

#[test]
fn developer_identities_without_their_identity_id_are_refused_before_any_request() {
    let mut h = Harness::new(config_full(), None);
    let op = federate(&mut h, "cognito-identity.amazonaws.com", "open-id-token");
    assert!(matches!(
        h.reply(op),
        Some(Err(AuthError::InvalidParameter { message })) if message.contains("developer_provided_identity_id")
    ));
    assert!(h.effects.is_empty());
    assert_eq!(h.m.user_state(), UserState::Guest);
}

#[test]
fn clear_federation_forgets_only_the_local_session() {
    let mut h = federated_harness();
    let clear = h.call(ApiCall::ClearFederation);
    assert!(matches!(h.reply(clear), Some(Ok(Answer::Done))));
    assert!(
        h.effects.is_empty(),
        "no service call: the pool keeps the identity"
    );
    assert_eq!(h.m.user_state(), UserState::Guest);
    assert!(h.persisted.as_ref().unwrap().federation.is_none());
    // Federating again with the same provider starts from GetId: the local identity is gone.
    federate(&mut h, "graph.facebook.com", "fb-token-2");
    h.take_identity("GetId");
}

#[test]
fn identity_calls_without_an_identity_pool_are_typed_errors() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    let op = creds_op(&mut h);
    assert!(matches!(
        h.reply(op),
        Some(Err(AuthError::NotConfigured { .. }))
    ));
}

#[test]
fn hosted_ui_sign_in_with_pkce() {
    let mut h = Harness::new(config_full(), None);
    let op = h.call(ApiCall::SignInWithWebUi {
        identity_provider: Some("Google".into()),
        scopes: vec![],
        federation_provider_name: None,
    });
    let url = match h.reply(op) {
        Some(Ok(Answer::OpenUrl { url })) => url.clone(),
        other => panic!("{other:?}"),
    };
    let (_, opened) = h.take_effect(|e| matches!(e, Effect::OpenUrl { .. }));
    assert_eq!(opened, Effect::OpenUrl { url: url.clone() });
    assert!(url.starts_with("https://auth.example.com/oauth2/authorize?response_type=code&client_id=client123&redirect_uri=myapp%3A%2F%2Fcallback&scope=openid%20email&state="));
    assert!(url.contains("code_challenge_method=S256"));
    assert!(url.contains("identity_provider=Google"));
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let challenge = url
        .split("code_challenge=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();

    // A redirect with the wrong state is refused and the flow keeps waiting.
    let bad = h.call(ApiCall::HandleRedirect {
        url: Secret::new("myapp://callback?code=abc&state=forged".into()),
    });
    assert!(matches!(
        h.reply(bad),
        Some(Err(AuthError::InvalidParameter { .. }))
    ));

    let op = h.call(ApiCall::HandleRedirect {
        url: Secret::new(format!("myapp://callback?code=abc&state={state}")),
    });
    let (id, effect) = h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }));
    let Effect::OAuthToken { request } = effect else {
        unreachable!()
    };
    assert_eq!(request.url, "https://auth.example.com/oauth2/token");
    let form = request.form.expose();
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], "abc");
    // The verifier hashes to the challenge sent in the URL (S256).
    use base64::Engine as _;
    use sha2::Digest as _;
    let expect = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(form["code_verifier"].as_bytes()));
    assert_eq!(expect, challenge);
    let r = auth_result("web", h.now_s(), 3600, 1);
    h.complete(
        id,
        EffectResult::OAuth(Ok(cognito::OAuthTokenResponse {
            access_token: r.access_token,
            id_token: r.id_token,
            refresh_token: r.refresh_token,
            expires_in: 3600,
        })),
    );
    h.assert_signed_in_answer(op);
    assert!(h.persisted.as_ref().unwrap().hosted_ui);

    // Signing out of a hosted-UI session opens the logout endpoint.
    let out = h.call(ApiCall::SignOut(SignOutOptions {
        global: false,
        revoke: false,
        hosted_ui: true,
    }));
    let (_, effect) = h.take_effect(|e| matches!(e, Effect::OpenUrl { .. }));
    assert_eq!(
        effect,
        Effect::OpenUrl {
            url: "https://auth.example.com/logout?client_id=client123&logout_uri=myapp%3A%2F%2Fsignout".into()
        }
    );
    assert!(matches!(h.reply(out), Some(Ok(Answer::SignedOut(r))) if r.is_complete()));
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn hosted_ui_error_redirect_is_a_typed_error() {
    let mut h = Harness::new(config_full(), None);
    let start = h.call(ApiCall::SignInWithWebUi {
        identity_provider: None,
        scopes: vec![],
        federation_provider_name: None,
    });
    let Some(Ok(Answer::OpenUrl { url })) = h.reply(start) else {
        panic!("no authorization URL")
    };
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let op = h.call(ApiCall::HandleRedirect {
        url: Secret::new(format!(
            "myapp://callback?error=access_denied&error_description=User+cancelled&state={state}"
        )),
    });
    assert_eq!(
        h.reply(op),
        Some(&Err(AuthError::HostedUi {
            error: "access_denied".into(),
            description: "User cancelled".into()
        }))
    );
    assert_eq!(h.m.user_state(), UserState::Guest);
}

/// A guest session with credentials for identity `guest_id`.
fn guest_with_identity(guest_id: &str) -> Harness {
    let mut h = Harness::new(config_full(), None);
    let op = creds_op(&mut h);
    let (id, _) = h.take_identity("GetId");
    h.complete(
        id,
        EffectResult::Identity(Ok(IdentityResponse::IdentityId {
            identity_id: guest_id.into(),
        })),
    );
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    let exp = h.now_s() + 3600;
    h.complete(id, credentials(guest_id, exp));
    assert_eq!(identity_id_answer(h.reply(op)), guest_id);
    h
}

fn sign_in_with_password(h: &mut Harness, username: &str, n: u32) {
    let op = h.call(ApiCall::SignIn {
        username: username.into(),
        password: Some(Secret::new("pw".into())),
        flow: Some(AuthFlow::UserPasswordAuth),
        preferred_challenge: None,
        client_metadata: Default::default(),
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result(username, now, 3600, n)));
    h.assert_signed_in_answer(op);
}

/// The identity a credentials call asks for, and whether it sent the user pool's id token.
fn credentials_request(req: &IdentityRequest) -> (&str, bool) {
    match req {
        IdentityRequest::GetCredentialsForIdentity {
            identity_id,
            logins,
            ..
        } => (
            identity_id,
            logins
                .expose()
                .contains_key("cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool"),
        ),
        other => panic!("expected GetCredentialsForIdentity, got {other:?}"),
    }
}

// "Switching unauthenticated users to authenticated users" (Cognito developer guide): a
// guest who signs in keeps the identity's unique identifier.
#[test]
fn a_guest_who_signs_in_keeps_the_guest_identity_id() {
    let mut h = guest_with_identity("us-east-1:guest");
    h.trace.clear();
    sign_in_with_password(&mut h, "ann", 1);
    assert_eq!(
        h.user_states.last(),
        Some(&UserState::SignedIn),
        "guest -> signedIn: {:?}",
        h.user_states
    );
    assert!(h.user_states.contains(&UserState::Guest));
    let op = creds_op(&mut h);
    let (id, req) = h.take_identity("GetCredentialsForIdentity");
    assert_eq!(
        credentials_request(&req),
        ("us-east-1:guest", true),
        "the guest identity id goes with the user's login; no GetId"
    );
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:guest", exp));
    assert_eq!(identity_id_answer(h.reply(op)), "us-east-1:guest");
    let stored = h.persisted.as_ref().unwrap();
    assert_eq!(
        stored.identity.identity_id.as_deref(),
        Some("us-east-1:guest")
    );
    assert_eq!(&*stored.tokens.as_ref().unwrap().username, "ann");
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn a_guest_whose_login_already_has_an_identity_adopts_that_identity() {
    let mut h = guest_with_identity("us-east-1:guest-2");
    sign_in_with_password(&mut h, "bob", 1);
    let op = creds_op(&mut h);
    let (id, req) = h.take_identity("GetCredentialsForIdentity");
    assert_eq!(credentials_request(&req), ("us-east-1:guest-2", true));
    // Cognito merged the guest identity into the one bob's login was linked to.
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:bob", exp));
    assert_eq!(identity_id_answer(h.reply(op)), "us-east-1:bob");
    assert_eq!(
        h.persisted
            .as_ref()
            .unwrap()
            .identity
            .identity_id
            .as_deref(),
        Some("us-east-1:bob")
    );
    // From now on the adopted identity is the one refreshed.
    h.fire(TimerKind::CredentialsDue);
    let (_, req) = h.take_identity("GetCredentialsForIdentity");
    assert_eq!(credentials_request(&req), ("us-east-1:bob", true));
    let op = h.call(ApiCall::FetchIdentityId);
    assert_eq!(
        h.reply(op),
        Some(&Ok(Answer::IdentityId {
            identity_id: "us-east-1:bob".into()
        }))
    );
}

#[test]
fn a_user_signing_in_after_another_user_signed_out_never_inherits_their_identity() {
    let mut h = guest_with_identity("us-east-1:guest");
    sign_in_with_password(&mut h, "ann", 1);
    let op = creds_op(&mut h);
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:guest", exp));
    assert_eq!(identity_id_answer(h.reply(op)), "us-east-1:guest");
    let out = h.call(ApiCall::SignOut(SignOutOptions {
        global: false,
        revoke: false,
        hosted_ui: false,
    }));
    assert!(matches!(h.reply(out), Some(Ok(Answer::SignedOut(_)))));
    assert_eq!(h.m.user_state(), UserState::Guest);
    // Ann's identity (once the guest's) is hers now: carl signs in with none and gets his own.
    sign_in_with_password(&mut h, "carl", 1);
    let op = creds_op(&mut h);
    let (id, req) = h.take_identity("GetId");
    assert!(
        matches!(&req, IdentityRequest::GetId { logins, .. } if logins.expose().len() == 1),
        "{req:?}"
    );
    h.complete(
        id,
        EffectResult::Identity(Ok(IdentityResponse::IdentityId {
            identity_id: "us-east-1:carl".into(),
        })),
    );
    let (id, req) = h.take_identity("GetCredentialsForIdentity");
    assert_eq!(credentials_request(&req), ("us-east-1:carl", true));
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:carl", exp));
    assert_eq!(identity_id_answer(h.reply(op)), "us-east-1:carl");
}

#[test]
fn a_sign_in_replacing_an_expired_session_starts_without_an_identity() {
    let mut h = Harness::signed_in(config_full(), "ann");
    let op = creds_op(&mut h);
    let (id, _) = h.take_identity("GetId");
    h.complete(
        id,
        EffectResult::Identity(Ok(IdentityResponse::IdentityId {
            identity_id: "us-east-1:ann".into(),
        })),
    );
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:ann", exp));
    assert_eq!(identity_id_answer(h.reply(op)), "us-east-1:ann");
    // The refresh token dies: signedOutUserPoolsTokenInvalid.
    h.advance_ms(3_700 * 1000);
    let waiting = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, service_error("NotAuthorizedException"));
    assert_eq!(h.m.user_state(), UserState::SignedOutUserPoolsTokenInvalid);
    sign_in_with_password(&mut h, "bob", 1);
    assert!(matches!(h.reply(waiting), Some(Ok(Answer::Tokens(_)))));
    let op = creds_op(&mut h);
    let (_, req) = h.take_identity("GetId");
    assert!(matches!(req, IdentityRequest::GetId { .. }));
    assert!(h.reply(op).is_none());
}

// A guest who federates keeps the guest identity too: the provider's login goes with the guest
// identity id (no GetId), and Cognito links it or answers the identity the login already has.
#[test]
fn a_guest_who_federates_keeps_the_guest_identity_id() {
    let mut h = guest_with_identity("us-east-1:guest");
    let op = federate(&mut h, "graph.facebook.com", "fb-token-1");
    let (id, req) = h.take_identity("GetCredentialsForIdentity");
    let IdentityRequest::GetCredentialsForIdentity {
        identity_id,
        logins,
        ..
    } = &req
    else {
        unreachable!()
    };
    assert_eq!(
        identity_id, "us-east-1:guest",
        "no GetId: the guest id goes"
    );
    assert_eq!(logins.expose()["graph.facebook.com"], "fb-token-1");
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:guest", exp));
    assert_eq!(identity_id_answer(h.reply(op)), "us-east-1:guest");
    assert_eq!(h.m.user_state(), UserState::Federated);
    let n = h.user_states.len();
    assert_eq!(
        h.user_states[n - 2..],
        [UserState::Guest, UserState::Federated]
    );
    let stored = h.persisted.as_ref().unwrap();
    assert_eq!(
        stored.identity.identity_id.as_deref(),
        Some("us-east-1:guest")
    );
}

// A federated sign-in from guest that the identity pool refuses leaves the guest as it was:
// its identity id and cached credentials serve the next calls without a request.
#[test]
fn a_guest_whose_federated_sign_in_is_refused_stays_a_guest_with_its_identity() {
    let mut h = guest_with_identity("us-east-1:guest");
    let op = federate(&mut h, "graph.facebook.com", "forged");
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    h.complete(id, service_error("NotAuthorizedException"));
    assert!(matches!(h.reply(op), Some(Err(_))), "{:?}", h.reply(op));
    assert_eq!(h.m.user_state(), UserState::Guest);
    h.effects.clear();
    let id_op = h.call(ApiCall::FetchIdentityId);
    assert_eq!(
        h.reply(id_op),
        Some(&Ok(Answer::IdentityId {
            identity_id: "us-east-1:guest".into()
        }))
    );
    let creds = creds_op(&mut h);
    assert_eq!(identity_id_answer(h.reply(creds)), "us-east-1:guest");
    assert!(
        h.effects.is_empty(),
        "served from the guest's cache: {:?}",
        h.effects
    );
}

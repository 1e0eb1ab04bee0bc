//! Signed-in life: refresh ahead of expiry, single flight, offline and retries, the refresh
//! token dying and the sign-in wait, sign-out variants, deleting the user, restoring.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognito_auth_machine::account::{
    AccountAuth, AccountRequest, AccountResponse, ConfirmSignUp, GetUser, GetUserOutput, SignUp,
    SignUpOutput,
};
use cognito_auth_machine::cognito::UserPoolRequest;
use cognito_auth_machine::*;
use common::*;

fn tokens_op(h: &mut Harness, force: bool) -> OperationId {
    h.call(ApiCall::FetchTokens {
        force_refresh: force,
    })
}

fn tokens_reply(h: &Harness, op: OperationId) -> Tokens {
    match h.reply(op) {
        Some(Ok(Answer::Tokens(t))) => t.clone(),
        other => panic!("expected tokens, got {other:?}"),
    }
}

#[test]
fn cached_tokens_are_served_without_a_call() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    let op = tokens_op(&mut h, false);
    assert_eq!(&*tokens_reply(&h, op).username, "ann");
    assert!(h.effects.is_empty());
}

#[test]
fn the_refresh_timer_fires_ahead_of_expiry_and_concurrent_callers_share_one_refresh() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    // Armed at expiry minus the default 300 s skew.
    assert_eq!(
        h.timers[&TimerKind::TokensDue],
        h.now.mono_ms + (3600 - 300) * 1000
    );
    h.fire(TimerKind::TokensDue);
    let (id, req) = h.take_user_pool("InitiateAuth");
    let UserPoolRequest::RefreshTokenAuth { refresh_token, .. } = &req else {
        panic!("a REFRESH_TOKEN_AUTH refresh: {req:?}")
    };
    assert_eq!(req.auth_flow(), Some("REFRESH_TOKEN_AUTH"));
    assert_eq!(refresh_token.expose(), "refresh-ann-1");
    let callers: Vec<_> = (0..5).map(|i| tokens_op(&mut h, i % 2 == 0)).collect();
    assert!(
        h.effects.is_empty(),
        "callers join the refresh in flight: {:?}",
        h.effects
    );
    let now = h.now_s();
    let mut refreshed = auth_result("ann", now, 3600, 2);
    refreshed.refresh_token = None; // Cognito does not rotate by default
    h.complete(id, tokens_response(refreshed));
    for op in callers {
        let t = tokens_reply(&h, op);
        assert!(t.expires_at_s > now);
        assert_eq!(
            t.refresh_token.as_ref().unwrap().expose(),
            "refresh-ann-1",
            "the refresh token is kept when not rotated"
        );
    }
    assert_eq!(h.m.state().label(), "signed in");
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn a_network_failure_keeps_the_user_signed_in_and_retries_with_backoff() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    h.advance_ms(3_700 * 1000); // tokens expired
    let op = tokens_op(&mut h, false);
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, network_error());
    assert!(matches!(h.reply(op), Some(Err(AuthError::Network { .. }))));
    assert_eq!(h.m.user_state(), UserState::SignedIn);
    assert_eq!(h.m.state().label(), "signed in (tokens stale, retrying)");
    let first_delay = h.timers[&TimerKind::RetryTokens] - h.now.mono_ms;
    // Full jitter over the first window (retry_base_ms = 500).
    assert!((1..=500).contains(&first_delay), "{first_delay}");

    // The retry fails too (throttled): the next delay grows.
    h.fire(TimerKind::RetryTokens);
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, service_error("TooManyRequestsException"));
    let second_delay = h.timers[&TimerKind::RetryTokens] - h.now.mono_ms;
    assert!((1..=1000).contains(&second_delay), "{second_delay}");
    assert_eq!(h.m.user_state(), UserState::SignedIn);

    // Back online: refresh at once and succeed.
    h.feed(Event::Connectivity { online: false });
    h.feed(Event::Connectivity { online: true });
    let (id, _) = h.take_user_pool("InitiateAuth");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("ann", now, 3600, 2)));
    assert_eq!(h.m.state().label(), "signed in");
    assert!(!h.timers.contains_key(&TimerKind::RetryTokens));
    assert_eq!(
        h.user_states,
        vec![UserState::SignedOut, UserState::SignedIn]
    );
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn stale_but_unexpired_tokens_are_still_handed_out() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    h.fire(TimerKind::TokensDue); // 300 s before expiry
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, network_error());
    let op = tokens_op(&mut h, false);
    assert_eq!(&*tokens_reply(&h, op).username, "ann");
}

#[test]
fn a_rejected_refresh_token_makes_callers_wait_for_the_next_sign_in() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    h.advance_ms(3_700 * 1000);
    let waiting = tokens_op(&mut h, false);
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, service_error("NotAuthorizedException"));
    assert_eq!(h.m.user_state(), UserState::SignedOutUserPoolsTokenInvalid);
    assert!(h.reply(waiting).is_none(), "the caller waits for a sign-in");
    assert!(h.persisted.as_ref().unwrap().tokens_invalid);
    let also_waiting = tokens_op(&mut h, true);
    let attrs = h.call(ApiCall::account(GetUser {}));
    assert_eq!(h.reply(attrs), Some(&Err(AuthError::SessionExpired)));

    let sign_in = h.call(ApiCall::SignIn {
        username: "ann".into(),
        password: Some(Secret::new("pw".into())),
        flow: Some(AuthFlow::UserPasswordAuth),
        preferred_challenge: None,
        client_metadata: Default::default(),
    });
    assert_eq!(h.m.user_state(), UserState::SignedOutUserPoolsTokenInvalid);
    let (id, _) = h.take_user_pool("InitiateAuth");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("ann", now, 3600, 7)));
    h.assert_signed_in_answer(sign_in);
    for op in [waiting, also_waiting] {
        let t = tokens_reply(&h, op);
        assert_eq!(t.refresh_token.unwrap().expose(), "refresh-ann-7");
    }
    assert_eq!(
        h.user_states,
        vec![
            UserState::SignedOut,
            UserState::SignedIn,
            UserState::SignedOutUserPoolsTokenInvalid,
            UserState::SignedIn
        ]
    );
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn release_sign_in_wait_answers_waiting_callers_with_an_error() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    h.advance_ms(3_700 * 1000);
    let waiting = tokens_op(&mut h, false);
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, service_error("NotAuthorizedException"));
    let release = h.call(ApiCall::ReleaseSignInWait);
    assert_eq!(h.reply(release), Some(&Ok(Answer::Done)));
    assert_eq!(h.reply(waiting), Some(&Err(AuthError::SignInWaitReleased)));
    assert_eq!(h.m.user_state(), UserState::SignedOutUserPoolsTokenInvalid);
    let out = h.call(ApiCall::SignOut(SignOutOptions::default()));
    assert!(matches!(h.reply(out), Some(Ok(Answer::SignedOut(_)))));
    assert_eq!(h.m.user_state(), UserState::SignedOut);
}

#[test]
fn global_sign_out_reports_partial_failure_and_always_clears_locally() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    let waiting_before = h.persisted.clone();
    assert!(waiting_before.unwrap().tokens.is_some());
    let op = h.call(ApiCall::SignOut(SignOutOptions {
        global: true,
        revoke: true,
        hosted_ui: false,
    }));
    let (id, _) = h.take_user_pool("GlobalSignOut");
    h.complete(id, network_error());
    let (id, req) = h.take_user_pool("RevokeToken");
    let UserPoolRequest::RevokeToken { token, .. } = &req else {
        unreachable!()
    };
    assert_eq!(token.expose(), "refresh-ann-1");
    h.complete(
        id,
        EffectResult::UserPool(Ok(cognito::UserPoolResponse::Empty)),
    );
    match h.reply(op) {
        Some(Ok(Answer::SignedOut(report))) => {
            assert!(matches!(
                report.global_sign_out_error,
                Some(AuthError::Network { .. })
            ));
            assert!(report.revoke_token_error.is_none());
            assert!(!report.is_complete());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.m.user_state(), UserState::SignedOut);
    assert!(h.persisted.as_ref().unwrap().tokens.is_none());
    assert!(h.timers.is_empty(), "{:?}", h.timers);
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn sign_out_releases_callers_waiting_for_a_refresh() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    h.advance_ms(3_700 * 1000);
    let waiting = tokens_op(&mut h, false);
    let out = h.call(ApiCall::SignOut(SignOutOptions::default()));
    assert!(h.reply(out).is_none(), "the refresh token is revoked first");
    assert_eq!(h.reply(waiting), None);
    let (id, _) = h.take_user_pool("RevokeToken");
    h.complete(id, network_error());
    match h.reply(out) {
        Some(Ok(Answer::SignedOut(report))) => {
            assert!(matches!(
                report.revoke_token_error,
                Some(AuthError::Network { .. })
            ));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.reply(waiting), Some(&Err(AuthError::SignedOut)));
    // The refresh result arrives after the sign-out and is ignored.
    let (id, _) = h.take_user_pool("InitiateAuth");
    let now = h.now_s();
    let outputs = h.complete(id, tokens_response(auth_result("ann", now, 3600, 2)));
    assert!(matches!(outputs.as_slice(), [Output::Ignored { .. }]));
    assert_eq!(h.m.user_state(), UserState::SignedOut);
}

#[test]
fn delete_user_signs_out_after_the_service_confirms() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    let op = h.call(ApiCall::DeleteUser);
    assert_eq!(h.m.user_state(), UserState::SignedIn);
    let (id, _) = h.take_user_pool("DeleteUser");
    h.complete(
        id,
        EffectResult::UserPool(Ok(cognito::UserPoolResponse::Empty)),
    );
    assert_eq!(h.reply(op), Some(&Ok(Answer::Done)));
    assert_eq!(h.m.user_state(), UserState::SignedOut);
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn delete_user_failure_keeps_the_session() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    let op = h.call(ApiCall::DeleteUser);
    let (id, _) = h.take_user_pool("DeleteUser");
    h.complete(id, network_error());
    assert!(matches!(h.reply(op), Some(Err(AuthError::Network { .. }))));
    assert_eq!(h.m.user_state(), UserState::SignedIn);
}

#[test]
fn a_second_sign_out_waits_for_the_one_in_flight_and_gets_its_report() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    let first = h.call(ApiCall::SignOut(SignOutOptions::default()));
    let second = h.call(ApiCall::SignOut(SignOutOptions::default()));
    assert_eq!(h.reply(second), None, "answered while still signed in");
    assert_eq!(h.m.user_state(), UserState::SignedIn);
    let (id, _) = h.take_user_pool("RevokeToken");
    assert!(
        h.effects.is_empty(),
        "the second sign-out sent nothing of its own"
    );
    h.complete(id, network_error());
    assert_eq!(h.m.user_state(), UserState::SignedOut);
    let (a, b) = (h.reply(first).cloned(), h.reply(second).cloned());
    assert!(
        matches!(&a, Some(Ok(Answer::SignedOut(r))) if r.revoke_token_error.is_some()),
        "{a:?}"
    );
    assert_eq!(a, b, "both callers get the same outcome");
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn a_sign_out_during_delete_user_waits_for_the_deletion() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    let delete = h.call(ApiCall::DeleteUser);
    let out = h.call(ApiCall::SignOut(SignOutOptions::default()));
    assert_eq!(h.reply(out), None, "answered while still signed in");
    let (id, _) = h.take_user_pool("DeleteUser");
    h.complete(
        id,
        EffectResult::UserPool(Ok(cognito::UserPoolResponse::Empty)),
    );
    assert_eq!(h.reply(delete), Some(&Ok(Answer::Done)));
    assert!(matches!(h.reply(out), Some(Ok(Answer::SignedOut(r))) if r.is_complete()));
    assert_eq!(h.m.user_state(), UserState::SignedOut);
    assert!(h.effects.is_empty(), "{:?}", h.effects);
}

#[test]
fn a_sign_out_during_a_failed_delete_user_then_signs_out() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    let delete = h.call(ApiCall::DeleteUser);
    let out = h.call(ApiCall::SignOut(SignOutOptions::default()));
    let (id, _) = h.take_user_pool("DeleteUser");
    h.complete(id, network_error());
    assert!(matches!(
        h.reply(delete),
        Some(Err(AuthError::Network { .. }))
    ));
    assert_eq!(h.reply(out), None, "the sign-out runs now");
    let (id, _) = h.take_user_pool("RevokeToken");
    h.complete(
        id,
        EffectResult::UserPool(Ok(cognito::UserPoolResponse::Empty)),
    );
    assert!(matches!(h.reply(out), Some(Ok(Answer::SignedOut(r))) if r.is_complete()));
    assert_eq!(h.m.user_state(), UserState::SignedOut);
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn account_calls_use_the_access_token_and_wait_for_a_refresh_when_it_expired() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    let op = h.call(ApiCall::account(GetUser {}));
    let (id, req) = h.take_user_pool("GetUser");
    let UserPoolRequest::Account {
        auth: AccountAuth::AccessToken { access_token },
        request: AccountRequest::GetUser(GetUser {}),
    } = &req
    else {
        unreachable!()
    };
    assert!(access_token.expose().starts_with("e30."));
    let output = GetUserOutput {
        username: "ann".into(),
        user_attributes: vec![cognito::Attribute {
            name: "email".into(),
            value: "ann@example.com".into(),
        }],
        ..Default::default()
    };
    h.complete(
        id,
        EffectResult::UserPool(Ok(cognito::UserPoolResponse::Account(
            AccountResponse::GetUser(output.clone()),
        ))),
    );
    assert_eq!(
        h.reply(op),
        Some(&Ok(Answer::Account(AccountResponse::GetUser(output))))
    );

    h.advance_ms(3_700 * 1000);
    let op = h.call(ApiCall::account(GetUser {}));
    let (id, _) = h.take_user_pool("InitiateAuth");
    assert!(h.effects.is_empty(), "GetUser waits for fresh tokens");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("ann", now, 3600, 2)));
    let (_, req) = h.take_user_pool("GetUser");
    let UserPoolRequest::Account {
        auth: AccountAuth::AccessToken { access_token },
        ..
    } = &req
    else {
        unreachable!()
    };
    let claims = session::decode_claims(access_token.expose()).unwrap();
    assert!(claims.exp > now, "the refreshed token is used");
    assert!(h.reply(op).is_none());
}

#[test]
fn unauthenticated_calls_work_in_any_state() {
    let mut h = Harness::new(config_user_pool(), None);
    let op = h.call(ApiCall::account(SignUp {
        username: "new".into(),
        password: Secret::new("P4ssword!".into()),
        ..Default::default()
    }));
    let (id, req) = h.take_user_pool("SignUp");
    // The app client of this pool has no secret: no SECRET_HASH.
    assert!(matches!(
        req,
        UserPoolRequest::Account {
            auth: AccountAuth::Client { secret_hash: None },
            ..
        }
    ));
    let output = SignUpOutput {
        user_sub: "sub-new".into(),
        ..Default::default()
    };
    h.complete(
        id,
        EffectResult::UserPool(Ok(cognito::UserPoolResponse::Account(
            AccountResponse::SignUp(output.clone()),
        ))),
    );
    assert_eq!(
        h.reply(op),
        Some(&Ok(Answer::Account(AccountResponse::SignUp(output))))
    );
    let op = h.call(ApiCall::account(ConfirmSignUp {
        username: "new".into(),
        confirmation_code: Secret::new("123456".into()),
        ..Default::default()
    }));
    let (id, _) = h.take_user_pool("ConfirmSignUp");
    h.complete(id, service_error("ExpiredCodeException"));
    assert_eq!(h.reply(op), Some(&Err(AuthError::CodeExpired)));
}

#[test]
fn calls_before_the_session_is_loaded_are_answered_after_it() {
    let mut h = Harness::new(config_user_pool(), None);
    // A fresh machine: commands wait for the load.
    h.m = Machine::new(config_user_pool(), [1; 32]);
    let outputs: Vec<_> = std::iter::from_fn(|| h.m.poll_output()).collect();
    let Output::Effect {
        effect_id: load, ..
    } = outputs[0]
    else {
        panic!("{outputs:?}")
    };
    h.replies.clear();
    let op = tokens_op(&mut h, false);
    assert!(h.reply(op).is_none());
    let now = h.now_s();
    let stored = PersistedSession {
        version: PersistedSession::VERSION,
        tokens: Some(
            Tokens::from_jwts(
                auth_result("ann", now, 3600, 1).access_token,
                auth_result("ann", now, 3600, 1).id_token,
                Some(Secret::new("r".into())),
            )
            .unwrap(),
        ),
        ..Default::default()
    };
    h.complete(load, EffectResult::Loaded(Ok(Some(stored))));
    assert_eq!(&*tokens_reply(&h, op).username, "ann");
    assert_eq!(h.m.user_state(), UserState::SignedIn);
}

#[test]
fn restoring_expired_tokens_offline_keeps_the_user_signed_in() {
    let now = T0_UNIX_MS / 1000;
    let r = auth_result("ann", now - 7200, 3600, 1);
    let stored = PersistedSession {
        version: PersistedSession::VERSION,
        tokens: Some(Tokens::from_jwts(r.access_token, r.id_token, r.refresh_token).unwrap()),
        ..Default::default()
    };
    let mut h = Harness::new(config_user_pool(), Some(stored));
    assert_eq!(h.m.user_state(), UserState::SignedIn);
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, network_error());
    assert_eq!(h.m.user_state(), UserState::SignedIn);
    let op = tokens_op(&mut h, false);
    // Expired tokens are never handed out: the caller triggers a refresh and waits for it.
    assert!(h.reply(op).is_none());
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, network_error());
    assert!(matches!(h.reply(op), Some(Err(AuthError::Network { .. }))));
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn restoring_an_invalidated_session_waits_for_sign_in() {
    let now = T0_UNIX_MS / 1000;
    let r = auth_result("ann", now - 7200, 3600, 1);
    let stored = PersistedSession {
        version: PersistedSession::VERSION,
        tokens: Some(Tokens::from_jwts(r.access_token, r.id_token, r.refresh_token).unwrap()),
        tokens_invalid: true,
        ..Default::default()
    };
    let h = Harness::new(config_user_pool(), Some(stored));
    assert_eq!(h.m.user_state(), UserState::SignedOutUserPoolsTokenInvalid);
}

#[test]
fn an_unreadable_store_starts_signed_out_and_says_why() {
    let mut h = Harness::new(config_user_pool(), None);
    h.m = Machine::new(config_user_pool(), [1; 32]);
    let outputs: Vec<_> = std::iter::from_fn(|| h.m.poll_output()).collect();
    let Output::Effect {
        effect_id: load, ..
    } = outputs[0]
    else {
        panic!()
    };
    let out = h.complete(
        load,
        EffectResult::Loaded(Err(StoreFailure {
            message: "corrupt file quarantined".into(),
        })),
    );
    assert!(out
        .iter()
        .any(|o| matches!(o, Output::Ignored { reason } if reason.contains("quarantined"))));
    assert_eq!(h.m.user_state(), UserState::SignedOut);
}

#[test]
fn a_malformed_token_from_the_service_is_a_typed_error() {
    let mut h = Harness::new(config_user_pool(), None);
    let op = h.call(ApiCall::SignIn {
        username: "ann".into(),
        password: Some(Secret::new("pw".into())),
        flow: Some(AuthFlow::UserPasswordAuth),
        preferred_challenge: None,
        client_metadata: Default::default(),
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    let mut r = auth_result("ann", 0, 3600, 1);
    r.access_token = Secret::new("not-a-jwt".into());
    h.complete(id, tokens_response(r));
    match h.reply(op) {
        Some(Err(AuthError::UnexpectedResponse { message })) => {
            assert!(!message.contains("not-a-jwt"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.m.user_state(), UserState::SignedOut);
}

/// A stored session whose access token carries `claims` (on top of a valid user's).
fn stored_with(claims: serde_json::Value) -> PersistedSession {
    let now = T0_UNIX_MS / 1000;
    let mut access = serde_json::json!({
        "sub": "sub-ann", "username": "ann", "exp": now + 3600, "token_use": "access"
    });
    for (k, v) in claims.as_object().unwrap() {
        access[k] = v.clone();
    }
    let r = auth_result("ann", now, 3600, 1);
    PersistedSession {
        version: PersistedSession::VERSION,
        tokens: Some(
            Tokens::from_jwts(Secret::new(jwt(access)), r.id_token, r.refresh_token).unwrap(),
        ),
        identity: cognito_auth_machine::session::IdentityState {
            identity_id: Some("us-east-1:stored-identity".into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Restores `stored` into a fresh machine; returns it with the load's outputs.
fn restore(stored: PersistedSession) -> (Harness, Vec<Output>) {
    restore_with(config_full(), stored)
}

fn restore_with(config: Config, stored: PersistedSession) -> (Harness, Vec<Output>) {
    let mut h = Harness::new(config.clone(), None);
    h.m = Machine::new(config, [1; 32]);
    let outputs: Vec<_> = std::iter::from_fn(|| h.m.poll_output()).collect();
    let Output::Effect {
        effect_id: load, ..
    } = outputs[0]
    else {
        panic!("{outputs:?}")
    };
    let out = h.complete(load, EffectResult::Loaded(Ok(Some(stored))));
    (h, out)
}

#[test]
fn a_stored_session_of_this_pool_and_client_is_restored() {
    let (h, _) = restore(stored_with(serde_json::json!({
        "client_id": "client123",
        "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool"
    })));
    assert_eq!(h.m.user_state(), UserState::SignedIn);
    // The hosted UI's app client, when the configuration names another one, is this app's too.
    let mut config = config_full();
    config.oauth.as_mut().unwrap().app_client_id = "webclient".into();
    let (h, _) = restore_with(
        config,
        stored_with(serde_json::json!({"client_id": "webclient"})),
    );
    assert_eq!(h.m.user_state(), UserState::SignedIn);
}

#[test]
fn a_stored_session_of_another_app_client_or_pool_is_not_used_nor_overwritten() {
    for (claims, named) in [
        (
            serde_json::json!({"client_id": "otherclient"}),
            "app client otherclient",
        ),
        (
            serde_json::json!({
                "client_id": "client123",
                "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool"
            }),
            "us-east-1_OtherPool",
        ),
    ] {
        let (mut h, out) = restore(stored_with(claims));
        // Signed out (a guest, as this configuration allows guests).
        assert_eq!(h.m.user_state(), UserState::Guest, "{named}");
        assert!(
            out.iter().any(|o| matches!(o, Output::Ignored { reason }
                if reason.contains("another app's") && reason.contains(named))),
            "{out:?}"
        );
        // Nothing is written over the other app's session until this app has one.
        assert!(
            !out.iter().any(|o| matches!(
                o,
                Output::Effect {
                    effect: Effect::Persist { .. },
                    ..
                }
            )),
            "{out:?}"
        );
        // Its tokens are not handed out, and its identity is not adopted: a guest gets a new one.
        let op = tokens_op(&mut h, false);
        assert_eq!(h.reply(op), Some(&Err(AuthError::NotSignedIn)));
        let op = h.call(ApiCall::FetchIdentityId);
        let (_, request) = h.take_identity("GetId");
        assert!(h.reply(op).is_none(), "{request:?}");
    }
}

//! Refresh-token rotation: GetTokensFromRefreshToken on a rotating app client, the auto mode's
//! switch when REFRESH_TOKEN_AUTH is refused, and a rotated-out token's definitive refusal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognito_auth_machine::cognito::UserPoolRequest;
use cognito_auth_machine::config::RefreshTokenRotation;
use cognito_auth_machine::*;
use common::*;

fn config(mode: RefreshTokenRotation) -> Config {
    let mut c = config_user_pool();
    c.tuning.refresh_token_rotation = mode;
    c
}

/// Expired tokens, a caller asking for tokens: the refresh goes out.
fn caller_waiting(h: &mut Harness) -> OperationId {
    h.advance_ms(3_700 * 1000);
    h.call(ApiCall::FetchTokens {
        force_refresh: false,
    })
}

fn refresh_token_sent(req: &UserPoolRequest) -> String {
    match req {
        UserPoolRequest::GetTokensFromRefreshToken { refresh_token, .. } => {
            refresh_token.expose().clone()
        }
        other => panic!("expected GetTokensFromRefreshToken, got {other:?}"),
    }
}

/// Position of the first output matching `pred`.
fn position(outputs: &[Output], pred: impl Fn(&Output) -> bool) -> usize {
    outputs.iter().position(pred).expect("output present")
}

#[test]
fn enabled_mode_refreshes_with_get_tokens_and_persists_the_rotated_token_before_answering() {
    let mut h = Harness::signed_in(config(RefreshTokenRotation::Enabled), "ann");
    let op = caller_waiting(&mut h);
    let (id, req) = h.take_user_pool("GetTokensFromRefreshToken");
    assert_eq!(refresh_token_sent(&req), "refresh-ann-1");
    let now = h.now_s();
    let outputs = h.complete(id, tokens_response(auth_result("ann", now, 300, 2)));
    let persist = position(&outputs, |o| {
        matches!(o, Output::Effect { effect: Effect::Persist { session }, .. }
            if session.tokens.as_ref().and_then(|t| t.refresh_token.as_ref())
                .is_some_and(|r| r.expose() == "refresh-ann-2"))
    });
    let reply = position(
        &outputs,
        |o| matches!(o, Output::Reply { op: o, .. } if *o == op),
    );
    assert!(
        persist < reply,
        "the rotated token's save is requested before the caller is answered: {outputs:?}"
    );
    let Some(Ok(Answer::Tokens(t))) = h.reply(op) else {
        panic!("tokens expected")
    };
    assert_eq!(t.refresh_token.as_ref().unwrap().expose(), "refresh-ann-2");

    // The next refresh sends the rotated token.
    h.fire(TimerKind::TokensDue);
    let (_, req) = h.take_user_pool("GetTokensFromRefreshToken");
    assert_eq!(refresh_token_sent(&req), "refresh-ann-2");
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn auto_mode_switches_when_refresh_token_auth_is_refused_and_remembers_it() {
    let mut h = Harness::signed_in(config(RefreshTokenRotation::Auto), "ann");
    let op = caller_waiting(&mut h);
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(
        id,
        EffectResult::UserPool(Err(ServiceError::service(
            "InvalidParameterException",
            "REFRESH_TOKEN_AUTH flow not enabled for this client",
        ))),
    );
    assert!(h.reply(op).is_none(), "the caller waits for the retry");
    assert_eq!(h.m.user_state(), UserState::SignedIn);
    let (id, req) = h.take_user_pool("GetTokensFromRefreshToken");
    assert_eq!(refresh_token_sent(&req), "refresh-ann-1");
    let now = h.now_s();
    let outputs = h.complete(id, tokens_response(auth_result("ann", now, 3600, 2)));
    let stored = outputs
        .iter()
        .find_map(|o| match o {
            Output::Effect {
                effect: Effect::Persist { session },
                ..
            } => Some(session.clone()),
            _ => None,
        })
        .expect("persisted");
    assert!(stored.refresh_rotation, "the switch is kept in the session");
    assert!(matches!(h.reply(op), Some(Ok(Answer::Tokens(_)))));

    // A restart from that session refreshes with GetTokensFromRefreshToken straight away.
    let mut stored = *stored;
    stored.tokens = stored.tokens.map(|mut t| {
        t.expires_at_s = 0;
        t
    });
    let mut h2 = Harness::new(config(RefreshTokenRotation::Auto), Some(stored));
    let (_, req) = h2.take_user_pool("GetTokensFromRefreshToken");
    assert_eq!(refresh_token_sent(&req), "refresh-ann-2");
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn a_rotated_out_token_after_its_grace_period_ends_the_session() {
    let mut h = Harness::signed_in(config(RefreshTokenRotation::Enabled), "ann");
    let op = caller_waiting(&mut h);
    let (id, _) = h.take_user_pool("GetTokensFromRefreshToken");
    h.complete(id, service_error("RefreshTokenReuseException"));
    assert_eq!(
        h.m.user_state(),
        UserState::SignedOutUserPoolsTokenInvalid,
        "a reused token is refused for good: no retry loop"
    );
    assert!(
        h.reply(op).is_none(),
        "token callers wait for a new sign-in"
    );
    assert!(!h.timers.contains_key(&TimerKind::RetryTokens));
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn disabled_mode_never_switches() {
    let mut h = Harness::signed_in(config(RefreshTokenRotation::Disabled), "ann");
    let op = caller_waiting(&mut h);
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(
        id,
        EffectResult::UserPool(Err(ServiceError::service(
            "InvalidParameterException",
            "REFRESH_TOKEN_AUTH flow not enabled for this client",
        ))),
    );
    assert!(matches!(h.reply(op), Some(Err(_))));
    assert!(h.effects.is_empty(), "{:?}", h.effects);
}

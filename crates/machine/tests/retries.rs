//! A failed refresh, per error class (docs/RETRIES.md): transient failures retry with full-jitter
//! backoff, `NotAuthorized` ends the session, every other refusal stops retrying, reports a typed
//! error and keeps the user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognito_auth_machine::cognito::{ServiceError, ServiceErrorKind};
use cognito_auth_machine::*;
use common::*;

fn failure(kind: ServiceErrorKind, code: &str) -> EffectResult {
    EffectResult::UserPool(Err(ServiceError {
        kind,
        code: code.into(),
        message: format!("{code} (test)"),
    }))
}

/// Signed in with expired tokens and one caller waiting on the refresh that `result` answers.
/// In the default `auto` rotation mode an `InvalidParameter` answer to REFRESH_TOKEN_AUTH is how
/// Cognito says the client rotates refresh tokens, so the machine asks once more with
/// GetTokensFromRefreshToken; `result` answers that too.
fn refresh_fails_with(result: EffectResult) -> (Harness, OperationId) {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    h.advance_ms(3_700 * 1000);
    let op = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, result.clone());
    let switched = h.effects.iter().any(|(_, e)| {
        matches!(e, Effect::UserPool { request } if request.operation() == "GetTokensFromRefreshToken")
    });
    if switched {
        let (id, _) = h.take_user_pool("GetTokensFromRefreshToken");
        h.complete(id, result);
    }
    (h, op)
}

fn refreshes_pending(h: &Harness) -> usize {
    h.effects
        .iter()
        .filter(
            |(_, e)| matches!(e, Effect::UserPool { request } if is_refresh(request.operation())),
        )
        .count()
}

fn is_refresh(operation: &str) -> bool {
    operation == "InitiateAuth" || operation == "GetTokensFromRefreshToken"
}

/// The pending refresh, whichever operation the rotation mode chose.
fn take_refresh(h: &mut Harness) -> EffectId {
    let op = if h.effects.iter().any(|(_, e)| {
        matches!(e, Effect::UserPool { request } if request.operation() == "GetTokensFromRefreshToken")
    }) {
        "GetTokensFromRefreshToken"
    } else {
        "InitiateAuth"
    };
    h.take_user_pool(op).0
}

#[test]
fn transient_failures_keep_the_user_and_retry_with_backoff() {
    let cases = [
        failure(ServiceErrorKind::Network, "NetworkError"),
        failure(ServiceErrorKind::Timeout, "Timeout"),
        failure(ServiceErrorKind::ServerError, "500"),
        service_error("InternalErrorException"),
        service_error("TooManyRequestsException"),
        service_error("ThrottlingException"),
        service_error("ServiceUnavailable"),
        service_error("RequestTimeout"),
    ];
    for result in cases {
        let (mut h, op) = refresh_fails_with(result.clone());
        assert!(
            matches!(h.reply(op), Some(Err(AuthError::Network { .. }))),
            "{result:?}: {:?}",
            h.reply(op)
        );
        assert_eq!(h.m.user_state(), UserState::SignedIn, "{result:?}");
        assert_eq!(h.m.state().label(), "signed in (tokens stale, retrying)");
        let delay = h.timers[&TimerKind::RetryTokens] - h.now.mono_ms;
        assert!((1..=500).contains(&delay), "{result:?}: {delay}");
        h.fire(TimerKind::RetryTokens);
        assert_eq!(refreshes_pending(&h), 1, "{result:?}: the timer retries");
    }
}

#[test]
fn refusals_stop_retrying_report_a_typed_error_and_keep_the_user() {
    let cases = [
        (
            "ResourceNotFoundException",
            AuthError::Service {
                code: "ResourceNotFound".into(),
                message: "ResourceNotFoundException (test)".into(),
            },
        ),
        (
            "InvalidParameterException",
            AuthError::InvalidParameter {
                message: "InvalidParameterException (test)".into(),
            },
        ),
        ("UserNotFoundException", AuthError::UserNotFound),
        ("UserNotConfirmedException", AuthError::UserNotConfirmed),
        (
            "PasswordResetRequiredException",
            AuthError::PasswordResetRequired,
        ),
        (
            "InvalidUserPoolConfigurationException",
            AuthError::Service {
                code: "InvalidUserPoolConfiguration".into(),
                message: "InvalidUserPoolConfigurationException (test)".into(),
            },
        ),
        (
            "UnexpectedLambdaException",
            AuthError::Service {
                code: "UnexpectedLambda".into(),
                message: "UnexpectedLambdaException (test)".into(),
            },
        ),
    ];
    for (code, expected) in cases {
        let (mut h, op) = refresh_fails_with(service_error(code));
        assert_eq!(h.reply(op), Some(&Err(expected.clone())), "{code}");
        assert_eq!(
            h.m.user_state(),
            UserState::SignedIn,
            "{code}: not signed out"
        );
        assert!(
            !h.persisted.as_ref().unwrap().tokens_invalid,
            "{code}: the refresh token is kept"
        );
        assert!(
            !h.timers.contains_key(&TimerKind::RetryTokens),
            "{code}: no retry timer: {:?}",
            h.timers
        );
        // Time passing does not bring a retry; the next caller does, exactly once.
        h.advance_ms(3_600 * 1000);
        assert_eq!(refreshes_pending(&h), 0, "{code}");
        let again = h.call(ApiCall::FetchTokens {
            force_refresh: false,
        });
        assert_eq!(refreshes_pending(&h), 1, "{code}");
        let id = take_refresh(&mut h);
        let now = h.now_s();
        h.complete(id, tokens_response(auth_result("ann", now, 3600, 2)));
        assert!(
            matches!(h.reply(again), Some(Ok(Answer::Tokens(_)))),
            "{code}"
        );
        assert_eq!(h.m.state().label(), "signed in", "{code}");
    }
}

#[test]
fn a_refusal_after_a_transient_failure_cancels_the_retry_and_resets_the_backoff() {
    let (mut h, _) = refresh_fails_with(network_error());
    h.fire(TimerKind::RetryTokens);
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, service_error("TooManyRequestsException"));
    assert!(h.timers[&TimerKind::RetryTokens] - h.now.mono_ms <= 1000);
    // The retry is refused: no more timer.
    h.fire(TimerKind::RetryTokens);
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, service_error("ResourceNotFoundException"));
    assert!(!h.timers.contains_key(&TimerKind::RetryTokens));
    // A caller tries again and fails transiently: the backoff starts from the first window.
    let op = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, network_error());
    assert!(matches!(h.reply(op), Some(Err(AuthError::Network { .. }))));
    let delay = h.timers[&TimerKind::RetryTokens] - h.now.mono_ms;
    assert!((1..=500).contains(&delay), "{delay}");
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn a_refused_early_refresh_still_hands_out_the_valid_cached_tokens() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    h.fire(TimerKind::TokensDue); // 300 s before expiry
    let forced = h.call(ApiCall::FetchTokens {
        force_refresh: true,
    });
    let cached = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, service_error("ResourceNotFoundException"));
    assert!(matches!(h.reply(cached), Some(Ok(Answer::Tokens(t))) if &*t.username == "ann"));
    assert!(
        matches!(
            h.reply(forced),
            Some(Err(AuthError::Service { code, .. })) if code == "ResourceNotFound"
        ),
        "a forced refresh asked for new tokens: {:?}",
        h.reply(forced)
    );
    assert!(!h.timers.contains_key(&TimerKind::RetryTokens));
    let later = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    assert!(matches!(h.reply(later), Some(Ok(Answer::Tokens(_)))));
    assert_eq!(
        refreshes_pending(&h),
        0,
        "valid cached tokens need no refresh"
    );
}

#[test]
fn not_authorized_ends_the_session() {
    let (h, op) = refresh_fails_with(service_error("NotAuthorizedException"));
    assert_eq!(h.m.user_state(), UserState::SignedOutUserPoolsTokenInvalid);
    assert!(h.reply(op).is_none(), "the caller waits for a sign-in");
    let persisted = h.persisted.as_ref().unwrap();
    assert!(persisted.tokens_invalid);
    assert_eq!(
        persisted.tokens.as_ref().map(|t| &*t.username),
        Some("ann"),
        "the user name is kept for the next sign-in"
    );
    assert!(!h.timers.contains_key(&TimerKind::RetryTokens));
}

/// Full jitter: over many sessions (seeds), the first retry delay covers the whole window
/// `1..=retry_base_ms`, including its lower half, which equal jitter never reaches.
#[test]
fn the_backoff_draws_full_jitter() {
    let mut below_half = 0;
    let mut above_half = 0;
    for seed in 0..64u8 {
        let mut h = Harness::signed_in_seeded(config_user_pool(), "ann", [seed; 32]);
        h.advance_ms(3_700 * 1000);
        h.call(ApiCall::FetchTokens {
            force_refresh: false,
        });
        let (id, _) = h.take_user_pool("InitiateAuth");
        h.complete(id, network_error());
        let delay = h.timers[&TimerKind::RetryTokens] - h.now.mono_ms;
        assert!((1..=500).contains(&delay), "seed {seed}: {delay}");
        if delay < 250 {
            below_half += 1;
        } else {
            above_half += 1;
        }
    }
    assert!(
        below_half > 8 && above_half > 8,
        "{below_half} / {above_half}"
    );
}

/// The window doubles with every consecutive failure (`retry_base_ms * 2^n`) and stops at
/// `retry_max_ms`: over many seeds each retry's delay stays inside its window and reaches
/// into its upper half.
#[test]
fn the_backoff_window_doubles_up_to_the_cap() {
    const ATTEMPTS: usize = 10;
    let mut max_seen = [0u64; ATTEMPTS];
    for seed in 0..32u8 {
        let mut h = Harness::signed_in_seeded(config_user_pool(), "ann", [seed; 32]);
        h.advance_ms(3_700 * 1000);
        h.call(ApiCall::FetchTokens {
            force_refresh: false,
        });
        for (n, max) in max_seen.iter_mut().enumerate() {
            if n > 0 {
                h.fire(TimerKind::RetryTokens);
            }
            let (id, _) = h.take_user_pool("InitiateAuth");
            h.complete(id, network_error());
            let delay = h.timers[&TimerKind::RetryTokens] - h.now.mono_ms;
            let window = (500u64 << n).min(60_000);
            assert!(
                (1..=window).contains(&delay),
                "seed {seed}, retry {n}: {delay}"
            );
            *max = (*max).max(delay);
        }
    }
    for (n, max) in max_seen.iter().enumerate() {
        let window = (500u64 << n).min(60_000);
        assert!(
            *max > window / 2,
            "retry {n}: largest delay {max} of {window}"
        );
    }
}

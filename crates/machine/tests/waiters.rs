//! Calls queued behind work in flight: a refresh (token waiters, deferred deletions) and the
//! identity-pool fetch (identity-id and credential callers, the GetId retry for a stale
//! identity id).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognito_auth_machine::account::GetUser;
use cognito_auth_machine::cognito::{IdentityRequest, IdentityResponse, UserPoolResponse};
use cognito_auth_machine::*;
use common::*;

fn identity_id(id: &str) -> EffectResult {
    EffectResult::Identity(Ok(IdentityResponse::IdentityId {
        identity_id: id.into(),
    }))
}

fn identity_error(code: &str) -> EffectResult {
    EffectResult::Identity(Err(cognito::ServiceError::service(
        code,
        format!("{code} (test)"),
    )))
}

#[test]
fn two_deletions_queued_behind_one_refresh_delete_once_and_refuse_the_second() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    h.advance_ms(3_700 * 1000); // tokens expired: the deletion waits for a refresh
    let first = h.call(ApiCall::DeleteUser);
    let second = h.call(ApiCall::DeleteUser);
    let (id, _) = h.take_user_pool("InitiateAuth");
    assert!(h.effects.is_empty(), "{:?}", h.effects);
    let now = h.now_s();
    let refreshed = auth_result("ann", now, 3600, 2);
    h.complete(id, tokens_response(refreshed.clone()));
    assert_eq!(
        h.reply(second),
        Some(&Err(AuthError::InvalidState {
            call: "delete_user".into(),
            state: "deleting the user".into(),
        }))
    );
    assert!(h.reply(first).is_none(), "the first deletion is in flight");
    let (id, req) = h.take_user_pool("DeleteUser");
    let cognito::UserPoolRequest::DeleteUser { access_token } = &req else {
        unreachable!()
    };
    assert_eq!(
        access_token, &refreshed.access_token,
        "the refreshed access token is used"
    );
    assert!(h.effects.is_empty(), "one DeleteUser: {:?}", h.effects);
    h.complete(id, EffectResult::UserPool(Ok(UserPoolResponse::Empty)));
    assert_eq!(h.reply(first), Some(&Ok(Answer::Done)));
    assert_eq!(h.m.user_state(), UserState::SignedOut);
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn a_tokens_caller_and_a_deletion_queued_behind_a_refresh_are_both_served() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    h.advance_ms(3_700 * 1000);
    let tokens = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    let delete = h.call(ApiCall::DeleteUser);
    let (id, _) = h.take_user_pool("InitiateAuth");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("ann", now, 3600, 2)));
    assert!(
        matches!(h.reply(tokens), Some(Ok(Answer::Tokens(t))) if t.refresh_token.as_ref().unwrap().expose() == "refresh-ann-2")
    );
    assert_eq!(h.m.state().label(), "deleting the user");
    let (id, _) = h.take_user_pool("DeleteUser");
    h.complete(id, EffectResult::UserPool(Ok(UserPoolResponse::Empty)));
    assert_eq!(h.reply(delete), Some(&Ok(Answer::Done)));
}

#[test]
fn an_identity_id_caller_waiting_on_the_fetch_gets_the_identity_id() {
    let mut h = Harness::new(config_full(), None);
    let id_op = h.call(ApiCall::FetchIdentityId);
    let creds_op = h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    });
    let (id, _) = h.take_identity("GetId");
    assert!(h.effects.is_empty(), "one fetch for both callers");
    h.complete(id, identity_id("us-east-1:guest"));
    assert!(h.reply(id_op).is_none(), "answered with the credentials");
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:guest", exp));
    assert_eq!(
        h.reply(id_op),
        Some(&Ok(Answer::IdentityId {
            identity_id: "us-east-1:guest".into()
        }))
    );
    assert!(matches!(
        h.reply(creds_op),
        Some(Ok(Answer::Credentials { identity_id, .. })) if identity_id == "us-east-1:guest"
    ));
    // Known now: answered at once, without a call.
    let again = h.call(ApiCall::FetchIdentityId);
    assert_eq!(
        h.reply(again),
        Some(&Ok(Answer::IdentityId {
            identity_id: "us-east-1:guest".into()
        }))
    );
    assert!(h.effects.is_empty());
}

/// GetCredentialsForIdentity answers ResourceNotFound when the stored identity was deleted: the
/// machine gets a new identity id with GetId, once; a second refusal is reported.
#[test]
fn a_stale_identity_id_is_replaced_once_by_get_id() {
    let mut h = Harness::new(config_full(), None);
    let first = h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    });
    let (id, _) = h.take_identity("GetId");
    h.complete(id, identity_id("us-east-1:old"));
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:old", exp));
    assert!(h.reply(first).is_some());

    let op = h.call(ApiCall::FetchCredentials {
        force_refresh: true,
    });
    let (id, req) = h.take_identity("GetCredentialsForIdentity");
    assert!(
        matches!(&req, IdentityRequest::GetCredentialsForIdentity { identity_id, .. } if identity_id == "us-east-1:old")
    );
    h.complete(id, identity_error("ResourceNotFoundException"));
    assert!(
        h.reply(op).is_none(),
        "the caller waits for the new identity"
    );
    let (id, _) = h.take_identity("GetId");
    h.complete(id, identity_id("us-east-1:new"));
    let (id, req) = h.take_identity("GetCredentialsForIdentity");
    assert!(
        matches!(&req, IdentityRequest::GetCredentialsForIdentity { identity_id, .. } if identity_id == "us-east-1:new")
    );
    // Refused again: no second GetId, the caller gets the error.
    h.complete(id, identity_error("ResourceNotFoundException"));
    assert!(h.effects.is_empty(), "{:?}", h.effects);
    assert!(
        matches!(h.reply(op), Some(Err(AuthError::Service { code, .. })) if code == "ResourceNotFound"),
        "{:?}",
        h.reply(op)
    );
    assert!(
        !h.timers.contains_key(&TimerKind::RetryCredentials),
        "a refusal is not retried"
    );
    insta::assert_yaml_snapshot!(h.trace);
}

/// A guest's identity that a sign-in linked to the user's logins is refused without them
/// (NotAuthorized, "Logins don't match"): that happens when the store lost the signed-in
/// session (a failed save, then a restart; simulator seed 17224). The guest gets a new identity
/// with GetId, once; a second refusal is reported.
#[test]
fn a_guest_identity_linked_to_logins_is_replaced_once_by_get_id() {
    let mut h = Harness::new(config_full(), None);
    let first = h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    });
    let (id, _) = h.take_identity("GetId");
    h.complete(id, identity_id("us-east-1:linked"));
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:linked", exp));
    assert!(h.reply(first).is_some());

    let op = h.call(ApiCall::FetchCredentials {
        force_refresh: true,
    });
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    h.complete(id, identity_error("NotAuthorizedException"));
    assert!(
        h.reply(op).is_none(),
        "the caller waits for the new identity"
    );
    let (id, req) = h.take_identity("GetId");
    assert!(
        matches!(&req, IdentityRequest::GetId { logins, .. } if logins.expose().is_empty()),
        "a guest's GetId carries no logins"
    );
    h.complete(id, identity_id("us-east-1:guest"));
    let (id, req) = h.take_identity("GetCredentialsForIdentity");
    assert!(
        matches!(&req, IdentityRequest::GetCredentialsForIdentity { identity_id, .. } if identity_id == "us-east-1:guest")
    );
    h.complete(id, credentials("us-east-1:guest", exp));
    assert!(
        matches!(h.reply(op), Some(Ok(Answer::Credentials { identity_id, .. })) if identity_id == "us-east-1:guest"),
        "{:?}",
        h.reply(op)
    );

    // Refused again after a new GetId: reported, not retried.
    let op = h.call(ApiCall::FetchCredentials {
        force_refresh: true,
    });
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    h.complete(id, identity_error("NotAuthorizedException"));
    let (id, _) = h.take_identity("GetId");
    h.complete(id, identity_id("us-east-1:guest2"));
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    h.complete(id, identity_error("NotAuthorizedException"));
    assert!(h.effects.is_empty(), "{:?}", h.effects);
    assert!(
        matches!(h.reply(op), Some(Err(AuthError::NotAuthorized { .. }))),
        "{:?}",
        h.reply(op)
    );
}

#[test]
fn get_id_refused_with_resource_not_found_is_reported_not_retried() {
    let mut h = Harness::new(config_full(), None);
    let op = h.call(ApiCall::FetchIdentityId);
    let (id, _) = h.take_identity("GetId");
    h.complete(id, identity_error("ResourceNotFoundException"));
    assert!(h.effects.is_empty(), "{:?}", h.effects);
    assert!(
        matches!(h.reply(op), Some(Err(AuthError::Service { code, .. })) if code == "ResourceNotFound")
    );
}

#[test]
fn a_transient_credentials_failure_retries_with_backoff() {
    let mut h = Harness::new(config_full(), None);
    let op = h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    });
    let (id, _) = h.take_identity("GetId");
    h.complete(id, identity_error("TooManyRequestsException"));
    assert!(matches!(h.reply(op), Some(Err(AuthError::Network { .. }))));
    let delay = h.timers[&TimerKind::RetryCredentials] - h.now.mono_ms;
    assert!((1..=500).contains(&delay), "{delay}");
}

/// Cached credentials are served until the refresh instant (`Expiration` minus the skew,
/// here 300 s of a 3600 s lifetime) and fetched anew from that instant on.
#[test]
fn cached_credentials_are_served_until_the_refresh_instant_and_not_at_it() {
    let mut h = Harness::new(config_full(), None);
    let op = h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    });
    let (id, _) = h.take_identity("GetId");
    h.complete(id, identity_id("us-east-1:guest"));
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:guest", exp));
    assert!(h.reply(op).is_some());

    h.advance_ms((3600 - 300 - 1) * 1000);
    let before = h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    });
    assert!(matches!(
        h.reply(before),
        Some(Ok(Answer::Credentials { .. }))
    ));
    assert!(h.effects.is_empty(), "one second before: from the cache");

    h.advance_ms(1000);
    let at = h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    });
    assert!(h.reply(at).is_none(), "at the refresh instant: fetched");
    h.take_identity("GetCredentialsForIdentity");
}

fn pending_ops(h: &Harness) -> Vec<String> {
    h.effects
        .iter()
        .filter_map(|(_, e)| match e {
            Effect::UserPool { request } => Some(request.operation().to_owned()),
            Effect::Identity { request } => Some(request.operation().to_owned()),
            _ => None,
        })
        .collect()
}

/// A failed refresh with expired tokens: queued account and credential calls fail with the
/// refresh's error rather than going out with the expired tokens.
#[test]
fn calls_queued_behind_a_failed_refresh_with_expired_tokens_fail_without_a_request() {
    let mut h = Harness::signed_in(config_full(), "ann");
    h.effects.clear();
    h.advance_ms(3_700 * 1000);
    let attrs = h.call(ApiCall::account(GetUser {}));
    let creds = h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    assert!(h.effects.is_empty(), "{:?}", h.effects);
    h.complete(id, network_error());
    assert!(matches!(
        h.reply(attrs),
        Some(Err(AuthError::Network { .. }))
    ));
    assert!(matches!(
        h.reply(creds),
        Some(Err(AuthError::Network { .. }))
    ));
    assert_eq!(pending_ops(&h), Vec::<String>::new());
}

/// Tokens restored from the store count from the restore on the monotonic clock: a wall
/// clock jumping back while their refresh is in flight does not make them valid again.
#[test]
fn a_backward_wall_clock_jump_does_not_revive_restored_expired_tokens_for_a_queued_call() {
    let stored = Harness::signed_in(config_user_pool(), "ann")
        .persisted
        .unwrap();
    let mut h = Harness::new(config_user_pool(), Some(stored));
    let restored_at = h.now;
    h.advance_ms(3_700 * 1000);
    let attrs = h.call(ApiCall::account(GetUser {}));
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.now = Timestamp::new(h.now.mono_ms + 1000, restored_at.unix_ms);
    h.complete(id, network_error());
    assert!(
        matches!(h.reply(attrs), Some(Err(_))),
        "failed, not sent: {:?}",
        h.reply(attrs)
    );
}

/// Tokens that arrived in this process are judged by the monotonic time since they arrived: a
/// wall clock jumping back does not make them valid again, so the queued call fails with the
/// refresh.
#[test]
fn a_backward_wall_clock_jump_does_not_revive_expired_tokens_for_a_queued_call() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    let signed_in_at = h.now;
    h.advance_ms(3_700 * 1000);
    let attrs = h.call(ApiCall::account(GetUser {}));
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.now = Timestamp::new(h.now.mono_ms + 1000, signed_in_at.unix_ms);
    h.complete(id, network_error());
    assert!(
        matches!(h.reply(attrs), Some(Err(_))),
        "failed, not sent: {:?}",
        h.reply(attrs)
    );
    assert!(!h.effects.iter().any(
        |(_, e)| matches!(e, Effect::UserPool { request } if request.operation() == "GetUser")
    ));
}

/// A refresh fetches credentials only for callers waiting for them.
#[test]
fn a_refresh_starts_no_identity_fetch_when_nobody_waits_for_credentials() {
    let mut h = Harness::signed_in(config_full(), "ann");
    h.effects.clear();
    h.fire(TimerKind::TokensDue);
    let (id, _) = h.take_user_pool("InitiateAuth");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("ann", now, 3600, 2)));
    assert_eq!(pending_ops(&h), Vec::<String>::new());

    // Nor does a failed one while the cached tokens are still valid.
    h.fire(TimerKind::TokensDue);
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, network_error());
    assert_eq!(pending_ops(&h), Vec::<String>::new());
}

/// A credentials caller queued behind a refresh that fails while the cached tokens are valid
/// gets credentials with those tokens.
#[test]
fn a_credentials_caller_behind_a_failed_early_refresh_federates_the_cached_id_token() {
    let mut h = Harness::signed_in(config_full(), "ann");
    h.effects.clear();
    h.fire(TimerKind::TokensDue);
    let creds = h.call(ApiCall::FetchCredentials {
        force_refresh: true,
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, network_error());
    assert!(h.reply(creds).is_none());
    h.take_identity("GetId");
}

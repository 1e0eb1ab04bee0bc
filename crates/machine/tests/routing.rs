//! Routing of effect results (`machine/routing.rs`): every awaited effect is in one registry,
//! a result is turned once into the shape its effect was issued for, a result of another shape
//! fails what awaited it, a result nobody awaits is ignored, and the registry drains as results
//! arrive.

// Test helpers outside `#[test]` functions: a failed expectation is a test failure.
#![allow(clippy::expect_used, clippy::panic)]

mod common;

use cognito_auth_machine::account::{AccountResponse, GetUser};
use cognito_auth_machine::cognito::{IdentityRequest, IdentityResponse, UserPoolResponse};
use cognito_auth_machine::srp_task::SrpFailure;
use cognito_auth_machine::*;
use common::*;

fn password_sign_in(h: &mut Harness, username: &str) -> OperationId {
    h.call(ApiCall::SignIn {
        username: username.into(),
        password: Some(Secret::new("pw".into())),
        flow: Some(AuthFlow::UserPasswordAuth),
        preferred_challenge: None,
        client_metadata: Default::default(),
    })
}

fn not_awaited(id: EffectId) -> Vec<Output> {
    vec![Output::Ignored {
        reason: format!("result of effect {} not awaited", id.0),
    }]
}

/// The ids of every store write issued so far.
fn persist_ids(h: &Harness) -> Vec<EffectId> {
    h.trace
        .iter()
        .flat_map(|s| &s.outputs)
        .filter_map(|o| match o {
            Output::Effect {
                effect_id,
                effect: Effect::Persist { .. },
            } => Some(*effect_id),
            _ => None,
        })
        .collect()
}

#[test]
fn a_result_of_the_wrong_shape_for_a_sign_in_step_fails_the_sign_in() {
    let mut h = Harness::new(config_user_pool(), None);
    let op = password_sign_in(&mut h, "alice");
    let (id, _) = h.take_user_pool("InitiateAuth");
    // An identity-pool answer where InitiateAuth's was due.
    h.complete(id, credentials("eu-west-1:x", h.now_s() + 3600));
    assert_eq!(
        h.reply(op),
        Some(&Err(AuthError::UnexpectedResponse {
            message: "a response of the wrong shape".into()
        }))
    );
    assert_eq!(h.m.state().name(), "signed_out");
    assert_eq!(
        h.m.awaiting_len(),
        0,
        "the step's entry left with its result"
    );
}

#[test]
fn a_failed_srp_computation_fails_the_sign_in_with_its_message() {
    let mut h = Harness::new(config_user_pool(), None);
    let server = SrpServer::new("alice", "pw");
    let op = h.call(h.sign_in_call("alice", "pw"));
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, server.challenge("alice"));
    let (id, _) = h.take_effect(|e| matches!(e, Effect::Srp { .. }));
    h.complete(
        id,
        EffectResult::Srp(Err(SrpFailure::computation("SRP_B is zero"))),
    );
    assert_eq!(
        h.reply(op),
        Some(&Err(AuthError::UnexpectedResponse {
            message: "SRP_B is zero".into()
        }))
    );
    assert_eq!(h.m.state().name(), "signed_out");
}

#[test]
fn a_late_result_of_a_replaced_sign_in_is_ignored_and_leaves_the_registry() {
    let mut h = Harness::new(config_user_pool(), None);
    let first = password_sign_in(&mut h, "alice");
    let (old, _) = h.take_user_pool("InitiateAuth");
    let second = password_sign_in(&mut h, "bob");
    assert!(matches!(
        h.reply(first),
        Some(Err(AuthError::Cancelled { .. }))
    ));
    let (new, _) = h.take_user_pool("InitiateAuth");
    assert_eq!(h.m.awaiting_len(), 2, "both calls are outstanding");

    // alice's tokens arrive late: routed (the entry is still there), then ignored, since no
    // state awaits them; bob's sign-in goes on.
    let now = h.now_s();
    let outputs = h.complete(old, tokens_response(auth_result("alice", now, 3600, 1)));
    assert_eq!(outputs, not_awaited(old));
    assert_eq!(h.m.state().name(), "initiating_auth");
    assert_eq!(h.m.awaiting_len(), 1);

    h.complete(new, tokens_response(auth_result("bob", now, 3600, 2)));
    h.assert_signed_in_answer(second);
    // The same result again is nobody's.
    let outputs = h.complete(new, tokens_response(auth_result("bob", now, 3600, 2)));
    assert_eq!(outputs, not_awaited(new));
}

#[test]
fn an_app_call_answered_with_the_wrong_shape_gets_unexpected_response() {
    let mut h = Harness::signed_in(config_user_pool(), "alice");
    let op = h.call(ApiCall::account(GetUser {}));
    let (id, _) = h.take_user_pool("GetUser");
    h.complete(id, EffectResult::Stored(Ok(())));
    assert_eq!(
        h.reply(op),
        Some(&Err(AuthError::UnexpectedResponse {
            message: "a result of the wrong kind".into()
        }))
    );
    assert_eq!(h.m.state().name(), "fresh");
}

#[test]
fn the_registry_is_empty_once_every_effect_of_a_session_has_its_result() {
    let mut h = Harness::new(config_user_pool(), None);
    let now = h.now_s();
    let sign_in = password_sign_in(&mut h, "alice");
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, tokens_response(auth_result("alice", now, 3600, 1)));
    h.assert_signed_in_answer(sign_in);

    let op = h.call(ApiCall::account(GetUser {}));
    let (call, _) = h.take_user_pool("GetUser");
    let tokens = h.call(ApiCall::FetchTokens {
        force_refresh: true,
    });
    let (refresh, _) = h.take_user_pool("InitiateAuth");
    h.complete(refresh, tokens_response(auth_result("alice", now, 3600, 2)));
    assert!(matches!(h.reply(tokens), Some(Ok(Answer::Tokens(_)))));
    h.complete(
        call,
        EffectResult::UserPool(Ok(UserPoolResponse::Account(AccountResponse::GetUser(
            Default::default(),
        )))),
    );
    assert!(matches!(h.reply(op), Some(Ok(Answer::Account(_)))));

    let sign_out = h.call(ApiCall::SignOut(SignOutOptions {
        global: true,
        revoke: true,
        hosted_ui: false,
    }));
    let (global, _) = h.take_user_pool("GlobalSignOut");
    h.complete(global, EffectResult::UserPool(Ok(UserPoolResponse::Empty)));
    let (revoke, _) = h.take_user_pool("RevokeToken");
    h.complete(revoke, EffectResult::UserPool(Ok(UserPoolResponse::Empty)));
    assert!(matches!(h.reply(sign_out), Some(Ok(Answer::SignedOut(_)))));
    assert_eq!(h.m.state().name(), "signed_out");

    // Only the store writes are left; they leave as they are answered.
    let writes = persist_ids(&h);
    assert!(!writes.is_empty());
    assert_eq!(h.m.awaiting_len(), writes.len());
    for id in writes {
        assert!(h.complete(id, EffectResult::Stored(Ok(()))).is_empty());
    }
    assert_eq!(h.m.awaiting_len(), 0);
}

#[test]
fn a_step_of_an_identity_fetch_dropped_by_a_sign_in_is_ignored() {
    let mut h = Harness::new(config_full(), None);
    let caller = h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    });
    let (guest_get_id, _) = h.take_identity("GetId");
    // The sign-in drops the guest's fetch (its identity id had not arrived yet) and starts the
    // user's own for the waiting caller: another step entered under the same kind.
    let sign_in = password_sign_in(&mut h, "ann");
    let (id, _) = h.take_user_pool("InitiateAuth");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("ann", now, 3600, 1)));
    h.assert_signed_in_answer(sign_in);
    let (user_get_id, _) = h.take_identity("GetId");
    assert_eq!(h.m.awaiting_len() - persist_ids(&h).len(), 2);

    // The guest's GetId arrives late: it is not the fetch in flight, so nobody's.
    let outputs = h.complete(
        guest_get_id,
        EffectResult::Identity(Ok(IdentityResponse::IdentityId {
            identity_id: "us-east-1:guest".into(),
        })),
    );
    assert_eq!(outputs, not_awaited(guest_get_id));
    assert!(h.effects.is_empty(), "the user's fetch did not move on");

    h.complete(
        user_get_id,
        EffectResult::Identity(Ok(IdentityResponse::IdentityId {
            identity_id: "us-east-1:ann".into(),
        })),
    );
    let (id, req) = h.take_identity("GetCredentialsForIdentity");
    assert!(matches!(
        &req,
        IdentityRequest::GetCredentialsForIdentity { identity_id, .. } if identity_id == "us-east-1:ann"
    ));
    let exp = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:ann", exp));
    assert!(matches!(
        h.reply(caller),
        Some(Ok(Answer::Credentials { identity_id, .. })) if identity_id == "us-east-1:ann"
    ));
}

#[test]
fn a_failed_store_write_is_traced_with_its_message_and_changes_nothing_else() {
    let mut h = Harness::new(config_user_pool(), None);
    let now = h.now_s();
    let op = password_sign_in(&mut h, "alice");
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, tokens_response(auth_result("alice", now, 3600, 1)));
    h.assert_signed_in_answer(op);
    let writes = persist_ids(&h);
    assert_eq!(writes.len(), 1, "the sign-in saved the session");
    let outputs = h.complete(
        writes[0],
        EffectResult::Stored(Err(StoreFailure {
            message: "disk full".into(),
        })),
    );
    assert_eq!(
        outputs,
        vec![Output::Ignored {
            reason: "session store write failed: disk full".into()
        }]
    );
    assert_eq!(h.m.state().name(), "fresh");
    assert_eq!(h.m.awaiting_len(), 0);
}

//! Small behaviours, each pinned by one test: what `Debug` shows, when two token sets are equal,
//! results that arrive for nothing the machine waits on, calls refused while federated, and
//! timers that fire with nothing to do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognito_auth_machine::cognito::{IdentityRequest, IdentityResponse};
use cognito_auth_machine::*;
use common::*;

fn fresh_tokens(h: &mut Harness) -> Tokens {
    let op = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    match h.reply(op) {
        Some(Ok(Answer::Tokens(t))) => t.clone(),
        other => panic!("expected tokens, got {other:?}"),
    }
}

#[test]
fn the_machine_debug_names_its_state_and_user_state_and_no_secret() {
    let h = Harness::signed_in(config_user_pool(), "ann");
    let shown = format!("{:?}", h.m);
    assert!(shown.starts_with("Machine"), "{shown}");
    assert!(shown.contains("user_state: SignedIn"), "{shown}");
    assert!(shown.contains("state: "), "{shown}");
    assert!(!shown.contains("refresh-ann"), "{shown}");
}

#[test]
fn tokens_differing_in_any_one_field_but_arrival_are_unequal() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    let t = fresh_tokens(&mut h);
    let mut same = t.clone();
    same.arrived = None;
    assert_eq!(
        t, same,
        "arrival is local bookkeeping, not part of equality"
    );

    type Edit = fn(&mut Tokens);
    let edits: [(&str, Edit); 8] = [
        ("id_token", |t| {
            t.id_token = Some(Secret::new("other".into()))
        }),
        ("access_token", |t| {
            t.access_token = Secret::new("other".into())
        }),
        ("refresh_token", |t| t.refresh_token = None),
        ("expires_at_s", |t| t.expires_at_s += 1),
        ("issued_at_s", |t| t.issued_at_s = Some(1)),
        ("clock_drift_s", |t| t.clock_drift_s += 1),
        ("username", |t| t.username = "bob".into()),
        ("sub", |t| t.sub = "other-sub".into()),
    ];
    for (field, edit) in edits {
        let mut other = t.clone();
        edit(&mut other);
        assert_ne!(t, other, "tokens differing in {field} compared equal");
    }
}

/// Federates with Facebook up to the credentials request; returns the GetId effect (already
/// completed) and the app's operation.
fn federating_until_credentials(h: &mut Harness) -> (EffectId, OperationId) {
    let op = h.call(ApiCall::FederatedSignIn {
        provider: "graph.facebook.com".into(),
        token: Secret::new("fb-token-1".into()),
        identity_id: None,
        custom_role_arn: None,
    });
    let (get_id, _) = h.take_identity("GetId");
    h.complete(
        get_id,
        EffectResult::Identity(Ok(IdentityResponse::IdentityId {
            identity_id: "us-east-1:fb".into(),
        })),
    );
    (get_id, op)
}

#[test]
fn a_duplicate_result_while_federating_is_ignored() {
    let mut h = Harness::new(config_full(), None);
    let (get_id, op) = federating_until_credentials(&mut h);
    // The GetId answer delivered a second time (a retried delivery): nothing waits on it.
    h.complete(
        get_id,
        EffectResult::Identity(Ok(IdentityResponse::IdentityId {
            identity_id: "us-east-1:someone-else".into(),
        })),
    );
    assert!(
        h.reply(op).is_none(),
        "the sign-in still waits for credentials"
    );
    let (creds, req) = h.take_identity("GetCredentialsForIdentity");
    let IdentityRequest::GetCredentialsForIdentity { identity_id, .. } = &req else {
        unreachable!()
    };
    assert_eq!(identity_id, "us-east-1:fb");
    assert!(
        h.effects.is_empty(),
        "one credentials request: {:?}",
        h.effects
    );
    let exp = h.now_s() + 3600;
    h.complete(creds, credentials("us-east-1:fb", exp));
    assert!(matches!(h.reply(op), Some(Ok(_))), "{:?}", h.reply(op));
    assert_eq!(h.m.user_state(), UserState::Federated);
}

#[test]
fn sign_in_while_federated_is_refused_and_says_to_clear_the_federation_first() {
    let mut h = Harness::new(config_full(), None);
    let (_, op) = federating_until_credentials(&mut h);
    let (creds, _) = h.take_identity("GetCredentialsForIdentity");
    let exp = h.now_s() + 3600;
    h.complete(creds, credentials("us-east-1:fb", exp));
    assert!(matches!(h.reply(op), Some(Ok(_))));
    let sign_in = h.sign_in_call("ann", "pw");
    let web = ApiCall::SignInWithWebUi {
        identity_provider: None,
        scopes: Vec::new(),
        federation_provider_name: None,
    };
    for call in [sign_in, web] {
        let name = call.name();
        let op = h.call(call);
        match h.reply(op) {
            Some(Err(AuthError::InvalidState { call, state })) => {
                assert_eq!(call, name);
                assert!(state.contains("clear_federation"), "{state}");
            }
            other => panic!("{name} while federated answered {other:?}"),
        }
    }
    assert!(h.effects.is_empty(), "nothing was sent: {:?}", h.effects);
    assert_eq!(h.m.user_state(), UserState::Federated);
}

#[test]
fn a_credentials_timer_with_no_identity_yet_fetches_nothing() {
    // Signed in with an identity pool configured, but no one has asked for AWS credentials:
    // a credentials timer (one that fired as it was being cancelled) must not start a fetch.
    let mut h = Harness::signed_in(config_full(), "ann");
    for timer in [TimerKind::CredentialsDue, TimerKind::RetryCredentials] {
        h.feed(Event::TimerFired { timer });
        assert!(
            h.effects.is_empty(),
            "{timer:?} started work: {:?}",
            h.effects
        );
    }
    assert_eq!(h.m.user_state(), UserState::SignedIn);
}

#[test]
fn a_refresh_timer_firing_while_a_refresh_is_in_flight_is_absorbed() {
    let mut h = Harness::signed_in(config_user_pool(), "ann");
    h.advance_ms(3_700 * 1000);
    let op = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    // Timers that were already on their way when the refresh started.
    for timer in [TimerKind::TokensDue, TimerKind::RetryTokens] {
        let outputs = h.feed(Event::TimerFired { timer });
        assert!(
            outputs.is_empty(),
            "{timer:?} during a refresh: {outputs:?}"
        );
    }
    assert!(h.effects.is_empty(), "single flight: {:?}", h.effects);
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("ann", now, 3600, 2)));
    assert!(matches!(h.reply(op), Some(Ok(Answer::Tokens(_)))));
}

/// Which refusals of REFRESH_TOKEN_AUTH mean "this client rotates: use
/// GetTokensFromRefreshToken" (a cargo-mutants shard miss): a disabled flow is an
/// `InvalidParameter` whatever its wording, and any refusal that names rotation or the
/// operation counts whatever its code; other refusals and transport failures do not.
#[test]
fn refusals_that_ask_for_get_tokens_from_refresh_token() {
    use cognito_auth_machine::cognito::ServiceError;
    let wants = |e: ServiceError| e.wants_get_tokens_from_refresh_token();
    assert!(wants(ServiceError::service(
        "InvalidParameterException",
        "Auth flow not enabled for this client"
    )));
    assert!(wants(ServiceError::service(
        "NotAuthorizedException",
        "Refresh token rotation is enabled for this client"
    )));
    assert!(wants(ServiceError::service(
        "UnsupportedOperationException",
        "Use GetTokensFromRefreshToken"
    )));
    assert!(!wants(ServiceError::service(
        "ResourceNotFoundException",
        "User pool client does not exist"
    )));
    assert!(!wants(ServiceError::network(
        "rotation of the connection pool"
    )));
}

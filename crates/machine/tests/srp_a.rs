//! SRP_A is computed off the machine: a sign-in that needs it issues `SrpTask::PublicA` with the
//! ephemeral's random bytes and sends nothing to Cognito until the result (SRP_A alone) comes
//! back; the claims then name the ephemeral by that SRP_A, never carry it.

#![allow(clippy::panic)]

mod common;

use std::collections::BTreeMap;

use cognito_auth_machine::cognito::UserPoolRequest;
use cognito_auth_machine::session::DeviceSecrets;
use cognito_auth_machine::*;
use common::*;

fn is_public_a(e: &Effect) -> bool {
    matches!(
        e,
        Effect::Srp {
            task: SrpTask::PublicA { .. }
        }
    )
}

/// Takes the pending `SRP_A` task and returns its id and random bytes.
fn take_public_a(h: &mut Harness) -> (EffectId, Vec<u8>) {
    let (id, e) = h.take_effect(is_public_a);
    let Effect::Srp {
        task: SrpTask::PublicA { ephemeral },
    } = e
    else {
        unreachable!()
    };
    (id, ephemeral.expose().clone())
}

fn auth_params(req: &UserPoolRequest) -> BTreeMap<String, String> {
    match req {
        UserPoolRequest::InitiateAuth {
            auth_parameters, ..
        } => auth_parameters.expose().clone(),
        UserPoolRequest::RespondToAuthChallenge {
            challenge_responses,
            ..
        } => challenge_responses.expose().clone(),
        other => panic!("not an auth request: {}", other.operation()),
    }
}

fn is_user_pool(e: &Effect) -> bool {
    matches!(e, Effect::UserPool { .. })
}

#[test]
fn an_srp_sign_in_sends_nothing_to_cognito_until_srp_a_is_computed() {
    let mut h = Harness::new(config_user_pool(), None);
    let op = h.call(h.sign_in_call("alice", "pw"));
    assert_eq!(h.m.state().name(), "computing_srp_a");
    assert_eq!(h.effects.len(), 1, "only the SRP_A task: {:?}", h.effects);
    let (id, random) = take_public_a(&mut h);
    assert_eq!(random.len(), SrpTask::EPHEMERAL_RANDOM_LEN);
    assert!(h.reply(op).is_none(), "the caller waits");
    assert!(!h.effects.iter().any(|(_, e)| is_user_pool(e)));

    // Whatever the executor answers is what InitiateAuth carries.
    let kept = std::sync::Mutex::new(KeptEphemerals::default());
    let result = SrpTask::PublicA {
        ephemeral: Secret::new(random),
    }
    .run(&kept)
    .expect("SRP_A computes");
    let SrpOutput::PublicA { srp_a } = &result else {
        panic!("not SRP_A: {result:?}")
    };
    assert_eq!(kept.lock().map(|k| k.len()).ok(), Some(1));
    h.complete(id, EffectResult::Srp(Ok(result.clone())));
    assert_eq!(h.m.state().name(), "initiating_auth");
    let (_, req) = h.take_user_pool("InitiateAuth");
    assert_eq!(&auth_params(&req)["SRP_A"], srp_a);
}

#[test]
fn a_failed_srp_a_task_fails_the_sign_in_with_a_typed_error() {
    let mut h = Harness::new(config_user_pool(), None);
    let op = h.call(h.sign_in_call("alice", "pw"));
    let (id, _) = take_public_a(&mut h);
    h.complete(
        id,
        EffectResult::Srp(Err(SrpFailure::computation(
            "the SRP computation did not finish",
        ))),
    );
    assert_eq!(
        h.reply(op),
        Some(&Err(AuthError::UnexpectedResponse {
            message: "the SRP computation did not finish".into()
        }))
    );
    assert_eq!(h.m.state().name(), "signed_out");
    assert_eq!(h.m.user_state(), UserState::SignedOut);
    assert!(h.effects.is_empty(), "nothing sent: {:?}", h.effects);
    assert_eq!(h.m.awaiting_len(), 0);
}

#[test]
fn an_srp_a_result_of_another_shape_fails_the_sign_in() {
    let mut h = Harness::new(config_user_pool(), None);
    let op = h.call(h.sign_in_call("alice", "pw"));
    let (id, _) = take_public_a(&mut h);
    let claim = SrpOutput::Claim {
        signature: Secret::new("c2ln".into()),
    };
    h.complete(id, EffectResult::Srp(Ok(claim)));
    assert!(matches!(
        h.reply(op),
        Some(Err(AuthError::UnexpectedResponse { .. }))
    ));
    assert_eq!(h.m.state().name(), "signed_out");
}

#[test]
fn a_claim_whose_ephemeral_the_executor_lost_fails_the_sign_in_cleanly() {
    let mut h = Harness::new(config_user_pool(), None);
    let server = SrpServer::new("alice", "pw");
    let op = h.call(h.sign_in_call("alice", "pw"));
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(id, server.challenge("alice"));
    // The executor restarted: its store is empty.
    h.kept = Default::default();
    let task = h.run_srp();
    assert!(matches!(task, SrpTask::UserClaim { .. }));
    let Some(Err(AuthError::UnexpectedResponse { message })) = h.reply(op) else {
        panic!("not a failed sign-in: {:?}", h.reply(op))
    };
    assert_eq!(message, "no ephemeral is kept for this SRP_A");
    assert_eq!(h.m.state().name(), "signed_out");
    assert!(h.effects.is_empty(), "nothing sent: {:?}", h.effects);
}

#[test]
fn device_srp_draws_its_own_ephemeral_and_each_claim_names_its_own_srp_a() {
    let stored = PersistedSession {
        version: PersistedSession::VERSION,
        tokens: None,
        tokens_invalid: false,
        federation: None,
        federation_invalid: false,
        identity: Default::default(),
        devices: BTreeMap::from([(
            "hal".to_owned(),
            DeviceSecrets {
                device_key: "us-east-1_dev1".into(),
                device_group_key: "group1".into(),
                device_password: Secret::new("device-pw".into()),
            },
        )]),
        hosted_ui: false,
        federation_provider_name: None,
        refresh_rotation: false,
    };
    let mut h = Harness::new(config_user_pool(), Some(stored));
    let op = h.call(h.sign_in_call("hal", "pw"));
    let (id, password_random) = take_public_a(&mut h);
    h.complete(
        id,
        EffectResult::Srp(Ok(SrpOutput::PublicA { srp_a: "a1".into() })),
    );
    let (id, req) = h.take_user_pool("InitiateAuth");
    let params = auth_params(&req);
    assert_eq!(params["SRP_A"], "a1");
    assert_eq!(params["DEVICE_KEY"], "us-east-1_dev1");
    let verifier = [
        ("SRP_B", "0b"),
        ("SALT", "0c"),
        ("SECRET_BLOCK", "c2I="),
        ("USER_ID_FOR_SRP", "hal"),
        ("USERNAME", "hal"),
    ];
    h.complete(id, challenge("PASSWORD_VERIFIER", &verifier, None));
    let (id, e) = h.take_effect(|e| matches!(e, Effect::Srp { .. }));
    let Effect::Srp {
        task: SrpTask::UserClaim { srp_a, keep, .. },
    } = e
    else {
        panic!("not the password claim: {e:?}")
    };
    assert_eq!(srp_a, "a1");
    assert!(keep, "kept for a claim made again without the device");
    let signature = Secret::new("c2ln".into());
    h.complete(id, EffectResult::Srp(Ok(SrpOutput::Claim { signature })));
    let (id, _) = h.take_user_pool("RespondToAuthChallenge");
    h.complete(
        id,
        challenge("DEVICE_SRP_AUTH", &[("USERNAME", "hal")], Some("d1")),
    );

    // A new ephemeral for the device, not the password's.
    assert_eq!(h.m.state().name(), "computing_srp_a");
    let (id, device_random) = take_public_a(&mut h);
    assert_eq!(device_random.len(), SrpTask::EPHEMERAL_RANDOM_LEN);
    assert_ne!(device_random, password_random);
    h.complete(
        id,
        EffectResult::Srp(Ok(SrpOutput::PublicA { srp_a: "a2".into() })),
    );
    let (id, req) = h.take_user_pool("RespondToAuthChallenge");
    let UserPoolRequest::RespondToAuthChallenge {
        challenge_name,
        session,
        ..
    } = &req
    else {
        unreachable!()
    };
    assert_eq!(challenge_name, "DEVICE_SRP_AUTH");
    assert_eq!(session.as_ref().map(|s| s.expose().as_str()), Some("d1"));
    assert_eq!(auth_params(&req)["SRP_A"], "a2");
    h.complete(id, challenge("DEVICE_PASSWORD_VERIFIER", &verifier, None));
    let (_, e) = h.take_effect(|e| matches!(e, Effect::Srp { .. }));
    let Effect::Srp {
        task: SrpTask::DeviceClaim { srp_a, .. },
    } = e
    else {
        panic!("not the device claim: {e:?}")
    };
    assert_eq!(srp_a, "a2");
    assert!(h.reply(op).is_none());
}

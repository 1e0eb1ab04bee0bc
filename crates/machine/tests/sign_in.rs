//! Sign-in scenarios: every flow and challenge, driven by hand, with snapshots of the trace.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognito_auth_machine::cognito::{NewDeviceMetadata, UserPoolRequest};
use cognito_auth_machine::*;
use common::*;

fn srp_sign_in(password_typed: &str) -> (Harness, OperationId, bool) {
    let mut h = Harness::new(config_user_pool(), None);
    let server = SrpServer::new("alice", "correct horse");
    let op = h.call(h.sign_in_call("alice", password_typed));
    let (id, req) = h.take_user_pool("InitiateAuth");
    let UserPoolRequest::InitiateAuth {
        auth_flow,
        auth_parameters,
        ..
    } = req
    else {
        unreachable!()
    };
    assert_eq!(auth_flow, "USER_SRP_AUTH");
    let srp_a = auth_parameters.expose()["SRP_A"].clone();
    h.complete(id, server.challenge("alice"));
    h.run_srp();
    let (id, req) = h.take_user_pool("RespondToAuthChallenge");
    let UserPoolRequest::RespondToAuthChallenge {
        challenge_name,
        challenge_responses,
        ..
    } = req
    else {
        unreachable!()
    };
    assert_eq!(challenge_name, "PASSWORD_VERIFIER");
    let ok = server.check(&srp_a, challenge_responses.expose());
    let now = h.now_s();
    if ok {
        h.complete(id, tokens_response(auth_result("alice", now, 3600, 1)));
    } else {
        h.complete(id, service_error("NotAuthorizedException"));
    }
    (h, op, ok)
}

#[test]
fn srp_sign_in_with_the_right_password_is_verified_and_signs_in() {
    let (h, op, verified) = srp_sign_in("correct horse");
    assert!(verified, "the server must accept our claim");
    h.assert_signed_in_answer(op);
    assert_eq!(h.m.user_state(), UserState::SignedIn);
    assert_eq!(
        h.user_states,
        vec![UserState::SignedOut, UserState::SignedIn]
    );
    let stored = h.persisted.as_ref().expect("session persisted");
    assert_eq!(&*stored.tokens.as_ref().unwrap().username, "alice");
    assert!(h.timers.contains_key(&TimerKind::TokensDue));
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn srp_sign_in_with_a_wrong_password_fails_and_stays_signed_out() {
    let (h, op, verified) = srp_sign_in("wrong");
    assert!(
        !verified,
        "the server must reject a claim made with the wrong password"
    );
    assert!(matches!(
        h.reply(op),
        Some(Err(AuthError::NotAuthorized { .. }))
    ));
    assert_eq!(h.m.user_state(), UserState::SignedOut);
    assert!(h.persisted.is_none());
}

#[test]
fn password_auth_with_sms_mfa_wrong_then_right_code() {
    let mut h = Harness::new(config_user_pool(), None);
    let op = h.call(ApiCall::SignIn {
        username: "bob".into(),
        password: Some(Secret::new("pw".into())),
        flow: Some(AuthFlow::UserPasswordAuth),
        preferred_challenge: None,
        client_metadata: Default::default(),
    });
    let (id, req) = h.take_user_pool("InitiateAuth");
    let UserPoolRequest::InitiateAuth {
        auth_parameters, ..
    } = &req
    else {
        unreachable!()
    };
    assert_eq!(auth_parameters.expose()["PASSWORD"], "pw");
    h.complete(
        id,
        challenge(
            "SMS_MFA",
            &[
                ("CODE_DELIVERY_DELIVERY_MEDIUM", "SMS"),
                ("CODE_DELIVERY_DESTINATION", "+*******1234"),
            ],
            Some("s1"),
        ),
    );
    assert!(matches!(
        h.reply(op),
        Some(Ok(Answer::SignIn {
            next_step: SignInStep::ConfirmWithSmsCode { .. }
        }))
    ));
    let wrong = h.call(Harness::confirm_call("000000"));
    let (id, req) = h.take_user_pool("RespondToAuthChallenge");
    let UserPoolRequest::RespondToAuthChallenge {
        challenge_responses,
        session,
        ..
    } = &req
    else {
        unreachable!()
    };
    assert_eq!(challenge_responses.expose()["SMS_MFA_CODE"], "000000");
    assert_eq!(session.as_ref().unwrap().expose(), "s1");
    h.complete(id, service_error("CodeMismatchException"));
    assert_eq!(h.reply(wrong), Some(&Err(AuthError::CodeMismatch)));
    assert_eq!(
        h.m.state().label(),
        "signing in (awaiting a challenge answer)"
    );

    let right = h.call(Harness::confirm_call("123456"));
    let (id, _) = h.take_user_pool("RespondToAuthChallenge");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("bob", now, 3600, 1)));
    h.assert_signed_in_answer(right);
    assert_eq!(h.m.user_state(), UserState::SignedIn);
    insta::assert_yaml_snapshot!(h.trace);
}

fn respond_and_check(h: &mut Harness, challenge_name: &str, key: &str, value: &str) -> EffectId {
    let (id, req) = h.take_user_pool("RespondToAuthChallenge");
    let UserPoolRequest::RespondToAuthChallenge {
        challenge_name: name,
        challenge_responses,
        ..
    } = &req
    else {
        unreachable!()
    };
    assert_eq!(name, challenge_name);
    assert_eq!(challenge_responses.expose()[key], value, "{key}");
    id
}

#[test]
fn totp_mfa_select_mfa_type_and_new_password_required() {
    let mut h = Harness::new(config_user_pool(), None);
    let op = h.call(ApiCall::SignIn {
        username: "carol".into(),
        password: Some(Secret::new("temp".into())),
        flow: Some(AuthFlow::UserPasswordAuth),
        preferred_challenge: None,
        client_metadata: Default::default(),
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(
        id,
        challenge(
            "NEW_PASSWORD_REQUIRED",
            &[("requiredAttributes", r#"["userAttributes.name"]"#)],
            Some("s"),
        ),
    );
    match h.reply(op) {
        Some(Ok(Answer::SignIn {
            next_step:
                SignInStep::NewPasswordRequired {
                    required_attributes,
                },
        })) => assert_eq!(required_attributes, &vec!["name".to_owned()]),
        other => panic!("{other:?}"),
    }
    let op = h.call(ApiCall::ConfirmSignIn {
        answer: Secret::new("N3w-password".into()),
        user_attributes: vec![cognito::Attribute {
            name: "name".into(),
            value: "Carol".into(),
        }],
        client_metadata: Default::default(),
    });
    let id = respond_and_check(
        &mut h,
        "NEW_PASSWORD_REQUIRED",
        "userAttributes.name",
        "Carol",
    );
    h.complete(
        id,
        challenge(
            "SELECT_MFA_TYPE",
            &[("MFAS_CAN_CHOOSE", r#"["SMS_MFA","SOFTWARE_TOKEN_MFA"]"#)],
            Some("s"),
        ),
    );
    assert!(matches!(
        h.reply(op),
        Some(Ok(Answer::SignIn {
            next_step: SignInStep::SelectMfaType { .. }
        }))
    ));
    // An answer outside the choices is the app's mistake, and the challenge stays.
    let bad = h.call(Harness::confirm_call("EMAIL_OTP"));
    assert!(matches!(
        h.reply(bad),
        Some(Err(AuthError::InvalidParameter { .. }))
    ));
    let op = h.call(Harness::confirm_call("SOFTWARE_TOKEN_MFA"));
    let id = respond_and_check(&mut h, "SELECT_MFA_TYPE", "ANSWER", "SOFTWARE_TOKEN_MFA");
    h.complete(id, challenge("SOFTWARE_TOKEN_MFA", &[], Some("s")));
    assert!(matches!(
        h.reply(op),
        Some(Ok(Answer::SignIn {
            next_step: SignInStep::ConfirmWithTotpCode
        }))
    ));
    let op = h.call(Harness::confirm_call("654321"));
    let id = respond_and_check(
        &mut h,
        "SOFTWARE_TOKEN_MFA",
        "SOFTWARE_TOKEN_MFA_CODE",
        "654321",
    );
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("carol", now, 3600, 1)));
    h.assert_signed_in_answer(op);
    insta::assert_yaml_snapshot!(h.trace);
}

/// dan signs in with a password and Cognito asks for MFA_SETUP; the machine has associated a
/// software token (secret `JBSWY3DPEHPK3PXP`, session `s2`). Returns the sign-in call.
fn at_totp_setup() -> (Harness, OperationId) {
    let mut h = Harness::new(config_user_pool(), None);
    let op = h.call(ApiCall::SignIn {
        username: "dan".into(),
        password: Some(Secret::new("pw".into())),
        flow: Some(AuthFlow::UserPasswordAuth),
        preferred_challenge: None,
        client_metadata: Default::default(),
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(
        id,
        challenge(
            "MFA_SETUP",
            &[("MFAS_CAN_SETUP", r#"["SOFTWARE_TOKEN_MFA"]"#)],
            Some("s1"),
        ),
    );
    let (id, _) = h.take_user_pool("AssociateSoftwareToken");
    h.complete(
        id,
        EffectResult::UserPool(Ok(cognito::UserPoolResponse::AssociateSoftwareToken {
            secret_code: Secret::new("JBSWY3DPEHPK3PXP".into()),
            session: Some(Secret::new("s2".into())),
        })),
    );
    (h, op)
}

#[test]
fn mfa_setup_with_totp_during_sign_in() {
    let (mut h, op) = at_totp_setup();
    match h.reply(op) {
        Some(Ok(Answer::SignIn {
            next_step: SignInStep::SetUpTotp { shared_secret },
        })) => assert_eq!(shared_secret.expose(), "JBSWY3DPEHPK3PXP"),
        other => panic!("{other:?}"),
    }
    let op = h.call(Harness::confirm_call("111111"));
    let (id, req) = h.take_user_pool("VerifySoftwareToken");
    let UserPoolRequest::VerifySoftwareToken { session, .. } = &req else {
        unreachable!()
    };
    assert_eq!(session.as_ref().unwrap().expose(), "s2");
    h.complete(
        id,
        EffectResult::UserPool(Ok(cognito::UserPoolResponse::VerifySoftwareToken {
            status: "SUCCESS".into(),
            session: Some(Secret::new("s3".into())),
        })),
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
    assert_eq!(challenge_name, "MFA_SETUP");
    assert_eq!(session.as_ref().unwrap().expose(), "s3");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("dan", now, 3600, 1)));
    h.assert_signed_in_answer(op);
}

#[test]
fn custom_auth_with_srp_then_two_custom_rounds() {
    let mut h = Harness::new(config_user_pool(), None);
    let server = SrpServer::new("erin", "pw");
    let op = h.call(ApiCall::SignIn {
        username: "erin".into(),
        password: Some(Secret::new("pw".into())),
        flow: Some(AuthFlow::CustomAuthWithSrp),
        preferred_challenge: None,
        client_metadata: [("k".to_owned(), "v".to_owned())].into(),
    });
    let (id, req) = h.take_user_pool("InitiateAuth");
    let UserPoolRequest::InitiateAuth {
        auth_flow,
        auth_parameters,
        client_metadata,
    } = &req
    else {
        unreachable!()
    };
    assert_eq!(auth_flow, "CUSTOM_AUTH");
    assert_eq!(auth_parameters.expose()["CHALLENGE_NAME"], "SRP_A");
    assert_eq!(client_metadata["k"], "v");
    let srp_a = auth_parameters.expose()["SRP_A"].clone();
    h.complete(id, server.challenge("erin"));
    h.run_srp();
    let (id, req) = h.take_user_pool("RespondToAuthChallenge");
    let UserPoolRequest::RespondToAuthChallenge {
        challenge_responses,
        ..
    } = &req
    else {
        unreachable!()
    };
    assert!(server.check(&srp_a, challenge_responses.expose()));
    h.complete(
        id,
        challenge("CUSTOM_CHALLENGE", &[("question", "2+2")], Some("c1")),
    );
    match h.reply(op) {
        Some(Ok(Answer::SignIn {
            next_step: SignInStep::CustomChallenge { parameters },
        })) => assert_eq!(parameters["question"], "2+2"),
        other => panic!("{other:?}"),
    }
    let op = h.call(Harness::confirm_call("4"));
    let id = respond_and_check(&mut h, "CUSTOM_CHALLENGE", "ANSWER", "4");
    h.complete(
        id,
        challenge("CUSTOM_CHALLENGE", &[("question", "3+3")], Some("c2")),
    );
    assert!(matches!(
        h.reply(op),
        Some(Ok(Answer::SignIn {
            next_step: SignInStep::CustomChallenge { .. }
        }))
    ));
    let op = h.call(Harness::confirm_call("6"));
    let id = respond_and_check(&mut h, "CUSTOM_CHALLENGE", "ANSWER", "6");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("erin", now, 3600, 1)));
    h.assert_signed_in_answer(op);
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn custom_auth_without_srp_sends_no_password() {
    let mut h = Harness::new(config_user_pool(), None);
    let op = h.call(ApiCall::SignIn {
        username: "fay".into(),
        password: None,
        flow: Some(AuthFlow::CustomAuthWithoutSrp),
        preferred_challenge: None,
        client_metadata: Default::default(),
    });
    let (id, req) = h.take_user_pool("InitiateAuth");
    let UserPoolRequest::InitiateAuth {
        auth_parameters, ..
    } = &req
    else {
        unreachable!()
    };
    assert!(!auth_parameters.expose().contains_key("PASSWORD"));
    assert!(!auth_parameters.expose().contains_key("SRP_A"));
    h.complete(id, challenge("CUSTOM_CHALLENGE", &[], Some("c")));
    assert!(matches!(
        h.reply(op),
        Some(Ok(Answer::SignIn {
            next_step: SignInStep::CustomChallenge { .. }
        }))
    ));
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn user_auth_select_first_factor_email_otp() {
    let mut h = Harness::new(config_user_pool(), None);
    let op = h.call(ApiCall::SignIn {
        username: "gus".into(),
        password: None,
        flow: Some(AuthFlow::UserAuth),
        preferred_challenge: None,
        client_metadata: Default::default(),
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    h.complete(
        id,
        EffectResult::UserPool(Ok(cognito::UserPoolResponse::Auth(cognito::AuthResponse {
            challenge_name: Some("SELECT_CHALLENGE".into()),
            session: Some(Secret::new("s".into())),
            available_challenges: vec!["PASSWORD".into(), "EMAIL_OTP".into()],
            ..Default::default()
        }))),
    );
    assert!(matches!(
        h.reply(op),
        Some(Ok(Answer::SignIn {
            next_step: SignInStep::SelectFirstFactor { .. }
        }))
    ));
    let op = h.call(Harness::confirm_call("EMAIL_OTP"));
    let id = respond_and_check(&mut h, "SELECT_CHALLENGE", "ANSWER", "EMAIL_OTP");
    h.complete(
        id,
        challenge(
            "EMAIL_OTP",
            &[
                ("CODE_DELIVERY_DELIVERY_MEDIUM", "EMAIL"),
                ("CODE_DELIVERY_DESTINATION", "g***@e***"),
            ],
            Some("s"),
        ),
    );
    assert!(matches!(
        h.reply(op),
        Some(Ok(Answer::SignIn {
            next_step: SignInStep::ConfirmWithEmailCode { .. }
        }))
    ));
    let op = h.call(Harness::confirm_call("98765432"));
    let id = respond_and_check(&mut h, "EMAIL_OTP", "EMAIL_OTP_CODE", "98765432");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("gus", now, 3600, 1)));
    h.assert_signed_in_answer(op);
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn new_device_is_confirmed_then_device_srp_is_used_on_the_next_sign_in() {
    let mut h = Harness::new(config_user_pool(), None);
    let op = h.call(ApiCall::SignIn {
        username: "hal".into(),
        password: Some(Secret::new("pw".into())),
        flow: Some(AuthFlow::UserPasswordAuth),
        preferred_challenge: None,
        client_metadata: Default::default(),
    });
    let (id, _) = h.take_user_pool("InitiateAuth");
    let now = h.now_s();
    let mut result = auth_result("hal", now, 3600, 1);
    result.new_device_metadata = Some(NewDeviceMetadata {
        device_key: "us-east-1_dev1".into(),
        device_group_key: "group1".into(),
    });
    h.complete(id, tokens_response(result));
    let task = h.run_srp();
    assert!(matches!(task, SrpTask::DeviceVerifier { .. }));
    let (id, req) = h.take_user_pool("ConfirmDevice");
    let UserPoolRequest::ConfirmDevice {
        device_key,
        password_verifier,
        salt,
        ..
    } = &req
    else {
        unreachable!()
    };
    assert_eq!(device_key, "us-east-1_dev1");
    let device_verifier =
        cognito_auth_srp::Verifier::from_confirm_device(password_verifier.expose(), salt).unwrap();
    h.complete(
        id,
        EffectResult::UserPool(Ok(cognito::UserPoolResponse::ConfirmDevice {
            user_confirmation_necessary: false,
        })),
    );
    h.assert_signed_in_answer(op);
    let stored = h.persisted.clone().unwrap();
    assert_eq!(stored.devices["hal"].device_key, "us-east-1_dev1");

    // Sign out (devices are kept), then sign in again: DEVICE_SRP_AUTH follows the password.
    let out = h.call(ApiCall::SignOut(SignOutOptions::default()));
    let (id, _) = h.take_user_pool("RevokeToken");
    h.complete(
        id,
        EffectResult::UserPool(Ok(cognito::UserPoolResponse::Empty)),
    );
    assert!(matches!(h.reply(out), Some(Ok(Answer::SignedOut(r))) if r.is_complete()));
    assert!(h.persisted.as_ref().unwrap().devices.contains_key("hal"));
    let op = h.call(ApiCall::SignIn {
        username: "hal".into(),
        password: Some(Secret::new("pw".into())),
        flow: Some(AuthFlow::UserPasswordAuth),
        preferred_challenge: None,
        client_metadata: Default::default(),
    });
    let (id, req) = h.take_user_pool("InitiateAuth");
    let UserPoolRequest::InitiateAuth {
        auth_parameters, ..
    } = &req
    else {
        unreachable!()
    };
    assert_eq!(auth_parameters.expose()["DEVICE_KEY"], "us-east-1_dev1");
    h.complete(
        id,
        challenge("DEVICE_SRP_AUTH", &[("USERNAME", "hal")], Some("d1")),
    );
    let (id, req) = h.take_user_pool("RespondToAuthChallenge");
    let UserPoolRequest::RespondToAuthChallenge {
        challenge_name,
        challenge_responses,
        ..
    } = &req
    else {
        unreachable!()
    };
    assert_eq!(challenge_name, "DEVICE_SRP_AUTH");
    let device_a = challenge_responses.expose()["SRP_A"].clone();
    let server_eph = cognito_auth_srp::ServerEphemeral::new(&device_verifier, &[3u8; 72]).unwrap();
    h.complete(
        id,
        challenge(
            "DEVICE_PASSWORD_VERIFIER",
            &[
                ("SRP_B", &server_eph.public_b_hex()),
                ("SALT", &device_verifier.salt_hex()),
                ("SECRET_BLOCK", "ZGV2aWNlLWJsb2Nr"),
                ("USERNAME", "hal"),
            ],
            Some("d2"),
        ),
    );
    h.run_srp();
    let (id, req) = h.take_user_pool("RespondToAuthChallenge");
    let UserPoolRequest::RespondToAuthChallenge {
        challenge_name,
        challenge_responses,
        ..
    } = &req
    else {
        unreachable!()
    };
    assert_eq!(challenge_name, "DEVICE_PASSWORD_VERIFIER");
    let r = challenge_responses.expose();
    cognito_auth_srp::verify_device_claim(
        &server_eph,
        &cognito_auth_srp::DeviceClaimCheck {
            device_group_key: "group1",
            device_key: "us-east-1_dev1",
            srp_a_hex: &device_a,
            secret_block_b64: &r["PASSWORD_CLAIM_SECRET_BLOCK"],
            timestamp: &r["TIMESTAMP"],
            signature_b64: &r["PASSWORD_CLAIM_SIGNATURE"],
        },
    )
    .expect("the device claim verifies against the verifier sent to ConfirmDevice");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("hal", now, 3600, 2)));
    h.assert_signed_in_answer(op);
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn a_second_sign_in_cancels_the_first() {
    let mut h = Harness::new(config_user_pool(), None);
    let first = h.call(h.sign_in_call("ivy", "pw"));
    let second = h.call(h.sign_in_call("ivy", "pw2"));
    assert!(matches!(
        h.reply(first),
        Some(Err(AuthError::Cancelled { .. }))
    ));
    // The first flow's SRP_A arrives late and is ignored.
    let (first_a, _) = h.take_effect(|e| {
        matches!(
            e,
            Effect::Srp {
                task: SrpTask::PublicA { .. }
            }
        )
    });
    let late = SrpOutput::PublicA { srp_a: "0a".into() };
    let outputs = h.complete(first_a, EffectResult::Srp(Ok(late)));
    assert!(matches!(outputs.as_slice(), [Output::Ignored { .. }]));
    assert!(h.reply(second).is_none());
    assert_eq!(h.m.state().label(), "signing in (computing SRP_A)");
    // The second goes on with its own SRP_A.
    let (_, req) = h.take_user_pool("InitiateAuth");
    let UserPoolRequest::InitiateAuth {
        auth_parameters, ..
    } = req
    else {
        unreachable!()
    };
    assert_ne!(auth_parameters.expose()["SRP_A"], "0a");
    assert_eq!(h.m.state().label(), "signing in (initiating auth)");
}

#[test]
fn sign_in_while_signed_in_is_a_typed_error() {
    let mut h = Harness::signed_in(config_user_pool(), "jan");
    let op = h.call(h.sign_in_call("jan", "pw"));
    assert_eq!(h.reply(op), Some(&Err(AuthError::AlreadySignedIn)));
    assert_eq!(h.m.user_state(), UserState::SignedIn);
}

#[test]
fn confirm_sign_in_without_a_sign_in_is_a_typed_error() {
    let mut h = Harness::new(config_user_pool(), None);
    let op = h.call(Harness::confirm_call("123"));
    assert!(matches!(
        h.reply(op),
        Some(Err(AuthError::InvalidState { .. }))
    ));
}

#[test]
fn srp_sign_in_without_a_password_is_rejected_before_any_call() {
    let mut h = Harness::new(config_user_pool(), None);
    let op = h.call(ApiCall::SignIn {
        username: "kim".into(),
        password: None,
        flow: None,
        preferred_challenge: None,
        client_metadata: Default::default(),
    });
    assert!(matches!(
        h.reply(op),
        Some(Err(AuthError::InvalidParameter { .. }))
    ));
    assert!(h.effects.is_empty());
}

#[test]
fn secret_hash_is_sent_when_the_client_has_a_secret() {
    let mut config = config_user_pool();
    config.user_pool.as_mut().unwrap().app_client_secret = Some(Secret::new("s3cr3t".into()));
    let mut h = Harness::new(config, None);
    h.call(ApiCall::SignIn {
        username: "lee".into(),
        password: Some(Secret::new("pw".into())),
        flow: Some(AuthFlow::UserPasswordAuth),
        preferred_challenge: None,
        client_metadata: Default::default(),
    });
    let (_, req) = h.take_user_pool("InitiateAuth");
    let UserPoolRequest::InitiateAuth {
        auth_parameters, ..
    } = &req
    else {
        unreachable!()
    };
    assert_eq!(
        auth_parameters.expose()["SECRET_HASH"],
        cognito_auth_srp::secret_hash("lee", "client123", "s3cr3t")
    );
    // What the engine sends: this request's own flow and parameters.
    assert_eq!(req.auth_flow(), Some("USER_PASSWORD_AUTH"));
    assert_eq!(
        req.auth_parameters().as_ref().map(Secret::expose),
        Some(auth_parameters.expose())
    );
}

#[test]
fn the_refresh_of_a_client_with_a_secret_sends_the_users_secret_hash() {
    let mut config = config_user_pool();
    config.user_pool.as_mut().unwrap().app_client_secret = Some(Secret::new("s3cr3t".into()));
    let mut h = Harness::signed_in(config, "lee");
    h.call(ApiCall::FetchTokens {
        force_refresh: true,
    });
    let (_, req) = h.take_user_pool("InitiateAuth");
    let UserPoolRequest::RefreshTokenAuth {
        refresh_token,
        secret_hash,
        device_key,
        ..
    } = &req
    else {
        panic!("a REFRESH_TOKEN_AUTH refresh: {req:?}")
    };
    let expected = cognito_auth_srp::secret_hash("lee", "client123", "s3cr3t");
    assert_eq!(secret_hash.as_ref().map(Secret::expose), Some(&expected));
    assert_eq!(device_key, &None, "no remembered device");
    // What the engine sends as InitiateAuth's AuthParameters.
    assert_eq!(req.auth_flow(), Some("REFRESH_TOKEN_AUTH"));
    let parameters = req.auth_parameters().expect("InitiateAuth parameters");
    assert_eq!(
        parameters.expose(),
        &std::collections::BTreeMap::from([
            ("REFRESH_TOKEN".to_owned(), refresh_token.expose().clone()),
            ("SECRET_HASH".to_owned(), expected),
        ])
    );
}

#[test]
fn a_device_unknown_to_cognito_is_forgotten_and_the_password_claim_sent_again() {
    let mut h = Harness::new(config_user_pool(), None);
    let server = SrpServer::new("alice", "correct horse");
    let op = h.call(h.sign_in_call("alice", "correct horse"));
    let (id, req) = h.take_user_pool("InitiateAuth");
    let UserPoolRequest::InitiateAuth {
        auth_parameters, ..
    } = req
    else {
        unreachable!()
    };
    let srp_a = auth_parameters.expose()["SRP_A"].clone();
    h.complete(id, server.challenge("alice"));
    h.run_srp();
    let (id, _) = h.take_user_pool("RespondToAuthChallenge");
    h.complete(id, service_error("ResourceNotFoundException"));
    assert!(
        h.reply(op).is_none(),
        "not an error yet: the claim is sent again"
    );
    h.run_srp();
    let (id, req) = h.take_user_pool("RespondToAuthChallenge");
    let UserPoolRequest::RespondToAuthChallenge {
        challenge_responses,
        ..
    } = &req
    else {
        unreachable!()
    };
    assert!(!challenge_responses.expose().contains_key("DEVICE_KEY"));
    assert!(server.check(&srp_a, challenge_responses.expose()));
    // A second ResourceNotFound is an error.
    h.complete(id, service_error("ResourceNotFoundException"));
    assert!(
        matches!(h.reply(op), Some(Err(AuthError::Service { code, .. })) if code == "ResourceNotFound")
    );
    assert_eq!(h.m.user_state(), UserState::SignedOut);
    insta::assert_yaml_snapshot!(h.trace);
}

/// A VerifySoftwareToken refusal other than NotAuthorized (here a code Cognito could not
/// verify) leaves the MFA_SETUP challenge open: the app is told and may send another code with
/// the same session (a cargo-mutants shard 3 miss, challenge.rs:365).
#[test]
fn a_totp_code_refused_during_mfa_setup_can_be_sent_again() {
    let (mut h, _) = at_totp_setup();
    let wrong = h.call(Harness::confirm_call("000000"));
    let (id, _) = h.take_user_pool("VerifySoftwareToken");
    h.complete(id, service_error("EnableSoftwareTokenMFAException"));
    assert_eq!(h.reply(wrong), Some(&Err(AuthError::CodeMismatch)));
    assert_eq!(h.m.user_state(), UserState::SignedOut);
    let op = h.call(Harness::confirm_call("111111"));
    let (id, req) = h.take_user_pool("VerifySoftwareToken");
    let UserPoolRequest::VerifySoftwareToken { session, .. } = &req else {
        unreachable!()
    };
    assert_eq!(session.as_ref().unwrap().expose(), "s2", "the same session");
    h.complete(
        id,
        EffectResult::UserPool(Ok(cognito::UserPoolResponse::VerifySoftwareToken {
            status: "SUCCESS".into(),
            session: Some(Secret::new("s3".into())),
        })),
    );
    let (id, _) = h.take_user_pool("RespondToAuthChallenge");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("dan", now, 3600, 1)));
    h.assert_signed_in_answer(op);
}

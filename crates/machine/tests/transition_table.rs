//! The transition table (`crates/machine/src/machine/table.rs`, printed by `cognito-auth
//! diagram` and drawn in `docs/STATES.md`) against the machine's real changes of state, in both
//! directions:
//!
//! - every scenario harness (`common::Harness`, the model driver) fails a test the moment the
//!   machine makes a change of state the table does not list, so every scenario test, property
//!   test and fuzz run checks that the table is complete;
//! - here, random sessions from the model driver and a few hand-written scenarios must make
//!   every change the table lists (each edge, from at least one of its sources), so the table
//!   lists nothing the machine does not do.

#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

mod common;
#[path = "model/mod.rs"]
mod model;

use std::collections::BTreeSet;

use cognito_auth_machine::transitions::{covers, EDGES, STATES, SUPERSTATES};

type Seen = BTreeSet<(&'static str, &'static str)>;

/// A small deterministic generator (splitmix64) for the random sessions' bytes.
fn session_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

/// The changes of state made by random model sessions (every promise checked as they run).
fn random_sessions() -> Seen {
    let mut seen = Seen::new();
    for seed in 0..300 {
        let session = model::driver::decode_session(&session_bytes(seed, 80));
        let d = model::driver::run_decoded(&session);
        seen.extend(d.transitions.iter().copied());
    }
    seen
}

/// The edges no change in `seen` makes (an edge with several sources is made when any of them
/// is: they share the handler that makes it).
fn unexercised(seen: &Seen) -> Vec<String> {
    EDGES
        .iter()
        .filter(|edge| {
            !seen.iter().any(|(from, to)| {
                *to == edge.to && edge.from.iter().any(|source| covers(source, from))
            })
        })
        .map(|edge| format!("{:?} --> {}: {}", edge.from, edge.to, edge.on))
        .collect()
}

#[test]
fn the_table_names_only_states_of_the_machine() {
    let names: BTreeSet<&str> = STATES.iter().copied().collect();
    assert_eq!(names.len(), STATES.len(), "a state is listed twice");
    for (superstate, members) in SUPERSTATES {
        assert!(
            !names.contains(superstate),
            "{superstate} is a state and a superstate"
        );
        for m in *members {
            assert!(
                names.contains(m),
                "superstate {superstate} holds unknown state {m}"
            );
        }
    }
    for edge in EDGES {
        assert!(names.contains(edge.to), "edge to unknown state {}", edge.to);
        for source in edge.from {
            let known = names.contains(source) || SUPERSTATES.iter().any(|(s, _)| s == source);
            assert!(known, "edge from unknown state {source}");
        }
    }
    // docs/ARCHITECTURE.md's state table is checked against the `State` enum
    // (tests/architecture.rs); the transition table must list the same states.
    let doc = include_str!("../../../docs/ARCHITECTURE.md");
    for name in STATES {
        assert!(
            doc.contains(&format!("| `{name}` |")),
            "{name} is not in docs/ARCHITECTURE.md's state table"
        );
    }
}

#[test]
fn every_listed_transition_is_made_by_some_session() {
    let mut seen = random_sessions();
    seen.extend(scenarios::all());
    let missing = unexercised(&seen);
    assert!(
        missing.is_empty(),
        "the transition table lists changes no session makes (remove them from \
         crates/machine/src/machine/table.rs, or add a scenario that makes them):\n{}",
        missing.join("\n")
    );
}

mod scenarios {
    use cognito_auth_machine::cognito::{
        self, NewDeviceMetadata, OAuthTokenResponse, UserPoolResponse,
    };
    use cognito_auth_machine::config::OAuthConfig;
    use cognito_auth_machine::session::Federation;
    use cognito_auth_machine::*;

    use super::common::*;
    use super::Seen;

    /// Hand-written sessions for the changes random model sessions do not make (the hosted UI,
    /// TOTP setup, new devices, a stored expired federation).
    pub(crate) fn all() -> Seen {
        let mut seen = Seen::new();
        for h in [
            hosted_ui(),
            web_ui_replaces_a_sign_in(),
            totp_setup_then_a_new_device(),
            password_srp_chosen_as_first_factor(),
            expired_federation_restored_and_renewal_refused(),
            sign_out_waiting_for_a_failed_deletion(),
        ] {
            seen.extend(h.transitions);
        }
        seen
    }

    fn web_config() -> Config {
        Config {
            oauth: Some(OAuthConfig {
                sign_in_redirect_uri: "http://127.0.0.1:8123/callback".into(),
                ..oauth()
            }),
            ..config_full()
        }
    }

    fn web_sign_in(h: &mut Harness) -> String {
        let op = h.call(ApiCall::SignInWithWebUi {
            identity_provider: None,
            scopes: vec![],
            federation_provider_name: None,
        });
        let Some(Ok(Answer::OpenUrl { url })) = h.reply(op) else {
            panic!("no authorization URL: {:?}", h.reply(op))
        };
        let state = url
            .split("state=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap();
        state.to_owned()
    }

    /// signed_out -> awaiting_web_redirect -> exchanging_code -> fresh.
    fn hosted_ui() -> Harness {
        let mut h = Harness::new(web_config(), None);
        let state = web_sign_in(&mut h);
        h.call(ApiCall::HandleRedirect {
            url: Secret::new(format!(
                "http://127.0.0.1:8123/callback?code=c1&state={state}"
            )),
        });
        let (id, _) = h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }));
        let r = auth_result("web", h.now_s(), 3600, 1);
        h.complete(
            id,
            EffectResult::OAuth(Ok(OAuthTokenResponse {
                access_token: r.access_token,
                id_token: r.id_token,
                refresh_token: r.refresh_token,
                expires_in: 3600,
            })),
        );
        assert_eq!(h.m.state().name(), "fresh");
        h
    }

    /// computing_srp_a -> awaiting_web_redirect (a hosted-UI sign-in replaces an SRP one).
    fn web_ui_replaces_a_sign_in() -> Harness {
        let mut h = Harness::new(web_config(), None);
        h.call(h.sign_in_call("ann", "pw"));
        assert_eq!(h.m.state().name(), "computing_srp_a");
        web_sign_in(&mut h);
        assert_eq!(h.m.state().name(), "awaiting_web_redirect");
        h
    }

    /// MFA_SETUP: setting_up_totp -> awaiting_challenge_answer -> setting_up_totp ->
    /// responding_to_challenge; then tokens with a new device: computing_device_verifier ->
    /// confirming_device -> fresh.
    fn totp_setup_then_a_new_device() -> Harness {
        let mut h = Harness::new(config_user_pool(), None);
        h.call(ApiCall::SignIn {
            username: "dan".into(),
            password: Some(Secret::new("pw".into())),
            flow: Some(AuthFlow::UserPasswordAuth),
            preferred_challenge: None,
            client_metadata: Default::default(),
        });
        let (id, _) = h.take_user_pool("InitiateAuth");
        let setup = &[("MFAS_CAN_SETUP", r#"["SOFTWARE_TOKEN_MFA"]"#)];
        h.complete(id, challenge("MFA_SETUP", setup, Some("s1")));
        let (id, _) = h.take_user_pool("AssociateSoftwareToken");
        h.complete(
            id,
            EffectResult::UserPool(Ok(UserPoolResponse::AssociateSoftwareToken {
                secret_code: Secret::new("JBSWY3DPEHPK3PXP".into()),
                session: Some(Secret::new("s2".into())),
            })),
        );
        h.call(Harness::confirm_call("111111"));
        let (id, _) = h.take_user_pool("VerifySoftwareToken");
        h.complete(
            id,
            EffectResult::UserPool(Ok(UserPoolResponse::VerifySoftwareToken {
                status: "SUCCESS".into(),
                session: Some(Secret::new("s3".into())),
            })),
        );
        let (id, _) = h.take_user_pool("RespondToAuthChallenge");
        let mut result = auth_result("dan", h.now_s(), 3600, 1);
        result.new_device_metadata = Some(NewDeviceMetadata {
            device_key: "us-east-1_dev1".into(),
            device_group_key: "group1".into(),
        });
        h.complete(id, tokens_response(result));
        h.run_srp();
        let (id, _) = h.take_user_pool("ConfirmDevice");
        h.complete(
            id,
            EffectResult::UserPool(Ok(cognito::UserPoolResponse::ConfirmDevice {
                user_confirmation_necessary: false,
            })),
        );
        assert_eq!(h.m.state().name(), "fresh");
        h
    }

    /// USER_AUTH: SELECT_CHALLENGE, the app chooses PASSWORD_SRP: awaiting_challenge_answer ->
    /// computing_srp_a -> responding_to_challenge (SRP_A goes with the answer).
    fn password_srp_chosen_as_first_factor() -> Harness {
        let mut h = Harness::new(config_user_pool(), None);
        h.call(ApiCall::SignIn {
            username: "gus".into(),
            password: Some(Secret::new("pw".into())),
            flow: Some(AuthFlow::UserAuth),
            preferred_challenge: None,
            client_metadata: Default::default(),
        });
        let (id, _) = h.take_user_pool("InitiateAuth");
        h.complete(
            id,
            EffectResult::UserPool(Ok(UserPoolResponse::Auth(cognito::AuthResponse {
                challenge_name: Some("SELECT_CHALLENGE".into()),
                session: Some(Secret::new("s".into())),
                available_challenges: vec!["PASSWORD_SRP".into(), "EMAIL_OTP".into()],
                ..Default::default()
            }))),
        );
        assert_eq!(h.m.state().name(), "awaiting_challenge_answer");
        h.call(Harness::confirm_call("PASSWORD_SRP"));
        assert_eq!(h.m.state().name(), "computing_srp_a");
        assert!(h.run_srp_a());
        assert_eq!(h.m.state().name(), "responding_to_challenge");
        h
    }

    /// restoring -> federation_expired -> federating -> federation_expired (the new token is
    /// refused too).
    fn expired_federation_restored_and_renewal_refused() -> Harness {
        let stored = PersistedSession {
            version: PersistedSession::VERSION,
            federation: Some(Federation {
                provider: "accounts.google.com".into(),
                token: Secret::new("old".into()),
                custom_role_arn: None,
                developer_identity: false,
            }),
            federation_invalid: true,
            ..Default::default()
        };
        let mut h = Harness::new(config_full(), Some(stored));
        assert_eq!(h.m.state().name(), "federation_expired");
        h.call(ApiCall::FederatedSignIn {
            provider: "accounts.google.com".into(),
            token: Secret::new("new".into()),
            identity_id: None,
            custom_role_arn: None,
        });
        let (id, _) = h.take_identity("GetId");
        h.complete(
            id,
            EffectResult::Identity(Err(ServiceError::service(
                "NotAuthorizedException",
                "token refused (test)",
            ))),
        );
        assert_eq!(h.m.state().name(), "federation_expired");
        h
    }

    /// deleting_user -> signing_out: a sign-out asked for during a deletion that then fails.
    fn sign_out_waiting_for_a_failed_deletion() -> Harness {
        let mut h = Harness::signed_in(config_user_pool(), "ann");
        h.call(ApiCall::DeleteUser);
        h.call(ApiCall::SignOut(SignOutOptions::default()));
        let (id, _) = h.take_user_pool("DeleteUser");
        h.complete(
            id,
            EffectResult::UserPool(Err(ServiceError::service(
                "InternalErrorException",
                "deletion failed (test)",
            ))),
        );
        assert_eq!(h.m.state().name(), "signing_out");
        h
    }
}

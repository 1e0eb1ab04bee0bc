//! Sign-in: USER_SRP_AUTH, USER_PASSWORD_AUTH, CUSTOM_AUTH (with and without SRP), USER_AUTH,
//! every challenge Cognito can answer with, device SRP, and new-device confirmation.
//!
//! A sign-in is one state per step ([`SignInStep`]'s states in `machine/mod.rs`), each holding
//! the [`Attempt`] (what every step knows) and the step's own struct: exactly the data that step
//! has and the effect it waits for. The functions here compute the next state.

pub(crate) mod challenge;
mod srp;

use serde::{Deserialize, Serialize};

use cognito_auth_wire::{challenge as wire_challenge, param};

use super::routing::Awaiting;
use super::shared::{Outbox, Shared};
use super::State;
use crate::cognito::{CodeDelivery, NewDeviceMetadata, StringMap, UserPoolRequest};
use crate::config::AuthFlow;
use crate::error::AuthError;
use crate::output::{Answer, EffectId, OperationId, UserState};
use crate::secret::Secret;
use crate::session::Tokens;

pub use self::challenge::Challenge;
pub(crate) use self::srp::SrpEphemeral;

/// Where a sign-in returns to if it fails or is abandoned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    /// Signed out (or guest, which the machine re-derives from the configuration).
    SignedOut,
    /// The refresh token had died; callers may be waiting for this sign-in.
    SessionExpired {
        /// The user whose session expired.
        username: String,
    },
}

impl Origin {
    pub(crate) fn user_state(&self, guest: bool) -> UserState {
        match self {
            Self::SignedOut if guest => UserState::Guest,
            Self::SignedOut => UserState::SignedOut,
            Self::SessionExpired { .. } => UserState::SignedOutUserPoolsTokenInvalid,
        }
    }
}

/// What every step of one sign-in knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The app call to answer at the next stop (sign_in or confirm_sign_in).
    pub op: Option<OperationId>,
    /// The user name as Cognito knows it (replaced by a challenge's USERNAME).
    pub username: String,
    /// The password the app gave, for the flows that send or prove it.
    pub password: Option<Secret<String>>,
    /// The flow.
    pub flow: AuthFlow,
    /// USER_AUTH preferred first factor.
    pub preferred_challenge: Option<String>,
    /// Passed to Lambda triggers.
    pub client_metadata: StringMap,
    /// The remembered device's key, sent as DEVICE_KEY.
    pub device_key: Option<String>,
    /// Where to go back to on failure.
    pub origin: Origin,
}

/// `computing_srp_a`: the engine computes `SRP_A` for a new ephemeral (and keeps the
/// ephemeral); the random bytes are not kept here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputingSrpA {
    /// The SRP task.
    pub wait: EffectId,
    /// What `SRP_A` is sent with.
    pub then: AfterSrpA,
}

/// The request that carries a new `SRP_A`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AfterSrpA {
    /// InitiateAuth (USER_SRP_AUTH, CUSTOM_AUTH with SRP, USER_AUTH preferring PASSWORD_SRP).
    Initiate,
    /// The answer to DEVICE_SRP_AUTH.
    DeviceSrpAuth {
        /// The session string to send.
        session: Option<Secret<String>>,
    },
    /// The answer PASSWORD_SRP to SELECT_CHALLENGE.
    PasswordSrp {
        /// The session string to send.
        session: Option<Secret<String>>,
        /// The app-answered challenge, asked again if Cognito says the answer was wrong.
        answering: Option<Challenge>,
    },
}

/// `initiating_auth`: InitiateAuth in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitiatingAuth {
    /// The InitiateAuth call.
    pub wait: EffectId,
    /// The ephemeral whose SRP_A was sent, for the PASSWORD_VERIFIER answer.
    pub srp: Option<SrpEphemeral>,
}

/// `responding_to_challenge`: RespondToAuthChallenge in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RespondingToChallenge {
    /// The RespondToAuthChallenge call.
    pub wait: EffectId,
    /// The session string sent (still good for another answer after a wrong code).
    pub session: Option<Secret<String>>,
    /// The app-answered challenge, asked again if Cognito says the code was wrong.
    pub answering: Option<Challenge>,
    /// The ephemeral whose SRP_A was sent, for the verifier challenge that follows.
    pub srp: Option<SrpEphemeral>,
    /// The PASSWORD_VERIFIER claim being sent, made again once without the device key if
    /// Cognito no longer knows the device.
    pub claim: Option<ClaimRetry>,
}

/// A PASSWORD_VERIFIER challenge and the ephemeral that answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRetry {
    /// The challenge parameters (SRP_B, SALT, SECRET_BLOCK, USER_ID_FOR_SRP).
    pub params: StringMap,
    /// The ephemeral.
    pub srp: SrpEphemeral,
}

/// `computing_claim`: the engine computes a PASSWORD_CLAIM_SIGNATURE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputingClaim {
    /// The SRP task.
    pub wait: EffectId,
    /// The challenge answered: PASSWORD_VERIFIER or DEVICE_PASSWORD_VERIFIER.
    pub challenge: String,
    /// PASSWORD_CLAIM_SECRET_BLOCK to echo.
    pub secret_block: Secret<String>,
    /// TIMESTAMP to send.
    pub timestamp: String,
    /// The session string to send.
    pub session: Option<Secret<String>>,
    /// For PASSWORD_VERIFIER: the claim to make again without the device key.
    pub retry: Option<ClaimRetry>,
}

/// `awaiting_challenge_answer`: the app must answer with `confirm_sign_in`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitingAnswer {
    /// The challenge.
    pub challenge: Challenge,
    /// Cognito's session string for the answer.
    pub session: Option<Secret<String>>,
}

/// `setting_up_totp`: AssociateSoftwareToken or VerifySoftwareToken in flight during MFA_SETUP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingUpTotp {
    /// The call.
    pub wait: EffectId,
    /// The session string sent.
    pub session: Option<Secret<String>>,
    /// Which call.
    pub call: TotpCall,
}

/// The MFA_SETUP call in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TotpCall {
    /// AssociateSoftwareToken; `previous` is the challenge to ask again if it fails.
    Associate {
        /// The set-up choice, when the user made one.
        previous: Option<Challenge>,
    },
    /// VerifySoftwareToken of the code for this shared secret.
    Verify {
        /// The secret being set up (asked for again after a wrong code).
        shared_secret: Secret<String>,
    },
}

/// `computing_device_verifier`: signed in; the engine makes the new device's verifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDevice {
    /// The SRP task.
    pub wait: EffectId,
    /// The tokens of the sign-in.
    pub tokens: Tokens,
    /// The device Cognito created.
    pub device: NewDeviceMetadata,
}

/// `confirming_device`: ConfirmDevice in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmingDevice {
    /// The ConfirmDevice call.
    pub wait: EffectId,
    /// The tokens of the sign-in.
    pub tokens: Tokens,
    /// The device being confirmed.
    pub device: NewDeviceMetadata,
    /// Its password, remembered if the confirmation succeeds.
    pub device_password: Secret<String>,
}

fn json_list(s: Option<&String>) -> Vec<String> {
    s.and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
        .unwrap_or_default()
}

fn delivery(params: &StringMap) -> Option<CodeDelivery> {
    let medium = params.get(param::CODE_DELIVERY_DELIVERY_MEDIUM).cloned();
    let dest = params.get(param::CODE_DELIVERY_DESTINATION).cloned();
    (medium.is_some() || dest.is_some()).then_some(CodeDelivery {
        delivery_medium: medium,
        destination: dest,
        attribute_name: None,
    })
}

fn one_param(k: &str, v: String) -> StringMap {
    StringMap::from([(k.to_owned(), v)])
}

fn unexpected(what: &str) -> AuthError {
    AuthError::UnexpectedResponse {
        message: what.to_owned(),
    }
}

impl Attempt {
    /// A new attempt for `username`; the device key is looked up when it starts.
    pub(crate) fn new(
        op: OperationId,
        username: String,
        password: Option<Secret<String>>,
        flow: AuthFlow,
        preferred_challenge: Option<String>,
        client_metadata: StringMap,
        origin: Origin,
    ) -> Self {
        Self {
            op: Some(op),
            username,
            password,
            flow,
            preferred_challenge,
            client_metadata,
            device_key: None,
            origin,
        }
    }

    /// Answers the pending call, if any, with `result`.
    fn reply(&mut self, out: &mut Outbox, result: Result<Answer, AuthError>) {
        if let Some(op) = self.op.take() {
            Shared::reply(out, op, result);
        }
    }
}

impl Shared {
    /// The sign-in failed: the error goes to the pending call, the machine to the origin.
    pub(crate) fn fail_sign_in(
        &mut self,
        out: &mut Outbox,
        mut attempt: Attempt,
        err: AuthError,
    ) -> State {
        attempt.reply(out, Err(err));
        self.return_to_origin(out, &attempt.origin)
    }

    /// Asks the app for `challenge`.
    fn ask(
        out: &mut Outbox,
        mut attempt: Attempt,
        challenge: Challenge,
        session: Option<Secret<String>>,
    ) -> State {
        attempt.reply(
            out,
            Ok(Answer::SignIn {
                next_step: challenge.step(),
            }),
        );
        State::awaiting_challenge_answer(attempt, AwaitingAnswer { challenge, session })
    }

    fn base_auth_params(&self, attempt: &Attempt) -> StringMap {
        let mut p = StringMap::new();
        p.insert(param::USERNAME.into(), attempt.username.clone());
        if let Some(h) = self.secret_hash(&attempt.username) {
            p.insert(param::SECRET_HASH.into(), h.into_inner());
        }
        if let Some(k) = &attempt.device_key {
            p.insert(param::DEVICE_KEY.into(), k.clone());
        }
        p
    }

    /// Starts a sign-in: checks it, then sends InitiateAuth (with SRP_A where the flow needs it).
    pub(crate) fn start_sign_in(&mut self, out: &mut Outbox, mut attempt: Attempt) -> State {
        if self.config.user_pool.is_none() {
            let err = AuthError::NotConfigured {
                what: "a user pool".into(),
            };
            return self.fail_sign_in(out, attempt, err);
        }
        attempt.device_key = self
            .devices
            .get(&attempt.username)
            .map(|d| d.device_key.clone());
        let needs_password = matches!(
            attempt.flow,
            AuthFlow::UserSrpAuth | AuthFlow::UserPasswordAuth | AuthFlow::CustomAuthWithSrp
        );
        if needs_password
            && attempt
                .password
                .as_ref()
                .is_none_or(|p| p.expose().is_empty())
        {
            let err = AuthError::InvalidParameter {
                message: "this sign-in flow needs a password".into(),
            };
            return self.fail_sign_in(out, attempt, err);
        }
        if attempt.username.is_empty() {
            let err = AuthError::InvalidParameter {
                message: "the user name is empty".into(),
            };
            return self.fail_sign_in(out, attempt, err);
        }
        let srp_first = match attempt.flow {
            AuthFlow::UserSrpAuth | AuthFlow::CustomAuthWithSrp => true,
            AuthFlow::UserAuth => {
                attempt.preferred_challenge.as_deref() == Some(wire_challenge::PASSWORD_SRP)
                    && attempt.password.is_some()
            }
            _ => false,
        };
        if !srp_first {
            return self.initiate(out, attempt, None);
        }
        self.compute_srp_a(out, attempt, AfterSrpA::Initiate)
    }

    pub(crate) fn initiate(
        &mut self,
        out: &mut Outbox,
        attempt: Attempt,
        srp: Option<SrpEphemeral>,
    ) -> State {
        let mut p = self.base_auth_params(&attempt);
        if let Some(srp) = &srp {
            p.insert(param::SRP_A.into(), srp.srp_a.clone());
        }
        let password = attempt.password.as_ref().map(|pw| pw.expose().clone());
        match attempt.flow {
            AuthFlow::UserPasswordAuth => {
                if let Some(pw) = password {
                    p.insert(param::PASSWORD.into(), pw);
                }
            }
            AuthFlow::CustomAuthWithSrp => {
                p.insert(param::CHALLENGE_NAME.into(), wire_challenge::SRP_A.into());
            }
            AuthFlow::UserAuth => {
                if let Some(pref) = &attempt.preferred_challenge {
                    p.insert(param::PREFERRED_CHALLENGE.into(), pref.clone());
                    if pref == wire_challenge::PASSWORD {
                        if let Some(pw) = password {
                            p.insert(param::PASSWORD.into(), pw);
                        }
                    }
                }
            }
            AuthFlow::UserSrpAuth | AuthFlow::CustomAuthWithoutSrp => {}
        }
        let wait = self.user_pool(
            out,
            UserPoolRequest::InitiateAuth {
                auth_flow: attempt.flow.cognito_name().into(),
                auth_parameters: Secret::new(p),
                client_metadata: attempt.client_metadata.clone(),
            },
            Awaiting::SignInAuth,
        );
        State::initiating_auth(attempt, InitiatingAuth { wait, srp })
    }

    /// Sends RespondToAuthChallenge. `answering` is the app-answered challenge, `srp` the
    /// ephemeral whose SRP_A this answer carries, `claim` the PASSWORD_VERIFIER claim sent.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn respond(
        &mut self,
        out: &mut Outbox,
        attempt: Attempt,
        challenge_name: &str,
        extra: StringMap,
        session: Option<Secret<String>>,
        answering: Option<Challenge>,
        srp: Option<SrpEphemeral>,
        claim: Option<ClaimRetry>,
    ) -> State {
        let mut p = self.base_auth_params(&attempt);
        p.extend(extra);
        let wait = self.user_pool(
            out,
            UserPoolRequest::RespondToAuthChallenge {
                challenge_name: challenge_name.into(),
                challenge_responses: Secret::new(p),
                session: session.clone(),
                client_metadata: attempt.client_metadata.clone(),
            },
            Awaiting::SignInAuth,
        );
        State::responding_to_challenge(
            attempt,
            RespondingToChallenge {
                wait,
                session,
                answering,
                srp,
                claim,
            },
        )
    }

    /// Answers a challenge the app answered (no SRP involved).
    fn answer(
        &mut self,
        out: &mut Outbox,
        attempt: Attempt,
        challenge_name: &str,
        extra: StringMap,
        waiting: AwaitingAnswer,
    ) -> State {
        let AwaitingAnswer { challenge, session } = waiting;
        self.respond(
            out,
            attempt,
            challenge_name,
            extra,
            session,
            Some(challenge),
            None,
            None,
        )
    }
}

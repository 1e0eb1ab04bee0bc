//! Cognito's answers to InitiateAuth / RespondToAuthChallenge, the challenges the app answers
//! with `confirm_sign_in`, and TOTP set-up during MFA_SETUP.

use serde::{Deserialize, Serialize};

use cognito_auth_wire::{challenge as wire_challenge, error_code, param, verify_status};

use super::srp::ClaimKind;
use super::{
    delivery, json_list, one_param as one, unexpected, AfterSrpA, Attempt, AwaitingAnswer,
    ClaimRetry, InitiatingAuth, RespondingToChallenge, SettingUpTotp, Shared, SrpEphemeral,
    TotpCall,
};
use crate::cognito::{
    Attribute, AuthResponse, CodeDelivery, ServiceError, StringMap, UserPoolRequest,
    UserPoolResponse,
};
use crate::error::AuthError;
use crate::machine::routing::Awaiting;
use crate::machine::shared::Outbox;
use crate::machine::State;
use crate::output::{OperationId, SignInStep};
use crate::secret::Secret;
use crate::session::Tokens;

/// A challenge the app must answer with `confirm_sign_in`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Challenge {
    /// SMS_MFA.
    SmsMfa(Option<CodeDelivery>),
    /// EMAIL_OTP.
    EmailOtp(Option<CodeDelivery>),
    /// SMS_OTP (USER_AUTH first factor).
    SmsOtp(Option<CodeDelivery>),
    /// SOFTWARE_TOKEN_MFA.
    Totp,
    /// SELECT_MFA_TYPE.
    SelectMfa(Vec<String>),
    /// MFA_SETUP, choosing which factor.
    SelectMfaSetup(Vec<String>),
    /// MFA_SETUP for TOTP, after AssociateSoftwareToken.
    TotpSetup(Secret<String>),
    /// MFA_SETUP for email: the app supplies the address.
    EmailSetup,
    /// NEW_PASSWORD_REQUIRED.
    NewPassword(Vec<String>),
    /// CUSTOM_CHALLENGE.
    Custom(StringMap),
    /// SELECT_CHALLENGE (USER_AUTH).
    SelectFirstFactor(Vec<String>),
    /// USER_AUTH PASSWORD/PASSWORD_SRP chosen without a password: ask for it.
    Password {
        /// `PASSWORD` or `PASSWORD_SRP`.
        factor: String,
    },
}

impl Challenge {
    pub(super) fn step(&self) -> SignInStep {
        match self {
            Self::SmsMfa(d) | Self::SmsOtp(d) => SignInStep::ConfirmWithSmsCode {
                code_delivery: d.clone(),
            },
            Self::EmailOtp(d) => SignInStep::ConfirmWithEmailCode {
                code_delivery: d.clone(),
            },
            Self::Totp => SignInStep::ConfirmWithTotpCode,
            Self::SelectMfa(a) => SignInStep::SelectMfaType { allowed: a.clone() },
            Self::SelectMfaSetup(a) => SignInStep::SelectMfaSetupType { allowed: a.clone() },
            Self::TotpSetup(s) => SignInStep::SetUpTotp {
                shared_secret: s.clone(),
            },
            Self::EmailSetup => SignInStep::SetUpEmail,
            Self::NewPassword(r) => SignInStep::NewPasswordRequired {
                required_attributes: r.clone(),
            },
            Self::Custom(p) => SignInStep::CustomChallenge {
                parameters: p.clone(),
            },
            Self::SelectFirstFactor(a) => SignInStep::SelectFirstFactor {
                available: a.clone(),
            },
            Self::Password { .. } => SignInStep::ConfirmWithPassword,
        }
    }
}

/// The app's `confirm_sign_in`.
pub(crate) struct ConfirmSignIn<'a> {
    pub(crate) op: OperationId,
    pub(crate) answer: &'a Secret<String>,
    pub(crate) attributes: &'a [Attribute],
    pub(crate) metadata: &'a StringMap,
}

impl Shared {
    /// InitiateAuth answered.
    pub(crate) fn on_initiated(
        &mut self,
        out: &mut Outbox,
        attempt: Attempt,
        step: InitiatingAuth,
        result: Result<&AuthResponse, &ServiceError>,
    ) -> State {
        match result {
            Ok(resp) => self.on_auth_response(out, attempt, step.srp, resp),
            Err(e) => self.on_auth_error(out, attempt, e, None, None),
        }
    }

    /// RespondToAuthChallenge answered.
    pub(crate) fn on_responded(
        &mut self,
        out: &mut Outbox,
        attempt: Attempt,
        step: RespondingToChallenge,
        result: Result<&AuthResponse, &ServiceError>,
    ) -> State {
        match result {
            Ok(resp) => self.on_auth_response(out, attempt, step.srp, resp),
            Err(e) => {
                let answering = step.answering.map(|challenge| AwaitingAnswer {
                    challenge,
                    session: step.session.clone(),
                });
                let claim = step.claim.map(|c| (c, step.session));
                self.on_auth_error(out, attempt, e, answering, claim)
            }
        }
    }

    fn on_auth_error(
        &mut self,
        out: &mut Outbox,
        mut attempt: Attempt,
        e: &ServiceError,
        answering: Option<AwaitingAnswer>,
        claim: Option<(ClaimRetry, Option<Secret<String>>)>,
    ) -> State {
        let device_gone = e.is(error_code::RESOURCE_NOT_FOUND);
        // The remembered device is gone on the server: forget it and answer the password
        // challenge again without it (as the Amplify SDKs do), once.
        if let (true, Some((ClaimRetry { params, srp }, session))) = (device_gone, claim) {
            self.devices.remove(&attempt.username);
            attempt.device_key = None;
            let kind = ClaimKind::Password;
            return self.claim(out, attempt, &params, kind, Some(srp), session, false);
        }
        // Without an SRP challenge to answer again, start over without the device.
        if device_gone && attempt.device_key.is_some() {
            self.devices.remove(&attempt.username);
            attempt.device_key = None;
            return self.start_sign_in(out, attempt);
        }
        // A wrong code leaves Cognito's session usable: let the user try again.
        if let Some(waiting) = answering {
            if e.is(error_code::CODE_MISMATCH) || e.is(error_code::EXPIRED_CODE) {
                attempt.reply(out, Err(AuthError::from(e)));
                return State::awaiting_challenge_answer(attempt, waiting);
            }
        }
        self.fail_sign_in(out, attempt, AuthError::from(e))
    }

    fn on_auth_response(
        &mut self,
        out: &mut Outbox,
        mut attempt: Attempt,
        srp: Option<SrpEphemeral>,
        resp: &AuthResponse,
    ) -> State {
        // Each answer's Session (or its absence: Cognito sends none with PASSWORD_VERIFIER and
        // DEVICE_PASSWORD_VERIFIER) is what the next call must carry; an older one is spent.
        let session = resp.session.clone();
        if let Some(result) = &resp.authentication_result {
            let tokens = match Tokens::from_jwts(
                result.access_token.clone(),
                result.id_token.clone(),
                result.refresh_token.clone(),
            ) {
                Ok(t) => t,
                Err(e) => {
                    return self.fail_sign_in(out, attempt, unexpected(&format!("tokens: {e}")))
                }
            };
            return match &result.new_device_metadata {
                Some(device) => self.new_device(out, attempt, tokens, device.clone()),
                None => {
                    self.complete_sign_in(out, attempt.op, tokens, false, None, &attempt.origin)
                }
            };
        }
        let params = &resp.challenge_parameters;
        if let Some(u) = params.get(param::USERNAME) {
            attempt.username.clone_from(u);
        }
        let Some(name) = resp.challenge_name.as_deref() else {
            return self.fail_sign_in(out, attempt, unexpected("neither tokens nor a challenge"));
        };
        let ask = |out: &mut Outbox, attempt, challenge| {
            Self::ask(out, attempt, challenge, session.clone())
        };
        match name {
            wire_challenge::PASSWORD_VERIFIER => {
                let kind = ClaimKind::Password;
                self.claim(out, attempt, params, kind, srp, session, true)
            }
            wire_challenge::DEVICE_PASSWORD_VERIFIER => {
                let kind = ClaimKind::Device;
                self.claim(out, attempt, params, kind, srp, session, false)
            }
            wire_challenge::DEVICE_SRP_AUTH => {
                if !self.devices.contains_key(&attempt.username) {
                    let err = unexpected("DEVICE_SRP_AUTH without a remembered device");
                    return self.fail_sign_in(out, attempt, err);
                }
                self.compute_srp_a(out, attempt, AfterSrpA::DeviceSrpAuth { session })
            }
            wire_challenge::SMS_MFA => ask(out, attempt, Challenge::SmsMfa(delivery(params))),
            wire_challenge::SMS_OTP => ask(out, attempt, Challenge::SmsOtp(delivery(params))),
            wire_challenge::EMAIL_OTP => ask(out, attempt, Challenge::EmailOtp(delivery(params))),
            wire_challenge::SOFTWARE_TOKEN_MFA => ask(out, attempt, Challenge::Totp),
            wire_challenge::SELECT_MFA_TYPE => {
                let allowed = json_list(params.get(param::MFAS_CAN_CHOOSE));
                ask(out, attempt, Challenge::SelectMfa(allowed))
            }
            wire_challenge::MFA_SETUP => {
                let allowed = json_list(params.get(param::MFAS_CAN_SETUP));
                let totp = allowed
                    .iter()
                    .any(|m| m == wire_challenge::SOFTWARE_TOKEN_MFA);
                let email = allowed.iter().any(|m| m == wire_challenge::EMAIL_OTP);
                match (totp, email) {
                    (true, true) => ask(out, attempt, Challenge::SelectMfaSetup(allowed)),
                    (false, true) => ask(out, attempt, Challenge::EmailSetup),
                    _ => self.associate_totp(out, attempt, session, None),
                }
            }
            wire_challenge::NEW_PASSWORD_REQUIRED => {
                let required = json_list(params.get(param::REQUIRED_ATTRIBUTES))
                    .into_iter()
                    .map(|a| {
                        a.trim_start_matches(param::USER_ATTRIBUTES_PREFIX)
                            .to_owned()
                    })
                    .collect();
                ask(out, attempt, Challenge::NewPassword(required))
            }
            wire_challenge::CUSTOM_CHALLENGE => {
                ask(out, attempt, Challenge::Custom(params.clone()))
            }
            wire_challenge::SELECT_CHALLENGE => {
                let mut available = resp.available_challenges.clone();
                if available.is_empty() {
                    available = json_list(params.get(param::AVAILABLE_CHALLENGES));
                }
                ask(out, attempt, Challenge::SelectFirstFactor(available))
            }
            wire_challenge::PASSWORD => match attempt.password.clone() {
                Some(pw) => {
                    let factor = wire_challenge::PASSWORD;
                    self.answer_password(out, attempt, factor, pw, session, None)
                }
                None => {
                    let factor = wire_challenge::PASSWORD.into();
                    ask(out, attempt, Challenge::Password { factor })
                }
            },
            other => {
                let err = AuthError::UnexpectedResponse {
                    message: format!("unsupported challenge {other}"),
                };
                self.fail_sign_in(out, attempt, err)
            }
        }
    }

    fn associate_totp(
        &mut self,
        out: &mut Outbox,
        attempt: Attempt,
        session: Option<Secret<String>>,
        previous: Option<Challenge>,
    ) -> State {
        let wait = self.user_pool(
            out,
            UserPoolRequest::AssociateSoftwareToken {
                access_token: None,
                session: session.clone(),
            },
            Awaiting::SignInUserPool,
        );
        let call = TotpCall::Associate { previous };
        State::setting_up_totp(
            attempt,
            SettingUpTotp {
                wait,
                session,
                call,
            },
        )
    }

    /// AssociateSoftwareToken or VerifySoftwareToken answered.
    pub(crate) fn on_totp_setup(
        &mut self,
        out: &mut Outbox,
        mut attempt: Attempt,
        step: SettingUpTotp,
        result: Result<&UserPoolResponse, &ServiceError>,
    ) -> State {
        let SettingUpTotp { session, call, .. } = step;
        match (call, result) {
            (
                TotpCall::Associate { .. },
                Ok(UserPoolResponse::AssociateSoftwareToken {
                    secret_code,
                    session: new,
                }),
            ) => {
                let session = new.clone().or(session);
                Self::ask(
                    out,
                    attempt,
                    Challenge::TotpSetup(secret_code.clone()),
                    session,
                )
            }
            (
                TotpCall::Verify { shared_secret },
                Ok(UserPoolResponse::VerifySoftwareToken {
                    status,
                    session: new,
                }),
            ) => {
                let session = new.clone().or(session);
                let challenge = Challenge::TotpSetup(shared_secret);
                if status != verify_status::SUCCESS {
                    attempt.reply(out, Err(AuthError::CodeMismatch));
                    return State::awaiting_challenge_answer(
                        attempt,
                        AwaitingAnswer { challenge, session },
                    );
                }
                let name = wire_challenge::MFA_SETUP;
                let extra = StringMap::new();
                self.respond(
                    out,
                    attempt,
                    name,
                    extra,
                    session,
                    Some(challenge),
                    None,
                    None,
                )
            }
            (call, Err(e)) if !e.is_not_authorized() => {
                // The session is still good for another try.
                let previous = match call {
                    TotpCall::Associate { previous } => previous,
                    TotpCall::Verify { shared_secret } => Some(Challenge::TotpSetup(shared_secret)),
                };
                let Some(challenge) = previous else {
                    // Nothing the app could answer: the sign-in cannot go on.
                    return self.fail_sign_in(out, attempt, AuthError::from(e));
                };
                attempt.reply(out, Err(AuthError::from(e)));
                State::awaiting_challenge_answer(attempt, AwaitingAnswer { challenge, session })
            }
            (_, Err(e)) => self.fail_sign_in(out, attempt, AuthError::from(e)),
            (_, Ok(_)) => {
                self.fail_sign_in(out, attempt, unexpected("a response of the wrong shape"))
            }
        }
    }

    fn answer_password(
        &mut self,
        out: &mut Outbox,
        mut attempt: Attempt,
        factor: &str,
        password: Secret<String>,
        session: Option<Secret<String>>,
        answering: Option<Challenge>,
    ) -> State {
        let name = wire_challenge::SELECT_CHALLENGE;
        if factor == wire_challenge::PASSWORD_SRP {
            attempt.password = Some(password);
            let then = AfterSrpA::PasswordSrp { session, answering };
            return self.compute_srp_a(out, attempt, then);
        }
        let mut extra = one(param::ANSWER, wire_challenge::PASSWORD.into());
        extra.insert(param::PASSWORD.into(), password.expose().clone());
        attempt.password = Some(password);
        self.respond(out, attempt, name, extra, session, answering, None, None)
    }

    /// The app answered the challenge in `waiting`.
    pub(crate) fn confirm_sign_in(
        &mut self,
        out: &mut Outbox,
        mut attempt: Attempt,
        waiting: AwaitingAnswer,
        confirm: &ConfirmSignIn<'_>,
    ) -> State {
        attempt.op = Some(confirm.op);
        if !confirm.metadata.is_empty() {
            attempt.client_metadata.clone_from(confirm.metadata);
        }
        let a = confirm.answer.expose().clone();
        let invalid = |out: &mut Outbox, mut attempt: Attempt, waiting, choices: &[String]| {
            let message = format!("choose one of {choices:?}");
            attempt.reply(out, Err(AuthError::InvalidParameter { message }));
            State::awaiting_challenge_answer(attempt, waiting)
        };
        match waiting.challenge.clone() {
            Challenge::SmsMfa(_) => {
                let extra = one(param::SMS_MFA_CODE, a);
                self.answer(out, attempt, wire_challenge::SMS_MFA, extra, waiting)
            }
            Challenge::SmsOtp(_) => {
                let extra = one(param::SMS_OTP_CODE, a);
                self.answer(out, attempt, wire_challenge::SMS_OTP, extra, waiting)
            }
            Challenge::EmailOtp(_) => {
                let extra = one(param::EMAIL_OTP_CODE, a);
                self.answer(out, attempt, wire_challenge::EMAIL_OTP, extra, waiting)
            }
            Challenge::Totp => {
                let extra = one(param::SOFTWARE_TOKEN_MFA_CODE, a);
                self.answer(
                    out,
                    attempt,
                    wire_challenge::SOFTWARE_TOKEN_MFA,
                    extra,
                    waiting,
                )
            }
            Challenge::SelectMfa(allowed) => {
                if !allowed.contains(&a) {
                    return invalid(out, attempt, waiting, &allowed);
                }
                let extra = one(param::ANSWER, a);
                self.answer(
                    out,
                    attempt,
                    wire_challenge::SELECT_MFA_TYPE,
                    extra,
                    waiting,
                )
            }
            Challenge::SelectMfaSetup(allowed) => {
                if !allowed.contains(&a) {
                    return invalid(out, attempt, waiting, &allowed);
                }
                if a == wire_challenge::EMAIL_OTP {
                    Self::ask(out, attempt, Challenge::EmailSetup, waiting.session)
                } else {
                    let AwaitingAnswer { challenge, session } = waiting;
                    self.associate_totp(out, attempt, session, Some(challenge))
                }
            }
            Challenge::EmailSetup => {
                let extra = one(param::EMAIL, a);
                self.answer(out, attempt, wire_challenge::MFA_SETUP, extra, waiting)
            }
            Challenge::TotpSetup(shared_secret) => {
                let wait = self.user_pool(
                    out,
                    UserPoolRequest::VerifySoftwareToken {
                        access_token: None,
                        session: waiting.session.clone(),
                        user_code: confirm.answer.clone(),
                        friendly_device_name: None,
                    },
                    Awaiting::SignInUserPool,
                );
                let session = waiting.session;
                let call = TotpCall::Verify { shared_secret };
                State::setting_up_totp(
                    attempt,
                    SettingUpTotp {
                        wait,
                        session,
                        call,
                    },
                )
            }
            Challenge::NewPassword(_) => {
                let mut extra = one(param::NEW_PASSWORD, a);
                for attr in confirm.attributes {
                    let key = format!("{}{}", param::USER_ATTRIBUTES_PREFIX, attr.name);
                    extra.insert(key, attr.value.clone());
                }
                self.answer(
                    out,
                    attempt,
                    wire_challenge::NEW_PASSWORD_REQUIRED,
                    extra,
                    waiting,
                )
            }
            Challenge::Custom(_) => {
                let extra = one(param::ANSWER, a);
                self.answer(
                    out,
                    attempt,
                    wire_challenge::CUSTOM_CHALLENGE,
                    extra,
                    waiting,
                )
            }
            Challenge::SelectFirstFactor(available) => {
                if !available.is_empty() && !available.contains(&a) {
                    return invalid(out, attempt, waiting, &available);
                }
                let is_password =
                    a == wire_challenge::PASSWORD || a == wire_challenge::PASSWORD_SRP;
                match attempt.password.clone() {
                    Some(pw) if is_password => {
                        let AwaitingAnswer { challenge, session } = waiting;
                        self.answer_password(out, attempt, &a, pw, session, Some(challenge))
                    }
                    None if is_password => Self::ask(
                        out,
                        attempt,
                        Challenge::Password { factor: a },
                        waiting.session,
                    ),
                    _ => {
                        let extra = one(param::ANSWER, a);
                        self.answer(
                            out,
                            attempt,
                            wire_challenge::SELECT_CHALLENGE,
                            extra,
                            waiting,
                        )
                    }
                }
            }
            Challenge::Password { factor } => {
                let AwaitingAnswer { challenge, session } = waiting;
                let pw = confirm.answer.clone();
                self.answer_password(out, attempt, &factor, pw, session, Some(challenge))
            }
        }
    }
}

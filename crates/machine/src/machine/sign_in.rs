//! Sign-in: USER_SRP_AUTH, USER_PASSWORD_AUTH, CUSTOM_AUTH (with and without SRP), USER_AUTH,
//! every challenge Cognito can answer with, device SRP, and new-device confirmation.
//!
//! The flow's data travels in [`SignInFlow`] from state to state; the functions here compute
//! the next step ([`Next`]) and the statig handlers turn it into a transition.

use serde::{Deserialize, Serialize};

use super::core::{Core, Outbox};
use crate::cognito::Attribute;
use crate::cognito::{
    AuthResponse, CodeDelivery, NewDeviceMetadata, ServiceError, StringMap, UserPoolRequest,
    UserPoolResponse,
};
use crate::config::AuthFlow;
use crate::error::AuthError;
use crate::input::EffectResult;
use crate::output::{Answer, Effect, EffectId, OperationId, SignInStep, UserState};
use crate::secret::Secret;
use crate::session::Tokens;
use crate::srp_task::{SrpOutput, SrpTask};

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
    fn step(&self) -> SignInStep {
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

/// What the flow's pending effect is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WaitFor {
    /// SRP_A for InitiateAuth.
    UserA,
    /// SRP_A for DEVICE_SRP_AUTH.
    DeviceA,
    /// SRP_A for USER_AUTH's PASSWORD_SRP choice.
    SelectSrpA,
    /// InitiateAuth.
    Initiate,
    /// RespondToAuthChallenge.
    Auth,
    /// A claim signature for PASSWORD_VERIFIER / DEVICE_PASSWORD_VERIFIER.
    Claim {
        /// The challenge answered.
        challenge: String,
        /// PASSWORD_CLAIM_SECRET_BLOCK to echo.
        secret_block: Secret<String>,
        /// TIMESTAMP to send.
        timestamp: String,
    },
    /// AssociateSoftwareToken during MFA_SETUP.
    Associate,
    /// VerifySoftwareToken during MFA_SETUP.
    VerifyTotp,
    /// The new device's verifier.
    DeviceVerifier,
    /// ConfirmDevice.
    ConfirmDevice {
        /// The device password to keep if confirmation succeeds.
        device_password: Secret<String>,
    },
}

/// Everything a sign-in carries from step to step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInFlow {
    /// The app call to answer at the next stop (sign_in or confirm_sign_in).
    pub op: Option<OperationId>,
    /// The user name as Cognito knows it (replaced by the challenge's USERNAME).
    pub username: String,
    /// The password, kept until the SRP claim is made.
    pub password: Option<Secret<String>>,
    /// The flow.
    pub flow: AuthFlow,
    /// USER_AUTH preferred first factor.
    pub preferred_challenge: Option<String>,
    /// Passed to Lambda triggers.
    pub client_metadata: StringMap,
    /// Random bytes of the current SRP ephemeral.
    pub ephemeral: Option<Secret<Vec<u8>>>,
    /// The `SRP_A` computed from them.
    #[serde(default)]
    pub srp_a: Option<String>,
    /// Cognito's session string.
    pub session: Option<Secret<String>>,
    /// The challenge awaiting the app's answer.
    pub challenge: Option<Challenge>,
    /// What the pending effect is for.
    pub waiting_for: Option<WaitFor>,
    /// Whether DEVICE_KEY was sent (a remembered device).
    pub device_key: Option<String>,
    /// Tokens obtained while the new device is confirmed.
    pub tokens: Option<Tokens>,
    /// The new device to confirm.
    pub new_device: Option<NewDeviceMetadata>,
    /// Where to go back to on failure.
    pub origin: Origin,
    /// Signed in through the hosted UI.
    pub hosted_ui: bool,
    /// The PASSWORD_VERIFIER challenge being answered, kept to answer it again once without
    /// the device key if Cognito no longer knows the device.
    #[serde(default)]
    pub srp_challenge: Option<StringMap>,
    /// Whether that retry happened.
    #[serde(default)]
    pub retried_without_device: bool,
}

/// What the flow does next.
#[derive(Debug)]
pub(crate) enum Next {
    /// Wait for this effect.
    Wait(EffectId),
    /// Wait for the app's answer (the step was replied).
    AwaitAnswer,
    /// Signed in.
    Complete(Tokens),
    /// Failed (the error was replied): go back to the origin.
    Fail,
}

fn json_list(s: Option<&String>) -> Vec<String> {
    s.and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
        .unwrap_or_default()
}

fn delivery(params: &StringMap) -> Option<CodeDelivery> {
    let medium = params.get("CODE_DELIVERY_DELIVERY_MEDIUM").cloned();
    let dest = params.get("CODE_DELIVERY_DESTINATION").cloned();
    (medium.is_some() || dest.is_some()).then_some(CodeDelivery {
        delivery_medium: medium,
        destination: dest,
        attribute_name: None,
    })
}

impl SignInFlow {
    /// A new flow for `username`.
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
            ephemeral: None,
            srp_a: None,
            session: None,
            challenge: None,
            waiting_for: None,
            device_key: None,
            tokens: None,
            new_device: None,
            origin,
            hosted_ui: false,
            srp_challenge: None,
            retried_without_device: false,
        }
    }

    fn fail(&mut self, out: &mut Outbox, err: AuthError) -> Next {
        if let Some(op) = self.op.take() {
            Core::reply(out, op, Err(err));
        }
        Next::Fail
    }

    fn ask(&mut self, out: &mut Outbox, challenge: Challenge) -> Next {
        if let Some(op) = self.op.take() {
            Core::reply(
                out,
                op,
                Ok(Answer::SignIn {
                    next_step: challenge.step(),
                }),
            );
        }
        self.challenge = Some(challenge);
        self.waiting_for = None;
        Next::AwaitAnswer
    }
}

impl Core {
    fn base_auth_params(&self, flow: &SignInFlow) -> StringMap {
        let mut p = StringMap::new();
        p.insert("USERNAME".into(), flow.username.clone());
        if let Some(h) = self.secret_hash(&flow.username) {
            p.insert("SECRET_HASH".into(), h.into_inner());
        }
        if let Some(k) = &flow.device_key {
            p.insert("DEVICE_KEY".into(), k.clone());
        }
        p
    }

    fn start_ephemeral(&mut self, out: &mut Outbox, flow: &mut SignInFlow, w: WaitFor) -> Next {
        let eph = Secret::new(self.rng.bytes(SrpTask::EPHEMERAL_RANDOM_LEN));
        flow.ephemeral = Some(eph.clone());
        flow.srp_a = None;
        flow.waiting_for = Some(w);
        Next::Wait(self.effect(
            out,
            Effect::Srp {
                task: SrpTask::PublicA { ephemeral: eph },
            },
        ))
    }

    /// Starts a sign-in: computes SRP_A first where the flow needs it.
    pub(crate) fn start_sign_in(&mut self, out: &mut Outbox, flow: &mut SignInFlow) -> Next {
        if self.config.user_pool.is_none() {
            return flow.fail(
                out,
                AuthError::NotConfigured {
                    what: "a user pool".into(),
                },
            );
        }
        flow.device_key = self
            .devices
            .get(&flow.username)
            .map(|d| d.device_key.clone());
        let needs_password = matches!(
            flow.flow,
            AuthFlow::UserSrpAuth | AuthFlow::UserPasswordAuth | AuthFlow::CustomAuthWithSrp
        );
        if needs_password && flow.password.as_ref().is_none_or(|p| p.expose().is_empty()) {
            return flow.fail(
                out,
                AuthError::InvalidParameter {
                    message: "this sign-in flow needs a password".into(),
                },
            );
        }
        if flow.username.is_empty() {
            return flow.fail(
                out,
                AuthError::InvalidParameter {
                    message: "the user name is empty".into(),
                },
            );
        }
        let srp_first = match flow.flow {
            AuthFlow::UserSrpAuth | AuthFlow::CustomAuthWithSrp => true,
            AuthFlow::UserAuth => {
                flow.preferred_challenge.as_deref() == Some("PASSWORD_SRP")
                    && flow.password.is_some()
            }
            _ => false,
        };
        if srp_first {
            self.start_ephemeral(out, flow, WaitFor::UserA)
        } else {
            self.initiate(out, flow, None)
        }
    }

    fn initiate(&mut self, out: &mut Outbox, flow: &mut SignInFlow, srp_a: Option<String>) -> Next {
        let mut p = self.base_auth_params(flow);
        if let Some(a) = srp_a {
            p.insert("SRP_A".into(), a);
        }
        match flow.flow {
            AuthFlow::UserPasswordAuth => {
                if let Some(pw) = &flow.password {
                    p.insert("PASSWORD".into(), pw.expose().clone());
                }
            }
            AuthFlow::CustomAuthWithSrp => {
                p.insert("CHALLENGE_NAME".into(), "SRP_A".into());
            }
            AuthFlow::UserAuth => {
                if let Some(pref) = &flow.preferred_challenge {
                    p.insert("PREFERRED_CHALLENGE".into(), pref.clone());
                    if pref == "PASSWORD" {
                        if let Some(pw) = &flow.password {
                            p.insert("PASSWORD".into(), pw.expose().clone());
                        }
                    }
                }
            }
            AuthFlow::UserSrpAuth | AuthFlow::CustomAuthWithoutSrp => {}
        }
        flow.waiting_for = Some(WaitFor::Initiate);
        Next::Wait(self.user_pool(
            out,
            UserPoolRequest::InitiateAuth {
                auth_flow: flow.flow.cognito_name().into(),
                auth_parameters: Secret::new(p),
                client_metadata: flow.client_metadata.clone(),
            },
        ))
    }

    fn respond(
        &mut self,
        out: &mut Outbox,
        flow: &mut SignInFlow,
        challenge_name: &str,
        extra: StringMap,
    ) -> Next {
        let mut p = self.base_auth_params(flow);
        p.extend(extra);
        flow.waiting_for = Some(WaitFor::Auth);
        Next::Wait(self.user_pool(
            out,
            UserPoolRequest::RespondToAuthChallenge {
                challenge_name: challenge_name.into(),
                challenge_responses: Secret::new(p),
                session: flow.session.clone(),
                client_metadata: flow.client_metadata.clone(),
            },
        ))
    }

    /// Handles the result of the flow's pending effect.
    pub(crate) fn sign_in_result(
        &mut self,
        out: &mut Outbox,
        flow: &mut SignInFlow,
        result: &EffectResult,
    ) -> Next {
        let Some(waiting_for) = flow.waiting_for.take() else {
            return flow.fail(out, unexpected("a result nobody waited for"));
        };
        match (waiting_for, result) {
            (WaitFor::UserA, EffectResult::Srp(Ok(SrpOutput::PublicA { srp_a }))) => {
                flow.srp_a = Some(srp_a.clone());
                self.initiate(out, flow, Some(srp_a.clone()))
            }
            (WaitFor::SelectSrpA, EffectResult::Srp(Ok(SrpOutput::PublicA { srp_a }))) => {
                flow.srp_a = Some(srp_a.clone());
                let mut extra = StringMap::new();
                extra.insert("ANSWER".into(), "PASSWORD_SRP".into());
                extra.insert("SRP_A".into(), srp_a.clone());
                self.respond(out, flow, "SELECT_CHALLENGE", extra)
            }
            (WaitFor::DeviceA, EffectResult::Srp(Ok(SrpOutput::PublicA { srp_a }))) => {
                flow.srp_a = Some(srp_a.clone());
                let mut extra = StringMap::new();
                extra.insert("SRP_A".into(), srp_a.clone());
                self.respond(out, flow, "DEVICE_SRP_AUTH", extra)
            }
            (
                WaitFor::Claim {
                    challenge,
                    secret_block,
                    timestamp,
                },
                EffectResult::Srp(Ok(SrpOutput::Claim { signature })),
            ) => {
                let mut extra = StringMap::new();
                extra.insert(
                    "PASSWORD_CLAIM_SECRET_BLOCK".into(),
                    secret_block.expose().clone(),
                );
                extra.insert(
                    "PASSWORD_CLAIM_SIGNATURE".into(),
                    signature.expose().clone(),
                );
                extra.insert("TIMESTAMP".into(), timestamp);
                self.respond(out, flow, &challenge, extra)
            }
            (WaitFor::DeviceVerifier, EffectResult::Srp(Ok(out_v))) => {
                self.confirm_device(out, flow, out_v)
            }
            (_, EffectResult::Srp(Err(e))) => flow.fail(
                out,
                AuthError::UnexpectedResponse {
                    message: e.message.clone(),
                },
            ),
            (
                WaitFor::Auth | WaitFor::Initiate,
                EffectResult::UserPool(Ok(UserPoolResponse::Auth(resp))),
            ) => self.on_auth_response(out, flow, resp),
            (WaitFor::Auth | WaitFor::Initiate, EffectResult::UserPool(Err(e))) => {
                self.on_auth_error(out, flow, e)
            }
            (
                WaitFor::Associate,
                EffectResult::UserPool(Ok(UserPoolResponse::AssociateSoftwareToken {
                    secret_code,
                    session,
                })),
            ) => {
                if session.is_some() {
                    flow.session.clone_from(session);
                }
                flow.ask(out, Challenge::TotpSetup(secret_code.clone()))
            }
            (
                WaitFor::VerifyTotp,
                EffectResult::UserPool(Ok(UserPoolResponse::VerifySoftwareToken {
                    status,
                    session,
                })),
            ) => {
                if session.is_some() {
                    flow.session.clone_from(session);
                }
                if status != "SUCCESS" {
                    if let Some(op) = flow.op.take() {
                        Core::reply(out, op, Err(AuthError::CodeMismatch));
                    }
                    flow.waiting_for = None;
                    return Next::AwaitAnswer;
                }
                self.respond(out, flow, "MFA_SETUP", StringMap::new())
            }
            (WaitFor::VerifyTotp | WaitFor::Associate, EffectResult::UserPool(Err(e))) => {
                // The session is still good for another try at the code.
                let err = AuthError::from(e);
                if e.is_not_authorized() {
                    return flow.fail(out, err);
                }
                if let Some(op) = flow.op.take() {
                    Core::reply(out, op, Err(err));
                }
                Next::AwaitAnswer
            }
            (WaitFor::ConfirmDevice { device_password }, EffectResult::UserPool(r)) => {
                let tokens = flow.tokens.take();
                let device = flow.new_device.take();
                match (r, device) {
                    (Ok(_), Some(d)) => {
                        self.devices.insert(
                            flow.username.clone(),
                            crate::session::DeviceSecrets {
                                device_key: d.device_key,
                                device_group_key: d.device_group_key,
                                device_password,
                            },
                        );
                    }
                    _ => Core::trace(out, "device confirmation failed; signed in without it"),
                }
                match tokens {
                    Some(t) => Next::Complete(t),
                    None => flow.fail(out, unexpected("tokens lost during device confirmation")),
                }
            }
            (_, _) => flow.fail(out, unexpected("a response of the wrong shape")),
        }
    }

    fn on_auth_error(&mut self, out: &mut Outbox, flow: &mut SignInFlow, e: &ServiceError) -> Next {
        // The remembered device is gone on the server: forget it and answer the password
        // challenge again without it (as the Amplify SDKs do), once.
        if e.short_code() == "ResourceNotFound" && !flow.retried_without_device {
            if let Some(params) = flow.srp_challenge.take() {
                flow.retried_without_device = true;
                self.devices.remove(&flow.username);
                flow.device_key = None;
                return self.claim(out, flow, &params, false);
            }
        }
        // Without an SRP challenge to answer again, start over without the device.
        if e.short_code() == "ResourceNotFound" && flow.device_key.is_some() {
            self.devices.remove(&flow.username);
            flow.device_key = None;
            flow.session = None;
            return self.start_sign_in(out, flow);
        }
        // A wrong code leaves Cognito's session usable: let the user try again.
        if flow.challenge.is_some() && matches!(e.short_code(), "CodeMismatch" | "ExpiredCode") {
            if let Some(op) = flow.op.take() {
                Core::reply(out, op, Err(AuthError::from(e)));
            }
            return Next::AwaitAnswer;
        }
        flow.fail(out, AuthError::from(e))
    }

    fn on_auth_response(
        &mut self,
        out: &mut Outbox,
        flow: &mut SignInFlow,
        resp: &AuthResponse,
    ) -> Next {
        // Each answer's Session (or its absence: Cognito sends none with PASSWORD_VERIFIER and
        // DEVICE_PASSWORD_VERIFIER) is what the next call must carry; an older one is spent.
        flow.session.clone_from(&resp.session);
        flow.srp_challenge = None;
        if let Some(result) = &resp.authentication_result {
            let tokens = match Tokens::from_jwts(
                result.access_token.clone(),
                result.id_token.clone(),
                result.refresh_token.clone(),
            ) {
                Ok(t) => t,
                Err(e) => return flow.fail(out, unexpected(&format!("tokens: {e}"))),
            };
            if let Some(device) = &result.new_device_metadata {
                flow.tokens = Some(tokens);
                flow.new_device = Some(device.clone());
                flow.waiting_for = Some(WaitFor::DeviceVerifier);
                let random = Secret::new(self.rng.bytes(SrpTask::DEVICE_RANDOM_LEN));
                return Next::Wait(self.effect(
                    out,
                    Effect::Srp {
                        task: SrpTask::DeviceVerifier {
                            device_group_key: device.device_group_key.clone(),
                            device_key: device.device_key.clone(),
                            random,
                        },
                    },
                ));
            }
            return Next::Complete(tokens);
        }
        let params = &resp.challenge_parameters;
        if let Some(u) = params.get("USERNAME") {
            flow.username.clone_from(u);
        }
        let Some(name) = resp.challenge_name.as_deref() else {
            return flow.fail(out, unexpected("neither tokens nor a challenge"));
        };
        match name {
            "PASSWORD_VERIFIER" => {
                flow.srp_challenge = Some(params.clone());
                self.claim(out, flow, params, false)
            }
            "DEVICE_PASSWORD_VERIFIER" => self.claim(out, flow, params, true),
            "DEVICE_SRP_AUTH" => {
                if self.devices.contains_key(&flow.username) {
                    self.start_ephemeral(out, flow, WaitFor::DeviceA)
                } else {
                    flow.fail(
                        out,
                        unexpected("DEVICE_SRP_AUTH without a remembered device"),
                    )
                }
            }
            "SMS_MFA" => flow.ask(out, Challenge::SmsMfa(delivery(params))),
            "SMS_OTP" => flow.ask(out, Challenge::SmsOtp(delivery(params))),
            "EMAIL_OTP" => flow.ask(out, Challenge::EmailOtp(delivery(params))),
            "SOFTWARE_TOKEN_MFA" => flow.ask(out, Challenge::Totp),
            "SELECT_MFA_TYPE" => flow.ask(
                out,
                Challenge::SelectMfa(json_list(params.get("MFAS_CAN_CHOOSE"))),
            ),
            "MFA_SETUP" => {
                let allowed = json_list(params.get("MFAS_CAN_SETUP"));
                let totp = allowed.iter().any(|m| m == "SOFTWARE_TOKEN_MFA");
                let email = allowed.iter().any(|m| m == "EMAIL_OTP");
                match (totp, email) {
                    (true, true) => flow.ask(out, Challenge::SelectMfaSetup(allowed)),
                    (false, true) => flow.ask(out, Challenge::EmailSetup),
                    _ => self.associate_totp(out, flow),
                }
            }
            "NEW_PASSWORD_REQUIRED" => {
                let required = json_list(params.get("requiredAttributes"))
                    .into_iter()
                    .map(|a| a.trim_start_matches("userAttributes.").to_owned())
                    .collect();
                flow.ask(out, Challenge::NewPassword(required))
            }
            "CUSTOM_CHALLENGE" => flow.ask(out, Challenge::Custom(params.clone())),
            "SELECT_CHALLENGE" => {
                let mut available = resp.available_challenges.clone();
                if available.is_empty() {
                    available = json_list(params.get("AVAILABLE_CHALLENGES"));
                }
                flow.ask(out, Challenge::SelectFirstFactor(available))
            }
            "PASSWORD" => match flow.password.clone() {
                Some(pw) => self.answer_password(out, flow, "PASSWORD", pw),
                None => flow.ask(
                    out,
                    Challenge::Password {
                        factor: "PASSWORD".into(),
                    },
                ),
            },
            other => flow.fail(
                out,
                AuthError::UnexpectedResponse {
                    message: format!("unsupported challenge {other}"),
                },
            ),
        }
    }

    fn associate_totp(&mut self, out: &mut Outbox, flow: &mut SignInFlow) -> Next {
        flow.waiting_for = Some(WaitFor::Associate);
        Next::Wait(self.user_pool(
            out,
            UserPoolRequest::AssociateSoftwareToken {
                access_token: None,
                session: flow.session.clone(),
            },
        ))
    }

    fn claim(
        &mut self,
        out: &mut Outbox,
        flow: &mut SignInFlow,
        params: &StringMap,
        device: bool,
    ) -> Next {
        let (Some(srp_b), Some(salt), Some(secret_block), Some(eph)) = (
            params.get("SRP_B"),
            params.get("SALT"),
            params.get("SECRET_BLOCK"),
            flow.ephemeral.clone(),
        ) else {
            return flow.fail(
                out,
                unexpected("an SRP challenge without SRP_B/SALT/SECRET_BLOCK"),
            );
        };
        let timestamp = match cognito_auth_srp::cognito_timestamp(self.now.unix_s()) {
            Ok(t) => t,
            Err(e) => return flow.fail(out, unexpected(&e.to_string())),
        };
        let secret_block = Secret::new(secret_block.clone());
        let task = if device {
            let Some(d) = self.devices.get(&flow.username) else {
                return flow.fail(out, unexpected("a device challenge without a device"));
            };
            SrpTask::DeviceClaim {
                ephemeral: eph,
                srp_a: flow.srp_a.clone(),
                device_group_key: d.device_group_key.clone(),
                device_key: d.device_key.clone(),
                device_password: d.device_password.clone(),
                srp_b: srp_b.clone(),
                salt: salt.clone(),
                secret_block: secret_block.clone(),
                timestamp: timestamp.clone(),
            }
        } else {
            let Some(password) = flow.password.clone() else {
                return flow.fail(
                    out,
                    AuthError::InvalidParameter {
                        message: "PASSWORD_VERIFIER needs the password".into(),
                    },
                );
            };
            let pool_name = self
                .config
                .user_pool
                .as_ref()
                .map(|p| p.pool_name().to_owned())
                .unwrap_or_default();
            SrpTask::UserClaim {
                ephemeral: eph,
                srp_a: flow.srp_a.clone(),
                pool_name,
                user_id_for_srp: params
                    .get("USER_ID_FOR_SRP")
                    .cloned()
                    .unwrap_or_else(|| flow.username.clone()),
                password,
                srp_b: srp_b.clone(),
                salt: salt.clone(),
                secret_block: secret_block.clone(),
                timestamp: timestamp.clone(),
            }
        };
        flow.waiting_for = Some(WaitFor::Claim {
            challenge: if device {
                "DEVICE_PASSWORD_VERIFIER".into()
            } else {
                "PASSWORD_VERIFIER".into()
            },
            secret_block,
            timestamp,
        });
        Next::Wait(self.effect(out, Effect::Srp { task }))
    }

    fn confirm_device(&mut self, out: &mut Outbox, flow: &mut SignInFlow, v: &SrpOutput) -> Next {
        let (
            SrpOutput::DeviceVerifier {
                password_verifier,
                salt,
                device_password,
            },
            Some(tokens),
            Some(device),
        ) = (v, &flow.tokens, &flow.new_device)
        else {
            return flow.fail(out, unexpected("device verifier of the wrong shape"));
        };
        flow.waiting_for = Some(WaitFor::ConfirmDevice {
            device_password: device_password.clone(),
        });
        Next::Wait(self.user_pool(
            out,
            UserPoolRequest::ConfirmDevice {
                access_token: tokens.access_token.clone(),
                device_key: device.device_key.clone(),
                password_verifier: password_verifier.clone(),
                salt: salt.clone(),
                device_name: Some("cognito-auth".into()),
            },
        ))
    }

    fn answer_password(
        &mut self,
        out: &mut Outbox,
        flow: &mut SignInFlow,
        factor: &str,
        password: Secret<String>,
    ) -> Next {
        flow.password = Some(password);
        if factor == "PASSWORD_SRP" {
            return self.start_ephemeral(out, flow, WaitFor::SelectSrpA);
        }
        let mut extra = StringMap::new();
        extra.insert("ANSWER".into(), "PASSWORD".into());
        if let Some(pw) = &flow.password {
            extra.insert("PASSWORD".into(), pw.expose().clone());
        }
        self.respond(out, flow, "SELECT_CHALLENGE", extra)
    }

    /// The app answered the current challenge.
    pub(crate) fn confirm_sign_in(
        &mut self,
        out: &mut Outbox,
        flow: &mut SignInFlow,
        op: OperationId,
        answer: &Secret<String>,
        attributes: &[Attribute],
        metadata: &StringMap,
    ) -> Next {
        let Some(challenge) = flow.challenge.clone() else {
            Core::reply(
                out,
                op,
                Err(AuthError::invalid_state(
                    "confirm_sign_in",
                    "no challenge is pending",
                )),
            );
            return Next::AwaitAnswer;
        };
        flow.op = Some(op);
        if !metadata.is_empty() {
            flow.client_metadata.clone_from(metadata);
        }
        let a = answer.expose().clone();
        let invalid = |flow: &mut SignInFlow, out: &mut Outbox, message: String| {
            if let Some(op) = flow.op.take() {
                Core::reply(out, op, Err(AuthError::InvalidParameter { message }));
            }
            Next::AwaitAnswer
        };
        let one = |k: &str, v: String| StringMap::from([(k.to_owned(), v)]);
        match challenge {
            Challenge::SmsMfa(_) => self.respond(out, flow, "SMS_MFA", one("SMS_MFA_CODE", a)),
            Challenge::SmsOtp(_) => self.respond(out, flow, "SMS_OTP", one("SMS_OTP_CODE", a)),
            Challenge::EmailOtp(_) => {
                self.respond(out, flow, "EMAIL_OTP", one("EMAIL_OTP_CODE", a))
            }
            Challenge::Totp => self.respond(
                out,
                flow,
                "SOFTWARE_TOKEN_MFA",
                one("SOFTWARE_TOKEN_MFA_CODE", a),
            ),
            Challenge::SelectMfa(allowed) => {
                if !allowed.contains(&a) {
                    return invalid(flow, out, format!("choose one of {allowed:?}"));
                }
                self.respond(out, flow, "SELECT_MFA_TYPE", one("ANSWER", a))
            }
            Challenge::SelectMfaSetup(allowed) => {
                if !allowed.contains(&a) {
                    return invalid(flow, out, format!("choose one of {allowed:?}"));
                }
                if a == "EMAIL_OTP" {
                    flow.ask(out, Challenge::EmailSetup)
                } else {
                    self.associate_totp(out, flow)
                }
            }
            Challenge::EmailSetup => self.respond(out, flow, "MFA_SETUP", one("EMAIL", a)),
            Challenge::TotpSetup(_) => {
                flow.waiting_for = Some(WaitFor::VerifyTotp);
                Next::Wait(self.user_pool(
                    out,
                    UserPoolRequest::VerifySoftwareToken {
                        access_token: None,
                        session: flow.session.clone(),
                        user_code: answer.clone(),
                        friendly_device_name: None,
                    },
                ))
            }
            Challenge::NewPassword(_) => {
                let mut extra = one("NEW_PASSWORD", a);
                for attr in attributes {
                    extra.insert(format!("userAttributes.{}", attr.name), attr.value.clone());
                }
                self.respond(out, flow, "NEW_PASSWORD_REQUIRED", extra)
            }
            Challenge::Custom(_) => self.respond(out, flow, "CUSTOM_CHALLENGE", one("ANSWER", a)),
            Challenge::SelectFirstFactor(available) => {
                if !available.is_empty() && !available.contains(&a) {
                    return invalid(flow, out, format!("choose one of {available:?}"));
                }
                match a.as_str() {
                    "PASSWORD" | "PASSWORD_SRP" => match flow.password.clone() {
                        Some(pw) => self.answer_password(out, flow, &a, pw),
                        None => flow.ask(out, Challenge::Password { factor: a }),
                    },
                    _ => self.respond(out, flow, "SELECT_CHALLENGE", one("ANSWER", a)),
                }
            }
            Challenge::Password { factor } => {
                self.answer_password(out, flow, &factor, answer.clone())
            }
        }
    }
}

fn unexpected(what: &str) -> AuthError {
    AuthError::UnexpectedResponse {
        message: what.to_owned(),
    }
}

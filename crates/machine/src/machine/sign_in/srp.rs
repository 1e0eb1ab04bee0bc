//! The SRP steps of a sign-in: a new ephemeral's random bytes (drawn here) and its SRP_A, the
//! password and device claims and the new device's verifier (all computed by the engine as
//! [`SrpTask`]s; the engine keeps the ephemeral between SRP_A and the claim), and the device
//! confirmation. Why the split lies there: `docs/ARCHITECTURE.md`, "Where SRP runs".

use serde::{Deserialize, Serialize};

use cognito_auth_wire::{challenge as wire_challenge, param};

use super::{
    one_param, unexpected, AfterSrpA, Attempt, ClaimRetry, ComputingClaim, ComputingSrpA,
    ConfirmingDevice, NewDevice, Shared,
};
use crate::cognito::{
    NewDeviceMetadata, ServiceError, StringMap, UserPoolRequest, UserPoolResponse,
};
use crate::error::AuthError;
use crate::machine::routing::Awaiting;
use crate::machine::shared::Outbox;
use crate::machine::State;
use crate::output::Effect;
use crate::secret::Secret;
use crate::session::{DeviceSecrets, Tokens};
use crate::srp_task::{SrpOutput, SrpTask};

/// A client ephemeral, as the machine knows it once the engine computed its `SRP_A`: the
/// engine keeps the secret part under that `SRP_A`, which the claim names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SrpEphemeral {
    /// `SRP_A` (hex).
    pub srp_a: String,
}

/// Which verifier challenge a claim answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ClaimKind {
    Password,
    Device,
}

impl Shared {
    /// Draws a new ephemeral's random bytes and asks the engine for its `SRP_A` (one modular
    /// exponentiation, off the machine); `then` says which request carries it. The bytes leave
    /// the machine here, once, and are not kept.
    pub(super) fn compute_srp_a(
        &mut self,
        out: &mut Outbox,
        attempt: Attempt,
        then: AfterSrpA,
    ) -> State {
        let ephemeral = Secret::new(self.rng.bytes(SrpTask::EPHEMERAL_RANDOM_LEN));
        let wait = self.effects.issue(
            out,
            Effect::Srp {
                task: SrpTask::PublicA { ephemeral },
            },
            Awaiting::SignInSrpA,
        );
        State::computing_srp_a(attempt, ComputingSrpA { wait, then })
    }

    /// `SRP_A` arrived: send it.
    pub(crate) fn on_srp_a(
        &mut self,
        out: &mut Outbox,
        attempt: Attempt,
        step: ComputingSrpA,
        srp_a: &str,
    ) -> State {
        let srp = SrpEphemeral {
            srp_a: srp_a.to_owned(),
        };
        match step.then {
            AfterSrpA::Initiate => self.initiate(out, attempt, Some(srp)),
            AfterSrpA::DeviceSrpAuth { session } => {
                let extra = one_param(param::SRP_A, srp.srp_a.clone());
                let name = wire_challenge::DEVICE_SRP_AUTH;
                self.respond(out, attempt, name, extra, session, None, Some(srp), None)
            }
            AfterSrpA::PasswordSrp { session, answering } => {
                let mut extra = one_param(param::ANSWER, wire_challenge::PASSWORD_SRP.into());
                extra.insert(param::SRP_A.into(), srp.srp_a.clone());
                let name = wire_challenge::SELECT_CHALLENGE;
                self.respond(
                    out,
                    attempt,
                    name,
                    extra,
                    session,
                    answering,
                    Some(srp),
                    None,
                )
            }
        }
    }

    /// Asks the engine for the claim signature answering a verifier challenge. A password
    /// claim is kept (`may_retry`) to be made once more without the device key.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn claim(
        &mut self,
        out: &mut Outbox,
        attempt: Attempt,
        params: &StringMap,
        kind: ClaimKind,
        srp: Option<SrpEphemeral>,
        session: Option<Secret<String>>,
        may_retry: bool,
    ) -> State {
        let (Some(srp_b), Some(salt), Some(secret_block), Some(srp)) = (
            params.get(param::SRP_B),
            params.get(param::SALT),
            params.get(param::SECRET_BLOCK),
            srp,
        ) else {
            let err = unexpected("an SRP challenge without SRP_B/SALT/SECRET_BLOCK");
            return self.fail_sign_in(out, attempt, err);
        };
        let timestamp = match cognito_auth_srp::cognito_timestamp(self.now.unix_s()) {
            Ok(t) => t,
            Err(e) => return self.fail_sign_in(out, attempt, unexpected(&e.to_string())),
        };
        let secret_block = Secret::new(secret_block.clone());
        let (task, challenge, retry) = match kind {
            ClaimKind::Device => {
                let Some(d) = self.devices.get(&attempt.username) else {
                    let err = unexpected("a device challenge without a device");
                    return self.fail_sign_in(out, attempt, err);
                };
                let task = SrpTask::DeviceClaim {
                    srp_a: srp.srp_a.clone(),
                    device_group_key: d.device_group_key.clone(),
                    device_key: d.device_key.clone(),
                    device_password: d.device_password.clone(),
                    srp_b: srp_b.clone(),
                    salt: salt.clone(),
                    secret_block: secret_block.clone(),
                    timestamp: timestamp.clone(),
                };
                (task, wire_challenge::DEVICE_PASSWORD_VERIFIER, None)
            }
            ClaimKind::Password => {
                let Some(password) = attempt.password.clone() else {
                    let err = AuthError::InvalidParameter {
                        message: "PASSWORD_VERIFIER needs the password".into(),
                    };
                    return self.fail_sign_in(out, attempt, err);
                };
                let pool_name = self
                    .config
                    .user_pool
                    .as_ref()
                    .map(|p| p.pool_name().to_owned())
                    .unwrap_or_default();
                let task = SrpTask::UserClaim {
                    srp_a: srp.srp_a.clone(),
                    keep: may_retry,
                    pool_name,
                    user_id_for_srp: params
                        .get(param::USER_ID_FOR_SRP)
                        .cloned()
                        .unwrap_or_else(|| attempt.username.clone()),
                    password,
                    srp_b: srp_b.clone(),
                    salt: salt.clone(),
                    secret_block: secret_block.clone(),
                    timestamp: timestamp.clone(),
                };
                let retry = may_retry.then(|| ClaimRetry {
                    params: params.clone(),
                    srp,
                });
                (task, wire_challenge::PASSWORD_VERIFIER, retry)
            }
        };
        let wait = self
            .effects
            .issue(out, Effect::Srp { task }, Awaiting::SignInSrp);
        State::computing_claim(
            attempt,
            ComputingClaim {
                wait,
                challenge: challenge.into(),
                secret_block,
                timestamp,
                session,
                retry,
            },
        )
    }

    /// The claim signature arrived: send it.
    pub(crate) fn on_claim(
        &mut self,
        out: &mut Outbox,
        attempt: Attempt,
        step: ComputingClaim,
        result: &SrpOutput,
    ) -> State {
        let SrpOutput::Claim { signature } = result else {
            let err = unexpected("a response of the wrong shape");
            return self.fail_sign_in(out, attempt, err);
        };
        let mut extra = StringMap::new();
        extra.insert(
            param::PASSWORD_CLAIM_SECRET_BLOCK.into(),
            step.secret_block.expose().clone(),
        );
        extra.insert(
            param::PASSWORD_CLAIM_SIGNATURE.into(),
            signature.expose().clone(),
        );
        extra.insert(param::TIMESTAMP.into(), step.timestamp);
        self.respond(
            out,
            attempt,
            &step.challenge,
            extra,
            step.session,
            None,
            None,
            step.retry,
        )
    }

    /// Signed in with a new device: ask the engine for its verifier.
    pub(super) fn new_device(
        &mut self,
        out: &mut Outbox,
        attempt: Attempt,
        tokens: Tokens,
        device: NewDeviceMetadata,
    ) -> State {
        let random = Secret::new(self.rng.bytes(SrpTask::DEVICE_RANDOM_LEN));
        let wait = self.effects.issue(
            out,
            Effect::Srp {
                task: SrpTask::DeviceVerifier {
                    device_group_key: device.device_group_key.clone(),
                    device_key: device.device_key.clone(),
                    random,
                },
            },
            Awaiting::SignInSrp,
        );
        State::computing_device_verifier(
            attempt,
            NewDevice {
                wait,
                tokens,
                device,
            },
        )
    }

    /// The verifier arrived: confirm the device.
    pub(crate) fn on_device_verifier(
        &mut self,
        out: &mut Outbox,
        attempt: Attempt,
        step: NewDevice,
        result: &SrpOutput,
    ) -> State {
        let SrpOutput::DeviceVerifier {
            password_verifier,
            salt,
            device_password,
        } = result
        else {
            let err = unexpected("device verifier of the wrong shape");
            return self.fail_sign_in(out, attempt, err);
        };
        let wait = self.user_pool(
            out,
            UserPoolRequest::ConfirmDevice {
                access_token: step.tokens.access_token.clone(),
                device_key: step.device.device_key.clone(),
                password_verifier: password_verifier.clone(),
                salt: salt.clone(),
                device_name: Some("cognito-auth".into()),
            },
            Awaiting::SignInUserPool,
        );
        State::confirming_device(
            attempt,
            ConfirmingDevice {
                wait,
                tokens: step.tokens,
                device: step.device,
                device_password: device_password.clone(),
            },
        )
    }

    /// ConfirmDevice answered: remember the device if it worked; signed in either way.
    pub(crate) fn on_device_confirmed(
        &mut self,
        out: &mut Outbox,
        attempt: Attempt,
        step: ConfirmingDevice,
        result: Result<&UserPoolResponse, &ServiceError>,
    ) -> State {
        if result.is_ok() {
            self.devices.insert(
                attempt.username.clone(),
                DeviceSecrets {
                    device_key: step.device.device_key,
                    device_group_key: step.device.device_group_key,
                    device_password: step.device_password,
                },
            );
        } else {
            Shared::trace(out, "device confirmation failed; signed in without it");
        }
        self.complete_sign_in(out, attempt.op, step.tokens, false, None, &attempt.origin)
    }
}

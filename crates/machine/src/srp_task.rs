//! SRP computations the machine delegates to the engine (they cost milliseconds of CPU, so the
//! engine runs them off its async threads). [`SrpTask::run`] computes one with
//! `cognito-auth-srp`, and replaying a log feeds back the recorded result instead.
//!
//! The client ephemeral crosses the machine/engine boundary once: the machine sends its random
//! bytes in [`SrpTask::PublicA`], the executor computes `SRP_A`, keeps the ephemeral in its
//! [`KeptEphemerals`] and answers with `SRP_A` only; the claims then name the ephemeral by that
//! `SRP_A` (`docs/ARCHITECTURE.md`, "Where SRP runs").

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// An SRP computation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "srp")]
pub enum SrpTask {
    /// Compute `SRP_A` from a new ephemeral's random bytes and keep the ephemeral for the claim
    /// that will name it (answered with [`SrpOutput::PublicA`]).
    PublicA {
        /// Random bytes of the ephemeral ([`SrpTask::EPHEMERAL_RANDOM_LEN`]).
        ephemeral: Secret<Vec<u8>>,
    },
    /// Answer PASSWORD_VERIFIER: the password claim signature.
    UserClaim {
        /// The `SRP_A` a [`SrpTask::PublicA`] answered: names the kept ephemeral.
        srp_a: String,
        /// Keep the ephemeral after this claim: the claim may be made once more (without the
        /// device key) if Cognito has forgotten the remembered device.
        keep: bool,
        /// Pool name (the part of the pool id after `_`).
        pool_name: String,
        /// `USER_ID_FOR_SRP` from the challenge.
        user_id_for_srp: String,
        /// The password.
        password: Secret<String>,
        /// `SRP_B` (hex).
        srp_b: String,
        /// `SALT` (hex).
        salt: String,
        /// `SECRET_BLOCK` (base64).
        secret_block: Secret<String>,
        /// Cognito-format timestamp, also sent as `TIMESTAMP`.
        timestamp: String,
    },
    /// Answer DEVICE_PASSWORD_VERIFIER: the device claim signature.
    DeviceClaim {
        /// The device `SRP_A` a [`SrpTask::PublicA`] answered: names the kept ephemeral.
        srp_a: String,
        /// Device group key.
        device_group_key: String,
        /// Device key.
        device_key: String,
        /// Device password.
        device_password: Secret<String>,
        /// `SRP_B` (hex).
        srp_b: String,
        /// `SALT` (hex).
        salt: String,
        /// `SECRET_BLOCK` (base64).
        secret_block: Secret<String>,
        /// Cognito-format timestamp.
        timestamp: String,
    },
    /// Make a new device's password, salt and verifier for `ConfirmDevice`.
    DeviceVerifier {
        /// Device group key.
        device_group_key: String,
        /// Device key.
        device_key: String,
        /// Random bytes for the device password and salt.
        random: Secret<Vec<u8>>,
    },
}

/// The result of an [`SrpTask`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "srp")]
pub enum SrpOutput {
    /// `SRP_A` (hex) of the ephemeral the executor now keeps.
    PublicA {
        /// `SRP_A`, public.
        srp_a: String,
    },
    /// `PASSWORD_CLAIM_SIGNATURE` (base64).
    Claim {
        /// The signature.
        signature: Secret<String>,
    },
    /// What `ConfirmDevice` needs, and the password to keep.
    DeviceVerifier {
        /// Base64 verifier.
        password_verifier: Secret<String>,
        /// Base64 salt.
        salt: String,
        /// The device password to store.
        device_password: Secret<String>,
    },
}

/// Why an SRP computation failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SrpFailureKind {
    /// Bad values: `B mod N = 0`, malformed hex or base64, too few random bytes.
    #[default]
    Computation,
    /// A claim named an ephemeral the executor does not keep (the engine restarted since its
    /// `SRP_A`, or it was evicted or already used).
    EphemeralNotKept,
}

/// An SRP computation failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("SRP failed: {message}")]
pub struct SrpFailure {
    /// Why.
    #[serde(default)]
    pub kind: SrpFailureKind,
    /// What went wrong (never contains secret values).
    pub message: String,
}

impl SrpFailure {
    /// A failed computation.
    pub fn computation(message: impl Into<String>) -> Self {
        Self {
            kind: SrpFailureKind::Computation,
            message: message.into(),
        }
    }

    fn not_kept() -> Self {
        Self {
            kind: SrpFailureKind::EphemeralNotKept,
            message: "no ephemeral is kept for this SRP_A".to_owned(),
        }
    }
}

/// The client ephemerals an SRP executor keeps between [`SrpTask::PublicA`] and the claim
/// that uses it, keyed by their `SRP_A`. Bounded: a new one beyond [`KeptEphemerals::CAPACITY`]
/// evicts the oldest (one machine has one sign-in at a time, which needs at most two: the
/// password's and the device's). A claim removes the one it uses (unless it says `keep`).
#[derive(Default)]
pub struct KeptEphemerals {
    kept: VecDeque<(String, cognito_auth_srp::ClientEphemeral)>,
}

impl fmt::Debug for KeptEphemerals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeptEphemerals")
            .field("kept", &self.kept.len())
            .finish()
    }
}

impl KeptEphemerals {
    /// How many ephemerals are kept at most.
    pub const CAPACITY: usize = 4;

    /// How many ephemerals are kept now.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// Keeps `eph` under `srp_a`, replacing one kept under the same `SRP_A` and evicting the
    /// oldest beyond the capacity.
    fn keep(&mut self, srp_a: String, eph: cognito_auth_srp::ClientEphemeral) {
        self.kept.retain(|(a, _)| *a != srp_a);
        if self.kept.len() >= Self::CAPACITY {
            self.kept.pop_front();
        }
        self.kept.push_back((srp_a, eph));
    }

    /// The ephemeral kept under `srp_a`: removed, or left in place with `keep`.
    fn take(
        &mut self,
        srp_a: &str,
        keep: bool,
    ) -> Result<cognito_auth_srp::ClientEphemeral, SrpFailure> {
        let at = self
            .kept
            .iter()
            .position(|(a, _)| a == srp_a)
            .ok_or_else(SrpFailure::not_kept)?;
        if keep {
            return Ok(self.kept[at].1.clone());
        }
        self.kept
            .remove(at)
            .map(|(_, eph)| eph)
            .ok_or_else(SrpFailure::not_kept)
    }
}

impl SrpTask {
    /// Random bytes the machine draws for an ephemeral.
    pub const EPHEMERAL_RANDOM_LEN: usize = cognito_auth_srp::ClientEphemeral::RANDOM_LEN;
    /// Random bytes the machine draws for a device verifier.
    pub const DEVICE_RANDOM_LEN: usize = cognito_auth_srp::DEVICE_VERIFIER_RANDOM_LEN;

    /// Performs the computation (pure and CPU-bound, about a millisecond), keeping a
    /// [`SrpTask::PublicA`]'s ephemeral in `kept` and taking a claim's from it. The lock is held
    /// only to put or take an ephemeral, never during an exponentiation, so an executor running
    /// tasks on several threads shares one store.
    ///
    /// # Errors
    /// Bad server values (`B mod N = 0`, malformed hex or base64) or too few random bytes
    /// ([`SrpFailureKind::Computation`]); a claim whose ephemeral `kept` does not hold
    /// ([`SrpFailureKind::EphemeralNotKept`]).
    pub fn run(self, kept: &Mutex<KeptEphemerals>) -> Result<SrpOutput, SrpFailure> {
        use cognito_auth_srp as srp;
        let fail = |e: srp::SrpError| SrpFailure::computation(e.to_string());
        let lock = || kept.lock().unwrap_or_else(PoisonError::into_inner);
        match self {
            Self::PublicA { ephemeral } => {
                let eph = srp::ClientEphemeral::from_random(ephemeral.expose()).map_err(fail)?;
                let srp_a = eph.public_a_hex();
                lock().keep(srp_a.clone(), eph);
                Ok(SrpOutput::PublicA { srp_a })
            }
            Self::UserClaim {
                srp_a,
                keep,
                pool_name,
                user_id_for_srp,
                password,
                srp_b,
                salt,
                secret_block,
                timestamp,
            } => {
                let eph = lock().take(&srp_a, keep)?;
                let signature = srp::user_password_claim(
                    &eph,
                    &srp::UserClaimInput {
                        pool_name: &pool_name,
                        user_id_for_srp: &user_id_for_srp,
                        password: password.expose(),
                        srp_b_hex: &srp_b,
                        salt_hex: &salt,
                        secret_block_b64: secret_block.expose(),
                        timestamp: &timestamp,
                    },
                )
                .map_err(fail)?;
                Ok(SrpOutput::Claim {
                    signature: Secret::new(signature),
                })
            }
            Self::DeviceClaim {
                srp_a,
                device_group_key,
                device_key,
                device_password,
                srp_b,
                salt,
                secret_block,
                timestamp,
            } => {
                let eph = lock().take(&srp_a, false)?;
                let signature = srp::device_password_claim(
                    &eph,
                    &srp::DeviceClaimInput {
                        device_group_key: &device_group_key,
                        device_key: &device_key,
                        device_password: device_password.expose(),
                        srp_b_hex: &srp_b,
                        salt_hex: &salt,
                        secret_block_b64: secret_block.expose(),
                        timestamp: &timestamp,
                    },
                )
                .map_err(fail)?;
                Ok(SrpOutput::Claim {
                    signature: Secret::new(signature),
                })
            }
            Self::DeviceVerifier {
                device_group_key,
                device_key,
                random,
            } => {
                let v = srp::device_verifier(&device_group_key, &device_key, random.expose())
                    .map_err(fail)?;
                Ok(SrpOutput::DeviceVerifier {
                    password_verifier: Secret::new(v.password_verifier_b64),
                    salt: v.salt_b64,
                    device_password: Secret::new(v.device_password.expose().to_owned()),
                })
            }
        }
    }
}

//! SRP computations the machine delegates to the engine (they cost milliseconds of CPU, so the
//! engine runs them off its async threads). Each task is pure: [`SrpTask::run`] computes it with
//! `cognito-auth-srp`, and replaying a log feeds back the recorded result instead.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// An SRP computation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "srp")]
pub enum SrpTask {
    /// Answer PASSWORD_VERIFIER: the password claim signature.
    UserClaim {
        /// The same random bytes as for `SRP_A`.
        ephemeral: Secret<Vec<u8>>,
        /// The `SRP_A` computed from them (saves recomputing it).
        srp_a: Option<String>,
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
        /// The same random bytes as for the device `SRP_A`.
        ephemeral: Secret<Vec<u8>>,
        /// The device `SRP_A` computed from them.
        srp_a: Option<String>,
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

/// An SRP computation failed (bad server values such as `B mod N = 0`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("SRP failed: {message}")]
pub struct SrpFailure {
    /// What went wrong (never contains secret values).
    pub message: String,
}

impl SrpTask {
    /// Random bytes the machine draws for an ephemeral.
    pub const EPHEMERAL_RANDOM_LEN: usize = cognito_auth_srp::ClientEphemeral::RANDOM_LEN;
    /// Random bytes the machine draws for a device verifier.
    pub const DEVICE_RANDOM_LEN: usize = cognito_auth_srp::DEVICE_VERIFIER_RANDOM_LEN;

    /// Performs the computation. Pure and CPU-bound (about a millisecond).
    ///
    /// # Errors
    /// Bad server values (`B mod N = 0`, malformed hex or base64) or too few random bytes.
    pub fn run(&self) -> Result<SrpOutput, SrpFailure> {
        use cognito_auth_srp as srp;
        let fail = |e: srp::SrpError| SrpFailure {
            message: e.to_string(),
        };
        match self {
            Self::UserClaim {
                ephemeral,
                srp_a,
                pool_name,
                user_id_for_srp,
                password,
                srp_b,
                salt,
                secret_block,
                timestamp,
            } => {
                let eph = ephemeral_for_claim(ephemeral, srp_a.as_deref()).map_err(fail)?;
                let signature = srp::user_password_claim(
                    &eph,
                    &srp::UserClaimInput {
                        pool_name,
                        user_id_for_srp,
                        password: password.expose(),
                        srp_b_hex: srp_b,
                        salt_hex: salt,
                        secret_block_b64: secret_block.expose(),
                        timestamp,
                    },
                )
                .map_err(fail)?;
                Ok(SrpOutput::Claim {
                    signature: Secret::new(signature),
                })
            }
            Self::DeviceClaim {
                ephemeral,
                srp_a,
                device_group_key,
                device_key,
                device_password,
                srp_b,
                salt,
                secret_block,
                timestamp,
            } => {
                let eph = ephemeral_for_claim(ephemeral, srp_a.as_deref()).map_err(fail)?;
                let signature = srp::device_password_claim(
                    &eph,
                    &srp::DeviceClaimInput {
                        device_group_key,
                        device_key,
                        device_password: device_password.expose(),
                        srp_b_hex: srp_b,
                        salt_hex: salt,
                        secret_block_b64: secret_block.expose(),
                        timestamp,
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
                let v = srp::device_verifier(device_group_key, device_key, random.expose())
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

fn ephemeral_for_claim(
    ephemeral: &Secret<Vec<u8>>,
    srp_a: Option<&str>,
) -> Result<cognito_auth_srp::ClientEphemeral, cognito_auth_srp::SrpError> {
    match srp_a {
        Some(a) => {
            cognito_auth_srp::ClientEphemeral::from_random_with_public(ephemeral.expose(), a)
        }
        None => cognito_auth_srp::ClientEphemeral::from_random(ephemeral.expose()),
    }
}

//! SRP computations the machine delegates to the engine (they cost milliseconds of CPU, so the
//! engine runs them off its async threads). Each task is pure: [`SrpTask::run`] computes it with
//! `cognito-auth-srp`, and replaying a log feeds back the recorded result instead.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// An SRP computation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "srp")]
#[non_exhaustive]
pub enum SrpTask {
    /// Compute the public ephemeral `A = g^a` (`SRP_A`) from the secret's random bytes.
    PublicA {
        /// Random bytes the ephemeral `a` is made from.
        ephemeral: Secret<Vec<u8>>,
    },
    /// Answer PASSWORD_VERIFIER: the password claim signature.
    UserClaim {
        /// The same random bytes as for `SRP_A`.
        ephemeral: Secret<Vec<u8>>,
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
#[non_exhaustive]
pub enum SrpOutput {
    /// `SRP_A` (hex).
    PublicA {
        /// Hex of A.
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

/// An SRP computation failed (bad server values such as `B mod N = 0`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("SRP failed: {message}")]
pub struct SrpFailure {
    /// What went wrong (never contains secret values).
    pub message: String,
}

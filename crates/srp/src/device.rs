//! ConfirmDevice's verifier: a random device password and salt, and v = g^x for them, encoded
//! the way ConfirmDevice's `DeviceSecretVerifierConfig` expects.

use crate::encoding::{b64_encode, pad};
use crate::secret::SecretString;
use crate::server::Verifier;
use crate::SrpError;

/// Random bytes [`device_verifier`] reads: 40 for the device password (as Amplify), then 16 for
/// the salt.
pub const DEVICE_VERIFIER_RANDOM_LEN: usize = 56;
const PASSWORD_BYTES: usize = 40;

/// The result of [`device_verifier`]: what to send to ConfirmDevice, and the device password to
/// keep (as a secret) for later DEVICE_SRP_AUTH sign-ins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceVerifier {
    /// `DeviceSecretVerifierConfig.PasswordVerifier`: base64 of PAD(g^x mod N).
    pub password_verifier_b64: String,
    /// `DeviceSecretVerifierConfig.Salt`: base64 of PAD(salt).
    pub salt_b64: String,
    /// The device password: base64 of 40 random bytes. `Debug` redacts it.
    pub device_password: SecretString,
}

/// Makes a device password and salt from `random` (exactly [`DEVICE_VERIFIER_RANDOM_LEN`]
/// bytes) and the verifier for them, as amazon-cognito-identity-js `generateHashDevice` does:
/// x = H(PAD(salt) || H(device_group_key || device_key || ":" || device_password)).
///
/// # Errors
/// [`SrpError::NotEnoughRandom`] if `random` is too short, [`SrpError::TooMuchRandom`] if it is
/// too long.
pub fn device_verifier(
    device_group_key: &str,
    device_key: &str,
    random: &[u8],
) -> Result<DeviceVerifier, SrpError> {
    if random.len() > DEVICE_VERIFIER_RANDOM_LEN {
        return Err(SrpError::TooMuchRandom {
            accepted: DEVICE_VERIFIER_RANDOM_LEN,
            got: random.len(),
        });
    }
    let Some(random) = random.get(..DEVICE_VERIFIER_RANDOM_LEN) else {
        return Err(SrpError::NotEnoughRandom {
            needed: DEVICE_VERIFIER_RANDOM_LEN,
            got: random.len(),
        });
    };
    let (password_bytes, salt) = random.split_at(PASSWORD_BYTES);
    let device_password = SecretString::new(b64_encode(password_bytes));
    // The SDKs read the 16 salt bytes as an integer and send PAD of it.
    let salt = pad(salt);
    let verifier = Verifier::compute(
        device_group_key,
        device_key,
        device_password.expose(),
        &salt,
    );
    Ok(DeviceVerifier {
        password_verifier_b64: verifier.verifier_b64(),
        salt_b64: b64_encode(&salt),
        device_password,
    })
}

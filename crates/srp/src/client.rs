//! The client half: the ephemeral `a`/A, and the PASSWORD_CLAIM_SIGNATURE for the
//! PASSWORD_VERIFIER (user SRP) and DEVICE_PASSWORD_VERIFIER (device SRP) challenges.

use std::fmt;

use zeroize::Zeroizing;

use crate::encoding::{b64_decode, b64_encode, hex_decode};
use crate::group::{self, PublicValue};
use crate::mont::{self, Limbs};
use crate::secret::{Redacted, SecretLimbs};
use crate::SrpError;

/// Limbs of the ephemeral secret (576 bits).
pub(crate) const EPHEMERAL_LIMBS: usize = 9;
/// Bits of the ephemeral secret.
pub(crate) const EPHEMERAL_BITS: usize = EPHEMERAL_LIMBS * 64;
/// Bits of `a + u*x`: u and x are 256-bit, so u*x < 2^512 and the sum < 2^577.
const SECRET_EXP_BITS: usize = EPHEMERAL_BITS + 1;

/// The client's ephemeral key pair (`a`, A = g^a mod N) for one SRP exchange.
///
/// Deterministic: the same random bytes always give the same `a` and A, so a caller that must
/// survive between InitiateAuth and RespondToAuthChallenge (for example a state machine persisted
/// as JSON) can store just the random bytes, as a secret, and call
/// [`ClientEphemeral::from_random`] again.
///
/// Why 576 bits for `a` (Amplify draws 1024): the secret exponent is `a + u*x` with u*x < 2^512;
/// a 576-bit `a` hides u*x behind 64 bits of statistical masking, and the exponentiation costs
/// about half of what a 1024-bit `a` would. Our exponentiation is constant time besides.
#[derive(Clone)]
pub struct ClientEphemeral {
    a: SecretLimbs<EPHEMERAL_LIMBS>,
    public: Limbs,
}

impl ClientEphemeral {
    /// Random bytes [`ClientEphemeral::from_random`] reads: 72 (576 bits).
    pub const RANDOM_LEN: usize = EPHEMERAL_LIMBS * 8;

    /// Derives `a` from the first [`Self::RANDOM_LEN`] bytes of `random` (big-endian; later bytes
    /// are ignored) and computes A = g^a mod N (about 0.5 ms; call it before the user submits).
    ///
    /// # Errors
    /// [`SrpError::NotEnoughRandom`] if `random` is shorter than [`Self::RANDOM_LEN`],
    /// [`SrpError::DegenerateRandom`] if those bytes are all zero.
    pub fn from_random(random: &[u8]) -> Result<Self, SrpError> {
        let a = group::ephemeral_from_random::<EPHEMERAL_LIMBS>(random)?;
        let public = mont::from_mont(&mont::g_pow_ct(&a.0, EPHEMERAL_BITS));
        Ok(Self { a, public })
    }

    /// Rebuilds the ephemeral from its random bytes and the `SRP_A` that
    /// [`ClientEphemeral::public_a_hex`] returned for them earlier, skipping the exponentiation
    /// (about 0.5 ms) on the critical path after the challenge arrives. A mismatched `srp_a_hex`
    /// makes the claim fail verification; it cannot leak anything.
    ///
    /// # Errors
    /// As [`ClientEphemeral::from_random`], and [`SrpError::InvalidHex`] for `srp_a_hex`.
    pub fn from_random_with_public(random: &[u8], srp_a_hex: &str) -> Result<Self, SrpError> {
        let a = group::ephemeral_from_random::<EPHEMERAL_LIMBS>(random)?;
        let public = PublicValue::from_be(&hex_decode(srp_a_hex, "SRP_A")?).residue;
        Ok(Self { a, public })
    }

    /// A as minimal lowercase hex: the `SRP_A` auth parameter.
    pub fn public_a_hex(&self) -> String {
        PublicValue::from_residue(self.public).minimal_hex()
    }

    /// The 16-byte claim key for a challenge, from the prefix (pool name or device group key),
    /// the id (USER_ID_FOR_SRP or device key) and the password.
    fn claim_key(
        &self,
        prefix: &str,
        id: &str,
        password: &str,
        srp_b_hex: &str,
        salt_hex: &str,
    ) -> Result<Zeroizing<[u8; 16]>, SrpError> {
        let b = PublicValue::from_be(&hex_decode(srp_b_hex, "SRP_B")?);
        if mont::is_zero(&b.residue) {
            return Err(SrpError::ServerPublicZero);
        }
        let salt = hex_decode(salt_hex, "SALT")?;
        let a_pub = PublicValue::from_residue(self.public);
        let u_bytes = group::scrambler(&a_pub, &b)?;
        let u: [u64; 4] = mont::small_from_be(&u_bytes);
        let x = group::private_x(prefix, id, password, &salt);

        // base = B - k * g^x (mod N), all in Montgomery form.
        let gx = SecretLimbs(mont::g_pow_ct(&x.0, 256));
        let kgx = SecretLimbs(mont::mont_mul(group::k_mont(), &gx.0));
        let base = SecretLimbs(mont::sub_mod(&mont::to_mont(&b.residue), &kgx.0));

        // exponent = a + u * x, over 10 limbs (< 2^577).
        let ux = SecretLimbs::<10>(mont::mul_small::<4, 4, 10>(&u, &x.0));
        let mut a_wide = SecretLimbs([0u64; 10]);
        a_wide.0[..EPHEMERAL_LIMBS].copy_from_slice(&self.a.0);
        let exp = SecretLimbs(mont::add_small(&a_wide.0, &ux.0));

        let s_mont = SecretLimbs(mont::pow_ct(&base.0, &exp.0, SECRET_EXP_BITS));
        let s = SecretLimbs(mont::from_mont(&s_mont.0));
        Ok(group::claim_key(&s.0, &u_bytes))
    }
}

impl fmt::Debug for ClientEphemeral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientEphemeral")
            .field("a", &Redacted)
            .finish_non_exhaustive()
    }
}

/// The PASSWORD_VERIFIER challenge, as the client sees it.
#[derive(Clone, Copy)]
pub struct UserClaimInput<'a> {
    /// The user pool's name: the part of the pool id after `_` (see [`crate::pool_name`]).
    pub pool_name: &'a str,
    /// The challenge's `USER_ID_FOR_SRP` parameter.
    pub user_id_for_srp: &'a str,
    /// The user's password.
    pub password: &'a str,
    /// The challenge's `SRP_B` parameter (hex).
    pub srp_b_hex: &'a str,
    /// The challenge's `SALT` parameter (hex).
    pub salt_hex: &'a str,
    /// The challenge's `SECRET_BLOCK` parameter (base64), echoed back as
    /// `PASSWORD_CLAIM_SECRET_BLOCK`.
    pub secret_block_b64: &'a str,
    /// The `TIMESTAMP` the response will carry (see [`crate::cognito_timestamp`]).
    pub timestamp: &'a str,
}

impl fmt::Debug for UserClaimInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserClaimInput")
            .field("pool_name", &self.pool_name)
            .field("user_id_for_srp", &self.user_id_for_srp)
            .field("password", &Redacted)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// The DEVICE_PASSWORD_VERIFIER challenge, as the client sees it.
#[derive(Clone, Copy)]
pub struct DeviceClaimInput<'a> {
    /// The device group key ConfirmDevice was called with (`NewDeviceMetadata.DeviceGroupKey`).
    pub device_group_key: &'a str,
    /// The device key (`NewDeviceMetadata.DeviceKey`).
    pub device_key: &'a str,
    /// The device password made by [`crate::device_verifier`].
    pub device_password: &'a str,
    /// The challenge's `SRP_B` parameter (hex).
    pub srp_b_hex: &'a str,
    /// The challenge's `SALT` parameter (hex).
    pub salt_hex: &'a str,
    /// The challenge's `SECRET_BLOCK` parameter (base64).
    pub secret_block_b64: &'a str,
    /// The `TIMESTAMP` the response will carry.
    pub timestamp: &'a str,
}

impl fmt::Debug for DeviceClaimInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceClaimInput")
            .field("device_group_key", &self.device_group_key)
            .field("device_key", &self.device_key)
            .field("device_password", &Redacted)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// PASSWORD_CLAIM_SIGNATURE (base64) for a PASSWORD_VERIFIER challenge:
/// HMAC-SHA256(key, pool_name || user_id_for_srp || secret_block || timestamp).
///
/// # Errors
/// Bad hex/base64 in the challenge, B = 0 mod N, u = 0.
pub fn user_password_claim(
    ephemeral: &ClientEphemeral,
    input: &UserClaimInput<'_>,
) -> Result<String, SrpError> {
    let secret_block = b64_decode(input.secret_block_b64, "SECRET_BLOCK")?;
    let key = ephemeral.claim_key(
        input.pool_name,
        input.user_id_for_srp,
        input.password,
        input.srp_b_hex,
        input.salt_hex,
    )?;
    let mac = group::claim_mac(
        &key,
        input.pool_name,
        input.user_id_for_srp,
        &secret_block,
        input.timestamp,
    );
    Ok(b64_encode(&hmac::Mac::finalize(mac).into_bytes()))
}

/// PASSWORD_CLAIM_SIGNATURE (base64) for a DEVICE_PASSWORD_VERIFIER challenge:
/// HMAC-SHA256(key, device_group_key || device_key || secret_block || timestamp).
///
/// # Errors
/// Bad hex/base64 in the challenge, B = 0 mod N, u = 0.
pub fn device_password_claim(
    ephemeral: &ClientEphemeral,
    input: &DeviceClaimInput<'_>,
) -> Result<String, SrpError> {
    let secret_block = b64_decode(input.secret_block_b64, "SECRET_BLOCK")?;
    let key = ephemeral.claim_key(
        input.device_group_key,
        input.device_key,
        input.device_password,
        input.srp_b_hex,
        input.salt_hex,
    )?;
    let mac = group::claim_mac(
        &key,
        input.device_group_key,
        input.device_key,
        &secret_block,
        input.timestamp,
    );
    Ok(b64_encode(&hmac::Mac::finalize(mac).into_bytes()))
}

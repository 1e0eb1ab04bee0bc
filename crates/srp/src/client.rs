//! The client half: the ephemeral `a`/A, and the PASSWORD_CLAIM_SIGNATURE for the
//! PASSWORD_VERIFIER (user SRP) and DEVICE_PASSWORD_VERIFIER (device SRP) challenges.

use std::fmt;

use zeroize::Zeroizing;

use crate::encoding::{b64_decode, b64_encode, hex_decode};
use crate::group::{self, PublicValue};
use crate::mont::{self, Limbs};
use crate::secret::{Redacted, SecretLimbs};
use crate::SrpError;

/// Limbs of the ephemeral secret [`ClientEphemeral::from_random`] draws by default (576 bits).
pub(crate) const EPHEMERAL_LIMBS: usize = 9;
/// Bits of the default ephemeral secret (the server's `b` has the same size).
pub(crate) const EPHEMERAL_BITS: usize = EPHEMERAL_LIMBS * 64;
/// Bits of u*x: u and x are SHA-256 outputs.
const UX_BITS: usize = 512;

/// A secret exponent of any length: little-endian limbs, wiped on drop, and the bit width every
/// operation on it runs for. The width is 8 bits per byte the caller supplied, whatever their
/// value, so the work depends on the (public) length of the secret and never on the secret.
#[derive(Clone)]
struct SecretExponent {
    limbs: Zeroizing<Vec<u64>>,
    bits: usize,
}

impl SecretExponent {
    /// Reads a big-endian byte string of any length; rejects empty and all-zero input.
    fn from_be(bytes: &[u8], needed: usize) -> Result<Self, SrpError> {
        if bytes.len() < needed.max(1) {
            return Err(SrpError::NotEnoughRandom {
                needed: needed.max(1),
                got: bytes.len(),
            });
        }
        // OR over every byte rather than searching for the first non-zero one, so the time taken
        // does not tell how many leading zero bytes the secret has.
        if bytes.iter().fold(0u8, |acc, &b| acc | b) == 0 {
            return Err(SrpError::DegenerateRandom);
        }
        let mut limbs = Zeroizing::new(vec![0u64; bytes.len().div_ceil(8)]);
        for (i, &byte) in bytes.iter().rev().enumerate() {
            limbs[i / 8] |= u64::from(byte) << ((i % 8) * 8);
        }
        Ok(Self {
            limbs,
            bits: bytes.len() * 8,
        })
    }

    /// `self + u*x` (u and x 256-bit), over max(bits, 512) + 1 bits so it cannot overflow; the
    /// loop bounds depend only on the public widths.
    fn plus_ux(&self, u: &[u64; 4], x: &[u64; 4]) -> Self {
        let ux = SecretLimbs::<8>(mont::mul_small::<4, 4, 8>(u, x));
        let bits = self.bits.max(UX_BITS) + 1;
        let mut limbs = Zeroizing::new(vec![0u64; bits.div_ceil(64)]);
        let mut carry = 0u64;
        for (i, out) in limbs.iter_mut().enumerate() {
            let a = self.limbs.get(i).copied().unwrap_or(0);
            let b = ux.0.get(i).copied().unwrap_or(0);
            let (s1, c1) = a.overflowing_add(b);
            let (s2, c2) = s1.overflowing_add(carry);
            *out = s2;
            carry = u64::from(c1 | c2);
        }
        Self { limbs, bits }
    }

    /// g^self mod N in Montgomery form, constant time for the exponent's width.
    ///
    /// The fixed-base table covers 576 bits; a longer exponent is split into 576-bit chunks and
    /// combined by Horner's rule, g^(c1 * 2^576 + c0) = (g^c1)^(2^576) * g^c0: 576 squarings and
    /// 96 table multiplications per extra chunk, against about 1,000 squarings and 200
    /// multiplications for a variable-base exponentiation of a 1024-bit exponent.
    fn g_pow(&self) -> Limbs {
        const CHUNK_LIMBS: usize = mont::G_MAX_BITS / 64;
        let chunks = self.bits.div_ceil(mont::G_MAX_BITS).max(1);
        let top = chunks - 1;
        let top_bits = self.bits - top * mont::G_MAX_BITS;
        let chunk = |c: usize| {
            let end = ((c + 1) * CHUNK_LIMBS).min(self.limbs.len());
            self.limbs.get(c * CHUNK_LIMBS..end).unwrap_or(&[])
        };
        let mut acc = mont::g_pow_ct(chunk(top), top_bits);
        for c in (0..top).rev() {
            acc = mont::sqr_n(&acc, mont::G_MAX_BITS);
            let part = SecretLimbs(mont::g_pow_ct(chunk(c), mont::G_MAX_BITS));
            acc = mont::mont_mul(&acc, &part.0);
        }
        acc
    }
}

/// The client's ephemeral key pair (`a`, A = g^a mod N) for one SRP exchange.
///
/// Deterministic: the same random bytes always give the same `a` and A, so a caller that must
/// survive between InitiateAuth and RespondToAuthChallenge (for example a state machine persisted
/// as JSON) can store just the random bytes, as a secret, and call
/// [`ClientEphemeral::from_random`] again.
///
/// Why 576 bits for `a` by default (Amplify and pycognito draw 1024): the secret exponent is
/// `a + u*x` with u*x < 2^512; a 576-bit `a` hides u*x behind 64 bits of statistical masking,
/// and the exponentiation costs about half of what a 1024-bit `a` would. Our exponentiation is
/// constant time besides. [`ClientEphemeral::from_secret_a`] takes an `a` of any length, such as
/// the SDKs' 128 bytes.
#[derive(Clone)]
pub struct ClientEphemeral {
    a: SecretExponent,
    public: Limbs,
}

impl ClientEphemeral {
    /// Random bytes [`ClientEphemeral::from_random`] needs at least: 72 (576 bits).
    pub const RANDOM_LEN: usize = EPHEMERAL_LIMBS * 8;

    /// Reads all of `random` (at least [`Self::RANDOM_LEN`] bytes, big-endian) as `a` and
    /// computes A = g^a mod N (about 0.5 ms for 72 bytes; call it before the user submits).
    /// Longer input makes a longer `a`, exactly as [`ClientEphemeral::from_secret_a`] reads it:
    /// no byte is ignored.
    ///
    /// # Errors
    /// [`SrpError::NotEnoughRandom`] if `random` is shorter than [`Self::RANDOM_LEN`],
    /// [`SrpError::DegenerateRandom`] if its bytes are all zero.
    pub fn from_random(random: &[u8]) -> Result<Self, SrpError> {
        Self::with_exponent(SecretExponent::from_be(random, Self::RANDOM_LEN)?)
    }

    /// Uses `a` as given: a big-endian integer of any length, for example the 128 bytes that
    /// amazon-cognito-identity-js (`generateRandomSmallA`) and pycognito
    /// (`generate_random_small_a`) draw. A, u, S and the claim are then exactly what those SDKs
    /// compute with that `a`. The work grows with the length of `a` (a 1024-bit `a` costs about
    /// three times the default 576-bit one for A and 1.6 times for the claim), never with its
    /// value.
    ///
    /// # Errors
    /// [`SrpError::NotEnoughRandom`] if `a` is empty, [`SrpError::DegenerateRandom`] if it is
    /// zero.
    pub fn from_secret_a(a: &[u8]) -> Result<Self, SrpError> {
        Self::with_exponent(SecretExponent::from_be(a, 1)?)
    }

    fn with_exponent(a: SecretExponent) -> Result<Self, SrpError> {
        let public = mont::from_mont(&a.g_pow());
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
        let a = SecretExponent::from_be(random, Self::RANDOM_LEN)?;
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

        let exp = self.a.plus_ux(&u, &x.0);
        let s_mont = SecretLimbs(mont::pow_ct(&base.0, &exp.limbs, exp.bits));
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

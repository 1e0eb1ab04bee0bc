//! The server half (for the project's Cognito emulator): password verifiers, the server
//! ephemeral B = k*v + g^b, and verification of a client's PASSWORD_CLAIM_SIGNATURE.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::client::{EPHEMERAL_BITS, EPHEMERAL_LIMBS};
use crate::encoding::{b64_decode, b64_encode, hex_decode, hex_encode, pad};
use crate::group::{self, PublicValue};
use crate::mont::{self, Limbs};
use crate::secret::{Redacted, SecretLimbs};
use crate::SrpError;

/// What a server stores instead of a password: the salt and v = g^x mod N.
///
/// For users, make it with [`password_verifier`]; for devices, rebuild it from what ConfirmDevice
/// received with [`Verifier::from_confirm_device`]. To store it, keep [`Verifier::salt`] and
/// [`Verifier::verifier_bytes`] and rebuild with [`Verifier::from_parts`]. `v` allows an offline
/// guess of the password, so `Debug` redacts it and drop zeroizes it.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Verifier {
    salt: Vec<u8>,
    v: Limbs,
}

/// v = g^x for a user: x = H(PAD(salt) || H(pool_name || user_id_for_srp || ":" || password)).
///
/// `salt` is any byte string (Cognito uses 16 random bytes); the challenge carries it as
/// [`Verifier::salt_hex`].
pub fn password_verifier(
    pool_name: &str,
    user_id_for_srp: &str,
    password: &str,
    salt: &[u8],
) -> Verifier {
    Verifier::compute(pool_name, user_id_for_srp, password, salt)
}

impl Verifier {
    /// g^x for a prefix/id/password/salt (shared with device verifiers).
    pub(crate) fn compute(prefix: &str, id: &str, password: &str, salt: &[u8]) -> Self {
        let x = group::private_x(prefix, id, password, salt);
        let v = mont::from_mont(&mont::g_pow_ct(&x.0, 256));
        Self {
            salt: salt.to_vec(),
            v,
        }
    }

    /// Rebuilds a device verifier from ConfirmDevice's `DeviceSecretVerifierConfig`
    /// (`PasswordVerifier` and `Salt`, both base64).
    ///
    /// # Errors
    /// [`SrpError::InvalidBase64`] for either field.
    pub fn from_confirm_device(
        password_verifier_b64: &str,
        salt_b64: &str,
    ) -> Result<Self, SrpError> {
        let v = b64_decode(password_verifier_b64, "PasswordVerifier")?;
        let salt = b64_decode(salt_b64, "Salt")?;
        Ok(Self::from_parts(&salt, &v))
    }

    /// Rebuilds a verifier from stored parts: the salt and v as big-endian bytes (any length; v
    /// is reduced mod N).
    pub fn from_parts(salt: &[u8], verifier: &[u8]) -> Self {
        Self {
            salt: salt.to_vec(),
            v: mont::reduce_be(verifier),
        }
    }

    /// The salt as given.
    pub fn salt(&self) -> &[u8] {
        &self.salt
    }

    /// The `SALT` challenge parameter: hex of PAD(salt). Padded so that clients which pad the hex
    /// string (pycognito) and clients which pad the integer (Amplify) hash the same bytes.
    pub fn salt_hex(&self) -> String {
        hex_encode(&pad(&self.salt))
    }

    /// v as PAD(v) big-endian bytes (the form ConfirmDevice's `PasswordVerifier` carries).
    pub fn verifier_bytes(&self) -> Vec<u8> {
        pad(&mont::to_be_bytes(&self.v))
    }

    /// `PasswordVerifier` as ConfirmDevice carries it: base64 of PAD(v).
    pub fn verifier_b64(&self) -> String {
        b64_encode(&self.verifier_bytes())
    }

    /// `Salt` as ConfirmDevice carries it: base64 of PAD(salt).
    pub fn salt_b64(&self) -> String {
        b64_encode(&pad(&self.salt))
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("salt_hex", &self.salt_hex())
            .field("v", &Redacted)
            .finish()
    }
}

/// The server's ephemeral (`b`, B = k*v + g^b mod N) for one exchange with one verifier.
///
/// Deterministic like [`crate::ClientEphemeral`]: the same verifier and random bytes give the same
/// B, so a server may store the random bytes between InitiateAuth and RespondToAuthChallenge.
#[derive(Clone)]
pub struct ServerEphemeral {
    b: SecretLimbs<EPHEMERAL_LIMBS>,
    public: Limbs,
    v_mont: SecretLimbs<{ mont::LIMBS }>,
}

impl ServerEphemeral {
    /// Random bytes [`ServerEphemeral::new`] takes: exactly 72 (576 bits).
    pub const RANDOM_LEN: usize = EPHEMERAL_LIMBS * 8;

    /// Derives `b` from `random` ([`Self::RANDOM_LEN`] bytes) and computes B.
    ///
    /// # Errors
    /// [`SrpError::NotEnoughRandom`], [`SrpError::TooMuchRandom`], [`SrpError::DegenerateRandom`],
    /// and [`SrpError::ServerPublicZero`] in the (negligible) case B = 0 mod N.
    pub fn new(verifier: &Verifier, random: &[u8]) -> Result<Self, SrpError> {
        let b = group::ephemeral_from_random::<EPHEMERAL_LIMBS>(random)?;
        let v_mont = SecretLimbs(mont::to_mont(&verifier.v));
        let kv = SecretLimbs(mont::mont_mul(group::k_mont(), &v_mont.0));
        let gb = SecretLimbs(mont::g_pow_ct(&b.0, EPHEMERAL_BITS));
        let public = mont::from_mont(&mont::add_mod(&kv.0, &gb.0));
        if mont::is_zero(&public) {
            return Err(SrpError::ServerPublicZero);
        }
        Ok(Self { b, public, v_mont })
    }

    /// B as minimal lowercase hex: the `SRP_B` challenge parameter.
    pub fn public_b_hex(&self) -> String {
        PublicValue::from_residue(self.public).minimal_hex()
    }

    /// The claim key the client should have derived, from its SRP_A.
    fn claim_key(&self, srp_a_hex: &str) -> Result<zeroize::Zeroizing<[u8; 16]>, SrpError> {
        let a = PublicValue::from_be(&hex_decode(srp_a_hex, "SRP_A")?);
        if mont::is_zero(&a.residue) {
            return Err(SrpError::ClientPublicZero);
        }
        let b_pub = PublicValue::from_residue(self.public);
        let u_bytes = group::scrambler(&a, &b_pub)?;
        let u: [u64; 4] = mont::small_from_be(&u_bytes);
        // S = (A * v^u)^b mod N.
        let vu = SecretLimbs(mont::pow_ct(&self.v_mont.0, &u, 256));
        let base = SecretLimbs(mont::mont_mul(&mont::to_mont(&a.residue), &vu.0));
        let s_mont = SecretLimbs(mont::pow_ct(&base.0, &self.b.0, EPHEMERAL_BITS));
        let s = SecretLimbs(mont::from_mont(&s_mont.0));
        Ok(group::claim_key(&s.0, &u_bytes))
    }

    fn verify(
        &self,
        prefix: &str,
        id: &str,
        srp_a_hex: &str,
        secret_block_b64: &str,
        timestamp: &str,
        signature_b64: &str,
    ) -> Result<(), SrpError> {
        let secret_block = b64_decode(secret_block_b64, "PASSWORD_CLAIM_SECRET_BLOCK")?;
        let signature = b64_decode(signature_b64, "PASSWORD_CLAIM_SIGNATURE")?;
        let key = self.claim_key(srp_a_hex)?;
        let mac = group::claim_mac(&key, prefix, id, &secret_block, timestamp);
        // `verify_slice` compares in constant time.
        hmac::Mac::verify_slice(mac, &signature).map_err(|_| SrpError::ClaimMismatch)
    }
}

impl fmt::Debug for ServerEphemeral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerEphemeral")
            .field("b", &Redacted)
            .finish_non_exhaustive()
    }
}

/// A client's RespondToAuthChallenge(PASSWORD_VERIFIER), as the server sees it.
#[derive(Debug, Clone, Copy)]
pub struct UserClaimCheck<'a> {
    /// The pool name (the part of the pool id after `_`).
    pub pool_name: &'a str,
    /// The USER_ID_FOR_SRP the challenge carried.
    pub user_id_for_srp: &'a str,
    /// The SRP_A the client sent with InitiateAuth (hex).
    pub srp_a_hex: &'a str,
    /// `PASSWORD_CLAIM_SECRET_BLOCK` (base64).
    pub secret_block_b64: &'a str,
    /// `TIMESTAMP`.
    pub timestamp: &'a str,
    /// `PASSWORD_CLAIM_SIGNATURE` (base64).
    pub signature_b64: &'a str,
}

/// A client's RespondToAuthChallenge(DEVICE_PASSWORD_VERIFIER), as the server sees it.
#[derive(Debug, Clone, Copy)]
pub struct DeviceClaimCheck<'a> {
    /// The device group key.
    pub device_group_key: &'a str,
    /// The device key (`DEVICE_KEY`).
    pub device_key: &'a str,
    /// The SRP_A the client sent with DEVICE_SRP_AUTH (hex).
    pub srp_a_hex: &'a str,
    /// `PASSWORD_CLAIM_SECRET_BLOCK` (base64).
    pub secret_block_b64: &'a str,
    /// `TIMESTAMP`.
    pub timestamp: &'a str,
    /// `PASSWORD_CLAIM_SIGNATURE` (base64).
    pub signature_b64: &'a str,
}

/// Checks a user's PASSWORD_CLAIM_SIGNATURE against the server ephemeral made from the user's
/// verifier. The comparison is constant time.
///
/// # Errors
/// [`SrpError::ClaimMismatch`] when the signature is wrong (wrong password, tampered message);
/// bad hex/base64; A = 0 mod N; u = 0.
pub fn verify_user_claim(
    ephemeral: &ServerEphemeral,
    claim: &UserClaimCheck<'_>,
) -> Result<(), SrpError> {
    ephemeral.verify(
        claim.pool_name,
        claim.user_id_for_srp,
        claim.srp_a_hex,
        claim.secret_block_b64,
        claim.timestamp,
        claim.signature_b64,
    )
}

/// Checks a device's PASSWORD_CLAIM_SIGNATURE against the server ephemeral made from the device's
/// stored verifier ([`Verifier::from_confirm_device`]). The comparison is constant time.
///
/// # Errors
/// As [`verify_user_claim`].
pub fn verify_device_claim(
    ephemeral: &ServerEphemeral,
    claim: &DeviceClaimCheck<'_>,
) -> Result<(), SrpError> {
    ephemeral.verify(
        claim.device_group_key,
        claim.device_key,
        claim.srp_a_hex,
        claim.secret_block_b64,
        claim.timestamp,
        claim.signature_b64,
    )
}

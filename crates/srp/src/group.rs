//! The SRP-6a group and the hash formulas Cognito uses on top of it: k, u, x, the HKDF claim key
//! and the claim signature. Shared by the client and the server halves.

use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::encoding::pad;
use crate::mont::{self, Limbs, LIMBS};
use crate::secret::SecretLimbs;
use crate::SrpError;

type HmacSha256 = Hmac<Sha256>;

/// The HKDF info string of Cognito's claim key.
const INFO: &[u8] = b"Caldera Derived Key";

/// k = H(PAD(N) || PAD(g)), as a 256-bit integer in Montgomery form.
///
/// Note PAD(g) is the single byte 0x02, not g padded to N's length as RFC 5054 writes it: this
/// is what amazon-cognito-identity-js and pycognito hash, and what Cognito expects.
pub(crate) fn k_mont() -> &'static Limbs {
    static K: OnceLock<Limbs> = OnceLock::new();
    K.get_or_init(|| {
        let mut h = Sha256::new();
        h.update(pad(&mont::to_be_bytes(&mont::N)));
        h.update(pad(&[2]));
        let k: [u64; 4] = mont::small_from_be(&h.finalize());
        let mut wide = [0u64; LIMBS];
        wide[..4].copy_from_slice(&k);
        mont::to_mont(&wide)
    })
}

/// A public group element as it arrived on the wire: PAD of the integer as sent (for hashing u)
/// and its residue mod N (for arithmetic).
pub(crate) struct PublicValue {
    pub(crate) padded: Vec<u8>,
    pub(crate) residue: Limbs,
}

impl PublicValue {
    /// Parses a big-endian integer of any length.
    pub(crate) fn from_be(bytes: &[u8]) -> Self {
        Self {
            padded: pad(bytes),
            residue: mont::reduce_be(bytes),
        }
    }

    /// From a value already reduced mod N.
    pub(crate) fn from_residue(residue: Limbs) -> Self {
        Self {
            padded: pad(&mont::to_be_bytes(&residue)),
            residue,
        }
    }

    /// Minimal lowercase hex, what SRP_A / SRP_B carry.
    pub(crate) fn minimal_hex(&self) -> String {
        crate::encoding::minimal_hex(&self.padded)
    }
}

/// u = H(PAD(A) || PAD(B)), rejected when zero. Returned as big-endian bytes.
pub(crate) fn scrambler(a: &PublicValue, b: &PublicValue) -> Result<[u8; 32], SrpError> {
    let mut h = Sha256::new();
    h.update(&a.padded);
    h.update(&b.padded);
    let u: [u8; 32] = h.finalize().into();
    if u.iter().all(|&byte| byte == 0) {
        return Err(SrpError::ScramblerZero);
    }
    Ok(u)
}

/// x = H(PAD(salt) || H(prefix || id || ":" || password)), where prefix is the pool name (user
/// SRP) or the device group key (device SRP), and id is USER_ID_FOR_SRP or the device key.
pub(crate) fn private_x(prefix: &str, id: &str, password: &str, salt: &[u8]) -> SecretLimbs<4> {
    let mut inner = Sha256::new();
    inner.update(prefix.as_bytes());
    inner.update(id.as_bytes());
    inner.update(b":");
    inner.update(password.as_bytes());
    let mut inner_hash: [u8; 32] = inner.finalize().into();
    let mut outer = Sha256::new();
    outer.update(pad(salt));
    outer.update(inner_hash);
    inner_hash.zeroize();
    let mut x_bytes: [u8; 32] = outer.finalize().into();
    let x = SecretLimbs(mont::small_from_be(&x_bytes));
    x_bytes.zeroize();
    x
}

/// The 16-byte claim key: HKDF-SHA256(salt = PAD(u), ikm = PAD(S), info = "Caldera Derived Key").
/// `s` is the shared secret S < N in normal form.
pub(crate) fn claim_key(s: &Limbs, u: &[u8; 32]) -> Zeroizing<[u8; 16]> {
    let s_bytes = Zeroizing::new(mont::to_be_bytes(s));
    let s_padded = Zeroizing::new(pad(s_bytes.as_slice()));
    let hk = hkdf::Hkdf::<Sha256>::new(Some(&pad(u)), &s_padded);
    let mut key = Zeroizing::new([0u8; 16]);
    // 16 bytes is far below HKDF-SHA256's 255 * 32 byte limit, so expand cannot fail.
    if hk.expand(INFO, key.as_mut_slice()).is_err() {
        unreachable!("16 bytes is a valid HKDF-SHA256 output length");
    }
    key
}

/// The claim MAC: HMAC-SHA256(key, prefix || id || secret_block || timestamp).
pub(crate) fn claim_mac(
    key: &[u8; 16],
    prefix: &str,
    id: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> HmacSha256 {
    // HMAC accepts keys of any length; 16 bytes cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 accepts any key length"),
    };
    mac.update(prefix.as_bytes());
    mac.update(id.as_bytes());
    mac.update(secret_block);
    mac.update(timestamp.as_bytes());
    mac
}

/// A caller's random bytes read as an ephemeral secret of `L` limbs (exactly `L * 8` bytes,
/// big-endian); rejects short, long or all-zero input.
pub(crate) fn ephemeral_from_random<const L: usize>(
    random: &[u8],
) -> Result<SecretLimbs<L>, SrpError> {
    let needed = L * 8;
    let Some(bytes) = random.get(..needed) else {
        return Err(SrpError::NotEnoughRandom {
            needed,
            got: random.len(),
        });
    };
    if random.len() > needed {
        return Err(SrpError::TooMuchRandom {
            accepted: needed,
            got: random.len(),
        });
    }
    // OR over every byte rather than searching for the first non-zero one, so the time taken
    // does not tell how many leading zero bytes the secret has.
    if bytes.iter().fold(0u8, |acc, &b| acc | b) == 0 {
        return Err(SrpError::DegenerateRandom);
    }
    Ok(SecretLimbs(mont::small_from_be(bytes)))
}

//! A deterministic random bit generator (HMAC-SHA256 DRBG, NIST SP 800-90A) seeded once by the
//! engine from the OS. The machine draws SRP ephemerals, PKCE verifiers and retry jitter from it,
//! so a replay that starts from the same seed draws the same bytes.

use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// HMAC_DRBG with SHA-256.
#[derive(Clone)]
pub(crate) struct Drbg {
    key: [u8; 32],
    value: [u8; 32],
}

impl std::fmt::Debug for Drbg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Drbg([redacted])")
    }
}

/// An HMAC key set up for use: the padded key's inner and outer blocks already hashed. Each
/// DRBG key is used for several HMACs, so setting it up once saves two SHA-256 compressions per
/// further use; the outputs are the same as keying afresh each time.
fn keyed(key: &[u8; 32]) -> HmacSha256 {
    // HMAC accepts keys of any length, so construction cannot fail.
    <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

fn hmac(key: &HmacSha256, parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = key.clone();
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// The all-zero key every instantiation starts from (SP 800-90A 10.1.2.3), set up once per
/// process.
fn zero_key() -> &'static HmacSha256 {
    static ZERO: OnceLock<HmacSha256> = OnceLock::new();
    ZERO.get_or_init(|| keyed(&[0; 32]))
}

impl Drbg {
    pub(crate) fn new(seed: &[u8; 32]) -> Self {
        let mut d = Self {
            key: [0; 32],
            value: [1; 32],
        };
        d.update(zero_key(), seed);
        d
    }

    /// HMAC_DRBG_Update (SP 800-90A 10.1.2.2); `key` is `self.key` set up.
    fn update(&mut self, key: &HmacSha256, data: &[u8]) {
        self.key = hmac(key, &[&self.value, &[0], data]);
        let key = keyed(&self.key);
        self.value = hmac(&key, &[&self.value]);
        if !data.is_empty() {
            self.key = hmac(&key, &[&self.value, &[1], data]);
            self.value = hmac(&keyed(&self.key), &[&self.value]);
        }
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Vec<u8> {
        let key = keyed(&self.key);
        let mut out = Vec::with_capacity(n + 32);
        while out.len() < n {
            self.value = hmac(&key, &[&self.value]);
            out.extend_from_slice(&self.value);
        }
        out.truncate(n);
        self.update(&key, &[]);
        out
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let b = self.bytes(8);
        let mut a = [0u8; 8];
        a.copy_from_slice(&b);
        u64::from_le_bytes(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// HMAC_DRBG as SP 800-90A writes it, keying every HMAC afresh: the replayable byte stream
    /// the faster [`Drbg`] must reproduce exactly.
    struct Reference {
        key: [u8; 32],
        value: [u8; 32],
    }

    fn reference_hmac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
        hmac(&keyed(key), parts)
    }

    impl Reference {
        fn new(seed: &[u8; 32]) -> Self {
            let mut d = Self {
                key: [0; 32],
                value: [1; 32],
            };
            d.update(seed);
            d
        }

        fn update(&mut self, data: &[u8]) {
            self.key = reference_hmac(&self.key, &[&self.value, &[0], data]);
            self.value = reference_hmac(&self.key, &[&self.value]);
            if !data.is_empty() {
                self.key = reference_hmac(&self.key, &[&self.value, &[1], data]);
                self.value = reference_hmac(&self.key, &[&self.value]);
            }
        }

        fn bytes(&mut self, n: usize) -> Vec<u8> {
            let mut out = Vec::new();
            while out.len() < n {
                self.value = reference_hmac(&self.key, &[&self.value]);
                out.extend_from_slice(&self.value);
            }
            out.truncate(n);
            self.update(&[]);
            out
        }
    }

    proptest! {
        #[test]
        fn draws_the_same_bytes_as_the_reference(
            seed in any::<[u8; 32]>(),
            draws in proptest::collection::vec(0usize..200, 1..8),
        ) {
            let mut fast = Drbg::new(&seed);
            let mut reference = Reference::new(&seed);
            for n in draws {
                prop_assert_eq!(fast.bytes(n), reference.bytes(n));
            }
        }
    }

    #[test]
    fn a_known_seed_draws_known_bytes() {
        let mut d = Drbg::new(&[7; 32]);
        assert_eq!(hex(&d.bytes(16)), KNOWN_7);
        assert_eq!(d.next_u64(), KNOWN_7_U64);
    }

    /// Computed independently (Python's `hmac` and `hashlib`, SP 800-90A HMAC_DRBG).
    const KNOWN_7: &str = "4c237d9e8a68f1fb6cfcf0742ffe3bbf";
    const KNOWN_7_U64: u64 = 12_202_830_580_650_731_931;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn same_seed_same_bytes_different_seed_different_bytes() {
        let mut a = Drbg::new(&[7; 32]);
        let mut b = Drbg::new(&[7; 32]);
        let mut c = Drbg::new(&[8; 32]);
        let x = a.bytes(100);
        assert_eq!(x, b.bytes(100));
        assert_ne!(x, c.bytes(100));
        assert_ne!(a.bytes(32), x[..32].to_vec());
    }

    #[test]
    fn debug_shows_no_state() {
        let d = Drbg::new(&[7; 32]);
        assert_eq!(format!("{d:?}"), "Drbg([redacted])");
    }
}

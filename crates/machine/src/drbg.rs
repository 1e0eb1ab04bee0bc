//! A deterministic random bit generator (HMAC-SHA256 DRBG, NIST SP 800-90A) seeded once by the
//! engine from the OS. The machine draws SRP ephemerals, PKCE verifiers and retry jitter from it,
//! so a replay that starts from the same seed draws the same bytes.

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

fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so construction cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

impl Drbg {
    pub(crate) fn new(seed: &[u8; 32]) -> Self {
        let mut d = Self {
            key: [0; 32],
            value: [1; 32],
        };
        d.update(seed);
        d
    }

    fn update(&mut self, data: &[u8]) {
        self.key = hmac(&self.key, &[&self.value, &[0], data]);
        self.value = hmac(&self.key, &[&self.value]);
        if !data.is_empty() {
            self.key = hmac(&self.key, &[&self.value, &[1], data]);
            self.value = hmac(&self.key, &[&self.value]);
        }
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 32);
        while out.len() < n {
            self.value = hmac(&self.key, &[&self.value]);
            out.extend_from_slice(&self.value);
        }
        out.truncate(n);
        self.update(&[]);
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

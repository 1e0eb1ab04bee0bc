//! RFC 6238 time-based one-time passwords (HMAC-SHA1, 30-second steps, 6 digits), as
//! authenticator apps compute them from the secret `AssociateSoftwareToken` hands out.

use hmac::{Hmac, Mac};
use sha1::Sha1;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Encodes bytes as unpadded RFC 4648 base32, the form `SecretCode` takes.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(char::from(ALPHABET[((buffer >> (bits - 5)) & 31) as usize]));
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The 6-digit code for `key` at time step `counter`.
pub fn hotp(key: &[u8], counter: u64) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[19] & 0x0f);
    let bin = (u32::from(h[offset] & 0x7f) << 24)
        | (u32::from(h[offset + 1]) << 16)
        | (u32::from(h[offset + 2]) << 8)
        | u32::from(h[offset + 3]);
    format!("{:06}", bin % 1_000_000)
}

/// The code an authenticator shows at `unix_secs`.
pub fn totp(key: &[u8], unix_secs: u64) -> String {
    hotp(key, unix_secs / 30)
}

/// Whether `code` is valid at `unix_secs`, allowing one step of clock drift either way.
pub fn verify(key: &[u8], code: &str, unix_secs: u64) -> bool {
    let step = unix_secs / 30;
    [step.saturating_sub(1), step, step + 1]
        .iter()
        .any(|s| hotp(key, *s) == code)
}

/// Decodes unpadded (or padded) RFC 4648 base32; `None` on a character outside the alphabet.
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in s.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|&a| a == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push(((buffer >> (bits - 8)) & 0xff) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 key, last 6 digits of the 8-digit values.
        let key = b"12345678901234567890";
        assert_eq!(totp(key, 59), "287082");
        assert_eq!(totp(key, 1_111_111_109), "081804");
        assert_eq!(totp(key, 2_000_000_000), "279037");
        assert!(verify(key, "287082", 59));
        assert!(!verify(key, "287083", 59));
    }

    #[test]
    fn base32_matches_rfc4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
    }
}

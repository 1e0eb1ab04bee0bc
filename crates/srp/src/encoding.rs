//! Hex, base64 and the "PAD" rule the Cognito SDKs use when they hash big integers.
//!
//! PAD (amazon-cognito-identity-js `AuthenticationHelper.padHex`, pycognito `pad_hex`): write the
//! integer as minimal big-endian hex, prefix a `0` if the length is odd, else prefix `00` if the
//! first digit is 8-f (so the value reads as positive in two's complement). In bytes: strip
//! leading zero bytes, then prepend one zero byte if the high bit is set; zero is one zero byte.

use base64::Engine;

use crate::SrpError;

/// Decodes hex of any case and any length (odd lengths get an implied leading zero, as
/// `BigInteger(hex, 16)` reads them). Empty input is an error.
pub(crate) fn hex_decode(s: &str, field: &'static str) -> Result<Vec<u8>, SrpError> {
    let digits = s.as_bytes();
    if digits.is_empty() {
        return Err(SrpError::InvalidHex { field });
    }
    let nibble = |c: u8| -> Result<u8, SrpError> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(SrpError::InvalidHex { field }),
        }
    };
    let mut out = Vec::with_capacity(digits.len().div_ceil(2));
    let (head, rest) = digits.split_at(digits.len() % 2);
    if let Some(&c) = head.first() {
        out.push(nibble(c)?);
    }
    for pair in rest.chunks_exact(2) {
        out.push((nibble(pair[0])? << 4) | nibble(pair[1])?);
    }
    Ok(out)
}

/// Lowercase hex of bytes.
pub(crate) fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0x0f) as usize] as char);
    }
    out
}

/// Minimal lowercase hex of a big-endian integer (no leading zeros; "0" for zero), the way the
/// SDKs send SRP_A (`BigInteger.toString(16)`, Python `f"{n:x}"`).
pub(crate) fn minimal_hex(bytes: &[u8]) -> String {
    let hex = hex_encode(strip_leading_zeros(bytes));
    match hex.strip_prefix('0') {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ if hex.is_empty() => "0".to_owned(),
        _ => hex,
    }
}

/// The bytes without leading zero bytes.
pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// PAD(n) for a big-endian integer, as bytes (see the module docs).
pub(crate) fn pad(bytes: &[u8]) -> Vec<u8> {
    let stripped = strip_leading_zeros(bytes);
    let mut out = Vec::with_capacity(stripped.len() + 1);
    if stripped.first().is_none_or(|&b| b >= 0x80) {
        out.push(0);
    }
    out.extend_from_slice(stripped);
    out
}

/// Standard base64 with padding (what Cognito sends and expects).
pub(crate) fn b64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes standard base64 with padding.
pub(crate) fn b64_decode(s: &str, field: &'static str) -> Result<Vec<u8>, SrpError> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|_| SrpError::InvalidBase64 { field })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_follows_the_sdk_rule() {
        assert_eq!(pad(&[0x14]), vec![0x14]);
        assert_eq!(pad(&[0xec]), vec![0x00, 0xec]);
        assert_eq!(pad(&[0x00, 0x00, 0x7f, 0x01]), vec![0x7f, 0x01]);
        assert_eq!(pad(&[0x00, 0x80]), vec![0x00, 0x80]);
        assert_eq!(pad(&[]), vec![0x00]);
        assert_eq!(pad(&[0, 0]), vec![0x00]);
    }

    #[test]
    fn hex_reads_odd_lengths_and_any_case() {
        assert_eq!(hex_decode("abc", "t").unwrap(), vec![0x0a, 0xbc]);
        assert_eq!(hex_decode("00FF", "t").unwrap(), vec![0x00, 0xff]);
        assert_eq!(
            hex_decode("", "t"),
            Err(SrpError::InvalidHex { field: "t" })
        );
        assert_eq!(
            hex_decode("0g", "t"),
            Err(SrpError::InvalidHex { field: "t" })
        );
        assert_eq!(
            hex_decode("é1", "t"),
            Err(SrpError::InvalidHex { field: "t" })
        );
    }

    #[test]
    fn minimal_hex_strips_zeros() {
        assert_eq!(minimal_hex(&[0x00, 0x0a, 0xbc]), "abc");
        assert_eq!(minimal_hex(&[0x10]), "10");
        assert_eq!(minimal_hex(&[0x00]), "0");
        assert_eq!(minimal_hex(&[]), "0");
    }
}

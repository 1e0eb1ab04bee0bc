//! The crate's error type. Messages name the offending field, never its value, because several
//! inputs (passwords, device passwords, secret blocks) are secrets.

/// Everything that can go wrong in an SRP computation.
///
/// Bad input from the network or from storage always lands here; nothing in this crate panics on
/// input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SrpError {
    /// A value that must be hexadecimal is empty or has a non-hex character.
    #[error("{field} is not valid hexadecimal")]
    InvalidHex {
        /// The parameter name, for example `SRP_B`.
        field: &'static str,
    },
    /// A value that must be standard base64 (with padding) is not.
    #[error("{field} is not valid base64")]
    InvalidBase64 {
        /// The parameter name, for example `SECRET_BLOCK`.
        field: &'static str,
    },
    /// The server's public value B is 0 modulo N (a malicious or broken server).
    #[error("SRP_B is zero modulo N")]
    ServerPublicZero,
    /// The client's public value A is 0 modulo N (a malicious or broken client).
    #[error("SRP_A is zero modulo N")]
    ClientPublicZero,
    /// The scrambling parameter u = H(PAD(A) || PAD(B)) is zero.
    #[error("the SRP scrambling parameter u is zero")]
    ScramblerZero,
    /// The caller supplied fewer random bytes than the operation needs.
    #[error("need {needed} random bytes, got {got}")]
    NotEnoughRandom {
        /// Bytes required.
        needed: usize,
        /// Bytes supplied.
        got: usize,
    },
    /// The caller supplied more random bytes than the operation reads. Extra bytes are refused
    /// rather than silently ignored, so that a caller cannot believe they count.
    #[error("takes {accepted} random bytes, got {got}")]
    TooMuchRandom {
        /// Bytes the operation reads.
        accepted: usize,
        /// Bytes supplied.
        got: usize,
    },
    /// The random bytes for an ephemeral secret were all zero: a broken random source.
    #[error("the random bytes for an SRP ephemeral are all zero")]
    DegenerateRandom,
    /// The password claim signature does not match (wrong password, wrong verifier, tampered
    /// message).
    #[error("password claim signature does not match")]
    ClaimMismatch,
    /// The unix time is outside the years 1..=9999, which Cognito's timestamp format can spell.
    #[error("timestamp is outside the years 1..=9999")]
    TimestampOutOfRange,
    /// A user pool id is not of the form `<region>_<name>`.
    #[error("user pool id is not of the form <region>_<name>")]
    InvalidPoolId,
}

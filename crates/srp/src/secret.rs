//! Holders for secret values: their `Debug` prints `[redacted]` and they are wiped on drop.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// A secret string (for example a device password). `Debug` redacts it, drop zeroizes it; read it
/// with [`SecretString::expose`] (easy to grep for).
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a value.
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The secret value.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A fixed-size secret integer (little-endian limbs) that is wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct SecretLimbs<const L: usize>(pub(crate) [u64; L]);

impl<const L: usize> fmt::Debug for SecretLimbs<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Formats a password-bearing struct's field as redacted.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

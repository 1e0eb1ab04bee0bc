//! A wrapper for values that must never be printed: passwords, tokens, SRP values, client and
//! device secrets.
//!
//! - The value lives in a [`secrecy::SecretBox`], so its memory is zeroized when the `Secret` is
//!   dropped. [`Wipe`] says how a value type is wiped; it exists because the map-shaped secrets
//!   (`BTreeMap<String, String>`) have no `Zeroize` impl and the orphan rule forbids adding one.
//! - `Debug` and `Display` print `[redacted]`.
//! - Serde is transparent because the machine's state is persisted and its inputs are recorded;
//!   the engine decides where those bytes may go.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};

use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, ExposeSecretMut, SecretBox};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What `Debug` and `Display` write in place of a secret.
pub const REDACTED: &str = "[redacted]";

/// Overwrites a value's secret bytes in place, for [`Secret`]'s drop.
///
/// Implemented for the shapes secrets take here. Every type that implements
/// [`Zeroize`] can implement it by delegating; a container implements it by wiping what it
/// owns on the heap.
pub trait Wipe {
    /// Overwrites the secret contents; the value may be left empty.
    fn wipe(&mut self);
}

impl Wipe for String {
    fn wipe(&mut self) {
        self.zeroize();
    }
}

impl<Z: Zeroize> Wipe for Vec<Z> {
    fn wipe(&mut self) {
        self.zeroize();
    }
}

impl<Z: Zeroize, const N: usize> Wipe for [Z; N] {
    fn wipe(&mut self) {
        self.zeroize();
    }
}

/// Keys and values are moved out of the tree and each string's heap buffer is zeroized. Only
/// the `String` headers (pointer, length, capacity) were ever stored in the tree's nodes, so
/// no secret text is left behind in freed nodes.
impl Wipe for BTreeMap<String, String> {
    fn wipe(&mut self) {
        for (mut key, mut value) in std::mem::take(self) {
            key.zeroize();
            value.zeroize();
        }
    }
}

/// Adapts [`Wipe`] to the `Zeroize` bound `SecretBox` requires.
struct Wiped<T: Wipe>(T);

impl<T: Wipe> Zeroize for Wiped<T> {
    fn zeroize(&mut self) {
        self.0.wipe();
    }
}

/// A value that is zeroized on drop and never printed.
pub struct Secret<T: Wipe>(SecretBox<Wiped<T>>);

impl<T: Wipe> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(SecretBox::new(Box::new(Wiped(value))))
    }

    /// The wrapped value. Call sites are easy to audit: grep for `expose`.
    pub fn expose(&self) -> &T {
        &self.0.expose_secret().0
    }

    /// Unwraps the value, moving it out without a copy. The caller now owns it unprotected
    /// (typically to hand it to an SDK builder); nothing of it stays behind in the box.
    pub fn into_inner(mut self) -> T
    where
        T: Default,
    {
        std::mem::take(&mut self.0.expose_secret_mut().0)
    }
}

impl<T: Wipe> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self::new(value.to_owned())
    }
}

impl<T: Wipe + Clone> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Self::new(self.expose().clone())
    }
}

impl<T: Wipe + Default> Default for Secret<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: Wipe + PartialEq> PartialEq for Secret<T> {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl<T: Wipe + Eq> Eq for Secret<T> {}

impl<T: Wipe + PartialOrd> PartialOrd for Secret<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.expose().partial_cmp(other.expose())
    }
}

impl<T: Wipe + Ord> Ord for Secret<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.expose().cmp(other.expose())
    }
}

impl<T: Wipe + Hash> Hash for Secret<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.expose().hash(state);
    }
}

impl<T: Wipe> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T: Wipe> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T: Wipe + Serialize> Serialize for Secret<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.expose().serialize(serializer)
    }
}

impl<'de, T: Wipe + Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::new("hunter2".to_owned());
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([redacted])");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"hunter2\"");
    }

    #[test]
    fn into_inner_moves_the_value_out() {
        let s = Secret::new("hunter2".to_owned());
        assert_eq!(s.into_inner(), "hunter2");
        let m: Secret<BTreeMap<String, String>> = Secret::default();
        assert!(m.into_inner().is_empty());
    }

    #[test]
    fn wiping_empties_and_zeroes() {
        let mut s = "hunter2".to_owned();
        s.wipe();
        assert!(s.is_empty());
        let mut v = vec![7u8; 4];
        v.wipe();
        assert!(v.is_empty());
        let mut a = [7u8; 4];
        a.wipe();
        assert_eq!(a, [0; 4]);
        let mut m = BTreeMap::from([("k".to_owned(), "v".to_owned())]);
        m.wipe();
        assert!(m.is_empty());
    }

    #[test]
    fn equality_clone_and_order_follow_the_value() {
        let a = Secret::new("a".to_owned());
        let b: Secret<String> = "b".into();
        assert_eq!(a.clone(), a);
        assert_ne!(a, b);
        assert!(a < b);
    }
}

//! A wrapper for values that must never be printed or leak into serialised state: passwords,
//! tokens, SRP values, client and device secrets.
//!
//! - The value is never changed once wrapped, so clones share it behind an [`Arc`]: tokens are
//!   cloned into every reply, persisted session and state, and a clone costs a reference count,
//!   not a copy of the text. Its memory is zeroized when the last clone is dropped. [`Wipe`] says
//!   how a value type is wiped; it exists because the map-shaped secrets
//!   (`BTreeMap<String, String>`) have no `Zeroize` impl and the orphan rule forbids adding one.
//! - `Debug` and `Display` print `[redacted]`.
//! - **Serialising is redacted unless the caller opts in.** `Serialize` writes the string
//!   `"[redacted]"`, so snapshots, debug dumps and any other serialised state never carry a
//!   secret by accident. Code that must persist or record secrets (the engine's session stores,
//!   its event log, replay tooling) serialises inside [`expose_secrets_while`], which sets a
//!   thread-local flag for the duration of a closure. The flag is plain memory, not IO, a clock
//!   or randomness, so the machine stays pure; being thread-local, a scope on one thread never
//!   exposes a serialisation running on another. Serde serialisation is synchronous, so the
//!   closure cannot be suspended half-way (no `await` inside it).
//! - `Deserialize` reads the value itself, exactly as it was written: a session file or event
//!   log written inside [`expose_secrets_while`] reads back to an equal value. Reading redacted
//!   output gives a secret whose value is the text `[redacted]`.

use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use secrecy::zeroize::Zeroize;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What `Debug`, `Display` and (without the opt-in) `Serialize` write in place of a secret.
pub const REDACTED: &str = "[redacted]";

thread_local! {
    static EXPOSE: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with secret serialisation turned on for this thread: every [`Secret`] serialised
/// while `f` runs writes its value instead of `"[redacted]"`. The previous setting comes back
/// when `f` returns or unwinds, so scopes nest and never leak past their closure.
///
/// ```
/// use cognito_auth_machine::secret::{expose_secrets_while, Secret};
///
/// let password = Secret::new("hunter2".to_owned());
/// assert_eq!(serde_json::to_string(&password).unwrap(), r#""[redacted]""#);
/// let json = expose_secrets_while(|| serde_json::to_string(&password)).unwrap();
/// assert_eq!(json, r#""hunter2""#);
/// ```
pub fn expose_secrets_while<R>(f: impl FnOnce() -> R) -> R {
    /// Puts the previous setting back on drop, which also runs when `f` panics.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            EXPOSE.with(|e| e.set(self.0));
        }
    }
    let _restore = Restore(EXPOSE.with(|e| e.replace(true)));
    f()
}

/// Whether this thread is inside [`expose_secrets_while`].
pub fn secrets_exposed() -> bool {
    EXPOSE.with(Cell::get)
}

/// Overwrites a value's secret bytes in place, for [`Secret`]'s drop.
///
/// Implemented for the shapes secrets take here. Every type that implements
/// [`Zeroize`] can implement it by delegating; a container implements it by wiping what it
/// owns on the heap.
pub trait Wipe {
    /// Overwrites the secret contents; the value may be left empty.
    fn wipe(&mut self);

    /// How the value serialises outside [`expose_secrets_while`]: [`REDACTED`] by default. A
    /// map of parameters keeps its keys (which parameters were sent is not secret, and traces
    /// should show it) and redacts every value.
    fn serialize_redacted<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
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

    fn serialize_redacted<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for key in self.keys() {
            map.serialize_entry(key, REDACTED)?;
        }
        map.end()
    }
}

/// The shared value, wiped when the last [`Secret`] holding it is dropped.
struct Wiped<T: Wipe>(T);

impl<T: Wipe> Drop for Wiped<T> {
    fn drop(&mut self) {
        self.0.wipe();
    }
}

/// A value that is zeroized on drop, never printed, and serialised only on request (see the
/// module docs). Clones share the value.
pub struct Secret<T: Wipe>(Arc<Wiped<T>>);

impl<T: Wipe> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(Arc::new(Wiped(value)))
    }

    /// The wrapped value. Call sites are easy to audit: grep for `expose`.
    pub fn expose(&self) -> &T {
        &self.0 .0
    }

    /// Unwraps the value, moving it out without a copy when no clone shares it (then nothing
    /// of it stays behind); a shared value is copied out and stays with the other clones. The
    /// caller now owns it unprotected (typically to hand it to an SDK builder).
    pub fn into_inner(self) -> T
    where
        T: Default + Clone,
    {
        match Arc::try_unwrap(self.0) {
            Ok(mut sole) => std::mem::take(&mut sole.0),
            Err(shared) => shared.0.clone(),
        }
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

impl<T: Wipe> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
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
        if secrets_exposed() {
            self.expose().serialize(serializer)
        } else {
            self.expose().serialize_redacted(serializer)
        }
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

    fn json<T: Serialize>(value: &T) -> String {
        serde_json::to_string(value).unwrap()
    }

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::new("hunter2".to_owned());
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([redacted])");
    }

    #[test]
    fn serialising_redacts_without_the_opt_in() {
        assert_eq!(json(&Secret::new("hunter2".to_owned())), r#""[redacted]""#);
        assert_eq!(json(&Secret::new(vec![1u8, 2, 3])), r#""[redacted]""#);
        let map = BTreeMap::from([("PASSWORD".to_owned(), "hunter2".to_owned())]);
        // A parameter map keeps its keys: which parameters were sent shows in traces.
        assert_eq!(json(&Secret::new(map)), r#"{"PASSWORD":"[redacted]"}"#);
    }

    #[test]
    fn serialising_inside_the_scope_writes_the_value() {
        let map = BTreeMap::from([("PASSWORD".to_owned(), "hunter2".to_owned())]);
        let (s, v, m) = expose_secrets_while(|| {
            (
                json(&Secret::new("hunter2".to_owned())),
                json(&Secret::new(vec![1u8, 2, 3])),
                json(&Secret::new(map)),
            )
        });
        assert_eq!(s, r#""hunter2""#);
        assert_eq!(v, "[1,2,3]");
        assert_eq!(m, r#"{"PASSWORD":"hunter2"}"#);
    }

    #[test]
    fn exposed_output_reads_back_equal() {
        let original = Secret::new("hunter2".to_owned());
        let text = expose_secrets_while(|| json(&original));
        let back: Secret<String> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, original);
        assert_eq!(back.expose(), "hunter2");
    }

    #[test]
    fn the_flag_is_off_again_after_the_scope() {
        assert!(!secrets_exposed());
        let inside = expose_secrets_while(secrets_exposed);
        assert!(inside);
        assert!(!secrets_exposed());
        let failed: Result<(), &str> = expose_secrets_while(|| Err("failed"));
        assert!(failed.is_err());
        assert!(!secrets_exposed());
        assert_eq!(json(&Secret::new("x".to_owned())), r#""[redacted]""#);
    }

    #[test]
    fn the_flag_is_off_again_after_a_panic_in_the_scope() {
        let caught = std::panic::catch_unwind(|| {
            expose_secrets_while(|| {
                assert!(secrets_exposed());
                panic!("inside the scope");
            })
        });
        assert!(caught.is_err());
        assert!(!secrets_exposed());
        assert_eq!(json(&Secret::new("x".to_owned())), r#""[redacted]""#);
    }

    #[test]
    fn nested_scopes_restore_the_outer_setting() {
        expose_secrets_while(|| {
            expose_secrets_while(|| assert!(secrets_exposed()));
            assert!(
                secrets_exposed(),
                "the inner scope must not end the outer one"
            );
            assert_eq!(json(&Secret::new("x".to_owned())), r#""x""#);
        });
        assert!(!secrets_exposed());
    }

    #[test]
    fn the_flag_is_per_thread() {
        expose_secrets_while(|| {
            let other = std::thread::spawn(|| json(&Secret::new("x".to_owned())))
                .join()
                .unwrap();
            assert_eq!(other, r#""[redacted]""#);
        });
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
    fn clones_share_the_value_and_into_inner_leaves_other_clones_whole() {
        let a = Secret::new("hunter2".to_owned());
        let b = a.clone();
        assert!(std::ptr::eq(a.expose(), b.expose()));
        assert_eq!(a.into_inner(), "hunter2");
        assert_eq!(b.expose(), "hunter2");
        assert_eq!(b.into_inner(), "hunter2");
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

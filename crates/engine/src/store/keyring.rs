//! The session in the OS keyring (feature `keyring`). On Linux this is the kernel's keyutils
//! store, which needs no desktop session or D-Bus (it works headless) but lives in memory: it
//! does not survive a reboot, so the user signs in again after one.
//!
//! The process needs a session keyring it may write to. Login sessions have one; containers and
//! CI jobs often inherit one they cannot use (`AccessDenied`): start the program, or the tests,
//! in a fresh session keyring, e.g. `keyctl session - cargo test -p cognito-auth --features
//! keyring`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use cognito_auth_machine::PersistedSession;
use keyring_core::{CredentialStore, Entry, Error as KeyringError};

use super::{
    envelope, next_generation, KnownGeneration, SessionStore, StoreError, StoreFuture, Stored,
};

/// How many quarantine entries (`<user>.corrupt-<n>`) are tried before giving up.
const MAX_QUARANTINE_SLOTS: u32 = 1000;

/// Keeps the session (the same JSON envelope as [`super::FileStore`]) in one keyring entry,
/// with the file store's semantics:
///
/// * **Generation and merge rule.** The entry carries a generation, bumped by every save. A
///   save re-reads the entry first; if another writer saved since this store last read or
///   wrote it *and* what it saved is signed out while this save holds a user, the save is
///   refused with [`StoreError::SignedOutElsewhere`], so a stale refresh never undoes a
///   sign-out made by another process. A keyring has no lock to take: within one process the
///   store's operations take turns, and between processes the re-read narrows the window in
///   which two writers can cross to the few system calls between a read and a write.
/// * **Corrupt entries are kept.** An entry that cannot be read as a session is copied to the
///   entry `<user>.corrupt-<n>` of the same service (the first free `n`) and removed, then
///   reported as [`StoreError::Corrupt`] with that name; a save that cannot move it aside
///   fails instead of writing over it.
#[derive(Clone)]
pub struct KeyringStore {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<CredentialStore>,
    service: String,
    user: String,
    entry: Entry,
    /// Serialises this process's operations on the entry.
    lock: Mutex<()>,
    /// The generation this store last read or wrote (0: none seen).
    known_generation: KnownGeneration,
}

impl std::fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringStore")
            .field("service", &self.inner.service)
            .field("user", &self.inner.user)
            .finish_non_exhaustive()
    }
}

impl KeyringStore {
    /// The entry for `service` (e.g. your app's id) and `user` (e.g. the pool's client id) in
    /// the kernel keyring.
    pub fn new(service: &str, user: &str) -> Result<Self, StoreError> {
        let store: Arc<CredentialStore> =
            linux_keyutils_keyring_store::Store::new().map_err(|e| describe(&e))?;
        Self::with_credential_store(store, service, user)
    }

    /// The entry for `service` and `user` in another `keyring-core` credential store (another
    /// platform's, or `keyring_core::mock::Store` in tests).
    pub fn with_credential_store(
        store: Arc<CredentialStore>,
        service: &str,
        user: &str,
    ) -> Result<Self, StoreError> {
        let entry = store.build(service, user, None).map_err(|e| describe(&e))?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                service: service.to_owned(),
                user: user.to_owned(),
                entry,
                lock: Mutex::new(()),
                known_generation: KnownGeneration::default(),
            }),
        })
    }

    /// Runs `f` with this process's turn on the entry. keyutils calls are system calls that do
    /// not block on IO, so they run in place.
    fn locked<T>(&self, f: impl FnOnce(&Inner) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let _turn = self
            .inner
            .lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f(&self.inner)
    }
}

impl Inner {
    /// How errors name the entry (`keyring:<service>@<user>`).
    fn label(&self, user: &str) -> PathBuf {
        PathBuf::from(format!("keyring:{}@{user}", self.service))
    }

    /// Reads the entry; a corrupt one is moved aside (and reported) so nothing is lost.
    fn read(&self) -> Result<Stored, StoreError> {
        let bytes = match self.entry.get_secret() {
            Ok(bytes) => bytes,
            Err(KeyringError::NoEntry) => return Ok(Stored::Missing),
            Err(e) => return Err(describe(&e)),
        };
        match envelope::decode_generation(&bytes) {
            Ok((session, generation)) => Ok(Stored::Session(Box::new(session), generation)),
            Err(reason) => {
                let quarantined_to = self.quarantine(&bytes);
                if let Some(to) = &quarantined_to {
                    tracing::warn!(from = %self.label(&self.user).display(), to = %to.display(),
                        %reason, "corrupt keyring session moved aside");
                }
                Err(StoreError::Corrupt {
                    path: self.label(&self.user),
                    quarantined_to,
                    reason,
                })
            }
        }
    }

    /// Copies `bytes` to the first free `<user>.corrupt-<n>` entry, then removes the original.
    fn quarantine(&self, bytes: &[u8]) -> Option<PathBuf> {
        for n in 1..=MAX_QUARANTINE_SLOTS {
            let user = format!("{}.corrupt-{n}", self.user);
            let aside = self.store.build(&self.service, &user, None).ok()?;
            match aside.get_secret() {
                Ok(_) => continue,
                Err(KeyringError::NoEntry) => {}
                Err(e) => {
                    tracing::warn!(error = %describe(&e), "could not look for a free quarantine entry");
                    return None;
                }
            }
            if let Err(e) = aside.set_secret(bytes) {
                tracing::warn!(error = %describe(&e), "could not copy the corrupt session aside");
                return None;
            }
            return match self.entry.delete_credential() {
                Ok(()) | Err(KeyringError::NoEntry) => Some(self.label(&user)),
                Err(e) => {
                    tracing::warn!(error = %describe(&e), "could not remove the corrupt session");
                    None
                }
            };
        }
        None
    }

    fn load(&self) -> Result<Option<PersistedSession>, StoreError> {
        match self.read() {
            Ok(Stored::Missing) => {
                self.known_generation.set(0);
                Ok(None)
            }
            Ok(Stored::Session(session, generation)) => {
                self.known_generation.set(generation);
                Ok(Some(*session))
            }
            Err(e) => {
                if matches!(
                    e,
                    StoreError::Corrupt {
                        quarantined_to: Some(_),
                        ..
                    }
                ) {
                    self.known_generation.set(0);
                }
                Err(e)
            }
        }
    }

    /// Re-reads the entry, applies the merge rule, then writes the next generation.
    fn save(&self, session: &PersistedSession) -> Result<(), StoreError> {
        let generation =
            next_generation(self.known_generation.get(), self.read(), session, || {
                self.label(&self.user)
            })?;
        let bytes = envelope::encode_generation(session, generation).map_err(StoreError::Encode)?;
        self.entry.set_secret(&bytes).map_err(|e| describe(&e))?;
        self.known_generation.set(generation);
        Ok(())
    }

    fn clear(&self) -> Result<(), StoreError> {
        match self.entry.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => {
                self.known_generation.set(0);
                Ok(())
            }
            Err(e) => Err(describe(&e)),
        }
    }
}

/// Describes a keyring error without the stored bytes some variants carry.
fn describe(e: &KeyringError) -> StoreError {
    use keyring_core::Error as E;
    StoreError::Keyring(match e {
        E::BadEncoding(_) => "stored data is not valid text".to_owned(),
        E::BadDataFormat(_, _) => "stored data is in an unexpected format".to_owned(),
        E::Ambiguous(entries) => format!("{} entries match", entries.len()),
        E::PlatformFailure(inner) => format!("platform failure: {inner}"),
        E::NoStorageAccess(inner) => format!("no access to the keyring: {inner}"),
        E::NoEntry => "no entry".to_owned(),
        E::BadStoreFormat(m) | E::NotSupportedByStore(m) => m.clone(),
        E::TooLong(what, max) => format!("{what} is longer than {max}"),
        E::Invalid(what, why) => format!("invalid {what}: {why}"),
        _ => "keyring error".to_owned(),
    })
}

impl SessionStore for KeyringStore {
    fn load(&self) -> StoreFuture<'_, Option<PersistedSession>> {
        let result = self.locked(Inner::load);
        Box::pin(async move { result })
    }

    fn save<'a>(&'a self, session: &'a PersistedSession) -> StoreFuture<'a, ()> {
        let result = self.locked(|inner| inner.save(session));
        Box::pin(async move { result })
    }

    fn clear(&self) -> StoreFuture<'_, ()> {
        let result = self.locked(Inner::clear);
        Box::pin(async move { result })
    }
}

#[cfg(test)]
#[path = "keyring_tests.rs"]
mod tests;

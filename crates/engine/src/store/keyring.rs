//! The session in the OS keyring (feature `keyring`). On Linux this is the kernel's keyutils
//! store, which needs no desktop session or D-Bus (it works headless) but lives in memory: it
//! does not survive a reboot, so the user signs in again after one.
//!
//! The process needs a session keyring it may write to. Login sessions have one; containers and
//! CI jobs often inherit one they cannot use (`AccessDenied`): start the program, or the tests,
//! in a fresh session keyring, e.g. `keyctl session - cargo test -p cognito-auth --features
//! keyring`.

use std::path::PathBuf;
use std::sync::Arc;

use cognito_auth_machine::PersistedSession;
use keyring_core::api::CredentialStoreApi as _;

use super::{envelope, SessionStore, StoreError, StoreFuture};

/// Keeps the session (the same JSON envelope as [`super::FileStore`]) in one keyring entry.
#[derive(Clone)]
pub struct KeyringStore {
    entry: Arc<keyring_core::Entry>,
    name: String,
}

impl std::fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringStore")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl KeyringStore {
    /// The entry for `service` (e.g. your app's id) and `user` (e.g. the pool's client id).
    pub fn new(service: &str, user: &str) -> Result<Self, StoreError> {
        let store = linux_keyutils_keyring_store::Store::new().map_err(|e| describe(&e))?;
        let entry = store.build(service, user, None).map_err(|e| describe(&e))?;
        Ok(Self {
            entry: Arc::new(entry),
            name: format!("{service}@{user}"),
        })
    }

    fn load_now(&self) -> Result<Option<PersistedSession>, StoreError> {
        let bytes = match self.entry.get_secret() {
            Ok(bytes) => bytes,
            Err(keyring_core::Error::NoEntry) => return Ok(None),
            Err(e) => return Err(describe(&e)),
        };
        envelope::decode(&bytes)
            .map(Some)
            .map_err(|reason| StoreError::Corrupt {
                // Entries cannot be moved aside: it stays until the next save replaces it.
                path: PathBuf::from(format!("keyring:{}", self.name)),
                quarantined_to: None,
                reason,
            })
    }
}

/// Describes a keyring error without the stored bytes some variants carry.
fn describe(e: &keyring_core::Error) -> StoreError {
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
        // keyutils calls are system calls that do not block on IO.
        let result = self.load_now();
        Box::pin(async move { result })
    }

    fn save<'a>(&'a self, session: &'a PersistedSession) -> StoreFuture<'a, ()> {
        let result = envelope::encode(session)
            .map_err(StoreError::Encode)
            .and_then(|bytes| self.entry.set_secret(&bytes).map_err(|e| describe(&e)));
        Box::pin(async move { result })
    }

    fn clear(&self) -> StoreFuture<'_, ()> {
        let result = match self.entry.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(describe(&e)),
        };
        Box::pin(async move { result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::session;

    #[tokio::test]
    async fn round_trips_through_the_kernel_keyring() {
        let name = format!("cognito-auth-test-{}", std::process::id());
        let store = KeyringStore::new(&name, "session").unwrap_or_else(|e| {
            panic!(
                "{e}: run the keyring tests in a fresh session keyring, e.g. \
                 `keyctl session - cargo test -p cognito-auth --features keyring`"
            )
        });
        store.clear().await.unwrap();
        assert_eq!(store.load().await.unwrap(), None);
        store.save(&session("k")).await.unwrap();
        assert_eq!(store.load().await.unwrap(), Some(session("k")));
        store.entry.set_secret(b"{ torn").unwrap();
        let err = store.load().await.unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        store.save(&session("k2")).await.unwrap();
        assert_eq!(store.load().await.unwrap(), Some(session("k2")));
        store.clear().await.unwrap();
        assert_eq!(store.load().await.unwrap(), None);
    }
}

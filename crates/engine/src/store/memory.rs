//! A store that keeps the session in memory only (tests, or apps that never persist).

use std::sync::{Arc, Mutex, PoisonError};

use cognito_auth_machine::PersistedSession;

use super::{SessionStore, StoreFuture};

/// Keeps the session in memory. Clones share the same slot, so a test can keep a handle and
/// look at what the engine stored.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    slot: Arc<Mutex<Option<PersistedSession>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that starts with `session`.
    pub fn with_session(session: PersistedSession) -> Self {
        Self {
            slot: Arc::new(Mutex::new(Some(session))),
        }
    }

    /// What is stored now.
    pub fn snapshot(&self) -> Option<PersistedSession> {
        // A panic while holding this lock cannot leave the Option half-written.
        self.slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, value: Option<PersistedSession>) {
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) = value;
    }
}

impl SessionStore for MemoryStore {
    fn load(&self) -> StoreFuture<'_, Option<PersistedSession>> {
        let value = self.snapshot();
        Box::pin(async move { Ok(value) })
    }

    fn save<'a>(&'a self, session: &'a PersistedSession) -> StoreFuture<'a, ()> {
        self.set(Some(session.clone()));
        Box::pin(async { Ok(()) })
    }

    fn clear(&self) -> StoreFuture<'_, ()> {
        self.set(None);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::session;

    #[tokio::test]
    async fn keeps_the_last_saved_session_until_cleared() {
        let store = MemoryStore::new();
        assert_eq!(store.load().await.unwrap(), None);
        store.save(&session("a")).await.unwrap();
        store.save(&session("b")).await.unwrap();
        assert_eq!(store.clone().load().await.unwrap(), Some(session("b")));
        store.clear().await.unwrap();
        assert_eq!(store.snapshot(), None);
    }
}

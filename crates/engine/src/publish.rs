//! The broadcast channels behind [`crate::Auth::subscribe`] and [`crate::Auth::events`],
//! created on the first subscription.
//!
//! A broadcast channel allocates all its slots when it is made (64 each, about 6 KiB for the
//! two), which an engine nobody listens to would carry for nothing; a process running
//! thousands of idle engines notices. Creating them late changes nothing a subscriber can see:
//! a value sent before someone subscribes reaches nobody either way.

use std::sync::OnceLock;

use tokio::sync::broadcast;

use crate::driver::{AuthEvent, UserStateChange};

/// How many published values a subscriber may fall behind before it skips the oldest.
const CAPACITY: usize = 64;

/// Shared by the driver (which publishes) and every [`crate::Auth`] clone (which subscribe).
/// Subscriptions end once the driver and every clone are gone.
#[derive(Debug, Default)]
pub(crate) struct Publishers {
    changes: OnceLock<broadcast::Sender<UserStateChange>>,
    events: OnceLock<broadcast::Sender<AuthEvent>>,
}

impl Publishers {
    pub(crate) fn subscribe_changes(&self) -> broadcast::Receiver<UserStateChange> {
        self.changes
            .get_or_init(|| broadcast::channel(CAPACITY).0)
            .subscribe()
    }

    pub(crate) fn subscribe_events(&self) -> broadcast::Receiver<AuthEvent> {
        self.events
            .get_or_init(|| broadcast::channel(CAPACITY).0)
            .subscribe()
    }

    /// A user-state change, on both streams.
    pub(crate) fn change(&self, change: UserStateChange) {
        if let Some(changes) = self.changes.get() {
            let _ = changes.send(change);
        }
        self.event(AuthEvent::UserState(change));
    }

    pub(crate) fn event(&self, event: AuthEvent) {
        if let Some(events) = self.events.get() {
            let _ = events.send(event);
        }
    }
}

//! What a failed refresh does, per error class (the table is `docs/RETRIES.md`).

use super::*;
use crate::cognito::{RefreshErrorClass, ServiceError};

/// Consecutive failures of the background refreshes: they drive the backoff
/// ([`Shared::backoff_ms`]).
#[derive(Debug, Default)]
pub(crate) struct Retry {
    /// Consecutive failed refreshes.
    pub(crate) tokens: u32,
    /// Consecutive failed background credential fetches.
    pub(crate) credentials: u32,
}

impl Shared {
    /// The service (or the way to it) refused a refresh.
    pub(super) fn on_refresh_error(
        &mut self,
        out: &mut Outbox,
        session: &UserSession,
        err: &ServiceError,
    ) -> State {
        match err.refresh_class() {
            RefreshErrorClass::Rejected => self.expire_session(out, session),
            RefreshErrorClass::Transient => self.refresh_failed(out, session, AuthError::from(err)),
            RefreshErrorClass::Refused => {
                // Asking again unchanged gets the same answer: no retry timer, so nothing
                // loops; the next caller that needs tokens (or a connectivity report) asks once.
                self.retry.tokens = 0;
                Shared::cancel_timer(out, TimerKind::RetryTokens);
                self.refresh_gave_up(out, session, AuthError::from(err))
            }
        }
    }
}

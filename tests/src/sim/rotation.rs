//! Refresh-token rotation as the service applies it, seen from outside: which refresh tokens
//! were replaced, when, and whether the replacement reached the machine.
//!
//! With `RefreshTokenRotation` on, GetTokensFromRefreshToken answers a new refresh token and
//! the submitted one stays valid for `RetryGracePeriodSeconds` after its first use, then is
//! refused with `RefreshTokenReuseException` (API reference, RefreshTokenRotationType). A
//! machine that received the replacement has no business using the old token again; one whose
//! answer was lost (a dropped response, a timeout the service served, a crash) cannot do
//! better, and its session legitimately ends with the refusal.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy)]
struct Rotated {
    /// When the service first replaced the token (true time, ms): the grace period runs from
    /// there, and a retry within it does not extend it.
    first_ms: u64,
    /// Whether an answer carrying a replacement reached the machine.
    delivered: bool,
}

/// The rotations of one run.
#[derive(Debug, Default)]
pub struct Rotations {
    grace_ms: Option<u64>,
    rotated: BTreeMap<String, Rotated>,
}

impl Rotations {
    /// Rotations on a client whose grace period is `grace_s` (`None`: the client does not
    /// rotate, and nothing is ever recorded).
    pub fn new(grace_s: Option<u64>) -> Self {
        Self {
            grace_ms: grace_s.map(|s| s * 1000),
            rotated: BTreeMap::new(),
        }
    }

    /// Whether the client rotates refresh tokens.
    pub fn on(&self) -> bool {
        self.grace_ms.is_some()
    }

    /// The service answered a refresh made with `old` with a new refresh token at `true_ms`.
    pub fn on_rotated(&mut self, old: &str, true_ms: u64) {
        if self.on() {
            self.rotated.entry(old.to_owned()).or_insert(Rotated {
                first_ms: true_ms,
                delivered: false,
            });
        }
    }

    /// A successful answer to a refresh made with `old` reached the machine.
    pub fn on_delivered(&mut self, old: &str) {
        if let Some(r) = self.rotated.get_mut(old) {
            r.delivered = true;
        }
    }

    /// The replacement of `token` is gone for the machine (the save holding it failed and the
    /// process restarted from the store).
    pub fn on_lost(&mut self, token: &str) {
        if let Some(r) = self.rotated.get_mut(token) {
            r.delivered = false;
        }
    }

    /// How long ago `token` stopped being accepted at `true_ms`, if it did.
    pub fn refused_for_ms(&self, token: &str, true_ms: u64) -> Option<u64> {
        let grace = self.grace_ms?;
        let r = self.rotated.get(token)?;
        let end = r.first_ms + grace;
        (true_ms >= end).then(|| true_ms - end)
    }

    /// How many refresh tokens the service replaced.
    pub fn count(&self) -> u64 {
        self.rotated.len() as u64
    }

    /// Whether `token` was replaced by an answer that never reached the machine (and none
    /// that did).
    pub fn replacement_lost(&self, token: &str) -> bool {
        self.rotated.get(token).is_some_and(|r| !r.delivered)
    }
}

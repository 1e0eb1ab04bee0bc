//! Time as the machine sees it: always handed in, never read.

use serde::{Deserialize, Serialize};

/// The moment an input happened, as read by the driver.
///
/// `mono_ms` is a monotonic clock (timers are set against it); `unix_ms` is wall-clock time
/// (token expiry and SRP timestamps are compared against it). Both come from the engine, so a
/// replayed log sees exactly the times the original session saw.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Timestamp {
    /// Milliseconds on a monotonic clock with an arbitrary origin.
    pub mono_ms: u64,
    /// Milliseconds since the Unix epoch.
    pub unix_ms: i64,
}

impl Timestamp {
    /// A timestamp from its two readings.
    pub fn new(mono_ms: u64, unix_ms: i64) -> Self {
        Self { mono_ms, unix_ms }
    }

    /// Seconds since the Unix epoch (floor).
    pub fn unix_s(self) -> i64 {
        self.unix_ms.div_euclid(1000)
    }

    /// This instant moved forward by `ms` on both clocks.
    pub fn plus_ms(self, ms: u64) -> Self {
        Self {
            mono_ms: self.mono_ms.saturating_add(ms),
            unix_ms: self
                .unix_ms
                .saturating_add(i64::try_from(ms).unwrap_or(i64::MAX)),
        }
    }

    /// The monotonic deadline at which wall-clock time `unix_s` is reached, given this reading.
    /// Deadlines already passed map to now.
    pub fn mono_deadline_for_unix_s(self, unix_s: i64) -> u64 {
        let delta_ms = unix_s.saturating_mul(1000).saturating_sub(self.unix_ms);
        if delta_ms <= 0 {
            self.mono_ms
        } else {
            self.mono_ms
                .saturating_add(u64::try_from(delta_ms).unwrap_or(u64::MAX))
        }
    }
}

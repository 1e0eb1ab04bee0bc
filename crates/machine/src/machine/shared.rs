//! The machine's shared storage (what survives across states) and the helpers every state uses:
//! effect ids, replies, waiters, persistence, timers and backoff.
//!
//! The storage is grouped by concern: [`Effects`] and [`ServiceClock`] live here, the session's,
//! the identity pool's and the retries' parts in their modules ([`SessionSide`],
//! [`IdentitySide`], [`Retry`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::identity::IdentitySide;
use super::retry::Retry;
use super::routing::Awaiting;
use super::session::SessionSide;
use crate::cognito::{IdentityRequest, UserPoolRequest};
use crate::config::{Config, RefreshTokenRotation, UserPoolConfig};
use crate::drbg::Drbg;
use crate::error::AuthError;
use crate::input::ApiCall;
use crate::output::{Answer, Effect, EffectId, OperationId, Output, TimerKind};
use crate::secret::Secret;
use crate::session::{
    rearm_floor_ms, refresh_skew_s, steady_now, DeviceSecrets, Federation, IdentityState,
    PersistedSession, Tokens,
};
use crate::time::Timestamp;

/// The statig context: the machine's queue of outputs, which the states append to and
/// [`crate::Machine::poll_output`] drains (no intermediate buffer per input).
pub(crate) type Outbox = std::collections::VecDeque<Output>;

/// How to turn a user-pool response into an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallKind {
    Done,
    /// A call of the account-operation table: its response is the answer.
    Account,
    Device,
    TotpSetup,
    TotpVerified,
    /// UpdateDeviceStatus / ForgetDevice for this user's local device: drop or keep its secret.
    ForgetLocalDevice {
        username: String,
        device_key: String,
    },
}

/// An app call waiting for something the machine is doing (a refresh, a new sign-in, credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Waiter {
    pub(crate) op: OperationId,
    pub(crate) call: ApiCall,
}

/// Effect ids, and the registry of the effects whose results are awaited.
#[derive(Debug)]
pub(crate) struct Effects {
    /// The id the next effect gets (ids start at 1 and are never reused).
    next_id: u64,
    /// Every effect issued whose result has not arrived yet, with what it is for
    /// (see `machine/routing.rs`): entered by [`Effects::issue`], removed when the result is
    /// routed and dispatched.
    pub(crate) awaiting: AwaitedEffects,
}

/// The registry of awaited effects: entries sorted by effect id, found by bisection. Ids are
/// issued in increasing order, so an entry is appended; few effects are outstanding at once
/// (a refresh, a store write, the calls in flight). Unlike a `BTreeMap`, which frees its node
/// when it empties and allocates one again at the next effect (as a session does on every
/// refresh), the vector keeps its allocation.
#[derive(Debug, Default)]
pub(crate) struct AwaitedEffects(Vec<(EffectId, Awaiting)>);

impl AwaitedEffects {
    fn position(&self, effect_id: EffectId) -> Result<usize, usize> {
        self.0.binary_search_by_key(&effect_id, |(id, _)| *id)
    }

    /// Enters `effect_id` (replacing an entry under the same id, which issuing never makes).
    pub(crate) fn insert(&mut self, effect_id: EffectId, awaiting: Awaiting) {
        if self.0.last().is_none_or(|(last, _)| *last < effect_id) {
            self.0.push((effect_id, awaiting));
            return;
        }
        match self.position(effect_id) {
            Ok(i) => self.0[i].1 = awaiting,
            Err(i) => self.0.insert(i, (effect_id, awaiting)),
        }
    }

    pub(crate) fn get(&self, effect_id: &EffectId) -> Option<&Awaiting> {
        self.position(*effect_id).ok().map(|i| &self.0[i].1)
    }

    pub(crate) fn remove(&mut self, effect_id: &EffectId) -> Option<Awaiting> {
        self.position(*effect_id).ok().map(|i| self.0.remove(i).1)
    }

    #[cfg(any(test, feature = "test-util"))]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

impl Effects {
    fn new() -> Self {
        Self {
            next_id: 1,
            awaiting: AwaitedEffects::default(),
        }
    }

    /// Asks for `effect` under a new id, awaited as `awaiting` says.
    pub(crate) fn issue(
        &mut self,
        out: &mut Outbox,
        effect: Effect,
        awaiting: Awaiting,
    ) -> EffectId {
        let effect_id = self.issue_unanswered(out, effect);
        self.awaiting.insert(effect_id, awaiting);
        effect_id
    }

    /// Asks for an effect that gets no result (`OpenUrl`): it is not entered in the registry.
    pub(crate) fn issue_unanswered(&mut self, out: &mut Outbox, effect: Effect) -> EffectId {
        let effect_id = EffectId(self.next_id);
        self.next_id += 1;
        out.push_back(Output::Effect { effect_id, effect });
        effect_id
    }
}

/// The service's clock, as the last tokens' `iat` measured it.
#[derive(Debug, Default)]
pub(crate) struct ServiceClock {
    /// Local clock minus the service's, seconds, from the last tokens' `iat` (0 until tokens
    /// have been seen); identity-pool credentials carry no issue time and use it too.
    pub(crate) drift_s: i64,
    /// When `drift_s` was measured, on both local clocks (in memory only; after a restore
    /// the restored tokens' arrival, see [`crate::session::Tokens::restored`]). The service's
    /// clock is carried forward from it on the monotonic clock ([`Self::service_now_s`]), so a
    /// wall clock set back later, or a drift measured before a jump and kept for a guest after
    /// the sign-out, revives no expired credentials.
    pub(crate) drift_reference: Option<Timestamp>,
}

impl ServiceClock {
    /// Takes the drift of `tokens` (just received or restored) and their arrival instant.
    pub(crate) fn measured_by(&mut self, tokens: &Tokens) {
        self.drift_s = tokens.clock_drift_s;
        self.drift_reference = tokens.arrived;
    }

    /// Now on the clock the drift was measured against, carried forward on the monotonic clock
    /// (the later of that and the wall clock, see [`steady_now`]).
    pub(crate) fn steady_now(&self, now: Timestamp) -> Timestamp {
        steady_now(self.drift_reference, now)
    }

    /// The service's clock now, unix seconds, as the drift and the steady clock estimate it:
    /// what identity-pool credentials (which carry no issue time) are judged by.
    pub(crate) fn service_now_s(&self, now: Timestamp) -> i64 {
        self.steady_now(now).unix_s().saturating_sub(self.drift_s)
    }
}

/// Shared storage of the statig machine: what survives across states, by concern.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) rng: Drbg,
    pub(crate) now: Timestamp,
    /// Effect ids and the effects no state owns.
    pub(crate) effects: Effects,
    /// What the user-pool session keeps across its states (token waiters, rotation, sign-outs).
    pub(crate) session: SessionSide,
    /// The service's clock as the tokens measured it.
    pub(crate) clock: ServiceClock,
    /// The identity pool: identity id, credentials, the fetch in flight and its callers.
    pub(crate) identity: IdentitySide,
    /// Remembered devices, per user name.
    pub(crate) devices: BTreeMap<String, DeviceSecrets>,
    /// Consecutive failures of the background refreshes (drive the backoff).
    pub(crate) retry: Retry,
    /// The current state's label (kept by the `after_transition` hook for error messages).
    pub(crate) state_label: &'static str,
}

impl Shared {
    pub(crate) fn new(config: Config, seed: &[u8; 32]) -> Self {
        Self {
            config,
            rng: Drbg::new(seed),
            now: Timestamp::default(),
            effects: Effects::new(),
            session: SessionSide::default(),
            clock: ServiceClock::default(),
            identity: IdentitySide::default(),
            devices: BTreeMap::new(),
            retry: Retry::default(),
            state_label: "restoring",
        }
    }

    /// Sends a user-pool request whose result is awaited as `awaiting` says.
    pub(crate) fn user_pool(
        &mut self,
        out: &mut Outbox,
        request: UserPoolRequest,
        awaiting: Awaiting,
    ) -> EffectId {
        self.effects
            .issue(out, Effect::UserPool { request }, awaiting)
    }

    /// Sends a step of the identity fetch.
    pub(crate) fn identity_call(&mut self, out: &mut Outbox, request: IdentityRequest) -> EffectId {
        self.effects
            .issue(out, Effect::Identity { request }, Awaiting::Identity)
    }

    /// Sends a user-pool request whose result answers `op` generically.
    pub(crate) fn call(
        &mut self,
        out: &mut Outbox,
        op: OperationId,
        kind: CallKind,
        request: UserPoolRequest,
    ) {
        self.user_pool(out, request, Awaiting::Call { op, kind });
    }

    pub(crate) fn reply(out: &mut Outbox, op: OperationId, result: Result<Answer, AuthError>) {
        out.push_back(Output::Reply { op, result });
    }

    pub(crate) fn trace(out: &mut Outbox, reason: impl Into<String>) {
        out.push_back(Output::Ignored {
            reason: reason.into(),
        });
    }

    pub(crate) fn set_timer(out: &mut Outbox, timer: TimerKind, at_mono_ms: u64) {
        out.push_back(Output::SetTimer { timer, at_mono_ms });
    }

    pub(crate) fn cancel_timer(out: &mut Outbox, timer: TimerKind) {
        out.push_back(Output::CancelTimer { timer });
    }

    pub(crate) fn user_pool_config(&self) -> Result<&UserPoolConfig, AuthError> {
        self.config
            .user_pool
            .as_ref()
            .ok_or_else(|| AuthError::NotConfigured {
                what: "a user pool".into(),
            })
    }

    /// SECRET_HASH for `username`, when the app client has a secret.
    pub(crate) fn secret_hash(&self, username: &str) -> Option<Secret<String>> {
        let pool = self.config.user_pool.as_ref()?;
        let secret = pool.app_client_secret.as_ref()?;
        Some(Secret::new(cognito_auth_srp::secret_hash(
            username,
            &pool.app_client_id,
            secret.expose(),
        )))
    }

    /// The delay before retry number `attempt` (0-based): uniform in `1..=ceiling`, where
    /// `ceiling = min(retry_max_ms, retry_base_ms * 2^attempt)` ("full jitter"), drawn from the
    /// DRBG so a replay waits exactly as long.
    pub(crate) fn backoff_ms(&mut self, attempt: u32) -> u64 {
        let t = &self.config.tuning;
        let ceiling = t
            .retry_base_ms
            .saturating_mul(1u64 << attempt.min(20))
            .min(t.retry_max_ms)
            .max(1);
        // Full jitter (uniform over the whole window, not half of it), from 1 ms so a retry
        // never fires in the same instant as the failure it follows.
        1 + self.rng.next_u64() % ceiling
    }

    /// Persists the session described by `snapshot` plus the shared identity and device state.
    pub(crate) fn persist(&mut self, out: &mut Outbox, snapshot: Snapshot<'_>) {
        let session = PersistedSession {
            version: PersistedSession::VERSION,
            tokens: snapshot.tokens.cloned(),
            tokens_invalid: snapshot.tokens_invalid,
            federation: snapshot.federation.cloned(),
            federation_invalid: snapshot.federation_invalid,
            identity: self.identity.state.clone(),
            devices: self.devices.clone(),
            hosted_ui: snapshot.hosted_ui,
            federation_provider_name: snapshot.federation_provider_name.map(str::to_owned),
            refresh_rotation: self.session.refresh_rotation,
        };
        self.effects.issue(
            out,
            Effect::Persist {
                session: Box::new(session),
            },
            Awaiting::Store,
        );
    }

    /// Answers every waiter with `f(waiter)`.
    pub(crate) fn answer_all(
        out: &mut Outbox,
        waiters: Vec<Waiter>,
        mut f: impl FnMut(&Waiter) -> Result<Answer, AuthError>,
    ) {
        for w in waiters {
            let result = f(&w);
            Self::reply(out, w.op, result);
        }
    }

    /// Fails every waiting call (tokens, credentials) with `err`.
    pub(crate) fn fail_waiters(&mut self, out: &mut Outbox, err: &AuthError) {
        let tokens = std::mem::take(&mut self.session.token_waiters);
        let creds = std::mem::take(&mut self.identity.waiters);
        Self::answer_all(out, tokens, |_| Err(err.clone()));
        Self::answer_all(out, creds, |_| Err(err.clone()));
    }

    /// Forgets the session-bound shared state (identity, in-flight fetch, retries, timers).
    pub(crate) fn clear_session_state(&mut self, out: &mut Outbox) {
        self.identity.state = IdentityState::default();
        self.identity.fetch = None;
        self.retry = Retry::default();
        for timer in [
            TimerKind::TokensDue,
            TimerKind::RetryTokens,
            TimerKind::CredentialsDue,
            TimerKind::RetryCredentials,
        ] {
            Self::cancel_timer(out, timer);
        }
    }

    /// Whether user-pool refreshes use GetTokensFromRefreshToken rather than
    /// REFRESH_TOKEN_AUTH.
    pub(crate) fn refreshes_with_rotation(&self) -> bool {
        match self.config.tuning.refresh_token_rotation {
            RefreshTokenRotation::Enabled => true,
            RefreshTokenRotation::Disabled => false,
            RefreshTokenRotation::Auto => self.session.refresh_rotation,
        }
    }

    /// Whether tokens can be handed out now: not expired, judged on the tokens' steady clock
    /// ([`Tokens::steady_now`]).
    pub(crate) fn tokens_usable(&self, tokens: &Tokens) -> bool {
        tokens.is_valid_at(tokens.steady_now(self.now).unix_s())
    }

    /// Whether tokens are fresh enough not to need a refresh: the service's clock has not
    /// reached the refresh instant (`exp` minus the bounded skew).
    pub(crate) fn tokens_fresh(&self, tokens: &Tokens) -> bool {
        let now = tokens.steady_now(self.now).unix_s();
        let skew = refresh_skew_s(self.config.tuning.refresh_skew_s, tokens.lifetime_s(now));
        tokens.service_now_s(now) < tokens.expires_at_s.saturating_sub(skew)
    }

    /// Arms the refresh timer ahead of the tokens' expiry (see [`Self::arm_refresh`]).
    pub(crate) fn arm_tokens_due(&self, out: &mut Outbox, tokens: &Tokens) {
        let now = tokens.steady_now(self.now);
        let lifetime = tokens.lifetime_s(now.unix_s());
        let at = self.refresh_deadline_at(now, tokens.expires_at_s, lifetime, tokens.clock_drift_s);
        Self::set_timer(out, TimerKind::TokensDue, at);
    }

    /// Tokens just arrived: measure the clock drift against their `iat`, remember it, and keep
    /// the arrival instant.
    pub(crate) fn accept_tokens(&mut self, tokens: Tokens) -> Tokens {
        let tokens = tokens.received(self.now);
        self.clock.measured_by(&tokens);
        tokens
    }

    /// The service's clock now, unix seconds, as the current credentials are judged by: their
    /// own answer's clock (its `Date` and the drift measured against it), carried forward on the
    /// monotonic clock from their arrival; without one, [`ServiceClock::service_now_s`].
    pub(crate) fn credentials_service_now_s(&self) -> i64 {
        match &self.identity.state.credentials_clock {
            Some(clock) => steady_now(self.identity.credentials_arrived, self.now)
                .unix_s()
                .saturating_sub(clock.clock_drift_s),
            None => self.clock.service_now_s(self.now),
        }
    }

    /// The current credentials' lifetime: `Expiration` minus the service's time on receipt
    /// (exact with a [`crate::session::CredentialsClock`]), or what is left of them now.
    pub(crate) fn credentials_lifetime(&self, expiration_s: i64) -> i64 {
        match &self.identity.state.credentials_clock {
            Some(clock) => expiration_s.saturating_sub(clock.service_time_s),
            None => self
                .identity
                .credentials_lifetime_s
                .unwrap_or_else(|| expiration_s.saturating_sub(self.clock.service_now_s(self.now))),
        }
    }

    /// The monotonic deadline at which credentials expiring at `expiration_s` are due, on
    /// their own clock when they have one (see [`Self::credentials_service_now_s`]).
    pub(crate) fn credentials_deadline(&self, expiration_s: i64) -> u64 {
        let lifetime = self.credentials_lifetime(expiration_s);
        match &self.identity.state.credentials_clock {
            Some(clock) => self.refresh_deadline_at(
                steady_now(self.identity.credentials_arrived, self.now),
                expiration_s,
                lifetime,
                clock.clock_drift_s,
            ),
            None => self.refresh_deadline(expiration_s, lifetime, self.clock.drift_s),
        }
    }

    /// The monotonic deadline at which something expiring at `expires_at_s` on the service's
    /// clock and living `lifetime_s` is due: `exp - skew` moved onto the local clock by the
    /// drift, and never sooner than the re-arm floor from now.
    pub(crate) fn refresh_deadline(&self, expires_at_s: i64, lifetime_s: i64, drift_s: i64) -> u64 {
        self.refresh_deadline_at(
            self.clock.steady_now(self.now),
            expires_at_s,
            lifetime_s,
            drift_s,
        )
    }

    /// [`Self::refresh_deadline`] against the given reading of now (its wall time may be a
    /// steady one, see [`Tokens::steady_now`]).
    fn refresh_deadline_at(
        &self,
        now: Timestamp,
        expires_at_s: i64,
        lifetime_s: i64,
        drift_s: i64,
    ) -> u64 {
        let skew = refresh_skew_s(self.config.tuning.refresh_skew_s, lifetime_s);
        let due_local_s = expires_at_s.saturating_sub(skew).saturating_add(drift_s);
        let floor = now.mono_ms.saturating_add(rearm_floor_ms(lifetime_s));
        now.mono_deadline_for_unix_s(due_local_s).max(floor)
    }
}

/// The state-local parts of what gets persisted.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Snapshot<'a> {
    pub(crate) tokens: Option<&'a Tokens>,
    pub(crate) tokens_invalid: bool,
    pub(crate) federation: Option<&'a Federation>,
    pub(crate) federation_invalid: bool,
    pub(crate) hosted_ui: bool,
    pub(crate) federation_provider_name: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::{AwaitedEffects, Awaiting, EffectId};

    #[test]
    fn the_awaited_effects_are_found_by_id_in_any_order_of_entry_and_removal() {
        let mut awaited = AwaitedEffects::default();
        for id in [3, 5, 8] {
            awaited.insert(EffectId(id), Awaiting::Refresh);
        }
        // Out of order (issuing never does it) and under ids already entered, the last one's
        // included.
        awaited.insert(EffectId(4), Awaiting::Identity);
        awaited.insert(EffectId(1), Awaiting::Load);
        awaited.insert(EffectId(5), Awaiting::Outcome);
        awaited.insert(EffectId(8), Awaiting::Load);
        awaited.insert(EffectId(8), Awaiting::Refresh);
        assert_eq!(awaited.len(), 5);
        assert_eq!(awaited.get(&EffectId(4)), Some(&Awaiting::Identity));
        assert_eq!(awaited.get(&EffectId(5)), Some(&Awaiting::Outcome));
        assert_eq!(awaited.get(&EffectId(2)), None);
        assert_eq!(awaited.remove(&EffectId(5)), Some(Awaiting::Outcome));
        assert_eq!(awaited.remove(&EffectId(5)), None);
        assert_eq!(awaited.get(&EffectId(8)), Some(&Awaiting::Refresh));
        for id in [1, 3, 4, 8] {
            assert!(awaited.remove(&EffectId(id)).is_some(), "{id}");
        }
        assert_eq!(awaited.len(), 0);
        awaited.insert(EffectId(9), Awaiting::Refresh);
        assert_eq!(awaited.get(&EffectId(9)), Some(&Awaiting::Refresh));
    }
}

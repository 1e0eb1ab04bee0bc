//! The invariants, checked as the run goes, and the trace a failure prints.

use std::collections::{BTreeMap, VecDeque};

use cognito_auth::machine::session::decode_claims;
use cognito_auth::machine::{
    Answer, ApiCall, AuthError, Event, OperationId, Output, PersistedSession, UserState,
};

use super::mfa::MfaCheck;

/// How many recent inputs and outputs a failure prints.
const TRACE_LEN: usize = 80;

/// Successful refreshes allowed within one token lifetime, besides one per disturbance (a
/// forced refresh, a sign-in, a crash, a clock jump): the scheduled one and retries that race it.
pub const REFRESHES_PER_LIFETIME: usize = 3;

/// What the invariants remember.
#[derive(Debug)]
pub struct Checker {
    failure: Option<String>,
    trace: VecDeque<String>,
    outstanding: BTreeMap<OperationId, &'static str>,
    sign_out_requested: bool,
    rejected: bool,
    refreshes_ok: Vec<u64>,
    disturbances: Vec<u64>,
    lifetime_ms: u64,
    tolerance_ms: u64,
    restored: Option<Option<PersistedSession>>,
    tokens_ok: Vec<OperationId>,
    /// Tokens handed to the app.
    pub tokens_answered: u64,
    /// Successful refreshes.
    pub refreshes: u64,
    /// Credentials handed to the app.
    pub credentials_answered: u64,
    creds_ok: Vec<OperationId>,
    /// A save failed since the last one that landed: the store may be older than the
    /// machine's session, and the machine was told.
    store_behind: bool,
    /// Saves that failed.
    pub failed_saves: u64,
    /// The MFA invariant's memory of the current sign-in.
    pub mfa: MfaCheck,
}

impl Checker {
    /// A checker for tokens living `lifetime_ms`. `tolerance_ms` bounds how far the machine's
    /// estimate of the service clock may honestly be off: it measures the drift as local time
    /// at arrival minus `iat`, so the response's latency and the 1 s resolution of `iat` count.
    pub fn new(lifetime_ms: u64, tolerance_ms: u64) -> Self {
        Self {
            failure: None,
            trace: VecDeque::new(),
            outstanding: BTreeMap::new(),
            sign_out_requested: false,
            rejected: false,
            refreshes_ok: Vec::new(),
            disturbances: Vec::new(),
            lifetime_ms,
            tolerance_ms,
            restored: None,
            tokens_ok: Vec::new(),
            tokens_answered: 0,
            refreshes: 0,
            credentials_answered: 0,
            creds_ok: Vec::new(),
            store_behind: false,
            failed_saves: 0,
            mfa: MfaCheck::default(),
        }
    }

    /// The first violation, if any.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// Whether an invariant failed.
    pub fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// Records a violation (the first one wins).
    pub fn fail(&mut self, message: String) {
        if self.failure.is_none() {
            self.failure = Some(message);
        }
    }

    /// The recent trace, oldest first.
    pub fn trace_lines(&self) -> impl Iterator<Item = &String> {
        self.trace.iter()
    }

    fn push_trace(&mut self, line: String) {
        if self.trace.len() == TRACE_LEN {
            self.trace.pop_front();
        }
        self.trace.push_back(line);
    }

    /// An input to the machine (secrets are redacted by `Debug`).
    pub fn trace(&mut self, mono_ms: u64, event: &Event) {
        self.push_trace(format!(
            "{mono_ms:>12} in  {}",
            short(&format!("{event:?}"))
        ));
    }

    /// An output of the machine.
    pub fn trace_output(&mut self, mono_ms: u64, output: &Output) {
        self.push_trace(format!(
            "{mono_ms:>12} out {}",
            short(&format!("{output:?}"))
        ));
    }

    /// A note from the simulator itself (faults, clock jumps, crashes).
    pub fn note(&mut self, mono_ms: u64, what: String) {
        self.push_trace(format!("{mono_ms:>12} sim {what}"));
    }

    /// The app made a call.
    pub fn on_command(&mut self, op: OperationId, call: &ApiCall, mono_ms: u64) {
        self.outstanding.insert(op, call.name());
        match call {
            ApiCall::SignOut(_) | ApiCall::DeleteUser => {
                self.sign_out_requested = true;
                self.mfa.on_attempt_end();
            }
            ApiCall::FetchTokens {
                force_refresh: true,
            }
            | ApiCall::SignIn { .. } => {
                self.disturbances.push(mono_ms);
                if matches!(call, ApiCall::SignIn { .. }) {
                    self.mfa.on_sign_in();
                }
            }
            _ => {}
        }
    }

    /// The local clock jumped.
    pub fn on_clock_jump(&mut self, mono_ms: u64) {
        self.disturbances.push(mono_ms);
    }

    /// The process died; the next one restores `stored`.
    pub fn on_crash(&mut self, mono_ms: u64, stored: Option<PersistedSession>) {
        self.outstanding.clear();
        self.mfa.on_attempt_end();
        self.disturbances.push(mono_ms);
        self.restored = Some(stored);
    }

    /// The service definitively rejected the session's tokens.
    pub fn on_rejection(&mut self, _mono_ms: u64) {
        self.rejected = true;
    }

    /// A refresh succeeded: no loop, at most a few per token lifetime.
    pub fn on_refresh_ok(&mut self, mono_ms: u64) {
        self.refreshes += 1;
        self.refreshes_ok.push(mono_ms);
        let from = mono_ms.saturating_sub(self.lifetime_ms);
        let within = |v: &[u64]| v.iter().filter(|t| **t > from && **t <= mono_ms).count();
        let count = within(&self.refreshes_ok);
        let allowed = REFRESHES_PER_LIFETIME + within(&self.disturbances);
        if count > allowed {
            self.fail(format!(
                "{count} successful refreshes within one token lifetime ({} s); at most \
                 {allowed} expected",
                self.lifetime_ms / 1000
            ));
        }
    }

    /// The machine answered `op`: exactly once; tokens unexpired by the emulator's clock and
    /// held by the store. `restore_slack_ms` is how far the device clock went back unseen by a
    /// restarted process (tokens and credentials); `guest_slack_ms` is for credentials only.
    pub fn on_reply(
        &mut self,
        op: OperationId,
        result: &Result<Answer, AuthError>,
        true_ms: u64,
        guest_slack_ms: u64,
        restore_slack_ms: u64,
        disk: &Result<Option<PersistedSession>, String>,
    ) {
        let Some(name) = self.outstanding.remove(&op) else {
            self.fail(format!(
                "operation {} answered twice (or never asked)",
                op.0
            ));
            return;
        };
        if name == "sign_in" || name == "confirm_sign_in" {
            if let Some(message) = self.mfa.on_reply(op, result, true_ms) {
                self.fail(message);
            }
        }
        if let Ok(Answer::Credentials { credentials, .. }) = result {
            let slack = guest_slack_ms.saturating_add(restore_slack_ms);
            self.on_credentials(op, credentials.expiration_s, true_ms, slack);
        }
        let Ok(Answer::Tokens(tokens)) = result else {
            return;
        };
        self.tokens_answered += 1;
        self.tokens_ok.push(op);
        match decode_claims(tokens.access_token.expose()) {
            Ok(claims) => {
                let exp_ms = u64::try_from(claims.exp).unwrap_or(0).saturating_mul(1000);
                if exp_ms + self.tolerance_ms + restore_slack_ms <= true_ms {
                    self.fail(format!(
                        "operation {} was handed an access token that expired {} ms before the \
                         emulator's now",
                        op.0,
                        true_ms - exp_ms
                    ));
                }
            }
            Err(e) => self.fail(format!("operation {} got an unreadable token: {e}", op.0)),
        }
        // A failed save leaves the store behind until the next one lands; the machine is told
        // of it (`Stored(Err)`), and the engine reports it to the app.
        if self.store_behind {
            return;
        }
        let stored = match disk {
            Ok(Some(s)) => s.tokens.clone(),
            Ok(None) => None,
            Err(e) => {
                self.fail(e.clone());
                return;
            }
        };
        let stored_refresh = stored.as_ref().and_then(|t| t.refresh_token.clone());
        if tokens.refresh_token.is_some() && stored_refresh != tokens.refresh_token {
            self.fail(format!(
                "operation {} was answered with tokens whose refresh token the store does not hold",
                op.0
            ));
        }
        // Without rotation the refresh token never changes, so the store could lag behind
        // every refresh unseen by the check above; a crash would then restore tokens older
        // than the app already holds. The store must hold tokens at least as new.
        let stored_exp = stored.as_ref().map(|t| t.expires_at_s);
        if stored_exp.is_none_or(|exp| exp < tokens.expires_at_s) {
            self.fail(format!(
                "operation {} was answered with tokens newer than the store holds (stored exp \
                 {stored_exp:?}, answered exp {})",
                op.0, tokens.expires_at_s
            ));
        }
    }

    /// `op` was answered with credentials expiring at `expiration_s`: not expired by the
    /// service's clock, with the same tolerance as tokens (the machine judges them by its
    /// estimate of that clock), plus `slack_ms` where the machine has no such estimate.
    fn on_credentials(&mut self, op: OperationId, expiration_s: i64, true_ms: u64, slack_ms: u64) {
        self.credentials_answered += 1;
        self.creds_ok.push(op);
        let exp_ms = u64::try_from(expiration_s)
            .unwrap_or(0)
            .saturating_mul(1000);
        if exp_ms + self.tolerance_ms + slack_ms <= true_ms {
            self.fail(format!(
                "operation {} was handed AWS credentials that expired {} ms before the \
                 emulator's now",
                op.0,
                true_ms - exp_ms
            ));
        }
    }

    /// Whether `op` was answered with credentials.
    pub fn credentials_ok(&self, op: OperationId) -> bool {
        self.creds_ok.contains(&op)
    }

    /// A save landed (`ok`) or failed.
    pub fn on_save(&mut self, ok: bool) {
        self.store_behind = !ok;
        if !ok {
            self.failed_saves += 1;
        }
    }

    /// Whether a save failed since the last one that landed.
    pub fn store_behind(&self) -> bool {
        self.store_behind
    }

    /// The published user state changed.
    pub fn on_user_state(&mut self, from: UserState, to: UserState, _mono_ms: u64) {
        // A new sign-in starts a new session; a restore (from unknown) continues the old one,
        // and a sign-out asked for while restoring still counts.
        if to == UserState::SignedIn && from != UserState::Unknown {
            if let Some(message) = self.mfa.on_signed_in() {
                self.fail(message);
            }
            self.sign_out_requested = false;
            self.rejected = false;
        }
        let ended = matches!(
            to,
            UserState::SignedOut | UserState::Guest | UserState::SignedOutUserPoolsTokenInvalid
        );
        if from == UserState::SignedIn && ended && !self.sign_out_requested && !self.rejected {
            self.fail(format!(
                "signed out ({from:?} -> {to:?}) without a sign-out call or a definitive rejection"
            ));
        }
        if from == UserState::Unknown {
            let had_session = self.restored.take().flatten().is_some_and(|s| {
                s.tokens.is_some_and(|t| t.refresh_token.is_some()) && !s.tokens_invalid
            });
            if had_session && to != UserState::SignedIn {
                self.fail(format!(
                    "restored a stored session as {to:?} instead of signedIn"
                ));
            }
        }
    }

    /// Whether `op` was answered with tokens.
    pub fn tokens_ok(&self, op: OperationId) -> bool {
        self.tokens_ok.contains(&op)
    }

    /// Whether the session may legitimately end: the app asked to sign out, or the service
    /// definitively rejected the session, since the last sign-in.
    pub fn session_may_end(&self) -> bool {
        self.rejected || self.sign_out_requested
    }

    /// Calls still waiting for their answer.
    pub fn outstanding(&self) -> impl Iterator<Item = (&OperationId, &&'static str)> {
        self.outstanding.iter()
    }
}

fn short(s: &str) -> String {
    const MAX: usize = 220;
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

//! The pair: the real [`Machine`], the emulator core, a virtual clock and a simulated disk,
//! wired together as the engine wires them, with every fault drawn from the seed.

use std::collections::BTreeMap;

use cognito_auth::machine::account::AccountAuth;
use cognito_auth::machine::cognito::{
    IdentityRequest, IdentityResponse, UserPoolRequest, UserPoolResponse,
};
use cognito_auth::machine::{
    Answer, ApiCall, Config, Effect, EffectId, EffectResult, Event, Input, KeptEphemerals, Machine,
    OperationId, Output, PersistedSession, ServiceError, ServiceErrorKind, SignInStep, SrpTask,
    StoreFailure, TimerKind, Timestamp, UserState,
};
use cognito_auth_emulator::{Emulator, UnixMillis};

use super::check::Checker;
use super::disk::Disk;
use super::rng::Rng;
use super::rotation::Rotations;
use super::wire;

/// How often things go wrong, drawn once per run.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Whether faults are injected at all (off in the liveness phase).
    pub on: bool,
    /// Per mille of requests answered 500 `InternalErrorException`.
    pub server_error: u64,
    /// Per mille answered `TooManyRequestsException`.
    pub throttle: u64,
    /// Per mille that time out (the request may or may not have been served).
    pub timeout: u64,
    /// Per mille whose response is lost after the emulator served them.
    pub drop: u64,
    /// Upper bound of a response's latency, ms.
    pub max_latency_ms: u64,
    /// The network is down until this monotonic instant.
    pub offline_until_mono: u64,
    /// Per mille of session saves that fail (the store keeps the previous session).
    pub store_fail: u64,
}

impl Faults {
    /// Rates drawn from `rng`: a third of the runs are fault-free.
    pub fn draw(rng: &mut Rng) -> Self {
        if rng.chance(333) {
            return Self {
                on: true,
                max_latency_ms: rng.range(1, 300),
                ..Self::default()
            };
        }
        Self {
            on: true,
            server_error: rng.range(0, 100),
            throttle: rng.range(0, 100),
            timeout: rng.range(0, 50),
            drop: rng.range(0, 50),
            max_latency_ms: rng.range(1, 3_000),
            offline_until_mono: 0,
            store_fail: rng.range(0, 100),
        }
    }
}

/// An effect whose result the machine has not seen yet.
#[derive(Debug)]
struct InFlight {
    effect_id: EffectId,
    deliver_at_mono: u64,
    result: EffectResult,
    /// A REFRESH_TOKEN_AUTH or GetTokensFromRefreshToken call.
    refresh: bool,
    /// The refresh token a GetTokensFromRefreshToken call submitted.
    rotating: Option<String>,
    /// An identity-pool call, made in this [`World::epoch`].
    identity: Option<u64>,
}

/// The whole simulated world of one run.
pub struct World {
    /// The seed's stream.
    pub rng: Rng,
    /// The emulator core.
    pub emu: Emulator,
    /// The pool id.
    pub pool_id: String,
    /// The app client id (the machine's requests carry it).
    pub client_id: String,
    /// The machine's configuration (a crash restarts it with the same).
    pub config: Config,
    /// The machine under test.
    pub machine: Machine,
    /// Monotonic clock, ms.
    pub mono_ms: u64,
    /// The true time (the emulator's clock), unix ms.
    pub true_ms: u64,
    /// The device's clock minus the true time, ms.
    pub offset_ms: i64,
    /// How fast the device clock drifts, parts per million (signed).
    pub drift_ppm: i64,
    /// Fault rates.
    pub faults: Faults,
    /// The stored session.
    pub disk: Disk,
    /// The invariants and what they remember.
    pub check: Checker,
    /// Refresh tokens the service replaced.
    pub rotations: Rotations,
    inflight: Vec<InFlight>,
    /// Hold guest credentials to the service's clock too (see [`super::Budget`]).
    pub strict_guest_credentials: bool,
    /// Backward jumps of the device clock: when (true ms) and how far (ms).
    pub back_jumps: Vec<(u64, u64)>,
    /// How far the device clock went back after the restored tokens' drift was measured: a
    /// restarted process has only the wall clock and that drift, so it cannot see these jumps
    /// (unless they put the clock before the tokens' `iat`). Slack for answers until the
    /// machine holds other tokens (docs/SIMULATOR.md, "Findings"; seed 4830).
    restore_slack_ms: u64,
    /// `iat` of the restored tokens `restore_slack_ms` applies to.
    restore_iat: Option<i64>,
    /// The same for restored identity-pool credentials, counted from their answer's `Date`
    /// (`CredentialsClock`): slack for credential answers until the machine holds others.
    restore_creds_slack_ms: u64,
    /// `Date` of the restored credentials `restore_creds_slack_ms` applies to.
    restore_creds_time: Option<i64>,
    /// Bumped at every change of the published user state (a new session or none).
    epoch: u64,
    timers: BTreeMap<TimerKind, u64>,
    next_op: u64,
    /// The SRP executor's ephemerals, from `SRP_A` to the claim (the engine's store: a crash
    /// empties it).
    srp_kept: std::sync::Mutex<KeptEphemerals>,
    /// `SRP_A` results, fed to the machine as soon as the outputs of the input that asked for
    /// them are performed.
    at_once: Vec<(EffectId, EffectResult)>,
}

impl World {
    /// A world at true time `true_ms`; the machine starts (and asks for the stored session).
    pub fn new(
        mut rng: Rng,
        emu: Emulator,
        pool_id: String,
        client_id: String,
        config: Config,
        true_ms: u64,
        check: Checker,
    ) -> Self {
        let machine = Machine::new(config.clone(), rng.seed32());
        let mut world = Self {
            rng,
            emu,
            pool_id,
            client_id,
            config,
            machine,
            mono_ms: 1_000_000,
            true_ms,
            offset_ms: 0,
            drift_ppm: 0,
            faults: Faults::default(),
            disk: Disk::default(),
            check,
            rotations: Rotations::default(),
            inflight: Vec::new(),
            epoch: 0,
            strict_guest_credentials: false,
            back_jumps: Vec::new(),
            restore_slack_ms: 0,
            restore_creds_slack_ms: 0,
            restore_creds_time: None,
            restore_iat: None,
            timers: BTreeMap::new(),
            next_op: 1,
            srp_kept: Default::default(),
            at_once: Vec::new(),
        };
        world.drain();
        world
    }

    /// Now, as the device reads it.
    pub fn now(&self) -> Timestamp {
        let local = i64::try_from(self.true_ms)
            .unwrap_or(i64::MAX)
            .saturating_add(self.offset_ms);
        Timestamp::new(self.mono_ms, local)
    }

    fn tick(&mut self, ms: u64) {
        self.mono_ms += ms;
        self.true_ms += ms;
        let drift = i64::try_from(ms).unwrap_or(i64::MAX) * self.drift_ppm / 1_000_000;
        self.offset_ms += drift;
    }

    /// Moves time forward by `ms`, delivering every result and timer due on the way, in order.
    pub fn advance(&mut self, ms: u64) {
        let until = self.mono_ms + ms;
        loop {
            let next_result = self
                .inflight
                .iter()
                .enumerate()
                .min_by_key(|(i, f)| (f.deliver_at_mono, *i))
                .map(|(i, f)| (f.deliver_at_mono, i));
            let next_timer = self
                .timers
                .iter()
                .min_by_key(|(_, at)| **at)
                .map(|(k, at)| (*at, *k));
            let result_first = match (next_result, next_timer) {
                (Some((r, _)), Some((t, _))) => r <= t,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let at = if result_first {
                next_result.map_or(until, |x| x.0)
            } else {
                next_timer.map_or(until, |x| x.0)
            };
            if at > until {
                break;
            }
            self.tick(at.saturating_sub(self.mono_ms));
            if result_first {
                if let Some((_, i)) = next_result {
                    let f = self.inflight.remove(i);
                    if f.refresh && matches!(&f.result, EffectResult::UserPool(Ok(_))) {
                        self.check.on_refresh_ok(self.mono_ms);
                        if let Some(old) = &f.rotating {
                            self.rotations.on_delivered(old);
                        }
                    }
                    if let EffectResult::Loaded(Ok(Some(session))) = &f.result {
                        self.on_restored(session);
                    }
                    self.feed(Event::Completed {
                        effect_id: f.effect_id,
                        result: f.result,
                    });
                }
            } else if let Some((_, timer)) = next_timer {
                self.timers.remove(&timer);
                self.feed(Event::TimerFired { timer });
            }
            if self.check.failed() {
                return;
            }
        }
        self.tick(until.saturating_sub(self.mono_ms));
    }

    /// The app calls `call`; returns its operation id.
    pub fn command(&mut self, call: ApiCall) -> OperationId {
        let op = OperationId(self.next_op);
        self.next_op += 1;
        self.check.on_command(op, &call, self.mono_ms);
        // A sign-out ends the session even when the published state stays (a guest's).
        if matches!(call, ApiCall::SignOut(_)) {
            self.epoch += 1;
        }
        self.feed(Event::Command { op, call });
        op
    }

    /// The engine reports a connectivity change.
    pub fn connectivity(&mut self, online: bool) {
        self.feed(Event::Connectivity { online });
    }

    /// The process dies (in-flight calls, timers and waiting callers with it) and a new one
    /// restores the session from the disk.
    pub fn crash_and_restore(&mut self) {
        // A save that failed since the last one that landed may have held a rotated refresh
        // token: for the new process, that replacement never arrived.
        if self.check.store_behind() {
            if let Some(token) = self
                .disk
                .load()
                .ok()
                .flatten()
                .and_then(|s| s.tokens)
                .and_then(|t| t.refresh_token)
            {
                self.rotations.on_lost(token.expose());
            }
        }
        self.inflight.clear();
        self.timers.clear();
        self.srp_kept = Default::default();
        self.at_once.clear();
        self.check
            .on_crash(self.mono_ms, self.disk.load().ok().flatten());
        self.machine = Machine::new(self.config.clone(), self.rng.seed32());
        self.drain();
    }

    /// The machine is handed the stored session: the backward jumps since its tokens arrived
    /// (their `iat`, on the true clock) are invisible to it, unless they put the device clock,
    /// less the stored drift, more than a minute before `iat` (the machine then refreshes
    /// before handing anything out, `Tokens::restored`).
    fn on_restored(&mut self, session: &PersistedSession) {
        self.restore_slack_ms = 0;
        self.restore_iat = None;
        self.restore_creds_slack_ms = 0;
        self.restore_creds_time = None;
        // Credentials judged on their own `Date` (`CredentialsClock`): the same reasoning, from
        // the service time they were answered at (seed 350: a guest's clock went back 3.5 h
        // while running, 0.8 h less than passed before the restart).
        if let (Some(_), Some(clock)) = (
            &session.identity.credentials,
            &session.identity.credentials_clock,
        ) {
            let service_estimate_s = self.now().unix_s().saturating_sub(clock.clock_drift_s);
            if service_estimate_s >= clock.service_time_s.saturating_sub(60) {
                let since_ms = u64::try_from(clock.service_time_s)
                    .unwrap_or(0)
                    .saturating_mul(1000);
                self.restore_creds_slack_ms = self.jumps_back_since(since_ms);
                self.restore_creds_time = Some(clock.service_time_s);
            }
        }
        let Some(tokens) = &session.tokens else {
            return;
        };
        let Some(iat) = tokens.issued_at_s else {
            return;
        };
        let service_estimate_s = self.now().unix_s().saturating_sub(tokens.clock_drift_s);
        if service_estimate_s < iat.saturating_sub(60) {
            return;
        }
        let since_ms = u64::try_from(iat).unwrap_or(0).saturating_mul(1000);
        self.restore_slack_ms = self.jumps_back_since(since_ms);
        self.restore_iat = Some(iat);
    }

    /// How far the device clock jumped back, in all, since `since_ms` (true clock, less the
    /// second a service time is rounded to).
    fn jumps_back_since(&self, since_ms: u64) -> u64 {
        self.back_jumps
            .iter()
            .filter(|(at, _)| at.saturating_add(1000) >= since_ms)
            .map(|(_, ms)| ms)
            .sum()
    }

    /// Whether a REFRESH_TOKEN_AUTH call is in flight.
    pub fn refresh_in_flight(&self) -> bool {
        self.inflight.iter().any(|f| f.refresh)
    }

    fn feed(&mut self, event: Event) {
        let input = Input {
            at: self.now(),
            event,
        };
        self.check.trace(self.mono_ms, &input.event);
        self.machine.handle_input(input);
        self.drain();
    }

    /// Performs every output the machine has queued, as the engine's driver does.
    fn drain(&mut self) {
        let outputs: Vec<Output> = std::iter::from_fn(|| self.machine.poll_output()).collect();
        // The effects of an input that changed the user state belong to the new session.
        if outputs
            .iter()
            .any(|o| matches!(o, Output::UserStateChanged { .. }))
        {
            self.epoch += 1;
        }
        for output in outputs {
            self.check.trace_output(self.mono_ms, &output);
            match output {
                Output::Effect { effect_id, effect } => self.perform(effect_id, effect),
                Output::SetTimer { timer, at_mono_ms } => {
                    self.timers.insert(timer, at_mono_ms);
                }
                Output::CancelTimer { timer } => {
                    self.timers.remove(&timer);
                }
                Output::Reply { op, result } => {
                    let disk = self.disk.load();
                    // Without tokens the machine has no estimate of the service's clock, so a
                    // guest's credentials are judged on the device clock (docs/SIMULATOR.md,
                    // "Findings").
                    let guest = self.machine.user_state() != UserState::SignedIn;
                    let slack = if guest && !self.strict_guest_credentials {
                        self.offset_ms.unsigned_abs()
                    } else {
                        0
                    };
                    // A sign-in reported done has signed the user in.
                    let state = self.machine.user_state();
                    if matches!(
                        &result,
                        Ok(Answer::SignIn {
                            next_step: SignInStep::Done
                        })
                    ) && state != UserState::SignedIn
                    {
                        self.check.fail(format!(
                            "operation {} was told the sign-in is done, but the user is {state:?}",
                            op.0
                        ));
                    }
                    let restore_slack = if matches!(&result, Ok(Answer::Credentials { .. })) {
                        self.restore_slack_ms.max(self.restore_creds_slack_ms)
                    } else {
                        self.restore_slack_ms
                    };
                    self.check
                        .on_reply(op, &result, self.true_ms, slack, restore_slack, &disk);
                }
                Output::UserStateChanged { from, to } => {
                    self.check.on_user_state(from, to, self.mono_ms);
                }
                Output::Ignored { .. } => {}
            }
        }
        for (effect_id, result) in std::mem::take(&mut self.at_once) {
            self.feed(Event::Completed { effect_id, result });
        }
    }

    fn perform(&mut self, effect_id: EffectId, effect: Effect) {
        let mut rotating = None;
        let mut identity = None;
        let (delay, result, refresh) = match effect {
            Effect::UserPool { request } => {
                let refresh = is_refresh(&request);
                if refresh && self.refresh_in_flight() {
                    self.check
                        .fail("a second REFRESH_TOKEN_AUTH while one is in flight".into());
                }
                rotating = rotated_token(&request).map(str::to_owned);
                let (delay, result) = self.call(|w| w.serve(&request));
                (delay, EffectResult::UserPool(result), refresh)
            }
            Effect::Identity { request } => {
                // A sign-in or sign-out supersedes the fetch of the session before it, whose
                // answer the machine then drops; within one session there is one fetch.
                if self.inflight.iter().any(|f| f.identity == Some(self.epoch)) {
                    self.check.fail(format!(
                        "{} while another identity-pool call of the same session is in flight \
                         (more than one credentials fetch)",
                        request.operation()
                    ));
                }
                identity = Some(self.epoch);
                let (delay, result) = self.call(|w| w.serve_identity(&request));
                (delay, EffectResult::Identity(result), false)
            }
            Effect::OAuthToken { .. } => (
                1,
                EffectResult::OAuth(Err(not_configured("token endpoint"))),
                false,
            ),
            // SRP_A is answered at once (after the outputs of the input that asked for it),
            // drawing nothing from the seed's stream and taking no virtual time, as when the
            // machine computed it itself (a call made while SRP_A is computed is left to the
            // model tests). Seeds still play other runs than before: the first 60 give other
            // totals (docs/SIMULATOR.md).
            Effect::Srp {
                task: task @ SrpTask::PublicA { .. },
            } => {
                let result = task.run(&self.srp_kept);
                self.at_once.push((effect_id, EffectResult::Srp(result)));
                return;
            }
            Effect::Srp { task } => {
                let result = task.run(&self.srp_kept);
                (self.rng.range(1, 5), EffectResult::Srp(result), false)
            }
            Effect::LoadSession => {
                let loaded = self.disk.load();
                if let Err(e) = &loaded {
                    self.check.fail(e.clone());
                }
                let loaded =
                    loaded.map_err(|message| cognito_auth::machine::StoreFailure { message });
                (self.rng.range(0, 5), EffectResult::Loaded(loaded), false)
            }
            Effect::Persist { session } => {
                // Other credentials: their own `Date` again.
                let creds_time = session.identity.credentials_clock.map(|c| c.service_time_s);
                if session.identity.credentials.is_none() || creds_time != self.restore_creds_time {
                    self.restore_creds_slack_ms = 0;
                    self.restore_creds_time = None;
                }
                // Other tokens: the machine measured the drift again.
                if let Some(tokens) = &session.tokens {
                    if tokens.issued_at_s != self.restore_iat {
                        self.restore_slack_ms = 0;
                        self.restore_iat = None;
                    }
                }
                let result = self.save(&session);
                (self.rng.range(0, 5), EffectResult::Stored(result), false)
            }
            Effect::OpenUrl { .. } => return,
        };
        self.inflight.push(InFlight {
            effect_id,
            deliver_at_mono: self.mono_ms + delay,
            result,
            refresh,
            rotating,
            identity,
        });
    }

    /// A save: it fails at the run's rate (the disk keeps what it held, and the machine is
    /// told), or lands and reads back the same.
    fn save(&mut self, session: &PersistedSession) -> Result<(), StoreFailure> {
        if self.faults.on && self.rng.chance(self.faults.store_fail) {
            let now = self.mono_ms;
            self.check
                .note(now, "the session store's write fails".into());
            self.check.on_save(false);
            return Err(StoreFailure {
                message: "simulated write failure".into(),
            });
        }
        let saved = self.disk.save(session).and_then(|()| self.disk.load());
        match saved {
            Ok(Some(back)) if back == *session => {}
            Ok(_) => self
                .check
                .fail("the stored session reads back different".into()),
            Err(e) => self.check.fail(e),
        }
        self.check.on_save(true);
        Ok(())
    }

    /// One service call: its fate drawn from the fault rates, `serve` run against the emulator
    /// at the true time when the request reaches it. Returns the delay until the machine sees
    /// the outcome.
    fn call<T>(
        &mut self,
        serve: impl FnOnce(&mut Self) -> Result<T, ServiceError>,
    ) -> (u64, Result<T, ServiceError>) {
        let timeout = self.config.tuning.request_timeout_ms;
        let latency = self.rng.range(1, self.faults.max_latency_ms.max(1));
        let f = self.faults.clone();
        if f.on && self.mono_ms < f.offline_until_mono {
            let delay = self.rng.range(1, 50);
            return (delay, Err(wire::transport_error(ServiceErrorKind::Network)));
        }
        if f.on {
            let pick = self.rng.range(0, 999);
            let mut edge = f.server_error;
            if pick < edge {
                let e = cognito_auth_emulator::ApiError::new(
                    cognito_auth_emulator::ErrorKind::InternalError,
                    "simulated",
                );
                return (latency, Err(wire::service_error(&e)));
            }
            edge += f.throttle;
            if pick < edge {
                let e = cognito_auth_emulator::ApiError::new(
                    cognito_auth_emulator::ErrorKind::TooManyRequests,
                    "Rate exceeded",
                );
                return (latency, Err(wire::service_error(&e)));
            }
            edge += f.timeout;
            if pick < edge {
                if self.rng.chance(500) {
                    let _ = serve(self);
                }
                return (
                    timeout,
                    Err(wire::transport_error(ServiceErrorKind::Timeout)),
                );
            }
            edge += f.drop;
            if pick < edge {
                let _ = serve(self);
                return (
                    latency,
                    Err(wire::transport_error(ServiceErrorKind::Network)),
                );
            }
        }
        let result = serve(self);
        (latency.min(timeout), result)
    }

    fn serve_identity(
        &mut self,
        request: &IdentityRequest,
    ) -> Result<IdentityResponse, ServiceError> {
        let (target, body) = wire::identity_request(request);
        self.emu
            .handle(&target, &body, UnixMillis(self.true_ms))
            .map_err(|e| wire::service_error(&e))
            // The HTTP `Date` the server would send: its clock, whole seconds.
            .and_then(|v| {
                let date_s = i64::try_from(self.true_ms / 1000).ok();
                wire::identity_response(request.operation(), &v, date_s)
            })
    }

    fn serve(&mut self, request: &UserPoolRequest) -> Result<UserPoolResponse, ServiceError> {
        let (target, body) = wire::user_pool_request(request, &self.client_id);
        let answer = self
            .emu
            .handle(&target, &body, UnixMillis(self.true_ms))
            .map_err(|e| wire::service_error(&e))
            .and_then(|v| wire::user_pool_response(request, &v));
        if let Err(e) = &answer {
            if e.is_not_authorized() && uses_session(request) {
                self.check.on_rejection(self.mono_ms);
            }
        }
        if let Some(old) = rotated_token(request) {
            self.on_rotation_answer(old, &answer);
        }
        answer
    }

    /// The service answered GetTokensFromRefreshToken made with `old`: a new refresh token
    /// replaces it; a `RefreshTokenReuseException` is a definitive refusal only when the
    /// machine never received the replacement.
    fn on_rotation_answer(&mut self, old: &str, answer: &Result<UserPoolResponse, ServiceError>) {
        match answer {
            Ok(UserPoolResponse::Auth(r)) => {
                let new = r
                    .authentication_result
                    .as_ref()
                    .and_then(|a| a.refresh_token.as_ref());
                if new.is_some_and(|n| n.expose() != old) {
                    self.rotations.on_rotated(old, self.true_ms);
                }
            }
            Err(e) if e.is_refresh_token_reused() => {
                if self.rotations.replacement_lost(old) {
                    self.check.on_rejection(self.mono_ms);
                } else {
                    self.check.fail(
                        "refreshed with a refresh token the machine had already received the \
                         replacement of (RefreshTokenReuseException)"
                            .into(),
                    );
                }
            }
            _ => {}
        }
    }

    /// With rotation, the stored refresh token is one the service still accepts, unless its
    /// replacement never reached the machine (then the session ends at the next refresh, by a
    /// definitive refusal) or the session may end anyway.
    pub fn check_stored_refresh_token(&mut self) {
        if !self.rotations.on() || self.check.session_may_end() || self.check.store_behind() {
            return;
        }
        let Ok(Some(stored)) = self.disk.load() else {
            return;
        };
        if stored.tokens_invalid {
            return;
        }
        let Some(token) = stored.tokens.and_then(|t| t.refresh_token) else {
            return;
        };
        let token = token.expose();
        if let Some(ms) = self.rotations.refused_for_ms(token, self.true_ms) {
            if !self.rotations.replacement_lost(token) {
                self.check.fail(format!(
                    "the store holds a refresh token the service stopped accepting {ms} ms ago, \
                     though the machine received its replacement"
                ));
            }
        }
    }
}

/// The refresh token a GetTokensFromRefreshToken call submits.
fn rotated_token(request: &UserPoolRequest) -> Option<&str> {
    match request {
        UserPoolRequest::GetTokensFromRefreshToken { refresh_token, .. } => {
            Some(refresh_token.expose().as_str())
        }
        _ => None,
    }
}

fn is_refresh(request: &UserPoolRequest) -> bool {
    matches!(
        request.auth_flow(),
        Some("REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN")
    ) || matches!(request, UserPoolRequest::GetTokensFromRefreshToken { .. })
}

/// Requests made with the session's tokens: their definitive rejection may end the session.
fn uses_session(request: &UserPoolRequest) -> bool {
    is_refresh(request)
        || !matches!(
            request,
            UserPoolRequest::InitiateAuth { .. }
                | UserPoolRequest::RespondToAuthChallenge { .. }
                | UserPoolRequest::Account {
                    auth: AccountAuth::Client { .. },
                    ..
                }
        )
}

fn not_configured(what: &str) -> ServiceError {
    ServiceError {
        kind: ServiceErrorKind::Service,
        code: "NotConfigured".to_owned(),
        message: format!("{what}: not configured in the simulation"),
    }
}

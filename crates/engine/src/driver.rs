//! The driver: one tokio task owns the machine, feeds it every input with the current time, and
//! performs its outputs mechanically.
//!
//! * app calls arrive over an mpsc channel, each with a oneshot for its reply; the driver picks
//!   the [`OperationId`] and resolves the oneshot when the machine replies to it;
//! * service calls and SRP computations run as spawned tasks; their results come back as
//!   [`Event::Completed`] with the effect's id;
//! * store operations run on their own task ([`crate::store_task`]), one at a time and in the
//!   order the machine asked (an older save must never land after a newer one); a sign-out's
//!   answer waits until the signed-out session is written, every answer given while a save
//!   carrying a new refresh token is on its way waits until it is written (see
//!   [`Driver::drain`]), and store failures are published as [`AuthEvent::Store`];
//! * timers: at most one per [`TimerKind`], `SetTimer` replaces, `CancelTimer` removes;
//! * user-state changes are published on a `watch` channel and, once someone subscribes, a
//!   broadcast channel (`publish.rs`).
//!
//! Every clock reading goes through [`Clock::now`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use cognito_auth_machine::cognito::ServiceError;
use cognito_auth_machine::{
    Answer, ApiCall, AuthError, Effect, EffectId, EffectResult, Event, Input, KeptEphemerals,
    OperationId, Output, PersistedSession, Secret, ServiceErrorKind, SignOutOptions, SrpFailure,
    TimerKind, Timestamp, UserState,
};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::drivable::{Drivable, RunSrp};
use crate::event_log::EventLogWriter;
use crate::exec::ServiceClients;
use crate::publish::Publishers;
use crate::store::SessionStore;
use crate::store_task::{self, StoreDone, StoreEvent, StoreJob};

/// A reply channel for one app call.
pub(crate) type Reply = oneshot::Sender<Result<Answer, AuthError>>;

/// What the app handles send to the driver.
pub(crate) enum Command {
    /// An API call.
    Call {
        /// The request. Boxed: the command channel allocates room for 32 commands up front,
        /// and a boxed call makes that room a fifth of its size (24 bytes a command, not 112).
        call: Box<ApiCall>,
        /// Where its answer goes.
        reply: Reply,
    },
    /// The app learned that the network came or went.
    Connectivity {
        /// Reachable or not.
        online: bool,
    },
    /// Stop after the queued store writes have finished; then signal `done`.
    Shutdown {
        /// Resolved once everything queued is written.
        done: oneshot::Sender<()>,
    },
}

/// A user-state transition, as subscribers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserStateChange {
    /// The previous state.
    pub from: UserState,
    /// The new state.
    pub to: UserState,
}

/// Something the app may want to react to, in the order it happened (see
/// [`crate::Auth::events`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthEvent {
    /// The user state changed.
    UserState(UserStateChange),
    /// The session store failed, or another process signed out.
    Store(StoreEvent),
}

/// Reads wall-clock time in Unix milliseconds.
pub type UnixClock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Called with hosted-UI URLs the machine asks to open.
pub type UrlOpener = Arc<dyn Fn(&str) + Send + Sync>;

/// The system wall clock.
pub(crate) fn system_unix_ms() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        // A clock set before 1970: report it as negative rather than guess.
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// The one place the driver reads time: the monotonic clock is tokio's (so tests can pause and
/// advance it), the wall clock is the system's unless the builder replaced it.
pub(crate) struct Clock {
    origin: Instant,
    unix_ms: UnixClock,
}

impl Clock {
    pub(crate) fn new(unix_ms: UnixClock) -> Self {
        Self {
            origin: Instant::now(),
            unix_ms,
        }
    }

    /// Now, on both clocks.
    pub(crate) fn now(&self) -> Timestamp {
        let mono = Instant::now().saturating_duration_since(self.origin);
        Timestamp::new(
            u64::try_from(mono.as_millis()).unwrap_or(u64::MAX),
            (self.unix_ms)(),
        )
    }

    /// The instant a machine timer set for `at_mono_ms` fires.
    fn deadline(&self, at_mono_ms: u64) -> Instant {
        self.origin + Duration::from_millis(at_mono_ms)
    }
}

/// What the driver needs besides the machine.
pub(crate) struct Parts {
    pub(crate) clients: Arc<ServiceClients>,
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) log: Option<EventLogWriter<Box<dyn Write + Send>>>,
    pub(crate) clock: Clock,
    pub(crate) url_opener: Option<UrlOpener>,
    pub(crate) state_tx: watch::Sender<UserState>,
    pub(crate) publishers: Arc<Publishers>,
}

/// A reply held until a save finishes, and whether a failed save turns it into the store error
/// (a sign-out or a fetch promised durable state; any other answer that only waited for a new
/// refresh token to be written goes out as it is).
struct Held {
    reply: Reply,
    answer: Result<Answer, AuthError>,
    fails_with_save: bool,
}

/// Which result type a spawned effect feeds back (to report a task that died).
#[derive(Clone, Copy)]
enum EffectKind {
    UserPool,
    Identity,
    OAuth,
    Srp,
}

struct Driver<C> {
    core: C,
    parts: Parts,
    pending: HashMap<OperationId, Reply>,
    next_op: u64,
    timers: BTreeMap<TimerKind, Instant>,
    effects: JoinSet<(EffectId, EffectResult)>,
    effect_ids: HashMap<tokio::task::Id, (EffectId, EffectKind)>,
    store_tx: mpsc::UnboundedSender<(EffectId, StoreJob)>,
    /// Calls whose answer promises durable state (sign-out, fetched tokens and credentials):
    /// answered once what the same input saved is written.
    durable_ops: HashSet<OperationId>,
    /// The last save queued while the current input is handled.
    last_save: Option<EffectId>,
    /// The refresh token of the newest session queued for the store (or loaded from it).
    queued_refresh: Option<Secret<String>>,
    /// The newest queued save that carries a refresh token the store did not have, until it
    /// lands: every reply waits for it (a rotated token must be durable before anyone is
    /// answered with tokens derived from it).
    refresh_save: Option<EffectId>,
    /// Replies waiting for a save, by its effect id.
    held: HashMap<EffectId, Vec<Held>>,
    /// What the machine decided on the current input (kept for a redacting log).
    decisions: Option<Vec<serde_json::Value>>,
    /// The client ephemerals between their `SRP_A` and the claim (`RunSrp`); never persisted,
    /// so a claim after a restart fails as `EphemeralNotKept`.
    srp_kept: Arc<std::sync::Mutex<KeptEphemerals>>,
}

/// Runs the machine until every app handle is dropped.
pub(crate) async fn run<C: Drivable + RunSrp>(
    core: C,
    parts: Parts,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    let (store_tx, store_rx) = mpsc::unbounded_channel();
    let (stored_tx, mut stored_rx) = mpsc::unbounded_channel();
    let store_task = tokio::spawn(store_task::run(
        Arc::clone(&parts.store),
        store_rx,
        stored_tx,
    ));
    let mut driver = Driver {
        core,
        parts,
        pending: HashMap::new(),
        next_op: 1,
        timers: BTreeMap::new(),
        effects: JoinSet::new(),
        effect_ids: HashMap::new(),
        store_tx,
        durable_ops: HashSet::new(),
        last_save: None,
        queued_refresh: None,
        refresh_save: None,
        held: HashMap::new(),
        decisions: None,
        srp_kept: Arc::default(),
    };
    let mut shutdown = None;
    // `Machine::new` queued its first outputs (loading the session) before any input.
    driver.drain();
    loop {
        let next_timer = driver
            .timers
            .iter()
            .min_by_key(|(_, at)| **at)
            .map(|(kind, at)| (*kind, *at));
        let timer = async {
            match next_timer {
                Some((kind, at)) => {
                    tokio::time::sleep_until(at).await;
                    kind
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            // Polled in the order written: when several are ready at once, a store result or an
            // effect result is fed before a timer or a new command. Results unblock callers, and
            // a timer racing a result then sees the state that result produced.
            biased;
            Some(done) = stored_rx.recv() => driver.stored(done),
            Some(joined) = driver.effects.join_next_with_id(), if !driver.effects.is_empty() => {
                driver.completed(joined);
            }
            kind = timer => {
                driver.timers.remove(&kind);
                driver.feed(Event::TimerFired { timer: kind });
            }
            command = commands.recv() => match command {
                Some(Command::Call { call, reply }) => driver.call(*call, Some(reply)),
                Some(Command::Connectivity { online }) => {
                    driver.feed(Event::Connectivity { online });
                }
                Some(Command::Shutdown { done }) => {
                    shutdown = Some(done);
                    break;
                }
                // Every handle is gone: nobody can call or listen any more.
                None => break,
            },
        }
    }
    // In-flight calls are aborted; their callers get `DriverStopped`.
    driver.effects.abort_all();
    // Closing the store queue lets the queued writes finish, in order.
    let (closed_tx, _) = mpsc::unbounded_channel();
    drop(std::mem::replace(&mut driver.store_tx, closed_tx));
    if let Some(done) = shutdown {
        let _ = store_task.await;
        // A sign-out answered only once its write finished: answer it now.
        while let Ok(stored) = stored_rx.try_recv() {
            driver.release(stored.effect_id, stored.result);
        }
        let _ = done.send(());
    }
}

impl<C: Drivable + RunSrp> Driver<C> {
    /// Feeds an app call; `reply` is `None` for calls the driver makes itself.
    fn call(&mut self, call: ApiCall, reply: Option<Reply>) {
        let op = OperationId(self.next_op);
        self.next_op += 1;
        if let Some(reply) = reply {
            // Tokens a refresh brought are answered once the session holding them is written:
            // a save refused because another process signed out meanwhile must not still hand
            // them out.
            if matches!(
                call,
                ApiCall::SignOut(_)
                    | ApiCall::FetchTokens { .. }
                    | ApiCall::FetchCredentials { .. }
            ) {
                self.durable_ops.insert(op);
            }
            self.pending.insert(op, reply);
        }
        self.feed(Event::Command { op, call });
    }

    /// A store job finished: the machine hears the result, held replies go out, and the app
    /// hears about failures.
    fn stored(&mut self, done: Box<StoreDone>) {
        let StoreDone {
            effect_id,
            result,
            event,
        } = *done;
        if let EffectResult::Loaded(Ok(Some(session))) = &result {
            self.queued_refresh = refresh_token(session);
        }
        // Saves land in the order queued: this one and every earlier one are done.
        if self.refresh_save == Some(effect_id) {
            self.refresh_save = None;
        }
        self.release(effect_id, result.clone());
        self.feed(Event::Completed { effect_id, result });
        if let Some(event) = event {
            let signed_out_elsewhere = event == StoreEvent::SignedOutElsewhere;
            self.parts.publishers.event(AuthEvent::Store(event));
            if signed_out_elsewhere && self.core.user_state() != UserState::SignedOut {
                // Follow the store: keep nothing the other process ended, and call nothing
                // remote (the other process did that).
                let local = SignOutOptions {
                    global: false,
                    revoke: false,
                    hosted_ui: false,
                };
                self.call(ApiCall::SignOut(local), None);
            }
        }
    }

    /// Sends the replies held for save `effect_id`; a failed save turns a sign-out's or a
    /// fetch's success into the store error (the caller was promised durable state). Other held
    /// answers go out as they are: the failure reaches the app as [`StoreEvent::SaveFailed`].
    fn release(&mut self, effect_id: EffectId, result: EffectResult) {
        let Some(held) = self.held.remove(&effect_id) else {
            return;
        };
        let failure = match result {
            EffectResult::Stored(Err(e)) => Some(e.message),
            _ => None,
        };
        for held in held {
            let answer = match (&failure, held.answer) {
                (Some(message), Ok(_)) if held.fails_with_save => Err(AuthError::Store {
                    message: message.clone(),
                }),
                (_, answer) => answer,
            };
            let _ = held.reply.send(answer);
        }
    }

    fn feed(&mut self, event: Event) {
        let input = Input {
            at: self.parts.clock.now(),
            event,
        };
        // A full log records the input before the machine sees it (a crash still leaves it for
        // replay); a redacting log records it after, with the decisions it caused.
        let redacting = match &mut self.parts.log {
            Some(log) if log.is_redacting() => Some(input.clone()),
            Some(log) => {
                let written = log.append(&input);
                self.log_failed(written);
                None
            }
            None => None,
        };
        self.core.handle_input(input);
        self.decisions = redacting.as_ref().map(|_| Vec::new());
        self.drain();
        if let (Some(input), Some(decisions)) = (redacting, self.decisions.take()) {
            if let Some(log) = &mut self.parts.log {
                let written = log.append_decided(&input, decisions);
                self.log_failed(written);
            }
        }
    }

    fn log_failed(&mut self, written: Result<(), crate::event_log::LogError>) {
        if let Err(e) = written {
            tracing::warn!(error = %e, "event log write failed; logging stops here");
            self.parts.log = None;
        }
    }

    /// Performs every queued output. Replies go out last, so that a caller woken by its reply
    /// already sees the state changes the same input caused (`user_state()` is up to date).
    /// A sign-out's or a fetch's reply is held until the last save queued by the same input is
    /// written, and a failed save turns it into the store error. Any other reply is held while
    /// a save carrying a new refresh token (a rotation, a sign-in) is queued and not yet
    /// written: with rotation the old token dies after the grace period, so an app that exits
    /// once answered must find the new one on disk.
    fn drain(&mut self) {
        let mut replies = Vec::new();
        self.last_save = None;
        while let Some(output) = self.core.poll_output() {
            if let Some(decisions) = &mut self.decisions {
                decisions.push(crate::redact::decision(&output));
            }
            match output {
                Output::Reply { op, result } => replies.push((op, result)),
                other => self.perform(other),
            }
        }
        for (op, result) in replies {
            let durable = self.durable_ops.remove(&op);
            let hold = match (durable, self.last_save, self.refresh_save) {
                (true, Some(save), _) => Some((save, true)),
                (_, _, Some(save)) => Some((save, false)),
                _ => None,
            };
            match (hold, self.pending.remove(&op)) {
                (Some((save, fails_with_save)), Some(reply)) => {
                    self.held.entry(save).or_default().push(Held {
                        reply,
                        answer: result,
                        fails_with_save,
                    });
                }
                (_, Some(reply)) => {
                    let _ = reply.send(result);
                }
                (_, None) => tracing::debug!(op = op.0, "reply for an unknown operation"),
            }
        }
    }

    fn perform(&mut self, output: Output) {
        match output {
            Output::Effect { effect_id, effect } => self.start(effect_id, effect),
            Output::SetTimer { timer, at_mono_ms } => {
                let at = self.parts.clock.deadline(at_mono_ms);
                self.timers.insert(timer, at);
            }
            Output::CancelTimer { timer } => {
                self.timers.remove(&timer);
            }
            Output::Reply { op, result } => match self.pending.remove(&op) {
                // The caller may have stopped waiting (its future was dropped): nothing to do.
                Some(reply) => {
                    let _ = reply.send(result);
                }
                None => tracing::debug!(op = op.0, "reply for an unknown operation"),
            },
            Output::UserStateChanged { from, to } => {
                tracing::debug!(?from, ?to, "user state changed");
                self.parts.state_tx.send_replace(to);
                // No subscriber is fine.
                let change = UserStateChange { from, to };
                self.parts.publishers.change(change);
            }
            Output::Ignored { reason } => tracing::debug!(%reason, "machine ignored an input"),
        }
    }

    fn start(&mut self, effect_id: EffectId, effect: Effect) {
        let clients = Arc::clone(&self.parts.clients);
        let (handle, kind) = match effect {
            Effect::UserPool { request } => (
                self.effects.spawn(async move {
                    let result = clients.user_pool(request).await;
                    (effect_id, EffectResult::UserPool(result))
                }),
                EffectKind::UserPool,
            ),
            Effect::Identity { request } => (
                self.effects.spawn(async move {
                    let result = clients.identity(request).await;
                    (effect_id, EffectResult::Identity(result))
                }),
                EffectKind::Identity,
            ),
            Effect::OAuthToken { request } => (
                self.effects.spawn(async move {
                    let result = clients.oauth_token(request).await;
                    (effect_id, EffectResult::OAuth(result))
                }),
                EffectKind::OAuth,
            ),
            Effect::Srp { task } => (
                {
                    let kept = Arc::clone(&self.srp_kept);
                    self.effects.spawn(async move {
                        let run = move || C::run_srp(task, &kept);
                        let result = tokio::task::spawn_blocking(run).await.unwrap_or_else(|_| {
                            Err(SrpFailure::computation(
                                "the SRP computation did not finish",
                            ))
                        });
                        (effect_id, EffectResult::Srp(result))
                    })
                },
                EffectKind::Srp,
            ),
            Effect::LoadSession => {
                self.queue_store(effect_id, StoreJob::Load);
                return;
            }
            Effect::Persist { session } => {
                let refresh = refresh_token(&session);
                if refresh.is_some() && refresh != self.queued_refresh {
                    self.refresh_save = Some(effect_id);
                }
                self.queued_refresh = refresh;
                self.queue_store(effect_id, StoreJob::Save(session));
                self.last_save = Some(effect_id);
                return;
            }
            Effect::OpenUrl { url } => {
                match &self.parts.url_opener {
                    Some(open) => open(&url),
                    None => tracing::info!(%url, "open this URL to continue signing in"),
                }
                return;
            }
        };
        self.effect_ids.insert(handle.id(), (effect_id, kind));
    }

    fn queue_store(&mut self, effect_id: EffectId, job: StoreJob) {
        // The store task lives as long as this sender; it cannot be gone while we hold it.
        if self.store_tx.send((effect_id, job)).is_err() {
            tracing::error!("the store task stopped; store effect dropped");
        }
    }

    fn completed(
        &mut self,
        joined: Result<(tokio::task::Id, (EffectId, EffectResult)), tokio::task::JoinError>,
    ) {
        match joined {
            Ok((task, (effect_id, result))) => {
                self.effect_ids.remove(&task);
                self.feed(Event::Completed { effect_id, result });
            }
            Err(e) => {
                // A task that panicked still owes the machine an answer, or it would wait forever.
                let Some((effect_id, kind)) = self.effect_ids.remove(&e.id()) else {
                    return;
                };
                let failure = ServiceError {
                    kind: ServiceErrorKind::InvalidResponse,
                    code: "EngineTaskFailed".to_owned(),
                    message: "the engine task performing this call failed".to_owned(),
                };
                let result = match kind {
                    EffectKind::UserPool => EffectResult::UserPool(Err(failure)),
                    EffectKind::Identity => EffectResult::Identity(Err(failure)),
                    EffectKind::OAuth => EffectResult::OAuth(Err(failure)),
                    EffectKind::Srp => {
                        EffectResult::Srp(Err(SrpFailure::computation(failure.message)))
                    }
                };
                self.feed(Event::Completed { effect_id, result });
            }
        }
    }
}

/// The refresh token a session carries.
fn refresh_token(session: &PersistedSession) -> Option<Secret<String>> {
    session.tokens.as_ref()?.refresh_token.clone()
}

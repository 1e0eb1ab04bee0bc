//! The driver: one tokio task owns the machine, feeds it every input with the current time, and
//! performs its outputs mechanically.
//!
//! * app calls arrive over an mpsc channel, each with a oneshot for its reply; the driver picks
//!   the [`OperationId`] and resolves the oneshot when the machine replies to it;
//! * service calls and SRP computations run as spawned tasks; their results come back as
//!   [`Event::Completed`] with the effect's id;
//! * store operations run on their own task, one at a time and in the order the machine asked
//!   (an older save must never land after a newer one);
//! * timers: at most one per [`TimerKind`], `SetTimer` replaces, `CancelTimer` removes;
//! * user-state changes are published on a `watch` channel and a broadcast channel.
//!
//! Every clock reading goes through [`Clock::now`].

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use cognito_auth_machine::cognito::ServiceError;
use cognito_auth_machine::{
    Answer, ApiCall, AuthError, Effect, EffectId, EffectResult, Event, Input, OperationId, Output,
    PersistedSession, ServiceErrorKind, SrpFailure, StoreFailure, TimerKind, Timestamp, UserState,
};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::drivable::{Drivable, RunSrp};
use crate::event_log::EventLogWriter;
use crate::exec::ServiceClients;
use crate::store::SessionStore;

/// A reply channel for one app call.
pub(crate) type Reply = oneshot::Sender<Result<Answer, AuthError>>;

/// What the app handles send to the driver.
pub(crate) enum Command {
    /// An API call.
    Call {
        /// The request.
        call: ApiCall,
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
    pub(crate) changes_tx: broadcast::Sender<UserStateChange>,
}

/// A store job, run in order on the store task.
enum StoreJob {
    Load,
    Save(Box<PersistedSession>),
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
}

/// Runs the machine until every app handle is dropped.
pub(crate) async fn run<C: Drivable + RunSrp>(
    core: C,
    parts: Parts,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    let (store_tx, store_rx) = mpsc::unbounded_channel();
    let (stored_tx, mut stored_rx) = mpsc::unbounded_channel();
    let store_task = tokio::spawn(store_worker(Arc::clone(&parts.store), store_rx, stored_tx));
    let mut driver = Driver {
        core,
        parts,
        pending: HashMap::new(),
        next_op: 1,
        timers: BTreeMap::new(),
        effects: JoinSet::new(),
        effect_ids: HashMap::new(),
        store_tx,
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
            Some((effect_id, result)) = stored_rx.recv() => {
                driver.feed(Event::Completed { effect_id, result });
            }
            Some(joined) = driver.effects.join_next_with_id(), if !driver.effects.is_empty() => {
                driver.completed(joined);
            }
            kind = timer => {
                driver.timers.remove(&kind);
                driver.feed(Event::TimerFired { timer: kind });
            }
            command = commands.recv() => match command {
                Some(Command::Call { call, reply }) => {
                    let op = OperationId(driver.next_op);
                    driver.next_op += 1;
                    driver.pending.insert(op, reply);
                    driver.feed(Event::Command { op, call });
                }
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
    // Dropping the store sender lets the queued writes finish, in order.
    let Driver { store_tx, .. } = driver;
    drop(store_tx);
    if let Some(done) = shutdown {
        let _ = store_task.await;
        let _ = done.send(());
    }
}

impl<C: Drivable + RunSrp> Driver<C> {
    fn feed(&mut self, event: Event) {
        let input = Input {
            at: self.parts.clock.now(),
            event,
        };
        if let Some(log) = &mut self.parts.log {
            if let Err(e) = log.append(&input) {
                tracing::warn!(error = %e, "event log write failed; logging stops here");
                self.parts.log = None;
            }
        }
        self.core.handle_input(input);
        self.drain();
    }

    /// Performs every queued output. Replies go out last, so that a caller woken by its reply
    /// already sees the state changes the same input caused (`user_state()` is up to date).
    fn drain(&mut self) {
        let mut replies = Vec::new();
        while let Some(output) = self.core.poll_output() {
            match output {
                Output::Reply { op, result } => replies.push((op, result)),
                other => self.perform(other),
            }
        }
        for (op, result) in replies {
            self.perform(Output::Reply { op, result });
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
                self.parts.state_tx.send_replace(to);
                // No subscriber is fine.
                let _ = self.parts.changes_tx.send(UserStateChange { from, to });
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
                self.effects.spawn(async move {
                    let result = tokio::task::spawn_blocking(move || C::run_srp(task))
                        .await
                        .unwrap_or_else(|_| {
                            Err(SrpFailure {
                                message: "the SRP computation did not finish".to_owned(),
                            })
                        });
                    (effect_id, EffectResult::Srp(result))
                }),
                EffectKind::Srp,
            ),
            Effect::LoadSession => {
                self.queue_store(effect_id, StoreJob::Load);
                return;
            }
            Effect::Persist { session } => {
                self.queue_store(effect_id, StoreJob::Save(session));
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
                    EffectKind::Srp => EffectResult::Srp(Err(SrpFailure {
                        message: failure.message,
                    })),
                };
                self.feed(Event::Completed { effect_id, result });
            }
        }
    }
}

/// Runs store jobs one at a time, in order.
async fn store_worker(
    store: Arc<dyn SessionStore>,
    mut jobs: mpsc::UnboundedReceiver<(EffectId, StoreJob)>,
    done: mpsc::UnboundedSender<(EffectId, EffectResult)>,
) {
    while let Some((effect_id, job)) = jobs.recv().await {
        let result = match job {
            StoreJob::Load => EffectResult::Loaded(store.load().await.map_err(store_failure)),
            StoreJob::Save(session) => {
                EffectResult::Stored(store.save(&session).await.map_err(store_failure))
            }
        };
        // After shutdown nobody listens; the save itself has happened, which is what matters.
        let _ = done.send((effect_id, result));
    }
}

fn store_failure(err: crate::store::StoreError) -> StoreFailure {
    StoreFailure {
        message: err.to_string(),
    }
}

//! The driver with a scripted stand-in machine, under tokio's paused clock: replies, timers,
//! effects, store ordering, state publication and the event log.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cognito_auth_machine::cognito::UserPoolRequest;
use cognito_auth_machine::config::{Tuning, UserPoolConfig};
use cognito_auth_machine::{
    Answer, ApiCall, AuthError, AuthFlow, Config, Effect, EffectId, EffectResult, Event, Input,
    OperationId, Output, PersistedSession, Secret, SignOutOptions, SrpFailure, SrpOutput, SrpTask,
    TimerKind, UserState,
};
use tokio_stream::StreamExt as _;

use crate::event_log::LogOptions;
use crate::store::{MemoryStore, SessionStore, StoreError, StoreFuture};
use crate::{
    AppError, Auth, AuthEvent, Drivable, Error, NetworkError, RunSrp, StoreEvent, UserStateChange,
};

/// A stand-in machine with a few canned behaviours; records every input it sees.
struct Fake {
    state: UserState,
    out: VecDeque<Output>,
    next_effect: u64,
    waiting_effect: HashMap<EffectId, OperationId>,
    waiting_timer: Option<OperationId>,
    saves_left: Option<(OperationId, u32)>,
    sign_ins: u32,
    seen: Arc<Mutex<Vec<Input>>>,
}

impl Fake {
    fn new(seen: Arc<Mutex<Vec<Input>>>) -> Self {
        let mut fake = Self {
            state: UserState::Unknown,
            out: VecDeque::new(),
            next_effect: 1,
            waiting_effect: HashMap::new(),
            waiting_timer: None,
            saves_left: None,
            sign_ins: 0,
            seen,
        };
        fake.effect(Effect::LoadSession);
        fake
    }

    fn effect(&mut self, effect: Effect) -> EffectId {
        let effect_id = EffectId(self.next_effect);
        self.next_effect += 1;
        self.out.push_back(Output::Effect { effect_id, effect });
        effect_id
    }

    fn reply(&mut self, op: OperationId, result: Result<Answer, AuthError>) {
        self.out.push_back(Output::Reply { op, result });
    }

    fn to(&mut self, to: UserState) {
        let from = std::mem::replace(&mut self.state, to);
        self.out.push_back(Output::UserStateChanged { from, to });
    }
}

fn session(marker: &str) -> PersistedSession {
    let mut s = PersistedSession::default();
    s.identity.identity_id = Some(marker.to_owned());
    s
}

fn user_session(refresh: &str) -> PersistedSession {
    let mut s = session("user");
    s.tokens = Some(cognito_auth_machine::Tokens {
        id_token: None,
        access_token: Secret::new("access-x".to_owned()),
        refresh_token: Some(Secret::new(refresh.to_owned())),
        expires_at_s: 1_900_000_000,
        issued_at_s: None,
        clock_drift_s: 0,
        arrived: None,
        username: "alice".into(),
        sub: "sub-1".into(),
    });
    s
}

impl Drivable for Fake {
    fn handle_input(&mut self, input: Input) {
        self.seen.lock().unwrap().push(input.clone());
        let now = input.at.mono_ms;
        match input.event {
            Event::Completed {
                result: EffectResult::Loaded(Ok(_)),
                ..
            } => self.to(UserState::SignedOut),
            Event::Completed {
                result: EffectResult::Stored(Ok(())),
                ..
            } => {
                if let Some((op, left)) = self.saves_left.take() {
                    if left == 1 {
                        self.reply(op, Ok(Answer::Done));
                    } else {
                        self.saves_left = Some((op, left - 1));
                    }
                }
            }
            Event::Completed {
                effect_id,
                result: EffectResult::UserPool(result),
            } => {
                let op = self.waiting_effect.remove(&effect_id).unwrap();
                self.reply(
                    op,
                    result
                        .map(|_| Answer::Done)
                        .map_err(|e| AuthError::from(&e)),
                );
            }
            Event::Completed {
                effect_id,
                result: EffectResult::Srp(result),
            } => {
                let op = self.waiting_effect.remove(&effect_id).unwrap();
                let result = match result {
                    Ok(_) => Ok(Answer::Done),
                    Err(e) => Err(AuthError::UnexpectedResponse { message: e.message }),
                };
                self.reply(op, result);
            }
            Event::Command { op, call } => match call {
                ApiCall::GetUserState => self.reply(op, Ok(Answer::UserState(self.state))),
                ApiCall::FetchTokens { .. } => {
                    // The second SetTimer replaces the first.
                    self.out.push_back(Output::SetTimer {
                        timer: TimerKind::RetryTokens,
                        at_mono_ms: now + 5_000,
                    });
                    self.out.push_back(Output::SetTimer {
                        timer: TimerKind::RetryTokens,
                        at_mono_ms: now + 1_000,
                    });
                    self.waiting_timer = Some(op);
                }
                ApiCall::Account(request) => {
                    let id = self.effect(Effect::UserPool {
                        request: UserPoolRequest::Account {
                            auth: cognito_auth_machine::account::AccountAuth::AccessToken {
                                access_token: Secret::new("t".to_owned()),
                            },
                            request,
                        },
                    });
                    self.waiting_effect.insert(id, op);
                }
                ApiCall::SetUpTotp => {
                    let id = self.effect(Effect::Srp {
                        task: SrpTask::DeviceVerifier {
                            device_group_key: "g".to_owned(),
                            device_key: "k".to_owned(),
                            random: Secret::new(vec![1, 2, 3]),
                        },
                    });
                    self.waiting_effect.insert(id, op);
                }
                ApiCall::DeleteUser => {
                    for marker in ["first", "second", "third"] {
                        self.effect(Effect::Persist {
                            session: Box::new(session(marker)),
                        });
                    }
                    self.saves_left = Some((op, 3));
                }
                ApiCall::SignOut(_) => {
                    self.out.push_back(Output::CancelTimer {
                        timer: TimerKind::RetryTokens,
                    });
                    // As the machine does: the answer first, then the signed-out session.
                    self.reply(op, Ok(Answer::Done));
                    if self.state != UserState::SignedOut {
                        self.to(UserState::SignedOut);
                    }
                    self.effect(Effect::Persist {
                        session: Box::new(PersistedSession::default()),
                    });
                }
                ApiCall::FetchIdentityId => {
                    // Stands for a sign-in, then for refreshes that rotate the refresh token:
                    // a session with a user and a new refresh token, persisted, then answered.
                    self.sign_ins += 1;
                    if self.state != UserState::SignedIn {
                        self.to(UserState::SignedIn);
                    }
                    let refresh = format!("refresh-{}", self.sign_ins);
                    self.effect(Effect::Persist {
                        session: Box::new(user_session(&refresh)),
                    });
                    self.reply(op, Ok(Answer::Done));
                }
                _ => self.reply(
                    op,
                    Err(AuthError::InvalidState {
                        call: call.name().to_owned(),
                        state: "fake".to_owned(),
                    }),
                ),
            },
            Event::TimerFired { timer } => {
                assert_eq!(timer, TimerKind::RetryTokens);
                if let Some(op) = self.waiting_timer.take() {
                    self.reply(op, Ok(Answer::Done));
                }
            }
            _ => {}
        }
    }

    fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    fn user_state(&self) -> UserState {
        self.state
    }
}

impl RunSrp for Fake {
    fn run_srp(
        task: SrpTask,
        _: &std::sync::Mutex<cognito_auth_machine::KeptEphemerals>,
    ) -> Result<SrpOutput, SrpFailure> {
        match task {
            SrpTask::DeviceVerifier { .. } => Ok(SrpOutput::DeviceVerifier {
                password_verifier: Secret::new("v".to_owned()),
                salt: "0a".to_owned(),
                device_password: Secret::new("p".to_owned()),
            }),
            _ => Err(SrpFailure::computation("unexpected")),
        }
    }
}

fn config() -> Config {
    Config {
        user_pool: Some(UserPoolConfig {
            pool_id: "us-east-1_P".to_owned(),
            app_client_id: "c".to_owned(),
            app_client_secret: None,
            region: "us-east-1".to_owned(),
            auth_flow: AuthFlow::UserSrpAuth,
        }),
        identity_pool: None,
        oauth: None,
        tuning: Tuning::default(),
    }
}

struct Harness {
    auth: Auth,
    seen: Arc<Mutex<Vec<Input>>>,
    store: MemoryStore,
}

fn start(endpoint: &str, log: Option<&std::path::Path>) -> Harness {
    start_with(endpoint, log, None, LogOptions::default())
}

fn start_with(
    endpoint: &str,
    log: Option<&std::path::Path>,
    store: Option<Gated>,
    options: LogOptions,
) -> Harness {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let memory = MemoryStore::new();
    let builder = Auth::builder().config(config()).endpoint_url(endpoint);
    let builder = match store {
        Some(gated) => builder.store(gated),
        None => builder.store(memory.clone()),
    };
    let store = memory;
    let mut builder = builder
        .event_log_options(options)
        .seed([7; 32])
        .unix_clock(|| 1_700_000_000_000);
    if let Some(path) = log {
        builder = builder.event_log(path);
    }
    let seen2 = Arc::clone(&seen);
    let auth = builder.build_with(move |_, _| Fake::new(seen2)).unwrap();
    Harness { auth, seen, store }
}

async fn settled(auth: &Auth) {
    let mut rx = auth.watch_user_state();
    rx.wait_for(|s| *s != UserState::Unknown).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn loads_the_session_first_and_publishes_the_state() {
    let h = start("http://127.0.0.1:9", None);
    let mut changes = h.auth.subscribe();
    settled(&h.auth).await;
    assert_eq!(h.auth.user_state(), UserState::SignedOut);
    assert_eq!(
        changes.next().await,
        Some(UserStateChange {
            from: UserState::Unknown,
            to: UserState::SignedOut
        })
    );
    let answer = h.auth.call_machine(ApiCall::GetUserState).await.unwrap();
    assert_eq!(answer, Answer::UserState(UserState::SignedOut));
    let seen = h.seen.lock().unwrap();
    assert!(matches!(
        seen[0].event,
        Event::Completed {
            effect_id: EffectId(1),
            result: EffectResult::Loaded(Ok(None))
        }
    ));
    assert!(matches!(
        seen[1].event,
        Event::Command {
            op: OperationId(1),
            ..
        }
    ));
}

#[tokio::test(start_paused = true)]
async fn timers_fire_at_their_deadline_and_set_timer_replaces() {
    let h = start("http://127.0.0.1:9", None);
    settled(&h.auth).await;
    let started = tokio::time::Instant::now();
    // The fake answers Done, which is not a token answer: an internal error, after the timer.
    let err = h.auth.tokens().await.unwrap_err();
    assert!(err.to_string().contains("`tokens`"), "{err}");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1_000) && waited < Duration::from_millis(5_000),
        "fired after {waited:?}"
    );
    // Wait past the replaced deadline: the first timer must not fire as well.
    tokio::time::sleep(Duration::from_secs(10)).await;
    h.auth.call_machine(ApiCall::GetUserState).await.unwrap();
    let fired = h
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|i| matches!(i.event, Event::TimerFired { .. }))
        .count();
    assert_eq!(fired, 1);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_timer_never_fires() {
    let h = start("http://127.0.0.1:9", None);
    settled(&h.auth).await;
    let auth = h.auth.clone();
    let pending = tokio::spawn(async move {
        auth.call_machine(ApiCall::FetchTokens {
            force_refresh: false,
        })
        .await
    });
    tokio::task::yield_now().await;
    // The fake answers Done, not SignedOut: an internal error, but the call went through.
    h.auth.sign_out(Default::default()).await.unwrap_err();
    tokio::time::sleep(Duration::from_secs(10)).await;
    h.auth.call_machine(ApiCall::GetUserState).await.unwrap();
    assert!(!h
        .seen
        .lock()
        .unwrap()
        .iter()
        .any(|i| matches!(i.event, Event::TimerFired { .. })));
    pending.abort();
}

#[tokio::test]
async fn service_failures_are_fed_back_as_completed_results() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let h = start(&url, None);
    settled(&h.auth).await;
    let err = h.auth.fetch_user_attributes().await.unwrap_err();
    assert!(
        matches!(&err, Error::Network(NetworkError { .. })),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn srp_runs_off_the_async_threads_and_comes_back() {
    let h = start("http://127.0.0.1:9", None);
    settled(&h.auth).await;
    // The fake maps SetUpTotp to an SRP effect and answers Done when it completes.
    let err = h.auth.set_up_totp().await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("`set_up_totp`") && text.contains("`Done`"),
        "{text}"
    );
    let seen = h.seen.lock().unwrap();
    assert!(seen.iter().any(|i| matches!(
        &i.event,
        Event::Completed { result: EffectResult::Srp(Ok(SrpOutput::DeviceVerifier { salt, .. })), .. } if salt == "0a"
    )));
}

#[tokio::test]
async fn saves_land_in_the_order_the_machine_asked() {
    let h = start("http://127.0.0.1:9", None);
    settled(&h.auth).await;
    h.auth.delete_user().await.unwrap();
    assert_eq!(h.store.snapshot(), Some(session("third")));
}

#[tokio::test]
async fn the_event_log_replays_to_the_same_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let h = start("http://127.0.0.1:9", Some(&path));
    settled(&h.auth).await;
    h.auth.delete_user().await.unwrap();
    h.auth.call_machine(ApiCall::GetUserState).await.unwrap();
    let live_inputs = h.seen.lock().unwrap().clone();
    drop(h);

    let file = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
    let log = crate::event_log::read_log(file).unwrap();
    assert_eq!(log.header.seed, [7; 32]);
    assert_eq!(log.inputs, live_inputs);

    let replay_seen = Arc::new(Mutex::new(Vec::new()));
    let file = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
    let outputs =
        crate::event_log::replay_with(file, |_, _| Fake::new(Arc::clone(&replay_seen))).unwrap();
    assert_eq!(*replay_seen.lock().unwrap(), live_inputs);
    let replies: BTreeMap<u64, bool> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Reply { op, result } => Some((op.0, result.is_ok())),
            _ => None,
        })
        .collect();
    assert_eq!(replies, BTreeMap::from([(1, true), (2, true)]));
}

#[test]
fn calls_after_the_driver_stopped_fail_cleanly() {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let first = runtime();
    let auth = first.block_on(async { start("http://127.0.0.1:9", None).auth });
    drop(first);
    let err = runtime()
        .block_on(auth.call_machine(ApiCall::GetUserState))
        .unwrap_err();
    assert_eq!(err, Error::App(AppError::EngineStopped));
}

/// A memory store whose saves wait for a permit, or are refused as if another process had
/// signed out.
#[derive(Clone)]
struct Gated {
    inner: MemoryStore,
    permits: Arc<tokio::sync::Semaphore>,
    refuse_users: bool,
    fail_all: bool,
}

impl Gated {
    fn new(permits: usize, refuse_users: bool) -> Self {
        Self {
            inner: MemoryStore::new(),
            permits: Arc::new(tokio::sync::Semaphore::new(permits)),
            refuse_users,
            fail_all: false,
        }
    }
}

impl SessionStore for Gated {
    fn load(&self) -> StoreFuture<'_, Option<PersistedSession>> {
        self.inner.load()
    }

    fn save<'a>(&'a self, session: &'a PersistedSession) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let _permit = self.permits.acquire().await.unwrap();
            if self.fail_all {
                return Err(StoreError::Io {
                    operation: "write",
                    path: "session.json".into(),
                    source: std::io::Error::other("disk full"),
                });
            }
            if self.refuse_users && session.tokens.is_some() {
                return Err(StoreError::SignedOutElsewhere {
                    path: "session.json".into(),
                });
            }
            self.inner.save(session).await
        })
    }

    fn clear(&self) -> StoreFuture<'_, ()> {
        self.inner.clear()
    }
}

#[tokio::test]
async fn a_sign_out_answers_only_once_the_signed_out_session_is_written() {
    let gated = Gated::new(0, false);
    let h = start_with(
        "http://127.0.0.1:9",
        None,
        Some(gated.clone()),
        LogOptions::default(),
    );
    settled(&h.auth).await;
    let auth = h.auth.clone();
    let mut sign_out = tokio::spawn(async move {
        auth.call_machine(ApiCall::SignOut(Default::default()))
            .await
    });
    // Real time: the write is held back, and so is the answer.
    let early = tokio::time::timeout(Duration::from_millis(200), &mut sign_out).await;
    assert!(early.is_err(), "answered before the write: {early:?}");
    assert_eq!(gated.inner.snapshot(), None);
    gated.permits.add_permits(10);
    assert!(matches!(sign_out.await.unwrap(), Ok(Answer::Done)));
    assert_eq!(gated.inner.snapshot(), Some(PersistedSession::default()));
}

#[tokio::test(start_paused = true)]
async fn a_save_refused_because_another_process_signed_out_signs_out_locally() {
    let gated = Gated::new(1000, true);
    let h = start_with(
        "http://127.0.0.1:9",
        None,
        Some(gated.clone()),
        LogOptions::default(),
    );
    settled(&h.auth).await;
    let mut events = h.auth.events();
    // The "sign-in" save is refused: another process signed out.
    h.auth.call_machine(ApiCall::FetchIdentityId).await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        seen.push(events.next().await.unwrap());
    }
    assert!(
        seen.contains(&AuthEvent::Store(StoreEvent::SignedOutElsewhere)),
        "{seen:?}"
    );
    // The driver followed the store: a local sign-out, no remote call.
    let local = SignOutOptions {
        global: false,
        revoke: false,
        hosted_ui: false,
    };
    h.auth.call_machine(ApiCall::GetUserState).await.unwrap();
    assert!(h.seen.lock().unwrap().iter().any(|i| matches!(
        &i.event,
        Event::Command { call: ApiCall::SignOut(o), .. } if *o == local
    )));
    assert_eq!(h.auth.user_state(), UserState::SignedOut);
    assert_eq!(gated.inner.snapshot(), Some(PersistedSession::default()));
}

#[tokio::test(start_paused = true)]
async fn a_sign_out_whose_write_keeps_failing_answers_the_store_error_and_reports_it() {
    let gated = Gated {
        fail_all: true,
        ..Gated::new(1000, false)
    };
    let h = start_with(
        "http://127.0.0.1:9",
        None,
        Some(gated.clone()),
        LogOptions::default(),
    );
    settled(&h.auth).await;
    let mut events = h.auth.events();
    let err = h
        .auth
        .call_machine(ApiCall::SignOut(Default::default()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Store(f) if f.message.contains("disk full")),
        "{err:?}"
    );
    loop {
        match events.next().await.unwrap() {
            AuthEvent::Store(StoreEvent::SaveFailed { attempts, .. }) => {
                assert_eq!(attempts, crate::store_task::SAVE_ATTEMPTS);
                break;
            }
            AuthEvent::Store(other) => panic!("{other:?}"),
            AuthEvent::UserState(_) => {}
        }
    }
}

fn stored_refresh(store: &MemoryStore) -> Option<String> {
    let tokens = store.snapshot()?.tokens?;
    Some(tokens.refresh_token?.expose().to_owned())
}

#[tokio::test]
async fn answers_wait_until_a_new_refresh_token_is_written() {
    let gated = Gated::new(1, false);
    let h = start_with(
        "http://127.0.0.1:9",
        None,
        Some(gated.clone()),
        LogOptions::default(),
    );
    settled(&h.auth).await;
    h.auth.call_machine(ApiCall::FetchIdentityId).await.unwrap();
    assert_eq!(stored_refresh(&gated.inner).as_deref(), Some("refresh-1"));
    gated.permits.forget_permits(1);

    // A rotation: its save is held back, and so is its answer ...
    let auth = h.auth.clone();
    let mut rotated =
        tokio::spawn(async move { auth.call_machine(ApiCall::FetchIdentityId).await });
    let early = tokio::time::timeout(Duration::from_millis(200), &mut rotated).await;
    assert!(early.is_err(), "answered before the write: {early:?}");
    // ... and so is any answer given from memory meanwhile.
    let auth = h.auth.clone();
    let mut later = tokio::spawn(async move { auth.call_machine(ApiCall::GetUserState).await });
    let early = tokio::time::timeout(Duration::from_millis(200), &mut later).await;
    assert!(early.is_err(), "answered before the write: {early:?}");
    assert_eq!(stored_refresh(&gated.inner).as_deref(), Some("refresh-1"));

    gated.permits.add_permits(10);
    assert!(matches!(rotated.await.unwrap(), Ok(Answer::Done)));
    assert_eq!(stored_refresh(&gated.inner).as_deref(), Some("refresh-2"));
    assert!(matches!(
        later.await.unwrap(),
        Ok(Answer::UserState(UserState::SignedIn))
    ));
    // Nothing new to write: answered at once.
    gated
        .permits
        .forget_permits(gated.permits.available_permits());
    let now = tokio::time::timeout(
        Duration::from_secs(5),
        h.auth.call_machine(ApiCall::GetUserState),
    );
    assert!(now.await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_rotation_whose_write_fails_still_answers_and_reports_the_failure() {
    let gated = Gated {
        fail_all: true,
        ..Gated::new(1000, false)
    };
    let h = start_with(
        "http://127.0.0.1:9",
        None,
        Some(gated.clone()),
        LogOptions::default(),
    );
    settled(&h.auth).await;
    let mut events = h.auth.events();
    // The tokens are valid whatever the disk holds: the caller gets them, the app the event.
    assert!(matches!(
        h.auth.call_machine(ApiCall::FetchIdentityId).await,
        Ok(Answer::Done)
    ));
    loop {
        match events.next().await.unwrap() {
            AuthEvent::Store(StoreEvent::SaveFailed { attempts, error }) => {
                assert_eq!(attempts, crate::store_task::SAVE_ATTEMPTS);
                assert!(error.message.contains("disk full"), "{error:?}");
                break;
            }
            AuthEvent::Store(other) => panic!("{other:?}"),
            AuthEvent::UserState(_) => {}
        }
    }
}

//! Drives one machine: feeds inputs at a fixed clock, records replies and the requests sent, and
//! performs effects (service calls through a [`Backend`], SRP tasks for real, store writes
//! acknowledged, timers ignored).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use cognito_auth_machine::cognito::{
    IdentityRequest, IdentityResponse, UserPoolRequest, UserPoolResponse,
};
use cognito_auth_machine::{
    Answer, ApiCall, AuthError, Config, Effect, EffectId, EffectResult, Event, Input,
    KeptEphemerals, Machine, OperationId, Output, PersistedSession, ServiceError, Timestamp,
};

/// The runner's wall clock, unix seconds: one hour before the earliest expiry the fixtures hold
/// (AWS credentials expiring at 2342134, in January 1970; the tokens expire in 2018), so every
/// token and credential of a starting state is valid, as Amplify's cases assume.
pub(crate) const NOW_UNIX_S: i64 = 2_342_134 - 3_600;

/// Effects handled per `run` before the runner gives up (a machine that never settles).
const MAX_EFFECTS: usize = 200;

/// Who answers the machine's service calls. `None` leaves the call unanswered.
pub(crate) trait Backend {
    fn user_pool(
        &mut self,
        req: &UserPoolRequest,
    ) -> Option<Result<UserPoolResponse, ServiceError>>;
    fn identity(&mut self, req: &IdentityRequest)
        -> Option<Result<IdentityResponse, ServiceError>>;
}

/// Answers nothing (used while the stored session loads).
pub(crate) struct Silent;

impl Backend for Silent {
    fn user_pool(&mut self, _: &UserPoolRequest) -> Option<Result<UserPoolResponse, ServiceError>> {
        None
    }
    fn identity(&mut self, _: &IdentityRequest) -> Option<Result<IdentityResponse, ServiceError>> {
        None
    }
}

pub(crate) struct Driver {
    pub(crate) m: Machine,
    now: Timestamp,
    next_op: u64,
    queue: VecDeque<(EffectId, Effect)>,
    /// Service calls a backend left unanswered: offered again to the next backend (a refresh
    /// started while the stored session loads is answered by the case's mocks).
    parked: Vec<(EffectId, Effect)>,
    /// Effects already recorded in `user_pool_sent` / `identity_sent`.
    recorded: BTreeSet<EffectId>,
    pub(crate) replies: BTreeMap<OperationId, Result<Answer, AuthError>>,
    /// User-pool requests in the order sent.
    pub(crate) user_pool_sent: Vec<UserPoolRequest>,
    /// Identity-pool requests in the order sent.
    pub(crate) identity_sent: Vec<IdentityRequest>,
    /// What the runner noticed (unanswered calls, SRP failures, double replies).
    pub(crate) notes: Vec<String>,
    /// Problems that make the case fail whatever the validations say.
    pub(crate) faults: Vec<String>,
    /// The ephemerals the SRP tasks keep between SRP_A and the claim (the engine's store).
    kept: std::sync::Mutex<KeptEphemerals>,
}

impl Driver {
    /// A machine for `config`, started from `stored`.
    pub(crate) fn new(config: Config, stored: Option<PersistedSession>) -> Self {
        let mut d = Self {
            m: Machine::new(config, [7u8; 32]),
            now: Timestamp::new(1_000, NOW_UNIX_S * 1000),
            next_op: 1,
            queue: VecDeque::new(),
            parked: Vec::new(),
            recorded: BTreeSet::new(),
            replies: BTreeMap::new(),
            user_pool_sent: Vec::new(),
            identity_sent: Vec::new(),
            notes: Vec::new(),
            faults: Vec::new(),
            kept: Default::default(),
        };
        let initial: Vec<Output> = std::iter::from_fn(|| d.m.poll_output()).collect();
        d.absorb(initial);
        match d.queue.pop_front() {
            Some((id, Effect::LoadSession)) => {
                d.feed(Event::Completed {
                    effect_id: id,
                    result: EffectResult::Loaded(Ok(stored)),
                });
            }
            other => d.faults.push(format!(
                "the machine's first effect was {other:?}, not LoadSession"
            )),
        }
        d.run(&mut Silent);
        d
    }

    /// Forgets the requests and notes gathered so far (after the set-up).
    pub(crate) fn reset_records(&mut self) {
        self.user_pool_sent.clear();
        self.identity_sent.clear();
        self.recorded.clear();
        self.notes.clear();
    }

    fn feed(&mut self, event: Event) {
        let outputs = self.m.handle(Input {
            at: self.now,
            event,
        });
        self.absorb(outputs);
    }

    fn absorb(&mut self, outputs: Vec<Output>) {
        for o in outputs {
            match o {
                Output::Effect { effect_id, effect } => self.queue.push_back((effect_id, effect)),
                Output::Reply { op, result } => {
                    let earlier = self.replies.insert(op, result);
                    if earlier.is_some() {
                        self.faults
                            .push(format!("operation {} answered twice", op.0));
                    }
                }
                _ => {}
            }
        }
    }

    /// Sends an app call; returns its operation id.
    pub(crate) fn call(&mut self, call: ApiCall) -> OperationId {
        let op = OperationId(self.next_op);
        self.next_op += 1;
        self.feed(Event::Command { op, call });
        op
    }

    /// Performs effects until none is left (or only unanswered ones).
    pub(crate) fn run(&mut self, backend: &mut dyn Backend) {
        for parked in std::mem::take(&mut self.parked).into_iter().rev() {
            self.queue.push_front(parked);
        }
        let mut handled = 0;
        while let Some((id, effect)) = self.queue.pop_front() {
            handled += 1;
            if handled > MAX_EFFECTS {
                self.faults.push(format!(
                    "more than {MAX_EFFECTS} effects: the machine never settles"
                ));
                return;
            }
            let first_time = self.recorded.insert(id);
            let result = match &effect {
                Effect::UserPool { request } => {
                    if first_time {
                        self.user_pool_sent.push(request.clone());
                    }
                    backend.user_pool(request).map(EffectResult::UserPool)
                }
                Effect::Identity { request } => {
                    if first_time {
                        self.identity_sent.push(request.clone());
                    }
                    backend.identity(request).map(EffectResult::Identity)
                }
                Effect::Srp { task } => {
                    let r = task.clone().run(&self.kept);
                    if let Err(e) = &r {
                        self.notes.push(format!("SRP task failed: {e}"));
                    }
                    Some(EffectResult::Srp(r))
                }
                Effect::Persist { .. } => Some(EffectResult::Stored(Ok(()))),
                Effect::LoadSession => Some(EffectResult::Loaded(Ok(None))),
                Effect::OpenUrl { url } => {
                    self.notes.push(format!("opened {url}"));
                    continue;
                }
                other => {
                    self.notes
                        .push(format!("effect left unanswered: {other:?}"));
                    continue;
                }
            };
            match result {
                Some(result) => self.feed(Event::Completed {
                    effect_id: id,
                    result,
                }),
                None => self.parked.push((id, effect)),
            }
        }
    }

    /// The reply to `op`, if any.
    pub(crate) fn reply(&self, op: OperationId) -> Option<&Result<Answer, AuthError>> {
        self.replies.get(&op)
    }
}

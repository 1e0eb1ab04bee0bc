//! The system-under-test driver shared by the property tests (`tests/model.rs`,
//! `tests/replay.rs`) and the fuzz target (`fuzz/fuzz_targets/machine.rs`, which includes this
//! file by path).
//!
//! It owns a real [`Machine`], a virtual clock, the effects the machine asked for and nobody
//! has answered yet, the armed timers and the replies, and it checks the machine's promises
//! after every input (see [`Driver::check_step`]). It depends only on the machine crate and
//! `serde_json`, so the fuzz crate can include it unchanged.
//!
//! A session is a list of [`Step`]s: app calls, answers to outstanding effects, timers, time
//! passing and connectivity changes. [`decode_steps`] turns arbitrary bytes into steps (for the
//! fuzzer and its committed corpus).
#![allow(dead_code, unreachable_pub, missing_docs)]
// A test harness: a violated promise is a panic, which proptest shrinks and the fuzzer reports.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use cognito_auth_machine::account::GetUser;
use cognito_auth_machine::cognito::{
    AuthResponse, AuthenticationResult, AwsCredentials, IdentityRequest, IdentityResponse,
    ServiceError, ServiceErrorKind, StringMap, UserPoolRequest, UserPoolResponse,
};
use cognito_auth_machine::config::{IdentityPoolConfig, Tuning, UserPoolConfig};
use cognito_auth_machine::session::{Federation, IdentityState};
use cognito_auth_machine::{
    Answer, ApiCall, AuthFlow, Config, Effect, EffectId, EffectResult, Event, Input,
    KeptEphemerals, Machine, OperationId, Output, PersistedSession, Secret, SignOutOptions,
    TimerKind, Timestamp, Tokens, UserState,
};

/// Serde round trip: what the engine logs must read back as the same value. (A macro rather
/// than a generic function so the fuzz crate needs `serde_json` only, not `serde`.)
macro_rules! round_trip {
    ($value:expr, $ty:ty) => {{
        let value: &$ty = $value;
        let json =
            cognito_auth_machine::secret::expose_secrets_while(|| serde_json::to_string(value))
                .expect("serializes");
        let back: $ty = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("does not deserialize ({e}): {json}"));
        assert_eq!(&back, value, "serde round trip changed the value: {json}");
    }};
}

/// Wall-clock start of every session (November 2023).
pub const T0_UNIX_MS: i64 = 1_700_000_000_000;

/// User names the generated sign-ins use.
pub const USERS: [&str; 2] = ["alice", "bob"];

/// Which backend the machine is configured for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigChoice {
    /// A user pool only.
    UserPool,
    /// A user pool and an identity pool that allows guests.
    WithGuests,
    /// A user pool and an identity pool without guest access.
    NoGuests,
}

impl ConfigChoice {
    pub const ALL: [ConfigChoice; 3] = [Self::UserPool, Self::WithGuests, Self::NoGuests];

    pub fn config(self) -> Config {
        let identity_pool = |allow_guest| IdentityPoolConfig {
            pool_id: "us-east-1:00000000-0000-0000-0000-000000000001".into(),
            region: "us-east-1".into(),
            allow_guest,
        };
        Config {
            user_pool: Some(UserPoolConfig {
                pool_id: "us-east-1_TestPool".into(),
                app_client_id: "client123".into(),
                app_client_secret: None,
                region: "us-east-1".into(),
                auth_flow: AuthFlow::UserPasswordAuth,
            }),
            identity_pool: match self {
                Self::UserPool => None,
                Self::WithGuests => Some(identity_pool(true)),
                Self::NoGuests => Some(identity_pool(false)),
            },
            oauth: None,
            tuning: Tuning::default(),
        }
    }
}

/// What the store holds when the machine starts (the load is answered with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Nothing: a first start.
    Nothing,
    /// alice's tokens, valid for another hour.
    Fresh,
    /// alice's tokens, expired an hour ago (the machine refreshes as it restores).
    Expired,
    /// alice's session whose refresh token was rejected (signedOutUserPoolsTokenInvalid).
    Invalid,
    /// A federated session (with identity id and credentials).
    Federated,
}

impl Stored {
    pub const ALL: [Stored; 5] = [
        Self::Nothing,
        Self::Fresh,
        Self::Expired,
        Self::Invalid,
        Self::Federated,
    ];

    /// The persisted session, for a machine started at `now_s`.
    pub fn session(self, now_s: i64) -> Option<PersistedSession> {
        let tokens = |exp_offset_s: i64| {
            let r = auth_result("alice", now_s + exp_offset_s - 3600, 3600, 0, true);
            Tokens::from_jwts(r.access_token, r.id_token, r.refresh_token)
                .expect("the driver's JWTs decode")
        };
        let base = PersistedSession {
            version: PersistedSession::VERSION,
            ..PersistedSession::default()
        };
        match self {
            Self::Nothing => None,
            Self::Fresh => Some(PersistedSession {
                tokens: Some(tokens(3600)),
                ..base
            }),
            Self::Expired => Some(PersistedSession {
                tokens: Some(tokens(-3600)),
                ..base
            }),
            Self::Invalid => Some(PersistedSession {
                tokens: Some(tokens(-60)),
                tokens_invalid: true,
                ..base
            }),
            Self::Federated => Some(PersistedSession {
                federation: Some(Federation {
                    provider: "accounts.google.com".into(),
                    token: Secret::new("google-token-0".into()),
                    custom_role_arn: None,
                    developer_identity: false,
                }),
                identity: IdentityState {
                    identity_id: Some("us-east-1:identity-0".into()),
                    credentials: Some(AwsCredentials {
                        access_key_id: "AKID0".into(),
                        secret_access_key: Secret::new("secret-key".into()),
                        session_token: Secret::new("session-token".into()),
                        expiration_s: now_s + 1800,
                    }),
                    credentials_clock: None,
                },
                ..base
            }),
        }
    }
}

/// How the service (or the network) answers an outstanding effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Success; tokens and credentials live `ttl_s` seconds from now.
    Ok { ttl_s: u32 },
    /// A challenge instead of tokens (SMS_MFA; PASSWORD_VERIFIER for an SRP InitiateAuth).
    Challenge,
    /// `NotAuthorizedException`.
    NotAuthorized,
    /// Connection refused.
    Network,
    /// HTTP 5xx.
    ServerError,
    /// `TooManyRequestsException`.
    Throttled,
    /// No answer in time.
    Timeout,
}

/// One thing that happens in a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `sign_in` with USER_PASSWORD_AUTH (or USER_SRP_AUTH when `srp`).
    SignIn { user: u8, srp: bool },
    /// `confirm_sign_in` with a code.
    ConfirmSignIn,
    /// `tokens()`.
    Tokens { force: bool },
    /// `aws_credentials()`.
    Credentials { force: bool },
    /// `sign_out`.
    SignOut { global: bool, revoke: bool },
    /// `release_sign_in_wait`.
    ReleaseSignInWait,
    /// `federated_sign_in` (an empty token when `empty_token`, which the machine must refuse).
    FederatedSignIn { empty_token: bool },
    /// `clear_federation`.
    ClearFederation,
    /// `fetch_user_attributes`.
    FetchUserAttributes,
    /// `delete_user`.
    DeleteUser,
    /// Answer the `nth` oldest outstanding effect (modulo their number); nothing if none.
    Answer { nth: u8, reply: Reply },
    /// A timer fires: at its deadline if armed (time moves there), spuriously now if not.
    Timer(TimerKind),
    /// Time passes (both clocks).
    Advance { secs: u32 },
    /// Connectivity changes.
    Connectivity { online: bool },
}

/// The SRP server values the PASSWORD_VERIFIER challenge carries. Any `B` with `B mod N != 0`
/// lets the client compute a claim; nobody verifies it here (tests/replay.rs has a real server).
const SRP_B_HEX: &str = "3fa1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f91";
const SALT_HEX: &str = "0a0b0c0d0e0f";

/// What an outstanding effect asked for.
#[derive(Debug, Clone)]
pub struct Outstanding {
    pub id: EffectId,
    pub effect: Effect,
}

/// What the last input was, for the sign-out invariant.
// Built once per input; boxing the effect would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Cause {
    /// An app call.
    Call(ApiCall),
    /// The answer to an effect.
    Answered {
        effect: Effect,
        result: EffectResult,
    },
    /// Anything else.
    Other,
}

/// Which promises the driver enforces (all by default). The model test also runs one property
/// per promise, so a machine bug that breaks one promise does not hide the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checks {
    /// Never signed out without a sign-out call or a definitive rejection.
    pub keeps_user: bool,
    /// At most one REFRESH_TOKEN_AUTH in flight per session.
    pub single_refresh: bool,
    /// Every call answered exactly once; no reply for a call never made; liveness at the end.
    pub answers: bool,
    /// No expired tokens handed out.
    pub fresh_tokens: bool,
    /// Inputs and outputs survive serde; the published user state is consistent.
    pub serde: bool,
    /// The machine agrees with the reference model of who is signed in ([`UserModel`]).
    pub agrees_with_model: bool,
}

impl Checks {
    pub const ALL: Checks = Checks {
        keeps_user: true,
        single_refresh: true,
        answers: true,
        fresh_tokens: true,
        serde: true,
        agrees_with_model: true,
    };
    pub const NONE: Checks = Checks {
        keeps_user: false,
        single_refresh: false,
        answers: false,
        fresh_tokens: false,
        serde: false,
        agrees_with_model: false,
    };
}

/// The driver: a machine plus what an engine would remember about it.
pub struct Driver {
    /// The promises enforced.
    pub checks: Checks,
    pub m: Machine,
    pub config: ConfigChoice,
    pub seed: [u8; 32],
    pub now: Timestamp,
    next_op: u64,
    token_serial: u32,
    /// Effects emitted and not answered, oldest first.
    pub outstanding: Vec<Outstanding>,
    pub timers: BTreeMap<TimerKind, u64>,
    /// Every op issued, and the ones answered.
    pub issued: BTreeSet<OperationId>,
    pub answered: BTreeSet<OperationId>,
    /// Every input fed and every output drained, in order (for replay).
    pub inputs: Vec<Input>,
    pub outputs: Vec<Output>,
    /// The user state as published through `UserStateChanged`.
    pub published: UserState,
    /// Steps applied so far (for messages).
    pub steps: usize,
    /// The reference model of who is signed in.
    pub model: UserModel,
    /// Every change of state seen, as (from, to) state names.
    pub transitions: BTreeSet<(&'static str, &'static str)>,
    /// The ephemerals the SRP tasks keep between SRP_A and the claim (the engine's store).
    pub kept: std::sync::Mutex<KeptEphemerals>,
}

/// A small reference model of the user-pool user, kept from the answers the app sees: a
/// sign-in answered `Done` signs in the user whose `sign_in` call last got an answer that was
/// not an error; a sign-out answered, or any published change away from `SignedIn`, ends it.
/// While it names a user, every `tokens()` answer must be that user's tokens, and a sign-in
/// answered `Done` must leave the machine `SignedIn`, a sign-out answered must not.
#[derive(Debug, Clone, Default)]
pub struct UserModel {
    /// Who is signed in, as far as the answers tell.
    pub user: Option<String>,
    /// The user of the sign-in under way (its `sign_in` call was answered without an error).
    signing_in: Option<String>,
    /// Every call issued, to know what a reply answers.
    calls: BTreeMap<OperationId, ApiCall>,
    /// Sign-out and `delete_user` calls not answered yet.
    open_endings: BTreeSet<OperationId>,
}

impl UserModel {
    /// Takes in one reply; `state` is the machine's user state after the input.
    fn reply(
        &mut self,
        op: OperationId,
        result: &Result<Answer, cognito_auth_machine::AuthError>,
        state: UserState,
    ) -> Result<(), String> {
        self.open_endings.remove(&op);
        let Ok(answer) = result else {
            return Ok(());
        };
        match (self.calls.get(&op), answer) {
            (Some(ApiCall::SignIn { username, .. }), _) => {
                self.signing_in = Some(username.clone());
            }
            (Some(ApiCall::SignOut(_)), _) => {
                self.user = None;
                // A sign-out made while another sign-out or a `delete_user` is in flight waits
                // for it and is answered with its outcome, so never while still SignedIn.
                if state == UserState::SignedIn {
                    return Err("sign-out answered, the machine still SignedIn".into());
                }
            }
            (Some(ApiCall::FederatedSignIn { .. }), _) => self.user = None,
            (_, Answer::Tokens(t)) => match &self.user {
                Some(user) if **user != *t.username => {
                    return Err(format!(
                        "tokens of {:?} handed out while {user:?} is signed in",
                        t.username
                    ))
                }
                _ => {}
            },
            _ => {}
        }
        if let Answer::SignIn {
            next_step: cognito_auth_machine::SignInStep::Done,
        } = answer
        {
            if state != UserState::SignedIn {
                return Err(format!("sign-in answered Done, the machine is {state:?}"));
            }
            self.user = self.signing_in.clone();
        }
        Ok(())
    }
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("state", &self.m.state().label())
            .field("user_state", &self.m.user_state())
            .field("outstanding", &self.outstanding.len())
            .finish_non_exhaustive()
    }
}

fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[idx as usize]));
        }
    }
    out
}

/// An unsigned JWT with the claims the machine reads.
pub fn jwt(username: &str, exp: i64, token_use: &str, serial: u32) -> String {
    let user_claim = if token_use == "id" {
        "cognito:username"
    } else {
        "username"
    };
    let claims = format!(
        r#"{{"sub":"sub-{username}","{user_claim}":"{username}","exp":{exp},"token_use":"{token_use}","n":{serial}}}"#
    );
    format!("e30.{}.sig", b64url(claims.as_bytes()))
}

/// Tokens for `username`, valid `ttl_s` seconds after `now_s`.
pub fn auth_result(
    username: &str,
    now_s: i64,
    ttl_s: u32,
    serial: u32,
    rotate: bool,
) -> AuthenticationResult {
    let exp = now_s + i64::from(ttl_s);
    AuthenticationResult {
        access_token: Secret::new(jwt(username, exp, "access", serial)),
        id_token: Some(Secret::new(jwt(username, exp, "id", serial))),
        refresh_token: rotate.then(|| Secret::new(format!("refresh-{username}-{serial}"))),
        expires_in: i32::try_from(ttl_s).unwrap_or(i32::MAX),
        new_device_metadata: None,
    }
}

fn tokens(result: AuthenticationResult) -> EffectResult {
    EffectResult::UserPool(Ok(UserPoolResponse::Auth(AuthResponse {
        authentication_result: Some(result),
        ..Default::default()
    })))
}

fn challenge(name: &str, params: &[(&str, &str)]) -> EffectResult {
    EffectResult::UserPool(Ok(UserPoolResponse::Auth(AuthResponse {
        challenge_name: Some(name.into()),
        challenge_parameters: params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<StringMap>(),
        session: Some(Secret::new(format!("session-{name}"))),
        ..Default::default()
    })))
}

fn service_error(reply: Reply) -> Option<ServiceError> {
    let (kind, code) = match reply {
        Reply::Ok { .. } | Reply::Challenge => return None,
        Reply::NotAuthorized => (ServiceErrorKind::Service, "NotAuthorizedException"),
        Reply::Network => (ServiceErrorKind::Network, "NetworkError"),
        Reply::ServerError => (ServiceErrorKind::ServerError, "InternalErrorException"),
        Reply::Throttled => (ServiceErrorKind::Service, "TooManyRequestsException"),
        Reply::Timeout => (ServiceErrorKind::Timeout, "Timeout"),
    };
    Some(ServiceError {
        kind,
        code: code.into(),
        message: format!("{code} (model)"),
    })
}

/// Whether `effect` is a REFRESH_TOKEN_AUTH InitiateAuth; returns its refresh token.
pub fn refresh_token_of(effect: &Effect) -> Option<String> {
    match effect {
        Effect::UserPool {
            request: UserPoolRequest::RefreshTokenAuth { refresh_token, .. },
        } => Some(refresh_token.expose().clone()),
        _ => None,
    }
}

fn is_not_authorized(result: &EffectResult) -> bool {
    match result {
        EffectResult::UserPool(Err(e)) | EffectResult::Identity(Err(e)) => e.is_not_authorized(),
        _ => false,
    }
}

impl Driver {
    /// A machine for `config` and `seed`, with nothing stored (the load is answered at once).
    pub fn new(config: ConfigChoice, seed: [u8; 32]) -> Self {
        Self::new_checking(Checks::ALL, config, seed)
    }

    /// [`Driver::new`], enforcing only `checks`.
    pub fn new_checking(checks: Checks, config: ConfigChoice, seed: [u8; 32]) -> Self {
        Self::restoring(checks, config, Stored::Nothing, seed)
    }

    /// A machine for `config` and `seed` whose store holds `stored`.
    pub fn restoring(checks: Checks, config: ConfigChoice, stored: Stored, seed: [u8; 32]) -> Self {
        let mut d = Self {
            checks,
            m: Machine::new(config.config(), seed),
            config,
            seed,
            now: Timestamp::new(1_000, T0_UNIX_MS),
            next_op: 1,
            token_serial: 0,
            outstanding: Vec::new(),
            timers: BTreeMap::new(),
            issued: BTreeSet::new(),
            answered: BTreeSet::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            published: UserState::Unknown,
            steps: 0,
            model: UserModel::default(),
            transitions: BTreeSet::new(),
            kept: Default::default(),
        };
        let initial: Vec<Output> = std::iter::from_fn(|| d.m.poll_output()).collect();
        d.absorb(&initial, &Cause::Other, d.now);
        d.outputs.extend(initial);
        let load = d
            .outstanding
            .iter()
            .position(|o| matches!(o.effect, Effect::LoadSession))
            .expect("a new machine asks for the stored session first");
        let load = d.outstanding.remove(load);
        d.feed(
            Event::Completed {
                effect_id: load.id,
                result: EffectResult::Loaded(Ok(stored.session(d.now.unix_s()))),
            },
            Cause::Other,
        );
        d
    }

    fn op(&mut self) -> OperationId {
        let op = OperationId(self.next_op);
        self.next_op += 1;
        op
    }

    /// Issues an app call.
    pub fn call(&mut self, call: ApiCall) -> OperationId {
        let op = self.op();
        self.issued.insert(op);
        self.model.calls.insert(op, call.clone());
        if matches!(call, ApiCall::SignOut(_) | ApiCall::DeleteUser) {
            self.model.open_endings.insert(op);
        }
        self.feed(
            Event::Command {
                op,
                call: call.clone(),
            },
            Cause::Call(call),
        );
        op
    }

    /// Feeds one input at the current time, drains the outputs, checks the invariants, then
    /// acknowledges store writes (each acknowledgement is an input too, checked the same way).
    fn feed(&mut self, event: Event, cause: Cause) {
        let input = Input {
            at: self.now,
            event,
        };
        if self.checks.serde {
            round_trip!(&input, Input);
        }
        self.inputs.push(input.clone());
        let before = self.m.state().name();
        self.m.handle_input(input.clone());
        let after = self.m.state().name();
        if before != after {
            assert!(
                cognito_auth_machine::transitions::edges_between(before, after)
                    .next()
                    .is_some(),
                "the machine went from {before} to {after}, which its transition table \
                 (crates/machine/src/machine/table.rs) does not list"
            );
            self.transitions.insert((before, after));
        }
        let outputs: Vec<Output> = std::iter::from_fn(|| self.m.poll_output()).collect();
        self.absorb(&outputs, &cause, input.at);
        self.outputs.extend(outputs);
        // Store writes succeed at once: persistence is not what these properties are about.
        while let Some(i) = self
            .outstanding
            .iter()
            .position(|o| matches!(o.effect, Effect::Persist { .. } | Effect::OpenUrl { .. }))
        {
            let o = self.outstanding.remove(i);
            let result = EffectResult::Stored(Ok(()));
            self.feed(
                Event::Completed {
                    effect_id: o.id,
                    result,
                },
                Cause::Other,
            );
        }
    }

    /// Records the outputs of one input and checks every per-step invariant.
    fn absorb(&mut self, outputs: &[Output], cause: &Cause, at: Timestamp) {
        let ctx = || format!("after step {} ({cause:?})", self.steps);
        let c = self.checks;
        for o in outputs {
            if c.serde {
                round_trip!(o, Output);
            }
            match o {
                Output::Effect { effect_id, effect } => {
                    assert!(
                        !self.outstanding.iter().any(|x| x.id == *effect_id),
                        "effect id {effect_id:?} reused while outstanding, {}",
                        ctx()
                    );
                    self.outstanding.push(Outstanding {
                        id: *effect_id,
                        effect: effect.clone(),
                    });
                }
                Output::Reply { op, result } => {
                    if c.agrees_with_model {
                        let state = self.m.user_state();
                        if let Err(why) = self.model.reply(*op, result, state) {
                            panic!("the machine disagrees with the model: {why}, {}", ctx());
                        }
                    }
                    let fresh = self.answered.insert(*op);
                    if !c.answers {
                        continue;
                    }
                    assert!(
                        self.issued.contains(op),
                        "reply for {op:?}, which was never issued, {}",
                        ctx()
                    );
                    assert!(
                        fresh,
                        "{op:?} answered twice (second: {result:?}), {}",
                        ctx()
                    );
                    if let (true, Ok(Answer::Tokens(t))) = (c.fresh_tokens, result) {
                        assert!(
                            t.expires_at_s > at.unix_s(),
                            "expired tokens handed out for {op:?}: expires_at_s {} <= now {}, {}",
                            t.expires_at_s,
                            at.unix_s(),
                            ctx()
                        );
                    }
                }
                Output::SetTimer { timer, at_mono_ms } => {
                    self.timers.insert(*timer, *at_mono_ms);
                }
                Output::CancelTimer { timer } => {
                    self.timers.remove(timer);
                }
                Output::UserStateChanged { from, to } if c.serde || c.keeps_user => {
                    assert_eq!(
                        *from,
                        self.published,
                        "UserStateChanged.from disagrees with the last published state, {}",
                        ctx()
                    );
                    if c.keeps_user {
                        check_exit(*from, *to, cause).unwrap_or_else(|why| {
                            panic!("user lost: {from:?} -> {to:?} ({why}), {}", ctx())
                        });
                    }
                    self.published = *to;
                }
                Output::UserStateChanged { to, .. } => self.published = *to,
                _ => {}
            }
        }
        if self.m.user_state() != UserState::SignedIn {
            self.model.user = None;
        }
        assert!(
            !c.serde || self.m.user_state() == self.published,
            "user_state() disagrees with the published changes, {}",
            ctx()
        );
        // Single flight: at most one REFRESH_TOKEN_AUTH in flight per refresh token (a refresh
        // for a session that has since ended may still be in the network when a new session
        // refreshes; that one carries another token).
        let mut refreshing = BTreeSet::new();
        for o in self.outstanding.iter().filter(|_| c.single_refresh) {
            if let Some(token) = refresh_token_of(&o.effect) {
                assert!(
                    refreshing.insert(token),
                    "two REFRESH_TOKEN_AUTH in flight for the same session, {}",
                    ctx()
                );
            }
        }
    }

    /// Applies one step.
    pub fn step(&mut self, step: &Step) {
        self.steps += 1;
        match step {
            Step::SignIn { user, srp } => {
                let username = USERS[usize::from(*user) % USERS.len()];
                self.call(ApiCall::SignIn {
                    username: username.into(),
                    password: Some(Secret::new("correct horse".into())),
                    flow: Some(if *srp {
                        AuthFlow::UserSrpAuth
                    } else {
                        AuthFlow::UserPasswordAuth
                    }),
                    preferred_challenge: None,
                    client_metadata: Default::default(),
                });
            }
            Step::ConfirmSignIn => {
                self.call(ApiCall::ConfirmSignIn {
                    answer: Secret::new("123456".into()),
                    user_attributes: vec![],
                    client_metadata: Default::default(),
                });
            }
            Step::Tokens { force } => {
                self.call(ApiCall::FetchTokens {
                    force_refresh: *force,
                });
            }
            Step::Credentials { force } => {
                self.call(ApiCall::FetchCredentials {
                    force_refresh: *force,
                });
            }
            Step::SignOut { global, revoke } => {
                self.call(ApiCall::SignOut(SignOutOptions {
                    global: *global,
                    revoke: *revoke,
                    hosted_ui: false,
                }));
            }
            Step::ReleaseSignInWait => {
                self.call(ApiCall::ReleaseSignInWait);
            }
            Step::FederatedSignIn { empty_token } => {
                self.token_serial += 1;
                let token = if *empty_token {
                    String::new()
                } else {
                    format!("google-token-{}", self.token_serial)
                };
                self.call(ApiCall::FederatedSignIn {
                    provider: "accounts.google.com".into(),
                    token: Secret::new(token),
                    identity_id: None,
                    custom_role_arn: None,
                });
            }
            Step::ClearFederation => {
                self.call(ApiCall::ClearFederation);
            }
            Step::FetchUserAttributes => {
                self.call(ApiCall::account(GetUser {}));
            }
            Step::DeleteUser => {
                self.call(ApiCall::DeleteUser);
            }
            Step::Answer { nth, reply } => {
                if !self.outstanding.is_empty() {
                    let i = usize::from(*nth) % self.outstanding.len();
                    self.answer(i, *reply);
                }
            }
            Step::Timer(timer) => {
                if let Some(at) = self.timers.remove(timer) {
                    if at > self.now.mono_ms {
                        self.now = self.now.plus_ms(at - self.now.mono_ms);
                    }
                }
                self.feed(Event::TimerFired { timer: *timer }, Cause::Other);
            }
            Step::Advance { secs } => {
                self.now = self.now.plus_ms(u64::from(*secs) * 1000);
            }
            Step::Connectivity { online } => {
                self.feed(Event::Connectivity { online: *online }, Cause::Other);
            }
        }
    }

    /// Answers outstanding effect `i` with `reply` (SRP tasks are computed for real whatever
    /// the reply says: they cannot fail for lack of network).
    pub fn answer(&mut self, i: usize, reply: Reply) {
        let result = self.result_for(&self.outstanding[i].effect.clone(), reply);
        self.answer_with(i, result);
    }

    /// Answers outstanding effect `i` with `result`, whatever it is (the `service_response`
    /// fuzz target feeds arbitrary results).
    pub fn answer_with(&mut self, i: usize, result: EffectResult) {
        let o = self.outstanding.remove(i);
        self.feed(
            Event::Completed {
                effect_id: o.id,
                result: result.clone(),
            },
            Cause::Answered {
                effect: o.effect,
                result,
            },
        );
    }

    fn result_for(&mut self, effect: &Effect, reply: Reply) -> EffectResult {
        let now_s = self.now.unix_s();
        self.token_serial += 1;
        let serial = self.token_serial;
        let ttl_s = match reply {
            Reply::Ok { ttl_s } => ttl_s,
            _ => 3600,
        };
        match effect {
            Effect::Srp { task } => EffectResult::Srp(task.clone().run(&self.kept)),
            Effect::LoadSession => EffectResult::Loaded(Ok(None)),
            Effect::Persist { .. } | Effect::OpenUrl { .. } => EffectResult::Stored(Ok(())),
            Effect::OAuthToken { .. } => EffectResult::OAuth(Err(ServiceError::network("model"))),
            Effect::Identity { request } => {
                if let Some(e) = service_error(reply) {
                    return EffectResult::Identity(Err(e));
                }
                let identity_id = match request {
                    IdentityRequest::GetCredentialsForIdentity { identity_id, .. }
                    | IdentityRequest::GetOpenIdToken { identity_id, .. } => identity_id.clone(),
                    IdentityRequest::GetId { .. } => format!("us-east-1:identity-{serial}"),
                    _ => "us-east-1:identity-0".into(),
                };
                EffectResult::Identity(Ok(match request {
                    IdentityRequest::GetId { .. } => IdentityResponse::IdentityId { identity_id },
                    _ => IdentityResponse::Credentials {
                        identity_id,
                        credentials: AwsCredentials {
                            access_key_id: format!("AKID{serial}"),
                            secret_access_key: Secret::new("secret-key".into()),
                            session_token: Secret::new("session-token".into()),
                            expiration_s: now_s + i64::from(ttl_s),
                        },
                        service_time_s: None,
                    },
                }))
            }
            Effect::UserPool { request } => {
                if let Some(e) = service_error(reply) {
                    return EffectResult::UserPool(Err(e));
                }
                let challenged = reply == Reply::Challenge;
                match request {
                    UserPoolRequest::RefreshTokenAuth { refresh_token, .. } => {
                        if challenged {
                            return challenge("SMS_MFA", &[]);
                        }
                        // refresh-<user>-<n>; no rotation.
                        let user = refresh_token
                            .expose()
                            .split('-')
                            .nth(1)
                            .unwrap_or("alice")
                            .to_owned();
                        tokens(auth_result(&user, now_s, ttl_s, serial, false))
                    }
                    UserPoolRequest::InitiateAuth {
                        auth_flow,
                        auth_parameters,
                        ..
                    } => {
                        let p = auth_parameters.expose();
                        let user = p.get("USERNAME").cloned().unwrap_or_default();
                        match (challenged, auth_flow.as_str()) {
                            (true, "USER_SRP_AUTH") => challenge(
                                "PASSWORD_VERIFIER",
                                &[
                                    ("SALT", SALT_HEX),
                                    ("SRP_B", SRP_B_HEX),
                                    ("SECRET_BLOCK", "c2VjcmV0LWJsb2Nr"),
                                    ("USERNAME", &user),
                                    ("USER_ID_FOR_SRP", &user),
                                ],
                            ),
                            (true, _) => challenge(
                                "SMS_MFA",
                                &[
                                    ("CODE_DELIVERY_DELIVERY_MEDIUM", "SMS"),
                                    ("USERNAME", &user),
                                ],
                            ),
                            (false, _) => tokens(auth_result(&user, now_s, ttl_s, serial, true)),
                        }
                    }
                    UserPoolRequest::RespondToAuthChallenge {
                        challenge_responses,
                        ..
                    } => {
                        let user = challenge_responses
                            .expose()
                            .get("USERNAME")
                            .cloned()
                            .unwrap_or_default();
                        if challenged {
                            challenge("SMS_MFA", &[("USERNAME", &user)])
                        } else {
                            tokens(auth_result(&user, now_s, ttl_s, serial, true))
                        }
                    }
                    UserPoolRequest::Account { request, .. } => EffectResult::UserPool(Ok(
                        UserPoolResponse::Account(request.empty_response()),
                    )),
                    _ => EffectResult::UserPool(Ok(UserPoolResponse::Empty)),
                }
            }
        }
    }

    /// The liveness phase: the network recovers and answers everything with success; if calls
    /// still wait (for a sign-in that will not come), the app releases them. Then every call
    /// must have been answered.
    pub fn finish(&mut self) {
        self.drain_with_success();
        if self.issued.len() != self.answered.len() {
            self.call(ApiCall::ReleaseSignInWait);
            self.drain_with_success();
        }
        let missing: Vec<_> = self.issued.difference(&self.answered).collect();
        assert!(
            !self.checks.answers || missing.is_empty(),
            "calls never answered after the liveness phase: {missing:?}; state {:?}, outstanding {:?}",
            self.m.state().label(),
            self.outstanding
                .iter()
                .map(|o| effect_name(&o.effect))
                .collect::<Vec<_>>()
        );
    }

    fn drain_with_success(&mut self) {
        // Each success can start at most a few follow-ups (GetId -> GetCredentialsForIdentity,
        // SRP_A -> InitiateAuth); the bound only guards against a machine that loops.
        for _ in 0..200 {
            if self.outstanding.is_empty() {
                return;
            }
            self.answer(0, Reply::Ok { ttl_s: 3600 });
        }
        panic!(
            "the machine keeps asking for effects: {:?}",
            self.outstanding
                .iter()
                .map(|o| effect_name(&o.effect))
                .collect::<Vec<_>>()
        );
    }

    /// Every input fed, as JSON lines, secrets included (as the engine's event log has them).
    pub fn input_log(&self) -> String {
        cognito_auth_machine::secret::expose_secrets_while(|| {
            let mut s = String::new();
            for i in &self.inputs {
                s.push_str(&serde_json::to_string(i).expect("inputs serialize"));
                s.push('\n');
            }
            s
        })
    }

    /// Every output drained, as JSON lines.
    pub fn output_log(&self) -> String {
        outputs_json(&self.outputs)
    }
}

/// Outputs as JSON lines, secrets included so that comparing two runs compares them too.
pub fn outputs_json(outputs: &[Output]) -> String {
    cognito_auth_machine::secret::expose_secrets_while(|| {
        let mut s = String::new();
        for o in outputs {
            s.push_str(&serde_json::to_string(o).expect("outputs serialize"));
            s.push('\n');
        }
        s
    })
}

/// Replays a JSON-lines input log into a fresh machine; returns every output as JSON lines.
pub fn replay(config: ConfigChoice, seed: [u8; 32], log: &str) -> String {
    let mut m = Machine::new(config.config(), seed);
    let mut outputs: Vec<Output> = std::iter::from_fn(|| m.poll_output()).collect();
    for line in log.lines().filter(|l| !l.is_empty()) {
        let input: Input = serde_json::from_str(line).expect("a recorded input parses");
        outputs.extend(m.handle(input));
    }
    outputs_json(&outputs)
}

/// A short name for an effect, for messages.
pub fn effect_name(effect: &Effect) -> String {
    match effect {
        Effect::UserPool { request } => match refresh_token_of(effect) {
            Some(_) => "InitiateAuth(REFRESH_TOKEN_AUTH)".into(),
            None => request.operation().into(),
        },
        Effect::Identity { request } => request.operation().into(),
        Effect::Srp { .. } => "Srp".into(),
        other => format!("{other:?}").chars().take(40).collect(),
    }
}

/// The "never loses the user" rule for one published change, given what caused it.
fn check_exit(from: UserState, to: UserState, cause: &Cause) -> Result<(), String> {
    let had_session = matches!(from, UserState::SignedIn | UserState::Federated);
    if !had_session || to == from {
        return Ok(());
    }
    let explicit = match cause {
        Cause::Call(call) => matches!(
            call,
            ApiCall::SignOut(_) | ApiCall::DeleteUser | ApiCall::ClearFederation
        ),
        // The remote steps of a sign-out or a deletion finishing.
        Cause::Answered {
            effect:
                Effect::UserPool {
                    request:
                        UserPoolRequest::GlobalSignOut { .. }
                        | UserPoolRequest::RevokeToken { .. }
                        | UserPoolRequest::DeleteUser { .. },
                },
            ..
        } => true,
        _ => false,
    };
    if explicit {
        return Ok(());
    }
    match (from, to, cause) {
        (UserState::SignedIn, UserState::SignedOutUserPoolsTokenInvalid, Cause::Answered { effect, result })
            if refresh_token_of(effect).is_some() && is_not_authorized(result) =>
        {
            Ok(())
        }
        // The identity pool definitively refused the federation token.
        (
            UserState::Federated,
            UserState::SignedOutFederatedTokensInvalid,
            Cause::Answered {
                effect: Effect::Identity { .. },
                result,
            },
        ) if is_not_authorized(result) => Ok(()),
        _ => Err("no sign-out, delete_user or clear_federation call, and no definitive rejection of a refresh".into()),
    }
}

/// A session decoded from bytes.
#[derive(Debug, Clone)]
pub struct Session {
    pub config: ConfigChoice,
    pub stored: Stored,
    pub seed: [u8; 32],
    pub steps: Vec<Step>,
}

/// Decodes arbitrary bytes into a session (for the fuzzer and its corpus): the first byte
/// picks the configuration (`% 3`) and what is stored (`/ 3 % 5`), the second the seed, then
/// each byte pair is a step ([`decode_step`]). Every byte string decodes; a trailing odd byte
/// makes a step with argument 0.
pub fn decode_session(bytes: &[u8]) -> Session {
    let mut it = bytes.iter().copied();
    let first = usize::from(it.next().unwrap_or(0));
    let config = ConfigChoice::ALL[first % ConfigChoice::ALL.len()];
    let stored = Stored::ALL[first / ConfigChoice::ALL.len() % Stored::ALL.len()];
    let mut seed = [0u8; 32];
    seed[0] = it.next().unwrap_or(0);
    let mut steps = Vec::new();
    while let Some(tag) = it.next() {
        let arg = it.next().unwrap_or(0);
        steps.push(decode_step(tag, arg));
    }
    Session {
        config,
        stored,
        seed,
        steps,
    }
}

/// The byte encoding of one step (tag, argument); see [`decode_session`].
pub fn decode_step(tag: u8, arg: u8) -> Step {
    let bit = |n: u8| arg & (1 << n) != 0;
    match tag % 16 {
        0 => Step::SignIn {
            user: arg & 1,
            srp: bit(1),
        },
        1 => Step::ConfirmSignIn,
        2 => Step::Tokens { force: bit(0) },
        3 => Step::Credentials { force: bit(0) },
        4 => Step::SignOut {
            global: bit(0),
            revoke: bit(1),
        },
        5 => Step::ReleaseSignInWait,
        6 => Step::FederatedSignIn {
            empty_token: arg % 8 == 7,
        },
        7 => Step::ClearFederation,
        8 => Step::FetchUserAttributes,
        9 => Step::DeleteUser,
        10..=12 => Step::Answer {
            nth: arg >> 4 & 3,
            reply: decode_reply(arg & 15),
        },
        13 => Step::Timer(
            [
                TimerKind::TokensDue,
                TimerKind::CredentialsDue,
                TimerKind::RetryTokens,
                TimerKind::RetryCredentials,
            ][usize::from(arg % 4)],
        ),
        14 => Step::Advance {
            secs: [1, 30, 299, 301, 900, 3600, 7200, 86_400][usize::from(arg % 8)],
        },
        _ => Step::Connectivity { online: bit(0) },
    }
}

fn decode_reply(n: u8) -> Reply {
    match n {
        0..=3 => Reply::Ok {
            ttl_s: [3600, 900, 299, 30][usize::from(n)],
        },
        4 | 5 => Reply::Challenge,
        6 | 7 => Reply::NotAuthorized,
        8 | 9 => Reply::Network,
        10 => Reply::ServerError,
        11 => Reply::Throttled,
        12 => Reply::Timeout,
        _ => Reply::Ok { ttl_s: 3600 },
    }
}

/// Runs a whole session: every step with its invariants, then the liveness phase.
pub fn run_session(config: ConfigChoice, seed: [u8; 32], steps: &[Step]) -> Driver {
    run_session_checking(Checks::ALL, config, seed, steps)
}

/// Runs a decoded session with every promise checked, then the liveness phase.
pub fn run_decoded(session: &Session) -> Driver {
    let mut d = Driver::restoring(Checks::ALL, session.config, session.stored, session.seed);
    for s in &session.steps {
        d.step(s);
    }
    d.finish();
    d
}

/// [`run_session`], enforcing only `checks`.
pub fn run_session_checking(
    checks: Checks,
    config: ConfigChoice,
    seed: [u8; 32],
    steps: &[Step],
) -> Driver {
    let mut d = Driver::new_checking(checks, config, seed);
    for s in steps {
        d.step(s);
    }
    d.finish();
    d
}

//! A small harness for driving the machine by hand: a virtual clock, operation ids, fake JWTs,
//! and a trace of (input, state, outputs) steps for snapshots.
#![allow(dead_code, unreachable_pub, missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use base64::Engine as _;
use cognito_auth_machine::cognito::{
    AuthResponse, AuthenticationResult, IdentityResponse, ServiceError, StringMap, UserPoolResponse,
};
use cognito_auth_machine::config::{IdentityPoolConfig, OAuthConfig, Tuning, UserPoolConfig};
use cognito_auth_machine::*;
use serde::Serialize;

pub const T0_UNIX_MS: i64 = 1_700_000_000_000;

/// One step of a trace.
#[derive(Debug, Serialize)]
pub struct Step {
    pub input: Input,
    pub state: &'static str,
    pub user_state: UserState,
    pub outputs: Vec<Output>,
}

pub struct Harness {
    pub m: Machine,
    pub now: Timestamp,
    next_op: u64,
    pub trace: Vec<Step>,
    /// Effects emitted and not yet completed, in order.
    pub effects: Vec<(EffectId, Effect)>,
    pub replies: BTreeMap<OperationId, Result<Answer, AuthError>>,
    pub timers: BTreeMap<TimerKind, u64>,
    pub persisted: Option<PersistedSession>,
    pub user_states: Vec<UserState>,
    /// Every input fed, for replay tests.
    pub log: Vec<Input>,
    pub seed: [u8; 32],
    /// Every change of state seen, as (from, to) state names.
    pub transitions: std::collections::BTreeSet<(&'static str, &'static str)>,
    /// The ephemerals the SRP tasks keep between SRP_A and the claim (the engine's store).
    pub kept: std::sync::Mutex<KeptEphemerals>,
}

pub fn user_pool() -> UserPoolConfig {
    UserPoolConfig {
        pool_id: "us-east-1_TestPool".into(),
        app_client_id: "client123".into(),
        app_client_secret: None,
        region: "us-east-1".into(),
        auth_flow: AuthFlow::UserSrpAuth,
    }
}

pub fn identity_pool(allow_guest: bool) -> IdentityPoolConfig {
    IdentityPoolConfig {
        pool_id: "us-east-1:00000000-0000-0000-0000-000000000001".into(),
        region: "us-east-1".into(),
        allow_guest,
    }
}

pub fn oauth() -> OAuthConfig {
    OAuthConfig {
        web_domain: "auth.example.com".into(),
        app_client_id: "client123".into(),
        app_client_secret: None,
        sign_in_redirect_uri: "myapp://callback".into(),
        sign_out_redirect_uri: Some("myapp://signout".into()),
        scopes: vec!["openid".into(), "email".into()],
        token_uri: None,
        sign_in_uri: None,
        sign_out_uri: None,
        sign_out_uri_query_parameters: Default::default(),
        sign_in_uri_query_parameters: Default::default(),
        token_uri_query_parameters: Default::default(),
    }
}

pub fn config_user_pool() -> Config {
    Config {
        user_pool: Some(user_pool()),
        identity_pool: None,
        oauth: None,
        tuning: Tuning::default(),
    }
}

pub fn config_full() -> Config {
    Config {
        user_pool: Some(user_pool()),
        identity_pool: Some(identity_pool(true)),
        oauth: Some(oauth()),
        tuning: Tuning::default(),
    }
}

/// An unsigned JWT with the given claims.
pub fn jwt(claims: serde_json::Value) -> String {
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!("e30.{}.sig", e.encode(claims.to_string()))
}

/// Tokens for `username` expiring `ttl_s` after `now_s`; `n` makes them distinct.
pub fn auth_result(username: &str, now_s: i64, ttl_s: i64, n: u32) -> AuthenticationResult {
    let exp = now_s + ttl_s;
    AuthenticationResult {
        access_token: Secret::new(jwt(serde_json::json!({
            "sub": format!("sub-{username}"), "username": username, "exp": exp, "token_use": "access", "n": n
        }))),
        id_token: Some(Secret::new(jwt(serde_json::json!({
            "sub": format!("sub-{username}"), "cognito:username": username, "exp": exp, "token_use": "id", "n": n
        })))),
        refresh_token: Some(Secret::new(format!("refresh-{username}-{n}"))),
        expires_in: i32::try_from(ttl_s).unwrap(),
        new_device_metadata: None,
    }
}

pub fn tokens_response(result: AuthenticationResult) -> EffectResult {
    EffectResult::UserPool(Ok(UserPoolResponse::Auth(AuthResponse {
        authentication_result: Some(result),
        ..Default::default()
    })))
}

pub fn challenge(name: &str, params: &[(&str, &str)], session: Option<&str>) -> EffectResult {
    EffectResult::UserPool(Ok(UserPoolResponse::Auth(AuthResponse {
        challenge_name: Some(name.into()),
        challenge_parameters: params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<StringMap>(),
        session: session.map(|s| Secret::new(s.to_owned())),
        ..Default::default()
    })))
}

pub fn service_error(code: &str) -> EffectResult {
    EffectResult::UserPool(Err(ServiceError::service(code, format!("{code} (test)"))))
}

pub fn network_error() -> EffectResult {
    EffectResult::UserPool(Err(ServiceError::network("connection refused")))
}

pub fn credentials(identity_id: &str, expiration_s: i64) -> EffectResult {
    credentials_dated(identity_id, expiration_s, None)
}

/// Credentials answered with the service's time (the response's `Date`), when given.
pub fn credentials_dated(
    identity_id: &str,
    expiration_s: i64,
    service_time_s: Option<i64>,
) -> EffectResult {
    EffectResult::Identity(Ok(IdentityResponse::Credentials {
        identity_id: identity_id.into(),
        credentials: cognito_auth_machine::cognito::AwsCredentials {
            access_key_id: "AKIDTEST".into(),
            secret_access_key: Secret::new("secret-key".into()),
            session_token: Secret::new("session-token".into()),
            expiration_s,
        },
        service_time_s,
    }))
}

impl Harness {
    /// A machine restored from `stored` (None: nothing stored).
    pub fn new(config: Config, stored: Option<PersistedSession>) -> Self {
        Self::new_seeded(config, stored, [42u8; 32])
    }

    /// As [`Self::new`], with the machine's DRBG seeded with `seed`.
    pub fn new_seeded(config: Config, stored: Option<PersistedSession>, seed: [u8; 32]) -> Self {
        Self::start(config, stored, seed, Timestamp::new(1_000, T0_UNIX_MS))
    }

    /// As [`Self::new`], with the session loaded at `now` (a restart after the device clock
    /// moved).
    #[allow(dead_code)]
    pub fn new_at(config: Config, stored: Option<PersistedSession>, now: Timestamp) -> Self {
        Self::start(config, stored, [42u8; 32], now)
    }

    fn start(
        config: Config,
        stored: Option<PersistedSession>,
        seed: [u8; 32],
        now: Timestamp,
    ) -> Self {
        let mut h = Self {
            m: Machine::new(config, seed),
            now,
            next_op: 1,
            trace: Vec::new(),
            effects: Vec::new(),
            replies: BTreeMap::new(),
            timers: BTreeMap::new(),
            persisted: None,
            user_states: Vec::new(),
            log: Vec::new(),
            seed,
            transitions: Default::default(),
            kept: Default::default(),
        };
        let initial: Vec<Output> = std::iter::from_fn(|| h.m.poll_output()).collect();
        h.absorb(&initial);
        let (load, _) = h.take_effect(|e| matches!(e, Effect::LoadSession));
        h.feed(Event::Completed {
            effect_id: load,
            result: EffectResult::Loaded(Ok(stored)),
        });
        h
    }

    pub fn now_s(&self) -> i64 {
        self.now.unix_s()
    }

    pub fn advance_ms(&mut self, ms: u64) {
        self.now = self.now.plus_ms(ms);
    }

    fn absorb(&mut self, outputs: &[Output]) {
        for o in outputs {
            match o {
                Output::Effect { effect_id, effect } => match effect {
                    Effect::Persist { session } => {
                        self.persisted = Some((**session).clone());
                    }
                    _ => self.effects.push((*effect_id, effect.clone())),
                },
                Output::Reply { op, result } => {
                    assert!(
                        self.replies.insert(*op, result.clone()).is_none(),
                        "operation {op:?} answered twice"
                    );
                }
                Output::SetTimer { timer, at_mono_ms } => {
                    self.timers.insert(*timer, *at_mono_ms);
                }
                Output::CancelTimer { timer } => {
                    self.timers.remove(timer);
                }
                Output::UserStateChanged { to, .. } => self.user_states.push(*to),
                _ => {}
            }
        }
    }

    /// Feeds one event at the current time and records the step.
    pub fn feed(&mut self, event: Event) -> Vec<Output> {
        let input = Input {
            at: self.now,
            event,
        };
        self.log.push(input.clone());
        let before = self.m.state().name();
        let outputs = self.m.handle(input.clone());
        let after = self.m.state().name();
        check_transition(before, after);
        if before != after {
            self.transitions.insert((before, after));
        }
        self.absorb(&outputs);
        self.trace.push(Step {
            input,
            state: self.m.state().label(),
            user_state: self.m.user_state(),
            outputs: outputs.clone(),
        });
        outputs
    }

    pub fn call(&mut self, call: ApiCall) -> OperationId {
        let op = OperationId(self.next_op);
        self.next_op += 1;
        self.feed(Event::Command { op, call });
        op
    }

    pub fn reply(&self, op: OperationId) -> Option<&Result<Answer, AuthError>> {
        self.replies.get(&op)
    }

    /// Removes and returns the oldest pending effect matching `pred`.
    /// Takes the oldest pending effect matching `pred`. If none matches, the pending `SRP_A`
    /// tasks are run first, as the engine runs them unasked (they lead to the request a test
    /// usually wants next), and the effects looked at again.
    pub fn take_effect(&mut self, pred: impl Fn(&Effect) -> bool) -> (EffectId, Effect) {
        loop {
            if let Some(i) = self.effects.iter().position(|(_, e)| pred(e)) {
                return self.effects.remove(i);
            }
            if !self.run_srp_a() {
                panic!("no matching effect among {:#?}", self.effects);
            }
        }
    }

    /// Runs the oldest pending `SRP_A` task and feeds its result; false if there is none.
    pub fn run_srp_a(&mut self) -> bool {
        let is_a = |e: &Effect| {
            matches!(
                e,
                Effect::Srp {
                    task: SrpTask::PublicA { .. }
                }
            )
        };
        let Some(i) = self.effects.iter().position(|(_, e)| is_a(e)) else {
            return false;
        };
        let (id, e) = self.effects.remove(i);
        let Effect::Srp { task } = e else {
            unreachable!()
        };
        let result = task.run(&self.kept);
        self.complete(id, EffectResult::Srp(result));
        true
    }

    pub fn take_user_pool(&mut self, op_name: &str) -> (EffectId, cognito::UserPoolRequest) {
        let (id, e) = self.take_effect(
            |e| matches!(e, Effect::UserPool { request } if request.operation() == op_name),
        );
        match e {
            Effect::UserPool { request } => (id, request),
            _ => unreachable!(),
        }
    }

    pub fn take_identity(&mut self, op_name: &str) -> (EffectId, cognito::IdentityRequest) {
        let (id, e) = self.take_effect(
            |e| matches!(e, Effect::Identity { request } if request.operation() == op_name),
        );
        match e {
            Effect::Identity { request } => (id, request),
            _ => unreachable!(),
        }
    }

    /// Runs the oldest pending SRP task for real and feeds its result.
    pub fn run_srp(&mut self) -> SrpTask {
        let (id, e) = self.take_effect(|e| matches!(e, Effect::Srp { .. }));
        let Effect::Srp { task } = e else {
            unreachable!()
        };
        let result = task.clone().run(&self.kept);
        self.complete(id, EffectResult::Srp(result));
        task
    }

    pub fn complete(&mut self, effect_id: EffectId, result: EffectResult) -> Vec<Output> {
        self.feed(Event::Completed { effect_id, result })
    }

    pub fn fire(&mut self, timer: TimerKind) -> Vec<Output> {
        let at = self.timers.remove(&timer).expect("timer armed");
        if at > self.now.mono_ms {
            let d = at - self.now.mono_ms;
            self.advance_ms(d);
        }
        self.feed(Event::TimerFired { timer })
    }

    pub fn sign_in_call(&self, username: &str, password: &str) -> ApiCall {
        ApiCall::SignIn {
            username: username.into(),
            password: Some(Secret::new(password.into())),
            flow: None,
            preferred_challenge: None,
            client_metadata: Default::default(),
        }
    }

    pub fn confirm_call(answer: &str) -> ApiCall {
        ApiCall::ConfirmSignIn {
            answer: Secret::new(answer.into()),
            user_attributes: vec![],
            client_metadata: Default::default(),
        }
    }

    /// Signs `username` in with USER_PASSWORD_AUTH, tokens valid for an hour.
    pub fn signed_in(config: Config, username: &str) -> Self {
        Self::signed_in_seeded(config, username, [42u8; 32])
    }

    /// As [`Self::signed_in`], with the machine's DRBG seeded with `seed`.
    pub fn signed_in_seeded(config: Config, username: &str, seed: [u8; 32]) -> Self {
        let mut h = Self::new_seeded(config, None, seed);
        let op = h.call(ApiCall::SignIn {
            username: username.into(),
            password: Some(Secret::new("pw".into())),
            flow: Some(AuthFlow::UserPasswordAuth),
            preferred_challenge: None,
            client_metadata: Default::default(),
        });
        let (id, _) = h.take_user_pool("InitiateAuth");
        let now = h.now_s();
        h.complete(id, tokens_response(auth_result(username, now, 3600, 1)));
        assert!(matches!(
            h.reply(op),
            Some(Ok(Answer::SignIn {
                next_step: SignInStep::Done
            }))
        ));
        h.trace.clear();
        h
    }

    pub fn assert_signed_in_answer(&self, op: OperationId) {
        match self.reply(op) {
            Some(Ok(Answer::SignIn {
                next_step: SignInStep::Done,
            })) => {}
            other => panic!("expected a completed sign-in, got {other:?}"),
        }
    }
}

/// A real SRP server (the srp crate's server side) for one user of pool `TestPool`.
pub struct SrpServer {
    pub verifier: cognito_auth_srp::Verifier,
    pub eph: cognito_auth_srp::ServerEphemeral,
}

impl SrpServer {
    pub fn new(user_id: &str, password: &str) -> Self {
        let verifier =
            cognito_auth_srp::password_verifier("TestPool", user_id, password, &[9u8; 16]);
        let eph = cognito_auth_srp::ServerEphemeral::new(&verifier, &[5u8; 72])
            .expect("a fixed server ephemeral is valid");
        Self { verifier, eph }
    }

    /// The PASSWORD_VERIFIER challenge Cognito would send.
    pub fn challenge(&self, user_id: &str) -> EffectResult {
        challenge(
            "PASSWORD_VERIFIER",
            &[
                ("SALT", &self.verifier.salt_hex()),
                ("SRP_B", &self.eph.public_b_hex()),
                ("SECRET_BLOCK", "c2VjcmV0LWJsb2Nr"),
                ("USERNAME", user_id),
                ("USER_ID_FOR_SRP", user_id),
            ],
            None,
        )
    }

    /// Whether the client's answer proves the password.
    pub fn check(&self, srp_a: &str, responses: &StringMap) -> bool {
        cognito_auth_srp::verify_user_claim(
            &self.eph,
            &cognito_auth_srp::UserClaimCheck {
                pool_name: "TestPool",
                user_id_for_srp: &responses["USERNAME"],
                srp_a_hex: srp_a,
                secret_block_b64: &responses["PASSWORD_CLAIM_SECRET_BLOCK"],
                timestamp: &responses["TIMESTAMP"],
                signature_b64: &responses["PASSWORD_CLAIM_SIGNATURE"],
            },
        )
        .is_ok()
    }
}

/// Fails the test if the machine changed state in a way its transition table does not list.
pub fn check_transition(from: &'static str, to: &'static str) {
    if from != to {
        assert!(
            transitions::edges_between(from, to).next().is_some(),
            "the machine went from {from} to {to}, which crates/machine/src/machine/table.rs \
             does not list: add the edge there (and regenerate docs/STATES.md with \
             `cargo run -p cognito-auth-cli -- diagram`)"
        );
    }
}

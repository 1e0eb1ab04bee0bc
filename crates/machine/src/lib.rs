//! The pure, deterministic state machine at the heart of cognito-auth.
//!
//! The machine consumes [`Input`]s (app commands, results of the effects it asked for, timer
//! firings, connectivity changes, each carrying the time it happened) and produces [`Output`]s
//! (effects for a driver to run, timers to arm, replies to the app's calls, user-state changes).
//! It never does IO, never reads a clock and never draws OS randomness: the same seed and the
//! same inputs always give the same outputs, so any session can be recorded and replayed.
//!
//! The engine crate (`cognito-auth`) is the driver apps embed; tests and simulators drive the
//! machine by hand, as here:
//!
//! ```
//! use base64::Engine as _;
//! use cognito_auth_machine::cognito::{AuthResponse, AuthenticationResult, UserPoolResponse};
//! use cognito_auth_machine::*;
//!
//! let config = Config::from_aws_configuration_json(r#"{
//!     "CognitoUserPool": { "Default": {
//!         "PoolId": "us-east-1_Example", "AppClientId": "client", "Region": "us-east-1" } },
//!     "Auth": { "Default": { "authenticationFlowType": "USER_PASSWORD_AUTH" } }
//! }"#).unwrap();
//! let mut machine = Machine::new(config, [7; 32]);
//! let mut now = Timestamp::new(0, 1_700_000_000_000);
//!
//! // The first output asks for the stored session; there is none.
//! let Some(Output::Effect { effect_id, effect: Effect::LoadSession }) = machine.poll_output()
//! else { unreachable!() };
//! let outputs = machine.handle(Input {
//!     at: now,
//!     event: Event::Completed { effect_id, result: EffectResult::Loaded(Ok(None)) },
//! });
//! assert_eq!(outputs, vec![Output::UserStateChanged {
//!     from: UserState::Unknown,
//!     to: UserState::SignedOut,
//! }]);
//!
//! // The app signs in: the machine asks for an InitiateAuth call.
//! let op = OperationId(1);
//! let outputs = machine.handle(Input {
//!     at: now,
//!     event: Event::Command { op, call: ApiCall::SignIn {
//!         username: "alice".into(),
//!         password: Some(Secret::new("hunter2".into())),
//!         flow: None,
//!         preferred_challenge: None,
//!         client_metadata: Default::default(),
//!     }},
//! });
//! let Some(Output::Effect { effect_id, effect: Effect::UserPool { request } }) = outputs.first()
//! else { unreachable!() };
//! assert_eq!(request.operation(), "InitiateAuth");
//!
//! // The driver performs the call and feeds the answer back (fake, unsigned tokens here).
//! let jwt = |claims: &str| format!("e30.{}.sig",
//!     base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims));
//! now = now.plus_ms(120);
//! let outputs = machine.handle(Input {
//!     at: now,
//!     event: Event::Completed {
//!         effect_id: *effect_id,
//!         result: EffectResult::UserPool(Ok(UserPoolResponse::Auth(AuthResponse {
//!             authentication_result: Some(AuthenticationResult {
//!                 access_token: Secret::new(jwt(r#"{"exp":1700003600,"username":"alice"}"#)),
//!                 id_token: None,
//!                 refresh_token: Some(Secret::new("refresh".into())),
//!                 expires_in: 3600,
//!                 new_device_metadata: None,
//!             }),
//!             ..Default::default()
//!         }))),
//!     },
//! });
//! assert!(outputs.iter().any(|o| matches!(o,
//!     Output::Reply { op: o_op, result: Ok(Answer::SignIn { next_step: SignInStep::Done }) }
//!         if *o_op == op)));
//! assert!(outputs.iter().any(|o| matches!(o, Output::SetTimer { timer: TimerKind::TokensDue, .. })));
//! assert_eq!(machine.user_state(), UserState::SignedIn);
//! ```
//!
//! See `docs/ARCHITECTURE.md` in the repository for the state list and the rules the machine
//! keeps (single-flight refresh, no sign-out without an explicit call or a definitive
//! rejection, every call answered exactly once).

pub mod account;
mod api;
pub mod cognito;
pub mod config;
mod drbg;
pub mod error;
pub mod input;
mod machine;
pub mod output;
pub mod secret;
pub mod session;
pub mod srp_task;
pub mod time;

pub use api::Machine;
pub use cognito::{ServiceError, ServiceErrorKind};
pub use config::{AuthFlow, Config};
pub use error::{Actor, AuthError};
pub use input::{ApiCall, EffectResult, Event, Input, SignOutOptions, StoreFailure};
/// The machine's transition table and its Mermaid diagram (`cognito-auth diagram`).
pub use machine::table as transitions;
pub use machine::{
    Challenge, FederationFlow, Replacing, SignInOrigin, SignOutPlan, State, UserSession, WebFlow,
};
pub use output::{
    Answer, Effect, EffectId, OperationId, Output, SignInStep, SignOutReport, TimerKind, UserState,
};
pub use secret::Secret;
pub use session::{PersistedSession, Tokens};
pub use srp_task::{KeptEphemerals, SrpFailure, SrpFailureKind, SrpOutput, SrpTask};
pub use time::Timestamp;

//! The pure auth machine. (Docs being written.)

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
pub use machine::{
    Challenge, FederationFlow, SignInOrigin, SignOutPlan, State, UserSession, WebFlow,
};
pub use output::{
    Answer, Effect, EffectId, OperationId, Output, SignInStep, SignOutReport, TimerKind, UserState,
};
pub use secret::Secret;
pub use session::{PersistedSession, Tokens};
pub use srp_task::{SrpFailure, SrpOutput, SrpTask};
pub use time::Timestamp;

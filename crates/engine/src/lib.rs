//! # cognito-auth
//!
//! Amazon Cognito sign-in for Rust apps, the way AWSMobileClient and Amplify Auth give it to
//! mobile apps: user-pool sessions (sign-up, SRP sign-in, MFA, self-refreshing tokens) and
//! identity-pool AWS credentials (guest, signed-in, federated).
//!
//! The decisions live in the pure machine (`cognito-auth-machine`); this crate is its tokio
//! driver: one task owns the machine, performs its effects (AWS SDK calls, SRP on a blocking
//! thread, session store writes, timers) and feeds every result back.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use cognito_auth::{Auth, SignInStep};
//!
//! let auth = Auth::builder()
//!     .config_json(&std::fs::read_to_string("amplify_outputs.json")?)
//!     .session_file("session.json")
//!     .build()?;
//! match auth.sign_in("alice", "correct horse battery staple").await? {
//!     SignInStep::Done => println!("signed in as {}", auth.username().await?),
//!     next => println!("more to do: {next:?}"),
//! }
//! let tokens = auth.tokens().await?; // refreshed when due
//! # let _ = tokens;
//! # Ok(())
//! # }
//! ```
//!
//! Modules: [`exec`] performs service calls, [`store`] keeps the session, [`event_log`] records
//! inputs for replay.

mod auth;
mod core;
mod credentials_provider;
pub use credentials_provider::CredentialsProvider;
mod driver;
pub mod event_log;
pub use event_log::replay;
pub mod exec;
pub mod store;

pub use auth::{
    Auth, AuthBuilder, BuildError, Error, FederatedSignInOptions, IdentityCredentials,
    SignUpOutcome,
};
pub use core::{Core, RunSrp};
pub use driver::{UnixClock, UrlOpener, UserStateChange};
pub use exec::{ClientError, ConnectOptions, ServiceClients};
pub use store::{FileStore, MemoryStore, SessionStore, StoreError};

pub use cognito_auth_machine as machine;
pub use cognito_auth_machine::{
    Answer, ApiCall, AuthError, Config, Secret, SignInStep, SignOutOptions, SignOutReport, Tokens,
    UserState,
};

#[cfg(test)]
mod driver_tests;

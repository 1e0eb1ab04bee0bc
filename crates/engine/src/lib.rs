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
//! use cognito_auth::{Auth, SignInOptions, SignInStep};
//!
//! let auth = Auth::builder()
//!     .config_json(&std::fs::read_to_string("amplify_outputs.json")?)
//!     .session_file("session.json")
//!     .build()?;
//! let signed_in = auth
//!     .sign_in("alice", "correct horse battery staple", SignInOptions::default())
//!     .await?;
//! match signed_in.next_step {
//!     SignInStep::Done => println!("signed in as {}", auth.username().await?),
//!     next => println!("more to do: {next:?}"),
//! }
//! let tokens = auth.tokens().await?; // refreshed when due
//! # let _ = tokens;
//! # Ok(())
//! # }
//! ```
//!
//! ## The shape of every call
//!
//! One consistent style, close to Amplify's method names and aws-sdk-rust's types:
//!
//! - **Required values are arguments, everything optional is one options struct** at the end:
//!   `auth.sign_in("alice", "pw", SignInOptions::default().client_metadata("k", "v"))`. Every
//!   options struct implements `Default` and has a chainable setter per field; each parameter
//!   Cognito passes on (client metadata, validation data, scopes, the flow, the preferred first
//!   factor) is reachable from the call that sends it. Calls with nothing optional take none.
//! - **Each call returns its own output type** (`SignUpOutput`, `ConfirmSignUpOutput`,
//!   `SignInOutput`, `FederatedSignInOutput`, ...), or the value itself when that is all there
//!   is (`Tokens`, `Vec<Attribute>`, `()`).
//! - **Errors are nested by who must act**: [`Error::User`], [`Error::App`],
//!   [`Error::Network`] (retryable), [`Error::Service`], [`Error::Store`]; [`Error::actor`]
//!   says which. No message carries a secret.
//! - **`#[non_exhaustive]` only where the public edge grows**: options and outputs (Cognito adds
//!   parameters and fields) and error enums (Cognito adds error codes). Closed sets
//!   ([`Actor`], [`MfaSetting`]) are exhaustive.
//! - **Secrets** (passwords, codes, tokens, the TOTP secret) travel as [`Secret`], whose
//!   `Debug` prints `[redacted]`.
//!
//! [`Auth::fetch_auth_session`] gives tokens, identity id, AWS credentials and the user's name
//! and `sub` together, each part a `Result` of its own.
//!
//! ## Features
//!
//! - `keyring`: `store::KeyringStore`, the session in the OS keyring (Linux keyutils).
//! - `test-util`: seams for tests and reproducible runs: a fixed seed, a replaced wall clock,
//!   and building the driver around another `Drivable` machine (`AuthBuilder::seed`,
//!   `unix_clock`, `build_with`, `event_log::replay_with`). Not for production: a fixed seed
//!   makes SRP ephemerals predictable.
//!
//! Modules: [`exec`] performs service calls, [`store`] keeps the session, [`event_log`] records
//! inputs for replay.

mod answers;
mod auth;
mod builder;
mod credentials_provider;
pub mod custom;
mod drivable;
pub use credentials_provider::CredentialsProvider;
pub use custom::{
    AwsCredentialsProvider, CredentialsRequest, FederatedToken, FederatedTokenProvider,
    ProviderError,
};
mod driver;
mod error;
pub mod event_log;
mod federation;
mod redact;
pub use event_log::replay;
pub mod exec;
mod options;
mod outputs;
mod publish;
mod session;
pub mod store;
mod store_task;
pub mod web_ui;

pub use auth::Auth;
pub use builder::{AuthBuilder, BuildError};
#[cfg(any(test, feature = "test-util"))]
pub use drivable::{Drivable, RunSrp};
pub use driver::{AuthEvent, UnixClock, UrlOpener, UserStateChange};
pub use error::{Actor, AppError, Error, NetworkError, ServiceError, StoreFailure, UserError};
pub use exec::{ClientError, ConnectOptions, ServiceClients};
pub use federation::{FederationProvider, DEVELOPER_LOGIN_KEY};
pub use options::{
    ConfirmForgotPasswordOptions, ConfirmSignInOptions, ConfirmSignUpOptions,
    FederatedSignInOptions, FetchDevicesOptions, FetchOptions, FirstFactor, ForgotPasswordOptions,
    MfaPreference, MfaSetting, ResendSignUpCodeOptions, SendAttributeVerificationCodeOptions,
    SignInOptions, SignUpOptions, UpdateUserAttributesOptions, VerifyTotpSetupOptions,
    WebUiSignInOptions,
};
pub use outputs::{
    AuthSession, FederatedSignInOutput, IdentityCredentials, SignInOutput, SignOutOutput,
    TotpSetupOutput, WebUiSignInOutput,
};
pub use store::{FileStore, MemoryStore, SessionStore, StoreError};
pub use store_task::StoreEvent;

pub use cognito_auth_machine as machine;
/// The account operations [`Auth::call`] sends: one input type per Cognito operation (named as
/// the operation, e.g. [`account::ListDevices`]) and its output ([`account::ListDevicesOutput`]).
pub use cognito_auth_machine::account;
pub use cognito_auth_machine::account::{
    AccountOperation, ConfirmSignUpOutput, ForgotPasswordOutput, ResendConfirmationCodeOutput,
    SignUpOutput,
};
pub use cognito_auth_machine::cognito::{
    Attribute, AwsCredentials, CodeDelivery, Device, DeviceRememberedStatus,
};
pub use cognito_auth_machine::{
    AuthFlow, Config, Secret, SignInStep, SignOutOptions, Tokens, UserState,
};

#[cfg(test)]
mod driver_tests;

//! # cognito-auth-cli
//!
//! The `cognito-auth` command line around the [`cognito_auth`] engine and the project's Cognito
//! emulator. Nothing beyond the Rust toolchain is needed:
//!
//! ```text
//! cargo run -p cognito-auth-cli -- demo
//! ```
//!
//! `cognito-auth demo` starts the emulator in this process on 127.0.0.1 (a user pool with an
//! SRP client, an identity pool allowing guests) and walks one session, printing every
//! user-state change (from [`cognito_auth::Auth::subscribe`]) and every step as it happens:
//!
//! 1. guest AWS credentials (from a second engine whose identity pool allows guests, so that
//!    the app's own engine shows `signedOut` rather than `guest` when nobody is signed in);
//! 2. sign-up, the confirmation code read from the emulator's outbox, confirmation;
//! 3. SRP sign-in (`USER_SRP_AUTH`), tokens, authenticated AWS credentials;
//! 4. TOTP MFA: set-up with a code from the emulator's RFC 6238 module, TOTP preferred, sign
//!    out, sign in again (`ConfirmWithTotpCode`), confirm;
//! 5. the clock (the emulator's, which the engine reads too) jumps past expiry: `tokens()`
//!    refreshes;
//! 6. offline: the emulator drops every connection, the tokens expire, `tokens()` fails with a
//!    network error while the user stays `signedIn`; back online, tokens refresh;
//! 7. the refresh token revoked server-side: a `tokens()` call waits in
//!    `signedOutUserPoolsTokenInvalid` until the next sign-in answers it;
//! 8. global sign-out and its report;
//! 9. the engine's event log replayed offline: the replay's outputs equal the live ones.
//!
//! No secret is printed: tokens show their user and expiry, identity ids are shortened.
//!
//! The other commands: `cognito-auth replay LOG` summarises a recorded event log, and
//! `cognito-auth emulator [--port N] [--seed-file F]` serves the emulator until Ctrl-C.
//!
//! The per-flow commands (`sign-up`, `sign-in`, `tokens`, `credentials`, `devices`, ...) use
//! a pool from `amplify_outputs.json` or `awsconfiguration.json` and keep the session in a
//! file between invocations; `crates/cli/README.md` documents them and their exit codes.
//!
//! The demo is also a library call:
//!
//! ```no_run
//! # async fn demo() -> Result<(), cognito_auth_cli::demo::DemoError> {
//! let out = cognito_auth_cli::Reporter::quiet();
//! let summary = cognito_auth_cli::demo::run(&out).await?;
//! assert!(summary.identical);
//! assert!(out.transcript().contains("signedOutUserPoolsTokenInvalid"));
//! # Ok(())
//! # }
//! ```

mod app;
mod cli;
mod commands;
pub mod demo;
pub mod emulator;
mod engine;
mod exit;
mod failures;
mod logging;
mod output;
mod progress;
mod prompt;
pub mod replay;
pub mod report;
mod setup;

pub use app::main;

pub use report::Reporter;

//! Errors from [`crate::Auth`] calls, nested by who must act: the user, the app, nobody yet
//! (the network), the service, or the session store. [`Error::actor`] says which.
//!
//! Messages never carry secrets: the machine's errors hold service codes and messages, state
//! names and parameter names, never passwords, codes or tokens.

use cognito_auth_machine::AuthError;

/// An error from an [`crate::Auth`] call.
///
/// Match the outer variant to decide who acts, and the inner enum for details:
///
/// ```
/// # fn show(err: cognito_auth::Error) {
/// use cognito_auth::{Error, UserError};
/// match err {
///     Error::User(UserError::CodeMismatch) => println!("wrong code, try again"),
///     Error::User(other) => println!("{other}"),
///     Error::Network(net) => println!("offline ({}), will retry", net.code),
///     other => eprintln!("cannot continue: {other}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The user must act: wrong password or code, invalid input they typed.
    #[error(transparent)]
    User(#[from] UserError),
    /// The app must act: a call in the wrong state, missing configuration, a stopped engine.
    #[error(transparent)]
    App(#[from] AppError),
    /// The network or the service is unavailable for now; the same call may succeed later.
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// The service refused definitively (session revoked, a rejected request).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The session store failed.
    #[error(transparent)]
    Store(#[from] StoreFailure),
    /// A defect in cognito-auth itself; nothing the app or the user does fixes it. Its payload
    /// is opaque on purpose: handle it with the other errors you cannot act on, and report it.
    #[doc(hidden)]
    #[error(transparent)]
    Internal(internal::InternalError),
}

/// Who has to do something about an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// The user: wrong password, wrong code, invalid input they typed.
    User,
    /// The app: a call in the wrong state, missing configuration, invalid arguments.
    App,
    /// Nobody yet: the network or the service is unavailable; the call may be retried.
    Network,
    /// The service refused definitively, or this library failed.
    Service,
    /// The session store (file, keyring) failed.
    Store,
}

impl Error {
    /// Who must act on this error.
    pub fn actor(&self) -> Actor {
        match self {
            Self::User(_) => Actor::User,
            Self::App(_) => Actor::App,
            Self::Network(_) => Actor::Network,
            Self::Service(_) | Self::Internal(_) => Actor::Service,
            Self::Store(_) => Actor::Store,
        }
    }

    /// Whether the same call may succeed if retried later.
    pub fn is_retryable(&self) -> bool {
        self.actor() == Actor::Network
    }

    /// A call was answered with a result of another call's kind: a bug in the machine.
    pub(crate) fn mismatch(call: &'static str, answer: &'static str) -> Self {
        Self::Internal(internal::InternalError::Mismatch { call, answer })
    }
}

/// The user must act.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UserError {
    /// Incorrect user name or password, or the user cannot sign in.
    #[error("not authorized: {message}")]
    NotAuthorized {
        /// The service's message.
        message: String,
    },
    /// The user does not exist.
    #[error("user not found")]
    UserNotFound,
    /// The user has not confirmed the registration yet.
    #[error("user is not confirmed")]
    UserNotConfirmed,
    /// An administrator requires a password reset.
    #[error("password reset required")]
    PasswordResetRequired,
    /// The code is wrong.
    #[error("code mismatch")]
    CodeMismatch,
    /// The code has expired.
    #[error("code expired")]
    CodeExpired,
    /// The password does not satisfy the pool's policy.
    #[error("invalid password: {message}")]
    InvalidPassword {
        /// The service's message.
        message: String,
    },
    /// The user name is taken.
    #[error("user name already exists")]
    UsernameExists,
    /// Too many attempts; try later.
    #[error("too many attempts: {message}")]
    LimitExceeded {
        /// The service's message.
        message: String,
    },
    /// The hosted UI redirected back with an error (`access_denied` when the user cancelled).
    #[error("hosted UI error {error}: {description}")]
    HostedUi {
        /// OAuth error code.
        error: String,
        /// OAuth error description.
        description: String,
    },
}

/// The app must act.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The call needs a signed-in user-pool user.
    #[error("no user is signed in")]
    NotSignedIn,
    /// A sign-in was started while a user is signed in (sign out first).
    #[error("a user is already signed in")]
    AlreadySignedIn,
    /// The call is not valid in the current state.
    #[error("`{call}` is not allowed while {state}")]
    InvalidState {
        /// The call.
        call: String,
        /// A description of the state.
        state: String,
    },
    /// An argument was invalid.
    #[error("invalid parameter: {message}")]
    InvalidParameter {
        /// What was wrong.
        message: String,
    },
    /// The configuration lacks what the call needs.
    #[error("not configured: {what}")]
    NotConfigured {
        /// What is missing.
        what: String,
    },
    /// The call was cancelled by a later call (a new sign-in replaced this one).
    #[error("cancelled: {reason}")]
    Cancelled {
        /// Why.
        reason: String,
    },
    /// The app released callers waiting for a sign-in ([`crate::Auth::release_sign_in_wait`]).
    #[error("sign-in wait released")]
    SignInWaitReleased,
    /// The user signed out while the call was waiting.
    #[error("signed out")]
    SignedOut,
    /// The engine has stopped ([`crate::Auth::shutdown`], or its tokio runtime shut down).
    #[error("the auth engine has stopped")]
    EngineStopped,
    /// The app's own token or credentials provider failed ([`crate::custom`]).
    #[error("the app's provider: {message}")]
    CustomProvider {
        /// The provider's message.
        message: String,
    },
}

/// The service could not be reached or did not answer in time, or throttled the call. The
/// session is kept; the same call may succeed later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("network error ({code}): {message}")]
#[non_exhaustive]
pub struct NetworkError {
    /// A transport description (`Timeout`, `Dispatch`, ...) or the throttling / 5xx code.
    pub code: String,
    /// Details.
    pub message: String,
}

/// The service refused definitively.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The session cannot be refreshed any more: sign in again.
    #[error("session expired: sign in again")]
    SessionExpired,
    /// The federation token was rejected: provide a new one.
    #[error("federation token rejected: provide a new one")]
    FederationExpired,
    /// Another refusal, with Cognito's error code (`ResourceNotFoundException`, ...).
    #[error("service error {code}: {message}")]
    Rejected {
        /// Cognito's error code.
        code: String,
        /// Cognito's message.
        message: String,
    },
    /// The service answered something that cannot be used (e.g. a malformed token).
    #[error("unexpected response: {message}")]
    UnexpectedResponse {
        /// What was wrong (never token contents).
        message: String,
    },
}

/// The session store failed while the call needed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("session store: {message}")]
#[non_exhaustive]
pub struct StoreFailure {
    /// What went wrong (never session contents).
    pub message: String,
}

impl From<AuthError> for Error {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::NotAuthorized { message } => UserError::NotAuthorized { message }.into(),
            AuthError::UserNotFound => UserError::UserNotFound.into(),
            AuthError::UserNotConfirmed => UserError::UserNotConfirmed.into(),
            AuthError::PasswordResetRequired => UserError::PasswordResetRequired.into(),
            AuthError::CodeMismatch => UserError::CodeMismatch.into(),
            AuthError::CodeExpired => UserError::CodeExpired.into(),
            AuthError::InvalidPassword { message } => UserError::InvalidPassword { message }.into(),
            AuthError::UsernameExists => UserError::UsernameExists.into(),
            AuthError::LimitExceeded { message } => UserError::LimitExceeded { message }.into(),
            AuthError::HostedUi { error, description } => {
                UserError::HostedUi { error, description }.into()
            }
            AuthError::NotSignedIn => AppError::NotSignedIn.into(),
            AuthError::AlreadySignedIn => AppError::AlreadySignedIn.into(),
            AuthError::InvalidState { call, state } => {
                AppError::InvalidState { call, state }.into()
            }
            AuthError::InvalidParameter { message } => {
                AppError::InvalidParameter { message }.into()
            }
            AuthError::NotConfigured { what } => AppError::NotConfigured { what }.into(),
            AuthError::Cancelled { reason } => AppError::Cancelled { reason }.into(),
            AuthError::SignInWaitReleased => AppError::SignInWaitReleased.into(),
            AuthError::SignedOut => AppError::SignedOut.into(),
            AuthError::Network { code, message } => NetworkError { code, message }.into(),
            AuthError::SessionExpired => ServiceError::SessionExpired.into(),
            AuthError::FederationExpired => ServiceError::FederationExpired.into(),
            AuthError::Service { code, message } => ServiceError::Rejected { code, message }.into(),
            AuthError::UnexpectedResponse { message } => {
                ServiceError::UnexpectedResponse { message }.into()
            }
            AuthError::Store { message } => StoreFailure { message }.into(),
            // The machine and the engine are built together from one workspace: a kind the
            // engine does not sort is a defect here, not something the app can act on.
            other => Error::Internal(internal::InternalError::UnsortedKind {
                message: other.to_string(),
            }),
        }
    }
}

/// The engine's own defects, kept out of the public error taxonomy.
pub(crate) mod internal {
    /// A defect in cognito-auth. Opaque: its Display says what to report.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    pub enum InternalError {
        /// The machine answered a call with another call's kind of result.
        #[error(
            "cognito-auth bug: `{call}` was answered with a `{answer}` result; please report it"
        )]
        Mismatch {
            call: &'static str,
            answer: &'static str,
        },
        /// The machine answered with an error kind this engine does not sort by actor.
        #[error("cognito-auth bug: unsorted error kind ({message}); please report it")]
        UnsortedKind { message: String },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_errors_are_nested_by_who_must_act() {
        let cases = [
            (AuthError::CodeMismatch, Actor::User),
            (
                AuthError::NotAuthorized {
                    message: "m".into(),
                },
                Actor::User,
            ),
            (AuthError::NotSignedIn, Actor::App),
            (AuthError::SignInWaitReleased, Actor::App),
            (
                AuthError::Network {
                    code: "Timeout".into(),
                    message: "m".into(),
                },
                Actor::Network,
            ),
            (AuthError::SessionExpired, Actor::Service),
            (
                AuthError::Service {
                    code: "X".into(),
                    message: "m".into(),
                },
                Actor::Service,
            ),
            (
                AuthError::Store {
                    message: "disk".into(),
                },
                Actor::Store,
            ),
        ];
        for (machine, actor) in cases {
            let text = machine.to_string();
            let err = Error::from(machine);
            assert_eq!(err.actor(), actor, "{err:?}");
            assert_eq!(err.to_string(), text, "the message is the machine's");
            assert_eq!(err.is_retryable(), actor == Actor::Network);
        }
        assert_eq!(
            Error::from(AuthError::CodeMismatch),
            Error::User(UserError::CodeMismatch)
        );
        assert_eq!(
            Error::from(AuthError::SessionExpired),
            Error::Service(ServiceError::SessionExpired)
        );
    }

    #[test]
    fn a_mismatched_answer_is_reported_as_a_bug_without_contents() {
        let err = Error::mismatch("sign_in", "Tokens");
        assert_eq!(err.actor(), Actor::Service);
        assert!(!err.is_retryable());
        let text = err.to_string();
        assert!(text.contains("bug") && text.contains("sign_in"), "{text}");
    }

    #[test]
    fn the_source_chain_is_the_nested_errors() {
        use std::error::Error as _;
        let err = Error::from(AuthError::CodeExpired);
        // Transparent nesting: the outer error shows the inner one's message and its source.
        assert!(err.source().is_none());
        assert_eq!(err.to_string(), UserError::CodeExpired.to_string());
    }
}

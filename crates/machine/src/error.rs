//! Errors the app sees, sorted by who must act.

use serde::{Deserialize, Serialize};

use crate::cognito::ServiceError;

/// Who has to do something about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    /// The user: wrong password, wrong code, invalid input they typed.
    User,
    /// The app: a call in the wrong state, missing configuration, invalid arguments.
    App,
    /// Nobody yet: the network or the service is unavailable; the call may be retried.
    Network,
    /// The service refused definitively (session revoked, account disabled, ...).
    Service,
}

/// An error answered to an app call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind")]
#[non_exhaustive]
pub enum AuthError {
    // --- the user must act ---
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

    // --- the app must act ---
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
    /// The app released callers waiting for a sign-in.
    #[error("sign-in wait released")]
    SignInWaitReleased,
    /// The user signed out while the call was waiting.
    #[error("signed out")]
    SignedOut,

    // --- the network; retryable ---
    /// The service could not be reached or did not answer in time; the session is kept.
    #[error("network error ({code}): {message}")]
    Network {
        /// Transport description or throttling code.
        code: String,
        /// Details.
        message: String,
    },

    // --- the service refused ---
    /// The session cannot be refreshed any more: sign in again.
    #[error("session expired: sign in again")]
    SessionExpired,
    /// Federation token rejected: provide a new one.
    #[error("federation token rejected: provide a new one")]
    FederationExpired,
    /// Another service error.
    #[error("service error {code}: {message}")]
    Service {
        /// Cognito's error code.
        code: String,
        /// Cognito's message.
        message: String,
    },
    /// The service answered something the machine cannot use (e.g. a malformed JWT).
    #[error("unexpected response: {message}")]
    UnexpectedResponse {
        /// What was wrong (never contains token contents).
        message: String,
    },
    /// The session store failed.
    #[error("session store: {message}")]
    Store {
        /// What went wrong.
        message: String,
    },
}

impl AuthError {
    /// Who must act on this error.
    pub fn actor(&self) -> Actor {
        match self {
            Self::NotAuthorized { .. }
            | Self::UserNotFound
            | Self::UserNotConfirmed
            | Self::PasswordResetRequired
            | Self::CodeMismatch
            | Self::CodeExpired
            | Self::InvalidPassword { .. }
            | Self::UsernameExists
            | Self::LimitExceeded { .. }
            | Self::HostedUi { .. } => Actor::User,
            Self::NotSignedIn
            | Self::AlreadySignedIn
            | Self::InvalidState { .. }
            | Self::InvalidParameter { .. }
            | Self::NotConfigured { .. }
            | Self::Cancelled { .. }
            | Self::SignInWaitReleased
            | Self::SignedOut => Actor::App,
            Self::Network { .. } => Actor::Network,
            Self::SessionExpired
            | Self::FederationExpired
            | Self::Service { .. }
            | Self::UnexpectedResponse { .. }
            | Self::Store { .. } => Actor::Service,
        }
    }

    /// Whether the same call may succeed if retried later.
    pub fn is_retryable(&self) -> bool {
        self.actor() == Actor::Network
    }

    pub(crate) fn invalid_state(call: &str, state: &str) -> Self {
        Self::InvalidState {
            call: call.to_owned(),
            state: state.to_owned(),
        }
    }
}

impl From<&ServiceError> for AuthError {
    fn from(err: &ServiceError) -> Self {
        if err.is_retryable() {
            return Self::Network {
                code: err.code.clone(),
                message: err.message.clone(),
            };
        }
        let message = err.message.clone();
        match err.short_code() {
            "NotAuthorized" => Self::NotAuthorized { message },
            "UserNotFound" => Self::UserNotFound,
            "UserNotConfirmed" => Self::UserNotConfirmed,
            "PasswordResetRequired" => Self::PasswordResetRequired,
            "CodeMismatch" | "EnableSoftwareTokenMFA" => Self::CodeMismatch,
            "ExpiredCode" => Self::CodeExpired,
            "InvalidPassword" | "PasswordHistoryPolicyViolation" => {
                Self::InvalidPassword { message }
            }
            "UsernameExists" | "AliasExists" => Self::UsernameExists,
            "TooManyFailedAttempts" | "LimitExceeded" => Self::LimitExceeded { message },
            "InvalidParameter" => Self::InvalidParameter { message },
            _ if err.kind == crate::cognito::ServiceErrorKind::InvalidResponse => {
                Self::UnexpectedResponse { message }
            }
            code => Self::Service {
                code: code.to_owned(),
                message,
            },
        }
    }
}

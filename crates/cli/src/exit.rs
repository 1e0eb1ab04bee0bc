//! Exit codes: one per class of error, so scripts can tell a wrong password from a network
//! outage without parsing messages.

use std::process::ExitCode;

/// Who or what a failure is down to; each class has its own exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorClass {
    /// Something this program did not expect: an I/O failure, the engine stopping.
    Internal,
    /// Bad arguments or configuration (missing config file, invalid parameter, nothing
    /// configured for the command).
    Usage,
    /// The user must act: wrong password or code, unknown or unconfirmed user, weak password.
    User,
    /// The service could not be reached or did not answer in time; retrying may work.
    Network,
    /// The service refused: session expired, another service error, a malformed answer.
    Service,
    /// The command is not possible in the current session state (nobody signed in, already
    /// signed in, ...).
    State,
}

impl ErrorClass {
    /// The process exit code.
    pub(crate) fn code(self) -> u8 {
        match self {
            Self::Internal => 1,
            Self::Usage => 2,
            Self::User => 3,
            Self::Network => 4,
            Self::Service => 5,
            Self::State => 6,
        }
    }

    /// The class's name in `--json` error documents.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Internal => "internal",
            Self::Usage => "usage",
            Self::User => "user",
            Self::Network => "network",
            Self::Service => "service",
            Self::State => "state",
        }
    }

    pub(crate) fn exit_code(self) -> ExitCode {
        ExitCode::from(self.code())
    }
}

/// The table shown by `--help` and in the README.
pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  internal error (I/O failure, the engine stopped)
  2  usage: bad arguments, a missing or invalid file (configuration, log, seed), invalid parameter
  3  user: wrong password or code, unknown or unconfirmed user, password policy
  4  network: the service could not be reached or timed out (retrying may work)
  5  service: the service refused (session expired, other service error)
  6  state: not possible in the current session state (not signed in, already signed in)";

/// A command failed: its class and a message that never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) class: ErrorClass,
    /// A machine-readable name (`NotAuthorized`, `Network`, `ConfigMissing`, ...).
    pub(crate) code: String,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(class: ErrorClass, code: &str, message: impl Into<String>) -> Self {
        Self {
            class,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Usage, "Usage", message)
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Internal, "Internal", message)
    }

    /// The `--json` error document.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "class": self.class.name(),
                "code": self.code,
                "message": self.message,
                "exit_code": self.class.code(),
            }
        })
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} error: {}", self.class.name(), self.message)
    }
}

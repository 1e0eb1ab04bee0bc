//! The engine's errors as the CLI's failures: an exit class by who must act, and a stable,
//! script-friendly code (the `--json` error's `code`).

use cognito_auth::{Actor, AppError, Error, ServiceError, UserError};

use crate::exit::{ErrorClass, Failure};

pub(crate) fn stopped() -> Failure {
    Failure::internal("the auth engine stopped")
}

pub(crate) fn failure(error: Error) -> Failure {
    engine_failure(error)
}

/// A stable, script-friendly name for an error: the variant that says what happened.
pub(crate) fn error_code(error: &Error) -> String {
    let code = match error {
        Error::User(e) => match e {
            UserError::NotAuthorized { .. } => "NotAuthorized",
            UserError::UserNotFound => "UserNotFound",
            UserError::UserNotConfirmed => "UserNotConfirmed",
            UserError::PasswordResetRequired => "PasswordResetRequired",
            UserError::CodeMismatch => "CodeMismatch",
            UserError::CodeExpired => "CodeExpired",
            UserError::InvalidPassword { .. } => "InvalidPassword",
            UserError::UsernameExists => "UsernameExists",
            UserError::LimitExceeded { .. } => "LimitExceeded",
            UserError::HostedUi { .. } => "HostedUi",
            _ => "User",
        },
        Error::App(e) => match e {
            AppError::NotSignedIn => "NotSignedIn",
            AppError::AlreadySignedIn => "AlreadySignedIn",
            AppError::InvalidState { .. } => "InvalidState",
            AppError::InvalidParameter { .. } => "InvalidParameter",
            AppError::NotConfigured { .. } => "NotConfigured",
            AppError::Cancelled { .. } => "Cancelled",
            AppError::SignInWaitReleased => "SignInWaitReleased",
            AppError::SignedOut => "SignedOut",
            AppError::EngineStopped => "EngineStopped",
            _ => "App",
        },
        Error::Network(_) => "Network",
        Error::Service(e) => match e {
            ServiceError::SessionExpired => "SessionExpired",
            ServiceError::FederationExpired => "FederationExpired",
            ServiceError::Rejected { .. } => "Service",
            ServiceError::UnexpectedResponse { .. } => "UnexpectedResponse",
            _ => "Service",
        },
        Error::Store(_) => "Store",
        _ => "Internal",
    };
    code.to_owned()
}

/// Classifies by who must act; the app-side errors split into usage (the invocation was
/// wrong) and state (the session is not in a state that allows it).
pub(crate) fn engine_failure(error: Error) -> Failure {
    if error == Error::App(AppError::SignInWaitReleased) {
        // Only `run_or_expire` releases waits: the call was waiting on an expired session.
        return Failure::new(
            ErrorClass::Service,
            "SessionExpired",
            "session expired: sign in again",
        );
    }
    if error == Error::App(AppError::EngineStopped) {
        return stopped();
    }
    let code = error_code(&error);
    let class = match (&error, error.actor()) {
        (Error::App(AppError::InvalidParameter { .. } | AppError::NotConfigured { .. }), _) => {
            ErrorClass::Usage
        }
        (_, Actor::User) => ErrorClass::User,
        (_, Actor::App) => ErrorClass::State,
        (_, Actor::Network) => ErrorClass::Network,
        (_, Actor::Service | Actor::Store) => ErrorClass::Service,
    };
    Failure::new(class, &code, message(&error))
}

/// The error's message for a line that already names its class (`network error: ...`): the
/// engine's own `network error (...)` and `service error ...` prefixes would say it twice.
fn message(error: &Error) -> String {
    match error {
        Error::Network(e) => format!("{} ({})", e.message, e.code),
        Error::Service(ServiceError::Rejected { code, message }) => format!("{code}: {message}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cognito_auth::machine::AuthError;

    fn auth_failure(error: AuthError) -> Failure {
        engine_failure(Error::from(error))
    }

    #[test]
    fn errors_map_to_their_exit_classes() {
        let class = |e: AuthError| auth_failure(e).class;
        assert_eq!(
            class(AuthError::NotAuthorized {
                message: "x".into()
            }),
            ErrorClass::User
        );
        assert_eq!(class(AuthError::NotSignedIn), ErrorClass::State);
        assert_eq!(class(AuthError::AlreadySignedIn), ErrorClass::State);
        assert_eq!(
            class(AuthError::Network {
                code: "x".into(),
                message: "y".into()
            }),
            ErrorClass::Network
        );
        assert_eq!(class(AuthError::SessionExpired), ErrorClass::Service);
        assert_eq!(
            class(AuthError::NotConfigured { what: "x".into() }),
            ErrorClass::Usage
        );
        assert_eq!(auth_failure(AuthError::UserNotFound).code, "UserNotFound");
        let network = auth_failure(AuthError::Network {
            code: "NetworkError".into(),
            message: "Connection refused".into(),
        });
        assert_eq!(
            network.to_string(),
            "network error: Connection refused (NetworkError)"
        );
        assert_eq!(
            auth_failure(AuthError::SignInWaitReleased).code,
            "SessionExpired"
        );
    }
}

//! Cognito's error shapes: the `__type` name, the message and the HTTP status each error travels
//! with over AWS JSON 1.1.

use std::fmt;

use cognito_auth_wire::error_code;

/// An error answered by an operation, named exactly as Cognito names it on the wire.
///
/// Messages never contain secrets (passwords, codes, tokens): they are written from fixed text
/// plus identifiers such as user names and pool ids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ApiError {
    /// The `__type` Cognito sends, such as `NotAuthorizedException`.
    pub kind: ErrorKind,
    /// The human-readable message.
    pub message: String,
}

/// Every error name the emulator answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs)] // each variant is the Cognito exception of the same name
pub enum ErrorKind {
    NotAuthorized,
    UserNotFound,
    UserNotConfirmed,
    UsernameExists,
    InvalidParameter,
    InvalidPassword,
    CodeMismatch,
    ExpiredCode,
    ResourceNotFound,
    InvalidUserPoolConfiguration,
    TooManyRequests,
    LimitExceeded,
    PasswordResetRequired,
    EnableSoftwareTokenMfa,
    AliasExists,
    UnsupportedTokenType,
    InternalError,
    UnknownOperation,
    SerializationError,
    InvalidIdentityPoolConfiguration,
    ExternalService,
    DeveloperUserAlreadyRegistered,
    ResourceConflict,
    UnauthorizedClient,
    Forbidden,
    RefreshTokenReuse,
    MissingAuthenticationToken,
    IncompleteSignature,
    UnsupportedOperation,
    GroupExists,
}

impl ErrorKind {
    /// The exception name sent as `__type`.
    pub fn name(self) -> &'static str {
        match self {
            Self::NotAuthorized => error_code::NOT_AUTHORIZED,
            Self::UserNotFound => error_code::USER_NOT_FOUND,
            Self::UserNotConfirmed => error_code::USER_NOT_CONFIRMED,
            Self::UsernameExists => error_code::USERNAME_EXISTS,
            Self::InvalidParameter => error_code::INVALID_PARAMETER,
            Self::InvalidPassword => error_code::INVALID_PASSWORD,
            Self::CodeMismatch => error_code::CODE_MISMATCH,
            Self::ExpiredCode => error_code::EXPIRED_CODE,
            Self::ResourceNotFound => error_code::RESOURCE_NOT_FOUND,
            Self::InvalidUserPoolConfiguration => error_code::INVALID_USER_POOL_CONFIGURATION,
            Self::TooManyRequests => error_code::TOO_MANY_REQUESTS,
            Self::LimitExceeded => error_code::LIMIT_EXCEEDED,
            Self::PasswordResetRequired => error_code::PASSWORD_RESET_REQUIRED,
            Self::EnableSoftwareTokenMfa => error_code::ENABLE_SOFTWARE_TOKEN_MFA,
            Self::AliasExists => error_code::ALIAS_EXISTS,
            Self::UnsupportedTokenType => error_code::UNSUPPORTED_TOKEN_TYPE,
            Self::InternalError => error_code::INTERNAL_ERROR,
            Self::UnknownOperation => error_code::UNKNOWN_OPERATION,
            Self::SerializationError => error_code::SERIALIZATION,
            Self::InvalidIdentityPoolConfiguration => {
                error_code::INVALID_IDENTITY_POOL_CONFIGURATION
            }
            Self::ExternalService => error_code::EXTERNAL_SERVICE,
            Self::DeveloperUserAlreadyRegistered => error_code::DEVELOPER_USER_ALREADY_REGISTERED,
            Self::ResourceConflict => error_code::RESOURCE_CONFLICT,
            Self::UnauthorizedClient => error_code::UNAUTHORIZED,
            Self::Forbidden => error_code::FORBIDDEN,
            Self::RefreshTokenReuse => error_code::REFRESH_TOKEN_REUSE,
            // An AWS-wide error (any service answers it for an unsigned request), not a Cognito one.
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::IncompleteSignature => "IncompleteSignatureException",
            // RevokeToken on a client without token revocation; the machine reads it by name.
            Self::UnsupportedOperation => "UnsupportedOperationException",
            // Only the emulator answers it (the engine never manages groups), so it is not in wire.
            Self::GroupExists => "GroupExistsException",
        }
    }

    /// The HTTP status Cognito answers this error with: client errors are 400 (throttling
    /// included), internal errors 500.
    pub fn http_status(self) -> u16 {
        match self {
            Self::InternalError => 500,
            _ => 400,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl ApiError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The JSON body Cognito sends for this error.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "__type": self.kind.name(), "message": self.message })
    }

    pub(crate) fn not_authorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotAuthorized, message)
    }

    pub(crate) fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidParameter, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ResourceNotFound, message)
    }

    pub(crate) fn user_not_found() -> Self {
        Self::new(ErrorKind::UserNotFound, "User does not exist.")
    }

    pub(crate) fn code_mismatch() -> Self {
        Self::new(
            ErrorKind::CodeMismatch,
            "Invalid verification code provided, please try again.",
        )
    }

    pub(crate) fn expired_code() -> Self {
        Self::new(
            ErrorKind::ExpiredCode,
            "Invalid code provided, please request a code again.",
        )
    }

    pub(crate) fn bad_credentials() -> Self {
        Self::not_authorized("Incorrect username or password.")
    }

    pub(crate) fn invalid_session() -> Self {
        Self::not_authorized("Invalid session for the user, session is expired.")
    }
}

/// The result type of every operation.
pub type ApiResult<T> = Result<T, ApiError>;

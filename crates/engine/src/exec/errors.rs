//! Turning AWS SDK errors into the machine's [`ServiceError`].
//!
//! This module only *describes* what happened (which kind of failure, the service's code and
//! message). Whether an error is retryable, or ends a session, is decided by the machine from
//! these fields, never here.

use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use cognito_auth_machine::{ServiceError, ServiceErrorKind};

/// The code Cognito uses for its own internal failures; reported as a server error.
const INTERNAL_ERROR: &str = "InternalErrorException";

/// Describes an SDK error as the machine expects it.
///
/// * the service answered with an error: its code and message, as `Service`; `ServerError` when
///   the HTTP status is 5xx or the code is `InternalErrorException`;
/// * the request never got an answer: `Timeout` (operation or connect timeout) or `Network`;
/// * the answer could not be parsed: `InvalidResponse` (or `ServerError` for a 5xx body);
/// * the request could not be built (a missing required field): `Service` with code
///   `InvalidParameterException`, since it is the caller's argument that is wrong.
///
/// Messages never contain request or response bodies: transport errors describe the connection,
/// and parse errors only give the HTTP status.
pub(crate) fn from_sdk_error<E>(err: SdkError<E>) -> ServiceError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            from_service_answer(status, ctx.err().code(), ctx.err().message())
        }
        SdkError::TimeoutError(_) => ServiceError {
            kind: ServiceErrorKind::Timeout,
            code: "Timeout".to_owned(),
            message: "no answer within the request timeout".to_owned(),
        },
        SdkError::DispatchFailure(failure) => {
            let kind = if failure.is_timeout() {
                ServiceErrorKind::Timeout
            } else {
                ServiceErrorKind::Network
            };
            ServiceError {
                kind,
                code: if failure.is_timeout() {
                    "Timeout".to_owned()
                } else {
                    "NetworkError".to_owned()
                },
                message: causes(&err),
            }
        }
        SdkError::ResponseError(ctx) => {
            let status = ctx.raw().status().as_u16();
            if (500..600).contains(&status) {
                ServiceError {
                    kind: ServiceErrorKind::ServerError,
                    code: format!("HTTP{status}"),
                    message: format!("HTTP {status} with an unreadable body"),
                }
            } else {
                ServiceError {
                    kind: ServiceErrorKind::InvalidResponse,
                    code: "InvalidResponse".to_owned(),
                    message: format!("could not parse the response (HTTP {status})"),
                }
            }
        }
        SdkError::ConstructionFailure(_) => ServiceError {
            kind: ServiceErrorKind::Service,
            code: "InvalidParameterException".to_owned(),
            message: format!(
                "the request could not be built: {}",
                DisplayErrorContext(&err)
            ),
        },
        // `SdkError` is non-exhaustive: anything new is reported as unusable rather than guessed.
        _ => ServiceError {
            kind: ServiceErrorKind::InvalidResponse,
            code: "UnknownSdkError".to_owned(),
            message: DisplayErrorContext(&err).to_string(),
        },
    }
}

/// A transport failure as one line: each cause's message, outermost first, without the SDK's
/// `Debug` dump of the whole error that `DisplayErrorContext` appends (several lines of
/// connector internals where a person wants "Connection refused").
fn causes(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        // Wrappers often repeat their source's message; keep each message once.
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// Classifies an error answer from the service by HTTP status and error code.
pub(crate) fn from_service_answer(
    status: u16,
    code: Option<&str>,
    message: Option<&str>,
) -> ServiceError {
    let message = message.unwrap_or_default().to_owned();
    let server_side = (500..600).contains(&status);
    match code {
        Some(code) => ServiceError {
            kind: if server_side || short_code(code) == INTERNAL_ERROR {
                ServiceErrorKind::ServerError
            } else {
                ServiceErrorKind::Service
            },
            code: code.to_owned(),
            message,
        },
        None if server_side => ServiceError {
            kind: ServiceErrorKind::ServerError,
            code: format!("HTTP{status}"),
            message,
        },
        None => ServiceError {
            kind: ServiceErrorKind::InvalidResponse,
            code: "UnknownError".to_owned(),
            message: format!("HTTP {status} error without an error code"),
        },
    }
}

/// `com.amazonaws...#NotAuthorizedException` -> `NotAuthorizedException`.
fn short_code(code: &str) -> &str {
    code.rsplit(['#', ':']).next().unwrap_or(code)
}

/// A response that parsed but lacks a field the machine needs.
pub(crate) fn missing_field(operation: &str, field: &str) -> ServiceError {
    ServiceError {
        kind: ServiceErrorKind::InvalidResponse,
        code: "InvalidResponse".to_owned(),
        message: format!("{operation} response has no {field}"),
    }
}

/// A request the engine could not build locally (an attribute without a name, say).
pub(crate) fn build_failure(operation: &str, err: &dyn std::error::Error) -> ServiceError {
    ServiceError {
        kind: ServiceErrorKind::Service,
        code: "InvalidParameterException".to_owned(),
        message: format!("{operation}: the request could not be built: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);
    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1
                .as_deref()
                .map(|l| l as &(dyn std::error::Error + 'static))
        }
    }

    #[test]
    fn a_transport_failure_is_its_chain_of_causes_on_one_line() {
        let refused = Layer("Connection refused (os error 111)", None);
        let err = Layer(
            "dispatch failure",
            Some(Box::new(Layer("io error", Some(Box::new(refused))))),
        );
        assert_eq!(
            causes(&err),
            "dispatch failure: io error: Connection refused (os error 111)"
        );
        let repeated = Layer("refused", Some(Box::new(Layer("refused", None))));
        assert_eq!(causes(&repeated), "refused");
    }

    #[test]
    fn service_codes_are_kept_verbatim() {
        let e = from_service_answer(400, Some("NotAuthorizedException"), Some("Incorrect"));
        assert_eq!(e.kind, ServiceErrorKind::Service);
        assert_eq!(e.code, "NotAuthorizedException");
        assert_eq!(e.message, "Incorrect");
        assert!(e.is_not_authorized());
    }

    #[test]
    fn throttling_stays_a_service_error_for_the_machine_to_classify() {
        let e = from_service_answer(400, Some("TooManyRequestsException"), Some("slow"));
        assert_eq!(e.kind, ServiceErrorKind::Service);
        assert!(e.is_retryable());
    }

    #[test]
    fn five_hundreds_and_internal_errors_are_server_errors() {
        let e = from_service_answer(500, Some("InternalErrorException"), None);
        assert_eq!(e.kind, ServiceErrorKind::ServerError);
        let e = from_service_answer(400, Some("InternalErrorException"), None);
        assert_eq!(e.kind, ServiceErrorKind::ServerError);
        let e = from_service_answer(503, None, None);
        assert_eq!(e.kind, ServiceErrorKind::ServerError);
        assert_eq!(e.code, "HTTP503");
    }

    #[test]
    fn a_4xx_without_a_code_is_an_invalid_response() {
        let e = from_service_answer(404, None, Some("<html>"));
        assert_eq!(e.kind, ServiceErrorKind::InvalidResponse);
        assert!(!e.message.contains("<html>"));
    }
}

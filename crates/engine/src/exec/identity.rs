//! `IdentityRequest` -> one `aws-sdk-cognitoidentity` call -> `IdentityResponse`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_cognitoidentity::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_cognitoidentity::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_cognitoidentity::primitives::{DateTime, DateTimeFormat};
use aws_sdk_cognitoidentity::Client;
use cognito_auth_machine::cognito::{AwsCredentials, IdentityRequest, IdentityResponse, StringMap};
use cognito_auth_machine::{Secret, ServiceError};

use super::errors::{from_sdk_error, missing_field};

/// Sends one identity-pool request and describes its outcome.
pub(crate) async fn call(
    client: &Client,
    request: IdentityRequest,
) -> Result<IdentityResponse, ServiceError> {
    let op = request.operation();
    match request {
        IdentityRequest::GetId {
            identity_pool_id,
            logins,
        } => {
            let out = client
                .get_id()
                .identity_pool_id(identity_pool_id)
                .set_logins(logins_map(logins.expose()))
                .send()
                .await
                .map_err(from_sdk_error)?;
            Ok(IdentityResponse::IdentityId {
                identity_id: out
                    .identity_id()
                    .ok_or_else(|| missing_field(op, "IdentityId"))?
                    .to_owned(),
            })
        }
        IdentityRequest::GetCredentialsForIdentity {
            identity_id,
            logins,
            custom_role_arn,
        } => {
            let date = ResponseDate::default();
            let out = client
                .get_credentials_for_identity()
                .identity_id(identity_id.clone())
                .set_logins(logins_map(logins.expose()))
                .set_custom_role_arn(custom_role_arn)
                .customize()
                .interceptor(date.clone())
                .send()
                .await
                .map_err(from_sdk_error)?;
            let creds = out
                .credentials()
                .ok_or_else(|| missing_field(op, "Credentials"))?;
            let field = |v: Option<&str>, name: &str| {
                v.map(str::to_owned).ok_or_else(|| missing_field(op, name))
            };
            Ok(IdentityResponse::Credentials {
                // The identity the credentials were asked for, when the answer does not repeat it.
                identity_id: out.identity_id().map_or(identity_id, str::to_owned),
                credentials: AwsCredentials {
                    access_key_id: field(creds.access_key_id(), "Credentials.AccessKeyId")?,
                    secret_access_key: Secret::new(field(
                        creds.secret_key(),
                        "Credentials.SecretKey",
                    )?),
                    session_token: Secret::new(field(
                        creds.session_token(),
                        "Credentials.SessionToken",
                    )?),
                    expiration_s: creds
                        .expiration()
                        .ok_or_else(|| missing_field(op, "Credentials.Expiration"))?
                        .secs(),
                },
                service_time_s: date.get(),
            })
        }
        IdentityRequest::GetOpenIdToken {
            identity_id,
            logins,
        } => {
            let out = client
                .get_open_id_token()
                .identity_id(identity_id.clone())
                .set_logins(logins_map(logins.expose()))
                .send()
                .await
                .map_err(from_sdk_error)?;
            Ok(IdentityResponse::OpenIdToken {
                identity_id: out.identity_id().map_or(identity_id, str::to_owned),
                token: Secret::new(
                    out.token()
                        .ok_or_else(|| missing_field(op, "Token"))?
                        .to_owned(),
                ),
            })
        }
        // A request kind added to the machine later: reported, not sent half-mapped.
        other => Err(super::errors::build_failure(
            other.operation(),
            &std::fmt::Error,
        )),
    }
}

/// `Logins`: omitted for guests (an empty map), as the SDKs do.
fn logins_map(logins: &StringMap) -> Option<HashMap<String, String>> {
    (!logins.is_empty()).then(|| logins.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// Reads the HTTP `Date` of the response (the service's clock when it answered) for one
/// operation: identity-pool credentials carry `Expiration` but no issue time, and `Date` is how
/// the machine learns their lifetime on the service's clock (RFC 9110 §6.6.1: an origin server
/// with a clock sends it). A missing or unreadable header leaves it `None`.
#[derive(Debug, Clone, Default)]
struct ResponseDate(Arc<Mutex<Option<i64>>>);

impl ResponseDate {
    fn get(&self) -> Option<i64> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Intercept for ResponseDate {
    fn name(&self) -> &'static str {
        "ResponseDate"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let date = context
            .response()
            .headers()
            .get("date")
            .and_then(parse_http_date);
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = date;
        Ok(())
    }
}

/// An HTTP `Date` (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`) as unix seconds.
fn parse_http_date(value: &str) -> Option<i64> {
    DateTime::from_str(value.trim(), DateTimeFormat::HttpDate)
        .ok()
        .map(|t| t.secs())
}

#[cfg(test)]
mod date_tests {
    use super::parse_http_date;

    #[test]
    fn http_dates_parse_and_garbage_does_not() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_http_date("Wed, 02 Dec 2026 05:22:02 GMT"),
            Some(1_796_188_922)
        );
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date(""), None);
    }
}

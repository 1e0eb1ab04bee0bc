//! `IdentityRequest` -> one `aws-sdk-cognitoidentity` call -> `IdentityResponse`.

use std::collections::HashMap;

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
            let out = client
                .get_credentials_for_identity()
                .identity_id(identity_id.clone())
                .set_logins(logins_map(logins.expose()))
                .set_custom_role_arn(custom_role_arn)
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

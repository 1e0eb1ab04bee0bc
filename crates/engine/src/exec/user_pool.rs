//! `UserPoolRequest` -> one `aws-sdk-cognitoidentityprovider` call -> `UserPoolResponse`.
//!
//! A mechanical translation: every field of the request goes to the same-named SDK parameter,
//! every field the machine reads is copied back, and errors are described by
//! [`super::errors::from_sdk_error`]. The app client id comes from the configuration.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType, DeviceRememberedStatusType,
};
use cognito_auth_machine::cognito::{
    AuthResponse, AuthenticationResult, NewDeviceMetadata, StringMap, UserPoolRequest,
    UserPoolResponse,
};
use cognito_auth_machine::{Secret, ServiceError};

use super::account::device;
use super::clients::UserPoolClient;
use super::errors::{build_failure, from_sdk_error, missing_field};

type Result<T> = std::result::Result<T, ServiceError>;

/// Sends one user-pool request and describes its outcome.
pub(crate) async fn call(
    pool: &UserPoolClient,
    request: UserPoolRequest,
) -> Result<UserPoolResponse> {
    let op = request.operation();
    let c = &pool.client;
    let client_id = pool.client_id.clone();
    match request {
        // REFRESH_TOKEN_AUTH comes as its own variant (its refresh token shared, not copied
        // into a map) but is the same call.
        UserPoolRequest::InitiateAuth {
            ref client_metadata,
            ..
        }
        | UserPoolRequest::RefreshTokenAuth {
            ref client_metadata,
            ..
        } => {
            let auth_flow = request.auth_flow().unwrap_or_default();
            let parameters = request.auth_parameters().map(|p| to_hash_map(p.expose()));
            let out = c
                .initiate_auth()
                .client_id(client_id)
                .auth_flow(AuthFlowType::from(auth_flow))
                .set_auth_parameters(parameters)
                .set_client_metadata(metadata(client_metadata))
                .send()
                .await
                .map_err(from_sdk_error)?;
            Ok(UserPoolResponse::Auth(auth_response(
                op,
                out.challenge_name(),
                out.challenge_parameters(),
                out.session(),
                out.authentication_result(),
                out.available_challenges(),
            )?))
        }
        UserPoolRequest::GetTokensFromRefreshToken {
            refresh_token,
            client_secret,
            device_key,
            client_metadata,
        } => {
            let out = c
                .get_tokens_from_refresh_token()
                .client_id(client_id)
                .refresh_token(refresh_token.into_inner())
                .set_client_secret(client_secret.map(Secret::into_inner))
                .set_device_key(device_key)
                .set_client_metadata(metadata(&client_metadata))
                .send()
                .await
                .map_err(from_sdk_error)?;
            // The answer is REFRESH_TOKEN_AUTH's without challenges: the machine reads both
            // as one shape (a rotated refresh token, when present, replaces the stored one).
            Ok(UserPoolResponse::Auth(auth_response(
                op,
                None,
                None,
                None,
                out.authentication_result(),
                &[],
            )?))
        }
        UserPoolRequest::RespondToAuthChallenge {
            challenge_name,
            challenge_responses,
            session,
            client_metadata,
        } => {
            let out = c
                .respond_to_auth_challenge()
                .client_id(client_id)
                .challenge_name(ChallengeNameType::from(challenge_name.as_str()))
                .set_challenge_responses(Some(to_hash_map(challenge_responses.expose())))
                .set_session(session.map(Secret::into_inner))
                .set_client_metadata(metadata(&client_metadata))
                .send()
                .await
                .map_err(from_sdk_error)?;
            Ok(UserPoolResponse::Auth(auth_response(
                op,
                out.challenge_name(),
                out.challenge_parameters(),
                out.session(),
                out.authentication_result(),
                out.available_challenges(),
            )?))
        }
        UserPoolRequest::Account { auth, request } => {
            super::account::call(c, client_id, auth, request)
                .await
                .map(UserPoolResponse::Account)
        }
        UserPoolRequest::DeleteUser { access_token } => {
            c.delete_user()
                .access_token(access_token.into_inner())
                .send()
                .await
                .map_err(from_sdk_error)?;
            Ok(UserPoolResponse::Empty)
        }
        UserPoolRequest::GlobalSignOut { access_token } => {
            c.global_sign_out()
                .access_token(access_token.into_inner())
                .send()
                .await
                .map_err(from_sdk_error)?;
            Ok(UserPoolResponse::Empty)
        }
        UserPoolRequest::RevokeToken {
            token,
            client_id,
            client_secret,
        } => {
            c.revoke_token()
                .token(token.into_inner())
                .client_id(client_id)
                .set_client_secret(client_secret.map(Secret::into_inner))
                .send()
                .await
                .map_err(from_sdk_error)?;
            Ok(UserPoolResponse::Empty)
        }
        other => devices_and_mfa(c, op, other).await,
    }
}

/// The device and MFA operations (split off to keep `call` readable).
async fn devices_and_mfa(
    c: &aws_sdk_cognitoidentityprovider::Client,
    op: &'static str,
    request: UserPoolRequest,
) -> Result<UserPoolResponse> {
    match request {
        UserPoolRequest::ConfirmDevice {
            access_token,
            device_key,
            password_verifier,
            salt,
            device_name,
        } => {
            let verifier =
                aws_sdk_cognitoidentityprovider::types::DeviceSecretVerifierConfigType::builder()
                    .password_verifier(password_verifier.into_inner())
                    .salt(salt)
                    .build();
            let out = c
                .confirm_device()
                .access_token(access_token.into_inner())
                .device_key(device_key)
                .device_secret_verifier_config(verifier)
                .set_device_name(device_name)
                .send()
                .await
                .map_err(from_sdk_error)?;
            Ok(UserPoolResponse::ConfirmDevice {
                user_confirmation_necessary: out.user_confirmation_necessary(),
            })
        }
        UserPoolRequest::UpdateDeviceStatus {
            access_token,
            device_key,
            remembered,
        } => {
            let status = if remembered {
                DeviceRememberedStatusType::Remembered
            } else {
                DeviceRememberedStatusType::NotRemembered
            };
            c.update_device_status()
                .access_token(access_token.into_inner())
                .device_key(device_key)
                .device_remembered_status(status)
                .send()
                .await
                .map_err(from_sdk_error)?;
            Ok(UserPoolResponse::Empty)
        }
        UserPoolRequest::GetDevice {
            access_token,
            device_key,
        } => {
            let out = c
                .get_device()
                .access_token(access_token.into_inner())
                .device_key(device_key)
                .send()
                .await
                .map_err(from_sdk_error)?;
            let found = out.device().ok_or_else(|| missing_field(op, "Device"))?;
            Ok(UserPoolResponse::Device {
                device: device(op, found)?,
            })
        }
        UserPoolRequest::ForgetDevice {
            access_token,
            device_key,
        } => {
            c.forget_device()
                .access_token(access_token.into_inner())
                .device_key(device_key)
                .send()
                .await
                .map_err(from_sdk_error)?;
            Ok(UserPoolResponse::Empty)
        }
        UserPoolRequest::AssociateSoftwareToken {
            access_token,
            session,
        } => {
            let out = c
                .associate_software_token()
                .set_access_token(access_token.map(Secret::into_inner))
                .set_session(session.map(Secret::into_inner))
                .send()
                .await
                .map_err(from_sdk_error)?;
            Ok(UserPoolResponse::AssociateSoftwareToken {
                secret_code: out
                    .secret_code()
                    .map(secret)
                    .ok_or_else(|| missing_field(op, "SecretCode"))?,
                session: out.session().map(secret),
            })
        }
        UserPoolRequest::VerifySoftwareToken {
            access_token,
            session,
            user_code,
            friendly_device_name,
        } => {
            let out = c
                .verify_software_token()
                .set_access_token(access_token.map(Secret::into_inner))
                .set_session(session.map(Secret::into_inner))
                .user_code(user_code.into_inner())
                .set_friendly_device_name(friendly_device_name)
                .send()
                .await
                .map_err(from_sdk_error)?;
            Ok(UserPoolResponse::VerifySoftwareToken {
                status: out
                    .status()
                    .map(|s| s.as_str().to_owned())
                    .ok_or_else(|| missing_field(op, "Status"))?,
                session: out.session().map(secret),
            })
        }
        // `call` handles the rest; a request type added to the machine later lands here until
        // the engine learns it, and is reported instead of sent half-mapped.
        other => Err(build_failure(
            other.operation(),
            &UnsupportedRequest(other.operation()),
        )),
    }
}

/// A request this engine version does not know how to send.
#[derive(Debug, thiserror::Error)]
#[error("operation {0} is not supported by this engine")]
struct UnsupportedRequest(&'static str);

/// The shared shape of `InitiateAuth` and `RespondToAuthChallenge` responses.
fn auth_response(
    op: &str,
    challenge_name: Option<&ChallengeNameType>,
    challenge_parameters: Option<&HashMap<String, String>>,
    session: Option<&str>,
    result: Option<&AuthenticationResultType>,
    available_challenges: &[ChallengeNameType],
) -> Result<AuthResponse> {
    let authentication_result = result
        .map(|r| -> Result<AuthenticationResult> {
            Ok(AuthenticationResult {
                access_token: r
                    .access_token()
                    .map(secret)
                    .ok_or_else(|| missing_field(op, "AuthenticationResult.AccessToken"))?,
                id_token: r.id_token().map(secret),
                refresh_token: r.refresh_token().map(secret),
                expires_in: r.expires_in(),
                new_device_metadata: r.new_device_metadata().and_then(|m| {
                    Some(NewDeviceMetadata {
                        device_key: m.device_key()?.to_owned(),
                        device_group_key: m.device_group_key()?.to_owned(),
                    })
                }),
            })
        })
        .transpose()?;
    Ok(AuthResponse {
        challenge_name: challenge_name.map(|c| c.as_str().to_owned()),
        challenge_parameters: challenge_parameters
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        session: session.map(secret),
        authentication_result,
        available_challenges: available_challenges
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
    })
}

fn secret(value: &str) -> Secret<String> {
    Secret::new(value.to_owned())
}

fn to_hash_map(map: &StringMap) -> HashMap<String, String> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Client metadata: omitted when empty, as the SDKs do.
fn metadata(map: &StringMap) -> Option<HashMap<String, String>> {
    (!map.is_empty()).then(|| to_hash_map(map))
}

//! The translator between the machine's effects and the emulator's sans-IO core: a request
//! becomes an `X-Amz-Target` and an AWS JSON 1.1 body, as the AWS SDK sends it; the JSON
//! answer (or the error) becomes the response or [`ServiceError`] the engine would hand back.

use cognito_auth::machine::cognito::{
    Attribute, AuthResponse, AuthenticationResult, AwsCredentials, Device, IdentityRequest,
    IdentityResponse, NewDeviceMetadata, StringMap, UserPoolRequest, UserPoolResponse,
};
use cognito_auth::machine::{Secret, ServiceError, ServiceErrorKind};
use cognito_auth_emulator::{ApiError, IDENTITY_PREFIX, USER_POOL_PREFIX};
use serde_json::{json, Map, Value};

/// The target and body of a user-pool request for app client `client_id`.
pub fn user_pool_request(request: &UserPoolRequest, client_id: &str) -> (String, Value) {
    let target = format!("{USER_POOL_PREFIX}{}", request.operation());
    (target, body(request, client_id))
}

fn body(request: &UserPoolRequest, client_id: &str) -> Value {
    use UserPoolRequest as R;
    let mut b = match request {
        // REFRESH_TOKEN_AUTH has its own variant; its parameters are built as the engine builds
        // them (`auth_parameters`), so no absent one goes out as null.
        R::InitiateAuth {
            client_metadata, ..
        }
        | R::RefreshTokenAuth {
            client_metadata, ..
        } => json!({ "ClientId": client_id, "AuthFlow": request.auth_flow(),
            "AuthParameters": request.auth_parameters().as_ref().map(Secret::expose),
            "ClientMetadata": meta(client_metadata) }),
        R::RespondToAuthChallenge {
            challenge_name,
            challenge_responses,
            session,
            client_metadata,
        } => json!({ "ClientId": client_id, "ChallengeName": challenge_name,
            "ChallengeResponses": challenge_responses.expose(),
            "Session": session.as_ref().map(Secret::expose), "ClientMetadata": meta(client_metadata) }),
        R::GetTokensFromRefreshToken {
            refresh_token,
            client_secret,
            device_key,
            client_metadata,
        } => json!({ "ClientId": client_id, "RefreshToken": refresh_token.expose(),
            "ClientSecret": client_secret.as_ref().map(Secret::expose),
            "DeviceKey": device_key, "ClientMetadata": meta(client_metadata) }),
        R::Account { auth, request } => request.wire_request(auth, client_id),
        other => token_body(other),
    };
    // The SDKs omit absent optional members rather than sending null.
    if let Some(o) = b.as_object_mut() {
        o.retain(|_, v| !v.is_null());
    }
    b
}

/// Requests made with an access token or a refresh token.
fn token_body(request: &UserPoolRequest) -> Value {
    use UserPoolRequest as R;
    let tok = |t: &Secret<String>| t.expose().clone();
    match request {
        R::DeleteUser { access_token } | R::GlobalSignOut { access_token } => {
            json!({ "AccessToken": tok(access_token) })
        }
        R::RevokeToken {
            token,
            client_id,
            client_secret,
        } => json!({ "Token": tok(token), "ClientId": client_id,
            "ClientSecret": client_secret.as_ref().map(Secret::expose) }),
        R::ConfirmDevice {
            access_token,
            device_key,
            password_verifier,
            salt,
            device_name,
        } => json!({ "AccessToken": tok(access_token), "DeviceKey": device_key,
            "DeviceSecretVerifierConfig": { "PasswordVerifier": password_verifier.expose(),
                "Salt": salt },
            "DeviceName": device_name }),
        R::UpdateDeviceStatus {
            access_token,
            device_key,
            remembered,
        } => json!({ "AccessToken": tok(access_token), "DeviceKey": device_key,
            "DeviceRememberedStatus": if *remembered { "remembered" } else { "not_remembered" } }),
        R::GetDevice {
            access_token,
            device_key,
        }
        | R::ForgetDevice {
            access_token,
            device_key,
        } => json!({ "AccessToken": tok(access_token), "DeviceKey": device_key }),
        R::AssociateSoftwareToken {
            access_token,
            session,
        } => json!({ "AccessToken": access_token.as_ref().map(tok),
            "Session": session.as_ref().map(tok) }),
        R::VerifySoftwareToken {
            access_token,
            session,
            user_code,
            friendly_device_name,
        } => json!({ "AccessToken": access_token.as_ref().map(tok),
            "Session": session.as_ref().map(tok), "UserCode": user_code.expose(),
            "FriendlyDeviceName": friendly_device_name }),
        // The sign-in and sign-up requests are built in `body`; a request kind added to the
        // machine later is sent empty and the emulator's refusal shows up in the run.
        _ => json!({}),
    }
}

/// Client metadata: omitted when empty, as the SDKs do.
fn meta(m: &StringMap) -> Value {
    if m.is_empty() {
        Value::Null
    } else {
        json!(m)
    }
}

/// The response the engine would build from the emulator's JSON answer to `operation`.
pub fn user_pool_response(
    request: &UserPoolRequest,
    v: &Value,
) -> Result<UserPoolResponse, ServiceError> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    if let UserPoolRequest::Account { request, .. } = request {
        // The engine's SDK call reads the same members (a test of the engine checks it).
        return request
            .wire_response(v)
            .map(UserPoolResponse::Account)
            .map_err(|message| ServiceError {
                kind: ServiceErrorKind::InvalidResponse,
                code: "InvalidResponse".into(),
                message,
            });
    }
    Ok(match request.operation() {
        "InitiateAuth" | "RespondToAuthChallenge" | "GetTokensFromRefreshToken" => {
            UserPoolResponse::Auth(auth_response(v)?)
        }
        "ConfirmDevice" => UserPoolResponse::ConfirmDevice {
            user_confirmation_necessary: v
                .get("UserConfirmationNecessary")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        },
        "GetDevice" => UserPoolResponse::Device {
            device: device(v.get("Device").unwrap_or(&Value::Null))?,
        },
        "AssociateSoftwareToken" => UserPoolResponse::AssociateSoftwareToken {
            secret_code: Secret::new(s("SecretCode").ok_or_else(|| missing("SecretCode"))?),
            session: s("Session").map(Secret::new),
        },
        "VerifySoftwareToken" => UserPoolResponse::VerifySoftwareToken {
            status: s("Status").unwrap_or_default(),
            session: s("Session").map(Secret::new),
        },
        _ => UserPoolResponse::Empty,
    })
}

fn auth_response(v: &Value) -> Result<AuthResponse, ServiceError> {
    let s = |o: &Value, k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
    let authentication_result = match v.get("AuthenticationResult") {
        Some(r) if !r.is_null() => Some(AuthenticationResult {
            access_token: Secret::new(
                s(r, "AccessToken").ok_or_else(|| missing("AuthenticationResult.AccessToken"))?,
            ),
            id_token: s(r, "IdToken").map(Secret::new),
            refresh_token: s(r, "RefreshToken").map(Secret::new),
            expires_in: r
                .get("ExpiresIn")
                .and_then(Value::as_i64)
                .and_then(|n| i32::try_from(n).ok())
                .unwrap_or(0),
            new_device_metadata: r.get("NewDeviceMetadata").and_then(|m| {
                Some(NewDeviceMetadata {
                    device_key: s(m, "DeviceKey")?,
                    device_group_key: s(m, "DeviceGroupKey")?,
                })
            }),
        }),
        _ => None,
    };
    Ok(AuthResponse {
        challenge_name: s(v, "ChallengeName"),
        challenge_parameters: v
            .get("ChallengeParameters")
            .and_then(Value::as_object)
            .map(string_map)
            .unwrap_or_default(),
        session: s(v, "Session").map(Secret::new),
        authentication_result,
        available_challenges: list(v, "AvailableChallenges")
            .iter()
            .filter_map(|c| c.as_str().map(str::to_owned))
            .collect(),
    })
}

fn string_map(o: &Map<String, Value>) -> StringMap {
    o.iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect()
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn attribute(a: &Value) -> Attribute {
    let s = |k: &str| {
        a.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Attribute {
        name: s("Name"),
        value: s("Value"),
    }
}

fn device(d: &Value) -> Result<Device, ServiceError> {
    let secs = |k: &str| d.get(k).and_then(Value::as_f64).map(|f| f as i64);
    Ok(Device {
        device_key: d
            .get("DeviceKey")
            .and_then(Value::as_str)
            .ok_or_else(|| missing("Device.DeviceKey"))?
            .to_owned(),
        attributes: list(d, "DeviceAttributes").iter().map(attribute).collect(),
        create_date_s: secs("DeviceCreateDate"),
        last_authenticated_s: secs("DeviceLastAuthenticatedDate"),
    })
}

fn missing(field: &str) -> ServiceError {
    ServiceError {
        kind: ServiceErrorKind::InvalidResponse,
        code: "InvalidResponse".to_owned(),
        message: format!("response has no {field}"),
    }
}

/// The error the engine reports for an error answer: its status and code, classified as the
/// engine's `from_service_answer` does (5xx and `InternalErrorException` are server errors).
pub fn service_error(e: &ApiError) -> ServiceError {
    let code = e.kind.name();
    let server = e.kind.http_status() >= 500 || code == "InternalErrorException";
    ServiceError {
        kind: if server {
            ServiceErrorKind::ServerError
        } else {
            ServiceErrorKind::Service
        },
        code: code.to_owned(),
        message: e.message.clone(),
    }
}

/// A transport failure of `kind` (timeout, dropped connection, offline).
pub fn transport_error(kind: ServiceErrorKind) -> ServiceError {
    let code = match kind {
        ServiceErrorKind::Timeout => "Timeout",
        _ => "NetworkError",
    };
    ServiceError {
        kind,
        code: code.to_owned(),
        message: "simulated transport failure".to_owned(),
    }
}

/// The target and body of an identity-pool request, as the SDK sends them.
pub fn identity_request(request: &IdentityRequest) -> (String, Value) {
    let target = format!("{IDENTITY_PREFIX}{}", request.operation());
    let mut b = match request {
        IdentityRequest::GetId {
            identity_pool_id,
            logins,
        } => json!({ "IdentityPoolId": identity_pool_id, "Logins": logins.expose() }),
        IdentityRequest::GetCredentialsForIdentity {
            identity_id,
            logins,
            custom_role_arn,
        } => json!({ "IdentityId": identity_id, "Logins": logins.expose(),
            "CustomRoleArn": custom_role_arn }),
        IdentityRequest::GetOpenIdToken {
            identity_id,
            logins,
        } => json!({ "IdentityId": identity_id, "Logins": logins.expose() }),
        // A request kind added later is sent empty; the emulator's refusal shows in the run.
        _ => json!({}),
    };
    if let Some(o) = b.as_object_mut() {
        o.retain(|_, v| !v.is_null() && v.as_object().is_none_or(|m| !m.is_empty()));
    }
    (target, b)
}

/// The response the engine would build from the emulator's answer to an identity request;
/// `date_s` is the response's `Date` header (the service's clock, whole seconds).
pub fn identity_response(
    operation: &str,
    v: &Value,
    date_s: Option<i64>,
) -> Result<IdentityResponse, ServiceError> {
    let s = |o: &Value, k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
    let identity_id = s(v, "IdentityId").ok_or_else(|| missing("IdentityId"))?;
    Ok(match operation {
        "GetCredentialsForIdentity" => {
            let c = v.get("Credentials").ok_or_else(|| missing("Credentials"))?;
            let field = |k: &str| s(c, k).ok_or_else(|| missing(&format!("Credentials.{k}")));
            IdentityResponse::Credentials {
                identity_id,
                credentials: AwsCredentials {
                    access_key_id: field("AccessKeyId")?,
                    secret_access_key: Secret::new(field("SecretKey")?),
                    session_token: Secret::new(field("SessionToken")?),
                    expiration_s: c
                        .get("Expiration")
                        .and_then(Value::as_f64)
                        .map(|f| f as i64)
                        .ok_or_else(|| missing("Credentials.Expiration"))?,
                },
                service_time_s: date_s,
            }
        }
        "GetOpenIdToken" => IdentityResponse::OpenIdToken {
            identity_id,
            token: Secret::new(s(v, "Token").ok_or_else(|| missing("Token"))?),
        },
        _ => IdentityResponse::IdentityId { identity_id },
    })
}

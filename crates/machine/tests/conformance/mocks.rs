//! Serving the machine's service calls from a case's `mockedResponses`.
//!
//! A request is matched to the next unused mock of the same service (`cognitoIdentityProvider`
//! for user-pool calls, `cognitoIdentity` for identity-pool calls) whose `apiName` is the SDK
//! method name of the request's operation. Success responses are converted to the machine's
//! response types; failures become `ServiceError::service(errorType, errorMessage)`.
//!
//! When no mock is left: Amplify's harness mocks the user-pool client *relaxed* (an unmocked call
//! answers an empty response) and the identity client strictly (an unmocked call throws). The
//! runner does the same: a user-pool call without a mock gets the empty response of its shape
//! (and a note), an identity call without a mock is left unanswered (and noted).

use cognito_auth_machine::cognito::{
    Attribute, AuthResponse, AuthenticationResult, AwsCredentials, Device, IdentityRequest,
    IdentityResponse, NewDeviceMetadata, UserPoolRequest, UserPoolResponse,
};
use cognito_auth_machine::{Secret, ServiceError};
use serde_json::Value;

use super::driver::Backend;
use super::fixture::{string_list, string_map};

/// The SDK method names a user-pool request may be mocked under.
pub(crate) fn user_pool_api_names(req: &UserPoolRequest) -> Vec<String> {
    if req.auth_flow() == Some("REFRESH_TOKEN_AUTH") {
        // Amplify Android refreshes with the newer GetTokensFromRefreshToken operation.
        return vec!["getTokensFromRefreshToken".into(), "initiateAuth".into()];
    }
    vec![lower_camel(req.operation())]
}

/// The SDK method name an identity request is mocked under.
pub(crate) fn identity_api_name(req: &IdentityRequest) -> String {
    lower_camel(req.operation())
}

fn lower_camel(operation: &str) -> String {
    // SetUserMFAPreference is `setUserMfaPreference` in the SDKs.
    let op = operation.replace("MFA", "Mfa");
    let mut chars = op.chars();
    match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Serves the case's mocks in order.
pub(crate) struct MockBackend {
    mocks: Vec<(Value, bool)>,
    pub(crate) notes: Vec<String>,
}

impl MockBackend {
    pub(crate) fn new(mocks: Vec<Value>) -> Self {
        Self {
            mocks: mocks.into_iter().map(|m| (m, false)).collect(),
            notes: Vec::new(),
        }
    }

    /// `apiName`s of the mocks the run never used.
    pub(crate) fn unused(&self) -> Vec<String> {
        self.mocks
            .iter()
            .filter(|(_, used)| !used)
            .map(|(m, _)| m["apiName"].as_str().unwrap_or("?").to_owned())
            .collect()
    }

    fn take(&mut self, service: &str, names: &[String]) -> Option<Value> {
        let (mock, used) = self.mocks.iter_mut().find(|(m, used)| {
            !*used
                && m["type"].as_str() == Some(service)
                && m["apiName"]
                    .as_str()
                    .is_some_and(|n| names.iter().any(|x| x == n))
        })?;
        *used = true;
        Some(mock.clone())
    }
}

fn failure(mock: &Value) -> Option<ServiceError> {
    (mock["responseType"].as_str() == Some("failure")).then(|| {
        let r = &mock["response"];
        ServiceError::service(
            r["errorType"].as_str().unwrap_or("UnknownException"),
            r["errorMessage"].as_str().unwrap_or(""),
        )
    })
}

impl Backend for MockBackend {
    fn user_pool(
        &mut self,
        req: &UserPoolRequest,
    ) -> Option<Result<UserPoolResponse, ServiceError>> {
        let names = user_pool_api_names(req);
        match self.take("cognitoIdentityProvider", &names) {
            Some(mock) => match failure(&mock) {
                Some(err) => Some(Err(err)),
                None => match user_pool_response(req, &mock["response"]) {
                    Ok(r) => Some(Ok(r)),
                    Err(e) => {
                        self.notes
                            .push(format!("mocked {} unusable: {e}", names[0]));
                        None
                    }
                },
            },
            None => {
                self.notes.push(format!(
                    "{}: no mock left, answered empty (relaxed mock)",
                    names[0]
                ));
                user_pool_response(req, &Value::Object(Default::default()))
                    .ok()
                    .map(Ok)
            }
        }
    }

    fn identity(
        &mut self,
        req: &IdentityRequest,
    ) -> Option<Result<IdentityResponse, ServiceError>> {
        let name = identity_api_name(req);
        let Some(mock) = self.take("cognitoIdentity", std::slice::from_ref(&name)) else {
            self.notes
                .push(format!("{name}: no mock, left unanswered (strict mock)"));
            return None;
        };
        if let Some(err) = failure(&mock) {
            return Some(Err(err));
        }
        match identity_response(req, &mock["response"]) {
            Ok(r) => Some(Ok(r)),
            Err(e) => {
                self.notes.push(format!("mocked {name} unusable: {e}"));
                None
            }
        }
    }
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

fn opt_secret(v: &Value) -> Option<Secret<String>> {
    v.as_str().map(|s| Secret::new(s.to_owned()))
}

fn req_str(v: &Value, field: &str) -> Result<String, String> {
    v[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("`{field}` missing"))
}

fn attributes(v: &Value) -> Vec<Attribute> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| Attribute {
                    name: x["name"].as_str().unwrap_or_default().to_owned(),
                    value: x["value"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Amplify's member names (`userMfaSettingList`) as Cognito's wire names (`UserMFASettingList`):
/// the first letter upper-cased, at every depth, and the two MFA acronyms spelled as Cognito does.
fn wire_names(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let mut key = k[..1].to_uppercase() + &k[1..];
                    key = key.replace("UserMfaSetting", "UserMFASetting");
                    key = key.replace("SmsMfa", "SMSMfa");
                    (key, wire_names(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(wire_names).collect()),
        other => other.clone(),
    }
}

fn device(v: &Value) -> Device {
    Device {
        device_key: v["deviceKey"].as_str().unwrap_or_default().to_owned(),
        attributes: attributes(&v["deviceAttributes"]),
        create_date_s: v["deviceCreateDate"].as_i64(),
        last_authenticated_s: v["deviceLastAuthenticatedDate"].as_i64(),
    }
}

/// Amplify's mocks write SECRET_BLOCK as unpadded base64 (`secretBlock`), which Amplify's
/// lenient decoder accepts and our SRP crate refuses (Cognito always pads). The runner pads it:
/// the same bytes, so the SRP flows behind it can be exercised. docs/CONFORMANCE.md records how
/// the machine answers the unpadded value.
pub(crate) fn pad_base64(block: &mut String) {
    while !block.len().is_multiple_of(4) {
        block.push('=');
    }
}

fn auth_response(r: &Value) -> Result<AuthResponse, String> {
    let authentication_result = match r["authenticationResult"].as_object() {
        None => None,
        Some(_) => {
            let a = &r["authenticationResult"];
            Some(AuthenticationResult {
                access_token: Secret::new(req_str(a, "accessToken")?),
                id_token: opt_secret(&a["idToken"]),
                refresh_token: opt_secret(&a["refreshToken"]),
                expires_in: a["expiresIn"]
                    .as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .unwrap_or(3600),
                new_device_metadata: a["newDeviceMetadata"].as_object().map(|_| {
                    NewDeviceMetadata {
                        device_key: a["newDeviceMetadata"]["deviceKey"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        device_group_key: a["newDeviceMetadata"]["deviceGroupKey"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    }
                }),
            })
        }
    };
    let mut challenge_parameters = string_map(&r["challengeParameters"]);
    let srp = matches!(
        r["challengeName"].as_str(),
        Some("PASSWORD_VERIFIER" | "DEVICE_PASSWORD_VERIFIER")
    );
    if let Some(block) = challenge_parameters.get_mut("SECRET_BLOCK").filter(|_| srp) {
        pad_base64(block);
    }
    Ok(AuthResponse {
        challenge_name: opt_str(&r["challengeName"]),
        challenge_parameters,
        session: opt_secret(&r["session"]),
        authentication_result,
        available_challenges: string_list(&r["availableChallenges"]),
    })
}

/// The machine's response for `req` from a mocked success `r` (`{}` gives the empty response).
pub(crate) fn user_pool_response(
    req: &UserPoolRequest,
    r: &Value,
) -> Result<UserPoolResponse, String> {
    Ok(match req {
        UserPoolRequest::InitiateAuth { .. }
        | UserPoolRequest::RefreshTokenAuth { .. }
        | UserPoolRequest::RespondToAuthChallenge { .. } => {
            UserPoolResponse::Auth(auth_response(r)?)
        }
        UserPoolRequest::ConfirmDevice { .. } => UserPoolResponse::ConfirmDevice {
            user_confirmation_necessary: r["userConfirmationNecessary"].as_bool().unwrap_or(false),
        },
        // Amplify's mocks name members as its SDK does (`deviceKey`); the table reads
        // Cognito's wire names (`DeviceKey`). They also leave out members Cognito always
        // sends (GetUser's `Username`): those start from the empty response.
        UserPoolRequest::Account { request, .. } => {
            let mut body = request.empty_response().wire_response();
            if let (Value::Object(body), Value::Object(mock)) = (&mut body, wire_names(r)) {
                body.extend(mock);
            }
            UserPoolResponse::Account(request.wire_response(&body)?)
        }
        UserPoolRequest::GetDevice { .. } => UserPoolResponse::Device {
            device: device(&r["device"]),
        },
        UserPoolRequest::AssociateSoftwareToken { .. } => {
            UserPoolResponse::AssociateSoftwareToken {
                secret_code: Secret::new(r["secretCode"].as_str().unwrap_or_default().to_owned()),
                session: opt_secret(&r["session"]),
            }
        }
        UserPoolRequest::VerifySoftwareToken { .. } => UserPoolResponse::VerifySoftwareToken {
            status: r["status"].as_str().unwrap_or("SUCCESS").to_owned(),
            session: opt_secret(&r["session"]),
        },
        _ => UserPoolResponse::Empty,
    })
}

fn identity_response(req: &IdentityRequest, r: &Value) -> Result<IdentityResponse, String> {
    let requested_id = match req {
        IdentityRequest::GetCredentialsForIdentity { identity_id, .. }
        | IdentityRequest::GetOpenIdToken { identity_id, .. } => identity_id.clone(),
        _ => String::new(),
    };
    // Amplify's mocks leave out IdentityId where Cognito echoes the requested one.
    let identity_id = opt_str(&r["identityId"]).unwrap_or(requested_id);
    Ok(match req {
        IdentityRequest::GetId { .. } => IdentityResponse::IdentityId {
            identity_id: req_str(r, "identityId")?,
        },
        IdentityRequest::GetCredentialsForIdentity { .. } => {
            let c = &r["credentials"];
            IdentityResponse::Credentials {
                identity_id,
                credentials: AwsCredentials {
                    access_key_id: req_str(c, "accessKeyId")?,
                    secret_access_key: Secret::new(req_str(c, "secretKey")?),
                    session_token: Secret::new(req_str(c, "sessionToken")?),
                    expiration_s: c["expiration"].as_i64().ok_or("`expiration` missing")?,
                },
                service_time_s: None,
            }
        }
        IdentityRequest::GetOpenIdToken { .. } => IdentityResponse::OpenIdToken {
            identity_id,
            token: Secret::new(req_str(r, "token")?),
        },
        _ => return Err("an identity request the runner does not know".into()),
    })
}

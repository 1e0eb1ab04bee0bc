//! Cognito service calls as data: the requests the machine asks the engine to send, the
//! responses the engine hands back, and the service errors, classified.
//!
//! Field names follow the Cognito API so the engine's mapping onto `aws-sdk-cognitoidentityprovider`
//! and `aws-sdk-cognitoidentity` is mechanical. Secrets are wrapped in [`Secret`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use cognito_auth_wire::error_code;

use crate::account::{AccountAuth, AccountRequest, AccountResponse};
use crate::secret::Secret;

/// A string-to-string map as Cognito uses them (auth parameters, challenge responses, metadata).
pub type StringMap = BTreeMap<String, String>;

/// A user attribute (`email`, `phone_number`, `custom:tier`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    /// Attribute name.
    pub name: String,
    /// Attribute value.
    pub value: String,
}

/// Cognito's `DeviceRememberedStatusType`: whether a tracked device lets its user skip MFA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceRememberedStatus {
    /// `remembered`: sign-ins that authenticate the device skip MFA.
    Remembered,
    /// `not_remembered`: the device stays tracked, but MFA is asked as usual.
    NotRemembered,
}

/// A call to the Cognito user pools API (`AWSCognitoIdentityProviderService`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op")]
#[non_exhaustive]
pub enum UserPoolRequest {
    /// `InitiateAuth`.
    InitiateAuth {
        /// `USER_SRP_AUTH`, `USER_PASSWORD_AUTH`, `CUSTOM_AUTH`, `USER_AUTH`, `REFRESH_TOKEN_AUTH`.
        auth_flow: String,
        /// Parameters; secret ones (PASSWORD, REFRESH_TOKEN, SECRET_HASH) included.
        auth_parameters: Secret<StringMap>,
        /// Passed to Lambda triggers.
        client_metadata: StringMap,
    },
    /// `RespondToAuthChallenge`.
    RespondToAuthChallenge {
        /// The challenge being answered.
        challenge_name: String,
        /// Answers (codes, signatures, new password ...).
        challenge_responses: Secret<StringMap>,
        /// The session string from the previous step.
        session: Option<Secret<String>>,
        /// Passed to Lambda triggers.
        client_metadata: StringMap,
    },
    /// `InitiateAuth` with `REFRESH_TOKEN_AUTH`: the refresh of a client without refresh-token
    /// rotation. The same call as [`UserPoolRequest::InitiateAuth`] with the parameters
    /// `REFRESH_TOKEN`, `SECRET_HASH` and `DEVICE_KEY`, given as fields so that the refresh
    /// token is shared with the session (a clone of a [`Secret`] is a reference count) rather
    /// than copied into a parameter map for every refresh.
    RefreshTokenAuth {
        /// The refresh token (`REFRESH_TOKEN`).
        refresh_token: Secret<String>,
        /// `SECRET_HASH`, when the app client has a secret.
        secret_hash: Option<Secret<String>>,
        /// The remembered device's key (`DEVICE_KEY`), when the pool tracks devices.
        device_key: Option<String>,
        /// Passed to Lambda triggers.
        client_metadata: StringMap,
    },
    /// `GetTokensFromRefreshToken`: a refresh that, on a client with refresh-token rotation,
    /// answers with a new refresh token too.
    GetTokensFromRefreshToken {
        /// The refresh token.
        refresh_token: Secret<String>,
        /// The app client's secret itself (this operation takes no SECRET_HASH).
        client_secret: Option<Secret<String>>,
        /// The remembered device's key, when the pool tracks devices.
        device_key: Option<String>,
        /// Passed to Lambda triggers.
        client_metadata: StringMap,
    },
    /// `DeleteUser`.
    DeleteUser {
        /// A valid access token.
        access_token: Secret<String>,
    },
    /// `GlobalSignOut`.
    GlobalSignOut {
        /// A valid access token.
        access_token: Secret<String>,
    },
    /// `RevokeToken`.
    RevokeToken {
        /// The refresh token to revoke.
        token: Secret<String>,
        /// The app client id.
        client_id: String,
        /// The app client secret, when the client has one.
        client_secret: Option<Secret<String>>,
    },
    /// `ConfirmDevice`.
    ConfirmDevice {
        /// A valid access token.
        access_token: Secret<String>,
        /// The device key from `NewDeviceMetadata`.
        device_key: String,
        /// Base64 SRP verifier for the device password.
        password_verifier: Secret<String>,
        /// Base64 salt.
        salt: String,
        /// A human-readable device name.
        device_name: Option<String>,
    },
    /// `UpdateDeviceStatus`.
    UpdateDeviceStatus {
        /// A valid access token.
        access_token: Secret<String>,
        /// The device.
        device_key: String,
        /// `remembered` or `not_remembered`.
        remembered: bool,
    },
    /// `GetDevice`.
    GetDevice {
        /// A valid access token.
        access_token: Secret<String>,
        /// The device.
        device_key: String,
    },
    /// `ForgetDevice`.
    ForgetDevice {
        /// A valid access token.
        access_token: Secret<String>,
        /// The device.
        device_key: String,
    },
    /// `AssociateSoftwareToken` (with an access token, or with a sign-in session during MFA_SETUP).
    AssociateSoftwareToken {
        /// A valid access token, when signed in.
        access_token: Option<Secret<String>>,
        /// The sign-in session, during MFA_SETUP.
        session: Option<Secret<String>>,
    },
    /// `VerifySoftwareToken`.
    VerifySoftwareToken {
        /// A valid access token, when signed in.
        access_token: Option<Secret<String>>,
        /// The sign-in session, during MFA_SETUP.
        session: Option<Secret<String>>,
        /// The TOTP code.
        user_code: Secret<String>,
        /// A name for the authenticator.
        friendly_device_name: Option<String>,
    },
    /// A pass-through account operation of the table in [`crate::account`].
    Account {
        /// The access token, or the app client's secret hash.
        auth: AccountAuth,
        /// The operation and its input.
        request: AccountRequest,
    },
}

impl UserPoolRequest {
    /// The Cognito operation name, e.g. `InitiateAuth`.
    pub fn operation(&self) -> &'static str {
        match self {
            Self::InitiateAuth { .. } | Self::RefreshTokenAuth { .. } => "InitiateAuth",
            Self::RespondToAuthChallenge { .. } => "RespondToAuthChallenge",
            Self::GetTokensFromRefreshToken { .. } => "GetTokensFromRefreshToken",
            Self::DeleteUser { .. } => "DeleteUser",
            Self::GlobalSignOut { .. } => "GlobalSignOut",
            Self::RevokeToken { .. } => "RevokeToken",
            Self::ConfirmDevice { .. } => "ConfirmDevice",
            Self::UpdateDeviceStatus { .. } => "UpdateDeviceStatus",
            Self::GetDevice { .. } => "GetDevice",
            Self::ForgetDevice { .. } => "ForgetDevice",
            Self::AssociateSoftwareToken { .. } => "AssociateSoftwareToken",
            Self::VerifySoftwareToken { .. } => "VerifySoftwareToken",
            Self::Account { request, .. } => request.operation(),
        }
    }

    /// The `AuthFlow` of an `InitiateAuth` call (`REFRESH_TOKEN_AUTH` for
    /// [`UserPoolRequest::RefreshTokenAuth`]); `None` for other operations.
    pub fn auth_flow(&self) -> Option<&str> {
        match self {
            Self::InitiateAuth { auth_flow, .. } => Some(auth_flow),
            Self::RefreshTokenAuth { .. } => Some(cognito_auth_wire::flow::REFRESH_TOKEN_AUTH),
            _ => None,
        }
    }

    /// The `AuthParameters` of an `InitiateAuth` call: shared for
    /// [`UserPoolRequest::InitiateAuth`], built from the fields (`REFRESH_TOKEN`,
    /// `SECRET_HASH`, `DEVICE_KEY`) for [`UserPoolRequest::RefreshTokenAuth`]; `None` for other
    /// operations.
    pub fn auth_parameters(&self) -> Option<Secret<StringMap>> {
        use cognito_auth_wire::param;
        match self {
            Self::InitiateAuth {
                auth_parameters, ..
            } => Some(auth_parameters.clone()),
            Self::RefreshTokenAuth {
                refresh_token,
                secret_hash,
                device_key,
                ..
            } => {
                let mut p = StringMap::new();
                p.insert(param::REFRESH_TOKEN.into(), refresh_token.expose().clone());
                if let Some(hash) = secret_hash {
                    p.insert(param::SECRET_HASH.into(), hash.expose().clone());
                }
                if let Some(key) = device_key {
                    p.insert(param::DEVICE_KEY.into(), key.clone());
                }
                Some(Secret::new(p))
            }
            _ => None,
        }
    }
}

/// One MFA method's setting in `SetUserMFAPreference`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaPreference {
    /// Whether the method is enabled.
    pub enabled: bool,
    /// Whether it is the preferred method.
    pub preferred: bool,
}

/// What the user pool answered. One variant per response shape the machine reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shape")]
#[non_exhaustive]
pub enum UserPoolResponse {
    /// `InitiateAuth` / `RespondToAuthChallenge`.
    Auth(AuthResponse),
    /// `ConfirmDevice`.
    ConfirmDevice {
        /// Whether the user must confirm remembering this device.
        user_confirmation_necessary: bool,
    },
    /// `GetDevice`.
    Device {
        /// The device.
        device: Device,
    },
    /// `AssociateSoftwareToken`.
    AssociateSoftwareToken {
        /// The TOTP shared secret (base32).
        secret_code: Secret<String>,
        /// The updated sign-in session, during MFA_SETUP.
        session: Option<Secret<String>>,
    },
    /// `VerifySoftwareToken`.
    VerifySoftwareToken {
        /// `SUCCESS` or `ERROR`.
        status: String,
        /// The updated sign-in session, during MFA_SETUP.
        session: Option<Secret<String>>,
    },
    /// A pass-through account operation of the table in [`crate::account`].
    Account(AccountResponse),
    /// Operations whose response carries nothing the machine reads.
    Empty,
}

/// The response of `InitiateAuth` and `RespondToAuthChallenge`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AuthResponse {
    /// The next challenge, if any.
    pub challenge_name: Option<String>,
    /// Its parameters.
    #[serde(default)]
    pub challenge_parameters: StringMap,
    /// Session string for the next call.
    pub session: Option<Secret<String>>,
    /// Tokens, when authentication finished.
    pub authentication_result: Option<AuthenticationResult>,
    /// `USER_AUTH`: the first factors the user can choose from.
    #[serde(default)]
    pub available_challenges: Vec<String>,
}

/// Tokens as Cognito returns them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticationResult {
    /// The access token (JWT).
    pub access_token: Secret<String>,
    /// The id token (JWT).
    pub id_token: Option<Secret<String>>,
    /// The refresh token (opaque). Absent on refresh unless rotation is on.
    pub refresh_token: Option<Secret<String>>,
    /// Lifetime of the access token in seconds.
    pub expires_in: i32,
    /// Present when a new device must be confirmed.
    pub new_device_metadata: Option<NewDeviceMetadata>,
}

/// Cognito's `NewDeviceMetadata`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDeviceMetadata {
    /// The device key.
    pub device_key: String,
    /// The device group key.
    pub device_group_key: String,
}

/// Where a code was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeDelivery {
    /// `SMS` or `EMAIL`.
    pub delivery_medium: Option<String>,
    /// Masked destination, e.g. `a***@e***`.
    pub destination: Option<String>,
    /// Which attribute it verifies.
    pub attribute_name: Option<String>,
}

/// A device as `ListDevices` / `GetDevice` describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// The device key.
    pub device_key: String,
    /// Device attributes (`device_name`, `device_status`, ...).
    pub attributes: Vec<Attribute>,
    /// Creation time, unix seconds.
    pub create_date_s: Option<i64>,
    /// Last authentication, unix seconds.
    pub last_authenticated_s: Option<i64>,
}

/// A call to the Cognito identity pools API (`AWSCognitoIdentityService`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op")]
#[non_exhaustive]
pub enum IdentityRequest {
    /// `GetId`.
    GetId {
        /// The identity pool.
        identity_pool_id: String,
        /// Provider name -> token. Empty for a guest.
        logins: Secret<StringMap>,
    },
    /// `GetCredentialsForIdentity`.
    GetCredentialsForIdentity {
        /// The identity.
        identity_id: String,
        /// Provider name -> token. Empty for a guest.
        logins: Secret<StringMap>,
        /// Role to assume when several are possible (SAML).
        custom_role_arn: Option<String>,
    },
    /// `GetOpenIdToken`.
    GetOpenIdToken {
        /// The identity.
        identity_id: String,
        /// Provider name -> token.
        logins: Secret<StringMap>,
    },
}

impl IdentityRequest {
    /// The Cognito operation name.
    pub fn operation(&self) -> &'static str {
        match self {
            Self::GetId { .. } => "GetId",
            Self::GetCredentialsForIdentity { .. } => "GetCredentialsForIdentity",
            Self::GetOpenIdToken { .. } => "GetOpenIdToken",
        }
    }
}

/// What the identity pool answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shape")]
#[non_exhaustive]
pub enum IdentityResponse {
    /// `GetId`.
    IdentityId {
        /// The identity id.
        identity_id: String,
    },
    /// `GetCredentialsForIdentity`.
    Credentials {
        /// The identity the credentials belong to.
        identity_id: String,
        /// The credentials.
        credentials: AwsCredentials,
        /// The service's time when it answered, unix seconds (the response's HTTP `Date`
        /// header): the credentials carry no issue time, so their lifetime is `Expiration`
        /// minus this. Absent when the answer had no readable `Date` (and in event logs
        /// recorded before it existed): the machine then estimates the service's clock.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service_time_s: Option<i64>,
    },
    /// `GetOpenIdToken`.
    OpenIdToken {
        /// The identity.
        identity_id: String,
        /// The OpenID token.
        token: Secret<String>,
    },
}

/// Temporary AWS credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsCredentials {
    /// Access key id (not secret on its own, but kept with its secret).
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: Secret<String>,
    /// Session token.
    pub session_token: Secret<String>,
    /// Expiration, unix seconds.
    pub expiration_s: i64,
}

/// An OAuth 2.0 token-endpoint call (hosted UI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthTokenRequest {
    /// The token endpoint URL.
    pub url: String,
    /// Form parameters (`grant_type`, `code`, `code_verifier`, `redirect_uri`, `client_id`, ...).
    pub form: Secret<StringMap>,
    /// HTTP basic auth (client id, client secret), for confidential clients.
    pub basic_auth: Option<(String, Secret<String>)>,
}

/// What the token endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthTokenResponse {
    /// Access token.
    pub access_token: Secret<String>,
    /// Id token.
    pub id_token: Option<Secret<String>>,
    /// Refresh token.
    pub refresh_token: Option<Secret<String>>,
    /// Lifetime in seconds.
    pub expires_in: i64,
}

/// A failed service call, as the engine saw it. The machine classifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceError {
    /// What kind of failure.
    pub kind: ServiceErrorKind,
    /// The service's error code (e.g. `NotAuthorizedException`), or a transport description.
    pub code: String,
    /// The service's message. Cognito messages never contain secrets.
    pub message: String,
}

/// Transport-level versus service-level failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceErrorKind {
    /// The service answered with an error (`__type` / `code`); see [`ServiceError::code`].
    Service,
    /// HTTP status 5xx or an internal error from the service.
    ServerError,
    /// Could not connect, connection reset, DNS failure.
    Network,
    /// No answer within the request timeout.
    Timeout,
    /// The response could not be understood.
    InvalidResponse,
}

impl ServiceError {
    /// A service error with the given Cognito code.
    pub fn service(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind: ServiceErrorKind::Service,
            code: code.into(),
            message: message.into(),
        }
    }

    /// A transport failure.
    pub fn network(message: impl Into<String>) -> Self {
        Self {
            kind: ServiceErrorKind::Network,
            code: "NetworkError".into(),
            message: message.into(),
        }
    }

    /// The error code without a namespace prefix or the `Exception` suffix
    /// (`NotAuthorizedException` -> `NotAuthorized`).
    pub fn short_code(&self) -> &str {
        let code = self.code.rsplit(['#', ':']).next().unwrap_or(&self.code);
        code.strip_suffix("Exception").unwrap_or(code)
    }

    /// Whether this is the error `code` (a `cognito_auth_wire::error_code`), however the
    /// service qualified or shortened it.
    pub fn is(&self, code: &str) -> bool {
        self.short_code() == code.strip_suffix("Exception").unwrap_or(code)
    }

    /// Whether trying the same call again later may succeed: transport failures, timeouts,
    /// 5xx, and throttling.
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            ServiceErrorKind::Network
            | ServiceErrorKind::Timeout
            | ServiceErrorKind::ServerError => true,
            ServiceErrorKind::InvalidResponse => false,
            ServiceErrorKind::Service => {
                [
                    error_code::TOO_MANY_REQUESTS,
                    error_code::THROTTLING,
                    error_code::INTERNAL_ERROR,
                    // Generic AWS codes Cognito's SDKs also see.
                    "ServiceUnavailable",
                    "RequestTimeout",
                ]
                .iter()
                .any(|code| self.is(code))
            }
        }
    }

    /// Whether the service definitively rejected the credentials (the only reason a session ends
    /// without the user asking).
    pub fn is_not_authorized(&self) -> bool {
        self.kind == ServiceErrorKind::Service && self.is(error_code::NOT_AUTHORIZED)
    }

    /// What a failed refresh means for the session; the table is in `docs/RETRIES.md`.
    pub fn refresh_class(&self) -> RefreshErrorClass {
        if self.is_not_authorized() || self.is_refresh_token_reused() {
            RefreshErrorClass::Rejected
        } else if self.is_retryable() {
            RefreshErrorClass::Transient
        } else {
            RefreshErrorClass::Refused
        }
    }

    /// Whether a refresh token was refused because rotation replaced it and its grace period
    /// is over: as definitive as `NotAuthorized`.
    pub fn is_refresh_token_reused(&self) -> bool {
        self.kind == ServiceErrorKind::Service && self.is(error_code::REFRESH_TOKEN_REUSE)
    }

    /// Whether an answer to REFRESH_TOKEN_AUTH says the app client wants
    /// GetTokensFromRefreshToken: a rotating client must have the flow disabled, and a flow
    /// the client does not allow is an `InvalidParameter` ("... flow not enabled for this
    /// client"); a refusal that names rotation or the operation counts too, whatever its code.
    pub fn wants_get_tokens_from_refresh_token(&self) -> bool {
        if self.kind != ServiceErrorKind::Service {
            return false;
        }
        let message = self.message.to_ascii_lowercase();
        self.is(error_code::INVALID_PARAMETER)
            || message.contains("rotation")
            || message.contains("gettokensfromrefreshtoken")
    }
}

/// How the machine treats a failed refresh (see `docs/RETRIES.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshErrorClass {
    /// Transport failure, timeout, 5xx or throttling: the same request may succeed later, so
    /// retry with backoff (and at once when the app reports connectivity).
    Transient,
    /// `NotAuthorized`: the refresh token is expired or revoked; the session ends.
    Rejected,
    /// Any other definitive answer (`ResourceNotFound`, `InvalidParameter`, `UserNotFound`,
    /// a Lambda trigger failure, an unreadable answer, ...): asking again unchanged gets the
    /// same answer, so stop, report it, keep the user, and try again only when a caller asks.
    Refused,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_codes() {
        assert!(ServiceError::service("NotAuthorizedException", "x").is_not_authorized());
        assert!(!ServiceError::service("NotAuthorizedException", "x").is_retryable());
        assert!(ServiceError::service("TooManyRequestsException", "x").is_retryable());
        assert!(ServiceError::network("reset").is_retryable());
        assert_eq!(
            ServiceError::service("com.amazonaws#UserNotFoundException", "x").short_code(),
            "UserNotFound"
        );
    }
}

//! The user's session: tokens, what the machine reads from them, device secrets, identity-pool
//! state, and the persisted form.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::cognito::AwsCredentials;
use crate::secret::Secret;

/// User-pool tokens, with the claims the machine needs read out of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    /// The id token (JWT). Hosted-UI sign-ins without `openid` scope have none.
    pub id_token: Option<Secret<String>>,
    /// The access token (JWT).
    pub access_token: Secret<String>,
    /// The refresh token.
    pub refresh_token: Option<Secret<String>>,
    /// Access token expiry, unix seconds (the earlier of the access and id tokens' `exp`).
    pub expires_at_s: i64,
    /// `username` claim of the access token (`cognito:username` of the id token).
    pub username: String,
    /// `sub` claim.
    pub sub: String,
}

impl Tokens {
    /// Whether the tokens are still valid at `now_s`.
    pub fn is_valid_at(&self, now_s: i64) -> bool {
        now_s < self.expires_at_s
    }
}

/// Claims read from a JWT's payload. The signature is not checked here: the tokens came from
/// Cognito over TLS, and the services that consume them verify them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Claims {
    /// Expiry, unix seconds.
    pub exp: i64,
    /// Subject.
    #[serde(default)]
    pub sub: Option<String>,
    /// Access tokens carry `username`.
    #[serde(default)]
    pub username: Option<String>,
    /// Id tokens carry `cognito:username`.
    #[serde(default, rename = "cognito:username")]
    pub cognito_username: Option<String>,
    /// `id` or `access`.
    #[serde(default)]
    pub token_use: Option<String>,
}

/// Why a JWT could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// Not three dot-separated parts.
    #[error("a JWT has three dot-separated parts, this one has {0}")]
    Shape(usize),
    /// The payload is not base64url.
    #[error("the JWT payload is not base64url")]
    Base64,
    /// The payload is not the JSON expected (the message never quotes the payload).
    #[error("the JWT payload is not a JSON object with a numeric `exp`")]
    Json,
}

/// Reads the claims of a JWT without verifying it.
pub fn decode_claims(jwt: &str) -> Result<Claims, JwtError> {
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return Err(JwtError::Shape(parts.len()));
    }
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[1].trim_end_matches('='))
        .map_err(|_| JwtError::Base64)?;
    serde_json::from_slice(&payload).map_err(|_| JwtError::Json)
}

impl Tokens {
    /// Builds tokens from what Cognito returned, reading expiry and identity from the JWTs.
    /// `refresh_token` is stored as given: a refresh that does not rotate it answers without
    /// one, and the caller passes the previous token in (see the machine's refresh handling).
    pub fn from_jwts(
        access_token: Secret<String>,
        id_token: Option<Secret<String>>,
        refresh_token: Option<Secret<String>>,
    ) -> Result<Self, JwtError> {
        let access = decode_claims(access_token.expose())?;
        let id = id_token
            .as_ref()
            .map(|t| decode_claims(t.expose()))
            .transpose()?;
        let expires_at_s = id.as_ref().map_or(access.exp, |id| id.exp.min(access.exp));
        let username = access
            .username
            .clone()
            .or_else(|| id.as_ref().and_then(|c| c.cognito_username.clone()))
            .or_else(|| access.sub.clone())
            .unwrap_or_default();
        let sub = access
            .sub
            .clone()
            .or_else(|| id.as_ref().and_then(|c| c.sub.clone()))
            .unwrap_or_default();
        Ok(Self {
            id_token,
            access_token,
            refresh_token,
            expires_at_s,
            username,
            sub,
        })
    }
}

/// A device Cognito remembers for this user, with the secret only this device knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSecrets {
    /// Device key (`<region>_<uuid>`).
    pub device_key: String,
    /// Device group key.
    pub device_group_key: String,
    /// The random device password whose verifier Cognito holds.
    pub device_password: Secret<String>,
}

/// The identity-pool part of a session.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IdentityState {
    /// The identity id, once known (kept across guest sessions and hand-overs).
    pub identity_id: Option<String>,
    /// The current credentials.
    pub credentials: Option<AwsCredentials>,
}

/// A federated (identity-pool only) sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Federation {
    /// Logins key.
    pub provider: String,
    /// The provider token.
    pub token: Secret<String>,
    /// Role to assume.
    pub custom_role_arn: Option<String>,
    /// Developer identities: the identity id came from the app's backend.
    pub developer_identity: bool,
}

/// What survives a restart. Versioned so the store can migrate old files.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PersistedSession {
    /// Format version; see [`PersistedSession::VERSION`].
    pub version: u32,
    /// The signed-in user's tokens.
    pub tokens: Option<Tokens>,
    /// The refresh token was rejected: the user must sign in again.
    #[serde(default)]
    pub tokens_invalid: bool,
    /// Federated sign-in.
    pub federation: Option<Federation>,
    /// The federation token was rejected.
    #[serde(default)]
    pub federation_invalid: bool,
    /// Identity-pool state (guest, signed in or federated).
    #[serde(default)]
    pub identity: IdentityState,
    /// Remembered devices, per user name.
    #[serde(default)]
    pub devices: BTreeMap<String, DeviceSecrets>,
    /// The session came from the hosted UI (sign-out may visit its logout endpoint).
    #[serde(default)]
    pub hosted_ui: bool,
}

impl PersistedSession {
    /// The current format version.
    pub const VERSION: u32 = 1;
}

#[cfg(test)]
pub(crate) mod test_jwt {
    //! Unsigned JWTs for tests.
    use base64::Engine as _;

    /// A JWT with the given claims JSON and a dummy signature.
    pub(crate) fn jwt(claims: &serde_json::Value) -> String {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.c2ln",
            e.encode(br#"{"alg":"RS256","kid":"k"}"#),
            e.encode(claims.to_string())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_claims_and_rejects_garbage() {
        let t = test_jwt::jwt(&serde_json::json!({"exp": 100, "username": "alice", "sub": "s"}));
        let c = decode_claims(&t).unwrap();
        assert_eq!(c.exp, 100);
        assert_eq!(c.username.as_deref(), Some("alice"));
        assert_eq!(decode_claims("a.b"), Err(JwtError::Shape(2)));
        assert_eq!(decode_claims("a.!!.c"), Err(JwtError::Base64));
        assert_eq!(decode_claims("a.e30.c"), Err(JwtError::Json));
    }
}

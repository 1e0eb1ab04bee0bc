//! Configuration: what the machine knows about the user pool, identity pool and hosted UI.
//!
//! The types here are plain data. Parsers for `awsconfiguration.json` and Amplify Gen 2
//! `amplify_outputs.json` live in `parse`; every malformed or inconsistent document is a
//! [`ConfigError`] naming the field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use cognito_auth_wire::flow;

use crate::secret::Secret;

mod parse;

pub use parse::ConfigError;

/// Everything the machine needs to know about the backend and its own tuning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The Cognito user pool, if the app uses one.
    pub user_pool: Option<UserPoolConfig>,
    /// The Cognito identity pool, if the app uses one.
    pub identity_pool: Option<IdentityPoolConfig>,
    /// Hosted UI (OAuth 2.0) settings, if configured.
    pub oauth: Option<OAuthConfig>,
    /// Timing and retry behaviour.
    #[serde(default)]
    pub tuning: Tuning,
}

/// A Cognito user pool and the app client used to talk to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPoolConfig {
    /// Pool id, `<region>_<name>`, e.g. `us-east-1_AbCdEf123`.
    pub pool_id: String,
    /// The app client id.
    pub app_client_id: String,
    /// The app client secret, when the client has one (SECRET_HASH is then sent).
    pub app_client_secret: Option<Secret<String>>,
    /// AWS region of the pool.
    pub region: String,
    /// The sign-in flow used when a call does not choose one.
    #[serde(default)]
    pub auth_flow: AuthFlow,
}

impl UserPoolConfig {
    /// The part of the pool id after the underscore: the name SRP hashes into `x`.
    pub fn pool_name(&self) -> &str {
        self.pool_id
            .split_once('_')
            .map_or(self.pool_id.as_str(), |(_, name)| name)
    }

    /// The provider name used in identity-pool `Logins` maps:
    /// `cognito-idp.<region>.amazonaws.com/<pool id>`.
    pub fn identity_provider_name(&self) -> String {
        format!("cognito-idp.{}.amazonaws.com/{}", self.region, self.pool_id)
    }
}

/// How a sign-in proves the user's identity first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthFlow {
    /// Secure Remote Password: the password never leaves the device.
    #[default]
    UserSrpAuth,
    /// The password is sent (over TLS) to Cognito.
    UserPasswordAuth,
    /// Custom challenges from Lambda triggers, starting with an SRP round.
    CustomAuthWithSrp,
    /// Custom challenges from Lambda triggers only.
    CustomAuthWithoutSrp,
    /// Choice-based (passwordless) first factor: password, SRP, email or SMS OTP, WebAuthn.
    UserAuth,
}

impl AuthFlow {
    /// The `AuthFlow` value sent to InitiateAuth.
    pub fn cognito_name(self) -> &'static str {
        match self {
            Self::UserSrpAuth => flow::USER_SRP_AUTH,
            Self::UserPasswordAuth => flow::USER_PASSWORD_AUTH,
            Self::CustomAuthWithSrp | Self::CustomAuthWithoutSrp => flow::CUSTOM_AUTH,
            Self::UserAuth => flow::USER_AUTH,
        }
    }
}

/// A Cognito identity pool (federated identities).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityPoolConfig {
    /// `<region>:<uuid>`.
    pub pool_id: String,
    /// AWS region of the identity pool.
    pub region: String,
    /// Whether unauthenticated (guest) identities are allowed.
    #[serde(default = "default_true")]
    pub allow_guest: bool,
}

fn default_true() -> bool {
    true
}

/// Hosted UI / OAuth 2.0 settings (`Auth.Default.OAuth`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthConfig {
    /// Domain without scheme, e.g. `myapp.auth.us-east-1.amazoncognito.com`.
    pub web_domain: String,
    /// The app client used for the hosted UI (often the user pool's).
    pub app_client_id: String,
    /// Its secret, if any.
    pub app_client_secret: Option<Secret<String>>,
    /// Where the authorization server redirects after sign-in.
    pub sign_in_redirect_uri: String,
    /// Where Cognito's logout endpoint redirects after sign-out. Needed for Cognito's hosted
    /// UI; optional when `sign_out_uri` names a custom provider's own logout endpoint, which
    /// takes its return address in `sign_out_uri_query_parameters` (Auth0's `returnTo`).
    pub sign_out_redirect_uri: Option<String>,
    /// Requested scopes.
    pub scopes: Vec<String>,
    /// Custom token endpoint (third-party providers such as Auth0); Cognito's when absent.
    pub token_uri: Option<String>,
    /// Custom authorization endpoint.
    pub sign_in_uri: Option<String>,
    /// Custom logout endpoint.
    pub sign_out_uri: Option<String>,
    /// Extra query parameters for the custom logout endpoint.
    #[serde(default)]
    pub sign_out_uri_query_parameters: BTreeMap<String, String>,
    /// Extra query parameters for the custom authorization endpoint.
    #[serde(default)]
    pub sign_in_uri_query_parameters: BTreeMap<String, String>,
    /// Extra query parameters for the custom token endpoint.
    #[serde(default)]
    pub token_uri_query_parameters: BTreeMap<String, String>,
}

/// Whether an OAuth endpoint may carry codes and tokens: `https://`, or plain `http://` to
/// the loopback interface (`127.0.0.1`, `localhost`, `[::1]`, any port), where a local emulator
/// listens and nothing crosses the network.
pub fn is_secure_endpoint(uri: &str) -> bool {
    if uri
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    {
        return true;
    }
    let Some(rest) = uri
        .get(..7)
        .filter(|s| s.eq_ignore_ascii_case("http://"))
        .and_then(|_| uri.get(7..))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if authority.contains('@') {
        return false;
    }
    let host = if authority.starts_with('[') {
        authority
            .split_once(']')
            .map_or(authority, |(h, _)| h)
            .trim_start_matches('[')
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    host == "127.0.0.1" || host.eq_ignore_ascii_case("localhost") || host == "::1"
}

/// Timing and retry knobs. Defaults follow what the Amplify SDKs do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Tuning {
    /// Refresh tokens and credentials this long before they expire, but never more than a
    /// tenth of their lifetime ahead (`session::refresh_skew_s`).
    pub refresh_skew_s: u64,
    /// First retry delay after a retryable failure.
    pub retry_base_ms: u64,
    /// Upper bound of the retry delay.
    pub retry_max_ms: u64,
    /// How long one service call may take before the engine gives up on it.
    pub request_timeout_ms: u64,
    /// Which operation refreshes user-pool tokens (see [`RefreshTokenRotation`]).
    #[serde(skip_serializing_if = "RefreshTokenRotation::is_auto")]
    pub refresh_token_rotation: RefreshTokenRotation,
}

/// How user-pool tokens are refreshed, after the app client's `RefreshTokenRotation` setting.
/// A rotating client refuses REFRESH_TOKEN_AUTH and must be refreshed with
/// GetTokensFromRefreshToken, whose answer carries a new refresh token (developer guide,
/// "Refresh tokens"); GetTokensFromRefreshToken also works for a client that does not rotate.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RefreshTokenRotation {
    /// REFRESH_TOKEN_AUTH until Cognito refuses it as a flow the client does not allow, then
    /// GetTokensFromRefreshToken from then on (remembered in the stored session).
    #[default]
    Auto,
    /// Always GetTokensFromRefreshToken.
    Enabled,
    /// Always REFRESH_TOKEN_AUTH.
    Disabled,
}

impl RefreshTokenRotation {
    fn is_auto(&self) -> bool {
        *self == Self::Auto
    }
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            refresh_skew_s: 300,
            retry_base_ms: 500,
            retry_max_ms: 60_000,
            request_timeout_ms: 15_000,
            refresh_token_rotation: RefreshTokenRotation::Auto,
        }
    }
}

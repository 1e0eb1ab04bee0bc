//! A faithful Amazon Cognito (User Pools + Identity Pools) emulator, in two layers:
//!
//! 1. a sans-IO core, [`Emulator`], whose [`Emulator::handle`] answers one AWS JSON 1.1
//!    operation at an instant the caller supplies, with all randomness drawn from a seed;
//! 2. an HTTP server (`http::serve`, behind the default `server` feature, and the
//!    `cognito-auth-emulator` binary) speaking the real
//!    protocol (`X-Amz-Target: AWSCognitoIdentityProviderService.*` / `AWSCognitoIdentityService.*`),
//!    so the AWS SDKs, boto3 and amazon-cognito-identity-js work against it unchanged.
//!
//! It verifies what Cognito verifies: SRP proofs, confirmation and MFA codes (delivered to an
//! outbox tests can read), TOTP, SECRET_HASH, token signatures, expiry and revocation.
//!
//! ```
//! use cognito_auth_emulator::{Emulator, EmulatorConfig, UnixMillis};
//! use serde_json::json;
//!
//! let mut emu = Emulator::new(EmulatorConfig::default()).unwrap();
//! let now = UnixMillis::from_secs(1_800_000_000);
//! let target = |op: &str| format!("AWSCognitoIdentityProviderService.{op}");
//! let pool = emu.handle(&target("CreateUserPool"), &json!({"PoolName": "demo"}), now).unwrap();
//! let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
//! let client = emu.handle(&target("CreateUserPoolClient"), &json!({
//!     "UserPoolId": pool_id, "ClientName": "app",
//!     "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
//! }), now).unwrap();
//! let client_id = client["UserPoolClient"]["ClientId"].as_str().unwrap().to_owned();
//! emu.handle(&target("SignUp"), &json!({
//!     "ClientId": client_id, "Username": "alice", "Password": "Passw0rd!",
//! }), now).unwrap();
//! emu.handle(&target("AdminConfirmSignUp"), &json!({"UserPoolId": pool_id, "Username": "alice"}), now).unwrap();
//! let auth = emu.handle(&target("InitiateAuth"), &json!({
//!     "ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
//!     "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"},
//! }), now).unwrap();
//! assert!(auth["AuthenticationResult"]["AccessToken"].is_string());
//! let wrong = emu.handle(&target("InitiateAuth"), &json!({
//!     "ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
//!     "AuthParameters": {"USERNAME": "alice", "PASSWORD": "nope"},
//! }), now).unwrap_err();
//! assert_eq!(wrong.kind.name(), "NotAuthorizedException");
//! ```

mod dispatch;
mod error;
mod federation;
pub mod iam_auth;
mod identity;
mod jwt;
mod model;
mod oauth;
mod params;
mod role_mapping;
mod roles;
mod seed;
pub mod sigv4;
mod srp_glue;
mod state;
pub mod sts;
mod time;
pub mod totp;
mod user_pool;

pub mod faults;
#[cfg(feature = "server")]
pub mod http;

pub use crate::dispatch::{Unsigned, IDENTITY_PREFIX, USER_POOL_PREFIX};
pub use crate::error::{ApiError, ApiResult, ErrorKind};
pub use crate::federation::ProviderToken;
pub use crate::jwt::{decode_unverified, verify_with_jwks, JwtError, TokenSigner};
pub use crate::model::CodePurpose;
pub use crate::oauth::{WebRequest, WebResponse};
pub use crate::seed::{example_seed, SeedError};
pub use crate::state::{
    default_external_verifier, Emulator, EmulatorConfig, ExternalVerifier, OutboxMessage,
    ServedRequest,
};
pub use crate::time::{parse_srp_timestamp, srp_timestamp, UnixMillis};

//! The engine as an AWS SDK credentials provider: [`Auth::credentials_provider`] returns a
//! [`CredentialsProvider`] that any `aws-config` loader or service client builder accepts.
//!
//! ```ignore
//! // with the `aws-config` and `aws-sdk-s3` crates
//! let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
//!     .credentials_provider(auth.credentials_provider())
//!     .load()
//!     .await;
//! let s3 = aws_sdk_s3::Client::new(&config);
//! ```
//!
//! The provider makes no decision of its own: every call asks the machine for credentials
//! (`FetchCredentials`), which answers from its cache, refreshes them ahead of expiry, and lets
//! concurrent callers share one identity-pool fetch. What the provider adds is that it never
//! waits for a sign-in: where the machine would hold a credentials caller until the user signs in
//! again (`signedOutUserPoolsTokenInvalid`, `signedOutFederatedTokensInvalid`), the SDK gets a
//! [`CredentialsError`] at once, whose source is this crate's [`Error`].

use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials};
use aws_credential_types::Credentials;
use cognito_auth_machine::UserState;

use crate::{AppError, Auth, Error, IdentityCredentials, ServiceError};

/// The name the SDK records as the credentials' source.
const PROVIDER_NAME: &str = "CognitoAuth";

/// An [`Auth`] engine serving AWS SDK clients. Cheap to clone; see the module docs.
#[derive(Debug, Clone)]
pub struct CredentialsProvider {
    auth: Auth,
}

impl Auth {
    /// This engine's identity-pool credentials as an AWS SDK credentials provider
    /// (`aws_config::defaults(..).credentials_provider(..)`, or any service config builder).
    pub fn credentials_provider(&self) -> CredentialsProvider {
        CredentialsProvider { auth: self.clone() }
    }
}

impl CredentialsProvider {
    /// The credentials, or why there are none. Returns as soon as the session is known to need a
    /// new sign-in (or a new federation token) instead of waiting for one.
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let mut states = self.auth.watch_user_state();
        let ended = async {
            let found = states
                .wait_for(|s| ended_error(*s).is_some())
                .await
                .map(|state| ended_error(*state));
            match found {
                Ok(cause) => cause.unwrap_or(ServiceError::SessionExpired),
                // The driver is gone: the call below reports that.
                Err(_) => std::future::pending().await,
            }
        };
        tokio::select! {
            // A session that has already ended is reported without asking the machine.
            biased;
            cause = ended => Err(CredentialsError::provider_error(Error::Service(cause))),
            answer = self.auth.aws_credentials() => answer.map(to_sdk).map_err(to_sdk_error),
        }
    }
}

impl ProvideCredentials for CredentialsProvider {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.credentials())
    }
}

/// The error a credentials caller gets in `state`, if that state waits for a new sign-in.
fn ended_error(state: UserState) -> Option<ServiceError> {
    match state {
        UserState::SignedOutUserPoolsTokenInvalid => Some(ServiceError::SessionExpired),
        UserState::SignedOutFederatedTokensInvalid => Some(ServiceError::FederationExpired),
        _ => None,
    }
}

fn to_sdk(c: IdentityCredentials) -> Credentials {
    let creds = c.credentials;
    let expiry = UNIX_EPOCH + Duration::from_secs(u64::try_from(creds.expiration_s).unwrap_or(0));
    Credentials::new(
        creds.access_key_id,
        creds.secret_access_key.into_inner(),
        Some(creds.session_token.into_inner()),
        Some(expiry),
        PROVIDER_NAME,
    )
}

/// Sorts the engine's errors into the SDK's kinds: missing configuration, no session to take
/// credentials from (a credentials chain moves on to its next provider), and everything else.
fn to_sdk_error(err: Error) -> CredentialsError {
    match &err {
        Error::App(AppError::NotConfigured { .. }) => CredentialsError::invalid_configuration(err),
        Error::App(AppError::NotSignedIn) => CredentialsError::not_loaded(err),
        _ => CredentialsError::provider_error(err),
    }
}

//! Performing the machine's service effects: Cognito user pools, identity pools and OAuth token
//! endpoints. Each call is bounded by the configured request timeout and its outcome is described
//! (never judged) as the machine's response or [`ServiceError`].

mod account;
mod clients;
mod errors;
mod identity;
mod oauth;
mod user_pool;

pub use clients::{ClientError, ConnectOptions, ServiceClients};

use cognito_auth_machine::cognito::{
    IdentityRequest, IdentityResponse, OAuthTokenRequest, OAuthTokenResponse, UserPoolRequest,
    UserPoolResponse,
};
use cognito_auth_machine::{ServiceError, ServiceErrorKind};

impl ServiceClients {
    /// Sends a user-pool request.
    pub async fn user_pool(
        &self,
        request: UserPoolRequest,
    ) -> Result<UserPoolResponse, ServiceError> {
        match &self.user_pool {
            Some(pool) => user_pool::call(pool, request).await,
            None => Err(not_configured("user pool", request.operation())),
        }
    }

    /// Sends an identity-pool request.
    pub async fn identity(
        &self,
        request: IdentityRequest,
    ) -> Result<IdentityResponse, ServiceError> {
        match &self.identity {
            Some(client) => identity::call(client, request).await,
            None => Err(not_configured("identity pool", request.operation())),
        }
    }

    /// Calls an OAuth 2.0 token endpoint.
    pub async fn oauth_token(
        &self,
        request: OAuthTokenRequest,
    ) -> Result<OAuthTokenResponse, ServiceError> {
        self.oauth.call(request).await
    }
}

/// The machine asked for a service the configuration has no client for.
fn not_configured(service: &str, operation: &str) -> ServiceError {
    ServiceError {
        kind: ServiceErrorKind::Service,
        code: "NotConfigured".to_owned(),
        message: format!("{operation}: no {service} is configured"),
    }
}

#[cfg(test)]
mod tests;

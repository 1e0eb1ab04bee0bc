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
        let operation = request.operation();
        let result = match &self.user_pool {
            Some(pool) => user_pool::call(pool, request).await,
            None => Err(not_configured("user pool", operation)),
        };
        trace_call("cognito-idp", operation, &result);
        result
    }

    /// Sends an identity-pool request.
    pub async fn identity(
        &self,
        request: IdentityRequest,
    ) -> Result<IdentityResponse, ServiceError> {
        let operation = request.operation();
        let result = match &self.identity {
            Some(client) => identity::call(client, request).await,
            None => Err(not_configured("identity pool", operation)),
        };
        trace_call("cognito-identity", operation, &result);
        result
    }

    /// Calls an OAuth 2.0 token endpoint.
    pub async fn oauth_token(
        &self,
        request: OAuthTokenRequest,
    ) -> Result<OAuthTokenResponse, ServiceError> {
        let result = self.oauth.call(request).await;
        trace_call("oauth2", "token", &result);
        result
    }
}

/// One debug line per service call: which operation and how it ended (the error's code and
/// kind, never a request, a response or Cognito's message), so `-vv` shows what was sent.
fn trace_call<T>(service: &str, operation: &str, result: &Result<T, ServiceError>) {
    match result {
        Ok(_) => tracing::debug!(service, operation, "call succeeded"),
        Err(e) => {
            tracing::debug!(service, operation, code = %e.code, kind = ?e.kind, "call failed")
        }
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

//! [`Auth::fetch_auth_session`]: tokens, identity id, AWS credentials and the user's name and
//! `sub` together, each part with its own result.

use cognito_auth_machine::cognito::AwsCredentials;
use cognito_auth_machine::{Tokens, UserState};

use crate::options::FetchOptions;
use crate::outputs::AuthSession;
use crate::{AppError, Auth, Error, ServiceError};

impl Auth {
    /// The whole session at once, as Amplify's `fetchAuthSession` gives it: user-pool tokens
    /// (refreshed first if due), the user's name and `sub`, the identity id and AWS
    /// credentials. Each part fails on its own: without an identity pool, `credentials` and
    /// `identity_id` hold [`AppError::NotConfigured`] while `tokens` may be fine.
    ///
    /// Unlike [`Auth::tokens`], this never waits for a new sign-in: after the refresh token
    /// was rejected (`signedOutUserPoolsTokenInvalid`) the token and credential parts are
    /// [`ServiceError::SessionExpired`], after a rejected federation token the credentials
    /// are [`ServiceError::FederationExpired`].
    ///
    /// Fails as a whole only when the engine has stopped.
    pub async fn fetch_auth_session(&self, options: FetchOptions) -> Result<AuthSession, Error> {
        let user_state = self.settled_state().await?;
        let tokens = self.session_tokens(user_state, options).await;
        let identity = self.session_credentials(user_state, options).await;
        let (identity_id, credentials) = match identity {
            Ok((id, credentials)) => (Ok(id), Ok(credentials)),
            Err(e) => (Err(e.clone()), Err(e)),
        };
        Ok(AuthSession {
            user_state,
            username: tokens
                .as_ref()
                .map(|t| t.username.to_string())
                .map_err(Clone::clone),
            user_sub: tokens
                .as_ref()
                .map(|t| t.sub.to_string())
                .map_err(Clone::clone),
            tokens,
            identity_id,
            credentials,
        })
    }

    /// The user state once the stored session has been read.
    async fn settled_state(&self) -> Result<UserState, Error> {
        let mut state = self.watch_user_state();
        let settled = state
            .wait_for(|s| *s != UserState::Unknown)
            .await
            .map_err(|_| Error::App(AppError::EngineStopped))?;
        Ok(*settled)
    }

    async fn session_tokens(
        &self,
        state: UserState,
        options: FetchOptions,
    ) -> Result<Tokens, Error> {
        match state {
            // The machine would hold the call until the next sign-in.
            UserState::SignedOutUserPoolsTokenInvalid => {
                Err(Error::Service(ServiceError::SessionExpired))
            }
            _ => self.tokens_with(options).await,
        }
    }

    async fn session_credentials(
        &self,
        state: UserState,
        options: FetchOptions,
    ) -> Result<(String, AwsCredentials), Error> {
        match state {
            // The machine would hold these calls until a new sign-in or federation token.
            UserState::SignedOutUserPoolsTokenInvalid => {
                Err(Error::Service(ServiceError::SessionExpired))
            }
            UserState::SignedOutFederatedTokensInvalid => {
                Err(Error::Service(ServiceError::FederationExpired))
            }
            _ => self
                .aws_credentials_with(options)
                .await
                .map(|c| (c.identity_id, c.credentials)),
        }
    }
}

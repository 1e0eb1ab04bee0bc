//! The app's own providers, installed on the builder (Amplify's "custom token provider" and
//! "custom credentials provider"):
//!
//! - [`FederatedTokenProvider`] renews an identity-pool federation. Provider tokens are never
//!   refreshed by the machine; when the identity pool refuses the current one (the user state
//!   becomes `signedOutFederatedTokensInvalid`), the engine asks this provider for a fresh token
//!   and federates with it, which answers every credentials caller waiting for it. The app does
//!   not have to call [`Auth::federated_sign_in`] again.
//! - [`AwsCredentialsProvider`] replaces Cognito Identity altogether: [`Auth::aws_credentials`],
//!   [`Auth::identity_id`], `fetch_auth_session` and [`Auth::credentials_provider`] return what
//!   it returns, and the engine makes no identity-pool call of its own.
//!
//! The machine stays pure and unaware of either: the renewal is an ordinary
//! `federated_sign_in` made by a task that watches the user state, and the credentials provider
//! is asked in place of the machine.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use cognito_auth_machine::{Tokens, UserState};
use tokio::sync::{mpsc, watch};

use crate::driver::Command;
use crate::federation::FederationProvider;
use crate::options::FederatedSignInOptions;
use crate::outputs::IdentityCredentials;
use crate::publish::Publishers;
use crate::{AppError, Auth, Error};

/// A boxed future, as the providers' methods return (so the traits stay object safe).
pub type ProviderFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why an app's provider could not answer; reported as [`AppError::CustomProvider`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    /// What went wrong, in the provider's words (never include a token or a secret).
    pub message: String,
}

impl ProviderError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl From<ProviderError> for Error {
    fn from(e: ProviderError) -> Self {
        Error::App(AppError::CustomProvider { message: e.message })
    }
}

/// A provider token for the identity pool, with what `federated_sign_in` needs besides it.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FederatedToken {
    /// Whose token it is (its `Logins` key).
    pub provider: FederationProvider,
    /// The token.
    pub token: String,
    /// Developer identity id and custom role, as for [`Auth::federated_sign_in`].
    pub options: FederatedSignInOptions,
}

impl FederatedToken {
    /// `token`, issued by `provider`.
    pub fn new(provider: impl Into<FederationProvider>, token: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            token: token.into(),
            options: FederatedSignInOptions::default(),
        }
    }

    /// With these options (developer identity id, custom role ARN).
    #[must_use]
    pub fn with_options(mut self, options: FederatedSignInOptions) -> Self {
        self.options = options;
        self
    }
}

impl std::fmt::Debug for FederatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FederatedToken")
            .field("provider", &self.provider)
            .field("token", &"[redacted]")
            .field("options", &self.options)
            .finish()
    }
}

/// The app's source of fresh identity-pool provider tokens (see the module docs).
pub trait FederatedTokenProvider: Send + Sync + 'static {
    /// A token the identity pool will accept now. Called when it refused the current one (also
    /// right after a restart that restored a refused federation); an error releases the
    /// callers waiting for credentials with [`AppError::SignInWaitReleased`].
    fn fresh_token(&self) -> ProviderFuture<'_, Result<FederatedToken, ProviderError>>;
}

/// What the engine knows when it asks an [`AwsCredentialsProvider`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CredentialsRequest {
    /// The caller wants new credentials even if cached ones are still valid.
    pub force_refresh: bool,
    /// The user state when asked.
    pub user_state: UserState,
    /// The signed-in user's user-pool tokens (refreshed first when due), to federate the id
    /// token; `None` unless a user-pool user is signed in.
    pub tokens: Option<Tokens>,
}

/// The app's own AWS credentials (see the module docs), used in place of the identity pool.
pub trait AwsCredentialsProvider: Send + Sync + 'static {
    /// Credentials and the identity they belong to. The provider caches and refreshes as it
    /// sees fit: the engine asks it on every call.
    fn credentials(
        &self,
        request: CredentialsRequest,
    ) -> ProviderFuture<'_, Result<IdentityCredentials, ProviderError>>;

    /// Forgets cached credentials and identity; called after a sign-out and
    /// [`Auth::clear_federation`].
    fn clear(&self) {}
}

impl Auth {
    /// Asks the app's credentials provider, with the signed-in user's tokens when there are any.
    pub(crate) async fn custom_credentials(
        &self,
        provider: &dyn AwsCredentialsProvider,
        force_refresh: bool,
    ) -> Result<IdentityCredentials, Error> {
        let user_state = self.user_state();
        let tokens = match user_state {
            UserState::SignedIn => Some(self.tokens().await?),
            _ => None,
        };
        let request = CredentialsRequest {
            force_refresh,
            user_state,
            tokens,
        };
        Ok(provider.credentials(request).await?)
    }
}

/// What the renewal task needs of an [`Auth`] without keeping the driver alive: the engine
/// stops when the app drops its last handle, renewal task or not.
pub(crate) struct Renewal {
    pub(crate) commands: mpsc::WeakUnboundedSender<Command>,
    pub(crate) state: watch::Receiver<UserState>,
    pub(crate) publishers: Arc<Publishers>,
    pub(crate) credentials: Option<Arc<dyn AwsCredentialsProvider>>,
}

impl Renewal {
    fn auth(&self) -> Option<Auth> {
        let commands = self.commands.upgrade()?;
        Some(Auth::new(
            commands,
            self.state.clone(),
            Arc::clone(&self.publishers),
            self.credentials.clone(),
        ))
    }

    /// Renews each refused federation once: a fresh token from `provider`, then
    /// `federated_sign_in`. A renewal that fails (no token, or a token refused too) releases the
    /// waiting callers and is not retried until the federation is valid again, so a provider
    /// handing out bad tokens cannot loop.
    pub(crate) async fn run(mut self, provider: Arc<dyn FederatedTokenProvider>) {
        let refused = |s: &UserState| *s == UserState::SignedOutFederatedTokensInvalid;
        loop {
            if self.state.wait_for(refused).await.is_err() {
                return;
            }
            let Some(auth) = self.auth() else { return };
            let renewed = match provider.fresh_token().await {
                Ok(t) => auth
                    .federated_sign_in(t.provider, &t.token, t.options)
                    .await
                    .map(|_| ()),
                Err(e) => Err(e.into()),
            };
            if let Err(e) = renewed {
                tracing::warn!(error = %e, "renewing the federation with the app's token provider failed");
                let _ = auth.release_sign_in_wait().await;
            }
            drop(auth);
            if self.state.wait_for(|s| !refused(s)).await.is_err() {
                return;
            }
        }
    }
}

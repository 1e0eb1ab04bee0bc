//! Identity pools: the identity id and AWS credentials for guests, signed-in users (their id
//! token federated as `cognito-idp.<region>.amazonaws.com/<pool id>`) and federated users.
//!
//! One fetch at a time (single flight): callers that ask while one runs join it.

use super::session::UserSession;
use serde::{Deserialize, Serialize};

use super::routing::Answered;
use super::shared::{Outbox, Shared, Waiter};
use crate::cognito::{IdentityRequest, IdentityResponse, StringMap};
use crate::error::AuthError;
use crate::input::ApiCall;
use crate::output::{Answer, EffectId, OperationId, TimerKind};
use crate::secret::Secret;
use crate::session::{refresh_skew_s, CredentialsClock, Federation, IdentityState};
use crate::time::Timestamp;

/// The identity pool's part of the shared storage: the current identity and credentials, the
/// fetch in flight and the calls waiting for it, and the credentials' own clock.
#[derive(Debug, Default)]
pub(crate) struct IdentitySide {
    /// Identity id and credentials of the current session.
    pub(crate) state: IdentityState,
    /// The identity-pool fetch in flight.
    pub(crate) fetch: Option<IdentityFetch>,
    /// Calls waiting for identity-pool credentials or the identity id.
    pub(crate) waiters: Vec<Waiter>,
    /// The current credentials' lifetime (`Expiration` minus the service's time on receipt);
    /// `None` for credentials restored from the store.
    pub(crate) credentials_lifetime_s: Option<i64>,
    /// When credentials with a [`crate::session::CredentialsClock`] arrived, on both local clocks (in memory
    /// only; after a restore, the restore, see [`crate::session::CredentialsClock::restored`]): their own
    /// steady clock, independent of the tokens' drift.
    pub(crate) credentials_arrived: Option<Timestamp>,
    /// The tokens were refreshed because the identity pool refused their id token; cleared
    /// when credentials arrive or a user signs in (one such refresh until then, so a pool
    /// that refuses every token cannot make the machine refresh in a loop).
    pub(crate) refreshed_for_refusal: bool,
}

/// The identity-pool fetch in flight, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IdentityFetch {
    pub(crate) wait: EffectId,
    pub(crate) step: IdentityStep,
    pub(crate) logins: Secret<StringMap>,
    pub(crate) custom_role_arn: Option<String>,
    /// A GetCredentialsForIdentity for a stale identity id was refused; GetId again once.
    pub(crate) retried_get_id: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum IdentityStep {
    GetId,
    GetCredentials,
}

/// How a finished identity fetch ended.
#[derive(Debug)]
pub(crate) enum IdentityOutcome {
    /// Another step was started, or the result was not for the current fetch.
    Pending,
    /// Credentials were obtained and the waiters answered.
    Got,
    /// The provider token was refused (NotAuthorized); waiters are still queued.
    Rejected,
    /// Another failure; waiters were answered with it.
    Failed,
}

/// The `Logins` map for a signed-in user: the id token under the custom OAuth provider's
/// login key when the session came from one (AWSMobileClient federates an Auth0 hosted-UI
/// sign-in under `federationProviderName`), else under the user pool's.
pub(crate) fn session_logins(core: &Shared, session: &UserSession) -> StringMap {
    let Some(id) = &session.tokens.id_token else {
        return StringMap::new();
    };
    let key = match &session.federation_provider_name {
        Some(name) => Some(name.clone()),
        None => core
            .config
            .user_pool
            .as_ref()
            .map(|pool| pool.identity_provider_name()),
    };
    key.map(|key| StringMap::from([(key, id.expose().clone())]))
        .unwrap_or_default()
}

/// The `Logins` map for a federated user.
pub(crate) fn federation_logins(fed: &Federation) -> StringMap {
    StringMap::from([(fed.provider.clone(), fed.token.expose().clone())])
}

impl Shared {
    /// Whether credentials can be served from cache now.
    fn cached_credentials(&self, force: bool) -> Option<Answer> {
        let creds = self.identity.state.credentials.as_ref()?;
        let id = self.identity.state.identity_id.clone()?;
        let service_now = self.credentials_service_now_s();
        let lifetime = self.credentials_lifetime(creds.expiration_s);
        let skew = refresh_skew_s(self.config.tuning.refresh_skew_s, lifetime);
        (!force && service_now < creds.expiration_s.saturating_sub(skew)).then(|| {
            Answer::Credentials {
                identity_id: id,
                credentials: creds.clone(),
            }
        })
    }

    /// Answers a credentials / identity-id call from cache, or joins or starts a fetch.
    pub(crate) fn credentials_call(
        &mut self,
        out: &mut Outbox,
        op: OperationId,
        call: &ApiCall,
        logins: StringMap,
        custom_role_arn: Option<String>,
    ) {
        if self.config.identity_pool.is_none() {
            Shared::reply(
                out,
                op,
                Err(AuthError::NotConfigured {
                    what: "an identity pool".into(),
                }),
            );
            return;
        }
        match call {
            ApiCall::FetchIdentityId => {
                if let Some(id) = &self.identity.state.identity_id {
                    let answer = Answer::IdentityId {
                        identity_id: id.clone(),
                    };
                    Shared::reply(out, op, Ok(answer));
                    return;
                }
            }
            ApiCall::FetchCredentials { force_refresh } => {
                if let Some(answer) = self.cached_credentials(*force_refresh) {
                    Shared::reply(out, op, Ok(answer));
                    return;
                }
            }
            _ => {}
        }
        self.identity.waiters.push(Waiter {
            op,
            call: call.clone(),
        });
        self.start_identity_fetch(out, logins, custom_role_arn);
    }

    /// Starts a fetch unless one is running.
    pub(crate) fn start_identity_fetch(
        &mut self,
        out: &mut Outbox,
        logins: StringMap,
        custom_role_arn: Option<String>,
    ) {
        if self.identity.fetch.is_some() {
            return;
        }
        let Some(pool) = self.config.identity_pool.clone() else {
            return;
        };
        let logins = Secret::new(logins);
        let (step, wait) = match self.identity.state.identity_id.clone() {
            Some(identity_id) => (
                IdentityStep::GetCredentials,
                self.identity_call(
                    out,
                    IdentityRequest::GetCredentialsForIdentity {
                        identity_id,
                        logins: logins.clone(),
                        custom_role_arn: custom_role_arn.clone(),
                    },
                ),
            ),
            None => (
                IdentityStep::GetId,
                self.identity_call(
                    out,
                    IdentityRequest::GetId {
                        identity_pool_id: pool.pool_id,
                        logins: logins.clone(),
                    },
                ),
            ),
        };
        self.identity.fetch = Some(IdentityFetch {
            wait,
            step,
            logins,
            custom_role_arn,
            retried_get_id: false,
        });
    }

    /// Handles the result of the identity fetch in flight (routing sends only its results
    /// here, see `machine/routing.rs`).
    pub(crate) fn identity_result(
        &mut self,
        out: &mut Outbox,
        result: &Answered<IdentityResponse>,
    ) -> IdentityOutcome {
        let Some(mut fetch) = self.identity.fetch.take() else {
            return IdentityOutcome::Pending;
        };
        let result = match result {
            Ok(result) => result,
            Err(e) => return self.identity_failed(out, e.clone()),
        };
        match result {
            Ok(IdentityResponse::IdentityId { identity_id }) => {
                self.identity.state.identity_id = Some(identity_id.clone());
                fetch.step = IdentityStep::GetCredentials;
                fetch.wait = self.identity_call(
                    out,
                    IdentityRequest::GetCredentialsForIdentity {
                        identity_id: identity_id.clone(),
                        logins: fetch.logins.clone(),
                        custom_role_arn: fetch.custom_role_arn.clone(),
                    },
                );
                self.identity.fetch = Some(fetch);
                IdentityOutcome::Pending
            }
            Ok(IdentityResponse::Credentials {
                identity_id,
                credentials,
                service_time_s,
            }) => {
                if let Some(sent) = self
                    .identity
                    .state
                    .identity_id
                    .as_ref()
                    .filter(|s| *s != identity_id)
                {
                    // The login already had an identity: Cognito merged the one sent into it.
                    Shared::trace(out, format!("identity {sent} merged into {identity_id}"));
                }
                self.identity.state.identity_id = Some(identity_id.clone());
                self.identity.state.credentials = Some(credentials.clone());
                self.retry.credentials = 0;
                self.identity.refreshed_for_refusal = false;
                match service_time_s {
                    // The answer's `Date` is the service's clock: the credentials live
                    // `Expiration - Date`, judged on their own steady clock from here, whatever
                    // the device clock and the tokens' drift say.
                    Some(t) => {
                        self.identity.state.credentials_clock =
                            Some(CredentialsClock::received(*t, self.now));
                        self.identity.credentials_arrived = Some(self.now);
                        self.identity.credentials_lifetime_s =
                            Some(credentials.expiration_s.saturating_sub(*t));
                    }
                    // Credentials carry no issue time: their lifetime is what is left on
                    // receipt, on the service's clock as the tokens' drift estimates it (a
                    // guest who never had tokens: the device clock, carried forward from here
                    // on the monotonic one).
                    None => {
                        self.identity.state.credentials_clock = None;
                        if self.clock.drift_reference.is_none() {
                            self.clock.drift_reference = Some(self.now);
                        }
                        let service_now = self.clock.service_now_s(self.now);
                        self.identity.credentials_lifetime_s =
                            Some(credentials.expiration_s.saturating_sub(service_now));
                    }
                }
                let due = self.credentials_deadline(credentials.expiration_s);
                Shared::set_timer(out, TimerKind::CredentialsDue, due);
                let waiters = std::mem::take(&mut self.identity.waiters);
                Shared::answer_all(out, waiters, |w| match w.call {
                    ApiCall::FetchIdentityId => Ok(Answer::IdentityId {
                        identity_id: identity_id.clone(),
                    }),
                    _ => Ok(Answer::Credentials {
                        identity_id: identity_id.clone(),
                        credentials: credentials.clone(),
                    }),
                });
                IdentityOutcome::Got
            }
            Ok(IdentityResponse::OpenIdToken { .. }) => self.identity_failed(
                out,
                AuthError::UnexpectedResponse {
                    message: "GetOpenIdToken answer to a credentials request".into(),
                },
            ),
            Err(e)
                if (e.is(cognito_auth_wire::error_code::RESOURCE_NOT_FOUND)
                    || (e.is_not_authorized() && fetch.logins.expose().is_empty()))
                    && fetch.step == IdentityStep::GetCredentials
                    && !fetch.retried_get_id =>
            {
                // The identity was deleted or belongs to another pool, or (a guest refused:
                // "Logins don't match") a sign-in linked logins to it and the store lost that
                // session (a failed save, then a restart): get a new one, once.
                self.identity.state.identity_id = None;
                self.identity.state.credentials = None;
                self.identity.state.credentials_clock = None;
                let pool_id = self
                    .config
                    .identity_pool
                    .as_ref()
                    .map(|p| p.pool_id.clone())
                    .unwrap_or_default();
                fetch.step = IdentityStep::GetId;
                fetch.retried_get_id = true;
                fetch.wait = self.identity_call(
                    out,
                    IdentityRequest::GetId {
                        identity_pool_id: pool_id,
                        logins: fetch.logins.clone(),
                    },
                );
                self.identity.fetch = Some(fetch);
                IdentityOutcome::Pending
            }
            Err(e) if e.is_not_authorized() && !fetch.logins.expose().is_empty() => {
                IdentityOutcome::Rejected
            }
            Err(e) => {
                if e.is_retryable() {
                    let delay = self.backoff_ms(self.retry.credentials);
                    self.retry.credentials = self.retry.credentials.saturating_add(1);
                    Shared::set_timer(
                        out,
                        TimerKind::RetryCredentials,
                        self.now.mono_ms.saturating_add(delay),
                    );
                }
                self.identity_failed(out, AuthError::from(e))
            }
        }
    }

    pub(crate) fn identity_failed(&mut self, out: &mut Outbox, err: AuthError) -> IdentityOutcome {
        let waiters = std::mem::take(&mut self.identity.waiters);
        Shared::answer_all(out, waiters, |_| Err(err.clone()));
        IdentityOutcome::Failed
    }
}

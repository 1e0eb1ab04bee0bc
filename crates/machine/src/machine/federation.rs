//! Federated sign-in: an external provider's token (or a developer identity) exchanged for
//! identity-pool credentials.

use super::*;

impl Shared {
    pub(super) fn begin_federation(
        &mut self,
        out: &mut Outbox,
        op: OperationId,
        call: &ApiCall,
        replacing: Replacing,
    ) -> Outcome<State> {
        let ApiCall::FederatedSignIn {
            provider,
            token,
            identity_id,
            custom_role_arn,
        } = call
        else {
            return Super;
        };
        if self.config.identity_pool.is_none() {
            Shared::reply(
                out,
                op,
                Err(AuthError::NotConfigured {
                    what: "an identity pool".into(),
                }),
            );
            return Handled;
        }
        if provider.is_empty() || token.expose().is_empty() {
            Shared::reply(
                out,
                op,
                Err(AuthError::InvalidParameter {
                    message: "federated_sign_in needs a provider and a token".into(),
                }),
            );
            return Handled;
        }
        let federation = Federation {
            provider: provider.clone(),
            token: token.clone(),
            custom_role_arn: custom_role_arn.clone(),
            developer_identity: identity_id.is_some(),
        };
        // The same login keeps its identity; another login is another identity; developer
        // identities bring their own. The replaced session's identity comes back if this fails.
        let previous_identity = self.identity.clone();
        let same_login = match &replacing {
            Replacing::Active(f) | Replacing::Expired(f) => f.provider == *provider,
            Replacing::Nothing => false,
        };
        self.identity_fetch = None;
        self.identity.credentials = None;
        if identity_id.is_some() || !same_login {
            self.identity.identity_id.clone_from(identity_id);
        }
        self.credential_waiters.push(Waiter {
            op,
            call: ApiCall::FetchCredentials {
                force_refresh: true,
            },
        });
        let logins = federation_logins(&federation);
        self.start_identity_fetch(out, logins, custom_role_arn.clone());
        Transition(State::federating(FederationFlow {
            op,
            federation,
            replacing,
            previous_identity,
        }))
    }

    /// Where a failed federated sign-in returns: the session it was replacing, if any.
    pub(super) fn federation_origin(&mut self, fed: &FederationFlow) -> State {
        match &fed.replacing {
            Replacing::Nothing => {
                self.identity = Default::default();
                State::signed_out()
            }
            Replacing::Active(previous) => {
                self.identity = fed.previous_identity.clone();
                State::federated(previous.clone())
            }
            Replacing::Expired(previous) => {
                self.identity = fed.previous_identity.clone();
                State::federation_expired(previous.clone())
            }
        }
    }
}

//! Federated sign-in: an external provider's token (or a developer identity) exchanged for
//! identity-pool credentials.

use super::*;

impl Core {
    pub(super) fn begin_federation(
        &mut self,
        out: &mut Outbox,
        op: OperationId,
        call: &ApiCall,
        replacing_expired: bool,
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
            Core::reply(
                out,
                op,
                Err(AuthError::NotConfigured {
                    what: "an identity pool".into(),
                }),
            );
            return Handled;
        }
        if provider.is_empty() || token.expose().is_empty() {
            Core::reply(
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
        // A different login is a different identity; developer identities bring their own.
        self.identity_fetch = None;
        self.identity.credentials = None;
        if identity_id.is_some() || !replacing_expired {
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
            replacing_expired,
        }))
    }

    pub(super) fn federation_origin(&self, fed: &FederationFlow) -> State {
        if fed.replacing_expired {
            State::federation_expired(fed.federation.clone())
        } else {
            State::signed_out()
        }
    }
}

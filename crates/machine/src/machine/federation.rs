//! Federated sign-in: an external provider's token (or a developer identity) exchanged for
//! identity-pool credentials.

use super::*;

/// The login key of the OpenID tokens identity pools issue (developer-authenticated identities).
const DEVELOPER_LOGIN_KEY: &str = "cognito-identity.amazonaws.com";

/// What a user-pool-only call is told while the session is federated (Amplify answers these
/// with an invalid-state error too: there is no user-pool session to act on).
const NO_USER_POOL_SESSION: &str = "federated to an identity pool: there is no user-pool session";

impl Shared {
    /// Answers a user-pool-only call (tokens, account, devices, MFA, deletion) made while a
    /// federated session is active, expired or starting; false if `call` is not one.
    pub(super) fn refuse_user_pool_call(out: &mut Outbox, op: OperationId, call: &ApiCall) -> bool {
        let user_pool_only = matches!(call, ApiCall::FetchTokens { .. } | ApiCall::DeleteUser)
            || is_authorized_call(call);
        if user_pool_only {
            Shared::reply(
                out,
                op,
                Err(AuthError::invalid_state(call.name(), NO_USER_POOL_SESSION)),
            );
        }
        user_pool_only
    }
}

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
        // Developer-authenticated identities federate the OpenID token of a known identity:
        // without its id, GetId would mint an identity the backend never registered.
        if provider == DEVELOPER_LOGIN_KEY && identity_id.is_none() {
            Shared::reply(
                out,
                op,
                Err(AuthError::InvalidParameter {
                    message: "developer identities need developer_provided_identity_id".into(),
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
        // identities bring their own. A guest keeps the guest identity, as on a user-pool
        // sign-in: sent with the login, Cognito links the login to it or answers the identity
        // the login already has ("Switching unauthenticated users to authenticated users").
        // The replaced session's (or the guest's) identity comes back if this fails.
        let previous_identity = self.identity.state.clone();
        let keeps_identity = match &replacing {
            Replacing::Active(f) | Replacing::Expired(f) => f.provider == *provider,
            Replacing::Nothing => self.guest_allowed(),
        };
        self.identity.fetch = None;
        self.identity.state.credentials = None;
        self.identity.state.credentials_clock = None;
        if identity_id.is_some() || !keeps_identity {
            self.identity.state.identity_id.clone_from(identity_id);
        }
        self.identity.waiters.push(Waiter {
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
                // A guest goes back to the guest identity and its credentials.
                self.identity.state = if self.guest_allowed() {
                    fed.previous_identity.clone()
                } else {
                    Default::default()
                };
                State::signed_out()
            }
            Replacing::Active(previous) => {
                self.identity.state = fed.previous_identity.clone();
                State::federated(previous.clone())
            }
            Replacing::Expired(previous) => {
                self.identity.state = fed.previous_identity.clone();
                State::federation_expired(previous.clone())
            }
        }
    }
}

impl Shared {
    /// Ends the federated session locally (nothing is sent: the provider's session and the
    /// pool's identity stay). `clear_federation` is answered `Done`, `sign_out` with its report.
    pub(super) fn leave_federation(
        &mut self,
        out: &mut Outbox,
        op: OperationId,
        call: &ApiCall,
    ) -> State {
        let answer = match call {
            ApiCall::ClearFederation => Answer::Done,
            _ => Answer::SignedOut(SignOutReport::default()),
        };
        Shared::reply(out, op, Ok(answer));
        self.end_session(out)
    }
}

/// A federated sign-in in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FederationFlow {
    /// The call to answer.
    pub op: OperationId,
    /// The federation being established.
    pub federation: Federation,
    /// The federated session it replaces, if any; kept until the new token is accepted.
    pub replacing: Replacing,
    /// The identity state of the replaced session, restored if this sign-in fails.
    pub previous_identity: crate::session::IdentityState,
}

/// What a federated sign-in replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Replacing {
    /// Nobody was federated.
    Nothing,
    /// A working federated session (a new token for it, or another provider).
    Active(Federation),
    /// A federated session whose token had been refused (callers may be waiting).
    Expired(Federation),
}

impl Shared {
    pub(super) fn on_federating(
        &mut self,
        fed: &mut FederationFlow,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        match &event.event {
            Event::Completed {
                result: Resolved::Identity(result),
                ..
            } => match self.identity_result(context, result) {
                IdentityOutcome::Pending => Handled,
                IdentityOutcome::Got => {
                    let federation = fed.federation.clone();
                    self.persist(
                        context,
                        Snapshot {
                            federation: Some(&federation),
                            ..Snapshot::default()
                        },
                    );
                    Transition(State::federated(federation))
                }
                IdentityOutcome::Rejected => {
                    self.identity_failed(context, AuthError::FederationExpired);
                    Transition(self.federation_origin(fed))
                }
                IdentityOutcome::Failed => Transition(self.federation_origin(fed)),
            },
            Event::Command { op, call } => match call {
                ApiCall::FetchCredentials { .. } | ApiCall::FetchIdentityId => {
                    self.queue_waiter(context, *op, call);
                    Handled
                }
                ApiCall::SignOut(_) | ApiCall::ClearFederation => {
                    Transition(self.leave_federation(context, *op, call))
                }
                c if is_sign_in_call(c) => {
                    Shared::reply(
                        context,
                        *op,
                        Err(AuthError::invalid_state(
                            c.name(),
                            "a federated sign-in is in progress",
                        )),
                    );
                    Handled
                }
                c if Shared::refuse_user_pool_call(context, *op, c) => Handled,
                _ => Super,
            },
            _ => Super,
        }
    }
}

impl Shared {
    pub(super) fn on_federated(
        &mut self,
        federation: &mut Federation,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        match &event.event {
            Event::Command { op, call } => match call {
                ApiCall::FetchCredentials { .. } | ApiCall::FetchIdentityId => {
                    let logins = federation_logins(federation);
                    let role = federation.custom_role_arn.clone();
                    self.credentials_call(context, *op, call, logins, role);
                    Handled
                }
                ApiCall::FederatedSignIn { .. } => {
                    let replacing = Replacing::Active(federation.clone());
                    self.begin_federation(context, *op, call, replacing)
                }
                ApiCall::SignOut(_) | ApiCall::ClearFederation => {
                    Transition(self.leave_federation(context, *op, call))
                }
                ApiCall::SignIn { .. } | ApiCall::SignInWithWebUi { .. } => {
                    Shared::reply(
                        context,
                        *op,
                        Err(AuthError::invalid_state(
                            call.name(),
                            "federated: call clear_federation first",
                        )),
                    );
                    Handled
                }
                c if Shared::refuse_user_pool_call(context, *op, c) => Handled,
                _ => Super,
            },
            Event::Completed {
                result: Resolved::Identity(result),
                ..
            } => match self.identity_result(context, result) {
                IdentityOutcome::Got => {
                    let federation = federation.clone();
                    self.persist(
                        context,
                        Snapshot {
                            federation: Some(&federation),
                            ..Snapshot::default()
                        },
                    );
                    Handled
                }
                IdentityOutcome::Rejected => {
                    let federation = federation.clone();
                    self.persist(
                        context,
                        Snapshot {
                            federation: Some(&federation),
                            federation_invalid: true,
                            ..Snapshot::default()
                        },
                    );
                    Transition(State::federation_expired(federation))
                }
                IdentityOutcome::Pending | IdentityOutcome::Failed => Handled,
            },
            Event::TimerFired {
                timer: TimerKind::CredentialsDue | TimerKind::RetryCredentials,
            } => {
                let logins = federation_logins(federation);
                let role = federation.custom_role_arn.clone();
                self.start_identity_fetch(context, logins, role);
                Handled
            }
            _ => Super,
        }
    }
}

//! What the state handlers share: statig's hooks, the waiting callers, the way back from a
//! failed sign-in, and starting one.

use super::*;

impl Shared {
    pub(super) fn before_dispatch(
        &mut self,
        _state: StateOrSuperstate<'_, State, Superstate<'_>>,
        event: &Routed,
    ) {
        self.now = event.at;
        // The result has been routed (`Shared::route`): its entry is done with.
        if let Event::Completed { effect_id, .. } = &event.event {
            self.effects.awaiting.remove(effect_id);
        }
    }

    pub(super) fn after_transition(
        &mut self,
        _source: &State,
        target: &State,
        _context: &mut Outbox,
    ) {
        self.state_label = target.label();
    }

    pub(crate) fn guest_allowed(&self) -> bool {
        self.config
            .identity_pool
            .as_ref()
            .is_some_and(|p| p.allow_guest)
    }

    /// Queues a call until tokens or credentials can be served. A credentials call without an
    /// identity pool could never be served, so it is answered at once.
    pub(super) fn queue_waiter(&mut self, out: &mut Outbox, op: OperationId, call: &ApiCall) {
        let w = Waiter {
            op,
            call: call.clone(),
        };
        match call {
            ApiCall::FetchCredentials { .. } | ApiCall::FetchIdentityId
                if self.config.identity_pool.is_none() =>
            {
                Shared::reply(
                    out,
                    op,
                    Err(AuthError::NotConfigured {
                        what: "an identity pool".into(),
                    }),
                );
            }
            ApiCall::FetchCredentials { .. } | ApiCall::FetchIdentityId => {
                self.identity.waiters.push(w);
            }
            _ => self.session.token_waiters.push(w),
        }
    }

    pub(super) fn release_waiters(&mut self, out: &mut Outbox, op: OperationId) {
        self.fail_waiters(out, &AuthError::SignInWaitReleased);
        Shared::reply(out, op, Ok(Answer::Done));
    }

    /// The state a failed sign-in returns to. Credential callers that waited for the sign-in
    /// to end are served as a guest (or told nobody is signed in); token callers of an expired
    /// session keep waiting for the next sign-in.
    pub(super) fn return_to_origin(&mut self, out: &mut Outbox, origin: &Origin) -> State {
        match origin {
            Origin::SignedOut => {
                if !self.identity.waiters.is_empty() {
                    if self.guest_allowed() {
                        self.start_identity_fetch(out, Default::default(), None);
                    } else {
                        let waiters = std::mem::take(&mut self.identity.waiters);
                        Shared::answer_all(out, waiters, |_| Err(AuthError::NotSignedIn));
                    }
                }
                State::signed_out()
            }
            Origin::SessionExpired { username } => State::session_expired(username.clone()),
        }
    }

    /// Starts a sign-in (password flows or the hosted UI) from `origin`.
    pub(super) fn begin_sign_in(
        &mut self,
        out: &mut Outbox,
        op: OperationId,
        call: &ApiCall,
        origin: Origin,
    ) -> Outcome<State> {
        match call {
            ApiCall::SignIn {
                username,
                password,
                flow,
                preferred_challenge,
                client_metadata,
            } => {
                let auth_flow = flow.unwrap_or_else(|| {
                    self.config
                        .user_pool
                        .as_ref()
                        .map(|p| p.auth_flow)
                        .unwrap_or_default()
                });
                let attempt = Attempt::new(
                    op,
                    username.clone(),
                    password.clone(),
                    auth_flow,
                    preferred_challenge.clone(),
                    client_metadata.clone(),
                    origin,
                );
                Transition(self.start_sign_in(out, attempt))
            }
            ApiCall::SignInWithWebUi {
                identity_provider,
                scopes,
                federation_provider_name,
            } => match self.start_web(
                identity_provider.as_deref(),
                scopes,
                federation_provider_name.as_deref(),
                origin.clone(),
            ) {
                Ok((web, url)) => {
                    // Fire and forget: nothing waits for the browser.
                    self.effects
                        .issue_unanswered(out, Effect::OpenUrl { url: url.clone() });
                    Shared::reply(out, op, Ok(Answer::OpenUrl { url }));
                    Transition(State::awaiting_web_redirect(web))
                }
                Err(e) => {
                    Shared::reply(out, op, Err(e));
                    Transition(self.return_to_origin(out, &origin))
                }
            },
            _ => Super,
        }
    }
}

pub(super) fn cancel_flow_op(out: &mut Outbox, op: Option<OperationId>) {
    cancel_with(
        out,
        op,
        AuthError::Cancelled {
            reason: "a newer call replaced this sign-in".into(),
        },
    );
}

pub(super) fn cancel_with(out: &mut Outbox, op: Option<OperationId>, err: AuthError) {
    if let Some(op) = op {
        Shared::reply(out, op, Err(err));
    }
}

//! The signed-in session's life: restoring it, completing a sign-in, refreshing tokens (single
//! flight, backoff on failure) and the refresh token's death (signedOutUserPoolsTokenInvalid).

use super::sign_in::Origin;
use super::*;
use crate::config::RefreshTokenRotation;
use crate::session::{IdentityState, Issuance};

/// What the user-pool session keeps across its states.
#[derive(Debug, Default)]
pub(crate) struct SessionSide {
    /// Calls waiting for tokens (a refresh, or a new sign-in after the refresh token died).
    pub(crate) token_waiters: Vec<Waiter>,
    /// The app client rotates refresh tokens (see [`PersistedSession::refresh_rotation`]).
    pub(crate) refresh_rotation: bool,
    /// Sign-outs asked for while a sign-out or a `delete_user` was in flight: they wait for it
    /// and are answered with its outcome (a deletion that fails then runs the first of them).
    pub(crate) joined_sign_outs: Vec<(OperationId, SignOutOptions)>,
}

impl Shared {
    pub(super) fn restore(&mut self, out: &mut Outbox, session: PersistedSession) -> State {
        // A session stored by an app with another user pool or app client (one session file
        // shared by two configurations) is not this app's: nothing of it is used, and it is
        // left as stored until this app has a session of its own to write.
        if let Some(why) = self.another_apps_session(&session) {
            Shared::trace(
                out,
                format!("stored session is another app's, starting signed out: {why}"),
            );
            return State::signed_out();
        }
        self.devices = session.devices;
        self.identity.state = session.identity;
        // Credentials that came with the service's clock count from the restore on their own
        // clock, due at once if the wall clock went back behind their `Date` meanwhile.
        self.identity.credentials_arrived = self
            .identity
            .state
            .credentials
            .as_ref()
            .zip(self.identity.state.credentials_clock.as_ref())
            .map(|(creds, clock)| clock.restored(creds.expiration_s, self.now));
        self.session.refresh_rotation = session.refresh_rotation;
        if let Some(fed) = session.federation {
            return if session.federation_invalid {
                State::federation_expired(fed)
            } else {
                State::federated(fed)
            };
        }
        let Some(tokens) = session.tokens else {
            return State::signed_out();
        };
        if session.tokens_invalid {
            return State::session_expired(tokens.username.to_string());
        }
        // A restore starts a new monotonic clock: the wall clock and the persisted drift judge
        // the tokens now (unless the clock went back, see `Tokens::restored`), and the
        // monotonic clock from here on.
        let tokens = tokens.restored(self.now);
        // Persisted credentials are judged on the same clock (the persisted drift, from the
        // restored tokens' arrival): after a clock that went back, as due as the tokens.
        self.clock.measured_by(&tokens);
        let session = UserSession {
            tokens,
            hosted_ui: session.hosted_ui,
            federation_provider_name: session.federation_provider_name,
        };
        if self.tokens_fresh(&session.tokens) {
            self.arm_tokens_due(out, &session.tokens);
            State::fresh(session)
        } else {
            self.start_refresh(out, session)
        }
    }

    /// Signed in: answer the app and everyone waiting, persist, arm the refresh timer.
    pub(super) fn complete_sign_in(
        &mut self,
        out: &mut Outbox,
        op: Option<OperationId>,
        tokens: Tokens,
        hosted_ui: bool,
        federation_provider_name: Option<String>,
        origin: &Origin,
    ) -> State {
        if let Some(op) = op {
            Shared::reply(
                out,
                op,
                Ok(Answer::SignIn {
                    next_step: SignInStep::Done,
                }),
            );
        }
        self.hand_over_identity(out, origin);
        self.retry.tokens = 0;
        let tokens = self.accept_tokens(tokens);
        let session = UserSession {
            tokens,
            hosted_ui,
            federation_provider_name,
        };
        self.persist_session(out, &session);
        self.arm_tokens_due(out, &session.tokens);
        self.resume_after_tokens(out, session)
    }

    /// The identity a sign-in starts with. A guest who signs in keeps the guest identity id:
    /// the first credentials call sends it with the new login, and Cognito links the login to
    /// it or answers the identity the login already belongs to, into which the guest identity
    /// is merged ("Switching unauthenticated users to authenticated users"); whichever id it
    /// answers is adopted. Anyone else starts without one, so a user never inherits the
    /// identity of the user before (sign-out and an expired session clear it anyway).
    fn hand_over_identity(&mut self, out: &mut Outbox, origin: &Origin) {
        let guest_id = match origin {
            Origin::SignedOut if self.guest_allowed() => self.identity.state.identity_id.take(),
            Origin::SignedOut | Origin::SessionExpired { .. } => None,
        };
        let had_credentials = self.identity.state.credentials.is_some();
        self.identity.state = IdentityState {
            identity_id: guest_id,
            ..IdentityState::default()
        };
        self.identity.fetch = None;
        self.retry.credentials = 0;
        self.identity.refreshed_for_refusal = false;
        if had_credentials {
            // The guest credentials' refresh schedule is not the user's.
            for timer in [TimerKind::CredentialsDue, TimerKind::RetryCredentials] {
                Shared::cancel_timer(out, timer);
            }
        }
    }

    /// Fresh tokens arrived: answer token waiters, run deferred calls, fetch credentials for
    /// whoever waits for them. A deferred `delete_user` changes state, so it decides the state
    /// to go to: `deleting_user` rather than `fresh`.
    pub(super) fn resume_after_tokens(&mut self, out: &mut Outbox, session: UserSession) -> State {
        let mut deletion = None;
        for w in std::mem::take(&mut self.session.token_waiters) {
            match &w.call {
                ApiCall::FetchTokens { .. } => {
                    Shared::reply(out, w.op, Ok(Answer::Tokens(session.tokens.clone())));
                }
                ApiCall::DeleteUser if deletion.is_none() => deletion = Some(w.op),
                ApiCall::DeleteUser => Shared::reply(
                    out,
                    w.op,
                    Err(AuthError::invalid_state("delete_user", "deleting the user")),
                ),
                call => self.authorized_call(out, w.op, call, &session.tokens),
            }
        }
        if !self.identity.waiters.is_empty() && self.config.identity_pool.is_some() {
            let logins = session_logins(self, &session);
            self.start_identity_fetch(out, logins, None);
        }
        match deletion {
            Some(op) => {
                let wait = self.user_pool(
                    out,
                    UserPoolRequest::DeleteUser {
                        access_token: session.tokens.access_token.clone(),
                    },
                    Awaiting::Outcome,
                );
                State::deleting_user(session, wait, op)
            }
            None => State::fresh(session),
        }
    }

    pub(super) fn persist_session(&mut self, out: &mut Outbox, session: &UserSession) {
        self.persist(
            out,
            Snapshot {
                tokens: Some(&session.tokens),
                hosted_ui: session.hosted_ui,
                federation_provider_name: session.federation_provider_name.as_deref(),
                ..Snapshot::default()
            },
        );
    }

    /// Sends the refresh: REFRESH_TOKEN_AUTH or GetTokensFromRefreshToken (`refresh_request`),
    /// or the token endpoint for a hosted-UI session (single flight: callers already queued).
    pub(super) fn start_refresh(&mut self, out: &mut Outbox, session: UserSession) -> State {
        Shared::cancel_timer(out, TimerKind::RetryTokens);
        let effect = self.oauth_refresh_request(&session).or_else(|| {
            refresh_request(self, &session.tokens).map(|request| Effect::UserPool { request })
        });
        match effect {
            Some(effect) => {
                let wait = self.effects.issue(out, effect, Awaiting::Refresh);
                State::refreshing(session, wait)
            }
            None => self.expire_session(out, &session),
        }
    }

    pub(super) fn on_refresh_result(
        &mut self,
        out: &mut Outbox,
        session: &UserSession,
        result: &Answered<AuthResponse>,
    ) -> State {
        match result {
            Ok(Ok(resp)) => {
                let Some(r) = &resp.authentication_result else {
                    return self.refresh_failed(
                        out,
                        session,
                        AuthError::UnexpectedResponse {
                            message: "refresh answered with a challenge".into(),
                        },
                    );
                };
                let refresh = r
                    .refresh_token
                    .clone()
                    .or_else(|| session.tokens.refresh_token.clone());
                match Tokens::refreshed(
                    &session.tokens,
                    r.access_token.clone(),
                    r.id_token.clone(),
                    refresh,
                ) {
                    Ok(tokens) => {
                        self.retry.tokens = 0;
                        let session = UserSession {
                            tokens: self.accept_tokens(tokens),
                            hosted_ui: session.hosted_ui,
                            federation_provider_name: session.federation_provider_name.clone(),
                        };
                        self.persist_session(out, &session);
                        self.arm_tokens_due(out, &session.tokens);
                        self.resume_after_tokens(out, session)
                    }
                    Err(e) => self.refresh_failed(
                        out,
                        session,
                        AuthError::UnexpectedResponse {
                            message: format!("tokens: {e}"),
                        },
                    ),
                }
            }
            Ok(Err(e))
                if self.config.tuning.refresh_token_rotation == RefreshTokenRotation::Auto
                    && !self.session.refresh_rotation
                    && !session.hosted_ui
                    && e.wants_get_tokens_from_refresh_token() =>
            {
                // The client rotates refresh tokens: switch for good, and remember it.
                self.session.refresh_rotation = true;
                self.start_refresh(out, session.clone())
            }
            Ok(Err(e)) => self.on_refresh_error(out, session, e),
            Err(e) => self.refresh_failed(out, session, e.clone()),
        }
    }

    /// The refresh failed without a definitive rejection: keep the user, back off, retry.
    pub(super) fn refresh_failed(
        &mut self,
        out: &mut Outbox,
        session: &UserSession,
        err: AuthError,
    ) -> State {
        let delay = self.backoff_ms(self.retry.tokens);
        self.retry.tokens = self.retry.tokens.saturating_add(1);
        Shared::set_timer(
            out,
            TimerKind::RetryTokens,
            self.now.mono_ms.saturating_add(delay),
        );
        self.refresh_gave_up(out, session, err)
    }

    /// The refresh failed and no retry is due by itself: answer whoever waited (with the
    /// cached tokens while they last, else `err`) and stay signed in as `stale`.
    pub(super) fn refresh_gave_up(
        &mut self,
        out: &mut Outbox,
        session: &UserSession,
        err: AuthError,
    ) -> State {
        let usable = self.tokens_usable(&session.tokens);
        for w in std::mem::take(&mut self.session.token_waiters) {
            match &w.call {
                // Callers who forced a refresh asked for new tokens, not the cached ones.
                ApiCall::FetchTokens {
                    force_refresh: false,
                } if usable => {
                    Shared::reply(out, w.op, Ok(Answer::Tokens(session.tokens.clone())));
                }
                call if usable && is_authorized_call(call) => {
                    self.authorized_call(out, w.op, call, &session.tokens);
                }
                _ => Shared::reply(out, w.op, Err(err.clone())),
            }
        }
        if usable && !self.identity.waiters.is_empty() {
            let logins = session_logins(self, session);
            self.start_identity_fetch(out, logins, None);
        } else {
            let creds = std::mem::take(&mut self.identity.waiters);
            Shared::answer_all(out, creds, |_| Err(err.clone()));
        }
        State::stale(session.clone())
    }

    /// The refresh token was rejected: signedOutUserPoolsTokenInvalid. Token and credential
    /// callers keep waiting for a new sign-in; other calls fail.
    pub(super) fn expire_session(&mut self, out: &mut Outbox, session: &UserSession) -> State {
        for w in std::mem::take(&mut self.session.token_waiters) {
            if matches!(w.call, ApiCall::FetchTokens { .. }) {
                self.session.token_waiters.push(w);
            } else {
                Shared::reply(out, w.op, Err(AuthError::SessionExpired));
            }
        }
        self.identity.state = Default::default();
        self.identity.fetch = None;
        for timer in [TimerKind::TokensDue, TimerKind::RetryTokens] {
            Shared::cancel_timer(out, timer);
        }
        self.persist(
            out,
            Snapshot {
                tokens: Some(&session.tokens),
                tokens_invalid: true,
                hosted_ui: session.hosted_ui,
                federation_provider_name: session.federation_provider_name.as_deref(),
                ..Snapshot::default()
            },
        );
        State::session_expired(session.tokens.username.to_string())
    }
}

/// A user-pool session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSession {
    /// The tokens.
    pub tokens: Tokens,
    /// Signed in through the hosted UI.
    pub hosted_ui: bool,
    /// Signed in through a custom OAuth provider whose id token the identity pool accepts
    /// under this login key (AWSMobileClient's `federationProviderName`); credentials are
    /// asked for with it instead of the user pool's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_provider_name: Option<String>,
}

impl Shared {
    pub(super) fn on_signed_in(
        &mut self,
        session: &mut UserSession,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        match &event.event {
            Event::Command { op, call } => match call {
                c if is_sign_in_call(c) => {
                    Shared::reply(context, *op, Err(AuthError::AlreadySignedIn));
                    Handled
                }
                ApiCall::SignOut(options) => {
                    Transition(self.begin_sign_out(context, *op, *options, session.clone()))
                }
                ApiCall::FetchCredentials { .. } | ApiCall::FetchIdentityId => {
                    if self.config.identity_pool.is_none() || self.tokens_usable(&session.tokens) {
                        let logins = session_logins(self, session);
                        self.credentials_call(context, *op, call, logins, None);
                        Handled
                    } else {
                        self.identity.waiters.push(Waiter {
                            op: *op,
                            call: call.clone(),
                        });
                        Transition(self.start_refresh(context, session.clone()))
                    }
                }
                c if is_authorized_call(c) || matches!(c, ApiCall::DeleteUser) => {
                    if self.tokens_usable(&session.tokens) {
                        if matches!(c, ApiCall::DeleteUser) {
                            let wait = self.user_pool(
                                context,
                                UserPoolRequest::DeleteUser {
                                    access_token: session.tokens.access_token.clone(),
                                },
                                Awaiting::Outcome,
                            );
                            return Transition(State::deleting_user(session.clone(), wait, *op));
                        }
                        self.authorized_call(context, *op, c, &session.tokens);
                        Handled
                    } else {
                        self.queue_waiter(context, *op, c);
                        Transition(self.start_refresh(context, session.clone()))
                    }
                }
                ApiCall::ReleaseSignInWait => {
                    Shared::reply(context, *op, Ok(Answer::Done));
                    Handled
                }
                _ => Super,
            },
            Event::Completed {
                result: Resolved::Identity(result),
                ..
            } => {
                match self.identity_result(context, result) {
                    IdentityOutcome::Got => self.persist_session(context, session),
                    IdentityOutcome::Rejected => {
                        self.identity_failed(
                            context,
                            AuthError::Service {
                                code: "NotAuthorized".into(),
                                message: "the identity pool refused the user pool's id token"
                                    .into(),
                            },
                        );
                    }
                    IdentityOutcome::Pending | IdentityOutcome::Failed => {}
                }
                Handled
            }
            Event::Completed {
                result: Resolved::Call { op, kind, result },
                ..
            } => {
                if self.finish_call(context, *op, kind, result) {
                    self.persist_session(context, session);
                }
                Handled
            }
            Event::TimerFired {
                timer: TimerKind::CredentialsDue | TimerKind::RetryCredentials,
            } if self.identity.state.identity_id.is_some() => {
                if self.tokens_usable(&session.tokens) {
                    let logins = session_logins(self, session);
                    self.start_identity_fetch(context, logins, None);
                }
                Handled
            }
            _ => Super,
        }
    }
}

impl Shared {
    /// Why `session` belongs to another user pool or app client than the configured ones (the
    /// user pool's, and the hosted UI's when it names another), when its access token says so
    /// (see [`Issuance::mismatch`]).
    fn another_apps_session(&self, session: &PersistedSession) -> Option<String> {
        let pool = self.config.user_pool.as_ref()?;
        let tokens = session.tokens.as_ref()?;
        let mut clients = vec![pool.app_client_id.as_str()];
        if let Some(oauth) = &self.config.oauth {
            clients.push(oauth.app_client_id.as_str());
        }
        Issuance::of(tokens.access_token.expose())
            .ok()?
            .mismatch(pool, &clients)
    }
}

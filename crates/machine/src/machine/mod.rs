//! The state machine: states named for what they wait for, built on `statig`.
//!
//! ```text
//! any
//! ├── restoring                      waiting for the stored session
//! ├── signed_out                     no user (reported as Guest when the identity pool allows it)
//! ├── signing_in {attempt}
//! │   ├── computing_srp_a            the engine computes SRP_A (and keeps the ephemeral)
//! │   ├── initiating_auth            InitiateAuth in flight
//! │   ├── responding_to_challenge    RespondToAuthChallenge in flight
//! │   ├── computing_claim            the engine computes the SRP claim signature
//! │   ├── awaiting_challenge_answer  waiting for the app's confirm_sign_in
//! │   ├── setting_up_totp            AssociateSoftwareToken / VerifySoftwareToken in flight
//! │   ├── computing_device_verifier  the engine makes a new device's verifier
//! │   └── confirming_device          ConfirmDevice in flight
//! ├── awaiting_web_redirect          hosted UI opened; waiting for handle_redirect
//! ├── exchanging_code                hosted UI code -> tokens in flight
//! ├── signed_in {session}
//! │   ├── fresh                      tokens valid; refresh timer armed
//! │   ├── refreshing                 REFRESH_TOKEN_AUTH in flight; callers join it
//! │   └── stale                      refresh failed, not rejected; retrying (docs/RETRIES.md)
//! ├── deleting_user                  DeleteUser in flight
//! ├── session_expired                signedOutUserPoolsTokenInvalid: callers wait for a sign-in
//! ├── federating                     identity-pool sign-in with an external token in flight
//! ├── federated                      identity-pool session from an external provider
//! ├── federation_expired             signedOutFederatedTokensInvalid: waiting for a new token
//! └── signing_out                    GlobalSignOut / RevokeToken / hosted-UI logout in flight
//! ```

// statig generates `State` and `Superstate` from the handlers below; the tree above documents them.
#![allow(missing_docs)]

mod account;
mod federation;
mod identity;
mod retry;
mod routing;
mod session;
pub(crate) mod shared;
pub(crate) mod sign_in;
mod sign_out;
mod states;
pub mod table;
mod transitions;
mod web;

use serde::{Deserialize, Serialize};
use statig::prelude::*;

use self::account::{
    is_authorized_call, is_identity_call, is_sign_in_call, needs_fresh_tokens, refresh_request,
};
pub use self::federation::{FederationFlow, Replacing};
use self::identity::{federation_logins, session_logins, IdentityOutcome};
use self::routing::{Answered, Awaiting, Event, Resolved, Routed};
pub use self::session::UserSession;
use self::shared::{Outbox, Shared, Snapshot, Waiter};
use self::sign_in::challenge::ConfirmSignIn;
use self::sign_in::{
    Attempt, AwaitingAnswer, ComputingClaim, ComputingSrpA, ConfirmingDevice, InitiatingAuth,
    NewDevice, Origin, RespondingToChallenge, SettingUpTotp,
};
pub use self::sign_in::{Challenge, Origin as SignInOrigin};
pub use self::sign_out::SignOutPlan;
use self::transitions::{cancel_flow_op, cancel_with};
use self::web::Redirect;
pub use self::web::WebFlow;
use crate::cognito::{AuthResponse, OAuthTokenResponse, UserPoolRequest};
use crate::error::AuthError;
use crate::input::{ApiCall, SignOutOptions};
use crate::output::{Answer, Effect, EffectId, OperationId, SignInStep, SignOutReport, TimerKind};
use crate::session::{Federation, PersistedSession, Tokens};

#[state_machine(
    initial = "State::restoring()",
    state(derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)),
    superstate(derive(Debug)),
    before_dispatch = "Self::before_dispatch",
    after_transition = "Self::after_transition"
)]
impl Shared {
    // ----------------------------------------------------------------- any

    /// Calls valid everywhere, results no state took (`Shared::on_unowned_result`), and the
    /// default answer for a call that the state does not take.
    #[superstate]
    fn any(&mut self, context: &mut Outbox, event: &Routed) -> Outcome<State> {
        match &event.event {
            Event::Command { op, call } => {
                if self.unauthenticated_call(context, *op, call) {
                    return Handled;
                }
                let result = match call {
                    ApiCall::ReleaseSignInWait | ApiCall::ClearFederation => Ok(Answer::Done),
                    ApiCall::SignOut(_) => Ok(Answer::SignedOut(SignOutReport::default())),
                    ApiCall::FetchTokens { .. } => Err(AuthError::NotSignedIn),
                    c if is_authorized_call(c) || matches!(c, ApiCall::DeleteUser) => {
                        Err(AuthError::NotSignedIn)
                    }
                    c => Err(AuthError::invalid_state(c.name(), self.state_label)),
                };
                Shared::reply(context, *op, result);
                Handled
            }
            Event::Completed { effect_id, result } => {
                self.on_unowned_result(context, *effect_id, result);
                Handled
            }
            Event::TimerFired { timer } => {
                Shared::trace(context, format!("timer {timer:?} not needed"));
                Handled
            }
            // Only a return to the network changes anything (a refresh retried at once, in
            // `stale`); going offline is learnt from failed requests, which retry with backoff.
            Event::Connectivity { .. } => Handled,
        }
    }

    // ----------------------------------------------------------- restoring

    #[state(superstate = "any", entry_action = "enter_restoring")]
    fn restoring(&mut self, context: &mut Outbox, event: &Routed) -> Outcome<State> {
        match &event.event {
            Event::Completed {
                result: Resolved::Loaded(loaded),
                ..
            } => match loaded {
                Ok(Some(session)) => Transition(self.restore(context, session.clone())),
                Ok(None) => Transition(State::signed_out()),
                Err(e) => {
                    Shared::trace(
                        context,
                        format!(
                            "stored session unreadable, starting signed out: {}",
                            e.message
                        ),
                    );
                    Transition(State::signed_out())
                }
            },
            _ => Super,
        }
    }

    #[action]
    fn enter_restoring(&mut self, context: &mut Outbox) {
        self.effects
            .issue(context, Effect::LoadSession, Awaiting::Load);
    }

    // ---------------------------------------------------------- signed_out

    #[state(superstate = "any")]
    fn signed_out(&mut self, context: &mut Outbox, event: &Routed) -> Outcome<State> {
        match &event.event {
            Event::Command { op, call } => match call {
                ApiCall::SignIn { .. } | ApiCall::SignInWithWebUi { .. } => {
                    self.begin_sign_in(context, *op, call, Origin::SignedOut)
                }
                ApiCall::FederatedSignIn { .. } => {
                    self.begin_federation(context, *op, call, Replacing::Nothing)
                }
                ApiCall::FetchCredentials { .. } | ApiCall::FetchIdentityId => {
                    if self.guest_allowed() {
                        self.credentials_call(context, *op, call, Default::default(), None);
                    } else if self.config.identity_pool.is_some() {
                        Shared::reply(context, *op, Err(AuthError::NotSignedIn));
                    } else {
                        Shared::reply(
                            context,
                            *op,
                            Err(AuthError::NotConfigured {
                                what: "an identity pool".into(),
                            }),
                        );
                    }
                    Handled
                }
                _ => Super,
            },
            Event::Completed {
                result: Resolved::Identity(result),
                ..
            } => {
                match self.identity_result(context, result) {
                    IdentityOutcome::Got => self.persist(context, Snapshot::default()),
                    IdentityOutcome::Rejected => {
                        self.identity_failed(context, AuthError::NotSignedIn);
                    }
                    IdentityOutcome::Pending | IdentityOutcome::Failed => {}
                }
                Handled
            }
            Event::TimerFired {
                timer: TimerKind::CredentialsDue | TimerKind::RetryCredentials,
            } if self.guest_allowed() && self.identity.state.identity_id.is_some() => {
                self.start_identity_fetch(context, Default::default(), None);
                Handled
            }
            _ => Super,
        }
    }

    // ---------------------------------------------------------- signing_in

    /// Calls that arrive while a sign-in is under way.
    #[superstate(superstate = "any")]
    fn signing_in(
        &mut self,
        attempt: &mut Attempt,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        let Event::Command { op, call } = &event.event else {
            return Super;
        };
        match call {
            ApiCall::SignIn { .. } | ApiCall::SignInWithWebUi { .. } => {
                // A new sign-in replaces the one in progress.
                cancel_flow_op(context, attempt.op.take());
                self.begin_sign_in(context, *op, call, attempt.origin.clone())
            }
            ApiCall::ConfirmSignIn { .. } => {
                Shared::reply(
                    context,
                    *op,
                    Err(AuthError::invalid_state(
                        "confirm_sign_in",
                        "a sign-in step is in progress",
                    )),
                );
                Handled
            }
            ApiCall::SignOut(_) => {
                cancel_flow_op(context, attempt.op.take());
                Transition(self.sign_out_locally(context, *op))
            }
            ApiCall::ReleaseSignInWait => {
                self.release_waiters(context, *op);
                Handled
            }
            ApiCall::FetchTokens { .. }
            | ApiCall::FetchCredentials { .. }
            | ApiCall::FetchIdentityId
                if matches!(attempt.origin, Origin::SessionExpired { .. }) =>
            {
                self.queue_waiter(context, *op, call);
                Handled
            }
            ApiCall::FetchCredentials { .. } | ApiCall::FetchIdentityId if self.guest_allowed() => {
                // Answered once the sign-in ends, with the identity it ends in.
                self.queue_waiter(context, *op, call);
                Handled
            }
            ApiCall::FederatedSignIn { .. } => {
                Shared::reply(
                    context,
                    *op,
                    Err(AuthError::invalid_state(
                        "federated_sign_in",
                        "a user-pool sign-in is in progress",
                    )),
                );
                Handled
            }
            _ => Super,
        }
    }

    #[state(superstate = "signing_in")]
    fn computing_srp_a(
        &mut self,
        attempt: &mut Attempt,
        step: &mut ComputingSrpA,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        self.on_srp_a_step((attempt, step), context, event, Self::on_srp_a)
    }

    #[state(superstate = "signing_in")]
    fn initiating_auth(
        &mut self,
        attempt: &mut Attempt,
        step: &mut InitiatingAuth,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        self.on_auth_step((attempt, step), context, event, Self::on_initiated)
    }

    #[state(superstate = "signing_in")]
    fn responding_to_challenge(
        &mut self,
        attempt: &mut Attempt,
        step: &mut RespondingToChallenge,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        self.on_auth_step((attempt, step), context, event, Self::on_responded)
    }

    #[state(superstate = "signing_in")]
    fn computing_claim(
        &mut self,
        attempt: &mut Attempt,
        step: &mut ComputingClaim,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        self.on_srp_step((attempt, step), context, event, Self::on_claim)
    }

    #[state(superstate = "signing_in")]
    fn awaiting_challenge_answer(
        &mut self,
        attempt: &mut Attempt,
        step: &mut AwaitingAnswer,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        match &event.event {
            Event::Command {
                op,
                call:
                    ApiCall::ConfirmSignIn {
                        answer,
                        user_attributes,
                        client_metadata,
                    },
            } => {
                let confirm = ConfirmSignIn {
                    op: *op,
                    answer,
                    attributes: user_attributes,
                    metadata: client_metadata,
                };
                let (attempt, step) = (attempt.clone(), step.clone());
                Transition(self.confirm_sign_in(context, attempt, step, &confirm))
            }
            _ => Super,
        }
    }

    #[state(superstate = "signing_in")]
    fn setting_up_totp(
        &mut self,
        attempt: &mut Attempt,
        step: &mut SettingUpTotp,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        self.on_user_pool_step((attempt, step), context, event, Self::on_totp_setup)
    }

    #[state(superstate = "signing_in")]
    fn computing_device_verifier(
        &mut self,
        attempt: &mut Attempt,
        step: &mut NewDevice,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        self.on_srp_step((attempt, step), context, event, Self::on_device_verifier)
    }

    #[state(superstate = "signing_in")]
    fn confirming_device(
        &mut self,
        attempt: &mut Attempt,
        step: &mut ConfirmingDevice,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        self.on_user_pool_step((attempt, step), context, event, Self::on_device_confirmed)
    }

    // ------------------------------------------------------------ web UI

    #[state(superstate = "any")]
    fn awaiting_web_redirect(
        &mut self,
        web: &mut WebFlow,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        let Event::Command { op, call } = &event.event else {
            return Super;
        };
        match call {
            ApiCall::HandleRedirect { url } => {
                match self.redirect_to_token_request(web, url.expose()) {
                    Redirect::Exchange(request) => {
                        let wait = self.effects.issue(
                            context,
                            Effect::OAuthToken { request },
                            Awaiting::CodeExchange,
                        );
                        let mut web = web.clone();
                        web.op = Some(*op);
                        Transition(State::exchanging_code(web, wait))
                    }
                    Redirect::Failed(e) => {
                        Shared::reply(context, *op, Err(e));
                        Transition(self.return_to_origin(context, &web.origin))
                    }
                    // Not this sign-in's redirect: the real one may still come.
                    Redirect::Refused(e) => {
                        Shared::reply(context, *op, Err(e));
                        Handled
                    }
                }
            }
            ApiCall::SignIn { .. } | ApiCall::SignInWithWebUi { .. } => {
                self.begin_sign_in(context, *op, call, web.origin.clone())
            }
            ApiCall::SignOut(_) => Transition(self.sign_out_locally(context, *op)),
            _ => Super,
        }
    }

    #[state(superstate = "any")]
    fn exchanging_code(
        &mut self,
        web: &mut WebFlow,
        wait: &mut EffectId,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        match &event.event {
            Event::Completed {
                effect_id,
                result: Resolved::Tokens(result),
            } if effect_id == wait => {
                let op = web.op.take();
                let tokens = match result {
                    Ok(Ok(OAuthTokenResponse {
                        access_token,
                        id_token,
                        refresh_token,
                        ..
                    })) => Tokens::from_jwts(
                        access_token.clone(),
                        id_token.clone(),
                        refresh_token.clone(),
                    )
                    .map_err(|e| AuthError::UnexpectedResponse {
                        message: format!("tokens: {e}"),
                    }),
                    Ok(Err(e)) => Err(AuthError::from(e)),
                    Err(e) => Err(e.clone()),
                };
                match tokens {
                    Ok(tokens) => Transition(self.complete_sign_in(
                        context,
                        op,
                        tokens,
                        true,
                        web.federation_provider_name.take(),
                        &web.origin,
                    )),
                    Err(e) => {
                        cancel_with(context, op, e);
                        Transition(self.return_to_origin(context, &web.origin))
                    }
                }
            }
            Event::Command {
                op,
                call: ApiCall::SignOut(_),
            } => {
                cancel_flow_op(context, web.op.take());
                Transition(self.sign_out_locally(context, *op))
            }
            _ => Super,
        }
    }

    // ----------------------------------------------------------- signed_in

    /// Everything a signed-in user can do, whatever the state of the tokens.
    #[superstate(superstate = "any")]
    fn signed_in(
        &mut self,
        session: &mut UserSession,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        self.on_signed_in(session, context, event)
    }

    #[state(superstate = "signed_in")]
    fn fresh(
        &mut self,
        session: &mut UserSession,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        match &event.event {
            Event::Command {
                op,
                call: ApiCall::FetchTokens { force_refresh },
            } => {
                if !force_refresh && self.tokens_fresh(&session.tokens) {
                    Shared::reply(context, *op, Ok(Answer::Tokens(session.tokens.clone())));
                    return Handled;
                }
                self.queue_waiter(
                    context,
                    *op,
                    &ApiCall::FetchTokens {
                        force_refresh: *force_refresh,
                    },
                );
                Transition(self.start_refresh(context, session.clone()))
            }
            Event::TimerFired {
                timer: TimerKind::TokensDue,
            } => Transition(self.start_refresh(context, session.clone())),
            // The identity pool refused an id token the machine holds as fresh: its clock may be
            // wrong in a way nothing showed (a backward jump before a restart, docs/SIMULATOR.md
            // seed 5071), so the tokens are refreshed once and the waiting callers asked again
            // with the new ones; a second refusal before any credentials reaches them.
            Event::Completed {
                result: Resolved::Identity(result),
                ..
            } if !self.identity.refreshed_for_refusal => {
                match self.identity_result(context, result) {
                    IdentityOutcome::Got => self.persist_session(context, session),
                    IdentityOutcome::Rejected => {
                        self.identity.refreshed_for_refusal = true;
                        return Transition(self.start_refresh(context, session.clone()));
                    }
                    IdentityOutcome::Pending | IdentityOutcome::Failed => {}
                }
                Handled
            }
            _ => Super,
        }
    }

    #[state(superstate = "signed_in")]
    fn refreshing(
        &mut self,
        session: &mut UserSession,
        wait: &mut EffectId,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        match &event.event {
            Event::Command {
                op,
                call: call @ ApiCall::FetchTokens { .. },
            } => {
                // Single flight: join the refresh in progress.
                self.queue_waiter(context, *op, call);
                Handled
            }
            Event::Command { op, call }
                if (needs_fresh_tokens(call)
                    && !self.tokens_usable(&session.tokens)
                    && (self.config.identity_pool.is_some() || !is_identity_call(call)))
                    || matches!(call, ApiCall::DeleteUser) =>
            {
                // Calls that need a valid token wait for the refresh in flight; so does a
                // deletion, which must not leave the refresh's callers behind.
                self.queue_waiter(context, *op, call);
                Handled
            }
            Event::Completed {
                effect_id,
                result: Resolved::Refresh(result),
            } if effect_id == wait => Transition(self.on_refresh_result(context, session, result)),
            Event::TimerFired {
                timer: TimerKind::TokensDue | TimerKind::RetryTokens,
            } => Handled,
            _ => Super,
        }
    }

    #[state(superstate = "signed_in")]
    fn stale(
        &mut self,
        session: &mut UserSession,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        match &event.event {
            Event::Command {
                op,
                call: call @ ApiCall::FetchTokens { force_refresh },
            } => {
                if !force_refresh && self.tokens_usable(&session.tokens) {
                    Shared::reply(context, *op, Ok(Answer::Tokens(session.tokens.clone())));
                    return Handled;
                }
                // A caller asking is a good moment to try again.
                self.queue_waiter(context, *op, call);
                Transition(self.start_refresh(context, session.clone()))
            }
            Event::TimerFired {
                timer: TimerKind::RetryTokens | TimerKind::TokensDue,
            } => Transition(self.start_refresh(context, session.clone())),
            Event::Connectivity { online: true } => {
                Transition(self.start_refresh(context, session.clone()))
            }
            _ => Super,
        }
    }

    #[state(superstate = "any")]
    fn deleting_user(
        &mut self,
        session: &mut UserSession,
        wait: &mut EffectId,
        op: &mut OperationId,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        match &event.event {
            Event::Completed {
                effect_id,
                result: Resolved::Outcome(result),
            } if effect_id == wait => match result {
                Ok(()) => {
                    Shared::reply(context, *op, Ok(Answer::Done));
                    // Sign-outs that waited: the user is gone, and so is the local session.
                    for (op, _) in std::mem::take(&mut self.session.joined_sign_outs) {
                        Shared::reply(context, op, Ok(Answer::SignedOut(SignOutReport::default())));
                    }
                    Transition(self.end_session(context))
                }
                Err(e) => {
                    Shared::reply(context, *op, Err(e.clone()));
                    Transition(self.after_failed_deletion(context, session.clone()))
                }
            },
            // A sign-out waits for the deletion (see `joined_sign_outs`).
            Event::Command {
                op: new_op,
                call: ApiCall::SignOut(options),
            } => {
                self.session.joined_sign_outs.push((*new_op, *options));
                Handled
            }
            Event::Command {
                op: new_op,
                call: ApiCall::FetchTokens { .. },
            } => {
                let result = if self.tokens_usable(&session.tokens) {
                    Ok(Answer::Tokens(session.tokens.clone()))
                } else {
                    Err(AuthError::invalid_state("tokens", "deleting the user"))
                };
                Shared::reply(context, *new_op, result);
                Handled
            }
            _ => Super,
        }
    }

    // ----------------------------------------------------- session_expired

    /// signedOutUserPoolsTokenInvalid: token and credential callers wait for a new sign-in.
    // statig stores state-local data by value, so the handler sees `&mut String`.
    #[allow(clippy::ptr_arg)]
    #[state(superstate = "any")]
    fn session_expired(
        &mut self,
        username: &mut String,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        let Event::Command { op, call } = &event.event else {
            return Super;
        };
        match call {
            ApiCall::SignIn { .. } | ApiCall::SignInWithWebUi { .. } => self.begin_sign_in(
                context,
                *op,
                call,
                Origin::SessionExpired {
                    username: username.clone(),
                },
            ),
            ApiCall::FetchTokens { .. }
            | ApiCall::FetchCredentials { .. }
            | ApiCall::FetchIdentityId => {
                self.queue_waiter(context, *op, call);
                Handled
            }
            ApiCall::ReleaseSignInWait => {
                self.release_waiters(context, *op);
                Handled
            }
            ApiCall::SignOut(_) => Transition(self.sign_out_locally(context, *op)),
            c if is_authorized_call(c) || matches!(c, ApiCall::DeleteUser) => {
                Shared::reply(context, *op, Err(AuthError::SessionExpired));
                Handled
            }
            _ => Super,
        }
    }

    // ---------------------------------------------------------- federation

    #[state(superstate = "any")]
    fn federating(
        &mut self,
        fed: &mut FederationFlow,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        self.on_federating(fed, context, event)
    }

    #[state(superstate = "any")]
    fn federated(
        &mut self,
        federation: &mut Federation,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        self.on_federated(federation, context, event)
    }

    /// signedOutFederatedTokensInvalid: credential callers wait for a new token.
    #[state(superstate = "any")]
    fn federation_expired(
        &mut self,
        federation: &mut Federation,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        let Event::Command { op, call } = &event.event else {
            return Super;
        };
        match call {
            ApiCall::FetchCredentials { .. } | ApiCall::FetchIdentityId => {
                self.queue_waiter(context, *op, call);
                Handled
            }
            ApiCall::FederatedSignIn { .. } => {
                let replacing = Replacing::Expired(federation.clone());
                self.begin_federation(context, *op, call, replacing)
            }
            ApiCall::ReleaseSignInWait => {
                self.release_waiters(context, *op);
                Handled
            }
            ApiCall::SignOut(_) | ApiCall::ClearFederation => {
                Transition(self.leave_federation(context, *op, call))
            }
            c if Shared::refuse_user_pool_call(context, *op, c) => Handled,
            _ => Super,
        }
    }

    // ---------------------------------------------------------- signing_out

    #[state(superstate = "any")]
    fn signing_out(
        &mut self,
        plan: &mut SignOutPlan,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        self.on_signing_out(plan, context, event)
    }
}

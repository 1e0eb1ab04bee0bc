//! Sign-out: GlobalSignOut, then RevokeToken, then the hosted UI's logout; the local session is
//! cleared whatever the service answers, and the report says what failed remotely.

use super::*;

/// Where a sign-out is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SignOutStep {
    Start,
    AfterGlobal,
    AfterRevoke,
}

impl Shared {
    pub(super) fn begin_sign_out(
        &mut self,
        out: &mut Outbox,
        op: OperationId,
        options: SignOutOptions,
        session: UserSession,
    ) -> State {
        let plan = SignOutPlan {
            op,
            options,
            session,
            report: SignOutReport::default(),
            wait: EffectId(0),
            global_step: false,
        };
        self.continue_sign_out(out, plan, SignOutStep::Start)
    }

    /// Runs the next remote sign-out step, or finishes: GlobalSignOut, RevokeToken, hosted-UI
    /// logout, then the local session is cleared whatever failed remotely.
    pub(super) fn continue_sign_out(
        &mut self,
        out: &mut Outbox,
        mut plan: SignOutPlan,
        step: SignOutStep,
    ) -> State {
        if step == SignOutStep::Start && plan.options.global {
            plan.global_step = true;
            plan.wait = self.user_pool(
                out,
                UserPoolRequest::GlobalSignOut {
                    access_token: plan.session.tokens.access_token.clone(),
                },
                Awaiting::Outcome,
            );
            return State::signing_out(plan);
        }
        if step != SignOutStep::AfterRevoke && plan.options.revoke {
            if let (Some(refresh), Some(pool)) = (
                plan.session.tokens.refresh_token.clone(),
                self.config.user_pool.clone(),
            ) {
                plan.global_step = false;
                plan.wait = self.user_pool(
                    out,
                    UserPoolRequest::RevokeToken {
                        token: refresh,
                        client_id: pool.app_client_id,
                        client_secret: pool.app_client_secret,
                    },
                    Awaiting::Outcome,
                );
                return State::signing_out(plan);
            }
        }
        if plan.options.hosted_ui && plan.session.hosted_ui {
            match self.logout_url() {
                Ok(url) => {
                    self.effects.issue_unanswered(out, Effect::OpenUrl { url });
                }
                Err(e) => plan.report.hosted_ui_error = Some(e),
            }
        }
        Shared::reply(out, plan.op, Ok(Answer::SignedOut(plan.report.clone())));
        for (op, _) in std::mem::take(&mut self.session.joined_sign_outs) {
            Shared::reply(out, op, Ok(Answer::SignedOut(plan.report.clone())));
        }
        self.end_session(out)
    }

    /// A deletion that failed leaves the user signed in: the first sign-out asked for meanwhile
    /// runs now (the others join it); without one the session stays `fresh`.
    pub(super) fn after_failed_deletion(
        &mut self,
        out: &mut Outbox,
        session: UserSession,
    ) -> State {
        if self.session.joined_sign_outs.is_empty() {
            return State::fresh(session);
        }
        let (op, options) = self.session.joined_sign_outs.remove(0);
        self.begin_sign_out(out, op, options, session)
    }

    /// Clears the local session (devices are kept), releases waiters, goes to signed_out.
    pub(super) fn end_session(&mut self, out: &mut Outbox) -> State {
        self.fail_waiters(out, &AuthError::SignedOut);
        self.clear_session_state(out);
        self.persist(out, Snapshot::default());
        State::signed_out()
    }

    /// Sign-out with no user-pool session to end remotely.
    pub(super) fn sign_out_locally(&mut self, out: &mut Outbox, op: OperationId) -> State {
        Shared::reply(out, op, Ok(Answer::SignedOut(SignOutReport::default())));
        self.end_session(out)
    }
}

/// A sign-out in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOutPlan {
    /// The call to answer.
    pub op: OperationId,
    /// What was asked.
    pub options: SignOutOptions,
    /// The session being ended.
    pub session: UserSession,
    /// What went wrong remotely so far.
    pub report: SignOutReport,
    /// The step in flight.
    pub wait: EffectId,
    /// Whether the step in flight is GlobalSignOut (else RevokeToken).
    pub global_step: bool,
}

impl Shared {
    pub(super) fn on_signing_out(
        &mut self,
        plan: &mut SignOutPlan,
        context: &mut Outbox,
        event: &Routed,
    ) -> Outcome<State> {
        match &event.event {
            Event::Completed {
                effect_id,
                result: Resolved::Outcome(result),
            } if *effect_id == plan.wait => {
                let err = result.as_ref().err().cloned();
                let mut plan = plan.clone();
                if plan.global_step {
                    plan.report.global_sign_out_error = err;
                } else {
                    plan.report.revoke_token_error = err;
                }
                let step = if plan.global_step {
                    SignOutStep::AfterGlobal
                } else {
                    SignOutStep::AfterRevoke
                };
                Transition(self.continue_sign_out(context, plan, step))
            }
            Event::Command {
                op,
                call: ApiCall::FetchTokens { .. } | ApiCall::FetchCredentials { .. },
            } => {
                Shared::reply(context, *op, Err(AuthError::SignedOut));
                Handled
            }
            // A second sign-out waits for this one and gets its report.
            Event::Command {
                op,
                call: ApiCall::SignOut(options),
            } => {
                self.session.joined_sign_outs.push((*op, *options));
                Handled
            }
            _ => Super,
        }
    }
}

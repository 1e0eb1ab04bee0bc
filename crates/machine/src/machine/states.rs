//! What the states share outside their handlers: their labels, and the routing of a
//! `Completed` input into the typed answer the awaiting state expects, so that handlers never
//! look at a result's shape themselves.

use statig::prelude::*;

use super::shared::{Outbox, Shared};
use super::sign_in::{
    Attempt, ComputingClaim, ConfirmingDevice, InitiatingAuth, NewDevice, RespondingToChallenge,
    SettingUpTotp,
};
use super::State;
use crate::cognito::{AuthResponse, ServiceError, UserPoolResponse};
use crate::error::AuthError;
use crate::input::{EffectResult, Event, Input};
use crate::output::EffectId;
use crate::srp_task::SrpOutput;

/// The result of effect `wait`, if `event` is its completion.
fn awaited(event: &Input, wait: EffectId) -> Option<&EffectResult> {
    match &event.event {
        Event::Completed { effect_id, result } if *effect_id == wait => Some(result),
        _ => None,
    }
}

fn wrong_shape() -> AuthError {
    AuthError::UnexpectedResponse {
        message: "a response of the wrong shape".into(),
    }
}

/// A user-pool call's outcome, or an error if the result is of another kind.
fn user_pool_answer(
    result: &EffectResult,
) -> Result<Result<&UserPoolResponse, &ServiceError>, AuthError> {
    match result {
        EffectResult::UserPool(r) => Ok(r.as_ref()),
        _ => Err(wrong_shape()),
    }
}

/// InitiateAuth / RespondToAuthChallenge's outcome, or an error if the result is not one.
fn auth_answer(result: &EffectResult) -> Result<Result<&AuthResponse, &ServiceError>, AuthError> {
    match user_pool_answer(result)? {
        Ok(UserPoolResponse::Auth(resp)) => Ok(Ok(resp)),
        Ok(_) => Err(wrong_shape()),
        Err(e) => Ok(Err(e)),
    }
}

/// An SRP task's output; a failed computation or a result of another kind is an error.
fn srp_answer(result: &EffectResult) -> Result<&SrpOutput, AuthError> {
    match result {
        EffectResult::Srp(Ok(output)) => Ok(output),
        EffectResult::Srp(Err(e)) => Err(AuthError::UnexpectedResponse {
            message: e.message.clone(),
        }),
        _ => Err(wrong_shape()),
    }
}

impl State {
    /// A short name for the state, for traces and error messages.
    pub fn label(&self) -> &'static str {
        match self {
            State::Restoring {} => "restoring",
            State::SignedOut {} => "signed out",
            State::InitiatingAuth { .. } => "signing in (initiating auth)",
            State::RespondingToChallenge { .. } => "signing in (responding to a challenge)",
            State::ComputingClaim { .. } => "signing in (computing the SRP claim)",
            State::AwaitingChallengeAnswer { .. } => "signing in (awaiting a challenge answer)",
            State::SettingUpTotp { .. } => "signing in (setting up TOTP)",
            State::ComputingDeviceVerifier { .. } => "signing in (computing the device verifier)",
            State::ConfirmingDevice { .. } => "signing in (confirming the device)",
            State::AwaitingWebRedirect { .. } => "awaiting the hosted UI redirect",
            State::ExchangingCode { .. } => "exchanging the hosted UI code",
            State::Fresh { .. } => "signed in",
            State::Refreshing { .. } => "signed in (refreshing tokens)",
            State::Stale { .. } => "signed in (tokens stale, retrying)",
            State::DeletingUser { .. } => "deleting the user",
            State::SessionExpired { .. } => "signed out (session expired)",
            State::Federating { .. } => "federating",
            State::Federated { .. } => "federated",
            State::FederationExpired { .. } => "federated (token expired)",
            State::SigningOut { .. } => "signing out",
        }
    }
}

/// A sign-in step that waits for one effect.
pub(super) trait Awaits: Clone {
    /// The effect it waits for.
    fn wait(&self) -> EffectId;
}

macro_rules! awaits {
    ($($step:ty),*) => {
        $(impl Awaits for $step {
            fn wait(&self) -> EffectId {
                self.wait
            }
        })*
    };
}

awaits!(
    InitiatingAuth,
    RespondingToChallenge,
    ComputingClaim,
    SettingUpTotp,
    NewDevice,
    ConfirmingDevice
);

/// What a step does with its typed answer.
type OnAnswer<S, T> = fn(&mut Shared, &mut Outbox, Attempt, S, T) -> State;

impl Shared {
    /// Routes the completion of `step`'s effect, turned into its typed answer by `route`, to
    /// `next`; a result of the wrong kind fails the sign-in; any other event goes to the
    /// superstate.
    fn on_step<'r, S: Awaits, T>(
        &mut self,
        (attempt, step): (&Attempt, &S),
        out: &mut Outbox,
        event: &'r Input,
        route: fn(&'r EffectResult) -> Result<T, AuthError>,
        next: OnAnswer<S, T>,
    ) -> Outcome<State> {
        let Some(result) = awaited(event, step.wait()) else {
            return Super;
        };
        let attempt = attempt.clone();
        Transition(match route(result) {
            Ok(answer) => next(self, out, attempt, step.clone(), answer),
            Err(e) => self.fail_sign_in(out, attempt, e),
        })
    }

    /// A step awaiting InitiateAuth or RespondToAuthChallenge.
    pub(super) fn on_auth_step<'r, S: Awaits>(
        &mut self,
        now: (&Attempt, &S),
        out: &mut Outbox,
        event: &'r Input,
        next: OnAnswer<S, Result<&'r AuthResponse, &'r ServiceError>>,
    ) -> Outcome<State> {
        self.on_step(now, out, event, auth_answer, next)
    }

    /// A step awaiting another user-pool call.
    pub(super) fn on_user_pool_step<'r, S: Awaits>(
        &mut self,
        now: (&Attempt, &S),
        out: &mut Outbox,
        event: &'r Input,
        next: OnAnswer<S, Result<&'r UserPoolResponse, &'r ServiceError>>,
    ) -> Outcome<State> {
        self.on_step(now, out, event, user_pool_answer, next)
    }

    /// A step awaiting an SRP task.
    pub(super) fn on_srp_step<'r, S: Awaits>(
        &mut self,
        now: (&Attempt, &S),
        out: &mut Outbox,
        event: &'r Input,
        next: OnAnswer<S, &'r SrpOutput>,
    ) -> Outcome<State> {
        self.on_step(now, out, event, srp_answer, next)
    }
}

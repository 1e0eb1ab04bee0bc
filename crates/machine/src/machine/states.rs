//! What the states share outside their handlers: their labels, and the sign-in steps' typed
//! answers (a step's result arrives routed, see `machine/routing.rs`; a result of the wrong shape
//! fails the sign-in with the error routing made of it).

use statig::prelude::*;

use super::routing::{Event, Resolved, Routed};
use super::shared::{Outbox, Shared};
use super::sign_in::{
    Attempt, ComputingClaim, ComputingSrpA, ConfirmingDevice, InitiatingAuth, NewDevice,
    RespondingToChallenge, SettingUpTotp,
};
use super::State;
use crate::cognito::{AuthResponse, ServiceError, UserPoolResponse};
use crate::error::AuthError;
use crate::output::EffectId;
use crate::srp_task::SrpOutput;

/// A step's typed answer, or the error that fails the sign-in.
type StepAnswer<'r, T> = Result<T, &'r AuthError>;

/// The routed result of effect `wait`, if `event` is its completion.
fn awaited(event: &Routed, wait: EffectId) -> Option<&Resolved> {
    match &event.event {
        Event::Completed { effect_id, result } if *effect_id == wait => Some(result),
        _ => None,
    }
}

fn auth_answer(result: &Resolved) -> Option<StepAnswer<'_, Result<&AuthResponse, &ServiceError>>> {
    match result {
        Resolved::Auth(r) => Some(r.as_ref().map(Result::as_ref)),
        _ => None,
    }
}

fn user_pool_answer(
    result: &Resolved,
) -> Option<StepAnswer<'_, Result<&UserPoolResponse, &ServiceError>>> {
    match result {
        Resolved::UserPool(r) => Some(r.as_ref().map(Result::as_ref)),
        _ => None,
    }
}

fn srp_a_answer(result: &Resolved) -> Option<StepAnswer<'_, &str>> {
    match result {
        Resolved::SrpA(r) => Some(r.as_deref()),
        _ => None,
    }
}

fn srp_answer(result: &Resolved) -> Option<StepAnswer<'_, &SrpOutput>> {
    match result {
        Resolved::Srp(r) => Some(r.as_ref()),
        _ => None,
    }
}

impl State {
    /// A short name for the state, for traces and error messages.
    pub fn label(&self) -> &'static str {
        match self {
            State::Restoring {} => "restoring",
            State::SignedOut {} => "signed out",
            State::ComputingSrpA { .. } => "signing in (computing SRP_A)",
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
    ComputingSrpA,
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
    /// Hands the completion of `step`'s effect, as the typed answer `pick` takes from it, to
    /// `next`; a result routing found of the wrong shape fails the sign-in; any other event goes
    /// to the superstate.
    fn on_step<'r, S: Awaits, T>(
        &mut self,
        (attempt, step): (&Attempt, &S),
        out: &mut Outbox,
        event: &'r Routed,
        pick: fn(&'r Resolved) -> Option<StepAnswer<'r, T>>,
        next: OnAnswer<S, T>,
    ) -> Outcome<State> {
        let Some(answer) = awaited(event, step.wait()).and_then(pick) else {
            return Super;
        };
        let attempt = attempt.clone();
        Transition(match answer {
            Ok(answer) => next(self, out, attempt, step.clone(), answer),
            Err(e) => self.fail_sign_in(out, attempt, e.clone()),
        })
    }

    /// A step awaiting InitiateAuth or RespondToAuthChallenge.
    pub(super) fn on_auth_step<'r, S: Awaits>(
        &mut self,
        now: (&Attempt, &S),
        out: &mut Outbox,
        event: &'r Routed,
        next: OnAnswer<S, Result<&'r AuthResponse, &'r ServiceError>>,
    ) -> Outcome<State> {
        self.on_step(now, out, event, auth_answer, next)
    }

    /// A step awaiting another user-pool call.
    pub(super) fn on_user_pool_step<'r, S: Awaits>(
        &mut self,
        now: (&Attempt, &S),
        out: &mut Outbox,
        event: &'r Routed,
        next: OnAnswer<S, Result<&'r UserPoolResponse, &'r ServiceError>>,
    ) -> Outcome<State> {
        self.on_step(now, out, event, user_pool_answer, next)
    }

    /// A step awaiting `SRP_A`.
    pub(super) fn on_srp_a_step<'r, S: Awaits>(
        &mut self,
        now: (&Attempt, &S),
        out: &mut Outbox,
        event: &'r Routed,
        next: OnAnswer<S, &'r str>,
    ) -> Outcome<State> {
        self.on_step(now, out, event, srp_a_answer, next)
    }

    /// A step awaiting an SRP task.
    pub(super) fn on_srp_step<'r, S: Awaits>(
        &mut self,
        now: (&Attempt, &S),
        out: &mut Outbox,
        event: &'r Routed,
        next: OnAnswer<S, &'r SrpOutput>,
    ) -> Outcome<State> {
        self.on_step(now, out, event, srp_answer, next)
    }
}

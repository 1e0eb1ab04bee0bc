//! The awaiting registry's other half: every outstanding effect whose result matters is entered
//! in [`Effects::awaiting`](super::shared::Effects) when it is issued, with what its result is
//! for ([`Awaiting`]). When the result arrives, [`Shared::route`] looks its id up once and turns
//! the input into the event the states see ([`Routed`]), the result moved into the typed shape
//! its effect was issued for ([`Resolved`]); a result of another shape becomes the error the
//! awaiting party fails with. Handlers never look at a result's shape themselves.
//!
//! The entry is removed as the routed event is dispatched (`before_dispatch`): the driver
//! completes every effect it is given except `OpenUrl`, which is never entered, so an entry
//! lives exactly as long as its effect is outstanding, whether or not the state that issued it
//! still waits (a replaced sign-in's late result still finds its entry, is routed, and is then
//! ignored because no state awaits its id).

use super::identity::IdentityOutcome;
use super::shared::{CallKind, Outbox, Shared};
use super::web::oauth_refresh_as_user_pool;
use crate::cognito::{
    AuthResponse, IdentityResponse, OAuthTokenResponse, ServiceError, UserPoolResponse,
};
use crate::error::AuthError;
use crate::input::{self, ApiCall, EffectResult, Input, StoreFailure};
use crate::output::{EffectId, OperationId, TimerKind};
use crate::session::PersistedSession;
use crate::srp_task::{SrpFailure, SrpOutput};
use crate::time::Timestamp;

/// What an outstanding effect's result is for, and so the shape it must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Awaiting {
    /// A sign-in step's InitiateAuth or RespondToAuthChallenge.
    SignInAuth,
    /// A sign-in step's other user-pool call (AssociateSoftwareToken, VerifySoftwareToken,
    /// ConfirmDevice).
    SignInUserPool,
    /// A sign-in step's `SRP_A` ([`crate::SrpTask::PublicA`]).
    SignInSrpA,
    /// A sign-in step's other SRP task (a claim, or a new device's verifier).
    SignInSrp,
    /// The hosted UI's authorization code at the token endpoint.
    CodeExchange,
    /// A token refresh: REFRESH_TOKEN_AUTH, GetTokensFromRefreshToken or the token endpoint's
    /// `refresh_token` grant.
    Refresh,
    /// A user-pool call that only succeeds or fails: DeleteUser, GlobalSignOut, RevokeToken.
    Outcome,
    /// A step of the identity-pool fetch.
    Identity,
    /// A user-pool call made for app call `op`, answered from the response as `kind` says.
    Call { op: OperationId, kind: CallKind },
    /// Loading the stored session.
    Load,
    /// A store write; only failures are traced.
    Store,
}

/// A routed result: the service's answer or its error, or (`Err`) the error the awaiting party
/// fails with because the result has another shape than its effect's.
pub(crate) type Answered<T> = Result<Result<T, ServiceError>, AuthError>;

/// A result, moved into the shape its [`Awaiting`] entry says.
#[derive(Debug)]
pub(crate) enum Resolved {
    /// For [`Awaiting::SignInAuth`].
    Auth(Answered<AuthResponse>),
    /// For [`Awaiting::SignInUserPool`].
    UserPool(Answered<UserPoolResponse>),
    /// For [`Awaiting::SignInSrpA`]: `SRP_A`; a failed computation is an error too.
    SrpA(Result<String, AuthError>),
    /// For [`Awaiting::SignInSrp`]; a failed computation is an error too.
    Srp(Result<SrpOutput, AuthError>),
    /// For [`Awaiting::CodeExchange`].
    Tokens(Answered<OAuthTokenResponse>),
    /// For [`Awaiting::Refresh`]: a token endpoint's answer is read as REFRESH_TOKEN_AUTH's.
    Refresh(Answered<AuthResponse>),
    /// For [`Awaiting::Outcome`]: a service error is already the caller's error.
    Outcome(Result<(), AuthError>),
    /// For [`Awaiting::Identity`], when it is the fetch in flight.
    Identity(Answered<IdentityResponse>),
    /// For [`Awaiting::Call`].
    Call {
        op: OperationId,
        kind: CallKind,
        result: Result<UserPoolResponse, AuthError>,
    },
    /// For [`Awaiting::Load`].
    Loaded(Result<Option<PersistedSession>, StoreFailure>),
    /// A failed write, for [`Awaiting::Store`].
    StoreFailed(StoreFailure),
    /// A result that changes nothing: a write that succeeded, or a store result of the wrong
    /// shape.
    Discarded,
    /// A result nobody awaits: no entry (never issued, or already answered), or a step of an
    /// identity fetch that has since been dropped.
    NotAwaited,
}

/// The event the states see: an [`input::Event`] whose result has been routed.
// One per input, moved from it and borrowed by the handlers (as `input::Event` is).
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Event {
    Command {
        op: OperationId,
        call: ApiCall,
    },
    Completed {
        effect_id: EffectId,
        result: Resolved,
    },
    TimerFired {
        timer: TimerKind,
    },
    Connectivity {
        online: bool,
    },
}

/// An [`Input`] with its result routed: the statig event type.
#[derive(Debug)]
pub(crate) struct Routed {
    pub(crate) at: Timestamp,
    pub(crate) event: Event,
}

fn wrong_shape() -> AuthError {
    AuthError::UnexpectedResponse {
        message: "a response of the wrong shape".into(),
    }
}

/// A failed SRP task, as the sign-in's error (the message never holds a secret).
fn srp_failed(e: &SrpFailure) -> AuthError {
    AuthError::UnexpectedResponse {
        message: e.message.clone(),
    }
}

fn wrong_kind() -> AuthError {
    AuthError::UnexpectedResponse {
        message: "a result of the wrong kind".into(),
    }
}

/// InitiateAuth / RespondToAuthChallenge's outcome, if `result` is one.
#[inline]
fn auth(result: EffectResult) -> Option<Result<AuthResponse, ServiceError>> {
    match result {
        EffectResult::UserPool(Ok(UserPoolResponse::Auth(resp))) => Some(Ok(resp)),
        EffectResult::UserPool(Err(e)) => Some(Err(e)),
        _ => None,
    }
}

#[inline]
fn user_pool(result: EffectResult) -> Option<Result<UserPoolResponse, ServiceError>> {
    match result {
        EffectResult::UserPool(r) => Some(r),
        _ => None,
    }
}

impl Awaiting {
    /// Moves `result` into the shape this entry says.
    #[inline]
    fn resolve(self, result: EffectResult) -> Resolved {
        match self {
            Self::SignInAuth => Resolved::Auth(auth(result).ok_or_else(wrong_shape)),
            Self::SignInUserPool => Resolved::UserPool(user_pool(result).ok_or_else(wrong_shape)),
            Self::SignInSrpA => Resolved::SrpA(match result {
                EffectResult::Srp(Ok(SrpOutput::PublicA { srp_a })) => Ok(srp_a),
                EffectResult::Srp(Err(e)) => Err(srp_failed(&e)),
                _ => Err(wrong_shape()),
            }),
            Self::SignInSrp => Resolved::Srp(match result {
                EffectResult::Srp(Ok(output)) => Ok(output),
                EffectResult::Srp(Err(e)) => Err(srp_failed(&e)),
                _ => Err(wrong_shape()),
            }),
            Self::CodeExchange => Resolved::Tokens(match result {
                EffectResult::OAuth(r) => Ok(r),
                _ => Err(wrong_kind()),
            }),
            Self::Refresh => {
                Resolved::Refresh(auth(oauth_refresh_as_user_pool(result)).ok_or_else(wrong_kind))
            }
            Self::Outcome => Resolved::Outcome(match result {
                EffectResult::UserPool(Ok(_)) => Ok(()),
                EffectResult::UserPool(Err(e)) => Err(AuthError::from(&e)),
                _ => Err(wrong_kind()),
            }),
            Self::Identity => Resolved::Identity(match result {
                EffectResult::Identity(r) => Ok(r),
                _ => Err(AuthError::UnexpectedResponse {
                    message: "identity result of the wrong kind".into(),
                }),
            }),
            Self::Call { op, kind } => Resolved::Call {
                op,
                kind,
                result: match result {
                    EffectResult::UserPool(Ok(r)) => Ok(r),
                    EffectResult::UserPool(Err(e)) => Err(AuthError::from(&e)),
                    _ => Err(wrong_kind()),
                },
            },
            Self::Load => match result {
                EffectResult::Loaded(r) => Resolved::Loaded(r),
                _ => Resolved::Discarded,
            },
            Self::Store => match result {
                EffectResult::Stored(Err(e)) => Resolved::StoreFailed(e),
                _ => Resolved::Discarded,
            },
        }
    }
}

impl Shared {
    /// Turns `input` into the event the states see, routing a result by its registry entry
    /// (looked up once here, removed in `before_dispatch`). Inlined, as the functions it
    /// calls are: a result (a few hundred bytes) is then built in place instead of copied at
    /// each call and return on its way into the event.
    #[inline]
    pub(crate) fn route(&self, input: Input) -> Routed {
        let event = match input.event {
            input::Event::Command { op, call } => Event::Command { op, call },
            input::Event::TimerFired { timer } => Event::TimerFired { timer },
            input::Event::Connectivity { online } => Event::Connectivity { online },
            input::Event::Completed { effect_id, result } => Event::Completed {
                effect_id,
                result: self.resolve(effect_id, result),
            },
        };
        Routed {
            at: input.at,
            event,
        }
    }

    #[inline]
    fn resolve(&self, effect_id: EffectId, result: EffectResult) -> Resolved {
        match self.effects.awaiting.get(&effect_id) {
            // A step of a fetch since dropped (signed out) or restarted is nobody's.
            Some(Awaiting::Identity) if !self.is_identity_fetch(effect_id) => Resolved::NotAwaited,
            Some(awaiting) => awaiting.clone().resolve(result),
            None => Resolved::NotAwaited,
        }
    }

    /// Whether `effect_id` is the identity fetch in flight.
    fn is_identity_fetch(&self, effect_id: EffectId) -> bool {
        self.identity
            .fetch
            .as_ref()
            .is_some_and(|f| f.wait == effect_id)
    }

    /// A result that no state took (the `any` superstate): app calls, store results and a
    /// current identity fetch that no state owns are finished here; a state's own effect whose
    /// state has been left (a replaced sign-in, a sign-out meanwhile), or a result nobody
    /// awaits, is traced.
    pub(super) fn on_unowned_result(
        &mut self,
        out: &mut Outbox,
        effect_id: EffectId,
        result: &Resolved,
    ) {
        match result {
            Resolved::Call { op, kind, result } => {
                self.finish_call(out, *op, kind, result);
            }
            Resolved::StoreFailed(e) => {
                Shared::trace(out, format!("session store write failed: {}", e.message));
            }
            Resolved::Loaded(_) | Resolved::Discarded => {}
            // A fetch still current in a state that does not own it (a sign-in or a deletion
            // started meanwhile): finish it for whoever waits.
            Resolved::Identity(result) => {
                if let IdentityOutcome::Rejected = self.identity_result(out, result) {
                    self.identity_failed(
                        out,
                        AuthError::NotAuthorized {
                            message: "the identity pool refused the login".into(),
                        },
                    );
                }
            }
            Resolved::Auth(_)
            | Resolved::UserPool(_)
            | Resolved::SrpA(_)
            | Resolved::Srp(_)
            | Resolved::Tokens(_)
            | Resolved::Refresh(_)
            | Resolved::Outcome(_)
            | Resolved::NotAwaited => {
                Shared::trace(out, format!("result of effect {} not awaited", effect_id.0))
            }
        }
    }
}

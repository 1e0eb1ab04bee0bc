//! [`Machine`]: the one type a driver needs. One input in, outputs out.

use std::collections::VecDeque;

use statig::blocking::{InitializedStateMachine, IntoStateMachineExt as _};

use crate::config::Config;
use crate::input::{ApiCall, Event, Input};
use crate::machine::shared::Shared;
use crate::machine::sign_in::Origin;
use crate::machine::{Replacing, State};
use crate::output::{Answer, Output, UserState};

/// The auth state machine.
///
/// Feed every [`Input`] to [`Machine::handle_input`], then drain [`Machine::poll_output`] until
/// it returns `None`, performing each output. The machine never blocks, reads a clock, draws
/// OS randomness or does IO, so the same seed and the same inputs always give the same outputs.
pub struct Machine {
    sm: InitializedStateMachine<Shared>,
    outputs: VecDeque<Output>,
    /// App calls that arrived before the stored session was loaded; replayed right after.
    deferred: Vec<Input>,
    published: UserState,
}

impl std::fmt::Debug for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Machine")
            .field("state", self.sm.state())
            .field("user_state", &self.published)
            .finish_non_exhaustive()
    }
}

impl Machine {
    /// A machine for `config`. `seed` feeds its deterministic random generator (SRP
    /// ephemerals, PKCE verifiers, retry jitter): take it from the OS, and record it with the
    /// event log so a replay draws the same bytes.
    ///
    /// The first output is [`crate::Effect::LoadSession`].
    pub fn new(config: Config, seed: [u8; 32]) -> Self {
        let mut outputs = VecDeque::new();
        let sm = Shared::new(config, &seed)
            .uninitialized_state_machine()
            .init_with_context(&mut outputs);
        Self {
            sm,
            outputs,
            deferred: Vec::new(),
            published: UserState::Unknown,
        }
    }

    /// Handles one input. Outputs are queued for [`Machine::poll_output`].
    pub fn handle_input(&mut self, input: Input) {
        let restoring = matches!(self.sm.state(), State::Restoring {});
        if restoring && matches!(input.event, Event::Command { .. }) {
            self.deferred.push(input);
            return;
        }
        if let Event::Command {
            op,
            call: ApiCall::GetUserState,
        } = &input.event
        {
            self.outputs.push_back(Output::Reply {
                op: *op,
                result: Ok(Answer::UserState(self.published)),
            });
            return;
        }
        let now = input.at;
        // A result is looked up once in the awaiting registry and moved into the typed shape
        // its effect was issued for (`machine/routing.rs`) before the states see it.
        let routed = self.sm.inner().route(input);
        self.sm.handle_with_context(&routed, &mut self.outputs);
        self.publish_user_state();
        if restoring && !matches!(self.sm.state(), State::Restoring {}) {
            for deferred in std::mem::take(&mut self.deferred) {
                let at = deferred.at.max(now);
                self.handle_input(Input { at, ..deferred });
            }
        }
    }

    /// The next output, if any. Every output must be performed, and every effect but
    /// [`crate::Effect::OpenUrl`] answered with [`Event::Completed`]: an effect left undone
    /// leaves the state that awaits it waiting, and its entry in the machine's registry of
    /// awaited effects stays until its result arrives (even when no state waits any more).
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Handles `input` and returns every output it produced (convenience for tests and replay).
    pub fn handle(&mut self, input: Input) -> Vec<Output> {
        self.handle_input(input);
        self.outputs.drain(..).collect()
    }

    /// How many issued effects the machine still awaits a result for (its awaiting registry;
    /// for tests: every entry leaves when its result arrives).
    #[cfg(feature = "test-util")]
    pub fn awaiting_len(&self) -> usize {
        self.sm.inner().effects.awaiting.len()
    }

    /// The user-visible state.
    pub fn user_state(&self) -> UserState {
        self.published
    }

    /// The internal state (serializable, secrets redacted in `Debug`).
    pub fn state(&self) -> &State {
        self.sm.state()
    }

    fn publish_user_state(&mut self) {
        let guest = self.sm.inner().guest_allowed();
        let now = match self.sm.state() {
            State::Restoring {} => UserState::Unknown,
            State::SignedOut {} if guest => UserState::Guest,
            State::SignedOut {} => UserState::SignedOut,
            State::ComputingSrpA { attempt, .. }
            | State::InitiatingAuth { attempt, .. }
            | State::RespondingToChallenge { attempt, .. }
            | State::ComputingClaim { attempt, .. }
            | State::AwaitingChallengeAnswer { attempt, .. }
            | State::SettingUpTotp { attempt, .. }
            | State::ComputingDeviceVerifier { attempt, .. }
            | State::ConfirmingDevice { attempt, .. } => attempt.origin.user_state(guest),
            State::AwaitingWebRedirect { web } | State::ExchangingCode { web, .. } => {
                web.origin.user_state(guest)
            }
            State::Fresh { .. }
            | State::Refreshing { .. }
            | State::Stale { .. }
            | State::DeletingUser { .. }
            | State::SigningOut { .. } => UserState::SignedIn,
            State::SessionExpired { .. } => UserState::SignedOutUserPoolsTokenInvalid,
            State::Federating { fed } => match fed.replacing {
                Replacing::Nothing => Origin::SignedOut.user_state(guest),
                Replacing::Active(_) => UserState::Federated,
                Replacing::Expired(_) => UserState::SignedOutFederatedTokensInvalid,
            },
            State::Federated { .. } => UserState::Federated,
            State::FederationExpired { .. } => UserState::SignedOutFederatedTokensInvalid,
        };
        if now != self.published {
            self.outputs.push_back(Output::UserStateChanged {
                from: self.published,
                to: now,
            });
            self.published = now;
        }
    }
}

//! The reference model: a coarse guess of where the session is, which only steers what the
//! generator proposes next (more sign-ins while signed out, more answers while a sign-in is in
//! flight). The properties themselves are checked on the real machine's outputs by
//! [`super::driver::Driver`], so a wrong guess here costs coverage, never a false alarm.
#![allow(dead_code, unreachable_pub, missing_docs)]

use cognito_auth_machine::TimerKind;
use proptest::prelude::*;
use proptest_state_machine::ReferenceStateMachine;

use super::driver::{ConfigChoice, Reply, Step, Stored};

/// Where the model thinks the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    SignedOut,
    SigningIn,
    SignedIn,
    Federated,
}

/// The reference state: the configuration and seed the machine is built with, and the phase.
#[derive(Debug, Clone)]
pub struct ModelState {
    pub config: ConfigChoice,
    pub stored: Stored,
    pub seed: u8,
    pub phase: Phase,
}

impl ModelState {
    pub fn seed_bytes(&self) -> [u8; 32] {
        let mut s = [0u8; 32];
        s[0] = self.seed;
        s[31] = 0x5a;
        s
    }
}

pub fn reply() -> impl Strategy<Value = Reply> {
    prop_oneof![
        5 => prop::sample::select(vec![3600u32, 900, 299, 30]).prop_map(|ttl_s| Reply::Ok { ttl_s }),
        2 => Just(Reply::Challenge),
        2 => Just(Reply::NotAuthorized),
        2 => Just(Reply::Network),
        1 => Just(Reply::ServerError),
        1 => Just(Reply::Throttled),
        1 => Just(Reply::Timeout),
    ]
}

fn timer() -> impl Strategy<Value = TimerKind> {
    prop::sample::select(vec![
        TimerKind::TokensDue,
        TimerKind::CredentialsDue,
        TimerKind::RetryTokens,
        TimerKind::RetryCredentials,
    ])
}

/// Steps, weighted by the phase.
pub fn step(phase: Phase) -> BoxedStrategy<Step> {
    let (sign_in, federate, answer, session_calls) = match phase {
        Phase::SignedOut => (6, 3, 4, 1),
        Phase::SigningIn => (1, 1, 8, 1),
        Phase::SignedIn => (1, 1, 5, 4),
        Phase::Federated => (1, 1, 6, 3),
    };
    prop_oneof![
        sign_in => (0u8..2, any::<bool>()).prop_map(|(user, srp)| Step::SignIn { user, srp }),
        2 => Just(Step::ConfirmSignIn),
        session_calls * 2 => any::<bool>().prop_map(|force| Step::Tokens { force }),
        session_calls => any::<bool>().prop_map(|force| Step::Credentials { force }),
        1 => (any::<bool>(), any::<bool>())
            .prop_map(|(global, revoke)| Step::SignOut { global, revoke }),
        1 => Just(Step::ReleaseSignInWait),
        federate => prop::bool::weighted(0.1)
            .prop_map(|empty_token| Step::FederatedSignIn { empty_token }),
        1 => Just(Step::ClearFederation),
        session_calls => Just(Step::FetchUserAttributes),
        1 => Just(Step::DeleteUser),
        answer * 2 => (prop::sample::select(vec![0u8, 0, 0, 1, 2]), reply())
            .prop_map(|(nth, reply)| Step::Answer { nth, reply }),
        3 => timer().prop_map(Step::Timer),
        3 => prop::sample::select(vec![1u32, 30, 299, 301, 900, 3600, 7200, 86_400])
            .prop_map(|secs| Step::Advance { secs }),
        1 => any::<bool>().prop_map(|online| Step::Connectivity { online }),
    ]
    .boxed()
}

/// The reference state machine.
pub struct Model;

impl ReferenceStateMachine for Model {
    type State = ModelState;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<ModelState> {
        let stored = prop_oneof![
            4 => Just(Stored::Nothing),
            1 => Just(Stored::Fresh),
            1 => Just(Stored::Expired),
            1 => Just(Stored::Invalid),
            1 => Just(Stored::Federated),
        ];
        (
            prop::sample::select(ConfigChoice::ALL.to_vec()),
            stored,
            any::<u8>(),
        )
            .prop_map(|(config, stored, seed)| ModelState {
                config,
                stored,
                seed,
                phase: match stored {
                    Stored::Fresh | Stored::Expired => Phase::SignedIn,
                    Stored::Federated => Phase::Federated,
                    Stored::Nothing | Stored::Invalid => Phase::SignedOut,
                },
            })
            .boxed()
    }

    fn transitions(state: &ModelState) -> BoxedStrategy<Step> {
        step(state.phase)
    }

    fn apply(mut state: ModelState, step: &Step) -> ModelState {
        state.phase = match (state.phase, step) {
            (Phase::SignedOut, Step::SignIn { .. }) => Phase::SigningIn,
            (Phase::SignedOut, Step::FederatedSignIn { empty_token: false }) => Phase::Federated,
            (
                Phase::SigningIn,
                Step::Answer {
                    reply: Reply::Ok { .. },
                    ..
                },
            ) => Phase::SignedIn,
            (
                Phase::SigningIn,
                Step::Answer {
                    reply: Reply::NotAuthorized,
                    ..
                },
            ) => Phase::SignedOut,
            (_, Step::SignOut { .. } | Step::DeleteUser) => Phase::SignedOut,
            (Phase::Federated, Step::ClearFederation) => Phase::SignedOut,
            (phase, _) => phase,
        };
        state
    }
}

//! The seam between the driver and the pure machine.
//!
//! The driver only needs the machine's three methods; naming them in a trait lets the driver be
//! tested with a scripted stand-in, and keeps the engine honest: it can only feed inputs and
//! read outputs, never reach into the machine's decisions.

use cognito_auth_machine::{Input, Output, UserState};

/// What the driver needs from a state machine.
pub trait Core: Send + 'static {
    /// Feeds one input.
    fn handle_input(&mut self, input: Input);
    /// Takes the next output, if any.
    fn poll_output(&mut self) -> Option<Output>;
    /// The current user-visible state.
    fn user_state(&self) -> UserState;
}

/// How the driver runs the machine's SRP computations (CPU-bound, on a blocking thread).
///
/// A separate trait so that the driver can be tested with a stand-in machine.
pub trait RunSrp {
    /// Performs the computation.
    fn run_srp(
        task: cognito_auth_machine::SrpTask,
    ) -> Result<cognito_auth_machine::SrpOutput, cognito_auth_machine::SrpFailure>;
}

impl Core for cognito_auth_machine::Machine {
    fn handle_input(&mut self, input: Input) {
        cognito_auth_machine::Machine::handle_input(self, input);
    }

    fn poll_output(&mut self) -> Option<Output> {
        cognito_auth_machine::Machine::poll_output(self)
    }

    fn user_state(&self) -> UserState {
        cognito_auth_machine::Machine::user_state(self)
    }
}

impl RunSrp for cognito_auth_machine::Machine {
    fn run_srp(
        task: cognito_auth_machine::SrpTask,
    ) -> Result<cognito_auth_machine::SrpOutput, cognito_auth_machine::SrpFailure> {
        task.run()
    }
}

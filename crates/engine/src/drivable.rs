//! What the driver needs from a state machine: the seam between the tokio driver and the pure
//! machine.
//!
//! The driver only feeds inputs, reads outputs and asks for the user state; naming that in a
//! trait lets the driver be tested with a scripted stand-in (feature `test-util`), and keeps the
//! engine honest: it can never reach into the machine's decisions.

use cognito_auth_machine::{Input, Output, SrpFailure, SrpOutput, SrpTask, UserState};

/// A state machine the driver can run: inputs in, outputs out.
// Exported only with `test-util`; without it the driver is its one user.
#[cfg_attr(not(any(test, feature = "test-util")), allow(unreachable_pub))]
pub trait Drivable: Send + 'static {
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
#[cfg_attr(not(any(test, feature = "test-util")), allow(unreachable_pub))]
pub trait RunSrp {
    /// Performs the computation.
    fn run_srp(task: SrpTask) -> Result<SrpOutput, SrpFailure>;
}

impl Drivable for cognito_auth_machine::Machine {
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
    fn run_srp(task: SrpTask) -> Result<SrpOutput, SrpFailure> {
        task.run()
    }
}

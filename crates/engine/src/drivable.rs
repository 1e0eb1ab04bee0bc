//! What the driver needs from a state machine: the seam between the tokio driver and the pure
//! machine.
//!
//! The driver only feeds inputs, reads outputs and asks for the user state; naming that in a
//! trait lets the driver be tested with a scripted stand-in (feature `test-util`), and keeps the
//! engine honest: it can never reach into the machine's decisions.

use std::sync::Mutex;

use cognito_auth_machine::{
    Input, KeptEphemerals, Output, SrpFailure, SrpOutput, SrpTask, UserState,
};

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
/// `kept` is the driver's store of client ephemerals, one per engine: `SrpTask::PublicA` puts
/// the ephemeral there and answers only `SRP_A`; the claim naming that `SRP_A` takes it back
/// (bounded: [`KeptEphemerals::CAPACITY`]). A separate trait so that the driver can be tested
/// with a stand-in machine.
#[cfg_attr(not(any(test, feature = "test-util")), allow(unreachable_pub))]
pub trait RunSrp {
    /// Performs the computation.
    fn run_srp(task: SrpTask, kept: &Mutex<KeptEphemerals>) -> Result<SrpOutput, SrpFailure>;
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
    fn run_srp(task: SrpTask, kept: &Mutex<KeptEphemerals>) -> Result<SrpOutput, SrpFailure> {
        task.run(kept)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use cognito_auth_machine::{
        KeptEphemerals, Machine, Secret, SrpFailureKind, SrpOutput, SrpTask,
    };
    use cognito_auth_srp as srp;

    use super::RunSrp;

    const POOL: &str = "TestPool";

    fn public_a(kept: &Mutex<KeptEphemerals>, fill: u8) -> String {
        let task = SrpTask::PublicA {
            ephemeral: Secret::new(vec![fill; SrpTask::EPHEMERAL_RANDOM_LEN]),
        };
        match Machine::run_srp(task, kept) {
            Ok(SrpOutput::PublicA { srp_a }) => srp_a,
            other => panic!("not SRP_A: {other:?}"),
        }
    }

    fn kept_len(kept: &Mutex<KeptEphemerals>) -> usize {
        kept.lock().map(|k| k.len()).unwrap_or(usize::MAX)
    }

    /// A PASSWORD_VERIFIER challenge for `alice`/`pw` and the server that checks its answer.
    struct Server {
        ephemeral: srp::ServerEphemeral,
        salt: String,
    }

    impl Server {
        fn new() -> Self {
            let verifier = srp::password_verifier(POOL, "alice", "pw", &[9; 16]);
            let ephemeral =
                srp::ServerEphemeral::new(&verifier, &[5; srp::ServerEphemeral::RANDOM_LEN])
                    .unwrap();
            Self {
                ephemeral,
                salt: verifier.salt_hex(),
            }
        }

        fn claim(&self, srp_a: &str, keep: bool) -> SrpTask {
            SrpTask::UserClaim {
                srp_a: srp_a.to_owned(),
                keep,
                pool_name: POOL.to_owned(),
                user_id_for_srp: "alice".to_owned(),
                password: Secret::new("pw".to_owned()),
                srp_b: self.ephemeral.public_b_hex(),
                salt: self.salt.clone(),
                secret_block: Secret::new("c2VjcmV0".to_owned()),
                timestamp: "Tue Nov 14 22:13:20 UTC 2023".to_owned(),
            }
        }

        fn accepts(&self, srp_a: &str, output: &SrpOutput) -> bool {
            let SrpOutput::Claim { signature } = output else {
                return false;
            };
            srp::verify_user_claim(
                &self.ephemeral,
                &srp::UserClaimCheck {
                    pool_name: POOL,
                    user_id_for_srp: "alice",
                    srp_a_hex: srp_a,
                    secret_block_b64: "c2VjcmV0",
                    timestamp: "Tue Nov 14 22:13:20 UTC 2023",
                    signature_b64: signature.expose(),
                },
            )
            .is_ok()
        }
    }

    #[test]
    fn a_claim_after_srp_a_uses_the_kept_ephemeral_and_removes_it() {
        let kept = Mutex::new(KeptEphemerals::default());
        let srp_a = public_a(&kept, 0x11);
        assert_eq!(kept_len(&kept), 1);
        let server = Server::new();
        let output = Machine::run_srp(server.claim(&srp_a, false), &kept).unwrap();
        assert!(
            server.accepts(&srp_a, &output),
            "the server accepts the claim"
        );
        assert_eq!(kept_len(&kept), 0, "the claim used the ephemeral up");
        // The same claim again finds nothing.
        let err = Machine::run_srp(server.claim(&srp_a, false), &kept).unwrap_err();
        assert_eq!(err.kind, SrpFailureKind::EphemeralNotKept);
    }

    #[test]
    fn a_claim_that_may_be_made_again_keeps_the_ephemeral_for_the_retry() {
        let kept = Mutex::new(KeptEphemerals::default());
        let srp_a = public_a(&kept, 0x12);
        let server = Server::new();
        let first = Machine::run_srp(server.claim(&srp_a, true), &kept).unwrap();
        assert_eq!(kept_len(&kept), 1);
        let retry = Machine::run_srp(server.claim(&srp_a, false), &kept).unwrap();
        assert!(server.accepts(&srp_a, &first) && server.accepts(&srp_a, &retry));
        assert_eq!(kept_len(&kept), 0);
    }

    #[test]
    fn a_claim_naming_an_unknown_srp_a_is_a_typed_failure_without_secrets() {
        let kept = Mutex::new(KeptEphemerals::default());
        let other = public_a(&kept, 0x13);
        let server = Server::new();
        let err = Machine::run_srp(server.claim("0a0b", false), &kept).unwrap_err();
        assert_eq!(err.kind, SrpFailureKind::EphemeralNotKept);
        assert!(!err.to_string().contains("pw"));
        assert_eq!(kept_len(&kept), 1, "another sign-in's ephemeral stays");
        // An engine that restarted has an empty store.
        let fresh = Mutex::new(KeptEphemerals::default());
        let err = Machine::run_srp(server.claim(&other, false), &fresh).unwrap_err();
        assert_eq!(err.kind, SrpFailureKind::EphemeralNotKept);
        let device = SrpTask::DeviceClaim {
            srp_a: other,
            device_group_key: "g".to_owned(),
            device_key: "k".to_owned(),
            device_password: Secret::new("dp".to_owned()),
            srp_b: "0b".to_owned(),
            salt: "0c".to_owned(),
            secret_block: Secret::new("c2I=".to_owned()),
            timestamp: "t".to_owned(),
        };
        let err = Machine::run_srp(device, &fresh).unwrap_err();
        assert_eq!(err.kind, SrpFailureKind::EphemeralNotKept);
    }

    #[test]
    fn the_store_is_bounded_and_evicts_the_oldest() {
        let kept = Mutex::new(KeptEphemerals::default());
        let first = public_a(&kept, 0x20);
        let mut last = String::new();
        for fill in 0x21..0x21 + KeptEphemerals::CAPACITY as u8 {
            last = public_a(&kept, fill);
            assert!(kept_len(&kept) <= KeptEphemerals::CAPACITY);
        }
        assert_eq!(kept_len(&kept), KeptEphemerals::CAPACITY);
        let server = Server::new();
        let err = Machine::run_srp(server.claim(&first, false), &kept).unwrap_err();
        assert_eq!(err.kind, SrpFailureKind::EphemeralNotKept, "evicted");
        assert!(Machine::run_srp(server.claim(&last, false), &kept).is_ok());
        // The same random bytes again replace their entry instead of adding one.
        let again = public_a(&kept, 0x22);
        assert_eq!(public_a(&kept, 0x22), again);
        assert!(kept_len(&kept) <= KeptEphemerals::CAPACITY);
    }

    #[test]
    fn the_store_s_debug_shows_no_ephemeral() {
        let kept = Mutex::new(KeptEphemerals::default());
        let srp_a = public_a(&kept, 0x30);
        let debug = format!("{kept:?}");
        assert!(!debug.contains(&srp_a[..16]), "{debug}");
        assert!(debug.contains("kept: 1"), "{debug}");
    }
}

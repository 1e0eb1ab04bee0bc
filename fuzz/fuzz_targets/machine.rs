//! Feeds arbitrary bytes to the auth machine as a session: the first byte picks the
//! configuration and what the store holds at start, the second the seed, then each byte pair is
//! one step (an app call, an answer to an outstanding effect, a timer, time passing, a
//! connectivity change). Run with `just fuzz machine`; seeds are in `corpus/machine/`, and
//! `crates/machine/tests/replay.rs` replays them in CI.
//!
//! Beyond "never panics", every promise the model test checks is checked after every input
//! (the driver is shared with the property tests), then a liveness phase must answer every
//! call, and the recorded inputs must replay to identical outputs.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/machine/tests/model/driver.rs"]
mod driver;

fuzz_target!(|data: &[u8]| {
    // Long sessions add little and cost SRP computations.
    if data.len() > 1024 {
        return;
    }
    let session = driver::decode_session(data);
    let d = driver::run_decoded(&session);
    assert_eq!(
        driver::replay(session.config, session.seed, &d.input_log()),
        d.output_log(),
        "the recorded inputs replay to the same outputs"
    );
});

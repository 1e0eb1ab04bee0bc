//! Feeds arbitrary service answers to a machine waiting on a call: the first byte picks the
//! scenario, the rest is JSON lines of `EffectResult`s. The check is
//! `crates/machine/tests/model/service_response.rs`, which
//! `crates/machine/tests/fuzz_corpus.rs` also runs over `corpus/service_response/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/machine/tests/model/driver.rs"]
mod driver;
#[path = "../../crates/machine/tests/model/service_response.rs"]
mod service_response;

fuzz_target!(|data: &[u8]| {
    // Long inputs add little and cost SRP computations.
    if data.len() > 16 * 1024 {
        return;
    }
    service_response::check(data);
});

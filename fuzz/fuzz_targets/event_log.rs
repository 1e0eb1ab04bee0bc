//! Feeds arbitrary bytes to the engine's event-log reader, and replays what reads. The check is
//! `crates/engine/tests/fuzz/event_log.rs`, which `crates/engine/tests/fuzz_corpus.rs` also
//! runs over `corpus/event_log/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/engine/tests/fuzz/event_log.rs"]
mod event_log;

fuzz_target!(|data: &[u8]| {
    if data.len() > 64 * 1024 {
        return;
    }
    event_log::check(data);
});

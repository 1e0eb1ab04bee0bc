//! Feeds arbitrary bytes to the machine's JWT claim decoding and the token arithmetic built on
//! it; the check is `crates/machine/tests/model/jwt_check.rs`, which
//! `crates/machine/tests/fuzz_corpus.rs` also runs over `corpus/jwt/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/machine/tests/model/jwt_check.rs"]
mod jwt_check;

fuzz_target!(|data: &[u8]| jwt_check::check(data));

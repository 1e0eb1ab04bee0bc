//! Helpers shared by `tests/model.rs`, `tests/replay.rs` and `tests/fuzz_corpus.rs`: the driver
//! that runs the real machine and checks its promises after every input (also compiled into
//! the fuzz targets), the proptest reference model that generates sessions, and the checks of
//! the `jwt` and `service_response` fuzz targets.

pub mod driver;
pub mod jwt_check;
pub mod service_response;
pub mod strategy;

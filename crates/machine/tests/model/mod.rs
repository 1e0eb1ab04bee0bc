//! Helpers shared by `tests/model.rs` and `tests/replay.rs`: the driver that runs the real
//! machine and checks its promises after every input (also compiled into the fuzz target), and
//! the proptest reference model that generates sessions.

pub mod driver;
pub mod strategy;

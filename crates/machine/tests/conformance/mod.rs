//! The conformance runner's parts: fixtures, the machine driver, mocks, starting states, call
//! mapping, validations, and the allow-list.

pub(crate) mod allow;
pub(crate) mod calls;
pub(crate) mod checks;
pub(crate) mod driver;
pub(crate) mod fixture;
pub(crate) mod mocks;
pub(crate) mod start;
pub(crate) mod states;

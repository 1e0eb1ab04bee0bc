//! The pure auth machine. (Being written.)

pub mod config;
pub mod secret;

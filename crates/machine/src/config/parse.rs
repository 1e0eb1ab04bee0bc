//! Parsers for `awsconfiguration.json` and `amplify_outputs.json`. (Being written.)

/// A configuration document that cannot be used, naming the field at fault.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Placeholder until the parser lands.
    #[error("invalid configuration at `{field}`: {reason}")]
    Invalid {
        /// JSON path of the field.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

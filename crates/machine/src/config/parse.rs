//! Parsers for the configuration files apps already have: AWSMobileClient's
//! `awsconfiguration.json` (also nested in Amplify v1's `amplifyconfiguration.json`) and Amplify
//! Gen 2's `amplify_outputs.json`, plus [`Config::validate`] for configurations built in code.
//!
//! This module owns the mapping from those documents onto [`Config`] and every rule a usable
//! configuration must satisfy. Each problem is a [`ConfigError`] that names the field at fault by
//! its path in the document (`CognitoUserPool.Default.PoolId`, `auth.oauth.domain`), so the
//! message points at the line to fix. Client secrets never appear in an error.
//!
//! Parsing walks a [`serde_json::Value`] rather than deriving `Deserialize`: that keeps the exact
//! path of every field, lets unknown fields through untouched (both formats grow new ones every
//! year), and treats `null` like an absent field, as the Amplify SDKs do.
//!
//! ```
//! use cognito_auth_machine::config::{AuthFlow, Config};
//!
//! let config = Config::from_json_auto(r#"{
//!     "CognitoUserPool": { "Default": {
//!         "PoolId": "eu-west-1_AbCdEf123", "AppClientId": "abc123", "Region": "eu-west-1"
//!     } },
//!     "Auth": { "Default": { "authenticationFlowType": "USER_PASSWORD_AUTH" } }
//! }"#)?;
//! let pool = config.user_pool.as_ref().expect("the document has a user pool");
//! assert_eq!(pool.pool_name(), "AbCdEf123");
//! assert_eq!(pool.auth_flow, AuthFlow::UserPasswordAuth);
//!
//! let err = Config::from_json_auto(r#"{ "CognitoUserPool": { "Default": {
//!     "PoolId": "eu-west-1_AbCdEf123", "AppClientId": "abc123", "Region": "us-east-1"
//! } } }"#).unwrap_err();
//! assert!(err.to_string().contains("CognitoUserPool.Default.PoolId"));
//! # Ok::<(), cognito_auth_machine::config::ConfigError>(())
//! ```

mod check;
mod gen1;
mod gen2;
mod json;

use serde_json::Value;

use self::check::{IdShape, Paths};
use self::json::Obj;
use super::Config;

/// A configuration document that cannot be used, naming the field at fault.
///
/// Paths are dotted JSON paths into the document that was parsed (`auth.oauth.scopes[2]`); `$` is
/// the document itself. For [`Config::validate`] they name the Rust fields
/// (`user_pool.pool_id`). No variant ever carries the value of a client secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The text is not JSON.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    InvalidJson {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the JSON parser expected.
        message: String,
    },
    /// A required field is absent (or `null`).
    #[error("missing required field `{path}`")]
    MissingField {
        /// JSON path of the field.
        path: String,
    },
    /// A field has the wrong JSON type.
    #[error("`{path}` must be {expected}, found {found}")]
    WrongType {
        /// JSON path of the field.
        path: String,
        /// The JSON type the field must have, e.g. `a string`.
        expected: &'static str,
        /// The JSON type found, e.g. `a number`.
        found: &'static str,
    },
    /// A field has the right type but a value that cannot be right.
    #[error("invalid value at `{path}`: {reason}")]
    InvalidValue {
        /// JSON path of the field.
        path: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// An OAuth endpoint is plain `http://` to a host other than the loopback interface:
    /// tokens and authorization codes would cross the network unencrypted.
    #[error("`{path}` must be an https:// URL (plain http:// is only for 127.0.0.1, localhost or [::1])")]
    InsecureEndpoint {
        /// JSON path of the field.
        path: String,
    },
    /// A field disagrees with another field of the document.
    #[error("inconsistent configuration at `{path}`: {reason}")]
    Inconsistent {
        /// JSON path of the field at fault (the reason names the other one).
        path: String,
        /// Which fields disagree, and how.
        reason: String,
    },
    /// The document configures neither a user pool nor an identity pool.
    #[error(
        "the configuration has neither a user pool nor an identity pool \
         (expected `CognitoUserPool.Default`, `CredentialsProvider.CognitoIdentity.Default` \
         or an `auth` section)"
    )]
    NothingConfigured,
}

impl ConfigError {
    /// The path of the field at fault, if the error is about one field.
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::MissingField { path }
            | Self::WrongType { path, .. }
            | Self::InvalidValue { path, .. }
            | Self::InsecureEndpoint { path }
            | Self::Inconsistent { path, .. } => Some(path),
            Self::InvalidJson { .. } | Self::NothingConfigured => None,
        }
    }
}

/// Which file format a document is, as recognised by [`Config::from_json_auto`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `awsconfiguration.json`, at the top level.
    AwsConfiguration,
    /// Amplify v1 `amplifyconfiguration.json`: the same, under `auth.plugins.awsCognitoAuthPlugin`.
    AmplifyV1,
    /// Amplify Gen 2 `amplify_outputs.json`.
    AmplifyOutputs,
}

/// The keys that only an `awsconfiguration.json` document has at its top level.
const AWS_CONFIGURATION_KEYS: [&str; 4] = [
    "CognitoUserPool",
    "CredentialsProvider",
    "Auth",
    "IdentityManager",
];

/// Where Amplify v1 nests the `awsconfiguration.json` document.
const AMPLIFY_V1_PREFIX: [&str; 3] = ["auth", "plugins", "awsCognitoAuthPlugin"];

impl Config {
    /// Parses an AWSMobileClient `awsconfiguration.json`, or the same document nested under
    /// `auth.plugins.awsCognitoAuthPlugin` (Amplify v1 `amplifyconfiguration.json`).
    ///
    /// Reads the `Default` entry of `CognitoUserPool`, `CredentialsProvider.CognitoIdentity` and
    /// `Auth` (`OAuth`, `authenticationFlowType`); everything else is ignored. Choices where the
    /// format leaves room:
    /// - the file has no guest flag, so the identity pool allows guests (`allow_guest = true`),
    ///   as AWSMobileClient assumes; the pool itself still decides;
    /// - `authenticationFlowType: "CUSTOM_AUTH"` means [`AuthFlow::CustomAuthWithoutSrp`]
    ///   (custom challenges only), as in Amplify Android; absent means
    ///   [`AuthFlow::UserSrpAuth`];
    /// - `SignInRedirectURI`/`SignOutRedirectURI` may list several URIs separated by commas (the
    ///   Amplify CLI writes them so); the first one is used;
    /// - `OAuth` requires `WebDomain`, `AppClientId`, `Scopes` and `SignInRedirectURI`, and
    ///   `SignOutRedirectURI` unless `SignOutURI` names a custom provider's logout endpoint
    ///   (the guide's Auth0 example passes its return address as `returnTo` in
    ///   `SignOutURIQueryParameters` and has no `SignOutRedirectURI`);
    /// - `null` counts as absent.
    ///
    /// Then [`Config::validate`]'s rules are applied, with errors naming the document's paths.
    ///
    /// [`AuthFlow::CustomAuthWithoutSrp`]: super::AuthFlow::CustomAuthWithoutSrp
    /// [`AuthFlow::UserSrpAuth`]: super::AuthFlow::UserSrpAuth
    pub fn from_aws_configuration_json(text: &str) -> Result<Config, ConfigError> {
        let value = parse_json(text)?;
        let root = Obj::root(&value)?;
        let format = if is_amplify_v1(&root) {
            Format::AmplifyV1
        } else {
            Format::AwsConfiguration
        };
        parse_format(&root, format, IdShape::Strict)
    }

    /// Parses an Amplify Gen 2 `amplify_outputs.json` (schema version `1` to `1.x`).
    ///
    /// Reads `auth.aws_region`, `user_pool_id`, `user_pool_client_id` (all required when `auth`
    /// is present), `identity_pool_id`, `unauthenticated_identities_enabled` (absent means `true`,
    /// the Gen 2 backend's default) and `oauth`. Unknown fields are ignored. Choices:
    /// - the user pool and identity pool share `aws_region`;
    /// - the hosted UI uses `user_pool_client_id` (Gen 2 clients have no secret);
    /// - of `redirect_sign_in_uri`/`redirect_sign_out_uri` the first entry is used; at least
    ///   one is required;
    /// - only `response_type: "code"` is accepted: the machine runs the authorization-code
    ///   grant (with PKCE), not the implicit one;
    /// - a document without `auth` configures nothing ([`ConfigError::NothingConfigured`]).
    pub fn from_amplify_outputs_json(text: &str) -> Result<Config, ConfigError> {
        let value = parse_json(text)?;
        let root = Obj::root(&value)?;
        parse_format(&root, Format::AmplifyOutputs, IdShape::Strict)
    }

    /// Parses either format, recognising it by its keys: `auth.plugins` means Amplify v1,
    /// `CognitoUserPool`, `CredentialsProvider`, `Auth` or `IdentityManager` mean
    /// `awsconfiguration.json`, `version` or `auth` mean `amplify_outputs.json`. An object with
    /// none of these configures nothing.
    pub fn from_json_auto(text: &str) -> Result<Config, ConfigError> {
        parse_auto(text, IdShape::Strict)
    }

    /// Like [`Config::from_json_auto`], but accepts an identity pool id that is not shaped
    /// `<region>:<uuid>` (only non-empty is required, and a `<region>:` prefix, if present, must
    /// still agree with the region).
    ///
    /// Real identity pool ids always have that shape, so apps should use the strict parsers.
    /// This exists for test fixtures written with placeholder ids, such as Amplify Android's
    /// feature tests (`"PoolId": "us-east-1_testIdentityPoolId"`). Every other rule still applies.
    pub fn from_json_auto_lenient(text: &str) -> Result<Config, ConfigError> {
        parse_auto(text, IdShape::Lenient)
    }

    /// Checks a configuration (typically one built in code) against the rules the parsers
    /// apply. Paths in the error name the Rust fields (`user_pool.pool_id`).
    ///
    /// The rules: at least one of the user pool and the identity pool; no empty strings;
    /// regions shaped like `us-east-1`; user pool id `<region>_<name>` and identity pool id
    /// `<region>:<uuid>`, each with the region of its pool; app client ids of word characters
    /// and `+` (at most 128); the hosted UI domain without scheme or path; redirect URIs with a
    /// scheme; custom endpoints `https://`, or `http://` to a loopback host only
    /// (`127.0.0.1`, `localhost`, `[::1]`: an emulator); scopes without whitespace.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check::check(self, &Paths::rust(), IdShape::Strict)
    }
}

fn parse_auto(text: &str, ids: IdShape) -> Result<Config, ConfigError> {
    let value = parse_json(text)?;
    let root = Obj::root(&value)?;
    let format = if is_amplify_v1(&root) {
        Format::AmplifyV1
    } else if AWS_CONFIGURATION_KEYS.iter().any(|key| root.has(key)) {
        Format::AwsConfiguration
    } else if root.has("version") || root.has("auth") {
        Format::AmplifyOutputs
    } else {
        return Err(ConfigError::NothingConfigured);
    };
    parse_format(&root, format, ids)
}

fn parse_format(root: &Obj<'_>, format: Format, ids: IdShape) -> Result<Config, ConfigError> {
    let (config, paths) = match format {
        Format::AwsConfiguration => (gen1::parse(root)?, Paths::aws_configuration("")),
        Format::AmplifyV1 => {
            let prefix = AMPLIFY_V1_PREFIX.join(".");
            let mut nested = root.clone();
            for key in AMPLIFY_V1_PREFIX {
                nested = nested.req_obj(key)?;
            }
            (gen1::parse(&nested)?, Paths::aws_configuration(&prefix))
        }
        Format::AmplifyOutputs => gen2::parse(root)?,
    };
    check::check(&config, &paths, ids)?;
    Ok(config)
}

/// `auth.plugins` at the top level: only Amplify v1 files have it.
fn is_amplify_v1(root: &Obj<'_>) -> bool {
    matches!(root.raw("auth"), Some(Value::Object(auth)) if auth.contains_key("plugins"))
}

/// Parses the text as JSON, skipping a leading byte-order mark (editors on Windows write one).
fn parse_json(text: &str) -> Result<Value, ConfigError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(text).map_err(|err| {
        let (line, column) = (err.line(), err.column());
        let full = err.to_string();
        // serde_json appends the position to its message; it is already in the fields.
        let suffix = format!(" at line {line} column {column}");
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        ConfigError::InvalidJson {
            line,
            column,
            message,
        }
    })
}

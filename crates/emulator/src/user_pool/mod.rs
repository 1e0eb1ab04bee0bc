//! User-pool operations (`AWSCognitoIdentityProviderService.*`).
//!
//! Two layers: the operations, one module per family (`admin`, `settings`, `signup`, `auth`,
//! `account`, `devices`, `groups`), which `crate::dispatch` calls; and below them the helpers they share (`lookup`,
//! `passwords`, `codes`, `access`, `users`, `factors`, `config`), which call no operation.

pub(crate) mod account;
pub(crate) mod admin;
pub(crate) mod auth;
pub(crate) mod devices;
pub(crate) mod groups;
pub(crate) mod settings;
pub(crate) mod signup;

pub(crate) mod access;
pub(crate) mod codes;
pub(crate) mod config;
pub(crate) mod factors;
pub(crate) mod lookup;
pub(crate) mod passwords;
pub(crate) mod users;

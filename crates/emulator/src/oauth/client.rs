//! An app client's OAuth settings: Cognito's `CreateUserPoolClient` fields, checked when the
//! client is created and read back from its stored request.

use crate::error::{ApiError, ApiResult};
use crate::model::AppClient;
use crate::params::Params;

/// Scopes Cognito defines; others belong to resource servers, which the emulator has none of.
const STANDARD_SCOPES: &[&str] = &[
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];
const FLOWS: &[&str] = &["code", "implicit", "client_credentials"];

/// The OAuth part of a client's configuration.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClientSettings {
    pub(crate) enabled: bool,
    pub(crate) flows: Vec<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) callback_urls: Vec<String>,
    pub(crate) logout_urls: Vec<String>,
    pub(crate) identity_providers: Vec<String>,
}

impl ClientSettings {
    pub(crate) fn of(client: &AppClient) -> Self {
        let p = Params(&client.raw);
        let list = |name: &str| p.string_list(name).unwrap_or_default();
        Self {
            enabled: p
                .opt_bool("AllowedOAuthFlowsUserPoolClient")
                .unwrap_or(false),
            flows: list("AllowedOAuthFlows"),
            scopes: list("AllowedOAuthScopes"),
            callback_urls: list("CallbackURLs"),
            logout_urls: list("LogoutURLs"),
            identity_providers: list("SupportedIdentityProviders"),
        }
    }

    pub(crate) fn allows_flow(&self, flow: &str) -> bool {
        self.enabled && self.flows.iter().any(|f| f == flow)
    }
}

/// Checks the OAuth members of a `CreateUserPoolClient` request as Cognito does.
pub(crate) fn check_client_settings(p: Params<'_>) -> ApiResult<()> {
    let list = |name: &str| p.string_list(name).unwrap_or_default();
    let flows = list("AllowedOAuthFlows");
    if let Some(f) = flows.iter().find(|f| !FLOWS.contains(&f.as_str())) {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid AllowedOAuthFlows value: {f}"
        )));
    }
    let scopes = list("AllowedOAuthScopes");
    if let Some(s) = scopes
        .iter()
        .find(|s| !STANDARD_SCOPES.contains(&s.as_str()))
    {
        return Err(ApiError::new(
            crate::error::ErrorKind::InvalidParameter,
            format!("Invalid scope requested: {s}"),
        ));
    }
    for name in ["CallbackURLs", "LogoutURLs"] {
        for url in list(name) {
            check_url(&url).map_err(|why| {
                ApiError::invalid_parameter(format!("{name} {url:?} is invalid: {why}"))
            })?;
        }
    }
    if let Some(idp) = list("SupportedIdentityProviders")
        .iter()
        .find(|i| i.as_str() != "COGNITO")
    {
        return Err(ApiError::invalid_parameter(format!(
            "The provider {idp} does not exist for User Pool"
        )));
    }
    if p.opt_bool("AllowedOAuthFlowsUserPoolClient") == Some(true) {
        if flows.is_empty() || scopes.is_empty() {
            return Err(ApiError::invalid_parameter(
                "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.",
            ));
        }
        let browser_flow = flows.iter().any(|f| f == "code" || f == "implicit");
        if browser_flow && list("CallbackURLs").is_empty() {
            return Err(ApiError::invalid_parameter(
                "CallbackURLs are required for the code and implicit flows.",
            ));
        }
    }
    Ok(())
}

/// Cognito's rule for redirect URLs: absolute, no fragment, and HTTPS unless the host is this
/// machine (`http://localhost` for testing; the loopback addresses of RFC 8252 alike). An app
/// scheme (`myapp://callback`) is allowed.
fn check_url(url: &str) -> Result<(), &'static str> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("it must be an absolute URL");
    };
    if scheme.is_empty() || rest.is_empty() {
        return Err("it must be an absolute URL");
    }
    if url.contains('#') {
        return Err("it must not contain a fragment");
    }
    if url.chars().any(char::is_whitespace) {
        return Err("it must not contain whitespace");
    }
    if scheme.eq_ignore_ascii_case("http") && !is_loopback_authority(rest) {
        return Err("HTTP is only allowed for localhost; use HTTPS");
    }
    Ok(())
}

fn is_loopback_authority(rest: &str) -> bool {
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || host == "::1"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_url_rules() {
        assert!(check_url("https://app.example.com/cb").is_ok());
        assert!(check_url("http://localhost:3000/cb").is_ok());
        assert!(check_url("http://127.0.0.1:8123/callback").is_ok());
        assert!(check_url("http://[::1]:8123/callback").is_ok());
        assert!(check_url("myapp://callback").is_ok());
        assert!(check_url("http://app.example.com/cb").is_err());
        assert!(check_url("http://localhost.evil.com/cb").is_err());
        assert!(check_url("https://app.example.com/cb#x").is_err());
        assert!(check_url("/relative").is_err());
    }
}

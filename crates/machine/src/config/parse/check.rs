//! The value rules every configuration must satisfy, whichever way it was made. The rules are
//! written once against [`Config`]; [`Paths`] says what each field is called in the document at
//! hand, so that errors point into the file the user edits.

use crate::config::{Config, IdentityPoolConfig, OAuthConfig, UserPoolConfig};
use crate::secret::Secret;

use super::json::join;
use super::ConfigError;

/// How strictly identity pool ids are checked (see `Config::from_json_auto_lenient`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IdShape {
    /// `<region>:<uuid>`, as Cognito issues them.
    Strict,
    /// Any non-empty id; a `<region>:` prefix must still agree with the region.
    Lenient,
}

/// What the fields of [`Config`] are called in one document format.
#[derive(Debug, Clone)]
pub(super) struct Paths {
    user_pool_id: String,
    user_pool_client_id: String,
    user_pool_secret: String,
    user_pool_region: String,
    identity_pool_id: String,
    identity_pool_region: String,
    oauth_domain: String,
    oauth_client_id: String,
    oauth_secret: String,
    oauth_sign_in_redirect: String,
    oauth_sign_out_redirect: String,
    oauth_scopes: String,
    oauth_token_uri: String,
    oauth_sign_in_uri: String,
    oauth_sign_out_uri: String,
}

impl Paths {
    /// `awsconfiguration.json`, whose top level sits at `prefix` (empty for the file itself).
    pub(super) fn aws_configuration(prefix: &str) -> Self {
        let at = |path: &str| join(prefix, path);
        let oauth = |key: &str| at(&format!("Auth.Default.OAuth.{key}"));
        Self {
            user_pool_id: at("CognitoUserPool.Default.PoolId"),
            user_pool_client_id: at("CognitoUserPool.Default.AppClientId"),
            user_pool_secret: at("CognitoUserPool.Default.AppClientSecret"),
            user_pool_region: at("CognitoUserPool.Default.Region"),
            identity_pool_id: at("CredentialsProvider.CognitoIdentity.Default.PoolId"),
            identity_pool_region: at("CredentialsProvider.CognitoIdentity.Default.Region"),
            oauth_domain: oauth("WebDomain"),
            oauth_client_id: oauth("AppClientId"),
            oauth_secret: oauth("AppClientSecret"),
            oauth_sign_in_redirect: oauth("SignInRedirectURI"),
            oauth_sign_out_redirect: oauth("SignOutRedirectURI"),
            oauth_scopes: oauth("Scopes"),
            oauth_token_uri: oauth("TokenURI"),
            oauth_sign_in_uri: oauth("SignInURI"),
            oauth_sign_out_uri: oauth("SignOutURI"),
        }
    }

    /// `amplify_outputs.json`.
    pub(super) fn amplify_outputs() -> Self {
        let at = |path: &str| format!("auth.{path}");
        Self {
            user_pool_id: at("user_pool_id"),
            user_pool_client_id: at("user_pool_client_id"),
            // Gen 2 has no secrets; these paths are never reported.
            user_pool_secret: at("user_pool_client_secret"),
            user_pool_region: at("aws_region"),
            identity_pool_id: at("identity_pool_id"),
            identity_pool_region: at("aws_region"),
            oauth_domain: at("oauth.domain"),
            oauth_client_id: at("user_pool_client_id"),
            oauth_secret: at("user_pool_client_secret"),
            oauth_sign_in_redirect: at("oauth.redirect_sign_in_uri[0]"),
            oauth_sign_out_redirect: at("oauth.redirect_sign_out_uri[0]"),
            oauth_scopes: at("oauth.scopes"),
            oauth_token_uri: at("oauth.token_uri"),
            oauth_sign_in_uri: at("oauth.sign_in_uri"),
            oauth_sign_out_uri: at("oauth.sign_out_uri"),
        }
    }

    /// The Rust fields of [`Config`], for configurations built in code.
    pub(super) fn rust() -> Self {
        let s = str::to_owned;
        Self {
            user_pool_id: s("user_pool.pool_id"),
            user_pool_client_id: s("user_pool.app_client_id"),
            user_pool_secret: s("user_pool.app_client_secret"),
            user_pool_region: s("user_pool.region"),
            identity_pool_id: s("identity_pool.pool_id"),
            identity_pool_region: s("identity_pool.region"),
            oauth_domain: s("oauth.web_domain"),
            oauth_client_id: s("oauth.app_client_id"),
            oauth_secret: s("oauth.app_client_secret"),
            oauth_sign_in_redirect: s("oauth.sign_in_redirect_uri"),
            oauth_sign_out_redirect: s("oauth.sign_out_redirect_uri"),
            oauth_scopes: s("oauth.scopes"),
            oauth_token_uri: s("oauth.token_uri"),
            oauth_sign_in_uri: s("oauth.sign_in_uri"),
            oauth_sign_out_uri: s("oauth.sign_out_uri"),
        }
    }
}

/// Applies every value rule, reporting the first broken one.
pub(super) fn check(config: &Config, paths: &Paths, ids: IdShape) -> Result<(), ConfigError> {
    if config.user_pool.is_none() && config.identity_pool.is_none() {
        return Err(ConfigError::NothingConfigured);
    }
    if let Some(pool) = &config.user_pool {
        check_user_pool(pool, paths)?;
    }
    if let Some(pool) = &config.identity_pool {
        check_identity_pool(pool, paths, ids)?;
    }
    if let Some(oauth) = &config.oauth {
        check_oauth(oauth, paths)?;
    }
    Ok(())
}

fn check_user_pool(pool: &UserPoolConfig, paths: &Paths) -> Result<(), ConfigError> {
    check_region(&pool.region, &paths.user_pool_region)?;
    let path = &paths.user_pool_id;
    non_empty(&pool.pool_id, path)?;
    let shape = "expected `<region>_<name>`, e.g. \"us-east-1_AbCdEf123\"";
    let Some((prefix, name)) = pool.pool_id.split_once('_') else {
        return Err(invalid(path, format!("{:?}: {shape}", pool.pool_id)));
    };
    if !is_region(prefix) {
        return Err(invalid(
            path,
            format!("{prefix:?} is not an AWS region; {shape}"),
        ));
    }
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(invalid(
            path,
            format!("pool name {name:?} must be letters and digits; {shape}"),
        ));
    }
    same_region(prefix, &pool.region, path, &paths.user_pool_region)?;
    check_client_id(&pool.app_client_id, &paths.user_pool_client_id)?;
    check_secret(pool.app_client_secret.as_ref(), &paths.user_pool_secret)
}

fn check_identity_pool(
    pool: &IdentityPoolConfig,
    paths: &Paths,
    ids: IdShape,
) -> Result<(), ConfigError> {
    check_region(&pool.region, &paths.identity_pool_region)?;
    let path = &paths.identity_pool_id;
    non_empty(&pool.pool_id, path)?;
    let shape =
        "expected `<region>:<uuid>`, e.g. \"us-east-1:0a1b2c3d-4e5f-6789-abcd-ef0123456789\"";
    match (pool.pool_id.split_once(':'), ids) {
        (Some((prefix, uuid)), IdShape::Strict) => {
            if !is_region(prefix) {
                return Err(invalid(
                    path,
                    format!("{prefix:?} is not an AWS region; {shape}"),
                ));
            }
            if !is_uuid(uuid) {
                return Err(invalid(path, format!("{uuid:?} is not a UUID; {shape}")));
            }
            same_region(prefix, &pool.region, path, &paths.identity_pool_region)
        }
        (None, IdShape::Strict) => Err(invalid(path, format!("{:?}: {shape}", pool.pool_id))),
        (Some((prefix, _)), IdShape::Lenient) if is_region(prefix) => {
            same_region(prefix, &pool.region, path, &paths.identity_pool_region)
        }
        (_, IdShape::Lenient) => Ok(()),
    }
}

fn check_oauth(oauth: &OAuthConfig, paths: &Paths) -> Result<(), ConfigError> {
    let path = &paths.oauth_domain;
    non_empty(&oauth.web_domain, path)?;
    if oauth.web_domain.contains("://") {
        return Err(invalid(
            path,
            "give the domain without a scheme: \"https://\" is added when it is used".to_owned(),
        ));
    }
    if oauth
        .web_domain
        .chars()
        .any(|c| c == '/' || c.is_whitespace())
    {
        return Err(invalid(
            path,
            format!(
                "{:?} must be a bare host name, without path or spaces",
                oauth.web_domain
            ),
        ));
    }
    check_client_id(&oauth.app_client_id, &paths.oauth_client_id)?;
    check_secret(oauth.app_client_secret.as_ref(), &paths.oauth_secret)?;
    check_redirect(&oauth.sign_in_redirect_uri, &paths.oauth_sign_in_redirect)?;
    match (&oauth.sign_out_redirect_uri, &oauth.sign_out_uri) {
        (Some(uri), _) => check_redirect(uri, &paths.oauth_sign_out_redirect)?,
        (None, Some(_)) => {}
        (None, None) => {
            return Err(ConfigError::MissingField {
                path: paths.oauth_sign_out_redirect.clone(),
            })
        }
    }
    for (index, scope) in oauth.scopes.iter().enumerate() {
        let path = format!("{}[{index}]", paths.oauth_scopes);
        non_empty(scope, &path)?;
        if scope.chars().any(char::is_whitespace) {
            return Err(invalid(
                &path,
                format!("scope {scope:?} must not contain whitespace"),
            ));
        }
    }
    check_endpoint(oauth.token_uri.as_deref(), &paths.oauth_token_uri)?;
    check_endpoint(oauth.sign_in_uri.as_deref(), &paths.oauth_sign_in_uri)?;
    check_endpoint(oauth.sign_out_uri.as_deref(), &paths.oauth_sign_out_uri)
}

fn invalid(path: &str, reason: String) -> ConfigError {
    ConfigError::InvalidValue {
        path: path.to_owned(),
        reason,
    }
}

fn non_empty(value: &str, path: &str) -> Result<(), ConfigError> {
    if value.trim().is_empty() {
        Err(invalid(path, "must not be empty".to_owned()))
    } else {
        Ok(())
    }
}

fn check_region(region: &str, path: &str) -> Result<(), ConfigError> {
    non_empty(region, path)?;
    if is_region(region) {
        Ok(())
    } else {
        Err(invalid(
            path,
            format!("{region:?} is not an AWS region such as \"us-east-1\""),
        ))
    }
}

/// `<prefix>` of a pool id must be the pool's region.
fn same_region(
    prefix: &str,
    region: &str,
    path: &str,
    region_path: &str,
) -> Result<(), ConfigError> {
    if prefix == region {
        Ok(())
    } else {
        Err(ConfigError::Inconsistent {
            path: path.to_owned(),
            reason: format!(
                "the pool id names region {prefix:?} but `{region_path}` is {region:?}"
            ),
        })
    }
}

/// Cognito app client ids match `[\w+]+` and are at most 128 characters long.
fn check_client_id(client_id: &str, path: &str) -> Result<(), ConfigError> {
    non_empty(client_id, path)?;
    let valid = client_id.len() <= 128
        && client_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '+');
    if valid {
        Ok(())
    } else {
        Err(invalid(
            path,
            format!(
                "{client_id:?} is not an app client id (letters, digits, '_' and '+', \
                 at most 128)"
            ),
        ))
    }
}

/// Secrets are only checked for presence: their value must not reach any message.
fn check_secret(secret: Option<&Secret<String>>, path: &str) -> Result<(), ConfigError> {
    match secret {
        Some(secret) if secret.expose().trim().is_empty() => Err(invalid(
            path,
            "must not be empty (leave the field out if the client has no secret)".to_owned(),
        )),
        _ => Ok(()),
    }
}

/// A redirect URI needs a scheme (`myapp://`, `https://...`).
fn check_redirect(uri: &str, path: &str) -> Result<(), ConfigError> {
    non_empty(uri, path)?;
    let has_scheme = uri.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if !has_scheme {
        return Err(invalid(
            path,
            format!("{uri:?} needs a scheme, e.g. \"myapp://callback\""),
        ));
    }
    if uri.chars().any(char::is_whitespace) {
        return Err(invalid(
            path,
            format!("{uri:?} must not contain whitespace"),
        ));
    }
    Ok(())
}

/// Custom OAuth endpoints (Auth0 and the like) are absolute https URLs; plain http only to a
/// loopback host (a local emulator), where nothing crosses the network.
fn check_endpoint(uri: Option<&str>, path: &str) -> Result<(), ConfigError> {
    let Some(uri) = uri else {
        return Ok(());
    };
    non_empty(uri, path)?;
    let rest = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.chars().any(char::is_whitespace) => {
            if crate::config::is_secure_endpoint(uri) {
                Ok(())
            } else {
                Err(ConfigError::InsecureEndpoint {
                    path: path.to_owned(),
                })
            }
        }
        _ => Err(invalid(
            path,
            format!("{uri:?} must be an absolute https:// URL"),
        )),
    }
}

/// An AWS region name: `us-east-1`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`.
fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return false;
    };
    let letters = |part: &&str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase());
    first.len() == 2
        && letters(first)
        && !middle.is_empty()
        && middle.iter().all(letters)
        && (1..=2).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        for good in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "us-isob-east-1",
            "ap-southeast-5",
        ] {
            assert!(is_region(good), "{good}");
        }
        for bad in [
            "",
            "us",
            "us-east",
            "US-EAST-1",
            "XX-XXXX-X",
            "use-east-1",
            "us--1",
            "us-east-123",
            "us-east-1 ",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn uuids() {
        assert!(is_uuid("0a1b2c3d-4e5f-6789-abcd-ef0123456789"));
        assert!(!is_uuid("0a1b2c3d-4e5f-6789-abcd-ef012345678"));
        assert!(!is_uuid("0a1b2c3d4e5f6789abcdef0123456789"));
        assert!(!is_uuid("0a1b2c3d-4e5f-6789-abcd-ef012345678g"));
    }
}

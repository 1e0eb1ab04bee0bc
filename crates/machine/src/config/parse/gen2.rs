//! The Amplify Gen 2 `amplify_outputs.json` shape (schema versions `1` to `1.x`, as published
//! by `@aws-amplify/backend`): structure and types. Value rules live in `check`.

use crate::config::{Config, IdentityPoolConfig, OAuthConfig, Tuning, UserPoolConfig};

use super::check::Paths;
use super::json::Obj;
use super::ConfigError;

/// Reads the document, returning the paths its fields were read from for the value rules.
pub(super) fn parse(root: &Obj<'_>) -> Result<(Config, Paths), ConfigError> {
    check_version(root)?;
    let Some(auth) = root.opt_obj("auth")? else {
        return Err(ConfigError::NothingConfigured);
    };

    let region = auth.req_str("aws_region")?;
    let user_pool_id = auth.req_str("user_pool_id")?;
    let client_id = auth.req_str("user_pool_client_id")?;
    let user_pool = UserPoolConfig {
        pool_id: user_pool_id.to_owned(),
        app_client_id: client_id.to_owned(),
        // Gen 2 app clients are public: there is no secret to read.
        app_client_secret: None,
        region: region.to_owned(),
        auth_flow: Default::default(),
    };

    let identity_pool = match auth.opt_str("identity_pool_id")? {
        Some(pool_id) => Some(IdentityPoolConfig {
            pool_id: pool_id.to_owned(),
            region: region.to_owned(),
            // Gen 2 backends enable guests unless told otherwise.
            allow_guest: auth
                .opt_bool("unauthenticated_identities_enabled")?
                .unwrap_or(true),
        }),
        None => None,
    };

    let oauth = match auth.opt_obj("oauth")? {
        Some(oauth) => Some(parse_oauth(&oauth, client_id)?),
        None => None,
    };

    let config = Config {
        user_pool: Some(user_pool),
        identity_pool,
        oauth,
        tuning: Tuning::default(),
    };
    Ok((config, Paths::amplify_outputs()))
}

/// `version` is required; only major version 1 is understood.
fn check_version(root: &Obj<'_>) -> Result<(), ConfigError> {
    let version = root.req_str("version")?;
    if version == "1" || version.starts_with("1.") {
        Ok(())
    } else {
        Err(ConfigError::InvalidValue {
            path: root.path_of("version"),
            reason: format!("unsupported schema version {version:?}; this parser reads 1.x"),
        })
    }
}

fn parse_oauth(oauth: &Obj<'_>, client_id: &str) -> Result<OAuthConfig, ConfigError> {
    let web_domain = oauth.req_str("domain")?;
    let scopes = oauth.req_str_array("scopes")?;
    let sign_in = first_uri(oauth, "redirect_sign_in_uri")?;
    let sign_out = first_uri(oauth, "redirect_sign_out_uri")?;
    let response_type = oauth.req_str("response_type")?;
    if response_type != "code" {
        return Err(ConfigError::InvalidValue {
            path: oauth.path_of("response_type"),
            reason: format!(
                "response type {response_type:?} is not supported; only \"code\" \
                 (authorization code with PKCE) is"
            ),
        });
    }
    Ok(OAuthConfig {
        web_domain: web_domain.to_owned(),
        app_client_id: client_id.to_owned(),
        app_client_secret: None,
        sign_in_redirect_uri: sign_in,
        sign_out_redirect_uri: Some(sign_out),
        scopes,
        token_uri: None,
        sign_in_uri: None,
        sign_out_uri: None,
        sign_out_uri_query_parameters: Default::default(),
        sign_in_uri_query_parameters: Default::default(),
        token_uri_query_parameters: Default::default(),
    })
}

/// The first URI of a redirect list, which must not be empty.
fn first_uri(oauth: &Obj<'_>, key: &str) -> Result<String, ConfigError> {
    let uris = oauth.req_str_array(key)?;
    uris.into_iter()
        .next()
        .ok_or_else(|| ConfigError::InvalidValue {
            path: oauth.path_of(key),
            reason: "at least one redirect URI is required".to_owned(),
        })
}

//! External identity providers of identity pools: social providers (`SupportedLoginProviders`),
//! OpenID Connect providers (`OpenIdConnectProviderARNs`) and SAML providers
//! (`SamlProviderARNs`), and how the emulator judges their tokens.
//!
//! The emulator cannot ask Facebook, Google, Amazon, Apple or a SAML IdP whether a token is
//! theirs. Tests register the tokens such a provider would have issued (a documented test seam:
//! `POST /_emulator/federation/tokens`, or [`Emulator::register_provider_token`]); any other
//! token is refused as Cognito refuses a forged one. OIDC tokens are real JWTs: verified
//! against the JWKS a test registers for the issuer (`POST /_emulator/federation/oidc`), or,
//! when the issuer is one of the emulator's own user pools, against the emulator's own key, so
//! a user pool can stand in for any OIDC provider.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::model::IdentityPool;
use crate::state::Emulator;
use crate::time::UnixMillis;

/// A token a test says a provider issued.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ProviderToken {
    /// The user the provider vouches for (the identity is stable per subject).
    pub subject: String,
    /// When the provider's token expires (epoch milliseconds); never, if absent.
    #[serde(default)]
    pub expires_ms: Option<u64>,
    /// The app id the token was issued to; when set, it must be the app id the identity pool
    /// configures for the provider (`SupportedLoginProviders`).
    #[serde(default)]
    pub audience: Option<String>,
    /// The roles a SAML assertion names (`CustomRoleArn` chooses among them).
    #[serde(default)]
    pub roles: Vec<String>,
}

impl ProviderToken {
    /// A token for `subject` that never expires.
    pub fn new(subject: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            ..Self::default()
        }
    }

    /// Expires at `at`.
    #[must_use]
    pub fn expires_at(mut self, at: UnixMillis) -> Self {
        self.expires_ms = Some(at.0);
        self
    }

    /// Names these roles (a SAML assertion).
    #[must_use]
    pub fn roles(mut self, roles: Vec<String>) -> Self {
        self.roles = roles;
        self
    }
}

/// What tests registered: provider tokens by `(login key, token)`, OIDC JWKS by issuer.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProviderRegistry {
    tokens: BTreeMap<(String, String), ProviderToken>,
    oidc_jwks: BTreeMap<String, Value>,
}

/// A login an external provider vouched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct External {
    pub(crate) subject: String,
    /// Roles the token names (SAML), for `CustomRoleArn`.
    pub(crate) roles: Vec<String>,
    /// The claims role-mapping rules see: an OIDC token's own; for a registered token, `iss`
    /// (the provider), `sub` and `aud` (its audience, if registered with one).
    pub(crate) claims: serde_json::Map<String, Value>,
}

impl Emulator {
    /// Registers `token` as issued by the provider whose login key is `provider`
    /// (`graph.facebook.com`, a SAML provider ARN, ...). Replaces an earlier registration.
    pub fn register_provider_token(&mut self, provider: &str, token: &str, reg: ProviderToken) {
        self.providers
            .tokens
            .insert((provider.to_owned(), token.to_owned()), reg);
    }

    /// Registers the JWKS that signs the id tokens of the OIDC provider `issuer`
    /// (`https://login.example.com`).
    pub fn register_oidc_jwks(&mut self, issuer: &str, jwks: Value) {
        self.providers
            .oidc_jwks
            .insert(issuer.trim_end_matches('/').to_owned(), jwks);
    }
}

pub(crate) fn invalid_login(why: &str) -> ApiError {
    ApiError::not_authorized(format!("Invalid login token. {why}"))
}

/// The login key of an IAM OIDC provider ARN (`arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH`).
pub(crate) fn oidc_key(arn: &str) -> Option<&str> {
    arn.split_once(":oidc-provider/").map(|(_, key)| key)
}

/// Whether `arn` has the shape of an IAM provider ARN of `kind` (`oidc-provider`, `saml-provider`).
pub(crate) fn is_provider_arn(arn: &str, kind: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts[..], ["arn", _, "iam", "", account, resource]
        if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
            && resource.strip_prefix(kind).and_then(|r| r.strip_prefix('/')).is_some_and(|n| !n.is_empty()))
}

/// Judges a login for an external provider the pool accepts. `None`: the pool accepts no
/// external provider under this key.
pub(crate) fn verify_external(
    emu: &Emulator,
    pool: &IdentityPool,
    provider: &str,
    token: &str,
    now: UnixMillis,
) -> Option<ApiResult<External>> {
    if let Some(app_id) = pool.supported_logins.get(provider) {
        return Some(match &emu.external_verifier {
            Some(verify) => verify(provider, token, now)
                .map(|subject| External {
                    claims: basic_claims(provider, &subject, Some(app_id)),
                    subject,
                    roles: Vec::new(),
                })
                .map_err(|why| invalid_login(&why)),
            None => registered(emu, provider, token, Some(app_id), now),
        });
    }
    if pool
        .oidc_providers
        .iter()
        .any(|arn| oidc_key(arn) == Some(provider))
    {
        return Some(verify_oidc(emu, provider, token, now));
    }
    if pool.saml_providers.iter().any(|arn| arn == provider) {
        return Some(registered(emu, provider, token, None, now));
    }
    None
}

fn registered(
    emu: &Emulator,
    provider: &str,
    token: &str,
    app_id: Option<&String>,
    now: UnixMillis,
) -> ApiResult<External> {
    let reg = emu
        .providers
        .tokens
        .get(&(provider.to_owned(), token.to_owned()))
        .ok_or_else(|| invalid_login(&format!("The token was not issued by {provider}.")))?;
    if reg.expires_ms.is_some_and(|exp| exp <= now.0) {
        return Err(invalid_login("Token expired."));
    }
    if let (Some(aud), Some(app_id)) = (&reg.audience, app_id) {
        if aud != app_id {
            return Err(invalid_login(
                "The token was issued to another app than the identity pool's.",
            ));
        }
    }
    Ok(External {
        subject: reg.subject.clone(),
        roles: reg.roles.clone(),
        claims: basic_claims(provider, &reg.subject, reg.audience.as_ref().or(app_id)),
    })
}

/// `iss`, `sub` and `aud` of a provider token the emulator only knows by registration.
fn basic_claims(
    provider: &str,
    subject: &str,
    aud: Option<&String>,
) -> serde_json::Map<String, Value> {
    let mut claims = serde_json::Map::new();
    claims.insert("iss".into(), Value::from(provider));
    claims.insert("sub".into(), Value::from(subject));
    if let Some(aud) = aud {
        claims.insert("aud".into(), Value::from(aud.as_str()));
    }
    claims
}

/// An OIDC id token: signed by the issuer's keys, issued by `https://<provider>`, unexpired.
fn verify_oidc(
    emu: &Emulator,
    provider: &str,
    token: &str,
    now: UnixMillis,
) -> ApiResult<External> {
    let issuer = format!("https://{provider}");
    let claims = if is_own_user_pool(emu, provider) {
        emu.signer.verify(token)
    } else {
        let jwks = emu.providers.oidc_jwks.get(&issuer).ok_or_else(|| {
            invalid_login(&format!(
                "No keys are known for the OpenID Connect provider {issuer}."
            ))
        })?;
        crate::jwt::verify_with_jwks(jwks, token)
    }
    .map_err(|_| invalid_login("Token signature invalid."))?;
    let s = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or_default();
    if s("iss").trim_end_matches('/') != issuer {
        return Err(invalid_login("Issuer doesn't match providerName"));
    }
    if claims.get("aud").is_none() {
        return Err(invalid_login("Missing a required claim: aud"));
    }
    if claims.get("exp").and_then(Value::as_u64).unwrap_or(0) <= now.secs() {
        return Err(invalid_login("Token expired."));
    }
    if s("sub").is_empty() {
        return Err(invalid_login("Missing a required claim: sub"));
    }
    Ok(External {
        subject: s("sub").to_owned(),
        roles: Vec::new(),
        claims,
    })
}

/// Whether `key` (`cognito-idp.<region>.amazonaws.com/<pool id>`) names an emulated user pool.
fn is_own_user_pool(emu: &Emulator, key: &str) -> bool {
    key.split_once('/').is_some_and(|(host, pool_id)| {
        host == format!("cognito-idp.{}.amazonaws.com", emu.config.region)
            && emu.pools.contains_key(pool_id)
    })
}

/// The role `CustomRoleArn` chooses: it must be one the login tokens name. A token naming
/// several roles needs the choice (AWS documents an error for a SAML assertion with several
/// roles and no custom role).
pub(crate) fn custom_role(roles: &[String], custom: Option<&str>) -> ApiResult<Option<String>> {
    match custom {
        // Providers without roles in their tokens do not customise the role.
        Some(_) if roles.is_empty() => Ok(None),
        Some(arn) if roles.iter().any(|r| r == arn) => Ok(Some(arn.to_owned())),
        Some(arn) => Err(ApiError::invalid_parameter(format!(
            "CustomRoleArn {arn} is not among the roles the login token names."
        ))),
        None if roles.len() > 1 => Err(ApiError::invalid_parameter(
            "The login token names several roles: choose one with CustomRoleArn.",
        )),
        None => Ok(None),
    }
}

//! Identity pools (`AWSCognitoIdentityService.*`): identities that are stable per login, logins
//! validated (user-pool id tokens by signature, issuer and audience; external providers by the
//! configured verifier; developer identities), temporary credentials and OpenID tokens.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::federation::invalid_login;
use crate::model::{Identity, IdentityPool};
use crate::params::Params;
use crate::role_mapping::LoginClaims;
use crate::state::Emulator;
use crate::time::UnixMillis;

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// The issuer of OpenID tokens minted by identity pools.
const OPENID_ISSUER: &str = "https://cognito-identity.amazonaws.com";
/// The provider name under which those tokens come back as logins.
const OPENID_PROVIDER: &str = "cognito-identity.amazonaws.com";

pub(crate) fn list_identity_pools(emu: &Emulator) -> ApiResult<Value> {
    let pools: Vec<Value> = emu
        .identity_pools
        .values()
        .map(|i| json!({"IdentityPoolId": i.id, "IdentityPoolName": i.name}))
        .collect();
    Ok(json!({ "IdentityPools": pools }))
}

pub(crate) fn delete_identity_pool(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let id = p.str("IdentityPoolId")?;
    emu.identity_pools
        .remove(id)
        .ok_or_else(|| pool_not_found(id))?;
    Ok(json!({}))
}

pub(crate) fn describe_identity_pool(emu: &Emulator, p: Params<'_>) -> ApiResult<Value> {
    describe(emu, p.str("IdentityPoolId")?)
}

pub(crate) fn describe_identity(emu: &Emulator, p: Params<'_>) -> ApiResult<Value> {
    let id = p.str("IdentityId")?;
    let (_, ident) = find_identity(emu, id)?;
    let providers: BTreeSet<&str> = ident
        .logins
        .iter()
        .map(|l| l.split('|').next().unwrap_or_default())
        .collect();
    Ok(json!({
        "IdentityId": id,
        "Logins": providers,
        "CreationDate": ident.created.epoch_f64(),
        "LastModifiedDate": ident.modified.epoch_f64(),
    }))
}

pub(crate) fn pool_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("IdentityPool '{id}' not found."))
}

pub(crate) fn create_identity_pool(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let name = p.str("IdentityPoolName")?.to_owned();
    let allow = p
        .opt_bool("AllowUnauthenticatedIdentities")
        .ok_or_else(|| crate::params::missing("AllowUnauthenticatedIdentities"))?;
    let id = {
        let u = emu.uuid();
        format!("{}:{u}", emu.config.region)
    };
    let pool = build_identity_pool(id.clone(), name, allow, p)?;
    emu.identity_pools.insert(id.clone(), pool);
    describe(emu, &id)
}

/// Builds an identity pool from a `CreateIdentityPool` request.
pub(crate) fn build_identity_pool(
    id: String,
    name: String,
    allow: bool,
    p: Params<'_>,
) -> ApiResult<IdentityPool> {
    let providers =
        p.0.get("CognitoIdentityProviders")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| {
                        Some((
                            x.get("ProviderName")?.as_str()?.to_owned(),
                            x.get("ClientId")?.as_str()?.to_owned(),
                            x.get("ServerSideTokenCheck")
                                .and_then(Value::as_bool)
                                .unwrap_or(false),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
    let oidc_providers = provider_arns(p, "OpenIdConnectProviderARNs", "oidc-provider")?;
    let saml_providers = provider_arns(p, "SamlProviderARNs", "saml-provider")?;
    let developer_provider = p.opt_str("DeveloperProviderName").map(str::to_owned);
    if let Some(dev) = &developer_provider {
        // Cognito reserves the `cognito-` prefix and takes 1-100 characters.
        if dev.is_empty() || dev.len() > 100 || dev.starts_with("cognito-") {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid DeveloperProviderName: {dev}"
            )));
        }
    }
    Ok(IdentityPool {
        id,
        name,
        allow_unauthenticated: allow,
        allow_classic_flow: p.opt_bool("AllowClassicFlow").unwrap_or(false),
        cognito_providers: providers,
        supported_logins: p.string_map("SupportedLoginProviders"),
        oidc_providers,
        saml_providers,
        developer_provider,
        roles: BTreeMap::new(),
        role_mappings: None,
        mappings: BTreeMap::new(),
        raw: p.0.clone(),
        by_login: BTreeMap::new(),
        identities: BTreeMap::new(),
    })
}

/// A list of IAM provider ARNs of `kind`; anything else is an `InvalidParameterException`.
fn provider_arns(p: Params<'_>, name: &str, kind: &str) -> ApiResult<Vec<String>> {
    let arns = p.string_list(name).unwrap_or_default();
    match arns
        .iter()
        .find(|a| !crate::federation::is_provider_arn(a, kind))
    {
        Some(bad) => Err(ApiError::invalid_parameter(format!(
            "Invalid {name}: {bad} is not an IAM {kind} ARN."
        ))),
        None => Ok(arns),
    }
}

/// `UpdateIdentityPool`: the request is the whole new configuration (as in Cognito, fields left
/// out are cleared); identities, logins and roles are kept. A developer provider name, once
/// set, cannot change.
pub(crate) fn update_identity_pool(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let id = p.str("IdentityPoolId")?.to_owned();
    let name = p.str("IdentityPoolName")?.to_owned();
    let allow = p
        .opt_bool("AllowUnauthenticatedIdentities")
        .ok_or_else(|| crate::params::missing("AllowUnauthenticatedIdentities"))?;
    let old = emu
        .identity_pools
        .get(&id)
        .ok_or_else(|| pool_not_found(&id))?;
    let mut pool = build_identity_pool(id.clone(), name, allow, p)?;
    if let Some(dev) = &old.developer_provider {
        if pool.developer_provider.as_ref().is_some_and(|d| d != dev) {
            return Err(ApiError::invalid_parameter(
                "The developer provider name cannot be changed once set.",
            ));
        }
        pool.developer_provider = Some(dev.clone());
    }
    pool.roles.clone_from(&old.roles);
    pool.role_mappings.clone_from(&old.role_mappings);
    pool.mappings.clone_from(&old.mappings);
    if let Some(o) = emu.identity_pools.get_mut(&id) {
        pool.by_login = std::mem::take(&mut o.by_login);
        pool.identities = std::mem::take(&mut o.identities);
    }
    emu.identity_pools.insert(id.clone(), pool);
    describe(emu, &id)
}

fn describe(emu: &Emulator, id: &str) -> ApiResult<Value> {
    let pool = emu
        .identity_pools
        .get(id)
        .ok_or_else(|| pool_not_found(id))?;
    let mut v = pool.raw.clone();
    if let Some(o) = v.as_object_mut() {
        o.insert("IdentityPoolId".into(), json!(pool.id));
        o.insert("IdentityPoolName".into(), json!(pool.name));
        o.insert(
            "AllowUnauthenticatedIdentities".into(),
            json!(pool.allow_unauthenticated),
        );
        o.insert("AllowClassicFlow".into(), json!(pool.allow_classic_flow));
        // A seed may carry the pool's roles; Cognito answers them only in GetIdentityPoolRoles.
        o.remove("Roles");
        o.remove("RoleMappings");
    }
    Ok(v)
}

/// Validated logins: their keys (`provider|subject`), the roles their tokens name, and what
/// role mapping reads of each.
#[derive(Debug, Default)]
struct Validated {
    keys: Vec<String>,
    roles: Vec<String>,
    logins: Vec<LoginClaims>,
}

/// Validates every login and returns their keys (`provider|subject`).
fn validate_logins(
    emu: &Emulator,
    pool: &IdentityPool,
    logins: &BTreeMap<String, String>,
    now: UnixMillis,
) -> ApiResult<Vec<String>> {
    validate(emu, pool, logins, now).map(|v| v.keys)
}

/// Validates every login: user-pool id tokens, identity-pool OpenID tokens (developer
/// identities), then the external providers the pool accepts (`crate::federation`).
fn validate(
    emu: &Emulator,
    pool: &IdentityPool,
    logins: &BTreeMap<String, String>,
    now: UnixMillis,
) -> ApiResult<Validated> {
    let mut keys = Vec::new();
    let mut roles = Vec::new();
    let mut mapped = Vec::new();
    for (provider, token) in logins {
        let subject = if let Some(client_ids) = cognito_provider(pool, provider) {
            let claims = emu
                .signer
                .verify(token)
                .map_err(|_| invalid_login("Token signature invalid."))?;
            let s = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or_default();
            if s("iss") != format!("https://{provider}") {
                return Err(invalid_login("Issuer doesn't match providerName"));
            }
            if s("token_use") != "id" {
                return Err(invalid_login("Not an id token."));
            }
            let Some((_, server_side_check)) =
                client_ids.iter().find(|(c, _)| c.as_str() == s("aud"))
            else {
                return Err(invalid_login(
                    "Token audience is not a client of this identity pool.",
                ));
            };
            // With ServerSideTokenCheck, Cognito asks the user pool whether the user is still
            // signed in: a revoked token family or a deleted user is refused.
            if *server_side_check
                && (emu.revoked_families.contains(s("origin_jti"))
                    || !user_still_exists(emu, provider, s("cognito:username"), s("sub")))
            {
                return Err(invalid_login("Token has been revoked."));
            }
            if claims.get("exp").and_then(Value::as_u64).unwrap_or(0) <= now.secs() {
                return Err(invalid_login("Token expired."));
            }
            let sub = s("sub").to_owned();
            // Role mappings of a user pool are keyed by pool and app client.
            let key = format!("{provider}:{}", s("aud"));
            mapped.push(LoginClaims::from_jwt(key, claims));
            sub
        } else if provider == OPENID_PROVIDER {
            let claims = emu
                .signer
                .verify(token)
                .map_err(|_| invalid_login("Token signature invalid."))?;
            if claims.get("aud").and_then(Value::as_str) != Some(pool.id.as_str())
                || claims.get("exp").and_then(Value::as_u64).unwrap_or(0) <= now.secs()
            {
                return Err(invalid_login("Token is not valid for this identity pool."));
            }
            // Such a token stands for the identity itself.
            let sub = claims
                .get("sub")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            keys.push(format!("identity|{sub}"));
            continue;
        } else if let Some(verified) =
            crate::federation::verify_external(emu, pool, provider, token, now)
        {
            let verified = verified?;
            let mut login = LoginClaims::from_jwt(provider.clone(), verified.claims);
            if login.roles.is_empty() {
                login.roles.clone_from(&verified.roles);
            }
            mapped.push(login);
            roles.extend(verified.roles);
            verified.subject
        } else {
            return Err(ApiError::not_authorized(format!(
                "Token is not from a supported provider of this identity pool: {provider}"
            )));
        };
        keys.push(format!("{provider}|{subject}"));
    }
    Ok(Validated {
        keys,
        roles,
        logins: mapped,
    })
}

/// The clients configured for a user-pool provider, each with its `ServerSideTokenCheck`.
fn cognito_provider<'a>(pool: &'a IdentityPool, provider: &str) -> Option<Vec<(&'a String, bool)>> {
    let ids: Vec<(&String, bool)> = pool
        .cognito_providers
        .iter()
        .filter(|(p, _, _)| p == provider)
        .map(|(_, c, check)| (c, *check))
        .collect();
    (!ids.is_empty()).then_some(ids)
}

/// The identity that `keys` already belong to, if any (an `identity|id` key names it directly).
fn linked_identity(pool: &IdentityPool, keys: &[String]) -> Option<String> {
    keys.iter().find_map(|k| {
        k.strip_prefix("identity|")
            .filter(|id| pool.identities.contains_key(*id))
            .map(str::to_owned)
            .or_else(|| pool.by_login.get(k).cloned())
    })
}

fn new_identity(
    emu: &mut Emulator,
    pool_id: &str,
    keys: &[String],
    now: UnixMillis,
) -> ApiResult<String> {
    let id = {
        let u = emu.uuid();
        format!("{}:{u}", emu.config.region)
    };
    let pool = emu
        .identity_pools
        .get_mut(pool_id)
        .ok_or_else(|| pool_not_found(pool_id))?;
    let mut ident = Identity {
        created: now,
        modified: now,
        ..Identity::default()
    };
    for k in keys.iter().filter(|k| !k.starts_with("identity|")) {
        ident.logins.insert(k.clone());
        pool.by_login.insert(k.clone(), id.clone());
    }
    pool.identities.insert(id.clone(), ident);
    Ok(id)
}

pub(crate) fn get_id(emu: &mut Emulator, p: Params<'_>, now: UnixMillis) -> ApiResult<Value> {
    let pool_id = p.str("IdentityPoolId")?.to_owned();
    let logins = p.string_map("Logins");
    let pool = emu
        .identity_pools
        .get(&pool_id)
        .ok_or_else(|| pool_not_found(&pool_id))?;
    if logins.is_empty() {
        if !pool.allow_unauthenticated {
            return Err(ApiError::not_authorized(
                "Unauthenticated access is not supported for this identity pool.",
            ));
        }
        let id = new_identity(emu, &pool_id, &[], now)?;
        return Ok(json!({"IdentityId": id}));
    }
    let keys = validate_logins(emu, pool, &logins, now)?;
    let id = match linked_identity(pool, &keys) {
        Some(id) => {
            link(emu, &pool_id, &id, &keys, now)?;
            id
        }
        None => new_identity(emu, &pool_id, &keys, now)?,
    };
    Ok(json!({"IdentityId": id}))
}

fn link(
    emu: &mut Emulator,
    pool_id: &str,
    id: &str,
    keys: &[String],
    now: UnixMillis,
) -> ApiResult<()> {
    let pool = emu
        .identity_pools
        .get_mut(pool_id)
        .ok_or_else(|| pool_not_found(pool_id))?;
    for k in keys.iter().filter(|k| !k.starts_with("identity|")) {
        if let Some(other) = pool.by_login.get(k) {
            if other != id {
                return Err(ApiError::new(
                    ErrorKind::ResourceConflict,
                    "Logins are already linked to another identity.",
                ));
            }
        }
    }
    let ident = pool
        .identities
        .get_mut(id)
        .ok_or_else(|| identity_not_found(id))?;
    for k in keys.iter().filter(|k| !k.starts_with("identity|")) {
        ident.logins.insert(k.clone());
        pool.by_login.insert(k.clone(), id.to_owned());
    }
    ident.modified = now;
    Ok(())
}

fn identity_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("IdentityId '{id}' not found."))
}

fn find_identity<'a>(emu: &'a Emulator, id: &str) -> ApiResult<(&'a IdentityPool, &'a Identity)> {
    emu.identity_pools
        .values()
        .find_map(|p| p.identities.get(id).map(|i| (p, i)))
        .ok_or_else(|| identity_not_found(id))
}

/// Who may act for an identity: its pool, whether it is authenticated, the roles its login
/// tokens name.
struct Authorized {
    pool_id: String,
    authenticated: bool,
    roles: Vec<String>,
    logins: Vec<LoginClaims>,
}

/// Checks that `logins` may act for identity `id`.
fn authorize_identity(
    emu: &Emulator,
    id: &str,
    logins: &BTreeMap<String, String>,
    now: UnixMillis,
) -> ApiResult<Authorized> {
    let (pool, ident) = find_identity(emu, id)?;
    if logins.is_empty() {
        if !ident.logins.is_empty() {
            return Err(ApiError::not_authorized("Logins don't match. Please include at least one valid login for this identity or identity pool."));
        }
        if !pool.allow_unauthenticated {
            return Err(ApiError::not_authorized(
                "Unauthenticated access is not supported for this identity pool.",
            ));
        }
        return Ok(Authorized {
            pool_id: pool.id.clone(),
            authenticated: false,
            roles: Vec::new(),
            logins: Vec::new(),
        });
    }
    let Validated {
        keys,
        roles,
        logins: mapped,
    } = validate(emu, pool, logins, now)?;
    let matches = keys.iter().all(|k| {
        k.strip_prefix("identity|").map_or_else(
            || pool.by_login.get(k).map(String::as_str) == Some(id),
            |x| x == id,
        )
    });
    if !matches {
        return Err(ApiError::not_authorized("Logins don't match. Please include at least one valid login for this identity or identity pool."));
    }
    Ok(Authorized {
        pool_id: pool.id.clone(),
        authenticated: true,
        roles,
        logins: mapped,
    })
}

/// A guest identity shown logins becomes theirs: Cognito keeps the identity id when a guest
/// signs in ("Switching unauthenticated users to authenticated users": the old identity
/// retains its identifier). The logins are linked to it, unless they already belong to another
/// identity, into which the guest identity is merged: that identity is answered instead (which
/// is why GetCredentialsForIdentity answers an `IdentityId`).
fn hand_over_guest(
    emu: &mut Emulator,
    id: &str,
    logins: &BTreeMap<String, String>,
    now: UnixMillis,
) -> ApiResult<String> {
    let (pool, ident) = find_identity(emu, id)?;
    if logins.is_empty() || !ident.logins.is_empty() {
        return Ok(id.to_owned());
    }
    let keys = validate_logins(emu, pool, logins, now)?;
    if keys.iter().any(|k| k.starts_with("identity|")) {
        return Ok(id.to_owned());
    }
    let pool_id = pool.id.clone();
    match linked_identity(pool, &keys) {
        Some(other) => {
            if let Some(pool) = emu.identity_pools.get_mut(&pool_id) {
                pool.identities.remove(id);
            }
            Ok(other)
        }
        None => {
            link(emu, &pool_id, id, &keys, now)?;
            Ok(id.to_owned())
        }
    }
}

pub(crate) fn get_credentials(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let logins = p.string_map("Logins");
    let id = hand_over_guest(emu, p.str("IdentityId")?, &logins, now)?;
    let who = authorize_identity(emu, &id, &logins, now)?;
    let custom_arn = p.opt_str("CustomRoleArn");
    // A role mapping for the login decides first; without one, a token's own roles (SAML)
    // and then the pool's role.
    let role_arn =
        match crate::role_mapping::mapped_role(emu, &who.pool_id, &who.logins, custom_arn)? {
            Some(arn) => arn,
            None => match crate::federation::custom_role(&who.roles, custom_arn)? {
                Some(arn) => arn,
                None => crate::roles::role_for(emu, &who.pool_id, who.authenticated)?,
            },
        };
    let access = format!("ASIA{}", emu.random_string(16, UPPER_ALNUM));
    let secret = emu.random_string(40, crate::state::ALNUM);
    let token = emu.opaque_token(300);
    crate::roles::remember(
        emu,
        &access,
        crate::sts::IssuedCredentials {
            secret_access_key: secret.clone(),
            session_token: token.clone(),
            expires: now.plus_secs(3600),
            identity_id: id.clone(),
            role_arn,
        },
        now,
    );
    Ok(json!({
        "IdentityId": id,
        "Credentials": {
            "AccessKeyId": access,
            "SecretKey": secret,
            "SessionToken": token,
            "Expiration": now.plus_secs(3600).secs(),
        }
    }))
}

fn open_id_token(
    emu: &mut Emulator,
    pool_id: &str,
    id: &str,
    authenticated: bool,
    providers: Vec<String>,
    duration_s: u64,
    now: UnixMillis,
) -> String {
    let mut amr = vec![json!(if authenticated {
        "authenticated"
    } else {
        "unauthenticated"
    })];
    amr.extend(providers.into_iter().map(|p| json!(p)));
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(id));
    claims.insert("aud".into(), json!(pool_id));
    claims.insert("amr".into(), json!(amr));
    claims.insert("iss".into(), json!(OPENID_ISSUER));
    claims.insert("exp".into(), json!(now.secs() + duration_s));
    claims.insert("iat".into(), json!(now.secs()));
    claims.insert("jti".into(), json!(emu.uuid()));
    emu.sign_later(claims)
}

pub(crate) fn get_open_id_token(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let id = p.str("IdentityId")?.to_owned();
    let logins = p.string_map("Logins");
    let who = authorize_identity(emu, &id, &logins, now)?;
    let token = open_id_token(
        emu,
        &who.pool_id,
        &id,
        who.authenticated,
        logins.keys().cloned().collect(),
        600,
        now,
    );
    Ok(json!({"IdentityId": id, "Token": token}))
}

pub(crate) fn developer_token(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let pool_id = p.str("IdentityPoolId")?.to_owned();
    let logins = p.string_map("Logins");
    let duration = p
        .opt_i64("TokenDuration")
        .map_or(900, |d| d.clamp(1, 86_400) as u64);
    let pool = emu
        .identity_pools
        .get(&pool_id)
        .ok_or_else(|| pool_not_found(&pool_id))?;
    let dev = pool
        .developer_provider
        .clone()
        .ok_or_else(|| ApiError::not_authorized("The identity pool has no developer provider."))?;
    let mut keys = Vec::new();
    let mut others = BTreeMap::new();
    for (provider, value) in &logins {
        if *provider == dev {
            keys.push(format!("dev:{dev}|{value}"));
        } else {
            others.insert(provider.clone(), value.clone());
        }
    }
    keys.extend(validate_logins(emu, pool, &others, now)?);
    if keys.is_empty() {
        return Err(ApiError::invalid_parameter(
            "Logins must include the developer provider.",
        ));
    }
    let id = match (p.opt_str("IdentityId"), linked_identity(pool, &keys)) {
        (Some(given), Some(found)) if given != found => {
            return Err(ApiError::new(
                ErrorKind::DeveloperUserAlreadyRegistered,
                "The developer user is linked to another identity.",
            ))
        }
        (Some(given), _) => {
            link(emu, &pool_id, given, &keys, now)?;
            given.to_owned()
        }
        (None, Some(found)) => found,
        (None, None) => new_identity(emu, &pool_id, &keys, now)?,
    };
    let token = open_id_token(
        emu,
        &pool_id,
        &id,
        true,
        logins.keys().cloned().collect(),
        duration,
        now,
    );
    Ok(json!({"IdentityId": id, "Token": token}))
}

pub(crate) fn lookup_developer(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool_id = p.str("IdentityPoolId")?;
    let pool = emu
        .identity_pools
        .get(pool_id)
        .ok_or_else(|| pool_not_found(pool_id))?;
    let dev = pool.developer_provider.clone().unwrap_or_default();
    let prefix = format!("dev:{dev}|");
    let id = match (
        p.opt_str("IdentityId"),
        p.opt_str("DeveloperUserIdentifier"),
    ) {
        (Some(id), _) => id.to_owned(),
        (None, Some(user)) => pool
            .by_login
            .get(&format!("{prefix}{user}"))
            .cloned()
            .ok_or_else(|| ApiError::not_found("The developer user identifier was not found."))?,
        (None, None) => {
            return Err(ApiError::invalid_parameter(
                "IdentityId or DeveloperUserIdentifier is required.",
            ))
        }
    };
    let ident = pool
        .identities
        .get(&id)
        .ok_or_else(|| identity_not_found(&id))?;
    let users: Vec<&str> = ident
        .logins
        .iter()
        .filter_map(|l| l.strip_prefix(&prefix))
        .collect();
    if users.is_empty() {
        return Err(ApiError::not_found(
            "The identity has no developer user identifier.",
        ));
    }
    Ok(json!({"IdentityId": id, "DeveloperUserIdentifierList": users}))
}

fn user_still_exists(emu: &Emulator, provider: &str, username: &str, sub: &str) -> bool {
    let pool_id = provider.rsplit('/').next().unwrap_or_default();
    emu.pools
        .get(pool_id)
        .and_then(|p| p.users.get(username))
        .is_some_and(|u| u.sub == sub)
}

//! Token issuance: the access and id token claims, a new refresh token for a new sign-in, and
//! the device a tracking pool hands out with it.

use serde_json::{json, Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::model::{Device, RefreshRecord, User};
use crate::state::{Emulator, ALNUM};
use crate::time::UnixMillis;
use crate::user_pool::access::USER_ADMIN_SCOPE;
use crate::user_pool::groups::group_claims;
use crate::user_pool::lookup::{client, pool, pool_mut};

/// The claims access and id tokens share.
struct Common<'a> {
    iss: &'a str,
    client_id: &'a str,
    origin_jti: &'a str,
    event_id: &'a str,
    auth_time: u64,
    iat: u64,
    /// The access token's `scope` claim.
    scope: &'a str,
}

/// The scopes of a token family's access tokens: those the hosted UI granted when the family
/// began there, whichever endpoint refreshes it (a refresh never widens a grant), else the
/// API's [`USER_ADMIN_SCOPE`], which every sign-in through the API carries.
fn family_scope(emu: &Emulator, refresh: Option<&RefreshRecord>) -> String {
    refresh
        .and_then(|r| emu.oauth.family_scopes.get(&r.origin_jti))
        .cloned()
        .unwrap_or_else(|| USER_ADMIN_SCOPE.to_owned())
}

/// Issues access, id and (for a new sign-in) refresh tokens.
pub(crate) fn issue_tokens(
    emu: &mut Emulator,
    pool_id: &str,
    client_id: &str,
    key: &str,
    now: UnixMillis,
    device_key: Option<String>,
    refresh: Option<&RefreshRecord>,
) -> ApiResult<Value> {
    let validity = client(pool(emu, pool_id)?, client_id)?.validity;
    let origin_jti = match refresh {
        Some(r) => r.origin_jti.clone(),
        None => emu.uuid(),
    };
    let auth_time = refresh.map_or(now.secs(), |r| r.auth_time);
    let (access_jti, id_jti, event_id) = (emu.uuid(), emu.uuid(), emu.uuid());
    let iss = emu.issuer(pool_id);
    let scope = family_scope(emu, refresh);
    let pool = pool(emu, pool_id)?;
    let u = pool.users.get(key).ok_or_else(ApiError::user_not_found)?;
    let common = Common {
        iss: &iss,
        client_id,
        origin_jti: &origin_jti,
        event_id: &event_id,
        auth_time,
        iat: now.secs(),
        scope: &scope,
    };
    let groups = group_claims(pool, u);
    let mut access = access_claims(
        u,
        &common,
        device_key.as_deref(),
        validity.access_s,
        access_jti,
    );
    let mut id = id_claims(u, &common, validity.id_s, id_jti);
    // Both tokens list the user's groups; only the id token names their roles.
    if !groups.groups.is_empty() {
        access.insert("cognito:groups".into(), json!(groups.groups));
        id.insert("cognito:groups".into(), json!(groups.groups));
    }
    if !groups.roles.is_empty() {
        id.insert("cognito:roles".into(), json!(groups.roles));
    }
    if let Some(role) = groups.preferred_role {
        id.insert("cognito:preferred_role".into(), json!(role));
    }
    let username = u.username.clone();
    let tracking = pool.device_tracking();
    let mut result = json!({
        "AccessToken": emu.sign_later(access),
        "ExpiresIn": validity.access_s,
        "TokenType": "Bearer",
        "IdToken": emu.sign_later(id),
    });
    if refresh.is_none() {
        let token = format!("{}.{}", emu.opaque_token(120), emu.opaque_token(200));
        emu.refresh_tokens.insert(
            token.clone(),
            RefreshRecord {
                pool_id: pool_id.to_owned(),
                client_id: client_id.to_owned(),
                username,
                origin_jti,
                device_key: device_key.clone(),
                auth_time,
                expires: now.plus_secs(validity.refresh_s),
                revoked: false,
                rotated_at: None,
            },
        );
        result["RefreshToken"] = json!(token);
        if tracking && device_key.is_none() {
            result["NewDeviceMetadata"] = new_device(emu, pool_id, key, now)?;
        }
    }
    Ok(result)
}

/// A new refresh token replacing `old` under rotation: same user, client, token family and
/// device, and the same expiry (rotation slides the token, not the session's end).
pub(crate) fn rotated_refresh_token(emu: &mut Emulator, old: &RefreshRecord) -> String {
    let token = format!("{}.{}", emu.opaque_token(120), emu.opaque_token(200));
    emu.refresh_tokens.insert(
        token.clone(),
        RefreshRecord {
            rotated_at: None,
            revoked: false,
            ..old.clone()
        },
    );
    token
}

fn access_claims(
    u: &User,
    c: &Common<'_>,
    device_key: Option<&str>,
    validity_s: u64,
    jti: String,
) -> Map<String, Value> {
    let mut access = Map::new();
    access.insert("sub".into(), json!(u.sub));
    if let Some(d) = device_key {
        access.insert("device_key".into(), json!(d));
    }
    access.insert("iss".into(), json!(c.iss));
    access.insert("client_id".into(), json!(c.client_id));
    access.insert("origin_jti".into(), json!(c.origin_jti));
    access.insert("event_id".into(), json!(c.event_id));
    access.insert("token_use".into(), json!("access"));
    access.insert("scope".into(), json!(c.scope));
    access.insert("auth_time".into(), json!(c.auth_time));
    access.insert("exp".into(), json!(c.iat + validity_s));
    access.insert("iat".into(), json!(c.iat));
    access.insert("jti".into(), json!(jti));
    access.insert("username".into(), json!(u.username));
    access
}

fn id_claims(u: &User, c: &Common<'_>, validity_s: u64, jti: String) -> Map<String, Value> {
    let mut id = Map::new();
    id.insert("sub".into(), json!(u.sub));
    for (n, v) in &u.attributes {
        let value = match v.as_str() {
            "true" if n.ends_with("_verified") => json!(true),
            "false" if n.ends_with("_verified") => json!(false),
            _ => json!(v),
        };
        id.insert(n.clone(), value);
    }
    id.insert("iss".into(), json!(c.iss));
    id.insert("cognito:username".into(), json!(u.username));
    id.insert("origin_jti".into(), json!(c.origin_jti));
    id.insert("aud".into(), json!(c.client_id));
    id.insert("event_id".into(), json!(c.event_id));
    id.insert("token_use".into(), json!("id"));
    id.insert("auth_time".into(), json!(c.auth_time));
    id.insert("exp".into(), json!(c.iat + validity_s));
    id.insert("iat".into(), json!(c.iat));
    id.insert("jti".into(), json!(jti));
    id
}

/// A new, unconfirmed device for the user; its `NewDeviceMetadata`.
fn new_device(emu: &mut Emulator, pool_id: &str, key: &str, now: UnixMillis) -> ApiResult<Value> {
    let dk = {
        let u = emu.uuid();
        format!("{}_{u}", emu.config.region)
    };
    let gk = format!("-{}", emu.random_string(9, ALNUM));
    let u = pool_mut(emu, pool_id)?
        .users
        .get_mut(key)
        .ok_or_else(ApiError::user_not_found)?;
    u.devices.insert(
        dk.clone(),
        Device {
            key: dk.clone(),
            group_key: gk.clone(),
            verifier: None,
            name: None,
            remembered: false,
            created: now,
            last_modified: now,
            last_authenticated: now,
        },
    );
    Ok(json!({"DeviceKey": dk, "DeviceGroupKey": gk}))
}

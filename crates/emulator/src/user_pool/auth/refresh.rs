//! Token refresh: REFRESH_TOKEN_AUTH (InitiateAuth) and GetTokensFromRefreshToken, new access and
//! id tokens for a live refresh token of the same client; with the client's
//! `RefreshTokenRotation` on, GetTokensFromRefreshToken also replaces the refresh token.

use cognito_auth_wire::{flow, param};
use serde_json::{json, Value};

use super::steps::{required, Ctx, Fields};
use super::tokens::{issue_tokens, rotated_refresh_token};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::{AppClient, RefreshRecord};
use crate::params::Params;
use crate::state::Emulator;
use crate::time::UnixMillis;
use crate::user_pool::lookup::{client, pool, pool_of_client};
use crate::user_pool::passwords::check_secret_hash;

pub(super) fn refresh_auth(
    emu: &mut Emulator,
    ctx: &Ctx,
    params: &Fields,
    now: UnixMillis,
) -> ApiResult<Value> {
    // "You can't authenticate with REFRESH_TOKEN_AUTH in app clients with refresh token
    // rotation enabled" (developer guide, Refresh tokens): such a client must have the flow
    // disabled, so it is refused as any flow the client does not allow.
    if client(pool(emu, &ctx.pool_id)?, &ctx.client_id)?
        .rotation
        .enabled
    {
        return Err(ApiError::invalid_parameter(format!(
            "{} flow not enabled for this client",
            flow::REFRESH_TOKEN_AUTH
        )));
    }
    let token = required(params, param::REFRESH_TOKEN)?;
    let rec = live_record(emu, ctx, token, now)?;
    let c = client(pool(emu, &ctx.pool_id)?, &ctx.client_id)?;
    if c.secret.is_some() {
        let given = params.get(param::SECRET_HASH).map(String::as_str);
        let u = &pool(emu, &ctx.pool_id)?.users[&rec.username];
        let name = params
            .get(param::USERNAME)
            .cloned()
            .unwrap_or_else(|| u.username.clone());
        if check_secret_hash(c, &name, given).is_err()
            && check_secret_hash(c, &u.sub, given).is_err()
        {
            return check_secret_hash(c, &name, given).map(|()| Value::Null);
        }
    }
    let result = issue_tokens(
        emu,
        &ctx.pool_id,
        &ctx.client_id,
        &rec.username,
        now,
        rec.device_key.clone(),
        Some(&rec),
    )?;
    Ok(json!({"AuthenticationResult": result, "ChallengeParameters": {}}))
}

/// `GetTokensFromRefreshToken`: new access and id tokens; on a rotating client also a new
/// refresh token, the submitted one staying valid for `RetryGracePeriodSeconds` from its first
/// use (API reference, RefreshTokenRotationType).
pub(crate) fn get_tokens_from_refresh_token(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let token = p.str("RefreshToken")?.to_owned();
    let client_id = p.str("ClientId")?.to_owned();
    let ctx = Ctx {
        pool_id: pool_of_client(emu, &client_id)?,
        client_id,
        meta: p.string_map("ClientMetadata"),
    };
    let c = client(pool(emu, &ctx.pool_id)?, &ctx.client_id)?.clone();
    check_client_secret(&c, p.opt_str("ClientSecret"))?;
    let rec = live_record(emu, &ctx, &token, now)?;
    let mut result = issue_tokens(
        emu,
        &ctx.pool_id,
        &ctx.client_id,
        &rec.username,
        now,
        rec.device_key.clone(),
        Some(&rec),
    )?;
    if let Some(new) = rotate(emu, &c, &token, &rec, now) {
        result["RefreshToken"] = json!(new);
    }
    Ok(json!({"AuthenticationResult": result}))
}

/// On a client with rotation on, the refresh token replacing `token` (whose record is `rec`);
/// `token` stays usable for the client's grace period from its first use. `None` when the
/// client does not rotate.
pub(crate) fn rotate(
    emu: &mut Emulator,
    c: &AppClient,
    token: &str,
    rec: &RefreshRecord,
    now: UnixMillis,
) -> Option<String> {
    if !c.rotation.enabled {
        return None;
    }
    let new = rotated_refresh_token(emu, rec);
    if let Some(r) = emu.refresh_tokens.get_mut(token) {
        // The grace period runs from the first use; a retry within it does not extend it.
        r.rotated_at.get_or_insert(now);
    }
    Some(new)
}

/// The record of `token` if `client_id` of `pool_id` may refresh with it now (see
/// [`live_record`]); for the token endpoint, which answers its own error shape.
pub(crate) fn usable_refresh_token(
    emu: &Emulator,
    pool_id: &str,
    client_id: &str,
    token: &str,
    now: UnixMillis,
) -> ApiResult<RefreshRecord> {
    let ctx = Ctx {
        pool_id: pool_id.to_owned(),
        client_id: client_id.to_owned(),
        meta: Default::default(),
    };
    live_record(emu, &ctx, token, now)
}

/// GetTokensFromRefreshToken takes the client secret itself, not a SECRET_HASH.
fn check_client_secret(c: &AppClient, given: Option<&str>) -> ApiResult<()> {
    match (&c.secret, given) {
        (None, _) => Ok(()),
        (Some(s), Some(g)) if s.0 == g => Ok(()),
        (Some(_), _) => Err(ApiError::not_authorized(format!(
            "Unable to verify secret for client {}",
            c.id
        ))),
    }
}

/// The record of a refresh token that may be used now: issued to this client, not revoked,
/// not expired, not rotated out beyond the client's grace period, its user still enabled.
fn live_record(
    emu: &Emulator,
    ctx: &Ctx,
    token: &str,
    now: UnixMillis,
) -> ApiResult<RefreshRecord> {
    let rec = emu
        .refresh_tokens
        .get(token)
        .cloned()
        .ok_or_else(|| ApiError::not_authorized("Invalid Refresh Token"))?;
    if rec.client_id != ctx.client_id || rec.pool_id != ctx.pool_id {
        return Err(ApiError::not_authorized("Invalid Refresh Token"));
    }
    if rec.revoked {
        return Err(ApiError::not_authorized("Refresh Token has been revoked"));
    }
    if rec.expires <= now {
        return Err(ApiError::not_authorized("Refresh Token has expired"));
    }
    if let Some(at) = rec.rotated_at {
        let grace_s = client(pool(emu, &ctx.pool_id)?, &ctx.client_id)?
            .rotation
            .grace_s;
        if at.plus_secs(grace_s) <= now {
            return Err(ApiError::new(
                ErrorKind::RefreshTokenReuse,
                "Refresh token has been rotated and can no longer be used",
            ));
        }
    }
    let u = pool(emu, &ctx.pool_id)?
        .users
        .get(&rec.username)
        .ok_or_else(|| ApiError::not_authorized("Refresh Token has been revoked"))?;
    if !u.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    Ok(rec)
}

//! REFRESH_TOKEN_AUTH: new access and id tokens for a live refresh token of the same client.

use cognito_auth_wire::param;
use serde_json::{json, Value};

use super::steps::{required, Ctx, Fields};
use super::tokens::issue_tokens;
use crate::error::{ApiError, ApiResult};
use crate::state::Emulator;
use crate::time::UnixMillis;
use crate::user_pool::lookup::{client, pool};
use crate::user_pool::passwords::check_secret_hash;

pub(super) fn refresh_auth(
    emu: &mut Emulator,
    ctx: &Ctx,
    params: &Fields,
    now: UnixMillis,
) -> ApiResult<Value> {
    let token = required(params, param::REFRESH_TOKEN)?;
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
    let pool = pool(emu, &ctx.pool_id)?;
    let u = pool
        .users
        .get(&rec.username)
        .ok_or_else(|| ApiError::not_authorized("Refresh Token has been revoked"))?;
    if !u.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    let c = client(pool, &ctx.client_id)?;
    if c.secret.is_some() {
        let given = params.get(param::SECRET_HASH).map(String::as_str);
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
    let key = rec.username.clone();
    let device_key = rec.device_key.clone();
    let result = issue_tokens(
        emu,
        &ctx.pool_id,
        &ctx.client_id,
        &key,
        now,
        device_key,
        Some(&rec),
    )?;
    Ok(json!({"AuthenticationResult": result, "ChallengeParameters": {}}))
}

//! Access tokens: who a token speaks for, and revoking a user's token families.

use serde_json::Value;

use super::lookup::user_key;
use crate::error::{ApiError, ApiResult};
use crate::state::Emulator;
use crate::time::UnixMillis;

/// Who an access token speaks for.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) pool_id: String,
    pub(crate) user_key: String,
}

/// Verifies an access token: signature, `token_use`, expiry, revocation, and that its user
/// still exists (the same `sub`).
pub(crate) fn authorize(emu: &Emulator, token: &str, now: UnixMillis) -> ApiResult<Caller> {
    let claims = emu
        .signer
        .verify(token)
        .map_err(|_| ApiError::not_authorized("Invalid Access Token"))?;
    let s = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if s("token_use") != "access" {
        return Err(ApiError::not_authorized("Invalid Access Token"));
    }
    let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(0);
    if exp <= now.secs() {
        return Err(ApiError::not_authorized("Access Token has expired"));
    }
    if emu.revoked_families.contains(&s("origin_jti")) {
        return Err(ApiError::not_authorized("Access Token has been revoked"));
    }
    let iss = s("iss");
    let pool_id = iss.rsplit('/').next().unwrap_or_default().to_owned();
    let pool = emu
        .pools
        .get(&pool_id)
        .ok_or_else(|| ApiError::not_authorized("Invalid Access Token"))?;
    let key = user_key(pool, &s("username")).ok_or_else(ApiError::user_not_found)?;
    let user = pool.users.get(&key).ok_or_else(ApiError::user_not_found)?;
    if user.sub != s("sub") {
        return Err(ApiError::user_not_found());
    }
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    Ok(Caller {
        pool_id,
        user_key: key,
    })
}

/// Revokes every refresh-token family of a user (global sign-out).
pub(crate) fn revoke_user_tokens(emu: &mut Emulator, pool_id: &str, username: &str) {
    let mut families = Vec::new();
    for r in emu.refresh_tokens.values_mut() {
        if r.pool_id == pool_id && r.username == username {
            r.revoked = true;
            families.push(r.origin_jti.clone());
        }
    }
    emu.revoked_families.extend(families);
}

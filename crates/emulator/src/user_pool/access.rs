//! Access tokens: who a token speaks for, and revoking a user's token families.

use serde_json::Value;

use super::lookup::user_key;
use crate::error::{ApiError, ApiResult};
use crate::state::Emulator;
use crate::time::UnixMillis;

/// The scope of the user's self-service operations. Every operation the emulator authorizes
/// with an access token requires it: the API reference of each (GetUser, UpdateUserAttributes,
/// DeleteUserAttributes, DeleteUser, ChangePassword, GetUserAttributeVerificationCode,
/// VerifyUserAttribute, SetUserMFAPreference, AssociateSoftwareToken, VerifySoftwareToken,
/// ConfirmDevice, GetDevice, ListDevices, UpdateDeviceStatus, ForgetDevice, GlobalSignOut,
/// GetUserAuthFactors) says "It must include the scope `aws.cognito.signin.user.admin`" (for
/// VerifySoftwareToken, its `AccessToken` parameter: "Must include a scope claim for
/// aws.cognito.signin.user.admin"). Sign-in and refresh through the API always grant it; the
/// hosted UI only when the authorization request asked for it.
pub(crate) const USER_ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Who an access token speaks for, and the scopes it was granted.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) pool_id: String,
    pub(crate) user_key: String,
    pub(crate) scopes: Vec<String>,
}

impl Caller {
    pub(crate) fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// Verifies an access token for one of the user's self-service operations: everything
/// [`verify_access_token`] checks, and the [`USER_ADMIN_SCOPE`], whose absence Cognito answers
/// with `NotAuthorizedException` "Access Token does not have required scopes".
pub(crate) fn authorize(emu: &Emulator, token: &str, now: UnixMillis) -> ApiResult<Caller> {
    verify_access_token(emu, token, now, Some(USER_ADMIN_SCOPE))
}

/// Verifies an access token: signature, `token_use`, expiry, revocation, the `required` scope
/// if any, and that its user still exists (the same `sub`) and is enabled. The token's own
/// checks come before the user's.
pub(crate) fn verify_access_token(
    emu: &Emulator,
    token: &str,
    now: UnixMillis,
    required: Option<&str>,
) -> ApiResult<Caller> {
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
    let scopes: Vec<String> = s("scope").split_whitespace().map(str::to_owned).collect();
    if required.is_some_and(|r| !scopes.iter().any(|s| s == r)) {
        return Err(ApiError::not_authorized(
            "Access Token does not have required scopes",
        ));
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
        scopes,
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

//! The password in clear: USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH, and the new password
//! NEW_PASSWORD_REQUIRED asks of a user created with a temporary one.

use cognito_auth_wire::param;
use serde_json::Value;

use super::steps::{
    after_first_factor, after_password, check_client_secret, find_user, required, Answer, Ctx,
    Fields,
};
use crate::error::{ApiError, ApiResult};
use crate::model::UserStatus;
use crate::state::Emulator;
use crate::time::UnixMillis;
use crate::user_pool::lookup::{pool, pool_mut};
use crate::user_pool::passwords::{check_password_policy, password_matches, password_record};

/// `InitiateAuth` with USER_PASSWORD_AUTH (or its admin twin).
pub(super) fn password_auth(
    emu: &mut Emulator,
    ctx: &Ctx,
    params: &Fields,
    now: UnixMillis,
) -> ApiResult<Value> {
    let username = required(params, param::USERNAME)?;
    let password = required(params, param::PASSWORD)?;
    check_client_secret(emu, ctx, username, params)?;
    let key = find_user(emu, ctx, username)?;
    check_password(emu, ctx, &key, password)?;
    after_password(emu, ctx, &key, params.get(param::DEVICE_KEY).cloned(), now)
}

/// Refuses a wrong password as Cognito does, without saying which part was wrong.
pub(super) fn check_password(
    emu: &Emulator,
    ctx: &Ctx,
    key: &str,
    password: &str,
) -> ApiResult<()> {
    if password_matches(&pool(emu, &ctx.pool_id)?.users[key], password) {
        Ok(())
    } else {
        Err(ApiError::bad_credentials())
    }
}

/// NEW_PASSWORD_REQUIRED's answer: the new password (and any `userAttributes.*`) are stored,
/// then the sign-in goes on as after a first factor.
pub(super) fn answer_new_password(
    emu: &mut Emulator,
    a: Answer,
    now: UnixMillis,
) -> ApiResult<Value> {
    let password = required(&a.responses, param::NEW_PASSWORD)?;
    let key = &a.session.username;
    let (pool_name, canonical) = {
        let pool = pool(emu, &a.ctx.pool_id)?;
        check_password_policy(pool, password)?;
        (
            pool.srp_pool_name().to_owned(),
            pool.users[key].username.clone(),
        )
    };
    let rec = password_record(emu, &pool_name, &canonical, password, None);
    let u = pool_mut(emu, &a.ctx.pool_id)?
        .users
        .get_mut(key)
        .ok_or_else(ApiError::invalid_session)?;
    u.password = Some(rec);
    u.status = UserStatus::Confirmed;
    u.modified = now;
    for (k, v) in &a.responses {
        if let Some(attr) = k.strip_prefix(param::USER_ATTRIBUTES_PREFIX) {
            u.set_attr(attr, v);
        }
    }
    let device_key = a.session.device_key.clone();
    after_first_factor(emu, &a.ctx, key, device_key, false, now)
}

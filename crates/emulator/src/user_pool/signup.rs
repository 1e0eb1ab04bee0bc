//! Sign-up, confirmation codes and forgotten passwords.

use serde_json::{json, Value};

use super::codes::{send_code, take_code};
use super::lookup::{client, pool, pool_mut, pool_of_client, user_key};
use super::passwords::{check_password_policy, check_secret_hash, password_record};
use super::users::{canonical_name, check_attribute_names, new_user, username_attribute};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::{CodePurpose, UserStatus};
use crate::params::Params;
use crate::state::Emulator;
use crate::time::UnixMillis;

/// Sign-up codes live 24 hours, password-reset codes one hour (Cognito's figures).
const SIGN_UP_CODE_S: u64 = 24 * 3600;
const RESET_CODE_S: u64 = 3600;

/// Resolves the client and pool of a request and checks its `SecretHash`.
fn client_context(emu: &Emulator, p: Params<'_>, username: &str) -> ApiResult<String> {
    let client_id = p.str("ClientId")?;
    let pool_id = pool_of_client(emu, client_id)?;
    let pool = pool(emu, &pool_id)?;
    let client = client(pool, client_id)?;
    check_secret_hash(client, username, p.opt_str("SecretHash"))?;
    Ok(pool_id)
}

pub(crate) fn sign_up(emu: &mut Emulator, p: Params<'_>, now: UnixMillis) -> ApiResult<Value> {
    let given = p.str("Username")?.to_owned();
    let password = p.str("Password")?.to_owned();
    let pool_id = client_context(emu, p, &given)?;
    let mut attrs = p.attributes("UserAttributes");
    check_attribute_names(&attrs)?;
    let (pool_name, extra, auto_verified) = {
        let pool = pool(emu, &pool_id)?;
        if pool.allow_admin_create_user_only {
            return Err(ApiError::not_authorized(
                "SignUp is not permitted for this user pool",
            ));
        }
        if user_key(pool, &given).is_some() {
            return Err(ApiError::new(
                ErrorKind::UsernameExists,
                "User already exists",
            ));
        }
        check_password_policy(pool, &password)?;
        (
            pool.srp_pool_name().to_owned(),
            username_attribute(pool, &given)?,
            pool.auto_verified.clone(),
        )
    };
    if let Some(a) = extra {
        attrs.retain(|(n, _)| *n != a.0);
        attrs.push(a);
    }
    let mut u = new_user(emu, &given, attrs, UserStatus::Unconfirmed, now);
    u.username = canonical_name(pool(emu, &pool_id)?, &given, &u.sub);
    let key = u.username.clone();
    let sub = u.sub.clone();
    u.password = Some(password_record(emu, &pool_name, &key, &password, None));
    let has = |a: &str| u.attr(a).is_some() && auto_verified.iter().any(|x| x == a);
    let verify = has("email") || has("phone_number");
    pool_mut(emu, &pool_id)?.users.insert(key.clone(), u);
    let mut out = json!({"UserConfirmed": false, "UserSub": sub});
    if verify {
        out["CodeDeliveryDetails"] = send_code(
            emu,
            &pool_id,
            &key,
            CodePurpose::SignUp,
            SIGN_UP_CODE_S,
            now,
        )?;
    }
    Ok(out)
}

/// Marks the auto-verified contact attributes verified after a confirmation by code.
fn mark_verified(emu: &mut Emulator, pool_id: &str, key: &str) -> ApiResult<()> {
    let pool = pool_mut(emu, pool_id)?;
    let auto = pool.auto_verified.clone();
    let u = pool
        .users
        .get_mut(key)
        .ok_or_else(ApiError::user_not_found)?;
    for a in ["email", "phone_number"] {
        if auto.iter().any(|x| x == a) && u.attr(a).is_some() {
            u.set_attr(&format!("{a}_verified"), "true");
        }
    }
    Ok(())
}

pub(crate) fn confirm_sign_up(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let given = p.str("Username")?.to_owned();
    let code = p.str("ConfirmationCode")?.to_owned();
    let pool_id = client_context(emu, p, &given)?;
    let pool = pool_mut(emu, &pool_id)?;
    let key = user_key(pool, &given).ok_or_else(ApiError::user_not_found)?;
    let u = pool
        .users
        .get_mut(&key)
        .ok_or_else(ApiError::user_not_found)?;
    if u.status != UserStatus::Unconfirmed {
        return Err(ApiError::not_authorized(format!(
            "User cannot be confirmed. Current status is {}",
            u.status.name()
        )));
    }
    take_code(u, CodePurpose::SignUp, &code, now)?;
    u.status = UserStatus::Confirmed;
    u.modified = now;
    mark_verified(emu, &pool_id, &key)?;
    Ok(json!({}))
}

pub(crate) fn resend_confirmation_code(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let given = p.str("Username")?.to_owned();
    let pool_id = client_context(emu, p, &given)?;
    let key = {
        let pool = pool(emu, &pool_id)?;
        let key = user_key(pool, &given).ok_or_else(ApiError::user_not_found)?;
        if pool.users[&key].status != UserStatus::Unconfirmed {
            return Err(ApiError::invalid_parameter("User is already confirmed."));
        }
        key
    };
    let details = send_code(
        emu,
        &pool_id,
        &key,
        CodePurpose::SignUp,
        SIGN_UP_CODE_S,
        now,
    )?;
    Ok(json!({"CodeDeliveryDetails": details}))
}

pub(crate) fn forgot_password(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let given = p.str("Username")?.to_owned();
    let client_id = p.str("ClientId")?.to_owned();
    let pool_id = client_context(emu, p, &given)?;
    let key = {
        let pool = pool(emu, &pool_id)?;
        match user_key(pool, &given) {
            Some(k) => k,
            None => {
                let hide = client(pool, &client_id)?.prevent_user_existence_errors;
                if hide {
                    return Ok(
                        json!({"CodeDeliveryDetails": {"Destination": "u***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}}),
                    );
                }
                return Err(ApiError::user_not_found());
            }
        }
    };
    {
        let u = &pool(emu, &pool_id)?.users[&key];
        let verified = u.attr("email_verified") == Some("true")
            || u.attr("phone_number_verified") == Some("true");
        if !verified {
            return Err(ApiError::invalid_parameter(
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            ));
        }
    }
    let details = send_code(
        emu,
        &pool_id,
        &key,
        CodePurpose::ForgotPassword,
        RESET_CODE_S,
        now,
    )?;
    Ok(json!({"CodeDeliveryDetails": details}))
}

pub(crate) fn confirm_forgot_password(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let given = p.str("Username")?.to_owned();
    let code = p.str("ConfirmationCode")?.to_owned();
    let password = p.str("Password")?.to_owned();
    let pool_id = client_context(emu, p, &given)?;
    let (key, pool_name) = {
        let pool = pool(emu, &pool_id)?;
        check_password_policy(pool, &password)?;
        (
            user_key(pool, &given).ok_or_else(ApiError::user_not_found)?,
            pool.srp_pool_name().to_owned(),
        )
    };
    {
        let u = pool_mut(emu, &pool_id)?
            .users
            .get_mut(&key)
            .ok_or_else(ApiError::user_not_found)?;
        take_code(u, CodePurpose::ForgotPassword, &code, now)?;
    }
    let rec = password_record(emu, &pool_name, &key, &password, None);
    let u = pool_mut(emu, &pool_id)?
        .users
        .get_mut(&key)
        .ok_or_else(ApiError::user_not_found)?;
    u.password = Some(rec);
    if matches!(
        u.status,
        UserStatus::ResetRequired | UserStatus::ForceChangePassword
    ) {
        u.status = UserStatus::Confirmed;
    }
    u.modified = now;
    Ok(json!({}))
}

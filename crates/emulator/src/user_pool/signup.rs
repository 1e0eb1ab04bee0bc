//! Sign-up, confirmation codes and forgotten passwords.

use serde_json::{json, Value};

use super::codes::{mask, send_code, take_code};
use super::lookup::{client, pool, pool_mut, pool_of_client, user_key};
use super::passwords::{check_password_policy, check_secret_hash, password_record};
use super::users::{canonical_name, check_attribute_names, new_user, username_attribute};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::{CodePurpose, UserPool, UserStatus};
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

/// Whether the request's app client hides which users exist (`PreventUserExistenceErrors`
/// `ENABLED`; developer guide, "Managing user existence error responses").
fn hides_existence(emu: &Emulator, pool_id: &str, p: Params<'_>) -> ApiResult<bool> {
    Ok(client(pool(emu, pool_id)?, p.str("ClientId")?)?.prevent_user_existence_errors)
}

/// The user `given` names if it exists and is enabled; `None` for a missing or disabled user,
/// the users a client that hides existence answers for as if they existed.
fn live_user_key(pool: &UserPool, given: &str) -> Option<String> {
    user_key(pool, given).filter(|k| pool.users[k].enabled)
}

/// `CodeDeliveryDetails` for a user that does not exist (or cannot receive a code), which a
/// client that hides existence returns instead of an error: "a simulated delivery medium
/// ... determined by the input user name format and verification settings of the user pool"
/// (developer guide). Nothing is sent.
/// Who a code-sending call (ResendConfirmationCode, ForgotPassword) is for.
enum Recipient {
    /// The user, by key.
    User(String),
    /// Existence errors are hidden and there is no such live user: the answer, with simulated
    /// delivery details.
    Hidden(Value),
}

/// The user `given` names for a code-sending call; with existence hidden (`hide`), a missing
/// or disabled user gets simulated delivery details instead of UserNotFoundException.
fn recipient(pool: &UserPool, given: &str, hide: bool) -> ApiResult<Recipient> {
    let found = if hide {
        live_user_key(pool, given)
    } else {
        user_key(pool, given)
    };
    match found {
        Some(key) => Ok(Recipient::User(key)),
        None if hide => Ok(Recipient::Hidden(
            json!({"CodeDeliveryDetails": simulated_delivery(pool, given)}),
        )),
        None => Err(ApiError::user_not_found()),
    }
}

fn simulated_delivery(pool: &UserPool, given: &str) -> Value {
    let phone =
        given.len() > 4 && given.starts_with('+') && given[1..].bytes().all(|b| b.is_ascii_digit());
    let sms = phone
        || (!given.contains('@')
            && pool.auto_verified.iter().any(|a| a == "phone_number")
            && !pool.auto_verified.iter().any(|a| a == "email"));
    if sms {
        let dest = if phone { given } else { "+00000000000" };
        json!({"Destination": mask(dest), "DeliveryMedium": "SMS", "AttributeName": "phone_number"})
    } else {
        let dest = if given.contains('@') {
            given
        } else {
            "user@example.com"
        };
        json!({"Destination": mask(dest), "DeliveryMedium": "EMAIL", "AttributeName": "email"})
    }
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
    let hide = hides_existence(emu, &pool_id, p)?;
    let key = {
        let pool = pool(emu, &pool_id)?;
        // "Amazon Cognito returns CodeDeliveryDetails for a disabled user or a user that
        // doesn't exist" (developer guide, ResendConfirmationCode).
        let key = match recipient(pool, &given, hide)? {
            Recipient::User(key) => key,
            Recipient::Hidden(answer) => return Ok(answer),
        };
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
    let pool_id = client_context(emu, p, &given)?;
    let hide = hides_existence(emu, &pool_id, p)?;
    let key = {
        let pool = pool(emu, &pool_id)?;
        // "When a user isn't found, is deactivated, or doesn't have a verified delivery
        // mechanism to recover their password, Amazon Cognito returns CodeDeliveryDetails with
        // a simulated delivery medium" (developer guide, ForgotPassword).
        let key = match recipient(pool, &given, hide)? {
            Recipient::User(key) => key,
            Recipient::Hidden(answer) => return Ok(answer),
        };
        let u = &pool.users[&key];
        let verified = u.attr("email_verified") == Some("true")
            || u.attr("phone_number_verified") == Some("true");
        if !verified {
            if hide {
                return Ok(json!({"CodeDeliveryDetails": simulated_delivery(pool, &given)}));
            }
            return Err(ApiError::invalid_parameter(
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            ));
        }
        key
    };
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
    let hide = hides_existence(emu, &pool_id, p)?;
    let (key, pool_name) = {
        let pool = pool(emu, &pool_id)?;
        check_password_policy(pool, &password)?;
        // "Amazon Cognito returns the CodeMismatchException error for users that don't exist
        // or are disabled. If a code isn't requested when using ForgotPassword, Amazon Cognito
        // returns the ExpiredCodeException error" (developer guide, ConfirmForgotPassword).
        let key = match (user_key(pool, &given), hide) {
            (Some(k), false) => k,
            (None, false) => return Err(ApiError::user_not_found()),
            (k, true) => match k.filter(|k| pool.users[k].enabled) {
                None => return Err(ApiError::code_mismatch()),
                Some(k)
                    if !pool.users[&k]
                        .codes
                        .contains_key(&CodePurpose::ForgotPassword) =>
                {
                    return Err(ApiError::expired_code())
                }
                Some(k) => k,
            },
        };
        (key, pool.srp_pool_name().to_owned())
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

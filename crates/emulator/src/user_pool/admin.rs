//! Pool and client administration and the `Admin*` user operations tests use to set up.

use serde_json::{json, Value};

use super::access::revoke_user_tokens;
use super::codes::send_code;
use super::config::{build_client, build_pool};
use super::lookup::{client, pool, pool_mut, user, user_key, user_mut};
use super::passwords::{check_password_policy, password_record};
use super::users::{
    apply_mfa_preference, canonical_name, check_attribute_names, get_user_json, new_user,
    user_type, username_attribute,
};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::{CodePurpose, Hidden, UserPool, UserStatus};
use crate::params::Params;
use crate::state::{Emulator, ALNUM, LOWER_ALNUM};
use crate::time::UnixMillis;

pub(crate) fn create_user_pool(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let name = p.str("PoolName")?.to_owned();
    let suffix = emu.random_string(9, ALNUM);
    let id = format!("{}_{}", emu.config.region, suffix);
    let pool = build_pool(id.clone(), name, p, now)?;
    emu.pools.insert(id.clone(), pool);
    describe_user_pool(emu, Params(&json!({"UserPoolId": id})))
}

pub(crate) fn describe_user_pool(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool(emu, p.str("UserPoolId")?)?;
    Ok(json!({"UserPool": pool_json(emu, pool)}))
}

fn pool_json(emu: &Emulator, pool: &UserPool) -> Value {
    let mut v = pool.raw.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("CustomAuthRules");
        o.remove("EnabledMfas");
        o.insert("Id".into(), json!(pool.id));
        o.insert("Name".into(), json!(pool.name));
        o.insert(
            "Arn".into(),
            json!(format!(
                "arn:aws:cognito-idp:{}:{}:userpool/{}",
                emu.config.region, emu.config.account_id, pool.id
            )),
        );
        o.insert("MfaConfiguration".into(), json!(pool.mfa.name()));
        o.insert("EstimatedNumberOfUsers".into(), json!(pool.users.len()));
        o.insert("CreationDate".into(), json!(pool.created.epoch_f64()));
        o.insert("LastModifiedDate".into(), json!(pool.modified.epoch_f64()));
        o.insert(
            "Policies".into(),
            json!({"PasswordPolicy": {
                "MinimumLength": pool.policy.min_length,
                "RequireUppercase": pool.policy.require_uppercase,
                "RequireLowercase": pool.policy.require_lowercase,
                "RequireNumbers": pool.policy.require_numbers,
                "RequireSymbols": pool.policy.require_symbols,
                "TemporaryPasswordValidityDays": pool.policy.temporary_password_validity_days,
            },
            "SignInPolicy": {"AllowedFirstAuthFactors": pool.first_auth_factors}}),
        );
        o.remove("PoolName");
    }
    v
}

pub(crate) fn list_user_pools(emu: &mut Emulator) -> ApiResult<Value> {
    let pools: Vec<Value> = emu
        .pools
        .values()
        .map(|p| json!({"Id": p.id, "Name": p.name, "CreationDate": p.created.epoch_f64(), "LastModifiedDate": p.modified.epoch_f64()}))
        .collect();
    Ok(json!({"UserPools": pools}))
}

pub(crate) fn delete_user_pool(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let id = p.str("UserPoolId")?;
    pool(emu, id)?;
    emu.pools.remove(id);
    Ok(json!({}))
}

pub(crate) fn create_user_pool_client(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool_id = p.str("UserPoolId")?.to_owned();
    let name = p.str("ClientName")?.to_owned();
    pool(emu, &pool_id)?;
    let id = emu.random_string(26, LOWER_ALNUM);
    let secret = if p.opt_bool("GenerateSecret").unwrap_or(false) {
        Some(Hidden(emu.random_string(51, LOWER_ALNUM)))
    } else {
        None
    };
    let client = build_client(id.clone(), name, secret, p)?;
    pool_mut(emu, &pool_id)?.clients.insert(id.clone(), client);
    describe_user_pool_client(emu, Params(&json!({"UserPoolId": pool_id, "ClientId": id})))
}

/// `UpdateUserPoolClient`: the request replaces the client's settings; what it leaves out
/// returns to its default, as on AWS ("If you don't provide a value for an attribute, Amazon
/// Cognito sets it to its default value"). Id, secret and, when not given, the name stay.
pub(crate) fn update_user_pool_client(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool_id = p.str("UserPoolId")?.to_owned();
    let id = p.str("ClientId")?.to_owned();
    let old = client(pool(emu, &pool_id)?, &id)?.clone();
    let name = p.opt_str("ClientName").unwrap_or(&old.name).to_owned();
    let mut updated = build_client(id.clone(), name, old.secret.clone(), p)?;
    if let Some(o) = updated.raw.as_object_mut() {
        o.remove("ClientId");
        o.remove("UserPoolId");
    }
    pool_mut(emu, &pool_id)?.clients.insert(id.clone(), updated);
    describe_user_pool_client(emu, Params(&json!({"UserPoolId": pool_id, "ClientId": id})))
}

pub(crate) fn describe_user_pool_client(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool(emu, p.str("UserPoolId")?)?;
    let c = client(pool, p.str("ClientId")?)?;
    let mut v = c.raw.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("GenerateSecret");
        o.insert("ClientId".into(), json!(c.id));
        o.insert("ClientName".into(), json!(c.name));
        o.insert("UserPoolId".into(), json!(pool.id));
        if let Some(s) = &c.secret {
            o.insert("ClientSecret".into(), json!(s.0));
        }
        o.insert("ExplicitAuthFlows".into(), json!(c.explicit_auth_flows));
        o.insert(
            "EnableTokenRevocation".into(),
            json!(c.enable_token_revocation),
        );
        // Always answered, `DISABLED` with grace 0 when the client was created without it.
        o.insert(
            "RefreshTokenRotation".into(),
            json!({
                "Feature": if c.rotation.enabled { "ENABLED" } else { "DISABLED" },
                "RetryGracePeriodSeconds": c.rotation.grace_s,
            }),
        );
        o.insert("CreationDate".into(), json!(pool.created.epoch_f64()));
        o.insert("LastModifiedDate".into(), json!(pool.modified.epoch_f64()));
    }
    Ok(json!({"UserPoolClient": v}))
}

pub(crate) fn admin_create_user(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let pool_id = p.str("UserPoolId")?.to_owned();
    let given = p.str("Username")?.to_owned();
    let mut attrs = p.attributes("UserAttributes");
    check_attribute_names(&attrs)?;
    let resend = p.opt_str("MessageAction") == Some("RESEND");
    let suppress = p.opt_str("MessageAction") == Some("SUPPRESS");
    let temp = match p.opt_str("TemporaryPassword") {
        Some(t) => t.to_owned(),
        None => format!("Tmp{}!9a", emu.random_string(8, ALNUM)),
    };
    let (pool_name, validity_days, key, extra) = {
        let pool = pool(emu, &pool_id)?;
        check_password_policy(pool, &temp)?;
        let extra = username_attribute(pool, &given)?;
        (
            pool.srp_pool_name().to_owned(),
            pool.policy.temporary_password_validity_days,
            user_key(pool, &given),
            extra,
        )
    };
    if key.is_some() && !resend {
        return Err(ApiError::new(
            ErrorKind::UsernameExists,
            "User account already exists",
        ));
    }
    if let Some(a) = extra {
        attrs.retain(|(n, _)| *n != a.0);
        attrs.push(a);
    }
    let name = match key {
        Some(k) => k,
        None => {
            let mut u = new_user(emu, &given, attrs, UserStatus::ForceChangePassword, now);
            let pool = pool(emu, &pool_id)?;
            u.username = canonical_name(pool, &given, &u.sub);
            let k = u.username.clone();
            pool_mut(emu, &pool_id)?.users.insert(k.clone(), u);
            k
        }
    };
    let rec = password_record(
        emu,
        &pool_name,
        &name,
        &temp,
        Some(now.plus_secs(validity_days * 86_400)),
    );
    {
        let u = pool_mut(emu, &pool_id)?
            .users
            .get_mut(&name)
            .ok_or_else(ApiError::user_not_found)?;
        u.password = Some(rec);
        u.status = UserStatus::ForceChangePassword;
    }
    if !suppress {
        // The invitation carries the temporary password; tests read it from the outbox.
        let u = &pool(emu, &pool_id)?.users[&name];
        if let Some((medium, dest)) = u
            .attr("email")
            .map(|e| ("EMAIL", e.to_owned()))
            .or_else(|| u.attr("phone_number").map(|p| ("SMS", p.to_owned())))
        {
            let username = u.username.clone();
            emu.outbox.push(crate::state::OutboxMessage {
                pool_id: pool_id.clone(),
                username,
                medium: medium.into(),
                destination: dest,
                purpose: CodePurpose::Invitation,
                code: temp,
                sent_at_ms: now.0,
            });
        }
    }
    let u = &pool(emu, &pool_id)?.users[&name];
    Ok(json!({"User": user_type(u)}))
}

pub(crate) fn admin_confirm_sign_up(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let pool = pool_mut(emu, p.str("UserPoolId")?)?;
    let u = user_mut(pool, p.str("Username")?)?;
    if u.status != UserStatus::Unconfirmed {
        return Err(ApiError::not_authorized(format!(
            "User cannot be confirmed. Current status is {}",
            u.status.name()
        )));
    }
    u.status = UserStatus::Confirmed;
    u.modified = now;
    Ok(json!({}))
}

pub(crate) fn admin_get_user(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool(emu, p.str("UserPoolId")?)?;
    let u = user(pool, p.str("Username")?)?;
    Ok(get_user_json(pool, u, true))
}

pub(crate) fn admin_delete_user(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool_id = p.str("UserPoolId")?.to_owned();
    let key = {
        let pool = pool(emu, &pool_id)?;
        user_key(pool, p.str("Username")?).ok_or_else(ApiError::user_not_found)?
    };
    revoke_user_tokens(emu, &pool_id, &key);
    pool_mut(emu, &pool_id)?.users.remove(&key);
    Ok(json!({}))
}

pub(crate) fn admin_set_enabled(
    emu: &mut Emulator,
    p: Params<'_>,
    enabled: bool,
) -> ApiResult<Value> {
    let pool = pool_mut(emu, p.str("UserPoolId")?)?;
    user_mut(pool, p.str("Username")?)?.enabled = enabled;
    Ok(json!({}))
}

pub(crate) fn admin_set_user_password(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let pool_id = p.str("UserPoolId")?.to_owned();
    let password = p.str("Password")?.to_owned();
    let permanent = p.opt_bool("Permanent").unwrap_or(false);
    let (pool_name, key, days) = {
        let pool = pool(emu, &pool_id)?;
        check_password_policy(pool, &password)?;
        let key = user_key(pool, p.str("Username")?).ok_or_else(ApiError::user_not_found)?;
        (
            pool.srp_pool_name().to_owned(),
            key,
            pool.policy.temporary_password_validity_days,
        )
    };
    let until = (!permanent).then(|| now.plus_secs(days * 86_400));
    let rec = password_record(emu, &pool_name, &key, &password, until);
    let u = pool_mut(emu, &pool_id)?
        .users
        .get_mut(&key)
        .ok_or_else(ApiError::user_not_found)?;
    u.password = Some(rec);
    u.status = if permanent {
        UserStatus::Confirmed
    } else {
        UserStatus::ForceChangePassword
    };
    u.modified = now;
    Ok(json!({}))
}

pub(crate) fn admin_update_user_attributes(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let attrs = p.attributes("UserAttributes");
    check_attribute_names(&attrs)?;
    let pool = pool_mut(emu, p.str("UserPoolId")?)?;
    let u = user_mut(pool, p.str("Username")?)?;
    for (n, v) in attrs {
        u.set_attr(&n, &v);
    }
    u.modified = now;
    Ok(json!({}))
}

pub(crate) fn admin_user_global_sign_out(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool_id = p.str("UserPoolId")?.to_owned();
    let key =
        user_key(pool(emu, &pool_id)?, p.str("Username")?).ok_or_else(ApiError::user_not_found)?;
    revoke_user_tokens(emu, &pool_id, &key);
    Ok(json!({}))
}

pub(crate) fn admin_set_user_mfa_preference(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool_mut(emu, p.str("UserPoolId")?)?;
    let u = user_mut(pool, p.str("Username")?)?;
    apply_mfa_preference(u, p)?;
    Ok(json!({}))
}

pub(crate) fn list_users(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool(emu, p.str("UserPoolId")?)?;
    let filter = p.opt_str("Filter").and_then(parse_filter);
    let users: Vec<Value> = pool
        .users
        .values()
        .filter(|u| match &filter {
            Some((attr, val)) => {
                let v = if attr == "username" {
                    Some(u.username.as_str())
                } else if attr == "sub" {
                    Some(u.sub.as_str())
                } else {
                    u.attr(attr)
                };
                v == Some(val.as_str())
            }
            None => true,
        })
        .map(user_type)
        .collect();
    Ok(json!({"Users": users}))
}

/// Parses the `name = "value"` form of a `ListUsers` filter.
fn parse_filter(f: &str) -> Option<(String, String)> {
    let (a, v) = f.split_once('=')?;
    Some((a.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
}

pub(crate) fn list_user_pool_clients(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool(emu, p.str("UserPoolId")?)?;
    let clients: Vec<Value> = pool
        .clients
        .values()
        .map(|c| json!({"ClientId": c.id, "ClientName": c.name, "UserPoolId": pool.id}))
        .collect();
    Ok(json!({"UserPoolClients": clients}))
}

/// Marks the password for reset and sends a reset code; sign-ins then fail with
/// `PasswordResetRequiredException` until `ConfirmForgotPassword`.
pub(crate) fn admin_reset_user_password(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let pool_id = p.str("UserPoolId")?.to_owned();
    let key =
        user_key(pool(emu, &pool_id)?, p.str("Username")?).ok_or_else(ApiError::user_not_found)?;
    {
        let u = &pool(emu, &pool_id)?.users[&key];
        if u.status == UserStatus::Unconfirmed {
            return Err(ApiError::not_authorized(
                "User password cannot be reset in the current state.",
            ));
        }
    }
    send_code(emu, &pool_id, &key, CodePurpose::ForgotPassword, 3600, now)?;
    let u = pool_mut(emu, &pool_id)?
        .users
        .get_mut(&key)
        .ok_or_else(ApiError::user_not_found)?;
    u.status = UserStatus::ResetRequired;
    u.modified = now;
    Ok(json!({}))
}

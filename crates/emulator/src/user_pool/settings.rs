//! Changing a pool after it exists: `SetUserPoolMfaConfig` / `GetUserPoolMfaConfig` and
//! `UpdateUserPool`.

use serde_json::{json, Map, Value};

use super::config::{build_pool, check_code_message, check_email_mfa, parse_mfa};
use super::lookup::{pool, pool_mut};
use crate::error::{ApiError, ApiResult};
use crate::model::{MfaConfig, UserPool};
use crate::params::Params;
use crate::state::Emulator;
use crate::time::UnixMillis;

/// `GetUserPoolMfaConfig`: the pool's MFA mode and the factors it offers. A factor that is off
/// is left out, as Cognito does, except TOTP, whose `Enabled` is always answered.
pub(crate) fn get_user_pool_mfa_config(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    Ok(mfa_config_json(pool(emu, p.str("UserPoolId")?)?))
}

fn mfa_config_json(pool: &UserPool) -> Value {
    let mut out = Map::new();
    out.insert("MfaConfiguration".into(), json!(pool.mfa.name()));
    out.insert(
        "SoftwareTokenMfaConfiguration".into(),
        json!({"Enabled": pool.software_token_mfa_enabled}),
    );
    if pool.sms_mfa_enabled {
        out.insert("SmsMfaConfiguration".into(), pool.sms_mfa_config.clone());
    }
    if pool.email_mfa_enabled {
        let email = pool.email_mfa_config.clone().unwrap_or_else(|| json!({}));
        out.insert("EmailMfaConfiguration".into(), email);
    }
    Value::Object(out)
}

/// `SetUserPoolMfaConfig`. The request states the whole MFA configuration: a factor whose
/// configuration it leaves out is turned off, and `MfaConfiguration`, when left out, stays as
/// it was. `ON` or `OPTIONAL` with no factor left on is refused (API reference: with `ON`,
/// "only users who have set up an MFA factor can sign in", so a pool needs one to offer).
/// Answers as `GetUserPoolMfaConfig` would.
pub(crate) fn set_user_pool_mfa_config(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let id = p.str("UserPoolId")?;
    let current = pool(emu, id)?;
    let mfa = match p.opt_str("MfaConfiguration") {
        Some(m) => parse_mfa(m)?,
        None => current.mfa,
    };
    let sms = p
        .opt_obj("SmsMfaConfiguration")
        .map(|s| sms_mfa(s, current))
        .transpose()?;
    let totp = p
        .opt_obj("SoftwareTokenMfaConfiguration")
        .and_then(|t| t.opt_bool("Enabled"))
        .unwrap_or(false);
    let email = p
        .opt_obj("EmailMfaConfiguration")
        .map(check_email_mfa)
        .transpose()?;
    require_factor(mfa, sms.is_some() || totp || email.is_some())?;
    let pool = pool_mut(emu, id)?;
    pool.mfa = mfa;
    pool.sms_mfa_enabled = sms.is_some();
    if let Some(sms) = sms {
        pool.sms_mfa_config = sms;
    }
    pool.software_token_mfa_enabled = totp;
    pool.email_mfa_enabled = email.is_some();
    pool.email_mfa_config = email;
    pool.modified = now;
    Ok(mfa_config_json(pool))
}

/// `SmsMfaConfiguration`: the message template (6-140 characters with `{####}`) and the SNS
/// settings. SMS needs an SNS caller role, from this request or from the pool's own
/// `SmsConfiguration`.
fn sms_mfa(s: Params<'_>, current: &UserPool) -> ApiResult<Value> {
    if let Some(m) = s.opt_str("SmsAuthenticationMessage") {
        check_code_message("smsMfaConfiguration.smsAuthenticationMessage", m, 6..=140)?;
    }
    let sns = s
        .opt_obj("SmsConfiguration")
        .or_else(|| Params(&current.raw).opt_obj("SmsConfiguration"));
    let Some(sns) = sns else {
        return Err(ApiError::invalid_parameter(
            "SMS configuration is required to turn on SMS MFA: give SmsMfaConfiguration.SmsConfiguration with an SnsCallerArn",
        ));
    };
    let arn_len = sns.str("SnsCallerArn")?.chars().count();
    if !(20..=2048).contains(&arn_len) {
        return Err(ApiError::invalid_parameter(
            "1 validation error detected: Value at 'smsMfaConfiguration.smsConfiguration.snsCallerArn' failed to satisfy constraint: Member must have length between 20 and 2048",
        ));
    }
    let mut out = Map::new();
    if let Some(m) = s.opt_str("SmsAuthenticationMessage") {
        out.insert("SmsAuthenticationMessage".into(), json!(m));
    }
    out.insert("SmsConfiguration".into(), sns.0.clone());
    Ok(Value::Object(out))
}

fn require_factor(mfa: MfaConfig, any_factor: bool) -> ApiResult<()> {
    if mfa == MfaConfig::Off || any_factor {
        return Ok(());
    }
    Err(ApiError::invalid_parameter(format!(
        "MfaConfiguration {} needs at least one MFA factor: SMS, software token or email",
        mfa.name()
    )))
}

/// Members `UpdateUserPool` cannot change: they keep what `CreateUserPool` set.
const FIXED_AT_CREATION: &[&str] = &[
    "UsernameAttributes",
    "AliasAttributes",
    "UsernameConfiguration",
    "Schema",
];

/// `UpdateUserPool`. As on AWS, "if you don't provide a value for an attribute, Amazon Cognito
/// sets it to its default value": the request replaces every setting it could carry (password
/// policy, MFA mode, device tracking, auto-verified attributes, admin-create-user settings, SMS
/// message), and what it leaves out returns to its default (`MfaConfiguration` to `OFF`).
/// Settings `UpdateUserPool` has no member for (sign-in attributes, schema, the TOTP and email
/// factors that `SetUserPoolMfaConfig` turns on) stay. `MfaConfiguration` `ON` is refused unless
/// the pool is already `ON` (API reference, UserPoolType: "You can only specify required when
/// you're initially creating a user pool"); `SetUserPoolMfaConfig` can turn it on.
pub(crate) fn update_user_pool(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let id = p.str("UserPoolId")?.to_owned();
    let old = pool(emu, &id)?;
    if p.opt_str("MfaConfiguration") == Some("ON") && old.mfa != MfaConfig::On {
        return Err(ApiError::invalid_parameter(
            "MfaConfiguration ON can only be chosen when the user pool is created; use SetUserPoolMfaConfig to require MFA",
        ));
    }
    let mut request = p.0.clone();
    if let Some(o) = request.as_object_mut() {
        o.remove("UserPoolId");
        for k in FIXED_AT_CREATION {
            if let Some(v) = old.raw.get(*k) {
                o.insert((*k).to_owned(), v.clone());
            }
        }
    }
    let name = p.opt_str("PoolName").unwrap_or(&old.name).to_owned();
    let mut updated = build_pool(id.clone(), name, Params(&request), old.created)?;
    updated.modified = now;
    updated.sms_mfa_enabled = old.sms_mfa_enabled;
    updated.software_token_mfa_enabled = old.software_token_mfa_enabled;
    updated.email_mfa_enabled = old.email_mfa_enabled;
    updated.email_mfa_config = old.email_mfa_config.clone();
    if updated.custom_auth.is_none() {
        // The scripted stand-in for the auth Lambdas is the emulator's own seed member.
        updated.custom_auth = old.custom_auth.clone();
    }
    require_factor(
        updated.mfa,
        updated.sms_mfa_enabled || updated.software_token_mfa_enabled || updated.email_mfa_enabled,
    )?;
    let old = pool_mut(emu, &id)?;
    updated.clients = std::mem::take(&mut old.clients);
    updated.users = std::mem::take(&mut old.users);
    updated.groups = std::mem::take(&mut old.groups);
    *old = updated;
    Ok(json!({}))
}

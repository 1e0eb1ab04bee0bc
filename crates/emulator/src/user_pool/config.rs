//! Pool and app-client settings read from `CreateUserPool` / `CreateUserPoolClient` requests (and
//! seed files, which use the same members).

use std::collections::BTreeMap;

use cognito_auth_wire::{challenge, explicit_flow, flow};
use serde_json::Value;

use super::factors::factor;
use crate::error::{ApiError, ApiResult};
use crate::model::{
    AppClient, CustomAuthRules, CustomChallengeRule, Hidden, MfaConfig, PasswordPolicy,
    RefreshRotation, UserPool, Validity,
};
use crate::params::Params;
use crate::time::UnixMillis;

/// Builds a pool from a `CreateUserPool` request (also used by seed files, which may add the
/// emulator-only `CustomAuthRules` member).
pub(crate) fn build_pool(
    id: String,
    name: String,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<UserPool> {
    let policy = password_policy(p)?;
    let first_auth_factors = allowed_first_auth_factors(p)?;
    let mfa = parse_mfa(p.opt_str("MfaConfiguration").unwrap_or("OFF"))?;
    if let Some(a) = p.opt_obj("AdminCreateUserConfig") {
        ranged(
            a,
            "UnusedAccountValidityDays",
            "adminCreateUserConfig",
            0..=365,
            7,
        )?;
    }
    if let Some(m) = p.opt_str("SmsAuthenticationMessage") {
        check_code_message("smsAuthenticationMessage", m, 6..=140)?;
    }
    let email_mfa_config = p
        .opt_obj("EmailMfaConfiguration")
        .map(check_email_mfa)
        .transpose()?;
    let device = p.opt_obj("DeviceConfiguration");
    let custom_auth = p.opt_obj("CustomAuthRules").map(custom_rules);
    // Seed documents nest clients (with secrets) and users (with passwords) in the pool: keep
    // them out of what DescribeUserPool echoes and Debug prints.
    let mut raw = p.0.clone();
    if let Some(o) = raw.as_object_mut() {
        for k in ["Clients", "Users", "Id"] {
            o.remove(k);
        }
    }
    Ok(UserPool {
        id,
        name,
        created: now,
        modified: now,
        policy,
        first_auth_factors,
        auto_verified: p.string_list("AutoVerifiedAttributes").unwrap_or_default(),
        username_attributes: p.string_list("UsernameAttributes").unwrap_or_default(),
        alias_attributes: p.string_list("AliasAttributes").unwrap_or_default(),
        case_sensitive: p
            .opt_obj("UsernameConfiguration")
            .and_then(|u| u.opt_bool("CaseSensitive"))
            .unwrap_or(true),
        mfa,
        // A pool with MFA configured offers SMS and TOTP unless told otherwise; EMAIL_OTP needs
        // `EmailMfaConfiguration` (or the emulator-only `EnabledMfas`).
        sms_mfa_enabled: enabled_mfa(p, challenge::SMS_MFA, true),
        software_token_mfa_enabled: enabled_mfa(p, challenge::SOFTWARE_TOKEN_MFA, true),
        email_mfa_enabled: enabled_mfa(
            p,
            challenge::EMAIL_OTP,
            p.opt_obj("EmailMfaConfiguration").is_some(),
        ),
        sms_mfa_config: sms_mfa_config(p),
        email_mfa_config,
        device_remembered_on_prompt: device.map(|d| {
            d.opt_bool("DeviceOnlyRememberedOnUserPrompt")
                .unwrap_or(false)
        }),
        custom_auth,
        allow_admin_create_user_only: p
            .opt_obj("AdminCreateUserConfig")
            .and_then(|a| a.opt_bool("AllowAdminCreateUserOnly"))
            .unwrap_or(false),
        raw,
        clients: BTreeMap::new(),
        users: BTreeMap::new(),
        groups: BTreeMap::new(),
    })
}

/// `Policies.PasswordPolicy`: absent, Cognito's default policy; present, each flag it leaves out
/// is off. Lengths and days out of Cognito's ranges are refused, never clamped or wrapped.
fn password_policy(p: Params<'_>) -> ApiResult<PasswordPolicy> {
    let Some(pp) = p
        .opt_obj("Policies")
        .and_then(|x| x.opt_obj("PasswordPolicy"))
    else {
        return Ok(PasswordPolicy::default());
    };
    let b = |k: &str| pp.opt_bool(k).unwrap_or(false);
    let at = "policies.passwordPolicy";
    Ok(PasswordPolicy {
        min_length: usize::try_from(ranged(pp, "MinimumLength", at, 6..=99, 8)?)
            .unwrap_or(usize::MAX),
        require_uppercase: b("RequireUppercase"),
        require_lowercase: b("RequireLowercase"),
        require_numbers: b("RequireNumbers"),
        require_symbols: b("RequireSymbols"),
        temporary_password_validity_days: ranged(
            pp,
            "TemporaryPasswordValidityDays",
            at,
            0..=365,
            7,
        )?,
    })
}

/// `Policies.SignInPolicy.AllowedFirstAuthFactors` (API reference, SignInPolicyType): 1 to 4 of
/// `PASSWORD`, `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`, kept in that order without repeats. A pool
/// created without it allows the password only (the console's and CloudFormation's default).
/// `SOFTWARE_TOKEN` is in the API's enum but "not currently supported as a first auth factor".
fn allowed_first_auth_factors(p: Params<'_>) -> ApiResult<Vec<String>> {
    const FACTORS: [&str; 4] = [
        factor::PASSWORD,
        factor::EMAIL_OTP,
        factor::SMS_OTP,
        factor::WEB_AUTHN,
    ];
    let at = "policies.signInPolicy.allowedFirstAuthFactors";
    let Some(list) = p
        .opt_obj("Policies")
        .and_then(|x| x.opt_obj("SignInPolicy"))
        .and_then(|s| s.0.get("AllowedFirstAuthFactors"))
        .filter(|v| !v.is_null())
    else {
        return Ok(vec![factor::PASSWORD.to_owned()]);
    };
    let given = list.as_array().map(Vec::as_slice).unwrap_or_default();
    if !(1..=4).contains(&given.len()) {
        return Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{list}' at '{at}' failed to satisfy constraint: Member must have length between 1 and 4"
        )));
    }
    if let Some(bad) = given
        .iter()
        .find(|v| !v.as_str().is_some_and(|s| FACTORS.contains(&s)))
    {
        return Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{bad}' at '{at}' failed to satisfy constraint: Member must satisfy enum value set: [PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN]"
        )));
    }
    Ok(FACTORS
        .iter()
        .filter(|f| given.iter().any(|v| v.as_str() == Some(**f)))
        .map(|f| (*f).to_owned())
        .collect())
}

/// A whole number member within `range` (`default` when absent). Anything else, a negative, a
/// fraction or a number past `u64`, is refused with Cognito's validation message.
pub(crate) fn ranged(
    p: Params<'_>,
    name: &str,
    at: &str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
) -> ApiResult<u64> {
    let Some(v) = p.0.get(name).filter(|v| !v.is_null()) else {
        return Ok(default);
    };
    v.as_u64().filter(|n| range.contains(n)).ok_or_else(|| {
        ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{v}' at '{at}.{}' failed to satisfy constraint: Member must have value between {} and {}",
            lower_first(name),
            range.start(),
            range.end()
        ))
    })
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// `UserPoolMfaType`.
pub(crate) fn parse_mfa(value: &str) -> ApiResult<MfaConfig> {
    match value {
        "OFF" => Ok(MfaConfig::Off),
        "ON" => Ok(MfaConfig::On),
        "OPTIONAL" => Ok(MfaConfig::Optional),
        other => Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{other}' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]"
        ))),
    }
}

/// A one-time-code message template: its length in `len` characters, holding the `{####}`
/// placeholder the code replaces (API reference, SmsMfaConfigType and EmailMfaConfigType).
pub(crate) fn check_code_message(
    at: &str,
    message: &str,
    len: std::ops::RangeInclusive<usize>,
) -> ApiResult<()> {
    let n = message.chars().count();
    if !len.contains(&n) {
        return Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value at '{at}' failed to satisfy constraint: Member must have length between {} and {}",
            len.start(),
            len.end()
        )));
    }
    if !message.contains("{####}") {
        return Err(ApiError::invalid_parameter(format!(
            "{at} must contain the {{####}} placeholder for the code"
        )));
    }
    Ok(())
}

/// `EmailMfaConfiguration`: `Message` (6-20000 characters with `{####}`) and `Subject` (1-140
/// characters), each optional. Answered back as given.
pub(crate) fn check_email_mfa(e: Params<'_>) -> ApiResult<Value> {
    if let Some(m) = e.opt_str("Message") {
        check_code_message("emailMfaConfiguration.message", m, 6..=20_000)?;
    }
    if let Some(s) = e.opt_str("Subject") {
        if !(1..=140).contains(&s.chars().count()) {
            return Err(ApiError::invalid_parameter(
                "1 validation error detected: Value at 'emailMfaConfiguration.subject' failed to satisfy constraint: Member must have length between 1 and 140",
            ));
        }
    }
    let mut out = serde_json::Map::new();
    for k in ["Message", "Subject"] {
        if let Some(v) = e.opt_str(k) {
            out.insert(k.to_owned(), Value::from(v));
        }
    }
    Ok(Value::Object(out))
}

/// The pool's SMS MFA settings from `CreateUserPool` / `UpdateUserPool` members, in the shape
/// of `SmsMfaConfigType`.
fn sms_mfa_config(p: Params<'_>) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(m) = p.opt_str("SmsAuthenticationMessage") {
        out.insert("SmsAuthenticationMessage".to_owned(), Value::from(m));
    }
    if let Some(c) = p.0.get("SmsConfiguration").filter(|c| c.is_object()) {
        out.insert("SmsConfiguration".to_owned(), c.clone());
    }
    Value::Object(out)
}

fn enabled_mfa(p: Params<'_>, name: &str, default: bool) -> bool {
    match p.string_list("EnabledMfas") {
        Some(list) => list.iter().any(|m| m == name),
        None => default,
    }
}

fn custom_rules(p: Params<'_>) -> CustomAuthRules {
    let challenges =
        p.0.get("Challenges")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|c| {
                        let c = Params(c);
                        CustomChallengeRule {
                            public: c.string_map("PublicChallengeParameters"),
                            answer: c.opt_str("Answer").map(str::to_owned),
                            answer_from_client_metadata: c
                                .opt_str("AnswerFromClientMetadata")
                                .map(str::to_owned),
                            deliver_code: c.opt_bool("DeliverCode").unwrap_or(false),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
    CustomAuthRules {
        allow_srp_first: p.opt_bool("AllowSrpFirst").unwrap_or(true),
        challenges,
        max_attempts: p
            .opt_i64("MaxAttempts")
            .map_or(3, |n| n.clamp(1, 100) as u32),
    }
}

/// Cognito's bounds on token lifetimes, in seconds: access and id tokens five minutes to a day,
/// refresh tokens an hour to ten years.
const ACCESS_ID_RANGE_S: std::ops::RangeInclusive<u64> = 300..=86_400;
const REFRESH_RANGE_S: std::ops::RangeInclusive<u64> = 3_600..=3_650 * 86_400;
/// A refresh token's lifetime when the client does not set one (or sets 0): 30 days.
const DEFAULT_REFRESH_S: u64 = 30 * 86_400;

/// A token lifetime in seconds: `name` counted in its `TokenValidityUnits` unit (`unit_key`,
/// `default_unit` when absent), or `default_s` when the request does not set it. Values out of
/// Cognito's range, including any that would overflow, are refused.
fn validity_s(
    p: Params<'_>,
    name: &str,
    unit_key: &str,
    default_unit: &str,
    default_s: u64,
    range: std::ops::RangeInclusive<u64>,
) -> ApiResult<u64> {
    let Some(n) = p.opt_i64(name) else {
        return Ok(default_s);
    };
    let unit = p
        .opt_obj("TokenValidityUnits")
        .and_then(|u| u.opt_str(unit_key))
        .unwrap_or(default_unit);
    let unit_s: u64 = match unit {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3600,
        "days" => 86_400,
        other => {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid TokenValidityUnits.{unit_key}: {other}"
            )))
        }
    };
    u64::try_from(n)
        .ok()
        .and_then(|n| n.checked_mul(unit_s))
        .filter(|s| range.contains(s))
        .ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "{name} {n} {unit} is outside the allowed range of {} to {} seconds",
                range.start(),
                range.end()
            ))
        })
}

/// Builds a client from a `CreateUserPoolClient` request.
pub(crate) fn build_client(
    id: String,
    name: String,
    secret: Option<Hidden<String>>,
    p: Params<'_>,
) -> ApiResult<AppClient> {
    crate::oauth::check_client_settings(p)?;
    let access = validity_s(
        p,
        "AccessTokenValidity",
        "AccessToken",
        "hours",
        3600,
        ACCESS_ID_RANGE_S,
    )?;
    let id_s = validity_s(
        p,
        "IdTokenValidity",
        "IdToken",
        "hours",
        3600,
        ACCESS_ID_RANGE_S,
    )?;
    // "You can't set RefreshTokenValidity to 0. If you do, Amazon Cognito overrides the value
    // with the default value of 30 days" (API reference, CreateUserPoolClient).
    let refresh_zero = p.opt_i64("RefreshTokenValidity") == Some(0);
    let refresh = if refresh_zero {
        DEFAULT_REFRESH_S
    } else {
        validity_s(
            p,
            "RefreshTokenValidity",
            "RefreshToken",
            "days",
            DEFAULT_REFRESH_S,
            REFRESH_RANGE_S,
        )?
    };
    let flows = p.string_list("ExplicitAuthFlows").unwrap_or_default();
    for f in &flows {
        const KNOWN: &[&str] = &[
            flow::ADMIN_NO_SRP_AUTH,
            "CUSTOM_AUTH_FLOW_ONLY",
            flow::USER_PASSWORD_AUTH,
            explicit_flow::ALLOW_ADMIN_USER_PASSWORD_AUTH,
            explicit_flow::ALLOW_CUSTOM_AUTH,
            explicit_flow::ALLOW_USER_PASSWORD_AUTH,
            explicit_flow::ALLOW_USER_SRP_AUTH,
            explicit_flow::ALLOW_REFRESH_TOKEN_AUTH,
            explicit_flow::ALLOW_USER_AUTH,
        ];
        if !KNOWN.contains(&f.as_str()) {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid ExplicitAuthFlows value: {f}"
            )));
        }
    }
    Ok(AppClient {
        id,
        name,
        secret,
        explicit_auth_flows: flows,
        validity: Validity {
            access_s: access,
            id_s,
            refresh_s: refresh,
            auth_session_s: p
                .opt_i64("AuthSessionValidity")
                .map_or(180, |m| m.clamp(3, 15) as u64 * 60),
        },
        prevent_user_existence_errors: p.opt_str("PreventUserExistenceErrors") == Some("ENABLED"),
        enable_token_revocation: p.opt_bool("EnableTokenRevocation").unwrap_or(true),
        rotation: rotation(p)?,
        raw: {
            // The secret is kept (redacted) in `secret`, never in the echoed request.
            let mut raw = p.0.clone();
            if let Some(o) = raw.as_object_mut() {
                o.remove("ClientSecret");
                if refresh_zero {
                    o.insert("RefreshTokenValidity".into(), Value::from(30));
                    if let Some(Value::Object(units)) = o.get_mut("TokenValidityUnits") {
                        if units.contains_key("RefreshToken") {
                            units.insert("RefreshToken".into(), Value::from("days"));
                        }
                    }
                }
            }
            raw
        },
    })
}

/// `RefreshTokenRotation`: `Feature` (`ENABLED` | `DISABLED`, required in the object) and
/// `RetryGracePeriodSeconds` (0-60, optional; 0 when absent, the value that disables the grace
/// period). Absent, rotation is off (API reference, RefreshTokenRotationType).
fn rotation(p: Params<'_>) -> ApiResult<RefreshRotation> {
    let Some(r) = p.opt_obj("RefreshTokenRotation") else {
        return Ok(RefreshRotation::default());
    };
    let enabled = match r.opt_str("Feature") {
        Some("ENABLED") => true,
        Some("DISABLED") => false,
        other => {
            return Err(ApiError::invalid_parameter(format!(
                "1 validation error detected: Value '{}' at 'refreshTokenRotation.feature' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]",
                other.unwrap_or("null")
            )))
        }
    };
    let grace_s = match r.0.get("RetryGracePeriodSeconds") {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_u64().filter(|s| *s <= 60).ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "1 validation error detected: Value '{v}' at 'refreshTokenRotation.retryGracePeriodSeconds' failed to satisfy constraint: Member must have value between 0 and 60"
            ))
        })?,
    };
    Ok(RefreshRotation { enabled, grace_s })
}

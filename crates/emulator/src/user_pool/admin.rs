//! Pool and client administration and the `Admin*` user operations tests use to set up.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{
    check_attribute_names, check_password_policy, password_record, pool, pool_mut,
    revoke_user_tokens, user, user_attributes, user_key, user_mut,
};
use crate::core::{Emulator, ALNUM, LOWER_ALNUM};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::{
    AppClient, CodePurpose, CustomAuthRules, CustomChallengeRule, Hidden, MfaConfig,
    PasswordPolicy, User, UserPool, UserStatus, Validity,
};
use crate::params::Params;
use crate::time::UnixMillis;

pub(super) fn create_user_pool(
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

/// Builds a pool from a `CreateUserPool` request (also used by seed files, which may add the
/// emulator-only `CustomAuthRules` member).
pub(crate) fn build_pool(
    id: String,
    name: String,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<UserPool> {
    let mut policy = PasswordPolicy::default();
    if let Some(pp) = p
        .opt_obj("Policies")
        .and_then(|x| x.opt_obj("PasswordPolicy"))
    {
        let b = |k: &str, d: bool| pp.opt_bool(k).unwrap_or(d);
        policy = PasswordPolicy {
            min_length: pp
                .opt_i64("MinimumLength")
                .map_or(8, |n| n.clamp(6, 99) as usize),
            require_uppercase: b("RequireUppercase", false),
            require_lowercase: b("RequireLowercase", false),
            require_numbers: b("RequireNumbers", false),
            require_symbols: b("RequireSymbols", false),
            temporary_password_validity_days: pp
                .opt_i64("TemporaryPasswordValidityDays")
                .map_or(7, |n| n.clamp(0, 365) as u64),
        };
    }
    let mfa = match p.opt_str("MfaConfiguration").unwrap_or("OFF") {
        "OFF" => MfaConfig::Off,
        "ON" => MfaConfig::On,
        "OPTIONAL" => MfaConfig::Optional,
        other => {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid MfaConfiguration: {other}"
            )))
        }
    };
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
        policy,
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
        sms_mfa_enabled: enabled_mfa(p, "SMS_MFA", true),
        software_token_mfa_enabled: enabled_mfa(p, "SOFTWARE_TOKEN_MFA", true),
        email_mfa_enabled: enabled_mfa(
            p,
            "EMAIL_OTP",
            p.opt_obj("EmailMfaConfiguration").is_some(),
        ),
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
    })
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

pub(super) fn describe_user_pool(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
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
        o.insert("LastModifiedDate".into(), json!(pool.created.epoch_f64()));
        o.insert(
            "Policies".into(),
            json!({"PasswordPolicy": {
                "MinimumLength": pool.policy.min_length,
                "RequireUppercase": pool.policy.require_uppercase,
                "RequireLowercase": pool.policy.require_lowercase,
                "RequireNumbers": pool.policy.require_numbers,
                "RequireSymbols": pool.policy.require_symbols,
                "TemporaryPasswordValidityDays": pool.policy.temporary_password_validity_days,
            }}),
        );
        o.remove("PoolName");
    }
    v
}

pub(super) fn list_user_pools(emu: &mut Emulator) -> ApiResult<Value> {
    let pools: Vec<Value> = emu
        .pools
        .values()
        .map(|p| json!({"Id": p.id, "Name": p.name, "CreationDate": p.created.epoch_f64(), "LastModifiedDate": p.created.epoch_f64()}))
        .collect();
    Ok(json!({"UserPools": pools}))
}

pub(super) fn delete_user_pool(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let id = p.str("UserPoolId")?;
    pool(emu, id)?;
    emu.pools.remove(id);
    Ok(json!({}))
}

fn unit_secs(unit: Option<&str>, default_unit: &str) -> u64 {
    match unit.unwrap_or(default_unit) {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3600,
        _ => 86_400,
    }
}

pub(super) fn create_user_pool_client(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
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

/// Builds a client from a `CreateUserPoolClient` request.
pub(crate) fn build_client(
    id: String,
    name: String,
    secret: Option<Hidden<String>>,
    p: Params<'_>,
) -> ApiResult<AppClient> {
    crate::oauth::check_client_settings(p)?;
    let units = p.opt_obj("TokenValidityUnits");
    let unit = |k: &str, d: &str| unit_secs(units.and_then(|u| u.opt_str(k)), d);
    let access = p
        .opt_i64("AccessTokenValidity")
        .map_or(3600, |n| n.max(1) as u64 * unit("AccessToken", "hours"));
    let id_s = p
        .opt_i64("IdTokenValidity")
        .map_or(3600, |n| n.max(1) as u64 * unit("IdToken", "hours"));
    let refresh = p.opt_i64("RefreshTokenValidity").map_or(30 * 86_400, |n| {
        n.max(1) as u64 * unit("RefreshToken", "days")
    });
    let flows = p.string_list("ExplicitAuthFlows").unwrap_or_default();
    for f in &flows {
        const KNOWN: &[&str] = &[
            "ADMIN_NO_SRP_AUTH",
            "CUSTOM_AUTH_FLOW_ONLY",
            "USER_PASSWORD_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_CUSTOM_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_USER_AUTH",
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
        raw: {
            // The secret is kept (redacted) in `secret`, never in the echoed request.
            let mut raw = p.0.clone();
            if let Some(o) = raw.as_object_mut() {
                o.remove("ClientSecret");
            }
            raw
        },
    })
}

pub(super) fn describe_user_pool_client(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool(emu, p.str("UserPoolId")?)?;
    let c = super::client(pool, p.str("ClientId")?)?;
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
        o.insert("CreationDate".into(), json!(pool.created.epoch_f64()));
        o.insert("LastModifiedDate".into(), json!(pool.created.epoch_f64()));
    }
    Ok(json!({"UserPoolClient": v}))
}

/// A new user record (no password yet).
pub(crate) fn new_user(
    emu: &mut Emulator,
    username: &str,
    attrs: Vec<(String, String)>,
    status: UserStatus,
    now: UnixMillis,
) -> User {
    let sub = emu.uuid();
    User {
        username: username.to_owned(),
        sub,
        attributes: attrs.into_iter().filter(|(n, _)| n != "sub").collect(),
        status,
        enabled: true,
        password: None,
        created: now,
        modified: now,
        codes: BTreeMap::new(),
        sms_mfa: false,
        software_token_mfa: false,
        email_mfa: false,
        preferred_mfa: None,
        totp_secret: None,
        totp_verified: false,
        devices: BTreeMap::new(),
    }
}

/// The canonical user name a pool stores: the sub for pools whose user names are emails or
/// phone numbers, otherwise the name (lowercased when the pool is case-insensitive).
pub(crate) fn canonical_name(pool: &UserPool, given: &str, sub: &str) -> String {
    if !pool.username_attributes.is_empty() {
        sub.to_owned()
    } else if pool.case_sensitive {
        given.to_owned()
    } else {
        given.to_lowercase()
    }
}

/// For pools with `UsernameAttributes`, the attribute a sign-up name stands for.
pub(crate) fn username_attribute(
    pool: &UserPool,
    given: &str,
) -> ApiResult<Option<(String, String)>> {
    if pool.username_attributes.is_empty() {
        return Ok(None);
    }
    if given.contains('@') && pool.username_attributes.iter().any(|a| a == "email") {
        return Ok(Some(("email".into(), given.to_owned())));
    }
    if given.starts_with('+') && pool.username_attributes.iter().any(|a| a == "phone_number") {
        return Ok(Some(("phone_number".into(), given.to_owned())));
    }
    Err(ApiError::invalid_parameter(
        "Username should be either an email or a phone number.",
    ))
}

pub(super) fn admin_create_user(
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
            emu.outbox.push(crate::core::OutboxMessage {
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

/// `UserType` as `AdminCreateUser` and `ListUsers` return it.
pub(crate) fn user_type(u: &User) -> Value {
    json!({
        "Username": u.username,
        "Attributes": user_attributes(u),
        "UserCreateDate": u.created.epoch_f64(),
        "UserLastModifiedDate": u.modified.epoch_f64(),
        "Enabled": u.enabled,
        "UserStatus": u.status.name(),
    })
}

pub(super) fn admin_confirm_sign_up(
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

pub(super) fn admin_get_user(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool(emu, p.str("UserPoolId")?)?;
    let u = user(pool, p.str("Username")?)?;
    Ok(get_user_json(pool, u, true))
}

/// The `GetUser` / `AdminGetUser` answer.
pub(crate) fn get_user_json(pool: &UserPool, u: &User, admin: bool) -> Value {
    let mfas = super::enabled_mfas(pool, u);
    let mut v = json!({
        "Username": u.username,
        "UserAttributes": user_attributes(u),
        "UserMFASettingList": mfas,
    });
    if let Some(pref) = &u.preferred_mfa {
        v["PreferredMfaSetting"] = json!(pref);
    }
    if admin {
        v["UserCreateDate"] = json!(u.created.epoch_f64());
        v["UserLastModifiedDate"] = json!(u.modified.epoch_f64());
        v["Enabled"] = json!(u.enabled);
        v["UserStatus"] = json!(u.status.name());
    }
    v
}

pub(super) fn admin_delete_user(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool_id = p.str("UserPoolId")?.to_owned();
    let key = {
        let pool = pool(emu, &pool_id)?;
        user_key(pool, p.str("Username")?).ok_or_else(ApiError::user_not_found)?
    };
    revoke_user_tokens(emu, &pool_id, &key);
    pool_mut(emu, &pool_id)?.users.remove(&key);
    Ok(json!({}))
}

pub(super) fn admin_set_enabled(
    emu: &mut Emulator,
    p: Params<'_>,
    enabled: bool,
) -> ApiResult<Value> {
    let pool = pool_mut(emu, p.str("UserPoolId")?)?;
    user_mut(pool, p.str("Username")?)?.enabled = enabled;
    Ok(json!({}))
}

pub(super) fn admin_set_user_password(
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

pub(super) fn admin_update_user_attributes(
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

pub(super) fn admin_user_global_sign_out(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool_id = p.str("UserPoolId")?.to_owned();
    let key =
        user_key(pool(emu, &pool_id)?, p.str("Username")?).ok_or_else(ApiError::user_not_found)?;
    revoke_user_tokens(emu, &pool_id, &key);
    Ok(json!({}))
}

pub(super) fn admin_set_user_mfa_preference(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool_mut(emu, p.str("UserPoolId")?)?;
    let u = user_mut(pool, p.str("Username")?)?;
    apply_mfa_preference(u, p)?;
    Ok(json!({}))
}

/// Applies `SMSMfaSettings` / `SoftwareTokenMfaSettings` / `EmailMfaSettings`.
pub(crate) fn apply_mfa_preference(u: &mut User, p: Params<'_>) -> ApiResult<()> {
    let settings = [
        ("SMSMfaSettings", "SMS_MFA"),
        ("SoftwareTokenMfaSettings", "SOFTWARE_TOKEN_MFA"),
        ("EmailMfaSettings", "EMAIL_OTP"),
    ];
    for (key, name) in settings {
        let Some(s) = p.opt_obj(key) else { continue };
        let enabled = s.opt_bool("Enabled");
        let preferred = s.opt_bool("PreferredMfa").unwrap_or(false);
        if name == "SOFTWARE_TOKEN_MFA" && enabled == Some(true) && !u.totp_verified {
            return Err(ApiError::invalid_parameter(
                "User has not verified software token mfa",
            ));
        }
        if let Some(e) = enabled {
            match name {
                "SMS_MFA" => u.sms_mfa = e,
                "SOFTWARE_TOKEN_MFA" => u.software_token_mfa = e,
                _ => u.email_mfa = e,
            }
            if !e && u.preferred_mfa.as_deref() == Some(name) {
                u.preferred_mfa = None;
            }
        }
        if preferred {
            u.preferred_mfa = Some(name.to_owned());
        }
    }
    Ok(())
}

pub(super) fn list_users(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
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

pub(super) fn list_user_pool_clients(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
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
pub(super) fn admin_reset_user_password(
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
    super::send_code(emu, &pool_id, &key, CodePurpose::ForgotPassword, 3600, now)?;
    let u = pool_mut(emu, &pool_id)?
        .users
        .get_mut(&key)
        .ok_or_else(ApiError::user_not_found)?;
    u.status = UserStatus::ResetRequired;
    u.modified = now;
    Ok(json!({}))
}

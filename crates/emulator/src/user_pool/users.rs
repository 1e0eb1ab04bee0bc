//! User records and their JSON shapes: new users, canonical names, attributes and MFA
//! settings.

use std::collections::{BTreeMap, BTreeSet};

use cognito_auth_wire::challenge;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::model::{User, UserPool, UserStatus};
use crate::params::Params;
use crate::state::Emulator;
use crate::time::UnixMillis;

/// `UserAttributes`-style list of a user's attributes, `sub` first.
pub(crate) fn user_attributes(user: &User) -> Value {
    let mut attrs = vec![("sub".to_owned(), user.sub.clone())];
    attrs.extend(user.attributes.iter().filter(|(n, _)| n != "sub").cloned());
    crate::params::attributes_json(&attrs)
}

/// The MFA options a user has turned on, in Cognito's names.
pub(crate) fn enabled_mfas(pool: &UserPool, user: &User) -> Vec<String> {
    let mut v = Vec::new();
    if pool.sms_mfa_enabled && user.sms_mfa && user.attr("phone_number").is_some() {
        v.push(challenge::SMS_MFA.to_owned());
    }
    if pool.software_token_mfa_enabled && user.software_token_mfa && user.totp_verified {
        v.push(challenge::SOFTWARE_TOKEN_MFA.to_owned());
    }
    if pool.email_mfa_enabled && user.email_mfa && user.attr("email").is_some() {
        v.push(challenge::EMAIL_OTP.to_owned());
    }
    v
}

pub(crate) fn check_attribute_names(attrs: &[(String, String)]) -> ApiResult<()> {
    const STANDARD: &[&str] = &[
        "address",
        "birthdate",
        "email",
        "email_verified",
        "family_name",
        "gender",
        "given_name",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "phone_number_verified",
        "picture",
        "preferred_username",
        "profile",
        "updated_at",
        "website",
        "zoneinfo",
    ];
    for (n, _) in attrs {
        if !(STANDARD.contains(&n.as_str()) || n.starts_with("custom:")) {
            return Err(ApiError::invalid_parameter(format!(
                "Attribute does not exist in the schema: {n}"
            )));
        }
    }
    Ok(())
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
        groups: BTreeSet::new(),
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

/// The `GetUser` / `AdminGetUser` answer.
pub(crate) fn get_user_json(pool: &UserPool, u: &User, admin: bool) -> Value {
    let mfas = enabled_mfas(pool, u);
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

/// Applies `SMSMfaSettings` / `SoftwareTokenMfaSettings` / `EmailMfaSettings`.
pub(crate) fn apply_mfa_preference(u: &mut User, p: Params<'_>) -> ApiResult<()> {
    let settings = [
        ("SMSMfaSettings", challenge::SMS_MFA),
        ("SoftwareTokenMfaSettings", challenge::SOFTWARE_TOKEN_MFA),
        ("EmailMfaSettings", challenge::EMAIL_OTP),
    ];
    for (key, name) in settings {
        let Some(s) = p.opt_obj(key) else { continue };
        let enabled = s.opt_bool("Enabled");
        let preferred = s.opt_bool("PreferredMfa").unwrap_or(false);
        if name == challenge::SOFTWARE_TOKEN_MFA && enabled == Some(true) && !u.totp_verified {
            return Err(ApiError::invalid_parameter(
                "User has not verified software token mfa",
            ));
        }
        if let Some(e) = enabled {
            match name {
                challenge::SMS_MFA => u.sms_mfa = e,
                challenge::SOFTWARE_TOKEN_MFA => u.software_token_mfa = e,
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

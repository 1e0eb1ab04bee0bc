//! Operations a signed-in user performs with an access token: profile, attributes, password,
//! sign-out and revocation, deletion, and TOTP / MFA settings.

use cognito_auth_wire::verify_status;
use serde_json::{json, Value};

use super::access::{authorize, revoke_user_tokens, Caller};
use super::codes::{send_code, take_code};
use super::factors::configured_user_auth_factors;
use super::lookup::{client, pool, pool_mut, pool_of_client, session_mut};
use super::passwords::{check_password_policy, password_matches, password_record};
use super::users::{apply_mfa_preference, check_attribute_names, enabled_mfas, get_user_json};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::{CodePurpose, Hidden};
use crate::params::Params;
use crate::state::Emulator;
use crate::time::UnixMillis;

fn caller(emu: &Emulator, p: Params<'_>, now: UnixMillis) -> ApiResult<Caller> {
    authorize(emu, p.str("AccessToken")?, now)
}

pub(crate) fn get_user(emu: &mut Emulator, p: Params<'_>, now: UnixMillis) -> ApiResult<Value> {
    let c = caller(emu, p, now)?;
    let pool = pool(emu, &c.pool_id)?;
    Ok(get_user_json(pool, &pool.users[&c.user_key], false))
}

/// `GetUserAuthFactors`: the caller's MFA settings as `GetUser` answers them, and the
/// `USER_AUTH` first factors they can choose (`ConfiguredUserAuthFactors`, from the same
/// function as `InitiateAuth`'s `AvailableChallenges`). Authorized like `GetUser`.
pub(crate) fn get_user_auth_factors(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let c = caller(emu, p, now)?;
    let pool = pool(emu, &c.pool_id)?;
    let u = &pool.users[&c.user_key];
    let mut v = json!({"Username": u.username});
    let mfas = enabled_mfas(pool, u);
    if !mfas.is_empty() {
        v["UserMFASettingList"] = json!(mfas);
    }
    if let Some(pref) = &u.preferred_mfa {
        v["PreferredMfaSetting"] = json!(pref);
    }
    let factors = configured_user_auth_factors(pool, u);
    if !factors.is_empty() {
        v["ConfiguredUserAuthFactors"] = json!(factors);
    }
    Ok(v)
}

pub(crate) fn update_user_attributes(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let c = caller(emu, p, now)?;
    let attrs = p.attributes("UserAttributes");
    check_attribute_names(&attrs)?;
    let mut details = Vec::new();
    let mut to_verify = Vec::new();
    {
        let pool = pool_mut(emu, &c.pool_id)?;
        let auto = pool.auto_verified.clone();
        let u = pool
            .users
            .get_mut(&c.user_key)
            .ok_or_else(ApiError::user_not_found)?;
        for (n, v) in attrs {
            let changed = u.attr(&n) != Some(v.as_str());
            u.set_attr(&n, &v);
            if changed && (n == "email" || n == "phone_number") {
                u.set_attr(&format!("{n}_verified"), "false");
                if auto.contains(&n) {
                    to_verify.push(n);
                }
            }
        }
        u.modified = now;
    }
    for n in to_verify {
        let purpose = if n == "email" {
            CodePurpose::VerifyEmail
        } else {
            CodePurpose::VerifyPhone
        };
        details.push(send_code(
            emu,
            &c.pool_id,
            &c.user_key,
            purpose,
            24 * 3600,
            now,
        )?);
    }
    Ok(json!({"CodeDeliveryDetailsList": details}))
}

pub(crate) fn delete_user_attributes(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let c = caller(emu, p, now)?;
    let names = p.string_list("UserAttributeNames").unwrap_or_default();
    let u = pool_mut(emu, &c.pool_id)?
        .users
        .get_mut(&c.user_key)
        .ok_or_else(ApiError::user_not_found)?;
    for n in names {
        u.remove_attr(&n);
    }
    Ok(json!({}))
}

fn verify_purpose(attr: &str) -> ApiResult<CodePurpose> {
    match attr {
        "email" => Ok(CodePurpose::VerifyEmail),
        "phone_number" => Ok(CodePurpose::VerifyPhone),
        other => Err(ApiError::invalid_parameter(format!(
            "Cannot verify attribute {other}"
        ))),
    }
}

pub(crate) fn get_verification_code(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let c = caller(emu, p, now)?;
    let purpose = verify_purpose(p.str("AttributeName")?)?;
    let details = send_code(emu, &c.pool_id, &c.user_key, purpose, 24 * 3600, now)?;
    Ok(json!({"CodeDeliveryDetails": details}))
}

pub(crate) fn verify_user_attribute(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let c = caller(emu, p, now)?;
    let attr = p.str("AttributeName")?.to_owned();
    let purpose = verify_purpose(&attr)?;
    let code = p.str("Code")?;
    let u = pool_mut(emu, &c.pool_id)?
        .users
        .get_mut(&c.user_key)
        .ok_or_else(ApiError::user_not_found)?;
    take_code(u, purpose, code, now)?;
    u.set_attr(&format!("{attr}_verified"), "true");
    Ok(json!({}))
}

pub(crate) fn change_password(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let c = caller(emu, p, now)?;
    let old = p.str("PreviousPassword")?;
    let new = p.str("ProposedPassword")?.to_owned();
    let (pool_name, name) = {
        let pool = pool(emu, &c.pool_id)?;
        let u = &pool.users[&c.user_key];
        if !password_matches(u, old) {
            return Err(ApiError::bad_credentials());
        }
        check_password_policy(pool, &new)?;
        (pool.srp_pool_name().to_owned(), u.username.clone())
    };
    let rec = password_record(emu, &pool_name, &name, &new, None);
    let u = pool_mut(emu, &c.pool_id)?
        .users
        .get_mut(&c.user_key)
        .ok_or_else(ApiError::user_not_found)?;
    u.password = Some(rec);
    u.modified = now;
    Ok(json!({}))
}

pub(crate) fn delete_user(emu: &mut Emulator, p: Params<'_>, now: UnixMillis) -> ApiResult<Value> {
    let c = caller(emu, p, now)?;
    revoke_user_tokens(emu, &c.pool_id, &c.user_key);
    pool_mut(emu, &c.pool_id)?.users.remove(&c.user_key);
    Ok(json!({}))
}

pub(crate) fn global_sign_out(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let c = caller(emu, p, now)?;
    revoke_user_tokens(emu, &c.pool_id, &c.user_key);
    Ok(json!({}))
}

pub(crate) fn revoke_token(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let token = p.str("Token")?;
    let client_id = p.str("ClientId")?;
    let pool_id = pool_of_client(emu, client_id)?;
    {
        let client = client(pool(emu, &pool_id)?, client_id)?;
        if let Some(secret) = &client.secret {
            let ok = p.opt_str("ClientSecret").is_some_and(|s| s == secret.0);
            if !ok {
                return Err(ApiError::new(
                    ErrorKind::UnauthorizedClient,
                    "Client secret does not match",
                ));
            }
        }
        // "UnsupportedOperationException: ... an operation that isn't enabled for the user
        // pool client" (API reference, RevokeToken).
        if !client.enable_token_revocation {
            return Err(ApiError::new(
                ErrorKind::UnsupportedOperation,
                "Token revocation is not enabled for this client",
            ));
        }
    }
    let Some(rec) = emu.refresh_tokens.get_mut(token) else {
        // Cognito answers an unknown refresh token with success only for well-formed JWE tokens;
        // anything that is not one of ours is an unsupported token.
        return Err(ApiError::new(
            ErrorKind::UnsupportedTokenType,
            "The token is not a refresh token issued by this user pool",
        ));
    };
    if rec.client_id != client_id {
        return Err(ApiError::new(
            ErrorKind::UnauthorizedClient,
            "The token was not issued to this client",
        ));
    }
    rec.revoked = true;
    let family = rec.origin_jti.clone();
    emu.revoked_families.insert(family);
    Ok(json!({}))
}

pub(crate) fn associate_software_token(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let secret: [u8; 20] = emu.random_bytes();
    let code = crate::totp::base32_encode(&secret);
    if let Some(session_id) = p.opt_str("Session") {
        let s = session_mut(emu, session_id, now)?.clone();
        let u = pool_mut(emu, &s.pool_id)?
            .users
            .get_mut(&s.username)
            .ok_or_else(ApiError::invalid_session)?;
        u.totp_secret = Some(Hidden(secret.to_vec()));
        u.totp_verified = false;
        return Ok(json!({"SecretCode": code, "Session": session_id}));
    }
    let c = caller(emu, p, now)?;
    let u = pool_mut(emu, &c.pool_id)?
        .users
        .get_mut(&c.user_key)
        .ok_or_else(ApiError::user_not_found)?;
    u.totp_secret = Some(Hidden(secret.to_vec()));
    u.totp_verified = false;
    Ok(json!({"SecretCode": code}))
}

pub(crate) fn verify_software_token(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let code = p.str("UserCode")?;
    let (pool_id, key, session) = if let Some(session_id) = p.opt_str("Session") {
        let s = session_mut(emu, session_id, now)?;
        (
            s.pool_id.clone(),
            s.username.clone(),
            Some(session_id.to_owned()),
        )
    } else {
        let c = caller(emu, p, now)?;
        (c.pool_id, c.user_key, None)
    };
    let u = pool_mut(emu, &pool_id)?
        .users
        .get_mut(&key)
        .ok_or_else(ApiError::user_not_found)?;
    let Some(secret) = &u.totp_secret else {
        return Err(ApiError::new(
            ErrorKind::EnableSoftwareTokenMfa,
            "Software token has not been associated",
        ));
    };
    if !crate::totp::verify(&secret.0, code, now.secs()) {
        return Err(ApiError::new(
            ErrorKind::EnableSoftwareTokenMfa,
            "Code mismatch",
        ));
    }
    u.totp_verified = true;
    u.software_token_mfa = true;
    let mut out = json!({"Status": verify_status::SUCCESS});
    if let Some(id) = session {
        if let Some(s) = emu.sessions.get_mut(&id) {
            s.mfa_setup_done = true;
        }
        out["Session"] = json!(id);
    }
    Ok(out)
}

pub(crate) fn set_user_mfa_preference(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let c = caller(emu, p, now)?;
    let u = pool_mut(emu, &c.pool_id)?
        .users
        .get_mut(&c.user_key)
        .ok_or_else(ApiError::user_not_found)?;
    apply_mfa_preference(u, p)?;
    Ok(json!({}))
}

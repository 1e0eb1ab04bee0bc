//! `InitiateAuth` / `RespondToAuthChallenge` (and their `Admin*` twins): every sign-in flow, its
//! challenges, and token issuance.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::{
    check_password_policy, check_secret_hash, enabled_mfas, password_matches, password_record,
    pool, pool_mut, pool_of_client, send_code, take_code, user_key,
};
use crate::core::{Emulator, ALNUM};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::{
    AuthSession, CodePurpose, Device, Expected, Hidden, MfaConfig, RefreshRecord, UserStatus,
};
use crate::params::Params;
use crate::time::UnixMillis;

/// What a request carries into the flow.
struct Ctx {
    pool_id: String,
    client_id: String,
    meta: BTreeMap<String, String>,
}

pub(super) fn initiate_auth(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
    admin: bool,
) -> ApiResult<Value> {
    let flow = p.str("AuthFlow")?.to_owned();
    let client_id = p.str("ClientId")?.to_owned();
    let pool_id = if admin {
        let id = p.str("UserPoolId")?.to_owned();
        super::client(pool(emu, &id)?, &client_id)?;
        id
    } else {
        pool_of_client(emu, &client_id)?
    };
    let params = p.string_map("AuthParameters");
    let ctx = Ctx {
        pool_id,
        client_id,
        meta: p.string_map("ClientMetadata"),
    };
    let allowed = |emu: &Emulator, allow: &str, legacy: Option<&str>| -> ApiResult<()> {
        let c = super::client(pool(emu, &ctx.pool_id)?, &ctx.client_id)?;
        if c.allows(allow, legacy) {
            Ok(())
        } else {
            Err(ApiError::invalid_parameter(format!(
                "{flow} flow not enabled for this client"
            )))
        }
    };
    match flow.as_str() {
        "USER_PASSWORD_AUTH" => {
            allowed(emu, "ALLOW_USER_PASSWORD_AUTH", Some("USER_PASSWORD_AUTH"))?;
            password_auth(emu, &ctx, &params, now)
        }
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" if admin => {
            allowed(emu, "ALLOW_ADMIN_USER_PASSWORD_AUTH", Some("ADMIN_NO_SRP_AUTH"))?;
            password_auth(emu, &ctx, &params, now)
        }
        "USER_SRP_AUTH" => {
            allowed(emu, "ALLOW_USER_SRP_AUTH", None)?;
            srp_auth(emu, &ctx, &params, now, false)
        }
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
            allowed(emu, "ALLOW_REFRESH_TOKEN_AUTH", None)?;
            refresh_auth(emu, &ctx, &params, now)
        }
        "CUSTOM_AUTH" => {
            allowed(emu, "ALLOW_CUSTOM_AUTH", Some("CUSTOM_AUTH_FLOW_ONLY"))?;
            custom_auth(emu, &ctx, &params, now)
        }
        "USER_AUTH" => {
            allowed(emu, "ALLOW_USER_AUTH", None)?;
            user_auth(emu, &ctx, &params, now)
        }
        other => Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set"
        ))),
    }
}

/// Finds the user a sign-in names, with Cognito's existence-hiding rule.
fn find_user(emu: &Emulator, ctx: &Ctx, username: &str) -> ApiResult<String> {
    let pool = pool(emu, &ctx.pool_id)?;
    let Some(key) = user_key(pool, username) else {
        let hide = super::client(pool, &ctx.client_id)?.prevent_user_existence_errors;
        return Err(if hide {
            ApiError::bad_credentials()
        } else {
            ApiError::user_not_found()
        });
    };
    if !pool.users[&key].enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    Ok(key)
}

fn check_client_secret(
    emu: &Emulator,
    ctx: &Ctx,
    username: &str,
    given: Option<&str>,
) -> ApiResult<()> {
    let pool = pool(emu, &ctx.pool_id)?;
    let c = super::client(pool, &ctx.client_id)?;
    // Cognito accepts the hash over the name the client used, or over the canonical user name.
    let canonical = user_key(pool, username)
        .and_then(|k| pool.users.get(&k))
        .map(|u| (u.username.clone(), u.sub.clone()));
    match check_secret_hash(c, username, given) {
        Ok(()) => Ok(()),
        Err(e) => match canonical {
            Some((name, sub))
                if check_secret_hash(c, &name, given).is_ok()
                    || check_secret_hash(c, &sub, given).is_ok() =>
            {
                Ok(())
            }
            _ => Err(e),
        },
    }
}

fn password_auth(
    emu: &mut Emulator,
    ctx: &Ctx,
    params: &BTreeMap<String, String>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let username = params
        .get("USERNAME")
        .ok_or_else(|| ApiError::invalid_parameter("Missing required parameter USERNAME"))?;
    let password = params
        .get("PASSWORD")
        .ok_or_else(|| ApiError::invalid_parameter("Missing required parameter PASSWORD"))?;
    check_client_secret(
        emu,
        ctx,
        username,
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    let key = find_user(emu, ctx, username)?;
    {
        let u = &pool(emu, &ctx.pool_id)?.users[&key];
        if !password_matches(u, password) {
            return Err(ApiError::bad_credentials());
        }
    }
    after_password(emu, ctx, &key, params.get("DEVICE_KEY").cloned(), now)
}

/// Status checks once the password is proven, then the next step.
fn after_password(
    emu: &mut Emulator,
    ctx: &Ctx,
    key: &str,
    device_key: Option<String>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let u = &pool(emu, &ctx.pool_id)?.users[key];
    match u.status {
        UserStatus::Unconfirmed => {
            return Err(ApiError::new(
                ErrorKind::UserNotConfirmed,
                "User is not confirmed.",
            ))
        }
        UserStatus::ResetRequired => {
            return Err(ApiError::new(
                ErrorKind::PasswordResetRequired,
                "Password reset required for the user",
            ))
        }
        UserStatus::ForceChangePassword => {
            if u.password
                .as_ref()
                .and_then(|r| r.temporary_until)
                .is_some_and(|t| t <= now)
            {
                return Err(ApiError::not_authorized(
                    "Temporary password has expired and must be reset by an administrator.",
                ));
            }
            let attrs: Map<String, Value> = u
                .attributes
                .iter()
                .filter(|(n, _)| !n.ends_with("_verified"))
                .map(|(n, v)| (n.clone(), json!(v)))
                .collect();
            let params = json!({
                "USER_ID_FOR_SRP": u.username,
                "requiredAttributes": "[]",
                "userAttributes": Value::Object(attrs).to_string(),
            });
            let mut s = new_session(emu, ctx, key, Expected::NewPasswordRequired, now)?;
            s.device_key = device_key;
            return challenge(emu, s, params);
        }
        UserStatus::Confirmed => {}
    }
    after_first_factor(emu, ctx, key, device_key, false, now)
}

/// Device authentication, then MFA, then tokens.
fn after_first_factor(
    emu: &mut Emulator,
    ctx: &Ctx,
    key: &str,
    device_key: Option<String>,
    device_done: bool,
    now: UnixMillis,
) -> ApiResult<Value> {
    let pool = pool(emu, &ctx.pool_id)?;
    let u = &pool.users[key];
    let device = device_key.as_ref().and_then(|k| u.devices.get(k));
    if !device_done && pool.device_tracking() {
        if let Some(d) = device.filter(|d| d.verifier.is_some()) {
            let params = json!({"USERNAME": u.username, "DEVICE_KEY": d.key});
            let mut s = new_session(emu, ctx, key, Expected::DeviceSrpAuth, now)?;
            s.device_key = device_key;
            return challenge(emu, s, params);
        }
    }
    let remembered = device_done && device.is_some_and(|d| d.remembered);
    if !remembered {
        if let Some(next) = mfa_step(emu, ctx, key, now)? {
            let mut s = new_session(emu, ctx, key, next, now)?;
            s.device_key = device_key;
            s.device_authenticated = device_done;
            return issue_challenge(emu, s, now);
        }
    }
    let known_device = device_key.filter(|k| pool_known_device(emu, ctx, key, k));
    let result = issue_tokens(
        emu,
        &ctx.pool_id,
        &ctx.client_id,
        key,
        now,
        known_device,
        None,
    )?;
    Ok(json!({"AuthenticationResult": result, "ChallengeParameters": {}}))
}

fn pool_known_device(emu: &Emulator, ctx: &Ctx, key: &str, device_key: &str) -> bool {
    emu.pools
        .get(&ctx.pool_id)
        .and_then(|p| p.users.get(key))
        .is_some_and(|u| u.devices.contains_key(device_key))
}

/// Which MFA challenge (if any) the user faces now.
fn mfa_step(emu: &Emulator, ctx: &Ctx, key: &str, _now: UnixMillis) -> ApiResult<Option<Expected>> {
    let pool = pool(emu, &ctx.pool_id)?;
    let u = &pool.users[key];
    let mfas = enabled_mfas(pool, u);
    let pick = |mfas: &[String]| -> Expected {
        let chosen = u
            .preferred_mfa
            .as_ref()
            .filter(|p| mfas.contains(p))
            .cloned()
            .or_else(|| (mfas.len() == 1).then(|| mfas[0].clone()));
        match chosen.as_deref() {
            Some("SMS_MFA") => Expected::SmsMfa,
            Some("SOFTWARE_TOKEN_MFA") => Expected::SoftwareTokenMfa,
            Some("EMAIL_OTP") => Expected::EmailOtp,
            _ => Expected::SelectMfaType(mfas.to_vec()),
        }
    };
    Ok(match pool.mfa {
        MfaConfig::Off => None,
        MfaConfig::Optional if mfas.is_empty() => None,
        MfaConfig::Optional => Some(pick(&mfas)),
        MfaConfig::On if !mfas.is_empty() => Some(pick(&mfas)),
        MfaConfig::On if pool.sms_mfa_enabled && u.attr("phone_number").is_some() => {
            Some(Expected::SmsMfa)
        }
        MfaConfig::On => Some(Expected::MfaSetup),
    })
}

fn new_session(
    emu: &mut Emulator,
    ctx: &Ctx,
    key: &str,
    expected: Expected,
    now: UnixMillis,
) -> ApiResult<AuthSession> {
    let validity = super::client(pool(emu, &ctx.pool_id)?, &ctx.client_id)?
        .validity
        .auth_session_s;
    Ok(AuthSession {
        pool_id: ctx.pool_id.clone(),
        client_id: ctx.client_id.clone(),
        username: key.to_owned(),
        expires: now.plus_secs(validity),
        expected,
        device_key: None,
        client_metadata: ctx.meta.clone(),
        device_authenticated: false,
        custom_step: 0,
        custom_attempts: 0,
        mfa_setup_done: false,
        custom: false,
        custom_answer: None,
        passwordless: false,
    })
}

/// Stores the session and answers with its challenge.
fn challenge(emu: &mut Emulator, s: AuthSession, params: Value) -> ApiResult<Value> {
    let name = s.expected.challenge_name();
    // Cognito answers the SRP verifier challenges without a Session: the SECRET_BLOCK names the
    // exchange (see `session_by_secret_block`). Sending one would let clients that depend on it
    // pass here and fail against Cognito.
    let omit_session = matches!(
        s.expected,
        Expected::PasswordVerifier(..) | Expected::DevicePasswordVerifier(..)
    );
    let id = emu.opaque_token(160);
    emu.sessions.insert(id.clone(), s);
    if omit_session {
        return Ok(json!({"ChallengeName": name, "ChallengeParameters": params}));
    }
    Ok(json!({"ChallengeName": name, "Session": id, "ChallengeParameters": params}))
}

/// Sends whatever an MFA / OTP challenge needs (codes) and answers with it.
fn issue_challenge(emu: &mut Emulator, s: AuthSession, now: UnixMillis) -> ApiResult<Value> {
    let username = pool(emu, &s.pool_id)?.users[&s.username].username.clone();
    let validity = s.expires.0.saturating_sub(now.0) / 1000;
    let params = match &s.expected {
        Expected::SmsMfa | Expected::EmailOtp => {
            let purpose = if matches!(s.expected, Expected::SmsMfa) {
                CodePurpose::SmsMfa
            } else {
                CodePurpose::EmailOtp
            };
            let d = send_code(emu, &s.pool_id, &s.username, purpose, validity, now)?;
            json!({
                "CODE_DELIVERY_DELIVERY_MEDIUM": d["DeliveryMedium"],
                "CODE_DELIVERY_DESTINATION": d["Destination"],
                "USER_ID_FOR_SRP": username,
            })
        }
        Expected::SelectMfaType(m) => {
            json!({"MFAS_CAN_CHOOSE": json!(m).to_string(), "USER_ID_FOR_SRP": username})
        }
        Expected::MfaSetup => {
            let pool = pool(emu, &s.pool_id)?;
            let mut can = Vec::new();
            if pool.software_token_mfa_enabled {
                can.push("SOFTWARE_TOKEN_MFA");
            }
            if pool.email_mfa_enabled {
                can.push("EMAIL_OTP");
            }
            json!({"MFAS_CAN_SETUP": json!(can).to_string(), "USER_ID_FOR_SRP": username})
        }
        _ => json!({"USER_ID_FOR_SRP": username}),
    };
    challenge(emu, s, params)
}

fn srp_auth(
    emu: &mut Emulator,
    ctx: &Ctx,
    params: &BTreeMap<String, String>,
    now: UnixMillis,
    custom: bool,
) -> ApiResult<Value> {
    let username = params
        .get("USERNAME")
        .ok_or_else(|| ApiError::invalid_parameter("Missing required parameter USERNAME"))?;
    let srp_a = params
        .get("SRP_A")
        .ok_or_else(|| ApiError::invalid_parameter("Missing required parameter SRP_A"))?;
    check_client_secret(
        emu,
        ctx,
        username,
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    let key = match find_user(emu, ctx, username) {
        Ok(k) => k,
        // With PreventUserExistenceErrors, Cognito answers an unknown user with a plausible
        // challenge and refuses the proof later, so the two cases look alike.
        Err(e) if e.message == ApiError::bad_credentials().message => {
            return decoy_challenge(emu, ctx, username, srp_a, now)
        }
        Err(e) => return Err(e),
    };
    let verifier = pool(emu, &ctx.pool_id)?.users[&key]
        .password
        .as_ref()
        .map(|r| r.srp.clone())
        .ok_or_else(ApiError::bad_credentials)?;
    let random: [u8; crate::srp_glue::SERVER_RANDOM_LEN] = emu.random_bytes();
    let (server, b_hex) = crate::srp_glue::start(&verifier, srp_a, &random)?;
    let block: [u8; 64] = emu.random_bytes();
    let block = STANDARD.encode(block);
    let canonical = pool(emu, &ctx.pool_id)?.users[&key].username.clone();
    let out = json!({
        "SALT": crate::srp_glue::salt_hex(&verifier),
        "SECRET_BLOCK": block,
        "SRP_B": b_hex,
        "USERNAME": canonical,
        "USER_ID_FOR_SRP": canonical,
    });
    let mut s = new_session(
        emu,
        ctx,
        &key,
        Expected::PasswordVerifier(server, Hidden(block)),
        now,
    )?;
    s.device_key = params.get("DEVICE_KEY").cloned();
    s.custom = custom;
    challenge(emu, s, out)
}

/// A PASSWORD_VERIFIER challenge for a user who does not exist; no proof can answer it.
fn decoy_challenge(
    emu: &mut Emulator,
    ctx: &Ctx,
    username: &str,
    srp_a: &str,
    now: UnixMillis,
) -> ApiResult<Value> {
    let salt: [u8; 16] = emu.random_bytes();
    let unguessable = emu.opaque_token(32);
    let verifier = crate::srp_glue::user_verifier("decoy", username, &unguessable, salt);
    let random: [u8; crate::srp_glue::SERVER_RANDOM_LEN] = emu.random_bytes();
    let (server, b_hex) = crate::srp_glue::start(&verifier, srp_a, &random)?;
    let block = STANDARD.encode(emu.random_bytes::<64>());
    let out = json!({
        "SALT": crate::srp_glue::salt_hex(&verifier),
        "SECRET_BLOCK": block,
        "SRP_B": b_hex,
        "USERNAME": username,
        "USER_ID_FOR_SRP": username,
    });
    // The session names no stored user, so its answer always fails as a wrong password would.
    let s = new_session(
        emu,
        ctx,
        "",
        Expected::PasswordVerifier(server, Hidden(block)),
        now,
    )?;
    challenge(emu, s, out)
}

fn refresh_auth(
    emu: &mut Emulator,
    ctx: &Ctx,
    params: &BTreeMap<String, String>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let token = params
        .get("REFRESH_TOKEN")
        .ok_or_else(|| ApiError::invalid_parameter("Missing required parameter REFRESH_TOKEN"))?;
    let rec = emu
        .refresh_tokens
        .get(token)
        .cloned()
        .ok_or_else(|| ApiError::not_authorized("Invalid Refresh Token"))?;
    if rec.client_id != ctx.client_id || rec.pool_id != ctx.pool_id {
        return Err(ApiError::not_authorized("Invalid Refresh Token"));
    }
    if rec.revoked {
        return Err(ApiError::not_authorized("Refresh Token has been revoked"));
    }
    if rec.expires <= now {
        return Err(ApiError::not_authorized("Refresh Token has expired"));
    }
    let pool = pool(emu, &ctx.pool_id)?;
    let u = pool
        .users
        .get(&rec.username)
        .ok_or_else(|| ApiError::not_authorized("Refresh Token has been revoked"))?;
    if !u.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    let c = super::client(pool, &ctx.client_id)?;
    if c.secret.is_some() {
        let given = params.get("SECRET_HASH").map(String::as_str);
        let name = params
            .get("USERNAME")
            .cloned()
            .unwrap_or_else(|| u.username.clone());
        if check_secret_hash(c, &name, given).is_err()
            && check_secret_hash(c, &u.sub, given).is_err()
        {
            return check_secret_hash(c, &name, given).map(|()| Value::Null);
        }
    }
    let key = rec.username.clone();
    let result = issue_tokens(
        emu,
        &ctx.pool_id,
        &ctx.client_id,
        &key,
        now,
        rec.device_key.clone(),
        Some(&rec),
    )?;
    Ok(json!({"AuthenticationResult": result, "ChallengeParameters": {}}))
}

/// Issues access, id and (for a new sign-in) refresh tokens.
pub(crate) fn issue_tokens(
    emu: &mut Emulator,
    pool_id: &str,
    client_id: &str,
    key: &str,
    now: UnixMillis,
    device_key: Option<String>,
    refresh: Option<&RefreshRecord>,
) -> ApiResult<Value> {
    let validity = super::client(pool(emu, pool_id)?, client_id)?.validity;
    let origin_jti = match refresh {
        Some(r) => r.origin_jti.clone(),
        None => emu.uuid(),
    };
    let auth_time = refresh.map_or(now.secs(), |r| r.auth_time);
    let (access_jti, id_jti, event_id) = (emu.uuid(), emu.uuid(), emu.uuid());
    let iss = emu.issuer(pool_id);
    let pool = pool(emu, pool_id)?;
    let u = pool.users.get(key).ok_or_else(ApiError::user_not_found)?;
    let iat = now.secs();
    let mut access = Map::new();
    access.insert("sub".into(), json!(u.sub));
    if let Some(d) = &device_key {
        access.insert("device_key".into(), json!(d));
    }
    access.insert("iss".into(), json!(iss));
    access.insert("client_id".into(), json!(client_id));
    access.insert("origin_jti".into(), json!(origin_jti));
    access.insert("event_id".into(), json!(event_id));
    access.insert("token_use".into(), json!("access"));
    access.insert("scope".into(), json!("aws.cognito.signin.user.admin"));
    access.insert("auth_time".into(), json!(auth_time));
    access.insert("exp".into(), json!(iat + validity.access_s));
    access.insert("iat".into(), json!(iat));
    access.insert("jti".into(), json!(access_jti));
    access.insert("username".into(), json!(u.username));
    let mut id = Map::new();
    id.insert("sub".into(), json!(u.sub));
    for (n, v) in &u.attributes {
        let value = match v.as_str() {
            "true" if n.ends_with("_verified") => json!(true),
            "false" if n.ends_with("_verified") => json!(false),
            _ => json!(v),
        };
        id.insert(n.clone(), value);
    }
    id.insert("iss".into(), json!(iss));
    id.insert("cognito:username".into(), json!(u.username));
    id.insert("origin_jti".into(), json!(origin_jti));
    id.insert("aud".into(), json!(client_id));
    id.insert("event_id".into(), json!(event_id));
    id.insert("token_use".into(), json!("id"));
    id.insert("auth_time".into(), json!(auth_time));
    id.insert("exp".into(), json!(iat + validity.id_s));
    id.insert("iat".into(), json!(iat));
    id.insert("jti".into(), json!(id_jti));
    let username = u.username.clone();
    let tracking = pool.device_tracking();
    let mut result = json!({
        "AccessToken": emu.sign_later(access),
        "ExpiresIn": validity.access_s,
        "TokenType": "Bearer",
        "IdToken": emu.sign_later(id),
    });
    if refresh.is_none() {
        let token = format!("{}.{}", emu.opaque_token(120), emu.opaque_token(200));
        emu.refresh_tokens.insert(
            token.clone(),
            RefreshRecord {
                pool_id: pool_id.to_owned(),
                client_id: client_id.to_owned(),
                username: username.clone(),
                origin_jti,
                device_key: device_key.clone(),
                auth_time,
                expires: now.plus_secs(validity.refresh_s),
                revoked: false,
            },
        );
        result["RefreshToken"] = json!(token);
        if tracking && device_key.is_none() {
            let dk = {
                let u = emu.uuid();
                format!("{}_{u}", emu.config.region)
            };
            let gk = format!("-{}", emu.random_string(9, ALNUM));
            let u = pool_mut(emu, pool_id)?
                .users
                .get_mut(key)
                .ok_or_else(ApiError::user_not_found)?;
            u.devices.insert(
                dk.clone(),
                Device {
                    key: dk.clone(),
                    group_key: gk.clone(),
                    verifier: None,
                    name: None,
                    remembered: false,
                    created: now,
                    last_modified: now,
                    last_authenticated: now,
                },
            );
            result["NewDeviceMetadata"] = json!({"DeviceKey": dk, "DeviceGroupKey": gk});
        }
    }
    Ok(result)
}

fn custom_auth(
    emu: &mut Emulator,
    ctx: &Ctx,
    params: &BTreeMap<String, String>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let rules = pool(emu, &ctx.pool_id)?
        .custom_auth
        .clone()
        .ok_or_else(|| {
            ApiError::invalid_parameter(
                "Custom auth lambda trigger is not configured for the user pool.",
            )
        })?;
    let username = params
        .get("USERNAME")
        .ok_or_else(|| ApiError::invalid_parameter("Missing required parameter USERNAME"))?;
    if params.get("CHALLENGE_NAME").map(String::as_str) == Some("SRP_A") && rules.allow_srp_first {
        return srp_auth(emu, ctx, params, now, true);
    }
    check_client_secret(
        emu,
        ctx,
        username,
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    let key = find_user(emu, ctx, username)?;
    let mut s = new_session(emu, ctx, &key, Expected::CustomChallenge, now)?;
    s.custom = true;
    next_custom(emu, s, now)
}

/// Asks the next scripted challenge, or issues tokens when all were answered.
fn next_custom(emu: &mut Emulator, mut s: AuthSession, now: UnixMillis) -> ApiResult<Value> {
    let rules = pool(emu, &s.pool_id)?
        .custom_auth
        .clone()
        .unwrap_or_default();
    let Some(rule) = rules.challenges.get(s.custom_step).cloned() else {
        let result = issue_tokens(emu, &s.pool_id, &s.client_id, &s.username, now, None, None)?;
        return Ok(json!({"AuthenticationResult": result, "ChallengeParameters": {}}));
    };
    let username = pool(emu, &s.pool_id)?.users[&s.username].username.clone();
    let mut public: Map<String, Value> = rule
        .public
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    public.insert("USERNAME".into(), json!(username));
    let answer = if rule.deliver_code {
        let validity = s.expires.0.saturating_sub(now.0) / 1000;
        let d = send_code(
            emu,
            &s.pool_id,
            &s.username,
            CodePurpose::CustomChallenge,
            validity,
            now,
        )?;
        public.insert("CODE_DELIVERY_DESTINATION".into(), d["Destination"].clone());
        let u = &pool(emu, &s.pool_id)?.users[&s.username];
        u.codes
            .get(&CodePurpose::CustomChallenge)
            .map(|c| c.code.0.clone())
    } else if let Some(k) = &rule.answer_from_client_metadata {
        s.client_metadata.get(k).cloned()
    } else {
        rule.answer.clone()
    };
    s.custom_answer = answer.map(Hidden);
    s.expected = Expected::CustomChallenge;
    challenge(emu, s, Value::Object(public))
}

fn user_auth(
    emu: &mut Emulator,
    ctx: &Ctx,
    params: &BTreeMap<String, String>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let username = params
        .get("USERNAME")
        .ok_or_else(|| ApiError::invalid_parameter("Missing required parameter USERNAME"))?;
    check_client_secret(
        emu,
        ctx,
        username,
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    let key = find_user(emu, ctx, username)?;
    let available = available_first_factors(emu, ctx, &key)?;
    match params.get("PREFERRED_CHALLENGE").map(String::as_str) {
        Some(pref) if available.iter().any(|a| a == pref) => {
            first_factor(emu, ctx, &key, pref, params, now)
        }
        _ => {
            let s = new_session(
                emu,
                ctx,
                &key,
                Expected::SelectChallenge(available.clone()),
                now,
            )?;
            let mut out = challenge(emu, s, json!({}))?;
            out["AvailableChallenges"] = json!(available);
            Ok(out)
        }
    }
}

fn available_first_factors(emu: &Emulator, ctx: &Ctx, key: &str) -> ApiResult<Vec<String>> {
    let pool = pool(emu, &ctx.pool_id)?;
    let u = &pool.users[key];
    let mut v = Vec::new();
    if u.password.is_some() {
        v.push("PASSWORD".to_owned());
        v.push("PASSWORD_SRP".to_owned());
    }
    if u.attr("email").is_some() && u.attr("email_verified") == Some("true") {
        v.push("EMAIL_OTP".to_owned());
    }
    if u.attr("phone_number").is_some() && u.attr("phone_number_verified") == Some("true") {
        v.push("SMS_OTP".to_owned());
    }
    Ok(v)
}

/// Starts the first factor chosen in a `USER_AUTH` flow.
fn first_factor(
    emu: &mut Emulator,
    ctx: &Ctx,
    key: &str,
    choice: &str,
    params: &BTreeMap<String, String>,
    now: UnixMillis,
) -> ApiResult<Value> {
    match choice {
        "PASSWORD" => {
            let password = params.get("PASSWORD").ok_or_else(|| {
                ApiError::invalid_parameter("Missing required parameter PASSWORD")
            })?;
            if !password_matches(&pool(emu, &ctx.pool_id)?.users[key], password) {
                return Err(ApiError::bad_credentials());
            }
            after_password(emu, ctx, key, params.get("DEVICE_KEY").cloned(), now)
        }
        "PASSWORD_SRP" => {
            let mut p = params.clone();
            let name = pool(emu, &ctx.pool_id)?.users[key].username.clone();
            p.entry("USERNAME".into()).or_insert(name);
            srp_auth(emu, ctx, &p, now, false)
        }
        "EMAIL_OTP" | "SMS_OTP" => {
            let expected = if choice == "EMAIL_OTP" {
                Expected::EmailOtp
            } else {
                Expected::SmsMfa
            };
            let mut s = new_session(emu, ctx, key, expected, now)?;
            s.passwordless = true;
            let mut out = issue_challenge(emu, s, now)?;
            if choice == "SMS_OTP" {
                out["ChallengeName"] = json!("SMS_OTP");
            }
            Ok(out)
        }
        _ => Err(ApiError::invalid_parameter(format!(
            "Unsupported challenge {choice}"
        ))),
    }
}

pub(super) fn respond_to_auth_challenge(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let name = p.str("ChallengeName")?.to_owned();
    let client_id = p.str("ClientId")?.to_owned();
    let responses = p.string_map("ChallengeResponses");
    // Cognito answers PASSWORD_VERIFIER without a Session (the secret block identifies the
    // exchange), and clients such as pycognito respond without one.
    let session_id = match p.opt_str("Session") {
        Some(s) => s.to_owned(),
        None => session_by_secret_block(emu, responses.get("PASSWORD_CLAIM_SECRET_BLOCK"))
            .or_else(|| device_session(emu, &client_id, &responses))
            .ok_or_else(|| crate::params::missing("Session"))?,
    };
    let s = emu
        .sessions
        .remove(&session_id)
        .ok_or_else(ApiError::invalid_session)?;
    if s.expires <= now || s.client_id != client_id {
        return Err(ApiError::invalid_session());
    }
    let expected_name = s.expected.challenge_name();
    let name_ok = name == expected_name
        || (name == "SMS_OTP" && expected_name == "SMS_MFA" && s.passwordless);
    if !name_ok {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid challenge name {name}; expected {expected_name}"
        )));
    }
    let mut meta = s.client_metadata.clone();
    meta.extend(p.string_map("ClientMetadata"));
    let ctx = Ctx {
        pool_id: s.pool_id.clone(),
        client_id,
        meta,
    };
    // A user deleted mid-flow, or the decoy session of an unknown user, fails like a wrong
    // password.
    let display = pool(emu, &ctx.pool_id)?
        .users
        .get(&s.username)
        .map(|u| u.username.clone())
        .ok_or_else(ApiError::bad_credentials)?;
    let username = responses.get("USERNAME").cloned().unwrap_or(display);
    check_client_secret(
        emu,
        &ctx,
        &username,
        responses.get("SECRET_HASH").map(String::as_str),
    )?;
    let need = |k: &str| {
        responses
            .get(k)
            .cloned()
            .ok_or_else(|| ApiError::invalid_parameter(format!("Missing required parameter {k}")))
    };
    match s.expected.clone() {
        Expected::PasswordVerifier(server, block) => {
            let sig = need("PASSWORD_CLAIM_SIGNATURE")?;
            let given_block = need("PASSWORD_CLAIM_SECRET_BLOCK")?;
            let ts = need("TIMESTAMP")?;
            check_timestamp(emu, &ts, now)?;
            let pool = pool(emu, &ctx.pool_id)?;
            let u = &pool.users[&s.username];
            let ok = given_block == block.0
                && crate::srp_glue::verify_user_claim(
                    &server,
                    pool.srp_pool_name(),
                    &u.username,
                    &given_block,
                    &ts,
                    &sig,
                )?;
            if !ok {
                return Err(ApiError::bad_credentials());
            }
            if s.custom {
                let u = &pool.users[&s.username];
                if u.status == UserStatus::Unconfirmed {
                    return Err(ApiError::new(
                        ErrorKind::UserNotConfirmed,
                        "User is not confirmed.",
                    ));
                }
                let mut next = s;
                next.custom_step = 0;
                return next_custom(emu, next, now);
            }
            let device_key = responses
                .get("DEVICE_KEY")
                .cloned()
                .or(s.device_key.clone());
            after_password(emu, &ctx, &s.username, device_key, now)
        }
        Expected::DeviceSrpAuth => {
            let srp_a = need("SRP_A")?;
            let device_key = need("DEVICE_KEY")?;
            let device = pool(emu, &ctx.pool_id)?.users[&s.username]
                .devices
                .get(&device_key)
                .cloned()
                .ok_or_else(|| {
                    ApiError::new(ErrorKind::ResourceNotFound, "Device does not exist.")
                })?;
            let verifier = device
                .verifier
                .clone()
                .ok_or_else(|| ApiError::not_authorized("Device is not confirmed."))?;
            let random: [u8; crate::srp_glue::SERVER_RANDOM_LEN] = emu.random_bytes();
            let (server, b_hex) = crate::srp_glue::start(&verifier, &srp_a, &random)?;
            let block: [u8; 64] = emu.random_bytes();
            let block = STANDARD.encode(block);
            let params = json!({
                "SRP_B": b_hex,
                "SALT": crate::srp_glue::salt_hex(&verifier),
                "SECRET_BLOCK": block,
                "USERNAME": username,
                "DEVICE_KEY": device_key,
            });
            let mut next = new_session(
                emu,
                &ctx,
                &s.username,
                Expected::DevicePasswordVerifier(server, Hidden(block)),
                now,
            )?;
            next.device_key = Some(device_key);
            challenge(emu, next, params)
        }
        Expected::DevicePasswordVerifier(server, block) => {
            let sig = need("PASSWORD_CLAIM_SIGNATURE")?;
            let given_block = need("PASSWORD_CLAIM_SECRET_BLOCK")?;
            let ts = need("TIMESTAMP")?;
            check_timestamp(emu, &ts, now)?;
            let device_key = s.device_key.clone().ok_or_else(ApiError::invalid_session)?;
            let device = pool(emu, &ctx.pool_id)?.users[&s.username]
                .devices
                .get(&device_key)
                .cloned()
                .ok_or_else(|| {
                    ApiError::new(ErrorKind::ResourceNotFound, "Device does not exist.")
                })?;
            let ok = given_block == block.0
                && crate::srp_glue::verify_device_claim(
                    &server,
                    &device.group_key,
                    &device.key,
                    &given_block,
                    &ts,
                    &sig,
                )?;
            if !ok {
                return Err(ApiError::bad_credentials());
            }
            if let Some(d) = pool_mut(emu, &ctx.pool_id)?
                .users
                .get_mut(&s.username)
                .and_then(|u| u.devices.get_mut(&device_key))
            {
                d.last_authenticated = now;
            }
            after_first_factor(emu, &ctx, &s.username, Some(device_key), true, now)
        }
        Expected::SmsMfa | Expected::EmailOtp => {
            let (purpose, field) = match (&s.expected, s.passwordless) {
                (Expected::SmsMfa, false) => (CodePurpose::SmsMfa, "SMS_MFA_CODE"),
                (Expected::SmsMfa, true) => (CodePurpose::SmsMfa, "SMS_OTP_CODE"),
                _ => (CodePurpose::EmailOtp, "EMAIL_OTP_CODE"),
            };
            let code = need(field)?;
            let u = pool_mut(emu, &ctx.pool_id)?
                .users
                .get_mut(&s.username)
                .ok_or_else(ApiError::invalid_session)?;
            if let Err(e) = take_code(u, purpose, &code, now) {
                // A wrong code leaves the session usable for another try, as Cognito does.
                if e.kind == ErrorKind::CodeMismatch {
                    emu.sessions.insert(session_id, s);
                }
                return Err(e);
            }
            finish(emu, &ctx, &s, now)
        }
        Expected::SoftwareTokenMfa => {
            let code = need("SOFTWARE_TOKEN_MFA_CODE")?;
            let u = &pool(emu, &ctx.pool_id)?.users[&s.username];
            let ok = u
                .totp_secret
                .as_ref()
                .is_some_and(|k| crate::totp::verify(&k.0, &code, now.secs()));
            if !ok {
                emu.sessions.insert(session_id, s);
                return Err(ApiError::code_mismatch());
            }
            finish(emu, &ctx, &s, now)
        }
        Expected::SelectMfaType(options) => {
            let answer = need("ANSWER")?;
            if !options.contains(&answer) {
                return Err(ApiError::invalid_parameter(format!(
                    "Invalid MFA type {answer}"
                )));
            }
            let expected = match answer.as_str() {
                "SMS_MFA" => Expected::SmsMfa,
                "EMAIL_OTP" => Expected::EmailOtp,
                _ => Expected::SoftwareTokenMfa,
            };
            let mut next = s.clone();
            next.expected = expected;
            issue_challenge(emu, next, now)
        }
        Expected::MfaSetup => {
            if !s.mfa_setup_done {
                emu.sessions.insert(session_id, s);
                return Err(ApiError::invalid_parameter(
                    "Software token MFA has not been set up in this session",
                ));
            }
            finish(emu, &ctx, &s, now)
        }
        Expected::NewPasswordRequired => {
            let password = need("NEW_PASSWORD")?;
            let (pool_name, canonical) = {
                let pool = pool(emu, &ctx.pool_id)?;
                check_password_policy(pool, &password)?;
                (
                    pool.srp_pool_name().to_owned(),
                    pool.users[&s.username].username.clone(),
                )
            };
            let rec = password_record(emu, &pool_name, &canonical, &password, None);
            let u = pool_mut(emu, &ctx.pool_id)?
                .users
                .get_mut(&s.username)
                .ok_or_else(ApiError::invalid_session)?;
            u.password = Some(rec);
            u.status = UserStatus::Confirmed;
            u.modified = now;
            for (k, v) in &responses {
                if let Some(attr) = k.strip_prefix("userAttributes.") {
                    u.set_attr(attr, v);
                }
            }
            after_first_factor(emu, &ctx, &s.username, s.device_key.clone(), false, now)
        }
        Expected::CustomChallenge => {
            let answer = need("ANSWER")?;
            let rules = pool(emu, &ctx.pool_id)?
                .custom_auth
                .clone()
                .unwrap_or_default();
            let mut next = s.clone();
            next.client_metadata = ctx.meta.clone();
            if next.custom_answer.as_ref().is_some_and(|a| a.0 == answer) {
                next.custom_step += 1;
                next.custom_attempts = 0;
            } else {
                next.custom_attempts += 1;
                if next.custom_attempts >= rules.max_attempts {
                    return Err(ApiError::bad_credentials());
                }
            }
            next_custom(emu, next, now)
        }
        Expected::SelectChallenge(options) => {
            let answer = need("ANSWER")?;
            if !options.contains(&answer) {
                return Err(ApiError::invalid_parameter(format!(
                    "Invalid challenge {answer}"
                )));
            }
            first_factor(emu, &ctx, &s.username, &answer, &responses, now)
        }
    }
}

/// Completes a sign-in whose last factor was just proven.
fn finish(emu: &mut Emulator, ctx: &Ctx, s: &AuthSession, now: UnixMillis) -> ApiResult<Value> {
    let known = s
        .device_key
        .clone()
        .filter(|k| pool_known_device(emu, ctx, &s.username, k));
    let result = issue_tokens(
        emu,
        &ctx.pool_id,
        &ctx.client_id,
        &s.username,
        now,
        known,
        None,
    )?;
    Ok(json!({"AuthenticationResult": result, "ChallengeParameters": {}}))
}

fn check_timestamp(emu: &Emulator, ts: &str, now: UnixMillis) -> ApiResult<()> {
    let t = crate::time::parse_srp_timestamp(ts)
        .ok_or_else(|| ApiError::invalid_parameter("TIMESTAMP is not in the expected format"))?;
    if t.abs_diff(now.secs()) > emu.config.srp_timestamp_tolerance_s {
        return Err(ApiError::not_authorized(
            "TIMESTAMP is too far from the server's time",
        ));
    }
    Ok(())
}

/// Whether a session id names a live session (used by `AssociateSoftwareToken` with a session).
pub(crate) fn session_mut<'a>(
    emu: &'a mut Emulator,
    id: &str,
    now: UnixMillis,
) -> ApiResult<&'a mut AuthSession> {
    match emu.sessions.get_mut(id) {
        Some(s) if s.expires > now => Ok(s),
        _ => Err(ApiError::invalid_session()),
    }
}

/// The session of a password-verifier exchange, found by its secret block.
fn session_by_secret_block(emu: &Emulator, block: Option<&String>) -> Option<String> {
    let block = block?;
    emu.sessions.iter().find_map(|(id, s)| match &s.expected {
        Expected::PasswordVerifier(_, b) | Expected::DevicePasswordVerifier(_, b)
            if b.0 == *block =>
        {
            Some(id.clone())
        }
        _ => None,
    })
}

/// The DEVICE_SRP_AUTH session of a device, for clients (pycognito) that answer it without the
/// Session: the client, user name and device key name it.
fn device_session(
    emu: &Emulator,
    client_id: &str,
    responses: &BTreeMap<String, String>,
) -> Option<String> {
    let device_key = responses.get("DEVICE_KEY")?;
    let username = responses.get("USERNAME")?;
    emu.sessions.iter().find_map(|(id, s)| {
        let matches = matches!(s.expected, Expected::DeviceSrpAuth)
            && s.client_id == client_id
            && s.device_key.as_ref() == Some(device_key)
            && emu
                .pools
                .get(&s.pool_id)
                .and_then(|p| user_key(p, username))
                .is_some_and(|k| k == s.username);
        matches.then(|| id.clone())
    })
}

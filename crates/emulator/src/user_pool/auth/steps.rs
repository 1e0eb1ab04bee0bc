//! What every sign-in flow shares: the request's context, finding the user, SECRET_HASH, auth
//! sessions and the challenges they ask, and what follows a proven first factor (new password,
//! device authentication, MFA, tokens). The flows and challenge answers sit above this module.

use std::collections::BTreeMap;

use cognito_auth_wire::{challenge, param};
use serde_json::{json, Map, Value};

use super::tokens::issue_tokens;
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::{AuthSession, CodePurpose, Expected, MfaConfig, UserStatus};
use crate::state::Emulator;
use crate::time::UnixMillis;
use crate::user_pool::codes::send_code;
use crate::user_pool::lookup::{client, pool, user_key};
use crate::user_pool::passwords::check_secret_hash;
use crate::user_pool::users::enabled_mfas;

/// What a request carries into the flow.
pub(super) struct Ctx {
    pub(super) pool_id: String,
    pub(super) client_id: String,
    pub(super) meta: BTreeMap<String, String>,
}

/// `AuthParameters` / `ChallengeResponses` by name.
pub(super) type Fields = BTreeMap<String, String>;

/// A `RespondToAuthChallenge` request matched to the session it answers.
pub(super) struct Answer {
    pub(super) ctx: Ctx,
    pub(super) session_id: String,
    pub(super) session: AuthSession,
    pub(super) responses: Fields,
    /// The name the answer is made under: its `USERNAME`, or the user's own.
    pub(super) username: String,
}

impl Answer {
    /// Puts the session back so the challenge can be answered again, as Cognito allows after a
    /// wrong code.
    pub(super) fn keep_session(self, emu: &mut Emulator) {
        emu.sessions.insert(self.session_id, self.session);
    }
}

/// The value of a required auth parameter or challenge response.
pub(super) fn required<'a>(fields: &'a Fields, key: &str) -> ApiResult<&'a String> {
    fields
        .get(key)
        .ok_or_else(|| ApiError::invalid_parameter(format!("Missing required parameter {key}")))
}

/// Finds the user a sign-in names, with Cognito's existence-hiding rule.
pub(super) fn find_user(emu: &Emulator, ctx: &Ctx, username: &str) -> ApiResult<String> {
    let pool = pool(emu, &ctx.pool_id)?;
    let Some(key) = user_key(pool, username) else {
        let hide = client(pool, &ctx.client_id)?.prevent_user_existence_errors;
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

/// Checks the `SECRET_HASH` among `fields` for `username`.
pub(super) fn check_client_secret(
    emu: &Emulator,
    ctx: &Ctx,
    username: &str,
    fields: &Fields,
) -> ApiResult<()> {
    let given = fields.get(param::SECRET_HASH).map(String::as_str);
    let pool = pool(emu, &ctx.pool_id)?;
    let c = client(pool, &ctx.client_id)?;
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

/// Status checks once the password is proven, then the next step.
pub(super) fn after_password(
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
            // "If PreventUserExistenceErrors is enabled, during authentication of imported users
            // a generic NotAuthorizedException error is returned ... instead of returning
            // PasswordResetRequiredException" (developer guide, "Managing error responses").
            if client(pool(emu, &ctx.pool_id)?, &ctx.client_id)?.prevent_user_existence_errors {
                return Err(ApiError::bad_credentials());
            }
            return Err(ApiError::new(
                ErrorKind::PasswordResetRequired,
                "Password reset required for the user",
            ));
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
                param::USER_ID_FOR_SRP: u.username,
                param::REQUIRED_ATTRIBUTES: "[]",
                param::USER_ATTRIBUTES: Value::Object(attrs).to_string(),
            });
            let mut s = new_session(emu, ctx, key, Expected::NewPasswordRequired, now)?;
            s.device_key = device_key;
            return ask(emu, s, params);
        }
        UserStatus::Confirmed => {}
    }
    after_first_factor(emu, ctx, key, device_key, false, now)
}

/// Device authentication, then MFA, then tokens.
pub(super) fn after_first_factor(
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
            let params = json!({param::USERNAME: u.username, param::DEVICE_KEY: d.key});
            let mut s = new_session(emu, ctx, key, Expected::DeviceSrpAuth, now)?;
            s.device_key = device_key;
            return ask(emu, s, params);
        }
    }
    let remembered = device_done && device.is_some_and(|d| d.remembered);
    if !remembered {
        if let Some(next) = mfa_step(emu, ctx, key)? {
            let mut s = new_session(emu, ctx, key, next, now)?;
            s.device_key = device_key;
            s.device_authenticated = device_done;
            return issue_challenge(emu, s, now);
        }
    }
    let known_device = device_key.filter(|k| pool_known_device(emu, ctx, key, k));
    tokens_answer(emu, ctx, key, known_device, now)
}

/// Completes a sign-in whose last factor was just proven.
pub(super) fn finish(
    emu: &mut Emulator,
    ctx: &Ctx,
    s: &AuthSession,
    now: UnixMillis,
) -> ApiResult<Value> {
    let known = s
        .device_key
        .clone()
        .filter(|k| pool_known_device(emu, ctx, &s.username, k));
    tokens_answer(emu, ctx, &s.username, known, now)
}

/// The answer of a completed sign-in: new tokens and no further challenge.
pub(super) fn tokens_answer(
    emu: &mut Emulator,
    ctx: &Ctx,
    key: &str,
    device_key: Option<String>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let result = issue_tokens(
        emu,
        &ctx.pool_id,
        &ctx.client_id,
        key,
        now,
        device_key,
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
fn mfa_step(emu: &Emulator, ctx: &Ctx, key: &str) -> ApiResult<Option<Expected>> {
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
            Some(challenge::SMS_MFA) => Expected::SmsMfa,
            Some(challenge::SOFTWARE_TOKEN_MFA) => Expected::SoftwareTokenMfa,
            Some(challenge::EMAIL_OTP) => Expected::EmailOtp,
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

/// A new auth session for `key`, waiting for `expected`.
pub(super) fn new_session(
    emu: &mut Emulator,
    ctx: &Ctx,
    key: &str,
    expected: Expected,
    now: UnixMillis,
) -> ApiResult<AuthSession> {
    let validity = client(pool(emu, &ctx.pool_id)?, &ctx.client_id)?
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
pub(super) fn ask(emu: &mut Emulator, s: AuthSession, params: Value) -> ApiResult<Value> {
    let name = s.expected.challenge_name();
    // Cognito answers the SRP verifier challenges without a Session: the SECRET_BLOCK names the
    // exchange (see `srp::session_by_secret_block`). Sending one would let clients that depend
    // on it pass here and fail against Cognito.
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
pub(super) fn issue_challenge(
    emu: &mut Emulator,
    s: AuthSession,
    now: UnixMillis,
) -> ApiResult<Value> {
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
                param::CODE_DELIVERY_DELIVERY_MEDIUM: d["DeliveryMedium"],
                param::CODE_DELIVERY_DESTINATION: d["Destination"],
                param::USER_ID_FOR_SRP: username,
            })
        }
        Expected::SelectMfaType(m) => {
            json!({param::MFAS_CAN_CHOOSE: json!(m).to_string(), param::USER_ID_FOR_SRP: username})
        }
        Expected::MfaSetup => {
            let pool = pool(emu, &s.pool_id)?;
            let mut can = Vec::new();
            if pool.software_token_mfa_enabled {
                can.push(challenge::SOFTWARE_TOKEN_MFA);
            }
            if pool.email_mfa_enabled {
                can.push(challenge::EMAIL_OTP);
            }
            json!({param::MFAS_CAN_SETUP: json!(can).to_string(), param::USER_ID_FOR_SRP: username})
        }
        _ => json!({ param::USER_ID_FOR_SRP: username }),
    };
    ask(emu, s, params)
}

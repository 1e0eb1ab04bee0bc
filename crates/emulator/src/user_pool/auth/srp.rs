//! The SRP challenge family: USER_SRP_AUTH's PASSWORD_VERIFIER (and its decoy for unknown
//! users), DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER, the TIMESTAMP check, and finding the
//! session of a verifier answer that comes without one.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cognito_auth_wire::param;
use serde_json::{json, Value};

use super::steps::{
    ask, check_client_secret, find_user, new_session, required, Answer, Ctx, Fields,
};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::{Device, Expected, Hidden};
use crate::srp_glue::{self, ServerSrp, StoredVerifier};
use crate::state::Emulator;
use crate::time::UnixMillis;
use crate::user_pool::lookup::{pool, pool_mut, user_key};

/// The server's side of a new SRP exchange against `verifier`: its state, and the challenge
/// parameters `SALT`, `SECRET_BLOCK` and `SRP_B` (plus `extra`).
fn start_exchange(
    emu: &mut Emulator,
    verifier: &StoredVerifier,
    srp_a: &str,
    extra: Value,
) -> ApiResult<(ServerSrp, Hidden<String>, Value)> {
    let random: [u8; srp_glue::SERVER_RANDOM_LEN] = emu.random_bytes();
    let (server, b_hex) = srp_glue::start(verifier, srp_a, &random)?;
    let block = STANDARD.encode(emu.random_bytes::<64>());
    let mut params = json!({
        param::SALT: srp_glue::salt_hex(verifier),
        param::SECRET_BLOCK: block,
        param::SRP_B: b_hex,
    });
    if let (Some(p), Value::Object(extra)) = (params.as_object_mut(), extra) {
        p.extend(extra);
    }
    Ok((server, Hidden(block), params))
}

/// USER_SRP_AUTH (and CUSTOM_AUTH's SRP_A round): asks PASSWORD_VERIFIER.
pub(super) fn srp_auth(
    emu: &mut Emulator,
    ctx: &Ctx,
    params: &Fields,
    now: UnixMillis,
    custom: bool,
) -> ApiResult<Value> {
    let username = required(params, param::USERNAME)?;
    let srp_a = required(params, param::SRP_A)?;
    check_client_secret(emu, ctx, username, params)?;
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
    let canonical = pool(emu, &ctx.pool_id)?.users[&key].username.clone();
    let names = json!({param::USERNAME: canonical, param::USER_ID_FOR_SRP: canonical});
    let (server, block, out) = start_exchange(emu, &verifier, srp_a, names)?;
    let mut s = new_session(
        emu,
        ctx,
        &key,
        Expected::PasswordVerifier(server, block),
        now,
    )?;
    s.device_key = params.get(param::DEVICE_KEY).cloned();
    s.custom = custom;
    ask(emu, s, out)
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
    let verifier = srp_glue::user_verifier("decoy", username, &unguessable, salt);
    let names = json!({param::USERNAME: username, param::USER_ID_FOR_SRP: username});
    let (server, block, out) = start_exchange(emu, &verifier, srp_a, names)?;
    // The session names no stored user, so its answer always fails as a wrong password would.
    let s = new_session(emu, ctx, "", Expected::PasswordVerifier(server, block), now)?;
    ask(emu, s, out)
}

/// The proof fields of a verifier answer: signature, echoed secret block, timestamp (checked).
fn claim(emu: &Emulator, a: &Answer, now: UnixMillis) -> ApiResult<(String, String, String)> {
    let sig = required(&a.responses, param::PASSWORD_CLAIM_SIGNATURE)?.clone();
    let block = required(&a.responses, param::PASSWORD_CLAIM_SECRET_BLOCK)?.clone();
    let ts = required(&a.responses, param::TIMESTAMP)?.clone();
    check_timestamp(emu, &ts, now)?;
    Ok((sig, block, ts))
}

/// Verifies a PASSWORD_VERIFIER answer's proof of the user's password.
pub(super) fn verify_password_claim(
    emu: &Emulator,
    a: &Answer,
    server: &ServerSrp,
    block: &Hidden<String>,
    now: UnixMillis,
) -> ApiResult<()> {
    let (sig, given_block, ts) = claim(emu, a, now)?;
    let pool = pool(emu, &a.ctx.pool_id)?;
    let u = &pool.users[&a.session.username];
    let ok = given_block == block.0
        && srp_glue::verify_user_claim(
            server,
            pool.srp_pool_name(),
            &u.username,
            &given_block,
            &ts,
            &sig,
        )?;
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_credentials())
    }
}

fn device(emu: &Emulator, a: &Answer, device_key: &str) -> ApiResult<Device> {
    pool(emu, &a.ctx.pool_id)?.users[&a.session.username]
        .devices
        .get(device_key)
        .cloned()
        .ok_or_else(|| ApiError::new(ErrorKind::ResourceNotFound, "Device does not exist."))
}

/// DEVICE_SRP_AUTH's answer (the device's SRP_A): asks DEVICE_PASSWORD_VERIFIER.
pub(super) fn answer_device_srp_auth(
    emu: &mut Emulator,
    a: Answer,
    now: UnixMillis,
) -> ApiResult<Value> {
    let srp_a = required(&a.responses, param::SRP_A)?;
    let device_key = required(&a.responses, param::DEVICE_KEY)?.clone();
    let verifier = device(emu, &a, &device_key)?
        .verifier
        .ok_or_else(|| ApiError::not_authorized("Device is not confirmed."))?;
    let names = json!({param::USERNAME: a.username, param::DEVICE_KEY: device_key});
    let (server, block, params) = start_exchange(emu, &verifier, srp_a, names)?;
    let expected = Expected::DevicePasswordVerifier(server, block);
    let mut next = new_session(emu, &a.ctx, &a.session.username, expected, now)?;
    next.device_key = Some(device_key);
    ask(emu, next, params)
}

/// Verifies a DEVICE_PASSWORD_VERIFIER answer and records the device's authentication; returns
/// the device key.
pub(super) fn verify_device_claim(
    emu: &mut Emulator,
    a: &Answer,
    server: &ServerSrp,
    block: &Hidden<String>,
    now: UnixMillis,
) -> ApiResult<String> {
    let (sig, given_block, ts) = claim(emu, a, now)?;
    let device_key = a
        .session
        .device_key
        .clone()
        .ok_or_else(ApiError::invalid_session)?;
    let device = device(emu, a, &device_key)?;
    let ok = given_block == block.0
        && srp_glue::verify_device_claim(
            server,
            &device.group_key,
            &device.key,
            &given_block,
            &ts,
            &sig,
        )?;
    if !ok {
        return Err(ApiError::bad_credentials());
    }
    if let Some(d) = pool_mut(emu, &a.ctx.pool_id)?
        .users
        .get_mut(&a.session.username)
        .and_then(|u| u.devices.get_mut(&device_key))
    {
        d.last_authenticated = now;
    }
    Ok(device_key)
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

/// The session of a password-verifier exchange, found by its secret block.
pub(super) fn session_by_secret_block(emu: &Emulator, block: Option<&String>) -> Option<String> {
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
pub(super) fn device_session(
    emu: &Emulator,
    client_id: &str,
    responses: &Fields,
) -> Option<String> {
    let device_key = responses.get(param::DEVICE_KEY)?;
    let username = responses.get(param::USERNAME)?;
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

//! Device tracking: confirming a device with its SRP verifier, remembering it, listing and
//! forgetting devices.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::access::authorize;
use super::lookup::{pool, pool_mut, user, user_mut};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::Device;
use crate::params::Params;
use crate::state::Emulator;
use crate::time::UnixMillis;

fn not_found() -> ApiError {
    ApiError::new(ErrorKind::ResourceNotFound, "Device does not exist.")
}

fn device_json(d: &Device) -> Value {
    let mut attrs = Vec::new();
    if let Some(n) = &d.name {
        attrs.push(json!({"Name": "device_name", "Value": n}));
    }
    attrs.push(json!({"Name": "device_status", "Value": if d.remembered { "valid" } else { "not_remembered" }}));
    json!({
        "DeviceKey": d.key,
        "DeviceAttributes": attrs,
        "DeviceCreateDate": d.created.epoch_f64(),
        "DeviceLastModifiedDate": d.last_modified.epoch_f64(),
        "DeviceLastAuthenticatedDate": d.last_authenticated.epoch_f64(),
    })
}

pub(crate) fn confirm_device(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let c = authorize(emu, p.str("AccessToken")?, now)?;
    let key = p.str("DeviceKey")?;
    let cfg = p
        .opt_obj("DeviceSecretVerifierConfig")
        .ok_or_else(|| crate::params::missing("DeviceSecretVerifierConfig"))?;
    let verifier =
        crate::srp_glue::device_verifier(cfg.str("Salt")?, cfg.str("PasswordVerifier")?)?;
    let pool = pool_mut(emu, &c.pool_id)?;
    let on_prompt = pool.device_remembered_on_prompt.unwrap_or(false);
    let u = pool
        .users
        .get_mut(&c.user_key)
        .ok_or_else(ApiError::user_not_found)?;
    let d = u.devices.get_mut(key).ok_or_else(not_found)?;
    d.verifier = Some(verifier);
    d.name = p.opt_str("DeviceName").map(str::to_owned);
    d.last_modified = now;
    // Without "remembered on user prompt", Cognito remembers every confirmed device.
    d.remembered = !on_prompt;
    Ok(json!({"UserConfirmationNecessary": on_prompt}))
}

pub(crate) fn update_device_status(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let c = authorize(emu, p.str("AccessToken")?, now)?;
    let key = device_key(p)?;
    let remembered = remembered_status(p)?;
    let u = pool_mut(emu, &c.pool_id)?
        .users
        .get_mut(&c.user_key)
        .ok_or_else(ApiError::user_not_found)?;
    set_status(u, key, remembered, now)
}

/// `DeviceKey`: required, 1 to 55 characters matching `[\w-]+_[0-9a-f-]+` (API reference,
/// UpdateDeviceStatus / AdminUpdateDeviceStatus).
fn device_key<'a>(p: Params<'a>) -> ApiResult<&'a str> {
    let key = p.str("DeviceKey")?;
    let well_formed = key.rsplit_once('_').is_some_and(|(region, id)| {
        !region.is_empty()
            && !id.is_empty()
            && region
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            && id
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c) || c == '-')
    });
    if key.chars().count() > 55 || !well_formed {
        return Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{key}' at 'deviceKey' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-f-]+"
        )));
    }
    Ok(key)
}

/// `DeviceRememberedStatus`: optional, `remembered` or `not_remembered`; absent leaves the
/// device not remembered.
fn remembered_status(p: Params<'_>) -> ApiResult<bool> {
    match p.opt_str("DeviceRememberedStatus") {
        Some("remembered") => Ok(true),
        Some("not_remembered") | None => Ok(false),
        Some(other) => Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{other}' at 'deviceRememberedStatus' failed to satisfy constraint: Member must satisfy enum value set: [remembered, not_remembered]"
        ))),
    }
}

/// Only a confirmed device has a status to change; a key from `NewDeviceMetadata` that was
/// never confirmed is not a device yet.
fn set_status(
    u: &mut crate::model::User,
    key: &str,
    remembered: bool,
    now: UnixMillis,
) -> ApiResult<Value> {
    let d = u
        .devices
        .get_mut(key)
        .filter(|d| d.verifier.is_some())
        .ok_or_else(not_found)?;
    d.remembered = remembered;
    d.last_modified = now;
    Ok(json!({}))
}

/// The largest and default page of `ListDevices` / `AdminListDevices` (`Limit`: 0 to 60).
const MAX_DEVICES_PAGE: usize = 60;

fn page_limit(p: Params<'_>) -> ApiResult<usize> {
    match p.opt_i64("Limit") {
        // 0 is in the documented range but asks for no particular size: the default applies.
        None | Some(0) => Ok(MAX_DEVICES_PAGE),
        Some(l @ 1..=60) => Ok(usize::try_from(l).unwrap_or(MAX_DEVICES_PAGE)),
        Some(l) => Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{l}' at 'limit' failed to satisfy constraint: Member must have value between 0 and 60"
        ))),
    }
}

/// The pagination token names the last device of the previous page; it is opaque to clients
/// (URL-safe base64 of a marker and the key) and a token that does not decode is refused.
const TOKEN_MARKER: &str = "devices-after:";

fn page_token(last_key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{TOKEN_MARKER}{last_key}"))
}

fn resume_after(p: Params<'_>) -> ApiResult<Option<String>> {
    let Some(token) = p.opt_str("PaginationToken") else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| s.strip_prefix(TOKEN_MARKER).map(str::to_owned))
        .map(Some)
        .ok_or_else(|| ApiError::invalid_parameter("Invalid pagination token."))
}

/// One page of a user's confirmed devices, in device-key order, with the token of the next
/// page when more remain.
fn devices_page(u: &crate::model::User, p: Params<'_>) -> ApiResult<Value> {
    let limit = page_limit(p)?;
    let after = resume_after(p)?;
    // A device key from NewDeviceMetadata is not a device until it is confirmed.
    let mut rest = u
        .devices
        .values()
        .filter(|d| d.verifier.is_some())
        .filter(|d| after.as_deref().is_none_or(|a| d.key.as_str() > a))
        .peekable();
    let page: Vec<&Device> = rest.by_ref().take(limit).collect();
    let mut out = json!({"Devices": page.iter().map(|d| device_json(d)).collect::<Vec<_>>()});
    if let (Some(last), Some(_)) = (page.last(), rest.peek()) {
        out["PaginationToken"] = Value::String(page_token(&last.key));
    }
    Ok(out)
}

pub(crate) fn list_devices(emu: &mut Emulator, p: Params<'_>, now: UnixMillis) -> ApiResult<Value> {
    let c = authorize(emu, p.str("AccessToken")?, now)?;
    let u = pool(emu, &c.pool_id)?
        .users
        .get(&c.user_key)
        .ok_or_else(ApiError::user_not_found)?;
    devices_page(u, p)
}

pub(crate) fn admin_list_devices(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool(emu, p.str("UserPoolId")?)?;
    devices_page(user(pool, p.str("Username")?)?, p)
}

pub(crate) fn get_device(emu: &mut Emulator, p: Params<'_>, now: UnixMillis) -> ApiResult<Value> {
    let c = authorize(emu, p.str("AccessToken")?, now)?;
    let u = &pool(emu, &c.pool_id)?.users[&c.user_key];
    let d = u
        .devices
        .get(p.str("DeviceKey")?)
        .filter(|d| d.verifier.is_some())
        .ok_or_else(not_found)?;
    Ok(json!({"Device": device_json(d)}))
}

pub(crate) fn forget_device(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let c = authorize(emu, p.str("AccessToken")?, now)?;
    let key = p.str("DeviceKey")?;
    let u = pool_mut(emu, &c.pool_id)?
        .users
        .get_mut(&c.user_key)
        .ok_or_else(ApiError::user_not_found)?;
    u.devices.remove(key).ok_or_else(not_found)?;
    Ok(json!({}))
}

fn admin_device_owner<'a>(
    emu: &'a mut Emulator,
    p: Params<'_>,
) -> ApiResult<&'a mut crate::model::User> {
    let pool = pool_mut(emu, p.str("UserPoolId")?)?;
    user_mut(pool, p.str("Username")?)
}

pub(crate) fn admin_get_device(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let key = p.str("DeviceKey")?.to_owned();
    let u = admin_device_owner(emu, p)?;
    let d = u
        .devices
        .get(&key)
        .filter(|d| d.verifier.is_some())
        .ok_or_else(not_found)?;
    Ok(json!({"Device": device_json(d)}))
}

pub(crate) fn admin_forget_device(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let key = p.str("DeviceKey")?.to_owned();
    let u = admin_device_owner(emu, p)?;
    u.devices.remove(&key).ok_or_else(not_found)?;
    Ok(json!({}))
}

pub(crate) fn admin_update_device_status(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let key = device_key(p)?.to_owned();
    let remembered = remembered_status(p)?;
    let u = admin_device_owner(emu, p)?;
    set_status(u, &key, remembered, now)
}

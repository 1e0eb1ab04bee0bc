//! Device tracking: confirming a device with its SRP verifier, remembering it, listing and
//! forgetting devices.

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
    let key = p.str("DeviceKey")?;
    let remembered = match p.opt_str("DeviceRememberedStatus") {
        Some("remembered") => true,
        Some("not_remembered") | None => false,
        Some(other) => {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid DeviceRememberedStatus {other}"
            )))
        }
    };
    let u = pool_mut(emu, &c.pool_id)?
        .users
        .get_mut(&c.user_key)
        .ok_or_else(ApiError::user_not_found)?;
    let d = u.devices.get_mut(key).ok_or_else(not_found)?;
    d.remembered = remembered;
    d.last_modified = now;
    Ok(json!({}))
}

fn devices_page(devices: Vec<&Device>, p: Params<'_>) -> Value {
    let limit = p.opt_i64("Limit").map_or(60, |l| l.clamp(1, 60) as usize);
    let list: Vec<Value> = devices.into_iter().take(limit).map(device_json).collect();
    json!({"Devices": list})
}

pub(crate) fn list_devices(emu: &mut Emulator, p: Params<'_>, now: UnixMillis) -> ApiResult<Value> {
    let c = authorize(emu, p.str("AccessToken")?, now)?;
    let u = &pool(emu, &c.pool_id)?.users[&c.user_key];
    // Only confirmed devices are listed; a device key from NewDeviceMetadata is not yet one.
    Ok(devices_page(
        u.devices
            .values()
            .filter(|d| d.verifier.is_some())
            .collect(),
        p,
    ))
}

pub(crate) fn admin_list_devices(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool(emu, p.str("UserPoolId")?)?;
    let u = user(pool, p.str("Username")?)?;
    Ok(devices_page(
        u.devices
            .values()
            .filter(|d| d.verifier.is_some())
            .collect(),
        p,
    ))
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
    let key = p.str("DeviceKey")?.to_owned();
    let remembered = match p.opt_str("DeviceRememberedStatus") {
        Some("remembered") => true,
        Some("not_remembered") | None => false,
        Some(other) => {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid DeviceRememberedStatus {other}"
            )))
        }
    };
    let u = admin_device_owner(emu, p)?;
    let d = u.devices.get_mut(&key).ok_or_else(not_found)?;
    d.remembered = remembered;
    d.last_modified = now;
    Ok(json!({}))
}

//! The signed-in user's account: `devices ...`, `attributes ...`, `mfa ...`.

use serde_json::{json, Map, Value};

use super::{delivery_json, delivery_text};
use crate::cli::{AttributesCommand, DeviceStatus, DevicesCommand, MfaCommand, MfaMethod};
use crate::engine::{DeviceView, Engine};
use crate::exit::Failure;
use crate::output::{rfc3339, Report};
use crate::prompt::Prompter;

pub(super) async fn devices(engine: &Engine, command: DevicesCommand) -> Result<Report, Failure> {
    match command {
        DevicesCommand::List => {
            let devices = engine.devices().await?;
            let text = if devices.is_empty() {
                "no devices".to_owned()
            } else {
                devices
                    .iter()
                    .map(device_line)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            Ok(Report::new(
                json!({"devices": devices.iter().map(device_json).collect::<Vec<_>>()}),
                text,
            ))
        }
        DevicesCommand::Remember => {
            engine.remember_device().await?;
            Ok(Report::new(
                json!({"remembered": true}),
                "this device is remembered",
            ))
        }
        DevicesCommand::Status { status, key } => {
            let remembered = status == DeviceStatus::Remembered;
            engine
                .update_device_status(key.as_deref(), remembered)
                .await?;
            let which = key
                .as_deref()
                .map_or_else(|| "this device".to_owned(), |k| format!("device {k}"));
            Ok(Report::new(
                json!({"remembered": remembered, "device_key": key}),
                if remembered {
                    format!("{which} is remembered")
                } else {
                    format!("{which} is no longer remembered")
                },
            ))
        }
        DevicesCommand::Forget { key } => {
            engine.forget_device(key.as_deref()).await?;
            Ok(Report::new(
                json!({"forgotten": true, "device_key": key}),
                match &key {
                    Some(key) => format!("device {key} forgotten"),
                    None => "this device is forgotten".to_owned(),
                },
            ))
        }
    }
}

fn pairs_json(pairs: &[(String, String)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<_, _>>(),
    )
}

fn device_json(d: &DeviceView) -> Value {
    json!({
        "device_key": d.key,
        "attributes": pairs_json(&d.attributes),
        "created": d.created_s.map(rfc3339),
        "last_authenticated": d.last_authenticated_s.map(rfc3339),
    })
}

fn device_line(d: &DeviceView) -> String {
    let name = d
        .attributes
        .iter()
        .find(|(k, _)| k == "device_name")
        .map_or("-", |(_, v)| v.as_str());
    let last = d
        .last_authenticated_s
        .map_or_else(|| "-".to_owned(), rfc3339);
    format!("{}  {name}  last used {last}", d.key)
}

pub(super) async fn attributes(
    engine: &Engine,
    command: AttributesCommand,
) -> Result<Report, Failure> {
    match command {
        AttributesCommand::Get => {
            let attributes = engine.attributes().await?;
            let text = attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Report::new(
                json!({"attributes": pairs_json(&attributes)}),
                text,
            ))
        }
        AttributesCommand::Set { attributes } => {
            let deliveries = engine.set_attributes(&attributes).await?;
            let mut text = format!("updated {}", names(&attributes));
            for d in &deliveries {
                let name = d.attribute.as_deref().unwrap_or("attribute");
                text.push_str(&format!(
                    "\n{name}: {}; verify with `cognito-auth attributes verify {name} CODE`",
                    delivery_text(Some(d))
                ));
            }
            Ok(Report::new(
                json!({
                    "updated": attributes.iter().map(|(k, _)| k).collect::<Vec<_>>(),
                    "code_deliveries": deliveries.iter().map(|d| delivery_json(Some(d))).collect::<Vec<_>>(),
                }),
                text,
            ))
        }
        AttributesCommand::Verify { name, code: None } => {
            let delivery = engine.send_verification_code(&name).await?;
            Ok(Report::new(
                json!({"attribute": name, "code_delivery": delivery_json(delivery.as_ref())}),
                format!(
                    "{}: finish with `cognito-auth attributes verify {name} CODE`",
                    delivery_text(delivery.as_ref())
                ),
            ))
        }
        AttributesCommand::Verify {
            name,
            code: Some(code),
        } => {
            engine.verify_attribute(&name, &code).await?;
            Ok(Report::new(
                json!({"attribute": name, "verified": true}),
                format!("{name} is verified"),
            ))
        }
    }
}

fn names(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) async fn mfa(
    engine: &Engine,
    ask: Prompter,
    command: MfaCommand,
) -> Result<Report, Failure> {
    match command {
        MfaCommand::SetupTotp { device_name } => {
            let secret = engine.set_up_totp().await?;
            // The secret goes where prompts go: the person at the terminal needs it, the
            // stdout document does not.
            eprintln!("cognito-auth: add this secret (base32) to your authenticator app: {secret}");
            let code = ask.secret("code from the authenticator app", false)?;
            engine.verify_totp(&code, device_name.as_deref()).await?;
            Ok(Report::new(
                json!({"totp": "verified"}),
                "TOTP is set up; make it the preferred method with `cognito-auth mfa prefer totp`",
            ))
        }
        MfaCommand::Show => {
            let factors = engine.auth_factors().await?;
            let preferred = factors.preferred_mfa_setting.as_deref().unwrap_or("none");
            let listed = |list: &[String]| {
                if list.is_empty() {
                    "none".to_owned()
                } else {
                    list.join(", ")
                }
            };
            Ok(Report::new(
                json!({
                    "username": factors.username,
                    "preferred": factors.preferred_mfa_setting,
                    "enabled": factors.user_mfa_setting_list,
                    "first_factors": factors.configured_user_auth_factors,
                }),
                format!(
                    "MFA enabled: {}\npreferred: {preferred}\nfirst factors (USER_AUTH): {}",
                    listed(&factors.user_mfa_setting_list),
                    listed(&factors.configured_user_auth_factors),
                ),
            ))
        }
        MfaCommand::Prefer { method } => {
            engine.prefer_mfa(method).await?;
            let name = match method {
                MfaMethod::Sms => "sms",
                MfaMethod::Totp => "totp",
                MfaMethod::Email => "email",
                MfaMethod::None => "none",
            };
            Ok(Report::new(
                json!({"preferred": name}),
                match method {
                    MfaMethod::None => "MFA is off for this user".to_owned(),
                    _ => format!("{name} is the preferred MFA method"),
                },
            ))
        }
    }
}

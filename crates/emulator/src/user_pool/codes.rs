//! Codes sent by email or SMS: generated, stored on the user, delivered to the outbox, checked
//! once.

use serde_json::Value;

use super::lookup::pool_mut;
use crate::error::{ApiError, ApiResult};
use crate::model::{CodePurpose, Hidden, PendingCode, User};
use crate::state::{Emulator, OutboxMessage};
use crate::time::UnixMillis;

/// Where a code for `user` goes: email if it has one (or `prefer` says so), else SMS.
fn delivery_target(user: &User, prefer_sms: bool) -> Option<(&'static str, &'static str, String)> {
    let email = user.attr("email").map(|e| ("EMAIL", "email", e.to_owned()));
    let phone = user
        .attr("phone_number")
        .map(|p| ("SMS", "phone_number", p.to_owned()));
    if prefer_sms {
        phone.or(email)
    } else {
        email.or(phone)
    }
}

/// Masks a destination the way `CodeDeliveryDetails.Destination` does.
pub(super) fn mask(dest: &str) -> String {
    if let Some((local, domain)) = dest.split_once('@') {
        let l: String = local.chars().take(1).collect();
        let d: String = domain.chars().take(1).collect();
        format!("{l}***@{d}***")
    } else {
        let tail: String = dest
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("+*******{tail}")
    }
}

/// Generates a code for `purpose`, stores it on the user, delivers it through the outbox and
/// returns `CodeDeliveryDetails`.
pub(crate) fn send_code(
    emu: &mut Emulator,
    pool_id: &str,
    user_key: &str,
    purpose: CodePurpose,
    validity_s: u64,
    now: UnixMillis,
) -> ApiResult<Value> {
    let code = emu.code6();
    let pool = pool_mut(emu, pool_id)?;
    let user = pool
        .users
        .get_mut(user_key)
        .ok_or_else(ApiError::user_not_found)?;
    let prefer_sms = matches!(purpose, CodePurpose::SmsMfa | CodePurpose::VerifyPhone);
    let only = match purpose {
        CodePurpose::VerifyEmail | CodePurpose::EmailOtp => {
            user.attr("email").map(|e| ("EMAIL", "email", e.to_owned()))
        }
        CodePurpose::VerifyPhone | CodePurpose::SmsMfa => user
            .attr("phone_number")
            .map(|p| ("SMS", "phone_number", p.to_owned())),
        _ => delivery_target(user, prefer_sms),
    };
    let Some((medium, attr, dest)) = only else {
        return Err(ApiError::invalid_parameter(
            "No email or phone_number attribute to deliver the code to",
        ));
    };
    user.codes.insert(
        purpose,
        PendingCode {
            code: Hidden(code.clone()),
            expires: now.plus_secs(validity_s),
        },
    );
    let username = user.username.clone();
    emu.outbox.push(OutboxMessage {
        pool_id: pool_id.to_owned(),
        username,
        medium: medium.to_owned(),
        destination: dest.clone(),
        purpose,
        code,
        sent_at_ms: now.0,
    });
    Ok(serde_json::json!({
        "Destination": mask(&dest),
        "DeliveryMedium": medium,
        "AttributeName": attr,
    }))
}

/// Checks and consumes a pending code.
pub(crate) fn take_code(
    user: &mut User,
    purpose: CodePurpose,
    given: &str,
    now: UnixMillis,
) -> ApiResult<()> {
    let Some(pending) = user.codes.get(&purpose) else {
        return Err(ApiError::code_mismatch());
    };
    if pending.code.0 != given {
        return Err(ApiError::code_mismatch());
    }
    if pending.expires <= now {
        user.codes.remove(&purpose);
        return Err(ApiError::expired_code());
    }
    user.codes.remove(&purpose);
    Ok(())
}

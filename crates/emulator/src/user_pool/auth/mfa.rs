//! Answers to the MFA and one-time-code challenges: SMS_MFA / SMS_OTP / EMAIL_OTP codes,
//! SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE and MFA_SETUP.

use cognito_auth_wire::{challenge, param};
use serde_json::Value;

use super::steps::{finish, issue_challenge, required, Answer};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::{CodePurpose, Expected};
use crate::state::Emulator;
use crate::time::UnixMillis;
use crate::user_pool::codes::take_code;
use crate::user_pool::lookup::{client, pool, pool_mut};

/// A code sent by SMS or email: SMS_MFA, SMS_OTP (passwordless) or EMAIL_OTP.
pub(super) fn answer_code(emu: &mut Emulator, a: Answer, now: UnixMillis) -> ApiResult<Value> {
    let (purpose, field) = match (&a.session.expected, a.session.passwordless) {
        (Expected::SmsMfa, false) => (CodePurpose::SmsMfa, param::SMS_MFA_CODE),
        (Expected::SmsMfa, true) => (CodePurpose::SmsMfa, param::SMS_OTP_CODE),
        _ => (CodePurpose::EmailOtp, param::EMAIL_OTP_CODE),
    };
    let code = required(&a.responses, field)?;
    let u = pool_mut(emu, &a.ctx.pool_id)?
        .users
        .get_mut(&a.session.username)
        .ok_or_else(ApiError::invalid_session)?;
    if let Err(e) = take_code(u, purpose, code, now) {
        // A wrong code leaves the session usable for another try, as Cognito does.
        if e.kind == ErrorKind::CodeMismatch {
            a.keep_session(emu);
        }
        return Err(e);
    }
    finish(emu, &a.ctx, &a.session, now)
}

/// SOFTWARE_TOKEN_MFA: a TOTP code of the user's verified secret.
pub(super) fn answer_totp(emu: &mut Emulator, a: Answer, now: UnixMillis) -> ApiResult<Value> {
    let code = required(&a.responses, param::SOFTWARE_TOKEN_MFA_CODE)?;
    let u = &pool(emu, &a.ctx.pool_id)?.users[&a.session.username];
    let ok = u
        .totp_secret
        .as_ref()
        .is_some_and(|k| crate::totp::verify(&k.0, code, now.secs()));
    if !ok {
        a.keep_session(emu);
        return Err(ApiError::code_mismatch());
    }
    finish(emu, &a.ctx, &a.session, now)
}

/// SELECT_MFA_TYPE: the chosen factor's challenge follows.
pub(super) fn answer_select_mfa(
    emu: &mut Emulator,
    a: Answer,
    options: &[String],
    now: UnixMillis,
) -> ApiResult<Value> {
    let answer = required(&a.responses, param::ANSWER)?;
    if !options.contains(answer) {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid MFA type {answer}"
        )));
    }
    let expected = match answer.as_str() {
        challenge::SMS_MFA => Expected::SmsMfa,
        challenge::EMAIL_OTP => Expected::EmailOtp,
        _ => Expected::SoftwareTokenMfa,
    };
    // The chosen factor's challenge comes with a new session, valid for the client's
    // AuthSessionValidity from now (Cognito makes a session token for each request of the flow).
    let validity = client(pool(emu, &a.ctx.pool_id)?, &a.ctx.client_id)?
        .validity
        .auth_session_s;
    let mut next = a.session;
    next.expected = expected;
    next.expires = now.plus_secs(validity);
    issue_challenge(emu, next, now)
}

/// MFA_SETUP: answered once a software token was associated and verified in this session.
pub(super) fn answer_mfa_setup(emu: &mut Emulator, a: Answer, now: UnixMillis) -> ApiResult<Value> {
    if !a.session.mfa_setup_done {
        a.keep_session(emu);
        return Err(ApiError::invalid_parameter(
            "Software token MFA has not been set up in this session",
        ));
    }
    finish(emu, &a.ctx, &a.session, now)
}

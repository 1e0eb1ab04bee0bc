//! `InitiateAuth` / `RespondToAuthChallenge` (and their `Admin*` twins): which flow a request
//! starts and which challenge an answer is for. Each flow and challenge family has its module;
//! `steps` holds what they share and `tokens` issues the tokens they end with.

mod choice;
mod custom;
mod mfa;
mod password;
mod refresh;
mod srp;
mod steps;
mod tokens;

pub(crate) use refresh::{get_tokens_from_refresh_token, rotate, usable_refresh_token};
pub(crate) use tokens::issue_tokens;

use cognito_auth_wire::{challenge, explicit_flow, flow, param};
use serde_json::Value;

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::{Expected, UserStatus};
use crate::params::Params;
use crate::state::Emulator;
use crate::time::UnixMillis;
use crate::user_pool::lookup::{client, pool, pool_of_client};
use steps::{after_password, check_client_secret, Answer, Ctx};

pub(crate) fn initiate_auth(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
    admin: bool,
) -> ApiResult<Value> {
    let flow = p.str("AuthFlow")?.to_owned();
    let client_id = p.str("ClientId")?.to_owned();
    let pool_id = if admin {
        let id = p.str("UserPoolId")?.to_owned();
        client(pool(emu, &id)?, &client_id)?;
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
        let c = client(pool(emu, &ctx.pool_id)?, &ctx.client_id)?;
        if c.allows(allow, legacy) {
            Ok(())
        } else {
            Err(ApiError::invalid_parameter(format!(
                "{flow} flow not enabled for this client"
            )))
        }
    };
    match flow.as_str() {
        flow::USER_PASSWORD_AUTH => {
            allowed(emu, explicit_flow::ALLOW_USER_PASSWORD_AUTH, Some(flow::USER_PASSWORD_AUTH))?;
            password::password_auth(emu, &ctx, &params, now)
        }
        flow::ADMIN_USER_PASSWORD_AUTH | flow::ADMIN_NO_SRP_AUTH if admin => {
            allowed(
                emu,
                explicit_flow::ALLOW_ADMIN_USER_PASSWORD_AUTH,
                Some(flow::ADMIN_NO_SRP_AUTH),
            )?;
            password::password_auth(emu, &ctx, &params, now)
        }
        flow::USER_SRP_AUTH => {
            allowed(emu, explicit_flow::ALLOW_USER_SRP_AUTH, None)?;
            srp::srp_auth(emu, &ctx, &params, now, false)
        }
        flow::REFRESH_TOKEN_AUTH | flow::REFRESH_TOKEN => {
            allowed(emu, explicit_flow::ALLOW_REFRESH_TOKEN_AUTH, None)?;
            refresh::refresh_auth(emu, &ctx, &params, now)
        }
        flow::CUSTOM_AUTH => {
            allowed(emu, explicit_flow::ALLOW_CUSTOM_AUTH, Some("CUSTOM_AUTH_FLOW_ONLY"))?;
            custom::custom_auth(emu, &ctx, &params, now)
        }
        flow::USER_AUTH => {
            allowed(emu, explicit_flow::ALLOW_USER_AUTH, None)?;
            choice::user_auth(emu, &ctx, &params, now)
        }
        other => Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set"
        ))),
    }
}

pub(crate) fn respond_to_auth_challenge(
    emu: &mut Emulator,
    p: Params<'_>,
    now: UnixMillis,
) -> ApiResult<Value> {
    let a = open_answer(emu, p, now)?;
    match a.session.expected.clone() {
        Expected::PasswordVerifier(server, block) => {
            srp::verify_password_claim(emu, &a, &server, &block, now)?;
            after_password_verifier(emu, a, now)
        }
        Expected::DeviceSrpAuth => srp::answer_device_srp_auth(emu, a, now),
        Expected::DevicePasswordVerifier(server, block) => {
            let device_key = srp::verify_device_claim(emu, &a, &server, &block, now)?;
            let key = &a.session.username;
            steps::after_first_factor(emu, &a.ctx, key, Some(device_key), true, now)
        }
        Expected::SmsMfa | Expected::EmailOtp => mfa::answer_code(emu, a, now),
        Expected::SoftwareTokenMfa => mfa::answer_totp(emu, a, now),
        Expected::SelectMfaType(options) => mfa::answer_select_mfa(emu, a, &options, now),
        Expected::MfaSetup => mfa::answer_mfa_setup(emu, a, now),
        Expected::NewPasswordRequired => password::answer_new_password(emu, a, now),
        Expected::CustomChallenge => custom::answer_custom_challenge(emu, a, now),
        Expected::SelectChallenge(options) => {
            choice::answer_select_challenge(emu, a, &options, now)
        }
    }
}

/// Takes the session an answer is for and checks that it is live, of this client, for this
/// challenge, and signed with the client's secret.
fn open_answer(emu: &mut Emulator, p: Params<'_>, now: UnixMillis) -> ApiResult<Answer> {
    let name = p.str("ChallengeName")?.to_owned();
    let client_id = p.str("ClientId")?.to_owned();
    let responses = p.string_map("ChallengeResponses");
    // Cognito answers PASSWORD_VERIFIER without a Session (the secret block identifies the
    // exchange), and clients such as pycognito respond without one.
    let session_id = match p.opt_str("Session") {
        Some(s) => s.to_owned(),
        None => {
            srp::session_by_secret_block(emu, responses.get(param::PASSWORD_CLAIM_SECRET_BLOCK))
                .or_else(|| srp::device_session(emu, &client_id, &responses))
                .ok_or_else(|| crate::params::missing("Session"))?
        }
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
        || (name == challenge::SMS_OTP && expected_name == challenge::SMS_MFA && s.passwordless);
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
    let username = responses.get(param::USERNAME).cloned().unwrap_or(display);
    check_client_secret(emu, &ctx, &username, &responses)?;
    Ok(Answer {
        ctx,
        session_id,
        session: s,
        responses,
        username,
    })
}

/// After a proven password: CUSTOM_AUTH's scripted rounds, or the usual next steps.
fn after_password_verifier(emu: &mut Emulator, a: Answer, now: UnixMillis) -> ApiResult<Value> {
    if a.session.custom {
        let u = &pool(emu, &a.ctx.pool_id)?.users[&a.session.username];
        if u.status == UserStatus::Unconfirmed {
            return Err(ApiError::new(
                ErrorKind::UserNotConfirmed,
                "User is not confirmed.",
            ));
        }
        let mut next = a.session;
        next.custom_step = 0;
        return custom::next_custom(emu, next, now);
    }
    let device_key = a
        .responses
        .get(param::DEVICE_KEY)
        .cloned()
        .or(a.session.device_key.clone());
    after_password(emu, &a.ctx, &a.session.username, device_key, now)
}

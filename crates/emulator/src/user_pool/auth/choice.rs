//! USER_AUTH, choice-based sign-in: the first factors a user can use, SELECT_CHALLENGE, and
//! starting the chosen one (password, SRP, or a one-time code by email or SMS).

use cognito_auth_wire::{challenge, param};
use serde_json::{json, Value};

use super::password::check_password;
use super::srp::srp_auth;
use super::steps::{
    after_password, ask, check_client_secret, find_user, issue_challenge, new_session, required,
    Answer, Ctx, Fields,
};
use crate::error::{ApiError, ApiResult};
use crate::model::Expected;
use crate::state::Emulator;
use crate::time::UnixMillis;
use crate::user_pool::factors::available_first_factors;
use crate::user_pool::lookup::pool;

/// `InitiateAuth` with USER_AUTH: the preferred factor if the user has it, else SELECT_CHALLENGE.
pub(super) fn user_auth(
    emu: &mut Emulator,
    ctx: &Ctx,
    params: &Fields,
    now: UnixMillis,
) -> ApiResult<Value> {
    let username = required(params, param::USERNAME)?;
    check_client_secret(emu, ctx, username, params)?;
    let key = find_user(emu, ctx, username)?;
    let available: Vec<String> = {
        let pool = pool(emu, &ctx.pool_id)?;
        available_first_factors(pool, &pool.users[&key])
            .into_iter()
            .map(str::to_owned)
            .collect()
    };
    match params.get(param::PREFERRED_CHALLENGE).map(String::as_str) {
        Some(pref) if available.iter().any(|a| a == pref) => {
            first_factor(emu, ctx, &key, pref, params, now)
        }
        _ => {
            let expected = Expected::SelectChallenge(available.clone());
            let s = new_session(emu, ctx, &key, expected, now)?;
            let mut out = ask(emu, s, json!({}))?;
            out["AvailableChallenges"] = json!(available);
            Ok(out)
        }
    }
}

/// Starts the first factor chosen in a `USER_AUTH` flow.
fn first_factor(
    emu: &mut Emulator,
    ctx: &Ctx,
    key: &str,
    choice: &str,
    params: &Fields,
    now: UnixMillis,
) -> ApiResult<Value> {
    match choice {
        challenge::PASSWORD => {
            check_password(emu, ctx, key, required(params, param::PASSWORD)?)?;
            after_password(emu, ctx, key, params.get(param::DEVICE_KEY).cloned(), now)
        }
        challenge::PASSWORD_SRP => {
            let mut p = params.clone();
            let name = pool(emu, &ctx.pool_id)?.users[key].username.clone();
            p.entry(param::USERNAME.into()).or_insert(name);
            srp_auth(emu, ctx, &p, now, false)
        }
        challenge::EMAIL_OTP | challenge::SMS_OTP => {
            let expected = if choice == challenge::EMAIL_OTP {
                Expected::EmailOtp
            } else {
                Expected::SmsMfa
            };
            let mut s = new_session(emu, ctx, key, expected, now)?;
            s.passwordless = true;
            let mut out = issue_challenge(emu, s, now)?;
            if choice == challenge::SMS_OTP {
                out["ChallengeName"] = json!(challenge::SMS_OTP);
            }
            Ok(out)
        }
        _ => Err(ApiError::invalid_parameter(format!(
            "Unsupported challenge {choice}"
        ))),
    }
}

/// SELECT_CHALLENGE's answer: starts the chosen first factor.
pub(super) fn answer_select_challenge(
    emu: &mut Emulator,
    a: Answer,
    options: &[String],
    now: UnixMillis,
) -> ApiResult<Value> {
    let answer = required(&a.responses, param::ANSWER)?;
    if !options.contains(answer) {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid challenge {answer}"
        )));
    }
    first_factor(emu, &a.ctx, &a.session.username, answer, &a.responses, now)
}

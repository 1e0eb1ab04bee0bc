//! CUSTOM_AUTH: the scripted stand-in for the define/create/verify auth-challenge triggers,
//! optionally after an SRP round.

use cognito_auth_wire::{challenge, param};
use serde_json::{json, Map, Value};

use super::srp::srp_auth;
use super::steps::{
    ask, check_client_secret, find_user, new_session, required, tokens_answer, Answer, Ctx, Fields,
};
use crate::error::{ApiError, ApiResult};
use crate::model::{AuthSession, CodePurpose, Expected, Hidden};
use crate::state::Emulator;
use crate::time::UnixMillis;
use crate::user_pool::codes::send_code;
use crate::user_pool::lookup::pool;

/// `InitiateAuth` with CUSTOM_AUTH.
pub(super) fn custom_auth(
    emu: &mut Emulator,
    ctx: &Ctx,
    params: &Fields,
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
    let username = required(params, param::USERNAME)?;
    if params.get(param::CHALLENGE_NAME).map(String::as_str) == Some(challenge::SRP_A)
        && rules.allow_srp_first
    {
        return srp_auth(emu, ctx, params, now, true);
    }
    check_client_secret(emu, ctx, username, params)?;
    let key = find_user(emu, ctx, username)?;
    let mut s = new_session(emu, ctx, &key, Expected::CustomChallenge, now)?;
    s.custom = true;
    next_custom(emu, s, now)
}

/// Asks the next scripted challenge, or issues tokens when all were answered.
pub(super) fn next_custom(
    emu: &mut Emulator,
    mut s: AuthSession,
    now: UnixMillis,
) -> ApiResult<Value> {
    let rules = pool(emu, &s.pool_id)?
        .custom_auth
        .clone()
        .unwrap_or_default();
    let Some(rule) = rules.challenges.get(s.custom_step).cloned() else {
        let ctx = Ctx {
            pool_id: s.pool_id.clone(),
            client_id: s.client_id.clone(),
            meta: s.client_metadata.clone(),
        };
        return tokens_answer(emu, &ctx, &s.username, None, now);
    };
    let username = pool(emu, &s.pool_id)?.users[&s.username].username.clone();
    let mut public: Map<String, Value> = rule
        .public
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    public.insert(param::USERNAME.into(), json!(username));
    let answer = if rule.deliver_code {
        let validity = s.expires.0.saturating_sub(now.0) / 1000;
        let purpose = CodePurpose::CustomChallenge;
        let d = send_code(emu, &s.pool_id, &s.username, purpose, validity, now)?;
        public.insert(
            param::CODE_DELIVERY_DESTINATION.into(),
            d["Destination"].clone(),
        );
        let u = &pool(emu, &s.pool_id)?.users[&s.username];
        u.codes.get(&purpose).map(|c| c.code.0.clone())
    } else if let Some(k) = &rule.answer_from_client_metadata {
        s.client_metadata.get(k).cloned()
    } else {
        rule.answer.clone()
    };
    s.custom_answer = answer.map(Hidden);
    s.expected = Expected::CustomChallenge;
    ask(emu, s, Value::Object(public))
}

/// CUSTOM_CHALLENGE's answer: the next round on a right answer, the same round again on a
/// wrong one until the attempts run out.
pub(super) fn answer_custom_challenge(
    emu: &mut Emulator,
    a: Answer,
    now: UnixMillis,
) -> ApiResult<Value> {
    let answer = required(&a.responses, param::ANSWER)?;
    let rules = pool(emu, &a.ctx.pool_id)?
        .custom_auth
        .clone()
        .unwrap_or_default();
    let mut next = a.session.clone();
    next.client_metadata = a.ctx.meta.clone();
    if next.custom_answer.as_ref().is_some_and(|x| x.0 == *answer) {
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

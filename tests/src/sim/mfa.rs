//! MFA challenges: the user's factors (SMS, TOTP or both), the pool's `MfaConfiguration`
//! (`OPTIONAL` or `ON`), the app answering `SMS_MFA`, `SOFTWARE_TOKEN_MFA` and
//! `SELECT_MFA_TYPE` challenges correctly, wrongly or after the sign-in session expired, and
//! the invariants: a sign-in ends signed in only after a correct answer in time (or, with
//! device tracking, a remembered device that skips MFA); a challenge the app may still answer
//! is not dropped; a correct, timely answer is refused only for a simulated fault.
//!
//! Everything here draws from its own stream (derived from the seed), so a run without MFA
//! draws exactly what it drew before MFA was simulated.

use cognito_auth::machine::{Answer, ApiCall, AuthError, OperationId, Secret, SignInStep};
use cognito_auth_emulator::{totp, CodePurpose, Emulator, UnixMillis, USER_POOL_PREFIX};
use serde_json::{json, Value};

use super::rng::Rng;
use super::setup::{PASSWORD, USERNAME};
use super::world::World;

/// How long a sign-in session (the `Session` a challenge carries) is valid: the app client's
/// `AuthSessionValidity`, 3 to 15 minutes, 3 by default (Cognito API reference,
/// `CreateUserPoolClient`). The simulator's clients keep the default.
pub const AUTH_SESSION_VALIDITY_MS: u64 = 180_000;

/// The user's factors and the pool's MFA setting.
#[derive(Debug, Clone, Copy)]
pub struct MfaSettings {
    /// `MfaConfiguration` `ON` (every sign-in needs a factor) rather than `OPTIONAL`.
    pub required: bool,
    /// SMS MFA enabled for the user.
    pub sms: bool,
    /// TOTP (software token) MFA set up and enabled for the user.
    pub totp: bool,
    /// Which factor the user prefers when both are enabled; `None` makes Cognito ask
    /// (`SELECT_MFA_TYPE`).
    pub prefer_totp: Option<bool>,
}

impl MfaSettings {
    /// Settings drawn from `rng`; a quarter of the runs keep the user without a factor.
    pub fn draw(rng: &mut Rng) -> Self {
        let (sms, totp) = match rng.range(0, 3) {
            0 => (false, false),
            1 => (true, false),
            2 => (false, true),
            _ => (true, true),
        };
        let prefer_totp = match rng.range(0, 2) {
            0 => None,
            1 => Some(false),
            _ => Some(true),
        };
        Self {
            // ON needs a factor the user has, or every sign-in would ask to set one up.
            required: (sms || totp) && rng.chance(400),
            sms,
            totp,
            prefer_totp: prefer_totp.filter(|_| sms && totp),
        }
    }

    /// Whether a sign-in without a remembered device must be challenged.
    pub fn challenges(&self) -> bool {
        self.sms || self.totp
    }
}

fn call(emu: &mut Emulator, op: &str, body: &Value, now: UnixMillis) -> Result<Value, String> {
    emu.handle(&format!("{USER_POOL_PREFIX}{op}"), body, now)
        .map_err(|e| format!("setting up MFA: {op}: {e}"))
}

/// Gives the user their factors and the pool its MFA setting; returns the TOTP key.
pub fn set_up(
    emu: &mut Emulator,
    pool_id: &str,
    client_id: &str,
    mfa: &MfaSettings,
    now: UnixMillis,
) -> Result<Option<Vec<u8>>, String> {
    let user = json!({ "UserPoolId": pool_id, "Username": USERNAME });
    let mut key = None;
    if mfa.totp {
        // A software token is associated with the user's own access token, as an app does.
        let auth = call(
            emu,
            "InitiateAuth",
            &json!({ "ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": USERNAME, "PASSWORD": PASSWORD } }),
            now,
        )?;
        let access = auth
            .pointer("/AuthenticationResult/AccessToken")
            .and_then(Value::as_str)
            .ok_or("setting up MFA: no access token")?
            .to_owned();
        let secret = call(
            emu,
            "AssociateSoftwareToken",
            &json!({ "AccessToken": access }),
            now,
        )?;
        let bytes = secret
            .get("SecretCode")
            .and_then(Value::as_str)
            .and_then(totp::base32_decode)
            .ok_or("setting up MFA: no SecretCode")?;
        let code = totp::totp(&bytes, now.0 / 1000);
        call(
            emu,
            "VerifySoftwareToken",
            &json!({ "AccessToken": access, "UserCode": code }),
            now,
        )?;
        key = Some(bytes);
    }
    if mfa.sms {
        let mut attrs = user.clone();
        attrs["UserAttributes"] = json!([
            { "Name": "phone_number", "Value": "+15550100" },
            { "Name": "phone_number_verified", "Value": "true" }]);
        call(emu, "AdminUpdateUserAttributes", &attrs, now)?;
    }
    let mut pref = user;
    pref["SMSMfaSettings"] = json!({ "Enabled": mfa.sms,
        "PreferredMfa": mfa.sms && (mfa.prefer_totp == Some(false) || !mfa.totp) });
    pref["SoftwareTokenMfaSettings"] = json!({ "Enabled": mfa.totp,
        "PreferredMfa": mfa.totp && (mfa.prefer_totp == Some(true) || !mfa.sms) });
    call(emu, "AdminSetUserMFAPreference", &pref, now)?;
    call(
        emu,
        "SetUserPoolMfaConfig",
        &json!({ "UserPoolId": pool_id,
            "MfaConfiguration": if mfa.required { "ON" } else { "OPTIONAL" },
            "SmsMfaConfiguration": { "SmsConfiguration": {
                "SnsCallerArn": "arn:aws:iam::123456789012:role/sim-sns" } },
            "SoftwareTokenMfaConfiguration": { "Enabled": true } }),
        now,
    )?;
    Ok(key)
}

/// What a `sign_in` or `confirm_sign_in` call was answered with, as the app sees it.
#[derive(Debug, Clone)]
pub enum SignInReply {
    /// The next step (a challenge, or done).
    Step(SignInStep),
    /// A wrong (or expired) code: the same challenge may be answered again in the same session.
    Retry,
    /// Any other error: the sign-in is over.
    Over,
}

/// What the MFA invariant remembers of the current sign-in, and what the runs did.
#[derive(Debug, Default)]
pub struct MfaCheck {
    /// The user has a factor: a sign-in without a remembered device is challenged.
    pub challenges: bool,
    /// The pool tracks (and always remembers) devices, so a sign-in may skip MFA.
    pub device_may_skip: bool,
    /// Sign-ins the app started, sign-outs and crashes: a challenge belongs to the attempt
    /// it was reported in, and is over when this moves on.
    pub attempts: u64,
    /// The last sign-in reply was a challenge the app may (still) answer.
    challenge_open: bool,
    /// The app's correct, timely answer: it must not be refused but for a fault.
    must_accept: Option<OperationId>,
    /// The last answer to a sign-in call and the true time it arrived, for the app to act on.
    pub reply: Option<(SignInReply, u64)>,
    /// The current sign-in was challenged.
    challenged: bool,
    /// A correct answer was sent in time for the current sign-in.
    answered: bool,
    /// Challenges the machine reported to the app.
    pub challenges_seen: u64,
    /// Sign-ins completed by a correct answer.
    pub answered_sign_ins: u64,
    /// Sign-ins of a user with a factor that skipped MFA (a remembered device).
    pub skipped: u64,
    /// Answers refused with `CodeMismatch`.
    pub mismatches: u64,
    /// Correct answers sent after the sign-in session expired.
    pub late_answers: u64,
}

impl MfaCheck {
    /// The app started a sign-in.
    pub fn on_sign_in(&mut self) {
        self.on_attempt_end();
        self.challenged = false;
        self.answered = false;
    }

    /// A sign-out or a crash: any challenge is over.
    pub fn on_attempt_end(&mut self) {
        self.attempts += 1;
        self.challenge_open = false;
        self.must_accept = None;
    }

    /// The machine answered `op`, a `sign_in` or `confirm_sign_in` call, at `true_ms`; a
    /// violation if it dropped a challenge the app could still answer or refused a correct,
    /// timely answer for any reason but a fault.
    pub fn on_reply(
        &mut self,
        op: OperationId,
        result: &Result<Answer, AuthError>,
        true_ms: u64,
    ) -> Option<String> {
        let must_accept = self.must_accept.take_if(|o| *o == op).is_some();
        let reply = match result {
            Ok(Answer::SignIn { next_step }) => {
                self.challenge_open = is_challenge(next_step);
                if self.challenge_open {
                    self.challenged = true;
                    self.challenges_seen += 1;
                }
                SignInReply::Step(next_step.clone())
            }
            Ok(_) => return None,
            Err(e @ AuthError::InvalidState { .. }) if self.challenge_open => {
                return Some(format!(
                    "operation {}: the MFA challenge the app may still answer was dropped ({e})",
                    op.0
                ));
            }
            Err(e) if must_accept && !is_fault(e) => {
                return Some(format!(
                    "operation {}: a correct MFA answer sent in time was refused ({e})",
                    op.0
                ));
            }
            Err(AuthError::CodeMismatch) => {
                self.mismatches += 1;
                SignInReply::Retry
            }
            Err(AuthError::CodeExpired) => SignInReply::Retry,
            Err(_) => {
                self.challenge_open = false;
                SignInReply::Over
            }
        };
        self.reply = Some((reply, true_ms));
        None
    }

    /// The sign-in ended signed in: only after a correct answer in time, or without a
    /// challenge where none was due or a remembered device may skip it.
    pub fn on_signed_in(&mut self) -> Option<String> {
        if self.challenged {
            if !self.answered {
                return Some(
                    "signed in after an MFA challenge without a correct answer in time".into(),
                );
            }
            self.answered_sign_ins += 1;
        } else if self.challenges {
            if !self.device_may_skip {
                return Some("signed in without the MFA challenge the user's factor needs".into());
            }
            self.skipped += 1;
        }
        None
    }
}

/// An error the simulated faults explain: the network, an injected 500, a sign-in replaced or
/// signed out of.
fn is_fault(e: &AuthError) -> bool {
    match e {
        AuthError::Network { .. } | AuthError::Cancelled { .. } | AuthError::SignedOut => true,
        AuthError::Service { code, .. } => code == "InternalErrorException",
        _ => false,
    }
}

fn is_challenge(step: &SignInStep) -> bool {
    matches!(
        step,
        SignInStep::ConfirmWithSmsCode { .. }
            | SignInStep::ConfirmWithTotpCode
            | SignInStep::SelectMfaType { .. }
    )
}

/// A challenge the app has yet to answer.
#[derive(Debug, Clone)]
struct Pending {
    step: SignInStep,
    /// The true time the challenge reached the app.
    at_ms: u64,
    /// The attempt it belongs to ([`MfaCheck::attempts`]).
    attempt: u64,
}

/// The app's side of MFA: it answers the challenge the machine reported.
#[derive(Debug)]
pub struct MfaApp {
    /// The run simulates MFA.
    enabled: bool,
    rng: Rng,
    key: Option<Vec<u8>>,
    pending: Option<Pending>,
    /// The app's `confirm_sign_in` still waiting for its answer.
    sent: Option<OperationId>,
}

impl MfaApp {
    /// The app for a run (with MFA when `enabled`) whose TOTP key (if any) is `key`,
    /// drawing from `rng`.
    pub fn new(enabled: bool, rng: Rng, key: Option<Vec<u8>>) -> Self {
        Self {
            enabled,
            rng,
            key,
            pending: None,
            sent: None,
        }
    }

    /// Takes up what the last sign-in call was answered with; whether a challenge waits for
    /// an answer the app may send now.
    fn take_up(&mut self, world: &mut World) -> bool {
        if let Some((reply, at_ms)) = world.check.mfa.reply.take() {
            match reply {
                SignInReply::Step(step) => {
                    self.pending = is_challenge(&step).then(|| Pending {
                        step,
                        at_ms,
                        attempt: world.check.mfa.attempts,
                    });
                }
                // The same challenge, in the same session (and the same expiry).
                SignInReply::Retry => {}
                SignInReply::Over => self.pending = None,
            }
        }
        // A new sign-in replaced the challenged one.
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.attempt != world.check.mfa.attempts)
        {
            self.pending = None;
        }
        let waiting = self
            .sent
            .is_some_and(|op| world.check.outstanding().any(|(o, _)| *o == op));
        if !waiting {
            self.sent = None;
        }
        self.pending.is_some() && !waiting
    }

    /// After each app action: answer the challenge now (correctly or not), after the session
    /// expired, or leave it for later.
    pub fn act(&mut self, world: &mut World) {
        if !self.take_up(world) {
            return;
        }
        match self.rng.range(0, 99) {
            0..=49 => self.answer(world, true),
            50..=69 => self.answer(world, false),
            70..=79 => {
                let ms = self.rng.range(
                    AUTH_SESSION_VALIDITY_MS + 5_000,
                    2 * AUTH_SESSION_VALIDITY_MS,
                );
                let now = world.mono_ms;
                world
                    .check
                    .note(now, format!("the app answers MFA after {ms} ms"));
                world.advance(ms);
                if self.take_up(world) {
                    self.answer(world, true);
                }
            }
            _ => {}
        }
    }

    /// Once faults stop: the app waits for a sign-in in flight and answers whatever challenge
    /// waits, correctly, until the sign-in is over (credential callers wait for its end).
    pub fn finish(&mut self, world: &mut World) {
        if !self.enabled {
            return;
        }
        for _ in 0..8 {
            let can_answer = self.take_up(world);
            let in_flight = world
                .check
                .outstanding()
                .any(|(_, name)| *name == "sign_in" || *name == "confirm_sign_in");
            if self.pending.is_none() && !in_flight {
                return;
            }
            if can_answer {
                self.answer(world, true);
            }
            world.advance(5_000);
        }
    }

    fn answer(&mut self, world: &mut World, right: bool) {
        let Some(pending) = self.pending.clone() else {
            return;
        };
        let select = matches!(pending.step, SignInStep::SelectMfaType { .. });
        let answer = match &pending.step {
            SignInStep::SelectMfaType { allowed } => {
                let pick = self.rng.range(0, allowed.len().saturating_sub(1) as u64) as usize;
                allowed.get(pick).cloned().unwrap_or_default()
            }
            step => self.code(world, step, right),
        };
        let in_time = world.true_ms < pending.at_ms + AUTH_SESSION_VALIDITY_MS;
        // Well in time, whatever the latency of the challenge and of the answer.
        let surely_in_time = world.true_ms + 10_000 < pending.at_ms + AUTH_SESSION_VALIDITY_MS;
        if right {
            if !in_time {
                world.check.mfa.late_answers += 1;
            } else if !select {
                world.check.mfa.answered = true;
            }
        }
        let now = world.mono_ms;
        world.check.note(
            now,
            format!(
                "the app answers MFA ({}, {} ms after the challenge)",
                if right { "right" } else { "wrong" },
                world.true_ms - pending.at_ms
            ),
        );
        let op = world.command(ApiCall::ConfirmSignIn {
            answer: Secret::new(answer),
            user_attributes: Vec::new(),
            client_metadata: Default::default(),
        });
        self.sent = Some(op);
        if right && surely_in_time && world.check.outstanding().any(|(o, _)| *o == op) {
            world.check.mfa.must_accept = Some(op);
        }
    }

    /// The code for `step`, or (`right` false) one that is not accepted now.
    fn code(&self, world: &World, step: &SignInStep, right: bool) -> String {
        let secs = world.true_ms / 1000;
        let good: Vec<String> = match (step, &self.key) {
            // The service accepts the codes of the neighbouring 30 s steps too.
            (SignInStep::ConfirmWithTotpCode, Some(key)) => {
                [secs.saturating_sub(30), secs, secs + 30]
                    .iter()
                    .map(|s| totp::totp(key, *s))
                    .collect()
            }
            _ => vec![world
                .emu
                .last_code(USERNAME, CodePurpose::SmsMfa)
                .unwrap_or_default()
                .to_owned()],
        };
        if right {
            // The current step's code (the middle one for TOTP).
            return good[good.len() / 2].clone();
        }
        ["000000", "111111", "222222", "333333"]
            .iter()
            .find(|c| !good.iter().any(|g| g == *c))
            .map_or_else(String::new, |c| (*c).to_owned())
    }
}

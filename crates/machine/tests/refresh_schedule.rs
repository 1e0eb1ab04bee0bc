//! Refresh scheduling over a simulated day: short token lifetimes, a local clock hours off the
//! service's, and identity-pool credentials. The service answers from its own clock (`iat`,
//! `exp`, `Expiration`); timers fire when they come due on the machine's (local) clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognito_auth_machine::cognito::{AuthenticationResult, IdentityRequest, IdentityResponse};
use cognito_auth_machine::*;
use common::*;

const DAY_MS: u64 = 24 * 3600 * 1000;
/// How often the app asks for tokens (or credentials) in the simulation.
const CALLER_EVERY_MS: u64 = 45_000;
/// Stops a runaway loop (the defect this file guards against) from hanging the test.
const MAX_STEPS: u32 = 20_000;

/// Tokens issued at `iat_s` on the service's clock, living `ttl_s`.
fn issued(username: &str, iat_s: i64, ttl_s: i64, n: u32) -> AuthenticationResult {
    let exp = iat_s + ttl_s;
    let claims = |token_use: &str, user_claim: &str| {
        serde_json::json!({
            "sub": format!("sub-{username}"), user_claim: username, "exp": exp, "iat": iat_s,
            "token_use": token_use, "n": n
        })
    };
    AuthenticationResult {
        access_token: Secret::new(jwt(claims("access", "username"))),
        id_token: Some(Secret::new(jwt(claims("id", "cognito:username")))),
        refresh_token: Some(Secret::new(format!("refresh-{username}-{n}"))),
        expires_in: i32::try_from(ttl_s).unwrap(),
        new_device_metadata: None,
    }
}

/// A pure machine against a service whose clock is `local_ahead_s` behind the local one.
struct World {
    h: Harness,
    local_ahead_s: i64,
    ttl_s: i64,
    serial: u32,
    refreshes: u32,
    credential_fetches: u32,
    tokens_handed_out: u32,
    steps: u32,
}

impl World {
    fn service_now_s(&self) -> i64 {
        self.h.now_s() - self.local_ahead_s
    }

    /// Signed in with USER_PASSWORD_AUTH; the service issues `ttl_s` tokens.
    fn signed_in(config: Config, local_ahead_s: i64, ttl_s: i64) -> Self {
        let mut h = Harness::new(config, None);
        h.now.unix_ms += local_ahead_s * 1000;
        let mut w = Self {
            h,
            local_ahead_s,
            ttl_s,
            serial: 1,
            refreshes: 0,
            credential_fetches: 0,
            tokens_handed_out: 0,
            steps: 0,
        };
        let op = w.h.call(ApiCall::SignIn {
            username: "ann".into(),
            password: Some(Secret::new("pw".into())),
            flow: Some(AuthFlow::UserPasswordAuth),
            preferred_challenge: None,
            client_metadata: Default::default(),
        });
        let (id, _) = w.h.take_user_pool("InitiateAuth");
        let result = issued("ann", w.service_now_s(), ttl_s, 1);
        w.h.complete(id, tokens_response(result));
        w.h.assert_signed_in_answer(op);
        w
    }

    /// Answers every pending refresh and credentials call with fresh ones from the service.
    fn serve(&mut self, creds_ttl_s: i64) {
        while let Some(i) = self.h.effects.iter().position(|(_, e)| {
            matches!(e, Effect::UserPool { request } if request.operation() == "InitiateAuth")
        }) {
            let (id, _) = self.h.effects.remove(i);
            self.refreshes += 1;
            self.serial += 1;
            let result = issued("ann", self.service_now_s(), self.ttl_s, self.serial);
            self.h.complete(id, tokens_response(result));
        }
        while let Some(i) = self.h.effects.iter().position(|(_, e)| {
            matches!(e, Effect::Identity { request } if matches!(request, IdentityRequest::GetId { .. } | IdentityRequest::GetCredentialsForIdentity { .. }))
        }) {
            let (id, effect) = self.h.effects.remove(i);
            let result = match effect {
                Effect::Identity {
                    request: IdentityRequest::GetId { .. },
                } => EffectResult::Identity(Ok(IdentityResponse::IdentityId {
                    identity_id: "us-east-1:ann".into(),
                })),
                _ => {
                    self.credential_fetches += 1;
                    credentials("us-east-1:ann", self.service_now_s() + creds_ttl_s)
                }
            };
            self.h.complete(id, result);
        }
    }

    /// The app asks for tokens; whatever it gets must not have expired on the service's clock.
    fn ask_for_tokens(&mut self, creds_ttl_s: i64) {
        let op = self.h.call(ApiCall::FetchTokens {
            force_refresh: false,
        });
        self.serve(creds_ttl_s);
        match self.h.reply(op) {
            Some(Ok(Answer::Tokens(t))) => {
                let service_now = self.service_now_s();
                assert!(
                    t.expires_at_s > service_now,
                    "an expired token handed out: exp {} <= service now {service_now}",
                    t.expires_at_s
                );
                self.tokens_handed_out += 1;
            }
            other => panic!("expected tokens, got {other:?}"),
        }
    }

    /// The app asks for credentials; they must not have expired on the service's clock.
    fn ask_for_credentials(&mut self, creds_ttl_s: i64) {
        let op = self.h.call(ApiCall::FetchCredentials {
            force_refresh: false,
        });
        self.serve(creds_ttl_s);
        match self.h.reply(op) {
            Some(Ok(Answer::Credentials { credentials, .. })) => {
                let service_now = self.service_now_s();
                assert!(
                    credentials.expiration_s > service_now,
                    "expired credentials handed out: {} <= service now {service_now}",
                    credentials.expiration_s
                );
            }
            other => panic!("expected credentials, got {other:?}"),
        }
    }

    /// Runs a simulated day: timers fire as they come due, the app calls every
    /// `CALLER_EVERY_MS`, the service answers at once.
    fn run_day(&mut self, creds_ttl_s: Option<i64>) {
        let end = self.h.now.mono_ms + DAY_MS;
        let mut next_caller = self.h.now.mono_ms + CALLER_EVERY_MS;
        let ttl = creds_ttl_s.unwrap_or(3600);
        loop {
            self.steps += 1;
            assert!(
                self.steps < MAX_STEPS,
                "no end in sight: {} refreshes, {} credential fetches by virtual time {} s",
                self.refreshes,
                self.credential_fetches,
                (self.h.now.mono_ms - 1_000) / 1000
            );
            let next_timer = self.h.timers.iter().min_by_key(|(_, at)| **at);
            match next_timer {
                Some((timer, at)) if *at <= next_caller && *at <= end => {
                    let timer = *timer;
                    self.h.fire(timer);
                    self.serve(ttl);
                }
                _ if next_caller <= end => {
                    let d = next_caller - self.h.now.mono_ms;
                    self.h.advance_ms(d);
                    next_caller += CALLER_EVERY_MS;
                    self.ask_for_tokens(ttl);
                    if creds_ttl_s.is_some() {
                        self.ask_for_credentials(ttl);
                    }
                }
                _ => break,
            }
        }
        assert!(self.tokens_handed_out > 0);
    }
}

/// Refreshes a day of 5-minute tokens or credentials: one per lifetime less the skew (a tenth
/// of it, 30 s), 86400 / 270 = 320, and never fewer than one per lifetime (288).
const FIVE_MINUTE_DAY: std::ops::RangeInclusive<u32> = 288..=330;

fn five_minute_day(local_ahead_s: i64) -> u32 {
    let mut w = World::signed_in(config_user_pool(), local_ahead_s, 300);
    w.run_day(None);
    w.refreshes
}

#[test]
fn five_minute_tokens_refresh_about_every_five_minutes_for_a_day() {
    let n = five_minute_day(0);
    assert!(FIVE_MINUTE_DAY.contains(&n), "{n} refreshes in a day");
}

#[test]
fn five_minute_tokens_with_the_local_clock_two_hours_ahead() {
    let n = five_minute_day(2 * 3600);
    assert!(FIVE_MINUTE_DAY.contains(&n), "{n} refreshes in a day");
}

#[test]
fn five_minute_tokens_with_the_local_clock_two_hours_behind() {
    let n = five_minute_day(-2 * 3600);
    assert!(FIVE_MINUTE_DAY.contains(&n), "{n} refreshes in a day");
}

#[test]
fn one_day_tokens_refresh_a_handful_of_times_a_day() {
    for ahead in [0, 2 * 3600, -2 * 3600] {
        let mut w = World::signed_in(config_user_pool(), ahead, 24 * 3600);
        w.run_day(None);
        assert!(
            (1..=3).contains(&w.refreshes),
            "{} refreshes in a day, local clock {ahead} s ahead",
            w.refreshes
        );
    }
}

#[test]
fn one_hour_tokens_still_refresh_five_minutes_ahead() {
    let mut w = World::signed_in(config_user_pool(), 0, 3600);
    let due = w.h.timers[&TimerKind::TokensDue];
    assert_eq!(due, w.h.now.mono_ms + (3600 - 300) * 1000);
    w.run_day(None);
    assert!((24..=26).contains(&w.refreshes), "{}", w.refreshes);
}

#[test]
fn short_lived_credentials_refresh_about_once_a_lifetime() {
    for ahead in [0, 2 * 3600, -2 * 3600] {
        let mut w = World::signed_in(config_full(), ahead, 3600);
        w.run_day(Some(300));
        assert!(
            FIVE_MINUTE_DAY.contains(&w.credential_fetches),
            "{} credential fetches in a day, local clock {ahead} s ahead",
            w.credential_fetches
        );
    }
}

#[test]
fn one_hour_credentials_with_the_clock_off_refresh_once_an_hour() {
    for ahead in [0, 2 * 3600, -2 * 3600] {
        let mut w = World::signed_in(config_full(), ahead, 3600);
        w.run_day(Some(3600));
        assert!(
            (24..=27).contains(&w.credential_fetches),
            "{} credential fetches in a day, local clock {ahead} s ahead",
            w.credential_fetches
        );
    }
}

#[test]
fn tokens_that_arrive_already_due_are_refreshed_no_more_often_than_the_floor() {
    let mut w = World::signed_in(config_user_pool(), 0, 3600);
    w.h.now.unix_ms += 2 * 3600 * 1000;
    w.local_ahead_s = 2 * 3600;
    let mut background = 0;
    let end = w.h.timers[&TimerKind::TokensDue] + 10 * 60 * 1000 - 1;
    while w
        .h
        .timers
        .get(&TimerKind::TokensDue)
        .is_some_and(|at| *at <= end)
    {
        background += 1;
        assert!(background < 100, "the refresh timer loops");
        w.h.fire(TimerKind::TokensDue);
        let (id, _) = w.h.take_user_pool("InitiateAuth");
        // Tokens without `iat` (no drift to measure) while the local clock runs two hours
        // ahead: they look expired the moment they arrive.
        let now = w.service_now_s();
        w.h.complete(id, tokens_response(auth_result("ann", now, 3600, 2)));
        let due = w.h.timers[&TimerKind::TokensDue];
        assert_eq!(due, w.h.now.mono_ms + 30_000, "re-armed at the 30 s floor");
    }
    assert!(
        (19..=21).contains(&background),
        "{background} refreshes in 10 minutes"
    );
}

#[test]
fn the_measured_drift_survives_a_restart() {
    let w = World::signed_in(config_user_pool(), 2 * 3600, 300);
    let mut stored = w.h.persisted.clone().unwrap();
    assert_eq!(stored.tokens.as_ref().unwrap().clock_drift_s, 2 * 3600);
    // Stored tokens issued a minute before the restart on the service's clock, which runs two
    // hours behind the local one: 240 s left, not expired two hours ago.
    let local_s = T0_UNIX_MS / 1000;
    let iat = local_s - 2 * 3600 - 60;
    let tokens = stored.tokens.take().unwrap();
    stored.tokens = Some(Tokens {
        issued_at_s: Some(iat),
        expires_at_s: iat + 300,
        ..tokens
    });
    let mut h = Harness::new(config_user_pool(), Some(stored));
    assert_eq!(h.m.state().label(), "signed in");
    assert!(
        h.effects.is_empty(),
        "no refresh on restore: {:?}",
        h.effects
    );
    assert_eq!(
        h.timers[&TimerKind::TokensDue],
        h.now.mono_ms + (240 - 30) * 1000
    );
    let op = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    assert!(matches!(h.reply(op), Some(Ok(Answer::Tokens(_)))));
}

/// The simulator's seed 23: the device clock goes back hours while the process is down. The
/// stored tokens (1-hour, drift 0) expired an hour ago on the service's clock, but the wall
/// clock now reads 2 h before their `iat`, so by wall clock and drift they would have 3 h left.
/// A local time before `iat` (adjusted by the drift) proves the clock went back: the remaining
/// life is unknown, so the tokens are refreshed before any is handed out, and the drift is
/// measured again from the fresh ones.
#[test]
fn a_restore_with_the_clock_behind_the_tokens_iat_refreshes_before_handing_out() {
    let w = World::signed_in(config_user_pool(), 0, 3600);
    let stored = w.h.persisted.clone().unwrap();
    assert_eq!(stored.tokens.as_ref().unwrap().clock_drift_s, 0);
    // Two hours later on the service's clock; the device clock is 4 h behind it, and the
    // monotonic clock starts again.
    let back_s = 4 * 3600;
    let now = Timestamp::new(1_000, T0_UNIX_MS + (2 * 3600 - back_s) * 1000);
    let mut w = World {
        h: Harness::new_at(config_user_pool(), Some(stored), now),
        local_ahead_s: -back_s,
        ttl_s: 3600,
        serial: 1,
        refreshes: 0,
        credential_fetches: 0,
        tokens_handed_out: 0,
        steps: 0,
    };
    assert_eq!(w.h.m.state().label(), "signed in (refreshing tokens)");
    w.ask_for_tokens(3600);
    assert_eq!(
        w.refreshes, 1,
        "one refresh before the tokens are handed out"
    );
    let stored = w.h.persisted.clone().unwrap();
    assert_eq!(stored.tokens.as_ref().unwrap().clock_drift_s, -back_s);
    w.ask_for_tokens(3600);
    assert_eq!(w.refreshes, 1, "the fresh tokens are not refreshed again");
    w.run_day(None);
    assert!((24..=27).contains(&w.refreshes), "{}", w.refreshes);
}

/// The tolerance of the backward-clock check on restore (`session::CLOCK_BACK_TOLERANCE_S`): a
/// restart right after the tokens arrived, with the wall clock a little behind their `iat`
/// (drift measured across a round trip, in whole seconds), trusts them; a minute and a half
/// behind, it refreshes first.
#[test]
fn a_restore_a_little_behind_the_tokens_iat_keeps_them() {
    let w = World::signed_in(config_user_pool(), 0, 3600);
    let stored = w.h.persisted.clone().unwrap();
    let iat = stored.tokens.as_ref().unwrap().issued_at_s.unwrap();
    assert_eq!(iat, T0_UNIX_MS / 1000);
    let behind = |s: i64| Timestamp::new(1_000, (iat - s) * 1000);
    let mut h = Harness::new_at(config_user_pool(), Some(stored.clone()), behind(30));
    assert_eq!(h.m.state().label(), "signed in");
    assert!(h.effects.is_empty(), "no refresh: {:?}", h.effects);
    let op = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    assert!(matches!(h.reply(op), Some(Ok(Answer::Tokens(_)))));
    let h = Harness::new_at(config_user_pool(), Some(stored), behind(90));
    assert_eq!(h.m.state().label(), "signed in (refreshing tokens)");
}

impl World {
    /// The device's wall clock jumps by `by_s` (negative: backwards); the monotonic clock and the
    /// service's clock do not move.
    fn wall_clock_jumps(&mut self, by_s: i64) {
        self.h.now.unix_ms += by_s * 1000;
        self.local_ahead_s += by_s;
    }
}

/// The simulator's seed 19: 5-minute tokens whose refresh has not happened (the timer has not
/// fired), the wall clock jumps back, and the app asks for tokens 43 s after they expired on the
/// service's clock. Expiry is judged by the monotonic time since the tokens arrived.
#[test]
fn a_backward_wall_clock_jump_hands_out_no_expired_token() {
    for back_s in [25 * 60, 2 * 3600] {
        let mut w = World::signed_in(config_user_pool(), 0, 300);
        w.h.advance_ms(200_000);
        w.wall_clock_jumps(-back_s);
        w.h.advance_ms(143_000);
        w.ask_for_tokens(3600);
        assert_eq!(
            w.refreshes, 1,
            "jump back {back_s} s: the expired tokens refreshed"
        );
        // The schedule after the jump neither loops nor stalls.
        w.run_day(None);
        assert!(
            FIVE_MINUTE_DAY.contains(&(w.refreshes - 1)),
            "jump back {back_s} s: {} refreshes in a day",
            w.refreshes - 1
        );
    }
}

#[test]
fn a_backward_wall_clock_jump_does_not_delay_the_refresh_timer() {
    let mut w = World::signed_in(config_user_pool(), 0, 300);
    let due = w.h.timers[&TimerKind::TokensDue];
    w.h.advance_ms(60_000);
    w.wall_clock_jumps(-25 * 60);
    // A call re-checks freshness; the timer stays where the arrival put it.
    w.ask_for_tokens(3600);
    assert_eq!(w.refreshes, 0);
    assert_eq!(w.h.timers[&TimerKind::TokensDue], due);
}

/// A wall clock ahead is believed (it may be a device waking from sleep, when the monotonic
/// clock stood still): one refresh, which measures the new drift, and no loop after it.
#[test]
fn a_forward_wall_clock_jump_refreshes_once_and_does_not_loop() {
    let mut w = World::signed_in(config_user_pool(), 0, 3600);
    w.h.advance_ms(600_000);
    w.wall_clock_jumps(2 * 3600);
    w.ask_for_tokens(3600);
    assert_eq!(w.refreshes, 1);
    w.ask_for_tokens(3600);
    assert_eq!(w.refreshes, 1, "the new tokens are fresh");
    w.run_day(None);
    assert!((25..=27).contains(&w.refreshes), "{}", w.refreshes);
}

/// The simulator's seed 100 (backward jumps on): credentials carry no issue time and were judged
/// on the wall clock less the drift, so a wall clock set back after the drift was measured made
/// cached credentials look hours younger. The service's clock is now carried forward on the
/// monotonic clock from when the drift was measured, as the tokens' is.
#[test]
fn a_backward_wall_clock_jump_hands_out_no_expired_credentials() {
    // Day-long tokens, so no refresh measures the drift again; hour-long credentials.
    let mut w = World::signed_in(config_full(), 0, 86_400);
    w.ask_for_credentials(3600);
    assert_eq!(w.credential_fetches, 1);
    w.wall_clock_jumps(-2 * 3600);
    // A fetch after the jump is due 55 minutes on, not 2 h 55 min.
    let op = w.h.call(ApiCall::FetchCredentials {
        force_refresh: true,
    });
    w.serve(3600);
    assert!(matches!(
        w.h.reply(op),
        Some(Ok(Answer::Credentials { .. }))
    ));
    assert_eq!(w.credential_fetches, 2);
    assert_eq!(
        w.h.timers[&TimerKind::CredentialsDue],
        w.h.now.mono_ms + (3600 - 300) * 1000
    );
    // An hour and five minutes later (the timer not yet run: a suspended app), the cached
    // credentials have expired on the service's clock: the app gets new ones.
    w.h.advance_ms(65 * 60 * 1000);
    w.ask_for_credentials(3600);
    assert_eq!(w.credential_fetches, 3);
}

#[test]
fn tokens_are_handed_out_until_the_refresh_instant_and_refreshed_from_it() {
    // One-hour tokens with `iat`, no drift: the refresh instant is `exp - 300 s`.
    let mut w = World::signed_in(config_user_pool(), 0, 3600);
    w.h.advance_ms((3600 - 300 - 1) * 1000);
    let op = w.h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    assert!(matches!(w.h.reply(op), Some(Ok(Answer::Tokens(_)))));
    assert!(w.h.effects.is_empty(), "a second before it: still fresh");
    w.h.advance_ms(1000);
    let op = w.h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    assert_eq!(w.h.reply(op), None, "the caller waits for the refresh");
    let (_, req) = w.h.take_user_pool("InitiateAuth");
    assert!(matches!(
        &req,
        cognito::UserPoolRequest::RefreshTokenAuth { .. }
    ));
}

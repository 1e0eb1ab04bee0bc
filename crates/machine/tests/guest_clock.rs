//! Guest credentials with the device clock hours off (issue 13, the simulator's seed 227). A
//! guest has no tokens, so no drift measured against their `iat`: identity-pool credentials are
//! judged on the service's clock their own answer tells (its HTTP `Date`, carried as
//! `service_time_s`), on their own steady clock from their arrival.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognito_auth_machine::cognito::{IdentityRequest, IdentityResponse};
use cognito_auth_machine::session::{CredentialsClock, IdentityState};
use cognito_auth_machine::*;
use common::*;

const GUEST: &str = "us-east-1:guest";
const HOUR_S: i64 = 3600;

/// A guest whose device clock reads `local_ahead_s` ahead of the service's (negative: behind),
/// served by an identity pool handing out hour-long credentials.
struct Guest {
    h: Harness,
    local_ahead_s: i64,
    /// Whether answers carry the service's time (`Date`).
    dated: bool,
    fetches: u32,
}

impl Guest {
    fn new(local_ahead_s: i64, dated: bool) -> Self {
        let now = Timestamp::new(1_000, T0_UNIX_MS + local_ahead_s * 1000);
        Self::with(
            Harness::new_at(config_full(), None, now),
            local_ahead_s,
            dated,
        )
    }

    fn with(h: Harness, local_ahead_s: i64, dated: bool) -> Self {
        Self {
            h,
            local_ahead_s,
            dated,
            fetches: 0,
        }
    }

    fn service_now_s(&self) -> i64 {
        self.h.now_s() - self.local_ahead_s
    }

    /// Answers the identity requests outstanding (GetId, then GetCredentialsForIdentity).
    fn serve(&mut self) {
        while let Some(i) = self
            .h
            .effects
            .iter()
            .position(|(_, e)| matches!(e, Effect::Identity { .. }))
        {
            let (id, effect) = self.h.effects.remove(i);
            let Effect::Identity { request } = effect else {
                unreachable!()
            };
            let result = match request {
                IdentityRequest::GetId { .. } => {
                    EffectResult::Identity(Ok(IdentityResponse::IdentityId {
                        identity_id: GUEST.into(),
                    }))
                }
                _ => {
                    self.fetches += 1;
                    let t = self.service_now_s();
                    credentials_dated(GUEST, t + HOUR_S, self.dated.then_some(t))
                }
            };
            self.h.complete(id, result);
        }
    }

    /// Asks for credentials, serves what that asks for, and checks the answer is unexpired on
    /// the service's clock.
    fn ask(&mut self) {
        let op = self.h.call(ApiCall::FetchCredentials {
            force_refresh: false,
        });
        self.serve();
        match self.h.reply(op) {
            Some(Ok(Answer::Credentials { credentials, .. })) => assert!(
                credentials.expiration_s > self.service_now_s(),
                "handed out credentials that expired {} s ago (device clock {} s ahead)",
                self.service_now_s() - credentials.expiration_s,
                self.local_ahead_s
            ),
            other => panic!("expected credentials, got {other:?}"),
        }
    }

    /// A day of the app asking every ten minutes, with the refresh timer firing when due.
    fn run_day(&mut self) {
        let end = self.h.now.mono_ms + 86_400_000;
        while self.h.now.mono_ms < end {
            let next_ask = self.h.now.mono_ms + 600_000;
            match self.h.timers.get(&TimerKind::CredentialsDue).copied() {
                Some(at) if at <= next_ask => {
                    self.h.fire(TimerKind::CredentialsDue);
                    self.serve();
                }
                _ => {
                    self.h.advance_ms(next_ask - self.h.now.mono_ms);
                    self.ask();
                }
            }
        }
    }
}

/// Hour-long credentials refresh 300 s ahead: 24 h / 55 min, whatever the device clock says.
const ONE_HOUR_DAY: std::ops::RangeInclusive<u32> = 25..=28;

#[test]
fn a_guest_with_the_clock_two_hours_ahead_is_neither_refreshed_in_a_loop_nor_handed_expired_ones() {
    let mut g = Guest::new(2 * HOUR_S, true);
    g.ask();
    assert_eq!(g.fetches, 1);
    // On their own clock the credentials live an hour: due 55 minutes on, not at once.
    assert_eq!(
        g.h.timers[&TimerKind::CredentialsDue],
        g.h.now.mono_ms + (HOUR_S as u64 - 300) * 1000
    );
    g.h.advance_ms(30 * 60 * 1000);
    g.ask();
    assert_eq!(g.fetches, 1, "cached, not refetched on every call");
    g.run_day();
    assert!(
        ONE_HOUR_DAY.contains(&(g.fetches - 1)),
        "{} fetches in a day",
        g.fetches - 1
    );
}

#[test]
fn a_guest_with_the_clock_two_hours_behind_is_never_handed_expired_credentials() {
    let mut g = Guest::new(-2 * HOUR_S, true);
    g.ask();
    assert_eq!(
        g.h.timers[&TimerKind::CredentialsDue],
        g.h.now.mono_ms + (HOUR_S as u64 - 300) * 1000
    );
    // The timer has not run (a suspended app): 65 minutes on, the credentials have expired on
    // the service's clock though the device clock makes them look two hours younger.
    g.h.advance_ms(65 * 60 * 1000);
    g.ask();
    assert_eq!(g.fetches, 2);
    g.run_day();
    assert!(
        ONE_HOUR_DAY.contains(&(g.fetches - 2)),
        "{} fetches in a day",
        g.fetches - 2
    );
}

/// Answers without a `Date` (an old event log, a proxy that strips it) keep the estimate from
/// the device clock: with it two hours ahead, each call then fetches again (what the `Date`
/// fixes), but nothing expired is handed out.
#[test]
fn without_the_service_time_the_device_clock_is_the_estimate() {
    let mut g = Guest::new(2 * HOUR_S, false);
    g.ask();
    g.ask();
    assert_eq!(g.fetches, 2, "they look expired on the device clock");
    assert!(g
        .h
        .persisted
        .as_ref()
        .unwrap()
        .identity
        .credentials_clock
        .is_none());
}

/// The service's clock is persisted with the credentials and judges them after a restart.
#[test]
fn restored_guest_credentials_keep_their_clock() {
    let mut g = Guest::new(2 * HOUR_S, true);
    g.ask();
    let stored = g.h.persisted.clone().unwrap();
    let clock = stored.identity.credentials_clock.unwrap();
    assert_eq!(clock.clock_drift_s, 2 * HOUR_S);
    // Restarted 10 minutes later (a new monotonic origin): the credentials are served.
    let now = Timestamp::new(5, g.h.now.unix_ms + 600_000);
    let mut r = Guest::with(
        Harness::new_at(config_full(), Some(stored.clone()), now),
        2 * HOUR_S,
        true,
    );
    r.ask();
    assert_eq!(r.fetches, 0, "served from the store");
    // Restarted an hour and 10 minutes later: expired on their own clock, fetched again.
    let now = Timestamp::new(5, g.h.now.unix_ms + 70 * 60_000);
    let mut r = Guest::with(
        Harness::new_at(config_full(), Some(stored), now),
        2 * HOUR_S,
        true,
    );
    r.ask();
    assert_eq!(r.fetches, 1);
}

/// A restore whose wall clock reads before the credentials' `Date` (less the drift and the
/// tolerance) proves the clock went back while the process was down: they are fetched again
/// before any is handed out, as tokens are.
#[test]
fn a_restore_with_the_clock_gone_back_refetches_guest_credentials() {
    let mut g = Guest::new(0, true);
    g.ask();
    let stored = g.h.persisted.clone().unwrap();
    // Restarted a minute later (on the service's clock) with the device clock set back three
    // hours meanwhile.
    let now = Timestamp::new(5, g.h.now.unix_ms + 60_000 - 3 * HOUR_S * 1000);
    let mut r = Guest::with(
        Harness::new_at(config_full(), Some(stored), now),
        -3 * HOUR_S,
        true,
    );
    r.ask();
    assert_eq!(r.fetches, 1, "due after a clock that went back");
}

/// Sessions and event logs written before the field existed decode (it is absent), and those
/// without a service time do not grow one.
#[test]
fn the_service_time_is_optional_on_the_wire_and_in_the_store() {
    let v = serde_json::json!({
        "shape": "Credentials",
        "identity_id": GUEST,
        "credentials": {
            "access_key_id": "AKID", "secret_access_key": "s", "session_token": "t",
            "expiration_s": 1_700_003_600
        }
    });
    let r: IdentityResponse = serde_json::from_value(v.clone()).unwrap();
    assert!(matches!(
        &r,
        IdentityResponse::Credentials {
            service_time_s: None,
            ..
        }
    ));
    let back = secret::expose_secrets_while(|| serde_json::to_value(&r).unwrap());
    assert_eq!(back, v, "no `service_time_s: null` written");
    let s: IdentityState =
        serde_json::from_value(serde_json::json!({ "identity_id": GUEST, "credentials": null }))
            .unwrap();
    assert_eq!(s.credentials_clock, None);
    let dated = IdentityState {
        credentials_clock: Some(CredentialsClock {
            service_time_s: 1_700_000_000,
            clock_drift_s: -7200,
        }),
        ..s
    };
    let json = serde_json::to_value(&dated).unwrap();
    assert_eq!(
        serde_json::from_value::<IdentityState>(json).unwrap(),
        dated
    );
}

fn refused_id_token() -> EffectResult {
    EffectResult::Identity(Err(cognito::ServiceError::service(
        "NotAuthorizedException",
        "Invalid login token. Token expired.",
    )))
}

/// A signed-in user's credentials fetch up to GetCredentialsForIdentity.
fn credentials_fetch(h: &mut Harness) -> (OperationId, EffectId) {
    let op = h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    });
    let (id, _) = h.take_identity("GetId");
    h.complete(
        id,
        EffectResult::Identity(Ok(IdentityResponse::IdentityId {
            identity_id: "us-east-1:ann".into(),
        })),
    );
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    (op, id)
}

/// The simulator's seed 5071: a backward clock jump before a restart left restored tokens
/// looking hours younger than they were; the identity pool refused their expired id token on
/// every call while the machine held them fresh. A refusal of tokens held fresh now refreshes
/// them once, and the caller gets credentials with the new id token.
#[test]
fn an_id_token_the_identity_pool_refuses_is_refreshed_once_and_the_caller_served() {
    let mut h = Harness::signed_in(config_full(), "ann");
    let (op, id) = credentials_fetch(&mut h);
    h.complete(id, refused_id_token());
    assert!(h.reply(op).is_none(), "the caller waits for the refresh");
    let (id, _) = h.take_user_pool("InitiateAuth");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("ann", now, 3600, 2)));
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    h.complete(
        id,
        credentials_dated("us-east-1:ann", now + HOUR_S, Some(now)),
    );
    assert!(matches!(h.reply(op), Some(Ok(Answer::Credentials { .. }))));
}

/// A pool that refuses every id token gets one refresh, then the caller gets the refusal: no
/// refresh loop.
#[test]
fn an_identity_pool_refusing_every_id_token_costs_one_refresh_not_a_loop() {
    let mut h = Harness::signed_in(config_full(), "ann");
    let (op, id) = credentials_fetch(&mut h);
    h.complete(id, refused_id_token());
    let (id, _) = h.take_user_pool("InitiateAuth");
    let now = h.now_s();
    h.complete(id, tokens_response(auth_result("ann", now, 3600, 2)));
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    h.complete(id, refused_id_token());
    assert!(matches!(h.reply(op), Some(Err(_))), "{:?}", h.reply(op));
    // The next caller is refused without another refresh.
    let op = h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    });
    let (id, _) = h.take_identity("GetCredentialsForIdentity");
    h.complete(id, refused_id_token());
    assert!(matches!(h.reply(op), Some(Err(_))));
    assert!(
        !h.effects
            .iter()
            .any(|(_, e)| matches!(e, Effect::UserPool { .. })),
        "no second refresh: {:?}",
        h.effects
    );
}

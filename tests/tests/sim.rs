//! The seeded whole-stack simulator (`cognito_auth_tests::sim`): the machine paired with the
//! emulator's core under a virtual clock, with faults, clock jumps and crashes drawn from each
//! seed, and invariants checked after every step (`docs/SIMULATOR.md`).
//!
//! Budget: `SIM_SEEDS` seeds (default [`CI_SEEDS`]) from `SIM_FIRST_SEED` (default 0), spread
//! over the available cores, each with the default [`Budget`]. `SEED=<n>` runs that one seed
//! and prints its trace when it fails.
#![allow(clippy::panic, clippy::unwrap_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use cognito_auth_tests::sim::{self, Budget};

/// Seeds CI runs: tens of thousands, as issue 13 asks, which takes several minutes in the
/// test profile on a two-core runner; see docs/SIMULATOR.md for the measured rate.
const CI_SEEDS: u64 = 20_000;

/// The budget, with `SIM_BACKWARD_JUMPS=0` keeping the device clock from jumping backwards and
/// `SIM_STRICT_GUEST_CREDENTIALS=0` giving guest credentials the slack of the device clock.
fn budget() -> Budget {
    Budget {
        backward_jumps: std::env::var("SIM_BACKWARD_JUMPS").as_deref() != Ok("0"),
        strict_guest_credentials: std::env::var("SIM_STRICT_GUEST_CREDENTIALS").as_deref()
            != Ok("0"),
        ..Budget::default()
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, got {v:?}"))
    })
}

#[test]
fn simulated_sessions_keep_every_invariant() {
    if let Some(seed) = env_u64("SEED") {
        if let Err(failure) = sim::run(seed, budget()) {
            panic!("{failure}");
        }
        return;
    }
    let first = env_u64("SIM_FIRST_SEED").unwrap_or(0);
    let seeds = env_u64("SIM_SEEDS").unwrap_or(CI_SEEDS);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let next = AtomicU64::new(first);
    let failures = Mutex::new(Vec::new());
    let total = Mutex::new(sim::Summary::default());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= first + seeds || !failures.lock().unwrap().is_empty() {
                    break;
                }
                match sim::run(seed, budget()) {
                    Ok(s) => total.lock().unwrap().add(&s),
                    Err(f) => failures.lock().unwrap().push(f),
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "simulator: {seeds} seeds from {first} on {threads} threads in {elapsed:.1} s \
         ({:.0} seeds/s)",
        seeds as f64 / elapsed
    );
    eprintln!("simulator: {:?}", total.into_inner().unwrap());
    let mut failures = failures.into_inner().unwrap();
    failures.sort_by_key(|f| f.seed);
    if let Some(f) = failures.first() {
        panic!("{f}");
    }
}

#[test]
fn a_seed_replays_exactly() {
    for seed in [1, 2, 3] {
        let a = sim::run(seed, budget()).map_err(|f| f.to_string());
        let b = sim::run(seed, budget()).map_err(|f| f.to_string());
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "seed {seed}");
    }
}

/// Every dimension the simulator draws is exercised within a few seeds, so a budget that
/// passes has driven each of them.
#[test]
fn the_seeds_exercise_every_dimension() {
    let mut total = sim::Summary::default();
    for seed in 0..60 {
        let s = sim::run(seed, budget()).unwrap_or_else(|f| panic!("{f}"));
        total.add(&s);
    }
    eprintln!("{total:?}");
    assert!(total.tokens_answered > 0, "{total:?}");
    assert!(total.refreshes > 0, "{total:?}");
    assert!(
        total.rotations > 0,
        "no refresh token was rotated: {total:?}"
    );
    assert!(total.mfa_challenges > 0, "no MFA challenge: {total:?}");
    assert!(
        total.mfa_answered > 0,
        "no sign-in completed by an MFA answer: {total:?}"
    );
    assert!(total.mfa_mismatches > 0, "no wrong MFA code: {total:?}");
    assert!(
        total.mfa_late > 0,
        "no MFA answer after the session expired: {total:?}"
    );
    assert!(
        total.mfa_skipped > 0,
        "no remembered device skipped MFA: {total:?}"
    );
}

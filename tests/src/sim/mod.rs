//! A seeded whole-stack simulator: the real [`cognito_auth::machine::Machine`] paired with the
//! emulator's sans-IO core under a virtual clock, after quinn-proto's test `Pair` and
//! TigerBeetle's VOPR. Every choice (the app's calls, the pool's settings, latency, 5xx,
//! throttling, timeouts, lost responses, offline spells, the device clock's drift and jumps,
//! crashes and restores from the stored session) is drawn from one seed, so a failing seed
//! replays exactly. `docs/SIMULATOR.md` describes the invariants and how to run it.

mod app;
pub mod check;
pub mod disk;
pub mod mfa;
pub mod rng;
pub mod rotation;
pub mod setup;
pub mod wire;
pub mod world;

use std::fmt;

use cognito_auth::machine::{ApiCall, OperationId, UserState};
use cognito_auth_emulator::UnixMillis;

use self::check::Checker;
use self::rng::Rng;
use self::rotation::Rotations;
use self::setup::PoolSettings;
use self::world::{Faults, World};

/// How long one run is.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// App actions in the fault phase.
    pub steps: u32,
    /// Let the device clock jump backwards as well as forwards (half of the jumps). On by
    /// default; off (`SIM_BACKWARD_JUMPS=0`) only to tell a finding from the backward jumps
    /// apart from others (docs/SIMULATOR.md, "Findings"; seeds 19 and 23).
    pub backward_jumps: bool,
    /// Hold a guest's credentials to the service's clock. On by default: the machine judges
    /// credentials on the service's time their answer's `Date` carries (docs/SIMULATOR.md,
    /// "Findings"; seeds 697 and 227). Off (`SIM_STRICT_GUEST_CREDENTIALS=0`) gives them the
    /// slack of a device clock judged on its own.
    pub strict_guest_credentials: bool,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            steps: 60,
            backward_jumps: true,
            strict_guest_credentials: true,
        }
    }
}

/// What a passing run did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Virtual time the run covered, ms.
    pub virtual_ms: u64,
    /// Tokens handed to the app.
    pub tokens_answered: u64,
    /// Successful refreshes.
    pub refreshes: u64,
    /// Refresh tokens the service replaced (rotation on).
    pub rotations: u64,
    /// AWS credentials handed to the app.
    pub credentials_answered: u64,
    /// Session saves that failed.
    pub failed_saves: u64,
    /// MFA challenges the machine reported to the app.
    pub mfa_challenges: u64,
    /// Sign-ins completed by a correct MFA answer.
    pub mfa_answered: u64,
    /// Sign-ins of a user with a factor that a remembered device let skip MFA.
    pub mfa_skipped: u64,
    /// MFA answers refused with `CodeMismatch`.
    pub mfa_mismatches: u64,
    /// Correct MFA answers sent after the sign-in session expired.
    pub mfa_late: u64,
}

impl Summary {
    /// Adds another run's counts.
    pub fn add(&mut self, other: &Summary) {
        self.virtual_ms += other.virtual_ms;
        self.tokens_answered += other.tokens_answered;
        self.refreshes += other.refreshes;
        self.rotations += other.rotations;
        self.credentials_answered += other.credentials_answered;
        self.failed_saves += other.failed_saves;
        self.mfa_challenges += other.mfa_challenges;
        self.mfa_answered += other.mfa_answered;
        self.mfa_skipped += other.mfa_skipped;
        self.mfa_mismatches += other.mfa_mismatches;
        self.mfa_late += other.mfa_late;
    }
}

/// A violated invariant, with what led to it.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The seed that found it.
    pub seed: u64,
    /// What was violated.
    pub message: String,
    /// The pool settings of the run.
    pub settings: String,
    /// The last inputs and outputs before it.
    pub trace: Vec<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "simulator seed {}: {}", self.seed, self.message)?;
        writeln!(f, "settings: {}", self.settings)?;
        writeln!(f, "last events (virtual monotonic ms):")?;
        for line in &self.trace {
            writeln!(f, "  {line}")?;
        }
        write!(
            f,
            "reproduce with SEED={} cargo test -p cognito-auth-tests --test sim",
            self.seed
        )
    }
}

/// Mixed into the seed for the MFA stream.
const MFA_STREAM: u64 = 0x4d46_415f_5349_4d00;

/// The true time every run starts at (2027-01-15).
const START_UNIX_MS: u64 = 1_800_000_000_000;

/// Runs seed `seed`: a fault phase of `budget.steps` app actions, then the liveness phase.
///
/// # Errors
/// The first violated invariant, with a trace and the line that reproduces it.
pub fn run(seed: u64, budget: Budget) -> Result<Summary, Box<Failure>> {
    let mut rng = Rng::new(seed);
    let mut settings = PoolSettings::draw(&mut rng);
    // MFA draws from its own stream, so runs without it replay as they did before it existed.
    let mut mfa_rng = Rng::new(seed ^ MFA_STREAM);
    if settings.mfa_optional && mfa_rng.chance(800) {
        settings.mfa = Some(mfa::MfaSettings::draw(&mut mfa_rng));
    }
    let fail = |message: String, trace: Vec<String>| {
        Box::new(Failure {
            seed,
            message,
            settings: format!("{settings:?}"),
            trace,
        })
    };
    let backend = setup::backend(&settings, rng.next_u64(), UnixMillis(START_UNIX_MS))
        .map_err(|e| fail(e, Vec::new()))?;
    let config = setup::machine_config(&settings, &backend).map_err(|e| fail(e, Vec::new()))?;
    let mut mfa_app = mfa::MfaApp::new(settings.mfa.is_some(), mfa_rng, backend.totp_key.clone());
    let faults = Faults::draw(&mut rng);
    // The drift estimate may be off by the latency of the answer that carried the tokens, the
    // second `iat` is rounded to, and what the device clock drifted since.
    let lifetime_ms = settings.token_lifetime_s * 1000;
    let tolerance_ms = faults.max_latency_ms + 2_000 + lifetime_ms / 5_000;
    let check = Checker::new(lifetime_ms, tolerance_ms);
    let mut world = World::new(
        rng,
        backend.emu,
        backend.pool_id,
        backend.client_id,
        config,
        START_UNIX_MS,
        check,
    );
    world.faults = faults;
    world.rotations = Rotations::new(settings.rotation_grace_s);
    world.strict_guest_credentials = budget.strict_guest_credentials;
    world.check.mfa.challenges = settings.mfa.is_some_and(|m| m.challenges());
    world.check.mfa.device_may_skip = settings.device_tracking;
    world.drift_ppm = world.rng.range(0, 200) as i64 - 100;
    if world.rng.chance(300) {
        world.offset_ms = hours_ms(&mut world.rng);
    }
    let start = world.mono_ms;
    app::sign_in(&mut world);
    for _ in 0..budget.steps {
        app::step(&mut world, budget);
        mfa_app.act(&mut world);
        world.check_stored_refresh_token();
        if world.check.failed() {
            break;
        }
    }
    if !world.check.failed() {
        liveness(&mut world, &mut mfa_app);
    }
    if let Some(message) = world.check.failure() {
        return Err(fail(
            message.to_owned(),
            world.check.trace_lines().cloned().collect(),
        ));
    }
    Ok(Summary {
        virtual_ms: world.mono_ms - start,
        tokens_answered: world.check.tokens_answered,
        refreshes: world.check.refreshes,
        rotations: world.rotations.count(),
        credentials_answered: world.check.credentials_answered,
        failed_saves: world.check.failed_saves,
        mfa_challenges: world.check.mfa.challenges_seen,
        mfa_answered: world.check.mfa.answered_sign_ins,
        mfa_skipped: world.check.mfa.skipped,
        mfa_mismatches: world.check.mfa.mismatches,
        mfa_late: world.check.mfa.late_answers,
    })
}

/// A clock offset of minutes to hours, either way.
fn hours_ms(rng: &mut Rng) -> i64 {
    let ms = rng.range(60_000, 6 * 3_600_000) as i64;
    if rng.chance(500) {
        ms
    } else {
        -ms
    }
}

/// Virtual time within which a signed-in session must reach fresh tokens once faults stop:
/// the longest retry backoff, a request timeout and the re-arm floor, with room to spare.
const LIVENESS_BOUND_MS: u64 = 5 * 60_000;

/// Faults stop; the app answers a waiting MFA challenge; every call gets its answer, and a session with a valid refresh token reaches
/// fresh tokens within [`LIVENESS_BOUND_MS`].
fn liveness(world: &mut World, mfa_app: &mut mfa::MfaApp) {
    world.faults.on = false;
    world.connectivity(true);
    // A sign-in waiting for the app's MFA answer holds credential callers until it ends.
    mfa_app.finish(world);
    if world.check.failed() {
        return;
    }
    let signed_in = world.machine.user_state() == UserState::SignedIn;
    // The app asks for tokens, and asks again when an answer is an error (a refresh that was
    // already failing when the faults stopped answers its waiters with its error).
    let tokens = ApiCall::FetchTokens {
        force_refresh: false,
    };
    let got_tokens = keep_asking(world, &tokens, Checker::tokens_ok);
    if world.check.failed() {
        return;
    }
    if signed_in && !world.check.session_may_end() && !got_tokens {
        world.check.fail(format!(
            "no fresh tokens within {} s of faults stopping; the machine is in {}",
            LIVENESS_BOUND_MS / 1000,
            state_name(world)
        ));
        return;
    }
    // With an identity pool, a signed-in user (or a guest, where the pool allows guests)
    // reaches credentials too.
    if let Some(pool) = world.config.identity_pool.clone() {
        let state = world.machine.user_state();
        let entitled = state == UserState::SignedIn
            || (pool.allow_guest && matches!(state, UserState::SignedOut | UserState::Guest));
        let credentials = ApiCall::FetchCredentials {
            force_refresh: false,
        };
        let got = keep_asking(world, &credentials, Checker::credentials_ok);
        if world.check.failed() {
            return;
        }
        if entitled && !world.check.session_may_end() && !got {
            world.check.fail(format!(
                "no AWS credentials within {} s of faults stopping; the machine is in {}",
                LIVENESS_BOUND_MS / 1000,
                state_name(world)
            ));
            return;
        }
    }
    // Callers that wait for a new sign-in are released; everything else must have been
    // answered by now.
    world.command(ApiCall::ReleaseSignInWait);
    world.advance(world.config.tuning.request_timeout_ms + 1_000);
    let waiting: Vec<String> = world
        .check
        .outstanding()
        .map(|(op, name)| format!("{} ({name})", op.0))
        .collect();
    if !waiting.is_empty() {
        world
            .check
            .fail(format!("calls never answered: {}", waiting.join(", ")));
    }
}

/// The app makes `call`, again whenever it was answered without success, until `ok` says an
/// answer succeeded or [`LIVENESS_BOUND_MS`] of virtual time passed. Returns whether it did.
fn keep_asking(world: &mut World, call: &ApiCall, ok: fn(&Checker, OperationId) -> bool) -> bool {
    let deadline = world.mono_ms + LIVENESS_BOUND_MS;
    let mut op = None;
    while world.mono_ms < deadline {
        let waiting = op.is_some_and(|op| world.check.outstanding().any(|(o, _)| *o == op));
        if !waiting {
            op = Some(world.command(call.clone()));
        }
        world.advance(1_000);
        world.check_stored_refresh_token();
        if world.check.failed() {
            return false;
        }
        if op.is_some_and(|op| ok(&world.check, op)) {
            return true;
        }
    }
    false
}

/// The machine's state, by name only (its fields hold the session).
fn state_name(world: &World) -> String {
    let full = format!("{:?}", world.machine.state());
    full.split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_owned()
}

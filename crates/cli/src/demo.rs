//! The `demo` command: one full session against the emulator running in this process.
//!
//! The emulator's clock and the engine's wall clock are the same clock: the engine is built with
//! `unix_clock` reading `Shared::now` (the system clock plus the emulator's admin offset), so
//! `World::jump` moves both by the same amount and tokens expire on both sides at once.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use cognito_auth::event_log::{read_log, ReplayError};
use cognito_auth::machine::config::{AuthFlow, IdentityPoolConfig, Tuning, UserPoolConfig};
use cognito_auth::machine::{Input, Machine, Output};
use cognito_auth::{
    Auth, AuthBuilder, Config, ConfirmSignInOptions, ConfirmSignUpOptions, Drivable, Error,
    MfaPreference, MfaSetting, RunSrp, Secret, SignInOptions, SignInStep, SignOutOptions,
    SignUpOptions, UserState, VerifyTotpSetupOptions,
};
use cognito_auth_emulator::faults::{FaultKind, FaultRule, Faults};
use cognito_auth_emulator::http::{serve, system_now, Server};
use cognito_auth_emulator::{totp, CodePurpose, Emulator, EmulatorConfig};
use serde_json::json;
use tokio::task::JoinHandle;
use tokio_stream::StreamExt as _;

use crate::report::{expiry, short_id, state_name, utc, Reporter};

/// The demo user pool.
pub const POOL_ID: &str = "us-east-1_Demo0001";
/// Its app client (no secret; SRP and refresh allowed).
pub const CLIENT_ID: &str = "democlient0000000000000001";
/// The demo identity pool (guests allowed).
pub const IDENTITY_POOL_ID: &str = "us-east-1:00000000-0000-4000-8000-00000000de00";
const REGION: &str = "us-east-1";
const USERNAME: &str = "demo-user";
/// A throw-away password for a user that only ever exists in this process's emulator.
const PASSWORD: &str = "Demo-Passw0rd!";
const EMAIL: &str = "demo-user@example.com";
/// Seeds: the emulator's randomness and the two engines' machines.
const EMULATOR_SEED: u64 = 2026;
const GUEST_SEED: [u8; 32] = [1; 32];
const MAIN_SEED: [u8; 32] = [2; 32];
/// How far "later" jumps: past the 60-minute access tokens and the 5-minute refresh skew.
const TWO_HOURS_S: i64 = 2 * 3_600;
/// Bounds every wait on the engine, so a stuck step fails the demo instead of hanging it.
const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// The demo went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The emulator could not be set up.
    #[error("emulator: {0}")]
    Emulator(String),
    /// An engine could not be built.
    #[error("building the engine: {0}")]
    Build(#[from] cognito_auth::BuildError),
    /// An engine call failed.
    #[error("{step}: {source}")]
    Call {
        /// The step.
        step: &'static str,
        /// The engine's error (never contains secrets).
        #[source]
        source: Error,
    },
    /// A step did not end the way the demo expects.
    #[error("{step}: {what}")]
    Unexpected {
        /// The step.
        step: &'static str,
        /// What happened instead.
        what: String,
    },
    /// The temporary directory for the event log.
    #[error("temporary files: {0}")]
    Io(#[from] std::io::Error),
    /// The recorded log could not be replayed.
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

/// What the demo measured.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DemoSummary {
    /// Inputs in the recorded event log.
    pub inputs: usize,
    /// Outputs the live machine produced (and the replay reproduced).
    pub outputs: usize,
    /// Whether the replay's outputs equal the live ones.
    pub identical: bool,
}

fn at(step: &'static str) -> impl FnOnce(Error) -> DemoError {
    move |source| DemoError::Call { step, source }
}

fn unexpected(step: &'static str, what: impl Into<String>) -> DemoError {
    DemoError::Unexpected {
        step,
        what: what.into(),
    }
}

/// Awaits `f` for at most [`STEP_TIMEOUT`].
async fn bounded<T>(
    step: &'static str,
    f: impl std::future::Future<Output = T>,
) -> Result<T, DemoError> {
    tokio::time::timeout(STEP_TIMEOUT, f)
        .await
        .map_err(|_| unexpected(step, format!("no answer within {STEP_TIMEOUT:?}")))
}

/// The emulator's seed document: one pool with an SRP client, an identity pool for guests.
pub fn demo_seed() -> serde_json::Value {
    json!({
        "seed": EMULATOR_SEED,
        "region": REGION,
        "user_pools": [{
            "Id": POOL_ID,
            "PoolName": "demo",
            "AutoVerifiedAttributes": ["email"],
            "MfaConfiguration": "OPTIONAL",
            "Clients": [{
                "ClientId": CLIENT_ID,
                "ClientName": "demo-app",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "AccessTokenValidity": 60,
                "IdTokenValidity": 60,
                "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes"}
            }]
        }],
        "identity_pools": [{
            "IdentityPoolId": IDENTITY_POOL_ID,
            "IdentityPoolName": "demo",
            "AllowUnauthenticatedIdentities": true,
            "CognitoIdentityProviders": [{
                "ProviderName": format!("cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"),
                "ClientId": CLIENT_ID
            }],
            "Roles": {
                "authenticated": "arn:aws:iam::123456789012:role/Cognito_demoAuth_Role",
                "unauthenticated": "arn:aws:iam::123456789012:role/Cognito_demoUnauth_Role"
            }
        }]
    })
}

/// A fresh emulator holding [`demo_seed`].
pub fn demo_emulator() -> Result<Emulator, DemoError> {
    let mut emulator = Emulator::new(EmulatorConfig {
        seed: EMULATOR_SEED,
        ..EmulatorConfig::default()
    })
    .map_err(|e| DemoError::Emulator(e.to_string()))?;
    emulator
        .apply_seed(&demo_seed(), system_now())
        .map_err(|e| DemoError::Emulator(e.to_string()))?;
    Ok(emulator)
}

/// The engine configuration for the demo pools. `allow_guest` decides whether "no user" shows
/// as `guest` or `signedOut`.
fn engine_config(allow_guest: bool) -> Config {
    Config {
        user_pool: Some(UserPoolConfig {
            pool_id: POOL_ID.to_owned(),
            app_client_id: CLIENT_ID.to_owned(),
            app_client_secret: None,
            region: REGION.to_owned(),
            auth_flow: AuthFlow::UserSrpAuth,
        }),
        identity_pool: Some(IdentityPoolConfig {
            pool_id: IDENTITY_POOL_ID.to_owned(),
            region: REGION.to_owned(),
            allow_guest,
        }),
        oauth: None,
        tuning: Tuning::default(),
    }
}

/// The emulator server and the clock both sides read.
struct World {
    server: Server,
}

impl World {
    async fn start() -> Result<Self, DemoError> {
        let server = serve("127.0.0.1:0", demo_emulator()?)
            .await
            .map_err(|e| DemoError::Emulator(e.to_string()))?;
        Ok(Self { server })
    }

    fn now_s(&self) -> i64 {
        i64::try_from(self.server.shared().now().secs()).unwrap_or(i64::MAX)
    }

    /// Moves the emulator's clock, and with it the engine's, forward.
    fn jump(&self, seconds: i64) {
        self.server.shared().advance_clock_ms(seconds * 1_000);
    }

    fn builder(&self, config: Config) -> AuthBuilder {
        let shared = Arc::clone(self.server.shared());
        Auth::builder()
            .config(config)
            .endpoint_url(self.server.endpoint())
            // An offline call must fail in seconds, not the default 15.
            .request_timeout(Duration::from_secs(3))
            .unix_clock(move || i64::try_from(shared.now().0).unwrap_or(i64::MAX))
    }

    /// A TOTP code for `secret_base32` at the emulator's current time.
    fn totp_code(&self, secret_base32: &str) -> Result<String, DemoError> {
        let key = totp::base32_decode(secret_base32)
            .ok_or_else(|| unexpected("totp", "the shared secret is not base32"))?;
        Ok(totp::totp(&key, self.server.shared().now().secs()))
    }
}

/// The machine, with every output copied aside so the replay can be compared to the live run.
struct Recording {
    machine: Machine,
    outputs: Arc<Mutex<Vec<Output>>>,
}

impl Drivable for Recording {
    fn handle_input(&mut self, input: Input) {
        Drivable::handle_input(&mut self.machine, input);
    }

    fn poll_output(&mut self) -> Option<Output> {
        let output = Drivable::poll_output(&mut self.machine)?;
        self.outputs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(output.clone());
        Some(output)
    }

    fn user_state(&self) -> UserState {
        Drivable::user_state(&self.machine)
    }
}

impl RunSrp for Recording {
    fn run_srp(
        task: cognito_auth::machine::SrpTask,
        kept: &std::sync::Mutex<cognito_auth::machine::KeptEphemerals>,
    ) -> Result<cognito_auth::machine::SrpOutput, cognito_auth::machine::SrpFailure> {
        <Machine as RunSrp>::run_srp(task, kept)
    }
}

/// Prints every state change of `auth` as it happens; ends when the engine stops.
fn print_changes(auth: &Auth, label: &'static str, out: &Reporter) -> JoinHandle<()> {
    let mut changes = auth.subscribe();
    // The engine may have left `unknown` before this subscription started (it reads the
    // session store as soon as it is built): show that first change from the state itself.
    let initial = auth.user_state();
    let mut shown_initial = false;
    if initial != UserState::Unknown {
        shown_initial = true;
        out.line(format!(
            "      [{label}] state: unknown -> {} (seen by user_state())",
            state_name(initial)
        ));
    }
    let out = out.clone();
    tokio::spawn(async move {
        while let Some(change) = changes.next().await {
            // Changed between `subscribe` and `user_state`: already shown.
            if std::mem::take(&mut shown_initial)
                && change.from == UserState::Unknown
                && change.to == initial
            {
                continue;
            }
            out.line(format!(
                "      [{label}] state: {} -> {}",
                state_name(change.from),
                state_name(change.to)
            ));
        }
    })
}

/// Lets the printer task catch up so transitions show next to the step that caused them.
async fn pace() {
    tokio::time::sleep(Duration::from_millis(30)).await;
}

/// Waits until `auth` is in `state`.
async fn wait_state(auth: &Auth, step: &'static str, state: UserState) -> Result<(), DemoError> {
    let mut rx = auth.watch_user_state();
    bounded(step, rx.wait_for(|s| *s == state))
        .await?
        .map_err(|_| at(step)(Error::App(cognito_auth::AppError::EngineStopped)))?;
    Ok(())
}

/// Waits for the engine to leave `unknown` (the session store has been read).
async fn settled(auth: &Auth, step: &'static str) -> Result<UserState, DemoError> {
    let mut rx = auth.watch_user_state();
    let state = *bounded(step, rx.wait_for(|s| *s != UserState::Unknown))
        .await?
        .map_err(|_| at(step)(Error::App(cognito_auth::AppError::EngineStopped)))?;
    Ok(state)
}

/// Runs the whole demo, printing through `out`; the event log goes to a temporary file.
pub async fn run(out: &Reporter) -> Result<DemoSummary, DemoError> {
    run_with_log(out, None).await
}

/// Like [`run`], keeping the event log at `event_log` (for `cognito-auth replay`). The log
/// holds the demo user's secrets, which only ever exist in this process's emulator.
pub async fn run_with_log(
    out: &Reporter,
    event_log: Option<&Path>,
) -> Result<DemoSummary, DemoError> {
    let started = Instant::now();
    let world = World::start().await?;
    out.line(format!(
        "cognito-auth demo: emulator on {} (user pool {POOL_ID}, client {CLIENT_ID}, identity pool {})",
        world.server.endpoint(),
        short_id(IDENTITY_POOL_ID)
    ));
    out.line(format!(
        "  emulator clock {}; engine and emulator share it",
        utc(world.now_s())
    ));

    guest_credentials(&world, out).await?;

    let dir = tempfile::tempdir()?;
    let log_path = event_log.map_or_else(|| dir.path().join("events.jsonl"), Path::to_path_buf);
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let auth = {
        let recorded = Arc::clone(&recorded);
        world
            .builder(engine_config(false))
            .seed(MAIN_SEED)
            .event_log(&log_path)
            .build_with(move |config, seed| Recording {
                machine: Machine::new(config, seed),
                outputs: recorded,
            })?
    };
    let printer = print_changes(&auth, "app", out);
    out.line(match event_log {
        Some(path) => format!(
            "  the app's engine (identity pool without guests, event log in {}):",
            path.display()
        ),
        None => "  the app's engine (identity pool without guests, event log in a temp file):"
            .to_owned(),
    });
    let state = settled(&auth, "start").await?;
    pace().await;
    out.line(format!("      engine ready: {}", state_name(state)));

    sign_up(&world, &auth, out).await?;
    srp_sign_in(&world, &auth, out).await?;
    let totp_secret = totp_mfa(&world, &auth, out).await?;
    refresh(&world, &auth, out).await?;
    offline(&world, &auth, out).await?;
    revocation(&world, &auth, &totp_secret, out).await?;
    global_sign_out(&auth, out).await?;

    bounded("stop", auth.shutdown()).await?;
    // The printer ends once the engine's last handle is gone.
    let _ = bounded("stop", printer).await?;
    world.server.shutdown();
    let summary = replay_check(&log_path, &recorded, out)?;
    out.line(format!("done in {:.1}s", started.elapsed().as_secs_f64()));
    Ok(summary)
}

/// Step 1: a guest's credentials, from an engine whose identity pool allows guests.
async fn guest_credentials(world: &World, out: &Reporter) -> Result<(), DemoError> {
    const STEP: &str = "1. guest credentials";
    out.line("[1] guest AWS credentials (an engine whose identity pool allows guests)");
    let guest = world
        .builder(engine_config(true))
        .seed(GUEST_SEED)
        .build()?;
    let printer = print_changes(&guest, "guest", out);
    let state = settled(&guest, STEP).await?;
    pace().await;
    out.line(format!("      engine ready: {}", state_name(state)));
    let creds = bounded(STEP, guest.aws_credentials())
        .await?
        .map_err(at(STEP))?;
    out.line(format!(
        "      identity {}, credentials expire {}",
        short_id(&creds.identity_id),
        expiry(creds.credentials.expiration_s, world.now_s())
    ));
    bounded(STEP, guest.shutdown()).await?;
    let _ = bounded(STEP, printer).await?;
    Ok(())
}

/// Step 2: sign-up, the code read from the emulator's outbox, confirmation.
async fn sign_up(world: &World, auth: &Auth, out: &Reporter) -> Result<(), DemoError> {
    const STEP: &str = "2. sign-up";
    out.line(format!("[2] sign-up of {USERNAME} <{EMAIL}>"));
    let options = SignUpOptions::default().attribute("email", EMAIL);
    let outcome = bounded(STEP, auth.sign_up(USERNAME, PASSWORD, options))
        .await?
        .map_err(at(STEP))?;
    let delivery = outcome.code_delivery_details.as_ref().map_or_else(
        || "no delivery".to_owned(),
        |d| {
            format!(
                "code sent by {} to {}",
                d.delivery_medium.as_deref().unwrap_or("?"),
                d.destination.as_deref().unwrap_or("?")
            )
        },
    );
    out.line(format!(
        "      registered (confirmed: {}), {delivery}",
        outcome.user_confirmed
    ));
    let code = world
        .server
        .shared()
        .with(|emu| {
            emu.last_code(USERNAME, CodePurpose::SignUp)
                .map(str::to_owned)
        })
        .ok_or_else(|| unexpected(STEP, "no sign-up code in the emulator's outbox"))?;
    out.line(format!(
        "      read the {}-digit code from the emulator's outbox",
        code.len()
    ));
    bounded(
        STEP,
        auth.confirm_sign_up(USERNAME, &code, ConfirmSignUpOptions::default()),
    )
    .await?
    .map_err(at(STEP))?;
    out.line("      confirmed");
    Ok(())
}

/// Signs in and expects no further step.
async fn sign_in_done(auth: &Auth, step: &'static str) -> Result<(), DemoError> {
    match bounded(
        step,
        auth.sign_in(USERNAME, PASSWORD, SignInOptions::default()),
    )
    .await?
    .map_err(at(step))?
    .next_step
    {
        SignInStep::Done => Ok(()),
        other => Err(unexpected(step, format!("sign-in asked for {other:?}"))),
    }
}

/// Signs in, answers the TOTP challenge with a code for `secret`.
async fn sign_in_with_totp(
    world: &World,
    auth: &Auth,
    secret: &Secret<String>,
    step: &'static str,
    out: &Reporter,
) -> Result<(), DemoError> {
    let next = bounded(
        step,
        auth.sign_in(USERNAME, PASSWORD, SignInOptions::default()),
    )
    .await?
    .map_err(at(step))?
    .next_step;
    if next != SignInStep::ConfirmWithTotpCode {
        return Err(unexpected(
            step,
            format!("expected ConfirmWithTotpCode, got {next:?}"),
        ));
    }
    out.line("      sign-in -> ConfirmWithTotpCode");
    let code = world.totp_code(secret.expose())?;
    match bounded(
        step,
        auth.confirm_sign_in(&code, ConfirmSignInOptions::default()),
    )
    .await?
    .map_err(at(step))?
    .next_step
    {
        SignInStep::Done => {
            pace().await;
            out.line("      confirmed with a fresh TOTP code -> signed in");
            Ok(())
        }
        other => Err(unexpected(step, format!("the TOTP code led to {other:?}"))),
    }
}

/// Step 3: SRP sign-in, tokens, authenticated credentials.
async fn srp_sign_in(world: &World, auth: &Auth, out: &Reporter) -> Result<(), DemoError> {
    const STEP: &str = "3. SRP sign-in";
    out.line(format!("[3] SRP sign-in (USER_SRP_AUTH) as {USERNAME}"));
    sign_in_done(auth, STEP).await?;
    pace().await;
    let tokens = bounded(STEP, auth.tokens()).await?.map_err(at(STEP))?;
    out.line(format!(
        "      tokens for {}, access token expires {}",
        tokens.username,
        expiry(tokens.expires_at_s, world.now_s())
    ));
    let creds = bounded(STEP, auth.aws_credentials())
        .await?
        .map_err(at(STEP))?;
    out.line(format!(
        "      authenticated AWS credentials: identity {}, expire {}",
        short_id(&creds.identity_id),
        expiry(creds.credentials.expiration_s, world.now_s())
    ));
    Ok(())
}

/// Step 4: TOTP set-up and preference, then a sign-in that asks for a TOTP code.
/// Returns the shared secret, as the user's authenticator app keeps it.
async fn totp_mfa(world: &World, auth: &Auth, out: &Reporter) -> Result<Secret<String>, DemoError> {
    const STEP: &str = "4. TOTP MFA";
    out.line("[4] TOTP MFA");
    let secret = bounded(STEP, auth.set_up_totp())
        .await?
        .map_err(at(STEP))?
        .shared_secret;
    out.line("      set_up_totp: got the shared secret (not shown)");
    let code = world.totp_code(secret.expose())?;
    bounded(
        STEP,
        auth.verify_totp_setup(
            &code,
            VerifyTotpSetupOptions::default().friendly_device_name("demo authenticator"),
        ),
    )
    .await?
    .map_err(at(STEP))?;
    out.line("      verify_totp_setup with a code computed by the emulator's RFC 6238 module: ok");
    let preferred = MfaPreference::default().totp(MfaSetting::Preferred);
    bounded(STEP, auth.update_mfa_preference(preferred))
        .await?
        .map_err(at(STEP))?;
    out.line("      TOTP is now the preferred MFA method");
    let report = bounded(STEP, auth.sign_out(SignOutOptions::default()))
        .await?
        .map_err(at(STEP))?;
    pace().await;
    out.line(format!(
        "      signed out (remote steps complete: {})",
        report.is_complete()
    ));
    // The next 30-second TOTP window, so the sign-in code differs from the set-up code.
    world.jump(30);
    sign_in_with_totp(world, auth, &secret, STEP, out).await?;
    Ok(secret)
}

/// Step 5: the clock jumps past expiry; `tokens()` refreshes.
async fn refresh(world: &World, auth: &Auth, out: &Reporter) -> Result<(), DemoError> {
    const STEP: &str = "5. refresh";
    let old = bounded(STEP, auth.tokens()).await?.map_err(at(STEP))?;
    world.jump(TWO_HOURS_S);
    out.line(format!(
        "[5] clock jumped 2h (now {}): tokens() refreshes",
        utc(world.now_s())
    ));
    let new = bounded(STEP, auth.tokens()).await?.map_err(at(STEP))?;
    if new.expires_at_s <= old.expires_at_s {
        return Err(unexpected(STEP, "tokens() did not refresh expired tokens"));
    }
    out.line(format!(
        "      old expiry {} -> new expiry {}",
        expiry(old.expires_at_s, world.now_s()),
        expiry(new.expires_at_s, world.now_s())
    ));
    Ok(())
}

/// Step 6: the service unreachable while tokens expire; the user stays signed in.
async fn offline(world: &World, auth: &Auth, out: &Reporter) -> Result<(), DemoError> {
    const STEP: &str = "6. offline";
    world.server.shared().set_faults(Faults::new(
        1,
        vec![FaultRule {
            operation: "*".to_owned(),
            kind: FaultKind::Drop,
            probability: 1.0,
            latency_ms: 0,
        }],
    ));
    world.jump(TWO_HOURS_S);
    out.line("[6] offline: the emulator drops every connection; clock jumped 2h");
    match bounded(STEP, auth.tokens()).await? {
        Err(Error::Network(network)) => {
            // The full message carries the HTTP stack's error chain: the code says enough.
            out.line(format!(
                "      tokens() failed: network error ({}), retryable",
                network.code
            ));
        }
        Err(other) => {
            return Err(unexpected(
                STEP,
                format!("expected a network error: {other}"),
            ))
        }
        Ok(_) => return Err(unexpected(STEP, "tokens() succeeded while offline")),
    }
    let state = auth.user_state();
    out.line(format!("      user_state() is still {}", state_name(state)));
    if state != UserState::SignedIn {
        return Err(unexpected(
            STEP,
            "the user was signed out by a network failure",
        ));
    }
    world.server.shared().set_faults(Faults::none());
    auth.set_online(true).map_err(at(STEP))?;
    out.line("      network back: set_online(true)");
    let tokens = bounded(STEP, auth.tokens()).await?.map_err(at(STEP))?;
    if tokens.expires_at_s <= world.now_s() {
        return Err(unexpected(STEP, "tokens() answered expired tokens"));
    }
    out.line(format!(
        "      tokens() refreshed: expiry {}",
        expiry(tokens.expires_at_s, world.now_s())
    ));
    Ok(())
}

/// Step 7: the refresh token revoked server-side; a waiting `tokens()` call is answered by the
/// next sign-in.
async fn revocation(
    world: &World,
    auth: &Auth,
    secret: &Secret<String>,
    out: &Reporter,
) -> Result<(), DemoError> {
    const STEP: &str = "7. revocation";
    out.line("[7] refresh token revoked server-side (AdminUserGlobalSignOut in the emulator)");
    let shared = world.server.shared();
    shared
        .with(|emu| {
            emu.handle(
                &format!(
                    "{}AdminUserGlobalSignOut",
                    cognito_auth_emulator::USER_POOL_PREFIX
                ),
                &json!({"UserPoolId": POOL_ID, "Username": USERNAME}),
                shared.now(),
            )
        })
        .map_err(|e| unexpected(STEP, format!("AdminUserGlobalSignOut: {}", e.kind.name())))?;
    world.jump(TWO_HOURS_S);
    out.line("      clock jumped 2h; tokens() from a spawned task");
    let waiting = {
        let auth = auth.clone();
        tokio::spawn(async move { auth.tokens().await })
    };
    wait_state(auth, STEP, UserState::SignedOutUserPoolsTokenInvalid).await?;
    pace().await;
    if waiting.is_finished() {
        return Err(unexpected(
            STEP,
            "the tokens() call returned instead of waiting for a sign-in",
        ));
    }
    out.line("      the task is waiting for a new sign-in");
    // The user's authenticator app still holds the TOTP secret: revocation does not touch it.
    sign_in_with_totp(world, auth, secret, STEP, out).await?;
    let tokens = bounded(STEP, waiting)
        .await?
        .map_err(|e| unexpected(STEP, format!("the waiting task failed: {e}")))?
        .map_err(at(STEP))?;
    out.line(format!(
        "      the waiting task got fresh tokens for {}: expiry {}",
        tokens.username,
        expiry(tokens.expires_at_s, world.now_s())
    ));
    Ok(())
}

/// Step 8: global sign-out and its report.
async fn global_sign_out(auth: &Auth, out: &Reporter) -> Result<(), DemoError> {
    const STEP: &str = "8. sign-out";
    out.line("[8] global sign-out");
    let options = SignOutOptions {
        global: true,
        revoke: true,
        hosted_ui: false,
    };
    let report = bounded(STEP, auth.sign_out(options))
        .await?
        .map_err(at(STEP))?;
    wait_state(auth, STEP, UserState::SignedOut).await?;
    pace().await;
    let describe = |e: &Option<Error>| e.as_ref().map_or("ok".to_owned(), ToString::to_string);
    out.line(format!(
        "      report: GlobalSignOut {}, RevokeToken {}, complete: {}",
        describe(&report.global_sign_out_error),
        describe(&report.revoke_token_error),
        report.is_complete()
    ));
    Ok(())
}

/// Step 9: the recorded log replayed without network, compared with the live outputs.
fn replay_check(
    log_path: &Path,
    recorded: &Mutex<Vec<Output>>,
    out: &Reporter,
) -> Result<DemoSummary, DemoError> {
    out.line("[9] replay of the recorded event log (emulator stopped, no network)");
    let open = || std::fs::File::open(log_path).map(std::io::BufReader::new);
    let inputs = read_log(open()?)?.inputs.len();
    let replayed = cognito_auth::replay(open()?)?;
    let live = recorded.lock().unwrap_or_else(PoisonError::into_inner);
    let identical = *live == replayed;
    out.line(format!(
        "      {inputs} inputs -> {} outputs replayed, {} live: {}",
        replayed.len(),
        live.len(),
        if identical { "identical" } else { "DIFFERENT" }
    ));
    if !identical {
        let first = live
            .iter()
            .zip(&replayed)
            .position(|(a, b)| a != b)
            .unwrap_or(live.len().min(replayed.len()));
        return Err(unexpected(
            "9. replay",
            format!("outputs differ from output #{first} on"),
        ));
    }
    Ok(DemoSummary {
        inputs,
        outputs: replayed.len(),
        identical,
    })
}

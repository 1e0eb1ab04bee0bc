//! Memory per idle signed-in engine with 10,000 engines in one process (issue 16: <= 16 KiB
//! each).
//!
//! The parent process signs one engine in against the in-process emulator, keeps the session
//! its `MemoryStore` saved, and records the event log of one engine restoring it. Each figure is
//! then taken in a fresh child process (this binary again, so that memory freed by one
//! measurement cannot hide the next): the resident set (`/proc/self/statm`) before and after
//! making 10,000 of something, divided by 10,000:
//!
//! - `engines`: whole engines, each with a `MemoryStore` holding the session, built with
//!   `AuthBuilder::build` and left idle once they report `SignedIn` (the restored session is
//!   fresh, so no engine makes a call);
//! - `clients`: only `ServiceClients::new` (AWS SDK clients, the OAuth HTTP client): what the
//!   first engine of a process pays for a given pool, endpoint, timeout and runtime; the
//!   engines after it share that set, so the `engines` row does not contain it;
//! - `machines`: only `cognito_auth_machine::Machine`s brought to the same state by replaying
//!   the recorded restore;
//! - `sessions`: only the `PersistedSession` copies the stores hold;
//! - `roots`: the platform's root certificates loaded into a `rustls::RootCertStore`, which
//!   the OAuth client used to load for every engine (now once per process);
//! - `sdk`: only one user-pools SDK client (`aws_sdk_cognitoidentityprovider::Client`) with its
//!   own smithy HTTP client, as `ServiceClients` makes it.
//!
//! Run: `cargo bench -p cognito-auth-tests --bench idle_memory` (under a minute).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::cast_precision_loss,
    missing_docs
)]

use cognito_auth_tests as common;

use std::path::{Path, PathBuf};
use std::process::Command;

use cognito_auth::event_log::read_log;
use cognito_auth::machine::{AuthFlow, Machine, PersistedSession};
use cognito_auth::{Auth, ConnectOptions, MemoryStore, ServiceClients, SignInOptions, UserState};
use common::start_emulator;

const ENGINES: usize = 10_000;

/// Resident set size in bytes.
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

struct Fixture {
    dir: PathBuf,
}

impl Fixture {
    fn session(&self) -> PersistedSession {
        serde_json::from_slice(&std::fs::read(self.dir.join("session.json")).unwrap()).unwrap()
    }
    fn endpoint(&self) -> String {
        std::fs::read_to_string(self.dir.join("endpoint")).unwrap()
    }
    fn config(&self) -> cognito_auth::Config {
        serde_json::from_slice(&std::fs::read(self.dir.join("config.json")).unwrap()).unwrap()
    }
    fn restore_log(&self) -> PathBuf {
        self.dir.join("restore.jsonl")
    }
}

/// Signs in once, saves the session, the config and the log of one engine restoring it.
async fn prepare(dir: &Path) -> common::EmulatorWorld {
    let world = start_emulator().await;
    let store = MemoryStore::new();
    let auth = world
        .builder(AuthFlow::UserSrpAuth)
        .store(store.clone())
        .build()
        .unwrap();
    wait_for(&auth, UserState::SignedOut).await;
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    auth.shutdown().await;
    let session = store.snapshot().unwrap();
    std::fs::write(
        dir.join("session.json"),
        serde_json::to_vec(&session).unwrap(),
    )
    .unwrap();
    let config = common::config(&world.pool, AuthFlow::UserSrpAuth);
    std::fs::write(
        dir.join("config.json"),
        serde_json::to_vec(&config).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("endpoint"), world.server.endpoint()).unwrap();
    let restored = world
        .builder(AuthFlow::UserSrpAuth)
        .store(MemoryStore::with_session(session))
        .event_log(dir.join("restore.jsonl"))
        .build()
        .unwrap();
    wait_for(&restored, UserState::SignedIn).await;
    restored.shutdown().await;
    world
}

async fn wait_for(auth: &Auth, state: UserState) {
    auth.watch_user_state()
        .wait_for(|s| *s == state)
        .await
        .unwrap();
}

/// Builds `ENGINES` engines from the stored session and waits until each is signed in.
async fn engines(fx: &Fixture) -> Vec<Auth> {
    let session = fx.session();
    let (config, endpoint) = (fx.config(), fx.endpoint());
    let mut all = Vec::with_capacity(ENGINES);
    for _ in 0..ENGINES {
        let auth = Auth::builder()
            .config(config.clone())
            .endpoint_url(endpoint.clone())
            .store(MemoryStore::with_session(session.clone()))
            .build()
            .unwrap();
        all.push(auth);
    }
    for auth in &all {
        wait_for(auth, UserState::SignedIn).await;
    }
    all
}

fn machines(fx: &Fixture) -> Vec<Machine> {
    let log = read_log(std::io::BufReader::new(
        std::fs::File::open(fx.restore_log()).unwrap(),
    ))
    .unwrap();
    (0..ENGINES)
        .map(|_| {
            let mut machine = Machine::new(log.header.config.clone(), log.header.seed);
            while machine.poll_output().is_some() {}
            for input in log.inputs.clone() {
                machine.handle_input(input);
                while machine.poll_output().is_some() {}
            }
            assert_eq!(machine.user_state(), UserState::SignedIn);
            machine
        })
        .collect()
}

fn clients(fx: &Fixture) -> Vec<ServiceClients> {
    let config = fx.config();
    let options = ConnectOptions {
        endpoint_url: Some(fx.endpoint()),
        request_timeout: None,
    };
    (0..ENGINES)
        .map(|_| ServiceClients::new(&config, &options).unwrap())
        .collect()
}

fn roots() -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    roots
}

fn sdk_client(fx: &Fixture) -> aws_sdk_cognitoidentityprovider::Client {
    use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Region};
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let config = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .http_client(http)
        .endpoint_url(fx.endpoint())
        .build();
    aws_sdk_cognitoidentityprovider::Client::from_conf(config)
}

/// One measurement, in this (child) process.
fn child(what: &str, dir: &Path) {
    let fx = Fixture {
        dir: dir.to_owned(),
    };
    let runtime = runtime();
    let session = fx.session();
    // Warm up: one of each, so one-time statics (TLS roots, SDK defaults) are not counted.
    let warm = runtime.block_on(async {
        let auth = Auth::builder()
            .config(fx.config())
            .endpoint_url(fx.endpoint())
            .store(MemoryStore::with_session(session.clone()))
            .build()
            .unwrap();
        wait_for(&auth, UserState::SignedIn).await;
        auth
    });
    let before = rss();
    let kept: Box<dyn std::any::Any> = match what {
        "engines" => Box::new(runtime.block_on(engines(&fx))),
        "clients" => Box::new(clients(&fx)),
        "machines" => Box::new(machines(&fx)),
        "sessions" => Box::new(
            (0..ENGINES)
                .map(|_| MemoryStore::with_session(session.clone()))
                .collect::<Vec<_>>(),
        ),
        "roots" => Box::new((0..ENGINES).map(|_| roots()).collect::<Vec<_>>()),
        "sdk" => Box::new((0..ENGINES).map(|_| sdk_client(&fx)).collect::<Vec<_>>()),
        other => panic!("unknown measurement {other}"),
    };
    let after = rss();
    println!(
        "  {what:<9} RSS {:>7.1} MiB -> {:>7.1} MiB: {:>8.0} bytes ({:.1} KiB) each",
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        (after - before) as f64 / ENGINES as f64,
        (after - before) as f64 / ENGINES as f64 / 1024.0,
    );
    drop(kept);
    drop(warm);
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    if let (Some(what), Some(dir)) = (args.next(), args.next()) {
        child(&what, Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    // The emulator stays up: the children's engines are pointed at it but never call it.
    let _world = runtime.block_on(prepare(dir.path()));
    let session_json = std::fs::metadata(dir.path().join("session.json"))
        .unwrap()
        .len();
    let roots = roots();
    println!(
        "platform root certificates: {} ({} bytes DER in all)",
        roots.len(),
        rustls_native_certs::load_native_certs()
            .certs
            .iter()
            .map(|c| c.len())
            .sum::<usize>()
    );
    println!(
        "idle signed-in engines: {ENGINES} per child process, tokio 2 workers; \
         stored session {session_json} bytes as JSON"
    );
    let me = std::env::current_exe().unwrap();
    for what in ["engines", "clients", "roots", "sdk", "machines", "sessions"] {
        let status = Command::new(&me)
            .arg(what)
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "{what} measurement failed");
    }
}

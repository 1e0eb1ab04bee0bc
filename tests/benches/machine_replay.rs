//! Machine throughput replaying recorded event logs (issue 16: >= 2 M events/s on one core).
//!
//! Records three kinds of engine session against the in-process emulator with `event_log`,
//! then replays each log through a fresh `cognito_auth_machine::Machine` (`handle_input`, then
//! `poll_output` until empty) on this one thread, many times over. Parsing the logs is not
//! timed; creating the machine for each replay is (it is part of replaying a log) and is also
//! reported alone. A second, slower pass times each input to say which kinds of event cost what.
//!
//! Run: `cargo bench -p cognito-auth-tests --bench machine_replay` (under a minute).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::cast_precision_loss,
    missing_docs
)]

use cognito_auth_tests as common;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use cognito_auth::event_log::{read_log, EventLog};
use cognito_auth::machine::{AuthFlow, Event, Input, Machine};
use cognito_auth::{Auth, SignInOptions, SignOutOptions, UserState};
use common::{start_emulator, EmulatorWorld};

/// Refreshes in the "long session" log.
const REFRESHES: usize = 200;
/// Concurrent `tokens()` callers in the "stampede" log.
const STAMPEDE: usize = 1000;
/// Replay each log for at least this long (`MACHINE_REPLAY_MS` overrides it, e.g. to run the
/// bench under callgrind; `MACHINE_REPLAY_LOGS=long` or a comma-separated list of `session`,
/// `long`, `stampede` replays only those).
fn min_replay() -> Duration {
    let ms = std::env::var("MACHINE_REPLAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    Duration::from_millis(ms)
}

async fn signed_in(world: &EmulatorWorld, log: &Path) -> Auth {
    let auth = world
        .builder(AuthFlow::UserSrpAuth)
        .event_log(log)
        .build()
        .unwrap();
    auth.watch_user_state()
        .wait_for(|s| *s == UserState::SignedOut)
        .await
        .unwrap();
    auth.sign_in("alice", "Passw0rd!", SignInOptions::default())
        .await
        .unwrap();
    auth
}

/// A short app session: SRP sign-in, a few token reads, attributes, one refresh, sign-out.
async fn record_session(world: &EmulatorWorld, log: &Path) {
    let auth = signed_in(world, log).await;
    for _ in 0..20 {
        auth.tokens().await.unwrap();
    }
    auth.fetch_user_attributes().await.unwrap();
    world.advance_clock_s(2 * 3600);
    auth.tokens().await.unwrap();
    auth.sign_out(SignOutOptions::default()).await.unwrap();
    auth.shutdown().await;
}

/// A long-lived session: one sign-in, then `REFRESHES` expiries each followed by a token read.
async fn record_long_session(world: &EmulatorWorld, log: &Path) {
    let auth = signed_in(world, log).await;
    for _ in 0..REFRESHES {
        world.advance_clock_s(2 * 3600);
        auth.tokens().await.unwrap();
    }
    auth.shutdown().await;
}

/// `STAMPEDE` callers of `tokens()` at expiry, sharing one refresh.
async fn record_stampede(world: &EmulatorWorld, log: &Path) {
    let auth = signed_in(world, log).await;
    world.advance_clock_s(2 * 3600);
    let calls: Vec<_> = (0..STAMPEDE)
        .map(|_| {
            let auth = auth.clone();
            tokio::spawn(async move { auth.tokens().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    auth.shutdown().await;
}

/// The first identifier of a `Debug` rendering after skipping `Ok`/`Err`/`Some`.
fn variant(debug: &str, depth: usize) -> String {
    let mut names = debug
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && !matches!(*w, "Ok" | "Err" | "Some" | "None"));
    let mut out = Vec::new();
    for _ in 0..depth {
        match names.next() {
            Some(name) => out.push(name),
            None => break,
        }
    }
    out.join("::")
}

fn kind(input: &Input) -> String {
    match &input.event {
        Event::Command { call, .. } => format!("Command::{}", variant(&format!("{call:?}"), 1)),
        Event::Completed { result, .. } => {
            format!("Completed::{}", variant(&format!("{result:?}"), 2))
        }
        Event::TimerFired { timer } => format!("TimerFired::{timer:?}"),
        Event::Connectivity { .. } => "Connectivity".to_owned(),
    }
}

#[inline(never)] // a symbol for `valgrind --toggle-collect=*replay_once*`
fn replay_once(log: &EventLog, inputs: Vec<Input>) -> usize {
    let mut machine = Machine::new(log.header.config.clone(), log.header.seed);
    let mut outputs = 0;
    while machine.poll_output().is_some() {
        outputs += 1;
    }
    for input in inputs {
        machine.handle_input(input);
        while let Some(out) = machine.poll_output() {
            black_box(&out);
            outputs += 1;
        }
    }
    outputs
}

/// This thread's CPU time so far (`/proc/thread-self/schedstat`), so a busy shared machine
/// shows as the gap between the wall-clock and CPU rates rather than hiding in one figure.
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = text
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

/// Replays the log over and over for `MIN_REPLAY`; returns (events/s wall, events/s CPU,
/// replays, outputs per replay).
fn throughput(log: &EventLog) -> (f64, f64, usize, usize) {
    // Inputs are cloned ahead of the timed part in batches, so the clock sees only the machine.
    let batch = (200_000 / log.inputs.len().max(1)).max(1);
    let mut replays = 0;
    let mut busy = Duration::ZERO;
    let mut cpu = Duration::ZERO;
    let mut outputs = 0;
    let min = min_replay();
    while busy < min {
        let copies: Vec<Vec<Input>> = (0..batch).map(|_| log.inputs.clone()).collect();
        let (start, start_cpu) = (Instant::now(), thread_cpu());
        for inputs in copies {
            outputs = replay_once(log, inputs);
        }
        busy += start.elapsed();
        cpu += thread_cpu().saturating_sub(start_cpu);
        replays += batch;
    }
    let events = (replays * log.inputs.len()) as f64;
    let cpu_rate = if cpu.is_zero() {
        f64::NAN
    } else {
        events / cpu.as_secs_f64()
    };
    (events / busy.as_secs_f64(), cpu_rate, replays, outputs)
}

/// Mean nanoseconds per input, by kind of input (includes ~20-40 ns of clock reads each).
fn per_kind(log: &EventLog, rounds: usize) -> BTreeMap<String, (usize, Duration)> {
    let kinds: Vec<String> = log.inputs.iter().map(kind).collect();
    let mut table: BTreeMap<String, (usize, Duration)> = BTreeMap::new();
    for _ in 0..rounds {
        let mut machine = Machine::new(log.header.config.clone(), log.header.seed);
        while machine.poll_output().is_some() {}
        for (input, kind) in log.inputs.clone().into_iter().zip(&kinds) {
            let start = Instant::now();
            machine.handle_input(input);
            while let Some(out) = machine.poll_output() {
                black_box(&out);
            }
            let entry = table.entry(kind.clone()).or_default();
            entry.0 += 1;
            entry.1 += start.elapsed();
        }
    }
    table
}

fn machine_creation(log: &EventLog) -> f64 {
    let n = 20_000;
    let start = Instant::now();
    for _ in 0..n {
        let mut machine = Machine::new(log.header.config.clone(), log.header.seed);
        while let Some(out) = machine.poll_output() {
            black_box(&out);
        }
    }
    start.elapsed().as_nanos() as f64 / f64::from(n)
}

/// Whether `MACHINE_REPLAY_LOGS` (unset: every log) names `log`.
fn selected(log: &str) -> bool {
    std::env::var("MACHINE_REPLAY_LOGS").map_or(true, |v| v.split(',').any(|n| n.trim() == log))
}

fn report(name: &str, log: &EventLog) {
    let (rate, cpu_rate, replays, outputs) = throughput(log);
    println!(
        "\n{name}: {} inputs, {outputs} outputs per replay; {replays} replays",
        log.inputs.len()
    );
    println!(
        "  throughput: {:.2} M events/s wall, {:.2} M events/s of thread CPU time",
        rate / 1e6,
        cpu_rate / 1e6
    );
    let rounds = (100_000 / log.inputs.len().max(1)).max(3);
    let table = per_kind(log, rounds);
    let total: Duration = table.values().map(|(_, d)| *d).sum();
    // Before event-log version 2 a sign-in computed A = g^a in the machine (a 3072-bit
    // exponentiation, hundreds of microseconds); it is now an SRP task whose result the log
    // records, and this rate stays comparable with the earlier figures.
    let (sign_ins, sign_in_time) = table
        .get("Command::SignIn")
        .copied()
        .unwrap_or((0, Duration::ZERO));
    let others = (log.inputs.len() * rounds).saturating_sub(sign_ins);
    println!(
        "  without Command::SignIn (from the per-input pass below, clock reads included): \
         {:.2} M events/s wall",
        others as f64 / (total - sign_in_time).as_secs_f64() / 1e6
    );
    let mut rows: Vec<_> = table.into_iter().collect();
    rows.sort_by_key(|row| std::cmp::Reverse(row.1 .1));
    println!(
        "  {:<44} {:>7} {:>10} {:>8}",
        "input kind", "count", "ns/input", "share"
    );
    for (kind, (count, time)) in rows {
        println!(
            "  {kind:<44} {:>7} {:>10.0} {:>7.1}%",
            count / rounds,
            time.as_nanos() as f64 / count as f64,
            100.0 * time.as_secs_f64() / total.as_secs_f64()
        );
    }
}

fn load(path: &Path) -> EventLog {
    read_log(std::io::BufReader::new(std::fs::File::open(path).unwrap())).unwrap()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let paths = ["session", "long", "stampede"].map(|n| dir.path().join(format!("{n}.jsonl")));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // One emulator per log: each session's clock moves on its own.
        record_session(&start_emulator().await, &paths[0]).await;
        record_long_session(&start_emulator().await, &paths[1]).await;
        record_stampede(&start_emulator().await, &paths[2]).await;
    });
    drop(runtime);

    let logs: Vec<EventLog> = paths.iter().map(|p| load(p)).collect();
    println!("machine replay (cognito_auth_machine::Machine, one thread)");
    println!(
        "  Machine::new + initial outputs: {:.0} ns",
        machine_creation(&logs[0])
    );
    if selected("session") {
        report(
            "session (SRP sign-in, 20 tokens(), attributes, 1 refresh, sign-out)",
            &logs[0],
        );
    }
    if selected("long") {
        report(
            &format!("long session (sign-in, {REFRESHES} refreshes)"),
            &logs[1],
        );
    }
    if selected("stampede") {
        report(
            &format!("stampede ({STAMPEDE} tokens() at expiry)"),
            &logs[2],
        );
    }
}

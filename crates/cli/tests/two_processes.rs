//! Two `cognito-auth` processes on one `--session` file against the emulator: one refreshing in
//! a loop (`tokens --force`), the other signing out. The sign-out wins and stays: no refresh
//! that started before it writes the session back, and every run after it reports that nobody
//! is signed in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Run, World, PASSWORD};

/// Whether the session file holds user-pool tokens.
fn file_holds_tokens(world: &World) -> bool {
    let text = std::fs::read_to_string(world.session("default")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    !doc["session"]["tokens"].is_null()
}

#[test]
fn a_sign_out_by_one_process_is_never_undone_by_another_refreshing_the_same_file() {
    let world = Arc::new(World::emulator());
    world.sign_in("alice", PASSWORD);
    assert!(file_holds_tokens(&world));

    // The refreshing process: `tokens --force` runs back to back until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let refresher = {
        let (world, stop) = (Arc::clone(&world), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut runs: Vec<Run> = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                runs.push(world.run(&["--json", "tokens", "--force"], ""));
            }
            runs
        })
    };
    // Let a few refreshes land, then sign out (locally only: the refresh token stays valid at
    // the service, so nothing but the store's merge rule keeps the refresher from writing the
    // session back).
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        std::thread::sleep(Duration::from_millis(100));
    }
    world.run(&["sign-out", "--local"], "").ok();
    assert!(!file_holds_tokens(&world), "signed out on disk");
    // Keep refreshing for a while after the sign-out.
    std::thread::sleep(Duration::from_millis(1500));
    stop.store(true, Ordering::SeqCst);
    let runs = refresher.join().unwrap();

    assert!(!file_holds_tokens(&world), "the sign-out was undone");
    let first_refused = runs
        .iter()
        .position(|r| r.code != Some(0))
        .unwrap_or_else(|| panic!("no refresh noticed the sign-out: {runs:#?}"));
    assert!(
        first_refused > 0,
        "no refresh succeeded before the sign-out: {runs:#?}"
    );
    // The run in flight when the sign-out landed may have refreshed and then been refused the
    // write (exit 5, no tokens printed); from then on nobody is signed in (exit 6).
    let mut later = &runs[first_refused..];
    if let [in_flight, rest @ ..] = later {
        if in_flight.code == Some(5) {
            let message = in_flight.json()["error"]["message"].to_string();
            assert!(
                message.contains("signed out by another process"),
                "{in_flight:#?}"
            );
            later = rest;
        }
    }
    for run in later {
        assert_eq!(run.code, Some(6), "{run:#?}");
        assert_eq!(run.json()["error"]["class"], "state", "{run:#?}");
    }
    // And it stays so for the next process too.
    world.run(&["tokens"], "").exit(6);
    // The world's identity pool allows guests: signed out of the user pool means guest here.
    let who = world.run(&["--json", "whoami"], "").ok().json();
    assert_eq!(who["state"], "guest", "{who}");
    assert!(who["username"].is_null(), "{who}");
    eprintln!(
        "{} refreshes before the sign-out, {} refused after it",
        first_refused,
        runs.len() - first_refused
    );
}

#[test]
fn a_refresh_in_flight_when_another_process_signs_out_reports_the_sign_out() {
    use cognito_auth_emulator::faults::{FaultKind, FaultRule, Faults};
    let world = World::emulator();
    world.sign_in("alice", PASSWORD);
    // Every answer takes 2 s: the refresh below is still in flight when the sign-out lands.
    let server = world.emulator.as_ref().expect("an emulator world");
    server.shared().set_faults(Faults::new(
        1,
        vec![FaultRule {
            operation: "*".to_owned(),
            kind: FaultKind::Latency,
            probability: 1.0,
            latency_ms: 2000,
        }],
    ));
    let refresher = world.spawn(&["--json", "tokens", "--force"]);
    std::thread::sleep(Duration::from_millis(700));
    world.run(&["sign-out", "--local"], "").ok();
    let refreshed = refresher.finish();
    server.shared().set_faults(Faults::none());

    assert!(!file_holds_tokens(&world), "the sign-out was undone");
    assert_ne!(
        refreshed.code,
        Some(0),
        "tokens handed out after the sign-out: {refreshed:#?}"
    );
    // The refresher's save was refused by the store's merge rule, and it says so: in its
    // error document (the write refused as the command's own error) or on stderr (refused at
    // shutdown, after the tokens call ended), depending on which the sign-out lands before.
    assert_eq!(refreshed.code, Some(5), "{refreshed:#?}");
    let said = |text: &str| text.contains("signed out by another process");
    assert!(
        said(&refreshed.stderr) || said(&refreshed.json()["error"]["message"].to_string()),
        "{refreshed:#?}"
    );
    assert!(!refreshed.stdout.contains("access_token"), "{refreshed:#?}");
    world.run(&["tokens"], "").exit(6);
}

//! Conformance runner: Amplify Android's feature-test cases (in `shared/conformance/`, beside the
//! repository) run against the machine.
//!
//! For each case the runner builds the [`Config`] from the case's configuration, brings a machine
//! to the starting state by its own means (loading a stored session, or driving a sign-in up to
//! the challenge), sends the API call, serves the machine's service calls from the case's mocked
//! responses (SRP computed for real, store writes acknowledged, timers ignored), and checks the
//! validations mapped onto our vocabulary. docs/CONFORMANCE.md describes the mappings and lists
//! the results; `cargo test -p cognito-auth-machine --test conformance -- --nocapture` prints
//! the table.
//!
//! The test fails if the fixtures are missing, if a case fails that is not on the documented
//! allow-list (`conformance/allow.rs`), if a listed case passes or fails for another reason, if
//! the equivalent written for our API of a deliberate difference fails, or if fewer than 90% of
//! the user-pool cases that are not deliberate differences pass. `CONFORMANCE_VERBOSE=1` prints
//! every failure and note (unused mocks, relaxed answers, fields our requests do not have).

#[path = "conformance/mod.rs"]
mod conformance;

use std::path::Path;

use cognito_auth_machine::Config;
use conformance::allow::{self, Call, DELIBERATE, KNOWN_MACHINE_BUGS};
use conformance::calls::{self, Outcome};
use conformance::fixture::{self, Case};
use conformance::{checks, mocks::MockBackend, start, states};

/// The share of user-pool cases (deliberate differences aside) that must pass.
const MIN_PASS_RATE: f64 = 0.90;

/// What running one case found.
struct CaseRun {
    id: String,
    user_pool: bool,
    failures: Vec<String>,
    notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pass,
    Fail,
    Deliberate,
    KnownBug,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::Deliberate => "deliberate difference",
            Status::KnownBug => "machine bug (known)",
        }
    }
}

/// A case concerns user pools unless it only reads a guest's identity-pool session.
fn concerns_user_pool(case: &Case, state: &serde_json::Value) -> bool {
    let identity_only =
        state["AuthorizationState"]["amplifyCredential"]["type"].as_str() == Some("identityPool");
    let user_pool_mock = case
        .mocks()
        .iter()
        .any(|m| m["type"].as_str() == Some("cognitoIdentityProvider"));
    !(case.api_name() == "fetchAuthSession" && identity_only && !user_pool_mock)
}

fn run_case(root: &Path, case: &Case, equivalent: Option<&[Call]>) -> CaseRun {
    let mut run = CaseRun {
        id: case.id.clone(),
        user_pool: true,
        failures: Vec::new(),
        notes: Vec::new(),
    };
    if let Err(e) = run_case_inner(root, case, equivalent, &mut run) {
        run.failures.push(e);
    }
    run
}

fn run_case_inner(
    root: &Path,
    case: &Case,
    equivalent: Option<&[Call]>,
    run: &mut CaseRun,
) -> Result<(), String> {
    let config_text = fixture::config_text(root, case.config_file()?)?;
    let config =
        Config::from_json_auto_lenient(&config_text).map_err(|e| format!("config: {e}"))?;
    let state = fixture::state(root, case.state_file()?)?;
    run.user_pool = concerns_user_pool(case, &state);
    let mut d = start::start(config.clone(), &state)?;
    let mut backend = MockBackend::new(case.mocks());
    let outcome = match equivalent {
        None => calls::run(
            &mut d,
            &mut backend,
            case.api_name(),
            case.params(),
            case.options(),
        ),
        Some(list) => run_equivalent(&mut d, &mut backend, list),
    };
    run.notes.append(&mut backend.notes);
    let unused = backend.unused();
    if !unused.is_empty() {
        run.notes
            .push(format!("mocks not used: {}", unused.join(", ")));
    }
    run.notes.append(&mut d.notes.clone());
    let outcome = outcome?;
    for v in case.validations() {
        let kind = v["type"].as_str().unwrap_or("");
        let result = match kind {
            "amplify" => checks::amplify(&v, &outcome, d.m.user_state()),
            "cognitoIdentityProvider" | "cognitoIdentity" => {
                checks::request(&v, &d, &config).map(|skipped| {
                    if !skipped.is_empty() {
                        run.notes
                            .push(format!("not in our request: {}", skipped.join(", ")));
                    }
                })
            }
            "state" => {
                let name = v["expectedState"].as_str().unwrap_or("");
                fixture::state(root, name).and_then(|expected| states::check(&expected, &d))
            }
            other => Err(format!("validation type `{other}` is not mapped")),
        };
        if let Err(e) = result {
            run.failures.push(format!("{kind}: {e}"));
        }
    }
    if let Err(e) = checks::secret_hashes(&d, &config) {
        run.failures.push(format!("requests: {e}"));
    }
    if let Outcome::Single(None) = outcome {
        run.notes.push("the call was never answered".into());
    }
    run.failures
        .extend(d.faults.iter().map(|f| format!("runner: {f}")));
    Ok(())
}

/// Runs our equivalent of a case's call: each call in turn; the last one's result is validated.
fn run_equivalent(
    d: &mut conformance::driver::Driver,
    backend: &mut MockBackend,
    list: &[Call],
) -> Result<Outcome, String> {
    let mut last = Err("an empty equivalent".to_owned());
    for call in list {
        let params = serde_json::from_str(call.params).map_err(|e| format!("params: {e}"))?;
        let options = serde_json::from_str(call.options).map_err(|e| format!("options: {e}"))?;
        last = calls::run(d, backend, call.api, &params, &options);
    }
    last
}

/// Runs a case (or our equivalent of it), turning a machine panic into a failure (a panic is
/// always a bug).
fn run_case_catching(root: &Path, case: &Case, equivalent: Option<&[Call]>) -> CaseRun {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_case(root, case, equivalent)
    })) {
        Ok(run) => run,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            CaseRun {
                id: case.id.clone(),
                user_pool: true,
                failures: vec![format!("panicked: {message}")],
                notes: Vec::new(),
            }
        }
    }
}

fn status(run: &CaseRun, problems: &mut Vec<String>) -> Status {
    let details = run.failures.join(" | ");
    let listed = allow::find(DELIBERATE, &run.id)
        .map(|l| (l, Status::Deliberate))
        .or_else(|| allow::find(KNOWN_MACHINE_BUGS, &run.id).map(|l| (l, Status::KnownBug)));
    match (run.failures.is_empty(), listed) {
        (true, None) => Status::Pass,
        (true, Some(_)) => {
            problems.push(format!(
                "{} passes but is on the allow-list: remove its entry",
                run.id
            ));
            Status::Pass
        }
        (false, None) => {
            problems.push(format!("{} fails: {details}", run.id));
            Status::Fail
        }
        (false, Some((l, s))) if details.contains(l.symptom) => s,
        (false, Some((l, _))) => {
            problems.push(format!(
                "{} fails, but not as documented (symptom `{}`): {details}",
                run.id, l.symptom
            ));
            Status::Fail
        }
    }
}

#[test]
fn amplify_android_feature_tests() {
    let root = fixture::root();
    assert!(
        root.join("testsuites").is_dir(),
        "the conformance fixtures are missing: expected Amplify Android's feature tests at {} \
         (crates/machine/tests/fixtures/amplify-android, or the directory CONFORMANCE_FIXTURES \
         names)",
        root.display()
    );
    let cases = fixture::cases(&root).unwrap_or_else(|e| panic!("reading the cases: {e}"));
    assert!(!cases.is_empty(), "no case under {}", root.display());

    let mut problems = Vec::new();
    for listed in DELIBERATE.iter().chain(KNOWN_MACHINE_BUGS) {
        if !cases.iter().any(|c| c.id == listed.case) {
            problems.push(format!("allow-list entry {} names no case", listed.case));
        }
    }

    let runs: Vec<CaseRun> = cases
        .iter()
        .map(|c| run_case_catching(&root, c, None))
        .collect();
    let mut counts = [0usize; 4];
    let (mut up_total, mut up_pass, mut up_deliberate) = (0usize, 0usize, 0usize);
    let mut equivalents_passing = 0usize;
    println!("| case | user pool | result | details |");
    println!("|---|---|---|---|");
    for (run, case) in runs.iter().zip(&cases) {
        let mut s = status(run, &mut problems);
        let mut equivalent = "";
        if let Some(listed) = allow::find(DELIBERATE, &run.id)
            .filter(|l| s == Status::Deliberate && !l.equivalent.is_empty())
        {
            let eq = run_case_catching(&root, case, Some(listed.equivalent));
            if eq.failures.is_empty() {
                equivalent = " (our equivalent passes)";
                equivalents_passing += 1;
            } else {
                problems.push(format!(
                    "{}: our equivalent fails: {}",
                    run.id,
                    eq.failures.join(" | ")
                ));
                s = Status::Fail;
            }
        }
        counts[s as usize] += 1;
        if run.user_pool {
            up_total += 1;
            up_pass += usize::from(s == Status::Pass);
            up_deliberate += usize::from(s == Status::Deliberate);
        }
        let reason = allow::find(DELIBERATE, &run.id)
            .or_else(|| allow::find(KNOWN_MACHINE_BUGS, &run.id))
            .filter(|_| s != Status::Pass && s != Status::Fail)
            .map(|l| l.reason.to_owned());
        let details = reason.unwrap_or_else(|| run.failures.join(" | "));
        println!(
            "| {} | {} | {} | {} |",
            run.id,
            if run.user_pool { "yes" } else { "no" },
            s.label(),
            details.replace('|', "/") + equivalent
        );
        if std::env::var_os("CONFORMANCE_VERBOSE").is_some() {
            for f in &run.failures {
                println!("    failure: {f}");
            }
            for n in &run.notes {
                println!("    note: {n}");
            }
        }
    }
    let considered = up_total - up_deliberate;
    // Counts are small, so the conversions are exact.
    let rate = up_pass as f64 / considered.max(1) as f64;
    let raw = up_pass as f64 / up_total.max(1) as f64;
    println!(
        "\n{} cases: {} pass, {} fail, {} deliberate differences ({equivalents_passing} of them \
         pass when expressed with our API), {} known machine bugs",
        runs.len(),
        counts[Status::Pass as usize],
        counts[Status::Fail as usize],
        counts[Status::Deliberate as usize],
        counts[Status::KnownBug as usize],
    );
    println!(
        "user-pool cases: {up_pass} of {considered} pass ({:.1}%) leaving out {up_deliberate} \
         deliberate differences; {up_pass} of {up_total} ({:.1}%) counting them",
        rate * 100.0,
        raw * 100.0
    );
    assert!(
        problems.is_empty(),
        "conformance problems:\n  {}",
        problems.join("\n  ")
    );
    assert!(
        rate >= MIN_PASS_RATE,
        "user-pool pass rate {:.1}% is below {:.0}%",
        rate * 100.0,
        MIN_PASS_RATE * 100.0
    );
}

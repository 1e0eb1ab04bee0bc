//! `just sim SEEDS=1000000`: runs the simulator over many seeds on every core and prints
//! seeds/s. Usage: `sim [SEEDS] [FIRST_SEED]`. Exits 1 with the first failure's trace and the
//! `SEED=<n>` line that reproduces it.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use cognito_auth_tests::sim::{self, Budget, Failure};

fn arg(n: usize, default: u64) -> Result<u64, String> {
    match std::env::args().nth(n) {
        Some(v) => v
            .parse()
            .map_err(|_| format!("argument {n} must be a number: {v}")),
        None => Ok(default),
    }
}

fn main() -> ExitCode {
    let (seeds, first) = match (arg(1, 10_000), arg(2, 0)) {
        (Ok(s), Ok(f)) => (s, f),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = AtomicU64::new(first);
    let done = AtomicU64::new(0);
    let failure: Mutex<Option<Box<Failure>>> = Mutex::new(None);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                let stop = failure.lock().map_or(true, |f| f.is_some());
                if seed >= first + seeds || stop {
                    break;
                }
                match sim::run(seed, Budget::default()) {
                    Ok(_) => {
                        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                        if n.is_multiple_of(100_000) {
                            let rate = n as f64 / started.elapsed().as_secs_f64();
                            eprintln!("{n} seeds, {rate:.0} seeds/s");
                        }
                    }
                    Err(f) => {
                        if let Ok(mut slot) = failure.lock() {
                            if slot.as_ref().is_none_or(|g| f.seed < g.seed) {
                                *slot = Some(f);
                            }
                        }
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    println!(
        "{n} seeds passed in {elapsed:.1} s on {threads} threads: {:.0} seeds/s",
        n as f64 / elapsed
    );
    match failure.into_inner().ok().flatten() {
        Some(f) => {
            eprintln!("{f}");
            ExitCode::FAILURE
        }
        None => ExitCode::SUCCESS,
    }
}

//! `-v`/`-vv`/`-vvv`: tracing to stderr. This crate and the engine get the chosen level; other
//! crates (the AWS SDK, hyper) stay at most at INFO, because their lower levels describe HTTP
//! traffic, and secrets must never reach the log at any level. The engine and machine log
//! secrets only as `[redacted]` (their `Secret` type), and this crate never logs them.

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// The levels for `verbosity` (the number of `-v`): ours, then everyone else's.
pub(crate) fn levels(verbosity: u8) -> (LevelFilter, LevelFilter) {
    match verbosity {
        0 => (LevelFilter::WARN, LevelFilter::ERROR),
        1 => (LevelFilter::INFO, LevelFilter::WARN),
        2 => (LevelFilter::DEBUG, LevelFilter::INFO),
        _ => (LevelFilter::TRACE, LevelFilter::INFO),
    }
}

/// Installs the stderr subscriber.
pub(crate) fn init(verbosity: u8) {
    let (ours, others) = levels(verbosity);
    let filter = Targets::new()
        .with_default(others)
        .with_target("cognito_auth", ours)
        .with_target("cognito_auth_machine", ours)
        .with_target("cognito_auth_cli", ours);
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // Without -v only warnings show, for the person at the terminal: no timestamp, no module
    // path (`WARN corrupt session file moved aside ...`). With -v, the full trace format.
    let plain = (verbosity == 0).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .without_time()
            .with_target(false)
    });
    let detailed = (verbosity > 0).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
    });
    // A second initialisation (never in the binary) is harmless: the first one stays.
    let _ = tracing_subscriber::registry()
        .with(plain)
        .with(detailed)
        .with(filter)
        .try_init();
}

//! Spinners on stderr for waits longer than a moment; nothing at all when stderr is not a
//! terminal (scripts and tests see clean output).

use std::future::Future;
use std::io::IsTerminal as _;
use std::time::Duration;

/// How long a wait goes unannounced.
const MOMENT: Duration = Duration::from_millis(300);

/// Awaits `work`, showing a spinner with `what` once it takes longer than a moment.
pub(crate) async fn waiting<T>(what: &str, work: impl Future<Output = T>) -> T {
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    let mut work = std::pin::pin!(work);
    tokio::select! {
        out = &mut work => return out,
        () = tokio::time::sleep(MOMENT) => {}
    }
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("{what}…"));
    spinner.enable_steady_tick(Duration::from_millis(100));
    let out = work.await;
    spinner.finish_and_clear();
    out
}

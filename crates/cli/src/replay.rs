//! The `replay` command: runs a recorded event log through a fresh machine, offline, and
//! summarises what it did (counts and state changes; never the log's secrets).

use std::path::Path;

use cognito_auth::event_log::{read_log, ReplayError};
use cognito_auth::machine::Output;

use crate::report::{state_name, Reporter};

/// A replay could not be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayCommandError {
    /// The file could not be opened.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The log is not a valid event log.
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

/// What a replay produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplaySummary {
    /// Inputs in the log.
    pub inputs: usize,
    /// Outputs of the replay.
    pub outputs: usize,
    /// Effects the machine asked for (service calls, SRP, store, ...), not performed.
    pub effects: usize,
    /// Replies to app calls that succeeded.
    pub replies_ok: usize,
    /// Replies to app calls that failed.
    pub replies_err: usize,
    /// The user states, in order (the first is where the machine started).
    pub states: Vec<&'static str>,
}

/// Replays the log at `path` and prints a summary.
pub fn run(path: &Path, out: &Reporter) -> Result<ReplaySummary, ReplayCommandError> {
    let open = || {
        std::fs::File::open(path)
            .map(std::io::BufReader::new)
            .map_err(|source| ReplayCommandError::Open {
                path: path.display().to_string(),
                source,
            })
    };
    let log = read_log(open()?)?;
    let outputs = cognito_auth::replay(open()?)?;
    let summary = summarise(log.inputs.len(), &outputs);
    out.line(format!(
        "replayed {} offline: {} inputs -> {} outputs",
        path.display(),
        summary.inputs,
        summary.outputs
    ));
    out.line(format!(
        "  {} effects requested (not performed); replies: {} ok, {} failed",
        summary.effects, summary.replies_ok, summary.replies_err
    ));
    out.line(format!("  states: {}", summary.states.join(" -> ")));
    Ok(summary)
}

fn summarise(inputs: usize, outputs: &[Output]) -> ReplaySummary {
    let mut summary = ReplaySummary {
        inputs,
        outputs: outputs.len(),
        ..ReplaySummary::default()
    };
    for output in outputs {
        match output {
            Output::Effect { .. } => summary.effects += 1,
            Output::Reply { result: Ok(_), .. } => summary.replies_ok += 1,
            Output::Reply { result: Err(_), .. } => summary.replies_err += 1,
            Output::UserStateChanged { from, to } => {
                if summary.states.is_empty() {
                    summary.states.push(state_name(*from));
                }
                summary.states.push(state_name(*to));
            }
            _ => {}
        }
    }
    summary
}

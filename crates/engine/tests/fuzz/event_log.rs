//! The `event_log` fuzz target's check (`fuzz/fuzz_targets/event_log.rs` includes this file by
//! path; `tests/fuzz_corpus.rs` replays the committed corpus through it).
//!
//! Beyond "never panics": a log that reads writes back (secrets in clear, as the writer does)
//! to a log that reads as the same value, an error's message names a position and a category
//! and nothing of the input (the lines hold secrets), and a log that reads replays through a
//! fresh machine, the same way twice.
#![allow(dead_code, unreachable_pub, missing_docs)]
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use cognito_auth::event_log::{read_log, replay, EventLogWriter};

/// Replaying runs SRP for recorded results; long logs add little.
const MAX_REPLAYED_INPUTS: usize = 64;

/// Error messages with their digits taken out: each names a line, a column and a category,
/// never what the line held.
const MESSAGES: [&str; 7] = [
    "the event log is empty (no header line)",
    "line : invalid JSON at column ",
    "line : unexpected JSON structure at column ",
    "line : truncated JSON at column ",
    "line : I/O error at column ",
    "line : log version  is not supported (this build reads )",
    "reading the event log: stream did not contain valid UTF-",
];

fn is_contents_free(message: &str) -> bool {
    let shape: String = message.chars().filter(|c| !c.is_ascii_digit()).collect();
    // The header's `format` field is quoted: it says what the file is, never a secret.
    MESSAGES.contains(&shape.as_str())
        || shape.starts_with("line : not a cognito-auth event log (format ")
}

pub fn check(data: &[u8]) {
    match read_log(data) {
        Err(e) => {
            let message = e.to_string();
            assert!(
                is_contents_free(&message),
                "the error says more than a position and a category: {message}"
            );
        }
        Ok(log) => {
            let mut writer =
                EventLogWriter::new(Vec::new(), &log.header).expect("writes to memory");
            for input in &log.inputs {
                writer.append(input).expect("writes to memory");
            }
            let bytes = writer.into_inner().expect("flushes to memory");
            let back = read_log(bytes.as_slice()).expect("a written log reads back");
            assert_eq!(back, log, "a log reads back as written");
            if log.inputs.len() <= MAX_REPLAYED_INPUTS {
                let first = replay(bytes.as_slice()).expect("a log that reads replays");
                let second = replay(bytes.as_slice()).expect("a log that reads replays");
                assert_eq!(first, second, "replay is deterministic");
            }
        }
    }
}

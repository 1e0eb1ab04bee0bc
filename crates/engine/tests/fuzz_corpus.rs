//! The committed corpus of the `event_log` fuzz target (`fuzz/corpus/event_log/`), run through
//! the same check as the fuzzer runs, so CI replays it on stable without a fuzzer.

#![allow(clippy::expect_used, clippy::panic, missing_docs)]

#[path = "fuzz/event_log.rs"]
mod event_log;

use std::path::{Path, PathBuf};

#[test]
fn event_log_corpus_keeps_its_promises() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/event_log");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{} has its seed files", dir.display());
    for path in files {
        let bytes = std::fs::read(&path).expect("a readable corpus file");
        if std::panic::catch_unwind(|| event_log::check(&bytes)).is_err() {
            panic!("corpus file {} fails the event_log check", path.display());
        }
    }
}

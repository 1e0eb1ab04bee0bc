//! The committed corpora of the `jwt` and `service_response` fuzz targets
//! (`fuzz/corpus/<target>/`), run through the same checks as the fuzzer runs, so CI replays
//! them on stable without a fuzzer. (`machine` and `config` replay in `tests/replay.rs` and
//! `tests/config.rs`.)

// Test helpers outside `#[test]` functions: a failed expectation is a test failure.
#![allow(clippy::expect_used, clippy::panic)]

#[path = "model/mod.rs"]
mod model;

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{} has its seed files", dir.display());
    files
        .into_iter()
        .map(|path| {
            // The no-IO rule is the machine's; the test reads its corpus.
            #[allow(clippy::disallowed_methods)]
            let bytes = std::fs::read(&path).expect("a readable corpus file");
            (path, bytes)
        })
        .collect()
}

fn replay(target: &str, check: fn(&[u8])) {
    for (path, bytes) in corpus(target) {
        if std::panic::catch_unwind(|| check(&bytes)).is_err() {
            panic!("corpus file {} fails the {target} check", path.display());
        }
    }
}

#[test]
fn jwt_corpus_keeps_its_promises() {
    replay("jwt", model::jwt_check::check);
}

#[test]
fn service_response_corpus_keeps_every_promise_and_replays() {
    replay("service_response", model::service_response::check);
}

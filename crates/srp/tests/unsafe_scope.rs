//! `unsafe` stays where it was allowed: the workspace denies `unsafe_code`, and exactly one
//! module, the BMI2/ADX kernels of this crate (`src/mont/x86_64.rs`), opts out. This test scans
//! the workspace's Rust sources so a second opt-out fails CI instead of slipping in.

// Test helpers: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// The one file allowed to contain `unsafe` code, relative to the workspace root.
const THE_UNSAFE_MODULE: &str = "crates/srp/src/mont/x86_64.rs";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Every `.rs` file under `dir`, recursively (skipping build output).
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The workspace's Rust sources: every crate under `crates/`, the `tests/` package and the
/// fuzz targets.
fn sources(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        rust_files(&entry.unwrap().path(), &mut files);
    }
    rust_files(&root.join("tests"), &mut files);
    rust_files(&root.join("fuzz"), &mut files);
    files.sort();
    files
}

/// `text` without whitespace, so an attribute spread over lines or padded with spaces still matches.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn only_one_module_opts_out_of_the_unsafe_code_lint() {
    let root = workspace_root();
    let files = sources(&root);
    assert!(
        files.iter().any(|f| f.ends_with("crates/srp/src/lib.rs")),
        "the scan must see this crate's sources"
    );
    // The patterns are assembled at run time so this file does not match them itself.
    let lint = "unsafe_code";
    let patterns = [
        format!("allow({lint}"),
        format!("expect({lint}"),
        format!("warn({lint}"),
        format!(",{lint})"),
        format!(",{lint},"),
    ];
    let opting_out: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = squeezed(&std::fs::read_to_string(f).unwrap());
            patterns.iter().any(|pat| text.contains(pat.as_str()))
        })
        .map(|f| f.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert_eq!(opting_out, [THE_UNSAFE_MODULE]);
}

#[test]
fn the_workspace_denies_unsafe_code() {
    let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
    let lints = manifest
        .split("[workspace.lints.rust]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    let level = lints
        .lines()
        .find_map(|l| l.trim().strip_prefix("unsafe_code").map(str::trim))
        .unwrap();
    assert!(
        level == "= \"deny\"" || level == "= \"forbid\"",
        "unsafe_code is {level}"
    );
}

#[test]
fn every_unsafe_block_argues_its_safety() {
    let text = std::fs::read_to_string(workspace_root().join(THE_UNSAFE_MODULE)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = 0;
    for (i, line) in lines.iter().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        if code.contains("unsafe {") || code.contains("unsafe fn") || code.contains("unsafe impl") {
            blocks += 1;
            // The nearest comment block above must start with `// SAFETY:`.
            let comment_start = lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.trim_start().starts_with("//"))
                .last();
            assert!(
                comment_start.is_some_and(|l| l.trim_start().starts_with("// SAFETY:")),
                "{THE_UNSAFE_MODULE}:{}: `unsafe` without a `// SAFETY:` comment",
                i + 1
            );
        }
    }
    assert!(
        blocks >= 1,
        "the module was expected to hold the unsafe code"
    );
}

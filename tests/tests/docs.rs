//! The README's embedding example is `crates/engine/examples/quickstart.rs` (compiled with the
//! engine's examples), line for line.
#![allow(clippy::expect_used, missing_docs)]

/// The example without its leading `//!` comment.
fn example() -> String {
    let text = include_str!("../../crates/engine/examples/quickstart.rs");
    text.lines()
        .filter(|l| !l.starts_with("//!"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The ```rust block that follows the quickstart marker in README.md.
fn readme_block() -> String {
    let readme = include_str!("../../README.md");
    let (_, after) = readme
        .split_once("<!-- quickstart:")
        .expect("README.md has the quickstart marker");
    let (_, code) = after
        .split_once("```rust\n")
        .expect("a ```rust block after the marker");
    code.split_once("```").expect("the block ends").0.to_owned()
}

#[test]
fn the_readme_embedding_example_is_the_quickstart_example() {
    let (readme, example) = (readme_block(), example());
    assert!(
        readme == example,
        "README.md's embedding example differs from crates/engine/examples/quickstart.rs; \
         copy the example (without its //! lines) into the README.\nREADME:\n{readme}\n\
         example:\n{example}"
    );
    let lines = example.lines().count();
    assert!(
        lines <= 40,
        "the README example should stay short ({lines} lines)"
    );
}

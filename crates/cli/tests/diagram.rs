//! `cognito-auth diagram` prints the machine's transition table as Mermaid, and
//! `docs/STATES.md` holds exactly what it prints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::process::Command;

fn diagram(args: &[&str]) -> String {
    let run = Command::new(env!("CARGO_BIN_EXE_cognito-auth"))
        .args(args)
        .arg("diagram")
        .output()
        .expect("the cognito-auth binary runs");
    assert!(
        run.status.success(),
        "diagram failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout).expect("UTF-8")
}

/// The ```mermaid block of docs/STATES.md.
fn committed() -> String {
    let doc = include_str!("../../../docs/STATES.md");
    let block = doc
        .split_once("```mermaid\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("docs/STATES.md has a ```mermaid block")
        .0;
    block.to_owned()
}

#[test]
fn docs_states_md_holds_what_diagram_prints() {
    let printed = diagram(&[]);
    assert!(printed.starts_with("stateDiagram-v2\n"), "{printed}");
    assert!(
        committed() == printed,
        "docs/STATES.md is stale: replace its ```mermaid block with the output of \
         `cargo run -q -p cognito-auth-cli -- diagram`\n\nit prints:\n{printed}"
    );
}

#[test]
fn diagram_with_json_is_one_document_holding_the_same_text() {
    let printed = diagram(&[]);
    let json: serde_json::Value = serde_json::from_str(&diagram(&["--json"])).unwrap();
    assert_eq!(json["mermaid"].as_str().unwrap(), printed);
}

//! The emulator driven by amazon-cognito-identity-js (SRP sign-in, refresh, device confirmation
//! and DEVICE_SRP_AUTH). Needs `npm ci --prefix crates/emulator/tests/js` first.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

use cognito_auth_emulator::http::BackgroundServer;
use cognito_auth_emulator::{Emulator, EmulatorConfig};

#[test]
fn amazon_cognito_identity_js_srp_refresh_and_devices() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    assert!(
        dir.join("node_modules/amazon-cognito-identity-js").exists(),
        "amazon-cognito-identity-js is not installed: run `npm ci --prefix crates/emulator/tests/js`"
    );
    let server = BackgroundServer::start(
        "127.0.0.1:0",
        Emulator::new(EmulatorConfig {
            seed: 5,
            ..EmulatorConfig::default()
        })
        .unwrap(),
    )
    .unwrap();
    let out = Command::new("node")
        .arg("identity_js.mjs")
        .arg(server.endpoint())
        .current_dir(&dir)
        .output()
        .expect("node must be installed to run this test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "identity_js.mjs failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("all 4 checks passed"), "printed:\n{stdout}");
}

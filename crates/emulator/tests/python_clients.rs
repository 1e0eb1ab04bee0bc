//! The emulator driven over HTTP by clients no one here wrote: boto3, botocore's signer, PyJWT,
//! requests and pycognito. Each script runs against a fresh in-process server and must print its
//! checks and exit 0.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

use cognito_auth_emulator::http::BackgroundServer;
use cognito_auth_emulator::{Emulator, EmulatorConfig};

fn python() -> PathBuf {
    let venv = std::env::var_os("COGNITO_AUTH_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
    let py = venv.join("bin/python");
    assert!(
        py.exists(),
        "no Python venv at {}: run scripts/setup-venv.sh (or set COGNITO_AUTH_VENV)",
        venv.display()
    );
    py
}

fn run_script(name: &str) {
    run_script_with(
        name,
        EmulatorConfig {
            seed: 11,
            ..EmulatorConfig::default()
        },
    );
}

fn run_script_with(name: &str, config: EmulatorConfig) {
    let server = BackgroundServer::start("127.0.0.1:0", Emulator::new(config).unwrap()).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/py")
        .join(name);
    let out = Command::new(python())
        .arg(&script)
        .arg(server.endpoint())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{name} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("checks passed"),
        "{name} printed:\n{stdout}"
    );
}

#[test]
fn boto3_user_pools() {
    run_script("boto3_user_pools.py");
}

#[test]
fn boto3_pool_mfa_config_and_update_user_pool() {
    run_script("boto3_pool_settings.py");
}

#[test]
fn boto3_identity_pools() {
    run_script("boto3_identity_pools.py");
}

#[test]
fn boto3_groups_claims_and_role_mappings() {
    run_script("boto3_groups.py");
}

#[test]
fn pycognito_srp_sign_in() {
    run_script("pycognito_srp.py");
}

#[test]
fn boto3_sts_verifies_signatures_with_issued_credentials() {
    run_script("boto3_sts.py");
}

#[test]
fn boto3_get_user_needs_the_admin_scope_of_a_hosted_ui_token() {
    run_script("boto3_scopes.py");
}

#[test]
fn pyjwt_verifies_tokens_and_boto3_refreshes_them() {
    run_script("pyjwt_tokens.py");
}

#[test]
fn boto3_error_responses_and_user_existence_errors() {
    run_script("boto3_error_responses.py");
}

#[test]
fn requests_drives_the_hosted_ui_endpoints() {
    run_script("requests_hosted_ui.py");
}

#[test]
fn botocore_signs_what_cognito_authorizes_with_iam() {
    run_script_with(
        "botocore_sigv4.py",
        EmulatorConfig {
            seed: 11,
            require_signed_iam_calls: true,
            ..EmulatorConfig::default()
        },
    );
}

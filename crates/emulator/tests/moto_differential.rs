//! Differential test: the same sequences against the emulator and against moto (an independent
//! Cognito implementation, started here as `moto_server`), comparing outcome classes (success or
//! error code) step by step.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cognito_auth_emulator::http::BackgroundServer;
use cognito_auth_emulator::{Emulator, EmulatorConfig};

fn venv() -> PathBuf {
    let venv = std::env::var_os("COGNITO_AUTH_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
    assert!(
        venv.join("bin/moto_server").exists(),
        "no moto_server in {}: run scripts/setup-venv.sh (or set COGNITO_AUTH_VENV)",
        venv.display()
    );
    venv
}

/// Kills the moto server this test started when the test ends, pass or fail.
struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_moto(venv: &std::path::Path) -> (Moto, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(venv.join("bin/moto_server"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let moto = Moto(child);
    // Waiting for a child process to listen is set-up, not an assertion on timing.
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (moto, port)
}

#[test]
fn emulator_and_moto_agree_on_outcome_classes() {
    let venv = venv();
    let (_moto, port) = start_moto(&venv);
    let server = BackgroundServer::start(
        "127.0.0.1:0",
        Emulator::new(EmulatorConfig::default()).unwrap(),
    )
    .unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/py/differential.py");
    let out = Command::new(venv.join("bin/python"))
        .arg(script)
        .arg(server.endpoint())
        .arg(format!("http://127.0.0.1:{port}"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "outcomes differ or the script failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains(" 0 differ"), "printed:\n{stdout}");
}

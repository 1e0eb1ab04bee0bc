//! The `emulator` command: serves the Cognito emulator over HTTP until Ctrl-C, with the demo
//! pools or a seed file.

use cognito_auth_emulator::http::{serve_shared, system_now, Shared};
use cognito_auth_emulator::{Emulator, EmulatorConfig};

use crate::report::Reporter;

/// The server could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorCommandError {
    /// The seed file could not be read or applied.
    #[error("seed file {path}: {reason}")]
    Seed {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The address could not be listened on (in use, not an address of this machine).
    #[error("cannot listen on {addr}: {reason}")]
    Listen {
        /// `host:port`.
        addr: String,
        /// Why.
        reason: String,
    },
    /// The emulator or its server failed.
    #[error("emulator: {0}")]
    Emulator(String),
}

/// Serves on `host:port` until Ctrl-C. Without `seed_file`, serves the demo's pools. Once it
/// listens it prints one line: a sentence, or with `json` a JSON document (`endpoint`, and the
/// demo pools' `user_pool_id`, `client_id`, `identity_pool_id` without a seed file), from which
/// a script that chose `--port 0` reads the port.
pub async fn run(
    host: &str,
    port: u16,
    seed_file: Option<&str>,
    json: bool,
    out: &Reporter,
) -> Result<(), EmulatorCommandError> {
    let emulator = match seed_file {
        None => crate::demo::demo_emulator()
            .map_err(|e| EmulatorCommandError::Emulator(e.to_string()))?,
        Some(path) => {
            let seed_error = |reason: String| EmulatorCommandError::Seed {
                path: path.to_owned(),
                reason,
            };
            let text = std::fs::read_to_string(path).map_err(|e| seed_error(e.to_string()))?;
            let doc: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| seed_error(format!("not JSON: {e}")))?;
            let mut config = EmulatorConfig::default();
            if let Some(seed) = doc.get("seed").and_then(serde_json::Value::as_u64) {
                config.seed = seed;
            }
            if let Some(region) = doc.get("region").and_then(serde_json::Value::as_str) {
                region.clone_into(&mut config.region);
            }
            let mut emulator =
                Emulator::new(config).map_err(|e| EmulatorCommandError::Emulator(e.to_string()))?;
            emulator
                .apply_seed(&doc, system_now())
                .map_err(|e| seed_error(e.to_string()))?;
            emulator
        }
    };
    let addr = format!("{host}:{port}");
    let server = serve_shared(&addr, Shared::new(emulator))
        .await
        .map_err(|e| EmulatorCommandError::Listen {
            addr: addr.clone(),
            reason: e.to_string(),
        })?;
    out.line(listening_line(&server.endpoint(), seed_file, json));
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| EmulatorCommandError::Emulator(e.to_string()))?;
    server.shutdown();
    Ok(())
}

fn listening_line(endpoint: &str, seed_file: Option<&str>, json: bool) -> String {
    use crate::demo::{CLIENT_ID, IDENTITY_POOL_ID, POOL_ID};
    if json {
        let doc = match seed_file {
            Some(path) => serde_json::json!({"endpoint": endpoint, "seed_file": path}),
            None => serde_json::json!({
                "endpoint": endpoint,
                "user_pool_id": POOL_ID,
                "client_id": CLIENT_ID,
                "identity_pool_id": IDENTITY_POOL_ID,
            }),
        };
        return doc.to_string();
    }
    let pools = match seed_file {
        Some(path) => format!("seeded from {path}"),
        None => format!(
            "demo pools: user pool {POOL_ID}, client {CLIENT_ID}, identity pool {IDENTITY_POOL_ID}"
        ),
    };
    format!("cognito-auth emulator listening on {endpoint} ({pools}); Ctrl-C stops it")
}

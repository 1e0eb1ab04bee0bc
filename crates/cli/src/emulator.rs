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
    /// The emulator or its server failed.
    #[error("emulator: {0}")]
    Emulator(String),
}

/// Serves on `host:port` until Ctrl-C. Without `seed_file`, serves the demo's pools.
pub async fn run(
    host: &str,
    port: u16,
    seed_file: Option<&str>,
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
    let server = serve_shared(&format!("{host}:{port}"), Shared::new(emulator))
        .await
        .map_err(|e| EmulatorCommandError::Emulator(e.to_string()))?;
    out.line(format!(
        "cognito-auth emulator listening on {} ({}); Ctrl-C stops it",
        server.endpoint(),
        match seed_file {
            Some(path) => format!("seeded from {path}"),
            None => format!(
                "demo pools: user pool {}, client {}, identity pool {}",
                crate::demo::POOL_ID,
                crate::demo::CLIENT_ID,
                crate::demo::IDENTITY_POOL_ID
            ),
        }
    ));
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| EmulatorCommandError::Emulator(e.to_string()))?;
    server.shutdown();
    Ok(())
}

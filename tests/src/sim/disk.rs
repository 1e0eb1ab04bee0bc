//! The simulated disk: what the engine's store would hold, kept as the bytes of the store's
//! envelope (format `cognito-auth-session`, version 1), so every save is serialised with its
//! secrets and every load decodes it as the real store does.

use cognito_auth::machine::secret::expose_secrets_while;
use cognito_auth::machine::PersistedSession;
use serde::{Deserialize, Serialize};

const FORMAT: &str = "cognito-auth-session";
const VERSION: u32 = 1;

#[derive(Serialize)]
struct Out<'a> {
    format: &'static str,
    version: u32,
    session: &'a PersistedSession,
}

#[derive(Deserialize)]
struct In {
    format: String,
    version: u32,
    session: PersistedSession,
}

/// The bytes on the simulated disk (`None`: nothing stored).
#[derive(Debug, Default, Clone)]
pub struct Disk {
    bytes: Option<Vec<u8>>,
}

impl Disk {
    /// Writes `session` as the store's envelope.
    pub fn save(&mut self, session: &PersistedSession) -> Result<(), String> {
        let bytes = expose_secrets_while(|| {
            serde_json::to_vec_pretty(&Out {
                format: FORMAT,
                version: VERSION,
                session,
            })
        })
        .map_err(|e| format!("encoding the session failed: {e}"))?;
        self.bytes = Some(bytes);
        Ok(())
    }

    /// Reads the stored session back.
    pub fn load(&self) -> Result<Option<PersistedSession>, String> {
        let Some(bytes) = &self.bytes else {
            return Ok(None);
        };
        let envelope: In = serde_json::from_slice(bytes)
            .map_err(|e| format!("the stored session does not decode: {e}"))?;
        if envelope.format != FORMAT || envelope.version != VERSION {
            return Err("the stored session has a foreign envelope".to_owned());
        }
        Ok(Some(envelope.session))
    }
}

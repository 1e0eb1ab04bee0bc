//! Where the session survives restarts: the [`SessionStore`] trait and its implementations.
//!
//! A stored session holds refresh tokens, device secrets and AWS credentials: treat every store
//! as a secret. The file store writes mode 0600 files atomically; the keyring store (feature
//! `keyring`) keeps the session in the OS keyring; the memory store keeps nothing across runs.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use cognito_auth_machine::PersistedSession;

mod file;
#[cfg(all(feature = "keyring", target_os = "linux"))]
mod keyring;
mod memory;

pub use file::FileStore;
#[cfg(all(feature = "keyring", target_os = "linux"))]
pub use keyring::KeyringStore;
pub use memory::MemoryStore;

/// A boxed, sendable future (keeps [`SessionStore`] usable as `dyn SessionStore`).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Persistence for the session. Implementations must be safe to call from any task; the driver
/// calls them one at a time, in the order the machine asked.
pub trait SessionStore: Send + Sync + 'static {
    /// The stored session, `Ok(None)` when nothing is stored.
    fn load(&self) -> StoreFuture<'_, Option<PersistedSession>>;
    /// Replaces the stored session.
    fn save<'a>(&'a self, session: &'a PersistedSession) -> StoreFuture<'a, ()>;
    /// Removes the stored session (nothing stored is not an error).
    fn clear(&self) -> StoreFuture<'_, ()>;
}

/// A store operation failed. Messages never contain session contents.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading or writing failed.
    #[error("{operation} {path}: {source}")]
    Io {
        /// What was being done (`read`, `write`, `rename`, ...).
        operation: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The stored data could not be read as a session. The file was moved aside (when
    /// `quarantined_to` is set) so that nothing is lost and the next save starts afresh.
    #[error("corrupt session file {path} ({reason}){}", quarantine_note(.quarantined_to))]
    Corrupt {
        /// The file that was read.
        path: PathBuf,
        /// Where it was moved, if moving it worked.
        quarantined_to: Option<PathBuf>,
        /// What was wrong (position and category only, never the contents).
        reason: String,
    },
    /// The OS keyring failed.
    #[error("keyring: {0}")]
    Keyring(String),
    /// The session could not be encoded (should not happen with well-formed sessions).
    #[error("encoding the session: {0}")]
    Encode(String),
    /// Another process signed out after this store last read or wrote the file, and this save
    /// would have brought the session back; nothing was written. See the merge rule on
    /// [`FileStore`] (the keyring store follows the same rule).
    #[error("{path}: signed out by another process; the session was not written back")]
    SignedOutElsewhere {
        /// The session file.
        path: PathBuf,
    },
    /// The store did not answer in time.
    #[error("{operation} took longer than {}s", .after.as_secs_f64())]
    Timeout {
        /// What was being done (`load`, `save`).
        operation: &'static str,
        /// The limit.
        after: std::time::Duration,
    },
}

impl StoreError {
    /// True when retrying the same operation cannot help (the data or the other process's
    /// decision is definitive); I/O, keyring and timeout failures may be transient.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            Self::Corrupt { .. } | Self::Encode(_) | Self::SignedOutElsewhere { .. }
        )
    }
}

/// True when `session` holds a user (user-pool tokens or a federated login): what a sign-out
/// removes.
pub(crate) fn holds_user(session: &PersistedSession) -> bool {
    session.tokens.is_some() || session.federation.is_some()
}

/// The generation a persistent store's handle last wrote or read (0: none, or cleared), the
/// `known` of [`next_generation`].
#[derive(Debug, Default)]
pub(crate) struct KnownGeneration(std::sync::atomic::AtomicU64);

impl KnownGeneration {
    pub(crate) fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub(crate) fn set(&self, generation: u64) {
        self.0
            .store(generation, std::sync::atomic::Ordering::SeqCst);
    }
}

/// What a read of a persistent store found.
pub(crate) enum Stored {
    Missing,
    Session(Box<PersistedSession>, u64),
}

/// The merge rule of the persistent stores (file and keyring), applied under their lock before
/// every save: the generation to write `saving` with, given the generation this process last
/// wrote or read (`known`) and what the store holds now (`stored`, as read).
///
/// - A corrupt entry already moved aside counts as missing: nothing is lost by writing afresh.
///   Any other read error is returned: never write over what could not be read.
/// - A newer generation that holds no user (another process signed out) is not overwritten
///   by a session that holds one: [`StoreError::SignedOutElsewhere`] naming `location()`.
/// - Otherwise the next generation after both the stored and the known one.
pub(crate) fn next_generation(
    known: u64,
    stored: Result<Stored, StoreError>,
    saving: &PersistedSession,
    location: impl FnOnce() -> PathBuf,
) -> Result<u64, StoreError> {
    let stored = match stored {
        Ok(found) => found,
        Err(StoreError::Corrupt {
            quarantined_to: Some(_),
            ..
        }) => Stored::Missing,
        Err(e) => return Err(e),
    };
    let stored_generation = match stored {
        Stored::Missing => 0,
        Stored::Session(session, generation) => {
            if generation > known && !holds_user(&session) && holds_user(saving) {
                return Err(StoreError::SignedOutElsewhere { path: location() });
            }
            generation
        }
    };
    Ok(stored_generation.max(known).saturating_add(1))
}

fn quarantine_note(to: &Option<PathBuf>) -> String {
    match to {
        Some(p) => format!("; moved to {}", p.display()),
        None => "; it could not be moved aside".to_owned(),
    }
}

/// The envelope every serialized session is wrapped in, so a future format can be recognised.
pub(crate) mod envelope {
    use cognito_auth_machine::secret::expose_secrets_while;
    use cognito_auth_machine::PersistedSession;
    use serde::{Deserialize, Serialize};

    /// Marks the JSON as ours.
    pub(crate) const FORMAT: &str = "cognito-auth-session";
    /// The envelope version this build writes and reads.
    pub(crate) const VERSION: u32 = 1;

    #[derive(Serialize)]
    struct Out<'a> {
        format: &'static str,
        version: u32,
        /// Bumped by every write of the file and keyring stores (their merge rule); readers
        /// that predate it ignore it, and a file without it reads as generation 0.
        generation: u64,
        session: &'a PersistedSession,
    }

    #[derive(Deserialize)]
    struct Head {
        format: String,
        version: u32,
    }

    #[derive(Deserialize)]
    struct In {
        #[serde(default)]
        generation: u64,
        session: PersistedSession,
    }

    /// Serializes a session in the current envelope, tokens and device secrets in clear (a
    /// stored session must restore the user): this is the store's opt-in, outside it secrets
    /// serialise as `[redacted]`.
    #[cfg(test)]
    pub(crate) fn encode(session: &PersistedSession) -> Result<Vec<u8>, String> {
        encode_generation(session, 0)
    }

    /// Serializes a session with the store's write generation.
    pub(crate) fn encode_generation(
        session: &PersistedSession,
        generation: u64,
    ) -> Result<Vec<u8>, String> {
        expose_secrets_while(|| {
            serde_json::to_vec_pretty(&Out {
                format: FORMAT,
                version: VERSION,
                generation,
                session,
            })
        })
        .map_err(|e| e.classify_description())
    }

    /// Reads an envelope. The error says what was wrong without quoting the data (serde's own
    /// messages may quote values, and values here are tokens).
    #[cfg(test)]
    pub(crate) fn decode(bytes: &[u8]) -> Result<PersistedSession, String> {
        decode_generation(bytes).map(|(session, _)| session)
    }

    /// Reads an envelope and the generation the store wrote (0 when absent).
    pub(crate) fn decode_generation(bytes: &[u8]) -> Result<(PersistedSession, u64), String> {
        let head: Head = serde_json::from_slice(bytes).map_err(|e| describe(&e))?;
        if head.format != FORMAT {
            return Err("not a cognito-auth session file".to_owned());
        }
        if head.version != VERSION {
            return Err(format!(
                "envelope version {} is not supported (this build reads {VERSION})",
                head.version
            ));
        }
        let inner: In = serde_json::from_slice(bytes).map_err(|e| describe(&e))?;
        Ok((inner.session, inner.generation))
    }

    fn describe(e: &serde_json::Error) -> String {
        format!(
            "{} at line {} column {}",
            e.classify_description(),
            e.line(),
            e.column()
        )
    }

    trait Classify {
        fn classify_description(&self) -> String;
    }

    impl Classify for serde_json::Error {
        fn classify_description(&self) -> String {
            match self.classify() {
                serde_json::error::Category::Io => "I/O error",
                serde_json::error::Category::Syntax => "invalid JSON",
                serde_json::error::Category::Data => "unexpected JSON structure",
                serde_json::error::Category::Eof => "truncated JSON",
            }
            .to_owned()
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use cognito_auth_machine::{PersistedSession, Secret, Tokens};

    /// A session with a recognisable secret in it.
    pub(crate) fn session(marker: &str) -> PersistedSession {
        PersistedSession {
            version: PersistedSession::VERSION,
            tokens: Some(Tokens {
                id_token: None,
                access_token: Secret::new(format!("access-{marker}")),
                refresh_token: Some(Secret::new(format!("refresh-{marker}"))),
                expires_at_s: 1_900_000_000,
                issued_at_s: None,
                clock_drift_s: 0,
                arrived: None,
                username: "alice".into(),
                sub: "sub-1".into(),
            }),
            ..PersistedSession::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use cognito_auth_machine::cognito::AwsCredentials;
    use cognito_auth_machine::session::{DeviceSecrets, Federation, IdentityState};
    use cognito_auth_machine::{PersistedSession, Secret};

    use super::envelope;

    /// Every secret a session can hold, each marked so a leak is easy to spot.
    const SECRETS: [&str; 7] = [
        "access-m",
        "refresh-m",
        "id-token-m",
        "federation-token-m",
        "aws-secret-key-m",
        "aws-session-token-m",
        "device-password-m",
    ];

    fn full_session() -> PersistedSession {
        let mut session = super::test_support::session("m");
        if let Some(tokens) = session.tokens.as_mut() {
            tokens.id_token = Some(Secret::new("id-token-m".to_owned()));
        }
        session.federation = Some(Federation {
            provider: "accounts.google.com".to_owned(),
            token: Secret::new("federation-token-m".to_owned()),
            custom_role_arn: None,
            developer_identity: false,
        });
        session.identity = IdentityState {
            identity_id: Some("us-east-1:identity".to_owned()),
            credentials: Some(AwsCredentials {
                access_key_id: "AKIA".to_owned(),
                secret_access_key: Secret::new("aws-secret-key-m".to_owned()),
                session_token: Secret::new("aws-session-token-m".to_owned()),
                expiration_s: 1_900_000_000,
            }),
            credentials_clock: None,
        };
        session.devices.insert(
            "alice".to_owned(),
            DeviceSecrets {
                device_key: "us-east-1_device".to_owned(),
                device_group_key: "group".to_owned(),
                device_password: Secret::new("device-password-m".to_owned()),
            },
        );
        session
    }

    #[test]
    fn the_envelope_keeps_every_secret_and_round_trips() {
        let session = full_session();
        let bytes = envelope::encode(&session).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        for secret in SECRETS {
            assert!(
                text.contains(secret),
                "{secret} missing from the stored session"
            );
        }
        assert!(!text.contains("[redacted]"));
        assert_eq!(envelope::decode(&bytes).unwrap(), session);
    }

    #[test]
    fn a_session_serialised_outside_the_store_is_redacted() {
        let text = serde_json::to_string(&full_session()).unwrap();
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert!(text.contains("[redacted]"));
        assert!(
            text.contains("us-east-1_device"),
            "non-secrets stay readable"
        );
    }

    #[test]
    fn debug_shows_no_secret() {
        let session = full_session();
        let tokens = session.tokens.clone().unwrap();
        for shown in [
            format!("{session:?}"),
            format!("{session:#?}"),
            format!("{tokens:?}"),
        ] {
            for secret in SECRETS {
                assert!(!shown.contains(secret), "{secret} in Debug: {shown}");
            }
            assert!(shown.contains("[redacted]"));
        }
    }
}

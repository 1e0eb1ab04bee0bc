//! [`AuthBuilder`]: configuration, endpoint, session store and event log, then
//! [`AuthBuilder::build`] starts the driver task.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cognito_auth_machine::config::ConfigError;
use cognito_auth_machine::Config;
use tokio::sync::{mpsc, watch};

use crate::custom::{AwsCredentialsProvider, FederatedTokenProvider, Renewal};
use crate::drivable::{Drivable, RunSrp};
use crate::driver::{self, Clock, UnixClock, UrlOpener};
use crate::event_log::{EventLogWriter, LogError, LogHeader, LogOptions};
use crate::exec::{ClientError, ConnectOptions, ServiceClients};
use crate::publish::Publishers;
use crate::store::{MemoryStore, SessionStore};
use crate::Auth;

/// An [`Auth`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No configuration was given.
    #[error("no configuration: call `config` or `config_json`")]
    NoConfig,
    /// The configuration document is invalid.
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    /// The HTTP clients could not be built.
    #[error(transparent)]
    Clients(#[from] ClientError),
    /// The event log could not be created.
    #[error(transparent)]
    EventLog(#[from] LogError),
    /// The OS random number generator failed.
    #[error("OS random number generator: {0}")]
    Random(String),
    /// `build` was called outside a tokio runtime.
    #[error("Auth::build must be called inside a tokio runtime")]
    NoRuntime,
}

/// Builds an [`Auth`]. See [`Auth::builder`].
#[derive(Default)]
pub struct AuthBuilder {
    config: Option<Result<Config, ConfigError>>,
    connect: ConnectOptions,
    store: Option<Arc<dyn SessionStore>>,
    event_log: Option<PathBuf>,
    event_log_options: LogOptions,
    seed: Option<[u8; 32]>,
    unix_clock: Option<UnixClock>,
    url_opener: Option<UrlOpener>,
    token_provider: Option<Arc<dyn FederatedTokenProvider>>,
    credentials_provider: Option<Arc<dyn AwsCredentialsProvider>>,
}

impl std::fmt::Debug for AuthBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthBuilder")
            .field("connect", &self.connect)
            .field("event_log", &self.event_log)
            .finish_non_exhaustive()
    }
}

impl AuthBuilder {
    /// Uses this configuration.
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(Ok(config));
        self
    }

    /// Reads the configuration from `awsconfiguration.json` or `amplify_outputs.json` text
    /// (the format is detected). Errors are reported by [`AuthBuilder::build`].
    pub fn config_json(mut self, text: &str) -> Self {
        self.config = Some(Config::from_json_auto(text));
        self
    }

    /// Sends every service call to `url` (the emulator, moto) instead of AWS.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.connect.endpoint_url = Some(url.into());
        self
    }

    /// Bounds every service call (default: the configuration's `request_timeout_ms`).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.connect.request_timeout = Some(timeout);
        self
    }

    /// Where the session is kept across restarts (default: memory only, nothing persists).
    pub fn store(mut self, store: impl SessionStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Stores the session in this JSON file (mode 0600), see [`crate::FileStore`].
    pub fn session_file(self, path: impl Into<PathBuf>) -> Self {
        self.store(crate::FileStore::new(path))
    }

    /// Records every machine input to this file (JSON lines, mode 0600) for
    /// [`crate::replay`]. **The log holds secrets**: treat it like the session store.
    pub fn event_log(mut self, path: impl Into<PathBuf>) -> Self {
        self.event_log = Some(path.into());
        self
    }

    /// How the event log is written: [`LogOptions::redact`] replaces secrets by stable
    /// placeholders and records the machine's decisions (for field reports),
    /// [`LogOptions::max_bytes`] caps the file with rotation. See [`crate::event_log`].
    pub fn event_log_options(mut self, options: LogOptions) -> Self {
        self.event_log_options = options;
        self
    }

    /// Called with hosted-UI URLs to open in a browser (default: logged at INFO).
    pub fn on_open_url(mut self, open: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.url_opener = Some(Arc::new(open));
        self
    }

    /// Renews a refused identity-pool federation with tokens from `provider` instead of
    /// waiting for the app's next `federated_sign_in` (see [`crate::custom`]).
    pub fn federated_token_provider(mut self, provider: impl FederatedTokenProvider) -> Self {
        self.token_provider = Some(Arc::new(provider));
        self
    }

    /// Takes AWS credentials from `provider` instead of the identity pool: `aws_credentials`,
    /// `identity_id`, `fetch_auth_session` and `credentials_provider` answer with what it
    /// returns (see [`crate::custom`]).
    pub fn aws_credentials_provider(mut self, provider: impl AwsCredentialsProvider) -> Self {
        self.credentials_provider = Some(Arc::new(provider));
        self
    }

    /// Starts the driver task on the current tokio runtime.
    pub fn build(self) -> Result<Auth, BuildError> {
        self.start(cognito_auth_machine::Machine::new)
    }

    fn start<C: Drivable + RunSrp>(
        self,
        make: impl FnOnce(Config, [u8; 32]) -> C,
    ) -> Result<Auth, BuildError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| BuildError::NoRuntime)?;
        let config = self.config.ok_or(BuildError::NoConfig)??;
        let seed = match self.seed {
            Some(seed) => seed,
            None => {
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed).map_err(|e| BuildError::Random(e.to_string()))?;
                seed
            }
        };
        let clients = ServiceClients::shared(&config, &self.connect, &runtime)?;
        let log = match &self.event_log {
            Some(path) => {
                let header = LogHeader::new(config.clone(), seed);
                Some(EventLogWriter::create_boxed(
                    path,
                    &header,
                    self.event_log_options,
                )?)
            }
            None => None,
        };
        let machine = make(config, seed);
        let (state_tx, state_rx) = watch::channel(machine.user_state());
        let publishers = Arc::new(Publishers::default());
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let parts = driver::Parts {
            clients,
            store: self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
            log,
            clock: Clock::new(
                self.unix_clock
                    .unwrap_or_else(|| Arc::new(driver::system_unix_ms)),
            ),
            url_opener: self.url_opener,
            state_tx,
            publishers: Arc::clone(&publishers),
        };
        runtime.spawn(driver::run(machine, parts, commands_rx));
        if let Some(provider) = self.token_provider {
            let renewal = Renewal {
                commands: commands_tx.downgrade(),
                state: state_rx.clone(),
                publishers: Arc::clone(&publishers),
                credentials: self.credentials_provider.clone(),
            };
            runtime.spawn(renewal.run(provider));
        }
        Ok(Auth::new(
            commands_tx,
            state_rx,
            publishers,
            self.credentials_provider,
        ))
    }
}

/// Seams for tests and reproducible runs (feature `test-util`). A fixed seed makes the SRP
/// ephemerals and device passwords predictable: never use these in production.
#[cfg(any(test, feature = "test-util"))]
impl AuthBuilder {
    /// Seeds the machine's randomness (default: the OS RNG), so that a run can be reproduced.
    pub fn seed(mut self, seed: [u8; 32]) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Replaces the wall clock (Unix milliseconds), e.g. to follow an emulator's clock or
    /// tokio's paused time.
    pub fn unix_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.unix_clock = Some(Arc::new(clock));
        self
    }

    /// Starts the driver task with the machine `make` creates (a stand-in, or the real machine
    /// wrapped to observe its outputs).
    pub fn build_with<C: Drivable + RunSrp>(
        self,
        make: impl FnOnce(Config, [u8; 32]) -> C,
    ) -> Result<Auth, BuildError> {
        self.start(make)
    }
}

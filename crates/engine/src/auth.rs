//! The app-facing API: [`Auth`], a cheap-to-clone handle to the driver task, and its builder.
//!
//! Every method builds an [`ApiCall`], sends it to the driver and awaits the machine's answer.
//! No method decides anything on its own.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cognito_auth_machine::cognito::{
    Attribute, AwsCredentials, CodeDelivery, Device, MfaPreference, StringMap,
};
use cognito_auth_machine::config::ConfigError;
use cognito_auth_machine::{
    Answer, ApiCall, AuthError, Config, Secret, SignInStep, SignOutOptions, SignOutReport, Tokens,
    UserState,
};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_stream::{Stream, StreamExt as _};

use crate::core::{Core, RunSrp};
use crate::driver::{self, Clock, Command, UnixClock, UrlOpener, UserStateChange};
use crate::event_log::{EventLogWriter, LogError, LogHeader};
use crate::exec::{ClientError, ConnectOptions, ServiceClients};
use crate::store::{MemoryStore, SessionStore};

/// How many state changes a slow subscriber may fall behind before it skips some.
const CHANGES_CAPACITY: usize = 64;

/// An error from an [`Auth`] call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The machine answered with an error (see [`AuthError::actor`] for who must act).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The driver task is gone (its runtime shut down).
    #[error("the auth driver has stopped")]
    DriverStopped,
    /// The machine answered with a kind of answer this call does not expect (a bug).
    #[error("`{call}` got an unexpected answer ({answer})")]
    UnexpectedAnswer {
        /// The call.
        call: &'static str,
        /// The answer's kind.
        answer: &'static str,
    },
}

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

/// The outcome of [`Auth::sign_up`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignUpOutcome {
    /// Whether the user is already confirmed (no code needed).
    pub user_confirmed: bool,
    /// The new user's `sub`.
    pub user_sub: String,
    /// Where the confirmation code went.
    pub code_delivery: Option<CodeDelivery>,
}

/// Identity-pool credentials and the identity they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityCredentials {
    /// The identity id.
    pub identity_id: String,
    /// Temporary AWS credentials.
    pub credentials: AwsCredentials,
}

/// Options for [`Auth::federated_sign_in`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FederatedSignInOptions {
    /// Developer-authenticated identities: the identity id your backend obtained.
    pub identity_id: Option<String>,
    /// The role to assume when several are possible.
    pub custom_role_arn: Option<String>,
}

/// Builds an [`Auth`]. See [`Auth::builder`].
#[derive(Default)]
pub struct AuthBuilder {
    config: Option<Result<Config, ConfigError>>,
    connect: ConnectOptions,
    store: Option<Arc<dyn SessionStore>>,
    event_log: Option<PathBuf>,
    seed: Option<[u8; 32]>,
    unix_clock: Option<UnixClock>,
    url_opener: Option<UrlOpener>,
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

    /// Seeds the machine's randomness (tests and replays; default: the OS RNG).
    pub fn seed(mut self, seed: [u8; 32]) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Replaces the wall clock (Unix milliseconds), e.g. to follow tokio's paused time in tests.
    pub fn unix_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.unix_clock = Some(Arc::new(clock));
        self
    }

    /// Called with hosted-UI URLs to open in a browser (default: logged at INFO).
    pub fn on_open_url(mut self, open: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.url_opener = Some(Arc::new(open));
        self
    }

    /// Starts the driver task on the current tokio runtime.
    pub fn build(self) -> Result<Auth, BuildError> {
        self.build_with(cognito_auth_machine::Machine::new)
    }

    /// Starts the driver task with the machine `make` creates (tests use stand-ins).
    pub fn build_with<C: Core + RunSrp>(
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
        let clients = Arc::new(ServiceClients::new(&config, &self.connect)?);
        let log = match &self.event_log {
            Some(path) => {
                let header = LogHeader::new(config.clone(), seed);
                let file: Box<dyn std::io::Write + Send> =
                    Box::new(crate::event_log::open_private(path)?);
                Some(EventLogWriter::new(file, &header)?)
            }
            None => None,
        };
        let core = make(config, seed);
        let (state_tx, state_rx) = watch::channel(core.user_state());
        let (changes_tx, _) = broadcast::channel(CHANGES_CAPACITY);
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
            changes_tx: changes_tx.clone(),
        };
        runtime.spawn(driver::run(core, parts, commands_rx));
        Ok(Auth {
            commands: commands_tx,
            state: state_rx,
            changes: changes_tx,
        })
    }
}

/// A handle to the auth engine. Clones share the same session; the driver stops when the last
/// clone is dropped.
#[derive(Debug, Clone)]
pub struct Auth {
    commands: mpsc::UnboundedSender<Command>,
    state: watch::Receiver<UserState>,
    changes: broadcast::Sender<UserStateChange>,
}

/// Names an answer's kind for [`Error::UnexpectedAnswer`] (never its contents).
fn answer_kind(answer: &Answer) -> &'static str {
    match answer {
        Answer::Done => "Done",
        Answer::SignUp { .. } => "SignUp",
        Answer::CodeSent { .. } => "CodeSent",
        Answer::SignIn { .. } => "SignIn",
        Answer::OpenUrl { .. } => "OpenUrl",
        Answer::SignedOut(_) => "SignedOut",
        Answer::Tokens(_) => "Tokens",
        Answer::Credentials { .. } => "Credentials",
        Answer::IdentityId { .. } => "IdentityId",
        Answer::Attributes { .. } => "Attributes",
        Answer::AttributesUpdated { .. } => "AttributesUpdated",
        Answer::Device(_) => "Device",
        Answer::Devices { .. } => "Devices",
        Answer::TotpSetup { .. } => "TotpSetup",
        Answer::UserState(_) => "UserState",
        _ => "other",
    }
}

/// Unwraps the expected answer variant or reports which one came.
macro_rules! expect {
    ($self:ident, $call:expr, $pat:pat => $out:expr) => {{
        let call: ApiCall = $call;
        let name = call.name();
        match $self.call(call).await? {
            $pat => Ok($out),
            other => Err(Error::UnexpectedAnswer {
                call: name,
                answer: answer_kind(&other),
            }),
        }
    }};
}

impl Auth {
    /// Starts building an engine.
    pub fn builder() -> AuthBuilder {
        AuthBuilder::default()
    }

    /// Sends any [`ApiCall`] and returns the machine's answer (the escape hatch behind every
    /// other method, for options they do not expose).
    pub async fn call(&self, call: ApiCall) -> Result<Answer, Error> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Call { call, reply })
            .map_err(|_| Error::DriverStopped)?;
        Ok(answer.await.map_err(|_| Error::DriverStopped)??)
    }

    /// Tells the machine the network came back (`true`) or went away (`false`).
    pub fn set_online(&self, online: bool) -> Result<(), Error> {
        self.commands
            .send(Command::Connectivity { online })
            .map_err(|_| Error::DriverStopped)
    }

    /// Stops the driver once the session writes it has queued are on disk. Calls still in
    /// flight, and every later call on any clone, fail with [`Error::DriverStopped`].
    pub async fn shutdown(self) {
        let (done, finished) = oneshot::channel();
        if self.commands.send(Command::Shutdown { done }).is_ok() {
            let _ = finished.await;
        }
    }

    // --- sign-up ---

    /// Registers a user.
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        attributes: Vec<Attribute>,
    ) -> Result<SignUpOutcome, Error> {
        expect!(self, ApiCall::SignUp {
            username: username.to_owned(),
            password: Secret::new(password.to_owned()),
            attributes,
            validation_data: Vec::new(),
            client_metadata: StringMap::new(),
        }, Answer::SignUp { user_confirmed, user_sub, code_delivery } =>
            SignUpOutcome { user_confirmed, user_sub, code_delivery })
    }

    /// Confirms a registration with the delivered code.
    pub async fn confirm_sign_up(&self, username: &str, code: &str) -> Result<Answer, Error> {
        self.call(ApiCall::ConfirmSignUp {
            username: username.to_owned(),
            code: Secret::new(code.to_owned()),
            client_metadata: StringMap::new(),
        })
        .await
    }

    /// Sends the registration code again.
    pub async fn resend_sign_up_code(&self, username: &str) -> Result<Option<CodeDelivery>, Error> {
        expect!(self, ApiCall::ResendSignUpCode {
            username: username.to_owned(),
            client_metadata: StringMap::new(),
        }, Answer::CodeSent { code_delivery } => code_delivery)
    }

    // --- sign-in ---

    /// Starts a sign-in with the configured flow; returns what is needed next.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<SignInStep, Error> {
        self.sign_in_with(ApiCall::SignIn {
            username: username.to_owned(),
            password: Some(Secret::new(password.to_owned())),
            flow: None,
            preferred_challenge: None,
            client_metadata: StringMap::new(),
        })
        .await
    }

    /// Starts a sign-in described in full (flow, preferred first factor, metadata).
    pub async fn sign_in_with(&self, call: ApiCall) -> Result<SignInStep, Error> {
        expect!(self, call, Answer::SignIn { next_step } => next_step)
    }

    /// Answers the current sign-in challenge (code, new password, MFA choice, ...).
    pub async fn confirm_sign_in(&self, answer: &str) -> Result<SignInStep, Error> {
        expect!(self, ApiCall::ConfirmSignIn {
            answer: Secret::new(answer.to_owned()),
            user_attributes: Vec::new(),
            client_metadata: StringMap::new(),
        }, Answer::SignIn { next_step } => next_step)
    }

    /// Starts a hosted-UI sign-in; returns the URL to open (also passed to `on_open_url`).
    pub async fn sign_in_with_web_ui(
        &self,
        identity_provider: Option<&str>,
    ) -> Result<String, Error> {
        expect!(self, ApiCall::SignInWithWebUi {
            identity_provider: identity_provider.map(str::to_owned),
            scopes: Vec::new(),
        }, Answer::OpenUrl { url } => url)
    }

    /// Finishes a hosted-UI sign-in with the redirect URL the browser came back with.
    pub async fn handle_redirect(&self, url: &str) -> Result<SignInStep, Error> {
        expect!(self, ApiCall::HandleRedirect { url: Secret::new(url.to_owned()) },
            Answer::SignIn { next_step } => next_step)
    }

    /// Signs out. The local session is always cleared; the report says what failed remotely.
    pub async fn sign_out(&self, options: SignOutOptions) -> Result<SignOutReport, Error> {
        expect!(self, ApiCall::SignOut(options), Answer::SignedOut(report) => report)
    }

    /// Releases callers waiting for a new sign-in (they get [`AuthError::SignInWaitReleased`]).
    pub async fn release_sign_in_wait(&self) -> Result<(), Error> {
        self.call(ApiCall::ReleaseSignInWait).await.map(drop)
    }

    // --- passwords ---

    /// Starts a password reset.
    pub async fn forgot_password(&self, username: &str) -> Result<Option<CodeDelivery>, Error> {
        expect!(self, ApiCall::ForgotPassword {
            username: username.to_owned(),
            client_metadata: StringMap::new(),
        }, Answer::CodeSent { code_delivery } => code_delivery)
    }

    /// Finishes a password reset.
    pub async fn confirm_forgot_password(
        &self,
        username: &str,
        new_password: &str,
        code: &str,
    ) -> Result<(), Error> {
        self.call(ApiCall::ConfirmForgotPassword {
            username: username.to_owned(),
            new_password: Secret::new(new_password.to_owned()),
            code: Secret::new(code.to_owned()),
            client_metadata: StringMap::new(),
        })
        .await
        .map(drop)
    }

    /// Changes the signed-in user's password.
    pub async fn change_password(
        &self,
        old_password: &str,
        new_password: &str,
    ) -> Result<(), Error> {
        self.call(ApiCall::ChangePassword {
            old_password: Secret::new(old_password.to_owned()),
            new_password: Secret::new(new_password.to_owned()),
        })
        .await
        .map(drop)
    }

    // --- user attributes ---

    /// The signed-in user's attributes.
    pub async fn fetch_user_attributes(&self) -> Result<Vec<Attribute>, Error> {
        expect!(self, ApiCall::FetchUserAttributes, Answer::Attributes { attributes } => attributes)
    }

    /// Updates attributes; returns where verification codes went for those that need one.
    pub async fn update_user_attributes(
        &self,
        attributes: Vec<Attribute>,
    ) -> Result<Vec<CodeDelivery>, Error> {
        expect!(self, ApiCall::UpdateUserAttributes {
            attributes,
            client_metadata: StringMap::new(),
        }, Answer::AttributesUpdated { code_deliveries } => code_deliveries)
    }

    /// Sends a verification code for `email` or `phone_number`.
    pub async fn send_attribute_verification_code(
        &self,
        attribute_name: &str,
    ) -> Result<Option<CodeDelivery>, Error> {
        expect!(self, ApiCall::SendAttributeVerificationCode {
            attribute_name: attribute_name.to_owned(),
            client_metadata: StringMap::new(),
        }, Answer::CodeSent { code_delivery } => code_delivery)
    }

    /// Verifies an attribute with the delivered code.
    pub async fn confirm_attribute(&self, attribute_name: &str, code: &str) -> Result<(), Error> {
        self.call(ApiCall::ConfirmAttribute {
            attribute_name: attribute_name.to_owned(),
            code: Secret::new(code.to_owned()),
        })
        .await
        .map(drop)
    }

    /// Deletes the signed-in user, then signs out locally.
    pub async fn delete_user(&self) -> Result<(), Error> {
        self.call(ApiCall::DeleteUser).await.map(drop)
    }

    // --- MFA ---

    /// Sets MFA preferences (`None` leaves a method unchanged).
    pub async fn update_mfa_preference(
        &self,
        sms: Option<MfaPreference>,
        totp: Option<MfaPreference>,
        email: Option<MfaPreference>,
    ) -> Result<(), Error> {
        self.call(ApiCall::UpdateMfaPreference { sms, totp, email })
            .await
            .map(drop)
    }

    /// Starts TOTP setup; returns the shared secret (base32) for an authenticator app.
    pub async fn set_up_totp(&self) -> Result<Secret<String>, Error> {
        expect!(self, ApiCall::SetUpTotp, Answer::TotpSetup { shared_secret } => shared_secret)
    }

    /// Finishes TOTP setup with a code from the authenticator.
    pub async fn verify_totp_setup(
        &self,
        code: &str,
        friendly_device_name: Option<&str>,
    ) -> Result<(), Error> {
        self.call(ApiCall::VerifyTotpSetup {
            code: Secret::new(code.to_owned()),
            friendly_device_name: friendly_device_name.map(str::to_owned),
        })
        .await
        .map(drop)
    }

    // --- tokens and credentials ---

    /// The user-pool tokens, refreshed first if they are due.
    pub async fn tokens(&self) -> Result<Tokens, Error> {
        self.tokens_with(false).await
    }

    /// The user-pool tokens; `force_refresh` refreshes even valid ones.
    pub async fn tokens_with(&self, force_refresh: bool) -> Result<Tokens, Error> {
        expect!(self, ApiCall::FetchTokens { force_refresh }, Answer::Tokens(tokens) => tokens)
    }

    /// Temporary AWS credentials from the identity pool (guest, signed-in or federated).
    pub async fn aws_credentials(&self) -> Result<IdentityCredentials, Error> {
        self.aws_credentials_with(false).await
    }

    /// AWS credentials; `force_refresh` fetches new ones even if the cached ones are valid.
    pub async fn aws_credentials_with(
        &self,
        force_refresh: bool,
    ) -> Result<IdentityCredentials, Error> {
        expect!(self, ApiCall::FetchCredentials { force_refresh },
            Answer::Credentials { identity_id, credentials } =>
                IdentityCredentials { identity_id, credentials })
    }

    /// The identity-pool identity id.
    pub async fn identity_id(&self) -> Result<String, Error> {
        expect!(self, ApiCall::FetchIdentityId, Answer::IdentityId { identity_id } => identity_id)
    }

    /// Signs in to the identity pool with an external provider's token (`provider` is the
    /// Logins key: `accounts.google.com`, `graph.facebook.com`, an OIDC issuer, ...).
    pub async fn federated_sign_in(
        &self,
        provider: &str,
        token: &str,
        options: FederatedSignInOptions,
    ) -> Result<Answer, Error> {
        self.call(ApiCall::FederatedSignIn {
            provider: provider.to_owned(),
            token: Secret::new(token.to_owned()),
            identity_id: options.identity_id,
            custom_role_arn: options.custom_role_arn,
        })
        .await
    }

    /// Forgets the federated session locally.
    pub async fn clear_federation(&self) -> Result<(), Error> {
        self.call(ApiCall::ClearFederation).await.map(drop)
    }

    // --- devices ---

    /// Marks this device remembered.
    pub async fn remember_device(&self) -> Result<(), Error> {
        self.call(ApiCall::RememberDevice).await.map(drop)
    }

    /// Forgets a device (`None`: this one).
    pub async fn forget_device(&self, device_key: Option<&str>) -> Result<(), Error> {
        self.call(ApiCall::ForgetDevice {
            device_key: device_key.map(str::to_owned),
        })
        .await
        .map(drop)
    }

    /// Describes this device.
    pub async fn fetch_device(&self) -> Result<Device, Error> {
        expect!(self, ApiCall::FetchDevice, Answer::Device(device) => device)
    }

    /// Lists the user's devices.
    pub async fn fetch_devices(&self, limit: Option<i32>) -> Result<Vec<Device>, Error> {
        expect!(self, ApiCall::FetchDevices { limit }, Answer::Devices { devices } => devices)
    }

    // --- state ---

    /// The current user state (no waiting).
    pub fn user_state(&self) -> UserState {
        *self.state.borrow()
    }

    /// Whether a user-pool session is active.
    pub fn is_signed_in(&self) -> bool {
        self.user_state() == UserState::SignedIn
    }

    /// The signed-in user's name (from the tokens; refreshes them first if they are due).
    pub async fn username(&self) -> Result<String, Error> {
        self.tokens().await.map(|t| t.username)
    }

    /// A `watch` receiver always holding the current state.
    pub fn watch_user_state(&self) -> watch::Receiver<UserState> {
        self.state.clone()
    }

    /// A stream of every state change from now on. A subscriber that falls more than 64
    /// changes behind skips the oldest ones (the `watch` receiver always has the latest).
    pub fn subscribe(&self) -> impl Stream<Item = UserStateChange> + Send + Unpin + 'static {
        tokio_stream::wrappers::BroadcastStream::new(self.changes.subscribe())
            .filter_map(Result::ok)
    }
}

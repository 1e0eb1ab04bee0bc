//! [`Auth`]: the app's cheap-to-clone handle to the driver task, and its async calls.
//!
//! Every call builds one machine call from its arguments and options, sends it to the driver
//! and converts the machine's answer into the call's own output (`answers.rs`). No call decides
//! anything on its own.

use cognito_auth_machine::account::{
    AccountOperation, AccountResponse, ChangePassword, ConfirmForgotPassword, ConfirmSignUp,
    ConfirmSignUpOutput, ForgotPassword, ForgotPasswordOutput, GetUser,
    GetUserAttributeVerificationCode, GetUserAttributeVerificationCodeOutput, ListDevices,
    ListDevicesOutput, ResendConfirmationCode, ResendConfirmationCodeOutput, SetUserMfaPreference,
    SignUp, SignUpOutput, UpdateUserAttributes, UpdateUserAttributesOutput, VerifyUserAttribute,
};
use cognito_auth_machine::cognito::{Attribute, Device, DeviceRememberedStatus};
use cognito_auth_machine::{Answer, ApiCall, Secret, SignOutOptions, Tokens, UserState};

use tokio::sync::{mpsc, oneshot, watch};
use tokio_stream::{Stream, StreamExt as _};

use std::sync::Arc;

use crate::answers::{convert, FromAnswer};
use crate::custom::AwsCredentialsProvider;
use crate::driver::{AuthEvent, Command, UserStateChange};
use crate::federation::FederationProvider;
use crate::options::{
    ConfirmForgotPasswordOptions, ConfirmSignInOptions, ConfirmSignUpOptions,
    FederatedSignInOptions, FetchDevicesOptions, FetchOptions, ForgotPasswordOptions,
    MfaPreference, ResendSignUpCodeOptions, SendAttributeVerificationCodeOptions, SignInOptions,
    SignUpOptions, UpdateUserAttributesOptions, VerifyTotpSetupOptions, WebUiSignInOptions,
};
use crate::outputs::{
    FederatedSignInOutput, IdentityCredentials, SignInOutput, SignOutOutput, TotpSetupOutput,
    WebUiSignInOutput,
};
use crate::publish::Publishers;
use crate::{AppError, AuthBuilder, Error};

/// A handle to the auth engine. Clones share the same session; the driver stops when the last
/// clone is dropped.
#[derive(Clone)]
pub struct Auth {
    commands: mpsc::UnboundedSender<Command>,
    state: watch::Receiver<UserState>,
    publishers: Arc<Publishers>,
    /// The app's own AWS credentials, used in place of the identity pool.
    custom_credentials: Option<Arc<dyn AwsCredentialsProvider>>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("user_state", &*self.state.borrow())
            .field("custom_credentials", &self.custom_credentials.is_some())
            .finish_non_exhaustive()
    }
}

fn secret(text: &str) -> Secret<String> {
    Secret::new(text.to_owned())
}

const STOPPED: Error = Error::App(AppError::EngineStopped);

impl Auth {
    /// Starts building an engine.
    pub fn builder() -> AuthBuilder {
        AuthBuilder::default()
    }

    pub(crate) fn new(
        commands: mpsc::UnboundedSender<Command>,
        state: watch::Receiver<UserState>,
        publishers: Arc<Publishers>,
        custom_credentials: Option<Arc<dyn AwsCredentialsProvider>>,
    ) -> Self {
        Self {
            commands,
            state,
            publishers,
            custom_credentials,
        }
    }

    /// Sends one machine call and returns its raw answer.
    pub(crate) async fn call_machine(&self, call: ApiCall) -> Result<Answer, Error> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Call {
                call: Box::new(call),
                reply,
            })
            .map_err(|_| STOPPED)?;
        Ok(answer.await.map_err(|_| STOPPED)??)
    }

    /// Sends one machine call and converts its answer into the call's output.
    async fn request<T: FromAnswer>(&self, call: ApiCall) -> Result<T, Error> {
        let name = call.name();
        convert(name, self.call_machine(call).await?)
    }

    /// Tells the machine the network came back (`true`) or went away (`false`).
    pub fn set_online(&self, online: bool) -> Result<(), Error> {
        self.commands
            .send(Command::Connectivity { online })
            .map_err(|_| STOPPED)
    }

    /// Stops the driver once the session writes it has queued are on disk. Calls still in
    /// flight, and every later call on any clone, fail with [`AppError::EngineStopped`].
    pub async fn shutdown(self) {
        let (done, finished) = oneshot::channel();
        if self.commands.send(Command::Shutdown { done }).is_ok() {
            let _ = finished.await;
        }
    }

    // --- sign-up ---

    /// Registers a user (attributes, validation data and client metadata in `options`).
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        options: SignUpOptions,
    ) -> Result<SignUpOutput, Error> {
        self.call(SignUp {
            username: username.to_owned(),
            password: secret(password),
            user_attributes: options.attributes,
            validation_data: options.validation_data,
            client_metadata: options.client_metadata,
        })
        .await
    }

    /// Confirms a registration with the delivered code.
    pub async fn confirm_sign_up(
        &self,
        username: &str,
        code: &str,
        options: ConfirmSignUpOptions,
    ) -> Result<ConfirmSignUpOutput, Error> {
        self.call(ConfirmSignUp {
            username: username.to_owned(),
            confirmation_code: secret(code),
            client_metadata: options.client_metadata,
        })
        .await
    }

    /// Sends the registration code again.
    pub async fn resend_sign_up_code(
        &self,
        username: &str,
        options: ResendSignUpCodeOptions,
    ) -> Result<ResendConfirmationCodeOutput, Error> {
        self.call(ResendConfirmationCode {
            username: username.to_owned(),
            client_metadata: options.client_metadata,
        })
        .await
    }

    // --- sign-in ---

    /// Starts a sign-in with a password; returns what is needed next. A sign-in already in
    /// progress is cancelled.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        options: SignInOptions,
    ) -> Result<SignInOutput, Error> {
        self.start_sign_in(username, Some(secret(password)), options)
            .await
    }

    /// Starts a sign-in that needs no password up front: `USER_AUTH` with a one-time code or a
    /// first-factor choice, or custom challenges (`CustomAuthWithoutSrp`).
    pub async fn sign_in_without_password(
        &self,
        username: &str,
        options: SignInOptions,
    ) -> Result<SignInOutput, Error> {
        self.start_sign_in(username, None, options).await
    }

    async fn start_sign_in(
        &self,
        username: &str,
        password: Option<Secret<String>>,
        options: SignInOptions,
    ) -> Result<SignInOutput, Error> {
        self.request(ApiCall::SignIn {
            username: username.to_owned(),
            password,
            flow: options.flow,
            preferred_challenge: options
                .preferred_first_factor
                .map(|f| f.cognito_name().to_owned()),
            client_metadata: options.client_metadata,
        })
        .await
    }

    /// Answers the current sign-in step: a code, a new password, an MFA or first-factor choice,
    /// a custom challenge's answer.
    pub async fn confirm_sign_in(
        &self,
        answer: &str,
        options: ConfirmSignInOptions,
    ) -> Result<SignInOutput, Error> {
        self.request(ApiCall::ConfirmSignIn {
            answer: secret(answer),
            user_attributes: options.user_attributes,
            client_metadata: options.client_metadata,
        })
        .await
    }

    /// Starts a hosted-UI sign-in; returns the URL to open (also passed to `on_open_url`).
    pub async fn sign_in_with_web_ui(
        &self,
        options: WebUiSignInOptions,
    ) -> Result<WebUiSignInOutput, Error> {
        self.request(ApiCall::SignInWithWebUi {
            identity_provider: options.identity_provider,
            scopes: options.scopes,
            federation_provider_name: options.federation_provider_name,
        })
        .await
    }

    /// Finishes a hosted-UI sign-in with the redirect URL the browser came back with.
    pub async fn handle_redirect(&self, url: &str) -> Result<SignInOutput, Error> {
        self.request(ApiCall::HandleRedirect { url: secret(url) })
            .await
    }

    /// Signs out. The local session is always cleared; the output says what failed remotely.
    pub async fn sign_out(&self, options: SignOutOptions) -> Result<SignOutOutput, Error> {
        let out = self.request(ApiCall::SignOut(options)).await;
        self.clear_custom_credentials();
        out
    }

    /// The app's credentials provider forgets its identity with the session.
    fn clear_custom_credentials(&self) {
        if let Some(provider) = &self.custom_credentials {
            provider.clear();
        }
    }

    /// Releases callers waiting for a new sign-in (they get [`AppError::SignInWaitReleased`]).
    pub async fn release_sign_in_wait(&self) -> Result<(), Error> {
        self.request(ApiCall::ReleaseSignInWait).await
    }

    // --- passwords ---

    /// Starts a password reset.
    pub async fn forgot_password(
        &self,
        username: &str,
        options: ForgotPasswordOptions,
    ) -> Result<ForgotPasswordOutput, Error> {
        self.call(ForgotPassword {
            username: username.to_owned(),
            client_metadata: options.client_metadata,
        })
        .await
    }

    /// Finishes a password reset with the delivered code.
    pub async fn confirm_forgot_password(
        &self,
        username: &str,
        new_password: &str,
        code: &str,
        options: ConfirmForgotPasswordOptions,
    ) -> Result<(), Error> {
        self.call(ConfirmForgotPassword {
            username: username.to_owned(),
            confirmation_code: secret(code),
            password: secret(new_password),
            client_metadata: options.client_metadata,
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
        self.call(ChangePassword {
            previous_password: Some(secret(old_password)),
            proposed_password: secret(new_password),
        })
        .await
        .map(drop)
    }

    /// Calls an operation of the account table ([`crate::account`]) and returns its output,
    /// e.g. `auth.call(account::GetUserAuthFactors {}).await?`. An operation authorized by the
    /// user's access token (GetUser, ListDevices, ...) is sent with the current one (refreshed
    /// first if it is due, waiting for a refresh in flight) and fails with
    /// [`AppError::NotSignedIn`] when no user is signed in; one authorized by the app client
    /// (SignUp, ForgotPassword, ...) works in any state.
    pub async fn call<O: AccountOperation>(&self, input: O) -> Result<O::Output, Error> {
        let response: AccountResponse = self.request(ApiCall::account(input)).await?;
        let answered = response.operation();
        O::output(response).ok_or_else(|| Error::mismatch(O::OPERATION, answered))
    }

    // --- user attributes ---

    /// The signed-in user's attributes.
    pub async fn fetch_user_attributes(&self) -> Result<Vec<Attribute>, Error> {
        self.call(GetUser {}).await.map(|user| user.user_attributes)
    }

    /// Updates attributes; the output says where verification codes went.
    pub async fn update_user_attributes(
        &self,
        attributes: Vec<Attribute>,
        options: UpdateUserAttributesOptions,
    ) -> Result<UpdateUserAttributesOutput, Error> {
        self.call(UpdateUserAttributes {
            user_attributes: attributes,
            client_metadata: options.client_metadata,
        })
        .await
    }

    /// Sends a verification code for `email` or `phone_number`.
    pub async fn send_attribute_verification_code(
        &self,
        attribute_name: &str,
        options: SendAttributeVerificationCodeOptions,
    ) -> Result<GetUserAttributeVerificationCodeOutput, Error> {
        self.call(GetUserAttributeVerificationCode {
            attribute_name: attribute_name.to_owned(),
            client_metadata: options.client_metadata,
        })
        .await
    }

    /// Verifies an attribute with the delivered code.
    pub async fn confirm_attribute(&self, attribute_name: &str, code: &str) -> Result<(), Error> {
        self.call(VerifyUserAttribute {
            attribute_name: attribute_name.to_owned(),
            code: secret(code),
        })
        .await
        .map(drop)
    }

    /// Deletes the signed-in user, then signs out locally.
    pub async fn delete_user(&self) -> Result<(), Error> {
        self.request(ApiCall::DeleteUser).await
    }

    // --- MFA ---

    /// Sets MFA preferences; methods left [`crate::MfaSetting::Unchanged`] keep theirs.
    pub async fn update_mfa_preference(&self, preference: MfaPreference) -> Result<(), Error> {
        self.call(SetUserMfaPreference {
            sms_mfa_settings: preference.sms.to_machine(),
            software_token_mfa_settings: preference.totp.to_machine(),
            email_mfa_settings: preference.email.to_machine(),
        })
        .await
        .map(drop)
    }

    /// Starts TOTP setup; the output holds the shared secret for an authenticator app.
    pub async fn set_up_totp(&self) -> Result<TotpSetupOutput, Error> {
        self.request(ApiCall::SetUpTotp).await
    }

    /// Finishes TOTP setup with a code from the authenticator.
    pub async fn verify_totp_setup(
        &self,
        code: &str,
        options: VerifyTotpSetupOptions,
    ) -> Result<(), Error> {
        self.request(ApiCall::VerifyTotpSetup {
            code: secret(code),
            friendly_device_name: options.friendly_device_name,
        })
        .await
    }

    // --- tokens and credentials ---

    /// The user-pool tokens, refreshed first if they are due.
    pub async fn tokens(&self) -> Result<Tokens, Error> {
        self.tokens_with(FetchOptions::default()).await
    }

    /// The user-pool tokens; [`FetchOptions::force_refresh`] refreshes even valid ones.
    pub async fn tokens_with(&self, options: FetchOptions) -> Result<Tokens, Error> {
        self.request(ApiCall::FetchTokens {
            force_refresh: options.force_refresh,
        })
        .await
    }

    /// Temporary AWS credentials from the identity pool (guest, signed-in or federated), or
    /// from the app's [`AwsCredentialsProvider`] when one is installed.
    pub async fn aws_credentials(&self) -> Result<IdentityCredentials, Error> {
        self.aws_credentials_with(FetchOptions::default()).await
    }

    /// AWS credentials; [`FetchOptions::force_refresh`] fetches new ones even if the cached
    /// ones are valid.
    pub async fn aws_credentials_with(
        &self,
        options: FetchOptions,
    ) -> Result<IdentityCredentials, Error> {
        if let Some(provider) = &self.custom_credentials {
            return self
                .custom_credentials(provider.as_ref(), options.force_refresh)
                .await;
        }
        self.request(ApiCall::FetchCredentials {
            force_refresh: options.force_refresh,
        })
        .await
    }

    /// The identity-pool identity id (the app's [`AwsCredentialsProvider`]'s, if installed).
    pub async fn identity_id(&self) -> Result<String, Error> {
        if let Some(provider) = &self.custom_credentials {
            return self
                .custom_credentials(provider.as_ref(), false)
                .await
                .map(|c| c.identity_id);
        }
        self.request(ApiCall::FetchIdentityId).await
    }

    /// Signs in to the identity pool with an external provider's token: the provider's
    /// `Logins` key is [`FederationProvider::login_key`] (a plain key such as
    /// `"accounts.google.com"` converts too). The identity pool must accept the provider;
    /// federated tokens are never refreshed here: when the pool refuses the token, the state
    /// becomes `signedOutFederatedTokensInvalid` and credential callers wait for the next call
    /// to this method (or [`Auth::release_sign_in_wait`]).
    pub async fn federated_sign_in(
        &self,
        provider: impl Into<FederationProvider>,
        token: &str,
        options: FederatedSignInOptions,
    ) -> Result<FederatedSignInOutput, Error> {
        let provider: FederationProvider = provider.into();
        self.request(ApiCall::FederatedSignIn {
            provider: provider.login_key(),
            token: secret(token),
            identity_id: options.developer_provided_identity_id,
            custom_role_arn: options.custom_role_arn,
        })
        .await
    }

    /// Forgets the federated session locally (no service call: the provider's session, and
    /// the identity in the pool, stay as they are).
    pub async fn clear_federation(&self) -> Result<(), Error> {
        let out = self.request(ApiCall::ClearFederation).await;
        self.clear_custom_credentials();
        out
    }

    // --- devices ---

    /// Marks this device remembered.
    pub async fn remember_device(&self) -> Result<(), Error> {
        self.request(ApiCall::RememberDevice).await
    }

    /// Sets a device's remembered status (`None`: this device). A device that is not
    /// remembered stays tracked and keeps its local secret, but its sign-ins ask for MFA.
    pub async fn update_device_status(
        &self,
        device_key: Option<&str>,
        status: DeviceRememberedStatus,
    ) -> Result<(), Error> {
        self.request(ApiCall::UpdateDeviceStatus {
            device_key: device_key.map(str::to_owned),
            status,
        })
        .await
    }

    /// Forgets a device (`None`: this one).
    pub async fn forget_device(&self, device_key: Option<&str>) -> Result<(), Error> {
        self.request(ApiCall::ForgetDevice {
            device_key: device_key.map(str::to_owned),
        })
        .await
    }

    /// Describes this device.
    pub async fn fetch_device(&self) -> Result<Device, Error> {
        self.request(ApiCall::FetchDevice).await
    }

    /// One page of the user's devices: at most `limit` (Cognito: 0 to 60, 60 when `None`),
    /// starting at `pagination_token` from the previous page (`None`: the first page).
    pub async fn list_devices(
        &self,
        limit: Option<i32>,
        pagination_token: Option<String>,
    ) -> Result<ListDevicesOutput, Error> {
        self.call(ListDevices {
            limit,
            pagination_token,
        })
        .await
    }

    /// All the user's devices, fetching page after page (`options.limit` is the page size).
    pub async fn fetch_devices(&self, options: FetchDevicesOptions) -> Result<Vec<Device>, Error> {
        let mut devices = Vec::new();
        let mut seen_tokens = std::collections::BTreeSet::new();
        let mut token = None;
        loop {
            let page = self.list_devices(options.limit, token).await?;
            devices.extend(page.devices);
            match page.pagination_token {
                None => return Ok(devices),
                // A token handed back twice would page forever.
                Some(t) if !seen_tokens.insert(t.clone()) => {
                    return Err(crate::ServiceError::UnexpectedResponse {
                        message: "ListDevices repeated a pagination token".into(),
                    }
                    .into())
                }
                Some(t) => token = Some(t),
            }
        }
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
        self.tokens().await.map(|t| t.username.to_string())
    }

    /// A `watch` receiver always holding the current state.
    pub fn watch_user_state(&self) -> watch::Receiver<UserState> {
        self.state.clone()
    }

    /// A stream of every state change from now on. A subscriber that falls more than 64
    /// changes behind skips the oldest ones (the `watch` receiver always has the latest).
    pub fn subscribe(&self) -> impl Stream<Item = UserStateChange> + Send + Unpin + 'static {
        tokio_stream::wrappers::BroadcastStream::new(self.publishers.subscribe_changes())
            .filter_map(Result::ok)
    }

    /// A stream of every state change and store failure from now on (a save that failed after
    /// its retries, a session that could not be loaded, a sign-out by another process sharing
    /// the store). Same buffering as [`Auth::subscribe`].
    pub fn events(&self) -> impl Stream<Item = AuthEvent> + Send + Unpin + 'static {
        tokio_stream::wrappers::BroadcastStream::new(self.publishers.subscribe_events())
            .filter_map(Result::ok)
    }
}

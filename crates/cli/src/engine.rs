//! The one place the per-flow commands touch the `cognito_auth` engine: it builds the engine
//! and turns every call's answer into the CLI's own plain types ([`Step`], [`TokensView`],
//! [`CredentialsView`], ...) and every error into a [`Failure`] with its exit class. When the
//! engine's API changes, this module is what follows it.

use std::future::Future;
use std::path::Path;

use base64::Engine as _;
use cognito_auth::{
    account, Attribute, Auth, AuthFlow, CodeDelivery, Config, ConfirmForgotPasswordOptions,
    ConfirmSignInOptions, ConfirmSignUpOptions, DeviceRememberedStatus, Error,
    FederatedSignInOptions, FetchDevicesOptions, FetchOptions, ForgotPasswordOptions,
    MfaPreference, MfaSetting, ResendSignUpCodeOptions, SendAttributeVerificationCodeOptions,
    SignInOptions, SignInStep, SignOutOptions, SignUpOptions, UpdateUserAttributesOptions,
    UserState, VerifyTotpSetupOptions,
};
use tokio_stream::{Stream, StreamExt as _};

use crate::cli::{Flow, MfaMethod};
use crate::exit::{ErrorClass, Failure};
use crate::failures::{engine_failure, failure, stopped};
use crate::progress::waiting;

mod steps;

use steps::step_view;
pub(crate) use steps::{Challenge, Step};

/// Where the engine's configuration, backend and session come from.
#[derive(Debug)]
pub(crate) struct Setup<'a> {
    /// The configuration document's text.
    pub(crate) config_text: &'a str,
    /// Where it was read from (for messages).
    pub(crate) config_path: &'a Path,
    pub(crate) endpoint: Option<&'a str>,
    pub(crate) session_file: &'a Path,
}

/// A running engine over the persisted session.
#[derive(Debug)]
pub(crate) struct Engine {
    auth: Auth,
    identity_pool: bool,
    hosted_ui: bool,
}

/// Where a code went.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Delivery {
    pub(crate) medium: Option<String>,
    pub(crate) destination: Option<String>,
    pub(crate) attribute: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignUpView {
    pub(crate) user_confirmed: bool,
    pub(crate) user_sub: String,
    pub(crate) delivery: Option<Delivery>,
}

/// User-pool tokens. Holds secrets: printed only by `tokens`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct TokensView {
    pub(crate) id_token: Option<String>,
    pub(crate) access_token: String,
    pub(crate) refresh_token: Option<String>,
    pub(crate) username: String,
    pub(crate) sub: String,
    /// The earlier of the access and id tokens' expiries, unix seconds.
    pub(crate) expires_at_s: i64,
    pub(crate) access_expires_at_s: Option<i64>,
    pub(crate) id_expires_at_s: Option<i64>,
}

impl std::fmt::Debug for TokensView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokensView")
            .field("username", &self.username)
            .field("expires_at_s", &self.expires_at_s)
            .finish_non_exhaustive()
    }
}

/// Identity-pool credentials. Holds secrets: printed only by `credentials`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct CredentialsView {
    pub(crate) identity_id: String,
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    pub(crate) session_token: String,
    pub(crate) expiration_s: i64,
}

impl std::fmt::Debug for CredentialsView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsView")
            .field("identity_id", &self.identity_id)
            .field("expiration_s", &self.expiration_s)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeviceView {
    pub(crate) key: String,
    pub(crate) attributes: Vec<(String, String)>,
    pub(crate) created_s: Option<i64>,
    pub(crate) last_authenticated_s: Option<i64>,
}

/// What a sign-out could not do remotely (the local session is always gone).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SignOutView {
    pub(crate) global_error: Option<Failure>,
    pub(crate) other_errors: Vec<Failure>,
}

impl Engine {
    /// Like [`run`], for calls the engine holds while the session is expired (tokens,
    /// credentials and the account calls that need them): the engine keeps such callers
    /// waiting for the next sign-in, which cannot come from this one-command process, so they
    /// are released and fail with `SessionExpired` instead of hanging.
    async fn run_or_expire<T>(
        &self,
        what: &str,
        call: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Failure> {
        let mut state = self.auth.watch_user_state();
        let mut call = std::pin::pin!(run(what, call));
        tokio::select! {
            result = &mut call => return result,
            _ = state.wait_for(is_expired) => {}
        }
        tracing::debug!(call = what, "session expired: releasing the waiting call");
        // An error here means there was nothing left to release.
        let _ = self.auth.release_sign_in_wait().await;
        call.await
    }

    /// Builds the engine. Must run inside the tokio runtime.
    pub(crate) fn open(setup: &Setup<'_>) -> Result<Self, Failure> {
        let config = Config::from_json_auto(setup.config_text).map_err(|e| {
            Failure::new(
                ErrorClass::Usage,
                "InvalidConfig",
                format!("{}: {e}", setup.config_path.display()),
            )
        })?;
        let identity_pool = config.identity_pool.is_some();
        let hosted_ui = config.oauth.is_some();
        let mut builder = Auth::builder()
            .config(config)
            .session_file(setup.session_file);
        if let Some(url) = setup.endpoint {
            builder = builder.endpoint_url(url);
        }
        let auth = builder
            .build()
            .map_err(|e| Failure::internal(format!("cannot start the engine: {e}")))?;
        Ok(Self {
            auth,
            identity_pool,
            hosted_ui,
        })
    }

    /// Whether the configuration has a hosted UI (OAuth) section.
    pub(crate) fn has_hosted_ui(&self) -> bool {
        self.hosted_ui
    }

    /// Whether the configuration has an identity pool.
    pub(crate) fn has_identity_pool(&self) -> bool {
        self.identity_pool
    }

    /// Waits for the stored session to load and returns the user state's name.
    pub(crate) async fn state(&self) -> Result<&'static str, Failure> {
        let mut rx = self.auth.watch_user_state();
        let state = rx
            .wait_for(|s| *s != UserState::Unknown)
            .await
            .map_err(|_| stopped())?;
        Ok(state_name(*state))
    }

    /// Every user-state change from now on, as (from, to) names.
    pub(crate) fn changes(&self) -> impl Stream<Item = (&'static str, &'static str)> + Unpin {
        self.auth
            .subscribe()
            .map(|c| (state_name(c.from), state_name(c.to)))
    }

    /// Stops the engine once its session writes are on disk.
    pub(crate) async fn shutdown(self) {
        self.auth.shutdown().await;
    }

    pub(crate) async fn sign_up(
        &self,
        user: &str,
        password: &str,
        attributes: &[(String, String)],
    ) -> Result<SignUpView, Failure> {
        let outcome = waiting(
            "signing up",
            self.auth
                .sign_up(user, password, sign_up_options(attributes)),
        )
        .await
        .map_err(failure)?;
        Ok(SignUpView {
            user_confirmed: outcome.user_confirmed,
            user_sub: outcome.user_sub,
            delivery: outcome.code_delivery_details.map(delivery),
        })
    }

    pub(crate) async fn confirm_sign_up(&self, user: &str, code: &str) -> Result<(), Failure> {
        run(
            "confirming",
            self.auth
                .confirm_sign_up(user, code, ConfirmSignUpOptions::default()),
        )
        .await
        .map(drop)
    }

    pub(crate) async fn resend_code(&self, user: &str) -> Result<Option<Delivery>, Failure> {
        let sent = run(
            "sending a code",
            self.auth
                .resend_sign_up_code(user, ResendSignUpCodeOptions::default()),
        )
        .await?;
        Ok(sent.code_delivery_details.map(delivery))
    }

    pub(crate) async fn sign_in(
        &self,
        user: &str,
        password: Option<&str>,
        flow: Option<Flow>,
    ) -> Result<Step, Failure> {
        let mut options = SignInOptions::default();
        if let Some(flow) = flow {
            options = options.flow(auth_flow(flow));
        }
        let out = match password {
            Some(password) => run("signing in", self.auth.sign_in(user, password, options)).await?,
            None => {
                run(
                    "signing in",
                    self.auth.sign_in_without_password(user, options),
                )
                .await?
            }
        };
        step_view(out.next_step)
    }

    /// Signs in through the hosted UI in the system browser; returns the user name.
    pub(crate) async fn sign_in_with_browser(
        &self,
        federation_provider_name: Option<String>,
    ) -> Result<String, Failure> {
        use cognito_auth::web_ui::{BrowserSignIn, BrowserSignInError as E};
        // The URL is printed too, as `aws sso login` does: without a browser this machine can
        // open (an SSH session), the person opens it themselves and the listener still waits.
        let mut options = BrowserSignIn::new().open_with(|url| {
            eprintln!("cognito-auth: sign in at this URL (opening it in your browser): {url}");
            if let Err(e) = webbrowser::open(url) {
                eprintln!(
                    "cognito-auth: no browser could be opened ({e}; set BROWSER to choose one): \
                     open the URL above on this machine"
                );
            }
            Ok(())
        });
        if let Some(name) = federation_provider_name {
            options = options.federation_provider_name(name);
        }
        let step = waiting(
            "waiting for the browser",
            self.auth.sign_in_with_browser(options),
        )
        .await
        .map_err(|e| match e {
            E::Auth(e) => engine_failure(e),
            E::RedirectUri { .. } => Failure::new(ErrorClass::Usage, "RedirectUri", e.to_string()),
            E::Browser(_) => Failure::new(ErrorClass::Usage, "Browser", e.to_string()),
            E::Listen { .. } => Failure::new(ErrorClass::State, "Listen", e.to_string()),
            E::TimedOut(_) => Failure::new(ErrorClass::User, "TimedOut", e.to_string()),
            E::StateMismatch => Failure::new(ErrorClass::User, "StateMismatch", e.to_string()),
            _ => Failure::internal(e.to_string()),
        })?;
        if step != SignInStep::Done {
            return Err(Failure::new(
                ErrorClass::Service,
                "UnexpectedStep",
                format!("the hosted-UI sign-in needs another step: {step:?}"),
            ));
        }
        self.auth.username().await.map_err(failure)
    }

    pub(crate) async fn answer_challenge(&self, answer: &str) -> Result<Step, Failure> {
        let out = run(
            "checking the answer",
            self.auth
                .confirm_sign_in(answer, ConfirmSignInOptions::default()),
        )
        .await?;
        step_view(out.next_step)
    }

    pub(crate) async fn sign_out(&self, global: bool, local: bool) -> Result<SignOutView, Failure> {
        let options = SignOutOptions {
            global,
            revoke: !local,
            hosted_ui: !local,
        };
        let report = run("signing out", self.auth.sign_out(options)).await?;
        Ok(SignOutView {
            global_error: report.global_sign_out_error.map(engine_failure),
            other_errors: [report.revoke_token_error, report.hosted_ui_error]
                .into_iter()
                .flatten()
                .map(engine_failure)
                .collect(),
        })
    }

    pub(crate) async fn tokens(&self, force: bool) -> Result<TokensView, Failure> {
        let tokens = self
            .run_or_expire("fetching tokens", self.auth.tokens_with(fetch(force)))
            .await?;
        let id_token = tokens.id_token.map(|t| t.expose().clone());
        let access_token = tokens.access_token.expose().clone();
        Ok(TokensView {
            access_expires_at_s: jwt_exp(&access_token),
            id_expires_at_s: id_token.as_deref().and_then(jwt_exp),
            id_token,
            access_token,
            refresh_token: tokens.refresh_token.map(|t| t.expose().clone()),
            username: tokens.username.to_string(),
            sub: tokens.sub.to_string(),
            expires_at_s: tokens.expires_at_s,
        })
    }

    pub(crate) async fn credentials(&self, force: bool) -> Result<CredentialsView, Failure> {
        let got = self
            .run_or_expire(
                "fetching AWS credentials",
                self.auth.aws_credentials_with(fetch(force)),
            )
            .await?;
        Ok(CredentialsView {
            identity_id: got.identity_id,
            access_key_id: got.credentials.access_key_id,
            secret_access_key: got.credentials.secret_access_key.expose().clone(),
            session_token: got.credentials.session_token.expose().clone(),
            expiration_s: got.credentials.expiration_s,
        })
    }

    pub(crate) async fn identity_id(&self) -> Result<String, Failure> {
        self.run_or_expire("fetching the identity id", self.auth.identity_id())
            .await
    }

    pub(crate) async fn federate(&self, provider: &str, token: &str) -> Result<(), Failure> {
        run(
            "federating",
            self.auth
                .federated_sign_in(provider, token, FederatedSignInOptions::default()),
        )
        .await
        .map(drop)
    }

    pub(crate) async fn devices(&self) -> Result<Vec<DeviceView>, Failure> {
        let devices = self
            .run_or_expire(
                "listing devices",
                self.auth.fetch_devices(FetchDevicesOptions::default()),
            )
            .await?;
        Ok(devices
            .into_iter()
            .map(|d| DeviceView {
                key: d.device_key,
                attributes: d
                    .attributes
                    .into_iter()
                    .map(|a| (a.name, a.value))
                    .collect(),
                created_s: d.create_date_s,
                last_authenticated_s: d.last_authenticated_s,
            })
            .collect())
    }

    pub(crate) async fn remember_device(&self) -> Result<(), Failure> {
        self.run_or_expire("remembering this device", self.auth.remember_device())
            .await
    }

    pub(crate) async fn update_device_status(
        &self,
        key: Option<&str>,
        remembered: bool,
    ) -> Result<(), Failure> {
        let status = if remembered {
            DeviceRememberedStatus::Remembered
        } else {
            DeviceRememberedStatus::NotRemembered
        };
        self.run_or_expire(
            "updating the device status",
            self.auth.update_device_status(key, status),
        )
        .await
    }

    pub(crate) async fn forget_device(&self, key: Option<&str>) -> Result<(), Failure> {
        self.run_or_expire("forgetting the device", self.auth.forget_device(key))
            .await
    }

    pub(crate) async fn attributes(&self) -> Result<Vec<(String, String)>, Failure> {
        let attributes = self
            .run_or_expire("fetching attributes", self.auth.fetch_user_attributes())
            .await?;
        Ok(attributes.into_iter().map(|a| (a.name, a.value)).collect())
    }

    pub(crate) async fn set_attributes(
        &self,
        attributes: &[(String, String)],
    ) -> Result<Vec<Delivery>, Failure> {
        let sent = self
            .run_or_expire(
                "updating attributes",
                self.auth.update_user_attributes(
                    to_attributes(attributes),
                    UpdateUserAttributesOptions::default(),
                ),
            )
            .await?;
        Ok(sent
            .code_delivery_details_list
            .into_iter()
            .map(delivery)
            .collect())
    }

    pub(crate) async fn send_verification_code(
        &self,
        name: &str,
    ) -> Result<Option<Delivery>, Failure> {
        let sent = self
            .run_or_expire(
                "sending a code",
                self.auth.send_attribute_verification_code(
                    name,
                    SendAttributeVerificationCodeOptions::default(),
                ),
            )
            .await?;
        Ok(sent.code_delivery_details.map(delivery))
    }

    pub(crate) async fn verify_attribute(&self, name: &str, code: &str) -> Result<(), Failure> {
        self.run_or_expire("verifying", self.auth.confirm_attribute(name, code))
            .await
    }

    pub(crate) async fn forgot_password(&self, user: &str) -> Result<Option<Delivery>, Failure> {
        let sent = run(
            "starting the reset",
            self.auth
                .forgot_password(user, ForgotPasswordOptions::default()),
        )
        .await?;
        Ok(sent.code_delivery_details.map(delivery))
    }

    pub(crate) async fn confirm_forgot_password(
        &self,
        user: &str,
        code: &str,
        new_password: &str,
    ) -> Result<(), Failure> {
        run(
            "resetting the password",
            self.auth.confirm_forgot_password(
                user,
                new_password,
                code,
                ConfirmForgotPasswordOptions::default(),
            ),
        )
        .await
    }

    pub(crate) async fn change_password(&self, old: &str, new: &str) -> Result<(), Failure> {
        self.run_or_expire("changing the password", self.auth.change_password(old, new))
            .await
    }

    /// Starts TOTP setup; returns the shared secret (base32).
    pub(crate) async fn set_up_totp(&self) -> Result<String, Failure> {
        let secret = self
            .run_or_expire("starting TOTP setup", self.auth.set_up_totp())
            .await?;
        Ok(secret.shared_secret.expose().clone())
    }

    pub(crate) async fn verify_totp(&self, code: &str, name: Option<&str>) -> Result<(), Failure> {
        self.run_or_expire(
            "verifying the code",
            self.auth.verify_totp_setup(code, totp_options(name)),
        )
        .await
    }

    pub(crate) async fn auth_factors(&self) -> Result<account::GetUserAuthFactorsOutput, Failure> {
        self.run_or_expire(
            "reading the MFA settings",
            self.auth.call(account::GetUserAuthFactors {}),
        )
        .await
    }

    pub(crate) async fn prefer_mfa(&self, method: MfaMethod) -> Result<(), Failure> {
        let preference = match method {
            MfaMethod::Sms => MfaPreference::default().sms(MfaSetting::Preferred),
            MfaMethod::Totp => MfaPreference::default().totp(MfaSetting::Preferred),
            MfaMethod::Email => MfaPreference::default().email(MfaSetting::Preferred),
            MfaMethod::None => MfaPreference::default()
                .sms(MfaSetting::Disabled)
                .totp(MfaSetting::Disabled)
                .email(MfaSetting::Disabled),
        };
        self.run_or_expire(
            "updating MFA preferences",
            self.auth.update_mfa_preference(preference),
        )
        .await
    }
}

/// Awaits an engine call behind a spinner and maps its error.
async fn run<T>(what: &str, call: impl Future<Output = Result<T, Error>>) -> Result<T, Failure> {
    tracing::debug!(call = what, "engine call");
    let result = waiting(what, call).await.map_err(failure);
    if let Err(failure) = &result {
        tracing::debug!(call = what, code = %failure.code, "engine call failed");
    }
    result
}

fn is_expired(state: &UserState) -> bool {
    matches!(
        state,
        UserState::SignedOutUserPoolsTokenInvalid | UserState::SignedOutFederatedTokensInvalid
    )
}

fn fetch(force: bool) -> FetchOptions {
    if force {
        FetchOptions::default().force_refresh()
    } else {
        FetchOptions::default()
    }
}

fn totp_options(name: Option<&str>) -> VerifyTotpSetupOptions {
    match name {
        Some(name) => VerifyTotpSetupOptions::default().friendly_device_name(name),
        None => VerifyTotpSetupOptions::default(),
    }
}

fn sign_up_options(attributes: &[(String, String)]) -> SignUpOptions {
    attributes
        .iter()
        .fold(SignUpOptions::default(), |options, (name, value)| {
            options.attribute(name, value)
        })
}

fn auth_flow(flow: Flow) -> AuthFlow {
    match flow {
        Flow::Srp => AuthFlow::UserSrpAuth,
        Flow::Password => AuthFlow::UserPasswordAuth,
        Flow::Custom => AuthFlow::CustomAuthWithoutSrp,
        Flow::CustomSrp => AuthFlow::CustomAuthWithSrp,
        Flow::UserAuth => AuthFlow::UserAuth,
    }
}

fn to_attributes(pairs: &[(String, String)]) -> Vec<Attribute> {
    pairs
        .iter()
        .map(|(name, value)| Attribute {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

fn delivery(d: CodeDelivery) -> Delivery {
    Delivery {
        medium: d.delivery_medium,
        destination: d.destination,
        attribute: d.attribute_name,
    }
}

/// The state's name as Amplify spells it.
fn state_name(state: UserState) -> &'static str {
    match state {
        UserState::Unknown => "unknown",
        UserState::SignedOut => "signedOut",
        UserState::Guest => "guest",
        UserState::SignedIn => "signedIn",
        UserState::Federated => "federated",
        UserState::SignedOutUserPoolsTokenInvalid => "signedOutUserPoolsTokenInvalid",
        UserState::SignedOutFederatedTokensInvalid => "signedOutFederatedTokensInvalid",
    }
}

/// A JWT's `exp` claim (the signature is Cognito's business; this only reads the expiry).
fn jwt_exp(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("exp")?.as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expiry_is_read_from_the_payload() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"exp":1700000000,"sub":"s"}"#);
        assert_eq!(jwt_exp(&format!("h.{payload}.sig")), Some(1_700_000_000));
        assert_eq!(jwt_exp("not a jwt"), None);
    }
}

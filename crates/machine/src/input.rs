//! Everything that can happen to the machine: app commands, effect results, timers,
//! connectivity changes, and the loaded session. Every input carries the time it happened.

use serde::{Deserialize, Serialize};

use crate::account::AccountRequest;
use crate::cognito::{
    Attribute, DeviceRememberedStatus, IdentityResponse, OAuthTokenResponse, ServiceError,
    StringMap, UserPoolResponse,
};
use crate::config::AuthFlow;
use crate::output::{EffectId, OperationId, TimerKind};
use crate::secret::Secret;
use crate::session::PersistedSession;
use crate::srp_task::{SrpFailure, SrpOutput};

/// One input to the machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    /// When it happened.
    pub at: crate::time::Timestamp,
    /// What happened.
    pub event: Event,
}

/// What happened.
// Inputs are built once and handled once; boxing the large results would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    /// The app asked for something; it will get exactly one [`crate::Output::Reply`] for `op`.
    Command {
        /// Chosen by the engine; repeated in the reply.
        op: OperationId,
        /// The request.
        call: ApiCall,
    },
    /// An effect the machine asked for has finished.
    Completed {
        /// The effect's id.
        effect_id: EffectId,
        /// Its outcome.
        result: EffectResult,
    },
    /// A timer set with [`crate::Output::SetTimer`] fired.
    TimerFired {
        /// Which timer.
        timer: TimerKind,
    },
    /// The device's connectivity changed.
    Connectivity {
        /// Whether the network is reachable.
        online: bool,
    },
}

/// The outcome of an effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "result")]
pub enum EffectResult {
    /// A user-pool call.
    UserPool(Result<UserPoolResponse, ServiceError>),
    /// An identity-pool call.
    Identity(Result<IdentityResponse, ServiceError>),
    /// An OAuth token-endpoint call.
    OAuth(Result<OAuthTokenResponse, ServiceError>),
    /// An SRP computation.
    Srp(Result<SrpOutput, SrpFailure>),
    /// Loading the persisted session. `Ok(None)`: nothing stored.
    Loaded(Result<Option<PersistedSession>, StoreFailure>),
    /// Writing or clearing the persisted session.
    Stored(Result<(), StoreFailure>),
}

/// The store could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreFailure {
    /// What went wrong, for logs (never contains session contents).
    pub message: String,
}

/// A request from the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "call")]
#[non_exhaustive]
pub enum ApiCall {
    /// Start a sign-in. A sign-in already in progress is cancelled.
    SignIn {
        /// User name.
        username: String,
        /// Password (`None` for passwordless or custom flows that need none).
        password: Option<Secret<String>>,
        /// Overrides the configured flow.
        flow: Option<AuthFlow>,
        /// USER_AUTH: the preferred first factor (`PASSWORD`, `PASSWORD_SRP`, `EMAIL_OTP`,
        /// `SMS_OTP`, `WEB_AUTHN`).
        preferred_challenge: Option<String>,
        /// Passed to Lambda triggers.
        client_metadata: StringMap,
    },
    /// Answer the current sign-in challenge.
    ConfirmSignIn {
        /// The code, new password, custom answer, MFA type or first-factor choice.
        answer: Secret<String>,
        /// Attributes required by NEW_PASSWORD_REQUIRED.
        user_attributes: Vec<Attribute>,
        /// Passed to Lambda triggers.
        client_metadata: StringMap,
    },
    /// Start a hosted-UI sign-in: the machine emits the authorization URL to open.
    SignInWithWebUi {
        /// Identity provider to go straight to (`Google`, `Facebook`, a SAML name, ...).
        identity_provider: Option<String>,
        /// Scopes overriding the configured ones.
        scopes: Vec<String>,
        /// A custom OAuth provider (Auth0 and the like) whose id token the identity pool
        /// accepts under this login key (AWSMobileClient's `HostedUIOptions`
        /// `federationProviderName`, e.g. `tenant.auth0.com`). Without it, credentials use the
        /// user pool's key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        federation_provider_name: Option<String>,
    },
    /// The hosted UI redirected back to the app with this URL.
    HandleRedirect {
        /// The full redirect URL, with its query.
        url: Secret<String>,
    },
    /// Sign out.
    SignOut(SignOutOptions),
    /// Tokens for the signed-in user, refreshed if needed (or always, when `force_refresh`).
    FetchTokens {
        /// Refresh even if the cached tokens are valid.
        force_refresh: bool,
    },
    /// AWS credentials from the identity pool (guest, signed in, or federated).
    FetchCredentials {
        /// Fetch new ones even if the cached ones are valid.
        force_refresh: bool,
    },
    /// The identity-pool identity id.
    FetchIdentityId,
    /// Sign in to the identity pool with an external provider's token.
    FederatedSignIn {
        /// Logins key, e.g. `graph.facebook.com`, `accounts.google.com`, an OIDC issuer, a SAML
        /// provider ARN, or `cognito-identity.amazonaws.com` for developer identities.
        provider: String,
        /// The provider's token.
        token: Secret<String>,
        /// Developer-authenticated identities: the identity id your backend obtained.
        identity_id: Option<String>,
        /// Role to assume (SAML with several roles).
        custom_role_arn: Option<String>,
    },
    /// Forget the federated session locally (no service call), as AWSMobileClient does.
    ClearFederation,
    /// Release callers waiting for a new sign-in (they get an error).
    ReleaseSignInWait,
    /// Delete the signed-in user, then sign out locally.
    DeleteUser,
    /// Mark the current device remembered.
    RememberDevice,
    /// Set a device's remembered status (`None`: this device); its local secret is kept
    /// either way, since a not-remembered device is still tracked.
    UpdateDeviceStatus {
        /// The device; this device when `None`.
        device_key: Option<String>,
        /// `remembered` or `not_remembered`.
        status: DeviceRememberedStatus,
    },
    /// Forget a device (`None`: this device); its local secret is dropped.
    ForgetDevice {
        /// The device; this device when `None`.
        device_key: Option<String>,
    },
    /// Describe this device.
    FetchDevice,
    /// Start TOTP setup for the signed-in user (returns the shared secret).
    SetUpTotp,
    /// Finish TOTP setup with a code from the authenticator.
    VerifyTotpSetup {
        /// The code.
        code: Secret<String>,
        /// A name for the authenticator.
        friendly_device_name: Option<String>,
    },
    /// The user's current state (answered at once).
    GetUserState,
    /// A pass-through account operation of the table in [`crate::account`]: sign-up,
    /// confirmation codes and password reset (in any state, with the app client's secret
    /// hash), or attributes, password, device list, MFA preferences, ... (with the user's
    /// access token, refreshed first if it is due); answered with the operation's output.
    Account(AccountRequest),
}

impl ApiCall {
    /// A short name for traces and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SignIn { .. } => "sign_in",
            Self::ConfirmSignIn { .. } => "confirm_sign_in",
            Self::SignInWithWebUi { .. } => "sign_in_with_web_ui",
            Self::HandleRedirect { .. } => "handle_redirect",
            Self::SignOut(_) => "sign_out",
            Self::FetchTokens { .. } => "tokens",
            Self::FetchCredentials { .. } => "aws_credentials",
            Self::FetchIdentityId => "identity_id",
            Self::FederatedSignIn { .. } => "federated_sign_in",
            Self::ClearFederation => "clear_federation",
            Self::ReleaseSignInWait => "release_sign_in_wait",
            Self::DeleteUser => "delete_user",
            Self::RememberDevice => "remember_device",
            Self::UpdateDeviceStatus { .. } => "update_device_status",
            Self::ForgetDevice { .. } => "forget_device",
            Self::FetchDevice => "fetch_device",
            Self::SetUpTotp => "set_up_totp",
            Self::VerifyTotpSetup { .. } => "verify_totp_setup",
            Self::GetUserState => "user_state",
            Self::Account(request) => request.operation(),
        }
    }

    /// The call for an operation of the account-operation table, e.g.
    /// `ApiCall::account(ListDevices::default())`.
    pub fn account(operation: impl Into<AccountRequest>) -> Self {
        Self::Account(operation.into())
    }
}

/// How to sign out. The default, as in Amplify v2: revoke the refresh token, and visit the
/// hosted UI's logout endpoint if the session came from it; no global sign-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOutOptions {
    /// Also invalidate every session of the user (`GlobalSignOut`).
    pub global: bool,
    /// Revoke the refresh token (`RevokeToken`).
    pub revoke: bool,
    /// Visit the hosted UI's logout endpoint (sessions started with the web UI).
    pub hosted_ui: bool,
}

impl Default for SignOutOptions {
    fn default() -> Self {
        Self {
            global: false,
            revoke: true,
            hosted_ui: true,
        }
    }
}

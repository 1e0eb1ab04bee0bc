//! What the machine asks for: effects for the engine to run, timers, replies to the app, and
//! user-state changes for subscribers.

use serde::{Deserialize, Serialize};

use crate::account::AccountResponse;
use crate::cognito::{
    AwsCredentials, CodeDelivery, Device, IdentityRequest, OAuthTokenRequest, StringMap,
    UserPoolRequest,
};
use crate::error::AuthError;
use crate::secret::Secret;
use crate::session::{PersistedSession, Tokens};
use crate::srp_task::SrpTask;

/// Identifies an app call; chosen by the engine, echoed in the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OperationId(pub u64);

/// Identifies an effect; chosen by the machine, echoed in [`crate::Event::Completed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EffectId(pub u64);

/// The machine's timers: a closed set. The engine keeps at most one of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TimerKind {
    /// User-pool tokens are about to expire: refresh ahead of time.
    TokensDue,
    /// AWS credentials are about to expire.
    CredentialsDue,
    /// Retry a failed token refresh (backoff).
    RetryTokens,
    /// Retry a failed credentials fetch (backoff).
    RetryCredentials,
}

/// One output of the machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Output {
    /// Run this effect and feed its result back as [`crate::Event::Completed`] with the same id.
    Effect {
        /// Echo this in the result.
        effect_id: EffectId,
        /// What to do.
        effect: Effect,
    },
    /// (Re)arm a timer to fire at `at_mono_ms` on the engine's monotonic clock.
    SetTimer {
        /// Which timer.
        timer: TimerKind,
        /// When.
        at_mono_ms: u64,
    },
    /// Disarm a timer (harmless if not armed).
    CancelTimer {
        /// Which timer.
        timer: TimerKind,
    },
    /// Resolve the app's pending call.
    Reply {
        /// The call.
        op: OperationId,
        /// Its answer.
        result: Result<Answer, AuthError>,
    },
    /// The user-visible state changed: publish to subscribers.
    UserStateChanged {
        /// Previous state.
        from: UserState,
        /// New state.
        to: UserState,
    },
    /// An input was ignored (late result, spurious timer). For traces; nothing to do.
    Ignored {
        /// Why, in a few words (never secret).
        reason: String,
    },
}

/// An effect for the engine to perform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Effect {
    /// Call the user pools API.
    UserPool {
        /// The request.
        request: UserPoolRequest,
    },
    /// Call the identity pools API.
    Identity {
        /// The request.
        request: IdentityRequest,
    },
    /// Call an OAuth 2.0 token endpoint.
    OAuthToken {
        /// The request.
        request: OAuthTokenRequest,
    },
    /// Run an SRP computation (CPU-bound: run it off the async threads).
    Srp {
        /// The computation; [`SrpTask::run`] performs it.
        task: SrpTask,
    },
    /// Load the persisted session; answer with [`crate::EffectResult::Loaded`].
    LoadSession,
    /// Replace the persisted session.
    Persist {
        /// What to store.
        session: Box<PersistedSession>,
    },
    /// Open a URL in the user's browser (hosted UI sign-in or sign-out).
    OpenUrl {
        /// The URL (carries a PKCE challenge and state, no secrets).
        url: String,
    },
}

/// The user-visible state, as AWSMobileClient names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UserState {
    /// Not yet known: the stored session is being loaded.
    Unknown,
    /// No session.
    SignedOut,
    /// An unauthenticated identity-pool identity.
    Guest,
    /// A user-pool session.
    SignedIn,
    /// An identity-pool session from an external provider.
    Federated,
    /// The refresh token was rejected: a new sign-in is needed.
    SignedOutUserPoolsTokenInvalid,
    /// The federation token was rejected: a new token is needed.
    SignedOutFederatedTokensInvalid,
}

/// A successful answer to an app call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer")]
#[non_exhaustive]
pub enum Answer {
    /// Nothing more to say.
    Done,
    /// `sign_in`, `confirm_sign_in`, `handle_redirect`: the next step.
    SignIn {
        /// What the app must do next (`Done` when signed in).
        next_step: SignInStep,
    },
    /// `sign_in_with_web_ui`: open this URL (also emitted as an [`Effect::OpenUrl`]).
    OpenUrl {
        /// The authorization URL.
        url: String,
    },
    /// `sign_out`.
    SignedOut(SignOutReport),
    /// `tokens`.
    Tokens(Tokens),
    /// `aws_credentials`.
    Credentials {
        /// The identity.
        identity_id: String,
        /// The credentials.
        credentials: AwsCredentials,
    },
    /// `identity_id`.
    IdentityId {
        /// The identity.
        identity_id: String,
    },
    /// `fetch_device`.
    Device(Device),
    /// `set_up_totp`.
    TotpSetup {
        /// Shared secret (base32) to put in an authenticator.
        shared_secret: Secret<String>,
    },
    /// `user_state`.
    UserState(UserState),
    /// A pass-through account operation of the table in [`crate::account`].
    Account(AccountResponse),
}

/// What a sign-in needs next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step")]
#[non_exhaustive]
pub enum SignInStep {
    /// Signed in.
    Done,
    /// Enter the code sent by SMS.
    ConfirmWithSmsCode {
        /// Where it went.
        code_delivery: Option<CodeDelivery>,
    },
    /// Enter the code sent by email.
    ConfirmWithEmailCode {
        /// Where it went.
        code_delivery: Option<CodeDelivery>,
    },
    /// Enter the code from the authenticator app.
    ConfirmWithTotpCode,
    /// Choose an MFA method (answer with `SMS_MFA`, `SOFTWARE_TOKEN_MFA` or `EMAIL_OTP`).
    SelectMfaType {
        /// The choices.
        allowed: Vec<String>,
    },
    /// Choose an MFA method to set up (answer with `SOFTWARE_TOKEN_MFA` or `EMAIL_OTP`).
    SelectMfaSetupType {
        /// The choices.
        allowed: Vec<String>,
    },
    /// Add this secret to an authenticator app, then answer with a code from it.
    SetUpTotp {
        /// Shared secret (base32).
        shared_secret: Secret<String>,
    },
    /// Enter an email address to receive EMAIL_OTP codes (MFA setup by email).
    SetUpEmail,
    /// Choose a new password (answer with it), supplying the listed attributes.
    NewPasswordRequired {
        /// Attributes the pool requires to be set.
        required_attributes: Vec<String>,
    },
    /// Answer the custom challenge.
    CustomChallenge {
        /// The challenge parameters from the Lambda trigger.
        parameters: StringMap,
    },
    /// USER_AUTH: choose a first factor (`PASSWORD`, `PASSWORD_SRP`, `EMAIL_OTP`, `SMS_OTP`).
    SelectFirstFactor {
        /// The choices.
        available: Vec<String>,
    },
    /// USER_AUTH: enter the password for the chosen password factor.
    ConfirmWithPassword,
}

/// What a sign-out did remotely. The local session is always cleared.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SignOutReport {
    /// `GlobalSignOut` failed with this error (the local session was cleared anyway).
    pub global_sign_out_error: Option<AuthError>,
    /// `RevokeToken` failed with this error.
    pub revoke_token_error: Option<AuthError>,
    /// The hosted-UI logout could not be started.
    pub hosted_ui_error: Option<AuthError>,
}

impl SignOutReport {
    /// Whether every remote step succeeded.
    pub fn is_complete(&self) -> bool {
        self.global_sign_out_error.is_none()
            && self.revoke_token_error.is_none()
            && self.hosted_ui_error.is_none()
    }
}

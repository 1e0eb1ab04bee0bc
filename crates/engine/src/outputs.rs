//! Per-call outputs: each call that answers more than "done" returns its own type, built from
//! the machine's answer in one private place per call (`answers.rs`).

use cognito_auth_machine::cognito::AwsCredentials;
use cognito_auth_machine::{Secret, SignInStep, Tokens, UserState};

use crate::Error;

/// The outcome of a sign-in step ([`crate::Auth::sign_in`], [`crate::Auth::confirm_sign_in`],
/// [`crate::Auth::handle_redirect`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignInOutput {
    /// What the app must do next; [`SignInStep::Done`] when the user is signed in.
    pub next_step: SignInStep,
}

impl SignInOutput {
    /// Whether the sign-in is complete.
    pub fn is_signed_in(&self) -> bool {
        self.next_step == SignInStep::Done
    }
}

/// The outcome of [`crate::Auth::sign_in_with_web_ui`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebUiSignInOutput {
    /// The authorization URL to open in a browser (also passed to `on_open_url`).
    pub url: String,
}

/// The outcome of [`crate::Auth::sign_out`]. The local session is always cleared; these say
/// which remote steps failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignOutOutput {
    /// `GlobalSignOut` failed with this error.
    pub global_sign_out_error: Option<Error>,
    /// `RevokeToken` failed with this error.
    pub revoke_token_error: Option<Error>,
    /// The hosted-UI logout could not be started.
    pub hosted_ui_error: Option<Error>,
}

impl SignOutOutput {
    /// Whether every remote step succeeded.
    pub fn is_complete(&self) -> bool {
        self.global_sign_out_error.is_none()
            && self.revoke_token_error.is_none()
            && self.hosted_ui_error.is_none()
    }
}

/// The outcome of [`crate::Auth::set_up_totp`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TotpSetupOutput {
    /// The shared secret (base32) to put in an authenticator app.
    pub shared_secret: Secret<String>,
}

impl TotpSetupOutput {
    /// The `otpauth://` URI an authenticator app reads from a QR code. **It holds the
    /// secret**: show it to the user, never log it.
    pub fn setup_uri(&self, issuer: &str, account_name: &str) -> Secret<String> {
        Secret::new(format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}",
            percent_encode(issuer),
            percent_encode(account_name),
            self.shared_secret.expose(),
            percent_encode(issuer)
        ))
    }
}

/// RFC 3986 percent-encoding of everything but unreserved characters (authenticator apps read
/// `+` literally, so spaces must be `%20`).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Identity-pool credentials and the identity they belong to ([`crate::Auth::aws_credentials`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdentityCredentials {
    /// The identity id.
    pub identity_id: String,
    /// Temporary AWS credentials.
    pub credentials: AwsCredentials,
}

impl IdentityCredentials {
    /// Credentials for `identity_id` (what an [`crate::AwsCredentialsProvider`] returns).
    pub fn new(identity_id: impl Into<String>, credentials: AwsCredentials) -> Self {
        Self {
            identity_id: identity_id.into(),
            credentials,
        }
    }
}

/// The outcome of [`crate::Auth::federated_sign_in`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FederatedSignInOutput {
    /// The identity id.
    pub identity_id: String,
    /// Temporary AWS credentials for it.
    pub credentials: AwsCredentials,
}

/// Everything about the current session at once ([`crate::Auth::fetch_auth_session`]), as
/// Amplify's `fetchAuthSession` gives it. Each part is a `Result` of its own, so one failing
/// part (no identity pool configured, a network error for credentials) does not hide the others.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthSession {
    /// The user state when the session was read.
    pub user_state: UserState,
    /// The signed-in user's name (from the tokens).
    pub username: Result<String, Error>,
    /// The signed-in user's `sub` (from the tokens).
    pub user_sub: Result<String, Error>,
    /// The user-pool tokens, refreshed first if they were due.
    pub tokens: Result<Tokens, Error>,
    /// The identity-pool identity id.
    pub identity_id: Result<String, Error>,
    /// Temporary AWS credentials from the identity pool.
    pub credentials: Result<AwsCredentials, Error>,
}

impl AuthSession {
    /// Whether a user-pool user is signed in.
    pub fn is_signed_in(&self) -> bool {
        self.user_state == UserState::SignedIn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_totp_uri_encodes_issuer_and_account() {
        let setup = TotpSetupOutput {
            shared_secret: Secret::new("JBSWY3DPEHPK3PXP".to_owned()),
        };
        assert_eq!(
            setup.setup_uri("My App", "alice@example.com").expose(),
            "otpauth://totp/My%20App:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=My%20App"
        );
    }
}

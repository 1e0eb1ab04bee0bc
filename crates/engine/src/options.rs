//! Per-call options: each an owned struct with `Default` and chainable setters, so a call reads
//! `auth.sign_in("alice", "pw", SignInOptions::default().client_metadata("k", "v"))` and
//! Cognito parameters added later do not break callers.
//!
//! Every parameter Cognito passes on (client metadata to Lambda triggers, validation data to
//! the pre-sign-up trigger, scopes, the flow, the preferred first factor) is reachable from the
//! call that sends it.

use cognito_auth_machine::cognito::{Attribute, StringMap};
use cognito_auth_machine::AuthFlow;

/// Adds `client_metadata(key, value)` to an options struct with a `client_metadata` field.
macro_rules! client_metadata_setter {
    () => {
        /// Adds a key-value pair passed to the pool's Lambda triggers (`ClientMetadata`).
        #[must_use]
        pub fn client_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
            self.client_metadata.insert(key.into(), value.into());
            self
        }
    };
}

/// Options structs whose only option is client metadata.
macro_rules! client_metadata_options {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct $name {
            /// Passed to the pool's Lambda triggers (`ClientMetadata`).
            pub client_metadata: StringMap,
        }

        impl $name {
            client_metadata_setter!();
        }
    )*};
}

client_metadata_options! {
    /// Options for [`crate::Auth::confirm_sign_up`].
    ConfirmSignUpOptions;
    /// Options for [`crate::Auth::resend_sign_up_code`].
    ResendSignUpCodeOptions;
    /// Options for [`crate::Auth::forgot_password`].
    ForgotPasswordOptions;
    /// Options for [`crate::Auth::confirm_forgot_password`].
    ConfirmForgotPasswordOptions;
    /// Options for [`crate::Auth::update_user_attributes`].
    UpdateUserAttributesOptions;
    /// Options for [`crate::Auth::send_attribute_verification_code`].
    SendAttributeVerificationCodeOptions;
}

fn attribute(name: impl Into<String>, value: impl Into<String>) -> Attribute {
    Attribute {
        name: name.into(),
        value: value.into(),
    }
}

/// Options for [`crate::Auth::sign_up`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignUpOptions {
    /// User attributes (`email`, `phone_number`, `custom:...`).
    pub attributes: Vec<Attribute>,
    /// Passed to the pre-sign-up Lambda trigger (`ValidationData`), not stored.
    pub validation_data: Vec<Attribute>,
    /// Passed to the pool's Lambda triggers (`ClientMetadata`).
    pub client_metadata: StringMap,
}

impl SignUpOptions {
    /// Adds a user attribute.
    #[must_use]
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push(attribute(name, value));
        self
    }

    /// Adds a validation-data entry for the pre-sign-up trigger.
    #[must_use]
    pub fn validation_data(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.validation_data.push(attribute(name, value));
        self
    }

    client_metadata_setter!();
}

/// The first factor to offer in a choice-based (`USER_AUTH`) sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FirstFactor {
    /// The password, sent over TLS (`PASSWORD`).
    Password,
    /// The password, proven with SRP (`PASSWORD_SRP`).
    PasswordSrp,
    /// A one-time code by email (`EMAIL_OTP`).
    EmailOtp,
    /// A one-time code by SMS (`SMS_OTP`).
    SmsOtp,
    /// A passkey (`WEB_AUTHN`).
    WebAuthn,
}

impl FirstFactor {
    /// The challenge name Cognito uses for this factor.
    pub fn cognito_name(self) -> &'static str {
        use cognito_auth_wire::challenge;
        match self {
            Self::Password => challenge::PASSWORD,
            Self::PasswordSrp => challenge::PASSWORD_SRP,
            Self::EmailOtp => challenge::EMAIL_OTP,
            Self::SmsOtp => challenge::SMS_OTP,
            Self::WebAuthn => challenge::WEB_AUTHN,
        }
    }
}

/// Options for [`crate::Auth::sign_in`] and [`crate::Auth::sign_in_without_password`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignInOptions {
    /// The flow; `None` uses the configured one.
    pub flow: Option<AuthFlow>,
    /// `USER_AUTH`: the first factor to try (`PREFERRED_CHALLENGE`).
    pub preferred_first_factor: Option<FirstFactor>,
    /// Passed to the pool's Lambda triggers (`ClientMetadata`).
    pub client_metadata: StringMap,
}

impl SignInOptions {
    /// Uses this flow instead of the configured one.
    #[must_use]
    pub fn flow(mut self, flow: AuthFlow) -> Self {
        self.flow = Some(flow);
        self
    }

    /// `USER_AUTH`: tries this first factor.
    #[must_use]
    pub fn preferred_first_factor(mut self, factor: FirstFactor) -> Self {
        self.preferred_first_factor = Some(factor);
        self
    }

    client_metadata_setter!();
}

/// Options for [`crate::Auth::confirm_sign_in`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfirmSignInOptions {
    /// Attributes `NEW_PASSWORD_REQUIRED` asks for.
    pub user_attributes: Vec<Attribute>,
    /// Passed to the pool's Lambda triggers (`ClientMetadata`).
    pub client_metadata: StringMap,
}

impl ConfirmSignInOptions {
    /// Adds a user attribute (for `NEW_PASSWORD_REQUIRED`).
    #[must_use]
    pub fn user_attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.user_attributes.push(attribute(name, value));
        self
    }

    client_metadata_setter!();
}

/// Options for [`crate::Auth::sign_in_with_web_ui`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebUiSignInOptions {
    /// The identity provider to go straight to (`Google`, `Facebook`, a SAML name, ...).
    pub identity_provider: Option<String>,
    /// Scopes replacing the configured ones; empty keeps the configured ones.
    pub scopes: Vec<String>,
    /// A custom OAuth provider (Auth0, ...) added to the identity pool as an OpenID Connect
    /// provider: its id token is federated under this login key (AWSMobileClient's
    /// `federationProviderName`, e.g. `tenant.auth0.com`) instead of the user pool's.
    pub federation_provider_name: Option<String>,
}

impl WebUiSignInOptions {
    /// Federates the provider's id token into the identity pool under this login key.
    #[must_use]
    pub fn federation_provider_name(mut self, name: impl Into<String>) -> Self {
        self.federation_provider_name = Some(name.into());
        self
    }

    /// Goes straight to this identity provider.
    #[must_use]
    pub fn identity_provider(mut self, provider: impl Into<String>) -> Self {
        self.identity_provider = Some(provider.into());
        self
    }

    /// Asks for this scope (the first call replaces the configured scopes).
    #[must_use]
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }
}

/// Options for [`crate::Auth::federated_sign_in`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FederatedSignInOptions {
    /// Developer-authenticated identities: the identity id your backend obtained together with
    /// the OpenID token (`GetOpenIdTokenForDeveloperIdentity`). `GetId` is skipped: the
    /// credentials are asked for this identity directly.
    pub developer_provided_identity_id: Option<String>,
    /// The role to assume when the provider's token names several (a SAML assertion with
    /// several roles, or a token-based role mapping): sent as `CustomRoleArn`.
    pub custom_role_arn: Option<String>,
}

impl FederatedSignInOptions {
    /// Uses the identity id your backend obtained (developer-authenticated identities).
    #[must_use]
    pub fn developer_provided_identity_id(mut self, identity_id: impl Into<String>) -> Self {
        self.developer_provided_identity_id = Some(identity_id.into());
        self
    }

    /// Assumes this role.
    #[must_use]
    pub fn custom_role_arn(mut self, arn: impl Into<String>) -> Self {
        self.custom_role_arn = Some(arn.into());
        self
    }
}

/// Options for fetching tokens, credentials or the whole session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchOptions {
    /// Refresh even if the cached values are still valid.
    pub force_refresh: bool,
}

impl FetchOptions {
    /// Refreshes even valid cached values.
    #[must_use]
    pub fn force_refresh(mut self) -> Self {
        self.force_refresh = true;
        self
    }
}

/// Options for [`crate::Auth::fetch_devices`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchDevicesOptions {
    /// Page size of each `ListDevices` call (Cognito's default, 60, when `None`).
    pub limit: Option<i32>,
}

impl FetchDevicesOptions {
    /// Lists at most `limit` devices.
    #[must_use]
    pub fn limit(mut self, limit: i32) -> Self {
        self.limit = Some(limit);
        self
    }
}

/// Options for [`crate::Auth::verify_totp_setup`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyTotpSetupOptions {
    /// A name for the authenticator, shown in the user's MFA settings.
    pub friendly_device_name: Option<String>,
}

impl VerifyTotpSetupOptions {
    /// Names the authenticator.
    #[must_use]
    pub fn friendly_device_name(mut self, name: impl Into<String>) -> Self {
        self.friendly_device_name = Some(name.into());
        self
    }
}

/// One MFA method's setting in [`MfaPreference`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum MfaSetting {
    /// Leave the method as it is.
    #[default]
    Unchanged,
    /// Enable the method (not preferred).
    Enabled,
    /// Enable the method and make it the preferred one.
    Preferred,
    /// Disable the method.
    Disabled,
}

impl MfaSetting {
    /// The machine's form: `None` leaves the method unchanged.
    pub(crate) fn to_machine(self) -> Option<cognito_auth_machine::cognito::MfaPreference> {
        use cognito_auth_machine::cognito::MfaPreference as Wire;
        match self {
            Self::Unchanged => None,
            Self::Enabled => Some(Wire {
                enabled: true,
                preferred: false,
            }),
            Self::Preferred => Some(Wire {
                enabled: true,
                preferred: true,
            }),
            Self::Disabled => Some(Wire {
                enabled: false,
                preferred: false,
            }),
        }
    }
}

/// The user's MFA preferences for [`crate::Auth::update_mfa_preference`]; every method
/// defaults to [`MfaSetting::Unchanged`].
///
/// ```
/// use cognito_auth::{MfaPreference, MfaSetting};
/// let prefer_totp = MfaPreference::default().totp(MfaSetting::Preferred);
/// assert_eq!(prefer_totp.sms, MfaSetting::Unchanged);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct MfaPreference {
    /// SMS codes.
    pub sms: MfaSetting,
    /// An authenticator app (TOTP).
    pub totp: MfaSetting,
    /// Email codes.
    pub email: MfaSetting,
}

impl MfaPreference {
    /// Sets SMS.
    #[must_use]
    pub fn sms(mut self, setting: MfaSetting) -> Self {
        self.sms = setting;
        self
    }

    /// Sets TOTP.
    #[must_use]
    pub fn totp(mut self, setting: MfaSetting) -> Self {
        self.totp = setting;
        self
    }

    /// Sets email.
    #[must_use]
    pub fn email(mut self, setting: MfaSetting) -> Self {
        self.email = setting;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setters_fill_the_fields_cognito_receives() {
        let sign_up = SignUpOptions::default()
            .attribute("email", "a@example.com")
            .validation_data("invite", "1234")
            .client_metadata("source", "test");
        assert_eq!(
            sign_up.attributes,
            vec![attribute("email", "a@example.com")]
        );
        assert_eq!(sign_up.validation_data, vec![attribute("invite", "1234")]);
        assert_eq!(sign_up.client_metadata["source"], "test");
        let sign_in = SignInOptions::default()
            .flow(AuthFlow::UserAuth)
            .preferred_first_factor(FirstFactor::EmailOtp);
        assert_eq!(sign_in.flow, Some(AuthFlow::UserAuth));
        assert_eq!(
            sign_in
                .preferred_first_factor
                .map(FirstFactor::cognito_name),
            Some("EMAIL_OTP")
        );
    }

    #[test]
    fn mfa_settings_map_to_enabled_and_preferred_flags() {
        let flags = |s: MfaSetting| s.to_machine().map(|p| (p.enabled, p.preferred));
        assert_eq!(flags(MfaSetting::Unchanged), None);
        assert_eq!(flags(MfaSetting::Enabled), Some((true, false)));
        assert_eq!(flags(MfaSetting::Preferred), Some((true, true)));
        assert_eq!(flags(MfaSetting::Disabled), Some((false, false)));
    }
}

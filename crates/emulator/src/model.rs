//! The in-memory model: pools, clients, users, codes, refresh tokens, devices, sessions and
//! identity pools. Plain data; the operations in `user_pool` and `identity` change it.

use std::collections::{BTreeMap, BTreeSet};

use cognito_auth_wire::{challenge, explicit_flow};
use serde_json::Value;

use crate::time::UnixMillis;

/// A secret held by the model (password hash material, code, device secret): Debug redacts it.
#[derive(Clone, PartialEq, Eq, Default)]
pub(crate) struct Hidden<T>(pub(crate) T);

impl<T> std::fmt::Debug for Hidden<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Cognito's password policy.
#[derive(Debug, Clone)]
pub(crate) struct PasswordPolicy {
    pub(crate) min_length: usize,
    pub(crate) require_uppercase: bool,
    pub(crate) require_lowercase: bool,
    pub(crate) require_numbers: bool,
    pub(crate) require_symbols: bool,
    pub(crate) temporary_password_validity_days: u64,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            temporary_password_validity_days: 7,
        }
    }
}

/// `MfaConfiguration` of a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MfaConfig {
    Off,
    On,
    Optional,
}

impl MfaConfig {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Off => "OFF",
            Self::On => "ON",
            Self::Optional => "OPTIONAL",
        }
    }
}

/// A scripted stand-in for the define/create/verify auth-challenge Lambda triggers.
#[derive(Debug, Clone, Default)]
pub(crate) struct CustomAuthRules {
    /// Whether the flow starts with SRP (`CHALLENGE_NAME=SRP_A` accepted) before custom rounds.
    pub(crate) allow_srp_first: bool,
    /// The challenges asked in order; all must be answered right to get tokens.
    pub(crate) challenges: Vec<CustomChallengeRule>,
    /// Wrong answers allowed per challenge before the sign-in fails.
    pub(crate) max_attempts: u32,
}

/// One scripted custom challenge.
#[derive(Debug, Clone, Default)]
pub(crate) struct CustomChallengeRule {
    /// Public challenge parameters sent to the client.
    pub(crate) public: BTreeMap<String, String>,
    /// The expected answer, if fixed.
    pub(crate) answer: Option<String>,
    /// Take the expected answer from this `ClientMetadata` key of the request that started the
    /// flow (how the create-challenge trigger sees client metadata).
    pub(crate) answer_from_client_metadata: Option<String>,
    /// Generate a 6-digit code, deliver it through the outbox, and expect it as the answer.
    pub(crate) deliver_code: bool,
}

/// A user pool.
#[derive(Debug, Clone)]
pub(crate) struct UserPool {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) created: UnixMillis,
    /// `LastModifiedDate`: moved by `UpdateUserPool` and `SetUserPoolMfaConfig`.
    pub(crate) modified: UnixMillis,
    pub(crate) policy: PasswordPolicy,
    /// `Policies.SignInPolicy.AllowedFirstAuthFactors`: the `USER_AUTH` first factors the pool
    /// allows (`AuthFactorType` names, in the API's order; `PASSWORD` alone by default).
    pub(crate) first_auth_factors: Vec<String>,
    pub(crate) auto_verified: Vec<String>,
    pub(crate) username_attributes: Vec<String>,
    pub(crate) alias_attributes: Vec<String>,
    pub(crate) case_sensitive: bool,
    pub(crate) mfa: MfaConfig,
    pub(crate) sms_mfa_enabled: bool,
    pub(crate) software_token_mfa_enabled: bool,
    pub(crate) email_mfa_enabled: bool,
    /// `SmsMfaConfiguration` as `GetUserPoolMfaConfig` answers it (message and SNS settings).
    pub(crate) sms_mfa_config: Value,
    /// `EmailMfaConfiguration` (`Message`, `Subject`) once set.
    pub(crate) email_mfa_config: Option<Value>,
    /// `DeviceConfiguration.DeviceOnlyRememberedOnUserPrompt`; `None` when device tracking is off.
    pub(crate) device_remembered_on_prompt: Option<bool>,
    pub(crate) custom_auth: Option<CustomAuthRules>,
    pub(crate) allow_admin_create_user_only: bool,
    /// The original request, echoed back (with computed fields) by `DescribeUserPool`.
    pub(crate) raw: Value,
    pub(crate) clients: BTreeMap<String, AppClient>,
    /// Users by their canonical (possibly lowercased) user name.
    pub(crate) users: BTreeMap<String, User>,
    /// Groups by name (`CreateGroup`); members are listed on each user (`User::groups`).
    pub(crate) groups: BTreeMap<String, Group>,
}

/// A user-pool group.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    /// Lower wins; `None` loses to every number.
    pub(crate) precedence: Option<u32>,
    pub(crate) role_arn: Option<String>,
    pub(crate) created: UnixMillis,
    pub(crate) modified: UnixMillis,
}

impl UserPool {
    /// The part of the pool id after the underscore, used by SRP.
    pub(crate) fn srp_pool_name(&self) -> &str {
        self.id.split_once('_').map_or(self.id.as_str(), |(_, n)| n)
    }

    pub(crate) fn device_tracking(&self) -> bool {
        self.device_remembered_on_prompt.is_some()
    }
}

/// Token validity of a client, in seconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Validity {
    pub(crate) access_s: u64,
    pub(crate) id_s: u64,
    pub(crate) refresh_s: u64,
    pub(crate) auth_session_s: u64,
}

/// An app client.
#[derive(Debug, Clone)]
pub(crate) struct AppClient {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) secret: Option<Hidden<String>>,
    pub(crate) explicit_auth_flows: Vec<String>,
    pub(crate) validity: Validity,
    pub(crate) prevent_user_existence_errors: bool,
    pub(crate) enable_token_revocation: bool,
    pub(crate) rotation: RefreshRotation,
    pub(crate) raw: Value,
}

/// `RefreshTokenRotation` of an app client: whether a refresh issues a new refresh token, and
/// how long the one it replaces keeps working (`RetryGracePeriodSeconds`, 0-60).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RefreshRotation {
    pub(crate) enabled: bool,
    pub(crate) grace_s: u64,
}

impl AppClient {
    /// Whether the client allows `flow` (an `ALLOW_*` name, or its legacy short form).
    pub(crate) fn allows(&self, allow_name: &str, legacy: Option<&str>) -> bool {
        if self.explicit_auth_flows.is_empty() {
            // Cognito's default when none are given: SRP, custom and refresh.
            return matches!(
                allow_name,
                explicit_flow::ALLOW_USER_SRP_AUTH
                    | explicit_flow::ALLOW_CUSTOM_AUTH
                    | explicit_flow::ALLOW_REFRESH_TOKEN_AUTH
            );
        }
        self.explicit_auth_flows
            .iter()
            .any(|f| f == allow_name || Some(f.as_str()) == legacy)
    }
}

/// `UserStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserStatus {
    Unconfirmed,
    Confirmed,
    ForceChangePassword,
    ResetRequired,
}

impl UserStatus {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Unconfirmed => "UNCONFIRMED",
            Self::Confirmed => "CONFIRMED",
            Self::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            Self::ResetRequired => "RESET_REQUIRED",
        }
    }
}

/// What a code was sent for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodePurpose {
    /// `SignUp` / `ResendConfirmationCode`.
    SignUp,
    /// `ForgotPassword`.
    ForgotPassword,
    /// `GetUserAttributeVerificationCode` for `email`.
    VerifyEmail,
    /// `GetUserAttributeVerificationCode` for `phone_number`.
    VerifyPhone,
    /// `SMS_MFA` sign-in challenge.
    SmsMfa,
    /// `EMAIL_OTP` sign-in challenge.
    EmailOtp,
    /// A scripted `CUSTOM_CHALLENGE`.
    CustomChallenge,
    /// `AdminCreateUser` invitation carrying the temporary password.
    Invitation,
}

/// A code waiting to be entered.
#[derive(Debug, Clone)]
pub(crate) struct PendingCode {
    pub(crate) code: Hidden<String>,
    pub(crate) expires: UnixMillis,
}

/// Stored password material: a salted hash for `USER_PASSWORD_AUTH` and the SRP verifier.
#[derive(Debug, Clone)]
pub(crate) struct PasswordRecord {
    pub(crate) hash: Hidden<[u8; 32]>,
    pub(crate) hash_salt: Hidden<[u8; 16]>,
    pub(crate) srp: crate::srp_glue::StoredVerifier,
    /// When a temporary password stops working (`AdminCreateUser`).
    pub(crate) temporary_until: Option<UnixMillis>,
}

/// A device the user signed in from.
#[derive(Debug, Clone)]
pub(crate) struct Device {
    pub(crate) key: String,
    pub(crate) group_key: String,
    pub(crate) verifier: Option<crate::srp_glue::StoredVerifier>,
    pub(crate) name: Option<String>,
    pub(crate) remembered: bool,
    pub(crate) created: UnixMillis,
    pub(crate) last_modified: UnixMillis,
    pub(crate) last_authenticated: UnixMillis,
}

/// A user.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) username: String,
    pub(crate) sub: String,
    pub(crate) attributes: Vec<(String, String)>,
    pub(crate) status: UserStatus,
    pub(crate) enabled: bool,
    pub(crate) password: Option<PasswordRecord>,
    pub(crate) created: UnixMillis,
    pub(crate) modified: UnixMillis,
    pub(crate) codes: BTreeMap<CodePurpose, PendingCode>,
    pub(crate) sms_mfa: bool,
    pub(crate) software_token_mfa: bool,
    pub(crate) email_mfa: bool,
    pub(crate) preferred_mfa: Option<String>,
    /// The TOTP secret once `AssociateSoftwareToken` ran; `verified` after `VerifySoftwareToken`.
    pub(crate) totp_secret: Option<Hidden<Vec<u8>>>,
    pub(crate) totp_verified: bool,
    pub(crate) devices: BTreeMap<String, Device>,
    /// The names of the groups the user belongs to.
    pub(crate) groups: BTreeSet<String>,
}

impl User {
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn set_attr(&mut self, name: &str, value: &str) {
        if let Some(slot) = self.attributes.iter_mut().find(|(n, _)| n == name) {
            slot.1 = value.to_owned();
        } else {
            self.attributes.push((name.to_owned(), value.to_owned()));
        }
    }

    pub(crate) fn remove_attr(&mut self, name: &str) {
        self.attributes.retain(|(n, _)| n != name);
    }
}

/// A refresh token and the token family (`origin_jti`) it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct RefreshRecord {
    pub(crate) pool_id: String,
    pub(crate) client_id: String,
    pub(crate) username: String,
    pub(crate) origin_jti: String,
    pub(crate) device_key: Option<String>,
    pub(crate) auth_time: u64,
    pub(crate) expires: UnixMillis,
    pub(crate) revoked: bool,
    /// When rotation first replaced this token: it keeps working until then plus the client's
    /// grace period.
    pub(crate) rotated_at: Option<UnixMillis>,
}

/// A sign-in in progress between `InitiateAuth` and the final `RespondToAuthChallenge`.
#[derive(Debug, Clone)]
pub(crate) struct AuthSession {
    pub(crate) pool_id: String,
    pub(crate) client_id: String,
    pub(crate) username: String,
    pub(crate) expires: UnixMillis,
    pub(crate) expected: Expected,
    pub(crate) device_key: Option<String>,
    pub(crate) client_metadata: BTreeMap<String, String>,
    /// Whether a remembered device already vouched for the user (skips MFA).
    pub(crate) device_authenticated: bool,
    pub(crate) custom_step: usize,
    pub(crate) custom_attempts: u32,
    /// `MFA_SETUP`: an associated secret verified during this session.
    pub(crate) mfa_setup_done: bool,
    /// A `CUSTOM_AUTH` flow: after SRP, scripted challenges follow instead of MFA.
    pub(crate) custom: bool,
    /// The answer the current custom challenge expects.
    pub(crate) custom_answer: Option<Hidden<String>>,
    /// A `USER_AUTH` one-time-code sign-in: the code is the only factor.
    pub(crate) passwordless: bool,
}

/// The answer a session waits for.
#[derive(Debug, Clone)]
pub(crate) enum Expected {
    PasswordVerifier(crate::srp_glue::ServerSrp, Hidden<String>),
    DeviceSrpAuth,
    DevicePasswordVerifier(crate::srp_glue::ServerSrp, Hidden<String>),
    SmsMfa,
    EmailOtp,
    SoftwareTokenMfa,
    SelectMfaType(Vec<String>),
    MfaSetup,
    NewPasswordRequired,
    CustomChallenge,
    SelectChallenge(Vec<String>),
}

impl Expected {
    pub(crate) fn challenge_name(&self) -> &'static str {
        match self {
            Self::PasswordVerifier(..) => challenge::PASSWORD_VERIFIER,
            Self::DeviceSrpAuth => challenge::DEVICE_SRP_AUTH,
            Self::DevicePasswordVerifier(..) => challenge::DEVICE_PASSWORD_VERIFIER,
            Self::SmsMfa => challenge::SMS_MFA,
            Self::EmailOtp => challenge::EMAIL_OTP,
            Self::SoftwareTokenMfa => challenge::SOFTWARE_TOKEN_MFA,
            Self::SelectMfaType(_) => challenge::SELECT_MFA_TYPE,
            Self::MfaSetup => challenge::MFA_SETUP,
            Self::NewPasswordRequired => challenge::NEW_PASSWORD_REQUIRED,
            Self::CustomChallenge => challenge::CUSTOM_CHALLENGE,
            Self::SelectChallenge(_) => challenge::SELECT_CHALLENGE,
        }
    }
}

/// An identity pool.
#[derive(Debug, Clone)]
pub(crate) struct IdentityPool {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) allow_unauthenticated: bool,
    pub(crate) allow_classic_flow: bool,
    /// `(ProviderName, ClientId, ServerSideTokenCheck)` of user-pool providers.
    pub(crate) cognito_providers: Vec<(String, String, bool)>,
    pub(crate) supported_logins: BTreeMap<String, String>,
    /// `OpenIdConnectProviderARNs`: IAM OIDC providers, keyed in `Logins` by issuer host/path.
    pub(crate) oidc_providers: Vec<String>,
    /// `SamlProviderARNs`: IAM SAML providers, keyed in `Logins` by their ARN.
    pub(crate) saml_providers: Vec<String>,
    pub(crate) developer_provider: Option<String>,
    /// `SetIdentityPoolRoles`: `authenticated` / `unauthenticated` -> role ARN.
    pub(crate) roles: BTreeMap<String, String>,
    /// `SetIdentityPoolRoles`' `RoleMappings`, kept as given and answered back.
    pub(crate) role_mappings: Option<Value>,
    /// The same mappings, checked and parsed: applied by `GetCredentialsForIdentity`.
    pub(crate) mappings: BTreeMap<String, crate::role_mapping::RoleMapping>,
    pub(crate) raw: Value,
    /// Identity ids by login key (`provider|subject`).
    pub(crate) by_login: BTreeMap<String, String>,
    /// Identities by id.
    pub(crate) identities: BTreeMap<String, Identity>,
}

/// An identity in an identity pool.
#[derive(Debug, Clone, Default)]
pub(crate) struct Identity {
    pub(crate) logins: BTreeSet<String>,
    pub(crate) created: UnixMillis,
    pub(crate) modified: UnixMillis,
}

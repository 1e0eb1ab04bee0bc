//! The identity providers [`crate::Auth::federated_sign_in`] accepts, and the `Logins` key
//! Cognito identity pools know each by.
//!
//! The keys are the ones the `GetId` / `GetCredentialsForIdentity` API reference lists
//! (`graph.facebook.com`, `accounts.google.com`, `www.amazon.com`, `appleid.apple.com`); an
//! OIDC provider is keyed by its issuer without the scheme (the IAM OIDC provider's URL), a
//! SAML provider by its IAM ARN, and developer-authenticated identities by
//! `cognito-identity.amazonaws.com` (the issuer of the OpenID token your backend obtained).

use std::fmt;

/// The login key of developer-authenticated identities' OpenID tokens.
pub const DEVELOPER_LOGIN_KEY: &str = "cognito-identity.amazonaws.com";

/// An identity provider to federate into the identity pool with.
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FederationProvider {
    /// Facebook (`graph.facebook.com`): an access token.
    Facebook,
    /// Google (`accounts.google.com`): an id token.
    Google,
    /// Login with Amazon (`www.amazon.com`): an access token.
    Amazon,
    /// Sign in with Apple (`appleid.apple.com`): an id token.
    Apple,
    /// Any OpenID Connect provider registered in IAM, by its issuer URL
    /// (`https://login.example.com` is keyed `login.example.com`): an id token.
    Oidc {
        /// The issuer (`iss`) of the provider's id tokens.
        issuer: String,
    },
    /// A SAML provider registered in IAM, by its ARN: a base64 SAML assertion. Pass
    /// [`crate::FederatedSignInOptions::custom_role_arn`] when the assertion names several
    /// roles.
    Saml {
        /// `arn:aws:iam::<account>:saml-provider/<name>`.
        provider_arn: String,
    },
    /// Developer-authenticated identities: the OpenID token your backend obtained with
    /// `GetOpenIdTokenForDeveloperIdentity`, with its identity id in
    /// [`crate::FederatedSignInOptions::developer_provided_identity_id`].
    Developer,
    /// Any other login key, passed as is.
    Custom(String),
}

impl FederationProvider {
    /// The key of this provider's token in Cognito's `Logins` map.
    pub fn login_key(&self) -> String {
        match self {
            Self::Facebook => "graph.facebook.com".into(),
            Self::Google => "accounts.google.com".into(),
            Self::Amazon => "www.amazon.com".into(),
            Self::Apple => "appleid.apple.com".into(),
            Self::Oidc { issuer } => oidc_login_key(issuer),
            Self::Saml { provider_arn } => provider_arn.clone(),
            Self::Developer => DEVELOPER_LOGIN_KEY.into(),
            Self::Custom(key) => key.clone(),
        }
    }
}

/// An issuer URL without its scheme and trailing slash: the name IAM gives the OIDC provider.
fn oidc_login_key(issuer: &str) -> String {
    let bare = issuer
        .strip_prefix("https://")
        .or_else(|| issuer.strip_prefix("http://"))
        .unwrap_or(issuer);
    bare.trim_end_matches('/').to_owned()
}

impl fmt::Debug for FederationProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FederationProvider({})", self.login_key())
    }
}

impl fmt::Display for FederationProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.login_key())
    }
}

/// A login key as Cognito spells it: the well-known keys name their provider, a SAML provider
/// ARN names a SAML provider, anything else is kept as a [`FederationProvider::Custom`] key.
impl From<&str> for FederationProvider {
    fn from(key: &str) -> Self {
        match key {
            "graph.facebook.com" => Self::Facebook,
            "accounts.google.com" => Self::Google,
            "www.amazon.com" => Self::Amazon,
            "appleid.apple.com" => Self::Apple,
            DEVELOPER_LOGIN_KEY => Self::Developer,
            arn if arn.starts_with("arn:") && arn.contains(":saml-provider/") => Self::Saml {
                provider_arn: arn.to_owned(),
            },
            other => Self::Custom(other.to_owned()),
        }
    }
}

impl From<String> for FederationProvider {
    fn from(key: String) -> Self {
        Self::from(key.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_provider_has_cognitos_login_key() {
        let cases = [
            (FederationProvider::Facebook, "graph.facebook.com"),
            (FederationProvider::Google, "accounts.google.com"),
            (FederationProvider::Amazon, "www.amazon.com"),
            (FederationProvider::Apple, "appleid.apple.com"),
            (
                FederationProvider::Oidc {
                    issuer: "https://login.example.com/tenant/".into(),
                },
                "login.example.com/tenant",
            ),
            (
                FederationProvider::Saml {
                    provider_arn: "arn:aws:iam::123456789012:saml-provider/corp".into(),
                },
                "arn:aws:iam::123456789012:saml-provider/corp",
            ),
            (
                FederationProvider::Developer,
                "cognito-identity.amazonaws.com",
            ),
            (FederationProvider::Custom("x.example".into()), "x.example"),
        ];
        for (provider, key) in cases {
            assert_eq!(provider.login_key(), key);
            if !matches!(provider, FederationProvider::Oidc { .. }) {
                assert_eq!(FederationProvider::from(key), provider, "{key} round-trips");
            }
        }
    }
}

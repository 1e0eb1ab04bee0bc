//! The hosted UI (OAuth 2.0 authorization code with PKCE, RFC 7636): the authorization URL,
//! the redirect check, the token exchange request, and the logout URL.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::shared::Shared;
use super::sign_in::Origin;
use crate::cognito::{OAuthTokenRequest, StringMap};
use crate::config::OAuthConfig;
use crate::error::AuthError;
use crate::output::OperationId;
use crate::secret::Secret;

/// A hosted-UI sign-in between opening the URL and the token exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebFlow {
    /// The handle_redirect call to answer.
    pub op: Option<OperationId>,
    /// PKCE code verifier.
    pub verifier: Secret<String>,
    /// The `state` parameter the redirect must carry back.
    pub state: Secret<String>,
    /// Where to return on failure.
    pub origin: Origin,
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn pct_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn base_url(domain: &str) -> String {
    if domain.contains("://") {
        domain.trim_end_matches('/').to_owned()
    } else {
        format!("https://{}", domain.trim_end_matches('/'))
    }
}

fn query(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl Shared {
    pub(crate) fn oauth_config(&self) -> Result<OAuthConfig, AuthError> {
        self.config
            .oauth
            .clone()
            .ok_or_else(|| AuthError::NotConfigured {
                what: "the hosted UI (Auth.Default.OAuth)".into(),
            })
    }

    /// Starts a hosted-UI sign-in: returns the flow and the authorization URL.
    pub(crate) fn start_web(
        &mut self,
        identity_provider: Option<&str>,
        scopes: &[String],
        origin: Origin,
    ) -> Result<(WebFlow, String), AuthError> {
        let oauth = self.oauth_config()?;
        let verifier = b64url(&self.rng.bytes(32));
        let state = b64url(&self.rng.bytes(16));
        let challenge = b64url(&Sha256::digest(verifier.as_bytes()));
        let scopes = if scopes.is_empty() {
            oauth.scopes.join(" ")
        } else {
            scopes.join(" ")
        };
        let mut pairs = vec![
            ("response_type", "code".to_owned()),
            ("client_id", oauth.app_client_id.clone()),
            ("redirect_uri", oauth.sign_in_redirect_uri.clone()),
            ("scope", scopes),
            ("state", state.clone()),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256".to_owned()),
        ];
        if let Some(idp) = identity_provider {
            pairs.push(("identity_provider", idp.to_owned()));
        }
        for (k, v) in &oauth.sign_in_uri_query_parameters {
            pairs.push((k.as_str(), v.clone()));
        }
        let endpoint = oauth
            .sign_in_uri
            .clone()
            .unwrap_or_else(|| format!("{}/oauth2/authorize", base_url(&oauth.web_domain)));
        let url = format!("{endpoint}?{}", query(&pairs));
        Ok((
            WebFlow {
                op: None,
                verifier: Secret::new(verifier),
                state: Secret::new(state),
                origin,
            },
            url,
        ))
    }

    /// Checks the redirect and builds the token exchange.
    pub(crate) fn redirect_to_token_request(
        &self,
        web: &WebFlow,
        url: &str,
    ) -> Result<OAuthTokenRequest, AuthError> {
        let oauth = self.oauth_config()?;
        let q = url
            .split_once('?')
            .map(|(_, q)| q.split('#').next().unwrap_or(q))
            .unwrap_or("");
        let mut params = StringMap::new();
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (Some(k), Some(v)) = (pct_decode(k), pct_decode(v)) else {
                return Err(AuthError::InvalidParameter {
                    message: "the redirect URL is not properly percent-encoded".into(),
                });
            };
            params.insert(k, v);
        }
        if let Some(error) = params.get("error") {
            return Err(AuthError::HostedUi {
                error: error.clone(),
                description: params.get("error_description").cloned().unwrap_or_default(),
            });
        }
        if params.get("state") != Some(web.state.expose()) {
            return Err(AuthError::InvalidParameter {
                message: "the redirect's state does not match the sign-in's".into(),
            });
        }
        let Some(code) = params.get("code") else {
            return Err(AuthError::InvalidParameter {
                message: "the redirect carries no authorization code".into(),
            });
        };
        let mut form = StringMap::new();
        form.insert("grant_type".into(), "authorization_code".into());
        form.insert("client_id".into(), oauth.app_client_id.clone());
        form.insert("code".into(), code.clone());
        form.insert("redirect_uri".into(), oauth.sign_in_redirect_uri.clone());
        form.insert("code_verifier".into(), web.verifier.expose().clone());
        form.extend(oauth.token_uri_query_parameters.clone());
        let token_url = oauth
            .token_uri
            .clone()
            .unwrap_or_else(|| format!("{}/oauth2/token", base_url(&oauth.web_domain)));
        Ok(OAuthTokenRequest {
            url: token_url,
            form: Secret::new(form),
            basic_auth: oauth
                .app_client_secret
                .clone()
                .map(|s| (oauth.app_client_id.clone(), s)),
        })
    }

    /// The hosted UI's logout URL.
    pub(crate) fn logout_url(&self) -> Result<String, AuthError> {
        let oauth = self.oauth_config()?;
        if let Some(uri) = &oauth.sign_out_uri {
            let pairs: Vec<(&str, String)> = oauth
                .sign_out_uri_query_parameters
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            return Ok(if pairs.is_empty() {
                uri.clone()
            } else {
                format!("{uri}?{}", query(&pairs))
            });
        }
        Ok(format!(
            "{}/logout?{}",
            base_url(&oauth.web_domain),
            query(&[
                ("client_id", oauth.app_client_id.clone()),
                ("logout_uri", oauth.sign_out_redirect_uri.clone()),
            ])
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_round_trip() {
        let s = "a b&c=d/é";
        assert_eq!(pct_decode(&pct(s)).as_deref(), Some(s));
        assert_eq!(pct_decode("%zz"), None);
        assert_eq!(pct_decode("%4"), None);
    }
}

//! The hosted UI (OAuth 2.0 authorization code with PKCE, RFC 7636): the authorization URL,
//! the redirect check, the token exchange request, and the logout URL.

use base64::Engine as _;
use cognito_auth_wire::error_code;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::session::UserSession;
use super::shared::Shared;
use super::sign_in::Origin;
use crate::cognito::{
    AuthResponse, AuthenticationResult, OAuthTokenRequest, ServiceError, ServiceErrorKind,
    StringMap, UserPoolResponse,
};
use crate::config::{is_secure_endpoint, OAuthConfig};
use crate::error::AuthError;
use crate::input::EffectResult;
use crate::output::{Effect, OperationId};
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
    /// The login key the identity pool knows the provider's id token by (see
    /// [`UserSession::federation_provider_name`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_provider_name: Option<String>,
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

/// What a redirect handed to `handle_redirect` leads to.
#[derive(Debug)]
pub(crate) enum Redirect {
    /// Not this sign-in's redirect (wrong place, wrong `state`, malformed): refused, and the
    /// sign-in keeps waiting for the real one.
    Refused(AuthError),
    /// The authorization server's error for this sign-in: the sign-in ends with it.
    Failed(AuthError),
    /// The code to exchange.
    Exchange(OAuthTokenRequest),
}

fn token_url(oauth: &OAuthConfig) -> String {
    oauth
        .token_uri
        .clone()
        .unwrap_or_else(|| format!("{}/oauth2/token", base_url(&oauth.web_domain)))
}

fn basic_auth(oauth: &OAuthConfig) -> Option<(String, Secret<String>)> {
    oauth
        .app_client_secret
        .clone()
        .map(|s| (oauth.app_client_id.clone(), s))
}

/// Splits a redirect URL into what precedes its query and its decoded query parameters.
fn split_redirect(url: &str) -> Result<(&str, StringMap), AuthError> {
    let without_fragment = url.split('#').next().unwrap_or(url);
    let (target, q) = without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, ""));
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
    Ok((target, params))
}

/// Whether a redirect arrived where the sign-in asked for it: the same scheme and authority
/// (host and port; case-insensitive, as URI schemes and host names are) and exactly the same
/// path. No default-port or trailing-slash normalization: Cognito compares callback URLs as
/// registered, so neither does this.
fn same_redirect_target(target: &str, configured: &str) -> bool {
    let configured = configured.split('#').next().unwrap_or(configured);
    let configured = configured.split('?').next().unwrap_or(configured);
    let (Some((scheme, rest)), Some((want_scheme, want_rest))) =
        (target.split_once(':'), configured.split_once(':'))
    else {
        return false;
    };
    let authority_and_path = |rest: &str| -> (String, String) {
        match rest.strip_prefix("//") {
            Some(hier) => {
                let (authority, path) = hier.split_at(hier.find('/').unwrap_or(hier.len()));
                (authority.to_ascii_lowercase(), path.to_owned())
            }
            None => (String::new(), rest.to_owned()),
        }
    };
    scheme.eq_ignore_ascii_case(want_scheme)
        && authority_and_path(rest) == authority_and_path(want_rest)
}

/// A token-endpoint refresh answer in the shape of REFRESH_TOKEN_AUTH's, so that one path
/// handles both kinds of refresh. `invalid_grant` (RFC 6749 §5.2: the refresh token is
/// invalid, expired or revoked) is the definitive rejection that Cognito's API spells
/// `NotAuthorizedException`; every other failure keeps its kind (network, 5xx, ...).
/// Other results are returned as they are.
#[inline]
pub(crate) fn oauth_refresh_as_user_pool(result: EffectResult) -> EffectResult {
    let EffectResult::OAuth(result) = result else {
        return result;
    };
    EffectResult::UserPool(match result {
        Ok(tokens) => Ok(UserPoolResponse::Auth(AuthResponse {
            challenge_name: None,
            challenge_parameters: StringMap::new(),
            session: None,
            authentication_result: Some(AuthenticationResult {
                access_token: tokens.access_token,
                id_token: tokens.id_token,
                refresh_token: tokens.refresh_token,
                expires_in: i32::try_from(tokens.expires_in).unwrap_or(i32::MAX),
                new_device_metadata: None,
            }),
            available_challenges: Vec::new(),
        })),
        Err(e) if e.kind == ServiceErrorKind::Service && e.code == "invalid_grant" => {
            Err(ServiceError::service(error_code::NOT_AUTHORIZED, e.message))
        }
        Err(e) => Err(e),
    })
}

impl Shared {
    /// The hosted-UI settings, refused when an endpoint they lead to is plain http to a
    /// non-loopback host (a configuration built in code is not parsed, so this is where it is
    /// caught): codes and tokens must not cross the network unencrypted.
    pub(crate) fn oauth_config(&self) -> Result<OAuthConfig, AuthError> {
        let oauth = self
            .config
            .oauth
            .clone()
            .ok_or_else(|| AuthError::NotConfigured {
                what: "the hosted UI (Auth.Default.OAuth)".into(),
            })?;
        let endpoints = [
            ("WebDomain", Some(base_url(&oauth.web_domain))),
            ("TokenURI", oauth.token_uri.clone()),
            ("SignInURI", oauth.sign_in_uri.clone()),
            ("SignOutURI", oauth.sign_out_uri.clone()),
        ];
        for (name, uri) in endpoints {
            if uri.is_some_and(|uri| !is_secure_endpoint(&uri)) {
                return Err(AuthError::NotConfigured {
                    what: format!(
                        "an https:// hosted-UI {name} (plain http:// is only for 127.0.0.1, \
                         localhost or [::1])"
                    ),
                });
            }
        }
        Ok(oauth)
    }

    /// Starts a hosted-UI sign-in: returns the flow and the authorization URL.
    pub(crate) fn start_web(
        &mut self,
        identity_provider: Option<&str>,
        scopes: &[String],
        federation_provider: Option<&str>,
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
                federation_provider_name: federation_provider.map(str::to_owned),
            },
            url,
        ))
    }

    /// Checks the redirect and builds the token exchange.
    ///
    /// The checks run in this order: the redirect must arrive at the configured
    /// `SignInRedirectURI` (scheme, host, port and path; Cognito matches callback URLs
    /// exactly), then carry the sign-in's `state`, and only then is it read for `error` or
    /// `code`. A redirect failing either of the first two checks is [`Redirect::Refused`]: it
    /// is not the authorization server's answer to this sign-in (RFC 6749 §10.12, RFC 8252
    /// §8.9), so it must not end the sign-in either, whatever it carries.
    pub(crate) fn redirect_to_token_request(&self, web: &WebFlow, url: &str) -> Redirect {
        let oauth = match self.oauth_config() {
            Ok(oauth) => oauth,
            Err(e) => return Redirect::Refused(e),
        };
        let (target, params) = match split_redirect(url) {
            Ok(parts) => parts,
            Err(e) => return Redirect::Refused(e),
        };
        if !same_redirect_target(target, &oauth.sign_in_redirect_uri) {
            return Redirect::Refused(AuthError::InvalidParameter {
                message: "the redirect did not arrive at the configured sign-in redirect URI"
                    .into(),
            });
        }
        if params.get("state") != Some(web.state.expose()) {
            return Redirect::Refused(AuthError::InvalidParameter {
                message: "the redirect's state does not match the sign-in's".into(),
            });
        }
        if let Some(error) = params.get("error") {
            return Redirect::Failed(AuthError::HostedUi {
                error: error.clone(),
                description: params.get("error_description").cloned().unwrap_or_default(),
            });
        }
        let Some(code) = params.get("code") else {
            return Redirect::Refused(AuthError::InvalidParameter {
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
        Redirect::Exchange(OAuthTokenRequest {
            url: token_url(&oauth),
            form: Secret::new(form),
            basic_auth: basic_auth(&oauth),
        })
    }

    /// The token-endpoint refresh (`grant_type=refresh_token`) for a session that came from
    /// the hosted UI: its refresh token belongs to the OAuth app client, which need not be the
    /// user pool's, so REFRESH_TOKEN_AUTH is not the call for it. `None` when the session did
    /// not come from the hosted UI, or no hosted UI is configured any more.
    pub(crate) fn oauth_refresh_request(&self, session: &UserSession) -> Option<Effect> {
        if !session.hosted_ui {
            return None;
        }
        let oauth = self.oauth_config().ok()?;
        let refresh = session.tokens.refresh_token.as_ref()?;
        let mut form = StringMap::new();
        form.insert("grant_type".into(), "refresh_token".into());
        form.insert("client_id".into(), oauth.app_client_id.clone());
        form.insert("refresh_token".into(), refresh.expose().clone());
        form.extend(oauth.token_uri_query_parameters.clone());
        Some(Effect::OAuthToken {
            request: OAuthTokenRequest {
                url: token_url(&oauth),
                form: Secret::new(form),
                basic_auth: basic_auth(&oauth),
            },
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
        let logout_uri =
            oauth
                .sign_out_redirect_uri
                .clone()
                .ok_or_else(|| AuthError::NotConfigured {
                    what: "a hosted-UI SignOutRedirectURI (or a custom SignOutURI)".into(),
                })?;
        Ok(format!(
            "{}/logout?{}",
            base_url(&oauth.web_domain),
            query(&[
                ("client_id", oauth.app_client_id.clone()),
                ("logout_uri", logout_uri),
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

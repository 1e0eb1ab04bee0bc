//! The hosted UI and the OAuth 2.0 endpoints of a user-pool domain, sans IO:
//! `/oauth2/authorize`, `/login`, `/oauth2/token`, `/oauth2/userInfo`, `/oauth2/revoke`,
//! `/logout` and the `/error` page, plus `CreateUserPoolDomain` and its siblings.
//!
//! [`Emulator::handle_web`] answers one browser or client request at an instant the caller
//! supplies, like [`Emulator::handle`] does for the JSON operations. App clients are configured
//! with Cognito's own `CreateUserPoolClient` fields (`CallbackURLs`, `LogoutURLs`,
//! `AllowedOAuthFlows`, `AllowedOAuthScopes`, `AllowedOAuthFlowsUserPoolClient`,
//! `SupportedIdentityProviders`), read from the client's stored request.
//!
//! What is emulated: the authorization-code grant (PKCE `S256`, required here for clients
//! without a secret), the refresh-token grant (rotating the refresh token on a rotating
//! client), HTTP Basic client authentication, the hosted-UI session cookie, and sign-out. What
//! is not: the implicit and client-credentials grants,
//! third-party identity providers, and MFA or password changes during a hosted-UI sign-in (the
//! login page says so instead of signing the user in).

mod authorize;
mod client;
mod domain;
mod html;
mod token;

#[cfg(feature = "server")]
pub(crate) mod server;

use std::collections::BTreeMap;

use crate::state::Emulator;
use crate::time::UnixMillis;

pub(crate) use client::check_client_settings;
pub(crate) use domain::{domain_operation, pool_domain};

/// How long an authorization code can be exchanged (Cognito: five minutes).
const CODE_LIFETIME_S: u64 = 300;
/// How long the hosted UI remembers a signed-in browser (Cognito: one hour).
const SESSION_LIFETIME_S: u64 = 3600;
/// The hosted UI's session cookie.
const SESSION_COOKIE: &str = "cognito";
/// The login form's CSRF cookie (double-submitted as the `_csrf` field).
const CSRF_COOKIE: &str = "XSRF-TOKEN";

/// One HTTP request to the hosted UI or an OAuth endpoint, already split by the server.
#[derive(Clone, Default)]
pub struct WebRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query's pairs, decoded.
    pub query: Vec<(String, String)>,
    /// The `application/x-www-form-urlencoded` body's pairs, decoded.
    pub form: Vec<(String, String)>,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The cookies the browser sent.
    pub cookies: Vec<(String, String)>,
}

impl std::fmt::Debug for WebRequest {
    // Forms carry passwords and codes, headers carry secrets and tokens.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The answer to a [`WebRequest`].
#[derive(Clone, PartialEq, Eq)]
pub struct WebResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers (`Location`, `Content-Type`, `Set-Cookie`, ...), in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl std::fmt::Debug for WebResponse {
    // Bodies carry tokens.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebResponse")
            .field("status", &self.status)
            .field("location", &self.header("location"))
            .finish_non_exhaustive()
    }
}

impl WebResponse {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn with_header(mut self, name: &str, value: String) -> Self {
        self.headers.push((name.to_owned(), value));
        self
    }

    pub(crate) fn redirect(location: String) -> Self {
        Self {
            status: 302,
            headers: vec![("Location".to_owned(), location)],
            body: String::new(),
        }
    }

    pub(crate) fn html(status: u16, body: String) -> Self {
        Self {
            status,
            headers: vec![
                (
                    "Content-Type".to_owned(),
                    "text/html; charset=utf-8".to_owned(),
                ),
                ("Cache-Control".to_owned(), "no-store".to_owned()),
            ],
            body,
        }
    }

    pub(crate) fn json(status: u16, body: &serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("Cache-Control".to_owned(), "no-store".to_owned()),
            ],
            body: body.to_string(),
        }
    }

    /// An RFC 6749 §5.2 error answer.
    pub(crate) fn oauth_error(status: u16, error: &str, description: &str) -> Self {
        Self::json(
            status,
            &serde_json::json!({"error": error, "error_description": description}),
        )
    }
}

/// An authorization code waiting for the token endpoint.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub(crate) pool_id: String,
    pub(crate) client_id: String,
    pub(crate) user_key: String,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) code_challenge: Option<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) expires: UnixMillis,
}

/// A browser the hosted UI remembers as signed in.
#[derive(Debug, Clone)]
pub(crate) struct LoginSession {
    pub(crate) pool_id: String,
    pub(crate) user_key: String,
    pub(crate) expires: UnixMillis,
}

/// The hosted UI's part of the model.
#[derive(Debug, Clone, Default)]
pub(crate) struct OAuthState {
    /// Domain prefix (or custom domain) -> user pool id.
    pub(crate) domains: BTreeMap<String, String>,
    /// Unspent authorization codes.
    pub(crate) codes: BTreeMap<String, AuthCode>,
    /// Hosted-UI sessions by cookie value.
    pub(crate) sessions: BTreeMap<String, LoginSession>,
    /// Granted scopes (space-separated) by token family (`origin_jti`), for refreshes.
    pub(crate) family_scopes: BTreeMap<String, String>,
}

impl OAuthState {
    /// Drops expired codes and sessions.
    fn sweep(&mut self, now: UnixMillis) {
        self.codes.retain(|_, c| c.expires > now);
        self.sessions.retain(|_, s| s.expires > now);
    }
}

impl Emulator {
    /// Answers one request to the hosted UI or an OAuth 2.0 endpoint at `now`.
    pub fn handle_web(&mut self, request: &WebRequest, now: UnixMillis) -> WebResponse {
        self.oauth.sweep(now);
        let method = request.method.to_ascii_uppercase();
        match (method.as_str(), request.path.as_str()) {
            ("GET", "/oauth2/authorize") => authorize::authorize(self, request, now),
            ("GET", "/login") => authorize::login_page(self, request, now),
            ("POST", "/login") => authorize::login_submit(self, request, now),
            ("GET", "/logout") => authorize::logout(self, request),
            ("GET", "/error") => html::error_page(
                param(&request.query, "error").unwrap_or("invalid_request"),
                param(&request.query, "error_description").unwrap_or_default(),
            ),
            ("POST", "/oauth2/token") => token::token(self, request, now),
            ("GET" | "POST", "/oauth2/userInfo") => token::user_info(self, request, now),
            ("POST", "/oauth2/revoke") => token::revoke(self, request, now),
            (_, "/oauth2/authorize" | "/login" | "/logout" | "/oauth2/token")
            | (_, "/oauth2/userInfo" | "/oauth2/revoke") => {
                WebResponse::oauth_error(405, "invalid_request", "method not allowed")
            }
            _ => WebResponse::html(404, html::page("Not found", "<p>No such page.</p>")),
        }
    }
}

/// The first value of `name` in decoded pairs.
pub(crate) fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `base?pairs` (or `base&pairs` when `base` has a query), form-encoded.
pub(crate) fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let query = ser.finish();
    if query.is_empty() {
        return base.to_owned();
    }
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{query}")
}

#[cfg(test)]
mod tests;

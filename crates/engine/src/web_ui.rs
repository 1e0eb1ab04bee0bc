//! Hosted-UI sign-in in the system browser, for desktop apps and CLIs (RFC 8252, OAuth 2.0 for
//! native apps): a loopback listener on the host and port of the configured sign-in redirect
//! URI receives the browser's redirect.
//!
//! Cognito matches callback URLs exactly, so the redirect URI registered on the app client names
//! its port (`http://127.0.0.1:8123/callback`); the listener binds that port, serves the one
//! request to that path with a small "you can close this tab" page, and hands the redirect to
//! the machine, which checks `state` again and exchanges the code (PKCE).
//!
//! Before it reads anything else the listener checks that the request is for the configured
//! redirect URI (host and port from `Host`, the exact path; the scheme is `http` by
//! construction) and that its `state` is this sign-in's: a request with another `state` is
//! refused and ends the sign-in, whatever `error` or `code` it carries.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cognito_auth_machine::SignInStep;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::{Auth, Error, WebUiSignInOptions};

/// Largest request head the listener reads (a redirect with a code and state is far smaller).
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// How long one browser connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Shows the authorization URL to the user.
pub type OpenBrowser = Arc<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// Options of [`Auth::sign_in_with_browser`].
#[derive(Clone)]
pub struct BrowserSignIn {
    identity_provider: Option<String>,
    federation_provider_name: Option<String>,
    open: Option<OpenBrowser>,
    timeout: Duration,
}

impl std::fmt::Debug for BrowserSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserSignIn")
            .field("identity_provider", &self.identity_provider)
            .field("federation_provider_name", &self.federation_provider_name)
            .field("custom_opener", &self.open.is_some())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for BrowserSignIn {
    fn default() -> Self {
        Self {
            identity_provider: None,
            federation_provider_name: None,
            open: None,
            timeout: Duration::from_secs(300),
        }
    }
}

impl BrowserSignIn {
    /// The system browser, no identity provider, five minutes to sign in.
    pub fn new() -> Self {
        Self::default()
    }

    /// Goes straight to this identity provider (`identity_provider` of `/oauth2/authorize`).
    pub fn identity_provider(mut self, name: impl Into<String>) -> Self {
        self.identity_provider = Some(name.into());
        self
    }

    /// Federates the custom provider's id token into the identity pool under this login key
    /// ([`WebUiSignInOptions::federation_provider_name`]).
    pub fn federation_provider_name(mut self, name: impl Into<String>) -> Self {
        self.federation_provider_name = Some(name.into());
        self
    }

    /// Opens the URL with `open` instead of the system browser.
    pub fn open_with(
        mut self,
        open: impl Fn(&str) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.open = Some(Arc::new(open));
        self
    }

    /// How long to wait for the browser to come back before giving up.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Why [`Auth::sign_in_with_browser`] failed. Messages never contain the code or tokens.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrowserSignInError {
    /// The engine refused or failed (not configured, wrong state, the hosted UI's `error`, the
    /// token exchange).
    #[error(transparent)]
    Auth(#[from] Error),
    /// The configured sign-in redirect URI is not a loopback `http` URI the engine can serve.
    #[error("the sign-in redirect URI {uri:?} cannot be served on this machine: {reason}")]
    RedirectUri {
        /// The configured URI.
        uri: String,
        /// Why not.
        reason: &'static str,
    },
    /// The loopback port could not be bound (taken by another program?).
    #[error("cannot listen on {addr} for the sign-in redirect: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The browser could not be opened.
    #[error("cannot open the browser: {0} (set BROWSER to choose one)")]
    Browser(String),
    /// No redirect came back in time.
    #[error("the browser did not come back within {0:?}")]
    TimedOut(Duration),
    /// A redirect carried another sign-in's `state` (a forged or stale response): refused.
    #[error("the redirect's state does not belong to this sign-in; refused")]
    StateMismatch,
}

/// The configured redirect URI, split for the listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoopbackUri {
    /// The URI as configured (what the machine compares and sends to the token endpoint).
    pub(crate) uri: String,
    pub(crate) addr: SocketAddr,
    /// `host:port` as the browser sends it in `Host`.
    pub(crate) authority: String,
    pub(crate) path: String,
}

impl LoopbackUri {
    /// Accepts `http://127.0.0.1:PORT/path`, `http://[::1]:PORT/path` and
    /// `http://localhost:PORT/path` (served on 127.0.0.1).
    pub(crate) fn parse(uri: &str) -> Result<Self, &'static str> {
        let Some(rest) = uri.strip_prefix("http://") else {
            return Err("a loopback redirect URI must use http:// (RFC 8252 §7.3)");
        };
        if rest.contains(['?', '#']) {
            return Err("the redirect URI must not carry a query or fragment");
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, p) = v6
                .split_once("]:")
                .ok_or("the redirect URI must name its port")?;
            (h, p)
        } else {
            authority
                .rsplit_once(':')
                .ok_or("the redirect URI must name its port")?
        };
        let port: u16 = port
            .parse()
            .map_err(|_| "the redirect URI's port is not a number")?;
        if port == 0 {
            return Err(
                "the redirect URI must name a fixed port: Cognito matches callback URLs exactly",
            );
        }
        let ip: std::net::IpAddr = match host {
            "127.0.0.1" => [127, 0, 0, 1].into(),
            "::1" => std::net::Ipv6Addr::LOCALHOST.into(),
            h if h.eq_ignore_ascii_case("localhost") => [127, 0, 0, 1].into(),
            _ => return Err("the redirect URI's host must be 127.0.0.1, [::1] or localhost"),
        };
        Ok(Self {
            uri: uri.to_owned(),
            addr: SocketAddr::new(ip, port),
            authority: authority.to_ascii_lowercase(),
            path: path.to_owned(),
        })
    }
}

/// What one browser request to the listener amounted to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// The redirect, with this sign-in's state: its query, for the machine.
    Redirect(String),
    /// A redirect with another state.
    Forged,
}

impl Auth {
    /// Signs in through the hosted UI in the system browser (or `options`' opener): starts the
    /// flow ([`Auth::sign_in_with_web_ui`]), listens on the configured loopback redirect URI,
    /// opens the browser, and finishes with the redirect ([`Auth::handle_redirect`]).
    ///
    /// The system browser is found by the `webbrowser` crate, which honours the `BROWSER`
    /// environment variable. Whatever goes wrong after the flow started, the flow is abandoned
    /// so the machine is back where it was.
    pub async fn sign_in_with_browser(
        &self,
        options: BrowserSignIn,
    ) -> Result<SignInStep, BrowserSignInError> {
        let mut web_options = WebUiSignInOptions::default();
        if let Some(provider) = &options.identity_provider {
            web_options = web_options.identity_provider(provider.clone());
        }
        if let Some(name) = &options.federation_provider_name {
            web_options = web_options.federation_provider_name(name.clone());
        }
        let url = self.sign_in_with_web_ui(web_options).await?.url;
        let query = url.split_once('?').map_or("", |(_, q)| q);
        let param = |name: &str| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let (Some(redirect), Some(state)) = (param("redirect_uri"), param("state")) else {
            return Err(Error::mismatch(
                "sign_in_with_browser",
                "an authorization URL without redirect_uri or state",
            )
            .into());
        };
        let result = self.await_redirect(&options, &url, &redirect, &state).await;
        match result {
            Ok(query) => Ok(self
                .handle_redirect(&format!("{redirect}?{query}"))
                .await?
                .next_step),
            Err(e) => {
                self.abandon(&redirect, &state).await;
                Err(e)
            }
        }
    }

    async fn await_redirect(
        &self,
        options: &BrowserSignIn,
        url: &str,
        redirect: &str,
        state: &str,
    ) -> Result<String, BrowserSignInError> {
        let target =
            LoopbackUri::parse(redirect).map_err(|reason| BrowserSignInError::RedirectUri {
                uri: redirect.to_owned(),
                reason,
            })?;
        let listener =
            TcpListener::bind(target.addr)
                .await
                .map_err(|source| BrowserSignInError::Listen {
                    addr: target.addr.to_string(),
                    source,
                })?;
        open_browser(options.open.clone(), url.to_owned()).await?;
        let wait = serve_until_redirect(listener, Arc::new(target), state.to_owned());
        match tokio::time::timeout(options.timeout, wait).await {
            Ok(Arrival::Redirect(query)) => Ok(query),
            Ok(Arrival::Forged) => Err(BrowserSignInError::StateMismatch),
            Err(_) => Err(BrowserSignInError::TimedOut(options.timeout)),
        }
    }

    /// Ends the flow the machine is waiting in, as a user who cancelled would.
    async fn abandon(&self, redirect: &str, state: &str) {
        let cancel = format!(
            "{redirect}?{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("error", "access_denied")
                .append_pair("error_description", "the browser sign-in was abandoned")
                .append_pair("state", state)
                .finish()
        );
        // The expected answer is the hosted-UI error just sent; nothing is left to report.
        let _ = self.handle_redirect(&cancel).await;
    }
}

async fn open_browser(open: Option<OpenBrowser>, url: String) -> Result<(), BrowserSignInError> {
    let opened = tokio::task::spawn_blocking(move || match open {
        Some(open) => open(&url),
        None => webbrowser::open(&url).map_err(|e| e.to_string()),
    })
    .await;
    match opened {
        Ok(result) => result.map_err(BrowserSignInError::Browser),
        Err(e) => Err(BrowserSignInError::Browser(e.to_string())),
    }
}

/// Accepts browser connections until one brings the redirect. Each connection is served on its
/// own task: browsers open speculative connections that never send a request.
async fn serve_until_redirect(
    listener: TcpListener,
    target: Arc<LoopbackUri>,
    state: String,
) -> Arrival {
    let (tx, mut rx) = mpsc::channel::<Arrival>(1);
    let state = Arc::new(state);
    loop {
        tokio::select! {
            arrival = rx.recv() => {
                if let Some(arrival) = arrival {
                    return arrival;
                }
            }
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let (tx, target, state) = (tx.clone(), target.clone(), state.clone());
                tokio::spawn(async move {
                    if let Ok(Ok(Some(arrival))) =
                        tokio::time::timeout(READ_TIMEOUT, serve_one(stream, &target, &state)).await
                    {
                        let _ = tx.send(arrival).await;
                    }
                });
            }
        }
    }
}

/// Reads one request and answers it; `Some` when it was the redirect (good or forged).
async fn serve_one(
    mut stream: TcpStream,
    target: &LoopbackUri,
    state: &str,
) -> std::io::Result<Option<Arrival>> {
    let head = read_head(&mut stream).await?;
    let (status, page, arrival) = judge(&head, target, state);
    let body = page_html(page);
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await?;
    Ok(arrival)
}

async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        if buf.len() > MAX_HEAD_BYTES {
            return Err(std::io::Error::other("request head too large"));
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Which page a request gets: `(status line, page, arrival)`.
pub(crate) fn judge(
    head: &str,
    target: &LoopbackUri,
    state: &str,
) -> (&'static str, Page, Option<Arrival>) {
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let (method, request_target) = (
        request_line.next().unwrap_or_default(),
        request_line.next().unwrap_or_default(),
    );
    let host = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.trim().to_ascii_lowercase());
    let (path, query) = request_target
        .split_once('?')
        .unwrap_or((request_target, ""));
    if path != target.path {
        return ("404 Not Found", Page::NotFound, None);
    }
    if method != "GET" {
        return ("405 Method Not Allowed", Page::NotFound, None);
    }
    if host.as_deref() != Some(target.authority.as_str()) {
        return ("400 Bad Request", Page::WrongHost, None);
    }
    let given_state = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned());
    if given_state.as_deref() != Some(state) {
        return ("400 Bad Request", Page::Refused, Some(Arrival::Forged));
    }
    let failed = form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == "error");
    let page = if failed { Page::Failed } else { Page::Done };
    ("200 OK", page, Some(Arrival::Redirect(query.to_owned())))
}

/// The listener's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Page {
    Done,
    Failed,
    Refused,
    WrongHost,
    NotFound,
}

fn page_html(page: Page) -> String {
    let (title, text) = match page {
        Page::Done => (
            "Signed in",
            "You are signed in. You can close this tab and return to the app.",
        ),
        Page::Failed => (
            "Sign-in not completed",
            "The sign-in did not complete. You can close this tab and return to the app.",
        ),
        Page::Refused => (
            "Sign-in refused",
            "This response does not belong to the sign-in in progress and was refused.",
        ),
        Page::WrongHost => (
            "Wrong address",
            "This address does not match the app's redirect URI.",
        ),
        Page::NotFound => ("Not found", "Nothing here."),
    };
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p id=\"message\">{text}</p></body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> LoopbackUri {
        LoopbackUri::parse("http://127.0.0.1:8123/callback").unwrap()
    }

    fn head(line: &str, host: &str) -> String {
        format!("{line}\r\nHost: {host}\r\nUser-Agent: t\r\n\r\n")
    }

    #[test]
    fn parses_loopback_redirect_uris() {
        let t = target();
        assert_eq!(t.addr, "127.0.0.1:8123".parse().unwrap());
        assert_eq!(
            (t.authority.as_str(), t.path.as_str()),
            ("127.0.0.1:8123", "/callback")
        );
        let v6 = LoopbackUri::parse("http://[::1]:9000/cb").unwrap();
        assert_eq!(v6.addr, "[::1]:9000".parse().unwrap());
        let local = LoopbackUri::parse("http://localhost:9000").unwrap();
        assert_eq!((local.addr.port(), local.path.as_str()), (9000, "/"));
        for bad in [
            "https://127.0.0.1:8123/cb",
            "myapp://callback",
            "http://127.0.0.1/cb",
            "http://127.0.0.1:0/cb",
            "http://example.com:8123/cb",
            "http://127.0.0.1:8123/cb?x=1",
        ] {
            assert!(LoopbackUri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn judges_requests_path_host_then_state_before_error() {
        let t = target();
        let ok = head("GET /callback?code=abc&state=s1 HTTP/1.1", "127.0.0.1:8123");
        assert_eq!(
            judge(&ok, &t, "s1"),
            (
                "200 OK",
                Page::Done,
                Some(Arrival::Redirect("code=abc&state=s1".into()))
            )
        );
        let favicon = head("GET /favicon.ico HTTP/1.1", "127.0.0.1:8123");
        assert_eq!(judge(&favicon, &t, "s1").2, None);
        let other_host = head(
            "GET /callback?code=abc&state=s1 HTTP/1.1",
            "evil.example:8123",
        );
        assert_eq!(judge(&other_host, &t, "s1").1, Page::WrongHost);
        // An error with a foreign state is refused, not taken as the user's cancellation.
        let forged = head(
            "GET /callback?error=access_denied&state=zz HTTP/1.1",
            "127.0.0.1:8123",
        );
        assert_eq!(
            judge(&forged, &t, "s1"),
            ("400 Bad Request", Page::Refused, Some(Arrival::Forged))
        );
        let no_state = head("GET /callback?code=abc HTTP/1.1", "127.0.0.1:8123");
        assert_eq!(judge(&no_state, &t, "s1").2, Some(Arrival::Forged));
        let cancelled = head(
            "GET /callback?error=access_denied&state=s1 HTTP/1.1",
            "127.0.0.1:8123",
        );
        assert_eq!(judge(&cancelled, &t, "s1").1, Page::Failed);
    }
}

//! The OAuth 2.0 token endpoint call (hosted UI code exchange and refresh): one form POST.
//!
//! Uses hyper with rustls on `ring`, the same stack the SDK's HTTP client is built from, so it
//! adds almost nothing to compile time.

use std::time::Duration;

use base64::Engine as _;
use cognito_auth_machine::cognito::{OAuthTokenRequest, OAuthTokenResponse};
use cognito_auth_machine::{Secret, ServiceError, ServiceErrorKind};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

/// Largest token response accepted (Cognito's are a few KB).
const MAX_BODY_BYTES: usize = 256 * 1024;

/// A small HTTPS client for token endpoints.
#[derive(Clone)]
pub(crate) struct OAuthClient {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl OAuthClient {
    /// A client whose every call is bounded by `timeout`.
    pub(crate) fn new(timeout: Duration) -> Result<Self, rustls::Error> {
        let tls = rustls_config()?;
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(https),
            timeout,
        })
    }

    /// POSTs the form and reads the token response.
    pub(crate) async fn call(
        &self,
        request: OAuthTokenRequest,
    ) -> Result<OAuthTokenResponse, ServiceError> {
        match tokio::time::timeout(self.timeout, self.post(request)).await {
            Ok(result) => result,
            Err(_) => Err(ServiceError {
                kind: ServiceErrorKind::Timeout,
                code: "Timeout".to_owned(),
                message: "no answer from the token endpoint within the request timeout".to_owned(),
            }),
        }
    }

    async fn post(&self, request: OAuthTokenRequest) -> Result<OAuthTokenResponse, ServiceError> {
        let body = form_body(&request);
        let mut builder = http::Request::post(request.url.as_str())
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::ACCEPT, "application/json");
        if let Some((id, secret)) = &request.basic_auth {
            let pair = format!("{id}:{}", secret.expose());
            let value = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            );
            builder = builder.header(http::header::AUTHORIZATION, value);
        }
        let http_request =
            builder
                .body(Full::new(Bytes::from(body)))
                .map_err(|e| ServiceError {
                    kind: ServiceErrorKind::Service,
                    code: "InvalidParameterException".to_owned(),
                    // The URL is not secret (it is the configured token endpoint).
                    message: format!("invalid token endpoint request: {e}"),
                })?;
        let response = self
            .client
            .request(http_request)
            .await
            .map_err(|e| ServiceError::network(format!("token endpoint: {e}")))?;
        let status = response.status().as_u16();
        let body = read_limited(response.into_body()).await?;
        parse_token_response(status, &body)
    }
}

fn form_body(request: &OAuthTokenRequest) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(request.form.expose().iter())
        .finish()
}

async fn read_limited(body: hyper::body::Incoming) -> Result<Bytes, ServiceError> {
    let limited = http_body_util::Limited::new(body, MAX_BODY_BYTES);
    limited
        .collect()
        .await
        .map(|c| c.to_bytes())
        .map_err(|e| ServiceError::network(format!("token endpoint body: {e}")))
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    id_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: i64,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    error_description: Option<String>,
}

/// Reads a token endpoint's answer (RFC 6749 §5.1 success, §5.2 error).
pub(crate) fn parse_token_response(
    status: u16,
    body: &[u8],
) -> Result<OAuthTokenResponse, ServiceError> {
    if (200..300).contains(&status) {
        // The body holds tokens: parse errors must not quote it.
        let tokens: TokenBody = serde_json::from_slice(body).map_err(|_| ServiceError {
            kind: ServiceErrorKind::InvalidResponse,
            code: "InvalidResponse".to_owned(),
            message: format!("HTTP {status} token response is not the expected JSON"),
        })?;
        return Ok(OAuthTokenResponse {
            access_token: Secret::new(tokens.access_token),
            id_token: tokens.id_token.map(Secret::new),
            refresh_token: tokens.refresh_token.map(Secret::new),
            expires_in: tokens.expires_in,
        });
    }
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let server_side = (500..600).contains(&status);
    match parsed {
        Some(e) => Err(ServiceError {
            kind: if server_side {
                ServiceErrorKind::ServerError
            } else {
                ServiceErrorKind::Service
            },
            code: e.error,
            message: e.error_description.unwrap_or_default(),
        }),
        None if server_side => Err(ServiceError {
            kind: ServiceErrorKind::ServerError,
            code: format!("HTTP{status}"),
            message: format!("token endpoint answered HTTP {status}"),
        }),
        None => Err(ServiceError {
            kind: ServiceErrorKind::InvalidResponse,
            code: "InvalidResponse".to_owned(),
            message: format!("token endpoint answered HTTP {status} without an OAuth error"),
        }),
    }
}

/// rustls (on `ring`) with the platform's root certificates. Without any (a bare container),
/// HTTPS token calls fail with a TLS error while plain-HTTP test endpoints still work.
///
/// Built once per process: the roots (about 150 certificates, 90 KiB in memory) are the same
/// for every client, and clones of the configuration share them.
fn rustls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    static CONFIG: std::sync::OnceLock<Result<rustls::ClientConfig, rustls::Error>> =
        std::sync::OnceLock::new();
    CONFIG.get_or_init(build_rustls_config).clone()
}

fn build_rustls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    let loaded = rustls_native_certs::load_native_certs();
    for cert in loaded.certs {
        // A certificate the parser rejects is skipped: the others remain usable.
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        tracing::warn!("no system root certificates found: HTTPS token endpoint calls will fail");
    }
    Ok(
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth(),
    )
}

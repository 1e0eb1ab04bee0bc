//! The hosted UI over HTTP: the axum routes that turn requests into [`WebRequest`]s.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::{WebRequest, WebResponse};
use crate::http::Shared;

/// Largest form accepted (a login form or a token request is well under this).
const MAX_FORM_BYTES: usize = 64 * 1024;

/// The hosted UI's routes, served on the emulator's one port next to the JSON API.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/oauth2/authorize", get(web))
        .route("/login", get(web).post(web))
        .route("/logout", get(web))
        .route("/error", get(web))
        .route("/oauth2/token", post(web))
        .route("/oauth2/userInfo", get(web).post(web))
        .route("/oauth2/revoke", post(web))
}

fn pairs(s: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(s).into_owned().collect()
}

fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

async fn web(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if body.len() > MAX_FORM_BYTES {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    }
    let form_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let request = WebRequest {
        method: method.as_str().to_owned(),
        path: uri.path().to_owned(),
        query: pairs(uri.query().unwrap_or_default().as_bytes()),
        form: if form_type { pairs(&body) } else { Vec::new() },
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        cookies: cookies(&headers),
    };
    let now = shared.now();
    let answer = shared.with(|emu| emu.handle_web(&request, now));
    into_response(answer)
}

fn into_response(answer: WebResponse) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    for (name, value) in answer.headers {
        let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) else {
            continue;
        };
        headers.append(name, value);
    }
    response
}

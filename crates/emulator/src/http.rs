//! The HTTP server: AWS JSON 1.1 on `POST /`, the JWKS and OpenID configuration at Cognito's
//! paths, and the emulator's admin endpoints under `/_emulator/` (clock, outbox, faults, seed).
//!
//! This is the only place that reads the system clock: it adds the admin offset and hands the
//! result to the core as `now`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::error::{ApiError, ErrorKind};
use crate::faults::{FaultKind, FaultRule, Faults};
use crate::state::Emulator;
use crate::time::UnixMillis;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// Binding or serving failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// The system clock, the one place the emulator reads it.
pub fn system_now() -> UnixMillis {
    UnixMillis(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    )
}

/// The state shared by every request.
#[derive(Debug)]
pub struct Shared {
    emulator: Mutex<Emulator>,
    offset_ms: Mutex<i64>,
    faults: Mutex<Faults>,
    /// Whether requests may name a non-loopback `Host` (the server was bound to a non-loopback
    /// address on purpose).
    any_host: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave the model half-written in a way later requests
    // could misread worse than the panic itself; keep serving.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    /// Wraps an emulator for serving.
    pub fn new(emulator: Emulator) -> Arc<Self> {
        Arc::new(Self {
            emulator: Mutex::new(emulator),
            offset_ms: Mutex::new(0),
            faults: Mutex::new(Faults::none()),
            any_host: AtomicBool::new(false),
        })
    }

    /// The emulator's clock: the system clock plus the admin offset.
    pub fn now(&self) -> UnixMillis {
        let sys = system_now().0 as i64;
        UnixMillis(sys.saturating_add(*lock(&self.offset_ms)).max(0) as u64)
    }

    /// Moves the emulator's clock forward (or back) by `delta_ms`.
    pub fn advance_clock_ms(&self, delta_ms: i64) {
        let mut o = lock(&self.offset_ms);
        *o = o.saturating_add(delta_ms);
    }

    /// Runs `f` on the emulator.
    pub fn with<R>(&self, f: impl FnOnce(&mut Emulator) -> R) -> R {
        f(&mut lock(&self.emulator))
    }

    /// Replaces the fault rules.
    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.faults) = faults;
    }
}

/// A running server.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, the endpoint to give SDKs.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared state (clock, emulator, faults).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Stops accepting connections.
    pub fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `addr` (for example `127.0.0.1:0`) and serves `emulator` on the current tokio runtime.
pub async fn serve(addr: &str, emulator: Emulator) -> Result<Server, ServeError> {
    serve_shared(addr, Shared::new(emulator)).await
}

/// Like [`serve`], with state the caller keeps a handle to.
pub async fn serve_shared(addr: &str, shared: Arc<Shared>) -> Result<Server, ServeError> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    if !local.ip().is_loopback() {
        // Reachable from other machines: requests for other host names are expected, and the
        // admin endpoints (outbox codes, clock, seeding) are open to the network.
        shared.any_host.store(true, Ordering::Relaxed);
        eprintln!(
            "warning: cognito-auth-emulator is listening on {local}, which is not a loopback \
             address: anyone who can reach it can read delivered codes and reseed it"
        );
    }
    let app = router(shared.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Server {
        addr: local,
        shared,
        shutdown: Some(tx),
    })
}

/// A server running on its own thread and runtime, for synchronous callers (tests that drive
/// it from Python or Node).
#[derive(Debug)]
pub struct BackgroundServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundServer {
    /// Starts `emulator` on `addr` in a background thread.
    pub fn start(addr: &str, emulator: Emulator) -> Result<Self, ServeError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let server = rt.block_on(serve(addr, emulator))?;
        let (addr, shared) = (server.addr(), server.shared().clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            rt.block_on(async {
                let _ = rx.await;
                server.shutdown();
            });
        });
        Ok(Self {
            addr,
            shared,
            stop: Some(tx),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared state.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The router, for embedding in another axum app.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", post(api).get(api))
        .route("/{pool_id}/.well-known/jwks.json", get(jwks))
        .route("/{pool_id}/.well-known/openid-configuration", get(openid))
        .route(
            "/_emulator/health",
            get(|| async { axum::Json(json!({"status": "ok"})) }),
        )
        .route("/_emulator/outbox", get(outbox).delete(clear_outbox))
        .route("/_emulator/requests", get(requests).delete(clear_requests))
        .route("/_emulator/clock", get(clock).post(set_clock))
        .route(
            "/_emulator/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .route("/_emulator/seed", post(seed))
        .route(
            "/_emulator/federation/tokens",
            post(register_provider_token),
        )
        .route("/_emulator/federation/oidc", post(register_oidc_jwks))
        .merge(crate::oauth::server::routes())
        .layer(axum::middleware::from_fn(cors))
        .layer(axum::middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// Whether a `Host` header names this machine's loopback interface (with or without a port).
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn forbidden(why: &str) -> Response {
    let body = json!({"__type": "ForbiddenException", "message": why});
    (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
}

/// Keeps web pages out: a request naming another host (DNS rebinding) is refused unless the
/// server was bound to a non-loopback address, and the admin endpoints answer no preflight and
/// no request a browser marks as coming from a page (`Origin`), so a page cannot read the outbox
/// or change the clock.
async fn guard(
    State(shared): State<Arc<Shared>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let host = req.headers().get("host").and_then(|h| h.to_str().ok());
    if !shared.any_host.load(Ordering::Relaxed) && host.is_some_and(|h| !is_loopback_host(h)) {
        return forbidden("Host is not a loopback address");
    }
    if req.uri().path().starts_with("/_emulator/")
        && (req.method() == axum::http::Method::OPTIONS || req.headers().contains_key("origin"))
    {
        return forbidden("The emulator's admin endpoints refuse cross-origin requests");
    }
    let mut resp = next.run(req).await;
    // `Date` on the emulator's clock (hyper would send the system's): it is how clients learn
    // the service's time, identity-pool credentials carrying `Expiration` but no issue time.
    let date = crate::sigv4::http_date(shared.now().0 / 1000);
    if let Ok(v) = HeaderValue::from_str(&date) {
        resp.headers_mut().insert(axum::http::header::DATE, v);
    }
    resp
}

/// Lets browser apps (amazon-cognito-identity-js, Amplify) call the emulator from another
/// origin, as they call Cognito: preflights are answered and every answer allows any origin.
async fn cors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if req.uri().path().starts_with("/_emulator/") {
        return next.run(req).await;
    }
    let mut resp = if req.method() == axum::http::Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    h.insert(
        "access-control-allow-headers",
        HeaderValue::from_static("*"),
    );
    h.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("GET, POST, DELETE, OPTIONS"),
    );
    h.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("x-amzn-errortype, x-amzn-requestid"),
    );
    resp
}

fn json_response(status: u16, body: &Value) -> Response {
    let mut resp = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body.to_string(),
    )
        .into_response();
    resp.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    resp
}

fn error_response(e: &ApiError) -> Response {
    let mut resp = json_response(e.kind.http_status(), &e.to_json());
    if let Ok(v) = HeaderValue::from_str(e.kind.name()) {
        resp.headers_mut().insert("x-amzn-errortype", v);
    }
    resp
}

/// A response whose body fails after the headers: the client sees the connection drop.
fn dropped_connection() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault injected: connection dropped",
        ))
    });
    Response::new(Body::from_stream(stream))
}

/// The headers whose values are text, as (name, value) pairs for [`signed_request`].
fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect()
}

/// The request as the SigV4 code reads it.
fn signed_request<'a>(
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a [(String, String)],
    body: &'a [u8],
) -> crate::sigv4::HttpRequest<'a> {
    crate::sigv4::HttpRequest {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or_default(),
        headers,
        body,
    }
}

/// Answers the request with the emulator's STS if it is one (see [`crate::sts::is_sts_request`]).
fn sts_response(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Response> {
    let headers = header_pairs(headers);
    let req = signed_request(method, uri, &headers, body);
    if !crate::sts::is_sts_request(&req) {
        return None;
    }
    let now = shared.now();
    let answer = shared.with(|emu| emu.handle_sts(&req, now));
    let mut resp = (
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        answer.body,
    )
        .into_response();
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("text/xml"));
    Some(resp)
}

async fn api(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(resp) = sts_response(&shared, &method, &uri, &headers, &body) {
        return resp;
    }
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let op = target.rsplit('.').next().unwrap_or_default().to_owned();
    if let Some(refused) = unsigned_developer_call(&target, &headers)
        .or_else(|| unsigned_iam_call(&shared, &method, &uri, &headers, &body, &target))
    {
        return error_response(&refused);
    }
    let plan = lock(&shared.faults).plan(&op);
    if plan.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(plan.latency_ms)).await;
    }
    match plan.failure {
        Some(FaultKind::ServerError) => {
            return error_response(&ApiError::new(
                ErrorKind::InternalError,
                "fault injected: internal error",
            ))
        }
        Some(FaultKind::Throttle) => {
            return error_response(&ApiError::new(ErrorKind::TooManyRequests, "Rate exceeded"))
        }
        Some(FaultKind::Drop) => return dropped_connection(),
        Some(FaultKind::Latency) | None => {}
    }
    let parsed: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => {
                return error_response(&ApiError::new(
                    ErrorKind::SerializationError,
                    "Request body is not valid JSON",
                ))
            }
        }
    };
    let now = shared.now();
    // Only the model update holds the lock; token signatures are computed after it is released,
    // so concurrent sign-ins use every core.
    let result = shared.with(|emu| emu.handle_unsigned(&target, &parsed, now));
    match result {
        Ok(unsigned) => json_response(200, &unsigned.finish()),
        Err(e) => error_response(&e),
    }
}

/// Developer-identity operations are called by the app's backend with its AWS credentials.
/// The emulator checks loosely: the request must carry a SigV4 `Authorization` header (any
/// key, signature not verified), as an unsigned call from an app would not.
fn unsigned_developer_call(target: &str, headers: &HeaderMap) -> Option<ApiError> {
    const DEVELOPER_OPS: [&str; 4] = [
        "GetOpenIdTokenForDeveloperIdentity",
        "LookupDeveloperIdentity",
        "MergeDeveloperIdentities",
        "UnlinkDeveloperIdentity",
    ];
    let op = target.strip_prefix(crate::IDENTITY_PREFIX)?;
    let signed = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256 Credential="));
    (DEVELOPER_OPS.contains(&op) && !signed).then(|| {
        ApiError::new(
            ErrorKind::MissingAuthenticationToken,
            "Missing Authentication Token",
        )
    })
}

/// With [`EmulatorConfig::require_signed_iam_calls`](crate::EmulatorConfig), an operation
/// Cognito authorizes with IAM must carry a well-formed SigV4 signature (see
/// [`crate::iam_auth`]).
fn unsigned_iam_call(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    target: &str,
) -> Option<ApiError> {
    if !crate::iam_auth::needs_iam(target) || !shared.with(|e| e.config.require_signed_iam_calls) {
        return None;
    }
    let headers = header_pairs(headers);
    let req = signed_request(method, uri, &headers, body);
    crate::iam_auth::refusal(target, &req)
}

async fn jwks(State(shared): State<Arc<Shared>>, Path(pool_id): Path<String>) -> Response {
    match shared.with(|e| e.jwks(&pool_id)) {
        Some(v) => axum::Json(v).into_response(),
        None => (StatusCode::NOT_FOUND, "no such user pool").into_response(),
    }
}

async fn openid(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(pool_id): Path<String>,
) -> Response {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    match shared.with(|e| e.openid_configuration(&pool_id, &format!("http://{host}"))) {
        Some(v) => axum::Json(v).into_response(),
        None => (StatusCode::NOT_FOUND, "no such user pool").into_response(),
    }
}

async fn outbox(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<std::collections::BTreeMap<String, String>>,
) -> Response {
    let messages: Vec<Value> = shared.with(|e| {
        e.outbox()
            .iter()
            .filter(|m| q.get("username").is_none_or(|u| *u == m.username))
            .filter(|m| q.get("pool_id").is_none_or(|p| *p == m.pool_id))
            .filter_map(|m| serde_json::to_value(m).ok())
            .filter(|m| q.get("purpose").is_none_or(|p| m["purpose"] == json!(p)))
            .collect()
    });
    axum::Json(json!({"messages": messages})).into_response()
}

async fn clear_outbox(State(shared): State<Arc<Shared>>) -> Response {
    shared.with(Emulator::clear_outbox);
    axum::Json(json!({})).into_response()
}

async fn requests(State(shared): State<Arc<Shared>>) -> Response {
    let served = shared.with(|e| serde_json::to_value(e.served_requests()).unwrap_or_default());
    axum::Json(json!({ "requests": served })).into_response()
}

async fn clear_requests(State(shared): State<Arc<Shared>>) -> Response {
    shared.with(Emulator::clear_served_requests);
    axum::Json(json!({})).into_response()
}

async fn clock(State(shared): State<Arc<Shared>>) -> Response {
    let offset = *lock(&shared.offset_ms);
    axum::Json(json!({"now_ms": shared.now().0, "offset_ms": offset})).into_response()
}

async fn set_clock(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Some(s) = v.get("advance_seconds").and_then(Value::as_f64) {
        shared.advance_clock_ms((s * 1000.0) as i64);
    } else if let Some(s) = v.get("offset_seconds").and_then(Value::as_f64) {
        *lock(&shared.offset_ms) = (s * 1000.0) as i64;
    } else {
        return (
            StatusCode::BAD_REQUEST,
            "expected {\"advance_seconds\": N} or {\"offset_seconds\": N}",
        )
            .into_response();
    }
    clock(State(shared)).await
}

async fn get_faults(State(shared): State<Arc<Shared>>) -> Response {
    let rules = lock(&shared.faults).rules().to_vec();
    axum::Json(json!({"rules": rules})).into_response()
}

async fn set_faults(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Req {
        #[serde(default)]
        seed: u64,
        rules: Vec<FaultRule>,
    }
    match serde_json::from_slice::<Req>(&body) {
        Ok(r) => {
            shared.set_faults(Faults::new(r.seed, r.rules));
            axum::Json(json!({})).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, format!("invalid fault rules: {e}")).into_response(),
    }
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    shared.set_faults(Faults::none());
    axum::Json(json!({})).into_response()
}

async fn seed(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return (StatusCode::BAD_REQUEST, format!("seed is not JSON: {e}")).into_response()
        }
    };
    let now = shared.now();
    match shared.with(|e| e.apply_seed(&v, now)) {
        Ok(()) => axum::Json(json!({})).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

/// `{"provider": LOGIN_KEY, "token": TOKEN, "subject": SUB, "expires_in_seconds": N?,
/// "audience": APP_ID?, "roles": [ARN]?}`: the provider issued this token (test seam, see
/// `crate::federation`).
async fn register_provider_token(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Req {
        provider: String,
        token: String,
        subject: String,
        #[serde(default)]
        expires_in_seconds: Option<i64>,
        #[serde(default)]
        audience: Option<String>,
        #[serde(default)]
        roles: Vec<String>,
    }
    let r = match serde_json::from_slice::<Req>(&body) {
        Ok(r) => r,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("invalid registration: {e}"),
            )
                .into_response()
        }
    };
    let now = shared.now();
    let mut reg = crate::ProviderToken::new(r.subject).roles(r.roles);
    reg.audience = r.audience;
    if let Some(s) = r.expires_in_seconds {
        let at = i128::from(now.0) + i128::from(s) * 1000;
        reg = reg.expires_at(UnixMillis(u64::try_from(at.max(0)).unwrap_or(u64::MAX)));
    }
    shared.with(|e| e.register_provider_token(&r.provider, &r.token, reg));
    axum::Json(json!({})).into_response()
}

/// `{"issuer": "https://...", "jwks": {"keys": [...]}}`: the keys of an OIDC provider.
async fn register_oidc_jwks(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match (v.get("issuer").and_then(Value::as_str), v.get("jwks")) {
        (Some(issuer), Some(jwks)) if jwks.get("keys").is_some_and(Value::is_array) => {
            shared.with(|e| e.register_oidc_jwks(issuer, jwks.clone()));
            axum::Json(json!({})).into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            "expected {\"issuer\": URL, \"jwks\": {\"keys\": [...]}}",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn loopback_hosts_with_and_without_ports() {
        for host in [
            "localhost",
            "LOCALHOST:9229",
            "127.0.0.1",
            "127.0.0.1:9229",
            "127.1.2.3:80",
            "[::1]",
            "[::1]:9229",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "example.com",
            "evil.localhost.example.com:9229",
            "10.0.0.1:9229",
            "0.0.0.0:9229",
            "[::2]:80",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}

//! The HTTP server: AWS JSON 1.1 on `POST /`, the JWKS and OpenID configuration at Cognito's
//! paths, and the emulator's admin endpoints under `/_emulator/` (clock, outbox, faults, seed).
//!
//! This is the only place that reads the system clock: it adds the admin offset and hands the
//! result to the core as `now`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::core::Emulator;
use crate::error::{ApiError, ErrorKind};
use crate::faults::{FaultKind, FaultRule, Faults};
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
        .route("/_emulator/clock", get(clock).post(set_clock))
        .route(
            "/_emulator/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .route("/_emulator/seed", post(seed))
        .layer(axum::middleware::from_fn(cors))
        .with_state(shared)
}

/// Lets browser apps (amazon-cognito-identity-js, Amplify) call the emulator from another
/// origin, as they call Cognito: preflights are answered and every answer allows any origin.
async fn cors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
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

/// Answers the request with the emulator's STS if it is one (see [`crate::sts::is_sts_request`]).
fn sts_response(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Response> {
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let req = crate::sigv4::HttpRequest {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or_default(),
        headers: &headers,
        body,
    };
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

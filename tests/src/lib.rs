//! The harness of the cross-crate scenario tests (`tests/tests/*.rs`): the project's emulator
//! started in-process on 127.0.0.1 (its outbox read and its clock moved through
//! [`EmulatorWorld`]), moto started from the project's `.venv`, and engines pointed at either.
//!
//! A backend that cannot be started fails the test with a message saying how to provide it; no
//! test is ever skipped for want of one.
// A harness that cannot set up its backend has nothing better to do than fail the test.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

pub mod sim;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// A `moto_server` child process, killed when dropped.
#[derive(Debug)]
pub struct Moto {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    _child: Child,
}

/// The project venv's `moto_server`.
pub fn moto_server_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(".venv")
        .join("bin")
        .join("moto_server")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free local port")
}

/// Starts moto on a free port and waits until it answers HTTP. Fails (never skips) when the
/// venv is missing.
pub async fn start_moto() -> Moto {
    let path = moto_server_path();
    assert!(
        path.exists(),
        "moto_server not found at {}: create the venv with scripts/setup-venv.sh",
        path.display()
    );
    let port = free_port();
    let child = Command::new(&path)
        .args(["-p", &port.to_string(), "-H", "127.0.0.1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "could not start {} ({e}); run scripts/setup-venv.sh",
                path.display()
            )
        });
    let endpoint = format!("http://127.0.0.1:{port}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if answers_http(port).await {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "moto_server did not answer on port {port} within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Moto {
        endpoint,
        _child: child,
    }
}

async fn answers_http(port: u16) -> bool {
    let Ok(mut sock) = TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let request = "GET /moto-api/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if sock.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut first = [0u8; 12];
    sock.read_exact(&mut first).await.is_ok() && first.starts_with(b"HTTP/1.")
}

/// An admin (SigV4-signed, dummy credentials) user-pools client for setting up fixtures.
pub fn admin_client(endpoint: &str) -> aws_sdk_cognitoidentityprovider::Client {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let config = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .endpoint_url(endpoint)
        .http_client(http)
        .build();
    aws_sdk_cognitoidentityprovider::Client::from_conf(config)
}

/// A user pool and an app client (no secret) allowing password, SRP and refresh flows.
#[derive(Debug, Clone)]
pub struct Pool {
    /// `us-east-1_...`.
    pub pool_id: String,
    /// The app client.
    pub client_id: String,
}

/// Creates a pool and client through the admin API.
pub async fn create_pool(admin: &aws_sdk_cognitoidentityprovider::Client) -> Pool {
    use aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType as F;
    let pool = admin
        .create_user_pool()
        .pool_name("engine-tests")
        .send()
        .await
        .expect("CreateUserPool");
    let pool_id = pool
        .user_pool()
        .and_then(|p| p.id())
        .expect("pool id")
        .to_owned();
    let client = admin
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(F::AllowUserPasswordAuth)
        .explicit_auth_flows(F::AllowUserSrpAuth)
        .explicit_auth_flows(F::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("CreateUserPoolClient");
    let client_id = client
        .user_pool_client()
        .and_then(|c| c.client_id())
        .expect("client id")
        .to_owned();
    Pool { pool_id, client_id }
}

/// Creates a confirmed user with a permanent password.
pub async fn create_user(
    admin: &aws_sdk_cognitoidentityprovider::Client,
    pool: &Pool,
    username: &str,
    password: &str,
) {
    admin
        .admin_create_user()
        .user_pool_id(&pool.pool_id)
        .username(username)
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .expect("AdminCreateUser");
    admin
        .admin_set_user_password()
        .user_pool_id(&pool.pool_id)
        .username(username)
        .password(password)
        .permanent(true)
        .send()
        .await
        .expect("AdminSetUserPassword");
}

/// An engine configuration for `pool`, with the chosen default flow.
pub fn config(pool: &Pool, flow: cognito_auth::machine::AuthFlow) -> cognito_auth::Config {
    cognito_auth::Config {
        user_pool: Some(cognito_auth::machine::config::UserPoolConfig {
            pool_id: pool.pool_id.clone(),
            app_client_id: pool.client_id.clone(),
            app_client_secret: None,
            region: "us-east-1".to_owned(),
            auth_flow: flow,
        }),
        identity_pool: None,
        oauth: None,
        tuning: Default::default(),
    }
}

/// The project's emulator serving one pool (`us-east-1_Engine01`), one app client without a
/// secret (60-minute access tokens), one identity pool, and the user `alice` / `Passw0rd!`.
pub struct EmulatorWorld {
    /// The running server.
    pub server: cognito_auth_emulator::http::Server,
    /// The pool and client.
    pub pool: Pool,
    /// The identity pool id.
    pub identity_pool_id: String,
}

/// Fixed ids of the emulator world.
pub const EMU_POOL_ID: &str = "us-east-1_Engine01";
/// The app client.
pub const EMU_CLIENT_ID: &str = "engineclient00000000000001";
/// The emulated identity pool's role for signed-in users.
pub const EMU_AUTH_ROLE: &str = "arn:aws:iam::123456789012:role/Cognito_engineAuth_Role";
/// The emulated identity pool's role for guests.
pub const EMU_UNAUTH_ROLE: &str =
    "arn:aws:iam::123456789012:role/service-role/Cognito_engineUnauth_Role";
/// The emulated identity pool (guests allowed; the user pool as provider).
pub const EMU_IDENTITY_POOL_ID: &str = "us-east-1:00000000-0000-4000-8000-00000000e001";

/// Starts the emulator on a free port.
pub async fn start_emulator() -> EmulatorWorld {
    use cognito_auth_emulator::{Emulator, EmulatorConfig, UnixMillis};
    let seed = serde_json::json!({
        "seed": 11,
        "region": "us-east-1",
        "user_pools": [{
            "Id": EMU_POOL_ID,
            "PoolName": "engine",
            "Clients": [{
                "ClientId": EMU_CLIENT_ID,
                "ClientName": "app",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                                      "ALLOW_REFRESH_TOKEN_AUTH"],
                "AccessTokenValidity": 60,
                "IdTokenValidity": 60,
                "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes"}
            }],
            "Users": [{
                "Username": "alice",
                "Password": "Passw0rd!",
                "Status": "CONFIRMED",
                "Attributes": {"email": "alice@example.com", "email_verified": "true"}
            }]
        }],
        "identity_pools": [{
            "IdentityPoolId": EMU_IDENTITY_POOL_ID,
            "IdentityPoolName": "engine",
            "AllowUnauthenticatedIdentities": true,
            "CognitoIdentityProviders": [{
                "ProviderName": format!("cognito-idp.us-east-1.amazonaws.com/{EMU_POOL_ID}"),
                "ClientId": EMU_CLIENT_ID
            }],
            "Roles": {"authenticated": EMU_AUTH_ROLE, "unauthenticated": EMU_UNAUTH_ROLE}
        }]
    });
    let mut emulator = Emulator::new(EmulatorConfig {
        seed: 11,
        ..EmulatorConfig::default()
    })
    .expect("emulator");
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis();
    emulator
        .apply_seed(
            &seed,
            UnixMillis(u64::try_from(now_ms).expect("ms fit u64")),
        )
        .expect("seed");
    let server = cognito_auth_emulator::http::serve("127.0.0.1:0", emulator)
        .await
        .expect("serve");
    EmulatorWorld {
        server,
        pool: Pool {
            pool_id: EMU_POOL_ID.to_owned(),
            client_id: EMU_CLIENT_ID.to_owned(),
        },
        identity_pool_id: EMU_IDENTITY_POOL_ID.to_owned(),
    }
}

impl EmulatorWorld {
    /// An engine builder pointed at the emulator, whose wall clock follows the emulator's (so
    /// moving the emulator's clock moves the engine's too).
    pub fn builder(&self, flow: cognito_auth::machine::AuthFlow) -> cognito_auth::AuthBuilder {
        self.builder_for(config(&self.pool, flow))
    }

    /// Like [`EmulatorWorld::builder`], with the identity pool configured too.
    pub fn builder_with_identity_pool(
        &self,
        flow: cognito_auth::machine::AuthFlow,
    ) -> cognito_auth::AuthBuilder {
        let mut config = config(&self.pool, flow);
        config.identity_pool = Some(cognito_auth::machine::config::IdentityPoolConfig {
            pool_id: self.identity_pool_id.clone(),
            region: "us-east-1".to_owned(),
            allow_guest: true,
        });
        self.builder_for(config)
    }

    fn builder_for(&self, config: cognito_auth::Config) -> cognito_auth::AuthBuilder {
        let shared = std::sync::Arc::clone(self.server.shared());
        cognito_auth::Auth::builder()
            .config(config)
            .endpoint_url(self.server.endpoint())
            .unix_clock(move || i64::try_from(shared.now().0).unwrap_or(i64::MAX))
    }

    /// Moves the emulator's clock (and so the engine's wall clock) forward.
    pub fn advance_clock_s(&self, seconds: i64) {
        self.server.shared().advance_clock_ms(seconds * 1000);
    }

    /// The last code of `purpose` the emulator sent `username` ([`last_code`]).
    pub fn last_code(&self, username: &str, purpose: cognito_auth_emulator::CodePurpose) -> String {
        last_code(&self.server, username, purpose)
    }
}

/// The last code of `purpose` that `server`'s emulator sent `username` (read from its outbox);
/// fails the test when there is none.
pub fn last_code(
    server: &cognito_auth_emulator::http::Server,
    username: &str,
    purpose: cognito_auth_emulator::CodePurpose,
) -> String {
    server
        .shared()
        .with(|e| e.last_code(username, purpose).map(str::to_owned))
        .unwrap_or_else(|| panic!("no {purpose:?} code for {username} in the outbox"))
}

/// POSTs a JSON body to `endpoint` + `path` over plain HTTP/1.1 (the emulator's admin seams,
/// or a Cognito operation when `target` names one) and returns the status and the JSON answer
/// (`Null` when the body is not JSON). Extra `headers` are sent as given.
pub async fn post_json(
    endpoint: &str,
    path: &str,
    target: Option<&str>,
    headers: &[(&str, &str)],
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let host = endpoint
        .strip_prefix("http://")
        .expect("an http:// endpoint")
        .trim_end_matches('/');
    let mut sock = TcpStream::connect(host)
        .await
        .expect("connect to the server");
    let body = body.to_string();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    match target {
        Some(t) => request.push_str(&format!(
            "Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: {t}\r\n"
        )),
        None => request.push_str("Content-Type: application/json\r\n"),
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    sock.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    sock.read_to_end(&mut raw).await.expect("read the answer");
    let text = String::from_utf8_lossy(&raw);
    let (head, rest) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let payload = if chunked {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    (
        status,
        serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
    )
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

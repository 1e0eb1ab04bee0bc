//! Options reaching the service: validation data and every code call's client metadata, as a
//! recording user-pools endpoint receives them (the engine alone; the scenario suites against
//! the emulator and moto are in the top-level `tests/` package).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::{Arc, Mutex};

use cognito_auth::machine::config::UserPoolConfig;
use cognito_auth::machine::AuthFlow;
use cognito_auth::{
    Auth, Config, ConfirmForgotPasswordOptions, ConfirmSignUpOptions, ForgotPasswordOptions,
    ResendSignUpCodeOptions, SignUpOptions, UserState,
};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

async fn settled(auth: &Auth) -> UserState {
    let mut rx = auth.watch_user_state();
    let state = *rx.wait_for(|s| *s != UserState::Unknown).await.unwrap();
    state
}

fn config(pool_id: &str, client_id: &str) -> Config {
    Config {
        user_pool: Some(UserPoolConfig {
            pool_id: pool_id.to_owned(),
            app_client_id: client_id.to_owned(),
            app_client_secret: None,
            region: "us-east-1".to_owned(),
            auth_flow: AuthFlow::UserSrpAuth,
        }),
        identity_pool: None,
        oauth: None,
        tuning: Default::default(),
    }
}

/// A user-pools endpoint that records each request (`X-Amz-Target` operation, JSON body) and
/// answers it with a canned response.
struct Recorder {
    endpoint: String,
    requests: Arc<Mutex<Vec<(String, Value)>>>,
}

fn canned(operation: &str) -> Value {
    let delivery = json!({"DeliveryMedium": "EMAIL", "Destination": "a***@e***",
                          "AttributeName": "email"});
    match operation {
        "SignUp" => json!({"UserConfirmed": false, "UserSub": "sub-1",
                           "CodeDeliveryDetails": delivery}),
        "ResendConfirmationCode" | "ForgotPassword" => json!({"CodeDeliveryDetails": delivery}),
        _ => json!({}),
    }
}

async fn start_recorder() -> Recorder {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let Some((operation, body)) = read_request(&mut sock).await else {
                    return;
                };
                let reply = canned(&operation).to_string();
                seen.lock().unwrap().push((operation, body));
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
                let _ = sock.write_all(response.as_bytes()).await;
            });
        }
    });
    Recorder { endpoint, requests }
}

/// Reads one HTTP/1.1 request: the operation from `X-Amz-Target` and the JSON body.
async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<(String, Value)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    // Header names are case-insensitive; values are kept as sent.
    let header = |name: &str| {
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    };
    let length: usize = header("content-length")?.parse().ok()?;
    let operation = header("x-amz-target")?.rsplit('.').next()?.to_owned();
    while buf.len() < head_end + length {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buf[head_end..head_end + length]).ok()?;
    Some((operation, body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_data_and_client_metadata_reach_the_service() {
    let recorder = start_recorder().await;
    let auth = Auth::builder()
        .config(config("us-east-1_Recorder", "recorderclient"))
        .endpoint_url(&recorder.endpoint)
        .build()
        .unwrap();
    settled(&auth).await;

    let signed_up = auth
        .sign_up(
            "bob",
            "Passw0rd!long",
            SignUpOptions::default()
                .attribute("email", "bob@example.com")
                .validation_data("invitation", "ABC-123")
                .client_metadata("source", "sign-up"),
        )
        .await
        .unwrap();
    assert!(!signed_up.user_confirmed);
    assert_eq!(signed_up.user_sub, "sub-1");
    assert_eq!(
        signed_up
            .code_delivery_details
            .and_then(|d| d.delivery_medium)
            .as_deref(),
        Some("EMAIL")
    );
    auth.confirm_sign_up(
        "bob",
        "123456",
        ConfirmSignUpOptions::default().client_metadata("source", "confirm"),
    )
    .await
    .unwrap();
    let resent = auth
        .resend_sign_up_code(
            "bob",
            ResendSignUpCodeOptions::default().client_metadata("source", "resend"),
        )
        .await
        .unwrap();
    assert!(resent.code_delivery_details.is_some());
    let forgot = auth
        .forgot_password(
            "bob",
            ForgotPasswordOptions::default().client_metadata("source", "forgot"),
        )
        .await
        .unwrap();
    assert!(forgot.code_delivery_details.is_some());
    auth.confirm_forgot_password(
        "bob",
        "N3w-Passw0rd!long",
        "654321",
        ConfirmForgotPasswordOptions::default().client_metadata("source", "reset"),
    )
    .await
    .unwrap();

    let requests = recorder.requests.lock().unwrap().clone();
    let operations: Vec<&str> = requests.iter().map(|(op, _)| op.as_str()).collect();
    assert_eq!(
        operations,
        [
            "SignUp",
            "ConfirmSignUp",
            "ResendConfirmationCode",
            "ForgotPassword",
            "ConfirmForgotPassword"
        ]
    );
    let sign_up = &requests[0].1;
    assert_eq!(
        sign_up["ValidationData"],
        json!([{"Name": "invitation", "Value": "ABC-123"}])
    );
    assert_eq!(
        sign_up["UserAttributes"],
        json!([{"Name": "email", "Value": "bob@example.com"}])
    );
    for ((_, body), source) in requests
        .iter()
        .zip(["sign-up", "confirm", "resend", "forgot", "reset"])
    {
        assert_eq!(body["ClientMetadata"], json!({"source": source}), "{body}");
    }
}

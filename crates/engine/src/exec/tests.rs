//! The executor against a canned local HTTP server: request mapping, response mapping and the
//! description of every kind of failure.

use std::collections::BTreeMap;
use std::time::Duration;

use cognito_auth_machine::cognito::{
    IdentityRequest, IdentityResponse, OAuthTokenRequest, UserPoolRequest, UserPoolResponse,
};
use cognito_auth_machine::config::{IdentityPoolConfig, Tuning, UserPoolConfig};
use cognito_auth_machine::{AuthFlow, Config, Secret, ServiceErrorKind};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::{ConnectOptions, ServiceClients};

fn config() -> Config {
    Config {
        user_pool: Some(UserPoolConfig {
            pool_id: "us-east-1_Pool".to_owned(),
            app_client_id: "client123".to_owned(),
            app_client_secret: None,
            region: "us-east-1".to_owned(),
            auth_flow: AuthFlow::UserSrpAuth,
        }),
        identity_pool: Some(IdentityPoolConfig {
            pool_id: "us-east-1:1234".to_owned(),
            region: "us-east-1".to_owned(),
            allow_guest: true,
        }),
        oauth: None,
        tuning: Tuning::default(),
    }
}

/// A request as the canned server saw it.
struct Seen {
    head: String,
    body: String,
}

/// Serves `responses` in order (status, body), one per connection, and reports each request.
async fn canned(responses: Vec<(u16, &'static str)>) -> (String, mpsc::UnboundedReceiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        for (status, body) in responses {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            let (head, body_start) = loop {
                let mut chunk = [0u8; 4096];
                let n = sock.read(&mut chunk).await.unwrap();
                buf.extend_from_slice(&chunk[..n]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break (String::from_utf8_lossy(&buf[..i]).into_owned(), i + 4);
                }
            };
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            while buf.len() < body_start + len {
                let mut chunk = [0u8; 4096];
                let n = sock.read(&mut chunk).await.unwrap();
                buf.extend_from_slice(&chunk[..n]);
            }
            let req_body = String::from_utf8_lossy(&buf[body_start..body_start + len]).into_owned();
            tx.send(Seen {
                head,
                body: req_body,
            })
            .unwrap();
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\ndate: Tue, 14 Nov 2023 22:13:20 GMT\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            sock.write_all(reply.as_bytes()).await.unwrap();
            sock.shutdown().await.unwrap();
        }
    });
    (url, rx)
}

fn clients(url: &str) -> ServiceClients {
    ServiceClients::new(
        &config(),
        &ConnectOptions {
            endpoint_url: Some(url.to_owned()),
            request_timeout: Some(Duration::from_secs(5)),
        },
    )
    .unwrap()
}

fn initiate() -> UserPoolRequest {
    UserPoolRequest::InitiateAuth {
        auth_flow: "USER_SRP_AUTH".to_owned(),
        auth_parameters: Secret::new(BTreeMap::from([
            ("USERNAME".to_owned(), "alice".to_owned()),
            ("SRP_A".to_owned(), "abcd".to_owned()),
        ])),
        client_metadata: BTreeMap::new(),
    }
}

#[tokio::test]
async fn initiate_auth_sends_the_request_and_reads_the_challenge() {
    let (url, mut seen) = canned(vec![(
        200,
        r#"{"ChallengeName":"PASSWORD_VERIFIER","ChallengeParameters":{"SALT":"ab","SRP_B":"cd","USER_ID_FOR_SRP":"alice"},"Session":"sess"}"#,
    )])
    .await;
    let answer = clients(&url).user_pool(initiate()).await.unwrap();
    let UserPoolResponse::Auth(auth) = answer else {
        panic!("unexpected {answer:?}");
    };
    assert_eq!(auth.challenge_name.as_deref(), Some("PASSWORD_VERIFIER"));
    assert_eq!(auth.challenge_parameters["SRP_B"], "cd");
    assert_eq!(auth.session.unwrap().expose(), "sess");
    assert!(auth.authentication_result.is_none());

    let req = seen.recv().await.unwrap();
    assert!(
        req.head
            .contains("AWSCognitoIdentityProviderService.InitiateAuth"),
        "{}",
        req.head
    );
    assert!(
        !req.head.to_ascii_lowercase().contains("authorization:"),
        "unauthenticated operations are sent unsigned"
    );
    let body: serde_json::Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(body["ClientId"], "client123");
    assert_eq!(body["AuthFlow"], "USER_SRP_AUTH");
    assert_eq!(body["AuthParameters"]["SRP_A"], "abcd");
    assert!(body.get("ClientMetadata").is_none());
}

#[tokio::test]
async fn refresh_token_auth_is_sent_as_initiate_auth_with_its_parameters() {
    let (url, mut seen) = canned(vec![(
        200,
        r#"{"ChallengeParameters":{},"AuthenticationResult":{"AccessToken":"a.b.c","IdToken":"i.d.t","ExpiresIn":3600,"TokenType":"Bearer"}}"#,
    )])
    .await;
    let request = UserPoolRequest::RefreshTokenAuth {
        refresh_token: Secret::new("refresh-1".to_owned()),
        secret_hash: Some(Secret::new("hash=".to_owned())),
        device_key: Some("us-east-1_dk".to_owned()),
        client_metadata: BTreeMap::from([("k".to_owned(), "v".to_owned())]),
    };
    let UserPoolResponse::Auth(auth) = clients(&url).user_pool(request).await.unwrap() else {
        panic!("not an auth response");
    };
    let result = auth.authentication_result.unwrap();
    assert_eq!(result.access_token.expose(), "a.b.c");
    assert!(
        result.refresh_token.is_none(),
        "REFRESH_TOKEN_AUTH does not rotate"
    );

    let req = seen.recv().await.unwrap();
    assert!(
        req.head
            .contains("AWSCognitoIdentityProviderService.InitiateAuth"),
        "{}",
        req.head
    );
    let body: serde_json::Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(body["ClientId"], "client123");
    assert_eq!(body["AuthFlow"], "REFRESH_TOKEN_AUTH");
    assert_eq!(
        body["AuthParameters"],
        serde_json::json!({
            "REFRESH_TOKEN": "refresh-1",
            "SECRET_HASH": "hash=",
            "DEVICE_KEY": "us-east-1_dk",
        })
    );
    assert_eq!(body["ClientMetadata"], serde_json::json!({ "k": "v" }));
}

#[tokio::test]
async fn tokens_and_new_device_metadata_are_read() {
    let (url, _seen) = canned(vec![(
        200,
        r#"{"ChallengeParameters":{},"AuthenticationResult":{"AccessToken":"a.b.c","IdToken":"i.d.t","RefreshToken":"r","ExpiresIn":3600,"TokenType":"Bearer","NewDeviceMetadata":{"DeviceKey":"us-east-1_dk","DeviceGroupKey":"gk"}}}"#,
    )])
    .await;
    let UserPoolResponse::Auth(auth) = clients(&url).user_pool(initiate()).await.unwrap() else {
        panic!("not an auth response");
    };
    let result = auth.authentication_result.unwrap();
    assert_eq!(result.access_token.expose(), "a.b.c");
    assert_eq!(result.refresh_token.unwrap().expose(), "r");
    assert_eq!(result.expires_in, 3600);
    assert_eq!(result.new_device_metadata.unwrap().device_group_key, "gk");
}

#[tokio::test]
async fn a_service_error_keeps_its_code_and_message() {
    let (url, _seen) = canned(vec![(
        400,
        r#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#,
    )])
    .await;
    let err = clients(&url).user_pool(initiate()).await.unwrap_err();
    assert_eq!(err.kind, ServiceErrorKind::Service);
    assert_eq!(err.code, "NotAuthorizedException");
    assert_eq!(err.message, "Incorrect username or password.");
}

#[tokio::test]
async fn a_5xx_is_a_server_error_and_garbage_is_an_invalid_response() {
    let (url, _seen) = canned(vec![(503, ""), (200, "{not json")]).await;
    let c = clients(&url);
    let err = c.user_pool(initiate()).await.unwrap_err();
    assert_eq!(err.kind, ServiceErrorKind::ServerError, "{err:?}");
    let err = c.user_pool(initiate()).await.unwrap_err();
    assert_eq!(err.kind, ServiceErrorKind::InvalidResponse, "{err:?}");
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = clients(&url).user_pool(initiate()).await.unwrap_err();
    assert_eq!(err.kind, ServiceErrorKind::Network, "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test(start_paused = true)]
async fn a_silent_server_is_a_timeout() {
    // Accepts connections and never answers; paused time makes the timeout immediate.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (sock, _) = listener.accept().await.unwrap();
            held.push(sock);
        }
    });
    let err = clients(&url).user_pool(initiate()).await.unwrap_err();
    assert_eq!(err.kind, ServiceErrorKind::Timeout, "{err:?}");
}

/// Every operation of the table through the SDK against a canned server: the SDK sends
/// exactly the body the table's wire names describe (with the access token, or the client id
/// and secret hash, and the operation's `X-Amz-Target`), and reads back exactly the output written under those names. Generated
/// from the table, so an operation added to it is covered here without an edit.
#[tokio::test]
async fn every_account_operation_goes_through_the_sdk_under_its_wire_names() {
    use cognito_auth_machine::account::{
        self, AccountAuth, AccountRequest, AccountResponse, Authorization, Sample,
    };
    macro_rules! samples {
        ($($op:ident($wire:literal, $sdk:ident) $auth:ident { $($in:ident = $iw:literal => $set:ident,)* }
            -> $out:ident { $($field:ident = $ow:literal,)* })*) => {
            vec![$((
                AccountRequest::from(account::$op { $($in: Sample::sample(),)* }),
                AccountResponse::$op(account::$out { $($field: Sample::sample(),)* }),
            ),)*]
        };
    }
    let cases: Vec<(AccountRequest, AccountResponse)> =
        cognito_auth_machine::for_each_account_operation!(compact samples);
    let bodies = cases
        .iter()
        .map(|(_, response)| -> (u16, &'static str) {
            (
                200,
                Box::leak(response.wire_response().to_string().into_boxed_str()),
            )
        })
        .collect();
    let (url, mut seen) = canned(bodies).await;
    let c = clients(&url);
    let client_id = config().user_pool.unwrap().app_client_id;
    for (request, expected) in cases {
        let op = request.operation();
        let auth = match request.authorization() {
            Authorization::AccessToken => AccountAuth::AccessToken {
                access_token: Secret::new("tok".to_owned()),
            },
            Authorization::Client => AccountAuth::Client {
                secret_hash: Some(Secret::new("hash".to_owned())),
            },
        };
        let sent_body = request.wire_request(&auth, &client_id);
        let got = c
            .user_pool(UserPoolRequest::Account { auth, request })
            .await
            .unwrap_or_else(|e| panic!("{op}: {e:?}"));
        assert_eq!(got, UserPoolResponse::Account(expected), "{op}");
        let seen = seen.recv().await.unwrap();
        let body: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
        assert_eq!(body, sent_body, "{op}");
        let target = format!("x-amz-target: AWSCognitoIdentityProviderService.{op}");
        assert!(
            seen.head
                .to_ascii_lowercase()
                .contains(&target.to_ascii_lowercase()),
            "{op}: {}",
            seen.head
        );
    }
}

#[tokio::test]
async fn identity_calls_map_both_ways() {
    let (url, mut seen) = canned(vec![
        (200, r#"{"IdentityId":"us-east-1:abc"}"#),
        (
            200,
            r#"{"IdentityId":"us-east-1:abc","Credentials":{"AccessKeyId":"AKIA","SecretKey":"sk","SessionToken":"st","Expiration":1700003600}}"#,
        ),
    ])
    .await;
    let c = clients(&url);
    let id = c
        .identity(IdentityRequest::GetId {
            identity_pool_id: "us-east-1:1234".to_owned(),
            logins: Secret::new(BTreeMap::new()),
        })
        .await
        .unwrap();
    assert_eq!(
        id,
        IdentityResponse::IdentityId {
            identity_id: "us-east-1:abc".to_owned()
        }
    );
    let req = seen.recv().await.unwrap();
    assert!(req.head.contains("AWSCognitoIdentityService.GetId"));
    let body: serde_json::Value = serde_json::from_str(&req.body).unwrap();
    assert!(body.get("Logins").is_none(), "guests send no Logins");

    let creds = c
        .identity(IdentityRequest::GetCredentialsForIdentity {
            identity_id: "us-east-1:abc".to_owned(),
            logins: Secret::new(BTreeMap::from([(
                "cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool".to_owned(),
                "idtoken".to_owned(),
            )])),
            custom_role_arn: None,
        })
        .await
        .unwrap();
    let IdentityResponse::Credentials {
        credentials,
        service_time_s,
        ..
    } = creds
    else {
        panic!("not credentials");
    };
    // The response's `Date` is the service's clock the credentials are judged on.
    assert_eq!(service_time_s, Some(1_700_000_000));
    assert_eq!(credentials.access_key_id, "AKIA");
    assert_eq!(credentials.secret_access_key.expose(), "sk");
    assert_eq!(credentials.expiration_s, 1_700_003_600);
}

#[tokio::test]
async fn missing_required_response_fields_are_invalid_responses() {
    let (url, _seen) = canned(vec![(200, r#"{}"#)]).await;
    let err = clients(&url)
        .identity(IdentityRequest::GetId {
            identity_pool_id: "us-east-1:1234".to_owned(),
            logins: Secret::new(BTreeMap::new()),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind, ServiceErrorKind::InvalidResponse);
    assert!(err.message.contains("IdentityId"));
}

#[tokio::test]
async fn oauth_token_endpoint_form_post() {
    let (url, mut seen) = canned(vec![
        (
            200,
            r#"{"access_token":"at","id_token":"it","refresh_token":"rt","expires_in":3600,"token_type":"Bearer"}"#,
        ),
        (400, r#"{"error":"invalid_grant"}"#),
    ])
    .await;
    let c = clients(&url);
    let request = OAuthTokenRequest {
        url: format!("{url}/oauth2/token"),
        form: Secret::new(BTreeMap::from([
            ("grant_type".to_owned(), "authorization_code".to_owned()),
            ("code".to_owned(), "a b&c".to_owned()),
        ])),
        basic_auth: Some(("cid".to_owned(), Secret::new("csecret".to_owned()))),
    };
    let tokens = c.oauth_token(request.clone()).await.unwrap();
    assert_eq!(tokens.access_token.expose(), "at");
    assert_eq!(tokens.expires_in, 3600);
    let req = seen.recv().await.unwrap();
    assert!(req.head.starts_with("POST /oauth2/token"), "{}", req.head);
    assert!(req.head.contains("Basic Y2lkOmNzZWNyZXQ="), "{}", req.head);
    assert_eq!(req.body, "code=a+b%26c&grant_type=authorization_code");

    let err = c.oauth_token(request).await.unwrap_err();
    assert_eq!(err.kind, ServiceErrorKind::Service);
    assert_eq!(err.code, "invalid_grant");
}

#[test]
fn oauth_parse_errors_never_quote_the_body() {
    let err =
        super::oauth::parse_token_response(200, br#"{"access_token":"secret-at"}"#).unwrap_err();
    assert_eq!(err.kind, ServiceErrorKind::InvalidResponse);
    assert!(!err.message.contains("secret-at"));
    let err = super::oauth::parse_token_response(502, b"<html>").unwrap_err();
    assert_eq!(err.kind, ServiceErrorKind::ServerError);
}

//! The HTTP layer: AWS JSON 1.1 error shapes and statuses, admin endpoints, injected faults.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::TcpStream;

use cognito_auth_emulator::http::BackgroundServer;
use cognito_auth_emulator::{example_seed, Emulator, EmulatorConfig};
use serde_json::{json, Value};

/// One HTTP/1.1 request on a fresh connection; returns (status, headers, body), or the raw bytes
/// read when the server closed the connection before a complete answer.
fn request(
    server: &BackgroundServer,
    method: &str,
    path: &str,
    target: Option<&str>,
    body: &str,
) -> Result<(u16, String, String), Vec<u8>> {
    let mut s = TcpStream::connect(server.addr()).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n", server.addr(), body.len());
    if let Some(t) = target {
        req.push_str(&format!("X-Amz-Target: {t}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let Some((head, rest)) = text.split_once("\r\n\r\n") else {
        return Err(raw);
    };
    let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        // Decode chunks; an unterminated chunked body means the connection was dropped.
        let mut out = String::new();
        let mut r = rest;
        loop {
            let Some((size, after)) = r.split_once("\r\n") else {
                return Err(raw);
            };
            let n = usize::from_str_radix(size.trim(), 16).map_err(|_| raw.clone())?;
            if n == 0 {
                break;
            }
            if after.len() < n {
                return Err(raw);
            }
            out.push_str(&after[..n]);
            r = after[n..].trim_start_matches("\r\n");
        }
        out
    } else {
        rest.to_owned()
    };
    Ok((status, head.to_owned(), body))
}

fn api(server: &BackgroundServer, op: &str, body: Value) -> (u16, Value) {
    let (status, _, body) = request(
        server,
        "POST",
        "/",
        Some(&format!("AWSCognitoIdentityProviderService.{op}")),
        &body.to_string(),
    )
    .unwrap();
    (status, serde_json::from_str(&body).unwrap())
}

fn seeded() -> BackgroundServer {
    let mut emu = Emulator::new(EmulatorConfig::default()).unwrap();
    emu.apply_seed(
        &example_seed(),
        cognito_auth_emulator::UnixMillis::from_secs(1_800_000_000),
    )
    .unwrap();
    BackgroundServer::start("127.0.0.1:0", emu).unwrap()
}

const CLIENT: &str = "exampleclient0000000000001";

#[test]
fn errors_have_cognito_shapes_and_statuses() {
    let server = seeded();
    let (status, body) = api(
        &server,
        "InitiateAuth",
        json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "alice", "PASSWORD": "wrong"}}),
    );
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "NotAuthorizedException");
    assert_eq!(body["message"], "Incorrect username or password.");
    let (status, body) = api(&server, "NoSuchOperation", json!({}));
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("UnknownOperationException"))
    );
    let (status, _, body) = request(
        &server,
        "POST",
        "/",
        Some("AWSCognitoIdentityProviderService.GetUser"),
        "{not json",
    )
    .unwrap();
    assert_eq!(status, 400);
    assert!(body.contains("SerializationException"));
    let (status, body) = api(
        &server,
        "InitiateAuth",
        json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}),
    );
    assert_eq!(status, 200);
    assert!(body["AuthenticationResult"]["AccessToken"].is_string());
}

/// Every answer's `Date` is the emulator's clock, not the system's: clients judge identity-pool
/// credentials (an `Expiration`, no issue time) by it.
#[test]
fn the_date_header_is_the_emulators_clock() {
    let server = seeded();
    let (status, _, _) = request(
        &server,
        "POST",
        "/_emulator/clock",
        None,
        r#"{"advance_seconds": 10800}"#,
    )
    .unwrap();
    assert_eq!(status, 200);
    let before = server.shared().now().0 / 1000;
    let (_, head, _) = request(
        &server,
        "POST",
        "/",
        Some("AWSCognitoIdentityProviderService.GetUser"),
        r#"{"AccessToken":"x"}"#,
    )
    .unwrap();
    let after = server.shared().now().0 / 1000;
    let date = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("date: ")
                .or_else(|| l.strip_prefix("Date: "))
        })
        .expect("a Date header");
    assert!(
        (before..=after).any(|s| cognito_auth_emulator::sigv4::http_date(s) == date),
        "Date {date:?} is not the emulator's clock (3 h ahead of the system's)"
    );
}

#[test]
fn clock_offset_expires_tokens() {
    let server = seeded();
    let (_, auth) = api(
        &server,
        "InitiateAuth",
        json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}),
    );
    let at = auth["AuthenticationResult"]["AccessToken"].clone();
    assert_eq!(api(&server, "GetUser", json!({"AccessToken": at})).0, 200);
    let (status, _, clock) = request(
        &server,
        "POST",
        "/_emulator/clock",
        None,
        r#"{"advance_seconds": 3601}"#,
    )
    .unwrap();
    assert_eq!(status, 200);
    let clock: Value = serde_json::from_str(&clock).unwrap();
    assert_eq!(clock["offset_ms"], 3_601_000);
    let (status, body) = api(&server, "GetUser", json!({"AccessToken": at}));
    assert_eq!(
        (status, body["message"].as_str()),
        (400, Some("Access Token has expired"))
    );
}

#[test]
fn outbox_endpoint_shows_delivered_codes() {
    let server = seeded();
    let (status, _) = api(
        &server,
        "SignUp",
        json!({"ClientId": CLIENT, "Username": "newbie", "Password": "Passw0rd!", "UserAttributes": [{"Name": "email", "Value": "n@example.com"}]}),
    );
    assert_eq!(status, 200);
    let (_, _, body) = request(
        &server,
        "GET",
        "/_emulator/outbox?username=newbie",
        None,
        "",
    )
    .unwrap();
    let out: Value = serde_json::from_str(&body).unwrap();
    let code = out["messages"][0]["code"].as_str().unwrap().to_owned();
    assert_eq!(out["messages"][0]["purpose"], "sign_up");
    let (status, _) = api(
        &server,
        "ConfirmSignUp",
        json!({"ClientId": CLIENT, "Username": "newbie", "ConfirmationCode": code}),
    );
    assert_eq!(status, 200);
}

#[test]
fn faults_throttle_fail_and_drop() {
    let server = seeded();
    let set = |rules: Value| {
        request(
            &server,
            "POST",
            "/_emulator/faults",
            None,
            &json!({"seed": 3, "rules": rules}).to_string(),
        )
        .unwrap()
    };
    set(json!([{"operation": "GetUser", "kind": "throttle"}]));
    let (status, body) = api(&server, "GetUser", json!({"AccessToken": "x"}));
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("TooManyRequestsException"))
    );
    // Other operations are untouched.
    assert_eq!(
        api(
            &server,
            "DescribeUserPool",
            json!({"UserPoolId": "us-east-1_Example01"})
        )
        .0,
        200
    );
    set(json!([{"operation": "*", "kind": "server_error"}]));
    let (status, body) = api(&server, "GetUser", json!({"AccessToken": "x"}));
    assert_eq!(
        (status, body["__type"].as_str()),
        (500, Some("InternalErrorException"))
    );
    set(json!([{"operation": "GetUser", "kind": "drop"}]));
    let r = request(
        &server,
        "POST",
        "/",
        Some("AWSCognitoIdentityProviderService.GetUser"),
        "{}",
    );
    assert!(r.is_err(), "expected a dropped connection, got {r:?}");
    request(&server, "DELETE", "/_emulator/faults", None, "").unwrap();
    let (status, body) = api(&server, "GetUser", json!({"AccessToken": "x"}));
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("NotAuthorizedException"))
    );
}

#[test]
fn jwks_and_openid_configuration_at_cognito_paths() {
    let server = seeded();
    let (status, _, body) = request(
        &server,
        "GET",
        "/us-east-1_Example01/.well-known/jwks.json",
        None,
        "",
    )
    .unwrap();
    assert_eq!(status, 200);
    let jwks: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(jwks["keys"][0]["alg"], "RS256");
    let (_, _, body) = request(
        &server,
        "GET",
        "/us-east-1_Example01/.well-known/openid-configuration",
        None,
        "",
    )
    .unwrap();
    let conf: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        conf["issuer"],
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example01"
    );
    assert_eq!(
        request(
            &server,
            "GET",
            "/us-east-1_Nope/.well-known/jwks.json",
            None,
            ""
        )
        .unwrap()
        .0,
        404
    );
}

#[test]
fn browsers_get_cors_preflight_answers() {
    let server = seeded();
    let (status, head, _) = request(&server, "OPTIONS", "/", None, "").unwrap();
    assert_eq!(status, 204);
    assert!(
        head.to_ascii_lowercase()
            .contains("access-control-allow-origin: *"),
        "{head}"
    );
    let (_, head, _) = request(
        &server,
        "POST",
        "/",
        Some("AWSCognitoIdentityProviderService.GetUser"),
        r#"{"AccessToken":"x"}"#,
    )
    .unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("access-control-allow-origin: *"),
        "{head}"
    );
}

#[test]
fn requests_endpoint_lists_served_operations_in_order_and_clears() {
    let server = seeded();
    let signin = json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}});
    let (status, tokens) = api(&server, "InitiateAuth", signin);
    assert_eq!(status, 200);
    let refresh_token = tokens["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh = |token: &str| {
        json!({"ClientId": CLIENT, "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {"REFRESH_TOKEN": token}})
    };
    assert_eq!(api(&server, "InitiateAuth", refresh(&refresh_token)).0, 200);
    assert_eq!(api(&server, "InitiateAuth", refresh("not-a-token")).0, 400);

    let list = |server: &BackgroundServer| -> Value {
        let (status, _, body) = request(server, "GET", "/_emulator/requests", None, "").unwrap();
        assert_eq!(status, 200);
        serde_json::from_str(&body).unwrap()
    };
    let served = list(&server)["requests"].as_array().unwrap().clone();
    let summary: Vec<(String, String, String)> = served
        .iter()
        .map(|r| {
            assert_eq!(r["client_id"], CLIENT);
            assert!(r["at_ms"].is_u64());
            (
                r["operation"].as_str().unwrap().to_owned(),
                r["auth_flow"].as_str().unwrap().to_owned(),
                r["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let row = |flow: &str, result: &str| {
        (
            "InitiateAuth".to_owned(),
            flow.to_owned(),
            result.to_owned(),
        )
    };
    assert_eq!(
        summary,
        vec![
            row("USER_PASSWORD_AUTH", "ok"),
            row("REFRESH_TOKEN_AUTH", "ok"),
            row("REFRESH_TOKEN_AUTH", "NotAuthorizedException"),
        ]
    );
    let body = serde_json::to_string(&served).unwrap();
    assert!(
        !body.contains(&refresh_token),
        "the log must not hold tokens"
    );
    assert!(
        !body.contains("Passw0rd!"),
        "the log must not hold passwords"
    );

    let (status, _, _) = request(&server, "DELETE", "/_emulator/requests", None, "").unwrap();
    assert_eq!(status, 200);
    assert_eq!(list(&server)["requests"], json!([]));
}

/// One request with the given method, path, `Host` and extra header lines; (status, head).
fn raw(
    server: &BackgroundServer,
    method: &str,
    path: &str,
    host: &str,
    extra: &str,
) -> (u16, String) {
    let mut s = TcpStream::connect(server.addr()).unwrap();
    let body = r#"{"AccessToken":"x"}"#;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.GetUser\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let head = text.split("\r\n\r\n").next().unwrap().to_ascii_lowercase();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head)
}

#[test]
fn admin_endpoints_refuse_browsers_and_preflights() {
    let server = seeded();
    let host = server.addr().to_string();
    let (status, head) = raw(
        &server,
        "OPTIONS",
        "/_emulator/outbox",
        &host,
        "Origin: http://page.example\r\nAccess-Control-Request-Method: GET\r\n",
    );
    assert_eq!(status, 403, "{head}");
    assert!(!head.contains("access-control-allow-origin"), "{head}");
    for method in ["GET", "DELETE"] {
        let (status, head) = raw(
            &server,
            method,
            "/_emulator/outbox",
            &host,
            "Origin: http://page.example\r\n",
        );
        assert_eq!(status, 403, "{method}: {head}");
        assert!(!head.contains("access-control-allow-origin"), "{head}");
    }
    let (status, head) = raw(
        &server,
        "POST",
        "/_emulator/clock",
        &host,
        "Origin: null\r\n",
    );
    assert_eq!(status, 403, "{head}");
    // Tools (no Origin) still use them, and get no CORS headers a page could rely on.
    let (status, head) = raw(&server, "GET", "/_emulator/outbox", &host, "");
    assert_eq!(status, 200, "{head}");
    assert!(!head.contains("access-control-allow-origin"), "{head}");
    // The Cognito API itself stays open to browser apps.
    let (status, head) = raw(
        &server,
        "OPTIONS",
        "/",
        &host,
        "Origin: http://page.example\r\n",
    );
    assert_eq!(status, 204, "{head}");
    assert!(head.contains("access-control-allow-origin: *"), "{head}");
}

#[test]
fn a_loopback_server_refuses_other_host_names() {
    let server = seeded();
    let port = server.addr().port();
    for host in ["evil.example", "evil.example:80", "192.168.1.20:9229"] {
        for path in ["/", "/_emulator/outbox"] {
            let method = if path == "/" { "POST" } else { "GET" };
            let (status, head) = raw(&server, method, path, host, "");
            assert_eq!(status, 403, "{host} {path}: {head}");
        }
    }
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        "localhost".to_owned(),
    ] {
        let (status, head) = raw(&server, "GET", "/_emulator/outbox", &host, "");
        assert_eq!(status, 200, "{host}: {head}");
        let (status, head) = raw(&server, "POST", "/", &host, "");
        assert_eq!(status, 400, "{host}: {head}");
    }
}

#[test]
fn client_supplied_numbers_out_of_range_are_refused_not_overflowed() {
    let server = seeded();
    let (_, pools) = api(&server, "ListUserPools", json!({"MaxResults": 10}));
    let pool = pools["UserPools"][0]["Id"].as_str().unwrap().to_owned();
    let client = |extra: Value| {
        let mut body = json!({"UserPoolId": pool, "ClientName": "numbers"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        api(&server, "CreateUserPoolClient", body)
    };
    for bad in [
        json!({"AccessTokenValidity": i64::MAX, "TokenValidityUnits": {"AccessToken": "days"}}),
        json!({"IdTokenValidity": i64::MAX}),
        json!({"RefreshTokenValidity": i64::MAX}),
        json!({"RefreshTokenValidity": -1}),
        json!({"AccessTokenValidity": 4, "TokenValidityUnits": {"AccessToken": "minutes"}}),
        json!({"AccessTokenValidity": 25}),
        json!({"RefreshTokenValidity": 3651}),
        json!({"AccessTokenValidity": 1, "TokenValidityUnits": {"AccessToken": "weeks"}}),
    ] {
        let (status, body) = client(bad.clone());
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["__type"], "InvalidParameterException", "{bad}: {body}");
    }
    for good in [
        json!({"AccessTokenValidity": 5, "TokenValidityUnits": {"AccessToken": "minutes"}}),
        json!({"IdTokenValidity": 24}),
        json!({"RefreshTokenValidity": 3650}),
        json!({"RefreshTokenValidity": 60, "TokenValidityUnits": {"RefreshToken": "minutes"}}),
    ] {
        let (status, body) = client(good.clone());
        assert_eq!(status, 200, "{good}: {body}");
    }
    // "You can't set RefreshTokenValidity to 0. If you do, Amazon Cognito overrides the value
    // with the default value of 30 days" (API reference).
    let (status, body) =
        client(json!({"RefreshTokenValidity": 0, "TokenValidityUnits": {"RefreshToken": "hours"}}));
    assert_eq!(status, 200, "{body}");
    let made = &body["UserPoolClient"];
    assert_eq!(made["RefreshTokenValidity"], 30, "{body}");
    assert_eq!(made["TokenValidityUnits"]["RefreshToken"], "days", "{body}");
}

#[test]
fn an_absurd_srp_timestamp_is_a_parameter_error() {
    let server = seeded();
    for year in ["9223372036854775807", "-9223372036854775808", "99999999999"] {
        // A fresh exchange each time: a refused answer spends its session.
        let (status, challenge) = api(
            &server,
            "InitiateAuth",
            json!({"ClientId": CLIENT, "AuthFlow": "USER_SRP_AUTH",
                "AuthParameters": {"USERNAME": "alice", "SRP_A": "02"}}),
        );
        assert_eq!(status, 200, "{challenge}");
        let block = challenge["ChallengeParameters"]["SECRET_BLOCK"].clone();
        let (status, body) = api(
            &server,
            "RespondToAuthChallenge",
            json!({"ClientId": CLIENT, "ChallengeName": "PASSWORD_VERIFIER",
                "ChallengeResponses": {"USERNAME": "alice", "PASSWORD_CLAIM_SECRET_BLOCK": block,
                    "PASSWORD_CLAIM_SIGNATURE": "AAAA",
                    "TIMESTAMP": format!("Mon Nov 23 15:32:12 UTC {year}")}}),
        );
        assert_eq!(status, 400, "{year}: {body}");
        assert_eq!(body["__type"], "InvalidParameterException", "{body}");
        assert_eq!(body["message"], "TIMESTAMP is not in the expected format");
    }
}

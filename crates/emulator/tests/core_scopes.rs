//! The scope the user's self-service operations require. The API reference of every operation
//! the emulator authorizes with an access token says "It must include the scope
//! `aws.cognito.signin.user.admin`"; Cognito answers a token without it with HTTP 400
//! `NotAuthorizedException` "Access Token does not have required scopes". Tokens from the API's
//! sign-in and refresh always carry the scope; the hosted UI's carry the scopes the authorization
//! request asked for, and every refresh of them keeps exactly those.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cognito_auth_emulator::{decode_unverified, ErrorKind, WebRequest, WebResponse};
use common::World;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

const ADMIN: &str = "aws.cognito.signin.user.admin";
const REFUSED: &str = "Access Token does not have required scopes";
const CALLBACK: &str = "http://127.0.0.1:8123/callback";
const VERIFIER: &str = "scope-verifier-scope-verifier-scope-verifier-0001";
const PASSWORD: &str = "Passw0rd!";

/// A pool with a domain, a public client allowed the API's flows and the hosted UI with
/// `openid`, `email` and the admin scope, and the user `alice`.
fn world() -> World {
    let mut w = World::new(
        json!({}),
        json!({
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "AllowedOAuthFlowsUserPoolClient": true,
            "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["openid", "email", ADMIN],
            "CallbackURLs": [CALLBACK],
            "SupportedIdentityProviders": ["COGNITO"],
        }),
    );
    let pool = w.pool_id.clone();
    w.ok(
        "CreateUserPoolDomain",
        json!({"Domain": "scopes", "UserPoolId": pool}),
    );
    w.user("alice", PASSWORD);
    w
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn web(w: &mut World, request: WebRequest) -> WebResponse {
    let now = w.now;
    w.emu.handle_web(&request, now)
}

fn json_of(r: &WebResponse) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {}", r.body))
}

/// The hosted UI's code flow with PKCE, asking for `scope`: the login form, the code at the
/// callback, the token endpoint's answer.
fn hosted_ui_tokens(w: &mut World, scope: &str) -> Value {
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let client = w.client_id.clone();
    let query = pairs(&[
        ("response_type", "code"),
        ("client_id", &client),
        ("redirect_uri", CALLBACK),
        ("scope", scope),
        ("state", "st"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    let page = web(
        w,
        WebRequest {
            method: "GET".into(),
            path: "/login".into(),
            query: query.clone(),
            ..Default::default()
        },
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| v.split(';').next()?.strip_prefix("XSRF-TOKEN="))
        .next()
        .expect("the form's XSRF-TOKEN cookie")
        .to_owned();
    let signed_in = web(
        w,
        WebRequest {
            method: "POST".into(),
            path: "/login".into(),
            query,
            form: pairs(&[
                ("username", "alice"),
                ("password", PASSWORD),
                ("_csrf", &csrf),
            ]),
            cookies: pairs(&[("XSRF-TOKEN", &csrf)]),
            ..Default::default()
        },
    );
    let location = signed_in.header("location").expect("a redirect").to_owned();
    let code = form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no code in {location}"));
    let r = web(
        w,
        WebRequest {
            method: "POST".into(),
            path: "/oauth2/token".into(),
            form: pairs(&[
                ("grant_type", "authorization_code"),
                ("client_id", &client),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ]),
            ..Default::default()
        },
    );
    assert_eq!(r.status, 200, "{}", r.body);
    json_of(&r)
}

fn scope_of(access_token: &Value) -> String {
    decode_unverified(access_token.as_str().unwrap()).unwrap()["scope"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Asserts that `op` refused `body` for want of the scope, exactly as Cognito does.
fn assert_refused(w: &mut World, op: &str, body: Value) {
    let e = w
        .call(op, body)
        .expect_err(&format!("{op} must refuse a token without {ADMIN}"));
    assert_eq!(
        (e.kind, e.kind.http_status(), e.message.as_str()),
        (ErrorKind::NotAuthorized, 400, REFUSED),
        "{op}"
    );
}

/// Every self-service operation the emulator serves, with parameters it would accept.
fn self_service_calls(token: &Value) -> Vec<(&'static str, Value)> {
    let t = token.clone();
    let verifier = json!({"PasswordVerifier": "AAAA", "Salt": "AAAA"});
    vec![
        ("GetUser", json!({"AccessToken": t})),
        ("GetUserAuthFactors", json!({"AccessToken": t})),
        (
            "UpdateUserAttributes",
            json!({"AccessToken": t, "UserAttributes": [{"Name": "name", "Value": "Al"}]}),
        ),
        (
            "DeleteUserAttributes",
            json!({"AccessToken": t, "UserAttributeNames": ["email"]}),
        ),
        (
            "GetUserAttributeVerificationCode",
            json!({"AccessToken": t, "AttributeName": "email"}),
        ),
        (
            "VerifyUserAttribute",
            json!({"AccessToken": t, "AttributeName": "email", "Code": "123456"}),
        ),
        (
            "ChangePassword",
            json!({"AccessToken": t, "PreviousPassword": PASSWORD, "ProposedPassword": "N3w-Passw0rd!"}),
        ),
        (
            "SetUserMFAPreference",
            json!({"AccessToken": t, "SoftwareTokenMfaSettings": {"Enabled": false}}),
        ),
        ("AssociateSoftwareToken", json!({"AccessToken": t})),
        (
            "VerifySoftwareToken",
            json!({"AccessToken": t, "UserCode": "123456"}),
        ),
        (
            "ConfirmDevice",
            json!({"AccessToken": t, "DeviceKey": "us-east-1_d", "DeviceSecretVerifierConfig": verifier}),
        ),
        ("ListDevices", json!({"AccessToken": t})),
        (
            "GetDevice",
            json!({"AccessToken": t, "DeviceKey": "us-east-1_d"}),
        ),
        (
            "UpdateDeviceStatus",
            json!({"AccessToken": t, "DeviceKey": "us-east-1_d", "DeviceRememberedStatus": "remembered"}),
        ),
        (
            "ForgetDevice",
            json!({"AccessToken": t, "DeviceKey": "us-east-1_d"}),
        ),
        ("GlobalSignOut", json!({"AccessToken": t})),
        ("DeleteUser", json!({"AccessToken": t})),
    ]
}

#[test]
fn a_hosted_ui_token_without_the_admin_scope_is_refused_by_every_self_service_operation() {
    let mut w = world();
    let tokens = hosted_ui_tokens(&mut w, "openid email");
    let access = tokens["access_token"].clone();
    assert_eq!(scope_of(&access), "openid email");
    for (op, body) in self_service_calls(&access) {
        assert_refused(&mut w, op, body);
    }
    // Nothing was done: alice, her password, her email and her tokens are as they were.
    let pool = w.pool_id.clone();
    let alice = w.ok(
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "alice"}),
    );
    let email = alice["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["Name"] == "email");
    assert!(email, "{alice}");
    assert!(w.password_auth("alice", PASSWORD).is_ok());
    // The token is still good for what its scopes allow: the userInfo endpoint (`openid`).
    let info = web(
        &mut w,
        WebRequest {
            method: "GET".into(),
            path: "/oauth2/userInfo".into(),
            authorization: Some(format!("Bearer {}", access.as_str().unwrap())),
            ..Default::default()
        },
    );
    assert_eq!(info.status, 200, "{}", info.body);
    assert_eq!(json_of(&info)["email"], json!("alice@example.com"));
}

#[test]
fn a_hosted_ui_token_with_the_admin_scope_works() {
    let mut w = world();
    let tokens = hosted_ui_tokens(&mut w, &format!("openid email {ADMIN}"));
    let access = tokens["access_token"].clone();
    assert_eq!(scope_of(&access), format!("openid email {ADMIN}"));
    let user = w.ok("GetUser", json!({"AccessToken": access}));
    assert_eq!(user["Username"], json!("alice"));
    w.ok("ListDevices", json!({"AccessToken": access}));
    w.ok(
        "UpdateUserAttributes",
        json!({"AccessToken": access, "UserAttributes": [{"Name": "name", "Value": "Al"}]}),
    );
}

#[test]
fn an_initiate_auth_token_carries_the_admin_scope_and_works() {
    let mut w = world();
    let result = w.tokens("alice", PASSWORD);
    assert_eq!(scope_of(&result["AccessToken"]), ADMIN);
    let user = w.ok("GetUser", json!({"AccessToken": result["AccessToken"]}));
    assert_eq!(user["Username"], json!("alice"));
    // And so does a refresh of it.
    let client = w.client_id.clone();
    let refreshed = w.ok(
        "InitiateAuth",
        json!({"ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH",
               "AuthParameters": {"REFRESH_TOKEN": result["RefreshToken"]}}),
    )["AuthenticationResult"]["AccessToken"]
        .clone();
    assert_eq!(scope_of(&refreshed), ADMIN);
    w.ok("GetUser", json!({"AccessToken": refreshed}));
}

/// A refresh keeps the hosted-UI grant's scopes on every path: it never adds the admin scope
/// the sign-in did not ask for, nor drops it when it did.
#[test]
fn every_refresh_of_a_hosted_ui_session_keeps_its_scopes() {
    let mut w = world();
    let client = w.client_id.clone();
    for (scope, allowed) in [
        ("openid email".to_owned(), false),
        (format!("openid {ADMIN}"), true),
    ] {
        let tokens = hosted_ui_tokens(&mut w, &scope);
        let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
        let by_endpoint = web(
            &mut w,
            WebRequest {
                method: "POST".into(),
                path: "/oauth2/token".into(),
                form: pairs(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", &client),
                    ("refresh_token", &refresh_token),
                ]),
                ..Default::default()
            },
        );
        assert_eq!(by_endpoint.status, 200, "{}", by_endpoint.body);
        let by_initiate_auth = w.ok(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH",
                   "AuthParameters": {"REFRESH_TOKEN": refresh_token}}),
        );
        let by_get_tokens = w.ok(
            "GetTokensFromRefreshToken",
            json!({"ClientId": client, "RefreshToken": refresh_token}),
        );
        for access in [
            json_of(&by_endpoint)["access_token"].clone(),
            by_initiate_auth["AuthenticationResult"]["AccessToken"].clone(),
            by_get_tokens["AuthenticationResult"]["AccessToken"].clone(),
        ] {
            assert_eq!(scope_of(&access), scope);
            let body = json!({"AccessToken": access});
            if allowed {
                w.ok("GetUser", body);
            } else {
                assert_refused(&mut w, "GetUser", body);
            }
        }
    }
}

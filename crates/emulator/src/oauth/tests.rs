//! The hosted UI and OAuth endpoints through [`Emulator::handle_web`], as a browser and an app
//! would use them.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use super::{WebRequest, WebResponse};
use crate::state::{Emulator, EmulatorConfig};
use crate::time::UnixMillis;
use crate::USER_POOL_PREFIX;

const NOW: UnixMillis = UnixMillis(1_800_000_000_000);
const CALLBACK: &str = "http://127.0.0.1:8123/callback";
const SIGN_OUT: &str = "http://127.0.0.1:8123/signed-out";
const VERIFIER: &str = "verifier-verifier-verifier-verifier-verifier-0001";

struct World {
    emu: Emulator,
    pool_id: String,
    public: String,
    confidential: String,
    secret: String,
}

fn op(emu: &mut Emulator, name: &str, body: Value) -> Result<Value, crate::error::ApiError> {
    emu.handle(&format!("{USER_POOL_PREFIX}{name}"), &body, NOW)
}

fn oauth_client(pool_id: &str, name: &str, secret: bool) -> Value {
    json!({
        "UserPoolId": pool_id, "ClientName": name, "GenerateSecret": secret,
        "AllowedOAuthFlowsUserPoolClient": true,
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email", "aws.cognito.signin.user.admin"],
        "CallbackURLs": [CALLBACK], "LogoutURLs": [SIGN_OUT],
        "SupportedIdentityProviders": ["COGNITO"],
    })
}

fn world() -> World {
    let mut emu = Emulator::new(EmulatorConfig::default()).unwrap();
    let pool = op(&mut emu, "CreateUserPool", json!({"PoolName": "p"})).unwrap();
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    let public = op(
        &mut emu,
        "CreateUserPoolClient",
        oauth_client(&pool_id, "spa", false),
    )
    .unwrap();
    let public = public["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let conf = op(
        &mut emu,
        "CreateUserPoolClient",
        oauth_client(&pool_id, "web", true),
    )
    .unwrap();
    let confidential = conf["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret = conf["UserPoolClient"]["ClientSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    op(
        &mut emu,
        "CreateUserPoolDomain",
        json!({"Domain": "myapp", "UserPoolId": pool_id}),
    )
    .unwrap();
    op(
        &mut emu,
        "AdminCreateUser",
        json!({
            "UserPoolId": pool_id, "Username": "alice", "MessageAction": "SUPPRESS",
            "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}],
        }),
    )
    .unwrap();
    op(
        &mut emu,
        "AdminSetUserPassword",
        json!({
            "UserPoolId": pool_id, "Username": "alice", "Password": "Passw0rd!", "Permanent": true,
        }),
    )
    .unwrap();
    World {
        emu,
        pool_id,
        public,
        confidential,
        secret,
    }
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn get(path: &str, query: &[(&str, &str)]) -> WebRequest {
    WebRequest {
        method: "GET".into(),
        path: path.into(),
        query: pairs(query),
        ..Default::default()
    }
}

fn post(path: &str, form: &[(&str, &str)]) -> WebRequest {
    WebRequest {
        method: "POST".into(),
        path: path.into(),
        form: pairs(form),
        ..Default::default()
    }
}

fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

fn authorize_query(client_id: &str) -> Vec<(String, String)> {
    pairs(&[
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", CALLBACK),
        ("scope", "openid email"),
        ("state", "st-1"),
        ("code_challenge", &challenge()),
        ("code_challenge_method", "S256"),
    ])
}

/// `(name, value)` pairs of a redirect's query.
fn location_query(r: &WebResponse) -> Vec<(String, String)> {
    let loc = r
        .header("location")
        .unwrap_or_else(|| panic!("no redirect: {r:?} {}", r.body));
    let q = loc.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    super::param(pairs, name)
}

fn set_cookie(r: &WebResponse, name: &str) -> Option<String> {
    r.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| v.split(';').next()?.split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

/// Posts the login form for `query` with the given password; returns the answer.
fn login(w: &mut World, query: &[(String, String)], password: &str) -> WebResponse {
    let page = w.emu.handle_web(
        &WebRequest {
            query: query.to_vec(),
            ..get("/login", &[])
        },
        NOW,
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = set_cookie(&page, "XSRF-TOKEN").expect("csrf cookie");
    assert!(page.body.contains(&format!("value=\"{csrf}\"")));
    let mut req = post(
        "/login",
        &[
            ("username", "alice"),
            ("password", password),
            ("_csrf", &csrf),
        ],
    );
    req.query = query.to_vec();
    req.cookies = pairs(&[("XSRF-TOKEN", &csrf)]);
    w.emu.handle_web(&req, NOW)
}

fn code_for(w: &mut World, client_id: &str) -> String {
    let r = login(w, &authorize_query(client_id), "Passw0rd!");
    assert_eq!(r.status, 302, "{}", r.body);
    let q = location_query(&r);
    assert_eq!(value(&q, "state"), Some("st-1"));
    value(&q, "code").expect("a code").to_owned()
}

fn exchange(w: &mut World, client_id: &str, code: &str, verifier: &str) -> WebResponse {
    w.emu.handle_web(
        &post(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", client_id),
                ("code", code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", verifier),
            ],
        ),
        NOW,
    )
}

fn body(r: &WebResponse) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {}", r.body))
}

#[test]
fn client_settings_are_checked_like_cognito() {
    let mut w = world();
    let pool_id = w.pool_id.clone();
    for (field, bad) in [
        ("AllowedOAuthFlows", json!(["password"])),
        ("AllowedOAuthScopes", json!(["openid", "admin"])),
        ("CallbackURLs", json!(["http://app.example.com/cb"])),
        ("LogoutURLs", json!(["https://app.example.com/out#frag"])),
        ("SupportedIdentityProviders", json!(["Google"])),
    ] {
        let mut req = oauth_client(&pool_id, "bad", false);
        req[field] = bad;
        let err = op(&mut w.emu, "CreateUserPoolClient", req).unwrap_err();
        assert_eq!(err.kind.name(), "InvalidParameterException", "{field}");
    }
    let mut no_scopes = oauth_client(&pool_id, "bad", false);
    no_scopes
        .as_object_mut()
        .unwrap()
        .remove("AllowedOAuthScopes");
    assert!(op(&mut w.emu, "CreateUserPoolClient", no_scopes).is_err());
}

#[test]
fn domains_are_created_described_and_deleted() {
    let mut w = world();
    let d = op(
        &mut w.emu,
        "DescribeUserPoolDomain",
        json!({"Domain": "myapp"}),
    )
    .unwrap();
    assert_eq!(d["DomainDescription"]["UserPoolId"], json!(w.pool_id));
    assert_eq!(d["DomainDescription"]["Status"], json!("ACTIVE"));
    let taken = op(
        &mut w.emu,
        "CreateUserPoolDomain",
        json!({"Domain": "myapp", "UserPoolId": w.pool_id}),
    );
    assert!(taken.is_err());
    let reserved = op(
        &mut w.emu,
        "CreateUserPoolDomain",
        json!({"Domain": "my-cognito", "UserPoolId": w.pool_id}),
    );
    assert!(reserved.is_err());
    op(
        &mut w.emu,
        "DeleteUserPoolDomain",
        json!({"Domain": "myapp", "UserPoolId": w.pool_id}),
    )
    .unwrap();
    let gone = op(
        &mut w.emu,
        "DescribeUserPoolDomain",
        json!({"Domain": "myapp"}),
    )
    .unwrap();
    assert_eq!(gone, json!({"DomainDescription": {}}));
    // Without a domain there is no hosted UI.
    let r = w.emu.handle_web(
        &WebRequest {
            query: authorize_query(&w.public.clone()),
            ..get("/oauth2/authorize", &[])
        },
        NOW,
    );
    assert!(r.header("location").unwrap().starts_with("/error?"));
}

#[test]
fn authorize_never_redirects_to_an_unregistered_uri() {
    let mut w = world();
    let mut q = authorize_query(&w.public);
    q[2].1 = "http://127.0.0.1:9999/elsewhere".into();
    let r = w.emu.handle_web(
        &WebRequest {
            query: q,
            ..get("/oauth2/authorize", &[])
        },
        NOW,
    );
    let loc = r.header("location").unwrap();
    assert!(loc.starts_with("/error?error=redirect_mismatch"), "{loc}");
    let page = w
        .emu
        .handle_web(&get("/error", &[("error", "redirect_mismatch")]), NOW);
    assert_eq!(page.status, 400);
    let unknown = w.emu.handle_web(
        &WebRequest {
            query: authorize_query("nosuchclient"),
            ..get("/oauth2/authorize", &[])
        },
        NOW,
    );
    assert!(unknown.header("location").unwrap().starts_with("/error?"));
}

#[test]
fn authorize_errors_go_back_to_the_callback_with_the_state() {
    let mut w = world();
    let cases: [(&str, Option<&str>, &str); 5] = [
        ("code_challenge", None, "invalid_request"),
        ("code_challenge_method", Some("plain"), "invalid_request"),
        ("scope", Some("openid phone"), "invalid_scope"),
        ("response_type", Some("token"), "unauthorized_client"),
        ("identity_provider", Some("Google"), "invalid_request"),
    ];
    for (name, replacement, error) in cases {
        let mut q = authorize_query(&w.public);
        match replacement {
            Some(v) => {
                q.retain(|(k, _)| k != name);
                q.push((name.to_owned(), v.to_owned()));
            }
            None => q.retain(|(k, _)| k != name),
        }
        let r = w.emu.handle_web(
            &WebRequest {
                query: q,
                ..get("/oauth2/authorize", &[])
            },
            NOW,
        );
        let loc = r.header("location").unwrap();
        assert!(loc.starts_with(CALLBACK), "{name}: {loc}");
        let q = location_query(&r);
        assert_eq!(value(&q, "error"), Some(error), "{name}");
        assert_eq!(value(&q, "state"), Some("st-1"));
        assert_eq!(value(&q, "code"), None);
    }
    // PKCE is optional in Cognito, for clients with or without a secret (Authorize endpoint:
    // `code_challenge_method` optional, `code_challenge` required only with it).
    for client in [w.confidential.clone(), w.public.clone()] {
        let mut q = authorize_query(&client);
        q.retain(|(k, _)| !k.starts_with("code_challenge"));
        let r = w.emu.handle_web(
            &WebRequest {
                query: q,
                ..get("/oauth2/authorize", &[])
            },
            NOW,
        );
        let loc = r.header("location").unwrap();
        assert!(loc.starts_with("/login?"), "{client}: {loc}");
    }
}

#[test]
fn a_wrong_password_shows_the_form_again_and_no_code() {
    let mut w = world();
    let query = authorize_query(&w.public);
    let r = login(&mut w, &query, "wrong");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("location"), None);
    assert!(
        r.body.contains("Incorrect username or password."),
        "{}",
        r.body
    );
    assert!(w.emu.oauth.codes.is_empty());
    // A form posted without its CSRF cookie is refused too.
    let mut req = post(
        "/login",
        &[
            ("username", "alice"),
            ("password", "Passw0rd!"),
            ("_csrf", "x"),
        ],
    );
    req.query = authorize_query(&w.public);
    let r = w.emu.handle_web(&req, NOW);
    assert_eq!((r.status, r.header("location")), (200, None));
}

#[test]
fn the_code_flow_with_pkce_gives_scoped_tokens_once() {
    let mut w = world();
    let public = w.public.clone();
    let code = code_for(&mut w, &public);
    let r = exchange(&mut w, &public, &code, VERIFIER);
    assert_eq!(r.status, 200, "{}", r.body);
    let tokens = body(&r);
    let access = w
        .emu
        .signer
        .verify(tokens["access_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(access["scope"], json!("openid email"));
    assert_eq!(access["client_id"], json!(public));
    let id = w
        .emu
        .signer
        .verify(tokens["id_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(id["aud"], json!(public));
    assert!(tokens["refresh_token"].is_string());
    assert_eq!(tokens["token_type"], json!("Bearer"));
    // Single use.
    let again = exchange(&mut w, &public, &code, VERIFIER);
    assert_eq!(body(&again)["error"], json!("invalid_grant"));
}

#[test]
fn hosted_ui_tokens_carry_the_group_claims() {
    let mut w = world();
    let pool_id = w.pool_id.clone();
    let role = "arn:aws:iam::123456789012:role/admins";
    op(
        &mut w.emu,
        "CreateGroup",
        json!({"UserPoolId": pool_id, "GroupName": "admins", "RoleArn": role}),
    )
    .unwrap();
    op(
        &mut w.emu,
        "AdminAddUserToGroup",
        json!({"UserPoolId": pool_id, "Username": "alice", "GroupName": "admins"}),
    )
    .unwrap();
    let public = w.public.clone();
    let code = code_for(&mut w, &public);
    let tokens = body(&exchange(&mut w, &public, &code, VERIFIER));
    let claims = |k: &str| w.emu.signer.verify(tokens[k].as_str().unwrap()).unwrap();
    let (id, access) = (claims("id_token"), claims("access_token"));
    assert_eq!(id["cognito:groups"], json!(["admins"]));
    assert_eq!(id["cognito:roles"], json!([role]));
    assert_eq!(id["cognito:preferred_role"], json!(role));
    assert_eq!(access["cognito:groups"], json!(["admins"]));
    assert!(access.get("cognito:preferred_role").is_none());
}

#[test]
fn codes_need_the_verifier_the_redirect_uri_and_time() {
    let mut w = world();
    let public = w.public.clone();
    let code = code_for(&mut w, &public);
    let wrong = exchange(
        &mut w,
        &public,
        &code,
        "another-verifier-another-verifier-another-00",
    );
    assert_eq!(body(&wrong)["error"], json!("invalid_grant"));
    // The failed attempt spent the code.
    assert_eq!(
        body(&exchange(&mut w, &public, &code, VERIFIER))["error"],
        json!("invalid_grant")
    );

    let code = code_for(&mut w, &public);
    let r = w.emu.handle_web(
        &post(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &public),
                ("code", &code),
                ("redirect_uri", SIGN_OUT),
                ("code_verifier", VERIFIER),
            ],
        ),
        NOW,
    );
    assert_eq!(body(&r)["error"], json!("invalid_grant"));

    let code = code_for(&mut w, &public);
    let later = NOW.plus_secs(301);
    let r = w.emu.handle_web(
        &post(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &public),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
        ),
        later,
    );
    assert_eq!(body(&r)["error"], json!("invalid_grant"));
    let r = w.emu.handle_web(
        &post(
            "/oauth2/token",
            &[("grant_type", "password"), ("client_id", &public)],
        ),
        NOW,
    );
    assert_eq!(body(&r)["error"], json!("unsupported_grant_type"));
}

#[test]
fn a_client_with_a_secret_authenticates_with_basic() {
    let mut w = world();
    let client = w.confidential.clone();
    let code = code_for(&mut w, &client);
    let without = exchange(&mut w, &client, &code, VERIFIER);
    assert_eq!(
        (without.status, body(&without)["error"].clone()),
        (400, json!("invalid_client"))
    );

    let code = code_for(&mut w, &client);
    let mut req = post(
        "/oauth2/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ],
    );
    req.authorization = Some(format!(
        "Basic {}",
        STANDARD.encode(format!("{client}:wrong"))
    ));
    let r = w.emu.handle_web(&req, NOW);
    assert_eq!(
        (r.status, body(&r)["error"].clone()),
        (401, json!("invalid_client"))
    );
    assert!(r.header("www-authenticate").is_some());

    let code = code_for(&mut w, &client);
    req.form[1].1 = code;
    req.authorization = Some(format!(
        "Basic {}",
        STANDARD.encode(format!("{client}:{}", w.secret))
    ));
    let r = w.emu.handle_web(&req, NOW);
    assert_eq!(r.status, 200, "{}", r.body);
    let refresh = body(&r)["refresh_token"].as_str().unwrap().to_owned();

    // Refresh keeps the granted scopes; a revoked refresh token is an invalid grant.
    let mut refresh_req = post(
        "/oauth2/token",
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    );
    refresh_req.authorization = req.authorization.clone();
    let r = w.emu.handle_web(&refresh_req, NOW);
    let access = w
        .emu
        .signer
        .verify(body(&r)["access_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(access["scope"], json!("openid email"));
    assert!(body(&r).get("refresh_token").is_none());
    let mut revoke = post("/oauth2/revoke", &[("token", &refresh)]);
    revoke.authorization = req.authorization.clone();
    assert_eq!(w.emu.handle_web(&revoke, NOW).status, 200);
    assert_eq!(
        body(&w.emu.handle_web(&refresh_req, NOW))["error"],
        json!("invalid_grant")
    );
}

#[test]
fn user_info_answers_an_openid_access_token() {
    let mut w = world();
    let public = w.public.clone();
    let code = code_for(&mut w, &public);
    let tokens = body(&exchange(&mut w, &public, &code, VERIFIER));
    let mut req = get("/oauth2/userInfo", &[]);
    req.authorization = Some(format!(
        "Bearer {}",
        tokens["access_token"].as_str().unwrap()
    ));
    let r = w.emu.handle_web(&req, NOW);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(body(&r)["username"], json!("alice"));
    assert_eq!(body(&r)["email"], json!("alice@example.com"));
    req.authorization = Some("Bearer not-a-token".into());
    let r = w.emu.handle_web(&req, NOW);
    assert_eq!(
        (r.status, body(&r)["error"].clone()),
        (401, json!("invalid_token"))
    );
}

#[test]
fn the_session_cookie_skips_the_form_until_logout() {
    let mut w = world();
    let public = w.public.clone();
    let r = login(&mut w, &authorize_query(&public), "Passw0rd!");
    let sid = set_cookie(&r, "cognito").expect("session cookie");
    let mut again = WebRequest {
        query: authorize_query(&public),
        ..get("/oauth2/authorize", &[])
    };
    again.cookies = pairs(&[("cognito", &sid)]);
    let r = w.emu.handle_web(&again, NOW);
    assert!(value(&location_query(&r), "code").is_some());

    let mut out = get(
        "/logout",
        &[
            ("client_id", &public),
            ("logout_uri", "https://evil.example/"),
        ],
    );
    out.cookies = again.cookies.clone();
    let r = w.emu.handle_web(&out, NOW);
    assert_eq!((r.status, r.header("location")), (400, None));
    out.query = pairs(&[("client_id", &public), ("logout_uri", SIGN_OUT)]);
    let r = w.emu.handle_web(&out, NOW);
    assert_eq!(r.header("location"), Some(SIGN_OUT));
    assert_eq!(set_cookie(&r, "cognito").as_deref(), Some(""));
    let r = w.emu.handle_web(&again, NOW);
    assert!(r.header("location").unwrap().starts_with("/login?"));
}

/// The developer guide ("Refresh tokens", OAuth token endpoint): with refresh-token rotation,
/// the `refresh_token` grant also issues a new refresh token; the submitted one stays valid for
/// `RetryGracePeriodSeconds` from its first use (RefreshTokenRotationType), then is refused.
#[test]
fn the_refresh_grant_rotates_on_a_rotating_client_with_a_grace_period() {
    let mut w = world();
    let mut settings = oauth_client(&w.pool_id, "rotating", false);
    settings["RefreshTokenRotation"] = json!({"Feature": "ENABLED", "RetryGracePeriodSeconds": 10});
    let created = op(&mut w.emu, "CreateUserPoolClient", settings).unwrap();
    let client = created["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let code = code_for(&mut w, &client);
    let first = body(&exchange(&mut w, &client, &code, VERIFIER));
    let old = first["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |w: &mut World, token: &str, at: UnixMillis| {
        w.emu.handle_web(
            &post(
                "/oauth2/token",
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", &client),
                    ("refresh_token", token),
                ],
            ),
            at,
        )
    };

    let r = refresh(&mut w, &old, NOW);
    assert_eq!(r.status, 200, "{}", r.body);
    let rotated = body(&r);
    let new = rotated["refresh_token"]
        .as_str()
        .expect("a new refresh token");
    assert_ne!(new, old);
    let access = w
        .emu
        .signer
        .verify(rotated["access_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(access["scope"], json!("openid email"), "scopes kept");

    // Within the grace period the old token still works (a client-side retry); the grace
    // period runs from its first use, so a retry does not extend it.
    let r = refresh(&mut w, &old, NOW.plus_secs(9));
    assert_eq!(r.status, 200, "{}", r.body);
    let r = refresh(&mut w, &old, NOW.plus_secs(10));
    assert_eq!(
        (r.status, body(&r)["error"].clone()),
        (400, json!("invalid_grant"))
    );
    // The new one works, and rotates in turn.
    let r = refresh(&mut w, new, NOW.plus_secs(10));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(body(&r)["refresh_token"].is_string());
}

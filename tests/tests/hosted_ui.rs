//! End to end: the hosted UI in a real browser. The engine produces the authorization URL,
//! headless Chromium (driven through chromedriver with fantoccini) fills the emulator's login
//! form, the redirect reaches the engine's loopback listener, and the engine ends signed in with
//! working AWS credentials and the user's own operations (GetUser). Also: a confidential client
//! (HTTP Basic at the token endpoint), a wrong password (the form again, no code), an app that
//! does not ask for `aws.cognito.signin.user.admin` (signed in, GetUser refused), and a forged
//! `state` (refused).
//!
//! Needs Debian's `chromium` and `chromium-driver` (installed by `.ci/run`); fails, never skips,
//! without them. The browser talks only to 127.0.0.1: name resolution is mapped away and
//! background networking is off.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use cognito_auth_tests as common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use cognito_auth::machine::config::{IdentityPoolConfig, OAuthConfig, UserPoolConfig};
use cognito_auth::machine::AuthFlow;
use cognito_auth::web_ui::{BrowserSignIn, BrowserSignInError};
use cognito_auth::{
    account, AppError, Auth, Config, Error, FetchOptions, Secret, SignInStep, UserError, UserState,
    WebUiSignInOptions,
};
use cognito_auth_emulator::{Emulator, EmulatorConfig, UnixMillis};
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

const POOL_ID: &str = "us-east-1_HostedUi01";
const PUBLIC_CLIENT: &str = "hosteduipublicclient000001";
const SECRET_CLIENT: &str = "hosteduisecretclient000001";
const CLIENT_SECRET: &str = "hosteduiclientsecret0000000000000000000000000000001";
const IDENTITY_POOL_ID: &str = "us-east-1:00000000-0000-4000-8000-0000000ab001";
const DOMAIN: &str = "hostedui-e2e";
const SCOPES: [&str; 3] = ["openid", "email", "aws.cognito.signin.user.admin"];

struct World {
    server: cognito_auth_emulator::http::Server,
    callback: String,
    sign_out: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free local port")
}

fn client_json(
    id: &str,
    secret: Option<&str>,
    callback: &str,
    sign_out: &str,
) -> serde_json::Value {
    let mut c = serde_json::json!({
        "ClientId": id,
        "ClientName": id,
        "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "AllowedOAuthFlowsUserPoolClient": true,
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": SCOPES,
        "CallbackURLs": [callback],
        "LogoutURLs": [sign_out],
        "SupportedIdentityProviders": ["COGNITO"],
    });
    if let Some(s) = secret {
        c["ClientSecret"] = serde_json::json!(s);
    }
    c
}

/// The emulator with one pool, a public and a confidential hosted-UI client whose callback is
/// a loopback port, the user `alice`, an identity pool trusting both clients, and a domain
/// created through the AWS SDK.
async fn start_world() -> World {
    let port = free_port();
    let callback = format!("http://127.0.0.1:{port}/callback");
    let sign_out = format!("http://127.0.0.1:{port}/signed-out");
    let provider = format!("cognito-idp.us-east-1.amazonaws.com/{POOL_ID}");
    let seed = serde_json::json!({
        "seed": 15,
        "region": "us-east-1",
        "user_pools": [{
            "Id": POOL_ID,
            "PoolName": "hosted-ui",
            "Clients": [
                client_json(PUBLIC_CLIENT, None, &callback, &sign_out),
                client_json(SECRET_CLIENT, Some(CLIENT_SECRET), &callback, &sign_out),
            ],
            "Users": [{
                "Username": "alice",
                "Password": "Passw0rd!",
                "Status": "CONFIRMED",
                "Attributes": {"email": "alice@example.com", "email_verified": "true"}
            }]
        }],
        "identity_pools": [{
            "IdentityPoolId": IDENTITY_POOL_ID,
            "IdentityPoolName": "hosted-ui",
            "AllowUnauthenticatedIdentities": false,
            "CognitoIdentityProviders": [
                {"ProviderName": provider, "ClientId": PUBLIC_CLIENT},
                {"ProviderName": provider, "ClientId": SECRET_CLIENT}
            ],
            "Roles": {"authenticated": common::EMU_AUTH_ROLE}
        }]
    });
    let mut emulator = Emulator::new(EmulatorConfig {
        seed: 15,
        ..EmulatorConfig::default()
    })
    .expect("emulator");
    let now = cognito_auth_emulator::http::system_now();
    emulator.apply_seed(&seed, UnixMillis(now.0)).expect("seed");
    let server = cognito_auth_emulator::http::serve("127.0.0.1:0", emulator)
        .await
        .expect("serve");
    common::admin_client(&server.endpoint())
        .create_user_pool_domain()
        .domain(DOMAIN)
        .user_pool_id(POOL_ID)
        .send()
        .await
        .expect("CreateUserPoolDomain");
    World {
        server,
        callback,
        sign_out,
    }
}

impl World {
    /// An engine for `client_id`, reaching the hosted UI on the emulator's port (the
    /// configuration's custom endpoints, as for a provider other than Cognito's own domain).
    fn auth(&self, client_id: &str, secret: Option<&str>) -> Auth {
        self.auth_with_scopes(client_id, secret, &SCOPES)
    }

    /// The same engine configured to ask the hosted UI for `scopes`.
    fn auth_with_scopes(&self, client_id: &str, secret: Option<&str>, scopes: &[&str]) -> Auth {
        let endpoint = self.server.endpoint();
        let config = Config {
            user_pool: Some(UserPoolConfig {
                pool_id: POOL_ID.to_owned(),
                app_client_id: client_id.to_owned(),
                app_client_secret: secret.map(|s| Secret::new(s.to_owned())),
                region: "us-east-1".to_owned(),
                auth_flow: AuthFlow::UserSrpAuth,
            }),
            identity_pool: Some(IdentityPoolConfig {
                pool_id: IDENTITY_POOL_ID.to_owned(),
                region: "us-east-1".to_owned(),
                allow_guest: false,
            }),
            oauth: Some(OAuthConfig {
                web_domain: format!("{DOMAIN}.auth.us-east-1.amazoncognito.com"),
                app_client_id: client_id.to_owned(),
                app_client_secret: secret.map(|s| Secret::new(s.to_owned())),
                sign_in_redirect_uri: self.callback.clone(),
                sign_out_redirect_uri: Some(self.sign_out.clone()),
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
                token_uri: Some(format!("{endpoint}/oauth2/token")),
                sign_in_uri: Some(format!("{endpoint}/oauth2/authorize")),
                sign_out_uri: Some(format!("{endpoint}/logout")),
                sign_out_uri_query_parameters: Default::default(),
                sign_in_uri_query_parameters: Default::default(),
                token_uri_query_parameters: Default::default(),
            }),
            tuning: Default::default(),
        };
        Auth::builder()
            .config(config)
            .endpoint_url(endpoint)
            .build()
            .expect("engine")
    }
}

fn on_path(name: &str) -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "`{name}` is not on PATH: the hosted-UI end-to-end test needs Debian's chromium \
                 and chromium-driver (apt-get install -y chromium chromium-driver; .ci/run does it)"
            )
        })
}

struct Browser {
    client: Client,
    _driver: Child,
}

/// Starts chromedriver on a free loopback port and a headless Chromium session through it.
async fn start_browser() -> Browser {
    let chromium = on_path("chromium");
    let chromedriver = on_path("chromedriver");
    let port = free_port();
    let driver = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {}: {e}", chromedriver.display()));
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-domain-reliability", "--disable-client-side-phishing-detection",
                "--no-pings", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            ]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!("a JSON object")
    };
    let url = format!("http://127.0.0.1:{port}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Browser {
                    client,
                    _driver: driver,
                }
            }
            Err(e) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "chromedriver on port {port} gave no Chromium session within 60 s: {e}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

impl Browser {
    /// Opens the next authorization URL the engine handed out.
    async fn open_next(&self, urls: &mut mpsc::UnboundedReceiver<String>) {
        let url = urls.recv().await.expect("an authorization URL");
        self.client
            .goto(&url)
            .await
            .expect("open the authorization URL");
    }

    async fn sign_in_form(&self, username: &str, password: &str) {
        let c = &self.client;
        let user = c
            .wait()
            .for_element(Locator::Id("signInFormUsername"))
            .await
            .expect("the login form");
        user.clear().await.expect("clear username");
        user.send_keys(username).await.expect("type username");
        let pass = c
            .find(Locator::Id("signInFormPassword"))
            .await
            .expect("password field");
        pass.send_keys(password).await.expect("type password");
        c.find(Locator::Id("signInSubmitButton"))
            .await
            .expect("submit button")
            .click()
            .await
            .expect("submit");
    }

    async fn text_of(&self, id: &str) -> String {
        self.client
            .wait()
            .for_element(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("no #{id} on the page: {e}"))
            .text()
            .await
            .expect("element text")
    }
}

/// Starts a browser sign-in whose "browser" is the test: the URL comes back on a channel.
fn start_sign_in(
    auth: &Auth,
    rewrite: fn(&str) -> String,
) -> (
    tokio::task::JoinHandle<Result<SignInStep, BrowserSignInError>>,
    mpsc::UnboundedReceiver<String>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let options = BrowserSignIn::new()
        .open_with(move |url| tx.send(rewrite(url)).map_err(|e| e.to_string()))
        .timeout(Duration::from_secs(90));
    let auth = auth.clone();
    (
        tokio::spawn(async move { auth.sign_in_with_browser(options).await }),
        rx,
    )
}

fn claims(jwt: &str) -> serde_json::Map<String, serde_json::Value> {
    cognito_auth_emulator::decode_unverified(jwt).expect("a JWT")
}

async fn signed_in_and_credentials_work(world: &World, auth: &Auth) {
    assert_eq!(auth.user_state(), UserState::SignedIn);
    let tokens = auth.tokens().await.expect("tokens");
    assert_eq!(&*tokens.username, "alice");
    let access = claims(tokens.access_token.expose());
    let scope = access["scope"].as_str().unwrap_or_default();
    for s in SCOPES {
        assert!(scope.split(' ').any(|x| x == s), "scope {s} in {scope:?}");
    }
    let id_token = tokens
        .id_token
        .as_ref()
        .expect("an id token (openid scope)");
    world.server.shared().with(|emu| {
        emu.signer()
            .verify(tokens.access_token.expose())
            .expect("access token verifies against the JWKS");
        emu.signer()
            .verify(id_token.expose())
            .expect("id token verifies against the JWKS");
    });
    let credentials = auth
        .aws_credentials()
        .await
        .expect("AWS credentials from the identity pool");
    assert!(
        credentials.identity_id.starts_with("us-east-1:"),
        "{credentials:?}"
    );
    // A hosted-UI session refreshes at the token endpoint with its app client: new tokens
    // that keep the granted scopes.
    let refreshed = auth
        .tokens_with(FetchOptions::default().force_refresh())
        .await
        .expect("a refresh at the token endpoint");
    let access = claims(refreshed.access_token.expose());
    let scope = access["scope"].as_str().unwrap_or_default();
    for s in SCOPES {
        assert!(scope.split(' ').any(|x| x == s), "scope {s} in {scope:?}");
    }
    assert_eq!(auth.user_state(), UserState::SignedIn);
    // The app asked for `aws.cognito.signin.user.admin`: the user's own operations work.
    let user = auth.call(account::GetUser {}).await.expect("GetUser");
    assert_eq!(&*user.username, "alice");
}

/// Without a browser: redirects that are not the sign-in's (no or another `state`, another
/// redirect URI) are refused and leave it waiting; the error that carries its `state` ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_redirects_do_not_end_the_sign_in() {
    let world = start_world().await;
    let auth = world.auth(PUBLIC_CLIENT, None);
    let url = auth
        .sign_in_with_web_ui(WebUiSignInOptions::default())
        .await
        .expect("the authorization URL")
        .url;
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let state = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("a state");
    let callback = &world.callback;
    let elsewhere = callback.replace("/callback", "/elsewhere");
    for forged in [
        format!("{callback}?error=access_denied"),
        format!("{callback}?error=access_denied&state=forged"),
        format!("{elsewhere}?error=access_denied&state={state}"),
    ] {
        let err = auth.handle_redirect(&forged).await.unwrap_err();
        assert!(
            matches!(err, Error::App(AppError::InvalidParameter { .. })),
            "{err:?}"
        );
    }
    let err = auth
        .handle_redirect(&format!("{callback}?error=access_denied&state={state}"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::User(UserError::HostedUi { error, .. }) if error == "access_denied"),
        "{err:?}"
    );
    assert_eq!(auth.user_state(), UserState::SignedOut);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosted_ui_in_headless_chromium() {
    let world = start_world().await;
    let browser = start_browser().await;

    // A public client (PKCE): the engine's URL, the form, the loopback redirect, signed in.
    let auth = world.auth(PUBLIC_CLIENT, None);
    let (task, mut urls) = start_sign_in(&auth, str::to_owned);
    let url = urls.recv().await.expect("the authorization URL");
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    browser
        .client
        .goto(&url)
        .await
        .expect("open the authorization URL");
    browser.sign_in_form("alice", "Passw0rd!").await;
    assert!(browser.text_of("message").await.contains("close this tab"));
    assert_eq!(
        task.await.unwrap().expect("browser sign-in"),
        SignInStep::Done
    );
    signed_in_and_credentials_work(&world, &auth).await;
    browser.client.delete_all_cookies().await.unwrap();

    // A confidential client: the engine authenticates with HTTP Basic at the token endpoint.
    let auth = world.auth(SECRET_CLIENT, Some(CLIENT_SECRET));
    let (task, mut urls) = start_sign_in(&auth, str::to_owned);
    browser.open_next(&mut urls).await;
    browser.sign_in_form("alice", "Passw0rd!").await;
    assert_eq!(
        task.await.unwrap().expect("confidential sign-in"),
        SignInStep::Done
    );
    signed_in_and_credentials_work(&world, &auth).await;
    browser.client.delete_all_cookies().await.unwrap();

    // A wrong password: the form again with the error, and no redirect reaches the listener.
    let auth = world.auth(PUBLIC_CLIENT, None);
    let (task, mut urls) = start_sign_in(&auth, str::to_owned);
    browser.open_next(&mut urls).await;
    browser.sign_in_form("alice", "wrong-Passw0rd!").await;
    assert_eq!(
        browser.text_of("loginErrorMessage").await,
        "Incorrect username or password."
    );
    let at = browser.client.current_url().await.unwrap();
    assert!(
        at.path() == "/login" && at.query_pairs().all(|(k, _)| k != "code"),
        "{at}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!task.is_finished(), "no redirect may reach the app");
    assert_eq!(auth.user_state(), UserState::SignedOut);
    // The same form then accepts the right password.
    browser.sign_in_form("alice", "Passw0rd!").await;
    assert_eq!(
        task.await.unwrap().expect("sign-in after a typo"),
        SignInStep::Done
    );
    browser.client.delete_all_cookies().await.unwrap();

    // An app that asks only for `openid email`: signed in, but its access token lacks
    // `aws.cognito.signin.user.admin`, which the user's own operations require (each one's
    // API reference), so Cognito refuses GetUser. The app sees the refusal; the session stays.
    let auth = world.auth_with_scopes(PUBLIC_CLIENT, None, &["openid", "email"]);
    let (task, mut urls) = start_sign_in(&auth, str::to_owned);
    browser.open_next(&mut urls).await;
    browser.sign_in_form("alice", "Passw0rd!").await;
    assert_eq!(
        task.await
            .unwrap()
            .expect("sign-in without the admin scope"),
        SignInStep::Done
    );
    let tokens = auth.tokens().await.expect("tokens");
    assert_eq!(
        claims(tokens.access_token.expose())["scope"],
        serde_json::json!("openid email")
    );
    assert_eq!(
        auth.call(account::GetUser {}).await.unwrap_err(),
        Error::User(UserError::NotAuthorized {
            message: "Access Token does not have required scopes".to_owned()
        })
    );
    assert_eq!(auth.user_state(), UserState::SignedIn);
    auth.aws_credentials()
        .await
        .expect("identity-pool credentials need no admin scope");
    browser.client.delete_all_cookies().await.unwrap();

    // A forged state: the redirect is refused and the engine stays signed out.
    let auth = world.auth(PUBLIC_CLIENT, None);
    let (task, mut urls) = start_sign_in(&auth, forge_state);
    browser.open_next(&mut urls).await;
    browser.sign_in_form("alice", "Passw0rd!").await;
    assert!(browser.text_of("message").await.contains("refused"));
    let err = task.await.unwrap().unwrap_err();
    assert!(matches!(err, BrowserSignInError::StateMismatch), "{err:?}");
    assert_eq!(auth.user_state(), UserState::SignedOut);

    browser
        .client
        .close()
        .await
        .expect("close the browser session");
}

/// The authorization URL with another `state`, as an attacker's link would carry.
fn forge_state(url: &str) -> String {
    let (base, query) = url.split_once('?').expect("a query");
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, "forged-state-0000".to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{base}?{query}")
}

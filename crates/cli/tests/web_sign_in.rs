//! `sign-in --web` against the emulator's hosted UI: `BROWSER` names a small shell script that
//! plays the browser with curl (fetches the authorization URL, follows it to the sign-in form,
//! posts the form, follows the redirect to the CLI's loopback listener), and the CLI ends
//! signed in as the user who typed the password, with the scope (`aws.cognito.signin.user.admin`)
//! the user's own operations need.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;

use cognito_auth_emulator::http::{system_now, BackgroundServer};
use cognito_auth_emulator::{Emulator, EmulatorConfig};

const POOL_ID: &str = "us-east-1_CliWeb001";
const CLIENT_ID: &str = "cliwebclient00000000000001";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free local port")
}

/// The emulator with a hosted-UI client whose callback is `callback`, a domain, and `alice`.
fn start_emulator(callback: &str) -> BackgroundServer {
    let seed = serde_json::json!({
        "seed": 41,
        "region": "us-east-1",
        "user_pools": [{
            "Id": POOL_ID,
            "PoolName": "cli-web",
            "Clients": [{
                "ClientId": CLIENT_ID,
                "ClientName": "cli-web",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "AllowedOAuthFlowsUserPoolClient": true,
                "AllowedOAuthFlows": ["code"],
                "AllowedOAuthScopes": ["openid", "email", "aws.cognito.signin.user.admin"],
                "CallbackURLs": [callback],
                "LogoutURLs": [callback],
                "SupportedIdentityProviders": ["COGNITO"]
            }],
            "Users": [{"Username": "alice", "Password": common::PASSWORD, "Status": "CONFIRMED",
                       "Attributes": {"email": "alice@example.com", "email_verified": "true"}}]
        }]
    });
    let mut emulator = Emulator::new(EmulatorConfig {
        seed: 41,
        ..EmulatorConfig::default()
    })
    .expect("emulator");
    let now = system_now();
    emulator.apply_seed(&seed, now).expect("seed");
    emulator
        .handle(
            "AWSCognitoIdentityProviderService.CreateUserPoolDomain",
            &serde_json::json!({"Domain": "cli-web", "UserPoolId": POOL_ID}),
            now,
        )
        .expect("CreateUserPoolDomain");
    BackgroundServer::start("127.0.0.1:0", emulator).expect("serve")
}

/// An `awsconfiguration.json` whose hosted UI is the emulator (loopback http is allowed for an
/// explicit endpoint) and whose redirect is the CLI's loopback listener.
fn write_config(dir: &Path, endpoint: &str, callback: &str) -> std::path::PathBuf {
    let config = serde_json::json!({
        "CognitoUserPool": {"Default": {
            "PoolId": POOL_ID, "AppClientId": CLIENT_ID, "Region": "us-east-1"}},
        "Auth": {"Default": {"OAuth": {
            "WebDomain": "cli-web.auth.us-east-1.amazoncognito.com",
            "AppClientId": CLIENT_ID,
            "SignInRedirectURI": callback,
            "SignOutRedirectURI": callback,
            "Scopes": ["openid", "email", "aws.cognito.signin.user.admin"],
            "SignInURI": format!("{endpoint}/oauth2/authorize"),
            "TokenURI": format!("{endpoint}/oauth2/token")
        }}}
    });
    let path = dir.join("awsconfiguration.json");
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

/// The browser: curl keeps the cookies (the form's CSRF token), reads the form's action and
/// hidden field, posts the password and follows the redirect to the loopback listener. It runs
/// in the background so that opening the "browser" returns at once, as a real one does.
fn write_browser(dir: &Path, password: &str) -> std::path::PathBuf {
    let script = format!(
        r#"#!/bin/sh
url="$1"
dir="{dir}"
(
  base=$(printf '%s' "$url" | sed 's|^\(https*://[^/]*\).*|\1|')
  curl -s -L -c "$dir/jar" -b "$dir/jar" -o "$dir/form.html" "$url" || exit 1
  action=$(sed -n 's/.*<form[^>]*action="\([^"]*\)".*/\1/p' "$dir/form.html" | sed 's/&amp;/\&/g')
  csrf=$(sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' "$dir/form.html")
  curl -s -L -c "$dir/jar" -b "$dir/jar" -o "$dir/done.html" \
    --data-urlencode "_csrf=$csrf" --data-urlencode "username=alice" \
    --data-urlencode "password={password}" "$base$action"
  echo "$?" > "$dir/browser.rc"
) > "$dir/browser.log" 2>&1 &
"#,
        dir = dir.display()
    );
    let path = dir.join("browser.sh");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn sign_in_web_ends_signed_in_through_the_hosted_ui_form() {
    assert!(
        Command::new("curl").arg("--version").output().is_ok(),
        "this test plays the browser with curl, which is not installed"
    );
    let dir = tempfile::tempdir().unwrap();
    let callback = format!("http://127.0.0.1:{}/callback", free_port());
    let server = start_emulator(&callback);
    let endpoint = server.endpoint();
    let config = write_config(dir.path(), &endpoint, &callback);
    let browser = write_browser(dir.path(), common::PASSWORD);
    let session = dir.path().join("session.json");
    let cli = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-auth"));
        command
            .arg("--config")
            .arg(&config)
            .arg("--endpoint")
            .arg(&endpoint)
            .arg("--session")
            .arg(&session)
            .args(args)
            .env("BROWSER", &browser)
            .env_remove("COGNITO_AUTH_CONFIG");
        common::run(&mut command, "")
    };

    let signed_in = cli(&["--json", "sign-in", "--web"]);
    let log = std::fs::read_to_string(dir.path().join("browser.log")).unwrap_or_default();
    let signed_in = match signed_in.code {
        Some(0) => signed_in,
        _ => panic!("sign-in --web failed: {signed_in:#?}\nbrowser log: {log}"),
    };
    let out = signed_in.json();
    assert_eq!(out["username"], "alice", "{out}");
    assert_eq!(out["state"], "signedIn", "{out}");

    let who = cli(&["--json", "whoami"]).ok().json();
    assert_eq!(who["state"], "signedIn", "{who}");
    // The configuration asks for `aws.cognito.signin.user.admin`, which the user's own
    // operations require of the access token (GetUser here).
    let got = cli(&["--json", "attributes", "get"]).ok().json();
    assert_eq!(got["attributes"]["email"], "alice@example.com", "{got}");
}

/// Without a browser this machine can open (`BROWSER` fails, as over SSH), the CLI prints the
/// authorization URL and keeps listening: the person opens it themselves and signs in.
#[test]
fn sign_in_web_without_a_browser_prints_the_url_and_still_signs_in() {
    use std::io::BufRead as _;
    assert!(
        Command::new("curl").arg("--version").output().is_ok(),
        "this test plays the browser with curl, which is not installed"
    );
    let dir = tempfile::tempdir().unwrap();
    let callback = format!("http://127.0.0.1:{}/callback", free_port());
    let server = start_emulator(&callback);
    let endpoint = server.endpoint();
    let config = write_config(dir.path(), &endpoint, &callback);
    let person = write_browser(dir.path(), common::PASSWORD);
    let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-auth"))
        .arg("--config")
        .arg(&config)
        .arg("--endpoint")
        .arg(&endpoint)
        .arg("--session")
        .arg(dir.path().join("session.json"))
        .args(["--json", "sign-in", "--web"])
        .env("BROWSER", "/bin/false")
        .env_remove("COGNITO_AUTH_CONFIG")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let url = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "no URL on stderr: {seen}"
        );
        seen.push_str(&line);
        if let Some((_, url)) = line.trim_end().split_once("browser): ") {
            break url.to_owned();
        }
    };
    assert!(
        url.starts_with(&format!("{endpoint}/oauth2/authorize?")),
        "{url}"
    );
    // The person opens the printed URL.
    let opened = Command::new("sh").arg(&person).arg(&url).status().unwrap();
    assert!(opened.success());
    let out = child.wait_with_output().unwrap();
    let log = std::fs::read_to_string(dir.path().join("browser.log")).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {seen}{}\nbrowser log: {log}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["username"], "alice", "{doc}");
}

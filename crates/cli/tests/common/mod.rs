//! Running the `cognito-auth` binary against a backend: the emulator started in this process,
//! or moto started from the project's venv. Passwords, codes and answers go in on stdin.
#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    dead_code,
    unreachable_pub
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cognito_auth_emulator::http::{system_now, BackgroundServer};
use cognito_auth_emulator::{CodePurpose, Emulator, EmulatorConfig};

pub const POOL_ID: &str = "us-east-1_CliTest01";
pub const CLIENT_ID: &str = "clitestclient0000000000001";
/// A second app client of the same pool: another app's configuration.
pub const OTHER_CLIENT_ID: &str = "clitestclient0000000000002";
pub const IDENTITY_POOL_ID: &str = "us-east-1:00000000-0000-4000-8000-00000000c011";
/// An identity pool of the same user pool that refuses guests.
pub const MEMBERS_ONLY_POOL_ID: &str = "us-east-1:00000000-0000-4000-8000-00000000c012";
/// The role of signed-in users' credentials (both identity pools).
pub const AUTH_ROLE: &str = "arn:aws:iam::123456789012:role/Cognito_cliAuth_Role";
/// The role of guests' credentials.
pub const UNAUTH_ROLE: &str = "arn:aws:iam::123456789012:role/service-role/Cognito_cliUnauth_Role";
/// The seeded users' password.
pub const PASSWORD: &str = "Passw0rd!";
/// `mia`'s authenticator secret: she has SMS and TOTP MFA on and neither preferred, so her
/// sign-in asks which one to use.
pub const MIA_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXP";

/// The emulator's seed: an MFA-optional pool with email MFA and device tracking, an app
/// client for SRP, password, custom auth (one challenge, "What is 6 x 7?") and refresh, an
/// identity pool allowing guests and Google tokens (the emulator checks their claims, not
/// their signature), a second identity pool without guests; `alice` (no MFA), `sam` (SMS
/// MFA preferred) and `mia` (SMS and TOTP, neither preferred). Both identity pools have roles: without them the emulator, like Cognito,
/// issues no credentials.
fn seed() -> serde_json::Value {
    serde_json::json!({
        "seed": 31,
        "region": "us-east-1",
        "user_pools": [{
            "Id": POOL_ID,
            "PoolName": "cli",
            "MfaConfiguration": "OPTIONAL",
            "EmailMfaConfiguration": {},
            "AutoVerifiedAttributes": ["email"],
            "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": false,
                                    "DeviceOnlyRememberedOnUserPrompt": true},
            "Clients": [{
                "ClientId": CLIENT_ID,
                "ClientName": "cli",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                                      "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"]
            }, {
                "ClientId": OTHER_CLIENT_ID,
                "ClientName": "other-app",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
            }],
            "CustomAuthRules": {
                "MaxAttempts": 3,
                "Challenges": [{"PublicChallengeParameters": {"question": "What is 6 x 7?"},
                                "Answer": "42"}]
            },
            "Users": [
                {"Username": "alice", "Password": PASSWORD,
                 "Attributes": {"email": "alice@example.com", "email_verified": "true"}},
                {"Username": "sam", "Password": PASSWORD,
                 "Attributes": {"email": "sam@example.com", "email_verified": "true",
                                "phone_number": "+15550100", "phone_number_verified": "true"},
                 "Mfa": {"SMSMfaSettings": {"Enabled": true, "PreferredMfa": true}}},
                {"Username": "mia", "Password": PASSWORD,
                 "Attributes": {"email": "mia@example.com", "email_verified": "true",
                                "phone_number": "+15550111", "phone_number_verified": "true"},
                 "TotpSecretBase32": MIA_TOTP_SECRET,
                 "Mfa": {"SMSMfaSettings": {"Enabled": true},
                         "SoftwareTokenMfaSettings": {"Enabled": true}}}
            ]
        }],
        "identity_pools": [{
            "IdentityPoolId": IDENTITY_POOL_ID,
            "IdentityPoolName": "cli",
            "AllowUnauthenticatedIdentities": true,
            "SupportedLoginProviders": {"accounts.google.com": "google-client"},
            "CognitoIdentityProviders": [{
                "ProviderName": format!("cognito-idp.us-east-1.amazonaws.com/{POOL_ID}"),
                "ClientId": CLIENT_ID
            }],
            "Roles": {"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE}
        }, {
            "IdentityPoolId": MEMBERS_ONLY_POOL_ID,
            "IdentityPoolName": "cli-members",
            "AllowUnauthenticatedIdentities": false,
            "CognitoIdentityProviders": [{
                "ProviderName": format!("cognito-idp.us-east-1.amazonaws.com/{POOL_ID}"),
                "ClientId": CLIENT_ID
            }],
            "Roles": {"authenticated": AUTH_ROLE}
        }]
    })
}

/// A backend, a configuration file and a session file in a private directory.
pub struct World {
    pub endpoint: String,
    pub emulator: Option<BackgroundServer>,
    pub moto: Option<Moto>,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns itself.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(self.code, Some(0), "the command failed: {self:#?}");
        self
    }

    /// Asserts the exit code.
    #[track_caller]
    pub fn exit(self, code: i32) -> Self {
        assert_eq!(self.code, Some(code), "unexpected exit code: {self:#?}");
        self
    }

    /// stdout as one JSON document.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:#?}"))
    }
}

/// `identity_pool`: its id and whether the configuration allows guests.
fn amplify_outputs(pool_id: &str, client_id: &str, identity_pool: Option<(&str, bool)>) -> String {
    let mut auth = serde_json::json!({
        "aws_region": "us-east-1",
        "user_pool_id": pool_id,
        "user_pool_client_id": client_id,
    });
    if let Some((id, guests)) = identity_pool {
        auth["identity_pool_id"] = id.into();
        auth["unauthenticated_identities_enabled"] = guests.into();
    }
    serde_json::json!({"version": "1", "auth": auth}).to_string()
}

impl World {
    /// The emulator on a free port of 127.0.0.1; the configuration's identity pool allows
    /// guests.
    pub fn emulator() -> Self {
        Self::emulator_with_identity_pool(IDENTITY_POOL_ID, true)
    }

    /// The emulator, configured with the identity pool that refuses guests: nobody signed in is
    /// `signedOut`, not `guest`.
    pub fn emulator_without_guests() -> Self {
        Self::emulator_with_identity_pool(MEMBERS_ONLY_POOL_ID, false)
    }

    fn emulator_with_identity_pool(identity_pool: &str, guests: bool) -> Self {
        let mut emulator = Emulator::new(EmulatorConfig {
            seed: 31,
            ..EmulatorConfig::default()
        })
        .expect("emulator");
        emulator.apply_seed(&seed(), system_now()).expect("seed");
        let server = BackgroundServer::start("127.0.0.1:0", emulator).expect("serve");
        let text = amplify_outputs(POOL_ID, CLIENT_ID, Some((identity_pool, guests)));
        Self::with(server.endpoint(), Some(server), None, &text)
    }

    /// moto with a fresh pool and app client (created with boto3 from the venv).
    pub fn moto() -> Self {
        let moto = Moto::start();
        let (pool_id, client_id) = moto.create_pool();
        let text = amplify_outputs(&pool_id, &client_id, None);
        Self::with(moto.endpoint.clone(), None, Some(moto), &text)
    }

    fn with(
        endpoint: String,
        emulator: Option<BackgroundServer>,
        moto: Option<Moto>,
        config_text: &str,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("amplify_outputs.json");
        std::fs::write(&config, config_text).unwrap();
        Self {
            endpoint,
            emulator,
            moto,
            dir,
            config,
        }
    }

    /// Points this world's configuration file at app client `client_id` of the same pool and
    /// identity pool (another app's configuration, sharing the session files).
    pub fn configure_client(&self, client_id: &str) {
        let text = amplify_outputs(POOL_ID, client_id, Some((IDENTITY_POOL_ID, true)));
        std::fs::write(&self.config, text).unwrap();
    }

    /// The session file named `name` in this world's directory.
    pub fn session(&self, name: &str) -> PathBuf {
        self.dir.path().join(name).join("session.json")
    }

    fn command(&self, session: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-auth"));
        command
            .arg("--config")
            .arg(&self.config)
            .arg("--endpoint")
            .arg(&self.endpoint)
            .arg("--session")
            .arg(session)
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("COGNITO_AUTH_CONFIG");
        command
    }

    /// Runs the binary on the `default` session with `stdin`.
    pub fn run(&self, args: &[&str], stdin: &str) -> Run {
        self.run_as("default", args, stdin)
    }

    /// Runs the binary on the session named `session`.
    pub fn run_as(&self, session: &str, args: &[&str], stdin: &str) -> Run {
        let mut command = self.command(&self.session(session), args);
        run(&mut command, stdin)
    }

    /// Starts the binary for a conversation over stdin and stderr.
    pub fn spawn(&self, args: &[&str]) -> Conversation {
        Conversation::start(self.command(&self.session("default"), args))
    }

    /// The last code the emulator sent `username` for `purpose`.
    pub fn code(&self, username: &str, purpose: CodePurpose) -> String {
        let server = self.emulator.as_ref().expect("an emulator world");
        server
            .shared()
            .with(|e| e.last_code(username, purpose).map(str::to_owned))
            .unwrap_or_else(|| panic!("no {purpose:?} code for {username} in the outbox"))
    }

    /// The emulator's clock, unix seconds.
    pub fn now_s(&self) -> u64 {
        self.emulator
            .as_ref()
            .expect("an emulator world")
            .shared()
            .now()
            .0
            / 1000
    }

    /// Signs `user` in on the default session with the password flow.
    pub fn sign_in(&self, user: &str, password: &str) {
        self.run(&["sign-in", user], &format!("{password}\n")).ok();
    }
}

/// Runs `command` to completion with `stdin`.
pub fn run(command: &mut Command, stdin: &str) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the cognito-auth binary runs");
    let mut input = child.stdin.take().unwrap();
    // A binary that fails before reading stdin closes it: that is its answer, not ours.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    let out = wait_bounded(child);
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Waits at most a minute: a hung binary fails the test instead of hanging it.
fn wait_bounded(child: Child) -> std::process::Output {
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(out) => out.unwrap(),
        Err(_) => panic!("cognito-auth (pid {id}) did not finish within 60 s"),
    }
}

/// A running binary that is answered as it asks (stderr announces each step).
pub struct Conversation {
    child: Option<Child>,
    stdin: Option<ChildStdin>,
    stderr: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Conversation {
    fn start(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the cognito-auth binary runs");
        let stdin = child.stdin.take();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child: Some(child),
            stdin,
            stderr: rx,
            seen: Vec::new(),
        }
    }

    /// Waits for a stderr line containing `needle` and returns it.
    #[track_caller]
    pub fn expect_stderr(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no stderr line with {needle:?}; saw {:#?}", self.seen),
            }
        }
    }

    /// Writes one line to the binary's stdin.
    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Closes stdin, waits for the exit and collects the output.
    pub fn finish(mut self) -> Run {
        drop(self.stdin.take());
        let mut child = self.child.take().unwrap();
        let mut stdout = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        let status = child.wait().unwrap();
        let mut stderr = self.seen.join("\n");
        for line in self.stderr.try_iter() {
            stderr.push('\n');
            stderr.push_str(&line);
        }
        Run {
            code: status.code(),
            stdout,
            stderr,
        }
    }

    /// Reads the first stdout line, then kills the process (for `watch`).
    pub fn first_stdout_line_then_kill(mut self) -> String {
        let mut child = self.child.take().unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30));
        let _ = child.kill();
        let _ = child.wait();
        line.expect("a first stdout line within 30 s")
    }
}

impl Conversation {
    /// Reads the first stdout line, sends `signal` (`TERM`, `INT`) with `kill`, and returns the
    /// line and the exit code (for `watch`, which must end normally on either).
    pub fn first_stdout_line_then_signal(mut self, signal: &str) -> (String, Option<i32>) {
        let mut child = self.child.take().unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let status = wait_bounded_status(child);
        (line, status.code())
    }
}

fn wait_bounded_status(mut child: Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("cognito-auth did not exit within 30 s of the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Conversation {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A `moto_server` child process, killed when dropped.
pub struct Moto {
    pub endpoint: String,
    child: Child,
}

/// A program of the project's `.venv`.
pub fn venv_bin(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../.venv/bin")
        .join(name)
}

impl Moto {
    /// Starts moto on a free port and waits until it answers. Fails, never skips, when the
    /// venv is missing.
    pub fn start() -> Self {
        let path = venv_bin("moto_server");
        assert!(
            path.exists(),
            "moto_server not found at {}: create the venv with scripts/setup-venv.sh",
            path.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free local port");
        let child = Command::new(&path)
            .args(["-p", &port.to_string(), "-H", "127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {} ({e})", path.display()));
        let moto = Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !answers_http(port) {
            assert!(
                Instant::now() < deadline,
                "moto_server did not answer on port {port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// Creates a user pool and an app client (password, SRP and refresh flows) with boto3.
    pub fn create_pool(&self) -> (String, String) {
        let script = r#"
import sys, boto3
c = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=sys.argv[1],
                 aws_access_key_id="test", aws_secret_access_key="test")
pool = c.create_user_pool(PoolName="cli-tests")["UserPool"]["Id"]
client = c.create_user_pool_client(UserPoolId=pool, ClientName="cli", ExplicitAuthFlows=[
    "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
print(pool, client["UserPoolClient"]["ClientId"])
"#;
        let out = Command::new(venv_bin("python"))
            .args(["-c", script, &self.endpoint])
            .output()
            .expect("the venv's python runs");
        assert!(
            out.status.success(),
            "creating the moto pool failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let mut ids = text.split_whitespace();
        let pool = ids.next().expect("pool id").to_owned();
        let client = ids.next().expect("client id").to_owned();
        (pool, client)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn answers_http(port: u16) -> bool {
    let Ok(mut sock) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = sock.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /moto-api/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if sock.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut first = [0u8; 12];
    sock.read_exact(&mut first).is_ok() && first.starts_with(b"HTTP/1.")
}

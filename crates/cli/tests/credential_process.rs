//! The binary as an AWS SDK's `credential_process`: boto3, given only an AWS config file whose
//! profile runs `cognito-auth ... credentials --format process`, signs
//! `sts.get_caller_identity()` with what the binary printed, and the emulator's STS verifies the
//! SigV4 signature against the credentials its identity pool issued. Signed in, the answer is
//! the authenticated role; signed out it is the guest role where the identity pool allows
//! guests, and otherwise the process fails and boto3 raises.
//!
//! Needs boto3 in the project's `.venv` (scripts/setup-venv.sh); fails, never skips, without it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cognito_auth_emulator::CodePurpose;
use common::{venv_bin, World, AUTH_ROLE, PASSWORD, UNAUTH_ROLE};

/// The profile the AWS config file defines.
const PROFILE: &str = "cognito";

/// Resolves the profile's credentials the way any boto3 app would, then calls STS on the
/// emulator. Prints one JSON line; on any exception prints its class and message on stderr and
/// exits 3.
const BOTO3_SCRIPT: &str = r#"
import json, sys
import boto3
profile, endpoint = sys.argv[1], sys.argv[2]
session = boto3.Session(profile_name=profile)
try:
    creds = session.get_credentials()
    sts = session.client("sts", endpoint_url=endpoint)
    who = sts.get_caller_identity()
except Exception as e:
    print(f"{type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(3)
print(json.dumps({"arn": who["Arn"], "method": creds.method,
                  "access_key_id": creds.get_frozen_credentials().access_key}))
"#;

/// What the boto3 script did.
#[derive(Debug)]
struct Boto3Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Boto3Run {
    /// The script's JSON line, asserting success.
    #[track_caller]
    fn answer(&self) -> serde_json::Value {
        assert_eq!(self.code, Some(0), "the boto3 script failed: {self:#?}");
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not one JSON line ({e}): {self:#?}"))
    }
}

/// The venv's python, checked to import boto3.
fn python_with_boto3() -> PathBuf {
    let python = venv_bin("python");
    assert!(
        python.exists(),
        "{} not found: create the venv with scripts/setup-venv.sh (boto3 is required)",
        python.display()
    );
    let out = Command::new(&python)
        .args(["-c", "import boto3"])
        .output()
        .unwrap_or_else(|e| panic!("could not run {} ({e})", python.display()));
    assert!(
        out.status.success(),
        "boto3 is not installed in {}: run scripts/setup-venv.sh\n{}",
        python.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    python
}

/// One word for a POSIX shell: botocore splits `credential_process` with `shlex.split`.
fn shell_word(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The `credential_process` command line for the default session of `world`.
fn credential_process(world: &World) -> String {
    let session = world.session("default");
    let words = [
        env!("CARGO_BIN_EXE_cognito-auth"),
        "--config",
        path_str(&world.config),
        "--endpoint",
        &world.endpoint,
        "--session",
        path_str(&session),
        "credentials",
        "--format",
        "process",
    ];
    words.map(shell_word).join(" ")
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temp path")
}

/// Writes `~/.aws/config` for the test: one profile whose credentials come from the binary.
fn write_aws_config(world: &World) -> PathBuf {
    let path = world.dir.path().join("aws-config");
    let text = format!(
        "[profile {PROFILE}]\nregion = us-east-1\ncredential_process = {}\n",
        credential_process(world)
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the boto3 script with `aws_config` as the only source of configuration and
/// credentials: no AWS variables from the test's environment, no shared credentials file, no
/// instance metadata.
fn boto3_get_caller_identity(world: &World, aws_config: &Path) -> Boto3Run {
    let mut command = Command::new(python_with_boto3());
    command
        .args(["-c", BOTO3_SCRIPT, PROFILE, &world.endpoint])
        .env("AWS_CONFIG_FILE", aws_config)
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            world.dir.path().join("no-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("COGNITO_AUTH_CONFIG")
        .stdin(Stdio::null());
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_STS",
    ] {
        command.env_remove(name);
    }
    let out = command.output().expect("the venv's python runs");
    Boto3Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The ARN STS answers for credentials of `role`.
fn assumed_role_arn(role: &str) -> String {
    let (account, name) = role
        .strip_prefix("arn:aws:iam::")
        .and_then(|r| r.split_once(":role/"))
        .expect("an IAM role ARN");
    let name = name.rsplit('/').next().expect("a role name");
    format!("arn:aws:sts::{account}:assumed-role/{name}/CognitoIdentityCredentials")
}

/// Checks boto3's answer: the role, that the credentials came from the profile's
/// `credential_process`, and that the emulator issued them to `identity_id` for `role`.
#[track_caller]
fn assert_signed_as(world: &World, answer: &serde_json::Value, role: &str, identity_id: &str) {
    assert_eq!(answer["arn"], assumed_role_arn(role), "{answer}");
    assert_eq!(answer["method"], "custom-process", "{answer}");
    let key = answer["access_key_id"].as_str().expect("an access key id");
    let issued = world
        .emulator
        .as_ref()
        .expect("an emulator world")
        .shared()
        .with(|e| {
            e.issued_credentials()
                .get(key)
                .map(|c| (c.identity_id.clone(), c.role_arn.clone()))
        });
    assert_eq!(
        issued,
        Some((identity_id.to_owned(), role.to_owned())),
        "the key boto3 used was issued by the emulator to this identity"
    );
}

fn identity_id(world: &World) -> String {
    let whoami = world.run(&["--json", "whoami"], "").ok().json();
    whoami["identity_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no identity id: {whoami}"))
        .to_owned()
}

#[test]
fn boto3_signs_with_the_signed_in_users_credentials_and_fails_once_signed_out() {
    let world = World::emulator_without_guests();
    world
        .run(
            &["sign-up", "bob", "--attribute", "email=bob@example.com"],
            "Bob-Passw0rd!\n",
        )
        .ok();
    let code = world.code("bob", CodePurpose::SignUp);
    world.run(&["confirm-sign-up", "bob", &code], "").ok();
    world.run(&["sign-in", "bob"], "Bob-Passw0rd!\n").ok();
    let aws_config = write_aws_config(&world);

    let answer = boto3_get_caller_identity(&world, &aws_config).answer();
    assert_signed_as(&world, &answer, AUTH_ROLE, &identity_id(&world));

    world.run(&["sign-out"], "").ok();
    let state = world.run(&["--json", "whoami"], "").ok().json();
    assert_eq!(state["state"], "signedOut", "{state}");
    // The command the profile runs: a state error, and no credentials document on stdout.
    let process = world
        .run(&["credentials", "--format", "process"], "")
        .exit(6);
    assert!(process.stdout.trim().is_empty(), "{process:#?}");
    assert!(!process.stderr.trim().is_empty(), "{process:#?}");

    let refused = boto3_get_caller_identity(&world, &aws_config);
    assert_eq!(refused.code, Some(3), "boto3 raised: {refused:#?}");
    assert!(
        refused.stderr.starts_with(
            "CredentialRetrievalError: Error when retrieving credentials from custom-process"
        ),
        "{refused:#?}"
    );
    assert!(
        refused.stderr.contains(process.stderr.trim()),
        "botocore passes on the binary's message: {refused:#?}"
    );
}

#[test]
fn boto3_gets_the_guest_role_while_nobody_is_signed_in_where_the_pool_allows_guests() {
    let world = World::emulator();
    let aws_config = write_aws_config(&world);

    let guest = boto3_get_caller_identity(&world, &aws_config).answer();
    let state = world.run(&["--json", "whoami"], "").ok().json();
    assert_eq!(state["state"], "guest", "{state}");
    let guest_id = identity_id(&world);
    assert_signed_as(&world, &guest, UNAUTH_ROLE, &guest_id);

    world
        .run(&["sign-in", "alice"], &format!("{PASSWORD}\n"))
        .ok();
    let member = boto3_get_caller_identity(&world, &aws_config).answer();
    assert_signed_as(&world, &member, AUTH_ROLE, &identity_id(&world));
    assert_ne!(member["access_key_id"], guest["access_key_id"]);

    world.run(&["sign-out"], "").ok();
    let again = boto3_get_caller_identity(&world, &aws_config).answer();
    assert_eq!(again["arn"], assumed_role_arn(UNAUTH_ROLE), "{again}");
    assert_eq!(again["method"], "custom-process", "{again}");
}

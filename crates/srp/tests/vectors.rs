//! Known-answer tests against vectors computed by two independent implementations:
//! pycognito (`vectors/pycognito.json`) and amazon-cognito-identity-js
//! (`vectors/amazon-cognito-identity-js.json`). See `vectors/README.md` for how they were made.
//!
//! Each vector fixes the client's random `a` (72 bytes, our default, or 128 or 200 bytes: the
//! SDKs draw 128) and the server's random `b`, so both halves of this crate are checked: the client must reproduce the SDK's SRP_A and PASSWORD_CLAIM_SIGNATURE, and
//! the server must reproduce B and accept the SDK's signature.
//!
//! Every check runs on each big-number path the CPU has: the portable kernels, the x86-64
//! BMI2/ADX ones and the AVX-512 IFMA exponentiations, chosen through the crate's `test-util`
//! switch.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::panic)]

use cognito_auth_srp::test_util::{kernels_in_use, use_kernels, Kernels};
use cognito_auth_srp::{
    cognito_timestamp, device_password_claim, device_verifier, password_verifier, pool_name,
    secret_hash, user_password_claim, verify_device_claim, verify_user_claim, ClientEphemeral,
    DeviceClaimCheck, DeviceClaimInput, ServerEphemeral, SrpError, UserClaimCheck, UserClaimInput,
    Verifier,
};
use serde::Deserialize;
use std::sync::Mutex;

/// Runs `check` on each kernel path this CPU has. The switch is process-wide, so the tests of
/// this file take turns (a lock) and none runs on a path it did not choose.
fn on_both_paths(check: impl Fn()) {
    static TURN: Mutex<()> = Mutex::new(());
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut ran = 0;
    for kernels in [Kernels::Portable, Kernels::Adx, Kernels::Ifma] {
        if use_kernels(kernels) {
            assert_eq!(kernels_in_use(), kernels);
            check();
            ran += 1;
        } else {
            // Only the x86-64 kernels can be missing, and only on a CPU without them.
            match kernels {
                Kernels::Portable => panic!("the portable kernels were refused"),
                Kernels::Adx => assert!(
                    !cpu_has(&["bmi2", "adx"]),
                    "the CPU lists bmi2 and adx but they were refused"
                ),
                Kernels::Ifma => assert!(
                    !cpu_has(&["bmi2", "adx", "avx512f", "avx512ifma"]),
                    "the CPU lists bmi2, adx, avx512f and avx512ifma but they were refused"
                ),
            }
        }
    }
    assert!(ran >= 1);
}

/// Whether /proc/cpuinfo lists all these flags (false where there is no such file).
fn cpu_has(features: &[&str]) -> bool {
    let flags = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let has = |f: &str| flags.split_whitespace().any(|w| w == f);
    cfg!(target_arch = "x86_64") && features.iter().all(|f| has(f))
}

#[derive(Deserialize)]
struct Vectors {
    generator: String,
    user: Vec<UserVector>,
    device: Vec<DeviceVector>,
    secret_hash: Vec<SecretHashVector>,
    timestamps: Vec<TimestampVector>,
}

#[derive(Deserialize)]
struct UserVector {
    name: String,
    pool_id: String,
    pool_name: String,
    user_id_for_srp: String,
    password: String,
    a_random_hex: String,
    srp_a_hex: String,
    b_random_hex: String,
    salt_hex: String,
    server_b_hex: String,
    srp_b_hex: String,
    secret_block_b64: String,
    unix_secs: i64,
    timestamp: String,
    signature_b64: String,
}

#[derive(Deserialize)]
struct DeviceVector {
    name: String,
    device_group_key: String,
    device_key: String,
    random_hex: String,
    device_password: String,
    password_verifier_b64: String,
    salt_b64: String,
    a_random_hex: String,
    srp_a_hex: String,
    b_random_hex: String,
    salt_hex: String,
    server_b_hex: String,
    srp_b_hex: String,
    secret_block_b64: String,
    unix_secs: i64,
    timestamp: String,
    signature_b64: String,
}

#[derive(Deserialize)]
struct SecretHashVector {
    username: String,
    client_id: String,
    client_secret: String,
    secret_hash: String,
}

#[derive(Deserialize)]
struct TimestampVector {
    unix_secs: i64,
    timestamp: String,
}

fn load(file: &str) -> Vectors {
    let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    let s = if s.len() % 2 == 1 {
        format!("0{s}")
    } else {
        s.to_owned()
    };
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The client for a vector's `a`: through [`ClientEphemeral::from_secret_a`], which takes an `a`
/// of any length (the SDKs' own 128 bytes among them), and, for `a` of the default length or
/// longer, through [`ClientEphemeral::from_random`] too, which must agree.
fn client_for(a_hex: &str, ctx: &str) -> ClientEphemeral {
    let a = unhex(a_hex);
    let client = ClientEphemeral::from_secret_a(&a).unwrap();
    if a.len() >= ClientEphemeral::RANDOM_LEN {
        let by_random = ClientEphemeral::from_random(&a).unwrap();
        assert_eq!(by_random.public_a_hex(), client.public_a_hex(), "{ctx}");
    }
    client
}

/// Each file must carry vectors made with the SDKs' default 1024-bit `a` (128 bytes).
fn assert_has_sdk_default_a<'a>(a_hexes: impl IntoIterator<Item = &'a String>, generator: &str) {
    assert!(
        a_hexes.into_iter().any(|a| a.len() == 256),
        "{generator}: no vector with a 128-byte a"
    );
}

fn check_user_client(v: &Vectors) {
    assert!(!v.user.is_empty());
    assert_has_sdk_default_a(v.user.iter().map(|c| &c.a_random_hex), &v.generator);
    for case in &v.user {
        let ctx = format!("{} / {}", v.generator, case.name);
        assert_eq!(pool_name(&case.pool_id).unwrap(), case.pool_name, "{ctx}");
        assert_eq!(
            cognito_timestamp(case.unix_secs).unwrap(),
            case.timestamp,
            "{ctx}"
        );
        let client = client_for(&case.a_random_hex, &ctx);
        assert_eq!(client.public_a_hex(), case.srp_a_hex, "{ctx}: SRP_A");
        let signature = user_password_claim(
            &client,
            &UserClaimInput {
                pool_name: &case.pool_name,
                user_id_for_srp: &case.user_id_for_srp,
                password: &case.password,
                srp_b_hex: &case.srp_b_hex,
                salt_hex: &case.salt_hex,
                secret_block_b64: &case.secret_block_b64,
                timestamp: &case.timestamp,
            },
        )
        .unwrap();
        assert_eq!(
            signature, case.signature_b64,
            "{ctx}: PASSWORD_CLAIM_SIGNATURE"
        );
    }
}

fn check_user_server(v: &Vectors) {
    for case in &v.user {
        let ctx = format!("{} / {}", v.generator, case.name);
        let verifier = password_verifier(
            &case.pool_name,
            &case.user_id_for_srp,
            &case.password,
            &unhex(&case.salt_hex),
        );
        let server = ServerEphemeral::new(&verifier, &unhex(&case.b_random_hex)).unwrap();
        assert_eq!(server.public_b_hex(), case.server_b_hex, "{ctx}: SRP_B");
        let check = UserClaimCheck {
            pool_name: &case.pool_name,
            user_id_for_srp: &case.user_id_for_srp,
            srp_a_hex: &case.srp_a_hex,
            secret_block_b64: &case.secret_block_b64,
            timestamp: &case.timestamp,
            signature_b64: &case.signature_b64,
        };
        if case.srp_b_hex == case.server_b_hex {
            verify_user_claim(&server, &check).unwrap_or_else(|e| panic!("{ctx}: {e}"));
        } else {
            // The client hashed an unreduced B the server never sent: u differs.
            assert_eq!(
                verify_user_claim(&server, &check),
                Err(SrpError::ClaimMismatch),
                "{ctx}"
            );
        }
        let wrong = password_verifier(
            &case.pool_name,
            &case.user_id_for_srp,
            "not the password",
            &unhex(&case.salt_hex),
        );
        let server = ServerEphemeral::new(&wrong, &unhex(&case.b_random_hex)).unwrap();
        assert_eq!(
            verify_user_claim(&server, &check),
            Err(SrpError::ClaimMismatch),
            "{ctx}"
        );
    }
}

fn check_device(v: &Vectors) {
    assert!(!v.device.is_empty());
    assert_has_sdk_default_a(v.device.iter().map(|c| &c.a_random_hex), &v.generator);
    for case in &v.device {
        let ctx = format!("{} / {}", v.generator, case.name);
        let made = device_verifier(
            &case.device_group_key,
            &case.device_key,
            &unhex(&case.random_hex),
        )
        .unwrap();
        assert_eq!(made.device_password.expose(), case.device_password, "{ctx}");
        assert_eq!(
            made.password_verifier_b64, case.password_verifier_b64,
            "{ctx}"
        );
        assert_eq!(made.salt_b64, case.salt_b64, "{ctx}");

        let stored =
            Verifier::from_confirm_device(&case.password_verifier_b64, &case.salt_b64).unwrap();
        assert_eq!(stored.salt_hex(), case.salt_hex, "{ctx}: SALT");
        assert_eq!(stored.verifier_b64(), case.password_verifier_b64, "{ctx}");

        let client = client_for(&case.a_random_hex, &ctx);
        assert_eq!(client.public_a_hex(), case.srp_a_hex, "{ctx}: SRP_A");
        assert_eq!(
            cognito_timestamp(case.unix_secs).unwrap(),
            case.timestamp,
            "{ctx}"
        );
        let signature = device_password_claim(
            &client,
            &DeviceClaimInput {
                device_group_key: &case.device_group_key,
                device_key: &case.device_key,
                device_password: &case.device_password,
                srp_b_hex: &case.srp_b_hex,
                salt_hex: &case.salt_hex,
                secret_block_b64: &case.secret_block_b64,
                timestamp: &case.timestamp,
            },
        )
        .unwrap();
        assert_eq!(
            signature, case.signature_b64,
            "{ctx}: PASSWORD_CLAIM_SIGNATURE"
        );

        let server = ServerEphemeral::new(&stored, &unhex(&case.b_random_hex)).unwrap();
        assert_eq!(server.public_b_hex(), case.server_b_hex, "{ctx}: SRP_B");
        let check = DeviceClaimCheck {
            device_group_key: &case.device_group_key,
            device_key: &case.device_key,
            srp_a_hex: &case.srp_a_hex,
            secret_block_b64: &case.secret_block_b64,
            timestamp: &case.timestamp,
            signature_b64: &case.signature_b64,
        };
        verify_device_claim(&server, &check).unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let other_key = DeviceClaimCheck {
            device_key: "us-east-1_someone-else",
            ..check
        };
        assert_eq!(
            verify_device_claim(&server, &other_key),
            Err(SrpError::ClaimMismatch)
        );
    }
}

fn check_secret_hash_and_timestamps(v: &Vectors) {
    for case in &v.secret_hash {
        assert_eq!(
            secret_hash(&case.username, &case.client_id, &case.client_secret),
            case.secret_hash,
            "{}",
            v.generator
        );
    }
    assert!(!v.timestamps.is_empty());
    for case in &v.timestamps {
        assert_eq!(
            cognito_timestamp(case.unix_secs).unwrap(),
            case.timestamp,
            "{}",
            v.generator
        );
    }
}

#[test]
fn pycognito_user_client() {
    on_both_paths(|| {
        check_user_client(&load("pycognito.json"));
    });
}

#[test]
fn pycognito_user_server() {
    on_both_paths(|| {
        check_user_server(&load("pycognito.json"));
    });
}

#[test]
fn pycognito_device() {
    on_both_paths(|| {
        check_device(&load("pycognito.json"));
    });
}

#[test]
fn pycognito_secret_hash_and_timestamps() {
    // No big-number arithmetic here: one path is enough.
    let v = load("pycognito.json");
    assert!(!v.secret_hash.is_empty());
    check_secret_hash_and_timestamps(&v);
}

#[test]
fn amplify_js_user_client() {
    on_both_paths(|| {
        check_user_client(&load("amazon-cognito-identity-js.json"));
    });
}

#[test]
fn amplify_js_user_server() {
    on_both_paths(|| {
        check_user_server(&load("amazon-cognito-identity-js.json"));
    });
}

#[test]
fn amplify_js_device() {
    on_both_paths(|| {
        check_device(&load("amazon-cognito-identity-js.json"));
    });
}

#[test]
fn amplify_js_timestamps() {
    check_secret_hash_and_timestamps(&load("amazon-cognito-identity-js.json"));
}

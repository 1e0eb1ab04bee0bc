//! Times the client's SRP work on one known-answer vector, for `benches/peers.sh`, which runs the
//! same computation in pycognito and amazon-cognito-identity-js and prints the ratios.
//!
//! `cargo run --release -p cognito-auth-srp --example peer_timing -- ROUNDS [CASE]`
//! prints one JSON line: median wall and thread-CPU milliseconds for A = g^a and for the
//! critical path after the challenge (the password claim). CASE names a user vector in
//! `tests/vectors/pycognito.json`: `plain` (the default) has our default 72-byte `a`,
//! `peer-default-a-1024` the SDKs' default 128-byte `a`.

// A failure on the committed vector is a bug worth a panic in this measuring tool.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use cognito_auth_srp::{user_password_claim, ClientEphemeral, UserClaimInput};
use cpu_time::ThreadTime;
use serde_json::Value;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Median (wall ms, cpu ms) of `rounds` runs of `f`.
fn time(rounds: usize, mut f: impl FnMut()) -> (f64, f64) {
    let mut wall = Vec::with_capacity(rounds);
    let mut cpu = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let (w, c) = (Instant::now(), ThreadTime::now());
        f();
        cpu.push(c.elapsed().as_secs_f64() * 1e3);
        wall.push(w.elapsed().as_secs_f64() * 1e3);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&mut wall), median(&mut cpu))
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(200, |s| s.parse().expect("ROUNDS"));
    let case_name = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "plain".to_owned());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/pycognito.json");
    let vectors: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = vectors["user"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == case_name.as_str())
        .expect("no such user vector");
    let s = |k: &str| case[k].as_str().unwrap().to_owned();
    let a_random = unhex(&s("a_random_hex"));
    cognito_auth_srp::warm_up();
    // The default constructor for the default length, the any-length one otherwise: the same
    // arithmetic, but each timed as a caller would call it.
    let ephemeral = |a: &[u8]| {
        if a.len() == ClientEphemeral::RANDOM_LEN {
            ClientEphemeral::from_random(a)
        } else {
            ClientEphemeral::from_secret_a(a)
        }
    };

    let client = ephemeral(&a_random).unwrap();
    assert_eq!(client.public_a_hex(), s("srp_a_hex"));
    let (pool_name, user, password) = (s("pool_name"), s("user_id_for_srp"), s("password"));
    let (srp_b, salt, block, timestamp) = (
        s("srp_b_hex"),
        s("salt_hex"),
        s("secret_block_b64"),
        s("timestamp"),
    );
    let input = UserClaimInput {
        pool_name: &pool_name,
        user_id_for_srp: &user,
        password: &password,
        srp_b_hex: &srp_b,
        salt_hex: &salt,
        secret_block_b64: &block,
        timestamp: &timestamp,
    };
    assert_eq!(
        user_password_claim(&client, &input).unwrap(),
        s("signature_b64")
    );

    let (a_wall, a_cpu) = time(rounds, || {
        black_box(ephemeral(black_box(&a_random)).unwrap());
    });
    let (claim_wall, claim_cpu) = time(rounds, || {
        black_box(user_password_claim(black_box(&client), black_box(&input)).unwrap());
    });
    let a_bytes = a_random.len();
    println!(
        "{{\"impl\":\"cognito-auth-srp\",\"case\":\"{case_name}\",\"a_bytes\":{a_bytes},\"a_wall_ms\":{a_wall:.4},\"a_cpu_ms\":{a_cpu:.4},\
         \"claim_wall_ms\":{claim_wall:.4},\"claim_cpu_ms\":{claim_cpu:.4}}}"
    );
}

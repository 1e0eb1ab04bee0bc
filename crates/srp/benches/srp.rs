//! Criterion benchmarks: the client's critical path after the challenge arrives, A = g^a, the
//! server's verification and the device verifier. `cargo bench -p cognito-auth-srp`.

// The inputs are fixed constants known to be valid; a failure here is a bug worth a panic.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use cognito_auth_srp::{
    device_verifier, password_verifier, user_password_claim, verify_user_claim, ClientEphemeral,
    ServerEphemeral, UserClaimCheck, UserClaimInput, DEVICE_VERIFIER_RANDOM_LEN,
};
use criterion::{criterion_group, criterion_main, Criterion};

const POOL: &str = "AbCdEf123";
const USER: &str = "alice";
const PASSWORD: &str = "correct horse battery staple";
const SECRET_BLOCK: &str = "c2VjcmV0IGJsb2NrIGZyb20gdGhlIHNlcnZlcg==";
const TIMESTAMP: &str = "Tue Nov 3 09:05:07 UTC 2026";

fn bench(c: &mut Criterion) {
    cognito_auth_srp::warm_up();
    let salt = [0x3e; 16];
    let verifier = password_verifier(POOL, USER, PASSWORD, &salt);
    let server = ServerEphemeral::new(&verifier, &[0x22; ServerEphemeral::RANDOM_LEN]).unwrap();
    let srp_b = server.public_b_hex();
    let salt_hex = verifier.salt_hex();
    let client = ClientEphemeral::from_random(&[0x11; ClientEphemeral::RANDOM_LEN]).unwrap();
    let input = UserClaimInput {
        pool_name: POOL,
        user_id_for_srp: USER,
        password: PASSWORD,
        srp_b_hex: &srp_b,
        salt_hex: &salt_hex,
        secret_block_b64: SECRET_BLOCK,
        timestamp: TIMESTAMP,
    };

    c.bench_function("client critical path (x, g^x, u, S, HKDF, HMAC)", |b| {
        b.iter(|| user_password_claim(black_box(&client), black_box(&input)).unwrap())
    });

    c.bench_function("client A = g^a", |b| {
        b.iter(|| ClientEphemeral::from_random(black_box(&[0x11; ClientEphemeral::RANDOM_LEN])))
    });

    let signature = user_password_claim(&client, &input).unwrap();
    let srp_a = client.public_a_hex();
    let check = UserClaimCheck {
        pool_name: POOL,
        user_id_for_srp: USER,
        srp_a_hex: &srp_a,
        secret_block_b64: SECRET_BLOCK,
        timestamp: TIMESTAMP,
        signature_b64: &signature,
    };
    c.bench_function("server verify claim", |b| {
        b.iter(|| verify_user_claim(black_box(&server), black_box(&check)).unwrap())
    });
    c.bench_function("server B = k v + g^b", |b| {
        b.iter(|| ServerEphemeral::new(black_box(&verifier), &[0x22; ServerEphemeral::RANDOM_LEN]))
    });

    c.bench_function("device verifier", |b| {
        b.iter(|| {
            device_verifier(
                black_box("-FNJbdqGX"),
                black_box("us-east-1_0d4a9f4e"),
                &[0x33; DEVICE_VERIFIER_RANDOM_LEN],
            )
            .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

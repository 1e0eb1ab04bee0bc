//! Times sign-ins through the core alone (no HTTP): `cargo run --release --example signin_loop`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cognito_auth_emulator::{example_seed, Emulator, EmulatorConfig, TokenSigner, UnixMillis};
use serde_json::{json, Map};

fn main() {
    let now = UnixMillis::from_secs(1_800_000_000);
    let mut emu = Emulator::new(EmulatorConfig::default()).unwrap();
    emu.apply_seed(&example_seed(), now).unwrap();
    let req = json!({"ClientId": "exampleclient0000000000001", "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}});
    let n = 200;
    let start = std::time::Instant::now();
    for _ in 0..n {
        emu.handle("AWSCognitoIdentityProviderService.InitiateAuth", &req, now)
            .unwrap();
    }
    let per = start.elapsed().as_secs_f64() / f64::from(n);
    println!(
        "core sign-in: {:.3} ms ({:.0}/s on one core)",
        per * 1e3,
        1.0 / per
    );
    let signer = TokenSigner::emulator_only().unwrap();
    let mut claims = Map::new();
    claims.insert("sub".into(), json!("x"));
    let start = std::time::Instant::now();
    for _ in 0..n {
        signer.sign(&claims);
    }
    println!(
        "one RS256 signature: {:.3} ms",
        start.elapsed().as_secs_f64() / f64::from(n) * 1e3
    );
}

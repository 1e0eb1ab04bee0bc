//! Full USER_SRP_AUTH sign-ins against a Cognito endpoint (the emulator on loopback), timed end
//! to end, for `crates/emulator/bench/signin_wall.sh`, which runs pycognito and
//! amazon-cognito-identity-js against the same emulator and prints the ratios.
//!
//! `cargo run --release -p cognito-auth-srp --example signin_wall -- ENDPOINT POOL_ID CLIENT_ID
//! USERNAME PASSWORD ROUNDS`
//!
//! One sign-in: fresh random `a` and A = g^a, InitiateAuth, the password claim,
//! RespondToAuthChallenge, the tokens checked present. HTTP/1.1 over one kept-alive loopback
//! connection, written by hand so that this crate's dev tools need no HTTP client or AWS SDK
//! (the SDKs keep their connection alive too). Prints one JSON line: the median wall time of a
//! sign-in and of its SRP computation alone.

// A failing sign-in is a broken benchmark set-up; a panic with the message is the right report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cognito_auth_srp::UserClaimInput;
use cognito_auth_srp::{cognito_timestamp, pool_name, user_password_claim, ClientEphemeral};
use serde_json::{json, Value};

struct Conn {
    host: String,
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn open(endpoint: &str) -> Self {
        let host = endpoint
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let stream = TcpStream::connect(&host).expect("connect");
        stream.set_nodelay(true).unwrap();
        Self {
            host,
            reader: BufReader::new(stream),
        }
    }

    /// One AWS JSON 1.1 call; returns the parsed body of a 200 answer.
    fn call(&mut self, target: &str, body: &Value) -> Value {
        let body = body.to_string();
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-amz-json-1.1\r\n\
             X-Amz-Target: AWSCognitoIdentityProviderService.{target}\r\n\
             Content-Length: {}\r\n\r\n{body}",
            self.host,
            body.len()
        );
        self.reader.get_mut().write_all(request.as_bytes()).unwrap();
        let mut status = String::new();
        self.reader.read_line(&mut status).unwrap();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let mut answer = vec![0u8; length];
        self.reader.read_exact(&mut answer).unwrap();
        let answer: Value = serde_json::from_slice(&answer).unwrap();
        assert!(status.contains(" 200 "), "{target}: {status} {answer}");
        answer
    }
}

fn os_random(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .unwrap()
        .read_exact(&mut out)
        .unwrap();
    out
}

/// One sign-in; returns the time spent in SRP computation (A and the claim).
fn sign_in(conn: &mut Conn, pool: &str, client_id: &str, user: &str, password: &str) -> Duration {
    let t = Instant::now();
    let client = ClientEphemeral::from_random(&os_random(ClientEphemeral::RANDOM_LEN)).unwrap();
    let srp_a = client.public_a_hex();
    let mut srp_time = t.elapsed();
    let challenge = conn.call(
        "InitiateAuth",
        &json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": client_id,
                "AuthParameters": {"USERNAME": user, "SRP_A": srp_a}}),
    );
    let p = &challenge["ChallengeParameters"];
    let s = |k: &str| {
        p[k].as_str()
            .unwrap_or_else(|| panic!("no {k}: {challenge}"))
    };
    let t = Instant::now();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let timestamp = cognito_timestamp(now.as_secs() as i64).unwrap();
    let user_id = s("USER_ID_FOR_SRP");
    let signature = user_password_claim(
        &client,
        &UserClaimInput {
            pool_name: pool,
            user_id_for_srp: user_id,
            password,
            srp_b_hex: s("SRP_B"),
            salt_hex: s("SALT"),
            secret_block_b64: s("SECRET_BLOCK"),
            timestamp: &timestamp,
        },
    )
    .unwrap();
    srp_time += t.elapsed();
    let done = conn.call(
        "RespondToAuthChallenge",
        &json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": client_id,
                "ChallengeResponses": {"USERNAME": user_id, "TIMESTAMP": timestamp,
                    "PASSWORD_CLAIM_SECRET_BLOCK": s("SECRET_BLOCK"),
                    "PASSWORD_CLAIM_SIGNATURE": signature}}),
    );
    assert!(
        done["AuthenticationResult"]["AccessToken"].is_string(),
        "{done}"
    );
    srp_time
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, pool_id, client_id, user, password, rounds] = &args[..] else {
        panic!("usage: signin_wall ENDPOINT POOL_ID CLIENT_ID USERNAME PASSWORD ROUNDS");
    };
    let rounds: usize = rounds.parse().expect("ROUNDS");
    let pool = pool_name(pool_id).unwrap();
    let mut conn = Conn::open(endpoint);
    cognito_auth_srp::warm_up();
    // One untimed sign-in opens the connection's and the server's caches, as the SDK runs do.
    sign_in(&mut conn, pool, client_id, user, password);
    let mut wall = Vec::with_capacity(rounds);
    let mut srp = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        srp.push(sign_in(&mut conn, pool, client_id, user, password).as_secs_f64() * 1e3);
        wall.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "{{\"impl\":\"cognito-auth-srp\",\"signin_wall_ms\":{:.3},\"srp_wall_ms\":{:.3}}}",
        median(&mut wall),
        median(&mut srp)
    );
}

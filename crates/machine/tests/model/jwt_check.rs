//! The `jwt` fuzz target's check (`fuzz/fuzz_targets/jwt.rs` includes this file by path, and
//! `tests/fuzz_corpus.rs` replays the committed corpus through it).
//!
//! Every input is read twice: as a whole token, and as the JSON payload of a well-formed
//! token (so the fuzzer explores claims without having to find base64 first). Beyond "never
//! panics": claims that decode make tokens whose expiry is the earlier `exp`, whose clock
//! arithmetic (drift, lifetime, validity, refresh skew, re-arm floor) saturates instead of
//! overflowing at any local time, and whose `Debug` never shows the token.
#![allow(dead_code, unreachable_pub, missing_docs)]
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use base64::Engine as _;
use cognito_auth_machine::session::{
    decode_claims, rearm_floor_ms, refresh_skew_s, JwtError, Tokens,
};
use cognito_auth_machine::Secret;

/// Local clocks the token arithmetic is checked at: both extremes and the ordinary.
const NOWS: [i64; 5] = [i64::MIN, -1, 0, 1_700_000_000, i64::MAX];

pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check_token(&text);
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data);
    check_token(&format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln"));
}

fn check_token(token: &str) {
    match decode_claims(token) {
        Err(e) => {
            let message = e.to_string();
            if let JwtError::Shape(n) = e {
                assert_eq!(n, token.split('.').count());
            }
            // The message is one of three fixed sentences: it never quotes the token.
            assert!(message.len() < 80, "{message}");
        }
        Ok(claims) => {
            let tokens = Tokens::from_jwts(
                Secret::new(token.to_owned()),
                Some(Secret::new(token.to_owned())),
                None,
            )
            .expect("a token whose claims decode makes tokens");
            assert_eq!(tokens.expires_at_s, claims.exp);
            assert_eq!(tokens.issued_at_s, claims.iat);
            let debug = format!("{tokens:?}");
            assert!(
                token.len() < 12 || !debug.contains(token),
                "Debug shows the token: {debug}"
            );
            for now in NOWS {
                let received = tokens.clone().received_at(now);
                let lifetime = received.lifetime_s(now);
                let _ = received.is_valid_at(now);
                let _ = received.service_now_s(now);
                assert!(rearm_floor_ms(lifetime) >= 1000);
                for configured in [0, 300, u64::MAX] {
                    let skew = refresh_skew_s(configured, lifetime);
                    assert!(
                        skew >= 0 && skew <= lifetime.max(0),
                        "skew {skew}, lifetime {lifetime}"
                    );
                }
            }
        }
    }
}

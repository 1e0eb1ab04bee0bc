//! The decoder against the one it replaced (kept here as the oracle): the `base64` crate's
//! `URL_SAFE_NO_PAD` engine, then `serde_json::from_slice` into a derived struct. Same input,
//! same `Result`: the claims read, or the same `JwtError`.

use std::borrow::Cow;

use base64::Engine as _;
use proptest::prelude::*;
use serde::Deserialize;

use super::super::{decode_claims, Claims, JwtError};
use super::{decode_base64url, decoded_len};

/// The claims struct the old decoder read with serde.
#[derive(Deserialize)]
struct OracleClaims<'a> {
    exp: i64,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default, borrow)]
    sub: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    username: Option<Cow<'a, str>>,
    #[serde(default, borrow, rename = "cognito:username")]
    cognito_username: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    token_use: Option<Cow<'a, str>>,
}

/// The old decoder's payload part: the second of exactly three dot-separated parts, padding
/// dropped.
fn payload_part(jwt: &str) -> Result<&str, JwtError> {
    let mut parts = jwt.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Shape(jwt.split('.').count()));
    };
    Ok(payload.trim_end_matches('='))
}

/// The old `decode_claims`, verbatim but for the stack buffer (which changed nothing it
/// accepted).
fn oracle(jwt: &str) -> Result<Claims, JwtError> {
    let payload = payload_part(jwt)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| JwtError::Base64)?;
    let c: OracleClaims<'_> = serde_json::from_slice(&json).map_err(|_| JwtError::Json)?;
    Ok(Claims {
        exp: c.exp,
        iat: c.iat,
        sub: c.sub.map(Cow::into_owned),
        username: c.username.map(Cow::into_owned),
        cognito_username: c.cognito_username.map(Cow::into_owned),
        token_use: c.token_use.map(Cow::into_owned),
    })
}

const HEADER: &str = "eyJraWQiOiJrIiwiYWxnIjoiUlMyNTYifQ";

/// A token around `payload` bytes, encoded as Cognito encodes them.
fn token(payload: &[u8]) -> String {
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!("{HEADER}.{}.c2ln", e.encode(payload))
}

fn same(jwt: &str) -> Result<(), TestCaseError> {
    let new = decode_claims(jwt);
    let old = oracle(jwt);
    prop_assert_eq!(&new, &old, "token {:?}", jwt);
    Ok(())
}

/// Access and id token payloads as Cognito issues them.
const ACCESS: &str = r#"{"sub":"0b1c4f6a-63a9-4d1e-9d1e-1f0c3b2a9e11","device_key":"us-east-1_6a1f1d3c-2f1b-4f2e-8d5a-1b2c3d4e5f60","iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI","client_id":"3n4b5urk1ft4fl3mg5e62d9ado","origin_jti":"9e0f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b","event_id":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","token_use":"access","scope":"aws.cognito.signin.user.admin","auth_time":1700000000,"exp":1700003600,"iat":1700000000,"jti":"5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a","username":"alice"}"#;
const ID: &str = r#"{"sub":"0b1c4f6a-63a9-4d1e-9d1e-1f0c3b2a9e11","cognito:groups":["admins","r\u00e9viseurs"],"email_verified":true,"iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI","cognito:username":"alice","origin_jti":"9e0f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b","aud":"3n4b5urk1ft4fl3mg5e62d9ado","event_id":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","token_use":"id","auth_time":1700000000,"exp":1700003600,"iat":1700000000,"jti":"5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a","email":"alice@example.com","custom:tier":{"level":3,"tags":[1.5e3,-0,null,false]}}"#;

/// Pieces of JSON, well and ill formed, that mutations splice into payloads.
const PIECES: &[&str] = &[
    "\"exp\":",
    "\"iat\":",
    "\"sub\":",
    "\"username\":",
    "\"cognito:username\":",
    "\"token_use\":",
    "\"\\u0065xp\":",
    "\"\\u0073ub\":",
    "null",
    "nul",
    "true",
    "false",
    "0",
    "-0",
    "01",
    "1.5",
    "1e3",
    "1E+3",
    "1.",
    "-",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "\"\\ud83d\\ude00\"",
    "\"\\ud800\"",
    "\"\\udc00\"",
    "\"\\ud800\\u0041\"",
    "\"\\u00e9\\n\\t\\/\\\\\\\"\"",
    "\"\\x\"",
    "\"\\u12\"",
    "\"\u{1}\"",
    "\"é\"",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "\\",
    " \t\r\n",
    "[[[[]]]]",
    "{\"a\":{\"b\":[{}]}}",
];

/// A payload changed in one of the ways that reach the decoder's corners.
#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, byte: u8 },
    Truncate { at: usize },
    Insert { at: usize, piece: usize },
    Replace { at: usize, len: usize, piece: usize },
    Duplicate { at: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let piece = 0..PIECES.len();
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), piece.clone()).prop_map(|(at, piece)| Mutation::Insert { at, piece }),
        (any::<usize>(), 0usize..12, piece).prop_map(|(at, len, piece)| Mutation::Replace {
            at,
            len,
            piece
        }),
        (any::<usize>(), 0usize..40).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let pos = |at: usize, bytes: &Vec<u8>| at % (bytes.len() + 1);
    match *m {
        Mutation::Flip { at, byte } => {
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] = byte;
            }
        }
        Mutation::Truncate { at } => bytes.truncate(pos(at, bytes)),
        Mutation::Insert { at, piece } => {
            let i = pos(at, bytes);
            bytes.splice(i..i, PIECES[piece].bytes());
        }
        Mutation::Replace { at, len, piece } => {
            let i = pos(at, bytes);
            let end = (i + len).min(bytes.len());
            bytes.splice(i..end, PIECES[piece].bytes());
        }
        Mutation::Duplicate { at, len } => {
            let i = pos(at, bytes);
            let end = (i + len).min(bytes.len());
            let copy = bytes[i..end].to_vec();
            bytes.splice(i..i, copy);
        }
    }
}

/// JSON text built from pieces: values of every kind, objects keyed by the claims (escaped
/// or not) and others, arrays, whitespace, sometimes ill-formed.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (0..PIECES.len()).prop_map(|i| PIECES[i].to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        "[a-zA-Z0-9 \\\\\"é\u{1}/-]{0,12}".prop_map(|s| format!("\"{s}\"")),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key(), inner), 0..6).prop_map(|members| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect();
                format!("{{{}}}", members.join(", "))
            }),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "\"exp\"",
            "\"iat\"",
            "\"sub\"",
            "\"username\"",
            "\"cognito:username\"",
            "\"token_use\"",
            "\"\\u0065xp\"",
            "\"cognito\\u003ausername\"",
            "\"x\"",
            "\"\"",
            "\"\\ud800\"",
            "\"é\"",
        ])
        .prop_map(str::to_owned),
        "[a-z_:]{0,10}".prop_map(|s| format!("\"{s}\"")),
    ]
}

/// A payload: a claims object (its members from `key()` and `json_value()`, `exp` usually
/// among them), a claims array, or any value.
fn payload() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (any::<i64>(), prop::collection::vec((key(), json_value()), 0..8), any::<usize>())
            .prop_map(|(exp, mut members, at)| {
                let at = at % (members.len() + 1);
                members.insert(at, ("\"exp\"".to_owned(), exp.to_string()));
                let members: Vec<String> =
                    members.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
                format!(" {{{}}}\n", members.join(","))
            }),
        1 => prop::collection::vec(json_value(), 0..8).prop_map(|v| format!("[{}]", v.join(","))),
        1 => json_value(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn arbitrary_bytes_as_a_payload(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        same(&token(&bytes))?;
    }

    #[test]
    fn arbitrary_text_as_a_token(text in "[A-Za-z0-9_=.+/ -]{0,40}") {
        same(&text)?;
    }

    #[test]
    fn arbitrary_base64url(payload in "[A-Za-z0-9_=+/ -]{0,80}") {
        same(&format!("{HEADER}.{payload}.c2ln"))?;
    }

    #[test]
    fn generated_json(json in payload()) {
        same(&token(json.as_bytes()))?;
    }

    #[test]
    fn mutated_generated_json(json in payload(), ms in prop::collection::vec(mutation(), 1..4)) {
        let mut bytes = json.into_bytes();
        for m in &ms {
            apply(&mut bytes, m);
        }
        same(&token(&bytes))?;
    }

    #[test]
    fn mutated_cognito_payloads(id in any::<bool>(), ms in prop::collection::vec(mutation(), 1..5)) {
        let mut bytes = if id { ID } else { ACCESS }.as_bytes().to_vec();
        for m in &ms {
            apply(&mut bytes, m);
        }
        same(&token(&bytes))?;
    }

    #[test]
    fn mutated_cognito_tokens(
        id in any::<bool>(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..4),
    ) {
        // Edits of the base64 text: a symbol replaced, removed, or the text cut there.
        let mut text = token(if id { ID } else { ACCESS }.as_bytes()).into_bytes();
        for (at, byte, kind) in edits {
            if text.is_empty() {
                break;
            }
            let i = at % text.len();
            match kind {
                0 => text[i] = byte,
                1 => { text.remove(i); }
                _ => text.truncate(i),
            }
        }
        same(&String::from_utf8_lossy(&text))?;
    }

    #[test]
    fn base64url_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..3000)) {
        let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
        let mut out = vec![std::mem::MaybeUninit::uninit(); decoded_len(text.len()).unwrap_or(0)];
        let decoded = decode_base64url(text.as_bytes(), &mut out);
        prop_assert_eq!(decoded.as_deref(), Ok(&bytes[..]));
    }
}

#[test]
fn real_cognito_payloads_read_the_same() {
    for json in [ACCESS, ID] {
        let t = token(json.as_bytes());
        let claims = decode_claims(&t);
        assert_eq!(claims, oracle(&t));
        assert_eq!(claims.map(|c| c.exp), Ok(1_700_003_600));
    }
    // Large payloads take the heap path.
    let big = ID.replacen(
        "\"email\":",
        &format!("\"pad\":\"{}\",\"email\":", "x".repeat(3000)),
        1,
    );
    let t = token(big.as_bytes());
    assert_eq!(decode_claims(&t), oracle(&t));
    assert!(decode_claims(&t).is_ok());
}

#[test]
fn corners_read_the_same() {
    let cases: &[&str] = &[
        "[1]",
        "[1,null,\"s\"]",
        "[1,2,\"s\",\"u\",\"c\",\"t\"]",
        "[1,2,\"s\",\"u\",\"c\",\"t\",7]",
        "[1,]",
        "[]",
        "{\"exp\":1,\"exp\":2}",
        "{\"exp\":1,\"iat\":null,\"iat\":null}",
        "{\"exp\":1,\"x\":1,\"x\":2}",
        "{\"\\u0065xp\":5}",
        "{\"exp\":-0}",
        "{\"exp\":-9223372036854775808}",
        "{\"exp\":9223372036854775808}",
        "{\"exp\":1.0}",
        "{\"exp\":1,\"sub\":\"\\ud800\"}",
        "{\"exp\":1,\"sub\":\"\\udc00\"}",
        "{\"exp\":1,\"username\":\"\\ud800\\u0041\"}",
        "{\"exp\":1,\"token_use\":\"\\ud800\\ud800\"}",
        "{\"exp\":1,\"other\":\"\\ud800\"}",
        "{\"exp\":1,\"other\":\"\u{ff}\"}",
        "{\"exp\":1,\"sub\":\"a\\u00e9\\ud83d\\ude00\"}",
        "{\"exp\":1,}",
        "{\"exp\":1} x",
        "{\"exp\":1}\n",
        "{\"exp\":1,\"deep\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
        "{\"exp\":1,\"deep\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    ];
    for json in cases {
        let t = token(json.as_bytes());
        assert_eq!(decode_claims(&t), oracle(&t), "{json}");
    }
    // Deeper than serde_json's recursion limit, skipped (it has none there).
    let deep = format!("{{\"exp\":1,\"d\":{}{}}}", "[".repeat(300), "]".repeat(300));
    let t = token(deep.as_bytes());
    assert_eq!(decode_claims(&t), oracle(&t));
    assert!(decode_claims(&t).is_ok());
    // Arrays and objects alternating, 140 deep, then closed in order.
    let alternating = format!(
        "{{\"exp\":1,\"d\":{}0{}}}",
        "[{\"k\":".repeat(70),
        "}]".repeat(70)
    );
    let t = token(alternating.as_bytes());
    assert_eq!(decode_claims(&t), oracle(&t));
    assert!(decode_claims(&t).is_ok());
    // Mismatched brackets past the first word of frames.
    let crossed = format!(
        "{{\"exp\":1,\"d\":{}{{}}{}}}",
        "[{\"k\":".repeat(70),
        "}]".repeat(69) + "]]"
    );
    let t = token(crossed.as_bytes());
    assert_eq!(decode_claims(&t), oracle(&t));
    assert_eq!(decode_claims(&t), Err(JwtError::Json));
    // Non-canonical last symbols, padding, a symbol too many.
    for payload in [
        "e30", "e31", "eyJ", "eyK", "e30=", "e30==", "e3=0", "e", "e30xx",
    ] {
        let t = format!("{HEADER}.{payload}.c2ln");
        assert_eq!(decode_claims(&t), oracle(&t), "{payload}");
    }
}

/// Strings are scanned a word (8 bytes) at a time: every kind of special byte (a quote, each
/// escape, every control character, DEL, bytes past ASCII, valid and broken UTF-8) at every
/// offset of the first two words of a string, in a key, a skipped value and a claim read.
#[test]
fn special_bytes_at_every_word_offset_read_the_same() {
    let mut specials: Vec<Vec<u8>> = [
        "\\\"",
        "\\\\",
        "\\/",
        "\\b",
        "\\f",
        "\\n",
        "\\r",
        "\\t",
        "\\u0041",
        "\\u00e9",
        "\\ud83d\\ude00",
        "\\ud800",
        "\\x",
        "\\",
        "\"",
        " ",
        "~",
        "\u{7f}",
        "\u{e9}",
        "\u{20ac}",
        "\u{1f600}",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    specials.extend((0u8..0x20).map(|c| vec![c]));
    specials.extend([vec![0x80], vec![0xc3], vec![0xff], vec![0xe2, 0x82]]);
    let mut accepted = 0;
    for special in &specials {
        for offset in 0..17 {
            for end in [0, 1, 7, 8, 9] {
                let mut s = vec![b'a'; offset];
                s.extend_from_slice(special);
                s.extend(std::iter::repeat_n(b'z', end));
                for (before, after) in [
                    (&b"{\"exp\":1,\""[..], &b"\":2}"[..]),
                    (b"{\"exp\":1,\"k\":\"", b"\"}"),
                    (b"{\"exp\":1,\"sub\":\"", b"\"}"),
                    (b"{\"exp\":1,\"token_use\":\"", b"\",\"x\":\"y\"}"),
                    (b"{\"exp\":1,\"d\":[\"", b"\",{\"k\":\"v\"}]}"),
                ] {
                    let mut json = before.to_vec();
                    json.extend_from_slice(&s);
                    json.extend_from_slice(after);
                    let t = token(&json);
                    let new = decode_claims(&t);
                    assert_eq!(new, oracle(&t), "{:?}", String::from_utf8_lossy(&json));
                    accepted += usize::from(new.is_ok());
                }
            }
        }
    }
    // Both outcomes occur: the cases are not all rejected (or all accepted) for one reason.
    assert!(accepted > 1000, "{accepted} accepted");
}

//! Verification against AWS's SigV4 signing test suite (aws-c-auth's `aws-signing-test-suite/v4`,
//! Apache-2.0, the same cases the AWS SDKs test their signers with): every signed request there
//! must verify, and must stop verifying once anything it signed changes.

use super::*;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// The suite's `timestamp`, 2015-08-30T12:36:00Z.
const SUITE_NOW: u64 = 1_440_938_160;

/// An HTTP/1.1 request in the suite's text form.
struct Raw {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn parse(text: &str) -> Self {
        let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
        let mut lines = head.lines();
        let start = lines.next().unwrap_or_default();
        let mut parts = start.split(' ');
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        Self {
            method,
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body: body.trim_end_matches('\n').as_bytes().to_vec(),
        }
    }

    fn request(&self) -> HttpRequest<'_> {
        HttpRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }

    fn verify_at(&self, now_s: u64) -> Result<Signature, SigV4Error> {
        let req = self.request();
        let sig = parse(&req)?;
        verify(&req, &sig, SECRET, "service", UnixMillis::from_secs(now_s))?;
        Ok(sig)
    }
}

const GET_VANILLA: &str = "GET / HTTP/1.1
Host:example.amazonaws.com
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31

";

const GET_VANILLA_QUERY: &str = "GET /?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d HTTP/1.1
Host:example.amazonaws.com

";

const GET_WITH_SESSION_TOKEN: &str = "GET / HTTP/1.1
Host:example.amazonaws.com
X-Amz-Security-Token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8

";

const GET_QUERY_WITH_SESSION_TOKEN: &str = "GET /?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Security-Token=6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267&X-Amz-Signature=7ff2b50b376cb4d151970630573d6291dc128cc5c2a12ffb237f73cc53f67b6c HTTP/1.1
Host:example.amazonaws.com

";

const GET_HEADER_VALUE_TRIM: &str = "GET / HTTP/1.1
Host:example.amazonaws.com
My-Header1: value1
My-Header2: \"a   b   c\"
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736

";

const GET_QUERY_ORDER_KEY_CASE: &str = "GET /?Param2=value2&Param1=value1 HTTP/1.1
Host:example.amazonaws.com
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500

";

const POST_FORM: &str = "POST / HTTP/1.1
Content-Type:application/x-www-form-urlencoded
Host:example.amazonaws.com
Content-Length:13
X-Amz-Date:20150830T123600Z
x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b

Param1=value1";

const POST_FORM_QUERY: &str = "POST /?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&X-Amz-Expires=3600&X-Amz-Signature=89a40deed0f26f9461242825a082d2222717248abc7ab41f552ad84a94ad46e9 HTTP/1.1
Content-Type:application/x-www-form-urlencoded
Host:example.amazonaws.com
Content-Length:13

Param1=value1";

const SUITE: [(&str, &str); 8] = [
    ("get-vanilla", GET_VANILLA),
    ("get-vanilla (query)", GET_VANILLA_QUERY),
    ("get-vanilla-with-session-token", GET_WITH_SESSION_TOKEN),
    (
        "get-vanilla-with-session-token (query)",
        GET_QUERY_WITH_SESSION_TOKEN,
    ),
    ("get-header-value-trim", GET_HEADER_VALUE_TRIM),
    ("get-vanilla-query-order-key-case", GET_QUERY_ORDER_KEY_CASE),
    ("post-x-www-form-urlencoded", POST_FORM),
    ("post-x-www-form-urlencoded (query)", POST_FORM_QUERY),
];

#[test]
fn every_suite_request_verifies() {
    for (name, text) in SUITE {
        let sig = Raw::parse(text).verify_at(SUITE_NOW);
        assert!(sig.is_ok(), "{name}: {sig:?}");
    }
}

#[test]
fn get_vanilla_canonical_request_is_the_suites() {
    let raw = Raw::parse(GET_VANILLA);
    let req = raw.request();
    let sig = parse(&req).expect("parses");
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let canonical = canonical_request(&req, &sig, empty);
    assert_eq!(
        canonical,
        format!("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n{empty}")
    );
    assert_eq!(
        string_to_sign(&sig, &canonical),
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
         bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
    );
}

#[test]
fn the_session_token_is_read_from_header_and_query() {
    let token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
    for text in [GET_WITH_SESSION_TOKEN, GET_QUERY_WITH_SESSION_TOKEN] {
        let sig = Raw::parse(text).verify_at(SUITE_NOW).expect("verifies");
        assert_eq!(sig.session_token.as_deref(), Some(token));
        assert_eq!(sig.access_key_id, "AKIDEXAMPLE");
    }
}

#[test]
fn another_secret_does_not_match() {
    let raw = Raw::parse(GET_VANILLA);
    let req = raw.request();
    let sig = parse(&req).expect("parses");
    let err = verify(
        &req,
        &sig,
        "not-the-secret",
        "service",
        UnixMillis::from_secs(SUITE_NOW),
    )
    .expect_err("wrong secret");
    assert_eq!(err.code(), "SignatureDoesNotMatch");
    assert_eq!(err.http_status(), 403);
}

#[test]
fn changing_anything_signed_breaks_the_signature() {
    let tampered = [
        GET_VANILLA.replace("Host:example.amazonaws.com", "Host:example.amazonaws.org"),
        GET_QUERY_ORDER_KEY_CASE.replace("Param1=value1", "Param1=value9"),
        POST_FORM.replace("\n\nParam1=value1", "\n\nParam1=value2"),
        POST_FORM_QUERY.replace("\n\nParam1=value1", "\n\nParam1=value2"),
        GET_WITH_SESSION_TOKEN.replace("X-Amz-Security-Token:6e8", "X-Amz-Security-Token:7e8"),
        GET_VANILLA.replace("GET / HTTP", "POST / HTTP"),
    ];
    for text in tampered {
        let err = Raw::parse(&text).verify_at(SUITE_NOW).expect_err(&text);
        assert_eq!(err.code(), "SignatureDoesNotMatch", "{text}");
    }
}

#[test]
fn an_unsigned_header_may_change() {
    let text = GET_VANILLA.replace("X-Amz-Date", "User-Agent:test\nX-Amz-Date");
    assert!(Raw::parse(&text).verify_at(SUITE_NOW).is_ok());
}

#[test]
fn header_signatures_live_fifteen_minutes_either_way() {
    let raw = Raw::parse(GET_VANILLA);
    assert!(raw.verify_at(SUITE_NOW + MAX_SKEW_S).is_ok());
    assert!(raw.verify_at(SUITE_NOW - MAX_SKEW_S).is_ok());
    let late = raw
        .verify_at(SUITE_NOW + MAX_SKEW_S + 1)
        .expect_err("too late");
    assert_eq!(
        late,
        SigV4Error::Mismatch(
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z \
             (20150830T125101Z - 15 min.)"
                .into()
        )
    );
    let early = raw
        .verify_at(SUITE_NOW - MAX_SKEW_S - 1)
        .expect_err("too early");
    assert_eq!(early.code(), "SignatureDoesNotMatch");
    assert!(early.to_string().starts_with("Signature not yet current"));
}

#[test]
fn presigned_urls_expire_after_their_lifetime() {
    let raw = Raw::parse(GET_VANILLA_QUERY);
    assert!(raw.verify_at(SUITE_NOW + 3600).is_ok());
    let err = raw.verify_at(SUITE_NOW + 3601).expect_err("expired");
    assert_eq!((err.code(), err.http_status()), ("RequestExpired", 400));
}

#[test]
fn the_scope_must_name_the_service_and_the_request_date() {
    let raw = Raw::parse(GET_VANILLA);
    let req = raw.request();
    let sig = parse(&req).expect("parses");
    let err = verify(&req, &sig, SECRET, "sts", UnixMillis::from_secs(SUITE_NOW))
        .expect_err("other service");
    assert_eq!(err.code(), "SignatureDoesNotMatch");
    let other_day = GET_VANILLA.replace("AKIDEXAMPLE/20150830", "AKIDEXAMPLE/20150831");
    let err = Raw::parse(&other_day)
        .verify_at(SUITE_NOW)
        .expect_err("date");
    assert!(
        err.to_string().starts_with("Date in Credential scope"),
        "{err}"
    );
}

#[test]
fn malformed_or_missing_signatures_are_told_apart() {
    let unsigned = "GET / HTTP/1.1\nHost:example.amazonaws.com\n\n";
    assert_eq!(
        Raw::parse(unsigned).verify_at(SUITE_NOW),
        Err(SigV4Error::Missing)
    );
    let cases = [
        GET_VANILLA.replace(
            "Credential=AKIDEXAMPLE/20150830/",
            "Credential=AKIDEXAMPLE/",
        ),
        GET_VANILLA.replace(", SignedHeaders=host;x-amz-date", ""),
        GET_VANILLA.replace("X-Amz-Date:20150830T123600Z\n", ""),
        GET_VANILLA.replace("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA1 "),
        GET_VANILLA.replace("aws4_request", "aws5_request"),
    ];
    for text in cases {
        let err = Raw::parse(&text).verify_at(SUITE_NOW).expect_err(&text);
        assert_eq!(
            (err.code(), err.http_status()),
            ("IncompleteSignature", 400),
            "{text}"
        );
    }
}

#[test]
fn http_dates_are_imf_fixdates() {
    assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(http_date(1_709_210_096), "Thu, 29 Feb 2024 12:34:56 GMT");
}

#[test]
fn amz_dates_round_trip() {
    assert_eq!(parse_amz_date("20150830T123600Z"), Some(SUITE_NOW));
    assert_eq!(amz_date(SUITE_NOW), "20150830T123600Z");
    for s in [0, 951_782_400, 4_102_444_799] {
        assert_eq!(parse_amz_date(&amz_date(s)), Some(s));
    }
    for bad in [
        "2015-08-30T12:36:00Z",
        "20150830T123600",
        "20151330T123600Z",
        "",
    ] {
        assert_eq!(parse_amz_date(bad), None, "{bad}");
    }
}

#[test]
fn paths_are_normalized_and_encoded_again() {
    assert_eq!(canonical_uri("/"), "/");
    assert_eq!(canonical_uri(""), "/");
    assert_eq!(canonical_uri("/a/./b/../c//d/"), "/a/c/d/");
    assert_eq!(canonical_uri("/example%20space/"), "/example%2520space/");
}

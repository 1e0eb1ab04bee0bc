//! STS over its own protocol, with requests signed by AWS's own signer (`aws-sigv4`, the crate
//! every Rust SDK client signs with), so the verifier is checked against a signer nobody here
//! wrote.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;

use super::*;

const NOW_S: u64 = 1_800_000_000;
const KEY: &str = "ASIAEMULATOREXAMPLE1";
const SECRET: &str = "emulatorSecretKey0000000000000000000000a";
const TOKEN: &str = "session-token-of-the-emulator";
const ROLE: &str = "arn:aws:iam::123456789012:role/service-role/Cognito_demoAuth_Role";
const FORM: &str = "Action=GetCallerIdentity&Version=2011-06-15";

struct Sent {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Sent {
    fn request(&self) -> HttpRequest<'_> {
        HttpRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }

    fn answer(&self, now_s: u64) -> StsResponse {
        handle(
            &self.request(),
            lookup,
            UnixMillis::from_secs(now_s),
            "req-1",
        )
    }
}

fn issued() -> IssuedCredentials {
    IssuedCredentials {
        secret_access_key: SECRET.into(),
        session_token: TOKEN.into(),
        expires: UnixMillis::from_secs(NOW_S + 3600),
        identity_id: "us-east-1:identity".into(),
        role_arn: ROLE.into(),
    }
}

fn lookup(key: &str) -> Option<IssuedCredentials> {
    (key == KEY).then(issued)
}

struct Signing<'a> {
    key: &'a str,
    secret: &'a str,
    token: Option<&'a str>,
    at_s: u64,
    region: &'a str,
    presign: bool,
}

impl Default for Signing<'_> {
    fn default() -> Self {
        Self {
            key: KEY,
            secret: SECRET,
            token: Some(TOKEN),
            at_s: NOW_S,
            region: "eu-west-3",
            presign: false,
        }
    }
}

impl Signing<'_> {
    /// A `GetCallerIdentity` as the SDKs send it (form POST), or as a presigned GET.
    fn send(&self) -> Sent {
        let identity = Credentials::new(
            self.key,
            self.secret,
            self.token.map(str::to_owned),
            None,
            "test",
        )
        .into();
        let mut settings = SigningSettings::default();
        if self.presign {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(Duration::from_secs(900));
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(self.region)
            .name("sts")
            .time(UNIX_EPOCH + Duration::from_secs(self.at_s))
            .settings(settings)
            .build()
            .expect("signing params")
            .into();
        let (method, query, body, mut headers) = if self.presign {
            (
                "GET",
                FORM.to_owned(),
                Vec::new(),
                vec![("host", "127.0.0.1:9229")],
            )
        } else {
            (
                "POST",
                String::new(),
                FORM.as_bytes().to_vec(),
                vec![
                    ("host", "127.0.0.1:9229"),
                    (
                        "content-type",
                        "application/x-www-form-urlencoded; charset=utf-8",
                    ),
                ],
            )
        };
        let uri = if query.is_empty() {
            "http://127.0.0.1:9229/".to_owned()
        } else {
            format!("http://127.0.0.1:9229/?{query}")
        };
        let signable = SignableRequest::new(
            method,
            uri,
            headers.iter().copied(),
            SignableBody::Bytes(&body),
        )
        .expect("signable");
        let (instructions, _) = sign(signable, &params).expect("signs").into_parts();
        let mut sent = Sent {
            method: method.into(),
            path: "/".into(),
            query,
            headers: Vec::new(),
            body: body.clone(),
        };
        headers.extend(instructions.headers());
        sent.headers = headers
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        for (k, v) in instructions.params() {
            sent.query.push_str(&format!(
                "&{}={}",
                sigv4::uri_encode(k, true),
                sigv4::uri_encode(v, true)
            ));
        }
        sent
    }
}

fn error_code(resp: &StsResponse) -> &str {
    resp.body
        .split("<Code>")
        .nth(1)
        .and_then(|s| s.split("</Code>").next())
        .unwrap_or("")
}

#[test]
fn a_signed_get_caller_identity_names_the_assumed_role() {
    let resp = Signing::default().send().answer(NOW_S);
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(
        resp.body,
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  \
         <GetCallerIdentityResult>\n    \
         <Arn>arn:aws:sts::123456789012:assumed-role/Cognito_demoAuth_Role/CognitoIdentityCredentials</Arn>\n    \
         <UserId>"
            .to_owned()
            + &role_id(ROLE)
            + ":CognitoIdentityCredentials</UserId>\n    <Account>123456789012</Account>\n  \
               </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>req-1</RequestId>\n  \
               </ResponseMetadata>\n</GetCallerIdentityResponse>\n"
    );
    assert!(role_id(ROLE).starts_with("AROA") && role_id(ROLE).len() == 21);
}

#[test]
fn a_presigned_get_is_accepted() {
    let sent = Signing {
        presign: true,
        ..Signing::default()
    }
    .send();
    assert!(sent.query.contains("X-Amz-Signature="), "{}", sent.query);
    let resp = sent.answer(NOW_S + 60);
    assert_eq!(resp.status, 200, "{}", resp.body);
    let late = sent.answer(NOW_S + 901);
    assert_eq!((late.status, error_code(&late)), (400, "RequestExpired"));
}

#[test]
fn a_wrong_secret_does_not_match() {
    let resp = Signing {
        secret: "someOtherSecret",
        ..Signing::default()
    }
    .send()
    .answer(NOW_S);
    assert_eq!(
        (resp.status, error_code(&resp)),
        (403, "SignatureDoesNotMatch")
    );
    assert!(resp.body.contains("<Type>Sender</Type>"), "{}", resp.body);
    assert!(resp.body.contains("<RequestId>req-1</RequestId>"));
}

#[test]
fn an_unknown_key_or_a_foreign_token_is_an_invalid_client_token() {
    for signing in [
        Signing {
            key: "ASIAUNKNOWNKEY000000",
            ..Signing::default()
        },
        Signing {
            token: Some("another-token"),
            ..Signing::default()
        },
        Signing {
            token: None,
            ..Signing::default()
        },
    ] {
        let resp = signing.send().answer(NOW_S);
        assert_eq!(
            (resp.status, error_code(&resp)),
            (403, "InvalidClientTokenId")
        );
    }
}

#[test]
fn expired_credentials_are_an_expired_token() {
    let resp = Signing {
        at_s: NOW_S + 3600,
        ..Signing::default()
    }
    .send()
    .answer(NOW_S + 3600);
    assert_eq!((resp.status, error_code(&resp)), (403, "ExpiredToken"));
}

#[test]
fn a_request_from_a_skewed_clock_is_refused() {
    let resp = Signing {
        at_s: NOW_S - 16 * 60,
        ..Signing::default()
    }
    .send()
    .answer(NOW_S);
    assert_eq!(
        (resp.status, error_code(&resp)),
        (403, "SignatureDoesNotMatch")
    );
    assert!(resp.body.contains("Signature expired"), "{}", resp.body);
}

#[test]
fn unsigned_and_unknown_actions_are_refused() {
    let mut sent = Signing::default().send();
    sent.headers.retain(|(n, _)| n != "authorization");
    let resp = sent.answer(NOW_S);
    assert_eq!(
        (resp.status, error_code(&resp)),
        (403, "MissingAuthenticationToken")
    );
    let mut sent = Signing::default().send();
    sent.body = b"Action=AssumeRole&Version=2011-06-15".to_vec();
    let resp = sent.answer(NOW_S);
    assert_eq!((resp.status, error_code(&resp)), (400, "InvalidAction"));
}

#[test]
fn sts_requests_are_told_from_cognito_ones() {
    let sent = Signing::default().send();
    assert!(is_sts_request(&sent.request()));
    let presigned = Signing {
        presign: true,
        ..Signing::default()
    }
    .send();
    assert!(is_sts_request(&presigned.request()));
    let cognito_headers = vec![
        (
            "X-Amz-Target".to_owned(),
            "AWSCognitoIdentityService.GetId".to_owned(),
        ),
        (
            "Content-Type".to_owned(),
            "application/x-amz-json-1.1".to_owned(),
        ),
    ];
    let cognito = HttpRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &cognito_headers,
        body: b"{\"IdentityPoolId\":\"x\"}",
    };
    assert!(!is_sts_request(&cognito));
}

#[test]
fn assumed_role_arns_drop_the_role_path() {
    assert_eq!(
        assumed_role_arn("arn:aws-cn:iam::111122223333:role/a/b/Cognito_Unauth"),
        "arn:aws-cn:sts::111122223333:assumed-role/Cognito_Unauth/CognitoIdentityCredentials"
    );
    let issued = issued();
    assert!(!format!("{issued:?}").contains(SECRET));
    assert!(!format!("{issued:?}").contains(TOKEN));
}

#[test]
fn current_time_signatures_verify_at_the_system_clock() {
    // The signer's own clock path: sign "now" and verify at the same instant.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let mut creds = issued();
    creds.expires = UnixMillis::from_secs(now + 60);
    let sent = Signing {
        at_s: now,
        ..Signing::default()
    }
    .send();
    let resp = handle(
        &sent.request(),
        |k| (k == KEY).then(|| creds.clone()),
        UnixMillis::from_secs(now),
        "r",
    );
    assert_eq!(resp.status, 200, "{}", resp.body);
}

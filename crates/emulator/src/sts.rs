//! AWS STS on the emulator's port, over STS's own protocol (AWS Query: form-encoded or
//! query-string requests, XML answers), so that any SDK can check that the credentials an
//! identity pool issued are real: `GetCallerIdentity` answers only requests signed (SigV4,
//! service `sts`, any region) with credentials this emulator issued and that have not expired,
//! and names the identity pool role they stand for.
//!
//! Sans IO: [`handle`] takes the request as it arrived, a lookup of issued credentials, the
//! clock and a request id, and returns the status and XML body.

use sha2::{Digest, Sha256};

use crate::sigv4::{self, HttpRequest, SigV4Error};
use crate::time::UnixMillis;

/// The STS API version every SDK sends.
pub const VERSION: &str = "2011-06-15";
const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// The session name Cognito gives the roles it assumes for identities.
pub const SESSION_NAME: &str = "CognitoIdentityCredentials";
/// The actions served here.
const ACTIONS: &[&str] = &["GetCallerIdentity"];

/// What the emulator remembers of credentials it issued, as STS needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCredentials {
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token that must accompany the key.
    pub session_token: String,
    /// When they expire.
    pub expires: UnixMillis,
    /// The identity they were issued to.
    pub identity_id: String,
    /// The IAM role they stand for.
    pub role_arn: String,
}

impl std::fmt::Debug for IssuedCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCredentials")
            .field("expires", &self.expires)
            .field("identity_id", &self.identity_id)
            .field("role_arn", &self.role_arn)
            .finish_non_exhaustive()
    }
}

/// An STS error, answered in STS's XML shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsError {
    /// The error code (`SignatureDoesNotMatch`, `InvalidClientTokenId`, ...).
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// The HTTP status.
    pub status: u16,
}

impl StsError {
    fn new(code: &'static str, status: u16, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            status,
        }
    }

    fn invalid_token() -> Self {
        Self::new(
            "InvalidClientTokenId",
            403,
            "The security token included in the request is invalid.",
        )
    }
}

impl From<SigV4Error> for StsError {
    fn from(e: SigV4Error) -> Self {
        Self::new(e.code(), e.http_status(), e.to_string())
    }
}

/// An answer: HTTP status and XML body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsResponse {
    /// The HTTP status.
    pub status: u16,
    /// The XML document.
    pub body: String,
}

/// Whether `req` is meant for STS: a form-encoded POST or a GET whose `Action` is an STS
/// action (Cognito's own operations come as JSON with `X-Amz-Target`).
pub fn is_sts_request(req: &HttpRequest<'_>) -> bool {
    let has_target = req
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("x-amz-target"));
    !has_target && params(req).iter().any(|(k, _)| k == "Action")
}

/// The request's parameters: the query string's, then the form body's.
fn params(req: &HttpRequest<'_>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = form_urlencoded::parse(req.query.as_bytes())
        .into_owned()
        .collect();
    let is_form = req.headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("content-type")
            && v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
    });
    if is_form {
        out.extend(form_urlencoded::parse(req.body).into_owned());
    }
    out
}

/// Answers one STS request. `issued` looks up credentials by access key id.
pub fn handle(
    req: &HttpRequest<'_>,
    issued: impl Fn(&str) -> Option<IssuedCredentials>,
    now: UnixMillis,
    request_id: &str,
) -> StsResponse {
    match answer(req, issued, now, request_id) {
        Ok(body) => StsResponse { status: 200, body },
        Err(e) => StsResponse {
            status: e.status,
            body: error_xml(&e, request_id),
        },
    }
}

fn answer(
    req: &HttpRequest<'_>,
    issued: impl Fn(&str) -> Option<IssuedCredentials>,
    now: UnixMillis,
    request_id: &str,
) -> Result<String, StsError> {
    let params = params(req);
    let action = params
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| StsError::new("MissingAction", 400, "Missing Action"))?;
    if !ACTIONS.contains(&action) {
        return Err(StsError::new(
            "InvalidAction",
            400,
            format!("Could not find operation {action} for version {VERSION}"),
        ));
    }
    let creds = authenticate(req, issued, now)?;
    Ok(caller_identity_xml(&creds.role_arn, request_id))
}

/// Checks the request's signature against the credentials it names, in the order AWS does:
/// the key and its token must exist and belong together, must not have expired, and must have
/// signed this very request within the allowed clock skew.
pub fn authenticate(
    req: &HttpRequest<'_>,
    issued: impl Fn(&str) -> Option<IssuedCredentials>,
    now: UnixMillis,
) -> Result<IssuedCredentials, StsError> {
    let sig = sigv4::parse(req)?;
    let creds = issued(&sig.access_key_id).ok_or_else(StsError::invalid_token)?;
    if sig.session_token.as_deref() != Some(creds.session_token.as_str()) {
        return Err(StsError::invalid_token());
    }
    if creds.expires <= now {
        return Err(StsError::new(
            "ExpiredToken",
            403,
            "The security token included in the request is expired",
        ));
    }
    sigv4::verify(req, &sig, &creds.secret_access_key, "sts", now)?;
    Ok(creds)
}

/// `arn:aws:iam::ACCOUNT:role/PATH/NAME` -> (partition, account, role name).
fn role_parts(role_arn: &str) -> Option<(&str, &str, &str)> {
    let mut parts = role_arn.splitn(6, ':');
    let (_arn, partition, _iam, _region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    Some((partition, account, name))
}

/// The ARN of the session STS reports for credentials of `role_arn`.
pub fn assumed_role_arn(role_arn: &str) -> String {
    match role_parts(role_arn) {
        Some((partition, account, name)) => {
            format!("arn:{partition}:sts::{account}:assumed-role/{name}/{SESSION_NAME}")
        }
        None => format!("{role_arn}/{SESSION_NAME}"),
    }
}

/// A stable role id (`AROA...`) derived from the role ARN, as IAM gives every role one.
fn role_id(role_arn: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = Sha256::digest(role_arn.as_bytes());
    let tail: String = digest
        .iter()
        .take(17)
        .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
        .collect();
    format!("AROA{tail}")
}

fn caller_identity_xml(role_arn: &str, request_id: &str) -> String {
    let account = role_parts(role_arn).map_or("", |(_, a, _)| a);
    format!(
        "<GetCallerIdentityResponse xmlns=\"{XMLNS}\">\n  <GetCallerIdentityResult>\n    \
         <Arn>{}</Arn>\n    <UserId>{}:{SESSION_NAME}</UserId>\n    <Account>{}</Account>\n  \
         </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  \
         </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        xml_escape(&assumed_role_arn(role_arn)),
        role_id(role_arn),
        xml_escape(account),
        xml_escape(request_id)
    )
}

/// STS's error document.
pub fn error_xml(e: &StsError, request_id: &str) -> String {
    let kind = if e.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    format!(
        "<ErrorResponse xmlns=\"{XMLNS}\">\n  <Error>\n    <Type>{kind}</Type>\n    \
         <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  \
         <RequestId>{}</RequestId>\n</ErrorResponse>\n",
        e.code,
        xml_escape(&e.message),
        xml_escape(request_id)
    )
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[path = "sts_tests.rs"]
mod tests;

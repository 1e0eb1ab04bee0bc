//! AWS Signature Version 4 verification, sans IO: the server's side of what every AWS SDK does
//! to a request. [`parse`] reads the signature from the `Authorization` header or from a
//! presigned query string; [`verify`] rebuilds the canonical request from exactly the headers the
//! client says it signed, derives the signing key from the secret the caller looked up for the
//! access key id, and compares signatures in constant time.
//!
//! The canonical form follows AWS's published rules (and its signing test suite, see the tests):
//! the path is normalized and each segment URI-encoded again, query parameters are decoded,
//! re-encoded with the unreserved set and sorted, header values are trimmed with inner runs of
//! spaces collapsed, and the payload hash is the body's SHA-256 (or the `x-amz-content-sha256`
//! header when it is signed, or `UNSIGNED-PAYLOAD` for presigned URLs, as botocore sends them).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::time::UnixMillis;

type HmacSha256 = Hmac<Sha256>;

/// The only algorithm SigV4 defines.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// How far a request's time may be from the server's clock, either way (AWS: 15 minutes).
pub const MAX_SKEW_S: u64 = 15 * 60;
/// The payload hash presigned URLs may use instead of the body's.
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// An HTTP request as it arrived, before any decoding.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The path as sent (still percent-encoded).
    pub path: &'a str,
    /// The query string as sent, without `?` (still percent-encoded).
    pub query: &'a str,
    /// Every header, names in any case, in the order received.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

impl HttpRequest<'_> {
    /// Every value of header `name` (case-insensitive), in order.
    fn header_values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn header<'s>(&'s self, name: &'s str) -> Option<&'s str> {
        self.header_values(name).next()
    }
}

/// `date/region/service/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    /// `YYYYMMDD`.
    pub date: String,
    /// The region the client signed for.
    pub region: String,
    /// The service the client signed for.
    pub service: String,
}

impl CredentialScope {
    fn to_scope_string(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

/// Where the signature travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// The `Authorization` header.
    Header,
    /// A presigned URL, valid for `expires_s` seconds from its date.
    Query {
        /// `X-Amz-Expires`.
        expires_s: u64,
    },
}

/// A request's SigV4 signature and what it claims.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    /// The access key id that signed.
    pub access_key_id: String,
    /// `X-Amz-Security-Token`, for temporary credentials.
    pub session_token: Option<String>,
    /// The credential scope.
    pub scope: CredentialScope,
    /// `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`).
    pub amz_date: String,
    /// The request time, unix seconds.
    pub time_s: u64,
    /// Lower-case names of the signed headers, as listed by the client.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    signature: String,
    /// Header or query.
    pub location: Location,
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signature")
            .field("access_key_id", &self.access_key_id)
            .field("scope", &self.scope)
            .field("amz_date", &self.amz_date)
            .field("signed_headers", &self.signed_headers)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// Why a request's signature was refused, with AWS's error code for each case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigV4Error {
    /// No signature at all.
    #[error("Request is missing Authentication Token")]
    Missing,
    /// A signature whose parts are missing or malformed.
    #[error("{0}")]
    Incomplete(String),
    /// The signature does not match, or the scope or time does not fit the request.
    #[error("{0}")]
    Mismatch(String),
    /// A presigned URL used after it expired.
    #[error("Request has expired.")]
    Expired,
}

impl SigV4Error {
    /// AWS's error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "MissingAuthenticationToken",
            Self::Incomplete(_) => "IncompleteSignature",
            Self::Mismatch(_) => "SignatureDoesNotMatch",
            Self::Expired => "RequestExpired",
        }
    }

    /// The HTTP status AWS answers it with.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Incomplete(_) | Self::Expired => 400,
            Self::Missing | Self::Mismatch(_) => 403,
        }
    }
}

fn incomplete(msg: impl Into<String>) -> SigV4Error {
    SigV4Error::Incomplete(msg.into())
}

/// Reads the signature of `req`, from its `Authorization` header or its query string.
pub fn parse(req: &HttpRequest<'_>) -> Result<Signature, SigV4Error> {
    if let Some(auth) = req.header("authorization") {
        return parse_header(req, auth);
    }
    let query = query_pairs(req.query)?;
    if query.iter().any(|(k, _)| k == "X-Amz-Signature") {
        return parse_query(&query);
    }
    Err(SigV4Error::Missing)
}

fn parse_header(req: &HttpRequest<'_>, auth: &str) -> Result<Signature, SigV4Error> {
    let rest = auth
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or_else(|| {
            incomplete(format!(
                "Authorization header requires the {ALGORITHM} algorithm."
            ))
        })?;
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=').unwrap_or((part.trim(), ""));
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => {}
        }
    }
    let missing =
        |what: &str| incomplete(format!("Authorization header requires '{what}' parameter."));
    let credential = credential.ok_or_else(|| missing("Credential"))?;
    let signed = signed.ok_or_else(|| missing("SignedHeaders"))?;
    let signature = signature.ok_or_else(|| missing("Signature"))?;
    let amz_date = req
        .header("x-amz-date")
        .ok_or_else(|| {
            incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        })?
        .trim()
        .to_owned();
    build(
        credential,
        signed,
        signature,
        amz_date,
        req.header("x-amz-security-token").map(str::to_owned),
        Location::Header,
    )
}

fn parse_query(query: &[(String, String)]) -> Result<Signature, SigV4Error> {
    let get = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| {
                incomplete(format!(
                    "Query-string authentication requires the {k} parameter."
                ))
            })
    };
    if get("X-Amz-Algorithm")? != ALGORITHM {
        return Err(incomplete(format!(
            "Query-string authentication requires the {ALGORITHM} algorithm."
        )));
    }
    let expires_s = get("X-Amz-Expires")?
        .parse()
        .map_err(|_| incomplete("X-Amz-Expires must be a number of seconds."))?;
    build(
        get("X-Amz-Credential")?,
        get("X-Amz-SignedHeaders")?,
        get("X-Amz-Signature")?,
        get("X-Amz-Date")?.to_owned(),
        get("X-Amz-Security-Token").ok().map(str::to_owned),
        Location::Query { expires_s },
    )
}

fn build(
    credential: &str,
    signed: &str,
    signature: &str,
    amz_date: String,
    session_token: Option<String>,
    location: Location,
) -> Result<Signature, SigV4Error> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [key, date, region, service, terminal] = parts[..] else {
        return Err(incomplete(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
        )));
    };
    if terminal != "aws4_request" {
        return Err(incomplete(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminal}'."
        )));
    }
    let time_s = parse_amz_date(&amz_date)
        .ok_or_else(|| incomplete(format!("Invalid X-Amz-Date '{amz_date}'.")))?;
    let signed_headers: Vec<String> = signed
        .split(';')
        .filter(|h| !h.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if signed_headers.is_empty() || signature.is_empty() {
        return Err(incomplete("Signature and SignedHeaders must not be empty."));
    }
    Ok(Signature {
        access_key_id: key.to_owned(),
        session_token,
        scope: CredentialScope {
            date: date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
        },
        amz_date,
        time_s,
        signed_headers,
        signature: signature.to_owned(),
        location,
    })
}

/// Checks that `sig` signs `req` for `service` with `secret`, at `now` (within
/// [`MAX_SKEW_S`], or within a presigned URL's lifetime).
pub fn verify(
    req: &HttpRequest<'_>,
    sig: &Signature,
    secret: &str,
    service: &str,
    now: UnixMillis,
) -> Result<(), SigV4Error> {
    check_scope(sig, service)?;
    check_time(sig, now)?;
    let expected = hex_decode(&sig.signature).ok_or_else(mismatch)?;
    let key = signing_key(secret, &sig.scope);
    for payload in payload_hashes(req, sig) {
        let canonical = canonical_request(req, sig, &payload);
        let mac = hmac(&key, string_to_sign(sig, &canonical).as_bytes());
        if mac.verify_slice(&expected).is_ok() {
            return Ok(());
        }
    }
    Err(mismatch())
}

fn mismatch() -> SigV4Error {
    SigV4Error::Mismatch(
        "The request signature we calculated does not match the signature you provided. Check \
         your AWS Secret Access Key and signing method. Consult the service documentation for \
         details."
            .into(),
    )
}

fn check_scope(sig: &Signature, service: &str) -> Result<(), SigV4Error> {
    if sig.scope.service != service {
        return Err(SigV4Error::Mismatch(format!(
            "Credential should be scoped to correct service: '{service}'."
        )));
    }
    if !sig.amz_date.starts_with(&sig.scope.date) || sig.scope.date.len() != 8 {
        return Err(SigV4Error::Mismatch(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from \
             HTTP: '{}' != '{}', from '{}'.",
            sig.scope.date,
            sig.amz_date.get(..8).unwrap_or_default(),
            sig.amz_date
        )));
    }
    Ok(())
}

fn check_time(sig: &Signature, now: UnixMillis) -> Result<(), SigV4Error> {
    let now_s = now.secs();
    match sig.location {
        Location::Header => {
            if sig.time_s + MAX_SKEW_S < now_s {
                return Err(SigV4Error::Mismatch(format!(
                    "Signature expired: {} is now earlier than {} ({} - 15 min.)",
                    sig.amz_date,
                    amz_date(now_s - MAX_SKEW_S),
                    amz_date(now_s)
                )));
            }
            if sig.time_s > now_s + MAX_SKEW_S {
                return Err(SigV4Error::Mismatch(format!(
                    "Signature not yet current: {} is still later than {} ({} + 15 min.)",
                    sig.amz_date,
                    amz_date(now_s + MAX_SKEW_S),
                    amz_date(now_s)
                )));
            }
        }
        Location::Query { expires_s } => {
            if sig.time_s > now_s + MAX_SKEW_S {
                return Err(SigV4Error::Mismatch(format!(
                    "Signature not yet current: {} is still later than {} ({} + 15 min.)",
                    sig.amz_date,
                    amz_date(now_s + MAX_SKEW_S),
                    amz_date(now_s)
                )));
            }
            if sig.time_s.saturating_add(expires_s) < now_s {
                return Err(SigV4Error::Expired);
            }
        }
    }
    Ok(())
}

/// The payload hashes a valid signature may have used, most likely first.
fn payload_hashes(req: &HttpRequest<'_>, sig: &Signature) -> Vec<String> {
    let body = hex(&Sha256::digest(req.body));
    if sig
        .signed_headers
        .iter()
        .any(|h| h == "x-amz-content-sha256")
    {
        if let Some(claimed) = req.header("x-amz-content-sha256") {
            // A claimed hash counts only if it is the body's (or says it signs no payload).
            return if claimed == body || claimed == UNSIGNED_PAYLOAD {
                vec![claimed.to_owned()]
            } else {
                Vec::new()
            };
        }
    }
    match sig.location {
        Location::Header => vec![body],
        Location::Query { .. } => vec![UNSIGNED_PAYLOAD.to_owned(), body],
    }
}

/// The canonical request (AWS's step 1).
pub fn canonical_request(req: &HttpRequest<'_>, sig: &Signature, payload_hash: &str) -> String {
    let mut headers = String::new();
    for name in &sig.signed_headers {
        let values: Vec<String> = req.header_values(name).map(trim_value).collect();
        headers.push_str(name);
        headers.push(':');
        headers.push_str(&values.join(","));
        headers.push('\n');
    }
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(req.path),
        canonical_query(req.query, sig.location),
        headers,
        sig.signed_headers.join(";"),
        payload_hash
    )
}

/// The string to sign (step 2).
pub fn string_to_sign(sig: &Signature, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{}\n{}\n{}",
        sig.amz_date,
        sig.scope.to_scope_string(),
        hex(&Sha256::digest(canonical_request.as_bytes()))
    )
}

fn signing_key(secret: &str, scope: &CredentialScope) -> Vec<u8> {
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in [
        scope.date.as_str(),
        scope.region.as_str(),
        scope.service.as_str(),
        "aws4_request",
    ] {
        key = hmac(&key, part.as_bytes()).finalize().into_bytes().to_vec();
    }
    key
}

fn hmac(key: &[u8], data: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(data);
    mac
}

fn trim_value(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The path with `.`/`..` segments resolved and repeated slashes collapsed, each segment
/// URI-encoded once more (SigV4's rule for every service but S3).
fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::from("/");
    out.push_str(
        &segments
            .iter()
            .map(|s| uri_encode(s, false))
            .collect::<Vec<_>>()
            .join("/"),
    );
    if path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    out
}

fn canonical_query(query: &str, location: Location) -> String {
    let Ok(pairs) = query_pairs(query) else {
        return String::new();
    };
    let mut encoded: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| !(matches!(location, Location::Query { .. }) && k == "X-Amz-Signature"))
        .map(|(k, v)| (uri_encode(&k, true), uri_encode(&v, true)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The query's parameters, percent-decoded (`+` stays a plus: SigV4 clients encode spaces as
/// `%20`).
fn query_pairs(query: &str) -> Result<Vec<(String, String)>, SigV4Error> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Ok((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

fn percent_decode(s: &str) -> Result<String, SigV4Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| incomplete("The query string is not correctly percent-encoded."))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| incomplete("The query string is not UTF-8."))
}

/// URI-encodes every byte but the unreserved ones (`A-Za-z0-9-_.~`); `/` too when
/// `encode_slash`.
pub fn uri_encode(s: &str, encode_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (b == b'/' && !encode_slash)
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// `YYYYMMDDTHHMMSSZ` -> unix seconds.
pub fn parse_amz_date(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, sec) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(y as i64, mo as i64, d as i64);
    u64::try_from(days)
        .ok()
        .map(|days| days * 86_400 + h * 3600 + mi * 60 + sec)
}

/// Unix seconds -> `YYYYMMDDTHHMMSSZ`.
pub fn amz_date(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Unix seconds -> an HTTP `Date` (IMF-fixdate, RFC 9110 §5.6.7: `Sun, 06 Nov 1994 08:49:37
/// GMT`).
pub fn http_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(m - 1).clamp(0, 11) as usize],
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

// Howard Hinnant's civil-calendar algorithms (public domain).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
#[path = "sigv4_tests.rs"]
mod tests;

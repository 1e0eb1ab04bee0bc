//! The user's session: tokens, what the machine reads from them, device secrets, identity-pool
//! state, and the persisted form.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::cognito::AwsCredentials;
use crate::secret::Secret;
use crate::time::Timestamp;
use jwt::{with_claims, with_payload};

mod jwt;

/// User-pool tokens, with the claims the machine needs read out of them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tokens {
    /// The id token (JWT). Hosted-UI sign-ins without `openid` scope have none.
    pub id_token: Option<Secret<String>>,
    /// The access token (JWT).
    pub access_token: Secret<String>,
    /// The refresh token.
    pub refresh_token: Option<Secret<String>>,
    /// Access token expiry, unix seconds on the service's clock (the earlier of the access and
    /// id tokens' `exp`).
    pub expires_at_s: i64,
    /// When the service issued the tokens (`iat` of the access token), unix seconds on the
    /// service's clock; absent when the token has no `iat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at_s: Option<i64>,
    /// Local clock minus the service's, in seconds, measured when the tokens arrived (local
    /// now minus `iat`, as Amplify JS's `clockDrift`); 0 when unknown.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub clock_drift_s: i64,
    /// When the tokens arrived, on both local clocks. Kept in memory only: after a restart the
    /// monotonic clock has a new origin, so restored tokens count from the restore (wall time
    /// and the persisted drift then).
    #[serde(skip)]
    pub arrived: Option<Timestamp>,
    /// `username` claim of the access token (`cognito:username` of the id token). Shared, as
    /// the token strings are: a clone of the tokens (the session, the stored copy, each
    /// caller's answer) copies no string.
    pub username: Arc<str>,
    /// `sub` claim.
    pub sub: Arc<str>,
}

/// Equality of the tokens themselves; when they arrived is local bookkeeping.
impl PartialEq for Tokens {
    fn eq(&self, other: &Self) -> bool {
        self.id_token == other.id_token
            && self.access_token == other.access_token
            && self.refresh_token == other.refresh_token
            && self.expires_at_s == other.expires_at_s
            && self.issued_at_s == other.issued_at_s
            && self.clock_drift_s == other.clock_drift_s
            && self.username == other.username
            && self.sub == other.sub
    }
}

impl Eq for Tokens {}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

impl Tokens {
    /// Whether the tokens are still valid at local time `now_s`: the service's clock, estimated
    /// as local time minus the drift, has not reached `exp`.
    pub fn is_valid_at(&self, now_s: i64) -> bool {
        self.service_now_s(now_s) < self.expires_at_s
    }

    /// The service's clock at local time `now_s`, as far as the drift tells.
    pub fn service_now_s(&self, now_s: i64) -> i64 {
        now_s.saturating_sub(self.clock_drift_s)
    }

    /// How long the tokens live: `exp - iat`, or, without `iat`, what is left of them at local
    /// time `now_s` (a lower bound).
    pub fn lifetime_s(&self, now_s: i64) -> i64 {
        let from = self
            .issued_at_s
            .unwrap_or_else(|| self.service_now_s(now_s));
        self.expires_at_s.saturating_sub(from)
    }

    /// The tokens as received at local time `now_s`: the drift is measured against `iat`.
    pub fn received_at(mut self, now_s: i64) -> Self {
        self.clock_drift_s = self.issued_at_s.map_or(0, |iat| now_s.saturating_sub(iat));
        self
    }

    /// The tokens as received at `now`: the drift is measured and the arrival instant kept.
    pub fn received(self, now: Timestamp) -> Self {
        let mut tokens = self.received_at(now.unix_s());
        tokens.arrived = Some(now);
        tokens
    }

    /// The tokens as restored from the store at `now`, on a monotonic clock with a new origin:
    /// they count from the restore, on the wall clock and the persisted drift. A wall clock
    /// earlier than their `iat` on that reckoning (less [`CLOCK_BACK_TOLERANCE_S`]) proves the
    /// device clock went back since they arrived, by an amount nothing tells: what is left of
    /// them is then unknown, so their steady clock starts at their expiry and they are refreshed
    /// before any is handed out (the fresh ones measure the drift again). A wall clock ahead
    /// (a forward jump) needs nothing: it makes the tokens look older, so they are refreshed
    /// sooner. Not caught: a backward jump smaller than the time the process was down (the
    /// wall clock still reads past `iat`), and tokens without `iat` (no drift, no reference).
    pub fn restored(mut self, now: Timestamp) -> Self {
        self.arrived = Some(restored_reference(
            self.issued_at_s,
            self.expires_at_s,
            self.clock_drift_s,
            now,
        ));
        self
    }

    /// `now` with its wall-clock reading replaced by the one the drift was measured against,
    /// carried forward by the monotonic time elapsed since the tokens arrived: wall-clock jumps
    /// back after arrival (a user setting the clock, an NTP step) then revives no expired tokens;
    /// a wall clock ahead of it (a forward jump, a suspended device) is believed. Tokens without
    /// an arrival instant keep `now`.
    pub fn steady_now(&self, now: Timestamp) -> Timestamp {
        steady_now(self.arrived, now)
    }
}

/// The steady-clock reference of something issued at `issued_at_s` and expiring at
/// `expires_at_s` on the service's clock, with the persisted drift `drift_s`, restored from the
/// store at `now` (see [`Tokens::restored`]): `now`, unless the wall clock less the drift reads
/// more than [`CLOCK_BACK_TOLERANCE_S`] before the issue time (the clock went back while the
/// process was down, by an unknown amount); then its expiry on the local clock, so it is due.
pub fn restored_reference(
    issued_at_s: Option<i64>,
    expires_at_s: i64,
    drift_s: i64,
    now: Timestamp,
) -> Timestamp {
    let went_back = issued_at_s.is_some_and(|iat| {
        now.unix_s().saturating_sub(drift_s) < iat.saturating_sub(CLOCK_BACK_TOLERANCE_S)
    });
    let unix_ms = if went_back {
        let expiry_local_s = expires_at_s.saturating_add(drift_s);
        expiry_local_s.saturating_mul(1000).max(now.unix_ms)
    } else {
        now.unix_ms
    };
    Timestamp {
        mono_ms: now.mono_ms,
        unix_ms,
    }
}

/// `now` with its wall-clock reading carried forward from `reference` by the monotonic time
/// elapsed since, when that is later (see [`Tokens::steady_now`]); `now` without a reference.
pub fn steady_now(reference: Option<Timestamp>, now: Timestamp) -> Timestamp {
    let Some(reference) = reference else {
        return now;
    };
    let elapsed_ms = now.mono_ms.saturating_sub(reference.mono_ms);
    let steady_ms = reference
        .unix_ms
        .saturating_add(i64::try_from(elapsed_ms).unwrap_or(i64::MAX));
    // The later of the two: a monotonic clock that stood still while the device slept must
    // not keep tokens or credentials alive, so only a wall clock behind the steady one is
    // overruled.
    Timestamp {
        mono_ms: now.mono_ms,
        unix_ms: steady_ms.max(now.unix_ms),
    }
}

/// How far before the tokens' `iat` a restored session's clock (wall clock less the persisted
/// drift) may read before the device clock is taken to have gone back: the drift is measured in
/// whole seconds across a network round trip, and clocks drift a little while the process is
/// down.
pub const CLOCK_BACK_TOLERANCE_S: i64 = 60;

/// How far ahead of expiry tokens and credentials are refreshed: the configured skew, but never
/// more than a tenth of the lifetime ([`REFRESH_LIFETIME_DIVISOR`]), so tokens living no
/// longer than the skew (Cognito allows 5-minute access and id tokens) are not born due.
pub fn refresh_skew_s(configured_s: u64, lifetime_s: i64) -> i64 {
    let configured = i64::try_from(configured_s).unwrap_or(i64::MAX);
    configured.min(lifetime_s.max(0) / REFRESH_LIFETIME_DIVISOR)
}

/// The skew is at most the lifetime divided by this: 5-minute tokens refresh 30 s ahead (about
/// 320 refreshes a day), 1-hour tokens keep the configured 300 s.
pub const REFRESH_LIFETIME_DIVISOR: i64 = 10;

/// The refresh timer is never armed sooner than this after it is set (nor sooner than a
/// tenth of the lifetime): tokens or credentials that arrive already due (a clock jump, a
/// service handing out nearly expired ones) are refreshed at most this often in the
/// background, while callers still get a refresh on demand rather than an expired token.
pub const REARM_FLOOR_S: i64 = 30;

/// The least delay, in milliseconds, before the timer for something living `lifetime_s` fires.
pub fn rearm_floor_ms(lifetime_s: i64) -> u64 {
    // A lifetime of zero or less is tokens that look expired on arrival (no `iat` to measure
    // the drift by): the full floor, not a tenth of nothing.
    let s = if lifetime_s <= 0 {
        REARM_FLOOR_S
    } else {
        REARM_FLOOR_S
            .min(lifetime_s / REFRESH_LIFETIME_DIVISOR)
            .max(1)
    };
    u64::try_from(s).unwrap_or(1).saturating_mul(1000)
}

/// Claims read from a JWT's payload. The signature is not checked here: the tokens came from
/// Cognito over TLS, and the services that consume them verify them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Claims {
    /// Expiry, unix seconds.
    pub exp: i64,
    /// Issued at, unix seconds.
    #[serde(default)]
    pub iat: Option<i64>,
    /// Subject.
    #[serde(default)]
    pub sub: Option<String>,
    /// Access tokens carry `username`.
    #[serde(default)]
    pub username: Option<String>,
    /// Id tokens carry `cognito:username`.
    #[serde(default, rename = "cognito:username")]
    pub cognito_username: Option<String>,
    /// `id` or `access`.
    #[serde(default)]
    pub token_use: Option<String>,
}

/// Why a JWT could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// Not three dot-separated parts.
    #[error("a JWT has three dot-separated parts, this one has {0}")]
    Shape(usize),
    /// The payload is not base64url.
    #[error("the JWT payload is not base64url")]
    Base64,
    /// The payload is not the JSON expected (the message never quotes the payload).
    #[error("the JWT payload is not a JSON object with a numeric `exp`")]
    Json,
}

/// Reads the claims of a JWT without verifying it.
pub fn decode_claims(jwt: &str) -> Result<Claims, JwtError> {
    with_claims(jwt, |c| Claims {
        exp: c.exp,
        iat: c.iat,
        sub: c.sub.map(Cow::into_owned),
        username: c.username.map(Cow::into_owned),
        cognito_username: c.cognito_username.map(Cow::into_owned),
        token_use: c.token_use.map(Cow::into_owned),
    })
}

/// Which user pool issued an access token, and to which app client: its `iss` and
/// `client_id` claims (absent ones are `None`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Issuance {
    /// `iss`: the pool's issuer URL, `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
    #[serde(default, rename = "iss")]
    pub(crate) issuer: Option<String>,
    /// `client_id`: the app client the token was issued to.
    #[serde(default)]
    pub(crate) client_id: Option<String>,
}

impl Issuance {
    /// Reads `iss` and `client_id` from an access token, without verifying it.
    pub(crate) fn of(access_token: &str) -> Result<Self, JwtError> {
        with_payload(access_token, |json| {
            serde_json::from_slice(json).map_err(|_| JwtError::Json)
        })
    }

    /// Why tokens issued so were not issued by `pool` to one of `clients`, if they were not:
    /// another client id, or an issuer whose last path segment is another pool id. Absent
    /// claims count as a match.
    pub(crate) fn mismatch(
        &self,
        pool: &crate::config::UserPoolConfig,
        clients: &[&str],
    ) -> Option<String> {
        if let Some(client_id) = &self.client_id {
            if !clients.contains(&client_id.as_str()) {
                return Some(format!(
                    "its tokens were issued to app client {client_id}, not to {}",
                    clients.join(" or ")
                ));
            }
        }
        if let Some(issuer) = &self.issuer {
            if issuer.rsplit('/').next() != Some(pool.pool_id.as_str()) {
                return Some(format!(
                    "its tokens were issued by {issuer}, not by user pool {}",
                    pool.pool_id
                ));
            }
        }
        None
    }
}

/// What [`Tokens::from_jwts`] keeps of one token's claims.
struct Kept {
    exp: i64,
    iat: Option<i64>,
    sub: Option<Arc<str>>,
    /// `username` of an access token, `cognito:username` of an id token.
    username: Option<Arc<str>>,
}

impl Tokens {
    /// Builds tokens from what Cognito returned, reading expiry and identity from the JWTs.
    /// `refresh_token` is stored as given: a refresh that does not rotate it answers without
    /// one, and the caller passes the previous token in (see the machine's refresh handling).
    pub fn from_jwts(
        access_token: Secret<String>,
        id_token: Option<Secret<String>>,
        refresh_token: Option<Secret<String>>,
    ) -> Result<Self, JwtError> {
        Self::read_jwts(None, access_token, id_token, refresh_token)
    }

    /// [`Tokens::from_jwts`] for the tokens a refresh of `previous` returned: a `username` or
    /// `sub` the same as before (as they always are: a refresh does not change the user) is
    /// shared with `previous` rather than allocated again.
    pub(crate) fn refreshed(
        previous: &Tokens,
        access_token: Secret<String>,
        id_token: Option<Secret<String>>,
        refresh_token: Option<Secret<String>>,
    ) -> Result<Self, JwtError> {
        Self::read_jwts(Some(previous), access_token, id_token, refresh_token)
    }

    fn read_jwts(
        previous: Option<&Tokens>,
        access_token: Secret<String>,
        id_token: Option<Secret<String>>,
        refresh_token: Option<Secret<String>>,
    ) -> Result<Self, JwtError> {
        let shared = |s: &str, old: Option<&Arc<str>>| match old {
            Some(old) if **old == *s => Arc::clone(old),
            _ => Arc::from(s),
        };
        let (old_sub, old_name) = (previous.map(|p| &p.sub), previous.map(|p| &p.username));
        // The id token's strings are copied only when the access token lacks them.
        let access = with_claims(access_token.expose(), |c| Kept {
            exp: c.exp,
            iat: c.iat,
            sub: c.sub.as_deref().map(|s| shared(s, old_sub)),
            username: c.username.as_deref().map(|s| shared(s, old_name)),
        })?;
        let need_sub = access.sub.is_none();
        let need_name = access.username.is_none();
        let id = id_token
            .as_ref()
            .map(|t| {
                with_claims(t.expose(), |c| Kept {
                    exp: c.exp,
                    iat: c.iat,
                    sub: c
                        .sub
                        .filter(|_| need_sub)
                        .as_deref()
                        .map(|s| shared(s, old_sub)),
                    username: c
                        .cognito_username
                        .filter(|_| need_name)
                        .as_deref()
                        .map(|s| shared(s, old_name)),
                })
            })
            .transpose()?;
        let expires_at_s = id.as_ref().map_or(access.exp, |id| id.exp.min(access.exp));
        let issued_at_s = access.iat.or_else(|| id.as_ref().and_then(|c| c.iat));
        let (id_sub, id_username) = id.map_or((None, None), |c| (c.sub, c.username));
        let username = access
            .username
            .or(id_username)
            .or_else(|| access.sub.clone())
            .unwrap_or_default();
        let sub = access.sub.or(id_sub).unwrap_or_default();
        Ok(Self {
            id_token,
            access_token,
            refresh_token,
            expires_at_s,
            issued_at_s,
            clock_drift_s: 0,
            arrived: None,
            username,
            sub,
        })
    }
}

/// A device Cognito remembers for this user, with the secret only this device knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSecrets {
    /// Device key (`<region>_<uuid>`).
    pub device_key: String,
    /// Device group key.
    pub device_group_key: String,
    /// The random device password whose verifier Cognito holds.
    pub device_password: Secret<String>,
}

/// The identity-pool part of a session.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IdentityState {
    /// The identity id, once known (kept across guest sessions and hand-overs).
    pub identity_id: Option<String>,
    /// The current credentials.
    pub credentials: Option<AwsCredentials>,
    /// The service's clock as the current credentials' answer told it (its `Date`), when it
    /// did: the credentials are then judged on it rather than on the tokens' drift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_clock: Option<CredentialsClock>,
}

/// The service's clock at the arrival of identity-pool credentials, read from the answer's
/// `Date` header: what `Tokens::issued_at_s` and `Tokens::clock_drift_s` are to tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialsClock {
    /// The service's time when it answered, unix seconds.
    pub service_time_s: i64,
    /// Local clock minus the service's, seconds, measured on arrival.
    pub clock_drift_s: i64,
}

impl CredentialsClock {
    /// The clock of credentials answered at the service's `service_time_s`, received at local
    /// time `now`.
    pub fn received(service_time_s: i64, now: Timestamp) -> Self {
        Self {
            service_time_s,
            clock_drift_s: now.unix_s().saturating_sub(service_time_s),
        }
    }

    /// The reference instant for credentials expiring at `expires_at_s` restored from the store
    /// at `now` (see [`restored_reference`]).
    pub fn restored(&self, expires_at_s: i64, now: Timestamp) -> Timestamp {
        restored_reference(
            Some(self.service_time_s),
            expires_at_s,
            self.clock_drift_s,
            now,
        )
    }
}

/// A federated (identity-pool only) sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Federation {
    /// Logins key.
    pub provider: String,
    /// The provider token.
    pub token: Secret<String>,
    /// Role to assume.
    pub custom_role_arn: Option<String>,
    /// Developer identities: the identity id came from the app's backend.
    pub developer_identity: bool,
}

/// What survives a restart. Versioned so the store can migrate old files.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PersistedSession {
    /// Format version; see [`PersistedSession::VERSION`].
    pub version: u32,
    /// The signed-in user's tokens.
    pub tokens: Option<Tokens>,
    /// The refresh token was rejected: the user must sign in again.
    #[serde(default)]
    pub tokens_invalid: bool,
    /// Federated sign-in.
    pub federation: Option<Federation>,
    /// The federation token was rejected.
    #[serde(default)]
    pub federation_invalid: bool,
    /// Identity-pool state (guest, signed in or federated).
    #[serde(default)]
    pub identity: IdentityState,
    /// Remembered devices, per user name.
    #[serde(default)]
    pub devices: BTreeMap<String, DeviceSecrets>,
    /// The session came from the hosted UI (sign-out may visit its logout endpoint).
    #[serde(default)]
    pub hosted_ui: bool,
    /// The hosted-UI session came from a custom OAuth provider whose id token the identity
    /// pool accepts under this login key (AWSMobileClient's `federationProviderName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_provider_name: Option<String>,
    /// The app client rotates refresh tokens: refresh with GetTokensFromRefreshToken (learnt
    /// in `RefreshTokenRotation::Auto` mode when Cognito refused REFRESH_TOKEN_AUTH).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refresh_rotation: bool,
}

impl PersistedSession {
    /// The current format version.
    pub const VERSION: u32 = 1;
}

#[cfg(test)]
pub(crate) mod test_jwt {
    //! Unsigned JWTs for tests.
    use base64::Engine as _;

    /// A JWT with the given claims JSON and a dummy signature.
    pub(crate) fn jwt(claims: &serde_json::Value) -> String {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.c2ln",
            e.encode(br#"{"alg":"RS256","kid":"k"}"#),
            e.encode(claims.to_string())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_claims_and_rejects_garbage() {
        let t = test_jwt::jwt(&serde_json::json!({"exp": 100, "username": "alice", "sub": "s"}));
        let c = decode_claims(&t).unwrap();
        assert_eq!(c.exp, 100);
        assert_eq!(c.username.as_deref(), Some("alice"));
        assert_eq!(decode_claims("a.b"), Err(JwtError::Shape(2)));
        assert_eq!(decode_claims("a.!!.c"), Err(JwtError::Base64));
        assert_eq!(decode_claims("a.e30.c"), Err(JwtError::Json));
    }

    #[test]
    fn refreshed_tokens_share_the_unchanged_strings_of_the_previous_ones() {
        let access = |user: &str, sub: &str| {
            Secret::new(test_jwt::jwt(
                &serde_json::json!({"exp": 100, "username": user, "sub": sub}),
            ))
        };
        let id = |user: &str, sub: &str| {
            Secret::new(test_jwt::jwt(
                &serde_json::json!({"exp": 90, "cognito:username": user, "sub": sub}),
            ))
        };
        let first = Tokens::from_jwts(access("alice", "s-1"), None, None).unwrap();
        let again = Tokens::refreshed(&first, access("alice", "s-1"), None, None).unwrap();
        assert!(Arc::ptr_eq(&again.username, &first.username));
        assert!(Arc::ptr_eq(&again.sub, &first.sub));
        // What changed is read from the new tokens, whichever token carries it.
        let other = Tokens::refreshed(&first, access("bob", "s-1"), None, None).unwrap();
        assert_eq!((&*other.username, &*other.sub), ("bob", "s-1"));
        assert!(!Arc::ptr_eq(&other.username, &first.username));
        assert!(Arc::ptr_eq(&other.sub, &first.sub));
        let bare = Secret::new(test_jwt::jwt(&serde_json::json!({"exp": 100})));
        let from_id = Tokens::refreshed(&first, bare, Some(id("alice", "s-2")), None).unwrap();
        assert_eq!((&*from_id.username, &*from_id.sub), ("alice", "s-2"));
        assert!(Arc::ptr_eq(&from_id.username, &first.username));
        assert_eq!(from_id.expires_at_s, 90);
        assert_eq!(
            Tokens::refreshed(&first, Secret::new("a.b".into()), None, None).err(),
            Some(JwtError::Shape(2))
        );
    }

    #[test]
    fn skew_and_floor_are_bounded_by_the_lifetime() {
        // Cognito's access and id tokens live 5 minutes to 1 day.
        assert_eq!(refresh_skew_s(300, 300), 30);
        assert_eq!(refresh_skew_s(300, 3600), 300);
        assert_eq!(refresh_skew_s(300, 86_400), 300);
        assert_eq!(refresh_skew_s(300, -5), 0);
        assert_eq!(rearm_floor_ms(300), 30_000);
        assert_eq!(rearm_floor_ms(60), 6_000);
        assert_eq!(rearm_floor_ms(5), 1_000);
        assert_eq!(rearm_floor_ms(-3600), 30_000);
    }

    #[test]
    fn drift_is_measured_against_iat_and_expiry_judged_on_the_service_clock() {
        let t = test_jwt::jwt(&serde_json::json!({"exp": 1300, "iat": 1000, "sub": "s"}));
        let tokens = Tokens::from_jwts(Secret::new(t), None, None).unwrap();
        assert_eq!(tokens.issued_at_s, Some(1000));
        // The local clock is two hours ahead of the service's.
        let tokens = tokens.received_at(1000 + 7200);
        assert_eq!(tokens.clock_drift_s, 7200);
        assert_eq!(tokens.lifetime_s(99_999), 300);
        assert!(tokens.is_valid_at(1299 + 7200));
        assert!(!tokens.is_valid_at(1300 + 7200));
    }
}

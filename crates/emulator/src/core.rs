//! The sans-IO core: [`Emulator`] owns the model, its seeded randomness and the outbox, and
//! [`Emulator::handle`] answers one operation at the instant it is given.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::jwt::TokenSigner;
use crate::model::{AuthSession, CodePurpose, IdentityPool, RefreshRecord, UserPool};
use crate::time::UnixMillis;

/// Decides whether a token from an external identity provider (Facebook, Google, an OIDC
/// provider...) is valid for `GetId` / `GetCredentialsForIdentity`, and returns its subject.
pub type ExternalVerifier =
    Arc<dyn Fn(&str, &str, UnixMillis) -> Result<String, String> + Send + Sync>;

/// How an emulator is set up.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// Seed of every random choice (ids, codes, keys, SRP ephemerals).
    pub seed: u64,
    /// Region used in ids and issuer URLs.
    pub region: String,
    /// Account id used in ARNs and credentials.
    pub account_id: String,
    /// How many seconds an SRP `TIMESTAMP` may differ from the emulator's clock.
    pub srp_timestamp_tolerance_s: u64,
    /// Signs tokens; `None` uses the emulator-only key shipped with the crate.
    pub signer: Option<TokenSigner>,
    /// Judges external provider tokens; `None` uses [`default_external_verifier`].
    pub external_verifier: Option<ExternalVerifier>,
}

impl std::fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("seed", &self.seed)
            .field("region", &self.region)
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            srp_timestamp_tolerance_s: 300,
            signer: None,
            external_verifier: None,
        }
    }
}

/// The default external-token check: the token must be a JWT with a `sub` and, if it has an
/// `exp`, be unexpired. Its signature is not checked (the emulator has no provider keys); install
/// an [`ExternalVerifier`] to be stricter.
pub fn default_external_verifier() -> ExternalVerifier {
    Arc::new(|_provider, token, now| {
        let claims = crate::jwt::decode_unverified(token).map_err(|e| e.to_string())?;
        if let Some(exp) = claims.get("exp").and_then(Value::as_u64) {
            if exp <= now.secs() {
                return Err("token expired".into());
            }
        }
        claims
            .get("sub")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| "token has no sub".into())
    })
}

/// A message the emulator "delivered" (an email or SMS), readable by tests. `Debug` redacts the
/// code; read it from the field (or the outbox endpoint) on purpose.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    /// The user pool.
    pub pool_id: String,
    /// The recipient's user name.
    pub username: String,
    /// `EMAIL` or `SMS`.
    pub medium: String,
    /// The address or phone number.
    pub destination: String,
    /// Why it was sent.
    pub purpose: CodePurpose,
    /// The code (or temporary password, for invitations).
    pub code: String,
    /// When it was sent, in epoch milliseconds.
    pub sent_at_ms: u64,
}

impl std::fmt::Debug for OutboxMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxMessage")
            .field("pool_id", &self.pool_id)
            .field("username", &self.username)
            .field("medium", &self.medium)
            .field("destination", &self.destination)
            .field("purpose", &self.purpose)
            .field("code", &"<redacted>")
            .field("sent_at_ms", &self.sent_at_ms)
            .finish()
    }
}

/// A faithful in-memory Cognito (user pools and identity pools) with injected time and seeded
/// randomness. Every operation goes through [`Emulator::handle`].
pub struct Emulator {
    pub(crate) config: EmulatorConfig,
    pub(crate) rng: ChaCha20Rng,
    pub(crate) signer: TokenSigner,
    pub(crate) pools: BTreeMap<String, UserPool>,
    /// Refresh tokens by their value.
    pub(crate) refresh_tokens: BTreeMap<String, RefreshRecord>,
    /// Token families (`origin_jti`) revoked by `RevokeToken` / `GlobalSignOut`.
    pub(crate) revoked_families: BTreeSet<String>,
    pub(crate) sessions: BTreeMap<String, AuthSession>,
    pub(crate) identity_pools: BTreeMap<String, IdentityPool>,
    /// Credentials issued by `GetCredentialsForIdentity`, by access key id, for STS.
    pub(crate) issued_credentials: BTreeMap<String, crate::sts::IssuedCredentials>,
    pub(crate) outbox: Vec<OutboxMessage>,
    pub(crate) external_verifier: ExternalVerifier,
    /// Tokens of the current answer whose signatures are still to be computed.
    pending: Vec<(String, Map<String, Value>)>,
    requests_since_sweep: u32,
}

/// How many requests pass between two sweeps of expired sessions and refresh tokens.
const SWEEP_EVERY: u32 = 4096;

/// An answer whose tokens are not signed yet: [`Unsigned::finish`] signs them. Signing is the
/// costly part of a sign-in and needs no access to the model, so a server can do it after
/// releasing its lock on the emulator.
#[derive(Debug)]
pub struct Unsigned {
    response: Value,
    pending: Vec<(String, Map<String, Value>)>,
    signer: TokenSigner,
}

impl Unsigned {
    /// Signs the pending tokens and returns the finished answer.
    pub fn finish(self) -> Value {
        let mut response = self.response;
        if !self.pending.is_empty() {
            fill(&mut response, &self.pending, &self.signer);
        }
        response
    }
}

/// Replaces each placeholder string by its signed token.
fn fill(v: &mut Value, pending: &[(String, Map<String, Value>)], signer: &TokenSigner) {
    match v {
        Value::String(s) => {
            if let Some((_, claims)) = pending.iter().find(|(p, _)| p == s) {
                *s = signer.sign(claims);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| fill(x, pending, signer)),
        Value::Object(o) => o.values_mut().for_each(|x| fill(x, pending, signer)),
        _ => {}
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("config", &self.config)
            .field("pools", &self.pools.len())
            .field("identity_pools", &self.identity_pools.len())
            .field("issued_credentials", &self.issued_credentials.len())
            .finish_non_exhaustive()
    }
}

/// The target prefix of user-pool operations.
pub const USER_POOL_PREFIX: &str = "AWSCognitoIdentityProviderService.";
/// The target prefix of identity-pool operations.
pub const IDENTITY_PREFIX: &str = "AWSCognitoIdentityService.";

impl Emulator {
    /// An empty emulator.
    pub fn new(config: EmulatorConfig) -> Result<Self, crate::jwt::JwtError> {
        let signer = match &config.signer {
            Some(s) => s.clone(),
            None => TokenSigner::emulator_only()?,
        };
        let external_verifier = config
            .external_verifier
            .clone()
            .unwrap_or_else(default_external_verifier);
        Ok(Self {
            rng: ChaCha20Rng::seed_from_u64(config.seed),
            config,
            signer,
            pools: BTreeMap::new(),
            refresh_tokens: BTreeMap::new(),
            revoked_families: BTreeSet::new(),
            sessions: BTreeMap::new(),
            identity_pools: BTreeMap::new(),
            issued_credentials: BTreeMap::new(),
            outbox: Vec::new(),
            external_verifier,
            pending: Vec::new(),
            requests_since_sweep: 0,
        })
    }

    /// Answers one operation. `target` is the `X-Amz-Target` header (for example
    /// `AWSCognitoIdentityProviderService.InitiateAuth`), `body` the JSON request, `now` the
    /// emulator's current time.
    pub fn handle(&mut self, target: &str, body: &Value, now: UnixMillis) -> ApiResult<Value> {
        self.handle_unsigned(target, body, now)
            .map(Unsigned::finish)
    }

    /// Like [`Emulator::handle`], leaving token signatures to [`Unsigned::finish`].
    pub fn handle_unsigned(
        &mut self,
        target: &str,
        body: &Value,
        now: UnixMillis,
    ) -> ApiResult<Unsigned> {
        self.pending.clear();
        let response = self.dispatch(target, body, now);
        let pending = std::mem::take(&mut self.pending);
        response.map(|response| Unsigned {
            response,
            pending,
            signer: self.signer.clone(),
        })
    }

    fn dispatch(&mut self, target: &str, body: &Value, now: UnixMillis) -> ApiResult<Value> {
        if !body.is_object() {
            return Err(ApiError::new(
                ErrorKind::SerializationError,
                "Request body must be a JSON object",
            ));
        }
        self.expire(now);
        if let Some(op) = target.strip_prefix(USER_POOL_PREFIX) {
            crate::user_pool::dispatch(self, op, body, now)
        } else if let Some(op) = target.strip_prefix(IDENTITY_PREFIX) {
            crate::identity::dispatch(self, op, body, now)
        } else {
            Err(unknown_operation(target))
        }
    }

    /// Queues `claims` for signing and returns the placeholder that stands for the token in the
    /// answer until [`Unsigned::finish`].
    pub(crate) fn sign_later(&mut self, claims: Map<String, Value>) -> String {
        // The placeholder cannot collide with anything a request carries: it holds a NUL.
        let placeholder = format!("\u{0}unsigned-token-{}", self.pending.len());
        self.pending.push((placeholder.clone(), claims));
        placeholder
    }

    /// Every message delivered so far, oldest first.
    pub fn outbox(&self) -> &[OutboxMessage] {
        &self.outbox
    }

    /// Empties the outbox.
    pub fn clear_outbox(&mut self) {
        self.outbox.clear();
    }

    /// The most recent code delivered to `username` (in any pool) for `purpose`.
    pub fn last_code(&self, username: &str, purpose: CodePurpose) -> Option<&str> {
        self.outbox
            .iter()
            .rev()
            .find(|m| m.username == username && m.purpose == purpose)
            .map(|m| m.code.as_str())
    }

    /// The JWKS of `pool_id`, or `None` if there is no such pool.
    pub fn jwks(&self, pool_id: &str) -> Option<Value> {
        self.pools.get(pool_id).map(|_| self.signer.jwks())
    }

    /// The issuer URL of `pool_id`.
    pub fn issuer(&self, pool_id: &str) -> String {
        format!(
            "https://cognito-idp.{}.amazonaws.com/{}",
            self.config.region, pool_id
        )
    }

    /// The OpenID configuration document of `pool_id`; `base_url` is where the emulator is
    /// reached (its JWKS URL is published under it).
    pub fn openid_configuration(&self, pool_id: &str, base_url: &str) -> Option<Value> {
        self.pools.get(pool_id)?;
        Some(serde_json::json!({
            "issuer": self.issuer(pool_id),
            "jwks_uri": format!("{base_url}/{pool_id}/.well-known/jwks.json"),
            "authorization_endpoint": format!("{base_url}/{pool_id}/oauth2/authorize"),
            "token_endpoint": format!("{base_url}/{pool_id}/oauth2/token"),
            "userinfo_endpoint": format!("{base_url}/{pool_id}/oauth2/userInfo"),
            "response_types_supported": ["code", "token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }))
    }

    /// The token signer (its JWKS verifies every token this emulator issues).
    pub fn signer(&self) -> &TokenSigner {
        &self.signer
    }

    /// Drops sessions and refresh tokens that can no longer be used, so memory does not grow
    /// with abandoned sign-ins. A sweep walks everything, so it runs once every
    /// [`SWEEP_EVERY`] requests rather than on each one.
    fn expire(&mut self, now: UnixMillis) {
        self.requests_since_sweep += 1;
        if self.requests_since_sweep < SWEEP_EVERY {
            return;
        }
        self.requests_since_sweep = 0;
        self.sessions.retain(|_, s| s.expires > now);
        self.refresh_tokens.retain(|_, r| r.expires > now);
    }

    // ---- randomness -------------------------------------------------------------------------

    pub(crate) fn random_bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut b = [0u8; N];
        self.rng.fill_bytes(&mut b);
        b
    }

    pub(crate) fn random_string(&mut self, len: usize, alphabet: &[u8]) -> String {
        (0..len)
            .map(|_| {
                let i = (self.rng.next_u32() as usize) % alphabet.len();
                char::from(alphabet[i])
            })
            .collect()
    }

    pub(crate) fn uuid(&mut self) -> String {
        let mut b: [u8; 16] = self.random_bytes();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    pub(crate) fn code6(&mut self) -> String {
        format!("{:06}", self.rng.next_u32() % 1_000_000)
    }

    pub(crate) fn opaque_token(&mut self, len: usize) -> String {
        self.random_string(
            len,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        )
    }
}

pub(crate) fn unknown_operation(target: &str) -> ApiError {
    ApiError::new(
        ErrorKind::UnknownOperation,
        format!("Unknown operation {target}"),
    )
}

pub(crate) const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
pub(crate) const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

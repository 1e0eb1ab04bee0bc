//! The emulator's state: [`Emulator`] owns the model, its seeded randomness, the token signer
//! and the outbox. Operations change it through `crate::dispatch`, which sits above them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde::Serialize;
use serde_json::{Map, Value};

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
    /// Judges social-provider tokens (`SupportedLoginProviders`); `None` accepts only the tokens
    /// registered with [`Emulator::register_provider_token`] (or `POST
    /// /_emulator/federation/tokens`). [`default_external_verifier`] is a lenient choice.
    pub external_verifier: Option<ExternalVerifier>,
    /// Over HTTP, refuse the operations Cognito authorizes with IAM credentials (`Admin*`, pool,
    /// client, group and identity-pool management; see [`crate::iam_auth`]) when they arrive
    /// without a well-formed SigV4 `Authorization` header, as AWS refuses them
    /// (`MissingAuthenticationTokenException`, `IncompleteSignatureException`). Any access key
    /// and signature value pass. Off by default, so harnesses that post such calls unsigned keep
    /// working; the developer-identity operations are checked either way.
    pub require_signed_iam_calls: bool,
}

impl std::fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("seed", &self.seed)
            .field("region", &self.region)
            .field("account_id", &self.account_id)
            .field("require_signed_iam_calls", &self.require_signed_iam_calls)
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
            require_signed_iam_calls: false,
        }
    }
}

/// A lenient external-token check: the token must be a JWT with a `sub` and, if it has an
/// `exp`, be unexpired. Its signature is not checked (the emulator has no provider keys). Not
/// the default: without a verifier, only registered tokens are accepted.
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

/// One operation the emulator answered, as `GET /_emulator/requests` lists it: enough for a test
/// to assert, for example, that exactly one refresh happened. It holds no secret: no user name,
/// password, code or token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServedRequest {
    /// The operation, such as `InitiateAuth` (the `X-Amz-Target` without its service prefix).
    pub operation: String,
    /// The request's `AuthFlow`, for `InitiateAuth` and `AdminInitiateAuth`.
    pub auth_flow: Option<String>,
    /// The request's `ClientId`, if it names one.
    pub client_id: Option<String>,
    /// `ok`, or the error's `__type` (such as `NotAuthorizedException`).
    pub result: String,
    /// When it was answered, in epoch milliseconds of the emulator's clock.
    pub at_ms: u64,
}

/// How many served requests are kept; older ones are dropped so a long-running server does not
/// grow without bound.
pub(crate) const MAX_SERVED_REQUESTS: usize = 10_000;

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
    /// What `handle` answered, oldest first (at most [`MAX_SERVED_REQUESTS`]).
    pub(crate) served: Vec<ServedRequest>,
    /// Judges social-provider tokens instead of the registered ones, when configured.
    pub(crate) external_verifier: Option<ExternalVerifier>,
    /// Provider tokens and OIDC keys registered by tests (`crate::federation`).
    pub(crate) providers: crate::federation::ProviderRegistry,
    /// The hosted UI: domains, authorization codes, browser sessions.
    pub(crate) oauth: crate::oauth::OAuthState,
    /// Tokens of the current answer whose signatures are still to be computed.
    pub(crate) pending: Vec<(String, Map<String, Value>)>,
    requests_since_sweep: u32,
}

/// How many requests pass between two sweeps of expired sessions and refresh tokens.
const SWEEP_EVERY: u32 = 4096;

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

impl Emulator {
    /// An empty emulator.
    pub fn new(config: EmulatorConfig) -> Result<Self, crate::jwt::JwtError> {
        let signer = match &config.signer {
            Some(s) => s.clone(),
            None => TokenSigner::emulator_only()?,
        };
        let external_verifier = config.external_verifier.clone();
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
            served: Vec::new(),
            external_verifier,
            providers: Default::default(),
            oauth: Default::default(),
            pending: Vec::new(),
            requests_since_sweep: 0,
        })
    }

    /// Queues `claims` for signing and returns the placeholder that stands for the token in the
    /// answer until [`crate::Unsigned::finish`].
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

    /// The operations answered so far, oldest first (at most the last 10,000).
    pub fn served_requests(&self) -> &[ServedRequest] {
        &self.served
    }

    /// Forgets the operations answered so far.
    pub fn clear_served_requests(&mut self) {
        self.served.clear();
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
            "authorization_endpoint": format!("{base_url}/oauth2/authorize"),
            "token_endpoint": format!("{base_url}/oauth2/token"),
            "userinfo_endpoint": format!("{base_url}/oauth2/userInfo"),
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
    pub(crate) fn expire(&mut self, now: UnixMillis) {
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

pub(crate) const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
pub(crate) const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

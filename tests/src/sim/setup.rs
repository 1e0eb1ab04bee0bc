//! Pool settings drawn from the seed, and the emulator and machine configured with them.

use cognito_auth::machine::config::{IdentityPoolConfig, RefreshTokenRotation};
use cognito_auth::machine::Config;
use cognito_auth_emulator::{
    Emulator, EmulatorConfig, UnixMillis, IDENTITY_PREFIX, USER_POOL_PREFIX,
};
use serde_json::{json, Value};

use super::rng::Rng;

/// Access and id token lifetimes the simulator draws from, in minutes: Cognito's minimum (5),
/// the lifetimes around the machine's 300 s skew, the 1-hour default, and up to a day.
const LIFETIMES_MIN: [u64; 9] = [5, 6, 10, 15, 30, 60, 120, 720, 1440];

/// What one run's user pool looks like.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Access and id token lifetime, seconds.
    pub token_lifetime_s: u64,
    /// Device tracking on (devices are always remembered, so the machine confirms each).
    pub device_tracking: bool,
    /// `MfaConfiguration` `OPTIONAL` instead of `OFF` (the user has no factor set up unless
    /// [`Self::mfa`] gives them one, and may then make the pool `ON`).
    pub mfa_optional: bool,
    /// `USER_SRP_AUTH` rather than `USER_PASSWORD_AUTH`.
    pub srp: bool,
    /// The app client rotates refresh tokens, the replaced one staying valid this many
    /// seconds after its first use (`RetryGracePeriodSeconds`, 0-60).
    pub rotation_grace_s: Option<u64>,
    /// How the machine refreshes (`tuning.refresh_token_rotation`).
    pub rotation_mode: RefreshTokenRotation,
    /// An identity pool federating the user pool, and whether it allows guests.
    pub identity_pool: Option<bool>,
    /// MFA factors and the pool's MFA setting, in some of the `mfa_optional` runs (drawn from
    /// their own stream by [`super::mfa`]).
    pub mfa: Option<super::mfa::MfaSettings>,
}

impl PoolSettings {
    /// Settings drawn from `rng`.
    pub fn draw(rng: &mut Rng) -> Self {
        let i = rng.range(0, LIFETIMES_MIN.len() as u64 - 1) as usize;
        let rotation = rng.chance(400);
        // A rotating client refuses REFRESH_TOKEN_AUTH for good, so a machine told to use only
        // that flow could never refresh: a misconfiguration, not a case to simulate.
        let rotation_mode = match rng.range(0, if rotation { 1 } else { 2 }) {
            0 => RefreshTokenRotation::Auto,
            1 => RefreshTokenRotation::Enabled,
            _ => RefreshTokenRotation::Disabled,
        };
        Self {
            token_lifetime_s: LIFETIMES_MIN[i] * 60,
            device_tracking: rng.chance(500),
            mfa_optional: rng.chance(300),
            srp: rng.chance(500),
            rotation_grace_s: rotation.then(|| rng.range(0, 60)),
            rotation_mode,
            identity_pool: rng.chance(500).then(|| rng.chance(500)),
            mfa: None,
        }
    }
}

/// The emulator with one pool, one app client and one confirmed user.
pub struct Backend {
    /// The emulator core.
    pub emu: Emulator,
    /// The pool id.
    pub pool_id: String,
    /// The app client id.
    pub client_id: String,
    /// The identity pool id, when there is one.
    pub identity_pool_id: Option<String>,
    /// The user's TOTP key, when they set one up.
    pub totp_key: Option<Vec<u8>>,
}

/// The user every run signs in as.
pub const USERNAME: &str = "simuser";
/// Their password.
pub const PASSWORD: &str = "Sim-Passw0rd!";

fn call(emu: &mut Emulator, op: &str, body: &Value, now: UnixMillis) -> Result<Value, String> {
    emu.handle(&format!("{USER_POOL_PREFIX}{op}"), body, now)
        .map_err(|e| format!("setting up the emulator: {op}: {e}"))
}

/// Creates the emulator and the pool for `settings`.
pub fn backend(settings: &PoolSettings, seed: u64, now: UnixMillis) -> Result<Backend, String> {
    let mut emu = Emulator::new(EmulatorConfig {
        seed,
        // The device clock may be hours off and the machine stamps SRP with it; the simulator
        // tests token handling, not Cognito's tolerance of SRP timestamps.
        srp_timestamp_tolerance_s: 30 * 86_400,
        ..EmulatorConfig::default()
    })
    .map_err(|e| format!("emulator: {e}"))?;
    let mut pool = json!({
        "PoolName": "sim",
        "MfaConfiguration": if settings.mfa_optional { "OPTIONAL" } else { "OFF" },
    });
    if settings.device_tracking {
        pool["DeviceConfiguration"] = json!({
            "ChallengeRequiredOnNewDevice": false,
            "DeviceOnlyRememberedOnUserPrompt": false,
        });
    }
    let pool = call(&mut emu, "CreateUserPool", &pool, now)?;
    let pool_id = str_at(&pool, &["UserPool", "Id"])?;
    let minutes = settings.token_lifetime_s / 60;
    let mut client = json!({
        "UserPoolId": pool_id, "ClientName": "sim",
        "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH"],
        "AccessTokenValidity": minutes, "IdTokenValidity": minutes,
        "RefreshTokenValidity": 30,
        "TokenValidityUnits": { "AccessToken": "minutes", "IdToken": "minutes",
            "RefreshToken": "days" },
    });
    if let Some(grace) = settings.rotation_grace_s {
        client["RefreshTokenRotation"] =
            json!({ "Feature": "ENABLED", "RetryGracePeriodSeconds": grace });
    }
    let client = call(&mut emu, "CreateUserPoolClient", &client, now)?;
    let client_id = str_at(&client, &["UserPoolClient", "ClientId"])?;
    call(
        &mut emu,
        "SignUp",
        &json!({ "ClientId": client_id, "Username": USERNAME, "Password": PASSWORD }),
        now,
    )?;
    call(
        &mut emu,
        "AdminConfirmSignUp",
        &json!({ "UserPoolId": pool_id, "Username": USERNAME }),
        now,
    )?;
    let totp_key = match &settings.mfa {
        Some(mfa) => super::mfa::set_up(&mut emu, &pool_id, &client_id, mfa, now)?,
        None => None,
    };
    let identity_pool_id = match settings.identity_pool {
        Some(guests) => Some(identity_pool(&mut emu, &pool_id, &client_id, guests, now)?),
        None => None,
    };
    Ok(Backend {
        emu,
        pool_id,
        client_id,
        identity_pool_id,
        totp_key,
    })
}

/// An identity pool that federates the user pool's app client, with both roles set.
fn identity_pool(
    emu: &mut Emulator,
    pool_id: &str,
    client_id: &str,
    guests: bool,
    now: UnixMillis,
) -> Result<String, String> {
    let mut call = |op: &str, body: Value| {
        emu.handle(&format!("{IDENTITY_PREFIX}{op}"), &body, now)
            .map_err(|e| format!("setting up the emulator: {op}: {e}"))
    };
    let created = call(
        "CreateIdentityPool",
        json!({ "IdentityPoolName": "sim", "AllowUnauthenticatedIdentities": guests,
            "CognitoIdentityProviders": [{ "ClientId": client_id,
                "ProviderName": format!("cognito-idp.{REGION}.amazonaws.com/{pool_id}") }] }),
    )?;
    let id = str_at(&created, &["IdentityPoolId"])?;
    call(
        "SetIdentityPoolRoles",
        json!({ "IdentityPoolId": id, "Roles": {
            "authenticated": "arn:aws:iam::123456789012:role/sim-authenticated",
            "unauthenticated": "arn:aws:iam::123456789012:role/sim-guest" } }),
    )?;
    Ok(id)
}

/// The region of every pool.
const REGION: &str = "us-east-1";

fn str_at(v: &Value, path: &[&str]) -> Result<String, String> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("setting up the emulator: no {}", path.join(".")))
}

/// The machine's configuration for the backend.
pub fn machine_config(settings: &PoolSettings, backend: &Backend) -> Result<Config, String> {
    let flow = if settings.srp {
        "USER_SRP_AUTH"
    } else {
        "USER_PASSWORD_AUTH"
    };
    let text = json!({
        "CognitoUserPool": { "Default": { "PoolId": backend.pool_id,
            "AppClientId": backend.client_id, "Region": "us-east-1" } },
        "Auth": { "Default": { "authenticationFlowType": flow } },
    })
    .to_string();
    let mut config =
        Config::from_aws_configuration_json(&text).map_err(|e| format!("machine config: {e}"))?;
    config.tuning.refresh_token_rotation = settings.rotation_mode;
    config.identity_pool = backend
        .identity_pool_id
        .as_ref()
        .map(|id| IdentityPoolConfig {
            pool_id: id.clone(),
            region: REGION.to_owned(),
            allow_guest: settings.identity_pool == Some(true),
        });
    Ok(config)
}

//! Seed files: pools, clients, users and identity pools to create at start-up, in JSON whose
//! members are those of the matching Cognito requests (see the crate README for the format).

use serde_json::{json, Value};

use crate::error::ApiError;
use crate::model::{Hidden, UserStatus};
use crate::params::Params;
use crate::state::{Emulator, ALNUM, LOWER_ALNUM};
use crate::time::UnixMillis;
use crate::user_pool;

/// Why a seed could not be applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeedError {
    /// The file is not JSON of the expected shape.
    #[error("seed is not valid: {0}")]
    Invalid(String),
    /// A pool, client or user was refused as Cognito would refuse it.
    #[error("seed entry refused: {0}")]
    Refused(#[from] ApiError),
}

impl Emulator {
    /// Creates what `seed` describes. Ids given in the seed are kept (so tests and apps can use
    /// fixed ids); missing ones are generated from the emulator's seeded randomness.
    pub fn apply_seed(&mut self, seed: &Value, now: UnixMillis) -> Result<(), SeedError> {
        let obj = seed
            .as_object()
            .ok_or_else(|| SeedError::Invalid("top level must be an object".into()))?;
        for p in obj
            .get("user_pools")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.seed_pool(Params(p), now)?;
        }
        for p in obj
            .get("identity_pools")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let p = Params(p);
            let name = p.str("IdentityPoolName")?.to_owned();
            let id = match p.opt_str("IdentityPoolId") {
                Some(id) => id.to_owned(),
                None => {
                    let u = self.uuid();
                    format!("{}:{u}", self.config.region)
                }
            };
            let allow = p
                .opt_bool("AllowUnauthenticatedIdentities")
                .unwrap_or(false);
            let pool = crate::identity::build_identity_pool(id.clone(), name, allow, p)?;
            self.identity_pools.insert(id.clone(), pool);
            // Roles are set the way `SetIdentityPoolRoles` sets them (and checked the same way).
            if let Some(roles) = p.0.get("Roles") {
                let mut req = json!({"IdentityPoolId": id, "Roles": roles});
                if let (Some(o), Some(m)) = (req.as_object_mut(), p.0.get("RoleMappings")) {
                    o.insert("RoleMappings".into(), m.clone());
                }
                crate::roles::set_roles(self, Params(&req))?;
            }
        }
        Ok(())
    }

    fn seed_pool(&mut self, p: Params<'_>, now: UnixMillis) -> Result<(), SeedError> {
        let name = p.str("PoolName")?.to_owned();
        let id = match p.opt_str("Id") {
            Some(id) if id.contains('_') => id.to_owned(),
            Some(id) => {
                return Err(SeedError::Invalid(format!(
                    "pool id {id} must look like REGION_ID"
                )))
            }
            None => {
                let s = self.random_string(9, ALNUM);
                format!("{}_{s}", self.config.region)
            }
        };
        let pool = user_pool::config::build_pool(id.clone(), name, p, now)?;
        self.pools.insert(id.clone(), pool);
        for c in
            p.0.get("Clients")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        {
            let c = Params(c);
            let client_id = match c.opt_str("ClientId") {
                Some(x) => x.to_owned(),
                None => self.random_string(26, LOWER_ALNUM),
            };
            let secret = match (
                c.opt_str("ClientSecret"),
                c.opt_bool("GenerateSecret").unwrap_or(false),
            ) {
                (Some(s), _) => Some(Hidden(s.to_owned())),
                (None, true) => Some(Hidden(self.random_string(51, LOWER_ALNUM))),
                (None, false) => None,
            };
            let client = user_pool::config::build_client(
                client_id.clone(),
                c.str("ClientName")?.to_owned(),
                secret,
                c,
            )?;
            user_pool::lookup::pool_mut(self, &id)?
                .clients
                .insert(client_id, client);
        }
        for u in
            p.0.get("Users")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        {
            self.seed_user(&id, Params(u), now)?;
        }
        Ok(())
    }

    fn seed_user(
        &mut self,
        pool_id: &str,
        u: Params<'_>,
        now: UnixMillis,
    ) -> Result<(), SeedError> {
        let username = u.str("Username")?.to_owned();
        let attrs: Vec<(String, String)> = u.string_map("Attributes").into_iter().collect();
        let status = match u.opt_str("Status").unwrap_or("CONFIRMED") {
            "CONFIRMED" => UserStatus::Confirmed,
            "UNCONFIRMED" => UserStatus::Unconfirmed,
            "FORCE_CHANGE_PASSWORD" => UserStatus::ForceChangePassword,
            "RESET_REQUIRED" => UserStatus::ResetRequired,
            other => return Err(SeedError::Invalid(format!("unknown user status {other}"))),
        };
        let mut user = user_pool::users::new_user(self, &username, attrs, status, now);
        if let Some(sub) = u.opt_str("Sub") {
            user.sub = sub.to_owned();
        }
        let pool = user_pool::lookup::pool(self, pool_id)?;
        user.username = if pool.case_sensitive {
            username.clone()
        } else {
            username.to_lowercase()
        };
        let pool_name = pool.srp_pool_name().to_owned();
        if let Some(pw) = u.opt_str("Password") {
            let key = user.username.clone();
            user.password = Some(user_pool::passwords::password_record(
                self, &pool_name, &key, pw, None,
            ));
        }
        if let Some(secret) = u.opt_str("TotpSecretBase32") {
            let bytes = crate::totp::base32_decode(secret)
                .ok_or_else(|| SeedError::Invalid("TotpSecretBase32 is not base32".into()))?;
            user.totp_secret = Some(Hidden(bytes));
            user.totp_verified = true;
            user.software_token_mfa = true;
        }
        if let Some(mfa) = u.opt_obj("Mfa") {
            user_pool::users::apply_mfa_preference(&mut user, mfa)?;
        }
        let key = user.username.clone();
        user_pool::lookup::pool_mut(self, pool_id)?
            .users
            .insert(key, user);
        Ok(())
    }
}

/// An example seed, also used by the README.
pub fn example_seed() -> Value {
    json!({
        "seed": 7,
        "user_pools": [{
            "Id": "us-east-1_Example01",
            "PoolName": "example",
            "AutoVerifiedAttributes": ["email"],
            "Clients": [{"ClientId": "exampleclient0000000000001", "ClientName": "app",
                          "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}],
            "Users": [{"Username": "alice", "Password": "Passw0rd!",
                        "Attributes": {"email": "alice@example.com", "email_verified": "true"}}]
        }],
        "identity_pools": [{
            "IdentityPoolId": "us-east-1:00000000-0000-4000-8000-000000000001",
            "IdentityPoolName": "example",
            "AllowUnauthenticatedIdentities": true,
            "CognitoIdentityProviders": [{"ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example01",
                                          "ClientId": "exampleclient0000000000001"}],
            "Roles": {"authenticated": "arn:aws:iam::123456789012:role/Cognito_exampleAuth_Role",
                      "unauthenticated": "arn:aws:iam::123456789012:role/Cognito_exampleUnauth_Role"}
        }]
    })
}

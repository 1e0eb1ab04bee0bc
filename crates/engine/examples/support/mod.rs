//! The local backend the self-contained examples run against: the project's Cognito emulator,
//! started in this process on 127.0.0.1 with one user pool, one app client, one identity pool
//! and the user `alice`. Against a real pool, skip this and build the engine from your
//! `amplify_outputs.json` instead (see `quickstart.rs`).
// Each example uses part of it.
#![allow(dead_code)]

use cognito_auth::machine::config::{AuthFlow, IdentityPoolConfig, Tuning, UserPoolConfig};
use cognito_auth::Config;
use cognito_auth_emulator::http::{serve, system_now, Server};
use cognito_auth_emulator::{Emulator, EmulatorConfig};

const REGION: &str = "us-east-1";
const POOL_ID: &str = "us-east-1_Example01";
const CLIENT_ID: &str = "exampleclient0000000000001";
const IDENTITY_POOL_ID: &str = "us-east-1:00000000-0000-4000-8000-0000000e0001";
/// The role the identity pool gives signed-in users.
pub(crate) const AUTH_ROLE: &str = "arn:aws:iam::123456789012:role/Cognito_exampleAuth_Role";

/// The seeded user.
pub(crate) const USERNAME: &str = "alice";
/// Her password; it only ever exists in this process's emulator.
pub(crate) const PASSWORD: &str = "Passw0rd!";

/// The emulator, serving until dropped.
pub(crate) struct LocalCognito {
    server: Server,
}

impl LocalCognito {
    /// Starts the emulator on a free local port.
    pub(crate) async fn start() -> Result<Self, Box<dyn std::error::Error>> {
        let mut emulator = Emulator::new(EmulatorConfig::default())?;
        emulator.apply_seed(&seed(), system_now())?;
        let server = serve("127.0.0.1:0", emulator).await?;
        Ok(Self { server })
    }

    /// Where every Cognito call (user pools, identity pools, STS) goes:
    /// `AuthBuilder::endpoint_url`.
    pub(crate) fn endpoint(&self) -> String {
        self.server.endpoint()
    }

    /// What `amplify_outputs.json` would say for these pools.
    pub(crate) fn config(&self) -> Config {
        Config {
            user_pool: Some(UserPoolConfig {
                pool_id: POOL_ID.to_owned(),
                app_client_id: CLIENT_ID.to_owned(),
                app_client_secret: None,
                region: REGION.to_owned(),
                auth_flow: AuthFlow::UserSrpAuth,
            }),
            identity_pool: Some(IdentityPoolConfig {
                pool_id: IDENTITY_POOL_ID.to_owned(),
                region: REGION.to_owned(),
                allow_guest: true,
            }),
            oauth: None,
            tuning: Tuning::default(),
        }
    }
}

fn seed() -> serde_json::Value {
    serde_json::json!({
        "seed": 7,
        "region": REGION,
        "user_pools": [{
            "Id": POOL_ID,
            "PoolName": "example",
            "Clients": [{
                "ClientId": CLIENT_ID,
                "ClientName": "app",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
            }],
            "Users": [{
                "Username": USERNAME,
                "Password": PASSWORD,
                "Attributes": {"email": "alice@example.com", "email_verified": "true"}
            }]
        }],
        "identity_pools": [{
            "IdentityPoolId": IDENTITY_POOL_ID,
            "IdentityPoolName": "example",
            "AllowUnauthenticatedIdentities": true,
            "CognitoIdentityProviders": [{
                "ProviderName": format!("cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"),
                "ClientId": CLIENT_ID
            }],
            "Roles": {
                "authenticated": AUTH_ROLE,
                "unauthenticated": "arn:aws:iam::123456789012:role/Cognito_exampleUnauth_Role"
            }
        }]
    })
}

//! Shared helpers for the core scenarios: an emulator with one pool and client, and calls by
//! operation name.
#![allow(
    missing_docs,
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use cognito_auth_emulator::{ApiError, Emulator, EmulatorConfig, UnixMillis};
use serde_json::{json, Value};

pub const T0: u64 = 1_800_000_000;

pub struct World {
    pub emu: Emulator,
    pub now: UnixMillis,
    pub pool_id: String,
    pub client_id: String,
}

impl World {
    pub fn new(pool: Value, client: Value) -> Self {
        let mut emu = Emulator::new(EmulatorConfig {
            seed: 1,
            ..EmulatorConfig::default()
        })
        .unwrap();
        let now = UnixMillis::from_secs(T0);
        let mut pool = pool;
        pool["PoolName"] = json!("test");
        let p = emu
            .handle(
                "AWSCognitoIdentityProviderService.CreateUserPool",
                &pool,
                now,
            )
            .unwrap();
        let pool_id = p["UserPool"]["Id"].as_str().unwrap().to_owned();
        let mut client = client;
        client["UserPoolId"] = json!(pool_id);
        client["ClientName"] = json!("app");
        let c = emu
            .handle(
                "AWSCognitoIdentityProviderService.CreateUserPoolClient",
                &client,
                now,
            )
            .unwrap();
        let client_id = c["UserPoolClient"]["ClientId"].as_str().unwrap().to_owned();
        Self {
            emu,
            now,
            pool_id,
            client_id,
        }
    }

    pub fn call(&mut self, op: &str, body: Value) -> Result<Value, ApiError> {
        let target = if let Some(rest) = op.strip_prefix("Identity.") {
            format!("AWSCognitoIdentityService.{rest}")
        } else {
            format!("AWSCognitoIdentityProviderService.{op}")
        };
        self.emu.handle(&target, &body, self.now)
    }

    pub fn ok(&mut self, op: &str, body: Value) -> Value {
        self.call(op, body)
            .unwrap_or_else(|e| panic!("{op} failed: {e}"))
    }

    pub fn err(&mut self, op: &str, body: Value) -> String {
        match self.call(op, body) {
            Ok(v) => panic!("{op} unexpectedly succeeded: {v}"),
            Err(e) => e.kind.name().to_owned(),
        }
    }

    pub fn advance(&mut self, secs: u64) {
        self.now = self.now.plus_secs(secs);
    }

    /// A confirmed user with a permanent password and a verified email.
    pub fn user(&mut self, name: &str, password: &str) {
        let pool = self.pool_id.clone();
        self.ok("AdminCreateUser", json!({"UserPoolId": pool, "Username": name, "MessageAction": "SUPPRESS",
            "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")}, {"Name": "email_verified", "Value": "true"}]}));
        self.ok(
            "AdminSetUserPassword",
            json!({"UserPoolId": pool, "Username": name, "Password": password, "Permanent": true}),
        );
    }

    pub fn password_auth(&mut self, name: &str, password: &str) -> Result<Value, ApiError> {
        let client = self.client_id.clone();
        self.call(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": name, "PASSWORD": password}}),
        )
    }

    /// USER_SRP_AUTH with the srp crate's client; returns the final answer or the error.
    pub fn srp_auth(
        &mut self,
        name: &str,
        password: &str,
        device_key: Option<&str>,
    ) -> Result<Value, ApiError> {
        use cognito_auth_srp as srp;
        let client = self.client_id.clone();
        let eph =
            srp::ClientEphemeral::from_random(&[7u8; srp::ClientEphemeral::RANDOM_LEN]).unwrap();
        let mut params = json!({"USERNAME": name, "SRP_A": eph.public_a_hex()});
        if let Some(d) = device_key {
            params["DEVICE_KEY"] = json!(d);
        }
        let ch = self.call(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": params}),
        )?;
        assert_eq!(ch["ChallengeName"], "PASSWORD_VERIFIER");
        let cp = &ch["ChallengeParameters"];
        let ts = srp::cognito_timestamp(self.now.secs() as i64).unwrap();
        let pool_name = self.pool_id.split('_').nth(1).unwrap().to_owned();
        let sig = srp::user_password_claim(
            &eph,
            &srp::UserClaimInput {
                pool_name: &pool_name,
                user_id_for_srp: cp["USER_ID_FOR_SRP"].as_str().unwrap(),
                password,
                srp_b_hex: cp["SRP_B"].as_str().unwrap(),
                salt_hex: cp["SALT"].as_str().unwrap(),
                secret_block_b64: cp["SECRET_BLOCK"].as_str().unwrap(),
                timestamp: &ts,
            },
        )
        .unwrap();
        let mut responses = json!({"USERNAME": cp["USERNAME"], "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
            "TIMESTAMP": ts, "PASSWORD_CLAIM_SIGNATURE": sig});
        if let Some(d) = device_key {
            responses["DEVICE_KEY"] = json!(d);
        }
        self.call(
            "RespondToAuthChallenge",
            json!({"ClientId": client, "ChallengeName": "PASSWORD_VERIFIER",
            "Session": ch["Session"], "ChallengeResponses": responses}),
        )
    }

    pub fn tokens(&mut self, name: &str, password: &str) -> Value {
        self.password_auth(name, password).unwrap()["AuthenticationResult"].clone()
    }
}

pub fn all_flows() -> Value {
    json!({"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_AUTH"]})
}

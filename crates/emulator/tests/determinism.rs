//! The core is a pure function of its seed, its inputs and the instants it is given: two
//! emulators with the same seed answer the same sequence byte for byte, and nothing secret shows
//! in their Debug output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cognito_auth_emulator::{example_seed, Emulator, EmulatorConfig, UnixMillis};
use serde_json::{json, Value};

fn run(seed: u64) -> (Vec<String>, String) {
    let mut emu = Emulator::new(EmulatorConfig {
        seed,
        ..EmulatorConfig::default()
    })
    .unwrap();
    let mut now = UnixMillis::from_secs(1_800_000_000);
    emu.apply_seed(&example_seed(), now).unwrap();
    let up = |op: &str| format!("AWSCognitoIdentityProviderService.{op}");
    let id = |op: &str| format!("AWSCognitoIdentityService.{op}");
    let client = "exampleclient0000000000001";
    let mut out = Vec::new();
    let mut call = |emu: &mut Emulator, target: String, body: Value, now: UnixMillis| -> Value {
        let r = emu.handle(&target, &body, now);
        let v = match r {
            Ok(v) => v,
            Err(e) => e.to_json(),
        };
        out.push(v.to_string());
        v
    };
    call(
        &mut emu,
        up("SignUp"),
        json!({"ClientId": client, "Username": "det", "Password": "Passw0rd!", "UserAttributes": [{"Name": "email", "Value": "d@example.com"}]}),
        now,
    );
    let code = emu.outbox().last().unwrap().code.clone();
    call(
        &mut emu,
        up("ConfirmSignUp"),
        json!({"ClientId": client, "Username": "det", "ConfirmationCode": code}),
        now,
    );
    now = now.plus_secs(5);
    let auth = call(
        &mut emu,
        up("InitiateAuth"),
        json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "det", "PASSWORD": "Passw0rd!"}}),
        now,
    );
    let id_token = auth["AuthenticationResult"]["IdToken"].clone();
    call(
        &mut emu,
        up("InitiateAuth"),
        json!({"ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": auth["AuthenticationResult"]["RefreshToken"]}}),
        now,
    );
    let pool = "us-east-1:00000000-0000-4000-8000-000000000001";
    let logins = json!({"cognito-idp.us-east-1.amazonaws.com/us-east-1_Example01": id_token});
    let ident = call(
        &mut emu,
        id("GetId"),
        json!({"IdentityPoolId": pool, "Logins": logins}),
        now,
    );
    call(
        &mut emu,
        id("GetCredentialsForIdentity"),
        json!({"IdentityId": ident["IdentityId"], "Logins": logins}),
        now,
    );
    (out, format!("{emu:?}"))
}

#[test]
fn same_seed_same_answers_byte_for_byte() {
    let (a, _) = run(42);
    let (b, _) = run(42);
    assert_eq!(a, b);
    let (c, _) = run(43);
    assert_ne!(a, c, "a different seed must change ids and tokens");
}

#[test]
fn debug_output_shows_no_secrets() {
    let (_, debug) = run(1);
    for secret in ["Passw0rd!", "JBSWY3DPEHPK3PXP", "eyJ"] {
        assert!(
            !debug.contains(secret),
            "Debug output contains {secret}: {debug}"
        );
    }
    let emu = Emulator::new(EmulatorConfig::default()).unwrap();
    assert!(!format!("{:?}", emu.signer()).contains("PRIVATE"));
}

#[test]
fn describe_user_pool_does_not_echo_seeded_users_or_client_secrets() {
    let mut emu = Emulator::new(EmulatorConfig::default()).unwrap();
    let now = UnixMillis::from_secs(1_800_000_000);
    let mut seed = example_seed();
    seed["user_pools"][0]["Clients"][0]["ClientSecret"] = json!("seeded-secret-value");
    emu.apply_seed(&seed, now).unwrap();
    let pool = emu
        .handle(
            "AWSCognitoIdentityProviderService.DescribeUserPool",
            &json!({"UserPoolId": "us-east-1_Example01"}),
            now,
        )
        .unwrap()
        .to_string();
    assert!(
        !pool.contains("Passw0rd!") && !pool.contains("seeded-secret-value"),
        "{pool}"
    );
    let client = emu
        .handle(
            "AWSCognitoIdentityProviderService.DescribeUserPoolClient",
            &json!({"UserPoolId": "us-east-1_Example01", "ClientId": "exampleclient0000000000001"}),
            now,
        )
        .unwrap();
    // The secret is returned once, where Cognito returns it, and nowhere else.
    assert_eq!(
        client["UserPoolClient"]["ClientSecret"],
        "seeded-secret-value"
    );
    assert_eq!(client.to_string().matches("seeded-secret-value").count(), 1);
}

//! The binary against moto, an independent Cognito implementation: sign-up, confirmation,
//! password sign-in (and moto's broken SRP answer reported as a service error), whoami, tokens, attributes and global sign-out.
//!
//! moto accepts any confirmation code and any SRP proof, so this checks that the commands
//! speak the protocol as another implementation understands it; the emulator tests check
//! codes and proofs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::World;

#[test]
fn sign_up_confirm_sign_in_whoami_tokens_attributes_and_sign_out_against_moto() {
    let world = World::moto();
    let signed_up = world
        .run(
            &[
                "--json",
                "sign-up",
                "bob",
                "--attribute",
                "email=bob@example.com",
            ],
            "Passw0rd!long\n",
        )
        .ok()
        .json();
    assert_eq!(signed_up["user_confirmed"], false, "{signed_up}");
    world.run(&["confirm-sign-up", "bob", "123456"], "").ok();

    let signed_in = world
        .run(
            &["--json", "sign-in", "bob", "--flow", "password"],
            "Passw0rd!long\n",
        )
        .ok()
        .json();
    assert_eq!(signed_in["state"], "signedIn", "{signed_in}");

    let whoami = world.run(&["--json", "whoami"], "").ok().json();
    assert_eq!(whoami["username"], "bob", "{whoami}");
    assert_eq!(whoami["sub"], signed_up["user_sub"], "{whoami}");
    assert_eq!(
        whoami["identity_id"],
        serde_json::Value::Null,
        "no identity pool"
    );

    let tokens = world.run(&["--json", "tokens", "--force"], "").ok().json();
    assert!(tokens["access_token"]
        .as_str()
        .is_some_and(|t| t.starts_with("eyJ")));
    assert!(tokens["refresh_token"].as_str().is_some(), "{tokens}");

    world.run(&["attributes", "set", "name=Bob"], "").ok();
    let attributes = world.run(&["--json", "attributes", "get"], "").ok().json();
    assert_eq!(attributes["attributes"]["email"], "bob@example.com");
    assert_eq!(attributes["attributes"]["name"], "Bob", "{attributes}");

    // No identity pool configured: a usage error, not a hang.
    world.run(&["credentials"], "").exit(2);

    world.run(&["sign-out", "--global"], "").ok();
    world.run(&["tokens"], "").exit(6);

    // moto answers USER_SRP_AUTH with a SECRET_BLOCK that is not base64 (see the engine's
    // moto test): the engine refuses it, a service error, and nobody is signed in.
    let srp = world
        .run(
            &["--json", "sign-in", "bob", "--flow", "srp"],
            "Passw0rd!long\n",
        )
        .exit(5);
    assert_eq!(
        srp.json()["error"]["code"],
        "UnexpectedResponse",
        "{srp:#?}"
    );
    assert_eq!(
        world.run(&["--json", "whoami"], "").ok().json()["state"],
        "signedOut"
    );

    world
        .run(&["sign-in", "bob", "--flow", "password"], "Passw0rd!long\n")
        .ok();
    // moto has no RevokeToken: the default sign-out warns and still signs out locally.
    let out = world.run(&["sign-out"], "").ok();
    assert!(out.stderr.contains("warning"), "{out:#?}");
    world.run(&["tokens"], "").exit(6);
}

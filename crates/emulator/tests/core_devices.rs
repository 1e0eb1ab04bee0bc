//! Device operations against the sans-IO core: `UpdateDeviceStatus` with Cognito's validation,
//! and `ListDevices` / `AdminListDevices` paging (`Limit` 0 to 60, 60 by default and at most;
//! an opaque `PaginationToken`, refused when it is not one the service issued).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use cognito_auth_srp as srp;
use common::{all_flows, World};
use serde_json::{json, Value};

fn device_world() -> World {
    let mut w = World::new(
        json!({"DeviceConfiguration": {"ChallengeRequiredOnNewDevice": false,
                                       "DeviceOnlyRememberedOnUserPrompt": true}}),
        all_flows(),
    );
    w.user("ivy", "Passw0rd!");
    w
}

/// Signs in `n` times without a device key, confirming each new device; returns the last access
/// token and the device keys in the order they were created.
fn confirmed_devices(w: &mut World, n: usize) -> (Value, Vec<String>) {
    // The emulator only parses the verifier, so one computed verifier serves every device.
    let dv = srp::device_verifier(
        "-group",
        "us-east-1_x",
        &[3u8; srp::DEVICE_VERIFIER_RANDOM_LEN],
    )
    .unwrap();
    let mut keys = Vec::new();
    let mut access = Value::Null;
    for _ in 0..n {
        let result = w.password_auth("ivy", "Passw0rd!").unwrap()["AuthenticationResult"].clone();
        let key = result["NewDeviceMetadata"]["DeviceKey"]
            .as_str()
            .unwrap()
            .to_owned();
        access = result["AccessToken"].clone();
        w.ok("ConfirmDevice", json!({"AccessToken": access, "DeviceKey": key,
            "DeviceSecretVerifierConfig": {"PasswordVerifier": dv.password_verifier_b64, "Salt": dv.salt_b64}}));
        keys.push(key);
    }
    (access, keys)
}

fn keys_of(page: &Value) -> Vec<String> {
    page["Devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["DeviceKey"].as_str().unwrap().to_owned())
        .collect()
}

fn status_of(page: &Value, key: &str) -> String {
    let device = page["Devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["DeviceKey"] == key)
        .unwrap();
    device["DeviceAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "device_status")
        .map(|a| a["Value"].as_str().unwrap().to_owned())
        .unwrap()
}

#[test]
fn the_default_page_holds_sixty_devices_and_the_token_brings_the_rest() {
    let mut w = device_world();
    let (at, mut keys) = confirmed_devices(&mut w, 63);
    keys.sort();
    let first = w.ok("ListDevices", json!({"AccessToken": at}));
    assert_eq!(keys_of(&first).len(), 60);
    let token = first["PaginationToken"].as_str().unwrap().to_owned();
    let second = w.ok(
        "ListDevices",
        json!({"AccessToken": at, "PaginationToken": token}),
    );
    assert!(second.get("PaginationToken").is_none(), "{second}");
    let mut all = keys_of(&first);
    all.extend(keys_of(&second));
    assert_eq!(all, keys, "every device exactly once, in one order");
    // Limit 0 is in the documented range and means the default page.
    let zero = w.ok("ListDevices", json!({"AccessToken": at, "Limit": 0}));
    assert_eq!(keys_of(&zero).len(), 60);
}

#[test]
fn small_pages_walk_every_device_once() {
    let mut w = device_world();
    let (at, mut keys) = confirmed_devices(&mut w, 7);
    keys.sort();
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut body = json!({"AccessToken": at, "Limit": 3});
        if let Some(t) = &token {
            body["PaginationToken"] = json!(t);
        }
        let page = w.ok("ListDevices", body);
        pages += 1;
        assert!(keys_of(&page).len() <= 3);
        seen.extend(keys_of(&page));
        match page.get("PaginationToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, keys);
    // An exact fit ends without a token.
    let exact = w.ok("ListDevices", json!({"AccessToken": at, "Limit": 7}));
    assert_eq!(keys_of(&exact).len(), 7);
    assert!(exact.get("PaginationToken").is_none());
}

#[test]
fn admin_list_devices_pages_the_same_way() {
    let mut w = device_world();
    let (_, mut keys) = confirmed_devices(&mut w, 5);
    keys.sort();
    let pool = w.pool_id.clone();
    let first = w.ok(
        "AdminListDevices",
        json!({"UserPoolId": pool, "Username": "ivy", "Limit": 4}),
    );
    let token = first["PaginationToken"].as_str().unwrap().to_owned();
    let second = w.ok(
        "AdminListDevices",
        json!({"UserPoolId": pool, "Username": "ivy", "Limit": 4, "PaginationToken": token}),
    );
    let mut all = keys_of(&first);
    all.extend(keys_of(&second));
    assert_eq!(all, keys);
}

#[test]
fn a_limit_outside_zero_to_sixty_or_a_forged_token_is_refused() {
    let mut w = device_world();
    let (at, _) = confirmed_devices(&mut w, 2);
    for limit in [61, -1] {
        assert_eq!(
            w.err("ListDevices", json!({"AccessToken": at, "Limit": limit})),
            "InvalidParameterException",
            "Limit {limit}"
        );
    }
    for token in ["not base64 at all!", "Zm9yZ2Vk", ""] {
        assert_eq!(
            w.err(
                "ListDevices",
                json!({"AccessToken": at, "PaginationToken": token})
            ),
            "InvalidParameterException",
            "token {token:?}"
        );
    }
}

#[test]
fn update_device_status_remembers_and_forgets_with_cognitos_validation() {
    let mut w = device_world();
    let (at, keys) = confirmed_devices(&mut w, 1);
    let key = keys[0].clone();
    // DeviceOnlyRememberedOnUserPrompt: a confirmed device starts not remembered.
    let listed = w.ok("ListDevices", json!({"AccessToken": at}));
    assert_eq!(status_of(&listed, &key), "not_remembered");

    w.ok(
        "UpdateDeviceStatus",
        json!({"AccessToken": at, "DeviceKey": key, "DeviceRememberedStatus": "remembered"}),
    );
    let listed = w.ok("ListDevices", json!({"AccessToken": at}));
    assert_eq!(status_of(&listed, &key), "valid");

    w.ok(
        "UpdateDeviceStatus",
        json!({"AccessToken": at, "DeviceKey": key, "DeviceRememberedStatus": "not_remembered"}),
    );
    let listed = w.ok("ListDevices", json!({"AccessToken": at}));
    assert_eq!(status_of(&listed, &key), "not_remembered");

    let cases = [
        (
            json!({"AccessToken": at, "DeviceKey": key, "DeviceRememberedStatus": "forever"}),
            "InvalidParameterException",
        ),
        (
            json!({"AccessToken": at, "DeviceRememberedStatus": "remembered"}),
            "InvalidParameterException",
        ),
        (
            json!({"AccessToken": at, "DeviceKey": "no-underscore", "DeviceRememberedStatus": "remembered"}),
            "InvalidParameterException",
        ),
        (
            json!({"AccessToken": at, "DeviceKey": format!("us-east-1_{}", "a".repeat(50)), "DeviceRememberedStatus": "remembered"}),
            "InvalidParameterException",
        ),
        (
            json!({"AccessToken": at, "DeviceKey": "us-east-1_00000000-0000-0000-0000-000000000000", "DeviceRememberedStatus": "remembered"}),
            "ResourceNotFoundException",
        ),
        (
            json!({"AccessToken": "not-a-token", "DeviceKey": key, "DeviceRememberedStatus": "remembered"}),
            "NotAuthorizedException",
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            w.err("UpdateDeviceStatus", body.clone()),
            expected,
            "{body}"
        );
    }
}

#[test]
fn an_unconfirmed_device_key_has_no_status_to_update() {
    let mut w = device_world();
    let result = w.password_auth("ivy", "Passw0rd!").unwrap()["AuthenticationResult"].clone();
    let key = result["NewDeviceMetadata"]["DeviceKey"].clone();
    assert_eq!(
        w.err("UpdateDeviceStatus", json!({"AccessToken": result["AccessToken"], "DeviceKey": key, "DeviceRememberedStatus": "remembered"})),
        "ResourceNotFoundException"
    );
}

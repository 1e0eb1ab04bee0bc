//! `GetUserAuthFactors` against the sans-IO core: the `USER_AUTH` first factors a user has (the
//! pool's `SignInPolicy` and the user's own state), their MFA settings, and the access-token
//! checks it shares with `GetUser`.
#![allow(clippy::expect_used)]

mod common;

use common::{all_flows, World};
use serde_json::{json, Value};

fn pool_allowing(factors: &[&str]) -> Value {
    json!({"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": factors}}})
}

/// `AvailableChallenges` of a `USER_AUTH` sign-in without a preferred challenge.
fn available_challenges(w: &mut World, name: &str) -> Value {
    let c = w.client_id.clone();
    let ch = w.ok(
        "InitiateAuth",
        json!({"ClientId": c, "AuthFlow": "USER_AUTH", "AuthParameters": {"USERNAME": name}}),
    );
    assert_eq!(ch["ChallengeName"], "SELECT_CHALLENGE");
    ch["AvailableChallenges"].clone()
}

fn set_email_verified(w: &mut World, name: &str, verified: bool) {
    let pool = w.pool_id.clone();
    w.ok(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool, "Username": name,
        "UserAttributes": [{"Name": "email_verified", "Value": verified.to_string()}]}),
    );
}

#[test]
fn a_password_user_has_the_factors_user_auth_offers_them() {
    let mut w = World::new(pool_allowing(&["PASSWORD", "EMAIL_OTP"]), all_flows());
    w.user("ann", "Passw0rd!");
    let at = w.tokens("ann", "Passw0rd!")["AccessToken"].clone();

    // A verified email: the password and an email code.
    let f = w.ok("GetUserAuthFactors", json!({"AccessToken": at}));
    assert_eq!(
        f,
        json!({"Username": "ann", "ConfiguredUserAuthFactors": ["PASSWORD", "EMAIL_OTP"]}),
        "no MFA turned on: the MFA members are left out"
    );
    assert_eq!(
        available_challenges(&mut w, "ann"),
        json!(["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"])
    );

    // The email no longer verified: the password only, in both answers.
    set_email_verified(&mut w, "ann", false);
    let f = w.ok("GetUserAuthFactors", json!({"AccessToken": at}));
    assert_eq!(f["ConfiguredUserAuthFactors"], json!(["PASSWORD"]));
    assert_eq!(
        available_challenges(&mut w, "ann"),
        json!(["PASSWORD", "PASSWORD_SRP"])
    );
    // ... and asking for EMAIL_OTP gets the choice without it, not a code.
    let c = w.client_id.clone();
    let ch = w.ok(
        "InitiateAuth",
        json!({"ClientId": c, "AuthFlow": "USER_AUTH",
        "AuthParameters": {"USERNAME": "ann", "PREFERRED_CHALLENGE": "EMAIL_OTP"}}),
    );
    assert_eq!(ch["ChallengeName"], "SELECT_CHALLENGE");
    assert!(w.emu.outbox().is_empty(), "no code sent");

    // Verified again: EMAIL_OTP is back.
    set_email_verified(&mut w, "ann", true);
    let f = w.ok("GetUserAuthFactors", json!({"AccessToken": at}));
    assert_eq!(
        f["ConfiguredUserAuthFactors"],
        json!(["PASSWORD", "EMAIL_OTP"])
    );
}

#[test]
fn the_pool_policy_limits_the_factors() {
    // Without a SignInPolicy a pool allows the password only, whatever the user has verified.
    let mut w = World::new(json!({}), all_flows());
    w.user("bea", "Passw0rd!");
    let pool = w.pool_id.clone();
    w.ok(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool, "Username": "bea",
        "UserAttributes": [{"Name": "phone_number", "Value": "+15555550100"},
                           {"Name": "phone_number_verified", "Value": "true"}]}),
    );
    let at = w.tokens("bea", "Passw0rd!")["AccessToken"].clone();
    let f = w.ok("GetUserAuthFactors", json!({"AccessToken": at}));
    assert_eq!(f["ConfiguredUserAuthFactors"], json!(["PASSWORD"]));
    assert_eq!(
        available_challenges(&mut w, "bea"),
        json!(["PASSWORD", "PASSWORD_SRP"])
    );
    let d = w.ok("DescribeUserPool", json!({"UserPoolId": pool}));
    assert_eq!(
        d["UserPool"]["Policies"]["SignInPolicy"],
        json!({"AllowedFirstAuthFactors": ["PASSWORD"]})
    );

    // UpdateUserPool allowing every code factor: the verified phone's SMS_OTP appears too.
    w.ok(
        "UpdateUserPool",
        json!({"UserPoolId": pool, "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["SMS_OTP", "EMAIL_OTP", "PASSWORD"]}}}),
    );
    let f = w.ok("GetUserAuthFactors", json!({"AccessToken": at}));
    assert_eq!(
        f["ConfiguredUserAuthFactors"],
        json!(["PASSWORD", "EMAIL_OTP", "SMS_OTP"])
    );
    assert_eq!(
        available_challenges(&mut w, "bea"),
        json!(["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"])
    );
}

#[test]
fn a_sign_in_policy_outside_the_api_enum_or_length_is_refused() {
    for factors in [
        json!([]),
        json!(["PASSWORD", "SOFTWARE_TOKEN"]),
        json!(["FACE_ID"]),
    ] {
        let mut w = World::new(json!({}), all_flows());
        let err = w
            .call(
                "CreateUserPool",
                json!({"PoolName": "p", "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": factors}}}),
            )
            .unwrap_err();
        assert_eq!(err.kind.name(), "InvalidParameterException", "{factors}");
    }
}

#[test]
fn mfa_preferences_show_as_get_user_shows_them() {
    let mut w = World::new(
        json!({"MfaConfiguration": "OPTIONAL", "EnabledMfas": ["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"],
               "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}}),
        all_flows(),
    );
    w.user("cat", "Passw0rd!");
    let pool = w.pool_id.clone();
    w.ok(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool, "Username": "cat",
        "UserAttributes": [{"Name": "phone_number", "Value": "+15555550101"}]}),
    );
    let at = w.tokens("cat", "Passw0rd!")["AccessToken"].clone();
    w.ok(
        "SetUserMFAPreference",
        json!({"AccessToken": at, "SMSMfaSettings": {"Enabled": true},
               "EmailMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    );
    let f = w.ok("GetUserAuthFactors", json!({"AccessToken": at}));
    assert_eq!(f["UserMFASettingList"], json!(["SMS_MFA", "EMAIL_OTP"]));
    assert_eq!(f["PreferredMfaSetting"], "EMAIL_OTP");
    let u = w.ok("GetUser", json!({"AccessToken": at}));
    assert_eq!(f["UserMFASettingList"], u["UserMFASettingList"]);
    assert_eq!(f["PreferredMfaSetting"], u["PreferredMfaSetting"]);
    assert_eq!(f["Username"], u["Username"]);

    // SMS preferred instead, email turned off.
    w.ok(
        "SetUserMFAPreference",
        json!({"AccessToken": at, "SMSMfaSettings": {"Enabled": true, "PreferredMfa": true},
               "EmailMfaSettings": {"Enabled": false}}),
    );
    let f = w.ok("GetUserAuthFactors", json!({"AccessToken": at}));
    assert_eq!(f["UserMFASettingList"], json!(["SMS_MFA"]));
    assert_eq!(f["PreferredMfaSetting"], "SMS_MFA");

    // Everything off: both members are left out.
    w.ok(
        "SetUserMFAPreference",
        json!({"AccessToken": at, "SMSMfaSettings": {"Enabled": false}}),
    );
    let f = w.ok("GetUserAuthFactors", json!({"AccessToken": at}));
    assert!(f.get("UserMFASettingList").is_none(), "{f}");
    assert!(f.get("PreferredMfaSetting").is_none(), "{f}");
}

/// Calls `GetUser` and `GetUserAuthFactors` with the same token: both must fail, alike.
fn refused_alike(w: &mut World, token: &Value, case: &str) -> String {
    let get_user = w
        .call("GetUser", json!({"AccessToken": token}))
        .expect_err(case);
    let factors = w
        .call("GetUserAuthFactors", json!({"AccessToken": token}))
        .expect_err(case);
    assert_eq!(factors, get_user, "{case}");
    factors.kind.name().to_owned()
}

#[test]
fn tokens_get_user_refuses_are_refused_alike() {
    let mut flows = all_flows();
    flows["AccessTokenValidity"] = json!(5);
    flows["TokenValidityUnits"] = json!({"AccessToken": "minutes"});
    let mut w = World::new(pool_allowing(&["PASSWORD"]), flows);
    w.user("dan", "Passw0rd!");
    let c = w.client_id.clone();

    let t = w.tokens("dan", "Passw0rd!");
    let at = t["AccessToken"].as_str().unwrap().to_owned();
    let mut parts: Vec<String> = at.split('.').map(str::to_owned).collect();
    parts[2] = parts[2].chars().rev().collect();
    let forged = json!(parts.join("."));
    let cases = [
        (json!("not-a-token"), "garbage"),
        (forged, "forged signature"),
        (t["IdToken"].clone(), "an id token"),
    ];
    for (token, case) in cases {
        assert_eq!(
            refused_alike(&mut w, &token, case),
            "NotAuthorizedException"
        );
    }
    let missing = w.call("GetUser", json!({})).unwrap_err();
    assert_eq!(
        w.call("GetUserAuthFactors", json!({})).unwrap_err(),
        missing
    );

    // Revoked with its refresh token.
    w.ok(
        "RevokeToken",
        json!({"ClientId": c, "Token": t["RefreshToken"]}),
    );
    assert_eq!(
        refused_alike(&mut w, &t["AccessToken"], "revoked"),
        "NotAuthorizedException"
    );

    // Expired.
    let t = w.tokens("dan", "Passw0rd!");
    w.ok(
        "GetUserAuthFactors",
        json!({"AccessToken": t["AccessToken"]}),
    );
    w.advance(301);
    assert_eq!(
        refused_alike(&mut w, &t["AccessToken"], "expired"),
        "NotAuthorizedException"
    );

    // Signed out everywhere, then the user disabled, then deleted.
    let t = w.tokens("dan", "Passw0rd!");
    w.ok("GlobalSignOut", json!({"AccessToken": t["AccessToken"]}));
    assert_eq!(
        refused_alike(&mut w, &t["AccessToken"], "global sign-out"),
        "NotAuthorizedException"
    );
    let t = w.tokens("dan", "Passw0rd!");
    let pool = w.pool_id.clone();
    w.ok(
        "AdminDisableUser",
        json!({"UserPoolId": pool, "Username": "dan"}),
    );
    assert_eq!(
        refused_alike(&mut w, &t["AccessToken"], "disabled"),
        "NotAuthorizedException"
    );
    w.ok(
        "AdminEnableUser",
        json!({"UserPoolId": pool, "Username": "dan"}),
    );
    w.ok(
        "GetUserAuthFactors",
        json!({"AccessToken": t["AccessToken"]}),
    );
    w.ok(
        "AdminDeleteUser",
        json!({"UserPoolId": pool, "Username": "dan"}),
    );
    refused_alike(&mut w, &t["AccessToken"], "deleted user");
}

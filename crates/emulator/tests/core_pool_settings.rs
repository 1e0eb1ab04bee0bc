//! Pools configured after creation, as on AWS: `SetUserPoolMfaConfig` / `GetUserPoolMfaConfig`
//! and `UpdateUserPool`, and sign-in following whatever the pool is set to now.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{all_flows, World};
use serde_json::{json, Value};

const SNS: &str = "arn:aws:iam::123456789012:role/cognito-sms";

fn set_mfa(w: &mut World, body: Value) -> Result<Value, String> {
    let mut body = body;
    body["UserPoolId"] = json!(w.pool_id);
    w.call("SetUserPoolMfaConfig", body)
        .map_err(|e| e.kind.name().to_owned())
}

fn get_mfa(w: &mut World) -> Value {
    let pool = w.pool_id.clone();
    w.ok("GetUserPoolMfaConfig", json!({"UserPoolId": pool}))
}

fn update(w: &mut World, body: Value) -> Result<Value, String> {
    let mut body = body;
    body["UserPoolId"] = json!(w.pool_id);
    w.call("UpdateUserPool", body)
        .map_err(|e| e.kind.name().to_owned())
}

fn describe(w: &mut World) -> Value {
    let pool = w.pool_id.clone();
    w.ok("DescribeUserPool", json!({"UserPoolId": pool}))["UserPool"].clone()
}

/// The challenge name of a password sign-in, or `"tokens"` when it signs straight in.
fn sign_in_step(w: &mut World, name: &str) -> String {
    let out = w.password_auth(name, "Passw0rd!").unwrap();
    out["ChallengeName"]
        .as_str()
        .map_or_else(|| "tokens".to_owned(), str::to_owned)
}

/// `bob` has a phone number and SMS MFA enabled and preferred; `alice` has no factor.
fn world_with_users() -> World {
    let mut w = World::new(json!({}), all_flows());
    w.user("alice", "Passw0rd!");
    w.user("bob", "Passw0rd!");
    let pool = w.pool_id.clone();
    w.ok(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool, "Username": "bob",
               "UserAttributes": [{"Name": "phone_number", "Value": "+15555550100"}]}),
    );
    w.ok(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": pool, "Username": "bob",
               "SMSMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    );
    w
}

#[test]
fn mfa_config_round_trips_and_each_omitted_factor_is_turned_off() {
    let mut w = World::new(json!({}), all_flows());
    assert_eq!(get_mfa(&mut w)["MfaConfiguration"], "OFF");
    let created = describe(&mut w)["LastModifiedDate"].clone();
    w.advance(60);

    let answer = set_mfa(
        &mut w,
        json!({"MfaConfiguration": "OPTIONAL",
               "SoftwareTokenMfaConfiguration": {"Enabled": true},
               "SmsMfaConfiguration": {"SmsAuthenticationMessage": "Your code is {####}",
                                       "SmsConfiguration": {"SnsCallerArn": SNS}},
               "EmailMfaConfiguration": {"Message": "Code: {####}", "Subject": "Sign-in code"}}),
    )
    .unwrap();
    assert_eq!(answer, get_mfa(&mut w), "Set answers what Get then reads");
    assert_eq!(answer["MfaConfiguration"], "OPTIONAL");
    assert_eq!(answer["SoftwareTokenMfaConfiguration"]["Enabled"], true);
    assert_eq!(
        answer["SmsMfaConfiguration"]["SmsAuthenticationMessage"],
        "Your code is {####}"
    );
    assert_eq!(
        answer["SmsMfaConfiguration"]["SmsConfiguration"]["SnsCallerArn"],
        SNS
    );
    assert_eq!(answer["EmailMfaConfiguration"]["Subject"], "Sign-in code");
    let described = describe(&mut w);
    assert_eq!(described["MfaConfiguration"], "OPTIONAL");
    assert_ne!(described["LastModifiedDate"], created);

    // The request states the whole configuration: SMS and email, left out, are off now.
    let answer = set_mfa(
        &mut w,
        json!({"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .unwrap();
    assert_eq!(answer["MfaConfiguration"], "ON");
    assert!(answer.get("SmsMfaConfiguration").is_none(), "{answer}");
    assert!(answer.get("EmailMfaConfiguration").is_none(), "{answer}");
    // MfaConfiguration left out stays as it was.
    let answer = set_mfa(
        &mut w,
        json!({"SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .unwrap();
    assert_eq!(answer["MfaConfiguration"], "ON");
    let answer = set_mfa(&mut w, json!({"MfaConfiguration": "OFF"})).unwrap();
    assert_eq!(answer["MfaConfiguration"], "OFF");
    assert_eq!(answer["SoftwareTokenMfaConfiguration"]["Enabled"], false);
}

#[test]
fn invalid_mfa_configurations_are_refused_with_cognitos_errors() {
    let mut w = World::new(json!({}), all_flows());
    let totp = json!({"Enabled": true});
    for (body, why) in [
        (json!({"MfaConfiguration": "ON"}), "ON without a factor"),
        (
            json!({"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": false}}),
            "OPTIONAL with every factor off",
        ),
        (
            json!({"MfaConfiguration": "SOMETIMES", "SoftwareTokenMfaConfiguration": totp}),
            "unknown mode",
        ),
        (
            json!({"MfaConfiguration": "ON", "SmsMfaConfiguration": {"SmsAuthenticationMessage": "Code {####}"}}),
            "SMS without an SNS role (the pool has none either)",
        ),
        (
            json!({"MfaConfiguration": "ON", "SmsMfaConfiguration": {"SmsConfiguration": {"SnsCallerArn": "short"}}}),
            "SNS role ARN under 20 characters",
        ),
        (
            json!({"MfaConfiguration": "ON", "SmsMfaConfiguration": {"SmsAuthenticationMessage": "no placeholder",
                   "SmsConfiguration": {"SnsCallerArn": SNS}}}),
            "SMS message without {####}",
        ),
        (
            json!({"MfaConfiguration": "ON", "EmailMfaConfiguration": {"Message": "Code {####}", "Subject": "x".repeat(141)}}),
            "email subject over 140 characters",
        ),
        (
            json!({"MfaConfiguration": "ON", "EmailMfaConfiguration": {"Message": "{####}".repeat(3334)}}),
            "email message over 20000 characters",
        ),
    ] {
        assert_eq!(
            set_mfa(&mut w, body).unwrap_err(),
            "InvalidParameterException",
            "{why}"
        );
    }
    assert_eq!(
        get_mfa(&mut w)["MfaConfiguration"],
        "OFF",
        "nothing applied"
    );
    assert_eq!(
        w.err(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": "us-east-1_nothere00", "MfaConfiguration": "OFF"})
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        w.err(
            "GetUserPoolMfaConfig",
            json!({"UserPoolId": "us-east-1_nothere00"})
        ),
        "ResourceNotFoundException"
    );
}

#[test]
fn update_user_pool_resets_what_it_leaves_out_and_keeps_what_it_cannot_change() {
    let mut w = World::new(
        json!({"UsernameAttributes": ["email"], "AutoVerifiedAttributes": ["email"],
               "DeviceConfiguration": {"DeviceOnlyRememberedOnUserPrompt": true},
               "Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": true}}}),
        all_flows(),
    );
    set_mfa(
        &mut w,
        json!({"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .unwrap();
    w.advance(60);
    update(&mut w, json!({"PoolName": "renamed"})).unwrap();
    let d = describe(&mut w);
    assert_eq!(d["Name"], "renamed");
    assert_eq!(d["MfaConfiguration"], "OFF", "left out: back to OFF");
    assert_eq!(d["Policies"]["PasswordPolicy"]["MinimumLength"], 8);
    assert_eq!(d["Policies"]["PasswordPolicy"]["RequireSymbols"], true);
    assert!(d.get("AutoVerifiedAttributes").is_none(), "{d}");
    assert!(d.get("DeviceConfiguration").is_none(), "{d}");
    assert_eq!(
        d["UsernameAttributes"],
        json!(["email"]),
        "fixed at creation"
    );
    assert_ne!(d["LastModifiedDate"], d["CreationDate"]);
    // The TOTP factor is SetUserPoolMfaConfig's to change, not UpdateUserPool's.
    assert_eq!(
        get_mfa(&mut w)["SoftwareTokenMfaConfiguration"]["Enabled"],
        true
    );
    // A password shorter than the old policy's 12 characters now passes the default one.
    let c = w.client_id.clone();
    w.ok(
        "SignUp",
        json!({"ClientId": c, "Username": "eve@example.com", "Password": "Passw0rd!"}),
    );

    update(&mut w, json!({"MfaConfiguration": "OPTIONAL"})).unwrap();
    assert_eq!(describe(&mut w)["MfaConfiguration"], "OPTIONAL");
    assert_eq!(
        update(&mut w, json!({"MfaConfiguration": "ON"})).unwrap_err(),
        "InvalidParameterException",
        "ON only at creation"
    );
    assert_eq!(describe(&mut w)["MfaConfiguration"], "OPTIONAL");
}

#[test]
fn update_user_pool_checks_every_number_it_is_given() {
    let mut w = World::new(json!({}), all_flows());
    for policy in [
        json!({"MinimumLength": 5}),
        json!({"MinimumLength": 100}),
        json!({"MinimumLength": -1}),
        json!({"MinimumLength": 18_446_744_073_709_551_615_u64}),
        json!({"MinimumLength": 1e300}),
        json!({"MinimumLength": 8.5}),
        json!({"TemporaryPasswordValidityDays": 366}),
        json!({"TemporaryPasswordValidityDays": i64::MIN}),
    ] {
        assert_eq!(
            update(&mut w, json!({"Policies": {"PasswordPolicy": policy}})).unwrap_err(),
            "InvalidParameterException",
            "{policy}"
        );
    }
    assert_eq!(
        update(
            &mut w,
            json!({"AdminCreateUserConfig": {"UnusedAccountValidityDays": 366}})
        )
        .unwrap_err(),
        "InvalidParameterException"
    );
    update(
        &mut w,
        json!({"Policies": {"PasswordPolicy": {"MinimumLength": 99, "TemporaryPasswordValidityDays": 0}}}),
    )
    .unwrap();
    let d = describe(&mut w);
    assert_eq!(d["Policies"]["PasswordPolicy"]["MinimumLength"], 99);
    assert_eq!(
        d["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"],
        0
    );
    assert_eq!(
        w.err(
            "UpdateUserPool",
            json!({"UserPoolId": "us-east-1_nothere00"})
        ),
        "ResourceNotFoundException"
    );
}

#[test]
fn sign_in_follows_the_pools_mfa_setting_as_it_changes() {
    let mut w = world_with_users();
    // OFF: nobody is asked, not even bob with his preferred SMS factor.
    assert_eq!(sign_in_step(&mut w, "alice"), "tokens");
    assert_eq!(sign_in_step(&mut w, "bob"), "tokens");

    // OPTIONAL: only users with a factor of their own are asked.
    let sms = json!({"SmsConfiguration": {"SnsCallerArn": SNS}});
    set_mfa(
        &mut w,
        json!({"MfaConfiguration": "OPTIONAL", "SmsMfaConfiguration": sms,
               "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .unwrap();
    assert_eq!(sign_in_step(&mut w, "alice"), "tokens");
    assert_eq!(sign_in_step(&mut w, "bob"), "SMS_MFA");

    // ON: everyone; a user with no factor must set one up first.
    set_mfa(
        &mut w,
        json!({"MfaConfiguration": "ON", "SmsMfaConfiguration": sms,
               "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .unwrap();
    assert_eq!(sign_in_step(&mut w, "alice"), "MFA_SETUP");
    assert_eq!(sign_in_step(&mut w, "bob"), "SMS_MFA");

    // The pool no longer offers SMS: bob's factor no longer counts, so he sets one up too.
    set_mfa(
        &mut w,
        json!({"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .unwrap();
    assert_eq!(sign_in_step(&mut w, "bob"), "MFA_SETUP");

    // UpdateUserPool without MfaConfiguration turns MFA off again.
    update(&mut w, json!({})).unwrap();
    assert_eq!(sign_in_step(&mut w, "alice"), "tokens");
    assert_eq!(sign_in_step(&mut w, "bob"), "tokens");
}

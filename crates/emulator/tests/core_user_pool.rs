//! Scenarios against the sans-IO core: sign-up codes, every sign-in flow, tokens, revocation.

mod common;

use cognito_auth_emulator::{decode_unverified, CodePurpose};
use common::{all_flows, World};
use serde_json::json;

#[test]
fn sign_up_needs_the_delivered_code_and_rejects_wrong_or_expired_ones() {
    let mut w = World::new(json!({"AutoVerifiedAttributes": ["email"]}), all_flows());
    let c = w.client_id.clone();
    let out = w.ok(
        "SignUp",
        json!({"ClientId": c, "Username": "bob", "Password": "Passw0rd!",
        "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}]}),
    );
    assert_eq!(out["UserConfirmed"], false);
    assert_eq!(out["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    assert_eq!(
        w.err(
            "SignUp",
            json!({"ClientId": c, "Username": "bob", "Password": "Passw0rd!"})
        ),
        "UsernameExistsException"
    );
    assert_eq!(
        w.err(
            "SignUp",
            json!({"ClientId": c, "Username": "weak", "Password": "short"})
        ),
        "InvalidPasswordException"
    );
    assert_eq!(
        w.password_auth("bob", "Passw0rd!").unwrap_err().kind.name(),
        "UserNotConfirmedException"
    );
    let code = w
        .emu
        .last_code("bob", CodePurpose::SignUp)
        .unwrap()
        .to_owned();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        w.err(
            "ConfirmSignUp",
            json!({"ClientId": c, "Username": "bob", "ConfirmationCode": wrong})
        ),
        "CodeMismatchException"
    );
    // A resent code replaces the first; after 24 hours it has expired.
    w.ok(
        "ResendConfirmationCode",
        json!({"ClientId": c, "Username": "bob"}),
    );
    let code2 = w
        .emu
        .last_code("bob", CodePurpose::SignUp)
        .unwrap()
        .to_owned();
    w.advance(24 * 3600 + 1);
    assert_eq!(
        w.err(
            "ConfirmSignUp",
            json!({"ClientId": c, "Username": "bob", "ConfirmationCode": code2})
        ),
        "ExpiredCodeException"
    );
    w.ok(
        "ResendConfirmationCode",
        json!({"ClientId": c, "Username": "bob"}),
    );
    let code3 = w
        .emu
        .last_code("bob", CodePurpose::SignUp)
        .unwrap()
        .to_owned();
    w.ok(
        "ConfirmSignUp",
        json!({"ClientId": c, "Username": "bob", "ConfirmationCode": code3}),
    );
    let tokens = w.tokens("bob", "Passw0rd!");
    let id = decode_unverified(tokens["IdToken"].as_str().unwrap()).unwrap();
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["cognito:username"], "bob");
}

#[test]
fn srp_sign_in_accepts_the_right_password_only() {
    let mut w = World::new(json!({}), all_flows());
    w.user("alice", "Passw0rd!");
    let ok = w.srp_auth("alice", "Passw0rd!", None).unwrap();
    assert!(ok["AuthenticationResult"]["AccessToken"].is_string());
    let bad = w.srp_auth("alice", "Wrong0rd!", None).unwrap_err();
    assert_eq!(bad.kind.name(), "NotAuthorizedException");
}

#[test]
fn tokens_carry_cognito_claims_and_expire_with_the_client_validity() {
    let mut flows = all_flows();
    flows["AccessTokenValidity"] = json!(5);
    flows["IdTokenValidity"] = json!(5);
    flows["TokenValidityUnits"] = json!({"AccessToken": "minutes", "IdToken": "minutes"});
    let mut w = World::new(json!({}), flows);
    w.user("alice", "Passw0rd!");
    let t = w.tokens("alice", "Passw0rd!");
    let access = decode_unverified(t["AccessToken"].as_str().unwrap()).unwrap();
    assert_eq!(access["token_use"], "access");
    assert_eq!(
        access["exp"].as_u64().unwrap() - access["iat"].as_u64().unwrap(),
        300
    );
    assert_eq!(
        access["iss"],
        format!("https://cognito-idp.us-east-1.amazonaws.com/{}", w.pool_id)
    );
    assert_eq!(t["ExpiresIn"], 300);
    let at = t["AccessToken"].clone();
    w.ok("GetUser", json!({"AccessToken": at}));
    w.advance(301);
    assert_eq!(
        w.err("GetUser", json!({"AccessToken": at})),
        "NotAuthorizedException"
    );
    // The refresh token still works and yields fresh tokens.
    let c = w.client_id.clone();
    let r = w.ok("InitiateAuth", json!({"ClientId": c, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": t["RefreshToken"]}}));
    let at2 = r["AuthenticationResult"]["AccessToken"].clone();
    assert!(r["AuthenticationResult"].get("RefreshToken").is_none());
    w.ok("GetUser", json!({"AccessToken": at2}));
    // 30 days later the refresh token has expired too.
    w.advance(30 * 86_400);
    assert_eq!(w.err("InitiateAuth", json!({"ClientId": c, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": t["RefreshToken"]}})), "NotAuthorizedException");
}

#[test]
fn forged_tokens_are_rejected() {
    let mut w = World::new(json!({}), all_flows());
    w.user("alice", "Passw0rd!");
    let t = w.tokens("alice", "Passw0rd!");
    let at = t["AccessToken"].as_str().unwrap();
    let mut parts: Vec<String> = at.split('.').map(str::to_owned).collect();
    parts[2] = parts[2].chars().rev().collect();
    assert_eq!(
        w.err("GetUser", json!({"AccessToken": parts.join(".")})),
        "NotAuthorizedException"
    );
}

#[test]
fn global_sign_out_and_revoke_token_really_revoke() {
    let mut w = World::new(json!({}), all_flows());
    w.user("alice", "Passw0rd!");
    let c = w.client_id.clone();
    let a = w.tokens("alice", "Passw0rd!");
    let b = w.tokens("alice", "Passw0rd!");
    // RevokeToken kills one family only.
    w.ok(
        "RevokeToken",
        json!({"ClientId": c, "Token": a["RefreshToken"]}),
    );
    assert_eq!(
        w.err("GetUser", json!({"AccessToken": a["AccessToken"]})),
        "NotAuthorizedException"
    );
    assert_eq!(w.err("InitiateAuth", json!({"ClientId": c, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": a["RefreshToken"]}})), "NotAuthorizedException");
    w.ok("GetUser", json!({"AccessToken": b["AccessToken"]}));
    // GlobalSignOut kills every family.
    w.ok("GlobalSignOut", json!({"AccessToken": b["AccessToken"]}));
    assert_eq!(
        w.err("GetUser", json!({"AccessToken": b["AccessToken"]})),
        "NotAuthorizedException"
    );
    assert_eq!(w.err("InitiateAuth", json!({"ClientId": c, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": b["RefreshToken"]}})), "NotAuthorizedException");
    // A new sign-in works again.
    let n = w.tokens("alice", "Passw0rd!");
    w.ok("GetUser", json!({"AccessToken": n["AccessToken"]}));
}

#[test]
fn explicit_auth_flows_and_secret_hash_are_enforced() {
    let mut w = World::new(
        json!({}),
        json!({"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], "GenerateSecret": true}),
    );
    w.user("alice", "Passw0rd!");
    let c = w.client_id.clone();
    assert_eq!(
        w.password_auth("alice", "Passw0rd!")
            .unwrap_err()
            .kind
            .name(),
        "InvalidParameterException"
    );
    let pool = w.pool_id.clone();
    let secret = w.ok(
        "DescribeUserPoolClient",
        json!({"UserPoolId": pool, "ClientId": c}),
    )["UserPoolClient"]["ClientSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let eph = cognito_auth_srp::ClientEphemeral::from_random(
        &[3u8; cognito_auth_srp::ClientEphemeral::RANDOM_LEN],
    )
    .unwrap();
    assert_eq!(w.err("InitiateAuth", json!({"ClientId": c, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": "alice", "SRP_A": eph.public_a_hex()}})), "NotAuthorizedException");
    let hash = cognito_auth_srp::secret_hash("alice", &c, &secret);
    let ch = w.ok("InitiateAuth", json!({"ClientId": c, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": "alice", "SRP_A": eph.public_a_hex(), "SECRET_HASH": hash}}));
    assert_eq!(ch["ChallengeName"], "PASSWORD_VERIFIER");
}

#[test]
fn admin_created_user_must_set_a_new_password() {
    let mut w = World::new(json!({}), all_flows());
    let (pool, c) = (w.pool_id.clone(), w.client_id.clone());
    w.ok(
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "carol", "TemporaryPassword": "Temp0rary!",
        "UserAttributes": [{"Name": "email", "Value": "carol@example.com"}]}),
    );
    assert_eq!(
        w.emu.last_code("carol", CodePurpose::Invitation),
        Some("Temp0rary!")
    );
    let ch = w.password_auth("carol", "Temp0rary!").unwrap();
    assert_eq!(ch["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    assert_eq!(w.err("RespondToAuthChallenge", json!({"ClientId": c, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": ch["Session"],
        "ChallengeResponses": {"USERNAME": "carol", "NEW_PASSWORD": "weak"}})), "InvalidPasswordException");
    let ch = w.password_auth("carol", "Temp0rary!").unwrap();
    let done = w.ok("RespondToAuthChallenge", json!({"ClientId": c, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": ch["Session"],
        "ChallengeResponses": {"USERNAME": "carol", "NEW_PASSWORD": "N3wPassword!", "userAttributes.name": "Carol"}}));
    assert!(done["AuthenticationResult"]["IdToken"].is_string());
    let u = w.ok(
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "carol"}),
    );
    assert_eq!(u["UserStatus"], "CONFIRMED");
    assert!(w.password_auth("carol", "Temp0rary!").is_err());
}

#[test]
fn totp_mfa_uses_rfc6238_against_the_associated_secret() {
    let mut w = World::new(json!({"MfaConfiguration": "OPTIONAL"}), all_flows());
    w.user("dave", "Passw0rd!");
    let c = w.client_id.clone();
    let t = w.tokens("dave", "Passw0rd!");
    let secret = w.ok(
        "AssociateSoftwareToken",
        json!({"AccessToken": t["AccessToken"]}),
    )["SecretCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = cognito_auth_emulator::totp::base32_decode(&secret).unwrap();
    let code = cognito_auth_emulator::totp::totp(&key, w.now.secs());
    w.ok(
        "VerifySoftwareToken",
        json!({"AccessToken": t["AccessToken"], "UserCode": code}),
    );
    w.ok("SetUserMFAPreference", json!({"AccessToken": t["AccessToken"], "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}));
    let ch = w.password_auth("dave", "Passw0rd!").unwrap();
    assert_eq!(ch["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let good = cognito_auth_emulator::totp::totp(&key, w.now.secs());
    let bad = if good == "123456" { "654321" } else { "123456" };
    assert_eq!(
        w.err(
            "RespondToAuthChallenge",
            json!({"ClientId": c, "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": ch["Session"],
        "ChallengeResponses": {"USERNAME": "dave", "SOFTWARE_TOKEN_MFA_CODE": bad}})
        ),
        "CodeMismatchException"
    );
    let done = w.ok(
        "RespondToAuthChallenge",
        json!({"ClientId": c, "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": ch["Session"],
        "ChallengeResponses": {"USERNAME": "dave", "SOFTWARE_TOKEN_MFA_CODE": good}}),
    );
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
}

#[test]
fn sms_mfa_codes_go_through_the_outbox_and_sessions_expire() {
    let mut w = World::new(json!({"MfaConfiguration": "ON"}), all_flows());
    w.user("erin", "Passw0rd!");
    let (pool, c) = (w.pool_id.clone(), w.client_id.clone());
    w.ok("AdminUpdateUserAttributes", json!({"UserPoolId": pool, "Username": "erin", "UserAttributes": [{"Name": "phone_number", "Value": "+15555550100"}]}));
    let ch = w.password_auth("erin", "Passw0rd!").unwrap();
    assert_eq!(ch["ChallengeName"], "SMS_MFA");
    let code = w
        .emu
        .last_code("erin", CodePurpose::SmsMfa)
        .unwrap()
        .to_owned();
    w.advance(181);
    assert_eq!(
        w.err(
            "RespondToAuthChallenge",
            json!({"ClientId": c, "ChallengeName": "SMS_MFA", "Session": ch["Session"],
        "ChallengeResponses": {"USERNAME": "erin", "SMS_MFA_CODE": code}})
        ),
        "NotAuthorizedException"
    );
    let ch = w.password_auth("erin", "Passw0rd!").unwrap();
    let code = w
        .emu
        .last_code("erin", CodePurpose::SmsMfa)
        .unwrap()
        .to_owned();
    let done = w.ok(
        "RespondToAuthChallenge",
        json!({"ClientId": c, "ChallengeName": "SMS_MFA", "Session": ch["Session"],
        "ChallengeResponses": {"USERNAME": "erin", "SMS_MFA_CODE": code}}),
    );
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
}

#[test]
fn mfa_setup_then_select_mfa_type() {
    let mut w = World::new(
        json!({"MfaConfiguration": "ON", "EnabledMfas": ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]}),
        all_flows(),
    );
    w.user("fay", "Passw0rd!");
    let c = w.client_id.clone();
    let ch = w.password_auth("fay", "Passw0rd!").unwrap();
    assert_eq!(ch["ChallengeName"], "MFA_SETUP");
    let assoc = w.ok("AssociateSoftwareToken", json!({"Session": ch["Session"]}));
    let key =
        cognito_auth_emulator::totp::base32_decode(assoc["SecretCode"].as_str().unwrap()).unwrap();
    let code = cognito_auth_emulator::totp::totp(&key, w.now.secs());
    let v = w.ok(
        "VerifySoftwareToken",
        json!({"Session": assoc["Session"], "UserCode": code}),
    );
    let done = w.ok("RespondToAuthChallenge", json!({"ClientId": c, "ChallengeName": "MFA_SETUP", "Session": v["Session"], "ChallengeResponses": {"USERNAME": "fay"}}));
    let at = done["AuthenticationResult"]["AccessToken"].clone();
    w.ok(
        "SetUserMFAPreference",
        json!({"AccessToken": at, "EmailMfaSettings": {"Enabled": true}}),
    );
    let ch = w.password_auth("fay", "Passw0rd!").unwrap();
    assert_eq!(ch["ChallengeName"], "SELECT_MFA_TYPE");
    let next = w.ok("RespondToAuthChallenge", json!({"ClientId": c, "ChallengeName": "SELECT_MFA_TYPE", "Session": ch["Session"], "ChallengeResponses": {"USERNAME": "fay", "ANSWER": "EMAIL_OTP"}}));
    assert_eq!(next["ChallengeName"], "EMAIL_OTP");
    let code = w
        .emu
        .last_code("fay", CodePurpose::EmailOtp)
        .unwrap()
        .to_owned();
    let done = w.ok("RespondToAuthChallenge", json!({"ClientId": c, "ChallengeName": "EMAIL_OTP", "Session": next["Session"], "ChallengeResponses": {"USERNAME": "fay", "EMAIL_OTP_CODE": code}}));
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
}

/// Every challenge comes with a new session, valid for the client's `AuthSessionValidity`
/// (3 minutes by default) from when it was issued; a wrong code keeps the session it was sent
/// with, and its expiry.
#[test]
fn the_challenge_after_select_mfa_type_has_a_fresh_session() {
    let mut w = World::new(json!({"MfaConfiguration": "OPTIONAL"}), all_flows());
    w.user("gus", "Passw0rd!");
    let (pool, c) = (w.pool_id.clone(), w.client_id.clone());
    let t = w.tokens("gus", "Passw0rd!");
    let secret = w.ok(
        "AssociateSoftwareToken",
        json!({"AccessToken": t["AccessToken"]}),
    )["SecretCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = cognito_auth_emulator::totp::base32_decode(&secret).unwrap();
    let code = cognito_auth_emulator::totp::totp(&key, w.now.secs());
    w.ok(
        "VerifySoftwareToken",
        json!({"AccessToken": t["AccessToken"], "UserCode": code}),
    );
    w.ok("AdminUpdateUserAttributes", json!({"UserPoolId": pool, "Username": "gus", "UserAttributes": [{"Name": "phone_number", "Value": "+15555550101"}, {"Name": "phone_number_verified", "Value": "true"}]}));
    w.ok("AdminSetUserMFAPreference", json!({"UserPoolId": pool, "Username": "gus", "SMSMfaSettings": {"Enabled": true}, "SoftwareTokenMfaSettings": {"Enabled": true}}));
    let answer_sms = |w: &World, session: &serde_json::Value, code: &str| {
        json!({"ClientId": w.client_id, "ChallengeName": "SMS_MFA", "Session": session,
            "ChallengeResponses": {"USERNAME": "gus", "SMS_MFA_CODE": code}})
    };
    for late in [false, true] {
        let ch = w.password_auth("gus", "Passw0rd!").unwrap();
        assert_eq!(ch["ChallengeName"], "SELECT_MFA_TYPE");
        w.advance(120);
        let next = w.ok("RespondToAuthChallenge", json!({"ClientId": c, "ChallengeName": "SELECT_MFA_TYPE", "Session": ch["Session"], "ChallengeResponses": {"USERNAME": "gus", "ANSWER": "SMS_MFA"}}));
        assert_eq!(next["ChallengeName"], "SMS_MFA");
        let code = w
            .emu
            .last_code("gus", CodePurpose::SmsMfa)
            .unwrap()
            .to_owned();
        // Four minutes after the first challenge, two after the second.
        w.advance(120);
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let body = answer_sms(&w, &next["Session"], wrong);
        assert_eq!(
            w.err("RespondToAuthChallenge", body),
            "CodeMismatchException"
        );
        if late {
            // The wrong code did not renew the session: 3 minutes after it was issued it is over.
            w.advance(61);
            let body = answer_sms(&w, &next["Session"], &code);
            assert_eq!(
                w.err("RespondToAuthChallenge", body),
                "NotAuthorizedException"
            );
        } else {
            let body = answer_sms(&w, &next["Session"], &code);
            let done = w.ok("RespondToAuthChallenge", body);
            assert!(done["AuthenticationResult"]["AccessToken"].is_string());
        }
    }
}

#[test]
fn devices_are_confirmed_and_device_srp_is_verified() {
    use cognito_auth_srp as srp;
    let mut w = World::new(
        json!({"DeviceConfiguration": {"ChallengeRequiredOnNewDevice": false, "DeviceOnlyRememberedOnUserPrompt": false}}),
        all_flows(),
    );
    w.user("gus", "Passw0rd!");
    let c = w.client_id.clone();
    let first = w.srp_auth("gus", "Passw0rd!", None).unwrap();
    let meta = first["AuthenticationResult"]["NewDeviceMetadata"].clone();
    let (dk, gk) = (
        meta["DeviceKey"].as_str().unwrap().to_owned(),
        meta["DeviceGroupKey"].as_str().unwrap().to_owned(),
    );
    let dv = srp::device_verifier(&gk, &dk, &[9u8; srp::DEVICE_VERIFIER_RANDOM_LEN]).unwrap();
    let at = first["AuthenticationResult"]["AccessToken"].clone();
    let conf = w.ok("ConfirmDevice", json!({"AccessToken": at, "DeviceKey": dk, "DeviceName": "laptop",
        "DeviceSecretVerifierConfig": {"PasswordVerifier": dv.password_verifier_b64, "Salt": dv.salt_b64}}));
    assert_eq!(conf["UserConfirmationNecessary"], false);
    let listed = w.ok("ListDevices", json!({"AccessToken": at}));
    assert_eq!(listed["Devices"][0]["DeviceKey"], dk.as_str());
    // Second sign-in with the device key: DEVICE_SRP_AUTH, then DEVICE_PASSWORD_VERIFIER.
    let ch = w.srp_auth("gus", "Passw0rd!", Some(&dk)).unwrap();
    assert_eq!(ch["ChallengeName"], "DEVICE_SRP_AUTH");
    let run = |w: &mut World, password: &str| {
        let eph =
            srp::ClientEphemeral::from_random(&[5u8; srp::ClientEphemeral::RANDOM_LEN]).unwrap();
        let ch = w.srp_auth("gus", "Passw0rd!", Some(&dk)).unwrap();
        let d = w.ok("RespondToAuthChallenge", json!({"ClientId": c, "ChallengeName": "DEVICE_SRP_AUTH", "Session": ch["Session"],
            "ChallengeResponses": {"USERNAME": "gus", "DEVICE_KEY": dk, "SRP_A": eph.public_a_hex()}}));
        assert_eq!(d["ChallengeName"], "DEVICE_PASSWORD_VERIFIER");
        let cp = &d["ChallengeParameters"];
        let ts = srp::cognito_timestamp(w.now.secs() as i64).unwrap();
        let sig = srp::device_password_claim(
            &eph,
            &srp::DeviceClaimInput {
                device_group_key: &gk,
                device_key: &dk,
                device_password: password,
                srp_b_hex: cp["SRP_B"].as_str().unwrap(),
                salt_hex: cp["SALT"].as_str().unwrap(),
                secret_block_b64: cp["SECRET_BLOCK"].as_str().unwrap(),
                timestamp: &ts,
            },
        )
        .unwrap();
        w.call("RespondToAuthChallenge", json!({"ClientId": c, "ChallengeName": "DEVICE_PASSWORD_VERIFIER", "Session": d["Session"],
            "ChallengeResponses": {"USERNAME": "gus", "DEVICE_KEY": dk, "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"], "TIMESTAMP": ts, "PASSWORD_CLAIM_SIGNATURE": sig}}))
    };
    let done = run(&mut w, dv.device_password.expose()).unwrap();
    let access = decode_unverified(
        done["AuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(access["device_key"], dk.as_str());
    assert!(done["AuthenticationResult"]
        .get("NewDeviceMetadata")
        .is_none());
    assert_eq!(
        run(&mut w, "not-the-device-password")
            .unwrap_err()
            .kind
            .name(),
        "NotAuthorizedException"
    );
    w.ok("ForgetDevice", json!({"AccessToken": at, "DeviceKey": dk}));
    assert_eq!(
        w.err("GetDevice", json!({"AccessToken": at, "DeviceKey": dk})),
        "ResourceNotFoundException"
    );
}

#[test]
fn custom_auth_rules_script_the_challenges_and_see_client_metadata() {
    let mut w = World::new(
        json!({"CustomAuthRules": {"Challenges": [
        {"PublicChallengeParameters": {"question": "colour?"}, "Answer": "blue"},
        {"AnswerFromClientMetadata": "expected"},
        {"DeliverCode": true}], "MaxAttempts": 2}}),
        all_flows(),
    );
    w.user("hal", "Passw0rd!");
    let c = w.client_id.clone();
    let ch = w.ok("InitiateAuth", json!({"ClientId": c, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": {"USERNAME": "hal"}, "ClientMetadata": {"expected": "42"}}));
    assert_eq!(ch["ChallengeParameters"]["question"], "colour?");
    let ch = w.ok("RespondToAuthChallenge", json!({"ClientId": c, "ChallengeName": "CUSTOM_CHALLENGE", "Session": ch["Session"], "ChallengeResponses": {"USERNAME": "hal", "ANSWER": "red"}}));
    assert_eq!(ch["ChallengeName"], "CUSTOM_CHALLENGE");
    let ch = w.ok("RespondToAuthChallenge", json!({"ClientId": c, "ChallengeName": "CUSTOM_CHALLENGE", "Session": ch["Session"], "ChallengeResponses": {"USERNAME": "hal", "ANSWER": "blue"}}));
    let ch = w.ok("RespondToAuthChallenge", json!({"ClientId": c, "ChallengeName": "CUSTOM_CHALLENGE", "Session": ch["Session"], "ChallengeResponses": {"USERNAME": "hal", "ANSWER": "42"}}));
    let code = w
        .emu
        .last_code("hal", CodePurpose::CustomChallenge)
        .unwrap()
        .to_owned();
    let done = w.ok("RespondToAuthChallenge", json!({"ClientId": c, "ChallengeName": "CUSTOM_CHALLENGE", "Session": ch["Session"], "ChallengeResponses": {"USERNAME": "hal", "ANSWER": code}}));
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
}

#[test]
fn user_auth_offers_a_choice_and_email_otp_signs_in_without_a_password() {
    let mut w = World::new(
        json!({"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}}),
        all_flows(),
    );
    w.user("ivy", "Passw0rd!");
    let c = w.client_id.clone();
    let ch = w.ok(
        "InitiateAuth",
        json!({"ClientId": c, "AuthFlow": "USER_AUTH", "AuthParameters": {"USERNAME": "ivy"}}),
    );
    assert_eq!(ch["ChallengeName"], "SELECT_CHALLENGE");
    assert!(ch["AvailableChallenges"]
        .as_array()
        .unwrap()
        .contains(&json!("EMAIL_OTP")));
    let otp = w.ok("RespondToAuthChallenge", json!({"ClientId": c, "ChallengeName": "SELECT_CHALLENGE", "Session": ch["Session"], "ChallengeResponses": {"USERNAME": "ivy", "ANSWER": "EMAIL_OTP"}}));
    assert_eq!(otp["ChallengeName"], "EMAIL_OTP");
    let code = w
        .emu
        .last_code("ivy", CodePurpose::EmailOtp)
        .unwrap()
        .to_owned();
    let done = w.ok("RespondToAuthChallenge", json!({"ClientId": c, "ChallengeName": "EMAIL_OTP", "Session": otp["Session"], "ChallengeResponses": {"USERNAME": "ivy", "EMAIL_OTP_CODE": code}}));
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
}

#[test]
fn forgot_password_change_password_and_delete_user() {
    let mut w = World::new(json!({}), all_flows());
    w.user("jo", "Passw0rd!");
    let c = w.client_id.clone();
    w.ok("ForgotPassword", json!({"ClientId": c, "Username": "jo"}));
    let code = w
        .emu
        .last_code("jo", CodePurpose::ForgotPassword)
        .unwrap()
        .to_owned();
    w.ok(
        "ConfirmForgotPassword",
        json!({"ClientId": c, "Username": "jo", "ConfirmationCode": code, "Password": "Reset0rd!"}),
    );
    assert!(w.password_auth("jo", "Passw0rd!").is_err());
    let t = w.tokens("jo", "Reset0rd!");
    assert_eq!(w.err("ChangePassword", json!({"AccessToken": t["AccessToken"], "PreviousPassword": "nope", "ProposedPassword": "Chang3d!!"})), "NotAuthorizedException");
    w.ok("ChangePassword", json!({"AccessToken": t["AccessToken"], "PreviousPassword": "Reset0rd!", "ProposedPassword": "Chang3d!!"}));
    w.tokens("jo", "Chang3d!!");
    w.ok("DeleteUser", json!({"AccessToken": t["AccessToken"]}));
    assert_eq!(
        w.err("GetUser", json!({"AccessToken": t["AccessToken"]})),
        "NotAuthorizedException"
    );
    assert_eq!(
        w.password_auth("jo", "Chang3d!!").unwrap_err().kind.name(),
        "UserNotFoundException"
    );
}

#[test]
fn attribute_verification_codes() {
    let mut w = World::new(json!({"AutoVerifiedAttributes": ["email"]}), all_flows());
    w.user("kim", "Passw0rd!");
    let t = w.tokens("kim", "Passw0rd!");
    let at = t["AccessToken"].clone();
    let out = w.ok("UpdateUserAttributes", json!({"AccessToken": at, "UserAttributes": [{"Name": "email", "Value": "new@example.com"}]}));
    assert_eq!(out["CodeDeliveryDetailsList"][0]["AttributeName"], "email");
    let code = w
        .emu
        .last_code("kim", CodePurpose::VerifyEmail)
        .unwrap()
        .to_owned();
    w.ok(
        "VerifyUserAttribute",
        json!({"AccessToken": at, "AttributeName": "email", "Code": code}),
    );
    let u = w.ok("GetUser", json!({"AccessToken": at}));
    let attrs = u["UserAttributes"].as_array().unwrap();
    assert!(attrs.contains(&json!({"Name": "email_verified", "Value": "true"})));
    assert!(attrs.contains(&json!({"Name": "email", "Value": "new@example.com"})));
}

#[test]
fn prevent_user_existence_errors_hides_unknown_users_in_every_flow() {
    let mut flows = all_flows();
    flows["PreventUserExistenceErrors"] = json!("ENABLED");
    let mut w = World::new(json!({}), flows);
    w.user("real", "Passw0rd!");
    assert_eq!(
        w.password_auth("ghost", "Passw0rd!")
            .unwrap_err()
            .kind
            .name(),
        "NotAuthorizedException"
    );
    // SRP: a challenge comes back as for a real user, and the proof is refused.
    let c = w.client_id.clone();
    let ch = w.ok("InitiateAuth", json!({"ClientId": c, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": "ghost", "SRP_A": "0a1b2c"}}));
    assert_eq!(ch["ChallengeName"], "PASSWORD_VERIFIER");
    assert_eq!(
        w.srp_auth("ghost", "Passw0rd!", None)
            .unwrap_err()
            .kind
            .name(),
        "NotAuthorizedException"
    );
    assert_eq!(
        w.srp_auth("real", "Wrong0rd!", None)
            .unwrap_err()
            .kind
            .name(),
        "NotAuthorizedException"
    );
}

/// Recovery and confirmation on a client with `PreventUserExistenceErrors` `ENABLED` (developer
/// guide, "Managing user existence error responses"): ForgotPassword and ResendConfirmationCode
/// answer a missing or disabled user with simulated `CodeDeliveryDetails` and send nothing;
/// ConfirmForgotPassword answers it `CodeMismatchException`, and `ExpiredCodeException` when no
/// code was requested. A LEGACY client still says `UserNotFoundException`.
#[test]
fn prevent_user_existence_errors_answers_recovery_like_for_a_real_user() {
    let mut flows = all_flows();
    flows["PreventUserExistenceErrors"] = json!("ENABLED");
    let mut w = World::new(json!({"AutoVerifiedAttributes": ["email"]}), flows);
    let (c, pool) = (w.client_id.clone(), w.pool_id.clone());
    w.user("real", "Passw0rd!");
    w.user("off", "Passw0rd!");
    w.ok(
        "AdminDisableUser",
        json!({"UserPoolId": pool, "Username": "off"}),
    );
    w.ok(
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "mute", "MessageAction": "SUPPRESS",
        "UserAttributes": [{"Name": "email", "Value": "mute@example.com"}]}),
    );
    let sent_before = w.emu.outbox().len();
    for name in ["ghost", "off", "mute"] {
        let out = w.ok("ForgotPassword", json!({"ClientId": c, "Username": name}));
        assert_eq!(
            out["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL",
            "{name}: {out}"
        );
    }
    let out = w.ok(
        "ForgotPassword",
        json!({"ClientId": c, "Username": "ghost@example.org"}),
    );
    assert_eq!(
        out["CodeDeliveryDetails"]["Destination"], "g***@e***",
        "{out}"
    );
    for name in ["ghost", "off"] {
        let out = w.ok(
            "ResendConfirmationCode",
            json!({"ClientId": c, "Username": name}),
        );
        assert_eq!(
            out["CodeDeliveryDetails"]["AttributeName"], "email",
            "{name}: {out}"
        );
    }
    assert_eq!(
        w.emu.outbox().len(),
        sent_before,
        "a simulated delivery sends nothing"
    );
    let confirm = |name: &str| json!({"ClientId": c, "Username": name, "ConfirmationCode": "123456", "Password": "N3wPassw0rd!"});
    assert_eq!(
        w.err("ConfirmForgotPassword", confirm("ghost")),
        "CodeMismatchException"
    );
    assert_eq!(
        w.err("ConfirmForgotPassword", confirm("off")),
        "CodeMismatchException"
    );
    assert_eq!(
        w.err("ConfirmForgotPassword", confirm("real")),
        "ExpiredCodeException"
    );
    w.ok("ForgotPassword", json!({"ClientId": c, "Username": "real"}));
    assert_eq!(
        w.err("ConfirmForgotPassword", confirm("real")),
        "CodeMismatchException"
    );
    let code = w
        .emu
        .last_code("real", CodePurpose::ForgotPassword)
        .unwrap()
        .to_owned();
    let mut right = confirm("real");
    right["ConfirmationCode"] = json!(code);
    w.ok("ConfirmForgotPassword", right);
    assert!(w.password_auth("real", "N3wPassw0rd!").is_ok());

    let mut legacy = World::new(json!({}), all_flows());
    let lc = legacy.client_id.clone();
    assert_eq!(
        legacy.err(
            "ForgotPassword",
            json!({"ClientId": lc, "Username": "ghost"})
        ),
        "UserNotFoundException"
    );
    assert_eq!(
        legacy.err(
            "ResendConfirmationCode",
            json!({"ClientId": lc, "Username": "ghost"})
        ),
        "UserNotFoundException"
    );
    let lconfirm = json!({"ClientId": lc, "Username": "ghost", "ConfirmationCode": "123456", "Password": "N3wPassw0rd!"});
    assert_eq!(
        legacy.err("ConfirmForgotPassword", lconfirm),
        "UserNotFoundException"
    );
}

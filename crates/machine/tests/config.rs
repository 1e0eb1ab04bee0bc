//! Configuration parsing: the documented file shapes parse to the expected `Config` (snapshots),
//! every broken document gives the exact typed error naming the field, secrets never leak into
//! errors, and no input panics.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail loudly on a broken fixture or pointer"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cognito_auth_machine::config::{
    AuthFlow, Config, ConfigError, IdentityPoolConfig, OAuthConfig, Tuning, UserPoolConfig,
};
use cognito_auth_machine::secret::Secret;
use proptest::prelude::*;
use serde_json::{json, Value};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config")
}

fn fixture(name: &str) -> String {
    let path = fixture_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// Replaces the value at a JSON pointer (creating the last member if needed).
fn set(mut doc: Value, pointer: &str, value: Value) -> String {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = doc.pointer_mut(parent).unwrap();
    match parent {
        Value::Object(map) => {
            map.insert(key.to_owned(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
        other => panic!("cannot set {key} in {other}"),
    }
    doc.to_string()
}

/// Removes the member at a JSON pointer.
fn remove(mut doc: Value, pointer: &str) -> String {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    doc.pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(key)
        .unwrap();
    doc.to_string()
}

fn plain() -> Value {
    fixture_json("awsconfiguration_plain.json")
}

fn oauth() -> Value {
    fixture_json("awsconfiguration_oauth.json")
}

fn outputs() -> Value {
    fixture_json("amplify_outputs_full.json")
}

fn missing(path: &str) -> ConfigError {
    ConfigError::MissingField {
        path: path.to_owned(),
    }
}

fn wrong_type(path: &str, expected: &'static str, found: &'static str) -> ConfigError {
    ConfigError::WrongType {
        path: path.to_owned(),
        expected,
        found,
    }
}

fn invalid(path: &str, reason: &str) -> ConfigError {
    ConfigError::InvalidValue {
        path: path.to_owned(),
        reason: reason.to_owned(),
    }
}

fn inconsistent(path: &str, reason: &str) -> ConfigError {
    ConfigError::Inconsistent {
        path: path.to_owned(),
        reason: reason.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Documents that parse

/// Parses a fixture with the auto-detecting parser and the format-specific one, which must agree.
fn parse_fixture(name: &str) -> Config {
    let text = fixture(name);
    let auto = Config::from_json_auto(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let specific = if name.starts_with("amplify_outputs") {
        Config::from_amplify_outputs_json(&text)
    } else {
        Config::from_aws_configuration_json(&text)
    };
    assert_eq!(specific.as_ref(), Ok(&auto), "{name}");
    assert_eq!(auto.validate(), Ok(()), "{name}: a parsed config validates");
    auto
}

#[test]
fn aws_configuration_with_user_pool_and_identity_pool() {
    let config = parse_fixture("awsconfiguration_plain.json");
    let pool = config.user_pool.as_ref().unwrap();
    assert_eq!(pool.pool_name(), "Zq8vK3pLm");
    assert_eq!(
        pool.app_client_secret.as_ref().map(Secret::expose).unwrap(),
        "fixture-plain-secret-1q2w3e4r5t6y7u8i9o0p"
    );
    assert_eq!(pool.auth_flow, AuthFlow::UserSrpAuth, "absent means SRP");
    assert!(config.identity_pool.as_ref().unwrap().allow_guest);
    insta::assert_yaml_snapshot!("awsconfiguration_plain", config);
}

#[test]
fn aws_configuration_with_cognito_hosted_ui() {
    let config = parse_fixture("awsconfiguration_oauth.json");
    insta::assert_yaml_snapshot!("awsconfiguration_oauth", config);
}

#[test]
fn aws_configuration_with_auth0_hosted_ui_and_no_user_pool() {
    let config = parse_fixture("awsconfiguration_auth0.json");
    assert!(config.user_pool.is_none());
    let oauth = config.oauth.as_ref().unwrap();
    assert_eq!(
        oauth.token_uri.as_deref(),
        Some("https://example-tenant.auth0.com/oauth/token")
    );
    assert_eq!(
        oauth.sign_out_uri_query_parameters["client_id"],
        "Auth0ClientId12345"
    );
    insta::assert_yaml_snapshot!("awsconfiguration_auth0", config);
}

#[test]
fn aws_configuration_custom_auth_means_custom_challenges_without_srp() {
    let config = parse_fixture("awsconfiguration_custom_auth.json");
    assert_eq!(
        config.user_pool.as_ref().unwrap().auth_flow,
        AuthFlow::CustomAuthWithoutSrp
    );
    insta::assert_yaml_snapshot!("awsconfiguration_custom_auth", config);
}

#[test]
fn every_authentication_flow_name() {
    for (name, flow) in [
        ("USER_SRP_AUTH", AuthFlow::UserSrpAuth),
        ("USER_PASSWORD_AUTH", AuthFlow::UserPasswordAuth),
        ("CUSTOM_AUTH", AuthFlow::CustomAuthWithoutSrp),
        ("CUSTOM_AUTH_WITH_SRP", AuthFlow::CustomAuthWithSrp),
        ("CUSTOM_AUTH_WITHOUT_SRP", AuthFlow::CustomAuthWithoutSrp),
        ("USER_AUTH", AuthFlow::UserAuth),
    ] {
        let text = set(
            plain(),
            "/Auth",
            json!({"Default": {"authenticationFlowType": name}}),
        );
        let config = Config::from_aws_configuration_json(&text).unwrap();
        assert_eq!(config.user_pool.unwrap().auth_flow, flow, "{name}");
    }
}

#[test]
fn amplify_cli_configuration_uses_the_first_of_comma_separated_redirects() {
    let config = parse_fixture("amplifyconfiguration_cli.json");
    let oauth = config.oauth.as_ref().unwrap();
    assert_eq!(oauth.sign_in_redirect_uri, "cliapp://signin/");
    assert_eq!(
        oauth.sign_out_redirect_uri.as_deref(),
        Some("cliapp://signout/")
    );
    assert_eq!(
        config.user_pool.as_ref().unwrap().auth_flow,
        AuthFlow::CustomAuthWithSrp
    );
    insta::assert_yaml_snapshot!("amplifyconfiguration_cli", config);
}

#[test]
fn amplify_android_conformance_configurations_parse() {
    for (name, flow, has_oauth) in [
        ("authconfiguration.json", AuthFlow::UserSrpAuth, false),
        ("authconfiguration_oauth.json", AuthFlow::UserSrpAuth, true),
        ("authconfiguration_userauth.json", AuthFlow::UserAuth, false),
    ] {
        let text = fixture(&format!("amplify-android/{name}"));
        let config =
            Config::from_json_auto_lenient(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let pool = config.user_pool.as_ref().unwrap();
        assert_eq!(pool.pool_id, "us-east-1_testUserPoolId", "{name}");
        assert_eq!(pool.app_client_id, "testAppClientId", "{name}");
        assert_eq!(
            pool.app_client_secret.as_ref().unwrap().expose(),
            "testAppClientSecret"
        );
        assert_eq!(pool.auth_flow, flow, "{name}");
        let identity = config.identity_pool.as_ref().unwrap();
        assert_eq!(identity.pool_id, "us-east-1_testIdentityPoolId", "{name}");
        assert_eq!(config.oauth.is_some(), has_oauth, "{name}");
        let snapshot = format!("amplify_android_{}", name.trim_end_matches(".json"));
        insta::assert_yaml_snapshot!(snapshot, config);

        // Their identity pool id is a placeholder, which the strict parsers refuse.
        assert_eq!(
            Config::from_json_auto(&text),
            Err(invalid(
                "auth.plugins.awsCognitoAuthPlugin.CredentialsProvider.CognitoIdentity.Default.PoolId",
                "\"us-east-1_testIdentityPoolId\": expected `<region>:<uuid>`, \
                 e.g. \"us-east-1:0a1b2c3d-4e5f-6789-abcd-ef0123456789\""
            )),
            "{name}"
        );
    }
}

#[test]
fn lenient_parsing_still_checks_the_identity_pool_region() {
    let text = set(
        plain(),
        "/CredentialsProvider/CognitoIdentity/Default/PoolId",
        json!("eu-west-1:placeholder"),
    );
    assert_eq!(
        Config::from_json_auto_lenient(&text),
        Err(inconsistent(
            "CredentialsProvider.CognitoIdentity.Default.PoolId",
            "the pool id names region \"eu-west-1\" but \
             `CredentialsProvider.CognitoIdentity.Default.Region` is \"us-west-2\""
        ))
    );
}

#[test]
fn amplify_outputs_with_user_pool_only() {
    let config = parse_fixture("amplify_outputs_user_pool.json");
    assert!(config.identity_pool.is_none() && config.oauth.is_none());
    insta::assert_yaml_snapshot!("amplify_outputs_user_pool", config);
}

#[test]
fn amplify_outputs_with_identity_pool_allows_guests_by_default() {
    let config = parse_fixture("amplify_outputs_identity_pool.json");
    assert!(config.identity_pool.as_ref().unwrap().allow_guest);
    insta::assert_yaml_snapshot!("amplify_outputs_identity_pool", config);
}

#[test]
fn amplify_outputs_with_identity_pool_oauth_and_unknown_fields() {
    let config = parse_fixture("amplify_outputs_full.json");
    assert!(!config.identity_pool.as_ref().unwrap().allow_guest);
    let oauth = config.oauth.as_ref().unwrap();
    assert_eq!(oauth.sign_in_redirect_uri, "myapp://callback/");
    assert_eq!(oauth.app_client_id, "6e7f8g9h0i1j2k3l4m5n6o7p8q");
    insta::assert_yaml_snapshot!("amplify_outputs_full", config);
}

#[test]
fn byte_order_mark_and_nulls_are_tolerated() {
    let text = set(
        plain(),
        "/CognitoUserPool/Default/AppClientSecret",
        Value::Null,
    );
    let config = Config::from_json_auto(&format!("\u{feff}{text}")).unwrap();
    assert!(config.user_pool.unwrap().app_client_secret.is_none());
}

#[test]
fn detection_picks_the_format_by_its_keys() {
    // A Gen 2 document is not an awsconfiguration.json: it configures nothing there.
    let gen2 = fixture("amplify_outputs_full.json");
    assert_eq!(
        Config::from_aws_configuration_json(&gen2),
        Err(ConfigError::NothingConfigured)
    );
    // And an awsconfiguration.json lacks the Gen 2 version.
    assert_eq!(
        Config::from_amplify_outputs_json(&fixture("awsconfiguration_plain.json")),
        Err(missing("version"))
    );
    assert_eq!(
        Config::from_json_auto(r#"{"auth": {"aws_region": "us-east-1"}}"#),
        Err(missing("version"))
    );
}

// ---------------------------------------------------------------------------------------------
// One test per kind of error

#[test]
fn invalid_json_reports_line_and_column() {
    let text = "{\n  \"CognitoUserPool\": {\n    \"Default\": {,\n";
    assert_eq!(
        Config::from_json_auto(text),
        Err(ConfigError::InvalidJson {
            line: 3,
            column: 17,
            message: "key must be a string".to_owned(),
        })
    );
    assert!(matches!(
        Config::from_json_auto(""),
        Err(ConfigError::InvalidJson {
            line: 1,
            column: 0,
            ..
        })
    ));
}

#[test]
fn missing_required_fields_are_named() {
    let cases = [
        (
            remove(plain(), "/CognitoUserPool/Default/PoolId"),
            "CognitoUserPool.Default.PoolId",
        ),
        (
            set(plain(), "/CognitoUserPool/Default/Region", Value::Null),
            "CognitoUserPool.Default.Region",
        ),
        (
            set(plain(), "/CognitoUserPool", json!({})),
            "CognitoUserPool.Default",
        ),
        (
            set(
                plain(),
                "/CredentialsProvider",
                json!({"CognitoIdentity": {"Default": {"PoolId": "us-west-2:7c3e9a14-2b6d-4f1e-9a0b-5d8c6e2f1a37"}}}),
            ),
            "CredentialsProvider.CognitoIdentity.Default.Region",
        ),
        (
            remove(oauth(), "/Auth/Default/OAuth/Scopes"),
            "Auth.Default.OAuth.Scopes",
        ),
        (
            remove(outputs(), "/auth/user_pool_client_id"),
            "auth.user_pool_client_id",
        ),
        (remove(outputs(), "/version"), "version"),
        (
            remove(outputs(), "/auth/oauth/response_type"),
            "auth.oauth.response_type",
        ),
    ];
    for (text, path) in cases {
        assert_eq!(Config::from_json_auto(&text), Err(missing(path)));
    }
}

#[test]
fn missing_field_in_amplify_v1_names_the_full_path() {
    let doc = fixture_json("amplifyconfiguration_cli.json");
    let text = remove(
        doc,
        "/auth/plugins/awsCognitoAuthPlugin/CognitoUserPool/Default/AppClientId",
    );
    assert_eq!(
        Config::from_json_auto(&text),
        Err(missing(
            "auth.plugins.awsCognitoAuthPlugin.CognitoUserPool.Default.AppClientId"
        ))
    );
    assert_eq!(
        Config::from_json_auto(r#"{"auth": {"plugins": {}}}"#),
        Err(missing("auth.plugins.awsCognitoAuthPlugin"))
    );
}

#[test]
fn wrong_types_are_named_with_expected_and_found() {
    let cases = [
        (
            set(plain(), "/CognitoUserPool/Default/Region", json!(42)),
            wrong_type("CognitoUserPool.Default.Region", "a string", "a number"),
        ),
        (
            set(plain(), "/CognitoUserPool/Default", json!([])),
            wrong_type("CognitoUserPool.Default", "an object", "an array"),
        ),
        (
            set(oauth(), "/Auth/Default/OAuth/Scopes/1", json!(true)),
            wrong_type("Auth.Default.OAuth.Scopes[1]", "a string", "a boolean"),
        ),
        (
            set(oauth(), "/Auth/Default/OAuth/Scopes", json!("openid email")),
            wrong_type(
                "Auth.Default.OAuth.Scopes",
                "an array of strings",
                "a string",
            ),
        ),
        (
            set(
                fixture_json("awsconfiguration_auth0.json"),
                "/Auth/Default/OAuth/SignOutURIQueryParameters/returnTo",
                json!({}),
            ),
            wrong_type(
                "Auth.Default.OAuth.SignOutURIQueryParameters.returnTo",
                "a string",
                "an object",
            ),
        ),
        (
            set(
                outputs(),
                "/auth/unauthenticated_identities_enabled",
                json!("yes"),
            ),
            wrong_type(
                "auth.unauthenticated_identities_enabled",
                "a boolean",
                "a string",
            ),
        ),
        ("[]".to_owned(), wrong_type("$", "an object", "an array")),
        (
            "\"text\"".to_owned(),
            wrong_type("$", "an object", "a string"),
        ),
    ];
    for (text, error) in cases {
        assert_eq!(Config::from_json_auto(&text), Err(error));
    }
}

#[test]
fn empty_strings_are_invalid() {
    let cases = [
        (
            set(plain(), "/CognitoUserPool/Default/AppClientId", json!("")),
            "CognitoUserPool.Default.AppClientId",
        ),
        (
            set(
                plain(),
                "/CognitoUserPool/Default/AppClientSecret",
                json!(""),
            ),
            "CognitoUserPool.Default.AppClientSecret",
        ),
        (
            set(plain(), "/CognitoUserPool/Default/PoolId", json!("  ")),
            "CognitoUserPool.Default.PoolId",
        ),
        (
            set(oauth(), "/Auth/Default/OAuth/WebDomain", json!("")),
            "Auth.Default.OAuth.WebDomain",
        ),
        (
            set(oauth(), "/Auth/Default/OAuth/Scopes/2", json!("")),
            "Auth.Default.OAuth.Scopes[2]",
        ),
        (
            set(outputs(), "/auth/oauth/redirect_sign_out_uri", json!([""])),
            "auth.oauth.redirect_sign_out_uri[0]",
        ),
    ];
    for (text, path) in cases {
        let err = Config::from_json_auto(&text).unwrap_err();
        match &err {
            ConfigError::InvalidValue { path: at, reason } => {
                assert_eq!(at, path);
                assert!(reason.starts_with("must not be empty"), "{reason}");
            }
            other => panic!("{path}: {other:?}"),
        }
    }
}

#[test]
fn user_pool_id_must_be_region_underscore_name() {
    let path = "CognitoUserPool.Default.PoolId";
    let cases = [
        (
            "us-west-2Zq8vK3pLm",
            "\"us-west-2Zq8vK3pLm\": expected `<region>_<name>`, e.g. \"us-east-1_AbCdEf123\"",
        ),
        (
            "XX-XXXX-X_abcd1234",
            "\"XX-XXXX-X\" is not an AWS region; expected `<region>_<name>`, \
             e.g. \"us-east-1_AbCdEf123\"",
        ),
        (
            "us-west-2_",
            "pool name \"\" must be letters and digits; expected `<region>_<name>`, \
             e.g. \"us-east-1_AbCdEf123\"",
        ),
    ];
    for (pool_id, reason) in cases {
        let text = set(plain(), "/CognitoUserPool/Default/PoolId", json!(pool_id));
        assert_eq!(Config::from_json_auto(&text), Err(invalid(path, reason)));
    }
}

#[test]
fn user_pool_id_region_must_match_region() {
    let text = set(
        plain(),
        "/CognitoUserPool/Default/PoolId",
        json!("eu-west-1_Zq8vK3pLm"),
    );
    assert_eq!(
        Config::from_json_auto(&text),
        Err(inconsistent(
            "CognitoUserPool.Default.PoolId",
            "the pool id names region \"eu-west-1\" but `CognitoUserPool.Default.Region` \
             is \"us-west-2\""
        ))
    );
    let text = set(outputs(), "/auth/user_pool_id", json!("eu-west-1_G3nFu11"));
    assert_eq!(
        Config::from_json_auto(&text),
        Err(inconsistent(
            "auth.user_pool_id",
            "the pool id names region \"eu-west-1\" but `auth.aws_region` is \"us-west-2\""
        ))
    );
}

#[test]
fn region_must_look_like_an_aws_region() {
    let text = set(plain(), "/CognitoUserPool/Default/Region", json!("Oregon"));
    assert_eq!(
        Config::from_json_auto(&text),
        Err(invalid(
            "CognitoUserPool.Default.Region",
            "\"Oregon\" is not an AWS region such as \"us-east-1\""
        ))
    );
}

#[test]
fn identity_pool_id_must_be_region_colon_uuid() {
    let path = "CredentialsProvider.CognitoIdentity.Default.PoolId";
    let pointer = "/CredentialsProvider/CognitoIdentity/Default/PoolId";
    let shape =
        "expected `<region>:<uuid>`, e.g. \"us-east-1:0a1b2c3d-4e5f-6789-abcd-ef0123456789\"";
    let cases = [
        (
            "us-west-2_7c3e9a14",
            format!("\"us-west-2_7c3e9a14\": {shape}"),
        ),
        (
            "us-west-2:not-a-uuid",
            format!("\"not-a-uuid\" is not a UUID; {shape}"),
        ),
        (
            "XX-XXXX-X:XXXXXXXX-XXXX-1234-abcd-1234567890ab",
            format!("\"XX-XXXX-X\" is not an AWS region; {shape}"),
        ),
    ];
    for (pool_id, reason) in cases {
        let text = set(plain(), pointer, json!(pool_id));
        assert_eq!(Config::from_json_auto(&text), Err(invalid(path, &reason)));
    }
    let text = set(
        plain(),
        pointer,
        json!("us-east-1:7c3e9a14-2b6d-4f1e-9a0b-5d8c6e2f1a37"),
    );
    assert_eq!(
        Config::from_json_auto(&text),
        Err(inconsistent(
            path,
            "the pool id names region \"us-east-1\" but \
             `CredentialsProvider.CognitoIdentity.Default.Region` is \"us-west-2\""
        ))
    );
}

#[test]
fn oauth_needs_redirect_uris() {
    assert_eq!(
        Config::from_json_auto(&remove(oauth(), "/Auth/Default/OAuth/SignInRedirectURI")),
        Err(missing("Auth.Default.OAuth.SignInRedirectURI"))
    );
    assert_eq!(
        Config::from_json_auto(&set(
            outputs(),
            "/auth/oauth/redirect_sign_in_uri",
            json!([])
        )),
        Err(invalid(
            "auth.oauth.redirect_sign_in_uri",
            "at least one redirect URI is required"
        ))
    );
    assert_eq!(
        Config::from_json_auto(&set(
            oauth(),
            "/Auth/Default/OAuth/SignOutRedirectURI",
            json!("signed-out")
        )),
        Err(invalid(
            "Auth.Default.OAuth.SignOutRedirectURI",
            "\"signed-out\" needs a scheme, e.g. \"myapp://callback\""
        ))
    );
}

/// The Auth0 example of the AWSMobileClient guide (seed 004), as written there apart from the
/// comment JSON does not allow and its elided sections: `CredentialsProvider` is filled in with
/// an identity pool, which the guide federates the Auth0 token into. A custom provider with
/// SignInURI, TokenURI, SignOutURI and its query parameters, and no SignOutRedirectURI (Auth0's
/// logout takes `returnTo` instead).
const SEED_AUTH0_EXAMPLE: &str = r#"{
    "IdentityManager": {
        "Default": {}
    },
    "CredentialsProvider": {
        "CognitoIdentity": {
            "Default": {
                "PoolId": "us-east-1:5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
                "Region": "us-east-1"
            }
        }
    },
    "Auth": {
        "Default": {
            "OAuth": {
                "AppClientId": "YOUR_AUTH0_APP_CLIENT_ID",
                "WebDomain": "YOUR_AUTH0_DOMAIN.auth0.com",
                "TokenURI": "https://YOUR_AUTH0_DOMAIN.auth0.com/oauth/token",
                "SignInURI": "https://YOUR_AUTH0_DOMAIN.auth0.com/authorize",
                "SignInRedirectURI": "com.your.bundle.configured.in.auth0://YOUR_AUTH0_DOMAIN.auth0.com/ios/com.your.bundle/callback",
                "SignOutURI": "https://YOUR_AUTH0_DOMAIN.auth0.com/v2/logout",
                "SignOutURIQueryParameters": {
                    "client_id" : "YOUR_AUTH0_APP_CLIENT_ID",
                    "returnTo" : "com.your.bundle.configured.in.auth0://yourserver.auth0.com/ios/com.amazonaws.AWSAuthSDKTestApp/callback"
                },
                "Scopes": ["openid", "email"]
            }
        }
    }
}"#;

#[test]
fn the_documented_auth0_example_loads_without_a_sign_out_redirect() {
    let config = Config::from_json_auto(SEED_AUTH0_EXAMPLE).unwrap();
    let oauth = config.oauth.unwrap();
    assert_eq!(oauth.sign_out_redirect_uri, None);
    assert_eq!(
        oauth.sign_in_uri.as_deref(),
        Some("https://YOUR_AUTH0_DOMAIN.auth0.com/authorize")
    );
    assert_eq!(
        oauth.token_uri.as_deref(),
        Some("https://YOUR_AUTH0_DOMAIN.auth0.com/oauth/token")
    );
    assert_eq!(
        oauth.sign_out_uri.as_deref(),
        Some("https://YOUR_AUTH0_DOMAIN.auth0.com/v2/logout")
    );
    assert_eq!(
        oauth.sign_out_uri_query_parameters["client_id"],
        "YOUR_AUTH0_APP_CLIENT_ID"
    );
    assert_eq!(oauth.scopes, ["openid", "email"]);
}

#[test]
fn cognitos_own_hosted_ui_still_needs_a_sign_out_redirect() {
    // Without SignOutURI the sign-out goes to Cognito's /logout, whose logout_uri is required.
    let text = remove(
        fixture_json("awsconfiguration_auth0.json"),
        "/Auth/Default/OAuth/SignOutRedirectURI",
    );
    let text = remove(
        serde_json::from_str(&text).unwrap(),
        "/Auth/Default/OAuth/SignOutURI",
    );
    assert_eq!(
        Config::from_json_auto(&text),
        Err(missing("Auth.Default.OAuth.SignOutRedirectURI"))
    );
    let mut built = parse_fixture("awsconfiguration_oauth.json");
    if let Some(o) = built.oauth.as_mut() {
        o.sign_out_redirect_uri = None;
    }
    assert_eq!(
        built.validate(),
        Err(missing("oauth.sign_out_redirect_uri"))
    );
}

#[test]
fn oauth_values_are_checked() {
    let cases = [
        (
            set(
                oauth(),
                "/Auth/Default/OAuth/WebDomain",
                json!("https://myapp.auth.eu-central-1.amazoncognito.com"),
            ),
            invalid(
                "Auth.Default.OAuth.WebDomain",
                "give the domain without a scheme: \"https://\" is added when it is used",
            ),
        ),
        (
            set(
                fixture_json("awsconfiguration_auth0.json"),
                "/Auth/Default/OAuth/TokenURI",
                json!("example-tenant.auth0.com/oauth/token"),
            ),
            invalid(
                "Auth.Default.OAuth.TokenURI",
                "\"example-tenant.auth0.com/oauth/token\" must be an absolute https:// URL",
            ),
        ),
        (
            set(
                oauth(),
                "/Auth/Default/OAuth/Scopes/0",
                json!("openid email"),
            ),
            invalid(
                "Auth.Default.OAuth.Scopes[0]",
                "scope \"openid email\" must not contain whitespace",
            ),
        ),
        (
            set(outputs(), "/auth/oauth/response_type", json!("token")),
            invalid(
                "auth.oauth.response_type",
                "response type \"token\" is not supported; only \"code\" \
                 (authorization code with PKCE) is",
            ),
        ),
        (
            set(
                plain(),
                "/CognitoUserPool/Default/AppClientId",
                json!("<app-client-id>"),
            ),
            invalid(
                "CognitoUserPool.Default.AppClientId",
                "\"<app-client-id>\" is not an app client id (letters, digits, '_' and '+', \
                 at most 128)",
            ),
        ),
    ];
    for (text, error) in cases {
        assert_eq!(Config::from_json_auto(&text), Err(error));
    }
}

#[test]
fn unknown_authentication_flow_is_invalid() {
    let text = set(
        plain(),
        "/Auth",
        json!({"Default": {"authenticationFlowType": "user_srp_auth"}}),
    );
    assert_eq!(
        Config::from_json_auto(&text),
        Err(invalid(
            "Auth.Default.authenticationFlowType",
            "unknown authentication flow \"user_srp_auth\"; expected one of USER_SRP_AUTH, \
             USER_PASSWORD_AUTH, CUSTOM_AUTH, CUSTOM_AUTH_WITH_SRP, CUSTOM_AUTH_WITHOUT_SRP, \
             USER_AUTH"
        ))
    );
}

#[test]
fn unsupported_amplify_outputs_version_is_invalid() {
    assert_eq!(
        Config::from_json_auto(&set(outputs(), "/version", json!("2"))),
        Err(invalid(
            "version",
            "unsupported schema version \"2\"; this parser reads 1.x"
        ))
    );
}

#[test]
fn nothing_configured() {
    for text in [
        "{}",
        r#"{"IdentityManager": {"Default": {}}}"#,
        r#"{"Auth": {"Default": {"authenticationFlowType": "USER_SRP_AUTH"}}}"#,
        r#"{"version": "1.4", "data": {}}"#,
        r#"{"UserAgent": "aws-amplify-cli/2.0", "Version": "1.0"}"#,
    ] {
        assert_eq!(
            Config::from_json_auto(text),
            Err(ConfigError::NothingConfigured),
            "{text}"
        );
    }
    // Only a hosted UI is not enough: it needs a pool to give its tokens meaning.
    let without_user_pool = serde_json::from_str(&remove(oauth(), "/CognitoUserPool")).unwrap();
    let text = remove(without_user_pool, "/CredentialsProvider");
    assert_eq!(
        Config::from_json_auto(&text),
        Err(ConfigError::NothingConfigured)
    );
}

#[test]
fn error_messages_name_the_path() {
    let err =
        Config::from_json_auto(&remove(plain(), "/CognitoUserPool/Default/PoolId")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing required field `CognitoUserPool.Default.PoolId`"
    );
    assert_eq!(err.path(), Some("CognitoUserPool.Default.PoolId"));
    assert_eq!(ConfigError::NothingConfigured.path(), None);
}

// ---------------------------------------------------------------------------------------------
// validate() on configurations built in code

fn built() -> Config {
    Config {
        user_pool: Some(UserPoolConfig {
            pool_id: "us-east-1_AbCdEf123".to_owned(),
            app_client_id: "client123".to_owned(),
            app_client_secret: Some(Secret::from("built-secret-value")),
            region: "us-east-1".to_owned(),
            auth_flow: AuthFlow::UserSrpAuth,
        }),
        identity_pool: Some(IdentityPoolConfig {
            pool_id: "us-east-1:0a1b2c3d-4e5f-6789-abcd-ef0123456789".to_owned(),
            region: "us-east-1".to_owned(),
            allow_guest: false,
        }),
        oauth: Some(OAuthConfig {
            web_domain: "example.auth.us-east-1.amazoncognito.com".to_owned(),
            app_client_id: "client123".to_owned(),
            app_client_secret: None,
            sign_in_redirect_uri: "myapp://in".to_owned(),
            sign_out_redirect_uri: Some("myapp://out".to_owned()),
            scopes: vec!["openid".to_owned()],
            token_uri: None,
            sign_in_uri: None,
            sign_out_uri: None,
            sign_out_uri_query_parameters: BTreeMap::new(),
            sign_in_uri_query_parameters: BTreeMap::new(),
            token_uri_query_parameters: BTreeMap::new(),
        }),
        tuning: Tuning::default(),
    }
}

#[test]
fn validate_accepts_a_good_config_and_names_rust_fields() {
    assert_eq!(built().validate(), Ok(()));

    let mut config = built();
    config.user_pool.as_mut().unwrap().region = "us-east-2".to_owned();
    assert_eq!(
        config.validate(),
        Err(inconsistent(
            "user_pool.pool_id",
            "the pool id names region \"us-east-1\" but `user_pool.region` is \"us-east-2\""
        ))
    );

    let mut config = built();
    config.oauth.as_mut().unwrap().scopes.push(String::new());
    assert_eq!(
        config.validate(),
        Err(invalid("oauth.scopes[1]", "must not be empty"))
    );

    let config = Config {
        user_pool: None,
        identity_pool: None,
        ..built()
    };
    assert_eq!(config.validate(), Err(ConfigError::NothingConfigured));
}

// ---------------------------------------------------------------------------------------------
// Secrets never reach errors

const SECRET: &str = "fixture-plain-secret-1q2w3e4r5t6y7u8i9o0p";

fn assert_no_secret(result: &Result<Config, ConfigError>, secret: &str, context: &str) {
    if let Err(err) = result {
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(secret), "{context}: {shown}");
    }
}

#[test]
fn errors_never_contain_the_client_secret() {
    let secret_pointer = "/CognitoUserPool/Default/AppClientSecret";
    let texts = [
        // The secret is in the document while something else is wrong.
        set(plain(), "/CognitoUserPool/Default/Region", json!(1)),
        set(plain(), "/CognitoUserPool/Default/PoolId", json!("bad")),
        remove(plain(), "/CognitoUserPool/Default/AppClientId"),
        // The secret itself is wrong.
        set(plain(), secret_pointer, json!([SECRET])),
        set(plain(), secret_pointer, json!({ SECRET: SECRET })),
        // The JSON breaks inside or right after the secret.
        plain()
            .to_string()
            .replace(&format!("\"{SECRET}\""), &format!("\"{SECRET}")),
        plain().to_string().replace(SECRET, &format!("{SECRET}\\q")),
        plain()
            .to_string()
            .replace(&format!("\"{SECRET}\""), SECRET),
        plain()
            .to_string()
            .replace(SECRET, &format!("{SECRET}\u{1}")),
    ];
    for text in &texts {
        let result = Config::from_json_auto(text);
        assert!(result.is_err(), "{text}");
        assert_no_secret(&result, SECRET, text);
    }
    // The secret placed where an id belongs is a value we cannot know to hide; a secret in a
    // secret field is never echoed, even when an OAuth field next to it is wrong.
    let text = set(oauth(), "/Auth/Default/OAuth/Scopes", json!(7));
    assert_no_secret(
        &Config::from_json_auto(&text),
        "fixture-oauth-secret-zxcvbnmasdfghjkl",
        "oauth",
    );
}

#[test]
fn parsed_config_debug_redacts_the_secret() {
    let config = parse_fixture("awsconfiguration_plain.json");
    assert!(!format!("{config:?}").contains(SECRET));
}

// ---------------------------------------------------------------------------------------------
// The fuzz corpus, replayed on stable

#[test]
#[allow(
    clippy::disallowed_methods,
    reason = "the purity guard is for the machine's code; this test reads its corpus from disk"
)]
fn fuzz_corpus_replays_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/config");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = Config::from_json_auto(text);
            let _ = Config::from_json_auto_lenient(text);
        }
        count += 1;
    }
    assert!(count >= 10, "the corpus has {count} files");
}

// ---------------------------------------------------------------------------------------------
// Properties

/// JSON-ish text: the characters JSON is made of, the format's keys and some troublemakers.
fn jsonish_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(":".to_owned()),
        Just(",".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("\\u".to_owned()),
        Just("null".to_owned()),
        Just("1e999".to_owned()),
        Just("-0.5".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("\"CognitoUserPool\"".to_owned()),
        Just("\"Default\"".to_owned()),
        Just("\"PoolId\"".to_owned()),
        Just("\"auth\"".to_owned()),
        Just("\"plugins\"".to_owned()),
        Just("\"version\"".to_owned()),
        Just("\"us-east-1_x\"".to_owned()),
        "[ -~]{0,3}",
        "\\PC{0,2}",
    ];
    prop::collection::vec(token, 0..60).prop_map(|tokens| tokens.concat())
}

/// JSON values built from the keys both formats use, so that the parsers get past the surface.
fn config_like_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("CognitoUserPool"),
        Just("CredentialsProvider"),
        Just("CognitoIdentity"),
        Just("Default"),
        Just("Auth"),
        Just("OAuth"),
        Just("PoolId"),
        Just("Region"),
        Just("AppClientId"),
        Just("AppClientSecret"),
        Just("Scopes"),
        Just("WebDomain"),
        Just("SignInRedirectURI"),
        Just("SignOutRedirectURI"),
        Just("authenticationFlowType"),
        Just("auth"),
        Just("plugins"),
        Just("awsCognitoAuthPlugin"),
        Just("version"),
        Just("aws_region"),
        Just("user_pool_id"),
        Just("user_pool_client_id"),
        Just("identity_pool_id"),
        Just("oauth"),
        Just("redirect_sign_in_uri"),
        Just("response_type"),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just("us-east-1".to_owned()),
            Just("us-east-1_Abc".to_owned()),
            Just("us-east-1:0a1b2c3d-4e5f-6789-abcd-ef0123456789".to_owned()),
            Just("1".to_owned()),
            Just("code".to_owned()),
            Just("USER_SRP_AUTH".to_owned()),
            Just("myapp://".to_owned()),
            "\\PC{0,12}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..6).prop_map(|members| {
                Value::Object(
                    members
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                )
            }),
        ]
    })
}

fn all_parsers(text: &str) -> [Result<Config, ConfigError>; 4] {
    [
        Config::from_json_auto(text),
        Config::from_json_auto_lenient(text),
        Config::from_aws_configuration_json(text),
        Config::from_amplify_outputs_json(text),
    ]
}

/// A valid configuration in the shape `awsconfiguration.json` can express.
fn valid_config() -> impl Strategy<Value = Config> {
    let region = prop_oneof![
        Just("us-east-1"),
        Just("eu-west-3"),
        Just("us-gov-west-1"),
        Just("ap-southeast-2")
    ];
    let flow = prop_oneof![
        Just(AuthFlow::UserSrpAuth),
        Just(AuthFlow::UserPasswordAuth),
        Just(AuthFlow::CustomAuthWithSrp),
        Just(AuthFlow::CustomAuthWithoutSrp),
        Just(AuthFlow::UserAuth),
    ];
    (
        region.clone(),
        "[A-Za-z0-9]{1,12}",
        "[a-z0-9_+]{1,30}",
        prop::option::of("[A-Za-z0-9+/=-]{1,50}"),
        flow,
        prop::option::of((
            region,
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        )),
        any::<bool>(),
    )
        .prop_map(
            |(region, name, client, secret, auth_flow, identity, has_user_pool)| Config {
                user_pool: (has_user_pool || identity.is_none()).then(|| UserPoolConfig {
                    pool_id: format!("{region}_{name}"),
                    app_client_id: client,
                    app_client_secret: secret.map(Secret::new),
                    region: region.to_owned(),
                    auth_flow,
                }),
                identity_pool: identity.map(|(region, uuid)| IdentityPoolConfig {
                    pool_id: format!("{region}:{uuid}"),
                    region: region.to_owned(),
                    allow_guest: true,
                }),
                oauth: None,
                tuning: Tuning::default(),
            },
        )
}

fn to_aws_configuration(config: &Config) -> Value {
    let mut doc = json!({});
    if let Some(pool) = &config.user_pool {
        doc["CognitoUserPool"] = json!({"Default": {
            "PoolId": pool.pool_id,
            "AppClientId": pool.app_client_id,
            "Region": pool.region,
        }});
        if let Some(secret) = &pool.app_client_secret {
            doc["CognitoUserPool"]["Default"]["AppClientSecret"] = json!(secret.expose());
        }
        let flow = match pool.auth_flow {
            AuthFlow::CustomAuthWithoutSrp => "CUSTOM_AUTH_WITHOUT_SRP",
            AuthFlow::CustomAuthWithSrp => "CUSTOM_AUTH_WITH_SRP",
            other => other.cognito_name(),
        };
        doc["Auth"] = json!({"Default": {"authenticationFlowType": flow}});
    }
    if let Some(pool) = &config.identity_pool {
        doc["CredentialsProvider"] = json!({"CognitoIdentity": {"Default": {"PoolId": pool.pool_id, "Region": pool.region}}});
    }
    doc
}

/// A valid configuration in the shape `amplify_outputs.json` can express, with that document.
fn valid_outputs() -> impl Strategy<Value = (Config, Value)> {
    (
        valid_config(),
        prop::option::of(any::<bool>()),
        prop::option::of((
            "[a-z0-9-]{1,20}",
            prop::collection::vec("myapp://[a-z/]{0,8}", 1..3),
            prop::collection::vec("myapp://[a-z/]{0,8}", 1..3),
            prop::collection::vec("[a-z.:/]{1,20}", 0..4),
        )),
    )
        .prop_map(|(base, guests, oauth)| {
            let pool = base.user_pool.unwrap_or_else(|| UserPoolConfig {
                pool_id: "us-east-1_Fallback".to_owned(),
                app_client_id: "fallback".to_owned(),
                app_client_secret: None,
                region: "us-east-1".to_owned(),
                auth_flow: AuthFlow::UserSrpAuth,
            });
            let region = pool.region.clone();
            let mut auth = json!({
                "aws_region": region,
                "user_pool_id": pool.pool_id,
                "user_pool_client_id": pool.app_client_id,
            });
            let identity_pool = base.identity_pool.map(|identity| {
                let uuid = identity.pool_id.split_once(':').unwrap().1;
                let pool_id = format!("{region}:{uuid}");
                auth["identity_pool_id"] = json!(pool_id);
                if let Some(flag) = guests {
                    auth["unauthenticated_identities_enabled"] = json!(flag);
                }
                IdentityPoolConfig {
                    pool_id,
                    region: region.clone(),
                    allow_guest: guests.unwrap_or(true),
                }
            });
            let oauth = oauth.map(|(domain, sign_in, sign_out, scopes)| {
                let domain = format!("{domain}.auth.{region}.amazoncognito.com");
                auth["oauth"] = json!({
                    "identity_providers": ["GOOGLE"],
                    "domain": domain,
                    "scopes": scopes,
                    "redirect_sign_in_uri": sign_in,
                    "redirect_sign_out_uri": sign_out,
                    "response_type": "code",
                });
                OAuthConfig {
                    web_domain: domain,
                    app_client_id: pool.app_client_id.clone(),
                    app_client_secret: None,
                    sign_in_redirect_uri: sign_in[0].clone(),
                    sign_out_redirect_uri: Some(sign_out[0].clone()),
                    scopes,
                    token_uri: None,
                    sign_in_uri: None,
                    sign_out_uri: None,
                    sign_out_uri_query_parameters: BTreeMap::new(),
                    sign_in_uri_query_parameters: BTreeMap::new(),
                    token_uri_query_parameters: BTreeMap::new(),
                }
            });
            let config = Config {
                user_pool: Some(UserPoolConfig {
                    app_client_secret: None,
                    auth_flow: AuthFlow::UserSrpAuth,
                    ..pool
                }),
                identity_pool,
                oauth,
                tuning: Tuning::default(),
            };
            (config, json!({"version": "1.4", "auth": auth}))
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn jsonish_text_never_panics(text in jsonish_text()) {
        for result in all_parsers(&text) {
            if let Err(err) = result {
                let _ = (err.to_string(), err.path());
            }
        }
    }

    #[test]
    fn config_like_documents_never_panic(value in config_like_value()) {
        let text = value.to_string();
        for config in all_parsers(&text).into_iter().flatten() {
            prop_assert_eq!(config.validate(), Ok(()));
        }
    }

    #[test]
    fn nested_documents_never_panic(value in config_like_value()) {
        let text = json!({"auth": {"plugins": {"awsCognitoAuthPlugin": value}}}).to_string();
        let _ = all_parsers(&text);
        let text = json!({"version": "1.4", "auth": value}).to_string();
        let _ = all_parsers(&text);
    }

    #[test]
    fn valid_configs_round_trip_through_aws_configuration(config in valid_config()) {
        prop_assert_eq!(config.validate(), Ok(()));
        let doc = to_aws_configuration(&config);
        prop_assert_eq!(Config::from_aws_configuration_json(&doc.to_string()), Ok(config.clone()));
        let nested = json!({"auth": {"plugins": {"awsCognitoAuthPlugin": doc}}});
        prop_assert_eq!(Config::from_json_auto(&nested.to_string()), Ok(config));
    }

    #[test]
    fn valid_configs_round_trip_through_amplify_outputs((config, doc) in valid_outputs()) {
        prop_assert_eq!(config.validate(), Ok(()));
        prop_assert_eq!(Config::from_amplify_outputs_json(&doc.to_string()), Ok(config.clone()));
        prop_assert_eq!(Config::from_json_auto(&doc.to_string()), Ok(config));
    }

    #[test]
    fn errors_about_other_fields_never_show_the_secret(
        secret in "[A-Za-z0-9+/=]{24,40}",
        pointer in prop_oneof![
            Just("/CognitoUserPool/Default/PoolId"),
            Just("/CognitoUserPool/Default/Region"),
            Just("/CognitoUserPool/Default/AppClientId"),
            Just("/CognitoUserPool/Default/AppClientSecret"),
            Just("/CredentialsProvider/CognitoIdentity/Default/PoolId"),
        ],
        value in prop_oneof![
            Just(json!(null)),
            Just(json!(3)),
            Just(json!("")),
            Just(json!("x")),
            Just(json!([])),
            Just(json!({})),
        ],
    ) {
        let doc = serde_json::from_str::<Value>(&set(
            plain(),
            "/CognitoUserPool/Default/AppClientSecret",
            json!(secret),
        ))
        .unwrap();
        let text = set(doc, pointer, value);
        for result in all_parsers(&text) {
            if let Err(err) = result {
                let shown = format!("{err} {err:?}");
                prop_assert!(!shown.contains(&secret), "{}", shown);
            }
        }
    }
}

//! Identity-pool role mappings against the sans-IO core: `SetIdentityPoolRoles` checks them,
//! and `GetCredentialsForIdentity` applies them (Token and Rules, `CustomRoleArn`,
//! `AmbiguousRoleResolution`), as the "Role-based access control" developer guide describes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognito_auth_emulator::ProviderToken;
use common::{all_flows, World};
use serde_json::{json, Value};

const AUTH: &str = "arn:aws:iam::123456789012:role/Cognito_Auth_Role";
const ADMIN: &str = "arn:aws:iam::123456789012:role/admin";
const EDITOR: &str = "arn:aws:iam::123456789012:role/editor";
const SALES: &str = "arn:aws:iam::123456789012:role/sales";

struct Setup {
    w: World,
    ip: String,
    provider: String,
}

impl Setup {
    fn new() -> Self {
        let mut w = World::new(json!({}), all_flows());
        w.user("ann", "Passw0rd!");
        let pool = w.pool_id.clone();
        let provider = format!("cognito-idp.us-east-1.amazonaws.com/{pool}");
        let client = w.client_id.clone();
        let ip = w.ok(
            "Identity.CreateIdentityPool",
            json!({"IdentityPoolName": "rm",
            "AllowUnauthenticatedIdentities": false,
            "SupportedLoginProviders": {"graph.facebook.com": "fb-app"},
            "CognitoIdentityProviders": [{"ProviderName": provider, "ClientId": client}]}),
        )["IdentityPoolId"]
            .as_str()
            .unwrap()
            .to_owned();
        Self { w, ip, provider }
    }

    fn key(&self) -> String {
        format!("{}:{}", self.provider, self.w.client_id)
    }

    fn group(&mut self, name: &str, precedence: u32, role: &str) {
        let pool = self.w.pool_id.clone();
        self.w.ok(
            "CreateGroup",
            json!({"UserPoolId": pool, "GroupName": name,
            "Precedence": precedence, "RoleArn": role}),
        );
        self.w.ok(
            "AdminAddUserToGroup",
            json!({"UserPoolId": pool, "Username": "ann", "GroupName": name}),
        );
    }

    fn set(&mut self, mappings: Value) -> Result<Value, String> {
        let ip = self.ip.clone();
        self.w
            .call(
                "Identity.SetIdentityPoolRoles",
                json!({"IdentityPoolId": ip, "Roles": {"authenticated": AUTH}, "RoleMappings": mappings}),
            )
            .map_err(|e| e.kind.name().to_owned())
    }

    /// Signs ann in and gets credentials; the role they stand for, or the error and message.
    fn role(&mut self, custom: Option<&str>) -> Result<String, (String, String)> {
        let token = self.w.tokens("ann", "Passw0rd!")["IdToken"].clone();
        let logins = json!({ self.provider.clone(): token });
        let ip = self.ip.clone();
        let id = self.w.ok(
            "Identity.GetId",
            json!({"IdentityPoolId": ip, "Logins": logins}),
        )["IdentityId"]
            .clone();
        let mut req = json!({"IdentityId": id, "Logins": logins});
        if let Some(arn) = custom {
            req["CustomRoleArn"] = json!(arn);
        }
        let creds = self
            .w
            .call("Identity.GetCredentialsForIdentity", req)
            .map_err(|e| (e.kind.name().to_owned(), e.message))?;
        let key = creds["Credentials"]["AccessKeyId"].as_str().unwrap();
        Ok(self.w.emu.issued_credentials()[key].role_arn.clone())
    }
}

fn token(ambiguous: &str) -> Value {
    json!({"Type": "Token", "AmbiguousRoleResolution": ambiguous})
}

fn rules(ambiguous: &str, rules: Value) -> Value {
    json!({"Type": "Rules", "AmbiguousRoleResolution": ambiguous,
        "RulesConfiguration": {"Rules": rules}})
}

#[test]
fn set_identity_pool_roles_checks_role_mappings() {
    let mut s = Setup::new();
    let key = s.key();
    let rule =
        json!({"Claim": "custom:dept", "MatchType": "Equals", "Value": "Sales", "RoleARN": SALES});
    let many: Vec<Value> = (0..26).map(|_| rule.clone()).collect();
    let bad = [
        // Not a configured provider: another client of the pool, a provider the pool lacks.
        json!({ format!("{}:otherclient", s.provider): token("Deny") }),
        json!({"accounts.google.com": token("Deny")}),
        json!({ key.clone(): {"Type": "Groups", "AmbiguousRoleResolution": "Deny"} }),
        json!({ key.clone(): {"Type": "Token"} }),
        json!({ key.clone(): {"Type": "Token", "AmbiguousRoleResolution": "Allow"} }),
        json!({ key.clone(): {"Type": "Rules", "AmbiguousRoleResolution": "Deny"} }),
        json!({ key.clone(): rules("Deny", json!([])) }),
        json!({ key.clone(): rules("Deny", json!(many)) }),
        json!({ key.clone(): rules("Deny", json!([{"Claim": "x", "MatchType": "Like", "Value": "v", "RoleARN": SALES}])) }),
        json!({ key.clone(): rules("Deny", json!([{"Claim": "x", "MatchType": "Equals", "Value": "v", "RoleARN": "sales"}])) }),
        json!({ key.clone(): rules("Deny", json!([{"Claim": "", "MatchType": "Equals", "Value": "v", "RoleARN": SALES}])) }),
        json!({ key.clone(): rules("Deny", json!([{"Claim": "x", "MatchType": "Equals", "Value": "v".repeat(129), "RoleARN": SALES}])) }),
    ];
    for m in bad {
        assert_eq!(
            s.set(m.clone()),
            Err("InvalidParameterException".into()),
            "{m}"
        );
    }
    // Rejected mappings leave the pool as it was.
    let ip = s.ip.clone();
    let got = s.w.ok(
        "Identity.GetIdentityPoolRoles",
        json!({"IdentityPoolId": ip}),
    );
    assert!(got.get("RoleMappings").is_none(), "{got}");
    // 25 rules, a social provider: fine, and answered back as given.
    let ok = json!({ key.clone(): rules("AuthenticatedRole", json!(many[..25])),
        "graph.facebook.com": token("Deny") });
    s.set(ok.clone()).unwrap();
    let got = s.w.ok(
        "Identity.GetIdentityPoolRoles",
        json!({"IdentityPoolId": ip}),
    );
    assert_eq!(got["RoleMappings"], ok);
}

#[test]
fn without_a_mapping_the_authenticated_role_is_used_whatever_the_groups() {
    let mut s = Setup::new();
    s.group("admins", 1, ADMIN);
    s.set(json!({})).unwrap();
    assert_eq!(s.role(None).unwrap(), AUTH);
}

#[test]
fn token_mapping_uses_the_preferred_role_or_a_listed_custom_role() {
    let mut s = Setup::new();
    s.group("admins", 1, ADMIN);
    s.group("editors", 2, EDITOR);
    let key = s.key();
    s.set(json!({ key: token("Deny") })).unwrap();
    assert_eq!(s.role(None).unwrap(), ADMIN);
    assert_eq!(s.role(Some(EDITOR)).unwrap(), EDITOR);
    let (code, _) = s.role(Some(SALES)).unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
}

#[test]
fn token_mapping_without_a_preferred_role_follows_ambiguous_role_resolution() {
    let mut s = Setup::new();
    s.group("admins", 1, ADMIN);
    s.group("editors", 1, EDITOR); // tie: no cognito:preferred_role
    let key = s.key();
    s.set(json!({ key.clone(): token("AuthenticatedRole") }))
        .unwrap();
    assert_eq!(s.role(None).unwrap(), AUTH);
    s.set(json!({ key.clone(): token("Deny") })).unwrap();
    let (code, message) = s.role(None).unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(
        message,
        format!("The ambiguous role mapping rules for: {key} denied this request.")
    );
    // A user in no group with a role is just as ambiguous.
    let pool = s.w.pool_id.clone();
    for g in ["admins", "editors"] {
        s.w.ok("DeleteGroup", json!({"UserPoolId": pool, "GroupName": g}));
    }
    assert_eq!(s.role(None).unwrap_err().0, "NotAuthorizedException");
}

#[test]
fn rules_mapping_takes_the_first_matching_rule_in_order() {
    let mut s = Setup::new();
    s.group("admins", 1, ADMIN);
    let pool = s.w.pool_id.clone();
    s.w.ok(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool, "Username": "ann",
        "UserAttributes": [{"Name": "custom:dept", "Value": "Sales-EU"}]}),
    );
    let key = s.key();
    let set = |s: &mut Setup, r: Value, ambiguous: &str| {
        let key = s.key();
        s.set(json!({ key: rules(ambiguous, r) })).unwrap();
    };
    // Equals misses, StartsWith matches before the later Contains.
    set(
        &mut s,
        json!([
            {"Claim": "custom:dept", "MatchType": "Equals", "Value": "Sales", "RoleARN": ADMIN},
            {"Claim": "custom:dept", "MatchType": "StartsWith", "Value": "Sales", "RoleARN": SALES},
            {"Claim": "cognito:groups", "MatchType": "Contains", "Value": "admins", "RoleARN": ADMIN}
        ]),
        "Deny",
    );
    assert_eq!(s.role(None).unwrap(), SALES);
    // CustomRoleArn may choose another matching rule's role, never a role no rule matched.
    assert_eq!(s.role(Some(ADMIN)).unwrap(), ADMIN);
    assert_eq!(
        s.role(Some(EDITOR)).unwrap_err().0,
        "NotAuthorizedException"
    );
    // Group claims and NotEqual.
    set(
        &mut s,
        json!([
            {"Claim": "cognito:groups", "MatchType": "Contains", "Value": "admins", "RoleARN": ADMIN}
        ]),
        "Deny",
    );
    assert_eq!(s.role(None).unwrap(), ADMIN);
    set(
        &mut s,
        json!([
            {"Claim": "custom:dept", "MatchType": "NotEqual", "Value": "Sales-EU", "RoleARN": ADMIN},
            {"Claim": "custom:dept", "MatchType": "NotEqual", "Value": "HR", "RoleARN": EDITOR}
        ]),
        "Deny",
    );
    assert_eq!(s.role(None).unwrap(), EDITOR);
    // No rule matches (a NotEqual on a claim the token lacks is not evaluated).
    let none = json!([
        {"Claim": "custom:team", "MatchType": "NotEqual", "Value": "x", "RoleARN": ADMIN},
        {"Claim": "custom:dept", "MatchType": "Equals", "Value": "HR", "RoleARN": EDITOR}
    ]);
    set(&mut s, none.clone(), "AuthenticatedRole");
    assert_eq!(s.role(None).unwrap(), AUTH);
    set(&mut s, none, "Deny");
    let (code, message) = s.role(None).unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert!(message.contains(&key), "{message}");
}

#[test]
fn a_mapping_for_a_social_provider_reads_its_token_claims() {
    let mut s = Setup::new();
    s.w.emu.register_provider_token(
        "graph.facebook.com",
        "fb-token",
        ProviderToken::new("fb-user"),
    );
    s.set(json!({"graph.facebook.com": rules("Deny", json!([
        {"Claim": "sub", "MatchType": "Equals", "Value": "fb-user", "RoleARN": SALES}
    ]))}))
    .unwrap();
    let ip = s.ip.clone();
    let logins = json!({"graph.facebook.com": "fb-token"});
    let id = s.w.ok(
        "Identity.GetId",
        json!({"IdentityPoolId": ip, "Logins": logins}),
    )["IdentityId"]
        .clone();
    let creds = s.w.ok(
        "Identity.GetCredentialsForIdentity",
        json!({"IdentityId": id, "Logins": logins}),
    );
    let key = creds["Credentials"]["AccessKeyId"].as_str().unwrap();
    assert_eq!(s.w.emu.issued_credentials()[key].role_arn, SALES);
    // The user pool login has no mapping: the authenticated role.
    assert_eq!(s.role(None).unwrap(), AUTH);
}

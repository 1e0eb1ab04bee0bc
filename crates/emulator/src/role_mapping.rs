//! Identity-pool role mappings (`SetIdentityPoolRoles`' `RoleMappings`): checked when they are
//! set, applied by `GetCredentialsForIdentity` ("Role-based access control" in the Cognito
//! developer guide).
//!
//! A mapping is keyed by the login it applies to: `cognito-idp.<region>.amazonaws.com/<pool
//! id>:<app client id>` for a user pool, or the login key of another provider
//! (`graph.facebook.com`, an OIDC issuer, a SAML provider ARN). `Token` takes the role from the
//! login token: `CustomRoleArn` if it is one of the token's `cognito:roles` (otherwise access is
//! denied), else `cognito:preferred_role`, else a single `cognito:roles` entry, else the
//! `AmbiguousRoleResolution`. `Rules` takes the role of the first rule whose claim matches
//! (`CustomRoleArn` may pick another matching rule's role), else the `AmbiguousRoleResolution`.
//! `AuthenticatedRole` falls back to the pool's authenticated role; `Deny` refuses with
//! `NotAuthorizedException` (`The ambiguous role mapping rules for: <provider> denied this
//! request.`, as Cognito words it).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::model::IdentityPool;
use crate::state::Emulator;

/// At most this many providers have a mapping.
const MAX_MAPPINGS: usize = 10;
/// At most this many rules per provider.
const MAX_RULES: usize = 25;

/// One provider's mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleMapping {
    kind: Kind,
    deny_when_ambiguous: bool,
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Token,
    Rules,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    claim: String,
    match_type: MatchType,
    value: String,
    role_arn: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MatchType {
    Equals,
    Contains,
    StartsWith,
    NotEqual,
}

/// A validated login as role mapping sees it: the mapping key it is looked up under, the
/// claims of its token and the roles it names.
#[derive(Debug, Clone, Default)]
pub(crate) struct LoginClaims {
    pub(crate) key: String,
    pub(crate) claims: Map<String, Value>,
    /// `cognito:roles` of a user-pool (or OIDC) token, or the roles of a SAML assertion.
    pub(crate) roles: Vec<String>,
    pub(crate) preferred_role: Option<String>,
}

impl LoginClaims {
    /// A JWT login: roles and preferred role read from its claims. `cognito:roles` is an array
    /// in the tokens the emulator issues; a comma-separated string (the developer guide's
    /// wording) is read too.
    pub(crate) fn from_jwt(key: String, claims: Map<String, Value>) -> Self {
        let roles = match claims.get("cognito:roles") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(Value::String(s)) => s
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        let preferred_role = claims
            .get("cognito:preferred_role")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Self {
            key,
            claims,
            roles,
            preferred_role,
        }
    }
}

/// Checks `RoleMappings` against the pool's providers and the documented limits.
pub(crate) fn parse(pool: &IdentityPool, v: &Value) -> ApiResult<BTreeMap<String, RoleMapping>> {
    let Some(map) = v.as_object() else {
        return Err(invalid(
            "RoleMappings must be a map of provider names to role mappings.",
        ));
    };
    if map.len() > MAX_MAPPINGS {
        return Err(invalid(
            "1 validation error detected: Value at 'roleMappings' failed to satisfy constraint: Member must have length less than or equal to 10",
        ));
    }
    map.iter()
        .map(|(key, m)| {
            if key.is_empty() || key.chars().count() > 128 || !is_configured(pool, key) {
                return Err(invalid(&format!(
                    "{key} is not a valid RoleMapping ProviderName or is not a configured provider."
                )));
            }
            Ok((key.clone(), parse_one(key, m)?))
        })
        .collect()
}

fn parse_one(key: &str, m: &Value) -> ApiResult<RoleMapping> {
    let s = |k: &str| m.get(k).and_then(Value::as_str);
    let kind = match s("Type") {
        Some("Token") => Kind::Token,
        Some("Rules") => Kind::Rules,
        _ => {
            return Err(invalid(&format!(
                "The role mapping for {key} needs a Type of Token or Rules."
            )))
        }
    };
    let deny_when_ambiguous = match s("AmbiguousRoleResolution") {
        Some("Deny") => true,
        Some("AuthenticatedRole") => false,
        _ => {
            return Err(invalid(&format!(
                "The role mapping for {key} needs an AmbiguousRoleResolution of AuthenticatedRole or Deny."
            )))
        }
    };
    let rules = match kind {
        Kind::Token => Vec::new(),
        Kind::Rules => {
            let rules = m
                .get("RulesConfiguration")
                .and_then(|r| r.get("Rules"))
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    invalid(&format!(
                        "The Rules role mapping for {key} needs a RulesConfiguration."
                    ))
                })?;
            if rules.is_empty() || rules.len() > MAX_RULES {
                return Err(invalid(&format!(
                    "The role mapping for {key} must have between 1 and {MAX_RULES} rules."
                )));
            }
            rules
                .iter()
                .map(|r| parse_rule(key, r))
                .collect::<ApiResult<_>>()?
        }
    };
    Ok(RoleMapping {
        kind,
        deny_when_ambiguous,
        rules,
    })
}

fn parse_rule(key: &str, r: &Value) -> ApiResult<Rule> {
    let field = |k: &str, max: usize| {
        r.get(k)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty() && v.chars().count() <= max)
            .map(str::to_owned)
            .ok_or_else(|| {
                invalid(&format!(
                    "A rule of the role mapping for {key} needs a {k} of 1 to {max} characters."
                ))
            })
    };
    let match_type = match r.get("MatchType").and_then(Value::as_str) {
        Some("Equals") => MatchType::Equals,
        Some("Contains") => MatchType::Contains,
        Some("StartsWith") => MatchType::StartsWith,
        Some("NotEqual") => MatchType::NotEqual,
        _ => {
            return Err(invalid(&format!(
                "A rule of the role mapping for {key} needs a MatchType of Equals, Contains, StartsWith or NotEqual."
            )))
        }
    };
    let role_arn = field("RoleARN", 2048)?;
    if !crate::roles::is_role_arn(&role_arn) {
        return Err(invalid(&format!(
            "Invalid RoleARN in the role mapping for {key}: {role_arn}"
        )));
    }
    Ok(Rule {
        claim: field("Claim", 64)?,
        match_type,
        value: field("Value", 128)?,
        role_arn,
    })
}

/// Whether `key` names a provider the pool accepts: a user pool and app client of
/// `CognitoIdentityProviders`, a social provider, an OIDC provider or a SAML provider.
fn is_configured(pool: &IdentityPool, key: &str) -> bool {
    pool.supported_logins.contains_key(key)
        || pool
            .oidc_providers
            .iter()
            .any(|arn| crate::federation::oidc_key(arn) == Some(key))
        || pool.saml_providers.iter().any(|arn| arn == key)
        || key.rsplit_once(':').is_some_and(|(provider, client)| {
            pool.cognito_providers
                .iter()
                .any(|(p, c, _)| p == provider && c == client)
        })
}

/// The role the pool's mappings choose for these logins: `None` when no login has a mapping
/// (the caller then uses the pool's authenticated role). The first login, in provider order,
/// with a mapping decides.
pub(crate) fn mapped_role(
    emu: &Emulator,
    pool_id: &str,
    logins: &[LoginClaims],
    custom: Option<&str>,
) -> ApiResult<Option<String>> {
    let Some(pool) = emu.identity_pools.get(pool_id) else {
        return Ok(None);
    };
    let Some((login, mapping)) = logins
        .iter()
        .find_map(|l| pool.mappings.get(&l.key).map(|m| (l, m)))
    else {
        return Ok(None);
    };
    let chosen = match mapping.kind {
        Kind::Token => from_token(login, custom)?,
        Kind::Rules => from_rules(&mapping.rules, login, custom)?,
    };
    match chosen {
        Some(role) => Ok(Some(role)),
        None if mapping.deny_when_ambiguous => Err(ApiError::not_authorized(format!(
            "The ambiguous role mapping rules for: {} denied this request.",
            login.key
        ))),
        None => crate::roles::role_for(emu, pool_id, true).map(Some),
    }
}

/// `Token`: `Ok(None)` is the ambiguous case.
fn from_token(login: &LoginClaims, custom: Option<&str>) -> ApiResult<Option<String>> {
    if let Some(arn) = custom {
        return if login.roles.iter().any(|r| r == arn) {
            Ok(Some(arn.to_owned()))
        } else {
            Err(not_allowed(arn))
        };
    }
    if let Some(preferred) = &login.preferred_role {
        return Ok(Some(preferred.clone()));
    }
    Ok(match login.roles.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    })
}

/// `Rules`: the first matching rule, or the matching rule `CustomRoleArn` names. `Ok(None)`:
/// no rule matched.
fn from_rules(
    rules: &[Rule],
    login: &LoginClaims,
    custom: Option<&str>,
) -> ApiResult<Option<String>> {
    let mut matching = rules.iter().filter(|r| matches(r, &login.claims));
    match custom {
        Some(arn) => matching
            .find(|r| r.role_arn == arn)
            .map(|r| Some(r.role_arn.clone()))
            .ok_or_else(|| not_allowed(arn)),
        None => Ok(matching.next().map(|r| r.role_arn.clone())),
    }
}

/// Whether the login token's claim matches the rule. A claim the token lacks matches no rule
/// (a `NotEqual` rule is not evaluated, as the guide says). Arrays (such as `cognito:groups`)
/// are compared as their comma-joined values; booleans and numbers as their JSON text.
fn matches(rule: &Rule, claims: &Map<String, Value>) -> bool {
    let value = match claims.get(&rule.claim) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(","),
        Some(v @ (Value::Bool(_) | Value::Number(_))) => v.to_string(),
        _ => return false,
    };
    match rule.match_type {
        MatchType::Equals => value == rule.value,
        MatchType::Contains => value.contains(&rule.value),
        MatchType::StartsWith => value.starts_with(&rule.value),
        MatchType::NotEqual => value != rule.value,
    }
}

fn not_allowed(arn: &str) -> ApiError {
    ApiError::not_authorized(format!(
        "The role {arn} is not one the login token allows (CustomRoleArn)."
    ))
}

fn invalid(message: &str) -> ApiError {
    ApiError::invalid_parameter(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn rule(claim: &str, match_type: MatchType, value: &str) -> Rule {
        Rule {
            claim: claim.into(),
            match_type,
            value: value.into(),
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
        }
    }

    #[test]
    fn each_match_type_compares_as_documented() {
        let c = claims(
            json!({"dept": "Sales-EU", "cognito:groups": ["admin", "ops"], "email_verified": true}),
        );
        assert!(matches(&rule("dept", MatchType::Equals, "Sales-EU"), &c));
        assert!(!matches(&rule("dept", MatchType::Equals, "Sales"), &c));
        assert!(matches(&rule("dept", MatchType::StartsWith, "Sales"), &c));
        assert!(!matches(&rule("dept", MatchType::StartsWith, "EU"), &c));
        assert!(matches(&rule("dept", MatchType::Contains, "s-E"), &c));
        assert!(!matches(&rule("dept", MatchType::Contains, "US"), &c));
        assert!(matches(&rule("dept", MatchType::NotEqual, "Sales"), &c));
        assert!(!matches(&rule("dept", MatchType::NotEqual, "Sales-EU"), &c));
        assert!(matches(
            &rule("cognito:groups", MatchType::Contains, "admin"),
            &c
        ));
        assert!(matches(
            &rule("cognito:groups", MatchType::Equals, "admin,ops"),
            &c
        ));
        assert!(matches(
            &rule("email_verified", MatchType::Equals, "true"),
            &c
        ));
    }

    #[test]
    fn a_missing_claim_matches_no_rule_not_even_not_equal() {
        let c = claims(json!({"sub": "x"}));
        for t in [
            MatchType::Equals,
            MatchType::Contains,
            MatchType::StartsWith,
            MatchType::NotEqual,
        ] {
            assert!(!matches(&rule("dept", t, "Sales"), &c), "{t:?}");
        }
    }

    #[test]
    fn cognito_roles_is_read_as_an_array_or_a_comma_separated_string() {
        let a = LoginClaims::from_jwt("k".into(), claims(json!({"cognito:roles": ["r1", "r2"]})));
        let s = LoginClaims::from_jwt("k".into(), claims(json!({"cognito:roles": "r1, r2"})));
        assert_eq!(a.roles, ["r1", "r2"]);
        assert_eq!(s.roles, ["r1", "r2"]);
    }
}

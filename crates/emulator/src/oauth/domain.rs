//! `CreateUserPoolDomain`, `DescribeUserPoolDomain`, `DeleteUserPoolDomain`: a pool's hosted UI
//! exists only once it has a domain.

use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::Emulator;

/// Answers the domain operations; `None` for any other operation.
pub(crate) fn domain_operation(
    emu: &mut Emulator,
    op: &str,
    p: Params<'_>,
) -> Option<ApiResult<Value>> {
    Some(match op {
        "CreateUserPoolDomain" => create(emu, p),
        "DescribeUserPoolDomain" => describe(emu, p),
        "DeleteUserPoolDomain" => delete(emu, p),
        _ => return None,
    })
}

/// The domain of `pool_id`, if it has one.
pub(crate) fn pool_domain<'a>(emu: &'a Emulator, pool_id: &str) -> Option<&'a str> {
    emu.oauth
        .domains
        .iter()
        .find(|(_, p)| *p == pool_id)
        .map(|(d, _)| d.as_str())
}

fn check_prefix(domain: &str, custom: bool) -> ApiResult<()> {
    let ok_chars = domain
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (custom && c == '.'));
    if domain.is_empty() || domain.len() > 63 && !custom || !ok_chars || domain.starts_with('-') {
        return Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{domain}' at 'domain' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9](?:[a-z0-9\\-]{{0,61}}[a-z0-9])?$"
        )));
    }
    if !custom
        && (domain.contains("aws") || domain.contains("amazon") || domain.contains("cognito"))
    {
        return Err(ApiError::invalid_parameter(
            "Domain cannot contain reserved word: aws, amazon or cognito",
        ));
    }
    Ok(())
}

fn create(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let domain = p.str("Domain")?.to_owned();
    let pool_id = p.str("UserPoolId")?.to_owned();
    crate::user_pool::lookup::pool(emu, &pool_id)?;
    let custom = p.opt_obj("CustomDomainConfig").is_some();
    check_prefix(&domain, custom)?;
    if emu.oauth.domains.contains_key(&domain) {
        return Err(ApiError::invalid_parameter("Domain already exists."));
    }
    if pool_domain(emu, &pool_id).is_some() {
        return Err(ApiError::invalid_parameter(
            "User pool already has a domain configured.",
        ));
    }
    emu.oauth.domains.insert(domain, pool_id);
    Ok(if custom {
        json!({"CloudFrontDomain": "d111111abcdef8.cloudfront.net", "ManagedLoginVersion": 1})
    } else {
        json!({"ManagedLoginVersion": 1})
    })
}

fn describe(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let domain = p.str("Domain")?;
    let Some(pool_id) = emu.oauth.domains.get(domain) else {
        // Cognito answers an unknown domain with an empty description.
        return Ok(json!({"DomainDescription": {}}));
    };
    Ok(json!({"DomainDescription": {
        "UserPoolId": pool_id,
        "AWSAccountId": emu.config.account_id,
        "Domain": domain,
        "S3Bucket": "aws-cognito-prod-emulated-assets",
        "CloudFrontDistribution": "d111111abcdef8.cloudfront.net",
        "Version": "20260101000000",
        "Status": "ACTIVE",
        "ManagedLoginVersion": 1,
    }}))
}

fn delete(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let domain = p.str("Domain")?;
    let pool_id = p.str("UserPoolId")?;
    match emu.oauth.domains.get(domain) {
        Some(owner) if owner == pool_id => {
            emu.oauth.domains.remove(domain);
            Ok(json!({}))
        }
        _ => Err(ApiError::invalid_parameter(
            "No such domain or user pool exists.",
        )),
    }
}

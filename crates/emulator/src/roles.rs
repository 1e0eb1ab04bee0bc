//! Identity-pool roles (`SetIdentityPoolRoles` / `GetIdentityPoolRoles`; the role mappings are
//! checked and applied in `crate::role_mapping`) and the record of the
//! credentials `GetCredentialsForIdentity` issued for them, which the emulator's STS checks
//! signatures against.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::identity::pool_not_found;
use crate::params::Params;
use crate::sigv4::HttpRequest;
use crate::state::Emulator;
use crate::sts::{self, IssuedCredentials, StsResponse};
use crate::time::UnixMillis;

/// The only keys `Roles` takes.
const ROLE_KINDS: [&str; 2] = ["authenticated", "unauthenticated"];
/// How long expired credentials are still recognised (answered `ExpiredToken` rather than
/// `InvalidClientTokenId`) before they are forgotten.
const KEEP_EXPIRED_S: u64 = 24 * 3600;

pub(crate) fn set_roles(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let id = p.str("IdentityPoolId")?;
    if p.0.get("Roles").and_then(Value::as_object).is_none() {
        return Err(crate::params::missing("Roles"));
    }
    let roles = p.string_map("Roles");
    for (kind, arn) in &roles {
        if !ROLE_KINDS.contains(&kind.as_str()) {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid role kind '{kind}': the keys of Roles are 'authenticated' and 'unauthenticated'."
            )));
        }
        if !is_role_arn(arn) {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid role ARN for '{kind}': {arn}"
            )));
        }
    }
    let raw_mappings = p.0.get("RoleMappings").filter(|v| !v.is_null()).cloned();
    let mappings = {
        let pool = emu
            .identity_pools
            .get(id)
            .ok_or_else(|| pool_not_found(id))?;
        match &raw_mappings {
            Some(m) => crate::role_mapping::parse(pool, m)?,
            None => BTreeMap::new(),
        }
    };
    let pool = emu
        .identity_pools
        .get_mut(id)
        .ok_or_else(|| pool_not_found(id))?;
    pool.roles = roles;
    pool.role_mappings = raw_mappings.filter(|m| m.as_object().is_some_and(|o| !o.is_empty()));
    pool.mappings = mappings;
    Ok(json!({}))
}

pub(crate) fn get_roles(emu: &Emulator, p: Params<'_>) -> ApiResult<Value> {
    let id = p.str("IdentityPoolId")?;
    let pool = emu
        .identity_pools
        .get(id)
        .ok_or_else(|| pool_not_found(id))?;
    let mut out = json!({"IdentityPoolId": pool.id, "Roles": pool.roles});
    if let (Some(o), Some(m)) = (out.as_object_mut(), &pool.role_mappings) {
        o.insert("RoleMappings".into(), m.clone());
    }
    Ok(out)
}

/// `arn:PARTITION:iam::ACCOUNT:role/NAME`.
pub(crate) fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts[..], ["arn", _, "iam", "", account, resource]
        if !account.is_empty() && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty()))
}

/// The role credentials for an identity of `pool_id` stand for: the pool's authenticated or
/// unauthenticated role. Without one, Cognito issues nothing.
pub(crate) fn role_for(emu: &Emulator, pool_id: &str, authenticated: bool) -> ApiResult<String> {
    let kind = if authenticated {
        "authenticated"
    } else {
        "unauthenticated"
    };
    emu.identity_pools
        .get(pool_id)
        .and_then(|p| p.roles.get(kind))
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                ErrorKind::InvalidIdentityPoolConfiguration,
                "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
            )
        })
}

/// Records credentials just issued, forgetting those expired long ago.
pub(crate) fn remember(emu: &mut Emulator, key: &str, creds: IssuedCredentials, now: UnixMillis) {
    emu.issued_credentials
        .retain(|_, c| c.expires.plus_secs(KEEP_EXPIRED_S) > now);
    emu.issued_credentials.insert(key.to_owned(), creds);
}

impl Emulator {
    /// Answers an STS request (see [`sts`]) against the credentials this emulator issued.
    pub fn handle_sts(&mut self, req: &HttpRequest<'_>, now: UnixMillis) -> StsResponse {
        let request_id = self.uuid();
        let issued = &self.issued_credentials;
        sts::handle(req, |key| issued.get(key).cloned(), now, &request_id)
    }

    /// The credentials issued so far (and not yet forgotten), by access key id.
    pub fn issued_credentials(&self) -> &BTreeMap<String, IssuedCredentials> {
        &self.issued_credentials
    }
}

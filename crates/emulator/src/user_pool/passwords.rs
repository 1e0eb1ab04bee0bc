//! Passwords and client secrets: the pool's policy, stored password material (hash and SRP
//! verifier) and SECRET_HASH.

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::{AppClient, Hidden, PasswordRecord, User, UserPool};
use crate::state::Emulator;
use crate::time::UnixMillis;

/// Checks `SECRET_HASH` when the client has a secret.
pub(crate) fn check_secret_hash(
    client: &AppClient,
    username: &str,
    given: Option<&str>,
) -> ApiResult<()> {
    let Some(secret) = &client.secret else {
        return Ok(());
    };
    let Some(given) = given else {
        return Err(ApiError::not_authorized(format!(
            "Client {} is configured with secret but SECRET_HASH was not received",
            client.id
        )));
    };
    if crate::srp_glue::secret_hash_matches(username, &client.id, &secret.0, given) {
        Ok(())
    } else {
        Err(ApiError::not_authorized(format!(
            "Unable to verify secret hash for client {}",
            client.id
        )))
    }
}

/// Checks `password` against the pool's policy.
pub(crate) fn check_password_policy(pool: &UserPool, password: &str) -> ApiResult<()> {
    let p = &pool.policy;
    let fail = |why: &str| {
        Err(ApiError::new(
            ErrorKind::InvalidPassword,
            format!("Password did not conform with policy: {why}"),
        ))
    };
    if password.chars().count() < p.min_length {
        return fail("Password not long enough");
    }
    if p.require_lowercase && !password.chars().any(|c| c.is_ascii_lowercase()) {
        return fail("Password must have lowercase characters");
    }
    if p.require_uppercase && !password.chars().any(|c| c.is_ascii_uppercase()) {
        return fail("Password must have uppercase characters");
    }
    if p.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
        return fail("Password must have numeric characters");
    }
    if p.require_symbols
        && !password
            .chars()
            .any(|c| "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ".contains(c))
    {
        return fail("Password must have symbol characters");
    }
    Ok(())
}

/// Builds the stored password material for `username` in `pool_name`.
pub(crate) fn password_record(
    emu: &mut Emulator,
    pool_name: &str,
    username: &str,
    password: &str,
    temporary_until: Option<UnixMillis>,
) -> PasswordRecord {
    let hash_salt: [u8; 16] = emu.random_bytes();
    let srp_salt: [u8; 16] = emu.random_bytes();
    PasswordRecord {
        hash: Hidden(hash_password(&hash_salt, password)),
        hash_salt: Hidden(hash_salt),
        srp: crate::srp_glue::user_verifier(pool_name, username, password, srp_salt),
        temporary_until,
    }
}

fn hash_password(salt: &[u8; 16], password: &str) -> [u8; 32] {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(salt);
    h.update(password.as_bytes());
    h.finalize().into()
}

/// Whether `password` is the user's password.
pub(crate) fn password_matches(user: &User, password: &str) -> bool {
    user.password
        .as_ref()
        .is_some_and(|r| hash_password(&r.hash_salt.0, password) == r.hash.0)
}

//! SECRET_HASH for app clients that have a client secret, and the pool name helper.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::encoding::b64_encode;
use crate::SrpError;

/// `SECRET_HASH` = base64(HMAC-SHA256(key = client secret, msg = username || client id)).
///
/// `username` is the name the request is about (for RespondToAuthChallenge after SRP, the
/// challenge's `USERNAME`).
pub fn secret_hash(username: &str, client_id: &str, client_secret: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(client_secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 accepts any key length"),
    };
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    b64_encode(&mac.finalize().into_bytes())
}

/// The pool name SRP hashes: the part of a user pool id (`us-east-1_AbCdEf123`) after the `_`.
///
/// # Errors
/// [`SrpError::InvalidPoolId`] if there is no `_` or nothing after it.
pub fn pool_name(user_pool_id: &str) -> Result<&str, SrpError> {
    match user_pool_id.split_once('_') {
        Some((_, name)) if !name.is_empty() && !name.contains('_') => Ok(name),
        _ => Err(SrpError::InvalidPoolId),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_name_is_after_the_underscore() {
        assert_eq!(pool_name("us-east-1_AbCdEf123"), Ok("AbCdEf123"));
        assert_eq!(pool_name("AbCdEf123"), Err(SrpError::InvalidPoolId));
        assert_eq!(pool_name("us-east-1_"), Err(SrpError::InvalidPoolId));
        assert_eq!(pool_name("a_b_c"), Err(SrpError::InvalidPoolId));
    }
}

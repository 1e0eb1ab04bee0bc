//! The emulator's side of SRP, delegated to `cognito-auth-srp`: password verifiers stored at
//! password-set time, the server ephemeral `B`, and checking `PASSWORD_CLAIM_SIGNATURE` for
//! users and devices. Also SECRET_HASH.

use cognito_auth_srp as srp;

use crate::error::{ApiError, ApiResult};

/// A stored SRP verifier and its salt (`Debug` redacts the verifier).
pub(crate) type StoredVerifier = srp::Verifier;

/// Random bytes one server ephemeral consumes.
pub(crate) const SERVER_RANDOM_LEN: usize = srp::ServerEphemeral::RANDOM_LEN;

/// The server's half of one SRP exchange.
#[derive(Debug, Clone)]
pub(crate) struct ServerSrp {
    ephemeral: srp::ServerEphemeral,
    srp_a_hex: String,
}

/// The verifier for a user password.
pub(crate) fn user_verifier(
    pool_name: &str,
    username: &str,
    password: &str,
    salt: [u8; 16],
) -> StoredVerifier {
    srp::password_verifier(pool_name, username, password, &salt)
}

/// The verifier a client registered with `ConfirmDevice` (`DeviceSecretVerifierConfig`).
pub(crate) fn device_verifier(salt_b64: &str, verifier_b64: &str) -> ApiResult<StoredVerifier> {
    srp::Verifier::from_confirm_device(verifier_b64, salt_b64)
        .map_err(|_| ApiError::invalid_parameter("DeviceSecretVerifierConfig is not valid base64"))
}

/// Starts an exchange from the client's `SRP_A` (hex); returns the state and `SRP_B` (hex).
pub(crate) fn start(
    verifier: &StoredVerifier,
    srp_a_hex: &str,
    random: &[u8],
) -> ApiResult<(ServerSrp, String)> {
    if srp_a_hex.is_empty() || !srp_a_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::invalid_parameter("SRP_A is not a hex number"));
    }
    let ephemeral = srp::ServerEphemeral::new(verifier, random)
        .map_err(|_| ApiError::invalid_parameter("could not start SRP"))?;
    let b = ephemeral.public_b_hex();
    Ok((
        ServerSrp {
            ephemeral,
            srp_a_hex: srp_a_hex.to_owned(),
        },
        b,
    ))
}

/// The salt as Cognito sends it (`SALT`, hex).
pub(crate) fn salt_hex(v: &StoredVerifier) -> String {
    v.salt_hex()
}

/// Checks a user's `PASSWORD_CLAIM_SIGNATURE`.
pub(crate) fn verify_user_claim(
    server: &ServerSrp,
    pool_name: &str,
    user_id_for_srp: &str,
    secret_block_b64: &str,
    timestamp: &str,
    signature_b64: &str,
) -> ApiResult<bool> {
    let check = srp::UserClaimCheck {
        pool_name,
        user_id_for_srp,
        srp_a_hex: &server.srp_a_hex,
        secret_block_b64,
        timestamp,
        signature_b64,
    };
    Ok(srp::verify_user_claim(&server.ephemeral, &check).is_ok())
}

/// Checks a device's `PASSWORD_CLAIM_SIGNATURE`.
pub(crate) fn verify_device_claim(
    server: &ServerSrp,
    device_group_key: &str,
    device_key: &str,
    secret_block_b64: &str,
    timestamp: &str,
    signature_b64: &str,
) -> ApiResult<bool> {
    let check = srp::DeviceClaimCheck {
        device_group_key,
        device_key,
        srp_a_hex: &server.srp_a_hex,
        secret_block_b64,
        timestamp,
        signature_b64,
    };
    Ok(srp::verify_device_claim(&server.ephemeral, &check).is_ok())
}

/// Whether `given` is Base64(HMAC-SHA256(client secret, username + client id)).
pub(crate) fn secret_hash_matches(
    username: &str,
    client_id: &str,
    secret: &str,
    given: &str,
) -> bool {
    use subtle_eq::ct_eq;
    ct_eq(
        srp::secret_hash(username, client_id, secret).as_bytes(),
        given.as_bytes(),
    )
}

mod subtle_eq {
    /// Compares without an early exit, so timing does not reveal how much of a guess matched.
    pub(super) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

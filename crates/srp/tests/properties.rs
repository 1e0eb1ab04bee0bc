//! Property tests: the client and the server half agree for random passwords, salts and
//! ephemerals; a wrong password, a wrong user or a tampered message fails verification.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::panic)]

use cognito_auth_srp::{
    device_password_claim, device_verifier, password_verifier, user_password_claim,
    verify_device_claim, verify_user_claim, ClientEphemeral, DeviceClaimCheck, DeviceClaimInput,
    ServerEphemeral, SrpError, UserClaimCheck, UserClaimInput, Verifier,
    DEVICE_VERIFIER_RANDOM_LEN,
};
use proptest::prelude::*;

const SECRET_BLOCK: &str = "c2VjcmV0IGJsb2Nr";
const TIMESTAMP: &str = "Tue Nov 3 09:05:07 UTC 2026";

fn random(len: usize) -> impl Strategy<Value = Vec<u8>> {
    // Not all zero: that is rejected as a broken random source (tested separately).
    proptest::collection::vec(any::<u8>(), len)
        .prop_filter("not all zero", |v| v.iter().any(|&b| b != 0))
}

/// Signs as the client and returns the server's verdict.
fn round_trip(
    verifier: &Verifier,
    client_password: &str,
    user: &str,
    a_random: &[u8],
    b_random: &[u8],
) -> Result<(), SrpError> {
    let client = ClientEphemeral::from_random(a_random)?;
    let server = ServerEphemeral::new(verifier, b_random)?;
    let srp_b = server.public_b_hex();
    let salt_hex = verifier.salt_hex();
    let signature = user_password_claim(
        &client,
        &UserClaimInput {
            pool_name: "Pool1",
            user_id_for_srp: user,
            password: client_password,
            srp_b_hex: &srp_b,
            salt_hex: &salt_hex,
            secret_block_b64: SECRET_BLOCK,
            timestamp: TIMESTAMP,
        },
    )?;
    verify_user_claim(
        &server,
        &UserClaimCheck {
            pool_name: "Pool1",
            user_id_for_srp: user,
            srp_a_hex: &client.public_a_hex(),
            secret_block_b64: SECRET_BLOCK,
            timestamp: TIMESTAMP,
            signature_b64: &signature,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn client_and_server_agree(
        password in "\\PC{0,40}",
        user in "[a-z0-9@.\\-]{1,20}",
        salt in proptest::collection::vec(any::<u8>(), 0..24),
        a in random(ClientEphemeral::RANDOM_LEN),
        b in random(ServerEphemeral::RANDOM_LEN),
    ) {
        let verifier = password_verifier("Pool1", &user, &password, &salt);
        prop_assert_eq!(round_trip(&verifier, &password, &user, &a, &b), Ok(()));
    }

    #[test]
    fn wrong_password_fails(
        password in "\\PC{1,20}",
        wrong in "\\PC{1,20}",
        salt in proptest::collection::vec(any::<u8>(), 16),
        a in random(ClientEphemeral::RANDOM_LEN),
        b in random(ServerEphemeral::RANDOM_LEN),
    ) {
        prop_assume!(password != wrong);
        let verifier = password_verifier("Pool1", "alice", &password, &salt);
        prop_assert_eq!(
            round_trip(&verifier, &wrong, "alice", &a, &b),
            Err(SrpError::ClaimMismatch)
        );
    }

    #[test]
    fn device_round_trip(
        device_random in proptest::collection::vec(any::<u8>(), DEVICE_VERIFIER_RANDOM_LEN),
        a in random(ClientEphemeral::RANDOM_LEN),
        b in random(ServerEphemeral::RANDOM_LEN),
        tamper in any::<bool>(),
    ) {
        let made = device_verifier("-grp", "us-east-1_dev", &device_random).unwrap();
        let stored = Verifier::from_confirm_device(&made.password_verifier_b64, &made.salt_b64).unwrap();
        let client = ClientEphemeral::from_random(&a).unwrap();
        let server = ServerEphemeral::new(&stored, &b).unwrap();
        let signature = device_password_claim(&client, &DeviceClaimInput {
            device_group_key: "-grp",
            device_key: "us-east-1_dev",
            device_password: made.device_password.expose(),
            srp_b_hex: &server.public_b_hex(),
            salt_hex: &stored.salt_hex(),
            secret_block_b64: SECRET_BLOCK,
            timestamp: TIMESTAMP,
        }).unwrap();
        let timestamp = if tamper { "Tue Nov 3 09:05:08 UTC 2026" } else { TIMESTAMP };
        let verdict = verify_device_claim(&server, &DeviceClaimCheck {
            device_group_key: "-grp",
            device_key: "us-east-1_dev",
            srp_a_hex: &client.public_a_hex(),
            secret_block_b64: SECRET_BLOCK,
            timestamp,
            signature_b64: &signature,
        });
        prop_assert_eq!(verdict, if tamper { Err(SrpError::ClaimMismatch) } else { Ok(()) });
    }

    /// An `a` of any length (1 to 200 bytes) is read as an integer: leading zero bytes change
    /// the work, never the result, and the server accepts the claim.
    #[test]
    fn any_length_a_round_trips(
        a in (1usize..200).prop_flat_map(random),
        zeros in 0usize..80,
        b in random(ServerEphemeral::RANDOM_LEN),
    ) {
        let client = ClientEphemeral::from_secret_a(&a).unwrap();
        let mut padded = vec![0u8; zeros];
        padded.extend_from_slice(&a);
        let same = ClientEphemeral::from_secret_a(&padded).unwrap();
        prop_assert_eq!(client.public_a_hex(), same.public_a_hex());
        let verifier = password_verifier("Pool1", "alice", "pw", b"salt");
        let server = ServerEphemeral::new(&verifier, &b).unwrap();
        let (srp_b, salt_hex) = (server.public_b_hex(), verifier.salt_hex());
        let input = UserClaimInput {
            pool_name: "Pool1",
            user_id_for_srp: "alice",
            password: "pw",
            srp_b_hex: &srp_b,
            salt_hex: &salt_hex,
            secret_block_b64: SECRET_BLOCK,
            timestamp: TIMESTAMP,
        };
        let signature = user_password_claim(&client, &input).unwrap();
        prop_assert_eq!(&user_password_claim(&same, &input).unwrap(), &signature);
        let srp_a = client.public_a_hex();
        prop_assert_eq!(verify_user_claim(&server, &UserClaimCheck {
            pool_name: "Pool1",
            user_id_for_srp: "alice",
            srp_a_hex: &srp_a,
            secret_block_b64: SECRET_BLOCK,
            timestamp: TIMESTAMP,
            signature_b64: &signature,
        }), Ok(()));
    }

    #[test]
    fn ephemerals_are_deterministic(a in random(ClientEphemeral::RANDOM_LEN)) {
        let one = ClientEphemeral::from_random(&a).unwrap();
        let two = ClientEphemeral::from_random(&a).unwrap();
        prop_assert_eq!(one.public_a_hex(), two.public_a_hex());
    }
}

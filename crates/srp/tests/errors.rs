//! Bad input gets a typed error, never a panic, and secrets never reach Debug output.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::panic)]

use cognito_auth_srp::{
    device_verifier, password_verifier, user_password_claim, verify_user_claim, ClientEphemeral,
    ServerEphemeral, SrpError, UserClaimCheck, UserClaimInput, DEVICE_VERIFIER_RANDOM_LEN,
};

const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

fn client() -> ClientEphemeral {
    ClientEphemeral::from_random(&[7; ClientEphemeral::RANDOM_LEN]).unwrap()
}

fn claim(b_hex: &str, salt_hex: &str, secret_block: &str) -> Result<String, SrpError> {
    user_password_claim(
        &client(),
        &UserClaimInput {
            pool_name: "Pool",
            user_id_for_srp: "alice",
            password: "pw",
            srp_b_hex: b_hex,
            salt_hex,
            secret_block_b64: secret_block,
            timestamp: "Thu Jan 1 00:00:00 UTC 1970",
        },
    )
}

#[test]
fn server_b_zero_mod_n_is_rejected() {
    assert_eq!(claim("0", "ab", "c2I="), Err(SrpError::ServerPublicZero));
    assert_eq!(claim(N_HEX, "ab", "c2I="), Err(SrpError::ServerPublicZero));
    // Values above N reduce first: 16 * N and a zero-padded N are also 0 mod N.
    let n_times_16 = format!("{N_HEX}0");
    assert_eq!(
        claim(&format!("0000{N_HEX}"), "ab", "c2I="),
        Err(SrpError::ServerPublicZero)
    );
    assert_eq!(
        claim(&n_times_16, "ab", "c2I="),
        Err(SrpError::ServerPublicZero)
    );
}

#[test]
fn bad_encodings_are_rejected() {
    assert_eq!(
        claim("xyz", "ab", "c2I="),
        Err(SrpError::InvalidHex { field: "SRP_B" })
    );
    assert_eq!(
        claim("", "ab", "c2I="),
        Err(SrpError::InvalidHex { field: "SRP_B" })
    );
    assert_eq!(
        claim("1234", "ab!", "c2I="),
        Err(SrpError::InvalidHex { field: "SALT" })
    );
    assert_eq!(
        claim("1234", "ab", "not base64!"),
        Err(SrpError::InvalidBase64 {
            field: "SECRET_BLOCK"
        })
    );
}

#[test]
fn client_a_zero_mod_n_is_rejected() {
    let verifier = password_verifier("Pool", "alice", "pw", b"salt");
    let server = ServerEphemeral::new(&verifier, &[9; ServerEphemeral::RANDOM_LEN]).unwrap();
    for a in ["0", "00", N_HEX] {
        let check = UserClaimCheck {
            pool_name: "Pool",
            user_id_for_srp: "alice",
            srp_a_hex: a,
            secret_block_b64: "c2I=",
            timestamp: "t",
            signature_b64: "AAAA",
        };
        assert_eq!(
            verify_user_claim(&server, &check),
            Err(SrpError::ClientPublicZero)
        );
    }
}

#[test]
fn bad_signature_encoding_is_an_error_not_a_match() {
    let verifier = password_verifier("Pool", "alice", "pw", b"salt");
    let server = ServerEphemeral::new(&verifier, &[9; ServerEphemeral::RANDOM_LEN]).unwrap();
    let mut check = UserClaimCheck {
        pool_name: "Pool",
        user_id_for_srp: "alice",
        srp_a_hex: &client().public_a_hex(),
        secret_block_b64: "c2I=",
        timestamp: "t",
        signature_b64: "%%%",
    };
    assert_eq!(
        verify_user_claim(&server, &check),
        Err(SrpError::InvalidBase64 {
            field: "PASSWORD_CLAIM_SIGNATURE"
        })
    );
    // A well-formed but short signature is a mismatch.
    check.signature_b64 = "AAAA";
    assert_eq!(
        verify_user_claim(&server, &check),
        Err(SrpError::ClaimMismatch)
    );
}

#[test]
fn random_length_and_degenerate_random() {
    assert_eq!(
        ClientEphemeral::from_random(&[1; 71]).unwrap_err(),
        SrpError::NotEnoughRandom {
            needed: 72,
            got: 71
        }
    );
    assert_eq!(
        ClientEphemeral::from_random(&[0; 72]).unwrap_err(),
        SrpError::DegenerateRandom
    );
    let verifier = password_verifier("Pool", "alice", "pw", b"salt");
    assert_eq!(
        ServerEphemeral::new(&verifier, &[1; 10]).unwrap_err(),
        SrpError::NotEnoughRandom {
            needed: 72,
            got: 10
        }
    );
    assert_eq!(
        device_verifier("g", "k", &[1; DEVICE_VERIFIER_RANDOM_LEN - 1]).unwrap_err(),
        SrpError::NotEnoughRandom {
            needed: 56,
            got: 55
        }
    );
    // No byte is ignored: the client reads every byte as part of `a`; the server and the device
    // verifier, which take a fixed number, refuse extra bytes.
    let long = vec![5u8; 100];
    let mut changed = long.clone();
    changed[90] = 0;
    assert_ne!(
        ClientEphemeral::from_random(&long).unwrap().public_a_hex(),
        ClientEphemeral::from_random(&changed)
            .unwrap()
            .public_a_hex()
    );
    assert_eq!(
        ClientEphemeral::from_random(&long).unwrap().public_a_hex(),
        ClientEphemeral::from_secret_a(&long)
            .unwrap()
            .public_a_hex()
    );
    assert_eq!(
        ServerEphemeral::new(&verifier, &[1; 73]).unwrap_err(),
        SrpError::TooMuchRandom {
            accepted: 72,
            got: 73
        }
    );
    assert_eq!(
        device_verifier("g", "k", &[1; DEVICE_VERIFIER_RANDOM_LEN + 1]).unwrap_err(),
        SrpError::TooMuchRandom {
            accepted: 56,
            got: 57
        }
    );
    assert_eq!(
        ClientEphemeral::from_secret_a(&[]).unwrap_err(),
        SrpError::NotEnoughRandom { needed: 1, got: 0 }
    );
    assert_eq!(
        ClientEphemeral::from_secret_a(&[0; 128]).unwrap_err(),
        SrpError::DegenerateRandom
    );
}

#[test]
fn debug_output_redacts_secrets() {
    let device = device_verifier("g", "k", &[0x42; DEVICE_VERIFIER_RANDOM_LEN]).unwrap();
    let shown = format!("{device:?}");
    assert!(!shown.contains(device.device_password.expose()), "{shown}");
    assert!(shown.contains("[redacted]"));

    let input = UserClaimInput {
        pool_name: "Pool",
        user_id_for_srp: "alice",
        password: "hunter2-secret",
        srp_b_hex: "1234",
        salt_hex: "ab",
        secret_block_b64: "c2I=",
        timestamp: "t",
    };
    assert!(!format!("{input:?}").contains("hunter2-secret"));

    let verifier = password_verifier("Pool", "alice", "pw", b"salt");
    let v_hex: String = verifier
        .verifier_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    assert!(!format!("{verifier:?}").contains(&v_hex[2..20]));
    assert!(format!("{:?}", client()).contains("[redacted]"));
    let server = ServerEphemeral::new(&verifier, &[9; ServerEphemeral::RANDOM_LEN]).unwrap();
    assert!(format!("{server:?}").contains("[redacted]"));
}

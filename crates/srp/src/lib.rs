//! Cognito's SRP-6a, pure: no randomness, no clock, no IO. Random bytes and unix time come in as
//! arguments, so a caller (the auth state machine, the emulator) stays deterministic and
//! replayable.
//!
//! What it computes, the way Amazon Cognito, amazon-cognito-identity-js (`AuthenticationHelper`)
//! and pycognito (`AWSSRP`) do:
//!
//! - the group: the RFC 3526 / RFC 5054 3072-bit prime N, g = 2, k = H(PAD(N) || PAD(g)) with
//!   SHA-256 and the SDKs' PAD rule (minimal big-endian bytes, a leading zero byte when the high
//!   bit is set);
//! - client, USER_SRP_AUTH: [`ClientEphemeral`] (`a`, `SRP_A`; a 576-bit `a` from
//!   [`ClientEphemeral::from_random`], or an `a` of any length, such as the SDKs' 1024 bits,
//!   from [`ClientEphemeral::from_secret_a`]), then [`user_password_claim`] answers
//!   PASSWORD_VERIFIER with `PASSWORD_CLAIM_SIGNATURE`;
//! - client, device SRP: [`device_verifier`] for ConfirmDevice, [`device_password_claim`] for
//!   DEVICE_PASSWORD_VERIFIER;
//! - [`secret_hash`] (`SECRET_HASH`), [`cognito_timestamp`] (`TIMESTAMP`), [`pool_name`];
//! - server (for the emulator): [`password_verifier`] / [`Verifier`], [`ServerEphemeral`]
//!   (`SRP_B`), [`verify_user_claim`], [`verify_device_claim`].
//!
//! The formulas: u = H(PAD(A) || PAD(B)) (u = 0 and B = 0 mod N are rejected),
//! x = H(PAD(salt) || H(pool_name || user_id_for_srp || ":" || password)) (device SRP: device group
//! key, device key, device password), S = (B - k g^x)^(a + u x) mod N on the client and
//! (A v^u)^b mod N on the server, key = HKDF-SHA256(salt = PAD(u), ikm = PAD(S),
//! info = "Caldera Derived Key", 16 bytes), signature = base64(HMAC-SHA256(key, pool_name ||
//! user_id_for_srp || secret_block || timestamp)).
//!
//! Secrets (`a`, `b`, `x`, `S`, keys, passwords, the device password, verifiers) live in types
//! whose `Debug` prints `[redacted]` and which are zeroized on drop; errors name fields, never
//! values. Every exponentiation with a secret exponent is constant time (see the `mont` module).
//!
//! Persisting a sign-in between InitiateAuth and RespondToAuthChallenge: [`ClientEphemeral`] and
//! [`ServerEphemeral`] are deterministic functions of their random bytes, so store the bytes (as a
//! secret) and rebuild.
//!
//! # Example: a full client + server round trip
//!
//! ```
//! use cognito_auth_srp::{
//!     cognito_timestamp, device_password_claim, device_verifier, pool_name, secret_hash,
//!     user_password_claim, password_verifier, verify_device_claim, verify_user_claim,
//!     ClientEphemeral, DeviceClaimCheck, DeviceClaimInput, ServerEphemeral, SrpError,
//!     UserClaimCheck, UserClaimInput, Verifier, DEVICE_VERIFIER_RANDOM_LEN,
//! };
//!
//! # fn main() -> Result<(), SrpError> {
//! let pool = pool_name("us-east-1_AbCdEf123")?;
//! // Sign-up (server): store a verifier, never the password. Real salts are random.
//! let verifier = password_verifier(pool, "alice", "correct horse", &[0x5a; 16]);
//!
//! // InitiateAuth(USER_SRP_AUTH): the client sends SRP_A; it can compute it ahead of time.
//! let client_random = [0x11; ClientEphemeral::RANDOM_LEN]; // from the OS RNG in real use
//! let client = ClientEphemeral::from_random(&client_random)?;
//! let srp_a = client.public_a_hex();
//!
//! // The server answers PASSWORD_VERIFIER with SRP_B, SALT and SECRET_BLOCK.
//! let server = ServerEphemeral::new(&verifier, &[0x22; ServerEphemeral::RANDOM_LEN])?;
//! let (srp_b, salt) = (server.public_b_hex(), verifier.salt_hex());
//! let secret_block = "c2VjcmV0IGJsb2Nr";
//!
//! // RespondToAuthChallenge: the client signs with the time it will send.
//! let timestamp = cognito_timestamp(1_793_696_707)?;
//! assert_eq!(timestamp, "Tue Nov 3 09:05:07 UTC 2026");
//! // After a restart, the same random bytes give the same ephemeral.
//! let client = ClientEphemeral::from_random(&client_random)?;
//! let signature = user_password_claim(&client, &UserClaimInput {
//!     pool_name: pool,
//!     user_id_for_srp: "alice",
//!     password: "correct horse",
//!     srp_b_hex: &srp_b,
//!     salt_hex: &salt,
//!     secret_block_b64: secret_block,
//!     timestamp: &timestamp,
//! })?;
//!
//! // The server checks the claim.
//! let check = UserClaimCheck {
//!     pool_name: pool,
//!     user_id_for_srp: "alice",
//!     srp_a_hex: &srp_a,
//!     secret_block_b64: secret_block,
//!     timestamp: &timestamp,
//!     signature_b64: &signature,
//! };
//! verify_user_claim(&server, &check)?;
//! let forged = UserClaimCheck { timestamp: "Wed Nov 4 09:05:07 UTC 2026", ..check };
//! assert_eq!(verify_user_claim(&server, &forged), Err(SrpError::ClaimMismatch));
//!
//! // ConfirmDevice: the client makes a device password and verifier...
//! let device = device_verifier("-group", "us-east-1_dev", &[0x33; DEVICE_VERIFIER_RANDOM_LEN])?;
//! // ...the server stores them...
//! let stored = Verifier::from_confirm_device(&device.password_verifier_b64, &device.salt_b64)?;
//! // ...and a later DEVICE_SRP_AUTH proves the device knows its password.
//! let client = ClientEphemeral::from_random(&[0x44; ClientEphemeral::RANDOM_LEN])?;
//! let server = ServerEphemeral::new(&stored, &[0x55; ServerEphemeral::RANDOM_LEN])?;
//! let signature = device_password_claim(&client, &DeviceClaimInput {
//!     device_group_key: "-group",
//!     device_key: "us-east-1_dev",
//!     device_password: device.device_password.expose(),
//!     srp_b_hex: &server.public_b_hex(),
//!     salt_hex: &stored.salt_hex(),
//!     secret_block_b64: secret_block,
//!     timestamp: &timestamp,
//! })?;
//! verify_device_claim(&server, &DeviceClaimCheck {
//!     device_group_key: "-group",
//!     device_key: "us-east-1_dev",
//!     srp_a_hex: &client.public_a_hex(),
//!     secret_block_b64: secret_block,
//!     timestamp: &timestamp,
//!     signature_b64: &signature,
//! })?;
//!
//! // App clients with a secret add SECRET_HASH to their requests.
//! assert_eq!(secret_hash("alice", "client-id", "client-secret").len(), 44);
//! # Ok(())
//! # }
//! ```
//!
//! # Cost
//!
//! Current figures, the peers' and how they were measured are in `docs/PERFORMANCE.md`.
//!
//! A = g^a (576-bit `a`) uses a fixed-base table for g (6-bit windows, 2.4 MB) built once per
//! process on first use, or ahead with [`warm_up`]; it does not depend on the server, so compute
//! it before the user submits. After the challenge the client computes g^x from the table and
//! one 577-bit variable-base exponentiation (about 580 Montgomery squarings and 150
//! multiplications, all constant time).
//!
//! The Montgomery kernels are picked at run time: on x86-64 CPUs with AVX-512 IFMA (and BMI2
//! and ADX), the exponentiations run on `vpmadd52luq`/`vpmadd52huq` over 52-bit digits, eight
//! lanes per instruction; on x86-64 CPUs with BMI2 and ADX, `asm!` kernels with `mulx` and two
//! carry chains (`adcx`/`adox`); elsewhere portable `u128` code (see the `mont` module).
//! Current figures, 2026-12-02 18:19-18:23 UTC on a 2-vCPU "AMD EPYC" VM (Zen 5, with AVX-512
//! IFMA, BMI2 and ADX; load average 1.4 before, 5.2 after), thread CPU time,
//! `cargo bench -p cognito-auth-srp`: client critical path 0.30 ms (1.14 ms on the ADX kernels
//! and 1.49 ms on the portable ones in the same run), A = g^a 0.068 ms (0.21 ms ADX, 0.23 ms
//! portable), server verification 0.42 ms, server B 0.067 ms, device verifier 0.029 ms.
//! `benches/peers.sh`, each implementation at its own default, three runs at load 1.0-5.6: A +
//! claim 0.39-0.45 ms of CPU, 379-518x amazon-cognito-identity-js and 98-109x pycognito (the
//! ADX kernels, each run just before on the same machine: 1.41-1.56 ms, 108-141x and 29x). On
//! CPUs without IFMA the earlier figures apply: on the Intel Xeon VM with BMI2 and ADX, critical
//! path 1.30 ms, A 0.24 ms, A + claim 116-121x the JS SDK. (Older figures, on portable kernels
//! and other machines, are kept as history in `docs/PERFORMANCE.md`.)

mod client;
mod device;
mod encoding;
mod error;
mod group;
mod mont;

/// Chooses the big-number kernels, for tests and benchmarks (feature `test-util`).
///
/// By default the crate runs its exponentiations on AVX-512 IFMA when the CPU has it (with
/// the BMI2/ADX kernels for the other products), else uses the x86-64 BMI2/ADX kernels when the
/// CPU has them, else the portable ones; this switch forces any of them, process-wide, so the
/// same known-answer vectors can check each.
#[cfg(feature = "test-util")]
#[doc(hidden)]
pub mod test_util {
    /// The kernels behind every Montgomery multiplication.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Kernels {
        /// Plain `u128` arithmetic, on every target.
        Portable,
        /// `mulx`/`adcx`/`adox` (x86-64 with BMI2 and ADX).
        Adx,
        /// The exponentiations on AVX-512 IFMA (`vpmadd52luq`/`vpmadd52huq`), the other
        /// products on `mulx`/`adcx`/`adox` (x86-64 with AVX-512F, AVX-512 IFMA, BMI2 and ADX).
        Ifma,
    }

    /// Uses `kernels` from now on, process-wide; false (and nothing changes) when this CPU
    /// cannot run them.
    pub fn use_kernels(kernels: Kernels) -> bool {
        crate::mont::force(match kernels {
            Kernels::Portable => crate::mont::Kernels::Portable,
            Kernels::Adx => crate::mont::Kernels::Adx,
            Kernels::Ifma => crate::mont::Kernels::Ifma,
        })
    }

    /// The kernels in use.
    pub fn kernels_in_use() -> Kernels {
        match crate::mont::selected() {
            crate::mont::Kernels::Portable => Kernels::Portable,
            crate::mont::Kernels::Adx => Kernels::Adx,
            crate::mont::Kernels::Ifma => Kernels::Ifma,
        }
    }
}
mod secret;
mod secret_hash;
mod server;
mod timestamp;

pub use client::{
    device_password_claim, user_password_claim, ClientEphemeral, DeviceClaimInput, UserClaimInput,
};
pub use device::{device_verifier, DeviceVerifier, DEVICE_VERIFIER_RANDOM_LEN};
pub use error::SrpError;
pub use secret::SecretString;
pub use secret_hash::{pool_name, secret_hash};
pub use server::{
    password_verifier, verify_device_claim, verify_user_claim, DeviceClaimCheck, ServerEphemeral,
    UserClaimCheck, Verifier,
};
pub use timestamp::cognito_timestamp;

/// Builds the process-wide fixed-base table for g now rather than on first use (a few ms), for
/// servers and benchmarks that want predictable latency.
pub fn warm_up() {
    mont::warm_up();
}

//! Fixed-size arithmetic modulo Cognito's 3072-bit prime N.
//!
//! This module owns every big-number operation of the crate: 48 x 64-bit limbs (little-endian),
//! Montgomery multiplication (`u128` products, or `mulx`/`adcx`/`adox` where the CPU has them),
//! constant-time modular addition/subtraction, a fixed-window exponentiation with constant-time
//! table selection for variable bases, and a precomputed fixed-base table for the generator
//! g = 2.
//!
//! Why hand-written: a generic bignum costs 6-9 ms per 1024-bit-exponent exponentiation here
//! (num-bigint 8-9 ms, crypto-bigint 6 ms variable-time, measured on this project's 2-core
//! machines in November 2026), which misses the client's 2 ms budget; a fixed-size Montgomery
//! ladder over one known modulus has no allocation and no length checks in its inner loops.
//!
//! Constant time: every operation that can see a secret (`a`, `b`, `x`, `a + u*x`, `S`) runs the
//! same instruction sequence whatever the values: the exponent is processed for a fixed number of
//! bits, every window multiplies (by one when the digit is zero), table entries are selected by
//! scanning the whole table with masks, and the Montgomery reduction's final subtraction is
//! masked. Only public lengths (the exponent bit count chosen by the caller) shape the work.
//! (Outside this module, Cognito's PAD rule hashes S without its leading zero bytes, so the HKDF
//! input length depends on S; that is the protocol's, and the same in every SDK.)
//!
//! Zeroization: the exponentiations wipe their window tables; the callers keep secrets (`a`, `b`,
//! `x`, the exponent, S) in zeroize-on-drop holders. Stack temporaries inside one Montgomery
//! multiplication are not wiped: that would add stores to the hottest loop, and the next
//! multiplication overwrites them.
//!
//! Kernels: the Karatsuba steps (`kernels.rs`) are generic over three kernels (24-limb product,
//! 24-limb square, reduction), with two implementations picked at run time: portable `u128` code
//! on every target, and on x86-64 CPUs with BMI2 and ADX the `asm!` kernels of `x86_64.rs` (the
//! workspace's one `unsafe` module; `mulx` with two carry chains, `adcx`/`adox`, fully unrolled
//! rows, no branches or data-dependent addresses). They give the same results bit for bit
//! (tests in `tests.rs` and the known-answer vectors on both paths); the ADX path takes about
//! 30% off the client's A + claim (see docs/PERFORMANCE.md).
//!
//! Exponentiations on AVX-512 IFMA: on x86-64 CPUs that also have AVX-512F and AVX-512 IFMA
//! (`Kernels::Ifma`, the default there), [`pow_ct`], [`g_pow_ct`] and [`sqr_n`] run their
//! products as almost-Montgomery multiplications over 60 digits of 52 bits in eight 512-bit
//! vectors (`vpmadd52luq`/`vpmadd52huq`, `x86_64.rs`), with R' = 2^3120 > 4N so values stay
//! below 2N between products and are fully reduced once at the end; one product by a constant
//! converts in and out of that form. Same windows, same full-scan selects (compiled for
//! AVX-512F there), same results bit for bit (tests in `tests.rs`, the known-answer vectors on
//! all three paths). On the 2-vCPU AMD EPYC (Zen 5) VM of 2026-12-02 this took the client's
//! A + claim from 1.30 ms (ADX) to about 0.36 ms. The other products ([`mont_mul`] and
//! [`mont_sqr`] called directly) keep the ADX kernels.
//!
//! Performance notes for the portable kernels (measured on the 2-vCPU EPYC build machine,
//! baseline x86-64 codegen): a multiplication is one Karatsuba step over 24-limb schoolbook
//! products, a square one Karatsuba step over 24-limb triangle squares, and both reduce with two
//! Montgomery digits per pass (about 3.0 us per square, 3.3 us per multiplication). The ADX
//! kernels reduce one digit per row (a full 48-limb `mulx` row with both carry chains). Tried and measured slower, so not kept:
//! product scanning (column-wise) for the product and the reduction, in several accumulator
//! forms (LLVM adds register copies or moves carry flags through registers); three or four
//! digits per reduction pass (register spills); a second Karatsuba level for squares; two rows
//! per pass in the 24-limb products; a direct 48-limb triangle square. Lazy reduction (keeping
//! values in [0, 2N)) is not valid here: it needs R > 4N, and R = 2^3072 < 4N.

use kernels::final_sub;

mod kernels;
mod pow;
#[cfg(test)]
mod tests;
#[cfg(target_arch = "x86_64")]
mod x86_64;

#[cfg(any(test, feature = "test-util"))]
pub(crate) use kernels::{force, selected, Kernels};
pub(crate) use kernels::{mont_mul, mont_sqr};
pub(crate) use pow::{g_pow_ct, pow_ct, sqr_n, warm_up, G_MAX_BITS};

/// Number of 64-bit limbs in a 3072-bit value.
pub(crate) const LIMBS: usize = 48;

/// A 3072-bit unsigned integer, little-endian limbs.
pub(crate) type Limbs = [u64; LIMBS];

/// RFC 3526 / RFC 5054 3072-bit MODP prime, as Cognito and the Amplify SDKs spell it.
pub(crate) const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1",
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245",
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D",
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D",
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9",
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64",
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B",
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// R^2 mod N with R = 2^3072 (computed once with Python's integers; a unit test recomputes it
/// by repeated doubling).
const R2_HEX: &str = concat!(
    "5ac8b4fb51df35da44c4e4e431ad0295a332e8e3e0669e0f84895a7c5542f96c2ad479fe69695c75",
    "fae1cd10648bee54fa022336f28de7725caa69009fbf543f9875d4c167db7edcaa05da05c27fdd33",
    "af0ec45cdc3960862276cb40571f2c1c49cd9d705da184d57139d0ab24b7e495a5daf736bc8d5e9e",
    "109d099e16fd756877a5c747d85b0a838c6cbd34d5965134a73d01032c4b8e907ded489e670d9c6f",
    "19c2883eefc802af0672a33d61e37f747cda502ec043f99c9a678bf4439f12eb5a7795d86ecc4987",
    "19cc8d59563706fbb41a05f078024208bfd961d538d6fcdd4f12768256e88b53785483c608108c0c",
    "3efef29dc3c0b3f41b9d01271d18f0c81caefc188a59bc7fb186424b83df2859af80d4b5443561c6",
    "fea5187fa77dedda1d93075aa993d1471ef22571e41a52b28aa61391abb0b76abc2b64cf26e335d7",
    "682aab9a15b17ffafc1187a5fa8406abae1284023c6ed6a34335aacb64894d9695823215b15ba577",
    "4f30b920e5c1db663587f06960e7f1382697ca9138d241cd",
);

/// Parses exactly 768 hex digits (big-endian) into limbs, at compile time.
// Only ever evaluated in `const` items, where a panic is a compile error, never a runtime one.
#[allow(clippy::panic)]
const fn parse_hex_limbs(s: &str) -> Limbs {
    let bytes = s.as_bytes();
    assert!(
        bytes.len() == LIMBS * 16,
        "constant must have 768 hex digits"
    );
    let mut out = [0u64; LIMBS];
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("constant must be hex"),
        };
        // Digit i (from the most significant end) lands in bit position 4 * (767 - i).
        let pos = LIMBS * 16 - 1 - i;
        out[pos / 16] |= (d as u64) << ((pos % 16) * 4);
        i += 1;
    }
    out
}

/// The modulus N.
pub(crate) const N: Limbs = parse_hex_limbs(N_HEX);

/// R^2 mod N, used to enter the Montgomery domain.
const R2: Limbs = parse_hex_limbs(R2_HEX);

/// -N^-1 mod 2^64. N's low limb is all ones (N = -1 mod 2^64), so this is 1; computed anyway so
/// the code does not depend on that coincidence.
const N0_INV: u64 = {
    // Newton iteration for the inverse modulo 2^64 (each step doubles the correct bits).
    let n0 = N[0];
    let mut inv: u64 = 1;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(n0.wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
};

/// R mod N = 2^3072 - N (N > 2^3071, so R - N < N): the Montgomery form of 1.
const ONE_MONT: Limbs = {
    let mut out = [0u64; LIMBS];
    let mut borrow = 0u64;
    let mut i = 0;
    while i < LIMBS {
        // 0 - N[i] - borrow, limb by limb: the two's complement of N over 3072 bits.
        let (d1, b1) = 0u64.overflowing_sub(N[i]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        out[i] = d2;
        borrow = (b1 | b2) as u64;
        i += 1;
    }
    out
};

/// Converts x < N into Montgomery form.
pub(crate) fn to_mont(x: &Limbs) -> Limbs {
    mont_mul(x, &R2)
}

/// Converts out of Montgomery form (the result is fully reduced, < N).
pub(crate) fn from_mont(x: &Limbs) -> Limbs {
    let mut one = [0u64; LIMBS];
    one[0] = 1;
    mont_mul(x, &one)
}

/// (a + b) mod N for a, b < N, constant time.
pub(crate) fn add_mod(a: &Limbs, b: &Limbs) -> Limbs {
    let mut sum = [0u64; LIMBS];
    let mut carry = 0u64;
    for i in 0..LIMBS {
        let (s1, c1) = a[i].overflowing_add(b[i]);
        let (s2, c2) = s1.overflowing_add(carry);
        sum[i] = s2;
        carry = (c1 | c2) as u64;
    }
    final_sub(&sum, carry)
}

/// (a - b) mod N for a, b < N, constant time.
pub(crate) fn sub_mod(a: &Limbs, b: &Limbs) -> Limbs {
    let mut diff = [0u64; LIMBS];
    let mut borrow = 0u64;
    for i in 0..LIMBS {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        diff[i] = d2;
        borrow = (b1 | b2) as u64;
    }
    // Add N back when the subtraction went below zero.
    let mask = 0u64.wrapping_sub(borrow);
    let mut out = [0u64; LIMBS];
    let mut carry = 0u64;
    for i in 0..LIMBS {
        let (s1, c1) = diff[i].overflowing_add(N[i] & mask);
        let (s2, c2) = s1.overflowing_add(carry);
        out[i] = s2;
        carry = (c1 | c2) as u64;
    }
    out
}

/// Whether x is zero (x need not be secret; used on public values).
pub(crate) fn is_zero(x: &Limbs) -> bool {
    x.iter().all(|&l| l == 0)
}

/// Reads a big-endian byte string of at most 384 bytes into limbs.
fn limbs_from_be_chunk(bytes: &[u8]) -> Limbs {
    debug_assert!(bytes.len() <= LIMBS * 8);
    let mut out = [0u64; LIMBS];
    for (i, &byte) in bytes.iter().rev().enumerate() {
        out[i / 8] |= (byte as u64) << ((i % 8) * 8);
    }
    out
}

/// Reduces an arbitrary-length big-endian integer modulo N.
///
/// Horner's rule over 384-byte chunks: `r = r * R + chunk (mod N)`, where `r * R mod N` is one
/// Montgomery multiplication by R^2. Each chunk is < 2^3072 < 2N, so one masked subtraction
/// reduces it.
pub(crate) fn reduce_be(bytes: &[u8]) -> Limbs {
    const CHUNK: usize = LIMBS * 8;
    let first = match bytes.len() % CHUNK {
        0 => CHUNK.min(bytes.len()),
        rem => rem,
    };
    let (head, rest) = bytes.split_at(first);
    let mut r = final_sub(&limbs_from_be_chunk(head), 0);
    for chunk in rest.chunks(CHUNK) {
        let c = final_sub(&limbs_from_be_chunk(chunk), 0);
        r = add_mod(&mont_mul(&r, &R2), &c);
    }
    r
}

/// Big-endian bytes of x, exactly 384 bytes.
pub(crate) fn to_be_bytes(x: &Limbs) -> [u8; LIMBS * 8] {
    let mut out = [0u8; LIMBS * 8];
    for (i, limb) in x.iter().enumerate() {
        let start = (LIMBS - 1 - i) * 8;
        out[start..start + 8].copy_from_slice(&limb.to_be_bytes());
    }
    out
}

/// Little-endian limbs of a big-endian byte string that fits in `L` limbs.
pub(crate) fn small_from_be<const L: usize>(bytes: &[u8]) -> [u64; L] {
    debug_assert!(bytes.len() <= L * 8);
    let mut out = [0u64; L];
    for (i, &byte) in bytes.iter().rev().enumerate() {
        out[i / 8] |= (byte as u64) << ((i % 8) * 8);
    }
    out
}

/// Schoolbook product of two small integers (constant time: fixed loop bounds).
pub(crate) fn mul_small<const LA: usize, const LB: usize, const LO: usize>(
    a: &[u64; LA],
    b: &[u64; LB],
) -> [u64; LO] {
    debug_assert!(LO >= LA + LB);
    let mut out = [0u64; LO];
    for (i, &ai) in a.iter().enumerate() {
        let mut carry = 0u64;
        for (j, &bj) in b.iter().enumerate() {
            let s = (out[i + j] as u128) + (ai as u128) * (bj as u128) + (carry as u128);
            out[i + j] = s as u64;
            carry = (s >> 64) as u64;
        }
        out[i + LB] = carry;
    }
    out
}

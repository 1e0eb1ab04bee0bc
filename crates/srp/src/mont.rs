//! Fixed-size arithmetic modulo Cognito's 3072-bit prime N.
//!
//! This module owns every big-number operation of the crate: 48 x 64-bit limbs (little-endian),
//! Montgomery multiplication with `u128` products, constant-time modular addition/subtraction,
//! a fixed-window exponentiation with constant-time table selection for variable bases, and a
//! precomputed fixed-base table for the generator g = 2.
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
//! Performance notes (measured on the 2-vCPU EPYC build machine, baseline x86-64 codegen): a
//! multiplication is one Karatsuba step over 24-limb schoolbook products, a square one Karatsuba
//! step over 24-limb triangle squares, and both reduce with two Montgomery digits per pass
//! (about 3.0 us per square, 3.3 us per multiplication). Tried and measured slower, so not kept:
//! product scanning (column-wise) for the product and the reduction, in several accumulator
//! forms (LLVM adds register copies or moves carry flags through registers); three or four
//! digits per reduction pass (register spills); a second Karatsuba level for squares; two rows
//! per pass in the 24-limb products; a direct 48-limb triangle square. Lazy reduction (keeping
//! values in [0, 2N)) is not valid here: it needs R > 4N, and R = 2^3072 < 4N.

use std::sync::OnceLock;

use zeroize::Zeroize;

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

/// `x - N` and whether that borrowed; used for the masked final subtraction.
#[inline(always)]
fn sub_n(x: &Limbs) -> (Limbs, u64) {
    let mut out = [0u64; LIMBS];
    let mut borrow = 0u64;
    for i in 0..LIMBS {
        let (d1, b1) = x[i].overflowing_sub(N[i]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        out[i] = d2;
        borrow = (b1 | b2) as u64;
    }
    (out, borrow)
}

/// Returns `x - N` if `top:x >= N`, else `x`, without branching on the values.
/// Requires `top:x < 2N`.
#[inline(always)]
fn final_sub(x: &Limbs, top: u64) -> Limbs {
    let (d, borrow) = sub_n(x);
    // Subtract when the 3073rd bit is set or when the subtraction did not borrow.
    let take_diff = top | (borrow ^ 1);
    let mask = 0u64.wrapping_sub(take_diff);
    let mut out = [0u64; LIMBS];
    for i in 0..LIMBS {
        out[i] = (d[i] & mask) | (x[i] & !mask);
    }
    out
}

/// `t + a * b + c` split into (low, high) limbs; cannot overflow 128 bits.
#[inline(always)]
fn mac(t: u64, a: u64, b: u64, c: u64) -> (u64, u64) {
    let s = (t as u128) + (a as u128) * (b as u128) + (c as u128);
    (s as u64, (s >> 64) as u64)
}

// The unrolled loops below walk the limbs four at a time.
const _: () = assert!(LIMBS.is_multiple_of(4) && LIMBS >= 8);

// The reduction below relies on N = -1 mod 2^64, so -N^-1 mod 2^64 = 1 and the Montgomery
// digit of a row is simply its low limb.
const _: () = assert!(N[0] == u64::MAX && N0_INV == 1);

/// Montgomery reduction of a double-width t < N * R: t * R^-1 mod N, two limbs per pass.
///
/// Each pass settles two Montgomery digits m0 and m1 and adds m0 * N and m1 * N * 2^64 in a
/// single sweep over the limbs (two independent carry chains): every limb of
/// t is loaded and stored once per two products instead of once per product. With
/// N_0 = 2^64 - 1 and -N^-1 = 1 mod 2^64, the digit is the low limb itself, and adding
/// m * N_0 to a limb equal to m leaves zero with a carry of m, so neither product with N_0 is
/// computed.
#[inline]
fn mont_reduce(t: &mut [u64; 2 * LIMBS]) -> Limbs {
    let mut extra = 0u64; // carry into limb i + LIMBS, folded in by the pass that reaches it
    for i in (0..LIMBS).step_by(2) {
        let row: &mut [u64; LIMBS + 2] = match (&mut t[i..i + LIMBS + 2]).try_into() {
            Ok(row) => row,
            // i + LIMBS + 2 <= 2 * LIMBS because LIMBS is even and i < LIMBS.
            Err(_) => unreachable!("a reduction pass spans LIMBS + 2 limbs of t"),
        };
        let m0 = row[0];
        // Limb 1: row[1] + m0 * N_1 + (carry m0 out of limb 0). Its low limb is m1.
        let (m1, mut c0) = mac(row[1], m0, N[1], m0);
        // Adding m1 * N_0 to limb 1 (equal to m1) leaves zero and carries m1.
        let mut c1 = m1;
        for j in (2..LIMBS).step_by(2) {
            let (s, c) = mac(row[j], m0, N[j], c0);
            let (s, d) = mac(s, m1, N[j - 1], c1);
            row[j] = s;
            let (s, c) = mac(row[j + 1], m0, N[j + 1], c);
            let (s, d) = mac(s, m1, N[j], d);
            row[j + 1] = s;
            (c0, c1) = (c, d);
        }
        let (s, d) = mac(row[LIMBS], m1, N[LIMBS - 1], c1);
        let (s, e1) = s.overflowing_add(c0);
        let (s, e2) = s.overflowing_add(extra);
        row[LIMBS] = s;
        let top = (row[LIMBS + 1] as u128) + (d as u128) + (e1 as u128) + (e2 as u128);
        row[LIMBS + 1] = top as u64;
        extra = (top >> 64) as u64;
    }
    let mut high = [0u64; LIMBS];
    high.copy_from_slice(&t[LIMBS..]);
    // t < N * R gives (t + m * N) / R < 2N: one masked subtraction finishes.
    final_sub(&high, extra)
}

/// Half the limbs: Karatsuba splits a square into three half-size squares.
const HALF: usize = LIMBS / 2;

/// Schoolbook square of `HALF` limbs: each off-diagonal product once, doubled by a shift, plus
/// the diagonal (300 limb products instead of 576).
#[inline]
fn sqr_half(a: &[u64; HALF]) -> [u64; LIMBS] {
    let mut t = [0u64; LIMBS];
    for i in 0..HALF {
        let ai = a[i];
        let mut c = 0u64;
        // Row i adds a_i * a_j (j > i) into t[i + j]; the row is walked four limbs at a time
        // after up to three leading limbs, with the output zipped alongside so no index is checked.
        let (a_head, a_pairs) = a[i + 1..].as_rchunks::<4>();
        let (t_head, t_pairs) = t[2 * i + 1..i + HALF].as_rchunks_mut::<4>();
        for (tj, &aj) in t_head.iter_mut().zip(a_head) {
            (*tj, c) = mac(*tj, ai, aj, c);
        }
        for (tj, aj) in t_pairs.iter_mut().zip(a_pairs) {
            let (s0, d) = mac(tj[0], ai, aj[0], c);
            let (s1, d) = mac(tj[1], ai, aj[1], d);
            let (s2, d) = mac(tj[2], ai, aj[2], d);
            let (s3, d) = mac(tj[3], ai, aj[3], d);
            *tj = [s0, s1, s2, s3];
            c = d;
        }
        t[i + HALF] = c;
    }
    // Double the off-diagonal sum and add the diagonal squares in one pass, two limbs per
    // diagonal term.
    let mut shift_in = 0u64; // the bit shifted out of the previous pair
    let mut c = 0u64;
    let (pairs, _) = t.as_chunks_mut::<2>();
    for (pair, &ai) in pairs.iter_mut().zip(a.iter()) {
        let [lo, hi] = *pair;
        let dlo = (lo << 1) | shift_in;
        let dhi = (hi << 1) | (lo >> 63);
        shift_in = hi >> 63;
        let p = (ai as u128) * (ai as u128);
        let s = (dlo as u128) + ((p as u64) as u128) + (c as u128);
        let s2 = (dhi as u128) + (p >> 64) + (s >> 64);
        *pair = [s as u64, s2 as u64];
        c = (s2 >> 64) as u64;
    }
    t
}

/// Montgomery square.
///
/// The double-width square uses one Karatsuba step with a difference, which needs no sign
/// handling because the difference is squared: with a = hi * 2^1536 + lo,
/// a^2 = hi^2 * 2^3072 + (lo^2 + hi^2 - (lo - hi)^2) * 2^1536 + lo^2. Three 24-limb squares
/// cost 900 limb products against 1,176 for a direct square; then [`mont_reduce`]. Squarings
/// are about 80% of an exponentiation, so this is where savings count.
#[inline]
pub(crate) fn mont_sqr(a: &Limbs) -> Limbs {
    let mut lo = [0u64; HALF];
    let mut hi = [0u64; HALF];
    lo.copy_from_slice(&a[..HALF]);
    hi.copy_from_slice(&a[HALF..]);

    // |lo - hi| without branching: subtract, then negate (two's complement) under a mask if it
    // borrowed.
    let mut diff = [0u64; HALF];
    let mut borrow = 0u64;
    for i in 0..HALF {
        let (d1, b1) = lo[i].overflowing_sub(hi[i]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        diff[i] = d2;
        borrow = (b1 | b2) as u64;
    }
    let mask = 0u64.wrapping_sub(borrow);
    let mut carry = borrow;
    for limb in diff.iter_mut() {
        let (s, c) = (*limb ^ mask).overflowing_add(carry);
        *limb = s;
        carry = c as u64;
    }

    let lo2 = sqr_half(&lo);
    let hi2 = sqr_half(&hi);
    let diff2 = sqr_half(&diff);

    // t = lo^2 + hi^2 * 2^3072, plus mid * 2^1536 where mid = lo^2 + hi^2 - (lo - hi)^2
    // = 2 * lo * hi (at most LIMBS limbs plus one bit), computed limb by limb on the way.
    let mut t = [0u64; 2 * LIMBS];
    t[..LIMBS].copy_from_slice(&lo2);
    t[LIMBS..].copy_from_slice(&hi2);
    let mut carry = 0u64; // of lo^2 + hi^2
    let mut borrow = 0u64; // of the subtraction of (lo - hi)^2
    let mut c = 0u64; // of adding mid into t
    let (_, upper) = t.split_at_mut(HALF);
    let (window, rest) = upper.split_at_mut(LIMBS);
    for (((tj, &l), &h), &d) in window.iter_mut().zip(&lo2).zip(&hi2).zip(&diff2) {
        let s = (l as u128) + (h as u128) + (carry as u128);
        carry = (s >> 64) as u64;
        let (d1, b1) = (s as u64).overflowing_sub(d);
        let (mid, b2) = d1.overflowing_sub(borrow);
        borrow = (b1 | b2) as u64;
        let s = (*tj as u128) + (mid as u128) + (c as u128);
        *tj = s as u64;
        c = (s >> 64) as u64;
    }
    // The top bit of mid, then the carry rippling through the rest of t.
    let mut add = (carry.wrapping_sub(borrow) as u128) + (c as u128);
    for tj in rest.iter_mut() {
        let s = (*tj as u128) + add;
        *tj = s as u64;
        add = s >> 64;
    }
    mont_reduce(&mut t)
}

/// Schoolbook product of two `HALF`-limb values: fixed-length rows walked four limbs at a time.
#[inline]
fn mul_half(a: &[u64; HALF], b: &[u64; HALF]) -> [u64; LIMBS] {
    let mut t = [0u64; LIMBS];
    let (b4, _) = b.as_chunks::<4>();
    for (i, &ai) in a.iter().enumerate() {
        let mut c = 0u64;
        let (row4, _) = t[i..i + HALF].as_chunks_mut::<4>();
        for (r, bj) in row4.iter_mut().zip(b4) {
            let (s0, d) = mac(r[0], ai, bj[0], c);
            let (s1, d) = mac(r[1], ai, bj[1], d);
            let (s2, d) = mac(r[2], ai, bj[2], d);
            let (s3, d) = mac(r[3], ai, bj[3], d);
            *r = [s0, s1, s2, s3];
            c = d;
        }
        t[i + HALF] = c;
    }
    t
}

/// |x - y| over `HALF` limbs and an all-ones mask when x < y, without branching.
#[inline(always)]
fn abs_diff_half(x: &[u64], y: &[u64]) -> ([u64; HALF], u64) {
    let mut diff = [0u64; HALF];
    let mut borrow = 0u64;
    for ((d, &xi), &yi) in diff.iter_mut().zip(x).zip(y) {
        let (d1, b1) = xi.overflowing_sub(yi);
        let (d2, b2) = d1.overflowing_sub(borrow);
        *d = d2;
        borrow = (b1 | b2) as u64;
    }
    let mask = 0u64.wrapping_sub(borrow);
    let mut carry = borrow;
    for d in diff.iter_mut() {
        let (s, c) = (*d ^ mask).overflowing_add(carry);
        *d = s;
        carry = c as u64;
    }
    (diff, mask)
}

// The Karatsuba halves are walked four limbs at a time.
const _: () = assert!(HALF.is_multiple_of(4));

/// Montgomery product a * b * R^-1 mod N for a, b < N, with one Karatsuba step.
///
/// With a = a1 * 2^1536 + a0 and b likewise, the product is a1 b1 * 2^3072 + a0 b0 plus
/// (a0 b0 + a1 b1 - (a0 - a1)(b0 - b1)) * 2^1536: three 24-limb products (1,728 limb products
/// instead of 2,304). The middle product is signed; its sign is the XOR of the two
/// differences' borrows and is applied with a mask, never a branch. Then [`mont_reduce`].
///
/// Measured against the previous interleaved (FIOS) multiply, which did the same number of
/// instructions within 3%, this is about 20% faster: the separate passes keep fewer values live
/// and the reduction stores each limb once per two products.
#[inline]
pub(crate) fn mont_mul(a: &Limbs, b: &Limbs) -> Limbs {
    let (a0, a1) = a.split_at(HALF);
    let (b0, b1) = b.split_at(HALF);
    let (da, sa) = abs_diff_half(a0, a1);
    let (db, sb) = abs_diff_half(b0, b1);
    let mut lo = [0u64; HALF];
    let mut hi = [0u64; HALF];
    lo.copy_from_slice(a0);
    hi.copy_from_slice(a1);
    let mut blo = [0u64; HALF];
    let mut bhi = [0u64; HALF];
    blo.copy_from_slice(b0);
    bhi.copy_from_slice(b1);
    let low = mul_half(&lo, &blo);
    let high = mul_half(&hi, &bhi);
    let p = mul_half(&da, &db);

    // (a0 - a1)(b0 - b1) = -P when exactly one difference was negative, else +P. mid adds
    // -(that): +P or the two's complement of P, chosen by the mask `keep` (all ones: negate).
    let keep = !(sa ^ sb);
    let mut t = [0u64; 2 * LIMBS];
    t[..LIMBS].copy_from_slice(&low);
    t[LIMBS..].copy_from_slice(&high);
    let mut carry = (keep & 1) as u128; // of low + high +- P (the +1 of the two's complement)
    let mut c = 0u64; // of adding mid into t
    let (_, upper) = t.split_at_mut(HALF);
    let (window, rest) = upper.split_at_mut(LIMBS);
    for (((tj, &l), &h), &pj) in window.iter_mut().zip(&low).zip(&high).zip(&p) {
        let s = (l as u128) + (h as u128) + ((pj ^ keep) as u128) + carry;
        carry = s >> 64;
        let s2 = (*tj as u128) + ((s as u64) as u128) + (c as u128);
        *tj = s2 as u64;
        c = (s2 >> 64) as u64;
    }
    // mid's top limb (0 or 1 once the wrap-around of the complement is dropped), then the
    // carry rippling through the rest of t.
    let mid_top = keep.wrapping_add(carry as u64);
    let mut add = (mid_top as u128) + (c as u128);
    for tj in rest.iter_mut() {
        let s = (*tj as u128) + add;
        *tj = s as u64;
        add = s >> 64;
    }
    mont_reduce(&mut t)
}

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

/// The `width`-bit digit of `exp` starting at bit `pos` (bits past the end read as zero).
#[inline(always)]
fn digit(exp: &[u64], pos: usize, width: usize) -> usize {
    let limb = pos / 64;
    let shift = pos % 64;
    let lo = exp.get(limb).copied().unwrap_or(0) >> shift;
    // `<< (64 - shift)` would overflow for shift = 0; two shifts keep it defined.
    let hi = (exp.get(limb + 1).copied().unwrap_or(0) << 1) << (63 - shift);
    ((lo | hi) as usize) & ((1usize << width) - 1)
}

/// Writes `table[index]` into `out` by reading every entry and keeping the one whose position
/// matches under a mask: the memory access pattern does not depend on `index`.
#[inline]
fn ct_select(table: &[Limbs], index: usize, out: &mut Limbs) {
    *out = [0u64; LIMBS];
    for (i, entry) in table.iter().enumerate() {
        // 0 when i == index, non-zero otherwise; fold to a full mask without branching.
        let diff = (i ^ index) as u64;
        let nonzero = (diff | diff.wrapping_neg()) >> 63;
        let mask = std::hint::black_box(nonzero.wrapping_sub(1));
        for (o, e) in out.iter_mut().zip(entry.iter()) {
            *o |= e & mask;
        }
    }
}

/// Window width of the variable-base exponentiation: 5 bits costs 30 multiplications for the
/// table and one per 5 exponent bits, the best trade for 256..600-bit exponents.
const VAR_WINDOW: usize = 5;

/// base^exp mod N in Montgomery form, for a Montgomery-form `base`, processing exactly `nbits`
/// bits of `exp` (little-endian limbs) whatever its value: constant time for a fixed `nbits`.
pub(crate) fn pow_ct(base: &Limbs, exp: &[u64], nbits: usize) -> Limbs {
    let mut table = vec![[0u64; LIMBS]; 1 << VAR_WINDOW];
    table[0] = ONE_MONT;
    table[1] = *base;
    for i in 2..table.len() {
        // Even powers by squaring, which is cheaper than a multiplication (the index is public).
        table[i] = if i % 2 == 0 {
            mont_sqr(&table[i / 2])
        } else {
            mont_mul(&table[i - 1], base)
        };
    }
    let windows = nbits.div_ceil(VAR_WINDOW).max(1);
    let mut acc = [0u64; LIMBS];
    let mut entry = [0u64; LIMBS];
    ct_select(
        &table,
        digit(exp, (windows - 1) * VAR_WINDOW, VAR_WINDOW),
        &mut acc,
    );
    for w in (0..windows - 1).rev() {
        for _ in 0..VAR_WINDOW {
            acc = mont_sqr(&acc);
        }
        ct_select(&table, digit(exp, w * VAR_WINDOW, VAR_WINDOW), &mut entry);
        acc = mont_mul(&acc, &entry);
    }
    entry.zeroize();
    for t in table.iter_mut() {
        t.zeroize();
    }
    acc
}

/// Window width of the fixed-base table for g. 6 bits: g^x (256-bit x, on the client's critical
/// path) takes 43 multiplications, A = g^a 96; the table is 96 rows of 64 entries (2.4 MB),
/// built once per process (about 6,500 multiplications, a few tens of ms). 4 bits would halve
/// neither cost nor memory enough to matter and cost 21 more multiplications for g^x.
const G_WINDOW: usize = 6;
/// Largest exponent the g table covers (the random ephemerals are 576 bits; x is 256).
pub(crate) const G_MAX_BITS: usize = 576;
const G_WINDOWS: usize = G_MAX_BITS.div_ceil(G_WINDOW);

/// `table[j][d] = g^(d * 2^(G_WINDOW * j))` in Montgomery form.
fn g_table() -> &'static [Vec<Limbs>] {
    static TABLE: OnceLock<Vec<Vec<Limbs>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut g = [0u64; LIMBS];
        g[0] = 2;
        let mut base = to_mont(&g);
        let mut rows = Vec::with_capacity(G_WINDOWS);
        for _ in 0..G_WINDOWS {
            let mut row = vec![[0u64; LIMBS]; 1 << G_WINDOW];
            row[0] = ONE_MONT;
            row[1] = base;
            for d in 2..row.len() {
                row[d] = mont_mul(&row[d - 1], &base);
            }
            for _ in 0..G_WINDOW {
                base = mont_sqr(&base);
            }
            rows.push(row);
        }
        rows
    })
}

/// g^exp mod N in Montgomery form, constant time for exponents below 2^nbits, nbits <= 576.
/// One multiplication per 6-bit window and no squarings, thanks to the precomputed table.
pub(crate) fn g_pow_ct(exp: &[u64], nbits: usize) -> Limbs {
    debug_assert!(nbits <= G_MAX_BITS);
    let table = g_table();
    let windows = nbits.div_ceil(G_WINDOW).clamp(1, G_WINDOWS);
    let mut acc = [0u64; LIMBS];
    let mut entry = [0u64; LIMBS];
    ct_select(&table[0], digit(exp, 0, G_WINDOW), &mut acc);
    for (j, row) in table.iter().enumerate().take(windows).skip(1) {
        ct_select(row, digit(exp, j * G_WINDOW, G_WINDOW), &mut entry);
        acc = mont_mul(&acc, &entry);
    }
    entry.zeroize();
    acc
}

/// Forces the g table to be built (benchmarks call this so the one-time cost is not measured).
pub(crate) fn warm_up() {
    let _ = g_table();
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 2x mod N for x < N.
    fn double(x: &Limbs) -> Limbs {
        add_mod(x, x)
    }

    /// A plain operand-scanning Montgomery multiplication (one row of a * b, then one row of
    /// m * N, per limb), kept as an independent oracle for the optimised code.
    fn reference_mont_mul(a: &Limbs, b: &Limbs) -> Limbs {
        let mut t = [0u64; LIMBS + 1];
        for &ai in a.iter() {
            let mut c1 = 0u64;
            for j in 0..LIMBS {
                let s = (t[j] as u128) + (ai as u128) * (b[j] as u128) + (c1 as u128);
                t[j] = s as u64;
                c1 = (s >> 64) as u64;
            }
            let s = (t[LIMBS] as u128) + (c1 as u128);
            t[LIMBS] = s as u64;
            let extra = (s >> 64) as u64;
            let m = t[0].wrapping_mul(N0_INV);
            let mut c2 = 0u64;
            for j in 0..LIMBS {
                let s = (t[j] as u128) + (m as u128) * (N[j] as u128) + (c2 as u128);
                if j > 0 {
                    t[j - 1] = s as u64;
                }
                c2 = (s >> 64) as u64;
            }
            let s = (t[LIMBS] as u128) + (c2 as u128);
            t[LIMBS - 1] = s as u64;
            t[LIMBS] = extra + (s >> 64) as u64;
        }
        let mut low = [0u64; LIMBS];
        low.copy_from_slice(&t[..LIMBS]);
        final_sub(&low, t[LIMBS])
    }

    /// A value below N from 48 arbitrary limbs (clears the top bit, so it is below 2^3071 < N).
    fn below_n(mut limbs: Limbs) -> Limbs {
        limbs[LIMBS - 1] >>= 1;
        limbs
    }

    fn arb_limbs() -> impl Strategy<Value = Limbs> {
        proptest::array::uniform32(any::<u64>()).prop_flat_map(|lo| {
            proptest::array::uniform16(any::<u64>()).prop_map(move |hi| {
                let mut x = [0u64; LIMBS];
                x[..32].copy_from_slice(&lo);
                x[32..].copy_from_slice(&hi);
                x
            })
        })
    }

    proptest! {
        #[test]
        fn mul_matches_reference(a in arb_limbs(), b in arb_limbs()) {
            let (a, b) = (below_n(a), below_n(b));
            prop_assert_eq!(mont_mul(&a, &b), reference_mont_mul(&a, &b));
        }

        #[test]
        fn sqr_matches_reference(a in arb_limbs()) {
            let a = below_n(a);
            prop_assert_eq!(mont_sqr(&a), reference_mont_mul(&a, &a));
        }
    }

    #[test]
    fn extremes_match_reference() {
        // N - 1 and values with all-ones limbs stress every carry chain.
        let n_minus_1 = sub_mod(&[0u64; LIMBS], &ONE_MONT);
        let mut n_minus_1_plain = N;
        n_minus_1_plain[0] -= 1;
        let all_ones_low = below_n([u64::MAX; LIMBS]);
        for x in [n_minus_1, n_minus_1_plain, all_ones_low, ONE_MONT, R2] {
            assert_eq!(mont_sqr(&x), reference_mont_mul(&x, &x));
            for y in [n_minus_1, n_minus_1_plain, all_ones_low, ONE_MONT, R2] {
                assert_eq!(mont_mul(&x, &y), reference_mont_mul(&x, &y));
            }
        }
    }

    #[test]
    fn r2_matches_repeated_doubling() {
        // R mod N doubled 3072 times is R^2 mod N.
        let mut r = ONE_MONT;
        for _ in 0..3072 {
            r = double(&r);
        }
        assert_eq!(r, R2);
    }

    #[test]
    fn n0_inv_is_the_negated_inverse() {
        assert_eq!(N[0].wrapping_mul(N0_INV), u64::MAX);
    }

    #[test]
    fn square_matches_multiply_on_many_values() {
        // An LCG walks values with lo < hi, lo > hi and lo = hi halves.
        let mut state = 0x0123_4567_89ab_cdefu64;
        for round in 0..64 {
            let mut x = [0u64; LIMBS];
            for limb in x.iter_mut() {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                *limb = state;
            }
            if round % 3 == 0 {
                let (lo, hi) = x.split_at_mut(HALF);
                hi.copy_from_slice(lo);
            }
            let x = final_sub(&x, 0);
            assert_eq!(mont_sqr(&x), mont_mul(&x, &x), "round {round}");
        }
    }

    #[test]
    fn square_matches_multiply() {
        let mut x = [0u64; LIMBS];
        for (i, limb) in x.iter_mut().enumerate() {
            *limb = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::MAX;
        }
        let x = final_sub(&x, 0);
        assert_eq!(mont_sqr(&x), mont_mul(&x, &x));
        let n_minus_1 = sub_mod(&[0u64; LIMBS], &ONE_MONT);
        assert_eq!(mont_sqr(&n_minus_1), mont_mul(&n_minus_1, &n_minus_1));
    }

    #[test]
    fn montgomery_round_trip() {
        let mut x = [0u64; LIMBS];
        x[0] = 12345;
        x[47] = 0x1234_5678_9abc_def0;
        assert_eq!(from_mont(&to_mont(&x)), x);
    }

    #[test]
    fn pow_matches_g_table() {
        let exp: [u64; 4] = [0xdead_beef, 0x1234_5678_9abc_def0, u64::MAX, 7];
        let mut g = [0u64; LIMBS];
        g[0] = 2;
        let by_table = from_mont(&g_pow_ct(&exp, 256));
        let by_pow = from_mont(&pow_ct(&to_mont(&g), &exp, 256));
        assert_eq!(by_table, by_pow);
    }

    #[test]
    fn small_powers_of_two() {
        // 2^100 fits without reduction: limb 1 has bit 36 set.
        let exp = [100u64];
        let r = from_mont(&g_pow_ct(&exp, 64));
        let mut want = [0u64; LIMBS];
        want[1] = 1 << 36;
        assert_eq!(r, want);
        let mut g = [0u64; LIMBS];
        g[0] = 2;
        assert_eq!(from_mont(&pow_ct(&to_mont(&g), &exp, 7)), want);
    }

    #[test]
    fn reduce_handles_long_inputs() {
        // N itself, and N followed by 384 zero bytes (N * R), both reduce to 0.
        let n_bytes = to_be_bytes(&N);
        assert!(is_zero(&reduce_be(&n_bytes)));
        let mut long = n_bytes.to_vec();
        long.extend_from_slice(&[0u8; 384]);
        assert!(is_zero(&reduce_be(&long)));
        // 1 followed by 384 zero bytes is R, whose residue is ONE_MONT.
        let mut r = vec![1u8];
        r.extend_from_slice(&[0u8; 384]);
        assert_eq!(reduce_be(&r), ONE_MONT);
        assert!(is_zero(&reduce_be(&[])));
    }

    #[test]
    fn sub_mod_wraps() {
        let mut one = [0u64; LIMBS];
        one[0] = 1;
        let mut two = [0u64; LIMBS];
        two[0] = 2;
        let minus_one = sub_mod(&one, &two);
        let mut want = N;
        want[0] -= 1;
        assert_eq!(minus_one, want);
        assert_eq!(add_mod(&minus_one, &two), one);
    }
}

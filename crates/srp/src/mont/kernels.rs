//! Montgomery multiplication and squaring modulo N: the hot loops every exponentiation runs.
//!
//! The Karatsuba steps are written once, generic over a [`Backend`] that supplies the 24-limb
//! products and squares and the reduction: [`Portable`] (plain `u128` code, every target) or,
//! on x86-64 CPUs with BMI2 and ADX, the `asm!` kernels of `super::x86_64`. [`mont_mul`] and
//! [`mont_sqr`] pick the backend with [`selected`].

use std::sync::atomic::{AtomicU8, Ordering};

use super::{Limbs, LIMBS, N, N0_INV};

/// The three kernels the Karatsuba steps are built on.
pub(super) trait Backend: Copy {
    /// The double-width product of two `HALF`-limb values.
    fn mul_half(self, a: &[u64; HALF], b: &[u64; HALF]) -> [u64; LIMBS];
    /// The double-width square of a `HALF`-limb value.
    fn sqr_half(self, a: &[u64; HALF]) -> [u64; LIMBS];
    /// Montgomery reduction of t < N * R: t * R^-1 mod N, fully reduced.
    fn reduce(self, t: &mut [u64; 2 * LIMBS]) -> Limbs;
}

/// The portable kernels (`u128` arithmetic).
#[derive(Clone, Copy, Debug)]
pub(super) struct Portable;

impl Backend for Portable {
    #[inline]
    fn mul_half(self, a: &[u64; HALF], b: &[u64; HALF]) -> [u64; LIMBS] {
        mul_half(a, b)
    }
    #[inline]
    fn sqr_half(self, a: &[u64; HALF]) -> [u64; LIMBS] {
        sqr_half(a)
    }
    #[inline]
    fn reduce(self, t: &mut [u64; 2 * LIMBS]) -> Limbs {
        mont_reduce(t)
    }
}

/// Which kernels [`mont_mul`] and [`mont_sqr`] use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kernels {
    /// The portable `u128` kernels.
    Portable,
    /// The x86-64 BMI2/ADX kernels.
    Adx,
    /// The exponentiations on x86-64 AVX-512 IFMA (`pow.rs`), every other product on the
    /// BMI2/ADX kernels.
    Ifma,
}

const UNKNOWN: u8 = 0;
const PORTABLE: u8 = 1;
const ADX: u8 = 2;
const IFMA: u8 = 3;

/// The chosen kernels: `UNKNOWN` until the first call asks the CPU, then `PORTABLE` or `ADX`.
static CHOICE: AtomicU8 = AtomicU8::new(UNKNOWN);

/// The fastest kernels this CPU runs, detected once. (A race between two first calls only
/// detects twice, with the same answer.)
#[inline]
pub(crate) fn selected() -> Kernels {
    match CHOICE.load(Ordering::Relaxed) {
        PORTABLE => Kernels::Portable,
        ADX => Kernels::Adx,
        IFMA => Kernels::Ifma,
        _ => {
            let detected = detect();
            CHOICE.store(
                match detected {
                    Kernels::Portable => PORTABLE,
                    Kernels::Adx => ADX,
                    Kernels::Ifma => IFMA,
                },
                Ordering::Relaxed,
            );
            detected
        }
    }
}

/// What the CPU supports.
fn detect() -> Kernels {
    #[cfg(target_arch = "x86_64")]
    if super::x86_64::Ifma::detect().is_some() {
        return Kernels::Ifma;
    }
    #[cfg(target_arch = "x86_64")]
    if super::x86_64::Adx::detect().is_some() {
        return Kernels::Adx;
    }
    Kernels::Portable
}

/// Whether this CPU can run `kernels`.
#[cfg(any(test, feature = "test-util"))]
fn available(kernels: Kernels) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        match kernels {
            Kernels::Portable => true,
            Kernels::Adx => super::x86_64::Adx::detect().is_some(),
            Kernels::Ifma => super::x86_64::Ifma::detect().is_some(),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        kernels == Kernels::Portable
    }
}

/// Forces `kernels` for every later call (tests and benchmarks); returns false, changing
/// nothing, when this CPU cannot run them.
#[cfg(any(test, feature = "test-util"))]
pub(crate) fn force(kernels: Kernels) -> bool {
    if !available(kernels) {
        return false;
    }
    CHOICE.store(
        match kernels {
            Kernels::Portable => PORTABLE,
            Kernels::Adx => ADX,
            Kernels::Ifma => IFMA,
        },
        Ordering::Relaxed,
    );
    true
}

/// Montgomery product a * b * R^-1 mod N for a, b < N, with the selected kernels.
#[inline]
pub(crate) fn mont_mul(a: &Limbs, b: &Limbs) -> Limbs {
    if selected() != Kernels::Portable {
        // `Adx` exists only on x86-64 (elsewhere `selected` only answers `Portable`); the
        // `Ifma` choice implies the CPU has BMI2 and ADX too.
        #[cfg(target_arch = "x86_64")]
        if let Some(adx) = super::x86_64::Adx::detect() {
            return mont_mul_with(adx, a, b);
        }
    }
    mont_mul_with(Portable, a, b)
}

/// Montgomery square a * a * R^-1 mod N for a < N, with the selected kernels.
#[inline]
pub(crate) fn mont_sqr(a: &Limbs) -> Limbs {
    if selected() != Kernels::Portable {
        // `Adx` exists only on x86-64 (elsewhere `selected` only answers `Portable`); the
        // `Ifma` choice implies the CPU has BMI2 and ADX too.
        #[cfg(target_arch = "x86_64")]
        if let Some(adx) = super::x86_64::Adx::detect() {
            return mont_sqr_with(adx, a);
        }
    }
    mont_sqr_with(Portable, a)
}

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
pub(super) fn final_sub(x: &Limbs, top: u64) -> Limbs {
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
pub(super) fn mont_reduce(t: &mut [u64; 2 * LIMBS]) -> Limbs {
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
pub(super) const HALF: usize = LIMBS / 2;

/// Schoolbook square of `HALF` limbs: each off-diagonal product once, doubled by a shift, plus
/// the diagonal (300 limb products instead of 576).
#[inline]
pub(super) fn sqr_half(a: &[u64; HALF]) -> [u64; LIMBS] {
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
    double_add_diagonal(&mut t, a);
    t
}

/// Finishes a square from the sum of its off-diagonal products `t` (each product once): doubles
/// it by a shift and adds the diagonal squares a_i^2, in one pass, two limbs per diagonal term.
#[inline(always)]
pub(super) fn double_add_diagonal(t: &mut [u64; LIMBS], a: &[u64; HALF]) {
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
}

/// Montgomery square.
///
/// The double-width square uses one Karatsuba step with a difference, which needs no sign
/// handling because the difference is squared: with a = hi * 2^1536 + lo,
/// a^2 = hi^2 * 2^3072 + (lo^2 + hi^2 - (lo - hi)^2) * 2^1536 + lo^2. Three 24-limb squares
/// cost 900 limb products against 1,176 for a direct square; then [`mont_reduce`]. Squarings
/// are about 80% of an exponentiation, so this is where savings count.
#[inline]
pub(super) fn mont_sqr_with<K: Backend>(k: K, a: &Limbs) -> Limbs {
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

    let lo2 = k.sqr_half(&lo);
    let hi2 = k.sqr_half(&hi);
    let diff2 = k.sqr_half(&diff);

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
    k.reduce(&mut t)
}

/// Schoolbook product of two `HALF`-limb values: fixed-length rows walked four limbs at a time.
#[inline]
pub(super) fn mul_half(a: &[u64; HALF], b: &[u64; HALF]) -> [u64; LIMBS] {
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
pub(super) fn mont_mul_with<K: Backend>(k: K, a: &Limbs, b: &Limbs) -> Limbs {
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
    let low = k.mul_half(&lo, &blo);
    let high = k.mul_half(&hi, &bhi);
    let p = k.mul_half(&da, &db);

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
    k.reduce(&mut t)
}

//! BMI2/ADX Montgomery kernels and the AVX-512 IFMA almost-Montgomery product for x86-64: the
//! one module of the workspace allowed `unsafe`.
//!
//! The IFMA part (from [`Digits`] down) is described where it starts; the BMI2/ADX part first.
//!
//! Why: the portable kernels spend about 3 cycles per 64x64-bit limb product, because every
//! `u128` multiply-accumulate goes through one carry flag. `mulx` (BMI2) multiplies without
//! touching the flags and `adcx`/`adox` (ADX) add along two independent carry chains (CF and
//! OF), so a row `t += m * b` runs as one instruction stream with both the low and the high
//! halves of the products carried at once. LLVM does not emit these dual chains from `u128`
//! code (measured: `-C target-cpu=native` changed nothing), so they are written here with
//! `asm!`.
//!
//! Safety contract: the instructions exist only on CPUs with BMI2 and ADX. The only way to call
//! a kernel is through an [`Adx`] value, and the only way to get one is [`Adx::detect`], which
//! asks the CPU (`is_x86_feature_detected!`). Every `asm!` block reads and writes only the limbs
//! of the arrays it is handed (fixed lengths, fixed offsets), touches no stack, and does not
//! branch: the instruction sequence and the addresses are the same whatever the values, as in
//! the portable kernels.
//!
//! Tested against the portable kernels (random and edge inputs, `mont/tests.rs`) and by the
//! known-answer vectors on both paths (`tests/vectors.rs`, through the `test-util` switch).
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use core::arch::asm;
use std::sync::OnceLock;

use super::kernels::{Backend, HALF};
use super::{Limbs, LIMBS, N};

/// Proof that the running CPU has BMI2 and ADX: only [`Adx::detect`] makes one.
#[derive(Clone, Copy, Debug)]
pub(super) struct Adx(());

impl Adx {
    /// `Some` when the CPU supports BMI2 and ADX (asked once, then remembered).
    #[inline]
    pub(super) fn detect() -> Option<Adx> {
        static DETECTED: OnceLock<bool> = OnceLock::new();
        let yes = *DETECTED.get_or_init(|| {
            std::is_x86_feature_detected!("bmi2") && std::is_x86_feature_detected!("adx")
        });
        yes.then_some(Adx(()))
    }
}

/// Expands to one `asm!` block computing `t[..L] += m * b[..L]` and evaluating to the limb that
/// carries out of it (t + m * b < 2^(64 (L + 1)), so one limb holds it).
///
/// The arguments after `;` are the byte offsets of the limbs, two per step (an even and an odd
/// limb), so the high half of one product (`h0` or `h1`) is added to the next limb's low half on
/// the OF chain while the old limb of `t` is added on the CF chain. `h1` starts at zero, standing
/// for the high half before limb 0; at the end the last high half absorbs both pending carries.
/// No instruction between the first `adcx`/`adox` and the last one writes CF or OF (`mulx` and
/// `mov` leave them alone).
macro_rules! mul_add_row {
    ($t:expr, $b:expr, $m:expr; $($even:literal, $odd:literal);+ $(;)?) => {{
        let top: u64;
        // SAFETY: the caller (a method of `Adx`) guarantees BMI2 and ADX; `$t` points to L
        // writable limbs and `$b` to L readable limbs, where L is the number of offsets listed,
        // and every memory operand below is one of those limbs. No stack is used; the flags are
        // clobbered (asm! assumes so without `preserves_flags`).
        unsafe {
            asm!(
                // Clears CF and OF, and makes the zero `z` for the final carries.
                "xor {z:e}, {z:e}",
                $(
                    concat!("mulx {h0}, {lo}, qword ptr [{b} + ", $even, "]"),
                    "adox {lo}, {h1}",
                    concat!("adcx {lo}, qword ptr [{t} + ", $even, "]"),
                    concat!("mov qword ptr [{t} + ", $even, "], {lo}"),
                    concat!("mulx {h1}, {lo}, qword ptr [{b} + ", $odd, "]"),
                    "adox {lo}, {h0}",
                    concat!("adcx {lo}, qword ptr [{t} + ", $odd, "]"),
                    concat!("mov qword ptr [{t} + ", $odd, "], {lo}"),
                )+
                "adox {h1}, {z}",
                "adcx {h1}, {z}",
                t = in(reg) $t,
                b = in(reg) $b,
                in("rdx") $m,
                lo = out(reg) _,
                h0 = out(reg) _,
                h1 = inout(reg) 0u64 => top,
                z = out(reg) _,
                options(nostack),
            );
        }
        top
    }};
}

/// Like [`mul_add_row!`], for any number of limbs (one offset per limb): the high half of each
/// product moves to `hp` for the next limb with a `mov` (which leaves the flags alone) instead
/// of alternating two registers.
macro_rules! mul_add_row_any {
    ($t:expr, $b:expr, $m:expr; $($off:literal),+) => {{
        let top: u64;
        // SAFETY: as in `mul_add_row!`: BMI2 and ADX are guaranteed by the `Adx` the caller
        // holds, and every memory operand is `$t` or `$b` plus one of the listed offsets, which
        // the caller has checked to lie inside the arrays. No stack; flags clobbered.
        unsafe {
            asm!(
                "xor {z:e}, {z:e}",
                $(
                    concat!("mulx {hn}, {lo}, qword ptr [{b} + ", $off, "]"),
                    "adox {lo}, {hp}",
                    concat!("adcx {lo}, qword ptr [{t} + ", $off, "]"),
                    concat!("mov qword ptr [{t} + ", $off, "], {lo}"),
                    "mov {hp}, {hn}",
                )+
                "adox {hp}, {z}",
                "adcx {hp}, {z}",
                t = in(reg) $t,
                b = in(reg) $b,
                in("rdx") $m,
                lo = out(reg) _,
                hn = out(reg) _,
                hp = inout(reg) 0u64 => top,
                z = out(reg) _,
                options(nostack),
            );
        }
        top
    }};
}

/// The rows of a `HALF`-limb triangle square: row i adds a_i * a_j for j > i into `t[i + j]`,
/// i.e. `t[2i + 1..i + HALF] += a_i * a[i + 1..HALF]`, and stores its carry in `t[i + HALF]`.
/// Row i is written with the byte offsets 8i..8 * (HALF - 2) from `t[i + 1]` and `a[1]`, so each
/// recursion drops the first offset.
macro_rules! triangle_rows {
    ($t:ident, $a:ident, $i:expr; $first:literal $(, $rest:literal)*) => {
        // Offsets 8i..=8 * 22 from t[i + 1] reach t[2i + 1..=i + 23] and from a[1] reach
        // a[i + 1..=23]: inside the slices t[i + 1..] (to t[47]) and a[1..] (to a[23]).
        $t[$i + HALF] = mul_add_row_any!(
            $t[$i + 1..].as_mut_ptr(), $a[1..].as_ptr(), $a[$i]; $first $(, $rest)*
        );
        triangle_rows!($t, $a, $i + 1; $($rest),*);
    };
    ($t:ident, $a:ident, $i:expr;) => {};
}

impl Adx {
    /// The off-diagonal half of a `HALF`-limb square: each a_i * a_j (i < j) once.
    #[inline(always)]
    fn triangle(self, a: &[u64; HALF]) -> [u64; LIMBS] {
        let mut t = [0u64; LIMBS];
        triangle_rows!(t, a, 0;
            0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88,
            96, 104, 112, 120, 128, 136, 144, 152, 160, 168, 176);
        t
    }

    /// `t += m * b` over `HALF` limbs; returns the carry-out limb.
    #[inline(always)]
    fn row_half(self, t: &mut [u64; HALF], b: &[u64; HALF], m: u64) -> u64 {
        mul_add_row!(t.as_mut_ptr(), b.as_ptr(), m;
            0, 8; 16, 24; 32, 40; 48, 56; 64, 72; 80, 88;
            96, 104; 112, 120; 128, 136; 144, 152; 160, 168; 176, 184)
    }

    /// `t += m * b` over `LIMBS` limbs; returns the carry-out limb.
    #[inline(always)]
    fn row_full(self, t: &mut [u64; LIMBS], b: &Limbs, m: u64) -> u64 {
        mul_add_row!(t.as_mut_ptr(), b.as_ptr(), m;
            0, 8; 16, 24; 32, 40; 48, 56; 64, 72; 80, 88;
            96, 104; 112, 120; 128, 136; 144, 152; 160, 168; 176, 184;
            192, 200; 208, 216; 224, 232; 240, 248; 256, 264; 272, 280;
            288, 296; 304, 312; 320, 328; 336, 344; 352, 360; 368, 376)
    }
}

// The offsets above list exactly HALF and LIMBS limbs.
const _: () = assert!(HALF == 24 && LIMBS == 48);

/// The `W`-limb window of `t` starting at limb `i`.
#[inline(always)]
fn window<const W: usize, const T: usize>(t: &mut [u64; T], i: usize) -> &mut [u64; W] {
    match (&mut t[i..i + W]).try_into() {
        Ok(w) => w,
        // The slice has exactly W limbs.
        Err(_) => unreachable!("a window of W limbs"),
    }
}

impl Backend for Adx {
    #[inline]
    fn mul_half(self, a: &[u64; HALF], b: &[u64; HALF]) -> [u64; LIMBS] {
        let mut t = [0u64; LIMBS];
        for (i, &ai) in a.iter().enumerate() {
            // Row i touches limbs i..i + HALF, and limb i + HALF is still zero.
            t[i + HALF] = self.row_half(window(&mut t, i), b, ai);
        }
        t
    }

    #[inline]
    fn sqr_half(self, a: &[u64; HALF]) -> [u64; LIMBS] {
        let mut t = self.triangle(a);
        super::kernels::double_add_diagonal(&mut t, a);
        t
    }

    #[inline]
    fn reduce(self, t: &mut [u64; 2 * LIMBS]) -> Limbs {
        // N = -1 mod 2^64 (asserted in `kernels`), so each Montgomery digit is the low limb.
        let mut extra = 0u64; // carry into limb i + LIMBS from the previous row
        for i in 0..LIMBS {
            let m = t[i];
            let c = self.row_full(window(t, i), &N, m);
            let (s, e1) = t[i + LIMBS].overflowing_add(c);
            let (s, e2) = s.overflowing_add(extra);
            t[i + LIMBS] = s;
            // t[i + LIMBS] + c + extra < 2^65: at most one of the two additions carries.
            extra = (e1 | e2) as u64;
        }
        let mut high = [0u64; LIMBS];
        high.copy_from_slice(&t[LIMBS..]);
        super::kernels::final_sub(&high, extra)
    }
}

// AVX-512 IFMA.
//
// Why: `vpmadd52luq`/`vpmadd52huq` multiply eight pairs of 52-bit digits per instruction and
// add the low or high 52 bits of each 104-bit product to a 64-bit lane, so a lane can take
// hundreds of products before it must be normalized; a CPU with two such units does 16
// digit products per cycle where `mulx` does one 64-bit product. A 3072-bit product is 60 steps
// of 32 of these instructions (the digit times b, m times N, low and high halves), against
// about 3,200 (square) to 4,000 (product) 64-bit `mulx` products on the ADX path.
//
// Safety contract, as for `Adx`: the only way to run these instructions is through an
// [`Ifma`], made only by [`Ifma::detect`] after `is_x86_feature_detected!`; the vector code is
// in `#[target_feature]` functions that read and write only the arrays they are handed, at
// fixed offsets; nothing branches on, or addresses memory by, the values (the carries are
// resolved with lane masks, the digit m is a broadcast).

/// 52-bit digits of a value below 2^3120, in 64-bit lanes: 60 digits, padded to 64 lanes
/// (eight 512-bit vectors) with zeros.
pub(super) type Digits = [u64; DIGIT_LANES];
/// Lanes of a [`Digits`] (eight vectors of eight).
pub(super) const DIGIT_LANES: usize = 64;
/// Digits in use: 60 x 52 = 3120 bits, so R' = 2^3120 > 4N as almost-Montgomery needs.
pub(super) const DIGITS: usize = 60;
const MASK52: u64 = (1 << 52) - 1;

/// The 52-bit digits of `top * 2^3072 + x` (top is 0 or 1).
pub(super) const fn to_digits(x: &Limbs, top: u64) -> Digits {
    let mut out = [0u64; DIGIT_LANES];
    let mut d = 0;
    while d < DIGITS {
        let bit = 52 * d;
        let (limb, shift) = (bit / 64, bit % 64);
        let lo = if limb < LIMBS { x[limb] >> shift } else { 0 };
        let hi = if shift > 12 {
            if limb + 1 < LIMBS {
                x[limb + 1] << (64 - shift)
            } else {
                top << (64 - shift)
            }
        } else if limb == LIMBS {
            top
        } else {
            0
        };
        out[d] = (lo | hi) & MASK52;
        d += 1;
    }
    out
}

/// The inverse of [`to_digits`] for normalized digits of a value below 2^3073: (x, top).
pub(super) fn from_digits(d: &Digits) -> (Limbs, u64) {
    let mut out = [0u64; LIMBS];
    let mut top = 0u64;
    for (i, &digit) in d.iter().take(DIGITS).enumerate() {
        let bit = 52 * i;
        let (limb, shift) = (bit / 64, bit % 64);
        out[limb] |= digit << shift;
        if shift > 12 {
            // The digit's upper bits continue in the next limb (or above bit 3071).
            if limb + 1 < LIMBS {
                out[limb + 1] |= digit >> (64 - shift);
            } else {
                top |= digit >> (64 - shift);
            }
        }
    }
    (out, top)
}

/// N in 52-bit digits.
const N52: Digits = to_digits(&N, 0);

// The Montgomery digit of a step is the accumulator's low digit itself: -N^-1 = 1 mod 2^52,
// i.e. N's low digit is 2^52 - 1.
const _: () = assert!(N52[0] == MASK52);

/// N's digits one lane up (lane 0 zero), for the high halves of the products by m.
const N52_UP: Digits = {
    let mut up = [0u64; DIGIT_LANES];
    let mut i = 1;
    while i < DIGIT_LANES {
        up[i] = N52[i - 1];
        i += 1;
    }
    up
};

/// Proof that the running CPU has AVX-512F and AVX-512 IFMA (and BMI2/ADX, which the other
/// kernels of a process using these need): only [`Ifma::detect`] makes one.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ifma(());

impl Ifma {
    /// `Some` when the CPU supports AVX-512F, AVX-512 IFMA, BMI2 and ADX (asked once).
    #[inline]
    pub(super) fn detect() -> Option<Ifma> {
        static DETECTED: OnceLock<bool> = OnceLock::new();
        let yes = *DETECTED.get_or_init(|| {
            Adx::detect().is_some()
                && std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512ifma")
        });
        yes.then_some(Ifma(()))
    }

    /// Almost-Montgomery product a * b / 2^3120 mod N for normalized digits of a, b < 2N:
    /// normalized digits of a value below 2N (not fully reduced).
    #[inline]
    pub(super) fn amm(self, a: &Digits, b: &Digits) -> Digits {
        // SAFETY: an `Ifma` exists only when the CPU has AVX-512F and AVX-512 IFMA, the
        // features `amm_ifma` is compiled for.
        unsafe { amm_ifma(a, b) }
    }

    /// [`normalize`] on lanes given in memory (for tests).
    #[cfg(test)]
    pub(super) fn normalize(self, lanes: &Digits) -> Digits {
        use core::arch::x86_64::{__m512i, _mm512_loadu_si512, _mm512_setzero_si512};
        // SAFETY: an `Ifma` proves AVX-512F; the loads read lanes 8k..8k + 8 of `lanes`.
        unsafe {
            let mut r: [__m512i; 8] = [_mm512_setzero_si512(); 8];
            for (k, rk) in r.iter_mut().enumerate() {
                *rk = _mm512_loadu_si512(lanes.as_ptr().add(8 * k).cast());
            }
            normalize(r)
        }
    }

    /// The constant-time table selection of `pow.rs` (every entry read, kept under a mask),
    /// compiled for AVX-512F so the masked copy runs on 512-bit vectors.
    #[inline]
    pub(super) fn select<const L: usize>(
        self,
        table: &[[u64; L]],
        index: usize,
        out: &mut [u64; L],
    ) {
        // SAFETY: an `Ifma` exists only when the CPU has AVX-512F, the feature
        // `select_avx512` is compiled for.
        unsafe { select_avx512(table, index, out) }
    }
}

/// [`super::pow::ct_select`] (inlined, the same source) with AVX-512F enabled.
#[target_feature(enable = "avx512f")]
fn select_avx512<const L: usize>(table: &[[u64; L]], index: usize, out: &mut [u64; L]) {
    super::pow::ct_select(table, index, out);
}

/// Word-by-word almost-Montgomery multiplication with 52-bit digits in 64-bit lanes.
///
/// Each of the 60 steps adds a_i * b and m * N (m the step's Montgomery digit: the low digit
/// of the accumulator, since -N^-1 = 1 mod 2^52), then drops the low digit (now a multiple of
/// 2^52) and carries it into the next. The low halves of the 104-bit products
/// (`vpmadd52luq`) land in the lanes of their digits, the high halves (`vpmadd52huq`) one lane
/// up, through copies of b and N shifted up by one lane; lanes are not normalized inside the
/// loop (each gains less than 2^55 per step, 60 steps stay below 2^61); [`normalize`] carries
/// them at the end. No branch or address depends on the values.
#[target_feature(enable = "avx512f,avx512ifma")]
fn amm_ifma(a: &Digits, b: &Digits) -> Digits {
    use core::arch::x86_64::*;
    const V: usize = DIGIT_LANES / 8;
    let load = |x: &Digits| -> [__m512i; V] {
        let mut out = [_mm512_setzero_si512(); V];
        for (k, o) in out.iter_mut().enumerate() {
            // SAFETY: lanes 8k..8k + 8 lie inside the 64 lanes of `x`; unaligned load.
            *o = unsafe { _mm512_loadu_si512(x.as_ptr().add(8 * k).cast()) };
        }
        out
    };
    let zero = _mm512_setzero_si512();
    let bv = load(b);
    // b shifted up by one lane (lane 0 zero), for the high halves.
    let mut bu = [zero; V];
    bu[0] = _mm512_alignr_epi64::<7>(bv[0], zero);
    for k in 1..V {
        bu[k] = _mm512_alignr_epi64::<7>(bv[k], bv[k - 1]);
    }
    let mut r = [zero; V];
    for &ai in a.iter().take(DIGITS) {
        let bi = _mm512_set1_epi64(ai as i64);
        let mut x = [zero; V];
        let mut y = [zero; V];
        for k in 0..V {
            x[k] = _mm512_madd52lo_epu64(r[k], bi, bv[k]);
            y[k] = _mm512_madd52hi_epu64(zero, bi, bu[k]);
        }
        // m in every lane: the accumulator's low lane, whose upper 12 bits the products ignore
        // (vpmadd52 reads 52 bits of each factor), so no mask and no trip through a register.
        let mv = _mm512_broadcastq_epi64(_mm512_castsi512_si128(x[0]));
        m_products(&mut x, &mut y, mv, &N52, &N52_UP);
        // The low digit is now a multiple of 2^52; what carries out of it (in lane 0).
        let carry = _mm512_srli_epi64::<52>(x[0]);
        let mut z = [zero; V];
        for k in 0..V {
            z[k] = _mm512_add_epi64(x[k], y[k]);
        }
        for k in 0..V - 1 {
            r[k] = _mm512_alignr_epi64::<1>(z[k + 1], z[k]);
        }
        r[V - 1] = _mm512_alignr_epi64::<1>(zero, z[V - 1]);
        r[0] = _mm512_mask_add_epi64(r[0], 1, r[0], carry);
    }
    normalize(r)
}

/// Normalized digits of the value whose (possibly wide, below 2^61) 52-bit digits are the lanes
/// of `r`; the value must be below 2^3120.
#[inline]
#[target_feature(enable = "avx512f")]
fn normalize(mut r: [core::arch::x86_64::__m512i; 8]) -> Digits {
    use core::arch::x86_64::*;
    const V: usize = DIGIT_LANES / 8;
    let zero = _mm512_setzero_si512();
    // Normalize, in the vectors. First every lane's carry (below 2^9) moves one lane up; then
    // each lane is at most 2^52 + 2^9, so carries are 0 or 1 and can only ripple through lanes
    // equal to 2^52 - 1. Those ripples are resolved at once on 64-lane bit masks, like a
    // carry-lookahead adder: with G the lanes above 2^52 - 1 (they carry) and P the lanes equal
    // to it (they pass a carry on), the lanes that receive a carry are ((G << 1) + P) ^ P.
    // The value is below 2N < 2^3120, so nothing carries out of lane 59.
    let mask = _mm512_set1_epi64(MASK52 as i64);
    let mut carries = [zero; V];
    for k in 0..V {
        carries[k] = _mm512_srli_epi64::<52>(r[k]);
        r[k] = _mm512_and_si512(r[k], mask);
    }
    r[0] = _mm512_add_epi64(r[0], _mm512_alignr_epi64::<7>(carries[0], zero));
    for k in 1..V {
        r[k] = _mm512_add_epi64(r[k], _mm512_alignr_epi64::<7>(carries[k], carries[k - 1]));
    }
    let mut generate = 0u64;
    let mut propagate = 0u64;
    for (k, rk) in r.iter().enumerate() {
        generate |= u64::from(_mm512_cmpgt_epu64_mask(*rk, mask)) << (8 * k);
        propagate |= u64::from(_mm512_cmpeq_epu64_mask(*rk, mask)) << (8 * k);
    }
    let receive = ((generate << 1).wrapping_add(propagate)) ^ propagate;
    let one = _mm512_set1_epi64(1);
    let mut out = [0u64; DIGIT_LANES];
    for (k, rk) in r.iter().enumerate() {
        let lanes = (receive >> (8 * k)) as u8;
        let d = _mm512_and_si512(_mm512_mask_add_epi64(*rk, lanes, *rk, one), mask);
        // SAFETY: lanes 8k..8k + 8 lie inside the 64 lanes of `out`; unaligned store.
        unsafe { _mm512_storeu_si512(out.as_mut_ptr().add(8 * k).cast(), d) };
    }
    out
}

/// `x[k] += lo52(m * N_k)` and `y[k] += hi52(m * Nup_k)` for the eight vectors, lane 0 first.
///
/// One `asm!` block so the two products of vector 0, which the next Montgomery digit waits
/// for, issue before the fourteen others (the compiler otherwise schedules them last, and the
/// CPU's oldest-first issue then delays the whole step by several cycles).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn m_products(
    x: &mut [core::arch::x86_64::__m512i; 8],
    y: &mut [core::arch::x86_64::__m512i; 8],
    m: core::arch::x86_64::__m512i,
    n: &Digits,
    nu: &Digits,
) {
    // SAFETY: only called from `amm_ifma`, compiled with AVX-512F and AVX-512 IFMA, which an
    // `Ifma` proves the CPU has. The memory operands are the 64 lanes of `n` and of `nu`
    // (offsets 0..448 bytes, 64 bytes each); nothing else is touched, no stack, no branch.
    unsafe {
        asm!(
            "vpmadd52luq {x0}, {m}, zmmword ptr [{n}]",
            "vpmadd52huq {y0}, {m}, zmmword ptr [{nu}]",
            "vpmadd52luq {x1}, {m}, zmmword ptr [{n} + 64]",
            "vpmadd52huq {y1}, {m}, zmmword ptr [{nu} + 64]",
            "vpmadd52luq {x2}, {m}, zmmword ptr [{n} + 128]",
            "vpmadd52huq {y2}, {m}, zmmword ptr [{nu} + 128]",
            "vpmadd52luq {x3}, {m}, zmmword ptr [{n} + 192]",
            "vpmadd52huq {y3}, {m}, zmmword ptr [{nu} + 192]",
            "vpmadd52luq {x4}, {m}, zmmword ptr [{n} + 256]",
            "vpmadd52huq {y4}, {m}, zmmword ptr [{nu} + 256]",
            "vpmadd52luq {x5}, {m}, zmmword ptr [{n} + 320]",
            "vpmadd52huq {y5}, {m}, zmmword ptr [{nu} + 320]",
            "vpmadd52luq {x6}, {m}, zmmword ptr [{n} + 384]",
            "vpmadd52huq {y6}, {m}, zmmword ptr [{nu} + 384]",
            "vpmadd52luq {x7}, {m}, zmmword ptr [{n} + 448]",
            "vpmadd52huq {y7}, {m}, zmmword ptr [{nu} + 448]",
            x0 = inout(zmm_reg) x[0],
            x1 = inout(zmm_reg) x[1],
            x2 = inout(zmm_reg) x[2],
            x3 = inout(zmm_reg) x[3],
            x4 = inout(zmm_reg) x[4],
            x5 = inout(zmm_reg) x[5],
            x6 = inout(zmm_reg) x[6],
            x7 = inout(zmm_reg) x[7],
            y0 = inout(zmm_reg) y[0],
            y1 = inout(zmm_reg) y[1],
            y2 = inout(zmm_reg) y[2],
            y3 = inout(zmm_reg) y[3],
            y4 = inout(zmm_reg) y[4],
            y5 = inout(zmm_reg) y[5],
            y6 = inout(zmm_reg) y[6],
            y7 = inout(zmm_reg) y[7],
            m = in(zmm_reg) m,
            n = in(reg) n.as_ptr(),
            nu = in(reg) nu.as_ptr(),
            options(nostack, preserves_flags, readonly),
        );
    }
}

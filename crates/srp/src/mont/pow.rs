//! Constant-time exponentiation: a fixed-window ladder for variable bases and a precomputed
//! fixed-base table for the generator g = 2.

use std::sync::OnceLock;

use zeroize::Zeroize;

use super::*;

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
#[inline(always)]
pub(super) fn ct_select<const L: usize>(table: &[[u64; L]], index: usize, out: &mut [u64; L]) {
    *out = [0u64; L];
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
    #[cfg(target_arch = "x86_64")]
    if selected() == Kernels::Ifma {
        if let Some(ifma) = Ifma::detect() {
            return ifma_pow::pow_ct(ifma, base, exp, nbits);
        }
    }
    pow_ct_mont(base, exp, nbits)
}

/// [`pow_ct`] with Montgomery products over 64-bit limbs ([`mont_mul`], [`mont_sqr`]).
pub(super) fn pow_ct_mont(base: &Limbs, exp: &[u64], nbits: usize) -> Limbs {
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
    #[cfg(target_arch = "x86_64")]
    if selected() == Kernels::Ifma {
        if let Some(ifma) = Ifma::detect() {
            return ifma_pow::g_pow_ct(ifma, exp, nbits);
        }
    }
    g_pow_ct_mont(exp, nbits)
}

/// [`g_pow_ct`] with Montgomery products over 64-bit limbs ([`mont_mul`]).
pub(super) fn g_pow_ct_mont(exp: &[u64], nbits: usize) -> Limbs {
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

/// `x^(2^n)` in Montgomery form: `n` squarings of a Montgomery-form `x` (constant time for a
/// fixed `n`).
pub(crate) fn sqr_n(x: &Limbs, n: usize) -> Limbs {
    #[cfg(target_arch = "x86_64")]
    if selected() == Kernels::Ifma {
        if let Some(ifma) = Ifma::detect() {
            return ifma_pow::sqr_n(ifma, x, n);
        }
    }
    let mut acc = *x;
    for _ in 0..n {
        acc = mont_sqr(&acc);
    }
    acc
}

/// Forces the g table to be built (benchmarks call this so the one-time cost is not measured).
pub(crate) fn warm_up() {
    let _ = g_table();
    #[cfg(target_arch = "x86_64")]
    let _ = ifma_pow::consts();
}

#[cfg(target_arch = "x86_64")]
use super::kernels::{selected, Kernels};
#[cfg(target_arch = "x86_64")]
use super::x86_64::Ifma;

/// The exponentiations on AVX-512 IFMA: the same windows and constant-time selections, with
/// almost-Montgomery products over 52-bit digits (`Ifma::amm`, R' = 2^3120) instead of
/// Montgomery products over 64-bit limbs (R = 2^3072). Values enter R'-form on the way in and
/// leave it on the way out, each with one product by a constant; in between they stay below 2N
/// (not fully reduced), and the last step reduces them.
#[cfg(target_arch = "x86_64")]
pub(super) mod ifma_pow {
    use super::super::x86_64::{from_digits, to_digits, Digits, Ifma, DIGIT_LANES};
    use super::*;

    /// The constants of the conversions: `c[k]` = 2^(3120 + 48 k) mod N in digits, for
    /// k = 0..=G_WINDOWS (`c[0]` is R' mod N, the R'-form of 1; `c[1]` takes a value from
    /// R-form to R'-form), and `r` = R mod N in digits (from R'-form back to R-form).
    pub(super) struct Consts {
        pub(super) c: Vec<Digits>,
        pub(super) r: Digits,
    }

    /// 2^e mod N (not in Montgomery form) for e a multiple of 8.
    pub(in crate::mont) fn pow2_mod(e: usize) -> Limbs {
        let mut bytes = vec![0u8; e / 8 + 1];
        bytes[0] = 1;
        reduce_be(&bytes)
    }

    pub(super) fn consts() -> &'static Consts {
        static CONSTS: OnceLock<Consts> = OnceLock::new();
        CONSTS.get_or_init(|| Consts {
            c: (0..=G_WINDOWS)
                .map(|k| to_digits(&pow2_mod(3120 + 48 * k), 0))
                .collect(),
            r: to_digits(&ONE_MONT, 0),
        })
    }

    /// From R'-form (digits of a value below 2N) to fully reduced R-form limbs.
    fn leave(ifma: Ifma, x: &Digits) -> Limbs {
        let (limbs, top) = from_digits(&ifma.amm(x, &consts().r));
        final_sub(&limbs, top)
    }

    /// [`super::sqr_n`] on IFMA.
    pub(in crate::mont) fn sqr_n(ifma: Ifma, x: &Limbs, n: usize) -> Limbs {
        let mut acc = ifma.amm(&to_digits(x, 0), &consts().c[1]);
        for _ in 0..n {
            acc = ifma.amm(&acc, &acc);
        }
        let out = leave(ifma, &acc);
        acc.zeroize();
        out
    }

    /// [`super::pow_ct`] on IFMA.
    pub(in crate::mont) fn pow_ct(ifma: Ifma, base: &Limbs, exp: &[u64], nbits: usize) -> Limbs {
        let c = consts();
        let mut b = ifma.amm(&to_digits(base, 0), &c.c[1]);
        let mut table = vec![[0u64; DIGIT_LANES]; 1 << VAR_WINDOW];
        table[0] = c.c[0];
        table[1] = b;
        for i in 2..table.len() {
            table[i] = if i % 2 == 0 {
                ifma.amm(&table[i / 2], &table[i / 2])
            } else {
                ifma.amm(&table[i - 1], &b)
            };
        }
        let windows = nbits.div_ceil(VAR_WINDOW).max(1);
        let mut acc = [0u64; DIGIT_LANES];
        let mut entry = [0u64; DIGIT_LANES];
        ifma.select(
            &table,
            digit(exp, (windows - 1) * VAR_WINDOW, VAR_WINDOW),
            &mut acc,
        );
        for w in (0..windows - 1).rev() {
            for _ in 0..VAR_WINDOW {
                acc = ifma.amm(&acc, &acc);
            }
            ifma.select(&table, digit(exp, w * VAR_WINDOW, VAR_WINDOW), &mut entry);
            acc = ifma.amm(&acc, &entry);
        }
        let out = leave(ifma, &acc);
        acc.zeroize();
        entry.zeroize();
        b.zeroize();
        for t in table.iter_mut() {
            t.zeroize();
        }
        out
    }

    /// [`super::g_pow_ct`] on IFMA. The table stays in R-form (64-bit limbs, as built): each
    /// product of the R'-form accumulator by an R-form entry divides by R' and multiplies by
    /// R, a factor 2^-48 that a product by `c[k]` undoes after k of them.
    pub(in crate::mont) fn g_pow_ct(ifma: Ifma, exp: &[u64], nbits: usize) -> Limbs {
        let table = g_table();
        let windows = nbits.div_ceil(G_WINDOW).clamp(1, G_WINDOWS);
        let mut sel = [0u64; LIMBS];
        ifma.select(&table[0], digit(exp, 0, G_WINDOW), &mut sel);
        let mut acc = to_digits(&sel, 0);
        let mut entry;
        for (j, row) in table.iter().enumerate().take(windows).skip(1) {
            ifma.select(row, digit(exp, j * G_WINDOW, G_WINDOW), &mut sel);
            entry = to_digits(&sel, 0);
            acc = ifma.amm(&acc, &entry);
            entry.zeroize();
        }
        // acc = g^exp R^windows / R'^(windows - 1), so acc c[windows - 1] / R' = g^exp R:
        // the R-form result, below 2N.
        acc = ifma.amm(&acc, &consts().c[windows - 1]);
        let (limbs, top) = from_digits(&acc);
        let out = final_sub(&limbs, top);
        acc.zeroize();
        sel.zeroize();
        out
    }
}

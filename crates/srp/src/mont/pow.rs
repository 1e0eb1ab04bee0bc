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

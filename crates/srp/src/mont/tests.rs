use super::kernels::HALF;
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

/// The x86-64 BMI2/ADX kernels against the portable ones, operation by operation.
#[cfg(target_arch = "x86_64")]
mod adx {
    use super::super::kernels::{mont_mul_with, mont_sqr_with, Backend, Kernels, Portable, HALF};
    use super::super::x86_64::Adx;
    use super::*;

    /// The ADX kernels, or `None` (the test then has nothing to compare) on a CPU without them;
    /// `detection_agrees_with_cpuinfo` makes sure that is only when the CPU really lacks them.
    fn adx() -> Option<Adx> {
        let adx = Adx::detect();
        if adx.is_none() {
            eprintln!("CPU without BMI2/ADX: the ADX kernels are not tested on this machine");
        }
        adx
    }

    #[test]
    fn detection_agrees_with_cpuinfo() {
        let Ok(flags) = std::fs::read_to_string("/proc/cpuinfo") else {
            return;
        };
        let has = |f: &str| flags.split_whitespace().any(|w| w == f);
        let adx = has("bmi2") && has("adx");
        let ifma = adx && has("avx512f") && has("avx512ifma");
        assert_eq!(Adx::detect().is_some(), adx);
        assert_eq!(super::super::x86_64::Ifma::detect().is_some(), ifma);
        assert_eq!(
            selected(),
            if ifma {
                Kernels::Ifma
            } else if adx {
                Kernels::Adx
            } else {
                Kernels::Portable
            },
            "the default path is the best the CPU has"
        );
    }

    fn half(x: &Limbs, upper: bool) -> [u64; HALF] {
        let mut h = [0u64; HALF];
        h.copy_from_slice(if upper { &x[HALF..] } else { &x[..HALF] });
        h
    }

    /// Edge values below N: 0, 1, N - 1, R mod N, R^2 mod N, all-ones limbs below N, 2^3071,
    /// and R - 1 - N (the largest value whose sum with N fits in 3072 bits) and its neighbours.
    fn edges() -> Vec<Limbs> {
        let mut one = [0u64; LIMBS];
        one[0] = 1;
        let mut n_minus_1 = N;
        n_minus_1[0] -= 1;
        let mut top_bit = [0u64; LIMBS];
        top_bit[LIMBS - 1] = 1 << 63;
        let mut low_ones = [0u64; LIMBS];
        low_ones[..HALF].fill(u64::MAX);
        let mut high_ones = [0u64; LIMBS];
        high_ones[HALF..].fill(u64::MAX);
        let high_ones = final_sub(&high_ones, 0);
        vec![
            [0u64; LIMBS],
            one,
            n_minus_1,
            sub_mod(&n_minus_1, &one),
            ONE_MONT,
            sub_mod(&ONE_MONT, &one),
            add_mod(&ONE_MONT, &one),
            R2,
            below_n([u64::MAX; LIMBS]),
            top_bit,
            low_ones,
            high_ones,
        ]
    }

    /// t = hi * R + lo with hi < N: any such t is below N * R, the reduction's precondition.
    fn wide(lo: &Limbs, hi: &Limbs) -> [u64; 2 * LIMBS] {
        let mut t = [0u64; 2 * LIMBS];
        t[..LIMBS].copy_from_slice(lo);
        t[LIMBS..].copy_from_slice(hi);
        t
    }

    fn check_pair(adx: Adx, a: &Limbs, b: &Limbs) {
        assert_eq!(mont_mul_with(adx, a, b), mont_mul_with(Portable, a, b));
        assert_eq!(mont_mul_with(adx, a, b), reference_mont_mul(a, b));
        assert_eq!(mont_sqr_with(adx, a), mont_sqr_with(Portable, a));
        assert_eq!(mont_sqr_with(adx, a), reference_mont_mul(a, a));
        for (x, y) in [(false, false), (true, true), (false, true)] {
            let (ha, hb) = (half(a, x), half(b, y));
            assert_eq!(adx.mul_half(&ha, &hb), Portable.mul_half(&ha, &hb));
            assert_eq!(adx.sqr_half(&ha), Portable.sqr_half(&ha));
        }
        let mut t1 = wide(a, b);
        let mut t2 = t1;
        assert_eq!(adx.reduce(&mut t1), Portable.reduce(&mut t2));
        // Any low half, including all-ones limbs that the values below N cannot have.
        let mut t1 = wide(&[u64::MAX; LIMBS], b);
        let mut t2 = t1;
        assert_eq!(adx.reduce(&mut t1), Portable.reduce(&mut t2));
    }

    #[test]
    fn edge_values_match_portable() {
        let Some(adx) = adx() else { return };
        let edges = edges();
        for a in &edges {
            for b in &edges {
                check_pair(adx, a, b);
            }
        }
    }

    proptest! {
        #[test]
        fn random_values_match_portable(a in arb_limbs(), b in arb_limbs(), lo in arb_limbs()) {
            let Some(adx) = adx() else { return Ok(()) };
            let (a, b) = (below_n(a), below_n(b));
            check_pair(adx, &a, &b);
            // A random low half under a random high half below N.
            let mut t1 = wide(&lo, &a);
            let mut t2 = t1;
            prop_assert_eq!(adx.reduce(&mut t1), Portable.reduce(&mut t2));
            let ha = half(&lo, true);
            let hb = half(&lo, false);
            prop_assert_eq!(adx.mul_half(&ha, &hb), Portable.mul_half(&ha, &hb));
            prop_assert_eq!(adx.sqr_half(&ha), Portable.sqr_half(&ha));
        }

        #[test]
        fn random_exponentiations_match_portable(base in arb_limbs(), e in any::<[u64; 4]>()) {
            // A whole ladder, forced onto each path in turn through the backend-generic
            // kernels, must agree (catches any state a kernel leaves behind).
            let Some(adx) = adx() else { return Ok(()) };
            let base = to_mont(&below_n(base));
            let mut acc_adx = base;
            let mut acc_portable = base;
            for limb in e {
                for bit in 0..64 {
                    acc_adx = mont_sqr_with(adx, &acc_adx);
                    acc_portable = mont_sqr_with(Portable, &acc_portable);
                    if (limb >> bit) & 1 == 1 {
                        acc_adx = mont_mul_with(adx, &acc_adx, &base);
                        acc_portable = mont_mul_with(Portable, &acc_portable, &base);
                    }
                }
            }
            prop_assert_eq!(acc_adx, acc_portable);
        }
    }
}

/// The AVX-512 IFMA almost-Montgomery product and exponentiations against the 64-bit-limb ones.
#[cfg(target_arch = "x86_64")]
mod ifma {
    use super::super::pow::{g_pow_ct_mont, ifma_pow, pow_ct_mont};
    use super::super::x86_64::{from_digits, to_digits, Digits, Ifma, DIGITS, DIGIT_LANES};
    use super::*;

    fn ifma() -> Option<Ifma> {
        let ifma = Ifma::detect();
        if ifma.is_none() {
            eprintln!("CPU without AVX-512 IFMA: the IFMA kernels are not tested on this machine");
        }
        ifma
    }

    /// x mod N from digits of a value below 2N, checking the digits are normalized.
    fn reduced(d: &Digits) -> Limbs {
        assert!(d.iter().all(|&x| x < 1 << 52), "digits normalized");
        assert!(d[DIGITS..].iter().all(|&x| x == 0), "padding lanes zero");
        let (limbs, top) = from_digits(d);
        assert!(top <= 1);
        final_sub(&limbs, top)
    }

    /// a * b / 2^3120 mod N through the 64-bit-limb product: mont_mul divides by 2^3072, a
    /// product by 2^3024 mod N divides by 2^48 more.
    fn expected_amm(a: &Limbs, b: &Limbs) -> Limbs {
        let k = ifma_pow::pow2_mod(3024);
        reference_mont_mul(&reference_mont_mul(a, b), &k)
    }

    /// Values below N and, with `top`, their sums with N (below 2N, as the products see).
    fn check_amm(ifma: Ifma, a: &Limbs, b: &Limbs) {
        let want = expected_amm(a, b);
        let (da, db) = (to_digits(a, 0), to_digits(b, 0));
        assert_eq!(reduced(&ifma.amm(&da, &db)), want);
        assert_eq!(reduced(&ifma.amm(&db, &da)), want);
        assert_eq!(reduced(&ifma.amm(&da, &da)), expected_amm(a, a));
        // a + N and b + N (below 2N since a, b < N): same residues.
        let plus_n = |x: &Limbs| {
            let mut s = [0u64; LIMBS];
            let mut carry = 0u64;
            for i in 0..LIMBS {
                let (s1, c1) = x[i].overflowing_add(N[i]);
                let (s2, c2) = s1.overflowing_add(carry);
                s[i] = s2;
                carry = (c1 | c2) as u64;
            }
            to_digits(&s, carry)
        };
        let (pa, pb) = (plus_n(a), plus_n(b));
        assert_eq!(reduced(&ifma.amm(&pa, &pb)), want);
        assert_eq!(reduced(&ifma.amm(&pa, &db)), want);
        assert_eq!(reduced(&ifma.amm(&pa, &pa)), expected_amm(a, a));
    }

    /// Carry propagation one lane at a time, the oracle for the vector normalization.
    fn normalize_scalar(lanes: &Digits) -> Digits {
        let mut out = *lanes;
        let mut carry = 0u64;
        for d in out.iter_mut() {
            let s = *d + carry;
            *d = s & ((1 << 52) - 1);
            carry = s >> 52;
        }
        assert_eq!(carry, 0);
        out
    }

    #[test]
    fn normalization_matches_scalar_carries() {
        let Some(ifma) = ifma() else { return };
        let mask = (1u64 << 52) - 1;
        let mut cases = Vec::new();
        // Carries rippling through runs of 2^52 - 1, across vector boundaries, from a lane that
        // overflows before the run and from a lane that overflows only after the first pass.
        for start in [0usize, 5, 7, 8, 30, 50] {
            for run in [1usize, 2, 8, 9, 20] {
                let mut lanes = [0u64; DIGIT_LANES];
                lanes[start] = mask + 5;
                for l in lanes.iter_mut().take(DIGITS - 1).skip(start + 1).take(run) {
                    *l = mask;
                }
                cases.push(lanes);
                let mut lanes2 = lanes;
                lanes2[start] = mask;
                if start > 0 {
                    lanes2[start - 1] = 1 << 60;
                }
                cases.push(lanes2);
            }
        }
        // Wide lanes everywhere (below 2^61), small at the top so the value stays below 2^3120.
        let mut wide = [(1u64 << 61) - 1; DIGIT_LANES];
        wide[DIGITS - 1..].fill(0);
        cases.push(wide);
        let mut ones = [mask; DIGIT_LANES];
        ones[DIGITS - 1..].fill(0);
        ones[0] = mask + 1;
        cases.push(ones);
        for lanes in &cases {
            assert_eq!(ifma.normalize(lanes), normalize_scalar(lanes));
        }
    }

    proptest! {
        #[test]
        fn random_wide_lanes_normalize(lanes in proptest::collection::vec(0u64..1 << 61, DIGITS - 1)) {
            let Some(ifma) = ifma() else { return Ok(()) };
            let mut d = [0u64; DIGIT_LANES];
            d[..DIGITS - 1].copy_from_slice(&lanes);
            prop_assert_eq!(ifma.normalize(&d), normalize_scalar(&d));
        }
    }

    #[test]
    fn digits_round_trip() {
        let x = below_n([0x0123_4567_89ab_cdef; LIMBS]);
        for top in [0, 1] {
            let d = to_digits(&x, top);
            assert_eq!(d.len(), DIGIT_LANES);
            assert_eq!(from_digits(&d), (x, top));
        }
        assert_eq!(from_digits(&to_digits(&N, 0)), (N, 0));
    }

    #[test]
    fn edge_values_match_reference() {
        let Some(ifma) = ifma() else { return };
        let mut one = [0u64; LIMBS];
        one[0] = 1;
        let mut n_minus_1 = N;
        n_minus_1[0] -= 1;
        let edges = [
            [0u64; LIMBS],
            one,
            n_minus_1,
            ONE_MONT,
            R2,
            below_n([u64::MAX; LIMBS]),
        ];
        for a in &edges {
            for b in &edges {
                check_amm(ifma, a, b);
            }
        }
    }

    proptest! {
        #[test]
        fn random_products_match_reference(a in arb_limbs(), b in arb_limbs()) {
            let Some(ifma) = ifma() else { return Ok(()) };
            check_amm(ifma, &below_n(a), &below_n(b));
        }

        #[test]
        fn random_exponentiations_match(
            base in arb_limbs(),
            e in proptest::array::uniform10(any::<u64>()),
            nbits in 1usize..=640,
        ) {
            let Some(ifma) = ifma() else { return Ok(()) };
            let base = to_mont(&below_n(base));
            prop_assert_eq!(
                ifma_pow::pow_ct(ifma, &base, &e, nbits),
                pow_ct_mont(&base, &e, nbits)
            );
            let mut squared = base;
            for _ in 0..nbits {
                squared = mont_sqr(&squared);
            }
            prop_assert_eq!(ifma_pow::sqr_n(ifma, &base, nbits), squared);
            let g_bits = nbits.min(G_MAX_BITS);
            prop_assert_eq!(
                ifma_pow::g_pow_ct(ifma, &e, g_bits),
                g_pow_ct_mont(&e, g_bits)
            );
        }
    }

    #[test]
    fn exponentiation_edges_match() {
        let Some(ifma) = ifma() else { return };
        let mut n_minus_1 = N;
        n_minus_1[0] -= 1;
        for base in [[0u64; LIMBS], ONE_MONT, to_mont(&n_minus_1), R2] {
            for e in [[0u64; 10], [u64::MAX; 10]] {
                for nbits in [1, 5, 256, 576, 577, 640] {
                    assert_eq!(
                        ifma_pow::pow_ct(ifma, &base, &e, nbits),
                        pow_ct_mont(&base, &e, nbits)
                    );
                    let g_bits = nbits.min(G_MAX_BITS);
                    assert_eq!(
                        ifma_pow::g_pow_ct(ifma, &e, g_bits),
                        g_pow_ct_mont(&e, g_bits)
                    );
                }
            }
        }
    }
}

//! Criterion benchmarks: the client's critical path after the challenge arrives and A = g^a (with
//! our default 576-bit `a` and with the SDKs' 1024-bit one), the server's verification and the
//! device verifier. `cargo bench -p cognito-auth-srp`; `just bench` runs these and the
//! comparisons with other implementations (see docs/PERFORMANCE.md).
//!
//! Two clocks: `cpu/...` measures this thread's CPU time, which stays meaningful when other
//! builds share the machine (they only slow us through caches and frequency); `wall/...` is
//! criterion's usual wall clock, which on a busy machine also counts time spent waiting for a
//! core. `SRP_BENCH_CLOCK=cpu` or `=wall` runs only one of them.
//!
//! On a CPU with AVX-512 IFMA the crate runs its exponentiations on it, on one with BMI2 and ADX
//! its `asm!` kernels; the two client figures are then taken again on each slower path the CPU
//! has (`..., ADX kernels`, `..., portable kernels`), forced through the `test-util` switch, so
//! the paths are compared in the same run.

// The inputs are fixed constants known to be valid; a failure here is a bug worth a panic.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use cognito_auth_srp::test_util::{kernels_in_use, use_kernels, Kernels};
use cognito_auth_srp::{
    device_verifier, password_verifier, user_password_claim, verify_user_claim, ClientEphemeral,
    ServerEphemeral, UserClaimCheck, UserClaimInput, DEVICE_VERIFIER_RANDOM_LEN,
};
use cpu_time::ThreadTime;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, Throughput};

const POOL: &str = "AbCdEf123";
const USER: &str = "alice";
const PASSWORD: &str = "correct horse battery staple";
const SECRET_BLOCK: &str = "c2VjcmV0IGJsb2NrIGZyb20gdGhlIHNlcnZlcg==";
const TIMESTAMP: &str = "Tue Nov 3 09:05:07 UTC 2026";

/// This thread's CPU time (`CLOCK_THREAD_CPUTIME_ID` through the `cpu-time` crate).
struct CpuTime;

struct NanosFormatter;

impl ValueFormatter for NanosFormatter {
    fn scale_values(&self, typical_ns: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = match typical_ns {
            ns if ns < 1e3 => (1.0, "ns"),
            ns if ns < 1e6 => (1e-3, "µs"),
            ns if ns < 1e9 => (1e-6, "ms"),
            _ => (1e-9, "s"),
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }

    fn scale_throughputs(&self, _: f64, _: &Throughput, values: &mut [f64]) -> &'static str {
        values.iter_mut().for_each(|v| *v = 0.0);
        "(no throughput)"
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

impl Measurement for CpuTime {
    type Intermediate = ThreadTime;
    type Value = Duration;

    fn start(&self) -> ThreadTime {
        ThreadTime::now()
    }
    fn end(&self, start: ThreadTime) -> Duration {
        start.elapsed()
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &NanosFormatter
    }
}

fn run<M: Measurement>(c: &mut Criterion<M>, clock: &str) {
    cognito_auth_srp::warm_up();
    let salt = [0x3e; 16];
    let verifier = password_verifier(POOL, USER, PASSWORD, &salt);
    let server = ServerEphemeral::new(&verifier, &[0x22; ServerEphemeral::RANDOM_LEN]).unwrap();
    let srp_b = server.public_b_hex();
    let salt_hex = verifier.salt_hex();
    let client = ClientEphemeral::from_random(&[0x11; ClientEphemeral::RANDOM_LEN]).unwrap();
    let input = UserClaimInput {
        pool_name: POOL,
        user_id_for_srp: USER,
        password: PASSWORD,
        srp_b_hex: &srp_b,
        salt_hex: &salt_hex,
        secret_block_b64: SECRET_BLOCK,
        timestamp: TIMESTAMP,
    };
    let signature = user_password_claim(&client, &input).unwrap();
    let srp_a = client.public_a_hex();
    let check = UserClaimCheck {
        pool_name: POOL,
        user_id_for_srp: USER,
        srp_a_hex: &srp_a,
        secret_block_b64: SECRET_BLOCK,
        timestamp: TIMESTAMP,
        signature_b64: &signature,
    };

    // The SDKs' own default: a 1024-bit `a` (128 bytes), through the any-length constructor.
    let sdk_a = [0x11; 128];
    let sdk_client = ClientEphemeral::from_secret_a(&sdk_a).unwrap();

    let mut group = c.benchmark_group(clock);
    group.bench_function("client critical path (x, g^x, u, S, HKDF, HMAC)", |b| {
        b.iter(|| user_password_claim(black_box(&client), black_box(&input)).unwrap())
    });
    group.bench_function("client A = g^a", |b| {
        b.iter(|| ClientEphemeral::from_random(black_box(&[0x11; ClientEphemeral::RANDOM_LEN])))
    });
    group.bench_function("client critical path, 1024-bit a", |b| {
        b.iter(|| user_password_claim(black_box(&sdk_client), black_box(&input)).unwrap())
    });
    group.bench_function("client A = g^a, 1024-bit a", |b| {
        b.iter(|| ClientEphemeral::from_secret_a(black_box(&sdk_a)))
    });
    group.bench_function("server verify claim", |b| {
        b.iter(|| verify_user_claim(black_box(&server), black_box(&check)).unwrap())
    });
    group.bench_function("server B = k v + g^b", |b| {
        b.iter(|| ServerEphemeral::new(black_box(&verifier), &[0x22; ServerEphemeral::RANDOM_LEN]))
    });
    group.bench_function("device verifier", |b| {
        b.iter(|| {
            device_verifier(
                black_box("-FNJbdqGX"),
                black_box("us-east-1_0d4a9f4e"),
                &[0x33; DEVICE_VERIFIER_RANDOM_LEN],
            )
            .unwrap()
        })
    });
    let default = kernels_in_use();
    let others = [
        (Kernels::Adx, "ADX kernels"),
        (Kernels::Portable, "portable kernels"),
    ];
    for (kernels, name) in others {
        if kernels == default || !use_kernels(kernels) {
            continue;
        }
        group.bench_function(format!("client critical path, {name}"), |b| {
            b.iter(|| user_password_claim(black_box(&client), black_box(&input)).unwrap())
        });
        group.bench_function(format!("client A = g^a, {name}"), |b| {
            b.iter(|| ClientEphemeral::from_random(black_box(&[0x11; ClientEphemeral::RANDOM_LEN])))
        });
    }
    assert!(use_kernels(default));
    group.finish();
}

fn main() {
    let clock = std::env::var("SRP_BENCH_CLOCK").unwrap_or_default();
    if clock != "wall" {
        let mut c = Criterion::default()
            .with_measurement(CpuTime)
            .configure_from_args();
        run(&mut c, "cpu");
        c.final_summary();
    }
    if clock != "cpu" {
        let mut c = Criterion::default()
            .with_measurement(WallTime)
            .configure_from_args();
        run(&mut c, "wall");
        c.final_summary();
    }
}

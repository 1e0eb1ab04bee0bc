# Conveniences. The README's two commands work without `just`.

# Run every test (what CI runs, without the lints).
test:
    ./scripts/test.sh

# Lints as CI runs them.
lint:
    cargo clippy --workspace --all-targets -- -D warnings
    cargo fmt --all --check

# Everything CI runs.
ci:
    bash .ci/run

# SRP benchmarks (criterion) and the comparison with pycognito / amazon-cognito-identity-js.
bench:
    cargo bench -p cognito-auth-srp

# Build the fuzz targets (needs cargo-fuzz: `cargo install cargo-fuzz`).
fuzz-build:
    cd fuzz && cargo +nightly fuzz build

# Run one fuzz target for a minute, e.g. `just fuzz config`.
fuzz target:
    cd fuzz && cargo +nightly fuzz run {{target}} -- -max_total_time=60

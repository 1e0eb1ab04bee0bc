# Conveniences. The README's two commands work without `just`.

# Run every test (what CI runs, without the lints).
test:
    ./scripts/test.sh

# Lints as CI runs them.
lint:
    cargo clippy --workspace --all-targets -- -D warnings
    cargo fmt --all --check
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features

# Everything CI runs.
ci:
    bash .ci/run

# Every benchmark docs/PERFORMANCE.md records (several minutes; never in CI): SRP (criterion),
# SRP against pycognito / amazon-cognito-identity-js, full sign-in wall time against the
# emulator, emulator sign-ins/s against moto and the RS256 floor; then the engine's: machine
# replay events/s, 10,000 concurrent tokens() at expiry, memory per idle signed-in engine.
# Needs .venv, node and wrk.
bench:
    uptime
    cargo bench -p cognito-auth-srp
    crates/srp/benches/peers.sh
    crates/emulator/bench/signin_wall.sh
    crates/emulator/bench/signins_vs_moto.sh
    cargo bench -p cognito-auth-tests --bench machine_replay
    cargo bench -p cognito-auth-tests --bench tokens_stampede
    cargo bench -p cognito-auth-tests --bench idle_memory
    uptime

# Build the fuzz targets (needs cargo-fuzz: `cargo install cargo-fuzz`). cargo-fuzz passes
# nightly `-Z` flags (sanitizer, coverage); RUSTC_BOOTSTRAP=1 lets the stable toolchain take them.
fuzz-build:
    cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz build -O

# Run one fuzz target (config, machine, jwt, event_log, service_response) for `secs` seconds,
# e.g. `just fuzz jwt 300`. New inputs go to a scratch directory, not the committed corpus;
# `cargo fuzz cmin` against it before committing any.
fuzz target secs="60":
    mkdir -p /tmp/fuzz-corpus-{{target}}
    cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -O {{target}} /tmp/fuzz-corpus-{{target}} corpus/{{target}} -- -max_total_time={{secs}}

# The seeded simulator over many seeds on every core (docs/SIMULATOR.md): `just sim 1000000`
# or `just sim SEEDS=1000000`, optionally from a first seed (`just sim 20000 FIRST=500000`).
# Prints seeds/s; on a failure, the first failing seed's trace and its `SEED=` line. Release
# profile: several times the test profile's rate, after a longer first build.
sim SEEDS="1000000" FIRST="0":
    cargo run --release -p cognito-auth-tests --bin sim -- "$(echo '{{SEEDS}}' | sed 's/^SEEDS=//')" "$(echo '{{FIRST}}' | sed 's/^FIRST=//')"

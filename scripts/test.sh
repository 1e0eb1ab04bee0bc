#!/usr/bin/env bash
# Runs every test of the workspace. Needs only the Rust toolchain and python3: the Python tools
# the tests drive (moto, boto3, pycognito) go into the project-local .venv, and the Node packages
# (amazon-cognito-identity-js) into the test folders that need them, on first use.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/setup-venv.sh
if [ -x scripts/setup-node.sh ]; then
  scripts/setup-node.sh
fi

# --no-fail-fast: one failing suite must not hide the others.
cargo test --workspace --locked --no-fail-fast "$@"

# The keyring store (feature `keyring`) against keyring-core's in-memory mock store; its
# kernel-keyring round trip needs a fresh session keyring (`keyctl session -`) and runs by hand.
cargo test -p cognito-auth --features keyring --locked --lib store::keyring::tests::mock_

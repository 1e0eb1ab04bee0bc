#!/usr/bin/env bash
# Times the same client SRP computation in this crate, pycognito and amazon-cognito-identity-js,
# one after the other in this run, on two known-answer vectors:
#   plain                 72-byte (576-bit) `a`: our default
#   peer-default-a-1024   128-byte (1024-bit) `a`: what both SDKs draw themselves
# and prints three tables of times and ratios to ours: the same 576-bit `a` for all, the same
# 1024-bit `a` for all, and each implementation at its own default (ours on `plain`, the SDKs on
# `peer-default-a-1024`). Each implementation first checks that it reproduces the vector's SRP_A
# and PASSWORD_CLAIM_SIGNATURE, so all three do the same work.
#
# Usage (from anywhere): crates/srp/benches/peers.sh [ROUNDS_RUST] [ROUNDS_PEERS]
# Needs the project's .venv (scripts/setup-venv.sh) and node; installs the JS SDK into
# crates/srp/tests/vectors/js/node_modules on first use (npm ci).
#
# Figures are medians. "cpu" is the thread's (Rust, Python) or the process's (node) CPU time,
# which stays meaningful when other work shares the machine; "wall" also counts waiting for a
# core. The load average is printed so a reader can judge the noise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="$(dirname "$here")"
root="$(cd "$crate/../.." && pwd)"
rounds_rust="${1:-200}"
rounds_peers="${2:-20}"
python="${PYTHON:-$root/.venv/bin/python}"
js="$crate/tests/vectors/js"

if [ ! -d "$js/node_modules/amazon-cognito-identity-js" ]; then
	(cd "$js" && npm ci --no-audit --no-fund >/dev/null)
fi
cargo build --quiet --release -p cognito-auth-srp --example peer_timing --manifest-path "$root/Cargo.toml"
target="${CARGO_TARGET_DIR:-$root/target}"

echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
rows=()
for case in plain peer-default-a-1024; do
	rows+=("$("$target/release/examples/peer_timing" "$rounds_rust" "$case")")
	rows+=("$("$python" "$here/peer_pycognito.py" "$rounds_peers" "$case")")
	rows+=("$(cd "$js" && node peer_timing.cjs "$rounds_peers" "$case")")
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

"$python" - "${rows[@]}" <<'PY'
import json, sys
rows = [json.loads(a) for a in sys.argv[1:]]
by = {(r["impl"], r["case"]): r for r in rows}
OURS = "cognito-auth-srp"
PEERS = ["pycognito", "amazon-cognito-identity-js"]

def table(title, ours_case, peer_case):
    ours = by[(OURS, ours_case)]
    o_claim, o_total = ours["claim_cpu_ms"], ours["a_cpu_ms"] + ours["claim_cpu_ms"]
    print(f"\n## {title}")
    print(f"{'implementation':<28} {'a bits':>6} {'A=g^a cpu':>10} {'claim cpu':>10} {'claim wall':>11} "
          f"{'A+claim cpu':>12} {'claim/ours':>11} {'A+claim/ours':>13}")
    for r in [ours] + [by[(p, peer_case)] for p in PEERS]:
        total = r["a_cpu_ms"] + r["claim_cpu_ms"]
        print(f"{r['impl']:<28} {r['a_bytes'] * 8:>6} {r['a_cpu_ms']:>8.3f}ms {r['claim_cpu_ms']:>8.3f}ms "
              f"{r['claim_wall_ms']:>9.3f}ms {total:>10.3f}ms {r['claim_cpu_ms'] / o_claim:>10.1f}x "
              f"{total / o_total:>12.1f}x")

table("same 576-bit a for all (our default)", "plain", "plain")
table("same 1024-bit a for all (the SDKs' default)", "peer-default-a-1024", "peer-default-a-1024")
table("each at its own default (ours 576-bit a, the SDKs 1024-bit a)", "plain", "peer-default-a-1024")
PY

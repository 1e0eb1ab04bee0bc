#!/usr/bin/env bash
# Times the same client SRP computation (the `plain` known-answer vector, same 576-bit `a`) in
# this crate, pycognito and amazon-cognito-identity-js, one after the other in this run, and
# prints each one's time and its ratio to ours. Each implementation first checks that it
# reproduces the vector's SRP_A and PASSWORD_CLAIM_SIGNATURE, so all three do the same work.
#
# Usage (from anywhere): crates/srp/benches/peers.sh [ROUNDS_RUST] [ROUNDS_PEERS]
# Needs /work/main/.venv (scripts/setup-venv.sh) and node; installs the JS SDK into
# crates/srp/tests/vectors/js/node_modules on first use (npm ci).
#
# Figures are medians. "cpu" is the thread's (Rust, Python) or the process's (node) CPU time,
# which stays meaningful when other work shares the machine; "wall" also counts waiting for a
# core. Load average is printed so a reader can judge the noise.
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

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ours="$("$target/release/examples/peer_timing" "$rounds_rust")"
py="$("$python" "$here/peer_pycognito.py" "$rounds_peers")"
node_out="$(cd "$js" && node peer_timing.cjs "$rounds_peers")"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

"$python" - "$ours" "$py" "$node_out" <<'PY'
import json, sys
rows = [json.loads(a) for a in sys.argv[1:]]
ours = rows[0]
print(f"{'implementation':<28} {'A=g^a cpu':>10} {'claim cpu':>10} {'claim wall':>11} {'A+claim cpu':>12} {'x ours (cpu)':>13}")
for r in rows:
    total = r["a_cpu_ms"] + r["claim_cpu_ms"]
    ratio = total / (ours["a_cpu_ms"] + ours["claim_cpu_ms"])
    print(f"{r['impl']:<28} {r['a_cpu_ms']:>8.3f}ms {r['claim_cpu_ms']:>8.3f}ms {r['claim_wall_ms']:>9.3f}ms {total:>10.3f}ms {ratio:>12.1f}x")
print("critical path (claim) ratios, cpu:", ", ".join(
    f"{r['impl']} {r['claim_cpu_ms'] / ours['claim_cpu_ms']:.1f}x" for r in rows[1:]))
PY

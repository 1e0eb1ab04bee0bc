#!/usr/bin/env bash
# Wall time of one full USER_SRP_AUTH sign-in (A, InitiateAuth, the claim, RespondToAuthChallenge)
# against one emulator process on loopback: this repository's SRP (crates/srp/examples/
# signin_wall.rs, hand-written HTTP/1.1), pycognito (boto3) and amazon-cognito-identity-js (node
# fetch), one after the other in this run, each at its own default `a` (ours 576 bits, the SDKs
# 1024). Prints each median, its ratio to ours and the load average.
# Usage: crates/emulator/bench/signin_wall.sh [ROUNDS_OURS] [ROUNDS_PEERS]
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROUNDS_OURS="${1:-200}"
ROUNDS_PEERS="${2:-40}"
VENV="${COGNITO_AUTH_VENV:-.venv}"
TARGET="${CARGO_TARGET_DIR:-target}"
JS=crates/srp/tests/vectors/js
[ -d "$JS/node_modules/amazon-cognito-identity-js" ] || (cd "$JS" && npm ci --no-audit --no-fund >/dev/null)
cargo build --release -q -p cognito-auth-emulator --bin cognito-auth-emulator
cargo build --release -q -p cognito-auth-srp --example signin_wall
free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
PORT="$(free_port)"
"$TARGET/release/cognito-auth-emulator" --port "$PORT" >/dev/null & PIDS+=($!)
wait_port "$PORT"
EP="http://127.0.0.1:$PORT"
read -r POOL CLIENT < <("$VENV/bin/python" crates/emulator/bench/setup_pool.py "$EP")
ARGS=("$EP" "$POOL" "$CLIENT" bench 'Passw0rd!')
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ours="$("$TARGET/release/examples/signin_wall" "${ARGS[@]}" "$ROUNDS_OURS")"
py="$("$VENV/bin/python" crates/emulator/bench/signin_pycognito.py "${ARGS[@]}" "$ROUNDS_PEERS")"
js="$(node crates/emulator/bench/signin_js.cjs "${ARGS[@]}" "$ROUNDS_PEERS")"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
"$VENV/bin/python" - "$ours" "$py" "$js" <<'PY'
import json, sys
rows = [json.loads(a) for a in sys.argv[1:]]
ours = rows[0]["signin_wall_ms"]
print(f"{'client':<28} {'sign-in wall (median)':>22} {'x ours':>8}")
for r in rows:
    print(f"{r['impl']:<28} {r['signin_wall_ms']:>20.2f}ms {r['signin_wall_ms'] / ours:>7.1f}x")
if "srp_wall_ms" in rows[0]:
    print(f"(ours: {rows[0]['srp_wall_ms']:.2f} ms of each sign-in is SRP computation, the rest HTTP and the emulator)")
PY

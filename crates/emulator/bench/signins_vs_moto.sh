#!/usr/bin/env bash
# Sign-ins per second (USER_PASSWORD_AUTH, each signing an access and an id token) against the
# emulator (release build) and against moto_server, with wrk as the load generator, and the RS256
# floor measured in the same run: `openssl speed rsa2048` signatures per second on one core and on
# all cores (-multi), halved because every sign-in signs two tokens. The emulator cannot beat
# that floor with RS256 tokens; how close it gets shows what the rest of a sign-in costs.
# Usage: crates/emulator/bench/signins_vs_moto.sh [DURATION_S] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/../../.."
DURATION="${1:-10}"
CONNS="${2:-16}"
VENV="${COGNITO_AUTH_VENV:-.venv}"
TARGET="${CARGO_TARGET_DIR:-target}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release -q -p cognito-auth-emulator --bin cognito-auth-emulator
free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
RESULTS=()
run() {
  local name="$1" port="$2" pool client out rate
  wait_port "$port"
  read -r pool client < <("$VENV/bin/python" crates/emulator/bench/setup_pool.py "http://127.0.0.1:$port")
  echo "== $name (wrk -t2 -c$CONNS -d${DURATION}s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  out="$(CLIENT_ID="$client" USERNAME=bench PASSWORD='Passw0rd!' \
    wrk -t2 -c"$CONNS" -d"${DURATION}s" -s crates/emulator/bench/initiate_auth.lua "http://127.0.0.1:$port/")"
  echo "$out" | grep -E "Requests/sec|Non-2xx|Socket errors|sign-ins/s|Latency"
  rate="$(echo "$out" | sed -n 's/^sign-ins\/s: \([0-9.]*\).*/\1/p')"
  RESULTS+=("$name=$rate")
}
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
EPORT="$(free_port)"
"$TARGET/release/cognito-auth-emulator" --port "$EPORT" >/dev/null & PIDS+=($!)
run emulator "$EPORT"
MPORT="$(free_port)"
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$MPORT" >/dev/null 2>&1 & PIDS+=($!)
run moto "$MPORT"
echo "== openssl speed rsa2048 (3 s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
one="$(openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')"
all="$(openssl speed -seconds 3 -multi "$(nproc)" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')"
echo "RS256 signatures/s: $one on one core, $all on $(nproc) cores"
"$VENV/bin/python" - "$one" "$all" "${RESULTS[@]}" <<'PY'
import sys
one, allc = float(sys.argv[1]), float(sys.argv[2])
r = dict(a.split("=") for a in sys.argv[3:])
emu, moto = float(r["emulator"]), float(r["moto"])
print(f"RS256 floor (2 signatures per sign-in): {one / 2:.0f} sign-ins/s on one core, {allc / 2:.0f} on all cores")
print(f"emulator {emu:.0f} sign-ins/s = {emu / moto:.1f}x moto ({moto:.0f}/s), "
      f"{emu / (one / 2):.2f}x the one-core floor, {emu / (allc / 2):.2f}x the all-core floor")
PY

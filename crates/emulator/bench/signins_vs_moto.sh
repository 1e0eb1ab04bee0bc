#!/usr/bin/env bash
# Sign-ins per second (USER_PASSWORD_AUTH, each signing an access and an id token) against the
# emulator (release build) and against moto_server, with wrk as the load generator.
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
run() {
  local name="$1" port="$2"
  wait_port "$port"
  local client
  client="$("$VENV/bin/python" crates/emulator/bench/setup_pool.py "http://127.0.0.1:$port")"
  echo "== $name (wrk -t2 -c$CONNS -d${DURATION}s)"
  CLIENT_ID="$client" USERNAME=bench PASSWORD='Passw0rd!' \
    wrk -t2 -c"$CONNS" -d"${DURATION}s" -s crates/emulator/bench/initiate_auth.lua "http://127.0.0.1:$port/" \
    | grep -E "Requests/sec|Non-2xx|Socket errors|sign-ins/s|Latency"
}
EPORT="$(free_port)"
"$TARGET/release/cognito-auth-emulator" --port "$EPORT" >/dev/null & PIDS+=($!)
run emulator "$EPORT"
MPORT="$(free_port)"
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$MPORT" >/dev/null 2>&1 & PIDS+=($!)
run moto "$MPORT"

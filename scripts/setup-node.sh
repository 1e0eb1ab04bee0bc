#!/usr/bin/env bash
# Installs the Node packages the tests drive (amazon-cognito-identity-js, an independent client
# of the emulator) from the committed lock files. Idempotent and quick when up to date.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
for dir in crates/emulator/tests/js; do
  lock="$top/$dir/package-lock.json"
  stamp="$top/$dir/node_modules/.lock.sha256"
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    continue
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: installing Node.js from Debian's packages" >&2
    if ! { apt-get update -qq && apt-get install -y -qq nodejs npm; } >/dev/null 2>&1; then
      echo "npm is needed for the amazon-cognito-identity-js tests ($dir): install Node.js" >&2
      exit 1
    fi
  fi
  npm ci --prefix "$top/$dir" --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
done

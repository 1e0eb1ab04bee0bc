#!/usr/bin/env bash
# Creates (or refreshes) the project-local Python venv at .venv with the test-time tools:
# moto[server], boto3, pycognito. Idempotent and quick when already up to date.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
venv="$top/.venv"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$top/requirements-dev.txt" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$top/requirements-dev.txt"
echo "$want" > "$stamp"
echo "python venv ready at $venv"

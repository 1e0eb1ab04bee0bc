"""Inputs shared by gen_pycognito.py; gen_js.mjs reads the same list from cases.json.

`rand(label, n)` expands SHA-256(label || ":" || counter) so every generator derives the same
"random" bytes from the same labels without sharing state.
"""

import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, "cases.json"), encoding="utf-8") as f:
    _CASES = json.load(f)

USER_CASES = _CASES["user"]
DEVICE_CASES = _CASES["device"]
SECRET_HASH_CASES = _CASES["secret_hash"]
TIMESTAMP_CASES = _CASES["timestamps"]


def rand(label, n):
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(f"{label}:{counter}".encode("utf-8")).digest()
        counter += 1
    return out[:n]

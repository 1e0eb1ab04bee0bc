"""Shared helpers for the scripts that drive the emulator with independent clients."""
import json
import os
import sys
import urllib.request

import boto3
from botocore.config import Config

os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

ENDPOINT = sys.argv[1]
NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"})


def idp():
    return boto3.client("cognito-idp", endpoint_url=ENDPOINT, region_name="us-east-1", config=NO_RETRY)


def identity():
    return boto3.client("cognito-identity", endpoint_url=ENDPOINT, region_name="us-east-1", config=NO_RETRY)


def admin(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(ENDPOINT + path, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")


def last_code(username, purpose):
    msgs = admin("GET", f"/_emulator/outbox?username={username}&purpose={purpose}")["messages"]
    assert msgs, f"no {purpose} message for {username}"
    return msgs[-1]["code"]


def expect_error(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except Exception as e:  # botocore ClientError
        got = getattr(e, "response", {}).get("Error", {}).get("Code")
        assert got == code, f"expected {code}, got {got}: {e}"
        return e
    raise AssertionError(f"expected {code}, call succeeded")


CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def run():
    for fn in CHECKS:
        fn()
        print("ok", fn.__name__)
    print(f"all {len(CHECKS)} checks passed")

"""Full USER_SRP_AUTH sign-ins with pycognito against ENDPOINT, timed end to end (see
signin_wall.sh).

Usage: .venv/bin/python crates/emulator/bench/signin_pycognito.py ENDPOINT POOL_ID CLIENT_ID USER PASSWORD ROUNDS
One sign-in is `AWSSRP(...).authenticate_user()` with pycognito's own defaults (a fresh
1024-bit `a`, boto3 over one kept-alive connection). Prints one JSON line: the median wall time.
"""

import json
import os
import statistics
import sys
import time

import boto3
from pycognito.aws_srp import AWSSRP

os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")


def main():
    endpoint, pool_id, client_id, user, password, rounds = sys.argv[1:7]
    client = boto3.client("cognito-idp", endpoint_url=endpoint, region_name=pool_id.split("_")[0])

    def sign_in():
        srp = AWSSRP(username=user, password=password, pool_id=pool_id, client_id=client_id, client=client)
        tokens = srp.authenticate_user()
        assert tokens["AuthenticationResult"]["AccessToken"]

    sign_in()  # untimed: opens the connection, as the other clients' runs do
    wall = []
    for _ in range(int(rounds)):
        t = time.perf_counter()
        sign_in()
        wall.append((time.perf_counter() - t) * 1e3)
    print(json.dumps({"impl": "pycognito", "signin_wall_ms": statistics.median(wall)}))


if __name__ == "__main__":
    main()

"""Times pycognito's client SRP work on one known-answer vector (see peers.sh).

Usage: .venv/bin/python crates/srp/benches/peer_pycognito.py ROUNDS [CASE]
Prints one JSON line: median wall and thread-CPU milliseconds for A = g^a (AWSSRP.calculate_a)
and for the critical path after the challenge (AWSSRP.process_challenge: x, g^x, u, S, HKDF,
HMAC), with the vector's `a`: CASE `plain` (the default) has our 576-bit `a`,
`peer-default-a-1024` the 1024-bit `a` pycognito draws itself.
"""

import json
import os
import statistics
import sys
import time

from pycognito import aws_srp

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(rounds, f):
    wall, cpu = [], []
    for _ in range(rounds):
        w, c = time.perf_counter(), time.thread_time()
        f()
        cpu.append((time.thread_time() - c) * 1e3)
        wall.append((time.perf_counter() - w) * 1e3)
    return statistics.median(wall), statistics.median(cpu)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    case_name = sys.argv[2] if len(sys.argv) > 2 else "plain"
    with open(os.path.join(HERE, "..", "tests", "vectors", "pycognito.json"), encoding="utf-8") as f:
        case = next(c for c in json.load(f)["user"] if c["name"] == case_name)
    a = int(case["a_random_hex"], 16)
    aws_srp.AWSSRP.generate_random_small_a = lambda self: a
    srp = aws_srp.AWSSRP(
        username=case["user_id_for_srp"],
        password=case["password"],
        pool_id=case["pool_id"],
        client_id="client",
        client=object(),
    )
    assert f"{srp.large_a_value:x}" == case["srp_a_hex"]
    params = {
        "USER_ID_FOR_SRP": case["user_id_for_srp"],
        "SALT": case["salt_hex"],
        "SRP_B": case["srp_b_hex"],
        "SECRET_BLOCK": case["secret_block_b64"],
    }
    request = {"USERNAME": case["user_id_for_srp"]}
    # The signature depends on the timestamp; check it once with the vector's clock.
    import datetime as real_datetime
    import types

    fixed = real_datetime.datetime.fromtimestamp(case["unix_secs"], real_datetime.timezone.utc).replace(tzinfo=None)

    class Fixed(real_datetime.datetime):
        @classmethod
        def utcnow(cls):
            return fixed

    aws_srp.datetime = types.SimpleNamespace(datetime=Fixed)
    assert srp.process_challenge(params, request)["PASSWORD_CLAIM_SIGNATURE"] == case["signature_b64"]

    a_wall, a_cpu = timed(rounds, srp.calculate_a)
    claim_wall, claim_cpu = timed(rounds, lambda: srp.process_challenge(params, request))
    print(
        json.dumps(
            {
                "impl": "pycognito",
                "case": case_name,
                "a_bytes": len(case["a_random_hex"]) // 2,
                "a_wall_ms": a_wall,
                "a_cpu_ms": a_cpu,
                "claim_wall_ms": claim_wall,
                "claim_cpu_ms": claim_cpu,
            }
        )
    )


if __name__ == "__main__":
    main()

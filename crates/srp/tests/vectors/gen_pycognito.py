"""Known-answer vectors for cognito-auth-srp, computed by pycognito's AWSSRP.

Regenerate (from the repository root):
    .venv/bin/python crates/srp/tests/vectors/gen_pycognito.py > crates/srp/tests/vectors/pycognito.json

The client side runs through pycognito's own code paths (process_challenge,
process_device_challenge, generate_hash_device, get_secret_hash,
get_cognito_formatted_timestamp); only its randomness and clock are replaced by fixed values.
The server's B = k*v + g^b is computed here with plain Python integers, so that the Rust
server half can be checked against the same numbers.
"""

import base64
import datetime as real_datetime
import hashlib
import json
import sys
import types

import pycognito
from pycognito import aws_srp

from cases import DEVICE_CASES, SECRET_HASH_CASES, TIMESTAMP_CASES, USER_CASES, rand

N = int(aws_srp.N_HEX, 16)
G = 2


def k_value():
    return int(aws_srp.hex_hash("00" + aws_srp.N_HEX + "0" + aws_srp.G_HEX), 16)


def verifier(prefix, ident, password, salt_hex):
    inner = aws_srp.hash_sha256(f"{prefix}{ident}:{password}".encode("utf-8"))
    x = int(aws_srp.hex_hash(aws_srp.pad_hex(int(salt_hex, 16)) + inner), 16)
    return pow(G, x, N)


def server_b(v, b_random):
    b = int.from_bytes(b_random, "big")
    return (k_value() * v + pow(G, b, N)) % N


def fix_clock(unix_secs):
    """Makes aws_srp's `datetime.datetime.utcnow()` return a fixed instant."""
    fixed = real_datetime.datetime.fromtimestamp(unix_secs, real_datetime.timezone.utc).replace(
        tzinfo=None
    )

    class FixedDatetime(real_datetime.datetime):
        @classmethod
        def utcnow(cls):
            return fixed

    aws_srp.datetime = types.SimpleNamespace(datetime=FixedDatetime)


def make_srp(a_random, **kwargs):
    """An AWSSRP whose `a` is the integer of our random bytes: 72 of them by default (our
    default), 128 where a case sets `a_len` (pycognito's own default)."""
    original = aws_srp.AWSSRP.generate_random_small_a
    aws_srp.AWSSRP.generate_random_small_a = lambda self: int.from_bytes(a_random, "big") % N
    try:
        return aws_srp.AWSSRP(client=object(), client_id="client", **kwargs)
    finally:
        aws_srp.AWSSRP.generate_random_small_a = original


def user_case(case):
    a_random = rand(case["name"] + "/a", case.get("a_len", 72))
    b_random = rand(case["name"] + "/b", 72)
    pool_name = case["pool_id"].split("_")[1]
    v = verifier(pool_name, case["user_id_for_srp"], case["password"], case["salt_hex"])
    big_b = server_b(v, b_random)
    srp_b_hex = case.get("srp_b_hex_override") or f"{big_b:x}"
    if case.get("b_plus_n"):
        srp_b_hex = f"{big_b + N:x}"
    srp = make_srp(
        a_random, username=case["user_id_for_srp"], password=case["password"], pool_id=case["pool_id"]
    )
    fix_clock(case["unix_secs"])
    response = srp.process_challenge(
        {
            "USER_ID_FOR_SRP": case["user_id_for_srp"],
            "SALT": case["salt_hex"],
            "SRP_B": srp_b_hex,
            "SECRET_BLOCK": case["secret_block_b64"],
        },
        {"USERNAME": case["user_id_for_srp"]},
    )
    return {
        "name": case["name"],
        "pool_id": case["pool_id"],
        "pool_name": pool_name,
        "user_id_for_srp": case["user_id_for_srp"],
        "password": case["password"],
        "a_random_hex": a_random.hex(),
        "srp_a_hex": srp.get_auth_params()["SRP_A"],
        "b_random_hex": b_random.hex(),
        "salt_hex": case["salt_hex"],
        "server_b_hex": f"{big_b:x}",
        "srp_b_hex": srp_b_hex,
        "secret_block_b64": case["secret_block_b64"],
        "unix_secs": case["unix_secs"],
        "timestamp": response["TIMESTAMP"],
        "signature_b64": response["PASSWORD_CLAIM_SIGNATURE"],
    }


def device_case(case):
    device_random = rand(case["name"] + "/device", 56)
    # generate_hash_device draws os.urandom(40) for the password, then get_random(16) for the salt.
    real_urandom = aws_srp.os.urandom
    aws_srp.os.urandom = lambda n: device_random[:40] if n == 40 else device_random[40:56]
    try:
        device_password, config = aws_srp.generate_hash_device(
            case["device_group_key"], case["device_key"]
        )
    finally:
        aws_srp.os.urandom = real_urandom
    salt_hex = base64.b64decode(config["Salt"]).hex()
    v = int.from_bytes(base64.b64decode(config["PasswordVerifier"]), "big")
    a_random = rand(case["name"] + "/a", case.get("a_len", 72))
    b_random = rand(case["name"] + "/b", 72)
    big_b = server_b(v, b_random)
    srp = make_srp(
        a_random,
        username="user",
        password="unused",
        pool_id="us-east-1_unused",
        device_key=case["device_key"],
        device_group_key=case["device_group_key"],
        device_password=device_password,
    )
    fix_clock(case["unix_secs"])
    response = srp.process_device_challenge(
        {
            "USERNAME": "user",
            "SALT": salt_hex,
            "SRP_B": f"{big_b:x}",
            "SECRET_BLOCK": case["secret_block_b64"],
        }
    )
    return {
        "name": case["name"],
        "device_group_key": case["device_group_key"],
        "device_key": case["device_key"],
        "random_hex": device_random.hex(),
        "device_password": device_password,
        "password_verifier_b64": config["PasswordVerifier"],
        "salt_b64": config["Salt"],
        "a_random_hex": a_random.hex(),
        "srp_a_hex": srp.get_auth_params()["SRP_A"],
        "b_random_hex": b_random.hex(),
        "salt_hex": salt_hex,
        "server_b_hex": f"{big_b:x}",
        "srp_b_hex": f"{big_b:x}",
        "secret_block_b64": case["secret_block_b64"],
        "unix_secs": case["unix_secs"],
        "timestamp": response["TIMESTAMP"],
        "signature_b64": response["PASSWORD_CLAIM_SIGNATURE"],
    }


def main():
    users = [user_case(c) for c in USER_CASES if not c.get("js_only")]
    devices = [device_case(c) for c in DEVICE_CASES]
    secret_hashes = [
        dict(c, secret_hash=aws_srp.AWSSRP.get_secret_hash(c["username"], c["client_id"], c["client_secret"]))
        for c in SECRET_HASH_CASES
    ]
    timestamps = [
        {
            "unix_secs": t,
            "timestamp": aws_srp.AWSSRP.get_cognito_formatted_timestamp(
                real_datetime.datetime.fromtimestamp(t, real_datetime.timezone.utc)
            ),
        }
        for t in TIMESTAMP_CASES
    ]
    version = getattr(pycognito, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version("pycognito")
    json.dump(
        {
            "generator": f"pycognito {version} (AWSSRP), CPython {sys.version.split()[0]}",
            "user": users,
            "device": devices,
            "secret_hash": secret_hashes,
            "timestamps": timestamps,
        },
        sys.stdout,
        indent=1,
        ensure_ascii=False,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

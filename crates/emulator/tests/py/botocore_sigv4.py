"""Against an emulator started with require_signed_iam_calls (`--require-sigv4`): the operations
Cognito authorizes with IAM credentials need a SigV4 signature, as on AWS, and the ones an app
calls for its user do not. boto3 signs; requests sends what it is given; botocore's SigV4Auth
signs by hand (any key is accepted: the emulator has no IAM)."""
import json

import requests
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

import boto3
from helpers import ENDPOINT, NO_RETRY, check, expect_error, identity, idp, run

c = idp()
POOL = c.create_user_pool(PoolName="sigv4")["UserPool"]["Id"]
CLIENT = c.create_user_pool_client(UserPoolId=POOL, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
                                   )["UserPoolClient"]["ClientId"]
c.admin_create_user(UserPoolId=POOL, Username="alice", MessageAction="SUPPRESS")
c.admin_set_user_password(UserPoolId=POOL, Username="alice", Password="Passw0rd!", Permanent=True)
unsigned = boto3.client("cognito-idp", endpoint_url=ENDPOINT, region_name="us-east-1",
                        config=NO_RETRY.merge(Config(signature_version=UNSIGNED)))


def raw(operation, body, headers=None, service="AWSCognitoIdentityProviderService"):
    return requests.post(ENDPOINT + "/", data=json.dumps(body), headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"{service}.{operation}", **(headers or {})})


def signed(operation, body, key="AKIDOTHERKEY"):
    request = AWSRequest(method="POST", url=ENDPOINT + "/", data=json.dumps(body), headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}"})
    SigV4Auth(Credentials(key, "any-secret"), "cognito-idp", "us-east-1").add_auth(request)
    return requests.post(ENDPOINT + "/", data=request.body, headers=dict(request.headers.items()))


@check
def unsigned_admin_calls_are_refused():
    for op, body in [("AdminCreateUser", {"UserPoolId": POOL, "Username": "bob", "MessageAction": "SUPPRESS"}),
                     ("ListUsers", {"UserPoolId": POOL}), ("CreateUserPool", {"PoolName": "x"})]:
        r = raw(op, body)
        assert r.status_code == 400 and r.json()["__type"] == "MissingAuthenticationTokenException", (op, r.text)
        r = raw(op, body, {"Authorization": "Bearer not-sigv4"})
        assert r.json()["__type"] == "IncompleteSignatureException", (op, r.text)
    expect_error("MissingAuthenticationTokenException", unsigned.admin_get_user, UserPoolId=POOL, Username="alice")
    r = raw("DescribeIdentityPool", {"IdentityPoolId": "us-east-1:00000000-0000-4000-8000-000000000000"},
            service="AWSCognitoIdentityService")
    assert r.json()["__type"] == "MissingAuthenticationTokenException", r.text
    # Nothing was created.
    assert [u["Username"] for u in c.list_users(UserPoolId=POOL)["Users"]] == ["alice"]


@check
def signed_admin_calls_work_with_any_key():
    r = signed("AdminCreateUser", {"UserPoolId": POOL, "Username": "carol", "MessageAction": "SUPPRESS"})
    assert r.status_code == 200 and r.json()["User"]["Username"] == "carol", r.text
    assert c.admin_get_user(UserPoolId=POOL, Username="carol")["Username"] == "carol"


@check
def app_calls_need_no_signature():
    out = unsigned.initiate_auth(ClientId=CLIENT, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!"})
    token = out["AuthenticationResult"]["AccessToken"]
    assert unsigned.get_user(AccessToken=token)["Username"] == "alice"
    unsigned.sign_up(ClientId=CLIENT, Username="dave", Password="Passw0rd!")
    r = raw("InitiateAuth", {"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
                             "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}})
    assert r.status_code == 200 and "AuthenticationResult" in r.json(), r.text
    pool = identity().create_identity_pool(IdentityPoolName="guests", AllowUnauthenticatedIdentities=True)
    r = raw("GetId", {"IdentityPoolId": pool["IdentityPoolId"]}, service="AWSCognitoIdentityService")
    assert r.status_code == 200 and "IdentityId" in r.json(), r.text


run()

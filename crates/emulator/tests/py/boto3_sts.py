"""boto3 against the emulator's STS: credentials an identity pool issued sign
`sts.get_caller_identity()` through botocore's own SigV4 signer (header-signed POST and a
presigned GET URL), and the emulator refuses what AWS refuses."""
import time
import urllib.error
import urllib.request

import boto3

from helpers import ENDPOINT, NO_RETRY, admin, check, expect_error, identity, idp, run

ACCOUNT = "123456789012"
AUTH_ROLE = f"arn:aws:iam::{ACCOUNT}:role/Cognito_stsAuth_Role"
UNAUTH_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/Cognito_stsUnauth_Role"

c = idp()
ci = identity()
POOL = c.create_user_pool(PoolName="sts")["UserPool"]["Id"]
CLIENT = c.create_user_pool_client(UserPoolId=POOL, ClientName="a",
                                   ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
PROVIDER = f"cognito-idp.us-east-1.amazonaws.com/{POOL}"
IP = ci.create_identity_pool(IdentityPoolName="sts", AllowUnauthenticatedIdentities=True,
                             CognitoIdentityProviders=[{"ProviderName": PROVIDER, "ClientId": CLIENT}])["IdentityPoolId"]
c.admin_create_user(UserPoolId=POOL, Username="ann", MessageAction="SUPPRESS")
c.admin_set_user_password(UserPoolId=POOL, Username="ann", Password="Passw0rd!", Permanent=True)


def sts(creds, region="ap-southeast-2", secret=None, key=None, token=None):
    return boto3.client("sts", endpoint_url=ENDPOINT, region_name=region, config=NO_RETRY,
                        aws_access_key_id=key or creds["AccessKeyId"],
                        aws_secret_access_key=secret or creds["SecretKey"],
                        aws_session_token=token or creds["SessionToken"])


def guest_credentials():
    ident = ci.get_id(IdentityPoolId=IP)["IdentityId"]
    return ci.get_credentials_for_identity(IdentityId=ident)["Credentials"]


def assumed(role):
    name = role.rsplit("/", 1)[1]
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/CognitoIdentityCredentials"


@check
def a_pool_without_roles_issues_no_credentials():
    ident = ci.get_id(IdentityPoolId=IP)["IdentityId"]
    expect_error("InvalidIdentityPoolConfigurationException", ci.get_credentials_for_identity, IdentityId=ident)


@check
def roles_are_set_and_read_back():
    ci.set_identity_pool_roles(IdentityPoolId=IP, Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE})
    got = ci.get_identity_pool_roles(IdentityPoolId=IP)
    assert got["IdentityPoolId"] == IP and got["Roles"] == {"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE}, got
    expect_error("ResourceNotFoundException", ci.get_identity_pool_roles, IdentityPoolId="us-east-1:nope")


@check
def guest_credentials_are_the_unauthenticated_role():
    who = sts(guest_credentials()).get_caller_identity()
    assert who["Arn"] == assumed(UNAUTH_ROLE), who
    assert who["Account"] == ACCOUNT and who["UserId"].endswith(":CognitoIdentityCredentials"), who


@check
def signed_in_credentials_are_the_authenticated_role():
    token = c.initiate_auth(ClientId=CLIENT, AuthFlow="USER_PASSWORD_AUTH",
                            AuthParameters={"USERNAME": "ann", "PASSWORD": "Passw0rd!"})["AuthenticationResult"]["IdToken"]
    logins = {PROVIDER: token}
    ident = ci.get_id(IdentityPoolId=IP, Logins=logins)["IdentityId"]
    creds = ci.get_credentials_for_identity(IdentityId=ident, Logins=logins)["Credentials"]
    assert sts(creds, region="us-west-2").get_caller_identity()["Arn"] == assumed(AUTH_ROLE)


@check
def a_presigned_url_works_once_signed():
    url = sts(guest_credentials()).generate_presigned_url("get_caller_identity", ExpiresIn=300, HttpMethod="GET")
    assert "X-Amz-Signature=" in url and "X-Amz-Security-Token=" in url, url
    try:
        with urllib.request.urlopen(url) as r:
            body = r.read().decode()
    except urllib.error.HTTPError as e:
        raise AssertionError(f"{url}: {e.code} {e.read().decode()}") from e
    assert assumed(UNAUTH_ROLE) in body, body
    tampered = url.replace("X-Amz-Expires=300", "X-Amz-Expires=301")
    try:
        urllib.request.urlopen(tampered)
        raise AssertionError("a tampered URL was accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 403 and "<Code>SignatureDoesNotMatch</Code>" in e.read().decode()


@check
def a_wrong_secret_does_not_match():
    creds = guest_credentials()
    e = expect_error("SignatureDoesNotMatch", sts(creds, secret="x" + creds["SecretKey"][1:]).get_caller_identity)
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@check
def an_unknown_key_or_foreign_token_is_invalid():
    creds = guest_credentials()
    other = guest_credentials()
    expect_error("InvalidClientTokenId", sts(creds, key="ASIA" + "Z" * 16).get_caller_identity)
    expect_error("InvalidClientTokenId", sts(creds, token=other["SessionToken"]).get_caller_identity)


@check
def expired_credentials_are_refused():
    creds = guest_credentials()
    admin("POST", "/_emulator/clock", {"advance_seconds": 3601})
    try:
        expect_error("ExpiredToken", sts(creds).get_caller_identity)
    finally:
        admin("POST", "/_emulator/clock", {"offset_seconds": 0})


@check
def a_skewed_client_clock_is_refused():
    creds = guest_credentials()
    # The emulator's clock runs 20 minutes ahead of the signer's.
    admin("POST", "/_emulator/clock", {"advance_seconds": 1200})
    try:
        e = expect_error("SignatureDoesNotMatch", sts(creds).get_caller_identity)
        assert "Signature expired" in str(e), e
    finally:
        admin("POST", "/_emulator/clock", {"offset_seconds": 0})


@check
def unsigned_requests_are_refused():
    req = urllib.request.Request(ENDPOINT + "/", data=b"Action=GetCallerIdentity&Version=2011-06-15", method="POST",
                                 headers={"content-type": "application/x-www-form-urlencoded"})
    try:
        urllib.request.urlopen(req)
        raise AssertionError("an unsigned request was accepted")
    except urllib.error.HTTPError as e:
        body = e.read().decode()
        assert e.code == 403 and "<Code>MissingAuthenticationToken</Code>" in body, body
        assert "<Type>Sender</Type>" in body and "<RequestId>" in body, body


run()

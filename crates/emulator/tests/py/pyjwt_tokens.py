"""Tokens as an app's backend sees them: lifetimes set on the app client (boto3), JWTs verified
with PyJWT against the pool's JWKS fetched with requests (developer guide, "Verifying JSON web
tokens"), and refresh: REFRESH_TOKEN_AUTH, GetTokensFromRefreshToken with and without rotation,
RevokeToken, GlobalSignOut."""
import base64
import json

import jwt
import requests

from helpers import ENDPOINT, admin, check, expect_error, idp, run

c = idp()
POOL = c.create_user_pool(PoolName="tokens")["UserPool"]["Id"]
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
CLIENT = c.create_user_pool_client(UserPoolId=POOL, ClientName="app", ExplicitAuthFlows=FLOWS
                                   )["UserPoolClient"]["ClientId"]
c.admin_create_user(UserPoolId=POOL, Username="alice", MessageAction="SUPPRESS",
                    UserAttributes=[{"Name": "email", "Value": "alice@example.com"},
                                    {"Name": "email_verified", "Value": "true"}])
c.admin_set_user_password(UserPoolId=POOL, Username="alice", Password="Passw0rd!", Permanent=True)


def sign_in(client=CLIENT):
    return c.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                           AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!"})["AuthenticationResult"]


def refresh(token, client=CLIENT):
    return c.initiate_auth(ClientId=client, AuthFlow="REFRESH_TOKEN_AUTH",
                           AuthParameters={"REFRESH_TOKEN": token})["AuthenticationResult"]


def claims(token):
    return jwt.decode(token, options={"verify_signature": False})


def lifetime(token):
    cl = claims(token)
    return cl["exp"] - cl["iat"]


def advance(seconds):
    admin("POST", "/_emulator/clock", {"advance_seconds": seconds})


def reset_clock():
    admin("POST", "/_emulator/clock", {"offset_seconds": 0})


@check
def lifetimes_out_of_range_are_refused():
    # TokenValidityUnitsType: access and id tokens five minutes to one day (default unit hours),
    # refresh tokens 60 minutes to 10 years (default unit days).
    refused = [
        dict(AccessTokenValidity=4, TokenValidityUnits={"AccessToken": "minutes"}),
        dict(AccessTokenValidity=299, TokenValidityUnits={"AccessToken": "seconds"}),
        dict(AccessTokenValidity=25),
        dict(IdTokenValidity=2, TokenValidityUnits={"IdToken": "days"}),
        dict(RefreshTokenValidity=59, TokenValidityUnits={"RefreshToken": "minutes"}),
        dict(RefreshTokenValidity=3651),
        dict(AccessTokenValidity=1, TokenValidityUnits={"AccessToken": "weeks"}),
    ]
    for kw in refused:
        expect_error("InvalidParameterException", c.create_user_pool_client, UserPoolId=POOL, ClientName="x", **kw)
        expect_error("InvalidParameterException", c.update_user_pool_client, UserPoolId=POOL, ClientId=CLIENT, **kw)
    accepted = [
        dict(AccessTokenValidity=5, TokenValidityUnits={"AccessToken": "minutes"}),
        dict(AccessTokenValidity=24, IdTokenValidity=1, TokenValidityUnits={"IdToken": "days"}),
        dict(RefreshTokenValidity=60, TokenValidityUnits={"RefreshToken": "minutes"}),
        dict(RefreshTokenValidity=3650),
    ]
    for kw in accepted:
        c.create_user_pool_client(UserPoolId=POOL, ClientName="x", **kw)


@check
def issued_tokens_live_as_long_as_the_client_says():
    r = sign_in()
    # Unset: one hour for access and id tokens.
    assert (r["ExpiresIn"], lifetime(r["AccessToken"]), lifetime(r["IdToken"])) == (3600, 3600, 3600), r
    cl = c.create_user_pool_client(UserPoolId=POOL, ClientName="set", ExplicitAuthFlows=FLOWS,
                                   AccessTokenValidity=7, IdTokenValidity=2, RefreshTokenValidity=90,
                                   TokenValidityUnits={"AccessToken": "minutes", "IdToken": "hours",
                                                       "RefreshToken": "minutes"})["UserPoolClient"]["ClientId"]
    r = sign_in(cl)
    assert (r["ExpiresIn"], lifetime(r["AccessToken"]), lifetime(r["IdToken"])) == (420, 420, 7200), r
    fresh = refresh(r["RefreshToken"], cl)
    assert (fresh["ExpiresIn"], lifetime(fresh["AccessToken"])) == (420, 420), fresh
    # The refresh token lives 90 minutes.
    try:
        advance(90 * 60 - 5)
        refresh(r["RefreshToken"], cl)
        advance(10)
        expect_error("NotAuthorizedException", refresh, r["RefreshToken"], cl)
    finally:
        reset_clock()
    # UpdateUserPoolClient: what the request leaves out returns to its default.
    c.update_user_pool_client(UserPoolId=POOL, ClientId=cl, ExplicitAuthFlows=FLOWS,
                              AccessTokenValidity=30, TokenValidityUnits={"AccessToken": "minutes"})
    r = sign_in(cl)
    assert (r["ExpiresIn"], lifetime(r["AccessToken"]), lifetime(r["IdToken"])) == (1800, 1800, 3600), r


@check
def default_refresh_token_lives_thirty_days():
    # Unset, or 0: "If you do, Amazon Cognito overrides the value with the default value of 30
    # days" (API reference, RefreshTokenValidity).
    zero = c.create_user_pool_client(UserPoolId=POOL, ClientName="zero", ExplicitAuthFlows=FLOWS,
                                     RefreshTokenValidity=0)["UserPoolClient"]
    assert zero["RefreshTokenValidity"] == 30, zero
    for client in [CLIENT, zero["ClientId"]]:
        r = sign_in(client)
        try:
            advance(30 * 86400 - 5)
            refresh(r["RefreshToken"], client)
            advance(10)
            expect_error("NotAuthorizedException", refresh, r["RefreshToken"], client)
        finally:
            reset_clock()


@check
def pyjwt_verifies_both_tokens_against_the_pool_jwks():
    r = sign_in()
    jwks_url = f"{ENDPOINT}/{POOL}/.well-known/jwks.json"
    conf = requests.get(f"{ENDPOINT}/{POOL}/.well-known/openid-configuration").json()
    assert conf["issuer"] == ISSUER and conf["jwks_uri"] == jwks_url, conf
    keys = jwt.PyJWKClient(jwks_url)
    idk = keys.get_signing_key_from_jwt(r["IdToken"])
    id_claims = jwt.decode(r["IdToken"], idk.key, algorithms=["RS256"], audience=CLIENT, issuer=ISSUER,
                           options={"require": ["exp", "iat", "auth_time", "sub", "aud", "iss", "jti",
                                                "origin_jti", "event_id", "token_use", "cognito:username"]})
    assert id_claims["token_use"] == "id" and id_claims["cognito:username"] == "alice", id_claims
    assert id_claims["email"] == "alice@example.com" and id_claims["auth_time"] <= id_claims["iat"], id_claims
    ak = keys.get_signing_key_from_jwt(r["AccessToken"])
    # An access token has no aud: the client is in client_id.
    access = jwt.decode(r["AccessToken"], ak.key, algorithms=["RS256"], issuer=ISSUER,
                        options={"require": ["exp", "iat", "auth_time", "sub", "iss", "jti", "origin_jti",
                                             "event_id", "token_use", "client_id", "username", "scope"]})
    assert "aud" not in access and access["client_id"] == CLIENT and access["token_use"] == "access", access
    assert access["username"] == "alice" and access["scope"] == "aws.cognito.signin.user.admin", access
    assert access["sub"] == id_claims["sub"] and access["origin_jti"] == id_claims["origin_jti"], (access, id_claims)
    assert access["event_id"] == id_claims["event_id"] and access["jti"] != id_claims["jti"], (access, id_claims)
    # Changed claims break the signature.
    head, payload, sig = r["AccessToken"].split(".")
    forged = dict(access, username="mallory")
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    try:
        jwt.decode(f"{head}.{body}.{sig}", ak.key, algorithms=["RS256"], issuer=ISSUER)
    except jwt.InvalidSignatureError:
        pass
    else:
        raise AssertionError("a forged access token verified")
    # The id token is for this client only.
    try:
        jwt.decode(r["IdToken"], idk.key, algorithms=["RS256"], audience="another-client", issuer=ISSUER)
    except jwt.InvalidAudienceError:
        pass
    else:
        raise AssertionError("the id token verified for another audience")


@check
def refresh_token_auth_keeps_the_sign_in_and_issues_no_refresh_token():
    r = sign_in()
    fresh = refresh(r["RefreshToken"])
    assert "RefreshToken" not in fresh, fresh
    old, new = claims(r["AccessToken"]), claims(fresh["AccessToken"])
    assert new["auth_time"] == old["auth_time"] and new["origin_jti"] == old["origin_jti"], (old, new)
    assert new["jti"] != old["jti"], (old, new)
    got = c.get_tokens_from_refresh_token(RefreshToken=r["RefreshToken"], ClientId=CLIENT)["AuthenticationResult"]
    assert "RefreshToken" not in got and c.get_user(AccessToken=got["AccessToken"])["Username"] == "alice", got


@check
def rotation_replaces_the_refresh_token_after_a_grace_period():
    rot = c.create_user_pool_client(UserPoolId=POOL, ClientName="rot", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
                                    RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}
                                    )["UserPoolClient"]
    assert rot["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}, rot
    cl = rot["ClientId"]
    r = sign_in(cl)
    # "Refresh token rotation must be completed with GetTokensFromRefreshToken."
    expect_error("InvalidParameterException", refresh, r["RefreshToken"], cl)
    first = c.get_tokens_from_refresh_token(RefreshToken=r["RefreshToken"], ClientId=cl)["AuthenticationResult"]
    assert first["RefreshToken"] != r["RefreshToken"], first
    try:
        advance(5)
        c.get_tokens_from_refresh_token(RefreshToken=r["RefreshToken"], ClientId=cl)
        advance(6)
        expect_error("RefreshTokenReuseException", c.get_tokens_from_refresh_token,
                     RefreshToken=r["RefreshToken"], ClientId=cl)
        again = c.get_tokens_from_refresh_token(RefreshToken=first["RefreshToken"], ClientId=cl)["AuthenticationResult"]
        assert c.get_user(AccessToken=again["AccessToken"])["Username"] == "alice"
    finally:
        reset_clock()
    expect_error("InvalidParameterException", c.create_user_pool_client, UserPoolId=POOL, ClientName="bad",
                 RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 61})


@check
def revoke_and_global_sign_out_end_the_tokens():
    a, b = sign_in(), sign_in()
    c.revoke_token(Token=a["RefreshToken"], ClientId=CLIENT)
    expect_error("NotAuthorizedException", refresh, a["RefreshToken"])
    expect_error("NotAuthorizedException", c.get_user, AccessToken=a["AccessToken"])
    assert c.get_user(AccessToken=b["AccessToken"])["Username"] == "alice"
    expect_error("UnsupportedTokenTypeException", c.revoke_token, Token=b["AccessToken"], ClientId=CLIENT)
    c.global_sign_out(AccessToken=b["AccessToken"])
    expect_error("NotAuthorizedException", c.get_user, AccessToken=b["AccessToken"])
    expect_error("NotAuthorizedException", refresh, b["RefreshToken"])
    expect_error("NotAuthorizedException", c.get_tokens_from_refresh_token, RefreshToken=b["RefreshToken"],
                 ClientId=CLIENT)
    # A client created with token revocation off: "an operation that isn't enabled for the user
    # pool client" (RevokeToken errors).
    off = c.create_user_pool_client(UserPoolId=POOL, ClientName="norevoke", ExplicitAuthFlows=FLOWS,
                                    EnableTokenRevocation=False)["UserPoolClient"]["ClientId"]
    t = sign_in(off)
    expect_error("UnsupportedOperationException", c.revoke_token, Token=t["RefreshToken"], ClientId=off)
    assert "AccessToken" in refresh(t["RefreshToken"], off)


run()

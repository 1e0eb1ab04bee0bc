"""boto3 against the emulator: identity pools (guest and authenticated identities, credentials,
OpenID tokens, developer identities)."""
import base64
import json
import time

from helpers import admin, check, expect_error, identity, idp, run

c = idp()
ci = identity()
POOL = c.create_user_pool(PoolName="ids")["UserPool"]["Id"]
CLIENT = c.create_user_pool_client(UserPoolId=POOL, ClientName="a",
                                   ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
OTHER = c.create_user_pool_client(UserPoolId=POOL, ClientName="b",
                                  ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
PROVIDER = f"cognito-idp.us-east-1.amazonaws.com/{POOL}"
IP = ci.create_identity_pool(IdentityPoolName="ids", AllowUnauthenticatedIdentities=True,
                             CognitoIdentityProviders=[{"ProviderName": PROVIDER, "ClientId": CLIENT}],
                             SupportedLoginProviders={"graph.facebook.com": "123"},
                             DeveloperProviderName="login.example")["IdentityPoolId"]
ROLES = {"authenticated": "arn:aws:iam::123456789012:role/Cognito_idsAuth_Role",
         "unauthenticated": "arn:aws:iam::123456789012:role/Cognito_idsUnauth_Role"}
ci.set_identity_pool_roles(IdentityPoolId=IP, Roles=ROLES)
c.admin_create_user(UserPoolId=POOL, Username="ann", MessageAction="SUPPRESS")
c.admin_set_user_password(UserPoolId=POOL, Username="ann", Password="Passw0rd!", Permanent=True)


def id_token(client=CLIENT):
    return c.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                           AuthParameters={"USERNAME": "ann", "PASSWORD": "Passw0rd!"})["AuthenticationResult"]["IdToken"]


def fake_jwt(claims):
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return enc({"alg": "RS256"}) + "." + enc(claims) + ".c2ln"


@check
def describe():
    d = ci.describe_identity_pool(IdentityPoolId=IP)
    assert d["IdentityPoolName"] == "ids" and d["AllowUnauthenticatedIdentities"] is True
    expect_error("ResourceNotFoundException", ci.describe_identity_pool, IdentityPoolId="us-east-1:nope")


@check
def guest_identities_are_new_each_time_and_get_credentials():
    a = ci.get_id(IdentityPoolId=IP)["IdentityId"]
    b = ci.get_id(IdentityPoolId=IP)["IdentityId"]
    assert a != b
    creds = ci.get_credentials_for_identity(IdentityId=a)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and creds["SecretKey"] and creds["SessionToken"]
    assert creds["Expiration"].timestamp() > time.time()
    tok = ci.get_open_id_token(IdentityId=a)
    assert tok["IdentityId"] == a and tok["Token"].count(".") == 2


@check
def user_pool_logins_are_stable_and_validated():
    logins = {PROVIDER: id_token()}
    a = ci.get_id(IdentityPoolId=IP, Logins=logins)["IdentityId"]
    b = ci.get_id(IdentityPoolId=IP, Logins={PROVIDER: id_token()})["IdentityId"]
    assert a == b
    r = ci.get_credentials_for_identity(IdentityId=a, Logins=logins)
    assert r["IdentityId"] == a
    expect_error("NotAuthorizedException", ci.get_credentials_for_identity, IdentityId=a)
    expect_error("NotAuthorizedException", ci.get_id, IdentityPoolId=IP, Logins={PROVIDER: id_token(OTHER)})
    t = id_token()
    h, p, s = t.split(".")
    expect_error("NotAuthorizedException", ci.get_id, IdentityPoolId=IP, Logins={PROVIDER: h + "." + p + "." + s[::-1]})
    expect_error("NotAuthorizedException", ci.get_id, IdentityPoolId=IP, Logins={"accounts.google.com": t})
    admin("POST", "/_emulator/clock", {"advance_seconds": 3601})
    try:
        expect_error("NotAuthorizedException", ci.get_credentials_for_identity, IdentityId=a, Logins=logins)
    finally:
        admin("POST", "/_emulator/clock", {"offset_seconds": 0})


@check
def external_providers_accept_only_the_tokens_registered_for_them():
    # The test seam: the emulator cannot ask Facebook, so a test says which tokens it issued.
    admin("POST", "/_emulator/federation/tokens",
          {"provider": "graph.facebook.com", "token": "fb-tok", "subject": "fb-1", "audience": "123"})
    a = ci.get_id(IdentityPoolId=IP, Logins={"graph.facebook.com": "fb-tok"})["IdentityId"]
    assert a == ci.get_id(IdentityPoolId=IP, Logins={"graph.facebook.com": "fb-tok"})["IdentityId"]
    expect_error("NotAuthorizedException", ci.get_id, IdentityPoolId=IP,
                 Logins={"graph.facebook.com": fake_jwt({"sub": "fb-1", "exp": int(time.time()) + 600})})
    admin("POST", "/_emulator/federation/tokens",
          {"provider": "graph.facebook.com", "token": "fb-old", "subject": "fb-1", "expires_in_seconds": -5})
    expect_error("NotAuthorizedException", ci.get_id, IdentityPoolId=IP, Logins={"graph.facebook.com": "fb-old"})
    admin("POST", "/_emulator/federation/tokens",
          {"provider": "graph.facebook.com", "token": "fb-other-app", "subject": "fb-2", "audience": "999"})
    expect_error("NotAuthorizedException", ci.get_id, IdentityPoolId=IP, Logins={"graph.facebook.com": "fb-other-app"})


@check
def update_identity_pool_replaces_the_providers_and_keeps_identities():
    pool = ci.create_identity_pool(IdentityPoolName="upd", AllowUnauthenticatedIdentities=True,
                                   DeveloperProviderName="dev.example")
    pid = pool["IdentityPoolId"]
    guest = ci.get_id(IdentityPoolId=pid)["IdentityId"]
    oidc = "arn:aws:iam::123456789012:oidc-provider/login.example.com"
    saml = "arn:aws:iam::123456789012:saml-provider/corp"
    ci.update_identity_pool(IdentityPoolId=pid, IdentityPoolName="upd", AllowUnauthenticatedIdentities=True,
                            SupportedLoginProviders={"accounts.google.com": "g"},
                            OpenIdConnectProviderARNs=[oidc], SamlProviderARNs=[saml],
                            DeveloperProviderName="dev.example")
    d = ci.describe_identity_pool(IdentityPoolId=pid)
    assert d["OpenIdConnectProviderARNs"] == [oidc] and d["SamlProviderARNs"] == [saml]
    assert d["SupportedLoginProviders"] == {"accounts.google.com": "g"}
    assert ci.describe_identity(IdentityId=guest)["IdentityId"] == guest
    expect_error("InvalidParameterException", ci.update_identity_pool, IdentityPoolId=pid,
                 IdentityPoolName="upd", AllowUnauthenticatedIdentities=True, DeveloperProviderName="other")
    expect_error("InvalidParameterException", ci.create_identity_pool, IdentityPoolName="bad",
                 AllowUnauthenticatedIdentities=True, OpenIdConnectProviderARNs=["login.example.com/not-an-arn"])


@check
def a_guest_signing_in_keeps_its_identity_and_a_second_guest_is_merged():
    # "Switching unauthenticated users to authenticated users": the identity id is kept.
    c.admin_create_user(UserPoolId=POOL, Username="gus", MessageAction="SUPPRESS")
    c.admin_set_user_password(UserPoolId=POOL, Username="gus", Password="Passw0rd!", Permanent=True)
    tok = c.initiate_auth(ClientId=CLIENT, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "gus", "PASSWORD": "Passw0rd!"})["AuthenticationResult"]["IdToken"]
    guest = ci.get_id(IdentityPoolId=IP)["IdentityId"]
    r = ci.get_credentials_for_identity(IdentityId=guest, Logins={PROVIDER: tok})
    assert r["IdentityId"] == guest
    assert ci.get_id(IdentityPoolId=IP, Logins={PROVIDER: tok})["IdentityId"] == guest
    other = ci.get_id(IdentityPoolId=IP)["IdentityId"]
    merged = ci.get_credentials_for_identity(IdentityId=other, Logins={PROVIDER: tok})
    assert merged["IdentityId"] == guest


@check
def developer_identities():
    r = ci.get_open_id_token_for_developer_identity(IdentityPoolId=IP, Logins={"login.example": "user-7"}, TokenDuration=600)
    again = ci.get_open_id_token_for_developer_identity(IdentityPoolId=IP, Logins={"login.example": "user-7"})
    assert r["IdentityId"] == again["IdentityId"]
    found = ci.lookup_developer_identity(IdentityPoolId=IP, DeveloperUserIdentifier="user-7")
    assert found["IdentityId"] == r["IdentityId"] and found["DeveloperUserIdentifierList"] == ["user-7"]
    creds = ci.get_credentials_for_identity(IdentityId=r["IdentityId"], Logins={"cognito-identity.amazonaws.com": r["Token"]})
    assert creds["Credentials"]["AccessKeyId"]


@check
def guests_refused_when_not_allowed():
    closed = ci.create_identity_pool(IdentityPoolName="closed", AllowUnauthenticatedIdentities=False)["IdentityPoolId"]
    expect_error("NotAuthorizedException", ci.get_id, IdentityPoolId=closed)


@check
def server_side_token_check_refuses_revoked_tokens():
    strict = ci.create_identity_pool(IdentityPoolName="strict", AllowUnauthenticatedIdentities=False,
                                     CognitoIdentityProviders=[{"ProviderName": PROVIDER, "ClientId": CLIENT,
                                                                "ServerSideTokenCheck": True}])["IdentityPoolId"]
    ci.set_identity_pool_roles(IdentityPoolId=strict, Roles=ROLES)
    auth = c.initiate_auth(ClientId=CLIENT, AuthFlow="USER_PASSWORD_AUTH",
                           AuthParameters={"USERNAME": "ann", "PASSWORD": "Passw0rd!"})["AuthenticationResult"]
    logins = {PROVIDER: auth["IdToken"]}
    ident = ci.get_id(IdentityPoolId=strict, Logins=logins)["IdentityId"]
    ci.get_credentials_for_identity(IdentityId=ident, Logins=logins)
    c.revoke_token(Token=auth["RefreshToken"], ClientId=CLIENT)
    expect_error("NotAuthorizedException", ci.get_credentials_for_identity, IdentityId=ident, Logins=logins)
    # Without the check (the first pool), the same revoked but unexpired token is still accepted.
    ci.get_id(IdentityPoolId=IP, Logins=logins)


run()

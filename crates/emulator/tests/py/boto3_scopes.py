"""The scope of the user's self-service operations, over HTTP: a hosted-UI sign-in (urllib plays
the browser and the app) that asked only for `openid email` gets an access token boto3's GetUser
is refused with, as Cognito refuses it (400, NotAuthorizedException, "Access Token does not have
required scopes"); the same sign-in asking for `aws.cognito.signin.user.admin` works, and so does
an InitiateAuth token."""
import base64
import hashlib
import html
import json
import re
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

from helpers import ENDPOINT, check, idp, run

ADMIN = "aws.cognito.signin.user.admin"
CALLBACK = "http://127.0.0.1:8123/callback"
VERIFIER = "boto3-scope-verifier-boto3-scope-verifier-000000001"

c = idp()
POOL = c.create_user_pool(PoolName="scopes")["UserPool"]["Id"]
CLIENT = c.create_user_pool_client(
    UserPoolId=POOL, ClientName="app",
    ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
    AllowedOAuthScopes=["openid", "email", ADMIN], CallbackURLs=[CALLBACK],
    SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]["ClientId"]
c.create_user_pool_domain(Domain="boto3-scopes", UserPoolId=POOL)
c.admin_create_user(UserPoolId=POOL, Username="alice", MessageAction="SUPPRESS",
                    UserAttributes=[{"Name": "email", "Value": "alice@example.com"}])
c.admin_set_user_password(UserPoolId=POOL, Username="alice", Password="Passw0rd!", Permanent=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http(method, path, form=None, headers=None):
    """(status, headers, body) of one request, redirects not followed."""
    data = None if form is None else urlencode(form).encode()
    req = urllib.request.Request(ENDPOINT + path, data=data, method=method, headers=headers or {})
    try:
        with _opener.open(req) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def hosted_ui_access_token(scope):
    """The code flow with PKCE through the login form; the token endpoint's access token."""
    challenge = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
    status, headers, body = http("GET", "/oauth2/authorize?" + urlencode({
        "response_type": "code", "client_id": CLIENT, "redirect_uri": CALLBACK, "scope": scope,
        "state": "st", "code_challenge": challenge, "code_challenge_method": "S256"}))
    assert status == 302, (status, body)
    status, headers, form = http("GET", headers["Location"])
    assert status == 200, form
    cookie = headers["Set-Cookie"].split(";")[0]
    action = html.unescape(re.search(r'<form[^>]*action="([^"]*)"', form).group(1))
    csrf = re.search(r'name="_csrf" value="([^"]*)"', form).group(1)
    status, headers, body = http("POST", action, {"_csrf": csrf, "username": "alice", "password": "Passw0rd!"},
                                 {"Cookie": cookie})
    assert status == 302 and headers["Location"].startswith(CALLBACK), (status, body)
    code = parse_qs(urlsplit(headers["Location"]).query)["code"][0]
    status, _, body = http("POST", "/oauth2/token", {
        "grant_type": "authorization_code", "client_id": CLIENT, "code": code,
        "redirect_uri": CALLBACK, "code_verifier": VERIFIER})
    assert status == 200, body
    return json.loads(body)["access_token"]


@check
def hosted_ui_token_without_the_admin_scope_is_refused():
    token = hosted_ui_access_token("openid email")
    try:
        c.get_user(AccessToken=token)
    except c.exceptions.NotAuthorizedException as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response
        assert e.response["Error"]["Message"] == "Access Token does not have required scopes", e.response
    else:
        raise AssertionError("GetUser accepted a token without " + ADMIN)
    # The token is good for what it was granted: the userInfo endpoint (openid, email).
    status, _, info = http("GET", "/oauth2/userInfo", headers={"Authorization": "Bearer " + token})
    assert status == 200 and json.loads(info)["email"] == "alice@example.com", info


@check
def hosted_ui_token_with_the_admin_scope_works():
    token = hosted_ui_access_token("openid email " + ADMIN)
    assert c.get_user(AccessToken=token)["Username"] == "alice"


@check
def initiate_auth_token_works():
    out = c.initiate_auth(ClientId=CLIENT, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!"})
    assert c.get_user(AccessToken=out["AuthenticationResult"]["AccessToken"])["Username"] == "alice"


run()

"""The hosted UI's OAuth endpoints driven with requests, as a web app's backend and a browser do
(developer guide: Authorize, Login, Token, UserInfo and Logout endpoints), and an admin call
signed by hand with botocore's SigV4Auth."""
import base64
import hashlib
import html
import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from helpers import ENDPOINT, check, idp, run

CALLBACK = "https://app.example.com/callback"
SIGNED_OUT = "https://app.example.com/signed-out"
VERIFIER = "hosted-ui-verifier-" + "v" * 40
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()

c = idp()
POOL = c.create_user_pool(PoolName="hosted")["UserPool"]["Id"]


def oauth_client(secret):
    return c.create_user_pool_client(
        UserPoolId=POOL, ClientName="web", GenerateSecret=secret, AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "email", "profile"], CallbackURLs=[CALLBACK],
        LogoutURLs=[SIGNED_OUT], SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]


PUBLIC = oauth_client(False)["ClientId"]
CONFIDENTIAL = oauth_client(True)
c.create_user_pool_domain(Domain="requests-hosted", UserPoolId=POOL)
c.admin_create_user(UserPoolId=POOL, Username="alice", MessageAction="SUPPRESS",
                    UserAttributes=[{"Name": "email", "Value": "alice@example.com"},
                                    {"Name": "email_verified", "Value": "true"}])
c.admin_set_user_password(UserPoolId=POOL, Username="alice", Password="Passw0rd!", Permanent=True)


def authorize(browser, client_id, redirect_uri=CALLBACK, pkce=True):
    q = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
         "scope": "openid email", "state": "st-42"}
    if pkce:
        q.update(code_challenge=CHALLENGE, code_challenge_method="S256")
    return browser.get(f"{ENDPOINT}/oauth2/authorize?{urlencode(q)}", allow_redirects=False)


def absolute(url):
    return url if url.startswith("http") else ENDPOINT + url


def code_for(client_id, pkce=True):
    """Signs alice in through the login form; the code the callback receives."""
    browser = requests.Session()
    r = authorize(browser, client_id, pkce=pkce)
    assert r.status_code == 302, (r.status_code, r.text)
    form = browser.get(absolute(r.headers["Location"]), allow_redirects=False)
    assert form.status_code == 200, form.text
    action = html.unescape(re.search(r'<form[^>]*action="([^"]*)"', form.text).group(1))
    csrf = re.search(r'name="_csrf" value="([^"]*)"', form.text).group(1)
    r = browser.post(absolute(action), data={"_csrf": csrf, "username": "alice", "password": "Passw0rd!"},
                     allow_redirects=False)
    location = r.headers.get("Location", "")
    assert r.status_code == 302 and location.startswith(CALLBACK + "?"), (r.status_code, location, r.text)
    q = parse_qs(urlsplit(location).query)
    assert q["state"] == ["st-42"], q
    return q["code"][0]


def token(form, auth=None):
    r = requests.post(f"{ENDPOINT}/oauth2/token", data=form, auth=auth)
    return r.status_code, r.json()


def grant(code, client_id=PUBLIC, **extra):
    return {"grant_type": "authorization_code", "client_id": client_id, "code": code, "redirect_uri": CALLBACK,
            "code_verifier": VERIFIER, **extra}


@check
def redirect_uri_must_match_a_callback_url_exactly():
    for near_miss in [CALLBACK + "/", CALLBACK.upper(), "https://APP.example.com/callback", CALLBACK + "?x=1",
                      CALLBACK + "#f", "http://app.example.com/callback"]:
        r = authorize(requests.Session(), PUBLIC, near_miss)
        # Never redirected to an unregistered URI: an error page instead.
        location = r.headers.get("Location", "")
        assert not location.startswith(near_miss.split("#")[0]) and "redirect_mismatch" in location, (near_miss, location)
        page = requests.get(absolute(location))
        assert page.status_code == 400, (near_miss, page.status_code)
    r = authorize(requests.Session(), PUBLIC)
    assert r.status_code == 302 and not r.headers["Location"].startswith(CALLBACK), r.headers


@check
def pkce_is_checked_and_optional():
    status, body = token(grant(code_for(PUBLIC), code_verifier="w" * 50))
    assert (status, body["error"]) == (400, "invalid_grant"), body
    status, body = token(grant(code_for(PUBLIC), code_verifier=None))
    assert (status, body["error"]) == (400, "invalid_grant"), body
    # A public client may go without PKCE (code_challenge_method is optional).
    status, body = token(grant(code_for(PUBLIC, pkce=False), code_verifier=None))
    assert status == 200 and body["token_type"] == "Bearer", body


@check
def a_code_is_single_use_and_bound_to_its_redirect_uri_and_client():
    status, body = token(grant(code_for(PUBLIC), redirect_uri=CALLBACK + "/"))
    assert (status, body["error"]) == (400, "invalid_grant"), body
    code = code_for(PUBLIC)
    status, body = token(grant(code))
    assert status == 200 and {"access_token", "id_token", "refresh_token"} <= set(body), body
    assert body["expires_in"] == 3600, body
    status, again = token(grant(code))
    assert (status, again["error"]) == (400, "invalid_grant"), again
    cid, secret = CONFIDENTIAL["ClientId"], CONFIDENTIAL["ClientSecret"]
    status, body = token(grant(code_for(PUBLIC), client_id=cid), auth=(cid, secret))
    assert status == 400 and body["error"] == "invalid_grant", body


@check
def a_client_with_a_secret_authenticates_by_basic_or_post():
    cid, secret = CONFIDENTIAL["ClientId"], CONFIDENTIAL["ClientSecret"]
    status, body = token(grant(code_for(cid), client_id=cid, code_verifier=VERIFIER), auth=(cid, secret))
    assert status == 200 and "access_token" in body, body
    status, body = token(grant(code_for(cid), client_id=cid, client_secret=secret))
    assert status == 200 and "access_token" in body, body
    status, body = token(grant(code_for(cid), client_id=cid))
    assert body["error"] == "invalid_client" and secret not in json.dumps(body), body
    status, body = token(grant(code_for(cid), client_id=cid), auth=(cid, "not-the-secret"))
    assert body["error"] == "invalid_client", body


@check
def user_info_and_refresh_grant():
    status, tokens = token(grant(code_for(PUBLIC)))
    assert status == 200, tokens
    info = requests.get(f"{ENDPOINT}/oauth2/userInfo", headers={"Authorization": "Bearer " + tokens["access_token"]})
    assert info.status_code == 200, info.text
    body = info.json()
    assert body["email"] == "alice@example.com" and body["username"] == "alice" and "sub" in body, body
    bad = requests.get(f"{ENDPOINT}/oauth2/userInfo", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and "invalid_token" in bad.headers.get("WWW-Authenticate", ""), bad.headers
    status, fresh = token({"grant_type": "refresh_token", "client_id": PUBLIC,
                           "refresh_token": tokens["refresh_token"]})
    assert status == 200 and "access_token" in fresh and "refresh_token" not in fresh, fresh
    status, body = token({"grant_type": "refresh_token", "client_id": PUBLIC, "refresh_token": "nope"})
    assert (status, body["error"]) == (400, "invalid_grant"), body


@check
def logout_goes_only_to_a_registered_sign_out_url():
    r = requests.get(f"{ENDPOINT}/logout?" + urlencode({"client_id": PUBLIC, "logout_uri": SIGNED_OUT}),
                     allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == SIGNED_OUT, (r.status_code, r.headers)
    for wrong in [SIGNED_OUT + "/", SIGNED_OUT + "?a=1", "https://evil.example.com/"]:
        r = requests.get(f"{ENDPOINT}/logout?" + urlencode({"client_id": PUBLIC, "logout_uri": wrong}),
                         allow_redirects=False)
        assert r.status_code == 400 and "Location" not in r.headers, (wrong, r.status_code, r.headers)


def signed_call(operation, body):
    """An admin operation through requests, signed with botocore's SigV4Auth (as an SDK does)."""
    request = AWSRequest(method="POST", url=ENDPOINT + "/", data=json.dumps(body), headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}"})
    SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), "cognito-idp",
              "us-east-1").add_auth(request)
    return requests.post(ENDPOINT + "/", data=request.body, headers=dict(request.headers.items()))


@check
def a_botocore_signed_admin_request_works():
    r = signed_call("AdminCreateUser", {"UserPoolId": POOL, "Username": "signed", "MessageAction": "SUPPRESS"})
    assert r.status_code == 200 and r.json()["User"]["Username"] == "signed", r.text
    r = signed_call("ListUsers", {"UserPoolId": POOL, "Filter": 'username = "signed"'})
    assert r.status_code == 200 and [u["Username"] for u in r.json()["Users"]] == ["signed"], r.text


run()

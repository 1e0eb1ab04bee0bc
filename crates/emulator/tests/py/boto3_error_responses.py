"""The errors users hit most, as boto3 sees them (codes and messages), and what
PreventUserExistenceErrors changes (developer guide, "Managing user existence error responses")."""
import base64
import hashlib
import hmac

from helpers import admin, check, expect_error, idp, last_code, run

c = idp()
POOL = c.create_user_pool(PoolName="errors", AutoVerifiedAttributes=["email"], Policies={"PasswordPolicy": {
    "MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True,
    "RequireSymbols": True}})["UserPool"]["Id"]
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
         "ALLOW_REFRESH_TOKEN_AUTH"]


def client(**kw):
    return c.create_user_pool_client(UserPoolId=POOL, ClientName="app", ExplicitAuthFlows=FLOWS,
                                     **kw)["UserPoolClient"]


HIDING = client(PreventUserExistenceErrors="ENABLED")["ClientId"]
LEGACY = client(PreventUserExistenceErrors="LEGACY")["ClientId"]
DEFAULT = client()["ClientId"]


def make_user(name, verified=True):
    c.admin_create_user(UserPoolId=POOL, Username=name, MessageAction="SUPPRESS",
                        UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"},
                                        {"Name": "email_verified", "Value": "true" if verified else "false"}])
    c.admin_set_user_password(UserPoolId=POOL, Username=name, Password="Passw0rd!", Permanent=True)


def sign_in(cl, user, password, **extra):
    return c.initiate_auth(ClientId=cl, AuthFlow="USER_PASSWORD_AUTH",
                           AuthParameters={"USERNAME": user, "PASSWORD": password, **extra})


make_user("real")
make_user("off")
c.admin_disable_user(UserPoolId=POOL, Username="off")


@check
def wrong_password_and_unknown_user():
    e = expect_error("NotAuthorizedException", sign_in, LEGACY, "real", "Wrong0rd!")
    assert e.response["Error"]["Message"] == "Incorrect username or password.", e.response
    expect_error("UserNotFoundException", sign_in, LEGACY, "ghost", "Passw0rd!")
    # Without the setting, an API-created client is LEGACY.
    described = c.describe_user_pool_client(UserPoolId=POOL, ClientId=DEFAULT)["UserPoolClient"]
    assert described.get("PreventUserExistenceErrors", "LEGACY") == "LEGACY", described
    expect_error("UserNotFoundException", sign_in, DEFAULT, "ghost", "Passw0rd!")
    # ENABLED: a missing user is a wrong password, for every authentication operation.
    e = expect_error("NotAuthorizedException", sign_in, HIDING, "ghost", "Passw0rd!")
    assert e.response["Error"]["Message"] == "Incorrect username or password.", e.response
    expect_error("NotAuthorizedException", c.admin_initiate_auth, UserPoolId=POOL, ClientId=HIDING,
                 AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ghost", "PASSWORD": "x"})
    ch = c.initiate_auth(ClientId=HIDING, AuthFlow="USER_SRP_AUTH",
                         AuthParameters={"USERNAME": "ghost", "SRP_A": "0a1b2c" * 40})
    assert ch["ChallengeName"] == "PASSWORD_VERIFIER", ch
    expect_error("UserNotFoundException", c.initiate_auth, ClientId=LEGACY, AuthFlow="USER_SRP_AUTH",
                 AuthParameters={"USERNAME": "ghost", "SRP_A": "0a1b2c" * 40})
    e = expect_error("NotAuthorizedException", sign_in, HIDING, "off", "Passw0rd!")
    assert e.response["Error"]["Message"] == "User is disabled.", e.response


@check
def recovery_does_not_reveal_missing_users_when_enabled():
    make_user("quiet", verified=False)
    admin("DELETE", "/_emulator/outbox")
    for name in ["ghost", "off", "quiet"]:
        d = c.forgot_password(ClientId=HIDING, Username=name)["CodeDeliveryDetails"]
        assert d["DeliveryMedium"] == "EMAIL" and d["AttributeName"] == "email", (name, d)
    for name in ["ghost", "off"]:
        d = c.resend_confirmation_code(ClientId=HIDING, Username=name)["CodeDeliveryDetails"]
        assert d["DeliveryMedium"] in ("EMAIL", "SMS"), (name, d)
    assert admin("GET", "/_emulator/outbox")["messages"] == [], "a simulated delivery sends nothing"
    for name in ["ghost", "off"]:
        expect_error("CodeMismatchException", c.confirm_forgot_password, ClientId=HIDING, Username=name,
                     ConfirmationCode="123456", Password="N3wPassw0rd!")
    # A real user who never asked for a code.
    expect_error("ExpiredCodeException", c.confirm_forgot_password, ClientId=HIDING, Username="real",
                 ConfirmationCode="123456", Password="N3wPassw0rd!")
    # LEGACY says so.
    expect_error("UserNotFoundException", c.forgot_password, ClientId=LEGACY, Username="ghost")
    expect_error("UserNotFoundException", c.resend_confirmation_code, ClientId=LEGACY, Username="ghost")
    expect_error("UserNotFoundException", c.confirm_forgot_password, ClientId=LEGACY, Username="ghost",
                 ConfirmationCode="123456", Password="N3wPassw0rd!")
    expect_error("InvalidParameterException", c.forgot_password, ClientId=LEGACY, Username="quiet")


@check
def a_user_who_must_reset_the_password():
    make_user("reset")
    c.admin_reset_user_password(UserPoolId=POOL, Username="reset")
    assert c.admin_get_user(UserPoolId=POOL, Username="reset")["UserStatus"] == "RESET_REQUIRED"
    expect_error("PasswordResetRequiredException", sign_in, LEGACY, "reset", "Passw0rd!")
    # With the setting on, "a generic NotAuthorizedException ... instead of returning
    # PasswordResetRequiredException" (developer guide, imported users).
    e = expect_error("NotAuthorizedException", sign_in, HIDING, "reset", "Passw0rd!")
    assert e.response["Error"]["Message"] == "Incorrect username or password.", e.response


@check
def sign_up_errors():
    e = expect_error("InvalidPasswordException", c.sign_up, ClientId=LEGACY, Username="weak", Password="password")
    assert e.response["Error"]["Message"].startswith("Password did not conform with policy"), e.response
    expect_error("InvalidPasswordException", c.sign_up, ClientId=LEGACY, Username="weak", Password="Passw0rdxx")
    c.sign_up(ClientId=LEGACY, Username="new", Password="Passw0rd!",
              UserAttributes=[{"Name": "email", "Value": "new@example.com"}])
    expect_error("UsernameExistsException", c.sign_up, ClientId=LEGACY, Username="new", Password="Passw0rd!")
    # The duplicate is reported with the setting on too (documented for SignUp).
    expect_error("UsernameExistsException", c.sign_up, ClientId=HIDING, Username="new", Password="Passw0rd!")
    e = expect_error("UserNotConfirmedException", sign_in, LEGACY, "new", "Passw0rd!")
    assert e.response["Error"]["Message"] == "User is not confirmed.", e.response
    expect_error("NotAuthorizedException", sign_in, LEGACY, "new", "Wrong0rd!")
    code = last_code("new", "sign_up")
    expect_error("CodeMismatchException", c.confirm_sign_up, ClientId=LEGACY, Username="new",
                 ConfirmationCode="000000" if code != "000000" else "111111")
    # Sign-up codes live 24 hours.
    try:
        admin("POST", "/_emulator/clock", {"advance_seconds": 24 * 3600 + 1})
        expect_error("ExpiredCodeException", c.confirm_sign_up, ClientId=LEGACY, Username="new",
                     ConfirmationCode=code)
    finally:
        admin("POST", "/_emulator/clock", {"offset_seconds": 0})
    c.resend_confirmation_code(ClientId=LEGACY, Username="new")
    c.confirm_sign_up(ClientId=LEGACY, Username="new", ConfirmationCode=last_code("new", "sign_up"))
    assert "AuthenticationResult" in sign_in(LEGACY, "new", "Passw0rd!")


@check
def temporary_password_asks_for_a_new_one():
    c.admin_create_user(UserPoolId=POOL, Username="temp", TemporaryPassword="Temp0rary!", MessageAction="SUPPRESS")
    assert c.admin_get_user(UserPoolId=POOL, Username="temp")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    ch = sign_in(LEGACY, "temp", "Temp0rary!")
    assert ch["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and "Session" in ch, ch
    expect_error("InvalidPasswordException", c.respond_to_auth_challenge, ClientId=LEGACY,
                 ChallengeName="NEW_PASSWORD_REQUIRED", Session=ch["Session"],
                 ChallengeResponses={"USERNAME": "temp", "NEW_PASSWORD": "weak"})
    ch = sign_in(LEGACY, "temp", "Temp0rary!")
    done = c.respond_to_auth_challenge(ClientId=LEGACY, ChallengeName="NEW_PASSWORD_REQUIRED", Session=ch["Session"],
                                       ChallengeResponses={"USERNAME": "temp", "NEW_PASSWORD": "N3wPassw0rd!"})
    assert "AccessToken" in done["AuthenticationResult"], done
    assert c.admin_get_user(UserPoolId=POOL, Username="temp")["UserStatus"] == "CONFIRMED"


@check
def a_client_with_a_secret_needs_the_secret_hash():
    cl = client(GenerateSecret=True)
    cid, secret = cl["ClientId"], cl["ClientSecret"]
    e = expect_error("NotAuthorizedException", sign_in, cid, "real", "Passw0rd!")
    assert "SECRET_HASH" in e.response["Error"]["Message"] and secret not in str(e.response), e.response
    expect_error("NotAuthorizedException", sign_in, cid, "real", "Passw0rd!", SECRET_HASH="AAAA")
    expect_error("NotAuthorizedException", c.sign_up, ClientId=cid, Username="x", Password="Passw0rd!")
    h = base64.b64encode(hmac.new(secret.encode(), ("real" + cid).encode(), hashlib.sha256).digest()).decode()
    assert "AuthenticationResult" in sign_in(cid, "real", "Passw0rd!", SECRET_HASH=h)


run()

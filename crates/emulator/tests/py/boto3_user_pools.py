"""boto3 against the emulator: every user-pool operation the emulator implements."""
import base64
import hashlib
import hmac
import json
import time

from helpers import admin, check, expect_error, idp, last_code, run

c = idp()
pool = c.create_user_pool(
    PoolName="boto3",
    AutoVerifiedAttributes=["email"],
    Policies={"PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True,
                                 "RequireNumbers": True, "RequireSymbols": False}},
)["UserPool"]
POOL = pool["Id"]
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
CLIENT = c.create_user_pool_client(UserPoolId=POOL, ClientName="app", ExplicitAuthFlows=FLOWS,
                                   AccessTokenValidity=10, TokenValidityUnits={"AccessToken": "minutes"})["UserPoolClient"]["ClientId"]


def sign_in(user, password, client=CLIENT):
    return c.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                           AuthParameters={"USERNAME": user, "PASSWORD": password})


def make_user(name, password="Passw0rd1"):
    c.admin_create_user(UserPoolId=POOL, Username=name, MessageAction="SUPPRESS",
                        UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"},
                                        {"Name": "email_verified", "Value": "true"}])
    c.admin_set_user_password(UserPoolId=POOL, Username=name, Password=password, Permanent=True)


@check
def describe_pool_and_client():
    d = c.describe_user_pool(UserPoolId=POOL)["UserPool"]
    assert d["Id"] == POOL and d["Name"] == "boto3"
    assert d["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    # No SignInPolicy given: the password is the only first factor.
    assert d["Policies"]["SignInPolicy"] == {"AllowedFirstAuthFactors": ["PASSWORD"]}
    cl = c.describe_user_pool_client(UserPoolId=POOL, ClientId=CLIENT)["UserPoolClient"]
    assert cl["ExplicitAuthFlows"] == FLOWS and "ClientSecret" not in cl
    expect_error("ResourceNotFoundException", c.describe_user_pool, UserPoolId="us-east-1_missing00")


@check
def sign_up_confirm_with_the_delivered_code():
    out = c.sign_up(ClientId=CLIENT, Username="bob", Password="Passw0rd1",
                    UserAttributes=[{"Name": "email", "Value": "bob@example.com"}])
    assert out["UserConfirmed"] is False and out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    expect_error("UsernameExistsException", c.sign_up, ClientId=CLIENT, Username="bob", Password="Passw0rd1")
    expect_error("InvalidPasswordException", c.sign_up, ClientId=CLIENT, Username="weak", Password="short")
    expect_error("UserNotConfirmedException", sign_in, "bob", "Passw0rd1")
    code = last_code("bob", "sign_up")
    expect_error("CodeMismatchException", c.confirm_sign_up, ClientId=CLIENT, Username="bob",
                 ConfirmationCode="000000" if code != "000000" else "111111")
    c.resend_confirmation_code(ClientId=CLIENT, Username="bob")
    c.confirm_sign_up(ClientId=CLIENT, Username="bob", ConfirmationCode=last_code("bob", "sign_up"))
    assert "AuthenticationResult" in sign_in("bob", "Passw0rd1")
    expect_error("NotAuthorizedException", sign_in, "bob", "Wrong0rd1")


@check
def admin_operations():
    c.admin_create_user(UserPoolId=POOL, Username="carol", TemporaryPassword="Temp0rary",
                        UserAttributes=[{"Name": "email", "Value": "carol@example.com"}])
    u = c.admin_get_user(UserPoolId=POOL, Username="carol")
    assert u["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    ch = sign_in("carol", last_code("carol", "invitation"))
    assert ch["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    done = c.respond_to_auth_challenge(ClientId=CLIENT, ChallengeName="NEW_PASSWORD_REQUIRED", Session=ch["Session"],
                                       ChallengeResponses={"USERNAME": "carol", "NEW_PASSWORD": "N3wPassword"})
    assert "AccessToken" in done["AuthenticationResult"]
    c.sign_up(ClientId=CLIENT, Username="dan", Password="Passw0rd1")
    c.admin_confirm_sign_up(UserPoolId=POOL, Username="dan")
    assert c.admin_get_user(UserPoolId=POOL, Username="dan")["UserStatus"] == "CONFIRMED"
    c.admin_delete_user(UserPoolId=POOL, Username="dan")
    expect_error("UserNotFoundException", c.admin_get_user, UserPoolId=POOL, Username="dan")


@check
def tokens_refresh_expiry_and_jwks():
    make_user("erin")
    r = sign_in("erin", "Passw0rd1")["AuthenticationResult"]
    assert r["ExpiresIn"] == 600 and r["TokenType"] == "Bearer"
    header = json.loads(base64.urlsafe_b64decode(r["IdToken"].split(".")[0] + "=="))
    claims = json.loads(base64.urlsafe_b64decode(r["IdToken"].split(".")[1] + "=="))
    assert header["alg"] == "RS256" and claims["aud"] == CLIENT and claims["token_use"] == "id"
    assert claims["iss"].endswith("/" + POOL) and claims["cognito:username"] == "erin"
    jwks = admin("GET", f"/{POOL}/.well-known/jwks.json")
    assert jwks["keys"][0]["kid"] == header["kid"]
    conf = admin("GET", f"/{POOL}/.well-known/openid-configuration")
    assert conf["issuer"] == claims["iss"]
    assert c.get_user(AccessToken=r["AccessToken"])["Username"] == "erin"
    admin("POST", "/_emulator/clock", {"advance_seconds": 601})
    try:
        expect_error("NotAuthorizedException", c.get_user, AccessToken=r["AccessToken"])
        fresh = c.initiate_auth(ClientId=CLIENT, AuthFlow="REFRESH_TOKEN_AUTH",
                                AuthParameters={"REFRESH_TOKEN": r["RefreshToken"]})["AuthenticationResult"]
        assert c.get_user(AccessToken=fresh["AccessToken"])["Username"] == "erin"
    finally:
        admin("POST", "/_emulator/clock", {"offset_seconds": 0})


@check
def global_sign_out_and_revoke_token():
    make_user("fay")
    a = sign_in("fay", "Passw0rd1")["AuthenticationResult"]
    b = sign_in("fay", "Passw0rd1")["AuthenticationResult"]
    c.revoke_token(Token=a["RefreshToken"], ClientId=CLIENT)
    expect_error("NotAuthorizedException", c.get_user, AccessToken=a["AccessToken"])
    expect_error("NotAuthorizedException", c.initiate_auth, ClientId=CLIENT, AuthFlow="REFRESH_TOKEN_AUTH",
                 AuthParameters={"REFRESH_TOKEN": a["RefreshToken"]})
    c.get_user(AccessToken=b["AccessToken"])
    c.global_sign_out(AccessToken=b["AccessToken"])
    expect_error("NotAuthorizedException", c.get_user, AccessToken=b["AccessToken"])
    d = sign_in("fay", "Passw0rd1")["AuthenticationResult"]
    c.admin_user_global_sign_out(UserPoolId=POOL, Username="fay")
    expect_error("NotAuthorizedException", c.initiate_auth, ClientId=CLIENT, AuthFlow="REFRESH_TOKEN_AUTH",
                 AuthParameters={"REFRESH_TOKEN": d["RefreshToken"]})


@check
def passwords_and_attributes():
    make_user("gus")
    c.forgot_password(ClientId=CLIENT, Username="gus")
    expect_error("CodeMismatchException", c.confirm_forgot_password, ClientId=CLIENT, Username="gus",
                 ConfirmationCode="not-it", Password="Reset0rd1")
    c.confirm_forgot_password(ClientId=CLIENT, Username="gus", ConfirmationCode=last_code("gus", "forgot_password"),
                              Password="Reset0rd1")
    t = sign_in("gus", "Reset0rd1")["AuthenticationResult"]["AccessToken"]
    c.change_password(AccessToken=t, PreviousPassword="Reset0rd1", ProposedPassword="Chang3d11")
    sign_in("gus", "Chang3d11")
    out = c.update_user_attributes(AccessToken=t, UserAttributes=[{"Name": "email", "Value": "gus2@example.com"},
                                                                  {"Name": "name", "Value": "Gus"}])
    assert out["CodeDeliveryDetailsList"][0]["AttributeName"] == "email"
    c.verify_user_attribute(AccessToken=t, AttributeName="email", Code=last_code("gus", "verify_email"))
    c.get_user_attribute_verification_code(AccessToken=t, AttributeName="email")
    expect_error("CodeMismatchException", c.verify_user_attribute, AccessToken=t, AttributeName="email", Code="x")
    attrs = {a["Name"]: a["Value"] for a in c.get_user(AccessToken=t)["UserAttributes"]}
    assert attrs["email"] == "gus2@example.com" and attrs["name"] == "Gus"
    c.delete_user(AccessToken=t)
    expect_error("UserNotFoundException", sign_in, "gus", "Chang3d11")


@check
def totp_mfa_and_preferences():
    make_user("hal")
    t = sign_in("hal", "Passw0rd1")["AuthenticationResult"]["AccessToken"]
    secret = c.associate_software_token(AccessToken=t)["SecretCode"]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    code = totp(key)
    assert c.verify_software_token(AccessToken=t, UserCode=code)["Status"] == "SUCCESS"
    c.set_user_mfa_preference(AccessToken=t, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    c.admin_set_user_mfa_preference(UserPoolId=POOL, Username="hal",
                                    SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    u = c.get_user(AccessToken=t)
    assert u["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


def totp(key, at=None):
    counter = int((at or time.time()) // 30)
    h = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    o = h[19] & 15
    return "%06d" % ((int.from_bytes(h[o:o + 4], "big") & 0x7FFFFFFF) % 1000000)


@check
def mfa_pool_challenges():
    p = c.create_user_pool(PoolName="mfa", MfaConfiguration="ON")["UserPool"]["Id"]
    cl = c.create_user_pool_client(UserPoolId=p, ClientName="a", ExplicitAuthFlows=FLOWS)["UserPoolClient"]["ClientId"]
    c.admin_create_user(UserPoolId=p, Username="ivy", MessageAction="SUPPRESS",
                        UserAttributes=[{"Name": "phone_number", "Value": "+15555550123"}])
    c.admin_set_user_password(UserPoolId=p, Username="ivy", Password="Passw0rd1!", Permanent=True)
    ch = sign_in("ivy", "Passw0rd1!", cl)
    assert ch["ChallengeName"] == "SMS_MFA", ch
    expect_error("CodeMismatchException", c.respond_to_auth_challenge, ClientId=cl, ChallengeName="SMS_MFA",
                 Session=ch["Session"], ChallengeResponses={"USERNAME": "ivy", "SMS_MFA_CODE": "x"})
    done = c.respond_to_auth_challenge(ClientId=cl, ChallengeName="SMS_MFA", Session=ch["Session"],
                                       ChallengeResponses={"USERNAME": "ivy", "SMS_MFA_CODE": last_code("ivy", "sms_mfa")})
    assert "AccessToken" in done["AuthenticationResult"]
    c.admin_create_user(UserPoolId=p, Username="jo", MessageAction="SUPPRESS")
    c.admin_set_user_password(UserPoolId=p, Username="jo", Password="Passw0rd1!", Permanent=True)
    ch = sign_in("jo", "Passw0rd1!", cl)
    assert ch["ChallengeName"] == "MFA_SETUP"
    a = c.associate_software_token(Session=ch["Session"])
    key = base64.b32decode(a["SecretCode"] + "=" * (-len(a["SecretCode"]) % 8))
    v = c.verify_software_token(Session=a["Session"], UserCode=totp(key))
    done = c.respond_to_auth_challenge(ClientId=cl, ChallengeName="MFA_SETUP", Session=v["Session"],
                                       ChallengeResponses={"USERNAME": "jo"})
    assert "AccessToken" in done["AuthenticationResult"]
    ch = sign_in("jo", "Passw0rd1!", cl)
    assert ch["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


@check
def client_secret_and_flows_enforced():
    cl = c.create_user_pool_client(UserPoolId=POOL, ClientName="secret", GenerateSecret=True,
                                   ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]
    make_user("kim")
    expect_error("NotAuthorizedException", sign_in, "kim", "Passw0rd1", cl["ClientId"])
    h = base64.b64encode(hmac.new(cl["ClientSecret"].encode(), ("kim" + cl["ClientId"]).encode(), hashlib.sha256).digest()).decode()
    r = c.initiate_auth(ClientId=cl["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                        AuthParameters={"USERNAME": "kim", "PASSWORD": "Passw0rd1", "SECRET_HASH": h})
    assert "AccessToken" in r["AuthenticationResult"]
    srp_only = c.create_user_pool_client(UserPoolId=POOL, ClientName="srp", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    expect_error("InvalidParameterException", sign_in, "kim", "Passw0rd1", srp_only["UserPoolClient"]["ClientId"])


@check
def faults_are_injected_and_cleared():
    admin("POST", "/_emulator/faults", {"seed": 1, "rules": [{"operation": "GetUser", "kind": "throttle"}]})
    try:
        expect_error("TooManyRequestsException", c.get_user, AccessToken="x")
        admin("POST", "/_emulator/faults", {"seed": 1, "rules": [{"operation": "GetUser", "kind": "server_error"}]})
        e = expect_error("InternalErrorException", c.get_user, AccessToken="x")
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    finally:
        admin("DELETE", "/_emulator/faults")
    expect_error("NotAuthorizedException", c.get_user, AccessToken="x")


@check
def custom_auth_user_auth_and_email_otp():
    # CustomAuthRules is emulator-only (boto3 would refuse the member), so this pool comes from a seed.
    p = "us-east-1_Flows0001"
    admin("POST", "/_emulator/seed", {"user_pools": [{
        "Id": p, "PoolName": "flows", "MfaConfiguration": "OPTIONAL",
        "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]}},
        "EmailMfaConfiguration": {"Message": "{####}", "Subject": "code"},
        "CustomAuthRules": {"Challenges": [{"PublicChallengeParameters": {"q": "2+2?"}, "Answer": "4"},
                                           {"AnswerFromClientMetadata": "secret"}]}}]})
    cl = c.create_user_pool_client(UserPoolId=p, ClientName="f", ExplicitAuthFlows=[
        "ALLOW_CUSTOM_AUTH", "ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    c.admin_create_user(UserPoolId=p, Username="lee", MessageAction="SUPPRESS",
                        UserAttributes=[{"Name": "email", "Value": "lee@example.com"}, {"Name": "email_verified", "Value": "true"},
                                        {"Name": "phone_number", "Value": "+15555550111"}])
    c.admin_set_user_password(UserPoolId=p, Username="lee", Password="Passw0rd1!", Permanent=True)
    ch = c.initiate_auth(ClientId=cl, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "lee"},
                         ClientMetadata={"secret": "s3"})
    assert ch["ChallengeParameters"]["q"] == "2+2?"
    ch = c.respond_to_auth_challenge(ClientId=cl, ChallengeName="CUSTOM_CHALLENGE", Session=ch["Session"],
                                     ChallengeResponses={"USERNAME": "lee", "ANSWER": "4"})
    expect_error_or_rechallenge = c.respond_to_auth_challenge(ClientId=cl, ChallengeName="CUSTOM_CHALLENGE", Session=ch["Session"],
                                                              ChallengeResponses={"USERNAME": "lee", "ANSWER": "wrong"})
    assert expect_error_or_rechallenge["ChallengeName"] == "CUSTOM_CHALLENGE"
    done = c.respond_to_auth_challenge(ClientId=cl, ChallengeName="CUSTOM_CHALLENGE", Session=expect_error_or_rechallenge["Session"],
                                       ChallengeResponses={"USERNAME": "lee", "ANSWER": "s3"})
    t = done["AuthenticationResult"]["AccessToken"]
    # USER_AUTH: choose EMAIL_OTP, no password.
    ch = c.initiate_auth(ClientId=cl, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "lee"})
    assert ch["ChallengeName"] == "SELECT_CHALLENGE" and "EMAIL_OTP" in ch["AvailableChallenges"]
    ch = c.respond_to_auth_challenge(ClientId=cl, ChallengeName="SELECT_CHALLENGE", Session=ch["Session"],
                                     ChallengeResponses={"USERNAME": "lee", "ANSWER": "EMAIL_OTP"})
    done = c.respond_to_auth_challenge(ClientId=cl, ChallengeName="EMAIL_OTP", Session=ch["Session"],
                                       ChallengeResponses={"USERNAME": "lee", "EMAIL_OTP_CODE": last_code("lee", "email_otp")})
    assert "AccessToken" in done["AuthenticationResult"]
    # GetUserAuthFactors: the first factors USER_AUTH offered (the phone is not verified, so no
    # SMS_OTP) and no MFA yet.
    t = done["AuthenticationResult"]["AccessToken"]
    f = c.get_user_auth_factors(AccessToken=t)
    assert f["Username"] == "lee" and f["ConfiguredUserAuthFactors"] == ["PASSWORD", "EMAIL_OTP"], f
    assert "UserMFASettingList" not in f and "PreferredMfaSetting" not in f, f
    expect_error("NotAuthorizedException", c.get_user_auth_factors, AccessToken="x")
    ch = c.initiate_auth(ClientId=cl, AuthFlow="USER_AUTH",
                         AuthParameters={"USERNAME": "lee", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Passw0rd1!"})
    assert "AccessToken" in ch["AuthenticationResult"]
    # Two MFA factors: SELECT_MFA_TYPE, then EMAIL_OTP as a second factor.
    c.admin_set_user_mfa_preference(UserPoolId=p, Username="lee", SMSMfaSettings={"Enabled": True},
                                    EmailMfaSettings={"Enabled": True})
    ch = sign_in("lee", "Passw0rd1!", cl)
    assert ch["ChallengeName"] == "SELECT_MFA_TYPE", ch
    assert set(json.loads(ch["ChallengeParameters"]["MFAS_CAN_CHOOSE"])) == {"SMS_MFA", "EMAIL_OTP"}
    f = c.get_user_auth_factors(AccessToken=t)
    assert set(f["UserMFASettingList"]) == {"SMS_MFA", "EMAIL_OTP"}, f
    assert f["UserMFASettingList"] == c.get_user(AccessToken=t)["UserMFASettingList"]
    assert "PreferredMfaSetting" not in f, f
    ch = c.respond_to_auth_challenge(ClientId=cl, ChallengeName="SELECT_MFA_TYPE", Session=ch["Session"],
                                     ChallengeResponses={"USERNAME": "lee", "ANSWER": "EMAIL_OTP"})
    assert ch["ChallengeName"] == "EMAIL_OTP"
    expect_error("CodeMismatchException", c.respond_to_auth_challenge, ClientId=cl, ChallengeName="EMAIL_OTP",
                 Session=ch["Session"], ChallengeResponses={"USERNAME": "lee", "EMAIL_OTP_CODE": "x"})
    done = c.respond_to_auth_challenge(ClientId=cl, ChallengeName="EMAIL_OTP", Session=ch["Session"],
                                       ChallengeResponses={"USERNAME": "lee", "EMAIL_OTP_CODE": last_code("lee", "email_otp")})
    assert "AccessToken" in done["AuthenticationResult"]


@check
def admin_reset_password_and_client_listing():
    make_user("max")
    c.admin_reset_user_password(UserPoolId=POOL, Username="max")
    assert c.admin_get_user(UserPoolId=POOL, Username="max")["UserStatus"] == "RESET_REQUIRED"
    expect_error("PasswordResetRequiredException", sign_in, "max", "Passw0rd1")
    c.confirm_forgot_password(ClientId=CLIENT, Username="max", ConfirmationCode=last_code("max", "forgot_password"),
                              Password="Fresh0rd1")
    assert "AuthenticationResult" in sign_in("max", "Fresh0rd1")
    names = {x["ClientName"] for x in c.list_user_pool_clients(UserPoolId=POOL)["UserPoolClients"]}
    assert "app" in names, names


@check
def requests_log_counts_what_boto3_sent():
    make_user("rita")
    admin("DELETE", "/_emulator/requests")
    tokens = sign_in("rita", "Passw0rd1")["AuthenticationResult"]
    c.initiate_auth(ClientId=CLIENT, AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    expect_error("NotAuthorizedException", sign_in, "rita", "wrong-password")
    served = admin("GET", "/_emulator/requests")["requests"]
    seen = [(r["operation"], r["auth_flow"], r["client_id"], r["result"]) for r in served]
    assert seen == [
        ("InitiateAuth", "USER_PASSWORD_AUTH", CLIENT, "ok"),
        ("InitiateAuth", "REFRESH_TOKEN_AUTH", CLIENT, "ok"),
        ("InitiateAuth", "USER_PASSWORD_AUTH", CLIENT, "NotAuthorizedException"),
    ], seen
    admin("DELETE", "/_emulator/requests")
    assert admin("GET", "/_emulator/requests")["requests"] == []


run()

"""boto3 against the emulator: SetUserPoolMfaConfig / GetUserPoolMfaConfig / UpdateUserPool, and
sign-in following the pool's MFA setting."""
from helpers import check, expect_error, idp, run

c = idp()
POOL = c.create_user_pool(PoolName="settings")["UserPool"]["Id"]
CLIENT = c.create_user_pool_client(UserPoolId=POOL, ClientName="app",
                                   ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
                                   )["UserPoolClient"]["ClientId"]
SNS = {"SnsCallerArn": "arn:aws:iam::123456789012:role/cognito-sms"}
TOTP = {"Enabled": True}

for name, attrs in [("alice", []), ("bob", [{"Name": "phone_number", "Value": "+15555550100"}])]:
    c.admin_create_user(UserPoolId=POOL, Username=name, MessageAction="SUPPRESS", UserAttributes=attrs)
    c.admin_set_user_password(UserPoolId=POOL, Username=name, Password="Passw0rd!", Permanent=True)
c.admin_set_user_mfa_preference(UserPoolId=POOL, Username="bob",
                                SMSMfaSettings={"Enabled": True, "PreferredMfa": True})


def step(user):
    out = c.initiate_auth(ClientId=CLIENT, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": user, "PASSWORD": "Passw0rd!"})
    return out.get("ChallengeName", "tokens")


@check
def set_and_get_round_trip():
    got = c.set_user_pool_mfa_config(UserPoolId=POOL, MfaConfiguration="OPTIONAL",
                                     SoftwareTokenMfaConfiguration=TOTP,
                                     SmsMfaConfiguration={"SmsAuthenticationMessage": "Code {####}",
                                                          "SmsConfiguration": SNS},
                                     EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Code"})
    read = c.get_user_pool_mfa_config(UserPoolId=POOL)
    for k in ["MfaConfiguration", "SoftwareTokenMfaConfiguration", "SmsMfaConfiguration",
              "EmailMfaConfiguration"]:
        assert got[k] == read[k], (k, got[k], read[k])
    assert read["MfaConfiguration"] == "OPTIONAL"
    assert read["SmsMfaConfiguration"]["SmsConfiguration"]["SnsCallerArn"] == SNS["SnsCallerArn"]
    assert read["EmailMfaConfiguration"]["Subject"] == "Code"
    assert c.describe_user_pool(UserPoolId=POOL)["UserPool"]["MfaConfiguration"] == "OPTIONAL"


@check
def invalid_combinations_are_refused():
    expect_error("InvalidParameterException", c.set_user_pool_mfa_config, UserPoolId=POOL,
                 MfaConfiguration="ON")
    expect_error("InvalidParameterException", c.set_user_pool_mfa_config, UserPoolId=POOL,
                 MfaConfiguration="ON", SmsMfaConfiguration={"SmsAuthenticationMessage": "no code here"})
    expect_error("InvalidParameterException", c.set_user_pool_mfa_config, UserPoolId=POOL,
                 MfaConfiguration="ON", EmailMfaConfiguration={"Subject": "x" * 141})
    expect_error("ResourceNotFoundException", c.get_user_pool_mfa_config, UserPoolId="us-east-1_nothere00")
    expect_error("InvalidParameterException", c.update_user_pool, UserPoolId=POOL, MfaConfiguration="ON")
    expect_error("InvalidParameterException", c.update_user_pool, UserPoolId=POOL,
                 Policies={"PasswordPolicy": {"MinimumLength": 100}})
    # Nothing refused was applied.
    assert c.get_user_pool_mfa_config(UserPoolId=POOL)["MfaConfiguration"] == "OPTIONAL"


@check
def sign_in_honours_the_setting():
    c.set_user_pool_mfa_config(UserPoolId=POOL, MfaConfiguration="OPTIONAL",
                               SoftwareTokenMfaConfiguration=TOTP, SmsMfaConfiguration={"SmsConfiguration": SNS})
    assert (step("alice"), step("bob")) == ("tokens", "SMS_MFA")
    c.set_user_pool_mfa_config(UserPoolId=POOL, MfaConfiguration="ON",
                               SoftwareTokenMfaConfiguration=TOTP, SmsMfaConfiguration={"SmsConfiguration": SNS})
    assert (step("alice"), step("bob")) == ("MFA_SETUP", "SMS_MFA")
    c.set_user_pool_mfa_config(UserPoolId=POOL, MfaConfiguration="OFF", SoftwareTokenMfaConfiguration=TOTP)
    assert (step("alice"), step("bob")) == ("tokens", "tokens")


@check
def update_user_pool_resets_omitted_settings():
    # OPTIONAL needs a factor: TOTP, which the previous check left on.
    c.update_user_pool(UserPoolId=POOL, MfaConfiguration="OPTIONAL", AutoVerifiedAttributes=["email"],
                       Policies={"PasswordPolicy": {"MinimumLength": 10}})
    d = c.describe_user_pool(UserPoolId=POOL)["UserPool"]
    assert d["MfaConfiguration"] == "OPTIONAL" and d["AutoVerifiedAttributes"] == ["email"]
    assert d["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    c.update_user_pool(UserPoolId=POOL)
    d = c.describe_user_pool(UserPoolId=POOL)["UserPool"]
    assert d["MfaConfiguration"] == "OFF", d["MfaConfiguration"]
    assert "AutoVerifiedAttributes" not in d
    assert d["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert step("bob") == "tokens"


run()

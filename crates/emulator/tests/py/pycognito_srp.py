"""pycognito's SRP implementation against the emulator: the right password signs in, a wrong one
is refused."""
from pycognito.aws_srp import AWSSRP, generate_hash_device

from helpers import check, idp, run

c = idp()
POOL = c.create_user_pool(PoolName="srp")["UserPool"]["Id"]
CLIENT = c.create_user_pool_client(UserPoolId=POOL, ClientName="a",
                                   ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]
SECRET = c.create_user_pool_client(UserPoolId=POOL, ClientName="s", GenerateSecret=True,
                                   ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]
c.admin_create_user(UserPoolId=POOL, Username="zoe", MessageAction="SUPPRESS")
c.admin_set_user_password(UserPoolId=POOL, Username="zoe", Password="Passw0rd!", Permanent=True)


@check
def right_password_signs_in():
    tokens = AWSSRP("zoe", "Passw0rd!", POOL, CLIENT["ClientId"], client=c).authenticate_user()
    assert c.get_user(AccessToken=tokens["AuthenticationResult"]["AccessToken"])["Username"] == "zoe"


@check
def wrong_password_is_refused():
    try:
        AWSSRP("zoe", "Wrong0rd!", POOL, CLIENT["ClientId"], client=c).authenticate_user()
    except c.exceptions.NotAuthorizedException:
        return
    raise AssertionError("wrong password accepted")


@check
def client_with_secret():
    tokens = AWSSRP("zoe", "Passw0rd!", POOL, SECRET["ClientId"], client=c,
                    client_secret=SECRET["ClientSecret"]).authenticate_user()
    assert "AccessToken" in tokens["AuthenticationResult"]


@check
def devices_confirm_and_device_srp():
    pool = c.create_user_pool(PoolName="dev", DeviceConfiguration={
        "ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": True})["UserPool"]["Id"]
    client = c.create_user_pool_client(UserPoolId=pool, ClientName="d", ExplicitAuthFlows=[
        "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    c.admin_create_user(UserPoolId=pool, Username="dev", MessageAction="SUPPRESS")
    c.admin_set_user_password(UserPoolId=pool, Username="dev", Password="Passw0rd!", Permanent=True)
    first = AWSSRP("dev", "Passw0rd!", pool, client, client=c).authenticate_user()["AuthenticationResult"]
    meta = first["NewDeviceMetadata"]
    device_password, config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    out = c.confirm_device(AccessToken=first["AccessToken"], DeviceKey=meta["DeviceKey"],
                           DeviceSecretVerifierConfig=config, DeviceName="laptop")
    assert out["UserConfirmationNecessary"] is True
    c.update_device_status(AccessToken=first["AccessToken"], DeviceKey=meta["DeviceKey"],
                           DeviceRememberedStatus="remembered")
    got = c.get_device(AccessToken=first["AccessToken"], DeviceKey=meta["DeviceKey"])["Device"]
    attrs = {a["Name"]: a["Value"] for a in got["DeviceAttributes"]}
    assert attrs["device_status"] == "valid" and attrs["device_name"] == "laptop", attrs
    assert [d["DeviceKey"] for d in c.list_devices(AccessToken=first["AccessToken"])["Devices"]] == [meta["DeviceKey"]]
    assert len(c.admin_list_devices(UserPoolId=pool, Username="dev")["Devices"]) == 1
    # Second sign-in: pycognito answers DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER.
    second = AWSSRP("dev", "Passw0rd!", pool, client, client=c, device_key=meta["DeviceKey"],
                    device_group_key=meta["DeviceGroupKey"], device_password=device_password).authenticate_user()
    assert "NewDeviceMetadata" not in second["AuthenticationResult"]
    try:
        AWSSRP("dev", "Passw0rd!", pool, client, client=c, device_key=meta["DeviceKey"],
               device_group_key=meta["DeviceGroupKey"], device_password="wrong-device-password").authenticate_user()
        raise AssertionError("wrong device password accepted")
    except c.exceptions.NotAuthorizedException:
        pass
    c.admin_update_device_status(UserPoolId=pool, Username="dev", DeviceKey=meta["DeviceKey"],
                                 DeviceRememberedStatus="not_remembered")
    got = c.admin_get_device(UserPoolId=pool, Username="dev", DeviceKey=meta["DeviceKey"])["Device"]
    assert {a["Name"]: a["Value"] for a in got["DeviceAttributes"]}["device_status"] == "not_remembered"
    c.admin_forget_device(UserPoolId=pool, Username="dev", DeviceKey=meta["DeviceKey"])
    expect_not_found = c.exceptions.ResourceNotFoundException
    try:
        c.forget_device(AccessToken=first["AccessToken"], DeviceKey=meta["DeviceKey"])
        raise AssertionError("forgotten device still known")
    except expect_not_found:
        pass
    assert c.list_devices(AccessToken=first["AccessToken"])["Devices"] == []


run()

"""pycognito's SRP implementation against the emulator: the right password signs in, a wrong one
is refused."""
from pycognito.aws_srp import AWSSRP

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


run()

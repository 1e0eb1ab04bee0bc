"""Creates a pool, a client (USER_SRP_AUTH and USER_PASSWORD_AUTH allowed, no device tracking) and
a confirmed user on ENDPOINT; prints `POOL_ID CLIENT_ID`."""
import os
import sys

import boto3

os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
c = boto3.client("cognito-idp", endpoint_url=sys.argv[1], region_name="us-east-1")
pool = c.create_user_pool(PoolName="bench")["UserPool"]["Id"]
client = c.create_user_pool_client(
    UserPoolId=pool,
    ClientName="bench",
    ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
)
c.admin_create_user(UserPoolId=pool, Username="bench", MessageAction="SUPPRESS")
c.admin_set_user_password(UserPoolId=pool, Username="bench", Password="Passw0rd!", Permanent=True)
print(pool, client["UserPoolClient"]["ClientId"])

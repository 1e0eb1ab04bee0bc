"""boto3 against the emulator: user-pool groups (with roles and precedence) end to end. The
group claims of the tokens, a Token and a Rules role mapping on the identity pool, the
credentials they give checked with STS GetCallerIdentity, and Deny refused as Cognito refuses
it."""
import base64
import json

import boto3

from helpers import ENDPOINT, NO_RETRY, check, expect_error, identity, idp, run

ACCOUNT = "123456789012"
AUTH_ROLE = f"arn:aws:iam::{ACCOUNT}:role/Cognito_grpAuth_Role"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/grp-admin"
EDITOR_ROLE = f"arn:aws:iam::{ACCOUNT}:role/grp-editor"
SALES_ROLE = f"arn:aws:iam::{ACCOUNT}:role/grp-sales"

c = idp()
ci = identity()
POOL = c.create_user_pool(PoolName="groups", Schema=[{"Name": "dept", "AttributeDataType": "String",
                                                      "Mutable": True}])["UserPool"]["Id"]
CLIENT = c.create_user_pool_client(UserPoolId=POOL, ClientName="a",
                                   ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                      "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
PROVIDER = f"cognito-idp.us-east-1.amazonaws.com/{POOL}"
MAPPING_KEY = f"{PROVIDER}:{CLIENT}"
IP = ci.create_identity_pool(IdentityPoolName="groups", AllowUnauthenticatedIdentities=False,
                             CognitoIdentityProviders=[{"ProviderName": PROVIDER, "ClientId": CLIENT}])["IdentityPoolId"]
c.admin_create_user(UserPoolId=POOL, Username="ann", MessageAction="SUPPRESS",
                    UserAttributes=[{"Name": "custom:dept", "Value": "Sales-EU"}])
c.admin_set_user_password(UserPoolId=POOL, Username="ann", Password="Passw0rd!", Permanent=True)


def claims(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def sign_in():
    return c.initiate_auth(ClientId=CLIENT, AuthFlow="USER_PASSWORD_AUTH",
                           AuthParameters={"USERNAME": "ann", "PASSWORD": "Passw0rd!"})["AuthenticationResult"]


def caller_arn(custom=None):
    logins = {PROVIDER: sign_in()["IdToken"]}
    ident = ci.get_id(IdentityPoolId=IP, Logins=logins)["IdentityId"]
    kw = {"CustomRoleArn": custom} if custom else {}
    creds = ci.get_credentials_for_identity(IdentityId=ident, Logins=logins, **kw)["Credentials"]
    sts = boto3.client("sts", endpoint_url=ENDPOINT, region_name="us-east-1", config=NO_RETRY,
                       aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                       aws_session_token=creds["SessionToken"])
    return sts.get_caller_identity()["Arn"]


def assumed(role):
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role.rsplit('/', 1)[1]}/CognitoIdentityCredentials"


def set_mapping(mapping):
    ci.set_identity_pool_roles(IdentityPoolId=IP, Roles={"authenticated": AUTH_ROLE},
                               RoleMappings={MAPPING_KEY: mapping})


@check
def groups_are_created_and_listed():
    g = c.create_group(UserPoolId=POOL, GroupName="admins", Description="all powers",
                       RoleArn=ADMIN_ROLE, Precedence=1)["Group"]
    assert g["GroupName"] == "admins" and g["Precedence"] == 1 and g["RoleArn"] == ADMIN_ROLE, g
    c.create_group(UserPoolId=POOL, GroupName="editors", RoleArn=EDITOR_ROLE, Precedence=5)
    c.create_group(UserPoolId=POOL, GroupName="plain")
    expect_error("GroupExistsException", c.create_group, UserPoolId=POOL, GroupName="admins")
    expect_error("InvalidParameterException", c.create_group, UserPoolId=POOL, GroupName="has space")
    expect_error("ResourceNotFoundException", c.get_group, UserPoolId=POOL, GroupName="nope")
    got = c.get_group(UserPoolId=POOL, GroupName="admins")["Group"]
    assert got["Description"] == "all powers", got
    first = c.list_groups(UserPoolId=POOL, Limit=2)
    rest = c.list_groups(UserPoolId=POOL, Limit=2, NextToken=first["NextToken"])
    names = [g["GroupName"] for g in first["Groups"] + rest["Groups"]]
    assert names == ["admins", "editors", "plain"] and "NextToken" not in rest, names
    # botocore's own paginator follows NextToken.
    pages = c.get_paginator("list_groups").paginate(UserPoolId=POOL, PaginationConfig={"PageSize": 1})
    assert [g["GroupName"] for p in pages for g in p["Groups"]] == names


@check
def members_are_added_listed_and_removed():
    for g in ["admins", "editors", "plain"]:
        c.admin_add_user_to_group(UserPoolId=POOL, Username="ann", GroupName=g)
    expect_error("UserNotFoundException", c.admin_add_user_to_group, UserPoolId=POOL, Username="nobody",
                 GroupName="admins")
    expect_error("ResourceNotFoundException", c.admin_add_user_to_group, UserPoolId=POOL, Username="ann",
                 GroupName="nope")
    mine = [g["GroupName"] for g in c.admin_list_groups_for_user(UserPoolId=POOL, Username="ann")["Groups"]]
    assert mine == ["admins", "editors", "plain"], mine
    users = c.list_users_in_group(UserPoolId=POOL, GroupName="editors")["Users"]
    assert [u["Username"] for u in users] == ["ann"], users
    c.admin_remove_user_from_group(UserPoolId=POOL, Username="ann", GroupName="plain")
    assert c.list_users_in_group(UserPoolId=POOL, GroupName="plain")["Users"] == []


@check
def tokens_carry_the_group_claims():
    auth = sign_in()
    id_claims, access_claims = claims(auth["IdToken"]), claims(auth["AccessToken"])
    assert id_claims["cognito:groups"] == ["admins", "editors"], id_claims
    assert access_claims["cognito:groups"] == ["admins", "editors"], access_claims
    assert id_claims["cognito:roles"] == [ADMIN_ROLE, EDITOR_ROLE], id_claims
    assert id_claims["cognito:preferred_role"] == ADMIN_ROLE, id_claims
    assert "cognito:roles" not in access_claims and "cognito:preferred_role" not in access_claims
    # A precedence change shows in the next tokens, refreshed ones included.
    c.update_group(UserPoolId=POOL, GroupName="editors", Precedence=0)
    refreshed = c.initiate_auth(ClientId=CLIENT, AuthFlow="REFRESH_TOKEN_AUTH",
                                AuthParameters={"REFRESH_TOKEN": auth["RefreshToken"]})["AuthenticationResult"]
    assert claims(refreshed["IdToken"])["cognito:preferred_role"] == EDITOR_ROLE
    c.update_group(UserPoolId=POOL, GroupName="editors", Precedence=5)


@check
def without_a_mapping_credentials_are_the_authenticated_role():
    ci.set_identity_pool_roles(IdentityPoolId=IP, Roles={"authenticated": AUTH_ROLE})
    assert caller_arn() == assumed(AUTH_ROLE)


@check
def a_token_mapping_gives_the_preferred_role_or_a_custom_one_from_the_token():
    set_mapping({"Type": "Token", "AmbiguousRoleResolution": "Deny"})
    got = ci.get_identity_pool_roles(IdentityPoolId=IP)["RoleMappings"][MAPPING_KEY]
    assert got["Type"] == "Token", got
    assert caller_arn() == assumed(ADMIN_ROLE)
    assert caller_arn(custom=EDITOR_ROLE) == assumed(EDITOR_ROLE)
    expect_error("NotAuthorizedException", caller_arn, custom=SALES_ROLE)


@check
def a_rules_mapping_gives_the_first_matching_rule():
    set_mapping({"Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": {"Rules": [
        {"Claim": "custom:dept", "MatchType": "Equals", "Value": "Sales", "RoleARN": EDITOR_ROLE},
        {"Claim": "custom:dept", "MatchType": "StartsWith", "Value": "Sales", "RoleARN": SALES_ROLE},
        {"Claim": "cognito:groups", "MatchType": "Contains", "Value": "admins", "RoleARN": ADMIN_ROLE},
    ]}})
    assert caller_arn() == assumed(SALES_ROLE)


@check
def deny_refuses_credentials_when_no_rule_matches():
    rules = {"Rules": [{"Claim": "custom:dept", "MatchType": "Equals", "Value": "HR", "RoleARN": SALES_ROLE}]}
    set_mapping({"Type": "Rules", "AmbiguousRoleResolution": "AuthenticatedRole", "RulesConfiguration": rules})
    assert caller_arn() == assumed(AUTH_ROLE)
    set_mapping({"Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": rules})
    e = expect_error("NotAuthorizedException", caller_arn)
    assert "ambiguous role mapping rules" in str(e), e


@check
def invalid_role_mappings_are_refused():
    expect_error("InvalidParameterException", ci.set_identity_pool_roles, IdentityPoolId=IP,
                 Roles={"authenticated": AUTH_ROLE},
                 RoleMappings={"accounts.google.com": {"Type": "Token", "AmbiguousRoleResolution": "Deny"}})
    expect_error("InvalidParameterException", ci.set_identity_pool_roles, IdentityPoolId=IP,
                 Roles={"authenticated": AUTH_ROLE},
                 RoleMappings={MAPPING_KEY: {"Type": "Rules", "AmbiguousRoleResolution": "Deny"}})


@check
def a_group_is_deleted_with_its_memberships():
    c.delete_group(UserPoolId=POOL, GroupName="editors")
    expect_error("ResourceNotFoundException", c.get_group, UserPoolId=POOL, GroupName="editors")
    mine = [g["GroupName"] for g in c.admin_list_groups_for_user(UserPoolId=POOL, Username="ann")["Groups"]]
    assert mine == ["admins"], mine


run()

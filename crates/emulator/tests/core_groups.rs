//! User-pool groups against the sans-IO core: the nine group operations with their documented
//! checks and paging, and the group claims of id and access tokens (precedence decides
//! `cognito:preferred_role`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognito_auth_emulator::decode_unverified;
use common::{all_flows, World};
use serde_json::{json, Value};

const ADMIN: &str = "arn:aws:iam::123456789012:role/admin";
const EDITOR: &str = "arn:aws:iam::123456789012:role/editor";
const READER: &str = "arn:aws:iam::123456789012:role/reader";

fn world() -> World {
    let mut w = World::new(json!({}), all_flows());
    w.user("ann", "Passw0rd!");
    w
}

fn group(w: &mut World, name: &str, precedence: Option<u32>, role: Option<&str>) -> Value {
    let mut body = json!({"UserPoolId": w.pool_id, "GroupName": name});
    if let Some(p) = precedence {
        body["Precedence"] = json!(p);
    }
    if let Some(r) = role {
        body["RoleArn"] = json!(r);
    }
    w.ok("CreateGroup", body)["Group"].clone()
}

fn join(w: &mut World, user: &str, name: &str) {
    let pool = w.pool_id.clone();
    w.ok(
        "AdminAddUserToGroup",
        json!({"UserPoolId": pool, "Username": user, "GroupName": name}),
    );
}

fn names(v: &Value, list: &str, field: &str) -> Vec<String> {
    v[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g[field].as_str().unwrap().to_owned())
        .collect()
}

/// The claims of the id and access tokens a password sign-in returns.
fn claims(w: &mut World) -> (Value, Value) {
    let t = w.tokens("ann", "Passw0rd!");
    let id = decode_unverified(t["IdToken"].as_str().unwrap()).unwrap();
    let access = decode_unverified(t["AccessToken"].as_str().unwrap()).unwrap();
    (Value::Object(id), Value::Object(access))
}

#[test]
fn a_group_is_created_read_updated_and_deleted_as_documented() {
    let mut w = world();
    let pool = w.pool_id.clone();
    let created = w.ok(
        "CreateGroup",
        json!({"UserPoolId": pool, "GroupName": "editors",
        "Description": "can edit", "Precedence": 3, "RoleArn": EDITOR}),
    )["Group"]
        .clone();
    assert_eq!(created["GroupName"], "editors");
    assert_eq!(created["UserPoolId"], pool.as_str());
    assert_eq!(created["Description"], "can edit");
    assert_eq!(created["Precedence"], 3);
    assert_eq!(created["RoleArn"], EDITOR);
    assert!(created["CreationDate"].is_number() && created["LastModifiedDate"].is_number());
    assert_eq!(
        w.err(
            "CreateGroup",
            json!({"UserPoolId": pool, "GroupName": "editors"})
        ),
        "GroupExistsException"
    );
    assert_eq!(
        w.ok(
            "GetGroup",
            json!({"UserPoolId": pool, "GroupName": "editors"})
        )["Group"],
        created
    );
    // UpdateGroup changes what it names and keeps the rest.
    w.advance(60);
    let updated = w.ok(
        "UpdateGroup",
        json!({"UserPoolId": pool, "GroupName": "editors", "Precedence": 0}),
    )["Group"]
        .clone();
    assert_eq!(updated["Precedence"], 0);
    assert_eq!(updated["Description"], "can edit");
    assert_eq!(updated["RoleArn"], EDITOR);
    assert!(updated["LastModifiedDate"].as_f64() > created["LastModifiedDate"].as_f64());
    assert_eq!(updated["CreationDate"], created["CreationDate"]);
    w.ok(
        "DeleteGroup",
        json!({"UserPoolId": pool, "GroupName": "editors"}),
    );
    for op in ["GetGroup", "UpdateGroup", "DeleteGroup"] {
        assert_eq!(
            w.err(op, json!({"UserPoolId": pool, "GroupName": "editors"})),
            "ResourceNotFoundException",
            "{op}"
        );
    }
    assert_eq!(
        w.err(
            "CreateGroup",
            json!({"UserPoolId": "us-east-1_missing", "GroupName": "x"})
        ),
        "ResourceNotFoundException"
    );
}

#[test]
fn group_members_are_checked_against_the_documented_constraints() {
    let mut w = world();
    let pool = w.pool_id.clone();
    let long = "g".repeat(129);
    let bad: Vec<Value> = vec![
        json!({"GroupName": ""}),
        json!({"GroupName": "two words"}),
        json!({"GroupName": "tab\there"}),
        json!({"GroupName": long}),
        json!({"GroupName": "g", "Precedence": -1}),
        json!({"GroupName": "g", "Precedence": 2_147_483_648_i64}),
        json!({"GroupName": "g", "RoleArn": "admin"}),
        json!({"GroupName": "g", "RoleArn": "arn:aws:iam::acct:role/x"}),
        json!({"GroupName": "g", "Description": "d".repeat(2049)}),
    ];
    for mut body in bad {
        body["UserPoolId"] = json!(pool);
        assert_eq!(
            w.err("CreateGroup", body.clone()),
            "InvalidParameterException",
            "{body}"
        );
    }
    // The pattern takes letters, marks, symbols, numbers and punctuation in any script.
    for name in ["admins", "Ünïcode-组", "a.b_c@d+e=f", &"g".repeat(128)] {
        group(&mut w, name, Some(2_147_483_647), None);
    }
    assert_eq!(
        w.err("CreateGroup", json!({"UserPoolId": pool})),
        "InvalidParameterException"
    );
}

#[test]
fn users_join_and_leave_groups_and_both_sides_list_them() {
    let mut w = world();
    w.user("bob", "Passw0rd!");
    let pool = w.pool_id.clone();
    group(&mut w, "admins", Some(1), Some(ADMIN));
    group(&mut w, "readers", None, None);
    join(&mut w, "ann", "admins");
    join(&mut w, "ann", "readers");
    join(&mut w, "ann", "readers"); // adding twice is harmless
    join(&mut w, "bob", "readers");
    let ann_groups = w.ok(
        "AdminListGroupsForUser",
        json!({"UserPoolId": pool, "Username": "ann"}),
    );
    assert_eq!(
        names(&ann_groups, "Groups", "GroupName"),
        ["admins", "readers"]
    );
    assert_eq!(ann_groups["Groups"][0]["RoleArn"], ADMIN);
    let readers = w.ok(
        "ListUsersInGroup",
        json!({"UserPoolId": pool, "GroupName": "readers"}),
    );
    assert_eq!(names(&readers, "Users", "Username"), ["ann", "bob"]);
    assert_eq!(readers["Users"][0]["UserStatus"], "CONFIRMED");

    w.ok(
        "AdminRemoveUserFromGroup",
        json!({"UserPoolId": pool, "Username": "ann", "GroupName": "readers"}),
    );
    let readers = w.ok(
        "ListUsersInGroup",
        json!({"UserPoolId": pool, "GroupName": "readers"}),
    );
    assert_eq!(names(&readers, "Users", "Username"), ["bob"]);

    // Unknown users and groups, each with its own error.
    for op in ["AdminAddUserToGroup", "AdminRemoveUserFromGroup"] {
        assert_eq!(
            w.err(
                op,
                json!({"UserPoolId": pool, "Username": "nobody", "GroupName": "readers"})
            ),
            "UserNotFoundException"
        );
        assert_eq!(
            w.err(
                op,
                json!({"UserPoolId": pool, "Username": "ann", "GroupName": "nope"})
            ),
            "ResourceNotFoundException"
        );
    }
    assert_eq!(
        w.err(
            "AdminListGroupsForUser",
            json!({"UserPoolId": pool, "Username": "nobody"})
        ),
        "UserNotFoundException"
    );
    assert_eq!(
        w.err(
            "ListUsersInGroup",
            json!({"UserPoolId": pool, "GroupName": "nope"})
        ),
        "ResourceNotFoundException"
    );

    // A deleted user leaves its groups; a deleted group leaves its members.
    w.ok(
        "AdminDeleteUser",
        json!({"UserPoolId": pool, "Username": "bob"}),
    );
    let readers = w.ok(
        "ListUsersInGroup",
        json!({"UserPoolId": pool, "GroupName": "readers"}),
    );
    assert!(readers["Users"].as_array().unwrap().is_empty());
    w.ok(
        "DeleteGroup",
        json!({"UserPoolId": pool, "GroupName": "admins"}),
    );
    group(&mut w, "admins", None, None);
    let ann_groups = w.ok(
        "AdminListGroupsForUser",
        json!({"UserPoolId": pool, "Username": "ann"}),
    );
    assert!(ann_groups["Groups"].as_array().unwrap().is_empty());
}

#[test]
fn list_operations_page_with_limit_and_next_token() {
    let mut w = world();
    let pool = w.pool_id.clone();
    for g in ["a", "b", "c", "d", "e"] {
        group(&mut w, g, None, None);
        join(&mut w, "ann", g);
    }
    for (op, body, list, field) in [
        (
            "ListGroups",
            json!({"UserPoolId": pool}),
            "Groups",
            "GroupName",
        ),
        (
            "AdminListGroupsForUser",
            json!({"UserPoolId": pool, "Username": "ann"}),
            "Groups",
            "GroupName",
        ),
    ] {
        let mut seen = Vec::new();
        let mut pages = 0;
        let mut req = body.clone();
        req["Limit"] = json!(2);
        loop {
            let page = w.ok(op, req.clone());
            pages += 1;
            let got = names(&page, list, field);
            assert!(got.len() <= 2);
            seen.extend(got);
            match page.get("NextToken") {
                Some(t) => req["NextToken"] = t.clone(),
                None => break,
            }
        }
        assert_eq!(seen, ["a", "b", "c", "d", "e"], "{op}");
        assert_eq!(pages, 3, "{op}");
        let all = w.ok(op, body.clone());
        assert_eq!(names(&all, list, field).len(), 5);
        assert!(all.get("NextToken").is_none());
        let mut over = body.clone();
        over["Limit"] = json!(61);
        assert_eq!(w.err(op, over), "InvalidParameterException");
        let mut garbage = body.clone();
        garbage["NextToken"] = json!("!!not a token!!");
        assert_eq!(w.err(op, garbage), "InvalidParameterException");
    }
    for name in ["bob", "cat", "dan"] {
        w.user(name, "Passw0rd!");
        join(&mut w, name, "a");
    }
    let first = w.ok(
        "ListUsersInGroup",
        json!({"UserPoolId": pool, "GroupName": "a", "Limit": 3}),
    );
    assert_eq!(names(&first, "Users", "Username"), ["ann", "bob", "cat"]);
    let rest = w.ok(
        "ListUsersInGroup",
        json!({"UserPoolId": pool, "GroupName": "a", "Limit": 3, "NextToken": first["NextToken"]}),
    );
    assert_eq!(names(&rest, "Users", "Username"), ["dan"]);
    assert!(rest.get("NextToken").is_none());
}

#[test]
fn tokens_carry_groups_and_the_best_precedence_role() {
    let mut w = world();
    let (id, access) = claims(&mut w);
    for c in ["cognito:groups", "cognito:roles", "cognito:preferred_role"] {
        assert!(id.get(c).is_none() && access.get(c).is_none(), "{c}");
    }
    group(&mut w, "readers", Some(5), Some(READER));
    group(&mut w, "admins", Some(1), Some(ADMIN));
    group(&mut w, "plain", Some(0), None);
    for g in ["readers", "admins", "plain"] {
        join(&mut w, "ann", g);
    }
    let (id, access) = claims(&mut w);
    // Both tokens list every group, best precedence first; only the id token has the roles.
    assert_eq!(id["cognito:groups"], json!(["plain", "admins", "readers"]));
    assert_eq!(access["cognito:groups"], id["cognito:groups"]);
    assert_eq!(id["cognito:roles"], json!([ADMIN, READER]));
    assert_eq!(id["cognito:preferred_role"], ADMIN);
    assert!(access.get("cognito:roles").is_none());
    assert!(access.get("cognito:preferred_role").is_none());
}

#[test]
fn tied_precedence_with_different_roles_sets_no_preferred_role() {
    let mut w = world();
    let pool = w.pool_id.clone();
    group(&mut w, "admins", Some(1), Some(ADMIN));
    group(&mut w, "editors", Some(1), Some(EDITOR));
    group(&mut w, "readers", Some(9), Some(READER));
    for g in ["admins", "editors", "readers"] {
        join(&mut w, "ann", g);
    }
    let (id, _) = claims(&mut w);
    assert_eq!(id["cognito:roles"], json!([ADMIN, EDITOR, READER]));
    assert!(id.get("cognito:preferred_role").is_none(), "{id}");
    // The same tie with the same role names it.
    w.ok(
        "UpdateGroup",
        json!({"UserPoolId": pool, "GroupName": "editors", "RoleArn": ADMIN}),
    );
    let (id, _) = claims(&mut w);
    assert_eq!(id["cognito:roles"], json!([ADMIN, READER]));
    assert_eq!(id["cognito:preferred_role"], ADMIN);
}

#[test]
fn null_precedence_loses_and_a_single_role_is_always_preferred() {
    let mut w = world();
    let pool = w.pool_id.clone();
    group(&mut w, "admins", None, Some(ADMIN));
    group(&mut w, "readers", Some(7), Some(READER));
    join(&mut w, "ann", "admins");
    let (id, _) = claims(&mut w);
    assert_eq!(id["cognito:preferred_role"], ADMIN, "the only role");
    join(&mut w, "ann", "readers");
    let (id, _) = claims(&mut w);
    assert_eq!(id["cognito:preferred_role"], READER, "a number beats null");
    // Two groups without precedence and with different roles: no preferred role.
    w.ok(
        "UpdateGroup",
        json!({"UserPoolId": pool, "GroupName": "readers", "Precedence": null}),
    );
    let (id, _) = claims(&mut w);
    assert!(id.get("cognito:preferred_role").is_none(), "{id}");
    assert_eq!(
        id["cognito:roles"].as_array().map(Vec::len),
        Some(2),
        "{id}"
    );
}

#[test]
fn refreshed_tokens_follow_membership_changes() {
    let mut w = world();
    let pool = w.pool_id.clone();
    let client = w.client_id.clone();
    group(&mut w, "admins", Some(1), Some(ADMIN));
    join(&mut w, "ann", "admins");
    let t = w.tokens("ann", "Passw0rd!");
    let refresh = |w: &mut World| {
        let out = w.ok(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": {"REFRESH_TOKEN": t["RefreshToken"]}}),
        );
        let id =
            decode_unverified(out["AuthenticationResult"]["IdToken"].as_str().unwrap()).unwrap();
        let access =
            decode_unverified(out["AuthenticationResult"]["AccessToken"].as_str().unwrap())
                .unwrap();
        (Value::Object(id), Value::Object(access))
    };
    let (id, access) = refresh(&mut w);
    assert_eq!(id["cognito:groups"], json!(["admins"]));
    assert_eq!(access["cognito:groups"], json!(["admins"]));
    assert_eq!(id["cognito:preferred_role"], ADMIN);
    w.ok(
        "AdminRemoveUserFromGroup",
        json!({"UserPoolId": pool, "Username": "ann", "GroupName": "admins"}),
    );
    let (id, access) = refresh(&mut w);
    assert!(id.get("cognito:groups").is_none() && access.get("cognito:groups").is_none());
    assert!(id.get("cognito:preferred_role").is_none());
}

/// `UpdateUserPool` changes the pool's settings, not what the pool holds: its groups, their
/// members and the group claims survive it.
#[test]
fn groups_and_their_members_survive_an_update_of_the_pool() {
    let mut w = world();
    group(&mut w, "editors", Some(1), Some(EDITOR));
    join(&mut w, "ann", "editors");
    let pool = w.pool_id.clone();
    w.ok(
        "UpdateUserPool",
        json!({"UserPoolId": pool, "UserPoolTags": {"team": "a"}}),
    );
    let listed = w.ok("ListGroups", json!({"UserPoolId": pool}));
    assert_eq!(names(&listed, "Groups", "GroupName"), ["editors"]);
    let members = w.ok(
        "ListUsersInGroup",
        json!({"UserPoolId": pool, "GroupName": "editors"}),
    );
    assert_eq!(names(&members, "Users", "Username"), ["ann"]);
    let (id, _) = claims(&mut w);
    assert_eq!(id["cognito:groups"], json!(["editors"]));
    assert_eq!(id["cognito:preferred_role"], json!(EDITOR));
}

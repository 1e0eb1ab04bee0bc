//! User-pool groups: `CreateGroup`, `GetGroup`, `UpdateGroup`, `DeleteGroup`, `ListGroups`,
//! `AdminAddUserToGroup`, `AdminRemoveUserFromGroup`, `AdminListGroupsForUser`,
//! `ListUsersInGroup`, and the group claims tokens carry (`cognito:groups`, `cognito:roles`,
//! `cognito:preferred_role`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::lookup::{pool, pool_mut, user, user_mut};
use super::users::user_type;
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::{Group, User, UserPool};
use crate::params::Params;
use crate::state::Emulator;
use crate::time::UnixMillis;

/// The largest page the list operations answer (`Limit`, 0-60; 0 or absent means 60).
const MAX_LIMIT: i64 = 60;
/// The largest `Precedence`: 2^31-1.
const MAX_PRECEDENCE: i64 = i32::MAX as i64;

pub(crate) fn create_group(emu: &mut Emulator, p: Params<'_>, now: UnixMillis) -> ApiResult<Value> {
    let name = group_name(p)?;
    let fields = GroupFields::read(p)?;
    let pool = pool_mut(emu, p.str("UserPoolId")?)?;
    if pool.groups.contains_key(name) {
        return Err(ApiError::new(
            ErrorKind::GroupExists,
            "A group with the name already exists.",
        ));
    }
    let group = Group {
        name: name.to_owned(),
        description: fields.description.flatten(),
        precedence: fields.precedence.flatten(),
        role_arn: fields.role_arn.flatten(),
        created: now,
        modified: now,
    };
    let out = json!({"Group": group_json(&pool.id, &group)});
    pool.groups.insert(name.to_owned(), group);
    Ok(out)
}

pub(crate) fn get_group(emu: &Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool(emu, p.str("UserPoolId")?)?;
    let group = find(pool, group_name(p)?)?;
    Ok(json!({"Group": group_json(&pool.id, group)}))
}

/// Changes the members the request names; the others keep their values.
pub(crate) fn update_group(emu: &mut Emulator, p: Params<'_>, now: UnixMillis) -> ApiResult<Value> {
    let name = group_name(p)?;
    let fields = GroupFields::read(p)?;
    let pool = pool_mut(emu, p.str("UserPoolId")?)?;
    let pool_id = pool.id.clone();
    let group = pool.groups.get_mut(name).ok_or_else(group_not_found)?;
    if let Some(d) = fields.description {
        group.description = d;
    }
    if let Some(prec) = fields.precedence {
        group.precedence = prec;
    }
    if let Some(arn) = fields.role_arn {
        group.role_arn = arn;
    }
    group.modified = now;
    Ok(json!({"Group": group_json(&pool_id, group)}))
}

/// Deletes the group; its members leave it.
pub(crate) fn delete_group(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let name = group_name(p)?;
    let pool = pool_mut(emu, p.str("UserPoolId")?)?;
    pool.groups.remove(name).ok_or_else(group_not_found)?;
    for u in pool.users.values_mut() {
        u.groups.remove(name);
    }
    Ok(json!({}))
}

pub(crate) fn list_groups(emu: &Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool(emu, p.str("UserPoolId")?)?;
    let (items, next) = page(pool.groups.iter().map(|(k, g)| (k.as_str(), g)), p, |g| {
        group_json(&pool.id, g)
    })?;
    Ok(with_token(json!({ "Groups": items }), next))
}

pub(crate) fn admin_add_user_to_group(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let name = group_name(p)?;
    let pool = pool_mut(emu, p.str("UserPoolId")?)?;
    let username = p.str("Username")?;
    user(pool, username)?;
    find(pool, name)?;
    user_mut(pool, username)?.groups.insert(name.to_owned());
    Ok(json!({}))
}

pub(crate) fn admin_remove_user_from_group(emu: &mut Emulator, p: Params<'_>) -> ApiResult<Value> {
    let name = group_name(p)?;
    let pool = pool_mut(emu, p.str("UserPoolId")?)?;
    let username = p.str("Username")?;
    user(pool, username)?;
    find(pool, name)?;
    user_mut(pool, username)?.groups.remove(name);
    Ok(json!({}))
}

pub(crate) fn admin_list_groups_for_user(emu: &Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool(emu, p.str("UserPoolId")?)?;
    let u = user(pool, p.str("Username")?)?;
    let (items, next) = page(
        pool.groups
            .iter()
            .filter(|(k, _)| u.groups.contains(*k))
            .map(|(k, g)| (k.as_str(), g)),
        p,
        |g| group_json(&pool.id, g),
    )?;
    Ok(with_token(json!({ "Groups": items }), next))
}

pub(crate) fn list_users_in_group(emu: &Emulator, p: Params<'_>) -> ApiResult<Value> {
    let pool = pool(emu, p.str("UserPoolId")?)?;
    let name = group_name(p)?;
    find(pool, name)?;
    let (items, next) = page(
        pool.users
            .iter()
            .filter(|(_, u)| u.groups.contains(name))
            .map(|(k, u)| (k.as_str(), u)),
        p,
        user_type,
    )?;
    Ok(with_token(json!({ "Users": items }), next))
}

/// The group claims of `u`'s tokens: every group (`cognito:groups`), the distinct roles of its
/// groups (`cognito:roles`), and the role of the group with the best (lowest) precedence
/// (`cognito:preferred_role`): the only role, if there is one; none when the best precedence
/// is shared by groups with different roles (null precedence loses to every number).
pub(crate) struct GroupClaims {
    pub(crate) groups: Vec<String>,
    pub(crate) roles: Vec<String>,
    pub(crate) preferred_role: Option<String>,
}

pub(crate) fn group_claims(pool: &UserPool, u: &User) -> GroupClaims {
    let mut member: Vec<&Group> = u
        .groups
        .iter()
        .filter_map(|name| pool.groups.get(name))
        .collect();
    // Best precedence first, null last; then by name.
    member.sort_by_key(|g| (g.precedence.is_none(), g.precedence, g.name.clone()));
    let mut roles: Vec<String> = Vec::new();
    for arn in member.iter().filter_map(|g| g.role_arn.as_ref()) {
        if !roles.contains(arn) {
            roles.push(arn.clone());
        }
    }
    let with_role: Vec<&&Group> = member.iter().filter(|g| g.role_arn.is_some()).collect();
    let preferred_role = match (roles.as_slice(), with_role.first()) {
        ([only], _) => Some(only.clone()),
        (_, Some(best)) => {
            let tied: Vec<&Option<String>> = with_role
                .iter()
                .filter(|g| g.precedence == best.precedence)
                .map(|g| &g.role_arn)
                .collect();
            tied.iter()
                .all(|r| *r == &best.role_arn)
                .then(|| best.role_arn.clone())
                .flatten()
        }
        _ => None,
    };
    GroupClaims {
        groups: member.iter().map(|g| g.name.clone()).collect(),
        roles,
        preferred_role,
    }
}

/// The optional members of `CreateGroup` / `UpdateGroup`: `None` when absent, `Some(None)` when
/// sent as null.
struct GroupFields {
    description: Option<Option<String>>,
    precedence: Option<Option<u32>>,
    role_arn: Option<Option<String>>,
}

impl GroupFields {
    fn read(p: Params<'_>) -> ApiResult<Self> {
        let description = match p.0.get("Description") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(d)) if d.chars().count() <= 2048 => Some(Some(d.clone())),
            Some(_) => {
                return Err(constraint(
                    "description",
                    "Member must have length less than or equal to 2048",
                ))
            }
        };
        let precedence = match p.0.get("Precedence") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(v) => match v.as_i64() {
                Some(n) if (0..=MAX_PRECEDENCE).contains(&n) => Some(u32::try_from(n).ok()),
                _ => {
                    return Err(constraint(
                        "precedence",
                        "Member must have value greater than or equal to 0",
                    ))
                }
            },
        };
        let role_arn = match p.0.get("RoleArn") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(arn)) if is_arn(arn) => Some(Some(arn.clone())),
            Some(_) => return Err(constraint("roleArn", "Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?")),
        };
        Ok(Self {
            description,
            precedence,
            role_arn,
        })
    }
}

/// `GroupName`: 1-128 letters, marks, symbols, numbers or punctuation (no spaces or controls).
fn group_name<'a>(p: Params<'a>) -> ApiResult<&'a str> {
    let name = p.str("GroupName")?;
    let ok = (1..=128).contains(&name.chars().count())
        && name.chars().all(|c| !c.is_whitespace() && !c.is_control());
    if ok {
        Ok(name)
    } else {
        Err(constraint(
            "groupName",
            "Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
        ))
    }
}

/// `ArnType`: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, 20-2048 characters.
fn is_arn(arn: &str) -> bool {
    let word = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=/,.@-:".contains(c))
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    (20..=2048).contains(&arn.len())
        && matches!(parts[..], ["arn", partition, service, _, account, resource]
            if word(partition) && word(service) && word(resource)
                && !account.is_empty() && account.bytes().all(|b| b.is_ascii_digit()))
}

fn constraint(member: &str, rule: &str) -> ApiError {
    ApiError::invalid_parameter(format!(
        "1 validation error detected: Value at '{member}' failed to satisfy constraint: {rule}"
    ))
}

fn find<'a>(pool: &'a UserPool, name: &str) -> ApiResult<&'a Group> {
    pool.groups.get(name).ok_or_else(group_not_found)
}

fn group_not_found() -> ApiError {
    ApiError::not_found("Group not found.")
}

fn group_json(pool_id: &str, g: &Group) -> Value {
    let mut v = json!({
        "GroupName": g.name,
        "UserPoolId": pool_id,
        "LastModifiedDate": g.modified.epoch_f64(),
        "CreationDate": g.created.epoch_f64(),
    });
    if let Some(o) = v.as_object_mut() {
        if let Some(d) = &g.description {
            o.insert("Description".into(), json!(d));
        }
        if let Some(arn) = &g.role_arn {
            o.insert("RoleArn".into(), json!(arn));
        }
        if let Some(prec) = g.precedence {
            o.insert("Precedence".into(), json!(prec));
        }
    }
    v
}

/// One page of `items` (sorted by key): `Limit` of them, starting at the key `NextToken`
/// names, and the token of the next page if there is one. The token is the next key, base64url-encoded.
fn page<'a, T: 'a>(
    items: impl Iterator<Item = (&'a str, T)>,
    p: Params<'_>,
    render: impl Fn(T) -> Value,
) -> ApiResult<(Vec<Value>, Option<String>)> {
    let limit = match p.opt_i64("Limit") {
        None | Some(0) => MAX_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            return Err(constraint(
                "limit",
                "Member must have value less than or equal to 60",
            ))
        }
    };
    let start = match p.opt_str("NextToken") {
        None => None,
        Some(t) => {
            Some(decode_token(t).ok_or_else(|| ApiError::invalid_parameter("Invalid NextToken."))?)
        }
    };
    let mut out = Vec::new();
    let mut next = None;
    for (key, item) in items.skip_while(|(k, _)| start.as_deref().is_some_and(|s| *k < s)) {
        if out.len() as i64 == limit {
            next = Some(URL_SAFE_NO_PAD.encode(key));
            break;
        }
        out.push(render(item));
    }
    Ok((out, next))
}

fn decode_token(t: &str) -> Option<String> {
    String::from_utf8(URL_SAFE_NO_PAD.decode(t).ok()?).ok()
}

fn with_token(mut v: Value, next: Option<String>) -> Value {
    if let (Some(o), Some(t)) = (v.as_object_mut(), next) {
        o.insert("NextToken".into(), json!(t));
    }
    v
}

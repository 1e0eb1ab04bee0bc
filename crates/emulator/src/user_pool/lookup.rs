//! Finding what a request names: pools, clients, users (by name, alias or sub) and sign-in
//! sessions.

use crate::error::{ApiError, ApiResult};
use crate::model::{AppClient, AuthSession, User, UserPool};
use crate::state::Emulator;
use crate::time::UnixMillis;

pub(crate) fn pool<'a>(emu: &'a Emulator, id: &str) -> ApiResult<&'a UserPool> {
    emu.pools
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("User pool {id} does not exist.")))
}

pub(crate) fn pool_mut<'a>(emu: &'a mut Emulator, id: &str) -> ApiResult<&'a mut UserPool> {
    emu.pools
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found(format!("User pool {id} does not exist.")))
}

/// The pool that owns `client_id`.
pub(crate) fn pool_of_client(emu: &Emulator, client_id: &str) -> ApiResult<String> {
    emu.pools
        .values()
        .find(|p| p.clients.contains_key(client_id))
        .map(|p| p.id.clone())
        .ok_or_else(|| ApiError::not_found(format!("User pool client {client_id} does not exist.")))
}

pub(crate) fn client<'a>(pool: &'a UserPool, client_id: &str) -> ApiResult<&'a AppClient> {
    pool.clients
        .get(client_id)
        .ok_or_else(|| ApiError::not_found(format!("User pool client {client_id} does not exist.")))
}

/// The canonical key of `name` in `pool`: the user name itself, or (for pools with
/// `UsernameAttributes`/`AliasAttributes`) the user whose email or phone number it is.
pub(crate) fn user_key(pool: &UserPool, name: &str) -> Option<String> {
    let key = if pool.case_sensitive {
        name.to_owned()
    } else {
        name.to_lowercase()
    };
    if pool.users.contains_key(&key) {
        return Some(key);
    }
    let alias_attrs: Vec<&String> = pool
        .username_attributes
        .iter()
        .chain(pool.alias_attributes.iter())
        .collect();
    pool.users
        .iter()
        .find(|(_, u)| {
            u.sub == name
                || alias_attrs.iter().any(|a| {
                    u.attr(a).is_some_and(|v| v.eq_ignore_ascii_case(name))
                        && (a.as_str() != "email"
                            || u.attr("email_verified") == Some("true")
                            || !pool.username_attributes.is_empty())
                })
        })
        .map(|(k, _)| k.clone())
}

pub(crate) fn user<'a>(pool: &'a UserPool, name: &str) -> ApiResult<&'a User> {
    user_key(pool, name)
        .and_then(|k| pool.users.get(&k))
        .ok_or_else(ApiError::user_not_found)
}

pub(crate) fn user_mut<'a>(pool: &'a mut UserPool, name: &str) -> ApiResult<&'a mut User> {
    let key = user_key(pool, name).ok_or_else(ApiError::user_not_found)?;
    pool.users
        .get_mut(&key)
        .ok_or_else(ApiError::user_not_found)
}

/// Whether a session id names a live session (used by `AssociateSoftwareToken` with a session).
pub(crate) fn session_mut<'a>(
    emu: &'a mut Emulator,
    id: &str,
    now: UnixMillis,
) -> ApiResult<&'a mut AuthSession> {
    match emu.sessions.get_mut(id) {
        Some(s) if s.expires > now => Ok(s),
        _ => Err(ApiError::invalid_session()),
    }
}

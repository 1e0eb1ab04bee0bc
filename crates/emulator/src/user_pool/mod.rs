//! User-pool operations (`AWSCognitoIdentityProviderService.*`), one flow per module, and the
//! helpers they share: finding pools, clients and users, SECRET_HASH, password policy, code
//! delivery, token issuance and access-token checks.

mod account;
mod admin;
mod auth;
mod devices;
mod signup;

use serde_json::Value;

use crate::core::{unknown_operation, Emulator, OutboxMessage, USER_POOL_PREFIX};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::model::{AppClient, CodePurpose, PendingCode, User, UserPool};
use crate::params::Params;
use crate::time::UnixMillis;

pub(crate) use admin::{apply_mfa_preference, build_client, build_pool, new_user};
pub(crate) use auth::issue_tokens;

pub(crate) fn dispatch(
    emu: &mut Emulator,
    op: &str,
    body: &Value,
    now: UnixMillis,
) -> ApiResult<Value> {
    let p = Params(body);
    match op {
        "CreateUserPool" => admin::create_user_pool(emu, p, now),
        "DescribeUserPool" => admin::describe_user_pool(emu, p),
        "ListUserPools" => admin::list_user_pools(emu),
        "DeleteUserPool" => admin::delete_user_pool(emu, p),
        "CreateUserPoolClient" => admin::create_user_pool_client(emu, p),
        "DescribeUserPoolClient" => admin::describe_user_pool_client(emu, p),
        "AdminCreateUser" => admin::admin_create_user(emu, p, now),
        "AdminConfirmSignUp" => admin::admin_confirm_sign_up(emu, p, now),
        "AdminGetUser" => admin::admin_get_user(emu, p),
        "AdminDeleteUser" => admin::admin_delete_user(emu, p),
        "AdminDisableUser" => admin::admin_set_enabled(emu, p, false),
        "AdminEnableUser" => admin::admin_set_enabled(emu, p, true),
        "AdminSetUserPassword" => admin::admin_set_user_password(emu, p, now),
        "AdminUpdateUserAttributes" => admin::admin_update_user_attributes(emu, p, now),
        "AdminUserGlobalSignOut" => admin::admin_user_global_sign_out(emu, p),
        "AdminSetUserMFAPreference" => admin::admin_set_user_mfa_preference(emu, p),
        "ListUsers" => admin::list_users(emu, p),
        "ListUserPoolClients" => admin::list_user_pool_clients(emu, p),
        "AdminResetUserPassword" => admin::admin_reset_user_password(emu, p, now),
        "AdminGetDevice" => devices::admin_get_device(emu, p),
        "AdminForgetDevice" => devices::admin_forget_device(emu, p),
        "AdminUpdateDeviceStatus" => devices::admin_update_device_status(emu, p, now),
        "SignUp" => signup::sign_up(emu, p, now),
        "ConfirmSignUp" => signup::confirm_sign_up(emu, p, now),
        "ResendConfirmationCode" => signup::resend_confirmation_code(emu, p, now),
        "ForgotPassword" => signup::forgot_password(emu, p, now),
        "ConfirmForgotPassword" => signup::confirm_forgot_password(emu, p, now),
        "InitiateAuth" => auth::initiate_auth(emu, p, now, false),
        "AdminInitiateAuth" => auth::initiate_auth(emu, p, now, true),
        "RespondToAuthChallenge" => auth::respond_to_auth_challenge(emu, p, now),
        "AdminRespondToAuthChallenge" => auth::respond_to_auth_challenge(emu, p, now),
        "GetUser" => account::get_user(emu, p, now),
        "UpdateUserAttributes" => account::update_user_attributes(emu, p, now),
        "DeleteUserAttributes" => account::delete_user_attributes(emu, p, now),
        "GetUserAttributeVerificationCode" => account::get_verification_code(emu, p, now),
        "VerifyUserAttribute" => account::verify_user_attribute(emu, p, now),
        "ChangePassword" => account::change_password(emu, p, now),
        "DeleteUser" => account::delete_user(emu, p, now),
        "GlobalSignOut" => account::global_sign_out(emu, p, now),
        "RevokeToken" => account::revoke_token(emu, p),
        "AssociateSoftwareToken" => account::associate_software_token(emu, p, now),
        "VerifySoftwareToken" => account::verify_software_token(emu, p, now),
        "SetUserMFAPreference" => account::set_user_mfa_preference(emu, p, now),
        "ConfirmDevice" => devices::confirm_device(emu, p, now),
        "UpdateDeviceStatus" => devices::update_device_status(emu, p, now),
        "ListDevices" => devices::list_devices(emu, p, now),
        "GetDevice" => devices::get_device(emu, p, now),
        "ForgetDevice" => devices::forget_device(emu, p, now),
        "AdminListDevices" => devices::admin_list_devices(emu, p),
        _ => crate::oauth::domain_operation(emu, op, p)
            .unwrap_or_else(|| Err(unknown_operation(&format!("{USER_POOL_PREFIX}{op}")))),
    }
}

// ---- lookups ------------------------------------------------------------------------------

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

/// Checks `SECRET_HASH` when the client has a secret.
pub(crate) fn check_secret_hash(
    client: &AppClient,
    username: &str,
    given: Option<&str>,
) -> ApiResult<()> {
    let Some(secret) = &client.secret else {
        return Ok(());
    };
    let Some(given) = given else {
        return Err(ApiError::not_authorized(format!(
            "Client {} is configured with secret but SECRET_HASH was not received",
            client.id
        )));
    };
    if crate::srp_glue::secret_hash_matches(username, &client.id, &secret.0, given) {
        Ok(())
    } else {
        Err(ApiError::not_authorized(format!(
            "Unable to verify secret hash for client {}",
            client.id
        )))
    }
}

/// Checks `password` against the pool's policy.
pub(crate) fn check_password_policy(pool: &UserPool, password: &str) -> ApiResult<()> {
    let p = &pool.policy;
    let fail = |why: &str| {
        Err(ApiError::new(
            ErrorKind::InvalidPassword,
            format!("Password did not conform with policy: {why}"),
        ))
    };
    if password.chars().count() < p.min_length {
        return fail("Password not long enough");
    }
    if p.require_lowercase && !password.chars().any(|c| c.is_ascii_lowercase()) {
        return fail("Password must have lowercase characters");
    }
    if p.require_uppercase && !password.chars().any(|c| c.is_ascii_uppercase()) {
        return fail("Password must have uppercase characters");
    }
    if p.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
        return fail("Password must have numeric characters");
    }
    if p.require_symbols
        && !password
            .chars()
            .any(|c| "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ".contains(c))
    {
        return fail("Password must have symbol characters");
    }
    Ok(())
}

// ---- codes and the outbox ----------------------------------------------------------------

/// Where a code for `user` goes: email if it has one (or `prefer` says so), else SMS.
fn delivery_target(user: &User, prefer_sms: bool) -> Option<(&'static str, &'static str, String)> {
    let email = user.attr("email").map(|e| ("EMAIL", "email", e.to_owned()));
    let phone = user
        .attr("phone_number")
        .map(|p| ("SMS", "phone_number", p.to_owned()));
    if prefer_sms {
        phone.or(email)
    } else {
        email.or(phone)
    }
}

/// Masks a destination the way `CodeDeliveryDetails.Destination` does.
fn mask(dest: &str) -> String {
    if let Some((local, domain)) = dest.split_once('@') {
        let l: String = local.chars().take(1).collect();
        let d: String = domain.chars().take(1).collect();
        format!("{l}***@{d}***")
    } else {
        let tail: String = dest
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("+*******{tail}")
    }
}

/// Generates a code for `purpose`, stores it on the user, delivers it through the outbox and
/// returns `CodeDeliveryDetails`.
pub(crate) fn send_code(
    emu: &mut Emulator,
    pool_id: &str,
    user_key: &str,
    purpose: CodePurpose,
    validity_s: u64,
    now: UnixMillis,
) -> ApiResult<Value> {
    let code = emu.code6();
    let pool = pool_mut(emu, pool_id)?;
    let user = pool
        .users
        .get_mut(user_key)
        .ok_or_else(ApiError::user_not_found)?;
    let prefer_sms = matches!(purpose, CodePurpose::SmsMfa | CodePurpose::VerifyPhone);
    let only = match purpose {
        CodePurpose::VerifyEmail | CodePurpose::EmailOtp => {
            user.attr("email").map(|e| ("EMAIL", "email", e.to_owned()))
        }
        CodePurpose::VerifyPhone | CodePurpose::SmsMfa => user
            .attr("phone_number")
            .map(|p| ("SMS", "phone_number", p.to_owned())),
        _ => delivery_target(user, prefer_sms),
    };
    let Some((medium, attr, dest)) = only else {
        return Err(ApiError::invalid_parameter(
            "No email or phone_number attribute to deliver the code to",
        ));
    };
    user.codes.insert(
        purpose,
        PendingCode {
            code: crate::model::Hidden(code.clone()),
            expires: now.plus_secs(validity_s),
        },
    );
    let username = user.username.clone();
    emu.outbox.push(OutboxMessage {
        pool_id: pool_id.to_owned(),
        username,
        medium: medium.to_owned(),
        destination: dest.clone(),
        purpose,
        code,
        sent_at_ms: now.0,
    });
    Ok(serde_json::json!({
        "Destination": mask(&dest),
        "DeliveryMedium": medium,
        "AttributeName": attr,
    }))
}

/// Checks and consumes a pending code.
pub(crate) fn take_code(
    user: &mut User,
    purpose: CodePurpose,
    given: &str,
    now: UnixMillis,
) -> ApiResult<()> {
    let Some(pending) = user.codes.get(&purpose) else {
        return Err(ApiError::code_mismatch());
    };
    if pending.code.0 != given {
        return Err(ApiError::code_mismatch());
    }
    if pending.expires <= now {
        user.codes.remove(&purpose);
        return Err(ApiError::expired_code());
    }
    user.codes.remove(&purpose);
    Ok(())
}

// ---- access tokens ------------------------------------------------------------------------

/// Who an access token speaks for.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) pool_id: String,
    pub(crate) user_key: String,
}

/// Verifies an access token: signature, `token_use`, expiry, revocation, and that its user
/// still exists (the same `sub`).
pub(crate) fn authorize(emu: &Emulator, token: &str, now: UnixMillis) -> ApiResult<Caller> {
    let claims = emu
        .signer
        .verify(token)
        .map_err(|_| ApiError::not_authorized("Invalid Access Token"))?;
    let s = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if s("token_use") != "access" {
        return Err(ApiError::not_authorized("Invalid Access Token"));
    }
    let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(0);
    if exp <= now.secs() {
        return Err(ApiError::not_authorized("Access Token has expired"));
    }
    if emu.revoked_families.contains(&s("origin_jti")) {
        return Err(ApiError::not_authorized("Access Token has been revoked"));
    }
    let iss = s("iss");
    let pool_id = iss.rsplit('/').next().unwrap_or_default().to_owned();
    let pool = emu
        .pools
        .get(&pool_id)
        .ok_or_else(|| ApiError::not_authorized("Invalid Access Token"))?;
    let key = user_key(pool, &s("username")).ok_or_else(ApiError::user_not_found)?;
    let user = pool.users.get(&key).ok_or_else(ApiError::user_not_found)?;
    if user.sub != s("sub") {
        return Err(ApiError::user_not_found());
    }
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    Ok(Caller {
        pool_id,
        user_key: key,
    })
}

/// Revokes every refresh-token family of a user (global sign-out).
pub(crate) fn revoke_user_tokens(emu: &mut Emulator, pool_id: &str, username: &str) {
    let mut families = Vec::new();
    for r in emu.refresh_tokens.values_mut() {
        if r.pool_id == pool_id && r.username == username {
            r.revoked = true;
            families.push(r.origin_jti.clone());
        }
    }
    emu.revoked_families.extend(families);
}

/// `UserAttributes`-style list of a user's attributes, `sub` first.
pub(crate) fn user_attributes(user: &User) -> Value {
    let mut attrs = vec![("sub".to_owned(), user.sub.clone())];
    attrs.extend(user.attributes.iter().filter(|(n, _)| n != "sub").cloned());
    crate::params::attributes_json(&attrs)
}

/// The MFA options a user has turned on, in Cognito's names.
pub(crate) fn enabled_mfas(pool: &UserPool, user: &User) -> Vec<String> {
    let mut v = Vec::new();
    if pool.sms_mfa_enabled && user.sms_mfa && user.attr("phone_number").is_some() {
        v.push("SMS_MFA".to_owned());
    }
    if pool.software_token_mfa_enabled && user.software_token_mfa && user.totp_verified {
        v.push("SOFTWARE_TOKEN_MFA".to_owned());
    }
    if pool.email_mfa_enabled && user.email_mfa && user.attr("email").is_some() {
        v.push("EMAIL_OTP".to_owned());
    }
    v
}

pub(crate) fn check_attribute_names(attrs: &[(String, String)]) -> ApiResult<()> {
    const STANDARD: &[&str] = &[
        "address",
        "birthdate",
        "email",
        "email_verified",
        "family_name",
        "gender",
        "given_name",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "phone_number_verified",
        "picture",
        "preferred_username",
        "profile",
        "updated_at",
        "website",
        "zoneinfo",
    ];
    for (n, _) in attrs {
        if !(STANDARD.contains(&n.as_str()) || n.starts_with("custom:")) {
            return Err(ApiError::invalid_parameter(format!(
                "Attribute does not exist in the schema: {n}"
            )));
        }
    }
    Ok(())
}

/// Builds the stored password material for `username` in `pool_name`.
pub(crate) fn password_record(
    emu: &mut Emulator,
    pool_name: &str,
    username: &str,
    password: &str,
    temporary_until: Option<UnixMillis>,
) -> crate::model::PasswordRecord {
    let hash_salt: [u8; 16] = emu.random_bytes();
    let srp_salt: [u8; 16] = emu.random_bytes();
    crate::model::PasswordRecord {
        hash: crate::model::Hidden(hash_password(&hash_salt, password)),
        hash_salt: crate::model::Hidden(hash_salt),
        srp: crate::srp_glue::user_verifier(pool_name, username, password, srp_salt),
        temporary_until,
    }
}

fn hash_password(salt: &[u8; 16], password: &str) -> [u8; 32] {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(salt);
    h.update(password.as_bytes());
    h.finalize().into()
}

/// Whether `password` is the user's password.
pub(crate) fn password_matches(user: &User, password: &str) -> bool {
    user.password
        .as_ref()
        .is_some_and(|r| hash_password(&r.hash_salt.0, password) == r.hash.0)
}

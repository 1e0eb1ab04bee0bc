//! The top of the emulator: [`Emulator::handle`] routes an `X-Amz-Target` to the operation that
//! answers it. Operations (`user_pool::*`, `identity`) sit below this module and never call back
//! into it; the model and the helpers they share sit below them.

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::identity as idp;
use crate::jwt::TokenSigner;
use crate::params::Params;
use crate::state::{Emulator, ServedRequest, MAX_SERVED_REQUESTS};
use crate::time::UnixMillis;
use crate::user_pool::{account, admin, auth, devices, groups, settings, signup};

/// The target prefix of user-pool operations.
pub const USER_POOL_PREFIX: &str = cognito_auth_wire::target::USER_POOLS;
/// The target prefix of identity-pool operations.
pub const IDENTITY_PREFIX: &str = cognito_auth_wire::target::IDENTITY_POOLS;

/// An answer whose tokens are not signed yet: [`Unsigned::finish`] signs them. Signing is the
/// costly part of a sign-in and needs no access to the model, so a server can do it after
/// releasing its lock on the emulator.
#[derive(Debug)]
pub struct Unsigned {
    response: Value,
    pending: Vec<(String, Map<String, Value>)>,
    signer: TokenSigner,
}

impl Unsigned {
    /// Signs the pending tokens and returns the finished answer.
    pub fn finish(self) -> Value {
        let mut response = self.response;
        if !self.pending.is_empty() {
            fill(&mut response, &self.pending, &self.signer);
        }
        response
    }
}

/// Replaces each placeholder string by its signed token.
fn fill(v: &mut Value, pending: &[(String, Map<String, Value>)], signer: &TokenSigner) {
    match v {
        Value::String(s) => {
            if let Some((_, claims)) = pending.iter().find(|(p, _)| p == s) {
                *s = signer.sign(claims);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| fill(x, pending, signer)),
        Value::Object(o) => o.values_mut().for_each(|x| fill(x, pending, signer)),
        _ => {}
    }
}

impl Emulator {
    /// Answers one operation. `target` is the `X-Amz-Target` header (for example
    /// `AWSCognitoIdentityProviderService.InitiateAuth`), `body` the JSON request, `now` the
    /// emulator's current time.
    pub fn handle(&mut self, target: &str, body: &Value, now: UnixMillis) -> ApiResult<Value> {
        self.handle_unsigned(target, body, now)
            .map(Unsigned::finish)
    }

    /// Like [`Emulator::handle`], leaving token signatures to [`Unsigned::finish`].
    pub fn handle_unsigned(
        &mut self,
        target: &str,
        body: &Value,
        now: UnixMillis,
    ) -> ApiResult<Unsigned> {
        self.pending.clear();
        let response = self.dispatch(target, body, now);
        self.record(target, body, response.as_ref().err(), now);
        let pending = std::mem::take(&mut self.pending);
        response.map(|response| Unsigned {
            response,
            pending,
            signer: self.signer.clone(),
        })
    }

    fn record(&mut self, target: &str, body: &Value, error: Option<&ApiError>, now: UnixMillis) {
        let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
        if self.served.len() >= MAX_SERVED_REQUESTS {
            self.served.drain(..MAX_SERVED_REQUESTS / 10);
        }
        self.served.push(ServedRequest {
            operation: target.rsplit('.').next().unwrap_or_default().to_owned(),
            auth_flow: field("AuthFlow"),
            client_id: field("ClientId"),
            result: error.map_or("ok", |e| e.kind.name()).to_owned(),
            at_ms: now.0,
        });
    }

    fn dispatch(&mut self, target: &str, body: &Value, now: UnixMillis) -> ApiResult<Value> {
        if !body.is_object() {
            return Err(ApiError::new(
                ErrorKind::SerializationError,
                "Request body must be a JSON object",
            ));
        }
        self.expire(now);
        if let Some(op) = target.strip_prefix(USER_POOL_PREFIX) {
            user_pool(self, op, Params(body), now)
        } else if let Some(op) = target.strip_prefix(IDENTITY_PREFIX) {
            identity(self, op, Params(body), now)
        } else {
            Err(unknown_operation(target))
        }
    }
}

fn user_pool(emu: &mut Emulator, op: &str, p: Params<'_>, now: UnixMillis) -> ApiResult<Value> {
    match op {
        "CreateUserPool" => admin::create_user_pool(emu, p, now),
        "DescribeUserPool" => admin::describe_user_pool(emu, p),
        "ListUserPools" => admin::list_user_pools(emu),
        "DeleteUserPool" => admin::delete_user_pool(emu, p),
        "UpdateUserPool" => settings::update_user_pool(emu, p, now),
        "SetUserPoolMfaConfig" => settings::set_user_pool_mfa_config(emu, p, now),
        "GetUserPoolMfaConfig" => settings::get_user_pool_mfa_config(emu, p),
        "CreateUserPoolClient" => admin::create_user_pool_client(emu, p),
        "DescribeUserPoolClient" => admin::describe_user_pool_client(emu, p),
        "UpdateUserPoolClient" => admin::update_user_pool_client(emu, p),
        "ListUserPoolClients" => admin::list_user_pool_clients(emu, p),
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
        "AdminResetUserPassword" => admin::admin_reset_user_password(emu, p, now),
        "ListUsers" => admin::list_users(emu, p),
        "CreateGroup" => groups::create_group(emu, p, now),
        "GetGroup" => groups::get_group(emu, p),
        "UpdateGroup" => groups::update_group(emu, p, now),
        "DeleteGroup" => groups::delete_group(emu, p),
        "ListGroups" => groups::list_groups(emu, p),
        "AdminAddUserToGroup" => groups::admin_add_user_to_group(emu, p),
        "AdminRemoveUserFromGroup" => groups::admin_remove_user_from_group(emu, p),
        "AdminListGroupsForUser" => groups::admin_list_groups_for_user(emu, p),
        "ListUsersInGroup" => groups::list_users_in_group(emu, p),
        "AdminGetDevice" => devices::admin_get_device(emu, p),
        "AdminForgetDevice" => devices::admin_forget_device(emu, p),
        "AdminUpdateDeviceStatus" => devices::admin_update_device_status(emu, p, now),
        "AdminListDevices" => devices::admin_list_devices(emu, p),
        "SignUp" => signup::sign_up(emu, p, now),
        "ConfirmSignUp" => signup::confirm_sign_up(emu, p, now),
        "ResendConfirmationCode" => signup::resend_confirmation_code(emu, p, now),
        "ForgotPassword" => signup::forgot_password(emu, p, now),
        "ConfirmForgotPassword" => signup::confirm_forgot_password(emu, p, now),
        "InitiateAuth" => auth::initiate_auth(emu, p, now, false),
        "AdminInitiateAuth" => auth::initiate_auth(emu, p, now, true),
        "GetTokensFromRefreshToken" => auth::get_tokens_from_refresh_token(emu, p, now),
        "RespondToAuthChallenge" | "AdminRespondToAuthChallenge" => {
            auth::respond_to_auth_challenge(emu, p, now)
        }
        "GetUser" => account::get_user(emu, p, now),
        "GetUserAuthFactors" => account::get_user_auth_factors(emu, p, now),
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
        _ => crate::oauth::domain_operation(emu, op, p)
            .unwrap_or_else(|| Err(unknown_operation(&format!("{USER_POOL_PREFIX}{op}")))),
    }
}

fn identity(emu: &mut Emulator, op: &str, p: Params<'_>, now: UnixMillis) -> ApiResult<Value> {
    match op {
        "CreateIdentityPool" => idp::create_identity_pool(emu, p),
        "DescribeIdentityPool" => idp::describe_identity_pool(emu, p),
        "UpdateIdentityPool" => idp::update_identity_pool(emu, p),
        "ListIdentityPools" => idp::list_identity_pools(emu),
        "DeleteIdentityPool" => idp::delete_identity_pool(emu, p),
        "SetIdentityPoolRoles" => crate::roles::set_roles(emu, p),
        "GetIdentityPoolRoles" => crate::roles::get_roles(emu, p),
        "GetId" => idp::get_id(emu, p, now),
        "GetCredentialsForIdentity" => idp::get_credentials(emu, p, now),
        "GetOpenIdToken" => idp::get_open_id_token(emu, p, now),
        "GetOpenIdTokenForDeveloperIdentity" => idp::developer_token(emu, p, now),
        "LookupDeveloperIdentity" => idp::lookup_developer(emu, p),
        "DescribeIdentity" => idp::describe_identity(emu, p),
        _ => Err(unknown_operation(&format!("{IDENTITY_PREFIX}{op}"))),
    }
}

fn unknown_operation(target: &str) -> ApiError {
    ApiError::new(
        ErrorKind::UnknownOperation,
        format!("Unknown operation {target}"),
    )
}

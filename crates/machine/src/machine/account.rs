//! Account operations that do not change who is signed in: registration and password reset
//! (no tokens needed), and the signed-in user's attributes, password, devices and MFA settings
//! (an access token needed). Each becomes one user-pool call whose result answers the app.

use super::shared::{CallKind, Outbox, Shared};
use crate::account::{AccountAuth, Authorization};
use crate::cognito::{DeviceRememberedStatus, UserPoolRequest, UserPoolResponse};
use crate::error::AuthError;
use crate::input::ApiCall;
use crate::output::{Answer, OperationId};
use crate::session::Tokens;
use cognito_auth_wire::verify_status;

/// Whether `call` needs a signed-in user (an access token).
pub(crate) fn is_authorized_call(call: &ApiCall) -> bool {
    if let ApiCall::Account(request) = call {
        return request.authorization() == Authorization::AccessToken;
    }
    matches!(
        call,
        ApiCall::RememberDevice
            | ApiCall::UpdateDeviceStatus { .. }
            | ApiCall::ForgetDevice { .. }
            | ApiCall::FetchDevice
            | ApiCall::SetUpTotp
            | ApiCall::VerifyTotpSetup { .. }
    )
}

impl Shared {
    /// The account table's `client` operations (registration, confirmation codes, password
    /// reset), valid in every state. Returns false if `call` is not one of them.
    pub(crate) fn unauthenticated_call(
        &mut self,
        out: &mut Outbox,
        op: OperationId,
        call: &ApiCall,
    ) -> bool {
        let ApiCall::Account(request) = call else {
            return false;
        };
        let Some(username) = request.username() else {
            return false;
        };
        if let Err(e) = self.user_pool_config() {
            Shared::reply(out, op, Err(e));
            return true;
        }
        let auth = AccountAuth::Client {
            secret_hash: self.secret_hash(username),
        };
        let request = UserPoolRequest::Account {
            auth,
            request: request.clone(),
        };
        self.call(out, op, CallKind::Account, request);
        true
    }

    /// Sends a call that needs an access token; `tokens` must be usable.
    pub(crate) fn authorized_call(
        &mut self,
        out: &mut Outbox,
        op: OperationId,
        call: &ApiCall,
        tokens: &Tokens,
    ) {
        let access_token = tokens.access_token.clone();
        let this_device = self.devices.get(&*tokens.username).cloned();
        let no_device = || AuthError::InvalidState {
            call: call.name().into(),
            state: "this device is not tracked by the user pool".into(),
        };
        let (kind, request) = match call {
            ApiCall::Account(request) => (
                CallKind::Account,
                UserPoolRequest::Account {
                    auth: AccountAuth::AccessToken { access_token },
                    request: request.clone(),
                },
            ),
            ApiCall::RememberDevice => {
                let Some(d) = this_device else {
                    return Shared::reply(out, op, Err(no_device()));
                };
                (
                    CallKind::Done,
                    UserPoolRequest::UpdateDeviceStatus {
                        access_token,
                        device_key: d.device_key,
                        remembered: true,
                    },
                )
            }
            ApiCall::UpdateDeviceStatus { device_key, status } => {
                let Some(device_key) = device_key
                    .clone()
                    .or_else(|| this_device.as_ref().map(|d| d.device_key.clone()))
                else {
                    return Shared::reply(out, op, Err(no_device()));
                };
                (
                    CallKind::Done,
                    UserPoolRequest::UpdateDeviceStatus {
                        access_token,
                        device_key,
                        remembered: *status == DeviceRememberedStatus::Remembered,
                    },
                )
            }
            ApiCall::ForgetDevice { device_key } => {
                let key = match (device_key, &this_device) {
                    (Some(k), _) => k.clone(),
                    (None, Some(d)) => d.device_key.clone(),
                    (None, None) => return Shared::reply(out, op, Err(no_device())),
                };
                (
                    CallKind::ForgetLocalDevice {
                        username: tokens.username.to_string(),
                        device_key: key.clone(),
                    },
                    UserPoolRequest::ForgetDevice {
                        access_token,
                        device_key: key,
                    },
                )
            }
            ApiCall::FetchDevice => {
                let Some(d) = this_device else {
                    return Shared::reply(out, op, Err(no_device()));
                };
                (
                    CallKind::Device,
                    UserPoolRequest::GetDevice {
                        access_token,
                        device_key: d.device_key,
                    },
                )
            }
            ApiCall::SetUpTotp => (
                CallKind::TotpSetup,
                UserPoolRequest::AssociateSoftwareToken {
                    access_token: Some(access_token),
                    session: None,
                },
            ),
            ApiCall::VerifyTotpSetup {
                code,
                friendly_device_name,
            } => (
                CallKind::TotpVerified,
                UserPoolRequest::VerifySoftwareToken {
                    access_token: Some(access_token),
                    session: None,
                    user_code: code.clone(),
                    friendly_device_name: friendly_device_name.clone(),
                },
            ),
            other => {
                return Shared::reply(
                    out,
                    op,
                    Err(AuthError::invalid_state(other.name(), "signed in")),
                )
            }
        };
        self.call(out, op, kind, request);
    }

    /// Answers a generic call from its user-pool result. Returns true when the local device
    /// store changed (the caller persists).
    pub(crate) fn finish_call(
        &mut self,
        out: &mut Outbox,
        op: OperationId,
        call: &CallKind,
        result: &Result<UserPoolResponse, AuthError>,
    ) -> bool {
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                Shared::reply(out, op, Err(e.clone()));
                return false;
            }
        };
        let mut devices_changed = false;
        let answer = match (call, resp) {
            (CallKind::Done, _) => Ok(Answer::Done),
            (CallKind::Account, UserPoolResponse::Account(response)) => {
                Ok(Answer::Account(response.clone()))
            }
            (CallKind::Device, UserPoolResponse::Device { device }) => {
                Ok(Answer::Device(device.clone()))
            }
            (CallKind::TotpSetup, UserPoolResponse::AssociateSoftwareToken { secret_code, .. }) => {
                Ok(Answer::TotpSetup {
                    shared_secret: secret_code.clone(),
                })
            }
            (CallKind::TotpVerified, UserPoolResponse::VerifySoftwareToken { status, .. }) => {
                if status == verify_status::SUCCESS {
                    Ok(Answer::Done)
                } else {
                    Err(AuthError::CodeMismatch)
                }
            }
            (
                CallKind::ForgetLocalDevice {
                    username,
                    device_key,
                },
                _,
            ) => {
                if self
                    .devices
                    .get(username)
                    .is_some_and(|d| d.device_key == *device_key)
                {
                    self.devices.remove(username);
                    devices_changed = true;
                }
                Ok(Answer::Done)
            }
            _ => Err(AuthError::UnexpectedResponse {
                message: "a response of the wrong shape".into(),
            }),
        };
        Shared::reply(out, op, answer);
        devices_changed
    }
}

/// The user-pool refresh for `tokens`: GetTokensFromRefreshToken when the client rotates
/// refresh tokens (configured, or learnt in auto mode), REFRESH_TOKEN_AUTH otherwise (as
/// [`UserPoolRequest::RefreshTokenAuth`], which shares the refresh token rather than copying
/// it).
pub(crate) fn refresh_request(core: &Shared, tokens: &Tokens) -> Option<UserPoolRequest> {
    let refresh = tokens.refresh_token.as_ref()?;
    let device_key = core
        .devices
        .get(&*tokens.username)
        .map(|d| d.device_key.clone());
    if core.refreshes_with_rotation() {
        return Some(UserPoolRequest::GetTokensFromRefreshToken {
            refresh_token: refresh.clone(),
            client_secret: core
                .config
                .user_pool
                .as_ref()
                .and_then(|p| p.app_client_secret.clone()),
            device_key,
            client_metadata: Default::default(),
        });
    }
    Some(UserPoolRequest::RefreshTokenAuth {
        refresh_token: refresh.clone(),
        secret_hash: core.secret_hash(&tokens.username),
        device_key,
        client_metadata: Default::default(),
    })
}

/// Calls that cannot be served with expired tokens.
pub(super) fn needs_fresh_tokens(call: &ApiCall) -> bool {
    is_authorized_call(call) || is_identity_call(call) || matches!(call, ApiCall::DeleteUser)
}

pub(super) fn is_identity_call(call: &ApiCall) -> bool {
    matches!(
        call,
        ApiCall::FetchCredentials { .. } | ApiCall::FetchIdentityId
    )
}

pub(super) fn is_sign_in_call(call: &ApiCall) -> bool {
    matches!(
        call,
        ApiCall::SignIn { .. } | ApiCall::SignInWithWebUi { .. } | ApiCall::FederatedSignIn { .. }
    )
}

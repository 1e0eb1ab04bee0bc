//! Amplify's API calls (`api.name`, `params`, `options`) onto our `ApiCall`s.
//!
//! Most map one to one. `fetchAuthSession` has no single counterpart: it becomes `tokens`,
//! `identity_id` and `aws_credentials`, sent one after the other (each run to completion), whose
//! three answers make up Amplify's session object. Amplify's empty password (`""`) means "no
//! password" (passwordless sign-in and sign-up) and maps to `None` for `sign_in`.

use std::collections::BTreeMap;

use cognito_auth_machine::account::{ConfirmSignUp, ForgotPassword, GetUser, ListDevices, SignUp};
use cognito_auth_machine::cognito::Attribute;
use cognito_auth_machine::{Answer, ApiCall, AuthError, OperationId, Secret, SignOutOptions};
use serde_json::Value;

use super::driver::{Backend, Driver};
use super::start::auth_flow;

/// What the case's API call produced.
// Built once per case and read once: boxing the larger variant would only add noise.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Outcome {
    /// One app call.
    Single(Option<Result<Answer, AuthError>>),
    /// `fetchAuthSession`: the answers to `tokens`, `identity_id` and `aws_credentials`.
    Session {
        tokens: Option<Result<Answer, AuthError>>,
        identity_id: Option<Result<Answer, AuthError>>,
        credentials: Option<Result<Answer, AuthError>>,
    },
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

/// The `ApiCall` for a one-to-one API, or why there is none.
pub(crate) fn single_call(name: &str, params: &Value, options: &Value) -> Result<ApiCall, String> {
    Ok(match name {
        "signIn" => {
            let sign_in_options = &options["signInOptions"];
            let flow = match sign_in_options["authFlow"].as_str() {
                Some(f) => Some(auth_flow(f).ok_or_else(|| format!("authFlow {f} not mapped"))?),
                None => None,
            };
            let password = text(params, "password");
            ApiCall::SignIn {
                username: text(params, "username"),
                password: (!password.is_empty()).then(|| Secret::new(password)),
                flow,
                preferred_challenge: sign_in_options["preferredFirstFactor"]
                    .as_str()
                    .map(str::to_owned),
                client_metadata: BTreeMap::new(),
            }
        }
        "confirmSignIn" => ApiCall::ConfirmSignIn {
            answer: Secret::new(text(params, "challengeResponse")),
            user_attributes: Vec::new(),
            client_metadata: BTreeMap::new(),
        },
        "signUp" => ApiCall::account(SignUp {
            username: text(params, "username"),
            password: Secret::new(text(params, "password")),
            user_attributes: options["userAttributes"]
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| Attribute {
                            name: k.clone(),
                            value: v.as_str().unwrap_or_default().to_owned(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            validation_data: Vec::new(),
            client_metadata: BTreeMap::new(),
        }),
        "confirmSignUp" => ApiCall::account(ConfirmSignUp {
            username: text(params, "username"),
            confirmation_code: Secret::new(text(params, "confirmationCode")),
            client_metadata: BTreeMap::new(),
        }),
        "resetPassword" => ApiCall::account(ForgotPassword {
            username: text(params, "username"),
            client_metadata: BTreeMap::new(),
        }),
        // Amplify v2 always revokes the refresh token; the hosted UI is not involved here.
        "signOut" => ApiCall::SignOut(SignOutOptions {
            global: options["globalSignOut"].as_bool().unwrap_or(false),
            revoke: true,
            hosted_ui: false,
        }),
        "deleteUser" => ApiCall::DeleteUser,
        "fetchUserAttributes" => ApiCall::account(GetUser {}),
        "fetchDevices" => ApiCall::account(ListDevices::default()),
        "rememberDevice" => ApiCall::RememberDevice,
        "forgetDevice" => ApiCall::ForgetDevice {
            device_key: params["device"]["id"].as_str().map(str::to_owned),
        },
        other => return Err(format!("API `{other}` has no counterpart in the machine")),
    })
}

/// Runs the case's API call against `d`, serving effects from `backend`.
pub(crate) fn run(
    d: &mut Driver,
    backend: &mut dyn Backend,
    name: &str,
    params: &Value,
    options: &Value,
) -> Result<Outcome, String> {
    if name == "fetchAuthSession" {
        let force = options["forceRefresh"].as_bool().unwrap_or(false);
        let mut step = |d: &mut Driver, call: ApiCall| -> Option<Result<Answer, AuthError>> {
            let op: OperationId = d.call(call);
            d.run(backend);
            d.reply(op).cloned()
        };
        let tokens = step(
            d,
            ApiCall::FetchTokens {
                force_refresh: force,
            },
        );
        let identity_id = step(d, ApiCall::FetchIdentityId);
        let credentials = step(
            d,
            ApiCall::FetchCredentials {
                force_refresh: force,
            },
        );
        return Ok(Outcome::Session {
            tokens,
            identity_id,
            credentials,
        });
    }
    let call = single_call(name, params, options)?;
    let op = d.call(call);
    d.run(backend);
    Ok(Outcome::Single(d.reply(op).cloned()))
}

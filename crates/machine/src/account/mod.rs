//! The table of pass-through account operations: user-pool calls whose response goes straight
//! back to the app, authorized either by the signed-in user's access token (`token`: attributes,
//! password, device list, MFA preferences) or by the app client alone (`client`: sign-up,
//! confirmation codes, password reset).
//!
//! Each entry of [`for_each_account_operation!`](crate::for_each_account_operation) names a
//! Cognito operation once: how it is authorized, its input fields (without `AccessToken`,
//! `ClientId` or `SecretHash`, which the machine and the engine add; a `client` operation has a
//! `username`, which the secret hash is computed for), its output fields, each field's name on
//! the wire and, for inputs, the `aws-sdk-cognitoidentityprovider` setter. Everything else is
//! generated from the entry by callbacks of the macro:
//!
//! - here, the input struct (named as the operation), its `...Output` struct, the
//!   [`AccountRequest`] / [`AccountResponse`] variants, [`AccountOperation`], and the Cognito
//!   JSON of requests and responses ([`AccountRequest::wire_request`],
//!   [`AccountRequest::wire_response`], used by the simulator and the conformance checks);
//! - in the machine, nothing per operation: [`crate::ApiCall::Account`] is sent with a fresh
//!   access token (`token`) or the secret hash (`client`, in any state) as
//!   [`crate::cognito::UserPoolRequest::Account`] and its
//!   [`crate::cognito::UserPoolResponse::Account`] answers the call;
//! - in the engine, the SDK call (`exec/user_pool.rs`) and the typed method `Auth::call`.
//!
//! So adding such an operation is one entry here (its output type is part of it), plus, for
//! the emulator, the operation itself on the service side.

#[cfg(any(test, feature = "test-util"))]
mod sample;
mod wire;

use serde::{Deserialize, Serialize};

#[cfg(any(test, feature = "test-util"))]
pub use sample::Sample;
pub use wire::Wire;

use crate::cognito::{Attribute, CodeDelivery, Device, MfaPreference, StringMap};
use crate::secret::Secret;

/// Calls `$callback!` with the table of pass-through account operations (see the module docs
/// for the grammar's meaning). Other crates of the workspace generate their part from it.
///
/// `for_each_account_operation!(compact callback)` passes the table without docs and types,
/// as `Op("Op", sdk_fn) auth { field = "Wire" => setter, ... } -> OpOutput { field = "Wire", ... }`
/// (`auth`: `token` or `client`)
/// (what the engine's SDK calls and the tests need: types are inferred there).
#[macro_export]
macro_rules! for_each_account_operation {
    (compact $callback:ident) => {
        $crate::for_each_account_operation! { __account_compact $callback }
    };
    ($($callback:ident)+) => {
        $crate::__account_table_call! { $($callback)+;
            /// `SignUp`: registers a user.
            SignUp("SignUp", sign_up) client {
                /// The user name (or email or phone, when the pool signs in with them).
                username: String = "Username" => set_username,
                /// The password.
                password: Secret<String> = "Password" => set_password,
                /// Attributes.
                user_attributes: Vec<Attribute> = "UserAttributes" => set_user_attributes,
                /// Validation data for the pre-sign-up trigger.
                validation_data: Vec<Attribute> = "ValidationData" => set_validation_data,
                /// Passed to Lambda triggers.
                client_metadata: StringMap = "ClientMetadata" => set_client_metadata,
            } -> SignUpOutput {
                /// Whether the user is already confirmed (no code needed).
                user_confirmed: bool = "UserConfirmed",
                /// The new user's `sub`.
                user_sub: String = "UserSub",
                /// Where the confirmation code went.
                code_delivery_details: Option<CodeDelivery> = "CodeDeliveryDetails",
                /// A session for signing in without the password right after confirmation
                /// (choice-based sign-in pools).
                session: Option<Secret<String>> = "Session",
            }
            /// `ConfirmSignUp`: confirms a registration with the delivered code.
            ConfirmSignUp("ConfirmSignUp", confirm_sign_up) client {
                /// The user name.
                username: String = "Username" => set_username,
                /// The code.
                confirmation_code: Secret<String> = "ConfirmationCode" => set_confirmation_code,
                /// Passed to Lambda triggers.
                client_metadata: StringMap = "ClientMetadata" => set_client_metadata,
            } -> ConfirmSignUpOutput {
                /// A session for signing in without the password (choice-based sign-in pools).
                session: Option<Secret<String>> = "Session",
            }
            /// `ResendConfirmationCode`: sends the registration code again.
            ResendConfirmationCode("ResendConfirmationCode", resend_confirmation_code) client {
                /// The user name.
                username: String = "Username" => set_username,
                /// Passed to Lambda triggers.
                client_metadata: StringMap = "ClientMetadata" => set_client_metadata,
            } -> ResendConfirmationCodeOutput {
                /// Where the code went.
                code_delivery_details: Option<CodeDelivery> = "CodeDeliveryDetails",
            }
            /// `ForgotPassword`: sends a password-reset code.
            ForgotPassword("ForgotPassword", forgot_password) client {
                /// The user name.
                username: String = "Username" => set_username,
                /// Passed to Lambda triggers.
                client_metadata: StringMap = "ClientMetadata" => set_client_metadata,
            } -> ForgotPasswordOutput {
                /// Where the reset code went.
                code_delivery_details: Option<CodeDelivery> = "CodeDeliveryDetails",
            }
            /// `ConfirmForgotPassword`: sets a new password with the reset code.
            ConfirmForgotPassword("ConfirmForgotPassword", confirm_forgot_password) client {
                /// The user name.
                username: String = "Username" => set_username,
                /// The reset code.
                confirmation_code: Secret<String> = "ConfirmationCode" => set_confirmation_code,
                /// The new password.
                password: Secret<String> = "Password" => set_password,
                /// Passed to Lambda triggers.
                client_metadata: StringMap = "ClientMetadata" => set_client_metadata,
            } -> ConfirmForgotPasswordOutput {}
            /// `GetUser`: the signed-in user's name, attributes and MFA settings.
            GetUser("GetUser", get_user) token {} -> GetUserOutput {
                /// The user name.
                username: String = "Username",
                /// The user's attributes.
                user_attributes: Vec<Attribute> = "UserAttributes",
                /// The preferred MFA method (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`).
                preferred_mfa_setting: Option<String> = "PreferredMfaSetting",
                /// The MFA methods turned on for the user.
                user_mfa_setting_list: Vec<String> = "UserMFASettingList",
            }
            /// `UpdateUserAttributes`: sets attributes of the signed-in user; changed email or
            /// phone numbers get a verification code.
            UpdateUserAttributes("UpdateUserAttributes", update_user_attributes) token {
                /// Attributes to set.
                user_attributes: Vec<Attribute> = "UserAttributes" => set_user_attributes,
                /// Passed to Lambda triggers.
                client_metadata: StringMap = "ClientMetadata" => set_client_metadata,
            } -> UpdateUserAttributesOutput {
                /// Attributes that need verification, and where their codes went.
                code_delivery_details_list: Vec<CodeDelivery> = "CodeDeliveryDetailsList",
            }
            /// `GetUserAttributeVerificationCode`: sends a code to verify an attribute.
            GetUserAttributeVerificationCode(
                "GetUserAttributeVerificationCode",
                get_user_attribute_verification_code
            ) token {
                /// `email` or `phone_number`.
                attribute_name: String = "AttributeName" => set_attribute_name,
                /// Passed to Lambda triggers.
                client_metadata: StringMap = "ClientMetadata" => set_client_metadata,
            } -> GetUserAttributeVerificationCodeOutput {
                /// Where the code went.
                code_delivery_details: Option<CodeDelivery> = "CodeDeliveryDetails",
            }
            /// `VerifyUserAttribute`: verifies an attribute with the delivered code.
            VerifyUserAttribute("VerifyUserAttribute", verify_user_attribute) token {
                /// The attribute.
                attribute_name: String = "AttributeName" => set_attribute_name,
                /// The code.
                code: Secret<String> = "Code" => set_code,
            } -> VerifyUserAttributeOutput {}
            /// `ChangePassword`: changes the signed-in user's password.
            ChangePassword("ChangePassword", change_password) token {
                /// The current password (Cognito lets users without one leave it out).
                previous_password: Option<Secret<String>> = "PreviousPassword"
                    => set_previous_password,
                /// The new password.
                proposed_password: Secret<String> = "ProposedPassword" => set_proposed_password,
            } -> ChangePasswordOutput {}
            /// `ListDevices`: one page of the user's tracked devices.
            ListDevices("ListDevices", list_devices) token {
                /// Page size (Cognito: 0 to 60; 60 when absent).
                limit: Option<i32> = "Limit" => set_limit,
                /// The token of the page to fetch, from the previous page's output.
                pagination_token: Option<String> = "PaginationToken" => set_pagination_token,
            } -> ListDevicesOutput {
                /// The devices.
                devices: Vec<Device> = "Devices",
                /// The next page's token; `None` on the last page.
                pagination_token: Option<String> = "PaginationToken",
            }
            /// `SetUserMFAPreference`: turns MFA methods on or off and picks the preferred one
            /// (`None` leaves a method as it is).
            SetUserMfaPreference("SetUserMFAPreference", set_user_mfa_preference) token {
                /// SMS.
                sms_mfa_settings: Option<MfaPreference> = "SMSMfaSettings"
                    => set_sms_mfa_settings,
                /// TOTP (an authenticator app).
                software_token_mfa_settings: Option<MfaPreference> = "SoftwareTokenMfaSettings"
                    => set_software_token_mfa_settings,
                /// Email.
                email_mfa_settings: Option<MfaPreference> = "EmailMfaSettings"
                    => set_email_mfa_settings,
            } -> SetUserMfaPreferenceOutput {}
            /// `GetUserAuthFactors`: the user's MFA settings and the first factors the user
            /// can choose in a `USER_AUTH` sign-in.
            GetUserAuthFactors("GetUserAuthFactors", get_user_auth_factors) token {}
                -> GetUserAuthFactorsOutput {
                /// The user name.
                username: String = "Username",
                /// The preferred MFA method.
                preferred_mfa_setting: Option<String> = "PreferredMfaSetting",
                /// The MFA methods turned on for the user.
                user_mfa_setting_list: Vec<String> = "UserMFASettingList",
                /// `USER_AUTH` first factors: `PASSWORD`, `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`.
                configured_user_auth_factors: Vec<String> = "ConfiguredUserAuthFactors",
            }
        }
    };
}

/// Calls the callback with the table (helper of [`for_each_account_operation!`](crate::for_each_account_operation)).
#[doc(hidden)]
#[macro_export]
macro_rules! __account_table_call {
    ($callback:ident; $($table:tt)*) => {
        $callback! { $($table)* }
    };
    (__account_compact $callback:ident; $($table:tt)*) => {
        $crate::__account_compact! { $callback; $($table)* }
    };
}

/// Drops the docs and types of the table (helper of [`for_each_account_operation!`](crate::for_each_account_operation)).
#[doc(hidden)]
#[macro_export]
macro_rules! __account_compact {
    ($callback:ident; $(
        $(#[doc = $doc:literal])*
        $op:ident($wire_op:literal, $sdk:ident) $auth:ident {
            $($(#[doc = $idoc:literal])* $ifield:ident : $ity:ty = $iwire:literal => $iset:ident,)*
        } -> $out:ident {
            $($(#[doc = $odoc:literal])* $ofield:ident : $oty:ty = $owire:literal,)*
        }
    )*) => {
        $callback! { $(
            $op($wire_op, $sdk) $auth { $($ifield = $iwire => $iset,)* } -> $out { $($ofield = $owire,)* }
        )* }
    };
}

/// Adds a member to a JSON body unless its value is absent.
fn put<T: Wire>(body: &mut serde_json::Map<String, serde_json::Value>, key: &str, value: &T) {
    let value = value.to_wire();
    if !value.is_null() {
        body.insert(key.to_owned(), value);
    }
}

/// How an operation of the table is authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization {
    /// The signed-in user's access token (`token` entries).
    AccessToken,
    /// The app client alone (`client` entries): its id, and `SECRET_HASH` when it has a secret.
    Client,
}

/// What a request of the table is sent with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by")]
pub enum AccountAuth {
    /// The signed-in user's access token.
    AccessToken {
        /// A valid access token.
        access_token: Secret<String>,
    },
    /// The app client (the engine adds its id).
    Client {
        /// `SECRET_HASH` of the request's user name, when the client has a secret.
        secret_hash: Option<Secret<String>>,
    },
}

/// The [`Authorization`] of a table entry's `token` / `client` marker.
#[doc(hidden)]
#[macro_export]
macro_rules! __account_authorization {
    (token) => {
        $crate::account::Authorization::AccessToken
    };
    (client) => {
        $crate::account::Authorization::Client
    };
}

/// The user name of a `client` entry's input (helper of the generated `AccountRequest::username`).
#[doc(hidden)]
#[macro_export]
macro_rules! __account_username {
    (token, $input:ident) => {
        None
    };
    (client, $input:ident) => {
        Some($input.username.as_str())
    };
}

/// An account operation of the table: its input type, with the output it answers with.
pub trait AccountOperation: Into<AccountRequest> {
    /// The Cognito operation name, e.g. `ListDevices`.
    const OPERATION: &'static str;
    /// What the operation answers with.
    type Output;
    /// The output, when `response` is this operation's.
    fn output(response: AccountResponse) -> Option<Self::Output>;
}

macro_rules! define_account_operations {
    ($(
        $(#[doc = $doc:literal])*
        $op:ident($wire_op:literal, $sdk:ident) $auth:ident {
            $($(#[doc = $idoc:literal])* $ifield:ident : $ity:ty = $iwire:literal => $iset:ident,)*
        } -> $out:ident {
            $($(#[doc = $odoc:literal])* $ofield:ident : $oty:ty = $owire:literal,)*
        }
    )*) => {
        $(
            $(#[doc = $doc])*
            ///
            /// The input of [`crate::ApiCall::Account`] for this operation.
            #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
            pub struct $op {
                $($(#[doc = $idoc])* pub $ifield: $ity,)*
            }

            #[doc = concat!("What `", $wire_op, "` answers with.")]
            #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
            pub struct $out {
                $($(#[doc = $odoc])* pub $ofield: $oty,)*
            }

            impl From<$op> for AccountRequest {
                fn from(input: $op) -> Self {
                    AccountRequest::$op(input)
                }
            }

            impl AccountOperation for $op {
                const OPERATION: &'static str = $wire_op;
                type Output = $out;
                fn output(response: AccountResponse) -> Option<$out> {
                    match response {
                        AccountResponse::$op(out) => Some(out),
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                }
            }
        )*

        /// A call of the account-operation table, with its input.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "operation")]
        pub enum AccountRequest {
            $($(#[doc = $doc])* $op($op),)*
        }

        /// The output of a call of the account-operation table.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "operation")]
        pub enum AccountResponse {
            $($(#[doc = $doc])* $op($out),)*
        }

        impl AccountRequest {
            /// The Cognito operation name, e.g. `ListDevices`.
            pub fn operation(&self) -> &'static str {
                match self {
                    $(Self::$op(_) => $wire_op,)*
                }
            }

            /// The user name a `client` operation is for (its `SECRET_HASH` is computed for it);
            /// `None` for `token` operations.
            pub fn username(&self) -> Option<&str> {
                match self {
                    $(Self::$op(_input) => $crate::__account_username!($auth, _input),)*
                }
            }

            /// How the operation is authorized.
            pub fn authorization(&self) -> Authorization {
                match self {
                    $(Self::$op(_) => $crate::__account_authorization!($auth),)*
                }
            }

            /// The request body Cognito's JSON protocol takes for this call sent with `auth`
            /// by app client `client_id` (secrets included: for tests and the simulator's wire).
            pub fn wire_request(&self, auth: &AccountAuth, client_id: &str) -> serde_json::Value {
                let mut body = serde_json::Map::new();
                match auth {
                    AccountAuth::AccessToken { access_token } => {
                        put(&mut body, "AccessToken", access_token);
                    }
                    AccountAuth::Client { secret_hash } => {
                        put(&mut body, "ClientId", &client_id.to_owned());
                        put(&mut body, "SecretHash", secret_hash);
                    }
                }
                match self {
                    $(Self::$op(_input) => {
                        $(put(&mut body, $iwire, &_input.$ifield);)*
                    })*
                }
                serde_json::Value::Object(body)
            }

            /// Reads the JSON Cognito answered this call with.
            ///
            /// # Errors
            /// A field that is missing where required, or of the wrong type.
            pub fn wire_response(
                &self,
                body: &serde_json::Value,
            ) -> Result<AccountResponse, String> {
                let _absent = serde_json::Value::Null;
                match self {
                    $(Self::$op(_) => Ok(AccountResponse::$op($out {
                        $($ofield: Wire::from_wire(body.get($owire).unwrap_or(&_absent))
                            .map_err(|e| format!(concat!($wire_op, ".", $owire, ": {}"), e))?,)*
                    })),)*
                }
            }

            /// A successful response with every output field empty or absent: a stand-in
            /// answer for tests.
            pub fn empty_response(&self) -> AccountResponse {
                match self {
                    $(Self::$op(_) => AccountResponse::$op($out::default()),)*
                }
            }
        }

        impl AccountResponse {
            /// The Cognito operation name this answers.
            pub fn operation(&self) -> &'static str {
                match self {
                    $(Self::$op(_) => $wire_op,)*
                }
            }

            /// The response body as Cognito's JSON protocol writes it (absent members left out).
            pub fn wire_response(&self) -> serde_json::Value {
                let mut body = serde_json::Map::new();
                match self {
                    $(Self::$op(_output) => {
                        $(put(&mut body, $owire, &_output.$ofield);)*
                    })*
                }
                serde_json::Value::Object(body)
            }
        }
    };
}

for_each_account_operation!(define_account_operations);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_request_goes_on_the_wire_under_cognitos_names_with_the_access_token() {
        let request = AccountRequest::from(ListDevices {
            limit: Some(2),
            pagination_token: None,
        });
        assert_eq!(request.operation(), "ListDevices");
        assert_eq!(
            request.wire_request(&token("at"), "client"),
            json!({"AccessToken": "at", "Limit": 2})
        );
        let request = AccountRequest::from(SetUserMfaPreference {
            software_token_mfa_settings: Some(MfaPreference {
                enabled: true,
                preferred: true,
            }),
            ..Default::default()
        });
        assert_eq!(request.operation(), "SetUserMFAPreference");
        assert_eq!(
            request.wire_request(&token("at"), "client"),
            json!({"AccessToken": "at",
                "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}})
        );
    }

    #[test]
    fn a_response_is_read_from_cognitos_names_and_a_wrong_type_is_an_error() {
        let request = AccountRequest::from(GetUserAuthFactors {});
        let response = request
            .wire_response(&json!({"Username": "alice",
                "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
                "ConfiguredUserAuthFactors": ["PASSWORD", "EMAIL_OTP"]}))
            .unwrap();
        let out = GetUserAuthFactors::output(response).unwrap();
        assert_eq!(&*out.username, "alice");
        assert_eq!(out.preferred_mfa_setting, None);
        assert_eq!(out.user_mfa_setting_list, ["SOFTWARE_TOKEN_MFA"]);
        assert_eq!(out.configured_user_auth_factors, ["PASSWORD", "EMAIL_OTP"]);
        let err = request.wire_response(&json!({"Username": 7})).unwrap_err();
        assert!(err.starts_with("GetUserAuthFactors.Username"), "{err}");
        assert!(request.wire_response(&json!({})).is_err());
        let out = GetUserAuthFactorsOutput {
            username: "bob".into(),
            preferred_mfa_setting: Some("EMAIL_OTP".into()),
            ..Default::default()
        };
        let body = AccountResponse::GetUserAuthFactors(out.clone()).wire_response();
        assert_eq!(
            body,
            json!({"Username": "bob", "PreferredMfaSetting": "EMAIL_OTP",
                "UserMFASettingList": [], "ConfiguredUserAuthFactors": []})
        );
        assert_eq!(
            request.wire_response(&body),
            Ok(AccountResponse::GetUserAuthFactors(out))
        );
        assert_eq!(
            request.empty_response(),
            AccountResponse::GetUserAuthFactors(GetUserAuthFactorsOutput::default())
        );
    }

    fn token(t: &str) -> AccountAuth {
        AccountAuth::AccessToken {
            access_token: Secret::new(t.to_owned()),
        }
    }

    fn same<T: Wire + PartialEq + std::fmt::Debug>(op: &str, value: &T, wire: &serde_json::Value) {
        assert_eq!(T::from_wire(wire).as_ref(), Ok(value), "{op}: {wire}");
    }

    /// Every operation of the table: each input field is on the wire under its name and reads
    /// back to itself, and each output written under its names reads back to itself.
    #[test]
    fn every_operation_round_trips_through_its_wire_names() {
        macro_rules! round_trips {
            ($($op:ident($wire:literal, $sdk:ident) $auth:ident { $($in:ident = $iw:literal => $set:ident,)* }
                -> $out:ident { $($field:ident = $ow:literal,)* })*) => {$({
                let input = $op { $($in: Sample::sample(),)* };
                let request = AccountRequest::from(input.clone());
                assert_eq!(request.operation(), $wire);
                let (auth, mut names) = match request.authorization() {
                    Authorization::AccessToken => (token("tok"), vec!["AccessToken"]),
                    Authorization::Client => {
                        assert_eq!(request.username(), Some(String::sample().as_str()));
                        let hash = Some(Secret::new("hash".to_owned()));
                        (AccountAuth::Client { secret_hash: hash }, vec!["ClientId", "SecretHash"])
                    }
                };
                let body = request.wire_request(&auth, "client");
                let fields: &[&str] = &[$($iw),*];
                names.extend_from_slice(fields);
                names.sort_unstable();
                let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
                assert_eq!(keys, names, "{}", $wire);
                $(same($wire, &input.$in, &body[$iw]);)*
                let response = AccountResponse::$op($out { $($field: Sample::sample(),)* });
                assert_eq!(response.operation(), $wire);
                assert_eq!(request.wire_response(&response.wire_response()), Ok(response));
            })*};
        }
        crate::for_each_account_operation!(compact round_trips);
        assert_eq!(true.to_wire(), json!(true));
        assert_eq!(bool::from_wire(&json!(false)), Ok(false));
        assert!(bool::from_wire(&json!("true")).is_err());
    }

    #[test]
    fn an_output_is_taken_only_from_its_own_operations_response() {
        let devices = AccountResponse::ListDevices(ListDevicesOutput::default());
        assert!(GetUser::output(devices.clone()).is_none());
        assert_eq!(
            ListDevices::output(devices),
            Some(ListDevicesOutput::default())
        );
    }

    #[test]
    fn a_request_round_trips_through_the_event_log_format_and_redacts_without_it() {
        let request = AccountRequest::from(VerifyUserAttribute {
            attribute_name: "email".into(),
            code: Secret::new("123456".into()),
        });
        let redacted = serde_json::to_string(&request).unwrap();
        assert!(!redacted.contains("123456"), "{redacted}");
        let text = crate::secret::expose_secrets_while(|| serde_json::to_string(&request)).unwrap();
        assert!(
            text.contains(r#""operation":"VerifyUserAttribute""#),
            "{text}"
        );
        let back: AccountRequest = serde_json::from_str(&text).unwrap();
        assert_eq!(back, request);
    }
}

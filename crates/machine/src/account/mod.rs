//! The table of pass-through account operations: user-pool calls that need the signed-in
//! user's access token and whose response goes straight back to the app.
//!
//! Each entry of [`for_each_account_operation!`](crate::for_each_account_operation) names a Cognito operation once: its input
//! fields (without `AccessToken`, which the machine adds), its output fields, each field's name
//! on the wire and, for inputs, the `aws-sdk-cognitoidentityprovider` setter. Everything else is
//! generated from the entry by callbacks of the macro:
//!
//! - here, the input struct (named as the operation), its `...Output` struct, the
//!   [`AccountRequest`] / [`AccountResponse`] variants, [`AccountOperation`], and the Cognito
//!   JSON of requests and responses ([`AccountRequest::wire_request`],
//!   [`AccountRequest::wire_response`], used by the simulator and the conformance checks);
//! - in the machine, nothing per operation: [`crate::ApiCall::Account`] is sent with a fresh
//!   access token as [`crate::cognito::UserPoolRequest::Account`] and its
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
/// as `Op("Op", sdk_fn) { field = "Wire" => setter, ... } -> OpOutput { field = "Wire", ... }`
/// (what the engine's SDK calls and the tests need: types are inferred there).
#[macro_export]
macro_rules! for_each_account_operation {
    (compact $callback:ident) => {
        $crate::for_each_account_operation! { __account_compact $callback }
    };
    ($($callback:ident)+) => {
        $crate::__account_table_call! { $($callback)+;
            /// `GetUser`: the signed-in user's name, attributes and MFA settings.
            GetUser("GetUser", get_user) {} -> GetUserOutput {
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
            UpdateUserAttributes("UpdateUserAttributes", update_user_attributes) {
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
            ) {
                /// `email` or `phone_number`.
                attribute_name: String = "AttributeName" => set_attribute_name,
                /// Passed to Lambda triggers.
                client_metadata: StringMap = "ClientMetadata" => set_client_metadata,
            } -> GetUserAttributeVerificationCodeOutput {
                /// Where the code went.
                code_delivery_details: Option<CodeDelivery> = "CodeDeliveryDetails",
            }
            /// `VerifyUserAttribute`: verifies an attribute with the delivered code.
            VerifyUserAttribute("VerifyUserAttribute", verify_user_attribute) {
                /// The attribute.
                attribute_name: String = "AttributeName" => set_attribute_name,
                /// The code.
                code: Secret<String> = "Code" => set_code,
            } -> VerifyUserAttributeOutput {}
            /// `ChangePassword`: changes the signed-in user's password.
            ChangePassword("ChangePassword", change_password) {
                /// The current password (Cognito lets users without one leave it out).
                previous_password: Option<Secret<String>> = "PreviousPassword"
                    => set_previous_password,
                /// The new password.
                proposed_password: Secret<String> = "ProposedPassword" => set_proposed_password,
            } -> ChangePasswordOutput {}
            /// `ListDevices`: one page of the user's tracked devices.
            ListDevices("ListDevices", list_devices) {
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
            SetUserMfaPreference("SetUserMFAPreference", set_user_mfa_preference) {
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
            GetUserAuthFactors("GetUserAuthFactors", get_user_auth_factors) {}
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
        $op:ident($wire_op:literal, $sdk:ident) {
            $($(#[doc = $idoc:literal])* $ifield:ident : $ity:ty = $iwire:literal => $iset:ident,)*
        } -> $out:ident {
            $($(#[doc = $odoc:literal])* $ofield:ident : $oty:ty = $owire:literal,)*
        }
    )*) => {
        $callback! { $(
            $op($wire_op, $sdk) { $($ifield = $iwire => $iset,)* } -> $out { $($ofield = $owire,)* }
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
        $op:ident($wire_op:literal, $sdk:ident) {
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

            /// The request body Cognito's JSON protocol takes for this call with
            /// `access_token` (secrets included: for tests and the simulator's wire).
            pub fn wire_request(&self, access_token: &str) -> serde_json::Value {
                let mut body = serde_json::Map::new();
                body.insert("AccessToken".into(), access_token.into());
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
            request.wire_request("at"),
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
            request.wire_request("at"),
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
        assert_eq!(out.username, "alice");
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

    fn same<T: Wire + PartialEq + std::fmt::Debug>(op: &str, value: &T, wire: &serde_json::Value) {
        assert_eq!(T::from_wire(wire).as_ref(), Ok(value), "{op}: {wire}");
    }

    /// Every operation of the table: each input field is on the wire under its name and reads
    /// back to itself, and each output written under its names reads back to itself.
    #[test]
    fn every_operation_round_trips_through_its_wire_names() {
        macro_rules! round_trips {
            ($($op:ident($wire:literal, $sdk:ident) { $($in:ident = $iw:literal => $set:ident,)* }
                -> $out:ident { $($field:ident = $ow:literal,)* })*) => {$({
                let input = $op { $($in: Sample::sample(),)* };
                let request = AccountRequest::from(input.clone());
                assert_eq!(request.operation(), $wire);
                let body = request.wire_request("tok");
                let mut names: Vec<&str> = vec!["AccessToken", $($iw),*];
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

//! The SDK calls of the account-operation table ([`cognito_auth_machine::account`]), generated
//! from the table: each input field goes to its SDK setter through [`ToSdk`], each output
//! field is read from the SDK output's field of the same name through [`FromSdk`]. A field type
//! new to the table needs one impl of each here; a new operation needs nothing.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFactorType, CodeDeliveryDetailsType, DeviceType, EmailMfaSettingsType,
    SmsMfaSettingsType, SoftwareTokenMfaSettingsType,
};
use cognito_auth_machine::account::{self, AccountAuth, AccountRequest, AccountResponse};
use cognito_auth_machine::cognito::{Attribute, CodeDelivery, Device, MfaPreference, StringMap};
use cognito_auth_machine::{Secret, ServiceError};

use super::errors::{build_failure, from_sdk_error, missing_field};

type Result<T> = std::result::Result<T, ServiceError>;

/// An input field as the SDK setter takes it (`None`: leave the member out).
trait ToSdk<S> {
    fn to_sdk(self, op: &str) -> Result<Option<S>>;
}

impl ToSdk<String> for String {
    fn to_sdk(self, _: &str) -> Result<Option<String>> {
        Ok(Some(self))
    }
}

impl ToSdk<String> for Secret<String> {
    fn to_sdk(self, _: &str) -> Result<Option<String>> {
        Ok(Some(self.into_inner()))
    }
}

impl ToSdk<i32> for i32 {
    fn to_sdk(self, _: &str) -> Result<Option<i32>> {
        Ok(Some(self))
    }
}

impl<S, T: ToSdk<S>> ToSdk<S> for Option<T> {
    fn to_sdk(self, op: &str) -> Result<Option<S>> {
        self.map_or(Ok(None), |v| v.to_sdk(op))
    }
}

/// Client metadata: omitted when empty, as the SDKs do.
impl ToSdk<HashMap<String, String>> for StringMap {
    fn to_sdk(self, _: &str) -> Result<Option<HashMap<String, String>>> {
        Ok((!self.is_empty()).then(|| self.into_iter().collect()))
    }
}

/// A list of attributes is sent even when empty (`UserAttributes` is required).
impl ToSdk<Vec<AttributeType>> for Vec<Attribute> {
    fn to_sdk(self, op: &str) -> Result<Option<Vec<AttributeType>>> {
        self.into_iter()
            .map(|a| {
                AttributeType::builder()
                    .name(a.name)
                    .value(a.value)
                    .build()
                    .map_err(|e| build_failure(op, &e))
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }
}

macro_rules! mfa_settings {
    ($($ty:ty),*) => {$(
        impl ToSdk<$ty> for MfaPreference {
            fn to_sdk(self, _: &str) -> Result<Option<$ty>> {
                Ok(Some(<$ty>::builder().enabled(self.enabled).preferred_mfa(self.preferred).build()))
            }
        }
    )*};
}
mfa_settings!(
    SmsMfaSettingsType,
    SoftwareTokenMfaSettingsType,
    EmailMfaSettingsType
);

/// An output field read from the SDK output's field.
trait FromSdk<S>: Sized {
    fn from_sdk(value: S, op: &str) -> Result<Self>;
}

impl FromSdk<String> for String {
    fn from_sdk(value: String, _: &str) -> Result<String> {
        Ok(value)
    }
}

impl FromSdk<AuthFactorType> for String {
    fn from_sdk(value: AuthFactorType, _: &str) -> Result<String> {
        Ok(value.as_str().to_owned())
    }
}

impl FromSdk<bool> for bool {
    fn from_sdk(value: bool, _: &str) -> Result<bool> {
        Ok(value)
    }
}

impl FromSdk<String> for Secret<String> {
    fn from_sdk(value: String, _: &str) -> Result<Self> {
        Ok(Secret::new(value))
    }
}

impl<S, T: FromSdk<S>> FromSdk<Option<S>> for Option<T> {
    fn from_sdk(value: Option<S>, op: &str) -> Result<Self> {
        value.map(|v| T::from_sdk(v, op)).transpose()
    }
}

impl<S, T: FromSdk<S>> FromSdk<Vec<S>> for Vec<T> {
    fn from_sdk(value: Vec<S>, op: &str) -> Result<Self> {
        value.into_iter().map(|v| T::from_sdk(v, op)).collect()
    }
}

/// An absent list reads as empty.
impl<S, T: FromSdk<S>> FromSdk<Option<Vec<S>>> for Vec<T> {
    fn from_sdk(value: Option<Vec<S>>, op: &str) -> Result<Self> {
        Vec::from_sdk(value.unwrap_or_default(), op)
    }
}

impl FromSdk<AttributeType> for Attribute {
    fn from_sdk(a: AttributeType, _: &str) -> Result<Self> {
        Ok(Attribute {
            name: a.name,
            value: a.value.unwrap_or_default(),
        })
    }
}

impl FromSdk<CodeDeliveryDetailsType> for CodeDelivery {
    fn from_sdk(d: CodeDeliveryDetailsType, _: &str) -> Result<Self> {
        Ok(CodeDelivery {
            delivery_medium: d.delivery_medium.map(|m| m.as_str().to_owned()),
            destination: d.destination,
            attribute_name: d.attribute_name,
        })
    }
}

impl FromSdk<DeviceType> for Device {
    fn from_sdk(d: DeviceType, op: &str) -> Result<Self> {
        device(op, &d)
    }
}

pub(super) fn device(op: &str, d: &DeviceType) -> Result<Device> {
    Ok(Device {
        device_key: d
            .device_key()
            .ok_or_else(|| missing_field(op, "Device.DeviceKey"))?
            .to_owned(),
        attributes: d
            .device_attributes()
            .iter()
            .map(|a| Attribute {
                name: a.name().to_owned(),
                value: a.value().unwrap_or_default().to_owned(),
            })
            .collect(),
        create_date_s: d.device_create_date().map(|t| t.secs()),
        last_authenticated_s: d.device_last_authenticated_date().map(|t| t.secs()),
    })
}

/// The builder with the request's authorization: the access token for a `token` entry, the
/// app client's id (and `SECRET_HASH`) for a `client` one. A request sent with the other kind
/// is a machine bug, reported as a request that could not be built.
macro_rules! authorized {
    (token, $builder:expr, $auth:expr, $client_id:expr, $op:expr) => {
        match $auth {
            AccountAuth::AccessToken { access_token } => {
                Ok($builder.access_token(access_token.into_inner()))
            }
            AccountAuth::Client { .. } => Err(build_failure($op, &WrongAuthorization)),
        }
    };
    (client, $builder:expr, $auth:expr, $client_id:expr, $op:expr) => {
        match $auth {
            AccountAuth::Client { secret_hash } => Ok($builder
                .client_id($client_id)
                .set_secret_hash(secret_hash.map(Secret::into_inner))),
            AccountAuth::AccessToken { .. } => Err(build_failure($op, &WrongAuthorization)),
        }
    };
}

/// A table request sent with the other kind of authorization than its entry's.
#[derive(Debug, thiserror::Error)]
#[error("the request carries the wrong kind of authorization")]
struct WrongAuthorization;

macro_rules! sdk_calls {
    ($($op:ident($wire:literal, $sdk:ident) $auth:ident { $($in:ident = $iw:literal => $set:ident,)* }
        -> $out:ident { $($field:ident = $ow:literal,)* })*) => {
        /// Sends one call of the table with `auth` for app client `client_id`.
        pub(super) async fn call(
            c: &aws_sdk_cognitoidentityprovider::Client,
            client_id: String,
            auth: AccountAuth,
            request: AccountRequest,
        ) -> Result<AccountResponse> {
            let op = request.operation();
            match request {
                $(AccountRequest::$op(_input) => {
                    let builder = authorized!($auth, c.$sdk(), auth, client_id, op)?;
                    let _output = builder
                        $(.$set(ToSdk::to_sdk(_input.$in, op)?))*
                        .send()
                        .await
                        .map_err(from_sdk_error)?;
                    Ok(AccountResponse::$op(account::$out {
                        $($field: FromSdk::from_sdk(_output.$field, op)?,)*
                    }))
                })*
            }
        }
    };
}

cognito_auth_machine::for_each_account_operation!(compact sdk_calls);

//! Made-up values of the table's field types, each different from the type's default so that
//! a field a mapping drops or misroutes shows (for tests: feature `test-util`).

use crate::secret::Secret;

/// A made-up value of each field type of the account-operation table, different from the
/// type's default so that a field the SDK mapping drops or misroutes shows.
pub trait Sample {
    /// The value.
    fn sample() -> Self;
}

impl Sample for String {
    fn sample() -> Self {
        "PASSWORD".to_owned()
    }
}
impl Sample for bool {
    fn sample() -> Self {
        true
    }
}
impl Sample for i32 {
    fn sample() -> Self {
        7
    }
}
impl Sample for Secret<String> {
    fn sample() -> Self {
        Secret::new("s3cret".to_owned())
    }
}
impl<T: Sample> Sample for Option<T> {
    fn sample() -> Self {
        Some(T::sample())
    }
}
impl<T: Sample> Sample for Vec<T> {
    fn sample() -> Self {
        vec![T::sample(), T::sample()]
    }
}
impl Sample for crate::cognito::StringMap {
    fn sample() -> Self {
        [("k".to_owned(), "v".to_owned())].into()
    }
}
impl Sample for crate::cognito::Attribute {
    fn sample() -> Self {
        Self {
            name: "email".to_owned(),
            value: "a@example.com".to_owned(),
        }
    }
}
impl Sample for crate::cognito::MfaPreference {
    fn sample() -> Self {
        Self {
            enabled: true,
            preferred: false,
        }
    }
}
impl Sample for crate::cognito::CodeDelivery {
    fn sample() -> Self {
        Self {
            delivery_medium: Some("EMAIL".to_owned()),
            destination: Some("a***@e***".to_owned()),
            attribute_name: Some("email".to_owned()),
        }
    }
}
impl Sample for crate::cognito::Device {
    fn sample() -> Self {
        Self {
            device_key: "us-east-1_d1".to_owned(),
            attributes: Sample::sample(),
            create_date_s: Some(1_700_000_000),
            last_authenticated_s: Some(1_700_000_100),
        }
    }
}

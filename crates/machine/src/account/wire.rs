//! Cognito's JSON form (`awsJson1_1`) of the field types the account-operation table uses.

use serde_json::{json, Map, Value};

use crate::cognito::{Attribute, CodeDelivery, Device, MfaPreference, StringMap};
use crate::secret::Secret;

/// A field type as Cognito's JSON protocol writes it. `Null` stands for an absent member: a
/// request leaves it out, and a response without the member reads as the type's "absent"
/// value where it has one (`None`, an empty list or map) and as an error otherwise.
pub trait Wire: Sized {
    /// The JSON value (`Null`: leave the member out).
    fn to_wire(&self) -> Value;
    /// Reads the value; `v` is `Null` when the member is absent.
    ///
    /// # Errors
    /// A description of what was expected.
    fn from_wire(v: &Value) -> Result<Self, String>;
}

impl Wire for String {
    fn to_wire(&self) -> Value {
        Value::String(self.clone())
    }
    fn from_wire(v: &Value) -> Result<Self, String> {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| "expected a string".to_owned())
    }
}

impl Wire for i32 {
    fn to_wire(&self) -> Value {
        json!(self)
    }
    fn from_wire(v: &Value) -> Result<Self, String> {
        v.as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| "expected a 32-bit integer".to_owned())
    }
}

impl Wire for bool {
    fn to_wire(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_wire(v: &Value) -> Result<Self, String> {
        v.as_bool().ok_or_else(|| "expected a boolean".to_owned())
    }
}

impl Wire for Secret<String> {
    fn to_wire(&self) -> Value {
        Value::String(self.expose().clone())
    }
    fn from_wire(v: &Value) -> Result<Self, String> {
        String::from_wire(v).map(Secret::new)
    }
}

impl<T: Wire> Wire for Option<T> {
    fn to_wire(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_wire)
    }
    fn from_wire(v: &Value) -> Result<Self, String> {
        if v.is_null() {
            Ok(None)
        } else {
            T::from_wire(v).map(Some)
        }
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn to_wire(&self) -> Value {
        Value::Array(self.iter().map(T::to_wire).collect())
    }
    fn from_wire(v: &Value) -> Result<Self, String> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items.iter().map(T::from_wire).collect(),
            _ => Err("expected a list".into()),
        }
    }
}

impl Wire for StringMap {
    /// An empty map is left out, as the SDKs do with empty client metadata.
    fn to_wire(&self) -> Value {
        if self.is_empty() {
            Value::Null
        } else {
            json!(self)
        }
    }
    fn from_wire(v: &Value) -> Result<Self, String> {
        match v {
            Value::Null => Ok(StringMap::new()),
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| Ok((k.clone(), String::from_wire(v)?)))
                .collect(),
            _ => Err("expected a map".into()),
        }
    }
}

fn member<'a>(m: &'a Value, key: &str) -> &'a Value {
    m.get(key).unwrap_or(&Value::Null)
}

fn object(v: &Value) -> Result<&Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| "expected a structure".to_owned())
}

impl Wire for Attribute {
    fn to_wire(&self) -> Value {
        json!({ "Name": self.name, "Value": self.value })
    }
    /// `AttributeType.Value` is optional: an absent value reads as empty.
    fn from_wire(v: &Value) -> Result<Self, String> {
        object(v)?;
        Ok(Attribute {
            name: String::from_wire(member(v, "Name")).map_err(|e| format!("Name: {e}"))?,
            value: Option::<String>::from_wire(member(v, "Value"))
                .map_err(|e| format!("Value: {e}"))?
                .unwrap_or_default(),
        })
    }
}

impl Wire for CodeDelivery {
    fn to_wire(&self) -> Value {
        let mut m = Map::new();
        for (k, v) in [
            ("DeliveryMedium", &self.delivery_medium),
            ("Destination", &self.destination),
            ("AttributeName", &self.attribute_name),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), v.clone().into());
            }
        }
        Value::Object(m)
    }
    fn from_wire(v: &Value) -> Result<Self, String> {
        object(v)?;
        let s =
            |k: &str| Option::<String>::from_wire(member(v, k)).map_err(|e| format!("{k}: {e}"));
        Ok(CodeDelivery {
            delivery_medium: s("DeliveryMedium")?,
            destination: s("Destination")?,
            attribute_name: s("AttributeName")?,
        })
    }
}

/// Cognito's timestamps are epoch seconds, as JSON numbers that may carry a fraction.
fn epoch_seconds(v: &Value, key: &str) -> Result<Option<i64>, String> {
    match member(v, key) {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_f64()
            .filter(|f| f.is_finite())
            // Truncation to whole seconds is the intent.
            .map(|f| Some(f as i64))
            .ok_or_else(|| format!("{key}: expected epoch seconds")),
        _ => Err(format!("{key}: expected epoch seconds")),
    }
}

impl Wire for Device {
    fn to_wire(&self) -> Value {
        let mut m = Map::new();
        m.insert("DeviceKey".into(), self.device_key.clone().into());
        m.insert("DeviceAttributes".into(), self.attributes.to_wire());
        if let Some(s) = self.create_date_s {
            m.insert("DeviceCreateDate".into(), s.into());
        }
        if let Some(s) = self.last_authenticated_s {
            m.insert("DeviceLastAuthenticatedDate".into(), s.into());
        }
        Value::Object(m)
    }
    fn from_wire(v: &Value) -> Result<Self, String> {
        object(v)?;
        Ok(Device {
            device_key: String::from_wire(member(v, "DeviceKey"))
                .map_err(|e| format!("DeviceKey: {e}"))?,
            attributes: Vec::from_wire(member(v, "DeviceAttributes"))
                .map_err(|e| format!("DeviceAttributes: {e}"))?,
            create_date_s: epoch_seconds(v, "DeviceCreateDate")?,
            last_authenticated_s: epoch_seconds(v, "DeviceLastAuthenticatedDate")?,
        })
    }
}

impl Wire for MfaPreference {
    fn to_wire(&self) -> Value {
        json!({ "Enabled": self.enabled, "PreferredMfa": self.preferred })
    }
    fn from_wire(v: &Value) -> Result<Self, String> {
        object(v)?;
        let b = |k: &str| {
            Option::<bool>::from_wire(member(v, k))
                .map(Option::unwrap_or_default)
                .map_err(|e| format!("{k}: {e}"))
        };
        Ok(MfaPreference {
            enabled: b("Enabled")?,
            preferred: b("PreferredMfa")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_members_read_as_absent_values_and_required_ones_fail() {
        assert_eq!(Option::<String>::from_wire(&Value::Null), Ok(None));
        assert_eq!(Vec::<String>::from_wire(&Value::Null), Ok(vec![]));
        assert!(String::from_wire(&Value::Null).is_err());
        assert!(i32::from_wire(&json!(1u64 << 40)).is_err());
        assert!(Vec::<String>::from_wire(&json!("x")).is_err());
    }

    #[test]
    fn a_device_reads_fractional_epoch_seconds_and_writes_back() {
        let d = Device::from_wire(&json!({"DeviceKey": "k",
            "DeviceAttributes": [{"Name": "device_name", "Value": "laptop"}, {"Name": "x"}],
            "DeviceCreateDate": 1700000000.5}))
        .unwrap();
        assert_eq!(d.create_date_s, Some(1_700_000_000));
        assert_eq!(d.last_authenticated_s, None);
        assert_eq!(d.attributes[1].value, "");
        assert_eq!(Device::from_wire(&d.to_wire()).unwrap(), d);
        let err =
            Device::from_wire(&json!({"DeviceKey": "k", "DeviceCreateDate": "soon"})).unwrap_err();
        assert!(err.contains("DeviceCreateDate"), "{err}");
        assert!(Device::from_wire(&json!({}))
            .unwrap_err()
            .contains("DeviceKey"));
    }

    #[test]
    fn a_structure_of_the_wrong_json_type_is_an_error() {
        for not_a_structure in [json!("x"), json!(1), json!([])] {
            assert!(CodeDelivery::from_wire(&not_a_structure).is_err());
            assert!(MfaPreference::from_wire(&not_a_structure).is_err());
            assert!(StringMap::from_wire(&not_a_structure).is_err());
        }
    }

    #[test]
    fn empty_client_metadata_is_left_out() {
        assert_eq!(StringMap::from_wire(&Value::Null), Ok(StringMap::new()));
        assert_eq!(StringMap::new().to_wire(), Value::Null);
        let m: StringMap = [("a".to_owned(), "b".to_owned())].into();
        assert_eq!(StringMap::from_wire(&m.to_wire()), Ok(m));
    }
}

//! Reading request members out of a JSON 1.1 body with Cognito's validation messages.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{ApiError, ApiResult};

/// A borrowed view of a request body.
#[derive(Clone, Copy)]
pub(crate) struct Params<'a>(pub(crate) &'a Value);

impl<'a> Params<'a> {
    pub(crate) fn opt_str(&self, name: &str) -> Option<&'a str> {
        self.0.get(name).and_then(Value::as_str)
    }

    pub(crate) fn str(&self, name: &str) -> ApiResult<&'a str> {
        self.opt_str(name).ok_or_else(|| missing(name))
    }

    pub(crate) fn opt_bool(&self, name: &str) -> Option<bool> {
        self.0.get(name).and_then(Value::as_bool)
    }

    pub(crate) fn opt_i64(&self, name: &str) -> Option<i64> {
        self.0.get(name).and_then(Value::as_i64)
    }

    pub(crate) fn opt_obj(&self, name: &str) -> Option<Params<'a>> {
        self.0.get(name).filter(|v| v.is_object()).map(Params)
    }

    /// A string-to-string map such as `AuthParameters` or `ClientMetadata`.
    pub(crate) fn string_map(&self, name: &str) -> BTreeMap<String, String> {
        self.0
            .get(name)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A list of strings.
    pub(crate) fn string_list(&self, name: &str) -> Option<Vec<String>> {
        self.0.get(name).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
    }

    /// A list of `{"Name": .., "Value": ..}` attribute entries.
    pub(crate) fn attributes(&self, name: &str) -> Vec<(String, String)> {
        self.0
            .get(name)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|e| {
                        let n = e.get("Name")?.as_str()?;
                        let v = e.get("Value").and_then(Value::as_str).unwrap_or("");
                        Some((n.to_owned(), v.to_owned()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub(crate) fn missing(name: &str) -> ApiError {
    ApiError::invalid_parameter(format!(
        "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
        lower_first(name)
    ))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Formats attributes the way Cognito lists them.
pub(crate) fn attributes_json(attrs: &[(String, String)]) -> Value {
    Value::Array(
        attrs
            .iter()
            .map(|(n, v)| serde_json::json!({"Name": n, "Value": v}))
            .collect(),
    )
}

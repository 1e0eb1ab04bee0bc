//! Typed reads from a [`serde_json::Value`] that remember where they are, so every error names
//! the exact JSON path. `null` reads as absent.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::ConfigError;

/// A JSON object together with its path in the document (`""` for the document itself).
#[derive(Debug, Clone)]
pub(super) struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

/// The JSON type of a value, phrased for error messages.
pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `parent.key`, or `key` at the top level.
pub(super) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

fn wrong_type(path: String, expected: &'static str, found: &Value) -> ConfigError {
    ConfigError::WrongType {
        path,
        expected,
        found: type_name(found),
    }
}

impl<'a> Obj<'a> {
    /// The document itself, which must be an object.
    pub(super) fn root(value: &'a Value) -> Result<Self, ConfigError> {
        match value {
            Value::Object(map) => Ok(Self {
                map,
                path: String::new(),
            }),
            other => Err(wrong_type("$".to_owned(), "an object", other)),
        }
    }

    /// The path of a member of this object.
    pub(super) fn path_of(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The member, whatever its type, with `null` read as absent.
    pub(super) fn raw(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|value| !value.is_null())
    }

    /// Whether the member is present and not `null`.
    pub(super) fn has(&self, key: &str) -> bool {
        self.raw(key).is_some()
    }

    pub(super) fn missing(&self, key: &str) -> ConfigError {
        ConfigError::MissingField {
            path: self.path_of(key),
        }
    }

    /// An optional nested object.
    pub(super) fn opt_obj(&self, key: &str) -> Result<Option<Obj<'a>>, ConfigError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Obj {
                map,
                path: self.path_of(key),
            })),
            Some(other) => Err(wrong_type(self.path_of(key), "an object", other)),
        }
    }

    /// A required nested object.
    pub(super) fn req_obj(&self, key: &str) -> Result<Obj<'a>, ConfigError> {
        self.opt_obj(key)?.ok_or_else(|| self.missing(key))
    }

    /// An optional string.
    pub(super) fn opt_str(&self, key: &str) -> Result<Option<&'a str>, ConfigError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(wrong_type(self.path_of(key), "a string", other)),
        }
    }

    /// A required string (possibly empty: emptiness is a value rule, checked later).
    pub(super) fn req_str(&self, key: &str) -> Result<&'a str, ConfigError> {
        self.opt_str(key)?.ok_or_else(|| self.missing(key))
    }

    /// An optional boolean.
    pub(super) fn opt_bool(&self, key: &str) -> Result<Option<bool>, ConfigError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(other) => Err(wrong_type(self.path_of(key), "a boolean", other)),
        }
    }

    /// A required array of strings; elements are named `key[i]` in errors.
    pub(super) fn req_str_array(&self, key: &str) -> Result<Vec<String>, ConfigError> {
        let path = self.path_of(key);
        match self.raw(key) {
            None => Err(self.missing(key)),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(index, item)| match item {
                    Value::String(text) => Ok(text.clone()),
                    other => Err(wrong_type(format!("{path}[{index}]"), "a string", other)),
                })
                .collect(),
            Some(other) => Err(wrong_type(path, "an array of strings", other)),
        }
    }

    /// An optional object whose members are all strings; members are named `key.member`.
    pub(super) fn opt_str_map(
        &self,
        key: &str,
    ) -> Result<Option<BTreeMap<String, String>>, ConfigError> {
        let Some(map) = self.opt_obj(key)? else {
            return Ok(None);
        };
        map.map
            .iter()
            .map(|(name, value)| match value {
                Value::String(text) => Ok((name.clone(), text.clone())),
                other => Err(wrong_type(map.path_of(name), "a string", other)),
            })
            .collect::<Result<BTreeMap<_, _>, _>>()
            .map(Some)
    }
}

//! Stable placeholders for the redacting event log: every secret becomes `[redacted:<n>]`, the
//! same secret always the same `n` within one log, so a field report still shows that the
//! refresh token sent is the one received, without showing either.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use cognito_auth_machine::secret::{expose_secrets_while, REDACTED};
use cognito_auth_machine::Output;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Numbers secrets by first appearance. Only keyed hashes of the secrets are kept (the key is
/// random per log), never the secrets.
#[derive(Default)]
pub(crate) struct Redactor {
    keys: RandomState,
    seen: HashMap<u64, u64>,
}

impl Redactor {
    /// `value` as JSON with each secret replaced by its placeholder.
    pub(crate) fn redact<T: Serialize>(&mut self, value: &T) -> serde_json::Result<Value> {
        let mut redacted = serde_json::to_value(value)?;
        let exposed = expose_secrets_while(|| serde_json::to_value(value))?;
        self.walk(&mut redacted, &exposed);
        Ok(redacted)
    }

    /// Walks the redacted and the exposed serialisation together: they differ only where a
    /// secret was replaced by [`REDACTED`].
    fn walk(&mut self, redacted: &mut Value, exposed: &Value) {
        match (redacted, exposed) {
            (r @ Value::String(_), e) if r.as_str() == Some(REDACTED) && r != e => {
                *r = Value::String(self.placeholder(e));
            }
            (Value::Object(r), Value::Object(e)) => {
                for (key, value) in r.iter_mut() {
                    if let Some(other) = e.get(key) {
                        self.walk(value, other);
                    }
                }
            }
            (Value::Array(r), Value::Array(e)) => {
                for (value, other) in r.iter_mut().zip(e) {
                    self.walk(value, other);
                }
            }
            _ => {}
        }
    }

    fn placeholder(&mut self, secret: &Value) -> String {
        let hash = self.keys.hash_one(secret.to_string());
        let next = self.seen.len() as u64 + 1;
        let n = *self.seen.entry(hash).or_insert(next);
        format!("[redacted:{n}]")
    }
}

/// What the machine decided, without data: the output's type, the effect's kind and the
/// service operation, timers, user-state transitions, and whether a reply succeeded.
pub(crate) fn decision(output: &Output) -> Value {
    // Serialised redacted: nothing secret reaches the fields picked below.
    let Ok(Value::Object(full)) = serde_json::to_value(output) else {
        return json!({"type": "unknown"});
    };
    let mut out = Map::new();
    let pick = |from: &Map<String, Value>, key: &str, out: &mut Map<String, Value>| {
        if let Some(v) = from.get(key).filter(|v| !v.is_object() && !v.is_array()) {
            out.insert(key.to_owned(), v.clone());
        }
    };
    for key in ["type", "from", "to", "timer", "op", "effect_id"] {
        pick(&full, key, &mut out);
    }
    if let Some(Value::Object(effect)) = full.get("effect") {
        pick(effect, "kind", &mut out);
        if let Some(Value::Object(request)) = effect.get("request") {
            if let Some(op) = request.get("op").filter(|v| v.is_string()) {
                out.insert("request".to_owned(), op.clone());
            }
        }
    }
    if let Some(Value::Object(result)) = full.get("result") {
        let ok = result.contains_key("Ok");
        out.insert("ok".to_owned(), Value::Bool(ok));
        if let Some(Value::Object(inner)) = result.get("Ok").or_else(|| result.get("Err")) {
            for tag in ["answer", "type", "kind", "error"] {
                if let Some(v) = inner.get(tag).filter(|v| v.is_string()) {
                    out.insert("result".to_owned(), v.clone());
                    break;
                }
            }
        } else if let Some(Value::String(name)) = result.get("Err") {
            out.insert("result".to_owned(), Value::String(name.clone()));
        }
    }
    Value::Object(out)
}

//! Loading Amplify Android's feature-test files: cases, configurations and starting states.
//!
//! Everything is read as `serde_json::Value` and picked apart where it is used, because the
//! files are another project's serialisations: walking the JSON keeps unknown fields harmless
//! and lets a malformed file become a failing case instead of aborting the run.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The fixture tree: `configuration/`, `states/`, `testsuites/<api>/*.json`, copied into
/// `tests/fixtures/amplify-android` (see its NOTICE); `CONFORMANCE_FIXTURES` points elsewhere.
pub(crate) fn root() -> PathBuf {
    match std::env::var_os("CONFORMANCE_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/amplify-android"),
    }
}

/// One case file.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    /// `<api folder>/<file stem>`, e.g. `signIn/Test_that_...`.
    pub(crate) id: String,
    /// The whole document.
    pub(crate) doc: Value,
}

impl Case {
    pub(crate) fn config_file(&self) -> Result<&str, String> {
        str_at(&self.doc, &["preConditions", "amplify-configuration"])
    }

    pub(crate) fn state_file(&self) -> Result<&str, String> {
        str_at(&self.doc, &["preConditions", "state"])
    }

    pub(crate) fn mocks(&self) -> Vec<Value> {
        self.doc["preConditions"]["mockedResponses"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub(crate) fn api_name(&self) -> &str {
        self.doc["api"]["name"].as_str().unwrap_or("")
    }

    pub(crate) fn params(&self) -> &Value {
        &self.doc["api"]["params"]
    }

    pub(crate) fn options(&self) -> &Value {
        &self.doc["api"]["options"]
    }

    pub(crate) fn validations(&self) -> Vec<Value> {
        self.doc["validations"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// Every case under `testsuites/`, sorted by id.
pub(crate) fn cases(root: &Path) -> Result<Vec<Case>, String> {
    let suites = root.join("testsuites");
    let mut out = Vec::new();
    for api in read_dir_sorted(&suites)? {
        if !api.is_dir() {
            continue;
        }
        let api_name = file_name(&api);
        for file in read_dir_sorted(&api)? {
            if file.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let stem = file
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_owned();
            out.push(Case {
                id: format!("{api_name}/{stem}"),
                doc: read_json(&file)?,
            });
        }
    }
    Ok(out)
}

/// A file of `configuration/` as text.
pub(crate) fn config_text(root: &Path, name: &str) -> Result<String, String> {
    let path = root.join("configuration").join(name);
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A file of `states/`.
pub(crate) fn state(root: &Path, name: &str) -> Result<Value, String> {
    read_json(&root.join("states").join(name))
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    Ok(entries)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned()
}

/// The string at `path` in `v`.
pub(crate) fn str_at<'a>(v: &'a Value, path: &[&str]) -> Result<&'a str, String> {
    let mut cur = v;
    for key in path {
        cur = &cur[*key];
    }
    cur.as_str()
        .ok_or_else(|| format!("`{}` is not a string", path.join(".")))
}

/// A JSON value as a string map (numbers and booleans written out; `null` values skipped).
pub(crate) fn string_map(v: &Value) -> std::collections::BTreeMap<String, String> {
    v.as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| plain_string(v).map(|s| (k.clone(), s)))
                .collect()
        })
        .unwrap_or_default()
}

/// A JSON scalar as a string (`null`, arrays and objects give `None`).
pub(crate) fn plain_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A JSON string list.
pub(crate) fn string_list(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(plain_string).collect())
        .unwrap_or_default()
}

//! Finding the configuration file and the session file.

use std::path::{Path, PathBuf};

use crate::exit::{ErrorClass, Failure};

/// The environment variable naming the configuration file.
pub(crate) const CONFIG_ENV: &str = "COGNITO_AUTH_CONFIG";

/// The configuration file: `--config`, else `$COGNITO_AUTH_CONFIG`, else
/// `./amplify_outputs.json`, else `./awsconfiguration.json`.
pub(crate) fn config_path(explicit: Option<&Path>) -> Result<PathBuf, Failure> {
    if let Some(path) = explicit {
        return Ok(path.to_owned());
    }
    if let Some(path) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    ["amplify_outputs.json", "awsconfiguration.json"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Failure::new(
                ErrorClass::Usage,
                "ConfigMissing",
                format!(
                    "no configuration: pass --config FILE, set {CONFIG_ENV}, or run where \
                     amplify_outputs.json or awsconfiguration.json is"
                ),
            )
        })
}

/// Reads the configuration document.
pub(crate) fn read_config(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| {
        Failure::new(
            ErrorClass::Usage,
            "ConfigMissing",
            format!("cannot read the configuration {}: {e}", path.display()),
        )
    })
}

/// The session file: `--session`, else `session.json` in the platform's data directory
/// (`~/.local/share/cognito-auth` on Linux), whose directory is created (mode 0700 on Unix).
pub(crate) fn session_path(explicit: Option<&Path>) -> Result<PathBuf, Failure> {
    let path = match explicit {
        Some(path) => path.to_owned(),
        None => directories::ProjectDirs::from("", "", "cognito-auth")
            .map(|dirs| dirs.data_dir().join("session.json"))
            .ok_or_else(|| {
                Failure::usage("no home directory to keep the session in: pass --session FILE")
            })?,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(|e| {
            Failure::internal(format!(
                "cannot create the session directory {}: {e}",
                dir.display()
            ))
        })?;
    }
    Ok(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

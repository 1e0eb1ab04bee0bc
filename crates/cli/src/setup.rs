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

/// Checks `--endpoint`: an `http://` or `https://` URL with a host. The SDK would only find
/// out at the first call, as a network error that retrying cannot fix.
pub(crate) fn endpoint(url: &str) -> Result<&str, Failure> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
    match host {
        Some(host) if !host.is_empty() && !host.starts_with(':') && !host.contains(' ') => Ok(url),
        _ => Err(Failure::new(
            ErrorClass::Usage,
            "InvalidEndpoint",
            format!(
                "--endpoint {url:?} is not a URL: expected http://HOST[:PORT] or https://HOST[:PORT]"
            ),
        )),
    }
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
    if path.is_dir() {
        return Err(Failure::usage(format!(
            "the session file {} is a directory: name a file, such as {}",
            path.display(),
            path.join("session.json").display()
        )));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_need_a_scheme_and_a_host() {
        for good in [
            "http://127.0.0.1:9229",
            "https://cognito-idp.us-east-1.amazonaws.com/",
            "http://localhost",
        ] {
            assert_eq!(endpoint(good).map_err(|f| f.message), Ok(good));
        }
        for bad in [
            "127.0.0.1:9229",
            "notaurl",
            "http://",
            "http://:9229",
            "ftp://x",
            "",
        ] {
            let failure = endpoint(bad).unwrap_err();
            assert_eq!(failure.class, ErrorClass::Usage, "{bad}");
            assert_eq!(failure.code, "InvalidEndpoint");
        }
    }
}

//! `cognito-auth browser-sign-in`: a hosted-UI sign-in in the system browser (or the one named
//! by `BROWSER`), received on the loopback redirect URI of the configuration.

use std::path::Path;

use cognito_auth::web_ui::BrowserSignIn;
use cognito_auth::{Auth, SignInStep};

use crate::report::Reporter;

/// Signs in with the configuration at `config_path` (`awsconfiguration.json`, Amplify v1 or
/// `amplify_outputs.json`, with an OAuth section whose sign-in redirect URI is a loopback URI
/// with a port), keeping the session in `session` when given. `endpoint` sends the Cognito API
/// calls elsewhere (an emulator).
pub async fn run(
    config_path: &Path,
    session: Option<&Path>,
    endpoint: Option<&str>,
    out: &Reporter,
) -> Result<(), String> {
    let text = std::fs::read_to_string(config_path)
        .map_err(|e| format!("cannot read {}: {e}", config_path.display()))?;
    let mut builder = Auth::builder().config_json(&text);
    if let Some(path) = session {
        builder = builder.session_file(path);
    }
    if let Some(url) = endpoint {
        builder = builder.endpoint_url(url);
    }
    let auth = builder.build().map_err(|e| e.to_string())?;
    out.line("Opening the hosted UI in your browser (set BROWSER to choose one)...");
    match auth.sign_in_with_browser(BrowserSignIn::new()).await {
        Ok(SignInStep::Done) => {
            let name = auth.username().await.map_err(|e| e.to_string())?;
            out.line(format!(
                "Signed in as {name} ({}).",
                crate::report::state_name(auth.user_state())
            ));
            Ok(())
        }
        Ok(step) => Err(format!("the sign-in needs another step: {step:?}")),
        Err(e) => Err(e.to_string()),
    }
}

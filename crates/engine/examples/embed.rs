//! Embedding the engine: build it from a configuration file, sign in, read the tokens.
//!
//! ```sh
//! COGNITO_AUTH_CONFIG=amplify_outputs.json COGNITO_AUTH_USERNAME=alice \
//! COGNITO_AUTH_PASSWORD='...' cargo run -p cognito-auth --example embed
//! ```
//!
//! `COGNITO_AUTH_ENDPOINT` (optional) sends every call to a local backend instead of AWS, e.g.
//! `cargo run -p cognito-auth-emulator -- --port 9229` and `http://127.0.0.1:9229`.
//! `COGNITO_AUTH_SESSION` (optional) keeps the session in that file between runs.

use std::process::ExitCode;

use cognito_auth::{Auth, SignInOptions, SignInStep};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() -> ExitCode {
    let (Some(config), Some(username), Some(password)) = (
        env("COGNITO_AUTH_CONFIG"),
        env("COGNITO_AUTH_USERNAME"),
        env("COGNITO_AUTH_PASSWORD"),
    ) else {
        eprintln!(
            "set COGNITO_AUTH_CONFIG (awsconfiguration.json or amplify_outputs.json), \
             COGNITO_AUTH_USERNAME and COGNITO_AUTH_PASSWORD; optionally COGNITO_AUTH_ENDPOINT \
             and COGNITO_AUTH_SESSION"
        );
        return ExitCode::from(2);
    };
    match run(&config, &username, &password).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    config: &str,
    username: &str,
    password: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(config)
        .map_err(|e| format!("cannot read the configuration {config}: {e}"))?;
    let mut builder = Auth::builder().config_json(&text);
    if let Some(endpoint) = env("COGNITO_AUTH_ENDPOINT") {
        builder = builder.endpoint_url(endpoint);
    }
    if let Some(session) = env("COGNITO_AUTH_SESSION") {
        builder = builder.session_file(session);
    }
    let auth = builder.build()?;

    if auth
        .fetch_auth_session(Default::default())
        .await?
        .is_signed_in()
    {
        println!("already signed in (restored from the session file)");
    } else {
        let output = auth
            .sign_in(username, password, SignInOptions::default())
            .await?;
        if output.next_step != SignInStep::Done {
            // MFA, a new password, ...: answer with `auth.confirm_sign_in(..)`.
            return Err(format!("the sign-in needs another step: {:?}", output.next_step).into());
        }
    }

    // Tokens are refreshed first when they are due; never print them.
    let tokens = auth.tokens().await?;
    println!(
        "signed in as {} (sub {}), access token valid until unix {}",
        tokens.username, tokens.sub, tokens.expires_at_s
    );
    let session = auth.fetch_auth_session(Default::default()).await?;
    match &session.credentials {
        Ok(credentials) => println!(
            "AWS credentials {} for identity {}",
            credentials.access_key_id,
            session.identity_id.as_deref().unwrap_or("?")
        ),
        Err(e) => println!("no AWS credentials: {e}"),
    }
    // Writes the session to the store before the process ends.
    auth.shutdown().await;
    Ok(())
}

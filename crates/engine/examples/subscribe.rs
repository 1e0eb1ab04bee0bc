//! The user-state stream: every transition (signedOut, guest, signedIn, ...) as it happens.
//!
//! ```sh
//! COGNITO_AUTH_CONFIG=amplify_outputs.json cargo run -p cognito-auth --example subscribe
//! ```
//!
//! With `COGNITO_AUTH_USERNAME` and `COGNITO_AUTH_PASSWORD` set it also signs in and out, so the
//! stream has something to show; `COGNITO_AUTH_ENDPOINT` points it at a local backend.

use std::process::ExitCode;

use cognito_auth::{Auth, SignInOptions, SignOutOptions, UserState};
use tokio_stream::StreamExt as _;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() -> ExitCode {
    let Some(config) = env("COGNITO_AUTH_CONFIG") else {
        eprintln!(
            "set COGNITO_AUTH_CONFIG (awsconfiguration.json or amplify_outputs.json); optionally \
             COGNITO_AUTH_USERNAME, COGNITO_AUTH_PASSWORD and COGNITO_AUTH_ENDPOINT"
        );
        return ExitCode::from(2);
    };
    match run(&config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: &str) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(config)
        .map_err(|e| format!("cannot read the configuration {config}: {e}"))?;
    let mut builder = Auth::builder().config_json(&text);
    if let Some(endpoint) = env("COGNITO_AUTH_ENDPOINT") {
        builder = builder.endpoint_url(endpoint);
    }
    let auth = builder.build()?;

    // Subscribe first: the stream only carries changes from now on.
    let mut changes = auth.subscribe();
    let printer = tokio::spawn(async move {
        while let Some(change) = changes.next().await {
            println!("{:?} -> {:?}", change.from, change.to);
        }
    });
    // The `watch` receiver always holds the current state, including one reached before the
    // subscription.
    let mut state = auth.watch_user_state();
    let settled = *state.wait_for(|s| *s != UserState::Unknown).await?;
    println!("current state: {settled:?}");

    if let (Some(username), Some(password)) =
        (env("COGNITO_AUTH_USERNAME"), env("COGNITO_AUTH_PASSWORD"))
    {
        let output = auth
            .sign_in(&username, &password, SignInOptions::default())
            .await?;
        println!("sign-in: {:?}", output.next_step);
        let report = auth.sign_out(SignOutOptions::default()).await?;
        println!(
            "signed out (remote steps complete: {})",
            report.is_complete()
        );
    }

    // The stream ends when the engine stops.
    auth.shutdown().await;
    printer.await?;
    Ok(())
}

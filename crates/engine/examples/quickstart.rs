//! The README's embedding example; `tests/tests/docs.rs` keeps the two identical. Run it with
//! `cargo run -p cognito-auth --example quickstart` beside an `amplify_outputs.json`
//! (`COGNITO_AUTH_ENDPOINT` sends every call to the emulator instead of AWS).
use cognito_auth::{Auth, SignInOptions, SignInStep};
use tokio_stream::StreamExt as _;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = std::fs::read_to_string("amplify_outputs.json")?; // or awsconfiguration.json
    let mut builder = Auth::builder()
        .config_json(&config)
        .session_file("session.json");
    if let Ok(endpoint) = std::env::var("COGNITO_AUTH_ENDPOINT") {
        builder = builder.endpoint_url(endpoint); // the emulator, moto, ...
    }
    let auth = builder.build()?;
    let mut changes = auth.subscribe(); // signedOut -> signedIn -> ..., as they happen
    tokio::spawn(async move {
        while let Some(change) = changes.next().await {
            println!("{:?} -> {:?}", change.from, change.to);
        }
    });
    let password = std::env::var("PASSWORD")?;
    let signed_in = auth
        .sign_in("alice", &password, SignInOptions::default())
        .await?;
    assert_eq!(signed_in.next_step, SignInStep::Done); // else: auth.confirm_sign_in(..)
    let tokens = auth.tokens().await?; // refreshed first when due, never expired
    println!(
        "{} (sub {}) until {}",
        tokens.username, tokens.sub, tokens.expires_at_s
    );
    let aws = auth.aws_credentials().await?; // identity pool: temporary AWS credentials
    println!(
        "identity {}: {}",
        aws.identity_id, aws.credentials.access_key_id
    );
    auth.shutdown().await; // the session is written before the process ends
    Ok(())
}

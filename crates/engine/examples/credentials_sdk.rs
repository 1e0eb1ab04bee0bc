//! The engine as the credentials provider of an AWS SDK client: the client signs every request
//! with the identity pool's temporary AWS credentials for the signed-in user, and the engine
//! fetches and renews them (one fetch shared by concurrent SDK calls).
//!
//! ```sh
//! cargo run -p cognito-auth --example credentials_sdk
//! ```
//!
//! Self-contained: it starts the project's Cognito emulator in this process (see
//! `support/mod.rs`), whose STS verifies the SigV4 signature against the credentials it issued
//! and names the assumed role. Against AWS, build the engine from your configuration file and
//! leave out both `endpoint_url` calls.

mod support;

use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use cognito_auth::{Auth, SignInOptions, SignInStep};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arn = run().await?;
    println!("STS says the SDK client is {arn}");
    Ok(())
}

/// Signs in, then asks STS who the SDK client's credentials belong to: the assumed-role ARN.
async fn run() -> Result<String, Box<dyn std::error::Error>> {
    let cognito = support::LocalCognito::start().await?;
    let auth = Auth::builder()
        .config(cognito.config())
        .endpoint_url(cognito.endpoint())
        .build()?;
    let signed_in = auth
        .sign_in(
            support::USERNAME,
            support::PASSWORD,
            SignInOptions::default(),
        )
        .await?;
    assert_eq!(signed_in.next_step, SignInStep::Done);

    // The workspace builds the AWS SDK without its default TLS stack, so the client gets one
    // explicitly (rustls on ring, as the engine's own clients use).
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(auth.credentials_provider())
        .endpoint_url(cognito.endpoint())
        .http_client(http)
        .build();
    let sts = aws_sdk_sts::Client::from_conf(config);
    let who = sts.get_caller_identity().send().await?;
    auth.shutdown().await;
    Ok(who.arn().unwrap_or_default().to_owned())
}

// `cargo test` runs this, so the example cannot rot.
#[cfg(test)]
mod tests {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sts_names_the_identity_pools_role_for_signed_in_users() {
        let arn = super::run().await.unwrap();
        // STS names a role session as assumed-role/<role name>/<session name>; Cognito's
        // identity pools use the session name CognitoIdentityCredentials.
        assert_eq!(
            arn,
            "arn:aws:sts::123456789012:assumed-role/Cognito_exampleAuth_Role/\
             CognitoIdentityCredentials"
        );
    }
}

//! Recording a session's event log and replaying it in a test, without any network.
//!
//! ```sh
//! cargo run -p cognito-auth --example replay_in_test    # record, then replay
//! cargo test -p cognito-auth --example replay_in_test   # the same, as the app's own test
//! ```
//!
//! `AuthBuilder::event_log` writes every input the engine's machine sees (each call, each
//! service answer, each timer) to a file. The machine is a pure function of those inputs, so
//! `cognito_auth::replay` feeds them to a fresh machine and gets back every output it produced
//! live: the effects, the user-state changes and each call's answer. An app can record a
//! session once (here against the emulator started in this process, in the field against
//! Cognito) and keep the log as a test fixture that reproduces the session exactly. The log
//! holds the session's secrets: record fixtures with test accounts only.

mod support;

use std::path::Path;

use cognito_auth::machine::{Answer, Output};
use cognito_auth::{Auth, SignInOptions, Tokens};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let log = dir.path().join("session.jsonl");
    let live = record(&log).await?;
    let replayed = replay_answers(&log)?;
    if replayed != live {
        return Err("the replay answered differently from the live session".into());
    }
    println!(
        "{} answers recorded live, the same {} from the replay without network",
        live.len(),
        replayed.len()
    );
    Ok(())
}

/// What a call answered: the engine's error text, or the answer itself.
type Answered = Result<Answer, String>;

/// A short session against the local emulator, recorded to `log`: a wrong password, the right
/// one, then the tokens. Returns what each call answered, as the replay will report it.
async fn record(log: &Path) -> Result<Vec<Answered>, Box<dyn std::error::Error>> {
    let cognito = support::LocalCognito::start().await?;
    let auth = Auth::builder()
        .config(cognito.config())
        .endpoint_url(cognito.endpoint())
        .event_log(log)
        .build()?;
    let wrong = auth
        .sign_in(
            support::USERNAME,
            "not-her-password",
            SignInOptions::default(),
        )
        .await;
    let right = auth
        .sign_in(
            support::USERNAME,
            support::PASSWORD,
            SignInOptions::default(),
        )
        .await?;
    let tokens: Tokens = auth.tokens().await?;
    // Stopping the engine flushes the log.
    auth.shutdown().await;
    Ok(vec![
        Err(wrong.err().map(|e| e.to_string()).unwrap_or_default()),
        Ok(Answer::SignIn {
            next_step: right.next_step,
        }),
        Ok(Answer::Tokens(tokens)),
    ])
}

/// Replays `log` through a fresh machine (no network: the emulator is gone by now) and keeps
/// the answers to the app's calls.
fn replay_answers(log: &Path) -> Result<Vec<Answered>, Box<dyn std::error::Error>> {
    let outputs = cognito_auth::replay(std::io::BufReader::new(std::fs::File::open(log)?))?;
    Ok(outputs
        .into_iter()
        .filter_map(|output| match output {
            Output::Reply { result, .. } => {
                Some(result.map_err(|e| cognito_auth::Error::from(e).to_string()))
            }
            _ => None,
        })
        .collect())
}

// The app's own test: record once, replay, compare. A real app would commit the recorded log
// as a fixture and only replay it here.
#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_recorded_session_replays_to_the_same_answers() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("session.jsonl");
        let live = record(&log).await.unwrap();
        assert!(live[0].as_ref().is_err_and(|e| !e.is_empty()), "{live:?}");

        let replayed = replay_answers(&log).unwrap();
        assert_eq!(replayed, live);
    }
}

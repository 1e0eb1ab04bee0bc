//! The session: `sign-in`, `sign-out`, `whoami`, `tokens`, `credentials`, `federate`, `watch`.

use serde_json::{json, Value};
use tokio_stream::StreamExt as _;

use crate::cli::{CredentialsFormat, Flow};
use crate::engine::{Challenge, CredentialsView, Engine, Step};
use crate::exit::{ErrorClass, Failure};
use crate::output::{self, rfc3339, Report};
use crate::prompt::Prompter;

pub(super) async fn sign_in(
    engine: &Engine,
    ask: Prompter,
    user: &str,
    password_stdin: bool,
    flow: Option<Flow>,
) -> Result<Report, Failure> {
    if password_stdin && matches!(flow, Some(Flow::Custom | Flow::UserAuth)) {
        // Its first stdin line would silently be the first answer, not a password.
        return Err(Failure::usage(
            "--password-stdin: the custom and user-auth flows ask for no password first; \
             answer their steps as stdin lines (a password when one is asked for)",
        ));
    }
    // Asking for a password the engine would refuse anyway is a poor welcome.
    if engine.state().await? == "signedIn" {
        return Err(Failure::new(
            ErrorClass::State,
            "AlreadySignedIn",
            "a user is already signed in: sign out first",
        ));
    }
    // Custom challenges and choice-based sign-in ask for what they need as steps.
    let password = match flow {
        Some(Flow::Custom | Flow::UserAuth) => None,
        _ => Some(ask.secret("password", password_stdin)?),
    };
    let mut step = engine
        .sign_in(user, password.as_deref(), flow)
        .await
        .map_err(|f| with_next_step(f, user))?;
    let mut steps = Vec::new();
    while let Step::Challenge(challenge) = step {
        announce(&challenge);
        steps.push(challenge.name);
        let answer = ask.secret(&challenge.prompt, false)?;
        let answer = chosen(&challenge.choices, &answer);
        step = engine.answer_challenge(&answer).await?;
    }
    let state = engine.state().await?;
    tracing::info!(state, steps = steps.len(), "signed in");
    Ok(Report::new(
        json!({"username": user, "state": state, "steps": steps}),
        format!("signed in as {user}"),
    ))
}

/// A hosted-UI sign-in in the system browser, received on the loopback redirect URI.
pub(super) async fn sign_in_web(
    engine: &Engine,
    federation_provider_name: Option<String>,
) -> Result<Report, Failure> {
    if engine.state().await? == "signedIn" {
        return Err(Failure::new(
            ErrorClass::State,
            "AlreadySignedIn",
            "a user is already signed in: sign out first",
        ));
    }
    if !engine.has_hosted_ui() {
        return Err(Failure::new(
            ErrorClass::Usage,
            "NotConfigured",
            "the configuration has no hosted UI: `Auth.Default.OAuth` in awsconfiguration.json, \
             `oauth` in amplify_outputs.json",
        ));
    }
    let user = engine
        .sign_in_with_browser(federation_provider_name)
        .await?;
    let state = engine.state().await?;
    tracing::info!(state, "signed in through the hosted UI");
    Ok(Report::new(
        json!({"username": user, "state": state, "steps": ["hostedUi"]}),
        format!("signed in as {user}"),
    ))
}

/// A sign-in refused for a reason the person can act on says what to run next.
fn with_next_step(mut failure: Failure, user: &str) -> Failure {
    let next = match failure.code.as_str() {
        "UserNotConfirmed" => format!(
            "confirm with `cognito-auth confirm-sign-up {user} CODE` \
             (`cognito-auth resend-code {user}` sends a new code)"
        ),
        "PasswordResetRequired" => format!(
            "reset the password with `cognito-auth password forgot {user}`, \
             then `cognito-auth password confirm {user} CODE`"
        ),
        _ => return failure,
    };
    failure.message = format!("{}: {next}", failure.message);
    failure
}

/// The choice `answer` names: one of `choices` in any case, or the short name `mfa prefer`
/// uses (`sms`, `totp`, `email`), or the factor with `-` for `_` (`password-srp`); anything
/// else is sent as typed, for Cognito to refuse.
fn chosen(choices: &[String], answer: &str) -> String {
    let typed = answer.trim().to_ascii_uppercase().replace('-', "_");
    let alias = match typed.as_str() {
        "SMS" => "SMS_MFA",
        "TOTP" => "SOFTWARE_TOKEN_MFA",
        "EMAIL" => "EMAIL_OTP",
        other => other,
    };
    choices
        .iter()
        .find(|c| c.eq_ignore_ascii_case(&typed) || c.eq_ignore_ascii_case(alias))
        .cloned()
        .unwrap_or_else(|| answer.to_owned())
}

/// Says on stderr which step comes next (and, for TOTP setup, the secret to add).
fn announce(challenge: &Challenge) {
    tracing::debug!(step = challenge.name, "sign-in step");
    eprintln!("cognito-auth: {}: {}", challenge.name, challenge.prompt);
    if let Some(secret) = &challenge.shared_secret {
        eprintln!("cognito-auth: authenticator secret (base32): {secret}");
    }
}

pub(super) async fn sign_out(
    engine: &Engine,
    global: bool,
    local: bool,
) -> Result<Report, Failure> {
    let was_signed_in = !matches!(engine.state().await?, "signedOut" | "guest");
    let view = engine.sign_out(global, local).await?;
    for problem in &view.other_errors {
        eprintln!("cognito-auth: warning: signed out locally, but {problem}");
    }
    if let Some(error) = view.global_error {
        eprintln!("cognito-auth: signed out locally, but the global sign-out failed");
        return Err(error);
    }
    let remote: Vec<Value> = view
        .other_errors
        .iter()
        .map(|f| json!({"code": f.code, "message": f.message}))
        .collect();
    Ok(Report::new(
        json!({
            "signed_out": true,
            "was_signed_in": was_signed_in,
            "global": global,
            "local_only": local,
            "remote_errors": remote,
        }),
        if !was_signed_in {
            "nobody was signed in"
        } else if global {
            "signed out everywhere"
        } else {
            "signed out"
        },
    ))
}

pub(super) async fn whoami(engine: &Engine) -> Result<Report, Failure> {
    let state = engine.state().await?;
    let tokens = match state {
        "signedIn" => Some(engine.tokens(false).await?),
        _ => None,
    };
    let identity_id =
        if engine.has_identity_pool() && matches!(state, "signedIn" | "guest" | "federated") {
            match engine.identity_id().await {
                Ok(id) => Some(id),
                Err(e) => {
                    eprintln!("cognito-auth: warning: no identity id: {}", e.message);
                    None
                }
            }
        } else {
            None
        };
    let time = |s: Option<i64>| s.map(rfc3339);
    let mut text = format!("state: {state}");
    if let Some(t) = &tokens {
        text.push_str(&format!(
            "\nusername: {}\nsub: {}\ntokens expire: {}",
            t.username,
            t.sub,
            rfc3339(t.expires_at_s)
        ));
    }
    if let Some(id) = &identity_id {
        text.push_str(&format!("\nidentity id: {id}"));
    }
    Ok(Report::new(
        json!({
            "state": state,
            "username": tokens.as_ref().map(|t| &t.username),
            "sub": tokens.as_ref().map(|t| &t.sub),
            "identity_id": identity_id,
            "expires_at": time(tokens.as_ref().map(|t| t.expires_at_s)),
            "access_token_expires_at": time(tokens.as_ref().and_then(|t| t.access_expires_at_s)),
            "id_token_expires_at": time(tokens.as_ref().and_then(|t| t.id_expires_at_s)),
        }),
        text,
    ))
}

pub(super) async fn tokens(engine: &Engine, force: bool) -> Result<Report, Failure> {
    let t = engine.tokens(force).await?;
    let mut text = String::new();
    if let Some(id) = &t.id_token {
        text.push_str(&format!("id_token: {id}\n"));
    }
    text.push_str(&format!("access_token: {}\n", t.access_token));
    if let Some(refresh) = &t.refresh_token {
        text.push_str(&format!("refresh_token: {refresh}\n"));
    }
    text.push_str(&format!("expires_at: {}", rfc3339(t.expires_at_s)));
    Ok(Report::new(
        json!({
            "username": t.username,
            "sub": t.sub,
            "id_token": t.id_token,
            "access_token": t.access_token,
            "refresh_token": t.refresh_token,
            "token_type": "Bearer",
            "expires_at": rfc3339(t.expires_at_s),
            "expires_at_unix": t.expires_at_s,
        }),
        text,
    ))
}

pub(super) async fn credentials(
    engine: &Engine,
    format: Option<CredentialsFormat>,
    force: bool,
    json_flag: bool,
) -> Result<Report, Failure> {
    let c = engine.credentials(force).await?;
    let full = credentials_json(&c);
    let text = match format {
        Some(CredentialsFormat::Process) => credential_process(&c).to_string(),
        Some(CredentialsFormat::Env) => env_lines(&c),
        Some(CredentialsFormat::Json) => full.to_string(),
        None if json_flag => full.to_string(),
        None => format!(
            "identity id: {}\naccess key id: {}\nsecret access key: {}\nsession token: {}\nexpiration: {}",
            c.identity_id,
            c.access_key_id,
            c.secret_access_key,
            c.session_token,
            rfc3339(c.expiration_s)
        ),
    };
    // An explicit --format is printed as asked, even with --json.
    if format.is_some() {
        return Ok(Report::text_only(text));
    }
    Ok(Report::new(full, text))
}

fn credentials_json(c: &CredentialsView) -> Value {
    json!({
        "identity_id": c.identity_id,
        "access_key_id": c.access_key_id,
        "secret_access_key": c.secret_access_key,
        "session_token": c.session_token,
        "expiration": rfc3339(c.expiration_s),
    })
}

/// The document the AWS CLI and SDKs read from a `credential_process` command.
fn credential_process(c: &CredentialsView) -> Value {
    json!({
        "Version": 1,
        "AccessKeyId": c.access_key_id,
        "SecretAccessKey": c.secret_access_key,
        "SessionToken": c.session_token,
        "Expiration": rfc3339(c.expiration_s),
    })
}

fn env_lines(c: &CredentialsView) -> String {
    let quote = |v: &str| format!("'{}'", v.replace('\'', r"'\''"));
    format!(
        "export AWS_ACCESS_KEY_ID={}\nexport AWS_SECRET_ACCESS_KEY={}\nexport AWS_SESSION_TOKEN={}\nexport AWS_CREDENTIAL_EXPIRATION={}",
        quote(&c.access_key_id),
        quote(&c.secret_access_key),
        quote(&c.session_token),
        quote(&rfc3339(c.expiration_s))
    )
}

pub(super) async fn federate(
    engine: &Engine,
    ask: Prompter,
    provider: &str,
    token_stdin: bool,
) -> Result<Report, Failure> {
    // Asking for a token that has nowhere to go is a poor welcome.
    if !engine.has_identity_pool() {
        return Err(Failure::new(
            ErrorClass::Usage,
            "NotConfigured",
            "the configuration has no identity pool to federate into",
        ));
    }
    let token = ask.secret(&format!("{provider} token"), token_stdin)?;
    engine.federate(provider, &token).await?;
    let state = engine.state().await?;
    let identity_id = engine.identity_id().await?;
    Ok(Report::new(
        json!({"provider": provider, "state": state, "identity_id": identity_id}),
        format!("federated with {provider}: identity {identity_id}"),
    ))
}

pub(super) async fn watch(engine: &Engine, json_lines: bool) -> Result<Report, Failure> {
    let mut changes = engine.changes();
    let interrupted = interrupted();
    let state = engine.state().await?;
    let show = |from: Option<&str>, to: &str| {
        if json_lines {
            output::line(&json!({"from": from, "state": to}).to_string());
        } else {
            match from {
                Some(from) => output::line(&format!("state: {from} -> {to}")),
                None => output::line(&format!("state: {to}")),
            }
        }
    };
    show(None, state);
    tokio::pin!(interrupted);
    loop {
        tokio::select! {
            change = changes.next() => match change {
                // The load of the stored session is already in the first line.
                Some(("unknown", _)) => {}
                Some((from, to)) => show(Some(from), to),
                None => return Err(Failure::internal("the auth engine stopped")),
            },
            _ = &mut interrupted => break,
        }
    }
    Ok(Report::nothing())
}

/// Ctrl-C, or (on Unix) the SIGTERM a service manager or `kill` sends: either ends `watch`
/// normally, with the engine shut down and the session written. The handlers are installed
/// when this is called, not when the future is first polled, so a signal that comes right
/// after the first line is printed is not the default one that kills the process.
fn interrupted() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{signal, SignalKind};
        signal(SignalKind::interrupt()).and_then(|int| Ok((int, signal(SignalKind::terminate())?)))
    };
    async move {
        #[cfg(unix)]
        if let Ok((mut int, mut term)) = signals {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_are_named_in_any_case_or_by_their_short_names() {
        let mfa = vec!["SMS_MFA".to_owned(), "SOFTWARE_TOKEN_MFA".to_owned()];
        assert_eq!(chosen(&mfa, "sms"), "SMS_MFA");
        assert_eq!(chosen(&mfa, " TOTP "), "SOFTWARE_TOKEN_MFA");
        assert_eq!(chosen(&mfa, "software_token_mfa"), "SOFTWARE_TOKEN_MFA");
        // Not offered: sent as typed, for Cognito to refuse.
        assert_eq!(chosen(&mfa, "email"), "email");
        let factors = vec![
            "PASSWORD".to_owned(),
            "PASSWORD_SRP".to_owned(),
            "EMAIL_OTP".to_owned(),
        ];
        assert_eq!(chosen(&factors, "password-srp"), "PASSWORD_SRP");
        assert_eq!(chosen(&factors, "email"), "EMAIL_OTP");
        // Free answers are untouched.
        assert_eq!(chosen(&[], " 42 "), " 42 ");
    }
}

//! Registration and passwords: `sign-up`, `confirm-sign-up`, `resend-code`, `password ...`.

use serde_json::json;

use super::{delivery_json, delivery_text};
use crate::cli::PasswordCommand;
use crate::engine::Engine;
use crate::exit::{ErrorClass, Failure};
use crate::output::Report;
use crate::prompt::Prompter;

pub(super) async fn sign_up(
    engine: &Engine,
    ask: Prompter,
    user: &str,
    attributes: &[(String, String)],
    password_stdin: bool,
) -> Result<Report, Failure> {
    let password = ask.secret("password", password_stdin)?;
    let outcome = engine.sign_up(user, &password, attributes).await?;
    let text = if outcome.user_confirmed {
        format!("signed up {user} (confirmed)")
    } else {
        format!(
            "signed up {user}; {}: confirm with `cognito-auth confirm-sign-up {user} CODE`",
            delivery_text(outcome.delivery.as_ref())
        )
    };
    Ok(Report::new(
        json!({
            "username": user,
            "user_confirmed": outcome.user_confirmed,
            "user_sub": outcome.user_sub,
            "code_delivery": delivery_json(outcome.delivery.as_ref()),
        }),
        text,
    ))
}

pub(super) async fn confirm_sign_up(
    engine: &Engine,
    user: &str,
    code: &str,
) -> Result<Report, Failure> {
    engine.confirm_sign_up(user, code).await?;
    Ok(Report::new(
        json!({"username": user, "confirmed": true}),
        format!("{user} is confirmed"),
    ))
}

pub(super) async fn resend_code(engine: &Engine, user: &str) -> Result<Report, Failure> {
    let delivery = engine.resend_code(user).await?;
    Ok(Report::new(
        json!({"username": user, "code_delivery": delivery_json(delivery.as_ref())}),
        delivery_text(delivery.as_ref()),
    ))
}

pub(super) async fn password(
    engine: &Engine,
    ask: Prompter,
    command: PasswordCommand,
) -> Result<Report, Failure> {
    match command {
        PasswordCommand::Forgot { user } => {
            let delivery = engine.forgot_password(&user).await?;
            Ok(Report::new(
                json!({"username": user, "code_delivery": delivery_json(delivery.as_ref())}),
                format!(
                    "{}: finish with `cognito-auth password confirm {user} CODE`",
                    delivery_text(delivery.as_ref())
                ),
            ))
        }
        PasswordCommand::Confirm {
            user,
            code,
            password_stdin,
        } => {
            let new_password = ask.secret("new password", password_stdin)?;
            engine
                .confirm_forgot_password(&user, &code, &new_password)
                .await?;
            Ok(Report::new(
                json!({"username": user, "password_reset": true}),
                format!("the password of {user} is reset"),
            ))
        }
        PasswordCommand::Change => {
            // Asking for two passwords the engine would refuse anyway is a poor welcome.
            if engine.state().await? != "signedIn" {
                return Err(Failure::new(
                    ErrorClass::State,
                    "NotSignedIn",
                    "no user is signed in: sign in first",
                ));
            }
            let old = ask.secret("current password", false)?;
            let new = ask.secret("new password", false)?;
            engine.change_password(&old, &new).await?;
            Ok(Report::new(
                json!({"password_changed": true}),
                "password changed",
            ))
        }
    }
}

//! The per-flow commands: each reads what it needs (arguments, prompts), calls the engine
//! through [`crate::engine`] and returns a [`Report`]; `app` prints it.

mod account;
mod profile;
mod session;

use serde_json::{json, Value};

use crate::cli::{Command, Global};
use crate::engine::{Delivery, Engine};
use crate::exit::Failure;
use crate::output::Report;
use crate::prompt::Prompter;

/// Runs an engine command. `watch` prints as it goes and returns an empty report.
pub(crate) async fn run(
    global: &Global,
    engine: &Engine,
    command: Command,
) -> Result<Report, Failure> {
    let ask = Prompter::detect();
    match command {
        Command::SignUp {
            user,
            attributes,
            password_stdin,
        } => account::sign_up(engine, ask, &user, &attributes, password_stdin).await,
        Command::ConfirmSignUp { user, code } => {
            account::confirm_sign_up(engine, &user, &code).await
        }
        Command::ResendCode { user } => account::resend_code(engine, &user).await,
        Command::Password(command) => account::password(engine, ask, command).await,
        Command::SignIn {
            web: true,
            federation_provider_name,
            ..
        } => session::sign_in_web(engine, federation_provider_name).await,
        Command::SignIn {
            user,
            password_stdin,
            flow,
            ..
        } => {
            // clap requires USER unless --web.
            let user = user.unwrap_or_default();
            session::sign_in(engine, ask, &user, password_stdin, flow).await
        }
        Command::SignOut { global, local } => session::sign_out(engine, global, local).await,
        Command::Whoami => session::whoami(engine).await,
        Command::Tokens { force } => session::tokens(engine, force).await,
        Command::Credentials { format, force } => {
            session::credentials(engine, format, force, global.json).await
        }
        Command::Federate {
            provider,
            token_stdin,
        } => session::federate(engine, ask, &provider, token_stdin).await,
        Command::Watch => session::watch(engine, global.json).await,
        Command::Devices(command) => profile::devices(engine, command).await,
        Command::Attributes(command) => profile::attributes(engine, command).await,
        Command::Mfa(command) => profile::mfa(engine, ask, command).await,
        Command::Replay { .. }
        | Command::Emulator { .. }
        | Command::Demo { .. }
        | Command::Diagram => Err(Failure::internal(
            "this command does not run against the configured pool",
        )),
    }
}

fn delivery_json(delivery: Option<&Delivery>) -> Value {
    match delivery {
        None => Value::Null,
        Some(d) => json!({
            "delivery_medium": d.medium,
            "destination": d.destination,
            "attribute_name": d.attribute,
        }),
    }
}

fn delivery_text(delivery: Option<&Delivery>) -> String {
    match delivery {
        Some(Delivery {
            medium,
            destination: Some(destination),
            ..
        }) => format!(
            "code sent by {} to {destination}",
            medium.as_deref().unwrap_or("message")
        ),
        _ => "code sent".to_owned(),
    }
}

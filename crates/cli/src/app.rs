//! The binary's entry: parse, set up tracing and the runtime, run one command, print its
//! result, and exit with the code of its error class.

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command, Global};
use crate::engine::{Engine, Setup};
use crate::exit::{ErrorClass, Failure};
use crate::output::{self, Report};
use crate::report::Reporter;
use crate::setup;

/// Runs `cognito-auth` with the process's arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    crate::logging::init(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return fail(
                &Failure::internal(format!("cannot start tokio: {e}")),
                false,
            )
        }
    };
    let json = cli.global.json;
    match runtime.block_on(dispatch(cli)) {
        Ok(report) => {
            output::print(&report, json);
            ExitCode::SUCCESS
        }
        Err(failure) => fail(&failure, json),
    }
}

/// clap's answer to the arguments: help and version on stdout (exit 0); a usage error on stderr
/// (exit 2), and with `--json` also the same error document every other failure prints.
fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = error.print();
        return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(0));
    }
    if json_asked(std::env::args_os().skip(1)) {
        // A command group without its subcommand renders as its help text, not as an error.
        let message = if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            "a subcommand is required (its --help lists them)".to_owned()
        } else {
            clap_message(&error.render().to_string())
        };
        output::line(&Failure::usage(message).to_json().to_string());
    }
    let _ = error.print();
    ErrorClass::Usage.exit_code()
}

/// The error part of clap's text (up to the usage lines) as one line, without `error: `.
fn clap_message(rendered: &str) -> String {
    let text = rendered.trim_start();
    let text = text.strip_prefix("error: ").unwrap_or(text);
    text.lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `--json` is among the options (before a `--` that ends them).
fn json_asked(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    args.take_while(|a| a != "--").any(|a| a == "--json")
}

fn fail(failure: &Failure, json: bool) -> ExitCode {
    if json {
        output::line(&failure.to_json().to_string());
    }
    eprintln!("cognito-auth: {failure}");
    failure.class.exit_code()
}

async fn dispatch(cli: Cli) -> Result<Report, Failure> {
    let json = cli.global.json;
    // With --json the walk-through and summary lines are kept for the one document instead.
    let out = if json {
        Reporter::quiet()
    } else {
        Reporter::stdout()
    };
    match cli.command {
        Command::Demo { log } => {
            let summary = crate::demo::run_with_log(&out, log.as_deref())
                .await
                .map_err(|e| Failure::internal(e.to_string()))?;
            Ok(printed(
                serde_json::json!({
                    "inputs": summary.inputs,
                    "outputs": summary.outputs,
                    "identical": summary.identical,
                    "transcript": transcript_lines(&out),
                }),
                json,
            ))
        }
        Command::Replay { log } => {
            let summary = crate::replay::run(&log, &out).map_err(|e| replay_failure(&log, e))?;
            Ok(printed(
                serde_json::json!({
                    "log": log.display().to_string(),
                    "inputs": summary.inputs,
                    "outputs": summary.outputs,
                    "effects": summary.effects,
                    "replies_ok": summary.replies_ok,
                    "replies_failed": summary.replies_err,
                    "states": summary.states,
                }),
                json,
            ))
        }
        Command::Diagram => {
            let mermaid = cognito_auth::machine::transitions::mermaid();
            Ok(Report::new(
                serde_json::json!({ "mermaid": mermaid }),
                mermaid,
            ))
        }
        Command::Emulator {
            host,
            port,
            seed_file,
        } => {
            // The listening line is printed at once (a script waits for it), JSON or not.
            crate::emulator::run(&host, port, seed_file.as_deref(), json, &Reporter::stdout())
                .await
                .map(|()| Report::nothing())
                .map_err(emulator_failure)
        }
        command => with_engine(&cli.global, command).await,
    }
}

/// A report whose text was already printed line by line (without `--json`).
fn printed(json_doc: serde_json::Value, json: bool) -> Report {
    if json {
        Report::new(json_doc, String::new())
    } else {
        Report::nothing()
    }
}

fn transcript_lines(out: &Reporter) -> Vec<String> {
    out.transcript().lines().map(str::to_owned).collect()
}

/// A seed file that cannot be used, or an address that cannot be listened on, is the
/// invocation's fault (exit 2); anything else is internal.
fn emulator_failure(error: crate::emulator::EmulatorCommandError) -> Failure {
    use crate::emulator::EmulatorCommandError as E;
    let code = match &error {
        E::Seed { .. } => "InvalidSeedFile",
        E::Listen { .. } => "Listen",
        _ => return Failure::internal(error.to_string()),
    };
    Failure::new(ErrorClass::Usage, code, error.to_string())
}

/// A log named on the command line that cannot be opened or is not an event log is a usage
/// error, as a missing configuration file is; only a failure while reading it is internal.
fn replay_failure(log: &std::path::Path, error: crate::replay::ReplayCommandError) -> Failure {
    use crate::replay::ReplayCommandError as E;
    use cognito_auth::event_log::ReplayError;
    let (class, code) = match &error {
        E::Open { .. } => {
            return Failure::new(ErrorClass::Usage, "LogUnreadable", error.to_string())
        }
        E::Replay(ReplayError::Io(_)) => (ErrorClass::Internal, "Internal"),
        _ => (ErrorClass::Usage, "InvalidLog"),
    };
    Failure::new(class, code, format!("{}: {error}", log.display()))
}

/// Opens the engine on the configured pool and persisted session, runs `command`, and stops
/// the engine only once the session is written, so the next invocation sees it.
async fn with_engine(global: &Global, command: Command) -> Result<Report, Failure> {
    let endpoint = global
        .endpoint
        .as_deref()
        .map(setup::endpoint)
        .transpose()?;
    let config_path = setup::config_path(global.config.as_deref())?;
    let config_text = setup::read_config(&config_path)?;
    let session_file = setup::session_path(global.session.as_deref())?;
    tracing::info!(
        config = %config_path.display(),
        session = %session_file.display(),
        endpoint = endpoint.unwrap_or("AWS"),
        "starting the engine"
    );
    let engine = Engine::open(&Setup {
        config_text: &config_text,
        config_path: &config_path,
        endpoint,
        session_file: &session_file,
    })?;
    let result = crate::commands::run(global, &engine, command).await;
    engine.shutdown().await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_asked_only_before_the_end_of_options() {
        let args = |list: &[&str]| {
            list.iter()
                .map(std::ffi::OsString::from)
                .collect::<Vec<_>>()
                .into_iter()
        };
        assert!(json_asked(args(&["whoami", "--json"])));
        assert!(!json_asked(args(&["sign-up", "--", "--json"])));
        assert!(!json_asked(args(&["whoami", "--jsonx"])));
    }

    #[test]
    fn clap_errors_become_one_line() {
        let rendered = "error: the following required arguments were not provided:\n  <USER>\n\n\
                        Usage: cognito-auth sign-in <USER>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            clap_message(rendered),
            "the following required arguments were not provided: <USER>"
        );
    }
}

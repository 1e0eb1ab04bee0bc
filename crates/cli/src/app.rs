//! The binary's entry: parse, set up tracing and the runtime, run one command, print its
//! result, and exit with the code of its error class.

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command, Global};
use crate::engine::{Engine, Setup};
use crate::exit::Failure;
use crate::output::{self, Report};
use crate::report::Reporter;
use crate::setup;

/// Runs `cognito-auth` with the process's arguments.
pub fn main() -> ExitCode {
    // clap prints help and version itself (exit 0) and usage errors (exit 2).
    let cli = Cli::parse();
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

fn fail(failure: &Failure, json: bool) -> ExitCode {
    if json {
        output::line(&failure.to_json().to_string());
    }
    eprintln!("cognito-auth: {failure}");
    failure.class.exit_code()
}

async fn dispatch(cli: Cli) -> Result<Report, Failure> {
    let out = Reporter::stdout();
    match cli.command {
        Command::Demo { log } => crate::demo::run_with_log(&out, log.as_deref())
            .await
            .map(|_| Report::nothing())
            .map_err(|e| Failure::internal(e.to_string())),
        Command::Replay { log } => crate::replay::run(&log, &out)
            .map(|_| Report::nothing())
            .map_err(|e| Failure::internal(e.to_string())),
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
        } => crate::emulator::run(&host, port, seed_file.as_deref(), &out)
            .await
            .map(|()| Report::nothing())
            .map_err(|e| Failure::internal(e.to_string())),
        command => with_engine(&cli.global, command).await,
    }
}

/// Opens the engine on the configured pool and persisted session, runs `command`, and stops
/// the engine only once the session is written, so the next invocation sees it.
async fn with_engine(global: &Global, command: Command) -> Result<Report, Failure> {
    let config_path = setup::config_path(global.config.as_deref())?;
    let config_text = setup::read_config(&config_path)?;
    let session_file = setup::session_path(global.session.as_deref())?;
    tracing::info!(
        config = %config_path.display(),
        session = %session_file.display(),
        endpoint = global.endpoint.as_deref().unwrap_or("AWS"),
        "starting the engine"
    );
    let engine = Engine::open(&Setup {
        config_text: &config_text,
        config_path: &config_path,
        endpoint: global.endpoint.as_deref(),
        session_file: &session_file,
    })?;
    let result = crate::commands::run(global, &engine, command).await;
    engine.shutdown().await;
    result
}

//! `cognito-auth`: the demo, an emulator server and an event-log replayer. See the
//! `cognito_auth_cli` crate docs.

use std::process::ExitCode;

use cognito_auth_cli::Reporter;

const HELP: &str = "\
cognito-auth: Amazon Cognito auth for Rust apps, tried out against a local emulator

Usage:
  cognito-auth demo [--log FILE]
      Start the Cognito emulator in this process and walk a full session: guest credentials,
      sign-up, SRP sign-in, TOTP MFA, token refresh, an offline spell, refresh-token
      revocation, global sign-out, and an offline replay of the recorded event log.
      --log FILE keeps that event log (it holds the demo user's throw-away secrets).
  cognito-auth replay <LOG>
      Replay an event log (written by the engine's `event_log` option) without network and
      print a summary. Event logs hold secrets: keep them private.
  cognito-auth emulator [--host HOST] [--port N] [--seed-file FILE]
      Serve the emulator over HTTP until Ctrl-C (default 127.0.0.1:9229; without a seed file,
      the demo's pools).
  cognito-auth browser-sign-in --config FILE [--session FILE] [--endpoint URL]
      Sign in through the hosted UI in the system browser (BROWSER overrides it); the redirect
      comes back to the configuration's loopback SignInRedirectURI (http://127.0.0.1:PORT/...,
      registered on the app client). --session keeps the session in FILE; --endpoint sends the
      Cognito API calls to URL (an emulator).
  cognito-auth --help

Exit status: 0 on success, 1 on any error (printed), 2 on bad arguments.
";

enum Command {
    Help,
    Demo(Option<String>),
    Replay(String),
    Emulator {
        host: String,
        port: u16,
        seed_file: Option<String>,
    },
    BrowserSignIn {
        config: String,
        session: Option<String>,
        endpoint: Option<String>,
    },
}

fn parse_browser_sign_in(rest: &[&String]) -> Result<Command, String> {
    let (mut config, mut session, mut endpoint) = (None, None, None);
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .map(|v| (*v).clone())
            .ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--config" => config = Some(value),
            "--session" => session = Some(value),
            "--endpoint" => endpoint = Some(value),
            other => return Err(format!("unknown browser-sign-in option {other}")),
        }
    }
    let config = config.ok_or("browser-sign-in needs --config FILE")?;
    Ok(Command::BrowserSignIn {
        config,
        session,
        endpoint,
    })
}

fn parse(args: &[String]) -> Result<Command, String> {
    let mut args = args.iter();
    let Some(command) = args.next() else {
        return Ok(Command::Help);
    };
    let rest: Vec<&String> = args.collect();
    match command.as_str() {
        "-h" | "--help" | "help" => Ok(Command::Help),
        "demo" => match rest.as_slice() {
            [] => Ok(Command::Demo(None)),
            [flag, path] if flag.as_str() == "--log" => Ok(Command::Demo(Some((*path).clone()))),
            _ => Err("demo takes one option: --log FILE".to_owned()),
        },
        "replay" => match rest.as_slice() {
            [path] => Ok(Command::Replay((*path).clone())),
            _ => Err("replay takes one argument: the log file".to_owned()),
        },
        "emulator" => {
            let mut host = "127.0.0.1".to_owned();
            let mut port = 9229;
            let mut seed_file = None;
            let mut it = rest.into_iter();
            while let Some(flag) = it.next() {
                let mut value = || {
                    it.next()
                        .cloned()
                        .ok_or_else(|| format!("{flag} needs a value"))
                };
                match flag.as_str() {
                    "--host" => host = value()?,
                    "--port" => {
                        port = value()?
                            .parse()
                            .map_err(|_| "--port must be a number from 0 to 65535".to_owned())?;
                    }
                    "--seed-file" => seed_file = Some(value()?),
                    other => return Err(format!("unknown emulator option {other}")),
                }
            }
            Ok(Command::Emulator {
                host,
                port,
                seed_file,
            })
        }
        "browser-sign-in" => parse_browser_sign_in(&rest),
        other => Err(format!("unknown command {other}")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("cognito-auth: {message}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    if let Command::Help = command {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cognito-auth: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let out = Reporter::stdout();
    let result = runtime.block_on(async {
        match command {
            Command::Help => Ok(()),
            Command::Demo(log) => {
                cognito_auth_cli::demo::run_with_log(&out, log.as_deref().map(std::path::Path::new))
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            Command::Replay(path) => cognito_auth_cli::replay::run(path.as_ref(), &out)
                .map(drop)
                .map_err(|e| e.to_string()),
            Command::Emulator {
                host,
                port,
                seed_file,
            } => cognito_auth_cli::emulator::run(&host, port, seed_file.as_deref(), &out)
                .await
                .map_err(|e| e.to_string()),
            Command::BrowserSignIn {
                config,
                session,
                endpoint,
            } => {
                cognito_auth_cli::browser::run(
                    config.as_ref(),
                    session.as_deref().map(std::path::Path::new),
                    endpoint.as_deref(),
                    &out,
                )
                .await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cognito-auth: error: {message}");
            ExitCode::FAILURE
        }
    }
}

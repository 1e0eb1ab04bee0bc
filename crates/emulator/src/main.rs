//! `cognito-auth-emulator`: serve a Cognito emulator over HTTP.
//!
//! ```text
//! cognito-auth-emulator [--port 9229] [--host 127.0.0.1] [--seed-file seed.json] [--seed N]
//!                       [--region REGION] [--require-sigv4]
//! ```

use cognito_auth_emulator::http::{serve_shared, system_now, Shared};
use cognito_auth_emulator::{Emulator, EmulatorConfig};

const USAGE: &str = "usage: cognito-auth-emulator [--port PORT] [--host HOST] [--seed-file FILE] [--seed N] [--region REGION] [--require-sigv4]";

#[derive(Debug)]
struct Args {
    host: String,
    port: u16,
    seed_file: Option<String>,
    seed: Option<u64>,
    region: Option<String>,
    require_sigv4: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        host: "127.0.0.1".into(),
        port: 9229,
        seed_file: None,
        seed: None,
        region: None,
        require_sigv4: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--port" => {
                args.port = value("--port")?
                    .parse()
                    .map_err(|_| format!("--port must be a number\n{USAGE}"))?
            }
            "--host" => args.host = value("--host")?,
            "--seed-file" => args.seed_file = Some(value("--seed-file")?),
            "--seed" => {
                args.seed = Some(
                    value("--seed")?
                        .parse()
                        .map_err(|_| format!("--seed must be a number\n{USAGE}"))?,
                )
            }
            "--region" => args.region = Some(value("--region")?),
            "--require-sigv4" => args.require_sigv4 = true,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let args = parse_args()?;
    let seed_doc = match &args.seed_file {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            Some(
                serde_json::from_str::<serde_json::Value>(&text)
                    .map_err(|e| format!("{path} is not JSON: {e}"))?,
            )
        }
        None => None,
    };
    let mut config = EmulatorConfig {
        require_signed_iam_calls: args.require_sigv4,
        ..EmulatorConfig::default()
    };
    if let Some(s) = args.seed.or_else(|| {
        seed_doc
            .as_ref()
            .and_then(|d| d.get("seed"))
            .and_then(serde_json::Value::as_u64)
    }) {
        config.seed = s;
    }
    if let Some(r) = args.region.or_else(|| {
        seed_doc
            .as_ref()
            .and_then(|d| d.get("region"))
            .and_then(|v| v.as_str().map(str::to_owned))
    }) {
        config.region = r;
    }
    let mut emu = Emulator::new(config).map_err(|e| e.to_string())?;
    if let Some(doc) = &seed_doc {
        emu.apply_seed(doc, system_now())
            .map_err(|e| e.to_string())?;
    }
    let server = serve_shared(&format!("{}:{}", args.host, args.port), Shared::new(emu))
        .await
        .map_err(|e| e.to_string())?;
    println!("cognito-auth-emulator listening on {}", server.endpoint());
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    server.shutdown();
    Ok(())
}

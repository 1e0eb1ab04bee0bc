//! `cognito-auth`: Amazon Cognito from the shell. See the `cognito_auth_cli` crate docs and
//! `crates/cli/README.md`.

fn main() -> std::process::ExitCode {
    cognito_auth_cli::main()
}

//! The command line's shape (clap derive). Behaviour lives in `commands`.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

/// Amazon Cognito from the shell: sign up, sign in (SRP, password, custom, choice-based, with
/// MFA), tokens, AWS credentials, devices, attributes and MFA settings, against AWS, the
/// project's emulator or moto.
#[derive(Debug, Parser)]
#[command(name = "cognito-auth", version, after_help = crate::exit::EXIT_CODES)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command accepts, before or after its name.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// awsconfiguration.json or amplify_outputs.json [default: $COGNITO_AUTH_CONFIG, else
    /// ./amplify_outputs.json, else ./awsconfiguration.json]
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Send every Cognito call (user pools and identity pools) to this local backend, such as
    /// the emulator or moto (http://HOST:PORT)
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) endpoint: Option<String>,
    /// The session file, kept between invocations [default: session.json in the platform's
    /// data directory for cognito-auth]
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) session: Option<PathBuf>,
    /// Print one JSON document on stdout per command, errors included (a JSON line per change
    /// for `watch`)
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Tracing to stderr: -v info, -vv debug, -vvv trace (never a secret at any level)
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub(crate) verbose: u8,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Register a user (the password is prompted for, or read from stdin)
    SignUp {
        /// User name
        #[arg(value_parser = non_empty)]
        user: String,
        /// A user attribute, e.g. email=alice@example.com (repeatable)
        #[arg(long = "attribute", value_name = "NAME=VALUE", value_parser = parse_pair)]
        attributes: Vec<(String, String)>,
        /// Read the password from the first line of stdin, even in a terminal
        #[arg(long)]
        password_stdin: bool,
    },
    /// Confirm a registration with the delivered code
    ConfirmSignUp {
        /// User name
        #[arg(value_parser = non_empty)]
        user: String,
        /// The confirmation code
        #[arg(value_parser = non_empty)]
        code: String,
    },
    /// Send the registration code again
    ResendCode {
        /// User name
        #[arg(value_parser = non_empty)]
        user: String,
    },
    /// Sign in; MFA and other challenges are answered in the same invocation (prompted for in
    /// a terminal, otherwise read as successive stdin lines after the password)
    SignIn {
        /// User name (not with --web: the hosted UI asks for it)
        #[arg(required_unless_present = "web", conflicts_with = "web", value_parser = non_empty)]
        user: Option<String>,
        /// Read the password from the first line of stdin, even in a terminal
        #[arg(long, conflicts_with = "web")]
        password_stdin: bool,
        /// The first-factor flow [default: the configuration's, usually srp]
        #[arg(long, value_enum, conflicts_with = "web")]
        flow: Option<Flow>,
        /// Sign in through the hosted UI in the system browser (BROWSER overrides it); the
        /// redirect comes back to the configuration's loopback SignInRedirectURI
        /// (http://127.0.0.1:PORT/..., registered on the app client)
        #[arg(long)]
        web: bool,
        /// With --web through a custom OAuth provider (Auth0, ...): federate its id token into
        /// the identity pool under this login key (AWSMobileClient's federationProviderName)
        #[arg(long, requires = "web", value_name = "LOGIN_KEY")]
        federation_provider_name: Option<String>,
    },
    /// Sign out (revokes the refresh token unless --local)
    SignOut {
        /// Also invalidate every session of the user (GlobalSignOut)
        #[arg(long, conflicts_with = "local")]
        global: bool,
        /// Only forget the local session: no call to the service
        #[arg(long)]
        local: bool,
    },
    /// Show the session: state, user name, sub, identity id, token expiries
    Whoami,
    /// Print the user-pool tokens (refreshed first when due)
    Tokens {
        /// Refresh even valid tokens
        #[arg(long)]
        force: bool,
    },
    /// Print temporary AWS credentials from the identity pool
    Credentials {
        /// json: the full object; env: `export AWS_...=` lines; process: the AWS CLI's
        /// credential_process document
        #[arg(long, value_enum)]
        format: Option<CredentialsFormat>,
        /// Fetch new credentials even if the cached ones are valid
        #[arg(long)]
        force: bool,
    },
    /// Sign in to the identity pool with an external provider's token (prompted for, or read
    /// from stdin)
    Federate {
        /// The Logins key: accounts.google.com, graph.facebook.com, an OIDC issuer, ...
        provider: String,
        /// Read the token from the first line of stdin, even in a terminal
        #[arg(long)]
        token_stdin: bool,
    },
    /// This user's devices
    #[command(subcommand)]
    Devices(DevicesCommand),
    /// The signed-in user's attributes
    #[command(subcommand)]
    Attributes(AttributesCommand),
    /// Reset or change a password
    #[command(subcommand)]
    Password(PasswordCommand),
    /// MFA settings of the signed-in user
    #[command(subcommand)]
    Mfa(MfaCommand),
    /// Keep the session alive, refreshing as needed, and print each user-state change until
    /// interrupted
    Watch,
    /// Replay an event log without network and print a summary (event logs hold secrets:
    /// keep them private)
    Replay {
        /// The event log (JSON lines)
        log: PathBuf,
    },
    /// Serve the Cognito emulator over HTTP until Ctrl-C (without a seed file, the demo's
    /// pools)
    Emulator {
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port to listen on
        #[arg(long, default_value_t = 9229)]
        port: u16,
        /// A JSON seed file (pools, clients, users, identity pools)
        #[arg(long, value_name = "FILE")]
        seed_file: Option<String>,
    },
    /// Print the auth machine's states and transitions as a Mermaid stateDiagram-v2 (from the
    /// machine's own transition table; with --json, {"mermaid": ...})
    Diagram,
    /// Walk a whole session against an in-process emulator, printing every state change
    Demo {
        /// Keep the demo's event log here (it holds the demo user's throw-away secrets)
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum DevicesCommand {
    /// List the user's devices
    List,
    /// Mark this device remembered
    Remember,
    /// Set a device's remembered status (without KEY: this device); a device that is not
    /// remembered stays tracked but asks for MFA again
    Status {
        /// `remembered` or `not-remembered`
        #[arg(value_enum)]
        status: DeviceStatus,
        /// The device key
        key: Option<String>,
    },
    /// Forget a device (without KEY: this one)
    Forget {
        /// The device key
        key: Option<String>,
    },
}

/// Cognito's `DeviceRememberedStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DeviceStatus {
    /// Sign-ins that authenticate the device skip MFA
    Remembered,
    /// The device stays tracked; MFA is asked as usual
    NotRemembered,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AttributesCommand {
    /// Print the attributes
    Get,
    /// Update attributes
    Set {
        /// NAME=VALUE pairs
        #[arg(required = true, value_name = "NAME=VALUE", value_parser = parse_pair)]
        attributes: Vec<(String, String)>,
    },
    /// Without CODE, send a verification code for the attribute; with CODE, verify it
    Verify {
        /// email or phone_number
        name: String,
        /// The delivered code
        code: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PasswordCommand {
    /// Start a password reset: a code is sent to the user
    Forgot {
        /// User name
        #[arg(value_parser = non_empty)]
        user: String,
    },
    /// Finish a password reset with the code (the new password is prompted for or read from
    /// stdin)
    Confirm {
        /// User name
        #[arg(value_parser = non_empty)]
        user: String,
        /// The delivered code
        #[arg(value_parser = non_empty)]
        code: String,
        /// Read the new password from the first line of stdin, even in a terminal
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change the signed-in user's password (the old, then the new one: prompted for or read
    /// as two stdin lines)
    Change,
}

#[derive(Debug, Subcommand)]
pub(crate) enum MfaCommand {
    /// Set up an authenticator app: prints the shared secret, then reads a code from it
    SetupTotp {
        /// A name for the authenticator
        #[arg(long, value_name = "NAME")]
        device_name: Option<String>,
    },
    /// Show the MFA methods turned on, the preferred one, and the first factors a choice-based
    /// (USER_AUTH) sign-in offers this user (GetUserAuthFactors)
    Show,
    /// Choose the preferred MFA method (none turns MFA off for this user)
    Prefer {
        /// The method
        #[arg(value_enum)]
        method: MfaMethod,
    },
}

/// The sign-in flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Flow {
    /// USER_SRP_AUTH: the password never leaves this machine
    Srp,
    /// USER_PASSWORD_AUTH: the password is sent to Cognito over TLS
    Password,
    /// CUSTOM_AUTH without SRP: Lambda-defined challenges only
    Custom,
    /// CUSTOM_AUTH starting with an SRP round
    CustomSrp,
    /// USER_AUTH: choice-based first factor (password, SRP, email or SMS OTP)
    UserAuth,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CredentialsFormat {
    /// The full object as JSON
    Json,
    /// Shell `export` lines
    Env,
    /// The AWS CLI/SDK `credential_process` document
    Process,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MfaMethod {
    /// SMS codes
    Sms,
    /// An authenticator app
    Totp,
    /// Email codes
    Email,
    /// No MFA
    None,
}

/// User names and codes: Cognito refuses an empty one, after a round trip (and, for
/// `sign-up`, after the password was asked for).
fn non_empty(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        Err("must not be empty".to_owned())
    } else {
        Ok(text.to_owned())
    }
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parser_is_consistent() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }

    #[test]
    fn pairs_split_at_the_first_equals_sign() {
        assert_eq!(
            parse_pair("custom:x=a=b"),
            Ok(("custom:x".to_owned(), "a=b".to_owned()))
        );
        assert!(parse_pair("=x").is_err());
        assert!(parse_pair("novalue").is_err());
    }

    #[test]
    fn user_names_and_codes_must_not_be_empty() {
        use clap::Parser as _;
        for args in [
            &["cognito-auth", "sign-up", ""][..],
            &["cognito-auth", "sign-in", " "],
            &["cognito-auth", "confirm-sign-up", "alice", ""],
            &["cognito-auth", "password", "forgot", ""],
        ] {
            let error = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(
                error.kind(),
                clap::error::ErrorKind::ValueValidation,
                "{args:?}"
            );
        }
        assert!(Cli::try_parse_from(["cognito-auth", "sign-in", "alice"]).is_ok());
    }
}

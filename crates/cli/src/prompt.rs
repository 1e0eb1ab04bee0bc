//! Reading passwords, codes and answers: without echo from the terminal, or as successive
//! lines of stdin when stdin is not a terminal (each step announced on stderr, so a script
//! or a person reading the log knows what the next line is for). Never from an argument.

use std::io::{BufRead as _, IsTerminal as _};

use crate::exit::Failure;

/// Where answers come from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prompter {
    terminal: bool,
}

impl Prompter {
    /// Looks at stdin once.
    pub(crate) fn detect() -> Self {
        Self {
            terminal: std::io::stdin().is_terminal(),
        }
    }

    /// Reads a secret (password, code, token, answer). `from_stdin` forces the stdin line
    /// even in a terminal (`--password-stdin`).
    pub(crate) fn secret(&self, what: &str, from_stdin: bool) -> Result<String, Failure> {
        if self.terminal && !from_stdin {
            restore_terminal_on_interrupt();
            return rpassword::prompt_password(format!("{what}: ")).map_err(|e| {
                if e.kind() == std::io::ErrorKind::Interrupted {
                    // Ctrl-C: the read returned before the signal task ran.
                    interrupted_exit();
                }
                Failure::internal(format!("cannot read the {what}: {e}"))
            });
        }
        if !self.terminal {
            eprintln!("cognito-auth: reading the {what} from the next line of stdin");
        }
        read_line(what)
    }
}

/// The terminal's settings before the first prompt without echo (`stty -g`).
static SAVED_TERMINAL: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// Ctrl-C at a prompt without echo would end the process with the terminal still not echoing
/// (rpassword turns echo back on only when its read returns), leaving the person's shell blind.
/// Before the first such prompt this saves the terminal's settings and takes over SIGINT for
/// the rest of the process: [`interrupted_exit`] restores them and exits with 130, as the
/// default action would have ended it (the shell's code for SIGINT).
fn restore_terminal_on_interrupt() {
    #[cfg(unix)]
    SAVED_TERMINAL.get_or_init(|| {
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let saved = stty(&["-g"])?;
        let _entered = runtime.enter();
        let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
        let mut interrupt = signal.ok()?;
        runtime.spawn(async move {
            if interrupt.recv().await.is_some() {
                interrupted_exit();
            }
        });
        Some(saved)
    });
}

/// Puts the terminal back as it was before the first prompt and exits with 130.
fn interrupted_exit() -> ! {
    #[cfg(unix)]
    if let Some(Some(saved)) = SAVED_TERMINAL.get() {
        let _ = stty(&[saved.trim()]);
    }
    eprintln!();
    std::process::exit(130);
}

/// Runs `stty ARGS` on the controlling terminal; its output on success.
#[cfg(unix)]
fn stty(args: &[&str]) -> Option<String> {
    let tty = std::fs::File::open("/dev/tty").ok()?;
    let out = std::process::Command::new("stty")
        .args(args)
        .stdin(tty)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// One line of stdin without its line ending; the end of stdin is a usage error.
fn read_line(what: &str) -> Result<String, Failure> {
    let mut line = String::new();
    let read = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::internal(format!("cannot read the {what} from stdin: {e}")))?;
    if read == 0 {
        return Err(Failure::usage(format!(
            "stdin ended before the {what} (pipe it in, one line per answer)"
        )));
    }
    let trimmed = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(trimmed);
    Ok(line)
}

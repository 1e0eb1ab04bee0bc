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
            return rpassword::prompt_password(format!("{what}: "))
                .map_err(|e| Failure::internal(format!("cannot read the {what}: {e}")));
        }
        if !self.terminal {
            eprintln!("cognito-auth: reading the {what} from the next line of stdin");
        }
        read_line(what)
    }
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

//! The event log: every [`Input`] the driver feeds to the machine, as JSON lines, so a session
//! can be replayed without any network.
//!
//! Format (version 1):
//!
//! ```text
//! {"format":"cognito-auth-event-log","version":1,"config":{...},"seed":"<64 hex digits>"}
//! {"at":{"mono_ms":0,"unix_ms":1700000000000},"event":{"type":"Completed",...}}
//! ...
//! ```
//!
//! The first line is the header: the machine's [`Config`] and the seed it was created with.
//! Every other line is one input, in the order the machine saw it.
//!
//! **The log contains secrets**: passwords typed by the user, tokens, SRP values, device and
//! client secrets, AWS credentials: the writer opts in to serialising them in clear
//! ([`expose_secrets_while`]), which replay needs; everywhere else they serialise as
//! `[redacted]`. Treat the log exactly like the session store: the file is created with mode
//! 0600 on unix, keep it out of bug reports unless it comes from a test account.

use std::fs::OpenOptions;
use std::io::{self, BufRead, BufWriter, Write};
use std::path::Path;

use cognito_auth_machine::secret::expose_secrets_while;
use cognito_auth_machine::{Config, Input};
use serde::{Deserialize, Serialize};

/// The `format` value of the header line.
pub const FORMAT: &str = "cognito-auth-event-log";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// The first line of a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogHeader {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for logs this build writes.
    pub version: u32,
    /// The machine's configuration.
    pub config: Config,
    /// The machine's seed, hex.
    #[serde(with = "hex_seed")]
    pub seed: [u8; 32],
}

impl LogHeader {
    /// A header for a machine created with `config` and `seed`.
    pub fn new(config: Config, seed: [u8; 32]) -> Self {
        Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            config,
            seed,
        }
    }
}

/// Appends inputs to a log, one JSON line each, flushed after every line so a crash loses at
/// most the line being written.
pub struct EventLogWriter<W: Write> {
    out: BufWriter<W>,
}

impl<W: Write> std::fmt::Debug for EventLogWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLogWriter").finish_non_exhaustive()
    }
}

impl EventLogWriter<std::fs::File> {
    /// Creates (or truncates) the log file at `path`, mode 0600 on unix, and writes the header.
    pub fn create(path: &Path, header: &LogHeader) -> Result<Self, LogError> {
        Self::new(open_private(path)?, header)
    }
}

/// Creates or truncates `path` for writing, readable only by its owner.
pub(crate) fn open_private(path: &Path) -> Result<std::fs::File, LogError> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let file = options.open(path).map_err(LogError::Io)?;
    // An existing file keeps its old mode when truncated: tighten it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(LogError::Io)?;
    }
    Ok(file)
}

impl<W: Write> EventLogWriter<W> {
    /// Writes the header to `out`.
    pub fn new(out: W, header: &LogHeader) -> Result<Self, LogError> {
        let mut writer = Self {
            out: BufWriter::new(out),
        };
        writer.line(header)?;
        Ok(writer)
    }

    /// Appends one input.
    pub fn append(&mut self, input: &Input) -> Result<(), LogError> {
        self.line(input)
    }

    /// Writes one line with its secrets in clear: replay needs the passwords, tokens and client
    /// secret the machine saw, and secrets serialise as `[redacted]` outside this opt-in.
    fn line<T: Serialize>(&mut self, value: &T) -> Result<(), LogError> {
        expose_secrets_while(|| serde_json::to_writer(&mut self.out, value))
            .map_err(|e| LogError::Encode(describe(&e)))?;
        self.out.write_all(b"\n").map_err(LogError::Io)?;
        self.out.flush().map_err(LogError::Io)
    }

    /// The underlying writer (after flushing).
    pub fn into_inner(self) -> Result<W, LogError> {
        self.out
            .into_inner()
            .map_err(|e| LogError::Io(io::Error::new(e.error().kind(), e.error().to_string())))
    }
}

/// Writing a log failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// The file could not be written.
    #[error("event log: {0}")]
    Io(#[source] io::Error),
    /// A value could not be encoded.
    #[error("event log encoding: {0}")]
    Encode(String),
}

/// Reading or replaying a log failed. Messages give line numbers and error categories, never
/// the line's contents (they hold secrets).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The log could not be read.
    #[error("reading the event log: {0}")]
    Io(#[source] io::Error),
    /// The log is empty.
    #[error("the event log is empty (no header line)")]
    Empty,
    /// The first line is not a header this build understands.
    #[error("line 1: {0}")]
    BadHeader(String),
    /// An input line could not be read.
    #[error("line {line}: {reason}")]
    BadInput {
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        reason: String,
    },
}

/// A parsed log: its header and inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLog {
    /// The header.
    pub header: LogHeader,
    /// The inputs, in order.
    pub inputs: Vec<Input>,
}

/// Reads a whole log. Blank lines are skipped (a log cut mid-line is reported, not guessed at).
pub fn read_log(reader: impl BufRead) -> Result<EventLog, ReplayError> {
    let mut lines = reader.lines().enumerate();
    let header_line = loop {
        match lines.next() {
            None => return Err(ReplayError::Empty),
            Some((_, line)) => {
                let line = line.map_err(ReplayError::Io)?;
                if !line.trim().is_empty() {
                    break line;
                }
            }
        }
    };
    let header: LogHeader =
        serde_json::from_str(&header_line).map_err(|e| ReplayError::BadHeader(describe(&e)))?;
    if header.format != FORMAT {
        return Err(ReplayError::BadHeader(format!(
            "not a cognito-auth event log (format {:?})",
            header.format
        )));
    }
    if header.version != VERSION {
        return Err(ReplayError::BadHeader(format!(
            "log version {} is not supported (this build reads {VERSION})",
            header.version
        )));
    }
    let mut inputs = Vec::new();
    for (index, line) in lines {
        let line = line.map_err(ReplayError::Io)?;
        if line.trim().is_empty() {
            continue;
        }
        let input = serde_json::from_str(&line).map_err(|e| ReplayError::BadInput {
            line: index + 1,
            reason: describe(&e),
        })?;
        inputs.push(input);
    }
    Ok(EventLog { header, inputs })
}

/// Category and position of a JSON error; serde's message itself may quote secret values.
fn describe(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "unexpected JSON structure",
        serde_json::error::Category::Eof => "truncated JSON",
    };
    format!("{what} at column {}", e.column())
}

mod hex_seed {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(seed: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
        s.serialize_str(&hex)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(D::Error::custom("the seed must be 64 hex digits"));
        }
        let mut seed = [0u8; 32];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let digits = std::str::from_utf8(pair).map_err(D::Error::custom)?;
            seed[i] = u8::from_str_radix(digits, 16)
                .map_err(|_| D::Error::custom("the seed must be 64 hex digits"))?;
        }
        Ok(seed)
    }
}

/// Runs a fresh machine (made by `make` from the log's header) over the log's inputs and
/// returns every output, in order: the ones the new machine queued on creation, then those of
/// each input. No network, no clock, no store: effects are recorded, never performed; their
/// results are whatever the log recorded. (Feature `test-util`.)
#[cfg(any(test, feature = "test-util"))]
pub fn replay_with<C: crate::Drivable>(
    reader: impl BufRead,
    make: impl FnOnce(Config, [u8; 32]) -> C,
) -> Result<Vec<cognito_auth_machine::Output>, ReplayError> {
    replay_machine(reader, make)
}

fn replay_machine<C: crate::drivable::Drivable>(
    reader: impl BufRead,
    make: impl FnOnce(Config, [u8; 32]) -> C,
) -> Result<Vec<cognito_auth_machine::Output>, ReplayError> {
    let log = read_log(reader)?;
    let mut core = make(log.header.config, log.header.seed);
    let mut outputs = Vec::new();
    while let Some(out) = core.poll_output() {
        outputs.push(out);
    }
    for input in log.inputs {
        core.handle_input(input);
        while let Some(out) = core.poll_output() {
            outputs.push(out);
        }
    }
    Ok(outputs)
}

/// Runs a fresh [`cognito_auth_machine::Machine`] over a recorded log and returns every output
/// it produces, without any network: the same outputs the recorded session saw.
pub fn replay(reader: impl BufRead) -> Result<Vec<cognito_auth_machine::Output>, ReplayError> {
    replay_machine(reader, cognito_auth_machine::Machine::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cognito_auth_machine::{ApiCall, Event, OperationId, Secret, Timestamp};

    fn config() -> Config {
        serde_json::from_value(serde_json::json!({
            "user_pool": {"pool_id": "us-east-1_P", "app_client_id": "c", "app_client_secret": null,
                          "region": "us-east-1"},
            "identity_pool": null, "oauth": null
        }))
        .unwrap()
    }

    fn sign_in(op: u64) -> Input {
        Input {
            at: Timestamp::new(op * 10, 1_700_000_000_000),
            event: Event::Command {
                op: OperationId(op),
                call: ApiCall::SignIn {
                    username: "alice".to_owned(),
                    password: Some(Secret::new("hunter2".to_owned())),
                    flow: None,
                    preferred_challenge: None,
                    client_metadata: Default::default(),
                },
            },
        }
    }

    #[test]
    fn written_logs_read_back_identically() {
        let mut seed = [0u8; 32];
        seed[0] = 0xab;
        seed[31] = 7;
        let header = LogHeader::new(config(), seed);
        let mut w = EventLogWriter::new(Vec::new(), &header).unwrap();
        w.append(&sign_in(1)).unwrap();
        w.append(&sign_in(2)).unwrap();
        let bytes = w.into_inner().unwrap();
        assert_eq!(bytes.iter().filter(|b| **b == b'\n').count(), 3);
        let log = read_log(bytes.as_slice()).unwrap();
        assert_eq!(log.header, header);
        assert_eq!(log.inputs, vec![sign_in(1), sign_in(2)]);
    }

    #[test]
    fn the_log_keeps_secrets_in_clear_and_reads_back_equal() {
        let config: Config = serde_json::from_value(serde_json::json!({
            "user_pool": {"pool_id": "us-east-1_P", "app_client_id": "c",
                          "app_client_secret": "client-s3cret", "region": "us-east-1"},
            "identity_pool": null, "oauth": null
        }))
        .unwrap();
        let header = LogHeader::new(config, [3; 32]);
        let mut w = EventLogWriter::new(Vec::new(), &header).unwrap();
        w.append(&sign_in(1)).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert!(text.contains("client-s3cret"), "{text}");
        assert!(text.contains("hunter2"), "{text}");
        assert!(!text.contains("[redacted]"), "{text}");
        let log = read_log(text.as_bytes()).unwrap();
        assert_eq!(log.header, header);
        assert_eq!(log.inputs, vec![sign_in(1)]);
        // Outside the writer the same input is redacted.
        let outside = serde_json::to_string(&sign_in(1)).unwrap();
        assert!(!outside.contains("hunter2"), "{outside}");
    }

    #[test]
    fn bad_lines_are_reported_by_number_without_contents() {
        let header = LogHeader::new(config(), [1; 32]);
        let mut w = EventLogWriter::new(Vec::new(), &header).unwrap();
        w.append(&sign_in(1)).unwrap();
        let mut bytes = w.into_inner().unwrap();
        bytes.extend_from_slice(
            br#"{"at":{"mono_ms":1,"unix_ms":2},"event":{"type":"Nope","password":"hunter2"}}"#,
        );
        let err = read_log(bytes.as_slice()).unwrap_err();
        assert!(
            matches!(err, ReplayError::BadInput { line: 3, .. }),
            "{err:?}"
        );
        assert!(!err.to_string().contains("hunter2"));
        assert!(matches!(read_log(&b""[..]), Err(ReplayError::Empty)));
        assert!(matches!(
            read_log(&br#"{"format":"x","version":1}"#[..]),
            Err(ReplayError::BadHeader(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn log_files_are_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let w = EventLogWriter::create(&path, &LogHeader::new(config(), [0; 32])).unwrap();
        drop(w);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let log = read_log(io::BufReader::new(std::fs::File::open(&path).unwrap())).unwrap();
        assert!(log.inputs.is_empty());
    }
}

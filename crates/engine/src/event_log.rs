//! The event log: every [`Input`] the driver feeds to the machine, as JSON lines, so a session
//! can be replayed without any network.
//!
//! Format (version 2):
//!
//! ```text
//! {"format":"cognito-auth-event-log","version":2,"config":{...},"seed":"<64 hex digits>"}
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
//! 0600 on unix (never through a symlink: `O_NOFOLLOW`), keep it out of bug reports unless it
//! comes from a test account.
//!
//! **Redacting mode** ([`LogOptions::redact`]) is for field reports: every secret is replaced by
//! a stable placeholder (`[redacted:<n>]`, the same secret always the same `n`), the header's
//! seed is zeros and `"redacted": true`, and each input line also carries `"decisions"`: what
//! the machine did with the input (user-state transitions, effect kinds and service operations,
//! timers, whether replies succeeded). Such a log still decodes with [`read_log`], but cannot be
//! replayed to the same outputs (the secrets and the seed are gone): the decisions are the
//! record.
//!
//! **Size cap** ([`LogOptions::max_bytes`]): when a file grows past it, it is renamed to
//! `<path>.1` (older ones shift to `.2`, ... up to [`LogOptions::keep`]; the oldest is
//! dropped) and a new file starts with the header again, so every file decodes on its own.
//! Only the first file replays from the start of the session.

use std::fs::OpenOptions;
use std::io::{self, BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use cognito_auth_machine::secret::expose_secrets_while;
use cognito_auth_machine::{Config, Input};
use serde::{Deserialize, Serialize};

/// The `format` value of the header line.
pub const FORMAT: &str = "cognito-auth-event-log";
/// The format version this build writes and reads.
///
/// Version 2: an SRP sign-in's `SRP_A` is the result of an SRP task the log records (a
/// `Completed` SRP result after the sign-in's command), no longer computed by the machine.
/// Version 1 logs of SRP sign-ins cannot replay on this machine, and are refused with
/// [`ReplayError::UnsupportedVersion`].
pub const VERSION: u32 = 2;

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
    /// Written in redacting mode: secrets are placeholders and the seed is zeros.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

impl LogHeader {
    /// A header for a machine created with `config` and `seed`.
    pub fn new(config: Config, seed: [u8; 32]) -> Self {
        Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            config,
            seed,
            redacted: false,
        }
    }
}

/// How a log file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogOptions {
    /// Replace secrets by stable placeholders and record the machine's decisions.
    pub redact: bool,
    /// Rotate the file once it is larger than this (`None`: no cap).
    pub max_bytes: Option<u64>,
    /// How many rotated files (`.1`, `.2`, ...) are kept.
    pub keep: u32,
}

impl Default for LogOptions {
    fn default() -> Self {
        Self {
            redact: false,
            max_bytes: None,
            keep: 3,
        }
    }
}

impl LogOptions {
    /// The defaults with `redact` set.
    pub fn redacting(mut self, redact: bool) -> Self {
        self.redact = redact;
        self
    }

    /// The defaults with a size cap of `max_bytes`, keeping `keep` rotated files.
    pub fn max_bytes(mut self, max_bytes: u64, keep: u32) -> Self {
        self.max_bytes = Some(max_bytes);
        self.keep = keep;
        self
    }
}

/// Rotation state: the file and how to wrap a freshly opened one.
struct Rotation<W> {
    path: PathBuf,
    max_bytes: u64,
    keep: u32,
    reopen: fn(std::fs::File) -> W,
}

/// Appends inputs to a log, one JSON line each, flushed after every line so a crash loses at
/// most the line being written.
pub struct EventLogWriter<W: Write> {
    out: BufWriter<W>,
    /// The header line as written, repeated at the top of every rotated file.
    header: Vec<u8>,
    /// Bytes in the current file.
    written: u64,
    rotation: Option<Rotation<W>>,
    redactor: Option<crate::redact::Redactor>,
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

    /// [`EventLogWriter::create`] with `options` (redaction, size cap).
    pub fn create_with(
        path: &Path,
        header: &LogHeader,
        options: LogOptions,
    ) -> Result<Self, LogError> {
        Self::open_with(path, header, options, |file| file)
    }
}

impl EventLogWriter<Box<dyn Write + Send>> {
    /// [`EventLogWriter::create_with`], boxed (the driver's writer type).
    pub(crate) fn create_boxed(
        path: &Path,
        header: &LogHeader,
        options: LogOptions,
    ) -> Result<Self, LogError> {
        Self::open_with(path, header, options, |file| Box::new(file))
    }
}

/// Creates or truncates `path` for writing, readable only by its owner. A symlink at `path` is
/// refused rather than followed (it could point the secrets anywhere).
pub(crate) fn open_private(path: &Path) -> Result<std::fs::File, LogError> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
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
        Self::with_options(out, header, false)
    }

    /// Writes the header to `out`; with `redact`, in redacting mode.
    pub fn with_options(out: W, header: &LogHeader, redact: bool) -> Result<Self, LogError> {
        let mut writer = Self {
            out: BufWriter::new(out),
            header: Vec::new(),
            written: 0,
            rotation: None,
            redactor: redact.then(crate::redact::Redactor::default),
        };
        let mut header = header.clone();
        if redact {
            header.redacted = true;
            header.seed = [0; 32];
        }
        let line = writer.encode(&header)?;
        writer.header.clone_from(&line);
        writer.write_line(&line)?;
        Ok(writer)
    }

    fn open_with(
        path: &Path,
        header: &LogHeader,
        options: LogOptions,
        reopen: fn(std::fs::File) -> W,
    ) -> Result<Self, LogError> {
        let mut writer = Self::with_options(reopen(open_private(path)?), header, options.redact)?;
        writer.rotation = options.max_bytes.map(|max_bytes| Rotation {
            path: path.to_path_buf(),
            max_bytes,
            keep: options.keep,
            reopen,
        });
        Ok(writer)
    }

    /// Whether this log redacts (the driver then records decisions with each input).
    pub fn is_redacting(&self) -> bool {
        self.redactor.is_some()
    }

    /// Appends one input.
    pub fn append(&mut self, input: &Input) -> Result<(), LogError> {
        let line = self.encode(input)?;
        self.write_line(&line)
    }

    /// Appends one input with what the machine decided on it (redacting mode; a full log
    /// replays the decisions instead).
    pub fn append_decided(
        &mut self,
        input: &Input,
        decisions: Vec<serde_json::Value>,
    ) -> Result<(), LogError> {
        #[derive(Serialize)]
        struct Decided<'a> {
            #[serde(flatten)]
            input: &'a Input,
            decisions: Vec<serde_json::Value>,
        }
        let line = self.encode(&Decided { input, decisions })?;
        self.write_line(&line)
    }

    /// One JSON line. A full log has its secrets in clear: replay needs the passwords, tokens
    /// and client secret the machine saw, and secrets serialise as `[redacted]` outside this
    /// opt-in. A redacting log has placeholders instead.
    fn encode<T: Serialize>(&mut self, value: &T) -> Result<Vec<u8>, LogError> {
        let encoded = match &mut self.redactor {
            Some(redactor) => redactor.redact(value).and_then(|v| serde_json::to_vec(&v)),
            None => expose_secrets_while(|| serde_json::to_vec(value)),
        };
        let mut line = encoded.map_err(|e| LogError::Encode(describe(&e)))?;
        line.push(b'\n');
        Ok(line)
    }

    fn write_line(&mut self, line: &[u8]) -> Result<(), LogError> {
        self.out.write_all(line).map_err(LogError::Io)?;
        self.out.flush().map_err(LogError::Io)?;
        self.written = self.written.saturating_add(line.len() as u64);
        let full = self
            .rotation
            .as_ref()
            .is_some_and(|r| self.written > r.max_bytes);
        if full {
            self.rotate()
        } else {
            Ok(())
        }
    }

    /// Shifts `<path>.<n>` to `.<n+1>` (the oldest falls off), moves the full file to `.1`, and
    /// starts a new file with the header.
    fn rotate(&mut self) -> Result<(), LogError> {
        let Some(r) = &self.rotation else {
            return Ok(());
        };
        let numbered = |n: u32| {
            let mut name = r.path.as_os_str().to_owned();
            name.push(format!(".{n}"));
            PathBuf::from(name)
        };
        if r.keep == 0 {
            let _ = std::fs::remove_file(&r.path);
        } else {
            for n in (1..r.keep).rev() {
                match std::fs::rename(numbered(n), numbered(n + 1)) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(LogError::Io(e)),
                    _ => {}
                }
            }
            std::fs::rename(&r.path, numbered(1)).map_err(LogError::Io)?;
        }
        let file = (r.reopen)(open_private(&r.path)?);
        // The old file is flushed (every line is) and closed here.
        self.out = BufWriter::new(file);
        self.written = 0;
        let header = std::mem::take(&mut self.header);
        let result = self
            .out
            .write_all(&header)
            .and_then(|()| self.out.flush())
            .map_err(LogError::Io);
        self.written = header.len() as u64;
        self.header = header;
        result
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
    /// The log was written in another format version (version 1: before SRP_A was an SRP
    /// task's recorded result); this build reads only [`VERSION`].
    #[error("line 1: log version {found} is not supported (this build reads {supported})")]
    UnsupportedVersion {
        /// The header's version.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
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
        return Err(ReplayError::UnsupportedVersion {
            found: header.version,
            supported: VERSION,
        });
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

    #[test]
    fn a_version_1_log_is_refused_with_its_version() {
        let mut header = serde_json::to_value(LogHeader::new(config(), [1; 32])).unwrap();
        header["version"] = 1.into();
        let mut bytes = serde_json::to_vec(&header).unwrap();
        bytes.push(b'\n');
        let err = read_log(bytes.as_slice()).unwrap_err();
        assert!(
            matches!(
                err,
                ReplayError::UnsupportedVersion {
                    found: 1,
                    supported: VERSION
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "line 1: log version 1 is not supported (this build reads 2)"
        );
        // The version this build writes reads back.
        let current = serde_json::to_vec(&LogHeader::new(config(), [1; 32])).unwrap();
        assert!(read_log(current.as_slice()).is_ok());
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

    fn secret_config() -> Config {
        serde_json::from_value(serde_json::json!({
            "user_pool": {"pool_id": "us-east-1_P", "app_client_id": "c",
                          "app_client_secret": "client-s3cret", "region": "us-east-1"},
            "identity_pool": null, "oauth": null
        }))
        .unwrap()
    }

    /// A sign-in with another secret.
    fn other_secret(op: u64) -> Input {
        let mut input = sign_in(op);
        if let Event::Command {
            call: ApiCall::SignIn { password, .. },
            ..
        } = &mut input.event
        {
            *password = Some(Secret::new("refresh-tok3n".to_owned()));
        }
        input
    }

    #[test]
    fn a_redacted_log_holds_no_secret_keeps_decisions_and_still_decodes() {
        let header = LogHeader::new(secret_config(), [0xab; 32]);
        let mut w = EventLogWriter::with_options(Vec::new(), &header, true).unwrap();
        assert!(w.is_redacting());
        w.append_decided(
            &sign_in(1),
            vec![serde_json::json!({"type": "Effect", "kind": "Srp"})],
        )
        .unwrap();
        w.append_decided(&sign_in(2), vec![]).unwrap();
        w.append_decided(&other_secret(3), vec![]).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        for secret in [
            "hunter2",
            "client-s3cret",
            "refresh-tok3n",
            &"ab".repeat(32),
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        // The same password twice is the same placeholder; another secret another one.
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains("[redacted:1]"), "{}", lines[0]);
        assert!(lines[1].contains("[redacted:2]"), "{}", lines[1]);
        assert!(lines[2].contains("[redacted:2]"), "{}", lines[2]);
        assert!(lines[3].contains("[redacted:3]"), "{}", lines[3]);
        assert!(
            lines[1].contains(r#""decisions":[{"kind":"Srp","type":"Effect"}]"#)
                || lines[1].contains(r#""decisions":[{"type":"Effect","kind":"Srp"}]"#),
            "{}",
            lines[1]
        );
        let log = read_log(text.as_bytes()).unwrap();
        assert!(log.header.redacted);
        assert_eq!(log.header.seed, [0; 32]);
        assert_eq!(log.inputs.len(), 3);
        let Event::Command {
            call: ApiCall::SignIn { password, .. },
            ..
        } = &log.inputs[0].event
        else {
            panic!("{:?}", log.inputs[0]);
        };
        assert_eq!(password.as_ref().unwrap().expose(), "[redacted:2]");
    }

    #[test]
    fn a_capped_log_rotates_and_every_file_decodes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let header = LogHeader::new(config(), [1; 32]);
        let options = LogOptions::default().max_bytes(1000, 2);
        let mut w = EventLogWriter::create_with(&path, &header, options).unwrap();
        for op in 1..=40 {
            w.append(&sign_in(op)).unwrap();
        }
        drop(w);
        let mut inputs = 0;
        for name in ["events.jsonl", "events.jsonl.1", "events.jsonl.2"] {
            let file = dir.path().join(name);
            assert!(
                std::fs::metadata(&file).unwrap().len() <= 1000 + 400,
                "{name}"
            );
            let log = read_log(io::BufReader::new(std::fs::File::open(&file).unwrap())).unwrap();
            assert_eq!(log.header, header, "{name}");
            inputs += log.inputs.len();
        }
        assert!(!dir.path().join("events.jsonl.3").exists(), "keeps 2");
        assert!(inputs < 40, "the oldest rotated file was dropped");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_log_path_is_refused_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, b"keep").unwrap();
        let link = dir.path().join("events.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = EventLogWriter::create(&link, &LogHeader::new(config(), [0; 32]));
        assert!(matches!(err, Err(LogError::Io(_))), "followed the symlink");
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    }
}

//! Printing: the [`Reporter`] every command writes its lines through, and the small formatters
//! that show tokens, credentials and states without their secrets.

use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use cognito_auth::UserState;

/// Where a command's lines go: stdout (unless quiet) and an in-memory transcript.
///
/// Clones share the transcript, so the state-change printer task and the main flow write to
/// the same place, in the order they happen.
#[derive(Debug, Clone, Default)]
pub struct Reporter {
    transcript: Arc<Mutex<Vec<String>>>,
    quiet: bool,
}

impl Reporter {
    /// Prints to stdout and keeps a transcript.
    pub fn stdout() -> Self {
        Self::default()
    }

    /// Keeps a transcript only (tests).
    pub fn quiet() -> Self {
        Self {
            quiet: true,
            ..Self::default()
        }
    }

    /// Writes one line.
    pub fn line(&self, text: impl Into<String>) {
        let text = text.into();
        if !self.quiet {
            let mut out = std::io::stdout().lock();
            // A closed stdout (`| head`) must not abort the demo: the transcript still has it.
            let _ = writeln!(out, "{text}");
            let _ = out.flush();
        }
        self.transcript
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(text);
    }

    /// Everything written so far, one line each.
    pub fn transcript(&self) -> String {
        let lines = self
            .transcript
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }
}

/// The state's name as Amplify spells it (`signedIn`, `signedOutUserPoolsTokenInvalid`, ...).
pub fn state_name(state: UserState) -> &'static str {
    match state {
        UserState::Unknown => "unknown",
        UserState::SignedOut => "signedOut",
        UserState::Guest => "guest",
        UserState::SignedIn => "signedIn",
        UserState::Federated => "federated",
        UserState::SignedOutUserPoolsTokenInvalid => "signedOutUserPoolsTokenInvalid",
        UserState::SignedOutFederatedTokensInvalid => "signedOutFederatedTokensInvalid",
    }
}

/// `2026-11-23T17:46:41Z` for a Unix time in seconds (UTC, proleptic Gregorian).
pub fn utc(unix_s: i64) -> String {
    // Days to civil date, after Howard Hinnant's `civil_from_days`.
    let days = unix_s.div_euclid(86_400);
    let secs = unix_s.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

/// `2026-11-23T17:46:41Z (in 59m58s)` relative to `now_s`.
pub fn expiry(at_s: i64, now_s: i64) -> String {
    let left = at_s - now_s;
    let relative = if left >= 0 {
        format!("in {}m{:02}s", left / 60, left % 60)
    } else {
        format!("{}m{:02}s ago", -left / 60, -left % 60)
    };
    format!("{} ({relative})", utc(at_s))
}

/// An identity id cut short (`us-east-1:0f3a9c1e…`): enough to tell two apart.
pub fn short_id(identity_id: &str) -> String {
    const KEEP: usize = 18;
    match identity_id.char_indices().nth(KEEP) {
        Some((cut, _)) => format!("{}…", &identity_id[..cut]),
        None => identity_id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn expiry_is_relative_to_now() {
        assert_eq!(expiry(3_600, 1), "1970-01-01T01:00:00Z (in 59m59s)");
        assert_eq!(expiry(0, 90), "1970-01-01T00:00:00Z (1m30s ago)");
    }

    #[test]
    fn identity_ids_are_shortened() {
        assert_eq!(
            short_id("us-east-1:00000000-0000-4000-8000-000000000001"),
            "us-east-1:00000000…"
        );
        assert_eq!(short_id("short"), "short");
    }

    #[test]
    fn the_transcript_keeps_lines_in_order() {
        let r = Reporter::quiet();
        r.line("a");
        r.clone().line("b");
        assert_eq!(r.transcript(), "a\nb\n");
    }
}

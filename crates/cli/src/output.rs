//! What a command prints on stdout: one JSON document with `--json`, human text otherwise.

use std::io::Write as _;

/// A command's result in both forms.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Report {
    pub(crate) json: serde_json::Value,
    pub(crate) text: String,
    /// Print `text` even with `--json` (an explicit output format was asked for).
    pub(crate) always_text: bool,
}

impl Report {
    pub(crate) fn new(json: serde_json::Value, text: impl Into<String>) -> Self {
        Self {
            json,
            text: text.into(),
            always_text: false,
        }
    }

    /// Exactly this text, whatever `--json` says.
    pub(crate) fn text_only(text: String) -> Self {
        Self {
            json: serde_json::Value::Null,
            text,
            always_text: true,
        }
    }

    /// Nothing more to print (the command printed as it went).
    pub(crate) fn nothing() -> Self {
        Self::text_only(String::new())
    }
}

/// Prints `report` in the chosen form. A closed stdout (`| head`) is not an error.
pub(crate) fn print(report: &Report, json: bool) {
    let mut out = std::io::stdout().lock();
    if json && !report.always_text {
        let _ = writeln!(out, "{}", report.json);
    } else if !report.text.is_empty() {
        let text = report.text.trim_end_matches('\n');
        let _ = writeln!(out, "{text}");
    }
    let _ = out.flush();
}

/// Prints one line now (for `watch`, whose output streams).
pub(crate) fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// Unix seconds as RFC 3339 UTC (`2026-12-01T20:57:17Z`).
pub(crate) fn rfc3339(unix_s: i64) -> String {
    let days = unix_s.div_euclid(86_400);
    let secs = unix_s.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_764_622_637), "2025-12-01T20:57:17Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }
}

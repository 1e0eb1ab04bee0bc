//! Time as the core sees it: an injected instant, never the system clock.

use serde::{Deserialize, Serialize};

/// A point in time: milliseconds since the Unix epoch, supplied by whoever drives the core.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct UnixMillis(pub u64);

impl UnixMillis {
    /// From whole seconds.
    pub fn from_secs(secs: u64) -> Self {
        Self(secs.saturating_mul(1000))
    }

    /// Whole seconds since the epoch.
    pub fn secs(self) -> u64 {
        self.0 / 1000
    }

    /// Seconds since the epoch as a JSON 1.1 timestamp (a number).
    pub fn epoch_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// This instant plus `secs` seconds.
    pub fn plus_secs(self, secs: u64) -> Self {
        Self(self.0.saturating_add(secs.saturating_mul(1000)))
    }
}

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 to (year, month 1..=12, day 1..=31), after Howard Hinnant's
/// `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The SRP `TIMESTAMP` format Cognito's clients send: `Mon Nov 3 15:04:05 UTC 2026`
/// (day of month not padded).
pub fn srp_timestamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {}",
        DAYS[(days.rem_euclid(7)) as usize],
        MONTHS[(m - 1) as usize],
        d,
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        y
    )
}

/// Parses an SRP `TIMESTAMP` back to epoch seconds; `None` if it is not in Cognito's format.
pub fn parse_srp_timestamp(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, mon, day, hms, zone, year] = parts.as_slice() else {
        return None;
    };
    if *zone != "UTC" {
        return None;
    }
    let m = MONTHS.iter().position(|x| x == mon)? as u32 + 1;
    let d: u32 = day.parse().ok()?;
    let y: i64 = year.parse().ok()?;
    let mut t = hms.split(':').map(|p| p.parse::<u64>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    // The year is the client's to choose: bound it so the arithmetic below cannot overflow.
    if !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 || !(1970..=9999).contains(&y) {
        return None;
    }
    let days = u64::try_from(days_from_civil(y, m, d)).ok()?;
    days.checked_mul(86_400)?
        .checked_add(hh * 3600 + mm * 60 + ss)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_a_known_instant() {
        // 2026-11-23 15:32:12 UTC was a Monday.
        let secs = 1_795_447_932;
        let s = srp_timestamp(secs);
        assert_eq!(s, "Mon Nov 23 15:32:12 UTC 2026");
        assert_eq!(parse_srp_timestamp(&s), Some(secs));
        assert_eq!(
            parse_srp_timestamp("Tue Feb 3 01:02:03 UTC 2026")
                .map(srp_timestamp)
                .as_deref(),
            Some("Tue Feb 3 01:02:03 UTC 2026")
        );
        assert_eq!(parse_srp_timestamp("garbage"), None);
    }

    #[test]
    fn absurd_years_are_refused_not_overflowed() {
        for year in [
            "9223372036854775807",
            "-9223372036854775808",
            "99999999999",
            "1969",
            "10000",
        ] {
            let ts = format!("Mon Nov 23 15:32:12 UTC {year}");
            assert_eq!(parse_srp_timestamp(&ts), None, "{ts}");
        }
        assert!(parse_srp_timestamp("Fri Dec 31 23:59:59 UTC 9999").is_some());
    }
}

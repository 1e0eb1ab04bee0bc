//! Cognito's claim timestamp, `"Tue Nov 3 09:05:07 UTC 2026"`: English weekday and month
//! abbreviations, day of month without zero padding, zero-padded 24-hour time, the literal `UTC`,
//! and the year. Formatted from caller-supplied unix seconds: this crate never reads a clock.

use crate::SrpError;

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Seconds from 1970-01-01 to 0001-01-01 and to 10000-01-01.
const MIN_UNIX: i64 = -62_135_596_800;
const MAX_UNIX_EXCLUSIVE: i64 = 253_402_300_800;

/// Formats unix seconds (UTC) the way Cognito expects in the `TIMESTAMP` challenge response,
/// for example `cognito_timestamp(1_793_696_707)` is `"Tue Nov 3 09:05:07 UTC 2026"`.
///
/// # Errors
/// [`SrpError::TimestampOutOfRange`] outside the years 1..=9999.
pub fn cognito_timestamp(unix_secs: i64) -> Result<String, SrpError> {
    if !(MIN_UNIX..MAX_UNIX_EXCLUSIVE).contains(&unix_secs) {
        return Err(SrpError::TimestampOutOfRange);
    }
    let days = unix_secs.div_euclid(86_400);
    let secs_of_day = unix_secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday, the first entry of WEEKDAYS.
    let weekday = WEEKDAYS[days.rem_euclid(7) as usize];
    let month_name = MONTHS[(month - 1) as usize];
    Ok(format!(
        "{weekday} {month_name} {day} {:02}:{:02}:{:02} UTC {year}",
        secs_of_day / 3600,
        (secs_of_day / 60) % 60,
        secs_of_day % 60,
    ))
}

/// Proleptic Gregorian (year, month 1..=12, day 1..=31) of a day count since 1970-01-01.
///
/// Works in 400-year eras (146,097 days each) counted from 0000-03-01, so that the leap day is
/// the last day of its "year" and month lengths follow a simple linear formula.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // 0..=146096
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // 0 = March .. 11 = February
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_cognito() {
        assert_eq!(cognito_timestamp(0).unwrap(), "Thu Jan 1 00:00:00 UTC 1970");
        assert_eq!(
            cognito_timestamp(1_793_696_707).unwrap(),
            "Tue Nov 3 09:05:07 UTC 2026"
        );
        // Leap day and the day after.
        assert_eq!(
            cognito_timestamp(951_782_400).unwrap(),
            "Tue Feb 29 00:00:00 UTC 2000"
        );
        assert_eq!(
            cognito_timestamp(951_868_799).unwrap(),
            "Tue Feb 29 23:59:59 UTC 2000"
        );
        assert_eq!(
            cognito_timestamp(951_868_800).unwrap(),
            "Wed Mar 1 00:00:00 UTC 2000"
        );
        // Before the epoch.
        assert_eq!(
            cognito_timestamp(-1).unwrap(),
            "Wed Dec 31 23:59:59 UTC 1969"
        );
    }

    #[test]
    fn range_ends() {
        assert_eq!(
            cognito_timestamp(MIN_UNIX).unwrap(),
            "Mon Jan 1 00:00:00 UTC 1"
        );
        assert_eq!(
            cognito_timestamp(MAX_UNIX_EXCLUSIVE - 1).unwrap(),
            "Fri Dec 31 23:59:59 UTC 9999"
        );
        assert_eq!(
            cognito_timestamp(MIN_UNIX - 1),
            Err(SrpError::TimestampOutOfRange)
        );
        assert_eq!(
            cognito_timestamp(MAX_UNIX_EXCLUSIVE),
            Err(SrpError::TimestampOutOfRange)
        );
        assert_eq!(
            cognito_timestamp(i64::MIN),
            Err(SrpError::TimestampOutOfRange)
        );
    }
}

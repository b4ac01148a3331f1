//! Dates: the IMF-fixdate of `Date` and `Last-Modified` (RFC 9110 5.6.7),
//! cached once per second, its parser for `If-Modified-Since`, and the
//! ISO-8601 time of `/time`; from `SystemTime` alone, no date crate.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

/// The length of an IMF-fixdate: `Sun, 22 Nov 2026 02:43:00 GMT`.
pub const IMF_LEN: usize = 29;

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

thread_local! {
    /// The `Date` value of the current second, with that second: formatted
    /// once a second per worker thread, not once per response.
    static DATE: RefCell<(u64, [u8; IMF_LEN])> = const { RefCell::new((u64::MAX, [0; IMF_LEN])) };
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Appends the `Date` value for now, from the per-second cache.
pub fn push_date(out: &mut Vec<u8>) {
    let now = unix_now();
    DATE.with_borrow_mut(|(second, text)| {
        if *second != now {
            *second = now;
            text.copy_from_slice(imf_fixdate(now).as_bytes());
        }
        out.extend_from_slice(text);
    });
}

/// Seconds since the Unix epoch (UTC) as an IMF-fixdate.
pub fn imf_fixdate(secs: u64) -> String {
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    // 1970-01-01 was a Thursday.
    let weekday = DAYS[((days + 4) % 7) as usize];
    let (hour, minute, second) = (rest / 3600, rest % 3600 / 60, rest % 60);
    let month = MONTHS[month as usize - 1];
    format!("{weekday}, {day:02} {month} {year:04} {hour:02}:{minute:02}:{second:02} GMT")
}

/// Parses an IMF-fixdate back to seconds since the epoch; `None` for any
/// other form (the obsolete RFC 850 and asctime forms are not accepted, so
/// such an `If-Modified-Since` is ignored, as RFC 9110 allows).
pub fn parse_imf_fixdate(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() != IMF_LEN || &b[3..5] != b", " || !text.ends_with(" GMT") {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u64> {
        let digits = text.get(range)?;
        digits.bytes().all(|c| c.is_ascii_digit()).then(|| digits.parse().ok())?
    };
    let day = num(5..7)?;
    let month = MONTHS.iter().position(|m| text.get(8..11) == Some(*m))? as u32 + 1;
    let year = num(12..16)? as i64;
    let (hour, minute, second) = (num(17..19)?, num(20..22)?, num(23..25)?);
    if b[11] != b' ' || b[16] != b' ' || b[19] != b':' || b[22] != b':' {
        return None;
    }
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 || year < 1970 {
        return None;
    }
    let days = days_from_civil(year, month, day as u32) as u64;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Now, in UTC, as `2026-11-22T01:50:21.123Z`.
pub fn iso8601_now() -> String {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since_epoch.as_secs();
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let rest = secs % 86_400;
    let (hour, minute, second) = (rest / 3600, rest % 3600 / 60, rest % 60);
    let millis = since_epoch.subsec_millis();
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z")
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar: count 400-year eras from 0000-03-01, so the leap day falls at
/// the end of each counted year (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month as u32, day)
}

/// The inverse of `civil_from_days` (Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_imf_fixdates() {
        assert_eq!(imf_fixdate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(imf_fixdate(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(imf_fixdate(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(imf_fixdate(1_795_315_380), "Sun, 22 Nov 2026 02:43:00 GMT");
    }

    #[test]
    fn parses_what_it_formats() {
        for secs in [0, 784_111_777, 951_782_400, 1_795_315_380, 4_102_444_799] {
            assert_eq!(parse_imf_fixdate(&imf_fixdate(secs)), Some(secs));
        }
        assert_eq!(parse_imf_fixdate("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_imf_fixdate("Sun Nov  6 08:49:37 1994"), None);
        assert_eq!(parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 UTC"), None);
        assert_eq!(parse_imf_fixdate("Sun, 06 Xyz 1994 08:49:37 GMT"), None);
    }

    #[test]
    fn the_date_cache_gives_a_whole_date() {
        let mut out = Vec::new();
        push_date(&mut out);
        push_date(&mut out);
        assert_eq!(out.len(), 2 * IMF_LEN);
        assert!(out.ends_with(b" GMT"));
    }
}

//! Dates: the IMF-fixdate of `Date` and `Last-Modified` (RFC 9110 5.6.7)
//! through `httpdate` (hyper's), `Date` formatted once per second, and the
//! local time of `/time` through jiff (the zone of `TZ`, else the system's).

use std::cell::RefCell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

thread_local! {
    /// The `Date` value of the current second, with that second: formatted
    /// once a second per worker thread, not once per response.
    static DATE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
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
            *text = imf_fixdate(now);
        }
        out.extend_from_slice(text.as_bytes());
    });
}

/// Seconds since the Unix epoch (UTC) as an IMF-fixdate:
/// `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn imf_fixdate(secs: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs))
}

/// Parses an HTTP date back to seconds since the epoch: the IMF-fixdate,
/// and the obsolete RFC 850 and asctime forms, which RFC 9110 5.6.7 says a
/// recipient must accept; `None` for anything else (such an
/// `If-Modified-Since` is ignored).
pub fn parse_http_date(text: &str) -> Option<u64> {
    let time = httpdate::parse_http_date(text).ok()?;
    time.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// Now, in the server's local time, as `2026-12-03T11:13:38.595+03:00`.
pub fn local_now() -> String {
    jiff::Zoned::now().strftime("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
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
    fn parses_every_http_date_form() {
        for secs in [0, 784_111_777, 951_782_400, 1_795_315_380, 4_102_444_799] {
            assert_eq!(parse_http_date(&imf_fixdate(secs)), Some(secs));
        }
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(784_111_777));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), None);
        assert_eq!(parse_http_date("Sun, 06 Xyz 1994 08:49:37 GMT"), None);
    }

    #[test]
    fn the_date_cache_gives_a_whole_date() {
        let mut out = Vec::new();
        push_date(&mut out);
        push_date(&mut out);
        assert_eq!(out.len(), 2 * "Sun, 06 Nov 1994 08:49:37 GMT".len());
        assert!(out.ends_with(b" GMT"));
    }
}

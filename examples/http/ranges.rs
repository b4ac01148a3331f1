//! The `Range` request header (RFC 9110 section 14.2): which bytes of a
//! file a request asks for. Only a single range is served; several ranges,
//! or a header that does not parse, mean the whole file (which RFC 9110
//! allows), and a range wholly past the end is `416`.

/// What a `Range` header asks of a file of a given length.
#[derive(Debug, PartialEq, Eq)]
pub enum Range {
    /// No usable single range: send the whole file (also for several ranges
    /// and for a header that does not parse, which RFC 9110 says to ignore).
    Whole,
    /// Bytes `first..=last`, already clamped to the file.
    Part(u64, u64),
    /// Well-formed, but no byte of it is in the file: `416`.
    Unsatisfiable,
}

/// Parses `bytes=a-b`, `bytes=a-` or `bytes=-n` against a length.
pub fn parse_range(header: &str, len: u64) -> Range {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Range::Whole;
    };
    // Digits past u64::MAX are still a number: a position beyond any file,
    // so a last-byte-pos "to the end" and a first-byte-pos past it (RFC
    // 9110 14.1.2), never a header to ignore.
    let number = |s: &str| -> Option<u64> {
        let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        digits.then(|| s.parse().unwrap_or(u64::MAX))
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // `-n`: the last n bytes.
        return match number(last) {
            None => Range::Whole,
            Some(0) => Range::Unsatisfiable,
            Some(_) if len == 0 => Range::Unsatisfiable,
            Some(suffix) => Range::Part(len - suffix.min(len), len - 1),
        };
    }
    let Some(first) = number(first) else {
        return Range::Whole;
    };
    let last = match last {
        "" => u64::MAX,
        last => match number(last) {
            Some(last) => last,
            None => return Range::Whole,
        },
    };
    if last < first {
        Range::Whole // invalid, so ignored
    } else if first >= len {
        Range::Unsatisfiable
    } else {
        Range::Part(first, last.min(len - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-99", 1000), Range::Part(0, 99));
        assert_eq!(parse_range("bytes=900-", 1000), Range::Part(900, 999));
        assert_eq!(parse_range("bytes=-100", 1000), Range::Part(900, 999));
        assert_eq!(parse_range("bytes=-5000", 1000), Range::Part(0, 999));
        assert_eq!(parse_range("bytes=990-2000", 1000), Range::Part(990, 999));
        assert_eq!(parse_range("bytes=1000-", 1000), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=2000-3000", 1000), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 1000), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-9", 1000), Range::Whole);
        assert_eq!(parse_range("bytes=9-5", 1000), Range::Whole);
        assert_eq!(parse_range("bytes=a-b", 1000), Range::Whole);
        assert_eq!(parse_range("items=0-5", 1000), Range::Whole);
    }

    /// One rule for positions past u64::MAX: the number is huge, not
    /// malformed (it was ignored, a 200, while u64::MAX itself was a 206).
    #[test]
    fn positions_too_large_for_u64_are_past_the_end() {
        let max = "18446744073709551615";
        let over = "99999999999999999999";
        assert_eq!(parse_range(&format!("bytes=0-{max}"), 1000), Range::Part(0, 999));
        assert_eq!(parse_range(&format!("bytes=0-{over}"), 1000), Range::Part(0, 999));
        assert_eq!(parse_range(&format!("bytes=-{over}"), 1000), Range::Part(0, 999));
        assert_eq!(parse_range(&format!("bytes={over}-"), 1000), Range::Unsatisfiable);
        assert_eq!(parse_range(&format!("bytes={over}-{over}"), 1000), Range::Unsatisfiable);
    }
}

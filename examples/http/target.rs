//! The request target: split into path and query (origin and absolute
//! forms), percent-decoded, made a path relative to the root, and escaped
//! again for a `Location` or a log line. Pure functions on strings, with
//! no dependency on the rest of the server, so a fuzzer can call them: a
//! decoded path must never lead out of the root.

use std::path::PathBuf;

/// Splits a request target into its decoded path and its query; the
/// fragment, if a client sent one, is dropped. Accepts the origin form
/// (`/a?b`), the absolute form (`http://host/a?b`) and `*`.
#[inline]
pub fn split_target(target: &str) -> Result<(String, Option<String>), u16> {
    let target = target.split_once('#').map_or(target, |(before, _fragment)| before);
    // The origin form (`/a?b`), which is nearly every request, skips the
    // search for a scheme.
    let scheme = if target.starts_with('/') { None } else { target.split_once("://") };
    let (target, absolute) = match scheme {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
        {
            (&rest[rest.find(['/', '?']).unwrap_or(rest.len())..], true)
        }
        _ => (target, false),
    };
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query.to_owned())),
        None => (target, None),
    };
    // `http://host` and `http://host?q` ask for `/`: in the absolute form an
    // empty path is `/` (RFC 9110 section 4.2.3).
    let path = if path.is_empty() && absolute { "/" } else { path };
    if !path.starts_with('/') && path != "*" {
        return Err(400);
    }
    Ok((percent_decode(path)?, query))
}

/// Decodes `%XX` escapes in a path. Invalid escapes, an encoded NUL, an
/// encoded `/` (which would let a segment hide a separator) and bytes that
/// are not UTF-8 are refused with 400.
#[inline]
pub fn percent_decode(path: &str) -> Result<String, u16> {
    if !path.contains('%') {
        return Ok(path.to_owned());
    }
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let high = bytes.get(i + 1).copied().and_then(hex);
        let low = bytes.get(i + 2).copied().and_then(hex);
        match (high, low) {
            (Some(high), Some(low)) if high != 0 || low != 0 => match high << 4 | low {
                b'/' => return Err(400),
                byte => out.push(byte),
            },
            _ => return Err(400),
        }
        i += 3;
    }
    String::from_utf8(out).map_err(|_| 400)
}

/// The decoded request path as a path relative to the root: empty and `.`
/// segments dropped, `..` refused (403).
pub fn relative_path(decoded: &str) -> Result<PathBuf, u16> {
    let mut relative = PathBuf::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Err(403),
            _ => relative.push(segment),
        }
    }
    // `push` of an absolute path would replace the root; none can get here
    // (segments hold no `/`), and this says so.
    debug_assert!(relative.is_relative());
    Ok(relative)
}

/// Escapes what may not stand in a path as is (for `Location`, and the
/// access log): spaces, controls and non-ASCII bytes among them.
pub fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/a%20b/%C3%A9.html"), Ok("/a b/é.html".to_owned()));
        assert_eq!(percent_decode("/%2e%2E/x"), Ok("/../x".to_owned()));
        assert_eq!(percent_decode("/plain+path"), Ok("/plain+path".to_owned()));
        for bad in ["/%", "/%4", "/%zz", "/a%00b", "/a%2fb", "/a%2Fb", "/%ff"] {
            assert_eq!(percent_decode(bad), Err(400), "{bad}");
        }
    }

    #[test]
    fn targets_split_into_path_and_query() {
        assert_eq!(split_target("/a/b?x=1#top"), Ok(("/a/b".into(), Some("x=1".into()))));
        assert_eq!(split_target("http://host:80/p?q"), Ok(("/p".into(), Some("q".into()))));
        assert_eq!(split_target("http://host"), Ok(("/".into(), None)));
        assert_eq!(split_target("http://host?q"), Ok(("/".into(), Some("q".into()))));
        assert_eq!(split_target("?q"), Err(400));
        assert_eq!(split_target("etc/passwd"), Err(400));
    }

    #[test]
    fn paths_stay_under_the_root() {
        assert_eq!(relative_path("/a/./b//c.html"), Ok(PathBuf::from("a/b/c.html")));
        assert_eq!(relative_path("/"), Ok(PathBuf::new()));
        assert_eq!(relative_path("/../etc/passwd"), Err(403));
        assert_eq!(relative_path("/a/../../b"), Err(403));
        assert_eq!(relative_path("/a/.."), Err(403));
        assert_eq!(relative_path("/..."), Ok(PathBuf::from("...")));
    }

    #[test]
    fn locations_are_escaped() {
        assert_eq!(percent_encode("/a b/é"), "/a%20b/%C3%A9");
    }
}

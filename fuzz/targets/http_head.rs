//! `http_head`: a request head, parsed as the server does (httparse, then
//! the framing, `Host` and version rules of `parse.rs`).
//!
//! Properties: no panic; a head that parses is at most `HEAD_LIMIT` bytes
//! and parses the same from its own bytes alone; HTTP/1.1 carries exactly
//! one `Host`; a body length never exceeds the limit; `Content-Length` and
//! `Transfer-Encoding` never both frame a body; the path is decoded and
//! absolute (or `*`).

use super::http::parse::{Framing, HEAD_LIMIT, parse_head};

const MAX_BODY: u64 = 1 << 20;

pub fn run(data: &[u8]) {
    let peer = "127.0.0.1:1".parse().expect("an address");
    let Ok(Some((head, length))) = parse_head(data, peer, MAX_BODY) else {
        return;
    };
    assert!(length <= data.len() && length <= HEAD_LIMIT);
    let again = parse_head(&data[..length], peer, MAX_BODY);
    let (same, same_length) = again.expect("its own bytes parse").expect("and are whole");
    assert_eq!(same_length, length);
    assert_eq!(format!("{:?}", same.request), format!("{:?}", head.request));
    let request = &head.request;
    let count =
        |name: &str| request.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).count();
    if request.version == 1 {
        assert_eq!(count("host"), 1, "HTTP/1.1 has one Host");
    }
    let lengths = count("content-length");
    let codings = count("transfer-encoding");
    match head.framing {
        Ok(Framing::Length(n)) => assert!(n > 0 && n <= MAX_BODY && codings == 0),
        Ok(Framing::Chunked) => assert!(lengths == 0 && request.version == 1),
        Ok(Framing::None) => assert!(codings == 0),
        Err(status) => assert!([400, 411, 413, 501].contains(&status), "{status}"),
    }
    assert!(request.path.starts_with('/') || request.path == "*", "{:?}", request.path);
    assert!(!request.path.contains('\0'));
}

//! Parsing a request head with httparse, and the rules on top of it: the
//! head and header-count limits, `Host`, the version, and how the body is
//! framed (`Content-Length` or chunked). The target is split in `target`.
//!
//! Everything here is synchronous and works on bytes already read; the
//! connection (`conn`, `input`) does the reading and the waiting.

use std::borrow::Cow;
use std::mem::MaybeUninit;
use std::net::SocketAddr;

use super::headers::Headers;
use super::target::split_target;

/// The longest request head (request line and headers), in bytes.
pub const HEAD_LIMIT: usize = 8 * 1024;

/// The most headers a request may have.
pub const MAX_HEADERS: usize = 100;

/// A request as a handler sees it, body included.
// Not every field is read by the shipped handlers; they are there for yours.
#[allow(dead_code)]
#[derive(Debug)]
pub struct Request {
    /// `GET`, `POST`, ... as sent (methods are case-sensitive); the common
    /// ones borrowed, so they cost no allocation.
    pub method: Cow<'static, str>,
    /// The path, percent-decoded, without the query: `/a b.html`.
    pub path: String,
    /// The query after `?`, as sent (not decoded), if any.
    pub query: Option<String>,
    /// The minor version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub version: u8,
    /// Every header in order, names as sent; see [`Request::header`].
    pub headers: Headers,
    /// The body, decoded from chunks if it came chunked; empty if none.
    pub body: Vec<u8>,
    /// The client's address.
    pub peer: SocketAddr,
}

impl Request {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }
}

/// How the body after the head is delimited (RFC 9112 section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// A parsed head: the request (body still empty) and what the connection
/// needs to read the body and answer.
#[derive(Debug)]
pub struct Head {
    pub request: Request,
    /// How to read the body, or the error status to answer (and close)
    /// instead of reading it: 400, 411, 413, 501.
    pub framing: Result<Framing, u16>,
    /// The connection persists after this request (before shutdown).
    pub keep_alive: bool,
    /// `Expect: 100-continue` was sent.
    pub expect_continue: bool,
}

/// Parses the head at the start of `bytes`: `Ok(None)` if it is not all
/// there yet, `Ok(Some((head, length)))` once it is, or the status to answer
/// and close with (400, 431, 505). Leading blank lines must be gone already.
pub fn parse_head(
    bytes: &[u8],
    peer: SocketAddr,
    max_body: u64,
) -> Result<Option<(Head, usize)>, u16> {
    // Uninitialised slots: httparse writes those it uses, so a request
    // does not pay for clearing 101 of them first.
    let mut headers = [const { MaybeUninit::uninit() }; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut []);
    let length = match parsed.parse_with_uninit_headers(bytes, &mut headers) {
        Ok(httparse::Status::Complete(length)) if length <= HEAD_LIMIT => length,
        Ok(httparse::Status::Partial) if bytes.len() <= HEAD_LIMIT => return Ok(None),
        Ok(_) | Err(httparse::Error::TooManyHeaders) => return Err(431),
        Err(httparse::Error::Version) if names_another_version(bytes) => return Err(505),
        Err(_) => return Err(400),
    };
    let (method, target) = (parsed.method.unwrap_or(""), parsed.path.unwrap_or(""));
    let version = parsed.version.unwrap_or(1);
    let (path, query) = split_target(target)?;
    let mut rules = Rules::default();
    let bytes = parsed.headers.iter().map(|h| h.name.len() + h.value.len()).sum();
    let mut owned = Headers::with_capacity(parsed.headers.len(), bytes);
    for header in parsed.headers.iter() {
        let value = match std::str::from_utf8(header.value) {
            Ok(value) => Cow::Borrowed(value),
            Err(_) => String::from_utf8_lossy(header.value),
        };
        rules.see(header.name, &value);
        owned.push(header.name, &value);
    }
    // RFC 9112 section 3.2: an HTTP/1.1 request without Host, or any with
    // more than one, is a 400, whatever the target's form.
    if rules.hosts > 1 || (version == 1 && rules.hosts == 0) {
        return Err(400);
    }
    let keep_alive = if version == 1 { !rules.close } else { rules.keep_alive && !rules.close };
    let framing = rules.framing(method, version, max_body);
    let request = Request {
        method: method_name(method),
        path,
        query,
        version,
        headers: owned,
        body: Vec::new(),
        peer,
    };
    Ok(Some((
        Head { request, framing, keep_alive, expect_continue: rules.expect_continue },
        length,
    )))
}

/// `method` borrowed from a static string when it is one of the common
/// methods (every request of a browser or a load tool), else owned.
fn method_name(method: &str) -> Cow<'static, str> {
    const COMMON: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"];
    match COMMON.iter().find(|&&common| common == method) {
        Some(&common) => Cow::Borrowed(common),
        None => Cow::Owned(method.to_owned()),
    }
}

/// True if the request line is `METHOD TARGET HTTP/d.d`, three parts: a
/// well-formed version httparse does not speak (505). Anything else that
/// fails on the version, such as a raw space inside the target (which
/// makes four parts), is malformed (400).
fn names_another_version(bytes: &[u8]) -> bool {
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut parts = line.split(|&b| b == b' ');
    let (Some(_method), Some(_target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    match version {
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor] => {
            major.is_ascii_digit() && minor.is_ascii_digit()
        }
        _ => false,
    }
}

/// What the headers say about framing and persistence, gathered one header
/// at a time.
#[derive(Default)]
struct Rules {
    /// Every `Content-Length` value (comma lists split).
    lengths: Vec<Option<u64>>,
    /// Every transfer-coding named, in order, lowercased.
    codings: Vec<String>,
    /// `Transfer-Encoding` lines, empty ones included.
    coding_lines: usize,
    close: bool,
    keep_alive: bool,
    expect_continue: bool,
    /// `Host` header lines; a comma list counts as several.
    hosts: usize,
}

impl Rules {
    fn see(&mut self, name: &str, value: &str) {
        let tokens = || value.split(',').map(str::trim).filter(|t| !t.is_empty());
        if name.eq_ignore_ascii_case("content-length") {
            let number = |t: &str| t.bytes().all(|b| b.is_ascii_digit()).then(|| t.parse().ok())?;
            self.lengths.extend(value.split(',').map(|t| number(t.trim())));
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            self.coding_lines += 1;
            self.codings.extend(tokens().map(str::to_ascii_lowercase));
        } else if name.eq_ignore_ascii_case("connection") {
            self.close |= tokens().any(|t| t.eq_ignore_ascii_case("close"));
            self.keep_alive |= tokens().any(|t| t.eq_ignore_ascii_case("keep-alive"));
        } else if name.eq_ignore_ascii_case("host") {
            self.hosts += 1 + value.bytes().filter(|&b| b == b',').count();
        } else if name.eq_ignore_ascii_case("expect") {
            self.expect_continue |= value.trim().eq_ignore_ascii_case("100-continue");
        }
    }

    /// The body's framing, or the status that refuses the request
    /// (RFC 9112 section 6.1 and 6.3).
    fn framing(&self, method: &str, version: u8, max_body: u64) -> Result<Framing, u16> {
        if self.coding_lines > 0 && self.codings.is_empty() {
            // `Transfer-Encoding:` naming nothing: no framing anyone agrees on.
            return Err(400);
        }
        if let Some(last) = self.codings.last() {
            let chunks = self.codings.iter().filter(|c| *c == "chunked").count();
            return match () {
                // Two framings, or a coding an HTTP/1.0 message cannot carry.
                _ if !self.lengths.is_empty() || version == 0 => Err(400),
                // The body's end is unknown unless chunked comes last, once.
                _ if last != "chunked" || chunks > 1 => Err(400),
                _ if self.codings.len() == 1 => Ok(Framing::Chunked),
                _ => Err(501),
            };
        }
        let Some(&first) = self.lengths.first() else {
            let needs_body = method == "POST" || method == "PUT";
            return if needs_body { Err(411) } else { Ok(Framing::None) };
        };
        match first {
            Some(n) if self.lengths.iter().all(|&l| l == Some(n)) => {
                if n > max_body {
                    Err(413)
                } else if n == 0 {
                    Ok(Framing::None)
                } else {
                    Ok(Framing::Length(n))
                }
            }
            _ => Err(400),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(head: &str) -> Result<Option<(Head, usize)>, u16> {
        parse_head(head.as_bytes(), "127.0.0.1:1".parse().unwrap(), 1 << 20)
    }

    #[test]
    fn framing_and_persistence() {
        let (head, len) = parse("GET / HTTP/1.1\r\nHost: x\r\n\r\nnext").unwrap().unwrap();
        assert_eq!((head.framing, head.keep_alive, len), (Ok(Framing::None), true, 27));
        let (head, _) = parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").unwrap().unwrap();
        assert!(head.keep_alive);
        let (head, _) = parse("GET / HTTP/1.0\r\n\r\n").unwrap().unwrap();
        assert!(!head.keep_alive);
        // A POST on HTTP/1.1 with these header lines after its Host.
        let framing = |h: &str| {
            let head = format!("POST / HTTP/1.1\r\nHost: x\r\n{h}\r\n");
            parse(&head).unwrap().unwrap().0.framing
        };
        assert_eq!(framing("Content-Length: 5\r\n"), Ok(Framing::Length(5)));
        assert_eq!(framing("Content-Length: 5, 5\r\n"), Ok(Framing::Length(5)));
        assert_eq!(framing("Content-Length: 5\r\nContent-Length: 6\r\n"), Err(400));
        assert_eq!(framing("Content-Length: -5\r\n"), Err(400));
        assert_eq!(framing("Content-Length: 2000000\r\n"), Err(413));
        assert_eq!(framing("Transfer-Encoding: chunked\r\n"), Ok(Framing::Chunked));
        assert_eq!(framing("Transfer-Encoding: gzip, chunked\r\n"), Err(501));
        for not_last in ["gzip", "chunked, gzip", "chunked, chunked", "", " , "] {
            assert_eq!(framing(&format!("Transfer-Encoding: {not_last}\r\n")), Err(400));
        }
        assert_eq!(framing("Transfer-Encoding: chunked\r\nContent-Length: 1\r\n"), Err(400));
        assert_eq!(framing(""), Err(411));
        let old = parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(old.unwrap().unwrap().0.framing, Err(400), "HTTP/1.0 cannot be chunked");
    }

    #[test]
    fn host_is_required_once_in_http_1_1() {
        assert_eq!(parse("GET / HTTP/1.1\r\n\r\n").unwrap_err(), 400);
        assert_eq!(parse("GET http://x/ HTTP/1.1\r\n\r\n").unwrap_err(), 400);
        assert_eq!(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n").unwrap_err(), 400);
        assert_eq!(parse("GET / HTTP/1.1\r\nHost: a, b\r\n\r\n").unwrap_err(), 400);
        assert!(parse("GET / HTTP/1.0\r\n\r\n").unwrap().is_some(), "1.0 needs none");
        let (head, _) = parse("GET http://x HTTP/1.1\r\nHost: x\r\n\r\n").unwrap().unwrap();
        assert_eq!(head.request.path, "/");
    }

    #[test]
    fn limits_and_versions() {
        assert!(parse("GET / HTTP/1.1\r\nHost: x\r\n").unwrap().is_none());
        assert_eq!(parse("GET / HTTP/2.0\r\n\r\n").unwrap_err(), 505);
        assert_eq!(parse("GET / FOO\r\n\r\n").unwrap_err(), 400);
        assert_eq!(parse("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n").unwrap_err(), 400);
        assert_eq!(parse("GET /a b HTTP/2.0\r\n\r\n").unwrap_err(), 400);
        let huge = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(HEAD_LIMIT));
        assert_eq!(parse(&huge).unwrap_err(), 431);
        let many = format!("GET / HTTP/1.1\r\n{}\r\n", "X: y\r\n".repeat(MAX_HEADERS + 1));
        assert_eq!(parse(&many).unwrap_err(), 431);
    }
}

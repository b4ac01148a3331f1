//! `Response`, its builders, the status reasons, and writing a response head.
//!
//! A response is a status, headers and a [`Body`]. The connection adds the
//! headers every response carries (`Date`, `Server`, `Connection`,
//! `Content-Length`) when it writes the head, so a handler sets only its own.

use std::borrow::Cow;
use std::rc::Rc;

use crate::cache::OpenFile;
use crate::clock;

/// A header name or value: borrowed when static, as most are.
pub type Text = Cow<'static, str>;

/// What a handler returns: `Response::text(200, "hi")`, or
/// `Response::new(201).header("Location", "/x").body(bytes)`.
#[derive(Debug)]
pub struct Response {
    /// The status code; its reason phrase comes from [`reason`].
    pub status: u16,
    /// The handler's own headers, written in order after the standard ones.
    pub headers: Vec<(Text, Text)>,
    /// The body, or none.
    pub body: Body,
}

/// A response body.
#[derive(Debug)]
pub enum Body {
    /// No body: `304`, and any status the handler left bodiless (written as
    /// `Content-Length: 0` except on `204` and `304`).
    Empty,
    /// Bytes in memory, borrowed when static (the hello page).
    Bytes(Cow<'static, [u8]>),
    /// `len` bytes of an open file from `offset`: copied from the cached
    /// bytes of a small file, read when under 64 KiB, else `sendfile`d.
    File { file: Rc<OpenFile>, offset: u64, len: u64 },
}

impl Response {
    /// A response with no headers and no body.
    pub fn new(status: u16) -> Self {
        Response { status, headers: Vec::new(), body: Body::Empty }
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<Text>, value: impl Into<Text>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, bytes: impl Into<Cow<'static, [u8]>>) -> Self {
        self.body = Body::Bytes(bytes.into());
        self
    }

    /// A `text/plain` response.
    pub fn text(status: u16, text: impl Into<Text>) -> Self {
        Self::typed(status, "text/plain", text.into())
    }

    /// A `text/html` response.
    pub fn html(status: u16, html: impl Into<Text>) -> Self {
        Self::typed(status, "text/html", html.into())
    }

    /// An `application/json` response (the caller writes the JSON).
    pub fn json(status: u16, json: impl Into<Text>) -> Self {
        Self::typed(status, "application/json", json.into())
    }

    /// An error response: `text/plain`, `<code> <reason>\n`.
    pub fn error(status: u16) -> Self {
        Self::text(status, format!("{status} {}\n", reason(status)))
    }

    fn typed(status: u16, content_type: &'static str, text: Text) -> Self {
        let body = match text {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        };
        Response::new(status).header("Content-Type", content_type).body(body)
    }

    /// The body's length: what `Content-Length` says, for GET and HEAD
    /// alike. `None` when the status carries no body at all.
    pub fn body_len(&self) -> Option<u64> {
        match &self.body {
            Body::Empty if self.status == 204 || self.status == 304 => None,
            Body::Empty => Some(0),
            Body::Bytes(bytes) => Some(bytes.len() as u64),
            Body::File { len, .. } => Some(*len),
        }
    }
}

/// Appends the status line and headers, through the blank line, to `out`.
/// By hand rather than through `write!`: this runs for every response, and
/// the formatting machinery was a sixth of a hello request's instructions.
pub fn write_head(out: &mut Vec<u8>, response: &Response, keep_alive: bool) {
    out.extend_from_slice(b"HTTP/1.1 ");
    push_decimal(out, u64::from(response.status));
    out.push(b' ');
    out.extend_from_slice(reason(response.status).as_bytes());
    out.extend_from_slice(b"\r\nDate: ");
    clock::push_date(out);
    out.extend_from_slice(b"\r\nServer: reel\r\nConnection: ");
    out.extend_from_slice(if keep_alive { b"keep-alive\r\n" } else { b"close\r\n" });
    if let Some(len) = response.body_len() {
        out.extend_from_slice(b"Content-Length: ");
        push_decimal(out, len);
        out.extend_from_slice(b"\r\n");
    }
    for (name, value) in &response.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// The reason phrase of a status code (RFC 9110 section 15).
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        416 => "Range Not Satisfiable",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_head_with_the_standard_headers() {
        let mut out = Vec::new();
        write_head(&mut out, &Response::text(200, "hi\n"), true);
        let head = String::from_utf8(out).unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\nDate: "), "{head}");
        assert!(head.contains(" GMT\r\nServer: reel\r\nConnection: keep-alive\r\n"), "{head}");
        assert!(head.ends_with("Content-Length: 3\r\nContent-Type: text/plain\r\n\r\n"), "{head}");
    }

    #[test]
    fn errors_have_a_short_text_body_and_304_none() {
        let error = Response::error(404);
        assert!(matches!(&error.body, Body::Bytes(b) if &b[..] == b"404 Not Found\n"));
        assert_eq!(Response::new(304).body_len(), None);
        assert_eq!(Response::new(200).body_len(), Some(0));
        let mut out = Vec::new();
        write_head(&mut out, &Response::new(304), false);
        assert!(!String::from_utf8(out).unwrap().contains("Content-Length"));
    }

    #[test]
    fn decimals() {
        for n in [0, 7, 10, 404, 1 << 20, u64::MAX] {
            let mut out = Vec::new();
            push_decimal(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }
}

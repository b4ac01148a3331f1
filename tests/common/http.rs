//! A std client for the http example (examples/http/SPEC.md): a temporary
//! document root, raw request bytes, a small response parser (status line,
//! headers, `Content-Length` body) and IMF-fixdate helpers. Every read has
//! the `DEADLINE` of [`Server::connect`].

use std::fs;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::example::{DEADLINE, Server};

pub mod date;

/// Starts the http example with `--port 0 -r ROOT` and `args`.
pub fn start(root: &DocRoot, args: &[&str]) -> Server {
    let root = root.root.to_str().expect("a UTF-8 temp path");
    let mut all = vec!["-r", root];
    all.extend_from_slice(args);
    Server::start_example("http", &all, "listening on http://")
}

/// A fresh folder under the system temp dir: `base/root` is the document
/// root, `base` itself is "just outside" it. Removed on drop.
pub struct DocRoot {
    pub base: PathBuf,
    pub root: PathBuf,
}

impl DocRoot {
    pub fn new(name: &str) -> DocRoot {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = NEXT.fetch_add(1, Ordering::Relaxed);
        let base =
            std::env::temp_dir().join(format!("reel-http-{name}-{}-{unique}", std::process::id()));
        let _ = fs::remove_dir_all(&base); // a leftover of a killed run
        let root = base.join("root");
        fs::create_dir_all(&root).expect("create the document root");
        DocRoot { base, root }
    }

    /// `root/rel`.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Writes `root/rel` (making its folders); its path.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create the file's folder");
        }
        fs::write(&path, bytes).expect("write a file under the root");
        path
    }

    pub fn mkdir(&self, rel: &str) -> PathBuf {
        let path = self.path(rel);
        fs::create_dir_all(&path).expect("create a folder under the root");
        path
    }

    /// Writes `base/name`, a file next to the root, outside it.
    pub fn write_outside(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.base.join(name);
        fs::write(&path, bytes).expect("write a file outside the root");
        path
    }
}

impl Drop for DocRoot {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.base);
    }
}

/// Deterministic bytes that are not a short repeating pattern (xorshift).
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// One parsed response.
#[derive(Debug, Clone)]
pub struct Response {
    pub version: String,
    pub status: u16,
    pub reason: String,
    /// In order, names as sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The header `name`; its absence fails the test.
    pub fn expect_header(&self, name: &str) -> &str {
        self.header(name).unwrap_or_else(|| panic!("no {name} header in {self:?}"))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts the status and, for errors, the `<code> <reason>\n` text body.
    pub fn assert_status(&self, status: u16) {
        assert_eq!(self.status, status, "status of {self:?}");
        if status >= 400 {
            assert_eq!(self.text(), format!("{status} {}\n", self.reason), "error body");
            assert_eq!(self.header("Content-Type"), Some("text/plain"), "error type");
        }
    }

    /// The headers without `Date` (which may tick between two responses).
    pub fn headers_but_date(&self) -> Vec<(String, String)> {
        let mut headers: Vec<_> = self
            .headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("date"))
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect();
        headers.sort();
        headers
    }
}

/// A connection, reading through a buffer.
pub struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    pub fn connect(server: &Server) -> Client {
        Client::connect_to(server.addr)
    }

    /// Connects to `addr` (for threads: a `Server` is not `Sync`).
    pub fn connect_to(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("connect to the http server");
        stream.set_read_timeout(Some(DEADLINE)).expect("read timeout");
        stream.set_write_timeout(Some(DEADLINE)).expect("write timeout");
        Client { reader: BufReader::new(stream) }
    }

    pub fn stream(&self) -> &TcpStream {
        self.reader.get_ref()
    }

    /// The buffered reader, for a body too large to hold: send a `GET`, take
    /// its head with [`Client::head_response`], then read the body from here
    /// in pieces (the buffer may already hold its first bytes).
    pub fn body_reader(&mut self) -> &mut BufReader<TcpStream> {
        &mut self.reader
    }

    pub fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.reader.get_mut().write_all(bytes.as_ref()).expect("send");
    }

    /// Sends `bytes`, then the response (with a body unless `HEAD`).
    pub fn request(&mut self, bytes: impl AsRef<[u8]>) -> Response {
        let bytes = bytes.as_ref();
        self.send(bytes);
        if bytes.starts_with(b"HEAD ") { self.head_response() } else { self.response() }
    }

    /// A `GET path` over HTTP/1.1 on this connection, kept alive.
    pub fn get(&mut self, path: &str) -> Response {
        self.request(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n"))
    }

    /// The next response, reading a body by `Content-Length` (none for 1xx,
    /// 204 and 304).
    pub fn response(&mut self) -> Response {
        self.try_response(false).expect("a response, not EOF")
    }

    /// The next response to a `HEAD`: never a body.
    pub fn head_response(&mut self) -> Response {
        self.try_response(true).expect("a response, not EOF")
    }

    /// The next response, or `None` at EOF before its first byte.
    pub fn try_response(&mut self, head: bool) -> Option<Response> {
        let status_line = self.line()?;
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("").to_string();
        let status = parts.next().and_then(|s| s.parse::<u16>().ok());
        let reason = parts.next().unwrap_or("").to_string();
        let status = status.unwrap_or_else(|| panic!("not a status line: {status_line:?}"));
        assert!(version.starts_with("HTTP/1."), "version in {status_line:?}");
        let mut headers = Vec::new();
        loop {
            let line = self.line().expect("headers, not EOF");
            if line.is_empty() {
                break;
            }
            let (name, value) =
                line.split_once(':').unwrap_or_else(|| panic!("not a header: {line:?}"));
            headers.push((name.to_string(), value.trim().to_string()));
        }
        let mut response = Response { version, status, reason, headers, body: Vec::new() };
        let bodiless = head || status < 200 || status == 204 || status == 304;
        if let (false, Some(len)) = (bodiless, response.header("Content-Length")) {
            let len: usize = len.parse().unwrap_or_else(|_| panic!("Content-Length {len:?}"));
            response.body = vec![0; len];
            self.reader.read_exact(&mut response.body).expect("the body within the deadline");
        }
        Some(response)
    }

    /// One `\r\n`-terminated line without its end; `None` at EOF.
    fn line(&mut self) -> Option<String> {
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset && line.is_empty() => return None,
            Err(e) => panic!("a line within the deadline: {e}; got {line:?}"),
        }
        let line = String::from_utf8(line).expect("a UTF-8 head line");
        let line = line.strip_suffix("\r\n").unwrap_or_else(|| panic!("no CRLF: {line:?}"));
        Some(line.to_string())
    }

    /// Half-closes our side: the server reads EOF.
    pub fn shutdown_write(&self) {
        self.stream().shutdown(Shutdown::Write).expect("shutdown(Write)");
    }

    /// Everything up to EOF (a reset counts as EOF); the deadline fails.
    pub fn rest(mut self) -> Vec<u8> {
        let mut bytes = Vec::new();
        match self.reader.read_to_end(&mut bytes) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            Err(e) => panic!("no EOF within the deadline ({e}); read {bytes:?}"),
        }
        bytes
    }

    /// Asserts the server closes the connection with nothing more written.
    pub fn expect_closed(self) {
        let rest = self.rest();
        assert!(rest.is_empty(), "closed, nothing more; got {:?}", String::from_utf8_lossy(&rest));
    }
}

/// Checks `PEER METHOD PATH STATUS BYTES MSms` at the end of a log line.
pub fn assert_access_line(
    line: &str,
    peer: &str,
    method: &str,
    path: &str,
    status: u16,
    bytes: usize,
) {
    let at = line.find(peer).unwrap_or_else(|| panic!("no peer in {line:?}"));
    let fields: Vec<&str> = line[at..].split(' ').collect();
    assert_eq!(fields.len(), 6, "six fields: {line:?}");
    assert_eq!(fields[..5], [peer, method, path, &status.to_string(), &bytes.to_string()]);
    let ms = fields[5].strip_suffix("ms").unwrap_or_else(|| panic!("no ms: {line:?}"));
    let ms: f64 = ms.parse().unwrap_or_else(|_| panic!("not a number of ms: {line:?}"));
    assert!((0.0..5000.0).contains(&ms), "{line:?}");
    assert!(line.contains("access"), "target access: {line:?}");
}

/// Sends `request` on a fresh connection and parses the one response.
pub fn exchange(server: &Server, request: impl AsRef<[u8]>) -> Response {
    Client::connect(server).request(request)
}

/// `GET path` with `Connection: close` on a fresh connection.
pub fn get(server: &Server, path: &str) -> Response {
    exchange(server, format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"))
}

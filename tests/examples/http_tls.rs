//! The http example over HTTPS (`--tls-cert`, `--tls-key`; the feature
//! `tls`), as a user meets it: curl with `--cacert`, a rustls client with
//! keep-alive, a large file through TLS (no sendfile), and bad peers: plain
//! HTTP on the HTTPS port, a handshake that stalls (closed at
//! `--header-timeout`), a certificate file that is not one. Certificates
//! are committed under `tests/certs/`.

#[path = "../common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Command;
use std::time::{Duration, Instant};

use common::example::Server;
use common::http::{DocRoot, pattern};
use common::tls::{Certs, blocking_client, read_until_closed};

/// The http example serving `root` over TLS with `certs`, and `args`.
fn start_https(root: &DocRoot, certs: &Certs, args: &[&str]) -> Server {
    let (cert, key) = (certs.cert.to_str().unwrap(), certs.key.to_str().unwrap());
    let dir = root.path("");
    let mut all = vec!["--root", dir.to_str().unwrap(), "--tls-cert", cert];
    all.extend(["--tls-key", key]);
    all.extend(args);
    Server::start_example("http", &all, "listening on https://")
}

/// curl's `-w` summary and body for `url`, trusting `certs`' CA only.
fn curl(certs: &Certs, url: &str) -> (String, Vec<u8>) {
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "5", "--cacert"])
        .arg(&certs.ca)
        .args(["--write-out", "\n%{http_code} %{http_version} %{ssl_verify_result}", url])
        .output()
        .expect("run curl (CI installs it)");
    assert!(out.status.success(), "curl {url}: {}", String::from_utf8_lossy(&out.stderr));
    let split = out.stdout.iter().rposition(|&b| b == b'\n').expect("the -w line");
    let summary = String::from_utf8_lossy(&out.stdout[split + 1..]).into_owned();
    (summary, out.stdout[..split].to_vec())
}

#[test]
fn curl_with_cacert_gets_pages_and_a_large_file_intact() {
    let (root, certs) = (DocRoot::new("https-curl"), Certs::new());
    root.write("index.html", "<h1>over TLS</h1>\n");
    let big = pattern(3 << 20, 7);
    root.write("big.bin", &big);
    let server = start_https(&root, &certs, &[]);
    let base = format!("https://localhost:{}", server.addr.port());
    let (summary, body) = curl(&certs, &format!("{base}/"));
    assert_eq!(summary, "200 1.1 0", "status, HTTP version, verify result");
    assert_eq!(body, b"<h1>over TLS</h1>\n");
    let (summary, body) = curl(&certs, &format!("{base}/big.bin"));
    assert_eq!(summary, "200 1.1 0");
    assert!(body == big, "3 MiB through TLS: {} bytes came back, or different ones", body.len());
    server.expect_log(&["GET /big.bin 200 3145728"]);
}

/// Reads one response with a Content-Length from `reader`: status line, body.
fn read_response(reader: &mut impl BufRead) -> (String, Vec<u8>) {
    let mut status = String::new();
    reader.read_line(&mut status).expect("status line");
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header line");
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().expect("content length");
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    (status.trim_end().to_string(), body)
}

#[test]
fn a_rustls_client_keeps_the_connection_alive_and_agrees_on_http_1_1() {
    let (root, certs) = (DocRoot::new("https-keepalive"), Certs::new());
    root.write("a.txt", "first\n");
    let server = start_https(&root, &certs, &[]);
    let tls = blocking_client(certs.client_config(&[b"h2", b"http/1.1"]), server.addr);
    let mut tls = BufReader::new(tls);
    for _ in 0..3 {
        let request = "GET /a.txt HTTP/1.1\r\nHost: localhost\r\n\r\n";
        tls.get_mut().write_all(request.as_bytes()).expect("send");
        let (status, body) = read_response(&mut tls);
        assert_eq!((status.as_str(), body.as_slice()), ("HTTP/1.1 200 OK", &b"first\n"[..]));
    }
    let alpn = tls.get_ref().conn.alpn_protocol().map(<[u8]>::to_vec);
    assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]), "h2 is not offered back");
}

/// A client that sends its request and then `close_notify`, keeping its
/// TCP side open for the answer (a TLS half-close), gets the response, the
/// server's `close_notify` and a FIN at once: the server used to wait for
/// the socket to become readable again, until the keep-alive timeout.
#[test]
fn a_close_notify_after_the_request_gets_the_answer_then_close_notify_and_fin() {
    let (root, certs) = (DocRoot::new("https-half-close"), Certs::new());
    root.write("a.txt", "answer\n");
    let server = start_https(&root, &certs, &["--keepalive-timeout", "30"]);
    let mut tls = blocking_client(certs.client_config(&[]), server.addr);
    let quick = Some(std::time::Duration::from_secs(3));
    tls.sock.set_read_timeout(quick).expect("a short read timeout");
    tls.write_all(b"GET /a.txt HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("send");
    tls.conn.send_close_notify();
    tls.flush().expect("the request and close_notify go out");
    let mut tls = BufReader::new(tls);
    let (status, body) = read_response(&mut tls);
    assert_eq!((status.as_str(), body.as_slice()), ("HTTP/1.1 200 OK", &b"answer\n"[..]));
    let mut rest = Vec::new();
    let read = std::io::Read::read_to_end(&mut tls, &mut rest);
    assert!(read.is_ok(), "no close_notify within 3 s: {read:?}");
    assert!(rest.is_empty(), "nothing after the response: {rest:?}");
    let mut byte = [0; 1];
    let fin = std::io::Read::read(&mut tls.get_mut().sock, &mut byte);
    assert_eq!(fin.expect("a FIN within 3 s"), 0, "the FIN after close_notify");
}

#[test]
fn plain_http_on_the_https_port_gets_an_alert_and_the_server_goes_on() {
    let (root, certs) = (DocRoot::new("https-garbage"), Certs::new());
    root.write("a.txt", "fine\n");
    let server = start_https(&root, &certs, &[]);
    let mut tcp = server.connect();
    tcp.write_all(b"GET /a.txt HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("send");
    let answer = read_until_closed(tcp);
    assert_eq!(answer.first(), Some(&21), "a TLS alert record, got {answer:?}");
    let (summary, body) = curl(&certs, &format!("https://localhost:{}/a.txt", server.addr.port()));
    assert_eq!((summary.as_str(), body.as_slice()), ("200 1.1 0", &b"fine\n"[..]));
}

#[test]
fn a_stalled_handshake_is_closed_at_the_header_timeout() {
    let (root, certs) = (DocRoot::new("https-stall"), Certs::new());
    let server = start_https(&root, &certs, &["--header-timeout", "0.3"]);
    let mut stalled = Vec::new();
    for _ in 0..3 {
        let mut tcp = server.connect();
        tcp.write_all(&[22, 3, 1, 0]).expect("part of a record header");
        stalled.push(tcp);
    }
    let started = Instant::now();
    for tcp in stalled {
        assert!(read_until_closed(tcp).is_empty(), "no answer to a partial header");
    }
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(250), "closed after {waited:?}, before the timeout");
    let (summary, _) = curl(&certs, &format!("https://localhost:{}/", server.addr.port()));
    assert!(summary.starts_with("200 "), "the server goes on: {summary}");
}

#[test]
fn a_certificate_file_that_is_not_one_stops_it_with_the_path_named() {
    let (root, certs) = (DocRoot::new("https-badcert"), Certs::new());
    let bogus = root.write("bogus.pem", "not a certificate\n");
    let dir = root.path("");
    let args = ["--port", "0", "--root", dir.to_str().unwrap()];
    let (cert, key) = (bogus.to_str().unwrap(), certs.key.to_str().unwrap());
    let (status, stdout, stderr) = common::example::run_to_exit(
        "http",
        &[&args[..], &["--tls-cert", cert, "--tls-key", key]].concat(),
    );
    assert_eq!(status.code(), Some(1), "stderr: {stderr}");
    assert!(stdout.is_empty(), "no listening line: {stdout}");
    assert!(stderr.contains("bogus.pem") && stderr.contains("CERTIFICATE"), "stderr: {stderr}");
}

//! What an idle keep-alive connection costs the http example: its socket,
//! its task and a little state, but no read or write buffer (they go back
//! to the worker's pool between requests; examples/http/buffers.rs). And a
//! large `/echo` body is held once, not copied into the response. The
//! server runs in its own process, so its resident memory is its own.

#[path = "../common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::http::{DocRoot, start};
use common::proc_status_kib;

/// Connections held open at once.
const CONNECTIONS: usize = 2_000;

/// The most resident memory one idle keep-alive connection may add. A
/// 16 KiB read buffer held while idle (as before the pool) costs about
/// 12 KiB of it.
const BOUND_PER_CONNECTION: u64 = 6 * 1024;

/// Sends one request for /page.txt and reads its whole response.
fn one_request(stream: &mut TcpStream, body: &[u8]) {
    stream.write_all(b"GET /page.txt HTTP/1.1\r\nHost: t\r\n\r\n").expect("send a request");
    let mut got = Vec::new();
    let mut buf = [0; 4096];
    while !got.ends_with(body) {
        let n = stream.read(&mut buf).expect("read the response");
        assert!(n > 0, "the server closed a keep-alive connection");
        got.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn idle_keep_alive_connections_hold_no_buffers() {
    let root = DocRoot::new("idle-memory");
    let body = "a page of some length, so that the response is not tiny\n".repeat(8);
    root.write("page.txt", &body);
    let server = start(&root, &["--keepalive-timeout", "60"]);
    let pid = server.child.id();
    // Warm up: one connection, so the pools and the file cache exist.
    let mut first = server.connect();
    one_request(&mut first, body.as_bytes());
    let before = proc_status_kib(pid, "VmRSS");

    let mut idle = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        let mut stream = server.connect();
        one_request(&mut stream, body.as_bytes());
        idle.push(stream);
    }
    let held = proc_status_kib(pid, "VmRSS");
    let per_connection = (held.saturating_sub(before)) * 1024 / CONNECTIONS as u64;
    println!(
        "server VmRSS {before} KiB before, {held} KiB with {CONNECTIONS} idle keep-alive \
         connections: {per_connection} bytes each (bound {BOUND_PER_CONNECTION})"
    );
    assert!(
        per_connection <= BOUND_PER_CONNECTION,
        "{per_connection} bytes per idle connection (bound {BOUND_PER_CONNECTION})"
    );
    // They are idle, not dead: each still answers.
    for stream in idle.iter_mut().step_by(97) {
        one_request(stream, body.as_bytes());
    }
}

/// `POST /echo` with a 32 MiB body: the server reads it into one buffer and
/// writes the response from that buffer (examples/http/output.rs); before,
/// the response copied it, and the server's peak was twice the body.
#[test]
fn echo_holds_a_large_body_once() {
    const BODY: usize = 32 * 1024 * 1024;
    let root = DocRoot::new("echo-memory");
    let server = start(&root, &["--max-body", "64000000"]);
    let pid = server.child.id();
    let mut warm = server.connect();
    warm.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello")
        .expect("send");
    warm.read_exact(&mut [0; 5]).expect("a response");
    let before = proc_status_kib(pid, "VmHWM");
    let mut stream = server.connect();
    let head = format!("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {BODY}\r\n\r\n");
    stream.write_all(head.as_bytes()).expect("send the head");
    let body: Vec<u8> = (0..BODY).map(|i| (i % 251) as u8).collect();
    stream.write_all(&body).expect("send the body");
    let mut response = Vec::with_capacity(BODY + 1024);
    while !response.ends_with(&body[BODY - 4096..]) || response.len() < BODY {
        let mut buf = [0; 64 * 1024];
        let n = stream.read(&mut buf).expect("read the echo");
        assert!(n > 0, "the server closed before the whole echo");
        response.extend_from_slice(&buf[..n]);
    }
    assert!(response.ends_with(&body), "the body comes back whole");
    let grown = proc_status_kib(pid, "VmHWM").saturating_sub(before) * 1024;
    println!("a {BODY}-byte echo raised the server's peak by {grown} bytes");
    assert!(grown < BODY as u64 * 3 / 2, "peak up {grown} bytes for a {BODY}-byte body");
}

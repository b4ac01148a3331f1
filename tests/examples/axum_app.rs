//! The axum example served by hyper on reel, driven over HTTP/1.1 as a user
//! meets it: curl (routes, keep-alive), a raw client (pipelining, bad
//! input, a stalled head), a 100 MiB body streamed both ways, and the
//! graceful stop. HTTP/2 is in `axum_app_h2.rs`.

#[path = "../common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::curl;
use common::example::{DEADLINE, Server, wait_with_deadline};
use common::http::pattern;

fn start(args: &[&str]) -> Server {
    Server::start_example("axum_app", args, "listening on http://")
}

/// One response read off `reader`: the head and the body (by Content-Length
/// or chunked).
fn response(reader: &mut impl BufRead) -> (String, Vec<u8>) {
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        assert!(reader.read_line(&mut head).expect("read the head") > 0, "EOF in {head:?}");
    }
    let lower = head.to_ascii_lowercase();
    let mut body = Vec::new();
    if let Some(length) = lower.lines().find_map(|l| l.strip_prefix("content-length: ")) {
        body.resize(length.trim().parse().expect("a length"), 0);
        reader.read_exact(&mut body).expect("the body");
    } else if lower.contains("transfer-encoding: chunked") {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).expect("a chunk size");
            let size = usize::from_str_radix(size.trim(), 16).expect("hex");
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).expect("a chunk");
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    (head, body)
}

#[test]
fn curl_gets_every_route_and_reuses_the_connection() {
    let server = start(&[]);
    let base = format!("http://{}", server.addr);
    let (body, log) = curl(&["-v", &format!("{base}/"), &format!("{base}/json")]);
    assert!(body.starts_with("Hello from axum on reel\n"), "{body}");
    assert!(body.contains(r#""runtime":"reel""#), "{body}");
    assert!(log.contains("Re-using existing connection"), "keep-alive: {log}");
    let (user, _) = curl(&[&format!("{base}/users/7")]);
    assert_eq!(user, r#"{"id":7,"name":"user 7"}"#);
    let (search, _) = curl(&[&format!("{base}/search?q=reel&limit=3")]);
    assert_eq!(search, r#"{"limit":3,"q":"reel"}"#);
    let (status, _) = curl(&["-o", "/dev/null", "-w", "%{http_code}", &format!("{base}/users/x")]);
    assert_eq!(status, "400", "a path that is not a number");
    let (hits, _) = curl(&[&format!("{base}/hits")]);
    assert_eq!(hits.trim(), "6", "the shared state saw every request, this one too");
    let (lines, _) = curl(&[&format!("{base}/count?n=2500")]);
    assert_eq!(lines.lines().count(), 2500);
    assert_eq!(lines.lines().last(), Some("2500"));
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = start(&[]);
    let mut stream = server.connect();
    let host = server.addr;
    let two = format!(
        "GET /users/1 HTTP/1.1\r\nHost: {host}\r\n\r\nGET /users/2 HTTP/1.1\r\nHost: {host}\r\n\r\n"
    );
    stream.write_all(two.as_bytes()).expect("send both at once");
    let mut reader = BufReader::new(stream);
    for id in [1, 2] {
        let (head, body) = response(&mut reader);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert_eq!(
            String::from_utf8(body).expect("UTF-8"),
            format!(r#"{{"id":{id},"name":"user {id}"}}"#)
        );
    }
}

/// 100 MiB up and the same 100 MiB back on one connection, the client
/// writing on one thread and reading on another. The server holds no more
/// than hyper's buffers: its resident memory grows by far less than the body.
#[test]
fn a_100_mib_body_streams_both_ways_with_backpressure() {
    const SIZE: usize = 100 << 20;
    let server = start(&[]);
    let rss_before = rss_kib(server.child.id());
    let stream = server.connect();
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let mut writer = stream.try_clone().expect("clone");
    let sender = thread::spawn(move || {
        let head = format!("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {SIZE}\r\n\r\n");
        writer.write_all(head.as_bytes()).expect("head");
        let chunk = pattern(1 << 20, 7);
        for _ in 0..SIZE / chunk.len() {
            writer.write_all(&chunk).expect("a MiB of body");
        }
    });
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        assert!(reader.read_line(&mut head).expect("the head") > 0);
    }
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    let (expected, mut got, mut buf, mut peak) = (pattern(1 << 20, 7), 0usize, vec![0; 1 << 16], 0);
    while got < SIZE {
        // A chunk (its size line, its bytes, CRLF), or the rest when the
        // response has a Content-Length. Compared against the pattern.
        let mut left = SIZE - got;
        if chunked {
            let mut size = String::new();
            reader.read_line(&mut size).expect("a chunk size");
            left = usize::from_str_radix(size.trim(), 16).expect("hex");
            assert!(left > 0, "the body ended early at {got}");
        }
        while left > 0 {
            let n = reader.read(&mut buf[..left.min(1 << 16)]).expect("body bytes");
            assert!(n > 0, "EOF inside the body at {got}");
            for (i, byte) in buf[..n].iter().enumerate() {
                assert_eq!(*byte, expected[(got + i) % expected.len()], "byte {}", got + i);
            }
            got += n;
            left -= n;
            if got % (8 << 20) < n {
                peak = peak.max(rss_kib(server.child.id()));
            }
        }
        if chunked {
            reader.read_line(&mut String::new()).expect("CRLF");
        }
    }
    sender.join().expect("the sender");
    assert_eq!(got, SIZE);
    let grew = peak.saturating_sub(rss_before);
    assert!(grew < 32 * 1024, "the server grew by {grew} KiB for a 100 MiB body");
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("a number")
}

#[test]
fn a_malformed_request_gets_hyper_s_400_and_others_are_served() {
    let server = start(&[]);
    let mut bad = server.connect();
    bad.write_all(b"GET / HTTP/1.1\r\nHost: t\r\nthis is not a header\r\n\r\n").expect("send");
    let mut answer = String::new();
    BufReader::new(&bad).read_line(&mut answer).expect("a status line");
    assert_eq!(answer, "HTTP/1.1 400 Bad Request\r\n");
    let (body, _) = curl(&[&format!("http://{}/", server.addr)]);
    assert_eq!(body, "Hello from axum on reel\n", "the server goes on serving others");
}

#[test]
fn a_stalled_head_is_cut_by_hyper_s_header_read_timeout_on_reel_s_timer() {
    let server = start(&["--header-timeout", "0.3"]);
    let mut stalled = server.connect();
    stalled.write_all(b"GET / HTTP/1.1\r\nHost:").expect("half a head");
    let started = Instant::now();
    let mut rest = Vec::new();
    // hyper answers 408 (or just closes); either way the connection ends.
    let _ = stalled.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(250), "cut after {waited:?}, before the timeout");
    assert!(waited < DEADLINE, "not cut: {waited:?}");
    let text = String::from_utf8_lossy(&rest);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
}

/// SIGTERM with a request half sent: the server stops accepting, the
/// request is finished and answered whole, then the process exits 0.
#[test]
fn the_stop_finishes_the_request_in_flight_then_exits() {
    const SIZE: usize = 8 << 20;
    let mut server = start(&[]);
    let mut stream = server.connect();
    let body = pattern(SIZE, 3);
    let head = format!("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {SIZE}\r\n\r\n");
    stream.write_all(head.as_bytes()).expect("head");
    stream.write_all(&body[..SIZE / 2]).expect("half the body");
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    server.expect_log(&["no new connections"]);
    assert!(
        std::net::TcpStream::connect_timeout(&server.addr, DEADLINE).is_err(),
        "a new connection is refused once the stop began"
    );
    let mut writer = stream.try_clone().expect("clone");
    let rest = body[SIZE / 2..].to_vec();
    let sender = thread::spawn(move || writer.write_all(&rest).expect("the rest"));
    let (head, echoed) = response(&mut BufReader::new(stream));
    sender.join().expect("sender");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(echoed == body, "the whole body came back ({} of {SIZE} bytes)", echoed.len());
    let status = wait_with_deadline(&mut server.child).expect("the server exits");
    assert!(status.success(), "{status}");
}

/// The stop, frozen so that it is deterministic (as `http_shutdown.rs` does
/// for the HTTP example): while SIGSTOP holds the server, 20 idle keep-alive
/// connections each send a request and 10 new ones connect (the kernel
/// completes them; nobody accepts them) and send one too. Then SIGTERM and
/// SIGCONT: every request is answered whole, then a clean FIN, no reset.
#[test]
fn frozen_stop_answers_every_request_already_sent_then_fin() {
    const REQUEST: &[u8] = b"GET /users/1 HTTP/1.1\r\nHost: t\r\n\r\n";
    let mut server = start(&[]);
    let mut clients: Vec<_> = (0..20).map(|_| BufReader::new(server.connect())).collect();
    for client in &mut clients {
        client.get_mut().write_all(REQUEST).expect("a first request");
        assert!(response(client).0.starts_with("HTTP/1.1 200 OK\r\n"));
    }
    server.signal(libc::SIGSTOP);
    clients.extend((0..10).map(|_| BufReader::new(server.connect())));
    for client in &mut clients {
        client.get_mut().write_all(REQUEST).expect("a request while frozen");
    }
    server.signal(libc::SIGTERM);
    server.signal(libc::SIGCONT);
    for (i, client) in clients.iter_mut().enumerate() {
        let (head, body) = response(client);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "client {i}: {head}");
        assert_eq!(body, br#"{"id":1,"name":"user 1"}"#, "client {i}");
        let mut rest = Vec::new();
        let end = client.read_to_end(&mut rest).map_err(|e| e.kind());
        assert_eq!(end, Ok(0), "client {i}: a clean FIN, no reset");
    }
    assert!(server.wait_exit().success());
}

/// How one connection of the loaded stop ended.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Tally {
    /// Responses read whole.
    answered: u64,
    /// A clean EOF before any byte of a response: the server closed first.
    closed_before_read: u64,
    /// A reset: what the stop must never cause.
    resets: u64,
    /// A response cut off after its first byte.
    truncated: u64,
}

/// One keep-alive connection sending `GET /users/1` back to back until the
/// server ends it.
fn keep_asking(server: std::net::SocketAddr) -> Tally {
    let mut tally = Tally::default();
    let Ok(stream) = std::net::TcpStream::connect(server) else {
        tally.resets += 1;
        return tally;
    };
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let mut reader = BufReader::new(stream);
    loop {
        let sent = reader.get_mut().write_all(b"GET /users/1 HTTP/1.1\r\nHost: t\r\n\r\n");
        let mut head = String::new();
        let first = sent.and_then(|()| reader.read_line(&mut head));
        match first {
            Ok(0) => tally.closed_before_read += 1,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                panic!("no answer in {DEADLINE:?}")
            }
            Err(_) => tally.resets += 1,
            Ok(_) => {
                let mut rest = String::new();
                let whole = loop {
                    match reader.read_line(&mut rest) {
                        Ok(n) if n > 0 && rest.ends_with("\r\n\r\n") => break true,
                        Ok(n) if n > 0 => continue,
                        _ => break false,
                    }
                };
                let mut body = [0; 24]; // {"id":1,"name":"user 1"}
                if whole && reader.read_exact(&mut body).is_ok() {
                    tally.answered += 1;
                    continue;
                }
                tally.truncated += 1;
            }
        }
        return tally;
    }
}

/// The stop under load: 20 keep-alive connections sending back to back,
/// SIGTERM after half a second. Every connection ends with a whole answer
/// and then a clean FIN, or a clean FIN before any byte of one: no reset,
/// no truncated response, in 3 rounds.
#[test]
fn the_stop_under_load_resets_nothing() {
    for round in 0..3 {
        let mut server = start(&[]);
        let addr = server.addr;
        let clients: Vec<_> = (0..20).map(|_| thread::spawn(move || keep_asking(addr))).collect();
        thread::sleep(Duration::from_millis(500)); // the load runs; no event to await
        server.signal(libc::SIGTERM);
        let mut all = Tally::default();
        for client in clients {
            let t = client.join().expect("a client");
            all.answered += t.answered;
            all.closed_before_read += t.closed_before_read;
            all.resets += t.resets;
            all.truncated += t.truncated;
        }
        eprintln!("round {round}: {all:?}");
        assert_eq!((all.resets, all.truncated), (0, 0), "round {round}: {all:?}");
        assert!(all.answered > 0, "round {round}: the load ran");
        assert!(server.wait_exit().success());
    }
}

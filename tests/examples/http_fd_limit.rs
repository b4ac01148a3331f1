//! File descriptors are a budget (examples/http/SPEC.md, "Static files"):
//! under a small limit on open files, the open-file cache holds at most a
//! quarter of it, so a file that exists is never a 404 for want of a
//! descriptor, and new connections are accepted at once.
//!
//! The server runs under `ulimit -n 256` (soft and hard, so it cannot raise
//! it), started through a shell that execs it.

#[path = "../common/mod.rs"]
mod common;

use std::io::{ErrorKind, Read};
use std::net::{Ipv4Addr, TcpStream};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::example::{Server, example_binary};
use common::http::{Client, DocRoot};

/// Files half small (their bytes cached, no descriptor kept) and half over
/// 64 KiB (sent from an open descriptor).
const FILES: usize = 1000;
const SMALL: usize = 100;
const LARGE: u64 = 70 * 1024;
const CLIENTS: usize = 30;

fn start_limited(root: &DocRoot, limit: u32) -> Server {
    start_limited_with(root, limit, &[])
}

fn start_limited_with(root: &DocRoot, limit: u32, args: &[&str]) -> Server {
    let mut command = Command::new("bash");
    let script = format!("ulimit -n {limit} && exec \"$0\" \"$@\"");
    command.arg("-c").arg(script).arg(example_binary("http"));
    let root = root.root.to_str().expect("a UTF-8 temp path");
    command.args(["--port", "0", "-r", root, "--log", "warn"]).args(args);
    Server::start_command(command, "listening on http://", Ipv4Addr::LOCALHOST)
}

fn name(i: usize) -> String {
    if i % 2 == 0 { format!("small{i}.txt") } else { format!("large{i}.bin") }
}

#[test]
fn a_thousand_files_under_256_descriptors_are_all_served_and_every_connect_is_prompt() {
    let root = DocRoot::new("fd-limit");
    for i in 0..FILES {
        let path = root.write(&name(i), vec![b'x'; SMALL]);
        if i % 2 == 1 {
            // Sparse: large without writing it all.
            let file = std::fs::OpenOptions::new().write(true).open(path).expect("open");
            file.set_len(LARGE).expect("set_len");
        }
    }
    let server = start_limited(&root, 256);
    let addr = server.addr;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            thread::spawn(move || {
                let connecting = Instant::now();
                let mut client = Client::connect_to(addr);
                let mut first = None;
                let mut statuses = Vec::new();
                for i in (c..FILES).step_by(CLIENTS) {
                    let response = client.get(&format!("/{}", name(i)));
                    first.get_or_insert(connecting.elapsed());
                    let expected = if i % 2 == 0 { SMALL } else { LARGE as usize };
                    if response.status == 200 {
                        assert_eq!(response.body.len(), expected, "{}", name(i));
                    }
                    statuses.push((i, response.status));
                }
                (first.expect("a response"), statuses)
            })
        })
        .collect();
    for client in clients {
        let (first, statuses) = client.join().expect("client");
        assert!(first < Duration::from_secs(1), "first response after {first:?}");
        let failed: Vec<_> = statuses.iter().filter(|(_, status)| *status != 200).collect();
        assert!(failed.is_empty(), "every file is served: {failed:?}");
    }
    // And once more each, on fresh connections: the cache evicted, nothing
    // leaked, and the server still accepts.
    for i in (0..FILES).step_by(7) {
        let response = Client::connect_to(addr).get(&format!("/{}", name(i)));
        assert_eq!(response.status, 200, "{}", name(i));
    }
}

/// Out of descriptors with every one of them held by a live connection: a
/// file that needs an `open` is `503` with `Retry-After: 1`, never `404`; a
/// cached one is still served; once connections close, it is served again.
#[test]
fn with_every_descriptor_taken_an_uncached_file_is_503_then_served_when_some_free() {
    let root = DocRoot::new("fd-full");
    root.write("small.txt", "small\n");
    let large = root.write("large.bin", "");
    std::fs::OpenOptions::new().write(true).open(large).expect("open").set_len(LARGE).expect("len");
    let server = start_limited(&root, 64);
    let mut first = Client::connect_to(server.addr);
    assert_eq!(first.get("/small.txt").text(), "small\n", "cached: its descriptor is closed");
    // Fill the table: the server accepts until EMFILE, then closes the rest
    // at once. Each connection either answers or ends.
    let mut open = Vec::new();
    let mut shed = 0;
    for _ in 0..100 {
        let mut client = Client::connect_to(server.addr);
        client.send("GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
        match client.try_response(false) {
            Some(response) => {
                assert_eq!(response.status, 200);
                open.push(client);
            }
            None => shed += 1,
        }
    }
    assert!(shed > 0, "the table filled up ({} connections held)", open.len());
    let refused = first.get("/large.bin");
    refused.assert_status(503);
    assert_eq!(refused.header("Retry-After"), Some("1"));
    assert_eq!(first.get("/small.txt").text(), "small\n", "the cache still serves");
    // Ten clients leave; their EOF shows the server has closed its side.
    for client in open.drain(..10) {
        client.shutdown_write();
        client.expect_closed();
    }
    let served = first.get("/large.bin");
    assert_eq!((served.status, served.body.len()), (200, LARGE as usize));
}

/// Every accept path keeps the reserve descriptor, the workers' too: with
/// the table full of silent connections at `-w 2`, each new connection is
/// closed at once (its client learns within a second, rather than waiting
/// in a backlog), and the warning comes at most once a second for the whole
/// process, not once per worker or per 100 ms pause.
#[test]
fn at_two_workers_a_full_table_closes_each_new_connection_within_a_second() {
    let root = DocRoot::new("fd-workers");
    root.write("hello.txt", "hello\n");
    // Silent connections are held for the whole test (header timeout 120 s).
    let server = start_limited_with(&root, 256, &["-w", "2", "--header-timeout", "120"]);
    let began = Instant::now();
    let held: Vec<TcpStream> =
        (0..600).map(|_| TcpStream::connect(server.addr).expect("connect")).collect();
    server.expect_log(&["out of file descriptors"]);
    let mut slow = Vec::new();
    for i in 0..20 {
        let connecting = Instant::now();
        let mut client = TcpStream::connect(server.addr).expect("connect");
        client.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let outcome = client.read(&mut [0; 1]);
        let waited = connecting.elapsed();
        match outcome {
            Ok(0) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            other => panic!("connection {i}: {other:?} after {waited:?}"),
        }
        if waited >= Duration::from_secs(1) {
            slow.push((i, waited));
        }
    }
    let window = began.elapsed();
    assert!(slow.is_empty(), "closed after a second or more: {slow:?}");
    // The log of the whole run so far (a line still in the pipe only
    // lowers the count).
    let lines: Vec<String> = server.log_lines.try_iter().collect();
    let paused = lines.iter().filter(|line| line.contains("pausing")).count();
    assert_eq!(paused, 0, "the workers never pause for want of the reserve: {lines:#?}");
    // One warning was read above; one more can come in each second since.
    let warnings = 1 + lines.iter().filter(|line| line.contains("out of file descriptors")).count();
    let windows = window.as_secs() as usize + 1;
    assert!(warnings <= windows, "{warnings} warnings in {window:?}: {lines:#?}");
    drop(held);
}

//! The http example's graceful stop loses nothing (examples/http/SPEC.md,
//! "Stopping"): a request received before the stop is answered, with
//! `Connection: close`; a connection with nothing received is closed with a
//! clean FIN; no client ever sees a reset, with one worker or two.
//!
//! Run with `--nocapture` to see the tally of the loaded rounds.

#[path = "../common/mod.rs"]
mod common;

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::example::DEADLINE;
use common::http::{DocRoot, start};

const BODY: &str = "the file's body\n";
const REQUEST: &[u8] = b"GET /f.txt HTTP/1.1\r\nHost: test\r\n\r\n";

fn root() -> DocRoot {
    let root = DocRoot::new("shutdown");
    root.write("f.txt", BODY);
    root
}

fn connect(addr: SocketAddr) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).expect("read timeout");
    BufReader::new(stream)
}

/// One response, read strictly: a reset or an early EOF is an error.
/// Returns whether it said `Connection: close`.
fn response(reader: &mut BufReader<TcpStream>) -> io::Result<bool> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if reader.read_until(b'\n', &mut head)? == 0 {
            return Err(io::Error::new(ErrorKind::UnexpectedEof, format!("EOF in {head:?}")));
        }
    }
    let head = String::from_utf8(head).expect("a UTF-8 head");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|n| n.parse::<usize>().ok())
        .expect("a Content-Length");
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    assert_eq!(body, BODY.as_bytes());
    Ok(head.contains("\r\nConnection: close\r\n"))
}

/// The server's stop, frozen so that it is deterministic: requests written
/// while it is stopped (on idle keep-alive connections, and on connections
/// still in the backlog) are all there when it sees SIGTERM. Each is
/// answered whole, then the connection ends with a FIN, never a reset.
fn every_request_waiting_at_the_stop_is_answered_then_fin(workers: &str) {
    let root = root();
    let mut server = start(&root, &["-w", workers, "--log", "warn"]);
    let mut idle: Vec<_> = (0..20).map(|_| connect(server.addr)).collect();
    for client in &mut idle {
        client.get_mut().write_all(REQUEST).expect("first request");
        assert!(!response(client).expect("first response"), "kept alive");
    }
    server.signal(libc::SIGSTOP);
    // Completed by the kernel while the server is frozen: never accepted.
    let backlogged: Vec<_> = (0..10).map(|_| connect(server.addr)).collect();
    let mut all = idle;
    all.extend(backlogged);
    for client in &mut all {
        client.get_mut().write_all(REQUEST).expect("a request while frozen");
    }
    server.signal(libc::SIGTERM);
    server.signal(libc::SIGCONT);
    for (i, client) in all.iter_mut().enumerate() {
        // `Connection: close`, or not: the request may be read in the very
        // tick the signal arrives, before the worker's task has set the
        // stop flag; then it is answered as usual, and the FIN follows.
        response(client).unwrap_or_else(|e| panic!("client {i}: {e}"));
        let mut rest = Vec::new();
        let end = client.read_to_end(&mut rest);
        assert_eq!(end.map_err(|e| e.kind()), Ok(0), "client {i}: a clean FIN, no reset");
    }
    let status = server.wait_exit();
    assert!(status.success(), "exits 0: {status:?}");
}

#[test]
fn frozen_stop_with_one_worker_answers_every_waiting_request() {
    every_request_waiting_at_the_stop_is_answered_then_fin("1");
}

#[test]
fn frozen_stop_with_two_workers_answers_every_waiting_request() {
    every_request_waiting_at_the_stop_is_answered_then_fin("2");
}

/// How the connections of one loaded round ended.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    /// Responses read whole.
    answered: u64,
    /// Connections that met a clean EOF before any byte of a response.
    closed_before_read: u64,
    /// Connections that met a reset.
    resets: u64,
    /// Responses cut off after their first byte.
    truncated: u64,
}

/// One connection sending back to back until the server closes it.
async fn keep_asking(addr: SocketAddr, tally: Rc<std::cell::RefCell<Tally>>) {
    let Ok(mut stream) = reel::net::TcpStream::connect(addr).await else {
        tally.borrow_mut().resets += 1;
        return;
    };
    let mut buf = vec![0; 4096];
    loop {
        if stream.write_all(REQUEST).await.is_err() {
            tally.borrow_mut().resets += 1;
            return;
        }
        let mut got = Vec::new();
        let end = loop {
            let n = match stream.read(&mut buf).await {
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::ConnectionReset => break Some(Err(())),
                Err(e) => panic!("read: {e}"),
            };
            if n == 0 {
                break Some(Ok(got.is_empty()));
            }
            got.extend_from_slice(&buf[..n]);
            if let Some(closing) = whole_response(&got) {
                tally.borrow_mut().answered += 1;
                break if closing { Some(Ok(true)) } else { None };
            }
        };
        let ended = match end {
            None => continue,
            // After `Connection: close`: the EOF must follow.
            Some(Ok(true)) if !got.is_empty() => read_to_eof(&mut stream, &mut buf).await,
            other => other.expect("an end"),
        };
        let mut tally = tally.borrow_mut();
        match ended {
            Ok(true) if !got.is_empty() => {}
            Ok(true) => tally.closed_before_read += 1,
            Ok(false) => tally.truncated += 1,
            Err(()) => tally.resets += 1,
        }
        return;
    }
}

/// `Ok(true)` at a clean EOF, `Err` at a reset.
async fn read_to_eof(stream: &mut reel::net::TcpStream, buf: &mut [u8]) -> Result<bool, ()> {
    match stream.read(buf).await {
        Ok(0) => Ok(true),
        Ok(n) => panic!("{n} bytes after the last response"),
        Err(_) => Err(()),
    }
}

/// `Some(closing)` once `got` holds exactly one whole response.
fn whole_response(got: &[u8]) -> Option<bool> {
    let end = got.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&got[..end]).expect("a UTF-8 head");
    let length: usize =
        head.lines().find_map(|l| l.strip_prefix("Content-Length: "))?.parse().ok()?;
    assert!(got.len() <= end + length, "more than one response");
    (got.len() == end + length).then(|| head.contains("\r\nConnection: close\r\n"))
}

/// 50 connections from one client loop, back to back; SIGTERM after
/// `after`. Returns how they ended.
fn loaded_round(workers: &str, after: Duration) -> Tally {
    let root = root();
    let mut server = start(&root, &["-w", workers, "--log", "warn"]);
    let (addr, pid) = (server.addr, server.child.id());
    let tally = reel::run(async move {
        let tally = Rc::new(std::cell::RefCell::new(Tally::default()));
        let clients: Vec<_> =
            (0..50).map(|_| reel::spawn(keep_asking(addr, tally.clone()))).collect();
        reel::sleep(after).await;
        terminate(pid);
        let started = Instant::now();
        for client in clients {
            let left = DEADLINE.saturating_sub(started.elapsed());
            reel::timeout(left, client).await.expect("every connection ends").expect("client");
        }
        *tally.borrow()
    });
    assert!(server.wait_exit().success(), "the server exits 0");
    tally
}

#[allow(unsafe_code)]
fn terminate(pid: u32) {
    // SAFETY: kill(2) takes plain integers; the pid is our own live child.
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) }, 0);
}

fn no_resets_under_load(workers: &str) {
    for round in 1..=3 {
        let tally = loaded_round(workers, Duration::from_secs(2));
        eprintln!("-w {workers}, round {round}: {tally:?}");
        assert_eq!((tally.resets, tally.truncated), (0, 0), "round {round}: {tally:?}");
        assert!(tally.answered > 50, "the load ran: {tally:?}");
    }
}

#[test]
fn a_stop_under_load_with_one_worker_resets_nothing() {
    no_resets_under_load("1");
}

#[test]
fn a_stop_under_load_with_two_workers_resets_nothing() {
    no_resets_under_load("2");
}

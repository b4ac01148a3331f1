//! The tour's four echo servers (doc/tour.md), as a learner runs them: the
//! built example with `--port 0`, its `listening on ADDR` line, std
//! clients. Step 1 serves one client at a time; steps 2 to 4 serve many at
//! once, survive a megabyte echoed through a full socket, and (3 and 4)
//! close a client that stays silent past `--idle-timeout`.

#[path = "../common/mod.rs"]
mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use common::example::Server;

fn start(step: &str, args: &[&str]) -> Server {
    Server::start_example(step, args, "listening on ")
}

/// Sends `line` and reads exactly its echo.
fn echo(client: &mut TcpStream, line: &str) {
    client.write_all(line.as_bytes()).expect("send");
    let mut back = vec![0; line.len()];
    client.read_exact(&mut back).expect("the echo");
    assert_eq!(String::from_utf8_lossy(&back), line);
}

#[test]
fn step_1_serves_one_client_at_a_time() {
    let server = start("tour_1_blocking", &[]);
    let mut first = server.connect();
    echo(&mut first, "first\n");
    // The second is accepted by the kernel, but the server is busy with
    // the first: no echo while the first stays.
    let mut second = server.connect();
    second.write_all(b"second\n").expect("send");
    second.set_read_timeout(Some(Duration::from_millis(300))).expect("timeout");
    let waited = second.read(&mut [0; 16]).expect_err("no answer while the first is served");
    assert!(matches!(waited.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut), "{waited}");
    // The first leaves: the second's line is read and echoed.
    drop(first);
    second.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let mut back = [0; 7];
    second.read_exact(&mut back).expect("the echo once the first has gone");
    assert_eq!(&back, b"second\n");
}

/// Two clients at once: the second is answered while the first, silent,
/// stays connected; then the first is answered too.
fn serves_two_at_once(step: &str) {
    let server = start(step, &[]);
    let mut first = server.connect();
    let mut second = server.connect();
    echo(&mut second, "second\n");
    echo(&mut first, "first\n");
    echo(&mut second, "again\n");
}

/// A megabyte sent while the echo comes back: the server's writes find
/// the socket full (the client reads only after a while), and the bytes it
/// owes must wait for writability, not be lost.
fn echoes_a_megabyte_through_a_full_socket(step: &str) {
    let server = start(step, &[]);
    let client = server.connect();
    let data: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    let mut writer = client.try_clone().expect("clone");
    let sent = data.clone();
    let sender = thread::spawn(move || writer.write_all(&sent).expect("send the megabyte"));
    let mut back = vec![0; data.len()];
    (&client).read_exact(&mut back).expect("the whole echo");
    sender.join().expect("sender");
    assert!(back == data, "the echo is the megabyte, in order");
}

/// A client that sends nothing is closed after `--idle-timeout`, and the
/// server goes on: another client is answered before and after.
fn closes_a_silent_client(step: &str) {
    let server = start(step, &["--idle-timeout", "0.3"]);
    let mut silent = server.connect();
    let mut talker = server.connect();
    echo(&mut talker, "hello\n");
    let started = Instant::now();
    assert_eq!(silent.read(&mut [0; 1]).expect("an end, not an error"), 0, "closed");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(200), "closed too soon: {waited:?}");
    let mut next = server.connect();
    echo(&mut next, "next\n");
}

#[test]
fn step_2_serves_two_at_once() {
    serves_two_at_once("tour_2_selectors");
}

#[test]
fn step_2_echoes_a_megabyte_through_a_full_socket() {
    echoes_a_megabyte_through_a_full_socket("tour_2_selectors");
}

#[test]
fn step_3_serves_two_at_once() {
    serves_two_at_once("tour_3_futures");
}

#[test]
fn step_3_echoes_a_megabyte_through_a_full_socket() {
    echoes_a_megabyte_through_a_full_socket("tour_3_futures");
}

#[test]
fn step_3_closes_a_silent_client() {
    closes_a_silent_client("tour_3_futures");
}

#[test]
fn step_4_serves_two_at_once() {
    serves_two_at_once("tour_4_reel");
}

#[test]
fn step_4_echoes_a_megabyte_through_a_full_socket() {
    echoes_a_megabyte_through_a_full_socket("tour_4_reel");
}

#[test]
fn step_4_closes_a_silent_client() {
    closes_a_silent_client("tour_4_reel");
}

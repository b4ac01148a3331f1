//! 10,000 connections held open at once on the echo example, server in a
//! child process (the test process and the server each hold 10,000 fds;
//! the limit here is 20,000 per process).
//!
//! Asserts the server's fd count follows the connections up and back down,
//! and bounds its resident memory per connection. For the figure in README:
//! `cargo test --release --test echo_held_connections -- --nocapture`.

#[path = "../common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use common::example::{DEADLINE, Server};

const CONNECTIONS: usize = 10_000;

/// What the echo example may hold per idle connection. Measured: about 1,020
/// bytes in release and 1,085 in debug (the task and its slot in the
/// slab, its future, the socket's slot, its idle timer, allocator slack);
/// the bound catches a regression such as a task storing its future twice
/// (that was 1,370), or a leaf future holding its inner future twice (1,352).
const BYTES_PER_CONNECTION_BOUND: u64 = 1280;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("procfs");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS line");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("a number")
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).expect("procfs").count()
}

/// Polls `condition` every 10 ms until it holds or `DEADLINE` passes: the
/// server closes its sockets on its own schedule and tells nobody.
fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < DEADLINE {
        if condition() {
            return true;
        }
        thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn ten_thousand_held_connections_cost_bounded_memory_and_all_close() {
    let mut server = Server::start();
    let pid = server.child.id();
    let (rss_before, fds_before) = (rss_kib(pid), open_fds(pid));
    let started = Instant::now();

    let mut clients = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        clients.push(server.connect());
    }
    // One byte each way, so every connection's task has run and holds
    // whatever an idle connection holds after traffic.
    for client in &mut clients {
        client.write_all(b"x").expect("send");
    }
    for client in &mut clients {
        let mut byte = [0u8];
        client.read_exact(&mut byte).expect("echo");
        assert_eq!(&byte, b"x");
    }
    assert!(
        eventually(|| open_fds(pid) == fds_before + CONNECTIONS),
        "the server holds one fd per connection: {} open, {fds_before} before",
        open_fds(pid)
    );
    let opened_in = started.elapsed();
    let rss_held = rss_kib(pid);
    let per_connection = rss_held.saturating_sub(rss_before) * 1024 / CONNECTIONS as u64;
    eprintln!(
        "echo example: {CONNECTIONS} connections opened and echoed in {opened_in:?}; \
         RSS {rss_before} KiB before, {rss_held} KiB held: {per_connection} bytes per connection"
    );
    assert!(
        per_connection < BYTES_PER_CONNECTION_BOUND,
        "{per_connection} bytes per idle connection"
    );

    drop(clients);
    assert!(
        eventually(|| open_fds(pid) == fds_before),
        "every server socket closes: {} open, {fds_before} before",
        open_fds(pid)
    );
    server.assert_running();
    let mut last = server.connect();
    last.write_all(b"still here").expect("send");
    let mut back = [0u8; 10];
    last.read_exact(&mut back).expect("echo after the storm");
    assert_eq!(&back, b"still here");
}

//! Black-box test of the `echo_load` example against the `echo` example: both
//! built binaries, a port picked by the OS, every wait bounded.

#[path = "../common/mod.rs"]
mod common;

use common::example::{DEADLINE, Server, example_binary, read_on_thread, wait_with_deadline};

use std::process::{Command, Stdio};

/// Four clients, fifty 32-byte round trips each: all four succeed and the
/// report counts 200 messages.
#[test]
fn four_clients_ping_pong_with_the_echo_example() {
    let server = Server::start();
    let mut load = Command::new(example_binary("echo_load"))
        .args(["--port", &server.addr.port().to_string()])
        .args(["--clients", "4", "--messages", "50", "--size", "32", "--timeout", "10"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the echo_load example");
    let stdout = read_on_thread(load.stdout.take().expect("piped stdout"));
    let stderr = read_on_thread(load.stderr.take().expect("piped stderr"));
    let Some(status) = wait_with_deadline(&mut load) else {
        let _ = load.kill();
        let _ = load.wait();
        panic!("echo_load did not finish within {DEADLINE:?}");
    };
    let out = stdout.recv_timeout(DEADLINE).expect("echo_load's stdout");
    let err = stderr.recv_timeout(DEADLINE).expect("echo_load's stderr");
    assert!(status.success(), "echo_load failed: {status}\n{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    for expected in ["clients succeeded: 4", "clients failed: 0", "messages: 200"] {
        assert!(lines.contains(&expected), "no line {expected:?} in:\n{out}");
    }
    for key in ["seconds: ", "messages per second: ", "latency p50: ", "latency p99: "] {
        assert!(lines.iter().any(|l| l.starts_with(key)), "no {key:?} line in:\n{out}");
    }
    server.stop();
}

/// With no server listening, every client fails, the first error is printed
/// and the exit status says so.
#[test]
fn a_refused_connection_is_reported_as_a_failed_client() {
    // Bind a port, then free it: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut load = Command::new(example_binary("echo_load"))
        .args(["--port", &port.to_string(), "--clients", "2", "--messages", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the echo_load example");
    let stdout = read_on_thread(load.stdout.take().expect("piped stdout"));
    let Some(status) = wait_with_deadline(&mut load) else {
        let _ = load.kill();
        let _ = load.wait();
        panic!("echo_load did not finish within {DEADLINE:?}");
    };
    let out = stdout.recv_timeout(DEADLINE).expect("echo_load's stdout");
    assert!(!status.success(), "echo_load should fail when every client fails:\n{out}");
    assert!(out.contains("clients failed: 2"), "{out}");
    assert!(out.contains("first error: client 0: "), "{out}");
}

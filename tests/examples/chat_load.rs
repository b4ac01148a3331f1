//! Black-box test of the `chat_load` example against the `chat` example: both
//! built binaries, a port picked by the OS, every wait bounded.

#[path = "../common/mod.rs"]
mod common;

use common::example::{DEADLINE, Server, example_binary, read_on_thread, wait_with_deadline};

use std::process::{Command, Stdio};

/// Five clients, twenty messages each: every message reaches the four
/// others, so 400 chat lines are delivered, as many as expected.
#[test]
fn five_clients_hear_every_message_of_the_others() {
    let server = Server::start_example("chat", &["--rate", "1000000"], "listening on ");
    let mut load = Command::new(example_binary("chat_load"))
        .args(["--port", &server.addr.port().to_string()])
        .args(["--clients", "5", "--messages", "20", "--size", "48", "--timeout", "10"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the chat_load example");
    let stdout = read_on_thread(load.stdout.take().expect("piped stdout"));
    let stderr = read_on_thread(load.stderr.take().expect("piped stderr"));
    let Some(status) = wait_with_deadline(&mut load) else {
        let _ = load.kill();
        let _ = load.wait();
        panic!("chat_load did not finish within {DEADLINE:?}");
    };
    let out = stdout.recv_timeout(DEADLINE).expect("chat_load's stdout");
    let err = stderr.recv_timeout(DEADLINE).expect("chat_load's stderr");
    assert!(status.success(), "chat_load failed: {status}\n{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    let expected = ["clients: 5", "clients failed: 0", "messages sent: 100", "delivered: 400"];
    for line in expected.into_iter().chain(["expected: 400", "unexpected lines: 0"]) {
        assert!(lines.contains(&line), "no line {line:?} in:\n{out}");
    }
    for key in ["seconds: ", "delivered per second: ", "latency p50: ", "latency p99: "] {
        assert!(lines.iter().any(|l| l.starts_with(key)), "no {key:?} line in:\n{out}");
    }
    server.stop();
}

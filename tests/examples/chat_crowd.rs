//! 10,000 clients in one chat room, with the server's default flags
//! (issue 9): they join as fast as they can connect while reading
//! everything, none is disconnected as too slow, one message reaches all
//! 9,999 others, and everyone leaves with `Goodbye!`.
//!
//! The clients are the `chat_crowd` example, in a child process; the
//! server is the `chat` example in another. Both start under a soft limit
//! of 1024 open files (this process sets it and they inherit it), so each
//! must raise its own limit to hold 10,000 sockets, as a server under a
//! stock `ulimit -n` must. In its own test binary, because it changes this
//! process's limit and uses 20,000 sockets on loopback.

#[path = "../common/mod.rs"]
mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::example::{Server, example_binary, read_on_thread};

const CLIENTS: usize = 10_000;
/// The whole run of `chat_crowd`, with time to spare: about 10 s in a
/// debug build on two cores.
const RUN_LIMIT: Duration = Duration::from_secs(180);
/// The bound on the server's peak resident memory. The line-counted queue
/// this replaced peaked at 144 MB (release) while disconnecting most of
/// the clients; now it is about 35 MB.
const PEAK_BOUND_KIB: u64 = 96 * 1024;

/// The value of the `key: value` line `key` in `out`.
fn value<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(": "))
        .unwrap_or_else(|| panic!("no {key:?} line in:\n{out}"))
}

#[test]
fn ten_thousand_clients_join_one_room_and_one_message_reaches_all_the_others() {
    let hard = reel::open_file_limit().expect("getrlimit").hard;
    assert!(hard > CLIENTS as u64 + 100, "needs a hard limit on open files above {CLIENTS}");
    common::set_soft_open_file_limit(1024);
    let server = Server::start_example("chat", &[], "listening on ");
    let pid = server.child.id();

    let started = Instant::now();
    let mut crowd = Command::new(example_binary("chat_crowd"))
        .args(["--port", &server.addr.port().to_string(), "--server-pid", &pid.to_string()])
        .args(["--clients", &CLIENTS.to_string(), "--timeout", "60"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the chat_crowd example");
    let stdout = read_on_thread(crowd.stdout.take().expect("piped stdout"));
    let stderr = read_on_thread(crowd.stderr.take().expect("piped stderr"));
    // Its stdout closes when it exits: that is the event to wait for.
    let out = stdout.recv_timeout(RUN_LIMIT).unwrap_or_else(|_| {
        let _ = crowd.kill();
        panic!("chat_crowd did not finish within {RUN_LIMIT:?}")
    });
    let status = crowd.wait().expect("chat_crowd's status");
    let err = stderr.recv_timeout(RUN_LIMIT).unwrap_or_default();
    eprintln!("chat_crowd ran {:?}:\n{out}{err}", started.elapsed());

    assert_eq!(value(&out, "round 1 joined"), format!("{CLIENTS} of {CLIENTS}"));
    assert_eq!(value(&out, "round 1 clients failed"), "0", "none disconnected");
    let others = CLIENTS - 1;
    assert_eq!(value(&out, "round 1 message reached"), format!("{others} of {others}"));
    assert_eq!(value(&out, "round 1 left with goodbye"), format!("{CLIENTS} of {CLIENTS}"));
    assert_eq!(value(&out, "round 1 online after leave"), "none");
    assert!(status.success(), "chat_crowd failed: {status}");
    let peak: u64 =
        value(&out, "round 1 server VmHWM").trim_end_matches(" KiB").parse().expect("VmHWM in KiB");
    assert!(peak < PEAK_BOUND_KIB, "server peak {peak} KiB (bound {PEAK_BOUND_KIB} KiB)");
}

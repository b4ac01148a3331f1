//! A chat client that never reads (examples/chat/PROTOCOL.md, "Slow
//! clients"): broadcast does not wait on it, it is dropped once its queue
//! would pass the byte cap (512 KiB behind the kernel's socket buffers;
//! alice's 9 MB burst gets there long before the 5-second no-progress rule
//! could), the talkers get every line, and the server's memory stays
//! bounded. Its own test binary, so nothing else shares the machine's
//! loopback buffers or the server.

#[path = "../common/mod.rs"]
mod common;

use std::io::Write;
use std::thread;

use common::chat::{Chatter, left_chat, start, strip_time};
use common::proc_status_kib;

/// Lines alice sends; each is `LINE_BYTES` long with its `\n`.
const MESSAGES: usize = 10_000;
const LINE_BYTES: usize = 900;
/// The bound on the server's peak resident memory.
const RSS_BOUND_KIB: u64 = 64 * 1024;

fn text(n: usize) -> String {
    // `[HH:MM] alice: ` is not counted: the text is what alice sends.
    let text = format!("{n:05} ");
    let pad = LINE_BYTES - 1 - text.len();
    format!("{text}{}", "x".repeat(pad))
}

#[test]
fn a_client_that_never_reads_is_dropped_and_the_talkers_get_every_line() {
    let server = start(&["--rate", "1000000", "--max-message", "1000"]);
    let pid = server.child.id();
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    let silent = Chatter::join_seen_by(&server, "silent", &mut [&mut alice, &mut bob]);
    let rss_at_start = proc_status_kib(pid, "VmRSS");

    // 9 MB for silent: far more than its socket buffers and a capped queue.
    let all: Vec<u8> = (0..MESSAGES).flat_map(|n| format!("{}\n", text(n)).into_bytes()).collect();
    let mut stream = alice.stream().try_clone().expect("clone alice's socket");
    let writer = thread::spawn(move || stream.write_all(&all).expect("alice sends everything"));

    let (mut next, mut notices, mut rss_seen) = (0, 0, rss_at_start);
    while next < MESSAGES || notices == 0 {
        let Some(line) = bob.line_or_eof() else {
            let peak = proc_status_kib(pid, "VmHWM");
            panic!(
                "bob, who reads all the time, was disconnected after {next} lines (VmHWM {peak} KiB)"
            );
        };
        if line == left_chat("silent") {
            notices += 1;
            continue;
        }
        assert_eq!(strip_time(&line), format!("alice: {}\n", text(next)), "every line, in order");
        next += 1;
        if next % 500 == 0 {
            rss_seen = rss_seen.max(proc_status_kib(pid, "VmRSS"));
        }
    }
    writer.join().expect("the writer thread");
    assert_eq!(notices, 1, "bob gets exactly one left notice for silent");
    bob.expect_who("lobby", "alice, bob");
    alice.expect(&left_chat("silent"));
    alice.expect_who("lobby", "alice, bob");
    server.expect_log(&["WARN", "silent"]);

    let peak = proc_status_kib(pid, "VmHWM");
    eprintln!(
        "server memory: VmRSS {rss_at_start} KiB after the joins, {rss_seen} KiB highest sampled, \
         VmHWM (peak) {peak} KiB; bound {RSS_BOUND_KIB} KiB"
    );
    assert!(peak < RSS_BOUND_KIB, "peak resident memory {peak} KiB");

    // silent finally reads: some of alice's lines, in order from the first,
    // then EOF (or a reset): the server has closed it.
    let got = silent.rest();
    let complete = got.matches('\n').count();
    eprintln!("silent got {} bytes ({complete} lines) before EOF", got.len());
    assert!(complete < MESSAGES, "silent cannot have had everything");
    for (n, line) in got.split_terminator('\n').take(complete).enumerate() {
        assert_eq!(strip_time(&format!("{line}\n")), format!("alice: {}\n", text(n)));
    }
}

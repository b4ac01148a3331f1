//! File descriptors are a budget (examples/http/SPEC.md, "Static files"):
//! under a small limit on open files, the open-file cache holds at most a
//! quarter of it, so a file that exists is never a 404 for want of a
//! descriptor, and new connections are accepted at once.
//!
//! The server runs under `ulimit -n 256` (soft and hard, so it cannot raise
//! it), started through a shell that execs it.

mod common;

use std::net::Ipv4Addr;
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
    let mut command = Command::new("bash");
    let script = format!("ulimit -n {limit} && exec \"$0\" \"$@\"");
    command.arg("-c").arg(script).arg(example_binary("http"));
    let root = root.root.to_str().expect("a UTF-8 temp path");
    command.args(["--port", "0", "-r", root, "--log", "warn"]);
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

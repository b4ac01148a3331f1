//! Out of file descriptors: accept fails with EMFILE while connections wait
//! in the backlog. The server must neither spin nor stop, nor leave those
//! clients waiting: it frees its reserve descriptor, accepts and closes
//! each one at once (libuv's trick), and serves new ones once descriptors
//! are free again. In its own binary, because it lowers this process's
//! RLIMIT_NOFILE.

#[path = "../common/mod.rs"]
mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{LIMIT, bounded};
use reel::stream::{StreamReader, StreamWriter};

/// The number the next descriptor would get: the lowest free one. With a
/// soft limit of this, every number below it is taken and the next open
/// fails with EMFILE (a count of open descriptors would miss a hole).
fn lowest_free_fd() -> u64 {
    use std::os::fd::AsRawFd;
    let probe = std::fs::File::open("/dev/null").expect("a free descriptor");
    probe.as_raw_fd() as u64
}

#[test]
fn on_emfile_waiting_clients_are_closed_at_once_without_spinning_then_served_again() {
    reel::run(async {
        let server = reel::start_server(
            "127.0.0.1:0",
            |mut r: StreamReader, mut w: StreamWriter| async move {
                if let Ok(line) = r.read_line().await {
                    let _ = w.write(&line);
                    let _ = w.drain().await;
                }
            },
        )
        .expect("start");
        let addr = server.local_addrs()[0];
        // Connected through the kernel's backlog, before the loop runs again.
        let mut clients: Vec<TcpStream> =
            (0..5).map(|_| TcpStream::connect(addr).expect("connect")).collect();
        for client in &mut clients {
            client.set_read_timeout(Some(LIMIT)).expect("timeout");
            client.write_all(b"hi\n").expect("send");
        }
        let previous = common::set_soft_open_file_limit(lowest_free_fd());
        assert!(std::fs::File::open("/dev/null").is_err(), "no descriptor is left");
        let ticks = reel::stats().ticks;
        let started = Instant::now();
        // Each waiting client learns at once that it was not served.
        let outcomes = bounded(reel::spawn_blocking(move || {
            clients
                .iter_mut()
                .map(|c| {
                    let mut rest = Vec::new();
                    let outcome = c.read_to_end(&mut rest);
                    (outcome.map_err(|e| e.kind()), rest, started.elapsed())
                })
                .collect::<Vec<_>>()
        }))
        .await
        .expect("clients");
        for (outcome, rest, after) in outcomes {
            assert!(
                matches!(outcome, Ok(0) | Err(ErrorKind::ConnectionReset)),
                "closed, not served: {outcome:?}"
            );
            assert!(rest.is_empty());
            assert!(after < Duration::from_secs(1), "closed after {after:?}, not left waiting");
        }
        reel::sleep(Duration::from_millis(300)).await;
        let spent = reel::stats().ticks - ticks;
        assert!(spent < 30, "{spent} ticks: the accept loop spun");
        assert_eq!(server.active_connections(), 0, "nothing could be served");
        assert!(server.is_serving(), "accept errors do not stop the server");

        common::set_soft_open_file_limit(previous);
        let reply = bounded(reel::spawn_blocking(move || {
            let mut late = TcpStream::connect(addr).expect("connect");
            late.set_read_timeout(Some(LIMIT)).expect("timeout");
            late.write_all(b"again\n").expect("send");
            let mut reply = [0u8; 6];
            late.read_exact(&mut reply).map(|()| reply)
        }))
        .await
        .expect("client");
        assert_eq!(&reply.expect("served after recovery"), b"again\n");
    });
}

//! Out of file descriptors: accept fails with EMFILE while connections wait
//! in the backlog. The server must neither spin nor stop: it logs, backs off,
//! and accepts them once descriptors are free again. In its own binary,
//! because it lowers this process's RLIMIT_NOFILE.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{LIMIT, bounded};
use reel::stream::{StreamReader, StreamWriter};

/// Sets the soft limit on open files; returns the previous one.
#[allow(unsafe_code)]
fn set_open_file_limit(soft: libc::rlim_t) -> libc::rlim_t {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one rlimit into the struct we pass.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) }, 0);
    let previous = limit.rlim_cur;
    limit.rlim_cur = soft;
    // SAFETY: setrlimit reads one valid rlimit; lowering the soft limit
    // below the hard one is always allowed.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
    previous
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").expect("procfs").count()
}

#[test]
fn accept_backs_off_on_emfile_and_recovers() {
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
        // read_dir holds one fd while it counts: the limit leaves no room.
        let previous = set_open_file_limit((open_fds() - 1) as libc::rlim_t);
        let ticks = reel::stats().ticks;
        reel::sleep(Duration::from_millis(350)).await;
        let spent = reel::stats().ticks - ticks;
        assert_eq!(server.active_connections(), 0, "nothing could be accepted");
        assert!(server.is_serving(), "accept errors do not stop the server");
        assert!(spent < 30, "{spent} ticks in 350 ms: the accept loop spun");

        set_open_file_limit(previous);
        let replies = bounded(reel::spawn_blocking(move || {
            clients
                .iter_mut()
                .map(|c| {
                    let mut reply = [0u8; 3];
                    c.read_exact(&mut reply).map(|()| reply)
                })
                .collect::<Vec<_>>()
        }))
        .await
        .expect("clients");
        for reply in replies {
            assert_eq!(&reply.expect("served after recovery"), b"hi\n");
        }
    });
}

//! 10,000 connections through one loop leave nothing behind: no registration,
//! no task, no file descriptor.
//!
//! This is its own test binary, with this one test, so that no other test
//! opens or closes file descriptors in the process while it counts them.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reel::net::{TcpListener, TcpStream};

const CONNECTIONS: usize = 10_000;
/// At most this many client connections are open at once (the process may
/// hold 20,000 files, and each connection costs two: client and server).
const BATCH: usize = 1_000;
/// The longest any single wait may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(10);

/// Open file descriptors of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").expect("read /proc/self/fd").count()
}

/// Opens `CONNECTIONS` connections in batches of `BATCH`: each client sends
/// one byte, reads it back, then reads EOF (the server closed), and closes.
fn clients(addr: SocketAddr) -> io::Result<usize> {
    let mut done = 0;
    while done < CONNECTIONS {
        let batch = BATCH.min(CONNECTIONS - done);
        let mut open = Vec::with_capacity(batch);
        for i in 0..batch {
            let stream = std::net::TcpStream::connect(addr)?;
            stream.set_read_timeout(Some(DEADLINE))?;
            stream.set_write_timeout(Some(DEADLINE))?;
            open.push((stream, (done + i) as u8));
        }
        for (stream, byte) in &mut open {
            stream.write_all(&[*byte])?;
        }
        for (stream, byte) in &mut open {
            let mut back = [0; 2];
            let n = stream.read(&mut back)?;
            if n != 1 || back[0] != *byte {
                return Err(io::Error::other(format!(
                    "expected echo {byte}, got {:?}",
                    &back[..n]
                )));
            }
            if stream.read(&mut back)? != 0 {
                return Err(io::Error::other("expected EOF after the echo"));
            }
        }
        done += open.len();
        // The whole batch closes here.
    }
    Ok(done)
}

/// Echoes one byte, then closes the connection.
async fn echo_one_byte(mut stream: TcpStream) -> io::Result<()> {
    let mut byte = [0; 1];
    let n = reel::timeout(DEADLINE, stream.read(&mut byte)).await.map_err(io::Error::other)??;
    if n != 1 {
        return Err(io::Error::other("EOF before the byte"));
    }
    reel::timeout(DEADLINE, stream.write_all(&byte)).await.map_err(io::Error::other)?
}

#[test]
fn ten_thousand_connections_leave_no_registration_task_or_fd_behind() {
    reel::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        let baseline = reel::stats();
        let baseline_fds = open_fds();
        let started = Instant::now();

        let client = reel::spawn_blocking(move || clients(addr));
        let mut handlers = Vec::with_capacity(CONNECTIONS);
        let mut most_registered = 0;
        for accepted in 0..CONNECTIONS {
            let (stream, _) = reel::timeout(DEADLINE, listener.accept())
                .await
                .unwrap_or_else(|_| panic!("accept timed out after {accepted} connections"))
                .expect("accept");
            handlers.push(reel::spawn(echo_one_byte(stream)));
            most_registered = most_registered.max(reel::stats().registrations);
        }
        for (i, handler) in handlers.into_iter().enumerate() {
            reel::timeout(DEADLINE, handler)
                .await
                .unwrap_or_else(|_| panic!("connection {i} was not done in time"))
                .expect("handler task did not panic")
                .unwrap_or_else(|e| panic!("connection {i}: {e}"));
        }
        let served = reel::timeout(DEADLINE, client)
            .await
            .expect("clients done in time")
            .expect("client thread did not panic")
            .expect("client I/O");
        let elapsed = started.elapsed();
        eprintln!(
            "{served} connections in {elapsed:?} ({:.0} per second), at most {} sockets registered at once",
            served as f64 / elapsed.as_secs_f64(),
            most_registered
        );

        assert_eq!(served, CONNECTIONS);
        assert!(
            most_registered <= baseline.registrations + BATCH,
            "more sockets registered at once ({most_registered}) than connections open"
        );
        let after = reel::stats();
        assert_eq!(after.registrations, baseline.registrations, "every socket deregistered");
        assert_eq!(after.tasks, baseline.tasks, "every connection's task finished");
        assert_eq!(open_fds(), baseline_fds, "every socket closed");
        drop(listener);
        assert_eq!(reel::stats().registrations, baseline.registrations - 1);
    });
}

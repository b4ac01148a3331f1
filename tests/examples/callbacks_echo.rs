//! The `callbacks_echo` example, the course's `selectors` echo on reel's
//! callbacks, run as a user runs it: the built binary on a free port,
//! `std::net` clients, every wait bounded.

#[path = "../common/mod.rs"]
mod common;

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::thread;

use common::example::Server;

fn start() -> Server {
    Server::start_example("callbacks_echo", &[], "listening on ")
}

#[test]
fn clients_get_their_lines_back_and_one_closing_leaves_the_others_served() {
    let server = start();
    let (mut ann, mut bob) = (server.connect(), server.connect());
    for (client, line) in [(&mut ann, b"ann\n"), (&mut bob, b"bob\n")] {
        client.write_all(line).unwrap();
        let mut back = [0; 4];
        client.read_exact(&mut back).unwrap();
        assert_eq!(&back, line);
    }
    let ann_port = ann.local_addr().unwrap().port().to_string();
    drop(ann);
    server.expect_log(&[&ann_port, "closed"]);
    bob.write_all(b"still here\n").unwrap();
    let mut back = [0; 11];
    bob.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"still here\n");
}

/// A client that writes eight megabytes and reads nothing until the server
/// says it paused: the server's writes filled the socket (its send buffer
/// grows to 4 MiB at most here, and the client's receive buffer is pinned
/// small), so it stopped reading and waits on `add_writer`. Then every byte comes back, in order,
/// and the server resumes reading to the end.
#[test]
fn a_client_that_does_not_read_its_echo_pauses_reading_and_gets_every_byte_back() {
    let server = start();
    let stream = server.connect();
    pin_receive_buffer(&stream, 16 << 10);
    let payload: Vec<u8> = (0..8 << 20).map(|i: u32| (i % 251) as u8).collect();
    let mut writer = stream.try_clone().unwrap();
    let sent = payload.clone();
    let writing = thread::spawn(move || -> io::Result<()> {
        writer.write_all(&sent)?;
        writer.shutdown(Shutdown::Write)
    });
    let port = stream.local_addr().unwrap().port().to_string();
    server.expect_log(&[&port, "is not reading its echo; reading paused"]);
    let mut back = Vec::new();
    (&stream).read_to_end(&mut back).expect("the echo, then EOF");
    writing.join().unwrap().expect("the payload was written");
    assert!(back == payload, "{} bytes back of {}", back.len(), payload.len());
    server.expect_log(&[&port, "closed (reading paused"]);
}

/// Sets SO_RCVBUF, which also stops the kernel from growing the buffer.
#[allow(unsafe_code)]
fn pin_receive_buffer(stream: &std::net::TcpStream, bytes: libc::c_int) {
    use std::os::fd::AsRawFd;
    let size = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    let value = (&raw const bytes).cast();
    // SAFETY: the fd is the open socket `stream` owns; `value` points at a
    // c_int that lives across the call, and `size` is its size.
    let rc = unsafe {
        libc::setsockopt(stream.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF, value, size)
    };
    assert_eq!(rc, 0, "setsockopt SO_RCVBUF: {}", io::Error::last_os_error());
}

#[test]
fn a_quiet_second_is_reported_as_the_course_loop_does() {
    let server = start();
    server.expect_log(&["no events for a second; waiting"]);
}

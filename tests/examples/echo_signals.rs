//! SIGINT and SIGTERM on the echo example: stop accepting at once, a reply
//! that is owed and then the goodbye for every client, exit 0.

#[path = "../common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::example::{DEADLINE, Server};

/// Polls until a connect is refused (the listener is closed), with a deadline.
fn refused_within_deadline(server: &Server) -> Duration {
    let started = Instant::now();
    while started.elapsed() < DEADLINE {
        match TcpStream::connect(server.addr) {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                return started.elapsed();
            }
            // Still listening: the signal is on its way.
            _ => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    panic!("the server still accepted connections {DEADLINE:?} after the signal")
}

#[test]
fn sigterm_refuses_new_clients_and_says_goodbye_after_the_owed_reply() {
    let mut server = Server::start_example("echo", &["--protocol"], "listening on ");
    let mut client = BufReader::new(server.connect());
    let mut line = String::new();
    client.read_line(&mut line).expect("greeting");
    client.read_line(&mut line).expect("commands");
    // A line sent just before the signal is still answered.
    client.get_mut().write_all(b"last words\r\n").expect("send");
    server.signal(libc::SIGTERM);
    let took = refused_within_deadline(&server);
    eprintln!("new connects refused {took:?} after SIGTERM");
    let mut rest = String::new();
    client.read_to_string(&mut rest).expect("read to EOF");
    assert_eq!(rest, "Echo: last words\r\nServer shutting down. Goodbye!\r\n");
    assert!(server.wait_exit().success(), "exit 0");
}

/// SIGHUP (the terminal closed) stops gracefully as SIGTERM does: the line
/// in flight is answered, then the goodbye, then exit 0 (it was exit 129).
#[test]
fn sighup_answers_the_line_in_flight_says_goodbye_and_exits_zero() {
    let mut server = Server::start_example("echo", &["--protocol"], "listening on ");
    let mut client = BufReader::new(server.connect());
    let mut line = String::new();
    client.read_line(&mut line).expect("greeting");
    client.read_line(&mut line).expect("commands");
    client.get_mut().write_all(b"in flight\r\n").expect("send");
    server.signal(libc::SIGHUP);
    let mut rest = String::new();
    client.read_to_string(&mut rest).expect("read to EOF");
    assert_eq!(rest, "Echo: in flight\r\nServer shutting down. Goodbye!\r\n");
    assert!(server.wait_exit().success(), "exit 0");
    server.expect_log(&["SIGHUP", "shutting down"]);
}

#[test]
fn sigint_says_goodbye_to_plain_clients_and_exits_zero() {
    let mut server = Server::start_example("echo", &[], "listening on ");
    let mut clients: Vec<TcpStream> = (0..3).map(|_| server.connect()).collect();
    for client in &mut clients {
        client.write_all(b"ping\n").expect("send");
        let mut echo = [0u8; 5];
        client.read_exact(&mut echo).expect("echo");
        assert_eq!(&echo, b"ping\n");
    }
    server.signal(libc::SIGINT);
    for mut client in clients {
        let mut rest = String::new();
        client.read_to_string(&mut rest).expect("read to EOF");
        assert_eq!(rest, "Server shutting down. Goodbye!\r\n");
    }
    assert!(server.wait_exit().success(), "exit 0");
}

#[test]
fn a_client_that_stops_reading_cannot_hold_up_exit_past_the_grace_period() {
    let mut server = Server::start_example("echo", &["--grace", "0.5"], "listening on ");
    let mut stuck = server.connect();
    // Far more than the socket buffers hold, and never read back: the
    // handler blocks writing its echo.
    let payload = vec![b'x'; 8 << 20];
    let writer = std::thread::spawn(move || {
        let _ = stuck.write_all(&payload);
        stuck
    });
    std::thread::sleep(Duration::from_millis(200)); // let the buffers fill
    let started = Instant::now();
    server.signal(libc::SIGTERM);
    assert!(server.wait_exit().success(), "exit 0");
    assert!(started.elapsed() < Duration::from_secs(3), "exited after {:?}", started.elapsed());
    drop(writer.join());
}

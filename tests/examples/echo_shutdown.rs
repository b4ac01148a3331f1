//! The echo example's stop loses nothing: what a client sent before the
//! stop is answered before its goodbye, and every connection ends with the
//! goodbye and a clean FIN, never a reset; in byte mode and protocol mode.

#[path = "../common/mod.rs"]
mod common;

use std::cell::RefCell;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::example::{DEADLINE, Server};

const GOODBYE: &str = "Server shutting down. Goodbye!\r\n";

fn connect(server: &Server, protocol: bool) -> BufReader<TcpStream> {
    let mut client = BufReader::new(server.connect());
    if protocol {
        let mut greeting = String::new();
        client.read_line(&mut greeting).expect("welcome");
        client.read_line(&mut greeting).expect("commands");
    }
    client
}

/// Frozen with SIGSTOP, each of 20 clients sends a line; then SIGTERM and
/// SIGCONT: each gets its answer, the goodbye, and a clean EOF.
fn frozen(args: &[&str], answer: fn(usize) -> String) {
    let protocol = args.contains(&"--protocol");
    let mut server = Server::start_example("echo", args, "listening on ");
    let mut clients: Vec<_> = (0..20).map(|_| connect(&server, protocol)).collect();
    server.signal(libc::SIGSTOP);
    for (i, client) in clients.iter_mut().enumerate() {
        client.get_mut().write_all(format!("line {i}\r\n").as_bytes()).expect("send");
    }
    server.signal(libc::SIGTERM);
    server.signal(libc::SIGCONT);
    for (i, mut client) in clients.into_iter().enumerate() {
        let mut rest = String::new();
        let end = client.read_to_string(&mut rest).map_err(|e| e.kind());
        assert_eq!(end.map(|_| ()), Ok(()), "client {i}: EOF, not a reset: {rest:?}");
        assert_eq!(rest, format!("{}{GOODBYE}", answer(i)), "client {i}");
    }
    assert!(server.wait_exit().success(), "exit 0");
}

#[test]
fn frozen_stop_in_byte_mode_echoes_what_arrived_then_says_goodbye() {
    frozen(&[], |i| format!("line {i}\r\n"));
}

#[test]
fn frozen_stop_in_protocol_mode_answers_what_arrived_then_says_goodbye() {
    frozen(&["--protocol"], |i| format!("Echo: line {i}\r\n"));
}

/// How one loaded connection ended.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    /// Lines answered.
    answered: u64,
    /// Connections that ended with the goodbye and a clean EOF.
    goodbyes: u64,
    resets: u64,
    /// Anything else: a wrong answer, EOF without the goodbye.
    wrong: u64,
}

/// Sends lines back to back without waiting for their answers (so some
/// are always in flight, in both directions, when the stop comes) and
/// reads the answers: each must answer the next line sent, until the
/// goodbye, and then a clean EOF. The writer stops at the goodbye.
async fn keep_talking(addr: SocketAddr, protocol: bool, tally: Rc<RefCell<Tally>>) {
    let stream = reel::net::TcpStream::connect(addr).await.expect("connect");
    let (read, mut write) = stream.into_split();
    let mut reader = reel::stream::StreamReader::new(read);
    if protocol {
        for _ in 0..2 {
            reader.read_line().await.expect("greeting");
        }
    }
    let done = Rc::new(std::cell::Cell::new(false));
    let stop_writing = done.clone();
    let writer = reel::spawn(async move {
        for n in 0u64.. {
            let sent = write.write_all(format!("ping {n}\r\n").as_bytes()).await;
            if stop_writing.get() || sent.is_err() {
                return;
            }
            reel::yield_now().await;
        }
    });
    let end = read_answers(&mut reader, protocol, &tally).await;
    done.set(true);
    let _ = writer.await;
    let mut tally = tally.borrow_mut();
    match end {
        Ok(true) => tally.goodbyes += 1,
        Ok(false) => tally.wrong += 1,
        Err(()) => tally.resets += 1,
    }
}

/// `Ok(true)`: every answer right, the goodbye, then EOF.
async fn read_answers(
    reader: &mut reel::stream::StreamReader,
    protocol: bool,
    tally: &RefCell<Tally>,
) -> Result<bool, ()> {
    for n in 0u64.. {
        let got = match reader.read_line().await {
            Ok(got) => got,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Err(()),
            Err(e) => panic!("read: {e}"),
        };
        let echo = if protocol { format!("Echo: ping {n}\r\n") } else { format!("ping {n}\r\n") };
        if got == echo.as_bytes() {
            tally.borrow_mut().answered += 1;
            continue;
        }
        if got != GOODBYE.as_bytes() {
            return Ok(false);
        }
        return match reader.read_line().await {
            Ok(rest) => Ok(rest.is_empty()),
            Err(_) => Err(()),
        };
    }
    unreachable!()
}

#[allow(unsafe_code)]
fn terminate(pid: u32) {
    // SAFETY: kill(2) takes plain integers; the pid is our own live child.
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) }, 0);
}

/// 20 connections talking without pause; SIGTERM after half a second.
fn loaded(args: &[&str]) {
    let protocol = args.contains(&"--protocol");
    for round in 1..=3 {
        let mut server = Server::start_example("echo", args, "listening on ");
        let (addr, pid) = (server.addr, server.child.id());
        let tally = reel::run(async move {
            let tally = Rc::new(RefCell::new(Tally::default()));
            let clients: Vec<_> =
                (0..20).map(|_| reel::spawn(keep_talking(addr, protocol, tally.clone()))).collect();
            reel::sleep(Duration::from_millis(500)).await;
            terminate(pid);
            let started = Instant::now();
            for client in clients {
                let left = DEADLINE.saturating_sub(started.elapsed());
                reel::timeout(left, client).await.expect("every client ends").expect("client");
            }
            *tally.borrow()
        });
        eprintln!("{args:?} round {round}: {tally:?}");
        assert_eq!((tally.resets, tally.wrong, tally.goodbyes), (0, 0, 20), "{tally:?}");
        assert!(tally.answered > 20, "the load ran: {tally:?}");
        assert!(server.wait_exit().success(), "exit 0");
    }
}

#[test]
fn a_stop_under_load_in_byte_mode_resets_nothing() {
    loaded(&[]);
}

#[test]
fn a_stop_under_load_in_protocol_mode_resets_nothing() {
    loaded(&["--protocol"]);
}

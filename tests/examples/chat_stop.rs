//! A graceful stop loses nothing (examples/chat/PROTOCOL.md, "Shutdown"):
//! what a client sent before SIGTERM is answered before every goodbye, the
//! goodbye is each client's last line, and every connection ends with a
//! clean EOF, never a reset, even while clients are sending.

#[path = "../common/mod.rs"]
mod common;

use std::io::{BufRead, ErrorKind, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;

use common::chat::{Chatter, SHUTDOWN, start, strip_time};
use common::example::DEADLINE;

/// Clients in each test.
const CLIENTS: usize = 20;

fn name(i: usize) -> String {
    format!("c{i:02}")
}

/// `CLIENTS` clients in the lobby, each having read every notice so far.
fn crowd(server: &common::example::Server) -> Vec<Chatter> {
    let mut clients: Vec<Chatter> = Vec::new();
    for i in 0..CLIENTS {
        let mut others: Vec<&mut Chatter> = clients.iter_mut().collect();
        let client = Chatter::join_seen_by(server, &name(i), &mut others);
        clients.push(client);
    }
    clients
}

/// A chat line without its `[HH:MM] `; any other line as it is.
fn untimed(line: &str) -> &str {
    if line.starts_with('[') { strip_time(line) } else { line }
}

/// Lines c00 sends in one burst before the stop.
const BURST: usize = 100;

fn burst_line(k: usize) -> String {
    format!("{} says {k}", name(0))
}

/// The server is frozen (SIGSTOP) while every client sends: c00 a burst of
/// `BURST` chat lines, the other even clients one chat line, the odd ones
/// `/who`; SIGTERM arrives before it runs again, so when it wakes, the stop
/// and every line are there at once. c00 needs several turns for its burst
/// (a session yields every 16 lines), and a client that said goodbye after
/// its own line would miss the rest. Each client must get every line of
/// every other client (the burst in order) and its own answer, then the
/// goodbye, then a clean EOF.
#[test]
fn lines_sent_before_sigterm_are_answered_before_every_goodbye() {
    let mut server = start(&["--grace", "4", "--rate", "1000000"]);
    let mut clients = crowd(&server);
    let everyone: Vec<String> = (0..CLIENTS).map(name).collect();
    clients[0].expect_who("lobby", &everyone.join(", "));

    server.signal(libc::SIGSTOP);
    let burst: String = (0..BURST).map(|k| format!("{}\n", burst_line(k))).collect();
    clients[0].send_raw(burst.as_bytes());
    for (i, client) in clients.iter_mut().enumerate().skip(1) {
        if i % 2 == 0 {
            client.send(&format!("last words of {}", name(i)));
        } else {
            client.send("/who");
        }
    }
    server.signal(libc::SIGTERM);
    server.signal(libc::SIGCONT);

    for (i, client) in clients.into_iter().enumerate() {
        let who = name(i);
        let rest = client.rest_clean();
        let mut lines: Vec<&str> = rest.split_inclusive('\n').collect();
        assert_eq!(lines.pop(), Some(SHUTDOWN), "{who}: the goodbye is last, after {lines:?}");
        let lines: Vec<&str> = lines.into_iter().map(untimed).collect();
        let (from_c00, mut others): (Vec<&str>, Vec<&str>) =
            lines.into_iter().partition(|line| line.starts_with("c00: "));
        let burst: Vec<String> = (0..BURST).map(|k| format!("c00: {}\n", burst_line(k))).collect();
        if i != 0 {
            let got = from_c00.len();
            assert_eq!(got, BURST, "{who}: {got} of c00's {BURST} lines before the goodbye");
            assert_eq!(from_c00, burst, "{who}: c00's burst, in order");
        }
        others.sort_unstable();
        let mut want: Vec<String> = (2..CLIENTS)
            .filter(|&j| j % 2 == 0 && j != i)
            .map(|j| format!("{0}: last words of {0}\n", name(j)))
            .collect();
        if i % 2 == 1 {
            want.push(format!("Users in lobby: {}\n", everyone.join(", ")));
        }
        want.sort_unstable();
        assert_eq!(others, want, "{who}: every other line sent before the stop, answered");
    }
    let status = server.wait_exit();
    assert!(status.success(), "exit 0, got {status}");
}

/// What one reader thread saw: the answers, in order, then how it ended.
struct Seen {
    answers: usize,
    goodbye: bool,
    clean_eof: bool,
    stray: Option<String>,
}

/// Reads `/pingN` answers, in order from 0, then the goodbye and EOF;
/// tells the writer to stop once the goodbye (or the end) has come.
fn read_answers(mut reader: impl BufRead, stop: &AtomicBool, warmed: mpsc::Sender<()>) -> Seen {
    let mut seen = Seen { answers: 0, goodbye: false, clean_eof: false, stray: None };
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => {
                seen.clean_eof = true;
                break;
            }
            Ok(_) if seen.goodbye || seen.stray.is_some() => {
                seen.stray.get_or_insert(line.clone());
            }
            Ok(_) if line == SHUTDOWN => seen.goodbye = true,
            Ok(_)
                if line
                    == format!(
                        "Unknown command: /ping{}. Type /help for help.\n",
                        seen.answers
                    ) =>
            {
                seen.answers += 1;
                if seen.answers == 200 {
                    let _ = warmed.send(());
                }
            }
            Ok(_) => seen.stray = Some(line.clone()),
            Err(e) => {
                seen.stray.get_or_insert(format!("read error: {e}"));
                break;
            }
        }
        if seen.goodbye || seen.stray.is_some() {
            stop.store(true, Ordering::Relaxed);
        }
    }
    stop.store(true, Ordering::Relaxed);
    seen
}

/// Sends `/ping0`, `/ping1`, ... back to back until told to stop, then
/// shuts its side down (the server is draining it: the writes go through).
fn send_pings(mut socket: std::net::TcpStream, stop: &AtomicBool) {
    let mut next = 0;
    while !stop.load(Ordering::Relaxed) {
        let batch: String = (next..next + 50).map(|n| format!("/ping{n}\n")).collect();
        next += 50;
        match socket.write_all(batch.as_bytes()) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
                panic!("a write stalled for {DEADLINE:?}: the server stopped reading")
            }
            Err(_) => break, // the reader will say what happened
        }
    }
    let _ = socket.shutdown(std::net::Shutdown::Write);
}

/// Every client sends commands without pause while SIGTERM arrives. Each
/// must get answers for a prefix of what it sent, in order, then the
/// goodbye, then a clean EOF: no line lost in the middle, no reset.
#[test]
fn clients_sending_without_pause_through_sigterm_get_answers_a_goodbye_and_no_reset() {
    let mut server = start(&["--grace", "4"]);
    let clients = crowd(&server);
    let (warmed_tx, warmed) = mpsc::channel();
    let mut threads = Vec::new();
    for (i, client) in clients.into_iter().enumerate() {
        let (reader, socket) = client.split();
        let stop = Arc::new(AtomicBool::new(false));
        let writer_stop = stop.clone();
        let writer = thread::spawn(move || send_pings(socket, &writer_stop));
        let warmed = warmed_tx.clone();
        let reader = thread::spawn(move || read_answers(reader, &stop, warmed));
        threads.push((i, writer, reader));
    }
    for _ in 0..CLIENTS {
        warmed.recv_timeout(DEADLINE).expect("every client gets answers before the stop");
    }
    server.signal(libc::SIGTERM);
    for (i, writer, reader) in threads {
        let seen = reader.join().expect("reader thread");
        writer.join().expect("writer thread");
        let who = name(i);
        assert_eq!(seen.stray, None, "{who}: after {} answers", seen.answers);
        assert!(seen.goodbye, "{who}: the goodbye after {} answers", seen.answers);
        assert!(seen.clean_eof, "{who}: a clean EOF");
        eprintln!("{who}: {} answers, then the goodbye and EOF", seen.answers);
    }
    let status = server.wait_exit();
    assert!(status.success(), "exit 0, got {status}");
}

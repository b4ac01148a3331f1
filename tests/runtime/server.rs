//! start_server and Server: serving, close, shutdown with grace, several
//! servers in one loop, the connection limit, and a failing handler.

#[path = "../common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::{LIMIT, bounded};
use reel::stream::{Server, ServerOptions, StreamReader, StreamWriter, start_server_with};

/// The course's handler: echo lines until EOF.
async fn echo_lines(mut reader: StreamReader, mut writer: StreamWriter) {
    while let Ok(line) = reader.read_line().await {
        if line.is_empty() || writer.write(&line).is_err() || writer.drain().await.is_err() {
            break;
        }
    }
}

fn client(addr: SocketAddr) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(LIMIT)).expect("timeout");
    BufReader::new(stream)
}

/// Sends a line and reads the reply line, on the blocking pool so the loop
/// keeps serving.
async fn ask(mut conn: BufReader<TcpStream>, line: &'static str) -> (BufReader<TcpStream>, String) {
    bounded(reel::spawn_blocking(move || {
        conn.get_mut().write_all(line.as_bytes()).expect("send");
        let mut reply = String::new();
        conn.read_line(&mut reply).expect("reply");
        (conn, reply)
    }))
    .await
    .expect("client task")
}

/// Reads to EOF (or reset) on the blocking pool; returns what came.
async fn rest(mut conn: BufReader<TcpStream>) -> String {
    bounded(reel::spawn_blocking(move || {
        let mut text = String::new();
        let _ = conn.read_to_string(&mut text);
        text
    }))
    .await
    .expect("client task")
}

fn serve_echo() -> Server {
    reel::start_server("127.0.0.1:0", echo_lines).expect("start")
}

#[test]
fn serves_each_connection_in_its_own_task() {
    reel::run(async {
        let server = serve_echo();
        assert!(server.is_serving());
        let addr = server.local_addrs()[0];
        assert_ne!(addr.port(), 0);
        let (a, b) = (client(addr), client(addr));
        let (a, reply_a) = ask(a, "from a\n").await;
        let (b, reply_b) = ask(b, "from b\n").await;
        assert_eq!((reply_a.as_str(), reply_b.as_str()), ("from a\n", "from b\n"));
        assert_eq!(server.active_connections(), 2);
        drop((a, b));
        server.close();
        bounded(server.wait_closed()).await;
        assert_eq!(server.active_connections(), 0);
    });
}

#[test]
fn close_refuses_new_connects_at_once_while_open_ones_go_on() {
    reel::run(async {
        let server = serve_echo();
        let addr = server.local_addrs()[0];
        let (open, _) = ask(client(addr), "before\n").await;
        server.close();
        assert!(!server.is_serving());
        let refused = TcpStream::connect(addr).expect_err("the socket is closed, not backlogged");
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
        let (open, reply) = ask(open, "after close\n").await;
        assert_eq!(reply, "after close\n", "the open connection is still served");
        let waiting = reel::spawn(async move {
            server.wait_closed().await;
            server
        });
        reel::yield_now().await;
        assert!(!waiting.is_finished(), "a handler still runs");
        drop(open);
        let server = bounded(waiting).await.expect("wait_closed returns once it ends");
        assert_eq!(server.active_connections(), 0);
    });
}

#[test]
fn shutdown_waits_for_the_grace_period_then_cancels_and_reports() {
    reel::run(async {
        // Answers one line, then ends; a client that never sends keeps its
        // handler waiting forever.
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
        let (polite, silent) = (client(addr), client(addr));
        while server.active_connections() < 2 {
            reel::yield_now().await;
        }
        let finisher = reel::spawn(ask(polite, "bye\n"));
        let report = bounded(server.shutdown(Duration::from_millis(300))).await;
        assert_eq!((report.finished, report.cancelled), (1, 1));
        let (_, reply) = bounded(finisher).await.expect("client");
        assert_eq!(reply, "bye\n");
        assert_eq!(rest(silent).await, "", "the cancelled handler's connection is closed");
        assert_eq!(reel::stats().registrations, 0, "no socket left behind");
    });
}

#[test]
fn several_servers_share_one_loop() {
    reel::run(async {
        let servers: Vec<Server> = (0..3).map(|_| serve_echo()).collect();
        for (i, server) in servers.iter().enumerate() {
            let line: &'static str = ["zero\n", "one\n", "two\n"][i];
            let (_, reply) = ask(client(server.local_addrs()[0]), line).await;
            assert_eq!(reply, line);
        }
        for server in &servers {
            server.close();
            bounded(server.wait_closed()).await;
        }
    });
}

#[test]
fn past_the_limit_a_client_gets_the_refusal_and_the_others_go_on() {
    reel::run(async {
        let options = ServerOptions::new().max_connections(2).refuse_with(
            |_r: StreamReader, mut w: StreamWriter| async move {
                let _ = w.write(b"Server is busy. Try again later.\r\n");
                let _ = w.wait_closed().await;
            },
        );
        let server = start_server_with("127.0.0.1:0", options, echo_lines).expect("start");
        let addr = server.local_addrs()[0];
        let (first, _) = ask(client(addr), "1\n").await;
        let (second, _) = ask(client(addr), "2\n").await;
        assert_eq!(rest(client(addr)).await, "Server is busy. Try again later.\r\n");
        let (first, reply) = ask(first, "still here\n").await;
        assert_eq!(reply, "still here\n");
        drop(first);
        while server.active_connections() > 1 {
            reel::yield_now().await;
        }
        let (_, reply) = ask(client(addr), "room again\n").await;
        assert_eq!(reply, "room again\n");
        drop(second);
    });
}

#[test]
fn a_panicking_handler_closes_its_connection_only() {
    reel::run(async {
        let server = reel::start_server(
            "127.0.0.1:0",
            |mut r: StreamReader, mut w: StreamWriter| async move {
                let line = r.read_line().await.unwrap_or_default();
                if line == b"boom\n" {
                    panic!("handler failed on purpose");
                }
                let _ = w.write(&line);
                let _ = w.drain().await;
            },
        )
        .expect("start");
        let addr = server.local_addrs()[0];
        let mut doomed = client(addr);
        doomed.get_mut().write_all(b"boom\n").expect("send");
        assert_eq!(rest(doomed).await, "", "closed without a reply");
        let (_, reply) = ask(client(addr), "fine\n").await;
        assert_eq!(reply, "fine\n");
        assert!(server.is_serving());
        assert_eq!(server.active_connections(), 0, "the panicked handler left the table");
    });
}

#[test]
fn a_tcp_server_hands_over_the_raw_stream_and_the_peer() {
    reel::run(async {
        let server = reel::stream::start_tcp_server(
            "127.0.0.1:0",
            ServerOptions::new(),
            |mut stream: reel::net::TcpStream, peer: SocketAddr| async move {
                assert_eq!(stream.peer_addr().ok(), Some(peer));
                let reply = format!("you are {peer}\n");
                let _ = stream.write_all(reply.as_bytes()).await;
            },
        )
        .expect("start");
        let conn = client(server.local_addrs()[0]);
        let me = conn.get_ref().local_addr().expect("local addr");
        assert_eq!(rest(conn).await, format!("you are {me}\n"));
    });
}

#[test]
fn two_loops_on_two_threads_serve_one_port_with_reuse_port() {
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let first = std::thread::spawn(move || {
        reel::run(async move {
            let options = ServerOptions::new().reuse_port(true);
            let server = start_server_with("127.0.0.1:0", options, echo_lines).expect("first");
            port_tx.send(server.local_addrs()[0]).expect("main alive");
            bounded(reel::sleep(std::time::Duration::from_millis(300))).await;
        })
    });
    let addr = port_rx.recv_timeout(LIMIT).expect("first worker's port");
    reel::run(async move {
        let options = ServerOptions::new().join_reuse_port(true);
        let second = start_server_with(addr, options, echo_lines).expect("same port again");
        assert_eq!(second.local_addrs()[0], addr);
        let (_, reply) = ask(client(addr), "either worker\n").await;
        assert_eq!(reply, "either worker\n");
    });
    first.join().expect("first worker");
}

#[test]
fn close_answers_the_connections_still_in_the_backlog_instead_of_resetting_them() {
    reel::run(async {
        let server = serve_echo();
        let addr = server.local_addrs()[0];
        // Completed by the kernel and waiting in the backlog: the loop has
        // not run since, so the accept task has not seen them.
        let mut waiting: Vec<BufReader<TcpStream>> = (0..5).map(|_| client(addr)).collect();
        for (i, conn) in waiting.iter_mut().enumerate() {
            conn.get_mut().write_all(format!("queued {i}\n").as_bytes()).expect("send");
            conn.get_mut().shutdown(std::net::Shutdown::Write).expect("FIN");
        }
        assert_eq!(server.active_connections(), 0, "none accepted yet");
        server.close();
        assert_eq!(server.active_connections(), 5, "close took the backlog in");
        for (i, conn) in waiting.into_iter().enumerate() {
            assert_eq!(rest(conn).await, format!("queued {i}\n"), "answered, then a clean EOF");
        }
        bounded(server.wait_closed()).await;
    });
}

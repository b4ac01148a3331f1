//! `reel::stream::start_tls_client` and `start_tls_server` (the feature
//! `tls`): a plaintext `STARTTLS` line, an `OK`, then both sides upgrade and
//! talk over TLS; a server's unsent plaintext goes out before the
//! handshake; a client's ClientHello sent right behind its `STARTTLS` line
//! (already in the server's reader) is not lost; garbage instead of a
//! handshake, and a stalled one, are errors and the server goes on; a
//! closed writer cannot be upgraded; halves of two streams do not reunite.
//! Loopback only, certificates under `tests/certs/`, every wait bounded.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reel::net::{ReuniteError, TcpListener, TcpStream};
use reel::stream::{
    StreamReader, StreamWriter, open_connection, start_server, start_tls_client, start_tls_server,
};
use reel::sync::{Receiver, Sender, channel};
use reel::tls::rustls;
use reel::tls::{TlsReadHalf, TlsWriteHalf};

#[path = "../common/mod.rs"]
mod common;

use common::bounded;
use common::net::set_timeouts;
use common::tls::{Certs, read_until_closed};

/// How the test's server answers `STARTTLS`.
#[derive(Clone, Copy)]
struct Plan {
    /// Plaintext bytes written before the `OK`, left to the writer to send.
    banner: usize,
    /// Whether it answers `OK` (a client that sends its ClientHello right
    /// behind the command gets no answer: the next bytes it reads are TLS).
    answer: bool,
    /// The handshake's time limit.
    limit: Duration,
}

const PLAN: Plan = Plan { banner: 0, answer: true, limit: Duration::from_secs(5) };

/// What the server saw on one connection.
#[derive(Debug)]
struct Seen {
    /// The reader's read-ahead after the `STARTTLS` line.
    read_ahead: usize,
    /// The writer's unsent plaintext when the upgrade began.
    unsent: usize,
    /// The line the client sent over TLS, or the error and its message.
    outcome: Result<Vec<u8>, (io::ErrorKind, String)>,
}

/// Starts a plaintext server on port 0 that upgrades on `STARTTLS` as
/// `plan` says and tells `Seen` for each connection.
fn start(plan: Plan, certs: &Certs) -> (reel::stream::Server, SocketAddr, Receiver<Seen>) {
    let (tell, seen) = channel::<Seen>(4);
    let config = certs.server_config(&[]);
    let server = start_server("127.0.0.1:0", move |reader, writer| {
        serve(reader, writer, config.clone(), plan, tell.clone())
    })
    .expect("start the server");
    let addr = server.local_addrs()[0];
    (server, addr, seen)
}

async fn serve(
    mut reader: StreamReader,
    mut writer: StreamWriter,
    config: Arc<rustls::ServerConfig>,
    plan: Plan,
    tell: Sender<Seen>,
) {
    let command = reader.read_line().await.unwrap_or_default();
    let read_ahead = reader.buffered();
    writer.write(&vec![b'.'; plan.banner]).expect("banner");
    if plan.answer {
        writer.write(b"OK\r\n").expect("answer");
    }
    let unsent = writer.buffered();
    let outcome = if command != b"STARTTLS\r\n" {
        Err(io::Error::other(format!("expected STARTTLS, got {command:?}")))
    } else {
        match start_tls_server(reader, writer, config, plan.limit).await {
            Ok((reader, writer)) => talk(reader, writer).await,
            Err(e) => Err(e),
        }
    };
    let outcome = outcome.map_err(|e| (e.kind(), e.to_string()));
    let _ = tell.send(Seen { read_ahead, unsent, outcome }).await;
}

/// The server's side over TLS: a welcome, the client's line echoed, then
/// the client's `close_notify` (a clean end) and the server's own.
async fn talk(
    mut reader: StreamReader<TlsReadHalf>,
    mut writer: StreamWriter<TlsWriteHalf>,
) -> io::Result<Vec<u8>> {
    writer.write(b"welcome over TLS\n")?;
    let line = reader.read_line().await?;
    writer.write(&[b"echo: ", &line[..]].concat())?;
    let end = reader.read_line().await?;
    if !end.is_empty() {
        return Err(io::Error::other(format!("expected the end, got {end:?}")));
    }
    writer.wait_closed().await?;
    Ok(line)
}

/// reel's client: `STARTTLS`, the server's banner and `OK`, the upgrade,
/// a line each way over TLS, and a clean close at both ends.
async fn client(addr: SocketAddr, certs: &Certs, banner: usize) {
    let (mut reader, mut writer) =
        bounded(open_connection("127.0.0.1", addr.port())).await.expect("connect");
    writer.write(b"STARTTLS\r\n").unwrap();
    let got = bounded(reader.read_exact(banner)).await.expect("banner");
    assert!(got.iter().all(|&b| b == b'.'), "the banner came through whole");
    assert_eq!(bounded(reader.read_line()).await.expect("answer"), b"OK\r\n");
    let config = certs.client_config(&[]);
    let (mut reader, mut writer) =
        bounded(start_tls_client(reader, writer, "localhost", config)).await.expect("upgrade");
    assert_eq!(bounded(reader.read_line()).await.unwrap(), b"welcome over TLS\n");
    writer.write(b"ping\n").unwrap();
    assert_eq!(bounded(reader.read_line()).await.unwrap(), b"echo: ping\n");
    bounded(writer.wait_closed()).await.expect("close_notify and FIN");
    assert_eq!(bounded(reader.read(100)).await.expect("a clean end"), b"");
}

#[test]
fn starttls_upgrades_both_sides_and_they_talk_over_tls() {
    let certs = Certs::new();
    reel::run(async move {
        let (_server, addr, mut seen) = start(PLAN, &certs);
        client(addr, &certs, 0).await;
        let seen = bounded(seen.recv()).await.expect("the server's verdict");
        assert_eq!(seen.outcome, Ok(b"ping\n".to_vec()));
    });
}

#[test]
fn plaintext_the_writer_still_holds_goes_out_before_the_handshake() {
    let certs = Certs::new();
    // More than a loopback socket takes before its reader reads.
    let banner = 8 << 20;
    reel::run(async move {
        let (_server, addr, mut seen) = start(Plan { banner, ..PLAN }, &certs);
        client(addr, &certs, banner).await;
        let seen = bounded(seen.recv()).await.expect("the server's verdict");
        assert!(seen.unsent > 0, "the writer held plaintext when the upgrade began");
        assert_eq!(seen.outcome, Ok(b"ping\n".to_vec()));
    });
}

/// A blocking rustls client that sends `STARTTLS\r\n` and its ClientHello
/// in one write, without waiting for an answer; then talks as `client`.
fn pipelining_client(config: Arc<rustls::ClientConfig>, addr: SocketAddr) -> Vec<u8> {
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let mut conn = rustls::ClientConnection::new(config, name).expect("client");
    let mut first = b"STARTTLS\r\n".to_vec();
    conn.write_tls(&mut first).expect("the ClientHello");
    let mut tcp = std::net::TcpStream::connect(addr).expect("connect");
    set_timeouts(&tcp);
    tcp.write_all(&first).expect("STARTTLS and the ClientHello");
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let mut welcome = vec![0; 17];
    tls.read_exact(&mut welcome).expect("welcome");
    tls.write_all(b"ping\n").expect("ping");
    let mut echo = vec![0; 11];
    tls.read_exact(&mut echo).expect("echo");
    tls.conn.send_close_notify();
    tls.flush().expect("close_notify");
    let mut rest = Vec::new();
    tls.read_to_end(&mut rest).expect("the server's close_notify");
    [welcome, echo, rest].concat()
}

#[test]
fn a_client_hello_right_behind_starttls_is_not_lost() {
    let certs = Certs::new();
    reel::run(async move {
        let plan = Plan { answer: false, limit: Duration::from_secs(2), ..PLAN };
        let (_server, addr, mut seen) = start(plan, &certs);
        let config = certs.client_config(&[]);
        let got = bounded(reel::spawn_blocking(move || pipelining_client(config, addr))).await;
        let seen = bounded(seen.recv()).await.expect("the server's verdict");
        assert!(seen.read_ahead > 0, "the ClientHello was in the reader: {seen:?}");
        assert_eq!(seen.outcome, Ok(b"ping\n".to_vec()));
        assert_eq!(got.expect("the client"), b"welcome over TLS\necho: ping\n");
    });
}

/// A blocking peer that sends `STARTTLS`, reads `OK`, then sends `then`
/// and returns what arrives until the server closes.
fn starttls_then(addr: SocketAddr, then: &'static [u8]) -> Vec<u8> {
    let mut tcp = std::net::TcpStream::connect(addr).expect("connect");
    set_timeouts(&tcp);
    tcp.write_all(b"STARTTLS\r\n").expect("STARTTLS");
    let mut ok = [0; 4];
    tcp.read_exact(&mut ok).expect("OK");
    assert_eq!(&ok, b"OK\r\n");
    tcp.write_all(then).expect("write");
    read_until_closed(tcp)
}

#[test]
fn garbage_instead_of_a_handshake_is_an_error_and_the_server_goes_on() {
    let certs = Certs::new();
    reel::run(async move {
        let (_server, addr, mut verdicts) = start(PLAN, &certs);
        let garbage = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
        let answer = bounded(reel::spawn_blocking(move || starttls_then(addr, garbage))).await;
        // A TLS alert record: content type 21.
        assert_eq!(answer.unwrap().first(), Some(&21), "an alert, then the close");
        let seen = bounded(verdicts.recv()).await.expect("the server's verdict");
        let (kind, message) = seen.outcome.expect_err("garbage is no handshake");
        assert_eq!(kind, io::ErrorKind::InvalidData, "{message}");
        assert!(message.starts_with("TLS: "), "{message}");
        // The next client is served as if nothing had happened.
        client(addr, &certs, 0).await;
        let seen = bounded(verdicts.recv()).await.expect("the server's verdict");
        assert_eq!(seen.outcome, Ok(b"ping\n".to_vec()));
    });
}

#[test]
fn a_stalled_handshake_ends_at_the_limit() {
    let certs = Certs::new();
    reel::run(async move {
        let limit = Duration::from_millis(200);
        let (_server, addr, mut verdicts) = start(Plan { limit, ..PLAN }, &certs);
        // Half a ClientHello's record header, then nothing.
        let answer = bounded(reel::spawn_blocking(move || starttls_then(addr, &[22, 3, 1]))).await;
        assert_eq!(answer.unwrap(), b"", "closed without an answer");
        let seen = bounded(verdicts.recv()).await.expect("the server's verdict");
        let (kind, message) = seen.outcome.expect_err("no handshake");
        assert_eq!(kind, io::ErrorKind::TimedOut, "{message}");
        assert!(message.contains("no TLS handshake within"), "{message}");
    });
}

#[test]
fn a_closed_writer_is_not_upgraded() {
    let certs = Certs::new();
    reel::run(async move {
        let (_server, addr, _verdicts) = start(PLAN, &certs);
        let (reader, mut writer) =
            bounded(open_connection("127.0.0.1", addr.port())).await.expect("connect");
        writer.close();
        let config = certs.client_config(&[]);
        let error = bounded(start_tls_client(reader, writer, "localhost", config))
            .await
            .expect_err("a closed writer");
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(error.to_string(), "start_tls: the writer is closed");
    });
}

#[test]
fn halves_reunite_only_with_their_own_and_the_stream_stays_open() {
    reel::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let (one, two) = (TcpStream::connect(addr), TcpStream::connect(addr));
        let (one, two) = (bounded(one).await.unwrap(), bounded(two).await.unwrap());
        let (mut peer, _) = bounded(listener.accept()).await.unwrap();
        let ((read_one, write_one), (_read_two, write_two)) = (one.into_split(), two.into_split());
        let ReuniteError(read_one, write_two) =
            read_one.reunite(write_two).expect_err("halves of two streams");
        drop(write_two);
        let mut one = read_one.reunite(write_one).expect("the halves of one stream");
        // Reuniting sent no FIN: the stream still writes.
        bounded(one.write_all(b"still open\n")).await.expect("write");
        let mut got = [0; 11];
        let n = bounded(peer.read(&mut got)).await.expect("read");
        assert_eq!(&got[..n], b"still open\n");
    });
}

//! `reel::tls` (the feature `tls`): a TLS server started with
//! `ServerOptions::tls` against reel's own client and a blocking rustls
//! client, large transfers both ways, `close_notify` at both ends, and bad
//! peers: a wrong CA, garbage instead of a ClientHello, a stalled handshake,
//! a peer that drops TCP without `close_notify`. Certificates are
//! committed under `tests/certs/`; every wait is bounded.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use reel::stream::{
    ServerOptions, StreamReader, StreamWriter, open_tls_connection, start_server_with,
};
use reel::tls::{TlsReadHalf, TlsWriteHalf};

#[path = "../common/mod.rs"]
mod common;

use common::bounded;
use common::net::{pattern, set_timeouts};
use common::tls::{Certs, blocking_client, read_until_closed};

/// Echoes lines until the client ends, then closes (close_notify + FIN).
async fn echo_lines(mut reader: StreamReader<TlsReadHalf>, mut writer: StreamWriter<TlsWriteHalf>) {
    while let Ok(line) = reader.read_line().await {
        if line.is_empty() {
            break;
        }
        if writer.write(&line).is_err() || writer.drain().await.is_err() {
            return;
        }
    }
    let _ = writer.wait_closed().await;
}

/// Starts the echo server on port 0 with a short handshake timeout.
fn start_echo(certs: &Certs) -> (reel::stream::Server, SocketAddr) {
    let options = ServerOptions::tls(certs.server_config(&[b"echo"]))
        .handshake_timeout(Duration::from_millis(300));
    let server = start_server_with("127.0.0.1:0", options, echo_lines).expect("start the server");
    let addr = server.local_addrs()[0];
    (server, addr)
}

#[test]
fn reel_client_and_server_exchange_lines_and_close_cleanly() {
    let certs = Certs::new();
    reel::run(async move {
        let (_server, addr) = start_echo(&certs);
        let config = certs.client_config(&[b"echo"]);
        let (mut reader, mut writer) =
            bounded(open_tls_connection("localhost", addr.port(), config)).await.expect("connect");
        for i in 0..3 {
            writer.write(format!("line {i}\n").as_bytes()).unwrap();
            let echoed = bounded(reader.read_line()).await.expect("echo");
            assert_eq!(echoed, format!("line {i}\n").as_bytes());
        }
        // Our close sends close_notify; the server's answer is its own, so
        // the read ends cleanly (Ok, empty), not with UnexpectedEof.
        bounded(writer.wait_closed()).await.expect("close");
        assert_eq!(bounded(reader.read(100)).await.expect("clean end"), b"");
    });
}

#[test]
fn a_megabyte_each_way_through_backpressure() {
    let certs = Certs::new();
    reel::run(async move {
        let (_server, addr) = start_echo(&certs);
        let config = certs.client_config(&[]);
        let (mut reader, mut writer) =
            bounded(open_tls_connection("127.0.0.1", addr.port(), config)).await.expect("connect");
        // 1 MiB of lines of 1 KiB; the reader runs beside the writer so
        // neither side's buffers have to hold it all.
        let line = |i: usize| {
            let mut l = pattern(1023, i as u8).iter().map(|b| b'a' + b % 26).collect::<Vec<u8>>();
            l.push(b'\n');
            l
        };
        let sender = reel::spawn(async move {
            for i in 0..1024 {
                writer.write(&line(i)).unwrap();
                writer.drain().await.unwrap();
            }
            writer.wait_closed().await.unwrap();
        });
        for i in 0..1024 {
            let got = bounded(reader.read_line()).await.expect("echoed line");
            assert_eq!(got, line(i), "line {i}");
        }
        assert!(bounded(reader.read(1)).await.unwrap().is_empty());
        bounded(sender).await.unwrap();
    });
}

#[test]
fn a_blocking_rustls_client_is_served_and_sees_alpn() {
    let certs = Certs::new();
    reel::run(async move {
        let (_server, addr) = start_echo(&certs);
        let config = certs.client_config(&[b"echo"]);
        let client = reel::spawn_blocking({
            move || {
                let mut tls = blocking_client(config, addr);
                tls.write_all(b"hello over rustls\n").unwrap();
                let mut got = vec![0; 18];
                tls.read_exact(&mut got).unwrap();
                let alpn = tls.conn.alpn_protocol().map(<[u8]>::to_vec);
                tls.conn.send_close_notify();
                tls.flush().unwrap();
                (got, alpn)
            }
        });
        let (got, alpn) = bounded(client).await.unwrap();
        assert_eq!(got, b"hello over rustls\n");
        assert_eq!(alpn.as_deref(), Some(&b"echo"[..]));
    });
}

#[test]
fn a_client_that_trusts_another_ca_fails_with_a_certificate_error() {
    let (certs, other) = (Certs::new(), Certs::other_ca());
    reel::run(async move {
        let (_server, addr) = start_echo(&certs);
        let config = other.client_config(&[]);
        let error = bounded(open_tls_connection("localhost", addr.port(), config))
            .await
            .expect_err("the server's certificate is not trusted");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("certificate"), "{error}");
    });
}

#[test]
fn garbage_gets_an_alert_and_a_close_and_the_server_goes_on() {
    let certs = Certs::new();
    reel::run(async move {
        let (_server, addr) = start_echo(&certs);
        let peer = reel::spawn_blocking(move || {
            let mut tcp = std::net::TcpStream::connect(addr).unwrap();
            set_timeouts(&tcp);
            tcp.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
            read_until_closed(tcp)
        });
        let answer = bounded(peer).await.unwrap();
        // A TLS alert record: content type 21.
        assert_eq!(answer.first(), Some(&21), "expected an alert, got {answer:?}");
        let config = certs.client_config(&[]);
        let (mut reader, mut writer) =
            bounded(open_tls_connection("localhost", addr.port(), config)).await.expect("connect");
        writer.write(b"still here\n").unwrap();
        assert_eq!(bounded(reader.read_line()).await.unwrap(), b"still here\n");
    });
}

#[test]
fn a_stalled_handshake_is_closed_at_the_handshake_timeout() {
    let certs = Certs::new();
    reel::run(async move {
        let (server, addr) = start_echo(&certs);
        // Half a ClientHello's record header, then nothing.
        let peer = reel::spawn_blocking(move || {
            let mut tcp = std::net::TcpStream::connect(addr).unwrap();
            set_timeouts(&tcp);
            tcp.write_all(&[22, 3, 1]).unwrap();
            let started = std::time::Instant::now();
            let got = read_until_closed(tcp);
            (got, started.elapsed())
        });
        let (got, waited) = bounded(peer).await.unwrap();
        assert!(got.is_empty(), "no answer to half a header, got {got:?}");
        assert!(
            waited >= Duration::from_millis(250),
            "closed after {waited:?}, before the timeout"
        );
        assert_eq!(server.active_connections(), 0, "the stalled handshake left its slot");
    });
}

#[test]
fn a_peer_that_drops_tcp_without_close_notify_is_a_read_error() {
    let certs = Certs::new();
    reel::run(async move {
        let (tell, seen) = reel::sync::channel::<std::io::ErrorKind>(1);
        let options = ServerOptions::tls(certs.server_config(&[]));
        let server = start_server_with("127.0.0.1:0", options, move |mut reader, _writer| {
            let tell = tell.clone();
            async move {
                let kind = match reader.read(100).await {
                    Ok(data) if data.is_empty() => std::io::ErrorKind::Other,
                    Ok(_) => std::io::ErrorKind::InvalidInput,
                    Err(e) => e.kind(),
                };
                let _ = tell.send(kind).await;
            }
        })
        .unwrap();
        let addr = server.local_addrs()[0];
        let config = certs.client_config(&[]);
        let client = reel::spawn_blocking({
            move || {
                let mut tls = blocking_client(config, addr);
                // Complete the handshake, then drop TCP without close_notify.
                while tls.conn.is_handshaking() {
                    tls.conn.complete_io(&mut tls.sock).unwrap();
                }
                tls.sock.shutdown(std::net::Shutdown::Both).unwrap();
            }
        });
        bounded(client).await.unwrap();
        let mut seen = seen;
        let kind = bounded(seen.recv()).await.expect("the handler's verdict");
        assert_eq!(kind, std::io::ErrorKind::UnexpectedEof);
    });
}

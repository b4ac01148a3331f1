//! The chat example over TLS (`--tls-cert`, `--tls-key`; the feature
//! `tls`), with `chat_client --tls --cacert` as a user runs it (stdin a
//! pipe) and a blocking rustls client as the other member; a client that
//! trusts another CA is told why it cannot connect; plain TCP on the TLS
//! port is closed and the others go on. Certificates are made in the test.

#[path = "../common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

use common::chat::{WELCOME, hello, joined_chat, left_chat, strip_time};
use common::example::{Server, example_binary, read_on_thread, wait_with_deadline};
use common::tls::{Certs, blocking_client};

type TlsLines = BufReader<
    reel::tls::rustls::StreamOwned<reel::tls::rustls::ClientConnection, std::net::TcpStream>,
>;

fn start_tls_chat(certs: &Certs) -> Server {
    let (cert, key) = (certs.cert.to_str().unwrap(), certs.key.to_str().unwrap());
    Server::start_example("chat", &["--tls-cert", cert, "--tls-key", key], "listening on ")
}

/// A rustls member who has joined as `name`.
fn join(certs: &Certs, server: &Server, name: &str) -> TlsLines {
    let mut tls = BufReader::new(blocking_client(certs.client_config(&[]), server.addr));
    let mut welcome = vec![0; WELCOME.len()];
    tls.read_exact(&mut welcome).expect("the name prompt");
    assert_eq!(welcome, WELCOME.as_bytes());
    tls.get_mut().write_all(format!("{name}\n").as_bytes()).expect("send the name");
    assert_eq!(line(&mut tls), hello(name));
    tls
}

fn line(tls: &mut TlsLines) -> String {
    let mut line = String::new();
    tls.read_line(&mut line).expect("a line within the deadline");
    line
}

#[test]
fn chat_client_over_tls_talks_with_a_rustls_member() {
    let certs = Certs::new();
    let server = start_tls_chat(&certs);
    let mut bob = join(&certs, &server, "bob");
    let mut alice = Command::new(example_binary("chat_client"))
        .args(["--tls", "--cacert", certs.ca.to_str().unwrap(), "localhost"])
        .arg(server.addr.port().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chat_client");
    let out = read_on_thread(alice.stdout.take().unwrap());
    let err = read_on_thread(alice.stderr.take().unwrap());
    let mut stdin = alice.stdin.take().unwrap();
    stdin.write_all(b"alice\nhello bob\n").unwrap();
    assert_eq!(line(&mut bob), joined_chat("alice"));
    assert_eq!(strip_time(&line(&mut bob)), "alice: hello bob\n");
    bob.get_mut().write_all(b"hi alice\n").unwrap();
    drop(stdin); // end of input: the client sends /quit
    assert_eq!(line(&mut bob), left_chat("alice"));
    let status = wait_with_deadline(&mut alice).expect("the client exits");
    let (out, err) = (out.recv().unwrap(), err.recv().unwrap());
    assert!(status.success(), "exit {status}; stderr: {err}");
    assert!(out.contains(&hello("alice")), "alice's screen: {out}");
    assert!(out.contains("bob: hi alice\n"), "alice's screen: {out}");
}

#[test]
fn a_client_that_trusts_another_ca_is_told_why() {
    let (certs, other) = (Certs::new(), Certs::other_ca());
    let server = start_tls_chat(&certs);
    let port = server.addr.port().to_string();
    let args = ["--tls", "--cacert", other.ca.to_str().unwrap(), "localhost", &port];
    let (status, stdout, stderr) = common::example::run_to_exit("chat_client", &args);
    assert_eq!(status.code(), Some(1), "stderr: {stderr}");
    assert!(stdout.is_empty(), "stdout: {stdout}");
    let want = format!("Cannot connect to localhost:{port}: TLS: invalid peer certificate");
    assert!(stderr.starts_with(&want), "stderr: {stderr}");
}

#[test]
fn plain_tcp_on_the_tls_port_is_closed_and_members_go_on() {
    let certs = Certs::new();
    let server = start_tls_chat(&certs);
    let mut bob = join(&certs, &server, "bob");
    let mut plain = server.connect();
    plain.write_all(b"mallory\n").unwrap();
    let mut answer = Vec::new();
    // An alert (content type 21), then the close; or a reset.
    let _ = plain.read_to_end(&mut answer);
    assert_eq!(answer.first(), Some(&21), "got {answer:?}");
    let mut carol = join(&certs, &server, "carol");
    assert_eq!(line(&mut bob), joined_chat("carol"));
    carol.get_mut().write_all(b"still works\n").unwrap();
    assert_eq!(strip_time(&line(&mut bob)), "carol: still works\n");
}

/// `--tls` without `--cacert`: with the feature `native-roots` the client
/// trusts the system's roots, which `SSL_CERT_FILE` points at the test CA
/// here (as OpenSSL and rustls-native-certs read it); without the feature
/// it says what it needs.
#[test]
fn chat_client_without_cacert_uses_the_system_roots_or_says_what_it_needs() {
    let certs = Certs::new();
    let server = start_tls_chat(&certs);
    let port = server.addr.port().to_string();
    let mut client = Command::new(example_binary("chat_client"))
        .args(["--tls", "localhost", &port])
        .env("SSL_CERT_FILE", &certs.ca)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chat_client");
    let out = read_on_thread(client.stdout.take().unwrap());
    let err = read_on_thread(client.stderr.take().unwrap());
    let mut stdin = client.stdin.take().unwrap();
    let _ = stdin.write_all(b"carol\n");
    drop(stdin);
    let status = wait_with_deadline(&mut client).expect("the client exits");
    let (out, err) = (out.recv().unwrap(), err.recv().unwrap());
    if cfg!(feature = "native-roots") {
        assert!(status.success(), "exit {status}; stderr: {err}");
        assert!(out.contains(&hello("carol")), "carol's screen: {out}");
    } else {
        assert_eq!(status.code(), Some(1), "stdout: {out}");
        assert!(err.contains("--tls needs --cacert"), "stderr: {err}");
    }
}

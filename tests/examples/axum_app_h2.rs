//! The axum example over HTTP/2, built with `hyper-h2`: cleartext with prior
//! knowledge (curl, and h2load with 100 streams on 10 connections), and over
//! TLS with `h2` chosen by ALPN (curl, built with `tls` too).

#[path = "../common/mod.rs"]
mod common;

use std::process::Command;

use common::curl;
use common::example::Server;

fn stdout(args: &[&str]) -> String {
    curl(args).0
}

#[test]
fn curl_speaks_h2c_with_prior_knowledge_and_http1_on_the_same_port() {
    let server = Server::start_example("axum_app", &[], "listening on http://");
    let url = format!("http://{}/users/7", server.addr);
    let h2 = stdout(&["--http2-prior-knowledge", "-w", "\n%{http_version}", &url]);
    assert_eq!(h2, "{\"id\":7,\"name\":\"user 7\"}\n2");
    let h1 = stdout(&["--http1.1", "-w", "\n%{http_version}", &url]);
    assert_eq!(h1, "{\"id\":7,\"name\":\"user 7\"}\n1.1");
}

#[test]
fn h2load_100_streams_on_10_connections_all_succeed() {
    let server = Server::start_example("axum_app", &[], "listening on http://");
    let url = format!("http://{}/json", server.addr);
    let out = Command::new("h2load")
        .args(["-n", "5000", "-c", "10", "-m", "10", &url])
        .output()
        .expect("run h2load (Debian: nghttp2-client)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("5000 total, 5000 started, 5000 done, 5000 succeeded, 0 failed"),
        "{text}"
    );
    assert!(text.contains("status codes: 5000 2xx"), "{text}");
}

/// The example serving HTTPS with the tests' certificate.
#[cfg(feature = "tls")]
fn start_tls() -> (common::tls::Certs, Server) {
    let certs = common::tls::Certs::new();
    let (cert, key) = (certs.cert.to_str().expect("path"), certs.key.to_str().expect("path"));
    let args = ["--tls-cert", cert, "--tls-key", key];
    let server = Server::start_example("axum_app", &args, "listening on https://");
    (certs, server)
}

#[cfg(feature = "tls")]
#[test]
fn curl_gets_h2_over_tls_by_alpn() {
    let (certs, server) = start_tls();
    let url = format!("https://{}/json", server.addr);
    let ca = certs.ca.to_str().expect("path");
    let h2 = stdout(&["--cacert", ca, "-w", "\n%{http_version}", &url]);
    assert!(h2.ends_with("\n2"), "ALPN chose h2: {h2}");
    assert!(h2.contains(r#""framework":"axum""#), "{h2}");
    let h1 = stdout(&["--cacert", ca, "--http1.1", "-w", "\n%{http_version}", &url]);
    assert!(h1.ends_with("\n1.1"), "a client that offers only http/1.1 gets it: {h1}");
}

/// hyper's own HTTP/2 client on reel, over reel's TLS with ALPN `h2`,
/// against the example: 20 requests at once on one connection.
#[cfg(feature = "tls")]
#[test]
fn hyper_s_h2_client_on_reel_talks_to_axum_over_tls() {
    use http_body_util::{BodyExt, Empty};
    use hyper::body::Bytes;
    use reel::hyper::{HyperExecutor, HyperIo, HyperTimer};

    let (certs, server) = start_tls();
    let (addr, config) = (server.addr, certs.client_config(&[b"h2"]));
    reel::run(common::bounded(async move {
        let tcp = reel::net::TcpStream::connect(addr).await.expect("connect");
        let tls = reel::tls::TlsStream::connect(tcp, "localhost", config).await.expect("TLS");
        assert_eq!(tls.alpn_protocol().as_deref(), Some(&b"h2"[..]));
        let mut builder = hyper::client::conn::http2::Builder::new(HyperExecutor);
        builder.timer(HyperTimer);
        let (sender, conn) = builder.handshake(HyperIo::new(tls)).await.expect("h2 handshake");
        reel::spawn(conn);
        let requests: Vec<_> = (0..20)
            .map(|id| {
                let mut sender = sender.clone();
                reel::spawn(async move {
                    let uri = format!("https://localhost/users/{id}");
                    let request = hyper::Request::get(uri).body(Empty::<Bytes>::new());
                    let response = sender.send_request(request.expect("a request")).await;
                    let response = response.expect("a response");
                    assert_eq!(response.version(), hyper::Version::HTTP_2);
                    response.into_body().collect().await.expect("the body").to_bytes()
                })
            })
            .collect();
        for (id, request) in requests.into_iter().enumerate() {
            let body = request.await.expect("the request's task");
            assert_eq!(body, Bytes::from(format!(r#"{{"id":{id},"name":"user {id}"}}"#)));
        }
    }));
}

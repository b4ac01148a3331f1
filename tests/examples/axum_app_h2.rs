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

#[cfg(feature = "tls")]
#[test]
fn curl_gets_h2_over_tls_by_alpn() {
    let certs = common::tls::Certs::new();
    let (cert, key) = (certs.cert.to_str().expect("path"), certs.key.to_str().expect("path"));
    let server = Server::start_example(
        "axum_app",
        &["--tls-cert", cert, "--tls-key", key],
        "listening on https://",
    );
    let url = format!("https://{}/json", server.addr);
    let ca = certs.ca.to_str().expect("path");
    let h2 = stdout(&["--cacert", ca, "-w", "\n%{http_version}", &url]);
    assert!(h2.ends_with("\n2"), "ALPN chose h2: {h2}");
    assert!(h2.contains(r#""framework":"axum""#), "{h2}");
    let h1 = stdout(&["--cacert", ca, "--http1.1", "-w", "\n%{http_version}", &url]);
    assert!(h1.ends_with("\n1.1"), "a client that offers only http/1.1 gets it: {h1}");
}

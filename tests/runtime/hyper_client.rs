//! hyper's client on reel (`reel::hyper`): fetching from reel's own HTTP
//! example, and from hyper's server on the same loop, over HTTP/1.1 and,
//! built with `hyper-h2`, HTTP/2 with 100 streams at once on one connection.

#[path = "../common/mod.rs"]
mod common;

use std::convert::Infallible;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1 as client1;
use hyper::server::conn::http1 as server1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use reel::hyper::{HyperIo, HyperTimer};
use reel::net::{TcpListener, TcpStream};

use common::bounded;
use common::http::{DocRoot, start};

/// GET `path` from `addr` with hyper's HTTP/1.1 client on reel: the status
/// and the body.
async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, Bytes) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = client1::handshake(HyperIo::new(stream)).await.expect("handshake");
    let driver = reel::spawn(conn);
    let request = Request::get(path)
        .header("Host", addr.to_string())
        .body(Empty::<Bytes>::new())
        .expect("a request");
    let response = sender.send_request(request).await.expect("a response");
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.expect("the body").to_bytes();
    drop(sender);
    driver.await.expect("the connection task").expect("the connection ends cleanly");
    (status, body)
}

#[test]
fn hyper_s_client_on_reel_fetches_from_reel_s_http_example() {
    let root = DocRoot::new("hyper-client");
    root.write("page.txt", "a page\n");
    let server = start(&root, &[]);
    let addr = server.addr;
    reel::run(bounded(async move {
        let (status, hello) = get(addr, "/").await;
        assert_eq!(status, 200);
        assert!(String::from_utf8_lossy(&hello).contains("Hello from reel"));
        assert_eq!(get(addr, "/page.txt").await, (200, Bytes::from("a page\n")));
        assert_eq!(get(addr, "/missing").await.0, 404);
    }));
}

async fn echo_length(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    Ok(Response::new(Full::new(Bytes::from(format!("{path} {}", body.len())))))
}

#[test]
fn hyper_s_client_and_server_talk_on_one_reel_loop() {
    reel::run(bounded(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        reel::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            let mut builder = server1::Builder::new();
            builder.timer(HyperTimer);
            builder.serve_connection(HyperIo::new(stream), service_fn(echo_length)).await
        });
        let stream = TcpStream::connect(addr).await.expect("connect");
        let (mut sender, conn) = client1::handshake(HyperIo::new(stream)).await.expect("handshake");
        reel::spawn(conn);
        for size in [0, 1, 100_000, 3_000_000] {
            let request = Request::post("/upload")
                .header("Host", "test")
                .body(Full::new(Bytes::from(vec![7u8; size])))
                .expect("a request");
            let response = sender.send_request(request).await.expect("a response");
            let body = response.into_body().collect().await.expect("body").to_bytes();
            assert_eq!(body, Bytes::from(format!("/upload {size}")));
        }
    }));
}

#[cfg(feature = "hyper-h2")]
#[test]
fn http2_100_streams_at_once_on_one_connection() {
    use hyper::client::conn::http2 as client2;
    use hyper::server::conn::http2 as server2;
    use reel::hyper::HyperExecutor;

    reel::run(bounded(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        reel::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            let mut builder = server2::Builder::new(HyperExecutor);
            builder.timer(HyperTimer);
            builder.serve_connection(HyperIo::new(stream), service_fn(echo_length)).await
        });
        let stream = TcpStream::connect(addr).await.expect("connect");
        let mut builder = client2::Builder::new(HyperExecutor);
        builder.timer(HyperTimer);
        let (sender, conn) = builder.handshake(HyperIo::new(stream)).await.expect("handshake");
        reel::spawn(conn);
        let streams: Vec<_> = (0..100)
            .map(|i| {
                let mut sender = sender.clone();
                reel::spawn(async move {
                    let request = Request::post(format!("http://test/s{i}"))
                        .body(Full::new(Bytes::from(vec![1u8; i * 100])))
                        .expect("a request");
                    let response = sender.send_request(request).await.expect("a response");
                    assert_eq!(response.version(), hyper::Version::HTTP_2);
                    response.into_body().collect().await.expect("body").to_bytes()
                })
            })
            .collect();
        for (i, stream) in streams.into_iter().enumerate() {
            let body = stream.await.expect("the stream's task");
            assert_eq!(body, Bytes::from(format!("/s{i} {}", i * 100)));
        }
    }));
}

#[test]
fn hyper_runs_over_a_unix_socket_too() {
    use reel::net::{UnixListener, UnixStream};

    let path = std::env::temp_dir().join(format!("reel-hyper-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    reel::run(bounded(async move {
        let listener = UnixListener::bind(&path).expect("bind");
        reel::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            server1::Builder::new()
                .serve_connection(HyperIo::new(stream), service_fn(echo_length))
                .await
        });
        let stream = UnixStream::connect(&path).await.expect("connect");
        let (mut sender, conn) = client1::handshake(HyperIo::new(stream)).await.expect("handshake");
        reel::spawn(conn);
        let request = Request::post("/unix")
            .header("Host", "local")
            .body(Full::new(Bytes::from_static(b"12345")))
            .expect("a request");
        let body = sender.send_request(request).await.expect("response").into_body();
        assert_eq!(body.collect().await.expect("body").to_bytes(), Bytes::from("/unix 5"));
        let _ = std::fs::remove_file(&path);
    }));
}

/// hyper's timer follows the loop's clock: on a paused clock, a stalled
/// head is cut by `header_read_timeout` (30 s) at once, at exactly 30 s of
/// loop time (timed from the wall, the deadline would fall a little later).
#[test]
fn hyper_s_timeouts_follow_a_paused_clock() {
    let wall = std::time::Instant::now();
    let loop_time = reel::Builder::new().start_paused(true).run(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        reel::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            let mut builder = server1::Builder::new();
            builder.timer(HyperTimer).header_read_timeout(std::time::Duration::from_secs(30));
            builder.serve_connection(HyperIo::new(stream), service_fn(echo_length)).await
        });
        let mut client = TcpStream::connect(addr).await.expect("connect");
        client.write_all(b"GET / HTTP/1.1\r\nHost:").await.expect("half a head");
        let start = reel::time::now();
        let mut buf = [0; 256];
        while client.read(&mut buf).await.unwrap_or(0) > 0 {}
        reel::time::now() - start
    });
    assert_eq!(loop_time, std::time::Duration::from_secs(30), "cut at 30 s of loop time, exactly");
    assert!(wall.elapsed() < std::time::Duration::from_secs(5), "took {:?}", wall.elapsed());
}

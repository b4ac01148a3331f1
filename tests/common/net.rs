//! Helpers for the tests of `reel::net` against plain `std::net` peers.

use std::io;
use std::net::SocketAddr;

use reel::net::TcpStream;
use std::time::Duration;

/// The longest any single wait in these tests may take before it fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A blocking std client with read and write timeouts, so it can never hang.
pub fn std_connect(addr: SocketAddr) -> std::net::TcpStream {
    let stream = std::net::TcpStream::connect(addr).expect("std client connects");
    set_timeouts(&stream);
    stream
}

pub fn set_timeouts(stream: &std::net::TcpStream) {
    stream.set_read_timeout(Some(DEADLINE)).expect("set read timeout");
    stream.set_write_timeout(Some(DEADLINE)).expect("set write timeout");
}

/// `len` bytes that are not all the same, so a reordered or shifted echo shows.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ seed).collect()
}

/// Awaits `future` for at most `DEADLINE`, panicking with `what` past it.
pub async fn bounded<F: std::future::Future>(what: &str, future: F) -> F::Output {
    match reel::timeout(DEADLINE, future).await {
        Ok(output) => output,
        Err(_) => panic!("timed out after {DEADLINE:?}: {what}"),
    }
}

/// Reads from a reel stream until EOF (bounded), returning everything read.
pub async fn read_to_eof(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut all = Vec::new();
    let mut buf = vec![0; 4096];
    loop {
        let n = bounded("reel read until EOF", stream.read(&mut buf)).await?;
        if n == 0 {
            return Ok(all);
        }
        all.extend_from_slice(&buf[..n]);
    }
}

/// Echoes on a reel stream until EOF; returns the number of bytes echoed.
pub async fn echo_until_eof(stream: &mut TcpStream) -> io::Result<usize> {
    let mut buf = vec![0; 4096];
    let mut total = 0;
    loop {
        let n = bounded("reel echo read", stream.read(&mut buf)).await?;
        if n == 0 {
            return Ok(total);
        }
        bounded("reel echo write", stream.write_all(&buf[..n])).await?;
        total += n;
    }
}

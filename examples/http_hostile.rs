//! A hostile load for the http example: many clients sending mutated
//! requests (flipped, cut, padded, duplicated, oversized), `/panic`
//! among them, to show that bad input gets an answer or a close, the
//! server goes on serving, and its memory stays put.
//!
//! ```text
//! cargo run --release --example http -- --port 8080 -r ROOT --log warn
//! cargo run --release --example http_hostile -- --port 8080 --clients 100 --duration 30
//! ```
//!
//! Each client, on its own reel task, loops until the time is up: connect,
//! send one request made from a valid one by zero to three random
//! mutations (a deterministic xorshift stream, `--seed`), read until the
//! response's head and `Content-Length` body are in, the server closes, or
//! `--timeout` passes, then close. It prints one `key: value` line per
//! figure: requests sent, responses by status, and how many got no
//! response (the server waiting for the rest of a request it was promised)
//! or a reset.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use clap::Parser;
use reel::net::TcpStream;

/// A hostile load for the http example: mutated requests from many clients,
/// to show the server answers bad input and goes on serving.
///
/// Try it: start `cargo run --release --example http`, then
/// `cargo run --release --example http_hostile -- --help` for its flags.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The server's address.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The server's port.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Clients at once.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// Seconds to run.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// How long to wait for a response, in seconds.
    #[arg(long, default_value_t = 0.5)]
    timeout: f64,
    /// The mutations' seed: the same seed sends the same requests.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Valid requests the mutations start from.
const SEEDS: &[&[u8]] = &[
    b"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /panic HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /status HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    b"HEAD /index.html HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"x\"\r\n\r\n",
    b"GET /index.html HTTP/1.1\r\nHost: h\r\nRange: bytes=2-9\r\n\r\n",
    b"GET /a%20b/../c?q=1#f HTTP/1.0\r\n\r\n",
    b"GET http://h/index.html HTTP/1.1\r\nHost: h\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nT: 1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /panic HTTP/1.1\r\nHost: h\r\n\r\n",
];

/// A xorshift64 stream: deterministic, and good enough to mutate bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A seed request with zero to three mutations.
fn mutated(rng: &mut Rng) -> Vec<u8> {
    let mut request = SEEDS[rng.below(SEEDS.len())].to_vec();
    for _ in 0..rng.below(4) {
        let at = rng.below(request.len() + 1);
        match rng.below(8) {
            0 if at < request.len() => request[at] ^= 1 << rng.below(8),
            1 => request.insert(at, b"\r\n\0 :;%-,0x"[rng.below(11)]),
            2 => request.truncate(at),
            3 => {
                let end = (at + rng.below(16)).min(request.len());
                request.drain(at..end);
            }
            4 => {
                let end = (at + rng.below(64)).min(request.len());
                let copy = request[at..end].to_vec();
                request.splice(at..at, copy);
            }
            5 => {
                request.splice(at..at, vec![b'a'; rng.below(12 * 1024)]);
            }
            6 => {
                let header = format!("X-{}: {}\r\n", rng.next(), "v".repeat(rng.below(200)));
                let line_end = request.windows(2).position(|w| w == b"\r\n").map_or(0, |p| p + 2);
                request.splice(line_end..line_end, header.into_bytes());
            }
            _ => {
                let number = rng.next().to_string();
                request.splice(at..at, number.into_bytes());
            }
        }
    }
    request
}

/// What the clients saw.
#[derive(Default)]
struct Tally {
    requests: u64,
    statuses: BTreeMap<u16, u64>,
    no_response: u64,
    resets: u64,
    connect_errors: u64,
}

/// The status of the response in `got`, once its head and body are in.
fn complete(got: &[u8]) -> Option<u16> {
    let end = got.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&got[..end]);
    let status = head.get(9..12)?.parse().ok()?;
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|n| n.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let bodiless = head.starts_with("HTTP/1.1 304") || status < 200;
    (bodiless || got.len() >= end + length).then_some(status)
}

/// One client until `deadline`.
async fn client(
    addr: SocketAddr,
    seed: u64,
    until: Instant,
    wait: Duration,
    tally: Rc<RefCell<Tally>>,
) {
    let mut rng = Rng(seed | 1);
    let mut buf = vec![0; 16 * 1024];
    while Instant::now() < until {
        let Ok(mut stream) = TcpStream::connect(addr).await else {
            tally.borrow_mut().connect_errors += 1;
            reel::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let request = mutated(&mut rng);
        tally.borrow_mut().requests += 1;
        let sent = stream.write_all(&request).await;
        let mut got = Vec::new();
        let outcome = reel::timeout(wait, async {
            sent?;
            loop {
                let n = stream.read(&mut buf).await?;
                got.extend_from_slice(&buf[..n]);
                if let Some(status) = complete(&got) {
                    return Ok::<_, std::io::Error>(Some(status));
                }
                if n == 0 {
                    return Ok(None);
                }
            }
        })
        .await;
        let mut tally = tally.borrow_mut();
        match outcome {
            Ok(Ok(Some(status))) => *tally.statuses.entry(status).or_default() += 1,
            Ok(Ok(None)) | Err(_) => tally.no_response += 1,
            Ok(Err(_)) => tally.resets += 1,
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let Some(addr) =
        (args.host.as_str(), args.port).to_socket_addrs().ok().and_then(|mut a| a.next())
    else {
        eprintln!("http_hostile: {}:{}: no address", args.host, args.port);
        return ExitCode::FAILURE;
    };
    let seconds = |s: f64| Duration::try_from_secs_f64(s).unwrap_or(Duration::from_secs(1));
    let (run_for, wait) = (seconds(args.duration), seconds(args.timeout));
    let tally = reel::run(async move {
        let tally = Rc::new(RefCell::new(Tally::default()));
        let until = Instant::now() + run_for;
        let clients: Vec<_> = (0..args.clients as u64)
            .map(|c| {
                let seed = args.seed ^ (c << 32);
                reel::spawn_named(
                    &format!("client {c}"),
                    client(addr, seed, until, wait, tally.clone()),
                )
            })
            .collect();
        for client in clients {
            let _ = client.await;
        }
        Rc::try_unwrap(tally).map(RefCell::into_inner).unwrap_or_default()
    });
    println!("requests: {}", tally.requests);
    for (status, count) in &tally.statuses {
        println!("status {status}: {count}");
    }
    println!("no response: {}", tally.no_response);
    println!("resets: {}", tally.resets);
    println!("connect errors: {}", tally.connect_errors);
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_sends_the_same_requests_and_they_vary() {
        let (mut a, mut b) = (Rng(7), Rng(7));
        let first: Vec<Vec<u8>> = (0..50).map(|_| mutated(&mut a)).collect();
        let second: Vec<Vec<u8>> = (0..50).map(|_| mutated(&mut b)).collect();
        assert_eq!(first, second);
        assert!(first.iter().any(|r| !SEEDS.contains(&r.as_slice())), "some are mutated");
        assert!(first.iter().any(|r| r.windows(6).any(|w| w == b"/panic")), "some panic");
    }

    #[test]
    fn a_response_is_complete_once_its_body_is_in() {
        assert_eq!(complete(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nh"), None);
        assert_eq!(complete(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"), Some(200));
        assert_eq!(complete(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"), Some(304));
    }
}

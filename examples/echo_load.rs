//! The seeds' load tester, on reel: many clients ping-ponging with an echo
//! server, each as a reel task on one loop.
//!
//! Start a server, then load it:
//!
//! ```text
//! cargo run --release --example echo -- --port 8888
//! cargo run --release --example echo_load -- --clients 100 --size 64 --duration 10
//! cargo run --release --example echo_load -- --clients 10 --messages 1000
//! ```
//!
//! Each client connects, then writes one message, reads exactly that many
//! bytes back, checks they are the ones it sent, and repeats: one message in
//! flight per client, so the server sees `--clients` concurrent round trips.
//! At the end it prints one `key: value` line per figure (clients, messages,
//! seconds, messages per second, latency percentiles), for people and for
//! `bench/run.sh`.
//!
//! It is meant to be the load generator of a benchmark, so the hot loop
//! allocates nothing: each client owns one message and one read buffer, and
//! latencies go into a fixed-size histogram instead of a growing list.

use std::fmt;
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use reel::net::TcpStream;

/// A ping-pong load generator for an echo server.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The server's address.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The server's port.
    #[arg(long, default_value_t = 8888)]
    port: u16,
    /// How many connections ping-pong at once.
    #[arg(long, value_name = "N", default_value_t = 10)]
    clients: usize,
    /// Round trips per client (ignored with --duration).
    #[arg(long, value_name = "M", default_value_t = 100)]
    messages: u64,
    /// Run for this many seconds instead of a fixed number of messages.
    #[arg(long, value_name = "SECS")]
    duration: Option<f64>,
    /// Bytes per message.
    #[arg(long, value_name = "B", default_value_t = 64)]
    size: usize,
    /// Give up on clients still running this many seconds after the start
    /// (after the end of --duration, with it); they count as failed.
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    timeout: f64,
}

/// When a client stops sending.
#[derive(Clone, Copy, Debug)]
enum Plan {
    /// After this many round trips.
    Messages(u64),
    /// At the first round trip that ends after this instant.
    Until(Instant),
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.size == 0 {
        eprintln!("echo_load: --size must be at least 1");
        return ExitCode::FAILURE;
    }
    let addr = match (args.host.as_str(), args.port).to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(addr)) => addr,
        Ok(None) => {
            eprintln!("echo_load: {}: no address", args.host);
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("echo_load: {}: {e}", args.host);
            return ExitCode::FAILURE;
        }
    };
    let report = reel::run(load(addr, args));
    print!("{report}");
    if report.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Runs every client to the end (or the timeout) and adds up what they did.
async fn load(addr: SocketAddr, args: Args) -> Report {
    let seconds = |s: f64| Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX);
    let started = Instant::now();
    let plan = match args.duration {
        Some(secs) => Plan::Until(started + seconds(secs)),
        None => Plan::Messages(args.messages),
    };
    let give_up = started + seconds(args.duration.unwrap_or(0.0)) + seconds(args.timeout);
    let handles: Vec<_> =
        (0..args.clients).map(|id| reel::spawn(client(addr, id, args.size, plan))).collect();

    let mut report = Report::default();
    for (id, mut handle) in handles.into_iter().enumerate() {
        let left = give_up.saturating_duration_since(Instant::now());
        let outcome = match reel::timeout(left, &mut handle).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(e)) => Err(io::Error::other(e.to_string())),
            Err(_) => {
                handle.cancel();
                Err(io::Error::new(ErrorKind::TimedOut, "still running at --timeout"))
            }
        };
        match outcome {
            Ok(stats) => {
                report.succeeded += 1;
                report.messages += stats.messages;
                report.latency.merge(&stats.latency);
            }
            Err(e) => {
                report.failed += 1;
                report.first_error.get_or_insert_with(|| format!("client {id}: {e}"));
            }
        }
    }
    report.elapsed = started.elapsed();
    report
}

/// What one client did.
struct ClientStats {
    messages: u64,
    latency: Histogram,
}

/// One connection's ping-pong.
async fn client(addr: SocketAddr, id: usize, size: usize, plan: Plan) -> io::Result<ClientStats> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    // A pattern that differs per client, so crossed wires show.
    let mut message: Vec<u8> = (0..size).map(|i| (i % 251) as u8 ^ id as u8).collect();
    // Twice the message: a complete echo then fills less than the buffer, so
    // reel knows the socket is drained without one more read (the short-read
    // rule), and a server that sends too much is caught.
    let mut back = vec![0u8; 2 * size];
    let mut stats = ClientStats { messages: 0, latency: Histogram::new() };
    let mut sent_at = Instant::now();
    loop {
        match plan {
            Plan::Messages(n) if stats.messages >= n => break,
            Plan::Until(end) if sent_at >= end => break,
            _ => {}
        }
        // A counter in the first byte, so a stale or repeated echo shows.
        message[0] = stats.messages as u8;
        stream.write_all(&message).await?;
        let mut got = 0;
        while got < size {
            let n = stream.read(&mut back[got..]).await?;
            if n == 0 {
                return Err(io::Error::new(
                    ErrorKind::UnexpectedEof,
                    format!("the server closed the connection after {got} of {size} bytes"),
                ));
            }
            got += n;
        }
        if got != size || back[..size] != message[..] {
            return Err(io::Error::new(
                ErrorKind::InvalidData,
                format!("message {}: the echo differs from what was sent", stats.messages),
            ));
        }
        let now = Instant::now();
        stats.latency.record(now.saturating_duration_since(sent_at));
        stats.messages += 1;
        sent_at = now;
    }
    Ok(stats)
}

/// Everything the run did, printed as `key: value` lines.
#[derive(Default)]
struct Report {
    succeeded: usize,
    failed: usize,
    first_error: Option<String>,
    messages: u64,
    elapsed: Duration,
    latency: Histogram,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 { self.messages as f64 / secs } else { 0.0 };
        writeln!(f, "clients succeeded: {}", self.succeeded)?;
        writeln!(f, "clients failed: {}", self.failed)?;
        if let Some(e) = &self.first_error {
            writeln!(f, "first error: {e}")?;
        }
        writeln!(f, "messages: {}", self.messages)?;
        writeln!(f, "seconds: {secs:.3}")?;
        writeln!(f, "messages per second: {rate:.0}")?;
        let micros = |p: f64| self.latency.percentile(p).as_secs_f64() * 1e6;
        writeln!(f, "latency p50: {:.1} us", micros(50.0))?;
        writeln!(f, "latency p99: {:.1} us", micros(99.0))
    }
}

/// How many sub-buckets split each power of two: 2^5 = 32, so a bucket is at
/// most 1/32 (about 3%) of its values wide.
const SUB_BITS: u32 = 5;
const SUB_BUCKETS: usize = 1 << SUB_BITS;
/// Values below 2 * SUB_BUCKETS have a bucket each (the first two rows);
/// above, each power of two from 2^6 to 2^63 has a row of 32.
const BUCKETS: usize = (64 - SUB_BITS as usize + 1) * SUB_BUCKETS;

/// Round-trip times in nanoseconds, log-linear: recording is an index and an
/// increment, and memory stays fixed however long the run.
#[derive(Clone)]
struct Histogram {
    counts: Box<[u64]>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl Histogram {
    fn new() -> Self {
        Histogram { counts: vec![0; BUCKETS].into_boxed_slice(), total: 0 }
    }

    /// The bucket of `value`: the value itself below 64, else its top six
    /// bits and how far they were shifted.
    fn bucket(value: u64) -> usize {
        if value < 2 * SUB_BUCKETS as u64 {
            return value as usize;
        }
        let shift = 63 - value.leading_zeros() - SUB_BITS;
        shift as usize * SUB_BUCKETS + (value >> shift) as usize
    }

    /// The smallest value in bucket `index` (the inverse of `bucket`).
    fn lowest(index: usize) -> u64 {
        if index < 2 * SUB_BUCKETS {
            return index as u64;
        }
        let shift = index / SUB_BUCKETS - 1;
        ((index - shift * SUB_BUCKETS) as u64) << shift
    }

    fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.counts[Self::bucket(nanos)] += 1;
        self.total += 1;
    }

    fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine += theirs;
        }
        self.total += other.total;
    }

    /// The value at or below which `p` percent of the recordings fall (the
    /// nearest-rank method), to within its bucket's width: the bucket's
    /// midpoint. Zero when nothing was recorded.
    fn percentile(&self, p: f64) -> Duration {
        if self.total == 0 {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0 * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let low = Self::lowest(index);
                let high = if index + 1 < BUCKETS { Self::lowest(index + 1) } else { u64::MAX };
                return Duration::from_nanos(low + (high - low - 1) / 2);
            }
        }
        unreachable!("the counts add up to the total")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(values: impl IntoIterator<Item = u64>) -> Histogram {
        let mut h = Histogram::new();
        for v in values {
            h.record(Duration::from_nanos(v));
        }
        h
    }

    #[test]
    fn buckets_are_contiguous_and_invert() {
        let mut previous = 0;
        for index in 1..BUCKETS {
            let low = Histogram::lowest(index);
            assert!(low > previous, "bucket {index} starts after bucket {}", index - 1);
            assert_eq!(Histogram::bucket(low), index);
            assert_eq!(Histogram::bucket(low - 1), index - 1);
            previous = low;
        }
        assert_eq!(Histogram::bucket(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn buckets_are_within_three_percent() {
        for index in 2 * SUB_BUCKETS..BUCKETS - 1 {
            let (low, high) = (Histogram::lowest(index), Histogram::lowest(index + 1));
            assert!((high - low) as f64 / low as f64 <= 1.0 / SUB_BUCKETS as f64);
        }
    }

    #[test]
    fn percentiles_of_small_values_are_exact() {
        // 1..=50: below 64 every value has its own bucket.
        let h = histogram(1..=50);
        assert_eq!(h.percentile(50.0), Duration::from_nanos(25));
        assert_eq!(h.percentile(99.0), Duration::from_nanos(50));
        assert_eq!(h.percentile(100.0), Duration::from_nanos(50));
        assert_eq!(h.percentile(0.0), Duration::from_nanos(1));
    }

    #[test]
    fn percentiles_of_large_values_are_close() {
        // 1..=1000 microseconds: p50 is 500 us, p99 is 990 us, within 3%.
        let h = histogram((1..=1000).map(|us| us * 1000));
        for (p, expected) in [(50.0, 500_000.0), (99.0, 990_000.0)] {
            let got = h.percentile(p).as_nanos() as f64;
            assert!((got - expected).abs() / expected < 0.03, "p{p}: {got} vs {expected}");
        }
    }

    #[test]
    fn merged_histograms_count_everything() {
        let mut a = histogram([10, 20]);
        a.merge(&histogram([30, 40, 50]));
        assert_eq!(a.total, 5);
        assert_eq!(a.percentile(50.0), Duration::from_nanos(30));
        assert_eq!(Histogram::new().percentile(50.0), Duration::ZERO);
    }
}

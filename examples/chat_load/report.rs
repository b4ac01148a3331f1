//! What the run did, printed as `key: value` lines for people and for
//! `bench/run.sh chat`.

use std::fmt;
use std::time::Duration;

use crate::histogram::Histogram;
use crate::run::State;

/// Everything the run did, printed as `key: value` lines.
#[derive(Default)]
pub(crate) struct Report {
    pub(crate) clients: usize,
    pub(crate) window: usize,
    pub(crate) failed: usize,
    pub(crate) first_error: Option<String>,
    pub(crate) rounds: usize,
    pub(crate) sent: u64,
    pub(crate) delivered: u64,
    pub(crate) expected: u64,
    pub(crate) unexpected: u64,
    pub(crate) first_unexpected: Option<String>,
    pub(crate) elapsed: Duration,
    pub(crate) latency: Histogram,
}

impl Report {
    pub(crate) fn fill(&mut self, state: &State) {
        self.rounds = state.end.unwrap_or(state.arrivals.len());
        self.sent = state.sent;
        self.delivered = state.delivered;
        self.expected = (self.clients * (self.clients - 1) * self.rounds) as u64;
        self.unexpected = state.unexpected;
        self.first_unexpected = state.first_unexpected.clone();
        if let (Some(start), Some(last)) = (state.start, state.last_delivery) {
            self.elapsed = last.saturating_duration_since(start);
        }
        self.latency = state.latency.clone();
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 { self.delivered as f64 / secs } else { 0.0 };
        writeln!(f, "clients: {}", self.clients)?;
        writeln!(f, "clients failed: {}", self.failed)?;
        if let Some(e) = &self.first_error {
            writeln!(f, "first error: {e}")?;
        }
        writeln!(f, "window: {} rounds", self.window)?;
        writeln!(f, "messages sent: {}", self.sent)?;
        writeln!(f, "delivered: {}", self.delivered)?;
        writeln!(f, "expected: {}", self.expected)?;
        writeln!(f, "unexpected lines: {}", self.unexpected)?;
        if let Some(line) = &self.first_unexpected {
            writeln!(f, "first unexpected line: {line}")?;
        }
        writeln!(f, "seconds: {secs:.3}")?;
        writeln!(f, "delivered per second: {rate:.0}")?;
        let micros = |p: f64| self.latency.percentile(p).as_secs_f64() * 1e6;
        writeln!(f, "latency p50: {:.1} us", micros(50.0))?;
        writeln!(f, "latency p99: {:.1} us", micros(99.0))
    }
}

//! What every client of the run shares: the pace (rounds, the window), the
//! counts, and the events that start and end the run.

use std::cell::RefCell;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use reel::sync::Event;

use crate::BIG_ROOM;
use crate::histogram::Histogram;

/// What every client of the run shares (one loop, so `Rc`/`RefCell`).
pub(crate) struct Run {
    pub(crate) clients: usize,
    /// A client sends round k only once rounds below `k - window` are complete.
    pub(crate) window: usize,
    /// Messages per second per client, or 0.
    pub(crate) rate: f64,
    pub(crate) size: usize,
    /// How long to send, with `--duration`.
    pub(crate) duration: Option<Duration>,
    /// The clock the stamps in the messages count from.
    pub(crate) origin: Instant,
    /// Set once every client has joined and heard every other join.
    pub(crate) started: Event,
    /// Set once the number of rounds is fixed (at the start with --messages).
    pub(crate) end_known: Event,
    pub(crate) state: RefCell<State>,
}

#[derive(Default)]
pub(crate) struct State {
    /// `Hello` lines received.
    pub(crate) hellos: usize,
    /// `joined the chat` notices received.
    pub(crate) join_notices: usize,
    /// When sending began.
    pub(crate) start: Option<Instant>,
    /// The rounds every client sends, once known.
    pub(crate) end: Option<usize>,
    /// Chat lines of round k received so far, by all clients: `arrivals[k]`.
    /// Its length is the number of rounds begun.
    pub(crate) arrivals: Vec<usize>,
    /// Rounds `0..complete` reached every client but their senders.
    pub(crate) complete: usize,
    /// Senders waiting for `complete` to move.
    pub(crate) window_waiters: Vec<Waker>,
    pub(crate) sent: u64,
    pub(crate) delivered: u64,
    /// Lines that are neither chat lines of this run nor notices.
    pub(crate) unexpected: u64,
    pub(crate) first_unexpected: Option<String>,
    pub(crate) last_delivery: Option<Instant>,
    pub(crate) latency: Histogram,
}

impl Run {
    /// Counts a `Hello` or a join notice; starts the run once all are in.
    pub(crate) fn joined(&self, hello: bool) {
        let mut state = self.state.borrow_mut();
        if hello {
            state.hellos += 1;
        } else {
            state.join_notices += 1;
        }
        // Above 100 members the reel server gathers its join notices (see
        // examples/chat/PROTOCOL.md), and there is no fixed count to wait
        // for: the run starts on the greetings alone, and notices that come
        // during the run are counted as notices, not chat lines.
        let all_notices =
            if self.clients <= BIG_ROOM { self.clients * (self.clients - 1) / 2 } else { 0 };
        if state.start.is_none()
            && state.hellos == self.clients
            && state.join_notices >= all_notices
        {
            state.start = Some(Instant::now());
            drop(state);
            self.started.set();
        }
    }

    /// Ready(true) once round `k` may be sent (and counts it sent);
    /// Ready(false) if the run has fewer rounds.
    pub(crate) fn poll_send(&self, k: usize, cx: &mut Context<'_>) -> Poll<bool> {
        let mut state = self.state.borrow_mut();
        if state.end.is_none() {
            let start = state.start.unwrap_or(self.origin);
            if self.duration.is_some_and(|d| Instant::now() >= start + d) {
                // Time is up: finish the rounds begun, and no more.
                state.end = Some(state.arrivals.len());
                self.end_known.set();
            }
        }
        if state.end.is_some_and(|end| k >= end) {
            return Poll::Ready(false);
        }
        if k >= state.complete + self.window {
            state.window_waiters.push(cx.waker().clone());
            return Poll::Pending;
        }
        if k >= state.arrivals.len() {
            state.arrivals.push(0);
        }
        state.sent += 1;
        Poll::Ready(true)
    }

    /// Counts one delivered chat line of round `k`, received at `now`.
    pub(crate) fn delivered(&self, k: usize, sent_at: Instant, now: Instant) -> bool {
        let mut state = self.state.borrow_mut();
        let Some(arrivals) = state.arrivals.get_mut(k) else { return false };
        *arrivals += 1;
        state.delivered += 1;
        state.last_delivery = Some(now);
        state.latency.record(now.saturating_duration_since(sent_at));
        let full = self.clients * (self.clients - 1);
        let before = state.complete;
        while state.arrivals.get(state.complete) == Some(&full) {
            state.complete += 1;
        }
        if state.complete > before {
            state.window_waiters.drain(..).for_each(Waker::wake);
        }
        true
    }

    pub(crate) fn unexpected(&self, line: &[u8]) {
        let mut state = self.state.borrow_mut();
        state.unexpected += 1;
        state.first_unexpected.get_or_insert_with(|| String::from_utf8_lossy(line).into_owned());
    }

    /// True once this client has heard every round of every other client.
    pub(crate) fn heard_all(&self, heard: u64) -> bool {
        let state = self.state.borrow();
        state.end.is_some_and(|end| heard >= (end * (self.clients - 1)) as u64)
    }
}

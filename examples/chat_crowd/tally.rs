//! What the clients of one round report, and the round's figures.
//!
//! One `Tally` per round, shared by its clients through an `Rc`: one loop,
//! one thread, so a `RefCell` and no atomics.

use std::cell::RefCell;
use std::io;
use std::time::Instant;

use reel::sync::Event;

/// The steps of a round, in order; every client goes through each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Connected, named, greeted with `Hello`.
    Joined,
    /// Has the one message (client 0: has sent it).
    Heard,
    /// Said `/quit`, read `Goodbye!` and EOF.
    Left,
}

impl Phase {
    pub const ALL: [Phase; 3] = [Phase::Joined, Phase::Heard, Phase::Left];

    fn index(self) -> usize {
        self as usize
    }
}

/// One round's shared state: the events that start its phases and what the
/// clients counted.
pub struct Tally {
    clients: usize,
    round: usize,
    /// Set once all have joined: client 0 sends the message.
    pub send_message: Event,
    /// Set once all have the message: every client says `/quit`.
    pub leave: Event,
    /// `done[i]` is set once every client has finished phase i or failed.
    done: [Event; 3],
    counts: RefCell<Counts>,
}

#[derive(Default)]
struct Counts {
    /// Clients that finished each phase.
    reached: [usize; 3],
    /// Clients that failed before finishing each phase.
    given_up: [usize; 3],
    failed: usize,
    first_error: Option<String>,
    /// When the last client finished each phase.
    last: [Option<Instant>; 3],
    message_sent: Option<Instant>,
    leave_started: Option<Instant>,
    lines: u64,
    bytes: u64,
    /// `*** ... joined the chat ***` lines.
    join_notices: u64,
}

impl Tally {
    pub fn new(clients: usize, round: usize) -> Tally {
        Tally {
            clients,
            round,
            send_message: Event::new(),
            leave: Event::new(),
            done: [Event::new(), Event::new(), Event::new()],
            counts: RefCell::new(Counts::default()),
        }
    }

    /// The chat line client 0 sends, with its `\n`.
    pub fn message(&self) -> String {
        format!("crowd round {}\n", self.round)
    }

    /// Waits until every client has finished `phase` or failed; starting
    /// the message and leave phases is the caller's (`start`).
    pub async fn wait(&self, phase: Phase) {
        self.done[phase.index()].wait().await;
    }

    /// Starts `phase`: client 0 sends the message, or everyone leaves.
    pub fn start(&self, phase: Phase) {
        let mut counts = self.counts.borrow_mut();
        match phase {
            Phase::Joined => {}
            Phase::Heard => {
                counts.message_sent = Some(Instant::now());
                self.send_message.set();
            }
            Phase::Left => {
                counts.leave_started = Some(Instant::now());
                self.leave.set();
            }
        }
    }

    /// One client finished `phase`.
    pub fn reached(&self, phase: Phase) {
        let mut counts = self.counts.borrow_mut();
        counts.reached[phase.index()] += 1;
        counts.last[phase.index()] = Some(Instant::now());
        self.check(&counts, phase);
    }

    /// Client `id` failed after `reached` (None: before it joined).
    pub fn failed(&self, id: usize, reached: Option<Phase>, e: &io::Error) {
        let mut counts = self.counts.borrow_mut();
        counts.failed += 1;
        counts.first_error.get_or_insert_with(|| format!("client {id}: {e}"));
        let first_missed = reached.map_or(0, |p| p.index() + 1);
        for phase in &Phase::ALL[first_missed..] {
            counts.given_up[phase.index()] += 1;
            self.check(&counts, *phase);
        }
    }

    fn check(&self, counts: &Counts, phase: Phase) {
        let i = phase.index();
        if counts.reached[i] + counts.given_up[i] == self.clients {
            self.done[i].set();
        }
    }

    /// Counts one line a client received (with its `\n`).
    pub fn line(&self, line: &[u8]) {
        let mut counts = self.counts.borrow_mut();
        counts.lines += 1;
        counts.bytes += line.len() as u64;
        if line.starts_with(b"*** ") && line.ends_with(b" joined the chat ***\n") {
            counts.join_notices += 1;
        }
    }

    /// Prints the round's figures; true if nothing failed.
    pub fn report(&self, started: Instant) -> bool {
        let counts = self.counts.borrow();
        let r = self.round;
        let seconds = |from: Option<Instant>, to: Option<Instant>| match (from, to) {
            (Some(from), Some(to)) => {
                format!("{:.3}", to.saturating_duration_since(from).as_secs_f64())
            }
            _ => "-".to_string(),
        };
        let [joined, heard, left] = counts.reached;
        println!("round {r} joined: {joined} of {}", self.clients);
        println!("round {r} join seconds: {}", seconds(Some(started), counts.last[0]));
        println!("round {r} clients failed: {}", counts.failed);
        if let Some(e) = &counts.first_error {
            println!("round {r} first error: {e}");
        }
        // Client 0 sent the message: it counts as done, not as a hearer.
        println!("round {r} message reached: {} of {}", heard.saturating_sub(1), self.clients - 1);
        println!("round {r} message seconds: {}", seconds(counts.message_sent, counts.last[1]));
        println!("round {r} left with goodbye: {left} of {}", self.clients);
        println!("round {r} leave seconds: {}", seconds(counts.leave_started, counts.last[2]));
        let per_client = |total: u64| total as f64 / self.clients as f64;
        println!(
            "round {r} lines received: {} ({:.1} per client)",
            counts.lines,
            per_client(counts.lines)
        );
        println!(
            "round {r} bytes received: {} ({:.0} per client)",
            counts.bytes,
            per_client(counts.bytes)
        );
        println!("round {r} join notice lines: {}", counts.join_notices);
        counts.failed == 0 && left == self.clients
    }
}

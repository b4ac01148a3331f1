//! Waiting for time: `sleep`, `sleep_until`, `timeout`, `timeout_at`, `interval`.
//!
//! asyncio counterpart: `asyncio.sleep`, `asyncio.wait_for` /
//! `asyncio.timeout`, and the `while True: ...; await asyncio.sleep(period)`
//! loop that `interval` replaces.
//!
//! Each future here registers one entry with the loop's timers on its first
//! `Pending` and removes it when dropped, so a cancelled sleep leaves nothing
//! behind. The loop's `epoll_wait` never blocks past the nearest deadline.

use std::fmt;
use std::future::{Future, poll_fn};
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::event_loop::await_site::{Site, note, traced};
use crate::event_loop::context::{try_core, with_core};

pub use crate::paused_clock::{advance, pause};

/// The loop's clock: the time read once per tick, right after `epoll_wait`
/// returned (asyncio: `loop.time()`). Cheaper than `Instant::now()` and
/// the same for every task in a tick; at most one tick behind the wall.
///
/// Panics when called outside a running loop.
pub fn now() -> Instant {
    with_core("reel::time::now", |core| core.now())
}

/// Waits until `duration` has passed (asyncio: `await asyncio.sleep(secs)`).
///
/// Panics when called outside a running loop.
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    // `clock_now` finds the loop (or panics), so `sleep_until`'s check is not repeated.
    let deadline = clock_now().checked_add(duration).unwrap_or_else(far_future);
    Sleep::new(deadline, Location::caller())
}

/// The time now on the loop's clock: the wall's, or the paused one
/// (src/paused_clock.rs). Unlike [`now`], not cached for the tick: a
/// duration from here starts now. Panics outside a running loop.
pub(crate) fn clock_now() -> Instant {
    with_core("reel::time", |core| core.clock.read())
}

/// Waits until `deadline` (asyncio: `loop.call_at`, as a future).
///
/// Panics when called outside a running loop.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    with_core("reel::sleep", |_| ());
    Sleep::new(deadline, Location::caller())
}

/// About thirty years from now: "never", for durations that overflow.
pub(crate) fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365 * 30)
}

/// `Sleep::id` when no timer entry is armed.
const NO_TIMER: u64 = 0;

/// The future returned by [`sleep`] and [`sleep_until`].
#[must_use = "a Sleep does nothing unless awaited"]
pub struct Sleep {
    /// The deadline and its entry in the loop's timers.
    entry: TimerEntry,
    /// Where it was awaited, for the task table (await_site.rs).
    at: Site,
    /// Timer entries belong to one loop's thread, so a `Sleep` stays there.
    _loop_bound: PhantomData<Rc<()>>,
}

impl Sleep {
    /// A sleep until `deadline`, awaited at `at`; not armed until polled.
    fn new(deadline: Instant, at: Site) -> Sleep {
        Sleep { entry: TimerEntry::new(deadline), at, _loop_bound: PhantomData }
    }

    /// When this sleep completes.
    pub fn deadline(&self) -> Instant {
        self.entry.deadline
    }

    /// Moves the deadline, re-arming a sleep that already completed.
    /// An idle timeout calls this on every message it sees.
    pub fn reset(&mut self, deadline: Instant) {
        self.entry.reset(deadline);
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let at = self.at;
        note(at, self.entry.poll_at(cx))
    }
}

/// A deadline and its entry in the current loop's timers: what a [`Sleep`]
/// is, less where it was awaited. Plain data (no `Rc`), so it is `Send` and
/// `Sync` as hyper's sleeps must be (`reel::hyper`); it still reaches the
/// loop only from the loop's thread, when polled or dropped there.
pub(crate) struct TimerEntry {
    deadline: Instant,
    /// The id of the timer entry, whose key is `(deadline, id)`: set from the
    /// first `Pending` until the entry fires or the sleep is dropped or reset;
    /// `NO_TIMER` otherwise (ids start at 1: an `Option` would add 8 bytes
    /// to every sleep, and an idle connection holds one).
    id: u64,
    /// The waker parked in that entry. A re-poll by the same task before the
    /// deadline then needs no timer lookup: the common case in a `select`.
    parked: Option<Waker>,
}

impl TimerEntry {
    /// Not armed yet: the first `Pending` arms it.
    pub(crate) fn new(deadline: Instant) -> Self {
        TimerEntry { deadline, id: NO_TIMER, parked: None }
    }

    /// Moves the deadline; the next poll arms the entry again.
    pub(crate) fn reset(&mut self, deadline: Instant) {
        self.unregister();
        self.deadline = deadline;
    }

    fn unregister(&mut self) {
        self.parked = None;
        let id = std::mem::replace(&mut self.id, NO_TIMER);
        if id != NO_TIMER {
            if let Some(core) = try_core() {
                core.timers.remove((self.deadline, id));
            }
        }
    }

    /// Ready once the deadline has passed; else the entry is armed (or
    /// re-parked with this task's waker) and it is `Pending`.
    #[inline(always)]
    pub(crate) fn poll_at(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        with_core("Sleep::poll", |core| {
            if self.id != NO_TIMER {
                let id = self.id;
                // `fire_expired` removes exactly the entries due at the loop's
                // clock, so before the deadline ours is still there.
                let same_task = self.parked.as_ref().is_some_and(|w| w.will_wake(cx.waker()));
                if same_task && self.deadline > core.now() {
                    return Poll::Pending;
                }
                // Our entry is gone only if `fire_expired` took it: done.
                if core.timers.repark((self.deadline, id), cx.waker()) {
                    self.parked = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                self.id = NO_TIMER;
                self.parked = None;
                return Poll::Ready(());
            }
            if self.deadline <= core.now() {
                return Poll::Ready(());
            }
            self.id = core.timers.insert(self.deadline, cx.waker()).1;
            self.parked = Some(cx.waker().clone());
            Poll::Pending
        })
    }
}

impl Drop for TimerEntry {
    fn drop(&mut self) {
        self.unregister();
    }
}

impl fmt::Debug for TimerEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerEntry").field("deadline", &self.deadline).finish()
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep").field("deadline", &self.entry.deadline).finish()
    }
}

/// The error of a [`timeout`] whose time ran out (asyncio: `TimeoutError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(_: Elapsed) -> Self {
        std::io::Error::new(std::io::ErrorKind::TimedOut, "deadline has elapsed")
    }
}

/// Runs `future` for at most `duration`; if time runs out first, drops it and
/// returns `Err(Elapsed)` (asyncio: `asyncio.wait_for(aw, timeout)`).
///
/// The future is polled before the clock is checked, so one that is ready at
/// once succeeds even with a zero duration. Panics outside a running loop.
#[track_caller]
pub fn timeout<F: Future>(
    duration: Duration,
    future: F,
) -> impl Future<Output = Result<F::Output, Elapsed>> {
    traced!(async move { within(sleep(duration), future).await })
}

/// Runs `future` until the loop's clock reaches `deadline`; if it does
/// first, drops it and returns `Err(Elapsed)` (asyncio: `asyncio.timeout_at`,
/// with the loop's `time()`). A deadline already past still lets a future
/// that is ready at once succeed. Panics outside a running loop.
#[track_caller]
pub fn timeout_at<F: Future>(
    deadline: Instant,
    future: F,
) -> impl Future<Output = Result<F::Output, Elapsed>> {
    traced!(async move { within(sleep_until(deadline), future).await })
}

/// The future's output, or `Elapsed` once `timer` fires first.
async fn within<F: Future>(mut timer: Sleep, future: F) -> Result<F::Output, Elapsed> {
    let mut future = pin!(future);
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        Pin::new(&mut timer).poll(cx).map(|()| Err(Elapsed(())))
    })
    .await
}

/// Ticks every `period`, the first tick on the loop's next turn without
/// waiting; see [`Interval::tick`].
///
/// asyncio has no interval; its idiom is a loop around `asyncio.sleep`,
/// which drifts by the time the body takes. An interval does not drift.
/// Panics if `period` is zero or when called outside a running loop.
pub fn interval(period: Duration) -> Interval {
    assert!(!period.is_zero(), "reel::time::interval: the period must be non-zero");
    let now = clock_now();
    Interval { period, next: now, sleep: sleep_until(now) }
}

/// A metronome: see [`interval`].
#[derive(Debug)]
pub struct Interval {
    period: Duration,
    /// The deadline of the next tick.
    next: Instant,
    sleep: Sleep,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled time.
    ///
    /// Ticks are `period` apart. If the loop falls behind by more than a
    /// period, missed ticks are skipped rather than fired in a burst: the next
    /// one is scheduled a period after now.
    #[track_caller]
    pub fn tick(&mut self) -> impl Future<Output = Instant> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.poll_tick(cx)))
    }

    /// The poll behind [`tick`](Self::tick), for hand-written futures.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let this_tick = self.next;
        let now = clock_now();
        self.next += self.period;
        if self.next < now {
            self.next = now + self.period;
        }
        self.sleep.reset(self.next);
        Poll::Ready(this_tick)
    }

    /// The period between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }
}

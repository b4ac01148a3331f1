//! Waiting for the first of several futures: `select`, `race`.
//!
//! asyncio counterpart: `asyncio.wait(aws, return_when=FIRST_COMPLETED)`
//! followed by cancelling the pending ones. Here the losers are dropped,
//! which is how a Rust future is cancelled: their `Drop`s run (a `Sleep`
//! removes its timer, an `Acquire` gives up its place) before the winner's
//! output is returned.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

use super::children::Children;

/// The output of [`select`]: which side finished first, and its output
/// (asyncio has none; `asyncio.wait` returns the sets of done and pending
/// tasks, and the caller looks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Either<L, R> {
    /// The first (left) future finished first.
    Left(L),
    /// The second (right) future finished first.
    Right(R),
}

/// Waits for the first of `a` and `b` to finish and drops the other
/// (asyncio: `asyncio.wait({a, b}, return_when=FIRST_COMPLETED)`, then
/// cancelling the one still pending).
///
/// Biased: `a` is polled first, so if both are ready on the same poll, `a`
/// wins. Put the future that must not starve on the left.
pub async fn select<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let (mut a, mut b) = (pin!(a), pin!(b));
    poll_fn(|cx| {
        if let Poll::Ready(out) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(out));
        }
        b.as_mut().poll(cx).map(Either::Right)
    })
    .await
    // `a` and `b` are dropped here, as this function returns.
}

/// Waits for the first of `futures` to finish and returns its index and
/// output; the others are dropped (asyncio: `asyncio.wait(aws,
/// return_when=FIRST_COMPLETED)`, then cancelling the pending ones).
///
/// If several are ready on the same poll, the one woken first wins (at the
/// first poll, the lowest index). Like [`join_all`](super::join_all), a wake
/// polls only the child it is for.
///
/// Panics if `futures` is empty: with nothing to wait for, there is no first
/// (asyncio raises `ValueError` for an empty set).
pub fn race<I>(futures: I) -> impl Future<Output = (usize, <I::Item as Future>::Output)>
where
    I: IntoIterator,
    I::Item: Future,
{
    let mut children = Children::new(futures);
    assert!(children.len() > 0, "reel::sync::race needs at least one future");
    async move {
        let first = poll_fn(|cx| children.poll_next(cx)).await;
        // `children`, and with it every loser, is dropped as this block ends.
        first.expect("a child remains until the first completes")
    }
}

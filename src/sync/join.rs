//! Waiting for several futures at once, inside one task: `join`, `join_all`.
//!
//! asyncio counterpart: `asyncio.gather(*aws)`. Unlike `gather`, nothing is
//! spawned: the children run inside the task that awaits the join, so they
//! may borrow from it, and dropping the join drops (cancels) them all.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

use super::children::Children;

/// Runs `a` and `b` concurrently and returns both outputs once both are done
/// (asyncio: `a, b = await asyncio.gather(a, b)`).
///
/// Each wake polls both children that have not finished; with two children
/// that costs less than finding out which one was woken.
pub async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut a_out, mut b_out) = (None, None);
    poll_fn(|cx| {
        // A finished child is never polled again; its output waits here.
        if a_out.is_none() {
            if let Poll::Ready(out) = a.as_mut().poll(cx) {
                a_out = Some(out);
            }
        }
        if b_out.is_none() {
            if let Poll::Ready(out) = b.as_mut().poll(cx) {
                b_out = Some(out);
            }
        }
        match (a_out.take(), b_out.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                (a_out, b_out) = (a, b);
                Poll::Pending
            }
        }
    })
    .await
}

/// Runs every future concurrently and returns their outputs in input order,
/// whatever order they finish in (asyncio: `await asyncio.gather(*aws)`).
///
/// For futures of different types, box them first:
/// `Vec<Pin<Box<dyn Future<Output = T>>>>`.
///
/// Cost: each child is boxed once and gets its own waker, and a wake polls
/// only the child it is for (see `children.rs`), so n children cost O(n)
/// polls in all rather than O(n) per wake. A child's output is kept, and the
/// child itself dropped, as soon as it completes.
pub async fn join_all<I>(futures: I) -> Vec<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future,
{
    let mut children = Children::new(futures);
    let mut outputs: Vec<Option<_>> = (0..children.len()).map(|_| None).collect();
    poll_fn(|cx| {
        loop {
            match children.poll_next(cx) {
                Poll::Ready(Some((index, output))) => outputs[index] = Some(output),
                Poll::Ready(None) => break Poll::Ready(()),
                Poll::Pending => break Poll::Pending,
            }
        }
    })
    .await;
    outputs.into_iter().map(|output| output.expect("every child has completed")).collect()
}

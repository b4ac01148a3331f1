//! [`HyperExecutor`]: hyper's `rt::Executor` as `reel::spawn`.
//!
//! asyncio counterpart: `loop.create_task`; tokio's is hyper-util's
//! `TokioExecutor`, which needs `Send` futures; this one does not.

use std::future::Future;

use ::hyper::rt::Executor;

/// Runs what hyper hands over (each HTTP/2 stream, a client connection's
/// background work) as a task on the current loop, named `hyper` in the
/// task table. The futures need not be `Send`: they never leave the loop.
///
/// Panics, like `reel::spawn`, when hyper calls it outside a running loop.
#[derive(Debug, Clone, Copy, Default)]
pub struct HyperExecutor;

impl<F> Executor<F> for HyperExecutor
where
    F: Future + 'static,
{
    fn execute(&self, future: F) {
        // Detached: hyper keeps its own handles (channels) to what it spawns.
        drop(crate::event_loop::context::spawn_named("hyper", future));
    }
}

//! Helpers shared by the integration tests.

#![allow(dead_code)]

pub mod chat;
pub mod example;
pub mod http;

use std::future::Future;
use std::time::Duration;

/// The longest any single wait in a test may take.
pub const LIMIT: Duration = Duration::from_secs(5);

/// Awaits `future` for at most [`LIMIT`]; a hang fails the test.
pub async fn bounded<F: Future>(future: F) -> F::Output {
    reel::timeout(LIMIT, future).await.expect("the test's deadline passed")
}

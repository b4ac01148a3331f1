//! Writing to stdout from the loop, for both modes.

use std::io::{self, Write};
use std::time::Duration;

/// How long to wait before retrying a write to a full, non-blocking stdout.
const STDOUT_RETRY: Duration = Duration::from_millis(10);

/// Writes `data` to stdout and flushes it, without blocking the loop.
///
/// In a terminal, fds 0 and 1 are usually one open file description, so
/// while `reel::io::Stdin` keeps fd 0 non-blocking, fd 1 is non-blocking
/// too, and a write to a slow (or Ctrl-S paused) terminal fails with
/// `WouldBlock` (the ground rules of `reel::io::Stdin`). reel has no async
/// stdout, so this is the corner cut: such a write is retried after a short
/// sleep on the loop, rather than waiting for fd 1 in the reactor. A pipe or
/// a file as stdout never gets here.
pub async fn print(mut data: &[u8]) -> io::Result<()> {
    // `write`, not `write_all`: after an error it is known what was taken.
    while !data.is_empty() {
        match io::stdout().write(data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(e) => retry_later(e).await?,
        }
    }
    loop {
        match io::stdout().flush() {
            Ok(()) => return Ok(()),
            Err(e) => retry_later(e).await?,
        }
    }
}

/// Returns once a failed stdout write may be retried, or the error if it may not.
async fn retry_later(e: io::Error) -> io::Result<()> {
    match e.kind() {
        io::ErrorKind::Interrupted => Ok(()),
        io::ErrorKind::WouldBlock => {
            reel::sleep(STDOUT_RETRY).await;
            Ok(())
        }
        _ => Err(e),
    }
}

//! The plain byte echo: what `nc` and load tools expect.
//!
//! It waits with `readable()` and reads with `try_read` into a buffer that is
//! used only between those two points, never across an `.await`, so an idle
//! connection's task holds no buffer at all.
//!
//! At shutdown, what has already arrived is echoed before the goodbye, even
//! bytes whose readiness event the loop has not dispatched yet.

use std::cell::RefCell;
use std::future::poll_fn;
use std::io::{self, ErrorKind};
use std::pin::pin;
use std::task::Poll;

use reel::net::TcpStream;

use crate::{Config, Ending, IdleTimer, LINGER, linger};

/// Echoes until EOF, the idle timeout or shutdown; returns how it ended.
pub async fn serve(mut stream: TcpStream, config: &Config) -> io::Result<Ending> {
    let mut idle = IdleTimer::new(config.idle_timeout);
    let mut stop = pin!(config.stop.wait());
    loop {
        let woke = {
            let mut readable = pin!(stream.readable());
            poll_fn(|cx| {
                if let Poll::Ready(ready) = readable.as_mut().poll(cx) {
                    return Poll::Ready(ready.map(|()| Woke::Readable));
                }
                if stop.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Ok(Woke::Stop));
                }
                idle.poll_expired(cx).map(|()| Ok(Woke::Idle))
            })
            .await?
        };
        let unsent = match woke {
            Woke::Readable => match echo_what_is_there(&stream)? {
                Some(unsent) => unsent,
                None => return Ok(Ending::Eof),
            },
            // Boxed: the goodbye's state is not kept in every idle connection.
            Woke::Stop => return Box::pin(answer_then_goodbye(stream)).await,
            Woke::Idle => {
                let bye = b"Connection timeout. Goodbye!\r\n";
                return Box::pin(goodbye(stream, bye, Ending::Idle)).await;
            }
        };
        idle.touch();
        if !unsent.is_empty() {
            // The peer reads slower than it writes: wait for room, holding
            // only the bytes the kernel did not take.
            stream.write_all(&unsent).await?;
        }
    }
}

enum Woke {
    Readable,
    Stop,
    Idle,
}

thread_local! {
    /// The read buffer, one per loop thread: used only between `readable()`
    /// and the write, never across an `.await`, so every connection of the
    /// loop can share it and none holds one while idle. Zeroed once, not on
    /// every read as a fresh stack array would be.
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0; 16 * 1024]);
}

/// Reads what is there and writes it back at once. Returns the bytes the
/// kernel did not take (usually none), or `None` at EOF.
fn echo_what_is_there(stream: &TcpStream) -> io::Result<Option<Vec<u8>>> {
    SCRATCH.with_borrow_mut(|buf| {
        let n = match stream.try_read(buf) {
            Ok(0) => return Ok(None),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Some(Vec::new())),
            Err(e) => return Err(e),
        };
        let data = &buf[..n];
        if data == b"boom\r\n" || data == b"boom\n" {
            // The course's failing handler: the server must survive it.
            panic!("boom: the course's simulated handler failure");
        }
        match stream.try_write(data) {
            Ok(written) => Ok(Some(data[written..].to_vec())),
            Err(e) if e.kind() == ErrorKind::WouldBlock => Ok(Some(data.to_vec())),
            Err(e) => Err(e),
        }
    })
}

/// At shutdown: echo what has arrived (the reactor may not have heard of
/// it yet, so the kernel is asked), for at most `LINGER`, then the goodbye.
async fn answer_then_goodbye(mut stream: TcpStream) -> io::Result<Ending> {
    let deadline = reel::time::now() + LINGER;
    while stream.input_waiting() {
        let left = deadline.saturating_duration_since(reel::time::now());
        if reel::timeout(left, stream.readable()).await.is_err() {
            break;
        }
        match echo_what_is_there(&stream)? {
            None => return Ok(Ending::Eof),
            Some(unsent) if !unsent.is_empty() => stream.write_all(&unsent).await?,
            Some(_) => {}
        }
    }
    goodbye(stream, b"Server shutting down. Goodbye!\r\n", Ending::Shutdown).await
}

/// The last line, then a lingering close (see `linger`): FIN, and what the
/// client still sends is read and dropped, so that the close is not a reset
/// that could destroy the goodbye before the client reads it.
async fn goodbye(mut stream: TcpStream, line: &[u8], ending: Ending) -> io::Result<Ending> {
    stream.write_all(line).await?;
    stream.shutdown(std::net::Shutdown::Write)?;
    linger(&ending, async move { stream.discard_until_eof(LINGER).await }).await?;
    Ok(ending)
}

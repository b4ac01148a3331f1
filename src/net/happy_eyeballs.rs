//! Connecting to the first address that answers: Happy Eyeballs (RFC 8305),
//! what `TcpStream::connect` does when a name has several addresses.
//!
//! asyncio counterpart: `open_connection(..., happy_eyeballs_delay=0.25)`
//! (`loop.create_connection`'s staggered race); tokio connects to one
//! address after another.
//!
//! The addresses are put in the order RFC 8305 section 4 asks: IPv6 and
//! IPv4 alternating, IPv6 first. The first attempt starts at once; each next
//! one starts when the one before fails, or after [`STAGGER`] without an
//! answer, while the earlier attempts go on. The first to connect wins; the
//! others are dropped, which closes their sockets. So a first address that
//! swallows SYNs (a dead host, a black hole) costs 250 ms, not the kernel's
//! connect timeout.

use std::future::{Future, poll_fn};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use crate::time::{Sleep, sleep};

/// How long an attempt has before the next one starts beside it (RFC 8305's
/// "Connection Attempt Delay", asyncio's `happy_eyeballs_delay`).
pub(crate) const STAGGER: Duration = Duration::from_millis(250);

/// An attempt in flight.
type Attempt<T> = Pin<Box<dyn Future<Output = io::Result<T>>>>;

/// Connects with `connect` to the first of `addrs` to answer (module
/// docs); the last error if none does.
pub(crate) async fn connect_first<T, F>(
    addrs: Vec<SocketAddr>,
    mut connect: impl FnMut(SocketAddr) -> F,
) -> io::Result<T>
where
    F: Future<Output = io::Result<T>> + 'static,
{
    let mut rest = interleave(addrs).into_iter();
    let mut attempts: Vec<Attempt<T>> = Vec::new();
    let mut stagger: Option<Sleep> = None;
    let mut last_error = io::Error::new(io::ErrorKind::NotFound, "the name has no address");
    poll_fn(move |cx| {
        loop {
            // A success wins; a failure is dropped, and the next starts now.
            let mut failed = false;
            let mut i = 0;
            while i < attempts.len() {
                match attempts[i].as_mut().poll(cx) {
                    Poll::Ready(Ok(stream)) => return Poll::Ready(Ok(stream)),
                    Poll::Ready(Err(e)) => {
                        last_error = e;
                        drop(attempts.swap_remove(i));
                        failed = true;
                    }
                    Poll::Pending => i += 1,
                }
            }
            let waited = stagger.as_mut().is_some_and(|s| Pin::new(s).poll(cx).is_ready());
            if !(attempts.is_empty() || failed || waited) {
                return Poll::Pending;
            }
            match rest.next() {
                Some(addr) => {
                    attempts.push(Box::pin(connect(addr)));
                    stagger = Some(sleep(STAGGER));
                }
                None if attempts.is_empty() => {
                    let e = std::mem::replace(&mut last_error, io::ErrorKind::NotFound.into());
                    return Poll::Ready(Err(e));
                }
                None => {
                    stagger = None;
                    return Poll::Pending;
                }
            }
        }
    })
    .await
}

/// IPv6 and IPv4 alternating, IPv6 first, each family in its given order
/// (RFC 8305, section 4).
fn interleave(addrs: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let (v6, v4): (Vec<_>, Vec<_>) = addrs.into_iter().partition(SocketAddr::is_ipv6);
    let (mut v6, mut v4) = (v6.into_iter(), v4.into_iter());
    let mut out = Vec::new();
    loop {
        match (v6.next(), v4.next()) {
            (None, None) => return out,
            (a, b) => out.extend(a.into_iter().chain(b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_alternate_ipv6_first_each_in_its_order() {
        let a: Vec<SocketAddr> = ["1.1.1.1:1", "2.2.2.2:1", "[::1]:1", "3.3.3.3:1", "[::2]:1"]
            .map(|s| s.parse().unwrap())
            .into();
        let want: Vec<SocketAddr> = ["[::1]:1", "1.1.1.1:1", "[::2]:1", "2.2.2.2:1", "3.3.3.3:1"]
            .map(|s| s.parse().unwrap())
            .into();
        assert_eq!(interleave(a), want);
    }
}

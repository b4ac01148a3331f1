//! A server's accept loop: new connections to handler tasks, what to do
//! when the process is out of file descriptors, and the backlog a stopping
//! server takes in before it closes its listener.
//!
//! asyncio counterpart: `BaseSelectorEventLoop._accept_connection`, which
//! also pauses on EMFILE; the reserve descriptor is libuv's trick.
//!
//! Out of descriptors (EMFILE, ENFILE), `accept` fails and the connection
//! stays in the kernel's backlog: its client waits, seconds or for ever,
//! until some descriptor is freed. First the accept task yields once: a
//! burst accepted in one go has started tasks that have not run yet (a
//! refusal that writes "busy" and closes, a short handler), and they free
//! descriptors of their own. If accept still fails, it sheds with the
//! process's reserve descriptor (reserve.rs): it closes it, accepts with
//! the freed slot, closes that connection at once (its client learns now,
//! and can retry elsewhere or later), reopens the reserve, and repeats
//! until the backlog is empty. The listener then waits for its next event
//! as usual, so the loop does not spin. Only if the reserve cannot be
//! reopened does it fall back to pausing.

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use crate::stream::listener::{Connection, Listener};
use crate::stream::reserve;

/// A listening socket shared by the server (which takes it away in
/// `close`) and its accept task (which then sees `None` and ends).
pub(super) type ListenerSlot = Rc<RefCell<Option<Listener>>>;

/// How long the accept loop pauses after an error it cannot shed: retrying
/// at once would spin the loop at 100% CPU.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Accepts connections from `listener` until `close` takes it away, and
/// hands each to `start`.
pub(super) async fn accept_loop(listener: ListenerSlot, start: impl Fn(Connection)) {
    // Whether the last accept failed for want of a descriptor and this
    // task has since let the others run once.
    let mut yielded = false;
    loop {
        let accepted = poll_fn(|cx| match &*listener.borrow() {
            Some(listener) => {
                let _gate = reserve::accepting();
                listener.poll_accept(cx).map(Some)
            }
            None => Poll::Ready(None),
        })
        .await;
        match accepted {
            None => return,
            Some(Ok(connection)) => {
                yielded = false;
                start(connection);
            }
            // A burst accepted in one go starts tasks that have not run yet:
            // refusals and short handlers about to close their descriptors.
            // Let them run once before shedding connections for want of one.
            Some(Err(e)) if out_of_descriptors(&e) && !yielded => {
                yielded = true;
                crate::event_loop::task::yield_now().await;
            }
            Some(Err(e)) if out_of_descriptors(&e) && shed(&listener) => {}
            Some(Err(e)) => {
                reserve::warn_paused(&e, ACCEPT_BACKOFF);
                crate::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// Takes in every connection the kernel completed for `listener` and hands
/// each to `start`, as `Server::close` does before dropping it: closing a
/// listener resets the connections still in its backlog, whose clients may
/// already have sent a request.
pub(super) fn take_backlog(listener: &Listener, start: impl Fn(Connection)) -> usize {
    let mut taken = 0;
    loop {
        let accepted = {
            let _gate = reserve::accepting();
            listener.accept_now()
        };
        match accepted {
            Ok(connection) => {
                start(connection);
                taken += 1;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return taken,
            Err(e) => {
                log::warn!(target: "reel", "accepting the backlog at close: {e}");
                return taken;
            }
        }
    }
}

/// Sheds `listener`'s backlog with the reserve; false if there is no
/// reserve to shed with.
fn shed(listener: &ListenerSlot) -> bool {
    match &*listener.borrow() {
        Some(listener) => reserve::shed_backlog(listener),
        None => true,
    }
}

/// EMFILE (this process) or ENFILE (the whole system).
fn out_of_descriptors(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

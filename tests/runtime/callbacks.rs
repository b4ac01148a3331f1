//! asyncio's callback API on reel: `call_soon`, `call_later`, `call_at`,
//! `add_reader`, `add_writer`, and the handle that cancels them
//! (src/callbacks.rs).

#[path = "../common/mod.rs"]
mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use common::bounded;

/// Yields until `done` holds (each yield is one tick).
async fn until(done: impl Fn() -> bool) {
    while !done() {
        reel::yield_now().await;
    }
}

#[test]
fn call_soon_runs_callbacks_in_order_in_a_later_tick() {
    reel::run(bounded(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let scheduled_in = reel::stats().ticks;
        for i in 0..5 {
            let log = log.clone();
            reel::call_soon(move || log.borrow_mut().push((i, reel::stats().ticks)));
        }
        assert!(log.borrow().is_empty(), "a callback never runs inside call_soon");
        until(|| log.borrow().len() == 5).await;
        let log = log.borrow();
        let order: Vec<_> = log.iter().map(|&(i, _)| i).collect();
        assert_eq!(order, [0, 1, 2, 3, 4], "FIFO, as asyncio's _ready");
        assert!(log.iter().all(|&(_, tick)| tick == log[0].1), "all in one pass: {log:?}");
        assert!(log[0].1 > scheduled_in, "not in the pass that scheduled them: {log:?}");
    }));
}

#[test]
fn a_callback_that_schedules_another_runs_it_in_the_next_pass() {
    reel::run(bounded(async {
        let ticks = Rc::new(RefCell::new(Vec::new()));
        let inner = ticks.clone();
        reel::call_soon(move || {
            inner.borrow_mut().push(reel::stats().ticks);
            let again = inner.clone();
            reel::call_soon(move || again.borrow_mut().push(reel::stats().ticks));
        });
        until(|| ticks.borrow().len() == 2).await;
        let ticks = ticks.borrow();
        assert!(ticks[1] > ticks[0], "one callback per pass each: {ticks:?}");
    }));
}

#[test]
fn a_cancelled_callback_never_runs_and_its_timer_is_gone() {
    reel::run(bounded(async {
        let ran = Rc::new(Cell::new(0));
        let (a, b) = (ran.clone(), ran.clone());
        reel::yield_now().await; // the test's own deadline (bounded) is armed
        let timers = reel::stats().timers;
        let soon = reel::call_soon(move || a.set(a.get() + 1));
        let later = reel::call_later(Duration::from_millis(20), move || b.set(b.get() + 10));
        assert!(soon.cancel() && soon.cancelled());
        reel::sleep(Duration::from_millis(1)).await; // the timed one arms its timer
        assert_eq!(reel::stats().timers, timers + 1);
        assert!(later.cancel() && later.cancelled());
        reel::sleep(Duration::from_millis(40)).await;
        assert_eq!(ran.get(), 0, "neither ran");
        assert!(soon.is_finished() && later.is_finished());
        assert!(!soon.cancel(), "cancelling twice stops nothing more");
        assert_eq!(reel::stats().timers, timers, "the cancelled timer entry went with it");
    }));
}

#[test]
fn timed_callbacks_run_at_their_deadline_in_deadline_order_ties_in_call_order() {
    // On a paused clock (src/paused_clock.rs): each runs at its instant exactly.
    reel::Builder::new().start_paused(true).run(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let start = reel::time::now();
        let at = |ms| start + Duration::from_millis(ms);
        let mut handles = Vec::new();
        for (name, ms) in [("b", 30), ("a", 15), ("c", 30), ("d", 45)] {
            let log = log.clone();
            let handle =
                reel::call_at(at(ms), move || log.borrow_mut().push((name, reel::time::now())));
            assert_eq!(handle.when(), Some(at(ms)));
            handles.push(handle);
        }
        let log2 = log.clone();
        let later = reel::call_later(Duration::from_millis(5), move || {
            log2.borrow_mut().push(("first", reel::time::now()));
        });
        assert_eq!(later.when(), Some(at(5)));
        reel::sleep(Duration::from_millis(60)).await;
        let log = log.borrow();
        let want: Vec<_> = [("first", 5), ("a", 15), ("b", 30), ("c", 30), ("d", 45)]
            .map(|(name, ms)| (name, at(ms)))
            .into();
        assert_eq!(*log, want);
        assert!(handles.iter().all(|h| h.is_finished() && !h.cancelled()));
    });
}

// ---- add_reader / add_writer ----

/// A connected pair of reel sockets on loopback.
async fn pair() -> (Rc<reel::net::TcpStream>, reel::net::TcpStream) {
    let listener = reel::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, accepted) =
        reel::sync::join(reel::net::TcpStream::connect(addr), listener.accept()).await;
    (Rc::new(accepted.unwrap().0), client.unwrap())
}

#[test]
fn a_reader_is_called_once_a_tick_while_bytes_wait_and_stops_when_cancelled_inside() {
    reel::run(bounded(async {
        let (server, mut client) = pair().await;
        let calls = Rc::new(RefCell::new(Vec::new()));
        let handle = Rc::new(RefCell::new(None::<reel::callbacks::Handle>));
        let reader = {
            let (socket, calls, handle) = (server.clone(), calls.clone(), handle.clone());
            reel::add_reader(server.clone(), move || {
                let mut byte = [0; 1];
                let read = socket.try_read(&mut byte).unwrap(); // one byte a call
                calls.borrow_mut().push((read, reel::stats().ticks));
                if byte[0] == b'!' {
                    handle.borrow().as_ref().unwrap().cancel(); // remove_reader, inside
                }
            })
        };
        handle.replace(Some(reader));
        client.write_all(b"ab!cd").await.unwrap();
        until(|| calls.borrow().len() == 3).await;
        for _ in 0..5 {
            reel::yield_now().await; // ticks in which it would be called again
        }
        let calls = calls.borrow();
        assert_eq!(calls.len(), 3, "not called after its cancel: {calls:?}");
        assert!(calls.windows(2).all(|w| w[1].1 == w[0].1 + 1), "one a tick: {calls:?}");
        assert!(handle.borrow().as_ref().unwrap().is_finished());
        let mut rest = [0; 2];
        assert_eq!(server.try_read(&mut rest).unwrap(), 2, "cd was left unread");
    }));
}

#[test]
fn a_reader_that_drained_the_socket_waits_for_the_next_bytes() {
    reel::run(bounded(async {
        let (server, mut client) = pair().await;
        let got = Rc::new(RefCell::new(Vec::new()));
        let reader = {
            let (socket, got) = (server.clone(), got.clone());
            reel::add_reader(server.clone(), move || {
                let mut buf = [0; 64];
                loop {
                    match socket.try_read(&mut buf) {
                        Ok(n) => got.borrow_mut().push(buf[..n].to_vec()),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        };
        client.write_all(b"one").await.unwrap();
        until(|| !got.borrow().is_empty()).await;
        for _ in 0..5 {
            reel::yield_now().await;
        }
        assert_eq!(*got.borrow(), [b"one".to_vec()], "no call without new bytes");
        client.write_all(b"two").await.unwrap();
        until(|| got.borrow().len() == 2).await;
        assert!(reader.cancel());
        assert!(reader.cancelled());
    }));
}

#[test]
fn a_writer_is_called_while_the_socket_has_room() {
    reel::run(bounded(async {
        let (server, _client) = pair().await;
        let calls = Rc::new(Cell::new(0));
        let writer = {
            let calls = calls.clone();
            reel::add_writer(server, move || calls.set(calls.get() + 1))
        };
        until(|| calls.get() == 3).await;
        writer.cancel();
        reel::yield_now().await;
        let seen = calls.get();
        for _ in 0..3 {
            reel::yield_now().await;
        }
        assert_eq!(calls.get(), seen, "remove_writer stops the calls");
    }));
}

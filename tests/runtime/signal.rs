//! Signals delivered to this test process, through `reel::signal`.
//!
//! Every signal test lives in this file, and each takes `SERIAL` first:
//! dispositions are process-wide, the tests of one binary run on parallel
//! threads, and a signal that arrives with no handler installed (SIGUSR1's
//! default is to terminate) would kill the whole binary. Each test installs
//! its `Signals` before it sends anything, and awaits every arrival it sends
//! (bounded), so nothing is left pending for the next test.
//!
//! `raise` sends to the calling thread, and the handler has run when it
//! returns; `kill(getpid())` sends to the process, and any thread may run it.

#![allow(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;

use std::ptr;
use std::sync::{Mutex, MutexGuard, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread;

use common::{LIMIT, bounded};
use reel::signal::{SignalKind, Signals, ctrl_c, signal};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sends `kind` to the calling thread; its handler has run on return.
fn raise(kind: SignalKind) {
    // SAFETY: raise(3) takes no pointers.
    let result = unsafe { libc::raise(kind.as_raw()) };
    assert_eq!(result, 0, "raise({kind:?})");
}

/// Sends `kind` to the whole process, as `kill -SIG PID` does.
fn kill_self(kind: SignalKind) {
    // SAFETY: getpid and kill take no pointers.
    let result = unsafe { libc::kill(libc::getpid(), kind.as_raw()) };
    assert_eq!(result, 0, "kill({kind:?})");
}

/// The handler address currently installed for `kind`
/// (`libc::SIG_DFL`, `libc::SIG_IGN`, or a function).
fn disposition(kind: SignalKind) -> libc::sighandler_t {
    // SAFETY: all-zero is a valid sigaction; the kernel overwrites it.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a null new action only queries; `old` is a live struct.
    let result = unsafe { libc::sigaction(kind.as_raw(), ptr::null(), &mut old) };
    assert_eq!(result, 0, "sigaction({kind:?}) query");
    old.sa_sigaction
}

/// Installs `handler` (SIG_DFL or SIG_IGN) for `kind`.
fn set_disposition(kind: SignalKind, handler: libc::sighandler_t) {
    // SAFETY: signal(2) with SIG_DFL/SIG_IGN takes no pointers we own.
    let previous = unsafe { libc::signal(kind.as_raw(), handler) };
    assert_ne!(previous, libc::SIG_ERR, "signal({kind:?})");
}

/// Polls `signals` once with a waker that does nothing.
fn poll_once(signals: &mut Signals) -> Poll<Option<()>> {
    signals.poll_recv(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn an_arrival_wakes_recv_and_a_burst_counts_once() {
    let _serial = serial();
    reel::run(async {
        let mut usr1 = signal(SignalKind::user_defined1()).expect("listen for SIGUSR1");
        assert!(poll_once(&mut usr1).is_pending(), "nothing has arrived yet");

        // A task waits; the signal comes from the process, as `kill` sends it.
        let waiter = reel::spawn(async move {
            let got = usr1.recv().await;
            (got, usr1)
        });
        // The waiter runs (and parks on the pipe) before this task goes on.
        reel::yield_now().await;
        kill_self(SignalKind::user_defined1());
        let (got, mut usr1) = bounded(waiter).await.expect("the waiter did not panic");
        assert_eq!(got, Some(()), "recv reports the arrival");

        // Two arrivals before the task looks: one recv, then nothing.
        raise(SignalKind::user_defined1());
        raise(SignalKind::user_defined1());
        assert_eq!(bounded(usr1.recv()).await, Some(()));
        assert!(poll_once(&mut usr1).is_pending(), "the burst was reported once");
    });
}

#[test]
fn two_signals_for_one_signal_both_see_it() {
    let _serial = serial();
    reel::run(async {
        let mut first = signal(SignalKind::user_defined2()).expect("first listener");
        let mut second = signal(SignalKind::user_defined2()).expect("second listener");
        let other = signal(SignalKind::hangup()).expect("a listener for another signal");
        raise(SignalKind::user_defined2());
        assert_eq!(bounded(first.recv()).await, Some(()), "the first sees it");
        assert_eq!(bounded(second.recv()).await, Some(()), "the second sees it");
        let mut other = other;
        assert!(poll_once(&mut other).is_pending(), "SIGHUP's listener does not");
    });
}

#[test]
fn loops_on_two_threads_both_see_it() {
    let _serial = serial();
    let (ready_tx, ready_rx) = mpsc::channel();
    let loops: Vec<_> = (0..2)
        .map(|_| {
            let ready_tx = ready_tx.clone();
            thread::spawn(move || {
                reel::run(async move {
                    let mut hangups = signal(SignalKind::hangup()).expect("listen for SIGHUP");
                    ready_tx.send(()).expect("tell the test we listen");
                    bounded(hangups.recv()).await
                })
            })
        })
        .collect();
    for _ in 0..2 {
        ready_rx.recv_timeout(LIMIT).expect("both loops listen within the deadline");
    }
    kill_self(SignalKind::hangup());
    for handle in loops {
        let got = handle.join().expect("the loop's thread did not panic");
        assert_eq!(got, Some(()), "each loop saw the SIGHUP");
    }
}

#[test]
fn dropping_the_last_signals_restores_the_previous_disposition() {
    let _serial = serial();
    let kind = SignalKind::user_defined2();
    for before in [libc::SIG_DFL, libc::SIG_IGN] {
        set_disposition(kind, before);
        reel::run(async move {
            let mut first = signal(kind).expect("first listener");
            let second = signal(kind).expect("second listener");
            assert_ne!(disposition(kind), before, "reel's handler is installed");
            drop(second);
            assert_ne!(disposition(kind), before, "still installed for the first");
            raise(kind);
            assert_eq!(bounded(first.recv()).await, Some(()), "and still delivered");
            drop(first);
            assert_eq!(disposition(kind), before, "the old disposition is back");
        });
    }
    set_disposition(kind, libc::SIG_DFL);
}

#[test]
fn ctrl_c_completes_on_sigint() {
    let _serial = serial();
    let before = disposition(SignalKind::interrupt());
    reel::run(async {
        // Installed before anything is sent: a stray SIGINT cannot kill us.
        let mut guard = signal(SignalKind::interrupt()).expect("listen for SIGINT");
        let pressed = ctrl_c();
        raise(SignalKind::interrupt());
        bounded(pressed).await.expect("ctrl_c reports Ctrl-C");
        assert_eq!(bounded(guard.recv()).await, Some(()), "the guard saw it too");
    });
    assert_eq!(disposition(SignalKind::interrupt()), before, "SIGINT's disposition is back");
}

#[test]
fn signals_that_cannot_be_caught_are_refused() {
    reel::run(async {
        for raw in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -1, 1000] {
            let err = signal(SignalKind::from_raw(raw)).expect_err("refused");
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "signal {raw}: {err}");
        }
        // The refusal leaves nothing registered with the loop.
        assert_eq!(reel::stats().registrations, 0);
    });
}

/// `stop_signal`, what the servers wait for, completes on SIGHUP as on
/// SIGINT and SIGTERM, and says which came; `any_of` takes any set.
#[test]
fn stop_signal_includes_the_hangup_and_says_which_came() {
    let _serial = serial();
    reel::run(async {
        let stop = reel::signal::stop_signal().expect("listen for the stop signals");
        raise(SignalKind::hangup());
        assert_eq!(bounded(stop).await, SignalKind::hangup());
        let either =
            reel::signal::any_of(&[SignalKind::user_defined1(), SignalKind::user_defined2()]);
        let either = either.expect("listen for SIGUSR1 and SIGUSR2");
        raise(SignalKind::user_defined2());
        assert_eq!(bounded(either).await, SignalKind::user_defined2());
    });
}

//! A million pending timers: armed, fired, and dropped without leaving any
//! behind. In its own test binary so the memory figure is this test's alone.
//!
//! For the figures in README: `cargo test --release --test million_timers -- --nocapture`.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use reel::time::Sleep;
use reel::{sleep_until, stats};

const N: usize = 1_000_000;

/// Resident memory of this process in KiB, from /proc/self/status.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS line");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("a number")
}

/// Polls every sleep once in one task poll; returns how many were ready.
async fn poll_all(sleeps: &mut [Sleep]) -> usize {
    poll_fn(|cx| {
        let ready = sleeps.iter_mut().map(|s| Pin::new(s).poll(cx).is_ready() as usize).sum();
        Poll::Ready(ready)
    })
    .await
}

#[test]
fn a_million_timers_fire_in_one_tick_and_leave_nothing_behind() {
    reel::run(async {
        let rss_before = rss_kib();
        let started = Instant::now();
        // Far enough ahead that arming finishes first, even in a debug build.
        let due = started + Duration::from_secs(2);
        let mut sleeps: Vec<Sleep> =
            (0..N).map(|i| sleep_until(due - Duration::from_nanos(i as u64))).collect();
        assert_eq!(poll_all(&mut sleeps).await, 0, "none due yet");
        let armed_in = started.elapsed();
        assert_eq!(stats().timers, N);
        let rss_armed = rss_kib();

        // Main's own sleep is the last deadline, so by the time it runs,
        // fire_expired has woken all N in the same tick.
        sleep_until(due + Duration::from_nanos(1)).await;
        let fired_in = due.elapsed();
        assert_eq!(stats().timers, 0, "every timer fired and left the map");
        assert_eq!(poll_all(&mut sleeps).await, N, "every sleep completed");

        let per_timer = (rss_armed.saturating_sub(rss_before) * 1024) as f64 / N as f64;
        eprintln!(
            "{N} timers: armed in {armed_in:?}, fired in {fired_in:?} (one tick), \
             RSS +{} MiB ({per_timer:.0} bytes per timer, the Sleep futures included)",
            rss_armed.saturating_sub(rss_before) / 1024
        );
    });
}

#[test]
fn a_million_dropped_timers_are_removed_at_once() {
    reel::run(async {
        let far = Instant::now() + Duration::from_secs(3600);
        let mut sleeps: Vec<Sleep> = (0..N).map(|_| sleep_until(far)).collect();
        assert_eq!(poll_all(&mut sleeps).await, 0);
        assert_eq!(stats().timers, N);
        let started = Instant::now();
        drop(sleeps);
        eprintln!("{N} timers dropped in {:?}", started.elapsed());
        assert_eq!(stats().timers, 0);
    });
}
